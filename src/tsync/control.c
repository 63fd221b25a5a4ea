/*
 * The commands that change a running tsyncd's course: makestep, burst,
 * online and offline. tsyncd lets only root, its own user and the
 * controlgroup run them; what it did comes back as a number, printed
 * as a line or, with --json, as {"command":NAME,"step":SECONDS} for
 * makestep and {"command":NAME,"sources":N} for the others.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "ctl_client.h"
#include "print.h"

struct control_cmd {
	const char *name;
	uint8_t command;
	bool takes_addr; /* ADDR|all */
	const char *done; /* what the reply's number counts */
};

static const struct control_cmd commands[] = {
	{ "makestep", CTL_CMD_MAKESTEP, false, NULL },
	{ "burst", CTL_CMD_BURST, false, "source(s) polled" },
	{ "online", CTL_CMD_ONLINE, true, "source(s)" },
	{ "offline", CTL_CMD_OFFLINE, true, "source(s)" },
};

static void usage(FILE *f, const struct control_cmd *c)
{
	fprintf(f, "usage: tsync %s%s [--json] [-s PATH]\n", c->name,
		c->takes_addr ? " ADDR|all" : "");
}

static int print_reply(const struct control_cmd *c, const uint8_t *payload, int n, bool json)
{
	char secs[PRINT_SECS_LEN];

	if (c->command == CTL_CMD_MAKESTEP) {
		int64_t ns;
		if (ctl_i64_decode(payload, (size_t)n, &ns) < 0)
			goto malformed;
		if (json)
			printf("{\"command\":\"makestep\",\"step\":%s}\n", print_secs(ns, false, secs));
		else if (ns == 0)
			printf("makestep: nothing to step\n");
		else
			printf("makestep: stepped %s s\n", print_secs(ns, true, secs));
		return 0;
	}
	uint16_t count;
	if (ctl_u16_decode(payload, (size_t)n, &count) < 0)
		goto malformed;
	if (json)
		printf("{\"command\":\"%s\",\"sources\":%u}\n", c->name, (unsigned)count);
	else
		printf("%s: %u %s\n", c->name, (unsigned)count, c->done);
	return 0;
malformed:
	print_err("tsync", "malformed %s reply", c->name);
	return 1;
}

static int run(const struct control_cmd *c, const char *socket, const char *addr, bool json)
{
	uint8_t args[CTL_REQUEST_PAYLOAD_MAX], payload[64];
	char why[CTL_CLIENT_WHY_MAX];
	int len = 0, n;

	if (addr != NULL && (len = ctl_str_encode(addr, args, sizeof(args))) < 0) {
		print_err("tsync", "%s: '%s' is not an address", c->name, addr);
		return 2;
	}
	n = ctl_client_send(socket, c->command, args, (size_t)len, payload, sizeof(payload), why,
			    sizeof(why));
	if (n < 0) {
		print_err("tsync", "%s", why);
		return 1;
	}
	return print_reply(c, payload, n, json);
}

static const struct control_cmd *find(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	}
	return NULL;
}

int control_main(int argc, char **argv, const char *socket)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "socket", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct control_cmd *c = find(argv[0]);
	bool json = false;
	int opt;

	optind = 1;
	opterr = 0; /* print_bad_option says it, in JSON too */
	while ((opt = getopt_long(argc, argv, "+:s:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'j': json = true; break;
		case 's': socket = optarg; break;
		case 'h': usage(stdout, c); return 0;
		default:
			print_bad_option("tsync", opt, argv);
			usage(stderr, c);
			return 2;
		}
	}
	if (argc - optind != (c->takes_addr ? 1 : 0)) {
		print_err("tsync", "%s: %s", c->name,
			  argc - optind > (c->takes_addr ? 1 : 0) ? "too many arguments"
								    : "missing ADDR or all");
		usage(stderr, c);
		return 2;
	}
	return run(c, socket, c->takes_addr ? argv[optind] : NULL, json);
}
