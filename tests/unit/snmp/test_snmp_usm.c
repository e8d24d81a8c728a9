/*
 * SNMPv3 USM: RFC 3414 A.3.2 key vectors (SHA-1), SHA-2 keys computed with
 * Python's hashlib (an independent implementation), the AES-128 CFB vector
 * of NIST SP 800-38A F.3.13, and whole messages signed, encrypted, checked.
 */
#include "usm.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static void hex(const char *s, uint8_t *out)
{
	for (size_t i = 0; s[2 * i]; i++)
		sscanf(s + 2 * i, "%2hhx", &out[i]);
}

static const uint8_t engine2[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};

static void test_key_vectors(void **state)
{
	static const struct {
		enum gw_snmp_auth a;
		const char *ku, *kul;
	} v[] = {
		{GW_AUTH_SHA1, "9fb5cc0381497b3793528939ff788d5d79145211",
		 "6695febc9288e36282235fc7151f128497b38f3f"},
		{GW_AUTH_SHA224, "282a5867ee9aac639ad59df9572c7d3ac0fbc13a905b6df07dbbf00b",
		 "0bd8827c6e29f8065e08e09237f177e410f69b90e1782be682075674"},
		{GW_AUTH_SHA256, "ab51014d1e077f6017df2b12bee5f5aa72993177e9bb569c4dff5a4ca0b4afac",
		 "8982e0e549e866db361a6b625d84cccc11162d453ee8ce3a6445c2d6776f0f8b"},
		{GW_AUTH_SHA384,
		 "e06eccdf2c68a06ed034723c9c26e0db3b669e1e2efed49150b55377a2e98f383c86fb836857444654b287c93f51ff64",
		 "3b298f16164a11184279d5432bf169e2d2a48307de02b3d3f7e2b4f36eb6f0455a53689a3937eea07319a633d2ccba78"},
		{GW_AUTH_SHA512,
		 "7e4396de5aadc77be853819b98c9406265b3a9c37cc3176569847a4e4f6fba63dd3a73d04924d31a63f95a601f9385af6be4ed1b37f87d040f7c6ed6f8d38a91",
		 "22a5a36cedfcc085807a128d7bc6c2382167ad6c0dbc5fdff856740f3d84c099ad1ea87a8db096714d9788bd544047c9021e4229ce27e4c0a69250adfcffbb0b"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		uint8_t ku[64], kul[64], want[64];
		int n = gw_usm_password_to_key(v[i].a, "maplesyrup", 10, ku);

		assert_int_equal(n, (int)gw_usm_digest_len(v[i].a));
		hex(v[i].ku, want);
		assert_memory_equal(ku, want, (size_t)n);
		assert_int_equal(gw_usm_localize(v[i].a, ku, engine2, sizeof(engine2), kul), n);
		hex(v[i].kul, want);
		assert_memory_equal(kul, want, (size_t)n);
	}
	assert_int_equal(gw_usm_password_to_key(GW_AUTH_NONE, "x", 1, (uint8_t[64]){0}), -EINVAL);
}

static void test_cache_stretches_once(void **state)
{
	struct gw_usm_cache *c = gw_usm_cache_new();
	const uint8_t *a, *b;

	(void)state;
	a = gw_usm_cache_ku(c, GW_AUTH_SHA256, "maplesyrup");
	b = gw_usm_cache_ku(c, GW_AUTH_SHA256, "maplesyrup");
	assert_ptr_equal(a, b);
	assert_int_equal(gw_usm_cache_stretches(c), 1);
	gw_usm_cache_ku(c, GW_AUTH_SHA1, "maplesyrup");
	gw_usm_cache_ku(c, GW_AUTH_SHA256, "otherpass");
	assert_int_equal(gw_usm_cache_stretches(c), 3);
	gw_usm_cache_free(c);
}

static void test_aes_cfb_vector(void **state)
{
	struct gw_usm_keys k = {.auth = GW_AUTH_SHA1, .priv = GW_PRIV_AES128};
	uint8_t buf[512], pt[16], ct[16], vbl[2] = {0x30, 0x00};
	struct gw_v3_out h = {
		.msg_id = 1, .max_size = 65507, .flags = GW_V3_AUTH | GW_V3_PRIV,
		.engine_id = engine2, .engine_id_len = sizeof(engine2),
		.boots = 0x00010203, .time = 0x04050607, .user = "u", .context = "",
		.salt = 0x08090a0b0c0d0e0full,
	};
	struct gw_snmp_msg *m = calloc(1, sizeof(*m));
	struct gw_ber_wr w;

	(void)state;
	/* key 2b7e1516…, IV 00010203…0f: the SP 800-38A CFB128 example */
	hex("2b7e151628aed2a6abf7158809cf4f3c", k.priv_key);
	hex("6bc1bee22e409f96e93d7e117393172a", pt);
	hex("3b3fd92eb72dad20333449f8e83cfb4a", ct);
	k.auth_key_len = 20;
	memset(k.auth_key, 0x11, 20);
	/* the scoped PDU's first 16 bytes are known: encrypt them by encoding a message */
	gw_ber_wr_init(&w, buf, sizeof(buf));
	gw_snmp_put_pdu(&w, GW_PDU_GET, 1, 0, 0, vbl, 2);
	assert_int_equal(gw_usm_encode(&w, &h, &k, 0), 0);
	assert_int_equal(gw_snmp_msg_decode(gw_ber_wr_data(&w), w.len, m), 0);
	assert_int_equal(m->usm.priv.n, 8);
	assert_memory_equal(m->usm.priv.p, "\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f", 8);
	/* CFB: ciphertext XOR plaintext is the keystream, the same as the vector's */
	{
		uint8_t plain[512], ks_vec[16], ks_msg[16];

		assert_int_equal(gw_usm_decrypt(&k, m, plain, sizeof(plain)), 0);
		for (int i = 0; i < 16; i++) {
			ks_vec[i] = pt[i] ^ ct[i];
			ks_msg[i] = plain[i] ^ m->encrypted.p[i];
		}
		assert_memory_equal(ks_vec, ks_msg, 16);
		assert_int_equal(m->pdu.type, GW_PDU_GET);
		assert_int_equal(m->pdu.reqid, 1);
	}
	free(m);
}

static void roundtrip(enum gw_snmp_auth a, enum gw_snmp_priv p)
{
	struct gw_credentials cred = {
		.version = GW_SNMP_V3, .user = "gwuser", .auth = a, .auth_pass = "authpass123",
		.priv = p, .priv_pass = "privpass456", .context = "",
	};
	struct gw_usm_cache *c = gw_usm_cache_new();
	struct gw_usm_keys k;
	struct gw_snmp_msg *m = calloc(1, sizeof(*m));
	uint8_t buf[1024], plain[1024], vbl[64];
	struct gw_ber_wr w, wv;
	struct gw_oid o;
	struct gw_v3_out h = {
		.msg_id = 4242, .max_size = 65507,
		.flags = (uint8_t)(GW_V3_AUTH | (p ? GW_V3_PRIV : 0) | GW_V3_REPORTABLE),
		.engine_id = engine2, .engine_id_len = sizeof(engine2),
		.boots = 7, .time = 123456, .user = "gwuser", .context = "", .salt = 99,
	};

	assert_int_equal(gw_usm_keys_make(c, &cred, engine2, sizeof(engine2), &k), 0);
	gw_oid_parse("1.3.6.1.2.1.1.1.0", &o);
	gw_ber_wr_init(&wv, vbl, sizeof(vbl));
	gw_snmp_put_vbl(&wv, &o, 1);
	gw_ber_wr_init(&w, buf, sizeof(buf));
	gw_snmp_put_pdu(&w, GW_PDU_GET, 4242, 0, 0, gw_ber_wr_data(&wv), wv.len);
	assert_int_equal(gw_usm_encode(&w, &h, &k, 0), 0);
	assert_int_equal(gw_snmp_msg_decode(gw_ber_wr_data(&w), w.len, m), 0);
	assert_int_equal(m->version, 3);
	assert_int_equal(m->msg_id, 4242);
	assert_int_equal(m->usm.auth.n, gw_usm_mac_len(a));
	assert_true(gw_usm_verify(&k, gw_ber_wr_data(&w), w.len, m));
	if (p) {
		assert_false(m->has_pdu);
		assert_int_equal(gw_usm_decrypt(&k, m, plain, sizeof(plain)), 0);
	}
	assert_true(m->has_pdu);
	assert_int_equal(m->pdu.reqid, 4242);
	assert_int_equal(m->pdu.n_vb, 1);
	/* one flipped bit anywhere breaks the MAC */
	for (size_t i = 0; i < w.len; i += 7) {
		uint8_t *b = w.buf + w.cap - w.len;

		b[i] ^= 0x20;
		if (gw_snmp_msg_decode(b, w.len, m) == 0)
			assert_false(gw_usm_verify(&k, b, w.len, m));
		b[i] ^= 0x20;
	}
	/* another passphrase, another key */
	cred.auth_pass = "authpass124";
	{
		struct gw_usm_keys k2;

		gw_snmp_msg_decode(gw_ber_wr_data(&w), w.len, m);
		assert_int_equal(gw_usm_keys_make(c, &cred, engine2, sizeof(engine2), &k2), 0);
		assert_false(gw_usm_verify(&k2, gw_ber_wr_data(&w), w.len, m));
	}
	free(m);
	gw_usm_cache_free(c);
}

static void test_roundtrips(void **state)
{
	(void)state;
	for (enum gw_snmp_auth a = GW_AUTH_SHA1; a <= GW_AUTH_SHA512; a++) {
		roundtrip(a, GW_PRIV_NONE);
		roundtrip(a, GW_PRIV_AES128);
	}
}

static void test_short_passphrase(void **state)
{
	struct gw_credentials cred = {
		.version = GW_SNMP_V3, .user = "u", .auth = GW_AUTH_SHA1, .auth_pass = "short",
	};
	struct gw_usm_cache *c = gw_usm_cache_new();
	struct gw_usm_keys k;

	(void)state;
	assert_int_equal(gw_usm_keys_make(c, &cred, engine2, sizeof(engine2), &k), -EINVAL);
	gw_usm_cache_free(c);
}

static void test_report_kinds(void **state)
{
	struct gw_snmp_pdu *pdu = calloc(1, sizeof(*pdu));
	uint8_t oid[32];
	struct gw_oid o;
	int n;

	(void)state;
	gw_oid_parse("1.3.6.1.6.3.15.1.1.4.0", &o);
	n = gw_ber_oid_encode(o.a, o.n, oid, sizeof(oid));
	pdu->type = GW_PDU_REPORT;
	pdu->n_vb = 1;
	pdu->vb[0] = (struct gw_snmp_vb){.oid = oid, .oid_len = (size_t)n,
					 .type = GW_BER_COUNTER32};
	assert_int_equal(gw_usm_report_kind(pdu), GW_USM_R_UNKNOWN_ENGINE_ID);
	gw_oid_parse("1.3.6.1.6.3.15.1.1.5.0", &o);
	n = gw_ber_oid_encode(o.a, o.n, oid, sizeof(oid));
	pdu->vb[0].oid_len = (size_t)n;
	assert_int_equal(gw_usm_report_kind(pdu), GW_USM_R_WRONG_DIGEST);
	gw_oid_parse("1.3.6.1.6.3.11.2.1.3.0", &o);
	n = gw_ber_oid_encode(o.a, o.n, oid, sizeof(oid));
	pdu->vb[0].oid_len = (size_t)n;
	assert_int_equal(gw_usm_report_kind(pdu), GW_USM_R_OTHER);
	pdu->type = GW_PDU_RESPONSE;
	assert_int_equal(gw_usm_report_kind(pdu), GW_USM_R_NONE);
	free(pdu);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_vectors),
		cmocka_unit_test(test_cache_stretches_once),
		cmocka_unit_test(test_aes_cfb_vector),
		cmocka_unit_test(test_roundtrips),
		cmocka_unit_test(test_short_passphrase),
		cmocka_unit_test(test_report_kinds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
