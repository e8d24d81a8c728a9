/*
 * bench-netsnmp-async: the net-snmp side of the SNMP engine benchmarks.
 *
 * It does the fixed workloads (get10: one GET of the ten objects in
 * oids_get10.h; bulk10: one GETBULK, max-repetitions 10) with net-snmp's
 * traditional asynchronous API, keeping --window requests in flight over a
 * list of targets, and prints one JSON line with the exchanges done and the
 * CPU they cost (getrusage(RUSAGE_SELF): user + system, every thread).
 *
 * Two ways to use the API (--sessions):
 *
 *  shared      (the default, and the faster) one session, one socket, every
 *              target: each PDU carries its destination in
 *              pdu->transport_data (the field the library itself uses to
 *              address replies). Answers are matched by request id; the
 *              callback checks they came from the address asked, which
 *              net-snmp does not do.
 *  per-target  one snmp_sess_open() session, hence one UDP socket, per
 *              target: the usual pattern of net-snmp pollers. Readable
 *              sockets are found with epoll (select() and its fd_set stop at
 *              1024 descriptors); snmp_sess_timeout() runs on sessions with
 *              requests outstanding.
 *
 * Requests go out with snmp_sess_async_send(), answers come in through
 * snmp_sess_read2() and the callback.
 *
 * Both set the sockets non-blocking and read until the queue is empty on
 * each wakeup (snmp_sess_read2 reads one datagram per call). No retries: a
 * request that is not answered within --timeout-ms counts as a timeout.
 *
 * Build: see meson.build here, or
 *   cc -O2 -o bench-netsnmp-async netsnmp_async.c $(pkg-config --cflags --libs netsnmp)
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/library/large_fd_set.h>
#include <net-snmp/library/snmp_transport.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "oids_get10.h"

#define MAX_VB 64
#define MAX_WINDOW 65536

enum { MODE_GET10, MODE_BULK10 };

struct target {
	struct sockaddr_in sa;
	void *sess;     /* per-target mode */
	int fd;
	int inflight;
};

struct slot {
	uint64_t sent_ns;
	uint32_t target;
	int busy;
	int next_free;
};

static struct {
	int mode, window, maxrep, tmo_ms, shared, nvb_req;
	unsigned ntargets;
	struct target *t;
	struct slot *slots;
	int free_head, inflight;
	uint64_t sent, exchanges, varbinds, timeouts, errors, exceptions, short_answers,
		wrong_source, send_fail, lat_sum_ns;
	oid req_oids[MAX_VB][MAX_OID_LEN];
	size_t req_len[MAX_VB];
	void *shared_sess;
	int shared_fd;
} B;

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void self_cpu(double *user, double *sys)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	*user = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6;
	*sys = (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* utime + stime of another process, seconds; -1 when unreadable. */
static double proc_cpu(int pid)
{
	char path[64], buf[4096];
	unsigned long ut, st;
	snprintf(path, sizeof path, "/proc/%d/stat", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = 0;
	char *p = strrchr(buf, ')');
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
		return -1;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static int parse_oid(const char *s, oid *out, size_t *len)
{
	size_t n = 0;
	while (*s == ' ' || *s == '\t' || *s == '.')
		s++;
	while (*s && *s != ' ' && *s != '\t' && *s != '#' && *s != '\n' && *s != '\r') {
		char *end;
		unsigned long v = strtoul(s, &end, 10);
		if (end == s || n >= MAX_OID_LEN || v > 0xffffffffUL)
			return -1;
		out[n++] = (oid)v;
		s = end;
		if (*s == '.')
			s++;
	}
	*len = n;
	return n >= 2 ? 0 : -1;
}

static int add_oid(const char *s)
{
	if (B.nvb_req >= MAX_VB || parse_oid(s, B.req_oids[B.nvb_req], &B.req_len[B.nvb_req]) < 0)
		return -1;
	B.nvb_req++;
	return 0;
}

/* One OID per line; '#' starts a comment. */
static int read_oid_file(const char *path)
{
	char line[512];
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	B.nvb_req = 0;
	while (fgets(line, sizeof line, f)) {
		char *p = line;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '#' || *p == '\n' || *p == '\r' || !*p)
			continue;
		if (add_oid(p) < 0) {
			fclose(f);
			return -1;
		}
	}
	fclose(f);
	return B.nvb_req > 0 ? 0 : -1;
}

static int parse_addr(const char *s, int def_port, struct sockaddr_in *sa)
{
	char host[64];
	const char *colon = strchr(s, ':');
	size_t hl = colon ? (size_t)(colon - s) : strcspn(s, " \t\r\n#");
	if (hl == 0 || hl >= sizeof host)
		return -1;
	memcpy(host, s, hl);
	host[hl] = 0;
	memset(sa, 0, sizeof *sa);
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)(colon ? atoi(colon + 1) : def_port));
	if (inet_pton(AF_INET, host, &sa->sin_addr) != 1)
		return -1;
	/* benchmarks stay on the loopback network */
	if ((ntohl(sa->sin_addr.s_addr) >> 24) != 127)
		return -1;
	return 0;
}

static int read_targets(const char *path, int port)
{
	char line[256];
	unsigned cap = 1024;
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	B.t = calloc(cap, sizeof *B.t);
	while (B.t && fgets(line, sizeof line, f)) {
		char *p = line;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '#' || *p == '\n' || *p == '\r' || !*p)
			continue;
		if (B.ntargets == cap) {
			struct target *nt = realloc(B.t, 2 * cap * sizeof *B.t);
			if (!nt)
				break;
			memset(nt + cap, 0, cap * sizeof *nt);
			B.t = nt;
			cap *= 2;
		}
		if (parse_addr(p, port, &B.t[B.ntargets].sa) < 0) {
			fprintf(stderr, "bad target (must be in 127.0.0.0/8): %s", line);
			fclose(f);
			return -1;
		}
		B.ntargets++;
	}
	fclose(f);
	return B.t && B.ntargets ? 0 : -1;
}

static int response_cb(int op, netsnmp_session *sp, int reqid, netsnmp_pdu *pdu, void *magic)
{
	int s = (int)(intptr_t)magic;
	struct slot *sl = &B.slots[s];
	(void)sp;
	(void)reqid;
	if (!sl->busy)
		return 1;
	if (op == NETSNMP_CALLBACK_OP_RECEIVED_MESSAGE) {
		const struct target *t = &B.t[sl->target];
		const netsnmp_indexed_addr_pair *from = pdu->transport_data;
		unsigned n = 0;
		uint64_t sum = 0;

		if (!from || pdu->transport_data_length < (int)sizeof(struct sockaddr_in) ||
		    from->remote_addr.sin.sin_addr.s_addr != t->sa.sin_addr.s_addr ||
		    from->remote_addr.sin.sin_port != t->sa.sin_port)
			B.wrong_source++;
		if (pdu->errstat != SNMP_ERR_NOERROR)
			B.errors++;
		for (netsnmp_variable_list *v = pdu->variables; v; v = v->next_variable) {
			n++;
			switch (v->type) {
			case SNMP_NOSUCHOBJECT:
			case SNMP_NOSUCHINSTANCE:
			case SNMP_ENDOFMIBVIEW:
				B.exceptions++;
				break;
			case ASN_INTEGER:
			case ASN_COUNTER:
			case ASN_GAUGE:
			case ASN_TIMETICKS:
				sum += (uint64_t)*v->val.integer;
				break;
			default:
				sum += v->val_len;
				break;
			}
		}
		(void)sum;
		if (n != (unsigned)(B.mode == MODE_GET10 ? B.nvb_req : B.maxrep))
			B.short_answers++;
		B.exchanges++;
		B.varbinds += n;
		B.lat_sum_ns += now_ns() - sl->sent_ns;
	} else if (op == NETSNMP_CALLBACK_OP_TIMED_OUT) {
		B.timeouts++;
	} else {
		return 1;
	}
	sl->busy = 0;
	sl->next_free = B.free_head;
	B.free_head = s;
	B.inflight--;
	B.t[sl->target].inflight--;
	return 1;
}

static netsnmp_pdu *make_pdu(void)
{
	netsnmp_pdu *pdu;
	if (B.mode == MODE_GET10) {
		pdu = snmp_pdu_create(SNMP_MSG_GET);
	} else {
		pdu = snmp_pdu_create(SNMP_MSG_GETBULK);
		if (pdu) {
			pdu->non_repeaters = 0;
			pdu->max_repetitions = B.maxrep;
		}
	}
	if (!pdu)
		return NULL;
	for (int i = 0; i < B.nvb_req; i++)
		snmp_add_null_var(pdu, B.req_oids[i], B.req_len[i]);
	return pdu;
}

static int send_one(unsigned ti, uint64_t t)
{
	struct target *tg = &B.t[ti];
	netsnmp_pdu *pdu = make_pdu();
	void *sess = B.shared ? B.shared_sess : tg->sess;
	int s = B.free_head;

	if (!pdu || s < 0)
		return -1;
	if (B.shared) {
		netsnmp_indexed_addr_pair *to = calloc(1, sizeof *to);
		if (!to) {
			snmp_free_pdu(pdu);
			return -1;
		}
		to->remote_addr.sin = tg->sa;
		pdu->transport_data = to;
		pdu->transport_data_length = sizeof *to;
	}
	B.free_head = B.slots[s].next_free;
	B.slots[s] = (struct slot){ .sent_ns = t, .target = ti, .busy = 1, .next_free = -1 };
	B.inflight++;
	tg->inflight++;
	if (!snmp_sess_async_send(sess, pdu, response_cb, (void *)(intptr_t)s)) {
		snmp_free_pdu(pdu);
		B.slots[s].busy = 0;
		B.slots[s].next_free = B.free_head;
		B.free_head = s;
		B.inflight--;
		tg->inflight--;
		B.send_fail++;
		return -1;
	}
	B.sent++;
	return 0;
}

static void *open_session(const struct sockaddr_in *sa, const char *community)
{
	netsnmp_session s;
	char peer[64], ip[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &sa->sin_addr, ip, sizeof ip);
	snprintf(peer, sizeof peer, "udp:%s:%u", ip, ntohs(sa->sin_port));
	snmp_sess_init(&s);
	s.peername = peer;
	s.version = SNMP_VERSION_2c;
	s.community = (u_char *)community;
	s.community_len = strlen(community);
	s.retries = 0;
	s.timeout = (long)B.tmo_ms * 1000L;
	void *h = snmp_sess_open(&s);
	if (!h)
		snmp_sess_perror("snmp_sess_open", &s);
	return h;
}

static int session_fd(void *sess, int rcvbuf)
{
	netsnmp_transport *tr = snmp_sess_transport(sess);
	if (!tr || tr->sock < 0)
		return -1;
	int fl = fcntl(tr->sock, F_GETFL);
	fcntl(tr->sock, F_SETFL, fl | O_NONBLOCK);
	if (rcvbuf > 0 && setsockopt(tr->sock, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf) < 0)
		setsockopt(tr->sock, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
	return tr->sock;
}

static void usage(FILE *o)
{
	fprintf(o,
		"usage: bench-netsnmp-async [--mode get10|bulk10] [--window N]\n"
		"         (--targets FILE | --base ADDR --count N) [--port N] [--community STR]\n"
		"         [--duration S | --exchanges N] [--timeout-ms N] [--sessions per-target|shared]\n"
		"         [--oids FILE] [--bulk-oid OID] [--max-rep N] [--responder-pid PID] [--label STR]\n"
		"Targets must be in 127.0.0.0/8. Default: get10, window 64, 127.0.1.1 x 1000 on port\n"
		"16161, 10 s, timeout 1000 ms, one shared session. --duration is capped at 3600 s.\n");
}

int main(int argc, char **argv)
{
	const char *targets_file = NULL, *oids_file = NULL, *bulk_oid = BENCH_BULK10_OID;
	const char *community = "public", *label = "", *sessions = "shared";
	struct sockaddr_in base_sa;
	unsigned count = 1000;
	int port = 16161, responder_pid = 0;
	double duration = -1;
	uint64_t max_exchanges = 0;

	memset(&B, 0, sizeof B);
	B.window = 64;
	B.maxrep = BENCH_BULK10_MAXREP;
	B.tmo_ms = 1000;
	parse_addr("127.0.1.1", 0, &base_sa);

	static const struct option opts[] = {
		{ "mode", 1, 0, 'm' },       { "window", 1, 0, 'w' },    { "targets", 1, 0, 'T' },
		{ "base", 1, 0, 'b' },       { "count", 1, 0, 'c' },     { "port", 1, 0, 'p' },
		{ "community", 1, 0, 'C' },  { "duration", 1, 0, 'd' },  { "exchanges", 1, 0, 'n' },
		{ "timeout-ms", 1, 0, 't' }, { "sessions", 1, 0, 's' },  { "oids", 1, 0, 'o' },
		{ "bulk-oid", 1, 0, 'B' },   { "max-rep", 1, 0, 'r' },   { "responder-pid", 1, 0, 'R' },
		{ "label", 1, 0, 'l' },      { "help", 0, 0, 'h' },      { 0, 0, 0, 0 },
	};
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			if (!strcmp(optarg, "get10"))
				B.mode = MODE_GET10;
			else if (!strcmp(optarg, "bulk10"))
				B.mode = MODE_BULK10;
			else {
				usage(stderr);
				return 2;
			}
			break;
		case 'w': B.window = atoi(optarg); break;
		case 'T': targets_file = optarg; break;
		case 'b':
			if (parse_addr(optarg, 0, &base_sa) < 0) {
				fprintf(stderr, "--base must be an address in 127.0.0.0/8\n");
				return 2;
			}
			break;
		case 'c': count = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'p': port = atoi(optarg); break;
		case 'C': community = optarg; break;
		case 'd': duration = atof(optarg); break;
		case 'n': max_exchanges = strtoull(optarg, NULL, 10); break;
		case 't': B.tmo_ms = atoi(optarg); break;
		case 's': sessions = optarg; break;
		case 'o': oids_file = optarg; break;
		case 'B': bulk_oid = optarg; break;
		case 'r': B.maxrep = atoi(optarg); break;
		case 'R': responder_pid = atoi(optarg); break;
		case 'l': label = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (strcmp(sessions, "per-target") && strcmp(sessions, "shared")) {
		usage(stderr);
		return 2;
	}
	B.shared = !strcmp(sessions, "shared");
	if (B.window < 1 || B.window > MAX_WINDOW || B.tmo_ms < 1 || B.maxrep < 1 || B.maxrep > 1000 ||
	    port < 1 || port > 65535) {
		usage(stderr);
		return 2;
	}
	if (duration < 0)
		duration = max_exchanges ? 3600 : 10;
	if (duration > 3600)
		duration = 3600;

	/* the workload */
	if (B.mode == MODE_GET10) {
		if (oids_file) {
			if (read_oid_file(oids_file) < 0) {
				fprintf(stderr, "cannot read OIDs from %s\n", oids_file);
				return 2;
			}
		} else {
			for (int i = 0; i < 10; i++)
				add_oid(bench_get10_oids[i]);
		}
	} else if (add_oid(bulk_oid) < 0) {
		fprintf(stderr, "bad --bulk-oid\n");
		return 2;
	}

	/* the targets */
	if (targets_file) {
		if (read_targets(targets_file, port) < 0) {
			fprintf(stderr, "cannot read targets from %s\n", targets_file);
			return 2;
		}
	} else {
		uint32_t b = ntohl(base_sa.sin_addr.s_addr);
		if (count < 1 || ((b + count - 1) >> 24) != 127 || b + count - 1 < b) {
			fprintf(stderr, "--base/--count must stay inside 127.0.0.0/8\n");
			return 2;
		}
		B.t = calloc(count, sizeof *B.t);
		if (!B.t)
			return 1;
		for (unsigned i = 0; i < count; i++) {
			B.t[i].sa = base_sa;
			B.t[i].sa.sin_addr.s_addr = htonl(b + i);
			B.t[i].sa.sin_port = htons((uint16_t)port);
		}
		B.ntargets = count;
	}

	/* the library: no configuration files, no MIB files, no persistent state */
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_READ_CONFIGS, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_PERSIST_STATE, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_LOAD, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_SAVE, 1);
	setenv("MIBS", "", 1);
	setenv("MIBDIRS", "", 1);
	init_snmp("bench-netsnmp-async");

	/* descriptors: one per session, plus a few */
	if (!B.shared) {
		struct rlimit rl;
		getrlimit(RLIMIT_NOFILE, &rl);
		if (rl.rlim_cur < rl.rlim_max) {
			rl.rlim_cur = rl.rlim_max;
			setrlimit(RLIMIT_NOFILE, &rl);
		}
		if (rl.rlim_cur != RLIM_INFINITY && B.ntargets + 32 > rl.rlim_cur) {
			fprintf(stderr, "per-target sessions need %u descriptors, the limit is %llu: "
					"use fewer targets or --sessions shared\n",
				B.ntargets + 32, (unsigned long long)rl.rlim_cur);
			return 2;
		}
	}

	int ep = epoll_create1(0);
	int maxfd = 0;
	if (ep < 0)
		return 1;
	if (B.shared) {
		B.shared_sess = open_session(&B.t[0].sa, community);
		if (!B.shared_sess)
			return 1;
		B.shared_fd = session_fd(B.shared_sess, 8 << 20);
		struct epoll_event ev = { .events = EPOLLIN, .data.u32 = UINT32_MAX };
		if (B.shared_fd < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, B.shared_fd, &ev) < 0)
			return 1;
		maxfd = B.shared_fd;
	} else {
		for (unsigned i = 0; i < B.ntargets; i++) {
			B.t[i].sess = open_session(&B.t[i].sa, community);
			if (!B.t[i].sess)
				return 1;
			B.t[i].fd = session_fd(B.t[i].sess, 0);
			struct epoll_event ev = { .events = EPOLLIN, .data.u32 = i };
			if (B.t[i].fd < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, B.t[i].fd, &ev) < 0)
				return 1;
			if (B.t[i].fd > maxfd)
				maxfd = B.t[i].fd;
		}
	}
	netsnmp_large_fd_set fds;
	netsnmp_large_fd_set_init(&fds, maxfd + 1);
	NETSNMP_LARGE_FD_ZERO(&fds);

	B.slots = calloc((size_t)B.window, sizeof *B.slots);
	if (!B.slots)
		return 1;
	for (int i = 0; i < B.window; i++)
		B.slots[i].next_free = i + 1 < B.window ? i + 1 : -1;
	B.free_head = 0;

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	double u0, s0, u1, s1, r0 = responder_pid ? proc_cpu(responder_pid) : -1, r1 = -1;
	uint64_t t0 = now_ns(), t = t0, tend = t0 + (uint64_t)(duration * 1e9), last_tmo = t0;
	uint64_t stop_at = 0, tmo_ns = (uint64_t)B.tmo_ms * 1000000ULL;
	unsigned cursor = 0;
	struct epoll_event evs[256];
	self_cpu(&u0, &s0);

	for (;;) {
		int stopping = interrupted || t >= tend || (max_exchanges && B.sent >= max_exchanges);
		if (stopping && !stop_at)
			stop_at = t;
		if (stopping && (B.inflight == 0 || t > stop_at + tmo_ns + 100000000ULL))
			break;
		/* fill the window */
		while (!stopping && B.inflight < B.window &&
		       (!max_exchanges || B.sent < max_exchanges)) {
			if (send_one(cursor, t) < 0)
				break;
			cursor = cursor + 1 < B.ntargets ? cursor + 1 : 0;
		}
		int n = epoll_wait(ep, evs, 256, 10);
		for (int i = 0; i < n; i++) {
			uint32_t ti = evs[i].data.u32;
			void *sess = ti == UINT32_MAX ? B.shared_sess : B.t[ti].sess;
			int fd = ti == UINT32_MAX ? B.shared_fd : B.t[ti].fd;
			/*
			 * One datagram per call, and the call clears the descriptor's
			 * bit; the socket is non-blocking, so -1 means drained.
			 */
			for (int k = 0; k < 1024; k++) {
				NETSNMP_LARGE_FD_SET(fd, &fds);
				if (snmp_sess_read2(sess, &fds) != 0)
					break;
			}
			NETSNMP_LARGE_FD_CLR(fd, &fds);
		}
		t = now_ns();
		if (t - last_tmo >= 10000000ULL) {
			last_tmo = t;
			if (B.shared) {
				if (B.inflight)
					snmp_sess_timeout(B.shared_sess);
			} else {
				for (unsigned i = 0; i < B.ntargets; i++)
					if (B.t[i].inflight)
						snmp_sess_timeout(B.t[i].sess);
			}
		}
	}
	t = now_ns();
	self_cpu(&u1, &s1);
	if (responder_pid)
		r1 = proc_cpu(responder_pid);

	double wall = (double)(t - t0) / 1e9, user = u1 - u0, sys = s1 - s0, cpu = user + sys;
	double ex = (double)B.exchanges, vb = (double)B.varbinds;
	printf("{\"tool\":\"netsnmp-async\",\"netsnmp\":\"%s\",\"label\":\"%s\",\"mode\":\"%s\","
	       "\"sessions\":\"%s\",\"window\":%d,\"targets\":%u,\"timeout_ms\":%d,"
	       "\"exchanges\":%" PRIu64 ",\"varbinds\":%" PRIu64 ",\"wall_s\":%.3f,"
	       "\"user_s\":%.3f,\"sys_s\":%.3f,\"cpu_s\":%.3f,\"cpu_pct\":%.1f,"
	       "\"exchanges_per_s\":%.0f,\"varbinds_per_s\":%.0f,"
	       "\"cpu_us_per_exchange\":%.3f,\"cpu_us_per_varbind\":%.4f,"
	       "\"mean_latency_ms\":%.3f,\"timeouts\":%" PRIu64 ",\"error_status\":%" PRIu64 ","
	       "\"exceptions\":%" PRIu64 ",\"short_answers\":%" PRIu64 ",\"wrong_source\":%" PRIu64
	       ",\"send_failures\":%" PRIu64,
	       netsnmp_get_version(), label, B.mode == MODE_GET10 ? "get10" : "bulk10", sessions,
	       B.window, B.ntargets, B.tmo_ms, B.exchanges, B.varbinds, wall, user, sys, cpu,
	       100 * cpu / wall, ex / wall, vb / wall, ex ? cpu * 1e6 / ex : 0, vb ? cpu * 1e6 / vb : 0,
	       ex ? (double)B.lat_sum_ns / ex / 1e6 : 0, B.timeouts, B.errors, B.exceptions,
	       B.short_answers, B.wrong_source, B.send_fail);
	if (responder_pid && r0 >= 0 && r1 >= 0)
		printf(",\"responder_pid\":%d,\"responder_cpu_s\":%.2f,\"responder_cpu_pct\":%.1f,"
		       "\"responder_cpu_us_per_exchange\":%.2f",
		       responder_pid, r1 - r0, 100 * (r1 - r0) / wall, ex ? (r1 - r0) * 1e6 / ex : 0);
	printf("}\n");
	fflush(stdout);

	/* sessions are left to process exit: closing thousands costs time and measures nothing */
	netsnmp_large_fd_set_cleanup(&fds);
	return (B.wrong_source || B.send_fail) ? 1 : 0;
}
