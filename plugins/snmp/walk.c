#include "walk.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_MAX_VB 10000
#define DEFAULT_MAX_REP 10

struct gw_snmp_walk {
	struct gw_snmp_session *s;
	struct gw_oid root, last;
	unsigned max_vb, max_rep, taken;
	bool bulk;
	gw_walk_vb_fn vb;
	gw_walk_done_fn done;
	void *arg;
};

/* One event loop thread: plain counters. */
static struct gw_walk_stats stats;

void gw_snmp_walk_stats(struct gw_walk_stats *st)
{
	*st = stats;
}

static void on_answer(void *arg, int status, const struct gw_snmp_pdu *pdu);

static int ask(struct gw_snmp_walk *w)
{
	stats.requests++;
	if (w->bulk && gw_snmp_session_version(w->s) == GW_SNMP_V1)
		w->bulk = false; /* the device turned out to speak v1 only */
	if (w->bulk)
		return gw_snmp_request(w->s, GW_PDU_GETBULK, &w->last, 1, 0, (int32_t)w->max_rep,
				       on_answer, w);
	return gw_snmp_request(w->s, GW_PDU_GETNEXT, &w->last, 1, 0, 0, on_answer, w);
}

static void end(struct gw_snmp_walk *w, int status)
{
	gw_walk_done_fn done = w->done;
	void *arg = w->arg;

	free(w);
	done(arg, status);
}

static void on_answer(void *arg, int status, const struct gw_snmp_pdu *pdu)
{
	struct gw_snmp_walk *w = arg;
	struct gw_oid o;
	int rc;

	if (status < 0) {
		end(w, status);
		return;
	}
	if (pdu->err_status == GW_SNMP_TOO_BIG) {
		stats.too_big++;
		if (w->bulk && w->max_rep > 1) {
			w->max_rep /= 2;
		} else if (w->bulk) {
			w->bulk = false;
		} else {
			end(w, -EMSGSIZE);
			return;
		}
		goto again;
	}
	if (pdu->err_status == GW_SNMP_NO_SUCH_NAME) {
		/* v1's way of saying "end of the MIB view" */
		end(w, 0);
		return;
	}
	if (pdu->err_status != GW_SNMP_NO_ERROR) {
		if (w->bulk) {
			/* some agents fail GETBULK but answer GETNEXT */
			stats.bulk_fallbacks++;
			w->bulk = false;
			goto again;
		}
		end(w, 0);
		return;
	}
	if (pdu->n_vb == 0) {
		end(w, 0);
		return;
	}
	for (unsigned i = 0; i < pdu->n_vb; i++) {
		const struct gw_snmp_vb *vb = &pdu->vb[i];

		if (vb->type == GW_BER_ENDOFMIBVIEW || gw_snmp_vb_oid(vb, &o) < 0 ||
		    !gw_oid_has_prefix(o.a, o.n, w->root.a, w->root.n)) {
			end(w, 0);
			return;
		}
		if (gw_oid_cmpo(&o, &w->last) <= 0) {
			/* an agent that loops or goes backwards would never end */
			stats.non_increasing++;
			end(w, 0);
			return;
		}
		if (vb->type == GW_BER_NOSUCHOBJECT || vb->type == GW_BER_NOSUCHINSTANCE) {
			end(w, 0);
			return;
		}
		w->last = o;
		w->vb(w->arg, &o, vb);
		stats.varbinds++;
		if (++w->taken >= w->max_vb) {
			stats.capped++;
			end(w, 0);
			return;
		}
	}
again:
	rc = ask(w);
	if (rc < 0)
		end(w, rc);
}

struct gw_snmp_walk *gw_snmp_walk_start(struct gw_snmp_session *s, const struct gw_oid *root,
					unsigned max_vb, unsigned max_rep, gw_walk_vb_fn vb,
					gw_walk_done_fn done, void *arg, int *err)
{
	struct gw_snmp_walk *w = calloc(1, sizeof(*w));
	int rc;

	if (!w) {
		*err = -ENOMEM;
		return NULL;
	}
	w->s = s;
	w->root = *root;
	w->last = *root;
	w->max_vb = max_vb ? max_vb : DEFAULT_MAX_VB;
	w->max_rep = max_rep ? max_rep : DEFAULT_MAX_REP;
	w->bulk = gw_snmp_session_version(s) != GW_SNMP_V1;
	w->vb = vb;
	w->done = done;
	w->arg = arg;
	stats.walks++;
	rc = ask(w);
	if (rc < 0) {
		free(w);
		*err = rc;
		return NULL;
	}
	return w;
}

void gw_snmp_walk_cancel(struct gw_snmp_walk *w)
{
	free(w);
}
