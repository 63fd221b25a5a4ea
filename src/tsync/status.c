/*
 * `tsync status`, `tsync sources` and `tsync berkeley`: ask a running
 * tsyncd and hand what it says to the renderers (render.c), text for
 * people or one JSON object for programs.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "ctl_client.h"
#include "print.h"
#include "render.h"
struct status_opts {
	const char *socket;
	bool json;
	bool csv;
};

static void usage(FILE *f, const char *cmd)
{
	fprintf(f, "usage: tsync [-s PATH] %s [--json%s] [-s | --socket PATH]\n", cmd,
		strcmp(cmd, "sources") == 0 ? "" : " | --csv");
}

static int run_status(const struct status_opts *o)
{
	uint8_t payload[CTL_STATUS_WIRE_MAX];
	struct ctl_status st;
	int n = ctl_client_call(o->socket, CTL_CMD_STATUS, payload, sizeof(payload));

	if (n < 0)
		return 1;
	if (ctl_status_decode(payload, (size_t)n, &st) < 0) {
		print_err("tsync", "%s: malformed status reply", o->socket);
		return 1;
	}
	if (o->json)
		render_status_json(stdout, &st);
	else if (o->csv)
		render_status_csv(stdout, &st);
	else
		render_status_text(stdout, &st);
	return 0;
}

static int run_sources(const struct status_opts *o)
{
	static uint8_t payload[CTL_REPLY_PAYLOAD_MAX];
	static struct ctl_source src[CTL_SOURCES_MAX];
	int n = ctl_client_call(o->socket, CTL_CMD_SOURCES, payload, sizeof(payload)), count;

	if (n < 0)
		return 1;
	if (ctl_sources_decode(payload, (size_t)n, src, CTL_SOURCES_MAX, &count) < 0) {
		print_err("tsync", "%s: malformed sources reply", o->socket);
		return 1;
	}
	if (o->json)
		render_sources_json(stdout, src, count);
	else
		render_sources_text(stdout, src, count);
	return 0;
}

/* The group a running tsyncd takes part in. */
static int run_berkeley(const struct status_opts *o)
{
	static uint8_t payload[BRK_STATUS_WIRE_MAX];
	static struct brk_status st;
	int n = ctl_client_call(o->socket, CTL_CMD_BERKELEY, payload, sizeof(payload));

	if (n < 0)
		return 1;
	if (brk_status_decode(payload, (size_t)n, &st) < 0) {
		print_err("tsync", "%s: malformed berkeley reply", o->socket);
		return 1;
	}
	if (o->json)
		render_berkeley_json(stdout, &st);
	else if (o->csv)
		render_berkeley_csv(stdout, &st);
	else
		render_berkeley_text(stdout, &st);
	return 0;
}

/* Returns -1 to go on, or the exit status. */
static int parse_opts(int argc, char **argv, const char *cmd, struct status_opts *o)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "csv", no_argument, NULL, 'c' },
		{ "socket", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	static char name[32];

	snprintf(name, sizeof(name), "tsync %s", cmd);
	argv[0] = name; /* for getopt's messages */
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:s:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'j': o->json = true; break;
		case 'c': o->csv = true; break;
		case 's': o->socket = optarg; break;
		case 'h': usage(stdout, cmd); return 0;
		default:
			print_bad_option(name, c, argv);
			usage(stderr, cmd);
			return 2;
		}
	}
	if (optind != argc) {
		print_err(name, "unexpected argument '%s'", argv[optind]);
		usage(stderr, cmd);
		return 2;
	}
	if (o->csv && (o->json || strcmp(cmd, "sources") == 0)) {
		print_err(name, "--csv is for status and berkeley, without --json");
		usage(stderr, cmd);
		return 2;
	}
	return -1;
}

int status_main(int argc, char **argv, const char *socket)
{
	struct status_opts o = { .socket = socket };
	const char *cmd = argv[0];
	int rc = parse_opts(argc, argv, cmd, &o);

	if (rc >= 0)
		return rc;
	if (strcmp(cmd, "berkeley") == 0)
		return run_berkeley(&o);
	return strcmp(cmd, "sources") == 0 ? run_sources(&o) : run_status(&o);
}
