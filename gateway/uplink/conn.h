/*
 * One outbound TLS connection on the loop, with everything beneath it:
 * asynchronous DNS (evdns, IPv4 and IPv6, each address tried in turn), a
 * non-blocking socket (a libevent bufferevent), then either TLS to the peer
 * straight away, or an HTTP CONNECT tunnel through the site's proxy (itself
 * plain or TLS) with TLS to the peer inside it.
 *
 *   socket bufferevent ─ [TLS to the proxy] ─ [CONNECT] ─ TLS to the peer ─ caller
 *
 * Every layer reads and writes evbuffers; each TLS session is driven through
 * wolfSSL's custom I/O callbacks (tls.h). The caller sees plaintext only.
 */
#ifndef GW_CONN_H
#define GW_CONN_H

#include "proxy.h"
#include "tls.h"

#include <event2/dns.h>
#include <event2/event.h>

struct gw_conn;

struct gw_conn_opts {
	const char *host;              /* the peer, as named in its certificate */
	uint16_t port;
	struct gw_tls_ctx *tls;        /* TLS to the peer */
	const struct gw_proxy *proxy;  /* NULL: direct (no_proxy is applied here) */
	struct gw_tls_ctx *proxy_tls;  /* for an https:// proxy */
	struct evdns_base *dns;
	int64_t timeout_ms;            /* to get from nothing to a verified TLS session */
};

struct gw_conn_cbs {
	void (*ready)(struct gw_conn *c, void *arg);     /* TLS up: write away */
	void (*readable)(struct gw_conn *c, void *arg);  /* new plaintext in gw_conn_input */
	/* the connection is over (error or close); the owner frees it later */
	void (*closed)(struct gw_conn *c, int err, const char *reason, void *arg);
};

struct gw_conn_stats {
	uint64_t wire_in, wire_out;    /* bytes on the socket, below all TLS */
};

struct gw_conn *gw_conn_new(struct event_base *base, const struct gw_conn_opts *o,
			    const struct gw_conn_cbs *cb, void *arg);
/* Stop everything, quietly (no callback). Accepts NULL. */
void gw_conn_free(struct gw_conn *c);

int gw_conn_start(struct gw_conn *c);
/* Plaintext the peer sent, for the caller to drain. */
struct evbuffer *gw_conn_input(struct gw_conn *c);
/* Encrypt and send all of data (drained). */
int gw_conn_write(struct gw_conn *c, struct evbuffer *data);
/* Ciphertext still waiting for the socket. */
size_t gw_conn_unsent(const struct gw_conn *c);
void gw_conn_get_stats(const struct gw_conn *c, struct gw_conn_stats *st);
/* "TLSv1.3 TLS13-AES128-GCM-SHA256 via proxy host:port", for the log. */
const char *gw_conn_describe(const struct gw_conn *c);

#endif
