/* The record codec: round trips, malformed input, unknown formats, JSON. */
#include "core/devdata.h"
#include "core/devdata_pack.h"
#include "core/record.h"

#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

static struct gw_devdata *sample(void)
{
	struct gw_devdata *d = gw_devdata_new();
	struct gw_dd_consumable *c;
	struct gw_dd_error *e;

	d->manufacturer = gw_dd_str(d, "EPSON");
	d->model = gw_dd_str(d, "WF-C5790 Series");
	d->serial_number = gw_dd_str(d, "X5E1234567");
	d->printer_status = GW_PST_IDLE;
	d->has_status = true;
	d->acquired_ms = 1795508097000; /* 2026-11-24T08:14:57Z */
	c = gw_dd_add_consumable(d);
	c->type = gw_dd_str(d, "ink");
	c->color = gw_dd_str(d, "cyan");
	c->level_percent = 42;
	c->state = GW_SUP_OK;
	e = gw_dd_add_error(d);
	e->code = gw_dd_str(d, "paper_jam");
	e->severity = GW_SEV_ERROR;
	gw_dd_kv_num(d, &d->page_counters, "total", 12345);
	/* a device string that is not UTF-8 (Latin-1 e-acute) and has NUL padding */
	d->hostname = gw_dd_strn(d, "caf\xe9\0\0", 6);
	d->ip = gw_dd_str(d, "192.0.2.10");
	d->sources = GW_SRC_SNMP;
	return d;
}

static void encode(struct gw_buf *out, struct gw_buf *body, uint64_t seq)
{
	struct gw_devdata *d = sample();
	struct gw_record r = {
		.kind = GW_REC_SNAPSHOT, .ctype = GW_CT_SCHEDULED, .seq = seq,
		.collected_ms = 1795508097000, .created_ms = 1795508098000, .device_id = 7,
	};

	gw_buf_init(body);
	assert_int_equal(gw_devdata_pack_body(d, body), 0);
	r.body = body->data;
	r.body_len = body->len;
	gw_buf_init(out);
	assert_int_equal(gw_record_encode(&r, out), GW_REC_OK);
	gw_devdata_free(d);
}

static void test_roundtrip(void **state)
{
	struct gw_buf out, body;
	struct gw_record r;
	msgpack_unpacked h;

	(void)state;
	encode(&out, &body, 1042);
	msgpack_unpacked_init(&h);
	assert_int_equal(gw_record_decode(out.data, out.len, &r, &h), GW_REC_OK);
	assert_int_equal(r.format, GW_RECORD_FORMAT);
	assert_int_equal(r.kind, GW_REC_SNAPSHOT);
	assert_int_equal(r.seq, 1042);
	assert_int_equal(r.device_id, 7);
	assert_int_equal(r.collected_ms, 1795508097000);
	assert_int_equal(r.body_obj->via.map.size, 1);
	msgpack_unpacked_destroy(&h);
	gw_buf_release(&out);
	gw_buf_release(&body);
}

static void test_json_is_contract_shaped(void **state)
{
	struct gw_buf out, body, js;
	struct gw_record r;
	msgpack_unpacked h;
	json_error_t err;
	json_t *j, *dev;

	(void)state;
	encode(&out, &body, 5);
	msgpack_unpacked_init(&h);
	assert_int_equal(gw_record_decode(out.data, out.len, &r, &h), GW_REC_OK);
	gw_buf_init(&js);
	assert_int_equal(gw_record_to_json(&r, GW_CT_SCHEDULED, &js), GW_REC_OK);
	j = json_loadb((const char *)js.data, js.len, 0, &err);
	if (!j)
		fail_msg("not JSON: %s in %.*s", err.text, (int)js.len, js.data);
	assert_int_equal(json_integer_value(json_object_get(j, "seq")), 5);
	assert_string_equal(json_string_value(json_object_get(j, "kind")), "snapshot");
	assert_string_equal(json_string_value(json_object_get(j, "collected_at")),
			    "2026-11-24T08:14:57Z");
	assert_null(json_object_get(j, "collection_type")); /* same as the batch */
	dev = json_object_get(j, "device");
	assert_string_equal(json_string_value(json_object_get(dev, "model")), "WF-C5790 Series");
	assert_string_equal(json_string_value(json_object_get(dev, "printer_status")), "idle");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(dev, "page_counters"),
							    "total")), 12345);
	json_t *c0 = json_array_get(json_object_get(dev, "consumables"), 0);
	assert_int_equal(json_integer_value(json_object_get(c0, "level_percent")), 42);
	assert_null(json_object_get(c0, "level")); /* absent stays absent */
	/* Latin-1 byte escaped as text, NUL padding gone */
	assert_string_equal(json_string_value(json_object_get(json_object_get(dev, "address"),
							      "hostname")), "caf\\xE9");
	json_decref(j);

	/* a record collected another way says so */
	gw_buf_reset(&js);
	r.ctype = GW_CT_ON_DEMAND;
	assert_int_equal(gw_record_to_json(&r, GW_CT_SCHEDULED, &js), GW_REC_OK);
	assert_non_null(strstr((const char *)js.data, "\"collection_type\":\"on_demand\""));
	msgpack_unpacked_destroy(&h);
	gw_buf_release(&js);
	gw_buf_release(&out);
	gw_buf_release(&body);
}

static void test_truncations_are_refused(void **state)
{
	struct gw_buf out, body;
	struct gw_record r;
	msgpack_unpacked h;

	(void)state;
	encode(&out, &body, 9);
	for (size_t n = 0; n < out.len; n++) {
		msgpack_unpacked_init(&h);
		assert_int_equal(gw_record_decode(out.data, n, &r, &h), GW_REC_EMALFORMED);
		msgpack_unpacked_destroy(&h);
	}
	gw_buf_release(&out);
	gw_buf_release(&body);
}

static void test_newer_format_is_kept_unread(void **state)
{
	/* [2, ...]: a format this version does not know */
	const uint8_t newer[] = {0x92, 0x02, 0xc0};
	const uint8_t wrong_kind[] = {0x98, 0x01, 0x09, 0x00, 0x01, 0x00, 0x00, 0x00, 0x80};
	const uint8_t not_array[] = {0x81, 0xa1, 'a', 0x01};
	struct gw_record r;
	msgpack_unpacked h;
	uint32_t f = 0;

	(void)state;
	msgpack_unpacked_init(&h);
	assert_int_equal(gw_record_decode(newer, sizeof(newer), &r, &h), GW_REC_EFORMAT);
	assert_int_equal(gw_record_peek_format(newer, sizeof(newer), &f), GW_REC_OK);
	assert_int_equal(f, 2);
	assert_int_equal(gw_record_decode(wrong_kind, sizeof(wrong_kind), &r, &h),
			 GW_REC_EMALFORMED);
	assert_int_equal(gw_record_decode(not_array, sizeof(not_array), &r, &h), GW_REC_EMALFORMED);
	msgpack_unpacked_destroy(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_json_is_contract_shaped),
		cmocka_unit_test(test_truncations_are_refused),
		cmocka_unit_test(test_newer_format_is_kept_unread),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
