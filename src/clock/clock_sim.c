/*
 * A virtual clock for tests and lab demonstrations: the host's clock seen
 * through a sim_model, with its own offset, drift, slews and steps, all
 * in memory. Several daemons on one host can so be several "machines".
 */
#include <errno.h>
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

static int sim_read(struct clk *c, int64_t *now)
{
	int64_t t;
	int err = clk_host_read(&t);
	if (err == 0)
		*now = sim_time_at(model_of(c), t);
	return err;
}

static int sim_from_host(struct clk *c, int64_t host_ns, int64_t *t)
{
	*t = sim_time_at(model_of(c), host_ns);
	return 0;
}

/* Apply a change at the host's current time. */
static int sim_change(struct clk *c, void (*change)(struct sim_model *, int64_t, int64_t),
		      int64_t delta)
{
	int64_t t;
	int err = clk_host_read(&t);
	if (err == 0)
		change(model_of(c), t, delta);
	return err;
}

static int sim_do_step(struct clk *c, int64_t delta)
{
	return sim_change(c, sim_step, delta);
}

static int sim_do_slew(struct clk *c, int64_t delta)
{
	return sim_change(c, sim_slew, delta);
}

static int sim_do_set_freq(struct clk *c, double ppm)
{
	int64_t t;
	int err = clk_host_read(&t);
	if (err == 0)
		sim_set_freq(model_of(c), t, ppm);
	return err;
}

static int sim_do_status(struct clk *c, struct clk_status *st)
{
	int64_t t;
	int err = clk_host_read(&t);
	if (err != 0)
		return err;
	*st = (struct clk_status){
		.freq_ppm = model_of(c)->freq_ppm,
		.slew_remaining = sim_slew_left_at(model_of(c), t),
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
	int err = clk_host_read(&now);
	if (err == 0)
		sim_schedule_jump(model_of(c), now + after_ns, by_ns);
	return err;
}
