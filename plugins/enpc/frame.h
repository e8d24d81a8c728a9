/*
 * ENPC (Epson Net Printer Control, UDP 3289) frames: pure encode and decode
 * over caller buffers, no I/O, no allocation.
 *
 * The 14-byte header is published (UB-E02 Technical Reference Guide):
 *   0  "EPSON"
 *   5  packet type: 'Q' query, 'C' command, 'P' probe; a reply echoes it in
 *      lowercase
 *   6  device type (03), 7 device number (00)
 *   8  function (BE), 10 result (BE; 0 in a request), 12 data length (BE)
 *   14 data
 * What follows the header in a reply is only partly public. A reply is
 * parsed against the few layouts seen in public captures and code; any
 * other reply still says "an Epson device answered here" and sets
 * layout_unknown. The device's IP address is never read from a payload:
 * it is the datagram's source.
 */
#ifndef GW_ENPC_FRAME_H
#define GW_ENPC_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GW_ENPC_PORT 3289
#define GW_ENPC_HDR 14
#define GW_ENPC_MAX 1472        /* the largest datagram looked at */
#define GW_ENPC_MODEL_MAX 64
#define GW_ENPC_NAME_MAX 64

#define GW_ENPC_DEV_PRINTER 0x03
#define GW_ENPC_FN_BASIC 0x0000  /* acquires basic information */
#define GW_ENPC_FN_INFO1 0x0001  /* MAC and device name, as public code reads it */
#define GW_ENPC_FN_STATUS 0x0010

#define GW_ENPC_RES_OK 0x0000
#define GW_ENPC_RES_NO_DEVICE 0xFFFE
#define GW_ENPC_RES_UNSUPPORTED 0xFFFF

enum gw_enpc_err {
	GW_ENPC_OK = 0,
	GW_ENPC_ESHORT = -1,    /* fewer bytes than a header */
	GW_ENPC_EMAGIC = -2,    /* does not start with "EPSON" */
	GW_ENPC_ETRUNC = -3,    /* the declared length runs past the datagram */
	GW_ENPC_ETYPE = -4,     /* not a reply (the packet type is not lowercase) */
	GW_ENPC_ESPACE = -5,    /* encode: the output buffer is too small */
	GW_ENPC_EINVAL = -6,    /* encode: a field out of range */
};

struct gw_enpc_hdr {
	uint8_t type;           /* packet type letter */
	uint8_t dev_type;
	uint8_t dev_no;
	uint16_t func;
	uint16_t result;        /* bytes 10-11 */
	uint16_t len;           /* declared data length */
};

/* Reply layouts the parser knows. */
enum gw_enpc_layout {
	GW_ENPC_LAYOUT_NONE = 0,   /* no data to read: an error result, or unknown */
	GW_ENPC_LAYOUT_PROBE,      /* 'p', 54 data bytes: MAC at 54 */
	GW_ENPC_LAYOUT_BASIC,      /* 'q' 0000, 133 data bytes: model at 19 */
	GW_ENPC_LAYOUT_INFO1,      /* 'q' 0001, 170 data bytes: MAC at 14, name at 56 */
};

struct gw_enpc_reply {
	struct gw_enpc_hdr hdr;
	enum gw_enpc_layout layout;
	bool layout_unknown;       /* an Epson answer whose data this parser cannot read */
	bool has_mac;
	uint8_t mac[6];
	char model[GW_ENPC_MODEL_MAX];  /* "" when the layout gives none */
	char name[GW_ENPC_NAME_MAX];    /* device (host) name, "" when none */
	size_t trailing;           /* bytes after the declared data, ignored */
};

/*
 * Read the header of any frame. *data (may be NULL) points at the declared
 * data, which lies inside [buf, buf + len). Returns a gw_enpc_err.
 */
int gw_enpc_decode_hdr(const uint8_t *buf, size_t len, struct gw_enpc_hdr *h,
		       const uint8_t **data);

/*
 * Write a frame: header then n data bytes. h->len is ignored (n is
 * written). Returns the bytes written or a negative gw_enpc_err.
 */
int gw_enpc_encode(const struct gw_enpc_hdr *h, const void *data, size_t n,
		   uint8_t *out, size_t cap);

/*
 * The discovery probe: "EPSONP" and eight zero bytes (14 bytes), which
 * public discovery code sends; devices answer with a 'p' reply.
 */
int gw_enpc_build_probe(uint8_t *out, size_t cap);

/*
 * The basic-information query as Epson's own SDK sends it (16 bytes):
 * "EPSONQ", device 03 00, function 0000, bytes 10-11 = 10 00, length 0,
 * then two zero bytes. Devices answer with a 'q' reply carrying the model.
 */
int gw_enpc_build_basic_info(uint8_t *out, size_t cap);

/*
 * Parse a reply. Never reads outside [buf, buf + len). On GW_ENPC_OK the
 * frame is an ENPC reply; r says what its layout gave.
 */
int gw_enpc_parse_reply(const uint8_t *buf, size_t len, struct gw_enpc_reply *r);

/* "00:26:ab:01:02:03" (lowercase) into out (at least 18 bytes). */
void gw_enpc_format_mac(const uint8_t mac[6], char *out, size_t cap);

const char *gw_enpc_strerror(int err);

#endif
