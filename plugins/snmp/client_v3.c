/*
 * The SNMPv3 side of the engine: what a device's engine told us (id,
 * boots, time, localized keys) and how its answers are checked: MAC,
 * decryption, and the reports that say discovery, time or credentials.
 */
#include "client_int.h"
#include "core/clock.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int32_t gw_snmpc_engine_time(const struct target_v3 *t)
{
	int64_t t_now = t->time + (gw_clock_mono_ms() - t->time_at_ms) / 1000;

	return t_now > INT32_MAX ? INT32_MAX : (int32_t)t_now;
}

static void set_engine(struct gw_snmp_client *c, struct gw_snmp_session *s,
		       const struct gw_snmp_msg *m)
{
	struct target_v3 *t = s->t->v3;

	memcpy(t->engine_id, m->usm.engine_id.p, m->usm.engine_id.n);
	t->engine_len = m->usm.engine_id.n;
	t->boots = m->usm.boots;
	t->time = m->usm.time;
	t->time_at_ms = gw_clock_mono_ms();
	t->engine_known = true;
	t->keys_ok = gw_usm_keys_make(c->keys, s->cred, t->engine_id, t->engine_len,
				      &t->keys) == 0;
	t->tag = s->tag;
	c->st.key_localizations++;
}

static void update_time(struct target_v3 *t, const struct gw_snmp_msg *m)
{
	if (m->usm.boots > t->boots ||
	    (m->usm.boots == t->boots && m->usm.time > gw_snmpc_engine_time(t))) {
		t->boots = m->usm.boots;
		t->time = m->usm.time;
		t->time_at_ms = gw_clock_mono_ms();
	}
}

void gw_snmpc_handle_v3(struct gw_snmp_client *c, struct req *r, const uint8_t *buf, size_t len,
		      struct gw_snmp_msg *m)
{
	struct gw_snmp_session *s = r->s;
	struct target_v3 *t = s->t->v3;
	bool authentic = false;
	enum gw_usm_report kind;

	if (!(r->versions_sent & (1u << GW_SNMP_WIRE_V3))) {
		c->st.dropped_mismatch++;
		return;
	}
	if (r->probe) {
		if (m->usm.engine_id.n < 1 || !m->has_pdu || m->pdu.type != GW_PDU_REPORT) {
			c->st.dropped_mismatch++;
			return;
		}
		set_engine(c, s, m);
		s->answered = true;
		if (!t->keys_ok) {
			s->auth_error = "the passphrase cannot be turned into a key";
			gw_snmpc_finish(r, -EACCES, NULL);
			return;
		}
		gw_snmpc_finish(r, 0, NULL);
		return;
	}
	if (m->usm.engine_id.n != t->engine_len ||
	    memcmp(m->usm.engine_id.p, t->engine_id, t->engine_len) != 0) {
		/* a device that was reset or replaced says so in an unknownEngineID report */
		if (!(m->flags & GW_V3_AUTH) && m->has_pdu &&
		    gw_usm_report_kind(&m->pdu) == GW_USM_R_UNKNOWN_ENGINE_ID)
			goto report;
		c->st.dropped_mismatch++;
		return;
	}
	if (m->flags & GW_V3_AUTH) {
		if (!t->keys_ok || !gw_usm_verify(&t->keys, buf, len, m)) {
			c->st.dropped_auth++;
			return;
		}
		authentic = true;
		update_time(t, m);
		if ((m->flags & GW_V3_PRIV) &&
		    gw_usm_decrypt(&t->keys, m, c->plain, RX_BUF) < 0) {
			c->st.dropped_auth++;
			return;
		}
	} else if (!m->has_pdu || (s->v3_flags & GW_V3_AUTH && m->pdu.type != GW_PDU_REPORT)) {
		/* an unauthenticated answer to an authenticated request may only be an error report */
		c->st.dropped_auth++;
		return;
	}
	if (m->pdu.type != GW_PDU_REPORT) {
		if (m->pdu.type != GW_PDU_RESPONSE || m->pdu.reqid != r->reqid) {
			c->st.dropped_mismatch++;
			return;
		}
		s->answered = true;
		s->v3_ok = s->v3_ok || authentic || !(s->v3_flags & GW_V3_AUTH);
		gw_snmpc_finish(r, 0, &m->pdu);
		return;
	}
report:
	kind = gw_usm_report_kind(&m->pdu);
	s->answered = true;
	if (kind == GW_USM_R_NOT_IN_TIME_WINDOW && !r->resynced) {
		/* the report carries the engine's boots and time: resend with them */
		r->resynced = true;
		t->boots = m->usm.boots;
		t->time = m->usm.time;
		t->time_at_ms = gw_clock_mono_ms();
		c->st.v3_time_syncs++;
		evtimer_del(r->timer);
		gw_snmpc_transmit(c, r);
		return;
	}
	if (kind == GW_USM_R_UNKNOWN_ENGINE_ID && !r->rediscovered) {
		t->engine_known = false;
		t->keys_ok = false;
		gw_snmpc_req_unlink(r);
		r->rediscovered = true;
		r->state = R_QUEUED;
		TAILQ_INSERT_HEAD(&s->queue, r, link);
		s->n_queued++;
		c->st.queued++;
		gw_snmpc_schedule(s);
		return;
	}
	s->auth_error = gw_usm_report_name(kind);
	if (kind == GW_USM_R_OTHER) {
		gw_snmpc_finish(r, -EPROTO, NULL);
		return;
	}
	gw_snmpc_fail_all(s, -EACCES);
}

int gw_snmpc_make_tag(struct gw_snmp_client *c, const struct gw_credentials *cred,
		    struct key_tag *tag)
{
	const uint8_t *ku;

	memset(tag, 0, sizeof(*tag));
	tag->auth = cred->auth;
	tag->priv = cred->priv;
	snprintf(tag->user, sizeof(tag->user), "%s", cred->user ? cred->user : "");
	if (cred->auth == GW_AUTH_NONE)
		return 0;
	/* the password stretch runs here, once per (hash, passphrase) for the process */
	if (!cred->auth_pass || strlen(cred->auth_pass) < 8 ||
	    !(ku = gw_usm_cache_ku(c->keys, cred->auth, cred->auth_pass)))
		return -EACCES;
	memcpy(tag->ku_auth, ku, sizeof(tag->ku_auth));
	if (cred->priv != GW_PRIV_NONE) {
		if (!cred->priv_pass || strlen(cred->priv_pass) < 8 ||
		    !(ku = gw_usm_cache_ku(c->keys, cred->auth, cred->priv_pass)))
			return -EACCES;
		memcpy(tag->ku_priv, ku, sizeof(tag->ku_priv));
	}
	return 0;
}
