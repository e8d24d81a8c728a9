/*
 * Fuzz the proxy's answer to CONNECT (a squid, an appliance, anything on
 * the site's network), in arbitrary pieces: only the answer's head may be
 * consumed, whatever follows it belongs to the tunnel (the cloud's TLS), and
 * a refusal's reason must be fit for the log.
 *
 * Input: two bytes seeding the sizes of the pieces (0 0: all at once), then
 * the bytes the proxy sent.
 */
#include "uplink/http.h"
#include "uplink/proxy.h"

#include <event2/buffer.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			return false;
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gw_http_parser *p;
	struct evbuffer *in;
	char why[512];
	uint32_t rng;
	size_t off = 2;
	int rc = 0;

	if (size < 2)
		return 0;
	rng = (uint32_t)data[0] << 8 | data[1];
	p = gw_http_parser_new(true);
	in = evbuffer_new();
	if (!p || !in)
		abort();
	while (off < size && rc == 0) {
		size_t piece = size - off, left;
		if (rng) {
			rng ^= rng << 13;
			rng ^= rng >> 17;
			rng ^= rng << 5;
			piece = 1 + rng % 61;
			if (piece > size - off)
				piece = size - off;
		}
		evbuffer_add(in, data + off, piece);
		off += piece;
		why[0] = '\0';
		rc = gw_proxy_connect_answer(p, in, why, sizeof(why));
		left = evbuffer_get_length(in);
		/* what stays is exactly the end of what came, untouched */
		if (left > off - 2 ||
		    (left && memcmp(evbuffer_pullup(in, -1), data + off - left, left) != 0))
			abort();
		if (rc < 0 && (!why[0] || !printable(why)))
			abort();
		if (rc == 1) {
			const struct gw_http_response *r = gw_http_parser_response(p);
			if (r->status < 200 || r->status > 299)
				abort();
		}
	}
	evbuffer_free(in);
	gw_http_parser_free(p);
	return 0;
}
