#include "candidate_codec.h"
#include "../core/devdata_pack.h"
#include "../core/mpbound.h"

#include <errno.h>
#include <msgpack.h>
#include <stddef.h>
#include <string.h>

static void kv_str(msgpack_packer *pk, const char *k, const char *v)
{
	gw_pack_cstr(pk, k);
	gw_pack_cstr(pk, v);
}

static void kv_int(msgpack_packer *pk, const char *k, int64_t v)
{
	gw_pack_cstr(pk, k);
	msgpack_pack_int64(pk, v);
}

int gw_candidate_encode(const struct gw_candidate *c, struct gw_buf *out)
{
	msgpack_packer pk;

	gw_packer_init(&pk, out);
	msgpack_pack_map(&pk, 16);
	kv_int(&pk, "id", c->id);
	kv_int(&pk, "identity", c->ident);
	kv_str(&pk, "serial", c->serial);
	kv_str(&pk, "mac", c->mac);
	kv_str(&pk, "ip", c->ip);
	kv_str(&pk, "prev_ip", c->prev_ip);
	kv_str(&pk, "model", c->model);
	kv_str(&pk, "manufacturer", c->manufacturer);
	kv_str(&pk, "hostname", c->hostname);
	kv_int(&pk, "sources", c->sources);
	kv_int(&pk, "unknown", c->details_unknown);
	kv_int(&pk, "cloud", c->cloud);
	kv_int(&pk, "run", c->run);
	kv_int(&pk, "first", c->first_seen_ms);
	kv_int(&pk, "last", c->last_seen_ms);
	kv_int(&pk, "moved", c->moved_ms);
	return out->failed ? -ENOMEM : 0;
}

static bool get_str(const msgpack_object *v, char *dst, size_t cap)
{
	if (v->type != MSGPACK_OBJECT_STR || v->via.str.size >= cap ||
	    memchr(v->via.str.ptr, 0, v->via.str.size))
		return false;
	memcpy(dst, v->via.str.ptr, v->via.str.size);
	dst[v->via.str.size] = '\0';
	return true;
}

static bool get_int(const msgpack_object *v, int64_t *out)
{
	if (v->type == MSGPACK_OBJECT_POSITIVE_INTEGER && v->via.u64 <= INT64_MAX)
		*out = (int64_t)v->via.u64;
	else if (v->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
		*out = v->via.i64;
	else
		return false;
	return true;
}

#define STR_FIELD(k, f) {k, offsetof(struct gw_candidate, f), sizeof(((struct gw_candidate *)0)->f)}
static const struct {
	const char *key;
	size_t off, size;
} str_fields[] = {
	STR_FIELD("serial", serial), STR_FIELD("mac", mac), STR_FIELD("ip", ip),
	STR_FIELD("prev_ip", prev_ip), STR_FIELD("model", model),
	STR_FIELD("manufacturer", manufacturer), STR_FIELD("hostname", hostname),
};

static bool decode_field(const msgpack_object *k, const msgpack_object *v,
			 struct gw_candidate *c)
{
	char key[16];
	int64_t x;

	if (k->type != MSGPACK_OBJECT_STR || !get_str(k, key, sizeof(key)))
		return true; /* a key from a later version */
	for (size_t i = 0; i < sizeof(str_fields) / sizeof(str_fields[0]); i++)
		if (strcmp(key, str_fields[i].key) == 0)
			return get_str(v, (char *)c + str_fields[i].off, str_fields[i].size);
	if (!get_int(v, &x))
		return strcmp(key, "id") != 0;
	if (strcmp(key, "id") == 0 && x > 0 && x <= UINT32_MAX)
		c->id = (uint32_t)x;
	else if (strcmp(key, "identity") == 0 && x >= 0 && x <= GW_IDENT_SERIAL)
		c->ident = (enum gw_identity)x;
	else if (strcmp(key, "sources") == 0)
		c->sources = (unsigned)x;
	else if (strcmp(key, "unknown") == 0)
		c->details_unknown = x != 0;
	else if (strcmp(key, "cloud") == 0)
		c->cloud = x != 0;
	else if (strcmp(key, "run") == 0 && x >= 0 && x <= UINT32_MAX)
		c->run = (uint32_t)x;
	else if (strcmp(key, "first") == 0)
		c->first_seen_ms = x;
	else if (strcmp(key, "last") == 0)
		c->last_seen_ms = x;
	else if (strcmp(key, "moved") == 0)
		c->moved_ms = x;
	return true;
}

int gw_candidate_decode(const void *buf, size_t len, struct gw_candidate *c)
{
	msgpack_unpacked h;
	size_t off = 0;
	int rc = -EINVAL;

	memset(c, 0, sizeof(*c));
	if (!gw_msgpack_bounded(buf, len))
		return -EINVAL;
	msgpack_unpacked_init(&h);
	if (msgpack_unpack_next(&h, buf, len, &off) != MSGPACK_UNPACK_SUCCESS || off != len ||
	    h.data.type != MSGPACK_OBJECT_MAP)
		goto out;
	for (uint32_t i = 0; i < h.data.via.map.size; i++)
		if (!decode_field(&h.data.via.map.ptr[i].key, &h.data.via.map.ptr[i].val, c))
			goto out;
	if (c->id && c->ip[0])
		rc = 0;
out:
	msgpack_unpacked_destroy(&h);
	return rc;
}
