/*
 * The record buffer: reading in order, acknowledging, the quarantine, byte
 * accounting, eviction by kind with dropped ranges reported, records of an
 * unknown format kept, the map never filling up, what the uploader has in
 * flight kept through eviction while the range it publishes changes, the
 * byte limit held at every commit whatever the uploader has read, a
 * batch never sent with a record an earlier eviction round took, and an
 * upload batch built from them in steps (gzip or plain) that carries every
 * record and keeps no compressor or JSON room once complete.
 */
#include "core/devdata_pack.h"
#include "store/buffer.h"
#include "store/store.h"
#include "uplink/batch.h"

#include <errno.h>
#include <event2/event.h>
#include <jansson.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "testutil.h"

#define setup test_dir_setup
#define teardown test_dir_teardown

static struct event_base *base;
static int acks, nacks;

static struct gw_store *open_store(uint64_t max)
{
	struct gw_store_opts o = {.dir = test_dir, .max_bytes = max, .sync_interval_ms = 200};
	struct gw_store *s = NULL;
	const char *reason = NULL;

	if (!base)
		base = event_base_new();
	assert_int_equal(gw_store_open(base, &o, &s, &reason), 0);
	return s;
}

static void on_ack(int status, void *arg)
{
	(void)arg;
	if (status == 0)
		acks++;
	else
		nacks++;
}

/* A body {"device": {"model", "serial_number", "note": <pad bytes>}}. */
static void append(struct gw_store *s, enum gw_record_kind kind, size_t pad)
{
	struct gw_buf b;
	msgpack_packer pk;
	char *filler = malloc(pad + 1);
	struct gw_record r = {.kind = kind, .collected_ms = 1700000000000};

	memset(filler, 'x', pad);
	filler[pad] = '\0';
	gw_buf_init(&b);
	gw_packer_init(&pk, &b);
	msgpack_pack_map(&pk, 1);
	gw_pack_cstr(&pk, "device");
	msgpack_pack_map(&pk, 3);
	gw_pack_cstr(&pk, "model");
	gw_pack_cstr(&pk, "PX-1");
	gw_pack_cstr(&pk, "serial_number");
	gw_pack_cstr(&pk, "X1");
	gw_pack_cstr(&pk, "note");
	gw_pack_cstr(&pk, filler);
	r.body = b.data;
	r.body_len = b.len;
	assert_int_equal(gw_buffer_append(s, &r, on_ack, NULL), 0);
	gw_buf_release(&b);
	free(filler);
}

struct seen {
	uint64_t seq[4096];
	int cls[4096];
	unsigned n;
};

static int visit(uint64_t seq, int cls, const void *data, size_t len, void *arg)
{
	struct seen *s = arg;

	(void)data;
	(void)len;
	if (s->n < 4096) {
		s->seq[s->n] = seq;
		s->cls[s->n] = cls;
	}
	s->n++;
	return 0;
}

static void read_all(struct gw_store *st, struct seen *out, bool quarantine)
{
	uint64_t from = 0;
	int n;

	memset(out, 0, sizeof(*out));
	for (;;) {
		unsigned before = out->n;
		n = quarantine ? gw_buffer_quarantine_read(st, from, 100, visit, out)
			       : gw_buffer_read(st, from, 100, visit, out);
		assert_true(n >= 0);
		if (n == 0)
			break;
		from = out->seq[out->n - 1] + 1;
		assert_int_equal(out->n - before, (unsigned)n);
	}
}

static void test_read_in_order_and_ack(void **state)
{
	struct gw_store *s = open_store(8 << 20);
	struct gw_buffer_stats st;
	struct gw_store_stats ss;
	static struct seen seen;

	(void)state;
	acks = nacks = 0;
	for (int i = 0; i < 1000; i++)
		append(s, i % 10 ? GW_REC_SNAPSHOT : GW_REC_EVENT, 200);
	gw_store_flush(s);
	assert_int_equal(acks, 1000);
	gw_store_get_stats(s, &ss);
	assert_true(ss.commits < 100); /* grouped: far fewer commits than records */

	read_all(s, &seen, false);
	assert_int_equal(seen.n, 1000);
	for (unsigned i = 0; i < seen.n; i++) {
		assert_int_equal(seen.seq[i], i + 1);
		assert_int_equal(seen.cls[i], i % 10 ? GW_REC_SNAPSHOT : GW_REC_EVENT);
	}
	gw_buffer_get_stats(s, &st);
	assert_int_equal(st.records, 1000);
	assert_int_equal(st.by_class[GW_REC_EVENT], 100);
	assert_true(st.bytes >= 1000 * 200 && st.bytes < 1000 * 400);

	/* ack 1-600: 601.. remain, in order */
	assert_int_equal(gw_buffer_ack(s, 1, 600, on_ack, NULL), 0);
	gw_store_flush(s);
	read_all(s, &seen, false);
	assert_int_equal(seen.n, 400);
	assert_int_equal(seen.seq[0], 601);
	gw_buffer_get_stats(s, &st);
	assert_int_equal(st.records, 400);
	assert_int_equal(st.acked_total, 600);
	assert_int_equal(st.by_class[GW_REC_SNAPSHOT] + st.by_class[GW_REC_EVENT], 400);

	/* everything acknowledged, then reopened: seq goes on, never reused */
	assert_int_equal(gw_buffer_ack(s, 601, 1000, NULL, NULL), 0);
	gw_store_flush(s);
	gw_store_close(s);
	s = open_store(8 << 20);
	append(s, GW_REC_SNAPSHOT, 10);
	gw_store_flush(s);
	read_all(s, &seen, false);
	assert_int_equal(seen.n, 1);
	assert_int_equal(seen.seq[0], 1001);
	gw_buffer_get_stats(s, &st);
	assert_int_equal(st.records, 1);
	assert_int_equal(st.bytes, st.by_class[GW_REC_SNAPSHOT] ? st.bytes : 0);
	gw_store_close(s);
}

static void test_quarantine(void **state)
{
	struct gw_store *s = open_store(8 << 20);
	struct gw_buffer_stats st;
	static struct seen seen;

	(void)state;
	for (int i = 0; i < 10; i++)
		append(s, GW_REC_SNAPSHOT, 50);
	gw_store_flush(s);
	assert_int_equal(gw_buffer_quarantine(s, 4, NULL, NULL), 0);
	assert_int_equal(gw_buffer_quarantine(s, 7, NULL, NULL), 0);
	gw_store_flush(s);
	read_all(s, &seen, true);
	assert_int_equal(seen.n, 2);
	assert_int_equal(seen.seq[0], 4);
	assert_int_equal(seen.seq[1], 7);
	read_all(s, &seen, false);
	assert_int_equal(seen.n, 8);
	gw_buffer_get_stats(s, &st);
	assert_int_equal(st.quarantined, 2);
	assert_int_equal(st.quarantined_total, 2);
	assert_true(st.quarantine_bytes > 100);
	/* acknowledging around it leaves the quarantine alone */
	assert_int_equal(gw_buffer_ack(s, 1, 10, NULL, NULL), 0);
	gw_store_flush(s);
	gw_buffer_get_stats(s, &st);
	assert_int_equal(st.records, 0);
	assert_int_equal(st.quarantined, 2);
	gw_store_close(s);
}

/*
 * A record of format 99 in place of seq 2, as a newer version would have
 * left it before a downgrade; the accounting is dropped so it is recounted.
 */
static int put_future(struct gw_store *s, MDB_txn *txn, void *arg)
{
	static const uint8_t rec[] = {0x93, 99, 0x01, 0xa1, 'z'}; /* [99, 1, "z"] */
	uint8_t k[8];
	MDB_val key = {8, k}, val = {sizeof(rec), (void *)rec}, acct = {4, "acct"};

	gw_store_key64(k, *(uint64_t *)arg);
	mdb_del(txn, gw_store_dbi(s, GW_DB_META), &acct, NULL);
	return -mdb_put(txn, gw_store_dbi(s, GW_DB_RECORDS), &key, &val, 0);
}

static void test_unknown_format_is_kept(void **state)
{
	struct gw_store *s = open_store(8 << 20);
	uint64_t seq = 2;
	static struct seen seen;
	struct gw_buffer_stats st;

	(void)state;
	for (int i = 0; i < 3; i++)
		append(s, GW_REC_SNAPSHOT, 10);
	gw_store_flush(s);
	gw_store_submit(s, put_future, &seq, NULL, NULL);
	gw_store_flush(s);
	gw_store_close(s);
	s = open_store(8 << 20);
	append(s, GW_REC_SNAPSHOT, 10);
	gw_store_flush(s);
	read_all(s, &seen, false);
	assert_int_equal(seen.n, 4);
	assert_int_equal(seen.cls[1], GW_BUF_UNKNOWN);
	assert_int_equal(seen.seq[3], 4);
	gw_buffer_ack(s, 1, 100, NULL, NULL);
	gw_store_flush(s);
	read_all(s, &seen, false);
	assert_int_equal(seen.n, 1);
	assert_int_equal(seen.seq[0], 2);
	assert_int_equal(seen.cls[0], GW_BUF_UNKNOWN);
	gw_buffer_get_stats(s, &st);
	assert_int_equal(st.by_class[GW_BUF_UNKNOWN], 1);
	gw_store_close(s);
}

struct dropinfo {
	uint64_t ranges[4096][2];
	unsigned n;
	unsigned events;
};

/* Collect the ranges of every records_dropped event. */
static int visit_drop(uint64_t seq, int cls, const void *data, size_t len, void *arg)
{
	struct dropinfo *d = arg;
	struct gw_record r;
	msgpack_unpacked h;

	(void)seq;
	if (cls != GW_REC_EVENT)
		return 0;
	msgpack_unpacked_init(&h);
	assert_int_equal(gw_record_decode(data, len, &r, &h), 0);
	for (uint32_t i = 0; i < r.body_obj->via.map.size; i++) {
		const msgpack_object_kv *kv = &r.body_obj->via.map.ptr[i];
		if (kv->key.via.str.size != 5 || memcmp(kv->key.via.str.ptr, "event", 5))
			continue;
		for (uint32_t j = 0; j < kv->val.via.map.size; j++) {
			const msgpack_object_kv *e = &kv->val.via.map.ptr[j];
			if (e->key.via.str.size != 6 || memcmp(e->key.via.str.ptr, "ranges", 6))
				continue;
			d->events++;
			for (uint32_t k = 0; k < e->val.via.array.size && d->n < 4096; k++) {
				const msgpack_object *p = e->val.via.array.ptr[k].via.array.ptr;
				d->ranges[d->n][0] = p[0].via.u64;
				d->ranges[d->n][1] = p[1].via.u64;
				d->n++;
			}
		}
	}
	msgpack_unpacked_destroy(&h);
	return 0;
}

static bool in_ranges(const struct dropinfo *d, uint64_t seq)
{
	for (unsigned i = 0; i < d->n; i++)
		if (seq >= d->ranges[i][0] && seq <= d->ranges[i][1])
			return true;
	return false;
}

static void test_eviction_policy(void **state)
{
	uint64_t max = 1 << 20;
	struct gw_store *s = open_store(max);
	struct gw_buffer_stats st;
	struct dropinfo *d = calloc(1, sizeof(*d));
	static struct seen seen;
	bool present[4000] = {0};
	unsigned total = 3000;

	(void)state;
	acks = nacks = 0;
	/* 3000 records of ~1 KiB into 1 MiB: one in twenty is an event */
	for (unsigned i = 0; i < total; i++) {
		append(s, i % 20 == 0 ? GW_REC_EVENT : GW_REC_SNAPSHOT, 1000);
		if (i % 97 == 0)
			gw_store_flush(s); /* several rounds, several transactions */
	}
	gw_store_flush(s);
	assert_int_equal(nacks, 0);
	gw_buffer_get_stats(s, &st);
	assert_true(st.bytes <= max);
	assert_true(st.dropped[GW_REC_SNAPSHOT] > 1500);
	assert_int_equal(st.dropped[GW_REC_EVENT], 0);   /* snapshots went first */
	assert_int_equal(st.by_class[GW_REC_EVENT] - st.drop_events, 150); /* all kept */
	assert_true(st.drop_events >= 1);

	read_all(s, &seen, false);
	for (unsigned i = 0; i < seen.n; i++)
		if (seen.seq[i] < 4000)
			present[seen.seq[i]] = true;
	assert_int_equal(gw_buffer_read(s, 0, 100000, visit_drop, d) > 0, 1);
	/* every seq is either stored or reported dropped, never both */
	for (uint64_t q = 1; q < st.next_seq; q++)
		assert_true(present[q] != in_ranges(d, q));
	free(d);
	gw_store_close(s);
}

static void test_events_evicted_last_and_map_never_full(void **state)
{
	uint64_t max = 1 << 20;
	struct gw_store *s = open_store(max);
	struct gw_buffer_stats st;

	(void)state;
	acks = nacks = 0;
	/* only events, 20 MiB worth through a 1 MiB store: oldest events go */
	for (int i = 0; i < 20000; i++) {
		append(s, GW_REC_EVENT, 1000);
		if (i % 500 == 0)
			gw_store_flush(s);
	}
	/* large records spill to overflow pages: accounted by what they occupy */
	for (int i = 0; i < 300; i++)
		append(s, GW_REC_SNAPSHOT, 3000);
	gw_store_flush(s);
	assert_int_equal(nacks, 0);
	assert_int_equal(acks, 20300);
	gw_buffer_get_stats(s, &st);
	assert_true(st.bytes <= max);
	assert_true(st.dropped[GW_REC_EVENT] > 15000);
	gw_store_close(s);
}

static void test_oversized_record_fails_alone(void **state)
{
	struct gw_store *s = open_store(1 << 20);

	(void)state;
	acks = nacks = 0;
	append(s, GW_REC_SNAPSHOT, 100);
	append(s, GW_REC_SNAPSHOT, 600 << 10); /* over half the store */
	append(s, GW_REC_SNAPSHOT, 100);
	gw_store_flush(s);
	assert_int_equal(acks, 2);
	assert_int_equal(nacks, 1);
	gw_store_close(s);
}

static void test_quarantine_evicted_before_events(void **state)
{
	struct gw_store *s = open_store(1 << 20);
	struct gw_buffer_stats st;

	(void)state;
	for (int i = 0; i < 200; i++)
		append(s, GW_REC_EVENT, 1000);
	gw_store_flush(s);
	for (uint64_t q = 1; q <= 100; q++)
		gw_buffer_quarantine(s, q, NULL, NULL);
	gw_store_flush(s);
	for (int i = 0; i < 900; i++)
		append(s, GW_REC_EVENT, 1000);
	gw_store_flush(s);
	gw_buffer_get_stats(s, &st);
	assert_int_equal(st.quarantined, 0);
	assert_int_equal(st.dropped_quarantine, 100);
	assert_true(st.bytes + st.quarantine_bytes <= 1 << 20);
	gw_store_close(s);
}

/* Every seq below next_seq is either stored or inside a reported range, never both. */
static void check_stored_xor_reported(struct gw_store *s, const struct gw_buffer_stats *st)
{
	static struct seen seen;
	struct dropinfo *d = calloc(1, sizeof(*d));
	bool *present = calloc(st->next_seq + 1, sizeof(*present));

	read_all(s, &seen, false);
	assert_true(seen.n <= 4096);
	for (unsigned i = 0; i < seen.n; i++)
		if (seen.seq[i] < st->next_seq)
			present[seen.seq[i]] = true;
	assert_true(gw_buffer_read(s, 0, 100000, visit_drop, d) > 0);
	for (uint64_t q = 1; q < st->next_seq; q++)
		if (present[q] == in_ranges(d, q))
			fail_msg("seq %llu is %s", (unsigned long long)q,
				 present[q] ? "both stored and reported dropped"
					    : "neither stored nor reported dropped");
	free(present);
	free(d);
}

/*
 * A drop report that has to be evicted itself hands its ranges on: here
 * every snapshot is on the wire (more than the uploader ever holds), so the
 * round can only take the older drop reports below it; the records that
 * still do not fit are refused, and the limit holds.
 */
static void test_evicted_drop_report_hands_on_its_ranges(void **state)
{
	struct gw_store *s = open_store(1 << 20);
	struct gw_buffer_stats st;
	static struct seen seen;
	uint64_t oldest_snapshot = 0;
	unsigned reports_below = 0;

	(void)state;
	acks = nacks = 0;
	for (int i = 0; i < 2000; i++) {
		append(s, GW_REC_SNAPSHOT, 1000);
		if (i % 97 == 0)
			gw_store_flush(s);
	}
	gw_store_flush(s);
	read_all(s, &seen, false);
	for (unsigned i = 0; i < seen.n && !oldest_snapshot; i++)
		if (seen.cls[i] == GW_REC_SNAPSHOT)
			oldest_snapshot = seen.seq[i];
		else
			reports_below++;
	assert_true(reports_below >= 2);

	/* past the limit again (a round freed a chunk): nothing but those reports may go */
	gw_buffer_set_inflight(s, oldest_snapshot, UINT64_MAX, UINT64_MAX);
	for (int i = 0; i < 100; i++)
		append(s, GW_REC_SNAPSHOT, 1000);
	gw_store_flush(s);
	gw_buffer_set_inflight(s, 0, 0, 0);
	assert_true(nacks > 0);                          /* refused: no seq taken, no gap */
	assert_int_equal(acks + nacks, 2100);

	gw_buffer_get_stats(s, &st);
	assert_true(st.bytes <= 1 << 20);
	assert_true(st.peak_bytes <= 1 << 20);
	assert_int_equal(st.dropped[GW_REC_EVENT], reports_below);
	read_all(s, &seen, false);
	assert_int_equal(seen.seq[0], oldest_snapshot); /* the in-flight ones all stayed */
	check_stored_xor_reported(s, &st);
	gw_store_close(s);
}

static void pause_us(long us)
{
	struct timespec ts = {0, us * 1000};

	nanosleep(&ts, NULL);
}

/*
 * The uploader republishes its ranges while the writer evicts: [S, L] on
 * the wire, and read for the next batch either everything past it ([S, max])
 * or nothing more, back and forth. Whichever a round sees, [S, L] is never
 * evicted, snapshots newer than L always suffice (so no event goes), and
 * every dropped seq is reported.
 */
static void test_inflight_changing_during_eviction(void **state)
{
	struct gw_store *s = open_store(1 << 20);
	struct gw_buffer_stats st;
	static struct seen seen;
	uint64_t first, last;
	unsigned n_batch;

	(void)state;
	acks = nacks = 0;
	for (int i = 0; i < 1500; i++) {
		append(s, GW_REC_SNAPSHOT, 1000);
		if (i % 97 == 0)
			gw_store_flush(s);
	}
	gw_store_flush(s);
	read_all(s, &seen, false);
	assert_true(seen.n > 400);
	first = seen.seq[0];
	last = seen.seq[299];
	n_batch = 300;

	for (int round = 0; round < 300; round++) {
		for (int i = 0; i < 8; i++)
			append(s, GW_REC_SNAPSHOT, 1000);
		for (int t = 0; t < 16; t++) {
			gw_buffer_set_inflight(s, first, t & 1 ? last : UINT64_MAX, last);
			pause_us(20);
		}
		gw_buffer_set_inflight(s, first, last, last);
		gw_store_flush(s);
	}
	gw_buffer_set_inflight(s, 0, 0, 0);
	assert_int_equal(nacks, 0);

	read_all(s, &seen, false);
	assert_true(seen.n >= n_batch);
	for (unsigned i = 0; i < n_batch; i++)
		assert_true(seen.seq[i] >= first && seen.seq[i] <= last);
	assert_int_equal(seen.seq[n_batch - 1], last);
	gw_buffer_get_stats(s, &st);
	assert_int_equal(st.dropped[GW_REC_EVENT], 0);
	check_stored_xor_reported(s, &st);
	gw_store_close(s);
}

/*
 * Records the uploader has read for a batch it has not sent do not hold the
 * store above its limit: they go after the other snapshots, and the batch
 * learns that it lost some. The limit holds at every commit.
 */
static void test_limit_holds_while_a_batch_is_read(void **state)
{
	uint64_t max = 1 << 20;
	struct gw_store *s = open_store(max);
	struct gw_buffer_stats st;
	static struct seen seen;
	uint64_t mark, first;

	(void)state;
	acks = nacks = 0;
	for (int i = 0; i < 900; i++)
		append(s, GW_REC_SNAPSHOT, 1000);
	gw_store_flush(s);
	read_all(s, &seen, false);
	first = seen.seq[0];
	/* a batch is being built from the oldest: it has read everything there is */
	mark = gw_buffer_drop_mark(s);
	assert_int_equal(gw_buffer_set_inflight(s, first, UINT64_MAX, 0), 0);
	for (int i = 0; i < 600; i++) {
		append(s, GW_REC_SNAPSHOT, 1000);
		if (i % 10 == 0) {
			gw_store_flush(s);
			gw_buffer_get_stats(s, &st);
			assert_true(st.bytes <= max);
		}
	}
	gw_store_flush(s);
	gw_buffer_set_inflight(s, 0, 0, 0);
	assert_int_equal(nacks, 0);
	gw_buffer_get_stats(s, &st);
	assert_true(st.bytes <= max);
	assert_true(st.peak_bytes <= max);
	assert_true(st.peak_bytes > max - max / 8);
	assert_true(st.dropped[GW_REC_SNAPSHOT] > 0);
	assert_int_equal(st.dropped[GW_REC_EVENT], 0);
	assert_true(gw_buffer_dropped_since(s, mark, first, first + 100));
	check_stored_xor_reported(s, &st);
	gw_store_close(s);
}

/* A write job that waits on the writer thread until the test opens it. */
struct gate {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool entered, open;
};

static int gate_write(struct gw_store *s, MDB_txn *txn, void *arg)
{
	struct gate *g = arg;

	(void)s;
	(void)txn;
	pthread_mutex_lock(&g->mu);
	g->entered = true;
	pthread_cond_broadcast(&g->cv);
	while (!g->open)
		pthread_cond_wait(&g->cv, &g->mu);
	pthread_mutex_unlock(&g->mu);
	return 0;
}

static void gate_init(struct gate *g)
{
	pthread_mutex_init(&g->mu, NULL);
	pthread_cond_init(&g->cv, NULL);
	g->entered = g->open = false;
}

static void gate_wait_entered(struct gate *g)
{
	pthread_mutex_lock(&g->mu);
	while (!g->entered)
		pthread_cond_wait(&g->cv, &g->mu);
	pthread_mutex_unlock(&g->mu);
}

static void gate_open(struct gate *g)
{
	pthread_mutex_lock(&g->mu);
	g->open = true;
	pthread_cond_broadcast(&g->cv);
	pthread_mutex_unlock(&g->mu);
}

static void on_fenced(int status, void *arg)
{
	(void)status;
	*(bool *)arg = true;
}

struct span {
	uint64_t first, last;
	unsigned n;
};

static int visit_span(uint64_t seq, int cls, const void *data, size_t len, void *arg)
{
	struct span *sp = arg;

	(void)cls;
	(void)data;
	(void)len;
	if (!sp->n++)
		sp->first = seq;
	sp->last = seq;
	return 0;
}

/*
 * The race behind "delivered and reported dropped": an eviction round that
 * took the old ranges (nothing in flight) is still uncommitted when the
 * uploader reads a batch and holds it on the wire. Holding it says a fence
 * is needed; once the fence is back, the batch knows it lost records and
 * reads them again; from then on nothing of it is evicted.
 */
static void test_a_batch_held_waits_for_older_evictions(void **state)
{
	uint64_t max = 1 << 20;
	struct gw_store *s = open_store(max);
	struct gw_buffer_stats st;
	struct gate g1, g2;
	struct span sp = {0}, again = {0};
	static struct seen seen;
	uint64_t mark;
	bool fenced = false;

	(void)state;
	acks = nacks = 0;
	for (int i = 0; i < 1000; i++)
		append(s, GW_REC_SNAPSHOT, 1000);
	gw_store_flush(s);
	/* nothing is on its way: no fence is needed to hold a range */
	read_all(s, &seen, false);
	assert_int_equal(gw_buffer_set_inflight(s, seen.seq[0], seen.seq[9], seen.seq[9]), 0);
	gw_buffer_set_inflight(s, 0, 0, 0);

	/* the writer stops in g1; an append that evicts and g2 queue behind it */
	gate_init(&g1);
	gate_init(&g2);
	assert_int_equal(gw_store_submit(s, gate_write, &g1, NULL, NULL), 0);
	gate_wait_entered(&g1);
	for (int i = 0; i < 200; i++)
		append(s, GW_REC_SNAPSHOT, 1000);
	assert_int_equal(gw_store_submit(s, gate_write, &g2, NULL, NULL), 0);
	gate_open(&g1);
	gate_wait_entered(&g2);   /* the append ran (its rounds took no range): not committed */

	/* the uploader reads the oldest records, which the round has deleted unseen */
	mark = gw_buffer_drop_mark(s);
	assert_int_equal(gw_buffer_read(s, 0, 50, visit_span, &sp), 50);
	assert_int_equal(gw_buffer_set_inflight(s, sp.first, sp.last, sp.last), 1);
	assert_int_equal(gw_buffer_fence(s, on_fenced, &fenced), 0);
	gate_open(&g2);
	while (!fenced)
		event_base_loop(base, EVLOOP_ONCE);
	assert_true(gw_buffer_dropped_since(s, mark, sp.first, sp.last));

	/* read again under the hold: what is there now stays, whatever comes */
	mark = gw_buffer_drop_mark(s);
	assert_true(gw_buffer_read(s, sp.first, 1000, visit_span, &again) >= 0);
	for (int i = 0; i < 600; i++)
		append(s, GW_REC_SNAPSHOT, 1000);
	gw_store_flush(s);
	assert_int_equal(gw_buffer_set_inflight(s, sp.first, sp.last, sp.last), 0);
	assert_false(gw_buffer_dropped_since(s, mark, sp.first, sp.last));
	gw_buffer_set_inflight(s, 0, 0, 0);
	assert_int_equal(nacks, 0);
	gw_buffer_get_stats(s, &st);
	assert_true(st.peak_bytes <= max);
	check_stored_xor_reported(s, &st);
	gw_store_close(s);
}

/* The body of a complete batch, gunzipped if level > 0, as JSON. */
static json_t *batch_json(struct gw_batch *b)
{
	size_t n = evbuffer_get_length(b->body), cap = 1 << 20, out = 0;
	unsigned char *in = malloc(n), *txt = malloc(cap);
	json_error_t err;
	json_t *j;

	evbuffer_copyout(b->body, in, n);
	if (b->level > 0) {
		z_stream z = {0};
		assert_int_equal(inflateInit2(&z, 15 + 16), Z_OK);
		z.next_in = in;
		z.avail_in = (uInt)n;
		z.next_out = txt;
		z.avail_out = (uInt)cap;
		assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
		out = cap - z.avail_out;
		inflateEnd(&z);
	} else {
		assert_true(n <= cap);
		memcpy(txt, in, n);
		out = n;
	}
	j = json_loadb((const char *)txt, out, 0, &err);
	free(in);
	free(txt);
	return j;
}

/*
 * A step's records are hundreds of kB of JSON: they go on into the body as
 * they come (compressed or not), and a complete batch holds neither the
 * compressor nor the JSON's room while it waits for the cloud.
 */
static void test_batch_carries_every_record(void **state)
{
	struct gw_agent_info a = {.agent_id = "gw-1", .store_id = "st-1", .version = "1"};
	struct gw_store *s = open_store(64u << 20);

	(void)state;
	for (int i = 0; i < 300; i++)
		append(s, GW_REC_SNAPSHOT, 1500 + (size_t)i);
	gw_store_flush(s);
	for (int level = 0; level <= 1; level++) {
		struct gw_batch b;
		json_t *j, *recs;
		int rc, steps = 0;

		gw_batch_init(&b);
		assert_int_equal(gw_batch_begin(&b, 0, UINT64_MAX, 1000, 8u << 20, level), 0);
		while ((rc = gw_batch_step(&b, s, &a, 256)) == 0)
			steps++;
		assert_int_equal(rc, 1);
		assert_int_equal(steps, 1);
		assert_int_equal(b.n, 300);
		assert_false(b.z_on);
		assert_int_equal(b.chunk.cap, 0);
		if (level > 0)
			assert_true(evbuffer_get_length(b.body) < b.json_bytes / 4);
		else
			assert_int_equal(evbuffer_get_length(b.body), b.json_bytes);
		j = batch_json(&b);
		assert_non_null(j);
		recs = json_object_get(j, "records");
		assert_int_equal(json_array_size(recs), 300);
		for (size_t i = 0; i < 300; i++) {
			json_t *note = json_object_get(
				json_object_get(json_array_get(recs, i), "device"), "note");
			assert_int_equal(json_string_length(note), 1500 + i);
		}
		json_decref(j);
		gw_batch_release(&b);
	}
	gw_store_close(s);
}

static int teardown_all(void **state)
{
	(void)state;
	if (base)
		event_base_free(base);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_read_in_order_and_ack, setup, teardown),
		cmocka_unit_test_setup_teardown(test_quarantine, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_format_is_kept, setup, teardown),
		cmocka_unit_test_setup_teardown(test_eviction_policy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_events_evicted_last_and_map_never_full, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_oversized_record_fails_alone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_quarantine_evicted_before_events, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_evicted_drop_report_hands_on_its_ranges, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_inflight_changing_during_eviction, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_limit_holds_while_a_batch_is_read, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_a_batch_held_waits_for_older_evictions, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_batch_carries_every_record, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, teardown_all);
}
