/*
 * HTTP/1.1 over whatever byte stream the connection gives: requests are
 * written here (a request line, headers and a body: nothing to parse), and
 * responses are framed by Debian's http-parser (the nodejs parser), which
 * copes with Content-Length, chunked bodies and keep-alive rules.
 */
#ifndef GW_HTTP_H
#define GW_HTTP_H

#include <event2/buffer.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GW_HTTP_BODY_KEEP 2048   /* bytes of a response body kept for the log */

struct gw_http_header {
	const char *name, *value;
};

/* Append a request; the body (may be NULL) is added by reference-free copy. */
int gw_http_write_request(struct evbuffer *out, const char *method, const char *target,
			  const char *host, const struct gw_http_header *h, size_t nh,
			  const void *body, size_t len);

struct gw_http_response {
	int status;
	bool keep_alive;
	bool complete;
	char phrase[64];              /* the status line's reason phrase (raw bytes, maybe cut) */
	char retry_after[64];         /* the header's value, "" when absent */
	char connection[32];
	size_t body_len;              /* body bytes seen */
	char body[GW_HTTP_BODY_KEEP + 1]; /* their beginning, NUL-terminated */
};

struct gw_http_parser;

/* head_only: the answer to CONNECT, which has no body whatever it says. */
struct gw_http_parser *gw_http_parser_new(bool head_only);
void gw_http_parser_free(struct gw_http_parser *p);
void gw_http_parser_reset(struct gw_http_parser *p, bool head_only);
/*
 * Feed what `in` holds; consumed bytes are drained, bytes after the end of
 * the message stay. 1: a whole response is in *resp; 0: more needed;
 * < 0: not HTTP (reason set).
 */
int gw_http_parser_feed(struct gw_http_parser *p, struct evbuffer *in);
/* The peer closed: a response delimited by the close is complete now. */
int gw_http_parser_eof(struct gw_http_parser *p);
const struct gw_http_response *gw_http_parser_response(const struct gw_http_parser *p);
const char *gw_http_parser_reason(const struct gw_http_parser *p);

/*
 * Retry-After as delay-seconds or an HTTP date (IMF-fixdate, RFC 850 or
 * asctime), relative to now (wall clock, ms). Returns the delay in ms,
 * clamped to [0, cap_ms], or -1 when the value is neither.
 */
int64_t gw_http_retry_after_ms(const char *v, int64_t now_ms, int64_t cap_ms);

/*
 * The start of a response's body fit for one log line: whitespace of
 * pretty-printed JSON collapsed, control and non-ASCII bytes escaped.
 */
const char *gw_http_body_excerpt(const struct gw_http_response *r, char *buf, size_t len);

/* An https:// URL taken apart: host (brackets removed), port, Host header, path prefix. */
struct gw_http_url {
	char host[256];
	uint16_t port;
	char host_hdr[300];     /* host[:port], port left out when 443 */
	char path[256];         /* without a trailing '/', may be empty */
};
int gw_http_parse_https_url(const char *url, struct gw_http_url *out);

/* Standard base64 of len bytes into out (size >= 4 * ((len + 2) / 3) + 1). */
void gw_base64(const void *in, size_t len, char *out);

#endif
