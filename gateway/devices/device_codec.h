/* A managed device as stored: a msgpack map, unknown keys ignored. */
#ifndef GW_DEVICE_CODEC_H
#define GW_DEVICE_CODEC_H

#include "devices.h"
#include "../core/buf.h"

int gw_device_encode(const struct gw_device *d, struct gw_buf *out);
/* 0, or -EINVAL for bytes that are not a stored device. */
int gw_device_decode(const void *buf, size_t len, struct gw_device *d);

#endif
