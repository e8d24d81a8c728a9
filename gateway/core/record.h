/*
 * The internal record: msgpack, with a format version. One record is one
 * snapshot, event, operation outcome or inventory change. This module is
 * the only one that encodes and decodes it.
 *
 * Layout (format 1): a msgpack array
 *   [format, kind, collection_type, seq, collected_ms, created_ms, device_id, body]
 * where body is a map of the record's contract fields beyond the envelope
 * ("device", "event", "operation", ...), string keys only. Later formats may
 * append elements; a decoder of format 1 ignores what it does not know.
 */
#ifndef GW_RECORD_H
#define GW_RECORD_H

#include "buf.h"

#include <msgpack.h>
#include <stddef.h>
#include <stdint.h>

#define GW_RECORD_FORMAT 1
#define GW_RECORD_MAX_BYTES (1u << 20)

enum gw_record_kind {
	GW_REC_SNAPSHOT = 1,
	GW_REC_EVENT = 2,
	GW_REC_OPERATION = 3,
	GW_REC_INVENTORY = 4,
};

enum gw_collection_type {
	GW_CT_SCHEDULED = 0,
	GW_CT_ON_DEMAND = 1,
	GW_CT_EVENT = 2,
};

struct gw_record {
	uint32_t format;
	enum gw_record_kind kind;
	enum gw_collection_type ctype;
	uint64_t seq;            /* given by the store; 0 before */
	int64_t collected_ms;    /* wall clock */
	int64_t created_ms;      /* wall clock */
	uint32_t device_id;      /* managed device, 0 for none */
	const uint8_t *body;     /* encode: the packed msgpack map, borrowed */
	size_t body_len;
	const struct msgpack_object *body_obj; /* decode: the map, in the holder */
};

enum gw_record_err {
	GW_REC_OK = 0,
	GW_REC_EMALFORMED = -1,  /* not a record: truncated, wrong types */
	GW_REC_EFORMAT = -2,     /* a newer or unknown format: keep, do not read */
	GW_REC_ETOOBIG = -3,
};

const char *gw_record_kind_name(enum gw_record_kind k);
const char *gw_collection_type_name(enum gw_collection_type t);
const char *gw_record_strerror(int err);

/* Append the encoded record to out. Returns 0 or a gw_record_err. */
int gw_record_encode(const struct gw_record *r, struct gw_buf *out);
/*
 * Decode; r->body_obj lives in holder (msgpack_unpacked_init before,
 * msgpack_unpacked_destroy after). Never reads outside [buf, buf+len).
 */
int gw_record_decode(const void *buf, size_t len, struct gw_record *r,
		     msgpack_unpacked *holder);
/* Only the format number, for records that must be kept unread. */
int gw_record_peek_format(const void *buf, size_t len, uint32_t *format);

/*
 * Append the record as one JSON object of the upload contract:
 * {"seq":..,"kind":..,"collected_at":..,["collection_type":..,] <body fields>}.
 * collection_type is written when it differs from batch_ctype.
 * Invalid UTF-8 is escaped; binary and extension values are refused.
 */
int gw_record_to_json(const struct gw_record *r, enum gw_collection_type batch_ctype,
		      struct gw_buf *out);

#endif
