/*
 * Unit tests of the rate limiter: the token bucket's arithmetic to the
 * request (burst, steady rate, refill, the exact KoD fraction), the IPv6
 * prefix, and a table that stays the same size under a million addresses
 * while the clients it promises to serve or to hold back are.
 */
#include "unit.h"
#include <errno.h>
#include <string.h>

#include "tsync/ratelimit.h"

#define SEC INT64_C(1000000000)
#define T0 (INT64_C(5000) * SEC) /* a monotonic clock some time after boot */

static const uint64_t KEY[2] = { 0x0123456789abcdefULL, 0xfedcba9876543210ULL };
static struct rl_table t;

static void setup(int interval, int burst, int leak, long table)
{
	struct rl_params p = { .interval = interval, .burst = burst, .leak = leak,
			       .table = table, .v6prefix = 64 };
	ck_assert_int_eq(rl_init(&t, &p, KEY), 0);
}

static const uint8_t A[4] = { 192, 0, 2, 1 };

static int check4(const uint8_t a[4], int64_t now)
{
	return rl_check(&t, a, 4, now);
}

START_TEST(burst_then_rate)
{
	setup(0, 4, 2, 64); /* 1 s, 4 in a burst */
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(check4(A, T0), RL_PASS);
	ck_assert_int_eq(check4(A, T0), RL_DROP);
	ck_assert_int_eq(check4(A, T0 + SEC / 2), RL_DROP);
	ck_assert_int_eq(check4(A, T0 + SEC - 1), RL_DROP);
	/* One period later, exactly one more. */
	ck_assert_int_eq(check4(A, T0 + SEC), RL_PASS);
	ck_assert_int_eq(check4(A, T0 + SEC), RL_KOD); /* the 4th drop: leak 2 */
	ck_assert_int_eq(check4(A, T0 + 2 * SEC), RL_PASS);
	/* Quiet for the whole bucket (4 periods from its debt): full again. */
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(check4(A, T0 + 7 * SEC), RL_PASS);
	ck_assert_int_eq(check4(A, T0 + 7 * SEC), RL_DROP);
	rl_free(&t);
}
END_TEST

START_TEST(refill_is_partial)
{
	setup(0, 4, 2, 64);
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(check4(A, T0), RL_PASS);
	/* 2.5 periods refill two requests, not three. */
	ck_assert_int_eq(check4(A, T0 + 5 * SEC / 2), RL_PASS);
	ck_assert_int_eq(check4(A, T0 + 5 * SEC / 2), RL_PASS);
	ck_assert_int_eq(check4(A, T0 + 5 * SEC / 2), RL_DROP);
	rl_free(&t);
}
END_TEST

/* At twice the rate for E = 1999 half periods, answered: the burst plus
 * one per whole period, burst + floor(E / T), no more and no less. */
START_TEST(double_rate)
{
	const int64_t T = SEC / 16; /* interval -4 */
	int passed = 0;

	setup(-4, 8, 2, 64);
	for (int k = 0; k < 2000; k++)
		passed += check4(A, T0 + k * T / 2) == RL_PASS;
	ck_assert_int_eq(passed, 8 + 1999 / 2);
	rl_free(&t);
}
END_TEST

START_TEST(steady_client_always_served)
{
	setup(3, 1, 2, 64); /* 8 s, no burst at all */
	for (int k = 0; k < 1000; k++)
		ck_assert_int_eq(check4(A, T0 + k * 8 * SEC), RL_PASS);
	ck_assert_int_eq(check4(A, T0 + 999 * 8 * SEC + 1), RL_DROP);
	rl_free(&t);
}
END_TEST

/* One drop in 2^leak is a KoD, exactly, counted across the drops. */
static void leak_fraction(int leak, int drops)
{
	int kod = 0, drop = 0;

	setup(0, 1, leak, 64);
	ck_assert_int_eq(check4(A, T0), RL_PASS);
	for (int i = 1; i <= drops; i++) {
		int v = check4(A, T0);
		ck_assert_int_eq(v, (i % (1 << leak)) == 0 ? RL_KOD : RL_DROP);
		kod += v == RL_KOD;
		drop += v == RL_DROP;
	}
	ck_assert_int_eq(kod, drops >> leak);
	ck_assert_int_eq(kod + drop, drops);
	rl_free(&t);
}

START_TEST(leak_exact)
{
	leak_fraction(0, 100);
	leak_fraction(1, 101);
	leak_fraction(2, 1000);
	leak_fraction(4, 1003);
	leak_fraction(16, 70000);
}
END_TEST

START_TEST(fractional_periods)
{
	setup(-9, 1, 0, 64); /* 1953125 ns exactly */
	ck_assert_int_eq(t.period, 1953125);
	ck_assert_int_eq(check4(A, T0), RL_PASS);
	ck_assert_int_eq(check4(A, T0 + 1953124), RL_KOD);
	ck_assert_int_eq(check4(A, T0 + 1953125), RL_PASS);
	rl_free(&t);
	setup(-19, 1, 0, 64);
	ck_assert_int_eq(t.period, 1907); /* 1907.35 ns */
	rl_free(&t);
	setup(12, 255, 0, 64);
	ck_assert_int_eq(t.period, 4096 * SEC);
	ck_assert_int_eq(t.tolerance, 254 * 4096 * SEC);
	rl_free(&t);
}
END_TEST

START_TEST(ipv6_by_prefix)
{
	uint8_t a[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 2, 0, 0, 0, 0, 0, 0, 0, 1 };
	uint8_t b[16], c[16];

	memcpy(b, a, 16);
	b[15] = 2;            /* same /64 */
	memcpy(c, a, 16);
	c[7] = 3;             /* the next /64 */
	setup(0, 2, 2, 64);
	ck_assert_int_eq(rl_check(&t, a, 16, T0), RL_PASS);
	ck_assert_int_eq(rl_check(&t, b, 16, T0), RL_PASS);
	ck_assert_int_eq(rl_check(&t, a, 16, T0), RL_DROP);
	ck_assert_int_eq(rl_check(&t, c, 16, T0), RL_PASS);
	ck_assert_int_eq(rl_entries_used(&t), 2);
	rl_free(&t);

	struct rl_params p = { .interval = 0, .burst = 1, .leak = 2, .table = 64, .v6prefix = 128 };
	ck_assert_int_eq(rl_init(&t, &p, KEY), 0);
	ck_assert_int_eq(rl_check(&t, a, 16, T0), RL_PASS);
	ck_assert_int_eq(rl_check(&t, b, 16, T0), RL_PASS);
	ck_assert_int_eq(rl_entries_used(&t), 2);
	rl_free(&t);
}
END_TEST

/* IPv4 192.0.2.1 and the IPv6 address of the same leading bytes are two
 * clients. */
START_TEST(families_apart)
{
	uint8_t v6[16] = { 192, 0, 2, 1 };

	setup(0, 1, 2, 64);
	ck_assert_int_eq(check4(A, T0), RL_PASS);
	ck_assert_int_eq(rl_check(&t, v6, 16, T0), RL_PASS);
	rl_free(&t);
}
END_TEST

/* A million addresses, once each, through a table of 1024: the table
 * neither grows nor fails; a client that keeps to the rate is answered
 * every time (a forgotten client starts with a full bucket); and a client
 * held back stays held back (its debt outranks every newcomer's, so the
 * spray never evicts it and never hands it a fresh burst). */
START_TEST(million_addresses)
{
	const int64_t T = SEC / 16, step = 10000; /* a new address every 10 us */
	const uint8_t steady[4] = { 198, 51, 100, 1 }, noisy[4] = { 198, 51, 100, 2 };
	int steady_sent = 0, noisy_passed = 0;

	setup(-4, 4, 2, 1024);
	size_t bytes = rl_table_bytes(&t);
	/* The noisy client spends its burst first: in debt from then on. */
	for (int k = 0; k < 8; k++)
		noisy_passed += check4(noisy, T0) == RL_PASS;
	ck_assert_int_eq(noisy_passed, 4);
	for (uint32_t i = 0; i < 1000000; i++) {
		int64_t now = T0 + (int64_t)i * step;
		uint8_t a[4] = { 10, (uint8_t)(i >> 16), (uint8_t)(i >> 8), (uint8_t)i };

		ck_assert_int_eq(check4(a, now), RL_PASS);
		if (now - T0 >= steady_sent * T) {
			ck_assert_int_eq(check4(steady, now), RL_PASS);
			steady_sent++;
		}
		if (i % 3125 == 0) /* twice its rate */
			noisy_passed += check4(noisy, now) == RL_PASS;
	}
	/* The last of the noisy one's requests came at 159.9 T: one answer
	 * per whole period after the burst, exactly as with no spray. */
	ck_assert_int_eq(steady_sent, 160);
	ck_assert_int_eq(noisy_passed, 4 + 159);
	ck_assert_uint_eq(rl_table_bytes(&t), bytes);
	ck_assert_uint_eq(rl_entries_used(&t), 1024);
	ck_assert_uint_ge(t.evicted, 1000000 - 1024);
	rl_free(&t);
}
END_TEST

START_TEST(bad_params)
{
	struct rl_params ok = { .interval = 0, .burst = 8, .leak = 2, .table = 64, .v6prefix = 64 };
	struct rl_params p;

	p = ok; p.table = 100;
	ck_assert_int_eq(rl_init(&t, &p, KEY), -EINVAL);
	p = ok; p.table = 4;
	ck_assert_int_eq(rl_init(&t, &p, KEY), -EINVAL);
	p = ok; p.interval = 13;
	ck_assert_int_eq(rl_init(&t, &p, KEY), -EINVAL);
	p = ok; p.burst = 0;
	ck_assert_int_eq(rl_init(&t, &p, KEY), -EINVAL);
	p = ok; p.leak = 17;
	ck_assert_int_eq(rl_init(&t, &p, KEY), -EINVAL);
	p = ok; p.v6prefix = 129;
	ck_assert_int_eq(rl_init(&t, &p, KEY), -EINVAL);
	ck_assert_ptr_null(t.entry);
	ck_assert_int_eq(rl_init(&t, &ok, KEY), 0);
	ck_assert_uint_eq(rl_table_bytes(&t), 64 * 32);
	rl_free(&t);
}
END_TEST

static Suite *ratelimit_suite(void)
{
	Suite *s = suite_create("ratelimit");
	TCase *c = tcase_create("bucket");

	tcase_set_timeout(c, 60);
	tcase_add_test(c, burst_then_rate);
	tcase_add_test(c, refill_is_partial);
	tcase_add_test(c, double_rate);
	tcase_add_test(c, steady_client_always_served);
	tcase_add_test(c, leak_exact);
	tcase_add_test(c, fractional_periods);
	tcase_add_test(c, ipv6_by_prefix);
	tcase_add_test(c, families_apart);
	tcase_add_test(c, million_addresses);
	tcase_add_test(c, bad_params);
	suite_add_tcase(s, c);
	return s;
}

int main(void)
{
	return unit_run(ratelimit_suite());
}
