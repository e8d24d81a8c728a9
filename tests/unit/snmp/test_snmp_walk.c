/*
 * Walks of several tables in one chain of requests (walk.c) against a
 * scripted agent on the same loop: rows come back interleaved, columns end
 * at different rows, tooBig shrinks the requests, an agent that does not
 * advance in one column stops only that column, the size cap holds per
 * column, and SNMPv1's noSuchName ends the column it names.
 */
#include "client.h"
#include "walk.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

/* The agent's MIB: three columns of 5, 3 and 12 rows, then one scalar. */
#define COLS 3
static const unsigned rows[COLS] = {5, 3, 12};
#define TOTAL_ROWS (5 + 3 + 12)
#define MAX_OBJ 32

enum quirk {
	Q_NONE = 0,
	Q_TOO_BIG,     /* a GETBULK asking more than 6 varbinds is tooBig */
	Q_LOOP_COL2,   /* after 99.1.2.1 the agent answers 99.1.2.1 again */
	Q_BULK_ERR,    /* GETBULK is a genErr; GETNEXT works */
};

struct agent {
	int fd;
	uint16_t port;
	struct event *ev;
	enum quirk q;
	unsigned bulk, next, too_big, most_vb;
	struct gw_oid mib[MAX_OBJ];
	unsigned n_mib;
};

static void mib_init(struct agent *a)
{
	for (unsigned c = 0; c < COLS; c++)
		for (unsigned r = 1; r <= rows[c]; r++) {
			struct gw_oid *o = &a->mib[a->n_mib++];

			gw_oid_parse("1.3.6.1.2.1.99.1", o);
			o->a[o->n++] = c + 1;
			o->a[o->n++] = r;
		}
	gw_oid_parse("1.3.6.1.2.1.100.0", &a->mib[a->n_mib++]);
}

/* The object after o, or NULL at the end of the MIB. */
static const struct gw_oid *mib_next(const struct agent *a, const struct gw_oid *o)
{
	static struct gw_oid loop;

	if (a->q == Q_LOOP_COL2) {
		gw_oid_parse("1.3.6.1.2.1.99.1.2.1", &loop);
		if (gw_oid_cmpo(o, &loop) == 0)
			return &loop;
	}
	for (unsigned i = 0; i < a->n_mib; i++)
		if (gw_oid_cmpo(&a->mib[i], o) > 0)
			return &a->mib[i];
	return NULL;
}

static void put_vb(struct gw_ber_wr *w, const struct gw_oid *o, bool end)
{
	size_t m = gw_ber_mark(w);

	if (end)
		gw_ber_put_hdr(w, GW_BER_ENDOFMIBVIEW, 0);
	else
		gw_ber_put_int(w, GW_BER_INT, o->a[o->n - 1]);
	gw_ber_put_oid(w, o);
	gw_ber_close(w, GW_BER_SEQ, m);
}

static void on_request(evutil_socket_t fd, short what, void *arg)
{
	struct agent *a = arg;
	uint8_t in[4096], out[8192], vbl[8192];
	struct sockaddr_in from;
	socklen_t fl = sizeof(from);
	ssize_t n = recvfrom(fd, in, sizeof(in), 0, (struct sockaddr *)&from, &fl);
	struct gw_snmp_msg *m;
	struct gw_oid outs[256];
	bool ends[256];
	unsigned k = 0, reps;
	struct gw_ber_wr w, wv;
	size_t mark;
	int err = 0, eidx = 0;

	(void)what;
	if (n <= 0)
		return;
	m = calloc(1, sizeof(*m));
	if (gw_snmp_msg_decode(in, (size_t)n, m) < 0)
		goto out;
	reps = m->pdu.type == GW_PDU_GETBULK ? (unsigned)m->pdu.err_index : 1;
	if (m->pdu.type == GW_PDU_GETBULK)
		a->bulk++;
	else
		a->next++;
	if (m->pdu.type == GW_PDU_GETBULK && a->q == Q_TOO_BIG && m->pdu.n_vb * reps > 6) {
		err = GW_SNMP_TOO_BIG;
		a->too_big++;
	} else if (m->pdu.type == GW_PDU_GETBULK && a->q == Q_BULK_ERR) {
		err = GW_SNMP_GEN_ERR;
		eidx = 1;
	}
	/* GETBULK (no non-repeaters): row by row, every column in each row */
	for (unsigned r = 0; !err && r < reps; r++) {
		for (unsigned i = 0; !err && i < m->pdu.n_vb && k < 256; i++) {
			struct gw_oid o;
			const struct gw_oid *nx;

			if (r == 0)
				gw_snmp_vb_oid(&m->pdu.vb[i], &o);
			else
				o = outs[k - m->pdu.n_vb];
			nx = mib_next(a, &o);
			if (!nx && m->version == GW_SNMP_WIRE_V1) {
				err = GW_SNMP_NO_SUCH_NAME; /* v1: the end of the MIB view */
				eidx = (int)i + 1;
				break;
			}
			outs[k] = nx ? *nx : o;
			ends[k++] = !nx;
		}
	}
	gw_ber_wr_init(&wv, vbl, sizeof(vbl));
	mark = gw_ber_mark(&wv);
	if (!err) {
		for (unsigned i = k; i-- > 0;)
			put_vb(&wv, &outs[i], ends[i]);
		if (k > a->most_vb)
			a->most_vb = k;
	}
	gw_ber_close(&wv, GW_BER_SEQ, mark);
	gw_ber_wr_init(&w, out, sizeof(out));
	gw_snmp_put_pdu(&w, GW_PDU_RESPONSE, m->pdu.reqid, err, eidx, gw_ber_wr_data(&wv), wv.len);
	gw_snmp_put_community_msg(&w, m->version, m->community.p, m->community.n, 0);
	sendto(fd, gw_ber_wr_data(&w), w.len, 0, (struct sockaddr *)&from, fl);
out:
	free(m);
}

static struct agent *agent_new(struct event_base *base, enum quirk q)
{
	struct agent *a = calloc(1, sizeof(*a));
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t l = sizeof(sa);

	a->q = q;
	mib_init(a);
	a->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	assert_true(a->fd >= 0);
	assert_int_equal(bind(a->fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	getsockname(a->fd, (struct sockaddr *)&sa, &l);
	a->port = ntohs(sa.sin_port);
	a->ev = event_new(base, a->fd, EV_READ | EV_PERSIST, on_request, a);
	event_add(a->ev, NULL);
	return a;
}

static void agent_free(struct agent *a)
{
	event_free(a->ev);
	close(a->fd);
	free(a);
}

/* ---- the walk under test ---- */

struct got {
	struct event_base *base;
	bool done;
	int status;
	unsigned per_col[COLS + 1];   /* varbinds per column; [COLS]: the scalar */
	unsigned dup, out_of_order;   /* a row seen twice; a column's rows not ascending */
	uint32_t last_row[COLS + 1];
	unsigned order[64];           /* the column of each varbind, in the order seen */
	unsigned n;
};

static void on_vb(void *arg, const struct gw_oid *oid, const struct gw_snmp_vb *vb)
{
	struct got *g = arg;
	unsigned c = oid->a[6] == 100 ? COLS : oid->a[8] - 1;
	uint32_t r = oid->a[oid->n - 1];

	(void)vb;
	assert_true(c <= COLS);
	if (r == g->last_row[c])
		g->dup++;
	else if (r < g->last_row[c])
		g->out_of_order++;
	g->last_row[c] = r;
	g->per_col[c]++;
	if (g->n < 64)
		g->order[g->n++] = c;
}

static void on_done(void *arg, int status)
{
	struct got *g = arg;

	g->done = true;
	g->status = status;
	event_base_loopbreak(g->base);
}

static void run_walk(enum quirk q, enum gw_snmp_version v, const struct gw_walk_opts *o,
		     const char *const *roots, unsigned n_roots, struct got *g, struct agent **ap)
{
	static struct gw_credentials cred = {.name = "t", .community = "public"};
	struct event_base *base = event_base_new();
	struct gw_snmp_client *c = gw_snmp_client_new(base, NULL);
	struct agent *a = agent_new(base, q);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(a->port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	struct gw_snmp_session_opts so = {
		.addr = (struct sockaddr *)&sa, .addrlen = sizeof(sa), .cred = &cred,
		.timeout_ms = 500, .retries = 1, .name = "dev",
	};
	struct gw_oid r[8];
	struct gw_snmp_session *s;
	struct timeval tv = {5, 0};
	int err = 0;

	cred.version = v;
	s = gw_snmp_session_new(c, &so);
	assert_non_null(s);
	for (unsigned i = 0; i < n_roots; i++)
		assert_int_equal(gw_oid_parse(roots[i], &r[i]), 0);
	memset(g, 0, sizeof(*g));
	g->base = base;
	assert_non_null(gw_snmp_walk_start_multi(s, r, n_roots, o, on_vb, on_done, g, &err));
	event_base_loopexit(base, &tv);
	event_base_dispatch(base);
	assert_true(g->done);
	gw_snmp_session_free(s);
	gw_snmp_client_free(c);
	event_base_free(base);
	*ap = a; /* the caller reads its counters, then frees it */
}

static const char *const three[] = {"1.3.6.1.2.1.99.1.1", "1.3.6.1.2.1.99.1.2",
				    "1.3.6.1.2.1.99.1.3"};

static void test_interleaved_columns(void **state)
{
	struct gw_walk_opts o = {.max_rep = 4};
	struct agent *a;
	struct got g;

	(void)state;
	run_walk(Q_NONE, GW_SNMP_V2C, &o, three, COLS, &g, &a);
	assert_int_equal(g.status, 0);
	for (unsigned c = 0; c < COLS; c++)
		assert_int_equal(g.per_col[c], rows[c]);
	assert_int_equal(g.per_col[COLS], 0);    /* nothing past the subtrees */
	assert_int_equal(g.dup + g.out_of_order, 0);
	/* the first answer interleaves the columns row by row */
	assert_int_equal(g.order[0], 0);
	assert_int_equal(g.order[1], 1);
	assert_int_equal(g.order[2], 2);
	assert_int_equal(g.order[3], 0);
	/*
	 * 4 rows a column: the first answer ends column 2 (3 rows), the second
	 * column 1 (5 rows), the fourth column 3 (12 rows): 4 requests where
	 * three walks of their own would take 2 + 1 + 4.
	 */
	assert_int_equal(a->bulk, 4);
	assert_int_equal(a->next, 0);
	agent_free(a);
}

static void test_sized_by_bytes(void **state)
{
	struct gw_walk_opts o = {.max_rep = 2, .max_bytes = 1400};
	struct agent *a;
	struct got g;

	(void)state;
	run_walk(Q_NONE, GW_SNMP_V2C, &o, three, COLS, &g, &a);
	assert_int_equal(g.status, 0);
	for (unsigned c = 0; c < COLS; c++)
		assert_int_equal(g.per_col[c], rows[c]);
	/*
	 * The first request guesses 40 bytes a varbind (10 rows a column, not
	 * enough for the 12 of column 3); the second, knowing they are small,
	 * takes the rest at once. max_rep 2 alone would take 7.
	 */
	assert_int_equal(a->bulk, 2);
	assert_true(a->most_vb <= GW_SNMP_MAX_VB);
	agent_free(a);
}

static void test_too_big_shrinks(void **state)
{
	struct gw_walk_opts o = {.max_rep = 10};
	struct gw_walk_stats before, after;
	struct agent *a;
	struct got g;

	(void)state;
	gw_snmp_walk_stats(&before);
	run_walk(Q_TOO_BIG, GW_SNMP_V2C, &o, three, COLS, &g, &a);
	gw_snmp_walk_stats(&after);
	assert_int_equal(g.status, 0);
	for (unsigned c = 0; c < COLS; c++)
		assert_int_equal(g.per_col[c], rows[c]);
	assert_int_equal(g.dup + g.out_of_order, 0);
	assert_true(a->too_big >= 1);
	assert_true(a->most_vb <= 6);
	assert_int_equal(after.too_big - before.too_big, a->too_big);
	agent_free(a);
}

static void test_non_increasing_column(void **state)
{
	struct gw_walk_opts o = {.max_rep = 4};
	struct gw_walk_stats before, after;
	struct agent *a;
	struct got g;

	(void)state;
	gw_snmp_walk_stats(&before);
	run_walk(Q_LOOP_COL2, GW_SNMP_V2C, &o, three, COLS, &g, &a);
	gw_snmp_walk_stats(&after);
	assert_int_equal(g.status, 0);
	/* the looping column stops after its first row; the others go on */
	assert_int_equal(g.per_col[0], rows[0]);
	assert_int_equal(g.per_col[1], 1);
	assert_int_equal(g.per_col[2], rows[2]);
	assert_int_equal(g.dup, 0);
	assert_true(after.non_increasing > before.non_increasing);
	agent_free(a);
}

static void test_cap_per_column(void **state)
{
	struct gw_walk_opts o = {.max_vb = 4, .max_rep = 10};
	struct gw_walk_stats before, after;
	struct agent *a;
	struct got g;

	(void)state;
	gw_snmp_walk_stats(&before);
	run_walk(Q_NONE, GW_SNMP_V2C, &o, three, COLS, &g, &a);
	gw_snmp_walk_stats(&after);
	assert_int_equal(g.status, 0);
	assert_int_equal(g.per_col[0], 4);
	assert_int_equal(g.per_col[1], 3);
	assert_int_equal(g.per_col[2], 4);
	assert_int_equal(after.capped - before.capped, 2);
	agent_free(a);
}

static void test_v1_no_such_name_ends_one_column(void **state)
{
	static const char *const roots[] = {"1.3.6.1.2.1.99.1.3", "1.3.6.1.2.1.100"};
	struct gw_walk_opts o = {.max_rep = 10};
	struct agent *a;
	struct got g;

	(void)state;
	run_walk(Q_NONE, GW_SNMP_V1, &o, roots, 2, &g, &a);
	assert_int_equal(g.status, 0);
	/* the scalar's column hits the end of the MIB (noSuchName): column 3 goes on */
	assert_int_equal(g.per_col[2], rows[2]);
	assert_int_equal(g.per_col[COLS], 1);
	assert_int_equal(a->bulk, 0);
	assert_true(a->next >= (unsigned)rows[2]);
	agent_free(a);
}

static void test_bulk_error_falls_back(void **state)
{
	struct gw_walk_opts o = {.max_rep = 10, .max_bytes = 1400};
	struct agent *a;
	struct got g;

	(void)state;
	run_walk(Q_BULK_ERR, GW_SNMP_V2C, &o, three, COLS, &g, &a);
	assert_int_equal(g.status, 0);
	for (unsigned c = 0; c < COLS; c++)
		assert_int_equal(g.per_col[c], rows[c]);
	/* GETNEXT names every open column: as many requests as the longest column, plus its end */
	assert_int_equal(a->next, rows[2] + 1);
	agent_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_interleaved_columns),
		cmocka_unit_test(test_sized_by_bytes),
		cmocka_unit_test(test_too_big_shrinks),
		cmocka_unit_test(test_non_increasing_column),
		cmocka_unit_test(test_cap_per_column),
		cmocka_unit_test(test_v1_no_such_name_ends_one_column),
		cmocka_unit_test(test_bulk_error_falls_back),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
