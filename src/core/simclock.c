/*
 * A simulated clock as exact piecewise-linear arithmetic over a true time
 * base: offset grows at (drift + correction) ppm, and a slew moves it
 * further at SIM_SLEW_RATE_PPM until the slew is spent.
 */
#include <math.h>

#include "tsync/simclock.h"

/* ns gained over elapsed ns at ppm parts per million, rounded. */
static int64_t ppm_of(int64_t elapsed, double ppm)
{
	return (int64_t)llround((double)elapsed * ppm * 1e-6);
}

/* The part of a slew of size left applied after elapsed ns. Before the
 * anchor (a kernel timestamp a little older than the last change) the
 * slew had not begun. */
static int64_t slewed(int64_t left, int64_t elapsed)
{
	int64_t reach = elapsed > 0 ? ppm_of(elapsed, SIM_SLEW_RATE_PPM) : 0;
	if (left >= 0)
		return left < reach ? left : reach;
	return -left < reach ? left : -reach;
}

/* Move the anchor to t, so that a change of state takes effect from t. */
static void advance(struct sim_model *m, int64_t t)
{
	int64_t s = slewed(m->slew_left, t - m->anchor);
	m->offset = sim_offset_at(m, t);
	m->slew_left -= s;
	m->anchor = t;
}

void sim_init(struct sim_model *m, int64_t now_true, int64_t offset, double drift_ppm)
{
	*m = (struct sim_model){ .anchor = now_true, .offset = offset, .drift_ppm = drift_ppm };
}

void sim_schedule_jump(struct sim_model *m, int64_t at, int64_t by)
{
	m->jump_at = at;
	m->jump_by = by;
}

/* The scheduled jump, if it falls in (anchor, t]. */
static int64_t jumped(const struct sim_model *m, int64_t t)
{
	return m->jump_by != 0 && m->anchor < m->jump_at && m->jump_at <= t ? m->jump_by : 0;
}

int64_t sim_offset_at(const struct sim_model *m, int64_t t)
{
	int64_t elapsed = t - m->anchor;
	return m->offset + ppm_of(elapsed, m->drift_ppm + m->freq_ppm) + slewed(m->slew_left, elapsed) +
	       jumped(m, t);
}

int64_t sim_time_at(const struct sim_model *m, int64_t t)
{
	return t + sim_offset_at(m, t);
}

void sim_step(struct sim_model *m, int64_t t, int64_t delta)
{
	advance(m, t);
	m->offset += delta;
}

void sim_slew(struct sim_model *m, int64_t t, int64_t delta)
{
	advance(m, t);
	m->slew_left = delta;
}

void sim_set_freq(struct sim_model *m, int64_t t, double ppm)
{
	advance(m, t);
	m->freq_ppm = ppm;
}

int64_t sim_slew_left_at(const struct sim_model *m, int64_t t)
{
	return m->slew_left - slewed(m->slew_left, t - m->anchor);
}
