/*
 * SNMP discovery: the plugin's side of a discovery run (core/plugin.h,
 * devices/discovery.h). Each run has an SNMP client of its own, so that a
 * sweep never takes window slots from the polls and the addresses it
 * touched are forgotten when it ends.
 *
 *  BROADCAST  one GETNEXT of the Epson and the PWG 1284-id columns to each
 *             broadcast address, open to answers from any address (on the
 *             run's port, with that request id) for the probe timeout;
 *  PROBE      the same GETNEXT to each target, once (the core paces them),
 *             answers taken from that address and port only;
 *  an answer  identifies: GET prtGeneralSerialNumber.1 and sysObjectID.0,
 *             GETNEXT down ifPhysAddress to the first real MAC. Nothing
 *             else is asked. A host without a 1284 id is a candidate only
 *             when Printer-MIB answers (it has a serial number object);
 *  END        what is under way finishes, or is cut at timeout_ms; then
 *             done, once.
 *
 * Answers from elsewhere, late answers to a closed broadcast and answers
 * with a wrong community are dropped and counted.
 */
#ifndef GW_SNMP_DISCOVER_H
#define GW_SNMP_DISCOVER_H

#include "core/plugin.h"

#include <event2/event.h>
#include <stdint.h>

/* Where the results go: gw_discovery_found/done, or a test's fakes. */
struct gw_snmp_disc_ops {
	void (*found)(struct gw_discovery *d, const struct gw_candidate_info *info);
	void (*done)(struct gw_discovery *d, int status);
};

struct gw_snmp_disc_stats {
	uint64_t runs, probes, broadcasts, answers, broadcast_answers;
	uint64_t identified;        /* reported as candidates */
	uint64_t not_printers;      /* answered, but nothing says printer */
	uint64_t without_1284;      /* answered without a 1284 id */
	uint64_t duplicates;        /* a second answer of an address in one run */
	uint64_t cut_at_end;        /* identification unfinished at the end: reported as is */
	uint64_t unsent;            /* probes still queued at the end */
	uint64_t spoofed, late, unsolicited, mismatch, malformed;
};

struct gw_snmp_disc;

/* per_device: SNMP requests in flight to one address. */
struct gw_snmp_disc *gw_snmp_disc_new(struct event_base *base, unsigned per_device,
				      const struct gw_snmp_disc_ops *ops);
/* Forgets a run in progress without done. Accepts NULL. */
void gw_snmp_disc_free(struct gw_snmp_disc *x);

/* One step of a run, as the discover() hook: 0, or a negative errno. */
int gw_snmp_disc_step(struct gw_snmp_disc *x, struct gw_discovery *d);

void gw_snmp_disc_stats(const struct gw_snmp_disc *x, struct gw_snmp_disc_stats *st);

#endif
