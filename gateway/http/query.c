#include "query.h"

#include <errno.h>
#include <sys/queue.h>   /* before libevent's: TAILQ_FOREACH */
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <string.h>

/* A decimal number without sign, spaces or leading '+': 0 or -EINVAL. */
static int parse_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s || strlen(s) > 20)
		return -EINVAL;
	for (; *s; s++) {
		unsigned d = (unsigned)(*s - '0');
		if (d > 9 || v > (UINT64_MAX - d) / 10)
			return -EINVAL;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

int gw_api_query_parse(const char *qs, unsigned allowed, unsigned max_limit,
		       struct gw_api_query *q, const char **reason)
{
	struct evkeyvalq kv;
	struct evkeyval *e;
	unsigned seen = 0;
	int rc = 0;

	q->from = 0;
	if (!qs || !*qs)
		return 0;
	if (strlen(qs) > GW_APIQ_MAX_LEN) {
		*reason = "query string too long";
		return -EINVAL;
	}
	/* every key and value is plain: no escapes, so no %00 cutting a value short */
	if (strspn(qs, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_=&") !=
	    strlen(qs)) {
		*reason = "a query string holds only letters, digits, '_', '=' and '&'";
		return -EINVAL;
	}
	/* an empty parameter is a mistake too (libevent skips a trailing one) */
	if (qs[0] == '&' || qs[strlen(qs) - 1] == '&' || strstr(qs, "&&")) {
		*reason = "an empty query parameter";
		return -EINVAL;
	}
	TAILQ_INIT(&kv);
	if (evhttp_parse_query_str(qs, &kv) < 0) {
		*reason = "malformed query string";
		rc = -EINVAL;
		goto out;
	}
	TAILQ_FOREACH(e, &kv, next) {
		unsigned key = strcmp(e->key, "from") == 0 ? GW_APIQ_FROM
			     : strcmp(e->key, "max") == 0 ? GW_APIQ_MAX : 0;
		uint64_t v;

		if (!(key & allowed)) {
			*reason = "unknown query parameter";
			rc = -EINVAL;
			goto out;
		}
		if (seen & key) {
			*reason = "a query parameter is given twice";
			rc = -EINVAL;
			goto out;
		}
		seen |= key;
		if (parse_u64(e->value, &v) < 0) {
			*reason = "a query parameter is not a decimal number";
			rc = -EINVAL;
			goto out;
		}
		if (key == GW_APIQ_FROM) {
			q->from = v;
		} else if (v < 1 || v > max_limit) {
			*reason = "max is out of range";
			rc = -EINVAL;
			goto out;
		} else {
			q->max = (unsigned)v;
		}
	}
out:
	evhttp_clear_headers(&kv);
	return rc;
}
