/*
 * The packet loop.
 *
 * One UDP socket per protocol (per thread with --threads, via SO_REUSEPORT)
 * is bound to the wildcard address, so every 127.x.y.z address reaches it
 * without any interface setup.  IP_PKTINFO tells which address a datagram
 * was sent to (= which device), and the answer is sent with that address as
 * its source, because pollers drop answers that come from elsewhere.
 *
 * Datagrams are read and written in batches (recvmmsg/sendmmsg) into
 * buffers allocated once per thread.  Slow devices do not sleep: their
 * requests are copied into a preallocated pool and answered from a
 * min-heap ordered by due time.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "sim.h"

#define BATCH 64
#define RXSZ 16384
#define DQ_DATA 2048              /* largest request a slow device will hold */

enum { P_SNMP = 0, P_ENPC = 1 };

typedef struct {
    uint64_t due_ns;
    uint32_t slot;
} dq_item;

typedef struct {
    struct sockaddr_in src;
    uint32_t idx;
    uint16_t len;
    uint8_t proto;
    uint8_t data[DQ_DATA];
} dq_req;

typedef struct worker {
    int id, fd[2];
    usm_thread *usm;
    struct mmsghdr rx[BATCH];
    struct iovec rxiov[BATCH];
    struct sockaddr_in rxaddr[BATCH];
    uint8_t rxctl[BATCH][CMSG_SPACE(sizeof(struct in_pktinfo))];
    uint8_t *rxbuf;
    struct mmsghdr tx[BATCH];
    struct iovec txiov[BATCH];
    struct sockaddr_in txaddr[BATCH];
    uint8_t txctl[BATCH][CMSG_SPACE(sizeof(struct in_pktinfo))];
    uint8_t *txbuf;
    size_t slot;
    int ntx, txfd;
    dq_item *heap;
    dq_req *pool;
    uint32_t *freelist;
    uint32_t nheap, nfree;
    sim_stats st;
    pthread_t th;
} worker;

static volatile sig_atomic_t g_stop;
static uint64_t g_start_ns;
static worker *g_workers;

static uint64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void on_signal(int sig)
{
    (void)sig;
    g_stop = 1;
}

/* ------------------------------------------------------------ sending */

static void flush_tx(worker *w)
{
    int off = 0;
    while (off < w->ntx) {
        int n = sendmmsg(w->txfd, w->tx + off, (unsigned)(w->ntx - off), MSG_DONTWAIT);
        if (n <= 0) {
            if (n < 0 && errno == EINTR)
                continue;
            break;                     /* socket buffer full: drop, like a busy device */
        }
        w->st.tx += (uint64_t)n;
        off += n;
    }
    w->ntx = 0;
}

static void respond(worker *w, int proto, uint32_t idx, const dev_knobs *k,
                    const struct sockaddr_in *src, const uint8_t *data, size_t len, uint64_t now_ns)
{
    if (w->ntx && w->txfd != w->fd[proto])
        flush_tx(w);
    w->txfd = w->fd[proto];
    int i = w->ntx;
    uint8_t *buf = w->txbuf + (size_t)i * w->slot, *start = buf;
    sim_dev d;
    sim_dev_init(&d, idx, k, (now_ns - g_start_ns) / 1000000ULL);
    size_t n;
    if (proto == P_SNMP) {
        n = snmp_handle(w->usm, &d, data, len, buf, w->slot, &start);
    } else {
        n = enpc_handle(&d, data, len, buf, w->slot);
        w->st.enpc += n > 0;
    }
    if (!n) {
        w->st.malformed++;             /* includes wrong community / version: no answer */
        return;
    }
    w->txiov[i].iov_base = start;
    w->txiov[i].iov_len = n;
    w->txaddr[i] = *src;
    struct msghdr *mh = &w->tx[i].msg_hdr;
    mh->msg_name = &w->txaddr[i];
    mh->msg_namelen = sizeof w->txaddr[i];
    mh->msg_iov = &w->txiov[i];
    mh->msg_iovlen = 1;
    mh->msg_control = w->txctl[i];
    mh->msg_controllen = sizeof w->txctl[i];
    mh->msg_flags = 0;
    struct cmsghdr *c = CMSG_FIRSTHDR(mh);
    c->cmsg_level = IPPROTO_IP;
    c->cmsg_type = IP_PKTINFO;
    c->cmsg_len = CMSG_LEN(sizeof(struct in_pktinfo));
    struct in_pktinfo pi = { 0 };
    pi.ipi_spec_dst.s_addr = htonl(G.base_ip + idx);    /* answer FROM the device address */
    memcpy(CMSG_DATA(c), &pi, sizeof pi);
    if (++w->ntx == BATCH)
        flush_tx(w);
}

/* ---------------------------------------------------------- delay heap */

static void heap_push(worker *w, dq_item it)
{
    uint32_t i = w->nheap++;
    while (i > 0) {
        uint32_t p = (i - 1) / 2;
        if (w->heap[p].due_ns <= it.due_ns)
            break;
        w->heap[i] = w->heap[p];
        i = p;
    }
    w->heap[i] = it;
}

static dq_item heap_pop(worker *w)
{
    dq_item top = w->heap[0], last = w->heap[--w->nheap];
    uint32_t i = 0;
    for (;;) {
        uint32_t c = 2 * i + 1;
        if (c >= w->nheap)
            break;
        if (c + 1 < w->nheap && w->heap[c + 1].due_ns < w->heap[c].due_ns)
            c++;
        if (last.due_ns <= w->heap[c].due_ns)
            break;
        w->heap[i] = w->heap[c];
        i = c;
    }
    if (w->nheap)
        w->heap[i] = last;
    return top;
}

static void run_due(worker *w, uint64_t now)
{
    while (w->nheap && w->heap[0].due_ns <= now) {
        dq_item it = heap_pop(w);
        dq_req *r = &w->pool[it.slot];
        dev_knobs k;
        knobs_for(r->idx, &k);
        respond(w, r->proto, r->idx, &k, &r->src, r->data, r->len, now);
        w->freelist[w->nfree++] = it.slot;
    }
    if (w->ntx)
        flush_tx(w);
}

/* ----------------------------------------------------------- receiving */

static void handle_rx(worker *w, int proto, int i, uint64_t now)
{
    struct msghdr *mh = &w->rx[i].msg_hdr;
    size_t len = w->rx[i].msg_len;
    w->st.rx++;
    if (mh->msg_flags & (MSG_TRUNC | MSG_CTRUNC)) {
        w->st.malformed++;
        return;
    }
    uint32_t dst = 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c))
        if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
            struct in_pktinfo pi;
            memcpy(&pi, CMSG_DATA(c), sizeof pi);
            dst = ntohl(pi.ipi_addr.s_addr);
        }
    if (dst < G.base_ip || dst - G.base_ip >= G.count) {
        w->st.foreign++;               /* not one of ours: stay silent */
        return;
    }
    uint32_t idx = dst - G.base_ip;
    dev_knobs k;
    knobs_for(idx, &k);
    if (k.dead) {
        w->st.dead++;
        return;
    }
    const uint8_t *data = w->rxbuf + (size_t)i * RXSZ;
    if (k.slow_ms) {
        if (!w->nfree || len > DQ_DATA) {
            w->st.malformed++;         /* queue full: dropped, as an overloaded device would */
            return;
        }
        uint32_t s = w->freelist[--w->nfree];
        dq_req *r = &w->pool[s];
        r->src = w->rxaddr[i];
        r->idx = idx;
        r->len = (uint16_t)len;
        r->proto = (uint8_t)proto;
        memcpy(r->data, data, len);
        heap_push(w, (dq_item){ now + (uint64_t)k.slow_ms * 1000000ULL, s });
        w->st.delayed++;
        return;
    }
    respond(w, proto, idx, &k, &w->rxaddr[i], data, len, now);
}

static void drain(worker *w, int proto)
{
    for (;;) {
        for (int i = 0; i < BATCH; i++) {
            struct msghdr *mh = &w->rx[i].msg_hdr;
            w->rxiov[i].iov_base = w->rxbuf + (size_t)i * RXSZ;
            w->rxiov[i].iov_len = RXSZ;
            mh->msg_name = &w->rxaddr[i];
            mh->msg_namelen = sizeof w->rxaddr[i];
            mh->msg_iov = &w->rxiov[i];
            mh->msg_iovlen = 1;
            mh->msg_control = w->rxctl[i];
            mh->msg_controllen = sizeof w->rxctl[i];
            mh->msg_flags = 0;
        }
        int n = recvmmsg(w->fd[proto], w->rx, BATCH, MSG_DONTWAIT, NULL);
        if (n <= 0)
            break;
        uint64_t now = mono_ns();
        for (int i = 0; i < n; i++)
            handle_rx(w, proto, i, now);
        if (w->ntx)
            flush_tx(w);
        if (w->nheap)
            run_due(w, now);
        if (n < BATCH)
            break;
    }
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    struct pollfd pf[2];
    int np = 0, map[2];
    for (int p = 0; p < 2; p++)
        if (w->fd[p] >= 0) {
            pf[np].fd = w->fd[p];
            pf[np].events = POLLIN;
            map[np++] = p;
        }
    while (!g_stop) {
        uint64_t now = mono_ns();
        run_due(w, now);
        uint64_t wait = 200000000ULL;                 /* wake up to notice a stop */
        if (w->nheap && w->heap[0].due_ns - now < wait)
            wait = w->heap[0].due_ns > now ? w->heap[0].due_ns - now : 0;
        struct timespec ts = { (time_t)(wait / 1000000000ULL), (long)(wait % 1000000000ULL) };
        int r = ppoll(pf, (nfds_t)np, &ts, NULL);
        if (r <= 0)
            continue;
        for (int k = 0; k < np; k++)
            if (pf[k].revents & POLLIN)
                drain(w, map[k]);
    }
    return NULL;
}

/* ------------------------------------------------------------- set-up */

static int make_socket(uint16_t port, uint16_t *bound)
{
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1, rcv = 8 << 20, snd = 4 << 20;
    if (fd < 0)
        return -1;
    setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof one);
    if (G.threads > 1)
        setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
    /* Big buffers absorb bursts from a windowed poller; FORCE works as root. */
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof rcv) < 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof rcv);
    if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &snd, sizeof snd) < 0)
        setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &snd, sizeof snd);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
                             .sin_addr.s_addr = htonl(G.bind_ip) };
    if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0) {
        close(fd);
        return -1;
    }
    socklen_t al = sizeof a;
    getsockname(fd, (struct sockaddr *)&a, &al);
    *bound = ntohs(a.sin_port);
    return fd;
}

static int worker_init(worker *w, int id)
{
    memset(w, 0, sizeof *w);
    w->id = id;
    w->fd[0] = w->fd[1] = -1;
    w->slot = SIM_HEADROOM + G.max_msg + 256;
    w->rxbuf = malloc((size_t)BATCH * RXSZ);
    w->txbuf = malloc((size_t)BATCH * w->slot);
    w->heap = malloc(G.slow_queue * sizeof *w->heap);
    w->pool = malloc(G.slow_queue * sizeof *w->pool);    /* pages touched only when used */
    w->freelist = malloc(G.slow_queue * sizeof *w->freelist);
    w->usm = usm_thread_new();
    if (!w->rxbuf || !w->txbuf || !w->heap || !w->pool || !w->freelist || !w->usm)
        return -1;
    for (uint32_t i = 0; i < G.slow_queue; i++)
        w->freelist[i] = G.slow_queue - 1 - i;
    w->nfree = G.slow_queue;
    return 0;
}

int server_run(void)
{
    g_start_ns = mono_ns();
    int nt = G.threads;
    g_workers = calloc((size_t)nt, sizeof *g_workers);
    if (!g_workers)
        return 1;
    uint16_t snmp_port = G.snmp_port, enpc_port = G.enpc_port;
    for (int t = 0; t < nt; t++) {
        worker *w = &g_workers[t];
        if (worker_init(w, t) < 0) {
            fprintf(stderr, "ecsp-printer-sim: out of memory\n");
            return 1;
        }
        w->fd[P_SNMP] = make_socket(snmp_port, &snmp_port);   /* port 0: first bind picks */
        if (w->fd[P_SNMP] < 0) {
            fprintf(stderr, "ecsp-printer-sim: cannot bind UDP port %u: %s\n", snmp_port,
                    strerror(errno));
            return 1;
        }
        if (G.enpc_port) {
            w->fd[P_ENPC] = make_socket(enpc_port, &enpc_port);
            if (w->fd[P_ENPC] < 0) {
                fprintf(stderr, "ecsp-printer-sim: cannot bind ENPC UDP port %u: %s\n",
                        enpc_port, strerror(errno));
                return 1;
            }
        }
    }
    struct sigaction sa = { 0 };
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    char base[32];
    struct in_addr ba = { htonl(G.base_ip) };
    snprintf(base, sizeof base, "%s", inet_ntoa(ba));
    printf("ecsp-printer-sim ready: snmp_port=%u enpc_port=%u base=%s count=%u threads=%d\n",
           snmp_port, G.enpc_port ? enpc_port : 0, base, G.count, nt);
    fflush(stdout);

    for (int t = 1; t < nt; t++)
        pthread_create(&g_workers[t].th, NULL, worker_main, &g_workers[t]);
    worker_main(&g_workers[0]);
    sim_stats sum = { 0 };
    for (int t = 0; t < nt; t++) {
        if (t)
            pthread_join(g_workers[t].th, NULL);
        sim_stats *s = &g_workers[t].st;
        sum.rx += s->rx;
        sum.tx += s->tx;
        sum.malformed += s->malformed;
        sum.foreign += s->foreign;
        sum.dead += s->dead;
        sum.delayed += s->delayed;
        sum.enpc += s->enpc;
    }
    fprintf(stderr,
            "ecsp-printer-sim: rx=%llu tx=%llu unanswered=%llu foreign=%llu dead=%llu "
            "delayed=%llu enpc=%llu\n",
            (unsigned long long)sum.rx, (unsigned long long)sum.tx,
            (unsigned long long)sum.malformed, (unsigned long long)sum.foreign,
            (unsigned long long)sum.dead, (unsigned long long)sum.delayed,
            (unsigned long long)sum.enpc);
    return 0;
}
