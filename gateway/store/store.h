/*
 * The store: one LMDB environment in the state directory, under a lock,
 * holding the record buffer, the managed device list, the audit trail and
 * the store's identity. All writes go through one writer thread that
 * commits many jobs per transaction (group commit), so no commit ever runs
 * on the event loop. Reads use short read-only transactions on the loop.
 */
#ifndef GW_STORE_H
#define GW_STORE_H

#include <event2/event.h>
#include <lmdb.h>
#include <stdbool.h>
#include <stdint.h>

enum gw_durability {
	GW_DUR_INTERVAL = 0, /* commits reach the OS at once (survive kill -9); fsync each interval */
	GW_DUR_COMMIT = 1,   /* fsync every commit */
};

struct gw_store_opts {
	const char *dir;
	uint64_t max_bytes;          /* hard limit of the record buffer */
	enum gw_durability durability;
	int64_t sync_interval_ms;
};

enum gw_store_db {
	GW_DB_META = 0,   /* store_id, next_seq, next_device_id */
	GW_DB_DEVICES,    /* u32 id -> msgpack device */
	GW_DB_AUDIT,      /* u64 key -> JSON line */
	GW_DB_RECORDS,    /* u64 seq -> record */
	GW_DB_QUARANTINE, /* u64 seq -> record */
	GW_DB_CANDIDATES, /* u32 id -> msgpack candidate (devices/candidates.c) */
	GW_DB_COUNT,
};

struct gw_store;

/* A write job runs on the writer thread inside a shared transaction. */
typedef int (*gw_store_write_fn)(struct gw_store *s, MDB_txn *txn, void *arg);
/* Its completion runs on the loop thread, after the commit. */
typedef void (*gw_store_done_fn)(int status, void *arg);

struct gw_store_stats {
	uint64_t commits, syncs, jobs;
	uint64_t longest_commit_us;
	uint64_t failed_jobs;
	uint64_t fsyncs;            /* fdatasync calls: LMDB makes 2 per durable commit */
	uint64_t longest_sync_us;   /* the slowest of them, on the writer thread */
	/* what commits cost the loop thread: the most it spent at once */
	uint64_t longest_done_us;   /* delivering completions after one wake-up */
	uint64_t longest_submit_us; /* queueing one job (waiting for the queue's mutex) */
};

/* Opens (creating when needed) and locks the state directory. */
int gw_store_open(struct event_base *base, const struct gw_store_opts *o,
		  struct gw_store **out, const char **reason);
/* Waits for queued writes, syncs, releases the lock. Accepts NULL. */
void gw_store_close(struct gw_store *s);

const char *gw_store_id(const struct gw_store *s);
MDB_env *gw_store_env(struct gw_store *s);
MDB_dbi gw_store_dbi(const struct gw_store *s, enum gw_store_db db);

/*
 * Queue a write. fn runs on the writer thread; done (may be NULL) runs on
 * the loop thread once the transaction holding it committed (status 0) or
 * failed. The job's own error (fn < 0) is reported to its done only.
 */
int gw_store_submit(struct gw_store *s, gw_store_write_fn fn, void *arg,
		    gw_store_done_fn done, void *done_arg);
/*
 * Block until everything handed over so far is committed (shutdown, tests),
 * snapshots waiting in the buffer's staging included.
 */
void gw_store_flush(struct gw_store *s);

void gw_store_get_stats(struct gw_store *s, struct gw_store_stats *st);
const struct gw_store_opts *gw_store_get_opts(const struct gw_store *s);

/*
 * One private object per store for the record buffer (its queue and
 * counters), freed by gw_store_close after the writer has stopped.
 */
void gw_store_set_priv(struct gw_store *s, void *priv, void (*free_fn)(void *));
void *gw_store_priv(struct gw_store *s);
/* Called first by gw_store_flush and gw_store_close: hand over what waits elsewhere. */
void gw_store_set_drain(struct gw_store *s, void (*drain)(struct gw_store *s));
struct event_base *gw_store_base(struct gw_store *s);

/* Short read transaction helpers for the loop thread. */
int gw_store_read_begin(struct gw_store *s, MDB_txn **txn);
void gw_store_read_end(MDB_txn *txn);

/* Big-endian keys keep LMDB order = numeric order. */
void gw_store_key64(uint8_t k[8], uint64_t v);
uint64_t gw_store_key64_get(const void *k);

#endif
