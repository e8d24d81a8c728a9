#include "discover.h"
#include "client.h"
#include "ident.h"
#include "mib.h"
#include "profile.h"
#include "vbset.h"
#include "core/log.h"
#include "devices/discovery.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SUB "snmp"
#define DISC_WINDOW 4096         /* requests in flight in one run, all addresses */
#define MAP_SIZE 4096            /* address buckets; power of two */
#define MAC_STEPS 8              /* ifPhysAddress rows passed over looking for a MAC */
#define PROBE_MS_MIN 500
#define PROBE_MS_MAX 5000
#define MAX_REAP 4

#define N(a) ((unsigned)(sizeof(a) / sizeof((a)[0])))

/* The columns the probe asks for, and the identification objects. */
static const uint32_t col_epson[] = {1, 3, 6, 1, 4, 1, 1248, 1, 2, 2, 1, 1, 1, 1};
static const uint32_t col_pwg[] = {1, 3, 6, 1, 4, 1, 2699, 1, 2, 1, 2, 1, 1, 3};
static const uint32_t obj_serial[] = {MIB_PRT_GEN_SERIAL, 1};
static const uint32_t obj_sysobj[] = {MIB_SYS_OBJECT_ID};
static const uint32_t obj_hrtype[] = {MIB_HR_DEVICE_TYPE, 1};
static const uint32_t val_hr_printer[] = {MIB_HR_DEVICE_PRINTER};
static const uint32_t col_phys[] = {MIB_IF_PHYS};

struct run;

/* What an address that answered told so far. */
struct ident {
	unsigned pending;            /* identification requests in flight */
	bool has_id, printer_mib, hr_printer;
	struct gw_1284_id id;
	char serial[64], mac[18], vendor[32], sysobj[64];
	struct gw_oid get[3];        /* the GET, less what SNMPv1 refused */
	unsigned n_get;
	struct gw_oid at;            /* the ifPhysAddress row reached */
	unsigned mac_steps;
};

struct dev {
	struct dev *next;            /* bucket chain */
	struct run *run;
	uint32_t ip;                 /* host order */
	struct gw_snmp_session *s;
	struct ident *id;            /* NULL while the probe is out */
};

struct bcast {
	struct bcast *next;
	struct run *run;
	struct gw_snmp_session *s;
};

struct run {
	struct gw_snmp_disc *x;
	struct gw_discovery *d;
	const struct gw_credentials *cred;
	struct gw_snmp_client *client;
	uint16_t port;
	int64_t probe_ms, ident_ms;
	struct dev *map[MAP_SIZE];
	unsigned n_devs;
	struct bcast *bcasts;
	struct gw_addrset done;      /* addresses identified (or found not printers) */
	bool ending;
	struct event *end_timer;
};

struct gw_snmp_disc {
	struct event_base *base;
	unsigned per_device;
	struct gw_snmp_disc_ops ops;
	struct run *run;
	struct event *finish_ev;     /* ends a run from a callback of its own */
	struct event *reap_ev;       /* frees the clients of runs that ended */
	struct gw_snmp_client *reap[MAX_REAP];
	unsigned n_reap;
	struct gw_snmp_disc_stats st;
};

static const struct gw_credentials v1_public = {.name = "discovery", .version = GW_SNMP_V1,
						.community = "public"};

static void arcs(struct gw_oid *o, const uint32_t *a, unsigned n)
{
	o->n = n;
	memcpy(o->a, a, n * sizeof(uint32_t));
}

static bool debug_on(void)
{
	return gw_log_get_level() >= GW_LOG_DEBUG;
}

static const char *ip_str(uint32_t ip, char buf[INET_ADDRSTRLEN])
{
	struct in_addr a = {htonl(ip)};

	return inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN);
}

/* ---- the address map ---- */

static unsigned bucket(uint32_t ip)
{
	ip ^= ip >> 16;
	ip *= 0x7feb352du;
	ip ^= ip >> 15;
	return ip & (MAP_SIZE - 1);
}

static struct dev *dev_find(struct run *run, uint32_t ip)
{
	struct dev *v = run->map[bucket(ip)];

	while (v && v->ip != ip)
		v = v->next;
	return v;
}

static struct dev *dev_new(struct run *run, uint32_t ip)
{
	struct dev *v = calloc(1, sizeof(*v));
	unsigned b = bucket(ip);

	if (!v)
		return NULL;
	v->run = run;
	v->ip = ip;
	v->next = run->map[b];
	run->map[b] = v;
	run->n_devs++;
	return v;
}

/* Off the map, its requests dropped without callbacks. */
static void dev_free(struct dev *v)
{
	struct run *run = v->run;
	struct dev **pp = &run->map[bucket(v->ip)];

	while (*pp && *pp != v)
		pp = &(*pp)->next;
	if (*pp)
		*pp = v->next;
	run->n_devs--;
	gw_snmp_session_free(v->s);
	free(v->id);
	free(v);
}

static struct gw_snmp_session *session(struct run *run, uint32_t ip, int64_t timeout_ms,
				       unsigned retries)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(run->port),
				.sin_addr.s_addr = htonl(ip)};
	char name[40], s[INET_ADDRSTRLEN];
	struct gw_snmp_session_opts o = {
		.addr = (const struct sockaddr *)&a,
		.addrlen = sizeof(a),
		.cred = run->cred,
		.timeout_ms = timeout_ms,
		.retries = retries,
		.name = name,
	};

	snprintf(name, sizeof(name), "discovery %s", ip_str(ip, s));
	return gw_snmp_session_new(run->client, &o);
}

/* ---- the end of a run ---- */

static void check_end(struct run *run)
{
	if (run->ending && !run->n_devs && !run->bcasts)
		event_active(run->x->finish_ev, EV_TIMEOUT, 0);
}

/* Everything of the run goes, without a callback; the client goes later. */
static void teardown(struct gw_snmp_disc *x)
{
	struct run *run = x->run;
	struct gw_snmp_stats cs;

	if (!run)
		return;
	x->run = NULL;
	event_del(x->finish_ev);
	for (unsigned b = 0; b < MAP_SIZE; b++)
		while (run->map[b])
			dev_free(run->map[b]);
	while (run->bcasts) {
		struct bcast *bc = run->bcasts;

		run->bcasts = bc->next;
		gw_snmp_session_free(bc->s);
		free(bc);
	}
	gw_snmp_client_stats(run->client, &cs);
	x->st.spoofed += cs.dropped_spoofed;
	x->st.late += cs.dropped_late;
	x->st.unsolicited += cs.dropped_unsolicited;
	x->st.mismatch += cs.dropped_mismatch;
	x->st.malformed += cs.dropped_malformed;
	/* a client callback may be on the stack: the client is freed from the loop */
	if (x->n_reap < MAX_REAP) {
		x->reap[x->n_reap++] = run->client;
		event_active(x->reap_ev, EV_TIMEOUT, 0);
	} else {
		gw_snmp_client_free(run->client);
	}
	if (run->end_timer)
		event_free(run->end_timer);
	gw_addrset_clear(&run->done);
	free(run);
}

static void on_reap(evutil_socket_t fd, short what, void *arg)
{
	struct gw_snmp_disc *x = arg;

	(void)fd;
	(void)what;
	while (x->n_reap)
		gw_snmp_client_free(x->reap[--x->n_reap]);
}

static void report(struct dev *v);

static void finish(struct gw_snmp_disc *x)
{
	struct run *run = x->run;
	struct gw_discovery *d;
	struct gw_snmp_stats cs;

	if (!run)
		return;
	d = run->d;
	/* what answered but is not identified yet is reported as far as it got */
	for (unsigned b = 0; b < MAP_SIZE && x->run == run;) {
		struct dev *v = run->map[b];

		while (v && !v->id)
			v = v->next;
		if (!v) {
			b++;
			continue;
		}
		x->st.cut_at_end++;
		report(v);              /* takes v off the map */
	}
	if (x->run != run)
		return;    /* cancelled from inside found() */
	gw_snmp_client_stats(run->client, &cs);
	x->st.unsent += cs.queued;
	if (cs.queued)
		gw_warn(SUB, "discovery run %u: %u addresses were never probed: the rate is more "
			"than the answers' wait allows", d->run, cs.queued);
	if (cs.dropped_spoofed || cs.dropped_late || cs.dropped_mismatch)
		gw_info(SUB, "discovery run %u: answers dropped: %llu from the wrong address or "
			"port, %llu after their broadcast closed, %llu with another community",
			d->run, (unsigned long long)cs.dropped_spoofed,
			(unsigned long long)cs.dropped_late, (unsigned long long)cs.dropped_mismatch);
	teardown(x);
	x->ops.done(d, 0);
}

static void on_finish(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	finish(arg);
}

static void on_end_timer(evutil_socket_t fd, short what, void *arg)
{
	struct run *run = arg;

	(void)fd;
	(void)what;
	finish(run->x);
}

/* ---- identification ---- */

static void mac_step(struct dev *v);

/* The 1284 id of a probe answer, whichever column it came from. */
static void take_probe(struct ident *id, const struct gw_snmp_pdu *pdu)
{
	for (unsigned i = 0; i < pdu->n_vb && !id->has_id; i++) {
		const struct gw_snmp_vb *vb = &pdu->vb[i];
		struct gw_oid o;

		if (vb->type != GW_BER_OCTETS || gw_snmp_vb_oid(vb, &o) < 0)
			continue;
		if (!gw_oid_has_prefix(o.a, o.n, col_epson, N(col_epson)) &&
		    !gw_oid_has_prefix(o.a, o.n, col_pwg, N(col_pwg)))
			continue;  /* walked out of the column: another object, not read */
		id->has_id = gw_1284_parse(vb->val, vb->val_len, &id->id) == 0;
	}
}

static void one_done(struct dev *v)
{
	if (--v->id->pending == 0)
		report(v);
}

static void on_get(void *arg, int status, const struct gw_snmp_pdu *pdu)
{
	struct dev *v = arg;
	struct ident *id = v->id;

	if (status == 0 && pdu->err_status == GW_SNMP_NO_SUCH_NAME && id->n_get > 1 &&
	    pdu->err_index >= 1 && (unsigned)pdu->err_index <= id->n_get) {
		/* SNMPv1 refuses the whole GET for one missing object: ask for the rest */
		unsigned k = (unsigned)pdu->err_index - 1;

		memmove(&id->get[k], &id->get[k + 1], (id->n_get - k - 1) * sizeof(id->get[0]));
		id->n_get--;
		if (gw_snmp_request(v->s, GW_PDU_GET, id->get, id->n_get, 0, 0, on_get, v) == 0)
			return;
	}
	for (unsigned i = 0; status == 0 && !pdu->err_status && i < pdu->n_vb; i++) {
		const struct gw_snmp_vb *vb = &pdu->vb[i];
		struct gw_oid o;

		if (gw_snmp_vb_is_exception(vb) || gw_snmp_vb_oid(vb, &o) < 0)
			continue;
		if (vb->type == GW_BER_OCTETS &&
		    gw_oid_cmp(o.a, o.n, obj_serial, N(obj_serial)) == 0) {
			/* the object exists: the host implements Printer-MIB */
			id->printer_mib = true;
			if (gw_ident_text(vb->val, vb->val_len, id->serial, sizeof(id->serial)) &&
			    strspn(id->serial, "0 ") == strlen(id->serial))
				id->serial[0] = '\0';  /* zeros are a placeholder, not an identity */
		} else if (vb->type == GW_BER_OID &&
			   gw_oid_cmp(o.a, o.n, obj_sysobj, N(obj_sysobj)) == 0) {
			struct gw_vbset vs;
			struct gw_oid val;
			const char *who;

			if (gw_ber_oid(vb->val, vb->val_len, &val) == 0)
				gw_oid_format(val.a, val.n, id->sysobj, sizeof(id->sysobj));
			gw_vbset_init(&vs);
			gw_vbset_add(&vs, &o, vb);
			gw_vbset_sort(&vs);
			who = gw_profile_vendor(&vs, id->vendor, sizeof(id->vendor));
			if (who && who != id->vendor)
				snprintf(id->vendor, sizeof(id->vendor), "%s", who);
			else if (!who)
				id->vendor[0] = '\0';
			gw_vbset_release(&vs);
		} else if (vb->type == GW_BER_OID &&
			   gw_oid_cmp(o.a, o.n, obj_hrtype, N(obj_hrtype)) == 0) {
			struct gw_oid val;

			id->hr_printer = gw_ber_oid(vb->val, vb->val_len, &val) == 0 &&
				gw_oid_cmp(val.a, val.n, val_hr_printer, N(val_hr_printer)) == 0;
		}
	}
	one_done(v);
}

static void on_mac(void *arg, int status, const struct gw_snmp_pdu *pdu)
{
	struct dev *v = arg;
	struct ident *id = v->id;
	struct gw_oid o;

	if (status == 0 && !pdu->err_status && pdu->n_vb == 1 &&
	    !gw_snmp_vb_is_exception(&pdu->vb[0]) && gw_snmp_vb_oid(&pdu->vb[0], &o) == 0 &&
	    o.n == N(col_phys) + 1 && gw_oid_has_prefix(o.a, o.n, col_phys, N(col_phys)) &&
	    gw_oid_cmpo(&o, &id->at) > 0) {
		if (gw_ident_mac(pdu->vb[0].val, pdu->vb[0].val_len, id->mac))
			goto out;
		/* a loopback or an empty row first: the next row may hold it */
		if (++id->mac_steps < MAC_STEPS) {
			id->at = o;
			mac_step(v);
			return;
		}
	}
out:
	one_done(v);
}

static void mac_step(struct dev *v)
{
	if (gw_snmp_request(v->s, GW_PDU_GETNEXT, &v->id->at, 1, 0, 0, on_mac, v) < 0)
		one_done(v);
}

static void on_reprobe(void *arg, int status, const struct gw_snmp_pdu *pdu)
{
	struct dev *v = arg;

	if (status == 0 && !pdu->err_status)
		take_probe(v->id, pdu);
	one_done(v);
}

/*
 * An address answered the probe (pdu) or a broadcast: identify it. Its own
 * session from now on, with retries: it is there.
 */
static void identify(struct dev *v, const struct gw_snmp_pdu *pdu)
{
	struct run *run = v->run;
	struct ident *id = calloc(1, sizeof(*id));
	struct gw_oid other;
	bool reprobe = false;
	char ip[INET_ADDRSTRLEN];

	run->x->st.answers++;
	gw_snmp_session_free(v->s);
	v->s = NULL;
	if (!id) {
		dev_free(v);
		check_end(run);
		return;
	}
	v->id = id;
	if (pdu->err_status == GW_SNMP_NO_SUCH_NAME && pdu->n_vb == 2 &&
	    (pdu->err_index == 1 || pdu->err_index == 2)) {
		/* SNMPv1: one column ran off the end of the MIB; the other may hold an id */
		arcs(&other, pdu->err_index == 1 ? col_pwg : col_epson, N(col_epson));
		reprobe = true;
	} else if (!pdu->err_status) {
		take_probe(id, pdu);
	}
	if (!id->has_id && !reprobe)
		run->x->st.without_1284++;
	arcs(&id->get[0], obj_serial, N(obj_serial));
	arcs(&id->get[1], obj_sysobj, N(obj_sysobj));
	arcs(&id->get[2], obj_hrtype, N(obj_hrtype));
	id->n_get = 3;
	arcs(&id->at, col_phys, N(col_phys));
	v->s = session(run, v->ip, run->ident_ms, 1);
	id->pending = 1;              /* held while the requests go out */
	if (v->s) {
		if (debug_on())
			gw_debug(SUB, "discovery run %u: %s answered%s; GET prtGeneralSerialNumber.1, "
				 "sysObjectID.0, hrDeviceType.1; GETNEXT ifPhysAddress%s", run->d->run,
				 ip_str(v->ip, ip), id->has_id ? " with a 1284 id" : "",
				 reprobe ? "; GETNEXT of the other 1284 column" : "");
		if (gw_snmp_request(v->s, GW_PDU_GET, id->get, id->n_get, 0, 0, on_get, v) == 0)
			id->pending++;
		if (gw_snmp_request(v->s, GW_PDU_GETNEXT, &id->at, 1, 0, 0, on_mac, v) == 0)
			id->pending++;
		if (reprobe &&
		    gw_snmp_request(v->s, GW_PDU_GETNEXT, &other, 1, 0, 0, on_reprobe, v) == 0)
			id->pending++;
	}
	one_done(v);
}

/*
 * A printer says so in one of three ways: a 1284 id of class PRINTER (or
 * of no class: Epson's column is a printer's by definition), Printer-MIB's
 * prtGeneral, or hrDeviceType printer. An id that names another class (a
 * scanner) counts against it only when nothing else says printer.
 */
static bool is_printer(const struct ident *id)
{
	if (id->printer_mib || id->hr_printer)
		return true;
	return id->has_id && (gw_1284_is_printer(&id->id) || !id->id.cls[0]);
}

/* The answer becomes a candidate, or is reported as not a printer. */
static void report(struct dev *v)
{
	struct run *run = v->run;
	struct gw_snmp_disc *x = run->x;
	struct ident *id = v->id;
	struct gw_candidate_info info;
	struct sockaddr_in *sin = (struct sockaddr_in *)&info.addr;
	char ip[INET_ADDRSTRLEN];

	ip_str(v->ip, ip);
	gw_addrset_add(&run->done, v->ip);
	memset(&info, 0, sizeof(info));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(run->port);
	sin->sin_addr.s_addr = htonl(v->ip);
	info.addrlen = sizeof(*sin);
	info.sources = GW_SRC_SNMP;
	if (!is_printer(id)) {
		x->st.not_printers++;
		gw_info(SUB, "discovery run %u: %s answers SNMP but is not a printer (%s%s): "
			"not a candidate", run->d->run, ip,
			id->has_id ? "1284 class " : "no 1284 id, no Printer-MIB, "
						     "no hrDevicePrinter, sysObjectID ",
			id->has_id ? id->id.cls : id->sysobj[0] ? id->sysobj : "unknown");
		info.not_printer = true;
		dev_free(v);
		x->ops.found(run->d, &info);   /* counted as ignored by the core */
		if (x->run == run)
			check_end(run);
		return;
	}
	snprintf(info.manufacturer, sizeof(info.manufacturer), "%s",
		 id->id.mfg[0] ? id->id.mfg : id->vendor);
	snprintf(info.model, sizeof(info.model), "%s", id->id.mdl);
	snprintf(info.serial, sizeof(info.serial), "%s", id->serial[0] ? id->serial : id->id.sn);
	snprintf(info.mac, sizeof(info.mac), "%s", id->mac);
	/* a printer that does not say its model: found, but its details are unknown */
	info.details_unknown = !id->has_id || !id->id.mdl[0];
	if (debug_on())
		gw_debug(SUB, "discovery run %u: %s: MFG \"%s\" MDL \"%s\" CMD \"%s\" SN \"%s\"%s%s",
			 run->d->run, ip, id->id.mfg, id->id.mdl, id->id.cmd, id->id.sn,
			 id->id.length_mismatch ? ", its length prefix is wrong" : "",
			 id->id.replaced ? ", non-ASCII replaced" : "");
	x->st.identified++;
	dev_free(v);
	x->ops.found(run->d, &info);
	if (x->run == run)
		check_end(run);
}

/* ---- probes ---- */

static void probe_oids(struct gw_oid o[2])
{
	arcs(&o[0], col_epson, N(col_epson));
	arcs(&o[1], col_pwg, N(col_pwg));
}

static void on_probe(void *arg, int status, const struct gw_snmp_pdu *pdu)
{
	struct dev *v = arg;
	struct run *run = v->run;

	if (status < 0) {
		dev_free(v);            /* nobody there */
		check_end(run);
		return;
	}
	identify(v, pdu);
}

static void on_bcast_answer(void *arg, const struct sockaddr_storage *from, socklen_t fromlen,
			    const struct gw_snmp_pdu *pdu)
{
	struct bcast *bc = arg;
	struct run *run = bc->run;
	const struct sockaddr_in *sin = (const struct sockaddr_in *)from;
	struct dev *v;
	uint32_t ip;

	if (from->ss_family != AF_INET || fromlen < sizeof(*sin))
		return;
	run->x->st.broadcast_answers++;
	ip = ntohl(sin->sin_addr.s_addr);
	v = dev_find(run, ip);
	if (gw_addrset_has(&run->done, ip) || (v && v->id)) {
		run->x->st.duplicates++;    /* each repeat of the broadcast, or probed as well */
		return;
	}
	if (!v && !(v = dev_new(run, ip)))
		return;
	identify(v, pdu);
}

static void on_bcast_closed(void *arg, int status, const struct gw_snmp_pdu *pdu)
{
	struct bcast *bc = arg, **pp;
	struct run *run = bc->run;

	(void)status;
	(void)pdu;
	for (pp = &run->bcasts; *pp && *pp != bc; pp = &(*pp)->next)
		;
	if (*pp)
		*pp = bc->next;
	gw_snmp_session_free(bc->s);
	free(bc);
	check_end(run);
}

static void broadcast(struct run *run, const struct gw_discovery *d)
{
	struct gw_oid o[2];

	probe_oids(o);
	for (unsigned i = 0; i < d->n_bcast; i++) {
		struct bcast *bc = calloc(1, sizeof(*bc));
		uint32_t ip = ntohl(d->bcast[i].sin_addr.s_addr);
		char s[INET_ADDRSTRLEN];
		int rc = -ENOMEM;

		if (bc) {
			bc->run = run;
			bc->s = session(run, ip, run->probe_ms, 0);
			rc = bc->s ? gw_snmp_broadcast(bc->s, GW_PDU_GETNEXT, o, 2, run->probe_ms,
						       on_bcast_answer, on_bcast_closed, bc)
				   : -ENOMEM;
		}
		if (rc < 0) {
			gw_warn(SUB, "discovery run %u: cannot broadcast to %s: %s", d->run,
				ip_str(ip, s), strerror(-rc));
			if (bc)
				gw_snmp_session_free(bc->s);
			free(bc);
			continue;
		}
		bc->next = run->bcasts;
		run->bcasts = bc;
		run->x->st.broadcasts++;
		gw_debug(SUB, "discovery run %u: GETNEXT of the Epson and PWG 1284-id columns "
			 "broadcast to %s", d->run, ip_str(ip, s));
	}
}

static void probe(struct run *run, const struct gw_discovery *d)
{
	struct gw_oid o[2];
	unsigned sent = 0;

	probe_oids(o);
	for (unsigned i = 0; i < d->n_targets; i++) {
		uint32_t ip = ntohl(d->targets[i].sin_addr.s_addr);
		struct dev *v;

		if (gw_addrset_has(&run->done, ip) || dev_find(run, ip))
			continue;           /* a broadcast found it first */
		if (!(v = dev_new(run, ip)))
			continue;
		v->s = session(run, ip, run->probe_ms, 0);
		if (!v->s || gw_snmp_request(v->s, GW_PDU_GETNEXT, o, 2, 0, 0, on_probe, v) < 0) {
			dev_free(v);
			continue;
		}
		sent++;
	}
	run->x->st.probes += sent;
	if (sent)
		gw_debug(SUB, "discovery run %u: GETNEXT of the Epson and PWG 1284-id columns "
			 "to %u addresses", d->run, sent);
}

/* ---- the step hook ---- */

static int begin(struct gw_snmp_disc *x, struct gw_discovery *d)
{
	struct gw_snmp_client_opts o = {.window = DISC_WINDOW, .per_device = x->per_device,
					 .broadcast = true};
	struct run *run;

	if (x->run)
		return -EBUSY;
	/* never inside a client's callback: the clients of ended runs can go now */
	while (x->n_reap)
		gw_snmp_client_free(x->reap[--x->n_reap]);
	if (d->cred && d->cred->version == GW_SNMP_V3)
		return -EINVAL;   /* discovery probes with a community */
	run = calloc(1, sizeof(*run));
	if (!run)
		return -ENOMEM;
	run->x = x;
	run->d = d;
	run->cred = d->cred ? d->cred : &v1_public;
	run->port = d->port ? d->port : 161;
	run->probe_ms = d->timeout_ms < PROBE_MS_MIN   ? PROBE_MS_MIN
			: d->timeout_ms > PROBE_MS_MAX ? PROBE_MS_MAX
						       : d->timeout_ms;
	/* an identification request and its retry fit in a probe's wait */
	run->ident_ms = run->probe_ms / 3;
	run->client = gw_snmp_client_new(x->base, &o);
	run->end_timer = evtimer_new(x->base, on_end_timer, run);
	if (!run->client || !run->end_timer) {
		gw_snmp_client_free(run->client);
		if (run->end_timer)
			event_free(run->end_timer);
		free(run);
		return -ENOMEM;
	}
	x->run = run;
	x->st.runs++;
	return 0;
}

int gw_snmp_disc_step(struct gw_snmp_disc *x, struct gw_discovery *d)
{
	struct run *run = x->run;
	struct timeval tv;

	if (d->step == GW_DISC_BEGIN)
		return begin(x, d);
	if (!run || run->d != d)
		return -ENOENT;
	switch (d->step) {
	case GW_DISC_BROADCAST:
		broadcast(run, d);
		return 0;
	case GW_DISC_PROBE:
		probe(run, d);
		return 0;
	case GW_DISC_END:
		run->ending = true;
		tv.tv_sec = d->timeout_ms / 1000;
		tv.tv_usec = (d->timeout_ms % 1000) * 1000;
		evtimer_add(run->end_timer, &tv);
		check_end(run);
		return 0;
	case GW_DISC_CANCEL:
		teardown(x);
		return 0;
	default:
		return -EINVAL;
	}
}

struct gw_snmp_disc *gw_snmp_disc_new(struct event_base *base, unsigned per_device,
				      const struct gw_snmp_disc_ops *ops)
{
	struct gw_snmp_disc *x = calloc(1, sizeof(*x));

	if (!x)
		return NULL;
	x->base = base;
	x->per_device = per_device ? per_device : 2;
	x->ops = *ops;
	x->finish_ev = event_new(base, -1, 0, on_finish, x);
	x->reap_ev = event_new(base, -1, 0, on_reap, x);
	if (!x->finish_ev || !x->reap_ev) {
		gw_snmp_disc_free(x);
		return NULL;
	}
	return x;
}

void gw_snmp_disc_free(struct gw_snmp_disc *x)
{
	if (!x)
		return;
	teardown(x);
	while (x->n_reap)
		gw_snmp_client_free(x->reap[--x->n_reap]);
	if (x->finish_ev)
		event_free(x->finish_ev);
	if (x->reap_ev)
		event_free(x->reap_ev);
	free(x);
}

void gw_snmp_disc_stats(const struct gw_snmp_disc *x, struct gw_snmp_disc_stats *st)
{
	*st = x->st;
}
