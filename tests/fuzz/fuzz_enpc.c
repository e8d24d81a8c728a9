/*
 * Fuzz the ENPC frame decoder: any datagram. A reply that parses must have
 * read only what it declared, give printable text, and encode back to the
 * same header and data.
 */
#include "../../plugins/enpc/frame.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_text(const char *s, size_t cap)
{
	size_t n = strnlen(s, cap);

	if (n == cap)
		abort();
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out[GW_ENPC_MAX];
	struct gw_enpc_reply r;
	struct gw_enpc_hdr h;
	const uint8_t *p;
	int n;

	if (gw_enpc_decode_hdr(data, size, &h, &p) == GW_ENPC_OK) {
		if (p != data + GW_ENPC_HDR || GW_ENPC_HDR + (size_t)h.len > size)
			abort();
		n = gw_enpc_encode(&h, p, h.len, out, sizeof(out));
		if (n >= 0 && ((size_t)n != (size_t)GW_ENPC_HDR + h.len ||
			       memcmp(out, data, (size_t)n) != 0))
			abort();
	}
	if (gw_enpc_parse_reply(data, size, &r) != GW_ENPC_OK)
		return 0;
	check_text(r.model, sizeof(r.model));
	check_text(r.name, sizeof(r.name));
	if (r.layout_unknown != (r.layout == GW_ENPC_LAYOUT_NONE))
		abort();
	if (r.has_mac && (r.mac[0] & 1))
		abort();
	return 0;
}
