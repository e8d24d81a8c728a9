/*
 * seed-devices: put N managed devices straight into a gateway's state
 * directory, the bulk path of the scale benchmarks.
 *
 * A configuration with tens of thousands of `device` sections takes
 * minutes to read, so the fleet is written where the daemon keeps its
 * managed list (the LMDB database "devices", one entry per device, in the
 * daemon's own encoding, devices/device_codec.c) with origin "local", as
 * if added through the local API: the daemon loads it at start and polls
 * it, and the configuration file needs no device section. The daemon must
 * not be running.
 *
 *   seed-devices STATE_DIR COUNT BASE_ADDR PORT CREDENTIALS
 *
 * Devices are named p0000001.. in address order from BASE_ADDR (inside
 * 127.0.0.0/8), ids 1..COUNT. Existing entries with those ids are replaced.
 */
#include "devices/device_codec.h"
#include "devices/devices.h"
#include "store/store.h"

#include <arpa/inet.h>
#include <errno.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static int fail(const char *what, int rc)
{
	fprintf(stderr, "seed-devices: %s: %s\n", what, mdb_strerror(rc));
	return 1;
}

int main(int argc, char **argv)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi devs, meta;
	struct in_addr base;
	struct timespec now;
	long count, port;
	int rc;

	if (argc != 6) {
		fprintf(stderr, "usage: seed-devices STATE_DIR COUNT BASE_ADDR PORT CREDENTIALS\n");
		return 2;
	}
	count = atol(argv[2]);
	port = atol(argv[4]);
	if (inet_pton(AF_INET, argv[3], &base) != 1 || count < 1 || count > 1000000 ||
	    port < 1 || port > 65535 || strlen(argv[5]) >= GW_DEV_NAME_MAX) {
		fprintf(stderr, "seed-devices: bad arguments\n");
		return 2;
	}
	uint32_t first = ntohl(base.s_addr);
	if ((first >> 24) != 127 || ((first + (uint32_t)count - 1) >> 24) != 127) {
		fprintf(stderr, "seed-devices: the fleet must stay inside 127.0.0.0/8\n");
		return 2;
	}
	if (mkdir(argv[1], 0700) < 0 && errno != EEXIST) {
		perror(argv[1]);
		return 1;
	}
	clock_gettime(CLOCK_REALTIME, &now);
	if ((rc = mdb_env_create(&env)) || (rc = mdb_env_set_maxdbs(env, 16)) ||
	    (rc = mdb_env_set_mapsize(env, (size_t)1 << 30)) ||
	    (rc = mdb_env_open(env, argv[1], MDB_NOTLS, 0600)))
		return fail("open", rc);
	if ((rc = mdb_txn_begin(env, NULL, 0, &txn)) ||
	    (rc = mdb_dbi_open(txn, "devices", MDB_CREATE, &devs)) ||
	    (rc = mdb_dbi_open(txn, "meta", MDB_CREATE, &meta)))
		return fail("begin", rc);
	for (long i = 0; i < count; i++) {
		struct gw_device_rec d = {0};
		struct gw_buf b;
		struct in_addr a = {htonl(first + (uint32_t)i)};
		uint32_t id = (uint32_t)i + 1;
		uint8_t k[4] = {id >> 24, id >> 16, id >> 8, id};
		MDB_val key = {4, k}, val;

		d.id = id;
		snprintf(d.spec.name, sizeof(d.spec.name), "p%07ld", i + 1);
		inet_ntop(AF_INET, &a, d.spec.address, sizeof(d.spec.address));
		d.spec.port = (uint16_t)port;
		snprintf(d.spec.credentials, sizeof(d.spec.credentials), "%s", argv[5]);
		d.spec.enabled = true;
		d.origin = GW_ORIGIN_LOCAL;
		d.added_ms = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
		gw_buf_init(&b);
		if (gw_device_encode(&d, &b) < 0) {
			fprintf(stderr, "seed-devices: out of memory\n");
			return 1;
		}
		val = (MDB_val){b.len, b.data};
		rc = mdb_put(txn, devs, &key, &val, 0);
		gw_buf_release(&b);
		if (rc)
			return fail("put", rc);
	}
	uint8_t nk[8];
	MDB_val mkey = {14, "next_device_id"}, mval = {8, nk};

	gw_store_key64(nk, (uint64_t)count + 1);
	if ((rc = mdb_put(txn, meta, &mkey, &mval, 0)) || (rc = mdb_txn_commit(txn)))
		return fail("commit", rc);
	mdb_env_close(env);
	printf("seeded %ld devices\n", count);
	return 0;
}
