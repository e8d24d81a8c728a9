/*
 * Secrets (SNMP communities and passphrases, proxy and cloud credentials)
 * live in files that only their owner may read. Their contents never reach
 * a log line, an error message or a record.
 */
#ifndef GW_SECRET_H
#define GW_SECRET_H

#include <stdbool.h>
#include <stddef.h>

struct gw_secret {
	char *data;   /* NUL-terminated, trailing newline removed */
	size_t len;
};

/* True when path is a regular file with no group or other permissions. */
bool gw_secret_check_file(const char *path, const char **reason);
/* Read a secret file (checked as above). Returns 0 or a negative errno. */
int gw_secret_read(const char *path, struct gw_secret *out, const char **reason);
/* Wipe and free. Accepts an empty secret. */
void gw_secret_clear(struct gw_secret *s);

#endif
