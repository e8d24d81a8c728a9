/*
 * The managed device list: the only devices the gateway collects from or
 * operates on. One API for every way in (configuration file, local web UI,
 * cloud); every change is persisted in the store and audited.
 *
 * A device is added by address and learns its identity at its first
 * answer: serial number, else MAC, else its address (a weaker identity).
 */
#ifndef GW_DEVICES_H
#define GW_DEVICES_H

#include "../store/store.h"

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/socket.h>

#define GW_DEV_NAME_MAX 64
#define GW_DEV_SERIAL_MAX 64
#define GW_DEV_MODEL_MAX 96

enum gw_dev_origin { GW_ORIGIN_CONFIG = 0, GW_ORIGIN_LOCAL = 1, GW_ORIGIN_CLOUD = 2 };
enum gw_identity { GW_IDENT_NONE = 0, GW_IDENT_IP = 1, GW_IDENT_MAC = 2, GW_IDENT_SERIAL = 3 };

/* What a caller gives to add or change a device. */
struct gw_device_spec {
	char name[GW_DEV_NAME_MAX];        /* unique label */
	char address[64];                  /* IPv4 or IPv6 literal */
	uint16_t port;                     /* 0: 161 */
	char credentials[GW_DEV_NAME_MAX]; /* credentials profile */
	char plugin[16];                   /* collecting plugin, "" = default */
	int64_t interval_ms[5];            /* per part (enum gw_collect_part order); 0 = global */
	bool enabled;
};

/*
 * A managed device's settings as kept: every string sized to fit, never
 * NULL ("" when unset), owned by the list. Tens of thousands of devices
 * are kept, so a device costs a couple of hundred bytes, not a spec's worth.
 */
struct gw_device_conf {
	const char *name, *address, *credentials, *plugin;
	const int64_t *interval_ms;        /* 5 entries; shared zeros when none is set */
	uint16_t port;
	bool enabled;
};

/* A device's socket address, no larger than its family needs. */
union gw_dev_addr {
	sa_family_t ss_family;
	struct sockaddr sa;
	struct sockaddr_in in4;
	struct sockaddr_in6 in6;
};

/*
 * A managed device. Borrowed from the list: valid until the device is
 * removed; its strings until it is updated (spec) or seen (serial, model).
 */
struct gw_device {
	uint32_t id;
	uint32_t dup_of;                   /* another managed device with this serial, 0: none */
	struct gw_device_conf spec;
	enum gw_dev_origin origin;
	enum gw_identity ident;
	union gw_dev_addr addr;
	socklen_t addrlen;

	/* learned */
	const char *serial, *model;        /* "" until known */
	char mac[18];
	int64_t added_ms, last_seen_ms;
};

struct gw_devices;

/* Change notification (the scheduler listens). */
enum gw_dev_change { GW_DEV_ADDED, GW_DEV_REMOVED, GW_DEV_UPDATED };
typedef void (*gw_devices_listener)(enum gw_dev_change c, const struct gw_device *d, void *arg);

/* Loads the persisted list. store may be NULL (tests of the pure logic). */
int gw_devices_open(struct gw_store *store, struct gw_devices **out);
void gw_devices_close(struct gw_devices *l);
void gw_devices_listen(struct gw_devices *l, gw_devices_listener fn, void *arg);
/* The same serial number answers at two managed addresses (told once per pair). */
typedef void (*gw_devices_dup_fn)(const struct gw_device *d, const struct gw_device *other,
				  void *arg);
void gw_devices_on_duplicate(struct gw_devices *l, gw_devices_dup_fn fn, void *arg);

/* Validate a spec: 0, or -EINVAL with *reason. */
int gw_device_spec_check(const struct gw_device_spec *s, const char **reason);
/* Parse "address" + port into a socket address. */
int gw_device_resolve(const struct gw_device_spec *s, struct sockaddr_storage *ss,
		      socklen_t *len);
/* The spec a device was added or last updated with (to change part of it). */
void gw_device_spec_of(const struct gw_device *d, struct gw_device_spec *out);

/* actor: who asked ("config", "local:admin", "cloud:support:alice") — audited. */
int gw_devices_add(struct gw_devices *l, const struct gw_device_spec *s,
		   enum gw_dev_origin origin, const char *actor, uint32_t *id,
		   const char **reason);
int gw_devices_update(struct gw_devices *l, uint32_t id, const struct gw_device_spec *s,
		      const char *actor, const char **reason);
int gw_devices_remove(struct gw_devices *l, uint32_t id, const char *actor);

/*
 * A device answered: record what it says it is. A new identity is learned
 * and persisted; a serial that changes is audited (a swapped printer).
 */
void gw_devices_seen(struct gw_devices *l, uint32_t id, const char *serial,
		     const char *mac, const char *model, int64_t now_ms);

const struct gw_device *gw_devices_get(const struct gw_devices *l, uint32_t id);
const struct gw_device *gw_devices_by_name(const struct gw_devices *l, const char *name);
const struct gw_device *gw_devices_by_addr(const struct gw_devices *l,
					   const struct sockaddr *sa, socklen_t len);
const struct gw_device *gw_devices_by_serial(const struct gw_devices *l, const char *serial);
/*
 * The device with the lowest id that has this MAC address (any case), or
 * is at this IP address on any port, and that pick accepts (NULL: any).
 */
typedef bool (*gw_devices_pick_fn)(const struct gw_device *d, void *arg);
const struct gw_device *gw_devices_by_mac(const struct gw_devices *l, const char *mac,
					  gw_devices_pick_fn pick, void *arg);
const struct gw_device *gw_devices_by_host(const struct gw_devices *l, const char *ip,
					   gw_devices_pick_fn pick, void *arg);
unsigned gw_devices_count(const struct gw_devices *l);
/* Iterate in id order: i from 0 to count-1. */
const struct gw_device *gw_devices_at(const struct gw_devices *l, unsigned i);

/* Make the CONFIG-origin devices equal to the file's list (by name). */
struct gw_conf_device;
int gw_devices_sync_config(struct gw_devices *l, struct gw_device_spec *specs, unsigned n);

const char *gw_identity_name(enum gw_identity i);
const char *gw_origin_name(enum gw_dev_origin o);

#endif
