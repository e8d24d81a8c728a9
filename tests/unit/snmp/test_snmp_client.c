/*
 * The asynchronous engine and the walker against a scripted responder on
 * the same loop: timeouts and retries, the window and per-device limits, a
 * dead device beside healthy ones, spoofed and unsolicited answers, SNMPv1
 * fallback, and walks that loop, overflow or fail GETBULK.
 *
 * The responder is a test double built on the codec; the interoperability
 * tests against net-snmp's snmpd are in tests/system/test_snmp_snmpd.py.
 */
#include "client.h"
#include "walk.h"
#include "core/clock.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#define TABLE_ROWS 50

enum behaviour {
	B_NORMAL = 0,
	B_DEAD,
	B_SLOW,        /* answers after delay_ms */
	B_SPOOF,       /* first an answer from another port, then the real one */
	B_V1_ONLY,     /* drops v2c messages */
	B_LOOP,        /* GETNEXT/GETBULK answers never advance */
	B_TOO_BIG,     /* GETBULK with max-repetitions > 2 is tooBig */
	B_BULK_ERR,    /* GETBULK is a genErr; GETNEXT works */
};

struct responder {
	struct event_base *base;
	int fd, spoof_fd;
	struct event *ev;
	uint16_t port;
	enum behaviour b;
	int delay_ms;
	unsigned received, outstanding, max_outstanding;
	unsigned v2c_seen, v1_seen, bulk_seen, next_seen;
};

struct delayed {
	struct responder *r;
	struct event *ev;
	struct sockaddr_in to;
	size_t len;
	uint8_t buf[4096];
};

/* The MIB: sysDescr.0, then 1.3.6.1.2.1.99.1.1.i = i for i = 1..TABLE_ROWS. */
static int mib_next(const struct gw_oid *after, struct gw_oid *out, int64_t *val)
{
	struct gw_oid first;

	gw_oid_parse("1.3.6.1.2.1.1.1.0", &first);
	if (gw_oid_cmpo(after, &first) < 0) {
		*out = first;
		*val = -1;
		return 0;
	}
	for (int i = 1; i <= TABLE_ROWS; i++) {
		struct gw_oid o;

		gw_oid_parse("1.3.6.1.2.1.99.1.1", &o);
		o.a[o.n++] = (uint32_t)i;
		if (gw_oid_cmpo(after, &o) < 0) {
			*out = o;
			*val = i;
			return 0;
		}
	}
	return -1;
}

static void put_vb(struct gw_ber_wr *w, const struct gw_oid *o, int64_t val, bool end)
{
	size_t m = gw_ber_mark(w);

	if (end)
		gw_ber_put_hdr(w, GW_BER_ENDOFMIBVIEW, 0);
	else if (val < 0)
		gw_ber_put_octets(w, GW_BER_OCTETS, "Test printer", 12);
	else
		gw_ber_put_int(w, GW_BER_INT, val);
	gw_ber_put_oid(w, o);
	gw_ber_close(w, GW_BER_SEQ, m);
}

static void send_later(evutil_socket_t fd, short what, void *arg)
{
	struct delayed *d = arg;

	(void)fd;
	(void)what;
	sendto(d->r->fd, d->buf, d->len, 0, (struct sockaddr *)&d->to, sizeof(d->to));
	d->r->outstanding--;
	event_free(d->ev);
	free(d);
}

static void on_request(evutil_socket_t fd, short what, void *arg)
{
	struct responder *r = arg;
	uint8_t in[4096], out[4096], vbl[4096];
	struct sockaddr_in from;
	socklen_t fl = sizeof(from);
	ssize_t n = recvfrom(fd, in, sizeof(in), 0, (struct sockaddr *)&from, &fl);
	struct gw_snmp_msg *m;
	struct gw_ber_wr w, wv;
	size_t mark;
	int err = 0, eidx = 0;

	(void)what;
	if (n <= 0)
		return;
	m = calloc(1, sizeof(*m));
	if (gw_snmp_msg_decode(in, (size_t)n, m) < 0)
		goto out;
	r->received++;
	if (m->version == GW_SNMP_WIRE_V2C)
		r->v2c_seen++;
	else
		r->v1_seen++;
	if (r->b == B_DEAD || (r->b == B_V1_ONLY && m->version != GW_SNMP_WIRE_V1))
		goto out;
	if (m->pdu.type == GW_PDU_GETBULK)
		r->bulk_seen++;
	if (m->pdu.type == GW_PDU_GETNEXT)
		r->next_seen++;
	gw_ber_wr_init(&wv, vbl, sizeof(vbl));
	mark = gw_ber_mark(&wv);
	if (m->pdu.type == GW_PDU_GETBULK && r->b == B_TOO_BIG && m->pdu.err_index > 2) {
		err = GW_SNMP_TOO_BIG;
	} else if (m->pdu.type == GW_PDU_GETBULK && r->b == B_BULK_ERR) {
		err = GW_SNMP_GEN_ERR;
		eidx = 1;
	} else {
		/* written backwards: gather the answers, then emit them last first */
		struct gw_oid outs[64];
		int64_t vals[64];
		bool ends[64];
		unsigned k = 0;

		for (unsigned i = 0; i < m->pdu.n_vb && k < 64; i++) {
			struct gw_oid o;
			unsigned reps = m->pdu.type == GW_PDU_GETBULK ? (unsigned)m->pdu.err_index : 1;

			gw_snmp_vb_oid(&m->pdu.vb[i], &o);
			if (m->pdu.type == GW_PDU_GET) {
				struct gw_oid prev = o, got;

				/* the object just before o: o with its last arc dropped */
				prev.n--;
				while (mib_next(&prev, &got, &vals[k]) == 0 &&
				       gw_oid_cmpo(&got, &o) < 0)
					prev = got;
				if (mib_next(&prev, &got, &vals[k]) == 0 && gw_oid_cmpo(&got, &o) == 0) {
					outs[k] = got;
					ends[k++] = false;
				} else {
					err = GW_SNMP_NO_SUCH_NAME;
					eidx = (int)i + 1;
				}
				continue;
			}
			for (unsigned rep = 0; rep < reps && k < 64; rep++) {
				struct gw_oid next;

				if (r->b == B_LOOP) {
					outs[k] = o;
					vals[k] = 1;
					ends[k++] = false;
					continue;
				}
				if (mib_next(&o, &next, &vals[k]) < 0) {
					if (m->version == GW_SNMP_WIRE_V1) {
						/* v1 has no endOfMibView: noSuchName says it */
						err = GW_SNMP_NO_SUCH_NAME;
						eidx = (int)i + 1;
						break;
					}
					outs[k] = o;
					ends[k++] = true;
					break;
				}
				outs[k] = next;
				ends[k++] = false;
				o = next;
			}
		}
		if (!err)
			for (unsigned i = k; i-- > 0;)
				put_vb(&wv, &outs[i], vals[i], ends[i]);
	}
	if (err) {
		gw_ber_wr_init(&wv, vbl, sizeof(vbl));
		mark = gw_ber_mark(&wv);
	}
	gw_ber_close(&wv, GW_BER_SEQ, mark);
	gw_ber_wr_init(&w, out, sizeof(out));
	gw_snmp_put_pdu(&w, GW_PDU_RESPONSE, m->pdu.reqid, err, eidx, gw_ber_wr_data(&wv), wv.len);
	gw_snmp_put_community_msg(&w, m->version, m->community.p, m->community.n, 0);
	if (r->b == B_SPOOF)
		sendto(r->spoof_fd, gw_ber_wr_data(&w), w.len, 0, (struct sockaddr *)&from, fl);
	if (r->b == B_SLOW) {
		struct delayed *d = calloc(1, sizeof(*d));
		struct timeval tv = {r->delay_ms / 1000, (r->delay_ms % 1000) * 1000};

		d->r = r;
		d->to = from;
		d->len = w.len;
		memcpy(d->buf, gw_ber_wr_data(&w), w.len);
		d->ev = evtimer_new(r->base, send_later, d);
		evtimer_add(d->ev, &tv);
		if (++r->outstanding > r->max_outstanding)
			r->max_outstanding = r->outstanding;
		goto out;
	}
	sendto(fd, gw_ber_wr_data(&w), w.len, 0, (struct sockaddr *)&from, fl);
out:
	free(m);
}

static int udp_socket(uint16_t *port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t l = sizeof(a);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	getsockname(fd, (struct sockaddr *)&a, &l);
	if (port)
		*port = ntohs(a.sin_port);
	return fd;
}

static struct responder *responder_new(struct event_base *base, enum behaviour b)
{
	struct responder *r = calloc(1, sizeof(*r));

	r->base = base;
	r->b = b;
	r->fd = udp_socket(&r->port);
	r->spoof_fd = udp_socket(NULL);
	r->ev = event_new(base, r->fd, EV_READ | EV_PERSIST, on_request, r);
	event_add(r->ev, NULL);
	return r;
}

static void responder_free(struct responder *r)
{
	event_free(r->ev);
	close(r->fd);
	close(r->spoof_fd);
	free(r);
}

static struct gw_credentials v2c = {.name = "t", .version = GW_SNMP_V2C, .community = "public"};

static struct gw_snmp_session *session(struct gw_snmp_client *c, struct responder *r,
				       int64_t timeout, unsigned retries, int64_t budget)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(r->port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	struct gw_snmp_session_opts o = {
		.addr = (struct sockaddr *)&a, .addrlen = sizeof(a), .cred = &v2c,
		.timeout_ms = timeout, .retries = retries, .budget_ms = budget, .name = "dev",
	};

	return gw_snmp_session_new(c, &o);
}

/* ---- outcome recorders ---- */

struct result {
	struct event_base *base;
	int status;
	bool done;
	unsigned n_vb;
	int64_t last_val;
	int64_t at_ms;
	unsigned *pending;      /* stop the loop when it reaches 0 */
};

static void finished(struct result *res, int status)
{
	res->status = status;
	res->done = true;
	res->at_ms = gw_clock_mono_ms();
	if (!res->pending || --*res->pending == 0)
		event_base_loopbreak(res->base);
}

static void on_get(void *arg, int status, const struct gw_snmp_pdu *pdu)
{
	struct result *res = arg;

	if (status == 0)
		res->n_vb = pdu->n_vb;
	finished(res, status);
}

static void on_vb(void *arg, const struct gw_oid *oid, const struct gw_snmp_vb *vb)
{
	struct result *res = arg;

	(void)oid;
	res->n_vb++;
	gw_snmp_vb_int(vb, &res->last_val);
}

static void on_walk(void *arg, int status)
{
	finished(arg, status);
}

static void run(struct event_base *base, int max_ms)
{
	struct timeval tv = {max_ms / 1000, (max_ms % 1000) * 1000};

	event_base_loopexit(base, &tv);
	event_base_dispatch(base);
}

static struct gw_snmp_walk *walk(struct gw_snmp_session *s, struct result *res, unsigned max_vb,
				 unsigned max_rep)
{
	struct gw_oid root;
	int err;
	struct gw_snmp_walk *w;

	gw_oid_parse("1.3.6.1.2.1.99", &root);
	w = gw_snmp_walk_start(s, &root, max_vb, max_rep, on_vb, on_walk, res, &err);
	assert_non_null(w);
	return w;
}

/* ---- tests ---- */

static void test_get(void **state)
{
	struct event_base *base = event_base_new();
	struct gw_snmp_client *c = gw_snmp_client_new(base, NULL);
	struct responder *r = responder_new(base, B_NORMAL);
	struct gw_snmp_session *s = session(c, r, 500, 1, 0);
	struct result res = {.base = base};
	struct gw_oid o;
	struct gw_snmp_stats st;

	(void)state;
	gw_oid_parse("1.3.6.1.2.1.1.1.0", &o);
	assert_int_equal(gw_snmp_request(s, GW_PDU_GET, &o, 1, 0, 0, on_get, &res), 0);
	assert_false(res.done); /* never from inside the call */
	run(base, 3000);
	assert_true(res.done);
	assert_int_equal(res.status, 0);
	assert_int_equal(res.n_vb, 1);
	gw_snmp_client_stats(c, &st);
	assert_int_equal(st.sent, 1);
	assert_int_equal(st.answers, 1);
	assert_int_equal(st.in_flight, 0);
	gw_snmp_session_free(s);
	gw_snmp_client_free(c);
	responder_free(r);
	event_base_free(base);
}

static void test_walk_bulk(void **state)
{
	struct event_base *base = event_base_new();
	struct gw_snmp_client *c = gw_snmp_client_new(base, NULL);
	struct responder *r = responder_new(base, B_NORMAL);
	struct gw_snmp_session *s = session(c, r, 500, 1, 0);
	struct result res = {.base = base};

	(void)state;
	walk(s, &res, 0, 10);
	run(base, 3000);
	assert_true(res.done);
	assert_int_equal(res.status, 0);
	assert_int_equal(res.n_vb, TABLE_ROWS);
	assert_true(res.last_val == TABLE_ROWS);
	assert_int_equal(r->bulk_seen, TABLE_ROWS / 10 + 1);
	gw_snmp_session_free(s);
	gw_snmp_client_free(c);
	responder_free(r);
	event_base_free(base);
}

static void walk_case(enum behaviour b, unsigned max_vb, unsigned want_vb, int want_status)
{
	struct event_base *base = event_base_new();
	struct gw_snmp_client *c = gw_snmp_client_new(base, NULL);
	struct responder *r = responder_new(base, b);
	struct gw_snmp_session *s = session(c, r, 300, 1, 0);
	struct result res = {.base = base};

	walk(s, &res, max_vb, 10);
	run(base, 5000);
	assert_true(res.done);
	assert_int_equal(res.status, want_status);
	assert_int_equal(res.n_vb, want_vb);
	if (b == B_BULK_ERR)
		assert_true(r->next_seen >= TABLE_ROWS);
	gw_snmp_session_free(s);
	gw_snmp_client_free(c);
	responder_free(r);
	event_base_free(base);
}

static void test_walk_robustness(void **state)
{
	struct gw_walk_stats before, after;

	(void)state;
	gw_snmp_walk_stats(&before);
	walk_case(B_LOOP, 0, 0, 0);            /* never advances: ends at once */
	walk_case(B_TOO_BIG, 0, TABLE_ROWS, 0); /* max-repetitions shrinks to 2 */
	walk_case(B_BULK_ERR, 0, TABLE_ROWS, 0); /* falls back to GETNEXT */
	walk_case(B_NORMAL, 7, 7, 0);          /* the size cap */
	gw_snmp_walk_stats(&after);
	assert_true(after.non_increasing > before.non_increasing);
	assert_true(after.too_big > before.too_big);
	assert_true(after.bulk_fallbacks > before.bulk_fallbacks);
	assert_true(after.capped > before.capped);
}

static void test_v1_fallback(void **state)
{
	struct event_base *base = event_base_new();
	struct gw_snmp_client *c = gw_snmp_client_new(base, NULL);
	struct responder *r = responder_new(base, B_V1_ONLY);
	struct gw_snmp_session *s = session(c, r, 200, 2, 0);
	struct result res = {.base = base}, wres = {.base = base};
	struct gw_oid o;

	(void)state;
	gw_oid_parse("1.3.6.1.2.1.1.1.0", &o);
	gw_snmp_request(s, GW_PDU_GET, &o, 1, 0, 0, on_get, &res);
	run(base, 3000);
	assert_int_equal(res.status, 0);
	assert_int_equal(gw_snmp_session_version(s), GW_SNMP_V1);
	/* the walk then uses GETNEXT */
	walk(s, &wres, 0, 10);
	run(base, 5000);
	assert_int_equal(wres.status, 0);
	assert_int_equal(wres.n_vb, TABLE_ROWS);
	assert_int_equal(r->bulk_seen, 0);
	gw_snmp_session_free(s);
	gw_snmp_client_free(c);
	responder_free(r);
	event_base_free(base);
}

static void test_spoofed_and_unsolicited(void **state)
{
	struct event_base *base = event_base_new();
	struct gw_snmp_client *c = gw_snmp_client_new(base, NULL);
	struct responder *r = responder_new(base, B_SPOOF);
	struct gw_snmp_session *s = session(c, r, 500, 0, 0);
	struct result res = {.base = base};
	struct gw_snmp_stats st;
	struct gw_oid o;

	(void)state;
	gw_oid_parse("1.3.6.1.2.1.1.1.0", &o);
	gw_snmp_request(s, GW_PDU_GET, &o, 1, 0, 0, on_get, &res);
	run(base, 3000);
	assert_int_equal(res.status, 0);
	gw_snmp_client_stats(c, &st);
	assert_int_equal(st.dropped_spoofed, 1);
	/* an answer nobody asked for, straight at the client's port */
	{
		uint8_t buf[128], vbl[2] = {0x30, 0};
		struct gw_ber_wr w;
		struct sockaddr_in a = {.sin_family = AF_INET,
					.sin_port = htons(gw_snmp_client_port(c, AF_INET)),
					.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};

		gw_ber_wr_init(&w, buf, sizeof(buf));
		gw_snmp_put_pdu(&w, GW_PDU_RESPONSE, 12345, 0, 0, vbl, 2);
		gw_snmp_put_community_msg(&w, 1, "public", 6, 0);
		sendto(r->fd, gw_ber_wr_data(&w), w.len, 0, (struct sockaddr *)&a, sizeof(a));
		sendto(r->fd, "garbage", 7, 0, (struct sockaddr *)&a, sizeof(a));
		run(base, 200);
	}
	gw_snmp_client_stats(c, &st);
	assert_int_equal(st.dropped_unsolicited, 1);
	assert_int_equal(st.dropped_malformed, 1);
	gw_snmp_session_free(s);
	gw_snmp_client_free(c);
	responder_free(r);
	event_base_free(base);
}

static void test_dead_device_does_not_delay_others(void **state)
{
	enum { HEALTHY = 6 };
	struct event_base *base = event_base_new();
	struct gw_snmp_client_opts o = {.window = 8, .per_device = 2};
	struct gw_snmp_client *c = gw_snmp_client_new(base, &o);
	struct responder *dead = responder_new(base, B_DEAD);
	struct responder *ok[HEALTHY];
	struct gw_snmp_session *sd, *s[HEALTHY];
	struct result rd = {.base = base}, res[HEALTHY], extra[3] = {{0}};
	unsigned pending = HEALTHY + 1;
	int64_t t0 = gw_clock_mono_ms();
	struct gw_oid oid;

	(void)state;
	rd.pending = &pending;
	sd = session(c, dead, 1000, 2, 0);
	/* the dead device asks first and for more than its share */
	gw_oid_parse("1.3.6.1.2.1.1.1.0", &oid);
	gw_snmp_request(sd, GW_PDU_GET, &oid, 1, 0, 0, on_get, &rd);
	for (int i = 0; i < 3; i++) {
		extra[i].base = base;
		gw_snmp_request(sd, GW_PDU_GET, &oid, 1, 0, 0, on_get, &extra[i]);
	}
	for (int i = 0; i < HEALTHY; i++) {
		ok[i] = responder_new(base, B_NORMAL);
		s[i] = session(c, ok[i], 1000, 2, 0);
		res[i] = (struct result){.base = base, .pending = &pending};
		walk(s[i], &res[i], 0, 5);
	}
	run(base, 20000);
	for (int i = 0; i < HEALTHY; i++) {
		assert_int_equal(res[i].status, 0);
		assert_int_equal(res[i].n_vb, TABLE_ROWS);
		/* healthy walks finish long before the dead device's first timeout */
		assert_true(res[i].at_ms - t0 < 500);
	}
	assert_int_equal(rd.status, -ETIMEDOUT);
	/* 1 s + 2 s + 4 s of back-off, then the other queued requests fail at once */
	assert_true(rd.at_ms - t0 >= 6900);
	assert_int_equal(dead->received, 2 * 3); /* two in flight, each sent three times */
	gw_snmp_session_free(sd);
	for (int i = 0; i < HEALTHY; i++) {
		gw_snmp_session_free(s[i]);
		responder_free(ok[i]);
	}
	gw_snmp_client_free(c);
	responder_free(dead);
	event_base_free(base);
}

static void test_per_device_limit_and_budget(void **state)
{
	struct event_base *base = event_base_new();
	struct gw_snmp_client_opts o = {.per_device = 2};
	struct gw_snmp_client *c = gw_snmp_client_new(base, &o);
	struct responder *slow = responder_new(base, B_SLOW);
	struct gw_snmp_session *s;
	struct result res[8];
	unsigned pending = 8;
	struct gw_oid oid;
	int64_t t0 = gw_clock_mono_ms();

	(void)state;
	slow->delay_ms = 100;
	s = session(c, slow, 1000, 0, 350);
	gw_oid_parse("1.3.6.1.2.1.1.1.0", &oid);
	for (int i = 0; i < 8; i++) {
		res[i] = (struct result){.base = base, .pending = &pending};
		assert_int_equal(gw_snmp_request(s, GW_PDU_GET, &oid, 1, 0, 0, on_get, &res[i]), 0);
	}
	run(base, 5000);
	/* two at a time, 100 ms each: six answered before the 350 ms budget ran out */
	assert_int_equal(slow->max_outstanding, 2);
	for (int i = 0; i < 6; i++)
		assert_int_equal(res[i].status, 0);
	for (int i = 6; i < 8; i++) {
		assert_int_equal(res[i].status, -ETIMEDOUT);
		assert_true(res[i].at_ms - t0 >= 340 && res[i].at_ms - t0 < 600);
	}
	assert_int_equal(gw_snmp_request(s, GW_PDU_GET, &oid, 1, 0, 0, on_get, &res[0]),
			 -ETIMEDOUT);
	gw_snmp_session_free(s);
	run(base, 300); /* late answers arrive after the session is gone */
	gw_snmp_client_free(c);
	responder_free(slow);
	event_base_free(base);
}

static void free_in_callback(void *arg, int status, const struct gw_snmp_pdu *pdu)
{
	struct gw_snmp_session **s = arg;

	(void)status;
	(void)pdu;
	gw_snmp_session_free(*s);
	*s = NULL;
}

static void test_free_inside_callback(void **state)
{
	struct event_base *base = event_base_new();
	struct gw_snmp_client *c = gw_snmp_client_new(base, NULL);
	struct responder *r = responder_new(base, B_DEAD);
	struct gw_snmp_session *s = session(c, r, 50, 0, 0);
	struct gw_oid oid;

	(void)state;
	gw_oid_parse("1.3.6.1.2.1.1.1.0", &oid);
	for (int i = 0; i < 5; i++)
		gw_snmp_request(s, GW_PDU_GET, &oid, 1, 0, 0, free_in_callback, &s);
	run(base, 500);
	assert_null(s);
	gw_snmp_client_free(c);
	responder_free(r);
	event_base_free(base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_get),
		cmocka_unit_test(test_walk_bulk),
		cmocka_unit_test(test_walk_robustness),
		cmocka_unit_test(test_v1_fallback),
		cmocka_unit_test(test_spoofed_and_unsolicited),
		cmocka_unit_test(test_dead_device_does_not_delay_others),
		cmocka_unit_test(test_per_device_limit_and_budget),
		cmocka_unit_test(test_free_inside_callback),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
