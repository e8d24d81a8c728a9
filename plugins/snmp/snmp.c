/*
 * The SNMP plugin: collects from managed printers over SNMP v1, v2c and v3,
 * and finds printers that are not managed yet (discover.c).
 *
 * A poll identifies the device with one GET (on v2c/v3 it carries Epson's
 * status scalars along), then reads what the profiles plan for the parts
 * that are due: every table in one walk (one chain of GETBULKs, several
 * columns a request, walk.c) beside one GET of the scalars, within the
 * device's in-flight limit. It fills the device object from everything it
 * read. Retries across polls, offline handling and records belong to the
 * core; this file only runs one poll at a time per device.
 */
#include "charset.h"
#include "client.h"
#include "discover.h"
#include "mib.h"
#include "profile.h"
#include "vbset.h"
#include "walk.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/plugin.h"
#include "devices/discovery.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SUB "snmp"
#define MAX_GET 32
#define MORE_GETS 4            /* GETs of the second round, */
#define MORE_PER_GET 16        /* long answers: a tooBig splits the GET in two */
#define WALK_BYTES 1400        /* aim of one walk answer: one Ethernet frame */

struct snmp_conf {
	long window;
	long per_device;
	long max_repetitions;
	long walk_max;
	int64_t budget_ms;
	bool epson;
	long max_jobs;
};

#define O(f) offsetof(struct snmp_conf, f)
static const struct gw_opt snmp_opts[] = {
	{"window", GW_OPT_INT, "1024", O(window),
	 "SNMP requests in flight over all devices.", .min = 1, .max = 4096},
	{"per_device", GW_OPT_INT, "2", O(per_device),
	 "SNMP requests in flight to one device; old printers fall over under bursts.",
	 .min = 1, .max = 16},
	{"max_repetitions", GW_OPT_INT, "10", O(max_repetitions),
	 "GETBULK max-repetitions of table walks, at the least: a poll walks its tables "
	 "together, sized to about 1,400 bytes an answer (halved when a device answers tooBig).",
	 .min = 1, .max = 100},
	{"walk_max", GW_OPT_INT, "2000", O(walk_max),
	 "Most varbinds one table walk takes before it stops.", .min = 10, .max = 100000},
	{"poll_budget", GW_OPT_DURATION, "30s", O(budget_ms),
	 "Longest time one poll of one device may take, retries included.", .min = 1000,
	 .max = 600000},
	{"epson", GW_OPT_BOOL, "true", O(epson),
	 "Read Epson printers' private status (ST2) and EPSON-CTRL answers as well."},
	{"max_jobs", GW_OPT_INT, "32", O(max_jobs),
	 "Most job-history entries in one snapshot.", .min = 0, .max = GW_DD_MAX_JOBS},
	{0},
};

static const struct gw_section snmp_section = {
	"snmp", "The SNMP collector: how hard it may press the network and the printers.",
	snmp_opts, sizeof(struct snmp_conf), 0, NULL,
};

/*
 * The throttled complaint of a device whose credentials are refused. Only
 * devices with something to say have an entry (a healthy fleet has none):
 * open addressing on the device id, removed when the device answers again.
 */
struct dev_log {
	uint32_t id;                 /* 0: empty slot */
	struct gw_complaint c;
};

struct ctx {
	struct event_base *base;
	struct snmp_conf conf;
	struct gw_snmp_client *client;
	struct gw_snmp_disc *disc;
	uint64_t polls, polls_ok, polls_failed, epson_polls;
	struct dev_log *logs;
	unsigned logs_cap, n_logs;   /* logs_cap: a power of two, or 0 */
};

struct poll;

struct walk_slot {
	struct poll *p;
	struct gw_snmp_walk *w;
};

/* One GET of a poll, sized to its OIDs (an OID has room for 128 arcs: 516 bytes). */
struct getter {
	struct poll *p;
	struct getter *next;         /* a half split off after tooBig */
	unsigned n;
	unsigned n_base;             /* identity: its own OIDs, before the ones it carries along */
	bool ident;
	bool in_flight;
	struct gw_oid oids[];
};

struct poll {
	struct ctx *ctx;
	struct gw_collect *job;
	struct gw_snmp_session *s;
	struct gw_vbset vs;
	unsigned pending;
	bool epson_enterprise, finished, more_done;
	struct walk_slot slots[1];   /* one walk follows all the poll's tables */
	unsigned n_slots;
	struct getter *gets[2 + MORE_GETS]; /* identity, the plan's GETs, the second round */
	char ip[INET6_ADDRSTRLEN];
};

static unsigned log_slot(uint32_t id, unsigned cap)
{
	return (id * 2654435761u) & (cap - 1);
}

/* The entry of device id, or NULL. */
static struct dev_log *log_find(const struct ctx *c, uint32_t id)
{
	if (!c->logs_cap)
		return NULL;
	for (unsigned h = log_slot(id, c->logs_cap); c->logs[h].id; h = (h + 1) & (c->logs_cap - 1))
		if (c->logs[h].id == id)
			return &c->logs[h];
	return NULL;
}

/* The entry of device id, made if missing; NULL when out of memory. */
static struct gw_complaint *dev_log(struct ctx *c, uint32_t id)
{
	struct dev_log *e = log_find(c, id);
	unsigned h;

	if (e)
		return &e->c;
	if (!id)
		return NULL; /* 0 marks an empty slot; devices are numbered from 1 */
	if ((c->n_logs + 1) * 2 > c->logs_cap) {
		unsigned cap = c->logs_cap ? c->logs_cap * 2 : 16;
		struct dev_log *v = calloc(cap, sizeof(*v));

		if (!v)
			return NULL;
		for (unsigned i = 0; i < c->logs_cap; i++) {
			if (!c->logs[i].id)
				continue;
			for (h = log_slot(c->logs[i].id, cap); v[h].id; h = (h + 1) & (cap - 1))
				;
			v[h] = c->logs[i];
		}
		free(c->logs);
		c->logs = v;
		c->logs_cap = cap;
	}
	for (h = log_slot(id, c->logs_cap); c->logs[h].id; h = (h + 1) & (c->logs_cap - 1))
		;
	c->logs[h] = (struct dev_log){.id = id};
	c->n_logs++;
	return &c->logs[h].c;
}

/* Forget e (backward shift: the entries after it stay reachable). */
static void log_drop(struct ctx *c, struct dev_log *e)
{
	unsigned mask = c->logs_cap - 1, i = (unsigned)(e - c->logs), j = i;

	for (;;) {
		j = (j + 1) & mask;
		if (!c->logs[j].id)
			break;
		unsigned home = log_slot(c->logs[j].id, c->logs_cap);
		/* j's entry may move to i when its home is not in (i, j] */
		if ((j > i && (home <= i || home > j)) || (j < i && home <= i && home > j)) {
			c->logs[i] = c->logs[j];
			i = j;
		}
	}
	c->logs[i] = (struct dev_log){0};
	c->n_logs--;
}

static void poll_free(struct poll *p)
{
	gw_snmp_session_free(p->s);  /* drops requests in flight: no callback follows */
	for (unsigned i = 0; i < p->n_slots; i++)
		if (p->slots[i].w)
			gw_snmp_walk_cancel(p->slots[i].w);
	gw_vbset_release(&p->vs);
	for (unsigned i = 0; i < 2 + MORE_GETS; i++) {
		for (struct getter *g = p->gets[i], *next; g; g = next) {
			next = g->next;
			free(g);
		}
	}
	free(p);
}

/* The poll's GET in slot i, room for n OIDs (none yet); NULL when out of memory. */
static struct getter *getter_new(struct poll *p, unsigned i, unsigned n)
{
	struct getter *g = calloc(1, sizeof(*g) + n * sizeof(g->oids[0]));

	if (!g)
		return NULL;
	free(p->gets[i]);
	p->gets[i] = g;
	g->p = p;
	return g;
}

static void finish(struct poll *p, int status)
{
	struct gw_collect *job = p->job;
	struct ctx *c = p->ctx;
	const char *why = gw_snmp_session_auth_error(p->s);
	struct dev_log *log = log_find(c, job->device_id);

	if (p->finished)
		return;
	p->finished = true;
	if (status == 0) {
		struct gw_fill_ctx fc = {
			.parts = job->parts,
			.user_key = job->user_hash_key,
			.user_key_len = job->user_hash_key_len,
			.polled_ip = p->ip[0] ? p->ip : NULL,
			.max_jobs = (unsigned)c->conf.max_jobs,
		};

		gw_vbset_sort(&p->vs);
		job->data->acquired_ms = gw_clock_wall_ms();
		if (c->conf.epson && gw_profile_is_epson(&p->vs)) {
			/* Epson first: its model and serial sources are the finer ones */
			gw_printer_fill(&p->vs, &fc, job->data);
			gw_epson_fill(&p->vs, &fc, job->data);
			c->epson_polls++;
		} else {
			gw_printer_fill(&p->vs, &fc, job->data);
		}
		c->polls_ok++;
		if (log) {
			gw_complaint_clear(&log->c, SUB, "%s: answering SNMP again", job->device_name);
			log_drop(c, log);
		}
	} else {
		struct gw_complaint *cl;

		c->polls_failed++;
		if (status == -EACCES && (cl = dev_log(c, job->device_id)))
			gw_complain(cl, GW_LOG_WARNING, SUB, "%s: SNMP credentials \"%s\" refused: %s",
				    job->device_name, job->cred->name ? job->cred->name : "?",
				    why ? why : "access denied");
	}
	job->plugin_state = NULL;
	poll_free(p);
	gw_collect_done(job, status);
}

static bool plan_more(struct poll *p);

static void one_done(struct poll *p)
{
	if (--p->pending == 0 && !plan_more(p))
		finish(p, 0);
}

/* ---- walks ---- */

static void on_walk_vb(void *arg, const struct gw_oid *oid, const struct gw_snmp_vb *vb)
{
	struct walk_slot *ws = arg;

	if (gw_profile_keep(oid))
		gw_vbset_add(&ws->p->vs, oid, vb);
}

static void on_walk_done(void *arg, int status)
{
	struct walk_slot *ws = arg;
	struct poll *p = ws->p;

	ws->w = NULL;
	if (status == -EACCES || (status == -ETIMEDOUT && !gw_snmp_session_answered(p->s))) {
		finish(p, status);
		return;
	}
	one_done(p);
}

/*
 * All the subtrees of the plan in one walk: one chain of GETBULKs carries
 * the rows of every table at once, sized to about WALK_BYTES an answer.
 */
static void start_walks(struct poll *p, const struct gw_oid *roots, unsigned n)
{
	struct gw_walk_opts o = {
		.max_vb = (unsigned)p->ctx->conf.walk_max,
		.max_rep = (unsigned)p->ctx->conf.max_repetitions,
		.max_bytes = WALK_BYTES,
	};
	struct walk_slot *ws;
	int err = 0;

	if (n == 0 || p->n_slots >= sizeof(p->slots) / sizeof(p->slots[0]))
		return;
	ws = &p->slots[p->n_slots++];
	ws->p = p;
	ws->w = gw_snmp_walk_start_multi(p->s, roots, n, &o, on_walk_vb, on_walk_done, ws, &err);
	if (ws->w)
		p->pending++;
	else
		p->n_slots--;
}

/* ---- GETs ---- */

static void plan_round(struct poll *p);
static void on_get(void *arg, int status, const struct gw_snmp_pdu *pdu);

static int send_get(struct getter *g)
{
	g->in_flight = gw_snmp_request(g->p->s, GW_PDU_GET, g->oids, g->n, 0, 0, on_get, g) == 0;
	return g->in_flight ? 0 : -EIO;
}

/*
 * After tooBig: the identity drops what it carried along, any other GET
 * goes on as two halves. False when nothing went out again.
 */
static bool split_get(struct getter *g)
{
	struct poll *p = g->p;
	struct getter *h;
	unsigned keep = g->n / 2;

	if (g->ident) {
		if (g->n <= g->n_base)
			return false;
		g->n = g->n_base;
		return send_get(g) == 0;
	}
	h = calloc(1, sizeof(*h) + (g->n - keep) * sizeof(h->oids[0]));
	if (!h)
		return false;
	h->p = p;
	memcpy(h->oids, &g->oids[keep], (g->n - keep) * sizeof(h->oids[0]));
	h->n = g->n - keep;
	h->next = g->next;
	g->next = h;
	g->n = keep;
	if (send_get(h) == 0)
		p->pending++;
	return send_get(g) == 0;
}

static void on_get(void *arg, int status, const struct gw_snmp_pdu *pdu)
{
	struct getter *g = arg;
	struct poll *p = g->p;
	struct gw_oid o;

	g->in_flight = false;
	if (status < 0) {
		/* without the identity there is nothing to report */
		if (g->ident || status == -EACCES || !gw_snmp_session_answered(p->s))
			finish(p, status);
		else
			one_done(p);
		return;
	}
	if (pdu->err_status == GW_SNMP_NO_SUCH_NAME && pdu->err_index >= 1 &&
	    (unsigned)pdu->err_index <= g->n && g->n > 1) {
		/* SNMPv1 refuses the whole GET for one missing object: drop it, ask again */
		unsigned k = (unsigned)pdu->err_index - 1;

		if (g->ident && k >= g->n_base) {
			g->n = g->n_base; /* what it carried along: asked again in the plan's GET */
		} else {
			memmove(&g->oids[k], &g->oids[k + 1], (g->n - k - 1) * sizeof(g->oids[0]));
			g->n--;
			if (k < g->n_base)
				g->n_base--;
		}
		if (send_get(g) == 0)
			return;
	} else if (pdu->err_status == GW_SNMP_TOO_BIG && g->n > 1 && split_get(g)) {
		return;
	} else if (pdu->err_status != GW_SNMP_NO_ERROR && g->ident && g->n > g->n_base) {
		g->n = g->n_base; /* the identity alone, as if it had carried nothing */
		if (send_get(g) == 0)
			return;
	} else if (pdu->err_status == GW_SNMP_NO_ERROR) {
		for (unsigned i = 0; i < pdu->n_vb; i++)
			if (gw_snmp_vb_oid(&pdu->vb[i], &o) == 0 && gw_profile_keep(&o))
				gw_vbset_add(&p->vs, &o, &pdu->vb[i]);
	}
	if (g->ident) {
		plan_round(p);
		return;
	}
	one_done(p);
}

/*
 * GETs that what the first round read calls for (Epson: one ii per slot ia
 * listed). True when some went out.
 */
static bool plan_more(struct poll *p)
{
	struct gw_plan *plan;
	unsigned i = 0;

	if (p->more_done || !p->ctx->conf.epson || !p->epson_enterprise)
		return false;
	p->more_done = true;
	plan = calloc(1, sizeof(*plan));
	if (!plan)
		return false;
	gw_vbset_sort(&p->vs);
	gw_epson_plan_more(&p->vs, p->job->parts, plan);
	for (unsigned k = 0; k < MORE_GETS && i < plan->n_gets; k++) {
		struct getter *g = getter_new(p, 2 + k, MORE_PER_GET);

		if (!g)
			break;
		while (i < plan->n_gets && g->n < MORE_PER_GET)
			g->oids[g->n++] = plan->gets[i++];
		if (send_get(g) == 0)
			p->pending++;
	}
	free(plan);
	return p->pending > 0;
}

/* True when the identity's GET asked for o already (and kept it). */
static bool asked_with_ident(const struct poll *p, const struct gw_oid *o)
{
	const struct getter *g = p->gets[0];

	for (unsigned i = g ? g->n_base : 0; g && i < g->n; i++)
		if (gw_oid_cmpo(&g->oids[i], o) == 0)
			return true;
	return false;
}

static void plan_round(struct poll *p)
{
	struct gw_plan *plan = calloc(1, sizeof(*plan));
	struct getter *g;

	if (!plan) {
		finish(p, -ENOMEM);
		return;
	}
	gw_vbset_sort(&p->vs);
	if (!gw_vbset_get(&p->vs, GW_ARCS(MIB_SYS_OBJECT_ID), NULL, 0) &&
	    !gw_vbset_get(&p->vs, GW_ARCS(MIB_SYS_DESCR), NULL, 0))
		gw_debug(SUB, "%s: no system group; reading on", p->job->device_name);
	gw_printer_plan(plan, p->job->parts);
	p->epson_enterprise = gw_profile_epson_enterprise(&p->vs) || gw_profile_is_epson(&p->vs);
	if (p->ctx->conf.epson && p->epson_enterprise)
		gw_epson_plan(plan, p->job->parts);
	/* the walks hold one slot each in pending; the GETs one for all */
	p->pending = 1;
	start_walks(p, plan->walks, plan->n_walks);
	g = plan->n_gets ? getter_new(p, 1, plan->n_gets < MAX_GET ? plan->n_gets : MAX_GET)
			 : NULL;
	for (unsigned i = 0; g && i < plan->n_gets && g->n < MAX_GET; i++)
		if (!asked_with_ident(p, &plan->gets[i]))
			g->oids[g->n++] = plan->gets[i];
	free(plan);
	if (g && g->n && send_get(g) == 0)
		p->pending++;
	one_done(p);
}

/* ---- the plugin ---- */

static int snmp_init(struct event_base *base, const void *conf, void **out)
{
	struct ctx *c = calloc(1, sizeof(*c));
	struct gw_snmp_client_opts o;

	if (!c)
		return -ENOMEM;
	c->base = base;
	c->conf = *(const struct snmp_conf *)conf;
	o = (struct gw_snmp_client_opts){
		.window = (unsigned)c->conf.window,
		.per_device = (unsigned)c->conf.per_device,
	};
	static const struct gw_snmp_disc_ops disc_ops = {gw_discovery_found, gw_discovery_done};

	c->client = gw_snmp_client_new(base, &o);
	c->disc = gw_snmp_disc_new(base, o.per_device, &disc_ops);
	if (!c->client || !c->disc) {
		gw_snmp_client_free(c->client);
		gw_snmp_disc_free(c->disc);
		free(c);
		return -ENOMEM;
	}
	*out = c;
	return 0;
}

static void snmp_destroy(void *arg)
{
	struct ctx *c = arg;

	if (!c)
		return;
	gw_snmp_disc_free(c->disc);
	gw_snmp_client_free(c->client);
	gw_charset_cleanup();
	free(c->logs);
	free(c);
}

static int snmp_reconfigure(void *arg, const void *conf)
{
	struct ctx *c = arg;
	const struct snmp_conf *n = conf;

	/* window and per-device limits belong to the client: a restart changes them */
	c->conf.max_repetitions = n->max_repetitions;
	c->conf.walk_max = n->walk_max;
	c->conf.budget_ms = n->budget_ms;
	c->conf.epson = n->epson;
	c->conf.max_jobs = n->max_jobs;
	return 0;
}

static int snmp_collect(void *arg, struct gw_collect *job)
{
	struct ctx *c = arg;
	struct poll *p = calloc(1, sizeof(*p));
	struct gw_snmp_session_opts so;
	struct gw_plan *ident;
	struct getter *g;
	unsigned n_base;

	if (!p)
		return -ENOMEM;
	p->ctx = c;
	p->job = job;
	gw_vbset_init(&p->vs);
	if (job->addr.ss_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)&job->addr)->sin_addr, p->ip,
			  sizeof(p->ip));
	else if (job->addr.ss_family == AF_INET6)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&job->addr)->sin6_addr, p->ip,
			  sizeof(p->ip));
	so = (struct gw_snmp_session_opts){
		.addr = (const struct sockaddr *)&job->addr,
		.addrlen = job->addrlen,
		.cred = job->cred,
		.timeout_ms = job->timeout_ms,
		.retries = job->retries,
		.budget_ms = c->conf.budget_ms,
		.name = job->device_name,
	};
	p->s = gw_snmp_session_new(c->client, &so);
	if (!p->s) {
		free(p);
		return -EINVAL;
	}
	if (gw_snmp_session_auth_error(p->s)) {
		struct gw_complaint *log = dev_log(c, job->device_id);

		if (log)
			gw_complain(log, GW_LOG_ERROR, SUB, "%s: credentials \"%s\": %s",
				    job->device_name, job->cred->name ? job->cred->name : "?",
				    gw_snmp_session_auth_error(p->s));
		poll_free(p);
		return -EACCES;
	}
	ident = calloc(1, sizeof(*ident));
	if (!ident) {
		poll_free(p);
		return -ENOMEM;
	}
	gw_profile_ident_plan(ident, gw_snmp_session_version(p->s) == GW_SNMP_V1);
	n_base = ident->n_gets;
	if (c->conf.epson && gw_snmp_session_version(p->s) != GW_SNMP_V1) {
		/*
		 * Epson's status scalars ride along with the identity, one request
		 * less; another make answers noSuchObject, which is not kept, and
		 * only Epson printers' fill reads them. The settings' ones are long:
		 * they wait for the plan's GET.
		 */
		gw_epson_plan(ident, job->parts & ~(unsigned)GW_PART_SETTINGS);
	}
	g = getter_new(p, 0, ident->n_gets < MAX_GET ? ident->n_gets : MAX_GET);
	if (!g) {
		free(ident);
		poll_free(p);
		return -ENOMEM;
	}
	g->ident = true;
	for (unsigned i = 0; i < ident->n_gets && g->n < MAX_GET; i++)
		g->oids[g->n++] = ident->gets[i];
	g->n_base = n_base < g->n ? n_base : g->n;
	free(ident);
	if (send_get(g) < 0) {
		poll_free(p);
		return -EIO;
	}
	c->polls++;
	job->plugin_state = p;
	return 0;
}

static void snmp_cancel(void *arg, struct gw_collect *job)
{
	struct poll *p = job->plugin_state;

	(void)arg;
	if (!p)
		return;
	job->plugin_state = NULL;
	poll_free(p);
}

static int snmp_discover(void *arg, struct gw_discovery *d)
{
	struct ctx *c = arg;

	return gw_snmp_disc_step(c->disc, d);
}

static void snmp_stats(void *arg, struct gw_buf *json)
{
	struct ctx *c = arg;
	struct gw_snmp_stats st;
	struct gw_walk_stats ws;
	struct gw_snmp_disc_stats ds;

	gw_snmp_client_stats(c->client, &st);
	gw_snmp_walk_stats(&ws);
	gw_snmp_disc_stats(c->disc, &ds);
	gw_buf_printf(json,
		      "\"polls\": %llu, \"polls_ok\": %llu, \"polls_failed\": %llu, "
		      "\"epson_polls\": %llu, \"requests\": %llu, \"sent\": %llu, "
		      "\"retries\": %llu, \"answers\": %llu, \"timeouts\": %llu, "
		      "\"dropped_unsolicited\": %llu, \"dropped_spoofed\": %llu, "
		      "\"dropped_malformed\": %llu, \"dropped_mismatch\": %llu, "
		      "\"dropped_auth\": %llu, \"v1_fallbacks\": %llu, \"key_stretches\": %llu, "
		      "\"walks\": %llu, \"walks_capped\": %llu, \"walks_non_increasing\": %llu, "
		      "\"in_flight\": %u, \"queued\": %u",
		      (unsigned long long)c->polls, (unsigned long long)c->polls_ok,
		      (unsigned long long)c->polls_failed, (unsigned long long)c->epson_polls,
		      (unsigned long long)st.requests, (unsigned long long)st.sent,
		      (unsigned long long)st.retries, (unsigned long long)st.answers,
		      (unsigned long long)st.timeouts, (unsigned long long)st.dropped_unsolicited,
		      (unsigned long long)st.dropped_spoofed,
		      (unsigned long long)st.dropped_malformed,
		      (unsigned long long)st.dropped_mismatch, (unsigned long long)st.dropped_auth,
		      (unsigned long long)st.v1_fallbacks, (unsigned long long)st.key_stretches,
		      (unsigned long long)ws.walks, (unsigned long long)ws.capped,
		      (unsigned long long)ws.non_increasing, st.in_flight, st.queued);
	gw_buf_printf(json,
		      ", \"discovery_runs\": %llu, \"discovery_probes\": %llu, "
		      "\"discovery_broadcasts\": %llu, \"discovery_answers\": %llu, "
		      "\"discovery_broadcast_answers\": %llu, \"discovery_identified\": %llu, "
		      "\"discovery_not_printers\": %llu, \"discovery_duplicates\": %llu, "
		      "\"discovery_cut_at_end\": %llu, \"discovery_unsent\": %llu, "
		      "\"discovery_dropped_spoofed\": %llu, \"discovery_dropped_late\": %llu, "
		      "\"discovery_dropped_unsolicited\": %llu, \"discovery_dropped_mismatch\": %llu",
		      (unsigned long long)ds.runs, (unsigned long long)ds.probes,
		      (unsigned long long)ds.broadcasts, (unsigned long long)ds.answers,
		      (unsigned long long)ds.broadcast_answers, (unsigned long long)ds.identified,
		      (unsigned long long)ds.not_printers, (unsigned long long)ds.duplicates,
		      (unsigned long long)ds.cut_at_end, (unsigned long long)ds.unsent,
		      (unsigned long long)ds.spoofed, (unsigned long long)ds.late,
		      (unsigned long long)ds.unsolicited, (unsigned long long)ds.mismatch);
}

const struct gw_plugin gw_plugin_snmp = {
	.abi = GW_PLUGIN_ABI,
	.name = "snmp",
	.description = "Printers over SNMP v1/v2c/v3: Printer-MIB, Host Resources, Epson ST2; "
		       "discovery by their IEEE 1284 ids",
	.roles = GW_ROLE_COLLECT | GW_ROLE_DISCOVER,
	.config = &snmp_section,
	.init = snmp_init,
	.destroy = snmp_destroy,
	.reconfigure = snmp_reconfigure,
	.collect = snmp_collect,
	.cancel = snmp_cancel,
	.discover = snmp_discover,
	.stats = snmp_stats,
};
