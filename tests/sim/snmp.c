/*
 * SNMP v1/v2c message handling and the PDU engine shared with v3.
 *
 * Answers are built in place: varbinds are written forward into the send
 * buffer, then the PDU and message headers are prepended into the headroom
 * in front of them, so no answer is ever copied or allocated.
 *
 * Behaviour mirrors common agents: a wrong community, an unknown version or
 * a malformed datagram gets no answer; v1 reports noSuchName, v2c uses the
 * noSuchObject / noSuchInstance / endOfMibView exceptions; GETBULK answers
 * are truncated to the message size, and tooBig is sent only when not even
 * the non-repeaters fit (or when a device is configured with a bulk limit).
 */
#include <string.h>

#include "sim.h"

#define MAX_VARBINDS  2048      /* request varbinds we accept */
#define MAX_REPEATERS 256
#define MAX_BULK_VB   8192      /* varbinds in one GETBULK answer */

/* Start a varbind SEQUENCE with a 2-byte header guess; fixed up in vb_end. */
static uint8_t *vb_begin(ber_wr *w)
{
    uint8_t *mark = w->p;
    if (w->ovf || w->end - w->p < 2)
        w->ovf = true;
    else
        w->p += 2;
    return mark;
}

/* Close the varbind; on overflow roll back to the mark and return false. */
static bool vb_end(ber_wr *w, uint8_t *mark)
{
    if (!w->ovf) {
        size_t len = (size_t)(w->p - mark - 2);
        size_t extra = ber_len_size(len) - 1;
        if (extra) {
            if ((size_t)(w->end - w->p) < extra) {
                w->ovf = true;
            } else {
                memmove(mark + 2 + extra, mark + 2, len);
                w->p += extra;
            }
        }
        if (!w->ovf) {
            mark[0] = BER_SEQ;
            ber_put_len(mark + 1, len);
            return true;
        }
    }
    w->p = mark;
    w->ovf = false;
    return false;
}

static void put_exception(ber_wr *w, uint8_t tag)
{
    uint8_t t[2] = { tag, 0 };
    bw_raw(w, t, 2);
}

/* Value for a GET on one OID: table lookup or the EPSON-CTRL tunnel. */
static bool get_value(ber_wr *w, sim_dev *d, const uint32_t *arcs, int n, bool v1)
{
    if (epson_ctrl_oid(d, arcs, n)) {
        uint8_t tmp[768];
        size_t got = epson_ctrl(d, arcs, n, tmp, sizeof tmp);
        if (got) {
            bw_raw(w, tmp, got);
            return true;
        }
        if (v1)
            return false;
        put_exception(w, BER_NOSUCHINSTANCE);
        return true;
    }
    uint8_t exc = BER_NOSUCHOBJECT;
    const mib_entry *e = mib_get(d, arcs, n, &exc);
    if (!e || (v1 && e->vtype == BER_COUNTER64)) {
        if (v1)
            return false;
        put_exception(w, exc);
        return true;
    }
    mib_put_value(w, d, e);
    return true;
}

typedef struct {
    const ber_tlv *reqid;
    ber_tlv vbl;
    int err, erridx;
    bool copy_vbl;             /* error answer: echo the request's varbinds */
} pdu_ans;

static size_t finish_pdu(pdu_ans *a, uint8_t *area, uint8_t *end, size_t budget, uint8_t **out)
{
    uint8_t *vb_end_p = end;
    if (a->err == SNMP_ERR_TOOBIG) {
        vb_end_p = area;
    } else if (a->copy_vbl) {
        size_t n = a->vbl.len;
        if (n > budget) {
            a->err = SNMP_ERR_TOOBIG;
            a->erridx = 0;
            vb_end_p = area;
        } else {
            memcpy(area, a->vbl.val, n);
            vb_end_p = area + n;
        }
    }
    ber_pw pw = { area, area - SIM_HEADROOM, false };
    bp_hdr(&pw, BER_SEQ, (size_t)(vb_end_p - area));
    bp_int(&pw, BER_INT, a->erridx);
    bp_int(&pw, BER_INT, a->err);
    bp_raw(&pw, a->reqid->start, (size_t)(a->reqid->next - a->reqid->start));
    bp_hdr(&pw, PDU_RESPONSE, (size_t)(vb_end_p - pw.p));
    if (pw.ovf)
        return 0;
    *out = pw.p;
    return (size_t)(vb_end_p - pw.p);
}

size_t snmp_pdu(sim_dev *d, int version, const ber_tlv *pdu, uint8_t *area, size_t cap,
                size_t budget, uint8_t **pdu_out)
{
    bool v1 = version == 0;
    if (pdu->tag != PDU_GET && pdu->tag != PDU_GETNEXT && pdu->tag != PDU_SET &&
        !(pdu->tag == PDU_GETBULK && !v1))
        return 0;
    ber_rd r = { pdu->val, pdu->next };
    ber_tlv reqid, t1, t2;
    int64_t id, a1, a2;
    pdu_ans ans = { .reqid = &reqid };
    if (ber_expect(&r, BER_INT, &reqid) < 0 || ber_int(&reqid, &id) < 0 ||
        ber_expect(&r, BER_INT, &t1) < 0 || ber_int(&t1, &a1) < 0 ||
        ber_expect(&r, BER_INT, &t2) < 0 || ber_int(&t2, &a2) < 0 ||
        ber_expect(&r, BER_SEQ, &ans.vbl) < 0)
        return 0;
    if (id < -2147483648LL || id > 2147483647LL)
        return 0;

    /* PDU overhead in front of the varbinds: tag+len, reqid, 2 small ints, list header. */
    size_t over = 4 + (size_t)(reqid.next - reqid.start) + 6 + 6 + 4;
    if (budget <= over + 8)
        return 0;
    size_t vb_budget = budget - over;
    if (vb_budget > cap)
        vb_budget = cap;
    ber_wr w = { area, area + vb_budget, false };

    /* Check every request varbind first: a malformed one drops the whole packet. */
    static __thread ber_tlv names[MAX_VARBINDS];
    int nvb = 0;
    ber_rd vr = { ans.vbl.val, ans.vbl.next };
    while (vr.p < vr.end) {
        ber_tlv vb, val;
        uint32_t tmp[SIM_MAX_OID];
        if (nvb >= MAX_VARBINDS || ber_expect(&vr, BER_SEQ, &vb) < 0)
            return 0;
        ber_rd vi = { vb.val, vb.next };
        if (ber_expect(&vi, BER_OID, &names[nvb]) < 0 || ber_read(&vi, &val) < 0 ||
            ber_oid_decode(names[nvb].val, names[nvb].len, tmp, SIM_MAX_OID) < 0)
            return 0;
        nvb++;
    }

    if (pdu->tag == PDU_SET) {
        /* Read-only agent: v1 says noSuchName, v2c notWritable, on the first varbind. */
        ans.err = v1 ? SNMP_ERR_NOSUCHNAME : SNMP_ERR_NOTWRITABLE;
        ans.erridx = nvb ? 1 : 0;
        ans.copy_vbl = true;
        return finish_pdu(&ans, area, area, vb_budget, pdu_out);
    }

    if (pdu->tag == PDU_GET || pdu->tag == PDU_GETNEXT) {
        for (int i = 0; i < nvb; i++) {
            uint32_t a[SIM_MAX_OID];
            int n = ber_oid_decode(names[i].val, names[i].len, a, SIM_MAX_OID);
            uint8_t *mark = vb_begin(&w);
            if (pdu->tag == PDU_GET) {
                bw_raw(&w, names[i].start, (size_t)(names[i].next - names[i].start));
                if (!get_value(&w, d, a, n, v1)) {
                    ans.err = SNMP_ERR_NOSUCHNAME;
                    ans.erridx = i + 1;
                    ans.copy_vbl = true;
                    break;
                }
            } else {
                long pos = mib_next(d, a, n, v1);
                if (pos < 0) {
                    if (v1) {
                        ans.err = SNMP_ERR_NOSUCHNAME;
                        ans.erridx = i + 1;
                        ans.copy_vbl = true;
                        break;
                    }
                    bw_raw(&w, names[i].start, (size_t)(names[i].next - names[i].start));
                    put_exception(&w, BER_ENDOFMIBVIEW);
                } else {
                    mib_put_name(&w, d, &d->m->tab[pos]);
                    mib_put_value(&w, d, &d->m->tab[pos]);
                }
            }
            if (!vb_end(&w, mark)) {
                ans.err = SNMP_ERR_TOOBIG;
                ans.erridx = 0;
                break;
            }
        }
        return finish_pdu(&ans, area, w.p, vb_budget, pdu_out);
    }

    /* GETBULK */
    int64_t nonrep = a1 < 0 ? 0 : a1 > nvb ? nvb : a1;
    int64_t maxrep = a2 < 0 ? 0 : a2;
    if (d->k->bulk_limit && maxrep > d->k->bulk_limit) {
        ans.err = SNMP_ERR_TOOBIG;
        return finish_pdu(&ans, area, area, vb_budget, pdu_out);
    }
    int nr = nvb - (int)nonrep;
    if (nr > MAX_REPEATERS)
        return 0;
    for (int i = 0; i < nonrep; i++) {
        uint32_t a[SIM_MAX_OID];
        int n = ber_oid_decode(names[i].val, names[i].len, a, SIM_MAX_OID);
        long pos = mib_next(d, a, n, false);
        uint8_t *mark = vb_begin(&w);
        if (pos < 0) {
            bw_raw(&w, names[i].start, (size_t)(names[i].next - names[i].start));
            put_exception(&w, BER_ENDOFMIBVIEW);
        } else {
            mib_put_name(&w, d, &d->m->tab[pos]);
            mib_put_value(&w, d, &d->m->tab[pos]);
        }
        if (!vb_end(&w, mark)) {
            ans.err = SNMP_ERR_TOOBIG;
            return finish_pdu(&ans, area, area, vb_budget, pdu_out);
        }
    }
    long cur[MAX_REPEATERS], last[MAX_REPEATERS];
    for (int j = 0; j < nr; j++) {
        last[j] = -1;
        cur[j] = -2;                        /* not started: use the request OID */
    }
    int total = (int)nonrep;
    bool full = false;
    for (int64_t rep = 0; rep < maxrep && !full && nr > 0; rep++) {
        bool any = false;
        for (int j = 0; j < nr; j++) {
            const ber_tlv *nm = &names[nonrep + j];
            long pos;
            if (cur[j] == -2) {
                uint32_t a[SIM_MAX_OID];
                int n = ber_oid_decode(nm->val, nm->len, a, SIM_MAX_OID);
                pos = mib_next(d, a, n, false);
            } else {
                pos = cur[j] < 0 ? -1 : mib_next_pos(d, cur[j], false);
            }
            uint8_t *mark = vb_begin(&w);
            if (pos < 0) {
                /* endOfMibView carries the last name reached (the request's if none). */
                if (last[j] >= 0)
                    mib_put_name(&w, d, &d->m->tab[last[j]]);
                else
                    bw_raw(&w, nm->start, (size_t)(nm->next - nm->start));
                put_exception(&w, BER_ENDOFMIBVIEW);
            } else {
                mib_put_name(&w, d, &d->m->tab[pos]);
                mib_put_value(&w, d, &d->m->tab[pos]);
                any = true;
            }
            if (!vb_end(&w, mark) || ++total >= MAX_BULK_VB) {
                full = true;
                break;
            }
            cur[j] = pos;
            if (pos >= 0)
                last[j] = pos;
        }
        if (!any)
            break;                          /* every repeater is at the end of the MIB */
    }
    return finish_pdu(&ans, area, w.p, vb_budget, pdu_out);
}

size_t snmp_handle(usm_thread *u, sim_dev *d, const uint8_t *msg, size_t len, uint8_t *buf,
                   size_t cap, uint8_t **out)
{
    ber_rd r = { msg, msg + len };
    ber_tlv outer, ver, comm, pdu;
    int64_t v;
    if (ber_expect(&r, BER_SEQ, &outer) < 0)
        return 0;
    ber_rd in = { outer.val, outer.next };
    if (ber_expect(&in, BER_INT, &ver) < 0 || ber_int(&ver, &v) < 0)
        return 0;
    if (v == 3)
        return d->k->v1only ? 0 : usm_handle(u, d, msg, (size_t)(outer.next - msg), buf, cap, out);
    if ((v != 0 && v != 1) || (v == 1 && d->k->v1only))
        return 0;                           /* like v1-only agents: silence */
    if (ber_expect(&in, BER_OCTETS, &comm) < 0)
        return 0;
    if (comm.len != G.community_len || memcmp(comm.val, G.community, comm.len) != 0)
        return 0;                           /* wrong community: no answer, as real agents */
    if (ber_read(&in, &pdu) < 0)
        return 0;

    size_t max = G.max_msg < cap - SIM_HEADROOM ? G.max_msg : cap - SIM_HEADROOM;
    size_t fixed = 4 + (size_t)(ver.next - ver.start) + (size_t)(comm.next - comm.start);
    if (max <= fixed)
        return 0;
    uint8_t *p;
    size_t pl = snmp_pdu(d, (int)v, &pdu, buf + SIM_HEADROOM, cap - SIM_HEADROOM, max - fixed, &p);
    if (!pl)
        return 0;
    ber_pw w = { p, buf, false };
    bp_raw(&w, comm.start, (size_t)(comm.next - comm.start));
    bp_raw(&w, ver.start, (size_t)(ver.next - ver.start));
    bp_hdr(&w, BER_SEQ, (size_t)(p + pl - w.p));
    if (w.ovf)
        return 0;
    *out = w.p;
    return (size_t)(p + pl - w.p);
}
