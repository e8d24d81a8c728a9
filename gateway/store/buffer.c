#include "buffer.h"
#include "../core/log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define SUB "buffer"

struct append {
	struct gw_record r;
	gw_store_done_fn done;
	void *arg;
	uint8_t body[];
};

static const MDB_val next_seq_key = {8, "next_seq"};

static int read_next_seq(struct gw_store *s, MDB_txn *txn, uint64_t *seq)
{
	MDB_val v;
	MDB_val k = next_seq_key;
	int rc = mdb_get(txn, gw_store_dbi(s, GW_DB_META), &k, &v);

	if (rc == MDB_NOTFOUND) {
		*seq = 1;
		return 0;
	}
	if (rc)
		return -rc;
	if (v.mv_size != 8)
		return -MDB_CORRUPTED;
	*seq = gw_store_key64_get(v.mv_data);
	return 0;
}

static int append_write(struct gw_store *s, MDB_txn *txn, void *arg)
{
	struct append *a = arg;
	struct gw_buf enc;
	uint8_t k[8], nk[8];
	MDB_val key = {8, k}, val, mk = next_seq_key, mv = {8, nk};
	uint64_t seq;
	int rc;

	rc = read_next_seq(s, txn, &seq);
	if (rc < 0)
		return rc;
	a->r.seq = seq;
	gw_buf_init(&enc);
	rc = gw_record_encode(&a->r, &enc);
	if (rc < 0) {
		gw_buf_release(&enc);
		return -EINVAL;
	}
	gw_store_key64(k, seq);
	val = (MDB_val){enc.len, enc.data};
	rc = mdb_put(txn, gw_store_dbi(s, GW_DB_RECORDS), &key, &val, MDB_APPEND);
	gw_buf_release(&enc);
	if (rc)
		return -rc;
	gw_store_key64(nk, seq + 1);
	rc = mdb_put(txn, gw_store_dbi(s, GW_DB_META), &mk, &mv, 0);
	return rc ? -rc : 0;
}

static void append_done(int status, void *arg)
{
	struct append *a = arg;

	if (status < 0)
		gw_err(SUB, "a %s record could not be stored: %s",
		       gw_record_kind_name(a->r.kind), mdb_strerror(-status));
	if (a->done)
		a->done(status, a->arg);
	free(a);
}

int gw_buffer_append(struct gw_store *s, const struct gw_record *r,
		     gw_store_done_fn done, void *arg)
{
	struct append *a;

	if (r->body_len > GW_RECORD_MAX_BYTES)
		return -E2BIG;
	a = malloc(sizeof(*a) + r->body_len);
	if (!a)
		return -ENOMEM;
	a->r = *r;
	memcpy(a->body, r->body, r->body_len);
	a->r.body = a->body;
	a->done = done;
	a->arg = arg;
	if (gw_store_submit(s, append_write, a, append_done, a) < 0) {
		free(a);
		return -ENOMEM;
	}
	return 0;
}

void gw_buffer_get_stats(struct gw_store *s, struct gw_buffer_stats *st)
{
	MDB_txn *txn;
	MDB_stat ms;

	memset(st, 0, sizeof(*st));
	if (gw_store_read_begin(s, &txn) < 0)
		return;
	if (mdb_stat(txn, gw_store_dbi(s, GW_DB_RECORDS), &ms) == 0)
		st->records = ms.ms_entries;
	read_next_seq(s, txn, &st->next_seq);
	gw_store_read_end(txn);
}
