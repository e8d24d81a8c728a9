/*
 * Events between polls: a change of printer status, an error raised or
 * cleared, a consumable crossing a threshold. Pure: what the last poll said
 * (the state) and the new device object in, the events out. A per-device
 * rate cap keeps a flapping printer from flooding the store; what it holds
 * back is counted and reported with the next event that passes.
 */
#ifndef GW_EVENTS_H
#define GW_EVENTS_H

#include "../core/buf.h"
#include "../core/devdata.h"

#include <stdbool.h>
#include <stdint.h>

#define GW_EV_MAX_ERRORS 32
#define GW_EV_MAX_SUPPLIES 32
#define GW_EV_CODE 48

enum gw_event_type {
	GW_EV_STATUS_CHANGE = 0,
	GW_EV_ERROR_RAISED,
	GW_EV_ERROR_CLEARED,
	GW_EV_SUPPLY_THRESHOLD,
};

/* What the previous polls of one device said. Zero it to start. */
struct gw_ev_state {
	bool status_known, errors_known, supplies_known;
	enum gw_printer_status status;
	unsigned n_errors;
	struct {
		char code[GW_EV_CODE];
		enum gw_severity severity;
	} errors[GW_EV_MAX_ERRORS];
	unsigned n_supplies;
	struct {
		uint64_t key;             /* digest of type|color|description */
		int8_t band;              /* index into the thresholds, see gw_events_detect */
		enum gw_supply_state state;
	} supplies[GW_EV_MAX_SUPPLIES];
	int64_t window_start_ms;
	unsigned in_window;
	uint32_t suppressed;          /* held back by the rate cap since the last one sent */
};

struct gw_event {
	enum gw_event_type type;
	enum gw_printer_status from, to;          /* status_change */
	char code[GW_EV_CODE];                    /* error_* */
	enum gw_severity severity;
	const struct gw_dd_error *error;          /* error_raised: in the devdata */
	const struct gw_dd_consumable *supply;    /* supply_threshold: in the devdata */
	int threshold;                            /* the percentage crossed, -1 for a state */
	bool down;                                /* crossed downwards */
	uint32_t suppressed;                      /* events the cap held back before this one */
};

struct gw_ev_opts {
	const int *thresholds;   /* percentages, descending, e.g. {25, 10, 0}; NULL: those */
	unsigned n_thresholds;
	int64_t window_ms;       /* rate cap window (0: 10 minutes) */
	unsigned max_per_window; /* events per window (0: 10) */
};

/*
 * Compare a new device object with the state and update it. Only what the
 * poll read counts (a poll without status says nothing about errors). The
 * first poll sets the state and raises nothing. Returns the number of
 * events written to out (at most max; the rest are counted as suppressed).
 */
unsigned gw_events_detect(struct gw_ev_state *st, const struct gw_devdata *d, int64_t now_ms,
			  const struct gw_ev_opts *o, struct gw_event *out, unsigned max);

const char *gw_event_type_name(enum gw_event_type t);

/* The record body: {"device": {identity}, "event": {...}}. 0 or -1. */
int gw_event_pack_body(const struct gw_event *e, const struct gw_devdata *d, struct gw_buf *out);

#endif
