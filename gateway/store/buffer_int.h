/* Internals shared by buffer.c and evict.c; nothing else includes this. */
#ifndef GW_BUFFER_INT_H
#define GW_BUFFER_INT_H

#include "buffer.h"

#include <pthread.h>

/*
 * The accounting blob in the meta DB ("acct"), big-endian u64s, written in
 * the same transaction as the records it describes, so it is never out of
 * step after a crash. Footprints, not value sizes: what a record occupies in
 * LMDB (node and slot, or whole overflow pages for a large value).
 */
struct acct {
	uint64_t n[GW_BUF_CLASSES], bytes[GW_BUF_CLASSES];
	uint64_t q_n, q_bytes;
	uint64_t dropped[GW_BUF_CLASSES];
	uint64_t q_dropped;
	uint64_t quarantined_total;
	uint64_t drop_events;
	uint64_t acked_total;
};

/* One dropped range, [first, last]. */
struct drop_range {
	uint64_t first, last;
};

struct evict_round {
	struct drop_range *r;
	unsigned n, cap;
	uint64_t count[GW_BUF_CLASSES + 1];  /* last: from the quarantine */
	uint64_t freed;
	uint64_t if_first, if_last;          /* in flight, as the round began */
};

struct buf_state {
	pthread_mutex_t mu;
	struct pending *head, **tail;   /* appends waiting for the writer */
	bool job_queued;
	char gateway_id[72];
	unsigned psize;                 /* LMDB page size */
	uint64_t max_bytes;

	/*
	 * In flight ([first, last], first 0: none): set on the loop, taken by
	 * the writer once per eviction round, both under mu, so that a round
	 * never sees half an update nor a range that changes between its passes.
	 */
	uint64_t inflight_first, inflight_last;

	/* writer thread only */
	uint64_t snap_hint;             /* no snapshot below this seq waits */

	/* loop thread only */
	gw_buffer_listener_fn listener;
	void *listener_arg;
	uint64_t appended, append_failed;
	struct gw_complaint *drop_log;
};

uint64_t gw_buf_footprint(const struct buf_state *b, size_t len);
int gw_buf_acct_load(struct gw_store *s, MDB_txn *txn, struct acct *a);
int gw_buf_acct_save(struct gw_store *s, MDB_txn *txn, const struct acct *a);

/*
 * Writer thread: make room for `need` more bytes by the eviction policy,
 * appending the drop-report event records at *next_seq. 0 or < 0.
 */
int gw_buf_make_room(struct gw_store *s, struct buf_state *b, MDB_txn *txn,
		     struct acct *a, uint64_t need, uint64_t *next_seq);
/* Writer thread: encode and put one record at *next_seq, accounting it. */
int gw_buf_put(struct gw_store *s, struct buf_state *b, MDB_txn *txn, struct acct *a,
	       struct gw_record *r, uint64_t *next_seq);

#endif
