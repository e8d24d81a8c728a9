#include "devdata.h"
#include "arena.h"
#include "utf8.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct gw_devdata *gw_devdata_new(void)
{
	struct gw_devdata *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->arena = gw_arena_new();
	if (!d->arena) {
		free(d);
		return NULL;
	}
	d->device_time_ms = GW_ABSENT;
	d->acquired_ms = GW_ABSENT;
	d->cumulative_print_time_s = GW_ABSENT;
	d->print_area_value = GW_ABSENT;
	return d;
}

void gw_devdata_free(struct gw_devdata *d)
{
	if (!d)
		return;
	gw_arena_free(d->arena);
	free(d);
}

const char *gw_dd_strn(struct gw_devdata *d, const void *s, size_t n)
{
	char *p;

	if (!s)
		return NULL;
	if (n > 65536)
		n = 65536;
	p = gw_arena_alloc(d->arena, 4 * n + 1);
	if (!p)
		return NULL;
	gw_utf8_sanitize(p, s, n);
	return p;
}

const char *gw_dd_str(struct gw_devdata *d, const char *s)
{
	return s ? gw_dd_strn(d, s, strlen(s)) : NULL;
}

const char *gw_dd_printf(struct gw_devdata *d, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return NULL;
	return gw_dd_strn(d, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

/*
 * Make room for one more entry in a list of *n entries (of size bytes each)
 * whose storage holds *cap: grows in the arena, doubling from 4, never past
 * max. The list's new address, or NULL when it is full or out of memory.
 */
static void *grow(struct gw_devdata *d, void *v, unsigned n, unsigned *cap, size_t size,
		  unsigned max)
{
	unsigned c;
	void *nv;

	if (n < *cap)
		return v;
	if (n >= max)
		return NULL;
	c = *cap ? *cap * 2 : 4;
	if (c > max)
		c = max;
	nv = gw_arena_alloc(d->arena, c * size);
	if (!nv)
		return NULL;
	if (n)
		memcpy(nv, v, n * size); /* the old copy stays in the arena until the end */
	*cap = c;
	return nv;
}

static struct gw_dd_kv *kv_add(struct gw_devdata *d, struct gw_dd_kvlist *l, const char *name)
{
	struct gw_dd_kv *kv, *v;

	for (unsigned i = 0; i < l->n; i++)
		if (strcmp(l->v[i].name, name) == 0)
			return &l->v[i]; /* a repeated name replaces the value */
	if (!(v = grow(d, l->v, l->n, &l->cap, sizeof(*v), GW_DD_MAX_KV)))
		return NULL;
	l->v = v;
	kv = &l->v[l->n];
	kv->name = gw_dd_str(d, name);
	if (!kv->name)
		return NULL;
	l->n++;
	return kv;
}

int gw_dd_kv_str(struct gw_devdata *d, struct gw_dd_kvlist *l, const char *name, const char *v)
{
	struct gw_dd_kv *kv = kv_add(d, l, name);

	if (!kv)
		return -1;
	kv->str = gw_dd_str(d, v ? v : "");
	kv->num = 0;
	return kv->str ? 0 : -1;
}

int gw_dd_kv_num(struct gw_devdata *d, struct gw_dd_kvlist *l, const char *name, int64_t v)
{
	struct gw_dd_kv *kv = kv_add(d, l, name);

	if (!kv)
		return -1;
	kv->str = NULL;
	kv->num = v;
	return 0;
}

struct gw_dd_error *gw_dd_add_error(struct gw_devdata *d)
{
	struct gw_dd_error *e, *v;

	if (!(v = grow(d, d->errors, d->n_errors, &d->cap_errors, sizeof(*v), GW_DD_MAX_ERRORS)))
		return NULL;
	d->errors = v;
	e = &d->errors[d->n_errors++];
	*e = (struct gw_dd_error){.since_ms = GW_ABSENT};
	return e;
}

struct gw_dd_consumable *gw_dd_add_consumable(struct gw_devdata *d)
{
	struct gw_dd_consumable *c, *v;

	if (!(v = grow(d, d->consumables, d->n_consumables, &d->cap_consumables, sizeof(*v),
		       GW_DD_MAX_CONSUMABLES)))
		return NULL;
	d->consumables = v;
	c = &d->consumables[d->n_consumables++];
	*c = (struct gw_dd_consumable){
		.level_percent = GW_ABSENT, .level = GW_ABSENT, .max_capacity = GW_ABSENT,
	};
	return c;
}

struct gw_dd_job *gw_dd_add_job(struct gw_devdata *d)
{
	struct gw_dd_job *j, *v;

	if (!(v = grow(d, d->jobs, d->n_jobs, &d->cap_jobs, sizeof(*v), GW_DD_MAX_JOBS)))
		return NULL;
	d->jobs = v;
	j = &d->jobs[d->n_jobs++];
	*j = (struct gw_dd_job){
		.submitted_ms = GW_ABSENT, .completed_ms = GW_ABSENT,
		.pages = GW_ABSENT, .copies = GW_ABSENT,
	};
	return j;
}

struct gw_dd_history *gw_dd_add_history(struct gw_devdata *d, enum gw_dd_hist which)
{
	struct gw_dd_history **list = which == GW_DD_HIST_STATUS ? &d->status_history
		: which == GW_DD_HIST_CLEANING ? &d->cleaning_history : &d->maintenance_history;
	unsigned *n = which == GW_DD_HIST_STATUS ? &d->n_status_history
		: which == GW_DD_HIST_CLEANING ? &d->n_cleaning : &d->n_maintenance;
	unsigned *cap = which == GW_DD_HIST_STATUS ? &d->cap_status_history
		: which == GW_DD_HIST_CLEANING ? &d->cap_cleaning : &d->cap_maintenance;
	struct gw_dd_history *v = grow(d, *list, *n, cap, sizeof(*v), GW_DD_MAX_HISTORY);

	if (!v)
		return NULL;
	*list = v;
	v = &v[(*n)++];
	*v = (struct gw_dd_history){.at_ms = GW_ABSENT};
	return v;
}

const char *gw_printer_status_name(enum gw_printer_status s)
{
	static const char *const names[] = {
		[GW_PST_UNKNOWN] = "unknown", [GW_PST_IDLE] = "idle",
		[GW_PST_PRINTING] = "printing", [GW_PST_WARMING_UP] = "warming_up",
		[GW_PST_ERROR] = "error", [GW_PST_OFFLINE] = "offline",
		[GW_PST_OTHER] = "other",
	};
	return (unsigned)s <= GW_PST_OTHER ? names[s] : "unknown";
}

const char *gw_supply_state_name(enum gw_supply_state s)
{
	static const char *const names[] = {
		[GW_SUP_UNKNOWN] = "unknown", [GW_SUP_OK] = "ok", [GW_SUP_LOW] = "low",
		[GW_SUP_EMPTY] = "empty", [GW_SUP_FULL] = "full", [GW_SUP_MISSING] = "missing",
	};
	return (unsigned)s <= GW_SUP_MISSING ? names[s] : "unknown";
}
