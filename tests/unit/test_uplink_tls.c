/*
 * TLS on the loop through wolfSSL's custom I/O: a verified session carries
 * data both ways; a wrong CA, a wrong host name, an expired certificate, an
 * anonymous server (no certificate at all) and a server with only non-AEAD
 * suites are each refused with a reason that says so. The servers are
 * wolfSSL in a thread; the PKI comes from tests/cloud/certs.py.
 */
#include "uplink/conn.h"
#include "uplink/tls.h"

#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
#include <wolfssl/wolfcrypt/ecc.h>

#include <arpa/inet.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "testutil.h"

static char pki[128];

struct server {
	const char *cert, *key, *ciphers;
	bool anon, tls12_only, client_auth;
	int lfd;
	uint16_t port;
	pthread_t th;
	int accepted;       /* 1: handshake done */
};

static void path(char *out, size_t n, const char *name)
{
	snprintf(out, n, "%s/%s", pki, name);
}

static void *serve(void *arg)
{
	struct server *s = arg;
	WOLFSSL_CTX *ctx;
	WOLFSSL *ssl;
	char p1[256], p2[256], buf[4096];
	int fd, n;

	ctx = wolfSSL_CTX_new(s->tls12_only || s->anon ? wolfTLSv1_2_server_method()
						       : wolfSSLv23_server_method());
	if (s->anon) {
		wolfSSL_CTX_allow_anon_cipher(ctx);
	} else {
		path(p1, sizeof(p1), s->cert);
		path(p2, sizeof(p2), s->key);
		wolfSSL_CTX_use_certificate_file(ctx, p1, WOLFSSL_FILETYPE_PEM);
		wolfSSL_CTX_use_PrivateKey_file(ctx, p2, WOLFSSL_FILETYPE_PEM);
	}
	if (s->ciphers)
		wolfSSL_CTX_set_cipher_list(ctx, s->ciphers);
	if (s->client_auth) {
		path(p1, sizeof(p1), "ca.crt");
		wolfSSL_CTX_load_verify_locations(ctx, p1, NULL);
		wolfSSL_CTX_set_verify(ctx, WOLFSSL_VERIFY_PEER | WOLFSSL_VERIFY_FAIL_IF_NO_PEER_CERT,
				       NULL);
	} else {
		wolfSSL_CTX_set_verify(ctx, WOLFSSL_VERIFY_NONE, NULL);
	}
	fd = accept(s->lfd, NULL, NULL);
	ssl = wolfSSL_new(ctx);
	wolfSSL_set_fd(ssl, fd);
	if (wolfSSL_accept(ssl) == WOLFSSL_SUCCESS) {
		s->accepted = 1;
		/* echo until the client goes */
		while ((n = wolfSSL_read(ssl, buf, sizeof(buf))) > 0)
			if (wolfSSL_write(ssl, buf, n) != n)
				break;
	}
	wolfSSL_free(ssl);
	close(fd);
	wolfSSL_CTX_free(ctx);
	wc_ecc_fp_free(); /* the thread's fixed-point cache */
	return NULL;
}

static void server_start(struct server *s)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	int one = 1;

	s->lfd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(s->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	assert_int_equal(bind(s->lfd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(s->lfd, 4), 0);
	getsockname(s->lfd, (struct sockaddr *)&a, &len);
	s->port = ntohs(a.sin_port);
	pthread_create(&s->th, NULL, serve, s);
}

static void server_join(struct server *s)
{
	pthread_join(s->th, NULL);
	close(s->lfd);
}

struct client {
	struct event_base *base;
	struct gw_conn *c;
	bool ready, closed;
	char reason[600];
	struct evbuffer *got;
};

static void on_ready(struct gw_conn *c, void *arg)
{
	struct client *cl = arg;
	struct evbuffer *b = evbuffer_new();

	cl->ready = true;
	evbuffer_add_printf(b, "hello through TLS");
	assert_int_equal(gw_conn_write(c, b), 0);
	evbuffer_free(b);
}

static void on_readable(struct gw_conn *c, void *arg)
{
	struct client *cl = arg;

	evbuffer_add_buffer(cl->got, gw_conn_input(c));
	if (evbuffer_get_length(cl->got) >= 17)
		event_base_loopbreak(cl->base);
}

static void on_closed(struct gw_conn *c, int err, const char *reason, void *arg)
{
	struct client *cl = arg;

	(void)c;
	(void)err;
	cl->closed = true;
	snprintf(cl->reason, sizeof(cl->reason), "%s", reason);
	event_base_loopbreak(cl->base);
}

/* Connect to the server as the uplink would; returns after success or refusal. */
static void run_client(struct client *cl, const struct server *s, const char *host,
		       const char *ca)
{
	char cafile[256], cert[256], key[256], reason[256];
	struct gw_tls_ctx_opts to = {cafile, cert, key};
	struct gw_tls_ctx *tc;
	struct evdns_base *dns;
	struct gw_conn_cbs cbs = {on_ready, on_readable, on_closed};
	struct gw_conn_opts o;

	path(cafile, sizeof(cafile), ca);
	path(cert, sizeof(cert), "client.crt");
	path(key, sizeof(key), "client.key");
	memset(cl, 0, sizeof(*cl));
	cl->base = event_base_new();
	cl->got = evbuffer_new();
	dns = evdns_base_new(cl->base, 0);
	evdns_base_load_hosts(dns, NULL);
	tc = gw_tls_ctx_new(&to, reason, sizeof(reason));
	assert_non_null(tc);
	o = (struct gw_conn_opts){.host = host, .port = s->port, .tls = tc, .dns = dns,
				  .timeout_ms = 5000};
	cl->c = gw_conn_new(cl->base, &o, &cbs, cl);
	assert_non_null(cl->c);
	assert_int_equal(gw_conn_start(cl->c), 0);
	event_base_dispatch(cl->base);
	if (cl->ready && !cl->closed)
		fprintf(stderr, "# %s\n", gw_conn_describe(cl->c));
	gw_conn_free(cl->c);
	gw_tls_ctx_free(tc);
	evdns_base_free(dns, 0);
	evbuffer_free(cl->got);
	event_base_free(cl->base);
}

static void test_verified_session_with_client_cert(void **state)
{
	struct server s = {.cert = "server.crt", .key = "server.key", .client_auth = true};
	struct client cl;

	(void)state;
	server_start(&s);
	run_client(&cl, &s, "localhost", "ca.crt");
	server_join(&s);
	assert_true(cl.ready);
	assert_false(cl.closed);
	assert_int_equal(s.accepted, 1);
}

static void test_tls12_aead(void **state)
{
	struct server s = {.cert = "server.crt", .key = "server.key", .tls12_only = true};
	struct client cl;

	(void)state;
	server_start(&s);
	run_client(&cl, &s, "localhost", "ca.crt");
	server_join(&s);
	assert_true(cl.ready);
}

static void expect_refused(const char *cert, const char *key, const char *host,
			   const char *ca, const char *needle)
{
	struct server s = {.cert = cert, .key = key};
	struct client cl;

	server_start(&s);
	run_client(&cl, &s, host, ca);
	server_join(&s);
	fprintf(stderr, "# refused: %s\n", cl.reason);
	assert_false(cl.ready);
	assert_true(cl.closed);
	assert_non_null(strstr(cl.reason, needle));
}

static void test_wrong_ca(void **state)
{
	(void)state;
	expect_refused("wrong-ca-server.crt", "wrong-ca-server.key", "localhost", "ca.crt",
		       "not signed by a CA");
}

static void test_wrong_host(void **state)
{
	(void)state;
	expect_refused("wrong-host.crt", "wrong-host.key", "localhost", "ca.crt",
		       "host name mismatch");
}

static void test_expired(void **state)
{
	(void)state;
	expect_refused("expired.crt", "expired.key", "localhost", "ca.crt", "expired");
}

static void test_not_yet_valid(void **state)
{
	(void)state;
	expect_refused("not-yet-valid.crt", "not-yet-valid.key", "localhost", "ca.crt",
		       "not valid yet");
}

/* A blocking wolfSSL client with the library's own defaults: what we must not be. */
static int default_client_handshake(uint16_t port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	WOLFSSL_CTX *ctx = wolfSSL_CTX_new(wolfSSLv23_client_method());
	WOLFSSL *ssl;
	int fd = socket(AF_INET, SOCK_STREAM, 0), ok;
	char ca[256];

	path(ca, sizeof(ca), "ca.crt");
	wolfSSL_CTX_load_verify_locations(ctx, ca, NULL);
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	ssl = wolfSSL_new(ctx);
	wolfSSL_set_fd(ssl, fd);
	ok = wolfSSL_connect(ssl) == WOLFSSL_SUCCESS;
	if (ok)
		fprintf(stderr, "# library defaults negotiated %s with an anonymous server\n",
			wolfSSL_get_cipher_name(ssl));
	wolfSSL_free(ssl);
	close(fd);
	wolfSSL_CTX_free(ctx);
	return ok;
}

static void test_anonymous_server_refused(void **state)
{
	struct server s = {.anon = true, .ciphers = "ADH-AES256-GCM-SHA384:ADH-AES128-SHA"};
	struct client cl;
	int lib;

	(void)state;
	/* the control: wolfSSL's defaults do talk to this server */
	server_start(&s);
	lib = default_client_handshake(s.port);
	server_join(&s);
	fprintf(stderr, "# library defaults with an anonymous server: %s\n",
		lib ? "handshake completed" : "refused");
	assert_int_equal(lib, 1); /* so the server really is anonymous */

	s = (struct server){.anon = true, .ciphers = "ADH-AES256-GCM-SHA384:ADH-AES128-SHA"};
	server_start(&s);
	run_client(&cl, &s, "localhost", "ca.crt");
	server_join(&s);
	fprintf(stderr, "# ours: %s\n", cl.reason);
	assert_false(cl.ready);
	assert_int_equal(s.accepted, 0);
	assert_true(strstr(cl.reason, "refused the handshake") ||
		    strstr(cl.reason, "no common cipher suite"));
}

static void test_cbc_only_server_refused(void **state)
{
	struct server s = {.cert = "server.crt", .key = "server.key", .tls12_only = true,
			   .ciphers = "ECDHE-ECDSA-AES128-SHA256:ECDHE-ECDSA-AES256-SHA"};
	struct client cl;

	(void)state;
	server_start(&s);
	run_client(&cl, &s, "localhost", "ca.crt");
	server_join(&s);
	assert_false(cl.ready);
	assert_int_equal(s.accepted, 0);
}

static void test_cipher_list_is_aead_only(void **state)
{
	(void)state;
	assert_null(strstr(gw_tls_ciphers, "ADH"));
	assert_null(strstr(gw_tls_ciphers, "NULL"));
	assert_null(strstr(gw_tls_ciphers, "RC4"));
	assert_null(strstr(gw_tls_ciphers, "-SHA:"));
	assert_null(strstr(gw_tls_ciphers, "CBC"));
	for (const char *p = gw_tls_ciphers; p; p = strchr(p, ':')) {
		if (*p == ':')
			p++;
		assert_true(strncmp(p, "TLS13-", 6) == 0 || strncmp(p, "ECDHE-", 6) == 0);
	}
}

static int make_pki(void **state)
{
	const char *root = getenv("SOURCE_ROOT");
	char cmd[512];

	(void)state;
	strcpy(pki, "/tmp/gw-tls-XXXXXX");
	if (!mkdtemp(pki))
		return -1;
	snprintf(cmd, sizeof(cmd),
		 "python3 %s/tests/cloud/certs.py %s/pki --gateway-id gw-test-0001 >/dev/null",
		 root ? root : ".", pki);
	strcat(pki, "/pki");
	return system(cmd) == 0 ? 0 : -1;
}

static int drop_pki(void **state)
{
	char cmd[256];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%.*s'", (int)(strlen(pki) - 4), pki);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cipher_list_is_aead_only),
		cmocka_unit_test(test_verified_session_with_client_cert),
		cmocka_unit_test(test_tls12_aead),
		cmocka_unit_test(test_wrong_ca),
		cmocka_unit_test(test_wrong_host),
		cmocka_unit_test(test_expired),
		cmocka_unit_test(test_not_yet_valid),
		cmocka_unit_test(test_anonymous_server_refused),
		cmocka_unit_test(test_cbc_only_server_refused),
	};
	int rc;

	signal(SIGPIPE, SIG_IGN);
	/* The test servers run on their own threads and their first
	 * wolfSSL_CTX_new() would initialise the library's global RNG while
	 * the client side does the same: initialise once, before any thread. */
	wolfSSL_Init();
	rc = cmocka_run_group_tests(tests, make_pki, drop_pki);
	gw_tls_cleanup();
	wolfSSL_Cleanup();
	return rc;
}
