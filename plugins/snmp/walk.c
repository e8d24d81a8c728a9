#include "walk.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_MAX_VB 10000
#define DEFAULT_MAX_REP 10
#define REQ_COLS 32        /* columns named in one request */
#define MSG_OVERHEAD 120   /* message, PDU and (v3) security header around the varbinds */
#define VB_GUESS 40        /* bytes of one varbind before an answer says better */

/* One subtree: its root and the last OID taken, in one allocation. */
struct col {
	uint32_t *arcs;    /* root [0, rn), then last [rn, rn + ln) */
	unsigned rn, ln, cap;
	unsigned taken;
};

struct gw_snmp_walk {
	struct gw_snmp_session *s;
	struct col *cols;
	unsigned *open;             /* indexes of the columns still open */
	unsigned n_cols, n_open;
	unsigned max_vb, max_rep, max_bytes;
	unsigned ceiling;           /* varbinds per answer after tooBig (UINT_MAX: none) */
	unsigned req_cols, req_rep; /* what the request in flight asked for */
	uint64_t seen_vb, seen_bytes;
	bool bulk;
	gw_walk_vb_fn vb;
	gw_walk_done_fn done;
	void *arg;
};

/* One event loop thread: plain counters, and one request built at a time. */
static struct gw_walk_stats stats;
static struct gw_oid req_oids[REQ_COLS];

void gw_snmp_walk_stats(struct gw_walk_stats *st)
{
	*st = stats;
}

static void on_answer(void *arg, int status, const struct gw_snmp_pdu *pdu);

/*
 * Varbinds one answer may carry: max_rep rows of each open column, or with
 * max_bytes what fits that size (at least max_rep); never above the
 * ceiling a tooBig left, nor above what an answer may hold.
 */
static unsigned budget(const struct gw_snmp_walk *w)
{
	uint64_t b;

	if (w->max_bytes) {
		uint64_t per = w->seen_vb ? w->seen_bytes / w->seen_vb : VB_GUESS;
		unsigned room = w->max_bytes > MSG_OVERHEAD ? w->max_bytes - MSG_OVERHEAD : 1;

		b = room / (per ? per : 1);
		if (b < w->max_rep)
			b = w->max_rep;
	} else {
		b = (uint64_t)w->max_rep * (w->n_open < REQ_COLS ? w->n_open : REQ_COLS);
	}
	if (b > w->ceiling)
		b = w->ceiling;
	if (b > GW_SNMP_MAX_VB)
		b = GW_SNMP_MAX_VB;
	return b ? (unsigned)b : 1;
}

static int ask(struct gw_snmp_walk *w)
{
	unsigned b, n, rep;

	if (w->bulk && gw_snmp_session_version(w->s) == GW_SNMP_V1)
		w->bulk = false; /* the device turned out to speak v1 only */
	b = budget(w);
	n = w->n_open < b ? w->n_open : b;
	if (n > REQ_COLS)
		n = REQ_COLS;
	rep = b / n;
	if (!w->max_bytes && rep > w->max_rep)
		rep = w->max_rep;
	for (unsigned i = 0; i < n; i++) {
		const struct col *c = &w->cols[w->open[i]];

		req_oids[i].n = c->ln;
		memcpy(req_oids[i].a, c->arcs + c->rn, c->ln * sizeof(uint32_t));
	}
	w->req_cols = n;
	w->req_rep = w->bulk ? rep : 1;
	stats.requests++;
	if (w->bulk)
		return gw_snmp_request(w->s, GW_PDU_GETBULK, req_oids, n, 0, (int32_t)rep, on_answer,
				       w);
	return gw_snmp_request(w->s, GW_PDU_GETNEXT, req_oids, n, 0, 0, on_answer, w);
}

static void walk_free(struct gw_snmp_walk *w)
{
	for (unsigned i = 0; i < w->n_cols; i++)
		free(w->cols[i].arcs);
	free(w->cols);
	free(w->open);
	free(w);
}

static void end(struct gw_snmp_walk *w, int status)
{
	gw_walk_done_fn done = w->done;
	void *arg = w->arg;

	walk_free(w);
	done(arg, status);
}

/* Mark column ci closed (its taken set to UINT_MAX until the open list is compacted). */
static void close_col(struct gw_snmp_walk *w, unsigned ci)
{
	w->cols[ci].taken = UINT32_MAX;
}

static void compact(struct gw_snmp_walk *w)
{
	unsigned k = 0;

	for (unsigned i = 0; i < w->n_open; i++)
		if (w->cols[w->open[i]].taken != UINT32_MAX)
			w->open[k++] = w->open[i];
	w->n_open = k;
}

/* Take one varbind of column ci; false when it ends the column. */
static bool take(struct gw_snmp_walk *w, unsigned ci, const struct gw_snmp_vb *vb)
{
	struct col *c = &w->cols[ci];
	struct gw_oid o;

	if (vb->type == GW_BER_ENDOFMIBVIEW || gw_snmp_vb_oid(vb, &o) < 0 ||
	    !gw_oid_has_prefix(o.a, o.n, c->arcs, c->rn))
		return false;
	if (gw_oid_cmp(o.a, o.n, c->arcs + c->rn, c->ln) <= 0) {
		/* an agent that loops or goes backwards would never end */
		stats.non_increasing++;
		return false;
	}
	if (vb->type == GW_BER_NOSUCHOBJECT || vb->type == GW_BER_NOSUCHINSTANCE)
		return false;
	if (c->rn + o.n > c->cap) {
		unsigned cap = c->rn + o.n + 8;
		uint32_t *a = realloc(c->arcs, cap * sizeof(*a));

		if (!a)
			return false;
		c->arcs = a;
		c->cap = cap;
	}
	memcpy(c->arcs + c->rn, o.a, o.n * sizeof(uint32_t));
	c->ln = o.n;
	w->vb(w->arg, &o, vb);
	stats.varbinds++;
	if (++c->taken >= w->max_vb) {
		stats.capped++;
		return false;
	}
	return true;
}

/* The answer named one request varbind (1-based err_index): its column, or -1. */
static int named_col(const struct gw_snmp_walk *w, const struct gw_snmp_pdu *pdu)
{
	if (pdu->err_index < 1 || (unsigned)pdu->err_index > w->req_cols)
		return -1;
	return (int)w->open[pdu->err_index - 1];
}

static void on_answer(void *arg, int status, const struct gw_snmp_pdu *pdu)
{
	struct gw_snmp_walk *w = arg;
	unsigned n;
	int rc, k;

	if (status < 0) {
		end(w, status);
		return;
	}
	if (pdu->err_status == GW_SNMP_TOO_BIG) {
		unsigned asked = w->req_cols * w->req_rep;

		stats.too_big++;
		if (asked > 1) {
			w->ceiling = asked / 2;
			if (w->req_rep > 1 && w->max_rep > 1)
				w->max_rep = w->req_rep / 2 ? w->req_rep / 2 : 1;
		} else if (w->bulk) {
			w->bulk = false;
		} else {
			end(w, -EMSGSIZE);
			return;
		}
		goto again;
	}
	if (pdu->err_status == GW_SNMP_NO_SUCH_NAME) {
		/* v1's way of saying "end of the MIB view", for the column it names */
		k = named_col(w, pdu);
		if (k < 0 && w->req_cols > 1) {
			w->ceiling = 1; /* it did not say which: one column at a time */
			goto again;
		}
		if (k < 0) {
			end(w, 0);
			return;
		}
		close_col(w, (unsigned)k);
		goto next;
	}
	if (pdu->err_status != GW_SNMP_NO_ERROR) {
		if (w->bulk) {
			/* some agents fail GETBULK but answer GETNEXT */
			stats.bulk_fallbacks++;
			w->bulk = false;
			goto again;
		}
		if (w->req_cols > 1) {
			w->ceiling = 1; /* one column at a time finds the one that fails */
			goto again;
		}
		close_col(w, w->open[0]);
		goto next;
	}
	if (pdu->n_vb == 0) {
		end(w, 0);
		return;
	}
	n = w->bulk ? pdu->n_vb : (pdu->n_vb < w->req_cols ? pdu->n_vb : w->req_cols);
	for (unsigned i = 0; i < n; i++) {
		unsigned ci = w->open[i % w->req_cols];

		w->seen_vb++;
		w->seen_bytes += pdu->vb[i].oid_len + pdu->vb[i].val_len + 6;
		if (w->cols[ci].taken != UINT32_MAX && !take(w, ci, &pdu->vb[i]))
			close_col(w, ci);
	}
next:
	compact(w);
	if (w->n_open == 0) {
		end(w, 0);
		return;
	}
again:
	rc = ask(w);
	if (rc < 0)
		end(w, rc);
}

struct gw_snmp_walk *gw_snmp_walk_start_multi(struct gw_snmp_session *s,
					      const struct gw_oid *roots, unsigned n,
					      const struct gw_walk_opts *o, gw_walk_vb_fn vb,
					      gw_walk_done_fn done, void *arg, int *err)
{
	struct gw_snmp_walk *w;
	int rc;

	if (n == 0 || n > GW_WALK_MAX_COLS) {
		*err = -EINVAL;
		return NULL;
	}
	w = calloc(1, sizeof(*w));
	if (!w || !(w->cols = calloc(n, sizeof(*w->cols))) ||
	    !(w->open = calloc(n, sizeof(*w->open)))) {
		if (w)
			free(w->cols);
		free(w);
		*err = -ENOMEM;
		return NULL;
	}
	for (unsigned i = 0; i < n; i++) {
		struct col *c = &w->cols[i];

		c->cap = 2 * roots[i].n + 8;
		c->arcs = malloc(c->cap * sizeof(uint32_t));
		if (!c->arcs) {
			w->n_cols = i;
			walk_free(w);
			*err = -ENOMEM;
			return NULL;
		}
		c->rn = c->ln = roots[i].n;
		memcpy(c->arcs, roots[i].a, c->rn * sizeof(uint32_t));
		memcpy(c->arcs + c->rn, roots[i].a, c->rn * sizeof(uint32_t));
		w->open[i] = i;
	}
	w->s = s;
	w->n_cols = w->n_open = n;
	w->max_vb = o && o->max_vb ? o->max_vb : DEFAULT_MAX_VB;
	w->max_rep = o && o->max_rep ? o->max_rep : DEFAULT_MAX_REP;
	w->max_bytes = o ? o->max_bytes : 0;
	w->ceiling = UINT32_MAX;
	w->bulk = gw_snmp_session_version(s) != GW_SNMP_V1;
	w->vb = vb;
	w->done = done;
	w->arg = arg;
	stats.walks++;
	rc = ask(w);
	if (rc < 0) {
		walk_free(w);
		*err = rc;
		return NULL;
	}
	return w;
}

struct gw_snmp_walk *gw_snmp_walk_start(struct gw_snmp_session *s, const struct gw_oid *root,
					unsigned max_vb, unsigned max_rep, gw_walk_vb_fn vb,
					gw_walk_done_fn done, void *arg, int *err)
{
	struct gw_walk_opts o = {.max_vb = max_vb, .max_rep = max_rep};

	return gw_snmp_walk_start_multi(s, root, 1, &o, vb, done, arg, err);
}

void gw_snmp_walk_cancel(struct gw_snmp_walk *w)
{
	if (w)
		walk_free(w);
}
