/*
 * The clock discipline's arithmetic, pure: each update takes the combined
 * offset, the system jitter and the local time, and returns the actions
 * to apply through the clock interface (step, set_freq, slew) with a poll
 * hint and a state. Also the drift file's text and clock-jump detection.
 */
#ifndef TSYNC_DISCIPLINE_H
#define TSYNC_DISCIPLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Defaults of the directives `makestep THRESHOLD LIMIT` and `maxslew PPM`. */
#define DISC_STEP_THRESHOLD INT64_C(100000000) /* 0.1 s */
#define DISC_STEP_LIMIT 3
#define DISC_MAXSLEW_PPM 83333.333 /* and its largest: CLK_MAX_SLEW_PPM */
/* The largest frequency correction anything accepts: the Linux kernel's. */
#define DISC_MAX_PPM 500.0
/* Defaults of the poll hint's bounds, log2 s (64 s and 1024 s). */
#define DISC_MINPOLL 6
#define DISC_MAXPOLL 10
/* Samples kept for the frequency regression (4 KB in struct disc); the
 * runs test and the outlier check cut the window when the frequency
 * moves. */
#define DISC_MAX_SAMPLES 256
/* How far a clock that is not jumping can still drift from the monotonic
 * clock per unit of time: a frequency correction of 500 ppm, a slew at
 * the fastest maxslew, plus 500 ppm of native drift (the sim backend's
 * realtime is not slewed with the host's monotonic clock). */
#define DISC_JUMP_RATE_PPM (DISC_MAXSLEW_PPM + 1000.0)
/* The standard error assumed for a drift file of one number (written
 * before the file kept its own). */
#define DISC_DRIFT_SKEW_PPM 2.0

struct disc_config {
	int64_t step_threshold; /* ns: step when |offset| is above it ... */
	int step_limit;         /* ... during the first step_limit updates;
				   -1: at any update, 0: never */
	double maxslew_ppm;     /* bound on the slew rate asked of the
				   clock, (0, DISC_MAXSLEW_PPM] */
	int minpoll, maxpoll;   /* bounds of the poll hint, log2 s */
};

enum disc_state {
	DISC_UNSET,   /* no update yet */
	DISC_STEPPED, /* the last update stepped the clock */
	DISC_FREQ,    /* measuring the frequency: under 4 samples */
	DISC_SLEW,    /* measured offset beyond the lock bound,
			 max(4 x jitter, 100 us) */
	DISC_LOCKED,  /* measured offset within it, frequency measured */
};

/* One sample in the free-running frame: the offset the clock would have
 * if we had never slewed it or changed its frequency (ns), at local time
 * t (ns); both moved by each step since. */
struct disc_sample {
	int64_t t;
	double u;
};

/* Outliers held aside, in a row on one side, before they count: one
 * fewer than it takes to restart the line (discipline.c). */
#define DISC_HELD_MAX 2

/* The discipline's state. Callers read state, freq_ppm, skew_ppm,
 * measure_only and steps_total only; the rest is private. */
struct disc {
	struct disc_config cfg;
	enum disc_state state;
	double freq_ppm;        /* frequency correction in force (as set) */
	double skew_ppm;        /* its standard error; < 0: not measured */
	bool measure_only;      /* disc_measure_only: nothing is applied */
	int64_t steps_total;    /* sum of every step made, ns (for jumps) */
	/* private */
	int updates;            /* updates since start, for makestep */
	bool step_allowed;      /* one step allowed after a clock jump */
	bool prior_known;       /* an estimate measured before the samples
				   in the line (the drift file's, or the
				   line's before a restart or a jump) */
	double prior_ppm, prior_skew_ppm;
	double phase;           /* ns committed by slews */
	double freq_integral;   /* ns gained by frequency corrections ... */
	int64_t freq_since;     /* ... up to this local time */
	int64_t last_update;    /* local time of the last update, 0: none */
	int poll;
	int poll_count;         /* hysteresis of the poll hint */
	int held_side;          /* +1/-1: side of the held outliers */
	int n_held;             /* held[0..n_held), oldest first */
	struct disc_sample held[DISC_HELD_MAX];
	int n;                  /* samples[0..n), oldest first */
	struct disc_sample samples[DISC_MAX_SAMPLES];
};

/* One update's input: what the caller measured. */
struct disc_input {
	int64_t offset;     /* combined offset, ns: server minus ours
			       (positive: our clock is behind) */
	int64_t jitter;     /* system jitter, ns (>= 0) */
	int64_t now;        /* local time (clk_read) the offset refers to:
			       read it when making the update, strictly
			       after the last update's */
	int64_t slew_left;  /* clk_status().slew_remaining read with now: the
			       part of our last slew not applied yet */
	bool offset_settled; /* offset is already the offset once slew_left
				is done (as ntpsrc keeps its samples when
				given slew_left): not subtracted again */
};

/* One update's output. Apply in this order: step, set_freq, slew. An
 * update that steps neither slews nor changes the frequency (a slew in
 * progress goes on: the step was of the offset left after it); every
 * other one slews, replacing the slew in progress: by the offset that
 * slew would leave plus what is left of it, at a rate that ends it in one
 * update interval (the last one; 2^poll at the first update), no faster
 * than maxslew. */
struct disc_actions {
	bool step;
	int64_t step_ns;    /* clk_step(c, step_ns) */
	bool set_freq;
	double freq_ppm;    /* clk_set_freq(c, freq_ppm), absolute */
	bool slew;
	int64_t slew_ns;    /* clk_slew_at(c, slew_ns, slew_ppm), replaces
			       the last one */
	double slew_ppm;    /* > 0 */
	int poll;           /* suggested poll interval, log2 s, within
			       [minpoll, maxpoll] */
	enum disc_state state;
	int64_t offset_est; /* ns: the offset estimated before these actions
			       (positive: behind), for logs and status */
	double skew_ppm;    /* standard error of the frequency estimate;
			       < 0 when not known yet */
	/* What this update did to the clock, for the offsets kept elsewhere
	 * (ntpsrc_clock_changed): at local time change_t the correction still
	 * to come grew by phase_ns (the clock will be phase_ns further ahead
	 * once every slew is done) and the frequency moved by dfreq_ppm. Both
	 * 0 after a step (ntpsrc_on_step covers it) or when measuring only. */
	int64_t change_t;
	int64_t phase_ns;
	double dfreq_ppm;
};

/* "unset", "stepped", "freq", "slew", "locked": for logs and status. */
const char *disc_state_name(enum disc_state state);

/* Fill cfg with the defaults above. */
void disc_config_default(struct disc_config *cfg);
/* Check cfg's ranges: returns true, or false with a short reason in *why
 * ("makestep threshold must be > 0", ...), for the config parser. */
bool disc_config_valid(const struct disc_config *cfg, const char **why);

/* Start a discipline. freq_ppm: the frequency correction the caller has
 * put in force on the clock (from the drift file, or 0);
 * from_driftfile: it is a measured value, trusted as a prior until the
 * discipline has measured the frequency itself. */
void disc_init(struct disc *d, const struct disc_config *cfg, double freq_ppm,
	       bool from_driftfile);
/* The same, with the frequency's standard error known (the drift file's
 * second number): the prior is weighed by it against what the line
 * measures. skew_ppm <= 0 means not measured (as from_driftfile false). */
void disc_init_measured(struct disc *d, const struct disc_config *cfg, double freq_ppm,
			double skew_ppm);

/* Measuring only (clock readonly, or no right to adjust it): from now on
 * every update returns no action, reports the offset measured as
 * offset_est, and the frequency is never estimated as if corrections had
 * been applied; the samples taken so far are dropped. */
void disc_measure_only(struct disc *d);

/* Whether the frequency is worth keeping in the drift file (measured by
 * the line, not measuring only, not right after a step): true with the
 * frequency and its standard error in *ppm and *skew_ppm. */
bool disc_freq_to_save(const struct disc *d, double *ppm, double *skew_ppm);

/* One update: fills *out with the actions to apply. Returns 0, or -EINVAL
 * (nothing changes) when in->now is not after the last update's time. */
int disc_update(struct disc *d, const struct disc_input *in, struct disc_actions *out);

/* The clock jumped under us by jump ns (see disc_jump_detect): forget the
 * samples (the frame they were in is gone: whether the clock or the
 * monotonic clock moved is unknown), move the local times kept with the
 * clock (a jump back must not make the next update look older than the
 * last), keep the frequency and its standard error as the prior of the
 * next line, let the next update step even when makestep's limit is
 * spent (unless LIMIT is 0), and hint the shortest poll. */
void disc_clock_jumped(struct disc *d, int64_t jump);

/* The reference moved against our clock, which did not move: a leap
 * second the clock does not pass (leapmode ignore). Offsets measured from
 * now on differ by by ns from those before; the samples kept move with
 * them, so that the line sees an offset to correct, not a phase jump. */
void disc_offsets_moved(struct disc *d, int64_t by);

/* Clock jumps. A pair is read at one instant: real from clk_read, mono
 * from the I/O layer's monotonic clock (uv_hrtime), steps = the caller's
 * d->steps_total at that instant. The unexplained jump is
 * (real delta - mono delta) - (steps delta); it is detected when its
 * magnitude exceeds threshold + DISC_JUMP_RATE_PPM x mono delta (the
 * makestep threshold is a sound threshold). Returns whether detected and
 * stores the jump in *jump (ns, positive: the clock jumped forward). */
struct disc_clockpair {
	int64_t real;
	int64_t mono;
	int64_t steps;
};
bool disc_jump_detect(const struct disc_clockpair *prev, const struct disc_clockpair *cur,
		      int64_t threshold, int64_t *jump);

/* The drift file's text: the frequency correction and its standard
 * error, in ppm, e.g. "-49.872 0.014\n". An older file of the frequency
 * alone reads with *skew_ppm = DISC_DRIFT_SKEW_PPM. drift_parse accepts
 * white space around and between them only; returns 0, or -EINVAL with a
 * reason in *why ("empty", "not a number", "skew not a number", "trailing
 * garbage", "outside -500..500 ppm", "skew outside 0..500 ppm") and
 * nothing stored. drift_format writes "%.3f %.3f\n" (the skew no less
 * than 0.001, which the file can show) into buf and returns its length,
 * or -ENOSPC. */
int drift_parse(const char *text, double *ppm, double *skew_ppm, const char **why);
int drift_format(char *buf, size_t size, double ppm, double skew_ppm);

#endif
