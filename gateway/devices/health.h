/*
 * Fleet health: when each managed device last answered, and the events the
 * cloud hears about it. A device silent for schedule.silent_after (24 h by
 * default) raises one "device_silent" event per silence and "device_back"
 * when it answers again; a serial number answering at two managed
 * addresses raises "duplicate_serial" (the managed list detects it, this
 * module turns it into a record).
 *
 * Silence is counted from the device's last answer, and never from before
 * the gateway started: the last-seen time kept in the store may be older
 * than the last answer, and a restart must not look like a day of silence.
 */
#ifndef GW_HEALTH_H
#define GW_HEALTH_H

#include "devices.h"
#include "../store/store.h"

#include <event2/event.h>
#include <stdint.h>

#define GW_HEALTH_CHECK_MS 60000

struct gw_health;

struct gw_health_stats {
	unsigned silent;                     /* silent now */
	uint64_t silent_events, back_events, duplicate_events;
};

/* store may be NULL (tests): events are then logged only. */
struct gw_health *gw_health_new(struct event_base *base, struct gw_devices *devices,
				struct gw_store *store);
void gw_health_configure(struct gw_health *h, int64_t silent_after_ms);
/* The check runs every minute from start to stop. */
void gw_health_start(struct gw_health *h);
void gw_health_stop(struct gw_health *h);
void gw_health_free(struct gw_health *h);

/* One pass at wall-clock time now_ms (the timer's work; tests call it). */
void gw_health_check(struct gw_health *h, int64_t now_ms);
void gw_health_get_stats(const struct gw_health *h, struct gw_health_stats *st);

#endif
