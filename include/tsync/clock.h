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

struct clk_status {
	double freq_ppm;         /* frequency correction in force */
	int64_t slew_remaining;  /* ns of a slew still to apply */
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
	/* Correct by delta ns gradually; replaces a slew in progress. */
	int (*slew)(struct clk *c, int64_t delta);
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

struct clk {
	const struct clk_ops *ops;
	int8_t precision; /* log2 s, measured when the clock is made */
};

static inline int clk_read(struct clk *c, int64_t *now) { return c->ops->read(c, now); }
static inline int clk_from_host(struct clk *c, int64_t host_ns, int64_t *t)
{
	return c->ops->from_host(c, host_ns, t);
}
static inline int clk_step(struct clk *c, int64_t d) { return c->ops->step(c, d); }
static inline int clk_slew(struct clk *c, int64_t d) { return c->ops->slew(c, d); }
static inline int clk_set_freq(struct clk *c, double ppm) { return c->ops->set_freq(c, ppm); }
static inline int clk_status(struct clk *c, struct clk_status *st) { return c->ops->status(c, st); }
static inline int clk_set_sync(struct clk *c, bool synced, int64_t maxerror, int64_t esterror)
{
	return c->ops->set_sync(c, synced, maxerror, esterror);
}
static inline int clk_set_leap(struct clk *c, int leap) { return c->ops->set_leap(c, leap); }
static inline void clk_destroy(struct clk *c) { c->ops->destroy(c); }
static inline const char *clk_name(const struct clk *c) { return c->ops->name; }

/* The host's clock, CLOCK_REALTIME, changed with clock_adjtime(2): step
 * = ADJ_SETOFFSET, slew = ADJ_OFFSET_SINGLESHOT (adjtime(3): 500 ppm, a
 * new slew replaces the one in progress, microsecond resolution),
 * set_freq = ADJ_FREQUENCY (clamped to the kernel's +-500 ppm). Changes
 * need CAP_SYS_TIME and fail -EPERM without it. */
int clk_system_new(struct clk **out);
/* The host's clock, measured and never changed: adjustments fail -EPERM. */
int clk_readonly_new(struct clk **out);
/* A virtual clock offset_ns off the host's clock and drifting by
 * drift_ppm, changed only in memory (see tsync/simclock.h). */
int clk_sim_new(struct clk **out, int64_t offset_ns, double drift_ppm);
/* A sim clock that reads start_ns (Unix ns, UTC) now: `clock sim start`. */
int clk_sim_new_at(struct clk **out, int64_t start_ns, double drift_ppm);
/* Make a sim clock jump by by_ns after_ns from now, as a machine that is
 * suspended and resumed sees its clock jump (for tests and the lab).
 * -EINVAL for any other clock. */
int clk_sim_schedule_jump(struct clk *c, int64_t after_ns, int64_t by_ns);

#endif
