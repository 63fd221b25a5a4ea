/*
 * The one clock interface (DESIGN.md layer 2). Every reading and every
 * change of a clock goes through a struct clk: system, sim or readonly.
 * Functions return 0 or a negative errno.
 */
#ifndef TSYNC_CLOCK_H
#define TSYNC_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

struct clk;

/* The fastest slew: chrony's default maxslewrate, 1/12 (the kernel's
 * tick moves by 10 %, its frequency by 500 ppm more). */
#define CLK_MAX_SLEW_PPM (1e6 / 12)
/* clk_slew's rate, adjtime(3)'s: what the Berkeley role has always used. */
#define CLK_SLEW_ADJTIME_PPM 500.0
/* A slew lasts at least this long (ns), slower if need be: the timer that
 * ends it fires late by a millisecond or so, and what it overshoots is
 * that lateness times the rate. */
#define CLK_SLEW_MIN_NS INT64_C(1000000000)
/* The kernel's tick (us per 1/USER_HZ s) with nothing moving it. */
#define CLK_TICK_NOMINAL 10000

struct clk_status {
	double freq_ppm;         /* frequency correction in force, a slew's
				    extra rate apart */
	int64_t slew_remaining;  /* ns of a slew still to apply */
	double slew_ppm;         /* the extra rate of the slew in force,
				    signed; 0: none */
	int64_t slewed;          /* ns slewed since the clock was made, every
				    slew's progress summed: the difference of
				    two readings is how much a measurement
				    taken at the first has gone stale since */
	int tick;                /* the kernel's tick (CLK_TICK_NOMINAL
				    unless a slew or another program moved
				    it); sim: the tick its slews would use */
	bool can_adjust;         /* false for readonly, and for system
				    without CAP_SYS_TIME */
	bool synced;             /* last clk_set_sync said synchronised */
};

struct clk_ops {
	const char *name;
	/* Current time, Unix ns (UTC). */
	int (*read)(struct clk *c, int64_t *now);
	/* This clock's time at the instant the host's CLOCK_REALTIME read
	 * host_ns: how a kernel timestamp of a datagram becomes ours. */
	int (*from_host)(struct clk *c, int64_t host_ns, int64_t *t);
	/* Jump by delta ns. */
	int (*step)(struct clk *c, int64_t delta);
	/* Correct by delta ns gradually at rate_ppm (at most
	 * CLK_MAX_SLEW_PPM, and slower when the slew would last less than
	 * CLK_SLEW_MIN_NS); replaces a slew in progress. A step leaves the
	 * slew going; a change of frequency keeps its extra rate. */
	int (*slew)(struct clk *c, int64_t delta, double rate_ppm);
	/* The time set through clk_set_timer has come: end the slew (or
	 * correct what it overshot, more slowly), and arm the timer again
	 * if need be. Harmless when nothing is due. */
	int (*poll)(struct clk *c);
	/* Frequency correction in ppm; positive makes the clock run faster. */
	int (*set_freq)(struct clk *c, double ppm);
	int (*status)(struct clk *c, struct clk_status *st);
	/* Tell the clock whether it is synchronised, with its maximum and
	 * estimated error in ns (the kernel's STA_UNSYNC, maxerror and
	 * esterror on the system clock). */
	int (*set_sync)(struct clk *c, bool synced, int64_t maxerror, int64_t esterror);
	/* A leap second at the end of the current UTC day, as the kernel
	 * passes one: leap +1 inserts 23:59:60 (the clock steps back 1 s at
	 * midnight), -1 deletes 23:59:59 (forward 1 s), 0 clears the request,
	 * which must be done once the leap has passed (STA_INS / STA_DEL). */
	int (*set_leap)(struct clk *c, int leap);
	void (*destroy)(struct clk *c);
};

/* A slew runs at an extra frequency until a time only the caller's event
 * loop can keep: the clock calls arm(arg, after_ns) whenever that time
 * changes (after_ns < 0: no timer needed), and the loop calls clk_poll
 * once after_ns have passed. Without a timer a slew is ended at the next
 * call of any operation, late. */
typedef void (*clk_arm_fn)(void *arg, int64_t after_ns);

struct clk {
	const struct clk_ops *ops;
	int8_t precision; /* log2 s, measured when the clock is made */
	clk_arm_fn arm;   /* see clk_set_timer; NULL: none */
	void *arm_arg;
};

static inline int clk_read(struct clk *c, int64_t *now) { return c->ops->read(c, now); }
static inline int clk_from_host(struct clk *c, int64_t host_ns, int64_t *t)
{
	return c->ops->from_host(c, host_ns, t);
}
static inline int clk_step(struct clk *c, int64_t d) { return c->ops->step(c, d); }
/* A slew at adjtime's 500 ppm. */
static inline int clk_slew(struct clk *c, int64_t d)
{
	return c->ops->slew(c, d, CLK_SLEW_ADJTIME_PPM);
}
static inline int clk_slew_at(struct clk *c, int64_t d, double rate_ppm)
{
	return c->ops->slew(c, d, rate_ppm);
}
static inline int clk_poll(struct clk *c) { return c->ops->poll(c); }
static inline int clk_set_freq(struct clk *c, double ppm) { return c->ops->set_freq(c, ppm); }
static inline int clk_status(struct clk *c, struct clk_status *st) { return c->ops->status(c, st); }
static inline int clk_set_sync(struct clk *c, bool synced, int64_t maxerror, int64_t esterror)
{
	return c->ops->set_sync(c, synced, maxerror, esterror);
}
static inline int clk_set_leap(struct clk *c, int leap) { return c->ops->set_leap(c, leap); }
static inline void clk_destroy(struct clk *c) { c->ops->destroy(c); }
/* Give the clock its timer (NULL: none), and arm it at once for a slew
 * already in progress. */
static inline void clk_set_timer(struct clk *c, clk_arm_fn arm, void *arg)
{
	c->arm = arm;
	c->arm_arg = arg;
	c->ops->poll(c);
}
static inline const char *clk_name(const struct clk *c) { return c->ops->name; }

/* The host's clock, CLOCK_REALTIME, changed with clock_adjtime(2): step
 * = ADJ_SETOFFSET; set_freq = ADJ_FREQUENCY (clamped to the kernel's
 * +-500 ppm); a slew runs the clock faster or slower by its rate, through
 * the kernel's tick and frequency together (ADJ_TICK | ADJ_FREQUENCY, as
 * chrony does on Linux), timed on CLOCK_MONOTONIC_RAW and ended at
 * clk_poll. Changes need CAP_SYS_TIME and fail -EPERM without it. The
 * kernel's tick and frequency are read when the clock is made; once it
 * has changed them, destroying it leaves the tick nominal and the
 * frequency as set_freq last set it. */
int clk_system_new(struct clk **out);
/* The host's clock, measured and never changed: adjustments fail -EPERM. */
int clk_readonly_new(struct clk **out);
/* A virtual clock offset_ns off the host's clock and drifting by
 * drift_ppm, changed only in memory, slewing exactly as the system clock
 * does (see tsync/simclock.h). */
int clk_sim_new(struct clk **out, int64_t offset_ns, double drift_ppm);
/* A sim clock that reads start_ns (Unix ns, UTC) now: `clock sim start`. */
int clk_sim_new_at(struct clk **out, int64_t start_ns, double drift_ppm);
/* Make a sim clock jump by by_ns after_ns from now, as a machine that is
 * suspended and resumed sees its clock jump (for tests and the lab).
 * -EINVAL for any other clock. */
int clk_sim_schedule_jump(struct clk *c, int64_t after_ns, int64_t by_ns);

#endif
