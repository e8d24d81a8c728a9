/*
 * The "@BDC ST2" parser, with replies built from the byte layouts published
 * in the Epson reference (§2.4-2.6): framing, ink records, paper counts,
 * maintenance boxes, serial, and replies that are short, lying or foreign.
 */
#include "st2.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* Build: prefix 00, "@BDC ST2\r\n", 16-bit LE length, then the fields. */
static size_t build(uint8_t *out, const uint8_t *fields, size_t n)
{
	memcpy(out, "\x00@BDC ST2\r\n", 11);
	out[11] = (uint8_t)n;
	out[12] = (uint8_t)(n >> 8);
	memcpy(out + 13, fields, n);
	return 13 + n;
}

static const uint8_t fields[] = {
	0x01, 0x01, 0x04,                         /* status: idle */
	0x02, 0x01, 0x06,                         /* error: paper out */
	0x04, 0x02, 0x11, 0x44,                   /* warnings: ink low slot 1, black print mode */
	0x0f, 0x0d, 0x03,                         /* inks, record size 3 */
	0x01, 0x00, 0x4b,                         /*   black 75 % */
	0x03, 0x01, 0x05,                         /*   cyan 5 % */
	0x04, 0x02, 'n',                          /*   magenta: not present */
	0x05, 0x03, 0x00,                         /*   yellow: ink end */
	0x19, 0x0c, 0, 0, 0, 0, 0, 's', 'e', 'c', 'r', 'e', 't', '!', /* job name */
	0x77, 0x03, 0xaa, 0xbb, 0xcc,             /* an unknown field */
	0x36, 0x14,                               /* paper counts, 5 x int32 LE */
	0x10, 0x27, 0, 0, 0x20, 0x4e, 0, 0, 0x64, 0, 0, 0, 0xc8, 0, 0, 0, 0x05, 0, 0, 0,
	0x37, 0x03, 0x01, 0x00, 0x01,             /* two maintenance boxes: ok, near full */
	0x40, 0x0a, 'X', '3', 'B', '8', '0', '2', '2', '7', '9', '3', /* serial */
};

static void test_full_reply(void **state)
{
	uint8_t buf[512];
	size_t n = build(buf, fields, sizeof(fields));
	struct gw_st2 st;

	(void)state;
	assert_int_equal(gw_st2_parse(buf, n, &st), 0);
	assert_true(st.has_status);
	assert_int_equal(st.status, 0x04);
	assert_string_equal(gw_st2_status_name(st.status), "idle");
	assert_true(st.has_error);
	assert_string_equal(gw_st2_error_name(st.error), "Paper out");
	assert_int_equal(st.n_warnings, 2);
	assert_int_equal(st.warnings[0], 0x11);
	assert_int_equal(st.n_inks, 4);
	assert_int_equal(st.inks[0].color, 0);
	assert_int_equal(st.inks[0].level, 75);
	assert_string_equal(gw_st2_color_name(st.inks[1].color), "cyan");
	assert_int_equal(st.inks[2].level, 'n');
	assert_int_equal(st.inks[3].level, 0);
	assert_true(st.has_job_name);
	assert_int_equal(st.n_unknown, 1);
	assert_int_equal(st.n_paper, 5);
	assert_true(st.paper[0] == 10000 && st.paper[1] == 20000 && st.paper[2] == 100 &&
		    st.paper[3] == 200 && st.paper[4] == 5);
	assert_int_equal(st.n_boxes, 2);
	assert_int_equal(st.box_status[1], 1);
	assert_string_equal(st.serial, "X3B8022793");
	assert_false(st.truncated);
	/* the job name is recognised, never kept: no byte of it is in the result */
	assert_null(memmem(&st, sizeof(st), "secret", 6));
}

static void test_lying_total_length(void **state)
{
	uint8_t buf[512];
	size_t n = build(buf, fields, sizeof(fields));
	struct gw_st2 st;

	(void)state;
	/* says 0xffff bytes follow; the buffer is shorter */
	buf[11] = 0xff;
	buf[12] = 0xff;
	assert_int_equal(gw_st2_parse(buf, n, &st), 0);
	assert_true(st.truncated);
	assert_string_equal(st.serial, "X3B8022793");
	/* says fewer bytes than there are: fields after it are not read */
	buf[11] = 3;
	buf[12] = 0;
	assert_int_equal(gw_st2_parse(buf, n, &st), 0);
	assert_true(st.has_status);
	assert_false(st.has_error);
}

static void test_every_truncation(void **state)
{
	uint8_t full[512];
	size_t n = build(full, fields, sizeof(fields));

	(void)state;
	for (size_t k = 0; k <= n; k++) {
		uint8_t *b = malloc(k ? k : 1);
		struct gw_st2 st;
		int rc;

		memcpy(b, full, k);
		rc = gw_st2_parse(b, k, &st);
		assert_true(rc == 0 || rc == -ENOENT || rc == -EBADMSG);
		free(b);
	}
}

static void test_field_longer_than_reply(void **state)
{
	static const uint8_t f[] = {0x01, 0x01, 0x04, 0x0f, 0x40, 0x03, 0x01, 0x00, 0x32};
	uint8_t buf[64];
	size_t n = build(buf, f, sizeof(f));
	struct gw_st2 st;

	(void)state;
	assert_int_equal(gw_st2_parse(buf, n, &st), 0);
	assert_true(st.has_status);
	assert_int_equal(st.n_inks, 0);
	assert_true(st.truncated);
}

static void test_odd_records(void **state)
{
	/* record size 0 and 2 are refused; size 4 records read their first 3 bytes */
	static const uint8_t f[] = {0x0f, 0x01, 0x00, 0x0f, 0x03, 0x02, 0x01, 0x00,
				    0x0f, 0x09, 0x04, 0x01, 0x00, 0x32, 0xee, 0x02, 0x01, 0x14, 0xee,
				    0x37, 0x01, 0x00, 0x36, 0x03, 1, 2, 3};
	uint8_t buf[64];
	size_t n = build(buf, f, sizeof(f));
	struct gw_st2 st;

	(void)state;
	assert_int_equal(gw_st2_parse(buf, n, &st), 0);
	assert_int_equal(st.n_inks, 2);
	assert_int_equal(st.inks[1].level, 0x14);
	assert_int_equal(st.n_boxes, 0);
	assert_int_equal(st.n_paper, 0);
	assert_false(st.has_paper_count);
}

static void test_not_st2(void **state)
{
	/* some label printers answer the same OID with STX-framed text records */
	static const uint8_t cw[] = "\x02^S(ABC,D,EF\x03\r\n\x02^S(GHI,J,KL\x03\r\n";
	struct gw_st2 st;

	(void)state;
	assert_int_equal(gw_st2_parse(cw, sizeof(cw) - 1, &st), -ENOENT);
	assert_int_equal(gw_st2_parse((const uint8_t *)"", 0, &st), -ENOENT);
	assert_int_equal(gw_st2_parse(NULL, 0, &st), -ENOENT);
	/* the header alone, without its length */
	assert_int_equal(gw_st2_parse((const uint8_t *)"@BDC ST2\r\n\x05", 11, &st), -EBADMSG);
	/* an empty body is a valid, empty status */
	assert_int_equal(gw_st2_parse((const uint8_t *)"@BDC ST2\r\n\x00\x00", 12, &st), 0);
	assert_int_equal(st.n_fields, 0);
}

static void test_serial_fields(void **state)
{
	/* 1F first, then 40 replaces it; non-printable bytes end a serial */
	static const uint8_t f[] = {0x1f, 0x04, 'A', 'B', 'C', 'D', 0x40, 0x05, 'W', 'X', 0x01,
				    'Y', 'Z'};
	uint8_t buf[64];
	struct gw_st2 st;

	(void)state;
	assert_int_equal(gw_st2_parse(buf, build(buf, f, sizeof(f)), &st), 0);
	assert_string_equal(st.serial, "WX");
	assert_int_equal(gw_st2_parse(buf, build(buf, f, 6), &st), 0);
	assert_string_equal(st.serial, "ABCD");
}

static void test_ctrl_replies(void **state)
{
	char out[64];

	(void)state;
	assert_int_equal(gw_epson_parse_vi((const uint8_t *)"\x00@BDC PS\r\nvi:00:FW1234;\x0c",
					   25, out, sizeof(out)), 0);
	assert_string_equal(out, "FW1234");
	assert_int_equal(gw_epson_parse_vi((const uint8_t *)"\x00vi:NA;\x0c", 9, out, sizeof(out)),
			 -ENOENT);
	assert_int_equal(gw_epson_parse_vi((const uint8_t *)"XX:;\x0c", 5, out, sizeof(out)),
			 -ENOENT);
	static const char id[] = "MFG:EPSON;CMD:ESCPL2,BDC,D4,ESCPR1;MDL:XP-440 Series;CLS:PRINTER;";
	assert_int_equal(gw_ieee1284_field((const uint8_t *)id, sizeof(id) - 1, "MDL", out,
					   sizeof(out)), 0);
	assert_string_equal(out, "XP-440 Series");
	assert_int_equal(gw_ieee1284_field((const uint8_t *)id, sizeof(id) - 1, "MANUFACTURER",
					   out, sizeof(out)), 0);
	assert_string_equal(out, "EPSON");
	assert_int_equal(gw_ieee1284_field((const uint8_t *)id, sizeof(id) - 1, "SN", out,
					   sizeof(out)), -ENOENT);
	/* no closing ';' and a key without a value */
	assert_int_equal(gw_ieee1284_field((const uint8_t *)"CLS:PRINTER", 11, "CLS", out,
					   sizeof(out)), 0);
	assert_string_equal(out, "PRINTER");
	assert_int_equal(gw_ieee1284_field((const uint8_t *)"MDL", 3, "MDL", out, sizeof(out)),
			 -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_reply),
		cmocka_unit_test(test_lying_total_length),
		cmocka_unit_test(test_every_truncation),
		cmocka_unit_test(test_field_longer_than_reply),
		cmocka_unit_test(test_odd_records),
		cmocka_unit_test(test_not_st2),
		cmocka_unit_test(test_serial_fields),
		cmocka_unit_test(test_ctrl_replies),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
