#include "record.h"
#include "clock.h"
#include "mpbound.h"
#include "utf8.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

#define ENVELOPE_FIELDS 8
#define JSON_MAX_DEPTH 24

const char *gw_record_kind_name(enum gw_record_kind k)
{
	switch (k) {
	case GW_REC_SNAPSHOT: return "snapshot";
	case GW_REC_EVENT: return "event";
	case GW_REC_OPERATION: return "operation";
	case GW_REC_INVENTORY: return "inventory";
	}
	return "unknown";
}

const char *gw_collection_type_name(enum gw_collection_type t)
{
	switch (t) {
	case GW_CT_SCHEDULED: return "scheduled";
	case GW_CT_ON_DEMAND: return "on_demand";
	case GW_CT_EVENT: return "event";
	}
	return "scheduled";
}

const char *gw_record_strerror(int err)
{
	switch (err) {
	case GW_REC_OK: return "ok";
	case GW_REC_EMALFORMED: return "malformed record";
	case GW_REC_EFORMAT: return "record format not known to this version";
	case GW_REC_ETOOBIG: return "record too large";
	}
	return "record error";
}

static int buf_write(void *data, const char *p, size_t n)
{
	return gw_buf_append(data, p, n) < 0 ? -1 : 0;
}

int gw_record_encode(const struct gw_record *r, struct gw_buf *out)
{
	msgpack_packer pk;
	size_t start = out->len;

	if (r->body_len > GW_RECORD_MAX_BYTES - 64)
		return GW_REC_ETOOBIG;
	msgpack_packer_init(&pk, out, buf_write);
	msgpack_pack_array(&pk, ENVELOPE_FIELDS);
	msgpack_pack_uint32(&pk, GW_RECORD_FORMAT);
	msgpack_pack_uint8(&pk, (uint8_t)r->kind);
	msgpack_pack_uint8(&pk, (uint8_t)r->ctype);
	msgpack_pack_uint64(&pk, r->seq);
	msgpack_pack_int64(&pk, r->collected_ms);
	msgpack_pack_int64(&pk, r->created_ms);
	msgpack_pack_uint32(&pk, r->device_id);
	if (r->body_len)
		gw_buf_append(out, r->body, r->body_len);
	else
		msgpack_pack_map(&pk, 0);
	if (out->failed) {
		out->len = start;
		return GW_REC_ETOOBIG;
	}
	return GW_REC_OK;
}

static int unpack_top(const void *buf, size_t len, msgpack_unpacked *h, const msgpack_object **arr)
{
	size_t off = 0;
	msgpack_unpack_return rc;

	if (len == 0 || len > GW_RECORD_MAX_BYTES)
		return len ? GW_REC_ETOOBIG : GW_REC_EMALFORMED;
	if (!gw_msgpack_bounded(buf, len))
		return GW_REC_EMALFORMED;
	rc = msgpack_unpack_next(h, buf, len, &off);
	if (rc != MSGPACK_UNPACK_SUCCESS || off != len)
		return GW_REC_EMALFORMED;
	if (h->data.type != MSGPACK_OBJECT_ARRAY || h->data.via.array.size < 1)
		return GW_REC_EMALFORMED;
	*arr = &h->data;
	return GW_REC_OK;
}

int gw_record_peek_format(const void *buf, size_t len, uint32_t *format)
{
	msgpack_unpacked h;
	const msgpack_object *a;
	int rc;

	msgpack_unpacked_init(&h);
	rc = unpack_top(buf, len, &h, &a);
	if (rc == GW_REC_OK) {
		const msgpack_object *f = &a->via.array.ptr[0];
		if (f->type == MSGPACK_OBJECT_POSITIVE_INTEGER && f->via.u64 <= UINT32_MAX)
			*format = (uint32_t)f->via.u64;
		else
			rc = GW_REC_EMALFORMED;
	}
	msgpack_unpacked_destroy(&h);
	return rc;
}

static bool get_uint(const msgpack_object *o, uint64_t max, uint64_t *v)
{
	if (o->type != MSGPACK_OBJECT_POSITIVE_INTEGER || o->via.u64 > max)
		return false;
	*v = o->via.u64;
	return true;
}

static bool get_int(const msgpack_object *o, int64_t *v)
{
	if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER && o->via.u64 <= INT64_MAX)
		*v = (int64_t)o->via.u64;
	else if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
		*v = o->via.i64;
	else
		return false;
	return true;
}

int gw_record_decode(const void *buf, size_t len, struct gw_record *r, msgpack_unpacked *h)
{
	const msgpack_object *a, *f, *body;
	uint64_t format, kind, ctype, seq, dev;
	int rc;

	memset(r, 0, sizeof(*r));
	rc = unpack_top(buf, len, h, &a);
	if (rc != GW_REC_OK)
		return rc;
	f = a->via.array.ptr;
	if (!get_uint(&f[0], UINT32_MAX, &format))
		return GW_REC_EMALFORMED;
	if (format != GW_RECORD_FORMAT)
		return GW_REC_EFORMAT;
	if (a->via.array.size < ENVELOPE_FIELDS)
		return GW_REC_EMALFORMED;
	if (!get_uint(&f[1], 255, &kind) || kind < GW_REC_SNAPSHOT || kind > GW_REC_INVENTORY ||
	    !get_uint(&f[2], 255, &ctype) || ctype > GW_CT_EVENT ||
	    !get_uint(&f[3], UINT64_MAX, &seq) ||
	    !get_int(&f[4], &r->collected_ms) || !get_int(&f[5], &r->created_ms) ||
	    !get_uint(&f[6], UINT32_MAX, &dev))
		return GW_REC_EMALFORMED;
	body = &f[7];
	if (body->type != MSGPACK_OBJECT_MAP)
		return GW_REC_EMALFORMED;
	for (uint32_t i = 0; i < body->via.map.size; i++)
		if (body->via.map.ptr[i].key.type != MSGPACK_OBJECT_STR)
			return GW_REC_EMALFORMED;
	r->format = (uint32_t)format;
	r->kind = (enum gw_record_kind)kind;
	r->ctype = (enum gw_collection_type)ctype;
	r->seq = seq;
	r->device_id = (uint32_t)dev;
	r->body_obj = body;
	return GW_REC_OK;
}

static int json_str(struct gw_buf *out, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	gw_buf_reserve(out, n + 2);
	gw_buf_append(out, "\"", 1);
	while (i < n) {
		unsigned char c = p[i];
		size_t run = i;

		/* copy runs of plain bytes at once */
		while (run < n && p[run] >= 0x20 && p[run] < 0x80 && p[run] != '"' && p[run] != '\\')
			run++;
		if (run > i) {
			gw_buf_append(out, p + i, run - i);
			i = run;
			continue;
		}
		if (c == '"' || c == '\\') {
			char esc[2] = {'\\', (char)c};
			gw_buf_append(out, esc, 2);
			i++;
		} else if (c < 0x20) {
			char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
			gw_buf_append(out, esc, 6);
			i++;
		} else {
			size_t l = gw_utf8_seq_len(p + i, n - i);
			if (l) {
				gw_buf_append(out, p + i, l);
				i += l;
			} else {
				/* not UTF-8: the text \xNN, as the device strings are escaped */
				char esc[5] = {'\\', '\\', 'x', hex[c >> 4], hex[c & 15]};
				gw_buf_append(out, esc, 5);
				i++;
			}
		}
	}
	return gw_buf_append(out, "\"", 1);
}

static int json_value(struct gw_buf *out, const msgpack_object *o, int depth)
{
	if (depth > JSON_MAX_DEPTH)
		return GW_REC_EMALFORMED;
	switch (o->type) {
	case MSGPACK_OBJECT_NIL:
		return gw_buf_puts(out, "null");
	case MSGPACK_OBJECT_BOOLEAN:
		return gw_buf_puts(out, o->via.boolean ? "true" : "false");
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
		return gw_buf_printf(out, "%" PRIu64, o->via.u64);
	case MSGPACK_OBJECT_NEGATIVE_INTEGER:
		return gw_buf_printf(out, "%" PRId64, o->via.i64);
	case MSGPACK_OBJECT_FLOAT32:
	case MSGPACK_OBJECT_FLOAT64:
		if (!isfinite(o->via.f64))
			return gw_buf_puts(out, "null");
		return gw_buf_printf(out, "%.17g", o->via.f64);
	case MSGPACK_OBJECT_STR:
		return json_str(out, o->via.str.ptr, o->via.str.size);
	case MSGPACK_OBJECT_ARRAY:
		gw_buf_append(out, "[", 1);
		for (uint32_t i = 0; i < o->via.array.size; i++) {
			if (i)
				gw_buf_append(out, ",", 1);
			if (json_value(out, &o->via.array.ptr[i], depth + 1) < 0)
				return GW_REC_EMALFORMED;
		}
		return gw_buf_append(out, "]", 1);
	case MSGPACK_OBJECT_MAP:
		gw_buf_append(out, "{", 1);
		for (uint32_t i = 0; i < o->via.map.size; i++) {
			const msgpack_object_kv *kv = &o->via.map.ptr[i];
			if (kv->key.type != MSGPACK_OBJECT_STR)
				return GW_REC_EMALFORMED;
			if (i)
				gw_buf_append(out, ",", 1);
			json_str(out, kv->key.via.str.ptr, kv->key.via.str.size);
			gw_buf_append(out, ":", 1);
			if (json_value(out, &kv->val, depth + 1) < 0)
				return GW_REC_EMALFORMED;
		}
		return gw_buf_append(out, "}", 1);
	default:
		return GW_REC_EMALFORMED; /* bin, ext: never produced by the gateway */
	}
}

int gw_record_to_json(const struct gw_record *r, enum gw_collection_type batch_ctype,
		      struct gw_buf *out)
{
	size_t start = out->len;
	char when[32];
	const msgpack_object *body = r->body_obj;

	gw_clock_format_rfc3339(r->collected_ms, when, sizeof(when));
	gw_buf_printf(out, "{\"seq\":%" PRIu64 ",\"kind\":\"%s\",\"collected_at\":\"%s\"",
		      r->seq, gw_record_kind_name(r->kind), when);
	if (r->ctype != batch_ctype)
		gw_buf_printf(out, ",\"collection_type\":\"%s\"", gw_collection_type_name(r->ctype));
	for (uint32_t i = 0; body && i < body->via.map.size; i++) {
		const msgpack_object_kv *kv = &body->via.map.ptr[i];
		gw_buf_append(out, ",", 1);
		json_str(out, kv->key.via.str.ptr, kv->key.via.str.size);
		gw_buf_append(out, ":", 1);
		if (json_value(out, &kv->val, 1) < 0) {
			out->len = start;
			return GW_REC_EMALFORMED;
		}
	}
	gw_buf_append(out, "}", 1);
	if (out->failed) {
		out->len = start;
		return GW_REC_ETOOBIG;
	}
	return GW_REC_OK;
}
