/* Device text into valid UTF-8: declared character sets, padding, escapes. */
#include "charset.h"
#include "core/utf8.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

static void test_shift_jis(void **state)
{
	struct gw_devdata *d = gw_devdata_new();
	/* "トナー" (toner) in Shift-JIS, padded with NULs */
	static const uint8_t sjis[] = {0x83, 0x67, 0x83, 0x69, 0x81, 0x5b, 0, 0, 0};
	const char *s;

	(void)state;
	s = gw_snmp_text(d, sjis, sizeof(sjis), 17);
	assert_string_equal(s, "\xe3\x83\x88\xe3\x83\x8a\xe3\x83\xbc");
	/* without a declaration the same bytes are escaped, never passed through */
	s = gw_snmp_text(d, sjis, sizeof(sjis), 0);
	assert_true(gw_utf8_valid(s, strlen(s)));
	assert_non_null(strstr(s, "\\x83"));
	gw_devdata_free(d);
}

static void test_latin1_and_utf8(void **state)
{
	struct gw_devdata *d = gw_devdata_new();
	static const uint8_t latin1[] = {'C', 'a', 'f', 0xe9, ' ', ' '};
	static const uint8_t utf8[] = {'C', 'a', 'f', 0xc3, 0xa9};

	(void)state;
	assert_string_equal(gw_snmp_text(d, latin1, sizeof(latin1), 4), "Caf\xc3\xa9");
	/* UTF-8 declared or valid stays as it is */
	assert_string_equal(gw_snmp_text(d, utf8, sizeof(utf8), 106), "Caf\xc3\xa9");
	assert_string_equal(gw_snmp_text(d, utf8, sizeof(utf8), 0), "Caf\xc3\xa9");
	/* a declaration that cannot decode the bytes: escaped */
	{
		static const uint8_t bad_sjis[] = {'A', 0x81};
		const char *s = gw_snmp_text(d, bad_sjis, sizeof(bad_sjis), 17);

		assert_true(gw_utf8_valid(s, strlen(s)));
		assert_string_equal(s, "A\\x81");
	}
	gw_devdata_free(d);
}

static void test_padding_and_empty(void **state)
{
	struct gw_devdata *d = gw_devdata_new();

	(void)state;
	assert_null(gw_snmp_text(d, (const uint8_t *)"\0\0\0", 3, 0));
	assert_null(gw_snmp_text(d, (const uint8_t *)"   ", 3, 0));
	assert_null(gw_snmp_text(d, NULL, 0, 0));
	assert_string_equal(gw_snmp_text(d, (const uint8_t *)"Sleep   ", 8, 0), "Sleep");
	/* what follows the first NUL of a fixed buffer is filler */
	assert_string_equal(gw_snmp_text(d, (const uint8_t *)"Tray 1\0xyz", 10, 0), "Tray 1");
	/* control bytes are escaped, so no device can forge JSON or log text */
	assert_string_equal(gw_snmp_text(d, (const uint8_t *)"a\xff" "b", 3, 0), "a\\xFFb");
	gw_devdata_free(d);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(gw_charset_name(17), "SHIFT_JIS");
	assert_string_equal(gw_charset_name(106), "UTF-8");
	assert_null(gw_charset_name(123456));
	gw_charset_cleanup();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shift_jis),
		cmocka_unit_test(test_latin1_and_utf8),
		cmocka_unit_test(test_padding_and_empty),
		cmocka_unit_test(test_names),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	gw_charset_cleanup();
	return rc;
}
