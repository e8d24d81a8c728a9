/*
 * Staging of routine snapshots: what the cloud takes within the grace period
 * is never written; what it does not is written when the period ends, when
 * the staging is full, or at a clean stop; sequence numbers are read in
 * order across the store and the staging, never past one still on its way
 * into the store; a crash skips numbers, never reuses one, and the gap it
 * may leave is reported at the next start, even when the start after it
 * dies before its report is written, or the report itself is evicted.
 */
#include "core/devdata_pack.h"
#include "store/buffer.h"
#include "store/store.h"

#include <errno.h>
#include <event2/event.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "testutil.h"

#define setup test_dir_setup
#define teardown test_dir_teardown

static struct event_base *base;
static int acks, nacks;

/* gateway_id NULL: not configured with one yet (no report of an unclean stop yet). */
static struct gw_store *open_store_as(int64_t grace_ms, uint64_t stage_max, uint64_t max,
				      const char *gateway_id)
{
	struct gw_store_opts o = {.dir = test_dir, .max_bytes = max, .sync_interval_ms = 200};
	struct gw_store *s = NULL;
	const char *reason = NULL;

	if (!base)
		base = event_base_new();
	assert_int_equal(gw_store_open(base, &o, &s, &reason), 0);
	assert_int_equal(gw_buffer_configure(s, &(struct gw_buffer_opts){
		.gateway_id = gateway_id, .stage_grace_ms = grace_ms, .stage_max = stage_max}), 0);
	return s;
}

/*
 * A forked child that plays a daemon: a loop of its own (the parent's stays
 * referenced, not lost), and it dies as a crashed daemon does, by SIGKILL,
 * with nothing closed. A check of its own that failed exits 1 instead.
 */
static struct event_base *parent_base;

static void child_start(void)
{
	parent_base = base;
	base = NULL;
}

static void child_crash(bool ok)
{
	if (ok)
		raise(SIGKILL);
	_exit(1);
}

static void assert_child_crashed(pid_t pid)
{
	int status;

	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGKILL);
}

static struct gw_store *open_store(int64_t grace_ms, uint64_t stage_max)
{
	return open_store_as(grace_ms, stage_max, 8 << 20, "gw-unit");
}

static void on_ack(int status, void *arg)
{
	(void)arg;
	if (status == 0)
		acks++;
	else
		nacks++;
}

static void append(struct gw_store *s, enum gw_record_kind kind, enum gw_collection_type ct,
		   size_t pad)
{
	struct gw_buf b;
	msgpack_packer pk;
	char *filler = calloc(1, pad + 1);
	struct gw_record r = {.kind = kind, .ctype = ct, .collected_ms = 1700000000000};

	memset(filler, 'x', pad);
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

static void snapshot(struct gw_store *s)
{
	append(s, GW_REC_SNAPSHOT, GW_CT_SCHEDULED, 10);
}

/* Run the loop for about ms milliseconds. */
static void spin(int ms)
{
	struct timespec t = {0, 2000000};

	for (int i = 0; i < ms / 2; i++) {
		event_base_loop(base, EVLOOP_NONBLOCK);
		nanosleep(&t, NULL);
	}
}

struct seen {
	uint64_t seq[4096];
	int cls[4096];
	unsigned n;
	char last_event[512];
};

static int visit(uint64_t seq, int cls, const void *data, size_t len, void *arg)
{
	struct seen *s = arg;

	if (s->n < 4096) {
		s->seq[s->n] = seq;
		s->cls[s->n] = cls;
	}
	s->n++;
	if (cls == GW_REC_EVENT) {
		struct gw_record r;
		msgpack_unpacked h;
		struct gw_buf js;
		msgpack_unpacked_init(&h);
		gw_buf_init(&js);
		if (gw_record_decode(data, len, &r, &h) == GW_REC_OK &&
		    gw_record_to_json(&r, GW_CT_EVENT, &js) == GW_REC_OK)
			snprintf(s->last_event, sizeof(s->last_event), "%.*s", (int)js.len,
				 (const char *)js.data);
		gw_buf_release(&js);
		msgpack_unpacked_destroy(&h);
	}
	return 0;
}

static void read_all(struct gw_store *st, struct seen *out)
{
	uint64_t from = 0;
	int n;

	memset(out, 0, sizeof(*out));
	while ((n = gw_buffer_read(st, from, 100, visit, out)) > 0)
		from = out->seq[out->n - 1] + 1;
	assert_true(n == 0);
}

static void test_taken_within_grace_never_written(void **state)
{
	struct gw_store *s = open_store(5000, 0);
	struct gw_buffer_stats st;
	struct gw_store_stats ss0, ss1;
	static struct seen seen;

	(void)state;
	acks = nacks = 0;
	for (int i = 0; i < 100; i++) {
		snapshot(s);
		if (i % 40 == 0)
			append(s, GW_REC_EVENT, GW_CT_EVENT, 10);  /* written at once */
	}
	spin(100);
	read_all(s, &seen);
	assert_int_equal(seen.n, 103);
	for (unsigned i = 0, events = 0; i < seen.n; i++) {
		assert_int_equal(seen.seq[i], i + 1);       /* in order, no gap */
		events += seen.cls[i] == GW_REC_EVENT;
		if (i == seen.n - 1)
			assert_int_equal(events, 3);
	}
	assert_int_equal(acks, 3);                      /* the events, committed */
	gw_store_get_stats(s, &ss0);
	assert_int_equal(gw_buffer_ack(s, 1, 103, NULL, NULL), 0);
	assert_int_equal(acks, 103);                    /* the cloud has the snapshots */
	spin(100);
	gw_buffer_get_stats(s, &st);
	assert_int_equal(st.staged, 0);
	assert_int_equal(st.staged_acked, 100);
	assert_int_equal(st.staged_written, 0);
	assert_int_equal(st.records, 0);
	gw_store_get_stats(s, &ss1);
	assert_true(ss1.jobs - ss0.jobs <= 1);          /* one delete, for the events */
	gw_store_close(s);

	s = open_store(5000, 0);
	gw_buffer_get_stats(s, &st);
	assert_int_equal(st.acked_total, 103);          /* counted at the clean stop */
	assert_int_equal(st.next_seq, 104);             /* nothing skipped */
	read_all(s, &seen);
	assert_int_equal(seen.n, 0);                    /* no report: the stop was clean */
	gw_store_close(s);
}

static void test_written_when_the_grace_ends_or_staging_is_full(void **state)
{
	struct gw_store *s = open_store(200, 0);
	struct gw_buffer_stats st;
	static struct seen seen;

	(void)state;
	acks = nacks = 0;
	for (int i = 0; i < 10; i++)
		snapshot(s);
	spin(50);
	assert_int_equal(acks, 0);                      /* only in memory: not yet */
	spin(400);
	assert_int_equal(acks, 10);                     /* written: acknowledged */
	gw_buffer_get_stats(s, &st);
	assert_int_equal(st.staged_written, 10);
	assert_int_equal(st.records, 10);
	read_all(s, &seen);
	assert_int_equal(seen.n, 10);
	gw_store_close(s);

	/* 64 KiB of staging: about 60 records of 1 KiB stay, the oldest are written */
	s = open_store(60000, 64 << 10);
	acks = 0;
	for (int i = 0; i < 100; i++)
		append(s, GW_REC_SNAPSHOT, GW_CT_SCHEDULED, 1000);
	spin(100);
	gw_buffer_get_stats(s, &st);
	assert_true(st.staged_bytes <= 64 << 10);
	assert_true(st.staged_written >= 30 && st.staged_written < 50);
	assert_int_equal(acks, (int)st.staged_written);
	read_all(s, &seen);
	assert_int_equal(seen.n, 110);
	for (unsigned i = 0; i < seen.n; i++)
		assert_int_equal(seen.seq[i], i + 1);
	/* on-demand snapshots and events are never staged */
	append(s, GW_REC_SNAPSHOT, GW_CT_ON_DEMAND, 10);
	gw_buffer_get_stats(s, &st);
	assert_int_equal(st.staged_total, 100);
	gw_store_close(s);
}

static void test_clean_stop_writes_what_waits(void **state)
{
	struct gw_store *s = open_store(60000, 0);
	struct gw_buffer_stats st;
	static struct seen seen;

	(void)state;
	acks = nacks = 0;
	for (int i = 0; i < 10; i++)
		snapshot(s);
	gw_store_close(s);
	assert_int_equal(acks, 10);
	s = open_store(60000, 0);
	read_all(s, &seen);
	assert_int_equal(seen.n, 10);
	assert_int_equal(seen.seq[9], 10);
	gw_buffer_get_stats(s, &st);
	assert_int_equal(st.next_seq, 11);
	gw_store_close(s);
}

static void test_never_read_past_a_record_on_its_way(void **state)
{
	struct gw_store *s = open_store(60000, 0);
	static struct seen seen;
	uint64_t staged = 0;

	(void)state;
	snapshot(s);
	spin(50);                                       /* the reservation is committed */
	/*
	 * An event takes its seq when the writer puts it; a snapshot staged
	 * meanwhile has a seq already. Whatever is read before the event's
	 * commit is delivered is a gap-free start: never the snapshot past a
	 * hole the event will fill.
	 */
	for (int i = 0; i < 200; i++) {
		append(s, GW_REC_EVENT, GW_CT_EVENT, 10);
		snapshot(s);
		read_all(s, &seen);
		for (unsigned k = 0; k < seen.n; k++)
			assert_int_equal(seen.seq[k], k + 1);
	}
	spin(50);
	read_all(s, &seen);
	assert_int_equal(seen.n, 401);
	for (unsigned k = 0; k < seen.n; k++) {
		assert_int_equal(seen.seq[k], k + 1);
		if (seen.cls[k] == GW_REC_SNAPSHOT)
			staged = seen.seq[k];
	}
	/* a staged record the cloud refuses goes from memory to the quarantine */
	assert_int_equal(gw_buffer_quarantine(s, staged, NULL, NULL), 0);
	spin(50);
	read_all(s, &seen);
	assert_int_equal(seen.n, 400);
	gw_store_close(s);
	{
		struct gw_buffer_stats st;
		s = open_store(60000, 0);
		gw_buffer_get_stats(s, &st);
		assert_int_equal(st.quarantined, 1);
		gw_store_close(s);
	}
}

static void test_crash_skips_numbers_and_reports_the_gap(void **state)
{
	struct gw_store *s;
	struct gw_buffer_stats st;
	static struct seen seen;
	pid_t pid;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* a daemon that dies without a stop: 1-20 delivered, 21-30 staged, 31 stored */
		child_start();
		s = open_store(60000, 0);
		for (int i = 0; i < 30; i++)
			snapshot(s);
		append(s, GW_REC_EVENT, GW_CT_EVENT, 10);
		spin(100);
		gw_buffer_ack(s, 1, 20, NULL, NULL);
		spin(50);
		child_crash(true);
	}
	assert_child_crashed(pid);
	s = open_store(60000, 0);
	gw_store_flush(s);
	read_all(s, &seen);
	/* the event that was stored, and the report of what may be missing */
	assert_int_equal(seen.n, 2);
	assert_int_equal(seen.seq[0], 31);
	assert_true(seen.seq[1] > 31);                  /* numbering goes on past the reservation */
	assert_non_null(strstr(seen.last_event, "\"type\":\"records_unaccounted\""));
	assert_non_null(strstr(seen.last_event, "\"reason\":\"unclean_stop\""));
	/* 21-30 are lost: inside the reported range; 31 is not (it is stored) */
	assert_non_null(strstr(seen.last_event, "\"ranges\":[[1,30],[32,"));
	gw_buffer_get_stats(s, &st);
	assert_true(st.next_seq > 32);
	gw_store_close(s);
	/* reported once */
	s = open_store(60000, 0);
	gw_store_flush(s);
	read_all(s, &seen);
	assert_int_equal(seen.n, 2);
	gw_store_close(s);
}

struct reports {
	unsigned unaccounted, with_gap, dropped;
	uint64_t last_unaccounted, next;
	char gap[64];
};

/* Count the gateway's reports; with_gap: unaccounted ones that name r->gap. */
static int visit_reports(uint64_t seq, int cls, const void *data, size_t len, void *arg)
{
	struct reports *r = arg;
	struct gw_record rec;
	msgpack_unpacked h;
	struct gw_buf js;

	r->next = seq + 1;
	if (cls != GW_REC_EVENT)
		return 0;
	msgpack_unpacked_init(&h);
	gw_buf_init(&js);
	if (gw_record_decode(data, len, &rec, &h) == GW_REC_OK &&
	    gw_record_to_json(&rec, GW_CT_EVENT, &js) == GW_REC_OK &&
	    gw_buf_append(&js, "", 1) == 0) {
		const char *j = (const char *)js.data;
		if (strstr(j, "\"type\":\"records_unaccounted\"")) {
			r->unaccounted++;
			r->last_unaccounted = seq;
			if (strstr(j, r->gap))
				r->with_gap++;
		} else if (strstr(j, "\"type\":\"records_dropped\"")) {
			r->dropped++;
		}
	}
	gw_buf_release(&js);
	msgpack_unpacked_destroy(&h);
	return 0;
}

static void count_reports(struct gw_store *s, struct reports *r)
{
	int n;

	r->unaccounted = r->with_gap = r->dropped = 0;
	r->next = 0;
	while ((n = gw_buffer_read(s, r->next, 100, visit_reports, r)) > 0)
		;
	assert_true(n == 0);
}

/*
 * A crash leaves a gap; the start after it dies too, after a commit but
 * before the gap's report was written (here: it never learnt its gateway
 * id); the third start still reports the gap. Then the store fills with
 * events until that report is evicted: its ranges go on in a new report.
 */
static void test_a_gap_is_reported_across_restarts_and_evictions(void **state)
{
	struct gw_store *s;
	struct reports r = {.gap = "[1,30]"};
	uint64_t first_report;
	pid_t pid;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* 1-20 delivered, 21-30 staged and lost, 31 stored */
		child_start();
		s = open_store(60000, 0);
		for (int i = 0; i < 30; i++)
			snapshot(s);
		append(s, GW_REC_EVENT, GW_CT_EVENT, 10);
		spin(100);
		gw_buffer_ack(s, 1, 20, NULL, NULL);
		spin(50);
		child_crash(true);
	}
	assert_child_crashed(pid);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* commits (an event) and dies before reporting the gap */
		child_start();
		s = open_store_as(60000, 0, 1 << 20, NULL);
		acks = nacks = 0;
		append(s, GW_REC_EVENT, GW_CT_EVENT, 10);
		gw_store_flush(s);
		child_crash(acks == 1);
	}
	assert_child_crashed(pid);

	s = open_store_as(60000, 0, 1 << 20, "gw-unit");
	gw_store_flush(s);
	count_reports(s, &r);
	assert_int_equal(r.unaccounted, 1);
	assert_int_equal(r.with_gap, 1);
	first_report = r.last_unaccounted;

	/* nothing but events: the oldest go, the report among them */
	acks = nacks = 0;
	for (int i = 0; i < 2000; i++) {
		append(s, GW_REC_EVENT, GW_CT_EVENT, 1000);
		if (i % 100 == 0)
			gw_store_flush(s);
	}
	gw_store_flush(s);
	assert_int_equal(nacks, 0);
	count_reports(s, &r);
	assert_true(r.dropped > 0);
	assert_int_equal(r.with_gap, 1);                 /* handed on, once */
	assert_true(r.last_unaccounted > first_report);
	gw_store_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_taken_within_grace_never_written, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_written_when_the_grace_ends_or_staging_is_full,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_clean_stop_writes_what_waits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_never_read_past_a_record_on_its_way, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_crash_skips_numbers_and_reports_the_gap, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_a_gap_is_reported_across_restarts_and_evictions,
						setup, teardown),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	if (base)
		event_base_free(base);
	return rc;
}
