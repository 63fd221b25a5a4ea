/*
 * Printing a query's result for people (aligned fields) and for programs
 * (one JSON object). Times are printed exactly, from integer nanoseconds.
 */
#include <inttypes.h>
#include <stdio.h>

#include "print.h"
#include "query.h"



static void text_cristian(const struct query_result *r)
{
	struct ntp_cristian c;
	char b[2][NTP_TS_STRLEN];
	ntp_exch_cristian(r->t0, r->t1, r->t2, r->t3, &c);
	printf("cristian:\n");
	printf("  %-17s  %s\n", "server time", ntp_ts_format(c.server_time, b[0], NTP_TS_STRLEN));
	printf("  %-17s  %s s\n", "round trip", print_secs(c.rtt, false, b[0]));
	printf("  %-17s  %s\n", "client clock", ntp_ts_format(c.client_time, b[0], NTP_TS_STRLEN));
	printf("  %-17s  %s\n", "synchronised time", ntp_ts_format(c.sync_time, b[0], NTP_TS_STRLEN));
	printf("  %-17s  %s s\n", "cristian offset", print_secs(c.offset, true, b[0]));
	printf("  %-17s  %s s\n", "ntp offset", print_secs(r->sample.offset, true, b[1]));
	printf("  %-17s  %s s\n", "error", print_secs(c.error, true, b[0]));
}

void output_text(const struct query_result *r, bool cristian)
{
	const struct ntp_pkt *p = &r->reply;
	char b[NTP_TS_STRLEN];
	printf("%-12s%s\n", "server", r->server);
	printf("%-12s%u\n", "stratum", p->stratum);
	printf("%-12s%s\n", "refid", ntp_refid_format(p->refid, p->stratum, b));
	printf("%-12s%s\n", "leap", print_leap_name(p->leap));
	printf("%-12s%d (%" PRId64 " ns)\n", "precision", p->precision, ntp_precision_to_ns(p->precision));
	printf("%-12s%s s\n", "root delay", print_secs(ntp_short_to_ns(p->root_delay), false, b));
	printf("%-12s%s s\n", "root disp", print_secs(ntp_short_to_ns(p->root_disp), false, b));
	printf("%-12s%s s\n", "offset", print_secs(r->sample.offset, true, b));
	printf("%-12s%s s\n", "delay", print_secs(r->sample.delay, false, b));
	printf("%-12s%s s\n", "dispersion", print_secs(r->sample.disp, false, b));
	printf("%-12s%d of %d\n", "samples", r->valid, r->sent);
	if (r->key_id != 0)
		printf("%-12s%" PRIu32 " (every sample's MAC verified)\n", "key", r->key_id);
	if (r->nts)
		printf("%-12s%s\n", "nts", "yes (every sample authenticated, RFC 8915)");
	if (cristian)
		text_cristian(r);
}

/* A JSON string: refids are printable ASCII but may hold '"' or '\'. */

static void json_time(const char *key, int64_t ns, const char *after)
{
	char b[NTP_TS_STRLEN];
	print_json_str(key, ntp_ts_format(ns, b, sizeof(b)), after);
}

static void json_secs(const char *key, int64_t ns, const char *after)
{
	char b[32];
	printf("\"%s\":%s%s", key, print_secs(ns, false, b), after);
}

static void json_cristian(const struct query_result *r)
{
	struct ntp_cristian c;
	ntp_exch_cristian(r->t0, r->t1, r->t2, r->t3, &c);
	printf(",\"cristian\":{");
	json_time("server_time", c.server_time, ",");
	json_secs("round_trip", c.rtt, ",");
	json_time("client_time", c.client_time, ",");
	json_time("synchronised_time", c.sync_time, ",");
	json_secs("offset", c.offset, ",");
	json_secs("ntp_offset", r->sample.offset, ",");
	json_secs("error", c.error, "}");
}

void output_json(const struct query_result *r, bool cristian)
{
	const struct ntp_pkt *p = &r->reply;
	char b[16];
	printf("{");
	print_json_str("server", r->host, ",");
	printf("\"port\":%u,\"stratum\":%u,", r->port, p->stratum);
	print_json_str("refid", ntp_refid_format(p->refid, p->stratum, b), ",");
	print_json_str("leap", print_leap_name(p->leap), ",");
	printf("\"precision\":%d,", p->precision);
	json_secs("root_delay", ntp_short_to_ns(p->root_delay), ",");
	json_secs("root_dispersion", ntp_short_to_ns(p->root_disp), ",");
	json_secs("offset", r->sample.offset, ",");
	json_secs("delay", r->sample.delay, ",");
	json_secs("dispersion", r->sample.disp, ",");
	printf("\"sent\":%d,\"valid\":%d,\"key\":%" PRIu32 ",", r->sent, r->valid, r->key_id);
	printf("\"nts\":%s,", r->nts ? "true" : "false");
	json_time("t0", r->t0, ",");
	print_json_str("t0_source", r->t0_kernel ? "kernel" : "user", ",");
	printf("\"kernel_stamped\":%d,", r->kernel_t0);
	json_time("t1", r->t1, ",");
	json_time("t2", r->t2, ",");
	json_time("t3", r->t3, "");
	if (cristian)
		json_cristian(r);
	printf("}\n");
}
