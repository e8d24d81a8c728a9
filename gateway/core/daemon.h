/*
 * The daemon: one libevent loop, its signals, and the order in which the
 * parts start, reload and stop.
 */
#ifndef GW_DAEMON_H
#define GW_DAEMON_H

#include <stdbool.h>

struct gw_daemon_opts {
	const char *config_file;
	const char *state_dir;    /* overrides gateway.state_dir when set */
	int log_level;            /* -1: from the file */
	bool foreground;          /* else: fork into the background */
	bool syslog;              /* log to syslog even in the foreground */
};

/* Runs until SIGTERM/SIGINT. Returns the process exit code. */
int gw_daemon_run(const struct gw_daemon_opts *o);

#endif
