/*
 * The plugin host. A plugin is data: a const descriptor with its option
 * table, its life cycle and the roles it offers. The core owns scheduling,
 * retries across polls, records and buffering; a plugin never blocks,
 * sleeps, retries on its own schedule or touches the store.
 *
 * Plugins are compiled in and listed in a table the build generates
 * (plugins/gen-plugin-table.py), each exporting one descriptor
 * `const struct gw_plugin gw_plugin_<name>`.
 */
#ifndef GW_PLUGIN_H
#define GW_PLUGIN_H

#include "buf.h"
#include "devdata.h"
#include "opts.h"

#include <event2/event.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#define GW_PLUGIN_ABI 1

enum gw_plugin_role {
	GW_ROLE_COLLECT = 1u << 0,  /* read a managed device */
	GW_ROLE_DISCOVER = 1u << 1, /* find candidate devices */
	GW_ROLE_OPERATE = 1u << 2,  /* carry out a remote operation on a device */
};

/* Parts of a device a poll reads; each part has its own interval. */
enum gw_collect_part {
	GW_PART_STATUS = 1u << 0,   /* status, errors, alerts, panel */
	GW_PART_SUPPLIES = 1u << 1, /* consumables */
	GW_PART_COUNTERS = 1u << 2, /* page counters, cumulative use */
	GW_PART_SETTINGS = 1u << 3, /* identity, firmware, media/network settings */
	GW_PART_JOBS = 1u << 4,     /* job history (metadata only) */
	GW_PART_ALL = 0x1fu,
};

enum gw_snmp_version { GW_SNMP_V1 = 0, GW_SNMP_V2C = 1, GW_SNMP_V3 = 2 };
enum gw_snmp_auth { GW_AUTH_NONE = 0, GW_AUTH_SHA1, GW_AUTH_SHA224, GW_AUTH_SHA256,
		    GW_AUTH_SHA384, GW_AUTH_SHA512 };
enum gw_snmp_priv { GW_PRIV_NONE = 0, GW_PRIV_AES128 };

/* Credentials resolved by the core from a profile, secrets loaded. */
struct gw_credentials {
	const char *name;             /* profile name, for logs */
	enum gw_snmp_version version;
	const char *community;        /* v1/v2c */
	const char *user;             /* v3 */
	enum gw_snmp_auth auth;
	const char *auth_pass;
	enum gw_snmp_priv priv;
	const char *priv_pass;
	const char *context;          /* v3 context name, "" by default */
};

/* One poll of one device. The core owns it; the plugin fills data. */
struct gw_collect {
	uint32_t device_id;
	const char *device_name;      /* for logs */
	struct sockaddr_storage addr; /* address and port */
	socklen_t addrlen;
	const struct gw_credentials *cred;
	unsigned parts;               /* enum gw_collect_part bits */
	int64_t timeout_ms;           /* per request */
	unsigned retries;             /* per request */
	struct gw_devdata *data;      /* the result, created by the core */
	const uint8_t *user_hash_key; /* per-gateway secret for user_hash (may be NULL) */
	size_t user_hash_key_len;
	void *plugin_state;           /* the plugin's own */

	/* core side */
	void (*done)(struct gw_collect *job, int status);
	void *core_arg;
};

/*
 * A plugin reports the end of a poll exactly once, from a loop callback
 * (never from inside collect()). status: 0, or a negative errno value:
 * -ETIMEDOUT (no answer), -EACCES (credentials refused), -EPROTO (answers
 * that make no sense), -ENOTSUP (not a device this plugin can read).
 * Partial data with status 0 is fine: what was read is kept.
 */
void gw_collect_done(struct gw_collect *job, int status);

/*
 * Discovery as a plugin sees it (the core side: devices/discovery.h). The
 * core owns a run: ranges, bounds, pacing, progress, candidates. A plugin
 * sends probes when asked and reports every answer; it reads identification
 * only (model, serial number, MAC) and nothing else from what answers.
 * discover() is called with d->step:
 *   BEGIN      a run starts: prepare plugin_state. A negative return: the
 *              plugin takes no part (no further call, no done).
 *   BROADCAST  send the broadcast probes to bcast[] now (the core repeats it).
 *   PROBE      send unicast probes to targets[] now (the core paced them);
 *              answers are accepted only from addresses probed in this run
 *              (or from anywhere after a BROADCAST).
 *   END        nothing more is asked: wait at most timeout_ms for answers,
 *              then call gw_discovery_done() once (may be from inside END).
 *   CANCEL     forget the run at once; neither found nor done follows.
 * Answers go to gw_discovery_found() from loop callbacks, never from inside
 * discover(). Pointers in d are valid during the call that carries them.
 */
enum gw_discovery_step {
	GW_DISC_BEGIN = 0,
	GW_DISC_BROADCAST,
	GW_DISC_PROBE,
	GW_DISC_END,
	GW_DISC_CANCEL,
};

/* One answer: what a device said it is. Empty strings: not said. */
struct gw_candidate_info {
	struct sockaddr_storage addr;      /* the answer's source, never a payload field */
	socklen_t addrlen;
	unsigned sources;                  /* enum gw_source bits: who answered */
	char manufacturer[32];
	char model[96];
	char serial[64];
	char mac[18];                      /* "00:26:ab:01:02:03", lowercase */
	char hostname[64];
	bool details_unknown;              /* a device answered in a layout we cannot read */
	/*
	 * It answered, and what it said shows it is not a printer (a router,
	 * a projector, a scanner): the run counts it as ignored and makes no
	 * candidate of it. The plugin decides from what it read.
	 */
	bool not_printer;
};

struct gw_discovery {
	uint32_t run;                      /* run number, for logs */
	enum gw_discovery_step step;
	const struct sockaddr_in *targets; /* PROBE: addresses with the port to use */
	unsigned n_targets;
	const struct sockaddr_in *bcast;   /* BROADCAST: with the port to use */
	unsigned n_bcast;
	uint16_t port;                     /* host order: where probes go, answers come from */
	const struct gw_credentials *cred; /* SNMP probes: v1/v2c community */
	int64_t timeout_ms;                /* END: how long answers are still awaited */
	void *plugin_state;                /* the plugin's own */

	/* core side */
	void *core_arg;
};

void gw_discovery_found(struct gw_discovery *d, const struct gw_candidate_info *info);
/* The plugin is finished with the run (after END); status 0 or negative errno. */
void gw_discovery_done(struct gw_discovery *d, int status);

struct gw_operation;

struct gw_plugin {
	unsigned abi;                       /* GW_PLUGIN_ABI */
	const char *name;
	const char *description;
	unsigned roles;
	const struct gw_section *config;    /* section named after the plugin, or NULL */

	/* conf is the typed struct of the config table (NULL without one). */
	int (*init)(struct event_base *base, const void *conf, void **ctx);
	int (*start)(void *ctx);
	/* Stop: cancel what is in flight without calling done. */
	void (*stop)(void *ctx);
	void (*destroy)(void *ctx);
	/* Apply a new configuration, or refuse it (negative) leaving the old. */
	int (*reconfigure)(void *ctx, const void *conf);

	/* GW_ROLE_COLLECT: start a poll; 0 when started. */
	int (*collect)(void *ctx, struct gw_collect *job);
	/* Forget a poll in flight; its done will not be called. */
	void (*cancel)(void *ctx, struct gw_collect *job);
	/* GW_ROLE_DISCOVER, GW_ROLE_OPERATE */
	int (*discover)(void *ctx, struct gw_discovery *d);
	int (*operate)(void *ctx, struct gw_operation *op);
	/* Counters for the local API: writes "name": value pairs as JSON. */
	void (*stats)(void *ctx, struct gw_buf *json);
};

/* The table the build generates, NULL-terminated. */
extern const struct gw_plugin *const gw_plugin_table[];

struct gw_plugin_instance {
	const struct gw_plugin *p;
	void *conf;                         /* typed config, owned */
	void *ctx;
	bool started;
};

struct gw_plugins {
	unsigned n;
	struct gw_plugin_instance *v;
};

/* Sections of all compiled-in plugins, for the config parser and docs. */
size_t gw_plugins_sections(const struct gw_section **out, size_t max);
const struct gw_plugin *gw_plugin_find(const char *name);

/* Create and start one instance per compiled-in plugin. */
int gw_plugins_start(struct gw_plugins *ps, struct event_base *base, cfg_t *cfg,
		     const char *file);
void gw_plugins_stop(struct gw_plugins *ps);
/* Pick the instance that collects from devices (first with the role). */
struct gw_plugin_instance *gw_plugins_collector(struct gw_plugins *ps, const char *name);

#endif
