#include "log.h"
#include "clock.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

static int log_level = GW_LOG_INFO;
static bool log_syslog;

static const char *const level_names[] = {
	[GW_LOG_ERROR] = "error",   [GW_LOG_WARNING] = "warning",
	[GW_LOG_NOTICE] = "notice", [GW_LOG_INFO] = "info",
	[GW_LOG_DEBUG] = "debug",
};

int gw_log_level_parse(const char *name)
{
	for (int i = GW_LOG_ERROR; i <= GW_LOG_DEBUG; i++)
		if (strcmp(name, level_names[i]) == 0)
			return i;
	return -1;
}

const char *gw_log_level_name(int level)
{
	if (level < GW_LOG_ERROR || level > GW_LOG_DEBUG)
		return "?";
	return level_names[level];
}

void gw_log_set_level(int level) { log_level = level; }
int gw_log_get_level(void) { return log_level; }

void gw_log_use_syslog(bool on)
{
	if (on && !log_syslog)
		openlog("ecsp-gateway", LOG_PID, LOG_DAEMON);
	else if (!on && log_syslog)
		closelog();
	log_syslog = on;
}

__attribute__((format(printf, 3, 0)))
static void log_write(int level, const char *subsys, const char *fmt, va_list ap)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (log_syslog) {
		syslog(level, "%s: %s", subsys, msg);
		return;
	}
	struct timespec ts;
	struct tm tm;
	char when[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(stderr, "%s.%03ldZ %-7s %s: %s\n", when, ts.tv_nsec / 1000000,
		level_names[level], subsys, msg);
}

void gw_log(int level, const char *subsys, const char *fmt, ...)
{
	va_list ap;

	if (level > log_level)
		return;
	va_start(ap, fmt);
	log_write(level, subsys, fmt, ap);
	va_end(ap);
}

#define COMPLAIN_FIRST_S 60
#define COMPLAIN_MAX_S 86400

void gw_complain(struct gw_complaint *c, int level, const char *subsys,
		 const char *fmt, ...)
{
	int64_t now = gw_clock_mono_ms();
	va_list ap;
	char msg[900];

	if (c->active && now < c->next_ms) {
		c->suppressed++;
		return;
	}
	c->interval_s = !c->active ? COMPLAIN_FIRST_S
		: (c->interval_s * 2 > COMPLAIN_MAX_S ? COMPLAIN_MAX_S : c->interval_s * 2);
	c->next_ms = now + (int64_t)c->interval_s * 1000;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (c->suppressed)
		gw_log(level, subsys, "%s (repeated %u times; next report in %us at most)",
		       msg, c->suppressed, c->interval_s);
	else
		gw_log(level, subsys, "%s", msg);
	c->suppressed = 0;
	c->active = true;
}

void gw_complaint_clear(struct gw_complaint *c, const char *subsys, const char *fmt, ...)
{
	va_list ap;

	if (!c->active)
		return;
	va_start(ap, fmt);
	if (GW_LOG_NOTICE <= log_level)
		log_write(GW_LOG_NOTICE, subsys, fmt, ap);
	va_end(ap);
	*c = (struct gw_complaint){0};
}

char *gw_log_escape(char *dst, size_t dstlen, const void *src, size_t srclen)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = src;
	size_t o = 0;

	if (dstlen == 0)
		return dst;
	for (size_t i = 0; i < srclen; i++) {
		unsigned char ch = s[i];
		if (ch >= 0x20 && ch < 0x7f && ch != '\\') {
			if (o + 1 >= dstlen)
				break;
			dst[o++] = (char)ch;
		} else {
			if (o + 4 >= dstlen)
				break;
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[ch >> 4];
			dst[o++] = hex[ch & 15];
		}
	}
	dst[o] = '\0';
	return dst;
}
