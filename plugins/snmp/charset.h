/*
 * Text from devices into the record. Printers send Shift-JIS, Latin-1 or
 * UTF-8, padded with NULs or blanks. A string is converted from the
 * character set the printer's localization declares (IANA MIBenum, from
 * prtLocalizationCharacterSet); without a declaration, bytes that are not
 * UTF-8 are escaped, so the record always holds valid UTF-8.
 */
#ifndef GW_SNMP_CHARSET_H
#define GW_SNMP_CHARSET_H

#include "core/devdata.h"

#include <stddef.h>
#include <stdint.h>

/* iconv name of an IANA MIBenum, or NULL when unknown. */
const char *gw_charset_name(int mibenum);

/*
 * Convert into dst (cap bytes, NUL-terminated) as UTF-8. Returns the length,
 * or -1 when the declared character set cannot convert the bytes (the
 * caller then escapes them).
 */
int gw_charset_to_utf8(int mibenum, const uint8_t *src, size_t n, char *dst, size_t cap);

/*
 * A device string as a field value, in the devdata's arena: trailing NULs
 * and blanks dropped, converted per mibenum (0: undeclared), else escaped.
 * NULL for an empty string.
 */
const char *gw_snmp_text(struct gw_devdata *d, const uint8_t *p, size_t n, int mibenum);

/* Release cached converters (tests, shutdown). */
void gw_charset_cleanup(void);

#endif
