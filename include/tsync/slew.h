/*
 * A slew as every clock backend runs it, pure: an extra frequency from
 * one instant to another, then off. The system backend puts the rate in
 * the kernel's tick and frequency, the sim backend in its model; both
 * end it when the caller's timer says so, and so overshoot alike.
 */
#ifndef TSYNC_SLEW_H
#define TSYNC_SLEW_H

#include <stdbool.h>
#include <stdint.h>

/* The kernel's frequency unit, in which rates are kept: 2^-16 ppm. */
#define SLEW_FREQ_SCALE 65536.0
/* A slew faster than its size over CLK_SLEW_MIN_NS is polled this long
 * (ns) before its end, and what is left then (rate x tail) is slewed over
 * CLK_SLEW_MIN_NS: a timer up to this late overshoots nothing, and one
 * later overshoots at the slow rate, not at the fast one. */
#define SLEW_TAIL_NS INT64_C(20000000)

/* Times are ns of the backend's own time base (CLOCK_MONOTONIC_RAW, or
 * the sim's true time); amounts are ns of the clock. */
struct slew {
	int64_t left;   /* ns to slew from `since` on */
	int64_t rate;   /* extra frequency from `since` on, 2^-16 ppm,
			   signed as left; 0: no slew */
	int64_t since;  /* when rate took effect, or the last rebase */
	int64_t end;    /* when left is spent at rate */
	int64_t due;    /* when to poll: the end, or for a fast slew
			   SLEW_TAIL_NS before it */
	int64_t total;  /* ns slewed before `since`, every slew summed */
};

void slew_init(struct slew *s, int64_t now);
/* ns slewed from `since` to t (0 before `since`). */
int64_t slew_done(const struct slew *s, int64_t t);
/* What is left at t: negative of left's sign once past the end. */
int64_t slew_left_at(const struct slew *s, int64_t t);
/* Every slew's progress summed, up to t. */
int64_t slew_total_at(const struct slew *s, int64_t t);
/* The rate in ppm. */
double slew_ppm(const struct slew *s);
/* Slew delta from now on at rate_ppm at most, within SLEW's bounds (see
 * clock.h: CLK_MAX_SLEW_PPM, CLK_SLEW_MIN_NS), replacing what is left. */
void slew_start(struct slew *s, int64_t now, int64_t delta, double rate_ppm);
/* Count what was slewed up to now into total and left (now >= since),
 * the rate and end unchanged: a backend does it when the rest of the
 * clock changes under the slew. */
void slew_rebase(struct slew *s, int64_t now);
/* The poll is due (now >= due): what is left (the tail of a fast slew),
 * or what a late end overshot, if more than 1 ns, is slewed at most at
 * the same rate and over CLK_SLEW_MIN_NS at least; else the slew stops.
 * Returns true when the rate changed; false and nothing changes before
 * the poll is due. */
bool slew_poll(struct slew *s, int64_t now);
/* ns from now until the poll is due, 0 when past, -1 when no slew runs. */
int64_t slew_due_in(const struct slew *s, int64_t now);
/* The kernel's tick and frequency (2^-16 ppm) that make the clock run
 * total (2^-16 ppm) off nominal: the tick in whole units of 100 ppm, the
 * frequency within +-50 ppm of the rest. */
void slew_split(int64_t total, long *tick, long *freq);

#endif
