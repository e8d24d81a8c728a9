/*
 * gw-bench-drain: how fast a backlog leaves the store for a cloud.
 *
 *   gw-bench-drain DIR N PORT CA_FILE
 *
 * 1. fills a fresh store in DIR with N records of the reference corpus;
 * 2. measures the sink's own ceiling in the same run: one batch as the
 *    uploader builds it, posted again and again over one TLS connection
 *    (no store reads, no JSON, no compression on our side);
 * 3. starts the real uploader (shipped defaults: 1,000 records or 1 MiB of
 *    JSON per batch, gzip level 1) against https://localhost:PORT and times
 *    the store from N records to none.
 * Prints one JSON object, with bytes on the wire per record (counted below
 * TLS) beside the record's size as plain JSON.
 */
#include "../store/corpus.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/log.h"
#include "store/buffer.h"
#include "store/store.h"
#include "uplink/batch.h"
#include "uplink/conn.h"
#include "uplink/http.h"
#include "uplink/uploader.h"

#include <event2/dns.h>
#include <event2/event.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CEILING_POSTS 300

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static uint64_t acked;

static void on_ack(int status, void *arg)
{
	(void)arg;
	if (status == 0)
		acked++;
}

struct ceiling {
	struct event_base *base;
	struct gw_conn *c;
	struct gw_http_parser *hp;
	const void *body;
	size_t len;
	char host_hdr[64], target[128];
	int posts, done;
	bool failed;
};

static void post(struct ceiling *ce)
{
	struct evbuffer *req = evbuffer_new();
	char clen[24];
	struct gw_http_header h[] = {
		{"Content-Type", "application/json"}, {"Content-Encoding", "gzip"},
		{"Idempotency-Key", "bench"}, {"Content-Length", clen},
	};

	snprintf(clen, sizeof(clen), "%zu", ce->len);
	gw_http_write_request(req, "POST", ce->target, ce->host_hdr, h, 4, NULL, 0);
	evbuffer_add(req, ce->body, ce->len);
	gw_http_parser_reset(ce->hp, false);
	gw_conn_write(ce->c, req);
	evbuffer_free(req);
}

static void ce_ready(struct gw_conn *c, void *arg)
{
	(void)c;
	post(arg);
}

static void ce_readable(struct gw_conn *c, void *arg)
{
	struct ceiling *ce = arg;

	if (gw_http_parser_feed(ce->hp, gw_conn_input(c)) != 1)
		return;
	if (gw_http_parser_response(ce->hp)->status != 200) {
		ce->failed = true;
		event_base_loopbreak(ce->base);
		return;
	}
	if (++ce->done == ce->posts)
		event_base_loopbreak(ce->base);
	else
		post(ce);
}

static void ce_closed(struct gw_conn *c, int err, const char *reason, void *arg)
{
	struct ceiling *ce = arg;

	(void)c;
	(void)err;
	fprintf(stderr, "ceiling: %s\n", reason);
	ce->failed = true;
	event_base_loopbreak(ce->base);
}

struct drain {
	struct event_base *base;
	struct gw_store *s;
};

static void check_empty(evutil_socket_t fd, short what, void *arg)
{
	struct drain *d = arg;
	struct gw_buffer_stats st;

	(void)fd;
	(void)what;
	gw_buffer_get_stats(d->s, &st);
	if (st.records == 0)
		event_base_loopbreak(d->base);
}

int main(int argc, char **argv)
{
	struct event_base *base;
	struct gw_store_opts so = {.max_bytes = 8ull << 30, .sync_interval_ms = 1000};
	struct gw_store *s;
	struct corpus c;
	const char *reason = "";
	uint64_t n;
	double t0, t_ingest, t_ceiling, t_drain;
	struct gw_batch b;
	struct gw_agent_info agent = {"gw-bench-0001", NULL, GW_VERSION, "Linux", "", ""};
	char *body, url[64], treason[200];
	size_t body_len;
	unsigned batch_n;
	size_t batch_json;
	struct ceiling ce = {0};
	struct gw_tls_ctx_opts to;
	struct gw_tls_ctx *tls;
	struct evdns_base *dns;
	struct gw_conf_gateway g = {.id = "gw-bench-0001"};
	struct gw_conf_uplink up = {
		.enabled = true, .batch_records = 1000, .batch_bytes = 1 << 20, .batch_age_ms = 0,
		.compression = 0, .compression_level = 1, .timeout_ms = 30000,
		.backoff_max_ms = 5000, .quarantine_breaker = 20, .auth_retry_ms = 5000,
	};
	struct gw_conf_proxy px = {0};
	struct gw_config conf = {.gateway = &g, .uplink = &up, .proxy = &px};
	struct gw_uplink *u;
	struct gw_uplink_stats us;
	struct drain dr;
	struct event *tick;
	struct timeval ten_ms = {0, 10000};

	if (argc < 5) {
		fprintf(stderr, "usage: gw-bench-drain DIR N PORT CA_FILE\n");
		return 2;
	}
	unsetenv("https_proxy");
	unsetenv("HTTPS_PROXY");
	gw_log_set_level(GW_LOG_WARNING);
	so.dir = argv[1];
	n = strtoull(argv[2], NULL, 10);
	snprintf(url, sizeof(url), "https://localhost:%s", argv[3]);
	up.base_url = url;
	up.ca_file = argv[4];
	base = event_base_new();
	if (gw_store_open(base, &so, &s, &reason) < 0) {
		fprintf(stderr, "%s\n", reason);
		return 1;
	}
	agent.store_id = gw_store_id(s);

	/* 1. the backlog */
	corpus_make(&c, 10000, 1000, gw_clock_wall_ms());
	t0 = now_s();
	for (uint64_t i = 0; i < n; i++) {
		gw_buffer_append(s, &c.rec[i % c.n], on_ack, NULL);
		if (i % 65536 == 65535)
			gw_store_flush(s);
	}
	gw_store_flush(s);
	t_ingest = now_s() - t0;

	/* 2. one batch as the uploader builds it, then the sink's ceiling */
	gw_batch_init(&b);
	gw_batch_begin(&b, 0, UINT64_MAX, up.batch_records, up.batch_bytes, 1);
	while (gw_batch_step(&b, s, &agent, 256) == 0)
		;
	batch_n = b.n;
	batch_json = b.json_bytes;
	body_len = evbuffer_get_length(b.body);
	body = malloc(body_len);
	evbuffer_remove(b.body, body, body_len);
	gw_batch_release(&b);

	to = (struct gw_tls_ctx_opts){argv[4], NULL, NULL};
	tls = gw_tls_ctx_new(&to, treason, sizeof(treason));
	dns = evdns_base_new(base, 0);
	evdns_base_load_hosts(dns, NULL);
	ce = (struct ceiling){.base = base, .hp = gw_http_parser_new(false), .body = body,
			      .len = body_len, .posts = CEILING_POSTS};
	snprintf(ce.host_hdr, sizeof(ce.host_hdr), "localhost:%s", argv[3]);
	snprintf(ce.target, sizeof(ce.target), "/v1/gateways/gw-bench-0001/batches");
	{
		struct gw_conn_opts co = {.host = "localhost", .port = (uint16_t)atoi(argv[3]),
					  .tls = tls, .dns = dns, .timeout_ms = 10000};
		struct gw_conn_cbs cbs = {ce_ready, ce_readable, ce_closed};
		ce.c = gw_conn_new(base, &co, &cbs, &ce);
		t0 = now_s();
		gw_conn_start(ce.c);
		event_base_dispatch(base);
		t_ceiling = now_s() - t0;
		gw_conn_free(ce.c);
	}
	gw_http_parser_free(ce.hp);
	evdns_base_free(dns, 0);
	gw_tls_ctx_free(tls);
	if (ce.failed) {
		fprintf(stderr, "the sink did not answer\n");
		return 1;
	}

	/* 3. the drain */
	dr = (struct drain){base, s};
	tick = event_new(base, -1, EV_PERSIST, check_empty, &dr);
	event_add(tick, &ten_ms);
	t0 = now_s();
	if (gw_uplink_new(base, s, &conf, &u) < 0 || !u) {
		fprintf(stderr, "cannot start the uploader\n");
		return 1;
	}
	event_base_dispatch(base);
	t_drain = now_s() - t0;
	gw_uplink_get_stats(u, &us);
	gw_uplink_free(u);
	event_free(tick);

	printf("{\"records\": %" PRIu64 ", \"mean_record_bytes\": %.0f, \"ingest_per_s\": %.0f,"
	       " \"batch_records\": %u, \"batch_json_bytes\": %zu, \"batch_body_bytes\": %zu,"
	       " \"sink_ceiling_requests_per_s\": %.0f, \"sink_ceiling_records_per_s\": %.0f,"
	       " \"drain_s\": %.2f, \"drain_records_per_s\": %.0f, \"requests\": %" PRIu64 ","
	       " \"json_bytes_per_record\": %.1f, \"body_bytes_per_record\": %.1f,"
	       " \"wire_bytes_per_record\": %.1f, \"wire_over_json\": %.3f}\n",
	       n, c.mean_record, (double)n / t_ingest, batch_n, batch_json, body_len,
	       CEILING_POSTS / t_ceiling, CEILING_POSTS * (double)batch_n / t_ceiling, t_drain,
	       (double)us.records_accepted / t_drain, us.requests,
	       (double)us.json_bytes / (double)us.records_accepted,
	       (double)us.body_bytes / (double)us.records_accepted,
	       (double)us.wire_out / (double)us.records_accepted,
	       (double)us.wire_out / (double)us.json_bytes);
	free(body);
	corpus_free(&c);
	gw_store_close(s);
	event_base_free(base);
	return us.records_accepted == n ? 0 : 1;
}
