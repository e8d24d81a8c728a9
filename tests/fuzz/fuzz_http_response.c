/*
 * Fuzz the cloud's answer as the uploader reads it: arbitrary bytes, cut
 * into arbitrary pieces, through the response parser (status line and
 * reason phrase, headers, Content-Length or chunked body, interim 1xx
 * answers, keep-alive or close, the end of the stream), then what the
 * uploader makes of each whole answer: the answer table, Retry-After in
 * both forms and the body's excerpt for the log.
 *
 * Input: two bytes seeding the sizes of the pieces (0 0: all at once), then
 * the bytes the cloud sent. Answers follow each other on a kept-alive
 * connection as they would after one request each.
 */
#include "uplink/http.h"
#include "uplink/uploader.h"

#include <event2/buffer.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define NOW_MS 1795000000000LL   /* a fixed wall clock: a run is reproducible */
#define MAX_ANSWERS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint32_t next_piece(uint32_t *rng, size_t left)
{
	uint32_t x = *rng;

	if (!x)
		return (uint32_t)(left > UINT32_MAX ? UINT32_MAX : left);
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*rng = x;
	return 1 + x % 97;
}

static bool printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			return false;
	return true;
}

/* Returns false when the uploader would close the connection after it. */
static bool check(const struct gw_http_response *r)
{
	struct gw_uplink_answer a;

	if (!r->complete || r->status < 100 || r->status > 999 ||
	    strlen(r->body) > GW_HTTP_BODY_KEEP || strlen(r->body) > r->body_len ||
	    strlen(r->phrase) >= sizeof(r->phrase) || strlen(r->retry_after) >= sizeof(r->retry_after))
		abort();
	gw_uplink_read_answer(r, NOW_MS, &a);
	if (a.action != gw_uplink_decide(r->status) || a.wait_ms < -1 || a.wait_ms > 3600000 ||
	    (!r->retry_after[0] && a.wait_ms != -1) || a.close == r->keep_alive ||
	    !printable(a.body) || !printable(a.retry_after))
		abort();
	return !a.close;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gw_http_parser *p;
	struct evbuffer *in;
	uint32_t rng;
	size_t off = 2;
	int rc, answers = 0;

	if (size < 2)
		return 0;
	rng = (uint32_t)data[0] << 8 | data[1];
	p = gw_http_parser_new(false);
	in = evbuffer_new();
	if (!p || !in)
		abort();
	while (off < size) {
		size_t piece = next_piece(&rng, size - off);
		if (piece > size - off)
			piece = size - off;
		evbuffer_add(in, data + off, piece);
		off += piece;
		for (;;) {
			rc = gw_http_parser_feed(p, in);
			if (rc < 0)
				goto out;       /* not HTTP: the connection is dropped */
			if (rc == 0)
				break;
			if (!check(gw_http_parser_response(p)) || ++answers == MAX_ANSWERS)
				goto out;
			/* the next request's answer */
			gw_http_parser_reset(p, false);
		}
	}
	/* the cloud closed: an answer delimited by the close is complete now */
	if (gw_http_parser_eof(p) > 0)
		check(gw_http_parser_response(p));
out:
	evbuffer_free(in);
	gw_http_parser_free(p);
	return 0;
}
