/*
 * `tsync waitsync`: ask a running tsyncd for its status once a second
 * until it is synchronised and close enough, as chronyc waitsync does;
 * what tsyncd-wait.service runs to hold time-sync.target back.
 */
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl_client.h"
#include "print.h"

/* Exit statuses (tsync(1)). */
#define WAITSYNC_OK 0
#define WAITSYNC_TIMEOUT 1     /* tsyncd answered, but not synchronised within the bound */
#define WAITSYNC_USAGE 2
#define WAITSYNC_UNREACHABLE 3 /* tsyncd did not answer at the last try */

/* What one look found; a change is said once, not every second. */
enum waitsync_state { WS_DONE, WS_UNREACHABLE, WS_UNSYNC, WS_TOO_FAR };
#define WAITSYNC_INTERVAL_NS 1000000000LL
#define WAITSYNC_SECONDS_MAX 1e9

struct waitsync_opts {
	const char *socket;
	double timeout;    /* s; 0: no limit */
	double max_offset; /* s; 0: any offset */
};

static void usage(FILE *f)
{
	fprintf(f, "usage: tsync [-s PATH] waitsync [--timeout SECONDS] [--max-offset SECONDS] "
		   "[-s | --socket PATH]\n");
}

static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static bool parse_seconds(const char *opt, const char *s, double *out)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || *end != '\0' || !isfinite(v) || v < 0 || v > WAITSYNC_SECONDS_MAX) {
		print_err("tsync waitsync", "%s: '%s' is not a number of seconds from 0 to %g", opt, s,
			  WAITSYNC_SECONDS_MAX);
		return false;
	}
	*out = v;
	return true;
}

/* Returns -1 to go on, or the exit status. */
static int parse_opts(int argc, char **argv, struct waitsync_opts *o)
{
	static const struct option longopts[] = {
		{ "timeout", required_argument, NULL, 't' },
		{ "max-offset", required_argument, NULL, 'm' },
		{ "socket", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	argv[0] = "tsync waitsync"; /* for getopt's messages */
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:s:h", longopts, NULL)) != -1) {
		switch (c) {
		case 't':
			if (!parse_seconds("--timeout", optarg, &o->timeout))
				return WAITSYNC_USAGE;
			break;
		case 'm':
			if (!parse_seconds("--max-offset", optarg, &o->max_offset))
				return WAITSYNC_USAGE;
			break;
		case 's': o->socket = optarg; break;
		case 'h': usage(stdout); return 0;
		default:
			print_bad_option("tsync waitsync", c, argv);
			usage(stderr);
			return WAITSYNC_USAGE;
		}
	}
	if (optind != argc) {
		print_err("tsync waitsync", "unexpected argument '%s'", argv[optind]);
		usage(stderr);
		return WAITSYNC_USAGE;
	}
	return -1;
}

/* How far off the clock may be: the last offset, plus the error bound
 * of its reference (root dispersion and half the root delay), as the
 * root distance counts it. */
static double bound_secs(const struct ctl_status *st)
{
	return fabs((double)st->offset_ns) / 1e9 + (double)st->root_disp_ns / 1e9 +
	       (double)st->root_delay_ns / 2e9;
}

/* One look at tsyncd, with what it found (or what is awaited) in why. */
static enum waitsync_state look(const struct waitsync_opts *o, char *why, size_t whylen)
{
	uint8_t payload[CTL_STATUS_WIRE_MAX];
	struct ctl_status st;
	int n = ctl_client_request(o->socket, CTL_CMD_STATUS, payload, sizeof(payload), why, whylen);

	if (n < 0)
		return WS_UNREACHABLE;
	if (ctl_status_decode(payload, (size_t)n, &st) < 0) {
		snprintf(why, whylen, "%s: malformed status reply", o->socket);
		return WS_UNREACHABLE;
	}
	if (!st.synchronised) {
		snprintf(why, whylen, "not synchronised (%u sources)", st.n_sources);
		return WS_UNSYNC;
	}
	double off = bound_secs(&st);
	if (o->max_offset > 0 && off > o->max_offset) {
		snprintf(why, whylen, "synchronised, but off by up to %.6f s, more than %g s", off,
			 o->max_offset);
		return WS_TOO_FAR;
	}
	snprintf(why, whylen, "synchronised to %s, stratum %u, off by up to %.6f s",
		 st.reference[0] ? st.reference : "?", st.stratum, off);
	return WS_DONE;
}

static void sleep_ns(int64_t ns)
{
	struct timespec ts = { .tv_sec = ns / 1000000000LL, .tv_nsec = ns % 1000000000LL };

	while (nanosleep(&ts, &ts) < 0)
		;
}

static int wait_loop(const struct waitsync_opts *o)
{
	char why[CTL_CLIENT_WHY_MAX];
	int64_t deadline = mono_ns() + (int64_t)(o->timeout * 1e9);
	enum waitsync_state said = WS_DONE;

	for (;;) {
		enum waitsync_state now = look(o, why, sizeof(why));
		if (now == WS_DONE) {
			printf("%s\n", why);
			return WAITSYNC_OK;
		}
		if (now != said)
			fprintf(stderr, "tsync waitsync: %s\n", why);
		said = now;
		int64_t left = deadline - mono_ns();
		if (o->timeout > 0 && left <= 0) {
			fprintf(stderr, "tsync waitsync: gave up after %g s: %s\n", o->timeout, why);
			return now == WS_UNREACHABLE ? WAITSYNC_UNREACHABLE : WAITSYNC_TIMEOUT;
		}
		sleep_ns(o->timeout > 0 && left < WAITSYNC_INTERVAL_NS ? left : WAITSYNC_INTERVAL_NS);
	}
}

int waitsync_main(int argc, char **argv, const char *socket)
{
	struct waitsync_opts o = { .socket = socket };
	int rc = parse_opts(argc, argv, &o);

	return rc >= 0 ? rc : wait_loop(&o);
}
