#include "devdata_pack.h"
#include "clock.h"

#include <string.h>

static int buf_write(void *data, const char *p, size_t n)
{
	return gw_buf_append(data, p, n) < 0 ? -1 : 0;
}

void gw_packer_init(msgpack_packer *pk, struct gw_buf *out)
{
	msgpack_packer_init(pk, out, buf_write);
}

void gw_pack_cstr(msgpack_packer *pk, const char *s)
{
	size_t n = strlen(s);

	msgpack_pack_str(pk, n);
	msgpack_pack_str_body(pk, s, n);
}

static void pack_time(msgpack_packer *pk, int64_t ms)
{
	char when[32];

	gw_clock_format_rfc3339(ms, when, sizeof(when));
	gw_pack_cstr(pk, when);
}

/* Each field of an object is written only when present, so count first. */
struct obj {
	msgpack_packer *pk;
	bool counting;
	unsigned n;
};

static bool key(struct obj *o, const char *k, bool present)
{
	if (!present)
		return false;
	if (o->counting) {
		o->n++;
		return false;
	}
	gw_pack_cstr(o->pk, k);
	return true;
}

static void f_str(struct obj *o, const char *k, const char *v)
{
	if (key(o, k, v != NULL))
		gw_pack_cstr(o->pk, v);
}

static void f_int(struct obj *o, const char *k, int64_t v)
{
	if (key(o, k, v != GW_ABSENT))
		msgpack_pack_int64(o->pk, v);
}

static void f_time(struct obj *o, const char *k, int64_t v)
{
	if (key(o, k, v != GW_ABSENT))
		pack_time(o->pk, v);
}

#define OBJECT(o, ...)                                                   \
	do {                                                              \
		(o)->counting = true;                                     \
		(o)->n = 0;                                               \
		__VA_ARGS__;                                              \
		msgpack_pack_map((o)->pk, (o)->n);                        \
		(o)->counting = false;                                    \
		__VA_ARGS__;                                              \
	} while (0)

static void pack_kvlist(msgpack_packer *pk, const struct gw_dd_kvlist *l)
{
	msgpack_pack_map(pk, l->n);
	for (unsigned i = 0; i < l->n; i++) {
		gw_pack_cstr(pk, l->v[i].name);
		if (l->v[i].str)
			gw_pack_cstr(pk, l->v[i].str);
		else
			msgpack_pack_int64(pk, l->v[i].num);
	}
}

static void pack_history(msgpack_packer *pk, const struct gw_dd_history *h, unsigned n,
			 const char *k1, const char *k2)
{
	struct obj o = {.pk = pk};

	msgpack_pack_array(pk, n);
	for (unsigned i = 0; i < n; i++)
		OBJECT(&o, {
			f_time(&o, "at", h[i].at_ms);
			f_str(&o, k1, h[i].status);
			f_str(&o, k2, h[i].code);
		});
}

static void pack_errors(msgpack_packer *pk, const struct gw_devdata *d)
{
	struct obj o = {.pk = pk};

	msgpack_pack_array(pk, d->n_errors);
	for (unsigned i = 0; i < d->n_errors; i++) {
		const struct gw_dd_error *e = &d->errors[i];
		OBJECT(&o, {
			f_str(&o, "code", e->code);
			f_str(&o, "severity", e->severity == GW_SEV_ERROR ? "error" : "warning");
			f_str(&o, "description", e->description);
			f_time(&o, "since", e->since_ms);
		});
	}
}

static void pack_consumables(msgpack_packer *pk, const struct gw_devdata *d)
{
	struct obj o = {.pk = pk};

	msgpack_pack_array(pk, d->n_consumables);
	for (unsigned i = 0; i < d->n_consumables; i++) {
		const struct gw_dd_consumable *c = &d->consumables[i];
		OBJECT(&o, {
			f_str(&o, "type", c->type);
			f_str(&o, "color", c->color);
			f_str(&o, "description", c->description);
			f_int(&o, "level_percent", c->level_percent);
			f_int(&o, "level", c->level);
			f_int(&o, "max_capacity", c->max_capacity);
			f_str(&o, "unit", c->unit);
			f_str(&o, "state", gw_supply_state_name(c->state));
		});
	}
}

static void pack_jobs(msgpack_packer *pk, const struct gw_devdata *d)
{
	struct obj o = {.pk = pk};

	msgpack_pack_array(pk, d->n_jobs);
	for (unsigned i = 0; i < d->n_jobs; i++) {
		const struct gw_dd_job *j = &d->jobs[i];
		OBJECT(&o, {
			f_str(&o, "job_id", j->job_id);
			f_time(&o, "submitted_at", j->submitted_ms);
			f_time(&o, "completed_at", j->completed_ms);
			f_str(&o, "state", j->state);
			f_int(&o, "pages", j->pages);
			f_int(&o, "copies", j->copies);
			f_str(&o, "media", j->media);
			f_str(&o, "user_hash", j->user_hash);
		});
	}
}

static void pack_sources(msgpack_packer *pk, unsigned s)
{
	static const struct { unsigned bit; const char *name; } names[] = {
		{GW_SRC_SNMP, "snmp"}, {GW_SRC_ENPC, "enpc"}, {GW_SRC_EPSON, "epson_ctrl"},
	};
	unsigned n = 0;

	for (size_t i = 0; i < 3; i++)
		n += (s & names[i].bit) != 0;
	msgpack_pack_array(pk, n);
	for (size_t i = 0; i < 3; i++)
		if (s & names[i].bit)
			gw_pack_cstr(pk, names[i].name);
}

static void kvl(struct obj *o, const char *k, const struct gw_dd_kvlist *l)
{
	if (key(o, k, l->n > 0))
		pack_kvlist(o->pk, l);
}

int gw_devdata_pack_device(msgpack_packer *pk, const struct gw_devdata *d)
{
	struct obj o = {.pk = pk};
	bool has_addr = d->ip || d->mac || d->hostname;

	OBJECT(&o, {
		f_str(&o, "manufacturer", d->manufacturer);
		f_str(&o, "model", d->model);
		f_str(&o, "serial_number", d->serial_number);
		f_str(&o, "region_code", d->region_code);
		f_str(&o, "country_code", d->country_code);
		f_time(&o, "time", d->device_time_ms);
		f_time(&o, "acquired_at", d->acquired_ms);
		f_str(&o, "firmware_version", d->firmware_version);
		if (key(&o, "printer_status", d->has_status))
			gw_pack_cstr(pk, gw_printer_status_name(d->printer_status));
		if (key(&o, "errors", d->has_status || d->n_errors))
			pack_errors(pk, d);
		if (key(&o, "status_history", d->n_status_history))
			pack_history(pk, d->status_history, d->n_status_history, "status", "code");
		kvl(&o, "panel_settings", &d->panel_settings);
		kvl(&o, "printer_settings", &d->printer_settings);
		kvl(&o, "maintenance_settings", &d->maintenance_settings);
		kvl(&o, "media_settings", &d->media_settings);
		kvl(&o, "network_settings", &d->network_settings);
		if (key(&o, "consumables", d->n_consumables))
			pack_consumables(pk, d);
		if (key(&o, "cleaning_history", d->n_cleaning))
			pack_history(pk, d->cleaning_history, d->n_cleaning, "kind", "detail");
		if (key(&o, "maintenance_history", d->n_maintenance))
			pack_history(pk, d->maintenance_history, d->n_maintenance, "kind", "detail");
		if (key(&o, "cumulative_ink_usage", d->cumulative_ink_usage.n)) {
			/* the unit goes last, as one more pair, in a copy of the list */
			struct gw_dd_kv v[GW_DD_MAX_KV];
			struct gw_dd_kvlist l = {.n = d->cumulative_ink_usage.n, .v = v};
			if (l.n)
				memcpy(v, d->cumulative_ink_usage.v, l.n * sizeof(*v));
			if (d->ink_usage_unit && l.n < GW_DD_MAX_KV)
				v[l.n++] = (struct gw_dd_kv){"unit", d->ink_usage_unit, 0};
			pack_kvlist(pk, &l);
		}
		f_int(&o, "cumulative_print_time_s", d->cumulative_print_time_s);
		if (key(&o, "cumulative_print_area", d->print_area_value != GW_ABSENT)) {
			msgpack_pack_map(pk, d->print_area_unit ? 2 : 1);
			gw_pack_cstr(pk, "value");
			msgpack_pack_int64(pk, d->print_area_value);
			if (d->print_area_unit) {
				gw_pack_cstr(pk, "unit");
				gw_pack_cstr(pk, d->print_area_unit);
			}
		}
		kvl(&o, "page_counters", &d->page_counters);
		if (key(&o, "job_history", d->n_jobs))
			pack_jobs(pk, d);
		if (key(&o, "address", has_addr)) {
			struct obj a = {.pk = pk};
			OBJECT(&a, {
				f_str(&a, "ip", d->ip);
				f_str(&a, "mac", d->mac);
				f_str(&a, "hostname", d->hostname);
			});
		}
		if (key(&o, "source", d->sources != 0))
			pack_sources(pk, d->sources);
	});
	return 0;
}

int gw_devdata_pack_body(const struct gw_devdata *d, struct gw_buf *out)
{
	msgpack_packer pk;

	gw_packer_init(&pk, out);
	msgpack_pack_map(&pk, 1);
	gw_pack_cstr(&pk, "device");
	gw_devdata_pack_device(&pk, d);
	return out->failed ? -1 : 0;
}
