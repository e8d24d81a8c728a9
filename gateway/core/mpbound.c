#include "mpbound.h"

#include <stdint.h>

static uint64_t be(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | *p++;
	return v;
}

bool gw_msgpack_bounded(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint64_t pending = 1;        /* objects still to read */
	size_t i = 0;

	while (pending) {
		uint64_t skip = 0, items = 0;
		unsigned nlen = 0;       /* bytes of a length or count that follow */
		uint8_t b;

		if (i >= len)
			return false;
		b = p[i++];
		pending--;
		if (b <= 0x7f || b >= 0xe0 || b == 0xc0 || b == 0xc2 || b == 0xc3)
			continue;                               /* fixint, nil, bool */
		if ((b & 0xf0) == 0x80) {
			items = 2u * (b & 0x0f);                /* fixmap */
		} else if ((b & 0xf0) == 0x90) {
			items = b & 0x0f;                       /* fixarray */
		} else if ((b & 0xe0) == 0xa0) {
			skip = b & 0x1f;                        /* fixstr */
		} else {
			switch (b) {
			case 0xcc: case 0xd0: skip = 1; break;
			case 0xcd: case 0xd1: skip = 2; break;
			case 0xca: case 0xce: case 0xd2: skip = 4; break;
			case 0xcb: case 0xcf: case 0xd3: skip = 8; break;
			case 0xd4: skip = 2; break;             /* fixext: type + data */
			case 0xd5: skip = 3; break;
			case 0xd6: skip = 5; break;
			case 0xd7: skip = 9; break;
			case 0xd8: skip = 17; break;
			case 0xc4: case 0xd9: case 0xc7: nlen = 1; break;
			case 0xc5: case 0xda: case 0xc8: case 0xdc: case 0xde: nlen = 2; break;
			case 0xc6: case 0xdb: case 0xc9: case 0xdd: case 0xdf: nlen = 4; break;
			default: return false;                  /* 0xc1: never used */
			}
			if (nlen) {
				uint64_t n;
				if (len - i < nlen)
					return false;
				n = be(p + i, nlen);
				i += nlen;
				if (b == 0xdc || b == 0xdd)
					items = n;
				else if (b == 0xde || b == 0xdf)
					items = 2 * n;
				else
					skip = n + (b >= 0xc7 && b <= 0xc9); /* ext: the type byte */
			}
		}
		if (skip > len - i || items > len - i)
			return false;
		i += (size_t)skip;
		pending += items;
	}
	return true;
}
