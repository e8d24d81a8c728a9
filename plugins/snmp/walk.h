/*
 * Subtree walks over a session: GETBULK on v2c/v3, GETNEXT on v1 or when a
 * device fumbles GETBULK. A walk ends at the end of the subtree, at
 * endOfMibView, at an OID that does not increase (agents that loop), or at
 * its size cap. tooBig halves max-repetitions.
 */
#ifndef GW_SNMP_WALK_H
#define GW_SNMP_WALK_H

#include "client.h"

struct gw_snmp_walk;

/* One varbind of the subtree (never an exception value). */
typedef void (*gw_walk_vb_fn)(void *arg, const struct gw_oid *oid, const struct gw_snmp_vb *vb);
/*
 * The end of the walk; status 0 (complete, or capped) or the request's
 * error. The walk object is freed after this returns.
 */
typedef void (*gw_walk_done_fn)(void *arg, int status);

struct gw_walk_stats {
	uint64_t walks, requests, varbinds, capped, non_increasing, too_big, bulk_fallbacks;
};

/*
 * Start a walk of the subtree under root. max_vb caps the varbinds taken
 * (0: 10000), max_rep the GETBULK max-repetitions (0: 10). Returns NULL
 * (with *err) when the first request cannot be queued.
 */
struct gw_snmp_walk *gw_snmp_walk_start(struct gw_snmp_session *s, const struct gw_oid *root,
					unsigned max_vb, unsigned max_rep, gw_walk_vb_fn vb,
					gw_walk_done_fn done, void *arg, int *err);
/* Forget a walk without calling done (after its session was freed, or before). */
void gw_snmp_walk_cancel(struct gw_snmp_walk *w);

void gw_snmp_walk_stats(struct gw_walk_stats *st);

#endif
