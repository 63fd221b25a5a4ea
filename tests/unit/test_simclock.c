/*
 * The simulated clock's arithmetic, at chosen true instants: offset and
 * drift, steps, slews at 500 ppm, and frequency corrections.
 */
#include "unit.h"
#include <stdlib.h>

#include "tsync/simclock.h"

#define S INT64_C(1000000000)
#define MS INT64_C(1000000)
#define T0 (INT64_C(1800000000) * S) /* 2027-01-15, any instant will do */

START_TEST(offset_and_drift)
{
	struct sim_model m;
	sim_init(&m, T0, 250 * MS, 50.0);
	ck_assert_int_eq(sim_offset_at(&m, T0), 250 * MS);
	/* 50 ppm over 1 s is 50 us; over 1000 s, 50 ms. */
	ck_assert_int_eq(sim_offset_at(&m, T0 + S), 250 * MS + 50000);
	ck_assert_int_eq(sim_offset_at(&m, T0 + 1000 * S), 300 * MS);
	ck_assert_int_eq(sim_time_at(&m, T0 + S), T0 + S + 250 * MS + 50000);
}
END_TEST

START_TEST(negative_drift)
{
	struct sim_model m;
	sim_init(&m, T0, -3 * S, -100.0);
	ck_assert_int_eq(sim_offset_at(&m, T0 + 10 * S), -3 * S - MS);
}
END_TEST

START_TEST(step)
{
	struct sim_model m;
	sim_init(&m, T0, 250 * MS, 50.0);
	sim_step(&m, T0 + S, -250 * MS);
	ck_assert_int_eq(sim_offset_at(&m, T0 + S), 50000);
	/* The drift goes on after a step. */
	ck_assert_int_eq(sim_offset_at(&m, T0 + 2 * S), 100000);
}
END_TEST

START_TEST(slew_at_500ppm)
{
	struct sim_model m;
	sim_init(&m, T0, 1 * MS, 0.0);
	sim_slew(&m, T0, -MS);
	/* 500 ppm: 0.5 ms a second, so 1 ms takes 2 s and then stops. */
	ck_assert_int_eq(sim_offset_at(&m, T0 + S), MS / 2);
	ck_assert_int_eq(sim_slew_left_at(&m, T0 + S), -MS / 2);
	ck_assert_int_eq(sim_offset_at(&m, T0 + 2 * S), 0);
	ck_assert_int_eq(sim_offset_at(&m, T0 + 10 * S), 0);
	ck_assert_int_eq(sim_slew_left_at(&m, T0 + 10 * S), 0);
}
END_TEST

START_TEST(slew_positive_with_drift)
{
	struct sim_model m;
	sim_init(&m, T0, 0, 10.0);
	sim_slew(&m, T0, 2 * MS);
	/* After 1 s: 10 us of drift plus 0.5 ms of slew. */
	ck_assert_int_eq(sim_offset_at(&m, T0 + S), 10000 + MS / 2);
	/* After 8 s the slew is spent: 80 us of drift plus 2 ms. */
	ck_assert_int_eq(sim_offset_at(&m, T0 + 8 * S), 80000 + 2 * MS);
}
END_TEST

START_TEST(slew_replaces_slew)
{
	struct sim_model m;
	sim_init(&m, T0, 0, 0.0);
	sim_slew(&m, T0, 10 * MS);
	sim_slew(&m, T0 + S, MS); /* 0.5 ms applied, the rest cancelled */
	ck_assert_int_eq(sim_offset_at(&m, T0 + S), MS / 2);
	ck_assert_int_eq(sim_offset_at(&m, T0 + 10 * S), MS / 2 + MS);
}
END_TEST

START_TEST(freq_correction)
{
	struct sim_model m;
	sim_init(&m, T0, 0, 50.0);
	ck_assert_int_eq(sim_offset_at(&m, T0 + 2 * S), 100000);
	/* Correcting by -50 ppm from T0 + 2 s stops the offset growing. */
	sim_set_freq(&m, T0 + 2 * S, -50.0);
	ck_assert_int_eq(sim_offset_at(&m, T0 + 2 * S), 100000);
	ck_assert_int_eq(sim_offset_at(&m, T0 + 100 * S), 100000);
	/* Over-correcting makes it shrink. */
	sim_set_freq(&m, T0 + 100 * S, -60.0);
	ck_assert_int_eq(sim_offset_at(&m, T0 + 110 * S), 0);
}
END_TEST

/* A jump of +30 s scheduled 5 s on: none before, all of it from then on,
 * once, through a step made after it and one made before it. */
START_TEST(scheduled_jump)
{
	struct sim_model m;
	sim_init(&m, T0, 0, 10.0);
	sim_schedule_jump(&m, T0 + 5 * S, 30 * S);
	ck_assert_int_eq(sim_offset_at(&m, T0 + 5 * S - 1), 50000); /* 49999.99999, rounded */
	ck_assert_int_eq(sim_offset_at(&m, T0 + 5 * S), 30 * S + 50000);
	sim_step(&m, T0 + 2 * S, -MS); /* before the jump: it still comes */
	ck_assert_int_eq(sim_offset_at(&m, T0 + 4 * S), 40000 - MS);
	ck_assert_int_eq(sim_offset_at(&m, T0 + 6 * S), 30 * S + 60000 - MS);
	sim_step(&m, T0 + 7 * S, -30 * S); /* after it: it is not counted twice */
	ck_assert_int_eq(sim_offset_at(&m, T0 + 7 * S), 70000 - MS);
	ck_assert_int_eq(sim_offset_at(&m, T0 + 8 * S), 80000 - MS);
}
END_TEST

START_TEST(before_anchor)
{
	struct sim_model m;
	sim_init(&m, T0, 0, 100.0);
	sim_slew(&m, T0 + S, MS);
	/* 1 ms before the last change: 100 ppm of 0.999 s, no slew yet. */
	ck_assert_int_eq(sim_offset_at(&m, T0 + S - MS), 99900);
	ck_assert_int_eq(sim_slew_left_at(&m, T0 + S - MS), MS);
}
END_TEST

/* Unix seconds: 2027-01-01T00:00:00Z and 2026-07-01T00:00:00Z. */
#define JAN_2027 INT64_C(1798761600)
#define JUL_2026 INT64_C(1782864000)

START_TEST(start_at)
{
	struct sim_model m;
	sim_init_at(&m, T0, (JAN_2027 - 30) * S, 0.0);
	ck_assert_int_eq(sim_time_at(&m, T0), (JAN_2027 - 30) * S);
	ck_assert_int_eq(sim_time_at(&m, T0 + 5 * S), (JAN_2027 - 25) * S);
}
END_TEST

/* As the kernel with STA_INS: at midnight the clock steps back to
 * 23:59:59, which it then shows a second time (23:59:60). */
START_TEST(leap_insert)
{
	struct sim_model m;
	sim_init_at(&m, T0, (JAN_2027 - 2) * S, 0.0);
	ck_assert_int_eq(sim_leap_state_at(&m, T0), SIM_LEAP_OK);
	sim_set_leap(&m, T0, 1);
	ck_assert_int_eq(sim_leap_state_at(&m, T0), SIM_LEAP_INS);
	ck_assert_int_eq(sim_time_at(&m, T0 + 1500 * MS), (JAN_2027 - 1) * S + 500 * MS);
	ck_assert_int_eq(sim_time_at(&m, T0 + 2 * S - 1), JAN_2027 * S - 1);
	ck_assert_int_eq(sim_time_at(&m, T0 + 2 * S), (JAN_2027 - 1) * S);
	ck_assert_int_eq(sim_leap_state_at(&m, T0 + 2 * S), SIM_LEAP_OOP);
	ck_assert_int_eq(sim_time_at(&m, T0 + 2500 * MS), (JAN_2027 - 1) * S + 500 * MS);
	ck_assert_int_eq(sim_time_at(&m, T0 + 3 * S), JAN_2027 * S);
	ck_assert_int_eq(sim_offset_at(&m, T0 + 10 * S), (JAN_2027 - 2) * S - T0 - S);
	/* A change after the leap folds it in for good. */
	sim_step(&m, T0 + 5 * S, 0);
	ck_assert_int_eq(sim_leap_state_at(&m, T0 + 5 * S), SIM_LEAP_WAIT);
	ck_assert_int_eq(sim_time_at(&m, T0 + 5 * S), (JAN_2027 + 2) * S);
	/* While the flag stays set nothing more happens, the next midnight too. */
	sim_set_leap(&m, T0 + 6 * S, 1);
	ck_assert_int_eq(sim_leap_state_at(&m, T0 + 6 * S), SIM_LEAP_WAIT);
	ck_assert_int_eq(sim_time_at(&m, T0 + 86403 * S), (JAN_2027 + 86400) * S);
	sim_set_leap(&m, T0 + 7 * S, 0);
	ck_assert_int_eq(sim_leap_state_at(&m, T0 + 7 * S), SIM_LEAP_OK);
	ck_assert_int_eq(sim_time_at(&m, T0 + 7 * S), (JAN_2027 + 4) * S);
}
END_TEST

/* As the kernel with STA_DEL: 23:59:59 is skipped, 23:59:58.999... is
 * followed by midnight. */
START_TEST(leap_delete)
{
	struct sim_model m;
	sim_init_at(&m, T0, (JUL_2026 - 2) * S, 0.0);
	sim_set_leap(&m, T0, -1);
	ck_assert_int_eq(sim_leap_state_at(&m, T0), SIM_LEAP_DEL);
	ck_assert_int_eq(sim_time_at(&m, T0 + 500 * MS), (JUL_2026 - 2) * S + 500 * MS);
	ck_assert_int_eq(sim_time_at(&m, T0 + S - 1), (JUL_2026 - 1) * S - 1);
	ck_assert_int_eq(sim_time_at(&m, T0 + S), JUL_2026 * S);
	ck_assert_int_eq(sim_leap_state_at(&m, T0 + S), SIM_LEAP_WAIT);
	ck_assert_int_eq(sim_time_at(&m, T0 + 2 * S), (JUL_2026 + 1) * S);
}
END_TEST

/* The leap acts at the clock's own midnight, drift and slews included. */
START_TEST(leap_with_drift)
{
	struct sim_model m;
	sim_init_at(&m, T0, (JAN_2027 - 10) * S, 100.0);
	sim_set_leap(&m, T0, 1);
	/* 100 ppm fast: midnight comes after 10 s / 1.0001 of true time. */
	ck_assert_int_eq(sim_time_at(&m, T0 + 9999000100), JAN_2027 * S - 1 * S);
	ck_assert_int_eq(sim_time_at(&m, T0 + 9999000000), JAN_2027 * S - 100);
	/* Set on another day, it waits for the end of that day. */
	sim_init_at(&m, T0, (JAN_2027 - 86400 - 10) * S, 0.0);
	sim_set_leap(&m, T0, 1);
	ck_assert_int_eq(sim_time_at(&m, T0 + 10 * S), (JAN_2027 - 86400 - 1) * S);
	ck_assert_int_eq(sim_time_at(&m, T0 + 86410 * S), (JAN_2027 - 1) * S);
}
END_TEST

static Suite *simclock_suite(void)
{
	Suite *s = suite_create("simclock");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, offset_and_drift);
	tcase_add_test(tc, negative_drift);
	tcase_add_test(tc, step);
	tcase_add_test(tc, slew_at_500ppm);
	tcase_add_test(tc, slew_positive_with_drift);
	tcase_add_test(tc, slew_replaces_slew);
	tcase_add_test(tc, freq_correction);
	tcase_add_test(tc, before_anchor);
	tcase_add_test(tc, scheduled_jump);
	tcase_add_test(tc, start_at);
	tcase_add_test(tc, leap_insert);
	tcase_add_test(tc, leap_delete);
	tcase_add_test(tc, leap_with_drift);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(simclock_suite());
}
