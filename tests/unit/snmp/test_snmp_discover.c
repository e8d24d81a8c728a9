/*
 * SNMP discovery's state machine (discover.c) against scripted agents on
 * 127.0.0.x, all on one port, driven step by step as the core would drive
 * it, with fakes for found and done:
 *  - printers with and without an IEEE 1284 id, a projector, a dead address,
 *    an agent that answers with another community, one that never answers
 *    the identification requests;
 *  - printers only: a router (sysDescr, no Printer-MIB) and the projector
 *    are reported as not printers, a host whose only sign is hrDeviceType
 *    printer is a printer;
 *  - a "broadcast" address that makes several agents answer from their own
 *    addresses, a spoofed answer from another port and a late answer after
 *    the broadcast closed;
 *  - SNMPv1 (noSuchName for one object refuses the whole PDU);
 *  - nothing but identification is ever asked; cancel; END cutting what is
 *    unfinished.
 */
#include "discover.h"
#include "pdu.h"
#include "core/clock.h"
#include "devices/discovery.h"

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

#define MAX_OBJ 16
#define MAX_ASKED 64

struct obj {
	const char *oid;
	uint8_t type;            /* GW_BER_OCTETS, GW_BER_OID (val dotted), GW_BER_INT */
	const char *val;
	size_t len;              /* OCTETS: 0 means strlen */
};

struct agent {
	const char *ip;
	struct obj mib[MAX_OBJ];
	bool wrong_community, probe_only, bcast, relay, dead;
	int fd;
	struct event *ev;
	struct gw_oid sorted[MAX_OBJ];
	unsigned n;
	unsigned order[MAX_OBJ];
	struct gw_oid asked[MAX_ASKED];
	unsigned n_asked, requests;
};

#define EPSON_ID "MFG:EPSON;CMD:ESCPL2,BDC,ESCPR1;MDL:WF-TEST;CLS:PRINTER;"
#define PWG_ID "MFG:EPSON;CMD:ESCPR1;MDL:ET-TEST;"
#define ODD_ID "\x00\x40MFG:EPSON;MDL:PX-\xe6\x97\xa5\xff;SN:SNFROM1284;"

static struct agent agents[] = {
	{.ip = "127.0.0.2", .bcast = true, .mib = {
		{"1.3.6.1.2.1.1.2.0", GW_BER_OID, "1.3.6.1.4.1.1248.1.1.2.1.3.5.69.69.80.83.50"},
		{"1.3.6.1.2.1.2.2.1.6.1", GW_BER_OCTETS, "\x02\xec\x00\x00\x00\x02", 6},
		{"1.3.6.1.2.1.43.5.1.1.17.1", GW_BER_OCTETS, "X3B0000002\0\0", 12},
		{"1.3.6.1.2.1.43.11.1.1.9.1.1", GW_BER_INT, "55"},
		{"1.3.6.1.4.1.1248.1.2.2.1.1.1.1.1", GW_BER_OCTETS, EPSON_ID},
		{"1.3.6.1.4.1.1248.1.2.2.1.1.1.4.1", GW_BER_OCTETS, "@BDC ST2\r\n\x03\x00\x01\x01\x04", 15},
		{"1.3.6.1.4.1.2699.1.2.1.2.1.1.3.1", GW_BER_OCTETS, EPSON_ID}}},
	{.ip = "127.0.0.3", .mib = {                     /* a laser: no 1284 id */
		{"1.3.6.1.2.1.1.1.0", GW_BER_OCTETS, "HP ETHERNET MULTI-ENVIRONMENT,SN:PHB0000003"},
		{"1.3.6.1.2.1.1.2.0", GW_BER_OID, "1.3.6.1.4.1.11.2.3.9.1"},
		{"1.3.6.1.2.1.2.2.1.6.1", GW_BER_OCTETS, "", 0},      /* loopback */
		{"1.3.6.1.2.1.2.2.1.6.2", GW_BER_OCTETS, "\x02\xec\x00\x00\x00\x03", 6},
		{"1.3.6.1.2.1.2.2.1.7.1", GW_BER_INT, "1"},
		{"1.3.6.1.2.1.43.5.1.1.17.1", GW_BER_OCTETS, "PHB0000003"},
		{"1.3.6.1.4.1.2699.1.1.1.3.1.1.9.1.101", GW_BER_OCTETS, "owner-secret"}}},
	{.ip = "127.0.0.4", .mib = {                     /* a projector */
		{"1.3.6.1.2.1.1.2.0", GW_BER_OID, "1.3.6.1.4.1.1248.4.1"},
		{"1.3.6.1.2.1.2.2.1.6.1", GW_BER_OCTETS, "\x02\xec\x00\x00\x00\x04", 6},
		{"1.3.6.1.4.1.1248.4.1.1.1.1.0", GW_BER_INT, "4242"}}},
	{.ip = "127.0.0.5", .dead = true},
	{.ip = "127.0.0.6", .wrong_community = true, .mib = {
		{"1.3.6.1.4.1.1248.1.2.2.1.1.1.1.1", GW_BER_OCTETS, EPSON_ID}}},
	{.ip = "127.0.0.7", .bcast = true, .mib = {      /* the PWG column only */
		{"1.3.6.1.2.1.1.2.0", GW_BER_OID, "1.3.6.1.4.1.1248.1.1.2.1.3.5.69.69.80.83.50"},
		{"1.3.6.1.2.1.2.2.1.6.1", GW_BER_OCTETS, "\x02\xec\x00\x00\x00\x07", 6},
		{"1.3.6.1.2.1.43.5.1.1.17.1", GW_BER_OCTETS, "X3B0000007"},
		{"1.3.6.1.4.1.2699.1.2.1.2.1.1.3.1", GW_BER_OCTETS, PWG_ID}}},
	{.ip = "127.0.0.8", .bcast = true, .mib = {      /* no serial object: the id's SN */
		{"1.3.6.1.2.1.1.2.0", GW_BER_OID, "1.3.6.1.4.1.1248.1.1.2.1.3.5.69.69.80.83.50"},
		{"1.3.6.1.2.1.2.2.1.6.1", GW_BER_OCTETS, "0:15:99:7d:b1:6a", 16},
		{"1.3.6.1.4.1.1248.1.2.2.1.1.1.1.1", GW_BER_OCTETS, ODD_ID, sizeof(ODD_ID) - 1}}},
	{.ip = "127.0.0.9", .relay = true},              /* the "broadcast address" */
	{.ip = "127.0.0.11", .probe_only = true, .mib = {
		{"1.3.6.1.4.1.1248.1.2.2.1.1.1.1.1", GW_BER_OCTETS, EPSON_ID}}},
	{.ip = "127.0.0.12", .mib = {                    /* a router: SNMP, no printer */
		{"1.3.6.1.2.1.1.1.0", GW_BER_OCTETS, "Cisco IOS Software, C2900 Software"},
		{"1.3.6.1.2.1.1.2.0", GW_BER_OID, "1.3.6.1.4.1.9.1.1041"},
		{"1.3.6.1.2.1.2.2.1.6.1", GW_BER_OCTETS, "\x02\xec\x00\x00\x00\x0c", 6},
		{"1.3.6.1.2.1.25.3.2.1.2.1", GW_BER_OID, "1.3.6.1.2.1.25.3.1.3"}}},
	{.ip = "127.0.0.13", .mib = {                    /* hrDeviceType printer only */
		{"1.3.6.1.2.1.1.2.0", GW_BER_OID, "1.3.6.1.4.1.99999.1"},
		{"1.3.6.1.2.1.2.2.1.6.1", GW_BER_OCTETS, "\x02\xec\x00\x00\x00\x0d", 6},
		{"1.3.6.1.2.1.25.3.2.1.2.1", GW_BER_OID, "1.3.6.1.2.1.25.3.1.5"}}},
};

#define N_AGENTS (sizeof(agents) / sizeof(agents[0]))

static uint16_t port;
static int spoof_fd;
static struct event_base *base;

static struct agent *agent_at(const char *ip)
{
	for (unsigned i = 0; i < N_AGENTS; i++)
		if (strcmp(agents[i].ip, ip) == 0)
			return &agents[i];
	return NULL;
}

/* ---- the agents ---- */

static void put_value(struct gw_ber_wr *w, const struct obj *o)
{
	struct gw_oid v;

	switch (o->type) {
	case GW_BER_OID:
		gw_oid_parse(o->val, &v);
		gw_ber_put_oid(w, &v);
		break;
	case GW_BER_INT:
		gw_ber_put_int(w, GW_BER_INT, atoll(o->val));
		break;
	default:
		gw_ber_put_octets(w, GW_BER_OCTETS, o->val, o->len ? o->len : strlen(o->val));
	}
}

/* The answer of agent a to message m, into out; returns its length. */
static size_t answer(struct agent *a, const struct gw_snmp_msg *m, uint8_t *out, size_t cap)
{
	uint8_t vbl[4096];
	struct gw_ber_wr wv, w;
	int err = 0, eidx = 0;
	int found[GW_SNMP_MAX_VB];
	struct gw_oid asked[GW_SNMP_MAX_VB];
	size_t mark;
	unsigned n = m->pdu.n_vb < 16 ? m->pdu.n_vb : 16;
	const char *comm = a->wrong_community ? "private" : "public";

	for (unsigned i = 0; i < n; i++) {
		gw_snmp_vb_oid(&m->pdu.vb[i], &asked[i]);
		found[i] = -1;
		if (a->n_asked < MAX_ASKED)
			a->asked[a->n_asked++] = asked[i];
		for (unsigned k = 0; k < a->n; k++) {
			int c = gw_oid_cmpo(&a->sorted[k], &asked[i]);

			if ((m->pdu.type == GW_PDU_GET && c == 0) ||
			    (m->pdu.type == GW_PDU_GETNEXT && c > 0)) {
				found[i] = (int)k;
				break;
			}
		}
		if (found[i] < 0 && m->version == GW_SNMP_WIRE_V1 && !err) {
			err = GW_SNMP_NO_SUCH_NAME;
			eidx = (int)i + 1;
		}
	}
	gw_ber_wr_init(&wv, vbl, sizeof(vbl));
	mark = gw_ber_mark(&wv);
	for (unsigned i = n; !err && i-- > 0;) {
		size_t vm = gw_ber_mark(&wv);

		if (found[i] < 0) {
			gw_ber_put_hdr(&wv, m->pdu.type == GW_PDU_GET ? GW_BER_NOSUCHOBJECT
								     : GW_BER_ENDOFMIBVIEW, 0);
			gw_ber_put_oid(&wv, &asked[i]);
		} else {
			put_value(&wv, &a->mib[a->order[found[i]]]);
			gw_ber_put_oid(&wv, &a->sorted[found[i]]);
		}
		gw_ber_close(&wv, GW_BER_SEQ, vm);
	}
	if (err) {
		/* v1 errors carry the request's varbinds back */
		gw_ber_wr_init(&wv, vbl, sizeof(vbl));
		mark = gw_ber_mark(&wv);
		for (unsigned i = n; i-- > 0;) {
			size_t vm = gw_ber_mark(&wv);

			gw_ber_put_null(&wv);
			gw_ber_put_oid(&wv, &asked[i]);
			gw_ber_close(&wv, GW_BER_SEQ, vm);
		}
	}
	gw_ber_close(&wv, GW_BER_SEQ, mark);
	gw_ber_wr_init(&w, out, cap);
	gw_snmp_put_pdu(&w, GW_PDU_RESPONSE, m->pdu.reqid, err, eidx, gw_ber_wr_data(&wv), wv.len);
	gw_snmp_put_community_msg(&w, m->version, comm, strlen(comm), 0);
	memmove(out, gw_ber_wr_data(&w), w.len);
	return w.len;
}

struct late {
	struct event *ev;
	struct sockaddr_in to;
	size_t len;
	uint8_t buf[2048];
	int fd;
};

static void send_late(evutil_socket_t fd, short what, void *arg)
{
	struct late *l = arg;

	(void)fd;
	(void)what;
	sendto(l->fd, l->buf, l->len, 0, (struct sockaddr *)&l->to, sizeof(l->to));
	event_free(l->ev);
	free(l);
}

static void on_datagram(evutil_socket_t fd, short what, void *arg)
{
	struct agent *a = arg;
	uint8_t in[4096], out[4096];
	struct sockaddr_in from;
	socklen_t fl = sizeof(from);
	ssize_t n = recvfrom(fd, in, sizeof(in), 0, (struct sockaddr *)&from, &fl);
	struct gw_snmp_msg *m;
	size_t len;

	(void)what;
	if (n <= 0)
		return;
	m = calloc(1, sizeof(*m));
	if (gw_snmp_msg_decode(in, (size_t)n, m) < 0)
		goto out;
	a->requests++;
	if (a->relay) {
		struct late *l = calloc(1, sizeof(*l));
		struct timeval tv = {0, 900 * 1000};
		bool first = true;

		/* every agent that listens to broadcasts answers, from its own address */
		for (unsigned i = 0; i < N_AGENTS; i++) {
			if (!agents[i].bcast)
				continue;
			len = answer(&agents[i], m, out, sizeof(out));
			if (first) {
				/* the same answer from a port that is not the agents' */
				sendto(spoof_fd, out, len, 0, (struct sockaddr *)&from, fl);
				/* and once more when the broadcast is long closed */
				memcpy(l->buf, out, len);
				l->len = len;
				l->fd = agents[i].fd;
				first = false;
			}
			sendto(agents[i].fd, out, len, 0, (struct sockaddr *)&from, fl);
		}
		l->to = from;
		l->ev = evtimer_new(base, send_late, l);
		evtimer_add(l->ev, &tv);
		goto out;
	}
	if (a->probe_only && m->pdu.type == GW_PDU_GET)
		goto out;
	if (a->probe_only && m->pdu.n_vb != 2)
		goto out;            /* the ifPhysAddress walk: no answer either */
	len = answer(a, m, out, sizeof(out));
	sendto(fd, out, len, 0, (struct sockaddr *)&from, fl);
out:
	free(m);
}

static int bind_at(const char *ip, uint16_t p)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(p)};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);

	inet_pton(AF_INET, ip, &sa.sin_addr);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static int agents_up(void **state)
{
	(void)state;
	base = event_base_new();
	for (int attempt = 0; attempt < 20; attempt++) {
		struct sockaddr_in sa;
		socklen_t l = sizeof(sa);
		unsigned ok = 0;

		agents[0].fd = bind_at(agents[0].ip, 0);
		getsockname(agents[0].fd, (struct sockaddr *)&sa, &l);
		port = ntohs(sa.sin_port);
		ok = 1;
		for (unsigned i = 1; i < N_AGENTS; i++) {
			agents[i].fd = agents[i].dead ? -1 : bind_at(agents[i].ip, port);
			ok += agents[i].dead || agents[i].fd >= 0;
		}
		if (ok == N_AGENTS)
			break;
		for (unsigned i = 0; i < N_AGENTS; i++)
			if (agents[i].fd >= 0)
				close(agents[i].fd);
	}
	for (unsigned i = 0; i < N_AGENTS; i++) {
		struct agent *a = &agents[i];

		if (a->fd < 0)
			continue;
		for (a->n = 0; a->n < MAX_OBJ && a->mib[a->n].oid; a->n++)
			;
		/* sorted by OID, as an agent walks */
		for (unsigned k = 0; k < a->n; k++) {
			a->order[k] = k;
			gw_oid_parse(a->mib[k].oid, &a->sorted[k]);
		}
		for (unsigned x = 0; x < a->n; x++)
			for (unsigned y = x + 1; y < a->n; y++)
				if (gw_oid_cmpo(&a->sorted[y], &a->sorted[x]) < 0) {
					struct gw_oid t = a->sorted[x];
					unsigned o = a->order[x];

					a->sorted[x] = a->sorted[y];
					a->order[x] = a->order[y];
					a->sorted[y] = t;
					a->order[y] = o;
				}
		a->ev = event_new(base, a->fd, EV_READ | EV_PERSIST, on_datagram, a);
		event_add(a->ev, NULL);
	}
	spoof_fd = bind_at("127.0.0.10", 0);
	return spoof_fd >= 0 ? 0 : -1;
}

static int agents_down(void **state)
{
	(void)state;
	for (unsigned i = 0; i < N_AGENTS; i++) {
		if (agents[i].ev)
			event_free(agents[i].ev);
		if (agents[i].fd >= 0)
			close(agents[i].fd);
	}
	close(spoof_fd);
	event_base_free(base);
	return 0;
}

static void forget_asked(void)
{
	for (unsigned i = 0; i < N_AGENTS; i++)
		agents[i].n_asked = agents[i].requests = 0;
}

/* ---- the core's side, faked ---- */

static struct {
	bool in_step;
	unsigned n_found, n_done, found_in_step;
	int status;
	struct gw_candidate_info found[16];
} core;

static void fake_found(struct gw_discovery *d, const struct gw_candidate_info *info)
{
	(void)d;
	if (core.in_step)
		core.found_in_step++;
	if (core.n_found < 16)
		core.found[core.n_found] = *info;
	core.n_found++;
}

static void fake_done(struct gw_discovery *d, int status)
{
	(void)d;
	core.n_done++;
	core.status = status;
}

static const struct gw_snmp_disc_ops ops = {fake_found, fake_done};

static int step(struct gw_snmp_disc *x, struct gw_discovery *d, enum gw_discovery_step s)
{
	int rc;

	d->step = s;
	core.in_step = true;
	rc = gw_snmp_disc_step(x, d);
	core.in_step = false;
	return rc;
}

static void loop_ms(int ms)
{
	struct timeval tv = {ms / 1000, (ms % 1000) * 1000};

	event_base_loopexit(base, &tv);
	event_base_dispatch(base);
}

static struct sockaddr_in addr(const char *ip)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};

	inet_pton(AF_INET, ip, &a.sin_addr);
	return a;
}

static const struct gw_candidate_info *reported_at(const char *ip)
{
	for (unsigned i = 0; i < core.n_found && i < 16; i++) {
		char s[INET_ADDRSTRLEN];

		inet_ntop(AF_INET, &((const struct sockaddr_in *)&core.found[i].addr)->sin_addr, s,
			  sizeof(s));
		if (strcmp(s, ip) == 0)
			return &core.found[i];
	}
	return NULL;
}

/* A printer reported at ip (what becomes a candidate). */
static const struct gw_candidate_info *found_at(const char *ip)
{
	const struct gw_candidate_info *c = reported_at(ip);

	return c && !c->not_printer ? c : NULL;
}

/* Reported at ip as answering but not a printer (the core counts it as ignored). */
static bool ignored_at(const char *ip)
{
	const struct gw_candidate_info *c = reported_at(ip);

	return c && c->not_printer && c->sources == GW_SRC_SNMP && !c->model[0] &&
	       !c->serial[0];
}

/* Everything an agent was asked is identification: the objects discovery may read. */
static void assert_identification_only(const struct agent *a)
{
	static const char *const allowed[] = {
		"1.3.6.1.4.1.1248.1.2.2.1.1.1.1", "1.3.6.1.4.1.2699.1.2.1.2.1.1.3",
		"1.3.6.1.2.1.43.5.1.1.17.1", "1.3.6.1.2.1.1.2.0", "1.3.6.1.2.1.25.3.2.1.2.1",
	};
	struct gw_oid phys;

	gw_oid_parse("1.3.6.1.2.1.2.2.1.6", &phys);
	for (unsigned i = 0; i < a->n_asked; i++) {
		bool ok = gw_oid_has_prefix(a->asked[i].a, a->asked[i].n, phys.a, phys.n);
		char s[256];

		for (unsigned k = 0; k < sizeof(allowed) / sizeof(allowed[0]) && !ok; k++) {
			struct gw_oid o;

			gw_oid_parse(allowed[k], &o);
			ok = gw_oid_cmpo(&o, &a->asked[i]) == 0;
		}
		if (!ok)
			fail_msg("%s was asked for %s", a->ip,
				 gw_oid_format(a->asked[i].a, a->asked[i].n, s, sizeof(s)));
	}
}

static struct gw_credentials v2c = {.name = "t", .version = GW_SNMP_V2C, .community = "public"};
static struct gw_credentials v1 = {.name = "t", .version = GW_SNMP_V1, .community = "public"};

static void test_probe_and_broadcast(void **state)
{
	struct gw_snmp_disc *x = gw_snmp_disc_new(base, 2, &ops);
	struct sockaddr_in targets[8] = {addr("127.0.0.2"), addr("127.0.0.3"), addr("127.0.0.4"),
					 addr("127.0.0.5"), addr("127.0.0.6"), addr("127.0.0.8"),
					 addr("127.0.0.12"), addr("127.0.0.13")};
	struct sockaddr_in bc = addr("127.0.0.9");
	struct gw_discovery d = {.run = 1, .port = port, .cred = &v2c, .timeout_ms = 600};
	struct gw_discovery other = d;
	struct gw_snmp_disc_stats st;
	const struct gw_candidate_info *c;

	(void)state;
	memset(&core, 0, sizeof(core));
	forget_asked();
	assert_non_null(x);
	assert_int_equal(step(x, &d, GW_DISC_BEGIN), 0);
	assert_int_equal(step(x, &other, GW_DISC_BEGIN), -EBUSY);
	assert_int_equal(step(x, &other, GW_DISC_PROBE), -ENOENT);
	d.targets = targets;
	d.n_targets = 8;
	assert_int_equal(step(x, &d, GW_DISC_PROBE), 0);
	d.targets = NULL;
	d.n_targets = 0;
	loop_ms(100);
	d.bcast = &bc;
	d.n_bcast = 1;
	assert_int_equal(step(x, &d, GW_DISC_BROADCAST), 0);
	/* the broadcast closes 600 ms later, its late answer comes 900 ms later */
	loop_ms(1200);
	assert_int_equal(core.n_done, 0);
	assert_int_equal(step(x, &d, GW_DISC_END), 0);
	loop_ms(800);
	assert_int_equal(core.n_done, 1);
	assert_int_equal(core.status, 0);
	assert_int_equal(core.found_in_step, 0);

	/*
	 * five printers; the projector and the router answered but are not
	 * printers; the dead address and the stranger are not reported at all
	 */
	assert_int_equal(core.n_found, 7);
	c = found_at("127.0.0.2");
	assert_non_null(c);
	assert_string_equal(c->manufacturer, "EPSON");
	assert_string_equal(c->model, "WF-TEST");
	assert_string_equal(c->serial, "X3B0000002");
	assert_string_equal(c->mac, "02:ec:00:00:00:02");
	assert_false(c->details_unknown);
	assert_int_equal(c->sources, GW_SRC_SNMP);
	assert_int_equal(ntohs(((const struct sockaddr_in *)&c->addr)->sin_port), port);
	c = found_at("127.0.0.3");
	assert_non_null(c);
	assert_string_equal(c->manufacturer, "HP");     /* from sysObjectID */
	assert_string_equal(c->model, "");
	assert_string_equal(c->serial, "PHB0000003");
	assert_string_equal(c->mac, "02:ec:00:00:00:03"); /* past the loopback row */
	assert_true(c->details_unknown);
	c = found_at("127.0.0.7");                       /* by the broadcast only */
	assert_non_null(c);
	assert_string_equal(c->model, "ET-TEST");
	assert_string_equal(c->serial, "X3B0000007");
	c = found_at("127.0.0.8");                       /* broadcast and probe: once */
	assert_non_null(c);
	assert_string_equal(c->model, "PX-??");
	assert_string_equal(c->serial, "SNFROM1284");
	assert_string_equal(c->mac, "00:15:99:7d:b1:6a");
	c = found_at("127.0.0.13");                      /* hrDeviceType printer */
	assert_non_null(c);
	assert_string_equal(c->mac, "02:ec:00:00:00:0d");
	assert_true(c->details_unknown);
	assert_null(found_at("127.0.0.4"));
	assert_true(ignored_at("127.0.0.4"));           /* the projector */
	assert_null(found_at("127.0.0.12"));
	assert_true(ignored_at("127.0.0.12"));          /* the router */
	assert_null(reported_at("127.0.0.5"));
	assert_null(reported_at("127.0.0.6"));
	c = reported_at("127.0.0.11");                   /* never probed */
	assert_null(c);

	gw_snmp_disc_stats(x, &st);
	assert_int_equal(st.runs, 1);
	assert_int_equal(st.probes, 8);
	assert_int_equal(st.broadcasts, 1);
	assert_int_equal(st.broadcast_answers, 3);
	assert_int_equal(st.identified, 5);
	assert_int_equal(st.not_printers, 2);
	assert_int_equal(st.duplicates, 2);              /* .2 and .8: probed, then broadcast */
	assert_int_equal(st.spoofed, 1);
	assert_int_equal(st.late, 1);
	assert_true(st.mismatch >= 1);                   /* the other community */
	assert_int_equal(st.cut_at_end, 0);
	for (unsigned i = 0; i < N_AGENTS; i++)
		assert_identification_only(&agents[i]);
	/* the supplies and status objects were there, and never asked */
	assert_true(agents[0].requests > 0);
	gw_snmp_disc_free(x);
}

static void test_snmp_v1(void **state)
{
	struct gw_snmp_disc *x = gw_snmp_disc_new(base, 2, &ops);
	struct sockaddr_in targets[5] = {addr("127.0.0.2"), addr("127.0.0.3"), addr("127.0.0.4"),
					 addr("127.0.0.12"), addr("127.0.0.13")};
	struct gw_discovery d = {.run = 2, .port = port, .cred = &v1, .timeout_ms = 500,
				 .targets = targets, .n_targets = 5};
	struct gw_snmp_disc_stats st;
	const struct gw_candidate_info *c;

	(void)state;
	memset(&core, 0, sizeof(core));
	forget_asked();
	assert_int_equal(step(x, &d, GW_DISC_BEGIN), 0);
	assert_int_equal(step(x, &d, GW_DISC_PROBE), 0);
	assert_int_equal(step(x, &d, GW_DISC_END), 0);
	loop_ms(1500);
	assert_int_equal(core.n_done, 1);
	assert_int_equal(core.n_found, 5);
	c = found_at("127.0.0.2");
	assert_non_null(c);
	assert_string_equal(c->model, "WF-TEST");
	assert_string_equal(c->serial, "X3B0000002");
	c = found_at("127.0.0.3");
	assert_non_null(c);
	assert_string_equal(c->serial, "PHB0000003");
	assert_string_equal(c->mac, "02:ec:00:00:00:03");
	/* hrDeviceType.1 read after SNMPv1 refused the serial */
	c = found_at("127.0.0.13");
	assert_non_null(c);
	assert_string_equal(c->mac, "02:ec:00:00:00:0d");
	assert_true(ignored_at("127.0.0.4"));
	assert_true(ignored_at("127.0.0.12"));
	gw_snmp_disc_stats(x, &st);
	assert_int_equal(st.not_printers, 2);
	for (unsigned i = 0; i < N_AGENTS; i++)
		assert_identification_only(&agents[i]);
	/*
	 * the projector's GET was refused for the serial, then for hrDeviceType,
	 * and asked again without each: probe, three GETs, the MAC
	 */
	assert_true(agent_at("127.0.0.4")->requests >= 5);
	gw_snmp_disc_free(x);
}

static void test_end_cuts_and_cancel(void **state)
{
	struct gw_snmp_disc *x = gw_snmp_disc_new(base, 2, &ops);
	struct sockaddr_in targets[2] = {addr("127.0.0.11"), addr("127.0.0.2")};
	struct gw_discovery d = {.run = 3, .port = port, .cred = &v2c, .timeout_ms = 3000,
				 .targets = targets, .n_targets = 2};
	struct gw_snmp_disc_stats st;
	const struct gw_candidate_info *c;
	int64_t t0;

	(void)state;
	memset(&core, 0, sizeof(core));
	assert_int_equal(step(x, &d, GW_DISC_BEGIN), 0);
	assert_int_equal(step(x, &d, GW_DISC_PROBE), 0);
	loop_ms(200);
	/* .11 answered the probe but nothing after it: END gives it 300 ms */
	d.timeout_ms = 300;
	t0 = gw_clock_mono_ms();
	assert_int_equal(step(x, &d, GW_DISC_END), 0);
	while (!core.n_done && gw_clock_mono_ms() - t0 < 3000)
		loop_ms(50);
	assert_int_equal(core.n_done, 1);
	assert_true(gw_clock_mono_ms() - t0 < 1000);
	c = found_at("127.0.0.11");
	assert_non_null(c);                               /* as far as it got */
	assert_string_equal(c->model, "WF-TEST");
	assert_string_equal(c->serial, "");
	assert_non_null(found_at("127.0.0.2"));
	gw_snmp_disc_stats(x, &st);
	assert_int_equal(st.cut_at_end, 1);

	/* cancelled: neither found nor done follows, and the next run may begin */
	memset(&core, 0, sizeof(core));
	d.run = 4;
	d.timeout_ms = 500;
	assert_int_equal(step(x, &d, GW_DISC_BEGIN), 0);
	assert_int_equal(step(x, &d, GW_DISC_PROBE), 0);
	assert_int_equal(step(x, &d, GW_DISC_CANCEL), 0);
	loop_ms(700);
	assert_int_equal(core.n_found, 0);
	assert_int_equal(core.n_done, 0);
	assert_int_equal(step(x, &d, GW_DISC_END), -ENOENT);
	/* nothing to wait for: done comes at once, from the loop */
	assert_int_equal(step(x, &d, GW_DISC_BEGIN), 0);
	assert_int_equal(step(x, &d, GW_DISC_END), 0);
	assert_int_equal(core.n_done, 0);
	loop_ms(500);
	assert_int_equal(core.n_done, 1);
	/* v3 credentials take no part */
	struct gw_credentials v3 = {.name = "t", .version = GW_SNMP_V3, .user = "u"};
	d.cred = &v3;
	assert_int_equal(step(x, &d, GW_DISC_BEGIN), -EINVAL);
	/* freed in the middle of a run */
	d.cred = &v2c;
	assert_int_equal(step(x, &d, GW_DISC_BEGIN), 0);
	assert_int_equal(step(x, &d, GW_DISC_PROBE), 0);
	gw_snmp_disc_free(x);
	loop_ms(300);
	assert_int_equal(core.n_done, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_probe_and_broadcast),
		cmocka_unit_test(test_snmp_v1),
		cmocka_unit_test(test_end_cuts_and_cancel),
	};

	return cmocka_run_group_tests(tests, agents_up, agents_down);
}
