#include "candidates.h"
#include "candidate_codec.h"
#include "fleet.h"
#include "../control/audit.h"
#include "../core/clock.h"
#include "../core/log.h"
#include "../store/entries.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SUB "candidates"
#define MOVE_AFTER_DEFAULT_MS (5 * 60 * 1000)
#define ELSEWHERE_MEMORY 64

struct elsewhere {
	uint32_t device_id;
	char ip[64];
};

struct gw_candidates {
	struct gw_store *store;
	struct gw_devices *devices;
	struct gw_candidate **v;      /* sorted by id */
	unsigned n, cap;
	uint32_t next_id;
	int64_t move_after_ms;
	uint16_t poll_port;           /* SNMP port approved devices are polled on */
	int64_t opened_ms;            /* wall clock */
	struct gw_approve_rule *rules;
	unsigned n_rules;
	bool applying;                /* inside a rule's approval */
	struct elsewhere told[ELSEWHERE_MEMORY];
	unsigned n_told;
	uint32_t full_told_run;       /* the run that heard "the list is full" */
};

const char *gw_note_result_name(enum gw_note_result r)
{
	static const char *const n[] = {"new", "updated", "moved", "managed", "managed_moved",
					"managed_elsewhere", "refused"};
	return (unsigned)r <= GW_NOTE_REFUSED ? n[r] : "refused";
}

/* ---- persistence: u32 id -> msgpack map, next id in the meta DB ---- */

static const struct gw_entry_table candidate_table = {
	GW_DB_CANDIDATES, "next_candidate_id", SUB, "candidate",
};

static void persist(struct gw_candidates *c, const struct gw_candidate *cand, bool remove)
{
	struct gw_buf val;

	if (!c->store)
		return;
	if (remove) {
		gw_entry_save(c->store, &candidate_table, cand->id, NULL, c->next_id);
		return;
	}
	gw_buf_init(&val);
	if (gw_candidate_encode(cand, &val) < 0) {
		gw_buf_release(&val);
		gw_err(SUB, "candidate %u could not be encoded for saving", cand->id);
		return;
	}
	gw_entry_save(c->store, &candidate_table, cand->id, &val, c->next_id);
}

/* ---- the list ---- */

static int find_pos(const struct gw_candidates *c, uint32_t id)
{
	unsigned lo = 0, hi = c->n;

	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;
		if (c->v[mid]->id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < c->n && c->v[lo]->id == id ? (int)lo : -1;
}

static int insert(struct gw_candidates *c, struct gw_candidate *cand)
{
	unsigned pos;

	if (c->n == c->cap) {
		unsigned cap = c->cap ? c->cap * 2 : 32;
		struct gw_candidate **v = realloc(c->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		c->v = v;
		c->cap = cap;
	}
	pos = c->n;
	while (pos > 0 && c->v[pos - 1]->id > cand->id)
		pos--;
	memmove(&c->v[pos + 1], &c->v[pos], (c->n - pos) * sizeof(*c->v));
	c->v[pos] = cand;
	c->n++;
	return 0;
}

static void drop(struct gw_candidates *c, struct gw_candidate *cand)
{
	int pos = find_pos(c, cand->id);

	if (pos < 0)
		return;
	memmove(&c->v[pos], &c->v[pos + 1], (c->n - (unsigned)pos - 1) * sizeof(*c->v));
	c->n--;
	persist(c, cand, true);
	free(cand);
}

static int load(struct gw_candidates *c)
{
	MDB_txn *txn;
	MDB_cursor *cur;
	MDB_val k, v;
	uint32_t next;
	int rc;

	rc = gw_store_read_begin(c->store, &txn);
	if (rc)
		return -rc;
	next = gw_entry_next_id(c->store, txn, &candidate_table);
	if (next)
		c->next_id = next;
	rc = mdb_cursor_open(txn, gw_store_dbi(c->store, GW_DB_CANDIDATES), &cur);
	if (rc)
		goto out;
	while (mdb_cursor_get(cur, &k, &v, MDB_NEXT) == 0) {
		struct gw_candidate *cand = calloc(1, sizeof(*cand));
		if (!cand) {
			rc = ENOMEM;
			break;
		}
		if (gw_candidate_decode(v.mv_data, v.mv_size, cand) < 0) {
			gw_err(SUB, "a stored candidate cannot be read; it is kept as it is");
			free(cand);
			continue;
		}
		if (cand->id >= c->next_id)
			c->next_id = cand->id + 1;
		if (insert(c, cand) < 0) {
			free(cand);
			rc = ENOMEM;
			break;
		}
	}
	mdb_cursor_close(cur);
out:
	gw_store_read_end(txn);
	return rc ? -rc : 0;
}

int gw_candidates_open(struct gw_store *store, struct gw_devices *devices,
		       struct gw_candidates **out)
{
	struct gw_candidates *c = calloc(1, sizeof(*c));
	int rc;

	if (!c)
		return -ENOMEM;
	c->store = store;
	c->devices = devices;
	c->next_id = 1;
	c->move_after_ms = MOVE_AFTER_DEFAULT_MS;
	c->opened_ms = gw_clock_wall_ms();
	if (store && (rc = load(c)) < 0) {
		gw_candidates_close(c);
		return rc;
	}
	if (c->n)
		gw_info(SUB, "%u candidates waiting for approval", c->n);
	*out = c;
	return 0;
}

void gw_candidates_close(struct gw_candidates *c)
{
	if (!c)
		return;
	for (unsigned i = 0; i < c->n; i++)
		free(c->v[i]);
	free(c->v);
	free(c->rules);
	free(c);
}

void gw_candidates_set_poll_port(struct gw_candidates *c, uint16_t port)
{
	c->poll_port = port;
}

void gw_candidates_set_move_after(struct gw_candidates *c, int64_t ms)
{
	c->move_after_ms = ms;
}

unsigned gw_candidates_count(const struct gw_candidates *c)
{
	return c->n;
}

uint32_t gw_candidates_last_run(const struct gw_candidates *c)
{
	uint32_t run = 0;

	for (unsigned i = 0; i < c->n; i++)
		if (c->v[i]->run > run)
			run = c->v[i]->run;
	return run;
}

const struct gw_candidate *gw_candidates_get(const struct gw_candidates *c, uint32_t id)
{
	int pos = find_pos(c, id);

	return pos < 0 ? NULL : c->v[pos];
}

unsigned gw_candidates_list(const struct gw_candidates *c, const struct gw_candidate **out,
			    unsigned max)
{
	for (unsigned i = 0; i < c->n && i < max; i++)
		out[i] = c->v[i];
	return c->n;
}

/* ---- matching ---- */

static bool ip_of(const struct sockaddr_storage *a, socklen_t len, char ip[64])
{
	if (a->ss_family == AF_INET && len >= sizeof(struct sockaddr_in))
		return inet_ntop(AF_INET, &((const struct sockaddr_in *)a)->sin_addr, ip, 64);
	if (a->ss_family == AF_INET6 && len >= sizeof(struct sockaddr_in6))
		return inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)a)->sin6_addr, ip, 64);
	return false;
}

/* The managed device's address (any port) is this one. */
static bool device_at(const struct gw_device *d, const char *ip)
{
	char mine[64];

	if (!ip_of((const struct sockaddr_storage *)&d->addr, d->addrlen, mine))
		return false;
	return strcmp(mine, ip) == 0;
}

/* Device text into a field: printable ASCII only, else not taken. */
static void take(char *dst, size_t cap, const char *src)
{
	size_t n = strnlen(src, cap - 1);

	for (size_t i = 0; i < n; i++)
		if ((unsigned char)src[i] < 0x20 || (unsigned char)src[i] > 0x7e)
			return;
	while (n > 0 && src[n - 1] == ' ')
		n--;
	if (n == 0)
		return;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* "00:26:ab:01:02:03" in any case, else "". */
static void take_mac(char dst[18], const char *src)
{
	dst[0] = '\0';
	if (strnlen(src, 18) != 17)
		return;
	for (int i = 0; i < 17; i++)
		if (i % 3 == 2 ? src[i] != ':' && src[i] != '-' : !isxdigit((unsigned char)src[i]))
			return;
	for (int i = 0; i < 17; i++)
		dst[i] = i % 3 == 2 ? ':' : (char)tolower((unsigned char)src[i]);
	dst[17] = '\0';
}

/* Two identity fields agree when either is unknown or both are equal. */
static bool agree(const char *a, const char *b)
{
	return !*a || !*b || strcasecmp(a, b) == 0;
}

struct heard {
	const char *serial, *mac;
};

static bool serial_agrees(const struct gw_device *x, void *arg)
{
	return agree(x->serial, ((const struct heard *)arg)->serial);
}

static bool identity_agrees(const struct gw_device *x, void *arg)
{
	const struct heard *h = arg;

	return agree(x->serial, h->serial) && agree(x->mac, h->mac);
}

static const struct gw_device *managed_by_identity(const struct gw_candidates *c,
						   const char *serial, const char *mac)
{
	struct heard h = {serial, mac};
	const struct gw_device *d = NULL;

	if (*serial)
		d = gw_devices_by_serial(c->devices, serial);
	if (!d && *mac)
		d = gw_devices_by_mac(c->devices, mac, serial_agrees, &h);
	return d;
}

static const struct gw_device *managed_at(const struct gw_candidates *c, const char *ip,
					  const char *serial, const char *mac)
{
	struct heard h = {serial, mac};

	return gw_devices_by_host(c->devices, ip, identity_agrees, &h);
}

static struct gw_candidate *cand_by(const struct gw_candidates *c, size_t off, const char *v)
{
	if (!*v)
		return NULL;
	for (unsigned i = 0; i < c->n; i++)
		if (strcasecmp((const char *)c->v[i] + off, v) == 0)
			return c->v[i];
	return NULL;
}

/*
 * A candidate at this address is the same device when this run already
 * heard it there (answers of one address in one run are one device), or
 * when neither side has anything better than the address.
 */
static struct gw_candidate *cand_at(const struct gw_candidates *c, const char *ip,
				    const char *serial, const char *mac, uint32_t run)
{
	for (unsigned i = 0; i < c->n; i++) {
		struct gw_candidate *x = c->v[i];
		if (strcmp(x->ip, ip) != 0)
			continue;
		if (x->run == run && run && agree(x->serial, serial) && agree(x->mac, mac))
			return x;
		if (!x->serial[0] && !x->mac[0] && !*serial && !*mac)
			return x;
	}
	return NULL;
}

static void fill(struct gw_candidate *x, const struct gw_candidate *from)
{
	if (from->serial[0])
		memcpy(x->serial, from->serial, sizeof(x->serial));
	if (from->mac[0])
		memcpy(x->mac, from->mac, sizeof(x->mac));
	if (from->model[0])
		memcpy(x->model, from->model, sizeof(x->model));
	if (from->manufacturer[0])
		memcpy(x->manufacturer, from->manufacturer, sizeof(x->manufacturer));
	if (from->hostname[0])
		memcpy(x->hostname, from->hostname, sizeof(x->hostname));
	x->sources |= from->sources;
	x->details_unknown = x->details_unknown && from->details_unknown;
	x->ident = x->serial[0] ? GW_IDENT_SERIAL : x->mac[0] ? GW_IDENT_MAC : GW_IDENT_IP;
}

static void ident_of_cand(const struct gw_candidate *x, struct gw_ident *id)
{
	*id = (struct gw_ident){x->manufacturer, x->model, x->serial, x->mac, x->ip,
				x->hostname, x->sources};
}

static bool told_before(struct gw_candidates *c, uint32_t device_id, const char *ip)
{
	struct elsewhere *e;

	for (unsigned i = 0; i < c->n_told; i++)
		if (c->told[i].device_id == device_id && strcmp(c->told[i].ip, ip) == 0)
			return true;
	e = &c->told[c->n_told < ELSEWHERE_MEMORY ? c->n_told++ : device_id % ELSEWHERE_MEMORY];
	e->device_id = device_id;
	snprintf(e->ip, sizeof(e->ip), "%s", ip);
	return false;
}

/*
 * A managed device answered at another address. When it has been silent
 * long enough it has moved: its address follows (audited, an inventory
 * record). Otherwise it answers at both: reported once.
 */
static enum gw_note_result managed_elsewhere(struct gw_candidates *c, const struct gw_device *d,
					     const char *ip, const struct gw_note_ctx *ctx)
{
	struct gw_device_spec spec;
	struct gw_ident id;
	char old[64];
	const char *reason = "";
	bool silent = ctx->now_ms - d->last_seen_ms >= c->move_after_ms &&
		      ctx->now_ms - c->opened_ms >= c->move_after_ms;

	gw_ident_of_device(d, &id, old);
	/* the file is the truth about its own devices: a move is the file's to make */
	if (!silent || d->origin == GW_ORIGIN_CONFIG) {
		if (told_before(c, d->id, ip))
			return GW_NOTE_MANAGED_ELSEWHERE;
		gw_warn(SUB, "%s (%s) also answers at %s%s", d->spec.name, old, ip,
			silent ? "; it looks moved: change its address in the file" : "");
		gw_audit("discovery", "device.second_address", d->spec.name,
			 "id %u answers at %s and at %s", d->id, old, ip);
		struct gw_fact f[] = {{"change", "second_address", 0, false},
				      {"name", d->spec.name, 0, false},
				      {"other_ip", ip, 0, false}};
		gw_fleet_record(c->store, GW_REC_INVENTORY, d->id, &id, "inventory", f, 3);
		return GW_NOTE_MANAGED_ELSEWHERE;
	}
	gw_device_spec_of(d, &spec);
	snprintf(spec.address, sizeof(spec.address), "%s", ip);
	if (gw_devices_update(c->devices, d->id, &spec, "discovery", &reason) < 0) {
		gw_warn(SUB, "%s moved from %s to %s but cannot follow: %s", d->spec.name, old,
			ip, reason);
		return GW_NOTE_MANAGED_ELSEWHERE;
	}
	/* the device is updated in place: d now has the new address */
	gw_notice(SUB, "%s moved from %s to %s", d->spec.name, old, ip);
	struct gw_fact f[] = {{"change", "address_changed", 0, false},
			      {"name", d->spec.name, 0, false},
			      {"from", old, 0, false},
			      {"to", ip, 0, false}};
	id.ip = ip;
	gw_fleet_record(c->store, GW_REC_INVENTORY, d->id, &id, "inventory", f, 4);
	return GW_NOTE_MANAGED_MOVED;
}

static bool rule_matches(const struct gw_approve_rule *r, const struct gw_candidate *x)
{
	if (r->serial[0])
		return x->serial[0] && strcasecmp(r->serial, x->serial) == 0;
	if (r->mac[0])
		return x->mac[0] && strcasecmp(r->mac, x->mac) == 0;
	return r->address[0] && strcmp(r->address, x->ip) == 0;
}

/* Approvals from the file; the candidate may be gone afterwards. */
static void apply_rules(struct gw_candidates *c, uint32_t cand_id)
{
	const struct gw_candidate *x = gw_candidates_get(c, cand_id);
	const char *reason = "";

	if (!x || c->applying)
		return;
	for (unsigned i = 0; i < c->n_rules; i++) {
		const struct gw_approve_rule *r = &c->rules[i];
		if (gw_devices_by_name(c->devices, r->name) || !rule_matches(r, x))
			continue;
		c->applying = true;
		if (gw_candidates_approve(c, cand_id, r->name, r->credentials, "config", NULL,
					  &reason) < 0)
			gw_err(SUB, "approve \"%s\": candidate %u cannot be approved: %s", r->name,
			       cand_id, reason);
		c->applying = false;
		return;
	}
}

void gw_candidates_set_rules(struct gw_candidates *c, const struct gw_approve_rule *r,
			     unsigned n)
{
	struct gw_approve_rule *copy = NULL;
	uint32_t *ids;
	unsigned k = c->n;

	if (n && !(copy = malloc(n * sizeof(*copy)))) {
		gw_err(SUB, "no memory for the approvals");
		return;
	}
	if (n)
		memcpy(copy, r, n * sizeof(*copy));
	free(c->rules);
	c->rules = copy;
	c->n_rules = n;
	/* approvals remove candidates: walk a copy of the ids */
	ids = malloc((k ? k : 1) * sizeof(*ids));
	if (!ids)
		return;
	for (unsigned i = 0; i < k; i++)
		ids[i] = c->v[i]->id;
	for (unsigned i = 0; i < k; i++)
		apply_rules(c, ids[i]);
	free(ids);
}

enum gw_note_result gw_candidates_note(struct gw_candidates *c,
				       const struct gw_candidate_info *info,
				       const struct gw_note_ctx *ctx, uint32_t *cand_id)
{
	struct gw_candidate seen = {0}, *x, *by_mac;
	const struct gw_device *d;
	enum gw_note_result res;
	bool strong;

	if (info->not_printer || !ip_of(&info->addr, info->addrlen, seen.ip))
		return GW_NOTE_REFUSED;
	take(seen.serial, sizeof(seen.serial), info->serial);
	take_mac(seen.mac, info->mac);
	take(seen.model, sizeof(seen.model), info->model);
	take(seen.manufacturer, sizeof(seen.manufacturer), info->manufacturer);
	take(seen.hostname, sizeof(seen.hostname), info->hostname);
	seen.sources = info->sources;
	seen.details_unknown = info->details_unknown;

	d = managed_by_identity(c, seen.serial, seen.mac);
	if (d)
		return device_at(d, seen.ip) ? GW_NOTE_MANAGED
					      : managed_elsewhere(c, d, seen.ip, ctx);
	if (managed_at(c, seen.ip, seen.serial, seen.mac))
		return GW_NOTE_MANAGED;

	x = cand_by(c, offsetof(struct gw_candidate, serial), seen.serial);
	by_mac = cand_by(c, offsetof(struct gw_candidate, mac), seen.mac);
	if (x && by_mac && by_mac != x && agree(x->mac, seen.mac)) {
		/* one device known twice (by MAC first, then by serial): one entry */
		fill(x, by_mac);
		drop(c, by_mac);
	} else if (!x) {
		x = by_mac;
	}
	strong = x != NULL;
	if (!x)
		x = cand_at(c, seen.ip, seen.serial, seen.mac, ctx->run);
	if (!x) {
		if (c->n >= GW_CAND_MAX) {
			/* once per run: a /16 of printers would say it 60,000 times */
			if (c->full_told_run != ctx->run || !ctx->run)
				gw_warn(SUB, "%u candidates kept already; %s and every new device after "
					"it in run %u are not added", c->n, seen.ip, ctx->run);
			c->full_told_run = ctx->run;
			return GW_NOTE_REFUSED;
		}
		x = calloc(1, sizeof(*x));
		if (!x || (x->id = c->next_id++, insert(c, x) < 0)) {
			free(x);
			return GW_NOTE_REFUSED;
		}
		memcpy(x->ip, seen.ip, sizeof(x->ip));
		x->first_seen_ms = ctx->now_ms;
		x->details_unknown = true;
		res = GW_NOTE_NEW;
	} else if (strong && strcmp(x->ip, seen.ip) != 0) {
		gw_info(SUB, "candidate %u moved from %s to %s", x->id, x->ip, seen.ip);
		memcpy(x->prev_ip, x->ip, sizeof(x->prev_ip));
		memcpy(x->ip, seen.ip, sizeof(x->ip));
		x->moved_ms = ctx->now_ms;
		res = GW_NOTE_MOVED;
	} else {
		res = GW_NOTE_UPDATED;
	}
	fill(x, &seen);
	x->last_seen_ms = ctx->now_ms;
	x->run = ctx->run;
	x->cloud = x->cloud || ctx->for_cloud;
	if (cand_id)
		*cand_id = x->id;
	persist(c, x, false);
	apply_rules(c, x->id);
	return res;
}

unsigned gw_candidates_report_run(struct gw_candidates *c, uint32_t run)
{
	unsigned n = 0;

	for (unsigned i = 0; i < c->n; i++) {
		const struct gw_candidate *x = c->v[i];
		struct gw_ident id;
		if (x->run != run)
			continue;
		ident_of_cand(x, &id);
		struct gw_fact f[] = {{"change", "candidate", 0, false},
				      {"candidate_id", NULL, x->id, false},
				      {"run", NULL, run, false},
				      {"first_seen", NULL, x->first_seen_ms, true},
				      {"previous_ip", x->prev_ip, 0, false}};
		if (gw_fleet_record(c->store, GW_REC_INVENTORY, 0, &id, "inventory", f,
				    x->prev_ip[0] ? 5 : 4) == 0)
			n++;
	}
	return n;
}

int gw_candidates_approve(struct gw_candidates *c, uint32_t id, const char *name,
			  const char *credentials, const char *actor, uint32_t *device_id,
			  const char **reason)
{
	int pos = find_pos(c, id);
	struct gw_device_spec spec = {.enabled = true};
	struct gw_candidate *x;
	enum gw_dev_origin origin = strncmp(actor, "cloud:", 6) == 0 ? GW_ORIGIN_CLOUD
								     : GW_ORIGIN_LOCAL;
	struct gw_ident ident;
	uint32_t did;
	int rc;

	if (pos < 0) {
		*reason = "no such candidate";
		return -ENOENT;
	}
	x = c->v[pos];
	if (strlen(name) >= sizeof(spec.name) || strlen(credentials) >= sizeof(spec.credentials)) {
		*reason = "name or credentials too long";
		return -EINVAL;
	}
	if (!*credentials) {
		*reason = "a credentials profile is needed to poll it";
		return -EINVAL;
	}
	snprintf(spec.name, sizeof(spec.name), "%s", name);
	snprintf(spec.address, sizeof(spec.address), "%s", x->ip);
	snprintf(spec.credentials, sizeof(spec.credentials), "%s", credentials);
	spec.port = c->poll_port;
	rc = gw_devices_add(c->devices, &spec, origin, actor, &did, reason);
	if (rc < 0) {
		gw_audit(actor, "candidate.approve_refused", name, "candidate %u at %s: %s", id,
			 x->ip, *reason);
		return rc;
	}
	gw_devices_seen(c->devices, did, x->serial, x->mac, x->model, x->last_seen_ms);
	gw_audit(actor, "candidate.approve", name,
		 "candidate %u (identity %s %s) at %s became device %u", id,
		 gw_identity_name(x->ident),
		 x->serial[0] ? x->serial : x->mac[0] ? x->mac : x->ip, x->ip, did);
	ident_of_cand(x, &ident);
	struct gw_fact f[] = {{"change", "added", 0, false},
			      {"name", name, 0, false},
			      {"origin", gw_origin_name(origin), 0, false},
			      {"via", "discovery", 0, false}};
	gw_fleet_record(c->store, GW_REC_INVENTORY, did, &ident, "inventory", f, 4);
	drop(c, x);
	if (device_id)
		*device_id = did;
	return 0;
}

int gw_candidates_forget(struct gw_candidates *c, uint32_t id, const char *actor)
{
	int pos = find_pos(c, id);
	struct gw_candidate *x;

	if (pos < 0)
		return -ENOENT;
	x = c->v[pos];
	gw_audit(actor, "candidate.forget", x->ip, "candidate %u (%s)", id,
		 x->serial[0] ? x->serial : x->mac[0] ? x->mac : "address only");
	drop(c, x);
	return 0;
}
