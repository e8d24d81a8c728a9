#include "opts.h"
#include "secret.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* libconfuse callbacks carry no user pointer: the parse in progress. */
static struct parse_ctx {
	const struct gw_section *const *sections;
	size_t n;
	gw_opts_report_fn report;
	void *arg;
	int errors;
	const char *file;
} *cur;

static const char *type_names[] = {
	[GW_OPT_STRING] = "string", [GW_OPT_INT] = "integer",
	[GW_OPT_BOOL] = "boolean",  [GW_OPT_DURATION] = "duration",
	[GW_OPT_SIZE] = "size",     [GW_OPT_ENUM] = "choice",
	[GW_OPT_SECRET] = "secret file",
};

bool gw_parse_bool(const char *s, bool *out)
{
	static const char *yes[] = {"true", "yes", "on", "1"};
	static const char *no[] = {"false", "no", "off", "0"};

	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(s, yes[i]) == 0)
			return *out = true, true;
		if (strcasecmp(s, no[i]) == 0)
			return *out = false, true;
	}
	return false;
}

static bool parse_number(const char *s, uint64_t *n, const char **unit)
{
	char *end;

	if (!isdigit((unsigned char)*s))
		return false;
	errno = 0;
	*n = strtoull(s, &end, 10);
	if (errno)
		return false;
	*unit = end;
	return true;
}

bool gw_parse_duration_ms(const char *s, int64_t *out)
{
	static const struct { const char *u; uint64_t ms; } units[] = {
		{"", 1000}, {"ms", 1}, {"s", 1000}, {"m", 60000},
		{"h", 3600000}, {"d", 86400000},
	};
	uint64_t n;
	const char *unit;

	if (!parse_number(s, &n, &unit))
		return false;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(unit, units[i].u) == 0) {
			if (n > (uint64_t)INT64_MAX / units[i].ms)
				return false;
			*out = (int64_t)(n * units[i].ms);
			return true;
		}
	}
	return false;
}

bool gw_parse_size(const char *s, uint64_t *out)
{
	static const struct { const char *u; uint64_t mul; } units[] = {
		{"", 1}, {"K", 1ull << 10}, {"M", 1ull << 20}, {"G", 1ull << 30},
		{"KiB", 1ull << 10}, {"MiB", 1ull << 20}, {"GiB", 1ull << 30},
	};
	uint64_t n;
	const char *unit;

	if (!parse_number(s, &n, &unit))
		return false;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(unit, units[i].u) == 0) {
			if (n > UINT64_MAX / units[i].mul)
				return false;
			*out = n * units[i].mul;
			return true;
		}
	}
	return false;
}

static int choice_index(const struct gw_opt *o, const char *v)
{
	for (int i = 0; o->choices && o->choices[i]; i++)
		if (strcmp(o->choices[i], v) == 0)
			return i;
	return -1;
}

static bool in_bounds(const struct gw_opt *o, int64_t v)
{
	return (o->min == 0 && o->max == 0) || (v >= o->min && v <= o->max);
}

bool gw_opts_check_value(const struct gw_opt *o, const char *v, const char **reason)
{
	const char *bad = NULL;
	bool numeric = true, b;
	int64_t n = 0;
	uint64_t sz;
	char *end;

	switch (o->type) {
	case GW_OPT_STRING:
		numeric = false;
		break;
	case GW_OPT_SECRET:
		numeric = false;
		if (!gw_secret_check_file(v, reason))
			return false;
		break;
	case GW_OPT_INT:
		errno = 0;
		n = strtol(v, &end, 10);
		if (errno || end == v || *end)
			bad = "not a whole number";
		break;
	case GW_OPT_BOOL:
		numeric = false;
		if (!gw_parse_bool(v, &b))
			bad = "not a boolean (true or false)";
		break;
	case GW_OPT_DURATION:
		if (!gw_parse_duration_ms(v, &n))
			bad = "not a duration (such as 500ms, 60s, 5m, 24h)";
		break;
	case GW_OPT_SIZE:
		if (!gw_parse_size(v, &sz))
			bad = "not a size (such as 4096, 64K, 256M, 2G)";
		else
			n = sz > INT64_MAX ? INT64_MAX : (int64_t)sz;
		break;
	case GW_OPT_ENUM:
		numeric = false;
		if (choice_index(o, v) < 0)
			bad = "not one of the allowed values";
		break;
	}
	if (!bad && numeric && !in_bounds(o, n))
		bad = "out of range";
	if (bad) {
		*reason = bad;
		return false;
	}
	if (o->check && !o->check(v, reason))
		return false;
	return true;
}

static const struct gw_section *find_section(const char *name)
{
	for (size_t i = 0; i < cur->n; i++)
		if (strcmp(cur->sections[i]->name, name) == 0)
			return cur->sections[i];
	return NULL;
}

static const struct gw_opt *find_opt(const struct gw_section *s, const char *name)
{
	for (const struct gw_opt *o = s->opts; o->name; o++)
		if (strcmp(o->name, name) == 0)
			return o;
	return NULL;
}

static void report(const char *file, int line, const char *key, const char *reason)
{
	/* sections do not carry the file name; the parse does */
	if (!file)
		file = cur->file;
	cur->errors++;
	cur->report(cur->arg, file, line, key, reason);
}

/* Called by libconfuse right after a key is read: cfg->line is its line. */
static int validate_cb(cfg_t *cfg, cfg_opt_t *opt)
{
	const struct gw_section *s = cur ? find_section(cfg->name) : NULL;
	const struct gw_opt *o = s ? find_opt(s, opt->name) : NULL;
	const char *reason = NULL;
	const char *v;

	if (!o || opt->nvalues == 0)
		return 0;
	v = cfg_opt_getnstr(opt, opt->nvalues - 1);
	if (v && !gw_opts_check_value(o, v, &reason)) {
		report(cfg->filename, cfg->line, o->name, reason);
		return -1;
	}
	return 0;
}

/*
 * libconfuse's own messages (syntax, unknown keys). They quote option
 * names, never values, except for "unexpected" tokens, which we do not
 * repeat so that a secret pasted in the wrong place is not echoed.
 */
__attribute__((format(printf, 2, 0)))
static void error_cb(cfg_t *cfg, const char *fmt, va_list ap)
{
	char msg[256], key[128];
	const char *p;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (!cur)
		return;
	if ((p = strstr(msg, "no such option '")) != NULL &&
	    sscanf(p, "no such option '%127[^']'", key) == 1) {
		/*
		 * Name a misplaced key; anything else is not repeated, because a
		 * stray token may be a secret pasted in the wrong place.
		 */
		for (size_t i = 0; i < cur->n; i++)
			if (find_opt(cur->sections[i], key) ||
			    strcmp(cur->sections[i]->name, key) == 0) {
				report(cfg->filename, cfg->line, key, "not valid here");
				return;
			}
		report(cfg->filename, cfg->line, cfg->name ? cfg->name : "?",
		       "unknown key (not repeated here, in case it is a secret)");
		return;
	}
	if (strstr(msg, "unexpected") || strstr(msg, "syntax")) {
		report(cfg->filename, cfg->line, cfg->name ? cfg->name : "?", "syntax error");
		return;
	}
	report(cfg->filename, cfg->line, cfg->name ? cfg->name : "?", msg);
}

cfg_opt_t *gw_opts_build(const struct gw_section *const *sections, size_t n)
{
	cfg_opt_t *top = calloc(n + 1, sizeof(*top));

	if (!top)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		const struct gw_section *s = sections[i];
		size_t k = 0;
		cfg_opt_t *sub;

		while (s->opts[k].name)
			k++;
		sub = calloc(k + 1, sizeof(*sub));
		if (!sub)
			goto err_free_top;
		for (size_t j = 0; j < k; j++)
			sub[j] = (cfg_opt_t)CFG_STR(s->opts[j].name, NULL, CFGF_NONE);
		sub[k] = (cfg_opt_t)CFG_END();
		top[i] = (cfg_opt_t)CFG_SEC(s->name, sub,
			(s->flags & GW_SECF_MULTI) ? CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES
						   : CFGF_NONE);
	}
	top[n] = (cfg_opt_t)CFG_END();
	return top;

err_free_top:
	gw_opts_free_built(top);
	return NULL;
}

void gw_opts_free_built(cfg_opt_t *opts)
{
	if (!opts)
		return;
	for (cfg_opt_t *o = opts; o->name; o++)
		free(o->subopts);
	free(opts);
}

/*
 * libconfuse 3.3 accepts a file that ends inside a section, silently taking
 * a truncated file. Find the line of a section left open: braces outside
 * strings and comments, nothing more.
 */
static int unclosed_section_line(const char *file)
{
	int stack[32], depth = 0, line = 1, ch, quote = 0, prev = 0;
	FILE *f = fopen(file, "r");

	if (!f)
		return 0;
	while ((ch = fgetc(f)) != EOF) {
		if (ch == '\n')
			line++;
		if (quote) {
			if (ch == '\\')
				fgetc(f);
			else if (ch == quote)
				quote = 0;
		} else if (ch == '"' || ch == '\'') {
			quote = ch;
		} else if (ch == '#' || (ch == '/' && prev == '/')) {
			while ((ch = fgetc(f)) != EOF && ch != '\n')
				;
			line++;
		} else if (ch == '*' && prev == '/') {
			for (prev = 0; (ch = fgetc(f)) != EOF && !(ch == '/' && prev == '*'); prev = ch)
				line += ch == '\n';
			ch = 0;
		} else if (ch == '{') {
			if (depth < 32)
				stack[depth] = line;
			depth++;
		} else if (ch == '}' && depth > 0) {
			depth--;
		}
		prev = ch;
	}
	fclose(f);
	return depth > 0 ? stack[depth > 32 ? 31 : depth - 1] : 0;
}

cfg_t *gw_opts_parse(const char *file, const struct gw_section *const *sections,
		     size_t n, cfg_opt_t *built, gw_opts_report_fn rep, void *arg)
{
	struct parse_ctx ctx = {sections, n, rep, arg, 0, file};
	char path[256];
	cfg_t *cfg;
	int rc, line;

	cfg = cfg_init(built, CFGF_NONE);
	if (!cfg)
		return NULL;
	cur = &ctx;
	cfg_set_error_function(cfg, error_cb);
	for (size_t i = 0; i < n; i++)
		for (const struct gw_opt *o = sections[i]->opts; o->name; o++) {
			snprintf(path, sizeof(path), "%s|%s", sections[i]->name, o->name);
			cfg_set_validate_func(cfg, path, validate_cb);
		}
	rc = cfg_parse(cfg, file);
	if (rc == CFG_SUCCESS && (line = unclosed_section_line(file)) > 0) {
		report(file, line, "section", "not closed: '}' missing before the end of the file");
		rc = CFG_PARSE_ERROR;
	}
	if (rc == CFG_FILE_ERROR)
		report(file, 0, "file", strerror(errno ? errno : ENOENT));
	else if (rc != CFG_SUCCESS && ctx.errors == 0)
		report(file, 0, "file", "cannot be parsed");
	cur = NULL;
	if (rc != CFG_SUCCESS) {
		cfg_free(cfg);
		return NULL;
	}
	return cfg;
}

static int set_field(const struct gw_opt *o, void *obj, const char *v)
{
	char *field = (char *)obj + o->offset;
	bool b = false;
	char *copy;

	switch (o->type) {
	case GW_OPT_STRING:
	case GW_OPT_SECRET:
		copy = strdup(v);
		if (!copy)
			return -1;
		free(*(char **)field);
		*(char **)field = copy;
		break;
	case GW_OPT_INT:
		*(long *)field = strtol(v, NULL, 10);
		break;
	case GW_OPT_BOOL:
		gw_parse_bool(v, &b);
		*(bool *)field = b;
		break;
	case GW_OPT_DURATION:
		gw_parse_duration_ms(v, (int64_t *)field);
		break;
	case GW_OPT_SIZE:
		gw_parse_size(v, (uint64_t *)field);
		break;
	case GW_OPT_ENUM:
		*(int *)field = choice_index(o, v);
		break;
	}
	return 0;
}

/*
 * libconfuse gives a section the line where it ends; people look for the
 * line where it starts. Find the header: `name {` or `name "title" {`.
 */
static int section_start_line(const char *file, cfg_t *sec)
{
	const char *title = cfg_title(sec);
	char text[1024], want[160];
	int line = 0, found = sec->line;
	FILE *f;

	if (!file || !(f = fopen(file, "r")))
		return found;
	if (title)
		snprintf(want, sizeof(want), "\"%s\"", title);
	while (fgets(text, sizeof(text), f)) {
		const char *p = text + strspn(text, " \t");
		size_t n = strlen(sec->name);

		line++;
		if (line > sec->line)
			break;
		if (strncmp(p, sec->name, n) == 0 && (p[n] == ' ' || p[n] == '\t' || p[n] == '{') &&
		    (!title || strstr(p + n, want)))
			found = line;
	}
	fclose(f);
	return found;
}

void *gw_opts_copy(const struct gw_section *s, cfg_t *sec, const char *file,
		   gw_opts_report_fn rep, void *arg)
{
	void *obj = calloc(1, s->size);
	int line = sec ? section_start_line(file, sec) : 0;
	const char *reason;

	if (!obj)
		return NULL;
	if (sec)
		sec->line = line; /* later checks of the section report this line too */
	for (const struct gw_opt *o = s->opts; o->name; o++) {
		const char *v = sec ? cfg_getstr(sec, o->name) : NULL;

		if (!v && (o->flags & GW_OPTF_REQUIRED)) {
			rep(arg, file, line, o->name, "required but not set");
			goto err_free_obj;
		}
		if (!v)
			v = o->def;
		if (!v)
			continue;
		/* Defaults are checked too; values from the file were checked on read. */
		if (!sec && !gw_opts_check_value(o, v, &reason)) {
			rep(arg, file, line, o->name, reason);
			goto err_free_obj;
		}
		if (set_field(o, obj, v) < 0)
			goto err_free_obj;
	}
	return obj;

err_free_obj:
	gw_opts_free(s, obj);
	return NULL;
}

void gw_opts_free(const struct gw_section *s, void *obj)
{
	if (!obj)
		return;
	for (const struct gw_opt *o = s->opts; o->name; o++)
		if (o->type == GW_OPT_STRING || o->type == GW_OPT_SECRET)
			free(*(char **)((char *)obj + o->offset));
	free(obj);
}

static void md_escape(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '|')
			fputs("\\|", f);
		else
			fputc(*s, f);
	}
}

void gw_opts_write_markdown(FILE *f, const struct gw_section *const *sections, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct gw_section *s = sections[i];

		fprintf(f, "## `%s`%s\n\n%s\n\n", s->name,
			(s->flags & GW_SECF_MULTI) ? " \"title\" (repeated)" : "", s->help);
		if (s->example)
			fprintf(f, "```\n%s\n```\n\n", s->example);
		fputs("| key | type | default | meaning |\n|---|---|---|---|\n", f);
		for (const struct gw_opt *o = s->opts; o->name; o++) {
			fprintf(f, "| `%s` | %s | %s%s%s | ", o->name, type_names[o->type],
				o->def ? "`" : "", o->def ? o->def : ((o->flags & GW_OPTF_REQUIRED)
					? "required" : "unset"), o->def ? "`" : "");
			md_escape(f, o->help);
			if (o->type == GW_OPT_ENUM) {
				fputs(" One of:", f);
				for (int c = 0; o->choices[c]; c++)
					fprintf(f, "%s `%s`", c ? "," : "", o->choices[c]);
				fputc('.', f);
			}
			if ((o->min || o->max) && o->type == GW_OPT_INT)
				fprintf(f, " Range %" PRId64 " to %" PRId64 ".", o->min, o->max);
			fputs(" |\n", f);
		}
		fputc('\n', f);
	}
}
