/*
 * The arithmetic of a simulated clock, exact and with no I/O: a local
 * clock running off a true time base with its own offset, native
 * frequency error (drift), frequency correction and slew. The sim clock
 * backend feeds it the host's clock; tests feed it chosen instants.
 * A slew is the system clock's (tsync/slew.h): an extra rate, exactly the
 * kernel's, that runs until sim_poll ends it, as the daemon's timer ends
 * the kernel's; a step leaves it going (ADJ_SETOFFSET leaves the tick and
 * frequency alone) and a change of frequency keeps its extra rate.
 */
#ifndef TSYNC_SIMCLOCK_H
#define TSYNC_SIMCLOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "tsync/slew.h"

/* How many past states are kept, for instants a little before the last
 * change (a datagram's kernel timestamp, converted after a slew began). */
#define SIM_PAST 4

/* One past state: from its anchor on, until the next one's. */
struct sim_past {
	int64_t anchor, offset;
	double freq_ppm;
	int64_t slew_rate; /* 2^-16 ppm */
};

struct sim_model {
	int64_t anchor;     /* true time (ns) at which the state below holds */
	int64_t offset;     /* local - true at anchor, ns */
	struct slew slew;   /* timed in true time; since == anchor */
	double drift_ppm;   /* native frequency error */
	double freq_ppm;    /* correction set through the clock interface */
	/* A jump to come, as a machine suspended and resumed sees one: at
	 * true time jump_at the clock moves by jump_by (0: none). It is part
	 * of the offset once the anchor has passed it. */
	int64_t jump_at, jump_by;
	struct sim_past past[SIM_PAST]; /* newest first */
	int n_past;
	/* A leap second as the kernel passes one (STA_INS / STA_DEL): armed
	 * (+1 insert, -1 delete) for the end of the local day it was set in,
	 * the clock steps back 1 s when it reads leap_trigger (midnight), or
	 * forward when it reads leap_trigger (23:59:59) on a deletion. Once
	 * passed, leap_wait holds (TIME_WAIT) until the leap is cleared. */
	int leap;
	int64_t leap_trigger; /* local time at which it acts */
	bool leap_wait;
};

/* The kernel's leap states (adjtimex(2) return values), for status. */
enum sim_leap_state { SIM_LEAP_OK, SIM_LEAP_INS, SIM_LEAP_DEL, SIM_LEAP_OOP, SIM_LEAP_WAIT };

void sim_init(struct sim_model *m, int64_t now_true, int64_t offset, double drift_ppm);
/* As sim_init, the local clock reading start_local at now_true. */
void sim_init_at(struct sim_model *m, int64_t now_true, int64_t start_local, double drift_ppm);
/* Schedule a jump of by ns at true time at. */
void sim_schedule_jump(struct sim_model *m, int64_t at, int64_t by);
/* local - true at true time t. Before the anchor, the past state in
 * force at t (before the oldest kept, the oldest extrapolated back). */
int64_t sim_offset_at(const struct sim_model *m, int64_t t);
/* The local clock's reading at true time t. */
int64_t sim_time_at(const struct sim_model *m, int64_t t);
void sim_step(struct sim_model *m, int64_t t, int64_t delta);
/* Slew delta at rate_ppm at most (see clk_slew_at), replacing a slew in
 * progress. */
void sim_slew(struct sim_model *m, int64_t t, int64_t delta, double rate_ppm);
void sim_set_freq(struct sim_model *m, int64_t t, double ppm);
/* Arm (leap +1 or -1) or clear (0) a leap second at true time t, as
 * ADJ_STATUS with STA_INS, STA_DEL or neither: it acts at the end of the
 * local day holding t. While a passed leap waits (TIME_WAIT), arming
 * changes nothing; clearing ends the wait. */
void sim_set_leap(struct sim_model *m, int64_t t, int leap);
enum sim_leap_state sim_leap_state_at(const struct sim_model *m, int64_t t);
/* Slew still to apply at true time t. */
/* The timer that ends a slew fired at true time t (slew_poll): returns
 * true when the slew's rate changed. */
bool sim_poll(struct sim_model *m, int64_t t);
/* True ns from t until sim_poll is due, -1 when no slew runs. */
int64_t sim_poll_due_in(const struct sim_model *m, int64_t t);
/* Run the model up to true time t with a perfect timer: sim_poll at each
 * end on the way, for tests of what is slewed when no timer is late. */
void sim_settle(struct sim_model *m, int64_t t);
/* Slew still to apply at true time t; past an end no sim_poll has seen,
 * what was overshot (of the opposite sign). */
int64_t sim_slew_left_at(const struct sim_model *m, int64_t t);
/* Every slew's progress summed up to true time t. */
int64_t sim_slewed_at(const struct sim_model *m, int64_t t);

#endif
