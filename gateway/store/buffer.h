/*
 * The record buffer: records wait here, in sequence order, until the cloud
 * has accepted them. Sequence numbers are strictly increasing, never
 * reused, and survive restarts (the next one is committed with the records).
 *
 * Appends are grouped: every record handed over while the writer thread is
 * busy goes into the next transaction as one job. The buffer keeps its own
 * byte accounting (what each record occupies in LMDB) in the meta DB, in the
 * same transactions as the records, and evicts by kind when the byte limit
 * would be passed (the limit is hard: no commit leaves more): routine
 * snapshots first, then quarantined records, then snapshots read for a
 * batch not yet sent, then events, operation results, inventory changes and
 * records of an unknown format; never what is on the wire. Every dropped
 * range is reported to the cloud in an event record.
 */
#ifndef GW_BUFFER_H
#define GW_BUFFER_H

#include "store.h"
#include "../core/record.h"

#include <stdbool.h>

/* Accounting classes: a record kind, or 0 for a format this build cannot read. */
#define GW_BUF_CLASSES 5
#define GW_BUF_UNKNOWN 0

struct gw_buffer_stats {
	uint64_t appended, append_failed;    /* since the store was opened */
	uint64_t records, bytes;              /* waiting now (bytes: LMDB footprint) */
	uint64_t next_seq;
	uint64_t max_bytes;
	uint64_t by_class[GW_BUF_CLASSES];    /* waiting, by class */
	uint64_t quarantined, quarantine_bytes; /* in the quarantine now */
	uint64_t quarantined_total;           /* ever moved to the quarantine */
	uint64_t dropped[GW_BUF_CLASSES];     /* evicted while waiting, by class */
	uint64_t dropped_quarantine;          /* evicted from the quarantine */
	uint64_t drop_events;                 /* event records that reported drops */
	uint64_t acked_total;                 /* deleted after the cloud accepted them */
	uint64_t staged, staged_bytes;        /* waiting in memory now (see stage_grace_ms) */
	uint64_t staged_total;                /* ever staged, since the store was opened */
	uint64_t staged_acked;                /* of them, taken by the cloud */
	uint64_t staged_written;              /* of them, written to the store */
	uint64_t peak_bytes;                  /* the most the records and quarantine held at a commit */
};

struct gw_buffer_opts {
	const char *gateway_id;   /* copied; names the gateway in drop events */
	/*
	 * Routine snapshots (kind snapshot, collection scheduled) wait this
	 * long in memory and are written only if the cloud has not accepted
	 * them by then; 0: every record is written at once.
	 */
	int64_t stage_grace_ms;
	uint64_t stage_max;       /* bytes staged before the oldest are written (0: 4 MiB) */
};

/*
 * Settings the buffer cannot learn from the store (at start and on reload).
 * The first call with a gateway id reports an unclean stop found at open.
 * Loop thread.
 */
int gw_buffer_configure(struct gw_store *s, const struct gw_buffer_opts *o);

/*
 * Hand a record over; its seq is given now. The record (and its body) is
 * copied; done (may be NULL) runs on the loop once the record is safe from a
 * crash of the daemon: "acknowledged". For a record written at once that is
 * the commit holding it; for a staged snapshot, the cloud's acceptance or
 * the commit, whichever comes first (a kill -9 before either loses it).
 */
int gw_buffer_append(struct gw_store *s, const struct gw_record *r,
		     gw_store_done_fn done, void *arg);
void gw_buffer_get_stats(struct gw_store *s, struct gw_buffer_stats *st);

/* Told on the loop, after each commit, how many records were appended, up to which seq. */
typedef void (*gw_buffer_listener_fn)(unsigned appended, uint64_t last_seq, void *arg);
void gw_buffer_set_listener(struct gw_store *s, gw_buffer_listener_fn fn, void *arg);

/*
 * One stored record as read: data is valid during the call only. cls is
 * the accounting class (a gw_record_kind, or GW_BUF_UNKNOWN for a format
 * this build cannot read: such a record must be skipped, never deleted).
 * Return 0 to go on, 1 to stop before this record, < 0 to abort.
 */
typedef int (*gw_buffer_visit_fn)(uint64_t seq, int cls, const void *data, size_t len,
				  void *arg);

/*
 * Visit up to max records with seq >= from, in order, inside one short read
 * transaction. Returns how many were visited (0 at the end) or < 0.
 */
int gw_buffer_read(struct gw_store *s, uint64_t from, unsigned max,
		   gw_buffer_visit_fn fn, void *arg);
/* The same over the quarantine (local UI, tests). */
int gw_buffer_quarantine_read(struct gw_store *s, uint64_t from, unsigned max,
			      gw_buffer_visit_fn fn, void *arg);

/*
 * The cloud accepted [first, last]: delete those records (records of an
 * unknown format in the range stay). done may be NULL.
 */
int gw_buffer_ack(struct gw_store *s, uint64_t first, uint64_t last,
		  gw_store_done_fn done, void *arg);
/*
 * What the uploader holds (loop thread): [first, last] read for batches
 * (first 0: nothing), of which [first, sent_last] is on the wire
 * (sent_last < first: nothing). Eviction never takes a record on the wire
 * (nor one the cloud accepted, until it is deleted), so a record is never
 * both delivered and reported dropped; records read and not sent go only
 * after every other snapshot and the quarantine, and a batch that lost some
 * must be read again before it is sent (gw_buffer_dropped_since).
 *
 * Returns 1 when the range on the wire grew while an eviction round that
 * took the older ranges may still be on its way: only once gw_buffer_fence
 * reports back has every such round landed (and gw_buffer_dropped_since
 * knows what it took). 0 otherwise.
 */
int gw_buffer_set_inflight(struct gw_store *s, uint64_t first, uint64_t last,
			   uint64_t sent_last);
/* done runs on the loop once everything handed to the store before this has landed. */
int gw_buffer_fence(struct gw_store *s, gw_store_done_fn done, void *arg);
/*
 * Evictions the loop has been told of are numbered: take a mark before
 * reading, and ask afterwards whether any eviction told of since then took
 * a seq in [first, last] (true when in doubt: a batch is simply read again).
 */
uint64_t gw_buffer_drop_mark(struct gw_store *s);
bool gw_buffer_dropped_since(struct gw_store *s, uint64_t mark, uint64_t first, uint64_t last);
/* Move one record the cloud will never accept to the quarantine. */
int gw_buffer_quarantine(struct gw_store *s, uint64_t seq, gw_store_done_fn done, void *arg);

/* The class of a stored record from its bytes (see gw_buffer_visit_fn). */
int gw_buffer_class_of(const void *data, size_t len);
const char *gw_buffer_class_name(int cls);

#endif
