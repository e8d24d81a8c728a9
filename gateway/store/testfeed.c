/* TEST HOOK: see testfeed.h. Nothing here runs unless ECSP_TEST_FEED is set. */
#include "testfeed.h"
#include "buffer.h"
#include "../core/clock.h"
#include "../core/devdata_pack.h"
#include "../core/log.h"
#include "../core/plugin.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SUB "testfeed"
#define TICK_MS 10

static const struct model {
	const char *name, *fw_prefix;
	bool color;
} models[] = {
	{"WF-C5790 Series", "JJ09", true},
	{"WF-C879R Series", "JK15", true},
	{"ET-5800 Series", "ES22", true},
	{"WF-M5799 Series", "MM03", false},
	{"AM-C4000 Series", "AC11", true},
	{"SC-T3400 Series", "ST07", true},
};
#define N_MODELS (sizeof(models) / sizeof(models[0]))

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	return x ^ (x >> 33);
}

unsigned gw_testfeed_parts(uint64_t poll)
{
	/* status every minute, supplies 5 min, jobs 10 min, counters 1 h, settings 6 h */
	unsigned p = GW_PART_STATUS;

	if (poll % 5 == 0)
		p |= GW_PART_SUPPLIES;
	if (poll % 10 == 0)
		p |= GW_PART_JOBS;
	if (poll % 60 == 0)
		p |= GW_PART_COUNTERS;
	if (poll % 360 == 0)
		p |= GW_PART_SETTINGS;
	return p;
}

static void fill_supplies(struct gw_devdata *d, const struct model *m, uint32_t dev,
			  uint64_t poll)
{
	static const char *const colors[] = {"black", "cyan", "magenta", "yellow"};
	static const char *const descr[] = {"Black Ink Cartridge", "Cyan Ink Cartridge",
					    "Magenta Ink Cartridge", "Yellow Ink Cartridge"};
	unsigned n = m->color ? 4 : 1;

	for (unsigned i = 0; i < n; i++) {
		struct gw_dd_consumable *c = gw_dd_add_consumable(d);
		int64_t pct = 100 - (int64_t)((mix(dev * 8 + i) % 90 + poll / 30) % 100);
		c->type = "ink";
		c->color = colors[i];
		c->description = descr[i];
		c->level_percent = pct;
		c->max_capacity = 1000 + (int64_t)(mix(dev) % 3) * 500;
		c->level = c->max_capacity * pct / 100;
		c->unit = "ml/10";
		c->state = pct < 5 ? GW_SUP_EMPTY : pct < 15 ? GW_SUP_LOW : GW_SUP_OK;
	}
	struct gw_dd_consumable *w = gw_dd_add_consumable(d);
	w->type = "waste_ink";
	w->description = "Maintenance Box";
	w->level_percent = 100 - (int64_t)(mix(dev + 77) % 60);
	w->level = GW_ABSENT;
	w->max_capacity = GW_ABSENT;
	w->state = GW_SUP_OK;
}

static void fill_counters(struct gw_devdata *d, const struct model *m, uint32_t dev,
			  uint64_t poll)
{
	int64_t total = (int64_t)(mix(dev + 3) % 400000) + (int64_t)poll * 3;
	int64_t color = m->color ? total * 62 / 100 : 0;

	gw_dd_kv_num(d, &d->page_counters, "total", total);
	if (m->color) {
		gw_dd_kv_num(d, &d->page_counters, "color", color);
		gw_dd_kv_num(d, &d->page_counters, "mono", total - color);
	}
	gw_dd_kv_num(d, &d->page_counters, "duplex", total / 7);
	gw_dd_kv_num(d, &d->page_counters, "scan", total / 11);
	d->cumulative_print_time_s = total * 4;
}

static void fill_settings(struct gw_devdata *d, const struct model *m, uint32_t dev)
{
	d->firmware_version = gw_dd_printf(d, "%sN%u", m->fw_prefix, (unsigned)(mix(dev) % 9));
	d->region_code = "EU";
	d->country_code = "DE";
	gw_dd_kv_str(d, &d->panel_settings, "language", "English");
	gw_dd_kv_num(d, &d->panel_settings, "sleep_timer_min", 15);
	gw_dd_kv_str(d, &d->media_settings, "tray1_size", "A4");
	gw_dd_kv_str(d, &d->media_settings, "tray1_type", "plain");
	gw_dd_kv_str(d, &d->media_settings, "tray2_size", "A3");
	gw_dd_kv_str(d, &d->network_settings, "ipv4_mode", dev % 3 ? "dhcp" : "manual");
	gw_dd_kv_str(d, &d->network_settings, "ipv6", "enabled");
	gw_dd_kv_str(d, &d->network_settings, "bonjour", "enabled");
}

static void fill_jobs(struct gw_devdata *d, uint32_t dev, uint64_t poll, int64_t now)
{
	unsigned n = 1 + (unsigned)(mix(dev ^ poll) % 4);

	for (unsigned i = 0; i < n; i++) {
		struct gw_dd_job *j = gw_dd_add_job(d);
		if (!j)
			break;
		j->job_id = gw_dd_printf(d, "%" PRIu64, poll * 10 + i + (uint64_t)dev * 100000);
		j->submitted_ms = now - (int64_t)(n - i) * 97000;
		j->completed_ms = j->submitted_ms + 21000;
		j->state = "completed";
		j->pages = 1 + (int64_t)(mix(poll + i) % 12);
		j->copies = 1;
		j->media = i % 2 ? "A4 plain" : "A3 plain";
		j->user_hash = gw_dd_printf(d, "%016" PRIx64, mix(dev * 31 + i));
	}
}

void gw_testfeed_fill(struct gw_devdata *d, uint32_t dev, uint64_t poll, unsigned parts,
		      int64_t now)
{
	const struct model *m = &models[dev % N_MODELS];
	uint64_t h = mix(dev);

	d->manufacturer = "EPSON";
	d->model = m->name;
	d->serial_number = gw_dd_printf(d, "X%02X%07u", (unsigned)(h & 0xff), (unsigned)(dev % 10000000));
	d->acquired_ms = now;
	d->device_time_ms = now - (int64_t)(h % 90) * 1000;
	d->ip = gw_dd_printf(d, "10.%u.%u.%u", 20 + dev / 65536 % 200, dev / 256 % 256, dev % 256);
	d->mac = gw_dd_printf(d, "64:eb:8c:%02x:%02x:%02x", dev >> 16 & 0xff, dev >> 8 & 0xff,
			      dev & 0xff);
	d->hostname = gw_dd_printf(d, "EPSON%06X", dev & 0xffffff);
	d->sources = GW_SRC_SNMP;
	if (parts & GW_PART_STATUS) {
		uint64_t r = mix(dev * 1000003 + poll) % 100;
		d->has_status = true;
		d->printer_status = r < 80 ? GW_PST_IDLE : r < 97 ? GW_PST_PRINTING : GW_PST_ERROR;
		if (r >= 97) {
			struct gw_dd_error *e = gw_dd_add_error(d);
			e->code = "paper_jam";
			e->severity = GW_SEV_ERROR;
			e->description = "Paper jam in the rear unit";
			e->since_ms = now - 120000;
		} else if (h % 10 == 0) {
			struct gw_dd_error *e = gw_dd_add_error(d);
			e->code = "ink_low";
			e->severity = GW_SEV_WARNING;
			e->description = "Ink is running low";
			e->since_ms = GW_ABSENT;
		}
	}
	if (parts & GW_PART_SUPPLIES)
		fill_supplies(d, m, dev, poll);
	if (parts & GW_PART_COUNTERS)
		fill_counters(d, m, dev, poll);
	if (parts & GW_PART_SETTINGS)
		fill_settings(d, m, dev);
	if (parts & GW_PART_JOBS)
		fill_jobs(d, dev, poll, now);
}

int gw_testfeed_record(struct gw_buf *body, struct gw_record *r, uint32_t dev, uint64_t poll,
		       int64_t now, const char *run, uint64_t n)
{
	struct gw_devdata *d = gw_devdata_new();
	msgpack_packer pk;

	if (!d)
		return -ENOMEM;
	gw_testfeed_fill(d, dev, poll, gw_testfeed_parts(poll), now);
	gw_buf_reset(body);
	gw_packer_init(&pk, body);
	msgpack_pack_map(&pk, n ? 2 : 1);
	gw_pack_cstr(&pk, "device");
	gw_devdata_pack_device(&pk, d);
	if (n) {
		gw_pack_cstr(&pk, "test_feed");
		msgpack_pack_map(&pk, 2);
		gw_pack_cstr(&pk, "run");
		gw_pack_cstr(&pk, run);
		gw_pack_cstr(&pk, "n");
		msgpack_pack_uint64(&pk, n);
	}
	gw_devdata_free(d);
	if (body->failed)
		return -ENOMEM;
	*r = (struct gw_record){
		.format = GW_RECORD_FORMAT,
		.kind = GW_REC_SNAPSHOT,
		.ctype = GW_CT_SCHEDULED,
		.collected_ms = now,
		.created_ms = now,
		.device_id = dev + 1,
		.body = body->data,
		.body_len = body->len,
	};
	return 0;
}

struct gw_testfeed {
	struct gw_store *store;
	struct event *tick;
	double rate, owed;
	uint64_t total, sent, acked, devices, outstanding;
	bool stopping;
	char run[32];
	int log_fd;
	struct gw_buf lines;
	struct gw_buf body;
};

struct feed_ack {
	struct gw_testfeed *f;
	uint64_t n;
};

static void flush_lines(struct gw_testfeed *f)
{
	if (f->log_fd >= 0 && f->lines.len) {
		if (write(f->log_fd, f->lines.data, f->lines.len) != (ssize_t)f->lines.len)
			gw_warn(SUB, "cannot write the acknowledgement log");
		gw_buf_reset(&f->lines);
	}
}

static void feed_free(struct gw_testfeed *f)
{
	flush_lines(f);
	if (f->tick)
		event_free(f->tick);
	if (f->log_fd >= 0)
		close(f->log_fd);
	gw_buf_release(&f->lines);
	gw_buf_release(&f->body);
	free(f);
}

static void on_ack(int status, void *arg)
{
	struct feed_ack *a = arg;
	struct gw_testfeed *f = a->f;

	f->outstanding--;
	if (status == 0) {
		f->acked++;
		if (f->log_fd >= 0)
			gw_buf_printf(&f->lines, "%s %" PRIu64 "\n", f->run, a->n);
	}
	free(a);
	if (f->stopping && f->outstanding == 0)
		feed_free(f);
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct gw_testfeed *f = arg;
	int64_t now = gw_clock_wall_ms();

	(void)fd;
	(void)what;
	flush_lines(f);
	f->owed += f->rate * TICK_MS / 1000.0;
	while (f->owed >= 1 && f->sent < f->total) {
		struct gw_record r;
		struct feed_ack *a = malloc(sizeof(*a));
		uint64_t n = f->sent + 1;
		if (!a)
			break;
		*a = (struct feed_ack){f, n};
		if (gw_testfeed_record(&f->body, &r, (uint32_t)(f->sent % f->devices),
				       f->sent / f->devices, now, f->run, n) < 0 ||
		    gw_buffer_append(f->store, &r, on_ack, a) < 0) {
			free(a);
			break;
		}
		f->sent++;
		f->outstanding++;
		f->owed -= 1;
	}
	if (f->sent == f->total && f->acked == f->total) {
		flush_lines(f);
		gw_notice(SUB, "done: %" PRIu64 " records acknowledged", f->acked);
		event_del(f->tick);
	}
}

static uint64_t opt(const char *spec, const char *key, uint64_t def)
{
	const char *p = strstr(spec, key);
	size_t n = strlen(key);

	if (!p || p[n] != '=')
		return def;
	return strtoull(p + n + 1, NULL, 10);
}

struct gw_testfeed *gw_testfeed_start(struct event_base *base, struct gw_store *s)
{
	const char *spec = getenv("ECSP_TEST_FEED"), *log = getenv("ECSP_TEST_FEED_LOG");
	struct timeval tv = {0, TICK_MS * 1000};
	struct gw_testfeed *f;
	const char *run;

	if (!spec || !*spec)
		return NULL;
	f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->store = s;
	f->rate = (double)opt(spec, "rate", 1000);
	f->total = opt(spec, "total", 10000);
	f->devices = opt(spec, "devices", 100);
	if (!f->devices)
		f->devices = 1;
	run = strstr(spec, "run=");
	snprintf(f->run, sizeof(f->run), "%.*s", run ? (int)strcspn(run + 4, ",") : 1,
		 run ? run + 4 : "0");
	f->log_fd = log ? open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600) : -1;
	gw_buf_init(&f->lines);
	gw_buf_init(&f->body);
	f->tick = event_new(base, -1, EV_PERSIST, on_tick, f);
	if (!f->tick || event_add(f->tick, &tv) < 0) {
		feed_free(f);
		return NULL;
	}
	gw_warn(SUB, "TEST HOOK active: feeding %" PRIu64 " synthetic records at %.0f/s (run %s)",
		f->total, f->rate, f->run);
	return f;
}

/* What the store has not acknowledged yet keeps the feed until it has. */
void gw_testfeed_stop(struct gw_testfeed *f)
{
	if (!f)
		return;
	if (f->tick)
		event_del(f->tick);
	f->stopping = true;
	if (f->outstanding == 0)
		feed_free(f);
}
