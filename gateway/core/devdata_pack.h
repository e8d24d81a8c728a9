/* The device object (struct gw_devdata) as the msgpack body of a record. */
#ifndef GW_DEVDATA_PACK_H
#define GW_DEVDATA_PACK_H

#include "buf.h"
#include "devdata.h"

#include <msgpack.h>

/* Pack the device object as a msgpack map (the value of "device"). */
int gw_devdata_pack_device(msgpack_packer *pk, const struct gw_devdata *d);
/* A whole record body: {"device": {...}}. */
int gw_devdata_pack_body(const struct gw_devdata *d, struct gw_buf *out);
/* A msgpack packer that appends to a gw_buf. */
void gw_packer_init(msgpack_packer *pk, struct gw_buf *out);
void gw_pack_cstr(msgpack_packer *pk, const char *s);

#endif
