/* UTF-8 sanitising of device strings. */
#include "core/utf8.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

static void check(const char *in, size_t n, const char *want)
{
	char out[256];

	gw_utf8_sanitize(out, in, n);
	assert_string_equal(out, want);
	assert_true(gw_utf8_valid(out, strlen(out)));
}

static void test_sanitize(void **state)
{
	(void)state;
	check("plain", 5, "plain");
	check("caf\xc3\xa9", 5, "caf\xc3\xa9");                /* valid UTF-8 kept */
	check("caf\xe9", 4, "caf\\xE9");                       /* Latin-1 escaped */
	check("\x83\x76\x83\x8a\x83\x93\x83\x5e", 8,            /* Shift-JIS, unconverted */
	      "\\x83v\\x83\\x8A\\x83\\x93\\x83^");
	check("ABC\0\0\0", 6, "ABC");                           /* NUL padding dropped */
	check("A\0B", 3, "A\\x00B");                            /* embedded NUL escaped */
	check("\xed\xa0\x80", 3, "\\xED\\xA0\\x80");            /* surrogate refused */
	check("\xc0\xaf", 2, "\\xC0\\xAF");                     /* overlong refused */
	check("\xf0\x9f\x96\xa8", 4, "\xf0\x9f\x96\xa8");       /* printer emoji kept */
	check("\xf0\x9f\x96", 3, "\\xF0\\x9F\\x96");            /* truncated */
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_sanitize)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
