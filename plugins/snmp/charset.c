#include "charset.h"
#include "core/utf8.h"

#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TEXT 4096

static const struct {
	int mibenum;
	const char *name;
} charsets[] = {
	{3, "ASCII"}, {4, "ISO-8859-1"}, {5, "ISO-8859-2"}, {6, "ISO-8859-3"},
	{7, "ISO-8859-4"}, {8, "ISO-8859-5"}, {9, "ISO-8859-6"}, {10, "ISO-8859-7"},
	{11, "ISO-8859-8"}, {12, "ISO-8859-9"}, {13, "ISO-8859-10"}, {17, "SHIFT_JIS"},
	{18, "EUC-JP"}, {38, "EUC-KR"}, {39, "ISO-2022-JP"}, {106, "UTF-8"},
	{109, "ISO-8859-13"}, {111, "ISO-8859-15"}, {113, "GBK"}, {114, "GB18030"},
	{2004, "HP-ROMAN8"}, {2025, "GB2312"}, {2026, "BIG5"}, {2250, "CP1250"},
	{2251, "CP1251"}, {2252, "CP1252"}, {2253, "CP1253"}, {2254, "CP1254"},
	{2255, "CP1255"}, {2256, "CP1256"}, {2257, "CP1257"}, {2258, "CP1258"},
	{2024, "CP932"},
};

#define N_CHARSETS (sizeof(charsets) / sizeof(charsets[0]))

/* One converter per character set, opened on first use (one loop thread). */
static iconv_t conv[N_CHARSETS];
static bool conv_open[N_CHARSETS];

const char *gw_charset_name(int mibenum)
{
	for (size_t i = 0; i < N_CHARSETS; i++)
		if (charsets[i].mibenum == mibenum)
			return charsets[i].name;
	return NULL;
}

int gw_charset_to_utf8(int mibenum, const uint8_t *src, size_t n, char *dst, size_t cap)
{
	size_t i;
	char *in = (char *)src, *out = dst;
	size_t inleft = n, outleft;

	for (i = 0; i < N_CHARSETS && charsets[i].mibenum != mibenum; i++)
		;
	if (i == N_CHARSETS || cap == 0)
		return -1;
	if (!conv_open[i]) {
		conv[i] = iconv_open("UTF-8", charsets[i].name);
		if (conv[i] == (iconv_t)-1)
			return -1;
		conv_open[i] = true;
	}
	iconv(conv[i], NULL, NULL, NULL, NULL);
	outleft = cap - 1;
	if (iconv(conv[i], &in, &inleft, &out, &outleft) == (size_t)-1)
		return -1;
	if (iconv(conv[i], NULL, NULL, &out, &outleft) == (size_t)-1)
		return -1;
	*out = 0;
	/* the converter's output must itself be clean before it reaches a record */
	if (!gw_utf8_valid(dst, (size_t)(out - dst)))
		return -1;
	return (int)(out - dst);
}

void gw_charset_cleanup(void)
{
	for (size_t i = 0; i < N_CHARSETS; i++) {
		if (conv_open[i])
			iconv_close(conv[i]);
		conv_open[i] = false;
	}
}

static bool all_ascii(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] & 0x80)
			return false;
	return true;
}

const char *gw_snmp_text(struct gw_devdata *d, const uint8_t *p, size_t n, int mibenum)
{
	char buf[MAX_TEXT * 4 + 1];
	int k;

	if (!p)
		return NULL;
	if (n > MAX_TEXT)
		n = MAX_TEXT;
	/* a C string inside a fixed buffer: what follows the first NUL is filler */
	for (size_t i = 0; i < n; i++) {
		if (p[i] == 0) {
			n = i;
			break;
		}
	}
	/* fixed-width fields come padded with NULs or blanks */
	while (n > 0 && (p[n - 1] == 0 || p[n - 1] == ' '))
		n--;
	while (n > 0 && (p[0] == ' '))
		p++, n--;
	if (n == 0)
		return NULL;
	if (!all_ascii(p, n) && mibenum && mibenum != 106 && mibenum != 3 &&
	    (k = gw_charset_to_utf8(mibenum, p, n, buf, sizeof(buf))) > 0)
		return gw_dd_strn(d, buf, (size_t)k);
	/* UTF-8 stays as it is; anything else is escaped as \xNN by gw_dd_strn */
	return gw_dd_strn(d, p, n);
}
