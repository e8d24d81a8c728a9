#include "http.h"
#include "../core/log.h"

#include <http_parser.h>

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

enum hdr { H_OTHER, H_RETRY_AFTER, H_CONNECTION };

struct gw_http_parser {
	http_parser p;
	http_parser_settings s;
	bool head_only;
	struct gw_http_response r;
	char field[32];
	size_t field_len;
	bool in_value;
	enum hdr cur;
	size_t value_len;
	char reason[128];
};

int gw_http_write_request(struct evbuffer *out, const char *method, const char *target,
			  const char *host, const struct gw_http_header *h, size_t nh,
			  const void *body, size_t len)
{
	int rc = evbuffer_add_printf(out, "%s %s HTTP/1.1\r\nHost: %s\r\n", method, target, host);

	for (size_t i = 0; i < nh && rc >= 0; i++)
		rc = evbuffer_add_printf(out, "%s: %s\r\n", h[i].name, h[i].value);
	if (rc >= 0 && body)
		rc = evbuffer_add_printf(out, "Content-Length: %zu\r\n", len);
	if (rc >= 0)
		rc = evbuffer_add(out, "\r\n", 2);
	if (rc >= 0 && body && len)
		rc = evbuffer_add(out, body, len);
	return rc < 0 ? -ENOMEM : 0;
}

static struct gw_http_parser *self(http_parser *p)
{
	return p->data;
}

static int on_begin(http_parser *p)
{
	struct gw_http_parser *h = self(p);

	memset(&h->r, 0, sizeof(h->r));
	h->field_len = 0;
	h->in_value = false;
	h->cur = H_OTHER;
	return 0;
}

static int on_status(http_parser *p, const char *at, size_t n)
{
	struct gw_http_parser *h = self(p);
	size_t have = strlen(h->r.phrase);
	size_t take = n < sizeof(h->r.phrase) - 1 - have ? n : sizeof(h->r.phrase) - 1 - have;

	memcpy(h->r.phrase + have, at, take);
	h->r.phrase[have + take] = '\0';
	return 0;
}

static int on_field(http_parser *p, const char *at, size_t n)
{
	struct gw_http_parser *h = self(p);

	if (h->in_value) {
		h->in_value = false;
		h->field_len = 0;
	}
	/* long names are none we care about: keep a prefix that cannot match */
	for (size_t i = 0; i < n && h->field_len < sizeof(h->field) - 1; i++)
		h->field[h->field_len++] = (char)tolower((unsigned char)at[i]);
	h->field[h->field_len] = '\0';
	return 0;
}

static int on_value(http_parser *p, const char *at, size_t n)
{
	struct gw_http_parser *h = self(p);
	char *dst = NULL;
	size_t cap = 0;

	if (!h->in_value) {
		h->in_value = true;
		h->value_len = 0;
		h->cur = strcmp(h->field, "retry-after") == 0 ? H_RETRY_AFTER
			 : strcmp(h->field, "connection") == 0 ? H_CONNECTION : H_OTHER;
	}
	if (h->cur == H_RETRY_AFTER) {
		dst = h->r.retry_after;
		cap = sizeof(h->r.retry_after);
	} else if (h->cur == H_CONNECTION) {
		dst = h->r.connection;
		cap = sizeof(h->r.connection);
	}
	for (size_t i = 0; dst && i < n && h->value_len < cap - 1; i++)
		dst[h->value_len++] = at[i];
	if (dst)
		dst[h->value_len] = '\0';
	return 0;
}

static int on_headers(http_parser *p)
{
	struct gw_http_parser *h = self(p);

	h->r.status = (int)p->status_code;
	if (h->r.status < 100) {
		/* the parser takes one or two digits; HTTP says three */
		snprintf(h->reason, sizeof(h->reason), "bad HTTP response: status code %d",
			 h->r.status);
		return -1;
	}
	/* a tunnel begins after the head of a 2xx answer to CONNECT */
	return h->head_only ? 1 : 0;
}

static int on_body(http_parser *p, const char *at, size_t n)
{
	struct gw_http_parser *h = self(p);
	size_t have = h->r.body_len < GW_HTTP_BODY_KEEP ? h->r.body_len : GW_HTTP_BODY_KEEP;
	size_t take = n < GW_HTTP_BODY_KEEP - have ? n : GW_HTTP_BODY_KEEP - have;

	memcpy(h->r.body + have, at, take);
	h->r.body[have + take] = '\0';
	h->r.body_len += n;
	return 0;
}

static int on_complete(http_parser *p)
{
	struct gw_http_parser *h = self(p);

	/* 1xx answers are interim: the real one follows */
	if (p->status_code >= 100 && p->status_code < 200)
		return 0;
	h->r.complete = true;
	h->r.keep_alive = http_should_keep_alive(p) != 0;
	http_parser_pause(p, 1);  /* stop right after this message */
	return 0;
}

void gw_http_parser_reset(struct gw_http_parser *h, bool head_only)
{
	http_parser_init(&h->p, HTTP_RESPONSE);
	h->p.data = h;
	h->head_only = head_only;
	memset(&h->r, 0, sizeof(h->r));
	h->reason[0] = '\0';
}

struct gw_http_parser *gw_http_parser_new(bool head_only)
{
	struct gw_http_parser *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	http_parser_settings_init(&h->s);
	h->s.on_message_begin = on_begin;
	h->s.on_status = on_status;
	h->s.on_header_field = on_field;
	h->s.on_header_value = on_value;
	h->s.on_headers_complete = on_headers;
	h->s.on_body = on_body;
	h->s.on_message_complete = on_complete;
	gw_http_parser_reset(h, head_only);
	return h;
}

void gw_http_parser_free(struct gw_http_parser *h)
{
	free(h);
}

static int check(struct gw_http_parser *h)
{
	enum http_errno e = HTTP_PARSER_ERRNO(&h->p);

	if (e == HPE_OK || e == HPE_PAUSED)
		return h->r.complete ? 1 : 0;
	if (!h->reason[0])
		snprintf(h->reason, sizeof(h->reason), "bad HTTP response: %s",
		 http_errno_description(e));
	return -EPROTO;
}

int gw_http_parser_feed(struct gw_http_parser *h, struct evbuffer *in)
{
	while (!h->r.complete && evbuffer_get_length(in)) {
		struct evbuffer_iovec v;
		size_t n;
		int rc;

		if (evbuffer_peek(in, -1, NULL, &v, 1) < 1)
			break;
		n = http_parser_execute(&h->p, &h->s, v.iov_base, v.iov_len);
		evbuffer_drain(in, n);
		rc = check(h);
		if (rc != 0)
			return rc;
		if (n < v.iov_len)
			break;
	}
	return h->r.complete ? 1 : 0;
}

int gw_http_parser_eof(struct gw_http_parser *h)
{
	if (h->r.complete)
		return 1;
	http_parser_execute(&h->p, &h->s, NULL, 0);
	return check(h);
}

const struct gw_http_response *gw_http_parser_response(const struct gw_http_parser *h)
{
	return &h->r;
}

const char *gw_http_parser_reason(const struct gw_http_parser *h)
{
	return h->reason[0] ? h->reason : "incomplete HTTP response";
}

int64_t gw_http_retry_after_ms(const char *v, int64_t now_ms, int64_t cap_ms)
{
	static const char *const formats[] = {
		"%a, %d %b %Y %H:%M:%S GMT",  /* IMF-fixdate */
		"%A, %d-%b-%y %H:%M:%S GMT",  /* RFC 850 */
		"%a %b %e %H:%M:%S %Y",       /* asctime */
	};
	int64_t ms = 0;
	bool found = false;
	size_t n;

	while (*v == ' ' || *v == '\t')
		v++;
	n = strspn(v, "0123456789");
	if (n > 0 && v[n + strspn(v + n, " \t")] == '\0') {
		/* delay-seconds: anything past the cap is the cap */
		ms = n > 12 ? cap_ms : (int64_t)strtoll(v, NULL, 10) * 1000;
	} else {
		for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]) && !found; i++) {
			struct tm tm;
			const char *end;

			memset(&tm, 0, sizeof(tm));
			end = strptime(v, formats[i], &tm);
			if (end && end[strspn(end, " \t")] == '\0') {
				ms = (int64_t)timegm(&tm) * 1000 - now_ms;
				found = true;
			}
		}
		if (!found)
			return -1;
	}
	if (ms < 0)
		ms = 0;
	return ms > cap_ms ? cap_ms : ms;
}

const char *gw_http_body_excerpt(const struct gw_http_response *r, char *buf, size_t len)
{
	char raw[200];
	size_t n = 0, have = r->body_len < GW_HTTP_BODY_KEEP ? r->body_len : GW_HTTP_BODY_KEEP;

	/* the body may hold NUL bytes: its length, not strlen, says where it ends */
	for (size_t i = 0; i < have && n < sizeof(raw) - 1; i++) {
		char c = r->body[i];
		if (!(c == '\n' || c == '\r' || (c == ' ' && n && raw[n - 1] == ' ')))
			raw[n++] = c;
	}
	return gw_log_escape(buf, len, raw, n);
}

void gw_base64(const void *in, size_t len, char *out)
{
	static const char tbl[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *p = in;
	size_t o = 0;

	for (size_t i = 0; i < len; i += 3) {
		unsigned v = (unsigned)p[i] << 16;
		if (i + 1 < len)
			v |= (unsigned)p[i + 1] << 8;
		if (i + 2 < len)
			v |= p[i + 2];
		out[o++] = tbl[v >> 18 & 63];
		out[o++] = tbl[v >> 12 & 63];
		out[o++] = i + 1 < len ? tbl[v >> 6 & 63] : '=';
		out[o++] = i + 2 < len ? tbl[v & 63] : '=';
	}
	out[o] = '\0';
}

int gw_http_parse_https_url(const char *url, struct gw_http_url *u)
{
	const char *h = url + 8, *end, *colon, *path;
	size_t hl;

	memset(u, 0, sizeof(*u));
	if (strncmp(url, "https://", 8) != 0)
		return -EINVAL;
	path = h + strcspn(h, "/?#");
	end = path;
	u->port = 443;
	if (*h == '[') {
		const char *close = memchr(h, ']', (size_t)(end - h));
		if (!close)
			return -EINVAL;
		hl = (size_t)(close - h - 1);
		if (hl == 0 || hl >= sizeof(u->host))
			return -EINVAL;
		memcpy(u->host, h + 1, hl);
		colon = close + 1 < end && close[1] == ':' ? close + 1 : NULL;
		if (!colon && close + 1 != end)
			return -EINVAL;
	} else {
		colon = memchr(h, ':', (size_t)(end - h));
		hl = (size_t)((colon ? colon : end) - h);
		if (hl == 0 || hl >= sizeof(u->host))
			return -EINVAL;
		memcpy(u->host, h, hl);
	}
	if (colon) {
		char *e;
		long p = strtol(colon + 1, &e, 10);
		if (e != end || p < 1 || p > 65535)
			return -EINVAL;
		u->port = (uint16_t)p;
	}
	snprintf(u->host_hdr, sizeof(u->host_hdr), strchr(u->host, ':') ? "[%s]" : "%s", u->host);
	if (u->port != 443)
		snprintf(u->host_hdr + strlen(u->host_hdr), sizeof(u->host_hdr) - strlen(u->host_hdr),
			 ":%u", (unsigned)u->port);
	hl = strcspn(path, "?#");
	while (hl && path[hl - 1] == '/')
		hl--;
	if (hl >= sizeof(u->path))
		return -EINVAL;
	memcpy(u->path, path, hl);
	return 0;
}
