/* The local API's query strings: what is taken, and every way one is refused. */
#include "http/query.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#define BOTH (GW_APIQ_FROM | GW_APIQ_MAX)

static int parse(const char *qs, unsigned allowed, struct gw_api_query *q)
{
	const char *reason = NULL;
	int rc;

	q->max = 50;
	rc = gw_api_query_parse(qs, allowed, 1000, q, &reason);
	if (rc < 0)
		assert_non_null(reason);
	return rc;
}

static void test_empty_gives_defaults(void **state)
{
	struct gw_api_query q;

	(void)state;
	assert_int_equal(parse(NULL, BOTH, &q), 0);
	assert_int_equal(q.max, 50);
	assert_int_equal(q.from, 0);
	assert_int_equal(parse("", BOTH, &q), 0);
	assert_int_equal(q.max, 50);
}

static void test_from_and_max(void **state)
{
	struct gw_api_query q;

	(void)state;
	assert_int_equal(parse("from=37&max=10", BOTH, &q), 0);
	assert_int_equal(q.from, 37);
	assert_int_equal(q.max, 10);
	assert_int_equal(parse("max=1000&from=0", BOTH, &q), 0);
	assert_int_equal(q.max, 1000);
	assert_int_equal(parse("from=18446744073709551615", BOTH, &q), 0);
	assert_true(q.from == UINT64_MAX);
	assert_int_equal(q.max, 50);
}

static void test_refused(void **state)
{
	static const char *const bad[] = {
		"max=0", "max=1001", "max=", "max", "=1", "&", "max=1&", "from=-1",
		"from=+1", "from= 1", "from=0x10", "from=1e3", "max=1&max=2",
		"from=18446744073709551616", "from=99999999999999999999", "seq=1",
		"MAX=1", "max=1%00", "max=%31", "max=1;from=2", "from=1#x",
	};
	struct gw_api_query q;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse(bad[i], BOTH, &q) != -EINVAL)
			fail_msg("accepted: %s", bad[i]);
	}
}

static void test_only_the_endpoints_keys(void **state)
{
	struct gw_api_query q;
	char longq[GW_APIQ_MAX_LEN + 2];

	(void)state;
	assert_int_equal(parse("from=1", GW_APIQ_MAX, &q), -EINVAL);
	assert_int_equal(parse("max=3", GW_APIQ_MAX, &q), 0);
	assert_int_equal(parse("max=3", 0, &q), -EINVAL);
	memset(longq, '1', sizeof(longq));
	memcpy(longq, "from=", 5);
	longq[sizeof(longq) - 1] = '\0';
	assert_int_equal(parse(longq, BOTH, &q), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_gives_defaults),
		cmocka_unit_test(test_from_and_max),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_only_the_endpoints_keys),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
