/*
 * The site's HTTP proxy, in one place for every connection off the site
 * (uploads now, the MQTT channel later): an HTTP CONNECT tunnel, Basic
 * authentication, a no-proxy list, and optionally TLS to the proxy itself.
 * The configuration wins; when it names no proxy, https_proxy (or
 * HTTPS_PROXY) and no_proxy (or NO_PROXY) from the environment apply.
 */
#ifndef GW_PROXY_H
#define GW_PROXY_H

#include "../core/config.h"

#include <event2/buffer.h>
#include <stdbool.h>
#include <stdint.h>

struct gw_proxy {
	char host[256];
	uint16_t port;
	bool tls;                 /* https:// proxy: TLS to the proxy, TLS to the cloud inside */
	bool from_env;
	char *authorization;      /* "Basic ..." or NULL; wiped on free, never logged */
	char *no_proxy;           /* the list as given, or NULL */
	char *ca_file;            /* for TLS to the proxy; NULL: the uplink's bundle */
};

/*
 * Settle the proxy: *out is NULL when connections go direct. < 0 with a
 * reason (never holding a credential) for a setting that cannot work.
 * `c` may be NULL (environment only).
 */
int gw_proxy_load(const struct gw_conf_proxy *c, struct gw_proxy **out, char *reason,
		  size_t len);
void gw_proxy_free(struct gw_proxy *p);

/* Parse a proxy URL, [http|https]://[user[:password]@]host[:port][/], userinfo percent-decoded. */
int gw_proxy_parse_url(const char *url, struct gw_proxy *p, char **user, char **password,
		       const char **reason);
/* Whether a connection to host:port goes through the proxy (no_proxy decides). */
bool gw_proxy_applies(const struct gw_proxy *p, const char *host, uint16_t port);
/* The no_proxy rule by itself: true when host:port is listed. */
bool gw_no_proxy_match(const char *list, const char *host, uint16_t port);
struct gw_http_parser;
/*
 * Read the proxy's answer to CONNECT from `in` with a head-only parser (see
 * http.h). Only the answer's head is consumed: whatever follows it is the
 * tunnel's. 1: the tunnel is open; 0: more bytes needed; < 0: refused or
 * not HTTP, with a reason for the log in why (escaped, never raw bytes).
 */
int gw_proxy_connect_answer(struct gw_http_parser *hp, struct evbuffer *in, char *why,
			    size_t len);
/* The CONNECT request for host:port, with the Proxy-Authorization header when set. */
int gw_proxy_write_connect(const struct gw_proxy *p, const char *host, uint16_t port,
			   struct evbuffer *out);

#endif
