/*
 * The asynchronous SNMP engine on the libevent loop.
 *
 * One UDP socket per address family carries the requests of every device.
 * Answers are matched by random request id and accepted only from the
 * address and port the request went to; anything else is dropped and
 * counted. A bounded window limits the requests in flight overall, and a
 * small per-device limit keeps old printers from being flooded. Each
 * request has its own timeout and retries with back-off, each session a
 * time budget, so a slow or dead printer only ever costs its own slots.
 *
 * A session is one owner polling one device with one set of credentials.
 * What is learned about a device outlives the session: its SNMPv3 engine
 * (id, boots, time, localized keys) and whether it answers only SNMPv1.
 */
#ifndef GW_SNMP_CLIENT_H
#define GW_SNMP_CLIENT_H

#include "core/plugin.h"
#include "pdu.h"

#include <event2/event.h>
#include <stdint.h>
#include <sys/socket.h>

struct gw_snmp_client_opts {
	unsigned window;        /* requests in flight, all devices (default 256) */
	unsigned per_device;    /* requests in flight per session (default 2) */
	int64_t backoff_max_ms; /* cap of one attempt's timeout (default 8 s) */
	bool broadcast;         /* the IPv4 socket may send to broadcast addresses */
};

struct gw_snmp_stats {
	uint64_t requests, sent, retries, answers, timeouts;
	uint64_t dropped_unsolicited;   /* no request with that id in flight */
	uint64_t dropped_spoofed;       /* right id, wrong source address or port */
	uint64_t dropped_malformed;     /* not a well-formed SNMP message */
	uint64_t dropped_mismatch;      /* wrong version, community, PDU type or engine */
	uint64_t dropped_auth;          /* v3 MAC or decryption failure */
	uint64_t dropped_late;          /* for a broadcast request that was closed already */
	uint64_t broadcasts, broadcast_answers;
	uint64_t v3_discoveries, v3_time_syncs, key_stretches, key_localizations;
	uint64_t v1_fallbacks;
	unsigned in_flight, queued, sessions, targets;
};

struct gw_snmp_client;
struct gw_snmp_session;

struct gw_snmp_client *gw_snmp_client_new(struct event_base *base,
					  const struct gw_snmp_client_opts *o);
/* Sessions must be freed first. Accepts NULL. */
void gw_snmp_client_free(struct gw_snmp_client *c);
void gw_snmp_client_stats(const struct gw_snmp_client *c, struct gw_snmp_stats *st);
/* The local port of the IPv4 socket (tests), 0 before it exists. */
uint16_t gw_snmp_client_port(const struct gw_snmp_client *c, int family);

struct gw_snmp_session_opts {
	const struct sockaddr *addr;
	socklen_t addrlen;
	const struct gw_credentials *cred; /* borrowed for the session's life */
	int64_t timeout_ms;                /* first attempt; doubled per retry */
	unsigned retries;
	int64_t budget_ms;                 /* the whole session; 0: none */
	const char *name;                  /* for logs */
};

/* NULL when out of memory or the address family is not supported. */
struct gw_snmp_session *gw_snmp_session_new(struct gw_snmp_client *c,
					    const struct gw_snmp_session_opts *o);
/* Cancel everything queued or in flight, without callbacks. Accepts NULL. */
void gw_snmp_session_free(struct gw_snmp_session *s);
/* The version in use (GW_SNMP_V1 after a v2c device turned out to be v1-only). */
enum gw_snmp_version gw_snmp_session_version(const struct gw_snmp_session *s);
/* Why a session failed with -EACCES: a usmStats report name, or NULL. */
const char *gw_snmp_session_auth_error(const struct gw_snmp_session *s);
/* True once the device answered anything in this session. */
bool gw_snmp_session_answered(const struct gw_snmp_session *s);

/*
 * A request's outcome, called from a loop callback (never from inside
 * gw_snmp_request). status 0: resp is the answer (it may carry an SNMP
 * error-status); valid only during the call. Otherwise resp is NULL and
 * status is -ETIMEDOUT (no answer, or the session's budget is spent),
 * -EACCES (SNMPv3 credentials refused) or -EPROTO.
 */
typedef void (*gw_snmp_cb)(void *arg, int status, const struct gw_snmp_pdu *resp);

/*
 * Queue a request: type GET, GETNEXT or GETBULK (a, b = non-repeaters,
 * max-repetitions), varbinds with NULL values. 0, or -EINVAL (bad OID or
 * type), -EMSGSIZE (does not fit a message), -ETIMEDOUT (the session is
 * dead or out of budget), -EACCES, -ENOMEM.
 */
int gw_snmp_request(struct gw_snmp_session *s, uint8_t type, const struct gw_oid *oids,
		    unsigned n, int32_t a, int32_t b, gw_snmp_cb cb, void *arg);

/*
 * One answer to a broadcast request: from is where it came from (any
 * address, the request's port). resp is valid only during the call.
 */
typedef void (*gw_snmp_answer_cb)(void *arg, const struct sockaddr_storage *from,
				  socklen_t fromlen, const struct gw_snmp_pdu *resp);

/*
 * Send a request once to the session's address, a broadcast address, and
 * keep it open for open_ms: every answer with its request id that comes from
 * the session's port, whatever the source address, goes to answer(). No
 * retries. When the window closes, done(arg, 0, NULL) is called from a loop
 * callback; answers after that are dropped and counted as late. The client
 * must have been made with opts.broadcast for a broadcast address; v1/v2c
 * only. 0, or the errors of gw_snmp_request (-ENOTSUP for SNMPv3).
 */
int gw_snmp_broadcast(struct gw_snmp_session *s, uint8_t type, const struct gw_oid *oids,
		      unsigned n, int64_t open_ms, gw_snmp_answer_cb answer, gw_snmp_cb done,
		      void *arg);

#endif
