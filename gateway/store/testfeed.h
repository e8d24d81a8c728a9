/*
 * TEST HOOK, not a production path: synthetic printer snapshots for tests
 * and benchmarks, made the way the gateway makes real ones (a struct
 * gw_devdata filled as a poll of a real printer fills it, packed by
 * gw_devdata_pack_body, appended with gw_buffer_append).
 *
 * The daemon runs the feed only when the environment variable
 * ECSP_TEST_FEED is set ("rate=R,total=N,devices=D,run=ID"); with it,
 * ECSP_TEST_FEED_LOG names a file that receives one line per acknowledged
 * record ("run n"), so a test can check that every acknowledged record
 * reached the cloud. Each record carries {"test_feed": {"run", "n"}}.
 */
#ifndef GW_TESTFEED_H
#define GW_TESTFEED_H

#include "../core/buf.h"
#include "../core/devdata.h"
#include "../core/record.h"
#include "store.h"

/* Which parts the poll number `poll` of one device reads, on the default schedule. */
unsigned gw_testfeed_parts(uint64_t poll);
/* Fill d as poll `poll` of printer `device` (of a fleet of models) would. */
void gw_testfeed_fill(struct gw_devdata *d, uint32_t device, uint64_t poll, unsigned parts,
		      int64_t now_ms);
/*
 * A whole snapshot: body into `body` (reset first), envelope into *r
 * (body borrowed from `body`). run/n, when n > 0, add the test_feed field.
 */
int gw_testfeed_record(struct gw_buf *body, struct gw_record *r, uint32_t device,
		       uint64_t poll, int64_t now_ms, const char *run, uint64_t n);

struct gw_testfeed;
/* NULL unless ECSP_TEST_FEED is set (or on a bad value, logged). */
struct gw_testfeed *gw_testfeed_start(struct event_base *base, struct gw_store *s);
void gw_testfeed_stop(struct gw_testfeed *f);

#endif
