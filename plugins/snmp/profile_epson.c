/*
 * The Epson profile: the "@BDC ST2" status, EPSON-CTRL commands carried in
 * SNMP GETs (st, vi, di, cd, ia, ii), the firmware table and the private
 * page counters. It runs only for Epson printers (gw_profile_is_epson) and
 * adds to or refines what the printer profile read from the standard MIBs.
 */
#include "charset.h"
#include "epctrl.h"
#include "mib.h"
#include "profile.h"
#include "st2.h"
#include "core/plugin.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#define N(a) ((unsigned)(sizeof(a) / sizeof((a)[0])))

/* EPSON-CTRL over SNMP: <ctrl>.<c1>.<c2>.<len lo>.<len hi>.<payload…> */
#define CTRL_ST MIB_EPSON_CTRL, 's', 't', 1, 0, 1
#define CTRL_VI MIB_EPSON_CTRL, 'v', 'i', 1, 0, 0
#define CTRL_DI MIB_EPSON_CTRL, 'd', 'i', 1, 0, 1
#define CTRL_CD MIB_EPSON_CTRL, 'c', 'd', 1, 0, 0
#define CTRL_IA MIB_EPSON_CTRL, 'i', 'a', 1, 0, 0
#define CTRL_II MIB_EPSON_CTRL, 'i', 'i', 2, 0, 1   /* then the slot, from 1 */

void gw_epson_plan(struct gw_plan *p, unsigned parts)
{
	if (parts & (GW_PART_STATUS | GW_PART_SUPPLIES | GW_PART_COUNTERS)) {
		gw_plan_get(p, GW_ARCS(MIB_EPSON_STATUS));
		gw_plan_get(p, GW_ARCS(CTRL_ST));
	}
	if (parts & GW_PART_SUPPLIES)
		gw_plan_get(p, GW_ARCS(CTRL_IA));
	if (parts & GW_PART_SETTINGS) {
		gw_plan_get(p, GW_ARCS(CTRL_VI));
		gw_plan_get(p, GW_ARCS(CTRL_DI));
		gw_plan_get(p, GW_ARCS(CTRL_CD));
		gw_plan_walk(p, GW_ARCS(MIB_EPSON_FW_TABLE));
	}
	if (parts & GW_PART_COUNTERS) {
		gw_plan_walk(p, GW_ARCS(MIB_EPSON_COUNTERS));
		gw_plan_walk(p, GW_ARCS(MIB_EPSON_COUNTERS_SRC));
	}
}

static const struct gw_vb *str_at(const struct gw_vbset *vs, const uint32_t *a, unsigned n)
{
	const struct gw_vb *v = gw_vbset_get(vs, a, n, NULL, 0);

	return gw_vb_is_str(v) && v->len > 0 ? v : NULL;
}

static bool read_ia(const struct gw_vbset *vs, struct gw_epson_ia *ia)
{
	const struct gw_vb *v = str_at(vs, GW_ARCS(CTRL_IA));

	return v && gw_epson_parse_ia(v->val, v->len, ia) == 0 && ia->n_slots > 0;
}

void gw_epson_plan_more(const struct gw_vbset *vs, unsigned parts, struct gw_plan *p)
{
	struct gw_epson_ia ia;

	/* one ii per slot that ia listed: what ia says decides how many there are */
	if (!(parts & GW_PART_SUPPLIES) || !read_ia(vs, &ia))
		return;
	for (unsigned s = 1; s <= ia.n_slots; s++)
		gw_plan_get(p, GW_ARCS(CTRL_II, s));
}

static bool read_st2(const struct gw_vbset *vs, struct gw_st2 *st)
{
	const struct gw_vb *v = str_at(vs, GW_ARCS(MIB_EPSON_STATUS));

	/* some models answer the status OID in another format: then try "st" */
	if (v && gw_st2_parse(v->val, v->len, st) == 0)
		return true;
	v = str_at(vs, GW_ARCS(CTRL_ST));
	return v && gw_st2_parse(v->val, v->len, st) == 0;
}

static enum gw_printer_status st2_status(uint8_t s)
{
	switch (s) {
	case 0x00: return GW_PST_ERROR;
	case 0x01: case 0x02: case 0x0d: case 0x0f: return GW_PST_PRINTING;
	case 0x03: case 0x04: return GW_PST_IDLE;
	case 0x0a: return GW_PST_OFFLINE;
	default: return GW_PST_OTHER;
	}
}

static bool ink_warned(const struct gw_st2 *st, unsigned slot)
{
	for (unsigned i = 0; i < st->n_warnings; i++) {
		uint8_t w = st->warnings[i];

		if ((w >= 0x10 && w <= 0x1a && w - 0x10u == slot) ||
		    (w >= 0x71 && w <= 0x7a && w - 0x71u == slot))
			return true;
	}
	return false;
}

static void st2_status_errors(const struct gw_st2 *st, struct gw_devdata *d)
{
	struct gw_dd_error *e;

	if (st->has_status) {
		d->has_status = true;
		d->printer_status = st2_status(st->status);
	}
	if (st->has_error && (!st->has_status || st->status == 0x00) && (e = gw_dd_add_error(d))) {
		const char *name = gw_st2_error_name(st->error);

		e->code = gw_dd_printf(d, "epson_error_%02x", st->error);
		e->severity = GW_SEV_ERROR;
		e->description = name ? gw_dd_str(d, name) : NULL;
	}
	for (unsigned i = 0; i < st->n_warnings; i++) {
		uint8_t w = st->warnings[i];
		const char *what = w >= 0x10 && w <= 0x1a   ? "Ink low"
				   : w >= 0x71 && w <= 0x7a ? "Ink low"
				   : w >= 0x51 && w <= 0x5a ? "Cleaning disabled"
				   : w == 0x44              ? "Black print mode"
							    : NULL;

		if (!(e = gw_dd_add_error(d)))
			break;
		e->code = gw_dd_printf(d, "epson_warning_%02x", w);
		e->severity = GW_SEV_WARNING;
		e->description = what ? gw_dd_str(d, what) : NULL;
	}
}

static void drop_consumables(struct gw_devdata *d, const char *type)
{
	unsigned k = 0;

	for (unsigned i = 0; i < d->n_consumables; i++)
		if (!d->consumables[i].type || strcmp(d->consumables[i].type, type) != 0)
			d->consumables[k++] = d->consumables[i];
	d->n_consumables = k;
}

static bool has_consumable(const struct gw_devdata *d, const char *type)
{
	for (unsigned i = 0; i < d->n_consumables; i++)
		if (d->consumables[i].type && strcmp(d->consumables[i].type, type) == 0)
			return true;
	return false;
}

/*
 * The ia slot whose cartridge type is this ink record's cartridge byte, not
 * taken by an earlier record; -1 when none is.
 */
static int ia_slot(const struct gw_epson_ia *ia, uint8_t cartridge, bool *taken)
{
	for (unsigned s = 0; ia && s < ia->n_slots; s++)
		if (!taken[s] && ia->has_code[s] && ia->code[s] == cartridge) {
			taken[s] = true;
			return (int)s;
		}
	return -1;
}

static void st2_supplies(const struct gw_st2 *st, const struct gw_epson_ia *ia,
			 struct gw_devdata *d)
{
	bool taken[GW_EPSON_MAX_SLOTS] = {false};

	/* the ink records are the printer's own view: they replace Printer-MIB's inks */
	if (st->n_inks)
		drop_consumables(d, "ink");
	for (unsigned i = 0; i < st->n_inks; i++) {
		const struct gw_st2_ink *k = &st->inks[i];
		struct gw_dd_consumable *c = gw_dd_add_consumable(d);
		const char *col = gw_st2_color_name(k->color);
		int s = ia_slot(ia, k->cartridge, taken);

		if (!c)
			return;
		c->type = gw_dd_str(d, "ink");
		c->color = col ? gw_dd_str(d, col) : NULL;
		/* the same cartridge in ia: its slot and type describe this entry */
		if (s >= 0)
			c->description = gw_dd_printf(d, "Cartridge type %s, slot %d", ia->type[s],
						      s + 1);
		c->unit = gw_dd_str(d, "percent");
		if (k->level <= 100) {
			c->level_percent = k->level;
			c->state = k->level == 0 ? GW_SUP_EMPTY
				   : (k->level <= 10 || ink_warned(st, i)) ? GW_SUP_LOW : GW_SUP_OK;
		} else if (k->level == 'n') {
			c->state = GW_SUP_MISSING;
		} else {
			c->state = GW_SUP_UNKNOWN; /* 'i', 'g', 'w', 'r': cannot be read */
		}
	}
	if (!has_consumable(d, "waste_ink")) {
		for (unsigned i = 0; i < st->n_boxes; i++) {
			struct gw_dd_consumable *c = gw_dd_add_consumable(d);

			if (!c)
				return;
			c->type = gw_dd_str(d, "waste_ink");
			c->description = gw_dd_printf(d, "Maintenance box %u", i + 1);
			c->state = st->box_status[i] == 0   ? GW_SUP_OK
				   : st->box_status[i] == 1 ? GW_SUP_LOW
				   : st->box_status[i] == 2 ? GW_SUP_FULL
							    : GW_SUP_UNKNOWN;
		}
	}
}

static void st2_counters(const struct gw_st2 *st, struct gw_devdata *d)
{
	static const char *const names[5] = {"normal_sheets", "total_pages", "color_pages",
					     "mono_pages", "blank_pages"};

	for (unsigned i = 0; i < st->n_paper && i < 5; i++)
		if (st->paper[i] >= 0)
			gw_dd_kv_num(d, &d->page_counters, names[i], st->paper[i]);
}

static void private_counters(const struct gw_vbset *vs, struct gw_devdata *d)
{
	static const struct {
		uint32_t a[18];
		unsigned n;
		const char *name;
	} c[] = {
		{{MIB_EPSON_COUNTERS, 30, 1, 1}, 16, "total"},
		{{MIB_EPSON_COUNTERS, 3, 1, 1}, 16, "mono"},
		{{MIB_EPSON_COUNTERS, 4, 1, 1}, 16, "color"},
		{{MIB_EPSON_COUNTERS_SRC, 4, 1, 1, 1}, 17, "print_from_computer"},
		{{MIB_EPSON_COUNTERS_SRC, 4, 1, 1, 2}, 17, "copy"},
		{{MIB_EPSON_COUNTERS_SRC, 5, 1, 1, 1}, 17, "color_print_from_computer"},
		{{MIB_EPSON_COUNTERS_SRC, 5, 1, 1, 2}, 17, "color_copy"},
	};

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		int64_t v;

		if (!gw_vb_num(gw_vbset_get(vs, c[i].a, c[i].n, NULL, 0), &v) || v < 0)
			continue;
		/* Printer-MIB's total, when there is one, stays the total */
		if (strcmp(c[i].name, "total") == 0) {
			bool have = false;

			for (unsigned k = 0; k < d->page_counters.n; k++)
				have |= strcmp(d->page_counters.v[k].name, "total") == 0;
			if (have)
				continue;
		}
		gw_dd_kv_num(d, &d->page_counters, c[i].name, v);
	}
}

static const char *fw_from_table(const struct gw_vbset *vs, struct gw_devdata *d)
{
	static const uint32_t names[] = {MIB_EPSON_FW_TABLE, 3};
	static const char *const wanted[] = {"Main FW", "FW Package", NULL};
	size_t from, to;

	gw_vbset_subtree(vs, names, N(names), &from, &to);
	for (size_t w = 0; wanted[w]; w++) {
		for (size_t i = from; i < to; i++) {
			const struct gw_vb *v = &vs->v[i];
			uint32_t sfx[4];
			unsigned extra = v->n - N(names);
			const struct gw_vb *val;

			if (!gw_vb_is_str(v) || v->len != strlen(wanted[w]) ||
			    strncasecmp((const char *)v->val, wanted[w], v->len) != 0 || extra > 4)
				continue;
			memcpy(sfx, v->oid + N(names), extra * sizeof(uint32_t));
			val = gw_vbset_get(vs, GW_ARCS(MIB_EPSON_FW_TABLE, 2), sfx, extra);
			if (gw_vb_is_str(val))
				return gw_snmp_text(d, val->val, val->len, 0);
		}
	}
	return NULL;
}

/*
 * ia and ii without ST2 ink records: a slot list says which cartridges are
 * in, when nothing else said there were inks at all (never a second entry
 * for an ink Printer-MIB already gave).
 */
static bool ia_supplies(const struct gw_epson_ia *ia, struct gw_devdata *d)
{
	if (has_consumable(d, "ink"))
		return false;
	for (unsigned s = 0; s < ia->n_slots; s++) {
		struct gw_dd_consumable *c = gw_dd_add_consumable(d);

		if (!c)
			break;
		c->type = gw_dd_str(d, "ink");
		c->description = gw_dd_printf(d, "Cartridge type %s, slot %u", ia->type[s], s + 1);
		c->state = GW_SUP_UNKNOWN;
	}
	return true;
}

/* Each slot's ii record, verbatim: its keys are not published. */
static bool ii_records(const struct gw_vbset *vs, const struct gw_epson_ia *ia,
		       struct gw_devdata *d)
{
	bool used = false;

	for (unsigned s = 1; s <= ia->n_slots; s++) {
		const struct gw_vb *v = str_at(vs, GW_ARCS(CTRL_II, s));
		struct gw_epson_ii ii;

		if (!v || gw_epson_parse_ii(v->val, v->len, &ii) < 0 || !ii.n_items)
			continue;
		gw_dd_kv_str(d, &d->maintenance_settings, gw_dd_printf(d, "ink_cartridge_%u", s),
			     ii.text);
		used = true;
	}
	return used;
}

bool gw_epson_fill(const struct gw_vbset *vs, const struct gw_fill_ctx *fc,
		   struct gw_devdata *d)
{
	struct gw_st2 st;
	struct gw_epson_ia ia;
	struct gw_epson_cd cd;
	bool used = false, have_ia = (fc->parts & GW_PART_SUPPLIES) && read_ia(vs, &ia);
	const struct gw_vb *v;
	char buf[128];

	if (read_st2(vs, &st)) {
		used = true;
		if (fc->parts & GW_PART_STATUS)
			st2_status_errors(&st, d);
		if (fc->parts & GW_PART_SUPPLIES)
			st2_supplies(&st, have_ia ? &ia : NULL, d);
		if (fc->parts & GW_PART_COUNTERS)
			st2_counters(&st, d);
		if (!d->serial_number && st.has_serial)
			d->serial_number = gw_dd_str(d, st.serial);
	}
	if ((v = str_at(vs, GW_ARCS(CTRL_VI))) &&
	    gw_epson_parse_vi(v->val, v->len, buf, sizeof(buf)) == 0) {
		d->firmware_version = gw_dd_str(d, buf);
		used = true;
	}
	if (!d->firmware_version)
		d->firmware_version = fw_from_table(vs, d);
	if (!d->model && (v = str_at(vs, GW_ARCS(CTRL_DI))) &&
	    gw_ieee1284_field(v->val, v->len, "MDL", buf, sizeof(buf)) == 0) {
		d->model = gw_dd_str(d, buf);
		used = true;
	}
	if (have_ia) {
		used |= ia_supplies(&ia, d);
		used |= ii_records(vs, &ia, d);
	}
	/* the last source of a serial, after Printer-MIB and ST2 */
	if (!d->serial_number && (v = str_at(vs, GW_ARCS(CTRL_CD))) &&
	    gw_epson_parse_cd(v->val, v->len, &cd) == 0 && cd.serial[0]) {
		d->serial_number = gw_dd_str(d, cd.serial);
		used = true;
	}
	if (fc->parts & GW_PART_COUNTERS)
		private_counters(vs, d);
	if (used)
		d->sources |= GW_SRC_EPSON;
	return used;
}
