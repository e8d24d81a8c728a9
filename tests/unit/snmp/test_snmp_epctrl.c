/*
 * EPSON-CTRL cd, ia and ii: the parsers, with replies built from the shared
 * Epson reference (§2.3: the command table and the reply conventions) and
 * with the printer simulator's own answers; then how the Epson profile
 * merges them with ST2's ink records (docs/device-data.md, Epson).
 */
#include "epctrl.h"
#include "mib.h"
#include "profile.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* Every parse gets an exact-size copy: a read past the end is an ASan error. */
typedef int (*parse_fn)(const uint8_t *, size_t, void *);

static int run(parse_fn f, const void *p, size_t n, void *out)
{
	uint8_t *b = malloc(n ? n : 1);
	int rc;

	memcpy(b, p, n);
	rc = f(b, n, out);
	free(b);
	return rc;
}

#define CD(lit, o) run((parse_fn)gw_epson_parse_cd, lit, sizeof(lit) - 1, o)
#define IA(lit, o) run((parse_fn)gw_epson_parse_ia, lit, sizeof(lit) - 1, o)
#define II(lit, o) run((parse_fn)gw_epson_parse_ii, lit, sizeof(lit) - 1, o)

/* "<00>@BDC PS\r\ncd:" + data + ";" FF, as a reply over SNMP looks. */
static size_t cd_reply(uint8_t *out, const uint8_t *data, size_t n)
{
	memcpy(out, "\x00@BDC PS\r\ncd:", 13);
	memcpy(out + 13, data, n);
	out[13 + n] = ';';
	out[14 + n] = 0x0c;
	return 15 + n;
}

static void test_cd_serial_by_format(void **state)
{
	uint8_t data[80], buf[128];
	struct gw_epson_cd cd;
	size_t n;

	(void)state;
	/* formats 08h and 10h: the serial at data offset 31, 10 bytes */
	memset(data, 0x5a, sizeof(data));
	data[0] = 0x08;
	memcpy(data + 31, "X3B8022793", 10);
	n = cd_reply(buf, data, 60);
	assert_int_equal(run((parse_fn)gw_epson_parse_cd, buf, n, &cd), 0);
	assert_int_equal(cd.format, 0x08);
	assert_true(cd.layout_known);
	assert_string_equal(cd.serial, "X3B8022793");
	data[0] = 0x10;
	n = cd_reply(buf, data, 41);              /* ends right after the serial */
	assert_int_equal(run((parse_fn)gw_epson_parse_cd, buf, n, &cd), 0);
	assert_string_equal(cd.serial, "X3B8022793");
	/* 11h and later: at 46 */
	data[0] = 0x11;
	memset(data + 31, 0x5a, 10);
	memcpy(data + 46, "L4C0123456", 10);
	n = cd_reply(buf, data, 70);
	assert_int_equal(run((parse_fn)gw_epson_parse_cd, buf, n, &cd), 0);
	assert_string_equal(cd.serial, "L4C0123456");
	data[0] = 0x23;
	assert_int_equal(run((parse_fn)gw_epson_parse_cd, buf, cd_reply(buf, data, 70), &cd), 0);
	assert_string_equal(cd.serial, "L4C0123456");
	/* a shorter serial padded with NULs or blanks */
	memcpy(data + 46, "L4C0123\0\0\0", 10);
	assert_int_equal(run((parse_fn)gw_epson_parse_cd, buf, cd_reply(buf, data, 70), &cd), 0);
	assert_string_equal(cd.serial, "L4C0123");
}

static void test_cd_what_is_not_read(void **state)
{
	uint8_t data[80], buf[128];
	struct gw_epson_cd cd;

	(void)state;
	memset(data, 0, sizeof(data));
	/* a format the reference does not place the serial for */
	data[0] = 0x05;
	memcpy(data + 31, "X3B8022793", 10);
	assert_int_equal(run((parse_fn)gw_epson_parse_cd, buf, cd_reply(buf, data, 60), &cd), 0);
	assert_false(cd.layout_known);
	assert_string_equal(cd.serial, "");
	/* bytes there that do not read as a serial */
	data[0] = 0x08;
	memcpy(data + 31, "x3b8022793", 10);
	assert_int_equal(run((parse_fn)gw_epson_parse_cd, buf, cd_reply(buf, data, 60), &cd), 0);
	assert_string_equal(cd.serial, "");
	memcpy(data + 31, "X3B8\x01" "22793", 10);
	assert_int_equal(run((parse_fn)gw_epson_parse_cd, buf, cd_reply(buf, data, 60), &cd), 0);
	assert_string_equal(cd.serial, "");
	memcpy(data + 31, "X3B80\0\0\0\0\0", 10);          /* five are too few */
	assert_int_equal(run((parse_fn)gw_epson_parse_cd, buf, cd_reply(buf, data, 60), &cd), 0);
	assert_string_equal(cd.serial, "");
	/* data too short for the offset: nothing read past it */
	memcpy(data + 31, "X3B8022793", 10);
	assert_int_equal(run((parse_fn)gw_epson_parse_cd, buf, cd_reply(buf, data, 38), &cd), 0);
	assert_string_equal(cd.serial, "");
	assert_int_equal(cd.data_len, 39);        /* the data and the final ';' */
	/* the reply conventions */
	assert_int_equal(CD("\x00@BDC PS\r\ncd:NA;\x0c", &cd), -ENODATA);
	assert_int_equal(CD("\x00@BDC PS\r\ncd:BUSY;\x0c", &cd), -EBUSY);
	assert_int_equal(CD("\x00@BDC PS\r\ncd:;\x0c", &cd), -ENOTSUP);   /* the simulator's */
	assert_int_equal(CD("\x00@BDC PS\r\ncd:", &cd), -ENOTSUP);
	assert_int_equal(CD("\x00@BDC PS\r\nvi:00:WF57S1;\x0c", &cd), -ENOENT);
	assert_int_equal(CD("", &cd), -ENOENT);
	assert_int_equal(gw_epson_parse_cd(NULL, 4, &cd), -ENOENT);
	/* the letters deep inside data are not a header */
	assert_int_equal(CD("\x00@BDC PS\r\nxx:0123456789abcdef cd:NA;", &cd), -ENOENT);
}

static void test_ia(void **state)
{
	struct gw_epson_ia ia;

	(void)state;
	/* the reference's form, and the simulator's answer around it */
	assert_int_equal(IA("IA:00;01,03,04,05;", &ia), 0);
	assert_int_equal(ia.n_slots, 4);
	assert_int_equal(IA("\x00@BDC PS\r\nIA:00;01,03,04,05;\x0c", &ia), 0);
	assert_string_equal(ia.status, "00");
	assert_int_equal(ia.n_slots, 4);
	assert_string_equal(ia.type[0], "01");
	assert_string_equal(ia.type[3], "05");
	assert_true(ia.has_code[1]);
	assert_int_equal(ia.code[1], 0x03);
	assert_false(ia.truncated);
	/* lowercase, no final ';', an empty item keeps its slot, items that are no code */
	assert_int_equal(IA("ia:00;0B,,K,C2 , 1;", &ia), 0);
	assert_int_equal(ia.n_slots, 5);
	assert_int_equal(ia.code[0], 0x0b);
	assert_string_equal(ia.type[1], "");
	assert_false(ia.has_code[1]);
	assert_string_equal(ia.type[2], "K");
	assert_false(ia.has_code[2]);
	assert_string_equal(ia.type[3], "C2");
	assert_int_equal(ia.code[3], 0xc2);
	assert_int_equal(ia.code[4], 0x01);
	assert_int_equal(IA("IA:00;01,0X,ABCDEFGHIJK,\xff", &ia), 0);
	assert_int_equal(ia.n_slots, 4);
	assert_false(ia.has_code[1]);
	assert_string_equal(ia.type[2], "ABCDEFG");          /* cut to the field */
	assert_string_equal(ia.type[3], "?");
	/* more slots than kept */
	assert_int_equal(IA("IA:00;1,2,3,4,5,6,7,8,9,A,B,C,D,E,F,10,11,12;", &ia), 0);
	assert_int_equal(ia.n_slots, GW_EPSON_MAX_SLOTS);
	assert_true(ia.truncated);
	/* not the layout, or nothing there */
	assert_int_equal(IA("IA:00", &ia), -ENOENT);
	assert_int_equal(IA("\x00@BDC PS\r\nia:NA;\x0c", &ia), -ENODATA);
	assert_int_equal(IA("\x00@BDC PS\r\nia:;\x0c", &ia), -ENOTSUP);
	assert_int_equal(IA("IA:00;;", &ia), 0);
	assert_int_equal(ia.n_slots, 0);
}

static void test_ii(void **state)
{
	struct gw_epson_ii ii;
	char big[300];

	(void)state;
	/* the simulator's record for a slot, and its answer for a slot that is not there */
	assert_int_equal(II("\x00@BDC PS\r\nII:03;IC1:0713;IQT:4B;PDY:18;PDM:05;"
			    "SID:SIM00000011;LOG:EPSON;\x0c", &ii), 0);
	assert_string_equal(ii.head, "03");
	assert_int_equal(ii.n_items, 6);
	assert_string_equal(ii.text, "IC1:0713;IQT:4B;PDY:18;PDM:05;SID:SIM00000011;LOG:EPSON");
	assert_false(ii.truncated);
	assert_int_equal(II("\x00@BDC PS\r\nii:NA;\x0c", &ii), -ENODATA);
	assert_int_equal(II("\x00@BDC PS\r\nii:;\x0c", &ii), -ENOTSUP);
	assert_int_equal(II("\x00@BDC PS\r\nst:;\x0c", &ii), -ENOENT);
	/* a head alone; items with bytes that are not text; empty items skipped */
	assert_int_equal(II("II:03;", &ii), 0);
	assert_int_equal(ii.n_items, 0);
	assert_string_equal(ii.text, "");
	assert_int_equal(II("II:03;;A:\x01\xff;;B:2", &ii), 0);
	assert_int_equal(ii.n_items, 2);
	assert_string_equal(ii.text, "A:??;B:2");
	/* a record longer than kept: cut at an item, still terminated */
	memcpy(big, "II:03;", 6);
	for (size_t i = 6; i < sizeof(big); i++)
		big[i] = (i % 10 == 9) ? ';' : 'K';
	assert_int_equal(run((parse_fn)gw_epson_parse_ii, big, sizeof(big), &ii), 0);
	assert_true(ii.truncated);
	assert_true(strlen(ii.text) < GW_EPSON_II_TEXT);
}

/* ---- the profile ---- */

static void add(struct gw_vbset *vs, const uint32_t *a, unsigned n, const void *val, size_t len)
{
	struct gw_oid o = {.n = n};
	struct gw_snmp_vb vb = {.type = GW_BER_OCTETS, .val = val, .val_len = len};

	memcpy(o.a, a, n * sizeof(uint32_t));
	assert_int_equal(gw_vbset_add(vs, &o, &vb), 0);
}

#define ADD(vs, lit, ...) add(vs, GW_ARCS(__VA_ARGS__), lit, sizeof(lit) - 1)

#define ST MIB_EPSON_CTRL, 's', 't', 1, 0, 1
#define IA_OID MIB_EPSON_CTRL, 'i', 'a', 1, 0, 0
#define II_OID(s) MIB_EPSON_CTRL, 'i', 'i', 2, 0, 1, s
#define CD_OID MIB_EPSON_CTRL, 'c', 'd', 1, 0, 0

/* ST2 with status idle, two ink records (cartridges 01 black 60 %, 03 cyan 8 %). */
static const char st2[] = "\x00@BDC ST2\r\n\x0c\x00"
			  "\x01\x01\x04"
			  "\x0f\x07\x03\x01\x00\x3c\x03\x01\x08";

static unsigned count(const struct gw_devdata *d, const char *type)
{
	unsigned n = 0;

	for (unsigned i = 0; i < d->n_consumables; i++)
		n += d->consumables[i].type && strcmp(d->consumables[i].type, type) == 0;
	return n;
}

static const char *kv(const struct gw_dd_kvlist *l, const char *name)
{
	for (unsigned i = 0; i < l->n; i++)
		if (strcmp(l->v[i].name, name) == 0)
			return l->v[i].str;
	return NULL;
}

static void test_merge_with_st2(void **state)
{
	struct gw_vbset vs;
	struct gw_devdata *d = gw_devdata_new();
	struct gw_fill_ctx fc = {.parts = GW_PART_ALL};
	struct gw_dd_consumable *c;

	(void)state;
	gw_vbset_init(&vs);
	/* Printer-MIB's ink row is there first, as the printer profile leaves it */
	c = gw_dd_add_consumable(d);
	c->type = gw_dd_str(d, "ink");
	c->description = gw_dd_str(d, "Black Ink Cartridge");
	ADD(&vs, st2, ST);
	ADD(&vs, "\x00@BDC PS\r\nIA:00;03,01,09;\x0c", IA_OID);
	ADD(&vs, "\x00@BDC PS\r\nII:03;IC1:0714;IQT:08;\x0c", II_OID(1));
	ADD(&vs, "\x00@BDC PS\r\nII:03;IC1:0713;IQT:3C;\x0c", II_OID(2));
	ADD(&vs, "\x00@BDC PS\r\nii:NA;\x0c", II_OID(3));
	gw_vbset_sort(&vs);
	assert_true(gw_epson_fill(&vs, &fc, d));
	/* two inks, ST2's, each once; ia names their slots, matched by cartridge */
	assert_int_equal(count(d, "ink"), 2);
	assert_int_equal(d->n_consumables, 2);
	assert_string_equal(d->consumables[0].color, "black");
	assert_int_equal(d->consumables[0].level_percent, 60);
	assert_string_equal(d->consumables[0].description, "Cartridge type 01, slot 2");
	assert_string_equal(d->consumables[1].color, "cyan");
	assert_int_equal(d->consumables[1].state, GW_SUP_LOW);
	assert_string_equal(d->consumables[1].description, "Cartridge type 03, slot 1");
	/* ii verbatim, per slot; slot 3's NA leaves nothing */
	assert_string_equal(kv(&d->maintenance_settings, "ink_cartridge_1"), "IC1:0714;IQT:08");
	assert_string_equal(kv(&d->maintenance_settings, "ink_cartridge_2"), "IC1:0713;IQT:3C");
	assert_null(kv(&d->maintenance_settings, "ink_cartridge_3"));
	assert_true(d->sources & GW_SRC_EPSON);
	gw_devdata_free(d);
	gw_vbset_release(&vs);

	/* cartridge codes that match nothing: no description, still no extra entry */
	d = gw_devdata_new();
	gw_vbset_init(&vs);
	ADD(&vs, st2, ST);
	ADD(&vs, "IA:00;0A,0B;", IA_OID);
	gw_vbset_sort(&vs);
	assert_true(gw_epson_fill(&vs, &fc, d));
	assert_int_equal(d->n_consumables, 2);
	assert_null(d->consumables[0].description);
	assert_null(d->consumables[1].description);
	gw_devdata_free(d);
	gw_vbset_release(&vs);
}

static void test_ia_without_st2(void **state)
{
	struct gw_vbset vs;
	struct gw_devdata *d = gw_devdata_new();
	struct gw_fill_ctx fc = {.parts = GW_PART_ALL};
	struct gw_dd_consumable *c;

	(void)state;
	/* nothing else says there are inks: one entry per slot, levels unknown */
	gw_vbset_init(&vs);
	ADD(&vs, "\x00@BDC PS\r\nIA:00;01,03;\x0c", IA_OID);
	gw_vbset_sort(&vs);
	assert_true(gw_epson_fill(&vs, &fc, d));
	assert_int_equal(d->n_consumables, 2);
	assert_string_equal(d->consumables[1].type, "ink");
	assert_string_equal(d->consumables[1].description, "Cartridge type 03, slot 2");
	assert_int_equal(d->consumables[1].state, GW_SUP_UNKNOWN);
	assert_null(d->consumables[1].color);
	gw_devdata_free(d);

	/* Printer-MIB said so already: no second entry for the same ink */
	d = gw_devdata_new();
	c = gw_dd_add_consumable(d);
	c->type = gw_dd_str(d, "ink");
	assert_false(gw_epson_fill(&vs, &fc, d));
	assert_int_equal(d->n_consumables, 1);
	gw_devdata_free(d);

	/* supplies not due in this poll: ia is not looked at */
	d = gw_devdata_new();
	fc.parts = GW_PART_STATUS;
	assert_false(gw_epson_fill(&vs, &fc, d));
	assert_int_equal(d->n_consumables, 0);
	gw_devdata_free(d);
	gw_vbset_release(&vs);
}

static void test_cd_serial_is_the_last_source(void **state)
{
	static const char cd[] = "\x00@BDC PS\r\ncd:\x10"
				 "012345678901234567890123456789"
				 "CD00000001;\x0c";
	static const char st2_serial[] = "\x00@BDC ST2\r\n\x0c\x00"
					 "\x40\x0aST00000001";
	struct gw_vbset vs;
	struct gw_devdata *d = gw_devdata_new();
	struct gw_fill_ctx fc = {.parts = GW_PART_ALL};

	(void)state;
	gw_vbset_init(&vs);
	ADD(&vs, cd, CD_OID);
	gw_vbset_sort(&vs);
	assert_true(gw_epson_fill(&vs, &fc, d));
	assert_string_equal(d->serial_number, "CD00000001");
	gw_devdata_free(d);

	/* Printer-MIB's or ST2's serial stays */
	d = gw_devdata_new();
	d->serial_number = gw_dd_str(d, "PRT0000001");
	gw_epson_fill(&vs, &fc, d);
	assert_string_equal(d->serial_number, "PRT0000001");
	gw_devdata_free(d);
	ADD(&vs, st2_serial, ST);
	gw_vbset_sort(&vs);
	d = gw_devdata_new();
	gw_epson_fill(&vs, &fc, d);
	assert_string_equal(d->serial_number, "ST00000001");
	gw_devdata_free(d);
	gw_vbset_release(&vs);
}

static void test_second_round_plan(void **state)
{
	static const uint32_t ii1[] = {II_OID(1)}, ii3[] = {II_OID(3)};
	struct gw_vbset vs;
	struct gw_plan plan;

	(void)state;
	gw_vbset_init(&vs);
	memset(&plan, 0, sizeof(plan));
	gw_epson_plan_more(&vs, GW_PART_ALL, &plan);
	assert_int_equal(plan.n_gets, 0);                 /* no ia read: no ii */
	ADD(&vs, "\x00@BDC PS\r\nIA:00;01,03,04;\x0c", IA_OID);
	gw_vbset_sort(&vs);
	gw_epson_plan_more(&vs, GW_PART_ALL, &plan);
	assert_int_equal(plan.n_gets, 3);
	assert_int_equal(gw_oid_cmp(plan.gets[0].a, plan.gets[0].n, ii1, 21), 0);
	assert_int_equal(gw_oid_cmp(plan.gets[2].a, plan.gets[2].n, ii3, 21), 0);
	memset(&plan, 0, sizeof(plan));
	gw_epson_plan_more(&vs, GW_PART_STATUS | GW_PART_COUNTERS, &plan);
	assert_int_equal(plan.n_gets, 0);
	gw_vbset_release(&vs);

	/* the first round asks for ia with supplies, cd with settings */
	memset(&plan, 0, sizeof(plan));
	gw_epson_plan(&plan, GW_PART_SUPPLIES);
	{
		static const uint32_t ia[] = {IA_OID}, cd[] = {CD_OID};
		bool has_ia = false, has_cd = false;

		for (unsigned i = 0; i < plan.n_gets; i++) {
			has_ia |= gw_oid_cmp(plan.gets[i].a, plan.gets[i].n, ia, 20) == 0;
			has_cd |= gw_oid_cmp(plan.gets[i].a, plan.gets[i].n, cd, 20) == 0;
		}
		assert_true(has_ia);
		assert_false(has_cd);
		memset(&plan, 0, sizeof(plan));
		gw_epson_plan(&plan, GW_PART_SETTINGS);
		has_ia = has_cd = false;
		for (unsigned i = 0; i < plan.n_gets; i++) {
			has_ia |= gw_oid_cmp(plan.gets[i].a, plan.gets[i].n, ia, 20) == 0;
			has_cd |= gw_oid_cmp(plan.gets[i].a, plan.gets[i].n, cd, 20) == 0;
		}
		assert_false(has_ia);
		assert_true(has_cd);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cd_serial_by_format),
		cmocka_unit_test(test_cd_what_is_not_read),
		cmocka_unit_test(test_ia),
		cmocka_unit_test(test_ii),
		cmocka_unit_test(test_merge_with_st2),
		cmocka_unit_test(test_ia_without_st2),
		cmocka_unit_test(test_cd_serial_is_the_last_source),
		cmocka_unit_test(test_second_round_plan),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
