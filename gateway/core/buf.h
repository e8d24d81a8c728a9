/* A growable byte buffer. */
#ifndef GW_BUF_H
#define GW_BUF_H

#include <stddef.h>
#include <stdint.h>

struct gw_buf {
	uint8_t *data;
	size_t len, cap;
	int failed;        /* set once an allocation failed; later appends do nothing */
};

void gw_buf_init(struct gw_buf *b);
void gw_buf_release(struct gw_buf *b);
void gw_buf_reset(struct gw_buf *b);
int gw_buf_reserve(struct gw_buf *b, size_t more);
int gw_buf_append(struct gw_buf *b, const void *p, size_t n);
int gw_buf_puts(struct gw_buf *b, const char *s);
int gw_buf_printf(struct gw_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
