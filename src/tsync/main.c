/*
 * tsync, the command-line tool: dispatches to its commands.
 */
#include <stdio.h>
#include <string.h>

#include "query.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: tsync [-h | --help] [-V | --version] COMMAND [ARGS]\n"
		   "commands:\n"
		   "  query [-c N] [-t SECONDS] [-i SECONDS] [--json] [--cristian] [-4 | -6] HOST[:PORT]\n"
		   "        measure the offset of an NTP server's clock from ours\n"
		   "see tsync(1)\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	const char *cmd = argv[1];
	if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(cmd, "-V") == 0 || strcmp(cmd, "--version") == 0) {
		printf("tsync %s\n", TSYNC_VERSION);
		return 0;
	}
	if (strcmp(cmd, "query") == 0)
		return query_main(argc - 1, argv + 1);
	fprintf(stderr, "tsync: unknown command '%s'\n", cmd);
	usage(stderr);
	return 2;
}
