#include "frame.h"

#include <stdio.h>
#include <string.h>

/*
 * Known reply layouts. Each is pinned to what public captures or code
 * show, with its exact data length: another length is another layout,
 * which we do not guess at.
 */
#define PROBE_DATA 54       /* 68-byte 'p' reply */
#define PROBE_MAC 54
#define BASIC_DATA 133      /* 147-byte 'q' 0000 reply */
#define BASIC_MODEL 19
#define INFO1_DATA 170      /* 184-byte 'q' 0001 reply */
#define INFO1_MAC 14
#define INFO1_NAME 56

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

int gw_enpc_decode_hdr(const uint8_t *buf, size_t len, struct gw_enpc_hdr *h,
		       const uint8_t **data)
{
	if (len < GW_ENPC_HDR)
		return GW_ENPC_ESHORT;
	if (memcmp(buf, "EPSON", 5) != 0)
		return GW_ENPC_EMAGIC;
	h->type = buf[5];
	h->dev_type = buf[6];
	h->dev_no = buf[7];
	h->func = be16(buf + 8);
	h->result = be16(buf + 10);
	h->len = be16(buf + 12);
	if ((size_t)h->len > len - GW_ENPC_HDR)
		return GW_ENPC_ETRUNC;
	if (data)
		*data = buf + GW_ENPC_HDR;
	return GW_ENPC_OK;
}

int gw_enpc_encode(const struct gw_enpc_hdr *h, const void *data, size_t n,
		   uint8_t *out, size_t cap)
{
	if (n > 0xFFFF || (n && !data))
		return GW_ENPC_EINVAL;
	if (cap < GW_ENPC_HDR + n || GW_ENPC_HDR + n > GW_ENPC_MAX)
		return GW_ENPC_ESPACE;
	memcpy(out, "EPSON", 5);
	out[5] = h->type;
	out[6] = h->dev_type;
	out[7] = h->dev_no;
	put_be16(out + 8, h->func);
	put_be16(out + 10, h->result);
	put_be16(out + 12, (uint16_t)n);
	if (n)
		memcpy(out + GW_ENPC_HDR, data, n);
	return (int)(GW_ENPC_HDR + n);
}

int gw_enpc_build_probe(uint8_t *out, size_t cap)
{
	const struct gw_enpc_hdr h = {.type = 'P'};

	return gw_enpc_encode(&h, NULL, 0, out, cap);
}

int gw_enpc_build_basic_info(uint8_t *out, size_t cap)
{
	/* bytes 10-11 are "00 00" by the guide; the SDK sends 10 00 and is answered */
	const struct gw_enpc_hdr h = {.type = 'Q', .dev_type = GW_ENPC_DEV_PRINTER,
				      .func = GW_ENPC_FN_BASIC, .result = 0x1000};
	int n;

	if (cap < GW_ENPC_HDR + 2)
		return GW_ENPC_ESPACE;
	n = gw_enpc_encode(&h, NULL, 0, out, cap);
	if (n < 0)
		return n;
	out[n++] = 0;
	out[n++] = 0;
	return n;
}

/*
 * Printable ASCII from p up to the first NUL or end (at most max bytes),
 * trailing blanks dropped. False when a byte is not printable or nothing
 * is left: then this is not the text field we expect.
 */
static bool take_text(const uint8_t *p, size_t avail, char *out, size_t cap)
{
	size_t n = 0;

	out[0] = '\0';
	while (n < avail && p[n] != 0) {
		if (p[n] < 0x20 || p[n] > 0x7e || n + 1 >= cap)
			return false;
		n++;
	}
	while (n > 0 && p[n - 1] == ' ')
		n--;
	if (n == 0)
		return false;
	memcpy(out, p, n);
	out[n] = '\0';
	return true;
}

/* A MAC that names one interface: not zero, not broadcast, not multicast. */
static bool mac_ok(const uint8_t *m)
{
	static const uint8_t zero[6];

	return memcmp(m, zero, 6) != 0 && !(m[0] & 0x01);
}

static void take_mac(struct gw_enpc_reply *r, const uint8_t *p)
{
	if (mac_ok(p)) {
		memcpy(r->mac, p, 6);
		r->has_mac = true;
	}
}

int gw_enpc_parse_reply(const uint8_t *buf, size_t len, struct gw_enpc_reply *r)
{
	int rc;

	memset(r, 0, sizeof(*r));
	if (len > GW_ENPC_MAX)
		len = GW_ENPC_MAX;
	rc = gw_enpc_decode_hdr(buf, len, &r->hdr, NULL);
	if (rc < 0)
		return rc;
	if (r->hdr.type < 'a' || r->hdr.type > 'z')
		return GW_ENPC_ETYPE;
	r->trailing = len - GW_ENPC_HDR - r->hdr.len;
	r->layout_unknown = true;
	if (r->hdr.result != GW_ENPC_RES_OK)
		return GW_ENPC_OK;

	/* absolute offsets below are those of the published observations */
	if (r->hdr.type == 'p' && r->hdr.len == PROBE_DATA) {
		take_mac(r, buf + PROBE_MAC);
		r->layout = GW_ENPC_LAYOUT_PROBE;
	} else if (r->hdr.type == 'q' && r->hdr.dev_type == GW_ENPC_DEV_PRINTER &&
		   r->hdr.func == GW_ENPC_FN_BASIC && r->hdr.len == BASIC_DATA) {
		if (!take_text(buf + BASIC_MODEL, GW_ENPC_HDR + BASIC_DATA - BASIC_MODEL,
			       r->model, sizeof(r->model)))
			return GW_ENPC_OK;   /* no model where one should be: not this layout */
		r->layout = GW_ENPC_LAYOUT_BASIC;
	} else if (r->hdr.type == 'q' && r->hdr.dev_type == GW_ENPC_DEV_PRINTER &&
		   r->hdr.func == GW_ENPC_FN_INFO1 && r->hdr.len == INFO1_DATA) {
		take_mac(r, buf + INFO1_MAC);
		if (!take_text(buf + INFO1_NAME, GW_ENPC_HDR + INFO1_DATA - INFO1_NAME,
			       r->name, sizeof(r->name)))
			r->name[0] = '\0';
		r->layout = GW_ENPC_LAYOUT_INFO1;
	} else {
		return GW_ENPC_OK;
	}
	r->layout_unknown = false;
	return GW_ENPC_OK;
}

void gw_enpc_format_mac(const uint8_t mac[6], char *out, size_t cap)
{
	snprintf(out, cap, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3],
		 mac[4], mac[5]);
}

const char *gw_enpc_strerror(int err)
{
	switch (err) {
	case GW_ENPC_OK: return "ok";
	case GW_ENPC_ESHORT: return "shorter than a header";
	case GW_ENPC_EMAGIC: return "not an ENPC frame";
	case GW_ENPC_ETRUNC: return "declared length runs past the datagram";
	case GW_ENPC_ETYPE: return "not a reply";
	case GW_ENPC_ESPACE: return "no room";
	case GW_ENPC_EINVAL: return "invalid field";
	}
	return "unknown error";
}
