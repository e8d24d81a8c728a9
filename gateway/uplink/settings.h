/*
 * What the uploader takes from the configuration, settled off to the side
 * so that a reload can be refused before anything changes:
 *  - limits (batch size and age, compression, timeouts, back-off, the
 *    quarantine breaker), which apply at once;
 *  - the link (base URL, CA bundle, client certificate and key, proxy),
 *    whose change closes the connection once the batch on the wire is
 *    answered; the next connection uses the new one.
 */
#ifndef GW_UPLINK_SETTINGS_H
#define GW_UPLINK_SETTINGS_H

#include "proxy.h"
#include "tls.h"
#include "../core/config.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

struct gw_uplink_limits {
	unsigned batch_records;
	size_t batch_bytes;
	int64_t batch_age_ms, timeout_ms, backoff_max_ms, auth_retry_ms;
	int level;                 /* gzip level, 0: no compression */
	unsigned breaker;
};

/* Which file a path named when it was read: a replaced file is a change. */
struct gw_file_id {
	bool ok;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
};

struct gw_uplink_link {
	char base_url[512];
	char host[256], host_hdr[300], target[512];
	uint16_t port;
	char *ca_file, *cert_file, *key_file;
	struct gw_tls_ctx *tls, *proxy_tls;  /* NULL until loaded */
	struct gw_proxy *proxy;              /* NULL: direct */
	char proxy_error[300];               /* a proxy setting that cannot work */
	struct gw_file_id ids[5];            /* ca, cert, key, proxy ca, proxy password */
};

void gw_uplink_limits_get(const struct gw_conf_uplink *c, struct gw_uplink_limits *l);

/*
 * The link conf describes, for the gateway gateway_id. Strict (a reload):
 * the TLS material must load and a proxy the file configures must work,
 * else NULL with a reason. Not strict (the start): only a base URL that
 * cannot be used is refused; TLS material that does not load yet is loaded
 * again before each connection, and a proxy that cannot work is kept as
 * proxy_error (never a quiet direct connection).
 */
struct gw_uplink_link *gw_uplink_link_new(const struct gw_config *conf, bool strict,
					  char *reason, size_t len);
void gw_uplink_link_free(struct gw_uplink_link *l);
/* Load the TLS contexts that are not loaded yet. 0, or < 0 with a reason. */
int gw_uplink_link_load_tls(struct gw_uplink_link *l, char *reason, size_t len);
/* Whether a connection made for a would be the one b asks for. */
bool gw_uplink_link_same(const struct gw_uplink_link *a, const struct gw_uplink_link *b);

#endif
