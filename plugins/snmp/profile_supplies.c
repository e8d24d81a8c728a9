/* The printer profile, continued: consumables, page counters, settings. */
#include "charset.h"
#include "mib.h"
#include "profile.h"
#include "core/plugin.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define N(a) ((unsigned)(sizeof(a) / sizeof((a)[0])))
#define MAX_ROWS 64

static bool num_at(const struct gw_vbset *vs, const uint32_t *pre, unsigned pn,
		   const uint32_t *suf, unsigned sn, int64_t *out)
{
	return gw_vb_num(gw_vbset_get(vs, pre, pn, suf, sn), out);
}

static const char *text_at(struct gw_devdata *d, const struct gw_vbset *vs, const uint32_t *pre,
			   unsigned pn, const uint32_t *suf, unsigned sn, int cs)
{
	const struct gw_vb *v = gw_vbset_get(vs, pre, pn, suf, sn);

	return gw_vb_is_str(v) ? gw_snmp_text(d, v->val, v->len, cs) : NULL;
}

/* Row indices (the arc after hdi) present anywhere under a table entry. */
static unsigned rows(const struct gw_vbset *vs, const uint32_t *entry, unsigned en, uint32_t hdi,
		     uint32_t *out)
{
	size_t from, to;
	unsigned n = 0;

	gw_vbset_subtree(vs, entry, en, &from, &to);
	for (size_t i = from; i < to; i++) {
		const struct gw_vb *v = &vs->v[i];
		uint32_t r;
		unsigned k;

		if (v->n != en + 3 || v->oid[en + 1] != hdi)
			continue;
		r = v->oid[en + 2];
		for (k = 0; k < n && out[k] != r; k++)
			;
		if (k == n && n < MAX_ROWS) {
			/* keep them sorted: columns come one after another */
			unsigned j = n++;

			while (j > 0 && out[j - 1] > r) {
				out[j] = out[j - 1];
				j--;
			}
			out[j] = r;
		}
	}
	return n;
}

/* ---- consumables ---- */

static const char *supply_type(int64_t t)
{
	switch (t) {
	case 3: case 21: return "toner";
	case 4: return "waste_toner";
	case 5: case 6: return "ink";
	case 7: return "ink_ribbon";
	case 8: return "waste_ink";
	case 9: return "opc";
	case 10: return "developer";
	case 11: return "fuser_oil";
	case 12: return "solid_wax";
	case 13: return "ribbon_wax";
	case 14: return "waste_wax";
	case 15: return "fuser";
	case 16: return "corona_wire";
	case 18: return "cleaner_unit";
	case 19: return "fuser_cleaning_pad";
	case 20: return "transfer_unit";
	case 23: return "water";
	case 24: return "waste_water";
	case 26: return "waste_paper";
	case 32: return "staples";
	default: return "other";
	}
}

static const char *supply_unit(int64_t u)
{
	switch (u) {
	case 3: return "ten_thousandths_of_inches";
	case 4: return "micrometers";
	case 7: return "impressions";
	case 8: return "sheets";
	case 11: return "hours";
	case 12: return "thousandths_of_ounces";
	case 13: return "tenths_of_grams";
	case 14: return "hundredths_of_fluid_ounces";
	case 15: return "tenths_of_milliliters";
	case 16: return "feet";
	case 17: return "meters";
	case 18: return "items";
	case 19: return "percent";
	default: return NULL;
	}
}

void gw_printer_fill_supplies(const struct gw_vbset *vs, struct gw_devdata *d, uint32_t hdi,
			      int cs)
{
	static const uint32_t entry[] = {MIB_PRT_SUPPLIES};
	static const uint32_t colorant[] = {MIB_PRT_COLORANT, 4};
	uint32_t idx[MAX_ROWS];
	unsigned n = rows(vs, entry, N(entry), hdi, idx);

	for (unsigned r = 0; r < n; r++) {
		uint32_t k[2] = {hdi, idx[r]};
		int64_t cls = 0, type = 0, unit = 0, max = -2, level = -2, ci = 0;
		struct gw_dd_consumable *c;

		num_at(vs, GW_ARCS(MIB_PRT_SUPPLIES, 3), k, 2, &ci);
		num_at(vs, GW_ARCS(MIB_PRT_SUPPLIES, 4), k, 2, &cls);
		num_at(vs, GW_ARCS(MIB_PRT_SUPPLIES, 5), k, 2, &type);
		num_at(vs, GW_ARCS(MIB_PRT_SUPPLIES, 7), k, 2, &unit);
		num_at(vs, GW_ARCS(MIB_PRT_SUPPLIES, 8), k, 2, &max);
		num_at(vs, GW_ARCS(MIB_PRT_SUPPLIES, 9), k, 2, &level);
		if (!(c = gw_dd_add_consumable(d)))
			return;
		c->type = gw_dd_str(d, supply_type(type));
		c->description = text_at(d, vs, GW_ARCS(MIB_PRT_SUPPLIES, 6), k, 2, cs);
		if (ci > 0) {
			uint32_t kc[2] = {hdi, (uint32_t)ci};
			const char *col = text_at(d, vs, colorant, N(colorant), kc, 2, cs);

			if (col) {
				char *lc = (char *)col;

				for (; *lc; lc++)
					*lc = (char)tolower((unsigned char)*lc);
			}
			c->color = col;
		}
		c->unit = supply_unit(unit) ? gw_dd_str(d, supply_unit(unit)) : NULL;
		/* a percent unit means a capacity of 100 whatever the agent says */
		if (unit == 19 && max <= 0)
			max = 100;
		c->max_capacity = max > 0 ? max : GW_ABSENT;
		c->level = level >= 0 ? level : GW_ABSENT;
		/*
		 * Printer-MIB's level is the content of a container and the free
		 * space of a receptacle, which is what level_percent means too:
		 * no flip for waste boxes. -1 (no restriction) and -3 (some
		 * remains) are "ok" without a number; -2 is unknown.
		 */
		if (level >= 0 && max > 0) {
			int64_t pct = (level * 100 + max / 2) / max;

			c->level_percent = pct > 100 ? 100 : pct;
		}
		if (level == -1 || level == -3)
			c->state = GW_SUP_OK;
		else if (level < 0)
			c->state = GW_SUP_UNKNOWN;
		else if (cls == 4)
			/* a receptacle: "low" is little free space left */
			c->state = level == 0 ? GW_SUP_FULL
				   : c->level_percent != GW_ABSENT && c->level_percent <= 10
					   ? GW_SUP_LOW : GW_SUP_OK;
		else if (level == 0)
			c->state = GW_SUP_EMPTY;
		else if (c->level_percent != GW_ABSENT && c->level_percent <= 10)
			c->state = GW_SUP_LOW;
		else
			c->state = GW_SUP_OK;
	}
}

/* ---- counters ---- */

void gw_printer_fill_counters(const struct gw_vbset *vs, struct gw_devdata *d, uint32_t hdi)
{
	static const uint32_t entry[] = {MIB_PRT_MARKER};
	uint32_t idx[MAX_ROWS];
	unsigned n = rows(vs, entry, N(entry), hdi, idx);
	int64_t v;

	if (n == 0)
		return;
	/* the first marker's lifetime count is the printer's total */
	uint32_t k[2] = {hdi, idx[0]};
	if (num_at(vs, GW_ARCS(MIB_PRT_MARKER, 4), k, 2, &v) && v >= 0)
		gw_dd_kv_num(d, &d->page_counters, "total", v);
	if (num_at(vs, GW_ARCS(MIB_PRT_MARKER, 5), k, 2, &v) && v >= 0)
		gw_dd_kv_num(d, &d->page_counters, "since_power_on", v);
	for (unsigned i = 1; i < n; i++) {
		char key[32];

		k[1] = idx[i];
		if (num_at(vs, GW_ARCS(MIB_PRT_MARKER, 4), k, 2, &v) && v >= 0) {
			snprintf(key, sizeof(key), "marker_%u", idx[i]);
			gw_dd_kv_num(d, &d->page_counters, key, v);
		}
	}
}

/* ---- settings ---- */

static void level_kv(struct gw_devdata *d, struct gw_dd_kvlist *l, const char *key, int64_t v)
{
	/* prtInputCurrentLevel / MaxCapacity: -1 other, -2 unknown, -3 at least one */
	if (v >= 0)
		gw_dd_kv_num(d, l, key, v);
	else if (v == -1)
		gw_dd_kv_str(d, l, key, "other");
	else if (v == -3)
		gw_dd_kv_str(d, l, key, "at_least_one");
	else
		gw_dd_kv_str(d, l, key, "unknown");
}

static void media(const struct gw_vbset *vs, struct gw_devdata *d, uint32_t hdi, int cs)
{
	static const uint32_t entry[] = {MIB_PRT_INPUT};
	uint32_t idx[MAX_ROWS];
	unsigned n = rows(vs, entry, N(entry), hdi, idx);

	for (unsigned r = 0; r < n; r++) {
		uint32_t k[2] = {hdi, idx[r]};
		int64_t v, unit = 0, feed = -1, xfeed = -1;
		char key[48];
		const char *s;

#define KEY(what) (snprintf(key, sizeof(key), "input_%u.%s", idx[r], what), key)
		if ((s = text_at(d, vs, GW_ARCS(MIB_PRT_INPUT, 13), k, 2, cs)) ||
		    (s = text_at(d, vs, GW_ARCS(MIB_PRT_INPUT, 18), k, 2, cs)))
			gw_dd_kv_str(d, &d->media_settings, KEY("name"), s);
		if ((s = text_at(d, vs, GW_ARCS(MIB_PRT_INPUT, 12), k, 2, cs)))
			gw_dd_kv_str(d, &d->media_settings, KEY("media_name"), s);
		if ((s = text_at(d, vs, GW_ARCS(MIB_PRT_INPUT, 21), k, 2, cs)))
			gw_dd_kv_str(d, &d->media_settings, KEY("media_type"), s);
		if (num_at(vs, GW_ARCS(MIB_PRT_INPUT, 9), k, 2, &v))
			level_kv(d, &d->media_settings, KEY("max_capacity"), v);
		if (num_at(vs, GW_ARCS(MIB_PRT_INPUT, 10), k, 2, &v))
			level_kv(d, &d->media_settings, KEY("level"), v);
		num_at(vs, GW_ARCS(MIB_PRT_INPUT, 3), k, 2, &unit);
		num_at(vs, GW_ARCS(MIB_PRT_INPUT, 4), k, 2, &feed);
		num_at(vs, GW_ARCS(MIB_PRT_INPUT, 5), k, 2, &xfeed);
		/* declared media size; micrometers(4) or 1/10000 inch(3) */
		if (feed > 0 && xfeed > 0 && (unit == 3 || unit == 4)) {
			int64_t f = unit == 4 ? (feed + 500) / 1000 : (feed * 254 + 50000) / 100000;
			int64_t x = unit == 4 ? (xfeed + 500) / 1000 : (xfeed * 254 + 50000) / 100000;

			gw_dd_kv_str(d, &d->media_settings, KEY("media_size_mm"),
				     gw_dd_printf(d, "%lldx%lld", (long long)x, (long long)f));
		}
#undef KEY
	}
}

static void network(const struct gw_vbset *vs, const struct gw_fill_ctx *fc,
		    struct gw_devdata *d)
{
	struct in_addr a;
	const struct gw_vb *v;

	if (fc->polled_ip)
		gw_dd_kv_str(d, &d->network_settings, "ip_address", fc->polled_ip);
	if (fc->polled_ip && inet_pton(AF_INET, fc->polled_ip, &a) == 1) {
		const uint8_t *b = (const uint8_t *)&a;
		uint32_t sfx[4] = {b[0], b[1], b[2], b[3]};
		int64_t ifi;
		char buf[INET_ADDRSTRLEN];

		v = gw_vbset_get(vs, GW_ARCS(MIB_IP_AD_MASK), sfx, 4);
		if (v && v->type == GW_BER_IPADDR && v->len == 4 &&
		    inet_ntop(AF_INET, v->val, buf, sizeof(buf)))
			gw_dd_kv_str(d, &d->network_settings, "subnet_mask", buf);
		if (num_at(vs, GW_ARCS(MIB_IP_AD_IFINDEX), sfx, 4, &ifi) && ifi > 0) {
			uint32_t k = (uint32_t)ifi;
			const char *s = text_at(d, vs, GW_ARCS(MIB_IF_DESCR), &k, 1, 0);

			if (s)
				gw_dd_kv_str(d, &d->network_settings, "interface", s);
		}
	}
	if (d->mac)
		gw_dd_kv_str(d, &d->network_settings, "mac_address", d->mac);
	if (d->hostname)
		gw_dd_kv_str(d, &d->network_settings, "hostname", d->hostname);
}

void gw_printer_fill_settings(const struct gw_vbset *vs, const struct gw_fill_ctx *fc,
			      struct gw_devdata *d, uint32_t hdi, int cs)
{
	const char *s;

	media(vs, d, hdi, cs);
	network(vs, fc, d);
	if ((s = text_at(d, vs, GW_ARCS(MIB_PRT_GEN_NAME), &hdi, 1, cs)))
		gw_dd_kv_str(d, &d->printer_settings, "printer_name", s);
	if ((s = text_at(d, vs, GW_ARCS(MIB_SYS_LOCATION), NULL, 0, cs)))
		gw_dd_kv_str(d, &d->printer_settings, "location", s);
	if (cs && gw_charset_name(cs))
		gw_dd_kv_str(d, &d->printer_settings, "charset", gw_charset_name(cs));
}
