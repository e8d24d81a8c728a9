/*
 * Per-model OID tables and the simulated device state.
 *
 * Each model has one sorted table built at start-up; static values are
 * pre-encoded as complete TLVs so answering a GET is a binary search plus a
 * memcpy.  Values that differ per device or over time (serials, MACs,
 * counters, levels, status) are small callbacks.
 *
 * A few rows have per-device index arcs (ipAddrTable is indexed by the
 * device's own address, prtAlertTable by an alert counter).  Such a column
 * always holds exactly one row, so its position in the sorted table does not
 * depend on the index value and one table still serves every device.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

static void die_oom(void)
{
    fprintf(stderr, "ecsp-printer-sim: out of memory\n");
    exit(1);
}

static void *xmemdup(const void *p, size_t n)
{
    void *q = malloc(n ? n : 1);
    if (!q)
        die_oom();
    memcpy(q, p, n);
    return q;
}

const char *O(const char *fmt, ...)
{
    static char ring[8][256];
    static unsigned k;
    char *buf = ring[k++ % 8];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof ring[0], fmt, ap);
    va_end(ap);
    return buf;
}

/* ------------------------------------------------------------- builder */

static mib_entry *mb_add(mib_builder *b, const char *oid)
{
    uint32_t arcs[SIM_MAX_OID];
    int n = oid_parse(oid, arcs, SIM_MAX_OID);
    if (n < 2) {
        fprintf(stderr, "ecsp-printer-sim: bad OID in model table: %s\n", oid);
        exit(1);
    }
    if (b->n == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 256;
        b->v = realloc(b->v, b->cap * sizeof *b->v);
        if (!b->v)
            die_oom();
    }
    mib_entry *e = &b->v[b->n++];
    memset(e, 0, sizeof *e);
    e->arcs = xmemdup(arcs, (size_t)n * sizeof arcs[0]);
    e->n = (uint8_t)n;
    return e;
}

static void set_val(mib_entry *e, uint8_t tag, const void *v, size_t n)
{
    uint8_t tmp[1024];
    if (n > sizeof tmp - 8) {
        fprintf(stderr, "ecsp-printer-sim: static value too long\n");
        exit(1);
    }
    tmp[0] = tag;
    size_t hl = 1 + ber_put_len(tmp + 1, n);
    memcpy(tmp + hl, v, n);
    e->val = xmemdup(tmp, hl + n);
    e->val_len = (uint16_t)(hl + n);
    e->vtype = tag;
}

void mb_str(mib_builder *b, const char *oid, const char *s)
{
    set_val(mb_add(b, oid), BER_OCTETS, s, strlen(s));
}

void mb_bytes(mib_builder *b, const char *oid, const void *v, size_t n)
{
    set_val(mb_add(b, oid), BER_OCTETS, v, n);
}

void mb_int(mib_builder *b, const char *oid, int64_t v)
{
    uint8_t t[8];
    set_val(mb_add(b, oid), BER_INT, t, ber_int_bytes(v, t));
}

void mb_uint(mib_builder *b, const char *oid, uint8_t tag, uint32_t v)
{
    uint8_t t[9];
    set_val(mb_add(b, oid), tag, t, ber_uint_bytes(v, t));
}

void mb_oidval(mib_builder *b, const char *oid, const char *val)
{
    uint32_t arcs[SIM_MAX_OID];
    uint8_t enc[SIM_MAX_OID * 5];
    int n = oid_parse(val, arcs, SIM_MAX_OID);
    if (n < 2) {
        fprintf(stderr, "ecsp-printer-sim: bad OID value %s\n", val);
        exit(1);
    }
    set_val(mb_add(b, oid), BER_OID, enc, ber_oid_encode(arcs, n, enc));
}

void mb_ip(mib_builder *b, const char *oid, uint8_t a, uint8_t b2, uint8_t c, uint8_t d)
{
    uint8_t v[4] = { a, b2, c, d };
    set_val(mb_add(b, oid), BER_IPADDR, v, 4);
}

void mb_dyn(mib_builder *b, const char *oid, uint8_t vtype, dyn_fn fn, int32_t arg)
{
    mib_entry *e = mb_add(b, oid);
    e->fn = fn;
    e->arg = arg;
    e->vtype = vtype;
}

void mb_last_flags(mib_builder *b, uint8_t suffix, uint8_t cond)
{
    b->v[b->n - 1].suffix = suffix;
    b->v[b->n - 1].cond = cond;
}

static int entry_cmp(const void *a, const void *b)
{
    const mib_entry *x = a, *y = b;
    return oid_cmp(x->arcs, x->n, y->arcs, y->n);
}

void mb_finish(mib_builder *b, sim_model *m)
{
    qsort(b->v, b->n, sizeof *b->v, entry_cmp);
    for (size_t i = 0; i < b->n; i++) {
        mib_entry *e = &b->v[i];
        if (i > 0) {
            mib_entry *p = &b->v[i - 1];
            /* A prefix relation would break GETNEXT ordering (and duplicates are bugs). */
            int n = p->n < e->n ? p->n : e->n;
            if (oid_cmp(p->arcs, n, e->arcs, n) == 0) {
                fprintf(stderr, "ecsp-printer-sim: model %s: OID %u... listed twice or nested\n",
                        m->key, e->arcs[0]);
                exit(1);
            }
        }
        if (e->suffix == SUF_NONE) {
            uint8_t tmp[SIM_MAX_OID * 5 + 8];
            uint8_t c[SIM_MAX_OID * 5];
            size_t cl = ber_oid_encode(e->arcs, e->n, c);
            tmp[0] = BER_OID;
            size_t hl = 1 + ber_put_len(tmp + 1, cl);
            memcpy(tmp + hl, c, cl);
            e->oid_tlv = xmemdup(tmp, hl + cl);
            e->oid_tlv_len = (uint16_t)(hl + cl);
        }
    }
    m->tab = b->v;
    m->ntab = b->n;
}

/* -------------------------------------------------------------- lookup */

size_t mib_entry_arcs(sim_dev *d, const mib_entry *e, uint32_t *out)
{
    memcpy(out, e->arcs, e->n * sizeof out[0]);
    size_t n = e->n;
    if (e->suffix == SUF_IPADDR) {
        out[n++] = d->ip >> 24;
        out[n++] = (d->ip >> 16) & 0xff;
        out[n++] = (d->ip >> 8) & 0xff;
        out[n++] = d->ip & 0xff;
    } else if (e->suffix == SUF_ALERT) {
        sim_state(d);
        out[n++] = d->alert_idx;
    }
    return n;
}

static bool present(sim_dev *d, const mib_entry *e)
{
    if (e->cond == COND_ALWAYS)
        return true;
    sim_state(d);
    if (e->cond == COND_ALERT)
        return d->err != ERR_NONE;
    if (e->cond == COND_PRINTING)
        return d->phase == PH_PRINTING;
    return true;
}

static int cmp_full(sim_dev *d, const mib_entry *e, const uint32_t *arcs, int n)
{
    if (e->suffix == SUF_NONE)
        return oid_cmp(e->arcs, e->n, arcs, n);
    uint32_t full[SIM_MAX_OID + 8];
    size_t fn = mib_entry_arcs(d, e, full);
    return oid_cmp(full, (int)fn, arcs, n);
}

/* First position whose full OID is >= arcs (binary search). */
static size_t lower_bound(sim_dev *d, const uint32_t *arcs, int n)
{
    size_t lo = 0, hi = d->m->ntab;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (cmp_full(d, &d->m->tab[mid], arcs, n) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

const mib_entry *mib_get(sim_dev *d, const uint32_t *arcs, int n, uint8_t *exc)
{
    size_t p = lower_bound(d, arcs, n);
    const mib_entry *tab = d->m->tab;
    if (p < d->m->ntab && cmp_full(d, &tab[p], arcs, n) == 0 && present(d, &tab[p]))
        return &tab[p];
    /* noSuchInstance when the object (all but the last arc) exists, as agents
     * that register per column do; noSuchObject otherwise. */
    *exc = BER_NOSUCHOBJECT;
    for (size_t q = p ? p - 1 : 0; q <= p && q < d->m->ntab; q++) {
        const mib_entry *e = &tab[q];
        if (n >= 2 && e->n >= n - 1 && oid_cmp(e->arcs, n - 1, arcs, n - 1) == 0)
            *exc = BER_NOSUCHINSTANCE;
    }
    return NULL;
}

long mib_next_pos(sim_dev *d, long pos, bool v1)
{
    for (size_t p = (size_t)(pos + 1); p < d->m->ntab; p++) {
        const mib_entry *e = &d->m->tab[p];
        if (v1 && e->vtype == BER_COUNTER64)    /* SNMPv1 cannot carry Counter64 */
            continue;
        if (present(d, e))
            return (long)p;
    }
    return -1;
}

long mib_next(sim_dev *d, const uint32_t *arcs, int n, bool v1)
{
    size_t p = lower_bound(d, arcs, n);
    if (p < d->m->ntab && cmp_full(d, &d->m->tab[p], arcs, n) == 0)
        p++;                                   /* strictly greater */
    return mib_next_pos(d, (long)p - 1, v1);
}

void mib_put_name(ber_wr *w, sim_dev *d, const mib_entry *e)
{
    if (e->suffix == SUF_NONE) {
        bw_raw(w, e->oid_tlv, e->oid_tlv_len);
        return;
    }
    uint32_t full[SIM_MAX_OID + 8];
    uint8_t enc[(SIM_MAX_OID + 8) * 5];
    size_t n = mib_entry_arcs(d, e, full);
    bw_tlv(w, BER_OID, enc, ber_oid_encode(full, (int)n, enc));
}

void mib_put_value(ber_wr *w, sim_dev *d, const mib_entry *e)
{
    if (!e->fn) {
        bw_raw(w, e->val, e->val_len);
        return;
    }
    if (w->ovf)
        return;
    size_t n = e->fn(d, e, w->p, (size_t)(w->end - w->p));
    if (n == 0)
        w->ovf = true;
    else
        w->p += n;
}

/* ---------------------------------------------------- value primitives */

size_t put_octets(uint8_t *out, size_t cap, const void *s, size_t n)
{
    size_t hl = 1 + ber_len_size(n);
    if (cap < hl + n)
        return 0;
    out[0] = BER_OCTETS;
    ber_put_len(out + 1, n);
    memcpy(out + hl, s, n);
    return hl + n;
}

size_t put_str(uint8_t *out, size_t cap, const char *s)
{
    return put_octets(out, cap, s, strlen(s));
}

size_t put_num(uint8_t *out, size_t cap, uint8_t tag, int64_t v)
{
    uint8_t b[9];
    size_t n = tag == BER_INT ? ber_int_bytes(v, b) : ber_uint_bytes((uint64_t)v, b);
    if (cap < 2 + n)
        return 0;
    out[0] = tag;
    out[1] = (uint8_t)n;
    memcpy(out + 2, b, n);
    return 2 + n;
}

size_t dyn_uptime(sim_dev *d, const mib_entry *e, uint8_t *out, size_t cap)
{
    (void)e;
    return put_num(out, cap, BER_TIMETICKS, d->uptime_cs);
}

size_t dyn_mac(sim_dev *d, const mib_entry *e, uint8_t *out, size_t cap)
{
    (void)e;
    uint8_t mac[6];
    dev_mac(d, mac);
    return put_octets(out, cap, mac, 6);
}

size_t dyn_ipaddr(sim_dev *d, const mib_entry *e, uint8_t *out, size_t cap)
{
    (void)e;
    if (cap < 6)
        return 0;
    out[0] = BER_IPADDR;
    out[1] = 4;
    out[2] = (uint8_t)(d->ip >> 24);
    out[3] = (uint8_t)(d->ip >> 16);
    out[4] = (uint8_t)(d->ip >> 8);
    out[5] = (uint8_t)d->ip;
    return 6;
}

size_t dyn_serial(sim_dev *d, const mib_entry *e, uint8_t *out, size_t cap)
{
    (void)e;
    char s[32];
    dev_serial(d, s, sizeof s);
    return put_str(out, cap, s);
}

/* -------------------------------------------------------- device state */

uint64_t sim_mix(uint64_t a, uint64_t b)
{
    /* splitmix64 finaliser over a combined key: cheap and well spread. */
    uint64_t z = a * 0x9E3779B97F4A7C15ULL + b + 0x632BE59BD9B4E019ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

void dev_mac(const sim_dev *d, uint8_t mac[6])
{
    /* 02 = locally administered unicast; EC marks "simulated"; then the index. */
    mac[0] = 0x02;
    mac[1] = 0xEC;
    mac[2] = (uint8_t)(d->idx >> 24);
    mac[3] = (uint8_t)(d->idx >> 16);
    mac[4] = (uint8_t)(d->idx >> 8);
    mac[5] = (uint8_t)d->idx;
}

void dev_serial(const sim_dev *d, char *out, size_t cap)
{
    snprintf(out, cap, "%s%07u", d->m->serial_prefix, d->idx % 10000000u);
}

void sim_dev_init(sim_dev *d, uint32_t idx, const dev_knobs *k, uint64_t now_ms)
{
    d->idx = idx;
    d->ip = G.base_ip + idx;
    d->k = k;
    d->m = k->m;
    d->now_ms = now_ms;
    /* Devices "booted" up to 20 days before the simulator started. */
    uint64_t boot_ms = sim_mix(idx, 11) % (20ULL * 86400 * 1000);
    d->uptime_cs = (uint32_t)((now_ms + boot_ms) / 10);
    d->st_ready = false;
}

/* Pages printed by cycle position u (ms) for a device printing `job` pages per
 * cycle during the printing window [40 %, 80 %) of each period. */
static uint64_t printed_at(uint64_t u, uint64_t per, uint32_t job)
{
    uint64_t cyc = u / per, pos = u % per;
    uint64_t a = per * 4 / 10, b = per * 8 / 10, part;
    if (pos < a)
        part = 0;
    else if (pos >= b)
        part = job;
    else
        part = (uint64_t)job * (pos - a) / (b - a);
    return cyc * job + part;
}

void sim_state(sim_dev *d)
{
    if (d->st_ready)
        return;
    d->st_ready = true;
    const sim_model *m = d->m;
    uint32_t idx = d->idx;
    uint64_t printed = 0;
    d->phase = PH_IDLE;
    d->err = ERR_NONE;
    d->cycle = 0;
    d->alert_idx = 0;
    d->alert_time_cs = 0;
    d->job_no = 0;

    if (G.flap_ms && m->kind == MK_PRINTER) {
        uint64_t per = G.flap_ms;
        uint64_t off = sim_mix(idx, 21) % per;
        uint64_t u = d->now_ms + off;
        uint32_t job = 1 + (uint32_t)(sim_mix(idx, 22) % 12);
        printed = printed_at(u, per, job) - printed_at(off, per, job);
        uint64_t cyc = u / per, pos = u % per;
        d->cycle = (uint32_t)cyc;
        d->job_no = (uint32_t)cyc;
        if (pos >= per * 4 / 10 && pos < per * 8 / 10) {
            d->phase = PH_PRINTING;
        } else if (pos >= per * 8 / 10 && m->nerr && sim_mix(idx, cyc * 7 + 3) % 4 == 0) {
            /* Roughly one cycle in four ends in an error until the next cycle. */
            d->phase = PH_ERROR;
            d->err = m->errs[sim_mix(idx, cyc * 7 + 5) % m->nerr];
            d->alert_idx = (uint32_t)cyc + 1;
            d->alert_time_cs = d->uptime_cs - (uint32_t)((pos - per * 8 / 10) / 10);
        }
    }
    if (d->k->err != ERR_NONE && m->kind == MK_PRINTER) {
        d->phase = PH_ERROR;
        d->err = d->k->err;
        d->alert_idx = 1;
        d->alert_time_cs = d->uptime_cs > 6000 ? d->uptime_cs - 6000 : 0;
    }

    uint32_t base = 1200 + (uint32_t)(sim_mix(idx, 23) % 180000);
    d->pages = base + (uint32_t)printed;
    d->pages_on = (uint32_t)(sim_mix(idx, 24) % 40) + (uint32_t)printed;
    d->color_pages = m->color ? d->pages / 100 * 37 : 0;

    for (int k = 0; k < m->nsupply; k++) {
        const supply_dyn *s = &m->sup[k];
        int32_t start = 8 + (int32_t)(sim_mix(idx, 30 + (uint64_t)k) % 93);   /* 8..100 % */
        uint64_t used = s->pages_full ? printed * 100 / s->pages_full : 0;
        /* Falls with printing; wraps to 100 % when the part is "replaced". */
        d->level[k] = 100 - (int32_t)(((uint64_t)(100 - start) + used) % 98);
    }
    if (d->err == ERR_SUPPLY_EMPTY && m->nsupply)
        d->level[0] = 0;
}

uint16_t dev_hr_errstate(sim_dev *d)
{
    sim_state(d);
    uint16_t v = 0;
    switch (d->err) {
    case ERR_PAPER_OUT:    v |= 0x4000 | 0x0004; break;   /* noPaper, inputTrayEmpty */
    case ERR_JAM:          v |= 0x0400; break;            /* jammed */
    case ERR_COVER_OPEN:   v |= 0x0800; break;            /* doorOpen */
    case ERR_SUPPLY_EMPTY: v |= 0x1000; break;            /* noToner (also ink) */
    default: break;
    }
    for (int k = 0; k < d->m->nsupply; k++)
        if (d->m->sup[k].pages_full && !d->m->sup[k].receptacle && d->level[k] <= 10 &&
            d->level[k] > 0)
            v |= 0x2000;                                  /* lowToner */
    return v;
}
