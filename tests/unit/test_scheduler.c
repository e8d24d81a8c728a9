/*
 * The poll scheduler against a fake collecting plugin: a device that
 * missed its last poll is polled with no retries inside the poll (the
 * scheduler's next attempt is its retry, so a dead printer holds the
 * plugin's window for one timeout, not the whole back-off); one good poll
 * gives it its retries back.
 */
#include "core/config.h"
#include "core/plugin.h"
#include "devices/devices.h"
#include "devices/scheduler.h"

#include <errno.h>
#include <event2/event.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "testutil.h"

#define MAX_CALLS 8

struct fake {
	struct event_base *base;
	struct event *ev;
	struct gw_collect *job;           /* the poll in flight */
	unsigned n_calls;
	unsigned retries[MAX_CALLS];      /* job->retries of each poll */
	int outcome[MAX_CALLS];           /* how each poll ends */
};

/* A plugin reports from the loop, never from inside collect(). */
static void fake_finish(evutil_socket_t fd, short what, void *arg)
{
	struct fake *f = arg;
	struct gw_collect *job = f->job;

	(void)fd;
	(void)what;
	f->job = NULL;
	if (job)
		gw_collect_done(job, f->outcome[(f->n_calls - 1) % MAX_CALLS]);
}

static int fake_collect(void *ctx, struct gw_collect *job)
{
	struct fake *f = ctx;
	struct timeval soon = {0, 1000};

	if (f->n_calls < MAX_CALLS)
		f->retries[f->n_calls] = job->retries;
	f->n_calls++;
	f->job = job;
	evtimer_add(f->ev, &soon);
	return 0;
}

static void fake_cancel(void *ctx, struct gw_collect *job)
{
	struct fake *f = ctx;

	if (f->job == job)
		f->job = NULL;
}

static const struct gw_plugin fake_plugin = {
	.abi = GW_PLUGIN_ABI, .name = "snmp", .roles = GW_ROLE_COLLECT,
	.collect = fake_collect, .cancel = fake_cancel,
};

static struct gw_config *load_conf(void)
{
	char path[128], secret[128];
	FILE *fp;

	snprintf(secret, sizeof(secret), "%s/public.community", test_dir);
	fp = fopen(secret, "w");
	assert_non_null(fp);
	fputs("public\n", fp);
	fclose(fp);
	chmod(secret, 0600);
	snprintf(path, sizeof(path), "%s/gateway.conf", test_dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fprintf(fp, "gateway {\n  id = \"gw-test-0001\"\n  state_dir = \"%s/state\"\n}\n"
		"schedule {\n  retries = 2\n  power_save_retry = 1s\n  offline_after = 3\n}\n"
		"credentials \"office\" {\n  community_file = \"%s\"\n}\n", test_dir, secret);
	fclose(fp);
	return gw_config_load(path, gw_config_report_stderr, NULL);
}

/* Run the loop until the fake has seen n polls and the last one ended. */
static void until_calls(struct event_base *base, struct fake *f, unsigned n, int max_ms)
{
	struct timeval step = {0, 20 * 1000};

	for (int waited = 0; (f->n_calls < n || f->job) && waited < max_ms; waited += 20) {
		event_base_loopexit(base, &step);
		event_base_dispatch(base);
	}
}

static void test_no_retries_after_a_miss(void **state)
{
	struct event_base *base = event_base_new();
	struct fake f = {.base = base};
	struct gw_plugin_instance pi = {.p = &fake_plugin, .ctx = &f, .started = true};
	struct gw_plugins ps = {1, &pi};
	struct gw_device_spec spec = {.enabled = true};
	struct gw_sched_stats st;
	struct gw_devices *l;
	struct gw_scheduler *s;
	struct gw_config *conf;
	const char *reason;
	uint32_t id;

	(void)state;
	f.ev = evtimer_new(base, fake_finish, &f);
	conf = load_conf();
	assert_non_null(conf);
	assert_int_equal(gw_devices_open(NULL, &l), 0);
	snprintf(spec.name, sizeof(spec.name), "front-desk");
	snprintf(spec.address, sizeof(spec.address), "192.0.2.7");
	snprintf(spec.credentials, sizeof(spec.credentials), "office");
	assert_int_equal(gw_devices_add(l, &spec, GW_ORIGIN_LOCAL, "test", &id, &reason), 0);
	s = gw_scheduler_new(base, l, &ps, NULL);
	assert_non_null(s);
	gw_scheduler_configure(s, conf);
	gw_scheduler_start(s);

	/* the first poll: no answer; the next comes after power_save_retry (1 s) */
	f.outcome[0] = -ETIMEDOUT;
	f.outcome[1] = 0;                 /* it answers again, */
	f.outcome[2] = 0;
	assert_int_equal(gw_scheduler_poll_now(s, id), 0);
	until_calls(base, &f, 1, 1000);
	assert_int_equal(f.n_calls, 1);
	assert_int_equal(f.retries[0], 2);
	until_calls(base, &f, 2, 3000);
	assert_int_equal(f.n_calls, 2);
	assert_int_equal(f.retries[1], 0);   /* after a miss: one try per request */
	/* and after a good poll its retries are back */
	assert_int_equal(gw_scheduler_poll_now(s, id), 0);
	until_calls(base, &f, 3, 1000);
	assert_int_equal(f.n_calls, 3);
	assert_int_equal(f.retries[2], 2);
	gw_scheduler_get_stats(s, &st);
	assert_int_equal(st.polls_failed, 1);
	assert_int_equal(st.polls_ok, 2);
	assert_int_equal(st.offline, 0);

	gw_scheduler_free(s);
	gw_devices_close(l);
	gw_config_free(conf);
	event_free(f.ev);
	event_base_free(base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_no_retries_after_a_miss, test_dir_setup,
						test_dir_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
