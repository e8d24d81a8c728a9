/*
 * Epson "@BDC ST2" status replies and the other EPSON-CTRL answers the
 * gateway reads (vi, cd, di). Pure parsers over buffers: unknown fields are
 * skipped, a field whose length runs past the end stops the walk, and
 * nothing is ever read outside the buffer.
 *
 * Field 0x19 (the current job's name) is recognised only to be skipped:
 * its contents are never copied anywhere.
 */
#ifndef GW_SNMP_ST2_H
#define GW_SNMP_ST2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GW_ST2_MAX_INKS 24
#define GW_ST2_MAX_WARN 32
#define GW_ST2_MAX_BOXES 4

struct gw_st2_ink {
	uint8_t cartridge, color, level;   /* level: percent, or 'n', 'i', 'w', 'r', 'g' */
};

struct gw_st2 {
	bool has_status, has_error, has_paper_count, has_serial, has_job_name;
	uint8_t status;                     /* field 01 */
	uint8_t error;                      /* field 02 */
	unsigned n_warnings;
	uint8_t warnings[GW_ST2_MAX_WARN];  /* field 04 */
	unsigned n_inks;
	struct gw_st2_ink inks[GW_ST2_MAX_INKS];  /* field 0F */
	unsigned n_tanks;
	uint8_t tanks[GW_ST2_MAX_BOXES];    /* field 0D: maintenance tank level */
	unsigned n_boxes;
	uint8_t box_status[GW_ST2_MAX_BOXES]; /* field 37: 0 not full, 1 near full, 2 full */
	unsigned n_paper;
	int64_t paper[5];                   /* field 36: normal, page, colour, mono, blank */
	char serial[33];                    /* field 40, else 1F */
	unsigned n_fields, n_unknown;
	bool truncated;                     /* a field ran past the end */
};

/*
 * Parse a reply. 0; -ENOENT when the bytes are not an ST2 reply (another
 * format, as some models answer that OID with); -EBADMSG when the header is
 * there but broken.
 */
int gw_st2_parse(const uint8_t *p, size_t n, struct gw_st2 *out);

/* Names for the codes of fields 01 and 02, or NULL when unknown. */
const char *gw_st2_status_name(uint8_t status);
const char *gw_st2_error_name(uint8_t error);
/* Colour name for an ink record's colour id, or NULL. */
const char *gw_st2_color_name(uint8_t color);

/* "vi:00:XXXX;" → XXXX into out (printable ASCII only). 0 or -ENOENT. */
int gw_epson_parse_vi(const uint8_t *p, size_t n, char *out, size_t cap);
/*
 * A field of an IEEE-1284 device id ("MFG:EPSON;MDL:XP-440;…"), keys
 * matched without case ("MANUFACTURER"/"MFG", "MODEL"/"MDL" are aliases).
 * 0 or -ENOENT.
 */
int gw_ieee1284_field(const uint8_t *p, size_t n, const char *key, char *out, size_t cap);

#endif
