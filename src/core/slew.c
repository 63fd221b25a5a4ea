/*
 * The slew both clock backends share: a rate kept in the kernel's own
 * unit, so that the sim clock slews by exactly what the system clock's
 * kernel would, and an end that only a timer outside can keep.
 */
#include <math.h>
#include <stdlib.h>

#include "tsync/clock.h"
#include "tsync/slew.h"

/* ns per ns at 1 unit of rate: 2^-16 ppm. */
#define UNIT_PER_NS (SLEW_FREQ_SCALE * 1e6)
/* What a late end may leave and still count as done. */
#define DONE_NS 1
/* One unit of the kernel's tick is 100 ppm at USER_HZ 100. */
#define TICK_UNIT ((int64_t)(100 * SLEW_FREQ_SCALE))

void slew_init(struct slew *s, int64_t now)
{
	*s = (struct slew){ .since = now, .end = now, .due = now };
}

int64_t slew_done(const struct slew *s, int64_t t)
{
	if (t <= s->since || s->rate == 0)
		return 0;
	return (int64_t)llround((double)s->rate * (double)(t - s->since) / UNIT_PER_NS);
}

int64_t slew_left_at(const struct slew *s, int64_t t)
{
	return s->left - slew_done(s, t);
}

int64_t slew_total_at(const struct slew *s, int64_t t)
{
	return s->total + slew_done(s, t);
}

double slew_ppm(const struct slew *s)
{
	return (double)s->rate / SLEW_FREQ_SCALE;
}

void slew_rebase(struct slew *s, int64_t now)
{
	if (now <= s->since)
		return;
	int64_t done = slew_done(s, now);
	s->total += done;
	s->left -= done;
	s->since = now;
}

/* Rate and end for s->left from s->since: at most max_ppm, at most
 * CLK_MAX_SLEW_PPM, and no shorter than CLK_SLEW_MIN_NS. */
static void plan(struct slew *s, double max_ppm)
{
	double need = fabs((double)s->left) / (double)CLK_SLEW_MIN_NS * 1e6;
	double ppm = fmin(fmin(fabs(max_ppm), CLK_MAX_SLEW_PPM), need);
	int64_t rate = (int64_t)llround(ppm * SLEW_FREQ_SCALE);

	if (s->left == 0 || rate == 0) {
		s->left = 0;
		s->rate = 0;
		s->end = s->due = s->since;
		return;
	}
	s->rate = s->left < 0 ? -rate : rate;
	s->end = s->since + (int64_t)ceil(fabs((double)s->left) * UNIT_PER_NS / (double)rate);
	bool fast = ppm < need && s->end - SLEW_TAIL_NS > s->since;
	s->due = fast ? s->end - SLEW_TAIL_NS : s->end;
}

void slew_start(struct slew *s, int64_t now, int64_t delta, double rate_ppm)
{
	slew_rebase(s, now);
	s->left = delta;
	plan(s, rate_ppm);
}

bool slew_poll(struct slew *s, int64_t now)
{
	if (s->rate == 0 || now < s->due)
		return false;
	double ppm = fabs(slew_ppm(s));
	slew_rebase(s, now);
	if (llabs(s->left) <= DONE_NS)
		s->left = 0;
	plan(s, ppm);
	return true;
}

int64_t slew_due_in(const struct slew *s, int64_t now)
{
	if (s->rate == 0)
		return -1;
	return s->due > now ? s->due - now : 0;
}

void slew_split(int64_t total, long *tick, long *freq)
{
	int64_t half = TICK_UNIT / 2;
	int64_t units = total >= 0 ? (total + half) / TICK_UNIT : -((-total + half) / TICK_UNIT);

	*tick = CLK_TICK_NOMINAL + (long)units;
	*freq = (long)(total - units * TICK_UNIT);
}
