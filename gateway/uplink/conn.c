#include "conn.h"
#include "http.h"
#include "../core/log.h"

#include <event2/bufferevent.h>
#include <event2/util.h>

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define SUB "uplink"

enum phase {
	P_IDLE, P_RESOLVE, P_CONNECT, P_PROXY_TLS, P_TUNNEL, P_TLS, P_READY, P_CLOSED,
};

struct gw_conn {
	struct event_base *base;
	struct gw_conn_opts o;
	struct gw_conn_cbs cb;
	void *arg;
	char host[256];
	enum phase phase;
	bool via_proxy;
	const char *dial_host;
	uint16_t dial_port;

	struct evdns_getaddrinfo_request *dns_req;
	bool resolving;
	struct evutil_addrinfo *ai, *ai_next;
	char addr[64];              /* the address being tried, for messages */
	char connect_err[200];

	struct bufferevent *bev;
	struct gw_tls *ptls;        /* to the proxy */
	struct evbuffer *p_in;      /* plaintext from the proxy's TLS */
	struct evbuffer *p_out;     /* plaintext to the proxy's TLS */
	struct gw_http_parser *hp;  /* the proxy's answer to CONNECT */
	struct gw_tls *tls;         /* to the peer */
	struct evbuffer *in;        /* plaintext for the caller */
	struct event *timer;

	struct gw_conn_stats st;
	char desc[640];
	int depth;                  /* inside a callback of ours */
	bool freed;
};

static void conn_destroy(struct gw_conn *c);

static void enter(struct gw_conn *c)
{
	c->depth++;
}

/* Returns false when the conn is gone (freed by a callback). */
static bool leave(struct gw_conn *c)
{
	if (--c->depth == 0 && c->freed) {
		conn_destroy(c);
		return false;
	}
	return true;
}

static void teardown(struct gw_conn *c)
{
	if (c->dns_req) {
		struct evdns_getaddrinfo_request *r = c->dns_req;
		c->dns_req = NULL;
		evdns_getaddrinfo_cancel(r);
	}
	if (c->ai)
		evutil_freeaddrinfo(c->ai);
	c->ai = c->ai_next = NULL;
	gw_tls_free(c->tls);
	gw_tls_free(c->ptls);
	c->tls = c->ptls = NULL;
	if (c->bev)
		bufferevent_free(c->bev);
	c->bev = NULL;
	if (c->timer)
		evtimer_del(c->timer);
}

static void conn_destroy(struct gw_conn *c)
{
	teardown(c);
	if (c->timer)
		event_free(c->timer);
	gw_http_parser_free(c->hp);
	if (c->p_in)
		evbuffer_free(c->p_in);
	if (c->p_out)
		evbuffer_free(c->p_out);
	if (c->in)
		evbuffer_free(c->in);
	free(c);
}

void gw_conn_free(struct gw_conn *c)
{
	if (!c)
		return;
	if (c->depth) {
		c->freed = true;
		teardown(c);
		return;
	}
	conn_destroy(c);
}

/* The end, with the one callback that says why. */
static void fail(struct gw_conn *c, int err, const char *reason)
{
	char why[600];

	if (c->phase == P_CLOSED)
		return;
	/* the reason may live in a layer that teardown frees */
	snprintf(why, sizeof(why), "%s", reason);
	c->phase = P_CLOSED;
	teardown(c);
	if (c->cb.closed)
		c->cb.closed(c, err, why, c->arg);
}

static struct evbuffer *tunnel_in(struct gw_conn *c)
{
	return c->ptls ? c->p_in : bufferevent_get_input(c->bev);
}

static struct evbuffer *tunnel_out(struct gw_conn *c)
{
	return c->ptls ? c->p_out : bufferevent_get_output(c->bev);
}

/* Plaintext for the proxy's TLS session goes out encrypted. */
static int flush(struct gw_conn *c)
{
	if (c->ptls && evbuffer_get_length(c->p_out) &&
	    gw_tls_write(c->ptls, c->p_out) < 0) {
		fail(c, -EPROTO, gw_tls_reason(c->ptls));
		return -1;
	}
	return 0;
}

static int start_tls(struct gw_conn *c)
{
	c->tls = gw_tls_new(c->o.tls, c->host, tunnel_in(c), tunnel_out(c));
	if (!c->tls) {
		fail(c, -ENOMEM, "cannot start TLS");
		return -1;
	}
	c->phase = P_TLS;
	return 0;
}

static void describe(struct gw_conn *c)
{
	int n = snprintf(c->desc, sizeof(c->desc), "%s %s to %s (%s)", gw_tls_version(c->tls),
			 gw_tls_cipher(c->tls), c->host, c->addr);

	if (c->via_proxy && n > 0 && (size_t)n < sizeof(c->desc))
		snprintf(c->desc + n, sizeof(c->desc) - (size_t)n, " through the %sproxy %s:%u",
			 c->ptls ? "TLS " : "", c->o.proxy->host, (unsigned)c->o.proxy->port);
}

/* Move bytes up the layers as far as they go. */
static void pump(struct gw_conn *c)
{
	int rc;

	if (c->phase == P_PROXY_TLS) {
		rc = gw_tls_handshake(c->ptls);
		if (rc < 0) {
			char why[512];
			snprintf(why, sizeof(why), "TLS to the proxy: %s", gw_tls_reason(c->ptls));
			fail(c, -EPROTO, why);
			return;
		}
		if (rc > 0)
			return;
		c->phase = P_TUNNEL;
		if (gw_proxy_write_connect(c->o.proxy, c->host, c->o.port, c->p_out) < 0 ||
		    flush(c) < 0)
			return;
	}
	if (c->ptls && c->phase > P_PROXY_TLS) {
		rc = gw_tls_read(c->ptls, c->p_in);
		if (rc < 0) {
			fail(c, -EPROTO, gw_tls_reason(c->ptls));
			return;
		}
		if (rc > 0 && c->tls)
			gw_tls_set_eof(c->tls);
	}
	if (c->phase == P_TUNNEL) {
		char why[512];
		rc = gw_proxy_connect_answer(c->hp, tunnel_in(c), why, sizeof(why));
		if (rc < 0) {
			fail(c, rc == -ECONNREFUSED ? rc : -EPROTO, why);
			return;
		}
		if (rc == 0)
			return;
		if (start_tls(c) < 0)
			return;
	}
	if (c->phase == P_TLS) {
		rc = gw_tls_handshake(c->tls);
		if (flush(c) < 0)
			return;
		if (rc < 0) {
			fail(c, -EPROTO, gw_tls_reason(c->tls));
			return;
		}
		if (rc > 0)
			return;
		c->phase = P_READY;
		evtimer_del(c->timer);
		describe(c);
		if (c->cb.ready)
			c->cb.ready(c, c->arg);
		if (c->freed || c->phase != P_READY)
			return;
	}
	if (c->phase == P_READY) {
		size_t before = evbuffer_get_length(c->in);
		rc = gw_tls_read(c->tls, c->in);
		if (flush(c) < 0)
			return;
		if (evbuffer_get_length(c->in) > before && c->cb.readable) {
			c->cb.readable(c, c->arg);
			if (c->freed || c->phase != P_READY)
				return;
		}
		if (rc < 0)
			fail(c, -EPROTO, gw_tls_reason(c->tls));
		else if (rc > 0)
			fail(c, -ECONNRESET, "the peer closed the connection");
	}
}

static void on_read(struct bufferevent *bev, void *arg)
{
	struct gw_conn *c = arg;

	(void)bev;
	enter(c);
	pump(c);
	leave(c);
}

static void try_next(struct gw_conn *c);

static void connected(struct gw_conn *c)
{
	int one = 1;
	evutil_socket_t fd = bufferevent_getfd(c->bev);

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (c->via_proxy && c->o.proxy->tls) {
		c->ptls = gw_tls_new(c->o.proxy_tls, c->o.proxy->host, bufferevent_get_input(c->bev),
				     bufferevent_get_output(c->bev));
		if (!c->ptls) {
			fail(c, -ENOMEM, "cannot start TLS to the proxy");
			return;
		}
		c->phase = P_PROXY_TLS;
	} else if (c->via_proxy) {
		c->phase = P_TUNNEL;
		if (gw_proxy_write_connect(c->o.proxy, c->host, c->o.port,
					   bufferevent_get_output(c->bev)) < 0) {
			fail(c, -ENOMEM, "cannot write CONNECT");
			return;
		}
	} else if (start_tls(c) < 0) {
		return;
	}
	pump(c);
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
	struct gw_conn *c = arg;

	(void)bev;
	enter(c);
	if (what & BEV_EVENT_CONNECTED) {
		connected(c);
	} else if (c->phase == P_CONNECT) {
		snprintf(c->connect_err, sizeof(c->connect_err), "%s: %s", c->addr,
			 evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
		bufferevent_free(c->bev);
		c->bev = NULL;
		try_next(c);
	} else if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
		int err = EVUTIL_SOCKET_ERROR();
		/* decrypt what arrived before the end, then say why it ended */
		if (c->ptls)
			gw_tls_set_eof(c->ptls);
		else if (c->tls)
			gw_tls_set_eof(c->tls);
		pump(c);
		if (!c->freed && c->phase != P_CLOSED) {
			char why[512];
			if (what & BEV_EVENT_ERROR)
				snprintf(why, sizeof(why), "connection to %s lost: %s", c->addr,
					 evutil_socket_error_to_string(err));
			else
				snprintf(why, sizeof(why), "%s closed the connection%s", c->addr,
					 c->phase == P_TLS ? " during the TLS handshake"
					 : c->phase == P_TUNNEL ? " before answering CONNECT" : "");
			fail(c, (what & BEV_EVENT_ERROR) ? -ECONNRESET : -EPIPE, why);
		}
	}
	leave(c);
}

static void count_in(struct evbuffer *b, const struct evbuffer_cb_info *i, void *arg)
{
	(void)b;
	((struct gw_conn *)arg)->st.wire_in += i->n_added;
}

static void count_out(struct evbuffer *b, const struct evbuffer_cb_info *i, void *arg)
{
	(void)b;
	((struct gw_conn *)arg)->st.wire_out += i->n_deleted;
}

static void try_next(struct gw_conn *c)
{
	struct evutil_addrinfo *ai = c->ai_next;

	if (!ai) {
		char why[512];
		snprintf(why, sizeof(why), "cannot connect to %s%s port %u: %s",
			 c->via_proxy ? "the proxy " : "", c->dial_host, (unsigned)c->dial_port,
			 c->connect_err[0] ? c->connect_err : "no address");
		fail(c, -ECONNREFUSED, why);
		return;
	}
	c->ai_next = ai->ai_next;
	if (ai->ai_family == AF_INET6)
		evutil_inet_ntop(AF_INET6, &((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr,
				 c->addr, sizeof(c->addr));
	else
		evutil_inet_ntop(AF_INET, &((struct sockaddr_in *)ai->ai_addr)->sin_addr, c->addr,
				 sizeof(c->addr));
	c->bev = bufferevent_socket_new(c->base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (!c->bev) {
		fail(c, -ENOMEM, "cannot create a socket");
		return;
	}
	evbuffer_add_cb(bufferevent_get_input(c->bev), count_in, c);
	evbuffer_add_cb(bufferevent_get_output(c->bev), count_out, c);
	bufferevent_setcb(c->bev, on_read, NULL, on_event, c);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	c->phase = P_CONNECT;
	if (bufferevent_socket_connect(c->bev, ai->ai_addr, (int)ai->ai_addrlen) < 0) {
		snprintf(c->connect_err, sizeof(c->connect_err), "%s: %s", c->addr,
			 evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
		bufferevent_free(c->bev);
		c->bev = NULL;
		try_next(c);
	}
}

static void on_resolved(int result, struct evutil_addrinfo *res, void *arg)
{
	struct gw_conn *c = arg;

	c->dns_req = NULL;
	c->resolving = false;
	if (result == EVUTIL_EAI_CANCEL)
		return;
	enter(c);
	if (result != 0) {
		char why[512];
		snprintf(why, sizeof(why), "cannot resolve %s%s: %s",
			 c->via_proxy ? "the proxy " : "", c->dial_host, evutil_gai_strerror(result));
		fail(c, -EHOSTUNREACH, why);
	} else {
		c->ai = c->ai_next = res;
		try_next(c);
	}
	leave(c);
}

static void on_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct gw_conn *c = arg;
	char why[512];

	(void)fd;
	(void)what;
	snprintf(why, sizeof(why), "no %s with %s within %lld ms",
		 c->phase <= P_CONNECT ? "connection" : c->phase == P_TUNNEL ? "tunnel"
		 : "TLS session", c->phase <= P_CONNECT ? c->dial_host : c->host,
		 (long long)c->o.timeout_ms);
	enter(c);
	fail(c, -ETIMEDOUT, why);
	leave(c);
}

struct gw_conn *gw_conn_new(struct event_base *base, const struct gw_conn_opts *o,
			    const struct gw_conn_cbs *cb, void *arg)
{
	struct gw_conn *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->base = base;
	c->o = *o;
	c->cb = *cb;
	c->arg = arg;
	snprintf(c->host, sizeof(c->host), "%s", o->host);
	c->o.host = c->host;
	c->in = evbuffer_new();
	c->p_in = evbuffer_new();
	c->p_out = evbuffer_new();
	c->hp = gw_http_parser_new(true);
	c->timer = evtimer_new(base, on_timeout, c);
	if (!c->in || !c->p_in || !c->p_out || !c->hp || !c->timer) {
		conn_destroy(c);
		return NULL;
	}
	c->via_proxy = gw_proxy_applies(o->proxy, c->host, o->port);
	c->dial_host = c->via_proxy ? o->proxy->host : c->host;
	c->dial_port = c->via_proxy ? o->proxy->port : o->port;
	return c;
}

int gw_conn_start(struct gw_conn *c)
{
	struct evutil_addrinfo hints = {0};
	struct timeval tv = {c->o.timeout_ms / 1000, (c->o.timeout_ms % 1000) * 1000};
	struct evdns_getaddrinfo_request *req;
	char port[8];

	if (c->phase != P_IDLE)
		return -EALREADY;
	if (c->via_proxy && c->o.proxy->tls && !c->o.proxy_tls)
		return -EINVAL;
	evtimer_add(c->timer, &tv);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_protocol = IPPROTO_TCP;
	snprintf(port, sizeof(port), "%u", (unsigned)c->dial_port);
	c->phase = P_RESOLVE;
	c->resolving = true;
	enter(c);
	req = evdns_getaddrinfo(c->o.dns, c->dial_host, port, &hints, on_resolved, c);
	if (c->resolving)
		c->dns_req = req;  /* else the answer came at once (a literal, /etc/hosts) */
	leave(c);
	return 0;
}

struct evbuffer *gw_conn_input(struct gw_conn *c)
{
	return c->in;
}

int gw_conn_write(struct gw_conn *c, struct evbuffer *data)
{
	int rc;

	if (c->phase != P_READY)
		return -ENOTCONN;
	rc = gw_tls_write(c->tls, data);
	if (rc < 0)
		return rc;
	return c->ptls && gw_tls_write(c->ptls, c->p_out) < 0 ? -EPROTO : 0;
}

size_t gw_conn_unsent(const struct gw_conn *c)
{
	return c->bev ? evbuffer_get_length(bufferevent_get_output(c->bev)) : 0;
}

void gw_conn_get_stats(const struct gw_conn *c, struct gw_conn_stats *st)
{
	*st = c->st;
}

const char *gw_conn_describe(const struct gw_conn *c)
{
	return c->desc;
}
