/*
 * Unit tests of the control socket's eviction rule (tsync/ctl_evict.h):
 * the oldest connection of the user who holds the most.
 */
#include "unit.h"

#include "tsync/ctl_evict.h"

#define ROOT 0
#define NOBODY 65534
#define ALICE 1000

START_TEST(one_user_oldest)
{
	struct ctl_evict_conn c[16];
	for (int i = 0; i < 16; i++)
		c[i] = (struct ctl_evict_conn){ .uid = ROOT, .serial = (uint64_t)(100 + (i * 7) % 16) };
	/* Distinct serials in scrambled order, the oldest at index 9. */
	c[0].serial = 200;
	c[9].serial = 42;
	ck_assert_int_eq(ctl_evict_pick(c, 16), 9);
	ck_assert_int_eq(ctl_evict_pick(c, 1), 0);
}
END_TEST

START_TEST(busiest_user_pays)
{
	/* root's one connection is the oldest of all: nobody's oldest goes. */
	struct ctl_evict_conn c[16];
	c[0] = (struct ctl_evict_conn){ .uid = ROOT, .serial = 1 };
	for (int i = 1; i < 16; i++)
		c[i] = (struct ctl_evict_conn){ .uid = NOBODY, .serial = (uint64_t)(40 - i) };
	ck_assert_int_eq(ctl_evict_pick(c, 16), 15); /* serial 25 */
	/* 8 and 8: equally many, one pool: the oldest of both. */
	for (int i = 0; i < 16; i++)
		c[i] = (struct ctl_evict_conn){ .uid = i % 2 ? NOBODY : ALICE,
						.serial = (uint64_t)(50 + i) };
	c[7].serial = 3;
	ck_assert_int_eq(ctl_evict_pick(c, 16), 7);
	/* 9 of alice's, 6 of nobody's (one older than all), 1 of root's. */
	for (int i = 0; i < 16; i++)
		c[i] = (struct ctl_evict_conn){ .uid = i < 9 ? ALICE : i < 15 ? NOBODY : ROOT,
						.serial = (uint64_t)(100 - i) };
	c[12].serial = 1;
	c[15].serial = 0;
	ck_assert_int_eq(ctl_evict_pick(c, 16), 8); /* alice's oldest: serial 92 */
}
END_TEST

START_TEST(unknown_uid_is_one_user)
{
	/* Peers whose credentials could not be read count as one user. */
	struct ctl_evict_conn c[4] = {
		{ .uid = (uid_t)-1, .serial = 9 }, { .uid = ROOT, .serial = 1 },
		{ .uid = (uid_t)-1, .serial = 5 }, { .uid = ALICE, .serial = 2 },
	};
	ck_assert_int_eq(ctl_evict_pick(c, 4), 2);
}
END_TEST

static Suite *ctl_evict_suite(void)
{
	Suite *s = suite_create("ctl_evict");
	TCase *tc = tcase_create("ctl_evict");
	tcase_add_test(tc, one_user_oldest);
	tcase_add_test(tc, busiest_user_pays);
	tcase_add_test(tc, unknown_uid_is_one_user);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(ctl_evict_suite());
}
