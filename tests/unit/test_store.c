/* The store: identity, lock, writer thread, sequence numbers across reopen. */
#include "store/buffer.h"
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

static struct gw_store *open_store(struct event_base *base, int expect)
{
	struct gw_store_opts o = {.dir = test_dir, .max_bytes = 8 << 20, .sync_interval_ms = 200};
	struct gw_store *s = NULL;
	const char *reason = NULL;

	assert_int_equal(gw_store_open(base, &o, &s, &reason), expect);
	return s;
}

static void test_identity_survives_reopen(void **state)
{
	struct event_base *base = event_base_new();
	struct gw_store *s = open_store(base, 0);
	char id[17];

	(void)state;
	assert_int_equal(strlen(gw_store_id(s)), 16);
	assert_int_equal(strspn(gw_store_id(s), "0123456789abcdef"), 16);
	strcpy(id, gw_store_id(s));
	gw_store_close(s);
	s = open_store(base, 0);
	assert_string_equal(gw_store_id(s), id);
	gw_store_close(s);
	event_base_free(base);
}

static void test_second_open_is_refused(void **state)
{
	struct event_base *base = event_base_new();
	struct gw_store *s = open_store(base, 0);

	(void)state;
	/* flock locks belong to the open file: a second open in-process is refused too */
	assert_null(open_store(base, -EBUSY));
	gw_store_close(s);
	s = open_store(base, 0);
	gw_store_close(s);
	event_base_free(base);
}

static int acked;

static void on_ack(int status, void *arg)
{
	(void)arg;
	assert_int_equal(status, 0);
	acked++;
}

static void append_n(struct gw_store *s, int n)
{
	const uint8_t body[] = {0x80}; /* {} */
	struct gw_record r = {.kind = GW_REC_SNAPSHOT, .body = body, .body_len = 1};

	for (int i = 0; i < n; i++)
		assert_int_equal(gw_buffer_append(s, &r, on_ack, NULL), 0);
}

static void test_seq_strictly_increasing_across_reopen(void **state)
{
	struct event_base *base = event_base_new();
	struct gw_store *s = open_store(base, 0);
	struct gw_buffer_stats st;
	struct gw_store_stats ss;

	(void)state;
	acked = 0;
	append_n(s, 100);
	gw_store_flush(s);
	assert_int_equal(acked, 100);
	gw_buffer_get_stats(s, &st);
	assert_int_equal(st.records, 100);
	assert_int_equal(st.next_seq, 101);
	gw_store_get_stats(s, &ss);
	assert_true(ss.commits >= 1 && ss.commits <= 100); /* grouped */
	gw_store_close(s);

	s = open_store(base, 0);
	append_n(s, 5);
	gw_store_flush(s);
	gw_buffer_get_stats(s, &st);
	assert_int_equal(st.records, 105);
	assert_int_equal(st.next_seq, 106);
	gw_store_close(s);
	event_base_free(base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_identity_survives_reopen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_second_open_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_seq_strictly_increasing_across_reopen, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
