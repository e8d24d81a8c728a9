/*
 * The SNMP engine's requests: the table of those in flight (matched by
 * random request id), the window that decides which session sends next,
 * completion, and the per-request timers with their retries and back-off.
 */
#include "client_int.h"
#include "core/log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/random.h>

static void on_timeout(evutil_socket_t fd, short what, void *arg);

uint32_t gw_snmpc_random(struct gw_snmp_client *c)
{
	/* request ids guard against blind spoofing: drawn from the kernel's CSPRNG */
	if (!c->rnd_left) {
		if (getrandom(c->rnd, sizeof(c->rnd), 0) != (ssize_t)sizeof(c->rnd)) {
			for (unsigned i = 0; i < 256; i++)
				c->rnd[i] = (uint32_t)rand() ^ ((uint32_t)rand() << 16);
		}
		c->rnd_left = 256;
	}
	return c->rnd[--c->rnd_left];
}

struct req *gw_snmpc_req_find(struct gw_snmp_client *c, int32_t id)
{
	struct req *r = c->hash[(uint32_t)id & (HASH_SIZE - 1)];

	while (r && r->reqid != id)
		r = r->hnext;
	return r;
}

static void hash_del(struct gw_snmp_client *c, struct req *r)
{
	struct req **pp = &c->hash[(uint32_t)r->reqid & (HASH_SIZE - 1)];

	while (*pp && *pp != r)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = r->hnext;
	r->hnext = NULL;
}

static int32_t new_reqid(struct gw_snmp_client *c)
{
	int32_t id;

	do
		id = (int32_t)(gw_snmpc_random(c) & 0x7fffffff);
	while (id == 0 || gw_snmpc_req_find(c, id));
	return id;
}

struct req *gw_snmpc_req_alloc(struct gw_snmp_client *c, size_t vbl_len)
{
	struct req *r = c->free_reqs;

	if (r) {
		c->free_reqs = r->hnext;
		c->n_free--;
	} else {
		r = malloc(sizeof(*r));
		if (!r)
			return NULL;
		r->timer = evtimer_new(c->base, on_timeout, r);
		if (!r->timer) {
			free(r);
			return NULL;
		}
	}
	struct event *timer = r->timer;
	memset(r, 0, offsetof(struct req, inline_vbl));
	r->timer = timer;
	r->vbl = vbl_len <= VBL_INLINE ? r->inline_vbl : malloc(vbl_len);
	if (!r->vbl) {
		event_free(r->timer);
		free(r);
		return NULL;
	}
	r->vbl_len = vbl_len;
	return r;
}

void gw_snmpc_req_free(struct gw_snmp_client *c, struct req *r)
{
	evtimer_del(r->timer);
	if (r->vbl != r->inline_vbl)
		free(r->vbl);
	if (c->n_free < FREE_MAX) {
		r->hnext = c->free_reqs;
		c->free_reqs = r;
		c->n_free++;
		return;
	}
	event_free(r->timer);
	free(r);
}

/* Take a request off every list it is on. */
void gw_snmpc_req_unlink(struct req *r)
{
	struct gw_snmp_session *s = r->s;
	struct gw_snmp_client *c = s->c;

	if (r->state == R_INFLIGHT) {
		hash_del(c, r);
		TAILQ_REMOVE(&s->inflight, r, link);
		s->n_inflight--;
		c->st.in_flight--;
	} else {
		TAILQ_REMOVE(&s->queue, r, link);
		s->n_queued--;
		c->st.queued--;
	}
	evtimer_del(r->timer);
}

static void make_inflight(struct gw_snmp_client *c, struct gw_snmp_session *s, struct req *r)
{
	unsigned b = (uint32_t)r->reqid & (HASH_SIZE - 1);

	r->state = R_INFLIGHT;
	r->hnext = c->hash[b];
	c->hash[b] = r;
	TAILQ_INSERT_TAIL(&s->inflight, r, link);
	s->n_inflight++;
	c->st.in_flight++;
}

static void probe_done(void *arg, int status, const struct gw_snmp_pdu *pdu)
{
	struct gw_snmp_session *s = arg;

	(void)pdu;
	s->probing = false;
	if (status < 0)
		gw_snmpc_fail_all(s, status);
	else
		gw_snmpc_schedule(s);
}

static bool needs_probe(const struct gw_snmp_session *s)
{
	return s->cred->version == GW_SNMP_V3 && (!s->t->v3->engine_known || !s->t->v3->keys_ok);
}

static bool sendable(const struct gw_snmp_session *s)
{
	if (s->dead || !s->n_queued || s->n_inflight >= s->c->o.per_device)
		return false;
	return !(needs_probe(s) && s->probing);
}

static void send_next(struct gw_snmp_client *c, struct gw_snmp_session *s)
{
	struct req *r;

	if (needs_probe(s)) {
		/* RFC 3414 §4: learn the engine id with an unauthenticated request */
		r = gw_snmpc_req_alloc(c, 2);
		if (!r)
			return;
		r->vbl[0] = GW_BER_SEQ;
		r->vbl[1] = 0;
		r->s = s;
		r->probe = true;
		r->type = GW_PDU_GET;
		r->reqid = new_reqid(c);
		r->cb = probe_done;
		r->arg = s;
		s->probing = true;
		c->st.v3_discoveries++;
		make_inflight(c, s, r);
		gw_snmpc_transmit(c, r);
		return;
	}
	r = TAILQ_FIRST(&s->queue);
	TAILQ_REMOVE(&s->queue, r, link);
	s->n_queued--;
	c->st.queued--;
	r->reqid = new_reqid(c);
	make_inflight(c, s, r);
	gw_snmpc_transmit(c, r);
}

void gw_snmpc_pump(struct gw_snmp_client *c)
{
	struct gw_snmp_session *s;

	while (c->st.in_flight < c->o.window && (s = TAILQ_FIRST(&c->ready))) {
		TAILQ_REMOVE(&c->ready, s, ready);
		s->on_ready = false;
		send_next(c, s);
		if (sendable(s)) {
			TAILQ_INSERT_TAIL(&c->ready, s, ready);
			s->on_ready = true;
		}
	}
}

void gw_snmpc_schedule(struct gw_snmp_session *s)
{
	if (!s->on_ready && sendable(s)) {
		TAILQ_INSERT_TAIL(&s->c->ready, s, ready);
		s->on_ready = true;
	}
	gw_snmpc_pump(s->c);
}

void gw_snmpc_session_release(struct gw_snmp_session *s)
{
	if (--s->busy == 0 && s->freed)
		gw_snmpc_session_destroy(s);
}

void gw_snmpc_finish(struct req *r, int status, const struct gw_snmp_pdu *pdu)
{
	struct gw_snmp_session *s = r->s;
	struct gw_snmp_client *c = s->c;
	gw_snmp_cb cb = r->cb;
	void *arg = r->arg;

	if (pdu)
		c->st.answers++;
	gw_snmpc_req_unlink(r);
	gw_snmpc_req_free(c, r);
	s->busy++;
	gw_snmpc_schedule(s);
	cb(arg, status, pdu);
	gw_snmpc_session_release(s);
}

void gw_snmpc_fail_all(struct gw_snmp_session *s, int status)
{
	struct req *r;

	s->dead = true;
	s->busy++;
	while (!s->freed && ((r = TAILQ_FIRST(&s->inflight)) || (r = TAILQ_FIRST(&s->queue))))
		gw_snmpc_finish(r, status, NULL);
	gw_snmpc_session_release(s);
}

static void on_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct req *r = arg;
	struct gw_snmp_session *s = r->s;
	struct gw_snmp_client *c = s->c;

	(void)fd;
	(void)what;
	if (r->bcast) {
		/* the window closes: later answers with this id are late, not strangers */
		c->late_ids[c->late_next++ % LATE_IDS] = r->reqid;
		gw_snmpc_finish(r, 0, NULL);
		return;
	}
	if (r->tries < s->retries) {
		r->tries++;
		c->st.retries++;
		gw_snmpc_transmit(c, r);
		return;
	}
	c->st.timeouts++;
	if (!r->probe && s->cred->version == GW_SNMP_V3 && s->answered && !s->v3_ok &&
	    (s->v3_flags & GW_V3_PRIV)) {
		/*
		 * The engine answered discovery, then nothing: an agent that cannot
		 * decrypt a request drops it without a report.
		 */
		s->auth_error = "no answer to encrypted requests (wrong privacy passphrase?)";
		gw_snmpc_fail_all(s, -EACCES);
		return;
	}
	if (r->probe || !s->answered) {
		/* nothing heard at all: the device is down; fail the rest at once */
		gw_snmpc_fail_all(s, -ETIMEDOUT);
		return;
	}
	gw_snmpc_finish(r, -ETIMEDOUT, NULL);
}

void gw_snmpc_on_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct gw_snmp_session *s = arg;

	(void)fd;
	(void)what;
	gw_debug(SUB, "%s: the poll's time budget is spent", s->name);
	gw_snmpc_fail_all(s, -ETIMEDOUT);
}
