#include "pdu.h"

#include <errno.h>
#include <string.h>

static bool value_ok(uint8_t type, const uint8_t *v, size_t n)
{
	int64_t i;
	uint64_t u;

	switch (type) {
	case GW_BER_INT:
		return gw_ber_int(v, n, &i) == 0 && i >= INT32_MIN && i <= INT32_MAX;
	case GW_BER_COUNTER32:
	case GW_BER_GAUGE32:
	case GW_BER_TIMETICKS:
		/* some agents encode values >= 2^31 without the leading zero; read unsigned */
		return gw_ber_uint(v, n, &u) == 0 && u <= UINT32_MAX;
	case GW_BER_COUNTER64:
		return gw_ber_uint(v, n, &u) == 0;
	case GW_BER_OCTETS:
	case GW_BER_OPAQUE:
		return true;
	case GW_BER_IPADDR:
		return n == 4;
	case GW_BER_OID:
		return gw_ber_oid_valid(v, n);
	case GW_BER_NULL:
	case GW_BER_NOSUCHOBJECT:
	case GW_BER_NOSUCHINSTANCE:
	case GW_BER_ENDOFMIBVIEW:
		return n == 0;
	default:
		return false;
	}
}

static int int32_field(struct gw_ber_rd *r, int32_t *out)
{
	int64_t v;

	if (gw_ber_read_int(r, GW_BER_INT, INT32_MIN, INT32_MAX, &v) < 0)
		return -EBADMSG;
	*out = (int32_t)v;
	return 0;
}

int gw_snmp_pdu_decode(const uint8_t *buf, size_t len, struct gw_snmp_pdu *pdu)
{
	struct gw_ber_rd r, p, vbl;
	const uint8_t *v;
	size_t n;

	gw_ber_rd_init(&r, buf, len);
	if (gw_ber_next(&r, &pdu->type, &v, &n) < 0 || !gw_ber_rd_done(&r))
		return -EBADMSG;
	if (pdu->type < GW_PDU_GET || pdu->type > GW_PDU_REPORT || pdu->type == GW_PDU_TRAP_V1)
		return -EBADMSG;
	gw_ber_rd_init(&p, v, n);
	if (int32_field(&p, &pdu->reqid) < 0 || int32_field(&p, &pdu->err_status) < 0 ||
	    int32_field(&p, &pdu->err_index) < 0 || gw_ber_enter(&p, GW_BER_SEQ, &vbl) < 0 ||
	    !gw_ber_rd_done(&p))
		return -EBADMSG;
	pdu->n_vb = 0;
	while (!gw_ber_rd_done(&vbl)) {
		struct gw_ber_rd e;
		struct gw_snmp_vb *vb;

		if (pdu->n_vb >= GW_SNMP_MAX_VB)
			return -EBADMSG;
		vb = &pdu->vb[pdu->n_vb];
		if (gw_ber_enter(&vbl, GW_BER_SEQ, &e) < 0 ||
		    gw_ber_expect(&e, GW_BER_OID, &vb->oid, &vb->oid_len) < 0 ||
		    !gw_ber_oid_valid(vb->oid, vb->oid_len) ||
		    gw_ber_next(&e, &vb->type, &vb->val, &vb->val_len) < 0 || !gw_ber_rd_done(&e) ||
		    !value_ok(vb->type, vb->val, vb->val_len))
			return -EBADMSG;
		pdu->n_vb++;
	}
	return 0;
}

static int scoped_contents(const uint8_t *buf, size_t len, struct gw_snmp_msg *m)
{
	struct gw_ber_rd s;

	gw_ber_rd_init(&s, buf, len);
	if (gw_ber_expect(&s, GW_BER_OCTETS, &m->ctx_engine_id.p, &m->ctx_engine_id.n) < 0 ||
	    gw_ber_expect(&s, GW_BER_OCTETS, &m->ctx_name.p, &m->ctx_name.n) < 0 ||
	    m->ctx_engine_id.n > GW_SNMP_MAX_ENGINE_ID || m->ctx_name.n > GW_SNMP_MAX_STR)
		return -EBADMSG;
	if (gw_snmp_pdu_decode(s.p + s.pos, s.len - s.pos, &m->pdu) < 0)
		return -EBADMSG;
	m->has_pdu = true;
	return 0;
}

int gw_snmp_scoped_decode(const uint8_t *buf, size_t len, struct gw_snmp_msg *m)
{
	struct gw_ber_rd r;
	const uint8_t *v;
	size_t n;

	/* a decrypted scopedPDU may carry padding after the SEQUENCE: not read */
	gw_ber_rd_init(&r, buf, len);
	if (gw_ber_expect(&r, GW_BER_SEQ, &v, &n) < 0)
		return -EBADMSG;
	return scoped_contents(v, n, m);
}

static int decode_v3(struct gw_ber_rd *r, const uint8_t *buf, struct gw_snmp_msg *m)
{
	struct gw_ber_rd hd, sp, usm;
	const uint8_t *v;
	size_t n;
	int64_t x;
	uint8_t tag;

	if (gw_ber_enter(r, GW_BER_SEQ, &hd) < 0 || int32_field(&hd, &m->msg_id) < 0 ||
	    m->msg_id < 0 || gw_ber_read_int(&hd, GW_BER_INT, 484, INT32_MAX, &x) < 0 ||
	    gw_ber_expect(&hd, GW_BER_OCTETS, &v, &n) < 0 || n != 1)
		return -EBADMSG;
	m->max_size = (int32_t)x;
	m->flags = v[0];
	/* only the User-based Security Model (3) */
	if (gw_ber_read_int(&hd, GW_BER_INT, 3, 3, &x) < 0 || !gw_ber_rd_done(&hd))
		return -EBADMSG;
	if ((m->flags & GW_V3_PRIV) && !(m->flags & GW_V3_AUTH))
		return -EBADMSG;
	if (gw_ber_enter(r, GW_BER_OCTETS, &sp) < 0 || gw_ber_enter(&sp, GW_BER_SEQ, &usm) < 0 ||
	    !gw_ber_rd_done(&sp))
		return -EBADMSG;
	if (gw_ber_expect(&usm, GW_BER_OCTETS, &m->usm.engine_id.p, &m->usm.engine_id.n) < 0 ||
	    m->usm.engine_id.n > GW_SNMP_MAX_ENGINE_ID ||
	    gw_ber_read_int(&usm, GW_BER_INT, 0, INT32_MAX, &x) < 0)
		return -EBADMSG;
	m->usm.boots = (int32_t)x;
	if (gw_ber_read_int(&usm, GW_BER_INT, 0, INT32_MAX, &x) < 0)
		return -EBADMSG;
	m->usm.time = (int32_t)x;
	if (gw_ber_expect(&usm, GW_BER_OCTETS, &m->usm.user.p, &m->usm.user.n) < 0 ||
	    m->usm.user.n > 32 ||
	    gw_ber_expect(&usm, GW_BER_OCTETS, &m->usm.auth.p, &m->usm.auth.n) < 0 ||
	    m->usm.auth.n > 64 ||
	    gw_ber_expect(&usm, GW_BER_OCTETS, &m->usm.priv.p, &m->usm.priv.n) < 0 ||
	    m->usm.priv.n > 64 || !gw_ber_rd_done(&usm))
		return -EBADMSG;
	m->auth_off = (size_t)(m->usm.auth.p - buf);
	if (gw_ber_next(r, &tag, &v, &n) < 0 || !gw_ber_rd_done(r))
		return -EBADMSG;
	if (m->flags & GW_V3_PRIV) {
		if (tag != GW_BER_OCTETS)
			return -EBADMSG;
		m->encrypted.p = v;
		m->encrypted.n = n;
		return 0;
	}
	if (tag != GW_BER_SEQ)
		return -EBADMSG;
	return scoped_contents(v, n, m);
}

int gw_snmp_msg_decode(const uint8_t *buf, size_t len, struct gw_snmp_msg *m)
{
	struct gw_ber_rd top, r;
	int64_t ver;

	memset(m, 0, offsetof(struct gw_snmp_msg, pdu));
	m->pdu.n_vb = 0;
	if (len > GW_SNMP_MAX_MSG)
		return -EBADMSG;
	gw_ber_rd_init(&top, buf, len);
	if (gw_ber_enter(&top, GW_BER_SEQ, &r) < 0 || !gw_ber_rd_done(&top) ||
	    gw_ber_read_int(&r, GW_BER_INT, 0, 3, &ver) < 0)
		return -EBADMSG;
	m->version = (int)ver;
	if (ver == GW_SNMP_WIRE_V3)
		return decode_v3(&r, buf, m);
	if (ver != GW_SNMP_WIRE_V1 && ver != GW_SNMP_WIRE_V2C)
		return -EBADMSG;
	if (gw_ber_expect(&r, GW_BER_OCTETS, &m->community.p, &m->community.n) < 0 ||
	    m->community.n > GW_SNMP_MAX_STR)
		return -EBADMSG;
	if (gw_snmp_pdu_decode(r.p + r.pos, r.len - r.pos, &m->pdu) < 0)
		return -EBADMSG;
	/* v1 has no GETBULK, REPORT or exception values */
	if (ver == GW_SNMP_WIRE_V1) {
		if (m->pdu.type == GW_PDU_GETBULK || m->pdu.type == GW_PDU_REPORT ||
		    m->pdu.type == GW_PDU_INFORM || m->pdu.type == GW_PDU_TRAP_V2)
			return -EBADMSG;
		for (unsigned i = 0; i < m->pdu.n_vb; i++)
			if (gw_snmp_vb_is_exception(&m->pdu.vb[i]) ||
			    m->pdu.vb[i].type == GW_BER_COUNTER64)
				return -EBADMSG;
	}
	m->has_pdu = true;
	return 0;
}

int gw_snmp_put_vbl(struct gw_ber_wr *w, const struct gw_oid *oids, unsigned n)
{
	size_t mark = gw_ber_mark(w);

	for (unsigned i = n; i-- > 0;) {
		size_t m = gw_ber_mark(w);

		gw_ber_put_null(w);
		if (gw_ber_put_oid(w, &oids[i]) < 0)
			return -EINVAL;
		gw_ber_close(w, GW_BER_SEQ, m);
	}
	gw_ber_close(w, GW_BER_SEQ, mark);
	return w->overflow ? -ENOSPC : 0;
}

void gw_snmp_put_pdu(struct gw_ber_wr *w, uint8_t type, int32_t reqid, int32_t a, int32_t b,
		     const uint8_t *vbl, size_t vbl_len)
{
	size_t mark = gw_ber_mark(w);

	gw_ber_put_raw(w, vbl, vbl_len);
	gw_ber_put_int(w, GW_BER_INT, b);
	gw_ber_put_int(w, GW_BER_INT, a);
	gw_ber_put_int(w, GW_BER_INT, reqid);
	gw_ber_close(w, type, mark);
}

void gw_snmp_put_community_msg(struct gw_ber_wr *w, int version, const void *community,
			       size_t community_len, size_t mark)
{
	gw_ber_put_octets(w, GW_BER_OCTETS, community, community_len);
	gw_ber_put_int(w, GW_BER_INT, version);
	gw_ber_close(w, GW_BER_SEQ, mark);
}

bool gw_snmp_vb_is_exception(const struct gw_snmp_vb *vb)
{
	return vb->type == GW_BER_NOSUCHOBJECT || vb->type == GW_BER_NOSUCHINSTANCE ||
	       vb->type == GW_BER_ENDOFMIBVIEW;
}

int gw_snmp_vb_oid(const struct gw_snmp_vb *vb, struct gw_oid *out)
{
	return gw_ber_oid(vb->oid, vb->oid_len, out);
}

int gw_snmp_vb_int(const struct gw_snmp_vb *vb, int64_t *out)
{
	uint64_t u;

	switch (vb->type) {
	case GW_BER_INT:
		return gw_ber_int(vb->val, vb->val_len, out);
	case GW_BER_COUNTER32:
	case GW_BER_GAUGE32:
	case GW_BER_TIMETICKS:
	case GW_BER_COUNTER64:
		if (gw_ber_uint(vb->val, vb->val_len, &u) < 0 || u > INT64_MAX)
			return -EBADMSG;
		*out = (int64_t)u;
		return 0;
	default:
		return -EINVAL;
	}
}

const char *gw_snmp_type_name(uint8_t type)
{
	switch (type) {
	case GW_BER_INT: return "INTEGER";
	case GW_BER_OCTETS: return "OCTET STRING";
	case GW_BER_NULL: return "NULL";
	case GW_BER_OID: return "OBJECT IDENTIFIER";
	case GW_BER_IPADDR: return "IpAddress";
	case GW_BER_COUNTER32: return "Counter32";
	case GW_BER_GAUGE32: return "Gauge32";
	case GW_BER_TIMETICKS: return "TimeTicks";
	case GW_BER_OPAQUE: return "Opaque";
	case GW_BER_COUNTER64: return "Counter64";
	case GW_BER_NOSUCHOBJECT: return "noSuchObject";
	case GW_BER_NOSUCHINSTANCE: return "noSuchInstance";
	case GW_BER_ENDOFMIBVIEW: return "endOfMibView";
	default: return "unknown";
	}
}

const char *gw_snmp_err_name(int err)
{
	static const char *const names[] = {
		"noError", "tooBig", "noSuchName", "badValue", "readOnly", "genErr",
		"noAccess", "wrongType", "wrongLength", "wrongEncoding", "wrongValue",
		"noCreation", "inconsistentValue", "resourceUnavailable", "commitFailed",
		"undoFailed", "authorizationError", "notWritable", "inconsistentName",
	};

	return err >= 0 && (size_t)err < sizeof(names) / sizeof(names[0]) ? names[err] : "unknown";
}
