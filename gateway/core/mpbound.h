/*
 * A check to run before msgpack_unpack_next() on bytes we did not write in
 * this process (the store after a crash or an upgrade, the network):
 * msgpack-c allocates a container's elements from its declared count before
 * it knows whether the bytes are there, so a short input declaring 2^32
 * elements asks for gigabytes. Here every declared count must fit in the
 * bytes that remain (an element takes at least one byte), which bounds what
 * the unpacker allocates by the input's own length.
 */
#ifndef GW_MPBOUND_H
#define GW_MPBOUND_H

#include <stdbool.h>
#include <stddef.h>

/* True when buf holds one msgpack object whose counts and lengths fit in len. */
bool gw_msgpack_bounded(const void *buf, size_t len);

#endif
