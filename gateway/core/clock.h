/* Clocks: monotonic for timers and deadlines, wall clock for records. */
#ifndef GW_CLOCK_H
#define GW_CLOCK_H

#include <stddef.h>
#include <stdint.h>

int64_t gw_clock_mono_ms(void);
int64_t gw_clock_wall_ms(void);
/* RFC 3339 UTC with second precision: "2026-11-24T08:15:02Z". */
void gw_clock_format_rfc3339(int64_t wall_ms, char *buf, size_t len);

#endif
