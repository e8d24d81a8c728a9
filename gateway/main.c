/* ecsp-gateway: arguments, configuration, run the loop. */
#include "core/config.h"
#include "core/daemon.h"
#include "core/log.h"

#include <getopt.h>
#include <limits.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_CONFIG "/etc/ecsp-gateway/gateway.conf"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: ecsp-gateway [options]\n"
		"Bridges the site's printers to the cloud printer-management service.\n\n"
		"  -c, --config FILE     configuration file (default " DEFAULT_CONFIG ")\n"
		"  -t, --check-config    check the configuration and exit: 0 good, 2 bad\n"
		"  -f, --foreground      stay in the foreground, log to stderr\n"
		"                        (default: run in the background, log to syslog)\n"
		"      --syslog          log to syslog/journald also in the foreground\n"
		"  -s, --state-dir DIR   use DIR instead of gateway.state_dir\n"
		"  -l, --log-level LVL   error, warning, notice, info or debug\n"
		"      --config-reference  print the configuration reference (Markdown)\n"
		"  -V, --version         print the version\n"
		"  -h, --help            this text\n");
}

static void print_reference(void)
{
	const struct gw_section *secs[32];
	size_t n = gw_config_sections(secs, 32);

	gw_opts_write_markdown(stdout, secs, n);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"config", required_argument, NULL, 'c'},
		{"check-config", no_argument, NULL, 't'},
		{"foreground", no_argument, NULL, 'f'},
		{"syslog", no_argument, NULL, 'S'},
		{"state-dir", required_argument, NULL, 's'},
		{"log-level", required_argument, NULL, 'l'},
		{"config-reference", no_argument, NULL, 'R'},
		{"version", no_argument, NULL, 'V'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	struct gw_daemon_opts o = {.config_file = DEFAULT_CONFIG, .log_level = -1};
	bool check = false;
	int c;

	while ((c = getopt_long(argc, argv, "c:tfs:l:Vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			o.config_file = optarg;
			break;
		case 't':
			check = true;
			break;
		case 'f':
			o.foreground = true;
			break;
		case 'S':
			o.syslog = true;
			break;
		case 's':
			o.state_dir = optarg;
			break;
		case 'l':
			o.log_level = gw_log_level_parse(optarg);
			if (o.log_level < 0) {
				fprintf(stderr, "ecsp-gateway: unknown log level '%s'\n", optarg);
				return 2;
			}
			break;
		case 'R':
			print_reference();
			return 0;
		case 'V':
			printf("ecsp-gateway %s\n", GW_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return 2;
	}
	/* the daemon leaves the working directory; SIGHUP reads the file again */
	char conf_abs[PATH_MAX], state_abs[PATH_MAX], cwd[PATH_MAX];
	if (realpath(o.config_file, conf_abs))
		o.config_file = conf_abs;
	if (o.state_dir && o.state_dir[0] != '/' && getcwd(cwd, sizeof(cwd)) &&
	    snprintf(state_abs, sizeof(state_abs), "%s/%s", cwd, o.state_dir) < (int)sizeof(state_abs))
		o.state_dir = state_abs;
	if (check) {
		struct gw_config *conf = gw_config_load(o.config_file, gw_config_report_stderr, NULL);
		if (!conf)
			return 2;
		printf("%s: configuration is good\n", o.config_file);
		gw_config_free(conf);
		return 0;
	}
	return gw_daemon_run(&o);
}
