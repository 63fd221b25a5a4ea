/*
 * Printing a query's result for people (aligned fields) and for programs
 * (one JSON object). Times are printed exactly, from integer nanoseconds.
 */
#include <inttypes.h>
#include <stdio.h>

#include "json.h"
#include "print.h"
#include "query.h"



/* A duration as "+-X s", for a bound. */
static void text_bound(const char *name, int64_t ns)
{
	char b[PRINT_SECS_LEN];
	printf("  %-22s+-%s s\n", name, print_secs(ns, false, b));
}

/* Where the true offset lies, offset +- bound. */
static void text_range(const char *name, int64_t offset, int64_t bound)
{
	char lo[PRINT_SECS_LEN], hi[PRINT_SECS_LEN];
	printf("  %-22s%s s .. %s s\n", name, print_secs(offset - bound, true, lo),
	       print_secs(offset + bound, true, hi));
}

static void text_secs(const char *name, int64_t ns, bool with_plus)
{
	char b[PRINT_SECS_LEN];
	printf("  %-22s%s s\n", name, print_secs(ns, with_plus, b));
}

static void text_time(const char *name, int64_t ns)
{
	char b[NTP_TS_STRLEN];
	printf("  %-22s%s\n", name, ntp_ts_format(ns, b, NTP_TS_STRLEN));
}

/* Cristian's algorithm on the kept exchange, step by step: the client's
 * two readings and the server's, the round trip, half of it, and the
 * bound on the error, then how and why it differs from NTP's offset. */
static void text_cristian(const struct query_result *r)
{
	struct ntp_cristian c;
	ntp_exch_cristian(r->t0, r->t1, r->t2, r->t3, &c);
	printf("cristian (offset = server clock - ours, as above):\n");
	text_time("t0 request sent", r->t0);
	text_time("t1 server received", r->t1);
	text_time("t2 server replied", r->t2);
	text_time("t3 reply received", r->t3);
	text_secs("round trip t3-t0", c.rtt, false);
	text_secs("half round trip", c.rtt / 2, false);
	text_time("server time t2", c.server_time);
	text_time("synchronised time", c.sync_time);
	text_secs("cristian offset", c.offset, true);
	text_bound("error bound", c.rtt / 2);
	text_range("true offset within", c.offset, c.rtt / 2);
	if (r->min_transit >= 0) {
		int64_t tight = c.rtt / 2 - r->min_transit;
		tight = tight > 0 ? tight : 0;
		text_secs("min transit", r->min_transit, false);
		text_bound("tighter bound", tight);
		text_range("tighter range", c.offset, tight);
	}
	text_secs("ntp offset", r->sample.offset, true);
	text_secs("cristian - ntp", c.error, true);
	text_secs("server hold t2-t1", r->t2 - r->t1, false);
	printf("  %-22s%s\n", "why they differ",
	       "NTP takes the server's hold t2-t1 out of the round trip, Cristian counts it as "
	       "transit: their offsets differ by (t2-t1)/2");
}

/* --verbose: every request of the query and what became of it. */
static void text_exchanges(const struct query_result *r)
{
	printf("exchanges (the one kept has the smallest delay):\n");
	for (int i = 0; i < r->sent && i < QUERY_MAX_EXCH; i++) {
		const struct query_exch *e = &r->exch[i];
		char b[4][NTP_TS_STRLEN], o[PRINT_SECS_LEN], d[PRINT_SECS_LEN], rt[PRINT_SECS_LEN];
		printf("  exchange %-13d", i + 1);
		if (e->fate == QUERY_NO_REPLY) {
			printf("no reply in time\n");
			continue;
		}
		if (e->fate == QUERY_REFUSED) {
			printf("refused: %s\n", ntp_exch_result_name(e->reject));
			continue;
		}
		printf("offset %s s, delay %s s, round trip %s s%s\n",
		       print_secs(e->sample.offset, true, o), print_secs(e->sample.delay, false, d),
		       print_secs(e->t3 - e->t0, false, rt), i == r->kept ? " (kept)" : "");
		printf("  %-22st0 %s, t1 %s,\n  %-22st2 %s, t3 %s\n", "",
		       ntp_ts_format(e->t0, b[0], NTP_TS_STRLEN), ntp_ts_format(e->t1, b[1], NTP_TS_STRLEN),
		       "", ntp_ts_format(e->t2, b[2], NTP_TS_STRLEN), ntp_ts_format(e->t3, b[3], NTP_TS_STRLEN));
	}
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
	if (r->verbose)
		text_exchanges(r);
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
	json_bool(&j, "nts", r->nts);
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
