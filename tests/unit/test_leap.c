/*
 * Unit tests of the leap-second core: the majority vote, the leap-second
 * list (tzdata's copy and two test lists, every error's exact message),
 * the calendar, the decision and how each leapmode passes a leap.
 */
#include "unit.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tsync/leap.h"
#include "tsync/ntp_pkt.h"

#define S INT64_C(1000000000)
#define U LEAP_NTP_UNIX_S
/* Unix seconds of instants the tests use. */
#define JAN_2017 INT64_C(1483228800)
#define JAN_2027 INT64_C(1798761600)     /* 2027-01-01T00:00:00Z */
#define JUL_2026 INT64_C(1782864000)     /* 2026-07-01T00:00:00Z */
#define DEC31_2025_NOON INT64_C(1767182400)
#define DEC30_2026_NOON INT64_C(1798632000)

static struct leap_table table;
static char err[256];

static char *slurp(const char *name, size_t *len)
{
	static char buf[65536];
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", LEAP_DATA_DIR, name);
	FILE *f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "%s", path);
	*len = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[*len] = '\0';
	return buf;
}

static int parse_file(const char *name)
{
	size_t len;
	char *text = slurp(name, &len);
	return leap_file_parse(text, len, name, &table, err, sizeof(err));
}

static void bad(const char *text, const char *msg)
{
	ck_assert_int_eq(leap_file_parse(text, strlen(text), "t.list", &table, err, sizeof(err)),
			 -EINVAL);
	ck_assert_str_eq(err, msg);
	ck_assert_int_eq(table.n, 0); /* nothing kept */
}

START_TEST(vote_majority)
{
	uint8_t two_of_three[] = { NTP_LEAP_INSERT, NTP_LEAP_INSERT, NTP_LEAP_NONE };
	uint8_t one_of_three[] = { NTP_LEAP_NONE, NTP_LEAP_INSERT, NTP_LEAP_NONE };
	uint8_t del[] = { NTP_LEAP_DELETE, NTP_LEAP_DELETE, NTP_LEAP_INSERT };
	uint8_t half[] = { NTP_LEAP_INSERT, NTP_LEAP_INSERT, NTP_LEAP_NONE, NTP_LEAP_NONE };
	uint8_t split[] = { NTP_LEAP_INSERT, NTP_LEAP_DELETE };
	uint8_t alone[] = { NTP_LEAP_DELETE };

	ck_assert_int_eq(leap_vote(two_of_three, 3), NTP_LEAP_INSERT);
	ck_assert_int_eq(leap_vote(one_of_three, 3), NTP_LEAP_NONE);
	ck_assert_int_eq(leap_vote(del, 3), NTP_LEAP_DELETE);
	ck_assert_int_eq(leap_vote(half, 4), NTP_LEAP_NONE); /* half is no majority */
	ck_assert_int_eq(leap_vote(split, 2), NTP_LEAP_NONE);
	ck_assert_int_eq(leap_vote(alone, 1), NTP_LEAP_DELETE);
	ck_assert_int_eq(leap_vote(NULL, 0), NTP_LEAP_NONE);
}
END_TEST

START_TEST(vote_selected_only)
{
	struct srcsel_cand c[5] = {
		{ .leap = NTP_LEAP_INSERT, .state = SRCSEL_SYSPEER },
		{ .leap = NTP_LEAP_NONE, .state = SRCSEL_SURVIVOR },
		{ .leap = NTP_LEAP_INSERT, .state = SRCSEL_FALSETICKER },
		{ .leap = NTP_LEAP_INSERT, .state = SRCSEL_OUTLIER },
		{ .leap = NTP_LEAP_INSERT, .state = SRCSEL_UNFIT },
	};
	/* One of the two selected: no majority, whatever the others say. */
	ck_assert_int_eq(leap_vote_selected(c, 5, 2), NTP_LEAP_NONE);
	c[1].leap = NTP_LEAP_INSERT;
	ck_assert_int_eq(leap_vote_selected(c, 5, 2), NTP_LEAP_INSERT);
	/* Two of two selected, but five answer: no majority of them. */
	ck_assert_int_eq(leap_vote_selected(c, 5, 5), NTP_LEAP_NONE);
	ck_assert_int_eq(leap_vote_selected(c, 5, 3), NTP_LEAP_INSERT);
	/* The one source followed while two others fill their filters. */
	c[1].state = SRCSEL_UNFIT;
	ck_assert_int_eq(leap_vote_selected(c, 2, 1), NTP_LEAP_INSERT);
	ck_assert_int_eq(leap_vote_selected(c, 2, 3), NTP_LEAP_NONE);
	c[0].state = c[1].state = SRCSEL_OUTLIER;
	ck_assert_int_eq(leap_vote_selected(c, 5, 0), NTP_LEAP_NONE);
}
END_TEST

START_TEST(tzdata_list)
{
	ck_assert_int_eq(parse_file("leap-seconds.list"), 0);
	ck_assert_str_eq(err, "");
	ck_assert_int_eq(table.n, 28);
	ck_assert(table.hashed);
	ck_assert_int_eq(table.updated, 3960835200 - U);
	ck_assert_int_eq(table.expires, 3991593600 - U); /* 2026-06-28 */
	ck_assert_int_eq(table.at[0], 2272060800 - U);
	ck_assert_int_eq(table.tai[0], 10);
	ck_assert_int_eq(table.at[27], JAN_2017);
	ck_assert_int_eq(table.tai[27], 37);
	/* The last leap: inserted at the end of 2016-12-31. */
	ck_assert_int_eq(leap_file_at(&table, JAN_2017 * S), 1);
	ck_assert_int_eq(leap_file_at(&table, (JAN_2017 - 86400) * S), 0);
	ck_assert_int_eq(leap_file_at(&table, JAN_2017 * S + 1), 0);
	ck_assert_int_eq(leap_file_at(&table, table.at[0] * S), 0); /* the start, no leap */
	ck_assert(!leap_file_expired(&table, (3991593600 - U) * S - 1));
	ck_assert(leap_file_expired(&table, (3991593600 - U) * S));
}
END_TEST

START_TEST(test_lists)
{
	ck_assert_int_eq(parse_file("leap-insert-2026-12.list"), 0);
	ck_assert_int_eq(table.n, 29);
	ck_assert(table.hashed);
	ck_assert_int_eq(leap_file_at(&table, JAN_2027 * S), 1);
	ck_assert_int_eq(parse_file("leap-delete-2026-06.list"), 0);
	ck_assert_int_eq(leap_file_at(&table, JUL_2026 * S), -1);
	ck_assert_int_eq(table.tai[28], 36);
}
END_TEST

START_TEST(hash_checked)
{
	size_t len;
	char *text = slurp("leap-seconds.list", &len);
	char *upd = strstr(text, "#$\t3960835200");

	ck_assert_ptr_nonnull(upd);
	upd[12] = '1'; /* the update time, which the hash covers */
	ck_assert_int_eq(leap_file_parse(text, len, "x.list", &table, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "x.list:120: hash (#h) does not match the data");
	/* Without its hash line the same data is taken, unverified. */
	char *h = strstr(text, "#h");
	h[1] = ' ';
	ck_assert_int_eq(leap_file_parse(text, len, "x.list", &table, err, sizeof(err)), 0);
	ck_assert(!table.hashed);
	/* Leading zeros left out of a word, as some copies do. */
	const char *short_words = "#@ 3991593600\n2272060800 10\n#h 1 2 3 4 5\n";
	ck_assert_int_eq(leap_file_parse(short_words, strlen(short_words), "t.list", &table, err,
					 sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "t.list:3: hash (#h) does not match the data");
	const char *nine = "#@ 3991593600\n2272060800 10\n#h 1 2 3 4 000000005\n";
	ck_assert_int_eq(leap_file_parse(nine, strlen(nine), "t.list", &table, err, sizeof(err)),
			 -EINVAL);
	ck_assert_str_eq(err, "t.list:3: hash (#h) is not five hexadecimal words");
}
END_TEST

START_TEST(list_errors)
{
	bad("", "t.list: no leap seconds listed");
	bad("#@ 3991593600\n", "t.list: no leap seconds listed");
	bad("2272060800 10\n", "t.list: no expiry line (#@)");
	bad("abc 10\n", "t.list:1: expected NTP seconds and TAI-UTC");
	bad("2272060800\n", "t.list:1: expected NTP seconds and TAI-UTC");
	bad("2272060800 10 11\n", "t.list:1: expected NTP seconds and TAI-UTC");
	bad("2272060800 x\n", "t.list:1: expected NTP seconds and TAI-UTC");
	bad("4294967296 10\n", "t.list:1: expected NTP seconds and TAI-UTC");
	bad("1 10\n", "t.list:1: before 1970");
	bad("2272147200 10\n", "t.list:1: not the first second of a month"); /* 1972-01-02 */
	bad("2272060801 10\n", "t.list:1: not the first second of a month");
	bad("2287785600 11\n2272060800 10\n", "t.list:2: not later than the entry before");
	bad("2272060800 10\n2287785600 12\n", "t.list:2: TAI-UTC changes by 2 s, not by 1");
	bad("2272060800 10\n2287785600 10\n", "t.list:2: TAI-UTC changes by 0 s, not by 1");
	bad("#@ 1\n#@ 2\n", "t.list:2: expiry (#@) given twice (first on line 1)");
	bad("#$ 1\n#\n#$ 2\n", "t.list:3: update (#$) given twice (first on line 1)");
	bad("#@ soon\n", "t.list:1: expiry (#@) is not one number of NTP seconds");
	bad("#@ 1 2\n", "t.list:1: expiry (#@) is not one number of NTP seconds");
	bad("#h 1 2 3 4\n", "t.list:1: hash (#h) is not five hexadecimal words");
	bad("#h 1 2 3 4 5 6\n", "t.list:1: hash (#h) is not five hexadecimal words");
	bad("#h 1 2 3 4 5\n#h 1 2 3 4 5\n", "t.list:2: hash (#h) given twice (first on line 1)");
	ck_assert_int_eq(leap_file_parse("#@ 1\n2272060800 10\0\n", 20, "t.list", &table, err,
					 sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "t.list:2: NUL byte in the line");
}
END_TEST

START_TEST(list_forms)
{
	const char *text = "# comment\r\n#@\t3991593600\r\n\r\n  2272060800\t10 # 1 Jan 1972\r\n"
			   "2287785600 11#no blank before\n";
	ck_assert_int_eq(leap_file_parse(text, strlen(text), "t.list", &table, err, sizeof(err)), 0);
	ck_assert_int_eq(table.n, 2);
	ck_assert_int_eq(table.updated, 0);
	ck_assert_int_eq(leap_file_at(&table, (2287785600 - U) * S), 1);
}
END_TEST

START_TEST(utc_times)
{
	int64_t t;

	ck_assert(leap_parse_utc("2026-12-31T23:59:30Z", &t));
	ck_assert_int_eq(t, (JAN_2027 - 30) * S);
	ck_assert(leap_parse_utc("2026-06-30t23:59:40z", &t));
	ck_assert_int_eq(t, (JUL_2026 - 20) * S);
	ck_assert(leap_parse_utc("2026-12-31T23:59:30.25+00:00", &t));
	ck_assert_int_eq(t, (JAN_2027 - 30) * S + 250000000);
	ck_assert(leap_parse_utc("1970-01-01T00:00:00.000000001Z", &t));
	ck_assert_int_eq(t, 1);
	ck_assert(leap_parse_utc("2024-02-29T00:00:00Z", &t));
	ck_assert_int_eq(t, INT64_C(1709164800) * S);
	ck_assert(!leap_parse_utc("2026-02-29T00:00:00Z", &t));
	ck_assert(!leap_parse_utc("2026-12-31T24:00:00Z", &t));
	ck_assert(!leap_parse_utc("2016-12-31T23:59:60Z", &t)); /* not a Unix time */
	ck_assert(!leap_parse_utc("2026-12-31T23:59:30", &t));
	ck_assert(!leap_parse_utc("2026-12-31T23:59:30+01:00", &t));
	ck_assert(!leap_parse_utc("2026-12-31 23:59:30Z", &t));
	ck_assert(!leap_parse_utc("1969-12-31T23:59:59Z", &t));
	ck_assert(!leap_parse_utc("2201-01-01T00:00:00Z", &t));
	ck_assert(!leap_parse_utc("2026-12-31T23:59:30.Z", &t));
	ck_assert(!leap_parse_utc("2026-12-31T23:59:30.1234567890Z", &t));
	ck_assert(!leap_parse_utc("2026-1-31T23:59:30Z", &t));
	ck_assert(!leap_parse_utc("", &t));
}
END_TEST

START_TEST(calendar)
{
	ck_assert_int_eq(leap_day_end((JAN_2027 - 30) * S), JAN_2027 * S);
	ck_assert_int_eq(leap_day_end(JAN_2027 * S), (JAN_2027 + 86400) * S);
	ck_assert_int_eq(leap_day_end(-1), 0);
	ck_assert(leap_last_day_of_month((JAN_2027 - 1) * S));
	ck_assert(!leap_last_day_of_month(JAN_2027 * S));
	ck_assert(!leap_last_day_of_month(DEC30_2026_NOON * S));
	ck_assert(leap_last_day_of_month((JUL_2026 - 1) * S));
	ck_assert(leap_last_day_of_month((INT64_C(1709164800) + 3600) * S)); /* 2024-02-29 */
	ck_assert(!leap_last_day_of_month((INT64_C(1709078400) + 3600) * S)); /* 2024-02-28 */
}
END_TEST

START_TEST(decide_from_votes)
{
	struct leap_decision d;

	leap_decide(NULL, NTP_LEAP_INSERT, (JAN_2027 - 30) * S, &d);
	ck_assert_int_eq(d.leap, 1);
	ck_assert_int_eq(d.at, JAN_2027 * S);
	ck_assert(!d.from_file && !d.disagree);
	leap_decide(NULL, NTP_LEAP_DELETE, (JUL_2026 - 20) * S, &d);
	ck_assert_int_eq(d.leap, -1);
	ck_assert_int_eq(d.at, JUL_2026 * S);
	/* Only the last day of a month may end with a leap. */
	leap_decide(NULL, NTP_LEAP_INSERT, DEC30_2026_NOON * S, &d);
	ck_assert_int_eq(d.leap, 0);
	ck_assert_int_eq(d.vote, 0);
	leap_decide(NULL, NTP_LEAP_INSERT, JAN_2027 * S, &d);
	ck_assert_int_eq(d.leap, 0);
}
END_TEST

START_TEST(decide_with_list)
{
	struct leap_decision d;

	ck_assert_int_eq(parse_file("leap-insert-2026-12.list"), 0);
	/* The list supplies the leap the sources do not announce... */
	leap_decide(&table, NTP_LEAP_NONE, (JAN_2027 - 30) * S, &d);
	ck_assert_int_eq(d.leap, 1);
	ck_assert(d.from_file && d.disagree);
	ck_assert_int_eq(d.vote, 0);
	ck_assert_int_eq(d.file, 1);
	/* ...confirms one they do... */
	leap_decide(&table, NTP_LEAP_INSERT, (JAN_2027 - 30) * S, &d);
	ck_assert_int_eq(d.leap, 1);
	ck_assert(d.from_file && !d.disagree);
	/* ...and overrules a deletion, or a leap it does not list. */
	leap_decide(&table, NTP_LEAP_DELETE, (JAN_2027 - 30) * S, &d);
	ck_assert_int_eq(d.leap, 1);
	ck_assert(d.disagree);
	leap_decide(&table, NTP_LEAP_INSERT, (JUL_2026 - 20) * S, &d);
	ck_assert_int_eq(d.leap, 0);
	ck_assert(d.disagree);
	/* Expired (tzdata's copy, at 2026-12-31): the sources decide. */
	ck_assert_int_eq(parse_file("leap-seconds.list"), 0);
	leap_decide(&table, NTP_LEAP_INSERT, (JAN_2027 - 30) * S, &d);
	ck_assert_int_eq(d.leap, 1);
	ck_assert(!d.from_file && !d.disagree);
	/* Valid at the end of 2025, with no leap listed. */
	leap_decide(&table, NTP_LEAP_INSERT, DEC31_2025_NOON * S, &d);
	ck_assert_int_eq(d.leap, 0);
	ck_assert(d.from_file && d.disagree);
}
END_TEST

static struct leap_decision decision(int leap, int64_t at)
{
	return (struct leap_decision){ .leap = leap, .at = at };
}

START_TEST(system_mode)
{
	struct leap_state s;
	struct leap_actions a;
	struct leap_pass p;
	struct leap_decision d = decision(1, JAN_2027 * S);

	leap_init(&s, LEAP_MODE_SYSTEM);
	ck_assert(!leap_passed(&s, &p));
	leap_update(&s, &d, &a);
	ck_assert(a.tell_clock && a.armed);
	ck_assert_int_eq(a.clock_leap, 1);
	ck_assert_int_eq(a.at, JAN_2027 * S);
	ck_assert_int_eq(a.serve, NTP_LEAP_INSERT);
	leap_update(&s, &d, &a); /* told once */
	ck_assert(!a.tell_clock && a.armed);
	ck_assert(leap_passed(&s, &p));
	ck_assert_int_eq(p.leap, 1);
	ck_assert_int_eq(p.clock_ns, -S); /* the kernel stepped back */
	ck_assert(p.tell_clock);          /* and its flag comes off */
	ck_assert_int_eq(p.step_ns, 0);
	ck_assert_int_eq(p.slew_ns, 0);
	ck_assert_int_eq(p.shift_ns, 0);
	ck_assert_int_eq(leap_serve(&s), NTP_LEAP_NONE);
	/* 23:59:60 reads as 23:59:59 again: the same leap is not armed again. */
	leap_update(&s, &d, &a);
	ck_assert(!a.armed && !a.tell_clock);
	ck_assert_int_eq(a.serve, NTP_LEAP_NONE);
	ck_assert(!leap_passed(&s, &p));
}
END_TEST

START_TEST(system_mode_disarm)
{
	struct leap_state s;
	struct leap_actions a;
	struct leap_decision d = decision(-1, JUL_2026 * S);

	leap_init(&s, LEAP_MODE_SYSTEM);
	leap_update(&s, &d, &a);
	ck_assert_int_eq(a.clock_leap, -1);
	ck_assert_int_eq(a.serve, NTP_LEAP_DELETE);
	d.leap = 0; /* the majority changed its mind */
	leap_update(&s, &d, &a);
	ck_assert(a.tell_clock && !a.armed);
	ck_assert_int_eq(a.clock_leap, 0);
	ck_assert_int_eq(a.serve, NTP_LEAP_NONE);
}
END_TEST

START_TEST(step_mode)
{
	struct leap_state s;
	struct leap_actions a;
	struct leap_pass p;
	struct leap_decision d = decision(-1, JUL_2026 * S);

	leap_init(&s, LEAP_MODE_STEP);
	leap_update(&s, &d, &a);
	ck_assert(!a.tell_clock && a.armed);
	ck_assert_int_eq(a.at, (JUL_2026 - 1) * S); /* 23:59:59 is skipped */
	ck_assert_int_eq(a.serve, NTP_LEAP_DELETE);
	ck_assert(leap_passed(&s, &p));
	ck_assert_int_eq(p.step_ns, S); /* a deleted second: forward */
	ck_assert_int_eq(p.clock_ns, S);
	ck_assert(!p.tell_clock);
	ck_assert_int_eq(p.shift_ns, 0);
}
END_TEST

START_TEST(slew_and_ignore_modes)
{
	struct leap_state s;
	struct leap_actions a;
	struct leap_pass p;
	struct leap_decision d = decision(1, JAN_2027 * S);

	leap_init(&s, LEAP_MODE_SLEW);
	leap_update(&s, &d, &a);
	ck_assert(!a.tell_clock && a.armed);
	ck_assert_int_eq(a.serve, NTP_LEAP_NONE); /* the clock will not leap */
	ck_assert(leap_passed(&s, &p));
	ck_assert_int_eq(p.slew_ns, -S);
	ck_assert_int_eq(p.shift_ns, S);
	ck_assert_int_eq(p.clock_ns, 0);
	ck_assert_int_eq(p.step_ns, 0);

	leap_init(&s, LEAP_MODE_IGNORE);
	leap_update(&s, &d, &a);
	ck_assert_int_eq(a.serve, NTP_LEAP_NONE);
	ck_assert(leap_passed(&s, &p));
	ck_assert_int_eq(p.slew_ns, 0);
	ck_assert_int_eq(p.shift_ns, S);
	ck_assert_int_eq(p.clock_ns, 0);
}
END_TEST

START_TEST(slew_share)
{
	int64_t left = -S;

	ck_assert_int_eq(leap_slew_share(&left, -S), -S);
	ck_assert_int_eq(leap_slew_share(&left, -S / 2), -S / 2);
	/* More remaining than the leap had left: the rest is the discipline's. */
	ck_assert_int_eq(leap_slew_share(&left, -S / 2 - 300), -S / 2);
	ck_assert_int_eq(leap_slew_share(&left, -1000), -1000);
	ck_assert_int_eq(leap_slew_share(&left, 20), 0); /* done: the other way */
	ck_assert_int_eq(left, 0);
	ck_assert_int_eq(leap_slew_share(&left, -S), 0);
	left = S;
	ck_assert_int_eq(leap_slew_share(&left, 0), 0);
}
END_TEST

START_TEST(mode_names)
{
	enum leap_mode m;

	ck_assert(leap_mode_parse("slew", &m));
	ck_assert_int_eq(m, LEAP_MODE_SLEW);
	ck_assert(leap_mode_parse("system", &m));
	ck_assert_int_eq(m, LEAP_MODE_SYSTEM);
	ck_assert(!leap_mode_parse("smear", &m));
	ck_assert_str_eq(leap_mode_name(LEAP_MODE_IGNORE), "ignore");
	ck_assert_str_eq(leap_mode_name(LEAP_MODE_STEP), "step");
}
END_TEST

static Suite *leap_suite(void)
{
	Suite *s = suite_create("leap");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, vote_majority);
	tcase_add_test(tc, vote_selected_only);
	tcase_add_test(tc, tzdata_list);
	tcase_add_test(tc, test_lists);
	tcase_add_test(tc, hash_checked);
	tcase_add_test(tc, list_errors);
	tcase_add_test(tc, list_forms);
	tcase_add_test(tc, utc_times);
	tcase_add_test(tc, calendar);
	tcase_add_test(tc, decide_from_votes);
	tcase_add_test(tc, decide_with_list);
	tcase_add_test(tc, system_mode);
	tcase_add_test(tc, system_mode_disarm);
	tcase_add_test(tc, step_mode);
	tcase_add_test(tc, slew_and_ignore_modes);
	tcase_add_test(tc, slew_share);
	tcase_add_test(tc, mode_names);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(leap_suite());
}
