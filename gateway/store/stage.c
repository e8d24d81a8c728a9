/*
 * Staging: routine snapshots wait in memory for a grace period before they
 * cost the medium anything. Most of them leave for the cloud within a few
 * seconds of their poll and are never written at all; the rest (the cloud
 * is slow or away, the staging is full, the daemon stops) are written to
 * the store like any other record. Everything else is written at once.
 *
 * Sequence numbers are given at hand-over, in order, for every record. A
 * staged record may leave memory for the cloud only below a reservation
 * committed in the meta DB ("seq_reserved"), asked for in blocks ahead of
 * need, so a crash can skip numbers but never hand one out twice. The lowest
 * staged seq that is neither written nor delivered is kept in the meta DB
 * ("unsettled") with every commit; at the next start, the seqs between it
 * and the reservation that are not in the store are reported to the cloud
 * (an event "records_unaccounted"), so a gap is never mistaken for loss.
 *
 * "Acknowledged" (the done callback) keeps its meaning: the record is safe
 * from a crash of the daemon, because it is committed or because the cloud
 * accepted it. For a staged record that moment comes later than for one
 * written at once: when the cloud accepts it, or when it is written.
 */
#include "buffer_int.h"
#include "../core/clock.h"
#include "../core/devdata_pack.h"
#include "../core/log.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define SUB "buffer"
#define RES_BLOCK 16384          /* seqs reserved at once */
#define RES_AHEAD (RES_BLOCK / 2) /* ask again when fewer than this remain */
#define RANGES_PER_EVENT 128

static const MDB_val next_seq_key = {8, "next_seq"};
static const MDB_val reserved_key = {12, "seq_reserved"};
static const MDB_val unsettled_key = {9, "unsettled"};

static void on_stage_timer(evutil_socket_t fd, short what, void *arg);
static void on_tell(evutil_socket_t fd, short what, void *arg);

static int add_unclean(struct buf_state *b, uint64_t first, uint64_t last, unsigned *cap)
{
	if (b->n_unclean == *cap) {
		unsigned n = *cap ? *cap * 2 : 8;
		struct drop_range *r = realloc(b->unclean, n * sizeof(*r));
		if (!r)
			return -ENOMEM;
		b->unclean = r;
		*cap = n;
	}
	b->unclean[b->n_unclean++] = (struct drop_range){first, last};
	return 0;
}

/* [lo, hi) less the seqs either DB still holds: what an unclean stop may have lost. */
static int find_unclean(struct gw_store *s, struct buf_state *b, MDB_txn *txn, uint64_t lo,
			uint64_t hi)
{
	MDB_cursor *c[2] = {NULL, NULL};
	MDB_val k[2], v;
	uint8_t key[8];
	uint64_t at[2], seq = lo;
	unsigned cap = 0;
	int rc = 0;

	gw_store_key64(key, lo);
	for (int i = 0; i < 2; i++) {
		at[i] = UINT64_MAX;
		if (mdb_cursor_open(txn, gw_store_dbi(s, i ? GW_DB_QUARANTINE : GW_DB_RECORDS), &c[i]))
			continue;
		k[i] = (MDB_val){8, key};
		if (mdb_cursor_get(c[i], &k[i], &v, MDB_SET_RANGE) == 0 && k[i].mv_size == 8)
			at[i] = gw_store_key64_get(k[i].mv_data);
	}
	while (seq < hi && rc == 0) {
		int i = at[0] <= at[1] ? 0 : 1;
		uint64_t held = at[i];
		if (held > seq)
			rc = add_unclean(b, seq, (held < hi ? held : hi) - 1, &cap);
		if (held >= hi)
			break;
		seq = held + 1;
		at[i] = mdb_cursor_get(c[i], &k[i], &v, MDB_NEXT) == 0 && k[i].mv_size == 8
			? gw_store_key64_get(k[i].mv_data) : UINT64_MAX;
	}
	for (int i = 0; i < 2; i++)
		if (c[i])
			mdb_cursor_close(c[i]);
	return rc;
}

int gw_stage_init(struct gw_store *s, struct buf_state *b, MDB_txn *txn)
{
	uint64_t next, reserved, unsettled, lo, hi;
	MDB_cursor *c;
	MDB_val k, v;
	int rc;

	rc = gw_buf_meta_get(s, txn, &next_seq_key, &next, 1);
	if (rc == 0)
		rc = gw_buf_meta_get(s, txn, &reserved_key, &reserved, 0);
	if (rc == 0)
		rc = gw_buf_meta_get(s, txn, &unsettled_key, &unsettled, UINT64_MAX);
	if (rc < 0)
		return rc;
	/* never below a reservation: numbers past it may have reached the cloud */
	b->next_seq = next > reserved ? next : reserved;
	b->reserve_asked = b->reserved_ok = reserved;
	b->stage_low = UINT64_MAX;
	b->told = b->next_seq;
	if (mdb_cursor_open(txn, gw_store_dbi(s, GW_DB_RECORDS), &c) == 0) {
		if (mdb_cursor_get(c, &k, &v, MDB_LAST) == 0 && k.mv_size == 8)
			b->last_key = gw_store_key64_get(k.mv_data);
		mdb_cursor_close(c);
	}
	/*
	 * "unsettled" is written with every commit while staging is used (and
	 * set aside by a clean stop): below it every seq was safe. Between it and
	 * where numbering goes on, what the store does not hold may be lost.
	 */
	lo = unsettled;
	hi = b->next_seq;
	if (lo < hi) {
		if (find_unclean(s, b, txn, lo, hi) < 0)
			return -ENOMEM;
		b->staging_used = true;   /* the next commit moves "unsettled" on */
		/* not past these until their report is committed: a crash finds them again */
		if (b->n_unclean)
			b->unclean_floor = b->unclean[0].first;
	}
	if (b->base) {
		b->stage_ev = evtimer_new(b->base, on_stage_timer, s);
		b->tell_ev = evtimer_new(b->base, on_tell, s);
		if (!b->stage_ev || !b->tell_ev)
			return -ENOMEM;
	}
	return 0;
}

static void unlink_staged(struct buf_state *b, struct pending *p)
{
	if (p->s_prev)
		p->s_prev->s_next = p->s_next;
	else
		b->s_head = p->s_next;
	if (p->s_next)
		p->s_next->s_prev = p->s_prev;
	else
		b->s_tail = p->s_prev;
	b->s_count--;
	b->s_bytes -= p->len;
}

void gw_stage_release(struct buf_state *b)
{
	struct pending *p;

	if (b->staged_total)
		gw_info(SUB, "%" PRIu64 " routine snapshots staged: %" PRIu64 " taken by the cloud "
			"from memory, %" PRIu64 " written to the store", b->staged_total,
			b->staged_acked, b->staged_written);
	while ((p = b->s_head)) {
		unlink_staged(b, p);
		if (p->done && p->state != ST_ACKED)
			p->done(-ECANCELED, p->arg);
		free(p);
	}
	if (b->stage_ev)
		event_free(b->stage_ev);
	if (b->tell_ev)
		event_free(b->tell_ev);
	free(b->unclean);
}

/* Loop: the lowest staged seq that is neither written nor delivered. */
static void update_low(struct buf_state *b)
{
	uint64_t low = UINT64_MAX;

	for (struct pending *p = b->s_head; p; p = p->s_next)
		if (p->state != ST_ACKED) {
			low = p->r.seq;
			break;
		}
	pthread_mutex_lock(&b->mu);
	b->stage_low = low;
	pthread_mutex_unlock(&b->mu);
}

uint64_t gw_stage_horizon(struct buf_state *b)
{
	uint64_t h = gw_buf_transit_low(b);

	/* staged seqs at or past the committed reservation stay in memory */
	if (b->s_tail && b->s_tail->r.seq >= b->reserved_ok && b->reserved_ok < h)
		h = b->reserved_ok;
	return h;
}

static void on_tell(evutil_socket_t fd, short what, void *arg)
{
	struct gw_store *s = arg;
	struct buf_state *b = gw_store_priv(s);
	uint64_t h;

	(void)fd;
	(void)what;
	if (!b)
		return;
	h = gw_stage_horizon(b);
	if (h <= b->told)
		return;
	if (b->listener)
		b->listener((unsigned)(h - b->told), h - 1, b->listener_arg);
	b->told = h;
}

void gw_stage_tell(struct buf_state *b)
{
	static const struct timeval now = {0, 0};

	/* from the loop's next turn: never inside the caller's own call */
	if (b->tell_ev && !evtimer_pending(b->tell_ev, NULL))
		evtimer_add(b->tell_ev, &now);
}

const struct pending *gw_stage_after(const struct pending *p)
{
	for (p = p->s_next; p; p = p->s_next)
		if (p->state == ST_WAIT || p->state == ST_FLUSH)
			return p;
	return NULL;
}

const struct pending *gw_stage_find(const struct buf_state *b, uint64_t from)
{
	for (const struct pending *p = b->s_head; p; p = p->s_next)
		if (p->r.seq >= from && (p->state == ST_WAIT || p->state == ST_FLUSH))
			return p;
	return NULL;
}

bool gw_stage_wants(const struct buf_state *b, const struct gw_record *r)
{
	return b->grace_ms > 0 && b->stage_ev && r->kind == GW_REC_SNAPSHOT &&
	       r->ctype == GW_CT_SCHEDULED &&
	       gw_buf_footprint(b, 48 + r->body_len) <= b->max_bytes / 2;
}

/* --- the reservation ---------------------------------------------------- */

struct res_job {
	struct gw_store *s;
	uint64_t value;      /* 0: settle (release what is not used) */
	uint64_t settles;    /* a settle asked for after this one overrides it */
};

static int reserve_write(struct gw_store *s, MDB_txn *txn, void *arg)
{
	struct res_job *j = arg;
	struct buf_state *b = gw_store_priv(s);
	struct acct a;
	uint64_t stored, v, floor;
	int rc;

	rc = gw_buf_acct_load(s, txn, &a);
	if (rc == 0)
		rc = gw_buf_meta_get(s, txn, &reserved_key, &stored, 0);
	if (rc < 0)
		return rc;
	if (j->value) {
		if (j->value > stored)
			rc = gw_buf_meta_put(s, txn, &reserved_key, j->value);
		if (rc == 0)
			rc = gw_buf_meta_save(s, b, txn, &a, 0);
		return rc;
	}
	/*
	 * Settle: everything handed over was written (the jobs before this one)
	 * or delivered; nothing is unsettled and the next start goes on at v.
	 */
	pthread_mutex_lock(&b->mu);
	v = b->next_seq;
	floor = b->unclean_floor;
	pthread_mutex_unlock(&b->mu);
	rc = gw_buf_meta_save(s, b, txn, &a, v - 1);
	if (rc == 0)
		rc = gw_buf_meta_put(s, txn, &reserved_key, v);
	/* an unclean stop found at open and not reported yet is found again */
	if (rc == 0)
		rc = gw_buf_meta_put(s, txn, &unsettled_key, floor);
	return rc;
}

static void reserve_done(int status, void *arg)
{
	struct res_job *j = arg;
	struct buf_state *b = gw_store_priv(j->s);

	if (b && j->value && j->settles == b->settles) {
		if (status == 0 && j->value > b->reserved_ok) {
			b->reserved_ok = j->value;
			gw_stage_tell(b);
		} else if (status < 0) {
			gw_err(SUB, "sequence numbers cannot be reserved: %s; staged snapshots wait",
			       mdb_strerror(-status));
			b->reserve_asked = b->reserved_ok;
		}
	}
	free(j);
}

static void submit_reserve(struct gw_store *s, struct buf_state *b, uint64_t value)
{
	struct res_job *j = malloc(sizeof(*j));

	if (!j)
		return;
	if (!value)
		b->settles++;
	*j = (struct res_job){s, value, b->settles};
	if (gw_store_submit(s, reserve_write, j, reserve_done, j) < 0)
		free(j);
	else if (value)
		b->reserve_asked = value;
}

/* --- staging ------------------------------------------------------------ */

static int flush_one(struct gw_store *s, struct buf_state *b, struct pending *p)
{
	if (gw_buf_enqueue(s, b, p) < 0)
		return -ENOMEM;   /* stays staged; the next timer tries again */
	p->state = ST_FLUSH;
	b->s_wait_bytes -= p->len;
	return 0;
}

static void arm(struct buf_state *b)
{
	int64_t wait;
	struct timeval tv;

	for (struct pending *p = b->s_head; p; p = p->s_next)
		if (p->state == ST_WAIT) {
			wait = p->due_ms - gw_clock_mono_ms();
			if (wait < 0)
				wait = 0;
			tv = (struct timeval){wait / 1000, (wait % 1000) * 1000};
			evtimer_add(b->stage_ev, &tv);
			return;
		}
	evtimer_del(b->stage_ev);
}

static void on_stage_timer(evutil_socket_t fd, short what, void *arg)
{
	struct gw_store *s = arg;
	struct buf_state *b = gw_store_priv(s);
	int64_t now = gw_clock_mono_ms();

	(void)fd;
	(void)what;
	/* the cloud has not taken these within the grace period: write them */
	for (struct pending *p = b->s_head; p; p = p->s_next) {
		if (p->state != ST_WAIT)
			continue;
		if (p->due_ms > now || flush_one(s, b, p) < 0)
			break;
	}
	arm(b);
}

int gw_stage_add(struct gw_store *s, struct buf_state *b, const struct gw_record *r,
		 gw_store_done_fn done, void *arg)
{
	struct gw_record rr = *r;
	struct gw_buf enc;
	struct pending *p;
	uint64_t next;

	rr.format = GW_RECORD_FORMAT;
	pthread_mutex_lock(&b->mu);
	rr.seq = b->next_seq++;
	next = b->next_seq;
	b->staged_gen++;
	b->staging_used = true;
	pthread_mutex_unlock(&b->mu);
	gw_buf_init(&enc);
	if (gw_record_encode(&rr, &enc) < 0 ||
	    !(p = calloc(1, sizeof(*p) + enc.len))) {
		gw_buf_release(&enc);
		return -ENOMEM;
	}
	memcpy(p->data, enc.data, enc.len);
	p->len = enc.len;
	gw_buf_release(&enc);
	p->r = rr;
	p->r.body = NULL;
	p->r.body_len = 0;
	p->done = done;
	p->arg = arg;
	p->staged = true;
	p->state = ST_WAIT;
	p->due_ms = gw_clock_mono_ms() + b->grace_ms;
	p->s_prev = b->s_tail;
	if (b->s_tail)
		b->s_tail->s_next = p;
	else
		b->s_head = p;
	b->s_tail = p;
	b->s_count++;
	b->s_bytes += p->len;
	b->s_wait_bytes += p->len;
	b->staged_total++;
	if (b->stage_low == UINT64_MAX)
		update_low(b);
	if (next + RES_AHEAD > b->reserve_asked)
		submit_reserve(s, b, next + RES_BLOCK);
	/* a full staging writes its oldest */
	for (struct pending *q = b->s_head; q && b->s_wait_bytes > b->stage_max; q = q->s_next)
		if (q->state == ST_WAIT && flush_one(s, b, q) < 0)
			break;
	if (!evtimer_pending(b->stage_ev, NULL))
		arm(b);
	gw_stage_tell(b);
	return 0;
}

void gw_stage_written(struct gw_store *s, struct buf_state *b, struct pending *p, int status)
{
	(void)s;
	if (status == 0 && !p->skipped)
		b->staged_written++;
	if (p->state != ST_ACKED && p->done)
		p->done(status, p->arg);   /* acknowledged: it is committed */
	unlink_staged(b, p);
	free(p);
	update_low(b);
}

int gw_stage_ack(struct gw_store *s, struct buf_state *b, uint64_t first, uint64_t last)
{
	struct pending *p = b->s_head, *next;
	uint64_t freed = 0;
	int need = 0;

	(void)s;
	while (p && p->r.seq < first)
		p = p->s_next;
	for (; p && p->r.seq <= last; p = next) {
		next = p->s_next;
		if (p->state == ST_WAIT) {
			/* acknowledged: the cloud has it, and it never cost a write */
			if (p->done)
				p->done(0, p->arg);
			b->s_wait_bytes -= p->len;
			unlink_staged(b, p);
			free(p);
			freed++;
			b->staged_acked++;
		} else if (p->state == ST_FLUSH) {
			/*
			 * Being written: the store deletes it once it is there (the
			 * ack job comes after the job that writes it), and a job that
			 * has not reached it yet does not write it at all.
			 */
			if (p->done)
				p->done(0, p->arg);
			p->state = ST_ACKED;
			pthread_mutex_lock(&b->mu);
			p->taken = true;
			pthread_mutex_unlock(&b->mu);
			b->staged_acked++;
			need = 1;
		}
	}
	if (freed) {
		pthread_mutex_lock(&b->mu);
		b->acked_unsaved += freed;
		pthread_mutex_unlock(&b->mu);
		update_low(b);
	}
	return need;
}

/* --- the quarantine ----------------------------------------------------- */

struct q_job {
	struct gw_store *s;
	struct pending *p;
	gw_store_done_fn done;
	void *arg;
	struct evict_note note;
	struct transit tr;   /* its reports take seqs on the writer */
	bool dropped;        /* no room: dropped and reported instead */
};

static int quarantine_raw_write(struct gw_store *s, MDB_txn *txn, void *arg)
{
	struct q_job *j = arg;
	struct buf_state *b = gw_store_priv(s);
	struct acct a;
	uint8_t key[8];
	MDB_val k = {8, key}, v = {j->p->len, j->p->data};
	uint64_t fp = gw_buf_footprint(b, j->p->len), max_seq = j->p->r.seq;
	int rc;

	pthread_mutex_lock(&b->mu);
	gw_buf_transit_add(b, &j->tr);
	pthread_mutex_unlock(&b->mu);
	rc = gw_buf_acct_load(s, txn, &a);
	if (rc < 0)
		goto fail;
	/* it was never written: it takes room in the store now, like an append */
	rc = gw_buf_make_room(s, b, txn, &a, fp, j->p->r.seq, GW_BUF_CLASSES, &j->note,
			      &max_seq);
	if (rc < 0)
		goto fail;
	j->dropped = rc > 0;
	if (!j->dropped) {
		a.quarantined_total++;
		gw_store_key64(key, j->p->r.seq);
		rc = mdb_put(txn, gw_store_dbi(s, GW_DB_QUARANTINE), &k, &v, 0);
		if (rc) {
			rc = -rc;
			goto fail;
		}
		a.q_n++;
		a.q_bytes += fp;
	}
	rc = gw_buf_meta_save(s, b, txn, &a, max_seq);
	if (rc == 0)
		return 0;
fail:
	j->note = (struct evict_note){.rounds = j->note.rounds};
	gw_buf_transit_undo(b, &j->tr);
	return rc;
}

static void quarantine_raw_done(int status, void *arg)
{
	struct q_job *j = arg;
	struct buf_state *b = gw_store_priv(j->s);

	if (status < 0)
		gw_err(SUB, "record %" PRIu64 " could not be moved to the quarantine: %s",
		       j->p->r.seq, mdb_strerror(-status));
	else if (j->dropped)
		gw_warn(SUB, "record %" PRIu64 " refused by the cloud: no room in the quarantine "
			"beside the records on their way to the cloud; dropped and reported",
			j->p->r.seq);
	if (j->p->done)
		j->p->done(status, j->p->arg);
	if (b) {
		pthread_mutex_lock(&b->mu);
		gw_buf_transit_remove(b, &j->tr);
		pthread_mutex_unlock(&b->mu);
		if (status < 0)
			j->note = (struct evict_note){.rounds = j->note.rounds};
		gw_buf_evicted(j->s, b, &j->note);
		gw_stage_tell(b);
		unlink_staged(b, j->p);
		update_low(b);
	}
	free(j->p);
	if (j->done)
		j->done(status, j->arg);
	free(j);
}

int gw_stage_quarantine(struct gw_store *s, struct buf_state *b, uint64_t seq,
			gw_store_done_fn done, void *arg)
{
	struct pending *p;
	struct q_job *j;

	for (p = b->s_head; p && p->r.seq < seq; p = p->s_next)
		;
	if (!p || p->r.seq != seq || p->state != ST_WAIT)
		return 0;   /* not staged, or on its way into the store: the store moves it */
	j = malloc(sizeof(*j));
	if (!j)
		return -ENOMEM;
	*j = (struct q_job){.s = s, .p = p, .done = done, .arg = arg};
	if (gw_store_submit(s, quarantine_raw_write, j, quarantine_raw_done, j) < 0) {
		free(j);
		return -ENOMEM;
	}
	p->state = ST_QUARANTINE;
	b->s_wait_bytes -= p->len;
	return 1;
}

/* --- stop, and the start after an unclean stop ---------------------------- */

void gw_stage_drain(struct gw_store *s)
{
	struct buf_state *b = gw_store_priv(s);

	if (!b)
		return;
	for (struct pending *p = b->s_head; p; p = p->s_next)
		if (p->state == ST_WAIT)
			flush_one(s, b, p);
	if (b->stage_ev)
		evtimer_del(b->stage_ev);
	if (!b->staging_used)
		return;
	/* what was reserved and not used is released: a clean stop skips nothing */
	pthread_mutex_lock(&b->mu);
	b->reserve_asked = b->reserved_ok = b->next_seq;
	pthread_mutex_unlock(&b->mu);
	submit_reserve(s, b, 0);
}

/* The reports of one unclean stop, until every one of them is committed. */
struct unclean_round {
	struct gw_store *s;
	unsigned left;
	bool failed;
};

static void unclean_settle(struct unclean_round *u)
{
	struct buf_state *b = gw_store_priv(u->s);

	if (u->left)
		return;
	/* all committed: "unsettled" may move past the ranges; else the next start reports them */
	if (!u->failed && b) {
		pthread_mutex_lock(&b->mu);
		b->unclean_floor = UINT64_MAX;
		pthread_mutex_unlock(&b->mu);
	}
	free(u);
}

static void unclean_done(int status, void *arg)
{
	struct unclean_round *u = arg;

	u->failed |= status < 0;
	u->left--;
	unclean_settle(u);
}

static int report(struct gw_store *s, struct buf_state *b, unsigned from, unsigned n,
		  struct unclean_round *u)
{
	struct gw_buf body;
	struct gw_record r;
	int64_t now = gw_clock_wall_ms();
	int rc;

	gw_buf_init(&body);
	if (gw_buf_unaccounted_body(b, &body, b->unclean + from, n, now) < 0) {
		gw_buf_release(&body);
		return -ENOMEM;
	}
	r = (struct gw_record){
		.format = GW_RECORD_FORMAT,
		.kind = GW_REC_EVENT,
		.ctype = GW_CT_EVENT,
		.collected_ms = now,
		.created_ms = now,
		.body = body.data,
		.body_len = body.len,
	};
	rc = gw_buffer_append(s, &r, unclean_done, u);
	gw_buf_release(&body);
	if (rc == 0)
		u->left++;
	return rc;
}

void gw_stage_report_unclean(struct gw_store *s, struct buf_state *b)
{
	struct unclean_round *u;
	uint64_t total = 0;

	if (!b->n_unclean)
		return;
	for (unsigned i = 0; i < b->n_unclean; i++)
		total += b->unclean[i].last - b->unclean[i].first + 1;
	gw_warn(SUB, "the last stop was not clean: %" PRIu64 " sequence numbers from %" PRIu64
		" to %" PRIu64 " are not in the store (routine snapshots that were neither "
		"written nor delivered, or numbers never used); reported to the cloud", total,
		b->unclean[0].first, b->unclean[b->n_unclean - 1].last);
	u = calloc(1, sizeof(*u));
	if (!u) {
		gw_err(SUB, "the report of an unclean stop could not be stored");
		return;   /* kept: configuring again tries again */
	}
	u->s = s;
	u->left = 1;  /* until every report is handed over */
	for (unsigned i = 0; i < b->n_unclean; i += RANGES_PER_EVENT)
		if (report(s, b, i, b->n_unclean - i < RANGES_PER_EVENT ? b->n_unclean - i
			   : RANGES_PER_EVENT, u) < 0) {
			gw_err(SUB, "the report of an unclean stop could not be stored");
			u->failed = true;
		}
	u->left--;
	unclean_settle(u);
	free(b->unclean);
	b->unclean = NULL;
	b->n_unclean = 0;
}
