/*
 * Discovery: finding printers that are not managed yet. A run starts only
 * when someone asks (the configuration, the local web page, a cloud
 * command): it probes IPv4 ranges at a bounded rate, broadcasts, and turns
 * every answer into a candidate (devices/candidates.h). Candidates are
 * identified only: model, serial number, MAC. Nothing else is read from
 * them until they are approved onto the managed list.
 *
 * The plugins that offer GW_ROLE_DISCOVER do the talking, through the
 * discover() hook described in core/plugin.h. The core owns the range, the
 * pace, the progress and the result; a plugin only sends what it is asked
 * to send and reports what answers.
 *
 * What each discovering plugin does with the hook:
 *
 *  ENPC (plugins/enpc): to every target and broadcast address, the
 *   "EPSONP" probe and the basic-information query (function 0000) on UDP
 *   d->port (3289); a reply gives the MAC (probe reply) and the model
 *   (basic-information reply) where the layout is a known one, else
 *   "an Epson device is here, details unknown".
 *
 *  SNMP (plugins/snmp), with d->cred (SNMPv1/v2c community, "public" by
 *   default) on UDP d->port (161):
 *   - BROADCAST: one GETNEXT PDU asking for both
 *       1.3.6.1.4.1.1248.1.2.2.1.1.1.1   Epson IEEE-1284 device id
 *       1.3.6.1.4.1.2699.1.2.1.2.1.1.3   PWG ppmPrinterIEEE1284DeviceId
 *     to each bcast[] address (Epson's own driver discovers inkjets this
 *     way and repeats it every 2 s; the core repeats BROADCAST);
 *   - PROBE: the same GETNEXT to each targets[] address;
 *   - an answer whose varbind stays under one of the two columns carries
 *     an IEEE-1284 id ("MFG:EPSON;MDL:...;"): manufacturer from MFG, model
 *     from MDL. Then, still identification only, one GET to that address
 *     for prtGeneralSerialNumber.1 (1.3.6.1.2.1.43.5.1.1.17.1),
 *     sysObjectID.0 and hrDeviceType.1 (1.3.6.1.2.1.25.3.2.1.2.1), and a
 *     GETNEXT walk of ifPhysAddress (1.3.6.1.2.1.2.2.1.6) to the first
 *     real MAC; the serial and MAC go into the candidate. An answer without
 *     a 1284 id (a GETNEXT that walks out of both columns) is a host that
 *     speaks SNMP;
 *   - printers only: an address is a printer when its 1284 id says so
 *     (CLS:PRINTER, or no class at all), when it has Printer-MIB
 *     (prtGeneralSerialNumber.1 exists) or when hrDeviceType.1 is
 *     hrDevicePrinter; a printer without a 1284 id is reported with
 *     details_unknown. Anything else that answered (a router, a
 *     projector, a scanner) is reported with not_printer: the run counts
 *     it as ignored (gw_discovery_progress.ignored), no candidate is made;
 *   - it reads nothing else (no supplies, no counters, no status);
 *   - answers from addresses it did not probe are dropped unless a
 *     BROADCAST went out in this run; the request id of the answer must
 *     match one the plugin sent;
 *   - END: finish the follow-up GETs within timeout_ms, then
 *     gw_discovery_done(d, 0).
 */
#ifndef GW_DISCOVERY_H
#define GW_DISCOVERY_H

#include "candidates.h"
#include "../core/plugin.h"

#include <event2/event.h>
#include <stdbool.h>
#include <stdint.h>

#define GW_DISC_MAX_RANGES 16
#define GW_DISC_DEFAULT_MAX 1024       /* a /22 */
#define GW_DISC_LIMIT 65536            /* the most max_addresses may be set to */
#define GW_DISC_RATE_MAX 5000
#define GW_DISC_BROADCASTS 3           /* broadcast probes per run, 1 s apart */

/* An IPv4 range, host byte order. */
struct gw_cidr {
	uint32_t net;
	uint8_t prefix;
};

/*
 * "192.0.2.0/24" or a bare address (/32). Host bits must be zero. IPv6 is
 * refused with a reason (a /64 cannot be swept; add IPv6 printers by address).
 */
int gw_cidr_parse(const char *s, struct gw_cidr *out, const char **reason);
/* Addresses probed in it: network and broadcast addresses left out below /31. */
uint32_t gw_cidr_hosts(const struct gw_cidr *c);
/* The i-th probed address (i < hosts), host order. */
uint32_t gw_cidr_host(const struct gw_cidr *c, uint32_t i);
/* Its directed broadcast address, or 0 for /31 and /32. */
uint32_t gw_cidr_broadcast(const struct gw_cidr *c);

struct gw_ranges {
	unsigned n;
	struct gw_cidr v[GW_DISC_MAX_RANGES];
	uint32_t total;                /* addresses to probe, all ranges */
};

/*
 * A comma-separated list of ranges, at most max_addresses addresses in
 * all. Overlapping ranges are refused. 0 or -EINVAL with *reason.
 */
int gw_ranges_parse(const char *list, uint32_t max_addresses, struct gw_ranges *out,
		    const char **reason);
/* The i-th address of the whole list (i < total), host order. */
uint32_t gw_ranges_at(const struct gw_ranges *r, uint32_t i);

/*
 * The pace: a token bucket of per_s probes a second, bursts of at most a
 * tenth of a second's worth (at least one). Pure arithmetic over the
 * monotonic clock the caller passes.
 */
struct gw_rate {
	uint32_t per_s;
	uint32_t burst;
	uint64_t credit;               /* thousandths of a probe */
	int64_t last_ms;
};

void gw_rate_init(struct gw_rate *r, uint32_t per_s, int64_t now_ms);
/* How many of want probes may go now; they are taken from the bucket. */
unsigned gw_rate_take(struct gw_rate *r, int64_t now_ms, unsigned want);
/* Milliseconds until the next probe may go (0: now). */
int64_t gw_rate_wait_ms(const struct gw_rate *r);

/* A set of IPv4 addresses (probed, answered), for runs and plugins. */
struct gw_addrset {
	uint32_t *slot;                /* open addressing; 0 is the empty slot */
	uint32_t cap, n;
	bool has_zero;
};

int gw_addrset_add(struct gw_addrset *s, uint32_t ip);   /* 1 added, 0 present, <0 */
bool gw_addrset_has(const struct gw_addrset *s, uint32_t ip);
void gw_addrset_clear(struct gw_addrset *s);             /* frees */

/* What a run is asked to do. */
struct gw_discovery_req {
	const char *ranges;            /* comma-separated IPv4 CIDRs; may be empty with broadcast */
	uint32_t max_addresses;        /* 0: GW_DISC_DEFAULT_MAX */
	uint32_t rate;                 /* addresses probed per second; 0: 200 */
	bool broadcast;                /* also probe the limited and directed broadcasts */
	bool enpc, snmp;               /* which protocols take part */
	uint16_t enpc_port, snmp_port; /* 0: 3289, 161 */
	int64_t wait_ms;               /* answers awaited after the last probe; 0: 3 s */
	bool for_cloud;                /* the cloud started it: candidates go up as inventory */
	const struct gw_credentials *cred; /* SNMP probes; NULL: v1 "public" */
};

enum gw_discovery_state {
	GW_DSTATE_IDLE = 0,            /* never ran */
	GW_DSTATE_PROBING,
	GW_DSTATE_WAITING,             /* every address probed; the last answers may come */
	GW_DSTATE_DONE,
	GW_DSTATE_CANCELLED,
};

struct gw_discovery_progress {
	uint32_t run;                  /* 0: none yet */
	enum gw_discovery_state state;
	uint32_t probed, total;        /* addresses: the progress bar */
	uint32_t found;                /* addresses that answered (printers or not) */
	uint32_t new_candidates;       /* candidates this run created */
	uint32_t managed;              /* answers from devices already managed */
	uint32_t ignored;              /* addresses that answered but are not printers */
	int64_t started_ms, finished_ms; /* wall clock; 0: not yet */
	bool for_cloud;
	char actor[64];
};

struct gw_discoverer;

struct gw_discoverer *gw_discoverer_new(struct event_base *base, struct gw_plugins *plugins,
					struct gw_candidates *cands);
/* Cancels a run in progress (without audit). Accepts NULL. */
void gw_discoverer_free(struct gw_discoverer *x);

/*
 * Start a run. actor is audited ("config", "local:admin", "cloud:..."). -EBUSY
 * while a run is going, -EINVAL for bad ranges, -ENODEV when no plugin of
 * this build takes part; *reason says why.
 */
int gw_discoverer_start(struct gw_discoverer *x, const struct gw_discovery_req *req,
			const char *actor, const char **reason);
/* Stop the run in progress; -ENOENT when none. Audited. */
int gw_discoverer_cancel(struct gw_discoverer *x, const char *actor);
/* The current (or last) run's progress. */
void gw_discoverer_progress(const struct gw_discoverer *x, struct gw_discovery_progress *p);
const char *gw_discovery_state_name(enum gw_discovery_state s);

#endif
