/*
 * Eviction when the record buffer reaches its byte limit, on the writer
 * thread inside the append's transaction. The order, oldest first within
 * each step:
 *   1. routine snapshots waiting for upload (a newer one replaces them);
 *   2. quarantined records (the cloud refused them already);
 *   3. everything else waiting: events, operation results, inventory
 *      changes, and records of a format this build cannot read.
 * Each round frees a little more than needed (a chunk of the limit), so a
 * full store evicts in steps rather than on every append. The dropped
 * sequence ranges go to the cloud in event records appended in the same
 * transaction (with new seqs, taken from the writer thread), so that a gap
 * is never mistaken for loss; a drop report that
 * has to be evicted itself hands its ranges on to the round's report.
 *
 * What the uploader has in flight is taken once per round: were it read
 * afresh for every record, a range narrowing between the passes would let
 * step 3 take events (drop reports among them) and the newest records while
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
/* Room kept for the report itself: header plus ranges (two u64 each). */
#define EVENT_RESERVE(nranges) (512 + 20 * (uint64_t)(nranges))
#define MIN_CHUNK (64u << 10)

static int add_span(struct evict_round *er, uint64_t first, uint64_t last_seq)
{
	struct drop_range *last = er->n ? &er->r[er->n - 1] : NULL;

	if (last && last->last + 1 == first) {
		last->last = last_seq;
		return 0;
	}
	if (er->n == er->cap) {
		unsigned cap = er->cap ? er->cap * 2 : 16;
		struct drop_range *r = realloc(er->r, cap * sizeof(*r));
		if (!r)
			return -ENOMEM;
		er->r = r;
		er->cap = cap;
	}
	er->r[er->n++] = (struct drop_range){first, last_seq};
	return 0;
}

static int add_range(struct evict_round *er, uint64_t seq)
{
	return add_span(er, seq, seq);
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
 * An event about to be evicted: if it is one of our drop reports, its
 * ranges go into this round's report, or they would be lost with it.
 */
static int carry_ranges(struct evict_round *er, const void *data, size_t len)
{
	const msgpack_object *ev, *model, *type, *ranges;
	struct gw_record r;
	msgpack_unpacked h;
	int rc = 0;

	msgpack_unpacked_init(&h);
	if (gw_record_decode(data, len, &r, &h) != GW_REC_OK || r.kind != GW_REC_EVENT)
		goto out;
	model = map_get(map_get(r.body_obj, "device"), "model");
	ev = map_get(r.body_obj, "event");
	type = map_get(ev, "type");
	ranges = map_get(ev, "ranges");
	if (!model || !gw_mp_key_is(model, "ecsp-gateway") || !type ||
	    !gw_mp_key_is(type, "records_dropped") || !ranges ||
	    ranges->type != MSGPACK_OBJECT_ARRAY)
		goto out;
	for (uint32_t i = 0; i < ranges->via.array.size && rc == 0; i++) {
		const msgpack_object *p = &ranges->via.array.ptr[i];
		if (p->type != MSGPACK_OBJECT_ARRAY || p->via.array.size != 2 ||
		    p->via.array.ptr[0].type != MSGPACK_OBJECT_POSITIVE_INTEGER ||
		    p->via.array.ptr[1].type != MSGPACK_OBJECT_POSITIVE_INTEGER ||
		    p->via.array.ptr[0].via.u64 > p->via.array.ptr[1].via.u64)
			continue;
		rc = add_span(er, p->via.array.ptr[0].via.u64, p->via.array.ptr[1].via.u64);
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

/* What the reports for the round so far will take. */
static uint64_t report_cost(const struct evict_round *er)
{
	unsigned events = er->n / RANGES_PER_EVENT + 1;

	return EVENT_RESERVE(er->n) + events * 64;
}

/*
 * Scan one DB from `from`, deleting what `want` accepts until `target`
 * bytes are freed. Returns 0, or < 0; *stop gets the seq the scan ended at.
 */
static int scan(struct gw_store *s, struct buf_state *b, MDB_txn *txn, struct acct *a,
		enum gw_store_db db, int want, uint64_t from, uint64_t target,
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

		if (er->freed >= target + report_cost(er)) {
			*stop = seq < first_skip ? seq : first_skip;
			break;
		}
		cls = gw_buffer_class_of(v.mv_data, v.mv_size);
		if (want >= 0 && cls != want)
			continue;
		if (db == GW_DB_RECORDS && er->if_first && seq >= er->if_first &&
		    seq <= er->if_last) {
			/* on its way to the cloud: not ours to drop */
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
		rc = add_range(er, seq);
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
static void coalesce(struct evict_round *er)
{
	unsigned n = 0;

	for (unsigned i = 0; i < er->n; i++) {
		if (n && er->r[i].first <= er->r[n - 1].last + 1) {
			if (er->r[i].last > er->r[n - 1].last)
				er->r[n - 1].last = er->r[i].last;
		} else {
			er->r[n++] = er->r[i];
		}
	}
	er->n = n;
}

static void pack_kv_u64(msgpack_packer *pk, const char *k, uint64_t v)
{
	gw_pack_cstr(pk, k);
	msgpack_pack_uint64(pk, v);
}

/*
 * The report: an event about the gateway itself. The contract wants a
 * device with a model and an identity on every event; the gateway is that
 * device here (model "ecsp-gateway", serial_number = the gateway id).
 */
static int report(struct gw_store *s, struct buf_state *b, MDB_txn *txn, struct acct *a,
		  const struct evict_round *er, unsigned from, unsigned n, uint64_t *max_seq)
{
	struct gw_buf body;
	msgpack_packer pk;
	struct gw_record r;
	int64_t now = gw_clock_wall_ms();
	char when[32];
	unsigned classes = 0;
	int rc;

	/* the counts go with the round's first report only */
	for (int c = 0; c <= GW_BUF_CLASSES && from == 0; c++)
		classes += er->count[c] != 0;
	gw_buf_init(&body);
	gw_packer_init(&pk, &body);
	msgpack_pack_map(&pk, 2);
	gw_pack_cstr(&pk, "device");
	msgpack_pack_map(&pk, 3);
	gw_pack_cstr(&pk, "manufacturer");
	gw_pack_cstr(&pk, "ecsp-gateway");
	gw_pack_cstr(&pk, "model");
	gw_pack_cstr(&pk, "ecsp-gateway");
	gw_pack_cstr(&pk, "serial_number");
	gw_pack_cstr(&pk, b->gateway_id);
	gw_pack_cstr(&pk, "event");
	msgpack_pack_map(&pk, 6);
	gw_pack_cstr(&pk, "type");
	gw_pack_cstr(&pk, "records_dropped");
	gw_pack_cstr(&pk, "reason");
	gw_pack_cstr(&pk, "store_full");
	gw_pack_cstr(&pk, "at");
	gw_clock_format_rfc3339(now, when, sizeof(when));
	gw_pack_cstr(&pk, when);
	pack_kv_u64(&pk, "limit_bytes", b->max_bytes);
	gw_pack_cstr(&pk, "dropped");
	msgpack_pack_map(&pk, classes);
	for (int c = 0; c < GW_BUF_CLASSES && from == 0; c++)
		if (er->count[c])
			pack_kv_u64(&pk, gw_buffer_class_name(c), er->count[c]);
	if (er->count[GW_BUF_CLASSES] && from == 0)
		pack_kv_u64(&pk, "quarantined", er->count[GW_BUF_CLASSES]);
	gw_pack_cstr(&pk, "ranges");
	msgpack_pack_array(&pk, n);
	for (unsigned i = from; i < from + n; i++) {
		msgpack_pack_array(&pk, 2);
		msgpack_pack_uint64(&pk, er->r[i].first);
		msgpack_pack_uint64(&pk, er->r[i].last);
	}
	if (body.failed) {
		gw_buf_release(&body);
		return -ENOMEM;
	}
	r = (struct gw_record){
		.format = GW_RECORD_FORMAT,
		.kind = GW_REC_EVENT,
		.ctype = GW_CT_EVENT,
		.seq = gw_buf_alloc_seq(b),
		.collected_ms = now,
		.created_ms = now,
		.body = body.data,
		.body_len = body.len,
	};
	rc = gw_buf_put(s, b, txn, a, &r);
	gw_buf_release(&body);
	if (rc == 0) {
		a->drop_events++;
		if (r.seq > *max_seq)
			*max_seq = r.seq;
	}
	return rc;
}

int gw_buf_make_room(struct gw_store *s, struct buf_state *b, MDB_txn *txn,
		     struct acct *a, uint64_t need, uint64_t *max_seq)
{
	struct evict_round er = {0};
	uint64_t total = total_bytes(a), target, chunk, stop;
	int rc;

	if (total + need <= b->max_bytes)
		return 0;
	chunk = b->max_bytes / 64;
	if (chunk < MIN_CHUNK)
		chunk = MIN_CHUNK;
	if (chunk > b->max_bytes / 4)
		chunk = b->max_bytes / 4;
	target = total + need + chunk - b->max_bytes;
	pthread_mutex_lock(&b->mu);
	er.if_first = b->inflight_first;
	er.if_last = b->inflight_last;
	pthread_mutex_unlock(&b->mu);

	rc = scan(s, b, txn, a, GW_DB_RECORDS, GW_REC_SNAPSHOT, b->snap_hint, target, &er,
		  &stop);
	if (rc == 0)
		b->snap_hint = stop == UINT64_MAX ? b->last_key + 1 : stop;
	/* what was skipped as in flight may be evicted once it is not */
	if (rc == 0 && er.freed < target + report_cost(&er))
		rc = scan(s, b, txn, a, GW_DB_QUARANTINE, -1, 0, target, &er, &stop);
	if (rc == 0 && er.freed < target + report_cost(&er))
		rc = scan(s, b, txn, a, GW_DB_RECORDS, -1, 0, target, &er, &stop);
	if (rc == 0 && er.n) {
		qsort(er.r, er.n, sizeof(*er.r), cmp_range);
		coalesce(&er);
		for (unsigned i = 0; i < er.n && rc == 0; i += RANGES_PER_EVENT)
			rc = report(s, b, txn, a, &er, i,
				    er.n - i < RANGES_PER_EVENT ? er.n - i : RANGES_PER_EVENT,
				    max_seq);
	}
	free(er.r);
	return rc;
}
