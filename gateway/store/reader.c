/*
 * Records leave the buffer here: read in sequence order (the store and the
 * staging merged, never past a seq that is still on its way into either),
 * acknowledged once the cloud has them, or moved to the quarantine.
 */
#include "buffer_int.h"
#include "../core/log.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define SUB "buffer"

static int read_db(struct gw_store *s, enum gw_store_db db, uint64_t from, unsigned max,
		   gw_buffer_visit_fn fn, void *arg)
{
	struct buf_state *b = db == GW_DB_RECORDS ? gw_buf_state(s) : NULL;
	const struct pending *sp = NULL;
	uint64_t horizon = UINT64_MAX;
	MDB_txn *txn;
	MDB_cursor *c;
	MDB_val k, v;
	uint8_t key[8];
	int rc, n = 0;

	if (b) {
		/* a seq still on its way must not be passed over: stop below it */
		horizon = gw_stage_horizon(b);
		sp = gw_stage_find(b, from);
	}
	rc = gw_store_read_begin(s, &txn);
	if (rc < 0)
		return rc;
	rc = mdb_cursor_open(txn, gw_store_dbi(s, db), &c);
	if (rc) {
		gw_store_read_end(txn);
		return -rc;
	}
	gw_store_key64(key, from);
	k = (MDB_val){8, key};
	rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	while ((unsigned)n < max) {
		uint64_t ks, ss, seq;
		int r;
		if (rc == 0 && k.mv_size != 8) {
			rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
			continue;
		}
		ks = rc == 0 ? gw_store_key64_get(k.mv_data) : UINT64_MAX;
		ss = sp ? sp->r.seq : UINT64_MAX;
		seq = ks < ss ? ks : ss;
		if (seq == UINT64_MAX || seq >= horizon)
			break;
		if (seq == ks)
			r = fn(seq, gw_buffer_class_of(v.mv_data, v.mv_size), v.mv_data, v.mv_size,
			       arg);
		else
			r = fn(seq, sp->r.kind, sp->data, sp->len, arg);
		if (r < 0) {
			n = r;
			break;
		}
		if (r > 0)
			break;
		n++;
		/* written and still staged (its commit not delivered yet): once */
		if (seq == ks)
			rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
		if (seq == ss)
			sp = gw_stage_after(sp);
	}
	mdb_cursor_close(c);
	gw_store_read_end(txn);
	if (rc && rc != MDB_NOTFOUND && n >= 0)
		return -rc;
	return n;
}

int gw_buffer_read(struct gw_store *s, uint64_t from, unsigned max,
		   gw_buffer_visit_fn fn, void *arg)
{
	return read_db(s, GW_DB_RECORDS, from, max, fn, arg);
}

int gw_buffer_quarantine_read(struct gw_store *s, uint64_t from, unsigned max,
			      gw_buffer_visit_fn fn, void *arg)
{
	return read_db(s, GW_DB_QUARANTINE, from, max, fn, arg);
}

struct range_job {
	struct gw_store *s;
	uint64_t first, last;
	bool accepted;             /* registered in the state's accepted ranges */
	gw_store_done_fn done;
	void *arg;
};

static int ack_write(struct gw_store *s, MDB_txn *txn, void *arg)
{
	struct range_job *j = arg;
	struct buf_state *b = gw_store_priv(s);
	struct acct a;
	MDB_cursor *c;
	MDB_val k, v;
	uint8_t key[8];
	int rc;

	rc = gw_buf_acct_load(s, txn, &a);
	if (rc < 0)
		return rc;
	rc = mdb_cursor_open(txn, gw_store_dbi(s, GW_DB_RECORDS), &c);
	if (rc)
		return -rc;
	gw_store_key64(key, j->first);
	k = (MDB_val){8, key};
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); rc == 0;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		int cls;
		if (gw_store_key64_get(k.mv_data) > j->last)
			break;
		cls = gw_buffer_class_of(v.mv_data, v.mv_size);
		if (cls == GW_BUF_UNKNOWN)
			continue; /* never sent, so never accepted: kept */
		a.n[cls]--;
		a.bytes[cls] -= gw_buf_footprint(b, v.mv_size);
		a.acked_total++;
		rc = mdb_cursor_del(c, 0);
		if (rc)
			break;
	}
	mdb_cursor_close(c);
	if (rc && rc != MDB_NOTFOUND)
		return -rc;
	return gw_buf_meta_save(s, b, txn, &a, 0);
}

static int quarantine_write(struct gw_store *s, MDB_txn *txn, void *arg)
{
	struct range_job *j = arg;
	struct buf_state *b = gw_store_priv(s);
	struct acct a;
	uint8_t key[8];
	MDB_val k = {8, key}, v;
	uint64_t fp;
	int rc, cls;

	rc = gw_buf_acct_load(s, txn, &a);
	if (rc < 0)
		return rc;
	gw_store_key64(key, j->first);
	rc = mdb_get(txn, gw_store_dbi(s, GW_DB_RECORDS), &k, &v);
	if (rc == MDB_NOTFOUND)
		return 0; /* evicted meanwhile */
	if (rc)
		return -rc;
	cls = gw_buffer_class_of(v.mv_data, v.mv_size);
	fp = gw_buf_footprint(b, v.mv_size);
	rc = mdb_put(txn, gw_store_dbi(s, GW_DB_QUARANTINE), &k, &v, 0);
	if (rc == 0)
		rc = mdb_del(txn, gw_store_dbi(s, GW_DB_RECORDS), &k, NULL);
	if (rc)
		return -rc;
	a.n[cls]--;
	a.bytes[cls] -= fp;
	a.q_n++;
	a.q_bytes += fp;
	a.quarantined_total++;
	return gw_buf_meta_save(s, b, txn, &a, 0);
}

/* Under the state's mutex. */
static int accepted_add(struct buf_state *b, uint64_t first, uint64_t last)
{
	if (b->n_acc == b->cap_acc) {
		unsigned cap = b->cap_acc ? b->cap_acc * 2 : 8;
		struct drop_range *r = realloc(b->acc, cap * sizeof(*r));
		if (!r)
			return -ENOMEM;
		b->acc = r;
		b->cap_acc = cap;
	}
	b->acc[b->n_acc++] = (struct drop_range){first, last};
	return 0;
}

static void accepted_remove(struct buf_state *b, uint64_t first, uint64_t last)
{
	pthread_mutex_lock(&b->mu);
	for (unsigned i = 0; i < b->n_acc; i++)
		if (b->acc[i].first == first && b->acc[i].last == last) {
			b->acc[i] = b->acc[--b->n_acc];
			break;
		}
	pthread_mutex_unlock(&b->mu);
}

static void range_done(int status, void *arg)
{
	struct range_job *j = arg;
	struct buf_state *b = j->accepted ? gw_store_priv(j->s) : NULL;

	/* deleted (or not: then it is read again and sent again, never dropped unsaid) */
	if (b)
		accepted_remove(b, j->first, j->last);
	if (status < 0)
		gw_err(SUB, "records %" PRIu64 "-%" PRIu64 " could not be updated: %s", j->first,
		       j->last, mdb_strerror(-status));
	if (j->done)
		j->done(status, j->arg);
	free(j);
}

static int submit_range(struct gw_store *s, gw_store_write_fn fn, uint64_t first,
			uint64_t last, bool accepted, gw_store_done_fn done, void *arg)
{
	struct buf_state *b = gw_buf_state(s);
	struct range_job *j;
	int rc = 0;

	if (!b)
		return -ENOMEM;
	j = malloc(sizeof(*j));
	if (!j)
		return -ENOMEM;
	*j = (struct range_job){s, first, last, accepted, done, arg};
	if (accepted) {
		pthread_mutex_lock(&b->mu);
		rc = accepted_add(b, first, last);
		pthread_mutex_unlock(&b->mu);
	}
	if (rc == 0 && gw_store_submit(s, fn, j, range_done, j) < 0) {
		if (accepted)
			accepted_remove(b, first, last);
		rc = -ENOMEM;
	}
	if (rc < 0)
		free(j);
	return rc;
}

/* Whether the store holds any seq of [first, last] (a short read on the loop). */
static bool stored_in(struct gw_store *s, uint64_t first, uint64_t last)
{
	MDB_txn *txn;
	MDB_cursor *c;
	MDB_val k, v;
	uint8_t key[8];
	bool found = true;   /* when in doubt, the writer looks */

	if (gw_store_read_begin(s, &txn) < 0)
		return true;
	if (mdb_cursor_open(txn, gw_store_dbi(s, GW_DB_RECORDS), &c) == 0) {
		gw_store_key64(key, first);
		k = (MDB_val){8, key};
		found = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE) == 0 && k.mv_size == 8 &&
			gw_store_key64_get(k.mv_data) <= last;
		mdb_cursor_close(c);
	}
	gw_store_read_end(txn);
	return found;
}

int gw_buffer_ack(struct gw_store *s, uint64_t first, uint64_t last,
		  gw_store_done_fn done, void *arg)
{
	struct buf_state *b = gw_buf_state(s);

	if (first > last)
		return -EINVAL;
	if (!b)
		return -ENOMEM;
	/*
	 * Staged records the cloud took are simply forgotten: nothing to write.
	 * What the store holds is deleted; until then eviction passes over it
	 * (the range is registered before the uploader lets go of it).
	 */
	if (!gw_stage_ack(s, b, first, last) && !stored_in(s, first, last) && !done)
		return 0;
	return submit_range(s, ack_write, first, last, true, done, arg);
}

int gw_buffer_set_inflight(struct gw_store *s, uint64_t first, uint64_t last,
			   uint64_t sent_last)
{
	struct buf_state *b = gw_buf_state(s);
	uint64_t wf, wl;
	bool grew;
	int stale;

	if (!b)
		return 0;
	wf = first && sent_last >= first ? first : 0;
	wl = wf ? sent_last : 0;
	/* all at once: a round never sees half an update */
	pthread_mutex_lock(&b->mu);
	grew = wf && (!b->wire_first || wf < b->wire_first || wl > b->wire_last);
	b->read_first = first;
	b->read_last = first ? last : 0;
	b->wire_first = wf;
	b->wire_last = wl;
	/* a round begun before now took the older ranges: it may drop what is now on the wire */
	stale = grew && b->rounds_begun > b->rounds_seen;
	pthread_mutex_unlock(&b->mu);
	return stale;
}

static int fence_write(struct gw_store *s, MDB_txn *txn, void *arg)
{
	(void)s;
	(void)txn;
	(void)arg;
	return 0;
}

int gw_buffer_fence(struct gw_store *s, gw_store_done_fn done, void *arg)
{
	/* completions are delivered in order: every job before this one is told first */
	return gw_store_submit(s, fence_write, NULL, done, arg);
}

uint64_t gw_buffer_drop_mark(struct gw_store *s)
{
	struct buf_state *b = gw_buf_state(s);

	return b ? b->drop_epoch : 0;
}

bool gw_buffer_dropped_since(struct gw_store *s, uint64_t mark, uint64_t first, uint64_t last)
{
	struct buf_state *b = gw_buf_state(s);

	if (!b || b->drop_epoch == mark)
		return false;
	if (b->drop_epoch - mark >= DROP_LOG)
		return true;     /* forgotten: assume the worst */
	for (uint64_t e = mark + 1; e <= b->drop_epoch; e++) {
		const struct drop_log_entry *d = &b->drops[e % DROP_LOG];
		if (d->lo <= last && d->hi >= first)
			return true;
	}
	return false;
}

int gw_buffer_quarantine(struct gw_store *s, uint64_t seq, gw_store_done_fn done, void *arg)
{
	struct buf_state *b = gw_buf_state(s);
	int rc;

	if (!b)
		return -ENOMEM;
	/* a staged record goes straight from memory into the quarantine */
	rc = gw_stage_quarantine(s, b, seq, done, arg);
	if (rc != 0)
		return rc < 0 ? rc : 0;
	return submit_range(s, quarantine_write, seq, seq, false, done, arg);
}
