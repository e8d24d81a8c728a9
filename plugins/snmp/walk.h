/*
 * Subtree walks over a session: GETBULK on v2c/v3, GETNEXT on v1 or when a
 * device fumbles GETBULK.
 *
 * One walk may follow several subtrees ("columns") in one chain of
 * requests: each request names the next OID of every column still open, so
 * one GETBULK answer carries a few rows of each, interleaved row by row
 * (RFC 3416 4.2.3). A column ends at the end of its subtree, at
 * endOfMibView, at an OID that does not increase (agents that loop), or at
 * its size cap; the walk ends when every column has. Columns that ended
 * drop out of the next request, so the rows of the longer ones grow.
 *
 * How much one request asks for: max_rep rows per column, or, with
 * max_bytes set, as many varbinds as fit an answer of about max_bytes (the
 * size of a varbind is learnt from the answers), shared by the columns
 * still open. tooBig halves it; at one varbind GETBULK gives way to
 * GETNEXT. On GETNEXT (v1) a noSuchName names the column that hit the end
 * of the MIB view: that column ends and the others are asked again.
 */
#ifndef GW_SNMP_WALK_H
#define GW_SNMP_WALK_H

#include "client.h"

struct gw_snmp_walk;

/* One varbind of a subtree (never an exception value). */
typedef void (*gw_walk_vb_fn)(void *arg, const struct gw_oid *oid, const struct gw_snmp_vb *vb);
/*
 * The end of the walk; status 0 (complete, or capped) or the request's
 * error. The walk object is freed after this returns.
 */
typedef void (*gw_walk_done_fn)(void *arg, int status);

struct gw_walk_stats {
	uint64_t walks, requests, varbinds, capped, non_increasing, too_big, bulk_fallbacks;
};

struct gw_walk_opts {
	unsigned max_vb;    /* varbinds one column takes at most (0: 10000) */
	unsigned max_rep;   /* GETBULK max-repetitions (0: 10) */
	unsigned max_bytes; /* 0: max_rep rows per column; else aim answers at this size */
};

/*
 * Start a walk of the subtree under root. max_vb caps the varbinds taken
 * (0: 10000), max_rep the GETBULK max-repetitions (0: 10). Returns NULL
 * (with *err) when the first request cannot be queued.
 */
struct gw_snmp_walk *gw_snmp_walk_start(struct gw_snmp_session *s, const struct gw_oid *root,
					unsigned max_vb, unsigned max_rep, gw_walk_vb_fn vb,
					gw_walk_done_fn done, void *arg, int *err);
/*
 * Start one walk of n roots (1 to GW_WALK_MAX_COLS; they must not overlap).
 * The varbinds come to vb in the order of the answers, not sorted. NULL
 * (with *err) when the first request cannot be queued.
 */
#define GW_WALK_MAX_COLS 64
struct gw_snmp_walk *gw_snmp_walk_start_multi(struct gw_snmp_session *s,
					      const struct gw_oid *roots, unsigned n,
					      const struct gw_walk_opts *o, gw_walk_vb_fn vb,
					      gw_walk_done_fn done, void *arg, int *err);
/* Forget a walk without calling done (after its session was freed, or before). */
void gw_snmp_walk_cancel(struct gw_snmp_walk *w);

void gw_snmp_walk_stats(struct gw_walk_stats *st);

#endif
