/*
 * The arithmetic of a simulated clock, exact and with no I/O: a local
 * clock running off a true time base with its own offset, native
 * frequency error (drift), frequency correction and slew. The sim clock
 * backend feeds it the host's clock; tests feed it chosen instants.
 */
#ifndef TSYNC_SIMCLOCK_H
#define TSYNC_SIMCLOCK_H

#include <stdint.h>

/* How fast a slew is applied: 500 ppm, the rate of adjtime(3) on Linux. */
#define SIM_SLEW_RATE_PPM 500.0

struct sim_model {
	int64_t anchor;     /* true time (ns) at which the state below holds */
	int64_t offset;     /* local - true at anchor, ns */
	int64_t slew_left;  /* slew still to apply at anchor, ns */
	double drift_ppm;   /* native frequency error */
	double freq_ppm;    /* correction set through the clock interface */
	/* A jump to come, as a machine suspended and resumed sees one: at
	 * true time jump_at the clock moves by jump_by (0: none). It is part
	 * of the offset once the anchor has passed it. */
	int64_t jump_at, jump_by;
};

void sim_init(struct sim_model *m, int64_t now_true, int64_t offset, double drift_ppm);
/* Schedule a jump of by ns at true time at. */
void sim_schedule_jump(struct sim_model *m, int64_t at, int64_t by);
/* local - true at true time t. Before the anchor, drift and frequency
 * extrapolate backwards and a slew counts as not yet begun. */
int64_t sim_offset_at(const struct sim_model *m, int64_t t);
/* The local clock's reading at true time t. */
int64_t sim_time_at(const struct sim_model *m, int64_t t);
void sim_step(struct sim_model *m, int64_t t, int64_t delta);
void sim_slew(struct sim_model *m, int64_t t, int64_t delta);
void sim_set_freq(struct sim_model *m, int64_t t, double ppm);
/* Slew still to apply at true time t. */
int64_t sim_slew_left_at(const struct sim_model *m, int64_t t);

#endif
