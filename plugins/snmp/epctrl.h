/*
 * EPSON-CTRL replies besides ST2 and vi (st2.h): cd (device data), ia (the
 * cartridge type list) and ii (one cartridge's record), as the shared Epson
 * reference describes them (§2.3). Pure parsers over buffers.
 *
 * The reference gives little of these layouts, so only what it states is
 * interpreted; everything else is kept as text, or not at all (the choices
 * are written down in docs/device-data.md, section Epson):
 *  cd  the serial number: 10 bytes at data offset 31 for formats 08h and
 *      10h, at 46 for 11h and later. "Data" is taken to start right after
 *      "cd:" with the format byte first; a serial is accepted only when it
 *      reads as one (6-10 capital letters or digits, then padding).
 *  ia  "IA:<status>;<a>,<b>,…;": the list in slot order, each item as text
 *      and, when it is one or two hex digits, as a code.
 *  ii  "II:<head>;<item>;<item>;…": the record exists or not (NA); its items
 *      are kept verbatim: their keys are not in the reference.
 */
#ifndef GW_SNMP_EPCTRL_H
#define GW_SNMP_EPCTRL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GW_EPSON_MAX_SLOTS 16
#define GW_EPSON_II_TEXT 120

struct gw_epson_cd {
	uint8_t format;              /* the first data byte */
	size_t data_len;
	bool layout_known;           /* a format the reference places the serial for */
	char serial[11];             /* "" when not there or not readable */
};

struct gw_epson_ia {
	char status[4];              /* what precedes the list ("00"); meaning not published */
	unsigned n_slots;
	char type[GW_EPSON_MAX_SLOTS][8];   /* each slot's cartridge type, as written */
	bool has_code[GW_EPSON_MAX_SLOTS];
	uint8_t code[GW_EPSON_MAX_SLOTS];   /* the type as a byte, when it is 1-2 hex digits */
	bool truncated;              /* more slots than kept */
};

struct gw_epson_ii {
	char head[4];                /* the first item ("03"); meaning not published */
	unsigned n_items;
	char text[GW_EPSON_II_TEXT]; /* the items after it, ';'-separated, printable ASCII */
	bool truncated;
};

/*
 * Each returns 0 for a reply with data; -ENODATA for "NA" (not available,
 * an empty slot), -EBUSY for "BUSY", -ENOTSUP for "xx:;" (the model does not
 * know the command), -ENOENT when the bytes are not a reply to it.
 */
int gw_epson_parse_cd(const uint8_t *p, size_t n, struct gw_epson_cd *out);
int gw_epson_parse_ia(const uint8_t *p, size_t n, struct gw_epson_ia *out);
int gw_epson_parse_ii(const uint8_t *p, size_t n, struct gw_epson_ii *out);

#endif
