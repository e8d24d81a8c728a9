/* Shared by the two SNMP benchmark harnesses: workloads, clocks, reports. */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

/* GET: ten scalars of the system and snmp groups; snmpd has them all. */
static const char *const bench_get_oids[10] = {
	"1.3.6.1.2.1.1.1.0", "1.3.6.1.2.1.1.2.0", "1.3.6.1.2.1.1.3.0", "1.3.6.1.2.1.1.4.0",
	"1.3.6.1.2.1.1.5.0", "1.3.6.1.2.1.1.6.0", "1.3.6.1.2.1.1.7.0", "1.3.6.1.2.1.1.8.0",
	"1.3.6.1.2.1.11.1.0", "1.3.6.1.2.1.11.2.0",
};
/* GETBULK: max-repetitions 10 from the start of the system group. */
static const char *const bench_bulk_oid = "1.3.6.1.2.1.1";
#define BENCH_MAX_REP 10

struct bench_args {
	const char *impl, *host, *community, *workload;
	int port, window, pid;
	long total;
};

static int bench_parse(int argc, char **argv, struct bench_args *a, const char *impl)
{
	if (argc != 8) {
		fprintf(stderr, "usage: %s HOST PORT COMMUNITY get|bulk WINDOW EXCHANGES AGENT_PID\n",
			argv[0]);
		return -1;
	}
	a->impl = impl;
	a->host = argv[1];
	a->port = atoi(argv[2]);
	a->community = argv[3];
	a->workload = argv[4];
	a->window = atoi(argv[5]);
	a->total = atol(argv[6]);
	a->pid = atoi(argv[7]);
	if (strcmp(a->workload, "get") && strcmp(a->workload, "bulk"))
		return -1;
	return a->window > 0 && a->total > 0 ? 0 : -1;
}

static double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* CPU of this process, every thread counted (RUSAGE_SELF), in seconds. */
static double bench_sys_at_start;

static double bench_sys(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static double bench_cpu(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	if (bench_sys_at_start < 0)
		bench_sys_at_start = ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
	return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec +
	       ru.ru_stime.tv_usec / 1e6;
}

/* CPU the responder used so far (utime + stime of /proc/PID/stat), seconds. */
static double bench_agent_cpu(int pid)
{
	char path[64], buf[1024], *p;
	unsigned long ut = 0, st = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (pid <= 0 || !(f = fopen(path, "r")))
		return 0;
	if (!fgets(buf, sizeof(buf), f)) {
		fclose(f);
		return 0;
	}
	fclose(f);
	p = strrchr(buf, ')');
	/* after the command: state, then fields 4..13, then utime (14), stime (15) */
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
		return 0;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static void bench_report(const struct bench_args *a, long done, long varbinds, long errors,
			 double wall, double cpu, double agent_cpu)
{
	printf("{\"impl\": \"%s\", \"workload\": \"%s\", \"window\": %d, \"exchanges\": %ld, "
	       "\"varbinds\": %ld, \"errors\": %ld, \"wall_s\": %.3f, \"exchanges_per_s\": %.0f, "
	       "\"cpu_us_per_exchange\": %.2f, \"cpu_us_per_varbind\": %.3f, "
	       "\"agent_cpu_us_per_exchange\": %.2f, \"agent_cpu_share\": %.2f, "
	       "\"sys_us_per_exchange\": %.2f}\n",
	       a->impl, a->workload, a->window, done, varbinds, errors, wall, done / wall,
	       cpu * 1e6 / (done ? done : 1), cpu * 1e6 / (varbinds ? varbinds : 1),
	       agent_cpu * 1e6 / (done ? done : 1), agent_cpu / wall,
	       (bench_sys() - bench_sys_at_start) * 1e6 / (done ? done : 1));
	fflush(stdout);
}

#endif
