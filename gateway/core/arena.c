#include "arena.h"

#include <stdint.h>
#include <stdlib.h>

#define CHUNK 4096

struct chunk {
	struct chunk *next;
	size_t used, size;
	_Alignas(max_align_t) unsigned char data[];
};

struct gw_arena {
	struct chunk *head;
	size_t total;
};

struct gw_arena *gw_arena_new(void)
{
	return calloc(1, sizeof(struct gw_arena));
}

void gw_arena_free(struct gw_arena *a)
{
	if (!a)
		return;
	for (struct chunk *c = a->head, *next; c; c = next) {
		next = c->next;
		free(c);
	}
	free(a);
}

void *gw_arena_alloc(struct gw_arena *a, size_t n)
{
	size_t aligned = (n + 7) & ~(size_t)7;
	struct chunk *c = a->head;

	if (n > SIZE_MAX / 2)
		return NULL;
	if (!c || c->size - c->used < aligned) {
		size_t size = aligned > CHUNK ? aligned : CHUNK;

		c = malloc(sizeof(*c) + size);
		if (!c)
			return NULL;
		c->used = 0;
		c->size = size;
		c->next = a->head;
		a->head = c;
	}
	void *p = c->data + c->used;
	c->used += aligned;
	a->total += aligned;
	return p;
}

size_t gw_arena_used(const struct gw_arena *a)
{
	return a->total;
}
