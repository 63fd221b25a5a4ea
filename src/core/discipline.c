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
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "tsync/discipline.h"

#define NS_PER_S 1e9
#define PPM 1e-6
/* A frequency in ppm is a slope of 1000 ns/s per ppm. */
#define NSS_PER_PPM 1000.0
/* A slew is whole microseconds, adjtime's resolution, so that what we
 * account for is what the kernel does. */
#define SLEW_RES 1000
/* A sample further than OUTLIER_K standard errors from the line the
 * others make is an outlier; OUTLIER_RUN of them in a row on one side
 * mean the clock's frequency moved (or something stepped it), and the
 * line starts afresh from them. */
#define OUTLIER_K 5.0
#define OUTLIER_RUN 2
/* Samples in the line before the state can leave DISC_FREQ. */
#define MIN_FREQ_SAMPLES 4
/* The runs test needs this many residuals to mean anything, and fails
 * below this many standard deviations under the expected run count. */
#define RUNS_MIN_SAMPLES 8
#define RUNS_Z 4.0
/* The drift file's frequency counts as a measurement with this standard
 * error until the line's own is a quarter of it. */
#define PRIOR_SKEW_PPM 2.0
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
	else if (!(cfg->maxslew_ppm > 0 && cfg->maxslew_ppm <= DISC_MAX_PPM))
		*why = "maxslew must be > 0 and <= 500 ppm";
	else if (cfg->minpoll < -6 || cfg->maxpoll > 17 || cfg->minpoll > cfg->maxpoll)
		*why = "poll bounds must satisfy -6 <= minpoll <= maxpoll <= 17";
	else
		return true;
	return false;
}

void disc_init(struct disc *d, const struct disc_config *cfg, double freq_ppm,
	       bool from_driftfile)
{
	*d = (struct disc){
		.cfg = *cfg,
		.state = DISC_UNSET,
		.freq_ppm = freq_ppm,
		.prior_known = from_driftfile,
		.prior_ppm = freq_ppm,
		.poll = cfg->minpoll,
	};
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

/* The line through the samples, its window halved when the runs test
 * fails, and its slope blended with the drift file's while that one is
 * the better measurement. With one sample, or two and the drift file's
 * frequency (two samples say nothing of their scatter), the frequency in
 * force. */
static void estimate(struct disc *d, int64_t now, int64_t jitter, struct fit *f)
{
	if (d->n < 2 || (d->n < 3 && d->prior_known)) {
		fit_line_at(d, now, d->freq_ppm * NSS_PER_PPM, f);
		return;
	}
	fit_line(d, now, jitter, f);
	if (d->n >= RUNS_MIN_SAMPLES && !runs_ok(d, now, f)) {
		keep_newest(d, d->n / 2);
		fit_line(d, now, jitter, f);
	}
	if (!d->prior_known)
		return;
	double s0 = PRIOR_SKEW_PPM * NSS_PER_PPM, prior = d->prior_ppm * NSS_PER_PPM;
	if (f->skew > 0) {
		double w0 = 1 / (s0 * s0), w1 = 1 / (f->skew * f->skew);
		f->slope = (w0 * prior + w1 * f->slope) / (w0 + w1);
	}
	if (f->skew < s0 / 4)
		d->prior_known = false;
}

/* Count how many samples in a row (signed by their side) fell off the
 * line of the samples before them. The runs test sees a change only
 * after many samples; this sees a large one at once. */
static void check_outlier(struct disc *d, int64_t now, int64_t jitter, double u)
{
	struct fit f;
	if (d->n < RUNS_MIN_SAMPLES) {
		d->outliers = 0;
		return;
	}
	fit_line(d, now, jitter, &f);
	/* the error of the line extrapolated to now, and the sample's own */
	double var = f.sigma * f.sigma * (1 + 1.0 / d->n + f.mean_x * f.mean_x / f.sxx);
	double e = u - (f.mean_u - f.slope * f.mean_x);
	if (fabs(e) <= OUTLIER_K * sqrt(var))
		d->outliers = 0;
	else if ((e > 0) == (d->outliers > 0))
		d->outliers += e > 0 ? 1 : -1;
	else
		d->outliers = e > 0 ? 1 : -1;
}

/* The line no longer holds: keep the outliers that said so, and poll
 * faster to rebuild it. */
static void restart_line(struct disc *d)
{
	keep_newest(d, OUTLIER_RUN);
	d->outliers = 0;
	d->poll -= d->poll > d->cfg.minpoll;
	d->poll_count = 0;
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
	d->freq_since += delta;
	d->steps_total += delta;
	out->step = true;
	out->step_ns = delta;
	d->state = DISC_STEPPED;
	d->poll = d->cfg.minpoll;
	d->poll_count = 0;
}

static int64_t round_slew(double ns)
{
	return (int64_t)llround(ns / SLEW_RES) * SLEW_RES;
}

/* Set the frequency from the line and slew away the offset the line puts
 * at now, no faster on average than maxslew over the last interval. */
static void correct(struct disc *d, const struct disc_input *in, double f_int,
		    const struct fit *f, struct disc_actions *out)
{
	double maxslew = d->cfg.maxslew_ppm;
	double freq = clamp(f->slope / NSS_PER_PPM, maxslew);
	double u_now = f->mean_u - freq * NSS_PER_PPM * f->mean_x;
	double offset = u_now - d->phase - f_int;
	double interval = d->updates > 0 ? (double)(in->now - d->last_update)
					 : ldexp(NS_PER_S, d->poll);
	double room = maxslew * PPM * interval;
	int64_t slew = round_slew(clamp(offset, room));

	out->offset_est = (int64_t)llround(offset);
	out->skew_ppm = f->skew < 0 ? -1 : f->skew / NSS_PER_PPM;
	out->set_freq = freq != d->freq_ppm;
	out->freq_ppm = freq;
	d->freq_integral = f_int;
	d->freq_since = in->now;
	d->freq_ppm = freq;
	out->slew = true;
	out->slew_ns = slew;
	/* The new slew replaces what was left of the last one. */
	d->phase += (double)(slew - in->slew_left);
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

int disc_update(struct disc *d, const struct disc_input *in, struct disc_actions *out)
{
	if (d->updates > 0 && in->now <= d->last_update)
		return -EINVAL;
	if (d->updates == 0)
		d->freq_since = in->now;
	double f_int = freq_integral_at(d, in->now);
	/* The offset once the slew in progress has finished. */
	double offset = (double)in->offset - (double)in->slew_left;
	double u = offset + d->phase + f_int;
	int64_t now = in->now;

	*out = (struct disc_actions){ .offset_est = (int64_t)llround(offset), .skew_ppm = -1 };
	if (may_step(d, offset)) {
		do_step(d, now, u, (int64_t)llround(offset), out);
		now += out->step_ns;
	} else {
		struct fit f;
		check_outlier(d, now, in->jitter, u);
		add_sample(d, now, u);
		if (abs(d->outliers) >= OUTLIER_RUN)
			restart_line(d);
		estimate(d, now, in->jitter, &f);
		correct(d, in, f_int, &f, out);
		d->state = state_after(d, in, offset);
		adjust_poll(d);
	}
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
	d->n = 0;
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
