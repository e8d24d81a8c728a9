/*
 * Job history from the Job Monitoring MIB: metadata only. Job names, file
 * names and owners never enter the device object; an owner becomes
 * user_hash, a keyed HMAC with the gateway's own secret.
 */
#include "charset.h"
#include "mib.h"
#include "profile.h"

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/hmac.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define N(a) ((unsigned)(sizeof(a) / sizeof((a)[0])))
#define MAX_JOBS_SEEN 512

/* jmAttributeTypeIndex values whose text is kept (RFC 2707 JmAttributeTypeTC). */
enum {
	JM_COPIES_REQUESTED = 90,
	JM_MEDIUM_REQUESTED = 170,
	JM_SUBMISSION_TIME = 191,
	JM_COMPLETION_TIME = 194,
};

bool gw_profile_keep(const struct gw_oid *o)
{
	static const uint32_t octets[] = {MIB_JM_ATTR_OCTETS};

	/* jmAttributeValueAsOctets.<set>.<job>.<type>.<instance>: names stay on the device */
	if (gw_oid_has_prefix(o->a, o->n, octets, N(octets))) {
		uint32_t type;

		if (o->n != N(octets) + 4)
			return false;
		type = o->a[N(octets) + 2];
		return type == JM_MEDIUM_REQUESTED || type == JM_SUBMISSION_TIME ||
		       type == JM_COMPLETION_TIME;
	}
	return true;
}

int gw_user_hash(const uint8_t *key, size_t keylen, const uint8_t *owner, size_t n,
		 char out[33])
{
	uint8_t mac[WC_SHA256_DIGEST_SIZE];
	Hmac h;
	int rc;

	if (!key || !keylen)
		return -EINVAL;
	if (wc_HmacInit(&h, NULL, INVALID_DEVID) != 0)
		return -EIO;
	rc = wc_HmacSetKey(&h, WC_SHA256, key, (word32)keylen);
	if (rc == 0)
		rc = wc_HmacUpdate(&h, owner, (word32)n);
	if (rc == 0)
		rc = wc_HmacFinal(&h, mac);
	wc_HmacFree(&h);
	if (rc != 0)
		return -EIO;
	for (int i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", mac[i]);
	return 0;
}

/* RFC 2579 DateAndTime: 8 octets local time (taken as UTC), or 11 with the offset. */
int64_t gw_date_and_time_ms(const uint8_t *p, size_t n)
{
	struct tm tm = {0};
	int64_t t;

	if (n != 8 && n != 11)
		return GW_ABSENT;
	tm.tm_year = (p[0] << 8 | p[1]) - 1900;
	tm.tm_mon = p[2] - 1;
	tm.tm_mday = p[3];
	tm.tm_hour = p[4];
	tm.tm_min = p[5];
	tm.tm_sec = p[6];
	if (tm.tm_year < 70 || tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1 ||
	    tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60 || p[7] > 9)
		return GW_ABSENT;
	t = (int64_t)timegm(&tm) * 1000 + p[7] * 100;
	if (n == 11) {
		int64_t off = ((int64_t)p[9] * 60 + p[10]) * 60000;

		if (p[8] == '+')
			t -= off;
		else if (p[8] == '-')
			t += off;
		else
			return GW_ABSENT;
	}
	return t;
}

static const char *job_state(int64_t s)
{
	switch (s) {
	case 3: return "pending";
	case 4: return "pending_held";
	case 5: return "processing";
	case 6: return "processing_stopped";
	case 7: return "canceled";
	case 8: return "aborted";
	case 9: return "completed";
	default: return "other";
	}
}

void gw_printer_fill_jobs(const struct gw_vbset *vs, const struct gw_fill_ctx *fc,
			  struct gw_devdata *d)
{
	static const uint32_t state_col[] = {MIB_JM_JOB, 2};
	static const uint32_t attr_int[] = {MIB_JM_ATTR_INT};
	static const uint32_t attr_oct[] = {MIB_JM_ATTR_OCTETS};
	unsigned max = fc->max_jobs && fc->max_jobs < GW_DD_MAX_JOBS ? fc->max_jobs
								      : GW_DD_MAX_JOBS;
	size_t from, to;

	gw_vbset_subtree(vs, state_col, N(state_col), &from, &to);
	/* the newest jobs: highest indices, at the end of the column */
	for (size_t i = to; i-- > from && d->n_jobs < max;) {
		const struct gw_vb *v = &vs->v[i];
		uint32_t k[2], kt[4];
		int64_t st, x;
		struct gw_dd_job *j;
		const struct gw_vb *o;

		if (v->n != N(state_col) + 2 || !gw_vb_num(v, &st))
			continue;
		k[0] = v->oid[N(state_col)];
		k[1] = v->oid[N(state_col) + 1];
		if (!(j = gw_dd_add_job(d)))
			break;
		j->job_id = gw_dd_printf(d, "%u.%u", k[0], k[1]);
		j->state = gw_dd_str(d, job_state(st));
		if (gw_vb_num(gw_vbset_get(vs, GW_ARCS(MIB_JM_JOB, 8), k, 2), &x) && x >= 0)
			j->pages = x;
		/* the owner only ever leaves as a keyed hash */
		o = gw_vbset_get(vs, GW_ARCS(MIB_JM_JOB, 9), k, 2);
		if (gw_vb_is_str(o) && o->len > 0 && fc->user_key) {
			char h[33];

			if (gw_user_hash(fc->user_key, fc->user_key_len, o->val, o->len, h) == 0)
				j->user_hash = gw_dd_str(d, h);
		}
		kt[0] = k[0];
		kt[1] = k[1];
		kt[3] = 1;
		kt[2] = JM_COPIES_REQUESTED;
		if (gw_vb_num(gw_vbset_get(vs, attr_int, N(attr_int), kt, 4), &x) && x >= 0)
			j->copies = x;
		kt[2] = JM_MEDIUM_REQUESTED;
		o = gw_vbset_get(vs, attr_oct, N(attr_oct), kt, 4);
		if (gw_vb_is_str(o))
			j->media = gw_snmp_text(d, o->val, o->len, 0);
		kt[2] = JM_SUBMISSION_TIME;
		o = gw_vbset_get(vs, attr_oct, N(attr_oct), kt, 4);
		if (gw_vb_is_str(o))
			j->submitted_ms = gw_date_and_time_ms(o->val, o->len);
		kt[2] = JM_COMPLETION_TIME;
		o = gw_vbset_get(vs, attr_oct, N(attr_oct), kt, 4);
		if (gw_vb_is_str(o))
			j->completed_ms = gw_date_and_time_ms(o->val, o->len);
	}
}
