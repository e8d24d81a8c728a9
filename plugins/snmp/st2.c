#include "st2.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <strings.h>

#define HEADER_SEARCH 16  /* the header sits after at most a few prefix bytes */

static const uint8_t *find(const uint8_t *p, size_t n, const char *needle, size_t limit)
{
	size_t k = strlen(needle);

	for (size_t i = 0; i + k <= n && i <= limit; i++)
		if (memcmp(p + i, needle, k) == 0)
			return p + i;
	return NULL;
}

static void copy_ascii(char *dst, size_t cap, const uint8_t *p, size_t n)
{
	size_t k = 0;

	/* serial numbers are printable ASCII; anything else ends them */
	for (size_t i = 0; i < n && k + 1 < cap; i++) {
		if (p[i] == 0)
			break;
		if (p[i] < 0x20 || p[i] > 0x7e)
			break;
		dst[k++] = (char)p[i];
	}
	while (k > 0 && dst[k - 1] == ' ')
		k--;
	dst[k] = 0;
}

static void field(struct gw_st2 *st, uint8_t id, const uint8_t *d, size_t len)
{
	switch (id) {
	case 0x01:
		if (len >= 1) {
			st->has_status = true;
			st->status = d[0];
		}
		break;
	case 0x02:
		if (len >= 1) {
			st->has_error = true;
			st->error = d[0];
		}
		break;
	case 0x04:
		for (size_t i = 0; i < len && st->n_warnings < GW_ST2_MAX_WARN; i++)
			st->warnings[st->n_warnings++] = d[i];
		break;
	case 0x0d:
		for (size_t i = 0; i < len && st->n_tanks < GW_ST2_MAX_BOXES; i++)
			st->tanks[st->n_tanks++] = d[i];
		break;
	case 0x0f: {
		/* byte 0: record size (normally 3), then records [cartridge, colour, level] */
		size_t rs = len ? d[0] : 0;

		if (rs < 3)
			break;
		for (size_t off = 1; off + rs <= len && st->n_inks < GW_ST2_MAX_INKS; off += rs) {
			struct gw_st2_ink *k = &st->inks[st->n_inks++];

			k->cartridge = d[off];
			k->color = d[off + 1];
			k->level = d[off + 2];
		}
		break;
	}
	case 0x19:
		/* the current job's name: a document name, never copied */
		st->has_job_name = true;
		break;
	case 0x1f:
		if (!st->has_serial && len) {
			copy_ascii(st->serial, sizeof(st->serial), d, len);
			st->has_serial = st->serial[0] != 0;
		}
		break;
	case 0x36:
		st->n_paper = 0;
		for (size_t off = 0; off + 4 <= len && st->n_paper < 5; off += 4)
			st->paper[st->n_paper++] = (int64_t)((uint32_t)d[off] |
							     (uint32_t)d[off + 1] << 8 |
							     (uint32_t)d[off + 2] << 16 |
							     (uint32_t)d[off + 3] << 24);
		st->has_paper_count = st->n_paper > 0;
		break;
	case 0x37: {
		/* byte 0: bytes per box (1 or 2); the first byte of each is its status */
		size_t bs = len ? d[0] : 0;

		if (bs < 1 || bs > 2)
			break;
		st->n_boxes = 0;
		for (size_t off = 1; off + bs <= len && st->n_boxes < GW_ST2_MAX_BOXES; off += bs)
			st->box_status[st->n_boxes++] = d[off];
		break;
	}
	case 0x40:
		if (len) {
			/* the preferred serial source: replaces field 1F */
			copy_ascii(st->serial, sizeof(st->serial), d, len);
			st->has_serial = st->serial[0] != 0;
		}
		break;
	case 0x03: case 0x06: case 0x07: case 0x0c: case 0x0e: case 0x10: case 0x13:
	case 0x14: case 0x18: case 0x1c: case 0x21: case 0x22: case 0x35: case 0x3b:
	case 0x3d: case 0x3f: case 0x45: case 0x46:
		/* known, not needed by the device object */
		break;
	default:
		st->n_unknown++;
		break;
	}
}

int gw_st2_parse(const uint8_t *p, size_t n, struct gw_st2 *st)
{
	const uint8_t *h, *end;
	size_t total;

	memset(st, 0, sizeof(*st));
	if (!p || !(h = find(p, n, "ST2\r\n", HEADER_SEARCH)))
		return -ENOENT;
	h += 5;
	if ((size_t)(p + n - h) < 2)
		return -EBADMSG;
	total = (size_t)h[0] | (size_t)h[1] << 8;
	h += 2;
	end = p + n;
	if ((size_t)(end - h) < total)
		st->truncated = true; /* a lying total: walk what is there */
	else
		end = h + total;
	while (end - h >= 2) {
		uint8_t id = h[0];
		size_t len = h[1];

		if ((size_t)(end - h - 2) < len) {
			st->truncated = true;
			break;
		}
		field(st, id, h + 2, len);
		st->n_fields++;
		h += 2 + len;
	}
	if (h < end)
		st->truncated = true;
	return 0;
}

const char *gw_st2_status_name(uint8_t s)
{
	switch (s) {
	case 0x00: return "error";
	case 0x01: return "self_printing";
	case 0x02: return "busy";
	case 0x03: return "waiting";
	case 0x04: return "idle";
	case 0x05: return "paused";
	case 0x07: return "cleaning";
	case 0x08: return "factory_shipment";
	case 0x0a: return "shutdown";
	case 0x0d: return "busy";
	case 0x0f: return "nozzle_check";
	case 0x11: return "charging";
	default: return NULL;
	}
}

const char *gw_st2_error_name(uint8_t e)
{
	switch (e) {
	case 0x00: return "Fatal error";
	case 0x01: return "Other interface selected";
	case 0x02: return "Cover open";
	case 0x04: return "Paper jam";
	case 0x05: return "Ink out";
	case 0x06: return "Paper out";
	case 0x09: return "CD-R guide open";
	case 0x0a: case 0x0c: case 0x17: return "Paper size, type or path mismatch";
	case 0x10: return "Service required: waste ink counter overflow";
	case 0x11: return "Waiting for return from tear-off";
	case 0x12: return "Double feed";
	case 0x1a: return "Ink cartridge cover open";
	case 0x1c: return "Cutter fatal error";
	case 0x1d: return "Cutter jam";
	case 0x22: return "Maintenance cartridge missing";
	case 0x25: return "Rear cover open";
	case 0x29: return "CD-R tray out";
	case 0x2a: return "Memory card loading error";
	case 0x2b: return "Tray cover open";
	case 0x2c: return "Ink cartridge overflow";
	case 0x2f: return "Battery voltage error";
	case 0x30: return "Battery temperature error";
	case 0x31: return "Battery empty";
	case 0x32: return "Shut-off";
	case 0x33: return "Initial ink fill impossible";
	case 0x34: return "Print pack end";
	case 0x36: return "Maintenance cartridge cover open";
	case 0x37: return "Scanner or front cover open";
	case 0x41: return "Maintenance request";
	case 0x47: return "Printing disabled";
	case 0x4a: return "Maintenance box near end";
	case 0x4b: return "Driver mismatch";
	case 0x4c: case 0x57: return "Paper out";
	case 0x55: return "Media error";
	case 0x56: return "Interrupted by ink end";
	default: return NULL;
	}
}

const char *gw_st2_color_name(uint8_t c)
{
	static const char *const names[] = {
		"black", "cyan", "magenta", "yellow", "light_cyan", "light_magenta",
		"light_yellow", "dark_yellow", "light_black", "red", "violet", "clear",
		"light_light_black", "orange", "green", "white",
	};

	if (c < sizeof(names) / sizeof(names[0]))
		return names[c];
	return c == 0x40 ? "composite" : NULL;
}

int gw_epson_parse_vi(const uint8_t *p, size_t n, char *out, size_t cap)
{
	const uint8_t *v = find(p, n, "vi:", n), *q;
	size_t k = 0;

	if (!v || cap == 0)
		return -ENOENT;
	q = v + 3;
	/* "vi:00:VERSION;" — skip the two-digit variant and its colon */
	if (p + n - q >= 3 && isxdigit(q[0]) && isxdigit(q[1]) && q[2] == ':')
		q += 3;
	while (q < p + n && *q != ';' && *q >= 0x20 && *q <= 0x7e && k + 1 < cap)
		out[k++] = (char)*q++;
	out[k] = 0;
	if (k == 0 || strcmp(out, "NA") == 0 || strcmp(out, "BUSY") == 0)
		return -ENOENT;
	return 0;
}

static bool key_is(const uint8_t *k, size_t kn, const char *key)
{
	static const char *const alias[][2] = {
		{"MFG", "MANUFACTURER"}, {"MDL", "MODEL"}, {"CMD", "COMMAND SET"},
		{"CLS", "CLASS"}, {"DES", "DESCRIPTION"},
	};

	while (kn && k[0] == ' ') {
		k++;
		kn--;
	}
	if (strlen(key) == kn && strncasecmp((const char *)k, key, kn) == 0)
		return true;
	for (size_t i = 0; i < sizeof(alias) / sizeof(alias[0]); i++) {
		if (strcasecmp(key, alias[i][0]) != 0 && strcasecmp(key, alias[i][1]) != 0)
			continue;
		for (int j = 0; j < 2; j++)
			if (strlen(alias[i][j]) == kn &&
			    strncasecmp((const char *)k, alias[i][j], kn) == 0)
				return true;
	}
	return false;
}

int gw_ieee1284_field(const uint8_t *p, size_t n, const char *key, char *out, size_t cap)
{
	size_t i = 0;

	if (!cap)
		return -ENOENT;
	/* a two-byte big-endian length may precede the text */
	if (n >= 2 && p[0] < 0x20 && p[1] != 0 && !(p[0] == 0 && p[1] == 0))
		i = 2;
	while (i < n) {
		size_t ks = i, ke, vs, ve;

		while (i < n && p[i] != ':' && p[i] != ';')
			i++;
		if (i >= n || p[i] != ':') {
			i++;
			continue;
		}
		ke = i++;
		vs = i;
		while (i < n && p[i] != ';' && p[i] != 0)
			i++;
		ve = i++;
		if (key_is(p + ks, ke - ks, key)) {
			size_t k = 0;

			for (size_t j = vs; j < ve && k + 1 < cap; j++)
				if (p[j] >= 0x20 && p[j] != 0x7f)
					out[k++] = (char)p[j];
			out[k] = 0;
			return k ? 0 : -ENOENT;
		}
	}
	return -ENOENT;
}
