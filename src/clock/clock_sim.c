/*
 * A virtual clock for tests and lab demonstrations: the host's clock seen
 * through a sim_model, with its own offset, drift, slews and steps, all
 * in memory. Several daemons on one host can so be several "machines".
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "clock_host.h"
#include "tsync/clock.h"
#include "tsync/simclock.h"

struct sim_clk {
	struct clk clk; /* first: a struct clk * is a struct sim_clk * */
	struct sim_model model;
	bool synced;
};

static struct sim_model *model_of(struct clk *c)
{
	return &((struct sim_clk *)c)->model;
}

/* Tell the caller's timer when the slew is next due. */
static void sim_arm(struct clk *c, int64_t t)
{
	if (c->arm != NULL)
		c->arm(c->arm_arg, sim_poll_due_in(model_of(c), t));
}

/* A slew whose end the timer missed (or that has no timer) ends now, as
 * the system clock's does; every operation looks first. */
static void sim_catch_up(struct clk *c, int64_t t)
{
	if (sim_poll(model_of(c), t))
		sim_arm(c, t);
}

static int sim_read(struct clk *c, int64_t *now)
{
	int64_t t;
	int err = clk_host_read(&t);
	if (err == 0) {
		sim_catch_up(c, t);
		*now = sim_time_at(model_of(c), t);
	}
	return err;
}

static int sim_from_host(struct clk *c, int64_t host_ns, int64_t *t)
{
	*t = sim_time_at(model_of(c), host_ns);
	return 0;
}

/* The host's time now, a missed slew end caught up with first. */
static int sim_now(struct clk *c, int64_t *t)
{
	int err = clk_host_read(t);
	if (err == 0)
		sim_catch_up(c, *t);
	return err;
}

static int sim_do_step(struct clk *c, int64_t delta)
{
	int64_t t;
	int err = sim_now(c, &t);
	if (err == 0)
		sim_step(model_of(c), t, delta);
	return err;
}

static int sim_do_slew(struct clk *c, int64_t delta, double rate_ppm)
{
	int64_t t;
	if (!(rate_ppm > 0))
		return -EINVAL;
	int err = sim_now(c, &t);
	if (err == 0) {
		sim_slew(model_of(c), t, delta, rate_ppm);
		sim_arm(c, t);
	}
	return err;
}

static int sim_do_poll(struct clk *c)
{
	int64_t t;
	int err = clk_host_read(&t);
	if (err == 0) {
		sim_poll(model_of(c), t);
		sim_arm(c, t);
	}
	return err;
}

/* The frequency as the kernel keeps it: within +-500 ppm, in its unit. */
static int sim_do_set_freq(struct clk *c, double ppm)
{
	int64_t t;
	int err = sim_now(c, &t);
	if (err == 0)
		sim_set_freq(model_of(c), t, (double)clk_host_freq_units(ppm) / SLEW_FREQ_SCALE);
	return err;
}

/* The tick the system clock would run with for the same frequency and
 * slew. */
static int sim_tick(const struct sim_model *m)
{
	long tick, freq;
	slew_split(llround(m->freq_ppm * SLEW_FREQ_SCALE) + m->slew.rate, &tick, &freq);
	return (int)tick;
}

static int sim_do_status(struct clk *c, struct clk_status *st)
{
	int64_t t;
	int err = sim_now(c, &t);
	if (err != 0)
		return err;
	const struct sim_model *m = model_of(c);
	*st = (struct clk_status){
		.freq_ppm = m->freq_ppm,
		.slew_remaining = sim_slew_left_at(m, t),
		.slew_ppm = slew_ppm(&m->slew),
		.slewed = sim_slewed_at(m, t),
		.tick = sim_tick(m),
		.can_adjust = true,
		.synced = ((struct sim_clk *)c)->synced,
	};
	return 0;
}

/* Only remembered, for status: no kernel to tell. */
static int sim_set_sync(struct clk *c, bool synced, int64_t maxerror, int64_t esterror)
{
	((struct sim_clk *)c)->synced = synced;
	return 0;
}

/* The model passes the leap exactly as the kernel does. */
static int sim_do_set_leap(struct clk *c, int leap)
{
	int64_t t;
	int err = clk_host_read(&t);
	if (err == 0)
		sim_set_leap(model_of(c), t, leap);
	return err;
}

static void sim_destroy(struct clk *c)
{
	free(c);
}

static const struct clk_ops sim_ops = {
	.name = "sim",
	.read = sim_read,
	.from_host = sim_from_host,
	.step = sim_do_step,
	.slew = sim_do_slew,
	.poll = sim_do_poll,
	.set_freq = sim_do_set_freq,
	.status = sim_do_status,
	.set_sync = sim_set_sync,
	.set_leap = sim_do_set_leap,
	.destroy = sim_destroy,
};

int clk_sim_new(struct clk **out, int64_t offset_ns, double drift_ppm)
{
	struct sim_clk *s = malloc(sizeof(*s));
	int64_t now;
	if (s == NULL)
		return -ENOMEM;
	int err = clk_host_read(&now);
	if (err != 0) {
		free(s);
		return err;
	}
	s->clk = (struct clk){ .ops = &sim_ops, .precision = clk_host_precision() };
	s->synced = false;
	sim_init(&s->model, now, offset_ns, drift_ppm);
	*out = &s->clk;
	return 0;
}

int clk_sim_new_at(struct clk **out, int64_t start_ns, double drift_ppm)
{
	int64_t now;
	int err = clk_host_read(&now);
	return err < 0 ? err : clk_sim_new(out, start_ns - now, drift_ppm);
}

int clk_sim_schedule_jump(struct clk *c, int64_t after_ns, int64_t by_ns)
{
	int64_t now;

	if (c->ops != &sim_ops)
		return -EINVAL;
	int err = sim_now(c, &now);
	if (err == 0)
		sim_schedule_jump(model_of(c), now + after_ns, by_ns);
	return err;
}
