/*
 * bench-exchanges: the gateway's SNMP engine (plugins/snmp/client.c) under
 * the fixed workloads of the engine benchmarks, the same ones
 * bench-netsnmp-async does (tests/bench/peers):
 *
 *   get10   one GET of the ten objects of tests/bench/peers/oids_get10.h
 *   bulk10  one GETBULK, non-repeaters 0, max-repetitions 10, from
 *           prtMarkerSuppliesEntry
 *
 * --window requests stay in flight over --count targets (consecutive
 * addresses from --base, one engine session per target, round robin), the
 * way the daemon uses the engine: one UDP socket for every device. It runs
 * for --duration seconds (or --exchanges answers), then prints one JSON line
 * with the same fields as bench-netsnmp-async: exchanges, varbinds, CPU
 * (getrusage(RUSAGE_SELF), user + system, every thread) and the responder's
 * CPU over the same interval (/proc/PID/stat).
 *
 * No retries: a request not answered within --timeout-ms counts as a
 * timeout, as in the net-snmp harness.
 */
#include "client.h"
#include "../peers/oids_get10.h"

#include <arpa/inet.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

struct target {
	struct sockaddr_in sa;
	struct gw_snmp_session *s;
	char name[24];
};

static struct {
	struct event_base *base;
	struct gw_snmp_client *c;
	struct gw_credentials cred;
	struct target *t;
	unsigned ntargets, cursor;
	struct gw_oid oids[10];
	unsigned n_oids;
	bool bulk, stopping;
	long window, inflight;
	uint64_t max_exchanges;
	uint64_t sent, exchanges, varbinds, timeouts, errors, exceptions, refused;
} B;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void self_cpu(double *user, double *sys)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	*user = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6;
	*sys = (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static double proc_cpu(int pid)
{
	char path[64], buf[4096], *p;
	unsigned long ut, st;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (pid <= 0 || !(f = fopen(path, "r")))
		return -1;
	if (!fgets(buf, sizeof(buf), f)) {
		fclose(f);
		return -1;
	}
	fclose(f);
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut,
			 &st) != 2)
		return -1;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static void send_some(void);

static void on_answer(void *arg, int status, const struct gw_snmp_pdu *pdu)
{
	(void)arg;
	B.inflight--;
	if (status == -ETIMEDOUT) {
		B.timeouts++;
	} else if (status < 0) {
		B.errors++;
	} else {
		B.exchanges++;
		if (pdu->err_status)
			B.errors++;
		B.varbinds += pdu->n_vb;
		for (unsigned i = 0; i < pdu->n_vb; i++)
			if (pdu->vb[i].type >= GW_BER_NOSUCHOBJECT &&
			    pdu->vb[i].type <= GW_BER_ENDOFMIBVIEW)
				B.exceptions++;
	}
	if (B.max_exchanges && B.exchanges + B.timeouts >= B.max_exchanges)
		B.stopping = true;
	if (B.stopping) {
		if (!B.inflight)
			event_base_loopbreak(B.base);
		return;
	}
	send_some();
}

static void send_some(void)
{
	while (!B.stopping && B.inflight < B.window &&
	       (!B.max_exchanges || B.sent < B.max_exchanges)) {
		struct target *t = &B.t[B.cursor];

		B.cursor = B.cursor + 1 < B.ntargets ? B.cursor + 1 : 0;
		if (gw_snmp_request(t->s, B.bulk ? GW_PDU_GETBULK : GW_PDU_GET, B.oids, B.n_oids,
				    0, B.bulk ? BENCH_BULK10_MAXREP : 0, on_answer, NULL) < 0) {
			B.refused++;
			if (B.refused > 1000) {
				fprintf(stderr, "the engine refuses requests\n");
				exit(1);
			}
			continue;
		}
		B.sent++;
		B.inflight++;
	}
}

static void on_stop(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	B.stopping = true;
	if (!B.inflight)
		event_base_loopbreak(B.base);
}

static void usage(FILE *o)
{
	fprintf(o,
		"usage: bench-exchanges [--mode get10|bulk10] [--window N] [--base ADDR] [--count N]\n"
		"         [--port N] [--community STR] [--duration S | --exchanges N]\n"
		"         [--timeout-ms N] [--per-device N] [--responder-pid PID] [--label STR]\n"
		"Targets must be in 127.0.0.0/8. Default: get10, window 256, 127.0.1.1 x 1000 on\n"
		"port 16161, 10 s, timeout 1000 ms. --duration is capped at 3600 s.\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"mode", 1, 0, 'm'},       {"window", 1, 0, 'w'},   {"base", 1, 0, 'b'},
		{"count", 1, 0, 'c'},      {"port", 1, 0, 'p'},     {"community", 1, 0, 'C'},
		{"duration", 1, 0, 'd'},   {"exchanges", 1, 0, 'n'}, {"timeout-ms", 1, 0, 't'},
		{"per-device", 1, 0, 'P'}, {"responder-pid", 1, 0, 'R'}, {"label", 1, 0, 'l'},
		{"help", 0, 0, 'h'},       {0, 0, 0, 0},
	};
	const char *label = "", *community = "public";
	struct in_addr base;
	double duration = 10, u0, s0, u1, s1, r0, r1, t0, t1;
	long count = 1000, port = 16161, tmo = 1000, per_device = 4;
	int responder = 0, c;

	B.window = 256;
	inet_pton(AF_INET, "127.0.1.1", &base);
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			if (strcmp(optarg, "get10") && strcmp(optarg, "bulk10")) {
				usage(stderr);
				return 2;
			}
			B.bulk = strcmp(optarg, "bulk10") == 0;
			break;
		case 'w': B.window = atol(optarg); break;
		case 'b':
			if (inet_pton(AF_INET, optarg, &base) != 1) {
				usage(stderr);
				return 2;
			}
			break;
		case 'c': count = atol(optarg); break;
		case 'p': port = atol(optarg); break;
		case 'C': community = optarg; break;
		case 'd': duration = atof(optarg); break;
		case 'n': B.max_exchanges = strtoull(optarg, NULL, 10); break;
		case 't': tmo = atol(optarg); break;
		case 'P': per_device = atol(optarg); break;
		case 'R': responder = atoi(optarg); break;
		case 'l': label = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	uint32_t first = ntohl(base.s_addr);
	if (B.window < 1 || B.window > 4096 || count < 1 || count > 5000000 || port < 1 ||
	    port > 65535 || duration <= 0 || duration > 3600 || tmo < 10 || per_device < 1 ||
	    per_device > 16 || (first >> 24) != 127 || ((first + (uint32_t)count - 1) >> 24) != 127) {
		fprintf(stderr, "bad arguments (targets must stay inside 127.0.0.0/8)\n");
		usage(stderr);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	B.base = event_base_new();
	B.c = gw_snmp_client_new(B.base, &(struct gw_snmp_client_opts){
		.window = (unsigned)B.window, .per_device = (unsigned)per_device});
	if (!B.base || !B.c)
		return 1;
	B.cred = (struct gw_credentials){.name = "bench", .version = GW_SNMP_V2C,
					 .community = community};
	B.ntargets = (unsigned)count;
	B.t = calloc(B.ntargets, sizeof(*B.t));
	if (!B.t)
		return 1;
	for (unsigned i = 0; i < B.ntargets; i++) {
		struct target *t = &B.t[i];

		t->sa = (struct sockaddr_in){.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
					     .sin_addr.s_addr = htonl(first + i)};
		snprintf(t->name, sizeof(t->name), "t%u", i);
		t->s = gw_snmp_session_new(B.c, &(struct gw_snmp_session_opts){
			.addr = (struct sockaddr *)&t->sa, .addrlen = sizeof(t->sa), .cred = &B.cred,
			.timeout_ms = tmo, .retries = 0, .name = t->name});
		if (!t->s) {
			fprintf(stderr, "session %u refused\n", i);
			return 1;
		}
	}
	if (B.bulk) {
		gw_oid_parse(BENCH_BULK10_OID, &B.oids[0]);
		B.n_oids = 1;
	} else {
		for (B.n_oids = 0; B.n_oids < 10; B.n_oids++)
			gw_oid_parse(bench_get10_oids[B.n_oids], &B.oids[B.n_oids]);
	}

	struct timeval tv = {(time_t)duration, (suseconds_t)((duration - (time_t)duration) * 1e6)};
	struct event *stop = evtimer_new(B.base, on_stop, NULL);
	evtimer_add(stop, &tv);
	r0 = responder ? proc_cpu(responder) : -1;
	t0 = now_s();
	self_cpu(&u0, &s0);
	send_some();
	event_base_dispatch(B.base);
	t1 = now_s();
	self_cpu(&u1, &s1);
	r1 = responder ? proc_cpu(responder) : -1;

	double wall = t1 - t0, user = u1 - u0, sys = s1 - s0, cpu = user + sys;
	double ex = (double)B.exchanges, vb = (double)B.varbinds;
	struct gw_snmp_stats st;

	gw_snmp_client_stats(B.c, &st);
	printf("{\"tool\":\"ecsp-gateway\",\"label\":\"%s\",\"mode\":\"%s\",\"sessions\":\"engine\","
	       "\"window\":%ld,\"targets\":%u,\"timeout_ms\":%ld,\"exchanges\":%" PRIu64
	       ",\"varbinds\":%" PRIu64 ",\"wall_s\":%.3f,\"user_s\":%.3f,\"sys_s\":%.3f,"
	       "\"cpu_s\":%.3f,\"cpu_pct\":%.1f,\"exchanges_per_s\":%.0f,\"varbinds_per_s\":%.0f,"
	       "\"cpu_us_per_exchange\":%.3f,\"cpu_us_per_varbind\":%.4f,\"timeouts\":%" PRIu64
	       ",\"error_status\":%" PRIu64 ",\"exceptions\":%" PRIu64 ",\"dropped\":%" PRIu64,
	       label, B.bulk ? "bulk10" : "get10", B.window, B.ntargets, tmo, B.exchanges,
	       B.varbinds, wall, user, sys, cpu, 100 * cpu / wall, ex / wall, vb / wall,
	       ex ? cpu * 1e6 / ex : 0, vb ? cpu * 1e6 / vb : 0, B.timeouts, B.errors,
	       B.exceptions,
	       st.dropped_unsolicited + st.dropped_spoofed + st.dropped_malformed +
		       st.dropped_mismatch);
	if (responder && r0 >= 0 && r1 >= 0)
		printf(",\"responder_cpu_s\":%.3f,\"responder_cpu_pct\":%.1f,"
		       "\"responder_cpu_us_per_exchange\":%.3f",
		       r1 - r0, 100 * (r1 - r0) / wall, ex ? (r1 - r0) * 1e6 / ex : 0);
	printf("}\n");
	event_free(stop);
	for (unsigned i = 0; i < B.ntargets; i++)
		gw_snmp_session_free(B.t[i].s);
	free(B.t);
	gw_snmp_client_free(B.c);
	event_base_free(B.base);
	return 0;
}
