/*
 * ecsp-sim-blast: load generator for ecsp-printer-sim.
 *
 * Keeps a window of requests in flight across many device addresses (each
 * new request goes to the next address), matches answers by request id,
 * checks that every answer comes from the address it was sent to, and
 * reports completed exchanges per second plus the simulator's CPU use
 * (from /proc/PID/stat when --sim-pid is given).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "sim.h"

#define BATCH 64
#define MAXWIN 65536
#define BUFSZ 2048

typedef struct {
    uint32_t id, idx;
    uint64_t sent;
    bool busy;
} slot_t;

static const char *const get_oids[] = {
    "1.3.6.1.2.1.1.3.0",             /* sysUpTime */
    "1.3.6.1.2.1.25.3.5.1.1.1",      /* hrPrinterStatus */
    "1.3.6.1.2.1.25.3.2.1.5.1",      /* hrDeviceStatus */
    "1.3.6.1.2.1.43.10.2.1.4.1.1",   /* prtMarkerLifeCount */
    "1.3.6.1.2.1.25.3.5.1.2.1",      /* hrPrinterDetectedErrorState */
    "1.3.6.1.2.1.43.11.1.1.9.1.1",   /* prtMarkerSuppliesLevel */
    "1.3.6.1.2.1.1.5.0",             /* sysName */
    "1.3.6.1.2.1.43.5.1.1.17.1",     /* prtGeneralSerialNumber */
    "1.3.6.1.2.1.1.1.0",             /* sysDescr */
    "1.3.6.1.2.1.43.16.5.1.2.1.1",   /* console text */
};

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* CPU seconds of a process (all threads); *user gets the user-mode part. */
static double proc_cpu_s(int pid, double *user)
{
    char path[64], buf[2048];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    char *p = strrchr(buf, ')');
    unsigned long ut = 0, st = 0;
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
        return -1;
    if (user)
        *user = (double)ut / (double)sysconf(_SC_CLK_TCK);
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static double self_cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
           ru.ru_stime.tv_usec / 1e6;
}

/* Request template with a 4-byte request id at *id_off. */
static size_t build_request(uint8_t *out, int version, const char *comm, uint8_t pdu_tag,
                            int nvb, int maxrep, size_t *id_off)
{
    uint8_t vbl[1024], pdu[1200], tmp[64];
    ber_wr w = { vbl, vbl + sizeof vbl, false };
    for (int i = 0; i < nvb; i++) {
        uint32_t arcs[SIM_MAX_OID];
        uint8_t enc[SIM_MAX_OID * 5], vb[SIM_MAX_OID * 5 + 8];
        int n = oid_parse(get_oids[i % 10], arcs, SIM_MAX_OID);
        if (pdu_tag != PDU_GET)
            n--;                                     /* walk from the object, not the instance */
        ber_wr v = { vb, vb + sizeof vb, false };
        bw_tlv(&v, BER_OID, enc, ber_oid_encode(arcs, n, enc));
        bw_tlv(&v, BER_NULL, NULL, 0);
        bw_tlv(&w, BER_SEQ, vb, (size_t)(v.p - vb));
    }
    ber_wr p = { pdu, pdu + sizeof pdu, false };
    static const uint8_t id[6] = { 0x02, 0x04, 0x00, 0x00, 0x00, 0x01 };
    bw_raw(&p, id, 6);
    bw_int(&p, BER_INT, 0);
    bw_int(&p, BER_INT, pdu_tag == PDU_GETBULK ? maxrep : 0);
    bw_tlv(&p, BER_SEQ, vbl, (size_t)(w.p - vbl));
    size_t pl = (size_t)(p.p - pdu);
    ber_wr m = { tmp, tmp + sizeof tmp, false };
    bw_int(&m, BER_INT, version);
    bw_tlv(&m, BER_OCTETS, comm, strlen(comm));
    size_t inner = (size_t)(m.p - tmp) + 1 + ber_len_size(pl) + pl;
    size_t o = 0;
    out[o++] = BER_SEQ;
    o += ber_put_len(out + o, inner);
    memcpy(out + o, tmp, (size_t)(m.p - tmp));
    o += (size_t)(m.p - tmp);
    out[o++] = pdu_tag;
    o += ber_put_len(out + o, pl);
    *id_off = o + 2;
    memcpy(out + o, pdu, pl);
    return o + pl;
}

/* Returns the request id of a well-formed GetResponse (error status in *err), or -1. */
static int64_t parse_reply(const uint8_t *b, size_t n, int *nvb, int64_t *err)
{
    ber_rd r = { b, b + n };
    ber_tlv t, pdu, id, e, ei, vbl;
    int64_t v;
    if (ber_expect(&r, BER_SEQ, &t) < 0)
        return -1;
    ber_rd m = { t.val, t.next };
    if (ber_expect(&m, BER_INT, &t) < 0 || ber_expect(&m, BER_OCTETS, &t) < 0 ||
        ber_expect(&m, PDU_RESPONSE, &pdu) < 0)
        return -1;
    ber_rd p = { pdu.val, pdu.next };
    if (ber_expect(&p, BER_INT, &id) < 0 || ber_int(&id, &v) < 0 ||
        ber_expect(&p, BER_INT, &e) < 0 || ber_int(&e, err) < 0 ||
        ber_expect(&p, BER_INT, &ei) < 0 || ber_expect(&p, BER_SEQ, &vbl) < 0)
        return -1;
    ber_rd q = { vbl.val, vbl.next };
    *nvb = 0;
    while (q.p < q.end) {
        if (ber_expect(&q, BER_SEQ, &t) < 0)
            return -1;
        (*nvb)++;
    }
    return v;
}

static void usage(void)
{
    printf("usage: ecsp-sim-blast [--base ADDR] [--count N] [--port N] [--window N]\n"
           "         [--duration S] [--varbinds N] [--pdu get|getnext|bulk] [--max-rep N]\n"
           "         [--version 1|2c] [--community STR] [--enpc] [--timeout-ms N] [--sim-pid PID]\n");
}

int main(int argc, char **argv)
{
    uint32_t base = 0x7f000101, count = 1000;
    int port = 16161, window = 256, nvb = 4, maxrep = 10, version = 1, sim_pid = 0, tmo_ms = 500;
    double duration = 5;
    bool enpc = false;
    const char *comm = "public", *pdus = "get";
    static const struct option opts[] = {
        { "base", 1, 0, 'b' }, { "count", 1, 0, 'c' }, { "port", 1, 0, 'p' },
        { "window", 1, 0, 'w' }, { "duration", 1, 0, 'd' }, { "varbinds", 1, 0, 'n' },
        { "pdu", 1, 0, 'P' }, { "max-rep", 1, 0, 'r' }, { "version", 1, 0, 'v' },
        { "community", 1, 0, 'C' }, { "enpc", 0, 0, 'e' }, { "timeout-ms", 1, 0, 't' },
        { "sim-pid", 1, 0, 's' }, { "help", 0, 0, 'h' }, { 0, 0, 0, 0 },
    };
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'b': {
            struct in_addr a;
            if (inet_pton(AF_INET, optarg, &a) != 1) {
                usage();
                return 2;
            }
            base = ntohl(a.s_addr);
            break;
        }
        case 'c': count = (uint32_t)strtoul(optarg, NULL, 10); break;
        case 'p': port = atoi(optarg); break;
        case 'w': window = atoi(optarg); break;
        case 'd': duration = atof(optarg); break;
        case 'n': nvb = atoi(optarg); break;
        case 'P': pdus = optarg; break;
        case 'r': maxrep = atoi(optarg); break;
        case 'v': version = strcmp(optarg, "1") == 0 ? 0 : 1; break;
        case 'C': comm = optarg; break;
        case 'e': enpc = true; break;
        case 't': tmo_ms = atoi(optarg); break;
        case 's': sim_pid = atoi(optarg); break;
        default: usage(); return c == 'h' ? 0 : 2;
        }
    }
    if (window < 1 || window > MAXWIN || nvb < 1 || nvb > 10 || count < 1) {
        usage();
        return 2;
    }
    if (enpc && (uint32_t)window > count)
        window = (int)count;                         /* ENPC has no request id: one per address */
    uint8_t pdu_tag = !strcmp(pdus, "getnext") ? PDU_GETNEXT : !strcmp(pdus, "bulk") ? PDU_GETBULK
                                                                                    : PDU_GET;
    uint8_t tmpl[BUFSZ];
    size_t id_off = 0, tlen;
    if (enpc) {
        static const uint8_t q[14] = { 'E', 'P', 'S', 'O', 'N', 'Q', 3, 0, 0, 0, 0, 0, 0, 0 };
        memcpy(tmpl, q, sizeof q);
        tlen = sizeof q;
    } else {
        tlen = build_request(tmpl, version, comm, pdu_tag, nvb, maxrep, &id_off);
    }

    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    int big = 8 << 20;
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof big) < 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
    if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof big) < 0)
        setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof big);

    slot_t *slots = calloc((size_t)window, sizeof *slots);
    int32_t *by_addr = enpc ? malloc(count * sizeof *by_addr) : NULL;
    uint32_t *freel = malloc((size_t)window * sizeof *freel);
    uint8_t *sbuf = malloc((size_t)BATCH * BUFSZ), *rbuf = malloc((size_t)BATCH * BUFSZ);
    if (!slots || !freel || !sbuf || !rbuf || (enpc && !by_addr))
        return 1;
    int nfree = window;
    for (int i = 0; i < window; i++)
        freel[i] = (uint32_t)(window - 1 - i);
    struct mmsghdr sm[BATCH], rm[BATCH];
    struct iovec siov[BATCH], riov[BATCH];
    struct sockaddr_in sa[BATCH], ra[BATCH];

    uint64_t done = 0, lost = 0, bad = 0, errors = 0, wrongsrc = 0, lat_sum = 0, vbs = 0;
    uint32_t cursor = 0, gen = 1;
    double u0 = 0, u1 = 0, cpu0 = sim_pid ? proc_cpu_s(sim_pid, &u0) : 0, self0 = self_cpu_s();
    uint64_t t0 = now_ns(), tend = t0 + (uint64_t)(duration * 1e9), last_scan = t0;
    uint64_t tmo = (uint64_t)tmo_ms * 1000000ULL, t = t0;

    while (t < tend) {
        int ns = 0;
        while (nfree && ns < BATCH) {
            uint32_t s = freel[--nfree];
            uint32_t idx = cursor++ % count;
            uint8_t *b = sbuf + (size_t)ns * BUFSZ;
            memcpy(b, tmpl, tlen);
            slots[s].id = (gen++ << 16 | s) & 0x7fffffff;
            slots[s].idx = idx;
            slots[s].sent = t;
            slots[s].busy = true;
            if (enpc) {
                by_addr[idx] = (int32_t)s;
            } else {
                b[id_off] = (uint8_t)(slots[s].id >> 24);
                b[id_off + 1] = (uint8_t)(slots[s].id >> 16);
                b[id_off + 2] = (uint8_t)(slots[s].id >> 8);
                b[id_off + 3] = (uint8_t)slots[s].id;
            }
            sa[ns] = (struct sockaddr_in){ .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                                           .sin_addr.s_addr = htonl(base + idx) };
            siov[ns] = (struct iovec){ b, tlen };
            memset(&sm[ns], 0, sizeof sm[ns]);
            sm[ns].msg_hdr.msg_name = &sa[ns];
            sm[ns].msg_hdr.msg_namelen = sizeof sa[ns];
            sm[ns].msg_hdr.msg_iov = &siov[ns];
            sm[ns].msg_hdr.msg_iovlen = 1;
            ns++;
        }
        for (int off = 0; off < ns;) {
            int k = sendmmsg(fd, sm + off, (unsigned)(ns - off), 0);
            if (k <= 0) {
                if (k < 0 && errno == EINTR)
                    continue;
                break;                    /* the timeout scan recovers unsent slots */
            }
            off += k;
        }
        for (int i = 0; i < BATCH; i++) {
            riov[i] = (struct iovec){ rbuf + (size_t)i * BUFSZ, BUFSZ };
            memset(&rm[i], 0, sizeof rm[i]);
            rm[i].msg_hdr.msg_name = &ra[i];
            rm[i].msg_hdr.msg_namelen = sizeof ra[i];
            rm[i].msg_hdr.msg_iov = &riov[i];
            rm[i].msg_hdr.msg_iovlen = 1;
        }
        int nr = recvmmsg(fd, rm, BATCH, MSG_DONTWAIT, NULL);
        t = now_ns();
        for (int i = 0; i < nr; i++) {
            const uint8_t *b = rbuf + (size_t)i * BUFSZ;
            size_t len = rm[i].msg_len;
            uint32_t from = ntohl(ra[i].sin_addr.s_addr);
            int64_t s = -1, err = 0;
            int got = 0;
            if (enpc) {
                if (from - base < count && len >= 14 && !memcmp(b, "EPSONq", 6))
                    s = by_addr[from - base];
                got = 1;
            } else {
                int64_t id = parse_reply(b, len, &got, &err);
                if (id >= 0 && (uint64_t)(id & 0xffff) < (uint64_t)window &&
                    slots[id & 0xffff].id == (uint32_t)id)
                    s = id & 0xffff;
            }
            if (s < 0 || !slots[s].busy) {
                bad++;
                continue;
            }
            if (from != base + slots[s].idx)
                wrongsrc++;
            if (err)
                errors++;                 /* e.g. v1 noSuchName from a non-printer */
            else if (!enpc && pdu_tag == PDU_GET && got != nvb)
                bad++;
            slots[s].busy = false;
            freel[nfree++] = (uint32_t)s;
            done++;
            vbs += (uint64_t)got;
            lat_sum += t - slots[s].sent;
        }
        if (t - last_scan > 5000000ULL) {
            last_scan = t;
            for (int s = 0; s < window; s++)
                if (slots[s].busy && t - slots[s].sent > tmo) {
                    slots[s].busy = false;
                    freel[nfree++] = (uint32_t)s;
                    lost++;
                }
        }
        if (nr <= 0 && !nfree) {
            struct pollfd pf = { fd, POLLIN, 0 };
            poll(&pf, 1, 1);
            t = now_ns();
        }
    }
    double el = (double)(t - t0) / 1e9;
    double simcpu = sim_pid ? proc_cpu_s(sim_pid, &u1) - cpu0 : -1, self = self_cpu_s() - self0;
    printf("ecsp-sim-blast: %s %s varbinds=%d window=%d devices=%u duration=%.2fs\n",
           enpc ? "enpc" : pdus, enpc ? "basic-info" : version ? "v2c" : "v1", nvb, window, count,
           el);
    printf("  exchanges: %llu (%.0f/s)  varbinds: %.0f/s  timeouts: %llu  error-status: %llu  "
           "bad: %llu  wrong-source: %llu\n",
           (unsigned long long)done, (double)done / el, (double)vbs / el,
           (unsigned long long)lost, (unsigned long long)errors, (unsigned long long)bad,
           (unsigned long long)wrongsrc);
    printf("  mean latency: %.3f ms\n", done ? (double)lat_sum / (double)done / 1e6 : 0.0);
    if (sim_pid)
        printf("  sim CPU: %.1f%% of one core (%.2f us per exchange, %.0f%% of it in user space)\n",
               100 * simcpu / el, done ? simcpu * 1e6 / (double)done : 0.0,
               simcpu > 0 ? 100 * (u1 - u0) / simcpu : 0.0);
    printf("  blaster CPU: %.1f%% of one core\n", 100 * self / el);
    return (bad || wrongsrc) ? 1 : 0;
}
