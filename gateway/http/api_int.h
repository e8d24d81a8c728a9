/* Internals shared by server.c (the socket and evhttp) and endpoints.c (the JSON). */
#ifndef GW_HTTP_API_INT_H
#define GW_HTTP_API_INT_H

#include "api.h"
#include "query.h"
#include "../core/buf.h"

struct gw_api_ep {
	const char *path;
	unsigned query;            /* GW_APIQ_* keys taken */
	unsigned def_max, max_limit;
	/* Write the answer's JSON into out: 0, or < 0 for an internal error (500). */
	int (*fn)(const struct gw_api_sources *src, const char *gateway_id,
		  const struct gw_api_query *q, struct gw_buf *out);
};

/* The endpoints, terminated by a row with path == NULL (endpoints.c). */
extern const struct gw_api_ep gw_api_endpoints[];

/* {"error": code, "message": message} */
void gw_api_error_json(struct gw_buf *out, const char *code, const char *message);

#endif
