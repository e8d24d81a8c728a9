/*
 * gw-bench-sqlite: the same append / read / delete job as gw-bench-store,
 * on SQLite in WAL mode with synchronous=FULL, for comparison.
 *
 *   gw-bench-sqlite FILE N BATCH [full|normal]
 *
 * The same corpus, encoded the same way (the stored bytes are identical);
 * BATCH records per transaction; a record is acknowledged when the COMMIT
 * that holds it has returned, which with synchronous=FULL means the WAL was
 * fsynced. Reads go in seq order, 1,000 at a time; each read batch is then
 * deleted by range, as the uploader does after the cloud accepted it.
 */
#include "corpus.h"
#include "core/clock.h"

#include <dlfcn.h>
#include <inttypes.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static uint64_t fsyncs(void)
{
	uint64_t (*count)(void) = (uint64_t (*)(void))dlsym(RTLD_DEFAULT, "ecsp_slowfsync_count");

	return count ? count() : 0;
}

static void check(int rc, sqlite3 *db, const char *what)
{
	if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
		fprintf(stderr, "%s: %s\n", what, sqlite3_errmsg(db));
		exit(1);
	}
}

static void exec(sqlite3 *db, const char *sql)
{
	check(sqlite3_exec(db, sql, NULL, NULL, NULL), db, sql);
}

int main(int argc, char **argv)
{
	struct corpus c;
	sqlite3 *db;
	sqlite3_stmt *ins, *sel, *del;
	struct gw_buf enc;
	uint64_t n, batch, seq = 0, read = 0, bytes = 0, commits = 0, f0, f1, f2;
	double t0, t1, t2;
	bool full;

	if (argc < 4) {
		fprintf(stderr, "usage: gw-bench-sqlite FILE N BATCH [full|normal]\n");
		return 2;
	}
	n = strtoull(argv[2], NULL, 10);
	batch = strtoull(argv[3], NULL, 10);
	full = !(argc > 4 && strcmp(argv[4], "normal") == 0);
	if (!batch)
		batch = 1;
	corpus_make(&c, 10000, 1000, gw_clock_wall_ms());
	check(sqlite3_open(argv[1], &db), db, "open");
	exec(db, "PRAGMA journal_mode=WAL");
	exec(db, full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
	exec(db, "CREATE TABLE IF NOT EXISTS records (seq INTEGER PRIMARY KEY, record BLOB NOT NULL)");
	check(sqlite3_prepare_v2(db, "INSERT INTO records (seq, record) VALUES (?, ?)", -1, &ins,
				 NULL), db, "prepare");
	check(sqlite3_prepare_v2(db, "SELECT seq, record FROM records WHERE seq >= ? ORDER BY seq "
				 "LIMIT 1000", -1, &sel, NULL), db, "prepare");
	check(sqlite3_prepare_v2(db, "DELETE FROM records WHERE seq BETWEEN ? AND ?", -1, &del,
				 NULL), db, "prepare");
	gw_buf_init(&enc);

	f0 = fsyncs();
	t0 = now_s();
	while (seq < n) {
		exec(db, "BEGIN");
		for (uint64_t i = 0; i < batch && seq < n; i++) {
			struct gw_record r = c.rec[seq % c.n];
			r.seq = ++seq;
			gw_buf_reset(&enc);
			gw_record_encode(&r, &enc);
			sqlite3_bind_int64(ins, 1, (sqlite3_int64)r.seq);
			sqlite3_bind_blob(ins, 2, enc.data, (int)enc.len, SQLITE_STATIC);
			check(sqlite3_step(ins), db, "insert");
			sqlite3_reset(ins);
		}
		exec(db, "COMMIT");
		commits++;
	}
	t1 = now_s();
	f1 = fsyncs();

	for (uint64_t from = 0;;) {
		uint64_t first = 0, last = 0, got = 0;
		exec(db, "BEGIN");
		sqlite3_bind_int64(sel, 1, (sqlite3_int64)from);
		while (sqlite3_step(sel) == SQLITE_ROW) {
			last = (uint64_t)sqlite3_column_int64(sel, 0);
			if (!got)
				first = last;
			bytes += (uint64_t)sqlite3_column_bytes(sel, 1);
			got++;
		}
		sqlite3_reset(sel);
		exec(db, "COMMIT");
		if (!got)
			break;
		read += got;
		exec(db, "BEGIN");
		sqlite3_bind_int64(del, 1, (sqlite3_int64)first);
		sqlite3_bind_int64(del, 2, (sqlite3_int64)last);
		check(sqlite3_step(del), db, "delete");
		sqlite3_reset(del);
		exec(db, "COMMIT");
		from = last + 1;
	}
	t2 = now_s();
	f2 = fsyncs();
	printf("{\"engine\": \"sqlite\", \"synchronous\": \"%s\", \"records\": %" PRIu64
	       ", \"batch\": %" PRIu64 ", \"mean_record_bytes\": %.0f, \"append_per_s\": %.0f,"
	       " \"commits\": %" PRIu64 ", \"commits_per_s\": %.1f, \"fsyncs\": %" PRIu64 ","
	       " \"fsyncs_per_s\": %.1f, \"read_delete_per_s\": %.0f, \"read\": %" PRIu64 ","
	       " \"fsyncs_read_delete\": %" PRIu64 "}\n",
	       full ? "full" : "normal", n, batch, c.mean_record, (double)n / (t1 - t0), commits,
	       (double)commits / (t1 - t0), f1 - f0, (double)(f1 - f0) / (t1 - t0),
	       (double)read / (t2 - t1), read, f2 - f1);
	sqlite3_finalize(ins);
	sqlite3_finalize(sel);
	sqlite3_finalize(del);
	sqlite3_close(db);
	gw_buf_release(&enc);
	corpus_free(&c);
	(void)bytes;
	return read == n ? 0 : 1;
}
