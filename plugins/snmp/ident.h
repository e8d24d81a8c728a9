/*
 * What discovery reads from an answer to identify a printer: the IEEE 1284
 * device id ("MFG:EPSON;CMD:ESCPR;MDL:WF-C5790 Series;SN:X1234;") and the
 * MAC in ifPhysAddress. Pure functions over buffers: nothing is read
 * outside them, and what they write out is printable ASCII only, because
 * candidates keep nothing else.
 */
#ifndef GW_SNMP_IDENT_H
#define GW_SNMP_IDENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct gw_1284_id {
	/* "" when the id does not say; printable ASCII, trimmed, possibly cut */
	char mfg[32];
	char mdl[96];
	char cmd[128];
	char cls[32];
	char sn[64];
	unsigned n_fields;          /* KEY:VALUE pairs seen, known or not */
	bool length_prefix;         /* a two-byte length came first */
	bool length_mismatch;       /* and it did not match the bytes there were */
	bool replaced;              /* bytes that are not printable ASCII became '?' */
};

/*
 * Parse an IEEE 1284 device id. Keys in any order and case, with their long
 * aliases (MANUFACTURER, MODEL, COMMAND SET, CLASS, SERIALNUMBER/SERN); the
 * first of a repeated key wins. A leading two-byte length is skipped and
 * never trusted: the bytes there are decide. Parsing stops at a NUL.
 * 0 when at least one KEY:VALUE pair was read, else -ENOENT.
 */
int gw_1284_parse(const uint8_t *p, size_t n, struct gw_1284_id *out);

/* True when the id's command set names a printer language. */
bool gw_1284_is_printer(const struct gw_1284_id *id);

/*
 * Device text (a serial number) as printable ASCII: cut at the first NUL,
 * blanks around it dropped, other characters '?'. False when nothing with
 * a letter or digit is left.
 */
bool gw_ident_text(const uint8_t *p, size_t n, char *out, size_t cap);

/*
 * ifPhysAddress as "aa:bb:cc:dd:ee:ff": six octets, or the same written as
 * text ("0:15:99:7d:b1:6a", '-' or ':' between one or two hex digits).
 * False for anything else, all zeros and multicast addresses.
 */
bool gw_ident_mac(const uint8_t *p, size_t n, char out[18]);

#endif
