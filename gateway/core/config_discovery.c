/*
 * The discovery section (how a run probes) and the approve sections (which
 * candidates the file puts on the managed list). Discovery never starts by
 * itself: start_on_boot, the local web page or a cloud command starts it.
 */
#include "config.h"
#include "../devices/discovery.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define O(type, field) offsetof(type, field)
#define DISC(field) O(struct gw_conf_discovery, field)

static bool check_ranges(const char *v, const char **reason)
{
	struct gw_ranges r;

	return gw_ranges_parse(v, GW_DISC_LIMIT, &r, reason) == 0;
}

static bool check_mac(const char *v, const char **reason)
{
	bool ok = strlen(v) == 17;

	for (int i = 0; ok && i < 17; i++)
		ok = i % 3 == 2 ? v[i] == ':' : isxdigit((unsigned char)v[i]);
	if (!ok)
		*reason = "a MAC address is written 00:26:ab:01:02:03";
	return ok;
}

static bool check_ip(const char *v, const char **reason)
{
	unsigned char a[16];

	if (inet_pton(AF_INET, v, a) == 1 || inet_pton(AF_INET6, v, a) == 1)
		return true;
	*reason = "must be an IPv4 or IPv6 address";
	return false;
}

static const struct gw_opt discovery_opts[] = {
	{"start_on_boot", GW_OPT_BOOL, "false", DISC(start_on_boot),
	 "Run one discovery when the gateway starts. Otherwise discovery runs only when "
	 "someone starts it (the local web page, a cloud command)."},
	{"ranges", GW_OPT_STRING, NULL, DISC(ranges),
	 "Comma-separated IPv4 networks to sweep, such as \"192.0.2.0/24, 198.51.100.0/25\". "
	 "IPv6 ranges are refused: add IPv6 printers by address.", .check = check_ranges},
	{"max_addresses", GW_OPT_INT, "1024", DISC(max_addresses),
	 "The most addresses one run may probe (1024: a /22). Longer ranges are refused.",
	 .min = 1, .max = GW_DISC_LIMIT},
	{"rate", GW_OPT_INT, "200", DISC(rate),
	 "Addresses probed per second; each protocol sends one or two datagrams to each.",
	 .min = 1, .max = GW_DISC_RATE_MAX},
	{"broadcast", GW_OPT_BOOL, "true", DISC(broadcast),
	 "Also send each protocol's probe to the limited broadcast and to each range's "
	 "directed broadcast, three times, a second apart."},
	{"enpc", GW_OPT_BOOL, "true", DISC(enpc),
	 "Probe with ENPC (Epson, UDP): the probe and the basic-information query."},
	{"snmp", GW_OPT_BOOL, "true", DISC(snmp),
	 "Probe with SNMP: GETNEXT of the Epson and the PWG IEEE 1284 device id."},
	{"enpc_port", GW_OPT_INT, "3289", DISC(enpc_port), "UDP port ENPC probes go to.",
	 .min = 1, .max = 65535},
	{"snmp_port", GW_OPT_INT, "161", DISC(snmp_port), "UDP port SNMP probes go to.",
	 .min = 1, .max = 65535},
	{"wait", GW_OPT_DURATION, "3s", DISC(wait_ms),
	 "How long answers are awaited after the last probe.", .min = 500, .max = 60000},
	{"credentials", GW_OPT_STRING, NULL, DISC(credentials),
	 "Credentials section whose SNMP v1/v2c community the probes use. Unset: "
	 "SNMPv1 community \"public\"."},
	{0},
};

struct conf_approve {
	char *serial;
	char *mac;
	char *address;
	char *credentials;
};

#define APP(field) O(struct conf_approve, field)
static const struct gw_opt approve_opts[] = {
	{"serial", GW_OPT_STRING, NULL, APP(serial),
	 "Approve the candidate with this serial number."},
	{"mac", GW_OPT_STRING, NULL, APP(mac),
	 "Else the candidate with this MAC address.", .check = check_mac},
	{"address", GW_OPT_STRING, NULL, APP(address),
	 "Else the candidate at this address (the weakest match).", .check = check_ip},
	{"credentials", GW_OPT_STRING, NULL, APP(credentials),
	 "Name of the credentials section it is polled with.", .flags = GW_OPTF_REQUIRED},
	{0},
};

const struct gw_section gw_sec_discovery = {
	"discovery", "Finding printers that are not managed yet. What is found becomes a "
	"candidate: identified (model, serial number, MAC), kept locally, read no further "
	"until approved.", discovery_opts, sizeof(struct gw_conf_discovery), 0,
	"discovery {\n  ranges = \"192.0.2.0/24\"\n  start_on_boot = true\n}",
};

const struct gw_section gw_sec_approve = {
	"approve", "A discovered candidate approved onto the managed list under the section's "
	"title, matched by serial number, else MAC, else address. Once that device is managed "
	"the section does nothing more: deleting it does not remove the device.",
	approve_opts, sizeof(struct conf_approve), GW_SECF_MULTI,
	"approve \"lobby\" {\n  serial = \"X5E1234567\"\n  credentials = \"office\"\n}",
};

static bool name_ok(const char *n)
{
	size_t len = strlen(n);

	return len > 0 && len < GW_DEV_NAME_MAX &&
	       strspn(n, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") == len;
}

static int check_creds(struct gw_config *c, const char *name, int line, const char *key,
		       bool snmp_community, gw_opts_report_fn rep, void *arg)
{
	const struct gw_credentials *cr = gw_config_credentials(c, name);

	if (!cr) {
		rep(arg, c->file, line, key, "no credentials section of that name");
		return -1;
	}
	if (snmp_community && cr->version == GW_SNMP_V3) {
		rep(arg, c->file, line, key, "discovery needs an SNMP v1 or v2c community");
		return -1;
	}
	return 0;
}

static int load_approval(struct gw_config *c, cfg_t *sec, gw_opts_report_fn rep, void *arg)
{
	struct conf_approve *ca = gw_opts_copy(&gw_sec_approve, sec, c->file, rep, arg);
	struct gw_approve_rule *r = &c->approvals[c->n_approvals];
	const char *title = cfg_title(sec);
	int rc = -1;

	if (!ca)
		return -1;
	if (!name_ok(title)) {
		rep(arg, c->file, sec->line, "approve",
		    "the title names the device: 1-63 letters, digits, '-', '_' or '.'");
		goto out;
	}
	for (unsigned i = 0; i < c->n_approvals; i++)
		if (strcmp(c->approvals[i].name, title) == 0) {
			rep(arg, c->file, sec->line, "approve", "a second approve of that name");
			goto out;
		}
	if (!ca->serial && !ca->mac && !ca->address) {
		rep(arg, c->file, sec->line, "approve", "needs serial, mac or address");
		goto out;
	}
	if ((ca->serial && strlen(ca->serial) >= sizeof(r->serial)) ||
	    (ca->address && strlen(ca->address) >= sizeof(r->address)) ||
	    strlen(ca->credentials) >= sizeof(r->credentials)) {
		rep(arg, c->file, sec->line, "approve", "a value is too long");
		goto out;
	}
	if (check_creds(c, ca->credentials, sec->line, "credentials", false, rep, arg) < 0)
		goto out;
	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s", title);
	snprintf(r->serial, sizeof(r->serial), "%s", ca->serial ? ca->serial : "");
	snprintf(r->mac, sizeof(r->mac), "%s", ca->mac ? ca->mac : "");
	snprintf(r->address, sizeof(r->address), "%s", ca->address ? ca->address : "");
	snprintf(r->credentials, sizeof(r->credentials), "%s", ca->credentials);
	for (char *p = r->mac; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	c->n_approvals++;
	rc = 0;
out:
	gw_opts_free(&gw_sec_approve, ca);
	return rc;
}

int gw_config_load_discovery(struct gw_config *c, gw_opts_report_fn rep, void *arg)
{
	cfg_t *sec = cfg_getsec(c->cfg, "discovery");
	unsigned n = cfg_size(c->cfg, "approve");
	struct gw_ranges ranges;
	const char *reason;
	int errors = 0;

	c->discovery = gw_opts_copy(&gw_sec_discovery, sec, c->file, rep, arg);
	if (!c->discovery)
		return -1;
	if (gw_ranges_parse(c->discovery->ranges, (uint32_t)c->discovery->max_addresses,
			    &ranges, &reason) < 0) {
		rep(arg, c->file, sec ? sec->line : 0, "ranges", reason);
		errors++;
	}
	if (c->discovery->credentials &&
	    check_creds(c, c->discovery->credentials, sec ? sec->line : 0, "credentials", true,
			rep, arg) < 0)
		errors++;
	c->approvals = calloc(n ? n : 1, sizeof(*c->approvals));
	if (!c->approvals)
		return -1;
	for (unsigned i = 0; i < n; i++)
		errors += load_approval(c, cfg_getnsec(c->cfg, "approve", i), rep, arg) < 0;
	return errors ? -1 : 0;
}

void gw_config_free_discovery(struct gw_config *c)
{
	gw_opts_free(&gw_sec_discovery, c->discovery);
	c->discovery = NULL;
	free(c->approvals);
	c->approvals = NULL;
	c->n_approvals = 0;
}

void gw_config_discovery_req(const struct gw_config *c, struct gw_discovery_req *req)
{
	const struct gw_conf_discovery *d = c->discovery;

	*req = (struct gw_discovery_req){
		.ranges = d->ranges ? d->ranges : "",
		.max_addresses = (uint32_t)d->max_addresses,
		.rate = (uint32_t)d->rate,
		.broadcast = d->broadcast,
		.enpc = d->enpc,
		.snmp = d->snmp,
		.enpc_port = (uint16_t)d->enpc_port,
		.snmp_port = (uint16_t)d->snmp_port,
		.wait_ms = d->wait_ms,
		.cred = d->credentials ? gw_config_credentials(c, d->credentials) : NULL,
	};
}
