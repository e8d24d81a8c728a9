/*
 * One upload batch, built in small steps on the loop: each step reads a few
 * hundred records in one short read transaction, turns them into the
 * contract's JSON and feeds the compressor, so that neither a long read
 * transaction nor a long stretch of CPU holds up the loop. The body is
 *   {"agent": {...}, "records": [ ... ]}
 * gzip-compressed unless compression is off.
 */
#ifndef GW_BATCH_H
#define GW_BATCH_H

#include "../core/buf.h"
#include "../core/record.h"
#include "../store/store.h"

#include <event2/buffer.h>
#include <stdbool.h>
#include <zlib.h>

/* What the agent object says about the platform, read once at start. */
struct gw_platform {
	char os[72], os_version[96], product[96];
};
void gw_agent_probe(struct gw_platform *p);

struct gw_agent_info {
	const char *agent_id, *store_id, *version, *os, *os_version, *os_product_type;
};

struct gw_batch {
	bool active, complete;
	uint64_t from, limit_last;   /* read from `from`; never past limit_last */
	unsigned max_records;
	size_t max_bytes;            /* of JSON */
	size_t max_stored;           /* of the records as stored (0: no limit); set after begin */
	size_t stored;
	uint64_t mark;               /* the store's drop mark before the first read */
	int level;                   /* gzip level, 0: no compression */

	enum gw_collection_type ctype;
	bool started;
	uint64_t first, last, resume; /* resume: where the next batch begins */
	unsigned n, skipped;
	bool full;                   /* closed by count or bytes, not by the end of the data */
	size_t json_bytes;
	struct gw_buf chunk, rec;
	struct evbuffer *body;
	z_stream z;
	bool z_on;
	uint64_t *bad;               /* records that cannot be turned into JSON */
	unsigned n_bad, cap_bad;
};

void gw_batch_init(struct gw_batch *b);
void gw_batch_release(struct gw_batch *b);
/* Start over (frees what a previous build held). */
int gw_batch_begin(struct gw_batch *b, uint64_t from, uint64_t limit_last, unsigned max_records,
		   size_t max_bytes, int level);
void gw_batch_clear(struct gw_batch *b);
/* One step of at most `step` records: 1 complete, 0 more to do, < 0 error. */
int gw_batch_step(struct gw_batch *b, struct gw_store *s, const struct gw_agent_info *a,
		  unsigned step);

#endif
