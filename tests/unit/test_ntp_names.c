/*
 * Unit tests of ntp_names: when a source counts as dead or a falseticker,
 * which address of its name replaces it, and when the name is resolved
 * again, with exact times.
 */
#include "unit.h"
#include <string.h>

#include "tsync/ntp_names.h"

#define S INT64_C(1000000000)
#define T0 (INT64_C(1000) * S)

static struct names n;
static struct names_actions act;

/* Address k: a byte string of its own. */
static struct names_addr A(int k)
{
	struct names_addr a = { .len = 7, .b = { 4, 0, 123, 192, 0, 2, (uint8_t)k } };

	return a;
}

static void resolved(const int *ks, int count, int free_slots, int64_t now)
{
	struct names_addr a[NAMES_MAX_ADDRS + 4];

	for (int i = 0; i < count; i++)
		a[i] = A(ks[i]);
	names_resolved(&n, a, count, free_slots, now, &act);
}

/* What the actions start and stop, as address numbers. */
static bool bad(int k, int free_slots, int64_t now)
{
	struct names_addr a = A(k);

	return names_bad(&n, &a, free_slots, now, &act);
}

static void check_act(int start, int stop)
{
	ck_assert_int_eq(act.n_start, start >= 0);
	ck_assert_int_eq(act.n_stop, stop >= 0);
	if (start >= 0)
		ck_assert_int_eq(n.addr[act.start[0]].b[6], start);
	if (stop >= 0)
		ck_assert_int_eq(n.addr[act.stop[0]].b[6], stop);
}

static enum names_state state_of(int k)
{
	for (int i = 0; i < n.n_addr; i++)
		if (n.addr[i].b[6] == k)
			return (enum names_state)n.state[i];
	ck_abort_msg("address %d unknown", k);
	return NAMES_FREE;
}

START_TEST(health)
{
	struct names_health h = { 0 };

	for (int i = 0; i < NAMES_DEAD_POLLS + 1; i++) {
		ck_assert_int_eq(names_health_bad(&h), NAMES_OK);
		names_on_request(&h);
	}
	/* The 9th request is out: the 8 before it had no answer. */
	ck_assert_int_eq(names_health_bad(&h), NAMES_DEAD);
	names_on_reply(&h);
	ck_assert_int_eq(names_health_bad(&h), NAMES_OK);
	for (int i = 0; i < 3; i++)
		names_on_update(&h, true);
	ck_assert_int_eq(names_health_bad(&h), NAMES_OK);
	names_on_update(&h, false);
	for (int i = 0; i < 3; i++)
		names_on_update(&h, true);
	ck_assert_int_eq(names_health_bad(&h), NAMES_OK);
	names_on_update(&h, true);
	ck_assert_int_eq(names_health_bad(&h), NAMES_FALSETICKER);
	h.unanswered = UINT32_MAX;
	names_on_request(&h);
	ck_assert_uint_eq(h.unanswered, UINT32_MAX);
}
END_TEST

/* `server localhost` on a Debian /etc/hosts: [::1] first, 127.0.0.1
 * second, only the second answers. */
START_TEST(server_moves_on)
{
	names_start(&n, false, false, -2, T0, &act);
	ck_assert(act.resolve && act.resolve_at == 0 && act.n_start == 0);
	resolved((int[]){ 6, 4 }, 2, 16, T0 + S / 100);
	ck_assert(!act.resolve && act.resolve_at == 0);
	check_act(6, -1);
	ck_assert_int_eq(n.want, 1);
	ck_assert(bad(6, 15, T0 + 3 * S));
	check_act(4, 6);
	ck_assert(!act.resolve && act.resolve_at == 0);
	ck_assert_int_eq(state_of(6), NAMES_DROPPED);
	ck_assert_int_eq(state_of(4), NAMES_USED);
	/* Reported again: already replaced. */
	ck_assert(!bad(6, 15, T0 + 4 * S));
	check_act(-1, -1);
}
END_TEST

/* Both dead: the name again, no sooner than 16 polls of 2^-2 s after the
 * last resolution, then the first address again. */
START_TEST(server_resolves_again)
{
	int64_t interval = NAMES_RESOLVE_POLLS * S / 4;

	names_start(&n, false, false, -2, T0, &act);
	resolved((int[]){ 6, 4 }, 2, 16, T0);
	bad(6, 15, T0 + S);
	ck_assert(bad(4, 15, T0 + 2 * S));
	check_act(-1, -1);
	ck_assert(!act.resolve);
	ck_assert_int_eq(act.resolve_at, T0 + interval);
	names_tick(&n, 15, T0 + interval - 1, &act);
	ck_assert(!act.resolve && act.resolve_at == T0 + interval);
	names_tick(&n, 15, T0 + interval, &act);
	ck_assert(act.resolve);
	/* Asked once: a second tick while resolving asks nothing. */
	names_tick(&n, 15, T0 + interval + 1, &act);
	ck_assert(!act.resolve && act.resolve_at == 0);
	resolved((int[]){ 6, 4 }, 2, 15, T0 + interval + 2);
	check_act(6, 4);
	ck_assert_int_eq(state_of(4), NAMES_DROPPED);
	/* A new address the name now gives is taken before an old one. */
	bad(6, 15, T0 + interval + 3);
	ck_assert_int_eq(act.resolve_at, T0 + 2 * interval);
	names_tick(&n, 15, T0 + 2 * interval, &act);
	ck_assert(act.resolve);
	resolved((int[]){ 6, 4, 9 }, 3, 15, T0 + 2 * interval);
	check_act(9, 6);
}
END_TEST

/* One address only: kept polled, and asked again once per interval. */
START_TEST(server_single_address)
{
	int64_t interval = NAMES_RESOLVE_POLLS * 64 * S; /* minpoll 6: 1024 s */

	names_start(&n, false, false, 6, T0, &act);
	resolved((int[]){ 1 }, 1, 16, T0);
	check_act(1, -1);
	ck_assert(bad(1, 15, T0 + 600 * S));
	check_act(-1, -1);
	ck_assert_int_eq(act.resolve_at, T0 + 1024 * S);
	names_tick(&n, 15, T0 + interval, &act);
	ck_assert(act.resolve);
	resolved((int[]){ 1 }, 1, 15, T0 + interval);
	check_act(-1, -1);
	ck_assert_int_eq(state_of(1), NAMES_USED);
	ck_assert(!act.resolve && act.resolve_at == 0);
	ck_assert(bad(1, 15, T0 + interval + S));
	ck_assert_int_eq(act.resolve_at, T0 + 2 * interval);
}
END_TEST

START_TEST(numeric_and_unknown)
{
	names_start(&n, false, true, 6, T0, &act);
	ck_assert(act.resolve);
	resolved((int[]){ 1 }, 1, 16, T0);
	check_act(1, -1);
	ck_assert(!bad(1, 15, T0 + S));
	check_act(-1, -1);
	ck_assert(!act.resolve && act.resolve_at == 0);
	names_start(&n, false, false, 6, T0, &act);
	resolved((int[]){ 1 }, 1, 16, T0);
	ck_assert(!bad(2, 15, T0 + S));
	check_act(-1, -1);
}
END_TEST

/* A pool keeps its count: a dead member is replaced by a fresh address
 * from a new resolution, in the resolver's order. */
START_TEST(pool_replaces)
{
	names_start(&n, true, false, 0, T0, &act);
	resolved((int[]){ 1, 2, 3 }, 3, 16, T0);
	ck_assert_int_eq(n.want, 3);
	ck_assert_int_eq(act.n_start, 3);
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(act.start[i], i);
	ck_assert(bad(2, 13, T0 + 20 * S));
	ck_assert(act.resolve); /* 16 s after the first resolution */
	resolved((int[]){ 2, 4 }, 2, 13, T0 + 21 * S);
	check_act(4, 2);
	/* The list: 2 and 4 as given, then 1 and 3, still polled. */
	ck_assert_int_eq(n.n_addr, 4);
	ck_assert_int_eq(n.addr[2].b[6], 1);
	ck_assert_int_eq(n.addr[3].b[6], 3);
	ck_assert_int_eq(state_of(1), NAMES_USED);
	ck_assert_int_eq(state_of(3), NAMES_USED);
	ck_assert_int_eq(state_of(4), NAMES_USED);
	ck_assert_int_eq(state_of(2), NAMES_DROPPED);
	/* A falseticker the same way; the dropped 2 comes back when nothing
	 * else is left. */
	ck_assert(bad(3, 13, T0 + 40 * S));
	ck_assert(act.resolve);
	resolved((int[]){ 3, 4, 1, 2 }, 4, 13, T0 + 40 * S);
	check_act(2, 3);
}
END_TEST

START_TEST(pool_capped)
{
	names_start(&n, true, false, 6, T0, &act);
	resolved((int[]){ 1, 2, 3, 4, 5 }, 5, 2, T0);
	ck_assert_int_eq(n.want, 2);
	ck_assert_int_eq(act.n_start, 2);
	/* A dead member: a known address replaces it without resolving. */
	ck_assert(bad(1, 0, T0 + S));
	check_act(3, 1);
	ck_assert(!act.resolve && act.resolve_at == 0);
	/* No slot at all: a pool of 0 polls one anyway (the daemon says
	 * there is no room). */
	names_start(&n, true, false, 6, T0, &act);
	resolved((int[]){ 1, 2 }, 2, 0, T0);
	ck_assert_int_eq(n.want, 1);
	ck_assert_int_eq(act.n_start, 0);
}
END_TEST

START_TEST(resolve_failure)
{
	names_start(&n, false, false, 6, T0, &act);
	names_resolve_failed(&n, T0 + S, &act);
	ck_assert(!act.resolve);
	ck_assert_int_eq(act.resolve_at, T0 + 31 * S);
	names_tick(&n, 16, T0 + 31 * S - 1, &act);
	ck_assert(!act.resolve && act.resolve_at == T0 + 31 * S);
	names_tick(&n, 16, T0 + 31 * S, &act);
	ck_assert(act.resolve);
	resolved((int[]){ 7 }, 1, 16, T0 + 32 * S);
	check_act(7, -1);
}
END_TEST

START_TEST(resolver_lists)
{
	int many[NAMES_MAX_ADDRS + 4];

	names_start(&n, true, false, 6, T0, &act);
	resolved((int[]){ 1, 1, 2 }, 3, 16, T0);
	ck_assert_int_eq(n.n_addr, 2);
	ck_assert_int_eq(n.want, 2);
	/* A long list later: the polled addresses it lacks keep their room. */
	for (int i = 0; i < NAMES_MAX_ADDRS + 4; i++)
		many[i] = 10 + i;
	bad(1, 14, T0 + 1024 * S);
	ck_assert(act.resolve);
	resolved(many, NAMES_MAX_ADDRS + 4, 14, T0 + 1024 * S);
	ck_assert_int_eq(n.n_addr, NAMES_MAX_ADDRS);
	check_act(10, 1);
	ck_assert_int_eq(state_of(2), NAMES_USED);
	ck_assert_int_eq(n.addr[NAMES_MAX_ADDRS - 2].b[6], 1);
	ck_assert_int_eq(n.addr[NAMES_MAX_ADDRS - 1].b[6], 2);
}
END_TEST

START_TEST(intervals)
{
	names_start(&n, false, false, -6, T0, &act);
	resolved((int[]){ 1 }, 1, 16, T0);
	bad(1, 15, T0);
	ck_assert_int_eq(act.resolve_at, T0 + S / 4); /* 16 × 2^-6 s */
	names_start(&n, false, false, 17, T0, &act);
	resolved((int[]){ 1 }, 1, 16, T0);
	bad(1, 15, T0);
	ck_assert_int_eq(act.resolve_at, T0 + 16 * (INT64_C(1) << 17) * S);
}
END_TEST

static Suite *names_suite(void)
{
	Suite *s = suite_create("ntp_names");
	TCase *tc = tcase_create("names");

	tcase_add_test(tc, health);
	tcase_add_test(tc, server_moves_on);
	tcase_add_test(tc, server_resolves_again);
	tcase_add_test(tc, server_single_address);
	tcase_add_test(tc, numeric_and_unknown);
	tcase_add_test(tc, pool_replaces);
	tcase_add_test(tc, pool_capped);
	tcase_add_test(tc, resolve_failure);
	tcase_add_test(tc, resolver_lists);
	tcase_add_test(tc, intervals);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(names_suite());
}
