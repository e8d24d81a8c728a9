/*
 * The SNMP engine's insides, shared by client.c (the client, targets,
 * sessions, the public calls), client_req.c (requests in flight, the window,
 * timers and retries), client_io.c (sockets, batched sending, receiving and
 * matching) and client_v3.c (the SNMPv3 engine state and answers). Not for
 * other modules: they use client.h.
 */
#ifndef GW_SNMP_CLIENT_INT_H
#define GW_SNMP_CLIENT_INT_H

#include "client.h"
#include "usm.h"
#include "core/log.h"

#include <netinet/in.h>
#include <string.h>
#include <sys/queue.h>

#define SUB "snmp"
#define RX_BATCH 8
#define RX_BUF 65536
#define TX_BUF 65536
#define HASH_SIZE 4096           /* request-id buckets; power of two */
#define TARGET_HASH_MIN 1024    /* target buckets at first; doubled as targets come */
#define VBL_INLINE 480           /* varbind lists up to this size live in the request */
#define FREE_MAX 1024            /* request objects kept for reuse */
#define MAX_TARGETS 65536
#define READ_ROUNDS 16           /* batches read per wake-up, for fairness */
#define TX_BATCH 32              /* datagrams handed to the kernel in one sendmmsg */
#define TX_SLOT 2048             /* larger requests go out alone */
#define LATE_IDS 32              /* closed broadcast request ids remembered */

enum { R_QUEUED, R_INFLIGHT };

struct req {
	struct req *hnext;
	TAILQ_ENTRY(req) link;       /* the session's queue or in-flight list */
	struct gw_snmp_session *s;
	struct event *timer;
	int32_t reqid;
	uint8_t type, state, tries, versions_sent;
	bool probe, resynced, rediscovered;
	bool bcast;                  /* open to answers from any address until the timer */
	int32_t a, b;
	int64_t open_ms;
	gw_snmp_answer_cb answer;
	gw_snmp_cb cb;
	void *arg;
	size_t vbl_len;
	uint8_t *vbl;
	uint8_t inline_vbl[VBL_INLINE];
};

TAILQ_HEAD(req_list, req);

struct key_tag {
	enum gw_snmp_auth auth;
	enum gw_snmp_priv priv;
	char user[33];
	uint8_t ku_auth[16], ku_priv[16];
};

/* A device's address: the socket address of its family, no larger. */
union gw_snmpc_addr {
	struct sockaddr sa;
	struct sockaddr_in in4;
	struct sockaddr_in6 in6;
};

/* SNMPv3: what a device's engine told us (made at the first v3 session). */
struct target_v3 {
	bool engine_known, keys_ok;
	uint8_t engine_id[GW_SNMP_MAX_ENGINE_ID];
	size_t engine_len;
	int32_t boots, time;
	int64_t time_at_ms;
	struct key_tag tag;
	struct gw_usm_keys keys;
};

/*
 * What the engine remembers of one device address between polls: one per
 * managed device, so kept small (the v3 part only where v3 is spoken).
 */
struct target {
	struct target *next;
	union gw_snmpc_addr addr;
	uint8_t addrlen;
	bool v1_only, v2c_ok;
	struct target_v3 *v3;
};

struct gw_snmp_session {
	struct gw_snmp_client *c;
	struct target *t;
	const struct gw_credentials *cred;
	int64_t timeout_ms;
	unsigned retries;
	struct event *deadline;
	struct req_list queue, inflight;
	unsigned n_queued, n_inflight;
	TAILQ_ENTRY(gw_snmp_session) ready;
	bool on_ready, answered, dead, probing, freed;
	bool v3_ok;                  /* an authenticated answer came (v3) */
	unsigned busy;
	uint8_t v3_flags;
	struct key_tag tag;
	const char *auth_error;
	char name[64];
};

struct tx_slot {
	uint8_t buf[TX_SLOT];
	size_t len, off;
	struct sockaddr_storage to;
	socklen_t tolen;
	int fam;
};

struct gw_snmp_client {
	struct event_base *base;
	/* sends of one loop turn leave together: one system call, not one each */
	struct tx_slot *txq;
	unsigned n_txq;
	struct event *flush_ev;
	struct gw_snmp_client_opts o;
	int fd[2];                   /* AF_INET, AF_INET6 */
	struct event *ev[2];
	struct req *hash[HASH_SIZE];
	struct target **targets;     /* chained hash on the address, target_cap buckets */
	unsigned target_cap;
	TAILQ_HEAD(, gw_snmp_session) ready;
	struct req *free_reqs;
	unsigned n_free;
	struct gw_usm_cache *keys;
	uint32_t rnd[256];
	unsigned rnd_left;
	uint64_t salt;
	struct gw_snmp_stats st;
	struct gw_complaint spoof_log;
	int32_t late_ids[LATE_IDS];  /* broadcast requests closed lately */
	unsigned late_next;
	uint8_t *rx[RX_BATCH];
	uint8_t *tx, *plain;
	struct gw_snmp_msg msg;
};

static inline int gw_snmpc_fam(int family)
{
	return family == AF_INET6 ? 1 : 0;
}

static inline bool gw_snmpc_same_addr(const struct sockaddr *a, const struct sockaddr *b)
{
	if (a->sa_family != b->sa_family)
		return false;
	if (a->sa_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;
		return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	if (a->sa_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;
		return x->sin6_port == y->sin6_port &&
		       memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr)) == 0;
	}
	return false;
}

/* client.c */
void gw_snmpc_session_destroy(struct gw_snmp_session *s);

/* client_req.c: requests in flight, the window, completion, timers */
uint32_t gw_snmpc_random(struct gw_snmp_client *c);
struct req *gw_snmpc_req_find(struct gw_snmp_client *c, int32_t id);
struct req *gw_snmpc_req_alloc(struct gw_snmp_client *c, size_t vbl_len);
void gw_snmpc_req_free(struct gw_snmp_client *c, struct req *r);
void gw_snmpc_req_unlink(struct req *r);
void gw_snmpc_pump(struct gw_snmp_client *c);
void gw_snmpc_schedule(struct gw_snmp_session *s);
void gw_snmpc_finish(struct req *r, int status, const struct gw_snmp_pdu *pdu);
void gw_snmpc_fail_all(struct gw_snmp_session *s, int status);
void gw_snmpc_session_release(struct gw_snmp_session *s);
void gw_snmpc_on_deadline(evutil_socket_t fd, short what, void *arg);

/* client_io.c: sockets, sending in batches, receiving and matching */
int gw_snmpc_open_socket(struct gw_snmp_client *c, int family);
void gw_snmpc_transmit(struct gw_snmp_client *c, struct req *r);
void gw_snmpc_on_flush(evutil_socket_t fd, short what, void *arg);

/* client_v3.c */
int32_t gw_snmpc_engine_time(const struct target_v3 *t);
void gw_snmpc_handle_v3(struct gw_snmp_client *c, struct req *r, const uint8_t *buf, size_t len,
			struct gw_snmp_msg *m);
int gw_snmpc_make_tag(struct gw_snmp_client *c, const struct gw_credentials *cred,
		      struct key_tag *tag);

#endif
