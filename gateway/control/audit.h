/*
 * The audit trail: every change to the managed list and the configuration,
 * every remote command and its outcome. Each entry is a log line (subsystem
 * "audit") and a JSON entry kept in the store (the newest GW_AUDIT_KEEP).
 */
#ifndef GW_AUDIT_H
#define GW_AUDIT_H

#include "../store/store.h"

#include <stddef.h>

#define GW_AUDIT_KEEP 20000

/* store may be NULL: entries then go to the log only. */
void gw_audit_attach(struct gw_store *store);

/*
 * actor: who ("config", "local:admin", "cloud:support:alice");
 * action: what ("device.add", "command.reject", ...); target: on what.
 * detail is free text; it must never hold a secret.
 */
void gw_audit(const char *actor, const char *action, const char *target,
	      const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* One kept entry, its JSON text valid during the call. 0: go on, else stop. */
typedef int (*gw_audit_visit_fn)(const char *json, size_t len, void *arg);
/*
 * The newest kept entries first, up to max, in one short read transaction
 * (the local API). Entries still on their way to the store are not seen.
 * Returns how many were visited, or < 0.
 */
int gw_audit_read_newest(struct gw_store *s, unsigned max, gw_audit_visit_fn fn, void *arg);

#endif
