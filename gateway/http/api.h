/*
 * The local HTTP API, read-only for now: JSON over HTTP/1.1 on a Unix
 * domain socket, answered on the loop (libevent evhttp). Who may connect is
 * decided by the socket file's owner, group and mode (0660): nothing is
 * reachable from the network, so there are no passwords here. The local web
 * UI will add its own listener with accounts and sessions on top of the
 * same handlers.
 *
 * Every request is bounded: header and body sizes, a read/write timeout,
 * a cap on connections open at once, and answers of bounded size. Reads of
 * the store are short read transactions.
 */
#ifndef GW_HTTP_API_H
#define GW_HTTP_API_H

#include "../core/config.h"
#include "../core/opts.h"

#include <event2/event.h>
#include <stdint.h>

#define GW_API_MAX_HEADERS 8192    /* request line and headers, bytes */
#define GW_API_MAX_BODY 4096       /* request body, bytes (GET takes none) */
#define GW_API_MAX_ANSWER (1 << 20) /* list answers stop growing past this */

struct gw_conf_api {
	bool enabled;
	char *socket;              /* NULL: <state_dir>/api.sock */
	long max_connections;
	int64_t timeout_ms;
};

extern const struct gw_section gw_sec_api;

struct gw_store;
struct gw_devices;
struct gw_candidates;
struct gw_discoverer;
struct gw_health;
struct gw_scheduler;
struct gw_uplink;
struct gw_plugins;

/* What the API reads from; all borrowed, all owned by the daemon. */
struct gw_api_sources {
	struct gw_store *store;
	struct gw_devices *devices;
	struct gw_candidates *cands;
	struct gw_discoverer *const *disc; /* the daemon's pointers: they may become NULL */
	struct gw_health *health;
	struct gw_scheduler *sched;
	struct gw_uplink *const *uplink;   /* a reload may replace or clear it */
	struct gw_plugins *plugins;
	int64_t started_mono_ms;
};

struct gw_api;

/*
 * Start serving (when conf->api->enabled; *out stays NULL otherwise).
 * state_dir gives the default socket path. A stale socket file left by a
 * killed daemon is replaced; a live one (another process answers on it) or
 * a file that is not a socket is left alone and refuses the start.
 */
int gw_api_new(struct event_base *base, const struct gw_config *conf, const char *state_dir,
	       const struct gw_api_sources *src, struct gw_api **out);
/*
 * A reload: limits apply at once; a new path binds the new socket before
 * the old one is closed (and the old one stays when the new cannot be
 * bound); disabling closes it. *a may be or become NULL.
 */
void gw_api_apply(struct gw_api **a, struct event_base *base, const struct gw_config *conf,
		  const char *state_dir, const struct gw_api_sources *src);
/* Close every connection and remove the socket file. Accepts NULL. */
void gw_api_free(struct gw_api *a);
/* The socket's path (for logs and tests). */
const char *gw_api_path(const struct gw_api *a);

#endif
