/*
 * `tsync stats [--json]`: every counter group of a running tsyncd, as the
 * daemon's tables name them; nothing here knows a counter by name, so a
 * new row in tsyncd's tables shows up here by itself.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_client.h"
#include "print.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: tsync stats [--json] [-s PATH]\n");
}

static void text_instance(const struct ctl_stats_group *g, int k)
{
	if (g->label[0] != '\0')
		printf("%s %s:\n", g->name, g->instance[k]);
	else
		printf("%s:\n", g->name);
	for (int i = 0; i < g->n_names; i++)
		printf("  %-20s %" PRIu64 "\n", g->names[i], g->value[k][i]);
}

static void print_text(const struct ctl_stats *st)
{
	for (int i = 0; i < st->n_groups; i++) {
		for (int k = 0; k < st->group[i].n_instances; k++)
			text_instance(&st->group[i], k);
	}
}

/* {"label":"value","name":N,...} or, for a group without a label, the
 * counters alone. */
static void json_instance(const struct ctl_stats_group *g, int k)
{
	printf("{");
	if (g->label[0] != '\0')
		print_json_str(g->label, g->instance[k], g->n_names > 0 ? "," : "");
	for (int i = 0; i < g->n_names; i++)
		printf("\"%s\":%" PRIu64 "%s", g->names[i], g->value[k][i],
		       i + 1 < g->n_names ? "," : "");
	printf("}");
}

/* A group without a label is an object; one with a label (source) an
 * array of objects, one per instance, even when it has none. */
static void print_json(const struct ctl_stats *st)
{
	printf("{");
	for (int i = 0; i < st->n_groups; i++) {
		const struct ctl_stats_group *g = &st->group[i];

		printf("%s\"%s\":", i > 0 ? "," : "", g->name);
		if (g->label[0] == '\0') {
			if (g->n_instances > 0)
				json_instance(g, 0);
			else
				printf("{}");
			continue;
		}
		printf("[");
		for (int k = 0; k < g->n_instances; k++) {
			printf(k > 0 ? "," : "");
			json_instance(g, k);
		}
		printf("]");
	}
	printf("}\n");
}

/* With --json, print_exit turns the last error into the JSON object. */
static int fail(const char *why)
{
	print_err("tsync", "%s", why);
	return 1;
}

static int run(const char *socket, bool json)
{
	static uint8_t payload[CTL_REPLY_PAYLOAD_MAX];
	char why[CTL_CLIENT_WHY_MAX];
	struct ctl_stats *st;
	int n = ctl_client_request(socket, CTL_CMD_STATS, payload, sizeof(payload), why,
				   sizeof(why));

	if (n < 0)
		return fail(why);
	st = malloc(sizeof(*st));
	if (st == NULL)
		return fail("out of memory");
	if (ctl_stats_decode(payload, (size_t)n, st) < 0) {
		snprintf(why, sizeof(why), "%s: malformed stats reply", socket);
		free(st);
		return fail(why);
	}
	if (json)
		print_json(st);
	else
		print_text(st);
	free(st);
	return 0;
}

int stats_main(int argc, char **argv, const char *socket)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "socket", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool json = false;
	int c;

	argv[0] = "tsync stats"; /* for getopt's messages */
	optind = 1;
	opterr = 0; /* print_bad_option says it, in JSON too */
	while ((c = getopt_long(argc, argv, "+:s:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'j': json = true; break;
		case 's': socket = optarg; break;
		case 'h': usage(stdout); return 0;
		default:
			print_bad_option("tsync stats", c, argv);
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		print_err("tsync stats", "unexpected argument '%s'", argv[optind]);
		usage(stderr);
		return 2;
	}
	return run(socket, json);
}
