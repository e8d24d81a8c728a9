/*
 * The identification parsers discovery uses: IEEE 1284 device ids (fields
 * in any order, aliases, missing fields, length prefixes that lie, bytes
 * that are not ASCII or not UTF-8) and MACs in ifPhysAddress.
 */
#include "ident.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static int parse(const char *s, size_t n, struct gw_1284_id *id)
{
	/* an exact-size copy: AddressSanitizer sees a read one past the end */
	uint8_t *b = malloc(n ? n : 1);
	int rc;

	memcpy(b, s, n);
	rc = gw_1284_parse(b, n, id);
	free(b);
	return rc;
}

#define PARSE(lit, id) parse(lit, sizeof(lit) - 1, id)

static void test_fields_in_any_order(void **state)
{
	struct gw_1284_id id;

	(void)state;
	assert_int_equal(PARSE("CMD:ESCPL2,BDC,ESCPR7;SN:X3B8022793;MDL:WF-C5790 Series;"
			       "CLS:PRINTER;MFG:EPSON;DES:EPSON WF-C5790;", &id), 0);
	assert_string_equal(id.mfg, "EPSON");
	assert_string_equal(id.mdl, "WF-C5790 Series");
	assert_string_equal(id.cmd, "ESCPL2,BDC,ESCPR7");
	assert_string_equal(id.sn, "X3B8022793");
	assert_string_equal(id.cls, "PRINTER");
	assert_int_equal(id.n_fields, 6);
	assert_false(id.length_prefix);
	assert_false(id.replaced);
	assert_true(gw_1284_is_printer(&id));

	/* the long names, any case, blanks around keys and values, no final ';' */
	assert_int_equal(PARSE(" manufacturer : Hewlett-Packard ;Model:HP LaserJet Pro M404;"
			       "COMMAND SET:PJL,PCL,POSTSCRIPT;SerialNumber: PHB1234567 ", &id), 0);
	assert_string_equal(id.mfg, "Hewlett-Packard");
	assert_string_equal(id.mdl, "HP LaserJet Pro M404");
	assert_string_equal(id.cmd, "PJL,PCL,POSTSCRIPT");
	assert_string_equal(id.sn, "PHB1234567");
	assert_true(gw_1284_is_printer(&id));

	/* SERN, the first of a repeated key wins, unknown keys are counted only */
	assert_int_equal(PARSE("MFG:Brother;MFG:Other;SERN:E7301;XYZ:1;MDL:HL-L8360CDW", &id), 0);
	assert_string_equal(id.mfg, "Brother");
	assert_string_equal(id.sn, "E7301");
	assert_int_equal(id.n_fields, 5);
}

static void test_missing_fields(void **state)
{
	struct gw_1284_id id;

	(void)state;
	assert_int_equal(PARSE("MFG:EPSON;", &id), 0);
	assert_string_equal(id.mfg, "EPSON");
	assert_string_equal(id.mdl, "");
	assert_string_equal(id.sn, "");
	assert_string_equal(id.cmd, "");
	/* no class, no printer language: the id alone does not say printer */
	assert_false(gw_1284_is_printer(&id));

	assert_int_equal(PARSE("", &id), -ENOENT);
	assert_int_equal(gw_1284_parse(NULL, 5, &id), -ENOENT);
	assert_int_equal(PARSE("EPSON WF-C5790", &id), -ENOENT);
	assert_int_equal(PARSE(";;;", &id), -ENOENT);
	assert_int_equal(PARSE(":EPSON;:X;", &id), -ENOENT);    /* keys missing */
	/* an empty value is no value */
	assert_int_equal(PARSE("MFG:;MDL:  ;SN:---;", &id), 0);
	assert_string_equal(id.mfg, "");
	assert_string_equal(id.mdl, "");
	assert_string_equal(id.sn, "");
	assert_int_equal(id.n_fields, 3);
	/* a scanner says so */
	assert_int_equal(PARSE("MFG:EPSON;CMD:ESCI;MDL:DS-530;CLS:SCANNER;", &id), 0);
	assert_false(gw_1284_is_printer(&id));
	/* no class, but a printer language */
	assert_int_equal(PARSE("MFG:EPSON;CMD:BDC,ESCPR1;MDL:ET-2850;", &id), 0);
	assert_true(gw_1284_is_printer(&id));
	/* a language name inside another word is not one */
	assert_int_equal(PARSE("MFG:X;CMD:NOPCLX;", &id), 0);
	assert_false(gw_1284_is_printer(&id));
}

static void test_length_prefixes_that_lie(void **state)
{
	struct gw_1284_id id;

	(void)state;
	/* right: 2 + 21 bytes */
	assert_int_equal(PARSE("\x00\x17MFG:EPSON;MDL:XP-440;", &id), 0);
	assert_true(id.length_prefix);
	assert_false(id.length_mismatch);
	assert_string_equal(id.mdl, "XP-440");
	/* the length without itself, as some agents count */
	assert_int_equal(PARSE("\x00\x15MFG:EPSON;MDL:XP-440;", &id), 0);
	assert_false(id.length_mismatch);
	/* far longer than the bytes: the bytes decide, nothing past them is read */
	assert_int_equal(PARSE("\x1f\xffMFG:EPSON;MDL:XP-440", &id), 0);
	assert_true(id.length_mismatch);
	assert_string_equal(id.mdl, "XP-440");
	/* far shorter: still the whole text */
	assert_int_equal(PARSE("\x00\x03MFG:EPSON;MDL:XP-440;SN:X1;", &id), 0);
	assert_true(id.length_mismatch);
	assert_string_equal(id.sn, "X1");
	/* a low byte that is a letter ("M" = 0x4d) is the length's, not the key's */
	assert_int_equal(PARSE("\x00MMFG:EPSON;MDL:L3150;", &id), 0);
	assert_string_equal(id.mfg, "EPSON");
	assert_string_equal(id.mdl, "L3150");
	/* one stray byte before a known key */
	assert_int_equal(PARSE("\x01MFG:EPSON;MDL:L3150;", &id), 0);
	assert_false(id.length_prefix);
	assert_string_equal(id.mfg, "EPSON");
	/* the prefix alone, or cut in half */
	assert_int_equal(PARSE("\x00\x02", &id), -ENOENT);
	assert_int_equal(PARSE("\x00", &id), -ENOENT);
	/* text ends at a NUL: padding after it is not read as fields */
	assert_int_equal(parse("MFG:EPSON;\0MDL:X;", 17, &id), 0);
	assert_string_equal(id.mdl, "");
}

static void test_bytes_that_are_not_ascii(void **state)
{
	struct gw_1284_id id;
	char big[400];

	(void)state;
	/* a lone 0xff, a valid three-byte character, a control byte */
	assert_int_equal(PARSE("MFG:EPS\xffON;MDL:PX-\xe6\x97\xa5" "5;SN:A\x01" "B;", &id), 0);
	assert_string_equal(id.mfg, "EPS?ON");
	assert_string_equal(id.mdl, "PX-?5");
	assert_string_equal(id.sn, "A?B");
	assert_true(id.replaced);
	/* nothing readable left: no value */
	assert_int_equal(PARSE("MDL:\xe6\x97\xa5\xe6\x9c\xac;MFG:\x80\x81\xfe;", &id), 0);
	assert_string_equal(id.mdl, "");
	assert_string_equal(id.mfg, "");
	/* a truncated multi-byte sequence at the very end */
	assert_int_equal(PARSE("MDL:AB\xe6\x97", &id), 0);
	assert_string_equal(id.mdl, "AB??");
	/* a value longer than its field is cut, still terminated */
	memcpy(big, "MDL:", 4);
	memset(big + 4, 'W', sizeof(big) - 4);
	assert_int_equal(parse(big, sizeof(big), &id), 0);
	assert_int_equal(strlen(id.mdl), sizeof(id.mdl) - 1);
	for (size_t i = 0; i < sizeof(id.mfg); i++)
		assert_true(id.mfg[i] == 0);
}

static void test_mac(void **state)
{
	char m[18];

	(void)state;
	assert_true(gw_ident_mac((const uint8_t *)"\x02\xec\x00\x00\x00\x05", 6, m));
	assert_string_equal(m, "02:ec:00:00:00:05");
	assert_true(gw_ident_mac((const uint8_t *)"0:15:99:7d:b1:6a", 16, m));
	assert_string_equal(m, "00:15:99:7d:b1:6a");
	assert_true(gw_ident_mac((const uint8_t *)"64-EB-8C-00-00-11", 17, m));
	assert_string_equal(m, "64:eb:8c:00:00:11");
	assert_false(gw_ident_mac((const uint8_t *)"\0\0\0\0\0\0", 6, m));      /* none */
	assert_false(gw_ident_mac((const uint8_t *)"\x01\x00\x5e\x00\x00\x01", 6, m));  /* multicast */
	assert_false(gw_ident_mac((const uint8_t *)"\x02\xec\x00\x00\x00", 5, m));
	assert_false(gw_ident_mac((const uint8_t *)"", 0, m));
	assert_false(gw_ident_mac(NULL, 6, m));
	assert_false(gw_ident_mac((const uint8_t *)"0:15:99:7d:b1", 13, m));
	assert_false(gw_ident_mac((const uint8_t *)"0:15:99:7d:b1:6a:7", 17, m));
	assert_false(gw_ident_mac((const uint8_t *)"001:5:99:7d:b1:6a", 17, m));
	assert_false(gw_ident_mac((const uint8_t *)"zz:15:99:7d:b1:6a", 17, m));
}

static void test_text(void **state)
{
	char s[16];

	(void)state;
	assert_true(gw_ident_text((const uint8_t *)"X3B8022793\0\0\0", 13, s, sizeof(s)));
	assert_string_equal(s, "X3B8022793");
	assert_true(gw_ident_text((const uint8_t *)"  CN12 34  ", 11, s, sizeof(s)));
	assert_string_equal(s, "CN12 34");
	assert_false(gw_ident_text((const uint8_t *)"    ", 4, s, sizeof(s)));
	assert_false(gw_ident_text((const uint8_t *)"\xff\xfe", 2, s, sizeof(s)));
	assert_false(gw_ident_text(NULL, 0, s, sizeof(s)));
	assert_true(gw_ident_text((const uint8_t *)"ABCDEFGHIJKLMNOPQRST", 20, s, sizeof(s)));
	assert_int_equal(strlen(s), 15);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fields_in_any_order),
		cmocka_unit_test(test_missing_fields),
		cmocka_unit_test(test_length_prefixes_that_lie),
		cmocka_unit_test(test_bytes_that_are_not_ascii),
		cmocka_unit_test(test_mac),
		cmocka_unit_test(test_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
