/*
 * The local API's listener: a Unix domain socket, evhttp on the loop, the
 * bounds on every request, and routing to the endpoints (endpoints.c).
 */
#include "api_int.h"
#include "../core/clock.h"
#include "../core/log.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define SUB "api"
#define SOCKET_MODE 0660
#define BACKLOG 16
#define MAX_FRESH 64

#define O(field) offsetof(struct gw_conf_api, field)

static bool check_socket_path(const char *v, const char **reason)
{
	if (v[0] != '/') {
		*reason = "must be an absolute path";
		return false;
	}
	if (strlen(v) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
		*reason = "too long for a Unix socket (at most 107 bytes)";
		return false;
	}
	return true;
}

static const struct gw_opt api_opts[] = {
	{"enabled", GW_OPT_BOOL, "true", O(enabled),
	 "Serve the local API (read-only JSON: status, devices, candidates, quarantine, "
	 "audit) on a Unix domain socket."},
	{"socket", GW_OPT_STRING, NULL, O(socket),
	 "The socket's path. Unset: api.sock in the state directory. It is created with "
	 "mode 0660: its owner and group may use the API, nobody else, and nothing is "
	 "reachable from the network.", .check = check_socket_path},
	{"max_connections", GW_OPT_INT, "16", O(max_connections),
	 "Connections served at once; more wait in the socket's backlog.", .min = 1,
	 .max = 1024},
	{"timeout", GW_OPT_DURATION, "10s", O(timeout_ms),
	 "A connection that sends nothing or takes nothing for this long is closed.",
	 .min = 1000, .max = 300000},
	{0},
};

const struct gw_section gw_sec_api = {
	"api", "The local HTTP API (docs/api.md, \"Local HTTP API\"): JSON over a Unix domain "
	"socket, for the operator's tools on the box. Requests are limited to 8 KiB of "
	"headers and 4 KiB of body.", api_opts, sizeof(struct gw_conf_api), 0,
	"api {\n  max_connections = 4\n  timeout = 5s\n}",
};

struct gw_api {
	struct gw_api_sources src;
	char gateway_id[72];
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	dev_t dev;                      /* the socket file we made: removed only if still ours */
	ino_t ino;
	struct evhttp *http;
	struct evconnlistener *listener;
	unsigned conns, max_conns;
	bool closing;
	/*
	 * Connections accepted in this loop pass, not yet watched. libevent
	 * 2.1's evhttp has no connection cap (evhttp_set_max_connections came
	 * in 2.2): each connection's bufferevent is made here (the bevcb) and,
	 * once evhttp has made the connection around it, the connection's close
	 * callback counts it out again.
	 */
	struct bufferevent *fresh[MAX_FRESH];
	unsigned n_fresh;
	struct event *attach_ev;
};

/* --- the socket ----------------------------------------------------------- */

/* Does a process answer on this socket? Never blocks: a full backlog counts as yes. */
static bool socket_live(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	bool live;

	if (fd < 0)
		return true;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	live = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 ||
	       (errno != ECONNREFUSED && errno != ENOENT);
	close(fd);
	return live;
}

static int bind_socket(struct gw_api *a, int *out, const char **reason)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct stat st;
	mode_t old;
	int fd, rc;

	if (lstat(a->path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			*reason = "the path exists and is not a socket; it is left alone";
			return -EEXIST;
		}
		if (socket_live(a->path)) {
			*reason = "another process answers on this socket";
			return -EADDRINUSE;
		}
		/* left by a daemon that was killed: ours to replace */
		if (unlink(a->path) < 0 && errno != ENOENT) {
			*reason = "a stale socket cannot be removed";
			return -errno;
		}
		gw_info(SUB, "%s: a stale socket (nobody answers on it) is replaced", a->path);
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		*reason = "no socket";
		return -errno;
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", a->path);
	/* born 0660: never, even for a moment, open to others */
	old = umask(0117);
	rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (rc < 0) {
		rc = -errno;
		*reason = "cannot bind the socket";
		goto err_close;
	}
	if (chmod(a->path, SOCKET_MODE) < 0 || lstat(a->path, &st) < 0 ||
	    listen(fd, BACKLOG) < 0) {
		rc = -errno;
		*reason = "cannot set up the socket";
		unlink(a->path);
		goto err_close;
	}
	a->dev = st.st_dev;
	a->ino = st.st_ino;
	*out = fd;
	return 0;

err_close:
	close(fd);
	return rc;
}

static void remove_socket(struct gw_api *a)
{
	struct stat st;

	/* only the file we made: a path taken over meanwhile stays */
	if (a->ino && lstat(a->path, &st) == 0 && st.st_dev == a->dev && st.st_ino == a->ino)
		unlink(a->path);
	a->ino = 0;
}

/* --- counting connections --------------------------------------------------- */

/* Accept again when below the cap (and the attach pass has room). */
static void maybe_enable(struct gw_api *a)
{
	if (!a->closing && a->listener && a->conns < a->max_conns && a->n_fresh < MAX_FRESH)
		evconnlistener_enable(a->listener);
}

static void conn_gone(struct gw_api *a)
{
	if (a->conns)
		a->conns--;
	maybe_enable(a);
}

static void on_conn_close(struct evhttp_connection *evcon, void *arg)
{
	(void)evcon;
	conn_gone(arg);
}

static struct bufferevent *make_bev(struct event_base *base, void *arg)
{
	struct gw_api *a = arg;
	struct bufferevent *bev;

	if (a->n_fresh == MAX_FRESH)
		return NULL;  /* cannot happen: accepting stops before */
	bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (!bev)
		return NULL;  /* evhttp makes its own; that one goes uncounted */
	/* kept alive until the attach pass has looked at it */
	bufferevent_incref(bev);
	a->fresh[a->n_fresh++] = bev;
	a->conns++;
	event_active(a->attach_ev, EV_TIMEOUT, 0);
	/* evconnlistener stops its accept loop at once; the rest wait in the backlog */
	if (a->conns >= a->max_conns || a->n_fresh == MAX_FRESH)
		evconnlistener_disable(a->listener);
	return bev;
}

/*
 * Right after the accept: evhttp has wrapped each new bufferevent in its
 * connection and made that connection its callbacks' argument. Watch the
 * connection's close; a bufferevent already let go (its callbacks cleared)
 * was a connection that failed at once.
 */
static void on_attach(evutil_socket_t fd, short what, void *arg)
{
	struct gw_api *a = arg;

	(void)fd;
	(void)what;
	for (unsigned i = 0; i < a->n_fresh; i++) {
		struct bufferevent *bev = a->fresh[i];
		bufferevent_event_cb ecb = NULL;
		void *cbarg = NULL;

		bufferevent_getcb(bev, NULL, NULL, &ecb, &cbarg);
		if (ecb && cbarg &&
		    evhttp_connection_get_bufferevent((struct evhttp_connection *)cbarg) == bev)
			evhttp_connection_set_closecb(cbarg, on_conn_close, a);
		else if (a->conns)
			a->conns--;
		bufferevent_decref(bev);
	}
	a->n_fresh = 0;
	maybe_enable(a);
}

/* --- requests --------------------------------------------------------------- */

static void reply(struct evhttp_request *req, int code, const char *status, struct gw_buf *body)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	struct evbuffer *out = evhttp_request_get_output_buffer(req);

	evhttp_add_header(h, "Content-Type", "application/json");
	evhttp_add_header(h, "Cache-Control", "no-store");
	if (code == 405)
		evhttp_add_header(h, "Allow", "GET");
	if (body->failed) {
		code = 500;
		status = "Internal Server Error";
		evbuffer_add_printf(out, "{\"error\":\"internal\",\"message\":\"out of memory\"}\n");
	} else {
		evbuffer_add(out, body->data, body->len);
	}
	evhttp_send_reply(req, code, status, NULL);
}

static const char *method_name(enum evhttp_cmd_type cmd)
{
	switch (cmd) {
	case EVHTTP_REQ_GET: return "GET";
	case EVHTTP_REQ_POST: return "POST";
	case EVHTTP_REQ_HEAD: return "HEAD";
	case EVHTTP_REQ_PUT: return "PUT";
	case EVHTTP_REQ_DELETE: return "DELETE";
	default: return "other";
	}
}

static void log_request(const char *method, const char *path, int code, int64_t t0)
{
	char clean[80];
	size_t i = 0;

	/* the path is the client's: printable ASCII only, and short */
	for (; path[i] && i < sizeof(clean) - 1; i++)
		clean[i] = path[i] > 0x20 && path[i] < 0x7f ? path[i] : '?';
	clean[i] = '\0';
	gw_debug(SUB, "%s %s%s: %d in %lld ms", method, clean, path[i] ? "..." : "", code,
		 (long long)(gw_clock_mono_ms() - t0));
}

/* The answer to one request: its status, with the JSON in body. */
static int answer(struct gw_api *a, enum evhttp_cmd_type cmd, const char *path,
		  const char *query, struct gw_buf *body)
{
	const struct gw_api_ep *ep = NULL;
	struct gw_api_query q;
	const char *reason = NULL;

	for (const struct gw_api_ep *e = gw_api_endpoints; e->path; e++)
		if (strcmp(e->path, path) == 0)
			ep = e;
	if (!ep) {
		gw_api_error_json(body, "not_found", "no such endpoint");
		return 404;
	}
	if (cmd != EVHTTP_REQ_GET) {
		gw_api_error_json(body, "method_not_allowed", "this endpoint only answers GET");
		return 405;
	}
	q.max = ep->def_max;
	if (gw_api_query_parse(query, ep->query, ep->max_limit, &q, &reason) < 0) {
		gw_api_error_json(body, "bad_request", reason);
		return 400;
	}
	if (ep->fn(&a->src, a->gateway_id, &q, body) < 0) {
		gw_buf_reset(body);
		gw_api_error_json(body, "internal", "the answer could not be made; see the log");
		return 500;
	}
	return 200;
}

static const char *status_text(int code)
{
	switch (code) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	default: return "Internal Server Error";
	}
}

static void on_request(struct evhttp_request *req, void *arg)
{
	struct gw_api *a = arg;
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
	const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
	int64_t t0 = gw_clock_mono_ms();
	struct gw_buf body;
	int code;

	if (!path || !*path)
		path = "/";
	gw_buf_init(&body);
	code = answer(a, cmd, path, uri ? evhttp_uri_get_query(uri) : NULL, &body);
	reply(req, code, status_text(code), &body);
	log_request(method_name(cmd), path, code, t0);
	gw_buf_release(&body);
}

/* --- life ------------------------------------------------------------------- */

static void resolve_path(char *out, size_t len, const struct gw_config *conf,
			 const char *state_dir)
{
	if (conf->api->socket)
		snprintf(out, len, "%s", conf->api->socket);
	else if ((size_t)snprintf(out, len, "%s/api.sock", state_dir) >= len)
		out[0] = '\0';
}

static void apply_limits(struct gw_api *a, const struct gw_config *conf)
{
	struct timeval tv = {conf->api->timeout_ms / 1000, (conf->api->timeout_ms % 1000) * 1000};

	/* new connections take the new timeout; those open keep theirs */
	evhttp_set_timeout_tv(a->http, &tv);
	a->max_conns = (unsigned)conf->api->max_connections;
	if (a->conns >= a->max_conns)
		evconnlistener_disable(a->listener);
	else
		maybe_enable(a);
	snprintf(a->gateway_id, sizeof(a->gateway_id), "%s", conf->gateway->id);
}

static struct gw_api *server_new(struct event_base *base, const struct gw_config *conf,
				 const char *path, const struct gw_api_sources *src)
{
	struct gw_api *a = calloc(1, sizeof(*a));
	struct evhttp_bound_socket *bound;
	const char *reason = "out of memory";
	int fd = -1, rc;

	if (!a)
		goto err;
	a->src = *src;
	snprintf(a->path, sizeof(a->path), "%s", path);
	if (!path[0] || strlen(path) >= sizeof(a->path)) {
		reason = "the socket path is too long for a Unix socket (at most 107 bytes): "
			 "set api.socket";
		goto err;
	}
	a->http = evhttp_new(base);
	a->attach_ev = event_new(base, -1, 0, on_attach, a);
	if (!a->http || !a->attach_ev)
		goto err;
	rc = bind_socket(a, &fd, &reason);
	if (rc < 0) {
		gw_err(SUB, "%s: %s (%s); the local API is off", a->path, reason, strerror(-rc));
		goto err_quiet;
	}
	bound = evhttp_accept_socket_with_handle(a->http, fd);
	if (!bound) {
		close(fd);
		reason = "cannot listen";
		goto err;
	}
	a->listener = evhttp_bound_socket_get_listener(bound);
	evhttp_set_max_headers_size(a->http, GW_API_MAX_HEADERS);
	evhttp_set_max_body_size(a->http, GW_API_MAX_BODY);
	/* every method reaches on_request, which answers 405 in JSON */
	evhttp_set_allowed_methods(a->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD |
				   EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS |
				   EVHTTP_REQ_TRACE | EVHTTP_REQ_CONNECT | EVHTTP_REQ_PATCH);
	evhttp_set_bevcb(a->http, make_bev, a);
	evhttp_set_gencb(a->http, on_request, a);
	apply_limits(a, conf);
	gw_notice(SUB, "local API on %s (mode 0660, at most %u connections)", a->path,
		  a->max_conns);
	return a;

err:
	gw_err(SUB, "%s: %s; the local API is off", path, reason);
err_quiet:
	gw_api_free(a);
	return NULL;
}

int gw_api_new(struct event_base *base, const struct gw_config *conf, const char *state_dir,
	       const struct gw_api_sources *src, struct gw_api **out)
{
	char path[PATH_MAX];

	*out = NULL;
	if (!conf->api->enabled) {
		gw_info(SUB, "the local API is disabled");
		return 0;
	}
	resolve_path(path, sizeof(path), conf, state_dir);
	*out = server_new(base, conf, path, src);
	return *out ? 0 : -1;
}

void gw_api_apply(struct gw_api **a, struct event_base *base, const struct gw_config *conf,
		  const char *state_dir, const struct gw_api_sources *src)
{
	char path[PATH_MAX];
	struct gw_api *next;

	if (!conf->api->enabled) {
		if (*a)
			gw_notice(SUB, "the local API is disabled; %s removed", (*a)->path);
		gw_api_free(*a);
		*a = NULL;
		return;
	}
	resolve_path(path, sizeof(path), conf, state_dir);
	if (*a && strcmp(path, (*a)->path) == 0) {
		(*a)->src = *src;
		apply_limits(*a, conf);
		return;
	}
	/* the new socket first: when it cannot be bound, the old one stays */
	next = server_new(base, conf, path, src);
	if (!next) {
		if (*a)
			gw_err(SUB, "the local API stays on %s", (*a)->path);
		return;
	}
	gw_api_free(*a);
	*a = next;
}

void gw_api_free(struct gw_api *a)
{
	if (!a)
		return;
	a->closing = true;
	if (a->http)
		evhttp_free(a->http);   /* closes the listener and every connection */
	for (unsigned i = 0; i < a->n_fresh; i++)
		bufferevent_decref(a->fresh[i]);
	if (a->attach_ev)
		event_free(a->attach_ev);
	remove_socket(a);
	free(a);
}

const char *gw_api_path(const struct gw_api *a)
{
	return a ? a->path : NULL;
}
