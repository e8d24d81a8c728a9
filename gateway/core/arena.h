/* A bump allocator: many small strings freed at once. */
#ifndef GW_ARENA_H
#define GW_ARENA_H

#include <stddef.h>

struct gw_arena;

struct gw_arena *gw_arena_new(void);
void gw_arena_free(struct gw_arena *a);
void *gw_arena_alloc(struct gw_arena *a, size_t n);
/* Bytes handed out so far (for memory accounting). */
size_t gw_arena_used(const struct gw_arena *a);

#endif
