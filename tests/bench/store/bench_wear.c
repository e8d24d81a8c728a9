/*
 * gw-bench-wear: what the store writes to the medium with a healthy uplink.
 *
 *   gw-bench-wear DIR SECONDS [RATE] [ACK_DELAY_MS] [interval|commit] [SYNC_MS]
 *
 * RATE records per second arrive (default 166.7: 10,000 printers polled
 * every minute), each leaves ACK_DELAY_MS after it was handed over (default
 * 2,000: the batch age plus a round trip), as when the cloud accepts them.
 * WEAR_STAGE_MS sets store.stage_grace (default 0: every record is written
 * at once; the daemon's default is 10,000). After a 5 s warm-up
 * it counts, over SECONDS, the bytes the kernel will write to the device for
 * this process (write_bytes of /proc/self/io, counted when a clean page is
 * dirtied: a page written again before it is flushed costs nothing more) and
 * the fsyncs. Prints one JSON object with the figures per day.
 */
#include "corpus.h"
#include "core/clock.h"
#include "core/log.h"
#include "store/buffer.h"
#include "store/store.h"

#include <event2/event.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define WARMUP_S 5
#define RING 4096

struct wear {
	struct event_base *base;
	struct gw_store *s;
	struct corpus c;
	double rate, owed, t_last, t_start;
	uint64_t sent, acked, deleted_upto;
	int64_t delay_ms;
	struct { double t; uint64_t sent; } ring[RING];
	unsigned head;
	double seconds;
	bool measuring;
	uint64_t wb0, f0, c0, sent0;
	double m0;
};

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static uint64_t write_bytes(void)
{
	FILE *f = fopen("/proc/self/io", "r");
	char line[128];
	uint64_t v = 0;

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "write_bytes: %" SCNu64, &v) == 1)
			break;
	if (f)
		fclose(f);
	return v;
}

static void on_ack(int status, void *arg)
{
	struct wear *w = arg;

	if (status == 0)
		w->acked++;
}

static void tick(evutil_socket_t fd, short what, void *arg)
{
	struct wear *w = arg;
	double t = now_s();
	uint64_t upto = 0;

	(void)fd;
	(void)what;
	w->owed += w->rate * (t - w->t_last);
	w->t_last = t;
	while (w->owed >= 1) {
		gw_buffer_append(w->s, &w->c.rec[w->sent % w->c.n], on_ack, w);
		w->sent++;
		w->owed -= 1;
	}
	w->ring[w->head % RING].t = t;
	w->ring[w->head % RING].sent = w->sent;
	w->head++;
	/* what was handed over ACK_DELAY ago has been accepted by the cloud by now */
	for (unsigned i = w->head > RING ? w->head - RING : 0; i < w->head; i++)
		if (w->ring[i % RING].t <= t - (double)w->delay_ms / 1000)
			upto = w->ring[i % RING].sent;
	if (upto > w->deleted_upto) {
		gw_buffer_ack(w->s, w->deleted_upto + 1, upto, NULL, NULL);
		w->deleted_upto = upto;
	}
	if (!w->measuring && t - w->t_start >= WARMUP_S) {
		struct gw_store_stats ss;
		gw_store_get_stats(w->s, &ss);
		w->measuring = true;
		w->wb0 = write_bytes();
		w->f0 = ss.fsyncs;
		w->c0 = ss.commits;
		w->sent0 = w->sent;
		w->m0 = t;
	} else if (w->measuring && t - w->m0 >= w->seconds) {
		event_base_loopbreak(w->base);
	}
}

int main(int argc, char **argv)
{
	struct wear w = {0};
	struct gw_store_opts o = {.max_bytes = 256ull << 20, .sync_interval_ms = 1000};
	struct gw_store_stats ss;
	struct gw_buffer_stats bs;
	int64_t stage_ms = getenv("WEAR_STAGE_MS") ? atoll(getenv("WEAR_STAGE_MS")) : 0;
	/* appends arrive every TICK ms (WEAR_TICK_MS, default 10) */
	long tick_ms = getenv("WEAR_TICK_MS") ? atol(getenv("WEAR_TICK_MS")) : 10;
	struct timeval ten_ms = {tick_ms / 1000, (tick_ms % 1000) * 1000};
	struct event *ev;
	const char *reason = "";
	double secs, per_day, recs;
	uint64_t wb;

	if (argc < 3) {
		fprintf(stderr, "usage: gw-bench-wear DIR SECONDS [RATE] [ACK_DELAY_MS] "
			"[interval|commit] [SYNC_MS]\n");
		return 2;
	}
	o.dir = argv[1];
	w.seconds = atof(argv[2]);
	w.rate = argc > 3 ? atof(argv[3]) : 10000.0 / 60;
	w.delay_ms = argc > 4 ? atoll(argv[4]) : 2000;
	o.durability = argc > 5 && strcmp(argv[5], "commit") == 0 ? GW_DUR_COMMIT : GW_DUR_INTERVAL;
	o.sync_interval_ms = argc > 6 ? atoll(argv[6]) : 1000;
	gw_log_set_level(GW_LOG_WARNING);
	w.base = event_base_new();
	corpus_make(&w.c, 10000, 10000, gw_clock_wall_ms());
	if (gw_store_open(w.base, &o, &w.s, &reason) < 0) {
		fprintf(stderr, "%s\n", reason);
		return 1;
	}
	gw_buffer_configure(w.s, &(struct gw_buffer_opts){.gateway_id = "gw-bench-0001",
							  .stage_grace_ms = stage_ms});
	ev = event_new(w.base, -1, EV_PERSIST, tick, &w);
	w.t_start = w.t_last = now_s();
	event_add(ev, &ten_ms);
	event_base_dispatch(w.base);
	secs = now_s() - w.m0;
	wb = write_bytes() - w.wb0;
	gw_store_get_stats(w.s, &ss);
	gw_buffer_get_stats(w.s, &bs);
	recs = (double)(w.sent - w.sent0);
	per_day = 86400.0 / secs;
	printf("{\"durability\": \"%s\", \"sync_interval_ms\": %" PRId64 ", \"rate\": %.1f,"
	       " \"stage_grace_ms\": %" PRId64 ", \"staged\": %" PRIu64 ", \"staged_written\": %"
	       PRIu64 ","
	       " \"ack_delay_ms\": %" PRId64 ", \"seconds\": %.1f, \"mean_record_bytes\": %.0f,"
	       " \"commits_per_s\": %.1f, \"fsyncs_per_s\": %.2f,"
	       " \"written_bytes_per_s\": %.0f, \"written_bytes_per_record\": %.0f,"
	       " \"record_bytes_per_day\": %.3e, \"written_bytes_per_day\": %.3e,"
	       " \"written_gib_per_day\": %.2f}\n",
	       o.durability == GW_DUR_COMMIT ? "commit" : "interval", (int64_t)o.sync_interval_ms,
	       w.rate, stage_ms, bs.staged_total, bs.staged_written, w.delay_ms, secs, w.c.mean_record, (double)(ss.commits - w.c0) / secs,
	       (double)(ss.fsyncs - w.f0) / secs, (double)wb / secs, (double)wb / recs,
	       recs * w.c.mean_record * per_day, (double)wb * per_day,
	       (double)wb * per_day / (1 << 30));
	event_free(ev);
	gw_store_close(w.s);
	corpus_free(&w.c);
	event_base_free(w.base);
	return 0;
}
