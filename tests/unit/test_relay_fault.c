/*
 * Unit tests for the lab relay's faults: the settings' syntax and its
 * errors, the generator's fixed sequence, and each datagram's fate.
 */
#include "unit.h"
#include <errno.h>
#include <string.h>

#include "tsync/relay_fault.h"

START_TEST(test_parse_all)
{
	struct relay_dir d = { 0 };
	char err[128];
	ck_assert_int_eq(relay_dir_parse("delay=20,jitter=1.5,loss=5,dup=0.25", &d, err, sizeof(err)), 0);
	ck_assert_int_eq(d.delay, 20000000);
	ck_assert_int_eq(d.jitter, 1500000);
	ck_assert_uint_eq(d.loss, 50000);
	ck_assert_uint_eq(d.dup, 2500);
	/* A second spec changes only what it names. */
	ck_assert_int_eq(relay_dir_parse("loss=100", &d, err, sizeof(err)), 0);
	ck_assert_int_eq(d.delay, 20000000);
	ck_assert_uint_eq(d.loss, RELAY_PPM);
}
END_TEST

static void check_bad(const char *spec, const char *want)
{
	struct relay_dir d = { .delay = 7, .loss = 9 };
	char err[128] = "";
	ck_assert_int_eq(relay_dir_parse(spec, &d, err, sizeof(err)), -EINVAL);
	ck_assert_msg(strstr(err, want) != NULL, "'%s': error '%s' names '%s'", spec, err, want);
	ck_assert_int_eq(d.delay, 7);
	ck_assert_uint_eq(d.loss, 9);
}

START_TEST(test_parse_errors)
{
	check_bad("", "unknown setting ''");
	check_bad("delay", "bad value for delay");
	check_bad("delay=", "bad value for delay");
	check_bad("delay=-1", "bad value for delay");
	check_bad("delay=60001", "0 to 60000 ms");
	check_bad("loss=100.5", "0 to 100 %");
	check_bad("dup=x", "bad value for dup");
	check_bad("delay=1,lag=2", "unknown setting 'lag'");
	check_bad("delay=1,", "unknown setting ''");
	check_bad("loss=nan", "bad value for loss");
	/* An error in the second item leaves the first undone too. */
	check_bad("delay=5,loss=200", "bad value for loss");
}
END_TEST

/* splitmix64's published first outputs for seed 0 (Vigna's reference). */
START_TEST(test_rng_sequence)
{
	struct relay_rng r;
	relay_rng_seed(&r, 0);
	ck_assert_uint_eq(relay_rng_next(&r), 0xe220a8397b1dcdafULL);
	ck_assert_uint_eq(relay_rng_next(&r), 0x6e789e6aa1b965f4ULL);
	ck_assert_uint_eq(relay_rng_next(&r), 0x06c45d188009454fULL);
}
END_TEST

START_TEST(test_fate_plain)
{
	struct relay_dir d = { .delay = 20000000 };
	struct relay_rng r;
	int64_t delays[2];
	relay_rng_seed(&r, 42);
	for (int i = 0; i < 1000; i++) {
		ck_assert_int_eq(relay_fate(&d, &r, delays), 1);
		ck_assert_int_eq(delays[0], 20000000);
	}
}
END_TEST

/* Rates over many draws, and jitter's bounds: each delay in
 * [delay - jitter, delay + jitter], never below 0, both ends reached. */
START_TEST(test_fate_rates)
{
	struct relay_dir d = { .delay = 1000, .jitter = 2000, .loss = 250000, .dup = 100000 };
	struct relay_rng r;
	int64_t delays[2], lo = 1 << 30, hi = -1;
	int n[3] = { 0 };
	relay_rng_seed(&r, 1);
	for (int i = 0; i < 100000; i++) {
		int c = relay_fate(&d, &r, delays);
		n[c]++;
		for (int k = 0; k < c; k++) {
			lo = delays[k] < lo ? delays[k] : lo;
			hi = delays[k] > hi ? delays[k] : hi;
		}
	}
	ck_assert_int_eq(lo, 0);
	ck_assert_int_eq(hi, 3000);
	ck_assert_msg(n[0] > 24000 && n[0] < 26000, "lost %d of 100000 at 25 %%", n[0]);
	/* 10 % of the 75 % that pass are doubled. */
	ck_assert_msg(n[2] > 7000 && n[2] < 8000, "doubled %d of 100000", n[2]);
}
END_TEST

/* The same seed, the same fates, whatever the rates: a lab replays. */
START_TEST(test_fate_replay)
{
	struct relay_dir a = { .loss = 500000 }, b = { .loss = 500000, .delay = 5, .dup = 10 };
	struct relay_rng ra, rb;
	int64_t da[2], db[2];
	relay_rng_seed(&ra, 99);
	relay_rng_seed(&rb, 99);
	for (int i = 0; i < 1000; i++)
		ck_assert_int_eq(relay_fate(&a, &ra, da) == 0, relay_fate(&b, &rb, db) == 0);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("relay_fault");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_parse_all);
	tcase_add_test(tc, test_parse_errors);
	tcase_add_test(tc, test_rng_sequence);
	tcase_add_test(tc, test_fate_plain);
	tcase_add_test(tc, test_fate_rates);
	tcase_add_test(tc, test_fate_replay);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(suite());
}
