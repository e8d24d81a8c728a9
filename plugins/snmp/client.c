#include "client_int.h"
#include "core/clock.h"
#include "core/log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/random.h>
#include <unistd.h>

static void pump(struct gw_snmp_client *c);
static void session_destroy(struct gw_snmp_session *s);

/* ---- small helpers ---- */

static uint32_t random_u32(struct gw_snmp_client *c)
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

static unsigned addr_hash(const struct sockaddr_storage *a)
{
	uint32_t h = 2166136261u;
	const uint8_t *p;
	size_t n;

	if (a->ss_family == AF_INET) {
		p = (const uint8_t *)&((const struct sockaddr_in *)a)->sin_addr;
		n = 4;
	} else {
		p = (const uint8_t *)&((const struct sockaddr_in6 *)a)->sin6_addr;
		n = 16;
	}
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	h ^= ((const struct sockaddr_in *)a)->sin_port; /* same offset in both families */
	return h & (TARGET_HASH - 1);
}

static bool same_addr(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;
		return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	if (a->ss_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;
		return x->sin6_port == y->sin6_port &&
		       memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr)) == 0;
	}
	return false;
}

/* Same family and port; any address (answers to a broadcast). */
static bool same_port(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	/* the port sits at the same offset in both families */
	return ((const struct sockaddr_in *)a)->sin_port == ((const struct sockaddr_in *)b)->sin_port;
}

static int fam_index(int family)
{
	return family == AF_INET6 ? 1 : 0;
}

static struct req *hash_find(struct gw_snmp_client *c, int32_t id)
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
		id = (int32_t)(random_u32(c) & 0x7fffffff);
	while (id == 0 || hash_find(c, id));
	return id;
}

/* ---- request objects ---- */

static void on_timeout(evutil_socket_t fd, short what, void *arg);

static struct req *req_alloc(struct gw_snmp_client *c, size_t vbl_len)
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

static void req_free(struct gw_snmp_client *c, struct req *r)
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

/* ---- sending ---- */

/* The wire version of this attempt: a v2c device not yet heard is also tried with v1. */
static int wire_version(const struct gw_snmp_session *s, const struct req *r)
{
	if (s->cred->version == GW_SNMP_V3)
		return GW_SNMP_WIRE_V3;
	if (s->cred->version == GW_SNMP_V1 || (s->t->v1_only && !r->bcast))
		return GW_SNMP_WIRE_V1;
	if (r->bcast)
		return GW_SNMP_WIRE_V2C;
	if (!s->t->v2c_ok && (r->tries & 1) && r->type != GW_PDU_GETBULK)
		return GW_SNMP_WIRE_V1;
	return GW_SNMP_WIRE_V2C;
}

/* Encode into the writer the caller set up. */
static int encode(struct gw_snmp_client *c, struct gw_snmp_session *s, struct req *r,
		  struct gw_ber_wr *w)
{
	int ver = wire_version(s, r);
	const char *comm = s->cred->community ? s->cred->community : "";

	gw_snmp_put_pdu(w, r->type, r->reqid, r->a, r->b, r->vbl, r->vbl_len);
	r->versions_sent |= (uint8_t)(1u << ver);
	if (ver != GW_SNMP_WIRE_V3) {
		gw_snmp_put_community_msg(w, ver, comm, strlen(comm), 0);
		return w->overflow ? -EMSGSIZE : 0;
	}
	struct target *t = s->t;
	struct gw_v3_out h = {
		.msg_id = r->reqid,
		.max_size = RX_BUF - 28,
		.flags = (uint8_t)(r->probe ? GW_V3_REPORTABLE : s->v3_flags),
		.engine_id = t->engine_id,
		.engine_id_len = r->probe ? 0 : t->engine_len,
		.boots = r->probe ? 0 : t->boots,
		.time = r->probe ? 0 : gw_snmpc_engine_time(t),
		.user = r->probe ? "" : s->cred->user,
		.context = r->probe ? "" : (s->cred->context ? s->cred->context : ""),
		.salt = ++c->salt,
	};
	return gw_usm_encode(w, &h, r->probe ? NULL : &t->keys, 0);
}

static int encode_big(struct gw_snmp_client *c, struct gw_snmp_session *s, struct req *r,
		      struct gw_ber_wr *w)
{
	gw_ber_wr_init(w, c->tx, TX_BUF);
	return encode(c, s, r, w) == 0 && !w->overflow ? 0 : -EMSGSIZE;
}

static void flush(struct gw_snmp_client *c)
{
	struct mmsghdr mm[TX_BATCH];
	struct iovec iov[TX_BATCH];

	for (int fam = 0; fam < 2; fam++) {
		unsigned n = 0, done = 0;

		for (unsigned i = 0; i < c->n_txq; i++) {
			struct tx_slot *t = &c->txq[i];

			if (t->fam != fam)
				continue;
			iov[n] = (struct iovec){t->buf + t->off, t->len};
			mm[n].msg_hdr = (struct msghdr){.msg_name = &t->to, .msg_namelen = t->tolen,
							.msg_iov = &iov[n], .msg_iovlen = 1};
			n++;
		}
		while (done < n) {
			int k = sendmmsg(c->fd[fam], mm + done, n - done, MSG_DONTWAIT);

			/* what the kernel refuses is a lost datagram: retry timers deal with it */
			if (k < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != ENOBUFS) {
				done++;   /* this one cannot go (no route, a broadcast refused) */
				continue;
			}
			if (k <= 0)
				break;
			done += (unsigned)k;
		}
		c->st.sent += done;
	}
	c->n_txq = 0;
}

static void on_flush(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	flush(arg);
}

void gw_snmpc_transmit(struct gw_snmp_client *c, struct req *r)
{
	struct gw_snmp_session *s = r->s;
	struct tx_slot *t = &c->txq[c->n_txq];
	struct gw_ber_wr w;
	int64_t tmo = s->timeout_ms;
	struct timeval tv;
	int rc;

	/* encoded straight into the next batch slot; a large request alone */
	gw_ber_wr_init(&w, t->buf, TX_SLOT);
	rc = encode(c, s, r, &w);
	if (rc == 0 && !w.overflow) {
		t->off = TX_SLOT - w.len;
		t->len = w.len;
		memcpy(&t->to, &s->t->addr, s->t->addrlen);
		t->tolen = s->t->addrlen;
		t->fam = fam_index(s->t->addr.ss_family);
		if (++c->n_txq == TX_BATCH)
			flush(c);
		else if (c->n_txq == 1)
			event_active(c->flush_ev, EV_TIMEOUT, 0);
	} else if (encode_big(c, s, r, &w) == 0) {
		if (sendto(c->fd[fam_index(s->t->addr.ss_family)], gw_ber_wr_data(&w), w.len, 0,
			   (const struct sockaddr *)&s->t->addr, s->t->addrlen) >= 0)
			c->st.sent++;
	}
	for (unsigned i = 0; i < r->tries && tmo < c->o.backoff_max_ms; i++)
		tmo *= 2;
	if (tmo > c->o.backoff_max_ms)
		tmo = c->o.backoff_max_ms;
	if (r->bcast)
		tmo = r->open_ms;
	tv.tv_sec = tmo / 1000;
	tv.tv_usec = (tmo % 1000) * 1000;
	evtimer_add(r->timer, &tv);
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
	return s->cred->version == GW_SNMP_V3 && (!s->t->engine_known || !s->t->keys_ok);
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
		r = req_alloc(c, 2);
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

static void pump(struct gw_snmp_client *c)
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
	pump(s->c);
}

/* ---- completion ---- */

static void session_release(struct gw_snmp_session *s)
{
	if (--s->busy == 0 && s->freed)
		session_destroy(s);
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
	req_free(c, r);
	s->busy++;
	gw_snmpc_schedule(s);
	cb(arg, status, pdu);
	session_release(s);
}

void gw_snmpc_fail_all(struct gw_snmp_session *s, int status)
{
	struct req *r;

	s->dead = true;
	s->busy++;
	while (!s->freed && ((r = TAILQ_FIRST(&s->inflight)) || (r = TAILQ_FIRST(&s->queue))))
		gw_snmpc_finish(r, status, NULL);
	session_release(s);
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

static void on_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct gw_snmp_session *s = arg;

	(void)fd;
	(void)what;
	gw_debug(SUB, "%s: the poll's time budget is spent", s->name);
	gw_snmpc_fail_all(s, -ETIMEDOUT);
}

/* ---- receiving ---- */

static void handle(struct gw_snmp_client *c, const uint8_t *buf, size_t len,
		   const struct sockaddr_storage *from)
{
	struct gw_snmp_msg *m = &c->msg;
	struct gw_snmp_session *s;
	struct target *t;
	struct req *r;
	int32_t id;

	if (gw_snmp_msg_decode(buf, len, m) < 0) {
		c->st.dropped_malformed++;
		return;
	}
	id = m->version == GW_SNMP_WIRE_V3 ? m->msg_id : m->pdu.reqid;
	r = hash_find(c, id);
	if (!r) {
		bool late = false;

		for (unsigned i = 0; i < LATE_IDS && !late; i++)
			late = c->late_ids[i] == id && id != 0;
		if (late)
			c->st.dropped_late++;
		else
			c->st.dropped_unsolicited++;
		return;
	}
	s = r->s;
	t = s->t;
	if (r->bcast ? !same_port(from, &t->addr) : !same_addr(from, &t->addr)) {
		char a[INET6_ADDRSTRLEN] = "?";
		const void *ip = from->ss_family == AF_INET
			? (const void *)&((const struct sockaddr_in *)from)->sin_addr
			: (const void *)&((const struct sockaddr_in6 *)from)->sin6_addr;

		c->st.dropped_spoofed++;
		inet_ntop(from->ss_family, ip, a, sizeof(a));
		gw_complain(&c->spoof_log, GW_LOG_WARNING, SUB,
			    "answer for %s came from %s port %u, not from the device: dropped",
			    s->name, a, ntohs(((const struct sockaddr_in *)from)->sin_port));
		return;
	}
	if (m->version == GW_SNMP_WIRE_V3) {
		gw_snmpc_handle_v3(c, r, buf, len, m);
		return;
	}
	const char *comm = s->cred->community ? s->cred->community : "";
	if (!(r->versions_sent & (1u << m->version)) || m->pdu.type != GW_PDU_RESPONSE ||
	    m->community.n != strlen(comm) || memcmp(m->community.p, comm, m->community.n) != 0) {
		c->st.dropped_mismatch++;
		return;
	}
	if (r->bcast) {
		/* one answer of many: the request stays open, the target learns nothing */
		c->st.broadcast_answers++;
		s->answered = true;
		s->busy++;
		r->answer(r->arg, from, from->ss_family == AF_INET ? sizeof(struct sockaddr_in)
								  : sizeof(struct sockaddr_in6),
			  &m->pdu);
		session_release(s);
		return;
	}
	if (m->version == GW_SNMP_WIRE_V2C) {
		t->v2c_ok = true;
	} else if (s->cred->version == GW_SNMP_V2C && !t->v2c_ok && !t->v1_only) {
		t->v1_only = true;
		c->st.v1_fallbacks++;
		gw_info(SUB, "%s: answers SNMPv1 only; using v1", s->name);
	}
	s->answered = true;
	gw_snmpc_finish(r, 0, &m->pdu);
}

static void on_read(evutil_socket_t fd, short what, void *arg)
{
	struct gw_snmp_client *c = arg;
	struct mmsghdr mm[RX_BATCH];
	struct iovec iov[RX_BATCH];
	struct sockaddr_storage from[RX_BATCH];

	(void)what;
	for (int round = 0; round < READ_ROUNDS; round++) {
		int n;

		for (int i = 0; i < RX_BATCH; i++) {
			iov[i] = (struct iovec){c->rx[i], RX_BUF};
			mm[i].msg_hdr = (struct msghdr){
				.msg_name = &from[i], .msg_namelen = sizeof(from[i]),
				.msg_iov = &iov[i], .msg_iovlen = 1,
			};
		}
		n = recvmmsg(fd, mm, RX_BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			return;
		for (int i = 0; i < n; i++) {
			if (mm[i].msg_hdr.msg_flags & MSG_TRUNC) {
				c->st.dropped_malformed++;
				continue;
			}
			handle(c, c->rx[i], mm[i].msg_len, &from[i]);
		}
		if (n < RX_BATCH)
			return;
	}
}

/* ---- sockets, targets ---- */

static int open_socket(struct gw_snmp_client *c, int family)
{
	int i = fam_index(family), fd, size = 1 << 20;

	if (c->fd[i] >= 0)
		return 0;
	fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* bursts of answers from many devices land at once */
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (c->o.broadcast && family == AF_INET &&
	    setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &(int){1}, sizeof(int)) < 0) {
		int err = errno;

		close(fd);
		return -err;
	}
	c->ev[i] = event_new(c->base, fd, EV_READ | EV_PERSIST, on_read, c);
	if (!c->ev[i] || event_add(c->ev[i], NULL) < 0) {
		if (c->ev[i])
			event_free(c->ev[i]);
		c->ev[i] = NULL;
		close(fd);
		return -ENOMEM;
	}
	c->fd[i] = fd;
	return 0;
}

static struct target *target_get(struct gw_snmp_client *c, const struct sockaddr *sa,
				 socklen_t len)
{
	struct sockaddr_storage a = {0};
	struct target *t;
	unsigned h;

	if ((sa->sa_family != AF_INET || len < sizeof(struct sockaddr_in)) &&
	    (sa->sa_family != AF_INET6 || len < sizeof(struct sockaddr_in6)))
		return NULL;
	memcpy(&a, sa, sa->sa_family == AF_INET ? sizeof(struct sockaddr_in)
						 : sizeof(struct sockaddr_in6));
	h = addr_hash(&a);
	for (t = c->targets[h]; t; t = t->next)
		if (same_addr(&t->addr, &a))
			return t;
	if (c->st.targets >= MAX_TARGETS || !(t = calloc(1, sizeof(*t))))
		return NULL;
	t->addr = a;
	t->addrlen = sa->sa_family == AF_INET ? sizeof(struct sockaddr_in)
					      : sizeof(struct sockaddr_in6);
	t->next = c->targets[h];
	c->targets[h] = t;
	c->st.targets++;
	return t;
}

/* ---- public ---- */

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
	c->flush_ev = event_new(base, -1, 0, on_flush, c);
	for (int i = 0; i < RX_BATCH; i++)
		c->rx[i] = malloc(RX_BUF);
	if (!c->keys || !c->tx || !c->plain || !c->rx[RX_BATCH - 1] || !c->rx[0] || !c->txq ||
	    !c->flush_ev) {
		gw_snmp_client_free(c);
		return NULL;
	}
	c->salt = (uint64_t)random_u32(c) << 32 | random_u32(c);
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
	for (int i = 0; i < TARGET_HASH; i++) {
		while (c->targets[i]) {
			struct target *t = c->targets[i];
			c->targets[i] = t->next;
			memset(&t->keys, 0, sizeof(t->keys));
			free(t);
		}
	}
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
	int fd = c->fd[fam_index(family)];

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
	if (!t || open_socket(c, t->addr.ss_family) < 0)
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
		} else if (t->keys_ok && memcmp(&t->tag, &s->tag, sizeof(s->tag)) != 0) {
			/* other credentials for this engine: localize again */
			if (t->engine_known) {
				t->keys_ok = gw_usm_keys_make(c->keys, o->cred, t->engine_id,
							      t->engine_len, &t->keys) == 0;
				t->tag = s->tag;
				c->st.key_localizations++;
			} else {
				t->keys_ok = false;
			}
		}
	}
	if (o->budget_ms > 0) {
		struct timeval tv = {o->budget_ms / 1000, (o->budget_ms % 1000) * 1000};

		s->deadline = evtimer_new(c->base, on_deadline, s);
		if (!s->deadline) {
			free(s);
			return NULL;
		}
		evtimer_add(s->deadline, &tv);
	}
	c->st.sessions++;
	return s;
}

static void session_destroy(struct gw_snmp_session *s)
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
		req_free(s->c, r);
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
		session_destroy(s);
	/* the slots it held go to the others */
	pump(c);
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
	r = req_alloc(c, w.len);
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
