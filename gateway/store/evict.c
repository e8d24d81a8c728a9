/*
 * Eviction when the record buffer reaches its byte limit, on the writer
 * thread inside the append's transaction. The limit is hard: after every
 * commit the records and the quarantine occupy at most the limit. The
 * order, oldest first within each step:
 *   1. routine snapshots waiting for upload (a newer one replaces them);
 *   2. quarantined records (the cloud refused them already);
 *   3. routine snapshots the uploader has read for a batch it has not sent
 *      yet (it reads them again, or builds without them, before sending);
 *   4. everything else waiting: events, operation results, inventory
 *      changes, and records of a format this build cannot read.
 * What is on the wire (a batch sent, its answer awaited) is never evicted;
 * the uploader keeps a batch within an eighth of the limit, so the rest can
 * always make room. Each round frees a little more than needed (a chunk of
 * the limit), so a full store evicts in steps rather than on every append.
 * The dropped sequence ranges go to the cloud in event records appended in
 * the same transaction (with new seqs, taken from the writer thread), so
 * that a gap is never mistaken for loss; a report that has to be evicted
 * itself (a drop report, or the report of an unclean stop) hands its ranges
 * on to a report of the same type written by the round.
 *
 * What the uploader has in flight is taken once per round: were it read
 * afresh for every record, a range narrowing between the passes would let
 * step 4 take events (drop reports among them) and the newest records while
 * older snapshots that step 1 passed over as in flight stayed.
 */
#include "buffer_int.h"
#include "../core/clock.h"
#include "../core/devdata_pack.h"
#include "../core/mpfield.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define RANGES_PER_EVENT 128
/*
 * A report's encoding without its ranges, at most: envelope, the gateway
 * as a device (its id up to 71 bytes), type, reason, time, limit and the
 * counts by class. Each range adds at most two u64s and an array header.
 */
#define EVENT_BASE 640
#define RANGE_BYTES 19
#define MIN_CHUNK (64u << 10)

static int push(struct drop_range **r, unsigned *n, unsigned *cap, uint64_t first,
		uint64_t last)
{
	struct drop_range *prev = *n ? &(*r)[*n - 1] : NULL;

	if (prev && prev->last + 1 == first) {
		prev->last = last;
		return 0;
	}
	if (*n == *cap) {
		unsigned c = *cap ? *cap * 2 : 16;
		struct drop_range *nr = realloc(*r, c * sizeof(*nr));
		if (!nr)
			return -ENOMEM;
		*r = nr;
		*cap = c;
	}
	(*r)[(*n)++] = (struct drop_range){first, last};
	return 0;
}

/* A seq this round drops (not one handed on from an evicted report). */
static int add_dropped(struct evict_round *er, uint64_t seq)
{
	if (!er->lo || seq < er->lo)
		er->lo = seq;
	if (seq > er->hi)
		er->hi = seq;
	return push(&er->r, &er->n, &er->cap, seq, seq);
}

static const msgpack_object *map_get(const msgpack_object *m, const char *key)
{
	if (!m || m->type != MSGPACK_OBJECT_MAP)
		return NULL;
	for (uint32_t i = 0; i < m->via.map.size; i++)
		if (gw_mp_key_is(&m->via.map.ptr[i].key, key))
			return &m->via.map.ptr[i].val;
	return NULL;
}

/*
 * An event about to be evicted: if it is one of our reports (dropped or
 * unaccounted ranges), its ranges go into this round's report of the same
 * type, or they would be lost with it.
 */
static int carry_ranges(struct evict_round *er, const void *data, size_t len)
{
	const msgpack_object *ev, *model, *type, *ranges;
	struct gw_record r;
	msgpack_unpacked h;
	bool dropped;
	int rc = 0;

	msgpack_unpacked_init(&h);
	if (gw_record_decode(data, len, &r, &h) != GW_REC_OK || r.kind != GW_REC_EVENT)
		goto out;
	model = map_get(map_get(r.body_obj, "device"), "model");
	ev = map_get(r.body_obj, "event");
	type = map_get(ev, "type");
	ranges = map_get(ev, "ranges");
	if (!model || !gw_mp_key_is(model, "ecsp-gateway") || !type || !ranges ||
	    ranges->type != MSGPACK_OBJECT_ARRAY)
		goto out;
	dropped = gw_mp_key_is(type, "records_dropped");
	if (!dropped && !gw_mp_key_is(type, "records_unaccounted"))
		goto out;
	for (uint32_t i = 0; i < ranges->via.array.size && rc == 0; i++) {
		const msgpack_object *p = &ranges->via.array.ptr[i];
		if (p->type != MSGPACK_OBJECT_ARRAY || p->via.array.size != 2 ||
		    p->via.array.ptr[0].type != MSGPACK_OBJECT_POSITIVE_INTEGER ||
		    p->via.array.ptr[1].type != MSGPACK_OBJECT_POSITIVE_INTEGER ||
		    p->via.array.ptr[0].via.u64 > p->via.array.ptr[1].via.u64)
			continue;
		rc = dropped ? push(&er->r, &er->n, &er->cap, p->via.array.ptr[0].via.u64,
				    p->via.array.ptr[1].via.u64)
			     : push(&er->u, &er->un, &er->ucap, p->via.array.ptr[0].via.u64,
				    p->via.array.ptr[1].via.u64);
	}
out:
	msgpack_unpacked_destroy(&h);
	return rc;
}

static uint64_t total_bytes(const struct acct *a)
{
	uint64_t t = a->q_bytes;

	for (int c = 0; c < GW_BUF_CLASSES; c++)
		t += a->bytes[c];
	return t;
}

/* What reports of n ranges (at least one report) will occupy. */
static uint64_t reports_cost(const struct buf_state *b, unsigned n, bool always)
{
	uint64_t t = 0;

	if (!n && !always)
		return 0;
	do {
		unsigned k = n < RANGES_PER_EVENT ? n : RANGES_PER_EVENT;
		t += gw_buf_footprint(b, EVENT_BASE + (size_t)RANGE_BYTES * k);
		n -= k;
	} while (n);
	return t;
}

/* What the reports for the round so far will take. */
static uint64_t report_cost(const struct buf_state *b, const struct evict_round *er)
{
	return reports_cost(b, er->n, true) + reports_cost(b, er->un, false);
}

static bool within(uint64_t seq, uint64_t first, uint64_t last)
{
	return first && seq >= first && seq <= last;
}

enum pass {
	P_UNREAD,       /* nothing the uploader read */
	P_READ,         /* only what it read and has not sent */
	P_NOT_ON_WIRE,  /* anything but what is on the wire */
};

/*
 * Scan one DB from `from`, deleting what `want` (a class, or -1: any) and
 * the pass accept until `target` bytes (and the reports) are freed.
 * Returns 0, or < 0; *stop gets the seq the scan ended at, or the first it
 * passed over as read.
 */
static int scan(struct gw_store *s, struct buf_state *b, MDB_txn *txn, struct acct *a,
		enum gw_store_db db, int want, enum pass pass, uint64_t from, uint64_t target,
		struct evict_round *er, uint64_t *stop)
{
	MDB_cursor *c;
	MDB_val k, v;
	uint8_t key[8];
	uint64_t first_skip = UINT64_MAX;  /* the hint must not pass what was skipped */
	int rc;

	rc = mdb_cursor_open(txn, gw_store_dbi(s, db), &c);
	if (rc)
		return -rc;
	gw_store_key64(key, from);
	k = (MDB_val){8, key};
	*stop = UINT64_MAX;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); rc == 0;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		uint64_t seq = gw_store_key64_get(k.mv_data), fp;
		int cls;

		if (er->freed >= target + report_cost(b, er)) {
			*stop = seq < first_skip ? seq : first_skip;
			break;
		}
		if (db == GW_DB_RECORDS && pass == P_READ && seq > er->read_last)
			break;
		cls = gw_buffer_class_of(v.mv_data, v.mv_size);
		if (want >= 0 && cls != want)
			continue;
		if (db == GW_DB_RECORDS && (within(seq, er->wire_first, er->wire_last) ||
					    within(seq, er->acc_first, er->acc_last) ||
					    (pass == P_UNREAD &&
					     within(seq, er->read_first, er->read_last)))) {
			/* on its way to the cloud, or there: not ours to drop (now) */
			if (first_skip == UINT64_MAX)
				first_skip = seq;
			continue;
		}
		fp = gw_buf_footprint(b, v.mv_size);
		if (db == GW_DB_QUARANTINE) {
			a->q_n--;
			a->q_bytes -= fp;
			a->q_dropped++;
			er->count[GW_BUF_CLASSES]++;
		} else {
			a->n[cls]--;
			a->bytes[cls] -= fp;
			a->dropped[cls]++;
			er->count[cls]++;
		}
		er->freed += fp;
		rc = add_dropped(er, seq);
		if (rc == 0 && db == GW_DB_RECORDS && cls == GW_REC_EVENT)
			rc = carry_ranges(er, v.mv_data, v.mv_size);
		if (rc < 0)
			break;
		rc = mdb_cursor_del(c, 0);
		if (rc)
			break;
	}
	mdb_cursor_close(c);
	if (*stop == UINT64_MAX)
		*stop = first_skip;
	return rc && rc != MDB_NOTFOUND ? (rc < 0 ? rc : -rc) : 0;
}

static int cmp_range(const void *x, const void *y)
{
	const struct drop_range *a = x, *b = y;

	return a->first < b->first ? -1 : a->first > b->first;
}

/* Sorted ranges that touch become one (carried ones meet the round's own). */
static unsigned coalesce(struct drop_range *r, unsigned n)
{
	unsigned m = 0;

	if (n)
		qsort(r, n, sizeof(*r), cmp_range);
	for (unsigned i = 0; i < n; i++) {
		if (m && r[i].first <= r[m - 1].last + 1) {
			if (r[i].last > r[m - 1].last)
				r[m - 1].last = r[i].last;
		} else {
			r[m++] = r[i];
		}
	}
	return m;
}

static void pack_kv_u64(msgpack_packer *pk, const char *k, uint64_t v)
{
	gw_pack_cstr(pk, k);
	msgpack_pack_uint64(pk, v);
}

/*
 * The contract wants a device with a model and an identity on every event;
 * the gateway is that device in its reports about itself (model
 * "ecsp-gateway", serial_number = the gateway id). Then the event map's
 * first pairs: type, reason, at; `pairs` in all.
 */
static void report_head(const struct buf_state *b, msgpack_packer *pk, const char *type,
			const char *reason, int64_t now, unsigned pairs)
{
	char when[32];

	msgpack_pack_map(pk, 2);
	gw_pack_cstr(pk, "device");
	msgpack_pack_map(pk, 3);
	gw_pack_cstr(pk, "manufacturer");
	gw_pack_cstr(pk, "ecsp-gateway");
	gw_pack_cstr(pk, "model");
	gw_pack_cstr(pk, "ecsp-gateway");
	gw_pack_cstr(pk, "serial_number");
	gw_pack_cstr(pk, b->gateway_id);
	gw_pack_cstr(pk, "event");
	msgpack_pack_map(pk, pairs);
	gw_pack_cstr(pk, "type");
	gw_pack_cstr(pk, type);
	gw_pack_cstr(pk, "reason");
	gw_pack_cstr(pk, reason);
	gw_pack_cstr(pk, "at");
	gw_clock_format_rfc3339(now, when, sizeof(when));
	gw_pack_cstr(pk, when);
}

static void pack_ranges(msgpack_packer *pk, const struct drop_range *r, unsigned n)
{
	gw_pack_cstr(pk, "ranges");
	msgpack_pack_array(pk, n);
	for (unsigned i = 0; i < n; i++) {
		msgpack_pack_array(pk, 2);
		msgpack_pack_uint64(pk, r[i].first);
		msgpack_pack_uint64(pk, r[i].last);
	}
}

int gw_buf_unaccounted_body(const struct buf_state *b, struct gw_buf *body,
			    const struct drop_range *r, unsigned n, int64_t now)
{
	msgpack_packer pk;

	gw_packer_init(&pk, body);
	report_head(b, &pk, "records_unaccounted", "unclean_stop", now, 4);
	pack_ranges(&pk, r, n);
	return body->failed ? -ENOMEM : 0;
}

/* Put one report (an event about the gateway itself) with a new seq. */
static int put_report(struct gw_store *s, struct buf_state *b, MDB_txn *txn, struct acct *a,
		      const struct gw_buf *body, int64_t now, uint64_t *max_seq)
{
	struct gw_record r = {
		.format = GW_RECORD_FORMAT,
		.kind = GW_REC_EVENT,
		.ctype = GW_CT_EVENT,
		.seq = gw_buf_alloc_seq(b),
		.collected_ms = now,
		.created_ms = now,
		.body = body->data,
		.body_len = body->len,
	};
	int rc;

	if (body->failed)
		return -ENOMEM;
	rc = gw_buf_put(s, b, txn, a, &r);
	if (rc == 0) {
		a->drop_events++;
		if (r.seq > *max_seq)
			*max_seq = r.seq;
	}
	return rc;
}

/* The drop report: ranges [from, from + n) of the round's, counts in the first. */
static int report(struct gw_store *s, struct buf_state *b, MDB_txn *txn, struct acct *a,
		  const struct evict_round *er, unsigned from, unsigned n, uint64_t *max_seq)
{
	struct gw_buf body;
	msgpack_packer pk;
	int64_t now = gw_clock_wall_ms();
	unsigned classes = 0;
	int rc;

	/* the counts go with the round's first report only */
	for (int c = 0; c <= GW_BUF_CLASSES && from == 0; c++)
		classes += er->count[c] != 0;
	gw_buf_init(&body);
	gw_packer_init(&pk, &body);
	report_head(b, &pk, "records_dropped", "store_full", now, 6);
	pack_kv_u64(&pk, "limit_bytes", b->max_bytes);
	gw_pack_cstr(&pk, "dropped");
	msgpack_pack_map(&pk, classes);
	for (int c = 0; c < GW_BUF_CLASSES && from == 0; c++)
		if (er->count[c])
			pack_kv_u64(&pk, gw_buffer_class_name(c), er->count[c]);
	if (er->count[GW_BUF_CLASSES] && from == 0)
		pack_kv_u64(&pk, "quarantined", er->count[GW_BUF_CLASSES]);
	pack_ranges(&pk, er->r + from, n);
	rc = put_report(s, b, txn, a, &body, now, max_seq);
	gw_buf_release(&body);
	return rc;
}

static int report_unaccounted(struct gw_store *s, struct buf_state *b, MDB_txn *txn,
			      struct acct *a, const struct drop_range *r, unsigned n,
			      uint64_t *max_seq)
{
	struct gw_buf body;
	int64_t now = gw_clock_wall_ms();
	int rc;

	gw_buf_init(&body);
	rc = gw_buf_unaccounted_body(b, &body, r, n, now);
	if (rc == 0)
		rc = put_report(s, b, txn, a, &body, now, max_seq);
	gw_buf_release(&body);
	return rc;
}

static int write_reports(struct gw_store *s, struct buf_state *b, MDB_txn *txn,
			 struct acct *a, struct evict_round *er, uint64_t *max_seq)
{
	int rc = 0;

	er->n = coalesce(er->r, er->n);
	er->un = coalesce(er->u, er->un);
	for (unsigned i = 0; i < er->n && rc == 0; i += RANGES_PER_EVENT)
		rc = report(s, b, txn, a, er, i,
			    er->n - i < RANGES_PER_EVENT ? er->n - i : RANGES_PER_EVENT, max_seq);
	for (unsigned i = 0; i < er->un && rc == 0; i += RANGES_PER_EVENT)
		rc = report_unaccounted(s, b, txn, a, er->u + i,
					er->un - i < RANGES_PER_EVENT ? er->un - i
								      : RANGES_PER_EVENT, max_seq);
	return rc;
}

int gw_buf_make_room(struct gw_store *s, struct buf_state *b, MDB_txn *txn,
		     struct acct *a, uint64_t need, uint64_t seq, int cls,
		     struct evict_note *note, uint64_t *max_seq)
{
	struct evict_round er = {0};
	uint64_t total = total_bytes(a), target, must, chunk, stop;
	bool fits, on_wire;
	int rc;

	if (total + need <= b->max_bytes)
		return 0;
	chunk = b->max_bytes / 64;
	if (chunk < MIN_CHUNK)
		chunk = MIN_CHUNK;
	if (chunk > b->max_bytes / 4)
		chunk = b->max_bytes / 4;
	target = total + need + chunk - b->max_bytes;  /* what the round aims to free */
	must = total + need - b->max_bytes;            /* what it has to */
	pthread_mutex_lock(&b->mu);
	er.read_first = b->read_first;
	er.read_last = b->read_last;
	er.wire_first = b->wire_first;
	er.wire_last = b->wire_last;
	for (unsigned i = 0; i < b->n_acc; i++) {
		if (!er.acc_first || b->acc[i].first < er.acc_first)
			er.acc_first = b->acc[i].first;
		if (b->acc[i].last > er.acc_last)
			er.acc_last = b->acc[i].last;
	}
	b->rounds_begun++;
	pthread_mutex_unlock(&b->mu);
	note->rounds++;

	rc = scan(s, b, txn, a, GW_DB_RECORDS, GW_REC_SNAPSHOT, P_UNREAD, b->snap_hint, target,
		  &er, &stop);
	if (rc == 0)
		b->snap_hint = stop == UINT64_MAX ? b->last_key + 1 : stop;
	if (rc == 0 && er.freed < target + report_cost(b, &er))
		rc = scan(s, b, txn, a, GW_DB_QUARANTINE, -1, P_NOT_ON_WIRE, 0, target, &er,
			  &stop);
	if (rc == 0 && er.read_first && er.freed < target + report_cost(b, &er))
		rc = scan(s, b, txn, a, GW_DB_RECORDS, GW_REC_SNAPSHOT, P_READ, er.read_first,
			  target, &er, &stop);
	if (rc == 0 && er.freed < target + report_cost(b, &er))
		rc = scan(s, b, txn, a, GW_DB_RECORDS, -1, P_NOT_ON_WIRE, 0, target, &er, &stop);

	/*
	 * Everything that may go is gone and the record still does not fit
	 * beside what is on the wire (records near half the limit each): it is
	 * not put. One with its seq already is a dropped record like the
	 * others; one on the wire itself (a staged record the uploader sent
	 * from memory) has to be written all the same, for the cloud may take it.
	 */
	fits = er.freed >= must + report_cost(b, &er);
	on_wire = seq && (within(seq, er.wire_first, er.wire_last) ||
			  within(seq, er.acc_first, er.acc_last));
	if (rc == 0 && !fits && seq && !on_wire) {
		rc = add_dropped(&er, seq);
		er.count[cls]++;
		if (cls == GW_BUF_CLASSES)
			a->q_dropped++;
		else
			a->dropped[cls]++;
	}
	if (rc == 0 && (er.n || er.un))
		rc = write_reports(s, b, txn, a, &er, max_seq);
	if (rc == 0) {
		if (er.lo && (!note->lo || er.lo < note->lo))
			note->lo = er.lo;
		if (er.hi > note->hi)
			note->hi = er.hi;
		for (int c = 0; c <= GW_BUF_CLASSES; c++)
			note->count[c] += er.count[c];
	}
	free(er.r);
	free(er.u);
	if (rc < 0)
		return rc;
	return fits || on_wire ? 0 : 1;
}
