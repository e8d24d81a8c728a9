/*
 * gw-bench-store: the record buffer's append / read / delete job.
 *
 *   gw-bench-store DIR N [BATCH] [interval|commit] [RATE]
 *
 * BATCH 0 (default): the producer keeps up to 64k appends outstanding and
 * the writer thread groups whatever is queued (group commit as in the
 * daemon). BATCH B > 0: B appends, wait for their acknowledgement, repeat,
 * so that every transaction holds exactly B records (the SQLite peer's
 * shape). "Acknowledged" is the append's completion callback, as in the
 * daemon. Prints one JSON object.
 */
#include "corpus.h"
#include "core/clock.h"
#include "core/log.h"
#include "store/buffer.h"
#include "store/store.h"

#include <dlfcn.h>
#include <event2/event.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define WINDOW 65536
#define CHUNK 256

struct bench {
	struct event_base *base;
	struct gw_store *s;
	struct corpus c;
	uint64_t n, sent, acked, batch;
	double rate, owed, last_prod;
	struct event *prod, *tick;
	struct timespec last_tick;
	uint64_t max_stall_us;
	uint64_t hist[64];          /* lateness of the 1 ms timer, 100 us buckets */
	uint64_t ticks;
	bool ticking, stalled;
};

/* Run the producer again after the loop has polled for I/O (acks). */
static void again(struct bench *b)
{
	static const struct timeval zero = {0, 0};

	event_add(b->prod, &zero);
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static uint64_t fsyncs(void)
{
	uint64_t (*count)(void) = (uint64_t (*)(void))dlsym(RTLD_DEFAULT, "ecsp_slowfsync_count");

	return count ? count() : 0;
}

static void on_ack(int status, void *arg)
{
	struct bench *b = arg;

	if (status != 0) {
		fprintf(stderr, "append failed: %d\n", status);
		exit(1);
	}
	b->acked++;
	if (b->acked == b->n)
		event_base_loopbreak(b->base);
	else if (b->batch && b->acked == b->sent)
		again(b);
	else if (b->stalled && b->sent - b->acked < WINDOW / 2) {
		b->stalled = false;
		again(b);
	}
}

static void produce(evutil_socket_t fd, short what, void *arg)
{
	struct bench *b = arg;
	uint64_t until;

	(void)fd;
	(void)what;
	if (b->rate > 0) {
		double t = now_s();
		if (b->last_prod > 0)
			b->owed += b->rate * (t - b->last_prod);
		b->last_prod = t;
		until = b->sent + (uint64_t)b->owed;
		b->owed -= (double)(uint64_t)b->owed;
	} else if (b->batch) {
		until = b->sent + b->batch;
	} else {
		until = b->sent + CHUNK;
		if (until > b->acked + WINDOW)
			until = b->acked + WINDOW;
	}
	if (until > b->n)
		until = b->n;
	for (; b->sent < until; b->sent++)
		gw_buffer_append(b->s, &b->c.rec[b->sent % b->c.n], on_ack, b);
	if (!b->batch && b->rate <= 0 && b->sent < b->n) {
		if (b->sent - b->acked >= WINDOW)
			b->stalled = true;   /* the acks restart it */
		else
			again(b);            /* next chunk after the loop's other work */
	}
}

/* A 1 ms timer: how late it fires is how long the loop was held up. */
/* The lateness below which a share q of the ticks fell, in us (bucket upper bound). */
static uint64_t pct(const struct bench *b, double q)
{
	uint64_t want = (uint64_t)((double)b->ticks * q), seen = 0;

	for (int i = 0; i < 64; i++) {
		seen += b->hist[i];
		if (seen >= want && seen)
			return (uint64_t)(i + 1) * 100;
	}
	return b->max_stall_us;
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct bench *b = arg;
	struct timespec t;
	int64_t late;

	(void)fd;
	(void)what;
	clock_gettime(CLOCK_MONOTONIC, &t);
	if (b->ticking) {
		late = (t.tv_sec - b->last_tick.tv_sec) * 1000000 +
		       (t.tv_nsec - b->last_tick.tv_nsec) / 1000 - 1000;
		if (late > 0 && (uint64_t)late > b->max_stall_us)
			b->max_stall_us = (uint64_t)late;
		b->hist[late <= 0 ? 0 : late / 100 >= 63 ? 63 : late / 100]++;
		b->ticks++;
	}
	b->last_tick = t;
	b->ticking = true;
}

struct reader {
	uint64_t last, n, bytes;
};

static int visit(uint64_t seq, int cls, const void *data, size_t len, void *arg)
{
	struct reader *r = arg;

	(void)cls;
	(void)data;
	r->last = seq;
	r->n++;
	r->bytes += len;
	return 0;
}

static int deleted;

static void on_deleted(int status, void *arg)
{
	(void)arg;
	if (status == 0)
		deleted++;
}

int main(int argc, char **argv)
{
	struct bench b = {0};
	struct gw_store_opts o = {.max_bytes = 8ull << 30, .sync_interval_ms = 1000};
	struct gw_store_stats ss;
	struct timeval one_ms = {0, 1000};
	struct reader rd = {0};
	const char *reason = "";
	double t0, t1, t2;
	uint64_t f0, f1, f2, from = 0;
	int batches = 0;

	if (argc < 3) {
		fprintf(stderr, "usage: gw-bench-store DIR N [BATCH] [interval|commit]\n");
		return 2;
	}
	o.dir = argv[1];
	b.n = strtoull(argv[2], NULL, 10);
	b.batch = argc > 3 ? strtoull(argv[3], NULL, 10) : 0;
	o.durability = argc > 4 && strcmp(argv[4], "commit") == 0 ? GW_DUR_COMMIT : GW_DUR_INTERVAL;
	b.rate = argc > 5 ? atof(argv[5]) : 0;
	gw_log_set_level(GW_LOG_WARNING);
	{
		/* a 1 ms timer that fires every 1 ms: the precise clock, not the coarse one */
		struct event_config *cfg = event_config_new();
		event_config_set_flag(cfg, EVENT_BASE_FLAG_PRECISE_TIMER);
		b.base = event_base_new_with_config(cfg);
		event_config_free(cfg);
	}
	corpus_make(&b.c, 10000, 1000, gw_clock_wall_ms());
	if (gw_store_open(b.base, &o, &b.s, &reason) < 0) {
		fprintf(stderr, "%s\n", reason);
		return 1;
	}
	b.prod = event_new(b.base, -1, b.rate > 0 ? EV_PERSIST : 0, produce, &b);
	b.tick = event_new(b.base, -1, EV_PERSIST, on_tick, &b);
	event_add(b.tick, &one_ms);

	f0 = fsyncs();
	t0 = now_s();
	if (b.rate > 0)
		event_add(b.prod, &one_ms);
	else
		again(&b);
	event_base_dispatch(b.base);
	t1 = now_s();
	f1 = fsyncs();
	gw_store_get_stats(b.s, &ss);

	/* drain: read in order in batches of 1000 (short read transactions), delete */
	for (;;) {
		int n = gw_buffer_read(b.s, from, 1000, visit, &rd);
		if (n <= 0)
			break;
		gw_buffer_ack(b.s, from, rd.last, on_deleted, NULL);
		batches++;
		from = rd.last + 1;
		event_base_loop(b.base, EVLOOP_NONBLOCK);
	}
	gw_store_flush(b.s);
	t2 = now_s();
	f2 = fsyncs();

	event_del(b.prod);
	printf("{\"engine\": \"lmdb\", \"durability\": \"%s\", \"records\": %" PRIu64
	       ", \"batch\": %" PRIu64 ", \"rate\": %.0f, \"mean_record_bytes\": %.0f,"
	       " \"append_per_s\": %.0f, \"commits\": %" PRIu64 ", \"commits_per_s\": %.1f,"
	       " \"fsyncs\": %" PRIu64 ", \"fsyncs_per_s\": %.1f, \"store_fsyncs\": %" PRIu64 ","
	       " \"longest_commit_us\": %" PRIu64 ", \"longest_loop_stall_us\": %" PRIu64 ","
	       " \"longest_done_us\": %" PRIu64 ", \"longest_submit_us\": %" PRIu64 ","
	       " \"stall_p99_us\": %" PRIu64 ", \"stall_p999_us\": %" PRIu64 ","
	       " \"read_delete_per_s\": %.0f, \"read\": %" PRIu64 ", \"fsyncs_read_delete\": %" PRIu64
	       "}\n",
	       o.durability == GW_DUR_COMMIT ? "commit" : "interval", b.n, b.batch, b.rate,
	       b.c.mean_record,
	       (double)b.n / (t1 - t0), ss.commits, (double)ss.commits / (t1 - t0), f1 - f0,
	       (double)(f1 - f0) / (t1 - t0), ss.fsyncs, ss.longest_commit_us, b.max_stall_us,
	       ss.longest_done_us, ss.longest_submit_us, pct(&b, 0.99), pct(&b, 0.999),
	       (double)rd.n / (t2 - t1), rd.n, f2 - f1);
	event_free(b.prod);
	event_free(b.tick);
	gw_store_close(b.s);
	corpus_free(&b.c);
	event_base_free(b.base);
	(void)batches;
	return rd.n == b.n ? 0 : 1;
}
