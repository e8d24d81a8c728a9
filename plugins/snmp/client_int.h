/*
 * The SNMP engine's insides, shared by client.c (requests, sockets, timers)
 * and client_v3.c (the SNMPv3 engine state and answers). Not for other
 * modules: they use client.h.
 */
#ifndef GW_SNMP_CLIENT_INT_H
#define GW_SNMP_CLIENT_INT_H

#include "client.h"
#include "usm.h"
#include "core/log.h"

#include <netinet/in.h>
#include <sys/queue.h>

#define SUB "snmp"
#define RX_BATCH 8
#define RX_BUF 65536
#define TX_BUF 65536
#define HASH_SIZE 4096           /* request-id buckets; power of two */
#define TARGET_HASH 1024
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

struct target {
	struct target *next;
	struct sockaddr_storage addr;
	socklen_t addrlen;
	bool v1_only, v2c_ok;
	/* SNMPv3: what this device's engine told us */
	bool engine_known, keys_ok;
	uint8_t engine_id[GW_SNMP_MAX_ENGINE_ID];
	size_t engine_len;
	int32_t boots, time;
	int64_t time_at_ms;
	struct key_tag tag;
	struct gw_usm_keys keys;
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
	struct target *targets[TARGET_HASH];
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

/* client.c */
void gw_snmpc_finish(struct req *r, int status, const struct gw_snmp_pdu *pdu);
void gw_snmpc_fail_all(struct gw_snmp_session *s, int status);
void gw_snmpc_schedule(struct gw_snmp_session *s);
void gw_snmpc_transmit(struct gw_snmp_client *c, struct req *r);
void gw_snmpc_req_unlink(struct req *r);

/* client_v3.c */
int32_t gw_snmpc_engine_time(const struct target *t);
void gw_snmpc_handle_v3(struct gw_snmp_client *c, struct req *r, const uint8_t *buf, size_t len,
			struct gw_snmp_msg *m);
int gw_snmpc_make_tag(struct gw_snmp_client *c, const struct gw_credentials *cred,
		      struct key_tag *tag);

#endif
