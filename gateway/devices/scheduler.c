#include "scheduler.h"
#include "events.h"
#include "../core/clock.h"
#include "../core/devdata_pack.h"
#include "../core/log.h"
#include "../store/buffer.h"

#include <arpa/inet.h>
#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#define SUB "scheduler"
#define N_PARTS 5
#define FIRST_SPREAD_MS 10000 /* small fleets: first polls within 10 s */
#define SMALL_FLEET 100
#define ON_TIME_SLACK_MS 1000 /* a poll this much past its interval (and jitter) is late */
#define FIRE_BATCH 1024       /* due polls started per timer callback, then I/O gets a turn */
#define TICK_MS 250           /* occasions start together on these boundaries */
/*
 * Polls in flight at most. Past it, due polls wait in the heap (16 bytes
 * each) rather than as polls queued behind the SNMP window (tens of kB
 * each): with many dead or slow printers, demand can exceed the window for
 * minutes, and memory would grow with the queue.
 */
#define MAX_POLLS_IN_FLIGHT 1024
#define NOT_ARMED UINT32_MAX
/*
 * A poll borrows tens of kB (requests, answers, the device's data) and gives
 * them back when it ends; between bursts of polls the freed memory lies in
 * the middle of the heap, where free() keeps it. It goes back to the system
 * when no poll is in flight (at most every TRIM_IDLE_MS), or every
 * TRIM_BUSY_MS in a fleet that is never idle.
 */
#define TRIM_IDLE_MS 10000
#define TRIM_BUSY_MS 60000

/*
 * When a device is polled: each device has one poll occasion at a time,
 * kept in one min-heap of the scheduler (a single libevent timer for the
 * whole fleet, not one event per device). Occasions follow the device's
 * shortest part interval L, counted from the start of the previous poll,
 * with jitter, so the cadence holds however long a poll takes. Every part
 * due before the midpoint to the next occasion (now + L/2) is read in that
 * poll: parts with longer intervals ride along with a status poll instead
 * of costing a poll of their own, and are read within about L/2 of when
 * they are due.
 */
struct dstate {
	uint32_t id;
	uint32_t heap_at;             /* index in the timer heap, NOT_ARMED */
	struct gw_scheduler *s;
	int64_t next[N_PARTS];        /* when each part is due (mono ms) */
	int64_t occasion;             /* the next poll (mono ms) */
	int64_t planned;              /* the occasion after the poll in flight */
	int64_t due;                  /* when the poll in flight was planned */
	int64_t last_ok;              /* end of the last good poll, 0: none yet */
	struct gw_collect *job;       /* in flight, or NULL */
	struct gw_plugin_instance *pi;
	unsigned misses;
	bool offline, on_demand;
	uint16_t ev_len;
	uint8_t *ev;                  /* what the last polls said, for events, packed */
	struct gw_complaint down;
};

struct heap_ent {
	int64_t at;
	struct dstate *ds;
};

struct gw_scheduler {
	struct event_base *base;
	struct gw_devices *devices;
	struct gw_plugins *plugins;
	struct gw_store *store;
	const struct gw_config *conf;
	struct dstate **v;        /* sorted by id */
	unsigned n, cap;
	bool running;
	uint64_t rnd;
	struct gw_sched_stats st;
	/* the poll occasions of every device: a min-heap on one timer */
	struct heap_ent *heap;
	unsigned heap_n, heap_cap;
	struct event *timer;
	int64_t timer_at;         /* what the timer is set for, INT64_MAX: nothing */
	/* capacity counters for the stats line (schedule.stats_interval) */
	struct event *stats_timer;
	uint64_t on_time, late;   /* good scheduled polls within / past their interval */
	int64_t late_max_ms;      /* worst overrun since the last stats line */
	unsigned answering;       /* devices that answered at least once */
	uint64_t held;            /* due polls that waited for room (MAX_POLLS_IN_FLIGHT) */
	int64_t trimmed_ms;       /* the heap last given back (mono) */
	struct gw_ev_state ev_scratch; /* one device's event state, unpacked */
	uint8_t ev_buf[sizeof(struct gw_ev_state)];
	uint8_t user_key[64];
	size_t user_key_len;
};

static uint64_t rnd_next(struct gw_scheduler *s)
{
	/* xorshift64*: jitter only, not security */
	s->rnd ^= s->rnd >> 12;
	s->rnd ^= s->rnd << 25;
	s->rnd ^= s->rnd >> 27;
	return s->rnd * 2685821657736338717ull;
}

static int64_t interval_of(const struct gw_scheduler *s, const struct gw_device *d, int part)
{
	int64_t v = d->spec.interval_ms[part];

	return v > 0 ? v : s->conf->schedule->interval_ms[part];
}

/* The shortest part interval: the device's poll cadence. */
static int64_t lead_interval(const struct gw_scheduler *s, const struct gw_device *d)
{
	int64_t m = interval_of(s, d, 0);

	for (int p = 1; p < N_PARTS; p++) {
		int64_t v = interval_of(s, d, p);
		if (v < m)
			m = v;
	}
	return m;
}

static int64_t jittered(struct gw_scheduler *s, int64_t interval)
{
	int64_t span = interval * s->conf->schedule->jitter_percent / 100;

	if (span <= 0)
		return interval;
	return interval - span + (int64_t)(rnd_next(s) % (uint64_t)(2 * span + 1));
}

static struct dstate *find(const struct gw_scheduler *s, uint32_t id, unsigned *pos)
{
	unsigned lo = 0, hi = s->n;

	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;
		if (s->v[mid]->id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (pos)
		*pos = lo;
	return lo < s->n && s->v[lo]->id == id ? s->v[lo] : NULL;
}

/* ---- the timer heap ---- */

static void timer_sync(struct gw_scheduler *s);

static void heap_set(struct gw_scheduler *s, unsigned i, struct heap_ent e)
{
	s->heap[i] = e;
	e.ds->heap_at = i;
}

static void heap_up(struct gw_scheduler *s, unsigned i)
{
	struct heap_ent e = s->heap[i];

	while (i > 0) {
		unsigned parent = (i - 1) / 2;
		if (s->heap[parent].at <= e.at)
			break;
		heap_set(s, i, s->heap[parent]);
		i = parent;
	}
	heap_set(s, i, e);
}

static void heap_down(struct gw_scheduler *s, unsigned i)
{
	struct heap_ent e = s->heap[i];

	for (;;) {
		unsigned c = 2 * i + 1;
		if (c >= s->heap_n)
			break;
		if (c + 1 < s->heap_n && s->heap[c + 1].at < s->heap[c].at)
			c++;
		if (e.at <= s->heap[c].at)
			break;
		heap_set(s, i, s->heap[c]);
		i = c;
	}
	heap_set(s, i, e);
}

static void heap_remove(struct gw_scheduler *s, struct dstate *ds)
{
	unsigned i = ds->heap_at;

	if (i == NOT_ARMED)
		return;
	ds->heap_at = NOT_ARMED;
	if (--s->heap_n == i)
		return;
	struct heap_ent moved = s->heap[s->heap_n];

	heap_set(s, i, moved);
	heap_up(s, i);
	heap_down(s, moved.ds->heap_at);
}

/* Point the one libevent timer at the earliest occasion. */
static void timer_sync(struct gw_scheduler *s)
{
	int64_t at = s->heap_n && s->running && s->st.in_flight < MAX_POLLS_IN_FLIGHT
		? s->heap[0].at : INT64_MAX;
	struct timeval tv;
	int64_t delay;

	/*
	 * Polls due within one tick start together: their requests leave in
	 * the same system calls and their answers come back in bursts that one
	 * wake-up reads, instead of one wake-up per answer.
	 */
	if (at != INT64_MAX)
		at = (at + TICK_MS - 1) / TICK_MS * TICK_MS;
	if (at == s->timer_at || !s->timer)
		return;
	s->timer_at = at;
	if (at == INT64_MAX) {
		evtimer_del(s->timer);
		return;
	}
	delay = at - gw_clock_mono_ms();
	if (delay < 0)
		delay = 0;
	tv.tv_sec = delay / 1000;
	tv.tv_usec = (delay % 1000) * 1000;
	evtimer_add(s->timer, &tv);
}

/* Set the device's next poll occasion. */
static void arm(struct dstate *ds, int64_t at_ms)
{
	struct gw_scheduler *s = ds->s;

	ds->occasion = at_ms;
	if (ds->heap_at == NOT_ARMED) {
		if (s->heap_n == s->heap_cap) {
			unsigned cap = s->heap_cap ? s->heap_cap * 2 : 64;
			struct heap_ent *h = realloc(s->heap, cap * sizeof(*h));
			if (!h) {
				gw_err(SUB, "out of memory: a device is not scheduled");
				return;
			}
			s->heap = h;
			s->heap_cap = cap;
		}
		heap_set(s, s->heap_n++, (struct heap_ent){at_ms, ds});
		heap_up(s, s->heap_n - 1);
	} else {
		unsigned i = ds->heap_at;
		s->heap[i].at = at_ms;
		heap_up(s, i);
		heap_down(s, ds->heap_at);
	}
	timer_sync(s);
}

static void disarm(struct dstate *ds)
{
	heap_remove(ds->s, ds);
	timer_sync(ds->s);
}

/* ---- the event state of a device, packed between polls ---- */

/*
 * struct gw_ev_state has room for 32 errors and 32 supplies (2 kB); a
 * printer uses a hundred bytes of it or less. Between polls it is kept
 * packed: the counters, then each error as severity, length, code, each
 * supply as band, state and the 8-byte digest of its name. Every field of
 * struct gw_ev_state must be carried here.
 */
static size_t ev_pack(const struct gw_ev_state *e, uint8_t *out)
{
	uint8_t *p = out;
	unsigned ne = e->n_errors < GW_EV_MAX_ERRORS ? e->n_errors : GW_EV_MAX_ERRORS;
	unsigned ns = e->n_supplies < GW_EV_MAX_SUPPLIES ? e->n_supplies : GW_EV_MAX_SUPPLIES;

	*p++ = (uint8_t)(e->status_known | e->errors_known << 1 | e->supplies_known << 2);
	*p++ = (uint8_t)e->status;
	*p++ = (uint8_t)ne;
	*p++ = (uint8_t)ns;
	memcpy(p, &e->window_start_ms, 8);
	memcpy(p + 8, &e->in_window, 4);
	memcpy(p + 12, &e->suppressed, 4);
	p += 16;
	for (unsigned i = 0; i < ne; i++) {
		size_t n = strnlen(e->errors[i].code, GW_EV_CODE - 1);
		*p++ = (uint8_t)e->errors[i].severity;
		*p++ = (uint8_t)n;
		memcpy(p, e->errors[i].code, n);
		p += n;
	}
	for (unsigned i = 0; i < ns; i++) {
		*p++ = (uint8_t)e->supplies[i].band;
		*p++ = (uint8_t)e->supplies[i].state;
		memcpy(p, &e->supplies[i].key, 8);
		p += 8;
	}
	return (size_t)(p - out);
}

static void ev_unpack(const uint8_t *p, size_t len, struct gw_ev_state *e)
{
	memset(e, 0, sizeof(*e));
	if (len < 20)
		return;
	e->status_known = p[0] & 1;
	e->errors_known = p[0] >> 1 & 1;
	e->supplies_known = p[0] >> 2 & 1;
	e->status = (enum gw_printer_status)p[1];
	e->n_errors = p[2];
	e->n_supplies = p[3];
	memcpy(&e->window_start_ms, p + 4, 8);
	memcpy(&e->in_window, p + 12, 4);
	memcpy(&e->suppressed, p + 16, 4);
	p += 20;
	for (unsigned i = 0; i < e->n_errors; i++) {
		e->errors[i].severity = (enum gw_severity)p[0];
		memcpy(e->errors[i].code, p + 2, p[1]);
		p += 2 + p[1];
	}
	for (unsigned i = 0; i < e->n_supplies; i++) {
		e->supplies[i].band = (int8_t)p[0];
		e->supplies[i].state = (enum gw_supply_state)p[1];
		memcpy(&e->supplies[i].key, p + 2, 8);
		p += 10;
	}
}

static void ev_store(struct dstate *ds, const struct gw_ev_state *e)
{
	struct gw_scheduler *s = ds->s;
	size_t n = ev_pack(e, s->ev_buf);
	uint8_t *v = n == ds->ev_len ? ds->ev : realloc(ds->ev, n);

	if (!v)
		return; /* the old state stays: at worst an event is told twice */
	memcpy(v, s->ev_buf, n);
	ds->ev = v;
	ds->ev_len = (uint16_t)n;
}

/* ---- polls ---- */

static void job_free(struct gw_collect *job)
{
	if (!job)
		return;
	gw_devdata_free(job->data);
	free(job);
}

static void cancel_job(struct dstate *ds)
{
	if (!ds->job)
		return;
	if (ds->pi && ds->pi->p->cancel)
		ds->pi->p->cancel(ds->pi->ctx, ds->job);
	job_free(ds->job);
	ds->job = NULL;
	ds->s->st.in_flight--;
}

/* A change since the last poll: an event record at once (rate-capped in events.c). */
static void emit_events(struct gw_scheduler *s, struct dstate *ds, const struct gw_device *d,
			const struct gw_devdata *data, int64_t at_ms)
{
	struct gw_event ev[16];
	unsigned n;

	ev_unpack(ds->ev, ds->ev_len, &s->ev_scratch);
	n = gw_events_detect(&s->ev_scratch, data, at_ms, NULL, ev, 16);
	ev_store(ds, &s->ev_scratch);

	for (unsigned i = 0; i < n; i++) {
		struct gw_buf body;
		struct gw_record r;

		gw_buf_init(&body);
		if (gw_event_pack_body(&ev[i], data, &body) == 0) {
			r = (struct gw_record){
				.format = GW_RECORD_FORMAT, .kind = GW_REC_EVENT, .ctype = GW_CT_EVENT,
				.collected_ms = at_ms, .created_ms = gw_clock_wall_ms(),
				.device_id = d->id, .body = body.data, .body_len = body.len,
			};
			if (gw_buffer_append(s->store, &r, NULL, NULL) == 0)
				s->st.records++;
		}
		gw_buf_release(&body);
	}
}

static void emit_snapshot(struct gw_scheduler *s, struct dstate *ds, const struct gw_device *d,
			  struct gw_devdata *data)
{
	char ip[64];
	struct gw_buf body;
	struct gw_record r;

	if (!data->ip) {
		const void *a = d->addr.ss_family == AF_INET
			? (const void *)&((const struct sockaddr_in *)&d->addr)->sin_addr
			: (const void *)&((const struct sockaddr_in6 *)&d->addr)->sin6_addr;
		if (inet_ntop(d->addr.ss_family, a, ip, sizeof(ip)))
			data->ip = gw_dd_str(data, ip);
	}
	if (!data->model) {
		gw_warn(SUB, "%s: the device gave no model name; no snapshot", d->spec.name);
		return;
	}
	gw_devices_seen(s->devices, d->id, data->serial_number, data->mac, data->model,
			gw_clock_wall_ms());
	gw_buf_init(&body);
	if (gw_devdata_pack_body(data, &body) < 0) {
		gw_buf_release(&body);
		return;
	}
	r = (struct gw_record){
		.format = GW_RECORD_FORMAT,
		.kind = GW_REC_SNAPSHOT,
		.ctype = ds->on_demand ? GW_CT_ON_DEMAND : GW_CT_SCHEDULED,
		.collected_ms = data->acquired_ms != GW_ABSENT ? data->acquired_ms
							     : gw_clock_wall_ms(),
		.created_ms = gw_clock_wall_ms(),
		.device_id = d->id,
		.body = body.data,
		.body_len = body.len,
	};
	if (gw_buffer_append(s->store, &r, NULL, NULL) == 0)
		s->st.records++;
	gw_buf_release(&body);
	emit_events(s, ds, d, data, r.collected_ms);
}

static void trim(struct gw_scheduler *s, int64_t now)
{
	if (now - s->trimmed_ms < (s->st.in_flight ? TRIM_BUSY_MS : TRIM_IDLE_MS))
		return;
	s->trimmed_ms = now;
#ifdef __GLIBC__
	malloc_trim(0);
#endif
}

static void poll_done(struct gw_collect *job, int status)
{
	struct dstate *ds = job->core_arg;
	struct gw_scheduler *s = ds->s;
	const struct gw_device *d = gw_devices_get(s->devices, ds->id);
	const struct gw_conf_schedule *sc = s->conf->schedule;
	int64_t now = gw_clock_mono_ms(), next;

	ds->job = NULL;
	s->st.in_flight--;
	if (!d || !s->running) {
		job_free(job);
		timer_sync(s); /* room for a poll that waits */
		return;
	}
	if (status == 0) {
		int64_t lead = lead_interval(s, d);

		s->st.polls_ok++;
		if (!ds->on_demand) {
			/* on time: within one interval (and its jitter) of the last good poll */
			int64_t allow = lead + lead * sc->jitter_percent / 100 + ON_TIME_SLACK_MS;
			int64_t over = ds->last_ok ? now - ds->last_ok - allow : now - ds->due - lead;
			if (over <= 0)
				s->on_time++;
			else
				s->late++;
			if (over > s->late_max_ms)
				s->late_max_ms = over;
		}
		if (!ds->last_ok)
			s->answering++;
		ds->last_ok = now;
		if (ds->offline) {
			s->st.offline--;
			s->st.online++;
			gw_complaint_clear(&ds->down, SUB, "%s: answering again", d->spec.name);
		}
		ds->offline = false;
		ds->misses = 0;
		/* the parts read are due again one interval after this poll began */
		for (int p = 0; p < N_PARTS; p++)
			if (job->parts & (1u << p))
				ds->next[p] = ds->planned - lead + interval_of(s, d, p);
		next = ds->planned;
		emit_snapshot(s, ds, d, job->data);
	} else {
		s->st.polls_failed++;
		ds->misses++;
		gw_complain(&ds->down, GW_LOG_WARNING, SUB, "%s: poll failed: %s", d->spec.name,
			    strerror(-status));
		if (!ds->offline && ds->misses >= (unsigned)sc->offline_after) {
			ds->offline = true;
			s->st.offline++;
			s->st.online--;
			gw_warn(SUB, "%s: offline after %u missed polls", d->spec.name, ds->misses);
		}
		/* the parts stay due. Asleep in power save? try again soon; offline: slowly */
		next = now + (ds->offline ? jittered(s, sc->offline_interval_ms)
					  : sc->power_save_retry_ms);
	}
	ds->on_demand = false;
	job_free(job);
	arm(ds, next > now ? next : now);
	trim(s, now);
}

static void start_poll(struct dstate *ds)
{
	struct gw_scheduler *s = ds->s;
	const struct gw_device *d = gw_devices_get(s->devices, ds->id);
	const struct gw_credentials *cred;
	int64_t now = gw_clock_mono_ms(), lead;
	struct gw_collect *job;
	unsigned parts = 0;
	int rc;

	if (!d || ds->job || !s->running)
		return;
	lead = lead_interval(s, d);
	/* parts due before the midpoint to the next occasion ride along */
	for (int p = 0; p < N_PARTS; p++)
		if (ds->next[p] <= now + lead / 2 || ds->on_demand || ds->offline)
			parts |= 1u << p;
	ds->pi = gw_plugins_collector(s->plugins, d->spec.plugin[0] ? d->spec.plugin : NULL);
	cred = gw_config_credentials(s->conf, d->spec.credentials);
	if (!ds->pi || !cred) {
		gw_complain(&ds->down, GW_LOG_ERROR, SUB, "%s: %s", d->spec.name,
			    !ds->pi ? "no plugin in this build collects from it"
				    : "its credentials profile does not exist");
		arm(ds, now + s->conf->schedule->offline_interval_ms);
		return;
	}
	job = calloc(1, sizeof(*job));
	if (!job || !(job->data = gw_devdata_new())) {
		free(job);
		arm(ds, now + 1000);
		return;
	}
	job->device_id = d->id;
	job->device_name = d->spec.name;
	memcpy(&job->addr, &d->addr, d->addrlen);
	job->addrlen = d->addrlen;
	job->cred = cred;
	job->parts = parts;
	job->timeout_ms = s->conf->schedule->timeout_ms;
	/*
	 * A device that missed its last poll gets one try per request: the
	 * next poll (power_save_retry, then offline_interval) is its retry. A
	 * dead printer then holds a slot of the plugin's window for one
	 * timeout (2 s), not for the whole back-off (2 + 4 + 8 s): with a
	 * third of the fleet dead, those slots were what live printers waited
	 * for.
	 */
	job->retries = ds->misses ? 0 : (unsigned)s->conf->schedule->retries;
	job->user_hash_key = s->user_key_len ? s->user_key : NULL;
	job->user_hash_key_len = s->user_key_len;
	job->done = poll_done;
	job->core_arg = ds;
	ds->job = job;
	/* the cadence counts from when this poll was meant to start, however long it takes */
	ds->due = ds->on_demand || ds->occasion > now ? now : ds->occasion;
	ds->planned = (ds->due > now - lead / 2 ? ds->due : now) + jittered(s, lead);
	s->st.in_flight++;
	s->st.polls_started++;
	rc = ds->pi->p->collect(ds->pi->ctx, job);
	if (rc < 0) {
		ds->job = NULL;
		s->st.in_flight--;
		job_free(job);
		gw_complain(&ds->down, GW_LOG_ERROR, SUB, "%s: poll could not start: %s",
			    d->spec.name, strerror(-rc));
		arm(ds, now + s->conf->schedule->power_save_retry_ms);
	}
}

/* The earliest occasions are due: start their polls, a batch at a time. */
static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct gw_scheduler *s = arg;
	int64_t now = gw_clock_mono_ms();

	(void)fd;
	(void)what;
	s->timer_at = INT64_MAX; /* fired: not pending any more */
	for (unsigned k = 0; k < FIRE_BATCH && s->heap_n && s->heap[0].at <= now &&
			     s->st.in_flight < MAX_POLLS_IN_FLIGHT; k++) {
		struct dstate *ds = s->heap[0].ds;

		heap_remove(s, ds);
		start_poll(ds);
	}
	if (s->heap_n && s->heap[0].at <= now && s->st.in_flight >= MAX_POLLS_IN_FLIGHT)
		s->held++;
	timer_sync(s);
}

static void track(struct gw_scheduler *s, const struct gw_device *d)
{
	unsigned pos;
	struct dstate *ds;
	int64_t now = gw_clock_mono_ms(), first;

	if (find(s, d->id, &pos) || !d->spec.enabled)
		return;
	if (s->n == s->cap) {
		unsigned cap = s->cap ? s->cap * 2 : 64;
		struct dstate **v = realloc(s->v, cap * sizeof(*v));
		if (!v)
			return;
		s->v = v;
		s->cap = cap;
	}
	ds = calloc(1, sizeof(*ds));
	if (!ds)
		return;
	ds->id = d->id;
	ds->s = s;
	ds->heap_at = NOT_ARMED;
	memmove(&s->v[pos + 1], &s->v[pos], (s->n - pos) * sizeof(*s->v));
	s->v[pos] = ds;
	s->n++;
	s->st.devices++;
	s->st.online++;
	/* spread the first polls so that a restart is not a burst */
	int64_t spread = gw_devices_count(s->devices) <= SMALL_FLEET ? FIRST_SPREAD_MS
		: lead_interval(s, d);
	first = now + (int64_t)(rnd_next(s) % (uint64_t)(spread > 0 ? spread : 1));
	for (int p = 0; p < N_PARTS; p++)
		ds->next[p] = first;
	ds->occasion = first;
	if (s->running)
		arm(ds, first);
}

static void untrack(struct gw_scheduler *s, uint32_t id)
{
	unsigned pos;
	struct dstate *ds = find(s, id, &pos);

	if (!ds)
		return;
	cancel_job(ds);
	disarm(ds);
	if (ds->offline)
		s->st.offline--;
	else
		s->st.online--;
	if (ds->last_ok)
		s->answering--;
	s->st.devices--;
	memmove(&s->v[pos], &s->v[pos + 1], (s->n - pos - 1) * sizeof(*s->v));
	s->n--;
	free(ds->ev);
	free(ds);
}

static void on_change(enum gw_dev_change c, const struct gw_device *d, void *arg)
{
	struct gw_scheduler *s = arg;

	untrack(s, d->id);
	if (c != GW_DEV_REMOVED)
		track(s, d);
}

/* The capacity line: cumulative counters, so a reader takes differences. */
static void on_stats(evutil_socket_t fd, short what, void *arg)
{
	struct gw_scheduler *s = arg;
	struct gw_buf b;

	(void)fd;
	(void)what;
	gw_notice(SUB, "stats: devices %u online %u offline %u answering %u in_flight %u "
		  "started %llu ok %llu failed %llu on_time %llu late %llu records %llu "
		  "held %llu late_max_ms %lld",
		  s->st.devices, s->st.online, s->st.offline, s->answering, s->st.in_flight,
		  (unsigned long long)s->st.polls_started, (unsigned long long)s->st.polls_ok,
		  (unsigned long long)s->st.polls_failed, (unsigned long long)s->on_time,
		  (unsigned long long)s->late, (unsigned long long)s->st.records,
		  (unsigned long long)s->held, (long long)s->late_max_ms);
	s->late_max_ms = 0;
	for (unsigned i = 0; i < s->plugins->n; i++) {
		const struct gw_plugin_instance *pi = &s->plugins->v[i];

		if (!pi->p->stats || !pi->ctx)
			continue;
		gw_buf_init(&b);
		pi->p->stats(pi->ctx, &b);
		if (!b.failed)
			gw_notice(SUB, "stats %s: {%.*s}", pi->p->name, (int)b.len, (char *)b.data);
		gw_buf_release(&b);
	}
}

static void stats_arm(struct gw_scheduler *s)
{
	int64_t every = s->conf ? s->conf->schedule->stats_interval_ms : 0;
	struct timeval tv = {every / 1000, (every % 1000) * 1000};

	if (!s->stats_timer)
		return;
	evtimer_del(s->stats_timer);
	if (every > 0 && s->running)
		event_add(s->stats_timer, &tv);
}

struct gw_scheduler *gw_scheduler_new(struct event_base *base, struct gw_devices *devices,
				      struct gw_plugins *plugins, struct gw_store *store)
{
	struct gw_scheduler *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->base = base;
	s->devices = devices;
	s->plugins = plugins;
	s->store = store;
	s->timer_at = INT64_MAX;
	if (getrandom(&s->rnd, sizeof(s->rnd), 0) != sizeof(s->rnd) || !s->rnd)
		s->rnd = 0x9e3779b97f4a7c15ull;
	if (base && (!(s->timer = evtimer_new(base, on_timer, s)) ||
		     !(s->stats_timer = event_new(base, -1, EV_PERSIST, on_stats, s)))) {
		if (s->timer)
			event_free(s->timer);
		free(s);
		return NULL;
	}
	gw_devices_listen(devices, on_change, s);
	return s;
}

void gw_scheduler_configure(struct gw_scheduler *s, const struct gw_config *conf)
{
	/* polls in flight borrow credentials from the old configuration */
	for (unsigned i = 0; i < s->n; i++) {
		if (s->v[i]->job) {
			cancel_job(s->v[i]);
			if (s->running)
				arm(s->v[i], gw_clock_mono_ms() + 1000);
		}
	}
	s->conf = conf;
	stats_arm(s);
}

void gw_scheduler_start(struct gw_scheduler *s)
{
	s->running = true;
	for (unsigned i = 0; i < gw_devices_count(s->devices); i++)
		track(s, gw_devices_at(s->devices, i));
	for (unsigned i = 0; i < s->n; i++)
		arm(s->v[i], s->v[i]->occasion);
	stats_arm(s);
}

void gw_scheduler_stop(struct gw_scheduler *s)
{
	if (!s)
		return;
	s->running = false;
	if (s->stats_timer)
		evtimer_del(s->stats_timer);
	for (unsigned i = 0; i < s->n; i++) {
		cancel_job(s->v[i]);
		heap_remove(s, s->v[i]);
	}
	timer_sync(s);
}

void gw_scheduler_free(struct gw_scheduler *s)
{
	if (!s)
		return;
	gw_scheduler_stop(s);
	while (s->n)
		untrack(s, s->v[s->n - 1]->id);
	if (s->timer)
		event_free(s->timer);
	if (s->stats_timer)
		event_free(s->stats_timer);
	free(s->heap);
	free(s->v);
	free(s);
}

int gw_scheduler_poll_now(struct gw_scheduler *s, uint32_t device_id)
{
	struct dstate *ds = find(s, device_id, NULL);

	if (!ds)
		return -ENOENT;
	if (ds->job)
		return -EBUSY;
	ds->on_demand = true;
	arm(ds, gw_clock_mono_ms());
	return 0;
}

void gw_scheduler_get_stats(const struct gw_scheduler *s, struct gw_sched_stats *st)
{
	*st = s->st;
}

void gw_scheduler_set_user_key(struct gw_scheduler *s, const uint8_t *key, size_t len)
{
	if (len > sizeof(s->user_key))
		len = sizeof(s->user_key);
	memcpy(s->user_key, key, len);
	s->user_key_len = len;
}
