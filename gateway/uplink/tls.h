/*
 * TLS with wolfSSL's native API over byte buffers, not sockets: wolfSSL's
 * custom I/O callbacks take ciphertext from one evbuffer and put ciphertext
 * into another. Whatever moves those bytes (a socket bufferevent, or the
 * plaintext side of another TLS session, for TLS to a proxy with TLS to the
 * cloud inside it) is the caller's business, so the same session code runs
 * directly on a socket or inside a tunnel and never blocks.
 *
 * Policy, the same for every connection off the site: TLS 1.2 or 1.3 only;
 * AEAD suites only (TLS 1.3, and TLS 1.2 ECDHE with AES-GCM or
 * ChaCha20-Poly1305), because the distribution's library would otherwise
 * offer anonymous, NULL and RC4 suites; the peer's certificate verified
 * against the configured CA bundle and the host name; a peer without a
 * certificate refused.
 */
#ifndef GW_TLS_H
#define GW_TLS_H

#include <event2/buffer.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The cipher list set on every context (OpenSSL-style names, wolfSSL's spelling). */
extern const char gw_tls_ciphers[];

struct gw_tls_ctx_opts {
	const char *ca_file;     /* required: the bundle the peer is verified against */
	const char *cert_file;   /* optional client certificate (mutual TLS) */
	const char *key_file;    /* its key; with cert_file */
};

struct gw_tls_ctx;
struct gw_tls;

/* Release the library's per-thread caches (at exit, on the loop thread). */
void gw_tls_cleanup(void);

/* NULL on failure with a reason for the log (file names, never key material). */
struct gw_tls_ctx *gw_tls_ctx_new(const struct gw_tls_ctx_opts *o, char *reason, size_t len);
void gw_tls_ctx_free(struct gw_tls_ctx *c);

/*
 * A client session to `host` (SNI and verification) reading ciphertext from
 * `in` and writing it to `out`; both borrowed, they must outlive it.
 */
struct gw_tls *gw_tls_new(struct gw_tls_ctx *c, const char *host, struct evbuffer *in,
			  struct evbuffer *out);
void gw_tls_free(struct gw_tls *t);

/* The layer below has closed: a read that finds `in` empty sees the end. */
void gw_tls_set_eof(struct gw_tls *t);

/* Drive the handshake: 0 done, 1 waiting for the peer, < 0 refused (see reason). */
int gw_tls_handshake(struct gw_tls *t);
/*
 * Decrypt everything `in` holds into `plain`, until wolfSSL has nothing
 * buffered either. 0: fine (maybe nothing new), 1: the peer closed, < 0: error.
 */
int gw_tls_read(struct gw_tls *t, struct evbuffer *plain);
/* Encrypt all of `plain` (drained) into `out`. 0 or < 0. */
int gw_tls_write(struct gw_tls *t, struct evbuffer *plain);
/* Queue a close_notify into `out`. */
void gw_tls_close(struct gw_tls *t);

/* Why the last call failed, in words an operator can act on. */
const char *gw_tls_reason(const struct gw_tls *t);
const char *gw_tls_version(struct gw_tls *t);
const char *gw_tls_cipher(struct gw_tls *t);

#endif
