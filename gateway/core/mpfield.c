#include "mpfield.h"
#include "devdata_pack.h"
#include "mpbound.h"

#include <string.h>

void gw_mp_kv_str(msgpack_packer *pk, const char *key, const char *v)
{
	gw_pack_cstr(pk, key);
	gw_pack_cstr(pk, v);
}

void gw_mp_kv_int(msgpack_packer *pk, const char *key, int64_t v)
{
	gw_pack_cstr(pk, key);
	msgpack_pack_int64(pk, v);
}

bool gw_mp_get_str(const msgpack_object *v, char *dst, size_t cap)
{
	if (v->type != MSGPACK_OBJECT_STR || v->via.str.size >= cap ||
	    memchr(v->via.str.ptr, 0, v->via.str.size))
		return false;
	memcpy(dst, v->via.str.ptr, v->via.str.size);
	dst[v->via.str.size] = '\0';
	return true;
}

bool gw_mp_get_int(const msgpack_object *v, int64_t min, int64_t max, int64_t *out)
{
	int64_t x;

	if (v->type == MSGPACK_OBJECT_POSITIVE_INTEGER && v->via.u64 <= INT64_MAX)
		x = (int64_t)v->via.u64;
	else if (v->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
		x = v->via.i64;
	else
		return false;
	if (x < min || x > max)
		return false;
	*out = x;
	return true;
}

bool gw_mp_key_is(const msgpack_object *k, const char *name)
{
	size_t n = strlen(name);

	return k->type == MSGPACK_OBJECT_STR && k->via.str.size == n &&
	       memcmp(k->via.str.ptr, name, n) == 0;
}

bool gw_mp_unpack_map(const void *buf, size_t len, msgpack_unpacked *h,
		      const msgpack_object **map)
{
	size_t off = 0;

	if (!gw_msgpack_bounded(buf, len) ||
	    msgpack_unpack_next(h, buf, len, &off) != MSGPACK_UNPACK_SUCCESS || off != len ||
	    h->data.type != MSGPACK_OBJECT_MAP)
		return false;
	*map = &h->data;
	return true;
}
