/*
 * Fleet health: one device_silent event per silence, device_back when it
 * answers again, no false silence after a restart, and one duplicate_serial
 * event when a serial number answers at two managed addresses.
 */
#include "control/audit.h"
#include "core/clock.h"
#include "core/record.h"
#include "devices/devices.h"
#include "devices/health.h"
#include "store/buffer.h"
#include "store/store.h"

#include <event2/event.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "testutil.h"

#define HOUR (3600 * 1000LL)

static struct gw_device_spec spec(const char *name, const char *addr)
{
	struct gw_device_spec s = {.enabled = true};

	snprintf(s.name, sizeof(s.name), "%s", name);
	snprintf(s.address, sizeof(s.address), "%s", addr);
	snprintf(s.credentials, sizeof(s.credentials), "office");
	return s;
}

static uint32_t add(struct gw_devices *l, const char *name, const char *addr)
{
	struct gw_device_spec s = spec(name, addr);
	const char *reason;
	uint32_t id;

	assert_int_equal(gw_devices_add(l, &s, GW_ORIGIN_LOCAL, "test", &id, &reason), 0);
	return id;
}

static void test_silent_once_then_back(void **state)
{
	struct gw_devices *l;
	struct gw_health *h;
	struct gw_health_stats st;
	int64_t now = gw_clock_wall_ms();
	uint32_t a, never;

	(void)state;
	assert_int_equal(gw_devices_open(NULL, &l), 0);
	h = gw_health_new(NULL, l, NULL);
	assert_non_null(h);
	gw_health_configure(h, HOUR);
	a = add(l, "a", "192.0.2.1");
	never = add(l, "never", "192.0.2.2");
	gw_devices_seen(l, a, "SER-A", NULL, "WF-C5790", now);

	gw_health_check(h, now + HOUR / 2);
	gw_health_get_stats(h, &st);
	assert_int_equal(st.silent, 0);

	gw_health_check(h, now + HOUR + 1000);
	gw_health_get_stats(h, &st);
	assert_int_equal(st.silent, 2);             /* both; "never" is only logged */
	assert_int_equal(st.silent_events, 1);
	/* once per silence */
	gw_health_check(h, now + 5 * HOUR);
	gw_health_check(h, now + 9 * HOUR);
	gw_health_get_stats(h, &st);
	assert_int_equal(st.silent_events, 1);

	gw_devices_seen(l, a, "SER-A", NULL, "WF-C5790", now + 9 * HOUR);
	gw_health_check(h, now + 9 * HOUR + 1000);
	gw_health_get_stats(h, &st);
	assert_int_equal(st.back_events, 1);
	assert_int_equal(st.silent, 1);
	/* a device that answers for the first time is not "back" */
	gw_devices_seen(l, never, NULL, NULL, "M", now + 9 * HOUR);
	gw_health_check(h, now + 9 * HOUR + 2000);
	gw_health_get_stats(h, &st);
	assert_int_equal(st.back_events, 1);
	assert_int_equal(st.silent, 0);
	/* silent again: a second event */
	gw_health_check(h, now + 11 * HOUR);
	gw_health_get_stats(h, &st);
	assert_int_equal(st.silent_events, 3);
	assert_int_equal(st.silent, 2);
	/* removed and disabled devices leave the count */
	assert_int_equal(gw_devices_remove(l, never, "test"), 0);
	struct gw_device_spec s = spec("a", "192.0.2.1");
	const char *reason;
	s.enabled = false;
	assert_int_equal(gw_devices_update(l, a, &s, "test", &reason), 0);
	gw_health_check(h, now + 12 * HOUR);
	gw_health_get_stats(h, &st);
	assert_int_equal(st.silent, 0);
	gw_health_free(h);
	gw_devices_close(l);
}

static void test_restart_is_not_silence(void **state)
{
	struct gw_devices *l;
	struct gw_health *h;
	struct gw_health_stats st;
	int64_t now = gw_clock_wall_ms();
	uint32_t a;

	(void)state;
	assert_int_equal(gw_devices_open(NULL, &l), 0);
	a = add(l, "a", "192.0.2.1");
	/* what the store remembers: seen three days ago (kept only on changes) */
	gw_devices_seen(l, a, "SER-A", NULL, "WF-C5790", now - 72 * HOUR);
	h = gw_health_new(NULL, l, NULL);
	gw_health_configure(h, 24 * HOUR);
	gw_health_check(h, now + 60000);
	gw_health_get_stats(h, &st);
	assert_int_equal(st.silent_events, 0);
	/* a whole silent_after from the gateway's start: silent */
	gw_health_check(h, now + 24 * HOUR + 60000);
	gw_health_get_stats(h, &st);
	assert_int_equal(st.silent_events, 1);
	gw_health_free(h);
	gw_devices_close(l);
}

static void test_same_serial_at_two_addresses(void **state)
{
	struct gw_devices *l;
	struct gw_health *h;
	struct gw_health_stats st;
	int64_t now = gw_clock_wall_ms();
	uint32_t a, b, c;

	(void)state;
	assert_int_equal(gw_devices_open(NULL, &l), 0);
	h = gw_health_new(NULL, l, NULL);
	a = add(l, "wired", "192.0.2.1");
	b = add(l, "wifi", "192.0.2.2");
	c = add(l, "other", "192.0.2.3");
	gw_devices_seen(l, a, "SER-1", NULL, "M", now);
	gw_devices_seen(l, c, "SER-3", NULL, "M", now);
	gw_health_get_stats(h, &st);
	assert_int_equal(st.duplicate_events, 0);
	gw_devices_seen(l, b, "SER-1", NULL, "M", now);
	gw_health_get_stats(h, &st);
	assert_int_equal(st.duplicate_events, 1);
	assert_int_equal(gw_devices_get(l, b)->dup_of, a);
	/* said once per pair, whichever answers next */
	gw_devices_seen(l, b, "SER-1", NULL, "M", now + 1);
	gw_devices_seen(l, a, "SER-1", NULL, "M", now + 1);
	gw_health_get_stats(h, &st);
	assert_int_equal(st.duplicate_events, 1);
	/* resolved (the printer swapped), then it happens again: said again */
	gw_devices_seen(l, b, "SER-2", NULL, "M", now + 2);
	assert_int_equal(gw_devices_get(l, b)->dup_of, 0);
	gw_devices_seen(l, a, "SER-1", NULL, "M", now + 2);
	assert_int_equal(gw_devices_get(l, a)->dup_of, 0);
	gw_devices_seen(l, b, "SER-1", NULL, "M", now + 3);
	gw_health_get_stats(h, &st);
	assert_int_equal(st.duplicate_events, 2);
	gw_health_free(h);
	gw_devices_close(l);
}

struct seen {
	char json[4][1024];
	unsigned n;
};

static int visit(uint64_t seq, int cls, const void *data, size_t len, void *arg)
{
	struct seen *s = arg;
	struct gw_record r;
	msgpack_unpacked u;
	struct gw_buf out;

	(void)seq;
	(void)cls;
	if (s->n == 4)
		return 1;
	msgpack_unpacked_init(&u);
	gw_buf_init(&out);
	assert_int_equal(gw_record_decode(data, len, &r, &u), GW_REC_OK);
	assert_int_equal(r.kind, GW_REC_EVENT);
	assert_int_equal(gw_record_to_json(&r, GW_CT_SCHEDULED, &out), 0);
	snprintf(s->json[s->n++], sizeof(s->json[0]), "%.*s", (int)out.len, out.data);
	gw_buf_release(&out);
	msgpack_unpacked_destroy(&u);
	return 0;
}

static void test_event_records(void **state)
{
	struct event_base *base = event_base_new();
	struct gw_store_opts o = {.dir = test_dir, .max_bytes = 8 << 20};
	struct gw_store *st;
	struct gw_devices *l;
	struct gw_health *h;
	struct seen seen = {0};
	const char *reason;
	int64_t now = gw_clock_wall_ms();
	uint32_t a, b;

	(void)state;
	assert_int_equal(gw_store_open(base, &o, &st, &reason), 0);
	assert_int_equal(gw_devices_open(st, &l), 0);
	h = gw_health_new(base, l, st);
	gw_health_configure(h, HOUR);
	a = add(l, "lobby", "192.0.2.10");
	b = add(l, "lobby-wifi", "192.0.2.11");
	gw_devices_seen(l, a, "X5E1234567", "00:26:ab:01:02:03", "WF-C5790", now);
	gw_devices_seen(l, b, "X5E1234567", NULL, "WF-C5790", now);
	gw_health_check(h, now + 2 * HOUR);
	gw_devices_seen(l, a, "X5E1234567", NULL, "WF-C5790", now + 2 * HOUR);
	gw_health_check(h, now + 2 * HOUR + 1);
	gw_store_flush(st);
	assert_int_equal(gw_buffer_read(st, 0, 10, visit, &seen), 4);
	/* duplicate, then silent (both devices), then back */
	assert_non_null(strstr(seen.json[0], "\"type\":\"duplicate_serial\""));
	assert_non_null(strstr(seen.json[0], "\"other_ip\":\"192.0.2.10\""));
	assert_non_null(strstr(seen.json[1], "\"kind\":\"event\""));
	assert_non_null(strstr(seen.json[1], "\"collection_type\":\"event\""));
	assert_non_null(strstr(seen.json[1], "\"serial_number\":\"X5E1234567\""));
	assert_non_null(strstr(seen.json[1], "\"model\":\"WF-C5790\""));
	assert_non_null(strstr(seen.json[1], "\"type\":\"device_silent\""));
	assert_non_null(strstr(seen.json[1], "\"since\":\"20"));
	assert_non_null(strstr(seen.json[1], "\"ip\":\"192.0.2.10\""));
	assert_non_null(strstr(seen.json[3], "\"type\":\"device_back\""));
	assert_non_null(strstr(seen.json[3], "\"back_at\":\"20"));
	gw_health_stop(h);
	gw_health_free(h);
	gw_devices_close(l);
	gw_store_close(st);
	event_base_free(base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_silent_once_then_back),
		cmocka_unit_test(test_restart_is_not_silence),
		cmocka_unit_test(test_same_serial_at_two_addresses),
		cmocka_unit_test_setup_teardown(test_event_records, test_dir_setup,
						test_dir_teardown),
	};

	gw_audit_attach(NULL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
