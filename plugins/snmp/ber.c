#include "ber.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void gw_ber_rd_init(struct gw_ber_rd *r, const void *p, size_t len)
{
	r->p = p;
	r->len = p ? len : 0;
	r->pos = 0;
}

int gw_ber_next(struct gw_ber_rd *r, uint8_t *tag, const uint8_t **val, size_t *vlen)
{
	size_t left = r->len - r->pos, hl = 2, n;
	const uint8_t *p = r->p + r->pos;

	if (r->pos >= r->len || left < 2)
		return -EBADMSG;
	/* SNMP only uses low tag numbers; 0x1f in the low bits is the long form */
	if ((p[0] & 0x1f) == 0x1f)
		return -EBADMSG;
	n = p[1];
	if (n & 0x80) {
		size_t nb = n & 0x7f;

		/* 0x80 is the indefinite form, which BER for SNMP forbids */
		if (nb == 0 || nb > 4 || left < 2 + nb)
			return -EBADMSG;
		n = 0;
		for (size_t i = 0; i < nb; i++)
			n = n << 8 | p[2 + i];
		hl += nb;
	}
	if (n > left - hl)
		return -EBADMSG;
	*tag = p[0];
	*val = p + hl;
	*vlen = n;
	r->pos += hl + n;
	return 0;
}

int gw_ber_expect(struct gw_ber_rd *r, uint8_t tag, const uint8_t **val, size_t *vlen)
{
	uint8_t t;

	if (gw_ber_next(r, &t, val, vlen) < 0 || t != tag)
		return -EBADMSG;
	return 0;
}

int gw_ber_enter(struct gw_ber_rd *r, uint8_t tag, struct gw_ber_rd *sub)
{
	const uint8_t *v;
	size_t n;

	if (gw_ber_expect(r, tag, &v, &n) < 0)
		return -EBADMSG;
	gw_ber_rd_init(sub, v, n);
	return 0;
}

int gw_ber_int(const uint8_t *v, size_t n, int64_t *out)
{
	uint64_t x;

	/* tolerate redundant leading sign bytes, as some agents send them */
	while (n > 1 && ((v[0] == 0x00 && !(v[1] & 0x80)) || (v[0] == 0xff && (v[1] & 0x80)))) {
		v++;
		n--;
	}
	if (n == 0 || n > 8)
		return -EBADMSG;
	x = (v[0] & 0x80) ? UINT64_MAX : 0;
	for (size_t i = 0; i < n; i++)
		x = x << 8 | v[i];
	memcpy(out, &x, sizeof(*out));
	return 0;
}

int gw_ber_uint(const uint8_t *v, size_t n, uint64_t *out)
{
	uint64_t x = 0;

	if (n == 0)
		return -EBADMSG;
	while (n > 1 && v[0] == 0) {
		v++;
		n--;
	}
	if (n > 8)
		return -EBADMSG;
	for (size_t i = 0; i < n; i++)
		x = x << 8 | v[i];
	*out = x;
	return 0;
}

int gw_ber_read_int(struct gw_ber_rd *r, uint8_t tag, int64_t min, int64_t max, int64_t *v)
{
	const uint8_t *p;
	size_t n;

	if (gw_ber_expect(r, tag, &p, &n) < 0 || gw_ber_int(p, n, v) < 0)
		return -EBADMSG;
	return *v < min || *v > max ? -EBADMSG : 0;
}

/* Walks the sub-identifiers; out may be NULL (validation only). */
static int oid_walk(const uint8_t *v, size_t n, struct gw_oid *out)
{
	unsigned k = 0;
	uint64_t x = 0;
	bool in_arc = false;

	if (n == 0)
		return -EBADMSG;
	for (size_t i = 0; i < n; i++) {
		/* a sub-identifier may not start with 0x80 (X.690 §8.19.2) */
		if (!in_arc && v[i] == 0x80)
			return -EBADMSG;
		x = x << 7 | (v[i] & 0x7f);
		if (x > UINT32_MAX + (uint64_t)80)
			return -EBADMSG;
		in_arc = v[i] & 0x80;
		if (in_arc)
			continue;
		if (k == 0) {
			/* the first sub-identifier holds the first two arcs */
			uint32_t first = x < 40 ? 0 : x < 80 ? 1 : 2;
			uint64_t second = x - 40u * first;

			if (second > UINT32_MAX)
				return -EBADMSG;
			if (out) {
				out->a[0] = first;
				out->a[1] = (uint32_t)second;
			}
			k = 2;
		} else {
			if (x > UINT32_MAX || k >= GW_OID_MAX)
				return -EBADMSG;
			if (out)
				out->a[k] = (uint32_t)x;
			k++;
		}
		x = 0;
	}
	if (in_arc)
		return -EBADMSG; /* truncated sub-identifier */
	if (out)
		out->n = k;
	return 0;
}

int gw_ber_oid(const uint8_t *v, size_t n, struct gw_oid *out)
{
	return oid_walk(v, n, out);
}

bool gw_ber_oid_valid(const uint8_t *v, size_t n)
{
	return oid_walk(v, n, NULL) == 0;
}

void gw_ber_wr_init(struct gw_ber_wr *w, void *buf, size_t cap)
{
	w->buf = buf;
	w->cap = cap;
	w->len = 0;
	w->overflow = false;
}

uint8_t *gw_ber_put_space(struct gw_ber_wr *w, size_t n)
{
	if (w->overflow || n > w->cap - w->len) {
		w->overflow = true;
		return NULL;
	}
	w->len += n;
	return w->buf + w->cap - w->len;
}

void gw_ber_put_raw(struct gw_ber_wr *w, const void *p, size_t n)
{
	uint8_t *d = gw_ber_put_space(w, n);

	if (d && n)
		memcpy(d, p, n);
}

void gw_ber_put_hdr(struct gw_ber_wr *w, uint8_t tag, size_t len)
{
	uint8_t h[6];
	size_t k = sizeof(h);

	if (len < 0x80) {
		/* the common case: two bytes, stored directly */
		uint8_t *d = gw_ber_put_space(w, 2);

		if (d) {
			d[0] = tag;
			d[1] = (uint8_t)len;
		}
		return;
	}
	size_t nb = 0;

	for (size_t l = len; l; l >>= 8, nb++)
		h[--k] = (uint8_t)l;
	h[--k] = (uint8_t)(0x80 | nb);
	h[--k] = tag;
	gw_ber_put_raw(w, h + k, sizeof(h) - k);
}

void gw_ber_close(struct gw_ber_wr *w, uint8_t tag, size_t mark)
{
	gw_ber_put_hdr(w, tag, w->len - mark);
}

void gw_ber_put_int(struct gw_ber_wr *w, uint8_t tag, int64_t v)
{
	uint8_t b[8];
	uint64_t u;
	size_t k = sizeof(b);

	if (v >= 0 && v < 0x80) {
		uint8_t *d = gw_ber_put_space(w, 3);

		if (d) {
			d[0] = tag;
			d[1] = 1;
			d[2] = (uint8_t)v;
		}
		return;
	}
	memcpy(&u, &v, sizeof(u));
	do {
		b[--k] = (uint8_t)u;
		u = (uint64_t)((int64_t)u >> 8);
	} while (k > 0 && !((u == 0 && !(b[k] & 0x80)) || (u == UINT64_MAX && (b[k] & 0x80))));
	gw_ber_put_raw(w, b + k, sizeof(b) - k);
	gw_ber_put_hdr(w, tag, sizeof(b) - k);
}

void gw_ber_put_uint(struct gw_ber_wr *w, uint8_t tag, uint64_t v)
{
	uint8_t b[9];
	size_t k = sizeof(b);

	do {
		b[--k] = (uint8_t)v;
		v >>= 8;
	} while (v);
	if (b[k] & 0x80)
		b[--k] = 0;
	gw_ber_put_raw(w, b + k, sizeof(b) - k);
	gw_ber_put_hdr(w, tag, sizeof(b) - k);
}

void gw_ber_put_octets(struct gw_ber_wr *w, uint8_t tag, const void *p, size_t n)
{
	gw_ber_put_raw(w, p, n);
	gw_ber_put_hdr(w, tag, n);
}

void gw_ber_put_null(struct gw_ber_wr *w)
{
	gw_ber_put_hdr(w, GW_BER_NULL, 0);
}

int gw_ber_oid_encode(const uint32_t *a, unsigned n, uint8_t *out, size_t cap)
{
	size_t len = 0;

	if (n < 2 || n > GW_OID_MAX || a[0] > 2 || (a[0] < 2 && a[1] >= 40) ||
	    (uint64_t)a[0] * 40 + a[1] > UINT32_MAX)
		return -EINVAL;
	for (unsigned i = 1; i < n; i++) {
		uint32_t x = i == 1 ? a[0] * 40 + a[1] : a[i];
		uint8_t t[5];
		size_t k = sizeof(t);

		t[--k] = x & 0x7f;
		for (x >>= 7; x; x >>= 7)
			t[--k] = 0x80 | (x & 0x7f);
		if (sizeof(t) - k > cap - len)
			return -ENOSPC;
		memcpy(out + len, t + k, sizeof(t) - k);
		len += sizeof(t) - k;
	}
	return (int)len;
}

int gw_ber_put_oid(struct gw_ber_wr *w, const struct gw_oid *o)
{
	const uint32_t *a = o->a;
	unsigned n = o->n;

	if (n < 2 || n > GW_OID_MAX || a[0] > 2 || (a[0] < 2 && a[1] >= 40) ||
	    (uint64_t)a[0] * 40 + a[1] > UINT32_MAX)
		return -EINVAL;
	if (w->overflow || w->cap - w->len < (size_t)n * 5) {
		uint8_t b[GW_OID_MAX * 5];
		int len = gw_ber_oid_encode(a, n, b, sizeof(b));

		gw_ber_put_octets(w, GW_BER_OID, b, (size_t)len);
		return 0;
	}
	/* straight into the writer, last arc first, as it fills backwards */
	uint8_t *end = w->buf + w->cap - w->len, *p = end;

	for (unsigned i = n - 1; i >= 1; i--) {
		uint32_t x = i == 1 ? a[0] * 40 + a[1] : a[i];

		*--p = x & 0x7f;
		for (x >>= 7; x; x >>= 7)
			*--p = 0x80 | (x & 0x7f);
	}
	w->len += (size_t)(end - p);
	gw_ber_put_hdr(w, GW_BER_OID, (size_t)(end - p));
	return 0;
}

int gw_oid_cmp(const uint32_t *a, unsigned an, const uint32_t *b, unsigned bn)
{
	unsigned n = an < bn ? an : bn;

	for (unsigned i = 0; i < n; i++)
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	return an < bn ? -1 : an > bn;
}

bool gw_oid_has_prefix(const uint32_t *a, unsigned an, const uint32_t *pre, unsigned pn)
{
	return an >= pn && memcmp(a, pre, pn * sizeof(*a)) == 0;
}

int gw_oid_parse(const char *s, struct gw_oid *out)
{
	out->n = 0;
	if (*s == '.')
		s++;
	while (*s) {
		char *end;
		unsigned long v;

		if (*s < '0' || *s > '9' || out->n >= GW_OID_MAX)
			return -EINVAL;
		errno = 0;
		v = strtoul(s, &end, 10);
		if (errno || v > UINT32_MAX)
			return -EINVAL;
		out->a[out->n++] = (uint32_t)v;
		s = end;
		if (*s == '.' && s[1])
			s++;
		else if (*s)
			return -EINVAL;
	}
	return out->n >= 2 ? 0 : -EINVAL;
}

char *gw_oid_format(const uint32_t *a, unsigned n, char *buf, size_t len)
{
	size_t k = 0;

	if (!len)
		return buf;
	buf[0] = 0;
	for (unsigned i = 0; i < n; i++) {
		int w = snprintf(buf + k, len - k, i ? ".%u" : "%u", a[i]);

		if (w < 0 || (size_t)w >= len - k) {
			if (len >= 4)
				memcpy(buf + len - 4, "...", 4);
			break;
		}
		k += (size_t)w;
	}
	return buf;
}

int gw_oid_append(struct gw_oid *o, const uint32_t *a, unsigned n)
{
	if (n > GW_OID_MAX - o->n)
		return -ENOSPC;
	memcpy(o->a + o->n, a, n * sizeof(*a));
	o->n += n;
	return 0;
}
