/*
 * tsync, the command-line tool: global options, then dispatch to its
 * commands.
 */
#include <stdio.h>
#include <string.h>

#include "ctl_client.h"
#include "print.h"
#include "query.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: tsync [-h | --help] [-V | --version] [-s | --socket PATH] COMMAND [ARGS]\n"
		   "commands:\n"
		   "  query [-v] [-c N] [-t SECONDS] [-i SECONDS] [--json] [--cristian]\n"
		   "        [--min-transit SECONDS] [-4 | -6] HOST[:PORT]\n"
		   "        measure the offset of an NTP server's clock from ours\n"
		   "  status [--json | --csv]\n"
		   "        how a running tsyncd keeps time\n"
		   "  sources [--json]\n"
		   "        the servers a running tsyncd polls\n"
		   "  berkeley [--json | --csv]\n"
		   "        the Berkeley group a running tsyncd takes part in\n"
		   "  waitsync [--timeout SECONDS] [--max-offset SECONDS]\n"
		   "        wait until a running tsyncd is synchronised\n"
		   "  stats [--json]\n"
		   "        a running tsyncd's counters\n"
		   "  makestep | burst | online ADDR|all | offline ADDR|all  [--json]\n"
		   "        step the clock now, poll every source at once, (stop) poll sources\n"
		   "  -s, --socket PATH  tsyncd's control socket (default " CTL_DEFAULT_SOCKET ")\n"
		   "see tsync(1)\n");
}

/* The options before the command. Returns the index of the command, or
 * minus the exit status. */
static int parse_global(int argc, char **argv, const char **socket)
{
	int i = 1;

	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];

		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout);
			return 0;
		}
		if (strcmp(a, "-V") == 0 || strcmp(a, "--version") == 0) {
			printf("tsync %s\n", TSYNC_VERSION);
			return 0;
		}
		if (strncmp(a, "--socket=", 9) == 0) {
			*socket = a + 9;
		} else if ((strcmp(a, "-s") == 0 || strcmp(a, "--socket") == 0) && i + 1 < argc) {
			*socket = argv[++i];
		} else {
			print_err("tsync", "%s '%s'", strcmp(a, "-s") == 0 || strcmp(a, "--socket") == 0 ?
				  "missing path after" : "unknown option", a);
			usage(stderr);
			return -2;
		}
	}
	if (i == argc) {
		print_err("tsync", "no command given");
		usage(stderr);
		return -2;
	}
	return i;
}

static int run(int argc, char **argv)
{
	const char *socket = CTL_DEFAULT_SOCKET;
	int i = parse_global(argc, argv, &socket);

	if (i <= 0)
		return -i;
	const char *cmd = argv[i];
	if (strcmp(cmd, "query") == 0)
		return query_main(argc - i, argv + i);
	if (strcmp(cmd, "status") == 0 || strcmp(cmd, "sources") == 0 ||
	    strcmp(cmd, "berkeley") == 0)
		return status_main(argc - i, argv + i, socket);
	if (strcmp(cmd, "waitsync") == 0)
		return waitsync_main(argc - i, argv + i, socket);
	if (strcmp(cmd, "stats") == 0)
		return stats_main(argc - i, argv + i, socket);
	if (strcmp(cmd, "makestep") == 0 || strcmp(cmd, "burst") == 0 ||
	    strcmp(cmd, "online") == 0 || strcmp(cmd, "offline") == 0)
		return control_main(argc - i, argv + i, socket);
	print_err("tsync", "unknown command '%s'", cmd);
	usage(stderr);
	return 2;
}

/* With --json, whatever fails says so in JSON on standard output too. */
int main(int argc, char **argv)
{
	print_json_errors(argc, argv);
	return print_exit(run(argc, argv));
}
