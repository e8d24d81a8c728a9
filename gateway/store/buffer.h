/*
 * The record buffer: records wait here, in sequence order, until the cloud
 * has accepted them. Sequence numbers are strictly increasing, never
 * reused, and survive restarts (the next one is committed with the records).
 */
#ifndef GW_BUFFER_H
#define GW_BUFFER_H

#include "store.h"
#include "../core/record.h"

struct gw_buffer_stats {
	uint64_t appended, append_failed;
	uint64_t records, bytes;          /* waiting now */
	uint64_t next_seq;
};

/*
 * Hand a record over. The record (and its body) is copied; done (may be
 * NULL) runs on the loop once the store has committed it: "acknowledged".
 */
int gw_buffer_append(struct gw_store *s, const struct gw_record *r,
		     gw_store_done_fn done, void *arg);
void gw_buffer_get_stats(struct gw_store *s, struct gw_buffer_stats *st);

#endif
