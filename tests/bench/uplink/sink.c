/*
 * gw-bench-sink: a minimal cloud for the drain benchmark, in C, because the
 * Python test cloud is far slower than the gateway. It speaks the upload
 * endpoint's success path only: TLS (wolfSSL), HTTP/1.1 keep-alive framed by
 * http-parser, a gzip body inflated and its records counted, and
 * {"accepted": N, "duplicates": 0}. It checks nothing else: use tests/cloud
 * for the contract. One thread per connection.
 *
 *   gw-bench-sink PORT CERT KEY      prints {"ready": true, "port": P} when up
 *
 * On SIGTERM it prints its totals as one JSON line.
 */
#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
#include <wolfssl/wolfcrypt/ecc.h>

#include <arpa/inet.h>
#include <http_parser.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

static WOLFSSL_CTX *ctx;
static _Atomic uint64_t total_requests, total_records, total_body, total_inflated;
static volatile sig_atomic_t stop;

struct conn {
	int fd;
	WOLFSSL *ssl;
	http_parser p;
	z_stream z;
	bool gz, z_on;
	uint64_t records;
	char tail[8];          /* the last bytes of the previous chunk, for matches across */
	size_t tail_len;
	bool complete, keep_alive;
	char field[32];
	size_t flen;
	bool in_value;
	enum { H_NONE, H_ENC } cur;
};

/* Count "seq": in decoded JSON, also across chunk boundaries. */
static void count(struct conn *c, const unsigned char *p, size_t n)
{
	static const char pat[] = "\"seq\":";
	const size_t pl = sizeof(pat) - 1;
	char join[16];
	size_t jl = c->tail_len;

	memcpy(join, c->tail, jl);
	memcpy(join + jl, p, n < pl - 1 ? n : pl - 1);
	for (size_t i = 0; i + pl <= jl + (n < pl - 1 ? n : pl - 1); i++)
		if (memcmp(join + i, pat, pl) == 0)
			c->records++;
	for (const unsigned char *q = p; (q = memmem(q, n - (size_t)(q - p), pat, pl)); q += pl)
		c->records++;
	c->tail_len = n < pl - 1 ? n : pl - 1;
	memcpy(c->tail, p + n - c->tail_len, c->tail_len);
}

static int on_begin(http_parser *p)
{
	struct conn *c = p->data;

	c->records = 0;
	c->tail_len = 0;
	c->gz = false;
	c->flen = 0;
	c->in_value = false;
	return 0;
}

static int on_field(http_parser *p, const char *at, size_t n)
{
	struct conn *c = p->data;

	if (c->in_value) {
		c->in_value = false;
		c->flen = 0;
	}
	for (size_t i = 0; i < n && c->flen < sizeof(c->field) - 1; i++)
		c->field[c->flen++] = (char)(at[i] | 0x20);
	c->field[c->flen] = '\0';
	return 0;
}

static int on_value(http_parser *p, const char *at, size_t n)
{
	struct conn *c = p->data;

	c->in_value = true;
	if (strcmp(c->field, "content-encoding") == 0 && n >= 4 && memcmp(at, "gzip", 4) == 0)
		c->gz = true;
	return 0;
}

static int on_headers(http_parser *p)
{
	struct conn *c = p->data;

	if (c->gz) {
		if (c->z_on)
			inflateReset(&c->z);
		else
			inflateInit2(&c->z, 15 + 16);
		c->z_on = true;
	}
	return 0;
}

static int on_body(http_parser *p, const char *at, size_t n)
{
	struct conn *c = p->data;
	unsigned char out[65536];

	atomic_fetch_add(&total_body, n);
	if (!c->gz) {
		count(c, (const unsigned char *)at, n);
		atomic_fetch_add(&total_inflated, n);
		return 0;
	}
	c->z.next_in = (unsigned char *)at;
	c->z.avail_in = (uInt)n;
	while (c->z.avail_in) {
		int zr;
		c->z.next_out = out;
		c->z.avail_out = sizeof(out);
		zr = inflate(&c->z, Z_NO_FLUSH);
		count(c, out, sizeof(out) - c->z.avail_out);
		atomic_fetch_add(&total_inflated, sizeof(out) - c->z.avail_out);
		if (zr == Z_STREAM_END)
			break;
		if (zr != Z_OK)
			return -1;
	}
	return 0;
}

static int on_complete(http_parser *p)
{
	struct conn *c = p->data;

	c->complete = true;
	c->keep_alive = http_should_keep_alive(p);
	http_parser_pause(p, 1);
	return 0;
}

static void *serve(void *arg)
{
	struct conn *c = arg;
	http_parser_settings s;
	char buf[65536], ans[256];
	size_t have = 0;
	int n, one = 1;

	http_parser_settings_init(&s);
	s.on_message_begin = on_begin;
	s.on_header_field = on_field;
	s.on_header_value = on_value;
	s.on_headers_complete = on_headers;
	s.on_body = on_body;
	s.on_message_complete = on_complete;
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->ssl = wolfSSL_new(ctx);
	wolfSSL_set_fd(c->ssl, c->fd);
	if (wolfSSL_accept(c->ssl) != WOLFSSL_SUCCESS)
		goto out;
	http_parser_init(&c->p, HTTP_REQUEST);
	c->p.data = c;
	while (!stop) {
		size_t used;
		if (have == 0) {
			n = wolfSSL_read(c->ssl, buf, sizeof(buf));
			if (n <= 0)
				break;
			have = (size_t)n;
		}
		used = http_parser_execute(&c->p, &s, buf, have);
		memmove(buf, buf + used, have - used);
		have -= used;
		if (HTTP_PARSER_ERRNO(&c->p) != HPE_OK && HTTP_PARSER_ERRNO(&c->p) != HPE_PAUSED)
			break;
		if (c->complete) {
			int bl = snprintf(buf + sizeof(buf) - 64, 64,
					  "{\"accepted\": %llu, \"duplicates\": 0}",
					  (unsigned long long)c->records);
			int al = snprintf(ans, sizeof(ans), "HTTP/1.1 200 OK\r\nContent-Type: "
					  "application/json\r\nContent-Length: %d\r\n\r\n%s", bl,
					  buf + sizeof(buf) - 64);
			atomic_fetch_add(&total_requests, 1);
			atomic_fetch_add(&total_records, c->records);
			if (wolfSSL_write(c->ssl, ans, al) != al || !c->keep_alive)
				break;
			c->complete = false;
			http_parser_init(&c->p, HTTP_REQUEST);
			c->p.data = c;
		}
	}
out:
	wolfSSL_free(c->ssl);
	close(c->fd);
	if (c->z_on)
		inflateEnd(&c->z);
	free(c);
	wc_ecc_fp_free();
	return NULL;
}

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	int lfd, one = 1;

	if (argc < 4) {
		fprintf(stderr, "usage: gw-bench-sink PORT CERT KEY\n");
		return 2;
	}
	struct sigaction sa = {.sa_handler = on_term}; /* no SA_RESTART: accept() returns */

	signal(SIGPIPE, SIG_IGN);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	wolfSSL_Init();
	ctx = wolfSSL_CTX_new(wolfSSLv23_server_method());
	if (wolfSSL_CTX_use_certificate_chain_file(ctx, argv[2]) != WOLFSSL_SUCCESS ||
	    wolfSSL_CTX_use_PrivateKey_file(ctx, argv[3], WOLFSSL_FILETYPE_PEM) != WOLFSSL_SUCCESS) {
		fprintf(stderr, "gw-bench-sink: cannot load %s / %s\n", argv[2], argv[3]);
		return 1;
	}
	wolfSSL_CTX_set_verify(ctx, WOLFSSL_VERIFY_NONE, NULL);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	a.sin_port = htons((uint16_t)atoi(argv[1]));
	if (bind(lfd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(lfd, 16) < 0) {
		perror("gw-bench-sink");
		return 1;
	}
	getsockname(lfd, (struct sockaddr *)&a, &len);
	printf("{\"ready\": true, \"port\": %u}\n", ntohs(a.sin_port));
	fflush(stdout);
	while (!stop) {
		struct conn *c;
		pthread_t th;
		int fd = accept(lfd, NULL, NULL);
		if (fd < 0)
			continue;
		c = calloc(1, sizeof(*c));
		c->fd = fd;
		pthread_create(&th, NULL, serve, c);
		pthread_detach(th);
	}
	printf("{\"requests\": %llu, \"records\": %llu, \"body_bytes\": %llu, "
	       "\"inflated_bytes\": %llu}\n", (unsigned long long)total_requests,
	       (unsigned long long)total_records, (unsigned long long)total_body,
	       (unsigned long long)total_inflated);
	return 0;
}
