/*
 * Discovery: ranges and their bounds, the pace, candidate identity (serial,
 * then MAC, then address), moves, approval, persistence, and whole runs
 * against a fake discovering plugin.
 */
#include "control/audit.h"
#include "core/clock.h"
#include "core/mpbound.h"
#include "core/plugin.h"
#include "devices/candidate_codec.h"
#include "devices/candidates.h"
#include "devices/devices.h"
#include "devices/discovery.h"
#include "store/buffer.h"
#include "store/store.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "testutil.h"

static uint32_t ip4(const char *s)
{
	struct in_addr a;

	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return ntohl(a.s_addr);
}

/* ---- ranges ---- */

static void test_cidr_parse(void **state)
{
	struct gw_cidr c;
	const char *reason = NULL;

	(void)state;
	assert_int_equal(gw_cidr_parse("192.0.2.0/24", &c, &reason), 0);
	assert_int_equal(gw_cidr_hosts(&c), 254);
	assert_int_equal(gw_cidr_host(&c, 0), ip4("192.0.2.1"));
	assert_int_equal(gw_cidr_host(&c, 253), ip4("192.0.2.254"));
	assert_int_equal(gw_cidr_broadcast(&c), ip4("192.0.2.255"));
	assert_int_equal(gw_cidr_parse(" 198.51.100.7 ", &c, &reason), 0);
	assert_int_equal(c.prefix, 32);
	assert_int_equal(gw_cidr_hosts(&c), 1);
	assert_int_equal(gw_cidr_host(&c, 0), ip4("198.51.100.7"));
	assert_int_equal(gw_cidr_broadcast(&c), 0);
	assert_int_equal(gw_cidr_parse("198.51.100.6/31", &c, &reason), 0);
	assert_int_equal(gw_cidr_hosts(&c), 2);
	assert_int_equal(gw_cidr_host(&c, 1), ip4("198.51.100.7"));
	assert_int_equal(gw_cidr_parse("10.0.0.0/22", &c, &reason), 0);
	assert_int_equal(gw_cidr_hosts(&c), 1022);

	assert_int_equal(gw_cidr_parse("2001:db8::/64", &c, &reason), -EINVAL);
	assert_non_null(strstr(reason, "IPv6"));
	assert_int_equal(gw_cidr_parse("192.0.2.1/24", &c, &reason), -EINVAL);
	assert_non_null(strstr(reason, "host bits"));
	assert_int_equal(gw_cidr_parse("192.0.2.0/33", &c, &reason), -EINVAL);
	assert_int_equal(gw_cidr_parse("192.0.2.0/", &c, &reason), -EINVAL);
	assert_int_equal(gw_cidr_parse("192.0.2.0/2x", &c, &reason), -EINVAL);
	assert_int_equal(gw_cidr_parse("192.0.2.0/-1", &c, &reason), -EINVAL);
	assert_int_equal(gw_cidr_parse("printers", &c, &reason), -EINVAL);
	assert_int_equal(gw_cidr_parse("", &c, &reason), -EINVAL);
	assert_int_equal(gw_cidr_parse("224.0.0.0/24", &c, &reason), -EINVAL);
	assert_int_equal(gw_cidr_parse("0.0.0.0/0", &c, &reason), -EINVAL);
}

static void test_ranges_bounds(void **state)
{
	struct gw_ranges r;
	const char *reason = NULL;

	(void)state;
	assert_int_equal(gw_ranges_parse("192.0.2.0/24, 198.51.100.0/25,", 1024, &r, &reason), 0);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.total, 254 + 126);
	assert_int_equal(gw_ranges_at(&r, 0), ip4("192.0.2.1"));
	assert_int_equal(gw_ranges_at(&r, 254), ip4("198.51.100.1"));
	assert_int_equal(gw_ranges_at(&r, 379), ip4("198.51.100.126"));
	/* the default bound is a /22 */
	assert_int_equal(gw_ranges_parse("10.0.0.0/22", GW_DISC_DEFAULT_MAX, &r, &reason), 0);
	assert_int_equal(gw_ranges_parse("10.0.0.0/21", GW_DISC_DEFAULT_MAX, &r, &reason),
			 -EINVAL);
	assert_string_equal(reason, "more addresses than max_addresses allows");
	assert_int_equal(gw_ranges_parse("10.0.0.0/24,10.0.1.0/24,10.0.2.0/24,10.0.3.0/24,"
					 "10.0.4.0/28", 1024, &r, &reason), -EINVAL);
	assert_int_equal(gw_ranges_parse("10.0.0.0/16", GW_DISC_LIMIT, &r, &reason), 0);
	assert_int_equal(r.total, 65534);
	/* overlaps, too many, IPv6 in a list */
	assert_int_equal(gw_ranges_parse("10.0.0.0/24, 10.0.0.128/25", 1024, &r, &reason),
			 -EINVAL);
	assert_string_equal(reason, "ranges overlap");
	assert_int_equal(gw_ranges_parse("10.0.0.0/24, fe80::/64", 1024, &r, &reason), -EINVAL);
	char many[1024] = "";
	for (int i = 0; i < 17; i++)
		snprintf(many + strlen(many), sizeof(many) - strlen(many), "10.0.%d.1,", i);
	assert_int_equal(gw_ranges_parse(many, 1024, &r, &reason), -EINVAL);
	assert_string_equal(reason, "at most 16 ranges");
	assert_int_equal(gw_ranges_parse("", 1024, &r, &reason), 0);
	assert_int_equal(r.total, 0);
	assert_int_equal(gw_ranges_parse(NULL, 1024, &r, &reason), 0);
}

static void test_rate_arithmetic(void **state)
{
	struct gw_rate r;
	unsigned total = 0;

	(void)state;
	gw_rate_init(&r, 200, 1000);
	assert_int_equal(r.burst, 20);
	assert_int_equal(gw_rate_take(&r, 1000, 1000), 1);    /* the first at once */
	assert_int_equal(gw_rate_take(&r, 1000, 1000), 0);
	assert_int_equal(gw_rate_wait_ms(&r), 5);             /* 200/s: one per 5 ms */
	assert_int_equal(gw_rate_take(&r, 1050, 1000), 10);
	assert_int_equal(gw_rate_take(&r, 3000, 1000), 20);   /* idle time saves one burst only */
	assert_int_equal(gw_rate_take(&r, 3100, 5), 5);       /* never more than wanted */
	assert_int_equal(gw_rate_take(&r, 3100, 100), 15);    /* the rest of the credit */
	/* ten seconds of 50 ms ticks: 2000 probes, give or take one */
	gw_rate_init(&r, 200, 0);
	for (int64_t t = 0; t <= 10000; t += 50)
		total += gw_rate_take(&r, t, 1000);
	assert_in_range(total, 1999, 2001);
	/* slow rates */
	gw_rate_init(&r, 1, 0);
	assert_int_equal(r.burst, 1);
	assert_int_equal(gw_rate_take(&r, 0, 10), 1);
	assert_int_equal(gw_rate_take(&r, 999, 10), 0);
	assert_int_equal(gw_rate_wait_ms(&r), 1);
	assert_int_equal(gw_rate_take(&r, 1000, 10), 1);
	/* a clock that steps back takes nothing */
	assert_int_equal(gw_rate_take(&r, 500, 10), 0);
}

static void test_addrset(void **state)
{
	struct gw_addrset s = {0};

	(void)state;
	assert_false(gw_addrset_has(&s, 1));
	assert_int_equal(gw_addrset_add(&s, 0), 1);
	assert_int_equal(gw_addrset_add(&s, 0), 0);
	for (uint32_t i = 1; i <= 5000; i++)
		assert_int_equal(gw_addrset_add(&s, 0x0a000000u + i * 7), 1);
	for (uint32_t i = 1; i <= 5000; i++)
		assert_true(gw_addrset_has(&s, 0x0a000000u + i * 7));
	assert_false(gw_addrset_has(&s, 0x0a000000u + 3));
	assert_int_equal(gw_addrset_add(&s, 0x0a000007u), 0);
	gw_addrset_clear(&s);
	assert_false(gw_addrset_has(&s, 0x0a000007u));
	assert_false(gw_addrset_has(&s, 0));
}

/* ---- candidates ---- */

static struct gw_candidate_info answer(const char *ip, const char *serial, const char *mac,
				       const char *model)
{
	struct gw_candidate_info i;
	struct sockaddr_in *sin = (struct sockaddr_in *)&i.addr;

	memset(&i, 0, sizeof(i));
	sin->sin_family = AF_INET;
	inet_pton(AF_INET, ip, &sin->sin_addr);
	i.addrlen = sizeof(*sin);
	i.sources = GW_SRC_ENPC;
	snprintf(i.serial, sizeof(i.serial), "%s", serial);
	snprintf(i.mac, sizeof(i.mac), "%s", mac);
	snprintf(i.model, sizeof(i.model), "%s", model);
	return i;
}

static enum gw_note_result note(struct gw_candidates *c, const char *ip, const char *serial,
				const char *mac, const char *model, uint32_t run, uint32_t *id)
{
	struct gw_candidate_info i = answer(ip, serial, mac, model);
	struct gw_note_ctx ctx = {run, false, gw_clock_wall_ms()};

	return gw_candidates_note(c, &i, &ctx, id);
}

static void test_identity_by_serial_then_mac(void **state)
{
	struct gw_devices *l;
	struct gw_candidates *c;
	const struct gw_candidate *x;
	uint32_t a, b, k;

	(void)state;
	assert_int_equal(gw_devices_open(NULL, &l), 0);
	assert_int_equal(gw_candidates_open(NULL, l, &c), 0);

	/* one run: the probe answer (MAC) and the query answer (model) are one device */
	assert_int_equal(note(c, "192.0.2.5", "", "00:26:AB:01:02:03", "", 1, &a), GW_NOTE_NEW);
	assert_int_equal(note(c, "192.0.2.5", "", "", "TM-T88V", 1, &b), GW_NOTE_UPDATED);
	assert_int_equal(a, b);
	x = gw_candidates_get(c, a);
	assert_string_equal(x->mac, "00:26:ab:01:02:03");      /* kept lowercase */
	assert_string_equal(x->model, "TM-T88V");
	assert_int_equal(x->ident, GW_IDENT_MAC);

	/* the same MAC at another address, a later run: moved, not new */
	assert_int_equal(note(c, "192.0.2.9", "", "00:26:ab:01:02:03", "", 2, &b), GW_NOTE_MOVED);
	assert_int_equal(a, b);
	assert_string_equal(x->ip, "192.0.2.9");
	assert_string_equal(x->prev_ip, "192.0.2.5");

	/* an answer that says it is not a printer is never kept */
	{
		struct gw_candidate_info r = answer("192.0.2.1", "RTR1", "00:26:ab:09:09:09", "");
		struct gw_note_ctx ctx = {2, false, gw_clock_wall_ms()};
		unsigned before = gw_candidates_count(c);

		r.not_printer = true;
		assert_int_equal(gw_candidates_note(c, &r, &ctx, &k), GW_NOTE_REFUSED);
		assert_int_equal(gw_candidates_count(c), before);
	}
	assert_int_equal(gw_candidates_count(c), 1);

	/* SNMP learns the serial: the MAC candidate gains it */
	assert_int_equal(note(c, "192.0.2.9", "X5E1234567", "00:26:ab:01:02:03", "", 2, &b),
			 GW_NOTE_UPDATED);
	assert_int_equal(a, b);
	assert_int_equal(x->ident, GW_IDENT_SERIAL);

	/* serial wins over address: same serial elsewhere is the same candidate */
	assert_int_equal(note(c, "192.0.2.77", "X5E1234567", "", "", 3, &b), GW_NOTE_MOVED);
	assert_int_equal(a, b);
	assert_int_equal(gw_candidates_count(c), 1);

	/* a different device now at an old address: a new candidate */
	assert_int_equal(note(c, "192.0.2.77", "OTHER-SERIAL", "", "", 4, &k), GW_NOTE_NEW);
	assert_int_not_equal(k, a);
	assert_int_equal(gw_candidates_count(c), 2);

	/* address-only answers at one address across runs: one candidate */
	assert_int_equal(note(c, "192.0.2.200", "", "", "", 5, &a), GW_NOTE_NEW);
	assert_int_equal(note(c, "192.0.2.200", "", "", "", 6, &b), GW_NOTE_UPDATED);
	assert_int_equal(a, b);
	/* ... but a serial heard there in a later run is not merged into it */
	assert_int_equal(note(c, "192.0.2.200", "S-200", "", "", 7, &b), GW_NOTE_NEW);
	assert_int_equal(gw_candidates_count(c), 4);

	/* device text that is not printable is not taken */
	assert_int_equal(note(c, "192.0.2.201", "BAD\x01SERIAL", "zz:zz", "M\x7f", 8, &a),
			 GW_NOTE_NEW);
	x = gw_candidates_get(c, a);
	assert_string_equal(x->serial, "");
	assert_string_equal(x->mac, "");
	assert_string_equal(x->model, "");
	assert_int_equal(x->ident, GW_IDENT_IP);

	/* a MAC candidate and a serial candidate found to be one device merge */
	assert_int_equal(note(c, "192.0.2.50", "", "00:26:ab:00:00:50", "", 9, &a), GW_NOTE_NEW);
	assert_int_equal(note(c, "192.0.2.51", "S-50", "", "", 9, &b), GW_NOTE_NEW);
	assert_int_equal(note(c, "192.0.2.51", "S-50", "00:26:ab:00:00:50", "", 10, &k),
			 GW_NOTE_UPDATED);
	assert_int_equal(k, b);
	assert_null(gw_candidates_get(c, a));
	gw_candidates_close(c);
	gw_devices_close(l);
}

static struct gw_device_spec spec(const char *name, const char *addr)
{
	struct gw_device_spec s = {.enabled = true};

	snprintf(s.name, sizeof(s.name), "%s", name);
	snprintf(s.address, sizeof(s.address), "%s", addr);
	snprintf(s.credentials, sizeof(s.credentials), "office");
	return s;
}

static void test_managed_devices_are_not_candidates(void **state)
{
	struct gw_devices *l;
	struct gw_candidates *c;
	struct gw_device_spec s = spec("lobby", "192.0.2.10");
	const struct gw_device *d;
	const char *reason;
	uint32_t id, cid;

	(void)state;
	assert_int_equal(gw_devices_open(NULL, &l), 0);
	assert_int_equal(gw_candidates_open(NULL, l, &c), 0);
	assert_int_equal(gw_devices_add(l, &s, GW_ORIGIN_LOCAL, "local:admin", &id, &reason), 0);
	d = gw_devices_get(l, id);

	/* at its address, identity not yet learned: managed */
	assert_int_equal(note(c, "192.0.2.10", "", "00:26:ab:00:00:10", "", 1, &cid),
			 GW_NOTE_MANAGED);
	gw_devices_seen(l, id, "SER-LOBBY", "00:26:ab:00:00:10", "WF-C5790", gw_clock_wall_ms());
	assert_int_equal(note(c, "192.0.2.10", "SER-LOBBY", "", "", 1, &cid), GW_NOTE_MANAGED);
	/* by MAC at its address */
	assert_int_equal(note(c, "192.0.2.10", "", "00:26:AB:00:00:10", "", 1, &cid),
			 GW_NOTE_MANAGED);
	/* answering at a second address while it still answers: reported, not moved */
	assert_int_equal(note(c, "192.0.2.11", "SER-LOBBY", "", "", 2, &cid),
			 GW_NOTE_MANAGED_ELSEWHERE);
	assert_string_equal(d->spec.address, "192.0.2.10");
	assert_int_equal(gw_candidates_count(c), 0);
	/* silent long enough: it moved, and its address follows (never a new device) */
	gw_candidates_set_move_after(c, 0);
	assert_int_equal(note(c, "192.0.2.11", "SER-LOBBY", "", "", 3, &cid),
			 GW_NOTE_MANAGED_MOVED);
	assert_string_equal(d->spec.address, "192.0.2.11");
	assert_int_equal(gw_devices_count(l), 1);
	assert_int_equal(gw_candidates_count(c), 0);
	/* another device where the managed one used to be is a candidate */
	assert_int_equal(note(c, "192.0.2.10", "SER-NEW", "", "", 4, &cid), GW_NOTE_NEW);
	/* a device of the file keeps the file's address: the move is reported only */
	s = spec("filed", "192.0.2.60");
	assert_int_equal(gw_devices_add(l, &s, GW_ORIGIN_CONFIG, "config", &id, &reason), 0);
	gw_devices_seen(l, id, "SER-FILED", "", "M", 1);
	assert_int_equal(note(c, "192.0.2.61", "SER-FILED", "", "", 5, &cid),
			 GW_NOTE_MANAGED_ELSEWHERE);
	assert_string_equal(gw_devices_get(l, id)->spec.address, "192.0.2.60");
	gw_candidates_close(c);
	gw_devices_close(l);
}

static void test_approve(void **state)
{
	struct gw_devices *l;
	struct gw_candidates *c;
	struct gw_device_spec s = spec("taken", "192.0.2.99");
	const struct gw_device *d;
	const char *reason = NULL;
	uint32_t cid, did;

	(void)state;
	assert_int_equal(gw_devices_open(NULL, &l), 0);
	assert_int_equal(gw_candidates_open(NULL, l, &c), 0);
	assert_int_equal(gw_devices_add(l, &s, GW_ORIGIN_CONFIG, "config", NULL, &reason), 0);
	assert_int_equal(note(c, "192.0.2.20", "SER-20", "00:26:ab:00:00:20", "SC-P900", 1,
			      &cid), GW_NOTE_NEW);
	assert_int_equal(gw_candidates_approve(c, 999, "x", "office", "local:admin", NULL,
					       &reason), -ENOENT);
	assert_int_equal(gw_candidates_approve(c, cid, "taken", "office", "local:admin", NULL,
					       &reason), -EEXIST);
	assert_int_equal(gw_candidates_approve(c, cid, "bad name", "office", "local:admin",
					       NULL, &reason), -EINVAL);
	assert_int_equal(gw_candidates_approve(c, cid, "plotter", "", "local:admin", NULL,
					       &reason), -EINVAL);
	assert_int_equal(gw_candidates_count(c), 1);
	assert_int_equal(gw_candidates_approve(c, cid, "plotter", "office", "cloud:support:bob",
					       &did, &reason), 0);
	assert_int_equal(gw_candidates_count(c), 0);
	d = gw_devices_get(l, did);
	assert_non_null(d);
	assert_string_equal(d->spec.name, "plotter");
	assert_string_equal(d->spec.address, "192.0.2.20");
	assert_string_equal(d->serial, "SER-20");
	assert_string_equal(d->model, "SC-P900");
	assert_int_equal(d->origin, GW_ORIGIN_CLOUD);
	assert_int_equal(d->ident, GW_IDENT_SERIAL);
	/* found again: it is managed now */
	assert_int_equal(note(c, "192.0.2.20", "SER-20", "", "", 2, &cid), GW_NOTE_MANAGED);
	gw_candidates_close(c);
	gw_devices_close(l);
}

static void test_rules_from_the_file(void **state)
{
	struct gw_devices *l;
	struct gw_candidates *c;
	struct gw_approve_rule r[2] = {0};
	const struct gw_device *d;
	uint32_t cid;

	(void)state;
	assert_int_equal(gw_devices_open(NULL, &l), 0);
	assert_int_equal(gw_candidates_open(NULL, l, &c), 0);
	assert_int_equal(note(c, "192.0.2.30", "", "00:26:ab:00:00:30", "", 1, &cid), GW_NOTE_NEW);
	snprintf(r[0].name, sizeof(r[0].name), "by-serial");
	snprintf(r[0].serial, sizeof(r[0].serial), "SER-31");
	snprintf(r[0].credentials, sizeof(r[0].credentials), "office");
	snprintf(r[1].name, sizeof(r[1].name), "by-mac");
	snprintf(r[1].mac, sizeof(r[1].mac), "00:26:ab:00:00:30");
	snprintf(r[1].credentials, sizeof(r[1].credentials), "office");
	/* applied at once to what is kept */
	gw_candidates_set_rules(c, r, 2);
	assert_int_equal(gw_candidates_count(c), 0);
	d = gw_devices_by_name(l, "by-mac");
	assert_non_null(d);
	assert_string_equal(d->spec.address, "192.0.2.30");
	/* and to what is found later */
	assert_int_equal(note(c, "192.0.2.31", "SER-31", "", "", 2, &cid), GW_NOTE_NEW);
	assert_int_equal(gw_candidates_count(c), 0);
	assert_non_null(gw_devices_by_name(l, "by-serial"));
	/* a rule whose name is managed does nothing more */
	assert_int_equal(note(c, "192.0.2.32", "", "00:26:ab:00:00:32", "", 3, &cid), GW_NOTE_NEW);
	snprintf(r[0].serial, sizeof(r[0].serial), "%s", "");
	snprintf(r[0].mac, sizeof(r[0].mac), "00:26:ab:00:00:32");
	gw_candidates_set_rules(c, r, 1);
	assert_int_equal(gw_candidates_count(c), 1);
	assert_int_equal(gw_devices_count(l), 2);
	gw_candidates_close(c);
	gw_devices_close(l);
}

static void test_kept_in_the_store(void **state)
{
	struct event_base *base = event_base_new();
	struct gw_store_opts o = {.dir = test_dir, .max_bytes = 8 << 20};
	struct gw_buffer_stats bs;
	struct gw_store *st;
	struct gw_devices *l;
	struct gw_candidates *c;
	const struct gw_candidate *x;
	struct gw_candidate_info i = answer("192.0.2.40", "SER-40", "00:26:ab:00:00:40", "M");
	struct gw_note_ctx ctx = {7, true, gw_clock_wall_ms()};
	const char *reason;
	uint32_t a, b;

	(void)state;
	assert_int_equal(gw_store_open(base, &o, &st, &reason), 0);
	assert_int_equal(gw_devices_open(st, &l), 0);
	assert_int_equal(gw_candidates_open(st, l, &c), 0);
	assert_int_equal(gw_candidates_note(c, &i, &ctx, &a), GW_NOTE_NEW);
	i = answer("192.0.2.41", "", "", "");
	assert_int_equal(gw_candidates_note(c, &i, &ctx, &b), GW_NOTE_NEW);
	assert_int_equal(gw_candidates_forget(c, b, "local:admin"), 0);
	assert_int_equal(gw_candidates_forget(c, b, "local:admin"), -ENOENT);
	/* a run the cloud started: its candidates go up as inventory records */
	assert_int_equal(gw_candidates_report_run(c, 7), 1);
	assert_int_equal(gw_candidates_report_run(c, 8), 0);
	gw_store_flush(st);
	gw_buffer_get_stats(st, &bs);
	assert_int_equal(bs.by_class[GW_REC_INVENTORY], 1);
	gw_candidates_close(c);
	gw_devices_close(l);
	gw_store_close(st);

	assert_int_equal(gw_store_open(base, &o, &st, &reason), 0);
	assert_int_equal(gw_devices_open(st, &l), 0);
	assert_int_equal(gw_candidates_open(st, l, &c), 0);
	assert_int_equal(gw_candidates_count(c), 1);
	x = gw_candidates_get(c, a);
	assert_non_null(x);
	assert_string_equal(x->serial, "SER-40");
	assert_string_equal(x->ip, "192.0.2.40");
	assert_true(x->cloud);
	assert_int_equal(x->run, 7);
	/* ids are never reused */
	i = answer("192.0.2.42", "SER-42", "", "");
	assert_int_equal(gw_candidates_note(c, &i, &ctx, &b), GW_NOTE_NEW);
	assert_true(b > a + 1);
	gw_candidates_close(c);
	gw_devices_close(l);
	gw_store_close(st);
	event_base_free(base);
}

static void test_codec_and_bounded_counts(void **state)
{
	struct gw_candidate a, b;
	struct gw_buf buf;
	/* a map declaring 2^31 pairs in five bytes; an array of 16 in three */
	static const uint8_t huge[] = {0xdf, 0x7f, 0xff, 0xff, 0xff};
	static const uint8_t short_array[] = {0xdc, 0x00, 0x10};
	static const uint8_t ok[] = {0x82, 0xa1, 'a', 0x01, 0xa1, 'b', 0xc4, 0x01, 0x00};
	static const uint8_t bad_str[] = {0x81, 0xa1, 'a', 0xda, 0xff, 0xff, 'x'};

	(void)state;
	memset(&a, 0, sizeof(a));    /* padding too: compared as bytes below */
	a.id = 9;
	a.ident = GW_IDENT_MAC;
	a.sources = 2;
	a.run = 3;
	a.details_unknown = true;
	a.first_seen_ms = -5;
	snprintf(a.mac, sizeof(a.mac), "00:26:ab:01:02:03");
	snprintf(a.ip, sizeof(a.ip), "192.0.2.9");
	gw_buf_init(&buf);
	assert_int_equal(gw_candidate_encode(&a, &buf), 0);
	assert_true(gw_msgpack_bounded(buf.data, buf.len));
	assert_int_equal(gw_candidate_decode(buf.data, buf.len, &b), 0);
	assert_memory_equal(&a, &b, sizeof(a));
	/* every truncation is refused */
	for (size_t n = 0; n < buf.len; n++)
		assert_int_equal(gw_candidate_decode(buf.data, n, &b), -EINVAL);
	gw_buf_release(&buf);
	assert_false(gw_msgpack_bounded(huge, sizeof(huge)));
	assert_int_equal(gw_candidate_decode(huge, sizeof(huge), &b), -EINVAL);
	assert_false(gw_msgpack_bounded(short_array, sizeof(short_array)));
	assert_true(gw_msgpack_bounded(ok, sizeof(ok)));
	assert_false(gw_msgpack_bounded(bad_str, sizeof(bad_str)));
	assert_false(gw_msgpack_bounded(ok, 0));
}

/* ---- whole runs, against a fake plugin ---- */

struct fake {
	struct event_base *base;
	struct gw_discovery *d;
	unsigned steps[GW_DISC_CANCEL + 1];
	unsigned probed, bcast_addrs;
	uint16_t port;
	uint32_t pending[512];            /* addresses that will answer */
	unsigned n_pending;
	struct event *ev;
	bool done_in_end;                 /* call done from inside END */
};

static void fake_answer(evutil_socket_t fd, short what, void *arg)
{
	struct fake *f = arg;

	(void)fd;
	(void)what;
	for (unsigned i = 0; i < f->n_pending && f->d; i++) {
		char ip[16];
		struct in_addr a = {htonl(f->pending[i])};
		inet_ntop(AF_INET, &a, ip, sizeof(ip));
		struct gw_candidate_info info = answer(ip, "", "", "WF-TEST");
		snprintf(info.mac, sizeof(info.mac), "00:26:ab:00:%02x:%02x",
			 (f->pending[i] >> 8) & 0xff, f->pending[i] & 0xff);
		/* .5, .15, ...: answering, but not printers (routers) */
		info.not_printer = (f->pending[i] & 0xff) % 10 == 5;
		gw_discovery_found(f->d, &info);
		if (info.not_printer)
			gw_discovery_found(f->d, &info);   /* a repeat is counted once */
	}
	f->n_pending = 0;
	if (f->d && f->steps[GW_DISC_END]) {
		struct gw_discovery *d = f->d;
		f->d = NULL;
		gw_discovery_done(d, 0);
	}
}

static int fake_discover(void *ctx, struct gw_discovery *d)
{
	struct fake *f = ctx;
	struct timeval now = {0, 0};

	f->steps[d->step]++;
	switch (d->step) {
	case GW_DISC_BEGIN:
		f->d = d;
		f->port = d->port;
		break;
	case GW_DISC_BROADCAST:
		f->bcast_addrs += d->n_bcast;
		break;
	case GW_DISC_PROBE:
		for (unsigned i = 0; i < d->n_targets; i++) {
			uint32_t a = ntohl(d->targets[i].sin_addr.s_addr);
			assert_int_equal(ntohs(d->targets[i].sin_port), f->port);
			f->probed++;
			/* every tenth address is a printer, every tenth from .5 a router */
			if ((a & 0xff) % 5 == 0 && f->n_pending < 512)
				f->pending[f->n_pending++] = a;
		}
		evtimer_add(f->ev, &now);
		break;
	case GW_DISC_END:
		if (f->done_in_end) {
			f->d = NULL;
			gw_discovery_done(d, 0);
		} else {
			evtimer_add(f->ev, &now);
		}
		break;
	case GW_DISC_CANCEL:
		f->d = NULL;
		break;
	}
	return 0;
}

static const struct gw_plugin fake_plugin = {
	.abi = GW_PLUGIN_ABI, .name = "enpc", .roles = GW_ROLE_DISCOVER,
	.discover = fake_discover,
};

static void run_until_idle(struct event_base *base, struct gw_discoverer *x, int64_t max_ms)
{
	struct gw_discovery_progress p;
	int64_t end = gw_clock_mono_ms() + max_ms;

	do {
		event_base_loop(base, EVLOOP_ONCE);
		gw_discoverer_progress(x, &p);
	} while ((p.state == GW_DSTATE_PROBING || p.state == GW_DSTATE_WAITING) &&
		 gw_clock_mono_ms() < end);
}

static void test_a_whole_run(void **state)
{
	struct event_base *base = event_base_new();
	struct fake f = {.base = base};
	struct gw_plugin_instance pi = {.p = &fake_plugin, .ctx = &f, .started = true};
	struct gw_plugins ps = {1, &pi};
	struct gw_devices *l;
	struct gw_candidates *c;
	struct gw_discoverer *x;
	struct gw_discovery_progress p;
	struct gw_discovery_req req = {.ranges = "10.1.0.0/24", .rate = 2000, .enpc = true,
				       .enpc_port = 13289, .wait_ms = 100};
	const char *reason = NULL;
	int64_t t0;

	(void)state;
	f.ev = evtimer_new(base, fake_answer, &f);
	assert_int_equal(gw_devices_open(NULL, &l), 0);
	assert_int_equal(gw_candidates_open(NULL, l, &c), 0);
	x = gw_discoverer_new(base, &ps, c);
	assert_non_null(x);
	gw_discoverer_progress(x, &p);
	assert_int_equal(p.state, GW_DSTATE_IDLE);

	/* nothing to do, or nobody to do it */
	req.enpc = false;
	assert_int_equal(gw_discoverer_start(x, &req, "test", &reason), -ENODEV);
	req.enpc = true;
	req.ranges = "10.1.0.0/16";
	assert_int_equal(gw_discoverer_start(x, &req, "test", &reason), -EINVAL);
	req.ranges = "10.1.0.0/24";

	t0 = gw_clock_mono_ms();
	assert_int_equal(gw_discoverer_start(x, &req, "test", &reason), 0);
	assert_int_equal(gw_discoverer_start(x, &req, "test", &reason), -EBUSY);
	gw_discoverer_progress(x, &p);
	assert_int_equal(p.run, 1);
	assert_int_equal(p.total, 254);
	assert_int_equal(f.port, 13289);
	run_until_idle(base, x, 5000);
	gw_discoverer_progress(x, &p);
	assert_int_equal(p.state, GW_DSTATE_DONE);
	assert_int_equal(p.probed, 254);
	assert_int_equal(f.probed, 254);
	assert_int_equal(p.found, 50);              /* .5, .10, .15, ... .250 */
	assert_int_equal(p.ignored, 25);            /* .5, .15, ... .245: not printers */
	assert_int_equal(p.new_candidates, 25);     /* .10, .20, ... .250 */
	assert_int_equal(gw_candidates_count(c), 25);
	assert_int_equal(f.steps[GW_DISC_BROADCAST], 0);
	assert_int_equal(f.steps[GW_DISC_END], 1);
	assert_int_equal(f.steps[GW_DISC_CANCEL], 0);
	/* 254 addresses at 2000 a second: at least a tenth of a second */
	assert_true(gw_clock_mono_ms() - t0 >= 100);
	assert_true(p.finished_ms >= p.started_ms);

	/* again, with broadcasts, done from inside END: same devices, no new candidates */
	memset(f.steps, 0, sizeof(f.steps));
	f.probed = 0;
	f.done_in_end = true;
	req.broadcast = true;
	req.rate = 5000;
	assert_int_equal(gw_discoverer_start(x, &req, "test", &reason), 0);
	run_until_idle(base, x, 10000);
	gw_discoverer_progress(x, &p);
	assert_int_equal(p.run, 2);
	assert_int_equal(p.state, GW_DSTATE_DONE);
	assert_int_equal(p.ignored, 25);
	assert_int_equal(p.new_candidates, 0);
	assert_int_equal(gw_candidates_count(c), 25);
	assert_int_equal(f.steps[GW_DISC_BROADCAST], GW_DISC_BROADCASTS);
	assert_int_equal(f.bcast_addrs, GW_DISC_BROADCASTS * 2);  /* limited + 10.1.0.255 */

	/* cancelled half way */
	memset(f.steps, 0, sizeof(f.steps));
	req.broadcast = false;
	req.rate = 10;
	assert_int_equal(gw_discoverer_start(x, &req, "local:admin", &reason), 0);
	event_base_loop(base, EVLOOP_ONCE);
	assert_int_equal(gw_discoverer_cancel(x, "local:admin"), 0);
	assert_int_equal(gw_discoverer_cancel(x, "local:admin"), -ENOENT);
	gw_discoverer_progress(x, &p);
	assert_int_equal(p.state, GW_DSTATE_CANCELLED);
	assert_true(p.probed < p.total);
	assert_int_equal(f.steps[GW_DISC_CANCEL], 1);
	assert_int_equal(f.steps[GW_DISC_END], 0);
	assert_string_equal(gw_discovery_state_name(p.state), "cancelled");

	/* freed in the middle of a run: the plugin is told to forget it */
	assert_int_equal(gw_discoverer_start(x, &req, "test", &reason), 0);
	gw_discoverer_free(x);
	assert_int_equal(f.steps[GW_DISC_CANCEL], 2);
	assert_null(f.d);
	event_free(f.ev);
	gw_candidates_close(c);
	gw_devices_close(l);
	event_base_free(base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cidr_parse),
		cmocka_unit_test(test_ranges_bounds),
		cmocka_unit_test(test_rate_arithmetic),
		cmocka_unit_test(test_addrset),
		cmocka_unit_test(test_identity_by_serial_then_mac),
		cmocka_unit_test(test_managed_devices_are_not_candidates),
		cmocka_unit_test(test_approve),
		cmocka_unit_test(test_rules_from_the_file),
		cmocka_unit_test_setup_teardown(test_kept_in_the_store, test_dir_setup,
						test_dir_teardown),
		cmocka_unit_test(test_codec_and_bounded_counts),
		cmocka_unit_test(test_a_whole_run),
	};

	gw_audit_attach(NULL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
