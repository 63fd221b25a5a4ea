/*
 * Unit tests for ntp_source: the clock filter against numbers worked out
 * by hand, and the poll state machine (reach, iburst, poll adaption,
 * back-off, Kiss-o'-Death, clock steps) event by event.
 */
#include "unit.h"
#include <errno.h>
#include <string.h>

#include "tsync/ntp_pkt.h"
#include "tsync/ntp_select.h"
#include "tsync/ntp_source.h"

#define MS INT64_C(1000000)
#define SEC INT64_C(1000000000)
#define T0 (INT64_C(1700000000) * SEC)
#define PHI_1S INT64_C(15000) /* 15 ppm of one second */

static struct ntpsrc src(int8_t minpoll, int8_t maxpoll, bool iburst)
{
	struct ntpsrc_params p;
	struct ntpsrc s;
	ntpsrc_params_default(&p);
	p.minpoll = minpoll;
	p.maxpoll = maxpoll;
	p.iburst = iburst;
	p.precision = -30; /* jitter floor 1 ns: out of the way of hand numbers */
	ck_assert_int_eq(ntpsrc_init(&s, &p), 0);
	return s;
}

static struct ntpsrc_reply reply(int64_t t3, int64_t offset, int64_t delay, int64_t disp)
{
	struct ntpsrc_reply r = {
		.sample = { .offset = offset, .delay = delay, .disp = disp },
		.stratum = 2, .leap = NTP_LEAP_NONE, .refid = NTP_REFID(192, 0, 2, 1),
		.root_delay = 20 * MS, .root_disp = 5 * MS, .t3 = t3,
	};
	return r;
}

/* Transmit at t, then the reply arrives at t (the sample says the rest). */
static int exchange(struct ntpsrc *s, int64_t t, int64_t offset, int64_t delay, int64_t disp,
		    bool synced)
{
	ntpsrc_on_transmit(s, t);
	struct ntpsrc_reply r = reply(t, offset, delay, disp);
	return ntpsrc_on_reply(s, &r, synced);
}

/* Start at T0 and take n samples one second apart: offset 0, delay 10 ms,
 * dispersion 0. */
static void fill(struct ntpsrc *s, int n)
{
	ntpsrc_start(s, T0);
	for (int k = 0; k < n; k++)
		exchange(s, T0 + k * SEC, 0, 10 * MS, 0, true);
}

/* --- init --- */

START_TEST(init_checks_poll_bounds)
{
	struct ntpsrc_params p;
	struct ntpsrc s;
	ntpsrc_params_default(&p);
	ck_assert_int_eq(p.minpoll, 6);
	ck_assert_int_eq(p.maxpoll, 10);
	ck_assert_int_eq(ntpsrc_init(&s, &p), 0);
	ck_assert_int_eq(s.poll, 6);
	ck_assert_int_eq(ntpsrc_state(&s), NTPSRC_NEW);
	ck_assert(ntpsrc_next_poll(&s) == INT64_MAX);
	p.minpoll = -7;
	ck_assert_int_eq(ntpsrc_init(&s, &p), -EINVAL);
	p.minpoll = -6;
	ck_assert_int_eq(ntpsrc_init(&s, &p), 0);
	p.maxpoll = 18;
	ck_assert_int_eq(ntpsrc_init(&s, &p), -EINVAL);
	p.minpoll = 8;
	p.maxpoll = 7;
	ck_assert_int_eq(ntpsrc_init(&s, &p), -EINVAL);
}
END_TEST

/* --- clock filter --- */

/* Four samples one second apart. By delay the order is k1 (10 ms),
 * k2 (20), k0 (30), k3 (40). At T0 + 3 s their dispersions, aged at
 * 15 us/s, are 130000, 115000, 145000 and 100000 ns; four empty stages
 * count 16 s each. eps = 130000/2 + 115000/4 + 145000/8 + 100000/16
 * + 16 s * (1/32 + 1/64 + 1/128 + 1/256) = 118125 + 937500000.
 * Offsets about k1's 2 ms: +5, -1, +1 ms: jitter sqrt(27/3) = 3 ms. */
static void four_samples(struct ntpsrc *s, bool synced, int res[4])
{
	ntpsrc_start(s, T0);
	res[0] = exchange(s, T0, 1 * MS, 30 * MS, 100000, synced);
	res[1] = exchange(s, T0 + SEC, 2 * MS, 10 * MS, 100000, synced);
	res[2] = exchange(s, T0 + 2 * SEC, 7 * MS, 20 * MS, 100000, synced);
	res[3] = exchange(s, T0 + 3 * SEC, 3 * MS, 40 * MS, 100000, synced);
}

START_TEST(filter_picks_min_delay)
{
	struct ntpsrc s = src(6, 10, false);
	int res[4];
	four_samples(&s, true, res);
	ck_assert(s.have_output);
	ck_assert_int_eq(s.n_valid, 4);
	ck_assert_int_eq(s.offset, 2 * MS);
	ck_assert_int_eq(s.delay, 10 * MS);
	ck_assert_int_eq(s.disp, 937618125);
	ck_assert_int_eq(s.jitter, 3 * MS);
	ck_assert_int_eq(s.filter_t, T0 + 3 * SEC);
	ck_assert_int_eq(s.update_t, T0 + SEC);
	/* k0 and k1 are updates; k2 and k3 leave k1 chosen: nothing new. */
	ck_assert_int_eq(res[0], NTPSRC_UPDATE);
	ck_assert_int_eq(res[1], NTPSRC_UPDATE);
	ck_assert_int_eq(res[2], NTPSRC_NO_UPDATE);
	ck_assert_int_eq(res[3], NTPSRC_NO_UPDATE);
	ck_assert_int_eq(s.n_updates, 2);
}
END_TEST

/* Before the first synchronisation the same sample may be used again. */
START_TEST(filter_reuses_before_sync)
{
	struct ntpsrc s = src(6, 10, false);
	int res[4];
	four_samples(&s, false, res);
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(res[i], NTPSRC_UPDATE);
	ck_assert_int_eq(s.offset, 2 * MS);
}
END_TEST

/* Eight samples at T0 + k s, k = 0..7, dispersion 0 when taken, so at
 * T0 + 7 s stage k carries 15000 * (7 - k) ns. Delays put k4 first, then
 * k3, k2, k1, k0, k5, k6, k7. eps * 256 = 45000*128 + 60000*64 + 75000*32
 * + 90000*16 + 105000*8 + 30000*4 + 15000*2 + 0 = 14430000, so eps =
 * 56367.1875, rounded up to 56368. Offsets +-1 ms about k4's 0: jitter
 * sqrt(7/7) = 1 ms. */
START_TEST(filter_full_eight_stages)
{
	static const int64_t delay_ms[8] = { 50, 40, 30, 20, 10, 60, 70, 80 };
	static const int64_t off_ms[8] = { 1, -1, 1, -1, 0, 1, -1, 1 };
	struct ntpsrc s = src(6, 10, false);
	ntpsrc_start(&s, T0);
	for (int k = 0; k < 8; k++)
		exchange(&s, T0 + k * SEC, off_ms[k] * MS, delay_ms[k] * MS, 0, true);
	ck_assert_int_eq(s.n_valid, 8);
	ck_assert_int_eq(s.offset, 0);
	ck_assert_int_eq(s.delay, 10 * MS);
	ck_assert_int_eq(s.disp, 56368);
	ck_assert_int_eq(s.jitter, 1 * MS);
	/* A ninth sample pushes k0 out; its delay is the largest. */
	exchange(&s, T0 + 8 * SEC, 0, 90 * MS, 0, true);
	ck_assert_int_eq(s.n_valid, 8);
	ck_assert_int_eq(s.f[7].t, T0 + SEC);
}
END_TEST

/* The jitter never claims better than the local clock's precision. */
START_TEST(filter_jitter_floor)
{
	struct ntpsrc_params p;
	struct ntpsrc s;
	ntpsrc_params_default(&p); /* precision -20: 954 ns */
	ck_assert_int_eq(ntpsrc_init(&s, &p), 0);
	ntpsrc_start(&s, T0);
	exchange(&s, T0, 5 * MS, 10 * MS, 0, true);
	ck_assert_int_eq(s.jitter, 954);
}
END_TEST

/* Dispersion grows by PHI with time, and so does the root distance:
 * max(10 ms, 20 + 10 ms) / 2 + 5 ms + eps + PHI * age + 3 ms. */
START_TEST(dispersion_grows_with_time)
{
	struct ntpsrc s = src(6, 10, false);
	int res[4];
	four_samples(&s, true, res);
	int64_t now = T0 + 3 * SEC;
	ck_assert_int_eq(ntpsrc_disp(&s, now), 937618125);
	ck_assert_int_eq(ntpsrc_disp(&s, now + 10 * SEC), 937618125 + 10 * PHI_1S);
	ck_assert_int_eq(ntpsrc_root_dist(&s, now), 15 * MS + 5 * MS + 937618125 + 3 * MS);
	ck_assert_int_eq(ntpsrc_root_dist(&s, now + 100 * SEC),
			 15 * MS + 5 * MS + 937618125 + 100 * PHI_1S + 3 * MS);
	/* A later sample of the same dispersion sees the older ones aged. */
	exchange(&s, now + 60 * SEC, 2 * MS, 10 * MS, 100000, true);
	ck_assert_int_eq(s.f[1].disp, 100000); /* stored as taken */
	ck_assert_int_eq(s.offset, 2 * MS);
	ck_assert_int_eq(s.update_t, now + 60 * SEC); /* same delay: newer wins */
}
END_TEST

START_TEST(root_dist_mindisp)
{
	struct ntpsrc s = src(6, 10, false);
	ntpsrc_start(&s, T0);
	ck_assert_int_eq(ntpsrc_root_dist(&s, T0), NTPSRC_MAXDISP);
	ntpsrc_on_transmit(&s, T0);
	struct ntpsrc_reply r = reply(T0, 0, 2 * MS, 0);
	r.root_delay = 1 * MS;
	r.root_disp = 0;
	ntpsrc_on_reply(&s, &r, true);
	/* 1 + 2 ms < MINDISP: half of 10 ms; eps = 16 s * 127/256; jitter 1 ns. */
	ck_assert_int_eq(s.disp, 7937500000);
	ck_assert_int_eq(ntpsrc_root_dist(&s, T0), 5 * MS + 7937500000 + 1);
}
END_TEST

/* --- reach register --- */

START_TEST(reach_register)
{
	struct ntpsrc s = src(6, 10, false);
	ntpsrc_start(&s, T0);
	ck_assert_int_eq(ntpsrc_state(&s), NTPSRC_UNREACHABLE);
	int64_t t = T0;
	exchange(&s, t += SEC, 0, 10 * MS, 0, true);
	ck_assert_int_eq(s.reach, 0x01);
	ck_assert_int_eq(ntpsrc_state(&s), NTPSRC_REACHABLE);
	ntpsrc_on_transmit(&s, t += SEC); /* lost */
	ck_assert_int_eq(s.reach, 0x02);
	exchange(&s, t += SEC, 0, 10 * MS, 0, true);
	ck_assert_int_eq(s.reach, 0x05);
	ck_assert_int_eq(s.missed, 0);
	exchange(&s, t += SEC, 0, 10 * MS, 0, true);
	ck_assert_int_eq(s.reach, 0x0b);
	for (int i = 0; i < 4; i++)
		ntpsrc_on_transmit(&s, t += SEC);
	ck_assert_int_eq(s.reach, 0xb0);
	ck_assert_int_eq(s.missed, 3);
	for (int i = 0; i < 4; i++)
		ntpsrc_on_transmit(&s, t += SEC);
	ck_assert_int_eq(s.reach, 0x00);
	ck_assert_int_eq(ntpsrc_state(&s), NTPSRC_UNREACHABLE);
	ck_assert_int_eq(ntpsrc_unfit(&s, t, 0), NTPSRC_UNFIT_UNREACH);
	ck_assert_int_eq(s.n_tx, 12);
	ck_assert_int_eq(s.n_replies, 3);
}
END_TEST

/* Three unanswered polls in a row (this one included) shift a dummy stage
 * into the filter: after one reply then eight silent polls, dummies went
 * in at reach 0x08, 0x10, 0x20, 0x40 and 0x80, none at 0x00. */
START_TEST(silent_polls_shift_dummies)
{
	struct ntpsrc s = src(6, 10, false);
	ntpsrc_start(&s, T0);
	exchange(&s, T0, 0, 10 * MS, 0, true);
	int64_t t = T0;
	for (int i = 0; i < 2; i++)
		ntpsrc_on_transmit(&s, t += SEC);
	ck_assert(s.f[0].valid);
	ntpsrc_on_transmit(&s, t += SEC);
	ck_assert_int_eq(s.reach, 0x08);
	ck_assert(!s.f[0].valid);
	ck_assert(s.f[1].valid);
	ck_assert_int_eq(s.filter_t, t);
	for (int i = 0; i < 5; i++)
		ntpsrc_on_transmit(&s, t += SEC);
	ck_assert_int_eq(s.reach, 0);
	for (int i = 0; i < 5; i++)
		ck_assert(!s.f[i].valid);
	ck_assert(s.f[5].valid);
	ck_assert_int_eq(s.n_valid, 1);
}
END_TEST

/* --- schedule --- */

START_TEST(iburst_schedule)
{
	struct ntpsrc s = src(6, 10, true);
	ntpsrc_start(&s, T0);
	ck_assert_int_eq(ntpsrc_next_poll(&s), T0);
	for (int i = 1; i < NTPSRC_BURST_COUNT; i++) {
		ntpsrc_on_transmit(&s, ntpsrc_next_poll(&s));
		ck_assert_int_eq(ntpsrc_next_poll(&s), T0 + i * 2 * SEC);
	}
	ntpsrc_on_transmit(&s, ntpsrc_next_poll(&s));
	ck_assert_int_eq(ntpsrc_next_poll(&s), T0 + 10 * SEC + 64 * SEC);
	ck_assert_int_eq(s.n_tx, 6);
	/* Without iburst: one request now, the next 2^minpoll later. */
	struct ntpsrc q = src(6, 10, false);
	ntpsrc_start(&q, T0);
	ck_assert_int_eq(ntpsrc_next_poll(&q), T0);
	ntpsrc_on_transmit(&q, T0);
	ck_assert_int_eq(ntpsrc_next_poll(&q), T0 + 64 * SEC);
}
END_TEST

/* A burst spacing is min(2 s, 2^minpoll): 250 ms for minpoll -2. And a
 * burst asked for later (after a clock jump) starts at once. */
START_TEST(iburst_short_poll_and_later_burst)
{
	struct ntpsrc s = src(-2, 2, true);
	ntpsrc_start(&s, T0);
	for (int i = 1; i < NTPSRC_BURST_COUNT; i++) {
		ntpsrc_on_transmit(&s, ntpsrc_next_poll(&s));
		ck_assert_int_eq(ntpsrc_next_poll(&s), T0 + i * 250 * MS);
	}
	ntpsrc_on_transmit(&s, ntpsrc_next_poll(&s));
	ck_assert_int_eq(ntpsrc_next_poll(&s), T0 + 1500 * MS); /* 1250 + 2^-2 s */
	int64_t now = T0 + 1400 * MS;
	ntpsrc_burst(&s, now);
	ck_assert_int_eq(ntpsrc_next_poll(&s), now);
	ck_assert_int_eq(s.burst_left, NTPSRC_BURST_COUNT);
	ntpsrc_on_transmit(&s, now);
	ck_assert_int_eq(ntpsrc_next_poll(&s), now + 250 * MS);
}
END_TEST

/* Interval adaption: 4 good updates in a row while synchronised raise
 * the poll a step, up to maxpoll; an offset jump beyond 4 jitters drops
 * it a step; unsynchronised updates never raise it. */
START_TEST(poll_adaption)
{
	struct ntpsrc s = src(-2, 1, false);
	ntpsrc_start(&s, T0);
	int64_t t = T0;
	exchange(&s, t, 0, 10 * MS, 0, true); /* first: nothing to compare */
	int8_t want[] = { -1, 0, 1, 1 };
	for (int round = 0; round < 4; round++) {
		for (int i = 0; i < 4; i++)
			exchange(&s, t += SEC, 0, 10 * MS, 0, true);
		ck_assert_int_eq(s.poll, want[round]);
	}
	ck_assert_int_eq(ntpsrc_next_poll(&s), t + 2 * SEC);
	/* Jitter is the 1 ns floor: a 10 ms step is a jump. */
	exchange(&s, t += SEC, 10 * MS, 10 * MS, 0, true);
	ck_assert_int_eq(s.poll, 0);
	ck_assert_int_eq(s.good_updates, 0);
	ck_assert_int_eq(ntpsrc_next_poll(&s), t + SEC);

	struct ntpsrc u = src(-2, 1, false);
	ntpsrc_start(&u, T0);
	for (int i = 0; i < 12; i++)
		exchange(&u, T0 + i * SEC, 0, 10 * MS, 0, false);
	ck_assert_int_eq(u.poll, -2);
	/* Jumps never go below minpoll. */
	exchange(&u, T0 + 20 * SEC, 50 * MS, 10 * MS, 0, false);
	ck_assert_int_eq(u.poll, -2);
	/* The caller may force it, within bounds. */
	ntpsrc_set_poll(&u, 0);
	ck_assert_int_eq(u.poll, 0);
	ntpsrc_set_poll(&u, 9);
	ck_assert_int_eq(u.poll, 1);
	ntpsrc_set_poll(&u, -6);
	ck_assert_int_eq(u.poll, -2);
}
END_TEST

/* Samples 126 years apart (servers can say anything within an era) make
 * a jitter of 4e18 ns: four times that is past int64, and no jump can
 * pass it (found by fuzz_ntp_client: the gate overflowed). */
START_TEST(poll_gate_huge_jitter)
{
	struct ntpsrc s = src(-2, 4, false);
	ntpsrc_start(&s, T0);
	exchange(&s, T0, 2000000000 * SEC, 10 * MS, 0, true);
	exchange(&s, T0 + SEC, -2000000000 * SEC, 20 * MS, 0, true);
	ck_assert_int_eq(s.jitter, 4000000000 * SEC);
	ck_assert_int_eq(exchange(&s, T0 + 2 * SEC, 0, 5 * MS, 0, true), NTPSRC_UPDATE);
	ck_assert_int_eq(s.good_updates, 1);
	ck_assert_int_eq(s.poll, -2);
}
END_TEST

/* Eight unanswered polls, then each further one doubles the interval up
 * to maxpoll; the first reply after that brings it back to minpoll. */
START_TEST(backoff_when_unreachable)
{
	struct ntpsrc s = src(0, 3, false);
	ntpsrc_start(&s, T0);
	int64_t t = T0;
	for (int i = 0; i < 8; i++) {
		ntpsrc_on_transmit(&s, t);
		ck_assert_int_eq(s.poll, 0);
		t = ntpsrc_next_poll(&s);
	}
	ck_assert_int_eq(t, T0 + 8 * SEC);
	int8_t want[] = { 1, 2, 3, 3 };
	for (int i = 0; i < 4; i++) {
		ntpsrc_on_transmit(&s, t);
		ck_assert_int_eq(s.poll, want[i]);
		ck_assert_int_eq(ntpsrc_next_poll(&s), t + (SEC << want[i]));
		t = ntpsrc_next_poll(&s);
	}
	ck_assert_int_eq(s.missed, 11);
	struct ntpsrc_reply r = reply(t - SEC, 0, 10 * MS, 0);
	ntpsrc_on_reply(&s, &r, true);
	ck_assert_int_eq(s.poll, 0);
	ck_assert_int_eq(s.missed, 0);
	ck_assert_int_eq(ntpsrc_next_poll(&s), s.last_tx + SEC);
}
END_TEST

/* --- Kiss-o'-Death --- */

START_TEST(kod_rate_raises_poll)
{
	struct ntpsrc s = src(6, 10, true);
	ntpsrc_start(&s, T0);
	ntpsrc_on_transmit(&s, T0);
	ck_assert_int_eq(s.burst_left, NTPSRC_BURST_COUNT - 1);
	ntpsrc_on_kod(&s, NTP_KISS_RATE, T0 + 10 * MS);
	ck_assert_int_eq(s.poll, 7);
	ck_assert_int_eq(s.poll_floor, 7);
	ck_assert_int_eq(s.burst_left, 0); /* the burst is over */
	ck_assert_int_eq(ntpsrc_next_poll(&s), T0 + 128 * SEC);
	ck_assert_int_eq(s.reach, 0); /* a KoD is no valid reply */
	/* Adaption may not go below the new floor. */
	ntpsrc_set_poll(&s, 6);
	ck_assert_int_eq(s.poll, 7);
	/* At maxpoll, RATE still raises it, beyond maxpoll. */
	ntpsrc_set_poll(&s, 10);
	ntpsrc_on_kod(&s, NTP_KISS_RATE, T0 + SEC);
	ck_assert_int_eq(s.poll, 11);
	ck_assert_int_eq(ntpsrc_next_poll(&s), T0 + 2048 * SEC);
	/* Other codes are informational. */
	ntpsrc_on_kod(&s, NTP_KISS_OTHER, T0 + 2 * SEC);
	ck_assert_int_eq(s.poll, 11);
	ck_assert_int_eq(ntpsrc_state(&s), NTPSRC_UNREACHABLE);
}
END_TEST

static void kod_stops(enum ntp_kiss code, enum ntpsrc_state want)
{
	struct ntpsrc s = src(6, 10, false);
	fill(&s, 4);
	ck_assert(ntpsrc_fit(&s, T0 + 3 * SEC, 0));
	ntpsrc_on_transmit(&s, T0 + 64 * SEC);
	ntpsrc_on_kod(&s, code, T0 + 64 * SEC);
	ck_assert_int_eq(ntpsrc_state(&s), want);
	ck_assert(ntpsrc_next_poll(&s) == INT64_MAX);
	ck_assert_int_eq(ntpsrc_unfit(&s, T0 + 64 * SEC, 0), NTPSRC_UNFIT_STOPPED);
	/* Its reach is cleared: nothing counts it as answering any more. */
	ck_assert_int_eq(s.reach, 0);
	struct ntpsrc_reply r = reply(T0 + 65 * SEC, 0, 10 * MS, 0);
	ck_assert_int_eq(ntpsrc_on_reply(&s, &r, true), NTPSRC_IGNORED);
	ntpsrc_burst(&s, T0 + 66 * SEC);
	ntpsrc_start(&s, T0 + 66 * SEC);
	ck_assert(ntpsrc_next_poll(&s) == INT64_MAX);
	ck_assert_int_eq(ntpsrc_state(&s), want);
}

START_TEST(kod_deny_stops)
{
	kod_stops(NTP_KISS_DENY, NTPSRC_STOPPED_DENY);
}
END_TEST

START_TEST(kod_rstr_stops)
{
	kod_stops(NTP_KISS_RSTR, NTPSRC_STOPPED_RSTR);
}
END_TEST

/* A RATE raises the floor for a while: after NTPSRC_RATE_HOLD_POLLS
 * polls without another RATE it comes down one step, and so on back to
 * minpoll; the poll follows the discipline's hint down again. */
START_TEST(kod_rate_floor_decays)
{
	struct ntpsrc s = src(6, 10, false);
	ntpsrc_start(&s, T0);
	ntpsrc_on_transmit(&s, T0);
	ntpsrc_on_kod(&s, NTP_KISS_RATE, T0);
	ntpsrc_on_transmit(&s, T0 + 128 * SEC);
	ntpsrc_on_kod(&s, NTP_KISS_RATE, T0 + 128 * SEC);
	ck_assert_int_eq(s.poll_floor, 8);
	int64_t t = T0 + 128 * SEC;
	for (int k = 1; k < NTPSRC_RATE_HOLD_POLLS; k++) {
		t += 256 * SEC;
		ntpsrc_on_transmit(&s, t);
		ck_assert_int_eq(s.poll_floor, 8);
	}
	t += 256 * SEC;
	ntpsrc_on_transmit(&s, t); /* the 8th poll without a RATE */
	ck_assert_int_eq(s.poll_floor, 7);
	ntpsrc_set_poll(&s, 6);
	ck_assert_int_eq(s.poll, 7);
	/* The hint took effect at once: the next request is 2^7 s after the last. */
	ck_assert_int_eq(ntpsrc_next_poll(&s), t + 128 * SEC);
	for (int k = 0; k < NTPSRC_RATE_HOLD_POLLS; k++) {
		t += 128 * SEC;
		ntpsrc_on_transmit(&s, t);
	}
	ck_assert_int_eq(s.poll_floor, 6);
	ntpsrc_set_poll(&s, 6);
	ck_assert_int_eq(s.poll, 6);
	for (int k = 0; k < 3 * NTPSRC_RATE_HOLD_POLLS; k++)
		ntpsrc_on_transmit(&s, t += 64 * SEC);
	ck_assert_int_eq(s.poll_floor, 6); /* never below minpoll */
}
END_TEST

/* The loop check (RFC 5905 fit()): a source of stratum > 1 whose refid is
 * the refid of our own address towards it follows us. A stratum-1
 * source's refid is a clock name, never an address; and 127.0.0.1 is
 * what an orphan-mode ntpd announces of itself (ntpd exempts it too). */
START_TEST(loop_check)
{
	struct ntpsrc s = src(6, 10, false);
	fill(&s, 4);
	int64_t now = T0 + 3 * SEC;
	ck_assert_int_eq(ntpsrc_unfit(&s, now, NTP_REFID(192, 0, 2, 1)), NTPSRC_UNFIT_LOOP);
	s.stratum = 1;
	ck_assert_int_eq(ntpsrc_unfit(&s, now, NTP_REFID(192, 0, 2, 1)), NTPSRC_FIT);
	s.stratum = 9;
	s.refid = NTP_REFID(127, 0, 0, 1);
	ck_assert_int_eq(ntpsrc_unfit(&s, now, NTP_REFID(127, 0, 0, 1)), NTPSRC_FIT);
	s.refid = NTP_REFID(127, 0, 0, 2);
	ck_assert_int_eq(ntpsrc_unfit(&s, now, NTP_REFID(127, 0, 0, 2)), NTPSRC_UNFIT_LOOP);
}
END_TEST

/* --- clock step --- */

/* After a +1 s step every stored local time is 1 s later and every
 * offset 1 s smaller: ages, dispersion and the schedule are unchanged. */
START_TEST(step_shifts_samples)
{
	struct ntpsrc s = src(6, 10, false);
	int res[4];
	four_samples(&s, true, res);
	int64_t now = T0 + 3 * SEC;
	int64_t rd = ntpsrc_root_dist(&s, now + 5 * SEC);
	int64_t next = ntpsrc_next_poll(&s);
	ntpsrc_on_step(&s, SEC);
	ck_assert_int_eq(s.offset, 2 * MS - SEC);
	ck_assert_int_eq(s.f[2].offset, 2 * MS - SEC);
	ck_assert_int_eq(s.f[2].t, T0 + 2 * SEC);
	ck_assert_int_eq(ntpsrc_next_poll(&s), next + SEC);
	ck_assert_int_eq(ntpsrc_root_dist(&s, now + 6 * SEC), rd);
	ck_assert_int_eq(s.jitter, 3 * MS);
	/* The chosen sample is still the last used: not used twice. */
	struct ntpsrc_reply r = reply(now + SEC + 64 * SEC, -SEC, 50 * MS, 0);
	ntpsrc_on_transmit(&s, r.t3);
	ck_assert_int_eq(ntpsrc_on_reply(&s, &r, true), NTPSRC_NO_UPDATE);
	/* A step back the other way, -1 s, restores the offsets. */
	ntpsrc_on_step(&s, -SEC);
	ck_assert_int_eq(s.offset, 2 * MS);
}
END_TEST

/* An unexplained jump of the clock (a machine suspended an hour): the
 * samples are dropped, not shifted, so that the next sample does not
 * make a jitter of the jump. Before, shifted by -3600 s, the stored
 * offsets made a jitter of 3599.999993 s. Reach, poll and the schedule
 * (shifted) stay. */
START_TEST(jump_drops_samples)
{
	struct ntpsrc s = src(6, 10, false);
	int res[4];
	four_samples(&s, true, res);
	int64_t next = ntpsrc_next_poll(&s);
	uint8_t reach = s.reach;
	ntpsrc_on_jump(&s, 3600 * SEC);
	ck_assert(!s.have_output);
	ck_assert_int_eq(s.n_valid, 0);
	for (int i = 0; i < NTPSRC_NSTAGE; i++)
		ck_assert(!s.f[i].valid);
	ck_assert_int_eq(s.offset, 0);
	ck_assert_int_eq(s.jitter, 0);
	ck_assert_int_eq(s.reach, reach);
	ck_assert_int_eq(ntpsrc_next_poll(&s), next + 3600 * SEC);
	ck_assert_int_eq(ntpsrc_unfit(&s, T0 + 3604 * SEC, 0), NTPSRC_UNFIT_NODATA);
	/* The first sample after it is the filter's output, alone. */
	ck_assert_int_eq(exchange(&s, T0 + 3604 * SEC, 50000, 9 * MS, 0, true), NTPSRC_UPDATE);
	ck_assert_int_eq(s.offset, 50000);
	ck_assert_int_eq(s.jitter, 1);
	ck_assert_int_eq(s.n_valid, 1);
	/* As at the start, four samples make it fit again (a burst follows a
	 * jump): the empty stages count MAXDISP. */
	ck_assert_int_eq(ntpsrc_unfit(&s, T0 + 3604 * SEC, 0), NTPSRC_UNFIT_DIST);
	for (int k = 1; k < 4; k++)
		exchange(&s, T0 + (3604 + k) * SEC, 50000, 9 * MS, 0, true);
	ck_assert_int_eq(ntpsrc_unfit(&s, T0 + 3607 * SEC, 0), NTPSRC_FIT);
	ck_assert_int_eq(s.jitter, 1);
}
END_TEST

/* Another server behind the source (NTS-KE named one): nothing measured
 * of the old one stays, reach starts again, the schedule holds; the
 * first reply of the new one is the filter's output alone, and the poll
 * goes back to its floor to acquire it quickly. */
START_TEST(forget_drops_samples_and_reach)
{
	struct ntpsrc s = src(6, 10, false);
	int res[4];
	four_samples(&s, true, res);
	s.poll = 8;
	int64_t next = ntpsrc_next_poll(&s);
	ck_assert_int_ne(s.reach, 0);
	ntpsrc_forget(&s);
	ck_assert(!s.have_output);
	ck_assert_int_eq(s.n_valid, 0);
	ck_assert_int_eq(s.reach, 0);
	ck_assert_int_eq(s.missed, 0);
	ck_assert_int_eq(ntpsrc_next_poll(&s), next);
	ck_assert_int_eq(ntpsrc_state(&s), NTPSRC_UNREACHABLE);
	ck_assert_int_eq(ntpsrc_unfit(&s, T0 + 10 * SEC, 0), NTPSRC_UNFIT_UNREACH);
	ck_assert_int_eq(exchange(&s, T0 + 10 * SEC, -70000, 9 * MS, 0, true), NTPSRC_UPDATE);
	ck_assert_int_eq(s.offset, -70000);
	ck_assert_int_eq(s.n_valid, 1);
	ck_assert_int_eq(s.reach, 1);
	ck_assert_int_eq(s.poll, 6);
}
END_TEST

/* A reply taken while 400 us of our slew are still to come is kept as
 * the offset once they are done. */
START_TEST(reply_kept_as_once_slewed)
{
	struct ntpsrc s = src(6, 10, false);
	ntpsrc_start(&s, T0);
	ntpsrc_on_transmit(&s, T0);
	struct ntpsrc_reply r = reply(T0, 1 * MS, 10 * MS, 0);
	r.slew_left = 400000;
	ck_assert_int_eq(ntpsrc_on_reply(&s, &r, true), NTPSRC_UPDATE);
	ck_assert_int_eq(s.f[0].offset, 600000);
	ck_assert_int_eq(s.offset, 600000);
}
END_TEST

/* Our discipline slews 500 us more and moves the frequency by +10 ppm at
 * T0 + 3 s: every stored offset moves by -500 us, and by 10 ppm of its
 * age (30, 20, 10, 0 us): 530, 1520, 6510, 2500 us. The minimum-delay
 * stage stays the chosen one (1520 us); the jitter about it is
 * sqrt((990^2 + 4990^2 + 980^2) / 3) us = 2991131 ns; dispersion and
 * times do not change. */
START_TEST(clock_changed_moves_offsets)
{
	struct ntpsrc s = src(6, 10, false);
	int res[4];
	four_samples(&s, true, res);
	int64_t disp = s.disp, filter_t = s.filter_t, update_t = s.update_t;
	ntpsrc_clock_changed(&s, T0 + 3 * SEC, 0, 0); /* nothing changed */
	ck_assert_int_eq(s.offset, 2 * MS);
	ntpsrc_clock_changed(&s, T0 + 3 * SEC, 500000, 10.0);
	ck_assert_int_eq(s.f[3].offset, 530000);
	ck_assert_int_eq(s.f[2].offset, 1520000);
	ck_assert_int_eq(s.f[1].offset, 6510000);
	ck_assert_int_eq(s.f[0].offset, 2500000);
	ck_assert_int_eq(s.offset, 1520000);
	ck_assert_int_eq(s.delay, 10 * MS);
	ck_assert_int_eq(s.jitter, 2991131);
	ck_assert_int_eq(s.disp, disp);
	ck_assert_int_eq(s.filter_t, filter_t);
	ck_assert_int_eq(s.update_t, update_t);
	/* A frequency change back, later, at T0 + 13 s: -10 ppm of 13, 12,
	 * 11, 10 s. */
	ntpsrc_clock_changed(&s, T0 + 13 * SEC, 0, -10.0);
	ck_assert_int_eq(s.f[3].offset, 400000);
	ck_assert_int_eq(s.f[0].offset, 2400000);
}
END_TEST

/* --- fit --- */

/* Four samples at T0 + 3 s, newest first (equal delays): aged 0, 15000,
 * 30000, 45000 ns; eps * 256 = 15000*64 + 30000*32 + 45000*16 + 16 s * 15,
 * eps = 937510312.5 -> 937510313; root distance 15 + 5 ms + eps + 1 ns. */
#define FILL4_ROOT_DIST INT64_C(957510314)

START_TEST(fitness)
{
	struct ntpsrc s = src(6, 10, false);
	ck_assert_int_eq(ntpsrc_unfit(&s, T0, 0), NTPSRC_UNFIT_UNREACH);
	ntpsrc_start(&s, T0);
	ntpsrc_on_transmit(&s, T0);
	ck_assert_int_eq(ntpsrc_unfit(&s, T0, 0), NTPSRC_UNFIT_UNREACH);
	struct ntpsrc_reply r = reply(T0, 0, 10 * MS, 0);
	ntpsrc_on_reply(&s, &r, true);
	/* A lone sample: eps = 16 s * 127/256, far beyond MAXDIST. */
	ck_assert_int_eq(ntpsrc_unfit(&s, T0, 0), NTPSRC_UNFIT_DIST);
	s = src(6, 10, false);
	fill(&s, 4);
	int64_t now = T0 + 3 * SEC;
	ck_assert_int_eq(ntpsrc_root_dist(&s, now), FILL4_ROOT_DIST);
	ck_assert_int_eq(ntpsrc_unfit(&s, now, 0), NTPSRC_FIT);
	ck_assert_int_eq(ntpsrc_unfit(&s, now, NTP_REFID(10, 0, 0, 2)), NTPSRC_FIT);
	ck_assert_int_eq(ntpsrc_unfit(&s, now, NTP_REFID(192, 0, 2, 1)), NTPSRC_UNFIT_LOOP);
	/* The distance grows by PHI: fit while under 1.5 s + PHI * 2^6 s.
	 * slack = 1500960000 - 957510314 = 543449686 ns: 36229.98 s of PHI. */
	ck_assert(ntpsrc_fit(&s, now + 36229 * SEC, 0));
	ck_assert_int_eq(ntpsrc_unfit(&s, now + 36230 * SEC, 0), NTPSRC_UNFIT_DIST);
	r = reply(now + SEC, 0, 10 * MS, 0);
	r.stratum = 16;
	ntpsrc_on_transmit(&s, r.t3);
	ntpsrc_on_reply(&s, &r, true);
	ck_assert_int_eq(ntpsrc_unfit(&s, r.t3, 0), NTPSRC_UNFIT_STRATUM);
	r.stratum = 3;
	r.leap = NTP_LEAP_UNSYNC;
	ntpsrc_on_reply(&s, &r, true);
	ck_assert_int_eq(ntpsrc_unfit(&s, r.t3, 0), NTPSRC_UNFIT_STRATUM);
	r.leap = NTP_LEAP_NONE;
	ntpsrc_on_reply(&s, &r, true);
	ck_assert_int_eq(ntpsrc_unfit(&s, r.t3, 0), NTPSRC_FIT);
	ck_assert_str_eq(ntpsrc_unfit_name(NTPSRC_UNFIT_STRATUM), "stratum");
}
END_TEST

/* The candidate handed to selection carries the source's numbers. */
START_TEST(candidate_from_source)
{
	struct ntpsrc s = src(6, 10, false);
	int res[4];
	s.par.prefer = true;
	four_samples(&s, true, res);
	s.addr_refid = NTP_REFID(198, 51, 100, 7);
	struct srcsel_cand c;
	int64_t now = T0 + 13 * SEC;
	ntpsrc_candidate(&s, now, 0, &c);
	ck_assert_int_eq(c.offset, 2 * MS);
	ck_assert_int_eq(c.root_dist, ntpsrc_root_dist(&s, now));
	ck_assert_int_eq(c.jitter, 3 * MS);
	ck_assert_int_eq(c.stratum, 2);
	ck_assert(c.prefer);
	ck_assert(c.fit == ntpsrc_fit(&s, now, 0));
	ck_assert_int_eq(c.addr_refid, NTP_REFID(198, 51, 100, 7));
	ck_assert_int_eq(c.delay, 10 * MS);
	ck_assert_int_eq(c.disp, 937618125);
	ck_assert_int_eq(c.t, T0 + 3 * SEC);
	ck_assert_int_eq(c.root_delay, 20 * MS);
	ck_assert_int_eq(c.root_disp, 5 * MS);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("ntp_source");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, init_checks_poll_bounds);
	tcase_add_test(tc, filter_picks_min_delay);
	tcase_add_test(tc, filter_reuses_before_sync);
	tcase_add_test(tc, filter_full_eight_stages);
	tcase_add_test(tc, filter_jitter_floor);
	tcase_add_test(tc, dispersion_grows_with_time);
	tcase_add_test(tc, root_dist_mindisp);
	tcase_add_test(tc, reach_register);
	tcase_add_test(tc, silent_polls_shift_dummies);
	tcase_add_test(tc, iburst_schedule);
	tcase_add_test(tc, iburst_short_poll_and_later_burst);
	tcase_add_test(tc, poll_adaption);
	tcase_add_test(tc, poll_gate_huge_jitter);
	tcase_add_test(tc, backoff_when_unreachable);
	tcase_add_test(tc, kod_rate_raises_poll);
	tcase_add_test(tc, kod_deny_stops);
	tcase_add_test(tc, kod_rstr_stops);
	tcase_add_test(tc, kod_rate_floor_decays);
	tcase_add_test(tc, loop_check);
	tcase_add_test(tc, step_shifts_samples);
	tcase_add_test(tc, jump_drops_samples);
	tcase_add_test(tc, forget_drops_samples_and_reach);
	tcase_add_test(tc, reply_kept_as_once_slewed);
	tcase_add_test(tc, clock_changed_moves_offsets);
	tcase_add_test(tc, fitness);
	tcase_add_test(tc, candidate_from_source);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(suite());
}
