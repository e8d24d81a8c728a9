/* Internals shared by buffer.c, stage.c and evict.c; nothing else includes this. */
#ifndef GW_BUFFER_INT_H
#define GW_BUFFER_INT_H

#include "buffer.h"

#include <event2/event.h>
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
	uint64_t peak_bytes;   /* the most records and quarantine ever held at a commit */
};
/* The blob before peak_bytes: read as a prefix, the rest zero. */
#define ACCT_WORDS_V1 21

/* One dropped range, [first, last]. */
struct drop_range {
	uint64_t first, last;
};

struct evict_round {
	struct drop_range *r;
	unsigned n, cap;
	struct drop_range *u;                /* records_unaccounted ranges handed on */
	unsigned un, ucap;
	uint64_t count[GW_BUF_CLASSES + 1];  /* last: from the quarantine */
	uint64_t freed;
	uint64_t lo, hi;                     /* the lowest and highest seq dropped (lo 0: none) */
	/* in flight, as the round began: read for a batch, and of it on the wire */
	uint64_t read_first, read_last, wire_first, wire_last;
	uint64_t acc_first, acc_last;        /* accepted, not deleted yet (hull) */
};

/*
 * What the eviction rounds of one write job did, for the loop once the job
 * is delivered (gw_buf_evicted): the uploader learns from it whether a
 * batch it read lost records meanwhile, and the log line counts from it.
 */
struct evict_note {
	unsigned rounds;                     /* rounds begun (each took the in-flight ranges) */
	uint64_t lo, hi;                     /* the seqs dropped lie in [lo, hi] (lo 0: none) */
	uint64_t count[GW_BUF_CLASSES + 1];  /* dropped, by class; last: the quarantine */
};

/* Evictions the loop was told of, newest last, for gw_buffer_dropped_since. */
#define DROP_LOG 64
struct drop_log_entry {
	uint64_t epoch, lo, hi;
};

/* Where a staged record is (stage.c). */
enum stage_state {
	ST_WAIT,      /* in memory only, readable, its grace period running */
	ST_FLUSH,     /* handed to the writer; readable here until its commit is delivered */
	ST_ACKED,     /* the cloud took it while it was being written: freed once written */
	ST_QUARANTINE,/* the cloud refused it: on its way to the quarantine DB */
};

/*
 * A record handed over, on its way to the writer. A direct record keeps the
 * record (its body copied into data[]) and is encoded by the writer; a
 * staged one holds its encoding in data[] and lives on the staging list
 * (loop thread) as well while it is on the writer's queue.
 */
struct pending {
	struct pending *next;            /* the writer's queue, under the state's mutex */
	struct pending *s_prev, *s_next; /* the staging list, loop thread only */
	struct gw_record r;              /* staged: seq given at hand-over; else by the writer */
	gw_store_done_fn done;
	void *arg;
	int status;
	bool staged;
	bool taken;                      /* staged: the cloud has it (under the state's mutex) */
	bool skipped;                    /* staged: the writer saw it taken and did not write it */
	uint8_t state;                   /* enum stage_state */
	int64_t due_ms;                  /* staged: written at this time unless taken */
	size_t len;                      /* staged: the encoding's length */
	uint8_t data[];
};

/*
 * A write job that may take seqs on the writer (records written at once,
 * reports): from its start until its completion is delivered, nothing from
 * `low` on is read, or a staged record read meanwhile would move the
 * uploader past a seq still on its way.
 */
struct transit {
	struct transit *next;   /* the state's list, under its mutex */
	uint64_t low;
	uint64_t staged_gen;    /* the staging's allocations when the job began */
};

struct buf_state {
	pthread_mutex_t mu;
	struct pending *head, **tail;   /* appends waiting for the writer */
	bool job_queued;
	char gateway_id[72];
	unsigned psize;                 /* LMDB page size */
	uint64_t max_bytes;

	/* sequence numbers, under mu */
	uint64_t next_seq;              /* the next one given (staged: at hand-over; else on the writer) */
	struct transit *jobs;           /* jobs taking seqs on the writer, not yet delivered */
	uint64_t staged_gen;            /* seqs the staging took: counts them */
	uint64_t stage_low;             /* lowest staged seq not yet safe; UINT64_MAX: none */
	uint64_t reserve_asked;         /* the reservation last asked for (loop) */
	uint64_t settles;               /* releases of the reservation asked for (loop) */
	uint64_t acked_unsaved;         /* staged records the cloud took, not yet counted in acct */
	bool staging_used;              /* settle the reservation at close */

	/*
	 * In flight (first 0: none): read for a batch, and of it on the wire.
	 * Set on the loop, taken by the writer once per eviction round, both
	 * under mu, so that a round never sees half an update nor a range that
	 * changes between its passes. rounds_begun counts the rounds that took
	 * them (writer), rounds_seen those whose job the loop has been told of.
	 */
	uint64_t read_first, read_last, wire_first, wire_last;
	uint64_t rounds_begun, rounds_seen;
	/* ranges the cloud accepted whose deletion is not delivered yet: never dropped */
	struct drop_range *acc;
	unsigned n_acc, cap_acc;
	/* an unclean stop not yet reported: "unsettled" stays at or below this */
	uint64_t unclean_floor;

	/* writer thread only */
	uint64_t snap_hint;             /* no snapshot below this seq waits */
	uint64_t last_key;              /* the highest key put: MDB_APPEND above it */

	/* loop thread only */
	gw_buffer_listener_fn listener;
	void *listener_arg;
	uint64_t appended, append_failed;
	struct drop_log_entry drops[DROP_LOG];
	uint64_t drop_epoch;            /* evicting jobs the loop was told of */
	uint64_t drop_unlogged[GW_BUF_CLASSES + 1]; /* dropped since the last log line */
	int64_t drop_logged_ms;         /* when that line was written (0: never) */
	struct event *drop_ev;          /* writes the line the throttle held back */
	struct event_base *base;
	/* staging (stage.c) */
	int64_t grace_ms;               /* 0: nothing is staged */
	uint64_t stage_max;             /* bytes of staged encodings before the oldest are written */
	struct pending *s_head, *s_tail;
	uint64_t s_count, s_bytes;       /* in memory: waiting, or being written */
	uint64_t s_wait_bytes;           /* waiting only: what stage_max bounds */
	uint64_t reserved_ok;           /* committed: staged seqs below it may leave memory */
	uint64_t told;                  /* the listener knows of everything below this */
	uint64_t staged_total, staged_acked, staged_written;
	struct event *stage_ev, *tell_ev;
	/* an unclean stop found at open: ranges to report once configured */
	struct drop_range *unclean;
	unsigned n_unclean;
};

uint64_t gw_buf_footprint(const struct buf_state *b, size_t len);
int gw_buf_acct_load(struct gw_store *s, MDB_txn *txn, struct acct *a);
int gw_buf_acct_save(struct gw_store *s, MDB_txn *txn, const struct acct *a);

/* Under the state's mutex: a job (writer, at its start) registers, and (loop) leaves. */
void gw_buf_transit_add(struct buf_state *b, struct transit *t);
void gw_buf_transit_remove(struct buf_state *b, struct transit *t);
/* Writer thread, a job that failed: its seqs go back unless staging took some since. */
void gw_buf_transit_undo(struct buf_state *b, const struct transit *t);
/* Writer thread: the next sequence number, for a record it puts now. */
uint64_t gw_buf_alloc_seq(struct buf_state *b);
/* Below this every seq given is stored or staged: none is on its way into the store. */
uint64_t gw_buf_transit_low(struct buf_state *b);
/* One u64 of the meta DB (absent: the default). */
int gw_buf_meta_get(struct gw_store *s, MDB_txn *txn, const MDB_val *key, uint64_t *v,
		    uint64_t absent);
int gw_buf_meta_put(struct gw_store *s, MDB_txn *txn, const MDB_val *key, uint64_t v);

/*
 * Writer thread: make room for a record of `need` bytes by the eviction
 * policy, appending the drop-report event records (they take new seqs);
 * *max_seq is raised to the highest seq put, *note records what went.
 * Returns 0 when the record fits, or 1 when it does not even with everything
 * evictable gone (the records on the wire take the rest): then a record that
 * has its seq already (seq, of class cls) is reported dropped with the
 * round's others and must not be put; one without (seq 0) must be refused.
 * < 0 on error.
 */
int gw_buf_make_room(struct gw_store *s, struct buf_state *b, MDB_txn *txn,
		     struct acct *a, uint64_t need, uint64_t seq, int cls,
		     struct evict_note *note, uint64_t *max_seq);
/* Loop thread: a job whose rounds did *n was delivered (committed or not). */
void gw_buf_evicted(struct gw_store *s, struct buf_state *b, const struct evict_note *n);
/* The "records_unaccounted" event about the gateway itself, encoded into body. */
int gw_buf_unaccounted_body(const struct buf_state *b, struct gw_buf *body,
			    const struct drop_range *r, unsigned n, int64_t now);
/* Writer thread: put one encoded record at seq, accounting it. */
int gw_buf_put_raw(struct gw_store *s, struct buf_state *b, MDB_txn *txn, struct acct *a,
		   uint64_t seq, int cls, const void *data, size_t len);
/* Writer thread: encode and put one record at r->seq. */
int gw_buf_put(struct gw_store *s, struct buf_state *b, MDB_txn *txn, struct acct *a,
	       const struct gw_record *r);
/*
 * Writer thread: the meta keys every job that writes records keeps up to
 * date: next_seq (raised to max_seq + 1), the staging's lowest unsafe seq,
 * and the acknowledgements of staged records not counted yet (added to a).
 */
int gw_buf_meta_save(struct gw_store *s, struct buf_state *b, MDB_txn *txn, struct acct *a,
		     uint64_t max_seq);

/* Queue a pending item for the writer (takes it). Loop thread. */
int gw_buf_enqueue(struct gw_store *s, struct buf_state *b, struct pending *p);

/* stage.c, loop thread */
struct buf_state *gw_buf_state(struct gw_store *s);
int gw_stage_init(struct gw_store *s, struct buf_state *b, MDB_txn *txn);
void gw_stage_release(struct buf_state *b);
bool gw_stage_wants(const struct buf_state *b, const struct gw_record *r);
int gw_stage_add(struct gw_store *s, struct buf_state *b, const struct gw_record *r,
		 gw_store_done_fn done, void *arg);
/* An append job was delivered: settle its staged records, tell the listener. */
void gw_stage_written(struct gw_store *s, struct buf_state *b, struct pending *p, int status);
/* The cloud took [first, last]: 1 when the store must still delete some of it. */
int gw_stage_ack(struct gw_store *s, struct buf_state *b, uint64_t first, uint64_t last);
/* 1 when seq was staged and is now on its way to the quarantine. */
int gw_stage_quarantine(struct gw_store *s, struct buf_state *b, uint64_t seq,
			gw_store_done_fn done, void *arg);
/* Every seq below this is readable (stored, staged or gone). */
uint64_t gw_stage_horizon(struct buf_state *b);
/* Tell the listener when the horizon moved (soon, from the loop). */
void gw_stage_tell(struct buf_state *b);
/* The first staged record with seq >= from that may be read, or NULL. */
const struct pending *gw_stage_find(const struct buf_state *b, uint64_t from);
const struct pending *gw_stage_after(const struct pending *p);
/* Write everything staged and settle the reservation (stop, flush). */
void gw_stage_drain(struct gw_store *s);
/* Report an unclean stop found at open, once the gateway id is known. */
void gw_stage_report_unclean(struct gw_store *s, struct buf_state *b);

#endif
