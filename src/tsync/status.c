/*
 * `tsync status`, `tsync sources` and `tsync berkeley`: ask a running
 * tsyncd, print what it says for people (aligned fields, a table) or for
 * programs (one JSON object). Every number is printed exactly, from
 * integer nanoseconds.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ctl_client.h"
#include "print.h"
#include "tsync/brk_status.h"
#include "tsync/ntp_pkt.h"
#include "tsync/ntp_ts.h"


struct status_opts {
	const char *socket;
	bool json;
	bool csv;
};

static void usage(FILE *f, const char *cmd)
{
	fprintf(f, "usage: tsync [-s PATH] %s [--json | --csv] [-s | --socket PATH]\n", cmd);
}




static const char *poll_secs(int8_t poll, char buf[32])
{
	if (poll >= 0)
		snprintf(buf, 32, "%llu s", 1ull << (poll > 62 ? 62 : poll));
	else
		snprintf(buf, 32, "1/%llu s", 1ull << (poll < -62 ? 62 : -poll));
	return buf;
}

static void status_text(const struct ctl_status *st)
{
	char b[NTP_TS_STRLEN], r[16];

	printf("%-17s%s\n", "synchronised", st->synchronised ? "yes" : "no");
	printf("%-17s%s\n", "leap", print_leap_name(st->leap));
	printf("%-17s%u\n", "stratum", st->stratum);
	if (st->refid == 0 && st->reference[0] == '\0')
		printf("%-17s%s\n", "reference", "none");
	else
		printf("%-17s%s%s%s%s\n", "reference", ntp_refid_format(st->refid, st->stratum, r),
		       st->reference[0] ? " (" : "", st->reference, st->reference[0] ? ")" : "");
	printf("%-17s%s s\n", "offset", print_secs(st->offset_ns, true, b));
	printf("%-17s%+.6f ppm\n", "frequency", st->freq_ppm);
	printf("%-17s%s s\n", "root delay", print_secs(st->root_delay_ns, false, b));
	printf("%-17s%s s\n", "root dispersion", print_secs(st->root_disp_ns, false, b));
	printf("%-17s%s\n", "last update",
	       st->last_update_ns ? ntp_ts_format(st->last_update_ns, b, sizeof(b)) : "never");
	printf("%-17s%d (%s)\n", "poll", st->poll, poll_secs(st->poll, b));
	printf("%-17s%u\n", "sources", st->n_sources);
	printf("%-17s%s\n", "selection", ctl_selection_name(st->selection));
	printf("%-17s%s\n", "clock", st->clock);
}

/* --csv: a header and rows, times of day in ISO 8601 and durations in
 * seconds, for a spreadsheet or gnuplot; the first column is when. */
static const char *csv_now(char buf[NTP_TS_STRLEN])
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return ntp_ts_format((int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec, buf, NTP_TS_STRLEN);
}

static void status_csv(const struct ctl_status *st)
{
	char t[NTP_TS_STRLEN], b[3][PRINT_SECS_LEN], r[16];
	printf("time,synchronised,stratum,reference,offset,frequency_ppm,root_delay,"
	       "root_dispersion,poll,sources\n");
	printf("%s,%s,%u,%s,%s,%.6f,%s,%s,%d,%u\n", csv_now(t), st->synchronised ? "yes" : "no",
	       st->stratum, ntp_refid_format(st->refid, st->stratum, r),
	       print_secs(st->offset_ns, true, b[0]), st->freq_ppm,
	       print_secs(st->root_delay_ns, false, b[1]), print_secs(st->root_disp_ns, false, b[2]),
	       st->poll, st->n_sources);
}

/* One row for the node asked (its last adjustment) and one a member it
 * reads as master; offsets in tsync(1)'s convention, master minus member. */
static void berkeley_csv(const struct brk_status *st)
{
	char t[NTP_TS_STRLEN], a[BRK_ADDR_STRLEN], b[3][PRINT_SECS_LEN];
	csv_now(t);
	printf("time,round,node,address,role,offset,rtt,adjust,state,in_set,missed\n");
	printf("%s,%016" PRIx64 ",%016" PRIx64 ",-,%s,%s,%s,%s,%s,%s,0\n", t, st->round, st->node,
	       brk_state_name(st->state), st->state == BRK_ST_MASTER ? "+0.000000000" : "",
	       st->state == BRK_ST_MASTER ? "0.000000000" : "",
	       print_secs(st->last_applied, true, b[2]), "self", st->n_in > 0 ? "yes" : "no");
	for (int i = 0; i < st->n_members; i++) {
		const struct brk_status_member *m = &st->member[i];
		printf("%s,%016" PRIx64 ",%016" PRIx64 ",%s,member,%s,%s,%s,%s,%s,%d\n", t, st->round,
		       m->node, brk_addr_format(&m->addr, a, sizeof(a)),
		       print_secs(-m->offset, true, b[0]), print_secs(m->rtt, false, b[1]),
		       print_secs(m->adjust, true, b[2]), brk_member_state_name(m->state),
		       m->in_set ? "yes" : "no", m->missed);
	}
}

static void status_json(const struct ctl_status *st)
{
	char b[NTP_TS_STRLEN], r[16];

	printf("{\"synchronised\":%s,\"leap\":%u,", st->synchronised ? "true" : "false", st->leap);
	print_json_str("leap_name", print_leap_name(st->leap), ",");
	printf("\"stratum\":%u,\"refid\":%" PRIu32 ",", st->stratum, st->refid);
	print_json_str("refid_name", ntp_refid_format(st->refid, st->stratum, r), ",");
	print_json_str("reference", st->reference, ",");
	printf("\"offset_ns\":%" PRId64 ",\"frequency_ppm\":%.17g,", st->offset_ns, st->freq_ppm);
	printf("\"root_delay_ns\":%" PRId64 ",\"root_dispersion_ns\":%" PRId64 ",",
	       st->root_delay_ns, st->root_disp_ns);
	printf("\"last_update_ns\":%" PRId64 ",", st->last_update_ns);
	if (st->last_update_ns)
		print_json_str("last_update", ntp_ts_format(st->last_update_ns, b, sizeof(b)), ",");
	else
		printf("\"last_update\":null,");
	printf("\"poll\":%d,\"sources\":%u,", st->poll, st->n_sources);
	print_json_str("selection", ctl_selection_name(st->selection), ",");
	print_json_str("clock", st->clock, "}\n");
}

/* reach as the last eight polls, oldest first: 1 answered, 0 not. */
static const char *reach_bits(uint8_t reach, char buf[9])
{
	for (int i = 0; i < 8; i++)
		buf[i] = (reach >> (7 - i)) & 1 ? '1' : '0';
	buf[8] = '\0';
	return buf;
}

static void sources_text(const struct ctl_source *src, int n)
{
	char b[3][32], reach[9], r[16];

	if (n == 0) {
		printf("no sources\n");
		return;
	}
	printf("%-12s %2s %4s %8s %15s %14s %14s %-15s %s\n", "STATE", "ST", "POLL", "REACH",
	       "OFFSET/s", "DELAY/s", "JITTER/s", "REFID", "ADDRESS");
	for (int i = 0; i < n; i++) {
		const struct ctl_source *s = &src[i];

		printf("%-12s %2u %4d %8s %15s %14s %14s %-15s %s\n", ctl_source_state_name(s->state),
		       s->stratum, s->poll, reach_bits(s->reach, reach),
		       print_secs(s->offset_ns, true, b[0]), print_secs(s->delay_ns, false, b[1]),
		       print_secs(s->jitter_ns, false, b[2]), ntp_refid_format(s->refid, s->stratum, r),
		       s->address);
	}
}

static void sources_json(const struct ctl_source *src, int n)
{
	char r[16];

	printf("{\"sources\":[");
	for (int i = 0; i < n; i++) {
		const struct ctl_source *s = &src[i];

		printf("%s{", i ? "," : "");
		print_json_str("address", s->address, ",");
		print_json_str("state", ctl_source_state_name(s->state), ",");
		printf("\"stratum\":%u,\"poll\":%d,\"reach\":%u,\"refid\":%" PRIu32 ",", s->stratum,
		       s->poll, s->reach, s->refid);
		print_json_str("refid_name", ntp_refid_format(s->refid, s->stratum, r), ",");
		printf("\"offset_ns\":%" PRId64 ",\"delay_ns\":%" PRId64 ",\"jitter_ns\":%" PRId64
		       ",\"key\":%" PRIu32 ",\"auth_rejected\":%" PRIu64 "}",
		       s->offset_ns, s->delay_ns, s->jitter_ns, s->key_id, s->auth_rejected);
	}
	printf("]}\n");
}

static int run_status(const struct status_opts *o)
{
	uint8_t payload[CTL_STATUS_WIRE_MAX];
	struct ctl_status st;
	int n = ctl_client_call(o->socket, CTL_CMD_STATUS, payload, sizeof(payload));

	if (n < 0)
		return 1;
	if (ctl_status_decode(payload, (size_t)n, &st) < 0) {
		fprintf(stderr, "tsync: %s: malformed status reply\n", o->socket);
		return 1;
	}
	if (o->json)
		status_json(&st);
	else if (o->csv)
		status_csv(&st);
	else
		status_text(&st);
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
		fprintf(stderr, "tsync: %s: malformed sources reply\n", o->socket);
		return 1;
	}
	if (o->json)
		sources_json(src, count);
	else
		sources_text(src, count);
	return 0;
}

/* The group a running tsyncd takes part in: the snapshot's own printers. */
static int run_berkeley(const struct status_opts *o)
{
	static uint8_t payload[BRK_STATUS_WIRE_MAX];
	static struct brk_status st;
	static char out[BRK_STATUS_MAX];
	int n = ctl_client_call(o->socket, CTL_CMD_BERKELEY, payload, sizeof(payload));

	if (n < 0)
		return 1;
	if (brk_status_decode(payload, (size_t)n, &st) < 0) {
		fprintf(stderr, "tsync: %s: malformed berkeley reply\n", o->socket);
		return 1;
	}
	if (o->csv) {
		berkeley_csv(&st);
		return 0;
	}
	n = o->json ? brk_status_json(&st, out, sizeof(out)) : brk_status_text(&st, out, sizeof(out));
	if (n < 0)
		return 1;
	fputs(out, stdout);
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
	while ((c = getopt_long(argc, argv, "+s:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'j': o->json = true; break;
		case 'c': o->csv = true; break;
		case 's': o->socket = optarg; break;
		case 'h': usage(stdout, cmd); return 0;
		default: usage(stderr, cmd); return 2;
		}
	}
	if (o->csv && (o->json || strcmp(cmd, "sources") == 0)) {
		fprintf(stderr, "%s: --csv is for status and berkeley, without --json\n", argv[0]);
		usage(stderr, cmd);
		return 2;
	}
	if (optind != argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", argv[0], argv[optind]);
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
