/*
 * A simulated clock as exact piecewise-linear arithmetic over a true time
 * base: offset grows at (drift + correction) ppm, and a slew moves it
 * further at its own rate until sim_poll ends it.
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

/* Keep the state in force from the anchor on, for instants before the
 * next change: the offset a kernel timestamp had when it was taken. */
static void remember(struct sim_model *m)
{
	int n = m->n_past < SIM_PAST ? m->n_past : SIM_PAST - 1;
	for (int i = n; i > 0; i--)
		m->past[i] = m->past[i - 1];
	m->past[0] = (struct sim_past){ .anchor = m->anchor, .offset = m->offset,
					.freq_ppm = m->freq_ppm, .slew_rate = m->slew.rate };
	m->n_past = n + 1;
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
	bool leapt = leap_reached(m, t);
	int64_t offset = sim_offset_at(m, t);
	if (t > m->anchor)
		remember(m);
	m->offset = offset;
	slew_rebase(&m->slew, t);
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
	slew_init(&m->slew, now_true);
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
static int64_t jumped(const struct sim_model *m, int64_t anchor, int64_t t)
{
	return m->jump_by != 0 && anchor < m->jump_at && m->jump_at <= t ? m->jump_by : 0;
}

/* The offset at t < anchor, from the past state in force then. */
static int64_t past_offset_at(const struct sim_model *m, int64_t t)
{
	const struct sim_past *p = &m->past[m->n_past - 1];
	for (int i = 0; i < m->n_past; i++)
		if (m->past[i].anchor <= t) {
			p = &m->past[i];
			break;
		}
	struct slew s = { .rate = p->slew_rate, .since = p->anchor };
	int64_t elapsed = t - p->anchor;
	return p->offset + ppm_of(elapsed, m->drift_ppm + p->freq_ppm) +
	       (elapsed > 0 ? slew_done(&s, t) : 0) + jumped(m, p->anchor, t);
}

static int64_t base_offset_at(const struct sim_model *m, int64_t t)
{
	int64_t elapsed = t - m->anchor;
	if (elapsed < 0 && m->n_past > 0)
		return past_offset_at(m, t);
	return m->offset + ppm_of(elapsed, m->drift_ppm + m->freq_ppm) + slew_done(&m->slew, t) +
	       jumped(m, m->anchor, t);
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

void sim_slew(struct sim_model *m, int64_t t, int64_t delta, double rate_ppm)
{
	advance(m, t);
	slew_start(&m->slew, t, delta, rate_ppm);
}

void sim_set_freq(struct sim_model *m, int64_t t, double ppm)
{
	advance(m, t);
	m->freq_ppm = ppm;
}

bool sim_poll(struct sim_model *m, int64_t t)
{
	if (slew_due_in(&m->slew, t) != 0)
		return false;
	advance(m, t);
	return slew_poll(&m->slew, t);
}

int64_t sim_poll_due_in(const struct sim_model *m, int64_t t)
{
	return slew_due_in(&m->slew, t);
}

void sim_settle(struct sim_model *m, int64_t t)
{
	while (m->slew.rate != 0 && m->slew.due <= t)
		sim_poll(m, m->slew.due);
}

int64_t sim_slew_left_at(const struct sim_model *m, int64_t t)
{
	return slew_left_at(&m->slew, t);
}

int64_t sim_slewed_at(const struct sim_model *m, int64_t t)
{
	return slew_total_at(&m->slew, t);
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
