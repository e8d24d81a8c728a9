#include "device_codec.h"
#include "../core/devdata_pack.h"
#include "../core/mpbound.h"

#include <errno.h>
#include <msgpack.h>
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

int gw_device_encode(const struct gw_device *d, struct gw_buf *out)
{
	msgpack_packer pk;

	gw_packer_init(&pk, out);
	msgpack_pack_map(&pk, 15);
	kv_int(&pk, "id", d->id);
	kv_str(&pk, "name", d->spec.name);
	kv_str(&pk, "address", d->spec.address);
	kv_int(&pk, "port", d->spec.port);
	kv_str(&pk, "credentials", d->spec.credentials);
	kv_str(&pk, "plugin", d->spec.plugin);
	gw_pack_cstr(&pk, "intervals");
	msgpack_pack_array(&pk, 5);
	for (int i = 0; i < 5; i++)
		msgpack_pack_int64(&pk, d->spec.interval_ms[i]);
	gw_pack_cstr(&pk, "enabled");
	if (d->spec.enabled)
		msgpack_pack_true(&pk);
	else
		msgpack_pack_false(&pk);
	kv_int(&pk, "origin", d->origin);
	kv_int(&pk, "identity", d->ident);
	kv_str(&pk, "serial", d->serial);
	kv_str(&pk, "mac", d->mac);
	kv_str(&pk, "model", d->model);
	kv_int(&pk, "added", d->added_ms);
	kv_int(&pk, "seen", d->last_seen_ms);
	return out->failed ? -ENOMEM : 0;
}

static bool key_is(const msgpack_object *k, const char *name)
{
	size_t n = strlen(name);

	return k->via.str.size == n && memcmp(k->via.str.ptr, name, n) == 0;
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

static bool get_i64(const msgpack_object *v, int64_t min, int64_t max, int64_t *out)
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

static bool decode_field(const msgpack_object *k, const msgpack_object *v, struct gw_device *d)
{
	int64_t x;

	if (key_is(k, "id")) {
		if (!get_i64(v, 1, UINT32_MAX, &x))
			return false;
		d->id = (uint32_t)x;
	} else if (key_is(k, "name")) {
		return get_str(v, d->spec.name, sizeof(d->spec.name));
	} else if (key_is(k, "address")) {
		return get_str(v, d->spec.address, sizeof(d->spec.address));
	} else if (key_is(k, "port")) {
		if (!get_i64(v, 0, 65535, &x))
			return false;
		d->spec.port = (uint16_t)x;
	} else if (key_is(k, "credentials")) {
		return get_str(v, d->spec.credentials, sizeof(d->spec.credentials));
	} else if (key_is(k, "plugin")) {
		return get_str(v, d->spec.plugin, sizeof(d->spec.plugin));
	} else if (key_is(k, "intervals")) {
		if (v->type != MSGPACK_OBJECT_ARRAY || v->via.array.size != 5)
			return false;
		for (int i = 0; i < 5; i++)
			if (!get_i64(&v->via.array.ptr[i], 0, INT64_MAX, &d->spec.interval_ms[i]))
				return false;
	} else if (key_is(k, "enabled")) {
		if (v->type != MSGPACK_OBJECT_BOOLEAN)
			return false;
		d->spec.enabled = v->via.boolean;
	} else if (key_is(k, "origin")) {
		if (!get_i64(v, 0, GW_ORIGIN_CLOUD, &x))
			return false;
		d->origin = (enum gw_dev_origin)x;
	} else if (key_is(k, "identity")) {
		if (!get_i64(v, 0, GW_IDENT_SERIAL, &x))
			return false;
		d->ident = (enum gw_identity)x;
	} else if (key_is(k, "serial")) {
		return get_str(v, d->serial, sizeof(d->serial));
	} else if (key_is(k, "mac")) {
		return get_str(v, d->mac, sizeof(d->mac));
	} else if (key_is(k, "model")) {
		return get_str(v, d->model, sizeof(d->model));
	} else if (key_is(k, "added")) {
		return get_i64(v, INT64_MIN, INT64_MAX, &d->added_ms);
	} else if (key_is(k, "seen")) {
		return get_i64(v, INT64_MIN, INT64_MAX, &d->last_seen_ms);
	}
	return true; /* a key from a later version */
}

int gw_device_decode(const void *buf, size_t len, struct gw_device *d)
{
	msgpack_unpacked h;
	size_t off = 0;
	int rc = -EINVAL;

	memset(d, 0, sizeof(*d));
	msgpack_unpacked_init(&h);
	if (!gw_msgpack_bounded(buf, len) ||
	    msgpack_unpack_next(&h, buf, len, &off) != MSGPACK_UNPACK_SUCCESS || off != len ||
	    h.data.type != MSGPACK_OBJECT_MAP)
		goto out;
	for (uint32_t i = 0; i < h.data.via.map.size; i++) {
		const msgpack_object_kv *kv = &h.data.via.map.ptr[i];
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
