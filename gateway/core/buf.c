#include "buf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void gw_buf_init(struct gw_buf *b)
{
	*b = (struct gw_buf){0};
}

void gw_buf_release(struct gw_buf *b)
{
	free(b->data);
	gw_buf_init(b);
}

void gw_buf_reset(struct gw_buf *b)
{
	b->len = 0;
	b->failed = 0;
}

int gw_buf_reserve(struct gw_buf *b, size_t more)
{
	size_t cap;
	uint8_t *p;

	if (b->failed)
		return -ENOMEM;
	if (b->cap - b->len > more)
		return 0;
	if (more > SIZE_MAX / 2 - b->len)
		goto fail;
	cap = b->cap ? b->cap : 256;
	while (cap - b->len <= more)
		cap *= 2;
	p = realloc(b->data, cap);
	if (!p)
		goto fail;
	b->data = p;
	b->cap = cap;
	return 0;
fail:
	b->failed = 1;
	return -ENOMEM;
}

int gw_buf_append(struct gw_buf *b, const void *p, size_t n)
{
	if (gw_buf_reserve(b, n) < 0)
		return -ENOMEM;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = 0;
	return 0;
}

int gw_buf_puts(struct gw_buf *b, const char *s)
{
	return gw_buf_append(b, s, strlen(s));
}

int gw_buf_printf(struct gw_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || gw_buf_reserve(b, (size_t)n + 1) < 0)
		return -ENOMEM;
	va_start(ap, fmt);
	vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}
