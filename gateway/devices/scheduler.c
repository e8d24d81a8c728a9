#include "scheduler.h"
#include "events.h"
#include "../core/clock.h"
#include "../core/devdata_pack.h"
#include "../core/log.h"
#include "../store/buffer.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#define SUB "scheduler"
#define N_PARTS 5
#define DUE_SLACK_MS 1000     /* parts due this soon ride along with the poll */
#define FIRST_SPREAD_MS 10000 /* small fleets: first polls within 10 s */
#define SMALL_FLEET 100

struct dstate {
	uint32_t id;
	struct gw_scheduler *s;
	struct event *timer;
	int64_t next[N_PARTS];
	struct gw_collect *job;       /* in flight, or NULL */
	struct gw_plugin_instance *pi;
	unsigned misses;
	int64_t due;                  /* when the poll in flight was due (mono ms) */
	bool offline, on_demand;
	struct gw_complaint down;
	struct gw_ev_state ev;        /* what the last polls said, for events */
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
	/* capacity counters for the stats line (schedule.stats_interval) */
	struct event *stats_timer;
	uint64_t on_time, late;   /* good polls done within / after one interval of due */
	int64_t late_max_ms;      /* worst (done - due) since the last stats line */
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

static void arm(struct dstate *ds, int64_t at_ms)
{
	int64_t delay = at_ms - gw_clock_mono_ms();
	struct timeval tv;

	if (delay < 0)
		delay = 0;
	tv.tv_sec = delay / 1000;
	tv.tv_usec = (delay % 1000) * 1000;
	evtimer_add(ds->timer, &tv);
}

static int64_t earliest(const struct dstate *ds)
{
	int64_t m = ds->next[0];

	for (int p = 1; p < N_PARTS; p++)
		if (ds->next[p] < m)
			m = ds->next[p];
	return m;
}

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
	unsigned n = gw_events_detect(&ds->ev, data, at_ms, NULL, ev, 16);

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

static void poll_done(struct gw_collect *job, int status)
{
	struct dstate *ds = job->core_arg;
	struct gw_scheduler *s = ds->s;
	const struct gw_device *d = gw_devices_get(s->devices, ds->id);
	const struct gw_conf_schedule *sc = s->conf->schedule;
	int64_t now = gw_clock_mono_ms();

	ds->job = NULL;
	s->st.in_flight--;
	if (!d || !s->running) {
		job_free(job);
		return;
	}
	if (status == 0) {
		s->st.polls_ok++;
		if (!ds->on_demand && !ds->offline) {
			int64_t lag = now - ds->due;
			if (lag <= interval_of(s, d, 0))
				s->on_time++;
			else
				s->late++;
			if (lag > s->late_max_ms)
				s->late_max_ms = lag;
		}
		if (ds->offline) {
			s->st.offline--;
			s->st.online++;
			gw_complaint_clear(&ds->down, SUB, "%s: answering again", d->spec.name);
		}
		ds->offline = false;
		ds->misses = 0;
		for (int p = 0; p < N_PARTS; p++)
			if (job->parts & (1u << p))
				ds->next[p] = now + jittered(s, interval_of(s, d, p));
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
		/* asleep in power save? try again soon; offline: slowly */
		int64_t retry = ds->offline ? jittered(s, sc->offline_interval_ms)
					    : sc->power_save_retry_ms;
		for (int p = 0; p < N_PARTS; p++)
			if (job->parts & (1u << p))
				ds->next[p] = now + retry;
	}
	ds->on_demand = false;
	job_free(job);
	arm(ds, earliest(ds));
}

static void start_poll(struct dstate *ds)
{
	struct gw_scheduler *s = ds->s;
	const struct gw_device *d = gw_devices_get(s->devices, ds->id);
	const struct gw_credentials *cred;
	int64_t now = gw_clock_mono_ms();
	struct gw_collect *job;
	unsigned parts = 0;
	int rc;

	if (!d || ds->job || !s->running)
		return;
	ds->due = earliest(ds);
	for (int p = 0; p < N_PARTS; p++)
		if (ds->next[p] <= now + DUE_SLACK_MS || ds->on_demand || ds->offline)
			parts |= 1u << p;
	ds->pi = gw_plugins_collector(s->plugins, d->spec.plugin[0] ? d->spec.plugin : NULL);
	cred = gw_config_credentials(s->conf, d->spec.credentials);
	if (!ds->pi || !cred) {
		gw_complain(&ds->down, GW_LOG_ERROR, SUB, "%s: %s", d->spec.name,
			    !ds->pi ? "no plugin in this build collects from it"
				    : "its credentials profile does not exist");
		for (int p = 0; p < N_PARTS; p++)
			ds->next[p] = now + s->conf->schedule->offline_interval_ms;
		arm(ds, earliest(ds));
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
	job->addr = d->addr;
	job->addrlen = d->addrlen;
	job->cred = cred;
	job->parts = parts;
	job->timeout_ms = s->conf->schedule->timeout_ms;
	job->retries = (unsigned)s->conf->schedule->retries;
	job->user_hash_key = s->user_key_len ? s->user_key : NULL;
	job->user_hash_key_len = s->user_key_len;
	job->done = poll_done;
	job->core_arg = ds;
	ds->job = job;
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

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	start_poll(arg);
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
	ds->timer = evtimer_new(s->base, on_timer, ds);
	if (!ds->timer) {
		free(ds);
		return;
	}
	memmove(&s->v[pos + 1], &s->v[pos], (s->n - pos) * sizeof(*s->v));
	s->v[pos] = ds;
	s->n++;
	s->st.devices++;
	s->st.online++;
	/* spread the first polls so that a restart is not a burst */
	int64_t spread = gw_devices_count(s->devices) <= SMALL_FLEET ? FIRST_SPREAD_MS
		: interval_of(s, d, 0);
	first = now + (int64_t)(rnd_next(s) % (uint64_t)(spread > 0 ? spread : 1));
	for (int p = 0; p < N_PARTS; p++)
		ds->next[p] = first;
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
	event_free(ds->timer);
	if (ds->offline)
		s->st.offline--;
	else
		s->st.online--;
	s->st.devices--;
	memmove(&s->v[pos], &s->v[pos + 1], (s->n - pos - 1) * sizeof(*s->v));
	s->n--;
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
	gw_notice(SUB, "stats: devices %u online %u offline %u in_flight %u started %llu "
		  "ok %llu failed %llu on_time %llu late %llu records %llu late_max_ms %lld",
		  s->st.devices, s->st.online, s->st.offline, s->st.in_flight,
		  (unsigned long long)s->st.polls_started, (unsigned long long)s->st.polls_ok,
		  (unsigned long long)s->st.polls_failed, (unsigned long long)s->on_time,
		  (unsigned long long)s->late, (unsigned long long)s->st.records,
		  (long long)s->late_max_ms);
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
	if (getrandom(&s->rnd, sizeof(s->rnd), 0) != sizeof(s->rnd) || !s->rnd)
		s->rnd = 0x9e3779b97f4a7c15ull;
	if (base && !(s->stats_timer = event_new(base, -1, EV_PERSIST, on_stats, s))) {
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
		arm(s->v[i], earliest(s->v[i]));
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
		evtimer_del(s->v[i]->timer);
	}
}

void gw_scheduler_free(struct gw_scheduler *s)
{
	if (!s)
		return;
	gw_scheduler_stop(s);
	while (s->n)
		untrack(s, s->v[s->n - 1]->id);
	if (s->stats_timer)
		event_free(s->stats_timer);
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
	evtimer_del(ds->timer);
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
