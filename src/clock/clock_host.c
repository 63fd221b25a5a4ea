/*
 * The host's clock, CLOCK_REALTIME, behind two backends: `readonly`
 * refuses every change with -EPERM, and `system` changes it through
 * clock_adjtime(2), the one place in tsync that may: steps, the frequency,
 * and slews through the kernel's tick and frequency together.
 */
#include <errno.h>
#include <linux/capability.h>
#include <math.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/timex.h>
#include <time.h>
#include <unistd.h>

#include "clock_host.h"
#include "tsync/clock.h"
#include "tsync/ntp_ts.h"
#include "tsync/slew.h"

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

/* The kernel PLL/FLL and PPS modes: tsync disciplines the clock itself,
 * and a PLL left on by another daemon would keep moving it. */
#define STA_KERNEL_MODES (STA_PLL | STA_FLL | STA_PPSFREQ | STA_PPSTIME)
/* The kernel's bounds on the tick: +-10 % of nominal at USER_HZ 100. */
#define TICK_MIN 9000
#define TICK_MAX 11000

void clk_host_read_timex(struct timex *tx)
{
	*tx = (struct timex){ .modes = 0 };
}

void clk_host_step_timex(int64_t delta, struct timex *tx)
{
	/* ADJ_NANO: tv_usec holds ns, and must be in [0, 1e9). */
	int64_t sec = delta / NTP_TS_NS_PER_S, ns = delta % NTP_TS_NS_PER_S;
	if (ns < 0) {
		sec -= 1;
		ns += NTP_TS_NS_PER_S;
	}
	*tx = (struct timex){ .modes = ADJ_SETOFFSET | ADJ_NANO };
	tx->time.tv_sec = (time_t)sec;
	tx->time.tv_usec = (suseconds_t)ns;
}

int64_t clk_host_freq_units(double ppm)
{
	return llround(fmax(fmin(ppm, CLK_HOST_MAX_PPM), -CLK_HOST_MAX_PPM) * SLEW_FREQ_SCALE);
}

int clk_host_rate_timex(int64_t total, struct timex *tx)
{
	long tick, freq;
	slew_split(total, &tick, &freq);
	if (tick < TICK_MIN || tick > TICK_MAX)
		return -ERANGE;
	*tx = (struct timex){ .modes = ADJ_TICK | ADJ_FREQUENCY, .tick = tick, .freq = freq };
	return 0;
}

double clk_host_freq_of(const struct timex *tx, int64_t slew_rate)
{
	int64_t total = (int64_t)(tx->tick - CLK_TICK_NOMINAL) * (int64_t)(100 * SLEW_FREQ_SCALE) +
			tx->freq;
	return (double)(total - slew_rate) / SLEW_FREQ_SCALE;
}

void clk_host_sync_timex(int old_status, bool synced, int64_t maxerror, int64_t esterror,
			 struct timex *tx)
{
	int status = old_status & ~STA_KERNEL_MODES;
	*tx = (struct timex){ .modes = ADJ_STATUS | ADJ_MAXERROR | ADJ_ESTERROR };
	tx->status = synced ? status & ~STA_UNSYNC : status | STA_UNSYNC;
	/* The kernel keeps both in microseconds. */
	tx->maxerror = (long)(maxerror / 1000);
	tx->esterror = (long)(esterror / 1000);
}

void clk_host_leap_timex(int old_status, int leap, struct timex *tx)
{
	int status = old_status & ~(STA_KERNEL_MODES | STA_INS | STA_DEL);
	*tx = (struct timex){ .modes = ADJ_STATUS };
	tx->status = status | (leap > 0 ? STA_INS : leap < 0 ? STA_DEL : 0);
}

/* Whether this process holds CAP_SYS_TIME, which every change needs:
 * asked of the kernel, which changes nothing. */
static bool have_cap_sys_time(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = { 0 };
	if (syscall(SYS_capget, &hdr, data) < 0)
		return false;
	return data[CAP_TO_INDEX(CAP_SYS_TIME)].effective & CAP_TO_MASK(CAP_SYS_TIME);
}

static int kernel_read(struct timex *tx)
{
	clk_host_read_timex(tx);
	return clock_adjtime(CLOCK_REALTIME, tx) < 0 ? -errno : 0;
}

static int adjust(struct timex *tx)
{
	return clock_adjtime(CLOCK_REALTIME, tx) < 0 ? -errno : 0;
}

/* The time base of the system clock's slews: the oscillator's own count,
 * which neither the tick nor the frequency moves, so that rate x elapsed
 * is exactly what the kernel slewed. */
static int64_t raw_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return ntp_ns_from_timespec(&ts);
}

/* ---------------------------------------------------------------- readonly */

static int host_read(struct clk *c, int64_t *now)
{
	return clk_host_read(now);
}

static int host_from_host(struct clk *c, int64_t host_ns, int64_t *t)
{
	*t = host_ns;
	return 0;
}

/* What the kernel says, changing nothing: a tick or frequency another
 * program left shows here. */
static int host_status(struct clk *c, struct clk_status *st)
{
	struct timex tx;
	int err = kernel_read(&tx);
	if (err < 0)
		return err;
	*st = (struct clk_status){
		.freq_ppm = (double)tx.freq / SLEW_FREQ_SCALE,
		.tick = (int)tx.tick,
		.synced = !(tx.status & STA_UNSYNC),
	};
	return 0;
}

static int system_set_leap(struct clk *c, int leap)
{
	struct timex now = { .modes = 0 }, tx;
	if (clock_adjtime(CLOCK_REALTIME, &now) < 0)
		return -errno;
	clk_host_leap_timex(now.status, leap, &tx);
	return adjust(&tx);
}

static void host_destroy(struct clk *c)
{
	free(c);
}

static int refuse(struct clk *c, int64_t delta)
{
	return -EPERM;
}

static int refuse_slew(struct clk *c, int64_t delta, double rate_ppm)
{
	return -EPERM;
}

static int refuse_freq(struct clk *c, double ppm)
{
	return -EPERM;
}

static int refuse_sync(struct clk *c, bool synced, int64_t maxerror, int64_t esterror)
{
	return -EPERM;
}

static int nothing_due(struct clk *c)
{
	return 0;
}

static int refuse_leap(struct clk *c, int leap)
{
	return -EPERM;
}

static const struct clk_ops readonly_ops = {
	.name = "readonly",
	.read = host_read,
	.from_host = host_from_host,
	.step = refuse,
	.slew = refuse_slew,
	.poll = nothing_due,
	.set_freq = refuse_freq,
	.status = host_status,
	.set_sync = refuse_sync,
	.set_leap = refuse_leap,
	.destroy = host_destroy,
};

/* ---------------------------------------------------------------- system */

struct sys_clk {
	struct clk clk;     /* first: a struct clk * is a struct sys_clk * */
	struct slew slew;   /* timed on CLOCK_MONOTONIC_RAW */
	int64_t base;       /* the frequency set_freq set, 2^-16 ppm */
	bool touched;       /* the tick and frequency are ours */
};

static struct sys_clk *sys_of(struct clk *c)
{
	return (struct sys_clk *)c;
}

static void sys_arm(struct sys_clk *s, int64_t now)
{
	if (s->clk.arm != NULL)
		s->clk.arm(s->clk.arm_arg, slew_due_in(&s->slew, now));
}

/* Run the clock at base + next's rate, and take next as the slew. */
static int sys_apply(struct sys_clk *s, int64_t base, const struct slew *next, int64_t now)
{
	struct timex tx;
	int err = clk_host_rate_timex(base + next->rate, &tx);
	if (err == 0)
		err = adjust(&tx);
	if (err < 0)
		return err;
	s->base = base;
	s->slew = *next;
	s->touched = true;
	sys_arm(s, now);
	return 0;
}

static int sys_poll_at(struct sys_clk *s, int64_t now)
{
	struct slew next = s->slew;
	if (!slew_poll(&next, now)) {
		sys_arm(s, now);
		return 0;
	}
	int err = sys_apply(s, s->base, &next, now);
	if (err < 0 && s->clk.arm != NULL)
		s->clk.arm(s->clk.arm_arg, CLK_SLEW_MIN_NS); /* try again */
	return err;
}

static int system_poll(struct clk *c)
{
	return sys_poll_at(sys_of(c), raw_now());
}

/* A slew whose end the timer missed (or that has no timer) ends at the
 * next operation, late rather than never. */
static void sys_catch_up(struct sys_clk *s)
{
	if (s->slew.rate != 0)
		sys_poll_at(s, raw_now());
}

static int system_read(struct clk *c, int64_t *now)
{
	sys_catch_up(sys_of(c));
	return clk_host_read(now);
}

static int system_step(struct clk *c, int64_t delta)
{
	struct timex tx;
	sys_catch_up(sys_of(c));
	clk_host_step_timex(delta, &tx);
	return adjust(&tx);
}

static int system_slew(struct clk *c, int64_t delta, double rate_ppm)
{
	struct sys_clk *s = sys_of(c);
	int64_t now = raw_now();
	struct slew next = s->slew;
	if (!(rate_ppm > 0))
		return -EINVAL;
	slew_start(&next, now, delta, rate_ppm);
	return sys_apply(s, s->base, &next, now);
}

/* The slew keeps its extra rate over the new frequency. */
static int system_set_freq(struct clk *c, double ppm)
{
	struct sys_clk *s = sys_of(c);
	int64_t now = raw_now();
	struct slew next = s->slew;
	slew_rebase(&next, now);
	return sys_apply(s, clk_host_freq_units(ppm), &next, now);
}

static int system_status(struct clk *c, struct clk_status *st)
{
	struct sys_clk *s = sys_of(c);
	struct timex tx;
	sys_catch_up(s);
	int64_t now = raw_now();
	int err = kernel_read(&tx);
	if (err < 0)
		return err;
	*st = (struct clk_status){
		.freq_ppm = s->touched ? clk_host_freq_of(&tx, s->slew.rate)
				       : (double)tx.freq / SLEW_FREQ_SCALE,
		.slew_remaining = slew_left_at(&s->slew, now),
		.slew_ppm = slew_ppm(&s->slew),
		.slewed = slew_total_at(&s->slew, now),
		.tick = (int)tx.tick,
		.can_adjust = have_cap_sys_time(),
		.synced = !(tx.status & STA_UNSYNC),
	};
	return 0;
}

static int system_set_sync(struct clk *c, bool synced, int64_t maxerror, int64_t esterror)
{
	struct timex now, tx;
	int err = kernel_read(&now);
	if (err < 0)
		return err;
	clk_host_sync_timex(now.status, synced, maxerror, esterror, &tx);
	return adjust(&tx);
}

/* Leave the kernel as a daemon should find it: the tick nominal, the
 * frequency the discipline set, no slew running on with nobody to end it. */
static void system_destroy(struct clk *c)
{
	struct sys_clk *s = sys_of(c);
	struct timex tx;
	if (s->touched && clk_host_rate_timex(s->base, &tx) == 0)
		adjust(&tx);
	free(s);
}

static const struct clk_ops system_ops = {
	.name = "system",
	.read = system_read,
	.from_host = host_from_host,
	.step = system_step,
	.slew = system_slew,
	.poll = system_poll,
	.set_freq = system_set_freq,
	.status = system_status,
	.set_sync = system_set_sync,
	.set_leap = system_set_leap,
	.destroy = system_destroy,
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

/* The kernel's frequency as found is the base until set_freq: a slew
 * then moves the clock from where it was. A foreign tick is reset at the
 * first change (the caller logs it, from clk_status). */
int clk_system_new(struct clk **out)
{
	struct timex tx;
	int err = kernel_read(&tx);
	if (err < 0)
		return err;
	struct sys_clk *s = malloc(sizeof(*s));
	if (s == NULL)
		return -ENOMEM;
	*s = (struct sys_clk){
		.clk = { .ops = &system_ops, .precision = clk_host_precision() },
		.base = tx.freq,
	};
	slew_init(&s->slew, raw_now());
	*out = &s->clk;
	return 0;
}
