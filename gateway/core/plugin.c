#include "plugin.h"
#include "log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void gw_collect_done(struct gw_collect *job, int status)
{
	job->done(job, status);
}

size_t gw_plugins_sections(const struct gw_section **out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; gw_plugin_table[i]; i++)
		if (gw_plugin_table[i]->config && n < max)
			out[n++] = gw_plugin_table[i]->config;
	return n;
}

const struct gw_plugin *gw_plugin_find(const char *name)
{
	for (size_t i = 0; gw_plugin_table[i]; i++)
		if (strcmp(gw_plugin_table[i]->name, name) == 0)
			return gw_plugin_table[i];
	return NULL;
}

static void log_report(void *arg, const char *file, int line, const char *key,
		       const char *reason)
{
	(void)arg;
	gw_err("plugin", "%s:%d: %s: %s", file, line, key, reason);
}

int gw_plugins_start(struct gw_plugins *ps, struct event_base *base, cfg_t *cfg,
		     const char *file)
{
	size_t n = 0;

	while (gw_plugin_table[n])
		n++;
	ps->v = calloc(n ? n : 1, sizeof(*ps->v));
	ps->n = 0;
	if (!ps->v)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const struct gw_plugin *p = gw_plugin_table[i];
		struct gw_plugin_instance *pi = &ps->v[ps->n];

		if (p->abi != GW_PLUGIN_ABI) {
			gw_err("plugin", "%s: built for plugin ABI %u, the core has %u; skipped",
			       p->name, p->abi, GW_PLUGIN_ABI);
			continue;
		}
		pi->p = p;
		if (p->config) {
			cfg_t *sec = cfg ? cfg_getsec(cfg, p->config->name) : NULL;
			pi->conf = gw_opts_copy(p->config, sec, file, log_report, NULL);
			if (!pi->conf)
				goto err_stop;
		}
		ps->n++;
		if (p->init && p->init(base, pi->conf, &pi->ctx) < 0) {
			gw_err("plugin", "%s: could not be initialised", p->name);
			goto err_stop;
		}
		if (p->start && p->start(pi->ctx) < 0) {
			gw_err("plugin", "%s: could not be started", p->name);
			goto err_stop;
		}
		pi->started = true;
		gw_info("plugin", "%s started", p->name);
	}
	return 0;

err_stop:
	gw_plugins_stop(ps);
	return -EINVAL;
}

void gw_plugins_stop(struct gw_plugins *ps)
{
	for (unsigned i = ps->n; i-- > 0;) {
		struct gw_plugin_instance *pi = &ps->v[i];

		if (pi->started && pi->p->stop)
			pi->p->stop(pi->ctx);
		if (pi->p->destroy && pi->ctx)
			pi->p->destroy(pi->ctx);
		gw_opts_free(pi->p->config, pi->conf);
	}
	free(ps->v);
	ps->v = NULL;
	ps->n = 0;
}

struct gw_plugin_instance *gw_plugins_collector(struct gw_plugins *ps, const char *name)
{
	for (unsigned i = 0; i < ps->n; i++) {
		const struct gw_plugin *p = ps->v[i].p;
		if ((p->roles & GW_ROLE_COLLECT) && (!name || strcmp(p->name, name) == 0))
			return &ps->v[i];
	}
	return NULL;
}
