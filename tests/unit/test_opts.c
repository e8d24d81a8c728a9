/* Option tables: parsing of values, file errors with lines, typed copies. */
#include "core/config.h"
#include "core/opts.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

struct reports {
	int n;
	char last[512];
};

static void collect(void *arg, const char *file, int line, const char *key, const char *reason)
{
	struct reports *r = arg;

	r->n++;
	snprintf(r->last, sizeof(r->last), "%s:%d: %s: %s", file, line, key, reason);
}

static char *write_file(const char *text, mode_t mode)
{
	static char path[64];
	int fd;

	strcpy(path, "/tmp/gw-test-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	fchmod(fd, mode);
	close(fd);
	return path;
}

static void test_durations(void **state)
{
	int64_t ms;

	(void)state;
	assert_true(gw_parse_duration_ms("60", &ms));
	assert_int_equal(ms, 60000);
	assert_true(gw_parse_duration_ms("250ms", &ms));
	assert_int_equal(ms, 250);
	assert_true(gw_parse_duration_ms("5m", &ms));
	assert_int_equal(ms, 300000);
	assert_true(gw_parse_duration_ms("24h", &ms));
	assert_int_equal(ms, 86400000);
	assert_false(gw_parse_duration_ms("", &ms));
	assert_false(gw_parse_duration_ms("-5s", &ms));
	assert_false(gw_parse_duration_ms("5x", &ms));
	assert_false(gw_parse_duration_ms("99999999999999999999d", &ms));
}

static void test_sizes(void **state)
{
	uint64_t b;

	(void)state;
	assert_true(gw_parse_size("4096", &b));
	assert_int_equal(b, 4096);
	assert_true(gw_parse_size("256M", &b));
	assert_int_equal(b, 256u << 20);
	assert_true(gw_parse_size("2G", &b));
	assert_int_equal(b, 2ull << 30);
	assert_false(gw_parse_size("2T", &b));
	assert_false(gw_parse_size("M", &b));
}

static void test_good_file(void **state)
{
	struct reports r = {0};
	char *secret = strdup(write_file("public\n", 0600));
	char text[1024];
	struct gw_config *c;
	const struct gw_credentials *cr;

	(void)state;
	snprintf(text, sizeof(text),
		 "gateway {\n id = \"gw-1\"\n state_dir = \"/tmp/x\"\n}\n"
		 "schedule {\n status_interval = 30s\n}\n"
		 "credentials \"office\" {\n snmp_version = 2c\n community_file = \"%s\"\n}\n"
		 "device \"lobby\" {\n address = \"192.0.2.10\"\n credentials = \"office\"\n"
		 " supplies_interval = 10m\n}\n"
		 "device \"v6\" {\n address = \"2001:db8::7\"\n port = 1161\n credentials = \"office\"\n}\n",
		 secret);
	c = gw_config_load(write_file(text, 0644), collect, &r);
	assert_non_null(c);
	assert_int_equal(r.n, 0);
	assert_string_equal(c->gateway->id, "gw-1");
	assert_int_equal(c->schedule->interval_ms[0], 30000);
	assert_int_equal(c->schedule->interval_ms[1], 300000); /* default */
	assert_int_equal(c->store->max_size, 256u << 20);
	assert_int_equal(c->n_devices, 2);
	assert_string_equal(c->devices[0].name, "lobby");
	assert_int_equal(c->devices[0].port, 161);
	assert_int_equal(c->devices[0].interval_ms[1], 600000);
	assert_int_equal(c->devices[1].port, 1161);
	cr = gw_config_credentials(c, "office");
	assert_non_null(cr);
	assert_string_equal(cr->community, "public"); /* newline stripped */
	assert_int_equal(cr->version, GW_SNMP_V2C);
	gw_config_free(c);
	unlink(secret);
	free(secret);
}

static void expect_error(const char *text, const char *want)
{
	struct reports r = {0};
	char *path = write_file(text, 0644);
	struct gw_config *c = gw_config_load(path, collect, &r);
	char expect[600];

	assert_null(c);
	assert_true(r.n >= 1);
	snprintf(expect, sizeof(expect), "%s:%s", path, want);
	if (strcmp(r.last, expect) != 0)
		fail_msg("got '%s', want '%s'", r.last, expect);
	unlink(path);
}

static void test_errors_name_line_and_key(void **state)
{
	(void)state;
	expect_error("gateway {\n id = \"x\"\n log_level = loud\n}\n",
		     "3: log_level: not one of the allowed values");
	expect_error("gateway {\n id = \"x\"\n}\nschedule {\n\n timeout = 2x\n}\n",
		     "6: timeout: not a duration (such as 500ms, 60s, 5m, 24h)");
	expect_error("gateway {\n id = \"x\"\n}\nschedule {\n retries = 99\n}\n",
		     "5: retries: out of range");
	/* a size that does not parse is never compared with the range (run under valgrind) */
	expect_error("gateway {\n id = \"x\"\n}\nstore {\n max_size = lots\n}\n",
		     "5: max_size: not a size (such as 4096, 64K, 256M, 2G)");
	expect_error("gateway {\n state_dir = \"/tmp\"\n}\n", "1: id: required but not set");
	expect_error("gateway {\n id = \"x\"\n}\nstore {\n id = \"y\"\n}\n", "5: id: not valid here");
	expect_error("gateway {\n id = \"x\"\n}\ndevice \"p\" {\n address = \"10.0.0.1\"\n"
		     " credentials = \"nope\"\n}\n",
		     "4: credentials: no credentials section of that name");
	expect_error("gateway {\n id = \"x\"\n}\nuplink {\n base_url = \"http://cloud\"\n}\n",
		     "5: base_url: must be an https:// URL (every connection off the site is TLS)");
	/* a truncated file: the open section is named, braces in comments do not count */
	expect_error("gateway {\n id = \"x\" # {\n}\n/* { */\nschedule {\n timeout = 2s\n",
		     "5: section: not closed: '}' missing before the end of the file");
}

static void test_secret_rules(void **state)
{
	struct reports r = {0};
	char *secret = strdup(write_file("s3cr3t-community\n", 0644));
	char text[512];

	(void)state;
	snprintf(text, sizeof(text),
		 "gateway {\n id = \"x\"\n}\ncredentials \"a\" {\n community_file = \"%s\"\n}\n",
		 secret);
	assert_null(gw_config_load(write_file(text, 0644), collect, &r));
	assert_non_null(strstr(r.last, ":5: community_file: secret file must have mode 0600"));
	/* a stray token, maybe a pasted secret, is never repeated */
	r.n = 0;
	assert_null(gw_config_load(write_file("gateway {\n id = \"x\" s3cr3t-community\n}\n",
					      0644), collect, &r));
	assert_true(r.n >= 1);
	assert_null(strstr(r.last, "s3cr3t"));
	unlink(secret);
	free(secret);
}

static void test_missing_file(void **state)
{
	struct reports r = {0};

	(void)state;
	assert_null(gw_config_load("/nonexistent/gateway.conf", collect, &r));
	assert_int_equal(r.n, 1);
	assert_non_null(strstr(r.last, "/nonexistent/gateway.conf:0: file:"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_good_file),
		cmocka_unit_test(test_errors_name_line_and_key),
		cmocka_unit_test(test_secret_rules),
		cmocka_unit_test(test_missing_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
