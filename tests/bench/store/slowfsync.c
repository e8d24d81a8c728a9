/*
 * LD_PRELOAD shim for the store benchmarks: counts fsync, fdatasync and
 * msync calls, and with SLOWFSYNC_US=N makes each one take N microseconds
 * longer, a crude model of an SD card whose flush costs milliseconds. The
 * same shim sits under LMDB and SQLite, so both pay the same price.
 *
 *   LD_PRELOAD=.../libslowfsync.so SLOWFSYNC_US=5000 gw-bench-store ...
 *
 * The benchmarks read the count through ecsp_slowfsync_count().
 */
#include <dlfcn.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static _Atomic uint64_t calls;
static long delay_us = -1;

uint64_t ecsp_slowfsync_count(void);
uint64_t ecsp_slowfsync_count(void)
{
	return atomic_load(&calls);
}

static void slow(void)
{
	atomic_fetch_add(&calls, 1);
	if (delay_us < 0) {
		const char *v = getenv("SLOWFSYNC_US");
		delay_us = v ? atol(v) : 0;
	}
	if (delay_us > 0) {
		struct timespec ts = {delay_us / 1000000, (delay_us % 1000000) * 1000};
		nanosleep(&ts, NULL);
	}
}

int fsync(int fd)
{
	static int (*real)(int);

	if (!real)
		real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
	slow();
	return real(fd);
}

int fdatasync(int fd)
{
	static int (*real)(int);

	if (!real)
		real = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
	slow();
	return real(fd);
}

int msync(void *addr, size_t len, int flags)
{
	static int (*real)(void *, size_t, int);

	if (!real)
		real = (int (*)(void *, size_t, int))dlsym(RTLD_NEXT, "msync");
	if (flags & MS_SYNC)
		slow();
	return real(addr, len, flags);
}
