/*
 * The renderers of the control commands: `tsync status`, `sources` and
 * `berkeley`, as text (aligned fields, a table) and as JSON. The core
 * only hands over structs; every form of a number is decided here and
 * in json.c.
 */
#include <inttypes.h>
#include <time.h>

#include "json.h"
#include "print.h"
#include "render.h"
#include "tsync/ntp_pkt.h"
#include "tsync/ntp_ts.h"

static const char *poll_secs(int8_t poll, char buf[32])
{
	if (poll >= 0)
		snprintf(buf, 32, "%llu s", 1ull << (poll > 62 ? 62 : poll));
	else
		snprintf(buf, 32, "1/%llu s", 1ull << (poll < -62 ? 62 : -poll));
	return buf;
}

/* A poll interval in both its forms: seconds and its log2. */
/* A member's reading (its clock minus the master's) turned into tsync(1)'s
 * one sign convention, reference minus this clock. Saturated: INT64_MIN,
 * which a daemon may send, has no negation. */
static int64_t master_minus_member(int64_t reading)
{
	return reading == INT64_MIN ? INT64_MAX : -reading;
}

static void json_poll(struct json *j, int8_t poll)
{
	json_secs(j, "poll", ntp_precision_to_ns(poll));
	json_int(j, "poll_log2", poll);
}

void render_status_text(FILE *f, const struct ctl_status *st)
{
	char b[NTP_TS_STRLEN], r[16];

	fprintf(f, "%-17s%s\n", "synchronised", st->synchronised ? "yes" : "no");
	fprintf(f, "%-17s%s\n", "leap", print_leap_name(st->leap));
	fprintf(f, "%-17s%u\n", "stratum", st->stratum);
	if (st->refid == 0 && st->reference[0] == '\0')
		fprintf(f, "%-17s%s\n", "reference", "none");
	else
		fprintf(f, "%-17s%s%s%s%s\n", "reference", ntp_refid_format(st->refid, st->stratum, r),
			st->reference[0] ? " (" : "", st->reference, st->reference[0] ? ")" : "");
	fprintf(f, "%-17s%s s\n", "offset", print_secs(st->offset_ns, true, b));
	fprintf(f, "%-17s%+.6f ppm\n", "frequency", st->freq_ppm);
	fprintf(f, "%-17s%s s\n", "root delay", print_secs(st->root_delay_ns, false, b));
	fprintf(f, "%-17s%s s\n", "root dispersion", print_secs(st->root_disp_ns, false, b));
	fprintf(f, "%-17s%s\n", "last update",
		st->last_update_ns ? ntp_ts_format(st->last_update_ns, b, sizeof(b)) : "never");
	fprintf(f, "%-17s%d (%s)\n", "poll", st->poll, poll_secs(st->poll, b));
	fprintf(f, "%-17s%u\n", "sources", st->n_sources);
	fprintf(f, "%-17s%s\n", "selection", ctl_selection_name(st->selection));
	fprintf(f, "%-17s%s\n", "clock", st->clock);
}

void render_status_json(FILE *f, const struct ctl_status *st)
{
	struct json j;

	json_begin(&j, f);
	json_bool(&j, "synchronised", st->synchronised);
	json_leap(&j, "leap", st->leap);
	json_int(&j, "stratum", st->stratum);
	json_refid(&j, "refid", st->refid, st->stratum);
	json_string(&j, "reference", st->reference[0] ? st->reference : NULL);
	json_secs(&j, "offset", st->offset_ns);
	json_double(&j, "frequency_ppm", st->freq_ppm);
	json_secs(&j, "root_delay", st->root_delay_ns);
	json_secs(&j, "root_dispersion", st->root_disp_ns);
	json_time(&j, "last_update", st->last_update_ns, true);
	json_poll(&j, st->poll);
	json_int(&j, "source_count", st->n_sources);
	json_string(&j, "selection", ctl_selection_name(st->selection));
	json_string(&j, "clock", st->clock);
	json_end(&j);
}

/* reach as the last eight polls, oldest first: 1 answered, 0 not. */
static const char *reach_bits(uint8_t reach, char buf[9])
{
	for (int i = 0; i < 8; i++)
		buf[i] = (reach >> (7 - i)) & 1 ? '1' : '0';
	buf[8] = '\0';
	return buf;
}

void render_sources_text(FILE *f, const struct ctl_source *src, int n)
{
	char b[3][NTP_SECS_STRLEN], reach[9], r[16];

	if (n == 0) {
		fprintf(f, "no sources\n");
		return;
	}
	fprintf(f, "%-12s %2s %4s %8s %15s %14s %14s %-15s %s\n", "STATE", "ST", "POLL", "REACH",
		"OFFSET/s", "DELAY/s", "JITTER/s", "REFID", "ADDRESS");
	for (int i = 0; i < n; i++) {
		const struct ctl_source *s = &src[i];

		fprintf(f, "%-12s %2u %4d %8s %15s %14s %14s %-15s %s\n",
			ctl_source_state_name(s->state), s->stratum, s->poll,
			reach_bits(s->reach, reach), print_secs(s->offset_ns, true, b[0]),
			print_secs(s->delay_ns, false, b[1]), print_secs(s->jitter_ns, false, b[2]),
			ntp_refid_format(s->refid, s->stratum, r), s->address);
	}
}

static void source_json(struct json *j, const struct ctl_source *s)
{
	json_object(j, NULL);
	json_string(j, "address", s->address);
	json_string(j, "state", ctl_source_state_name(s->state));
	json_int(j, "stratum", s->stratum);
	json_poll(j, s->poll);
	json_int(j, "reach", s->reach);
	json_refid(j, "refid", s->refid, s->stratum);
	json_secs(j, "offset", s->offset_ns);
	json_secs(j, "delay", s->delay_ns);
	json_secs(j, "jitter", s->jitter_ns);
	json_id_or_null(j, "key", s->key_id);
	json_uint(j, "auth_rejected", s->auth_rejected);
	json_end(j);
}

void render_sources_json(FILE *f, const struct ctl_source *src, int n)
{
	struct json j;

	json_begin(&j, f);
	json_array(&j, "sources");
	for (int i = 0; i < n; i++)
		source_json(&j, &src[i]);
	json_end(&j);
	json_end(&j);
}

void render_berkeley_text(FILE *f, const struct brk_status *st)
{
	char a[BRK_ADDR_STRLEN], s[3][NTP_SECS_STRLEN];

	fprintf(f, "role         %s, priority %u\n", brk_role_name(st->role), st->priority);
	fprintf(f, "state        %s\n", brk_state_name(st->state));
	fprintf(f, "node         %016" PRIx64 "\n", st->node);
	fprintf(f, "master       %016" PRIx64 " %s\n", st->master,
		brk_addr_format(&st->master_addr, a, sizeof(a)));
	fprintf(f, "round        %016" PRIx64 " (%" PRIu64 " run as master)\n", st->round, st->rounds);
	fprintf(f, "average      %s s of %d clocks\n", print_secs(st->average, true, s[0]), st->n_in);
	fprintf(f, "last applied %s s%s\n", print_secs(st->last_applied, true, s[0]),
		st->ntp_synced ? " (clock follows NTP)" : "");
	fprintf(f, "members      %d%s\n", st->n_members, st->n_members == 0 ? "" :
		" (offset: the master's clock minus the member's; adjust: added to the member's)");
	for (int i = 0; i < st->n_members; i++) {
		const struct brk_status_member *m = &st->member[i];

		fprintf(f, "  %016" PRIx64 " %-22s offset %s s rtt %s s adjust %s s %s%s missed %d\n",
			m->node, brk_addr_format(&m->addr, a, sizeof(a)),
			print_secs(master_minus_member(m->offset), true, s[0]),
			print_secs(m->rtt, false, s[1]), print_secs(m->adjust, true, s[2]), brk_member_state_name(m->state),
			m->in_set ? "" : " (outside the set)", m->missed);
	}
}

/* A node or round id: 16 hexadecimal digits, as the logs print it. */
static void json_id(struct json *j, const char *key, uint64_t id)
{
	char b[17];

	snprintf(b, sizeof(b), "%016" PRIx64, id);
	json_string(j, key, b);
}

static void json_brk_addr(struct json *j, const char *key, const struct brk_addr *addr)
{
	char a[BRK_ADDR_STRLEN];

	json_string(j, key, addr->family == 0 ? NULL : brk_addr_format(addr, a, sizeof(a)));
}

static void brk_member_json(struct json *j, const struct brk_status_member *m)
{
	json_object(j, NULL);
	json_id(j, "node", m->node);
	json_brk_addr(j, "address", &m->addr);
	json_secs(j, "offset", master_minus_member(m->offset)); /* master minus member, as in the text */
	json_secs(j, "delay", m->rtt);
	json_secs(j, "adjust", m->adjust);
	json_string(j, "state", brk_member_state_name(m->state));
	json_bool(j, "in_set", m->in_set);
	json_int(j, "missed", m->missed);
	json_end(j);
}

static void brk_counters_json(struct json *j, const struct brk_counters *c)
{
	json_object(j, "counters");
	json_uint(j, "polls_sent", c->polls_sent);
	json_uint(j, "replies", c->replies);
	json_uint(j, "adjusts_sent", c->adjusts_sent);
	json_uint(j, "resends", c->resends);
	json_uint(j, "acks", c->acks);
	json_uint(j, "applied", c->applied);
	json_uint(j, "rounds", c->rounds);
	json_uint(j, "elections", c->elections);
	json_uint(j, "stepdowns", c->stepdowns);
	json_uint(j, "challenges", c->challenges);
	json_uint(j, "bounded", c->bounded);
	json_uint(j, "evicted", c->evicted);
	for (int d = 0; d < BRK_DROP_N; d++) {
		char name[48];

		snprintf(name, sizeof(name), "drop_%s", brk_drop_name((enum brk_drop)d));
		json_uint(j, name, c->drop[d]);
	}
	json_end(j);
}

void render_berkeley_json(FILE *f, const struct brk_status *st)
{
	struct json j;

	json_begin(&j, f);
	json_string(&j, "role", brk_role_name(st->role));
	json_string(&j, "state", brk_state_name(st->state));
	json_int(&j, "priority", st->priority);
	json_id(&j, "node", st->node);
	if (st->master != 0)
		json_id(&j, "master", st->master);
	else
		json_null(&j, "master");
	json_brk_addr(&j, "master_address", &st->master_addr);
	json_id(&j, "round", st->round);
	json_uint(&j, "rounds", st->rounds);
	json_secs(&j, "average", st->average);
	json_int(&j, "in_set_count", st->n_in);
	json_secs(&j, "last_applied", st->last_applied);
	json_bool(&j, "ntp_synchronised", st->ntp_synced);
	json_array(&j, "members");
	for (int i = 0; i < st->n_members; i++)
		brk_member_json(&j, &st->member[i]);
	json_end(&j);
	brk_counters_json(&j, &st->count);
	json_end(&j);
}

/* --csv: a header and rows, times of day in ISO 8601 and durations in
 * seconds, for a spreadsheet or gnuplot; the first column is when. */
static const char *csv_now(char buf[NTP_TS_STRLEN])
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ntp_ts_format((int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec, buf, NTP_TS_STRLEN);
}

void render_status_csv(FILE *f, const struct ctl_status *st)
{
	char t[NTP_TS_STRLEN], b[3][PRINT_SECS_LEN], r[16];

	fprintf(f, "time,synchronised,stratum,reference,offset,frequency_ppm,root_delay,"
		   "root_dispersion,poll,sources\n");
	fprintf(f, "%s,%s,%u,%s,%s,%.6f,%s,%s,%d,%u\n", csv_now(t), st->synchronised ? "yes" : "no",
		st->stratum, ntp_refid_format(st->refid, st->stratum, r),
		print_secs(st->offset_ns, true, b[0]), st->freq_ppm,
		print_secs(st->root_delay_ns, false, b[1]), print_secs(st->root_disp_ns, false, b[2]),
		st->poll, st->n_sources);
}

/* One row for the node asked (its last adjustment) and one a member it
 * reads as master; offsets in tsync(1)'s convention, master minus member. */
void render_berkeley_csv(FILE *f, const struct brk_status *st)
{
	char t[NTP_TS_STRLEN], a[BRK_ADDR_STRLEN], b[3][PRINT_SECS_LEN];

	csv_now(t);
	fprintf(f, "time,round,node,address,role,offset,rtt,adjust,state,in_set,missed\n");
	fprintf(f, "%s,%016" PRIx64 ",%016" PRIx64 ",-,%s,%s,%s,%s,%s,%s,0\n", t, st->round,
		st->node, brk_state_name(st->state), st->state == BRK_ST_MASTER ? "+0.000000000" : "",
		st->state == BRK_ST_MASTER ? "0.000000000" : "",
		print_secs(st->last_applied, true, b[2]), "self", st->n_in > 0 ? "yes" : "no");
	for (int i = 0; i < st->n_members; i++) {
		const struct brk_status_member *m = &st->member[i];

		fprintf(f, "%s,%016" PRIx64 ",%016" PRIx64 ",%s,member,%s,%s,%s,%s,%s,%d\n", t,
			st->round, m->node, brk_addr_format(&m->addr, a, sizeof(a)),
			print_secs(master_minus_member(m->offset), true, b[0]),
			print_secs(m->rtt, false, b[1]), print_secs(m->adjust, true, b[2]),
			brk_member_state_name(m->state),
			m->in_set ? "yes" : "no", m->missed);
	}
}
