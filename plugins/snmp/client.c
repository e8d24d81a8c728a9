/*
 * The SNMP engine's public face: the client, its devices (targets), sessions
 * and the calls that queue requests. The wire is in client_io.c, requests in
 * flight and their timers in client_req.c, SNMPv3 in client_v3.c.
 */
#include "client_int.h"
#include "core/log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <unistd.h>

static uint32_t addr_hash(const struct sockaddr *a)
{
	uint32_t h = 2166136261u;
	const uint8_t *p;
	size_t n;

	if (a->sa_family == AF_INET) {
		p = (const uint8_t *)&((const struct sockaddr_in *)a)->sin_addr;
		n = 4;
	} else {
		p = (const uint8_t *)&((const struct sockaddr_in6 *)a)->sin6_addr;
		n = 16;
	}
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	h ^= ((const struct sockaddr_in *)a)->sin_port; /* same offset in both families */
	return h;
}

/* Twice the buckets when the targets outnumber them: chains stay short. */
static void targets_grow(struct gw_snmp_client *c)
{
	unsigned cap = c->target_cap * 2;
	struct target **v = calloc(cap, sizeof(*v));

	if (!v)
		return; /* longer chains, still right */
	for (unsigned i = 0; i < c->target_cap; i++) {
		while (c->targets[i]) {
			struct target *t = c->targets[i];
			uint32_t h = addr_hash(&t->addr.sa) & (cap - 1);

			c->targets[i] = t->next;
			t->next = v[h];
			v[h] = t;
		}
	}
	free(c->targets);
	c->targets = v;
	c->target_cap = cap;
}

static struct target *target_get(struct gw_snmp_client *c, const struct sockaddr *sa,
				 socklen_t len)
{
	union gw_snmpc_addr a;
	struct target *t;
	uint32_t h;

	if ((sa->sa_family != AF_INET || len < sizeof(struct sockaddr_in)) &&
	    (sa->sa_family != AF_INET6 || len < sizeof(struct sockaddr_in6)))
		return NULL;
	memset(&a, 0, sizeof(a));
	memcpy(&a, sa, sa->sa_family == AF_INET ? sizeof(struct sockaddr_in)
						: sizeof(struct sockaddr_in6));
	h = addr_hash(&a.sa);
	for (t = c->targets[h & (c->target_cap - 1)]; t; t = t->next)
		if (gw_snmpc_same_addr(&t->addr.sa, &a.sa))
			return t;
	if (c->st.targets >= MAX_TARGETS || !(t = calloc(1, sizeof(*t))))
		return NULL;
	if (c->st.targets >= c->target_cap)
		targets_grow(c);
	t->addr = a;
	t->addrlen = sa->sa_family == AF_INET ? sizeof(struct sockaddr_in)
					      : sizeof(struct sockaddr_in6);
	t->next = c->targets[h & (c->target_cap - 1)];
	c->targets[h & (c->target_cap - 1)] = t;
	c->st.targets++;
	return t;
}

struct gw_snmp_client *gw_snmp_client_new(struct event_base *base,
					  const struct gw_snmp_client_opts *o)
{
	struct gw_snmp_client *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->base = base;
	c->o.window = o && o->window ? o->window : 256;
	c->o.per_device = o && o->per_device ? o->per_device : 2;
	c->o.backoff_max_ms = o && o->backoff_max_ms ? o->backoff_max_ms : 8000;
	c->o.broadcast = o && o->broadcast;
	c->fd[0] = c->fd[1] = -1;
	TAILQ_INIT(&c->ready);
	c->keys = gw_usm_cache_new();
	c->tx = malloc(TX_BUF);
	c->plain = malloc(RX_BUF);
	c->txq = malloc(TX_BATCH * sizeof(*c->txq));
	c->target_cap = TARGET_HASH_MIN;
	c->targets = calloc(c->target_cap, sizeof(*c->targets));
	c->flush_ev = event_new(base, -1, 0, gw_snmpc_on_flush, c);
	for (int i = 0; i < RX_BATCH; i++)
		c->rx[i] = malloc(RX_BUF);
	if (!c->keys || !c->tx || !c->plain || !c->targets || !c->rx[RX_BATCH - 1] || !c->rx[0] || !c->txq ||
	    !c->flush_ev) {
		gw_snmp_client_free(c);
		return NULL;
	}
	c->salt = (uint64_t)gw_snmpc_random(c) << 32 | gw_snmpc_random(c);
	return c;
}

void gw_snmp_client_free(struct gw_snmp_client *c)
{
	if (!c)
		return;
	if (c->flush_ev)
		event_free(c->flush_ev);
	free(c->txq);
	for (int i = 0; i < 2; i++) {
		if (c->ev[i])
			event_free(c->ev[i]);
		if (c->fd[i] >= 0)
			close(c->fd[i]);
	}
	while (c->free_reqs) {
		struct req *r = c->free_reqs;
		c->free_reqs = r->hnext;
		event_free(r->timer);
		free(r);
	}
	for (unsigned i = 0; c->targets && i < c->target_cap; i++) {
		while (c->targets[i]) {
			struct target *t = c->targets[i];
			c->targets[i] = t->next;
			if (t->v3) {
				memset(&t->v3->keys, 0, sizeof(t->v3->keys));
				free(t->v3);
			}
			free(t);
		}
	}
	free(c->targets);
	gw_usm_cache_free(c->keys);
	for (int i = 0; i < RX_BATCH; i++)
		free(c->rx[i]);
	free(c->tx);
	free(c->plain);
	free(c);
}

void gw_snmp_client_stats(const struct gw_snmp_client *c, struct gw_snmp_stats *st)
{
	*st = c->st;
	st->key_stretches = gw_usm_cache_stretches(c->keys);
}

uint16_t gw_snmp_client_port(const struct gw_snmp_client *c, int family)
{
	struct sockaddr_storage a;
	socklen_t l = sizeof(a);
	int fd = c->fd[gw_snmpc_fam(family)];

	if (fd < 0 || getsockname(fd, (struct sockaddr *)&a, &l) < 0)
		return 0;
	return ntohs(((struct sockaddr_in *)&a)->sin_port);
}

struct gw_snmp_session *gw_snmp_session_new(struct gw_snmp_client *c,
					    const struct gw_snmp_session_opts *o)
{
	struct gw_snmp_session *s;
	struct target *t;

	if (!o->cred || (o->cred->version == GW_SNMP_V3 && !o->cred->user))
		return NULL;
	t = target_get(c, o->addr, o->addrlen);
	if (!t || gw_snmpc_open_socket(c, t->addr.sa.sa_family) < 0)
		return NULL;
	if (o->cred->version == GW_SNMP_V3 && !t->v3 && !(t->v3 = calloc(1, sizeof(*t->v3))))
		return NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->c = c;
	s->t = t;
	s->cred = o->cred;
	s->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : 2000;
	s->retries = o->retries;
	snprintf(s->name, sizeof(s->name), "%s", o->name ? o->name : "device");
	TAILQ_INIT(&s->queue);
	TAILQ_INIT(&s->inflight);
	if (o->cred->version == GW_SNMP_V3) {
		s->v3_flags = GW_V3_REPORTABLE;
		if (o->cred->auth != GW_AUTH_NONE)
			s->v3_flags |= GW_V3_AUTH;
		if (o->cred->auth != GW_AUTH_NONE && o->cred->priv != GW_PRIV_NONE)
			s->v3_flags |= GW_V3_PRIV;
		if (gw_snmpc_make_tag(c, o->cred, &s->tag) < 0) {
			s->dead = true;
			s->auth_error = "passphrase missing or shorter than 8 characters";
		} else if (t->v3->keys_ok && memcmp(&t->v3->tag, &s->tag, sizeof(s->tag)) != 0) {
			/* other credentials for this engine: localize again */
			struct target_v3 *v3 = t->v3;

			if (v3->engine_known) {
				v3->keys_ok = gw_usm_keys_make(c->keys, o->cred, v3->engine_id,
							       v3->engine_len, &v3->keys) == 0;
				v3->tag = s->tag;
				c->st.key_localizations++;
			} else {
				v3->keys_ok = false;
			}
		}
	}
	if (o->budget_ms > 0) {
		struct timeval tv = {o->budget_ms / 1000, (o->budget_ms % 1000) * 1000};

		s->deadline = evtimer_new(c->base, gw_snmpc_on_deadline, s);
		if (!s->deadline) {
			free(s);
			return NULL;
		}
		evtimer_add(s->deadline, &tv);
	}
	c->st.sessions++;
	return s;
}

void gw_snmpc_session_destroy(struct gw_snmp_session *s)
{
	if (s->deadline)
		event_free(s->deadline);
	s->c->st.sessions--;
	free(s);
}

void gw_snmp_session_free(struct gw_snmp_session *s)
{
	struct gw_snmp_client *c;
	struct req *r;

	if (!s || s->freed)
		return;
	while ((r = TAILQ_FIRST(&s->inflight)) || (r = TAILQ_FIRST(&s->queue))) {
		gw_snmpc_req_unlink(r);
		gw_snmpc_req_free(s->c, r);
	}
	if (s->on_ready) {
		TAILQ_REMOVE(&s->c->ready, s, ready);
		s->on_ready = false;
	}
	s->dead = true;
	s->freed = true;
	if (s->deadline)
		evtimer_del(s->deadline);
	c = s->c;
	if (!s->busy)
		gw_snmpc_session_destroy(s);
	/* the slots it held go to the others */
	gw_snmpc_pump(c);
}

enum gw_snmp_version gw_snmp_session_version(const struct gw_snmp_session *s)
{
	if (s->cred->version == GW_SNMP_V2C && s->t->v1_only)
		return GW_SNMP_V1;
	return s->cred->version;
}

const char *gw_snmp_session_auth_error(const struct gw_snmp_session *s)
{
	return s->auth_error;
}

bool gw_snmp_session_answered(const struct gw_snmp_session *s)
{
	return s->answered;
}

static struct req *enqueue(struct gw_snmp_session *s, uint8_t type, const struct gw_oid *oids,
			   unsigned n, int *err)
{
	struct gw_snmp_client *c = s->c;
	uint8_t vbl[4096];
	struct gw_ber_wr w;
	struct req *r;

	*err = 0;
	if (s->freed)
		*err = -EINVAL;
	else if (s->dead)
		*err = s->auth_error ? -EACCES : -ETIMEDOUT;
	else if (type != GW_PDU_GET && type != GW_PDU_GETNEXT && type != GW_PDU_GETBULK)
		*err = -EINVAL;
	else if (type == GW_PDU_GETBULK && gw_snmp_session_version(s) == GW_SNMP_V1)
		*err = -EINVAL;
	if (*err)
		return NULL;
	gw_ber_wr_init(&w, vbl, sizeof(vbl));
	if (gw_snmp_put_vbl(&w, oids, n) < 0) {
		*err = w.overflow ? -EMSGSIZE : -EINVAL;
		return NULL;
	}
	r = gw_snmpc_req_alloc(c, w.len);
	if (!r) {
		*err = -ENOMEM;
		return NULL;
	}
	memcpy(r->vbl, gw_ber_wr_data(&w), w.len);
	r->s = s;
	r->type = type;
	r->state = R_QUEUED;
	TAILQ_INSERT_TAIL(&s->queue, r, link);
	s->n_queued++;
	c->st.queued++;
	c->st.requests++;
	return r;
}

int gw_snmp_request(struct gw_snmp_session *s, uint8_t type, const struct gw_oid *oids,
		    unsigned n, int32_t a, int32_t b, gw_snmp_cb cb, void *arg)
{
	int err;
	struct req *r = enqueue(s, type, oids, n, &err);

	if (!r)
		return err;
	r->a = a;
	r->b = b;
	r->cb = cb;
	r->arg = arg;
	gw_snmpc_schedule(s);
	return 0;
}

int gw_snmp_broadcast(struct gw_snmp_session *s, uint8_t type, const struct gw_oid *oids,
		      unsigned n, int64_t open_ms, gw_snmp_answer_cb answer, gw_snmp_cb done,
		      void *arg)
{
	int err;
	struct req *r;

	if (s->cred->version == GW_SNMP_V3 || type == GW_PDU_GETBULK)
		return -ENOTSUP;   /* v3 needs one engine id per agent: no broadcast */
	if (!answer || !done || open_ms <= 0)
		return -EINVAL;
	r = enqueue(s, type, oids, n, &err);
	if (!r)
		return err;
	r->bcast = true;
	r->open_ms = open_ms;
	r->answer = answer;
	r->cb = done;
	r->arg = arg;
	s->c->st.broadcasts++;
	gw_snmpc_schedule(s);
	return 0;
}
