/*
 * The gateway's SNMP engine (plugins/snmp/client.c) under a fixed load:
 * WINDOW requests kept in flight to one agent until EXCHANGES answers came.
 */
#include "client.h"
#include "bench_common.h"

#include <arpa/inet.h>
#include <unistd.h>

struct run {
	struct event_base *base;
	struct gw_snmp_session *s;
	struct gw_oid oids[10];
	unsigned n_oids;
	bool bulk;
	long sent, done, varbinds, errors, total;
};

static void ask(struct run *r);

static void on_answer(void *arg, int status, const struct gw_snmp_pdu *pdu)
{
	struct run *r = arg;

	r->done++;
	if (status < 0 || pdu->err_status)
		r->errors++;
	else
		r->varbinds += pdu->n_vb;
	if (r->done == r->total)
		event_base_loopbreak(r->base);
	else
		ask(r);
}

static void ask(struct run *r)
{
	if (r->sent >= r->total)
		return;
	r->sent++;
	if (gw_snmp_request(r->s, r->bulk ? GW_PDU_GETBULK : GW_PDU_GET, r->oids, r->n_oids, 0,
			    r->bulk ? BENCH_MAX_REP : 0, on_answer, r) < 0) {
		fprintf(stderr, "request refused\n");
		exit(1);
	}
}

int main(int argc, char **argv)
{
	struct bench_args a;
	struct run r = {0};
	struct gw_snmp_client_opts o;
	struct gw_snmp_client *c;
	struct sockaddr_in sa = {.sin_family = AF_INET};
	struct gw_credentials cred = {.name = "bench", .version = GW_SNMP_V2C};
	double t0, c0, a0;

	if (bench_parse(argc, argv, &a, "gateway") < 0)
		return 2;
	cred.community = a.community;
	r.base = event_base_new();
	o = (struct gw_snmp_client_opts){.window = (unsigned)a.window,
					  .per_device = (unsigned)a.window};
	c = gw_snmp_client_new(r.base, &o);
	sa.sin_port = htons((uint16_t)a.port);
	inet_pton(AF_INET, a.host, &sa.sin_addr);
	r.s = gw_snmp_session_new(c, &(struct gw_snmp_session_opts){
		.addr = (struct sockaddr *)&sa, .addrlen = sizeof(sa), .cred = &cred,
		.timeout_ms = 2000, .retries = 2, .name = "bench"});
	r.bulk = strcmp(a.workload, "bulk") == 0;
	if (r.bulk) {
		gw_oid_parse(bench_bulk_oid, &r.oids[0]);
		r.n_oids = 1;
	} else {
		for (r.n_oids = 0; r.n_oids < 10; r.n_oids++)
			gw_oid_parse(bench_get_oids[r.n_oids], &r.oids[r.n_oids]);
	}
	/* a warm-up exchange: sockets open, the agent's caches filled */
	r.total = 1;
	ask(&r);
	event_base_dispatch(r.base);
	r = (struct run){.base = r.base, .s = r.s, .bulk = r.bulk, .n_oids = r.n_oids,
			 .total = a.total};
	if (r.bulk)
		gw_oid_parse(bench_bulk_oid, &r.oids[0]);
	else
		for (unsigned i = 0; i < 10; i++)
			gw_oid_parse(bench_get_oids[i], &r.oids[i]);
	t0 = bench_now();
	bench_sys_at_start = -1;
	c0 = bench_cpu();
	a0 = bench_agent_cpu(a.pid);
	for (int i = 0; i < a.window; i++)
		ask(&r);
	event_base_dispatch(r.base);
	bench_report(&a, r.done, r.varbinds, r.errors, bench_now() - t0, bench_cpu() - c0,
		     bench_agent_cpu(a.pid) - a0);
	gw_snmp_session_free(r.s);
	gw_snmp_client_free(c);
	event_base_free(r.base);
	return r.errors ? 1 : 0;
}
