/*
 * Records about the fleet that are not polls: inventory changes (a device
 * added, moved, a candidate found for the cloud) and fleet events (a device
 * silent, back, answering at two addresses). Each carries the device's
 * identity and one object of facts:
 *   {"device": {model, serial_number, address: {ip, mac}, ...}, "<what>": {...}}
 */
#ifndef GW_FLEET_H
#define GW_FLEET_H

#include "devices.h"
#include "../core/record.h"
#include "../store/store.h"

#include <stdbool.h>
#include <stdint.h>

/* Who the record is about; NULL or "" fields are left out. */
struct gw_ident {
	const char *manufacturer, *model, *serial, *mac, *ip, *hostname;
	unsigned sources;           /* enum gw_source bits */
};

/* One fact: a string, a number, or (is_time) a wall-clock time in ms. */
struct gw_fact {
	const char *name;
	const char *str;            /* NULL: num */
	int64_t num;
	bool is_time;
};

/* The identity of a managed device; ip points into ipbuf. */
void gw_ident_of_device(const struct gw_device *d, struct gw_ident *id, char ipbuf[64]);

/*
 * Append one record (kind GW_REC_EVENT or GW_REC_INVENTORY, collection type
 * "event") to the store's buffer. store may be NULL: nothing is written.
 * Returns 0 or a negative errno.
 */
int gw_fleet_record(struct gw_store *store, enum gw_record_kind kind, uint32_t device_id,
		    const struct gw_ident *id, const char *what, const struct gw_fact *f,
		    unsigned n);

#endif
