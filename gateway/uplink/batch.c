#include "batch.h"
#include "../core/clock.h"
#include "../store/buffer.h"

#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

#define TAIL_BYTES 2 /* "]}" */
/*
 * The JSON goes on into the body (compressed) whenever this much is
 * waiting, not once per step: a step of printer records is megabytes of
 * JSON, kept as the chunk's room from one batch to the next.
 */
#define CHUNK_DRAIN (32u << 10)
#define CHUNK_KEEP (128u << 10) /* room kept from one batch to the next */

void gw_agent_probe(struct gw_platform *p)
{
	struct utsname un;
	FILE *f;

	memset(p, 0, sizeof(*p));
	if (uname(&un) == 0) {
		snprintf(p->os, sizeof(p->os), "%.64s", un.sysname);
		snprintf(p->os_version, sizeof(p->os_version), "%.64s", un.release);
	}
	/* the board's name where the platform tells it */
	f = fopen("/proc/device-tree/model", "r");
	if (!f)
		f = fopen("/sys/class/dmi/id/product_name", "r");
	if (f) {
		if (fgets(p->product, sizeof(p->product), f))
			p->product[strcspn(p->product, "\n")] = '\0';
		fclose(f);
	}
}

void gw_batch_init(struct gw_batch *b)
{
	memset(b, 0, sizeof(*b));
	gw_buf_init(&b->chunk);
	gw_buf_init(&b->rec);
}

void gw_batch_clear(struct gw_batch *b)
{
	if (b->z_on)
		deflateEnd(&b->z);
	b->z_on = false;
	if (b->body)
		evbuffer_free(b->body);
	b->body = NULL;
	if (b->chunk.cap > CHUNK_KEEP)
		gw_buf_release(&b->chunk);
	if (b->rec.cap > CHUNK_KEEP)
		gw_buf_release(&b->rec);
	gw_buf_reset(&b->chunk);
	gw_buf_reset(&b->rec);
	b->active = b->complete = b->started = b->full = false;
	b->n = b->skipped = b->n_bad = 0;
	b->json_bytes = 0;
	b->max_stored = b->stored = 0;
	b->first = b->last = 0;
}

void gw_batch_release(struct gw_batch *b)
{
	gw_batch_clear(b);
	gw_buf_release(&b->chunk);
	gw_buf_release(&b->rec);
	free(b->bad);
	b->bad = NULL;
}

int gw_batch_begin(struct gw_batch *b, uint64_t from, uint64_t limit_last, unsigned max_records,
		   size_t max_bytes, int level)
{
	gw_batch_clear(b);
	b->body = evbuffer_new();
	if (!b->body)
		return -ENOMEM;
	if (level > 0) {
		memset(&b->z, 0, sizeof(b->z));
		/* 15 + 16: a gzip wrapper */
		if (deflateInit2(&b->z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
			return -ENOMEM;
		b->z_on = true;
	}
	b->active = true;
	b->from = b->resume = from;
	b->limit_last = limit_last;
	b->max_records = max_records ? max_records : 1;
	b->max_bytes = max_bytes;
	b->level = level;
	return 0;
}

/* Move the JSON chunk into the body, compressed. */
static int drain_chunk(struct gw_batch *b, bool finish)
{
	if (!b->z_on) {
		if (b->chunk.len && evbuffer_add(b->body, b->chunk.data, b->chunk.len) < 0)
			return -ENOMEM;
		gw_buf_reset(&b->chunk);
		return 0;
	}
	b->z.next_in = b->chunk.data;
	b->z.avail_in = (uInt)b->chunk.len;
	for (;;) {
		struct evbuffer_iovec v;
		int zr;
		if (evbuffer_reserve_space(b->body, 65536, &v, 1) < 1)
			return -ENOMEM;
		b->z.next_out = v.iov_base;
		b->z.avail_out = (uInt)v.iov_len;
		zr = deflate(&b->z, finish ? Z_FINISH : Z_NO_FLUSH);
		v.iov_len -= b->z.avail_out;
		evbuffer_commit_space(b->body, &v, 1);
		if (zr == Z_STREAM_ERROR)
			return -EIO;
		if (finish ? zr == Z_STREAM_END : b->z.avail_in == 0 && b->z.avail_out > 0)
			break;
	}
	gw_buf_reset(&b->chunk);
	return 0;
}

static void json_safe(struct gw_buf *out, const char *k, const char *v)
{
	if (!v || !*v)
		return;
	gw_buf_printf(out, ",\"%s\":\"", k);
	for (const char *p = v; *p; p++)
		if ((unsigned char)*p >= 0x20 && *p != '"' && *p != '\\' && (unsigned char)*p < 0x7f)
			gw_buf_append(out, p, 1);
	gw_buf_append(out, "\"", 1);
}

static void header(struct gw_batch *b, const struct gw_agent_info *a)
{
	char when[32];

	gw_clock_format_rfc3339(gw_clock_wall_ms(), when, sizeof(when));
	gw_buf_printf(&b->chunk, "{\"agent\":{\"agent_id\":\"%s\",\"store_id\":\"%s\","
		      "\"agent_type\":\"edge-gateway\",\"agent_version\":\"%s\","
		      "\"collection_type\":\"%s\",\"sent_at\":\"%s\"", a->agent_id, a->store_id,
		      a->version, gw_collection_type_name(b->ctype), when);
	json_safe(&b->chunk, "os", a->os);
	json_safe(&b->chunk, "os_version", a->os_version);
	json_safe(&b->chunk, "os_product_type", a->os_product_type);
	gw_buf_puts(&b->chunk, "},\"records\":[");
	b->json_bytes = b->chunk.len;
}

/* The way most of the first records were collected names the batch. */
struct vote {
	uint64_t limit;
	unsigned n[3];
};

static int count_ctype(uint64_t seq, int cls, const void *data, size_t len, void *arg)
{
	struct vote *v = arg;
	const uint8_t *p = data;

	if (seq > v->limit)
		return 1;
	if (cls != GW_BUF_UNKNOWN && len > 3 && p[0] == 0x98 && p[3] <= GW_CT_EVENT)
		v->n[p[3]]++;
	return 0;
}

static int add_bad(struct gw_batch *b, uint64_t seq)
{
	if (b->n_bad == b->cap_bad) {
		unsigned cap = b->cap_bad ? b->cap_bad * 2 : 8;
		uint64_t *n = realloc(b->bad, cap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		b->bad = n;
		b->cap_bad = cap;
	}
	b->bad[b->n_bad++] = seq;
	return 0;
}

static int add_record(uint64_t seq, int cls, const void *data, size_t len, void *arg)
{
	struct gw_batch *b = arg;
	struct gw_record r;
	msgpack_unpacked h;
	int rc;

	if (seq > b->limit_last || b->n >= b->max_records) {
		b->full = true;
		return 1;
	}
	if (cls == GW_BUF_UNKNOWN) {
		/* a newer format: kept in the store, never sent by this version */
		b->skipped++;
		b->resume = seq + 1;
		return 0;
	}
	/* what the store cannot evict while it is on the wire stays a small part of it */
	if (b->n > 0 && b->max_stored && b->stored + len > b->max_stored) {
		b->full = true;
		return 1;
	}
	msgpack_unpacked_init(&h);
	gw_buf_reset(&b->rec);
	rc = gw_record_decode(data, len, &r, &h);
	if (rc == GW_REC_OK)
		rc = gw_record_to_json(&r, b->ctype, &b->rec);
	msgpack_unpacked_destroy(&h);
	if (rc != GW_REC_OK) {
		b->resume = seq + 1;
		return add_bad(b, seq);
	}
	if (b->n > 0 && b->json_bytes + 1 + b->rec.len + TAIL_BYTES > b->max_bytes) {
		b->full = true;
		return 1;
	}
	if (b->n > 0)
		gw_buf_append(&b->chunk, ",", 1);
	gw_buf_append(&b->chunk, b->rec.data, b->rec.len);
	if (b->chunk.failed)
		return -ENOMEM;
	b->json_bytes += b->rec.len + (b->n > 0);
	b->stored += len;
	if (b->n == 0)
		b->first = seq;
	b->last = seq;
	b->n++;
	b->resume = seq + 1;
	if (b->chunk.len >= CHUNK_DRAIN)
		return drain_chunk(b, false);
	return 0;
}

int gw_batch_step(struct gw_batch *b, struct gw_store *s, const struct gw_agent_info *a,
		  unsigned step)
{
	unsigned want;
	int got, rc;

	if (b->complete)
		return 1;
	if (!b->started) {
		struct vote v = {.limit = b->limit_last};
		unsigned peek = b->max_records < 512 ? b->max_records : 512;
		/* before the first read: evictions told of from here may concern this batch */
		b->mark = gw_buffer_drop_mark(s);
		if (gw_buffer_read(s, b->resume, peek, count_ctype, &v) < 0)
			return -EIO;
		b->ctype = v.n[GW_CT_ON_DEMAND] > v.n[b->ctype] ? GW_CT_ON_DEMAND : b->ctype;
		b->ctype = v.n[GW_CT_EVENT] > v.n[b->ctype] ? GW_CT_EVENT : b->ctype;
		header(b, a);
		b->started = true;
	}
	want = step;
	got = gw_buffer_read(s, b->resume, want, add_record, b);
	if (got < 0)
		return got;
	if (b->full || (unsigned)got < want) {
		gw_buf_puts(&b->chunk, "]}");
		b->json_bytes += TAIL_BYTES;
		rc = drain_chunk(b, true);
		if (rc < 0)
			return rc;
		/* the compressor's 300 kB are not kept while the batch waits for its answer */
		if (b->z_on)
			deflateEnd(&b->z);
		b->z_on = false;
		gw_buf_release(&b->chunk);
		b->complete = true;
		return 1;
	}
	rc = drain_chunk(b, false);
	return rc < 0 ? rc : 0;
}
