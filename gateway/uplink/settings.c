#include "settings.h"
#include "http.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void gw_uplink_limits_get(const struct gw_conf_uplink *c, struct gw_uplink_limits *l)
{
	*l = (struct gw_uplink_limits){
		.batch_records = (unsigned)c->batch_records,
		.batch_bytes = c->batch_bytes,
		.batch_age_ms = c->batch_age_ms,
		.timeout_ms = c->timeout_ms,
		.backoff_max_ms = c->backoff_max_ms,
		.auth_retry_ms = c->auth_retry_ms,
		.level = c->compression == 0 ? (int)c->compression_level : 0,
		.breaker = (unsigned)c->quarantine_breaker,
	};
}

static void file_id(const char *path, struct gw_file_id *id)
{
	struct stat st;

	memset(id, 0, sizeof(*id));
	if (!path || stat(path, &st) < 0)
		return;
	*id = (struct gw_file_id){true, st.st_dev, st.st_ino, st.st_size, st.st_mtim};
}

static bool same_id(const struct gw_file_id *a, const struct gw_file_id *b)
{
	return a->ok == b->ok && (!a->ok || (a->dev == b->dev && a->ino == b->ino &&
					     a->size == b->size &&
					     a->mtime.tv_sec == b->mtime.tv_sec &&
					     a->mtime.tv_nsec == b->mtime.tv_nsec));
}

static bool same_str(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static int dup_opt(char **dst, const char *src)
{
	*dst = src ? strdup(src) : NULL;
	return src && !*dst ? -ENOMEM : 0;
}

void gw_uplink_link_free(struct gw_uplink_link *l)
{
	if (!l)
		return;
	gw_tls_ctx_free(l->tls);
	gw_tls_ctx_free(l->proxy_tls);
	gw_proxy_free(l->proxy);
	free(l->ca_file);
	free(l->cert_file);
	free(l->key_file);
	free(l);
}

int gw_uplink_link_load_tls(struct gw_uplink_link *l, char *reason, size_t len)
{
	struct gw_tls_ctx_opts o = {l->ca_file, l->cert_file, l->key_file};
	char why[300];

	if (!l->tls) {
		l->tls = gw_tls_ctx_new(&o, why, sizeof(why));
		if (!l->tls) {
			snprintf(reason, len, "%s", why);
			return -EINVAL;
		}
	}
	if (l->proxy && l->proxy->tls && !l->proxy_tls) {
		o = (struct gw_tls_ctx_opts){l->proxy->ca_file ? l->proxy->ca_file : l->ca_file,
					     NULL, NULL};
		l->proxy_tls = gw_tls_ctx_new(&o, why, sizeof(why));
		if (!l->proxy_tls) {
			snprintf(reason, len, "TLS to the proxy: %s", why);
			return -EINVAL;
		}
	}
	return 0;
}

struct gw_uplink_link *gw_uplink_link_new(const struct gw_config *conf, bool strict,
					  char *reason, size_t len)
{
	const struct gw_conf_uplink *c = conf->uplink;
	const struct gw_conf_proxy *pc = conf->proxy;
	struct gw_uplink_link *l = calloc(1, sizeof(*l));
	struct gw_http_url url;
	char why[300];

	if (!l) {
		snprintf(reason, len, "out of memory");
		return NULL;
	}
	if (!c->base_url || strlen(c->base_url) >= sizeof(l->base_url) ||
	    gw_http_parse_https_url(c->base_url, &url) < 0) {
		snprintf(reason, len, "uplink.base_url %.300s: cannot be used",
			 c->base_url ? c->base_url : "(none)");
		goto err;
	}
	snprintf(l->base_url, sizeof(l->base_url), "%s", c->base_url);
	memcpy(l->host, url.host, sizeof(l->host));
	memcpy(l->host_hdr, url.host_hdr, sizeof(l->host_hdr));
	l->port = url.port;
	snprintf(l->target, sizeof(l->target), "%s/v1/gateways/%s/batches", url.path,
		 conf->gateway->id);
	if (dup_opt(&l->ca_file, c->ca_file) < 0 || dup_opt(&l->cert_file, c->cert_file) < 0 ||
	    dup_opt(&l->key_file, c->key_file) < 0) {
		snprintf(reason, len, "out of memory");
		goto err;
	}
	if (gw_proxy_load(pc, &l->proxy, why, sizeof(why)) < 0) {
		/* the file's own proxy settings are checked; the environment's are kept as they are */
		if (strict && pc && (pc->url || pc->user || pc->password_file)) {
			snprintf(reason, len, "%s", why);
			goto err;
		}
		snprintf(l->proxy_error, sizeof(l->proxy_error), "%s", why);
	}
	file_id(l->ca_file, &l->ids[0]);
	file_id(l->cert_file, &l->ids[1]);
	file_id(l->key_file, &l->ids[2]);
	file_id(pc ? pc->ca_file : NULL, &l->ids[3]);
	file_id(pc ? pc->password_file : NULL, &l->ids[4]);
	/* at the start what does not load yet is retried (and reported) by the uploader */
	if (strict && gw_uplink_link_load_tls(l, why, sizeof(why)) < 0) {
		snprintf(reason, len, "%s", why);
		goto err;
	}
	return l;

err:
	gw_uplink_link_free(l);
	return NULL;
}

static bool same_proxy(const struct gw_proxy *a, const struct gw_proxy *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a->host, b->host) == 0 && a->port == b->port && a->tls == b->tls &&
	       same_str(a->authorization, b->authorization) && same_str(a->no_proxy, b->no_proxy) &&
	       same_str(a->ca_file, b->ca_file);
}

bool gw_uplink_link_same(const struct gw_uplink_link *a, const struct gw_uplink_link *b)
{
	for (size_t i = 0; i < sizeof(a->ids) / sizeof(a->ids[0]); i++)
		if (!same_id(&a->ids[i], &b->ids[i]))
			return false;
	return strcmp(a->base_url, b->base_url) == 0 && same_str(a->ca_file, b->ca_file) &&
	       same_str(a->cert_file, b->cert_file) && same_str(a->key_file, b->key_file) &&
	       same_proxy(a->proxy, b->proxy) && strcmp(a->proxy_error, b->proxy_error) == 0;
}
