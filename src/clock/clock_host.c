/*
 * The host's clock, CLOCK_REALTIME, behind two backends: `readonly`
 * refuses every change with -EPERM, and `system` reads only in this
 * release (changes come with the client role; until then -ENOTSUP).
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/timex.h>
#include <time.h>

#include "clock_host.h"
#include "tsync/clock.h"
#include "tsync/ntp_ts.h"

int clk_host_read(int64_t *now)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_REALTIME, &ts) < 0)
		return -errno;
	*now = ntp_ns_from_timespec(&ts);
	return 0;
}

/* Precision as RFC 5905 §7.3 describes it: the time to read the clock,
 * or its resolution, whichever is larger. */
int8_t clk_host_precision(void)
{
	struct timespec res;
	int64_t step = INT64_MAX;
	for (int i = 0; i < 100; i++) {
		int64_t a, b;
		clk_host_read(&a);
		do
			clk_host_read(&b);
		while (b == a);
		if (b - a < step)
			step = b - a;
	}
	if (clock_getres(CLOCK_REALTIME, &res) == 0 && ntp_ns_from_timespec(&res) > step)
		step = ntp_ns_from_timespec(&res);
	return ntp_precision_from_ns(step);
}

static int host_read(struct clk *c, int64_t *now)
{
	return clk_host_read(now);
}

static int host_from_host(struct clk *c, int64_t host_ns, int64_t *t)
{
	*t = host_ns;
	return 0;
}

static int host_status(struct clk *c, struct clk_status *st)
{
	struct timex tx = { .modes = 0 }; /* modes 0: read, change nothing */
	if (adjtimex(&tx) < 0)
		return -errno;
	*st = (struct clk_status){ .freq_ppm = (double)tx.freq / 65536.0, .can_adjust = false };
	return 0;
}

static void host_destroy(struct clk *c)
{
	free(c);
}

static int refuse(struct clk *c, int64_t delta)
{
	return -EPERM;
}

static int refuse_freq(struct clk *c, double ppm)
{
	return -EPERM;
}

static int not_yet(struct clk *c, int64_t delta)
{
	return -ENOTSUP;
}

static int not_yet_freq(struct clk *c, double ppm)
{
	return -ENOTSUP;
}

static const struct clk_ops readonly_ops = {
	.name = "readonly",
	.read = host_read,
	.from_host = host_from_host,
	.step = refuse,
	.slew = refuse,
	.set_freq = refuse_freq,
	.status = host_status,
	.destroy = host_destroy,
};

static const struct clk_ops system_ops = {
	.name = "system",
	.read = host_read,
	.from_host = host_from_host,
	.step = not_yet,
	.slew = not_yet,
	.set_freq = not_yet_freq,
	.status = host_status,
	.destroy = host_destroy,
};

static int host_new(struct clk **out, const struct clk_ops *ops)
{
	struct clk *c = malloc(sizeof(*c));
	if (c == NULL)
		return -ENOMEM;
	*c = (struct clk){ .ops = ops, .precision = clk_host_precision() };
	*out = c;
	return 0;
}

int clk_readonly_new(struct clk **out)
{
	return host_new(out, &readonly_ops);
}

int clk_system_new(struct clk **out)
{
	return host_new(out, &system_ops);
}
