/*
 * The local API's answers: JSON made from the counters and lists the core
 * already keeps. Nothing here changes anything; every read of the store is
 * one short read transaction, and list answers are bounded in count and in
 * bytes (GW_API_MAX_ANSWER), with "next" to page on.
 */
#include "api_int.h"
#include "../control/audit.h"
#include "../core/clock.h"
#include "../core/log.h"
#include "../core/plugin.h"
#include "../core/record.h"
#include "../devices/candidates.h"
#include "../devices/devices.h"
#include "../devices/discovery.h"
#include "../devices/health.h"
#include "../devices/scheduler.h"
#include "../store/buffer.h"
#include "../store/store.h"
#include "../uplink/uploader.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define SUB "api"

static int dump_cb(const char *p, size_t n, void *arg)
{
	return gw_buf_append(arg, p, n) < 0 ? -1 : 0;
}

/* Takes o. */
static int emit(json_t *o, struct gw_buf *out)
{
	int rc = o ? json_dump_callback(o, dump_cb, out, JSON_COMPACT) : -1;

	json_decref(o);
	if (rc < 0 || gw_buf_puts(out, "\n") < 0)
		return -1;
	return 0;
}

void gw_api_error_json(struct gw_buf *out, const char *code, const char *message)
{
	json_t *o = json_pack("{s:s, s:s}", "error", code, "message", message);

	if (emit(o, out) < 0)
		out->failed = 1;
}

static json_t *u64(uint64_t v)
{
	return json_integer(v > INT64_MAX ? INT64_MAX : (json_int_t)v);
}

/* A wall-clock time as RFC 3339, or null when 0 (never). */
static json_t *when(int64_t ms)
{
	char buf[32];

	if (!ms)
		return json_null();
	gw_clock_format_rfc3339(ms, buf, sizeof(buf));
	return json_string(buf);
}

static void set(json_t *o, const char *k, json_t *v)
{
	json_object_set_new(o, k, v);
}

/* --- /api/v1/status ------------------------------------------------------- */

static int first_seq(uint64_t seq, int cls, const void *data, size_t len, void *arg)
{
	(void)cls;
	(void)data;
	(void)len;
	*(uint64_t *)arg = seq;
	return 0;
}

static json_t *store_json(struct gw_store *s)
{
	struct gw_buffer_stats b;
	struct gw_store_stats st;
	json_t *o = json_object(), *waiting = json_object(), *dropped = json_object();
	uint64_t oldest = 0;

	gw_buffer_get_stats(s, &b);
	gw_store_get_stats(s, &st);
	if (gw_buffer_read(s, 0, 1, first_seq, &oldest) <= 0)
		oldest = 0;
	set(o, "records", u64(b.records + b.staged));
	set(o, "stored", u64(b.records));
	set(o, "staged", u64(b.staged));
	set(o, "bytes", u64(b.bytes));
	set(o, "max_bytes", u64(b.max_bytes));
	set(o, "peak_bytes", u64(b.peak_bytes));
	set(o, "oldest_seq", oldest ? u64(oldest) : json_null());
	set(o, "last_seq", b.next_seq > 1 ? u64(b.next_seq - 1) : json_null());
	for (int c = 0; c < GW_BUF_CLASSES; c++) {
		set(waiting, gw_buffer_class_name(c), u64(b.by_class[c]));
		set(dropped, gw_buffer_class_name(c), u64(b.dropped[c]));
	}
	set(dropped, "quarantined", u64(b.dropped_quarantine));
	set(o, "waiting", waiting);
	set(o, "dropped", dropped);
	set(o, "drop_reports", u64(b.drop_events));
	set(o, "quarantined", u64(b.quarantined));
	set(o, "quarantine_bytes", u64(b.quarantine_bytes));
	set(o, "quarantined_total", u64(b.quarantined_total));
	set(o, "appended", u64(b.appended));
	set(o, "append_failed", u64(b.append_failed));
	set(o, "acked_total", u64(b.acked_total));
	set(o, "staged_total", u64(b.staged_total));
	set(o, "staged_acked", u64(b.staged_acked));
	set(o, "staged_written", u64(b.staged_written));
	set(o, "commits", u64(st.commits));
	set(o, "fsyncs", u64(st.fsyncs));
	set(o, "failed_jobs", u64(st.failed_jobs));
	set(o, "longest_commit_us", u64(st.longest_commit_us));
	return o;
}

static const char *uplink_state(const struct gw_uplink_stats *u, int64_t now)
{
	if (u->breaker_open)
		return "breaker_open";
	if (u->auth_fault)
		return "credentials_refused";
	if (u->connected)
		return "connected";
	if (u->next_attempt_ms > now)
		return "backing_off";
	return "idle";
}

static json_t *uplink_json(const struct gw_uplink *up, const struct gw_buffer_stats *b)
{
	struct gw_uplink_stats u;
	int64_t now = gw_clock_mono_ms();
	json_t *o = json_object();

	set(o, "backlog", u64(b->records + b->staged));
	if (!up) {
		set(o, "enabled", json_false());
		set(o, "state", json_string("disabled"));
		return o;
	}
	gw_uplink_get_stats(up, &u);
	set(o, "enabled", json_true());
	set(o, "state", json_string(uplink_state(&u, now)));
	set(o, "last_status", u.last_status ? json_integer(u.last_status) : json_null());
	set(o, "last_error", u.last_error[0] ? json_string(u.last_error) : json_null());
	set(o, "retry_in_ms", u.next_attempt_ms > now ? json_integer(u.next_attempt_ms - now)
						      : json_null());
	set(o, "requests", u64(u.requests));
	set(o, "batches_accepted", u64(u.batches_accepted));
	set(o, "records_accepted", u64(u.records_accepted));
	set(o, "refused", u64(u.refused));
	set(o, "quarantined", u64(u.quarantined));
	set(o, "splits", u64(u.splits));
	set(o, "transient_failures", u64(u.transient));
	set(o, "slow_downs", u64(u.slow_downs));
	set(o, "credential_refusals", u64(u.credential_refusals));
	set(o, "connects", u64(u.connects));
	set(o, "connect_failures", u64(u.connect_failures));
	set(o, "bytes_out", u64(u.wire_out));
	set(o, "bytes_in", u64(u.wire_in));
	return o;
}

static json_t *devices_json(const struct gw_api_sources *src)
{
	struct gw_sched_stats ss = {0};
	struct gw_health_stats hs = {0};
	json_t *o = json_object();

	if (src->sched)
		gw_scheduler_get_stats(src->sched, &ss);
	if (src->health)
		gw_health_get_stats(src->health, &hs);
	set(o, "managed", json_integer(gw_devices_count(src->devices)));
	set(o, "online", json_integer(ss.online));
	set(o, "offline", json_integer(ss.offline));
	set(o, "silent", json_integer(hs.silent));
	set(o, "polls_in_flight", json_integer(ss.in_flight));
	set(o, "polls_started", u64(ss.polls_started));
	set(o, "polls_ok", u64(ss.polls_ok));
	set(o, "polls_failed", u64(ss.polls_failed));
	set(o, "records", u64(ss.records));
	set(o, "silent_events", u64(hs.silent_events));
	set(o, "back_events", u64(hs.back_events));
	set(o, "duplicate_events", u64(hs.duplicate_events));
	set(o, "candidates", json_integer(src->cands ? gw_candidates_count(src->cands) : 0));
	return o;
}

static json_t *discovery_json(const struct gw_discoverer *x)
{
	struct gw_discovery_progress p = {0};

	if (x)
		gw_discoverer_progress(x, &p);
	return json_pack("{s:o, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:o, s:o, s:b, s:o}",
			 "run", p.run ? json_integer(p.run) : json_null(),
			 "state", gw_discovery_state_name(p.state),
			 "probed", (json_int_t)p.probed, "total", (json_int_t)p.total,
			 "found", (json_int_t)p.found,
			 "new_candidates", (json_int_t)p.new_candidates,
			 "managed", (json_int_t)p.managed,
			 "ignored", (json_int_t)p.ignored,
			 "started_at", when(p.started_ms), "finished_at", when(p.finished_ms),
			 "for_cloud", p.for_cloud,
			 "actor", p.actor[0] ? json_string(p.actor) : json_null());
}

/* Each plugin's own counters, from its stats hook ("name": value pairs). */
static json_t *plugins_json(const struct gw_plugins *ps)
{
	json_t *o = json_object();
	struct gw_buf b;

	gw_buf_init(&b);
	for (unsigned i = 0; ps && i < ps->n; i++) {
		const struct gw_plugin_instance *pi = &ps->v[i];
		json_t *v = NULL;

		if (pi->p->stats && pi->ctx) {
			gw_buf_reset(&b);
			gw_buf_puts(&b, "{");
			pi->p->stats(pi->ctx, &b);
			gw_buf_puts(&b, "}");
			if (!b.failed)
				v = json_loadb((const char *)b.data, b.len, 0, NULL);
			if (!v)
				gw_warn(SUB, "plugin %s: its counters are not valid JSON", pi->p->name);
		}
		set(o, pi->p->name, v ? v : json_null());
	}
	gw_buf_release(&b);
	return o;
}

static int ep_status(const struct gw_api_sources *src, const char *gateway_id,
		     const struct gw_api_query *q, struct gw_buf *out)
{
	const struct gw_uplink *up = src->uplink ? *src->uplink : NULL;
	struct gw_buffer_stats b;
	json_t *o = json_object();

	(void)q;
	gw_buffer_get_stats(src->store, &b);
	set(o, "version", json_string(GW_VERSION));
	set(o, "gateway_id", json_string(gateway_id));
	set(o, "store_id", json_string(gw_store_id(src->store)));
	set(o, "time", when(gw_clock_wall_ms()));
	set(o, "uptime_s", json_integer((gw_clock_mono_ms() - src->started_mono_ms) / 1000));
	set(o, "store", store_json(src->store));
	set(o, "uplink", uplink_json(up, &b));
	set(o, "devices", devices_json(src));
	set(o, "discovery", discovery_json(src->disc ? *src->disc : NULL));
	set(o, "plugins", plugins_json(src->plugins));
	return emit(o, out);
}

/* --- /api/v1/devices, /api/v1/candidates ------------------------------------ */

static json_t *str_or_null(const char *s)
{
	return s[0] ? json_string(s) : json_null();
}

static const char *const part_names[5] = {"status", "supplies", "counters", "settings", "jobs"};

static json_t *device_json(const struct gw_device *d)
{
	json_t *o = json_object(), *iv = json_object();

	set(o, "id", json_integer(d->id));
	set(o, "name", json_string(d->spec.name));
	set(o, "address", json_string(d->spec.address));
	set(o, "port", json_integer(d->spec.port ? d->spec.port : 161));
	/* the credentials profile's name only: never a secret */
	set(o, "credentials", json_string(d->spec.credentials));
	set(o, "plugin", d->spec.plugin[0] ? json_string(d->spec.plugin) : json_null());
	set(o, "enabled", json_boolean(d->spec.enabled));
	set(o, "origin", json_string(gw_origin_name(d->origin)));
	set(o, "identity", json_string(gw_identity_name(d->ident)));
	set(o, "serial_number", str_or_null(d->serial));
	set(o, "mac", str_or_null(d->mac));
	set(o, "model", str_or_null(d->model));
	set(o, "added_at", when(d->added_ms));
	set(o, "last_seen_at", when(d->last_seen_ms));
	set(o, "duplicate_of", d->dup_of ? json_integer(d->dup_of) : json_null());
	for (int i = 0; i < 5; i++)
		if (d->spec.interval_ms[i])
			set(iv, part_names[i], json_integer(d->spec.interval_ms[i]));
	set(o, "interval_overrides_ms", iv);
	return o;
}

/*
 * A page of the managed list in id order: ids from q->from, at most q->max
 * (a site may manage tens of thousands: one answer must not hold the loop).
 */
static int ep_devices(const struct gw_api_sources *src, const char *gateway_id,
		      const struct gw_api_query *q, struct gw_buf *out)
{
	json_t *list = json_array();
	unsigned n = gw_devices_count(src->devices), lo = 0, hi = n, i, taken = 0;
	json_t *next = json_null();

	(void)gateway_id;
	/* the first device with id >= from: the list is in id order */
	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;
		if (gw_devices_at(src->devices, mid)->id < q->from)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (i = lo; i < n && taken < q->max; i++, taken++)
		json_array_append_new(list, device_json(gw_devices_at(src->devices, i)));
	if (i < n) {
		json_decref(next);
		next = json_integer(gw_devices_at(src->devices, i)->id);
	}
	return emit(json_pack("{s:I, s:I, s:o, s:o}", "managed", (json_int_t)n, "count",
			      (json_int_t)taken, "devices", list, "next", next), out);
}

static json_t *sources_json(unsigned bits)
{
	json_t *a = json_array();

	if (bits & GW_SRC_SNMP)
		json_array_append_new(a, json_string("snmp"));
	if (bits & GW_SRC_ENPC)
		json_array_append_new(a, json_string("enpc"));
	if (bits & GW_SRC_EPSON)
		json_array_append_new(a, json_string("epson"));
	return a;
}

static json_t *candidate_json(const struct gw_candidate *c)
{
	json_t *o = json_object();

	set(o, "id", json_integer(c->id));
	set(o, "identity", json_string(gw_identity_name(c->ident)));
	set(o, "serial_number", str_or_null(c->serial));
	set(o, "mac", str_or_null(c->mac));
	set(o, "ip", str_or_null(c->ip));
	set(o, "previous_ip", str_or_null(c->prev_ip));
	set(o, "model", str_or_null(c->model));
	set(o, "manufacturer", str_or_null(c->manufacturer));
	set(o, "hostname", str_or_null(c->hostname));
	set(o, "sources", sources_json(c->sources));
	set(o, "details_unknown", json_boolean(c->details_unknown));
	set(o, "found_for_cloud", json_boolean(c->cloud));
	set(o, "run", json_integer(c->run));
	set(o, "first_seen_at", when(c->first_seen_ms));
	set(o, "last_seen_at", when(c->last_seen_ms));
	set(o, "moved_at", when(c->moved_ms));
	return o;
}

static int ep_candidates(const struct gw_api_sources *src, const char *gateway_id,
			 const struct gw_api_query *q, struct gw_buf *out)
{
	const struct gw_candidate **v;
	json_t *list = json_array();
	unsigned n;

	(void)gateway_id;
	(void)q;
	v = calloc(GW_CAND_MAX, sizeof(*v));
	if (!v) {
		json_decref(list);
		return -1;
	}
	n = src->cands ? gw_candidates_list(src->cands, v, GW_CAND_MAX) : 0;
	if (n > GW_CAND_MAX)
		n = GW_CAND_MAX;
	for (unsigned i = 0; i < n; i++)
		json_array_append_new(list, candidate_json(v[i]));
	free(v);
	return emit(json_pack("{s:I, s:o}", "count", (json_int_t)n, "candidates", list), out);
}

/* --- /api/v1/quarantine ------------------------------------------------------ */

struct q_walk {
	struct gw_buf *out;
	unsigned n, max;
	uint64_t next;      /* the seq to go on from; 0: the end was reached */
	int err;
};

static int q_visit(uint64_t seq, int cls, const void *data, size_t len, void *arg)
{
	struct q_walk *w = arg;
	struct gw_record r;
	msgpack_unpacked h;
	size_t start = w->out->len;
	int rc;

	if (w->n == w->max || (w->n && w->out->len > GW_API_MAX_ANSWER)) {
		w->next = seq;
		return 1;
	}
	if (w->n)
		gw_buf_puts(w->out, ",");
	msgpack_unpacked_init(&h);
	rc = cls == GW_BUF_UNKNOWN ? GW_REC_EFORMAT : gw_record_decode(data, len, &r, &h);
	if (rc == GW_REC_OK)
		/* no batch type matches: collection_type is always written */
		rc = gw_record_to_json(&r, (enum gw_collection_type)-1, w->out);
	if (rc != GW_REC_OK) {
		/* kept, but not readable by this build: say so rather than hide it */
		w->out->len = start + (w->n ? 1 : 0);
		gw_buf_printf(w->out, "{\"seq\":%" PRIu64 ",\"unreadable\":\"%s\",\"bytes\":%zu}",
			      seq, gw_record_strerror(rc), len);
	}
	msgpack_unpacked_destroy(&h);
	w->n++;
	return w->out->failed ? -1 : 0;
}

static int ep_quarantine(const struct gw_api_sources *src, const char *gateway_id,
			 const struct gw_api_query *q, struct gw_buf *out)
{
	struct q_walk w = {.out = out, .max = q->max};
	struct gw_buffer_stats b;
	int rc;

	(void)gateway_id;
	gw_buffer_get_stats(src->store, &b);
	gw_buf_printf(out, "{\"quarantined\":%" PRIu64 ",\"quarantine_bytes\":%" PRIu64
		      ",\"records\":[", b.quarantined, b.quarantine_bytes);
	/* one more than asked for: the visit stops before it, and so knows there is more */
	rc = gw_buffer_quarantine_read(src->store, q->from, q->max + 1, q_visit, &w);
	if (rc < 0)
		return -1;
	gw_buf_printf(out, "],\"count\":%u,\"next\":", w.n);
	if (w.next)
		gw_buf_printf(out, "%" PRIu64 "}\n", w.next);
	else
		gw_buf_puts(out, "null}\n");
	return out->failed ? -1 : 0;
}

/* --- /api/v1/audit ---------------------------------------------------------- */

struct a_walk {
	struct gw_buf *out;
	unsigned n;
};

static int a_visit(const char *json, size_t len, void *arg)
{
	struct a_walk *w = arg;

	if (w->n && w->out->len > GW_API_MAX_ANSWER)
		return 1;
	/* the entries were written as JSON by control/audit.c: spliced as they are */
	if (w->n++)
		gw_buf_puts(w->out, ",");
	gw_buf_append(w->out, json, len);
	return w->out->failed ? -1 : 0;
}

static int ep_audit(const struct gw_api_sources *src, const char *gateway_id,
		    const struct gw_api_query *q, struct gw_buf *out)
{
	struct a_walk w = {.out = out};

	(void)gateway_id;
	gw_buf_puts(out, "{\"entries\":[");
	if (gw_audit_read_newest(src->store, q->max, a_visit, &w) < 0)
		return -1;
	gw_buf_printf(out, "],\"count\":%u}\n", w.n);
	return out->failed ? -1 : 0;
}

const struct gw_api_ep gw_api_endpoints[] = {
	{"/api/v1/status", 0, 0, 0, ep_status},
	{"/api/v1/devices", GW_APIQ_FROM | GW_APIQ_MAX, 1000, 10000, ep_devices},
	{"/api/v1/candidates", 0, 0, 0, ep_candidates},
	{"/api/v1/quarantine", GW_APIQ_FROM | GW_APIQ_MAX, 100, 1000, ep_quarantine},
	{"/api/v1/audit", GW_APIQ_MAX, 50, 1000, ep_audit},
	{0},
};
