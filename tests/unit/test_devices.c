/* The managed device list: validation, uniqueness, persistence, identity. */
#include "devices/device_codec.h"
#include "devices/devices.h"
#include "store/store.h"

#include <errno.h>
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
	struct gw_device_rec d = {.id = 3, .spec = spec("x", "192.0.2.5", 0)}, back;
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

/* Every lookup of every device finds it, and nothing else answers. */
static void check_index(const struct gw_devices *l, unsigned n_expect)
{
	assert_int_equal(gw_devices_count(l), n_expect);
	for (unsigned i = 0; i < gw_devices_count(l); i++) {
		const struct gw_device *d = gw_devices_at(l, i);

		assert_ptr_equal(gw_devices_get(l, d->id), d);
		assert_ptr_equal(gw_devices_by_name(l, d->spec.name), d);
		assert_ptr_equal(gw_devices_by_addr(l, &d->addr.sa, d->addrlen), d);
		assert_ptr_equal(gw_devices_by_host(l, d->spec.address, NULL, NULL), d);
		if (d->mac[0])
			assert_ptr_equal(gw_devices_by_mac(l, d->mac, NULL, NULL), d);
		if (d->serial[0]) {
			const struct gw_device *o = gw_devices_by_serial(l, d->serial);
			/* a shared serial answers with the lowest id */
			assert_non_null(o);
			assert_true(o->id <= d->id);
			assert_string_equal(o->serial, d->serial);
		}
	}
}

static bool refuse(const struct gw_device *d, void *arg)
{
	(void)d;
	(void)arg;
	return false;
}

static const struct gw_device *at(const struct gw_devices *l, const char *ip, uint16_t port)
{
	struct gw_device_spec s = spec("probe", ip, port);
	struct sockaddr_storage ss;
	socklen_t len;

	assert_int_equal(gw_device_resolve(&s, &ss, &len), 0);
	return gw_devices_by_addr(l, (struct sockaddr *)&ss, len);
}

/*
 * The name, address and serial indexes follow adds, updates (rename, new
 * address), identities learned and changed, removals, and a restart; many
 * devices, so that the indexes grow and keep deleted slots.
 */
static void test_indexes_follow_every_change(void **state)
{
	enum { N = 3000 };
	struct event_base *base = event_base_new();
	struct gw_store_opts o = {.dir = test_dir, .max_bytes = 64 << 20};
	struct gw_store *st;
	struct gw_devices *l;
	const char *reason;
	char name[32], ip[32], serial[32], mac[32];
	uint32_t id;

	(void)state;
	assert_int_equal(gw_store_open(base, &o, &st, &reason), 0);
	assert_int_equal(gw_devices_open(st, &l), 0);
	for (unsigned i = 0; i < N; i++) {
		struct gw_device_spec s;

		snprintf(name, sizeof(name), "dev%04u", i);
		snprintf(ip, sizeof(ip), "10.0.%u.%u", i / 250, i % 250 + 1);
		s = spec(name, ip, 0);
		assert_int_equal(gw_devices_add(l, &s, GW_ORIGIN_LOCAL, "t", &id, &reason), 0);
		snprintf(serial, sizeof(serial), "SER%04u", i);
		snprintf(mac, sizeof(mac), "00:11:22:33:%02x:%02x", i >> 8, i & 0xff);
		gw_devices_seen(l, id, serial, mac, "Model", 1);
	}
	check_index(l, N);
	assert_string_equal(gw_devices_by_serial(l, "SER1234")->spec.name, "dev1234");
	assert_ptr_equal(at(l, "10.0.4.235", 161), gw_devices_by_name(l, "dev1234"));
	assert_null(at(l, "10.0.4.235", 162));
	assert_null(gw_devices_by_name(l, "dev9999"));
	assert_null(gw_devices_by_serial(l, "SER9999"));
	/* by MAC in any case, by address on any port, with a filter */
	assert_string_equal(gw_devices_by_mac(l, "00:11:22:33:04:D2", NULL, NULL)->spec.name,
			    "dev1234");
	assert_null(gw_devices_by_mac(l, "00:11:22:33:04:D2", refuse, NULL));
	assert_null(gw_devices_by_mac(l, "00:11:22:33:ff:ff", NULL, NULL));
	assert_string_equal(gw_devices_by_host(l, "10.0.4.235", NULL, NULL)->spec.name, "dev1234");
	assert_null(gw_devices_by_host(l, "10.0.4.235", refuse, NULL));
	assert_null(gw_devices_by_host(l, "10.9.9.9", NULL, NULL));
	assert_null(gw_devices_by_host(l, "not an address", NULL, NULL));

	/* rename and move every third device: old keys gone, new keys found */
	for (unsigned i = 0; i < N; i += 3) {
		struct gw_device_spec s;
		const struct gw_device *d;

		snprintf(name, sizeof(name), "dev%04u", i);
		d = gw_devices_by_name(l, name);
		assert_non_null(d);
		gw_device_spec_of(d, &s);
		snprintf(s.name, sizeof(s.name), "moved%04u", i);
		snprintf(s.address, sizeof(s.address), "10.1.%u.%u", i / 250, i % 250 + 1);
		s.port = 1161;
		assert_int_equal(gw_devices_update(l, d->id, &s, "t", &reason), 0);
		assert_null(gw_devices_by_name(l, name));
		assert_ptr_equal(gw_devices_by_name(l, s.name), d);
		snprintf(ip, sizeof(ip), "10.0.%u.%u", i / 250, i % 250 + 1);
		assert_null(at(l, ip, 161));
		assert_null(gw_devices_by_host(l, ip, NULL, NULL));
		assert_ptr_equal(at(l, s.address, 1161), d);
		assert_ptr_equal(gw_devices_by_host(l, s.address, NULL, NULL), d);
	}
	/* the freed address and name can be taken again; the new ones cannot */
	struct gw_device_spec again = spec("dev0000", "10.0.0.1", 0);
	assert_int_equal(gw_devices_add(l, &again, GW_ORIGIN_LOCAL, "t", &id, &reason), 0);
	assert_int_equal(gw_devices_remove(l, id, "t"), 0);
	again = spec("other", "10.1.0.1", 1161);
	assert_int_equal(gw_devices_add(l, &again, GW_ORIGIN_LOCAL, "t", NULL, &reason), -EEXIST);
	check_index(l, N);

	/* a swapped printer: the serial index follows */
	id = gw_devices_by_name(l, "dev0001")->id;
	gw_devices_seen(l, id, "NEW0001", NULL, "Other model", 2);
	assert_null(gw_devices_by_serial(l, "SER0001"));
	assert_int_equal(gw_devices_by_serial(l, "NEW0001")->id, id);
	assert_string_equal(gw_devices_get(l, id)->model, "Other model");
	gw_devices_seen(l, id, NULL, "0a:0b:0c:0d:0e:0f", NULL, 2);
	assert_null(gw_devices_by_mac(l, "00:11:22:33:00:01", NULL, NULL));
	assert_int_equal(gw_devices_by_mac(l, "0A:0B:0C:0D:0E:0F", NULL, NULL)->id, id);
	/* the same serial at a second address: the lowest id answers until it goes */
	uint32_t id2 = gw_devices_by_name(l, "dev0002")->id;
	gw_devices_seen(l, id2, "NEW0001", NULL, "Other model", 3);
	assert_int_equal(gw_devices_by_serial(l, "NEW0001")->id, id);
	assert_int_equal(gw_devices_get(l, id2)->dup_of, id);
	assert_int_equal(gw_devices_remove(l, id, "t"), 0);
	assert_int_equal(gw_devices_by_serial(l, "NEW0001")->id, id2);

	/* remove two devices in three: the rest still found, the removed not */
	for (unsigned i = 0; i < N; i++) {
		const struct gw_device *d;

		if (i % 3 == 0)
			continue;
		snprintf(name, sizeof(name), "dev%04u", i);
		if ((d = gw_devices_by_name(l, name)))
			assert_int_equal(gw_devices_remove(l, d->id, "t"), 0);
		assert_null(gw_devices_by_name(l, name));
		snprintf(serial, sizeof(serial), "SER%04u", i);
		assert_null(gw_devices_by_serial(l, serial));
	}
	check_index(l, N / 3);
	gw_store_flush(st);
	gw_devices_close(l);
	gw_store_close(st);

	/* a restart: the indexes are rebuilt from the store */
	assert_int_equal(gw_store_open(base, &o, &st, &reason), 0);
	assert_int_equal(gw_devices_open(st, &l), 0);
	check_index(l, N / 3);
	assert_string_equal(gw_devices_by_serial(l, "SER2997")->spec.name, "moved2997");
	assert_ptr_equal(at(l, "10.1.11.248", 1161), gw_devices_by_name(l, "moved2997"));
	assert_null(gw_devices_by_name(l, "dev2997"));
	gw_devices_close(l);
	gw_store_close(st);
	event_base_free(base);
}

/* A device keeps its settings exactly as given, and gives them back. */
static void test_spec_round_trip(void **state)
{
	struct gw_devices *l;
	struct gw_device_spec s = spec("lobby", "2001:db8::7", 1161), back;
	const struct gw_device *d;
	const char *reason;
	uint32_t id;

	(void)state;
	snprintf(s.plugin, sizeof(s.plugin), "snmp");
	s.interval_ms[2] = 120000;
	assert_int_equal(gw_devices_open(NULL, &l), 0);
	assert_int_equal(gw_devices_add(l, &s, GW_ORIGIN_CLOUD, "t", &id, &reason), 0);
	d = gw_devices_get(l, id);
	gw_device_spec_of(d, &back);
	assert_string_equal(back.name, "lobby");
	assert_string_equal(back.address, "2001:db8::7");
	assert_string_equal(back.credentials, "office");
	assert_string_equal(back.plugin, "snmp");
	assert_int_equal(back.port, 1161);
	assert_int_equal(back.interval_ms[2], 120000);
	assert_int_equal(back.interval_ms[0], 0);
	assert_true(back.enabled);
	assert_int_equal(d->addr.ss_family, AF_INET6);
	assert_string_equal(d->serial, "");
	/* an unchanged spec is no change; a changed one is one */
	changes = 0;
	gw_devices_listen(l, on_change, NULL);
	assert_int_equal(gw_devices_update(l, id, &back, "t", &reason), 0);
	assert_int_equal(changes, 0);
	back.interval_ms[2] = 0;
	assert_int_equal(gw_devices_update(l, id, &back, "t", &reason), 0);
	assert_int_equal(changes, 1);
	assert_int_equal(gw_devices_get(l, id)->spec.interval_ms[2], 0);
	gw_devices_close(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_validate_and_refuse_duplicates),
		cmocka_unit_test(test_identity_learned),
		cmocka_unit_test_setup_teardown(test_persisted_and_synced_with_config, setup, teardown),
		cmocka_unit_test(test_codec_rejects_garbage),
		cmocka_unit_test_setup_teardown(test_indexes_follow_every_change, setup, teardown),
		cmocka_unit_test(test_spec_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
