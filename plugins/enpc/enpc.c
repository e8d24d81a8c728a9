/*
 * ENPC discovery: Epson's own UDP protocol (port 3289) finds Epson devices
 * and reads what their answers give of model and MAC. One non-blocking UDP
 * socket on the loop; probes go out only when the core's discovery run asks
 * (broadcast, or paced unicast), and answers are taken only during a run,
 * from its port, and from an address this run probed (or from anywhere once
 * a broadcast went out). Frames are built and parsed by frame.c.
 */
#include "frame.h"
#include "core/log.h"
#include "core/plugin.h"
#include "devices/discovery.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define SUB "enpc"
#define RX_BURST 64               /* datagrams read per wake-up: the loop stays fair */

struct enpc {
	struct event_base *base;
	int fd;
	struct event *rx, *end_timer;
	struct gw_discovery *d;       /* the run in progress, or NULL */
	struct gw_addrset probed;     /* unicast targets of this run */
	bool bcast_sent;
	uint8_t probe[GW_ENPC_HDR], query[GW_ENPC_HDR + 2];
	int probe_len, query_len;
	struct gw_complaint send_fail;
	struct {
		uint64_t sent, send_failed, answers, unknown_layout, foreign, malformed;
	} st;
};

static void forget(struct enpc *e)
{
	if (e->end_timer)
		evtimer_del(e->end_timer);
	e->d = NULL;
	e->bcast_sent = false;
	gw_addrset_clear(&e->probed);
}

static void send_one(struct enpc *e, const struct sockaddr_in *to, const uint8_t *p, int n)
{
	char ip[INET_ADDRSTRLEN];

	if (sendto(e->fd, p, (size_t)n, MSG_DONTWAIT, (const struct sockaddr *)to,
		   sizeof(*to)) == n) {
		e->st.sent++;
		return;
	}
	e->st.send_failed++;
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)
		return;   /* a full send queue: this probe is lost, the rate is the cure */
	inet_ntop(AF_INET, &to->sin_addr, ip, sizeof(ip));
	gw_complain(&e->send_fail, GW_LOG_WARNING, SUB, "cannot send to %s: %s", ip,
		    strerror(errno));
}

/* Both requests to one address: the probe gives the MAC, the query the model. */
static void probe(struct enpc *e, const struct sockaddr_in *to)
{
	send_one(e, to, e->probe, e->probe_len);
	send_one(e, to, e->query, e->query_len);
}

static void on_end(evutil_socket_t fd, short what, void *arg)
{
	struct enpc *e = arg;
	struct gw_discovery *d = e->d;

	(void)fd;
	(void)what;
	forget(e);
	if (d)
		gw_discovery_done(d, 0);
}

static void report(struct enpc *e, const struct sockaddr_in *from, const struct gw_enpc_reply *r)
{
	struct gw_candidate_info info;

	memset(&info, 0, sizeof(info));
	memcpy(&info.addr, from, sizeof(*from));
	info.addrlen = sizeof(*from);
	info.sources = GW_SRC_ENPC;
	/* the frame's magic is the vendor's own name: any answer is an Epson device */
	snprintf(info.manufacturer, sizeof(info.manufacturer), "EPSON");
	snprintf(info.model, sizeof(info.model), "%s", r->model);
	snprintf(info.hostname, sizeof(info.hostname), "%s", r->name);
	if (r->has_mac)
		gw_enpc_format_mac(r->mac, info.mac, sizeof(info.mac));
	info.details_unknown = r->layout_unknown;
	if (r->layout_unknown)
		e->st.unknown_layout++;
	e->st.answers++;
	gw_discovery_found(e->d, &info);
}

static void take(struct enpc *e, const uint8_t *buf, size_t n, const struct sockaddr_in *from)
{
	struct gw_enpc_reply r;
	char ip[INET_ADDRSTRLEN];
	int rc;

	if (from->sin_family != AF_INET || ntohs(from->sin_port) != e->d->port ||
	    !(e->bcast_sent || gw_addrset_has(&e->probed, ntohl(from->sin_addr.s_addr)))) {
		e->st.foreign++;
		return;
	}
	rc = gw_enpc_parse_reply(buf, n, &r);
	if (rc < 0) {
		e->st.malformed++;
		inet_ntop(AF_INET, &from->sin_addr, ip, sizeof(ip));
		gw_debug(SUB, "%s: %zu bytes dropped: %s", ip, n, gw_enpc_strerror(rc));
		return;
	}
	report(e, from, &r);
}

static void on_read(evutil_socket_t fd, short what, void *arg)
{
	struct enpc *e = arg;
	uint8_t buf[GW_ENPC_MAX];

	(void)what;
	for (int i = 0; i < RX_BURST; i++) {
		struct sockaddr_in from;
		socklen_t len = sizeof(from);
		ssize_t n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&from,
				     &len);

		if (n < 0)
			break;    /* EAGAIN: drained; other errors (ICMP unreachable) say nothing */
		if (e->d && len >= sizeof(from))
			take(e, buf, (size_t)n, &from);
	}
}

static int enpc_init(struct event_base *base, const void *conf, void **ctx)
{
	struct enpc *e = calloc(1, sizeof(*e));

	(void)conf;
	if (!e)
		return -ENOMEM;
	e->base = base;
	e->fd = -1;
	e->probe_len = gw_enpc_build_probe(e->probe, sizeof(e->probe));
	e->query_len = gw_enpc_build_basic_info(e->query, sizeof(e->query));
	e->end_timer = evtimer_new(base, on_end, e);
	if (e->probe_len < 0 || e->query_len < 0 || !e->end_timer) {
		if (e->end_timer)
			event_free(e->end_timer);
		free(e);
		return -ENOMEM;
	}
	*ctx = e;
	return 0;
}

static int enpc_start(void *ctx)
{
	struct enpc *e = ctx;
	struct sockaddr_in any = {.sin_family = AF_INET};
	int one = 1, err;

	e->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (e->fd < 0)
		goto err;
	if (setsockopt(e->fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one)) < 0 ||
	    bind(e->fd, (struct sockaddr *)&any, sizeof(any)) < 0)
		goto err_close;
	e->rx = event_new(e->base, e->fd, EV_READ | EV_PERSIST, on_read, e);
	if (!e->rx || event_add(e->rx, NULL) < 0)
		goto err_close;
	return 0;

err_close:
	err = errno ? errno : ENOMEM;
	if (e->rx)
		event_free(e->rx);
	e->rx = NULL;
	close(e->fd);
	e->fd = -1;
	errno = err;
err:
	err = errno;
	gw_err(SUB, "cannot open the UDP socket: %s", strerror(err));
	return -err;
}

static void enpc_stop(void *ctx)
{
	struct enpc *e = ctx;

	forget(e);
	if (e->rx)
		event_free(e->rx);
	e->rx = NULL;
	if (e->fd >= 0)
		close(e->fd);
	e->fd = -1;
}

static void enpc_destroy(void *ctx)
{
	struct enpc *e = ctx;

	if (!e)
		return;
	enpc_stop(e);
	if (e->end_timer)
		event_free(e->end_timer);
	free(e);
}

static int enpc_discover(void *ctx, struct gw_discovery *d)
{
	struct enpc *e = ctx;
	struct timeval tv;

	if (d->step != GW_DISC_BEGIN && d != e->d)
		return -ENOENT;
	switch (d->step) {
	case GW_DISC_BEGIN:
		if (e->d)
			return -EBUSY;
		if (e->fd < 0)
			return -ENOTCONN;
		forget(e);
		e->d = d;
		e->send_fail = (struct gw_complaint){0};
		return 0;
	case GW_DISC_BROADCAST:
		for (unsigned i = 0; i < d->n_bcast; i++)
			probe(e, &d->bcast[i]);
		e->bcast_sent = true;
		return 0;
	case GW_DISC_PROBE:
		for (unsigned i = 0; i < d->n_targets; i++) {
			if (gw_addrset_add(&e->probed, ntohl(d->targets[i].sin_addr.s_addr)) < 0)
				continue;  /* no memory: an answer could not be told from a stray */
			probe(e, &d->targets[i]);
		}
		return 0;
	case GW_DISC_END:
		tv.tv_sec = d->timeout_ms / 1000;
		tv.tv_usec = (d->timeout_ms % 1000) * 1000;
		evtimer_add(e->end_timer, &tv);
		return 0;
	case GW_DISC_CANCEL:
		forget(e);
		return 0;
	}
	return -EINVAL;
}

static void enpc_stats(void *ctx, struct gw_buf *json)
{
	struct enpc *e = ctx;

	gw_buf_printf(json, "\"sent\": %llu, \"send_failed\": %llu, \"answers\": %llu, "
		      "\"unknown_layout\": %llu, \"foreign\": %llu, \"malformed\": %llu",
		      (unsigned long long)e->st.sent, (unsigned long long)e->st.send_failed,
		      (unsigned long long)e->st.answers, (unsigned long long)e->st.unknown_layout,
		      (unsigned long long)e->st.foreign, (unsigned long long)e->st.malformed);
}

const struct gw_plugin gw_plugin_enpc = {
	.abi = GW_PLUGIN_ABI,
	.name = "enpc",
	.description = "Epson Net Printer Control (UDP 3289): discovery and identification",
	.roles = GW_ROLE_DISCOVER,
	.init = enpc_init,
	.start = enpc_start,
	.stop = enpc_stop,
	.destroy = enpc_destroy,
	.discover = enpc_discover,
	.stats = enpc_stats,
};
