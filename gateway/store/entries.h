/*
 * Lists the loop keeps in memory and the store keeps on disk (the managed
 * devices, the candidates): one entry per id under a 4-byte big-endian key,
 * holding the entry's encoded form, and the list's next id under a key of
 * the meta table. A change is written on the writer thread, entry and next
 * id in the same transaction, so that an id is never handed out twice.
 */
#ifndef GW_STORE_ENTRIES_H
#define GW_STORE_ENTRIES_H

#include "store.h"
#include "../core/buf.h"

#include <lmdb.h>
#include <stdint.h>

struct gw_entry_table {
	enum gw_store_db db;
	const char *counter;    /* the meta key of the next id */
	const char *sub, *what; /* log subsystem, and what an entry is ("device") */
};

/*
 * Save entry id with the bytes in *val (taken over: *val is left empty), or
 * remove it when val is NULL; either way next_id is saved too. A failure is
 * logged, never returned: the list in memory stays right, and the next
 * change of the entry saves it again.
 */
void gw_entry_save(struct gw_store *s, const struct gw_entry_table *t, uint32_t id,
		   struct gw_buf *val, uint32_t next_id);

/* The saved next id (in a read transaction), or 0 when none was saved. */
uint32_t gw_entry_next_id(struct gw_store *s, MDB_txn *txn, const struct gw_entry_table *t);

#endif
