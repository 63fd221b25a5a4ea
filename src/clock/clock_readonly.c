/*
 * The host's clock, measured and never touched: every adjustment is
 * refused with -EPERM, so a misrouted call shows up instead of acting.
 */
#include <errno.h>
#include <stdlib.h>

#include "clock_host.h"
#include "tsync/clock.h"

static int ro_read(struct clk *c, int64_t *now)
{
	return clk_host_read(now);
}

static int ro_refuse(struct clk *c, int64_t delta)
{
	return -EPERM;
}

static int ro_set_freq(struct clk *c, double ppm)
{
	return -EPERM;
}

static int ro_status(struct clk *c, struct clk_status *st)
{
	*st = (struct clk_status){ .can_adjust = false };
	return clk_host_freq(&st->freq_ppm);
}

static void ro_destroy(struct clk *c)
{
	free(c);
}

static const struct clk_ops readonly_ops = {
	.name = "readonly",
	.read = ro_read,
	.step = ro_refuse,
	.slew = ro_refuse,
	.set_freq = ro_set_freq,
	.status = ro_status,
	.destroy = ro_destroy,
};

int clk_readonly_new(struct clk **out)
{
	struct clk *c = malloc(sizeof(*c));
	if (c == NULL)
		return -ENOMEM;
	*c = (struct clk){ .ops = &readonly_ops, .precision = clk_host_precision() };
	*out = c;
	return 0;
}
