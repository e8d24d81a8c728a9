/*
 * Profiles: what a poll reads and how the answers become the device object.
 *
 * A poll runs in two rounds. The first GET identifies the device (system
 * group, IEEE-1284 ids). The profiles then name the subtrees and scalars to
 * read for the parts that are due; everything read lands in one vbset, and
 * at the end each profile fills the device object from it. Profiles never
 * talk to the network themselves: they are plans and pure fill functions,
 * which is what lets the unit tests feed them recorded data.
 */
#ifndef GW_SNMP_PROFILE_H
#define GW_SNMP_PROFILE_H

#include "ber.h"
#include "core/devdata.h"
#include "core/plugin.h"
#include "vbset.h"

#include <stdbool.h>
#include <stdint.h>

#define GW_PLAN_MAX 48

/* What to read: walks of subtrees and GETs of single objects. */
struct gw_plan {
	unsigned n_walks, n_gets;
	struct gw_oid walks[GW_PLAN_MAX];
	struct gw_oid gets[GW_PLAN_MAX];
};

int gw_plan_walk(struct gw_plan *p, const uint32_t *a, unsigned n);
int gw_plan_get(struct gw_plan *p, const uint32_t *a, unsigned n);

/* The context a fill function gets. */
struct gw_fill_ctx {
	unsigned parts;               /* enum gw_collect_part bits read in this poll */
	const uint8_t *user_key;      /* per-gateway HMAC key for user_hash (may be NULL) */
	size_t user_key_len;
	const char *polled_ip;        /* the address the gateway reached, dotted */
	unsigned max_jobs;
};

/* The identity round: objects every device is asked first. */
void gw_profile_ident_plan(struct gw_plan *p, bool v1);

/* True when the identity says this is an Epson printer (not a projector or scanner). */
bool gw_profile_is_epson(const struct gw_vbset *vs);
/* True when the device's enterprise (sysObjectID) is Epson's. */
bool gw_profile_epson_enterprise(const struct gw_vbset *vs);

/* Standard MIBs (Printer-MIB, Host Resources, IF-MIB, Job Monitoring). */
void gw_printer_plan(struct gw_plan *p, unsigned parts);
void gw_printer_fill(const struct gw_vbset *vs, const struct gw_fill_ctx *fc,
		     struct gw_devdata *d);

/* Epson private MIB and EPSON-CTRL over SNMP. */
void gw_epson_plan(struct gw_plan *p, unsigned parts);
/* The second round: GETs that depend on what the first read (ii per ia slot). */
void gw_epson_plan_more(const struct gw_vbset *vs, unsigned parts, struct gw_plan *p);
/* Fills what the Epson sources add; returns true when it used any of them. */
bool gw_epson_fill(const struct gw_vbset *vs, const struct gw_fill_ctx *fc,
		   struct gw_devdata *d);

/* The IANA MIBenum of the printer's current localization, 0 when not said. */
int gw_printer_charset(const struct gw_vbset *vs);
/* Manufacturer from the 1284 id, the description or the enterprise number. */
const char *gw_profile_vendor(const struct gw_vbset *vs, char *buf, size_t len);

/* Parts of the printer profile, in profile_supplies.c and profile_jobs.c. */
void gw_printer_fill_supplies(const struct gw_vbset *vs, struct gw_devdata *d, uint32_t hdi,
			      int cs);
void gw_printer_fill_counters(const struct gw_vbset *vs, struct gw_devdata *d, uint32_t hdi);
void gw_printer_fill_settings(const struct gw_vbset *vs, const struct gw_fill_ctx *fc,
			      struct gw_devdata *d, uint32_t hdi, int cs);
void gw_printer_fill_jobs(const struct gw_vbset *vs, const struct gw_fill_ctx *fc,
			  struct gw_devdata *d);
/* False for an OID whose value must never be kept (job and file names). */
bool gw_profile_keep(const struct gw_oid *o);
/* RFC 2579 DateAndTime as wall-clock ms, GW_ABSENT when malformed. */
int64_t gw_date_and_time_ms(const uint8_t *p, size_t n);
/* True for free text that looks like it echoes a job or a user: never uploaded. */
bool gw_text_echoes_job(const char *s);

/* Keyed hash of a job owner: hex of HMAC-SHA-256(key, owner), truncated to 128 bits. */
int gw_user_hash(const uint8_t *key, size_t keylen, const uint8_t *owner, size_t n,
		 char out[33]);

#endif
