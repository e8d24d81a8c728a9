#include "utf8.h"

size_t gw_utf8_seq_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return n >= 2 && (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		if (n < 3 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
			return 0;
		if (c == 0xe0 && s[1] < 0xa0)
			return 0; /* overlong */
		if (c == 0xed && s[1] >= 0xa0)
			return 0; /* surrogate */
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if (n < 4 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 ||
		    (s[3] & 0xc0) != 0x80)
			return 0;
		if (c == 0xf0 && s[1] < 0x90)
			return 0;
		if (c == 0xf4 && s[1] >= 0x90)
			return 0;
		return 4;
	}
	return 0;
}

bool gw_utf8_valid(const void *src, size_t n)
{
	const unsigned char *s = src;

	for (size_t i = 0; i < n;) {
		size_t l = gw_utf8_seq_len(s + i, n - i);
		if (l == 0 || s[i] == 0)
			return false;
		i += l;
	}
	return true;
}

size_t gw_utf8_sanitize(char *dst, const void *src, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *s = src;
	size_t o = 0;

	while (n && s[n - 1] == 0)
		n--;
	for (size_t i = 0; i < n;) {
		size_t l = s[i] ? gw_utf8_seq_len(s + i, n - i) : 0;

		if (l == 0) {
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[s[i] >> 4];
			dst[o++] = hex[s[i] & 15];
			i++;
			continue;
		}
		for (size_t k = 0; k < l; k++)
			dst[o++] = (char)s[i + k];
		i += l;
	}
	dst[o] = '\0';
	return o;
}
