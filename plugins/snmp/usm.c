#include "usm.h"

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/aes.h>
#include <wolfssl/wolfcrypt/hash.h>
#include <wolfssl/wolfcrypt/hmac.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define STRETCH_BYTES 1048576u  /* RFC 3414 A.2: one megabyte of the repeated password */
#define MIN_PASS 8              /* RFC 3414 §11.2 */
#define CACHE_MAX 64

static enum wc_HashType hash_type(enum gw_snmp_auth a)
{
	switch (a) {
	case GW_AUTH_SHA1: return WC_HASH_TYPE_SHA;
	case GW_AUTH_SHA224: return WC_HASH_TYPE_SHA224;
	case GW_AUTH_SHA256: return WC_HASH_TYPE_SHA256;
	case GW_AUTH_SHA384: return WC_HASH_TYPE_SHA384;
	case GW_AUTH_SHA512: return WC_HASH_TYPE_SHA512;
	default: return WC_HASH_TYPE_NONE;
	}
}

static int hmac_type(enum gw_snmp_auth a)
{
	switch (a) {
	case GW_AUTH_SHA1: return WC_SHA;
	case GW_AUTH_SHA224: return WC_SHA224;
	case GW_AUTH_SHA256: return WC_SHA256;
	case GW_AUTH_SHA384: return WC_SHA384;
	case GW_AUTH_SHA512: return WC_SHA512;
	default: return -1;
	}
}

size_t gw_usm_digest_len(enum gw_snmp_auth a)
{
	static const size_t len[] = {0, 20, 28, 32, 48, 64};

	return (unsigned)a < sizeof(len) / sizeof(len[0]) ? len[a] : 0;
}

size_t gw_usm_mac_len(enum gw_snmp_auth a)
{
	/* HMAC-SHA-96 (RFC 3414) and usmHMAC128SHA224 … usmHMAC384SHA512 (RFC 7860) */
	static const size_t len[] = {0, 12, 16, 24, 32, 48};

	return (unsigned)a < sizeof(len) / sizeof(len[0]) ? len[a] : 0;
}

int gw_usm_password_to_key(enum gw_snmp_auth a, const char *pass, size_t passlen, uint8_t *ku)
{
	enum wc_HashType t = hash_type(a);
	wc_HashAlg h;
	uint8_t block[64];
	size_t idx = 0;
	int rc;

	if (t == WC_HASH_TYPE_NONE || passlen == 0)
		return -EINVAL;
	if (wc_HashInit(&h, t) != 0)
		return -EIO;
	rc = 0;
	for (size_t count = 0; count < STRETCH_BYTES && rc == 0; count += sizeof(block)) {
		for (size_t i = 0; i < sizeof(block); i++)
			block[i] = (uint8_t)pass[idx++ % passlen];
		idx %= passlen;
		rc = wc_HashUpdate(&h, t, block, sizeof(block));
	}
	if (rc == 0)
		rc = wc_HashFinal(&h, t, ku);
	wc_HashFree(&h, t);
	memset(block, 0, sizeof(block));
	return rc == 0 ? (int)gw_usm_digest_len(a) : -EIO;
}

int gw_usm_localize(enum gw_snmp_auth a, const uint8_t *ku, const uint8_t *engine_id,
		    size_t elen, uint8_t *kul)
{
	enum wc_HashType t = hash_type(a);
	size_t dl = gw_usm_digest_len(a);
	wc_HashAlg h;
	int rc;

	if (t == WC_HASH_TYPE_NONE)
		return -EINVAL;
	if (wc_HashInit(&h, t) != 0)
		return -EIO;
	rc = wc_HashUpdate(&h, t, ku, (word32)dl);
	if (rc == 0 && elen)
		rc = wc_HashUpdate(&h, t, engine_id, (word32)elen);
	if (rc == 0)
		rc = wc_HashUpdate(&h, t, ku, (word32)dl);
	if (rc == 0)
		rc = wc_HashFinal(&h, t, kul);
	wc_HashFree(&h, t);
	return rc == 0 ? (int)dl : -EIO;
}

struct cache_entry {
	enum gw_snmp_auth auth;
	char *pass;
	uint8_t ku[GW_USM_MAX_DIGEST];
	uint64_t used;
};

struct gw_usm_cache {
	struct cache_entry e[CACHE_MAX];
	unsigned n, stretches;
	uint64_t tick;
};

struct gw_usm_cache *gw_usm_cache_new(void)
{
	return calloc(1, sizeof(struct gw_usm_cache));
}

static void entry_wipe(struct cache_entry *e)
{
	if (e->pass) {
		memset(e->pass, 0, strlen(e->pass));
		free(e->pass);
	}
	memset(e, 0, sizeof(*e));
}

void gw_usm_cache_free(struct gw_usm_cache *c)
{
	if (!c)
		return;
	for (unsigned i = 0; i < c->n; i++)
		entry_wipe(&c->e[i]);
	free(c);
}

const uint8_t *gw_usm_cache_ku(struct gw_usm_cache *c, enum gw_snmp_auth a, const char *pass)
{
	struct cache_entry *e = NULL;

	for (unsigned i = 0; i < c->n; i++) {
		if (c->e[i].auth == a && strcmp(c->e[i].pass, pass) == 0) {
			c->e[i].used = ++c->tick;
			return c->e[i].ku;
		}
	}
	if (c->n < CACHE_MAX) {
		e = &c->e[c->n];
	} else {
		e = &c->e[0];
		for (unsigned i = 1; i < c->n; i++)
			if (c->e[i].used < e->used)
				e = &c->e[i];
		entry_wipe(e);
	}
	e->pass = strdup(pass);
	if (!e->pass || gw_usm_password_to_key(a, pass, strlen(pass), e->ku) < 0) {
		entry_wipe(e);
		return NULL;
	}
	e->auth = a;
	e->used = ++c->tick;
	c->stretches++;
	if (e == &c->e[c->n])
		c->n++;
	return e->ku;
}

unsigned gw_usm_cache_stretches(const struct gw_usm_cache *c)
{
	return c->stretches;
}

int gw_usm_keys_make(struct gw_usm_cache *c, const struct gw_credentials *cred,
		     const uint8_t *engine_id, size_t elen, struct gw_usm_keys *k)
{
	uint8_t kul[GW_USM_MAX_DIGEST];
	const uint8_t *ku;
	int n;

	memset(k, 0, sizeof(*k));
	k->auth = cred->auth;
	k->priv = cred->auth != GW_AUTH_NONE ? cred->priv : GW_PRIV_NONE;
	if (k->auth == GW_AUTH_NONE)
		return 0;
	if (!cred->auth_pass || strlen(cred->auth_pass) < MIN_PASS)
		return -EINVAL;
	ku = gw_usm_cache_ku(c, k->auth, cred->auth_pass);
	if (!ku || (n = gw_usm_localize(k->auth, ku, engine_id, elen, k->auth_key)) < 0)
		return -EIO;
	k->auth_key_len = (size_t)n;
	if (k->priv == GW_PRIV_AES128) {
		/* RFC 3826 §1.2: the privacy key is localized with the auth hash */
		if (!cred->priv_pass || strlen(cred->priv_pass) < MIN_PASS)
			return -EINVAL;
		ku = gw_usm_cache_ku(c, k->auth, cred->priv_pass);
		if (!ku || gw_usm_localize(k->auth, ku, engine_id, elen, kul) < 0)
			return -EIO;
		memcpy(k->priv_key, kul, sizeof(k->priv_key));
		memset(kul, 0, sizeof(kul));
	}
	return 0;
}

static int mac(const struct gw_usm_keys *k, const uint8_t *buf, size_t len, size_t off,
	       size_t maclen, uint8_t *out)
{
	static const uint8_t zero[GW_USM_MAX_MAC];
	Hmac h;
	int rc;

	if (wc_HmacInit(&h, NULL, INVALID_DEVID) != 0)
		return -EIO;
	rc = wc_HmacSetKey(&h, hmac_type(k->auth), k->auth_key, (word32)k->auth_key_len);
	if (rc == 0)
		rc = wc_HmacUpdate(&h, buf, (word32)off);
	if (rc == 0)
		rc = wc_HmacUpdate(&h, zero, (word32)maclen);
	if (rc == 0)
		rc = wc_HmacUpdate(&h, buf + off + maclen, (word32)(len - off - maclen));
	if (rc == 0)
		rc = wc_HmacFinal(&h, out);
	wc_HmacFree(&h);
	return rc == 0 ? 0 : -EIO;
}

static int aes_cfb(const struct gw_usm_keys *k, int32_t boots, int32_t time,
		   const uint8_t salt[GW_USM_SALT_LEN], uint8_t *out, const uint8_t *in,
		   size_t n, bool enc)
{
	uint8_t iv[16];
	Aes aes;
	int rc;

	/* RFC 3826 §3.1.2.1: IV = boots | time | salt, all big-endian */
	for (int i = 0; i < 4; i++) {
		iv[i] = (uint8_t)((uint32_t)boots >> (24 - 8 * i));
		iv[4 + i] = (uint8_t)((uint32_t)time >> (24 - 8 * i));
	}
	memcpy(iv + 8, salt, GW_USM_SALT_LEN);
	if (wc_AesInit(&aes, NULL, INVALID_DEVID) != 0)
		return -EIO;
	/* CFB runs the forward cipher in both directions */
	rc = wc_AesSetKey(&aes, k->priv_key, 16, iv, AES_ENCRYPTION);
	if (rc == 0)
		rc = enc ? wc_AesCfbEncrypt(&aes, out, in, (word32)n)
			 : wc_AesCfbDecrypt(&aes, out, in, (word32)n);
	wc_AesFree(&aes);
	return rc == 0 ? 0 : -EIO;
}

int gw_usm_encode(struct gw_ber_wr *w, const struct gw_v3_out *h, const struct gw_usm_keys *k,
		  size_t pdu_mark)
{
	size_t maclen = (h->flags & GW_V3_AUTH) && k ? gw_usm_mac_len(k->auth) : 0;
	size_t mark, sp, hd, auth_from_end;
	uint8_t salt[GW_USM_SALT_LEN];
	uint8_t *auth;

	if ((h->flags & GW_V3_AUTH) && (!k || !maclen))
		return -EINVAL;
	if ((h->flags & GW_V3_PRIV) && (!(h->flags & GW_V3_AUTH) || k->priv != GW_PRIV_AES128))
		return -EINVAL;
	/* scopedPDU */
	gw_ber_put_octets(w, GW_BER_OCTETS, h->context, strlen(h->context));
	gw_ber_put_octets(w, GW_BER_OCTETS, h->engine_id, h->engine_id_len);
	gw_ber_close(w, GW_BER_SEQ, pdu_mark);
	for (int i = 0; i < GW_USM_SALT_LEN; i++)
		salt[i] = (uint8_t)(h->salt >> (56 - 8 * i));
	if ((h->flags & GW_V3_PRIV) && !w->overflow) {
		uint8_t *p = w->buf + w->cap - w->len;

		if (aes_cfb(k, h->boots, h->time, salt, p, p, w->len - pdu_mark, true) < 0)
			return -EIO;
		gw_ber_close(w, GW_BER_OCTETS, pdu_mark);
	}
	/* msgSecurityParameters */
	sp = gw_ber_mark(w);
	mark = gw_ber_mark(w);
	if (h->flags & GW_V3_PRIV)
		gw_ber_put_octets(w, GW_BER_OCTETS, salt, sizeof(salt));
	else
		gw_ber_put_octets(w, GW_BER_OCTETS, NULL, 0);
	auth = gw_ber_put_space(w, maclen);
	if (auth)
		memset(auth, 0, maclen);
	auth_from_end = w->len;
	gw_ber_put_hdr(w, GW_BER_OCTETS, maclen);
	gw_ber_put_octets(w, GW_BER_OCTETS, h->user, strlen(h->user));
	gw_ber_put_int(w, GW_BER_INT, h->time);
	gw_ber_put_int(w, GW_BER_INT, h->boots);
	gw_ber_put_octets(w, GW_BER_OCTETS, h->engine_id, h->engine_id_len);
	gw_ber_close(w, GW_BER_SEQ, mark);
	gw_ber_close(w, GW_BER_OCTETS, sp);
	/* msgGlobalData */
	hd = gw_ber_mark(w);
	gw_ber_put_int(w, GW_BER_INT, 3);
	gw_ber_put_octets(w, GW_BER_OCTETS, &h->flags, 1);
	gw_ber_put_int(w, GW_BER_INT, h->max_size);
	gw_ber_put_int(w, GW_BER_INT, h->msg_id);
	gw_ber_close(w, GW_BER_SEQ, hd);
	gw_ber_put_int(w, GW_BER_INT, GW_SNMP_WIRE_V3);
	gw_ber_close(w, GW_BER_SEQ, 0);
	if (w->overflow)
		return -ENOSPC;
	if (maclen) {
		uint8_t full[GW_USM_MAX_DIGEST];
		const uint8_t *msg = gw_ber_wr_data(w);
		size_t off = w->len - auth_from_end;

		if (mac(k, msg, w->len, off, maclen, full) < 0)
			return -EIO;
		memcpy(w->buf + w->cap - w->len + off, full, maclen);
	}
	return 0;
}

bool gw_usm_verify(const struct gw_usm_keys *k, const uint8_t *buf, size_t len,
		   const struct gw_snmp_msg *m)
{
	uint8_t full[GW_USM_MAX_DIGEST];
	size_t maclen = gw_usm_mac_len(k->auth);
	uint8_t diff = 0;

	if (!maclen || m->usm.auth.n != maclen || m->auth_off + maclen > len)
		return false;
	if (mac(k, buf, len, m->auth_off, maclen, full) < 0)
		return false;
	for (size_t i = 0; i < maclen; i++)
		diff |= full[i] ^ m->usm.auth.p[i];
	return diff == 0;
}

int gw_usm_decrypt(const struct gw_usm_keys *k, struct gw_snmp_msg *m, uint8_t *out, size_t cap)
{
	if (k->priv != GW_PRIV_AES128 || m->usm.priv.n != GW_USM_SALT_LEN ||
	    m->encrypted.n > cap || m->encrypted.n == 0)
		return -EBADMSG;
	if (aes_cfb(k, m->usm.boots, m->usm.time, m->usm.priv.p, out, m->encrypted.p,
		    m->encrypted.n, false) < 0)
		return -EIO;
	return gw_snmp_scoped_decode(out, m->encrypted.n, m);
}

enum gw_usm_report gw_usm_report_kind(const struct gw_snmp_pdu *pdu)
{
	static const uint32_t usm_stats[] = {1, 3, 6, 1, 6, 3, 15, 1, 1};
	struct gw_oid o;

	if (pdu->type != GW_PDU_REPORT)
		return GW_USM_R_NONE;
	if (pdu->n_vb < 1 || gw_snmp_vb_oid(&pdu->vb[0], &o) < 0)
		return GW_USM_R_OTHER;
	if (o.n == 11 && gw_oid_has_prefix(o.a, o.n, usm_stats, 9) && o.a[10] == 0 &&
	    o.a[9] >= 1 && o.a[9] <= 6)
		return (enum gw_usm_report)o.a[9];
	return GW_USM_R_OTHER;
}

const char *gw_usm_report_name(enum gw_usm_report r)
{
	switch (r) {
	case GW_USM_R_NONE: return "none";
	case GW_USM_R_UNSUPPORTED_SEC_LEVEL: return "unsupported security level";
	case GW_USM_R_NOT_IN_TIME_WINDOW: return "not in time window";
	case GW_USM_R_UNKNOWN_USER: return "unknown user name";
	case GW_USM_R_UNKNOWN_ENGINE_ID: return "unknown engine id";
	case GW_USM_R_WRONG_DIGEST: return "wrong digest (authentication passphrase)";
	case GW_USM_R_DECRYPTION_ERROR: return "decryption error (privacy passphrase)";
	default: return "unexpected report";
	}
}
