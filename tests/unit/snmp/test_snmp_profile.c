/*
 * The profiles' mapping from MIB values to device fields, fed with varbind
 * sets written in the snmprec notation (OID|type|value). The values here are
 * made up to hit each rule of docs/device-data.md.
 */
#include "profile.h"
#include "st2.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static void load(struct gw_vbset *vs, const char *text)
{
	char line[1024];
	const char *p = text;

	while (*p) {
		size_t n = strcspn(p, "\n");
		char *oid, *type, *val;
		struct gw_oid o;
		uint8_t buf[600], wbuf[32];
		struct gw_snmp_vb vb = {0};

		snprintf(line, sizeof(line), "%.*s", (int)n, p);
		p += n + (p[n] == '\n');
		if (!line[0])
			continue;
		oid = strtok(line, "|");
		type = strtok(NULL, "|");
		val = strtok(NULL, "");
		if (!val)
			val = "";
		assert_int_equal(gw_oid_parse(oid, &o), 0);
		if (strcmp(type, "4") == 0) {
			vb.type = GW_BER_OCTETS;
			vb.val = (const uint8_t *)val;
			vb.val_len = strlen(val);
		} else if (strcmp(type, "4x") == 0) {
			size_t k = 0;

			for (; val[2 * k]; k++)
				sscanf(val + 2 * k, "%2hhx", &buf[k]);
			vb.type = GW_BER_OCTETS;
			vb.val = buf;
			vb.val_len = k;
		} else if (strcmp(type, "6") == 0) {
			struct gw_oid v;
			int k;

			assert_int_equal(gw_oid_parse(val, &v), 0);
			k = gw_ber_oid_encode(v.a, v.n, buf, sizeof(buf));
			vb.type = GW_BER_OID;
			vb.val = buf;
			vb.val_len = (size_t)k;
		} else if (strcmp(type, "64") == 0) {
			unsigned a, b, c, d;

			sscanf(val, "%u.%u.%u.%u", &a, &b, &c, &d);
			buf[0] = (uint8_t)a, buf[1] = (uint8_t)b, buf[2] = (uint8_t)c;
			buf[3] = (uint8_t)d;
			vb.type = GW_BER_IPADDR;
			vb.val = buf;
			vb.val_len = 4;
		} else {
			struct gw_ber_wr w;
			struct gw_ber_rd r;
			uint8_t tag = (uint8_t)(strcmp(type, "2") == 0 ? GW_BER_INT : 0x40 + (atoi(type) - 64));

			gw_ber_wr_init(&w, wbuf, sizeof(wbuf));
			gw_ber_put_int(&w, tag, strtoll(val, NULL, 10));
			gw_ber_rd_init(&r, gw_ber_wr_data(&w), w.len);
			assert_int_equal(gw_ber_next(&r, &vb.type, &vb.val, &vb.val_len), 0);
			memcpy(buf, vb.val, vb.val_len);
			vb.val = buf;
		}
		if (gw_profile_keep(&o))
			assert_int_equal(gw_vbset_add(vs, &o, &vb), 0);
	}
	gw_vbset_sort(vs);
}

static const struct gw_dd_consumable *supply(const struct gw_devdata *d, const char *descr)
{
	for (unsigned i = 0; i < d->n_consumables; i++)
		if (d->consumables[i].description && strcmp(d->consumables[i].description, descr) == 0)
			return &d->consumables[i];
	fail_msg("no consumable %s", descr);
	return NULL;
}

static const char *kv(const struct gw_dd_kvlist *l, const char *name, int64_t *num)
{
	for (unsigned i = 0; i < l->n; i++) {
		if (strcmp(l->v[i].name, name) == 0) {
			if (num)
				*num = l->v[i].num;
			return l->v[i].str ? l->v[i].str : "";
		}
	}
	return NULL;
}

static bool has_error(const struct gw_devdata *d, const char *code, enum gw_severity sev)
{
	for (unsigned i = 0; i < d->n_errors; i++)
		if (strcmp(d->errors[i].code, code) == 0 && d->errors[i].severity == sev)
			return true;
	return false;
}

static const char printer[] =
	"1.3.6.1.2.1.1.1.0|4|ACME LaserThing 9000; Firmware Ver.2.10 (x),SN:ZZZ\n"
	"1.3.6.1.2.1.1.2.0|6|1.3.6.1.4.1.11.2.3.9.1\n"
	"1.3.6.1.2.1.1.3.0|67|100000\n"
	"1.3.6.1.2.1.1.5.0|4|printer-7\n"
	"1.3.6.1.2.1.2.2.1.3.1|2|24\n"
	"1.3.6.1.2.1.2.2.1.3.2|2|6\n"
	"1.3.6.1.2.1.2.2.1.3.3|2|6\n"
	"1.3.6.1.2.1.2.2.1.6.1|4x|000000000000\n"
	"1.3.6.1.2.1.2.2.1.6.2|4x|0011223344aa\n"
	"1.3.6.1.2.1.2.2.1.6.3|4x|0011223344bb\n"
	"1.3.6.1.2.1.2.2.1.8.2|2|2\n"
	"1.3.6.1.2.1.2.2.1.8.3|2|1\n"
	"1.3.6.1.2.1.4.20.1.2.192.0.2.7|2|2\n"
	"1.3.6.1.2.1.4.20.1.3.192.0.2.7|64|255.255.255.0\n"
	"1.3.6.1.2.1.25.3.2.1.2.1|6|1.3.6.1.2.1.25.3.1.1\n"
	"1.3.6.1.2.1.25.3.2.1.2.2|6|1.3.6.1.2.1.25.3.1.5\n"
	"1.3.6.1.2.1.25.3.2.1.3.1|4|Some NIC\n"
	"1.3.6.1.2.1.25.3.2.1.3.2|4|ACME LT-9000\n"
	"1.3.6.1.2.1.25.3.2.1.5.2|2|3\n"
	"1.3.6.1.2.1.25.3.5.1.1.2|2|4\n"
	"1.3.6.1.2.1.25.3.5.1.2.2|4x|4408\n"
	"1.3.6.1.2.1.43.5.1.1.2.2|2|1\n"
	"1.3.6.1.2.1.43.5.1.1.16.2|4|Front office\n"
	"1.3.6.1.2.1.43.5.1.1.17.2|4|SER-123  \n"
	"1.3.6.1.2.1.43.7.1.1.4.2.1|2|4\n"
	"1.3.6.1.2.1.43.8.2.1.3.2.1|2|4\n"
	"1.3.6.1.2.1.43.8.2.1.4.2.1|2|297000\n"
	"1.3.6.1.2.1.43.8.2.1.5.2.1|2|210000\n"
	"1.3.6.1.2.1.43.8.2.1.9.2.1|2|250\n"
	"1.3.6.1.2.1.43.8.2.1.10.2.1|2|-3\n"
	"1.3.6.1.2.1.43.8.2.1.12.2.1|4|A4\n"
	"1.3.6.1.2.1.43.8.2.1.13.2.1|4|Tray 1\n"
	"1.3.6.1.2.1.43.10.2.1.4.2.1|65|123456\n"
	"1.3.6.1.2.1.43.10.2.1.5.2.1|65|42\n"
	"1.3.6.1.2.1.43.11.1.1.3.2.1|2|1\n"
	"1.3.6.1.2.1.43.11.1.1.4.2.1|2|3\n"
	"1.3.6.1.2.1.43.11.1.1.5.2.1|2|3\n"
	"1.3.6.1.2.1.43.11.1.1.6.2.1|4|Black Toner\n"
	"1.3.6.1.2.1.43.11.1.1.7.2.1|2|7\n"
	"1.3.6.1.2.1.43.11.1.1.8.2.1|2|8000\n"
	"1.3.6.1.2.1.43.11.1.1.9.2.1|2|2000\n"
	"1.3.6.1.2.1.43.11.1.1.4.2.2|2|4\n"
	"1.3.6.1.2.1.43.11.1.1.5.2.2|2|4\n"
	"1.3.6.1.2.1.43.11.1.1.6.2.2|4|Waste Toner Box\n"
	"1.3.6.1.2.1.43.11.1.1.7.2.2|2|19\n"
	"1.3.6.1.2.1.43.11.1.1.8.2.2|2|-2\n"
	"1.3.6.1.2.1.43.11.1.1.9.2.2|2|30\n"
	"1.3.6.1.2.1.43.11.1.1.4.2.3|2|3\n"
	"1.3.6.1.2.1.43.11.1.1.6.2.3|4|Fuser\n"
	"1.3.6.1.2.1.43.11.1.1.5.2.3|2|15\n"
	"1.3.6.1.2.1.43.11.1.1.8.2.3|2|-1\n"
	"1.3.6.1.2.1.43.11.1.1.9.2.3|2|-3\n"
	"1.3.6.1.2.1.43.11.1.1.4.2.4|2|3\n"
	"1.3.6.1.2.1.43.11.1.1.6.2.4|4|Cyan\xe9 Toner\n"
	"1.3.6.1.2.1.43.11.1.1.8.2.4|2|100\n"
	"1.3.6.1.2.1.43.11.1.1.9.2.4|2|-2\n"
	"1.3.6.1.2.1.43.11.1.1.4.2.5|2|4\n"
	"1.3.6.1.2.1.43.11.1.1.6.2.5|4|Full Box\n"
	"1.3.6.1.2.1.43.11.1.1.8.2.5|2|100\n"
	"1.3.6.1.2.1.43.11.1.1.9.2.5|2|0\n"
	"1.3.6.1.2.1.43.12.1.1.4.2.1|4|Black\n"
	"1.3.6.1.2.1.43.16.5.1.2.2.1|4|Ready\n"
	"1.3.6.1.2.1.43.16.5.1.2.2.2|4|Printing report.pdf\n"
	"1.3.6.1.2.1.43.18.1.1.2.2.7|2|3\n"
	"1.3.6.1.2.1.43.18.1.1.7.2.7|2|8\n"
	"1.3.6.1.2.1.43.18.1.1.8.2.7|4|Paper jam in tray 2\n"
	"1.3.6.1.2.1.43.18.1.1.9.2.7|67|99000\n"
	"1.3.6.1.2.1.43.18.1.1.2.2.8|2|1\n"
	"1.3.6.1.2.1.43.18.1.1.8.2.8|4|Sleep\n"
	"1.3.6.1.4.1.2699.1.1.1.3.1.1.2.1.5|2|9\n"
	"1.3.6.1.4.1.2699.1.1.1.3.1.1.8.1.5|2|3\n"
	"1.3.6.1.4.1.2699.1.1.1.3.1.1.9.1.5|4|alice\n"
	"1.3.6.1.4.1.2699.1.1.1.4.1.1.3.1.5.90.1|2|2\n"
	"1.3.6.1.4.1.2699.1.1.1.4.1.1.4.1.5.23.1|4|salary-2026.xlsx\n"
	"1.3.6.1.4.1.2699.1.1.1.4.1.1.4.1.5.191.1|4x|07ea0b18080f1e00\n";

static void test_printer_mapping(void **state)
{
	struct gw_vbset vs;
	struct gw_devdata *d = gw_devdata_new();
	static const uint8_t key[32] = {1, 2, 3};
	struct gw_fill_ctx fc = {.parts = GW_PART_ALL, .user_key = key, .user_key_len = 32,
				 .polled_ip = "192.0.2.7", .max_jobs = 10};
	const struct gw_dd_consumable *c;
	int64_t n;
	char h[33];

	(void)state;
	gw_vbset_init(&vs);
	load(&vs, printer);
	d->acquired_ms = 1000000000;
	gw_printer_fill(&vs, &fc, d);
	/* identity: hrDeviceDescr of the hrDevicePrinter row, not of the NIC */
	assert_string_equal(d->model, "ACME LT-9000");
	assert_string_equal(d->manufacturer, "HP"); /* enterprise 11: no vendor in the text */
	assert_string_equal(d->serial_number, "SER-123");
	assert_string_equal(d->firmware_version, "2.10");
	assert_string_equal(d->hostname, "printer-7");
	/* the MAC of the interface holding the polled address, though it is down */
	assert_string_equal(d->mac, "00:11:22:33:44:aa");
	/* status: running + printing */
	assert_true(d->has_status);
	assert_int_equal(d->printer_status, GW_PST_PRINTING);
	/* error bits 0x44 0x08: noPaper, jammed, outputFull */
	assert_true(has_error(d, "noPaper", GW_SEV_ERROR));
	assert_true(has_error(d, "jammed", GW_SEV_ERROR));
	assert_true(has_error(d, "outputFull", GW_SEV_ERROR));
	assert_false(has_error(d, "lowPaper", GW_SEV_WARNING));
	/* the critical alert is an error with its time; the "Sleep" row is not one */
	assert_true(has_error(d, "jam", GW_SEV_ERROR));
	for (unsigned i = 0; i < d->n_errors; i++)
		if (strcmp(d->errors[i].code, "jam") == 0)
			assert_true(d->errors[i].since_ms == 1000000000 - 10000);
	assert_int_equal(d->n_errors, 4);
	/* consumables */
	c = supply(d, "Black Toner");
	assert_string_equal(c->type, "toner");
	assert_string_equal(c->color, "black");
	assert_string_equal(c->unit, "impressions");
	assert_true(c->level == 2000 && c->max_capacity == 8000 && c->level_percent == 25);
	assert_int_equal(c->state, GW_SUP_OK);
	c = supply(d, "Waste Toner Box");  /* percent unit: capacity 100; level is free space */
	assert_string_equal(c->type, "waste_toner");
	assert_true(c->level_percent == 30 && c->max_capacity == 100);
	assert_int_equal(c->state, GW_SUP_OK);
	c = supply(d, "Fuser");             /* -3: some remains, no number */
	assert_true(c->level_percent == GW_ABSENT && c->level == GW_ABSENT);
	assert_true(c->max_capacity == GW_ABSENT);
	assert_int_equal(c->state, GW_SUP_OK);
	c = supply(d, "Cyan\xc3\xa9 Toner"); /* -2: unknown; the declared Latin-1 converted */
	assert_true(c->level_percent == GW_ABSENT);
	assert_int_equal(c->state, GW_SUP_UNKNOWN);
	c = supply(d, "Full Box");          /* a receptacle with no free space */
	assert_true(c->level_percent == 0);
	assert_int_equal(c->state, GW_SUP_FULL);
	/* counters */
	assert_non_null(kv(&d->page_counters, "total", &n));
	assert_true(n == 123456);
	assert_non_null(kv(&d->page_counters, "since_power_on", &n));
	assert_true(n == 42);
	/* media: -3 is "at least one"; 297000 x 210000 micrometres is A4 */
	assert_string_equal(kv(&d->media_settings, "input_1.name", NULL), "Tray 1");
	assert_string_equal(kv(&d->media_settings, "input_1.level", NULL), "at_least_one");
	assert_string_equal(kv(&d->media_settings, "input_1.media_size_mm", NULL), "210x297");
	assert_string_equal(kv(&d->network_settings, "subnet_mask", NULL), "255.255.255.0");
	assert_string_equal(kv(&d->printer_settings, "charset", NULL), "ISO-8859-1");
	/* the panel line that echoes a document is not uploaded */
	assert_string_equal(kv(&d->panel_settings, "display_text.1", NULL), "Ready");
	assert_null(kv(&d->panel_settings, "display_text.2", NULL));
	/* jobs: metadata and a keyed hash of the owner, never the owner or a name */
	assert_int_equal(d->n_jobs, 1);
	assert_string_equal(d->jobs[0].job_id, "1.5");
	assert_string_equal(d->jobs[0].state, "completed");
	assert_true(d->jobs[0].pages == 3 && d->jobs[0].copies == 2);
	assert_true(d->jobs[0].submitted_ms == 1795508130000ll);
	assert_int_equal(gw_user_hash(key, 32, (const uint8_t *)"alice", 5, h), 0);
	assert_string_equal(d->jobs[0].user_hash, h);
	assert_int_equal(strlen(h), 32);
	/* the job name never even entered the set */
	assert_null(gw_vbset_get(&vs, GW_ARCS(1, 3, 6, 1, 4, 1, 2699, 1, 1, 1, 4, 1, 1, 4, 1, 5, 23, 1),
				 NULL, 0));
	assert_false(gw_profile_is_epson(&vs));
	gw_vbset_release(&vs);
	gw_devdata_free(d);
}

static void status_of(const char *lines, enum gw_printer_status want, bool has)
{
	struct gw_vbset vs;
	struct gw_devdata *d = gw_devdata_new();
	struct gw_fill_ctx fc = {.parts = GW_PART_STATUS};

	gw_vbset_init(&vs);
	/* device 1 is the printer: its rows are the ones read */
	load(&vs, "1.3.6.1.2.1.25.3.2.1.2.1|6|1.3.6.1.2.1.25.3.1.5\n");
	load(&vs, lines);
	gw_printer_fill(&vs, &fc, d);
	assert_int_equal(d->has_status, has);
	if (has)
		assert_int_equal(d->printer_status, want);
	gw_vbset_release(&vs);
	gw_devdata_free(d);
}

static void test_status_combinations(void **state)
{
	(void)state;
	status_of("1.3.6.1.2.1.25.3.2.1.5.1|2|2\n1.3.6.1.2.1.25.3.5.1.1.1|2|3\n", GW_PST_IDLE, true);
	status_of("1.3.6.1.2.1.25.3.2.1.5.1|2|3\n1.3.6.1.2.1.25.3.5.1.1.1|2|5\n", GW_PST_WARMING_UP,
		  true);
	status_of("1.3.6.1.2.1.25.3.2.1.5.1|2|5\n1.3.6.1.2.1.25.3.5.1.1.1|2|1\n", GW_PST_ERROR, true);
	status_of("1.3.6.1.2.1.25.3.2.1.5.1|2|5\n1.3.6.1.2.1.25.3.5.1.1.1|2|1\n"
		  "1.3.6.1.2.1.25.3.5.1.2.1|4x|02\n", GW_PST_OFFLINE, true);
	status_of("1.3.6.1.2.1.25.3.2.1.5.1|2|2\n", GW_PST_UNKNOWN, true);
	status_of("1.3.6.1.2.1.25.3.2.1.5.1|2|4\n1.3.6.1.2.1.25.3.5.1.1.1|2|2\n", GW_PST_OTHER, true);
	status_of("1.3.6.1.2.1.1.1.0|4|x\n", GW_PST_UNKNOWN, false);
	/* a scanner's device rows say nothing about a printer */
	{
		struct gw_vbset vs;
		struct gw_devdata *d = gw_devdata_new();
		struct gw_fill_ctx fc = {.parts = GW_PART_ALL};

		gw_vbset_init(&vs);
		load(&vs, "1.3.6.1.2.1.25.3.2.1.2.1|6|1.3.6.1.2.1.25.3.1.1\n"
			  "1.3.6.1.2.1.25.3.2.1.3.1|4|SC-100\n"
			  "1.3.6.1.2.1.25.3.2.1.5.1|2|2\n");
		gw_printer_fill(&vs, &fc, d);
		assert_false(d->has_status);
		assert_string_equal(d->model, "SC-100");
		gw_vbset_release(&vs);
		gw_devdata_free(d);
	}
}

static void test_vendor_detection(void **state)
{
	static const struct {
		const char *lines, *vendor;
	} v[] = {
		{"1.3.6.1.2.1.1.1.0|4|HP ETHERNET MULTI-ENVIRONMENT\n"
		 "1.3.6.1.2.1.1.2.0|6|1.3.6.1.4.1.1347.41\n", "HP"},
		{"1.3.6.1.2.1.1.1.0|4|TA_UTAX Printing System\n", "UTAX"},
		{"1.3.6.1.2.1.1.1.0|4|FUJI XEROX DocuPrint CM305 df\n", "FUJI XEROX"},
		{"1.3.6.1.2.1.1.1.0|4|Develop ineo  280\n", "Develop"},
		{"1.3.6.1.2.1.1.1.0|4|OKI OkiLAN 8500e\n", "OKI"},
		{"1.3.6.1.2.1.1.2.0|6|1.3.6.1.4.1.11.1\n", "HP"},
		{"1.3.6.1.2.1.1.1.0|4|Okidata-like\n", NULL},
		{"1.3.6.1.4.1.1248.1.2.2.1.1.1.1.1|4|MFG:EPSON;MDL:X;\n", "EPSON"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct gw_vbset vs;
		char buf[64];
		const char *got;

		gw_vbset_init(&vs);
		load(&vs, v[i].lines);
		got = gw_profile_vendor(&vs, buf, sizeof(buf));
		if (v[i].vendor)
			assert_string_equal(got, v[i].vendor);
		else
			assert_null(got);
		gw_vbset_release(&vs);
	}
}

static void test_epson_only_for_printers(void **state)
{
	struct gw_vbset vs;

	(void)state;
	gw_vbset_init(&vs);
	load(&vs, "1.3.6.1.2.1.1.2.0|6|1.3.6.1.4.1.1248.4.1\n");
	assert_true(gw_profile_epson_enterprise(&vs));
	assert_false(gw_profile_is_epson(&vs)); /* a projector */
	gw_vbset_release(&vs);
	gw_vbset_init(&vs);
	load(&vs, "1.3.6.1.2.1.1.2.0|6|1.3.6.1.4.1.1248.1.1.2.1.3.22.78\n"
		  "1.3.6.1.2.1.25.3.2.1.2.1|6|1.3.6.1.2.1.25.3.1.1\n");
	assert_false(gw_profile_is_epson(&vs)); /* a scanner */
	gw_vbset_release(&vs);
	gw_vbset_init(&vs);
	load(&vs, "1.3.6.1.2.1.1.2.0|6|1.3.6.1.4.1.1248.1.1.2.1.3.5.69\n"
		  "1.3.6.1.2.1.25.3.2.1.2.1|6|1.3.6.1.2.1.25.3.1.5\n");
	assert_true(gw_profile_is_epson(&vs));
	gw_vbset_release(&vs);
	/* an Epson behind another print server: the 1284 id says so */
	gw_vbset_init(&vs);
	load(&vs, "1.3.6.1.2.1.1.2.0|6|1.3.6.1.4.1.99.1\n"
		  "1.3.6.1.4.1.2699.1.2.1.2.1.1.3.1|4|MFG:EPSON;CMD:ESCPR;MDL:ET-2850;CLS:PRINTER;\n");
	assert_true(gw_profile_is_epson(&vs));
	gw_vbset_release(&vs);
}

static void test_epson_fill(void **state)
{
	/* an ST2 reply as carried in the status OID: prefix byte, header, fields */
	static const char epson[] =
		"1.3.6.1.2.1.1.2.0|6|1.3.6.1.4.1.1248.1.1.2.1.3.5.69.69.80.83.50\n"
		"1.3.6.1.2.1.25.3.2.1.2.1|6|1.3.6.1.2.1.25.3.1.5\n"
		"1.3.6.1.2.1.25.3.2.1.3.1|4|EPSON ET-9999\n"
		"1.3.6.1.2.1.43.11.1.1.5.1.1|2|6\n"
		"1.3.6.1.2.1.43.11.1.1.6.1.1|4|Black Ink\n"
		"1.3.6.1.2.1.43.11.1.1.8.1.1|2|100\n"
		"1.3.6.1.2.1.43.11.1.1.9.1.1|2|1\n"
		"1.3.6.1.4.1.1248.1.2.2.1.1.1.4.1|4x|0040424443205354320d0a"
		"3400" "010104" "020100" "0f07" "03" "010050" "030105" "1904" "00000000"
		"40" "03" "534e31" "3614" "0a000000" "14000000" "01000000" "02000000" "00000000"
		"3702" "0102\n"
		"1.3.6.1.4.1.1248.1.2.2.44.1.1.2.1.118.105.1.0.0|4x|0076693a30303a4142313233423b0c\n"
		"1.3.6.1.4.1.1248.1.2.2.27.1.1.3.1.1|2|55\n";
	struct gw_vbset vs;
	struct gw_devdata *d = gw_devdata_new();
	struct gw_fill_ctx fc = {.parts = GW_PART_ALL};
	int64_t n;

	(void)state;
	gw_vbset_init(&vs);
	load(&vs, epson);
	assert_true(gw_profile_is_epson(&vs));
	gw_printer_fill(&vs, &fc, d);
	assert_true(gw_epson_fill(&vs, &fc, d));
	assert_true(d->sources & GW_SRC_EPSON);
	assert_int_equal(d->printer_status, GW_PST_IDLE);
	assert_string_equal(d->firmware_version, "AB123B");
	assert_string_equal(d->serial_number, "SN1");
	/* inks from ST2 replace the Printer-MIB ink rows */
	assert_int_equal(d->n_consumables, 3);
	assert_string_equal(d->consumables[0].color, "black");
	assert_true(d->consumables[0].level_percent == 80);
	assert_int_equal(d->consumables[1].state, GW_SUP_LOW);
	assert_string_equal(d->consumables[2].type, "waste_ink");
	assert_int_equal(d->consumables[2].state, GW_SUP_FULL);
	assert_non_null(kv(&d->page_counters, "total_pages", &n));
	assert_true(n == 20);
	assert_non_null(kv(&d->page_counters, "mono", &n));
	assert_true(n == 55);
	/* status 04 idle with an error field 00: not reported as an error */
	assert_int_equal(d->n_errors, 0);
	gw_vbset_release(&vs);
	gw_devdata_free(d);
}

static void test_epson_not_st2(void **state)
{
	/* a label printer's STX-framed answer on the status OID is not ST2: no crash */
	static const char cw[] =
		"1.3.6.1.2.1.1.2.0|6|1.3.6.1.4.1.1248.1.1.2.1.3.5.69.69.80.83.50\n"
		"1.3.6.1.2.1.25.3.2.1.2.1|6|1.3.6.1.2.1.25.3.1.5\n"
		"1.3.6.1.4.1.1248.1.2.2.1.1.1.4.1|4x|025e532841424344030d0a\n"
		"1.3.6.1.4.1.1248.1.2.2.2.1.1.2.1.1|4|AB12C3\n"
		"1.3.6.1.4.1.1248.1.2.2.2.1.1.2.1.4|4|01.02.AB12C3.X\n"
		"1.3.6.1.4.1.1248.1.2.2.2.1.1.3.1.1|4|Main FW\n"
		"1.3.6.1.4.1.1248.1.2.2.2.1.1.3.1.4|4|FW Package\n";
	struct gw_vbset vs;
	struct gw_devdata *d = gw_devdata_new();
	struct gw_fill_ctx fc = {.parts = GW_PART_ALL};

	(void)state;
	gw_vbset_init(&vs);
	load(&vs, cw);
	gw_printer_fill(&vs, &fc, d);
	assert_false(gw_epson_fill(&vs, &fc, d));
	assert_string_equal(d->firmware_version, "AB12C3");
	assert_false(d->has_status);
	gw_vbset_release(&vs);
	gw_devdata_free(d);
}

static void test_date_and_time(void **state)
{
	(void)state;
	/* 2026-11-24 08:15:30.0 UTC, and the same at +01:00 */
	assert_true(gw_date_and_time_ms((const uint8_t *)"\x07\xea\x0b\x18\x08\x0f\x1e\x00", 8) ==
		    1795508130000ll);
	assert_true(gw_date_and_time_ms((const uint8_t *)"\x07\xea\x0b\x18\x09\x0f\x1e\x00+\x01\x00",
					11) == 1795508130000ll);
	assert_true(gw_date_and_time_ms((const uint8_t *)"\x07\xea\x0d\x18\x08\x0f\x1e\x00", 8) ==
		    GW_ABSENT);
	assert_true(gw_date_and_time_ms((const uint8_t *)"\x07\xea", 2) == GW_ABSENT);
}

static void test_job_echo_filter(void **state)
{
	(void)state;
	assert_true(gw_text_echoes_job("Printing report.pdf"));
	assert_true(gw_text_echoes_job("Job 12 from bob"));
	assert_true(gw_text_echoes_job("\"Quarterly\""));
	assert_false(gw_text_echoes_job("Ready"));
	assert_false(gw_text_echoes_job("Firmware Ver.1.06"));
	assert_false(gw_text_echoes_job("Toner low. Replace soon"));
	assert_false(gw_text_echoes_job(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_printer_mapping),
		cmocka_unit_test(test_status_combinations),
		cmocka_unit_test(test_vendor_detection),
		cmocka_unit_test(test_epson_only_for_printers),
		cmocka_unit_test(test_epson_fill),
		cmocka_unit_test(test_epson_not_st2),
		cmocka_unit_test(test_date_and_time),
		cmocka_unit_test(test_job_echo_filter),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
