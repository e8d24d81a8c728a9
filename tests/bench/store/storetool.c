/*
 * gw-storetool: look into a state directory while the daemon is stopped,
 * and fill one with realistic records (tests and benchmarks).
 *
 *   gw-storetool stats DIR              buffer counters as JSON
 *   gw-storetool list DIR [quarantine]  one line per record: seq class bytes
 *   gw-storetool ingest DIR N [DEVICES] [MAX_BYTES]
 *                                       append N snapshots as the scheduler would
 */
#include "store/buffer.h"
#include "store/store.h"
#include "store/testfeed.h"
#include "core/clock.h"

#include <event2/event.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct gw_store *open_dir(struct event_base *base, const char *dir, uint64_t max)
{
	struct gw_store_opts o = {.dir = dir, .max_bytes = max, .sync_interval_ms = 1000};
	struct gw_store *s = NULL;
	const char *reason = "";

	if (gw_store_open(base, &o, &s, &reason) < 0) {
		fprintf(stderr, "gw-storetool: %s: %s\n", dir, reason);
		exit(1);
	}
	return s;
}

static int print_rec(uint64_t seq, int cls, const void *data, size_t len, void *arg)
{
	(void)data;
	(void)arg;
	printf("%" PRIu64 " %s %zu\n", seq, gw_buffer_class_name(cls), len);
	return 0;
}

struct walker {
	uint64_t last;
	unsigned n;
};

static int walk(uint64_t seq, int cls, const void *data, size_t len, void *arg)
{
	struct walker *w = arg;

	w->last = seq;
	w->n++;
	return print_rec(seq, cls, data, len, NULL);
}

static void list_all(struct gw_store *s, bool quarantine)
{
	struct walker w = {0};
	uint64_t from = 0;

	for (;;) {
		int n;
		w.n = 0;
		n = quarantine ? gw_buffer_quarantine_read(s, from, 1000, walk, &w)
			       : gw_buffer_read(s, from, 1000, walk, &w);
		if (n <= 0)
			break;
		from = w.last + 1;
	}
}

static void stats(struct gw_store *s)
{
	struct gw_buffer_stats st;

	gw_buffer_get_stats(s, &st);
	printf("{\"store_id\": \"%s\", \"records\": %" PRIu64 ", \"bytes\": %" PRIu64
	       ", \"next_seq\": %" PRIu64 ", \"quarantined\": %" PRIu64
	       ", \"quarantine_bytes\": %" PRIu64 ", \"quarantined_total\": %" PRIu64
	       ", \"acked_total\": %" PRIu64 ", \"drop_events\": %" PRIu64
	       ", \"dropped_quarantine\": %" PRIu64 ", \"peak_bytes\": %" PRIu64
	       ", \"max_bytes\": %" PRIu64 ", \"waiting\": {",
	       gw_store_id(s), st.records, st.bytes, st.next_seq, st.quarantined,
	       st.quarantine_bytes, st.quarantined_total, st.acked_total, st.drop_events,
	       st.dropped_quarantine, st.peak_bytes, st.max_bytes);
	for (int c = 0; c < GW_BUF_CLASSES; c++)
		printf("%s\"%s\": %" PRIu64, c ? ", " : "", gw_buffer_class_name(c), st.by_class[c]);
	printf("}, \"dropped\": {");
	for (int c = 0; c < GW_BUF_CLASSES; c++)
		printf("%s\"%s\": %" PRIu64, c ? ", " : "", gw_buffer_class_name(c), st.dropped[c]);
	printf("}}\n");
}

static int acked, failed;

static void on_ack(int status, void *arg)
{
	(void)arg;
	if (status == 0)
		acked++;
	else
		failed++;
}

static void ingest(struct gw_store *s, uint64_t n, uint32_t devices)
{
	struct gw_buf body;
	struct gw_record r;
	int64_t now = gw_clock_wall_ms();

	gw_buf_init(&body);
	for (uint64_t i = 0; i < n; i++) {
		gw_testfeed_record(&body, &r, (uint32_t)(i % devices), i / devices, now, "", 0);
		if (gw_buffer_append(s, &r, on_ack, NULL) < 0)
			failed++;
		if (i % 20000 == 19999)
			gw_store_flush(s);
	}
	gw_store_flush(s);
	gw_buf_release(&body);
	fprintf(stderr, "gw-storetool: %d acknowledged, %d failed\n", acked, failed);
}

int main(int argc, char **argv)
{
	struct event_base *base;
	struct gw_store *s;

	if (argc < 3) {
		fprintf(stderr, "usage: gw-storetool stats|list|ingest DIR [...]\n");
		return 2;
	}
	base = event_base_new();
	s = open_dir(base, argv[2], strcmp(argv[1], "ingest") == 0 && argc > 5
			 ? strtoull(argv[5], NULL, 10) : 256ull << 20);
	if (strcmp(argv[1], "stats") == 0)
		stats(s);
	else if (strcmp(argv[1], "list") == 0)
		list_all(s, argc > 3 && strcmp(argv[3], "quarantine") == 0);
	else if (strcmp(argv[1], "ingest") == 0 && argc > 3)
		ingest(s, strtoull(argv[3], NULL, 10),
		       argc > 4 ? (uint32_t)strtoul(argv[4], NULL, 10) : 100);
	else
		fprintf(stderr, "gw-storetool: unknown command %s\n", argv[1]);
	gw_store_close(s);
	event_base_free(base);
	return failed ? 1 : 0;
}
