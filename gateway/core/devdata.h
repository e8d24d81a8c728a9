/*
 * The device object of the cloud contract as a typed struct: what a plugin
 * fills in from one poll and what the core turns into a record. Strings
 * live in the object's own arena and go away with it. A field the device
 * does not report stays NULL / GW_ABSENT and is left out of the record.
 *
 * The lists (errors, consumables, histories, jobs, name/value lists) grow
 * in the arena as the add helpers fill them, up to the GW_DD_MAX_* limits:
 * an object is a few hundred bytes plus what the poll found, so many polls
 * in flight stay cheap. Read them as arrays of their count; add through
 * the helpers only. A pointer an add helper returns stays valid until the
 * next add to the same list (growing moves the list).
 */
#ifndef GW_DEVDATA_H
#define GW_DEVDATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GW_ABSENT INT64_MIN

enum gw_printer_status {
	GW_PST_UNKNOWN = 0,
	GW_PST_IDLE,
	GW_PST_PRINTING,
	GW_PST_WARMING_UP,
	GW_PST_ERROR,
	GW_PST_OFFLINE,
	GW_PST_OTHER,
};

enum gw_severity { GW_SEV_WARNING = 0, GW_SEV_ERROR = 1 };

enum gw_supply_state {
	GW_SUP_UNKNOWN = 0,
	GW_SUP_OK,
	GW_SUP_LOW,
	GW_SUP_EMPTY,
	GW_SUP_FULL,
	GW_SUP_MISSING,
};

/* Where the data came from: the record's "source" array. */
enum gw_source { GW_SRC_SNMP = 1u << 0, GW_SRC_ENPC = 1u << 1, GW_SRC_EPSON = 1u << 2 };

#define GW_DD_MAX_ERRORS 32
#define GW_DD_MAX_CONSUMABLES 32
#define GW_DD_MAX_KV 64
#define GW_DD_MAX_HISTORY 32
#define GW_DD_MAX_JOBS 32

struct gw_dd_error {
	const char *code;
	enum gw_severity severity;
	const char *description;
	int64_t since_ms;            /* wall clock, GW_ABSENT if unknown */
};

struct gw_dd_consumable {
	const char *type;            /* "ink", "toner", "waste_ink", ... */
	const char *color;
	const char *description;
	int64_t level_percent;       /* remaining content / free space, GW_ABSENT */
	int64_t level;               /* in unit, GW_ABSENT */
	int64_t max_capacity;        /* in unit, GW_ABSENT */
	const char *unit;
	enum gw_supply_state state;
};

/* A name → value pair; numeric when str is NULL. */
struct gw_dd_kv {
	const char *name;
	const char *str;
	int64_t num;
};

struct gw_dd_kvlist {
	unsigned n, cap;
	struct gw_dd_kv *v;          /* n entries, in the arena */
};

struct gw_dd_history {
	int64_t at_ms;
	const char *status;          /* status_history: status; others: kind */
	const char *code;            /* status_history: code; others: detail */
};

struct gw_dd_job {
	const char *job_id;
	int64_t submitted_ms, completed_ms;
	const char *state;
	int64_t pages, copies;
	const char *media;
	const char *user_hash;       /* keyed HMAC of the owner, never the owner */
};

struct gw_devdata {
	const char *manufacturer, *model, *serial_number;
	const char *region_code, *country_code, *firmware_version;
	int64_t device_time_ms;      /* the device's clock, GW_ABSENT */
	int64_t acquired_ms;         /* when the gateway read it */
	enum gw_printer_status printer_status;
	bool has_status;

	unsigned n_errors, cap_errors;
	struct gw_dd_error *errors;
	unsigned n_consumables, cap_consumables;
	struct gw_dd_consumable *consumables;
	unsigned n_status_history, n_cleaning, n_maintenance, n_jobs;
	unsigned cap_status_history, cap_cleaning, cap_maintenance, cap_jobs;
	struct gw_dd_history *status_history;
	struct gw_dd_history *cleaning_history;
	struct gw_dd_history *maintenance_history;
	struct gw_dd_job *jobs;

	struct gw_dd_kvlist panel_settings, printer_settings, maintenance_settings;
	struct gw_dd_kvlist media_settings, network_settings;
	struct gw_dd_kvlist page_counters;        /* numeric */
	struct gw_dd_kvlist cumulative_ink_usage; /* numeric, colour → amount */
	const char *ink_usage_unit;
	int64_t cumulative_print_time_s;          /* GW_ABSENT */
	int64_t print_area_value;                 /* GW_ABSENT */
	const char *print_area_unit;

	const char *ip, *mac, *hostname;
	unsigned sources;                         /* enum gw_source bits */

	struct gw_arena *arena;
};

struct gw_devdata *gw_devdata_new(void);
void gw_devdata_free(struct gw_devdata *d);

/* Copies into the arena. Bytes that are not valid UTF-8 are escaped. */
const char *gw_dd_str(struct gw_devdata *d, const char *s);
const char *gw_dd_strn(struct gw_devdata *d, const void *s, size_t n);
const char *gw_dd_printf(struct gw_devdata *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Append helpers; they return NULL / -1 when the list is full. */
int gw_dd_kv_str(struct gw_devdata *d, struct gw_dd_kvlist *l, const char *name, const char *v);
int gw_dd_kv_num(struct gw_devdata *d, struct gw_dd_kvlist *l, const char *name, int64_t v);
struct gw_dd_error *gw_dd_add_error(struct gw_devdata *d);
struct gw_dd_consumable *gw_dd_add_consumable(struct gw_devdata *d);
struct gw_dd_job *gw_dd_add_job(struct gw_devdata *d);
enum gw_dd_hist { GW_DD_HIST_STATUS, GW_DD_HIST_CLEANING, GW_DD_HIST_MAINTENANCE };
struct gw_dd_history *gw_dd_add_history(struct gw_devdata *d, enum gw_dd_hist which);

const char *gw_printer_status_name(enum gw_printer_status s);
const char *gw_supply_state_name(enum gw_supply_state s);

#endif
