#include "buffer_int.h"
#include "../core/clock.h"
#include "../core/log.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define SUB "buffer"
/* Appends per writer job: a big backlog still commits in bounded steps. */
#define MAX_PER_JOB 4096
#define ACCT_WORDS (sizeof(struct acct) / sizeof(uint64_t))
/* At most one line about evictions this often; the counts add up over the lines. */
#define DROP_LOG_MS 10000

struct append_job {
	struct gw_store *s;
	struct transit tr;         /* registered while its seqs are on their way */
	struct pending *list;
	unsigned n;
	struct evict_note note;    /* what its eviction rounds did */
	uint64_t max_seq;          /* the highest seq this job's transaction put */
};

static const MDB_val next_seq_key = {8, "next_seq"};
static const MDB_val acct_key = {4, "acct"};
static const MDB_val unsettled_key = {9, "unsettled"};

static const char *const class_names[GW_BUF_CLASSES] = {
	"unknown_format", "snapshot", "event", "operation", "inventory",
};

const char *gw_buffer_class_name(int cls)
{
	return cls >= 0 && cls < GW_BUF_CLASSES ? class_names[cls] : "unknown_format";
}

int gw_buffer_class_of(const void *data, size_t len)
{
	const uint8_t *p = data;
	struct gw_record r;
	msgpack_unpacked h;
	int cls;

	/* format 1 as gw_record_encode writes it: fixarray(8), 1, kind */
	if (len >= 3 && p[0] == 0x98 && p[1] == GW_RECORD_FORMAT &&
	    p[2] >= GW_REC_SNAPSHOT && p[2] <= GW_REC_INVENTORY)
		return p[2];
	msgpack_unpacked_init(&h);
	cls = gw_record_decode(data, len, &r, &h) == GW_REC_OK ? (int)r.kind : GW_BUF_UNKNOWN;
	msgpack_unpacked_destroy(&h);
	return cls;
}

static void log_drops(struct buf_state *b);

static void state_free(void *p)
{
	struct buf_state *b = p;
	struct pending *q;

	if (!b)
		return;
	log_drops(b);   /* what the throttle held back */
	if (b->drop_ev)
		event_free(b->drop_ev);
	free(b->acc);
	while ((q = b->head)) {
		b->head = q->next;
		if (!q->staged)
			free(q);      /* staged ones go with the staging list */
	}
	gw_stage_release(b);
	pthread_mutex_destroy(&b->mu);
	free(b);
}

static void on_drop_log(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	log_drops(arg);
}

struct buf_state *gw_buf_state(struct gw_store *s)
{
	struct buf_state *b = gw_store_priv(s);
	MDB_stat st;
	MDB_txn *txn;

	if (b)
		return b;
	b = calloc(1, sizeof(*b));
	if (!b)
		return NULL;
	pthread_mutex_init(&b->mu, NULL);
	b->tail = &b->head;
	snprintf(b->gateway_id, sizeof(b->gateway_id), "unconfigured");
	b->psize = mdb_env_stat(gw_store_env(s), &st) == 0 ? st.ms_psize : 4096;
	b->max_bytes = gw_store_get_opts(s)->max_bytes;
	if (b->max_bytes == 0)
		b->max_bytes = UINT64_MAX / 4;
	b->base = gw_store_base(s);
	b->unclean_floor = UINT64_MAX;
	if (b->base && !(b->drop_ev = evtimer_new(b->base, on_drop_log, b))) {
		state_free(b);
		return NULL;
	}
	if (gw_store_read_begin(s, &txn) < 0 || gw_stage_init(s, b, txn) < 0) {
		gw_store_read_end(txn);
		gw_err(SUB, "the store's sequence numbers cannot be read");
		state_free(b);
		return NULL;
	}
	gw_store_read_end(txn);
	gw_store_set_priv(s, b, state_free);
	gw_store_set_drain(s, gw_stage_drain);
	return b;
}

static struct buf_state *state(struct gw_store *s)
{
	return gw_buf_state(s);
}

int gw_buffer_configure(struct gw_store *s, const struct gw_buffer_opts *o)
{
	struct buf_state *b = state(s);

	if (!b)
		return -ENOMEM;
	pthread_mutex_lock(&b->mu);
	if (o->gateway_id)
		snprintf(b->gateway_id, sizeof(b->gateway_id), "%s", o->gateway_id);
	pthread_mutex_unlock(&b->mu);
	b->grace_ms = o->stage_grace_ms > 0 ? o->stage_grace_ms : 0;
	b->stage_max = o->stage_max ? o->stage_max : 4u << 20;
	if (o->gateway_id)
		gw_stage_report_unclean(s, b);
	if (!b->grace_ms)
		gw_stage_drain(s); /* staging turned off: what waits is written now */
	return 0;
}

void gw_buffer_set_listener(struct gw_store *s, gw_buffer_listener_fn fn, void *arg)
{
	struct buf_state *b = state(s);

	if (b) {
		b->listener = fn;
		b->listener_arg = arg;
	}
}

/*
 * LMDB puts a value that does not fit half a page on overflow pages of its
 * own; smaller ones share a leaf page (node header, key, value, slot).
 */
uint64_t gw_buf_footprint(const struct buf_state *b, size_t len)
{
	size_t nodemax = ((b->psize - 16) / 2) & ~(size_t)1;

	if (8 + 8 + len > nodemax)
		return (uint64_t)((16 + len + b->psize - 1) / b->psize) * b->psize + 8 + 8 + 8 + 2;
	return 8 + 8 + len + 2;
}

static void acct_add_db(struct gw_store *s, struct buf_state *b, MDB_txn *txn,
			enum gw_store_db db, struct acct *a)
{
	MDB_cursor *c;
	MDB_val k, v;

	if (mdb_cursor_open(txn, gw_store_dbi(s, db), &c))
		return;
	for (int rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		uint64_t fp = gw_buf_footprint(b, v.mv_size);
		if (db == GW_DB_QUARANTINE) {
			a->q_n++;
			a->q_bytes += fp;
		} else {
			int cls = gw_buffer_class_of(v.mv_data, v.mv_size);
			a->n[cls]++;
			a->bytes[cls] += fp;
		}
	}
	mdb_cursor_close(c);
}

static int acct_read(struct gw_store *s, MDB_txn *txn, struct acct *a)
{
	MDB_val k = acct_key, v;
	uint64_t *w = (uint64_t *)a;
	int rc;

	memset(a, 0, sizeof(*a));
	rc = mdb_get(txn, gw_store_dbi(s, GW_DB_META), &k, &v);
	if (rc)
		return rc == MDB_NOTFOUND ? 1 : -rc;
	/* a blob from before peak_bytes: the words it has, the rest start at 0 */
	if (v.mv_size != 8 * ACCT_WORDS && v.mv_size != 8 * ACCT_WORDS_V1)
		return 1;
	for (size_t i = 0; i < v.mv_size / 8; i++)
		w[i] = gw_store_key64_get((const uint8_t *)v.mv_data + 8 * i);
	return 0;
}

/* Writer thread. A store without the blob (older, or new) is counted once. */
int gw_buf_acct_load(struct gw_store *s, MDB_txn *txn, struct acct *a)
{
	struct buf_state *b = gw_store_priv(s);
	int rc = acct_read(s, txn, a);

	if (rc <= 0)
		return rc;
	memset(a, 0, sizeof(*a));
	acct_add_db(s, b, txn, GW_DB_RECORDS, a);
	acct_add_db(s, b, txn, GW_DB_QUARANTINE, a);
	return 0;
}

int gw_buf_acct_save(struct gw_store *s, MDB_txn *txn, const struct acct *a)
{
	uint8_t raw[8 * ACCT_WORDS];
	struct acct c = *a;
	const uint64_t *w = (const uint64_t *)&c;
	MDB_val k = acct_key, v = {sizeof(raw), raw};
	uint64_t total = c.q_bytes;

	/* every commit that changes the records saves this: the limit's witness */
	for (int i = 0; i < GW_BUF_CLASSES; i++)
		total += c.bytes[i];
	if (total > c.peak_bytes)
		c.peak_bytes = total;
	for (size_t i = 0; i < ACCT_WORDS; i++)
		gw_store_key64(raw + 8 * i, w[i]);
	return -mdb_put(txn, gw_store_dbi(s, GW_DB_META), &k, &v, 0);
}

int gw_buf_meta_get(struct gw_store *s, MDB_txn *txn, const MDB_val *key, uint64_t *v,
		    uint64_t absent)
{
	MDB_val k = *key, d;
	int rc = mdb_get(txn, gw_store_dbi(s, GW_DB_META), &k, &d);

	if (rc == MDB_NOTFOUND) {
		*v = absent;
		return 0;
	}
	if (rc)
		return -rc;
	if (d.mv_size != 8)
		return -MDB_CORRUPTED;
	*v = gw_store_key64_get(d.mv_data);
	return 0;
}

int gw_buf_meta_put(struct gw_store *s, MDB_txn *txn, const MDB_val *key, uint64_t v)
{
	uint8_t raw[8];
	MDB_val k = *key, d = {8, raw};

	gw_store_key64(raw, v);
	return -mdb_put(txn, gw_store_dbi(s, GW_DB_META), &k, &d, 0);
}

static int read_next_seq(struct gw_store *s, MDB_txn *txn, uint64_t *seq)
{
	return gw_buf_meta_get(s, txn, &next_seq_key, seq, 1);
}

int gw_buf_meta_save(struct gw_store *s, struct buf_state *b, MDB_txn *txn, struct acct *a,
		     uint64_t max_seq)
{
	uint64_t stored, low, acked;
	bool staging;
	int rc;

	pthread_mutex_lock(&b->mu);
	/*
	 * The lowest seq given and not yet safe, besides what this very
	 * transaction commits: a staged record not written (records written at
	 * once get their seq here, on the writer, so none of them is pending).
	 */
	low = b->stage_low < b->next_seq ? b->stage_low : b->next_seq;
	/* an unclean stop whose report is not committed yet is found again */
	if (b->unclean_floor < low)
		low = b->unclean_floor;
	acked = b->acked_unsaved;
	b->acked_unsaved = 0;
	staging = b->staging_used;
	pthread_mutex_unlock(&b->mu);
	a->acked_total += acked;
	rc = read_next_seq(s, txn, &stored);
	/* next_seq: above every record ever put, as before staging */
	if (rc == 0 && max_seq >= stored)
		rc = gw_buf_meta_put(s, txn, &next_seq_key, max_seq + 1);
	/* an unclean stop reports from here (see stage.c) */
	if (rc == 0 && staging)
		rc = gw_buf_meta_put(s, txn, &unsettled_key, low);
	if (rc == 0)
		rc = gw_buf_acct_save(s, txn, a);
	if (rc < 0) {
		pthread_mutex_lock(&b->mu);
		b->acked_unsaved += acked;
		pthread_mutex_unlock(&b->mu);
	}
	return rc;
}

uint64_t gw_buf_transit_low(struct buf_state *b)
{
	uint64_t low;

	pthread_mutex_lock(&b->mu);
	low = b->next_seq;
	for (const struct transit *t = b->jobs; t; t = t->next)
		if (t->low < low)
			low = t->low;
	pthread_mutex_unlock(&b->mu);
	return low;
}

uint64_t gw_buf_alloc_seq(struct buf_state *b)
{
	uint64_t seq;

	pthread_mutex_lock(&b->mu);
	seq = b->next_seq++;
	pthread_mutex_unlock(&b->mu);
	return seq;
}

int gw_buf_put_raw(struct gw_store *s, struct buf_state *b, MDB_txn *txn, struct acct *a,
		   uint64_t seq, int cls, const void *data, size_t len)
{
	uint8_t k[8];
	MDB_val key = {8, k}, val = {len, (void *)data};
	int rc;

	gw_store_key64(k, seq);
	/* a staged record written late lands below the newest ones */
	rc = mdb_put(txn, gw_store_dbi(s, GW_DB_RECORDS), &key, &val,
		     seq > b->last_key ? MDB_APPEND : 0);
	if (rc)
		return -rc;
	if (seq > b->last_key)
		b->last_key = seq;
	if (cls == GW_REC_SNAPSHOT && seq < b->snap_hint)
		b->snap_hint = seq;
	a->n[cls]++;
	a->bytes[cls] += gw_buf_footprint(b, len);
	return 0;
}

int gw_buf_put(struct gw_store *s, struct buf_state *b, MDB_txn *txn, struct acct *a,
	       const struct gw_record *r)
{
	struct gw_buf enc;
	int rc;

	gw_buf_init(&enc);
	if (gw_record_encode(r, &enc) < 0) {
		gw_buf_release(&enc);
		return -E2BIG;
	}
	rc = gw_buf_put_raw(s, b, txn, a, r->seq, r->kind, enc.data, enc.len);
	gw_buf_release(&enc);
	return rc;
}

/* The encoded size without encoding: envelope (at most 8 + 5 + 9 * 3 + 5) and body. */
static size_t encoded_max(const struct gw_record *r)
{
	return 48 + (r->body_len ? r->body_len : 1);
}

static int append_write(struct gw_store *s, MDB_txn *txn, void *arg);
static void append_done(int status, void *arg);

/* Under the state's mutex. */
static int submit_job(struct gw_store *s)
{
	struct append_job *j = calloc(1, sizeof(*j));

	if (!j)
		return -ENOMEM;
	j->s = s;
	if (gw_store_submit(s, append_write, j, append_done, j) < 0) {
		free(j);
		return -ENOMEM;
	}
	return 0;
}

void gw_buf_transit_add(struct buf_state *b, struct transit *t)
{
	struct transit **tp;

	t->low = b->next_seq;
	t->staged_gen = b->staged_gen;
	t->next = NULL;
	for (tp = &b->jobs; *tp; tp = &(*tp)->next)
		;
	*tp = t;
}

void gw_buf_transit_remove(struct buf_state *b, struct transit *t)
{
	for (struct transit **tp = &b->jobs; *tp; tp = &(*tp)->next)
		if (*tp == t) {
			*tp = t->next;
			break;
		}
}

void gw_buf_transit_undo(struct buf_state *b, const struct transit *t)
{
	pthread_mutex_lock(&b->mu);
	if (b->staged_gen == t->staged_gen)
		b->next_seq = t->low;
	pthread_mutex_unlock(&b->mu);
}

static int append_write(struct gw_store *s, MDB_txn *txn, void *arg)
{
	struct append_job *j = arg;
	struct buf_state *b = gw_store_priv(s);
	struct acct a;
	uint64_t max_seq = 0;
	unsigned n = 0;
	int rc;

	pthread_mutex_lock(&b->mu);
	j->list = b->head;
	for (struct pending *p = b->head, *prev = NULL; p; prev = p, p = p->next) {
		if (n == MAX_PER_JOB) {
			prev->next = NULL;
			b->head = p;
			break;
		}
		n++;
		if (!p->next) {
			b->head = NULL;
			b->tail = &b->head;
		}
	}
	j->n = n;
	/*
	 * Records written at once take their seqs in this transaction, from
	 * here on: until its commit is delivered, nothing from here is read.
	 */
	gw_buf_transit_add(b, &j->tr);
	/* more than one job's worth waiting: queue the next job at once */
	b->job_queued = b->head && submit_job(s) == 0;
	pthread_mutex_unlock(&b->mu);

	rc = gw_buf_acct_load(s, txn, &a);
	if (rc < 0)
		return rc;
	for (struct pending *p = j->list; p; p = p->next) {
		size_t len = p->staged ? p->len : encoded_max(&p->r);
		uint64_t fp = gw_buf_footprint(b, len);
		if (fp > b->max_bytes / 2) {
			p->status = -E2BIG; /* could never fit beside anything else */
			continue;
		}
		if (p->staged) {
			/* the cloud took it while it waited here: nothing to write */
			pthread_mutex_lock(&b->mu);
			p->skipped = p->taken;
			pthread_mutex_unlock(&b->mu);
			if (p->skipped)
				continue;
		}
		rc = gw_buf_make_room(s, b, txn, &a, fp, p->staged ? p->r.seq : 0, p->r.kind,
				      &j->note, &max_seq);
		if (rc < 0)
			break;
		if (rc > 0) {
			/* no room beside what is on the wire: refused, or dropped and reported */
			p->status = -ENOSPC;
			rc = 0;
			continue;
		}
		if (!p->staged)
			p->r.seq = gw_buf_alloc_seq(b);
		rc = p->staged ? gw_buf_put_raw(s, b, txn, &a, p->r.seq, p->r.kind, p->data, p->len)
			       : gw_buf_put(s, b, txn, &a, &p->r);
		if (rc < 0)
			break;
		if (p->r.seq > max_seq)
			max_seq = p->r.seq;
	}
	if (rc == 0)
		rc = gw_buf_meta_save(s, b, txn, &a, max_seq);
	if (rc < 0) {
		b->snap_hint = 0;
		/* nothing was written (nor evicted): the numbers go back unless staging took some since */
		j->note = (struct evict_note){.rounds = j->note.rounds};
		gw_buf_transit_undo(b, &j->tr);
		return rc;
	}
	j->max_seq = max_seq;
	return 0;
}

/*
 * One line for what was evicted since the last one, by kind: at once for
 * the first eviction of a burst, then at most every DROP_LOG_MS while it
 * goes on (a timer writes what the throttle held back), so the lines add
 * up to the store's counters and a store that stays full is not a flood.
 */
static void log_drops(struct buf_state *b)
{
	uint64_t *d = b->drop_unlogged, total = 0;

	for (int c = 0; c <= GW_BUF_CLASSES; c++)
		total += d[c];
	if (!total)
		return;
	gw_warn(SUB, "store full (limit %" PRIu64 " bytes): evicted %" PRIu64 " records "
		"(snapshots %" PRIu64 ", quarantined %" PRIu64 ", events %" PRIu64
		", operations %" PRIu64 ", inventory %" PRIu64 ", unknown format %" PRIu64
		"); the dropped ranges go to the cloud in an event record",
		b->max_bytes, total, d[GW_REC_SNAPSHOT], d[GW_BUF_CLASSES], d[GW_REC_EVENT],
		d[GW_REC_OPERATION], d[GW_REC_INVENTORY], d[GW_BUF_UNKNOWN]);
	memset(b->drop_unlogged, 0, sizeof(b->drop_unlogged));
	b->drop_logged_ms = gw_clock_mono_ms();
}

void gw_buf_evicted(struct gw_store *s, struct buf_state *b, const struct evict_note *n)
{
	int64_t now = gw_clock_mono_ms(), wait;
	struct drop_log_entry *e;

	(void)s;
	pthread_mutex_lock(&b->mu);
	b->rounds_seen += n->rounds;
	pthread_mutex_unlock(&b->mu);
	if (!n->lo)
		return;
	e = &b->drops[++b->drop_epoch % DROP_LOG];
	*e = (struct drop_log_entry){b->drop_epoch, n->lo, n->hi};
	for (int c = 0; c <= GW_BUF_CLASSES; c++)
		b->drop_unlogged[c] += n->count[c];
	wait = b->drop_logged_ms ? b->drop_logged_ms + DROP_LOG_MS - now : 0;
	if (wait <= 0 || !b->drop_ev) {
		log_drops(b);
	} else if (!evtimer_pending(b->drop_ev, NULL)) {
		struct timeval tv = {wait / 1000, (wait % 1000) * 1000};
		evtimer_add(b->drop_ev, &tv);
	}
}

static void append_done(int status, void *arg)
{
	struct append_job *j = arg;
	struct gw_store *s = j->s;
	struct buf_state *b = s ? gw_store_priv(s) : NULL;
	unsigned ok = 0, no_room = 0;

	if (b) {
		pthread_mutex_lock(&b->mu);
		if (status < 0 && !j->list) {
			/* the job never ran (no transaction): fail what it was to take */
			j->list = b->head;
			b->head = NULL;
			b->tail = &b->head;
			b->job_queued = false;
		}
		gw_buf_transit_remove(b, &j->tr);
		pthread_mutex_unlock(&b->mu);
	}

	for (struct pending *p = j->list, *next; p; p = next) {
		int st = status < 0 ? status : p->status;
		next = p->next;
		if (st == -ENOSPC) {
			no_room++;   /* one line for the job, below */
			if (b)
				b->append_failed++;
		} else if (st < 0) {
			gw_err(SUB, "a %s record could not be stored: %s",
			       gw_record_kind_name(p->r.kind),
			       st == -E2BIG ? "larger than half the store" : mdb_strerror(-st));
			if (b)
				b->append_failed++;
		} else {
			ok++;
		}
		if (p->staged && b) {
			gw_stage_written(s, b, p, st);
			continue;
		}
		if (p->done)
			p->done(st, p->arg);
		free(p);
	}
	if (no_room)
		gw_err(SUB, "%u records could not be stored: no room beside the records on their "
		       "way to the cloud (those that had a sequence number are reported dropped)",
		       no_room);
	if (b) {
		b->appended += ok;
		if (status < 0)
			j->note = (struct evict_note){.rounds = j->note.rounds};
		gw_buf_evicted(s, b, &j->note);
		gw_stage_tell(b);
	}
	free(j);
}

int gw_buf_enqueue(struct gw_store *s, struct buf_state *b, struct pending *p)
{
	int rc = 0;

	p->next = NULL;
	pthread_mutex_lock(&b->mu);
	if (!b->job_queued) {
		rc = submit_job(s);
		b->job_queued = rc == 0;
	}
	if (rc == 0) {
		*b->tail = p;
		b->tail = &p->next;
	}
	pthread_mutex_unlock(&b->mu);
	return rc;
}

int gw_buffer_append(struct gw_store *s, const struct gw_record *r,
		     gw_store_done_fn done, void *arg)
{
	struct buf_state *b = state(s);
	struct pending *p;
	int rc = 0;

	if (!b)
		return -ENOMEM;
	if (r->body_len > GW_RECORD_MAX_BYTES - 64 || r->kind < GW_REC_SNAPSHOT ||
	    r->kind > GW_REC_INVENTORY)
		return r->body_len > GW_RECORD_MAX_BYTES - 64 ? -E2BIG : -EINVAL;
	if (gw_stage_wants(b, r))
		return gw_stage_add(s, b, r, done, arg);
	p = calloc(1, sizeof(*p) + r->body_len);
	if (!p)
		return -ENOMEM;
	p->r = *r;
	p->r.format = GW_RECORD_FORMAT;
	if (r->body_len)
		memcpy(p->data, r->body, r->body_len);
	p->r.body = p->data;
	p->done = done;
	p->arg = arg;
	rc = gw_buf_enqueue(s, b, p);
	if (rc < 0)
		free(p);
	return rc;
}

void gw_buffer_get_stats(struct gw_store *s, struct gw_buffer_stats *st)
{
	struct buf_state *b = state(s);
	MDB_txn *txn;
	MDB_stat ms;
	struct acct a;

	memset(st, 0, sizeof(*st));
	if (b) {
		st->appended = b->appended;
		st->append_failed = b->append_failed;
		st->max_bytes = b->max_bytes;
		st->staged = b->s_count;
		st->staged_bytes = b->s_bytes;
		st->staged_total = b->staged_total;
		st->staged_acked = b->staged_acked;
		st->staged_written = b->staged_written;
	}
	if (gw_store_read_begin(s, &txn) < 0)
		return;
	if (mdb_stat(txn, gw_store_dbi(s, GW_DB_RECORDS), &ms) == 0)
		st->records = ms.ms_entries;
	read_next_seq(s, txn, &st->next_seq);
	if (b) {
		pthread_mutex_lock(&b->mu);
		st->next_seq = b->next_seq;
		st->acked_total = b->acked_unsaved;
		pthread_mutex_unlock(&b->mu);
	}
	if (acct_read(s, txn, &a) == 0) {
		for (int c = 0; c < GW_BUF_CLASSES; c++) {
			st->by_class[c] = a.n[c];
			st->bytes += a.bytes[c];
			st->dropped[c] = a.dropped[c];
		}
		st->quarantined = a.q_n;
		st->quarantine_bytes = a.q_bytes;
		st->quarantined_total = a.quarantined_total;
		st->dropped_quarantine = a.q_dropped;
		st->drop_events = a.drop_events;
		st->acked_total += a.acked_total;
		st->peak_bytes = a.peak_bytes;
	}
	gw_store_read_end(txn);
}
