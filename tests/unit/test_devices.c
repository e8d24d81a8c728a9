/* The managed device list: validation, uniqueness, persistence, identity. */
#include "devices/device_codec.h"
#include "devices/devices.h"
#include "store/store.h"

#include <event2/event.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "testutil.h"

#define setup test_dir_setup
#define teardown test_dir_teardown

static struct gw_device_spec spec(const char *name, const char *addr, uint16_t port)
{
	struct gw_device_spec s = {.enabled = true};

	snprintf(s.name, sizeof(s.name), "%s", name);
	snprintf(s.address, sizeof(s.address), "%s", addr);
	snprintf(s.credentials, sizeof(s.credentials), "office");
	s.port = port;
	return s;
}

static int changes;

static void on_change(enum gw_dev_change c, const struct gw_device *d, void *arg)
{
	(void)c;
	(void)d;
	(void)arg;
	changes++;
}

static void test_add_validate_and_refuse_duplicates(void **state)
{
	struct gw_devices *l;
	struct gw_device_spec s;
	const char *reason = NULL;
	uint32_t id = 0, id2 = 0;

	(void)state;
	assert_int_equal(gw_devices_open(NULL, &l), 0);
	gw_devices_listen(l, on_change, NULL);
	changes = 0;
	s = spec("lobby", "192.0.2.10", 0);
	assert_int_equal(gw_devices_add(l, &s, GW_ORIGIN_LOCAL, "test", &id, &reason), 0);
	assert_int_equal(id, 1);
	assert_int_equal(changes, 1);
	/* same name, or same address and port: refused */
	s = spec("lobby", "192.0.2.11", 0);
	assert_int_equal(gw_devices_add(l, &s, GW_ORIGIN_LOCAL, "test", NULL, &reason), -EEXIST);
	s = spec("other", "192.0.2.10", 161);
	assert_int_equal(gw_devices_add(l, &s, GW_ORIGIN_LOCAL, "test", NULL, &reason), -EEXIST);
	/* same address, other port: a different device (simulators, port forwards) */
	s = spec("other", "192.0.2.10", 1161);
	assert_int_equal(gw_devices_add(l, &s, GW_ORIGIN_LOCAL, "test", &id2, &reason), 0);
	assert_int_equal(id2, 2);
	/* bad input */
	s = spec("bad name!", "192.0.2.12", 0);
	assert_int_equal(gw_devices_add(l, &s, GW_ORIGIN_LOCAL, "test", NULL, &reason), -EINVAL);
	s = spec("host", "printer.example", 0);
	assert_int_equal(gw_devices_add(l, &s, GW_ORIGIN_LOCAL, "test", NULL, &reason), -EINVAL);
	assert_string_equal(reason, "address must be an IPv4 or IPv6 address");
	s = spec("v6", "2001:db8::10", 0);
	assert_int_equal(gw_devices_add(l, &s, GW_ORIGIN_LOCAL, "test", NULL, &reason), 0);
	assert_int_equal(gw_devices_count(l), 3);
	assert_int_equal(gw_devices_remove(l, id, "test"), 0);
	assert_int_equal(gw_devices_remove(l, id, "test"), -ENOENT);
	assert_null(gw_devices_by_name(l, "lobby"));
	assert_int_equal(gw_devices_count(l), 2);
	gw_devices_close(l);
}

static void test_identity_learned(void **state)
{
	struct gw_devices *l;
	struct gw_device_spec s = spec("p", "192.0.2.20", 0);
	const struct gw_device *d;
	const char *reason;
	uint32_t id;

	(void)state;
	assert_int_equal(gw_devices_open(NULL, &l), 0);
	assert_int_equal(gw_devices_add(l, &s, GW_ORIGIN_CONFIG, "config", &id, &reason), 0);
	d = gw_devices_get(l, id);
	assert_int_equal(d->ident, GW_IDENT_NONE);
	gw_devices_seen(l, id, NULL, NULL, "Model", 1);
	assert_int_equal(d->ident, GW_IDENT_IP);
	gw_devices_seen(l, id, "", "00:11:22:33:44:55", "Model", 2);
	assert_int_equal(d->ident, GW_IDENT_MAC);
	gw_devices_seen(l, id, "X5E1234567", "00:11:22:33:44:55", "Model", 3);
	assert_int_equal(d->ident, GW_IDENT_SERIAL);
	assert_ptr_equal(gw_devices_by_serial(l, "X5E1234567"), d);
	assert_int_equal(d->last_seen_ms, 3);
	gw_devices_close(l);
}

static void test_persisted_and_synced_with_config(void **state)
{
	struct event_base *base = event_base_new();
	struct gw_store_opts o = {.dir = test_dir, .max_bytes = 8 << 20};
	struct gw_store *st;
	struct gw_devices *l;
	struct gw_device_spec file[2] = {spec("a", "192.0.2.1", 0), spec("b", "192.0.2.2", 0)};
	struct gw_device_spec local = spec("web", "192.0.2.3", 0);
	const char *reason;

	(void)state;
	assert_int_equal(gw_store_open(base, &o, &st, &reason), 0);
	assert_int_equal(gw_devices_open(st, &l), 0);
	assert_int_equal(gw_devices_sync_config(l, file, 2), 0);
	assert_int_equal(gw_devices_add(l, &local, GW_ORIGIN_LOCAL, "local:admin", NULL, &reason), 0);
	gw_devices_seen(l, gw_devices_by_name(l, "a")->id, "SER-A", NULL, "M", 5);
	gw_store_flush(st);
	gw_devices_close(l);
	gw_store_close(st);

	/* reopen: all three back, identity kept; the file now drops "b" and moves "a" */
	assert_int_equal(gw_store_open(base, &o, &st, &reason), 0);
	assert_int_equal(gw_devices_open(st, &l), 0);
	assert_int_equal(gw_devices_count(l), 3);
	assert_string_equal(gw_devices_by_name(l, "a")->serial, "SER-A");
	file[0] = spec("a", "192.0.2.9", 0);
	assert_int_equal(gw_devices_sync_config(l, file, 1), 0);
	assert_int_equal(gw_devices_count(l), 2);
	assert_null(gw_devices_by_name(l, "b"));
	assert_string_equal(gw_devices_by_name(l, "a")->spec.address, "192.0.2.9");
	assert_non_null(gw_devices_by_name(l, "web")); /* not the file's: untouched */
	/* ids are never reused */
	struct gw_device_spec n = spec("new", "192.0.2.4", 0);
	uint32_t id;
	assert_int_equal(gw_devices_add(l, &n, GW_ORIGIN_LOCAL, "t", &id, &reason), 0);
	assert_int_equal(id, 4);
	gw_store_flush(st);
	gw_devices_close(l);
	gw_store_close(st);
	event_base_free(base);
}

static void test_codec_rejects_garbage(void **state)
{
	struct gw_device d = {.id = 3, .spec = spec("x", "192.0.2.5", 0)}, back;
	struct gw_buf b;

	(void)state;
	gw_buf_init(&b);
	assert_int_equal(gw_device_encode(&d, &b), 0);
	assert_int_equal(gw_device_decode(b.data, b.len, &back), 0);
	assert_string_equal(back.spec.name, "x");
	assert_int_equal(back.id, 3);
	for (size_t n = 0; n < b.len; n++)
		assert_int_equal(gw_device_decode(b.data, n, &back), -EINVAL);
	gw_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_validate_and_refuse_duplicates),
		cmocka_unit_test(test_identity_learned),
		cmocka_unit_test_setup_teardown(test_persisted_and_synced_with_config, setup, teardown),
		cmocka_unit_test(test_codec_rejects_garbage),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
