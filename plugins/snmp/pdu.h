/*
 * SNMP messages: v1 and v2c (community) and the v3 message frame with its
 * USM security parameters and scoped PDU (RFC 3412, RFC 3414). Pure
 * functions over buffers; the cryptography lives in usm.c.
 *
 * Decoded varbinds point into the caller's buffer: they are valid while it is.
 */
#ifndef GW_SNMP_PDU_H
#define GW_SNMP_PDU_H

#include "ber.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GW_SNMP_MAX_VB 256       /* varbinds in one PDU we accept */
#define GW_SNMP_MAX_MSG 65507    /* the largest UDP payload */
#define GW_SNMP_MAX_ENGINE_ID 32 /* RFC 3411 snmpEngineID: 5..32 octets */
#define GW_SNMP_MAX_STR 255      /* community, user and context names */

enum gw_snmp_pdu_type {
	GW_PDU_GET = 0xa0,
	GW_PDU_GETNEXT = 0xa1,
	GW_PDU_RESPONSE = 0xa2,
	GW_PDU_SET = 0xa3,
	GW_PDU_TRAP_V1 = 0xa4,
	GW_PDU_GETBULK = 0xa5,
	GW_PDU_INFORM = 0xa6,
	GW_PDU_TRAP_V2 = 0xa7,
	GW_PDU_REPORT = 0xa8,
};

enum gw_snmp_err {
	GW_SNMP_NO_ERROR = 0,
	GW_SNMP_TOO_BIG = 1,
	GW_SNMP_NO_SUCH_NAME = 2,
	GW_SNMP_BAD_VALUE = 3,
	GW_SNMP_READ_ONLY = 4,
	GW_SNMP_GEN_ERR = 5,
	GW_SNMP_AUTHORIZATION_ERROR = 16,
};

/* Message versions as they appear on the wire. */
enum { GW_SNMP_WIRE_V1 = 0, GW_SNMP_WIRE_V2C = 1, GW_SNMP_WIRE_V3 = 3 };

/* msgFlags */
#define GW_V3_AUTH 0x01
#define GW_V3_PRIV 0x02
#define GW_V3_REPORTABLE 0x04

struct gw_snmp_vb {
	const uint8_t *oid;          /* the OID's contents (checked) */
	size_t oid_len;
	uint8_t type;                /* enum gw_ber_tag */
	const uint8_t *val;          /* the value's contents (checked for its type) */
	size_t val_len;
};

struct gw_snmp_pdu {
	uint8_t type;
	int32_t reqid;
	int32_t err_status;          /* GETBULK: non-repeaters */
	int32_t err_index;           /* GETBULK: max-repetitions */
	unsigned n_vb;
	struct gw_snmp_vb vb[GW_SNMP_MAX_VB];
};

struct gw_bytes {
	const uint8_t *p;
	size_t n;
};

struct gw_usm_params {
	struct gw_bytes engine_id, user, auth, priv;
	int32_t boots, time;
};

struct gw_snmp_msg {
	int version;                 /* GW_SNMP_WIRE_* */
	struct gw_bytes community;   /* v1/v2c */
	/* v3 */
	int32_t msg_id, max_size;
	uint8_t flags;
	struct gw_usm_params usm;
	size_t auth_off;             /* offset of the auth parameter's contents in the message */
	struct gw_bytes encrypted;   /* the encrypted scoped PDU (flags & PRIV) */
	struct gw_bytes ctx_engine_id, ctx_name;
	bool has_pdu;                /* false until the scoped PDU is decoded (v3 + priv) */
	struct gw_snmp_pdu pdu;
};

/*
 * Decode a message. v1/v2c and unencrypted v3 are decoded whole; for an
 * encrypted v3 message the scoped PDU is left in m->encrypted for usm.c.
 * 0, or -EBADMSG (malformed, truncated, trailing bytes, unknown version,
 * more than GW_SNMP_MAX_VB varbinds, values that break their type).
 */
int gw_snmp_msg_decode(const uint8_t *buf, size_t len, struct gw_snmp_msg *m);
/* Decode a plaintext scopedPDU (after decryption) into m. */
int gw_snmp_scoped_decode(const uint8_t *buf, size_t len, struct gw_snmp_msg *m);
/* A PDU alone (its tag included). */
int gw_snmp_pdu_decode(const uint8_t *buf, size_t len, struct gw_snmp_pdu *pdu);

/* ---- encoding (backwards, see ber.h) ---- */

/* A varbind list of OIDs with NULL values, as a whole SEQUENCE. */
int gw_snmp_put_vbl(struct gw_ber_wr *w, const struct gw_oid *oids, unsigned n);
/*
 * The PDU around an encoded varbind list (vbl: the whole SEQUENCE TLV).
 * For GETBULK a and b are non-repeaters and max-repetitions.
 */
void gw_snmp_put_pdu(struct gw_ber_wr *w, uint8_t type, int32_t reqid, int32_t a, int32_t b,
		     const uint8_t *vbl, size_t vbl_len);
/* Wrap the PDU just written as a v1/v2c message. */
void gw_snmp_put_community_msg(struct gw_ber_wr *w, int version, const void *community,
			       size_t community_len, size_t mark);

/* ---- values ---- */

bool gw_snmp_vb_is_exception(const struct gw_snmp_vb *vb);
int gw_snmp_vb_oid(const struct gw_snmp_vb *vb, struct gw_oid *out);
/* INTEGER, Counter32, Gauge32, TimeTicks, Counter64 as a signed 64-bit number. */
int gw_snmp_vb_int(const struct gw_snmp_vb *vb, int64_t *out);
const char *gw_snmp_type_name(uint8_t type);
const char *gw_snmp_err_name(int err);

#endif
