/*
 * Option tables: one per subsystem and per plugin. A table gives the
 * libconfuse options, their validation, their defaults and help text, the
 * typed struct they are copied into, and docs/configuration.md.
 */
#ifndef GW_OPTS_H
#define GW_OPTS_H

#include <confuse.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum gw_opt_type {
	GW_OPT_STRING,   /* char *, owned by the struct */
	GW_OPT_INT,      /* long, within [min, max] */
	GW_OPT_BOOL,     /* bool: true/false/yes/no/on/off */
	GW_OPT_DURATION, /* int64_t milliseconds: "250ms", "60s", "5m", "24h"; bare = seconds */
	GW_OPT_SIZE,     /* uint64_t bytes: "4096", "64K", "256M", "2G" */
	GW_OPT_ENUM,     /* int: index into choices */
	GW_OPT_SECRET,   /* char *: path of a file with mode 0600 holding a secret */
};

#define GW_OPTF_REQUIRED 0x1u

struct gw_opt {
	const char *name;
	enum gw_opt_type type;
	const char *def;              /* default as written in the file; NULL: unset */
	size_t offset;                /* where the value lands in the typed struct */
	const char *help;
	int64_t min, max;             /* bounds (ms for DURATION); both 0: none */
	const char *const *choices;   /* ENUM: NULL-terminated */
	/* Extra check; on failure returns false and sets *reason (static text). */
	bool (*check)(const char *value, const char **reason);
	unsigned flags;
};

#define GW_SECF_MULTI 0x1u /* repeated, each with a title: device "name" { } */

struct gw_section {
	const char *name;
	const char *help;
	const struct gw_opt *opts;    /* terminated by a row with name == NULL */
	size_t size;                  /* sizeof the typed struct */
	unsigned flags;
	const char *example;          /* one example, for the documentation */
};

/* Where a problem is reported: "FILE:LINE: key: reason". */
typedef void (*gw_opts_report_fn)(void *arg, const char *file, int line,
				  const char *key, const char *reason);

/* Build the libconfuse option array for a list of sections. */
cfg_opt_t *gw_opts_build(const struct gw_section *const *sections, size_t n);
void gw_opts_free_built(cfg_opt_t *opts);

/*
 * Parse a file. Each key is checked as it is read (so errors carry the
 * key's own line). Returns the cfg or NULL after reporting every problem.
 */
cfg_t *gw_opts_parse(const char *file, const struct gw_section *const *sections,
		     size_t n, cfg_opt_t *built, gw_opts_report_fn report, void *arg);

/*
 * Copy one section instance into a freshly allocated typed struct,
 * applying defaults. sec may be NULL (all defaults). Returns NULL after
 * reporting when a required key is missing.
 */
void *gw_opts_copy(const struct gw_section *s, cfg_t *sec, const char *file,
		   gw_opts_report_fn report, void *arg);
/* Free a struct made by gw_opts_copy (strings included). Accepts NULL. */
void gw_opts_free(const struct gw_section *s, void *obj);

/* Check one value against an option; reason set on failure. */
bool gw_opts_check_value(const struct gw_opt *o, const char *value, const char **reason);

/* Parse helpers, shared with the command line and the local API. */
bool gw_parse_duration_ms(const char *s, int64_t *out);
bool gw_parse_size(const char *s, uint64_t *out);
bool gw_parse_bool(const char *s, bool *out);

/* Markdown reference of the sections, for docs/configuration.md. */
void gw_opts_write_markdown(FILE *f, const struct gw_section *const *sections, size_t n);

#endif
