/*
 * Minimal BER for SNMP, written for the simulator only (the gateway has its
 * own encoder; sharing one would let a single bug pass both sides' tests).
 *
 * Decoding is strict about bounds and lenient about non-minimal encodings,
 * like most agents: anything that does not fit its container is rejected so
 * that malformed datagrams are dropped, never crash the process.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

int ber_read(ber_rd *r, ber_tlv *t)
{
    const uint8_t *p = r->p;
    if (r->end - p < 2)
        return -1;
    t->start = p;
    t->tag = *p++;
    if ((t->tag & 0x1f) == 0x1f)       /* high tag numbers never occur in SNMP */
        return -1;
    size_t len = *p++;
    if (len & 0x80) {
        size_t nb = len & 0x7f;
        if (nb == 0 || nb > 4 || (size_t)(r->end - p) < nb)   /* no indefinite form */
            return -1;
        len = 0;
        while (nb--)
            len = (len << 8) | *p++;
    }
    if ((size_t)(r->end - p) < len)
        return -1;
    t->val = p;
    t->len = len;
    t->next = p + len;
    r->p = t->next;
    return 0;
}

int ber_expect(ber_rd *r, uint8_t tag, ber_tlv *t)
{
    if (ber_read(r, t) < 0 || t->tag != tag)
        return -1;
    return 0;
}

int ber_int(const ber_tlv *t, int64_t *v)
{
    if (t->len < 1 || t->len > 8)
        return -1;
    int64_t x = (t->val[0] & 0x80) ? -1 : 0;
    for (size_t i = 0; i < t->len; i++)
        x = (int64_t)(((uint64_t)x << 8) | t->val[i]);
    *v = x;
    return 0;
}

int ber_oid_decode(const uint8_t *p, size_t len, uint32_t *arcs, int max)
{
    if (len == 0 || max < 2)
        return -1;
    int n = 0;
    uint64_t acc = 0;
    bool first = true;
    for (size_t i = 0; i < len; i++) {
        if (acc == 0 && p[i] == 0x80)   /* leading 0x80 = non-minimal, reject as net-snmp does */
            return -1;
        acc = (acc << 7) | (p[i] & 0x7f);
        if (acc > 0xffffffffULL + 80)
            return -1;
        if (p[i] & 0x80)
            continue;
        if (first) {
            /* The first sub-identifier packs two arcs: 40*X + Y. */
            uint32_t x = acc < 40 ? 0 : acc < 80 ? 1 : 2;
            uint64_t y = acc - 40ULL * x;
            if (y > 0xffffffffULL)
                return -1;
            arcs[n++] = x;
            arcs[n++] = (uint32_t)y;
            first = false;
        } else {
            if (n >= max || acc > 0xffffffffULL)
                return -1;
            arcs[n++] = (uint32_t)acc;
        }
        acc = 0;
    }
    if (p[len - 1] & 0x80)              /* truncated last sub-identifier */
        return -1;
    return n;
}

static size_t put_subid(uint64_t v, uint8_t *out)
{
    uint8_t tmp[10];
    size_t n = 0;
    do {
        tmp[n++] = v & 0x7f;
        v >>= 7;
    } while (v);
    for (size_t i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i] | (i + 1 < n ? 0x80 : 0);
    return n;
}

size_t ber_oid_encode(const uint32_t *arcs, int n, uint8_t *out)
{
    if (n < 2)
        return 0;
    size_t len = put_subid((uint64_t)arcs[0] * 40 + arcs[1], out);
    for (int i = 2; i < n; i++)
        len += put_subid(arcs[i], out + len);
    return len;
}

int oid_parse(const char *s, uint32_t *arcs, int max)
{
    int n = 0;
    if (*s == '.')
        s++;
    while (*s) {
        char *e;
        unsigned long v = strtoul(s, &e, 10);
        if (e == s || n >= max || v > 0xffffffffUL)
            return -1;
        arcs[n++] = (uint32_t)v;
        if (*e == '.')
            e++;
        else if (*e)
            return -1;
        s = e;
    }
    return n;
}

int oid_cmp(const uint32_t *a, int na, const uint32_t *b, int nb)
{
    int n = na < nb ? na : nb;
    for (int i = 0; i < n; i++)
        if (a[i] != b[i])
            return a[i] < b[i] ? -1 : 1;
    return na < nb ? -1 : na > nb ? 1 : 0;
}

size_t ber_len_size(size_t len)
{
    return len < 0x80 ? 1 : len < 0x100 ? 2 : len < 0x10000 ? 3 : len < 0x1000000 ? 4 : 5;
}

size_t ber_put_len(uint8_t *out, size_t len)
{
    size_t n = ber_len_size(len);
    if (n == 1) {
        out[0] = (uint8_t)len;
        return 1;
    }
    out[0] = (uint8_t)(0x80 | (n - 1));
    for (size_t i = 1; i < n; i++)
        out[i] = (uint8_t)(len >> (8 * (n - 1 - i)));
    return n;
}

size_t ber_int_bytes(int64_t v, uint8_t *out)
{
    uint8_t tmp[8];
    for (int i = 0; i < 8; i++)
        tmp[i] = (uint8_t)((uint64_t)v >> (56 - 8 * i));
    int s = 0;
    /* Drop redundant leading 0x00/0xff octets while the sign bit is kept. */
    while (s < 7 && ((tmp[s] == 0x00 && !(tmp[s + 1] & 0x80)) ||
                     (tmp[s] == 0xff && (tmp[s + 1] & 0x80))))
        s++;
    memcpy(out, tmp + s, (size_t)(8 - s));
    return (size_t)(8 - s);
}

size_t ber_uint_bytes(uint64_t v, uint8_t *out)
{
    uint8_t tmp[9];
    tmp[0] = 0;
    for (int i = 0; i < 8; i++)
        tmp[1 + i] = (uint8_t)(v >> (56 - 8 * i));
    int s = 0;
    while (s < 8 && tmp[s] == 0 && !(tmp[s + 1] & 0x80))
        s++;
    memcpy(out, tmp + s, (size_t)(9 - s));
    return (size_t)(9 - s);
}

/* ---------------------------------------------------------- forward writer */

void bw_raw(ber_wr *w, const void *v, size_t n)
{
    if (n == 0)
        return;                         /* v may be NULL for empty values */
    if (w->ovf || (size_t)(w->end - w->p) < n) {
        w->ovf = true;
        return;
    }
    memcpy(w->p, v, n);
    w->p += n;
}

void bw_tlv(ber_wr *w, uint8_t tag, const void *v, size_t n)
{
    uint8_t h[6];
    h[0] = tag;
    size_t hl = 1 + ber_put_len(h + 1, n);
    bw_raw(w, h, hl);
    bw_raw(w, v, n);
}

void bw_int(ber_wr *w, uint8_t tag, int64_t v)
{
    uint8_t b[8];
    bw_tlv(w, tag, b, ber_int_bytes(v, b));
}

void bw_uint(ber_wr *w, uint8_t tag, uint64_t v)
{
    uint8_t b[9];
    bw_tlv(w, tag, b, ber_uint_bytes(v, b));
}

/* --------------------------------------------------------- backward writer */

void bp_raw(ber_pw *w, const void *v, size_t n)
{
    if (n == 0)
        return;
    if (w->ovf || (size_t)(w->p - w->lim) < n) {
        w->ovf = true;
        return;
    }
    w->p -= n;
    memmove(w->p, v, n);
}

void bp_hdr(ber_pw *w, uint8_t tag, size_t len)
{
    uint8_t h[6];
    h[0] = tag;
    size_t hl = 1 + ber_put_len(h + 1, len);
    bp_raw(w, h, hl);
}

void bp_tlv(ber_pw *w, uint8_t tag, const void *v, size_t n)
{
    bp_raw(w, v, n);
    bp_hdr(w, tag, n);
}

void bp_int(ber_pw *w, uint8_t tag, int64_t v)
{
    uint8_t b[8];
    bp_tlv(w, tag, b, ber_int_bytes(v, b));
}
