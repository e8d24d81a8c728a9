/*
 * The poll scheduler: per-device timers with jitter, one poll in flight per
 * device, parts read at their own intervals, offline detection with a
 * slower cadence, and the records each poll produces.
 */
#ifndef GW_SCHEDULER_H
#define GW_SCHEDULER_H

#include "devices.h"
#include "../core/config.h"
#include "../core/plugin.h"
#include "../store/store.h"

struct gw_scheduler;

struct gw_sched_stats {
	uint64_t polls_started, polls_ok, polls_failed, records;
	unsigned devices, online, offline, in_flight;
};

struct gw_scheduler *gw_scheduler_new(struct event_base *base, struct gw_devices *devices,
				      struct gw_plugins *plugins, struct gw_store *store);
/* Intervals, timeouts and credentials from a (new) configuration. */
void gw_scheduler_configure(struct gw_scheduler *s, const struct gw_config *conf);
void gw_scheduler_start(struct gw_scheduler *s);
/* Stop polling: cancel polls in flight; no record is produced after it. */
void gw_scheduler_stop(struct gw_scheduler *s);
void gw_scheduler_free(struct gw_scheduler *s);
/* Poll a device now (a remote "status" operation). */
int gw_scheduler_poll_now(struct gw_scheduler *s, uint32_t device_id);
void gw_scheduler_get_stats(const struct gw_scheduler *s, struct gw_sched_stats *st);
/* The per-gateway secret plugins hash job owners with (copied; len <= 64). */
void gw_scheduler_set_user_key(struct gw_scheduler *s, const uint8_t *key, size_t len);

#endif
