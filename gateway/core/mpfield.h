/*
 * Small msgpack helpers for the stored maps (devices, candidates): write a
 * key and its value, read a field with its type and bounds checked, unpack
 * one bounded map.
 */
#ifndef GW_MPFIELD_H
#define GW_MPFIELD_H

#include <msgpack.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

void gw_mp_kv_str(msgpack_packer *pk, const char *key, const char *v);
void gw_mp_kv_int(msgpack_packer *pk, const char *key, int64_t v);

/* A string without NULs that fits in cap bytes with its terminator. */
bool gw_mp_get_str(const msgpack_object *v, char *dst, size_t cap);
/* An integer within [min, max]. */
bool gw_mp_get_int(const msgpack_object *v, int64_t min, int64_t max, int64_t *out);
bool gw_mp_key_is(const msgpack_object *k, const char *name);

/*
 * Unpack buf as exactly one map (bounded first: see mpbound.h). On true,
 * *map points into h; the caller destroys h either way.
 */
bool gw_mp_unpack_map(const void *buf, size_t len, msgpack_unpacked *h,
		      const msgpack_object **map);

#endif
