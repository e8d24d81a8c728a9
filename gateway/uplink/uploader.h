/*
 * The uploader: records leave the store in batches, in sequence order, over
 * one persistent HTTPS connection, and are deleted only once the cloud has
 * accepted them. What every answer means is decided in one place,
 * gw_uplink_decide(), after the contract's answer table; nothing is ever
 * dropped because of an answer.
 */
#ifndef GW_UPLOADER_H
#define GW_UPLOADER_H

#include "../core/config.h"
#include "../store/store.h"

#include <event2/event.h>

enum gw_uplink_action {
	GW_UP_ACCEPTED,      /* 200, 201, 202, 409: delete the batch */
	GW_UP_REFUSED,       /* 400, 413, 422: split; a single record goes to the quarantine */
	GW_UP_CREDENTIALS,   /* 401, 403: keep, retry slowly, show the fault */
	GW_UP_SLOW_DOWN,     /* 429, 503: wait as Retry-After says, else back off */
	GW_UP_TRANSIENT,     /* anything else: back off with full jitter */
};

/* The answer table. */
enum gw_uplink_action gw_uplink_decide(int status);
const char *gw_uplink_action_name(enum gw_uplink_action a);

struct gw_http_response;

/* What one answer of the cloud means, read without side effects. */
struct gw_uplink_answer {
	enum gw_uplink_action action;
	int64_t wait_ms;          /* as Retry-After says, capped at an hour; -1: absent or unreadable */
	bool close;               /* the connection cannot carry another request */
	char retry_after[260];    /* the header as sent, escaped for the log; "" when absent */
	char body[300];           /* the body's beginning, escaped for the log */
};
/* now_ms: the wall clock, for a Retry-After given as an HTTP date. */
void gw_uplink_read_answer(const struct gw_http_response *r, int64_t now_ms,
			   struct gw_uplink_answer *out);

struct gw_uplink_stats {
	bool connected, breaker_open, auth_fault;
	uint64_t requests, batches_accepted, records_accepted;
	uint64_t refused, quarantined, splits;
	uint64_t transient, slow_downs, credential_refusals;
	uint64_t wire_out, wire_in;          /* below TLS, all connections */
	uint64_t json_bytes, body_bytes;     /* of accepted batches */
	uint64_t connects, connect_failures;
	int last_status;
	int64_t next_attempt_ms;             /* monotonic; 0: none planned */
	char last_error[256];
};

struct gw_uplink;

/*
 * Start uploading (when uplink.enabled). *out stays NULL when disabled. A
 * setting that cannot work yet (a missing certificate file) is reported
 * and retried later; only a bad base URL refuses to start.
 */
int gw_uplink_new(struct event_base *base, struct gw_store *store, const struct gw_config *conf,
		  struct gw_uplink **out);
/*
 * A reload in two steps, so that it can be refused before anything changes.
 * Prepare settles what conf asks of the uplink: NULL with a reason when its
 * base URL cannot be used, its TLS material cannot be loaded, or a proxy the
 * file configures cannot work.
 */
struct gw_uplink_update;
struct gw_uplink_update *gw_uplink_prepare(const struct gw_config *conf, char *reason,
					   size_t len);
void gw_uplink_update_free(struct gw_uplink_update *up);
/*
 * Apply it (takes up): limits apply at once (the batch on the wire keeps
 * its own); a new base URL, CA bundle, client certificate or key, or proxy
 * closes the connection once the batch on its way is answered (at once when
 * none is) and the next connection uses them. Enabling starts uploads,
 * disabling stops them (records wait in the store). *u may be or become NULL.
 */
void gw_uplink_apply(struct gw_uplink **u, struct event_base *base, struct gw_store *store,
		     const struct gw_config *conf, struct gw_uplink_update *up);
/* Stop at once; unacknowledged batches are sent again next time. Accepts NULL. */
void gw_uplink_free(struct gw_uplink *u);
void gw_uplink_get_stats(const struct gw_uplink *u, struct gw_uplink_stats *st);

#endif
