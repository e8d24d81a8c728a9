/* The poll's varbind set: order, duplicates, lookups, subtrees, caps. */
#include "vbset.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

static void add_int(struct gw_vbset *vs, const char *oid, int v)
{
	struct gw_oid o;
	uint8_t b = (uint8_t)v;
	struct gw_snmp_vb vb = {.type = GW_BER_INT, .val = &b, .val_len = 1};

	assert_int_equal(gw_oid_parse(oid, &o), 0);
	assert_int_equal(gw_vbset_add(vs, &o, &vb), 0);
}

static void test_sort_lookup_subtree(void **state)
{
	struct gw_vbset vs;
	size_t from, to;
	int64_t v;

	(void)state;
	gw_vbset_init(&vs);
	add_int(&vs, "1.3.6.1.2.1.43.11.1.1.9.1.2", 2);
	add_int(&vs, "1.3.6.1.2.1.43.11.1.1.9.1.1", 1);
	add_int(&vs, "1.3.6.1.2.1.1.1.0", 5);
	add_int(&vs, "1.3.6.1.2.1.43.11.1.1.9.1.1", 9); /* a duplicate: the first stays */
	add_int(&vs, "1.3.6.1.2.1.43.11.1.1.10.1.1", 3);
	assert_false(vs.sorted);
	gw_vbset_sort(&vs);
	assert_int_equal(vs.n, 4);
	assert_true(gw_vb_num(gw_vbset_get(&vs, GW_ARCS(1, 3, 6, 1, 2, 1, 43, 11, 1, 1, 9),
					   GW_ARCS(1, 1)), &v));
	assert_true(v == 1);
	assert_null(gw_vbset_get(&vs, GW_ARCS(1, 3, 6, 1, 2, 1, 43, 11, 1, 1, 9), GW_ARCS(1)));
	gw_vbset_subtree(&vs, GW_ARCS(1, 3, 6, 1, 2, 1, 43, 11, 1, 1, 9), &from, &to);
	assert_int_equal(to - from, 2);
	gw_vbset_subtree(&vs, GW_ARCS(1, 3, 6, 1, 2, 1, 43, 11, 1, 1, 1), &from, &to);
	assert_int_equal(to - from, 0);
	gw_vbset_subtree(&vs, GW_ARCS(1, 3, 6, 1, 2, 1, 43), &from, &to);
	assert_int_equal(to - from, 3);
	gw_vbset_release(&vs);
}

static void test_strings_exceptions_cap(void **state)
{
	struct gw_vbset vs;
	struct gw_oid o;
	struct gw_snmp_vb s = {.type = GW_BER_OCTETS, .val = (const uint8_t *)"abc", .val_len = 3};
	struct gw_snmp_vb exc = {.type = GW_BER_NOSUCHINSTANCE};
	const struct gw_vb *v;

	(void)state;
	gw_vbset_init(&vs);
	gw_oid_parse("1.3.6.1.2.1.1.5.0", &o);
	assert_int_equal(gw_vbset_add(&vs, &o, &s), 0);
	gw_oid_parse("1.3.6.1.2.1.1.6.0", &o);
	assert_int_equal(gw_vbset_add(&vs, &o, &exc), 0);
	assert_int_equal(vs.n, 1);
	v = gw_vbset_get(&vs, GW_ARCS(1, 3, 6, 1, 2, 1, 1, 5, 0), NULL, 0);
	assert_true(gw_vb_is_str(v));
	assert_int_equal(v->len, 3);
	assert_memory_equal(v->val, "abc", 4); /* NUL-terminated copy */
	vs.max_bytes = vs.bytes + 10;
	assert_int_equal(gw_vbset_add(&vs, &o, &s), -ENOSPC);
	assert_true(vs.full);
	gw_vbset_release(&vs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sort_lookup_subtree),
		cmocka_unit_test(test_strings_exceptions_cap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
