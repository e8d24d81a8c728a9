/*
 * The same load through net-snmp's own asynchronous API: one session
 * (snmp_sess_open), snmp_sess_async_send with a callback, and the select()
 * loop the library documents (snmp_sess_select_info, snmp_sess_read,
 * snmp_sess_timeout). WINDOW requests stay in flight until EXCHANGES answers.
 */
#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>

#include "bench_common.h"

#include <sys/select.h>

struct run {
	void *sess;
	oid oids[10][MAX_OID_LEN];
	size_t lens[10];
	unsigned n_oids;
	int bulk;
	long sent, done, varbinds, errors, total;
};

static struct run r;

static void ask(void);

static int on_answer(int op, netsnmp_session *s, int reqid, netsnmp_pdu *pdu, void *magic)
{
	(void)s;
	(void)reqid;
	(void)magic;
	r.done++;
	if (op != NETSNMP_CALLBACK_OP_RECEIVED_MESSAGE || pdu->errstat != SNMP_ERR_NOERROR) {
		r.errors++;
	} else {
		for (netsnmp_variable_list *v = pdu->variables; v; v = v->next_variable)
			r.varbinds++;
	}
	if (r.done < r.total)
		ask();
	return 1;
}

static void ask(void)
{
	netsnmp_pdu *pdu;

	if (r.sent >= r.total)
		return;
	r.sent++;
	pdu = snmp_pdu_create(r.bulk ? SNMP_MSG_GETBULK : SNMP_MSG_GET);
	if (r.bulk) {
		pdu->non_repeaters = 0;
		pdu->max_repetitions = BENCH_MAX_REP;
	}
	for (unsigned i = 0; i < r.n_oids; i++)
		snmp_add_null_var(pdu, r.oids[i], r.lens[i]);
	if (!snmp_sess_async_send(r.sess, pdu, on_answer, NULL)) {
		snmp_free_pdu(pdu);
		fprintf(stderr, "send failed\n");
		exit(1);
	}
}

static void loop(void)
{
	while (r.done < r.total) {
		int fds = 0, block = 1;
		fd_set fdset;
		struct timeval tv;

		FD_ZERO(&fdset);
		snmp_sess_select_info(r.sess, &fds, &fdset, &tv, &block);
		fds = select(fds, &fdset, NULL, NULL, block ? NULL : &tv);
		if (fds > 0)
			snmp_sess_read(r.sess, &fdset);
		else if (fds == 0)
			snmp_sess_timeout(r.sess);
	}
}

int main(int argc, char **argv)
{
	struct bench_args a;
	netsnmp_session s;
	char peer[128];
	double t0, c0, a0;

	if (bench_parse(argc, argv, &a, "net-snmp") < 0)
		return 2;
	setenv("MIBS", "", 1); /* no MIB parsing: numeric OIDs only */
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_PERSIST_STATE, 1);
	init_snmp("ecsp-bench");
	snmp_sess_init(&s);
	snprintf(peer, sizeof(peer), "udp:%s:%d", a.host, a.port);
	s.peername = peer;
	s.version = SNMP_VERSION_2c;
	s.community = (u_char *)strdup(a.community);
	s.community_len = strlen(a.community);
	s.timeout = 2000000;
	s.retries = 2;
	r.sess = snmp_sess_open(&s);
	if (!r.sess) {
		snmp_perror("snmp_sess_open");
		return 1;
	}
	r.bulk = strcmp(a.workload, "bulk") == 0;
	r.n_oids = r.bulk ? 1 : 10;
	for (unsigned i = 0; i < r.n_oids; i++) {
		r.lens[i] = MAX_OID_LEN;
		if (!read_objid(r.bulk ? bench_bulk_oid : bench_get_oids[i], r.oids[i], &r.lens[i])) {
			fprintf(stderr, "bad oid\n");
			return 1;
		}
	}
	r.total = 1; /* warm-up */
	ask();
	loop();
	r.sent = r.done = r.varbinds = r.errors = 0;
	r.total = a.total;
	t0 = bench_now();
	bench_sys_at_start = -1;
	c0 = bench_cpu();
	a0 = bench_agent_cpu(a.pid);
	for (int i = 0; i < a.window; i++)
		ask();
	loop();
	bench_report(&a, r.done, r.varbinds, r.errors, bench_now() - t0, bench_cpu() - c0,
		     bench_agent_cpu(a.pid) - a0);
	snmp_sess_close(r.sess);
	return r.errors ? 1 : 0;
}
