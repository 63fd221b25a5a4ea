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

START_TEST(wide_window_no_overflow)
{
	/* Five clocks within 2^62 - 1 of each other: their sum needs more than
	 * 64 bits, their mean does not. */
	const int64_t lim = ((int64_t)1 << 62) - 1;
	const int64_t off[] = { -lim, -1, -1, -1 };
	avg_of(off, 4, lim);
	ck_assert_int_eq(r.n_in, 5);
	ck_assert_int_eq(r.avg, -922337203685477582LL); /* (-lim - 3) / 5, rounded down */
}
END_TEST

/* The rules of the header, the slow way: every clock's value as the low
 * end of a window, the best kept; for the full-size test below. */
static struct brk_avg brute_force(const int64_t *off, size_t n, int64_t tol, bool *bin)
{
	struct brk_avg best = { 0 };
	int64_t best_lo = 0;
	for (size_t c = 0; c <= n; c++) {
		int64_t lo = c < n ? off[c] : 0, sum = 0;
		int cnt = 0;
		bool m_in = lo <= 0 && 0 <= lo + tol;
		for (size_t i = 0; i <= n; i++) {
			int64_t v = i < n ? off[i] : 0;
			if (v >= lo && v <= lo + tol) {
				sum += v;
				cnt++;
			}
		}
		int64_t mean = sum / cnt - (sum % cnt != 0 && sum < 0);
		int64_t am = mean < 0 ? -mean : mean, ab = best.avg < 0 ? -best.avg : best.avg;
		bool better = cnt != best.n_in ? cnt > best.n_in
			    : m_in != best.master_in ? m_in
			    : am != ab ? am < ab : lo < best_lo;
		if (best.n_in == 0 || better) {
			best = (struct brk_avg){ mean, cnt, m_in };
			best_lo = lo;
		}
	}
	for (size_t i = 0; i < n; i++)
		bin[i] = off[i] >= best_lo && off[i] <= best_lo + tol;
	return best;
}

START_TEST(full_group_as_brute_force)
{
	static int64_t off[BRK_MAX_MEMBERS];
	static bool bin[BRK_MAX_MEMBERS];
	uint64_t x = 0x9e3779b97f4a7c15u;
	for (int trial = 0; trial < 20; trial++) {
		/* Clusters of a few ms, a few clocks far off, some equal values. */
		for (int i = 0; i < BRK_MAX_MEMBERS; i++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			int64_t centre = (int64_t)(x % 3) * 4000000 - 4000000;
			off[i] = x % 50 == 0 ? (int64_t)(x % 1000000000) : centre + (int64_t)(x >> 40) % 3000000;
		}
		struct brk_avg want = brute_force(off, BRK_MAX_MEMBERS, 2000000, bin);
		avg_of(off, BRK_MAX_MEMBERS, 2000000);
		ck_assert_int_eq(r.n_in, want.n_in);
		ck_assert_int_eq(r.master_in, want.master_in);
		ck_assert_int_eq(r.avg, want.avg);
		ck_assert_mem_eq(in, bin, sizeof(bin));
	}
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
	tcase_add_test(tc, wide_window_no_overflow);
	tcase_add_test(tc, full_group_as_brute_force);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(avg_suite());
}
