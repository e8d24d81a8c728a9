#include "vbset.h"
#include "core/arena.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_MAX_BYTES (4u << 20)

void gw_vbset_init(struct gw_vbset *vs)
{
	memset(vs, 0, sizeof(*vs));
	vs->sorted = true;
}

void gw_vbset_release(struct gw_vbset *vs)
{
	free(vs->v);
	gw_arena_free(vs->arena);
	gw_vbset_init(vs);
}

int gw_vbset_add(struct gw_vbset *vs, const struct gw_oid *oid, const struct gw_snmp_vb *vb)
{
	size_t need = oid->n * sizeof(uint32_t) + vb->val_len + sizeof(struct gw_vb);
	size_t max = vs->max_bytes ? vs->max_bytes : DEFAULT_MAX_BYTES;
	struct gw_vb *e;
	uint32_t *arcs;

	if (gw_snmp_vb_is_exception(vb) || vb->type == GW_BER_NULL)
		return 0;
	if (vs->bytes + need > max) {
		vs->full = true;
		return -ENOSPC;
	}
	if (!vs->arena && !(vs->arena = gw_arena_new()))
		return -ENOMEM;
	if (vs->n == vs->cap) {
		size_t cap = vs->cap ? vs->cap * 2 : 256;
		struct gw_vb *v = realloc(vs->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		vs->v = v;
		vs->cap = cap;
	}
	arcs = gw_arena_alloc(vs->arena, oid->n * sizeof(uint32_t) + vb->val_len + 1);
	if (!arcs)
		return -ENOMEM;
	memcpy(arcs, oid->a, oid->n * sizeof(uint32_t));
	e = &vs->v[vs->n];
	*e = (struct gw_vb){.oid = arcs, .n = oid->n, .type = vb->type};
	if (gw_snmp_vb_int(vb, &e->num) == 0) {
		e->has_num = true;
	} else {
		uint8_t *val = (uint8_t *)(arcs + oid->n);

		if (vb->val_len)
			memcpy(val, vb->val, vb->val_len);
		val[vb->val_len] = 0;
		e->val = val;
		e->len = (uint32_t)vb->val_len;
	}
	if (vs->n && vs->sorted &&
	    gw_oid_cmp(vs->v[vs->n - 1].oid, vs->v[vs->n - 1].n, e->oid, e->n) >= 0)
		vs->sorted = false;
	vs->n++;
	vs->bytes += need;
	return 0;
}

static int cmp_vb(const void *a, const void *b)
{
	const struct gw_vb *x = a, *y = b;
	int c = gw_oid_cmp(x->oid, x->n, y->oid, y->n);

	/* equal OIDs keep their order of arrival (qsort is not stable) */
	if (c == 0)
		return x < y ? -1 : x > y;
	return c;
}

void gw_vbset_sort(struct gw_vbset *vs)
{
	size_t k = 0;

	if (vs->sorted)
		return;
	qsort(vs->v, vs->n, sizeof(*vs->v), cmp_vb);
	for (size_t i = 0; i < vs->n; i++)
		if (k == 0 || gw_oid_cmp(vs->v[k - 1].oid, vs->v[k - 1].n, vs->v[i].oid,
					 vs->v[i].n) != 0)
			vs->v[k++] = vs->v[i];
	vs->n = k;
	vs->sorted = true;
}

/* Compare an entry with the concatenation pre + suf. */
static int cmp_key(const struct gw_vb *e, const uint32_t *pre, unsigned pn, const uint32_t *suf,
		   unsigned sn)
{
	unsigned kn = pn + sn;

	for (unsigned i = 0; i < e->n && i < kn; i++) {
		uint32_t k = i < pn ? pre[i] : suf[i - pn];

		if (e->oid[i] != k)
			return e->oid[i] < k ? -1 : 1;
	}
	return e->n < kn ? -1 : e->n > kn;
}

static size_t lower(const struct gw_vbset *vs, const uint32_t *pre, unsigned pn,
		    const uint32_t *suf, unsigned sn)
{
	size_t lo = 0, hi = vs->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cmp_key(&vs->v[mid], pre, pn, suf, sn) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const struct gw_vb *gw_vbset_get(const struct gw_vbset *vs, const uint32_t *pre, unsigned pn,
				 const uint32_t *suf, unsigned sn)
{
	size_t i;

	if (!vs->sorted)
		return NULL;
	i = lower(vs, pre, pn, suf, sn);
	return i < vs->n && cmp_key(&vs->v[i], pre, pn, suf, sn) == 0 ? &vs->v[i] : NULL;
}

void gw_vbset_subtree(const struct gw_vbset *vs, const uint32_t *pre, unsigned pn,
		      size_t *from, size_t *to)
{
	size_t i;

	*from = *to = 0;
	if (!vs->sorted)
		return;
	i = lower(vs, pre, pn, NULL, 0);
	*from = i;
	while (i < vs->n && gw_oid_has_prefix(vs->v[i].oid, vs->v[i].n, pre, pn))
		i++;
	*to = i;
}

bool gw_vb_num(const struct gw_vb *vb, int64_t *out)
{
	if (!vb || !vb->has_num)
		return false;
	*out = vb->num;
	return true;
}

bool gw_vb_is_str(const struct gw_vb *vb)
{
	return vb && (vb->type == GW_BER_OCTETS || vb->type == GW_BER_OPAQUE);
}
