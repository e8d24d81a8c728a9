/*
 * BER as SNMP uses it (X.690 subset): a pure codec over caller buffers.
 *
 * The reader never reads outside the range it was given and refuses
 * indefinite lengths, multi-byte tags, lengths past the end and integers
 * wider than 64 bits. The writer fills a buffer from its end backwards, so
 * that every length is known when its header is written and nothing is
 * ever moved: a message is built innermost part first.
 */
#ifndef GW_SNMP_BER_H
#define GW_SNMP_BER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GW_OID_MAX 128          /* sub-identifiers per OID (RFC 2578 §3.5) */

enum gw_ber_tag {
	GW_BER_INT = 0x02,
	GW_BER_OCTETS = 0x04,
	GW_BER_NULL = 0x05,
	GW_BER_OID = 0x06,
	GW_BER_SEQ = 0x30,
	GW_BER_IPADDR = 0x40,
	GW_BER_COUNTER32 = 0x41,
	GW_BER_GAUGE32 = 0x42,
	GW_BER_TIMETICKS = 0x43,
	GW_BER_OPAQUE = 0x44,
	GW_BER_COUNTER64 = 0x46,
	GW_BER_NOSUCHOBJECT = 0x80,
	GW_BER_NOSUCHINSTANCE = 0x81,
	GW_BER_ENDOFMIBVIEW = 0x82,
};

struct gw_oid {
	uint32_t n;
	uint32_t a[GW_OID_MAX];
};

/* ---- reading ---- */

struct gw_ber_rd {
	const uint8_t *p;
	size_t len, pos;
};

void gw_ber_rd_init(struct gw_ber_rd *r, const void *p, size_t len);
static inline bool gw_ber_rd_done(const struct gw_ber_rd *r)
{
	return r->pos >= r->len;
}

/*
 * Read the next TLV: its tag and the range of its contents. 0, or -EBADMSG
 * when the header is malformed or the contents run past the end.
 */
int gw_ber_next(struct gw_ber_rd *r, uint8_t *tag, const uint8_t **val, size_t *vlen);
/* The same, but the tag must be `tag`. */
int gw_ber_expect(struct gw_ber_rd *r, uint8_t tag, const uint8_t **val, size_t *vlen);
/* Enter a constructed TLV of tag `tag`: sub reads its contents. */
int gw_ber_enter(struct gw_ber_rd *r, uint8_t tag, struct gw_ber_rd *sub);
/* An INTEGER-like TLV of tag `tag` whose value fits [min, max]. */
int gw_ber_read_int(struct gw_ber_rd *r, uint8_t tag, int64_t min, int64_t max, int64_t *v);

/* Contents decoders: 0 or -EBADMSG. */
int gw_ber_int(const uint8_t *v, size_t n, int64_t *out);    /* two's complement, 1..8 bytes */
int gw_ber_uint(const uint8_t *v, size_t n, uint64_t *out);  /* unsigned, <= 64 significant bits */
int gw_ber_oid(const uint8_t *v, size_t n, struct gw_oid *out);
/* Checks an OID's contents without decoding them. */
bool gw_ber_oid_valid(const uint8_t *v, size_t n);

/* ---- writing (backwards) ---- */

struct gw_ber_wr {
	uint8_t *buf;
	size_t cap, len;     /* the encoding is buf[cap - len, cap) */
	bool overflow;       /* set once something did not fit; later writes do nothing */
};

void gw_ber_wr_init(struct gw_ber_wr *w, void *buf, size_t cap);
static inline const uint8_t *gw_ber_wr_data(const struct gw_ber_wr *w)
{
	return w->buf + w->cap - w->len;
}
/* A mark taken before writing contents; gw_ber_close wraps them in a header. */
static inline size_t gw_ber_mark(const struct gw_ber_wr *w)
{
	return w->len;
}

void gw_ber_put_raw(struct gw_ber_wr *w, const void *p, size_t n);
/* Reserve n bytes in front; returns where they are, or NULL on overflow. */
uint8_t *gw_ber_put_space(struct gw_ber_wr *w, size_t n);
void gw_ber_put_hdr(struct gw_ber_wr *w, uint8_t tag, size_t len);
void gw_ber_close(struct gw_ber_wr *w, uint8_t tag, size_t mark);
void gw_ber_put_int(struct gw_ber_wr *w, uint8_t tag, int64_t v);
void gw_ber_put_uint(struct gw_ber_wr *w, uint8_t tag, uint64_t v);
void gw_ber_put_octets(struct gw_ber_wr *w, uint8_t tag, const void *p, size_t n);
void gw_ber_put_null(struct gw_ber_wr *w);
/* -EINVAL for an OID that cannot be encoded (fewer than 2 arcs, bad first arcs). */
int gw_ber_put_oid(struct gw_ber_wr *w, const struct gw_oid *o);
/* The contents (no header) of an OID into out; returns the length, or -EINVAL/-ENOSPC. */
int gw_ber_oid_encode(const uint32_t *a, unsigned n, uint8_t *out, size_t cap);

/* ---- OIDs ---- */

int gw_oid_cmp(const uint32_t *a, unsigned an, const uint32_t *b, unsigned bn);
static inline int gw_oid_cmpo(const struct gw_oid *a, const struct gw_oid *b)
{
	return gw_oid_cmp(a->a, a->n, b->a, b->n);
}
bool gw_oid_has_prefix(const uint32_t *a, unsigned an, const uint32_t *pre, unsigned pn);
/* "1.3.6.1.2.1.1.1.0" (a leading dot is allowed); -EINVAL when malformed. */
int gw_oid_parse(const char *s, struct gw_oid *out);
/* Dotted form into buf (truncated with "..." when it does not fit). */
char *gw_oid_format(const uint32_t *a, unsigned n, char *buf, size_t len);
/* Append arcs to an OID; -ENOSPC when it would exceed GW_OID_MAX. */
int gw_oid_append(struct gw_oid *o, const uint32_t *a, unsigned n);

#endif
