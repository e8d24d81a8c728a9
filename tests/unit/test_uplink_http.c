/*
 * The pure parts of the uplink: the answer table, Retry-After in both
 * forms, response framing, what an answer means to the uploader, the
 * proxy's answer to CONNECT, the proxy URL (percent-decoded credentials),
 * no_proxy matching and the environment fallback, Basic authentication.
 */
#include "uplink/http.h"
#include "uplink/proxy.h"
#include "uplink/uploader.h"

#include <event2/buffer.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

static void test_answer_table(void **state)
{
	static const int accepted[] = {200, 201, 202, 409};
	static const int refused[] = {400, 413, 422};

	(void)state;
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(gw_uplink_decide(accepted[i]), GW_UP_ACCEPTED);
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(gw_uplink_decide(refused[i]), GW_UP_REFUSED);
	assert_int_equal(gw_uplink_decide(401), GW_UP_CREDENTIALS);
	assert_int_equal(gw_uplink_decide(403), GW_UP_CREDENTIALS);
	assert_int_equal(gw_uplink_decide(429), GW_UP_SLOW_DOWN);
	assert_int_equal(gw_uplink_decide(503), GW_UP_SLOW_DOWN);
	/* anything the table does not name is transient, never a drop */
	for (int s = 100; s < 600; s++) {
		enum gw_uplink_action a = gw_uplink_decide(s);
		if (s == 200 || s == 201 || s == 202 || s == 409 || s == 400 || s == 413 ||
		    s == 422 || s == 401 || s == 403 || s == 429 || s == 503)
			continue;
		assert_int_equal(a, GW_UP_TRANSIENT);
	}
}

static void test_retry_after(void **state)
{
	/* Sun, 06 Nov 1994 08:49:37 GMT, the RFC's own example */
	int64_t t = 784111777000LL;
	int64_t cap = 3600000;

	(void)state;
	assert_int_equal(gw_http_retry_after_ms("120", t, cap), 120000);
	assert_int_equal(gw_http_retry_after_ms(" 0 ", t, cap), 0);
	assert_int_equal(gw_http_retry_after_ms("86400", t, cap), cap);
	assert_int_equal(gw_http_retry_after_ms("99999999999999999999", t, cap), cap);
	assert_int_equal(gw_http_retry_after_ms("Sun, 06 Nov 1994 08:49:47 GMT", t, cap), 10000);
	assert_int_equal(gw_http_retry_after_ms("Sunday, 06-Nov-94 08:49:57 GMT", t, cap), 20000);
	assert_int_equal(gw_http_retry_after_ms("Sun Nov  6 08:50:07 1994", t, cap), 30000);
	assert_int_equal(gw_http_retry_after_ms("Sun, 06 Nov 1994 08:00:00 GMT", t, cap), 0);
	assert_int_equal(gw_http_retry_after_ms("Mon, 07 Nov 1994 08:49:37 GMT", t, cap), cap);
	assert_int_equal(gw_http_retry_after_ms("soon", t, cap), -1);
	assert_int_equal(gw_http_retry_after_ms("-5", t, cap), -1);
	assert_int_equal(gw_http_retry_after_ms("12abc", t, cap), -1);
}

static int feed_str(struct gw_http_parser *p, const char *s)
{
	struct evbuffer *b = evbuffer_new();
	int rc;

	evbuffer_add(b, s, strlen(s));
	rc = gw_http_parser_feed(p, b);
	evbuffer_free(b);
	return rc;
}

static void test_response_framing(void **state)
{
	struct gw_http_parser *p = gw_http_parser_new(false);
	const struct gw_http_response *r;
	struct evbuffer *b = evbuffer_new();

	(void)state;
	/* a body in two pieces, then the next response's first bytes stay */
	assert_int_equal(feed_str(p, "HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nhello "), 0);
	evbuffer_add_printf(b, "worldHTTP/1.1 204");
	assert_int_equal(gw_http_parser_feed(p, b), 1);
	r = gw_http_parser_response(p);
	assert_int_equal(r->status, 200);
	assert_true(r->keep_alive);
	assert_string_equal(r->body, "hello world");
	assert_int_equal(evbuffer_get_length(b), 12);

	gw_http_parser_reset(p, false);
	assert_int_equal(feed_str(p, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 503 Busy\r\n"
				     "Retry-After: 7\r\nConnection: close\r\n"
				     "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"), 1);
	r = gw_http_parser_response(p);
	assert_int_equal(r->status, 503);
	assert_string_equal(r->retry_after, "7");
	assert_false(r->keep_alive);
	assert_string_equal(r->body, "abc");

	gw_http_parser_reset(p, false);
	assert_true(feed_str(p, "SSH-2.0-OpenSSH\r\n") < 0);

	/* the answer to CONNECT has no body, whatever it announces */
	gw_http_parser_reset(p, true);
	assert_int_equal(feed_str(p, "HTTP/1.1 200 Connection established\r\n\r\n"), 1);
	assert_int_equal(gw_http_parser_response(p)->status, 200);
	gw_http_parser_free(p);
	evbuffer_free(b);
}

static void test_answer_reading(void **state)
{
	struct gw_http_parser *p = gw_http_parser_new(false);
	const struct gw_http_response *r;
	struct gw_uplink_answer a;
	/* Sun, 06 Nov 1994 08:49:37 GMT */
	int64_t t = 784111777000LL;

	(void)state;
	assert_int_equal(feed_str(p, "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 7\r\n"
				     "Content-Length: 14\r\n\r\n{\"error\": \"x\"}"), 1);
	r = gw_http_parser_response(p);
	assert_string_equal(r->phrase, "Service Unavailable");
	gw_uplink_read_answer(r, t, &a);
	assert_int_equal(a.action, GW_UP_SLOW_DOWN);
	assert_int_equal(a.wait_ms, 7000);
	assert_false(a.close);
	assert_string_equal(a.retry_after, "7");
	assert_string_equal(a.body, "{\"error\": \"x\"}");

	/* a date, a closing connection, and bytes that must not reach the log raw */
	gw_http_parser_reset(p, false);
	assert_int_equal(feed_str(p, "HTTP/1.1 429 Slow\r\nRetry-After: Sun, 06 Nov 1994 "
				     "08:49:47 GMT\r\nConnection: close\r\nContent-Length: 11\r\n"
				     "\r\na\x1b[2J\n\n  b\xff"), 1);
	gw_uplink_read_answer(gw_http_parser_response(p), t, &a);
	assert_int_equal(a.wait_ms, 10000);
	assert_true(a.close);
	assert_string_equal(a.body, "a\\x1b[2J b\\xff");

	/* unreadable Retry-After: back off instead; escaped for the log */
	gw_http_parser_reset(p, false);
	assert_int_equal(feed_str(p, "HTTP/1.1 503 X\r\nRetry-After: soon\xc3\xa9\r\n"
				     "Content-Length: 0\r\n\r\n"), 1);
	gw_uplink_read_answer(gw_http_parser_response(p), t, &a);
	assert_int_equal(a.wait_ms, -1);
	assert_string_equal(a.retry_after, "soon\\xc3\\xa9");

	/* a body with a NUL byte is cut there for the log, not read past */
	gw_http_parser_reset(p, false);
	assert_int_equal(feed_str(p, "HTTP/1.1 400 Bad\r\nContent-Length: 3\r\n\r\n"), 0);
	{
		struct evbuffer *b = evbuffer_new();
		evbuffer_add(b, "x\0y", 3);
		assert_int_equal(gw_http_parser_feed(p, b), 1);
		evbuffer_free(b);
	}
	gw_uplink_read_answer(gw_http_parser_response(p), t, &a);
	assert_int_equal(a.action, GW_UP_REFUSED);
	assert_string_equal(a.body, "x\\x00y");

	/* one or two digits are not an HTTP status */
	gw_http_parser_reset(p, false);
	assert_true(feed_str(p, "HTTP/1.1 1 X\r\nContent-Length: 0\r\n\r\n") < 0);
	assert_non_null(strstr(gw_http_parser_reason(p), "status code 1"));
	gw_http_parser_free(p);
}

static void test_connect_answer(void **state)
{
	struct gw_http_parser *p = gw_http_parser_new(true);
	struct evbuffer *b = evbuffer_new();
	char why[300];

	(void)state;
	/* in pieces; the cloud's first TLS bytes right behind the head stay */
	evbuffer_add_printf(b, "HTTP/1.1 200 Connection est");
	assert_int_equal(gw_proxy_connect_answer(p, b, why, sizeof(why)), 0);
	evbuffer_add_printf(b, "ablished\r\nContent-Length: 5\r\n\r\n\x16\x03\x03");
	assert_int_equal(gw_proxy_connect_answer(p, b, why, sizeof(why)), 1);
	assert_int_equal(evbuffer_get_length(b), 3);
	evbuffer_drain(b, 3);

	gw_http_parser_reset(p, true);
	evbuffer_add_printf(b, "HTTP/1.1 407 Proxy Authentication Required\r\n"
			    "Proxy-Authenticate: Basic realm=\"x\"\r\nContent-Length: 3\r\n\r\n");
	assert_int_equal(gw_proxy_connect_answer(p, b, why, sizeof(why)), -ECONNREFUSED);
	assert_string_equal(why, "the proxy refused the tunnel: HTTP 407 Proxy Authentication "
				 "Required (check proxy.user and proxy.password_file)");

	gw_http_parser_reset(p, true);
	evbuffer_drain(b, evbuffer_get_length(b));
	evbuffer_add_printf(b, "HTTP/1.1 403 \x1b[2J\r\n\r\n");
	assert_int_equal(gw_proxy_connect_answer(p, b, why, sizeof(why)), -ECONNREFUSED);
	assert_non_null(strstr(why, "HTTP 403 \\x1b[2J (the proxy's rules forbid"));

	gw_http_parser_reset(p, true);
	evbuffer_drain(b, evbuffer_get_length(b));
	evbuffer_add(b, "\x16\x03\x01\x00\x05hello", 10);
	assert_true(gw_proxy_connect_answer(p, b, why, sizeof(why)) < 0);
	assert_non_null(strstr(why, "is not HTTP"));
	gw_http_parser_free(p);
	evbuffer_free(b);
}

static void test_proxy_url_credentials(void **state)
{
	struct gw_proxy p = {0};
	char *user, *pass;
	const char *why = NULL;

	(void)state;
	assert_int_equal(gw_proxy_parse_url("http://al%40ice:p%40ss%3Aw%25rd@proxy.example:3128",
					    &p, &user, &pass, &why), 0);
	assert_string_equal(user, "al@ice");
	assert_string_equal(pass, "p@ss:w%rd");
	assert_string_equal(p.host, "proxy.example");
	assert_int_equal(p.port, 3128);
	assert_false(p.tls);
	free(user);
	free(pass);

	memset(&p, 0, sizeof(p));
	assert_int_equal(gw_proxy_parse_url("https://[2001:db8::1]", &p, &user, &pass, &why), 0);
	assert_string_equal(p.host, "2001:db8::1");
	assert_int_equal(p.port, 443);
	assert_true(p.tls);
	assert_null(user);

	memset(&p, 0, sizeof(p));
	assert_int_equal(gw_proxy_parse_url("proxy:8080", &p, &user, &pass, &why), 0);
	assert_string_equal(p.host, "proxy");
	assert_int_equal(p.port, 8080);

	assert_true(gw_proxy_parse_url("http://u:%zz@h:1", &p, &user, &pass, &why) < 0);
	assert_true(gw_proxy_parse_url("http://u:%00@h:1", &p, &user, &pass, &why) < 0);
	assert_true(gw_proxy_parse_url("http://h:99999", &p, &user, &pass, &why) < 0);
	assert_true(gw_proxy_parse_url("socks5://h:1080", &p, &user, &pass, &why) < 0);
}

static void test_no_proxy(void **state)
{
	const char *l = "localhost, .corp.example,*.lan, 10.0.0.0/8, [::1]:8443, cloud.test:444,"
			"fd00::/8";

	(void)state;
	assert_true(gw_no_proxy_match(l, "localhost", 443));
	assert_true(gw_no_proxy_match(l, "LOCALHOST", 443));
	assert_true(gw_no_proxy_match(l, "a.corp.example", 443));
	assert_true(gw_no_proxy_match(l, "corp.example", 443));
	assert_false(gw_no_proxy_match(l, "xcorp.example", 443));
	assert_true(gw_no_proxy_match(l, "printer.lan", 443));
	assert_true(gw_no_proxy_match(l, "10.20.30.40", 443));
	assert_false(gw_no_proxy_match(l, "11.0.0.1", 443));
	assert_true(gw_no_proxy_match(l, "::1", 8443));
	assert_false(gw_no_proxy_match(l, "::1", 443));
	assert_true(gw_no_proxy_match(l, "cloud.test", 444));
	assert_false(gw_no_proxy_match(l, "cloud.test", 443));
	assert_true(gw_no_proxy_match(l, "fd12::5", 443));
	assert_false(gw_no_proxy_match(l, "cloud.example.com", 443));
	assert_true(gw_no_proxy_match("*", "anything", 1));
	assert_false(gw_no_proxy_match("", "anything", 1));
}

static void test_proxy_load_env_and_auth(void **state)
{
	struct gw_proxy *p = NULL;
	struct gw_conf_proxy c = {0};
	struct evbuffer *b = evbuffer_new();
	char reason[200], *req;
	size_t n;

	(void)state;
	unsetenv("https_proxy");
	unsetenv("HTTPS_PROXY");
	unsetenv("no_proxy");
	unsetenv("NO_PROXY");
	assert_int_equal(gw_proxy_load(&c, &p, reason, sizeof(reason)), 0);
	assert_null(p);

	setenv("HTTPS_PROXY", "http://gw:s%40fe%3Apw%25@squid.lan:3128/", 1);
	setenv("no_proxy", "localhost", 1);
	assert_int_equal(gw_proxy_load(&c, &p, reason, sizeof(reason)), 0);
	assert_non_null(p);
	assert_true(p->from_env);
	assert_string_equal(p->host, "squid.lan");
	/* base64("gw:s@fe:pw%") */
	assert_string_equal(p->authorization, "Basic Z3c6c0BmZTpwdyU=");
	assert_false(gw_proxy_applies(p, "localhost", 443));
	assert_true(gw_proxy_applies(p, "cloud.example", 443));
	assert_int_equal(gw_proxy_write_connect(p, "cloud.example", 443, b), 0);
	n = evbuffer_get_length(b);
	req = (char *)evbuffer_pullup(b, -1);
	assert_true(n > 0 && strncmp(req, "CONNECT cloud.example:443 HTTP/1.1\r\n", 36) == 0);
	assert_non_null(memmem(req, n, "\r\nHost: cloud.example:443\r\n", 27));
	assert_non_null(memmem(req, n, "Proxy-Authorization: Basic Z3c6c0BmZTpwdyU=\r\n", 45));
	gw_proxy_free(p);

	/* the configuration wins over the environment */
	c.url = "https://proxy.site:8443";
	c.no_proxy = "";
	assert_int_equal(gw_proxy_load(&c, &p, reason, sizeof(reason)), 0);
	assert_false(p->from_env);
	assert_true(p->tls);
	assert_null(p->authorization);
	assert_true(gw_proxy_applies(p, "localhost", 443));
	gw_proxy_free(p);

	c.user = "a:b";
	assert_true(gw_proxy_load(&c, &p, reason, sizeof(reason)) < 0);
	assert_null(strstr(reason, "a:b"));
	unsetenv("HTTPS_PROXY");
	unsetenv("no_proxy");
	evbuffer_free(b);
}

static void test_base_url(void **state)
{
	struct gw_http_url u;

	(void)state;
	assert_int_equal(gw_http_parse_https_url("https://cloud.example.com", &u), 0);
	assert_string_equal(u.host, "cloud.example.com");
	assert_int_equal(u.port, 443);
	assert_string_equal(u.host_hdr, "cloud.example.com");
	assert_string_equal(u.path, "");
	assert_int_equal(gw_http_parse_https_url("https://[2001:db8::5]:8443/api/", &u), 0);
	assert_string_equal(u.host, "2001:db8::5");
	assert_int_equal(u.port, 8443);
	assert_string_equal(u.host_hdr, "[2001:db8::5]:8443");
	assert_string_equal(u.path, "/api");
	assert_true(gw_http_parse_https_url("http://cloud", &u) < 0);
	assert_true(gw_http_parse_https_url("https://cloud:0", &u) < 0);
	assert_true(gw_http_parse_https_url("https://:443", &u) < 0);
	assert_true(gw_http_parse_https_url("https://[::1", &u) < 0);
}

static void test_base64(void **state)
{
	char out[16];

	(void)state;
	gw_base64("", 0, out);
	assert_string_equal(out, "");
	gw_base64("f", 1, out);
	assert_string_equal(out, "Zg==");
	gw_base64("fo", 2, out);
	assert_string_equal(out, "Zm8=");
	gw_base64("foo", 3, out);
	assert_string_equal(out, "Zm9v");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_answer_table),
		cmocka_unit_test(test_retry_after),
		cmocka_unit_test(test_response_framing),
		cmocka_unit_test(test_answer_reading),
		cmocka_unit_test(test_connect_answer),
		cmocka_unit_test(test_proxy_url_credentials),
		cmocka_unit_test(test_no_proxy),
		cmocka_unit_test(test_proxy_load_env_and_auth),
		cmocka_unit_test(test_base_url),
		cmocka_unit_test(test_base64),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
