/*
 * A simulated clock as exact piecewise-linear arithmetic over a true time
 * base: offset grows at (drift + correction) ppm, and a slew moves it
 * further at SIM_SLEW_RATE_PPM until the slew is spent.
 */
#include <math.h>

#include "tsync/simclock.h"

#define NS_PER_S INT64_C(1000000000)
#define NS_PER_DAY (INT64_C(86400) * NS_PER_S)

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

static int64_t base_offset_at(const struct sim_model *m, int64_t t);

/* Whether the armed leap has acted by true time t: the local clock,
 * without the leap, has reached its trigger. */
static bool leap_reached(const struct sim_model *m, int64_t t)
{
	return m->leap != 0 && t + base_offset_at(m, t) >= m->leap_trigger;
}

/* Move the anchor to t, so that a change of state takes effect from t. */
static void advance(struct sim_model *m, int64_t t)
{
	int64_t s = slewed(m->slew_left, t - m->anchor);
	bool leapt = leap_reached(m, t);
	m->offset = sim_offset_at(m, t);
	m->slew_left -= s;
	m->anchor = t;
	if (leapt) {
		/* TIME_WAIT: kept until the flag is cleared. For an insertion
		 * the trigger is kept: the second after it is 23:59:60. */
		m->leap = 0;
		m->leap_wait = true;
	}
}

void sim_init(struct sim_model *m, int64_t now_true, int64_t offset, double drift_ppm)
{
	*m = (struct sim_model){ .anchor = now_true, .offset = offset, .drift_ppm = drift_ppm };
}

void sim_init_at(struct sim_model *m, int64_t now_true, int64_t start_local, double drift_ppm)
{
	sim_init(m, now_true, start_local - now_true, drift_ppm);
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

static int64_t base_offset_at(const struct sim_model *m, int64_t t)
{
	int64_t elapsed = t - m->anchor;
	return m->offset + ppm_of(elapsed, m->drift_ppm + m->freq_ppm) + slewed(m->slew_left, elapsed) +
	       jumped(m, t);
}

int64_t sim_offset_at(const struct sim_model *m, int64_t t)
{
	/* An inserted second steps the clock back, a deleted one forward. */
	return base_offset_at(m, t) - (leap_reached(m, t) ? m->leap * NS_PER_S : 0);
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

/* The midnight that ends the local day holding local time l. */
static int64_t day_end(int64_t l)
{
	int64_t day = l / NS_PER_DAY - (l % NS_PER_DAY < 0);
	return (day + 1) * NS_PER_DAY;
}

void sim_set_leap(struct sim_model *m, int64_t t, int leap)
{
	advance(m, t);
	if (leap == 0) {
		m->leap = 0;
		m->leap_wait = false;
		return;
	}
	if (m->leap_wait)
		return;
	int64_t end = day_end(sim_time_at(m, t));
	m->leap = leap > 0 ? 1 : -1;
	m->leap_trigger = leap > 0 ? end : end - NS_PER_S;
}

enum sim_leap_state sim_leap_state_at(const struct sim_model *m, int64_t t)
{
	if (leap_reached(m, t) || m->leap_wait) {
		/* After the insertion's step back, until the clock reads the
		 * trigger again, it shows 23:59:60. */
		bool oop = (m->leap > 0 || (m->leap_wait && m->leap_trigger % NS_PER_DAY == 0)) &&
			   sim_time_at(m, t) < m->leap_trigger;
		return oop ? SIM_LEAP_OOP : SIM_LEAP_WAIT;
	}
	if (m->leap != 0)
		return m->leap > 0 ? SIM_LEAP_INS : SIM_LEAP_DEL;
	return SIM_LEAP_OK;
}
