/*
 * The SNMP engine's wire: one UDP socket per address family, the requests of
 * a loop turn encoded into a batch that leaves in one sendmmsg, answers read
 * with recvmmsg and matched to their request (id, then source address).
 */
#include "client_int.h"
#include "core/log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/queue.h>
#include <unistd.h>

/* Same family and port; any address (answers to a broadcast). */
static bool same_port(const struct sockaddr *a, const struct sockaddr *b)
{
	if (a->sa_family != b->sa_family)
		return false;
	/* the port sits at the same offset in both families */
	return ((const struct sockaddr_in *)a)->sin_port == ((const struct sockaddr_in *)b)->sin_port;
}

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
	struct target_v3 *t = s->t->v3;
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

void gw_snmpc_on_flush(evutil_socket_t fd, short what, void *arg)
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
		t->fam = gw_snmpc_fam(s->t->addr.sa.sa_family);
		if (++c->n_txq == TX_BATCH)
			flush(c);
		else if (c->n_txq == 1)
			event_active(c->flush_ev, EV_TIMEOUT, 0);
	} else if (encode_big(c, s, r, &w) == 0) {
		if (sendto(c->fd[gw_snmpc_fam(s->t->addr.sa.sa_family)], gw_ber_wr_data(&w), w.len, 0,
			   &s->t->addr.sa, s->t->addrlen) >= 0)
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
	r = gw_snmpc_req_find(c, id);
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
	if (r->bcast ? !same_port((const struct sockaddr *)from, &t->addr.sa)
		     : !gw_snmpc_same_addr((const struct sockaddr *)from, &t->addr.sa)) {
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
		gw_snmpc_session_release(s);
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

int gw_snmpc_open_socket(struct gw_snmp_client *c, int family)
{
	int i = gw_snmpc_fam(family), fd, size = 1 << 20;

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
