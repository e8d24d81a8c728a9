#include "devices.h"
#include "device_codec.h"
#include "../control/audit.h"
#include "../core/log.h"
#include "../store/entries.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SUB "devices"

struct listener {
	gw_devices_listener fn;
	void *arg;
};

/*
 * Lookups by name, address and serial number go through hash indexes, so
 * adding a device, or learning its identity at every poll, costs the same
 * with 50,000 devices as with 5. Each index is open addressing over device
 * ids (4 bytes a slot; the id finds the device by binary search). A serial
 * number can be shared (one printer managed at two addresses): the serial
 * index keeps every holder.
 */
enum { IX_NAME, IX_ADDR, IX_SERIAL, IX_MAC, IX_HOST, IX_COUNT }; /* IX_HOST: any port */
#define IX_EMPTY 0u
#define IX_GONE UINT32_MAX        /* a deleted slot: probing goes on past it */

struct index {
	uint32_t *slot;
	unsigned cap, used;           /* used counts live and deleted slots */
};

struct gw_devices {
	struct gw_store *store;
	struct gw_device **v;     /* sorted by id */
	unsigned n, cap;
	struct index ix[IX_COUNT];
	uint32_t next_id;
	struct listener listeners[4];
	unsigned n_listeners;
	gw_devices_dup_fn dup_fn;
	void *dup_arg;
};

const char *gw_identity_name(enum gw_identity i)
{
	static const char *const n[] = {"none", "ip", "mac", "serial"};
	return (unsigned)i <= GW_IDENT_SERIAL ? n[i] : "none";
}

const char *gw_origin_name(enum gw_dev_origin o)
{
	static const char *const n[] = {"config", "local", "cloud"};
	return (unsigned)o <= GW_ORIGIN_CLOUD ? n[o] : "config";
}

int gw_device_resolve(const struct gw_device_spec *s, struct sockaddr_storage *ss,
		      socklen_t *len)
{
	uint16_t port = htons(s->port ? s->port : 161);
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, s->address, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = port;
		*len = sizeof(*in4);
		return 0;
	}
	if (inet_pton(AF_INET6, s->address, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = port;
		*len = sizeof(*in6);
		return 0;
	}
	return -EINVAL;
}

static bool name_ok(const char *n)
{
	if (!*n)
		return false;
	for (; *n; n++)
		if (!(*n == '-' || *n == '_' || *n == '.' || (*n >= '0' && *n <= '9') ||
		      (*n >= 'a' && *n <= 'z') || (*n >= 'A' && *n <= 'Z')))
			return false;
	return true;
}

int gw_device_spec_check(const struct gw_device_spec *s, const char **reason)
{
	struct sockaddr_storage ss;
	socklen_t len;

	if (!name_ok(s->name)) {
		*reason = "name must be letters, digits, '-', '_' or '.'";
		return -EINVAL;
	}
	if (gw_device_resolve(s, &ss, &len) < 0) {
		*reason = "address must be an IPv4 or IPv6 address";
		return -EINVAL;
	}
	if (s->credentials[0] && !name_ok(s->credentials)) {
		*reason = "credentials must name a credentials profile";
		return -EINVAL;
	}
	for (int i = 0; i < 5; i++)
		if (s->interval_ms[i] < 0 || (s->interval_ms[i] && s->interval_ms[i] < 1000)) {
			*reason = "intervals must be at least 1s";
			return -EINVAL;
		}
	return 0;
}

/* The socket address of a spec, sized to its family. */
static int addr_of(const struct gw_device_spec *s, union gw_dev_addr *a, socklen_t *len)
{
	struct sockaddr_storage ss;

	if (gw_device_resolve(s, &ss, len) < 0)
		return -EINVAL;
	memset(a, 0, sizeof(*a));
	memcpy(a, &ss, *len);
	return 0;
}

static void notify(struct gw_devices *l, enum gw_dev_change c, const struct gw_device *d)
{
	for (unsigned i = 0; i < l->n_listeners; i++)
		l->listeners[i].fn(c, d, l->listeners[i].arg);
}

void gw_devices_listen(struct gw_devices *l, gw_devices_listener fn, void *arg)
{
	if (l->n_listeners < sizeof(l->listeners) / sizeof(l->listeners[0]))
		l->listeners[l->n_listeners++] = (struct listener){fn, arg};
}

void gw_devices_on_duplicate(struct gw_devices *l, gw_devices_dup_fn fn, void *arg)
{
	l->dup_fn = fn;
	l->dup_arg = arg;
}

/* Persistence: the list changes on the loop, the writer thread stores it. */
static const struct gw_entry_table device_table = {
	GW_DB_DEVICES, "next_device_id", SUB, "device",
};

static void persist(struct gw_devices *l, const struct gw_device *d, bool remove)
{
	struct gw_device_rec r;
	struct gw_buf val;

	if (!l->store)
		return;
	if (remove) {
		gw_entry_save(l->store, &device_table, d->id, NULL, l->next_id);
		return;
	}
	gw_buf_init(&val);
	gw_device_to_rec(d, &r);
	if (gw_device_encode(&r, &val) < 0) {
		gw_buf_release(&val);
		gw_err(SUB, "device %u could not be encoded for saving", d->id);
		return;
	}
	gw_entry_save(l->store, &device_table, d->id, &val, l->next_id);
}

static int find_pos(const struct gw_devices *l, uint32_t id)
{
	unsigned lo = 0, hi = l->n;

	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;
		if (l->v[mid]->id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < l->n && l->v[lo]->id == id ? (int)lo : -1;
}

/* ---- hash indexes ---- */

static uint32_t fnv(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 16777619u;
	return h;
}

static bool ix_skip(int kind, const struct gw_device *d)
{
	return (kind == IX_SERIAL && !d->serial[0]) || (kind == IX_MAC && !d->mac[0]);
}

/* The address without its port (and the family). */
static const void *host_of(const struct gw_device *d, size_t *n)
{
	if (d->addr.ss_family == AF_INET6) {
		*n = sizeof(d->addr.in6.sin6_addr);
		return &d->addr.in6.sin6_addr;
	}
	*n = sizeof(d->addr.in4.sin_addr);
	return &d->addr.in4.sin_addr;
}

static uint32_t ix_hash(int kind, const struct gw_device *d)
{
	const void *p;
	size_t n;
	uint32_t h;

	switch (kind) {
	case IX_NAME: return fnv(d->spec.name, strlen(d->spec.name));
	case IX_ADDR: return fnv(&d->addr, d->addrlen);
	case IX_HOST:
		p = host_of(d, &n);
		return fnv(p, n);
	case IX_MAC:
		h = 2166136261u;
		for (const char *c = d->mac; *c; c++)
			h = (h ^ (uint8_t)tolower((unsigned char)*c)) * 16777619u;
		return h;
	default: return fnv(d->serial, strlen(d->serial));
	}
}

static int ix_grow(struct gw_devices *l, int kind)
{
	struct index *ix = &l->ix[kind];
	unsigned cap = 64;
	uint32_t *slot;

	while (cap < l->n + l->n / 2 + 64) /* at most two thirds full after a rebuild */
		cap *= 2;
	slot = calloc(cap, sizeof(*slot));
	if (!slot)
		return -ENOMEM;
	free(ix->slot);
	*ix = (struct index){.slot = slot, .cap = cap};
	for (unsigned i = 0; i < l->n; i++) {
		const struct gw_device *d = l->v[i];
		unsigned h;

		if (ix_skip(kind, d))
			continue;
		for (h = ix_hash(kind, d) & (cap - 1); slot[h] != IX_EMPTY; h = (h + 1) & (cap - 1))
			;
		slot[h] = d->id;
		ix->used++;
	}
	return 0;
}

/* Index d (already in l->v). On failure the index is rebuilt without it: lookups miss. */
static void ix_add(struct gw_devices *l, int kind, const struct gw_device *d)
{
	struct index *ix = &l->ix[kind];
	unsigned h;

	if (ix_skip(kind, d))
		return;
	if ((ix->used + 1) * 4 >= ix->cap * 3) {
		if (ix_grow(l, kind) == 0)
			return; /* the rebuild took every device in l->v, d too */
		gw_err(SUB, "out of memory: device lookups may miss");
		return;
	}
	for (h = ix_hash(kind, d) & (ix->cap - 1);
	     ix->slot[h] != IX_EMPTY && ix->slot[h] != IX_GONE; h = (h + 1) & (ix->cap - 1))
		;
	if (ix->slot[h] == IX_EMPTY)
		ix->used++;
	ix->slot[h] = d->id;
}

/* Forget d under the key it has now. */
static void ix_del(struct gw_devices *l, int kind, const struct gw_device *d)
{
	struct index *ix = &l->ix[kind];

	if (!ix->cap || ix_skip(kind, d))
		return;
	for (unsigned h = ix_hash(kind, d) & (ix->cap - 1); ix->slot[h] != IX_EMPTY;
	     h = (h + 1) & (ix->cap - 1)) {
		if (ix->slot[h] == d->id) {
			ix->slot[h] = IX_GONE;
			return;
		}
	}
}

static void ix_add_all(struct gw_devices *l, const struct gw_device *d)
{
	for (int k = 0; k < IX_COUNT; k++)
		ix_add(l, k, d);
}

static void ix_del_all(struct gw_devices *l, const struct gw_device *d)
{
	for (int k = 0; k < IX_COUNT; k++)
		ix_del(l, k, d);
}

/*
 * The device with the lowest id whose key equals the probe's (a device
 * built only for its key fields), other than `not`.
 */
static const struct gw_device *ix_find_if(const struct gw_devices *l, int kind,
					  const struct gw_device *probe,
					  bool (*same)(const struct gw_device *,
						       const struct gw_device *),
					  const struct gw_device *not, gw_devices_pick_fn pick,
					  void *arg)
{
	const struct index *ix = &l->ix[kind];
	const struct gw_device *best = NULL;

	if (!ix->cap || ix_skip(kind, probe))
		return NULL;
	for (unsigned h = ix_hash(kind, probe) & (ix->cap - 1); ix->slot[h] != IX_EMPTY;
	     h = (h + 1) & (ix->cap - 1)) {
		int pos;

		if (ix->slot[h] == IX_GONE || (best && ix->slot[h] > best->id))
			continue;
		pos = find_pos(l, ix->slot[h]);
		if (pos >= 0 && l->v[pos] != not && same(l->v[pos], probe) &&
		    (!pick || pick(l->v[pos], arg)))
			best = l->v[pos];
	}
	return best;
}

static const struct gw_device *ix_find(const struct gw_devices *l, int kind,
				       const struct gw_device *probe,
				       bool (*same)(const struct gw_device *,
						    const struct gw_device *),
				       const struct gw_device *not)
{
	return ix_find_if(l, kind, probe, same, not, NULL, NULL);
}

static bool same_name(const struct gw_device *a, const struct gw_device *b)
{
	return strcmp(a->spec.name, b->spec.name) == 0;
}

static bool same_sockaddr(const struct gw_device *a, const struct gw_device *b)
{
	return a->addrlen == b->addrlen && memcmp(&a->addr, &b->addr, a->addrlen) == 0;
}

static bool same_serial(const struct gw_device *a, const struct gw_device *b)
{
	return a->serial[0] && strcmp(a->serial, b->serial) == 0;
}

static bool same_mac(const struct gw_device *a, const struct gw_device *b)
{
	return a->mac[0] && strcasecmp(a->mac, b->mac) == 0;
}

static bool same_host(const struct gw_device *a, const struct gw_device *b)
{
	size_t na, nb;
	const void *pa = host_of(a, &na), *pb = host_of(b, &nb);

	return a->addr.ss_family == b->addr.ss_family && na == nb && memcmp(pa, pb, na) == 0;
}

static int insert(struct gw_devices *l, struct gw_device *d)
{
	unsigned pos;

	if (l->n == l->cap) {
		unsigned cap = l->cap ? l->cap * 2 : 64;
		struct gw_device **v = realloc(l->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	pos = l->n;
	while (pos > 0 && l->v[pos - 1]->id > d->id)
		pos--;
	memmove(&l->v[pos + 1], &l->v[pos], (l->n - pos) * sizeof(*l->v));
	l->v[pos] = d;
	l->n++;
	ix_add_all(l, d);
	return 0;
}

static int load(struct gw_devices *l)
{
	MDB_txn *txn;
	MDB_cursor *c;
	MDB_val k, v;
	uint32_t next;
	int rc;

	rc = gw_store_read_begin(l->store, &txn);
	if (rc)
		return rc;
	next = gw_entry_next_id(l->store, txn, &device_table);
	if (next)
		l->next_id = next;
	rc = mdb_cursor_open(txn, gw_store_dbi(l->store, GW_DB_DEVICES), &c);
	if (rc)
		goto out;
	while (mdb_cursor_get(c, &k, &v, MDB_NEXT) == 0) {
		struct gw_device_rec r;
		union gw_dev_addr a;
		socklen_t alen;
		struct gw_device *d;

		if (gw_device_decode(v.mv_data, v.mv_size, &r) < 0 ||
		    addr_of(&r.spec, &a, &alen) < 0) {
			gw_err(SUB, "a stored device entry cannot be read; it is kept as it is");
			continue;
		}
		if (!(d = gw_device_new(&r))) {
			rc = ENOMEM;
			break;
		}
		d->addr = a;
		d->addrlen = alen;
		if (d->id >= l->next_id)
			l->next_id = d->id + 1;
		if (insert(l, d) < 0) {
			gw_device_free(d);
			rc = ENOMEM;
			break;
		}
	}
	mdb_cursor_close(c);
out:
	gw_store_read_end(txn);
	return rc ? -rc : 0;
}

int gw_devices_open(struct gw_store *store, struct gw_devices **out)
{
	struct gw_devices *l = calloc(1, sizeof(*l));
	int rc;

	if (!l)
		return -ENOMEM;
	l->store = store;
	l->next_id = 1;
	if (store && (rc = load(l)) < 0) {
		gw_devices_close(l);
		return rc;
	}
	gw_info(SUB, "%u managed devices", l->n);
	*out = l;
	return 0;
}

void gw_devices_close(struct gw_devices *l)
{
	if (!l)
		return;
	for (unsigned i = 0; i < l->n; i++)
		gw_device_free(l->v[i]);
	for (int k = 0; k < IX_COUNT; k++)
		free(l->ix[k].slot);
	free(l->v);
	free(l);
}

int gw_devices_add(struct gw_devices *l, const struct gw_device_spec *s,
		   enum gw_dev_origin origin, const char *actor, uint32_t *id,
		   const char **reason)
{
	struct gw_device_rec r = {.spec = *s, .origin = origin};
	union gw_dev_addr a;
	socklen_t alen;
	struct gw_device *d;

	if (gw_device_spec_check(s, reason) < 0)
		return -EINVAL;
	if (gw_devices_by_name(l, s->name)) {
		*reason = "a device with this name is already managed";
		return -EEXIST;
	}
	addr_of(s, &a, &alen);
	if (gw_devices_by_addr(l, &a.sa, alen)) {
		*reason = "a device at this address and port is already managed";
		return -EEXIST;
	}
	r.id = l->next_id;
	if (!(d = gw_device_new(&r)))
		return -ENOMEM;
	d->addr = a;
	d->addrlen = alen;
	if (insert(l, d) < 0) {
		gw_device_free(d);
		return -ENOMEM;
	}
	l->next_id++;
	persist(l, d, false);
	gw_audit(actor, "device.add", s->name, "id %u address %s port %u origin %s", d->id,
		 s->address, s->port ? s->port : 161, gw_origin_name(origin));
	notify(l, GW_DEV_ADDED, d);
	if (id)
		*id = d->id;
	return 0;
}

int gw_devices_update(struct gw_devices *l, uint32_t id, const struct gw_device_spec *s,
		      const char *actor, const char **reason)
{
	int pos = find_pos(l, id);
	const struct gw_device *other;
	struct gw_device_conf old, nc;
	union gw_dev_addr a;
	socklen_t len;
	struct gw_device *d;

	if (pos < 0) {
		*reason = "no such device";
		return -ENOENT;
	}
	if (gw_device_spec_check(s, reason) < 0)
		return -EINVAL;
	d = l->v[pos];
	other = gw_devices_by_name(l, s->name);
	if (other && other != d) {
		*reason = "a device with this name is already managed";
		return -EEXIST;
	}
	addr_of(s, &a, &len);
	other = gw_devices_by_addr(l, &a.sa, len);
	if (other && other != d) {
		*reason = "a device at this address and port is already managed";
		return -EEXIST;
	}
	if (gw_device_conf_same(&d->spec, s))
		return 0;
	old = d->spec;
	if (gw_device_conf_make(s, &nc) < 0) {
		*reason = "out of memory";
		return -ENOMEM;
	}
	gw_audit(actor, "device.update", old.name, "id %u address %s -> %s port %u -> %u",
		 id, old.address, s->address, old.port, s->port);
	ix_del(l, IX_NAME, d);
	ix_del(l, IX_ADDR, d);
	ix_del(l, IX_HOST, d);
	d->spec = nc;
	d->addr = a;
	d->addrlen = len;
	ix_add(l, IX_NAME, d);
	ix_add(l, IX_ADDR, d);
	ix_add(l, IX_HOST, d);
	persist(l, d, false);
	notify(l, GW_DEV_UPDATED, d);
	gw_device_conf_free(&old); /* after the listeners: a poll in flight named the device by it */
	return 0;
}

int gw_devices_remove(struct gw_devices *l, uint32_t id, const char *actor)
{
	int pos = find_pos(l, id);
	struct gw_device *d;

	if (pos < 0)
		return -ENOENT;
	d = l->v[pos];
	ix_del_all(l, d);
	memmove(&l->v[pos], &l->v[pos + 1], (l->n - (unsigned)pos - 1) * sizeof(*l->v));
	l->n--;
	gw_audit(actor, "device.remove", d->spec.name, "id %u address %s", id, d->spec.address);
	notify(l, GW_DEV_REMOVED, d);
	persist(l, d, true);
	gw_device_free(d);
	return 0;
}

/* One printer managed twice (two addresses, two NICs): said once per pair. */
static void check_duplicate(struct gw_devices *l, struct gw_device *d)
{
	const struct gw_device *o = ix_find(l, IX_SERIAL, d, same_serial, d);

	if (o && d->dup_of != o->id && o->dup_of != d->id) {
		gw_warn(SUB, "%s (%s) and %s (%s) answer with the same serial number %s",
			d->spec.name, d->spec.address, o->spec.name, o->spec.address, d->serial);
		gw_audit("gateway", "device.duplicate", d->spec.name,
			 "serial number %s also answers at %s as %s", d->serial, o->spec.address,
			 o->spec.name);
		if (l->dup_fn)
			l->dup_fn(d, o, l->dup_arg);
	}
	d->dup_of = o ? o->id : 0;
}

void gw_devices_seen(struct gw_devices *l, uint32_t id, const char *serial,
		     const char *mac, const char *model, int64_t now_ms)
{
	int pos = find_pos(l, id);
	struct gw_device *d;
	bool changed = false;
	enum gw_identity ident;

	if (pos < 0)
		return;
	d = l->v[pos];
	d->last_seen_ms = now_ms;
	ident = serial && *serial ? GW_IDENT_SERIAL : mac && *mac ? GW_IDENT_MAC : GW_IDENT_IP;
	if (serial && *serial && strcmp(serial, d->serial) != 0) {
		if (d->serial[0])
			gw_audit("gateway", "device.identity", d->spec.name,
				 "serial number changed from %s to %s (device replaced?)",
				 d->serial, serial);
		ix_del(l, IX_SERIAL, d);
		changed = gw_device_str_set(&d->serial, serial, GW_DEV_SERIAL_MAX);
		ix_add(l, IX_SERIAL, d);
	}
	if (mac && *mac && strcmp(mac, d->mac) != 0) {
		ix_del(l, IX_MAC, d);
		snprintf(d->mac, sizeof(d->mac), "%s", mac);
		ix_add(l, IX_MAC, d);
		changed = true;
	}
	if (model && *model && strcmp(model, d->model) != 0 &&
	    gw_device_str_set(&d->model, model, GW_DEV_MODEL_MAX))
		changed = true;
	if (ident > d->ident) {
		gw_info(SUB, "%s: identity learned by %s", d->spec.name, gw_identity_name(ident));
		d->ident = ident;
		changed = true;
	}
	if (changed)
		persist(l, d, false);
	if (d->serial[0])
		check_duplicate(l, d);
}

const struct gw_device *gw_devices_get(const struct gw_devices *l, uint32_t id)
{
	int pos = find_pos(l, id);

	return pos < 0 ? NULL : l->v[pos];
}

const struct gw_device *gw_devices_by_name(const struct gw_devices *l, const char *name)
{
	struct gw_device probe = {.spec.name = name};

	return ix_find(l, IX_NAME, &probe, same_name, NULL);
}

const struct gw_device *gw_devices_by_addr(const struct gw_devices *l,
					   const struct sockaddr *sa, socklen_t len)
{
	struct gw_device probe;

	if (len > sizeof(probe.addr))
		return NULL;
	memset(&probe.addr, 0, sizeof(probe.addr));
	memcpy(&probe.addr, sa, len);
	probe.addrlen = len;
	return ix_find(l, IX_ADDR, &probe, same_sockaddr, NULL);
}

const struct gw_device *gw_devices_by_serial(const struct gw_devices *l, const char *serial)
{
	struct gw_device probe = {.serial = serial};

	if (!*serial)
		return NULL;
	return ix_find(l, IX_SERIAL, &probe, same_serial, NULL);
}

const struct gw_device *gw_devices_by_mac(const struct gw_devices *l, const char *mac,
					  gw_devices_pick_fn pick, void *arg)
{
	struct gw_device probe = {.id = 0};

	if (!*mac || strlen(mac) >= sizeof(probe.mac))
		return NULL;
	strcpy(probe.mac, mac);
	return ix_find_if(l, IX_MAC, &probe, same_mac, NULL, pick, arg);
}

const struct gw_device *gw_devices_by_host(const struct gw_devices *l, const char *ip,
					   gw_devices_pick_fn pick, void *arg)
{
	struct gw_device probe = {.id = 0};

	if (inet_pton(AF_INET, ip, &probe.addr.in4.sin_addr) == 1)
		probe.addr.ss_family = AF_INET;
	else if (inet_pton(AF_INET6, ip, &probe.addr.in6.sin6_addr) == 1)
		probe.addr.ss_family = AF_INET6;
	else
		return NULL;
	return ix_find_if(l, IX_HOST, &probe, same_host, NULL, pick, arg);
}

unsigned gw_devices_count(const struct gw_devices *l) { return l->n; }

const struct gw_device *gw_devices_at(const struct gw_devices *l, unsigned i)
{
	return i < l->n ? l->v[i] : NULL;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

int gw_devices_sync_config(struct gw_devices *l, struct gw_device_spec *specs, unsigned n)
{
	const char *reason;
	int errors = 0;
	uint32_t *kept = calloc(n ? n : 1, sizeof(*kept));
	unsigned n_kept = 0;

	if (!kept)
		return -ENOMEM;
	/* removed from the file: removed from the list (ids kept, by name, sorted) */
	for (unsigned k = 0; k < n; k++) {
		const struct gw_device *d = gw_devices_by_name(l, specs[k].name);
		if (d && d->origin == GW_ORIGIN_CONFIG)
			kept[n_kept++] = d->id;
	}
	qsort(kept, n_kept, sizeof(*kept), cmp_u32);
	for (unsigned i = l->n; i-- > 0;) {
		const struct gw_device *d = l->v[i];
		if (d->origin == GW_ORIGIN_CONFIG &&
		    !bsearch(&d->id, kept, n_kept, sizeof(*kept), cmp_u32))
			gw_devices_remove(l, d->id, "config");
	}
	free(kept);
	for (unsigned k = 0; k < n; k++) {
		const struct gw_device *d = gw_devices_by_name(l, specs[k].name);
		int rc;

		if (d && d->origin != GW_ORIGIN_CONFIG) {
			gw_warn(SUB, "%s: defined in the file and also added by %s; the %s entry "
				"is kept", specs[k].name, gw_origin_name(d->origin),
				gw_origin_name(d->origin));
			continue;
		}
		rc = d ? gw_devices_update(l, d->id, &specs[k], "config", &reason)
		       : gw_devices_add(l, &specs[k], GW_ORIGIN_CONFIG, "config", NULL, &reason);
		if (rc < 0) {
			gw_err(SUB, "%s: %s", specs[k].name, reason);
			errors++;
		}
	}
	return errors ? -EINVAL : 0;
}
