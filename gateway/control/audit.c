#include "audit.h"
#include "../core/buf.h"
#include "../core/clock.h"
#include "../core/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct gw_store *audit_store;
static uint64_t audit_last_key;

struct entry {
	uint64_t key;
	size_t len;
	char json[];
};

void gw_audit_attach(struct gw_store *store)
{
	audit_store = store;
}

static void json_escape(struct gw_buf *b, const char *s)
{
	gw_buf_append(b, "\"", 1);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			gw_buf_printf(b, "\\%c", c);
		else if (c < 0x20)
			gw_buf_printf(b, "\\u%04x", c);
		else
			gw_buf_append(b, s, 1);
	}
	gw_buf_append(b, "\"", 1);
}

static int write_entry(struct gw_store *s, MDB_txn *txn, void *arg)
{
	struct entry *e = arg;
	MDB_dbi dbi = gw_store_dbi(s, GW_DB_AUDIT);
	uint8_t k[8];
	MDB_val key = {8, k}, val = {e->len, e->json};
	MDB_stat st;
	MDB_cursor *c;
	int rc;

	gw_store_key64(k, e->key);
	rc = mdb_put(txn, dbi, &key, &val, 0);
	if (rc)
		return -rc;
	/* keep the trail bounded: drop the oldest */
	if (mdb_stat(txn, dbi, &st) == 0 && st.ms_entries > GW_AUDIT_KEEP &&
	    mdb_cursor_open(txn, dbi, &c) == 0) {
		size_t extra = st.ms_entries - GW_AUDIT_KEEP;
		while (extra-- && mdb_cursor_get(c, &key, &val, MDB_FIRST) == 0)
			mdb_cursor_del(c, 0);
		mdb_cursor_close(c);
	}
	return 0;
}

static void entry_done(int status, void *arg)
{
	if (status < 0)
		gw_err("audit", "an audit entry could not be stored: %s", mdb_strerror(-status));
	free(arg);
}

void gw_audit(const char *actor, const char *action, const char *target, const char *fmt, ...)
{
	char detail[512], when[32];
	int64_t now = gw_clock_wall_ms();
	struct gw_buf b;
	struct entry *e;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	gw_notice("audit", "%s %s %s: %s", actor, action, target, detail);
	if (!audit_store)
		return;

	gw_clock_format_rfc3339(now, when, sizeof(when));
	gw_buf_init(&b);
	gw_buf_printf(&b, "{\"at\":\"%s\",\"actor\":", when);
	json_escape(&b, actor);
	gw_buf_puts(&b, ",\"action\":");
	json_escape(&b, action);
	gw_buf_puts(&b, ",\"target\":");
	json_escape(&b, target);
	gw_buf_puts(&b, ",\"detail\":");
	json_escape(&b, detail);
	gw_buf_puts(&b, "}");
	e = b.failed ? NULL : malloc(sizeof(*e) + b.len);
	if (!e) {
		gw_buf_release(&b);
		gw_err("audit", "out of memory");
		return;
	}
	/* time-ordered keys, unique even within one millisecond */
	uint64_t key = (uint64_t)now << 16;
	e->key = key > audit_last_key ? key : audit_last_key + 1;
	audit_last_key = e->key;
	e->len = b.len;
	memcpy(e->json, b.data, b.len);
	gw_buf_release(&b);
	if (gw_store_submit(audit_store, write_entry, e, entry_done, e) < 0)
		free(e);
}

int gw_audit_read_newest(struct gw_store *s, unsigned max, gw_audit_visit_fn fn, void *arg)
{
	MDB_txn *txn;
	MDB_cursor *c;
	MDB_val k, v;
	int rc, n = 0;

	rc = gw_store_read_begin(s, &txn);
	if (rc < 0)
		return rc;
	rc = mdb_cursor_open(txn, gw_store_dbi(s, GW_DB_AUDIT), &c);
	if (rc) {
		gw_store_read_end(txn);
		return -rc;
	}
	for (rc = mdb_cursor_get(c, &k, &v, MDB_LAST); rc == 0 && (unsigned)n < max;
	     rc = mdb_cursor_get(c, &k, &v, MDB_PREV)) {
		n++;
		if (fn(v.mv_data, v.mv_size, arg) != 0)
			break;
	}
	mdb_cursor_close(c);
	gw_store_read_end(txn);
	return rc && rc != MDB_NOTFOUND ? -rc : n;
}
