#include "tls.h"

#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
#include <wolfssl/wolfcrypt/ecc.h>
#include <wolfssl/wolfcrypt/error-crypt.h>
#include <wolfssl/error-ssl.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * TLS 1.3 suites first, then TLS 1.2 forward-secret AEAD suites. Nothing
 * anonymous, nothing with NULL encryption, no RC4, no CBC.
 */
const char gw_tls_ciphers[] =
	"TLS13-AES128-GCM-SHA256:TLS13-AES256-GCM-SHA384:TLS13-CHACHA20-POLY1305-SHA256:"
	"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
	"ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
	"ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

#define READ_CHUNK 16384

struct gw_tls_ctx {
	WOLFSSL_CTX *ctx;
};

struct gw_tls {
	WOLFSSL *ssl;
	struct evbuffer *in, *out;
	bool eof, done;
	char host[256];
	char reason[512];
};

static void lib_init(void)
{
	static bool done;

	if (!done) {
		wolfSSL_Init();
		done = true;
	}
}

void gw_tls_cleanup(void)
{
	wc_ecc_fp_free();
}

struct gw_tls_ctx *gw_tls_ctx_new(const struct gw_tls_ctx_opts *o, char *reason, size_t len)
{
	struct gw_tls_ctx *c;

	lib_init();
	c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(reason, len, "out of memory");
		return NULL;
	}
	c->ctx = wolfSSL_CTX_new(wolfSSLv23_client_method());
	if (!c->ctx) {
		snprintf(reason, len, "cannot create a TLS context");
		goto err;
	}
	if (wolfSSL_CTX_SetMinVersion(c->ctx, WOLFSSL_TLSV1_2) != WOLFSSL_SUCCESS ||
	    wolfSSL_CTX_set_cipher_list(c->ctx, gw_tls_ciphers) != WOLFSSL_SUCCESS) {
		snprintf(reason, len, "cannot restrict TLS to 1.2/1.3 with AEAD suites");
		goto err;
	}
	wolfSSL_CTX_set_verify(c->ctx, WOLFSSL_VERIFY_PEER, NULL);
	if (!o->ca_file ||
	    wolfSSL_CTX_load_verify_locations(c->ctx, o->ca_file, NULL) != WOLFSSL_SUCCESS) {
		snprintf(reason, len, "cannot load the CA bundle %s", o->ca_file ? o->ca_file : "(none)");
		goto err;
	}
	if (o->cert_file) {
		if (wolfSSL_CTX_use_certificate_chain_file(c->ctx, o->cert_file) != WOLFSSL_SUCCESS) {
			snprintf(reason, len, "cannot load the client certificate %s", o->cert_file);
			goto err;
		}
		if (!o->key_file || wolfSSL_CTX_use_PrivateKey_file(c->ctx, o->key_file,
								    WOLFSSL_FILETYPE_PEM) != WOLFSSL_SUCCESS) {
			snprintf(reason, len, "cannot load the client key %s",
				 o->key_file ? o->key_file : "(none)");
			goto err;
		}
		if (wolfSSL_CTX_check_private_key(c->ctx) != WOLFSSL_SUCCESS) {
			snprintf(reason, len, "the key %s does not belong to the certificate %s",
				 o->key_file, o->cert_file);
			goto err;
		}
	}
	return c;

err:
	gw_tls_ctx_free(c);
	return NULL;
}

void gw_tls_ctx_free(struct gw_tls_ctx *c)
{
	if (!c)
		return;
	if (c->ctx)
		wolfSSL_CTX_free(c->ctx);
	free(c);
}

/* wolfSSL wants ciphertext: whatever the layer below has delivered. */
static int io_recv(WOLFSSL *ssl, char *buf, int sz, void *arg)
{
	struct gw_tls *t = arg;
	int n;

	(void)ssl;
	if (evbuffer_get_length(t->in) == 0)
		return t->eof ? WOLFSSL_CBIO_ERR_CONN_CLOSE : WOLFSSL_CBIO_ERR_WANT_READ;
	n = evbuffer_remove(t->in, buf, (size_t)sz);
	return n > 0 ? n : WOLFSSL_CBIO_ERR_GENERAL;
}

/* Ciphertext out: always taken whole; the caller watches the queue's length. */
static int io_send(WOLFSSL *ssl, char *buf, int sz, void *arg)
{
	struct gw_tls *t = arg;

	(void)ssl;
	if (t->eof)
		return WOLFSSL_CBIO_ERR_CONN_CLOSE;
	return evbuffer_add(t->out, buf, (size_t)sz) == 0 ? sz : WOLFSSL_CBIO_ERR_GENERAL;
}

static bool is_ip_literal(const char *h)
{
	unsigned char a[16];

	return inet_pton(AF_INET, h, a) == 1 || inet_pton(AF_INET6, h, a) == 1;
}

struct gw_tls *gw_tls_new(struct gw_tls_ctx *c, const char *host, struct evbuffer *in,
			  struct evbuffer *out)
{
	struct gw_tls *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->in = in;
	t->out = out;
	snprintf(t->host, sizeof(t->host), "%s", host);
	t->ssl = wolfSSL_new(c->ctx);
	if (!t->ssl) {
		free(t);
		return NULL;
	}
	wolfSSL_SSLSetIORecv(t->ssl, io_recv);
	wolfSSL_SSLSetIOSend(t->ssl, io_send);
	wolfSSL_SetIOReadCtx(t->ssl, t);
	wolfSSL_SetIOWriteCtx(t->ssl, t);
	/* the name checked against the certificate; SNI only for names */
	if (wolfSSL_check_domain_name(t->ssl, host) != WOLFSSL_SUCCESS ||
	    (!is_ip_literal(host) &&
	     wolfSSL_UseSNI(t->ssl, WOLFSSL_SNI_HOST_NAME, host, (unsigned short)strlen(host)) !=
		     WOLFSSL_SUCCESS)) {
		gw_tls_free(t);
		return NULL;
	}
	return t;
}

void gw_tls_free(struct gw_tls *t)
{
	if (!t)
		return;
	if (t->ssl)
		wolfSSL_free(t->ssl);
	free(t);
}

void gw_tls_set_eof(struct gw_tls *t)
{
	t->eof = true;
}

static void set_reason(struct gw_tls *t, int err)
{
	WOLFSSL_ALERT_HISTORY h;
	char buf[80];

	switch (err) {
	case ASN_NO_SIGNER_E:
	case ASN_SELF_SIGNED_E:
		snprintf(t->reason, sizeof(t->reason),
			 "certificate of %s is not signed by a CA in the configured bundle", t->host);
		return;
	case DOMAIN_NAME_MISMATCH:
		snprintf(t->reason, sizeof(t->reason),
			 "certificate does not name the host %s (host name mismatch)", t->host);
		return;
	case ASN_AFTER_DATE_E:
		snprintf(t->reason, sizeof(t->reason), "certificate of %s has expired", t->host);
		return;
	case ASN_BEFORE_DATE_E:
		snprintf(t->reason, sizeof(t->reason),
			 "certificate of %s is not valid yet (is the clock right?)", t->host);
		return;
	case ASN_SIG_CONFIRM_E:
		snprintf(t->reason, sizeof(t->reason), "certificate of %s has a bad signature",
			 t->host);
		return;
	case NO_PEER_CERT:
		snprintf(t->reason, sizeof(t->reason), "%s presented no certificate", t->host);
		return;
	case MATCH_SUITE_ERROR:
		snprintf(t->reason, sizeof(t->reason),
			 "no common cipher suite with %s (only TLS 1.2/1.3 AEAD suites are offered)",
			 t->host);
		return;
	case VERSION_ERROR:
		snprintf(t->reason, sizeof(t->reason), "%s does not speak TLS 1.2 or 1.3", t->host);
		return;
	case SOCKET_PEER_CLOSED_E:
	case SOCKET_ERROR_E:
		snprintf(t->reason, sizeof(t->reason), "connection to %s closed during TLS",
			 t->host);
		return;
	case FATAL_ERROR:
		if (wolfSSL_get_alert_history(t->ssl, &h) == WOLFSSL_SUCCESS && h.last_rx.code) {
			snprintf(t->reason, sizeof(t->reason),
				 "%s refused the handshake (alert %s)%s", t->host,
				 wolfSSL_alert_desc_string_long(h.last_rx.code),
				 h.last_rx.code == 40 ? ": no common cipher suite, or our client "
				 "certificate was not accepted" :
				 h.last_rx.code == 42 || h.last_rx.code == 48 || h.last_rx.code == 116
				 ? ": our client certificate was not accepted" : "");
			return;
		}
		break;
	default:
		break;
	}
	wolfSSL_ERR_error_string_n((unsigned long)err, buf, sizeof(buf));
	snprintf(t->reason, sizeof(t->reason), "TLS with %s failed: %s (%d)", t->host, buf, err);
}

int gw_tls_handshake(struct gw_tls *t)
{
	WOLFSSL_X509 *peer;
	const char *cipher;
	int rc, err;

	if (t->done)
		return 0;
	rc = wolfSSL_connect(t->ssl);
	if (rc != WOLFSSL_SUCCESS) {
		err = wolfSSL_get_error(t->ssl, rc);
		if (err == WOLFSSL_ERROR_WANT_READ || err == WOLFSSL_ERROR_WANT_WRITE)
			return 1;
		set_reason(t, err);
		return -EPROTO;
	}
	/*
	 * Belt and braces: the suite list already excludes anonymous key
	 * exchange, but a session without a verified peer certificate is
	 * never used, whatever was negotiated.
	 */
	peer = wolfSSL_get_peer_certificate(t->ssl);
	cipher = wolfSSL_get_cipher_name(t->ssl);
	if (!peer || (cipher && (strstr(cipher, "ADH") || strstr(cipher, "anon") ||
				 strstr(cipher, "NULL")))) {
		if (peer)
			wolfSSL_X509_free(peer);
		snprintf(t->reason, sizeof(t->reason),
			 "%s completed a handshake without a certificate: refused", t->host);
		return -EPROTO;
	}
	wolfSSL_X509_free(peer);
	t->done = true;
#ifdef FP_ECC
	/*
	 * wolfCrypt keeps tables of precomputed curve points from the
	 * handshake's signatures (about 4 MB on the heap) for the next one;
	 * a session lasts hours, so they go: the next handshake computes
	 * them again.
	 */
	wc_ecc_fp_free();
#endif
	return 0;
}

int gw_tls_read(struct gw_tls *t, struct evbuffer *plain)
{
	struct evbuffer_iovec v;
	int n, err;

	for (;;) {
		if (evbuffer_reserve_space(plain, READ_CHUNK, &v, 1) < 1)
			return -ENOMEM;
		n = wolfSSL_read(t->ssl, v.iov_base, READ_CHUNK);
		if (n > 0) {
			v.iov_len = (size_t)n;
			evbuffer_commit_space(plain, &v, 1);
			continue;
		}
		evbuffer_commit_space(plain, &v, 0);
		err = wolfSSL_get_error(t->ssl, n);
		if (err == WOLFSSL_ERROR_WANT_READ || err == WOLFSSL_ERROR_WANT_WRITE) {
			/* nothing decrypted is left behind in wolfSSL */
			if (wolfSSL_pending(t->ssl) > 0)
				continue;
			return 0;
		}
		if (err == WOLFSSL_ERROR_ZERO_RETURN)
			return 1;
		if (err == SOCKET_PEER_CLOSED_E || (t->eof && evbuffer_get_length(t->in) == 0)) {
			snprintf(t->reason, sizeof(t->reason), "%s closed the connection", t->host);
			return 1;
		}
		set_reason(t, err);
		return -EPROTO;
	}
}

int gw_tls_write(struct gw_tls *t, struct evbuffer *plain)
{
	while (evbuffer_get_length(plain)) {
		struct evbuffer_iovec v;
		int n, err;

		if (evbuffer_peek(plain, -1, NULL, &v, 1) < 1)
			break;
		if (v.iov_len > READ_CHUNK)
			v.iov_len = READ_CHUNK;
		n = wolfSSL_write(t->ssl, v.iov_base, (int)v.iov_len);
		if (n <= 0) {
			err = wolfSSL_get_error(t->ssl, n);
			set_reason(t, err);
			return -EPROTO;
		}
		evbuffer_drain(plain, (size_t)n);
	}
	return 0;
}

void gw_tls_close(struct gw_tls *t)
{
	if (t->done && !t->eof)
		wolfSSL_shutdown(t->ssl);
}

const char *gw_tls_reason(const struct gw_tls *t)
{
	return t->reason[0] ? t->reason : "TLS failed";
}

const char *gw_tls_version(struct gw_tls *t)
{
	return wolfSSL_get_version(t->ssl);
}

const char *gw_tls_cipher(struct gw_tls *t)
{
	const char *c = wolfSSL_get_cipher_name(t->ssl);

	return c ? c : "?";
}
