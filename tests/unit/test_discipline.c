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
#include "tsync/ntp_pkt.h"
#include "tsync/ntp_select.h"
#include "tsync/ntp_source.h"
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
	/* Polls of 1024 s: the first update slews over that long. */
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
	ck_assert(cfg.maxslew_ppm == 83333.333);
	ck_assert(disc_config_valid(&cfg, &why));
	ck_assert_str_eq(disc_state_name(DISC_LOCKED), "locked");
	ck_assert_str_eq(disc_state_name(DISC_UNSET), "unset");
	cfg.maxslew_ppm = 83333.334;
	ck_assert(!disc_config_valid(&cfg, &why));
	ck_assert_str_eq(why, "maxslew must be > 0 and <= 83333.333 ppm");
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
 * done: 120 ms measured with 50 ms still to slew is 70 ms. The new slew
 * replaces that one: 120 ms in all. */
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
	ck_assert_int_eq(a.slew_ns, 120 * MS);
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
	/* The whole offset the line puts at now, at the rate that slews it in
	 * the last interval, 1.2 s. */
	ck_assert_int_eq(a.slew_ns, 50825 * US);
	ck_assert(fabs(a.slew_ppm - 50825.0 / 1.2) < 0.001);

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

/* Three samples 1 s apart, each -1 us (see the frame in discipline.c).
 * Two samples set no frequency: their slope would be the difference of
 * two noises. The first slews its -1 us (phase -1 us, u = -1 us); the
 * second, u = -2 us, the -0.5 us of the two samples' mean at the
 * frequency in force (0) (phase -1.5 us); the third, u = -2.5 us, sets
 * the line's -0.75 ppm, its standard error the 10 us of jitter over
 * sqrt(2) s: 7.071 ppm, and slews the -1083 ns the line puts at now
 * (-2583.3 ns, less the -1.5 us already slewed). */
START_TEST(frequency_sign_by_hand)
{
	struct disc_config cfg = config(100 * MS, 3);
	struct disc d;
	disc_init(&d, &cfg, 0, false);
	struct disc_actions a = update(&d, -1 * US, T0);
	ck_assert(!a.set_freq);
	ck_assert_int_eq(a.slew_ns, -1 * US);
	a = update(&d, -1 * US, T0 + S);
	ck_assert(!a.set_freq);
	ck_assert_int_eq(a.offset_est, -500);
	ck_assert_int_eq(a.slew_ns, -500);
	ck_assert(d.skew_ppm < 0);
	a = update(&d, -1 * US, T0 + 2 * S);
	ck_assert(a.set_freq);
	ck_assert(fabs(a.freq_ppm - -0.75) < 1e-9);
	ck_assert(fabs(a.dfreq_ppm - -0.75) < 1e-9);
	ck_assert(fabs(a.skew_ppm - 7.0711) < 1e-4);
	ck_assert(d.skew_ppm == a.skew_ppm);
	ck_assert_int_eq(a.offset_est, -1083);
	ck_assert_int_eq(a.slew_ns, -1083);
	ck_assert(d.freq_ppm == a.freq_ppm);
}
END_TEST

/* A clock losing 800 us/s wants +800 ppm: clamped to the kernel's 500
 * ppm whatever maxslew says; maxslew bounds the slew's rate. */
START_TEST(frequency_clamped)
{
	struct disc_config cfg = config(100 * MS, 3);
	cfg.maxslew_ppm = 100;
	struct disc d;
	disc_init(&d, &cfg, 0, false);
	update(&d, 0, T0);
	/* u = 0, 800, 1900 us: the second update slews the whole 400 us of
	 * the two samples' mean, at no more than 100 ppm. */
	struct disc_actions a = update(&d, 800 * US, T0 + S);
	ck_assert(!a.set_freq);
	ck_assert_int_eq(a.slew_ns, 400 * US);
	ck_assert(a.slew_ppm == 100.0);
	a = update(&d, 1500 * US, T0 + 2 * S);
	ck_assert(a.set_freq);
	ck_assert(a.freq_ppm == DISC_MAX_PPM);
	/* the 1000 us the line (its slope, 950 ppm, clamped) puts at now:
	 * 900 + 500 - 400 already slewed */
	ck_assert_int_eq(a.slew_ns, 1000 * US);
	ck_assert(a.slew_ppm == 100.0);

	/* u = 0, -900, -1800 us: the second update slewed -450 us. */
	disc_config_default(&cfg);
	disc_init(&d, &cfg, 0, false);
	update(&d, 0, T0);
	ck_assert_int_eq(update(&d, -900 * US, T0 + S).slew_ns, -450 * US);
	a = update(&d, -1350 * US, T0 + 2 * S);
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
	 * in force and the slews of 3 and 6.5 us added back): u = 3000,
	 * -33872, -80244 at x = -2, -1, 0 s. The line: -41622 ns/s (-41.622
	 * ppm), residuals -1583, 3167, -1583: a scatter of 3878 ns, below the
	 * 10 us of jitter, which counts instead: standard error 10 / sqrt(2)
	 * = 7.071 ppm. A drift file of one number counts 2 ppm. Weights 1/2^2
	 * and 1/7.071^2: (0.25 x -49.872 + 0.02 x -41.622) / 0.27 = -49.261
	 * ppm, with a standard error of 1 / sqrt(0.27) = 1.9245 ppm. */
	a = update(&d, 10 * US, T0 + 2 * S);
	ck_assert(a.set_freq);
	ck_assert(fabs(a.freq_ppm - -49.261) < 0.001);
	ck_assert(fabs(a.skew_ppm - 1.9245) < 0.0001);
}
END_TEST

/* The same three samples against a drift file that says 0.5 ppm: the
 * prior weighs 1/0.5^2 = 4 against 0.02, (4 x -49.872 + 0.02 x -41.622)
 * / 4.02 = -49.831 ppm, standard error 1 / sqrt(4.02) = 0.4988 ppm. */
START_TEST(driftfile_skew_weighs_the_prior)
{
	struct disc_config cfg = config(100 * MS, 3);
	struct disc d;
	struct disc_actions a;
	disc_init_measured(&d, &cfg, -49.872, 0.5);
	ck_assert(d.skew_ppm == 0.5);
	update(&d, 3 * US, T0);
	update(&d, 13 * US, T0 + S);
	a = update(&d, 10 * US, T0 + 2 * S);
	ck_assert(fabs(a.freq_ppm - -49.8310) < 0.0001);
	ck_assert(fabs(a.skew_ppm - 0.4988) < 0.0001);
	/* A prior that disagrees with the line by more than 4 standard errors
	 * of their difference is dropped: the frequency moved. Here 0 ppm +-
	 * 0.5 in force against a line u = 0, 40, 80 us (the second update
	 * slewed 20 us): 40 +- 7.071 ppm, and 40 > 4 x 7.089. */
	disc_init_measured(&d, &cfg, 0, 0.5);
	update(&d, 0, T0);
	ck_assert_int_eq(update(&d, 40 * US, T0 + S).slew_ns, 20 * US);
	a = update(&d, 60 * US, T0 + 2 * S);
	ck_assert(fabs(a.freq_ppm - 40.0) < 1e-9);
	ck_assert(fabs(a.skew_ppm - 7.0711) < 0.0001);
	ck_assert(!d.prior_known);
	/* No skew: as no drift file. */
	disc_init_measured(&d, &cfg, 3.0, 0);
	ck_assert(d.skew_ppm < 0 && !d.prior_known);
}
END_TEST

/* The actions applied to a sim clock at true time t, as the daemon
 * applies them through the clock interface: step, set_freq, slew. */
static void sim_apply(struct sim_model *m, int64_t t, const struct disc_actions *a)
{
	if (a->step)
		sim_step(m, t, a->step_ns);
	if (a->set_freq)
		sim_set_freq(m, t, a->freq_ppm);
	if (a->slew)
		sim_slew(m, t, a->slew_ns, a->slew_ppm);
}

/* One poll of a sim clock at true time t, measured with a given error
 * and jitter and no noise, the actions applied. */
static struct disc_actions poll_sim(struct disc *d, struct sim_model *m, int64_t t,
				    int64_t error, int64_t jitter)
{
	struct disc_actions a;
	sim_settle(m, t); /* the daemon's timer ended the slews due */
	struct disc_input in = {
		.offset = -sim_offset_at(m, t) + error, .jitter = jitter,
		.now = sim_time_at(m, t), .slew_left = sim_slew_left_at(m, t),
	};
	ck_assert_int_eq(disc_update(d, &in, &a), 0);
	sim_apply(m, t, &a);
	return a;
}

/* Issue 11: a 5 ms excursion lasting 2 polls (jitter 100 us, poll 6)
 * after 100 polls on a perfect clock. The two outliers are held aside:
 * the clock is not slewed to them, the frequency does not move. Before:
 * the second outlier restarted the line from the two of them, the clock
 * was slewed 4999765 ns off, and the next sample made the frequency
 * -39.061 ppm. A step of 5 ms that lasts is taken at the third poll. */
START_TEST(excursion_of_two_polls_not_followed)
{
	struct disc_config cfg;
	struct disc d;
	struct sim_model m;
	int64_t t = T0, worst = 0;
	double fworst = 0;
	disc_config_default(&cfg);
	cfg.minpoll = cfg.maxpoll = 6;
	disc_init(&d, &cfg, 0, false);
	sim_init(&m, T0, 0, 0);
	for (int k = 0; k < 160; k++, t += 64 * S) {
		int64_t error = k == 100 || k == 101 ? 5 * MS : 0;
		struct disc_actions a = poll_sim(&d, &m, t, error, 100 * US);
		if (k == 100 || k == 101) {
			ck_assert_int_eq(a.slew_ns, 0);
			ck_assert(!a.set_freq);
			ck_assert_int_eq(d.n_held, k - 99);
		}
		if (llabs(sim_offset_at(&m, t + 64 * S)) > llabs(worst))
			worst = sim_offset_at(&m, t + 64 * S);
		fworst = fmax(fworst, fabs(d.freq_ppm));
	}
	printf("excursion of two polls: worst offset %lld ns, frequency %.6f ppm at most\n",
	       (long long)worst, fworst);
	ck_assert_int_eq(worst, 0);
	ck_assert(fworst == 0);
	ck_assert_int_eq(d.n_held, 0);
	ck_assert_int_eq(d.state, DISC_LOCKED);

	/* The server's time moves 5 ms for good: held twice, then the line
	 * restarts from the three, with the old frequency as its prior. */
	for (int k = 0; k < 3; k++, t += 64 * S) {
		struct disc_actions a = poll_sim(&d, &m, t, 5 * MS, 100 * US);
		ck_assert_int_eq(a.slew_ns, k < 2 ? 0 : 5 * MS);
		ck_assert(!a.set_freq);
	}
	ck_assert_int_eq(d.n, 3);
	ck_assert(d.prior_known);
	ck_assert(d.freq_ppm == 0);
}
END_TEST

/* Issue 11: a machine suspended an hour, its clock locked at -50 ppm:
 * realtime kept the time, the monotonic clock did not, and the offsets
 * after the jump are as small as before (+-50 us, polls 0.25 s apart).
 * The samples are dropped, the frequency kept: it is the prior of the
 * new line, and three samples of 50 us noise weigh nothing beside it.
 * Before: the second update after the jump regressed two samples into
 * -449.801 ppm. */
START_TEST(jump_keeps_the_frequency)
{
	struct disc_config cfg;
	struct disc d;
	struct sim_model m;
	struct disc_actions a;
	int64_t t = T0;
	disc_config_default(&cfg);
	cfg.minpoll = cfg.maxpoll = -2;
	cfg.step_threshold = 10 * MS;
	disc_init(&d, &cfg, 0, false);
	sim_init(&m, T0, 0, 50.0);
	for (int k = 0; k < 200; k++, t += S / 4)
		poll_sim(&d, &m, t, k % 2 ? -50 * US : 50 * US, 50 * US);
	double locked = d.freq_ppm, skew = d.skew_ppm;
	printf("before the jump: %.3f ppm, skew %.4f ppm\n", locked, skew);
	ck_assert(fabs(locked - -50.0) < 0.1);
	ck_assert(skew > 0 && skew < 0.5);
	t += 3600 * S;
	disc_clock_jumped(&d, 3600 * S);
	ck_assert_int_eq(d.n, 0);
	ck_assert(d.prior_known && d.prior_ppm == locked && d.prior_skew_ppm == skew);
	for (int k = 0; k < 8; k++, t += S / 4) {
		a = poll_sim(&d, &m, t, k % 2 ? -50 * US : 50 * US, 50 * US);
		printf("after the jump, update %d: %.3f ppm\n", k + 1, d.freq_ppm);
		ck_assert(!a.step);
		ck_assert(fabs(d.freq_ppm - locked) < 0.05);
	}
}
END_TEST

/* Issue 11: a drift file of 500.000 ppm (as a measuring-only run once
 * wrote) on a clock that needs 0: applied at start, it is dropped at the
 * first line (3 samples, 500 ppm against 0 +- 1.1), whose frequency is
 * then the truth. Before, weighed as a fixed 2 ppm prior, it made the
 * third update 116.986 ppm, and the clock was within 100 us from the
 * sixth poll only (the third now, the slews done within each poll). */
START_TEST(wrong_driftfile_dropped)
{
	struct disc_config cfg;
	struct disc d;
	struct sim_model m;
	int64_t t = T0;
	int within = -1;
	disc_config_default(&cfg);
	cfg.minpoll = cfg.maxpoll = 6;
	disc_init(&d, &cfg, 500.0, true);
	sim_init(&m, T0, 0, 0);
	sim_set_freq(&m, T0, 500.0);
	for (int k = 0; k < 20; k++, t += 64 * S) {
		poll_sim(&d, &m, t, 0, 100 * US);
		if (k == 2) {
			ck_assert(!d.prior_known);
			ck_assert(fabs(d.freq_ppm) < 0.2);
		}
		if (llabs(sim_offset_at(&m, t + 64 * S)) >= 100 * US)
			within = -1;
		else if (within < 0)
			within = k;
	}
	ck_assert_int_eq(within, 2);
	ck_assert(fabs(d.freq_ppm) < 0.01);
}
END_TEST

/* Issue 11: measuring only (clock readonly), the actions never applied:
 * a clock 20 ms behind gaining 30 ppm. Every update reports the offset
 * measured, asks for nothing, and leaves nothing for the drift file.
 * Before, the discipline ran as if its corrections were applied: the
 * third update reported 13466667 ns for 16160000 measured, and the
 * frequency reached 500 ppm (which the drift file then kept). */
START_TEST(measure_only_reports_what_it_measures)
{
	struct disc_config cfg;
	struct disc d;
	struct sim_model m;
	struct disc_actions a;
	double ppm, skew;
	int64_t t = T0;
	disc_config_default(&cfg);
	cfg.minpoll = cfg.maxpoll = 6;
	disc_init(&d, &cfg, 12.5, true);
	disc_measure_only(&d);
	ck_assert(d.measure_only);
	sim_init(&m, T0, -20 * MS, 30.0);
	for (int k = 0; k < 12; k++, t += 64 * S) {
		struct disc_input in = { .offset = -sim_offset_at(&m, t), .jitter = 10 * US,
					 .now = sim_time_at(&m, t) };
		ck_assert_int_eq(disc_update(&d, &in, &a), 0);
		ck_assert_int_eq(a.offset_est, 20 * MS - k * 1920 * US);
		ck_assert(!a.step && !a.set_freq && !a.slew);
		ck_assert(a.phase_ns == 0 && a.dfreq_ppm == 0);
		ck_assert(d.freq_ppm == 12.5);
		ck_assert(!disc_freq_to_save(&d, &ppm, &skew));
	}
	ck_assert_int_eq(d.state, DISC_SLEW);
	ck_assert_int_eq(d.steps_total, 0);
	/* Within the lock bound, locked: the state is about what is measured. */
	disc_init(&d, &cfg, 0, false);
	disc_measure_only(&d);
	for (int k = 0; k < 4; k++)
		a = update(&d, 50 * US, T0 + k * 64 * S);
	ck_assert_int_eq(a.state, DISC_LOCKED);
	ck_assert_int_eq(a.offset_est, 50 * US);
}
END_TEST

/* What the drift file may keep: a frequency the line measured, with its
 * standard error, in SLEW or LOCKED. */
START_TEST(freq_to_save)
{
	struct disc_config cfg = config(100 * MS, -1);
	struct disc d;
	double ppm = 0, skew = 0;
	disc_init_measured(&d, &cfg, -49.872, 0.5);
	ck_assert(!disc_freq_to_save(&d, &ppm, &skew)); /* unset */
	update(&d, 3 * US, T0);
	update(&d, 13 * US, T0 + S);
	ck_assert(!disc_freq_to_save(&d, &ppm, &skew)); /* freq */
	update(&d, 10 * US, T0 + 2 * S);
	update(&d, 0, T0 + 3 * S);
	ck_assert_int_eq(d.state, DISC_LOCKED);
	ck_assert(disc_freq_to_save(&d, &ppm, &skew));
	ck_assert(ppm == d.freq_ppm && skew == d.skew_ppm);
	ck_assert(skew > 0 && skew < 0.5);
	ck_assert(update(&d, S, T0 + 4 * S).step);
	ck_assert(!disc_freq_to_save(&d, &ppm, &skew)); /* stepped */
}
END_TEST

/* Two perfect servers, one polled every 4 s and one every 32 s (both
 * after a burst of 6 polls 2 s apart), a clock 90 ms behind with no
 * drift, slewed at 500 ppm: each source keeps its offsets as they will be
 * once our slew is done, corrected at every change we make (as the
 * daemon does with ntpsrc_clock_changed). The discipline takes the
 * combined offset whenever the system peer has a new sample. */
struct two_servers {
	struct disc d;
	struct sim_model m;
	struct ntpsrc src[2];
	int64_t last_peer_t;
	int updates;
	double fmin, fmax;
	bool corrected; /* the daemon's correction, off to show the need */
};

static void two_servers_init(struct two_servers *x, bool corrected, double drift)
{
	struct disc_config cfg;
	struct ntpsrc_params p;
	disc_config_default(&cfg);
	cfg.minpoll = 2;
	cfg.maxpoll = 5;
	*x = (struct two_servers){ .last_peer_t = INT64_MIN, .fmin = 1e9, .fmax = -1e9,
				   .corrected = corrected };
	disc_init(&x->d, &cfg, 0, false);
	sim_init(&x->m, T0, -90 * MS, drift);
	for (int i = 0; i < 2; i++) {
		ntpsrc_params_default(&p);
		p.minpoll = p.maxpoll = i == 0 ? 2 : 5;
		ck_assert_int_eq(ntpsrc_init(&x->src[i], &p), 0);
		ntpsrc_start(&x->src[i], sim_time_at(&x->m, T0));
	}
}

static void two_servers_update(struct two_servers *x, int64_t t, int64_t now)
{
	struct srcsel_cand c[2];
	struct srcsel_result res;
	struct disc_actions a;
	for (int j = 0; j < 2; j++)
		ntpsrc_candidate(&x->src[j], now, 0, &c[j]);
	if (!srcsel_run(c, 2, &res) || x->src[res.peer].update_t <= x->last_peer_t)
		return;
	x->last_peer_t = x->src[res.peer].update_t;
	struct disc_input in = { .offset = res.offset, .jitter = res.jitter, .now = now,
				 .slew_left = sim_slew_left_at(&x->m, t),
				 .offset_settled = x->corrected };
	ck_assert_int_eq(disc_update(&x->d, &in, &a), 0);
	sim_apply(&x->m, t, &a);
	for (int j = 0; j < 2 && x->corrected; j++)
		ntpsrc_clock_changed(&x->src[j], a.change_t, a.phase_ns, a.dfreq_ppm);
	if (++x->updates > 3) {
		x->fmin = fmin(x->fmin, x->d.freq_ppm);
		x->fmax = fmax(x->fmax, x->d.freq_ppm);
	}
}

static void two_servers_run(struct two_servers *x, int64_t until)
{
	static const int64_t period[2] = { 4 * S, 32 * S };
	for (int64_t t = T0; t < until; t += S) {
		for (int i = 0; i < 2; i++) {
			bool burst = t - T0 < 12 * S;
			if ((t - T0) % (burst ? 2 * S : period[i]) != 0)
				continue;
			int64_t now = sim_time_at(&x->m, t);
			struct ntpsrc_reply r = {
				.sample = { .offset = -sim_offset_at(&x->m, t), .delay = (1 + i) * MS },
				.stratum = 1, .refid = (uint32_t)(1 + i), .t3 = now,
				.slew_left = x->corrected ? sim_slew_left_at(&x->m, t) : 0,
			};
			ntpsrc_on_transmit(&x->src[i], now);
			if (ntpsrc_on_reply(&x->src[i], &r, x->updates > 0) == NTPSRC_UPDATE)
				two_servers_update(x, t, now);
		}
	}
}

/* Issue 11: with the sources' offsets corrected for our own slews and
 * frequency changes, the frequency stays within 0.5 ppm of the truth (0)
 * while 90 ms are slewed away. Before (uncorrected, the stale offset of
 * the 32 s server combined with the fresh one of the 4 s server), it
 * swung between -11.903 and +52.118 ppm. */
START_TEST(other_sources_follow_our_slews)
{
	struct two_servers x;
	two_servers_init(&x, false, 0);
	two_servers_run(&x, T0 + 600 * S);
	printf("two servers, uncorrected: frequency from %.3f to %.3f ppm\n", x.fmin, x.fmax);
	ck_assert(x.fmax - x.fmin > 20);
	two_servers_init(&x, true, 0);
	two_servers_run(&x, T0 + 600 * S);
	printf("two servers, corrected: frequency from %.3f to %.3f ppm; at 600 s offset %lld ns, "
	       "%s\n", x.fmin, x.fmax, (long long)sim_offset_at(&x.m, T0 + 600 * S),
	       disc_state_name(x.d.state));
	ck_assert(x.fmin > -0.5 && x.fmax < 0.5);
	ck_assert(llabs(sim_offset_at(&x.m, T0 + 600 * S)) < 10 * US);
	ck_assert_int_eq(x.d.state, DISC_LOCKED);
	/* The same clock gaining 30 ppm: the frequency changes as it is
	 * measured, and the stored offsets follow those changes too (the
	 * first lines, of 3 samples from the burst, are 0.84 ppm off).
	 * Uncorrected: from -41.924 to +15.512 ppm. */
	two_servers_init(&x, false, 30.0);
	two_servers_run(&x, T0 + 600 * S);
	printf("two servers, uncorrected, 30 ppm: frequency from %.3f to %.3f ppm\n", x.fmin,
	       x.fmax);
	ck_assert(x.fmax - x.fmin > 20);
	two_servers_init(&x, true, 30.0);
	two_servers_run(&x, T0 + 600 * S);
	printf("two servers, corrected, 30 ppm: frequency from %.3f to %.3f ppm; at 600 s "
	       "%.4f ppm, offset %lld ns, %s\n", x.fmin, x.fmax, x.d.freq_ppm,
	       (long long)sim_offset_at(&x.m, T0 + 600 * S), disc_state_name(x.d.state));
	ck_assert(x.fmin > -31 && x.fmax < -29);
	ck_assert(fabs(x.d.freq_ppm - -30.0) < 0.01);
	ck_assert(llabs(sim_offset_at(&x.m, T0 + 600 * S)) < 10 * US);
	ck_assert_int_eq(x.d.state, DISC_LOCKED);
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
	/* Not told, the discipline takes the second for a frequency error. */
	ck_assert(not_told.freq_ppm == -500.0);
	ck_assert(!b.step);
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
	/* Up to threshold + 84,333.333 ppm x 10 s = 943.333 ms is frequency
	 * and slews at the fastest maxslew. */
	cur = (struct disc_clockpair){ .real = T0 + 10 * S + 943333 * US, .mono = 15 * S };
	ck_assert(!disc_jump_detect(&prev, &cur, 100 * MS, &jump));
	ck_assert_int_eq(jump, 943333 * US);
	cur.real += US;
	ck_assert(disc_jump_detect(&prev, &cur, 100 * MS, &jump));
}
END_TEST

START_TEST(drift_text_round_trip)
{
	static const double values[][2] = {
		{ -49.872, 0.014 }, { 0.0, 2.0 }, { 500.0, 500.0 }, { -500.0, 0.001 },
		{ 0.001, 1.5 }, { 123.456, 0.25 },
	};
	char buf[32];
	double v, skew;
	const char *why;
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		int n = drift_format(buf, sizeof(buf), values[i][0], values[i][1]);
		ck_assert_int_eq(n, (int)strlen(buf));
		ck_assert_int_eq(drift_parse(buf, &v, &skew, &why), 0);
		ck_assert(fabs(v - values[i][0]) < 1e-12);
		ck_assert(fabs(skew - values[i][1]) < 1e-12);
	}
	ck_assert_int_eq(drift_format(buf, sizeof(buf), -49.872, 0.014), 14);
	ck_assert_str_eq(buf, "-49.872 0.014\n");
	drift_format(buf, sizeof(buf), 12.3456, 0.12345);
	ck_assert_str_eq(buf, "12.346 0.123\n");
	/* A skew too small for three decimals is written as the least they
	 * show, never as 0. */
	drift_format(buf, sizeof(buf), 1.0, 0.0002);
	ck_assert_str_eq(buf, "1.000 0.001\n");
	ck_assert_int_eq(drift_format(buf, 14, -49.872, 0.014), -ENOSPC);
	ck_assert_int_eq(drift_parse("  7.5 \t 0.5\n\n", &v, &skew, &why), 0);
	ck_assert(v == 7.5 && skew == 0.5);
	/* The old format, one number: the skew assumed is 2 ppm. */
	ck_assert_int_eq(drift_parse("  7.5 \n\n", &v, &skew, &why), 0);
	ck_assert(v == 7.5);
	ck_assert(skew == DISC_DRIFT_SKEW_PPM);
	ck_assert(DISC_DRIFT_SKEW_PPM == 2.0);
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
		{ "1 x\n", "skew not a number" },
		{ "1 nan\n", "skew not a number" },
		{ "1 2 3\n", "trailing garbage" },
		{ "1 2x\n", "trailing garbage" },
		{ "500.001\n", "outside -500..500 ppm" },
		{ "500.001 1\n", "outside -500..500 ppm" },
		{ "1 0\n", "skew outside 0..500 ppm" },
		{ "1 -0.5\n", "skew outside 0..500 ppm" },
		{ "1 500.001\n", "skew outside 0..500 ppm" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		double v = 42, skew = 43;
		const char *why = NULL;
		ck_assert_int_eq(drift_parse(bad[i].text, &v, &skew, &why), -EINVAL);
		ck_assert_str_eq(why, bad[i].why);
		ck_assert(v == 42 && skew == 43);
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
	sim_settle(&l->m, l->t); /* the daemon's timer ended the slews due */
	struct disc_input in = {
		.offset = -sim_offset_at(&l->m, l->t) + (int64_t)llround(gauss(l) * l->sigma),
		.jitter = (int64_t)l->sigma,
		.now = sim_time_at(&l->m, l->t),
		.slew_left = sim_slew_left_at(&l->m, l->t),
	};
	ck_assert_int_eq(disc_update(&l->d, &in, a), 0);
	sim_apply(&l->m, l->t, a);
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

/* 20 ms is under the step threshold: slewed away, never stepped, within
 * a poll or two at the default maxslew (then the frequency is learnt);
 * at maxslew 500 ppm, in 40 s, 160 polls. */
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
	ck_assert_int_ge(k, 0);
	ck_assert_int_le(k, 60);

	cfg.maxslew_ppm = 500;
	loop_init(&l, 7, 15 * US, -20 * MS, -30.0, &cfg);
	k = run_fixed(&l, LOOP_POLLS, &min_n);
	printf("closed loop slewing 20 ms at 500 ppm: converged from poll %d\n", k);
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
	tcase_add_test(tc, driftfile_skew_weighs_the_prior);
	tcase_add_test(tc, time_must_advance);
	tcase_add_test(tc, poll_hint);
	tcase_add_test(tc, jump_allows_one_step);
	tcase_add_test(tc, offsets_moved_by_a_leap);
	tcase_add_test(tc, jump_detection);
	tcase_add_test(tc, excursion_of_two_polls_not_followed);
	tcase_add_test(tc, jump_keeps_the_frequency);
	tcase_add_test(tc, wrong_driftfile_dropped);
	tcase_add_test(tc, measure_only_reports_what_it_measures);
	tcase_add_test(tc, freq_to_save);
	tcase_add_test(tc, other_sources_follow_our_slews);
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
