/*
 * The host's clock, CLOCK_REALTIME. In this release it reads only:
 * stepping, slewing and frequency correction through clock_adjtime come
 * with the client role, and until then they report -ENOTSUP.
 */
#include <errno.h>
#include <stdlib.h>

#include "clock_host.h"
#include "tsync/clock.h"

static int sys_read(struct clk *c, int64_t *now)
{
	return clk_host_read(now);
}

static int sys_not_yet(struct clk *c, int64_t delta)
{
	return -ENOTSUP;
}

static int sys_set_freq(struct clk *c, double ppm)
{
	return -ENOTSUP;
}

static int sys_status(struct clk *c, struct clk_status *st)
{
	*st = (struct clk_status){ .can_adjust = false };
	return clk_host_freq(&st->freq_ppm);
}

static void sys_destroy(struct clk *c)
{
	free(c);
}

static const struct clk_ops system_ops = {
	.name = "system",
	.read = sys_read,
	.step = sys_not_yet,
	.slew = sys_not_yet,
	.set_freq = sys_set_freq,
	.status = sys_status,
	.destroy = sys_destroy,
};

int clk_system_new(struct clk **out)
{
	struct clk *c = malloc(sizeof(*c));
	if (c == NULL)
		return -ENOMEM;
	*c = (struct clk){ .ops = &system_ops, .precision = clk_host_precision() };
	*out = c;
	return 0;
}
