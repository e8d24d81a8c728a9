#include "entries.h"
#include "../core/log.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct entry_job {
	const struct gw_entry_table *t;
	uint32_t id, next_id;
	bool remove;
	struct gw_buf val;
};

static MDB_val counter_key(const struct gw_entry_table *t)
{
	return (MDB_val){strlen(t->counter), (void *)t->counter};
}

static int entry_write(struct gw_store *s, MDB_txn *txn, void *arg)
{
	struct entry_job *j = arg;
	uint8_t k[4] = {j->id >> 24, j->id >> 16, j->id >> 8, j->id}, nk[8];
	MDB_val key = {4, k}, val = {j->val.len, j->val.data};
	MDB_val mkey = counter_key(j->t), mval = {8, nk};
	int rc;

	if (j->remove) {
		rc = mdb_del(txn, gw_store_dbi(s, j->t->db), &key, NULL);
		if (rc == MDB_NOTFOUND)
			rc = 0;
	} else {
		rc = mdb_put(txn, gw_store_dbi(s, j->t->db), &key, &val, 0);
	}
	if (rc)
		return -rc;
	gw_store_key64(nk, j->next_id);
	rc = mdb_put(txn, gw_store_dbi(s, GW_DB_META), &mkey, &mval, 0);
	return rc ? -rc : 0;
}

static void entry_done(int status, void *arg)
{
	struct entry_job *j = arg;

	if (status < 0)
		gw_err(j->t->sub, "%s %u could not be saved: %s", j->t->what, j->id,
		       mdb_strerror(-status));
	gw_buf_release(&j->val);
	free(j);
}

void gw_entry_save(struct gw_store *s, const struct gw_entry_table *t, uint32_t id,
		   struct gw_buf *val, uint32_t next_id)
{
	struct entry_job *j = calloc(1, sizeof(*j));

	if (!j)
		goto err;
	j->t = t;
	j->id = id;
	j->next_id = next_id;
	j->remove = !val;
	if (val) {
		j->val = *val;
		gw_buf_init(val);
	} else {
		gw_buf_init(&j->val);
	}
	if (gw_store_submit(s, entry_write, j, entry_done, j) == 0)
		return;
	gw_buf_release(&j->val);
	free(j);
err:
	if (val)
		gw_buf_release(val);
	gw_err(t->sub, "%s %u could not be queued for saving", t->what, id);
}

uint32_t gw_entry_next_id(struct gw_store *s, MDB_txn *txn, const struct gw_entry_table *t)
{
	MDB_val mkey = counter_key(t), v;

	if (mdb_get(txn, gw_store_dbi(s, GW_DB_META), &mkey, &v) == 0 && v.mv_size == 8)
		return (uint32_t)gw_store_key64_get(v.mv_data);
	return 0;
}
