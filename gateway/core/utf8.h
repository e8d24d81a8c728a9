/* UTF-8 checks: device strings are not always UTF-8, JSON text must be. */
#ifndef GW_UTF8_H
#define GW_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if invalid. */
size_t gw_utf8_seq_len(const unsigned char *s, size_t n);
bool gw_utf8_valid(const void *s, size_t n);
/*
 * Copy src to dst as valid UTF-8: invalid bytes become the text "\xNN",
 * trailing NUL padding is dropped, embedded NULs become "\x00". dst must
 * hold 4 * n + 1 bytes. Returns the length written.
 */
size_t gw_utf8_sanitize(char *dst, const void *src, size_t n);

#endif
