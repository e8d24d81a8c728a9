/*
 * Events between polls (gateway/devices/events.c): status changes, errors
 * raised and cleared, supplies crossing thresholds, the first poll as a
 * baseline, polls that did not read a part, and the per-device rate cap.
 * It lives with the SNMP tests because it judges what that plugin reports.
 */
#include "devices/events.h"
#include "core/devdata.h"

#include <msgpack.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

static struct gw_devdata *poll_with(enum gw_printer_status st, const char *err, int64_t ink)
{
	struct gw_devdata *d = gw_devdata_new();
	struct gw_dd_consumable *c;

	d->model = gw_dd_str(d, "X-1");
	d->serial_number = gw_dd_str(d, "SN1");
	d->has_status = true;
	d->printer_status = st;
	if (err) {
		struct gw_dd_error *e = gw_dd_add_error(d);

		e->code = gw_dd_str(d, err);
		e->severity = GW_SEV_ERROR;
		e->description = gw_dd_str(d, "Paper jam");
	}
	if (ink != GW_ABSENT) {
		c = gw_dd_add_consumable(d);
		c->type = gw_dd_str(d, "ink");
		c->color = gw_dd_str(d, "cyan");
		c->level_percent = ink;
		c->state = ink == 0 ? GW_SUP_EMPTY : ink <= 10 ? GW_SUP_LOW : GW_SUP_OK;
	}
	return d;
}

static unsigned detect(struct gw_ev_state *st, struct gw_devdata *d, int64_t now,
		       struct gw_event *ev)
{
	unsigned n = gw_events_detect(st, d, now, NULL, ev, 16);

	return n;
}

static void test_baseline_then_changes(void **state)
{
	struct gw_ev_state st = {0};
	struct gw_event ev[16];
	struct gw_devdata *d;

	(void)state;
	d = poll_with(GW_PST_IDLE, "jam", 50);
	assert_int_equal(detect(&st, d, 1000, ev), 0); /* the first poll is the baseline */
	gw_devdata_free(d);
	d = poll_with(GW_PST_IDLE, "jam", 45);
	assert_int_equal(detect(&st, d, 2000, ev), 0); /* nothing crossed */
	gw_devdata_free(d);
	d = poll_with(GW_PST_ERROR, "noPaper", 20);
	assert_int_equal(detect(&st, d, 3000, ev), 4);
	assert_int_equal(ev[0].type, GW_EV_STATUS_CHANGE);
	assert_int_equal(ev[0].from, GW_PST_IDLE);
	assert_int_equal(ev[0].to, GW_PST_ERROR);
	assert_int_equal(ev[1].type, GW_EV_ERROR_RAISED);
	assert_string_equal(ev[1].code, "noPaper");
	assert_int_equal(ev[2].type, GW_EV_ERROR_CLEARED);
	assert_string_equal(ev[2].code, "jam");
	assert_int_equal(ev[3].type, GW_EV_SUPPLY_THRESHOLD);
	assert_int_equal(ev[3].threshold, 25);
	assert_true(ev[3].down);
	gw_devdata_free(d);
	/* 20 -> 5 crosses 10; the state goes low as well: one event */
	d = poll_with(GW_PST_ERROR, "noPaper", 5);
	assert_int_equal(detect(&st, d, 4000, ev), 1);
	assert_int_equal(ev[0].threshold, 10);
	gw_devdata_free(d);
	/* a new cartridge: upwards */
	d = poll_with(GW_PST_ERROR, "noPaper", 100);
	assert_int_equal(detect(&st, d, 5000, ev), 1);
	assert_false(ev[0].down);
	gw_devdata_free(d);
}

static void test_parts_not_read_say_nothing(void **state)
{
	struct gw_ev_state st = {0};
	struct gw_event ev[16];
	struct gw_devdata *d = poll_with(GW_PST_IDLE, "jam", 50);

	(void)state;
	detect(&st, d, 1000, ev);
	gw_devdata_free(d);
	/* a counters-only poll: no status, no consumables */
	d = gw_devdata_new();
	d->model = gw_dd_str(d, "X-1");
	assert_int_equal(detect(&st, d, 2000, ev), 0);
	gw_devdata_free(d);
	/* the state survived it */
	d = poll_with(GW_PST_IDLE, "jam", 50);
	assert_int_equal(detect(&st, d, 3000, ev), 0);
	gw_devdata_free(d);
}

static void test_rate_cap(void **state)
{
	struct gw_ev_state st = {0};
	struct gw_event ev[16];
	unsigned sent = 0;

	(void)state;
	/* a printer flapping between idle and printing every 10 s for an hour */
	for (int i = 0; i < 360; i++) {
		struct gw_devdata *d = poll_with(i & 1 ? GW_PST_PRINTING : GW_PST_IDLE, NULL,
						 GW_ABSENT);
		unsigned n = detect(&st, d, 1000 + i * 10000ll, ev);

		if (n && sent >= 10 && sent % 10 == 0)
			assert_true(ev[0].suppressed > 0); /* what was held back is counted */
		sent += n;
		gw_devdata_free(d);
	}
	/* ten per ten minutes */
	assert_true(sent <= 60 && sent >= 50);
}

static void test_duplicates_and_pack(void **state)
{
	struct gw_ev_state st = {0};
	struct gw_event ev[16];
	struct gw_devdata *d = poll_with(GW_PST_IDLE, NULL, GW_ABSENT);
	struct gw_buf b;
	msgpack_unpacked u;

	(void)state;
	detect(&st, d, 1000, ev);
	gw_devdata_free(d);
	d = poll_with(GW_PST_IDLE, "low", GW_ABSENT);
	/* the same code twice in one poll (one alert per colour) is one event */
	{
		struct gw_dd_error *e = gw_dd_add_error(d);

		e->code = gw_dd_str(d, "low");
	}
	assert_int_equal(detect(&st, d, 2000, ev), 1);
	gw_buf_init(&b);
	assert_int_equal(gw_event_pack_body(&ev[0], d, &b), 0);
	msgpack_unpacked_init(&u);
	assert_int_equal(msgpack_unpack_next(&u, (const char *)b.data, b.len, NULL),
			 MSGPACK_UNPACK_SUCCESS);
	assert_int_equal(u.data.type, MSGPACK_OBJECT_MAP);
	assert_int_equal(u.data.via.map.size, 2);
	msgpack_unpacked_destroy(&u);
	assert_non_null(memmem(b.data, b.len, "error_raised", 12));
	assert_non_null(memmem(b.data, b.len, "SN1", 3));
	gw_buf_release(&b);
	gw_devdata_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_baseline_then_changes),
		cmocka_unit_test(test_parts_not_read_say_nothing),
		cmocka_unit_test(test_rate_cap),
		cmocka_unit_test(test_duplicates_and_pack),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
