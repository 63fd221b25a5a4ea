/*
 * Unit tests of the fault-tolerant average on hand vectors: an outlier
 * left out, ties, clocks all apart, the master alone, rounding, limits.
 */
#include "unit.h"
#include <errno.h>
#include <stdbool.h>

#include "tsync/brk_avg.h"

static struct brk_avg r;
static bool in[BRK_MAX_MEMBERS];

static void avg_of(const int64_t *off, size_t n, int64_t tol)
{
	ck_assert_int_eq(brk_ft_average(off, n, tol, in, &r), 0);
}

START_TEST(outlier_excluded)
{
	const int64_t off[] = { 10, 20, -10, 60000000000LL };
	avg_of(off, 4, 100);
	ck_assert_int_eq(r.avg, 5); /* (0 + 10 + 20 - 10) / 4 */
	ck_assert_int_eq(r.n_in, 4);
	ck_assert(r.master_in);
	ck_assert(in[0] && in[1] && in[2] && !in[3]);
}
END_TEST

START_TEST(all_within)
{
	const int64_t off[] = { 3, 6, 9 };
	avg_of(off, 3, 100);
	ck_assert_int_eq(r.avg, 4); /* 18 / 4, rounded down */
	ck_assert_int_eq(r.n_in, 4);
}
END_TEST

START_TEST(bounds_inclusive)
{
	const int64_t off[] = { 100, 101 };
	avg_of(off, 2, 100); /* 0 and 100 are exactly 100 apart: together */
	ck_assert_int_eq(r.n_in, 2);
	ck_assert(r.master_in);
	ck_assert(in[0] && !in[1]);
	ck_assert_int_eq(r.avg, 50);
}
END_TEST

START_TEST(tie_goes_to_master)
{
	const int64_t off[] = { 5, 100, 105 };
	avg_of(off, 3, 10);
	ck_assert(r.master_in);
	ck_assert_int_eq(r.n_in, 2);
	ck_assert_int_eq(r.avg, 2); /* 5 / 2, rounded down */
	ck_assert(in[0] && !in[1] && !in[2]);
}
END_TEST

START_TEST(tie_goes_to_nearest_mean)
{
	const int64_t off[] = { 100, 110, -200, -210 };
	avg_of(off, 4, 20);
	ck_assert(!r.master_in);
	ck_assert_int_eq(r.n_in, 2);
	ck_assert_int_eq(r.avg, 105);
	ck_assert(in[0] && in[1] && !in[2] && !in[3]);
}
END_TEST

START_TEST(tie_equal_distance_goes_low)
{
	const int64_t off[] = { 100, 110, -100, -110 };
	avg_of(off, 4, 20);
	ck_assert_int_eq(r.avg, -105);
	ck_assert(!in[0] && !in[1] && in[2] && in[3]);
}
END_TEST

START_TEST(all_apart)
{
	const int64_t off[] = { 1000000000, 2000000000, -1000000000 };
	avg_of(off, 3, 1000);
	ck_assert_int_eq(r.avg, 0); /* the master alone: everyone comes to it */
	ck_assert_int_eq(r.n_in, 1);
	ck_assert(r.master_in);
	ck_assert(!in[0] && !in[1] && !in[2]);
}
END_TEST

START_TEST(master_alone)
{
	avg_of(NULL, 0, 1000);
	ck_assert_int_eq(r.avg, 0);
	ck_assert_int_eq(r.n_in, 1);
	ck_assert(r.master_in);
}
END_TEST

START_TEST(master_outvoted)
{
	const int64_t off[] = { 1000, 1001, 1002 };
	avg_of(off, 3, 5);
	ck_assert(!r.master_in);
	ck_assert_int_eq(r.n_in, 3);
	ck_assert_int_eq(r.avg, 1001);
}
END_TEST

START_TEST(negative_rounds_down)
{
	const int64_t off[] = { -3 };
	avg_of(off, 1, 10);
	ck_assert_int_eq(r.avg, -2); /* -1.5 rounded down */
}
END_TEST

START_TEST(zero_tolerance)
{
	const int64_t off[] = { 0, 0, 7, 7, 7 };
	avg_of(off, 5, 0);
	ck_assert_int_eq(r.n_in, 3); /* three at 7 against master + two at 0: a tie, master's */
	ck_assert(r.master_in);
	ck_assert_int_eq(r.avg, 0);
}
END_TEST

START_TEST(limits)
{
	int64_t off[BRK_MAX_MEMBERS + 1] = { 0 };
	ck_assert_int_eq(brk_ft_average(off, BRK_MAX_MEMBERS + 1, 10, in, &r), -EINVAL);
	ck_assert_int_eq(brk_ft_average(off, 1, -1, in, &r), -EINVAL);
	off[0] = (int64_t)1 << 62;
	ck_assert_int_eq(brk_ft_average(off, 1, 10, in, &r), -EINVAL);
	off[0] = ((int64_t)1 << 62) - 1;
	off[1] = ((int64_t)1 << 62) - 2;
	ck_assert_int_eq(brk_ft_average(off, 2, 10, in, &r), 0);
	ck_assert_int_eq(r.avg, ((int64_t)1 << 62) - 2); /* no overflow on the way */
	for (int i = 0; i < BRK_MAX_MEMBERS; i++)
		off[i] = 1000 + i;
	ck_assert_int_eq(brk_ft_average(off, BRK_MAX_MEMBERS, 1000000, in, &r), 0);
	ck_assert_int_eq(r.n_in, BRK_MAX_MEMBERS + 1);
}
END_TEST

static Suite *avg_suite(void)
{
	Suite *s = suite_create("brk_avg");
	TCase *tc = tcase_create("average");
	tcase_add_test(tc, outlier_excluded);
	tcase_add_test(tc, all_within);
	tcase_add_test(tc, bounds_inclusive);
	tcase_add_test(tc, tie_goes_to_master);
	tcase_add_test(tc, tie_goes_to_nearest_mean);
	tcase_add_test(tc, tie_equal_distance_goes_low);
	tcase_add_test(tc, all_apart);
	tcase_add_test(tc, master_alone);
	tcase_add_test(tc, master_outvoted);
	tcase_add_test(tc, negative_rounds_down);
	tcase_add_test(tc, zero_tolerance);
	tcase_add_test(tc, limits);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(avg_suite());
}
