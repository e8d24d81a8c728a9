/*
 * SNMPv3 with the User-based Security Model (RFC 3414), HMAC-SHA-96 and
 * usmHMAC192SHA256AuthProtocol (RFC 7860), AES-128-CFB privacy (RFC 3826).
 *
 * Every simulated device is its own authoritative engine: the engine ID is
 * built from the vendor's enterprise number and the device MAC (RFC 3411
 * format 3), engineTime is the device uptime.  The costly password-to-key
 * step (1 MiB of hashing) runs once at start-up; localizing a key to one
 * engine is a single short hash, and its result is cached per thread.
 *
 * Crypto comes from OpenSSL's libcrypto on purpose: the gateway uses
 * wolfSSL, so the two implementations check each other.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "sim.h"

#define KEYCACHE 4096
#define ENGINE_ID_LEN 11
#define TIME_WINDOW 150

/* usmStats counters (1.3.6.1.6.3.15.1.1.N.0) in report order. */
enum { ST_UNSUP_LEVEL = 1, ST_NOT_IN_TIME = 2, ST_UNKNOWN_USER = 3, ST_UNKNOWN_ENGINE = 4,
       ST_WRONG_DIGEST = 5, ST_DECRYPT = 6 };
static uint64_t usm_counters[7];

struct keyslot {
    uint32_t idx_plus1;
    uint8_t kauth[32], kpriv[32];
};

struct usm_thread {
    EVP_MAC_CTX *mac;
    EVP_CIPHER_CTX *cip;
    uint64_t salt;
    struct keyslot cache[KEYCACHE];
    uint8_t plain[65536];
};

static EVP_MAC *g_hmac;
static const EVP_MD *g_md;
static const char *g_mdname;
static uint8_t g_ku_auth[32], g_ku_priv[32];
static size_t g_klen, g_maclen;
static bool g_priv;

static void pass2key(const char *pass, uint8_t *ku)
{
    /* RFC 3414 A.2: hash 1 MiB of the password repeated. */
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    uint8_t chunk[64];
    size_t pl = strlen(pass), k = 0;
    unsigned int outl = 0;
    EVP_DigestInit_ex(c, g_md, NULL);
    for (size_t done = 0; done < 1048576; done += 64) {
        for (int i = 0; i < 64; i++)
            chunk[i] = (uint8_t)pass[k++ % pl];
        EVP_DigestUpdate(c, chunk, 64);
    }
    EVP_DigestFinal_ex(c, ku, &outl);
    EVP_MD_CTX_free(c);
}

int usm_global_init(void)
{
    if (!G.v3_auth)
        return 0;
    g_md = G.v3_auth == 1 ? EVP_sha1() : EVP_sha256();
    g_mdname = G.v3_auth == 1 ? "SHA1" : "SHA256";
    g_klen = G.v3_auth == 1 ? 20 : 32;
    g_maclen = G.v3_auth == 1 ? 12 : 24;
    g_hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    if (!g_hmac)
        return -1;
    if (strlen(G.v3_auth_pass) < 8 || (G.v3_priv_pass[0] && strlen(G.v3_priv_pass) < 8)) {
        fprintf(stderr, "ecsp-printer-sim: v3 passwords need at least 8 characters\n");
        return -1;
    }
    pass2key(G.v3_auth_pass, g_ku_auth);
    g_priv = G.v3_priv_pass[0] != 0;
    if (g_priv)
        pass2key(G.v3_priv_pass, g_ku_priv);
    return 0;
}

usm_thread *usm_thread_new(void)
{
    usm_thread *u = calloc(1, sizeof *u);
    if (!u)
        return NULL;
    if (g_hmac)
        u->mac = EVP_MAC_CTX_new(g_hmac);
    u->cip = EVP_CIPHER_CTX_new();
    if (RAND_bytes((unsigned char *)&u->salt, sizeof u->salt) != 1)
        u->salt = (uint64_t)(uintptr_t)u;
    return u;
}

static void engine_id(const sim_dev *d, uint8_t *eid)
{
    uint32_t ent = d->m->enterprise | 0x80000000u;
    eid[0] = (uint8_t)(ent >> 24);
    eid[1] = (uint8_t)(ent >> 16);
    eid[2] = (uint8_t)(ent >> 8);
    eid[3] = (uint8_t)ent;
    eid[4] = 3;                                   /* format: MAC address */
    dev_mac(d, eid + 5);
}

static void localize(const uint8_t *ku, const uint8_t *eid, uint8_t *kul)
{
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    unsigned int outl = 0;
    EVP_DigestInit_ex(c, g_md, NULL);
    EVP_DigestUpdate(c, ku, g_klen);
    EVP_DigestUpdate(c, eid, ENGINE_ID_LEN);
    EVP_DigestUpdate(c, ku, g_klen);
    EVP_DigestFinal_ex(c, kul, &outl);
    EVP_MD_CTX_free(c);
}

static struct keyslot *keys_for(usm_thread *u, const sim_dev *d, const uint8_t *eid)
{
    struct keyslot *s = &u->cache[d->idx % KEYCACHE];
    if (s->idx_plus1 != d->idx + 1) {
        localize(g_ku_auth, eid, s->kauth);
        if (g_priv)
            localize(g_ku_priv, eid, s->kpriv);
        s->idx_plus1 = d->idx + 1;
    }
    return s;
}

/* HMAC over msg with the auth-parameter bytes at [ap, ap+maclen) taken as zero. */
static int mac_msg(usm_thread *u, const uint8_t *key, const uint8_t *msg, size_t len,
                   size_t ap, uint8_t *out)
{
    OSSL_PARAM prm[2] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)g_mdname, 0),
        OSSL_PARAM_construct_end(),
    };
    static const uint8_t zeros[32];
    size_t outl = 0;
    uint8_t full[64];
    if (!u->mac || !EVP_MAC_init(u->mac, key, g_klen, prm) ||
        !EVP_MAC_update(u->mac, msg, ap) || !EVP_MAC_update(u->mac, zeros, g_maclen) ||
        !EVP_MAC_update(u->mac, msg + ap + g_maclen, len - ap - g_maclen) ||
        !EVP_MAC_final(u->mac, full, &outl, sizeof full))
        return -1;
    memcpy(out, full, g_maclen);
    return 0;
}

static int aes_cfb(usm_thread *u, bool enc, const uint8_t *key, uint32_t boots, uint32_t etime,
                   const uint8_t *salt, const uint8_t *in, size_t len, uint8_t *out)
{
    uint8_t iv[16] = {
        (uint8_t)(boots >> 24), (uint8_t)(boots >> 16), (uint8_t)(boots >> 8), (uint8_t)boots,
        (uint8_t)(etime >> 24), (uint8_t)(etime >> 16), (uint8_t)(etime >> 8), (uint8_t)etime,
    };
    int n = 0, f = 0;
    memcpy(iv + 8, salt, 8);
    if (EVP_CipherInit_ex(u->cip, EVP_aes_128_cfb128(), NULL, key, iv, enc ? 1 : 0) != 1 ||
        EVP_CipherUpdate(u->cip, out, &n, in, (int)len) != 1 ||
        EVP_CipherFinal_ex(u->cip, out + n, &f) != 1)
        return -1;
    return (size_t)(n + f) == len ? 0 : -1;
}

typedef struct {
    const uint8_t *eid;
    uint32_t boots, etime;
    const ber_tlv *msgid, *user;
    const uint8_t *ctxname;
    size_t ctxname_len;
    int level;                       /* 0 noAuthNoPriv, 1 authNoPriv, 2 authPriv */
    const struct keyslot *keys;
} v3_out;

/* Wrap a finished PDU at [pdu, end) into a full v3 message, in place. */
static size_t wrap_v3(usm_thread *u, const v3_out *o, uint8_t *buf, uint8_t *pdu, uint8_t *end,
                      uint8_t **out)
{
    ber_pw w = { pdu, buf, false };
    bp_tlv(&w, BER_OCTETS, o->ctxname, o->ctxname_len);
    bp_tlv(&w, BER_OCTETS, o->eid, ENGINE_ID_LEN);
    bp_hdr(&w, BER_SEQ, (size_t)(end - w.p));
    uint8_t salt[8];
    if (w.ovf)
        return 0;
    if (o->level == 2) {
        uint64_t s = u->salt++;
        for (int i = 0; i < 8; i++)
            salt[i] = (uint8_t)(s >> (56 - 8 * i));
        if (aes_cfb(u, true, o->keys->kpriv, o->boots, o->etime, salt, w.p, (size_t)(end - w.p),
                    w.p) < 0)
            return 0;
        bp_hdr(&w, BER_OCTETS, (size_t)(end - w.p));
    }
    uint8_t *sp_end = w.p;
    bp_tlv(&w, BER_OCTETS, salt, o->level == 2 ? 8 : 0);
    static const uint8_t zeros[32];
    bp_tlv(&w, BER_OCTETS, zeros, o->level ? g_maclen : 0);
    uint8_t *auth_at = w.p + 2;                   /* tag + 1-byte length (12 or 24) */
    bp_tlv(&w, BER_OCTETS, o->user->val, o->user->len);
    bp_int(&w, BER_INT, o->etime);
    bp_int(&w, BER_INT, o->boots);
    bp_tlv(&w, BER_OCTETS, o->eid, ENGINE_ID_LEN);
    bp_hdr(&w, BER_SEQ, (size_t)(sp_end - w.p));
    bp_hdr(&w, BER_OCTETS, (size_t)(sp_end - w.p));
    uint8_t *gd_end = w.p;
    bp_int(&w, BER_INT, 3);                       /* USM */
    uint8_t fl = o->level == 2 ? 3 : o->level == 1 ? 1 : 0;
    bp_tlv(&w, BER_OCTETS, &fl, 1);
    bp_int(&w, BER_INT, 65507);
    bp_raw(&w, o->msgid->start, (size_t)(o->msgid->next - o->msgid->start));
    bp_hdr(&w, BER_SEQ, (size_t)(gd_end - w.p));
    bp_int(&w, BER_INT, 3);
    bp_hdr(&w, BER_SEQ, (size_t)(end - w.p));
    if (w.ovf)
        return 0;
    if (o->level) {
        uint8_t mac[32];
        if (mac_msg(u, o->keys->kauth, w.p, (size_t)(end - w.p), (size_t)(auth_at - w.p), mac) < 0)
            return 0;
        memcpy(auth_at, mac, g_maclen);
    }
    *out = w.p;
    return (size_t)(end - w.p);
}

/* Report PDU carrying one usmStats counter. */
static size_t report(usm_thread *u, v3_out *o, int which, const ber_tlv *reqid, uint8_t *buf,
                     size_t cap, uint8_t **out)
{
    uint64_t n = __atomic_add_fetch(&usm_counters[which], 1, __ATOMIC_RELAXED);
    uint8_t *area = buf + SIM_HEADROOM;
    ber_wr w = { area, buf + cap, false };
    uint8_t oid[] = { 0x06, 0x0a, 0x2b, 6, 1, 6, 3, 15, 1, 1, (uint8_t)which, 0 };
    uint8_t vb[32];
    size_t vl = sizeof oid;
    memcpy(vb, oid, vl);
    vl += put_num(vb + vl, sizeof vb - vl, BER_COUNTER32, (int64_t)(uint32_t)n);
    bw_tlv(&w, BER_SEQ, vb, vl);
    if (w.ovf)
        return 0;
    ber_pw p = { area, buf, false };
    bp_hdr(&p, BER_SEQ, (size_t)(w.p - area));
    bp_int(&p, BER_INT, 0);
    bp_int(&p, BER_INT, 0);
    if (reqid)
        bp_raw(&p, reqid->start, (size_t)(reqid->next - reqid->start));
    else
        bp_int(&p, BER_INT, 0);
    bp_hdr(&p, PDU_REPORT, (size_t)(w.p - p.p));
    if (p.ovf)
        return 0;
    o->ctxname = NULL;
    o->ctxname_len = 0;
    return wrap_v3(u, o, buf, p.p, w.p, out);
}

/* Parse a plaintext scopedPDU; returns 0 and fills the parts, -1 if malformed. */
static int scoped_parse(const uint8_t *p, size_t len, ber_tlv *ctxname, ber_tlv *pdu,
                        ber_tlv *reqid)
{
    ber_rd r = { p, p + len };
    ber_tlv sc, ce;
    if (ber_expect(&r, BER_SEQ, &sc) < 0)
        return -1;
    ber_rd s = { sc.val, sc.next };
    if (ber_expect(&s, BER_OCTETS, &ce) < 0 || ber_expect(&s, BER_OCTETS, ctxname) < 0 ||
        ber_read(&s, pdu) < 0)
        return -1;
    ber_rd q = { pdu->val, pdu->next };
    if (ber_expect(&q, BER_INT, reqid) < 0)
        return -1;
    return 0;
}

size_t usm_handle(usm_thread *u, sim_dev *d, const uint8_t *msg, size_t len, uint8_t *buf,
                  size_t cap, uint8_t **out)
{
    ber_rd r = { msg, msg + len };
    ber_tlv outer, ver, gd, msgid, maxsz, flags, model, secp, data;
    ber_tlv sseq, eid_t, boots_t, time_t_, user, authp, privp;
    int64_t vmsgid, vmax, vmodel, vboots, vtime;
    if (ber_expect(&r, BER_SEQ, &outer) < 0)
        return 0;
    ber_rd m = { outer.val, outer.next };
    if (ber_expect(&m, BER_INT, &ver) < 0 || ber_expect(&m, BER_SEQ, &gd) < 0 ||
        ber_expect(&m, BER_OCTETS, &secp) < 0 || ber_read(&m, &data) < 0)
        return 0;
    ber_rd g = { gd.val, gd.next };
    if (ber_expect(&g, BER_INT, &msgid) < 0 || ber_int(&msgid, &vmsgid) < 0 ||
        ber_expect(&g, BER_INT, &maxsz) < 0 || ber_int(&maxsz, &vmax) < 0 ||
        ber_expect(&g, BER_OCTETS, &flags) < 0 || flags.len != 1 ||
        ber_expect(&g, BER_INT, &model) < 0 || ber_int(&model, &vmodel) < 0)
        return 0;
    if (vmsgid < 0 || vmsgid > 2147483647 || vmax < 484 || vmodel != 3)
        return 0;
    uint8_t fl = flags.val[0];
    bool auth = fl & 1, priv = fl & 2, reportable = fl & 4;
    if (priv && !auth)
        return 0;                                 /* invalid flag combination: discard */
    ber_rd s = { secp.val, secp.next };
    if (ber_expect(&s, BER_SEQ, &sseq) < 0)
        return 0;
    ber_rd ss = { sseq.val, sseq.next };
    if (ber_expect(&ss, BER_OCTETS, &eid_t) < 0 || ber_expect(&ss, BER_INT, &boots_t) < 0 ||
        ber_int(&boots_t, &vboots) < 0 || ber_expect(&ss, BER_INT, &time_t_) < 0 ||
        ber_int(&time_t_, &vtime) < 0 || ber_expect(&ss, BER_OCTETS, &user) < 0 ||
        ber_expect(&ss, BER_OCTETS, &authp) < 0 || ber_expect(&ss, BER_OCTETS, &privp) < 0)
        return 0;
    if (eid_t.len > 32 || user.len > 32)
        return 0;

    uint8_t eid[ENGINE_ID_LEN];
    engine_id(d, eid);
    v3_out o = { .eid = eid, .boots = G.v3_boots, .etime = d->uptime_cs / 100,
                 .msgid = &msgid, .user = &user };

    /* The request id is only visible in plaintext scoped PDUs. */
    ber_tlv ctxname, pdu, reqid;
    const ber_tlv *rid = NULL;
    if (!priv && data.tag == BER_SEQ &&
        scoped_parse(data.start, (size_t)(data.next - data.start), &ctxname, &pdu, &reqid) == 0)
        rid = &reqid;

    if (eid_t.len != ENGINE_ID_LEN || memcmp(eid_t.val, eid, ENGINE_ID_LEN) != 0)
        return reportable ? report(u, &o, ST_UNKNOWN_ENGINE, rid, buf, cap, out) : 0;
    size_t ul = strlen(G.v3_user);
    if (!G.v3_auth || user.len != ul || memcmp(user.val, G.v3_user, ul) != 0)
        return reportable ? report(u, &o, ST_UNKNOWN_USER, rid, buf, cap, out) : 0;
    if (!auth || (priv && !g_priv))
        return reportable ? report(u, &o, ST_UNSUP_LEVEL, rid, buf, cap, out) : 0;

    struct keyslot *ks = keys_for(u, d, eid);
    uint8_t mac[32];
    if (authp.len != g_maclen ||
        mac_msg(u, ks->kauth, msg, len, (size_t)(authp.val - msg), mac) < 0 ||
        memcmp(mac, authp.val, g_maclen) != 0)
        return reportable ? report(u, &o, ST_WRONG_DIGEST, rid, buf, cap, out) : 0;

    o.keys = ks;
    if (vboots != G.v3_boots || vboots >= 2147483647 || vtime < (int64_t)o.etime - TIME_WINDOW ||
        vtime > (int64_t)o.etime + TIME_WINDOW) {
        o.level = 1;                              /* this report is authenticated */
        return reportable ? report(u, &o, ST_NOT_IN_TIME, rid, buf, cap, out) : 0;
    }

    if (priv) {
        if (data.tag != BER_OCTETS || privp.len != 8 || data.len > sizeof u->plain ||
            aes_cfb(u, false, ks->kpriv, (uint32_t)vboots, (uint32_t)vtime, privp.val, data.val,
                    data.len, u->plain) < 0 ||
            scoped_parse(u->plain, data.len, &ctxname, &pdu, &reqid) < 0) {
            o.level = 0;
            return reportable ? report(u, &o, ST_DECRYPT, NULL, buf, cap, out) : 0;
        }
    } else if (!rid) {
        return 0;
    }

    o.level = priv ? 2 : 1;
    o.ctxname = ctxname.val;
    o.ctxname_len = ctxname.len;
    size_t max = G.max_msg < (uint64_t)vmax ? G.max_msg : (size_t)vmax;
    size_t over = 160 + ul + ctxname.len;
    if (max > cap - SIM_HEADROOM)
        max = cap - SIM_HEADROOM;
    if (max <= over)
        return 0;
    uint8_t *p;
    size_t pl = snmp_pdu(d, 1, &pdu, buf + SIM_HEADROOM, cap - SIM_HEADROOM, max - over, &p);
    if (!pl)
        return 0;
    return wrap_v3(u, &o, buf, p, p + pl, out);
}
