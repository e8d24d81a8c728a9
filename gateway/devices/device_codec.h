/* A managed device as stored (a msgpack map, unknown keys ignored) and as kept in memory. */
#ifndef GW_DEVICE_CODEC_H
#define GW_DEVICE_CODEC_H

#include "devices.h"
#include "../core/buf.h"

/* One device as stored and as read back: fixed-size fields, for a moment only. */
struct gw_device_rec {
	uint32_t id;
	struct gw_device_spec spec;
	enum gw_dev_origin origin;
	enum gw_identity ident;
	char serial[GW_DEV_SERIAL_MAX];
	char mac[18];
	char model[GW_DEV_MODEL_MAX];
	int64_t added_ms, last_seen_ms;
};

int gw_device_encode(const struct gw_device_rec *d, struct gw_buf *out);
/* 0, or -EINVAL for bytes that are not a stored device. */
int gw_device_decode(const void *buf, size_t len, struct gw_device_rec *d);

/*
 * The list's own form of a device (devices.h), and back: each string in an
 * allocation of its size, "" shared. For the list only.
 */
struct gw_device *gw_device_new(const struct gw_device_rec *r);   /* NULL: out of memory */
void gw_device_free(struct gw_device *d);
void gw_device_to_rec(const struct gw_device *d, struct gw_device_rec *r);
/* The settings of s into c: one block for the four strings; 0 or -ENOMEM. */
int gw_device_conf_make(const struct gw_device_spec *s, struct gw_device_conf *c);
void gw_device_conf_free(struct gw_device_conf *c);
bool gw_device_conf_same(const struct gw_device_conf *c, const struct gw_device_spec *s);
/* *field = v cut to cap - 1 bytes; false (unchanged) when out of memory. */
bool gw_device_str_set(const char **field, const char *v, size_t cap);

#endif
