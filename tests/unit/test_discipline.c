/*
 * The discipline: hand-computed decisions (step or slew, makestep's limit,
 * the frequency's clamp and sign, jumps, the drift file's text), then
 * closed loops against the exact sim clock model with seeded noise.
 */
#include "unit.h"
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "tsync/discipline.h"
#include "tsync/simclock.h"

#define S INT64_C(1000000000)
#define MS INT64_C(1000000)
#define US INT64_C(1000)
#define T0 (INT64_C(1800000000) * S) /* any instant will do */

static struct disc_config config(int64_t threshold, int limit)
{
	struct disc_config cfg;
	disc_config_default(&cfg);
	cfg.step_threshold = threshold;
	cfg.step_limit = limit;
	/* The first update may slew 500 ppm x 1024 s = 512 ms. */
	cfg.minpoll = cfg.maxpoll = 10;
	return cfg;
}

static struct disc_actions update(struct disc *d, int64_t offset, int64_t now)
{
	struct disc_actions a;
	struct disc_input in = { .offset = offset, .jitter = 10 * US, .now = now };
	ck_assert_int_eq(disc_update(d, &in, &a), 0);
	return a;
}

START_TEST(defaults_and_ranges)
{
	struct disc_config cfg;
	const char *why = NULL;
	disc_config_default(&cfg);
	ck_assert_int_eq(cfg.step_threshold, 100 * MS);
	ck_assert_int_eq(cfg.step_limit, 3);
	ck_assert(cfg.maxslew_ppm == 500.0);
	ck_assert(disc_config_valid(&cfg, &why));
	ck_assert_str_eq(disc_state_name(DISC_LOCKED), "locked");
	ck_assert_str_eq(disc_state_name(DISC_UNSET), "unset");
	cfg.maxslew_ppm = 501;
	ck_assert(!disc_config_valid(&cfg, &why));
	ck_assert_str_eq(why, "maxslew must be > 0 and <= 500 ppm");
	cfg = config(0, 3);
	ck_assert(!disc_config_valid(&cfg, &why));
	cfg = config(S, -2);
	ck_assert(!disc_config_valid(&cfg, &why));
	cfg = config(S, -1);
	cfg.minpoll = 7;
	cfg.maxpoll = 6;
	ck_assert(!disc_config_valid(&cfg, &why));
}
END_TEST

/* Above the threshold a step, at it a slew, both by the whole offset;
 * a clock ahead (negative offset) is moved back. */
START_TEST(step_or_slew_at_threshold)
{
	struct disc_config cfg = config(100 * MS, 3);
	struct disc d;
	disc_init(&d, &cfg, 0, false);
	struct disc_actions a = update(&d, -100 * MS - 1, T0);
	ck_assert(a.step && !a.slew && !a.set_freq);
	ck_assert_int_eq(a.step_ns, -100 * MS - 1);
	ck_assert_int_eq(a.state, DISC_STEPPED);
	ck_assert_int_eq(d.steps_total, -100 * MS - 1);

	disc_init(&d, &cfg, 0, false);
	a = update(&d, -100 * MS, T0);
	ck_assert(!a.step && a.slew);
	ck_assert_int_eq(a.slew_ns, -100 * MS);
	ck_assert_int_eq(a.state, DISC_FREQ);
	ck_assert_int_eq(d.steps_total, 0);
}
END_TEST

/* The offset that counts is the one left once the slew in progress is
 * done: 120 ms measured with 50 ms still to slew is 70 ms. */
START_TEST(slew_in_progress_counts)
{
	struct disc_config cfg = config(100 * MS, 3);
	struct disc d;
	struct disc_actions a;
	disc_init(&d, &cfg, 0, false);
	struct disc_input in = { .offset = 120 * MS, .now = T0, .slew_left = 50 * MS };
	ck_assert_int_eq(disc_update(&d, &in, &a), 0);
	ck_assert(!a.step);
	ck_assert_int_eq(a.offset_est, 70 * MS);
	ck_assert_int_eq(a.slew_ns, 70 * MS);
}
END_TEST

/* Steps during the first LIMIT updates only; -1 always, 0 never. */
START_TEST(step_limit)
{
	struct disc_config cfg = config(100 * MS, 3);
	struct disc d;
	disc_init(&d, &cfg, 0, false);
	update(&d, 0, T0);
	update(&d, 0, T0 + S);
	ck_assert(update(&d, 200 * MS, T0 + 2 * S).step); /* the third may */

	disc_init(&d, &cfg, 0, false);
	for (int i = 0; i < 3; i++)
		update(&d, 0, T0 + i * S);
	struct disc_actions a = update(&d, 200 * MS, T0 + 3 * S + 200 * MS);
	ck_assert(!a.step && a.slew); /* the fourth may not */
	/* Slewed no faster than maxslew over the last interval: 500 ppm of
	 * 1.2 s. */
	ck_assert_int_eq(a.slew_ns, 600 * US);

	cfg = config(100 * MS, -1);
	disc_init(&d, &cfg, 0, false);
	for (int i = 0; i < 10; i++)
		ck_assert(!update(&d, 0, T0 + i * S).step);
	ck_assert(update(&d, -S, T0 + 10 * S).step);

	cfg = config(100 * MS, 0);
	disc_init(&d, &cfg, 0, false);
	ck_assert(!update(&d, 10 * S, T0).step);
}
END_TEST

/* Two samples 1 s apart, the clock gaining 1 us/s: the line's slope asks
 * for -1 ppm, and the slew for the 1 us it put at now (see the frame in
 * discipline.c: u1 = -1 us, u2 = -1 us + -1 us slewed = -2 us). */
START_TEST(frequency_sign_by_hand)
{
	struct disc_config cfg = config(100 * MS, 3);
	struct disc d;
	disc_init(&d, &cfg, 0, false);
	struct disc_actions a = update(&d, -1 * US, T0);
	ck_assert(!a.set_freq);
	ck_assert_int_eq(a.slew_ns, -1 * US);
	a = update(&d, -1 * US, T0 + S);
	ck_assert(a.set_freq);
	ck_assert(fabs(a.freq_ppm - -1.0) < 1e-9);
	ck_assert_int_eq(a.offset_est, -1 * US);
	ck_assert_int_eq(a.slew_ns, -1 * US);
	ck_assert(d.freq_ppm == a.freq_ppm);
}
END_TEST

/* A clock losing 800 us/s wants +800 ppm: clamped to maxslew. */
START_TEST(frequency_clamped)
{
	struct disc_config cfg = config(100 * MS, 3);
	cfg.maxslew_ppm = 100;
	struct disc d;
	disc_init(&d, &cfg, 0, false);
	update(&d, 0, T0);
	struct disc_actions a = update(&d, 800 * US, T0 + S);
	ck_assert(a.set_freq);
	ck_assert(a.freq_ppm == 100.0);
	/* and the slew no faster than 100 ppm of the 1 s interval */
	ck_assert_int_eq(a.slew_ns, 100 * US);

	disc_config_default(&cfg);
	disc_init(&d, &cfg, 0, false);
	update(&d, 0, T0);
	a = update(&d, -900 * US, T0 + S);
	ck_assert(a.freq_ppm == -500.0);
}
END_TEST

/* The drift file's frequency stays in force until the line measures
 * better: one sample changes nothing. */
START_TEST(driftfile_prior)
{
	struct disc_config cfg = config(100 * MS, 3);
	struct disc d;
	disc_init(&d, &cfg, -49.872, true);
	struct disc_actions a = update(&d, 3 * US, T0);
	ck_assert(!a.set_freq);
	ck_assert(d.freq_ppm == -49.872);
	/* Two samples say nothing of their scatter: still the prior. */
	a = update(&d, 13 * US, T0 + S);
	ck_assert(!a.set_freq);
	/* A third one is blended. In the free-running frame (ns, the frequency
	 * in force and the slews of 3 and 7 us added back): u = 3000, -33872,
	 * -79744 at x = -2, -1, 0 s. The line: -41372 ns/s (-41.372 ppm),
	 * residuals -1500, 3000, -1500: a scatter of 3674 ns, below the 10 us
	 * of jitter, which counts instead: standard error 10 / sqrt(2) =
	 * 7.071 ppm. Weights 1/2^2 and 1/7.071^2: (0.25 x -49.872 + 0.02 x
	 * -41.372) / 0.27 = -49.242 ppm. */
	a = update(&d, 10 * US, T0 + 2 * S);
	ck_assert(a.set_freq);
	ck_assert(fabs(a.freq_ppm - -49.242) < 0.001);
	ck_assert(fabs(a.skew_ppm - 7.071) < 0.001);
}
END_TEST

START_TEST(time_must_advance)
{
	struct disc_config cfg = config(100 * MS, 3);
	struct disc d, copy;
	struct disc_actions a;
	disc_init(&d, &cfg, 0, false);
	update(&d, 0, T0);
	copy = d;
	struct disc_input in = { .offset = 5 * US, .now = T0 };
	ck_assert_int_eq(disc_update(&d, &in, &a), -EINVAL);
	ck_assert(memcmp(&d, &copy, sizeof(d)) == 0);
}
END_TEST

/* Lengthened after POLL_HOLD (8) locked updates, up to maxpoll; back to
 * minpoll on a step. (Shortening: closed_loop_at_the_poll_hint.) */
START_TEST(poll_hint)
{
	struct disc_config cfg = config(100 * MS, 3);
	struct disc d;
	struct disc_actions a;
	int64_t t = T0;
	cfg.minpoll = 4;
	cfg.maxpoll = 6;
	disc_init(&d, &cfg, 0, false);
	/* Updates 1-3 measure the frequency, 4-11 are locked. */
	for (int i = 1; i <= 10; i++, t += 16 * S)
		ck_assert_int_eq(update(&d, 0, t).poll, 4);
	ck_assert_int_eq(d.state, DISC_LOCKED);
	ck_assert_int_eq(update(&d, 0, t).poll, 5);
	t += 32 * S;
	for (int i = 0; i < 100; i++, t += 64 * S)
		a = update(&d, 0, t);
	ck_assert_int_eq(a.poll, 6);
	disc_clock_jumped(&d, 0);
	a = update(&d, S, t);
	ck_assert(a.step);
	ck_assert_int_eq(a.poll, 4);
}
END_TEST

/* A leap second the clock does not pass (leapmode ignore): the servers'
 * offsets move by a second. Told so, the line steps it as an offset and
 * its frequency stays exactly 0; not told, the history before the leap
 * reads as a phase jump: the frequency runs to the -500 ppm bound and the
 * line puts half a second of offset where the servers measure none. */
START_TEST(offsets_moved_by_a_leap)
{
	struct disc_config cfg = config(MS, -1);
	struct disc told, not_told;
	int64_t t = T0;

	cfg.minpoll = cfg.maxpoll = 4;
	disc_init(&told, &cfg, 0, false);
	disc_init(&not_told, &cfg, 0, false);
	for (int i = 0; i < 6; i++, t += 16 * S) {
		update(&told, 0, t);
		update(&not_told, 0, t);
	}
	disc_offsets_moved(&told, -S);
	struct disc_actions a = update(&told, -S, t), b = update(&not_told, -S, t);
	ck_assert(a.step && b.step);
	ck_assert_int_eq(a.step_ns, -S);
	ck_assert_int_eq(b.step_ns, -S);
	for (int i = 0; i < 4; i++) {
		t += 16 * S;
		a = update(&told, 0, t);
		b = update(&not_told, 0, t);
	}
	ck_assert(told.freq_ppm == 0.0);
	ck_assert(!a.step && a.offset_est == 0);
	ck_assert(not_told.freq_ppm == -500.0);
	ck_assert(!b.step);
	ck_assert_int_eq(b.offset_est, 504772727); /* half a second to slew */
}
END_TEST

/* After a jump one step is allowed again, once, unless LIMIT is 0. */
START_TEST(jump_allows_one_step)
{
	struct disc_config cfg = config(100 * MS, 1);
	struct disc d;
	disc_init(&d, &cfg, 0, false);
	update(&d, 0, T0);
	ck_assert(!update(&d, S, T0 + S).step);
	disc_clock_jumped(&d, 0);
	ck_assert_int_eq(d.n, 0);
	ck_assert(update(&d, 3600 * S, T0 + 2 * S).step);
	ck_assert(!update(&d, S, T0 + 3603 * S).step);
	/* A jump back an hour: the next update, an hour "earlier" than the
	 * last, is taken, and steps. */
	disc_clock_jumped(&d, -3600 * S);
	ck_assert(update(&d, 3600 * S, T0 + 5 * S).step);
	cfg = config(100 * MS, 0);
	disc_init(&d, &cfg, 0, false);
	disc_clock_jumped(&d, 0);
	ck_assert(!update(&d, S, T0).step);
}
END_TEST

START_TEST(jump_detection)
{
	struct disc_clockpair prev = { .real = T0, .mono = 5 * S, .steps = 0 };
	struct disc_clockpair cur = { .real = T0 + 3610 * S, .mono = 15 * S, .steps = 0 };
	int64_t jump;
	/* Suspended for an hour: realtime ran on, monotonic did not. */
	ck_assert(disc_jump_detect(&prev, &cur, 100 * MS, &jump));
	ck_assert_int_eq(jump, 3600 * S);
	/* Backwards too. */
	cur.real = T0 + 10 * S - 2 * S;
	ck_assert(disc_jump_detect(&prev, &cur, 100 * MS, &jump));
	ck_assert_int_eq(jump, -2 * S);
	/* Our own step of -250 ms explains itself. */
	cur = (struct disc_clockpair){ .real = T0 + 10 * S - 250 * MS, .mono = 15 * S,
				       .steps = -250 * MS };
	ck_assert(!disc_jump_detect(&prev, &cur, 100 * MS, &jump));
	ck_assert_int_eq(jump, 0);
	/* Up to threshold + 1500 ppm x 10 s = 115 ms is frequency and slew. */
	cur = (struct disc_clockpair){ .real = T0 + 10 * S + 115 * MS, .mono = 15 * S };
	ck_assert(!disc_jump_detect(&prev, &cur, 100 * MS, &jump));
	ck_assert_int_eq(jump, 115 * MS);
	cur.real += 1;
	ck_assert(disc_jump_detect(&prev, &cur, 100 * MS, &jump));
}
END_TEST

START_TEST(drift_text_round_trip)
{
	static const double values[] = { -49.872, 0.0, 500.0, -500.0, 0.001, 123.456 };
	char buf[32];
	double v;
	const char *why;
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		int n = drift_format(buf, sizeof(buf), values[i]);
		ck_assert_int_eq(n, (int)strlen(buf));
		ck_assert_int_eq(drift_parse(buf, &v, &why), 0);
		ck_assert(fabs(v - values[i]) < 1e-12);
	}
	ck_assert_int_eq(drift_format(buf, sizeof(buf), -49.872), 8);
	ck_assert_str_eq(buf, "-49.872\n");
	drift_format(buf, sizeof(buf), 12.3456);
	ck_assert_str_eq(buf, "12.346\n");
	ck_assert_int_eq(drift_format(buf, 8, -49.872), -ENOSPC);
	ck_assert_int_eq(drift_parse("  7.5 \n\n", &v, &why), 0);
	ck_assert(v == 7.5);
}
END_TEST

START_TEST(drift_text_garbage)
{
	static const struct {
		const char *text, *why;
	} bad[] = {
		{ "", "empty" },
		{ " \n", "empty" },
		{ "abc\n", "not a number" },
		{ "nan\n", "not a number" },
		{ "-inf\n", "not a number" },
		{ "1e999\n", "not a number" },
		{ "1.5x\n", "trailing garbage" },
		{ "1 2\n", "trailing garbage" },
		{ "500.001\n", "outside -500..500 ppm" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		double v = 42;
		const char *why = NULL;
		ck_assert_int_eq(drift_parse(bad[i].text, &v, &why), -EINVAL);
		ck_assert_str_eq(why, bad[i].why);
		ck_assert(v == 42);
	}
}
END_TEST

/* The closed loop: a sim clock, measured against a perfect server with
 * Gaussian noise from a seeded xorshift generator, disciplined with the
 * actions exactly as the daemon applies them through the clock interface
 * (step, set_freq, slew at the instant of the measurement). */
struct loop {
	struct sim_model m;
	struct disc d;
	uint64_t rng;
	double sigma; /* ns */
	int64_t t;    /* true time */
};

static double uniform(struct loop *l)
{
	l->rng ^= l->rng << 13;
	l->rng ^= l->rng >> 7;
	l->rng ^= l->rng << 17;
	return ((double)(l->rng >> 11) + 0.5) / 9007199254740992.0;
}

static double gauss(struct loop *l)
{
	return sqrt(-2 * log(uniform(l))) * cos(2 * M_PI * uniform(l));
}

static void loop_init(struct loop *l, int seed, double sigma, int64_t offset, double drift,
		      const struct disc_config *cfg)
{
	sim_init(&l->m, T0, offset, drift);
	disc_init(&l->d, cfg, 0, false);
	l->rng = UINT64_C(0x9E3779B97F4A7C15) * (uint64_t)seed;
	l->sigma = sigma;
	l->t = T0;
}

/* One poll at l->t; the next one interval later. */
static void loop_poll(struct loop *l, int64_t interval, struct disc_actions *a)
{
	struct disc_input in = {
		.offset = -sim_offset_at(&l->m, l->t) + (int64_t)llround(gauss(l) * l->sigma),
		.jitter = (int64_t)l->sigma,
		.now = sim_time_at(&l->m, l->t),
		.slew_left = sim_slew_left_at(&l->m, l->t),
	};
	ck_assert_int_eq(disc_update(&l->d, &in, a), 0);
	if (a->step)
		sim_step(&l->m, l->t, a->step_ns);
	if (a->set_freq)
		sim_set_freq(&l->m, l->t, a->freq_ppm);
	if (a->slew)
		sim_slew(&l->m, l->t, a->slew_ns);
	l->t += interval;
}

static double freq_error(const struct loop *l)
{
	return l->m.drift_ppm + l->m.freq_ppm;
}

static bool converged(const struct loop *l)
{
	return llabs(sim_offset_at(&l->m, l->t)) < 100 * US && fabs(freq_error(l)) < 1.0;
}

#define LOOP_INTERVAL (250 * MS)
#define LOOP_POLLS 400
/* The bound on polls to converge this test asserts. */
#define LOOP_CONVERGE_BY 150

/* Run polls at a fixed interval; return the poll from which the clock
 * stayed converged to the end, or -1. Also the fewest samples the line
 * had, in *min_n. */
static int run_fixed(struct loop *l, int polls, int *min_n)
{
	struct disc_actions a;
	int since = -1;
	*min_n = DISC_MAX_SAMPLES;
	for (int k = 0; k < polls; k++) {
		*min_n = l->d.n < *min_n && k > 0 ? l->d.n : *min_n;
		if (!converged(l))
			since = -1;
		else if (since < 0)
			since = k;
		loop_poll(l, LOOP_INTERVAL, &a);
	}
	return converged(l) ? since : -1;
}

/* +250 ms and +50 ppm (the right correction is -50 ppm), every 0.25 s,
 * 15 us of noise, default config but for the poll: over 20 seeds. */
START_TEST(closed_loop_converges)
{
	struct disc_config cfg;
	int worst = 0;
	disc_config_default(&cfg);
	cfg.minpoll = cfg.maxpoll = -2;
	for (int seed = 1; seed <= 20; seed++) {
		struct loop l;
		loop_init(&l, seed, 15 * US, 250 * MS, 50.0, &cfg);
		int min_n, k = run_fixed(&l, LOOP_POLLS, &min_n);
		printf("closed loop seed %2d: converged from poll %d; at poll %d offset %+.2f us, "
		       "frequency error %+.3f ppm, %d steps\n",
		       seed, k, LOOP_POLLS, sim_offset_at(&l.m, l.t) / 1e3, freq_error(&l),
		       l.d.steps_total != 0);
		ck_assert_int_ge(k, 1); /* the first poll steps */
		ck_assert_int_le(k, LOOP_CONVERGE_BY);
		ck_assert(llabs(l.d.steps_total + 250 * MS) < 100 * US);
		ck_assert_int_eq(l.d.state, DISC_LOCKED);
		worst = k > worst ? k : worst;
	}
	printf("closed loop: worst of 20 seeds converged from poll %d\n", worst);
}
END_TEST

/* A clock decades behind (a dead RTC) is stepped, and the line does not
 * lose its precision to the size of that step. */
START_TEST(closed_loop_after_decades)
{
	struct disc_config cfg;
	struct loop l;
	disc_config_default(&cfg);
	cfg.minpoll = cfg.maxpoll = -2;
	loop_init(&l, 1, 15 * US, -47 * INT64_C(31557600) * S, 50.0, &cfg);
	int min_n, k = run_fixed(&l, LOOP_POLLS, &min_n);
	printf("closed loop 47 years behind: converged from poll %d\n", k);
	ck_assert_int_ge(k, 1);
	ck_assert_int_le(k, LOOP_CONVERGE_BY);
}
END_TEST

/* With the drift file's -49.9 ppm applied at start, as the daemon does,
 * the frequency is right from the first poll and stays within 2 ppm while
 * the line is still worse than the drift file (without it: 50 ppm off). */
START_TEST(closed_loop_with_driftfile)
{
	struct disc_config cfg;
	struct disc_actions a;
	disc_config_default(&cfg);
	cfg.minpoll = cfg.maxpoll = -2;
	for (int seed = 1; seed <= 20; seed++) {
		struct loop l;
		double worst = 0;
		loop_init(&l, seed, 15 * US, 250 * MS, 50.0, &cfg);
		sim_set_freq(&l.m, T0, -49.9);
		disc_init(&l.d, &cfg, -49.9, true);
		for (int k = 0; k < 8; k++) {
			worst = fmax(worst, fabs(freq_error(&l)));
			loop_poll(&l, LOOP_INTERVAL, &a);
		}
		int min_n, k = run_fixed(&l, LOOP_POLLS, &min_n);
		ck_assert(worst < 2.0);
		ck_assert_int_ge(k, 0);
		ck_assert_int_le(k, LOOP_CONVERGE_BY);
	}
}
END_TEST

/* 20 ms is under the step threshold: slewed away, never stepped, at
 * most 500 ppm: 40 s, 160 polls. */
START_TEST(closed_loop_slews)
{
	struct disc_config cfg;
	struct loop l;
	disc_config_default(&cfg);
	cfg.minpoll = cfg.maxpoll = -2;
	loop_init(&l, 7, 15 * US, -20 * MS, -30.0, &cfg);
	int min_n, k = run_fixed(&l, LOOP_POLLS, &min_n);
	printf("closed loop slewing 20 ms: converged from poll %d\n", k);
	ck_assert_int_eq(l.d.steps_total, 0);
	ck_assert_int_ge(k, 160);
	ck_assert_int_le(k, 250);
}
END_TEST

/* The drift changes by 10 ppm (a temperature step): the runs test cuts
 * the window and the loop converges again. */
START_TEST(closed_loop_follows_drift_change)
{
	struct disc_config cfg;
	struct loop l;
	disc_config_default(&cfg);
	cfg.minpoll = cfg.maxpoll = -2;
	loop_init(&l, 3, 15 * US, 250 * MS, 50.0, &cfg);
	int min_n;
	ck_assert_int_ge(run_fixed(&l, 300, &min_n), 0);
	ck_assert_int_eq(l.d.n, DISC_MAX_SAMPLES);
	sim_set_freq(&l.m, l.t, l.m.freq_ppm);
	l.m.drift_ppm = 40.0;
	int k = run_fixed(&l, LOOP_POLLS, &min_n);
	printf("closed loop after a 10 ppm drift change: converged again from poll %d, "
	       "the line cut to %d samples\n", k, min_n);
	ck_assert_int_ge(k, 0);
	ck_assert_int_le(k, 200);
	ck_assert_int_le(min_n, DISC_MAX_SAMPLES / 2);
}
END_TEST

/* Polling at the hint, 64 s to 1024 s, 200 us of noise: the poll
 * lengthens to maxpoll with the clock within 1 ms and 0.1 ppm. Then the
 * drift moves by 20 ppm (20 ms a poll): out of the gate the poll
 * shortens, and the loop converges again. */
START_TEST(closed_loop_at_the_poll_hint)
{
	struct disc_config cfg;
	struct disc_actions a = { .poll = 0 };
	struct loop l;
	int k, shortened = -1, min_poll = 99;
	disc_config_default(&cfg);
	loop_init(&l, 11, 200 * US, -3 * S, -17.0, &cfg);
	loop_poll(&l, 64 * S, &a);
	ck_assert(a.step);
	for (k = 0; k < 300; k++)
		loop_poll(&l, S << a.poll, &a);
	printf("closed loop at the poll hint: poll %d, offset %+.1f us, frequency error "
	       "%+.4f ppm\n", a.poll, sim_offset_at(&l.m, l.t) / 1e3, freq_error(&l));
	ck_assert_int_eq(a.poll, cfg.maxpoll);
	ck_assert(llabs(sim_offset_at(&l.m, l.t)) < MS);
	ck_assert(fabs(freq_error(&l)) < 0.1);

	sim_set_freq(&l.m, l.t, l.m.freq_ppm);
	l.m.drift_ppm += 20.0;
	for (k = 0; k < 300; k++) {
		loop_poll(&l, S << a.poll, &a);
		if (a.poll < cfg.maxpoll && shortened < 0)
			shortened = k;
		min_poll = a.poll < min_poll ? a.poll : min_poll;
	}
	printf("after +20 ppm: poll shortened at poll %d down to %d; at the end poll %d, "
	       "offset %+.1f us, frequency error %+.4f ppm\n", shortened, min_poll, a.poll,
	       sim_offset_at(&l.m, l.t) / 1e3, freq_error(&l));
	ck_assert_int_ge(shortened, 0);
	ck_assert_int_le(shortened, 3);
	ck_assert(llabs(sim_offset_at(&l.m, l.t)) < MS);
	ck_assert(fabs(freq_error(&l)) < 0.1);
}
END_TEST

static Suite *discipline_suite(void)
{
	Suite *s = suite_create("discipline");
	TCase *tc = tcase_create("by hand");
	tcase_add_test(tc, defaults_and_ranges);
	tcase_add_test(tc, step_or_slew_at_threshold);
	tcase_add_test(tc, slew_in_progress_counts);
	tcase_add_test(tc, step_limit);
	tcase_add_test(tc, frequency_sign_by_hand);
	tcase_add_test(tc, frequency_clamped);
	tcase_add_test(tc, driftfile_prior);
	tcase_add_test(tc, time_must_advance);
	tcase_add_test(tc, poll_hint);
	tcase_add_test(tc, jump_allows_one_step);
	tcase_add_test(tc, offsets_moved_by_a_leap);
	tcase_add_test(tc, jump_detection);
	tcase_add_test(tc, drift_text_round_trip);
	tcase_add_test(tc, drift_text_garbage);
	suite_add_tcase(s, tc);
	tc = tcase_create("closed loop");
	tcase_add_test(tc, closed_loop_converges);
	tcase_add_test(tc, closed_loop_after_decades);
	tcase_add_test(tc, closed_loop_with_driftfile);
	tcase_add_test(tc, closed_loop_slews);
	tcase_add_test(tc, closed_loop_follows_drift_change);
	tcase_add_test(tc, closed_loop_at_the_poll_hint);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(discipline_suite());
}
