/*
 * SNMPv3 User-based Security Model (RFC 3414, RFC 7860 for SHA-2,
 * RFC 3826 for AES-128): key stretching and localization, message
 * authentication, privacy, and the v3 message frame around a PDU.
 *
 * The 1 MiB password stretch is done once per (hash, password) and kept in a
 * cache; the localized key once per engine (the caller keeps it with the
 * engine's state). Neither runs per request.
 */
#ifndef GW_SNMP_USM_H
#define GW_SNMP_USM_H

#include "core/plugin.h"
#include "pdu.h"

#include <stddef.h>
#include <stdint.h>

#define GW_USM_MAX_DIGEST 64
#define GW_USM_MAX_MAC 48
#define GW_USM_SALT_LEN 8

/* Localized keys for one (user, engine). */
struct gw_usm_keys {
	enum gw_snmp_auth auth;
	enum gw_snmp_priv priv;
	uint8_t auth_key[GW_USM_MAX_DIGEST];
	size_t auth_key_len;
	uint8_t priv_key[16];
};

/* Full digest length of the hash of an auth protocol (0 for none). */
size_t gw_usm_digest_len(enum gw_snmp_auth a);
/* Length of the truncated MAC in msgAuthenticationParameters. */
size_t gw_usm_mac_len(enum gw_snmp_auth a);

/* RFC 3414 A.2 password to key (Ku). Returns the key length, or negative. */
int gw_usm_password_to_key(enum gw_snmp_auth a, const char *pass, size_t passlen, uint8_t *ku);
/* Kul = H(Ku | engineID | Ku). Returns the key length, or negative. */
int gw_usm_localize(enum gw_snmp_auth a, const uint8_t *ku, const uint8_t *engine_id,
		    size_t elen, uint8_t *kul);

/* The cache of stretched passwords. */
struct gw_usm_cache;
struct gw_usm_cache *gw_usm_cache_new(void);
void gw_usm_cache_free(struct gw_usm_cache *c);
/* Ku for (hash, password): computed once, then from the cache. NULL on failure. */
const uint8_t *gw_usm_cache_ku(struct gw_usm_cache *c, enum gw_snmp_auth a, const char *pass);
unsigned gw_usm_cache_stretches(const struct gw_usm_cache *c);

/*
 * Fill keys for an engine from the credentials (passwords through the
 * cache). -EINVAL for a missing or too short passphrase.
 */
int gw_usm_keys_make(struct gw_usm_cache *c, const struct gw_credentials *cred,
		     const uint8_t *engine_id, size_t elen, struct gw_usm_keys *k);

/* What goes into the message header and security parameters. */
struct gw_v3_out {
	int32_t msg_id;
	int32_t max_size;
	uint8_t flags;               /* GW_V3_AUTH | GW_V3_PRIV | GW_V3_REPORTABLE */
	const uint8_t *engine_id;
	size_t engine_id_len;
	int32_t boots, time;
	const char *user;
	const char *context;
	uint64_t salt;               /* privacy: a counter, never repeated for a key */
};

/*
 * Wrap the PDU written after `pdu_mark` into a v3 message: scoped PDU,
 * encrypted when flags say so, security parameters, header, and the MAC.
 * keys may be NULL for noAuthNoPriv. 0, or negative.
 */
int gw_usm_encode(struct gw_ber_wr *w, const struct gw_v3_out *h, const struct gw_usm_keys *k,
		  size_t pdu_mark);

/* Check the MAC of a received message (m decoded from buf). */
bool gw_usm_verify(const struct gw_usm_keys *k, const uint8_t *buf, size_t len,
		   const struct gw_snmp_msg *m);

/*
 * Decrypt m->encrypted into out (cap bytes, at least m->encrypted.n) and
 * decode the scoped PDU; m's varbinds then point into out.
 */
int gw_usm_decrypt(const struct gw_usm_keys *k, struct gw_snmp_msg *m, uint8_t *out, size_t cap);

/* usmStats counters a Report carries (1.3.6.1.6.3.15.1.1.N.0). */
enum gw_usm_report {
	GW_USM_R_NONE = 0,
	GW_USM_R_UNSUPPORTED_SEC_LEVEL = 1,
	GW_USM_R_NOT_IN_TIME_WINDOW = 2,
	GW_USM_R_UNKNOWN_USER = 3,
	GW_USM_R_UNKNOWN_ENGINE_ID = 4,
	GW_USM_R_WRONG_DIGEST = 5,
	GW_USM_R_DECRYPTION_ERROR = 6,
	GW_USM_R_OTHER = 99,
};
enum gw_usm_report gw_usm_report_kind(const struct gw_snmp_pdu *pdu);
const char *gw_usm_report_name(enum gw_usm_report r);

#endif
