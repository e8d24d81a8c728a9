#include "device_codec.h"
#include "../core/devdata_pack.h"
#include "../core/mpfield.h"

#include <errno.h>
#include <msgpack.h>
#include <string.h>

int gw_device_encode(const struct gw_device *d, struct gw_buf *out)
{
	msgpack_packer pk;

	gw_packer_init(&pk, out);
	msgpack_pack_map(&pk, 15);
	gw_mp_kv_int(&pk, "id", d->id);
	gw_mp_kv_str(&pk, "name", d->spec.name);
	gw_mp_kv_str(&pk, "address", d->spec.address);
	gw_mp_kv_int(&pk, "port", d->spec.port);
	gw_mp_kv_str(&pk, "credentials", d->spec.credentials);
	gw_mp_kv_str(&pk, "plugin", d->spec.plugin);
	gw_pack_cstr(&pk, "intervals");
	msgpack_pack_array(&pk, 5);
	for (int i = 0; i < 5; i++)
		msgpack_pack_int64(&pk, d->spec.interval_ms[i]);
	gw_pack_cstr(&pk, "enabled");
	if (d->spec.enabled)
		msgpack_pack_true(&pk);
	else
		msgpack_pack_false(&pk);
	gw_mp_kv_int(&pk, "origin", d->origin);
	gw_mp_kv_int(&pk, "identity", d->ident);
	gw_mp_kv_str(&pk, "serial", d->serial);
	gw_mp_kv_str(&pk, "mac", d->mac);
	gw_mp_kv_str(&pk, "model", d->model);
	gw_mp_kv_int(&pk, "added", d->added_ms);
	gw_mp_kv_int(&pk, "seen", d->last_seen_ms);
	return out->failed ? -ENOMEM : 0;
}

static bool decode_field(const msgpack_object *k, const msgpack_object *v, struct gw_device *d)
{
	int64_t x;

	if (gw_mp_key_is(k, "id")) {
		if (!gw_mp_get_int(v, 1, UINT32_MAX, &x))
			return false;
		d->id = (uint32_t)x;
	} else if (gw_mp_key_is(k, "name")) {
		return gw_mp_get_str(v, d->spec.name, sizeof(d->spec.name));
	} else if (gw_mp_key_is(k, "address")) {
		return gw_mp_get_str(v, d->spec.address, sizeof(d->spec.address));
	} else if (gw_mp_key_is(k, "port")) {
		if (!gw_mp_get_int(v, 0, 65535, &x))
			return false;
		d->spec.port = (uint16_t)x;
	} else if (gw_mp_key_is(k, "credentials")) {
		return gw_mp_get_str(v, d->spec.credentials, sizeof(d->spec.credentials));
	} else if (gw_mp_key_is(k, "plugin")) {
		return gw_mp_get_str(v, d->spec.plugin, sizeof(d->spec.plugin));
	} else if (gw_mp_key_is(k, "intervals")) {
		if (v->type != MSGPACK_OBJECT_ARRAY || v->via.array.size != 5)
			return false;
		for (int i = 0; i < 5; i++)
			if (!gw_mp_get_int(&v->via.array.ptr[i], 0, INT64_MAX, &d->spec.interval_ms[i]))
				return false;
	} else if (gw_mp_key_is(k, "enabled")) {
		if (v->type != MSGPACK_OBJECT_BOOLEAN)
			return false;
		d->spec.enabled = v->via.boolean;
	} else if (gw_mp_key_is(k, "origin")) {
		if (!gw_mp_get_int(v, 0, GW_ORIGIN_CLOUD, &x))
			return false;
		d->origin = (enum gw_dev_origin)x;
	} else if (gw_mp_key_is(k, "identity")) {
		if (!gw_mp_get_int(v, 0, GW_IDENT_SERIAL, &x))
			return false;
		d->ident = (enum gw_identity)x;
	} else if (gw_mp_key_is(k, "serial")) {
		return gw_mp_get_str(v, d->serial, sizeof(d->serial));
	} else if (gw_mp_key_is(k, "mac")) {
		return gw_mp_get_str(v, d->mac, sizeof(d->mac));
	} else if (gw_mp_key_is(k, "model")) {
		return gw_mp_get_str(v, d->model, sizeof(d->model));
	} else if (gw_mp_key_is(k, "added")) {
		return gw_mp_get_int(v, INT64_MIN, INT64_MAX, &d->added_ms);
	} else if (gw_mp_key_is(k, "seen")) {
		return gw_mp_get_int(v, INT64_MIN, INT64_MAX, &d->last_seen_ms);
	}
	return true; /* a key from a later version */
}

int gw_device_decode(const void *buf, size_t len, struct gw_device *d)
{
	const msgpack_object *map;
	msgpack_unpacked h;
	int rc = -EINVAL;

	memset(d, 0, sizeof(*d));
	msgpack_unpacked_init(&h);
	if (!gw_mp_unpack_map(buf, len, &h, &map))
		goto out;
	for (uint32_t i = 0; i < map->via.map.size; i++) {
		const msgpack_object_kv *kv = &map->via.map.ptr[i];
		if (kv->key.type != MSGPACK_OBJECT_STR || !decode_field(&kv->key, &kv->val, d))
			goto out;
	}
	if (d->id == 0 || !d->spec.name[0] || !d->spec.address[0])
		goto out;
	rc = 0;
out:
	msgpack_unpacked_destroy(&h);
	return rc;
}
