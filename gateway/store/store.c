#include "store.h"
#include "../core/log.h"
#include "../core/clock.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define SUB "store"
#define MAP_MIN (64ull << 20)

struct job {
	struct job *next;
	gw_store_write_fn fn;
	void *arg;
	gw_store_done_fn done;
	void *done_arg;
	int status;
};

struct gw_store {
	MDB_env *env;
	MDB_dbi dbi[GW_DB_COUNT];
	char id[17];
	int lock_fd;
	struct gw_store_opts opts;

	pthread_t writer;
	bool writer_running;
	pthread_mutex_t mu;
	pthread_cond_t cond, idle_cond;
	struct job *queue, **queue_tail; /* waiting for the writer */
	struct job *done, **done_tail;   /* waiting for the loop */
	bool stopping, busy;
	int efd;
	struct event *done_ev;
	struct gw_store_stats stats;
	int64_t last_sync_ms;
	bool dirty;                      /* committed since the last sync */
	void *map_base;                  /* LMDB's map of data.mdb (NULL: not found) */
	size_t map_len;
	uint64_t longest_done_us, longest_submit_us; /* loop thread only */
	void *priv;
	void (*priv_free)(void *);
	void (*drain)(struct gw_store *s);
	struct event_base *base;
};

static const char *const db_names[GW_DB_COUNT] = {
	"meta", "devices", "audit", "records", "quarantine",
	"candidates",
};

void gw_store_key64(uint8_t k[8], uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		k[i] = (uint8_t)v;
}

uint64_t gw_store_key64_get(const void *p)
{
	const uint8_t *k = p;
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | k[i];
	return v;
}

static int take_lock(struct gw_store *s, const char *dir, const char **reason)
{
	char path[4096], pid[32];
	int n;

	snprintf(path, sizeof(path), "%s/lock", dir);
	s->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (s->lock_fd < 0) {
		*reason = "cannot create the lock file in the state directory";
		return -errno;
	}
	if (flock(s->lock_fd, LOCK_EX | LOCK_NB) < 0) {
		n = (int)pread(s->lock_fd, pid, sizeof(pid) - 1, 0);
		pid[n > 0 ? n : 0] = '\0';
		pid[strcspn(pid, "\n")] = '\0';
		gw_err(SUB, "state directory %s is in use by another ecsp-gateway (pid %s)",
		       dir, pid[0] ? pid : "unknown");
		*reason = "state directory is locked by another running gateway";
		close(s->lock_fd);
		s->lock_fd = -1;
		return -EBUSY;
	}
	n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(s->lock_fd, 0) < 0 || pwrite(s->lock_fd, pid, (size_t)n, 0) != n)
		gw_warn(SUB, "could not write the pid into %s", path);
	return 0;
}

static int load_identity(struct gw_store *s)
{
	MDB_txn *txn;
	MDB_val k = {8, "store_id"}, v;
	uint8_t raw[8];
	int rc;

	rc = mdb_txn_begin(s->env, NULL, 0, &txn);
	if (rc)
		return rc;
	for (int i = 0; i < GW_DB_COUNT; i++) {
		rc = mdb_dbi_open(txn, db_names[i], MDB_CREATE, &s->dbi[i]);
		if (rc)
			goto out_abort;
	}
	rc = mdb_get(txn, s->dbi[GW_DB_META], &k, &v);
	if (rc == 0 && v.mv_size == 16) {
		memcpy(s->id, v.mv_data, 16);
		s->id[16] = '\0';
	} else if (rc == MDB_NOTFOUND) {
		/* A new store: a new id, so the cloud can tell it from a lost one. */
		if (getrandom(raw, sizeof(raw), 0) != sizeof(raw)) {
			rc = EIO;
			goto out_abort;
		}
		for (int i = 0; i < 8; i++)
			snprintf(s->id + 2 * i, 3, "%02x", raw[i]);
		v = (MDB_val){16, s->id};
		rc = mdb_put(txn, s->dbi[GW_DB_META], &k, &v, 0);
		if (rc)
			goto out_abort;
		gw_notice(SUB, "new store %s created", s->id);
	} else {
		rc = rc ? rc : MDB_CORRUPTED;
		goto out_abort;
	}
	return mdb_txn_commit(txn);

out_abort:
	mdb_txn_abort(txn);
	return rc;
}

static uint64_t elapsed_us(const struct timespec *a)
{
	struct timespec b;

	clock_gettime(CLOCK_MONOTONIC, &b);
	return (uint64_t)((b.tv_sec - a->tv_sec) * 1000000 + (b.tv_nsec - a->tv_nsec) / 1000);
}

/* Writer thread, without the mutex: force committed pages to the medium. */
static void sync_now(struct gw_store *s)
{
	struct timespec a;
	uint64_t us;

	clock_gettime(CLOCK_MONOTONIC, &a);
	mdb_env_sync(s->env, 1);
	us = elapsed_us(&a);
	pthread_mutex_lock(&s->mu);
	s->stats.syncs++;
	s->stats.fsyncs++;
	if (us > s->stats.longest_sync_us)
		s->stats.longest_sync_us = us;
	pthread_mutex_unlock(&s->mu);
	s->last_sync_ms = gw_clock_mono_ms();
	s->dirty = false;
}

static void run_batch(struct gw_store *s, struct job *batch)
{
	struct timespec a;
	MDB_txn *txn;
	uint64_t us, jobs = 0, failed = 0;
	int rc;

	rc = mdb_txn_begin(s->env, NULL, 0, &txn);
	for (struct job *j = batch; j; j = j->next) {
		if (rc) {
			j->status = -rc;
			continue;
		}
		/* Each job in its own nested transaction: a failed job leaves no trace. */
		MDB_txn *child;
		int jrc = mdb_txn_begin(s->env, txn, 0, &child);
		if (jrc) {
			j->status = -jrc;
			continue;
		}
		j->status = j->fn(s, child, j->arg);
		if (j->status < 0) {
			mdb_txn_abort(child);
			failed++;
		} else if ((jrc = mdb_txn_commit(child)) != 0) {
			j->status = -jrc;
			failed++;
		}
		jobs++;
	}
	clock_gettime(CLOCK_MONOTONIC, &a);
	if (rc == 0) {
		rc = mdb_txn_commit(txn);
		if (rc)
			gw_err(SUB, "commit failed: %s", mdb_strerror(rc));
	}
	us = elapsed_us(&a);
	pthread_mutex_lock(&s->mu);
	if (us > s->stats.longest_commit_us)
		s->stats.longest_commit_us = us;
	s->stats.commits++;
	s->stats.jobs += jobs;
	s->stats.failed_jobs += failed;
	if (s->opts.durability == GW_DUR_COMMIT) {
		s->stats.syncs++;
		s->stats.fsyncs += 2; /* data pages, then the meta page */
	}
	pthread_mutex_unlock(&s->mu);
	if (s->opts.durability == GW_DUR_INTERVAL)
		s->dirty = true;
	for (struct job *j = batch; j; j = j->next)
		if (rc && j->status >= 0)
			j->status = -rc;
}

/*
 * Every page of the map the writer or a reader touches stays mapped in this
 * process: with a backlog, soon the whole file, counted as the daemon's own
 * memory. The pages belong to the page cache (clean once written): letting
 * go of the mapping after every batch of writes costs a minor fault at the
 * next touch of a page and keeps the daemon's resident size at what it
 * uses, however large the store. Readers in other threads are safe: they
 * fault the same page back in.
 *
 * Not once a second: every write transaction moves the pages it changes
 * (copy on write), so the next one faults them in at new places, and the
 * kernel maps up to 64 kB of cached pages around every page faulted. With
 * a poll's records committed every few milliseconds that was about 11 MB
 * mapped within a second of each release. The call costs microseconds.
 */
static void release_map(struct gw_store *s)
{
	if (!s->map_base)
		return;
	madvise(s->map_base, s->map_len, MADV_DONTNEED);
}

/* Where LMDB mapped data.mdb (mdb_env_info tells it only for a fixed map). */
static void find_map(struct gw_store *s)
{
	struct stat st;
	char line[512];
	mdb_filehandle_t fd;
	FILE *f;

	if (mdb_env_get_fd(s->env, &fd) != 0 || fstat(fd, &st) < 0 ||
	    !(f = fopen("/proc/self/maps", "re")))
		return;
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi, ino;
		unsigned maj, min;

		if (sscanf(line, "%lx-%lx %*s %*s %x:%x %lu", &lo, &hi, &maj, &min, &ino) == 5 &&
		    ino == (unsigned long)st.st_ino && maj == major(st.st_dev) &&
		    min == minor(st.st_dev) && hi > lo) {
			s->map_base = (void *)lo;
			s->map_len = hi - lo;
			break;
		}
	}
	fclose(f);
}

static bool sync_due(struct gw_store *s)
{
	return s->opts.durability == GW_DUR_INTERVAL && s->dirty &&
	       gw_clock_mono_ms() - s->last_sync_ms >= s->opts.sync_interval_ms;
}

static void *writer_main(void *arg)
{
	struct gw_store *s = arg;
	struct job *batch;
	uint64_t one = 1;

	pthread_mutex_lock(&s->mu);
	for (;;) {
		while (!s->queue && !s->stopping) {
			if (s->opts.durability == GW_DUR_INTERVAL && s->dirty) {
				/* wake up for the periodic sync */
				struct timespec ts;
				int64_t wait = s->last_sync_ms + s->opts.sync_interval_ms -
					       gw_clock_mono_ms();
				if (wait < 1)
					wait = 1;
				clock_gettime(CLOCK_REALTIME, &ts);
				ts.tv_sec += wait / 1000;
				ts.tv_nsec += (wait % 1000) * 1000000;
				if (ts.tv_nsec >= 1000000000) {
					ts.tv_sec++;
					ts.tv_nsec -= 1000000000;
				}
				pthread_cond_timedwait(&s->cond, &s->mu, &ts);
				if (!s->queue && sync_due(s)) {
					/* never fsync under the mutex: the loop takes it */
					pthread_mutex_unlock(&s->mu);
					sync_now(s);
					pthread_mutex_lock(&s->mu);
				}
			} else {
				pthread_cond_wait(&s->cond, &s->mu);
			}
		}
		if (!s->queue && s->stopping)
			break;
		batch = s->queue;
		s->queue = NULL;
		s->queue_tail = &s->queue;
		s->busy = true;
		pthread_mutex_unlock(&s->mu);

		run_batch(s, batch);
		release_map(s);

		pthread_mutex_lock(&s->mu);
		*s->done_tail = batch;
		while (batch->next)
			batch = batch->next;
		s->done_tail = &batch->next;
		if (write(s->efd, &one, sizeof(one)) < 0)
			gw_warn(SUB, "cannot wake the loop");
		/* acknowledgements go out first; the periodic sync comes after */
		if (sync_due(s)) {
			pthread_mutex_unlock(&s->mu);
			sync_now(s);
			pthread_mutex_lock(&s->mu);
		}
		s->busy = false;
		pthread_cond_broadcast(&s->idle_cond);
	}
	pthread_mutex_unlock(&s->mu);
	sync_now(s);
	return NULL;
}

static void deliver_done(struct gw_store *s)
{
	struct job *list;
	struct timespec t0;
	uint64_t us;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	pthread_mutex_lock(&s->mu);
	list = s->done;
	s->done = NULL;
	s->done_tail = &s->done;
	pthread_mutex_unlock(&s->mu);
	while (list) {
		struct job *next = list->next;
		if (list->done)
			list->done(list->status, list->done_arg);
		free(list);
		list = next;
	}
	us = elapsed_us(&t0);
	if (us > s->longest_done_us)
		s->longest_done_us = us;
}

static void on_done(evutil_socket_t fd, short what, void *arg)
{
	uint64_t n;

	(void)what;
	if (read(fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		gw_warn(SUB, "eventfd read failed");
	deliver_done(arg);
}

int gw_store_open(struct event_base *base, const struct gw_store_opts *o,
		  struct gw_store **out, const char **reason)
{
	struct gw_store *s = calloc(1, sizeof(*s));
	uint64_t map;
	int rc;

	if (!s)
		return -ENOMEM;
	s->lock_fd = -1;
	s->efd = -1;
	s->opts = *o;
	s->base = base;
	if (s->opts.sync_interval_ms <= 0)
		s->opts.sync_interval_ms = 1000;
	s->queue_tail = &s->queue;
	s->done_tail = &s->done;
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cond, NULL);
	pthread_cond_init(&s->idle_cond, NULL);

	if (mkdir(o->dir, 0700) < 0 && errno != EEXIST) {
		*reason = "cannot create the state directory";
		rc = -errno;
		goto err_free;
	}
	rc = take_lock(s, o->dir, reason);
	if (rc < 0)
		goto err_free;
	rc = mdb_env_create(&s->env);
	if (rc)
		goto err_lmdb;
	/* Room for the byte limit twice over (copy-on-write) plus the rest. */
	map = o->max_bytes * 2 + MAP_MIN;
	mdb_env_set_mapsize(s->env, map);
	mdb_env_set_maxdbs(s->env, GW_DB_COUNT + 2);
	rc = mdb_env_open(s->env, o->dir,
			  MDB_NOTLS | (s->opts.durability == GW_DUR_INTERVAL ? MDB_NOSYNC : 0),
			  0600);
	if (rc)
		goto err_lmdb;
	rc = load_identity(s);
	if (rc)
		goto err_lmdb;
	find_map(s);
	s->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (s->efd < 0) {
		rc = -errno;
		*reason = "eventfd";
		goto err_free;
	}
	s->done_ev = event_new(base, s->efd, EV_READ | EV_PERSIST, on_done, s);
	if (!s->done_ev || event_add(s->done_ev, NULL) < 0) {
		rc = -ENOMEM;
		*reason = "event";
		goto err_free;
	}
	s->last_sync_ms = gw_clock_mono_ms();
	if (pthread_create(&s->writer, NULL, writer_main, s) != 0) {
		rc = -EAGAIN;
		*reason = "cannot start the writer thread";
		goto err_free;
	}
	s->writer_running = true;
	gw_info(SUB, "store %s open in %s (map %llu MiB)", s->id, o->dir,
		(unsigned long long)(map >> 20));
	*out = s;
	return 0;

err_lmdb:
	gw_err(SUB, "%s: %s", o->dir, mdb_strerror(rc));
	*reason = "the store cannot be opened";
	rc = rc > 0 ? -rc : rc;
err_free:
	gw_store_close(s);
	return rc;
}

void gw_store_close(struct gw_store *s)
{
	if (!s)
		return;
	if (s->writer_running && s->drain)
		s->drain(s);
	if (s->writer_running) {
		pthread_mutex_lock(&s->mu);
		s->stopping = true;
		pthread_cond_signal(&s->cond);
		pthread_mutex_unlock(&s->mu);
		pthread_join(s->writer, NULL);
		deliver_done(s);
	}
	if (s->priv_free)
		s->priv_free(s->priv);
	if (s->done_ev)
		event_free(s->done_ev);
	if (s->efd >= 0)
		close(s->efd);
	if (s->env)
		mdb_env_close(s->env);
	if (s->lock_fd >= 0)
		close(s->lock_fd); /* releases the flock */
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->cond);
	pthread_cond_destroy(&s->idle_cond);
	free(s);
}

const char *gw_store_id(const struct gw_store *s) { return s->id; }
MDB_env *gw_store_env(struct gw_store *s) { return s->env; }
MDB_dbi gw_store_dbi(const struct gw_store *s, enum gw_store_db db) { return s->dbi[db]; }

int gw_store_submit(struct gw_store *s, gw_store_write_fn fn, void *arg,
		    gw_store_done_fn done, void *done_arg)
{
	struct job *j = calloc(1, sizeof(*j));
	struct timespec t0;
	uint64_t us;
	bool loop = !pthread_equal(pthread_self(), s->writer);

	if (!j)
		return -ENOMEM;
	*j = (struct job){.fn = fn, .arg = arg, .done = done, .done_arg = done_arg};
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pthread_mutex_lock(&s->mu);
	*s->queue_tail = j;
	s->queue_tail = &j->next;
	pthread_cond_signal(&s->cond);
	pthread_mutex_unlock(&s->mu);
	us = elapsed_us(&t0);
	if (loop && us > s->longest_submit_us)
		s->longest_submit_us = us;
	return 0;
}

void gw_store_flush(struct gw_store *s)
{
	if (s->drain)
		s->drain(s);
	pthread_mutex_lock(&s->mu);
	while (s->queue || s->busy)
		pthread_cond_wait(&s->idle_cond, &s->mu);
	pthread_mutex_unlock(&s->mu);
	deliver_done(s);
}

const struct gw_store_opts *gw_store_get_opts(const struct gw_store *s)
{
	return &s->opts;
}

void gw_store_set_priv(struct gw_store *s, void *priv, void (*free_fn)(void *))
{
	s->priv = priv;
	s->priv_free = free_fn;
}

void *gw_store_priv(struct gw_store *s)
{
	return s->priv;
}

void gw_store_set_drain(struct gw_store *s, void (*drain)(struct gw_store *s))
{
	s->drain = drain;
}

struct event_base *gw_store_base(struct gw_store *s)
{
	return s->base;
}

void gw_store_get_stats(struct gw_store *s, struct gw_store_stats *st)
{
	pthread_mutex_lock(&s->mu);
	*st = s->stats;
	pthread_mutex_unlock(&s->mu);
	st->longest_done_us = s->longest_done_us;
	st->longest_submit_us = s->longest_submit_us;
}

int gw_store_read_begin(struct gw_store *s, MDB_txn **txn)
{
	int rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, txn);

	return rc ? -rc : 0;
}

void gw_store_read_end(MDB_txn *txn)
{
	mdb_txn_abort(txn);
}
