/*
 * The gateway's configuration file: bootstrap settings and defaults. The
 * managed device list lives in the store; the file's device sections seed
 * it (see docs/configuration.md, "Which source wins").
 */
#ifndef GW_CONFIG_H
#define GW_CONFIG_H

#include "opts.h"
#include "plugin.h"
#include "secret.h"
#include "../devices/candidates.h"
#include "../devices/devices.h"

struct gw_conf_gateway {
	char *id;
	char *state_dir;
	int log_level;
};

struct gw_conf_store {
	uint64_t max_size;
	int durability;
	int64_t sync_interval_ms;
	int64_t stage_grace_ms;
	uint64_t stage_max;
};

struct gw_conf_uplink {
	bool enabled;
	char *base_url;
	char *ca_file;
	char *cert_file;
	char *key_file;
	long batch_records;
	uint64_t batch_bytes;
	int64_t batch_age_ms;
	int compression;
	int64_t timeout_ms;
	int64_t backoff_max_ms;
	long quarantine_breaker;
	int64_t auth_retry_ms;
	long compression_level;
};

struct gw_conf_proxy {
	char *url;
	char *user;
	char *password_file;
	char *no_proxy;
	char *ca_file;
};

struct gw_conf_schedule {
	int64_t interval_ms[5];   /* enum gw_collect_part order */
	long jitter_percent;
	int64_t timeout_ms;
	long retries;
	long offline_after;
	int64_t offline_interval_ms;
	int64_t power_save_retry_ms;
	int64_t silent_after_ms;  /* fleet health: a device silent this long raises an event */
	int64_t stats_interval_ms; /* a scheduler counters line in the log; 0: none */
};

struct gw_conf_credentials {
	char *name;               /* the section title */
	int version;              /* enum gw_snmp_version */
	char *community_file;
	char *user;
	int auth;
	char *auth_pass_file;
	int priv;
	char *priv_pass_file;
	char *context;
};

/* Credentials with their secrets loaded (wiped on free). */
struct gw_cred_entry {
	struct gw_credentials c;
	struct gw_secret community, auth_pass, priv_pass;
};

struct gw_config {
	char *file;
	cfg_t *cfg;
	struct gw_conf_gateway *gateway;
	struct gw_conf_store *store;
	struct gw_conf_uplink *uplink;
	struct gw_conf_proxy *proxy;
	struct gw_conf_schedule *schedule;
	unsigned n_creds;
	struct gw_cred_entry *creds;
	unsigned n_devices;
	struct gw_device_spec *devices;
	struct gw_conf_discovery *discovery;   /* config_discovery.c */
	struct gw_conf_api *api;               /* http/server.c */
	unsigned n_approvals;
	struct gw_approve_rule *approvals;
};

/* Report to stderr as FILE:LINE: key: reason (used by --check-config). */
void gw_config_report_stderr(void *arg, const char *file, int line, const char *key,
			     const char *reason);

/*
 * Load and check everything, secrets included. NULL after reporting every
 * problem found. Never reports a secret's value.
 */
struct gw_config *gw_config_load(const char *file, gw_opts_report_fn report, void *arg);
void gw_config_free(struct gw_config *c);

const struct gw_credentials *gw_config_credentials(const struct gw_config *c, const char *name);

/* The discovery section and the approve sections (config_discovery.c). */
struct gw_conf_discovery {
	bool start_on_boot;
	char *ranges;
	long max_addresses;
	long rate;
	bool broadcast;
	bool enpc, snmp;
	long enpc_port, snmp_port;
	int64_t wait_ms;
	char *credentials;
};

extern const struct gw_section gw_sec_discovery, gw_sec_approve;
/* The local API's section lives with the API (http/api.h). */
extern const struct gw_section gw_sec_api;
int gw_config_load_discovery(struct gw_config *c, gw_opts_report_fn rep, void *arg);
void gw_config_free_discovery(struct gw_config *c);
struct gw_discovery_req;
/* A discovery request from the file's discovery section (borrows from c). */
void gw_config_discovery_req(const struct gw_config *c, struct gw_discovery_req *req);

/* All sections, core then plugins: for the parser and the docs. */
size_t gw_config_sections(const struct gw_section **out, size_t max);

#endif
