#include "daemon.h"
#include "config.h"
#include "clock.h"
#include "hmac_key.h"
#include "log.h"
#include "plugin.h"
#include "../control/audit.h"
#include "../devices/candidates.h"
#include "../devices/devices.h"
#include "../devices/discovery.h"
#include "../devices/health.h"
#include "../devices/scheduler.h"
#include "../http/api.h"
#include "../store/buffer.h"
#include "../store/store.h"
#include "../store/testfeed.h"
#include "../uplink/uploader.h"

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define SUB "daemon"

struct daemon {
	const struct gw_daemon_opts *opts;
	struct event_base *base;
	struct gw_config *conf;
	struct gw_store *store;
	struct gw_devices *devices;
	struct gw_plugins plugins;
	struct gw_scheduler *sched;
	struct gw_candidates *cands;
	struct gw_discoverer *disc;
	struct gw_health *health;
	struct gw_uplink *uplink;
	struct gw_testfeed *feed;
	struct gw_api *api;
	int64_t started_ms;
	struct event *sig_term, *sig_int, *sig_hup;
	int exit_code;
};

static void log_report(void *arg, const char *file, int line, const char *key,
		       const char *reason)
{
	(void)arg;
	gw_err("config", "%s:%d: %s: %s", file, line, key, reason);
}

static void apply_log_level(struct daemon *d)
{
	gw_log_set_level(d->opts->log_level >= 0 ? d->opts->log_level
			 : d->conf->gateway->log_level + GW_LOG_ERROR);
}

static void on_stop(evutil_socket_t sig, short what, void *arg)
{
	struct daemon *d = arg;

	(void)what;
	gw_notice(SUB, "signal %d: stopping", (int)sig);
	/* the local API first: it reads from everything stopped below */
	gw_api_free(d->api);
	d->api = NULL;
	/* stop collecting first so nothing new arrives while we flush */
	gw_discoverer_free(d->disc);
	d->disc = NULL;
	gw_health_stop(d->health);
	gw_scheduler_stop(d->sched);
	event_base_loopexit(d->base, NULL);
}

/* The record buffer's settings that follow the file. */
static void configure_buffer(struct daemon *d)
{
	gw_buffer_configure(d->store, &(struct gw_buffer_opts){
		.gateway_id = d->conf->gateway->id,
		/* without uploads nothing leaves within a grace period: no staging */
		.stage_grace_ms = d->conf->uplink->enabled ? d->conf->store->stage_grace_ms : 0,
		.stage_max = d->conf->store->stage_max,
	});
}

/* Fleet health and candidates follow the file (approvals apply at once). */
static void configure_fleet(struct daemon *d)
{
	const struct gw_conf_schedule *sc = d->conf->schedule;

	gw_health_configure(d->health, sc->silent_after_ms);
	gw_candidates_set_move_after(d->cands, sc->offline_after * sc->interval_ms[0]);
	gw_candidates_set_poll_port(d->cands, (uint16_t)d->conf->discovery->snmp_port);
	gw_candidates_set_rules(d->cands, d->conf->approvals, d->conf->n_approvals);
}

static const char *state_dir(const struct daemon *d)
{
	return d->opts->state_dir ? d->opts->state_dir : d->conf->gateway->state_dir;
}

/* What the local API reads from. */
static struct gw_api_sources api_sources(struct daemon *d)
{
	return (struct gw_api_sources){
		.store = d->store, .devices = d->devices, .cands = d->cands, .disc = &d->disc,
		.health = d->health, .sched = d->sched, .uplink = &d->uplink,
		.plugins = &d->plugins, .started_mono_ms = d->started_ms,
	};
}

static void on_reload(evutil_socket_t sig, short what, void *arg)
{
	struct daemon *d = arg;
	struct gw_config *next;
	struct gw_uplink_update *up;
	char why[400];

	(void)sig;
	(void)what;
	gw_notice(SUB, "SIGHUP: reloading %s", d->opts->config_file);
	next = gw_config_load(d->opts->config_file, log_report, NULL);
	if (!next) {
		gw_err(SUB, "the new configuration is refused; the running one stays in force");
		return;
	}
	if (strcmp(next->gateway->id, d->conf->gateway->id) != 0 ||
	    (!d->opts->state_dir && strcmp(next->gateway->state_dir,
					   d->conf->gateway->state_dir) != 0)) {
		gw_err(SUB, "gateway.id and gateway.state_dir change only with a restart; "
		       "the new configuration is refused");
		gw_config_free(next);
		return;
	}
	/* the uplink's TLS material and proxy are loaded now: refused, nothing changes */
	up = gw_uplink_prepare(next, why, sizeof(why));
	if (!up) {
		gw_err(SUB, "uplink: %s; the new configuration is refused", why);
		gw_config_free(next);
		return;
	}
	gw_scheduler_configure(d->sched, next);
	gw_config_free(d->conf);
	d->conf = next;
	apply_log_level(d);
	gw_devices_sync_config(d->devices, d->conf->devices, d->conf->n_devices);
	configure_fleet(d);
	configure_buffer(d);
	gw_uplink_apply(&d->uplink, d->base, d->store, d->conf, up);
	{
		struct gw_api_sources src = api_sources(d);
		gw_api_apply(&d->api, d->base, d->conf, state_dir(d), &src);
	}
	gw_audit("local", "config.reload", d->opts->config_file, "configuration reloaded");
}

/*
 * Fork into the background before anything (LMDB, threads) exists. The
 * parent waits until the child reports how its start went and exits with
 * that code, so a refused start is still seen by whoever ran us.
 */
static int daemonize(int *report_fd)
{
	int p[2];
	pid_t pid;
	char code = 1;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid > 0) {
		close(p[1]);
		if (read(p[0], &code, 1) != 1)
			code = 1;
		_exit(code);
	}
	close(p[0]);
	if (setsid() < 0)
		return -1;
	if (fork() > 0)
		_exit(0); /* not a session leader: can never reacquire a terminal */
	if (chdir("/") < 0)
		return -1;
	umask(027);
	int null = open("/dev/null", O_RDWR);
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		if (null > 2)
			close(null);
	}
	*report_fd = p[1];
	return 0;
}

static void report_start(int *fd, char code)
{
	if (*fd < 0)
		return;
	if (write(*fd, &code, 1) != 1)
		gw_warn(SUB, "could not report the start to the parent");
	close(*fd);
	*fd = -1;
}

static int add_signal(struct daemon *d, struct event **ev, int sig, event_callback_fn fn)
{
	*ev = evsignal_new(d->base, sig, fn, d);
	return *ev && evsignal_add(*ev, NULL) == 0 ? 0 : -1;
}

/*
 * The allocator, tuned for a small resident size: one arena for both
 * threads (a second arena for the store's writer keeps its own free
 * memory), and a fixed threshold for blocks that get their own mapping,
 * given back whole when freed. By default glibc raises that threshold to
 * the largest block freed so far, after which buffers of megabytes (a
 * batch, a staging burst) come from the heap and leave holes in it.
 */
static void tune_malloc(void)
{
	mallopt(M_ARENA_MAX, 1);
	mallopt(M_MMAP_THRESHOLD, 128 << 10);
	mallopt(M_TRIM_THRESHOLD, 256 << 10);
}

int gw_daemon_run(const struct gw_daemon_opts *o)
{
	struct daemon d = {.opts = o, .exit_code = 1, .started_ms = gw_clock_mono_ms()};
	struct gw_store_opts so;
	const char *reason = "";
	int report_fd = -1;

	tune_malloc();
	gw_log_use_syslog(!o->foreground || o->syslog);
	d.conf = gw_config_load(o->config_file, log_report, NULL);
	if (!d.conf) {
		gw_err(SUB, "%s: configuration refused", o->config_file);
		return 2;
	}
	if (!o->foreground && daemonize(&report_fd) < 0) {
		gw_err(SUB, "cannot run in the background: %s", strerror(errno));
		gw_config_free(d.conf);
		return 1;
	}
	apply_log_level(&d);
	signal(SIGPIPE, SIG_IGN);
	d.base = event_base_new();
	if (!d.base)
		goto out;
	so = (struct gw_store_opts){
		.dir = o->state_dir ? o->state_dir : d.conf->gateway->state_dir,
		.max_bytes = d.conf->store->max_size,
		.durability = (enum gw_durability)d.conf->store->durability,
		.sync_interval_ms = d.conf->store->sync_interval_ms,
	};
	if (gw_store_open(d.base, &so, &d.store, &reason) < 0) {
		gw_err(SUB, "%s: %s", so.dir, reason);
		goto out;
	}
	gw_audit_attach(d.store);
	configure_buffer(&d);
	if (gw_uplink_new(d.base, d.store, d.conf, &d.uplink) < 0)
		goto out;
	d.feed = gw_testfeed_start(d.base, d.store); /* TEST HOOK: only with ECSP_TEST_FEED */
	if (gw_devices_open(d.store, &d.devices) < 0) {
		gw_err(SUB, "the managed device list cannot be read");
		goto out;
	}
	if (gw_plugins_start(&d.plugins, d.base, d.conf->cfg, d.conf->file) < 0)
		goto out;
	d.sched = gw_scheduler_new(d.base, d.devices, &d.plugins, d.store);
	if (!d.sched)
		goto out;
	gw_scheduler_configure(d.sched, d.conf);
	{
		/* without its key a job owner is left out, never sent in clear */
		uint8_t key[GW_HMAC_KEY_LEN];
		if (gw_hmac_key_load(so.dir, key, &reason) == 0)
			gw_scheduler_set_user_key(d.sched, key, sizeof(key));
		else
			gw_err(SUB, "%s: %s; job owners are not reported", so.dir, reason);
		memset(key, 0, sizeof(key));
	}
	gw_devices_sync_config(d.devices, d.conf->devices, d.conf->n_devices);
	gw_scheduler_start(d.sched);
	if (gw_candidates_open(d.store, d.devices, &d.cands) < 0 ||
	    !(d.disc = gw_discoverer_new(d.base, &d.plugins, d.cands)) ||
	    !(d.health = gw_health_new(d.base, d.devices, d.store)))
		goto out;
	configure_fleet(&d);
	gw_health_start(d.health);
	if (d.conf->discovery->start_on_boot) {
		struct gw_discovery_req req;
		gw_config_discovery_req(d.conf, &req);
		if (gw_discoverer_start(d.disc, &req, "config", &reason) < 0)
			gw_err(SUB, "discovery at start refused: %s", reason);
	}
	{
		/* a local API that cannot start is reported; the gateway runs without it */
		struct gw_api_sources src = api_sources(&d);
		gw_api_new(d.base, d.conf, so.dir, &src, &d.api);
	}
	if (add_signal(&d, &d.sig_term, SIGTERM, on_stop) < 0 ||
	    add_signal(&d, &d.sig_int, SIGINT, on_stop) < 0 ||
	    add_signal(&d, &d.sig_hup, SIGHUP, on_reload) < 0)
		goto out;
	gw_notice(SUB, "ecsp-gateway %s running as %s, state in %s, %u managed devices",
		  GW_VERSION, d.conf->gateway->id, so.dir, gw_devices_count(d.devices));
	report_start(&report_fd, 0);
	event_base_dispatch(d.base);
	d.exit_code = 0;

out:
	report_start(&report_fd, (char)d.exit_code);
	gw_api_free(d.api);
	gw_discoverer_free(d.disc);
	gw_health_free(d.health);
	gw_scheduler_free(d.sched);
	gw_plugins_stop(&d.plugins);
	gw_uplink_free(d.uplink);
	gw_testfeed_stop(d.feed);
	if (d.store)
		gw_store_flush(d.store);   /* everything handed over is committed */
	gw_audit_attach(NULL);
	gw_candidates_close(d.cands);
	gw_devices_close(d.devices);
	gw_store_close(d.store);
	if (d.sig_term)
		event_free(d.sig_term);
	if (d.sig_int)
		event_free(d.sig_int);
	if (d.sig_hup)
		event_free(d.sig_hup);
	if (d.base)
		event_base_free(d.base);
	gw_config_free(d.conf);
	if (d.exit_code == 0)
		gw_notice(SUB, "stopped");
	return d.exit_code;
}
