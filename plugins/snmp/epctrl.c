#include "epctrl.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>

#define HEADER_SEARCH 16  /* a leading byte and "@BDC PS\r\n" come before the reply */

/*
 * The body of a reply to the command c1c2: what follows "c1c2:" (either
 * case), without a final FF. The command letters are looked for near the
 * start only, never inside data.
 */
static int body_of(const uint8_t *p, size_t n, char c1, char c2, const uint8_t **body,
		   size_t *len)
{
	const uint8_t *b = NULL;
	size_t k;

	for (size_t i = 0; i + 3 <= n && i <= HEADER_SEARCH && !b; i++)
		if (tolower(p[i]) == c1 && tolower(p[i + 1]) == c2 && p[i + 2] == ':' &&
		    (i == 0 || !isalpha(p[i - 1])))
			b = p + i + 3;
	if (!b)
		return -ENOENT;
	k = (size_t)(p + n - b);
	if (k && b[k - 1] == 0x0c)
		k--;
	*body = b;
	*len = k;
	if (k == 0 || b[0] == ';')
		return -ENOTSUP;
	if (k >= 2 && b[0] == 'N' && b[1] == 'A' && (k == 2 || b[2] == ';'))
		return -ENODATA;
	if (k >= 4 && memcmp(b, "BUSY", 4) == 0 && (k == 4 || b[4] == ';'))
		return -EBUSY;
	return 0;
}

/* Printable ASCII of [p, p + n) into out, blanks around it dropped. */
static void text(char *out, size_t cap, const uint8_t *p, size_t n, bool *cut)
{
	size_t k = 0;

	while (n && p[0] == ' ') {
		p++;
		n--;
	}
	while (n && p[n - 1] == ' ')
		n--;
	for (size_t i = 0; i < n; i++) {
		if (k + 1 >= cap) {
			if (cut)
				*cut = true;
			break;
		}
		out[k++] = p[i] >= 0x20 && p[i] <= 0x7e ? (char)p[i] : '?';
	}
	out[k] = '\0';
}

static int hexval(uint8_t c)
{
	return isdigit(c) ? c - '0' : isxdigit(c) ? (c | 0x20) - 'a' + 10 : -1;
}

/* ---- cd ---- */

/* 10 bytes that read as a serial: capitals and digits, then only padding. */
static bool serial_at(const uint8_t *d, size_t n, size_t off, char out[11])
{
	size_t k = 0;

	if (off + 10 > n)
		return false;
	while (k < 10 && (isupper(d[off + k]) || isdigit(d[off + k])))
		k++;
	for (size_t i = k; i < 10; i++)
		if (d[off + i] != 0 && d[off + i] != ' ')
			return false;
	if (k < 6)
		return false;
	memcpy(out, d + off, k);
	out[k] = '\0';
	return true;
}

int gw_epson_parse_cd(const uint8_t *p, size_t n, struct gw_epson_cd *out)
{
	const uint8_t *d;
	size_t len;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!p || (rc = body_of(p, n, 'c', 'd', &d, &len)) < 0)
		return p ? rc : -ENOENT;
	out->format = d[0];
	out->data_len = len;
	if (d[0] == 0x08 || d[0] == 0x10) {
		out->layout_known = true;
		serial_at(d, len, 31, out->serial);
	} else if (d[0] >= 0x11) {
		out->layout_known = true;
		serial_at(d, len, 46, out->serial);
	}
	return 0;
}

/* ---- ia ---- */

int gw_epson_parse_ia(const uint8_t *p, size_t n, struct gw_epson_ia *out)
{
	const uint8_t *b, *end, *semi;
	size_t len;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!p || (rc = body_of(p, n, 'i', 'a', &b, &len)) < 0)
		return p ? rc : -ENOENT;
	end = b + len;
	semi = memchr(b, ';', len);
	if (!semi)
		return -ENOENT;           /* "IA:00" and nothing after it: not the layout */
	text(out->status, sizeof(out->status), b, (size_t)(semi - b), NULL);
	b = semi + 1;
	semi = memchr(b, ';', (size_t)(end - b));
	if (semi)
		end = semi;
	while (b < end) {
		const uint8_t *comma = memchr(b, ',', (size_t)(end - b));
		const uint8_t *e = comma ? comma : end;
		unsigned s = out->n_slots;
		int h1, h2;

		if (s == GW_EPSON_MAX_SLOTS) {
			out->truncated = true;
			break;
		}
		/* the position is the slot: an empty item still takes one */
		text(out->type[s], sizeof(out->type[s]), b, (size_t)(e - b), NULL);
		h1 = hexval((uint8_t)out->type[s][0]);
		h2 = out->type[s][0] ? hexval((uint8_t)out->type[s][1]) : -1;
		if (h1 >= 0 && out->type[s][1] == '\0') {
			out->has_code[s] = true;
			out->code[s] = (uint8_t)h1;
		} else if (h1 >= 0 && h2 >= 0 && out->type[s][2] == '\0') {
			out->has_code[s] = true;
			out->code[s] = (uint8_t)(h1 << 4 | h2);
		}
		out->n_slots++;
		b = comma ? comma + 1 : end;
	}
	return 0;
}

/* ---- ii ---- */

int gw_epson_parse_ii(const uint8_t *p, size_t n, struct gw_epson_ii *out)
{
	const uint8_t *b, *end, *semi;
	size_t len, k = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!p || (rc = body_of(p, n, 'i', 'i', &b, &len)) < 0)
		return p ? rc : -ENOENT;
	end = b + len;
	semi = memchr(b, ';', len);
	text(out->head, sizeof(out->head), b, (size_t)((semi ? semi : end) - b), NULL);
	b = semi ? semi + 1 : end;
	while (b < end) {
		const uint8_t *e = memchr(b, ';', (size_t)(end - b));
		char item[GW_EPSON_II_TEXT];

		if (!e)
			e = end;
		text(item, sizeof(item), b, (size_t)(e - b), &out->truncated);
		b = e < end ? e + 1 : end;
		if (!item[0])
			continue;
		out->n_items++;
		if (k + (k ? 1 : 0) + strlen(item) >= sizeof(out->text)) {
			out->truncated = true;
			break;
		}
		if (k)
			out->text[k++] = ';';
		memcpy(out->text + k, item, strlen(item) + 1);
		k += strlen(item);
	}
	return 0;
}
