#include "candidate_codec.h"
#include "../core/devdata_pack.h"
#include "../core/mpfield.h"

#include <errno.h>
#include <msgpack.h>
#include <stddef.h>
#include <string.h>

int gw_candidate_encode(const struct gw_candidate *c, struct gw_buf *out)
{
	msgpack_packer pk;

	gw_packer_init(&pk, out);
	msgpack_pack_map(&pk, 16);
	gw_mp_kv_int(&pk, "id", c->id);
	gw_mp_kv_int(&pk, "identity", c->ident);
	gw_mp_kv_str(&pk, "serial", c->serial);
	gw_mp_kv_str(&pk, "mac", c->mac);
	gw_mp_kv_str(&pk, "ip", c->ip);
	gw_mp_kv_str(&pk, "prev_ip", c->prev_ip);
	gw_mp_kv_str(&pk, "model", c->model);
	gw_mp_kv_str(&pk, "manufacturer", c->manufacturer);
	gw_mp_kv_str(&pk, "hostname", c->hostname);
	gw_mp_kv_int(&pk, "sources", c->sources);
	gw_mp_kv_int(&pk, "unknown", c->details_unknown);
	gw_mp_kv_int(&pk, "cloud", c->cloud);
	gw_mp_kv_int(&pk, "run", c->run);
	gw_mp_kv_int(&pk, "first", c->first_seen_ms);
	gw_mp_kv_int(&pk, "last", c->last_seen_ms);
	gw_mp_kv_int(&pk, "moved", c->moved_ms);
	return out->failed ? -ENOMEM : 0;
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

	if (k->type != MSGPACK_OBJECT_STR || !gw_mp_get_str(k, key, sizeof(key)))
		return true; /* a key from a later version */
	for (size_t i = 0; i < sizeof(str_fields) / sizeof(str_fields[0]); i++)
		if (strcmp(key, str_fields[i].key) == 0)
			return gw_mp_get_str(v, (char *)c + str_fields[i].off, str_fields[i].size);
	if (!gw_mp_get_int(v, INT64_MIN, INT64_MAX, &x))
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
	const msgpack_object *map;
	msgpack_unpacked h;
	int rc = -EINVAL;

	memset(c, 0, sizeof(*c));
	msgpack_unpacked_init(&h);
	if (!gw_mp_unpack_map(buf, len, &h, &map))
		goto out;
	for (uint32_t i = 0; i < map->via.map.size; i++)
		if (!decode_field(&map->via.map.ptr[i].key, &map->via.map.ptr[i].val, c))
			goto out;
	if (c->id && c->ip[0])
		rc = 0;
out:
	msgpack_unpacked_destroy(&h);
	return rc;
}
