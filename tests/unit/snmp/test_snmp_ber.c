/* BER codec: round trips, and the malformed inputs it must refuse. */
#include "ber.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

static void test_int_roundtrip(void **state)
{
	static const int64_t vals[] = {0, 1, -1, 127, 128, -128, -129, 255, 256, 32767, -32768,
				       65535, INT32_MAX, INT32_MIN, INT64_MAX, INT64_MIN};
	uint8_t buf[32];

	(void)state;
	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		struct gw_ber_wr w;
		struct gw_ber_rd r;
		int64_t out;

		gw_ber_wr_init(&w, buf, sizeof(buf));
		gw_ber_put_int(&w, GW_BER_INT, vals[i]);
		assert_false(w.overflow);
		gw_ber_rd_init(&r, gw_ber_wr_data(&w), w.len);
		assert_int_equal(gw_ber_read_int(&r, GW_BER_INT, INT64_MIN, INT64_MAX, &out), 0);
		assert_true(out == vals[i]);
		assert_true(gw_ber_rd_done(&r));
	}
}

static void test_int_minimal_encoding(void **state)
{
	uint8_t buf[16];
	struct gw_ber_wr w;

	(void)state;
	gw_ber_wr_init(&w, buf, sizeof(buf));
	gw_ber_put_int(&w, GW_BER_INT, 128);
	assert_int_equal(w.len, 4);
	assert_memory_equal(gw_ber_wr_data(&w), "\x02\x02\x00\x80", 4);
	gw_ber_wr_init(&w, buf, sizeof(buf));
	gw_ber_put_int(&w, GW_BER_INT, -129);
	assert_memory_equal(gw_ber_wr_data(&w), "\x02\x02\xff\x7f", 4);
	gw_ber_wr_init(&w, buf, sizeof(buf));
	gw_ber_put_uint(&w, GW_BER_COUNTER64, UINT64_MAX);
	assert_int_equal(w.len, 11);
	assert_memory_equal(gw_ber_wr_data(&w), "\x46\x09\x00\xff\xff\xff\xff\xff\xff\xff\xff", 11);
}

static void test_int_refused(void **state)
{
	int64_t v;
	uint64_t u;

	(void)state;
	assert_int_equal(gw_ber_int((const uint8_t *)"", 0, &v), -EBADMSG);
	assert_int_equal(gw_ber_int((const uint8_t *)"\x01\x02\x03\x04\x05\x06\x07\x08\x09", 9, &v),
			 -EBADMSG);
	/* redundant sign bytes are tolerated */
	assert_int_equal(gw_ber_int((const uint8_t *)"\x00\x00\x05", 3, &v), 0);
	assert_true(v == 5);
	assert_int_equal(gw_ber_uint((const uint8_t *)"\x01\x00\x00\x00\x00\x00\x00\x00\x00", 9, &u),
			 -EBADMSG);
	/* a Counter32 sent without its leading zero reads as unsigned */
	assert_int_equal(gw_ber_uint((const uint8_t *)"\xff\xff\xff\xfe", 4, &u), 0);
	assert_true(u == 4294967294u);
}

static void test_length_forms(void **state)
{
	struct gw_ber_rd r;
	const uint8_t *v;
	size_t n;
	uint8_t tag;
	uint8_t big[300] = {0x04, 0x82, 0x01, 0x00};

	(void)state;
	/* long form */
	gw_ber_rd_init(&r, big, 4 + 256);
	assert_int_equal(gw_ber_next(&r, &tag, &v, &n), 0);
	assert_int_equal(n, 256);
	/* length past the end */
	gw_ber_rd_init(&r, big, 4 + 255);
	assert_int_equal(gw_ber_next(&r, &tag, &v, &n), -EBADMSG);
	/* indefinite length */
	gw_ber_rd_init(&r, "\x30\x80\x00\x00", 4);
	assert_int_equal(gw_ber_next(&r, &tag, &v, &n), -EBADMSG);
	/* five length bytes */
	gw_ber_rd_init(&r, "\x04\x85\x00\x00\x00\x00\x01\x00", 8);
	assert_int_equal(gw_ber_next(&r, &tag, &v, &n), -EBADMSG);
	/* a huge declared length never wraps around */
	gw_ber_rd_init(&r, "\x04\x84\xff\xff\xff\xff\x00", 7);
	assert_int_equal(gw_ber_next(&r, &tag, &v, &n), -EBADMSG);
	/* multi-byte tag */
	gw_ber_rd_init(&r, "\x1f\x81\x01\x00", 4);
	assert_int_equal(gw_ber_next(&r, &tag, &v, &n), -EBADMSG);
	/* header cut short */
	gw_ber_rd_init(&r, "\x04", 1);
	assert_int_equal(gw_ber_next(&r, &tag, &v, &n), -EBADMSG);
	gw_ber_rd_init(&r, "\x04\x82\x01", 3);
	assert_int_equal(gw_ber_next(&r, &tag, &v, &n), -EBADMSG);
}

static void test_oid_roundtrip(void **state)
{
	static const char *const oids[] = {
		"1.3.6.1.2.1.1.1.0", "0.0", "2.999.1", "1.3.6.1.4.1.1248.1.2.2.44.1.1.2.1.115.116.1.0.1",
		"1.3.6.1.4.1.4294967295.0", "2.4294967215",
	};
	uint8_t buf[1024];
	char txt[256];

	(void)state;
	for (size_t i = 0; i < sizeof(oids) / sizeof(oids[0]); i++) {
		struct gw_oid o, back;
		struct gw_ber_wr w;
		struct gw_ber_rd r;
		const uint8_t *v;
		size_t n;

		assert_int_equal(gw_oid_parse(oids[i], &o), 0);
		gw_ber_wr_init(&w, buf, sizeof(buf));
		assert_int_equal(gw_ber_put_oid(&w, &o), 0);
		gw_ber_rd_init(&r, gw_ber_wr_data(&w), w.len);
		assert_int_equal(gw_ber_expect(&r, GW_BER_OID, &v, &n), 0);
		assert_int_equal(gw_ber_oid(v, n, &back), 0);
		assert_int_equal(gw_oid_cmpo(&o, &back), 0);
		assert_string_equal(gw_oid_format(back.a, back.n, txt, sizeof(txt)), oids[i]);
	}
}

static void test_oid_known_bytes(void **state)
{
	struct gw_oid o;
	uint8_t b[64];

	(void)state;
	/* X.690 §8.19 example style: 1.3.6.1.4.1.1248 */
	gw_oid_parse("1.3.6.1.4.1.1248", &o);
	assert_int_equal(gw_ber_oid_encode(o.a, o.n, b, sizeof(b)), 7);
	assert_memory_equal(b, "\x2b\x06\x01\x04\x01\x89\x60", 7);
	/* arcs of 128 and more take two bytes (EPSON-CTRL payloads) */
	gw_oid_parse("1.3.200", &o);
	assert_int_equal(gw_ber_oid_encode(o.a, o.n, b, sizeof(b)), 3);
	assert_memory_equal(b, "\x2b\x81\x48", 3);
}

/* The writer's direct path and the buffered one give the bytes of gw_ber_oid_encode. */
static void test_oid_writer_paths(void **state)
{
	uint8_t ref[GW_OID_MAX * 5 + 8], buf[GW_OID_MAX * 5 + 8];
	unsigned seed = 7;

	(void)state;
	for (int i = 0; i < 500; i++) {
		struct gw_oid o = {.n = 2 + (unsigned)(i % 40)};
		struct gw_ber_wr w;
		int n;

		o.a[0] = (unsigned)i % 3;
		o.a[1] = o.a[0] < 2 ? (unsigned)i % 40 : (unsigned)i * 977;
		for (unsigned k = 2; k < o.n; k++) {
			seed = seed * 1103515245u + 12345u;
			/* every encoded length from 1 to 5 bytes */
			o.a[k] = seed >> (seed % 32);
		}
		n = gw_ber_oid_encode(o.a, o.n, ref + 2, sizeof(ref) - 2);
		assert_true(n > 0 && n < 0x80);
		ref[0] = GW_BER_OID;
		ref[1] = (uint8_t)n;
		/* plenty of room: the direct path */
		gw_ber_wr_init(&w, buf, sizeof(buf));
		assert_int_equal(gw_ber_put_oid(&w, &o), 0);
		assert_false(w.overflow);
		assert_int_equal(w.len, (size_t)n + 2);
		assert_memory_equal(gw_ber_wr_data(&w), ref, (size_t)n + 2);
		/* an exact fit (the buffered path when the worst case does not fit) */
		gw_ber_wr_init(&w, buf, (size_t)n + 2);
		assert_int_equal(gw_ber_put_oid(&w, &o), 0);
		assert_false(w.overflow);
		assert_memory_equal(buf, ref, (size_t)n + 2);
		/* one byte short */
		gw_ber_wr_init(&w, buf, (size_t)n + 1);
		gw_ber_put_oid(&w, &o);
		assert_true(w.overflow);
	}
}

static void test_oid_refused(void **state)
{
	struct gw_oid o;
	uint8_t many[GW_OID_MAX + 2];

	(void)state;
	assert_int_equal(gw_ber_oid((const uint8_t *)"", 0, &o), -EBADMSG);
	/* last sub-identifier unterminated */
	assert_int_equal(gw_ber_oid((const uint8_t *)"\x2b\x86", 2, &o), -EBADMSG);
	/* leading 0x80 */
	assert_int_equal(gw_ber_oid((const uint8_t *)"\x2b\x80\x01", 3, &o), -EBADMSG);
	/* sub-identifier over 32 bits */
	assert_int_equal(gw_ber_oid((const uint8_t *)"\x2b\x90\x80\x80\x80\x00", 6, &o),
			 -EBADMSG);
	/* more arcs than we hold */
	memset(many, 1, sizeof(many));
	assert_int_equal(gw_ber_oid(many, sizeof(many), &o), -EBADMSG);
	assert_int_equal(gw_ber_oid(many, GW_OID_MAX - 1, &o), 0);
	assert_int_equal(o.n, GW_OID_MAX);
	/* unparsable text */
	assert_int_equal(gw_oid_parse("1.3..6", &o), -EINVAL);
	assert_int_equal(gw_oid_parse("1", &o), -EINVAL);
	assert_int_equal(gw_oid_parse("1.3.x", &o), -EINVAL);
	assert_int_equal(gw_oid_parse("1.3.99999999999", &o), -EINVAL);
	/* bad first arcs cannot be encoded */
	gw_oid_parse("3.1", &o);
	assert_int_equal(gw_ber_put_oid(&(struct gw_ber_wr){many, sizeof(many), 0, false}, &o),
			 -EINVAL);
}

static void test_writer_overflow(void **state)
{
	uint8_t buf[8];
	struct gw_ber_wr w;

	(void)state;
	gw_ber_wr_init(&w, buf, sizeof(buf));
	gw_ber_put_octets(&w, GW_BER_OCTETS, "0123456789", 10);
	assert_true(w.overflow);
	/* once overflowed, nothing more is written */
	gw_ber_put_null(&w);
	assert_true(w.overflow);
	assert_true(w.len <= sizeof(buf));
}

static void test_nested_and_order(void **state)
{
	uint8_t buf[64];
	struct gw_ber_wr w;
	size_t m;

	(void)state;
	gw_ber_wr_init(&w, buf, sizeof(buf));
	m = gw_ber_mark(&w);
	gw_ber_put_null(&w);
	gw_ber_put_int(&w, GW_BER_INT, 5);
	gw_ber_close(&w, GW_BER_SEQ, m);
	assert_int_equal(w.len, 7);
	assert_memory_equal(gw_ber_wr_data(&w), "\x30\x05\x02\x01\x05\x05\x00", 7);
	assert_true(gw_oid_cmp((const uint32_t[]){1, 3}, 2, (const uint32_t[]){1, 3, 0}, 3) < 0);
	assert_true(gw_oid_cmp((const uint32_t[]){1, 4}, 2, (const uint32_t[]){1, 3, 9}, 3) > 0);
	assert_true(gw_oid_has_prefix((const uint32_t[]){1, 3, 6}, 3, (const uint32_t[]){1, 3}, 2));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_int_roundtrip),
		cmocka_unit_test(test_int_minimal_encoding),
		cmocka_unit_test(test_int_refused),
		cmocka_unit_test(test_length_forms),
		cmocka_unit_test(test_oid_roundtrip),
		cmocka_unit_test(test_oid_known_bytes),
		cmocka_unit_test(test_oid_writer_paths),
		cmocka_unit_test(test_oid_refused),
		cmocka_unit_test(test_writer_overflow),
		cmocka_unit_test(test_nested_and_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
