/*
 * Printing a query's result for people (aligned fields) and for programs
 * (one JSON object). Times are printed exactly, from integer nanoseconds.
 */
#include <inttypes.h>
#include <stdio.h>

#include "json.h"
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
	if (cristian)
		text_cristian(r);
}

static void json_cristian(struct json *j, const struct query_result *r)
{
	struct ntp_cristian c;
	ntp_exch_cristian(r->t0, r->t1, r->t2, r->t3, &c);
	json_object(j, "cristian");
	json_time(j, "server_time", c.server_time, false);
	json_secs(j, "round_trip", c.rtt);
	json_time(j, "client_time", c.client_time, false);
	json_time(j, "synchronised_time", c.sync_time, false);
	json_secs(j, "offset", c.offset);
	json_secs(j, "ntp_offset", r->sample.offset);
	json_secs(j, "error", c.error);
	json_end(j);
}

/* The schema's "query" (tsync(1), JSON OUTPUT). */
void output_json(const struct query_result *r, bool cristian)
{
	const struct ntp_pkt *p = &r->reply;
	struct json j;
	json_begin(&j, stdout);
	json_string(&j, "server", r->name);
	json_string(&j, "address", r->server);
	json_int(&j, "stratum", p->stratum);
	json_refid(&j, "refid", p->refid, p->stratum);
	json_leap(&j, "leap", p->leap);
	json_secs(&j, "precision", ntp_precision_to_ns(p->precision));
	json_int(&j, "precision_log2", p->precision);
	json_secs(&j, "root_delay", ntp_short_to_ns(p->root_delay));
	json_secs(&j, "root_dispersion", ntp_short_to_ns(p->root_disp));
	json_secs(&j, "offset", r->sample.offset);
	json_secs(&j, "delay", r->sample.delay);
	json_secs(&j, "dispersion", r->sample.disp);
	json_int(&j, "sent", r->sent);
	json_int(&j, "valid", r->valid);
	json_id_or_null(&j, "key", r->key_id);
	json_time(&j, "t0", r->t0, false);
	json_string(&j, "t0_source", r->t0_kernel ? "kernel" : "user");
	json_int(&j, "kernel_stamped", r->kernel_t0);
	json_time(&j, "t1", r->t1, false);
	json_time(&j, "t2", r->t2, false);
	json_time(&j, "t3", r->t3, false);
	if (cristian)
		json_cristian(&j, r);
	json_end(&j);
}
