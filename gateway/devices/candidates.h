/*
 * Candidates: devices discovery found that are not managed. They are kept
 * in the store (so that the local page can list them after a restart),
 * identified by serial number, else MAC, else address, and never read from
 * beyond identification. A candidate becomes a managed device only through
 * gw_candidates_approve(), which calls gw_devices_add() like every other
 * way onto the managed list, and is audited.
 *
 * A device found again at another address is the same candidate (or the
 * same managed device): the change is noticed and recorded, never a new
 * entry. Candidates are uploaded only when the cloud itself started the
 * discovery run that found them.
 */
#ifndef GW_CANDIDATES_H
#define GW_CANDIDATES_H

#include "devices.h"
#include "../core/plugin.h"
#include "../store/store.h"

#include <stdbool.h>
#include <stdint.h>

#define GW_CAND_MAX 4096              /* candidates kept; more are refused */

struct gw_candidate {
	uint32_t id;
	enum gw_identity ident;
	char serial[GW_DEV_SERIAL_MAX];
	char mac[18];
	char ip[64];
	char prev_ip[64];                 /* the address before the last move, "" */
	char model[96];
	char manufacturer[32];
	char hostname[64];
	unsigned sources;                 /* enum gw_source bits */
	bool details_unknown;             /* only an unreadable answer so far */
	bool cloud;                       /* a run the cloud started found it */
	uint32_t run;                     /* the last run that found it */
	int64_t first_seen_ms, last_seen_ms, moved_ms;  /* wall clock */
};

/* An approval written in the configuration file: approve "name" { ... } */
struct gw_approve_rule {
	char name[GW_DEV_NAME_MAX];       /* the managed device's name */
	char serial[GW_DEV_SERIAL_MAX];   /* match by serial, */
	char mac[18];                     /* else MAC, */
	char address[64];                 /* else address ("" = not used) */
	char credentials[GW_DEV_NAME_MAX];
};

/* How an answer was taken. */
enum gw_note_result {
	GW_NOTE_NEW = 0,                  /* a new candidate */
	GW_NOTE_UPDATED,                  /* a known candidate, same address */
	GW_NOTE_MOVED,                    /* a known candidate at a new address */
	GW_NOTE_MANAGED,                  /* a managed device at its address */
	GW_NOTE_MANAGED_MOVED,            /* a managed device that moved: its address updated */
	GW_NOTE_MANAGED_ELSEWHERE,        /* a managed device also answering elsewhere */
	GW_NOTE_REFUSED,                  /* not kept (the list is full, a bad answer, not a printer) */
};

struct gw_note_ctx {
	uint32_t run;
	bool for_cloud;
	int64_t now_ms;                   /* wall clock */
};

struct gw_candidates;

/* Loads the kept candidates. store may be NULL (tests of the pure logic). */
int gw_candidates_open(struct gw_store *store, struct gw_devices *devices,
		       struct gw_candidates **out);
void gw_candidates_close(struct gw_candidates *c);

/*
 * A managed device found at a new address moves there only when it has
 * been silent this long (and the gateway has run this long), else it is
 * reported as answering at two addresses. Default 5 minutes.
 */
void gw_candidates_set_move_after(struct gw_candidates *c, int64_t ms);
/* The SNMP port an approved candidate is polled on: the one it was found on. */
void gw_candidates_set_poll_port(struct gw_candidates *c, uint16_t port);
/*
 * Approvals from the configuration file (copied). Each is applied at once
 * to the candidates that match, and later to candidates as they are found;
 * a rule whose device name is already managed does nothing.
 */
void gw_candidates_set_rules(struct gw_candidates *c, const struct gw_approve_rule *r,
			     unsigned n);

/* An answer from discovery: match, update or create. */
enum gw_note_result gw_candidates_note(struct gw_candidates *c,
				       const struct gw_candidate_info *info,
				       const struct gw_note_ctx *ctx, uint32_t *cand_id);

/*
 * The end of a run the cloud started: every candidate it found goes up as
 * one inventory record. Returns how many.
 */
unsigned gw_candidates_report_run(struct gw_candidates *c, uint32_t run);

/*
 * Approve a candidate onto the managed list under name, polled with the
 * credentials profile. actor as for gw_devices_add ("config", "local:admin",
 * "cloud:..."): the device's origin is cloud for "cloud:..." actors, local
 * otherwise. On success the candidate is gone and *device_id (may be NULL)
 * names the device. 0, or a negative errno with *reason.
 */
int gw_candidates_approve(struct gw_candidates *c, uint32_t id, const char *name,
			  const char *credentials, const char *actor, uint32_t *device_id,
			  const char **reason);
/* Drop a candidate (a person says it is not wanted). Audited. */
int gw_candidates_forget(struct gw_candidates *c, uint32_t id, const char *actor);

/* Up to max candidates in id order into out; returns how many there are. */
unsigned gw_candidates_list(const struct gw_candidates *c, const struct gw_candidate **out,
			    unsigned max);
const struct gw_candidate *gw_candidates_get(const struct gw_candidates *c, uint32_t id);
unsigned gw_candidates_count(const struct gw_candidates *c);
/* The highest run number kept: run numbers go on from it after a restart. */
uint32_t gw_candidates_last_run(const struct gw_candidates *c);

const char *gw_note_result_name(enum gw_note_result r);

#endif
