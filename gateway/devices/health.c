#include "health.h"
#include "fleet.h"
#include "../core/clock.h"
#include "../core/log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define SUB "health"
#define SILENT_DEFAULT_MS (24 * 3600 * 1000LL)

struct dev_state {
	uint32_t id;
	bool silent;
	bool never_told;          /* "never answered" was logged */
	int64_t since_ms;         /* silent since (its last answer), wall clock */
};

struct gw_health {
	struct event_base *base;
	struct gw_devices *devices;
	struct gw_store *store;
	struct event *timer;
	int64_t silent_after_ms;
	int64_t started_ms;       /* wall clock */
	struct dev_state *v;      /* sorted by id */
	unsigned n, cap;
	struct gw_health_stats st;
};

static struct dev_state *state_of(struct gw_health *h, uint32_t id)
{
	unsigned lo = 0, hi = h->n;

	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;
		if (h->v[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < h->n && h->v[lo].id == id)
		return &h->v[lo];
	if (h->n == h->cap) {
		unsigned cap = h->cap ? h->cap * 2 : 64;
		struct dev_state *v = realloc(h->v, cap * sizeof(*v));
		if (!v)
			return NULL;
		h->v = v;
		h->cap = cap;
	}
	memmove(&h->v[lo + 1], &h->v[lo], (h->n - lo) * sizeof(*h->v));
	h->v[lo] = (struct dev_state){.id = id};
	h->n++;
	return &h->v[lo];
}

/* Forget the state of devices no longer managed. */
static void prune(struct gw_health *h)
{
	unsigned k = 0;

	for (unsigned i = 0; i < h->n; i++) {
		if (!gw_devices_get(h->devices, h->v[i].id)) {
			if (h->v[i].silent)
				h->st.silent--;
			continue;
		}
		h->v[k++] = h->v[i];
	}
	h->n = k;
}

static void emit(struct gw_health *h, const struct gw_device *d, const struct gw_fact *f,
		 unsigned n)
{
	struct gw_ident id;
	char ip[64];

	if (!d->model[0])
		return;   /* the contract's device object needs a model: logged only */
	gw_ident_of_device(d, &id, ip);
	gw_fleet_record(h->store, GW_REC_EVENT, d->id, &id, "event", f, n);
}

static void check_one(struct gw_health *h, const struct gw_device *d, int64_t now)
{
	struct dev_state *s = state_of(h, d->id);
	int64_t from;

	if (!s)
		return;
	if (!d->spec.enabled) {
		if (s->silent)
			h->st.silent--;
		s->silent = false;
		return;
	}
	/* counted from the later of its last answer and the gateway's start */
	from = d->last_seen_ms > h->started_ms ? d->last_seen_ms : h->started_ms;
	if (now - from >= h->silent_after_ms && !s->silent) {
		s->silent = true;
		s->since_ms = d->last_seen_ms;
		h->st.silent++;
		if (!d->last_seen_ms) {
			if (!s->never_told)
				gw_warn(SUB, "%s has not answered since it was added", d->spec.name);
			s->never_told = true;
			return;
		}
		h->st.silent_events++;
		gw_warn(SUB, "%s has been silent for %lld minutes", d->spec.name,
			(long long)((now - d->last_seen_ms) / 60000));
		struct gw_fact f[] = {{"type", "device_silent", 0, false},
				      {"since", NULL, d->last_seen_ms, true},
				      {"name", d->spec.name, 0, false}};
		emit(h, d, f, 3);
	} else if (s->silent && d->last_seen_ms > s->since_ms && now - from < h->silent_after_ms) {
		s->silent = false;
		h->st.silent--;
		if (!s->since_ms)
			return;   /* it never answered before: nothing was reported */
		h->st.back_events++;
		gw_notice(SUB, "%s answers again", d->spec.name);
		struct gw_fact f[] = {{"type", "device_back", 0, false},
				      {"since", NULL, s->since_ms, true},
				      {"back_at", NULL, d->last_seen_ms, true},
				      {"name", d->spec.name, 0, false}};
		emit(h, d, f, 4);
	}
}

void gw_health_check(struct gw_health *h, int64_t now_ms)
{
	prune(h);
	for (unsigned i = 0; i < gw_devices_count(h->devices); i++)
		check_one(h, gw_devices_at(h->devices, i), now_ms);
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	gw_health_check(arg, gw_clock_wall_ms());
}

static void on_duplicate(const struct gw_device *d, const struct gw_device *other, void *arg)
{
	struct gw_health *h = arg;
	struct gw_ident id;
	char ip[64], other_ip[64];

	h->st.duplicate_events++;
	if (!d->model[0])
		return;
	gw_ident_of_device(other, &id, other_ip);
	gw_ident_of_device(d, &id, ip);
	struct gw_fact f[] = {{"type", "duplicate_serial", 0, false},
			      {"name", d->spec.name, 0, false},
			      {"other_name", other->spec.name, 0, false},
			      {"other_ip", other_ip, 0, false}};
	gw_fleet_record(h->store, GW_REC_EVENT, d->id, &id, "event", f, 4);
}

struct gw_health *gw_health_new(struct event_base *base, struct gw_devices *devices,
				struct gw_store *store)
{
	struct gw_health *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	h->base = base;
	h->devices = devices;
	h->store = store;
	h->silent_after_ms = SILENT_DEFAULT_MS;
	h->started_ms = gw_clock_wall_ms();
	if (base && !(h->timer = event_new(base, -1, EV_PERSIST, on_timer, h))) {
		free(h);
		return NULL;
	}
	gw_devices_on_duplicate(devices, on_duplicate, h);
	return h;
}

void gw_health_configure(struct gw_health *h, int64_t silent_after_ms)
{
	if (silent_after_ms > 0)
		h->silent_after_ms = silent_after_ms;
}

void gw_health_start(struct gw_health *h)
{
	struct timeval tv = {GW_HEALTH_CHECK_MS / 1000, 0};

	if (h->timer)
		evtimer_add(h->timer, &tv);
}

void gw_health_stop(struct gw_health *h)
{
	if (h && h->timer)
		evtimer_del(h->timer);
}

void gw_health_free(struct gw_health *h)
{
	if (!h)
		return;
	gw_devices_on_duplicate(h->devices, NULL, NULL);
	if (h->timer)
		event_free(h->timer);
	free(h->v);
	free(h);
}

void gw_health_get_stats(const struct gw_health *h, struct gw_health_stats *st)
{
	*st = h->st;
}
