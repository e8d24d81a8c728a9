#include "ident.h"
#include "core/utf8.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

enum { K_MFG, K_MDL, K_CMD, K_CLS, K_SN, K_OTHER };

static const struct {
	const char *name;
	int key;
} keys[] = {
	{"MFG", K_MFG}, {"MANUFACTURER", K_MFG},
	{"MDL", K_MDL}, {"MODEL", K_MDL},
	{"CMD", K_CMD}, {"COMMAND SET", K_CMD}, {"COMMANDSET", K_CMD},
	{"CLS", K_CLS}, {"CLASS", K_CLS},
	{"SN", K_SN}, {"SERN", K_SN}, {"SERIALNUMBER", K_SN}, {"SERIAL NUMBER", K_SN},
};

static bool blank(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* The key of a KEY:VALUE pair; -1 when it is empty. */
static int key_of(const uint8_t *k, size_t n)
{
	while (n && blank(k[0])) {
		k++;
		n--;
	}
	while (n && blank(k[n - 1]))
		n--;
	if (!n)
		return -1;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strlen(keys[i].name) == n && strncasecmp((const char *)k, keys[i].name, n) == 0)
			return keys[i].key;
	return K_OTHER;
}

/* The key of the pair that starts at p[i]. */
static int first_key(const uint8_t *p, size_t i, size_t n)
{
	size_t s = i;

	while (i < n && p[i] != ':' && p[i] != ';' && p[i] != 0)
		i++;
	return i < n && p[i] == ':' ? key_of(p + s, i - s) : -1;
}

/*
 * A value into a field: printable ASCII kept, every other character (a
 * valid UTF-8 sequence, or a byte that is not one) becomes one '?'. Blanks
 * around it go; a value without a letter or digit is no value.
 */
static void put_value(char *dst, size_t cap, const uint8_t *v, size_t n, bool *replaced)
{
	size_t k = 0, i = 0;
	bool alnum = false;

	while (n && blank(v[0])) {
		v++;
		n--;
	}
	while (n && blank(v[n - 1]))
		n--;
	while (i < n && k + 1 < cap) {
		size_t len = 1;

		if (v[i] >= 0x20 && v[i] <= 0x7e) {
			alnum |= isalnum(v[i]) != 0;
			dst[k++] = (char)v[i];
		} else {
			if (v[i] >= 0x80 && (len = gw_utf8_seq_len(v + i, n - i)) == 0)
				len = 1;
			dst[k++] = '?';
			*replaced = true;
		}
		i += len;
	}
	while (k && dst[k - 1] == ' ')
		k--;
	dst[alnum ? k : 0] = '\0';
}

int gw_1284_parse(const uint8_t *p, size_t n, struct gw_1284_id *out)
{
	bool seen[K_OTHER] = {false};
	size_t i = 0, end, claim = 0;

	memset(out, 0, sizeof(*out));
	if (!p)
		return -ENOENT;
	/*
	 * The id's own framing puts a big-endian length (itself included) first.
	 * Agents send it, leave it out or get it wrong: it only says where the
	 * text starts, never how long it is. The text starts with key letters; a
	 * first byte below 0x20 is the high byte of a length (no id reaches
	 * 8 KB), unless it is one stray byte before a key we know.
	 */
	if (n >= 2 && p[0] < 0x20 && !blank(p[0])) {
		out->length_prefix = true;
		claim = (size_t)p[0] << 8 | p[1];
		i = 2;
		if (first_key(p, 2, n) == K_OTHER && first_key(p, 1, n) >= 0 &&
		    first_key(p, 1, n) != K_OTHER) {
			out->length_prefix = false;
			i = 1;
		}
	}
	end = i;
	while (end < n && p[end] != 0)
		end++;
	if (out->length_prefix)
		out->length_mismatch = claim != end && claim != end - 2 && claim != n;
	while (i < end) {
		size_t ks = i, colon = 0, vs, ve;
		int k;

		while (i < end && p[i] != ';') {
			if (!colon && p[i] == ':')
				colon = i;
			i++;
		}
		ve = i++;
		if (!colon || (k = key_of(p + ks, colon - ks)) < 0)
			continue;
		vs = colon + 1;
		out->n_fields++;
		if (k == K_OTHER || seen[k])
			continue;
		seen[k] = true;
		switch (k) {
		case K_MFG: put_value(out->mfg, sizeof(out->mfg), p + vs, ve - vs, &out->replaced); break;
		case K_MDL: put_value(out->mdl, sizeof(out->mdl), p + vs, ve - vs, &out->replaced); break;
		case K_CMD: put_value(out->cmd, sizeof(out->cmd), p + vs, ve - vs, &out->replaced); break;
		case K_CLS: put_value(out->cls, sizeof(out->cls), p + vs, ve - vs, &out->replaced); break;
		case K_SN: put_value(out->sn, sizeof(out->sn), p + vs, ve - vs, &out->replaced); break;
		}
	}
	return out->n_fields ? 0 : -ENOENT;
}

bool gw_1284_is_printer(const struct gw_1284_id *id)
{
	/* page description and raster languages a printer accepts */
	static const char *const langs[] = {
		"ESCPR", "ESCPAGE", "ESCPL2", "ESC/P", "PCL", "POSTSCRIPT", "PDF", "PWGRASTER",
		"URF", "ZPL", "EPL", "IPL", "PJL", "GDI",
	};
	char cmd[sizeof(id->cmd) + 2];

	if (id->cls[0])
		return strcasecmp(id->cls, "PRINTER") == 0;
	/* match whole items of the comma-separated list, or an item's start */
	snprintf(cmd, sizeof(cmd), ",%s", id->cmd);
	for (size_t i = 0; i < sizeof(langs) / sizeof(langs[0]); i++) {
		const char *s = cmd;

		while ((s = strcasestr(s, langs[i]))) {
			if (s[-1] == ',' || s[-1] == ' ')
				return true;
			s++;
		}
	}
	return false;
}

bool gw_ident_text(const uint8_t *p, size_t n, char *out, size_t cap)
{
	bool replaced = false;
	const uint8_t *nul = p ? memchr(p, 0, n) : NULL;

	if (!cap)
		return false;
	out[0] = '\0';
	if (!p)
		return false;
	if (nul)
		n = (size_t)(nul - p);
	put_value(out, cap, p, n, &replaced);
	return out[0] != '\0';
}

bool gw_ident_mac(const uint8_t *p, size_t n, char out[18])
{
	static const uint8_t zero[6];
	uint8_t m[6];
	unsigned k = 0, digits = 0, v = 0;

	if (!p)
		return false;
	if (n == 6) {
		memcpy(m, p, 6);
	} else if (n >= 11 && n <= 17) {
		for (size_t i = 0; i <= n; i++) {
			int c = i < n ? p[i] : ':';

			if (isxdigit(c) && digits < 2) {
				v = v * 16 + (unsigned)(isdigit(c) ? c - '0' : (c | 0x20) - 'a' + 10);
				digits++;
			} else if ((c == ':' || c == '-') && digits && k < 6) {
				m[k++] = (uint8_t)v;
				v = digits = 0;
			} else {
				return false;
			}
		}
		if (k != 6)
			return false;
	} else {
		return false;
	}
	if (memcmp(m, zero, 6) == 0 || (m[0] & 1))
		return false;
	snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
	return true;
}
