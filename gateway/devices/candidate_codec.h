/* A kept candidate as stored: a msgpack map, unknown keys skipped. */
#ifndef GW_CANDIDATE_CODEC_H
#define GW_CANDIDATE_CODEC_H

#include "candidates.h"
#include "../core/buf.h"

#include <stddef.h>

int gw_candidate_encode(const struct gw_candidate *c, struct gw_buf *out);
/* Never reads outside [buf, buf+len); -EINVAL for what is not a candidate. */
int gw_candidate_decode(const void *buf, size_t len, struct gw_candidate *c);

#endif
