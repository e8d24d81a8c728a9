/*
 * The reference corpus of the store and upload benchmarks: snapshot records
 * as the gateway produces them (gw_testfeed_record: a struct gw_devdata
 * filled as a poll of a real printer fills it, packed by
 * gw_devdata_pack_body), in the steady-state mix of the default schedule
 * (status every poll, supplies every 5th, jobs every 10th, counters every
 * 60th, settings every 360th), devices out of step with each other.
 */
#ifndef BENCH_CORPUS_H
#define BENCH_CORPUS_H

#include "core/buf.h"
#include "core/record.h"
#include "store/testfeed.h"

#include <stdlib.h>
#include <string.h>

struct corpus {
	unsigned n;
	struct gw_buf *body;      /* msgpack bodies */
	struct gw_record *rec;    /* envelopes, bodies borrowed from body[] */
	double mean_record;       /* bytes of the stored (encoded) record */
};

static inline void corpus_make(struct corpus *c, unsigned n, unsigned devices, int64_t now)
{
	struct gw_buf enc;
	size_t total = 0;

	c->n = n;
	c->body = calloc(n, sizeof(*c->body));
	c->rec = calloc(n, sizeof(*c->rec));
	gw_buf_init(&enc);
	for (unsigned i = 0; i < n; i++) {
		uint32_t dev = i % devices;
		uint64_t poll = i / devices + (dev * 7u) % 360u;
		gw_buf_init(&c->body[i]);
		gw_testfeed_record(&c->body[i], &c->rec[i], dev, poll, now + i, "", 0);
		c->rec[i].body = c->body[i].data;
		gw_buf_reset(&enc);
		gw_record_encode(&c->rec[i], &enc);
		total += enc.len;
	}
	gw_buf_release(&enc);
	c->mean_record = (double)total / n;
}

static inline void corpus_free(struct corpus *c)
{
	for (unsigned i = 0; i < c->n; i++)
		gw_buf_release(&c->body[i]);
	free(c->body);
	free(c->rec);
}

#endif
