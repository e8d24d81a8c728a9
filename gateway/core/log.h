/* Scoped, throttled logging: every line names its subsystem. */
#ifndef GW_LOG_H
#define GW_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum gw_log_level {
	GW_LOG_ERROR = 3,   /* same numbers as syslog priorities */
	GW_LOG_WARNING = 4,
	GW_LOG_NOTICE = 5,
	GW_LOG_INFO = 6,
	GW_LOG_DEBUG = 7,
};

/* Parse "error", "warning", "notice", "info", "debug"; -1 when unknown. */
int gw_log_level_parse(const char *name);
const char *gw_log_level_name(int level);

void gw_log_set_level(int level);
int gw_log_get_level(void);
/* Send lines to syslog (journald) instead of stderr. */
void gw_log_use_syslog(bool on);

void gw_log(int level, const char *subsys, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define gw_err(sub, ...) gw_log(GW_LOG_ERROR, sub, __VA_ARGS__)
#define gw_warn(sub, ...) gw_log(GW_LOG_WARNING, sub, __VA_ARGS__)
#define gw_notice(sub, ...) gw_log(GW_LOG_NOTICE, sub, __VA_ARGS__)
#define gw_info(sub, ...) gw_log(GW_LOG_INFO, sub, __VA_ARGS__)
#define gw_debug(sub, ...) gw_log(GW_LOG_DEBUG, sub, __VA_ARGS__)

/*
 * A complaint: a condition that repeats (a printer down for a day) logs at
 * once, then at growing intervals (doubling up to a day) with a count, and
 * once more when it clears.
 */
struct gw_complaint {
	int64_t next_ms;      /* do not log again before this */
	uint32_t interval_s;  /* current back-off */
	uint32_t suppressed;  /* lines not written since the last one */
	bool active;
};

void gw_complain(struct gw_complaint *c, int level, const char *subsys,
		 const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void gw_complaint_clear(struct gw_complaint *c, const char *subsys,
			const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/*
 * Copy text that came from the network into dst, escaping control bytes and
 * non-ASCII as \xNN, so that no device can forge a log line. Returns dst.
 */
char *gw_log_escape(char *dst, size_t dstlen, const void *src, size_t srclen);

#endif
