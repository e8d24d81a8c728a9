/*
 * The printer profile: Printer-MIB (RFC 3805), Host Resources (RFC 2790),
 * IF-MIB and Job Monitoring (RFC 2707) into the device object. The mapping
 * and its reasons are written down in docs/device-data.md.
 */
#include "charset.h"
#include "mib.h"
#include "profile.h"
#include "st2.h"
#include "core/plugin.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define SUB "snmp"
#define N(a) ((unsigned)(sizeof(a) / sizeof((a)[0])))

int gw_plan_walk(struct gw_plan *p, const uint32_t *a, unsigned n)
{
	if (p->n_walks >= GW_PLAN_MAX || n > GW_OID_MAX)
		return -ENOSPC;
	p->walks[p->n_walks].n = n;
	memcpy(p->walks[p->n_walks].a, a, n * sizeof(*a));
	p->n_walks++;
	return 0;
}

int gw_plan_get(struct gw_plan *p, const uint32_t *a, unsigned n)
{
	if (p->n_gets >= GW_PLAN_MAX || n > GW_OID_MAX)
		return -ENOSPC;
	p->gets[p->n_gets].n = n;
	memcpy(p->gets[p->n_gets].a, a, n * sizeof(*a));
	p->n_gets++;
	return 0;
}

void gw_profile_ident_plan(struct gw_plan *p, bool v1)
{
	gw_plan_get(p, GW_ARCS(MIB_SYS_DESCR));
	gw_plan_get(p, GW_ARCS(MIB_SYS_OBJECT_ID));
	gw_plan_get(p, GW_ARCS(MIB_SYS_UPTIME));
	gw_plan_get(p, GW_ARCS(MIB_SYS_NAME));
	if (v1)
		return; /* v1 answers a missing object with an error for the whole GET */
	gw_plan_get(p, GW_ARCS(MIB_EPSON_1284_ID));
	gw_plan_get(p, GW_ARCS(MIB_PWG_1284_ID));
}

void gw_printer_plan(struct gw_plan *p, unsigned parts)
{
	/* identity and address: every poll, as every record names its device */
	gw_plan_walk(p, GW_ARCS(MIB_HR_DEVICE_ENTRY));
	gw_plan_walk(p, GW_ARCS(MIB_PRT_GENERAL));
	gw_plan_walk(p, GW_ARCS(MIB_PRT_LOC_CHARSET));
	gw_plan_walk(p, GW_ARCS(MIB_IP_AD_IFINDEX));
	gw_plan_walk(p, GW_ARCS(MIB_IF_TYPE));
	gw_plan_walk(p, GW_ARCS(MIB_IF_PHYS));
	gw_plan_walk(p, GW_ARCS(MIB_IF_OPER));
	if (parts & GW_PART_STATUS) {
		gw_plan_walk(p, GW_ARCS(MIB_HR_PRINTER_ENTRY));
		gw_plan_walk(p, GW_ARCS(MIB_PRT_ALERT));
		gw_plan_walk(p, GW_ARCS(MIB_PRT_CONSOLE_TEXT));
		gw_plan_walk(p, GW_ARCS(MIB_PRT_CONSOLE_LIGHT));
		gw_plan_walk(p, GW_ARCS(MIB_PRT_COVER));
	}
	if (parts & GW_PART_SUPPLIES) {
		gw_plan_walk(p, GW_ARCS(MIB_PRT_SUPPLIES));
		gw_plan_walk(p, GW_ARCS(MIB_PRT_COLORANT));
	}
	if (parts & GW_PART_COUNTERS)
		gw_plan_walk(p, GW_ARCS(MIB_PRT_MARKER));
	if (parts & GW_PART_SETTINGS) {
		gw_plan_walk(p, GW_ARCS(MIB_PRT_INPUT));
		gw_plan_walk(p, GW_ARCS(MIB_IP_AD_MASK));
		gw_plan_walk(p, GW_ARCS(MIB_IF_DESCR));
		gw_plan_get(p, GW_ARCS(MIB_SYS_LOCATION));
	}
	if (parts & GW_PART_JOBS) {
		gw_plan_walk(p, GW_ARCS(MIB_JM_JOB));
		gw_plan_walk(p, GW_ARCS(MIB_JM_ATTR_INT));
		gw_plan_walk(p, GW_ARCS(MIB_JM_ATTR_OCTETS));
	}
}

/* ---- helpers ---- */

static const struct gw_vb *get(const struct gw_vbset *vs, const uint32_t *pre, unsigned pn,
			       const uint32_t *suf, unsigned sn)
{
	return gw_vbset_get(vs, pre, pn, suf, sn);
}

static bool num_at(const struct gw_vbset *vs, const uint32_t *pre, unsigned pn,
		   const uint32_t *suf, unsigned sn, int64_t *out)
{
	return gw_vb_num(get(vs, pre, pn, suf, sn), out);
}

static const char *text(struct gw_devdata *d, const struct gw_vb *vb, int cs)
{
	return gw_vb_is_str(vb) ? gw_snmp_text(d, vb->val, vb->len, cs) : NULL;
}

int gw_printer_charset(const struct gw_vbset *vs)
{
	static const uint32_t gen_loc[] = {MIB_PRT_GEN_LOCALIZATION};
	static const uint32_t loc_cs[] = {MIB_PRT_LOC_CHARSET};
	size_t from, to;
	int64_t loc, cs;

	/* prtGeneralCurrentLocalization of the first printer names the row */
	gw_vbset_subtree(vs, gen_loc, N(gen_loc), &from, &to);
	if (from == to || vs->v[from].n != N(gen_loc) + 1 || !gw_vb_num(&vs->v[from], &loc) ||
	    loc <= 0)
		return 0;
	uint32_t idx[2] = {vs->v[from].oid[N(gen_loc)], (uint32_t)loc};
	return num_at(vs, loc_cs, N(loc_cs), idx, 2, &cs) && cs > 0 && cs < 65536 ? (int)cs : 0;
}

/* The hrDeviceIndex of the printer: the first device of type hrDevicePrinter; 0: none. */
static uint32_t printer_index(const struct gw_vbset *vs)
{
	static const uint32_t type[] = {MIB_HR_DEVICE_TYPE};
	static const uint32_t printer[] = {MIB_HR_DEVICE_PRINTER};
	static const uint32_t gen[] = {MIB_PRT_GENERAL};
	size_t from, to;

	gw_vbset_subtree(vs, type, N(type), &from, &to);
	for (size_t i = from; i < to; i++) {
		const struct gw_vb *v = &vs->v[i];
		struct gw_oid o;

		if (v->n != N(type) + 1 || v->type != GW_BER_OID || gw_ber_oid(v->val, v->len, &o) < 0)
			continue;
		if (gw_oid_cmp(o.a, o.n, printer, N(printer)) == 0)
			return v->oid[N(type)];
	}
	/* no Host Resources: the first row of the Printer-MIB's general table */
	gw_vbset_subtree(vs, gen, N(gen), &from, &to);
	if (from < to && vs->v[from].n == N(gen) + 2)
		return vs->v[from].oid[N(gen) + 1];
	return 0; /* not a printer: no printer status from another device's rows */
}

static bool oid_value(const struct gw_vb *vb, struct gw_oid *o)
{
	return vb && vb->type == GW_BER_OID && gw_ber_oid(vb->val, vb->len, o) == 0;
}

bool gw_profile_epson_enterprise(const struct gw_vbset *vs)
{
	static const uint32_t epson[] = {MIB_EPSON};
	struct gw_oid o;

	return oid_value(gw_vbset_get(vs, GW_ARCS(MIB_SYS_OBJECT_ID), NULL, 0), &o) &&
	       gw_oid_has_prefix(o.a, o.n, epson, 7);
}

static bool id1284(const struct gw_vbset *vs, const char *key, char *out, size_t cap)
{
	const struct gw_vb *v = gw_vbset_get(vs, GW_ARCS(MIB_EPSON_1284_ID), NULL, 0);

	if (gw_vb_is_str(v) && gw_ieee1284_field(v->val, v->len, key, out, cap) == 0)
		return true;
	v = gw_vbset_get(vs, GW_ARCS(MIB_PWG_1284_ID), NULL, 0);
	return gw_vb_is_str(v) && gw_ieee1284_field(v->val, v->len, key, out, cap) == 0;
}

bool gw_profile_is_epson(const struct gw_vbset *vs)
{
	static const uint32_t type[] = {MIB_HR_DEVICE_TYPE};
	static const uint32_t printer[] = {MIB_HR_DEVICE_PRINTER};
	static const uint32_t gen[] = {MIB_PRT_GENERAL};
	char mfg[64], cls[64];
	bool epson = gw_profile_epson_enterprise(vs), is_printer = false;
	size_t from, to;

	if (id1284(vs, "MFG", mfg, sizeof(mfg)) && strncasecmp(mfg, "EPSON", 5) == 0)
		epson = true;
	if (!epson)
		return false;
	/* projectors and scanners share the enterprise number: only printers qualify */
	if (id1284(vs, "CLS", cls, sizeof(cls)))
		return strcasecmp(cls, "PRINTER") == 0;
	gw_vbset_subtree(vs, type, N(type), &from, &to);
	for (size_t i = from; i < to && !is_printer; i++) {
		struct gw_oid o;

		is_printer = oid_value(&vs->v[i], &o) &&
			     gw_oid_cmp(o.a, o.n, printer, N(printer)) == 0;
	}
	gw_vbset_subtree(vs, gen, N(gen), &from, &to);
	return is_printer || from < to;
}

/* ---- vendor ---- */

static const struct {
	const char *prefix;   /* how the description starts (case-insensitive) */
	const char *name;
} vendors[] = {
	{"FUJI XEROX", "FUJI XEROX"}, {"FUJIFILM", "FUJIFILM"}, {"KONICA MINOLTA", "KONICA MINOLTA"},
	{"TA_UTAX", "UTAX"}, {"UTAX", "UTAX"}, {"EPSON", "EPSON"}, {"Brother", "Brother"},
	{"Canon", "Canon"}, {"Dell", "Dell"}, {"Develop", "Develop"}, {"Gestetner", "Gestetner"},
	{"HP ", "HP"}, {"Hewlett-Packard", "HP"}, {"KYOCERA", "KYOCERA"}, {"LANIER", "LANIER"},
	{"Lexmark", "Lexmark"}, {"NRG", "NRG"}, {"OKI", "OKI"}, {"RICOH", "RICOH"},
	{"Samsung", "Samsung"}, {"SAVIN", "SAVIN"}, {"SHARP", "SHARP"}, {"TOSHIBA", "TOSHIBA"},
	{"Xerox", "Xerox"}, {"Zebra", "Zebra"},
};

/* IANA private enterprise numbers of printer makers. */
static const struct {
	uint32_t pen;
	const char *name;
} enterprises[] = {
	{11, "HP"}, {236, "Samsung"}, {253, "Xerox"}, {297, "FUJI XEROX"}, {367, "RICOH"},
	{641, "Lexmark"}, {674, "Dell"}, {1129, "TOSHIBA"}, {1248, "EPSON"}, {1347, "KYOCERA"},
	{1602, "Canon"}, {2001, "OKI"}, {2385, "SHARP"}, {2435, "Brother"},
	{10642, "Zebra"}, {18334, "KONICA MINOLTA"},
};

static const char *vendor_of(const struct gw_vb *vb)
{
	if (!gw_vb_is_str(vb))
		return NULL;
	for (size_t i = 0; i < sizeof(vendors) / sizeof(vendors[0]); i++) {
		size_t k = strlen(vendors[i].prefix);

		if (vb->len >= k && strncasecmp((const char *)vb->val, vendors[i].prefix, k) == 0 &&
		    (vb->len == k || vendors[i].prefix[k - 1] == ' ' ||
		     !((vb->val[k] | 0x20) >= 'a' && (vb->val[k] | 0x20) <= 'z')))
			return vendors[i].name;
	}
	return NULL;
}

const char *gw_profile_vendor(const struct gw_vbset *vs, char *buf, size_t len)
{
	static const uint32_t descr[] = {MIB_HR_DEVICE_DESCR};
	struct gw_oid o;
	const char *v;
	size_t from, to;

	if (id1284(vs, "MFG", buf, len))
		return buf;
	if ((v = vendor_of(gw_vbset_get(vs, GW_ARCS(MIB_SYS_DESCR), NULL, 0))))
		return v;
	gw_vbset_subtree(vs, descr, N(descr), &from, &to);
	for (size_t i = from; i < to; i++)
		if ((v = vendor_of(&vs->v[i])))
			return v;
	if (oid_value(gw_vbset_get(vs, GW_ARCS(MIB_SYS_OBJECT_ID), NULL, 0), &o) && o.n > 6 &&
	    o.a[0] == 1 && o.a[1] == 3 && o.a[2] == 6 && o.a[3] == 1 && o.a[4] == 4 && o.a[5] == 1)
		for (size_t i = 0; i < sizeof(enterprises) / sizeof(enterprises[0]); i++)
			if (enterprises[i].pen == o.a[6])
				return enterprises[i].name;
	return NULL;
}

/* sysDescr as a name: up to the first ';', ',' or " / " (firmware lists follow). */
static const char *descr_name(struct gw_devdata *d, const struct gw_vb *vb)
{
	size_t n;

	if (!gw_vb_is_str(vb))
		return NULL;
	for (n = 0; n < vb->len; n++)
		if (vb->val[n] == ';' || vb->val[n] == ',' ||
		    (vb->val[n] == ' ' && n + 2 < vb->len && vb->val[n + 1] == '/' &&
		     vb->val[n + 2] == ' '))
			break;
	return gw_snmp_text(d, vb->val, n, 0);
}

/* A token after a marker in sysDescr: "Firmware Ver.1.06", "version NH62.YS.N636". */
static const char *descr_token(struct gw_devdata *d, const struct gw_vb *vb,
			       const char *const *markers)
{
	char s[512];

	if (!gw_vb_is_str(vb))
		return NULL;
	snprintf(s, sizeof(s), "%.*s", (int)(vb->len < sizeof(s) ? vb->len : sizeof(s) - 1),
		 (const char *)vb->val);
	for (size_t m = 0; markers[m]; m++) {
		const char *p = strcasestr(s, markers[m]);
		size_t n;

		if (!p)
			continue;
		p += strlen(markers[m]);
		n = strcspn(p, " ,;()");
		if (n > 0 && n < 64)
			return gw_dd_strn(d, p, n);
	}
	return NULL;
}

/* ---- identity and address ---- */

static void fmt_mac(char *buf, const uint8_t *m)
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

/*
 * ifPhysAddress as six bytes. Some agents send it as text ("0:15:99:7d:b1:6a"):
 * one or two hex digits per byte, ':' or '-' between them.
 */
static bool mac_bytes(const struct gw_vb *vb, uint8_t out[6])
{
	static const uint8_t zero[6];
	unsigned k = 0, digits = 0, v = 0;

	if (!vb || vb->type != GW_BER_OCTETS)
		return false;
	if (vb->len == 6) {
		memcpy(out, vb->val, 6);
	} else if (vb->len >= 11 && vb->len <= 17) {
		for (uint32_t i = 0; i <= vb->len; i++) {
			int c = i < vb->len ? vb->val[i] : ':';

			if (isxdigit(c) && digits < 2) {
				v = v * 16 + (unsigned)(isdigit(c) ? c - '0' : (c | 0x20) - 'a' + 10);
				digits++;
			} else if ((c == ':' || c == '-') && digits && k < 6) {
				out[k++] = (uint8_t)v;
				v = digits = 0;
			} else {
				return false;
			}
		}
		if (k != 6)
			return false;
	} else {
		return false;
	}
	/* all zeros is "none"; a multicast address is never an interface's own */
	return memcmp(out, zero, 6) != 0 && !(out[0] & 1);
}

static bool ethernet_like(int64_t type)
{
	/* ethernetCsmacd, iso88023Csmacd, fastEther, fastEtherFX, gigabitEthernet, ieee80211 */
	return type == 6 || type == 7 || type == 62 || type == 69 || type == 117 || type == 71;
}

/*
 * The MAC: of the interface that holds the address we polled, else of the
 * first Ethernet or Wi-Fi interface that is up, else the first real one.
 */
static const char *pick_mac(struct gw_devdata *d, const struct gw_vbset *vs, const char *ip)
{
	static const uint32_t phys[] = {MIB_IF_PHYS};
	char buf[18];
	uint8_t m[6], best[6];
	bool have = false;
	size_t from, to;
	struct in_addr a;

	if (ip && inet_pton(AF_INET, ip, &a) == 1) {
		const uint8_t *b = (const uint8_t *)&a;
		uint32_t sfx[4] = {b[0], b[1], b[2], b[3]};
		int64_t ifi;

		if (num_at(vs, GW_ARCS(MIB_IP_AD_IFINDEX), sfx, 4, &ifi) && ifi > 0) {
			uint32_t k = (uint32_t)ifi;

			if (mac_bytes(get(vs, phys, N(phys), &k, 1), m)) {
				fmt_mac(buf, m);
				return gw_dd_str(d, buf);
			}
		}
	}
	gw_vbset_subtree(vs, phys, N(phys), &from, &to);
	for (size_t i = from; i < to; i++) {
		int64_t type = 0, oper = 0;
		uint32_t k;

		if (vs->v[i].n != N(phys) + 1 || !mac_bytes(&vs->v[i], m))
			continue;
		k = vs->v[i].oid[N(phys)];
		num_at(vs, GW_ARCS(MIB_IF_TYPE), &k, 1, &type);
		num_at(vs, GW_ARCS(MIB_IF_OPER), &k, 1, &oper);
		/* operStatus up(1) */
		if (ethernet_like(type) && oper == 1) {
			memcpy(best, m, 6);
			have = true;
			break;
		}
		if (!have) {
			memcpy(best, m, 6);
			have = true;
		}
	}
	if (!have)
		return NULL;
	fmt_mac(buf, best);
	return gw_dd_str(d, buf);
}

static const char *clean_serial(struct gw_devdata *d, const struct gw_vb *vb)
{
	const char *s = text(d, vb, 0);

	/* blanks and all-zero placeholders are "no serial", never an identity */
	if (!s || strspn(s, "0 ") == strlen(s))
		return NULL;
	return s;
}

static void identity(const struct gw_vbset *vs, const struct gw_fill_ctx *fc,
		     struct gw_devdata *d, uint32_t hdi, int cs)
{
	static const char *const fw_markers[] = {"Firmware Ver.", "Firmware Version ",
						 "Firmware ", " version ", NULL};
	static const char *const sn_markers[] = {"SN:", "S/N ", NULL};
	const struct gw_vb *descr = gw_vbset_get(vs, GW_ARCS(MIB_SYS_DESCR), NULL, 0);
	char buf[128];
	const char *v;

	if (!d->model && hdi)
		d->model = text(d, get(vs, GW_ARCS(MIB_HR_DEVICE_DESCR), &hdi, 1), cs);
	if (!d->model && !hdi) {
		/*
		 * Not a printer: the first device of type hrDeviceOther names it (a
		 * scanner's "DS-860"); processors and interfaces of a host do not.
		 */
		static const uint32_t type_col[] = {MIB_HR_DEVICE_TYPE};
		static const uint32_t other[] = {1, 3, 6, 1, 2, 1, 25, 3, 1, 1};
		size_t from, to;

		gw_vbset_subtree(vs, type_col, N(type_col), &from, &to);
		for (size_t i = from; i < to && !d->model; i++) {
			struct gw_oid o;
			uint32_t k = vs->v[i].oid[vs->v[i].n - 1];

			if (vs->v[i].n == N(type_col) + 1 && oid_value(&vs->v[i], &o) &&
			    gw_oid_cmp(o.a, o.n, other, N(other)) == 0)
				d->model = text(d, get(vs, GW_ARCS(MIB_HR_DEVICE_DESCR), &k, 1), cs);
		}
	}
	if (!d->model && id1284(vs, "MDL", buf, sizeof(buf)))
		d->model = gw_dd_str(d, buf);
	if (!d->model)
		d->model = descr_name(d, descr);
	if (!d->manufacturer && (v = gw_profile_vendor(vs, buf, sizeof(buf))))
		d->manufacturer = gw_dd_str(d, v);
	if (!d->serial_number)
		d->serial_number = clean_serial(d, get(vs, GW_ARCS(MIB_PRT_GEN_SERIAL), &hdi, 1));
	if (!d->serial_number)
		d->serial_number = descr_token(d, descr, sn_markers);
	if (!d->firmware_version)
		d->firmware_version = descr_token(d, descr, fw_markers);
	if (!d->hostname)
		d->hostname = text(d, gw_vbset_get(vs, GW_ARCS(MIB_SYS_NAME), NULL, 0), 0);
	if (!d->ip && fc->polled_ip)
		d->ip = gw_dd_str(d, fc->polled_ip);
	if (!d->mac)
		d->mac = pick_mac(d, vs, fc->polled_ip);
}

/* ---- status and errors ---- */

static const struct {
	uint16_t mask;
	const char *code, *text;
	enum gw_severity sev;
} hr_bits[] = {
	{0x8000, "lowPaper", "Paper low", GW_SEV_WARNING},
	{0x4000, "noPaper", "No paper", GW_SEV_ERROR},
	{0x2000, "lowToner", "Toner or ink low", GW_SEV_WARNING},
	{0x1000, "noToner", "No toner or ink", GW_SEV_ERROR},
	{0x0800, "doorOpen", "Door open", GW_SEV_ERROR},
	{0x0400, "jammed", "Paper jam", GW_SEV_ERROR},
	{0x0200, "offline", "Offline", GW_SEV_ERROR},
	{0x0100, "serviceRequested", "Service requested", GW_SEV_WARNING},
	{0x0080, "inputTrayMissing", "Input tray missing", GW_SEV_ERROR},
	{0x0040, "outputTrayMissing", "Output tray missing", GW_SEV_ERROR},
	{0x0020, "markerSupplyMissing", "Marker supply missing", GW_SEV_ERROR},
	{0x0010, "outputNearFull", "Output bin nearly full", GW_SEV_WARNING},
	{0x0008, "outputFull", "Output bin full", GW_SEV_ERROR},
	{0x0004, "inputTrayEmpty", "Input tray empty", GW_SEV_WARNING},
	{0x0002, "overduePreventMaint", "Preventive maintenance overdue", GW_SEV_WARNING},
};

static const struct {
	int code;
	const char *name;
} alert_codes[] = {
	{3, "coverOpen"}, {4, "coverClosed"}, {5, "interlockOpen"}, {8, "jam"},
	{9, "subunitMissing"}, {10, "subunitLifeAlmostOver"}, {11, "subunitLifeOver"},
	{12, "subunitAlmostEmpty"}, {13, "subunitEmpty"}, {14, "subunitAlmostFull"},
	{15, "subunitFull"}, {22, "subunitOffline"}, {23, "subunitPowerSaver"},
	{24, "subunitWarmingUp"}, {501, "doorOpen"}, {801, "inputMediaTrayMissing"},
	{802, "inputMediaSupplyLow"}, {803, "inputMediaSupplyEmpty"},
	{901, "outputMediaTrayMissing"}, {902, "outputMediaTrayAlmostFull"},
	{903, "outputMediaTrayFull"}, {1101, "markerTonerEmpty"}, {1102, "markerInkEmpty"},
	{1104, "markerTonerAlmostEmpty"}, {1105, "markerInkAlmostEmpty"},
	{1107, "markerWasteTonerReceptacleAlmostFull"},
	{1108, "markerWasteInkReceptacleAlmostFull"}, {1109, "markerWasteTonerReceptacleFull"},
	{1110, "markerWasteInkReceptacleFull"}, {1115, "markerTonerCartridgeMissing"},
};

/*
 * Free text a printer shows can echo a job ("Printing report.pdf"). Lines
 * that look like it are not uploaded: a file-name extension, quotes, or the
 * words job, user, owner or file.
 */
bool gw_text_echoes_job(const char *s)
{
	static const char *const words[] = {"job", "user", "owner", "file", "document", NULL};

	if (!s)
		return false;
	if (strpbrk(s, "\"'`\\/"))
		return true;
	for (size_t i = 0; words[i]; i++)
		if (strcasestr(s, words[i]))
			return true;
	for (const char *p = strchr(s, '.'); p; p = strchr(p + 1, '.')) {
		size_t k = 0;

		while (((p[1 + k] | 0x20) >= 'a' && (p[1 + k] | 0x20) <= 'z') && k < 5)
			k++;
		/* ".pdf", ".docx", ".jpg" … but not "Ver.1.06" or "No. 2" */
		if (k >= 2 && k <= 4 && !((p[1 + k] | 0x20) >= 'a' && (p[1 + k] | 0x20) <= 'z') &&
		    p > s && p[-1] != ' ')
			return true;
	}
	return false;
}

static void hr_errors(const struct gw_vbset *vs, struct gw_devdata *d, uint32_t hdi)
{
	const struct gw_vb *v = get(vs, GW_ARCS(MIB_HR_PRINTER_ERRORS), &hdi, 1);
	uint16_t bits;

	if (!v || v->type != GW_BER_OCTETS || v->len == 0)
		return;
	/* one or two octets; bit 0 is the most significant bit of the first */
	bits = (uint16_t)(v->val[0] << 8 | (v->len > 1 ? v->val[1] : 0));
	for (size_t i = 0; i < sizeof(hr_bits) / sizeof(hr_bits[0]); i++) {
		struct gw_dd_error *e;

		if (!(bits & hr_bits[i].mask) || !(e = gw_dd_add_error(d)))
			continue;
		e->code = gw_dd_str(d, hr_bits[i].code);
		e->severity = hr_bits[i].sev;
		e->description = gw_dd_str(d, hr_bits[i].text);
	}
}

static void alerts(const struct gw_vbset *vs, struct gw_devdata *d, uint32_t hdi, int cs,
		   int64_t uptime_ticks)
{
	static const uint32_t sev_col[] = {MIB_PRT_ALERT, 2};
	size_t from, to;

	gw_vbset_subtree(vs, sev_col, N(sev_col), &from, &to);
	for (size_t i = from; i < to; i++) {
		const struct gw_vb *v = &vs->v[i];
		uint32_t idx[2];
		int64_t sev, code = 0, at;
		struct gw_dd_error *e;
		const char *name = NULL, *desc;
		char buf[32];

		if (v->n != N(sev_col) + 2 || v->oid[N(sev_col)] != hdi || !gw_vb_num(v, &sev))
			continue;
		/* critical(3) is an error; warning(4), warningBinaryChangeEvent(5) warnings */
		if (sev != 3 && sev != 4 && sev != 5)
			continue;
		idx[0] = hdi;
		idx[1] = v->oid[N(sev_col) + 1];
		num_at(vs, GW_ARCS(MIB_PRT_ALERT, 7), idx, 2, &code);
		for (size_t k = 0; k < sizeof(alert_codes) / sizeof(alert_codes[0]); k++)
			if (alert_codes[k].code == code)
				name = alert_codes[k].name;
		if (!name) {
			snprintf(buf, sizeof(buf), "alert_%lld", (long long)code);
			name = buf;
		}
		if (!(e = gw_dd_add_error(d)))
			return;
		e->code = gw_dd_str(d, name);
		e->severity = sev == 3 ? GW_SEV_ERROR : GW_SEV_WARNING;
		desc = text(d, get(vs, GW_ARCS(MIB_PRT_ALERT, 8), idx, 2), cs);
		e->description = gw_text_echoes_job(desc) ? NULL : desc;
		/* prtAlertTime is sysUpTime at the alert: count back from now */
		if (num_at(vs, GW_ARCS(MIB_PRT_ALERT, 9), idx, 2, &at) && uptime_ticks > 0 &&
		    at > 0 && at <= uptime_ticks && d->acquired_ms != GW_ABSENT)
			e->since_ms = d->acquired_ms - (uptime_ticks - at) * 10;
	}
}

static void status(const struct gw_vbset *vs, struct gw_devdata *d, uint32_t hdi)
{
	int64_t dev = 0, prt = 0;
	bool has_dev = num_at(vs, GW_ARCS(MIB_HR_DEVICE_STATUS), &hdi, 1, &dev);
	bool has_prt = num_at(vs, GW_ARCS(MIB_HR_PRINTER_STATUS), &hdi, 1, &prt);
	const struct gw_vb *ev = get(vs, GW_ARCS(MIB_HR_PRINTER_ERRORS), &hdi, 1);
	bool offline = ev && ev->type == GW_BER_OCTETS && ev->len > 0 && (ev->val[0] & 0x02);

	if (!has_dev && !has_prt)
		return;
	d->has_status = true;
	/* hrDeviceStatus down(5): a critical alert; offline when the printer says so */
	if (has_dev && dev == 5) {
		d->printer_status = offline ? GW_PST_OFFLINE : GW_PST_ERROR;
		return;
	}
	switch (prt) {
	case 3: d->printer_status = GW_PST_IDLE; break;
	case 4: d->printer_status = GW_PST_PRINTING; break;
	case 5: d->printer_status = GW_PST_WARMING_UP; break;
	case 1: d->printer_status = offline ? GW_PST_OFFLINE : GW_PST_OTHER; break;
	default:
		/* hrPrinterStatus unknown or absent: hrDeviceStatus testing(4) is "other" */
		d->printer_status = has_dev && dev == 4 ? GW_PST_OTHER : GW_PST_UNKNOWN;
		break;
	}
}

static void panel(const struct gw_vbset *vs, struct gw_devdata *d, uint32_t hdi, int cs)
{
	static const uint32_t txt[] = {MIB_PRT_CONSOLE_TEXT};
	static const uint32_t light_desc[] = {MIB_PRT_CONSOLE_LIGHT, 5};
	size_t from, to;
	char key[48];

	gw_vbset_subtree(vs, txt, N(txt), &from, &to);
	for (size_t i = from; i < to; i++) {
		const struct gw_vb *v = &vs->v[i];
		const char *s;

		if (v->n != N(txt) + 2 || v->oid[N(txt)] != hdi || !(s = text(d, v, cs)) ||
		    gw_text_echoes_job(s))
			continue;
		snprintf(key, sizeof(key), "display_text.%u", v->oid[N(txt) + 1]);
		gw_dd_kv_str(d, &d->panel_settings, key, s);
	}
	gw_vbset_subtree(vs, light_desc, N(light_desc), &from, &to);
	for (size_t i = from; i < to; i++) {
		const struct gw_vb *v = &vs->v[i];
		uint32_t idx[2] = {hdi, v->n == N(light_desc) + 2 ? v->oid[N(light_desc) + 1] : 0};
		int64_t on = 0, off = 0;
		const char *s;

		if (v->n != N(light_desc) + 2 || v->oid[N(light_desc)] != hdi ||
		    !(s = text(d, v, cs)))
			continue;
		num_at(vs, GW_ARCS(MIB_PRT_CONSOLE_LIGHT, 2), idx, 2, &on);
		num_at(vs, GW_ARCS(MIB_PRT_CONSOLE_LIGHT, 3), idx, 2, &off);
		snprintf(key, sizeof(key), "light.%.32s", s);
		gw_dd_kv_str(d, &d->panel_settings, key,
			     on == 0 ? "off" : off == 0 ? "on" : "blinking");
	}
}

void gw_printer_fill(const struct gw_vbset *vs, const struct gw_fill_ctx *fc,
		     struct gw_devdata *d)
{
	uint32_t hdi = printer_index(vs);
	int cs = gw_printer_charset(vs);
	int64_t uptime = 0;

	gw_vb_num(gw_vbset_get(vs, GW_ARCS(MIB_SYS_UPTIME), NULL, 0), &uptime);
	identity(vs, fc, d, hdi, cs);
	if (fc->parts & GW_PART_STATUS) {
		status(vs, d, hdi);
		hr_errors(vs, d, hdi);
		alerts(vs, d, hdi, cs, uptime);
		panel(vs, d, hdi, cs);
	}
	if (fc->parts & GW_PART_SUPPLIES)
		gw_printer_fill_supplies(vs, d, hdi, cs);
	if (fc->parts & GW_PART_COUNTERS)
		gw_printer_fill_counters(vs, d, hdi);
	if (fc->parts & GW_PART_SETTINGS)
		gw_printer_fill_settings(vs, fc, d, hdi, cs);
	if (fc->parts & GW_PART_JOBS)
		gw_printer_fill_jobs(vs, fc, d);
	d->sources |= GW_SRC_SNMP;
}
