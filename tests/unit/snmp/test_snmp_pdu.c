/* SNMP messages: encoding against hand-assembled bytes, decoding, refusals. */
#include "pdu.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* GET public sysDescr.0, request id 1 (X.690 by hand). */
static const uint8_t get_sysdescr[] = {
	0x30, 0x26, 0x02, 0x01, 0x01, 0x04, 0x06, 'p', 'u', 'b', 'l', 'i', 'c',
	0xa0, 0x19, 0x02, 0x01, 0x01, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00,
	0x30, 0x0e, 0x30, 0x0c, 0x06, 0x08, 0x2b, 0x06, 0x01, 0x02, 0x01, 0x01, 0x01, 0x00,
	0x05, 0x00,
};

/* Response (v2c) reqid 0x12345678: sysDescr.0 = "hello". */
static const uint8_t response[] = {
	0x30, 0x2e, 0x02, 0x01, 0x01, 0x04, 0x06, 'p', 'u', 'b', 'l', 'i', 'c',
	0xa2, 0x21, 0x02, 0x04, 0x12, 0x34, 0x56, 0x78, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00,
	0x30, 0x13, 0x30, 0x11, 0x06, 0x08, 0x2b, 0x06, 0x01, 0x02, 0x01, 0x01, 0x01, 0x00,
	0x04, 0x05, 'h', 'e', 'l', 'l', 'o',
};

static void test_encode_get(void **state)
{
	uint8_t buf[256], vbl[128];
	struct gw_ber_wr w, wv;
	struct gw_oid o;

	(void)state;
	gw_oid_parse("1.3.6.1.2.1.1.1.0", &o);
	gw_ber_wr_init(&wv, vbl, sizeof(vbl));
	assert_int_equal(gw_snmp_put_vbl(&wv, &o, 1), 0);
	gw_ber_wr_init(&w, buf, sizeof(buf));
	gw_snmp_put_pdu(&w, GW_PDU_GET, 1, 0, 0, gw_ber_wr_data(&wv), wv.len);
	gw_snmp_put_community_msg(&w, GW_SNMP_WIRE_V2C, "public", 6, 0);
	assert_false(w.overflow);
	assert_int_equal(w.len, sizeof(get_sysdescr));
	assert_memory_equal(gw_ber_wr_data(&w), get_sysdescr, sizeof(get_sysdescr));
}

static void test_decode_response(void **state)
{
	struct gw_snmp_msg *m = calloc(1, sizeof(*m));
	struct gw_oid o;
	int64_t v;

	(void)state;
	assert_int_equal(gw_snmp_msg_decode(response, sizeof(response), m), 0);
	assert_int_equal(m->version, GW_SNMP_WIRE_V2C);
	assert_int_equal(m->community.n, 6);
	assert_memory_equal(m->community.p, "public", 6);
	assert_int_equal(m->pdu.type, GW_PDU_RESPONSE);
	assert_int_equal(m->pdu.reqid, 0x12345678);
	assert_int_equal(m->pdu.n_vb, 1);
	assert_int_equal(gw_snmp_vb_oid(&m->pdu.vb[0], &o), 0);
	assert_int_equal(o.n, 9);
	assert_int_equal(m->pdu.vb[0].type, GW_BER_OCTETS);
	assert_int_equal(m->pdu.vb[0].val_len, 5);
	assert_memory_equal(m->pdu.vb[0].val, "hello", 5);
	assert_int_equal(gw_snmp_vb_int(&m->pdu.vb[0], &v), -EINVAL);
	/* the request decodes too */
	assert_int_equal(gw_snmp_msg_decode(get_sysdescr, sizeof(get_sysdescr), m), 0);
	assert_int_equal(m->pdu.type, GW_PDU_GET);
	assert_int_equal(m->pdu.vb[0].type, GW_BER_NULL);
	free(m);
}

static void test_every_truncation_refused(void **state)
{
	struct gw_snmp_msg *m = calloc(1, sizeof(*m));

	(void)state;
	for (size_t n = 0; n < sizeof(response); n++) {
		/* a copy of exactly n bytes, so ASan sees any read past it */
		uint8_t *b = malloc(n ? n : 1);

		memcpy(b, response, n);
		assert_int_equal(gw_snmp_msg_decode(b, n, m), -EBADMSG);
		free(b);
	}
	free(m);
}

static void test_refusals(void **state)
{
	struct gw_snmp_msg *m = calloc(1, sizeof(*m));
	uint8_t b[sizeof(response) + 1];

	(void)state;
	/* trailing garbage after the message */
	memcpy(b, response, sizeof(response));
	b[sizeof(response)] = 0;
	assert_int_equal(gw_snmp_msg_decode(b, sizeof(b), m), -EBADMSG);
	/* version 2 does not exist */
	memcpy(b, response, sizeof(response));
	b[4] = 2;
	assert_int_equal(gw_snmp_msg_decode(b, sizeof(response), m), -EBADMSG);
	/* a v1 message may not carry exception values */
	{
		static const uint8_t v1_exc[] = {
			0x30, 0x29, 0x02, 0x01, 0x00, 0x04, 0x06, 'p', 'u', 'b', 'l', 'i', 'c',
			0xa2, 0x1c, 0x02, 0x04, 0x12, 0x34, 0x56, 0x78, 0x02, 0x01, 0x00, 0x02, 0x01,
			0x00, 0x30, 0x0e, 0x30, 0x0c, 0x06, 0x08, 0x2b, 0x06, 0x01, 0x02, 0x01, 0x01,
			0x01, 0x00, 0x80, 0x00,
		};
		uint8_t v2c_exc[sizeof(v1_exc)];

		assert_int_equal(gw_snmp_msg_decode(v1_exc, sizeof(v1_exc), m), -EBADMSG);
		memcpy(v2c_exc, v1_exc, sizeof(v1_exc));
		v2c_exc[4] = 1;
		assert_int_equal(gw_snmp_msg_decode(v2c_exc, sizeof(v2c_exc), m), 0);
		assert_true(gw_snmp_vb_is_exception(&m->pdu.vb[0]));
		/* an exception with contents is malformed */
		v2c_exc[sizeof(v2c_exc) - 1] = 1;
		assert_int_equal(gw_snmp_msg_decode(v2c_exc, sizeof(v2c_exc), m), -EBADMSG);
	}
	/* an IpAddress must be 4 bytes */
	{
		static const uint8_t bad_ip[] = {
			0x30, 0x2c, 0x02, 0x01, 0x01, 0x04, 0x06, 'p', 'u', 'b', 'l', 'i', 'c',
			0xa2, 0x1f, 0x02, 0x04, 0x12, 0x34, 0x56, 0x78, 0x02, 0x01, 0x00, 0x02, 0x01,
			0x00, 0x30, 0x11, 0x30, 0x0f, 0x06, 0x08, 0x2b, 0x06, 0x01, 0x02, 0x01, 0x01,
			0x01, 0x00, 0x40, 0x03, 1, 2, 3,
		};
		assert_int_equal(gw_snmp_msg_decode(bad_ip, sizeof(bad_ip), m), -EBADMSG);
	}
	free(m);
}

static void test_too_many_varbinds(void **state)
{
	struct gw_snmp_msg *m = calloc(1, sizeof(*m));
	size_t nvb = GW_SNMP_MAX_VB + 1, cap = 64 + nvb * 16;
	uint8_t *buf = malloc(cap), vbl_buf[8192];
	struct gw_oid *oids = calloc(nvb, sizeof(*oids));
	struct gw_ber_wr w, wv;

	(void)state;
	for (size_t i = 0; i < nvb; i++)
		gw_oid_parse("1.3.6.1", &oids[i]);
	gw_ber_wr_init(&wv, vbl_buf, sizeof(vbl_buf));
	assert_int_equal(gw_snmp_put_vbl(&wv, oids, (unsigned)nvb), 0);
	gw_ber_wr_init(&w, buf, cap);
	gw_snmp_put_pdu(&w, GW_PDU_RESPONSE, 7, 0, 0, gw_ber_wr_data(&wv), wv.len);
	gw_snmp_put_community_msg(&w, GW_SNMP_WIRE_V2C, "x", 1, 0);
	assert_false(w.overflow);
	assert_int_equal(gw_snmp_msg_decode(gw_ber_wr_data(&w), w.len, m), -EBADMSG);
	/* one fewer is fine */
	gw_ber_wr_init(&wv, vbl_buf, sizeof(vbl_buf));
	gw_snmp_put_vbl(&wv, oids, (unsigned)nvb - 1);
	gw_ber_wr_init(&w, buf, cap);
	gw_snmp_put_pdu(&w, GW_PDU_RESPONSE, 7, 0, 0, gw_ber_wr_data(&wv), wv.len);
	gw_snmp_put_community_msg(&w, GW_SNMP_WIRE_V2C, "x", 1, 0);
	assert_int_equal(gw_snmp_msg_decode(gw_ber_wr_data(&w), w.len, m), 0);
	assert_int_equal(m->pdu.n_vb, GW_SNMP_MAX_VB);
	free(oids);
	free(buf);
	free(m);
}

static void test_getbulk_and_values(void **state)
{
	struct gw_snmp_msg *m = calloc(1, sizeof(*m));
	uint8_t buf[256], vbl[128];
	struct gw_ber_wr w, wv;
	struct gw_oid o[2];
	size_t mark;
	int64_t v;

	(void)state;
	gw_oid_parse("1.3.6.1.2.1.43.11", &o[0]);
	gw_oid_parse("1.3.6.1.2.1.1.3.0", &o[1]);
	/* a response with a Counter32 above 2^31 and a Counter64 */
	gw_ber_wr_init(&wv, vbl, sizeof(vbl));
	mark = gw_ber_mark(&wv);
	{
		size_t m2 = gw_ber_mark(&wv);
		gw_ber_put_uint(&wv, GW_BER_COUNTER64, 1ull << 40);
		gw_ber_put_oid(&wv, &o[1]);
		gw_ber_close(&wv, GW_BER_SEQ, m2);
		m2 = gw_ber_mark(&wv);
		gw_ber_put_uint(&wv, GW_BER_COUNTER32, 3000000000u);
		gw_ber_put_oid(&wv, &o[0]);
		gw_ber_close(&wv, GW_BER_SEQ, m2);
	}
	gw_ber_close(&wv, GW_BER_SEQ, mark);
	gw_ber_wr_init(&w, buf, sizeof(buf));
	gw_snmp_put_pdu(&w, GW_PDU_RESPONSE, 9, 0, 0, gw_ber_wr_data(&wv), wv.len);
	gw_snmp_put_community_msg(&w, GW_SNMP_WIRE_V2C, "c", 1, 0);
	assert_int_equal(gw_snmp_msg_decode(gw_ber_wr_data(&w), w.len, m), 0);
	assert_int_equal(gw_snmp_vb_int(&m->pdu.vb[0], &v), 0);
	assert_true(v == 3000000000ll);
	assert_int_equal(gw_snmp_vb_int(&m->pdu.vb[1], &v), 0);
	assert_true(v == 1ll << 40);
	/* GETBULK carries non-repeaters and max-repetitions where the errors are */
	gw_ber_wr_init(&wv, vbl, sizeof(vbl));
	gw_snmp_put_vbl(&wv, o, 1);
	gw_ber_wr_init(&w, buf, sizeof(buf));
	gw_snmp_put_pdu(&w, GW_PDU_GETBULK, 10, 0, 25, gw_ber_wr_data(&wv), wv.len);
	gw_snmp_put_community_msg(&w, GW_SNMP_WIRE_V2C, "c", 1, 0);
	assert_int_equal(gw_snmp_msg_decode(gw_ber_wr_data(&w), w.len, m), 0);
	assert_int_equal(m->pdu.type, GW_PDU_GETBULK);
	assert_int_equal(m->pdu.err_index, 25);
	/* ... and v1 may not */
	gw_ber_wr_init(&w, buf, sizeof(buf));
	gw_snmp_put_pdu(&w, GW_PDU_GETBULK, 10, 0, 25, gw_ber_wr_data(&wv), wv.len);
	gw_snmp_put_community_msg(&w, GW_SNMP_WIRE_V1, "c", 1, 0);
	assert_int_equal(gw_snmp_msg_decode(gw_ber_wr_data(&w), w.len, m), -EBADMSG);
	free(m);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(gw_snmp_err_name(GW_SNMP_TOO_BIG), "tooBig");
	assert_string_equal(gw_snmp_err_name(99), "unknown");
	assert_string_equal(gw_snmp_type_name(GW_BER_ENDOFMIBVIEW), "endOfMibView");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encode_get),
		cmocka_unit_test(test_decode_response),
		cmocka_unit_test(test_every_truncation_refused),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_too_many_varbinds),
		cmocka_unit_test(test_getbulk_and_values),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
