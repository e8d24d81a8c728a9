/*
 * Fuzz the uplink's small text parsers; the first byte chooses one:
 *   0  Retry-After (delay-seconds or an HTTP date in any of its three forms)
 *   1  a proxy URL as https_proxy or proxy.url gives it: scheme, percent-
 *      encoded user and password, host, IPv6 literal, port; then the Basic
 *      credentials and the CONNECT request made from it
 *   2  the no_proxy list and its matcher: "LIST\nHOST", the port in the
 *      second and third bytes
 *   3  the cloud's base URL
 * The rest is the text (cut at its first NUL, as a C string would be).
 */
#include "uplink/http.h"
#include "uplink/proxy.h"

#include <event2/buffer.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define NOW_MS 1795000000000LL
#define CAP_MS 3600000

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void retry_after(const char *s)
{
	int64_t ms = gw_http_retry_after_ms(s, NOW_MS, CAP_MS);

	if (ms < -1 || ms > CAP_MS)
		abort();
}

static void proxy_url(const char *s)
{
	struct gw_conf_proxy c = {.url = (char *)s, .no_proxy = (char *)""};
	struct gw_proxy *p = NULL, q = {0};
	struct evbuffer *b;
	char reason[300], *user, *password;
	const char *why = NULL;
	int rc;

	rc = gw_proxy_parse_url(s, &q, &user, &password, &why);
	if (rc == 0) {
		if (!q.host[0] || strlen(q.host) >= sizeof(q.host) || q.port == 0 ||
		    (user && !password))
			abort();
		free(user);
		free(password);
	} else if (!why || user || password) {
		abort();
	}
	if (gw_proxy_load(&c, &p, reason, sizeof(reason)) < 0 || !p)
		return;
	b = evbuffer_new();
	if (!b || gw_proxy_write_connect(p, "cloud.example", 443, b) < 0)
		abort();
	gw_proxy_applies(p, "cloud.example", 443);
	evbuffer_free(b);
	gw_proxy_free(p);
}

static void no_proxy(const char *s, uint16_t port)
{
	const char *nl = strchr(s, '\n');
	char *list = strndup(s, nl ? (size_t)(nl - s) : strlen(s));

	if (!list)
		abort();
	gw_no_proxy_match(list, nl ? nl + 1 : "cloud.example", port);
	free(list);
}

static void base_url(const char *s)
{
	struct gw_http_url u;

	if (gw_http_parse_https_url(s, &u) == 0 &&
	    (!u.host[0] || u.port == 0 || strlen(u.host_hdr) >= sizeof(u.host_hdr) ||
	     strlen(u.path) >= sizeof(u.path) || (u.path[0] && u.path[0] != '/')))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned which;
	size_t skip;
	char *s;

	if (size < 1)
		return 0;
	which = data[0] % 4;
	skip = which == 2 ? 3 : 1;   /* no_proxy: the port first */
	s = strndup(size > skip ? (const char *)data + skip : "", size > skip ? size - skip : 0);
	if (!s)
		abort();
	switch (which) {
	case 0:
		retry_after(s);
		break;
	case 1:
		proxy_url(s);
		break;
	case 2:
		no_proxy(s, size > 2 ? (uint16_t)(data[1] << 8 | data[2]) : 0);
		break;
	case 3:
		base_url(s);
		break;
	}
	free(s);
	return 0;
}
