#include "events.h"
#include "../core/devdata_pack.h"

#include <stdio.h>
#include <string.h>

static const int default_thresholds[] = {25, 10, 0};

struct sink {
	struct gw_ev_state *st;
	const struct gw_ev_opts *o;
	int64_t now;
	struct gw_event *out;
	unsigned max, n;
};

/* The rate cap: a window of window_ms holds at most max_per_window events. */
static struct gw_event *take(struct sink *k)
{
	struct gw_ev_state *st = k->st;
	int64_t window = k->o && k->o->window_ms > 0 ? k->o->window_ms : 600000;
	unsigned cap = k->o && k->o->max_per_window ? k->o->max_per_window : 10;
	struct gw_event *e;

	if (k->now - st->window_start_ms >= window || k->now < st->window_start_ms) {
		st->window_start_ms = k->now;
		st->in_window = 0;
	}
	if (st->in_window >= cap || k->n >= k->max) {
		st->suppressed++;
		return NULL;
	}
	st->in_window++;
	e = &k->out[k->n++];
	memset(e, 0, sizeof(*e));
	e->threshold = -1;
	e->suppressed = st->suppressed;
	st->suppressed = 0;
	return e;
}

static void status(struct sink *k, const struct gw_devdata *d)
{
	struct gw_ev_state *st = k->st;
	struct gw_event *e;

	if (!d->has_status)
		return;
	if (st->status_known && st->status != d->printer_status && (e = take(k))) {
		e->type = GW_EV_STATUS_CHANGE;
		e->from = st->status;
		e->to = d->printer_status;
	}
	st->status = d->printer_status;
	st->status_known = true;
}

static bool had_error(const struct gw_ev_state *st, const char *code)
{
	for (unsigned i = 0; i < st->n_errors; i++)
		if (strcmp(st->errors[i].code, code) == 0)
			return true;
	return false;
}

static const struct gw_dd_error *has_error(const struct gw_devdata *d, const char *code)
{
	for (unsigned i = 0; i < d->n_errors; i++)
		if (d->errors[i].code && strcmp(d->errors[i].code, code) == 0)
			return &d->errors[i];
	return NULL;
}

static void errors(struct sink *k, const struct gw_devdata *d)
{
	struct gw_ev_state *st = k->st;
	struct gw_event *e;
	unsigned n = 0;

	/* errors come with the status part; without it the list says nothing */
	if (!d->has_status)
		return;
	if (st->errors_known) {
		for (unsigned i = 0; i < d->n_errors; i++) {
			const struct gw_dd_error *x = &d->errors[i];

			/* the same code twice in one poll raises one event */
			if (!x->code || had_error(st, x->code) || has_error(d, x->code) != x)
				continue;
			if ((e = take(k))) {
				e->type = GW_EV_ERROR_RAISED;
				snprintf(e->code, sizeof(e->code), "%s", x->code);
				e->severity = x->severity;
				e->error = x;
			}
		}
		for (unsigned i = 0; i < st->n_errors; i++) {
			if (has_error(d, st->errors[i].code) || !(e = take(k)))
				continue;
			e->type = GW_EV_ERROR_CLEARED;
			memcpy(e->code, st->errors[i].code, sizeof(e->code));
			e->severity = st->errors[i].severity;
		}
	}
	for (unsigned i = 0; i < d->n_errors && n < GW_EV_MAX_ERRORS; i++) {
		if (!d->errors[i].code || has_error(d, d->errors[i].code) != &d->errors[i])
			continue;
		snprintf(st->errors[n].code, GW_EV_CODE, "%s", d->errors[i].code);
		st->errors[n++].severity = d->errors[i].severity;
	}
	st->n_errors = n;
	st->errors_known = true;
}

static uint64_t fnv1a(uint64_t h, const char *s)
{
	for (const char *p = s ? s : ""; *p; p++)
		h = (h ^ (uint8_t)*p) * 0x100000001b3ull;
	return (h ^ '|') * 0x100000001b3ull; /* the field ends: "a|bc" is not "ab|c" */
}

/* A supply's identity across polls: a digest of type|color|description. */
static uint64_t supply_key(const struct gw_dd_consumable *c)
{
	uint64_t h = 0xcbf29ce484222325ull;

	h = fnv1a(h, c->type);
	h = fnv1a(h, c->color);
	return fnv1a(h, c->description);
}

static int band(const struct gw_ev_opts *o, int64_t pct)
{
	const int *t = o && o->thresholds ? o->thresholds : default_thresholds;
	unsigned n = o && o->thresholds ? o->n_thresholds : 3;
	int b = 0;

	for (unsigned i = 0; i < n; i++)
		if (pct <= t[i])
			b = (int)i + 1;
	return b;
}

static bool notable(enum gw_supply_state s)
{
	return s == GW_SUP_LOW || s == GW_SUP_EMPTY || s == GW_SUP_FULL || s == GW_SUP_MISSING ||
	       s == GW_SUP_OK;
}

static void supplies(struct sink *k, const struct gw_devdata *d)
{
	const int *t = k->o && k->o->thresholds ? k->o->thresholds : default_thresholds;
	struct gw_ev_state *st = k->st;
	struct gw_ev_state prev;
	unsigned n = 0;

	/* a poll that did not read consumables has none: nothing to compare */
	if (d->n_consumables == 0)
		return;
	memcpy(&prev, st, sizeof(prev));
	for (unsigned i = 0; i < d->n_consumables && n < GW_EV_MAX_SUPPLIES; i++) {
		const struct gw_dd_consumable *c = &d->consumables[i];
		uint64_t key = supply_key(c);
		int b, old_band = -1;
		enum gw_supply_state old_state = GW_SUP_UNKNOWN;
		bool seen = false;
		struct gw_event *e;

		for (unsigned j = 0; j < prev.n_supplies; j++) {
			if (prev.supplies[j].key == key) {
				old_band = prev.supplies[j].band;
				old_state = prev.supplies[j].state;
				seen = true;
				break;
			}
		}
		b = c->level_percent != GW_ABSENT ? band(k->o, c->level_percent) : old_band;
		if (prev.supplies_known && seen &&
		    ((b >= 0 && old_band >= 0 && b != old_band) ||
		     (c->state != old_state && notable(c->state) && notable(old_state))) &&
		    (e = take(k))) {
			e->type = GW_EV_SUPPLY_THRESHOLD;
			e->supply = c;
			e->down = b > old_band || c->state == GW_SUP_EMPTY ||
				  c->state == GW_SUP_MISSING || c->state == GW_SUP_LOW ||
				  c->state == GW_SUP_FULL;
			if (b >= 0 && old_band >= 0 && b != old_band)
				e->threshold = b > old_band ? t[b - 1] : t[old_band - 1];
		}
		st->supplies[n].key = key;
		st->supplies[n].band = (int8_t)b;
		st->supplies[n].state = c->state;
		n++;
	}
	st->n_supplies = n;
	st->supplies_known = true;
}

unsigned gw_events_detect(struct gw_ev_state *st, const struct gw_devdata *d, int64_t now_ms,
			  const struct gw_ev_opts *o, struct gw_event *out, unsigned max)
{
	struct sink k = {.st = st, .o = o, .now = now_ms, .out = out, .max = max};

	status(&k, d);
	errors(&k, d);
	supplies(&k, d);
	return k.n;
}

const char *gw_event_type_name(enum gw_event_type t)
{
	switch (t) {
	case GW_EV_STATUS_CHANGE: return "status_change";
	case GW_EV_ERROR_RAISED: return "error_raised";
	case GW_EV_ERROR_CLEARED: return "error_cleared";
	case GW_EV_SUPPLY_THRESHOLD: return "supply_threshold";
	}
	return "unknown";
}

static void kv_str(msgpack_packer *pk, const char *k, const char *v)
{
	gw_pack_cstr(pk, k);
	gw_pack_cstr(pk, v);
}

int gw_event_pack_body(const struct gw_event *e, const struct gw_devdata *d, struct gw_buf *out)
{
	msgpack_packer pk;
	unsigned nd = 1 + (d->manufacturer != NULL) + (d->serial_number != NULL) +
		      (d->ip || d->mac || d->hostname);
	unsigned na = (d->ip != NULL) + (d->mac != NULL) + (d->hostname != NULL);
	unsigned ne = 1 + (e->suppressed > 0);

	gw_packer_init(&pk, out);
	msgpack_pack_map(&pk, 2);
	gw_pack_cstr(&pk, "device");
	msgpack_pack_map(&pk, nd);
	if (d->manufacturer)
		kv_str(&pk, "manufacturer", d->manufacturer);
	kv_str(&pk, "model", d->model ? d->model : "");
	if (d->serial_number)
		kv_str(&pk, "serial_number", d->serial_number);
	if (na) {
		gw_pack_cstr(&pk, "address");
		msgpack_pack_map(&pk, na);
		if (d->ip)
			kv_str(&pk, "ip", d->ip);
		if (d->mac)
			kv_str(&pk, "mac", d->mac);
		if (d->hostname)
			kv_str(&pk, "hostname", d->hostname);
	}
	gw_pack_cstr(&pk, "event");
	switch (e->type) {
	case GW_EV_STATUS_CHANGE:
		msgpack_pack_map(&pk, ne + 2);
		kv_str(&pk, "from", gw_printer_status_name(e->from));
		kv_str(&pk, "to", gw_printer_status_name(e->to));
		break;
	case GW_EV_ERROR_RAISED:
	case GW_EV_ERROR_CLEARED: {
		bool descr = e->error && e->error->description;

		msgpack_pack_map(&pk, ne + 2 + descr);
		kv_str(&pk, "code", e->code);
		kv_str(&pk, "severity", e->severity == GW_SEV_ERROR ? "error" : "warning");
		if (descr)
			kv_str(&pk, "description", e->error->description);
		break;
	}
	case GW_EV_SUPPLY_THRESHOLD: {
		const struct gw_dd_consumable *c = e->supply;
		unsigned n = ne + 3 + (c->color != NULL) + (c->description != NULL) +
			     (c->level_percent != GW_ABSENT) + (e->threshold >= 0);

		msgpack_pack_map(&pk, n);
		kv_str(&pk, "supply_type", c->type ? c->type : "other");
		if (c->color)
			kv_str(&pk, "color", c->color);
		if (c->description)
			kv_str(&pk, "description", c->description);
		if (c->level_percent != GW_ABSENT) {
			gw_pack_cstr(&pk, "level_percent");
			msgpack_pack_int64(&pk, c->level_percent);
		}
		if (e->threshold >= 0) {
			gw_pack_cstr(&pk, "threshold");
			msgpack_pack_int64(&pk, e->threshold);
		}
		kv_str(&pk, "state", gw_supply_state_name(c->state));
		kv_str(&pk, "direction", e->down ? "down" : "up");
		break;
	}
	}
	kv_str(&pk, "type", gw_event_type_name(e->type));
	if (e->suppressed) {
		gw_pack_cstr(&pk, "suppressed");
		msgpack_pack_uint32(&pk, e->suppressed);
	}
	return out->failed ? -1 : 0;
}
