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
#define DISC_MAXSLEW_PPM 500.0
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
 * clock per unit of time: a frequency correction and a slew of 500 ppm
 * each, plus 500 ppm of native drift (the sim backend's realtime is not
 * slewed with the host's monotonic clock). */
#define DISC_JUMP_RATE_PPM 1500.0

struct disc_config {
	int64_t step_threshold; /* ns: step when |offset| is above it ... */
	int step_limit;         /* ... during the first step_limit updates;
				   -1: at any update, 0: never */
	double maxslew_ppm;     /* bound on the frequency correction and on
				   the average slew rate, (0, DISC_MAX_PPM] */
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

/* The discipline's state. Callers read state, freq_ppm and steps_total
 * only; the rest is private. */
struct disc {
	struct disc_config cfg;
	enum disc_state state;
	double freq_ppm;        /* frequency correction in force (as set) */
	int64_t steps_total;    /* sum of every step made, ns (for jumps) */
	/* private */
	int updates;            /* updates since start, for makestep */
	bool step_allowed;      /* one step allowed after a clock jump */
	bool prior_known;       /* prior_ppm (the drift file's) still counts */
	double prior_ppm;
	double phase;           /* ns committed by slews */
	double freq_integral;   /* ns gained by frequency corrections ... */
	int64_t freq_since;     /* ... up to this local time */
	int64_t last_update;    /* local time of the last update, 0: none */
	int poll;
	int poll_count;         /* hysteresis of the poll hint */
	int outliers;           /* in a row off the line, signed by side */
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
};

/* One update's output. Apply in this order: step, set_freq, slew. An
 * update that steps neither slews nor changes the frequency (a slew in
 * progress goes on: the step was of the offset left after it); every
 * other one slews, maybe by 0, which cancels what is left of the last
 * slew. Slews are whole microseconds, adjtime's resolution. */
struct disc_actions {
	bool step;
	int64_t step_ns;    /* clk_step(c, step_ns) */
	bool set_freq;
	double freq_ppm;    /* clk_set_freq(c, freq_ppm), absolute */
	bool slew;
	int64_t slew_ns;    /* clk_slew(c, slew_ns), replaces the last one */
	int poll;           /* suggested poll interval, log2 s, within
			       [minpoll, maxpoll] */
	enum disc_state state;
	int64_t offset_est; /* ns: the offset estimated before these actions
			       (positive: behind), for logs and status */
	double skew_ppm;    /* standard error of the frequency estimate;
			       < 0 when not known yet */
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

/* One update: fills *out with the actions to apply. Returns 0, or -EINVAL
 * (nothing changes) when in->now is not after the last update's time. */
int disc_update(struct disc *d, const struct disc_input *in, struct disc_actions *out);

/* The clock jumped under us by jump ns (see disc_jump_detect): forget the
 * samples (the frame they were in is gone), move the local times kept
 * with the clock (a jump back must not make the next update look older
 * than the last), keep the frequency, let the next update step even when
 * makestep's limit is spent (unless LIMIT is 0), and hint the shortest
 * poll. */
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

/* The drift file's text: one number, the frequency correction in ppm,
 * e.g. "-49.872\n". drift_parse accepts surrounding white space only;
 * returns 0, or -EINVAL with a reason in *why ("empty", "not a number",
 * "trailing garbage", "outside -500..500 ppm"). drift_format writes
 * "%.3f\n" into buf and returns its length, or -ENOSPC. */
int drift_parse(const char *text, double *ppm, const char **why);
int drift_format(char *buf, size_t size, double ppm);

#endif
