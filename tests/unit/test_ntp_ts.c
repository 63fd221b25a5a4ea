/*
 * Unit tests for ntp_ts: nanosecond <-> NTP conversion with exact numbers,
 * the 2036 era rollover, rounding, the short format and precision.
 */
#include "unit.h"
#include <stdlib.h>
#include <string.h>

#include "tsync/ntp_ts.h"

#define S NTP_TS_NS_PER_S
/* 2036-02-07T06:28:16Z: NTP seconds wrap to 0 (era 1 begins). */
#define ERA1_UNIX INT64_C(2085978496)
#define ERA1_NS (ERA1_UNIX * S)
#define LATE_2035_NS (INT64_C(2080080000) * S) /* 2035-12-01T00:00:00Z */
#define EARLY_2036_NS (INT64_C(2087942400) * S) /* 2036-03-01T00:00:00Z */
#define YEAR_NS (INT64_C(31556952) * S)

static ntp_ts_t ts_of(uint32_t sec, uint32_t frac)
{
	return ((uint64_t)sec << 32) | frac;
}

/* Deterministic pseudo-random numbers (splitmix64), so failures replay. */
static uint64_t next_rand(uint64_t *state)
{
	uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

START_TEST(test_known_vectors)
{
	ck_assert_uint_eq(ntp_ts_from_ns(0), ts_of(0x83AA7E80, 0));
	ck_assert_uint_eq(ntp_ts_from_ns(S / 2), ts_of(0x83AA7E80, 0x80000000));
	ck_assert_uint_eq(ntp_ts_from_ns(S / 4), ts_of(0x83AA7E80, 0x40000000));
	ck_assert_uint_eq(ntp_ts_from_ns(-S), ts_of(0x83AA7E7F, 0));
	ck_assert_uint_eq(ntp_ts_from_ns(-S / 2), ts_of(0x83AA7E7F, 0x80000000));
	ck_assert_int_eq(ntp_ts_to_ns(ts_of(0x83AA7E80, 0), 0), 0);
	ck_assert_int_eq(ntp_ts_to_ns(ts_of(0x83AA7E80, 0x80000000), 0), S / 2);
	/* Captured from chrony: ref 0xeeb503da.db4fa67d, 2026-11-28. */
	ck_assert_int_eq(ntp_ts_to_ns(ts_of(0xeeb503da, 0xdb4fa67d), 0),
			 INT64_C(1795851610856684118));
}
END_TEST

static void check_round_trip(int64_t ns, int64_t ref)
{
	ntp_ts_t ts = ntp_ts_from_ns(ns);
	ck_assert_uint_ne(ts, 0);
	ck_assert_int_eq(ntp_ts_to_ns(ts, ref), ns);
}

START_TEST(test_round_trip_edges)
{
	static const int64_t secs[] = { 0, 1, -1, -2, 59, 1000000000, -1000000000,
					-2208988800, -2208988801, 2085978495, 2085978496,
					1795851612, 2147483647, -2147483648 };
	static const int64_t fracs[] = { 0, 1, 2, 3, 499999999, 500000000, 500000001,
					 999999990, 999999998, 999999999 };
	for (size_t i = 0; i < sizeof secs / sizeof secs[0]; i++)
		for (size_t j = 0; j < sizeof fracs / sizeof fracs[0]; j++) {
			int64_t ns = secs[i] * S + fracs[j];
			check_round_trip(ns, ns);
			check_round_trip(ns, ns + 60 * YEAR_NS);
			check_round_trip(ns, ns - 60 * YEAR_NS);
		}
}
END_TEST

START_TEST(test_round_trip_random)
{
	uint64_t state = 42;
	for (int i = 0; i < 200000; i++) {
		/* Anywhere in +-146 years of 1970, reference within 67 years. */
		int64_t ns = (int64_t)(next_rand(&state) >> 1) - (INT64_C(1) << 62);
		int64_t off = (int64_t)(next_rand(&state) % (uint64_t)(134 * YEAR_NS)) - 67 * YEAR_NS;
		check_round_trip(ns, ns + off);
	}
}
END_TEST

START_TEST(test_rollover_2036)
{
	/* Era 1 begins at 2036-02-07T06:28:16Z with NTP seconds 0. */
	ck_assert_uint_eq(ntp_ts_from_ns(ERA1_NS + S / 2), ts_of(0, 0x80000000));
	ck_assert_uint_eq(ntp_ts_from_ns(ERA1_NS - S), ts_of(0xFFFFFFFF, 0));
	/* A small (era 1) value seen from late 2035 lies after the wrap... */
	ck_assert_int_eq(ntp_ts_to_ns(ts_of(16, 0x80000000), LATE_2035_NS),
			 ERA1_NS + 16 * S + S / 2);
	/* ...a large (era 0) value seen from 2036 lies before it... */
	ck_assert_int_eq(ntp_ts_to_ns(ts_of(0xFFFFFFF0, 0), EARLY_2036_NS), ERA1_NS - 16 * S);
	/* ...and each stays in its own era seen from the other side. */
	ck_assert_int_eq(ntp_ts_to_ns(ts_of(0xFFFFFFF0, 0), LATE_2035_NS), ERA1_NS - 16 * S);
	ck_assert_int_eq(ntp_ts_to_ns(ts_of(16, 0x80000000), EARLY_2036_NS),
			 ERA1_NS + 16 * S + S / 2);
	/* Unix 0's wire seconds, seen from 2100, are in 2106 (era 1). */
	ck_assert_int_eq(ntp_ts_to_ns(ts_of(0x83AA7E80, 0), INT64_C(4102444800) * S),
			 (INT64_C(1) << 32) * S);
	/* Wire 0 is 1900 or 2036: from 1970 the nearer is 2036 (66 years
	 * against 70), from 1900 it is 1900 itself. */
	ck_assert_int_eq(ntp_ts_to_ns(ts_of(0, 0), 0), ERA1_NS);
	ck_assert_int_eq(ntp_ts_to_ns(ts_of(0, 0), -2208988800 * S), -2208988800 * S);
}
END_TEST

START_TEST(test_diff)
{
	ntp_ts_t before = ts_of(0xFFFFFFFB, 0); /* 5 s before the 2036 wrap */
	ntp_ts_t after = ts_of(5, 0);          /* 5 s after it */
	ck_assert_int_eq(ntp_ts_diff_ns(after, before), 10 * S);
	ck_assert_int_eq(ntp_ts_diff_ns(before, after), -10 * S);
	ck_assert_int_eq(ntp_ts_diff_ns(ts_of(7, 0), ts_of(7, 0x80000000)), -S / 2);
	ck_assert_int_eq(ntp_ts_diff_ns(ts_of(7, 0x80000000), ts_of(9, 0)), -3 * S / 2);
	/* 3 units (0.70 ns) round to 1 ns either way; 1 unit to 0. */
	ck_assert_int_eq(ntp_ts_diff_ns(ts_of(7, 3), ts_of(7, 0)), 1);
	ck_assert_int_eq(ntp_ts_diff_ns(ts_of(7, 0), ts_of(7, 3)), -1);
	ck_assert_int_eq(ntp_ts_diff_ns(ts_of(7, 0), ts_of(7, 1)), 0);
	/* Captured from chrony: transmit - receive of its reply. */
	ck_assert_int_eq(ntp_ts_diff_ns(ts_of(0xeeb503dc, 0xa5f42b2e), ts_of(0xeeb503dc, 0xa5e9839d)),
			 162576);
	/* Close to the limit of half an era, in both signs. */
	ck_assert_int_eq(ntp_ts_diff_ns(ts_of(0x7FFFFFFF, 0), 0), INT64_C(0x7FFFFFFF) * S);
	ck_assert_int_eq(ntp_ts_diff_ns(0, ts_of(0x80000000, 0)), INT64_C(-0x80000000) * S);
}
END_TEST

START_TEST(test_zero_unknown)
{
	ck_assert(ntp_ts_is_zero(0));
	ck_assert(!ntp_ts_is_zero(1));
	ck_assert(!ntp_ts_is_zero(ts_of(1, 0)));
	/* The two instants that encode to all-zero bits, 1900 and 2036. */
	ck_assert_uint_eq(ntp_ts_from_ns(-2208988800 * S), 1);
	ck_assert_uint_eq(ntp_ts_from_ns(ERA1_NS), 1);
	/* The nudge is 0.23 ns, so it still decodes to the exact instant. */
	ck_assert_int_eq(ntp_ts_to_ns(1, EARLY_2036_NS), ERA1_NS);
	ck_assert_uint_eq(ntp_ts_from_ns(ERA1_NS + 1), 4);
}
END_TEST

START_TEST(test_rounding)
{
	/* ns -> frac rounds to nearest: 3 ns is 12.88 units, 1 ns 4.29. */
	ck_assert_uint_eq(ntp_ts_from_ns(3), ts_of(0x83AA7E80, 13));
	ck_assert_uint_eq(ntp_ts_from_ns(1), ts_of(0x83AA7E80, 4));
	/* The largest ns fraction stays below 2^32 (0xfffffffb.b4 rounds up
	 * to ...fc), with no carry into the seconds. */
	ck_assert_uint_eq(ntp_ts_from_ns(S - 1), ts_of(0x83AA7E80, 0xFFFFFFFC));
	ck_assert_uint_eq(ntp_ts_from_ns(-1), ts_of(0x83AA7E7F, 0xFFFFFFFC));
	/* frac -> ns carries into the next second when it rounds to 1e9. */
	ck_assert_int_eq(ntp_ts_to_ns(ts_of(0x83AA7E80, 0xFFFFFFFF), 0), S);
	ck_assert_int_eq(ntp_ts_to_ns(ts_of(0x83AA7E7F, 0xFFFFFFFF), 0), 0);
	ck_assert_int_eq(ntp_ts_to_ns(ts_of(0x83AA7E80, 0xFFFFFFFD), 0), S - 1);
	/* 2^22 units is exactly 976562.5 ns: ties round up. */
	ck_assert_int_eq(ntp_ts_to_ns(ts_of(0x83AA7E80, 1u << 22), 0), 976563);
}
END_TEST

START_TEST(test_short_format)
{
	ck_assert_uint_eq(ntp_short_from_ns(S), 0x00010000);
	ck_assert_uint_eq(ntp_short_from_ns(3 * S / 2), 0x00018000);
	ck_assert_uint_eq(ntp_short_from_ns(0), 0);
	ck_assert_uint_eq(ntp_short_from_ns(-5), 0);
	ck_assert_uint_eq(ntp_short_from_ns(INT64_MIN), 0);
	/* One unit is 15258.79 ns: round to nearest around half of it. */
	ck_assert_uint_eq(ntp_short_from_ns(7629), 0);
	ck_assert_uint_eq(ntp_short_from_ns(7630), 1);
	ck_assert_uint_eq(ntp_short_from_ns(15259), 1);
	/* Saturation at 65535.99998 s. */
	ck_assert_uint_eq(ntp_short_from_ns(INT64_C(65535999984741)), 0xFFFFFFFF);
	ck_assert_uint_eq(ntp_short_from_ns(INT64_C(65535999969482)), 0xFFFFFFFE);
	ck_assert_uint_eq(ntp_short_from_ns(65536 * S - 1), 0xFFFFFFFF);
	ck_assert_uint_eq(ntp_short_from_ns(65536 * S), 0xFFFFFFFF);
	ck_assert_uint_eq(ntp_short_from_ns(INT64_MAX), 0xFFFFFFFF);
	ck_assert_int_eq(ntp_short_to_ns(0x00010000), S);
	ck_assert_int_eq(ntp_short_to_ns(0x00008000), S / 2);
	ck_assert_int_eq(ntp_short_to_ns(1), 15259);
	ck_assert_int_eq(ntp_short_to_ns(0), 0);
	ck_assert_int_eq(ntp_short_to_ns(0xFFFFFFFF), INT64_C(65535999984741));
	for (uint32_t s = 0; s < 0x30000; s += 7)
		ck_assert_uint_eq(ntp_short_from_ns(ntp_short_to_ns(s)), s);
}
END_TEST

START_TEST(test_timespec)
{
	struct timespec ts = ntp_timespec_from_ns(-1);
	ck_assert_int_eq(ts.tv_sec, -1);
	ck_assert_int_eq(ts.tv_nsec, 999999999);
	ts = ntp_timespec_from_ns(1795851612648094393);
	ck_assert_int_eq(ts.tv_sec, 1795851612);
	ck_assert_int_eq(ts.tv_nsec, 648094393);
	ck_assert_int_eq(ntp_ns_from_timespec(&ts), 1795851612648094393);
	ts = (struct timespec){ .tv_sec = -3, .tv_nsec = 250000000 };
	ck_assert_int_eq(ntp_ns_from_timespec(&ts), -2750000000);
}
END_TEST

START_TEST(test_precision)
{
	/* Smallest p with 2^p s >= ns; 2^-20 s is 953.67 ns. */
	ck_assert_int_eq(ntp_precision_from_ns(1000), -19);
	ck_assert_int_eq(ntp_precision_from_ns(954), -19);
	ck_assert_int_eq(ntp_precision_from_ns(953), -20);
	ck_assert_int_eq(ntp_precision_from_ns(1), -29); /* 2^-30 s = 0.93 ns */
	ck_assert_int_eq(ntp_precision_from_ns(20), -25);
	ck_assert_int_eq(ntp_precision_from_ns(S), 0);
	ck_assert_int_eq(ntp_precision_from_ns(S + 1), 1);
	ck_assert_int_eq(ntp_precision_from_ns(S / 2), -1);
	ck_assert_int_eq(ntp_precision_from_ns(0), -32);
	ck_assert_int_eq(ntp_precision_from_ns(-7), -32);
	ck_assert_int_eq(ntp_precision_from_ns(INT64_MAX), 31);
	ck_assert_int_eq(ntp_precision_to_ns(0), S);
	ck_assert_int_eq(ntp_precision_to_ns(-1), S / 2);
	ck_assert_int_eq(ntp_precision_to_ns(3), 8 * S);
	ck_assert_int_eq(ntp_precision_to_ns(-20), 954); /* rounded up */
	ck_assert_int_eq(ntp_precision_to_ns(-29), 2);
	ck_assert_int_eq(ntp_precision_to_ns(-32), 1);
	ck_assert_int_eq(ntp_precision_to_ns(-128), 1);
	ck_assert_int_eq(ntp_precision_to_ns(31), INT64_C(2147483648000000000));
	/* Saturates at p = 31 rather than INT64_MAX, so that adding it to
	 * other delays (as the dispersion does) cannot overflow. */
	ck_assert_int_eq(ntp_precision_to_ns(127), INT64_C(2147483648000000000));
	/* Back and forth: exact where 2^p s is whole nanoseconds (p >= -9);
	 * below, to_ns rounds up and so lands in the next power. */
	for (int p = -32; p <= 31; p++) {
		int want = p >= -9 ? p : p >= -29 ? p + 1 : -29;
		ck_assert_int_eq(ntp_precision_from_ns(ntp_precision_to_ns((int8_t)p)), want);
	}
}
END_TEST

START_TEST(test_format)
{
	char buf[NTP_TS_STRLEN];
	ck_assert_str_eq(ntp_ts_format(0, buf, sizeof buf), "1970-01-01T00:00:00.000000000Z");
	ck_assert_str_eq(ntp_ts_format(-1, buf, sizeof buf), "1969-12-31T23:59:59.999999999Z");
	ck_assert_str_eq(ntp_ts_format(ERA1_NS + S / 2, buf, sizeof buf),
			 "2036-02-07T06:28:16.500000000Z");
	ck_assert_str_eq(ntp_ts_format(1795851610856684118, buf, sizeof buf),
			 "2026-11-28T07:40:10.856684118Z");
	/* A short buffer truncates; a length of 0 leaves it alone. */
	ck_assert_str_eq(ntp_ts_format(0, buf, 11), "1970-01-01");
	strcpy(buf, "keep");
	ck_assert_ptr_eq(ntp_ts_format(0, buf, 0), buf);
	ck_assert_str_eq(buf, "keep");
	ck_assert_ptr_eq(ntp_ts_format(0, buf, -1), buf);
	ck_assert_str_eq(buf, "keep");
}
END_TEST

/* Offsets and durations, exact to the nanosecond at both ends of int64. */
START_TEST(test_secs_format)
{
	char buf[NTP_SECS_STRLEN];
	ck_assert_str_eq(ntp_secs_format(0, false, buf), "0.000000000");
	ck_assert_str_eq(ntp_secs_format(0, true, buf), "+0.000000000");
	ck_assert_str_eq(ntp_secs_format(-7, true, buf), "-0.000000007");
	ck_assert_str_eq(ntp_secs_format(-7, false, buf), "-0.000000007");
	ck_assert_str_eq(ntp_secs_format(1500000012, true, buf), "+1.500000012");
	ck_assert_str_eq(ntp_secs_format(1500000012, false, buf), "1.500000012");
	ck_assert_str_eq(ntp_secs_format(INT64_MAX, true, buf), "+9223372036.854775807");
	ck_assert_str_eq(ntp_secs_format(INT64_MIN, false, buf), "-9223372036.854775808");
}
END_TEST

static Suite *ntp_ts_suite(void)
{
	Suite *s = suite_create("ntp_ts");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_known_vectors);
	tcase_add_test(tc, test_round_trip_edges);
	tcase_add_test(tc, test_round_trip_random);
	tcase_add_test(tc, test_rollover_2036);
	tcase_add_test(tc, test_diff);
	tcase_add_test(tc, test_zero_unknown);
	tcase_add_test(tc, test_rounding);
	tcase_add_test(tc, test_short_format);
	tcase_add_test(tc, test_timespec);
	tcase_add_test(tc, test_precision);
	tcase_add_test(tc, test_format);
	tcase_add_test(tc, test_secs_format);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(ntp_ts_suite());
}
