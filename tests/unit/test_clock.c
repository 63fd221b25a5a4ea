/*
 * The clock backends, with reads only against the host's clock: readonly
 * refuses every change, system does not change anything yet, and sim
 * changes only itself.
 */
#include "unit.h"
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "tsync/clock.h"
#include "tsync/ntp_ts.h"

#define S INT64_C(1000000000)
#define MS INT64_C(1000000)

static int64_t host_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return ntp_ns_from_timespec(&ts);
}

/* Read c between two readings of the host and return the bounds. */
static int64_t read_between(struct clk *c, int64_t *before, int64_t *after)
{
	int64_t t;
	*before = host_now();
	ck_assert_int_eq(clk_read(c, &t), 0);
	*after = host_now();
	return t;
}

START_TEST(readonly_reads_and_refuses)
{
	struct clk *c;
	struct clk_status st;
	int64_t lo, hi;
	ck_assert_int_eq(clk_readonly_new(&c), 0);
	ck_assert_str_eq(clk_name(c), "readonly");
	int64_t t = read_between(c, &lo, &hi);
	ck_assert(t >= lo && t <= hi);
	ck_assert_int_eq(clk_step(c, S), -EPERM);
	ck_assert_int_eq(clk_slew(c, MS), -EPERM);
	ck_assert_int_eq(clk_set_freq(c, 1.0), -EPERM);
	ck_assert_int_eq(clk_status(c, &st), 0);
	ck_assert(!st.can_adjust);
	ck_assert(c->precision >= -32 && c->precision <= -6);
	clk_destroy(c);
}
END_TEST

START_TEST(system_reads_only)
{
	struct clk *c;
	struct clk_status st;
	int64_t lo, hi;
	ck_assert_int_eq(clk_system_new(&c), 0);
	ck_assert_str_eq(clk_name(c), "system");
	int64_t t = read_between(c, &lo, &hi);
	ck_assert(t >= lo && t <= hi);
	ck_assert_int_eq(clk_step(c, S), -ENOTSUP);
	ck_assert_int_eq(clk_slew(c, MS), -ENOTSUP);
	ck_assert_int_eq(clk_set_freq(c, 1.0), -ENOTSUP);
	ck_assert_int_eq(clk_status(c, &st), 0);
	ck_assert(!st.can_adjust);
	clk_destroy(c);
}
END_TEST

START_TEST(sim_offset_and_step)
{
	struct clk *c;
	int64_t lo, hi;
	ck_assert_int_eq(clk_sim_new(&c, 1500 * MS, 0.0), 0);
	ck_assert_str_eq(clk_name(c), "sim");
	int64_t t = read_between(c, &lo, &hi);
	ck_assert(t >= lo + 1500 * MS && t <= hi + 1500 * MS);
	ck_assert_int_eq(clk_step(c, -2 * S), 0);
	t = read_between(c, &lo, &hi);
	ck_assert(t >= lo - 500 * MS && t <= hi - 500 * MS);
	clk_destroy(c);
}
END_TEST

START_TEST(sim_status)
{
	struct clk *c;
	struct clk_status st;
	ck_assert_int_eq(clk_sim_new(&c, 0, 0.0), 0);
	ck_assert_int_eq(clk_set_freq(c, -12.5), 0);
	ck_assert_int_eq(clk_slew(c, 10 * S), 0);
	ck_assert_int_eq(clk_status(c, &st), 0);
	ck_assert(st.can_adjust);
	ck_assert(st.freq_ppm == -12.5);
	/* 10 s at 500 ppm takes hours: nearly all of it is still to come. */
	ck_assert(st.slew_remaining > 9 * S && st.slew_remaining <= 10 * S);
	clk_destroy(c);
}
END_TEST

static Suite *clock_suite(void)
{
	Suite *s = suite_create("clock");
	TCase *tc = tcase_create("backends");
	tcase_add_test(tc, readonly_reads_and_refuses);
	tcase_add_test(tc, system_reads_only);
	tcase_add_test(tc, sim_offset_and_step);
	tcase_add_test(tc, sim_status);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(clock_suite());
}
