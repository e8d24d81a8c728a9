#include "device_codec.h"
#include "../core/devdata_pack.h"
#include "../core/mpfield.h"

#include <errno.h>
#include <msgpack.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int gw_device_encode(const struct gw_device_rec *d, struct gw_buf *out)
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

static bool decode_field(const msgpack_object *k, const msgpack_object *v,
			 struct gw_device_rec *d)
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

int gw_device_decode(const void *buf, size_t len, struct gw_device_rec *d)
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

/* ---- a device as kept: strings sized to fit ---- */

static const char empty[1];
static const int64_t no_intervals[5];

/* Copy of text, or the shared "" (never freed). NULL when out of memory. */
static const char *str_dup(const char *v)
{
	return *v ? strdup(v) : empty;
}

static void str_free(const char *v)
{
	if (v != empty)
		free((char *)v);
}

bool gw_device_str_set(const char **field, const char *v, size_t cap)
{
	size_t len = strnlen(v, cap - 1);
	char *n;

	if (!len) {
		str_free(*field);
		*field = empty;
		return true;
	}
	if (!(n = malloc(len + 1)))
		return false;
	memcpy(n, v, len);
	n[len] = '\0';
	str_free(*field);
	*field = n;
	return true;
}

int gw_device_conf_make(const struct gw_device_spec *s, struct gw_device_conf *c)
{
	size_t ln = strlen(s->name) + 1, la = strlen(s->address) + 1;
	size_t lc = strlen(s->credentials) + 1, lp = strlen(s->plugin) + 1;
	char *b = malloc(ln + la + lc + lp);
	int64_t *iv = NULL;

	if (!b)
		return -ENOMEM;
	for (int i = 0; i < 5; i++) {
		if (s->interval_ms[i]) {
			if (!(iv = malloc(sizeof(s->interval_ms)))) {
				free(b);
				return -ENOMEM;
			}
			memcpy(iv, s->interval_ms, sizeof(s->interval_ms));
			break;
		}
	}
	c->name = memcpy(b, s->name, ln);
	c->address = memcpy(b + ln, s->address, la);
	c->credentials = memcpy(b + ln + la, s->credentials, lc);
	c->plugin = memcpy(b + ln + la + lc, s->plugin, lp);
	c->interval_ms = iv ? iv : no_intervals;
	c->port = s->port;
	c->enabled = s->enabled;
	return 0;
}

void gw_device_conf_free(struct gw_device_conf *c)
{
	free((char *)c->name);
	if (c->interval_ms != no_intervals)
		free((int64_t *)c->interval_ms);
}

void gw_device_spec_of(const struct gw_device *d, struct gw_device_spec *out)
{
	const struct gw_device_conf *c = &d->spec;

	memset(out, 0, sizeof(*out));
	snprintf(out->name, sizeof(out->name), "%s", c->name);
	snprintf(out->address, sizeof(out->address), "%s", c->address);
	snprintf(out->credentials, sizeof(out->credentials), "%s", c->credentials);
	snprintf(out->plugin, sizeof(out->plugin), "%s", c->plugin);
	memcpy(out->interval_ms, c->interval_ms, sizeof(out->interval_ms));
	out->port = c->port;
	out->enabled = c->enabled;
}

bool gw_device_conf_same(const struct gw_device_conf *c, const struct gw_device_spec *s)
{
	return strcmp(c->name, s->name) == 0 && strcmp(c->address, s->address) == 0 &&
	       strcmp(c->credentials, s->credentials) == 0 &&
	       strcmp(c->plugin, s->plugin) == 0 && c->port == s->port &&
	       c->enabled == s->enabled &&
	       memcmp(c->interval_ms, s->interval_ms, sizeof(s->interval_ms)) == 0;
}

void gw_device_free(struct gw_device *d)
{
	if (!d)
		return;
	gw_device_conf_free(&d->spec);
	str_free(d->serial);
	str_free(d->model);
	free(d);
}

struct gw_device *gw_device_new(const struct gw_device_rec *r)
{
	struct gw_device *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->serial = d->model = empty;
	if (gw_device_conf_make(&r->spec, &d->spec) < 0) {
		free(d);
		return NULL;
	}
	d->id = r->id;
	d->origin = r->origin;
	d->ident = r->ident;
	d->added_ms = r->added_ms;
	d->last_seen_ms = r->last_seen_ms;
	snprintf(d->mac, sizeof(d->mac), "%s", r->mac);
	if (!(d->serial = str_dup(r->serial)) || !(d->model = str_dup(r->model))) {
		gw_device_free(d);
		return NULL;
	}
	return d;
}

void gw_device_to_rec(const struct gw_device *d, struct gw_device_rec *r)
{
	memset(r, 0, sizeof(*r));
	r->id = d->id;
	gw_device_spec_of(d, &r->spec);
	r->origin = d->origin;
	r->ident = d->ident;
	snprintf(r->serial, sizeof(r->serial), "%s", d->serial);
	snprintf(r->mac, sizeof(r->mac), "%s", d->mac);
	snprintf(r->model, sizeof(r->model), "%s", d->model);
	r->added_ms = d->added_ms;
	r->last_seen_ms = d->last_seen_ms;
}
