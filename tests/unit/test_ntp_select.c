/*
 * Unit tests for ntp_select: intersection on interval sets worked out by
 * hand (falsetickers, no majority, a single source), clustering, the
 * weighted combination to exact numbers, the prefer peer and the system
 * variables the server role advertises, and when they no longer hold.
 */
#include "unit.h"
#include <string.h>

#include "tsync/ntp_pkt.h"
#include "tsync/ntp_select.h"

#define MS INT64_C(1000000)
#define SEC INT64_C(1000000000)
#define YEAR (INT64_C(31557600) * SEC)

/* A fit stratum-2 candidate: offset +- root distance, peer jitter. */
static struct srcsel_cand cand(int64_t offset, int64_t root_dist, int64_t jitter)
{
	struct srcsel_cand c;
	memset(&c, 0, sizeof(c));
	c.offset = offset;
	c.root_dist = root_dist;
	c.jitter = jitter;
	c.stratum = 2;
	c.fit = true;
	c.state = SRCSEL_SYSPEER; /* garbage the run must overwrite */
	return c;
}

static void assert_states(const struct srcsel_cand *c, int n, const enum srcsel_state *want)
{
	for (int i = 0; i < n; i++)
		ck_assert_msg(c[i].state == want[i], "candidate %d: %s, want %s", i,
			      srcsel_state_name(c[i].state), srcsel_state_name(want[i]));
}

/* [-10, 10], [-8, 12], [40, 60] ms: no point is in all three; with one
 * falseticker allowed the intersection is [-8, 10] and [40, 60] misses it. */
START_TEST(one_falseticker_of_three)
{
	struct srcsel_cand c[3] = { cand(0, 10 * MS, MS), cand(2 * MS, 10 * MS, MS),
				    cand(50 * MS, 10 * MS, MS) };
	struct srcsel_result r;
	ck_assert(srcsel_run(c, 3, &r));
	ck_assert_int_eq(r.status, SRCSEL_MAJORITY);
	ck_assert_int_eq(r.low, -8 * MS);
	ck_assert_int_eq(r.high, 10 * MS);
	ck_assert_int_eq(r.n_fit, 3);
	ck_assert_int_eq(r.n_truechimers, 2);
	ck_assert_int_eq(r.n_falsetickers, 1);
	ck_assert_int_eq(r.n_survivors, 2);
	ck_assert_int_eq(r.peer, 0);
	ck_assert_int_eq(r.offset, 1 * MS); /* equal weights */
	const enum srcsel_state want[] = { SRCSEL_SYSPEER, SRCSEL_SURVIVOR, SRCSEL_FALSETICKER };
	assert_states(c, 3, want);
}
END_TEST

/* Three agree near 0, two are off by +-100 ms: f = 0 and 1 fail, f = 2
 * gives [-8, 10] with exactly two midpoints outside. */
START_TEST(two_falsetickers_of_five)
{
	struct srcsel_cand c[5] = { cand(100 * MS, 10 * MS, MS), cand(0, 10 * MS, MS),
				    cand(1 * MS, 10 * MS, MS), cand(-100 * MS, 10 * MS, MS),
				    cand(2 * MS, 10 * MS, MS) };
	struct srcsel_result r;
	ck_assert(srcsel_run(c, 5, &r));
	ck_assert_int_eq(r.status, SRCSEL_MAJORITY);
	ck_assert_int_eq(r.low, -8 * MS);
	ck_assert_int_eq(r.high, 10 * MS);
	ck_assert_int_eq(r.n_truechimers, 3);
	ck_assert_int_eq(r.n_falsetickers, 2);
	ck_assert_int_eq(r.peer, 1);
	ck_assert_int_eq(r.offset, 1 * MS);
	const enum srcsel_state want[] = { SRCSEL_FALSETICKER, SRCSEL_SYSPEER, SRCSEL_SURVIVOR,
					   SRCSEL_FALSETICKER, SRCSEL_SURVIVOR };
	assert_states(c, 5, want);
}
END_TEST

/* Two disjoint pairs: f must stay below 2, and no three intervals meet. */
START_TEST(no_majority_two_pairs)
{
	struct srcsel_cand c[4] = { cand(0, 10 * MS, MS), cand(1 * MS, 10 * MS, MS),
				    cand(100 * MS, 10 * MS, MS), cand(101 * MS, 10 * MS, MS) };
	struct srcsel_result r;
	ck_assert(!srcsel_run(c, 4, &r));
	ck_assert_int_eq(r.status, SRCSEL_NO_MAJORITY);
	ck_assert_int_eq(r.peer, -1);
	ck_assert_int_eq(r.offset, 0);
	ck_assert_int_eq(r.n_falsetickers, 4);
	ck_assert_int_eq(r.n_survivors, 0);
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(c[i].state, SRCSEL_FALSETICKER);
}
END_TEST

/* Two sources: they agree only if each midpoint lies in the other's
 * interval (f = 0, no midpoint outside). */
START_TEST(two_sources)
{
	struct srcsel_cand c[2] = { cand(0, 10 * MS, MS), cand(50 * MS, 10 * MS, MS) };
	struct srcsel_result r;
	ck_assert(!srcsel_run(c, 2, &r));
	ck_assert_int_eq(r.status, SRCSEL_NO_MAJORITY);
	/* Overlapping on [5, 10] but midpoint 0 lies outside [5, 25]. */
	c[1] = cand(15 * MS, 10 * MS, MS);
	ck_assert(!srcsel_run(c, 2, &r));
	ck_assert_int_eq(r.status, SRCSEL_NO_MAJORITY);
	c[1] = cand(5 * MS, 10 * MS, MS);
	ck_assert(srcsel_run(c, 2, &r));
	ck_assert_int_eq(r.status, SRCSEL_MAJORITY);
	ck_assert_int_eq(r.low, -5 * MS);
	ck_assert_int_eq(r.high, 10 * MS);
	ck_assert_int_eq(r.n_survivors, 2);
}
END_TEST

START_TEST(single_source)
{
	struct srcsel_cand c[2] = { cand(7 * MS, 20 * MS, 2 * MS), cand(0, 10 * MS, MS) };
	c[1].fit = false;
	struct srcsel_result r;
	ck_assert(srcsel_run(c, 2, &r));
	ck_assert_int_eq(r.status, SRCSEL_SINGLE);
	ck_assert_int_eq(r.n_fit, 1);
	ck_assert_int_eq(r.peer, 0);
	ck_assert_int_eq(r.offset, 7 * MS);
	ck_assert_int_eq(r.sel_jitter, 0);
	ck_assert_int_eq(r.jitter, 2 * MS);
	ck_assert_int_eq(c[0].state, SRCSEL_SYSPEER);
	ck_assert_int_eq(c[1].state, SRCSEL_UNFIT);
	ck_assert_str_eq(srcsel_status_name(r.status), "single");
}
END_TEST

START_TEST(none_fit)
{
	struct srcsel_cand c[2] = { cand(0, 10 * MS, MS), cand(0, 10 * MS, MS) };
	c[0].fit = c[1].fit = false;
	struct srcsel_result r;
	ck_assert(!srcsel_run(c, 2, &r));
	ck_assert_int_eq(r.status, SRCSEL_NONE_FIT);
	ck_assert_int_eq(r.peer, -1);
	ck_assert(!srcsel_run(c, 0, &r));
	ck_assert_int_eq(r.status, SRCSEL_NONE_FIT);
	/* Beyond SRCSEL_MAX_CAND a candidate is not looked at. */
	static struct srcsel_cand many[SRCSEL_MAX_CAND + 1];
	for (int i = 0; i <= SRCSEL_MAX_CAND; i++) {
		many[i] = cand(0, 10 * MS, MS);
		many[i].fit = i == SRCSEL_MAX_CAND;
	}
	ck_assert(!srcsel_run(many, SRCSEL_MAX_CAND + 1, &r));
	ck_assert_int_eq(r.status, SRCSEL_NONE_FIT);
}
END_TEST

/* Five truechimers at 0, 1, 2, 3 and 20 ms (+-100 ms), peer jitter 1 ms.
 * Selection jitters: 20 ms has sqrt(1374/4) = 18.5 ms, the largest: out.
 * Then 0 and 3 ms tie at sqrt(14/3) = 2.16 ms > 1 ms: the lower-ranked,
 * 3 ms, goes; three remain (NMIN). */
START_TEST(clustering_drops_worst)
{
	struct srcsel_cand c[5];
	static const int64_t off[5] = { 0, 1, 2, 3, 20 };
	for (int i = 0; i < 5; i++)
		c[i] = cand(off[i] * MS, 100 * MS, MS);
	struct srcsel_result r;
	ck_assert(srcsel_run(c, 5, &r));
	ck_assert_int_eq(r.n_truechimers, 5);
	ck_assert_int_eq(r.n_survivors, 3);
	ck_assert_int_eq(r.offset, 1 * MS);
	const enum srcsel_state want[] = { SRCSEL_SYSPEER, SRCSEL_SURVIVOR, SRCSEL_SURVIVOR,
					   SRCSEL_OUTLIER, SRCSEL_OUTLIER };
	assert_states(c, 5, want);
	/* With 25 ms of peer jitter, 18.5 ms of selection jitter is no
	 * reason to drop anyone: all five combine to 26 / 5 ms. */
	for (int i = 0; i < 5; i++)
		c[i].jitter = 25 * MS;
	ck_assert(srcsel_run(c, 5, &r));
	ck_assert_int_eq(r.n_survivors, 5);
	ck_assert_int_eq(r.offset, 5200 * 1000);
	ck_assert_int_eq(c[4].state, SRCSEL_SURVIVOR);
}
END_TEST

/* Weights 1/100 and 1/300 ms: offset = (0/100 + 40/300) / (1/100 + 1/300)
 * = 10 ms; selection jitter sqrt((40^2/300) / (4/300)) = 20 ms; system
 * jitter sqrt(15^2 + 20^2) = 25 ms. */
START_TEST(combining_weights)
{
	struct srcsel_cand c[2] = { cand(40 * MS, 300 * MS, 0), cand(0, 100 * MS, 15 * MS) };
	struct srcsel_result r;
	ck_assert(srcsel_run(c, 2, &r));
	ck_assert_int_eq(r.peer, 1); /* smaller root distance ranks first */
	ck_assert_int_eq(r.offset, 10 * MS);
	ck_assert_int_eq(r.sel_jitter, 20 * MS);
	ck_assert_int_eq(r.jitter, 25 * MS);
	/* The same a year off: not a nanosecond lost. */
	c[0].offset += YEAR;
	c[1].offset += YEAR;
	ck_assert(srcsel_run(c, 2, &r));
	ck_assert_int_eq(r.offset, YEAR + 10 * MS);
	ck_assert_int_eq(r.jitter, 25 * MS);
}
END_TEST

/* prefer as ntpd and chrony mean it: a surviving prefer peer is used
 * alone (its offset, its jitter), and clustering never drops it. Five
 * truechimers at 0, 1, 2, 3 and 20 ms (jitter 1 ms): clustering drops
 * the one at 20 ms first, unless it is the prefer peer; then the one at
 * 0 ms (selection jitter sqrt((4+1+1+...)...)) is the next worst. */
START_TEST(prefer_alone)
{
	struct srcsel_cand c[5] = { cand(0, 30 * MS, MS), cand(1 * MS, 30 * MS, MS),
				    cand(2 * MS, 30 * MS, MS), cand(3 * MS, 30 * MS, MS),
				    cand(20 * MS, 30 * MS, MS) };
	struct srcsel_result r;
	ck_assert(srcsel_run(c, 5, &r));
	ck_assert_int_eq(c[4].state, SRCSEL_OUTLIER);
	ck_assert_int_eq(r.n_survivors, 3);
	c[4].prefer = true;
	ck_assert(srcsel_run(c, 5, &r));
	ck_assert_int_eq(r.peer, 4);
	ck_assert_int_eq(c[4].state, SRCSEL_SYSPEER);
	ck_assert_int_eq(r.n_survivors, 3);
	/* Survivors 4 and the two closest to it, 2 and 3; 0 and 1 dropped. */
	ck_assert_int_eq(c[0].state, SRCSEL_OUTLIER);
	ck_assert_int_eq(c[1].state, SRCSEL_OUTLIER);
	ck_assert_int_eq(c[2].state, SRCSEL_SURVIVOR);
	/* Used alone: its offset and its own jitter, nothing averaged in. */
	ck_assert_int_eq(r.offset, 20 * MS);
	ck_assert_int_eq(r.sel_jitter, 0);
	ck_assert_int_eq(r.jitter, MS);
}
END_TEST

START_TEST(prefer_peer)
{
	struct srcsel_cand c[4] = { cand(0, 10 * MS, MS), cand(1 * MS, 20 * MS, MS),
				    cand(2 * MS, 30 * MS, MS), cand(50 * MS, 10 * MS, MS) };
	struct srcsel_result r;
	ck_assert(srcsel_run(c, 4, &r));
	ck_assert_int_eq(r.peer, 0);
	ck_assert_int_eq(c[3].state, SRCSEL_FALSETICKER);
	/* The prefer peer wins over a smaller root distance. */
	c[2].prefer = true;
	ck_assert(srcsel_run(c, 4, &r));
	ck_assert_int_eq(r.peer, 2);
	ck_assert_int_eq(c[0].state, SRCSEL_SURVIVOR);
	ck_assert_int_eq(c[2].state, SRCSEL_SYSPEER);
	/* A prefer falseticker is still a falseticker. */
	c[2].prefer = false;
	c[3].prefer = true;
	ck_assert(srcsel_run(c, 4, &r));
	ck_assert_int_eq(r.peer, 0);
	ck_assert_int_eq(c[3].state, SRCSEL_FALSETICKER);
	/* No clock hop: the last system peer stays while it survives at the
	 * best stratum, though another has a smaller distance; prefer still
	 * wins, and so does a lower stratum. */
	c[3].prefer = false;
	c[1].was_peer = true;
	ck_assert(srcsel_run(c, 4, &r));
	ck_assert_int_eq(r.peer, 1);
	ck_assert_int_eq(c[0].state, SRCSEL_SURVIVOR);
	c[2].prefer = true;
	ck_assert(srcsel_run(c, 4, &r));
	ck_assert_int_eq(r.peer, 2);
	c[2].prefer = false;
	c[1].stratum = 3;
	ck_assert(srcsel_run(c, 4, &r));
	ck_assert_int_eq(r.peer, 0);
	c[1].stratum = 2;
	c[1].was_peer = false;
	/* Lower stratum ranks first, whatever the distance. */
	c[3].prefer = false;
	c[0].stratum = 3;
	ck_assert(srcsel_run(c, 4, &r));
	ck_assert_int_eq(r.peer, 1);
}
END_TEST

/* clock_update: root delay 20 + 10 ms; root dispersion 5 ms + system
 * jitter 2 ms + max(8 ms + PHI * 2 s + |-3 ms|, 10 ms) = 18.03 ms. */
START_TEST(system_variables)
{
	struct srcsel_cand c[1] = { cand(-3 * MS, 100 * MS, 2 * MS) };
	c[0].leap = NTP_LEAP_INSERT;
	c[0].addr_refid = NTP_REFID(192, 0, 2, 9);
	c[0].root_delay = 20 * MS;
	c[0].delay = 10 * MS;
	c[0].root_disp = 5 * MS;
	c[0].disp = 8 * MS;
	c[0].t = 1000 * SEC;
	struct srcsel_result r;
	struct srcsel_sys sys;
	ck_assert(srcsel_run(c, 1, &r));
	ck_assert(srcsel_system(c, &r, 1002 * SEC, &sys));
	ck_assert_int_eq(sys.leap, NTP_LEAP_INSERT);
	ck_assert_int_eq(sys.stratum, 3);
	ck_assert_int_eq(sys.refid, NTP_REFID(192, 0, 2, 9));
	ck_assert_int_eq(sys.root_delay, 30 * MS);
	ck_assert_int_eq(sys.root_disp, 18030 * 1000);
	/* Below MINDISP the last term is 10 ms: 5 + 2 + 10. */
	c[0].disp = 1 * MS;
	ck_assert(srcsel_system(c, &r, 1002 * SEC, &sys));
	ck_assert_int_eq(sys.root_disp, 17 * MS);
	c[0].stratum = 15;
	ck_assert(srcsel_system(c, &r, 1002 * SEC, &sys));
	ck_assert_int_eq(sys.stratum, 16);
	c[0].fit = false;
	ck_assert(!srcsel_run(c, 1, &r));
	sys.stratum = 99;
	ck_assert(!srcsel_system(c, &r, 1002 * SEC, &sys));
	ck_assert_int_eq(sys.stratum, 99);
}
END_TEST

/* Root delay 20 ms and root dispersion 10 ms: root distance 20 ms at the
 * update, 1.5 s once PHI (15 ppm) has added 1.48 s, after exactly
 * 98666.666666666(6) s; ntp_exch_phi rounds up, so the first nanosecond
 * past that is over. */
START_TEST(sync_lost_by_distance)
{
	struct srcsel_sys sys = { .root_delay = 20 * MS, .root_disp = 10 * MS };
	int64_t t = 1000 * SEC, max = 1500 * MS;

	ck_assert(!srcsel_sync_lost(&sys, t, t, false, max, 0));
	ck_assert(!srcsel_sync_lost(&sys, t, t + INT64_C(98666666666666), false, max, 0));
	ck_assert(srcsel_sync_lost(&sys, t, t + INT64_C(98666666666667), false, max, 0));
	/* Never while a source is selectable, however old the update. */
	ck_assert(!srcsel_sync_lost(&sys, t, t + YEAR, true, max, 0));
	/* A clock stepped back ages nothing. */
	ck_assert(!srcsel_sync_lost(&sys, t, t - YEAR, false, max, 0));
	/* Already past the threshold at the update: lost at once. */
	ck_assert(srcsel_sync_lost(&sys, t, t, false, 20 * MS - 1, 0));
	ck_assert(!srcsel_sync_lost(&sys, t, t, false, 20 * MS, 0));
}
END_TEST

START_TEST(sync_lost_by_holdover)
{
	struct srcsel_sys sys = { .root_delay = 20 * MS, .root_disp = 10 * MS };
	int64_t t = 1000 * SEC, max = 1500 * MS;

	ck_assert(!srcsel_sync_lost(&sys, t, t + 60 * SEC, false, max, 60 * SEC));
	ck_assert(srcsel_sync_lost(&sys, t, t + 60 * SEC + 1, false, max, 60 * SEC));
	ck_assert(!srcsel_sync_lost(&sys, t, t + 60 * SEC + 1, true, max, 60 * SEC));
	/* holdover 0: no time limit, the distance alone. */
	ck_assert(!srcsel_sync_lost(&sys, t, t + 10000 * SEC, false, max, 0));
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("ntp_select");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, one_falseticker_of_three);
	tcase_add_test(tc, two_falsetickers_of_five);
	tcase_add_test(tc, no_majority_two_pairs);
	tcase_add_test(tc, two_sources);
	tcase_add_test(tc, single_source);
	tcase_add_test(tc, none_fit);
	tcase_add_test(tc, clustering_drops_worst);
	tcase_add_test(tc, combining_weights);
	tcase_add_test(tc, prefer_peer);
	tcase_add_test(tc, prefer_alone);
	tcase_add_test(tc, system_variables);
	tcase_add_test(tc, sync_lost_by_distance);
	tcase_add_test(tc, sync_lost_by_holdover);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(suite());
}
