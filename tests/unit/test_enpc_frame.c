/*
 * ENPC frames, pinned to the bytes published in captures and public code
 * (docs: the Epson protocol reference, ENPC sections 1.4 and 1.5): the
 * requests byte for byte, the replies as far as their layouts are known,
 * then every truncation and lying length.
 */
#include "frame.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

/* 1.4: requests seen on the wire */
static const uint8_t epos_query[16] = {0x45, 0x50, 0x53, 0x4F, 0x4E, 0x51, 0x03, 0x00,
				       0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00};
static const uint8_t epsonnet_probe[14] = {0x45, 0x50, 0x53, 0x4F, 0x4E, 0x50, 0x00,
					   0xFF, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
static const uint8_t sane_probe[15] = {'E', 'P', 'S', 'O', 'N', 'P', 0x00, 0xFF,
				       0, 0, 0, 0, 0, 0, 0};
static const uint8_t query_0001[14] = {0x45, 0x50, 0x53, 0x4F, 0x4E, 0x51, 0x03, 0x00,
				       0x00, 0x01, 0x00, 0x00, 0x00, 0x00};
static const uint8_t zero_probe[14] = {0x45, 0x50, 0x53, 0x4F, 0x4E, 0x50, 0, 0,
				       0, 0, 0, 0, 0, 0};

static const uint8_t a_mac[6] = {0x00, 0x26, 0xab, 0x01, 0x02, 0x03};

/* 1.5: the TM-T88V's 147-byte answer to the SDK query */
static size_t basic_reply(uint8_t *b)
{
	static const uint8_t head[19] = {'E', 'P', 'S', 'O', 'N', 'q', 0x03, 0x00, 0x00, 0x00,
					 0x00, 0x00, 0x00, 0x85, 0x00, 0x05, 0x20, 0x02, 0x64};

	memset(b, 0, 147);
	memcpy(b, head, sizeof(head));
	memcpy(b + 19, "TM-T88V", 7);
	return 147;
}

/* 1.5: the 68-byte answer to the all-zero probe, MAC at 54..59 */
static size_t probe_reply(uint8_t *b)
{
	memset(b, 0, 68);
	memcpy(b, "EPSONp", 6);
	b[13] = 54;
	memcpy(b + 54, a_mac, 6);
	return 68;
}

/* 1.5: the 184-byte answer to function 0001: MAC at 14, name at 56 */
static size_t info1_reply(uint8_t *b)
{
	memset(b, 0, 184);
	memcpy(b, "EPSONq", 6);
	b[6] = 0x03;
	b[9] = 0x01;
	b[13] = 170;
	memcpy(b + 14, a_mac, 6);
	memcpy(b + 56, "TM-T20-LOBBY", 12);
	return 184;
}

static void test_requests_match_the_captures(void **state)
{
	uint8_t out[32];
	struct gw_enpc_hdr h = {0};

	(void)state;
	assert_int_equal(gw_enpc_build_basic_info(out, sizeof(out)), 16);
	assert_memory_equal(out, epos_query, 16);
	assert_int_equal(gw_enpc_build_probe(out, sizeof(out)), 14);
	assert_memory_equal(out, zero_probe, 14);

	h = (struct gw_enpc_hdr){.type = 'P', .dev_no = 0xFF};
	assert_int_equal(gw_enpc_encode(&h, NULL, 0, out, sizeof(out)), 14);
	assert_memory_equal(out, epsonnet_probe, 14);
	h = (struct gw_enpc_hdr){.type = 'Q', .dev_type = 3, .func = GW_ENPC_FN_INFO1};
	assert_int_equal(gw_enpc_encode(&h, NULL, 0, out, sizeof(out)), 14);
	assert_memory_equal(out, query_0001, 14);
}

static void test_request_headers_decode(void **state)
{
	struct gw_enpc_hdr h;
	const uint8_t *data;

	(void)state;
	assert_int_equal(gw_enpc_decode_hdr(epos_query, 16, &h, &data), GW_ENPC_OK);
	assert_int_equal(h.type, 'Q');
	assert_int_equal(h.dev_type, 3);
	assert_int_equal(h.func, 0);
	assert_int_equal(h.result, 0x1000);    /* what the SDK puts in bytes 10-11 */
	assert_int_equal(h.len, 0);
	assert_ptr_equal(data, epos_query + 14);
	assert_int_equal(gw_enpc_decode_hdr(sane_probe, 15, &h, NULL), GW_ENPC_OK);
	assert_int_equal(h.type, 'P');
	assert_int_equal(h.dev_no, 0xFF);
	/* a request is not a reply */
	struct gw_enpc_reply r;
	assert_int_equal(gw_enpc_parse_reply(epos_query, 16, &r), GW_ENPC_ETYPE);
	assert_int_equal(gw_enpc_parse_reply(epsonnet_probe, 14, &r), GW_ENPC_ETYPE);
}

static void test_basic_info_reply(void **state)
{
	uint8_t b[200];
	size_t n = basic_reply(b);
	struct gw_enpc_reply r;

	(void)state;
	assert_int_equal(gw_enpc_parse_reply(b, n, &r), GW_ENPC_OK);
	assert_int_equal(r.hdr.type, 'q');
	assert_int_equal(r.hdr.len, 0x85);
	assert_int_equal(14 + r.hdr.len, 147);
	assert_int_equal(r.layout, GW_ENPC_LAYOUT_BASIC);
	assert_false(r.layout_unknown);
	assert_string_equal(r.model, "TM-T88V");
	assert_false(r.has_mac);              /* this layout is not known to carry one */
	assert_int_equal(r.trailing, 0);
}

static void test_probe_and_info1_replies(void **state)
{
	uint8_t b[200];
	struct gw_enpc_reply r;
	char mac[18];

	(void)state;
	assert_int_equal(gw_enpc_parse_reply(b, probe_reply(b), &r), GW_ENPC_OK);
	assert_int_equal(r.layout, GW_ENPC_LAYOUT_PROBE);
	assert_true(r.has_mac);
	gw_enpc_format_mac(r.mac, mac, sizeof(mac));
	assert_string_equal(mac, "00:26:ab:01:02:03");
	assert_string_equal(r.model, "");

	assert_int_equal(gw_enpc_parse_reply(b, info1_reply(b), &r), GW_ENPC_OK);
	assert_int_equal(r.layout, GW_ENPC_LAYOUT_INFO1);
	assert_true(r.has_mac);
	assert_memory_equal(r.mac, a_mac, 6);
	assert_string_equal(r.name, "TM-T20-LOBBY");
}

static void test_unknown_layouts_still_say_epson(void **state)
{
	uint8_t b[200];
	struct gw_enpc_reply r;

	(void)state;
	/* the SANE scanner path: a 76-byte 'p' reply, layout not published */
	memset(b, 0, 76);
	memcpy(b, "EPSONp", 6);
	b[13] = 62;
	assert_int_equal(gw_enpc_parse_reply(b, 76, &r), GW_ENPC_OK);
	assert_true(r.layout_unknown);
	assert_false(r.has_mac);
	/* "function not supported" and "no device requested" */
	memset(b, 0, 14);
	memcpy(b, "EPSONq", 6);
	b[6] = 3;
	b[10] = b[11] = 0xFF;
	assert_int_equal(gw_enpc_parse_reply(b, 14, &r), GW_ENPC_OK);
	assert_true(r.layout_unknown);
	assert_int_equal(r.hdr.result, GW_ENPC_RES_UNSUPPORTED);
	/* the basic-info length, but no text where the model should be */
	basic_reply(b);
	b[19] = 0x01;
	assert_int_equal(gw_enpc_parse_reply(b, 147, &r), GW_ENPC_OK);
	assert_true(r.layout_unknown);
	assert_string_equal(r.model, "");
	/* another length of the same function: another layout, not guessed at */
	basic_reply(b);
	b[13] = 0x84;
	assert_int_equal(gw_enpc_parse_reply(b, 147, &r), GW_ENPC_OK);
	assert_true(r.layout_unknown);
	assert_int_equal(r.trailing, 1);
}

static void test_macs_that_name_no_interface_are_dropped(void **state)
{
	uint8_t b[200];
	struct gw_enpc_reply r;

	(void)state;
	probe_reply(b);
	memset(b + 54, 0, 6);
	assert_int_equal(gw_enpc_parse_reply(b, 68, &r), GW_ENPC_OK);
	assert_false(r.has_mac);
	assert_false(r.layout_unknown);
	memset(b + 54, 0xFF, 6);
	assert_int_equal(gw_enpc_parse_reply(b, 68, &r), GW_ENPC_OK);
	assert_false(r.has_mac);
	b[54] = 0x01;  /* multicast bit */
	assert_int_equal(gw_enpc_parse_reply(b, 68, &r), GW_ENPC_OK);
	assert_false(r.has_mac);
}

static void check_truncations(const uint8_t *full, size_t n)
{
	struct gw_enpc_reply r;

	for (size_t len = 0; len < n; len++) {
		/* a copy of exactly len bytes, so that ASan sees any over-read */
		uint8_t *heap = test_malloc(len ? len : 1);
		int rc;

		memcpy(heap, full, len);
		rc = gw_enpc_parse_reply(heap, len, &r);
		assert_int_equal(rc, len < GW_ENPC_HDR ? GW_ENPC_ESHORT : GW_ENPC_ETRUNC);
		test_free(heap);
	}
}

static void test_truncations_are_refused(void **state)
{
	uint8_t b[200];

	(void)state;
	check_truncations(b, basic_reply(b));
	check_truncations(b, probe_reply(b));
	check_truncations(b, info1_reply(b));
}

static void test_lying_lengths(void **state)
{
	uint8_t b[200];
	struct gw_enpc_reply r;

	(void)state;
	basic_reply(b);
	b[12] = 0xFF;
	b[13] = 0xFF;
	assert_int_equal(gw_enpc_parse_reply(b, 147, &r), GW_ENPC_ETRUNC);
	b[12] = 0x00;
	b[13] = 0x86;   /* one byte more than there is */
	assert_int_equal(gw_enpc_parse_reply(b, 147, &r), GW_ENPC_ETRUNC);
	/* a short declared length: the rest is trailing, the layout unknown */
	b[13] = 0x00;
	assert_int_equal(gw_enpc_parse_reply(b, 147, &r), GW_ENPC_OK);
	assert_int_equal(r.trailing, 133);
	assert_true(r.layout_unknown);
	assert_string_equal(r.model, "");
	/* not EPSON */
	b[0] = 'X';
	assert_int_equal(gw_enpc_parse_reply(b, 147, &r), GW_ENPC_EMAGIC);
}

static void test_long_model_is_not_taken(void **state)
{
	uint8_t b[200];
	struct gw_enpc_reply r;

	(void)state;
	basic_reply(b);
	memset(b + 19, 'A', 147 - 19);    /* no NUL, longer than any model field */
	assert_int_equal(gw_enpc_parse_reply(b, 147, &r), GW_ENPC_OK);
	assert_true(r.layout_unknown);
	assert_string_equal(r.model, "");
	basic_reply(b);
	memcpy(b + 19, "SC-P900   ", 10);   /* trailing blanks are padding */
	assert_int_equal(gw_enpc_parse_reply(b, 147, &r), GW_ENPC_OK);
	assert_string_equal(r.model, "SC-P900");
}

static void test_encode_bounds(void **state)
{
	uint8_t out[20], data[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	struct gw_enpc_hdr h = {.type = 'Q', .dev_type = 3, .func = 0x0010}, back;
	const uint8_t *p;

	(void)state;
	assert_int_equal(gw_enpc_encode(&h, data, 8, out, 21), GW_ENPC_ESPACE);
	assert_int_equal(gw_enpc_encode(&h, data, 6, out, sizeof(out)), 20);
	assert_int_equal(gw_enpc_decode_hdr(out, 20, &back, &p), GW_ENPC_OK);
	assert_int_equal(back.func, 0x0010);
	assert_int_equal(back.len, 6);
	assert_memory_equal(p, data, 6);
	assert_int_equal(gw_enpc_encode(&h, NULL, 3, out, sizeof(out)), GW_ENPC_EINVAL);
	assert_int_equal(gw_enpc_build_basic_info(out, 15), GW_ENPC_ESPACE);
	assert_int_equal(gw_enpc_build_probe(out, 13), GW_ENPC_ESPACE);
	assert_string_equal(gw_enpc_strerror(GW_ENPC_ETRUNC),
			    "declared length runs past the datagram");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_requests_match_the_captures),
		cmocka_unit_test(test_request_headers_decode),
		cmocka_unit_test(test_basic_info_reply),
		cmocka_unit_test(test_probe_and_info1_replies),
		cmocka_unit_test(test_unknown_layouts_still_say_epson),
		cmocka_unit_test(test_macs_that_name_no_interface_are_dropped),
		cmocka_unit_test(test_truncations_are_refused),
		cmocka_unit_test(test_lying_lengths),
		cmocka_unit_test(test_long_model_is_not_taken),
		cmocka_unit_test(test_encode_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
