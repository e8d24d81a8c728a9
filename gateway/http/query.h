/*
 * The local API's query strings: a pure parser, fuzzed
 * (tests/fuzz/fuzz_api_query.c). Only the keys an endpoint takes are
 * accepted, each once, with a plain decimal value, and no escapes at all;
 * anything else is refused, so that a typo is an error rather than a
 * silently ignored parameter.
 */
#ifndef GW_HTTP_QUERY_H
#define GW_HTTP_QUERY_H

#include <stdbool.h>
#include <stdint.h>

#define GW_APIQ_FROM 0x1u    /* from=SEQ: the first sequence number wanted */
#define GW_APIQ_MAX  0x2u    /* max=N: at most N items, 1..max_limit */

#define GW_APIQ_MAX_LEN 512  /* a longer query string is refused unread */

struct gw_api_query {
	uint64_t from;       /* 0 when absent */
	unsigned max;        /* the caller's default when absent */
};

/*
 * Parse qs (the part after '?'; NULL or "" is an empty query). allowed: the
 * GW_APIQ_* keys the endpoint takes. q->max holds the default on entry.
 * 0, or -EINVAL with *reason (static text, safe to show).
 */
int gw_api_query_parse(const char *qs, unsigned allowed, unsigned max_limit,
		       struct gw_api_query *q, const char **reason);

#endif
