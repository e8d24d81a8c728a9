#include "proxy.h"
#include "http.h"
#include "../core/log.h"
#include "../core/secret.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void wipe_free(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

void gw_proxy_free(struct gw_proxy *p)
{
	if (!p)
		return;
	wipe_free(p->authorization);
	free(p->no_proxy);
	free(p->ca_file);
	free(p);
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Percent-decode [s, s+n) into a new string; NULL on a bad escape or a NUL byte. */
static char *pct_decode(const char *s, size_t n)
{
	char *out = malloc(n + 1);
	size_t o = 0;

	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		int hi, lo;

		if (s[i] != '%') {
			out[o++] = s[i];
			continue;
		}
		if (n - i < 3) { /* fewer than two characters after the % */
			free(out);
			return NULL;
		}
		hi = hexval((unsigned char)s[i + 1]);
		lo = hexval((unsigned char)s[i + 2]);
		if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
			free(out);
			return NULL;
		}
		out[o++] = (char)(hi << 4 | lo);
		i += 2;
	}
	out[o] = '\0';
	return out;
}

int gw_proxy_parse_url(const char *url, struct gw_proxy *p, char **user, char **password,
		       const char **reason)
{
	const char *rest = url, *at, *host, *end, *colon;
	size_t hl;

	*user = *password = NULL;
	if (strncasecmp(url, "http://", 7) == 0) {
		rest = url + 7;
	} else if (strncasecmp(url, "https://", 8) == 0) {
		rest = url + 8;
		p->tls = true;
	} else if (strstr(url, "://")) {
		*reason = "only http:// and https:// proxies are supported";
		return -EINVAL;
	}
	end = rest + strcspn(rest, "/?#");
	at = memrchr(rest, '@', (size_t)(end - rest));
	host = rest;
	if (at) {
		const char *sep = memchr(rest, ':', (size_t)(at - rest));
		*user = pct_decode(rest, (size_t)((sep ? sep : at) - rest));
		*password = sep ? pct_decode(sep + 1, (size_t)(at - sep - 1)) : strdup("");
		if (!*user || !*password) {
			*reason = "the proxy URL's user or password has a bad %-escape";
			goto err;
		}
		host = at + 1;
	}
	p->port = p->tls ? 443 : 1080;  /* curl's defaults */
	if (*host == '[') {
		const char *close = memchr(host, ']', (size_t)(end - host));
		if (!close) {
			*reason = "bad IPv6 address in the proxy URL";
			goto err;
		}
		hl = (size_t)(close - host - 1);
		host++;
		colon = close + 1 < end && close[1] == ':' ? close + 1 : NULL;
	} else {
		colon = memchr(host, ':', (size_t)(end - host));
		hl = (size_t)((colon ? colon : end) - host);
	}
	if (hl == 0 || hl >= sizeof(p->host)) {
		*reason = "the proxy URL has no host";
		goto err;
	}
	memcpy(p->host, host, hl);
	p->host[hl] = '\0';
	if (colon) {
		char *e;
		long port = strtol(colon + 1, &e, 10);
		if (e != end || port < 1 || port > 65535) {
			*reason = "bad port in the proxy URL";
			goto err;
		}
		p->port = (uint16_t)port;
	}
	return 0;

err:
	wipe_free(*user);
	wipe_free(*password);
	*user = *password = NULL;
	return -EINVAL;
}

static const char *env2(const char *a, const char *b)
{
	const char *v = getenv(a);

	if (!v || !*v)
		v = getenv(b);
	return v && *v ? v : NULL;
}

static int set_auth(struct gw_proxy *p, const char *user, const char *password)
{
	size_t ul = strlen(user), pl = strlen(password), n = ul + 1 + pl;
	char *plain = malloc(n + 1), *b64 = malloc(4 * ((n + 2) / 3) + 1);

	if (!plain || !b64) {
		free(plain);
		free(b64);
		return -ENOMEM;
	}
	memcpy(plain, user, ul);
	plain[ul] = ':';
	memcpy(plain + ul + 1, password, pl + 1);
	gw_base64(plain, n, b64);
	explicit_bzero(plain, n);
	free(plain);
	p->authorization = malloc(strlen(b64) + 7);
	if (p->authorization)
		sprintf(p->authorization, "Basic %s", b64);
	explicit_bzero(b64, strlen(b64));
	free(b64);
	return p->authorization ? 0 : -ENOMEM;
}

int gw_proxy_load(const struct gw_conf_proxy *c, struct gw_proxy **out, char *reason,
		  size_t len)
{
	struct gw_proxy *p;
	const char *url = c ? c->url : NULL, *why = NULL, *np;
	char *user = NULL, *password = NULL;
	struct gw_secret secret = {0};
	int rc;

	*out = NULL;
	np = c && c->no_proxy ? c->no_proxy : env2("no_proxy", "NO_PROXY");
	if (!url)
		url = env2("https_proxy", "HTTPS_PROXY");
	if (!url)
		return 0;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->from_env = !(c && c->url);
	rc = gw_proxy_parse_url(url, p, &user, &password, &why);
	if (rc < 0) {
		snprintf(reason, len, "%s: %s", p->from_env ? "https_proxy" : "proxy.url", why);
		goto err;
	}
	if (c && c->user) {
		/* the configuration's own credentials, given as they are */
		wipe_free(user);
		wipe_free(password);
		password = NULL;
		user = strdup(c->user);
		if (c->password_file) {
			rc = gw_secret_read(c->password_file, &secret, &why);
			if (rc < 0) {
				snprintf(reason, len, "proxy.password_file: %s", why);
				goto err;
			}
			password = strdup(secret.data);
			gw_secret_clear(&secret);
		} else {
			password = strdup("");
		}
	} else if (c && c->password_file) {
		snprintf(reason, len, "proxy.password_file needs proxy.user");
		rc = -EINVAL;
		goto err;
	}
	if (user && password) {
		if (strchr(user, ':')) {
			snprintf(reason, len, "a proxy user name cannot hold ':' (Basic authentication)");
			rc = -EINVAL;
			goto err;
		}
		rc = set_auth(p, user, password);
		if (rc < 0)
			goto err;
	}
	if (np && !(p->no_proxy = strdup(np))) {
		rc = -ENOMEM;
		goto err;
	}
	if (c && c->ca_file && !(p->ca_file = strdup(c->ca_file))) {
		rc = -ENOMEM;
		goto err;
	}
	wipe_free(user);
	wipe_free(password);
	*out = p;
	return 0;

err:
	wipe_free(user);
	wipe_free(password);
	gw_proxy_free(p);
	return rc < 0 ? rc : -EINVAL;
}

static bool cidr_match(const char *entry, size_t n, const char *host)
{
	char net[64];
	const char *slash = memchr(entry, '/', n);
	unsigned char a[16], h[16];
	int fam, bits, len;

	if (!slash || (size_t)(slash - entry) >= sizeof(net))
		return false;
	memcpy(net, entry, (size_t)(slash - entry));
	net[slash - entry] = '\0';
	fam = strchr(net, ':') ? AF_INET6 : AF_INET;
	len = fam == AF_INET ? 4 : 16;
	bits = atoi(slash + 1);
	if (inet_pton(fam, net, a) != 1 || inet_pton(fam, host, h) != 1 || bits < 0 ||
	    bits > len * 8)
		return false;
	for (int i = 0; i < len && bits > 0; i++, bits -= 8) {
		unsigned mask = bits >= 8 ? 0xff : (0xff00u >> bits) & 0xff;
		if ((a[i] & mask) != (h[i] & mask))
			return false;
	}
	return true;
}

bool gw_no_proxy_match(const char *list, const char *host, uint16_t port)
{
	size_t hl = strlen(host);
	const char *p = list;

	while (p && *p) {
		size_t n = strcspn(p, ", \t");
		const char *e = p, *colon;
		size_t el = n;

		if (n == 0) {
			p++;
			continue;
		}
		if (n == 1 && *p == '*')
			return true;
		if (el >= 2 && e[0] == '*' && e[1] == '.') {
			e++;
			el--;
		}
		if (e[0] == '.') {
			e++;
			el--;
		}
		if (cidr_match(e, el, host))
			return true;
		if (el && e[0] == '[') {
			const char *close = memchr(e, ']', el);
			if (close) {
				colon = close + 1 < e + el && close[1] == ':' ? close + 1 : NULL;
				if (colon && atoi(colon + 1) != port)
					goto next;
				el = (size_t)(close - e - 1);
				e++;
			}
		} else if ((colon = memchr(e, ':', el)) && !memchr(colon + 1, ':', (size_t)(e + el - colon - 1))) {
			/* host:port (one colon; a bare IPv6 address has several) */
			if (atoi(colon + 1) != port)
				goto next;
			el = (size_t)(colon - e);
		}
		if (el && el <= hl && strncasecmp(host + hl - el, e, el) == 0 &&
		    (el == hl || host[hl - el - 1] == '.'))
			return true;
next:
		p += n;
	}
	return false;
}

bool gw_proxy_applies(const struct gw_proxy *p, const char *host, uint16_t port)
{
	return p && !(p->no_proxy && gw_no_proxy_match(p->no_proxy, host, port));
}

int gw_proxy_write_connect(const struct gw_proxy *p, const char *host, uint16_t port,
			   struct evbuffer *out)
{
	struct gw_http_header h[2];
	char authority[300];
	size_t n = 0;

	snprintf(authority, sizeof(authority), strchr(host, ':') ? "[%s]:%u" : "%s:%u", host,
		 (unsigned)port);
	h[n++] = (struct gw_http_header){"User-Agent", "ecsp-gateway/" GW_VERSION};
	if (p->authorization)
		h[n++] = (struct gw_http_header){"Proxy-Authorization", p->authorization};
	return gw_http_write_request(out, "CONNECT", authority, authority, h, n, NULL, 0);
}

int gw_proxy_connect_answer(struct gw_http_parser *hp, struct evbuffer *in, char *why,
			    size_t len)
{
	const struct gw_http_response *r;
	char phrase[4 * sizeof(r->phrase)];
	int rc = gw_http_parser_feed(hp, in);

	if (rc < 0) {
		snprintf(why, len, "the proxy's answer to CONNECT is not HTTP (%s)",
			 gw_http_parser_reason(hp));
		return rc;
	}
	if (rc == 0)
		return 0;
	r = gw_http_parser_response(hp);
	if (r->status >= 200 && r->status <= 299)
		return 1;
	gw_log_escape(phrase, sizeof(phrase), r->phrase, strlen(r->phrase));
	snprintf(why, len, "the proxy refused the tunnel: HTTP %d%s%s%s%s", r->status,
		 phrase[0] ? " " : "", phrase,
		 r->status == 407 ? " (check proxy.user and proxy.password_file)" : "",
		 r->status == 403 ? " (the proxy's rules forbid this destination)" : "");
	return -ECONNREFUSED;
}
