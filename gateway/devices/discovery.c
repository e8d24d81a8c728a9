#include "discovery.h"
#include "../control/audit.h"
#include "../core/clock.h"
#include "../core/log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SUB "discovery"
#define TICK_MS 50               /* pacing granularity */
#define MAX_BATCH 256            /* addresses handed to a plugin per call */
#define MAX_PLUGS 8
#define DEFAULT_RATE 200
#define DEFAULT_WAIT_MS 3000
#define DONE_SLACK_MS 2000       /* a plugin late with done after END is cancelled */
#define LOG_EVERY_MS 1000
#define BROADCAST_EVERY_MS 1000

/* ---- ranges ---- */

static bool reserved(uint32_t a)
{
	return (a >> 24) == 0 || (a >> 28) == 0xe || (a >> 28) == 0xf;
}

int gw_cidr_parse(const char *s, struct gw_cidr *out, const char **reason)
{
	char buf[64], *slash, *end;
	struct in_addr in;
	unsigned long prefix = 32;
	size_t n;
	uint32_t a, mask;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n == 0 || n >= sizeof(buf)) {
		*reason = "a range is an IPv4 network such as 192.0.2.0/24";
		return -EINVAL;
	}
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (strchr(buf, ':')) {
		*reason = "IPv6 ranges are not swept (a /64 cannot be probed); "
			  "add IPv6 printers by address";
		return -EINVAL;
	}
	slash = strchr(buf, '/');
	if (slash) {
		*slash = '\0';
		if (slash[1] < '0' || slash[1] > '9' ||
		    (prefix = strtoul(slash + 1, &end, 10), *end) || prefix > 32) {
			*reason = "the prefix length must be 0 to 32";
			return -EINVAL;
		}
	}
	if (inet_pton(AF_INET, buf, &in) != 1) {
		*reason = "a range is an IPv4 network such as 192.0.2.0/24";
		return -EINVAL;
	}
	a = ntohl(in.s_addr);
	mask = prefix ? 0xffffffffu << (32 - prefix) : 0;
	if (a & ~mask) {
		*reason = "host bits are set: write the network address, such as 192.0.2.0/24";
		return -EINVAL;
	}
	if (reserved(a) || (prefix < 4)) {
		*reason = "multicast, reserved and 0.0.0.0/8 addresses are never probed";
		return -EINVAL;
	}
	out->net = a;
	out->prefix = (uint8_t)prefix;
	return 0;
}

uint32_t gw_cidr_hosts(const struct gw_cidr *c)
{
	if (c->prefix >= 31)
		return 32u - c->prefix + 1;     /* /32: 1, /31: 2 */
	return (uint32_t)((1ull << (32 - c->prefix)) - 2);
}

uint32_t gw_cidr_host(const struct gw_cidr *c, uint32_t i)
{
	return c->prefix >= 31 ? c->net + i : c->net + 1 + i;
}

uint32_t gw_cidr_broadcast(const struct gw_cidr *c)
{
	return c->prefix >= 31 ? 0 : c->net | (0xffffffffu >> c->prefix);
}

static uint64_t span_last(const struct gw_cidr *c)
{
	return (uint64_t)c->net + (1ull << (32 - c->prefix)) - 1;
}

int gw_ranges_parse(const char *list, uint32_t max_addresses, struct gw_ranges *out,
		    const char **reason)
{
	const char *p = list ? list : "";
	uint64_t total = 0;

	memset(out, 0, sizeof(*out));
	while (*p) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		char tok[64];
		struct gw_cidr c;

		if (n >= sizeof(tok)) {
			*reason = "a range is an IPv4 network such as 192.0.2.0/24";
			return -EINVAL;
		}
		memcpy(tok, p, n);
		tok[n] = '\0';
		p += n + (comma ? 1 : 0);
		if (strspn(tok, " \t") == n)
			continue;                   /* "a, b," */
		if (gw_cidr_parse(tok, &c, reason) < 0)
			return -EINVAL;
		if (out->n == GW_DISC_MAX_RANGES) {
			*reason = "at most 16 ranges";
			return -EINVAL;
		}
		for (unsigned i = 0; i < out->n; i++)
			if (c.net <= span_last(&out->v[i]) && out->v[i].net <= span_last(&c)) {
				*reason = "ranges overlap";
				return -EINVAL;
			}
		out->v[out->n++] = c;
		total += gw_cidr_hosts(&c);
		if (total > max_addresses) {
			*reason = "more addresses than max_addresses allows";
			return -EINVAL;
		}
	}
	out->total = (uint32_t)total;
	return 0;
}

uint32_t gw_ranges_at(const struct gw_ranges *r, uint32_t i)
{
	for (unsigned k = 0; k < r->n; k++) {
		uint32_t h = gw_cidr_hosts(&r->v[k]);
		if (i < h)
			return gw_cidr_host(&r->v[k], i);
		i -= h;
	}
	return 0;
}

/* ---- pace ---- */

void gw_rate_init(struct gw_rate *r, uint32_t per_s, int64_t now_ms)
{
	r->per_s = per_s ? per_s : 1;
	r->burst = r->per_s / 10 ? r->per_s / 10 : 1;
	r->credit = 1000;                   /* the first probe goes at once */
	r->last_ms = now_ms;
}

unsigned gw_rate_take(struct gw_rate *r, int64_t now_ms, unsigned want)
{
	uint64_t cap = (uint64_t)r->burst * 1000, n;

	if (now_ms > r->last_ms) {
		/* per_s probes a second = per_s thousandths of a probe a millisecond */
		uint64_t dt = (uint64_t)(now_ms - r->last_ms);
		r->credit = dt >= cap ? cap : r->credit + dt * r->per_s;
		r->last_ms = now_ms;
	}
	if (r->credit > cap)
		r->credit = cap;
	n = r->credit / 1000;
	if (n > want)
		n = want;
	r->credit -= n * 1000;
	return (unsigned)n;
}

int64_t gw_rate_wait_ms(const struct gw_rate *r)
{
	if (r->credit >= 1000)
		return 0;
	return (int64_t)((1000 - r->credit + r->per_s - 1) / r->per_s);
}

/* ---- address sets ---- */

static uint32_t hash32(uint32_t x)
{
	x ^= x >> 16;
	x *= 0x7feb352du;
	x ^= x >> 15;
	x *= 0x846ca68bu;
	return x ^ (x >> 16);
}

static void set_put(uint32_t *slot, uint32_t cap, uint32_t ip)
{
	uint32_t i = hash32(ip) & (cap - 1);

	while (slot[i] && slot[i] != ip)
		i = (i + 1) & (cap - 1);
	slot[i] = ip;
}

int gw_addrset_add(struct gw_addrset *s, uint32_t ip)
{
	if (ip == 0) {
		bool had = s->has_zero;
		s->has_zero = true;
		return had ? 0 : 1;
	}
	if (gw_addrset_has(s, ip))
		return 0;
	if ((s->n + 1) * 2 > s->cap) {
		uint32_t cap = s->cap ? s->cap * 2 : 64;
		uint32_t *slot = calloc(cap, sizeof(*slot));
		if (!slot)
			return -ENOMEM;
		for (uint32_t i = 0; i < s->cap; i++)
			if (s->slot[i])
				set_put(slot, cap, s->slot[i]);
		free(s->slot);
		s->slot = slot;
		s->cap = cap;
	}
	set_put(s->slot, s->cap, ip);
	s->n++;
	return 1;
}

bool gw_addrset_has(const struct gw_addrset *s, uint32_t ip)
{
	uint32_t i;

	if (ip == 0)
		return s->has_zero;
	if (!s->cap)
		return false;
	for (i = hash32(ip) & (s->cap - 1); s->slot[i]; i = (i + 1) & (s->cap - 1))
		if (s->slot[i] == ip)
			return true;
	return false;
}

void gw_addrset_clear(struct gw_addrset *s)
{
	free(s->slot);
	memset(s, 0, sizeof(*s));
}

/* ---- runs ---- */

struct plug {
	struct gw_discoverer *x;
	struct gw_plugin_instance *pi;
	struct gw_discovery d;
	bool active;                    /* began, done not yet reported */
};

struct run {
	struct gw_ranges ranges;
	struct sockaddr_in bcast[GW_DISC_MAX_RANGES + 1];
	unsigned n_bcast;
	uint32_t next;                  /* index of the next address to probe */
	struct gw_rate rate;
	unsigned bcast_left;
	int64_t next_bcast_ms;
	struct plug plugs[MAX_PLUGS];
	unsigned n_plugs, n_active;
	struct gw_addrset answered;
	struct gw_addrset ignored;      /* answered, and said they are not printers */
	struct gw_credentials cred;     /* a copy: a reload may free the file's */
	char community[256];
	int64_t wait_ms;
	struct sockaddr_in targets[MAX_BATCH];
};

struct gw_discoverer {
	struct event_base *base;
	struct gw_plugins *plugins;
	struct gw_candidates *cands;
	struct event *tick, *deadline;
	struct run *run;
	struct gw_discovery_progress prog;
	uint32_t last_run;              /* run numbers never repeat, restarts included */
	int in_call;                    /* inside a plugin's discover() */
	bool finish_pending;
	int64_t last_log_ms;
};

const char *gw_discovery_state_name(enum gw_discovery_state s)
{
	static const char *const n[] = {"idle", "probing", "waiting", "done", "cancelled"};
	return (unsigned)s <= GW_DSTATE_CANCELLED ? n[s] : "idle";
}

static int call(struct plug *p, enum gw_discovery_step step)
{
	int rc;

	p->d.step = step;
	p->x->in_call++;
	rc = p->pi->p->discover(p->pi->ctx, &p->d);
	p->x->in_call--;
	return rc;
}

static void arm(struct event *ev, int64_t ms)
{
	struct timeval tv = {ms / 1000, (ms % 1000) * 1000};

	evtimer_add(ev, &tv);
}

static void log_progress(struct gw_discoverer *x, bool force)
{
	int64_t now = gw_clock_mono_ms();

	if (!force && now - x->last_log_ms < LOG_EVERY_MS)
		return;
	x->last_log_ms = now;
	gw_info(SUB, "run %u: probed %u of %u addresses, %u answered", x->prog.run,
		x->prog.probed, x->prog.total, x->prog.found);
}

static void finish(struct gw_discoverer *x, enum gw_discovery_state state)
{
	struct run *run = x->run;
	unsigned reported = 0;

	if (!run)
		return;
	x->finish_pending = false;
	evtimer_del(x->tick);
	evtimer_del(x->deadline);
	if (x->prog.for_cloud)
		reported = gw_candidates_report_run(x->cands, x->prog.run);
	x->prog.state = state;
	x->prog.finished_ms = gw_clock_wall_ms();
	gw_notice(SUB, "run %u %s: probed %u of %u addresses, %u answered, %u new candidates, "
		  "%u already managed, %u ignored (not printers), %u candidates kept%s",
		  x->prog.run, gw_discovery_state_name(state), x->prog.probed, x->prog.total,
		  x->prog.found, x->prog.new_candidates, x->prog.managed, x->prog.ignored,
		  gw_candidates_count(x->cands), reported ? " (reported to the cloud)" : "");
	gw_addrset_clear(&run->answered);
	gw_addrset_clear(&run->ignored);
	free(run);
	x->run = NULL;
}

/* After calls into plugins: a done() inside them may have ended the run. */
static bool settle(struct gw_discoverer *x)
{
	if (x->in_call || !x->run)
		return !x->run;
	if (x->finish_pending || x->run->n_active == 0) {
		finish(x, GW_DSTATE_DONE);
		return true;
	}
	return false;
}

static void end_probing(struct gw_discoverer *x)
{
	struct run *run = x->run;

	x->prog.state = GW_DSTATE_WAITING;
	log_progress(x, true);
	for (unsigned i = 0; i < run->n_plugs; i++) {
		struct plug *p = &run->plugs[i];
		if (!p->active)
			continue;
		p->d.timeout_ms = run->wait_ms;
		call(p, GW_DISC_END);
	}
	if (!settle(x))
		arm(x->deadline, run->wait_ms + DONE_SLACK_MS);
}

static void send_broadcasts(struct run *run)
{
	for (unsigned i = 0; i < run->n_plugs; i++) {
		struct plug *p = &run->plugs[i];
		if (!p->active)
			continue;
		for (unsigned k = 0; k < run->n_bcast; k++)
			run->bcast[k].sin_port = htons(p->d.port);
		p->d.bcast = run->bcast;
		p->d.n_bcast = run->n_bcast;
		call(p, GW_DISC_BROADCAST);
		p->d.bcast = NULL;
		p->d.n_bcast = 0;
	}
}

static void send_probes(struct run *run, unsigned n)
{
	for (unsigned k = 0; k < n; k++) {
		run->targets[k].sin_family = AF_INET;
		run->targets[k].sin_addr.s_addr = htonl(gw_ranges_at(&run->ranges, run->next + k));
	}
	for (unsigned i = 0; i < run->n_plugs; i++) {
		struct plug *p = &run->plugs[i];
		if (!p->active)
			continue;
		for (unsigned k = 0; k < n; k++)
			run->targets[k].sin_port = htons(p->d.port);
		p->d.targets = run->targets;
		p->d.n_targets = n;
		call(p, GW_DISC_PROBE);
		p->d.targets = NULL;
		p->d.n_targets = 0;
	}
	run->next += n;
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct gw_discoverer *x = arg;
	struct run *run = x->run;
	int64_t now = gw_clock_mono_ms(), delay;
	uint32_t left;
	unsigned n;

	(void)fd;
	(void)what;
	if (!run || x->prog.state != GW_DSTATE_PROBING)
		return;
	if (run->bcast_left && now >= run->next_bcast_ms) {
		send_broadcasts(run);
		run->bcast_left--;
		run->next_bcast_ms = now + BROADCAST_EVERY_MS;
		if (settle(x))
			return;
	}
	left = run->ranges.total - run->next;
	n = gw_rate_take(&run->rate, now, left < MAX_BATCH ? left : MAX_BATCH);
	if (n) {
		send_probes(run, n);
		x->prog.probed = run->next;
		if (settle(x))
			return;
	}
	log_progress(x, false);
	if (run->next == run->ranges.total && !run->bcast_left) {
		end_probing(x);
		return;
	}
	delay = run->next < run->ranges.total ? gw_rate_wait_ms(&run->rate) : INT64_MAX;
	if (delay < TICK_MS)
		delay = TICK_MS;
	if (run->bcast_left && run->next_bcast_ms - now < delay)
		delay = run->next_bcast_ms - now > 0 ? run->next_bcast_ms - now : 0;
	arm(x->tick, delay);
}

/* Plugins late with done after END are cancelled: the run ends anyway. */
static void on_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct gw_discoverer *x = arg;
	struct run *run = x->run;

	(void)fd;
	(void)what;
	if (!run)
		return;
	for (unsigned i = 0; i < run->n_plugs; i++) {
		struct plug *p = &run->plugs[i];
		if (!p->active)
			continue;
		gw_warn(SUB, "run %u: %s did not finish in time; cancelled", x->prog.run,
			p->pi->p->name);
		call(p, GW_DISC_CANCEL);
		p->active = false;
		run->n_active--;
	}
	finish(x, GW_DSTATE_DONE);
}

void gw_discovery_found(struct gw_discovery *d, const struct gw_candidate_info *info)
{
	struct plug *p = d->core_arg;
	struct gw_discoverer *x = p->x;
	struct gw_note_ctx ctx = {x->prog.run, x->prog.for_cloud, gw_clock_wall_ms()};
	const struct gw_candidate *c;
	enum gw_note_result res;
	uint32_t id = 0;
	char ip[64] = "?";
	int level;

	if (!x->run || !p->active || x->in_call)
		return;                     /* late, or against the contract: dropped */
	if (info->addr.ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)&info->addr;
		if (gw_addrset_add(&x->run->answered, ntohl(sin->sin_addr.s_addr)) == 1)
			x->prog.found++;
		if (info->not_printer &&
		    gw_addrset_add(&x->run->ignored, ntohl(sin->sin_addr.s_addr)) == 1)
			x->prog.ignored++;
		inet_ntop(AF_INET, &sin->sin_addr, ip, sizeof(ip));
	}
	if (info->not_printer) {
		/* the plugin logged why; a router or a projector is no candidate */
		gw_debug(SUB, "run %u: %s answered %s: not a printer, ignored", x->prog.run, ip,
			 p->pi->p->name);
		return;
	}
	res = gw_candidates_note(x->cands, info, &ctx, &id);
	if (res == GW_NOTE_NEW)
		x->prog.new_candidates++;
	else if (res >= GW_NOTE_MANAGED && res <= GW_NOTE_MANAGED_ELSEWHERE)
		x->prog.managed++;
	/* what changed is worth a line; a second answer of the same device is not */
	level = res == GW_NOTE_NEW || res == GW_NOTE_MOVED || res == GW_NOTE_MANAGED_MOVED
		? GW_LOG_INFO : GW_LOG_DEBUG;
	c = res <= GW_NOTE_MOVED ? gw_candidates_get(x->cands, id) : NULL;
	if (c)
		/* candidate fields hold printable ASCII only */
		gw_log(level, SUB, "run %u: %s answered %s: candidate %u %s (model \"%s\", "
		       "serial \"%s\", mac \"%s\"%s)", x->prog.run, ip, p->pi->p->name, id,
		       gw_note_result_name(res), c->model, c->serial, c->mac,
		       c->details_unknown ? ", details unknown" : "");
	else
		gw_log(level, SUB, "run %u: %s answered %s: %s", x->prog.run, ip, p->pi->p->name,
		       gw_note_result_name(res));
}

void gw_discovery_done(struct gw_discovery *d, int status)
{
	struct plug *p = d->core_arg;
	struct gw_discoverer *x = p->x;

	if (!x->run || !p->active)
		return;
	p->active = false;
	x->run->n_active--;
	if (status < 0)
		gw_warn(SUB, "run %u: %s stopped: %s", x->prog.run, p->pi->p->name,
			strerror(-status));
	if (x->run->n_active == 0) {
		if (x->in_call)
			x->finish_pending = true;
		else
			finish(x, GW_DSTATE_DONE);
	}
}

struct gw_discoverer *gw_discoverer_new(struct event_base *base, struct gw_plugins *plugins,
					struct gw_candidates *cands)
{
	struct gw_discoverer *x = calloc(1, sizeof(*x));

	if (!x)
		return NULL;
	x->base = base;
	x->plugins = plugins;
	x->cands = cands;
	x->last_run = gw_candidates_last_run(cands);
	x->tick = evtimer_new(base, on_tick, x);
	x->deadline = evtimer_new(base, on_deadline, x);
	if (!x->tick || !x->deadline) {
		gw_discoverer_free(x);
		return NULL;
	}
	return x;
}

static void cancel_plugs(struct gw_discoverer *x)
{
	struct run *run = x->run;

	for (unsigned i = 0; i < run->n_plugs; i++) {
		if (!run->plugs[i].active)
			continue;
		call(&run->plugs[i], GW_DISC_CANCEL);
		run->plugs[i].active = false;
		run->n_active--;
	}
}

void gw_discoverer_free(struct gw_discoverer *x)
{
	if (!x)
		return;
	if (x->run) {
		cancel_plugs(x);
		finish(x, GW_DSTATE_CANCELLED);
	}
	if (x->tick)
		event_free(x->tick);
	if (x->deadline)
		event_free(x->deadline);
	free(x);
}

/* Which plugins take part, and on which port. */
static bool wanted(const struct gw_plugin *p, const struct gw_discovery_req *req, uint16_t *port)
{
	if (!(p->roles & GW_ROLE_DISCOVER) || !p->discover)
		return false;
	*port = 0;
	if (strcmp(p->name, "enpc") == 0) {
		*port = req->enpc_port ? req->enpc_port : 3289;
		return req->enpc;
	}
	if (strcmp(p->name, "snmp") == 0) {
		*port = req->snmp_port ? req->snmp_port : 161;
		return req->snmp;
	}
	return true;
}

static int check_req(const struct gw_discovery_req *req, struct run *run, const char **reason)
{
	uint32_t max = req->max_addresses ? req->max_addresses : GW_DISC_DEFAULT_MAX;
	uint32_t rate = req->rate ? req->rate : DEFAULT_RATE;

	if (max > GW_DISC_LIMIT || rate > GW_DISC_RATE_MAX) {
		*reason = max > GW_DISC_LIMIT ? "max_addresses is at most 65536"
					      : "rate is at most 5000 a second";
		return -EINVAL;
	}
	if (gw_ranges_parse(req->ranges, max, &run->ranges, reason) < 0)
		return -EINVAL;
	if (!run->ranges.total && !req->broadcast) {
		*reason = "no range to probe and broadcast is off";
		return -EINVAL;
	}
	if (req->cred && (req->cred->version == GW_SNMP_V3 || !req->cred->community ||
			  strlen(req->cred->community) >= sizeof(run->community))) {
		*reason = "discovery needs an SNMP v1 or v2c community";
		return -EINVAL;
	}
	gw_rate_init(&run->rate, rate, gw_clock_mono_ms());
	return 0;
}

static void plan_broadcasts(struct run *run)
{
	run->bcast[run->n_bcast].sin_family = AF_INET;
	run->bcast[run->n_bcast++].sin_addr.s_addr = htonl(INADDR_BROADCAST);
	for (unsigned i = 0; i < run->ranges.n; i++) {
		uint32_t b = gw_cidr_broadcast(&run->ranges.v[i]);
		if (!b)
			continue;
		run->bcast[run->n_bcast].sin_family = AF_INET;
		run->bcast[run->n_bcast++].sin_addr.s_addr = htonl(b);
	}
	run->bcast_left = GW_DISC_BROADCASTS;
}

int gw_discoverer_start(struct gw_discoverer *x, const struct gw_discovery_req *req,
			const char *actor, const char **reason)
{
	struct run *run;
	uint32_t no = x->last_run + 1;
	char names[128];
	int rc;

	if (x->run) {
		*reason = "a discovery is already running";
		return -EBUSY;
	}
	run = calloc(1, sizeof(*run));
	if (!run) {
		*reason = "out of memory";
		return -ENOMEM;
	}
	rc = check_req(req, run, reason);
	if (rc < 0)
		goto err_free;
	run->wait_ms = req->wait_ms > 0 ? req->wait_ms : DEFAULT_WAIT_MS;
	run->cred = (struct gw_credentials){.name = "discovery", .version = GW_SNMP_V1};
	snprintf(run->community, sizeof(run->community), "%s",
		 req->cred ? req->cred->community : "public");
	if (req->cred)
		run->cred.version = req->cred->version;
	run->cred.community = run->community;
	if (req->broadcast)
		plan_broadcasts(run);
	x->run = run;
	for (unsigned i = 0; i < x->plugins->n && run->n_plugs < MAX_PLUGS; i++) {
		struct gw_plugin_instance *pi = &x->plugins->v[i];
		struct plug *p = &run->plugs[run->n_plugs];
		uint16_t port;

		if (!pi->started || !wanted(pi->p, req, &port))
			continue;
		*p = (struct plug){.x = x, .pi = pi};
		p->d = (struct gw_discovery){.run = no, .port = port, .cred = &run->cred,
					     .timeout_ms = run->wait_ms, .core_arg = p};
		if (call(p, GW_DISC_BEGIN) < 0) {
			gw_warn(SUB, "run %u: %s cannot take part", no, pi->p->name);
			continue;
		}
		p->active = true;
		run->n_plugs++;
		run->n_active++;
	}
	if (!run->n_active) {
		*reason = "no plugin of this build discovers with the protocols asked for";
		rc = -ENODEV;
		x->run = NULL;
		goto err_free;
	}
	x->last_run = no;
	x->prog = (struct gw_discovery_progress){
		.run = no, .state = GW_DSTATE_PROBING, .total = run->ranges.total,
		.started_ms = gw_clock_wall_ms(), .for_cloud = req->for_cloud,
	};
	x->finish_pending = false;
	snprintf(x->prog.actor, sizeof(x->prog.actor), "%s", actor);
	gw_audit(actor, "discovery.start", req->ranges && *req->ranges ? req->ranges : "broadcast",
		 "run %u: %u addresses at %u a second%s%s", no, run->ranges.total,
		 run->rate.per_s, req->broadcast ? ", broadcast" : "",
		 req->for_cloud ? ", for the cloud" : "");
	names[0] = '\0';
	for (unsigned i = 0; i < run->n_plugs; i++)
		snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
			 i ? ", " : "", run->plugs[i].pi->p->name);
	gw_notice(SUB, "run %u started by %s: %u addresses, with %s", no, actor,
		  run->ranges.total, names);
	x->last_log_ms = gw_clock_mono_ms();
	arm(x->tick, 0);
	return 0;

err_free:
	free(run);
	return rc;
}

int gw_discoverer_cancel(struct gw_discoverer *x, const char *actor)
{
	if (!x->run)
		return -ENOENT;
	gw_audit(actor, "discovery.cancel", "discovery", "run %u after %u of %u addresses",
		 x->prog.run, x->prog.probed, x->prog.total);
	cancel_plugs(x);
	finish(x, GW_DSTATE_CANCELLED);
	return 0;
}

void gw_discoverer_progress(const struct gw_discoverer *x, struct gw_discovery_progress *p)
{
	*p = x->prog;
}
