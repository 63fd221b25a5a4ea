/*
 * The simulated clock's arithmetic, at chosen true instants: offset and
 * drift, steps, slews (the rate limit, the end a timer makes, what a late
 * timer overshoots) and frequency corrections; and the slew both clock
 * backends share (tsync/slew.h).
 */
#include "unit.h"
#include <stdlib.h>

#include "tsync/clock.h"
#include "tsync/simclock.h"
#include "tsync/slew.h"

#define S INT64_C(1000000000)
#define MS INT64_C(1000000)
#define US INT64_C(1000)
/* CLK_MAX_SLEW_PPM in the kernel's unit: 1e6 / 12 x 65536, rounded. */
#define MAX_RATE INT64_C(5461333333)
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
	sim_slew(&m, T0, -MS, 500.0);
	/* 500 ppm: 0.5 ms a second, so 1 ms takes 2 s. */
	ck_assert_int_eq(m.slew.rate, -500 * 65536);
	ck_assert_int_eq(m.slew.end, T0 + 2 * S);
	ck_assert_int_eq(sim_offset_at(&m, T0 + S), MS / 2);
	ck_assert_int_eq(sim_slew_left_at(&m, T0 + S), -MS / 2);
	/* Faster than 1 ms over 1 s: its timer comes 20 ms before the end,
	 * and the 10 us left then take 1 s more, at 10 ppm. */
	ck_assert_int_eq(sim_poll_due_in(&m, T0), 2 * S - 20 * MS);
	ck_assert(!sim_poll(&m, T0 + 2 * S - 20 * MS - 1));
	ck_assert(sim_poll(&m, T0 + 2 * S - 20 * MS));
	ck_assert_int_eq(sim_slew_left_at(&m, T0 + 2 * S - 20 * MS), -10 * US);
	ck_assert_int_eq(m.slew.rate, -10 * 65536);
	ck_assert_int_eq(sim_poll_due_in(&m, T0 + 2 * S - 20 * MS), S);
	ck_assert_int_eq(sim_offset_at(&m, T0 + 2 * S - 20 * MS + S), 0);
	/* At the end: stopped. */
	ck_assert(sim_poll(&m, T0 + 3 * S - 20 * MS));
	ck_assert_int_eq(sim_poll_due_in(&m, T0 + 3 * S), -1);
	ck_assert_int_eq(sim_offset_at(&m, T0 + 10 * S), 0);
	ck_assert_int_eq(sim_slew_left_at(&m, T0 + 10 * S), 0);
	ck_assert_int_eq(sim_slewed_at(&m, T0 + 10 * S), -MS);
}
END_TEST

/* As the kernel's tick and frequency, the rate runs on until someone
 * ends it: with no timer, the slew overshoots. */
START_TEST(slew_runs_until_polled)
{
	struct sim_model m;
	sim_init(&m, T0, 1 * MS, 0.0);
	sim_slew(&m, T0, -MS, 500.0);
	ck_assert_int_eq(sim_offset_at(&m, T0 + 10 * S), -4 * MS);
	ck_assert_int_eq(sim_slew_left_at(&m, T0 + 10 * S), 4 * MS);
	ck_assert_int_eq(sim_slewed_at(&m, T0 + 10 * S), -5 * MS);
}
END_TEST

/* 0.25 s at the fastest rate, 83,333 ppm: 3 s (and 1 ns, the end
 * rounded up), not the 500 s of adjtime's 500 ppm; polled 20 ms before
 * that, the 1.667 ms left take 1 s more at 1666.667 ppm. */
START_TEST(slew_fast)
{
	struct sim_model m;
	sim_init(&m, T0, -250 * MS, 0.0);
	sim_slew(&m, T0, 250 * MS, 1e6); /* asked faster: capped */
	ck_assert_int_eq(m.slew.rate, MAX_RATE);
	ck_assert_int_eq(m.slew.end, T0 + 3 * S + 1);
	int64_t due = T0 + 3 * S + 1 - 20 * MS;
	ck_assert_int_eq(sim_poll_due_in(&m, T0), due - T0);
	ck_assert_int_eq(sim_offset_at(&m, T0 + S), -250 * MS + 83333333);
	ck_assert(sim_poll(&m, due));
	ck_assert_int_eq(sim_offset_at(&m, due), -1666667);
	ck_assert_int_eq(m.slew.rate, llround(1666.667 * 65536));
	/* 1 s less 4 ns: the rate is rounded to the kernel's unit, up */
	ck_assert_int_eq(sim_poll_due_in(&m, due), S - 4);
	ck_assert(sim_poll(&m, due + S - 4));
	ck_assert_int_eq(sim_poll_due_in(&m, due + S), -1);
	ck_assert_int_eq(sim_offset_at(&m, T0 + 60 * S), 0);
}
END_TEST

/* The timer fired 30 ms late (10 ms after the end): 833,333 ns overshot,
 * slewed back at no more than 1 s's worth of it a second (833.333 ppm),
 * which a timer 10 ms late again overshoots by 8,333 ns, and so on down
 * to nothing. */
START_TEST(slew_late_timer)
{
	struct sim_model m;
	sim_init(&m, T0, -250 * MS, 0.0);
	sim_slew(&m, T0, 250 * MS, CLK_MAX_SLEW_PPM);
	int64_t late = T0 + 3 * S + 1 + 10 * MS;
	ck_assert(sim_poll(&m, late));
	ck_assert_int_eq(sim_offset_at(&m, late), 833333);
	ck_assert_int_eq(sim_slew_left_at(&m, late), -833333);
	ck_assert_int_eq(m.slew.rate, -llround(833.333 * 65536));
	int64_t end = late + sim_poll_due_in(&m, late);
	ck_assert(end >= late + S && end <= late + S + 1000);
	ck_assert(sim_poll(&m, end + 10 * MS));
	ck_assert(llabs(sim_offset_at(&m, end + 10 * MS) + 8333) <= 1);
	sim_settle(&m, end + 100 * S);
	ck_assert(llabs(sim_offset_at(&m, end + 100 * S)) <= 1);
	ck_assert_int_eq(sim_poll_due_in(&m, end + 100 * S), -1);
}
END_TEST

/* A slew lasts CLK_SLEW_MIN_NS at least: 1 us takes 1 s at 1 ppm. */
START_TEST(slew_min_duration)
{
	struct sim_model m;
	sim_init(&m, T0, 0, 0.0);
	sim_slew(&m, T0, US, CLK_MAX_SLEW_PPM);
	ck_assert_int_eq(m.slew.rate, 65536);
	ck_assert_int_eq(sim_poll_due_in(&m, T0), S);
	ck_assert_int_eq(sim_offset_at(&m, T0 + S / 2), US / 2);
	/* and a slew of nothing is none */
	sim_slew(&m, T0 + S / 2, 0, 500.0);
	ck_assert_int_eq(sim_poll_due_in(&m, T0 + S / 2), -1);
	ck_assert_int_eq(sim_offset_at(&m, T0 + 5 * S), US / 2);
}
END_TEST

START_TEST(slew_positive_with_drift)
{
	struct sim_model m;
	sim_init(&m, T0, 0, 10.0);
	sim_slew(&m, T0, 2 * MS, 500.0);
	/* After 1 s: 10 us of drift plus 0.5 ms of slew. */
	ck_assert_int_eq(sim_offset_at(&m, T0 + S), 10000 + MS / 2);
	/* After 8 s, the slew ended at 4 s: 80 us of drift plus 2 ms. */
	sim_settle(&m, T0 + 8 * S);
	ck_assert_int_eq(sim_offset_at(&m, T0 + 8 * S), 80000 + 2 * MS);
}
END_TEST

START_TEST(slew_replaces_slew)
{
	struct sim_model m;
	sim_init(&m, T0, 0, 0.0);
	sim_slew(&m, T0, 10 * MS, 500.0);
	sim_slew(&m, T0 + S, MS, 500.0); /* 0.5 ms applied, the rest cancelled */
	ck_assert_int_eq(sim_offset_at(&m, T0 + S), MS / 2);
	sim_settle(&m, T0 + 10 * S);
	ck_assert_int_eq(sim_offset_at(&m, T0 + 10 * S), MS / 2 + MS);
	ck_assert_int_eq(sim_slewed_at(&m, T0 + 10 * S), MS / 2 + MS);
}
END_TEST

/* A change of frequency during a slew keeps the slew's extra rate (the
 * system clock puts both in the kernel's tick and frequency), and a step
 * leaves it going (ADJ_SETOFFSET touches neither). */
START_TEST(slew_through_freq_and_step)
{
	struct sim_model m;
	sim_init(&m, T0, 0, 0.0);
	sim_slew(&m, T0, 10 * MS, 1000.0); /* 10 s */
	sim_set_freq(&m, T0 + 2 * S, 100.0);
	ck_assert_int_eq(sim_offset_at(&m, T0 + 4 * S), 4 * MS + 200 * US);
	ck_assert_int_eq(sim_slew_left_at(&m, T0 + 4 * S), 6 * MS);
	sim_step(&m, T0 + 4 * S, S);
	ck_assert_int_eq(sim_offset_at(&m, T0 + 6 * S), S + 6 * MS + 400 * US);
	ck_assert_int_eq(sim_poll_due_in(&m, T0 + 6 * S), 4 * S - 20 * MS);
	sim_settle(&m, T0 + 20 * S);
	ck_assert_int_eq(sim_offset_at(&m, T0 + 20 * S), S + 10 * MS + 1800 * US);
}
END_TEST

/* The kernel's tick in whole 100 ppm, the frequency the rest, within
 * +-50 ppm. */
START_TEST(split_tick_and_freq)
{
	long tick, freq;
	slew_split(0, &tick, &freq);
	ck_assert_int_eq(tick, 10000);
	ck_assert_int_eq(freq, 0);
	/* -49.5 ppm + 83,333.333 ppm = 83,283.833: tick 10833, -16.167 ppm */
	slew_split(-3244032 + MAX_RATE, &tick, &freq);
	ck_assert_int_eq(tick, 10833);
	ck_assert_int_eq(freq, -1059499);
	slew_split(INT64_C(-83333) * 65536, &tick, &freq);
	ck_assert_int_eq(tick, 9167);
	ck_assert_int_eq(freq, -33 * 65536);
	/* 50 ppm is half a tick: away from zero */
	slew_split(50 * 65536, &tick, &freq);
	ck_assert_int_eq(tick, 10001);
	ck_assert_int_eq(freq, -50 * 65536);
	slew_split(-50 * 65536 + 1, &tick, &freq);
	ck_assert_int_eq(tick, 10000);
	ck_assert_int_eq(freq, -50 * 65536 + 1);
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
	sim_slew(&m, T0 + S, MS, 500.0);
	/* 1 ms before the last change: 100 ppm of 0.999 s, no slew yet. */
	ck_assert_int_eq(sim_offset_at(&m, T0 + S - MS), 99900);
	ck_assert_int_eq(sim_slew_left_at(&m, T0 + S - MS), MS);
}
END_TEST

/* A datagram's kernel timestamp converted after the clock changed: the
 * offset it had when taken, from the state then in force (a slew at
 * 83,333 ppm misjudged for 1 ms would be 83 us off). */
START_TEST(past_states)
{
	struct sim_model m;
	sim_init(&m, T0, 0, 0.0);
	sim_slew(&m, T0, 250 * MS, CLK_MAX_SLEW_PPM);
	sim_set_freq(&m, T0 + S, 100.0);
	sim_step(&m, T0 + 2 * S, -S);
	sim_slew(&m, T0 + 2 * S + MS, 0, 500.0);
	ck_assert_int_eq(sim_offset_at(&m, T0 + S - MS), 83250000);
	ck_assert_int_eq(sim_offset_at(&m, T0 + 2 * S - MS), 166583333 + 99900);
	/* after the step, before the slew stopped (83,333,333 ns a second,
	 * rounded at each change) */
	ck_assert_int_eq(sim_offset_at(&m, T0 + 2 * S + MS / 2), 166666666 + 100000 - S + 41667 + 50);
	/* the oldest state, extrapolated back */
	ck_assert_int_eq(sim_offset_at(&m, T0 - S), 0);
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
	tcase_add_test(tc, slew_runs_until_polled);
	tcase_add_test(tc, slew_fast);
	tcase_add_test(tc, slew_late_timer);
	tcase_add_test(tc, slew_min_duration);
	tcase_add_test(tc, slew_through_freq_and_step);
	tcase_add_test(tc, split_tick_and_freq);
	tcase_add_test(tc, slew_positive_with_drift);
	tcase_add_test(tc, slew_replaces_slew);
	tcase_add_test(tc, freq_correction);
	tcase_add_test(tc, before_anchor);
	tcase_add_test(tc, past_states);
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
