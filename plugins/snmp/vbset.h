/*
 * The varbinds read in one poll: copied out of the answers, sorted by OID,
 * looked up by OID or by subtree while the profiles fill the device object.
 */
#ifndef GW_SNMP_VBSET_H
#define GW_SNMP_VBSET_H

#include "ber.h"
#include "pdu.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct gw_vb {
	const uint32_t *oid;
	uint32_t n;
	uint8_t type;                /* enum gw_ber_tag */
	bool has_num;                /* num holds the value of a numeric type */
	const uint8_t *val;          /* OCTET STRING, OID, IpAddress contents */
	uint32_t len;
	int64_t num;
};

struct gw_vbset {
	struct gw_vb *v;
	size_t n, cap;
	size_t bytes, max_bytes;     /* memory taken, and its cap (0: 4 MiB) */
	bool sorted, full;
	struct gw_arena *arena;
};

void gw_vbset_init(struct gw_vbset *vs);
void gw_vbset_release(struct gw_vbset *vs);
/* Copy one varbind in; exception values are not kept. -ENOMEM / -ENOSPC when full. */
int gw_vbset_add(struct gw_vbset *vs, const struct gw_oid *oid, const struct gw_snmp_vb *vb);
/* Sort by OID; of duplicates the first added stays. */
void gw_vbset_sort(struct gw_vbset *vs);

/* Exact lookup of prefix + suffix (either may be empty). */
const struct gw_vb *gw_vbset_get(const struct gw_vbset *vs, const uint32_t *pre, unsigned pn,
				 const uint32_t *suf, unsigned sn);
/* [*from, *to) holds the varbinds under the subtree pre. */
void gw_vbset_subtree(const struct gw_vbset *vs, const uint32_t *pre, unsigned pn,
		      size_t *from, size_t *to);

/* Typed reads; false when absent or of another kind. */
bool gw_vb_num(const struct gw_vb *vb, int64_t *out);
bool gw_vb_is_str(const struct gw_vb *vb);

#define GW_ARCS(...) ((const uint32_t[]){__VA_ARGS__}), \
	(sizeof((const uint32_t[]){__VA_ARGS__}) / sizeof(uint32_t))

#endif
