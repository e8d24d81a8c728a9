#include "config.h"
#include "log.h"
#include "../uplink/proxy.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define O(type, field) offsetof(type, field)

static const char *const log_levels[] = {"error", "warning", "notice", "info", "debug", NULL};
static const char *const durabilities[] = {"interval", "commit", NULL};
static const char *const compressions[] = {"gzip", "none", NULL};
static const char *const snmp_versions[] = {"1", "2c", "3", NULL};
static const char *const auth_protos[] = {"none", "sha", "sha224", "sha256", "sha384",
					  "sha512", NULL};
static const char *const priv_protos[] = {"none", "aes", NULL};

static bool check_id(const char *v, const char **reason)
{
	size_t n = strlen(v);

	if (n == 0 || n > 64 || strspn(v, "abcdefghijklmnopqrstuvwxyz"
				  "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") != n) {
		*reason = "must be 1-64 letters, digits, '-', '_' or '.'";
		return false;
	}
	return true;
}

static bool check_abs_path(const char *v, const char **reason)
{
	if (v[0] != '/') {
		*reason = "must be an absolute path";
		return false;
	}
	return true;
}

static bool check_https_url(const char *v, const char **reason)
{
	if (strncmp(v, "https://", 8) != 0 || !v[8]) {
		*reason = "must be an https:// URL (every connection off the site is TLS)";
		return false;
	}
	return true;
}

static bool check_proxy_url(const char *v, const char **reason)
{
	struct gw_proxy p = {0};
	char *user, *password;
	int rc;

	if ((strncmp(v, "http://", 7) != 0 && strncmp(v, "https://", 8) != 0) ||
	    strchr(v, '@')) {
		*reason = "must be http://host:port or https://host:port, without credentials "
			  "(use user and password_file)";
		return false;
	}
	/* The uplink's own parser, so that what is checked is what will run. */
	rc = gw_proxy_parse_url(v, &p, &user, &password, reason);
	free(user);     /* NULL: the URL holds no credentials */
	free(password);
	return rc == 0;
}

static const struct gw_opt gateway_opts[] = {
	{"id", GW_OPT_STRING, NULL, O(struct gw_conf_gateway, id),
	 "The gateway id: agent_id in uploads, the MQTT client id.", .check = check_id,
	 .flags = GW_OPTF_REQUIRED},
	{"state_dir", GW_OPT_STRING, "/var/lib/ecsp-gateway",
	 O(struct gw_conf_gateway, state_dir),
	 "Where the store (LMDB) and the lock live. One gateway per directory.",
	 .check = check_abs_path},
	{"log_level", GW_OPT_ENUM, "info", O(struct gw_conf_gateway, log_level),
	 "Lowest level written to the log.", .choices = log_levels},
	{0},
};

static const struct gw_opt store_opts[] = {
	{"max_size", GW_OPT_SIZE, "256M", O(struct gw_conf_store, max_size),
	 "Hard limit of buffered records in bytes. When full, routine snapshots are "
	 "evicted first; events and operation results last.",
	 .min = 1 << 20, .max = INT64_MAX},
	{"durability", GW_OPT_ENUM, "interval", O(struct gw_conf_store, durability),
	 "interval: every acknowledged record survives a crash of the daemon, a power cut "
	 "loses at most sync_interval; commit: an fsync per commit (more flash wear).",
	 .choices = durabilities},
	{"sync_interval", GW_OPT_DURATION, "1s", O(struct gw_conf_store, sync_interval_ms),
	 "How often buffered writes are forced to the medium (durability = interval).",
	 .min = 100, .max = 60000},
	{"stage_grace", GW_OPT_DURATION, "10s", O(struct gw_conf_store, stage_grace_ms),
	 "With the uplink enabled, routine snapshots wait this long in memory and are "
	 "written to the store only if the cloud has not accepted them by then, so most "
	 "never cost a write. A crash of the daemon (not a clean stop) loses the ones "
	 "waiting, and reports their numbers. 0: every record is written at once.",
	 .min = 0, .max = 300000},
	{"stage_max", GW_OPT_SIZE, "4M", O(struct gw_conf_store, stage_max),
	 "At most this many bytes of snapshots wait in memory; beyond it the oldest are "
	 "written.", .min = 64 << 10, .max = 256 << 20},
	{0},
};

static const struct gw_opt uplink_opts[] = {
	{"enabled", GW_OPT_BOOL, "false", O(struct gw_conf_uplink, enabled),
	 "Upload to the cloud. Without it, records wait in the store."},
	{"base_url", GW_OPT_STRING, NULL, O(struct gw_conf_uplink, base_url),
	 "The cloud's base URL, https only.", .check = check_https_url},
	{"ca_file", GW_OPT_STRING, "/etc/ssl/certs/ca-certificates.crt",
	 O(struct gw_conf_uplink, ca_file), "CA bundle (PEM) the cloud's certificate is "
	 "verified against.", .check = check_abs_path},
	{"cert_file", GW_OPT_STRING, NULL, O(struct gw_conf_uplink, cert_file),
	 "The gateway's client certificate (PEM), for mutual TLS.", .check = check_abs_path},
	{"key_file", GW_OPT_SECRET, NULL, O(struct gw_conf_uplink, key_file),
	 "The client certificate's private key (PEM), mode 0600."},
	{"batch_records", GW_OPT_INT, "1000", O(struct gw_conf_uplink, batch_records),
	 "A batch closes at this many records.", .min = 1, .max = 100000},
	{"batch_bytes", GW_OPT_SIZE, "1M", O(struct gw_conf_uplink, batch_bytes),
	 "A batch closes at this many bytes of JSON.", .min = 4096, .max = 64 << 20},
	{"batch_age", GW_OPT_DURATION, "2s", O(struct gw_conf_uplink, batch_age_ms),
	 "A batch closes when its oldest record has waited this long.", .min = 0,
	 .max = 3600000},
	{"compression", GW_OPT_ENUM, "gzip", O(struct gw_conf_uplink, compression),
	 "Content-Encoding of uploads.", .choices = compressions},
	{"compression_level", GW_OPT_INT, "1", O(struct gw_conf_uplink, compression_level),
	 "gzip level: 1 is fast and already shrinks printer JSON about ninefold; 6 about "
	 "twelvefold, for several times the CPU.", .min = 1, .max = 9},
	{"timeout", GW_OPT_DURATION, "30s", O(struct gw_conf_uplink, timeout_ms),
	 "Connect and answer timeout.", .min = 1000, .max = 600000},
	{"backoff_max", GW_OPT_DURATION, "5m", O(struct gw_conf_uplink, backoff_max_ms),
	 "Cap of the exponential back-off after transient failures.", .min = 1000,
	 .max = 3600000},
	{"quarantine_breaker", GW_OPT_INT, "20", O(struct gw_conf_uplink, quarantine_breaker),
	 "After this many records refused in a row, stop quarantining and raise an alarm: "
	 "the gateway, not the data, is wrong.", .min = 1, .max = 100000},
	{"auth_retry", GW_OPT_DURATION, "5m", O(struct gw_conf_uplink, auth_retry_ms),
	 "After the cloud refuses the gateway's credentials (401, 403), or while the "
	 "quarantine breaker is open, try again this often.", .min = 1000, .max = 86400000},
	{0},
};

static const struct gw_opt proxy_opts[] = {
	{"url", GW_OPT_STRING, NULL, O(struct gw_conf_proxy, url),
	 "HTTP CONNECT proxy for every connection to the cloud (uploads and MQTT). "
	 "Unset: https_proxy from the environment, else direct.", .check = check_proxy_url},
	{"user", GW_OPT_STRING, NULL, O(struct gw_conf_proxy, user),
	 "User for the proxy's Basic authentication."},
	{"password_file", GW_OPT_SECRET, NULL, O(struct gw_conf_proxy, password_file),
	 "File (mode 0600) holding the proxy password."},
	{"no_proxy", GW_OPT_STRING, NULL, O(struct gw_conf_proxy, no_proxy),
	 "Comma-separated hosts and domain suffixes reached directly. Unset: no_proxy "
	 "from the environment."},
	{"ca_file", GW_OPT_STRING, NULL, O(struct gw_conf_proxy, ca_file),
	 "CA bundle for TLS to the proxy itself (https:// proxy URL).", .check = check_abs_path},
	{0},
};

#define SCHED(field) O(struct gw_conf_schedule, field)
static const struct gw_opt schedule_opts[] = {
	{"status_interval", GW_OPT_DURATION, "60s", SCHED(interval_ms[0]),
	 "How often status and errors are read.", .min = 5000, .max = 86400000},
	{"supplies_interval", GW_OPT_DURATION, "5m", SCHED(interval_ms[1]),
	 "How often consumables are read.", .min = 5000, .max = 86400000},
	{"counters_interval", GW_OPT_DURATION, "1h", SCHED(interval_ms[2]),
	 "How often page counters are read.", .min = 5000, .max = 604800000},
	{"settings_interval", GW_OPT_DURATION, "6h", SCHED(interval_ms[3]),
	 "How often identity, firmware and settings are read.", .min = 5000,
	 .max = 604800000},
	{"jobs_interval", GW_OPT_DURATION, "10m", SCHED(interval_ms[4]),
	 "How often job history is read.", .min = 5000, .max = 604800000},
	{"jitter_percent", GW_OPT_INT, "10", SCHED(jitter_percent),
	 "Each device's timers are spread by up to this share of the interval.", .min = 0,
	 .max = 50},
	{"timeout", GW_OPT_DURATION, "2s", SCHED(timeout_ms),
	 "Answer timeout of one request to a device.", .min = 100, .max = 60000},
	{"retries", GW_OPT_INT, "2", SCHED(retries),
	 "Retries of one request before a poll counts as missed.", .min = 0, .max = 10},
	{"offline_after", GW_OPT_INT, "3", SCHED(offline_after),
	 "Missed polls in a row after which a device is offline.", .min = 1, .max = 100},
	{"offline_interval", GW_OPT_DURATION, "5m", SCHED(offline_interval_ms),
	 "How often an offline device is tried.", .min = 5000, .max = 86400000},
	{"power_save_retry", GW_OPT_DURATION, "10s", SCHED(power_save_retry_ms),
	 "After a first missed poll (a printer waking from power save), try again this soon.",
	 .min = 1000, .max = 600000},
	{"silent_after", GW_OPT_DURATION, "24h", SCHED(silent_after_ms),
	 "A managed device that has not answered for this long raises one device_silent event "
	 "(and device_back when it answers again).", .min = 60000, .max = 2592000000LL},
	{"stats_interval", GW_OPT_DURATION, "0", SCHED(stats_interval_ms),
	 "Log the poll counters (polls started, done, late, in flight) at notice level this "
	 "often, for capacity checks. 0: never.", .min = 0, .max = 86400000},
	{0},
};

#define CRED(field) O(struct gw_conf_credentials, field)
static const struct gw_opt cred_opts[] = {
	{"snmp_version", GW_OPT_ENUM, "2c", CRED(version), "SNMP version.",
	 .choices = snmp_versions},
	{"community_file", GW_OPT_SECRET, NULL, CRED(community_file),
	 "File (mode 0600) holding the community (versions 1 and 2c)."},
	{"user", GW_OPT_STRING, NULL, CRED(user), "SNMPv3 user name."},
	{"auth", GW_OPT_ENUM, "sha256", CRED(auth), "SNMPv3 authentication protocol.",
	 .choices = auth_protos},
	{"auth_pass_file", GW_OPT_SECRET, NULL, CRED(auth_pass_file),
	 "File (mode 0600) holding the SNMPv3 authentication passphrase."},
	{"priv", GW_OPT_ENUM, "aes", CRED(priv), "SNMPv3 privacy protocol (AES-128).",
	 .choices = priv_protos},
	{"priv_pass_file", GW_OPT_SECRET, NULL, CRED(priv_pass_file),
	 "File (mode 0600) holding the SNMPv3 privacy passphrase."},
	{"context", GW_OPT_STRING, "", CRED(context), "SNMPv3 context name."},
	{0},
};

struct conf_device {
	char *address;
	long port;
	char *credentials;
	char *plugin;
	int64_t interval_ms[5];
	bool enabled;
};

#define DEV(field) O(struct conf_device, field)
static const struct gw_opt device_opts[] = {
	{"address", GW_OPT_STRING, NULL, DEV(address), "IPv4 or IPv6 address of the printer.",
	 .flags = GW_OPTF_REQUIRED},
	{"port", GW_OPT_INT, "161", DEV(port), "SNMP port.", .min = 1, .max = 65535},
	{"credentials", GW_OPT_STRING, NULL, DEV(credentials),
	 "Name of a credentials section.", .flags = GW_OPTF_REQUIRED},
	{"plugin", GW_OPT_STRING, NULL, DEV(plugin),
	 "Plugin that collects from it. Unset: the first collecting plugin of the build."},
	{"status_interval", GW_OPT_DURATION, "0", DEV(interval_ms[0]),
	 "Overrides schedule.status_interval for this device (0: the global one)."},
	{"supplies_interval", GW_OPT_DURATION, "0", DEV(interval_ms[1]),
	 "Overrides schedule.supplies_interval."},
	{"counters_interval", GW_OPT_DURATION, "0", DEV(interval_ms[2]),
	 "Overrides schedule.counters_interval."},
	{"settings_interval", GW_OPT_DURATION, "0", DEV(interval_ms[3]),
	 "Overrides schedule.settings_interval."},
	{"jobs_interval", GW_OPT_DURATION, "0", DEV(interval_ms[4]),
	 "Overrides schedule.jobs_interval."},
	{"enabled", GW_OPT_BOOL, "true", DEV(enabled), "Collect from it."},
	{0},
};

static const struct gw_section sec_gateway = {
	"gateway", "Identity of this gateway and where it keeps its state.", gateway_opts,
	sizeof(struct gw_conf_gateway), 0, NULL,
};
static const struct gw_section sec_store = {
	"store", "The record buffer (LMDB) that keeps data while the cloud cannot be reached.",
	store_opts, sizeof(struct gw_conf_store), 0, NULL,
};
static const struct gw_section sec_uplink = {
	"uplink", "The one outbound HTTPS connection records leave through.", uplink_opts,
	sizeof(struct gw_conf_uplink), 0, NULL,
};
static const struct gw_section sec_proxy = {
	"proxy", "The site's HTTP proxy, shared by uploads and the MQTT channel.", proxy_opts,
	sizeof(struct gw_conf_proxy), 0, NULL,
};
static const struct gw_section sec_schedule = {
	"schedule", "Global polling intervals; a device section may override them.",
	schedule_opts, sizeof(struct gw_conf_schedule), 0, NULL,
};
static const struct gw_section sec_creds = {
	"credentials", "A named set of SNMP credentials that devices refer to. Secrets are "
	"read from files with mode 0600 and never written to a log.", cred_opts,
	sizeof(struct gw_conf_credentials), GW_SECF_MULTI,
	"credentials \"office\" {\n  snmp_version = 2c\n"
	"  community_file = \"/etc/ecsp-gateway/secrets/office.community\"\n}",
};
static const struct gw_section sec_device = {
	"device", "A printer on the managed list. These seed the list kept in the store.",
	device_opts, sizeof(struct conf_device), GW_SECF_MULTI,
	"device \"lobby\" {\n  address = \"192.0.2.10\"\n  credentials = \"office\"\n}",
};

static const struct gw_section *const core_sections[] = {
	&sec_gateway, &sec_store, &sec_uplink, &sec_proxy, &sec_schedule, &sec_creds, &sec_device,
	&gw_sec_discovery, &gw_sec_approve, &gw_sec_api,
};
#define N_CORE (sizeof(core_sections) / sizeof(core_sections[0]))
#define MAX_SECTIONS 32

size_t gw_config_sections(const struct gw_section **out, size_t max)
{
	size_t n = 0;

	for (; n < N_CORE && n < max; n++)
		out[n] = core_sections[n];
	return n + gw_plugins_sections(out + n, max - n);
}

void gw_config_report_stderr(void *arg, const char *file, int line, const char *key,
			     const char *reason)
{
	(void)arg;
	fprintf(stderr, "%s:%d: %s: %s\n", file, line, key, reason);
}

static int load_secret(const char *path, struct gw_secret *s, const char *file, int line,
		       const char *key, gw_opts_report_fn rep, void *arg)
{
	const char *reason = NULL;

	if (!path)
		return 0;
	if (gw_secret_read(path, s, &reason) < 0) {
		rep(arg, file, line, key, reason);
		return -1;
	}
	return 0;
}

static int load_creds(struct gw_config *c, gw_opts_report_fn rep, void *arg)
{
	unsigned n = cfg_size(c->cfg, "credentials");
	int errors = 0;

	c->creds = calloc(n ? n : 1, sizeof(*c->creds));
	if (!c->creds)
		return -1;
	for (unsigned i = 0; i < n; i++) {
		cfg_t *sec = cfg_getnsec(c->cfg, "credentials", i);
		struct gw_conf_credentials *cc = gw_opts_copy(&sec_creds, sec, c->file, rep, arg);
		struct gw_cred_entry *e = &c->creds[c->n_creds];
		int line = sec->line;

		if (!cc) {
			errors++;
			continue;
		}
		c->n_creds++;
		e->c.name = strdup(cfg_title(sec));
		e->c.version = (enum gw_snmp_version)cc->version;
		e->c.auth = (enum gw_snmp_auth)cc->auth;
		e->c.priv = (enum gw_snmp_priv)cc->priv;
		e->c.user = cc->user ? strdup(cc->user) : NULL;
		e->c.context = strdup(cc->context ? cc->context : "");
		if (cc->version != GW_SNMP_V3 && !cc->community_file) {
			rep(arg, c->file, line, "community_file",
			    "required for snmp_version 1 and 2c");
			errors++;
		}
		if (cc->version == GW_SNMP_V3) {
			if (!cc->user) {
				rep(arg, c->file, line, "user", "required for snmp_version 3");
				errors++;
			}
			if (cc->auth != GW_AUTH_NONE && !cc->auth_pass_file) {
				rep(arg, c->file, line, "auth_pass_file", "required when auth is set");
				errors++;
			}
			if (cc->priv != GW_PRIV_NONE && cc->auth == GW_AUTH_NONE) {
				rep(arg, c->file, line, "priv", "privacy needs authentication");
				errors++;
			}
			if (cc->priv != GW_PRIV_NONE && !cc->priv_pass_file) {
				rep(arg, c->file, line, "priv_pass_file", "required when priv is set");
				errors++;
			}
		}
		errors -= load_secret(cc->community_file, &e->community, c->file, line,
				      "community_file", rep, arg);
		errors -= load_secret(cc->auth_pass_file, &e->auth_pass, c->file, line,
				      "auth_pass_file", rep, arg);
		errors -= load_secret(cc->priv_pass_file, &e->priv_pass, c->file, line,
				      "priv_pass_file", rep, arg);
		e->c.community = e->community.data;
		e->c.auth_pass = e->auth_pass.data;
		e->c.priv_pass = e->priv_pass.data;
		gw_opts_free(&sec_creds, cc);
	}
	return errors ? -1 : 0;
}

static int load_devices(struct gw_config *c, gw_opts_report_fn rep, void *arg)
{
	unsigned n = cfg_size(c->cfg, "device");
	int errors = 0;

	c->devices = calloc(n ? n : 1, sizeof(*c->devices));
	if (!c->devices)
		return -1;
	for (unsigned i = 0; i < n; i++) {
		cfg_t *sec = cfg_getnsec(c->cfg, "device", i);
		struct conf_device *cd = gw_opts_copy(&sec_device, sec, c->file, rep, arg);
		struct gw_device_spec *s = &c->devices[c->n_devices];
		const char *reason;

		if (!cd) {
			errors++;
			continue;
		}
		snprintf(s->name, sizeof(s->name), "%s", cfg_title(sec));
		snprintf(s->address, sizeof(s->address), "%s", cd->address);
		s->port = (uint16_t)cd->port;
		snprintf(s->credentials, sizeof(s->credentials), "%s", cd->credentials);
		snprintf(s->plugin, sizeof(s->plugin), "%s", cd->plugin ? cd->plugin : "");
		memcpy(s->interval_ms, cd->interval_ms, sizeof(s->interval_ms));
		s->enabled = cd->enabled;
		gw_opts_free(&sec_device, cd);
		if (strlen(cfg_title(sec)) >= sizeof(s->name)) {
			rep(arg, c->file, sec->line, "device", "name too long");
			errors++;
			continue;
		}
		if (gw_device_spec_check(s, &reason) < 0) {
			rep(arg, c->file, sec->line, "address", reason);
			errors++;
			continue;
		}
		if (!gw_config_credentials(c, s->credentials)) {
			rep(arg, c->file, sec->line, "credentials", "no credentials section of that name");
			errors++;
			continue;
		}
		if (s->plugin[0] && !gw_plugin_find(s->plugin)) {
			rep(arg, c->file, sec->line, "plugin", "no such plugin in this build");
			errors++;
			continue;
		}
		c->n_devices++;
	}
	return errors ? -1 : 0;
}

static int check_uplink(struct gw_config *c, gw_opts_report_fn rep, void *arg)
{
	cfg_t *sec = cfg_getsec(c->cfg, "uplink");
	int line = sec ? sec->line : 0;

	if (!c->uplink->enabled)
		return 0;
	if (!c->uplink->base_url) {
		rep(arg, c->file, line, "base_url", "required when the uplink is enabled");
		return -1;
	}
	if (!!c->uplink->cert_file != !!c->uplink->key_file) {
		rep(arg, c->file, line, c->uplink->cert_file ? "key_file" : "cert_file",
		    "cert_file and key_file go together");
		return -1;
	}
	return 0;
}

struct gw_config *gw_config_load(const char *file, gw_opts_report_fn rep, void *arg)
{
	const struct gw_section *secs[MAX_SECTIONS];
	size_t n = gw_config_sections(secs, MAX_SECTIONS);
	struct gw_config *c = calloc(1, sizeof(*c));
	cfg_opt_t *built = NULL;
	int errors = 0;

	if (!c)
		return NULL;
	c->file = strdup(file);
	built = gw_opts_build(secs, n);
	if (!built || !c->file)
		goto err_free;
	c->cfg = gw_opts_parse(file, secs, n, built, rep, arg);
	/* libconfuse copied the option array; ours is no longer needed */
	gw_opts_free_built(built);
	if (!c->cfg)
		goto err_free;
	c->gateway = gw_opts_copy(&sec_gateway, cfg_getsec(c->cfg, "gateway"), file, rep, arg);
	c->store = gw_opts_copy(&sec_store, cfg_getsec(c->cfg, "store"), file, rep, arg);
	c->uplink = gw_opts_copy(&sec_uplink, cfg_getsec(c->cfg, "uplink"), file, rep, arg);
	c->proxy = gw_opts_copy(&sec_proxy, cfg_getsec(c->cfg, "proxy"), file, rep, arg);
	c->schedule = gw_opts_copy(&sec_schedule, cfg_getsec(c->cfg, "schedule"), file, rep, arg);
	c->api = gw_opts_copy(&gw_sec_api, cfg_getsec(c->cfg, "api"), file, rep, arg);
	if (!c->gateway || !c->store || !c->uplink || !c->proxy || !c->schedule || !c->api)
		goto err_free;
	errors += load_creds(c, rep, arg) < 0;
	errors += load_devices(c, rep, arg) < 0;
	errors += check_uplink(c, rep, arg) < 0;
	errors += gw_config_load_discovery(c, rep, arg) < 0;
	if (errors)
		goto err_free;
	return c;

err_free:
	gw_config_free(c);
	return NULL;
}

void gw_config_free(struct gw_config *c)
{
	if (!c)
		return;
	gw_opts_free(&sec_gateway, c->gateway);
	gw_opts_free(&sec_store, c->store);
	gw_opts_free(&sec_uplink, c->uplink);
	gw_opts_free(&sec_proxy, c->proxy);
	gw_opts_free(&sec_schedule, c->schedule);
	gw_opts_free(&gw_sec_api, c->api);
	gw_config_free_discovery(c);
	for (unsigned i = 0; i < c->n_creds; i++) {
		struct gw_cred_entry *e = &c->creds[i];
		free((char *)e->c.name);
		free((char *)e->c.user);
		free((char *)e->c.context);
		gw_secret_clear(&e->community);
		gw_secret_clear(&e->auth_pass);
		gw_secret_clear(&e->priv_pass);
	}
	free(c->creds);
	free(c->devices);
	if (c->cfg)
		cfg_free(c->cfg);
	free(c->file);
	free(c);
}

const struct gw_credentials *gw_config_credentials(const struct gw_config *c, const char *name)
{
	for (unsigned i = 0; i < c->n_creds; i++)
		if (strcmp(c->creds[i].c.name, name) == 0)
			return &c->creds[i].c;
	return NULL;
}
