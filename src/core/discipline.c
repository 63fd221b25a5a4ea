/*
 * The clock discipline: makestep, then a least-squares line through the
 * recent offsets in the clock's free-running frame gives the frequency
 * and the offset to slew away. Pure arithmetic; the caller does the I/O.
 *
 * The method is the one chrony is known for (a regression of offset
 * against time, with a runs test to shorten the window when the residuals
 * stop looking like noise); RFC 5905 §11.3 and A.5.5.6 describe the
 * alternative, a PLL/FLL. Rather than moving the sample history
 * at every correction, each sample is kept in the frame of the clock as it
 * would run had we never touched it: u = offset + every correction we
 * applied so far (steps excepted: those shift the older samples instead,
 * which keeps u small after a step of years). There the clock is a plain
 * line, u = -(x0 + drift t), and the frequency correction we want is the
 * line's slope.
 *
 * As chrony does, a line needs three samples, and a frequency measured
 * before it (the drift file's, or the line's own before an outlier run or
 * a clock jump dropped its samples) is weighed against it by their
 * standard errors. Outliers are held aside rather than followed: two are
 * an excursion, three in a row on one side a change.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "tsync/discipline.h"

#define NS_PER_S 1e9
#define PPM 1e-6
/* A frequency in ppm is a slope of 1000 ns/s per ppm. */
#define NSS_PER_PPM 1000.0
/* A sample further than OUTLIER_K standard errors from the line the
 * others make is an outlier. It is held aside, neither in the line nor
 * slewed to: OUTLIER_RUN of them in a row on one side mean the clock's
 * frequency moved (or something stepped it), and the line starts afresh
 * from them; fewer were an excursion, and are dropped. OUTLIER_RUN is
 * MIN_REGRESS, so that the new line is a regression, not two points. */
#define OUTLIER_K 5.0
#define OUTLIER_RUN (DISC_HELD_MAX + 1)
/* Samples a line needs before its slope is taken: with two, the slope is
 * the difference of two noises and says nothing of its own error. */
#define MIN_REGRESS 3
_Static_assert(OUTLIER_RUN == MIN_REGRESS, "a restarted line is a regression");
/* Samples in the line before the state can leave DISC_FREQ. */
#define MIN_FREQ_SAMPLES 4
/* The runs test needs this many residuals to mean anything, and fails
 * below this many standard deviations under the expected run count. */
#define RUNS_MIN_SAMPLES 8
#define RUNS_Z 4.0
/* A prior (a frequency measured before the samples in the line) is
 * weighed against the line by the inverse of their variances, as long as
 * the two agree within PRIOR_GATE standard errors of their difference;
 * beyond, the frequency moved, and the prior is dropped. Its standard
 * error is taken as no less than PRIOR_MIN_SKEW_PPM: a crystal does not
 * keep its frequency better from one run to the next. */
#define PRIOR_GATE 4.0
#define PRIOR_MIN_SKEW_PPM 0.01
/* Locked: the measured offset within PGATE x jitter (RFC 5905's gate),
 * or within LOCK_MIN_NS when the jitter is smaller. */
#define PGATE 4
#define LOCK_MIN_NS 100000.0
/* Updates in a row locked that lengthen the poll hint; half as many out
 * of the gate shorten it. */
#define POLL_HOLD 8

/* The line through the samples, centred at the update's local time. */
struct fit {
	double mean_x;   /* s, relative to now (<= 0) */
	double mean_u;   /* ns */
	double sxx;      /* s^2 */
	double slope;    /* ns/s: the frequency correction wanted x 1000 */
	double skew;     /* ns/s: the slope's standard error, < 0 unknown */
	double sigma;    /* ns: the scatter about the line */
};

const char *disc_state_name(enum disc_state state)
{
	switch (state) {
	case DISC_UNSET: return "unset";
	case DISC_STEPPED: return "stepped";
	case DISC_FREQ: return "freq";
	case DISC_SLEW: return "slew";
	case DISC_LOCKED: return "locked";
	default: return "unknown";
	}
}

void disc_config_default(struct disc_config *cfg)
{
	*cfg = (struct disc_config){
		.step_threshold = DISC_STEP_THRESHOLD,
		.step_limit = DISC_STEP_LIMIT,
		.maxslew_ppm = DISC_MAXSLEW_PPM,
		.minpoll = DISC_MINPOLL,
		.maxpoll = DISC_MAXPOLL,
	};
}

bool disc_config_valid(const struct disc_config *cfg, const char **why)
{
	if (cfg->step_threshold <= 0)
		*why = "makestep threshold must be > 0";
	else if (cfg->step_limit < -1)
		*why = "makestep limit must be -1 (always), 0 (never) or more";
	else if (!(cfg->maxslew_ppm > 0 && cfg->maxslew_ppm <= DISC_MAXSLEW_PPM))
		*why = "maxslew must be > 0 and <= 83333.333 ppm";
	else if (cfg->minpoll < -6 || cfg->maxpoll > 17 || cfg->minpoll > cfg->maxpoll)
		*why = "poll bounds must satisfy -6 <= minpoll <= maxpoll <= 17";
	else
		return true;
	return false;
}

void disc_init_measured(struct disc *d, const struct disc_config *cfg, double freq_ppm,
			double skew_ppm)
{
	bool known = skew_ppm > 0;
	*d = (struct disc){
		.cfg = *cfg,
		.state = DISC_UNSET,
		.freq_ppm = freq_ppm,
		.skew_ppm = known ? skew_ppm : -1,
		.prior_known = known,
		.prior_ppm = freq_ppm,
		.prior_skew_ppm = skew_ppm,
		.poll = cfg->minpoll,
	};
}

void disc_init(struct disc *d, const struct disc_config *cfg, double freq_ppm,
	       bool from_driftfile)
{
	disc_init_measured(d, cfg, freq_ppm, from_driftfile ? DISC_DRIFT_SKEW_PPM : -1);
}

void disc_measure_only(struct disc *d)
{
	d->measure_only = true;
	d->n = 0;
	d->n_held = 0;
	d->prior_known = false;
	d->skew_ppm = -1;
}

bool disc_freq_to_save(const struct disc *d, double *ppm, double *skew_ppm)
{
	if (d->measure_only || d->skew_ppm <= 0 ||
	    (d->state != DISC_SLEW && d->state != DISC_LOCKED))
		return false;
	*ppm = d->freq_ppm;
	*skew_ppm = d->skew_ppm;
	return true;
}

static double clamp(double v, double limit)
{
	return v > limit ? limit : v < -limit ? -limit : v;
}

static void add_sample(struct disc *d, int64_t t, double u)
{
	if (d->n == DISC_MAX_SAMPLES) {
		for (int i = 1; i < d->n; i++)
			d->samples[i - 1] = d->samples[i];
		d->n--;
	}
	d->samples[d->n++] = (struct disc_sample){ .t = t, .u = u };
}

/* Keep the newest n samples. */
static void keep_newest(struct disc *d, int n)
{
	int drop = d->n - n;
	for (int i = 0; i < n; i++)
		d->samples[i] = d->samples[i + drop];
	d->n = n;
}

static double x_of(const struct disc_sample *s, int64_t now)
{
	return (double)(s->t - now) / NS_PER_S;
}

/* The samples' centre, and a slope given rather than fitted. */
static void fit_line_at(const struct disc *d, int64_t now, double slope, struct fit *f)
{
	double sx = 0, su = 0;
	for (int i = 0; i < d->n; i++) {
		sx += x_of(&d->samples[i], now);
		su += d->samples[i].u;
	}
	*f = (struct fit){ .mean_x = sx / d->n, .mean_u = su / d->n, .slope = slope, .skew = -1 };
}

/* Least squares through the samples (n >= 2). Their scatter is taken as
 * no less than the jitter: a few residuals can look deceptively quiet. */
static void fit_line(const struct disc *d, int64_t now, int64_t jitter, struct fit *f)
{
	double sxu = 0, ssr = 0;
	fit_line_at(d, now, 0, f);
	for (int i = 0; i < d->n; i++) {
		double dx = x_of(&d->samples[i], now) - f->mean_x;
		f->sxx += dx * dx;
		sxu += dx * (d->samples[i].u - f->mean_u);
	}
	f->slope = sxu / f->sxx;
	for (int i = 0; i < d->n; i++) {
		double dx = x_of(&d->samples[i], now) - f->mean_x;
		double r = d->samples[i].u - f->mean_u - f->slope * dx;
		ssr += r * r;
	}
	f->sigma = fmax(d->n > 2 ? sqrt(ssr / (d->n - 2)) : 0, (double)jitter);
	f->skew = f->sigma / sqrt(f->sxx);
}

/* Wald-Wolfowitz runs test on the residuals' signs: too few runs means
 * the line no longer fits (the frequency moved), not noise. */
static bool runs_ok(const struct disc *d, int64_t now, const struct fit *f)
{
	int pos = 0, runs = 0;
	bool last = false;
	for (int i = 0; i < d->n; i++) {
		double dx = x_of(&d->samples[i], now) - f->mean_x;
		bool above = d->samples[i].u - f->mean_u - f->slope * dx > 0;
		pos += above;
		runs += i == 0 || above != last;
		last = above;
	}
	int neg = d->n - pos;
	double mean = 1.0 + 2.0 * pos * neg / d->n;
	double var = (mean - 1) * (mean - 2) / (d->n - 1);
	return var <= 0 || runs >= mean - RUNS_Z * sqrt(var);
}

/* Weigh the prior against the line by the inverse of their variances,
 * unless they disagree by more than PRIOR_GATE standard errors of their
 * difference (the frequency moved since the prior was measured). The two
 * are independent: the prior was measured on samples the line no longer
 * holds. */
static void blend_prior(struct disc *d, struct fit *f)
{
	double s0 = fmax(d->prior_skew_ppm, PRIOR_MIN_SKEW_PPM) * NSS_PER_PPM;
	double f0 = d->prior_ppm * NSS_PER_PPM;
	if (!d->prior_known)
		return;
	if (!(f->skew > 0) || fabs(f->slope - f0) > PRIOR_GATE * hypot(s0, f->skew)) {
		d->prior_known = false;
		return;
	}
	double w0 = 1 / (s0 * s0), w1 = 1 / (f->skew * f->skew);
	f->slope = (w0 * f0 + w1 * f->slope) / (w0 + w1);
	f->skew = 1 / sqrt(w0 + w1);
}

/* The line through the samples, its window halved when the runs test
 * fails (the prior, older still, goes too), and its slope blended with
 * the prior. Under MIN_REGRESS samples, the frequency in force. */
static void estimate(struct disc *d, int64_t now, int64_t jitter, struct fit *f)
{
	if (d->n < MIN_REGRESS) {
		fit_line_at(d, now, d->freq_ppm * NSS_PER_PPM, f);
		return;
	}
	fit_line(d, now, jitter, f);
	if (d->n >= RUNS_MIN_SAMPLES && !runs_ok(d, now, f)) {
		keep_newest(d, d->n / 2);
		fit_line(d, now, jitter, f);
		d->prior_known = false;
	}
	blend_prior(d, f);
	d->skew_ppm = f->skew / NSS_PER_PPM;
}

/* Which side of the line of the samples before it u falls on, when
 * beyond OUTLIER_K standard errors (+1 above, -1 below), else 0. The runs
 * test sees a change only after many samples; this sees a large one at
 * once. */
static int outlier_side(const struct disc *d, int64_t now, int64_t jitter, double u)
{
	struct fit f;
	if (d->n < RUNS_MIN_SAMPLES)
		return 0;
	fit_line(d, now, jitter, &f);
	/* the error of the line extrapolated to now, and the sample's own */
	double var = f.sigma * f.sigma * (1 + 1.0 / d->n + f.mean_x * f.mean_x / f.sxx);
	double e = u - (f.mean_u - f.slope * f.mean_x);
	if (fabs(e) <= OUTLIER_K * sqrt(var))
		return 0;
	return e > 0 ? 1 : -1;
}

/* The estimate in force becomes the prior of a line that starts afresh
 * (its samples gone): what it measured still counts, by its error. */
static void keep_as_prior(struct disc *d)
{
	d->prior_known = d->skew_ppm > 0;
	d->prior_ppm = d->freq_ppm;
	d->prior_skew_ppm = d->skew_ppm;
}

/* OUTLIER_RUN outliers in a row on one side: the line no longer holds.
 * Start it afresh from them, with the old estimate as its prior, and poll
 * faster to rebuild it. */
static void restart_line(struct disc *d, int64_t now, double u)
{
	keep_as_prior(d);
	d->n = 0;
	for (int i = 0; i < d->n_held; i++)
		add_sample(d, d->held[i].t, d->held[i].u);
	add_sample(d, now, u);
	d->n_held = 0;
	d->poll -= d->poll > d->cfg.minpoll;
	d->poll_count = 0;
}

/* Into the line, or held aside as an outlier until OUTLIER_RUN of them
 * in a row on one side restart the line. A sample that fits drops the
 * held ones: they were an excursion, and the clock was not moved to
 * them. */
static void take_sample(struct disc *d, int64_t now, int64_t jitter, double u)
{
	int side = outlier_side(d, now, jitter, u);
	if (side != d->held_side)
		d->n_held = 0;
	d->held_side = side;
	if (side == 0) {
		add_sample(d, now, u);
	} else if (d->n_held + 1 >= OUTLIER_RUN) {
		restart_line(d, now, u);
	} else {
		d->held[d->n_held++] = (struct disc_sample){ .t = now, .u = u };
	}
}

/* ns our frequency corrections have added to the clock up to local t. */
static double freq_integral_at(const struct disc *d, int64_t t)
{
	return d->freq_integral + d->freq_ppm * PPM * (double)(t - d->freq_since);
}

static bool may_step(const struct disc *d, double offset)
{
	int limit = d->cfg.step_limit;
	if (fabs(offset) <= (double)d->cfg.step_threshold || limit == 0)
		return false;
	return limit == -1 || d->updates < limit || d->step_allowed;
}

/* Step by delta, after the sample u taken before it at now. The local
 * time scale moves with the clock, so the samples' times and the
 * frequency's reference move too; their u move to the new frame. */
static void do_step(struct disc *d, int64_t now, double u, int64_t delta,
		    struct disc_actions *out)
{
	add_sample(d, now, u);
	for (int i = 0; i < d->n; i++) {
		d->samples[i].t += delta;
		d->samples[i].u -= (double)delta;
	}
	d->n_held = 0;
	d->freq_since += delta;
	d->steps_total += delta;
	out->step = true;
	out->step_ns = delta;
	d->state = DISC_STEPPED;
	d->poll = d->cfg.minpoll;
	d->poll_count = 0;
}

/* The rate that slews `slew` ns in one update interval (the last one, or
 * 2^poll at the first update), no faster than maxslew. */
static double slew_rate(const struct disc *d, const struct disc_input *in, double slew)
{
	double interval = d->updates > 0 ? (double)(in->now - d->last_update)
					 : ldexp(NS_PER_S, d->poll);
	double ppm = fabs(slew) / interval / PPM;
	return ppm > 0 && ppm < d->cfg.maxslew_ppm ? ppm : d->cfg.maxslew_ppm;
}

/* Set the frequency from the line and slew away the offset the line puts
 * at now: what the slew in progress will leave, and that slew's rest,
 * which the new one replaces. */
static void correct(struct disc *d, const struct disc_input *in, double f_int,
		    const struct fit *f, struct disc_actions *out)
{
	double freq = clamp(f->slope / NSS_PER_PPM, DISC_MAX_PPM);
	double u_now = f->mean_u - freq * NSS_PER_PPM * f->mean_x;
	double offset = u_now - d->phase - f_int;
	int64_t slew = (int64_t)llround(offset) + in->slew_left;

	out->offset_est = (int64_t)llround(offset);
	out->skew_ppm = f->skew < 0 ? -1 : f->skew / NSS_PER_PPM;
	out->set_freq = freq != d->freq_ppm;
	out->freq_ppm = freq;
	out->dfreq_ppm = freq - d->freq_ppm;
	d->freq_integral = f_int;
	d->freq_since = in->now;
	d->freq_ppm = freq;
	out->slew = true;
	out->slew_ns = slew;
	out->slew_ppm = slew_rate(d, in, (double)slew);
	/* The new slew replaces what was left of the last one. */
	d->phase += (double)(slew - in->slew_left);
	out->phase_ns = slew - in->slew_left;
}

/* Judged on the measured offset, as RFC 5905 does: the line's estimate
 * lags a change by design. */
static enum disc_state state_after(const struct disc *d, const struct disc_input *in,
				   double offset)
{
	double bound = fmax(PGATE * (double)in->jitter, LOCK_MIN_NS);
	if (d->n < MIN_FREQ_SAMPLES)
		return DISC_FREQ;
	return fabs(offset) > bound ? DISC_SLEW : DISC_LOCKED;
}

/* RFC 5905 §13 in spirit: lengthen the poll after POLL_HOLD updates in
 * a row locked, shorten it after two in a row out of the gate (quick to
 * react, slow to relax). */
static void adjust_poll(struct disc *d)
{
	if (d->state == DISC_LOCKED) {
		d->poll_count = d->poll_count < 0 ? 1 : d->poll_count + 1;
		if (d->poll_count >= POLL_HOLD) {
			d->poll += d->poll < d->cfg.maxpoll;
			d->poll_count = 0;
		}
	} else if (d->state == DISC_SLEW) {
		d->poll_count = d->poll_count > 0 ? -1 : d->poll_count - 1;
		if (d->poll_count <= -2) {
			d->poll -= d->poll > d->cfg.minpoll;
			d->poll_count = 0;
		}
	}
}

/* Measuring only: the offset is what was measured, nothing is applied,
 * and the samples (for the state and the poll) are the raw offsets. */
static void measure(struct disc *d, const struct disc_input *in, struct disc_actions *out)
{
	double offset = (double)in->offset;
	take_sample(d, in->now, in->jitter, offset);
	d->state = state_after(d, in, offset);
	adjust_poll(d);
	out->offset_est = in->offset;
}

int disc_update(struct disc *d, const struct disc_input *in, struct disc_actions *out)
{
	if (d->updates > 0 && in->now <= d->last_update)
		return -EINVAL;
	if (d->updates == 0)
		d->freq_since = in->now;
	double f_int = freq_integral_at(d, in->now);
	/* The offset once the slew in progress has finished. */
	double offset = (double)in->offset - (in->offset_settled ? 0.0 : (double)in->slew_left);
	double u = offset + d->phase + f_int;
	int64_t now = in->now;

	*out = (struct disc_actions){ .offset_est = (int64_t)llround(offset), .skew_ppm = -1 };
	if (d->measure_only) {
		measure(d, in, out);
	} else if (may_step(d, offset)) {
		do_step(d, now, u, (int64_t)llround(offset), out);
		now += out->step_ns;
	} else {
		struct fit f;
		take_sample(d, now, in->jitter, u);
		estimate(d, now, in->jitter, &f);
		correct(d, in, f_int, &f, out);
		d->state = state_after(d, in, offset);
		adjust_poll(d);
	}
	out->change_t = now;
	d->last_update = now;
	d->updates++;
	d->step_allowed = false;
	out->poll = d->poll;
	out->state = d->state;
	return 0;
}

void disc_offsets_moved(struct disc *d, int64_t by)
{
	for (int i = 0; i < d->n; i++)
		d->samples[i].u += (double)by;
}

void disc_clock_jumped(struct disc *d, int64_t jump)
{
	d->last_update += jump;
	d->freq_since += jump;
	if (d->n > 0)
		keep_as_prior(d);
	d->n = 0;
	d->n_held = 0;
	d->step_allowed = true;
	d->poll = d->cfg.minpoll;
	d->poll_count = 0;
}

bool disc_jump_detect(const struct disc_clockpair *prev, const struct disc_clockpair *cur,
		      int64_t threshold, int64_t *jump)
{
	int64_t mono = cur->mono - prev->mono;
	*jump = (cur->real - prev->real) - mono - (cur->steps - prev->steps);
	double tolerance = (double)threshold + DISC_JUMP_RATE_PPM * PPM * fabs((double)mono);
	return fabs((double)*jump) > tolerance;
}
