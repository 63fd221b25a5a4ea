/*
 * The host's clock, CLOCK_REALTIME, behind two backends: `readonly`
 * refuses every change with -EPERM, and `system` changes it through
 * clock_adjtime(2), the one place in tsync that may.
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

/* The kernel's frequency unit: ppm with 16 fractional bits. */
#define FREQ_SCALE 65536.0
/* The kernel PLL/FLL and PPS modes: tsync disciplines the clock itself,
 * and a PLL left on by another daemon would keep moving it. */
#define STA_KERNEL_MODES (STA_PLL | STA_FLL | STA_PPSFREQ | STA_PPSTIME)

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

int clk_host_slew_timex(int64_t delta, struct timex *tx)
{
	/* adjtime's offset is microseconds in a long; glibc's adjtime(3)
	 * refuses about half an hour and more, and so do we. */
	if (delta > CLK_HOST_MAX_SLEW || delta < -CLK_HOST_MAX_SLEW)
		return -ERANGE;
	*tx = (struct timex){ .modes = ADJ_OFFSET_SINGLESHOT };
	tx->offset = (long)llround((double)delta / 1000.0);
	return 0;
}

void clk_host_freq_timex(double ppm, struct timex *tx)
{
	if (ppm > CLK_HOST_MAX_PPM)
		ppm = CLK_HOST_MAX_PPM;
	if (ppm < -CLK_HOST_MAX_PPM)
		ppm = -CLK_HOST_MAX_PPM;
	*tx = (struct timex){ .modes = ADJ_FREQUENCY };
	tx->freq = (long)llround(ppm * FREQ_SCALE);
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

/* Read the kernel's state, changing nothing: modes 0 for the frequency
 * and status, ADJ_OFFSET_SS_READ for what is left of an adjtime slew. */
static int host_status_of(struct clk_status *st, bool can_adjust)
{
	struct timex tx = { .modes = 0 };
	struct timex left = { .modes = ADJ_OFFSET_SS_READ };
	if (clock_adjtime(CLOCK_REALTIME, &tx) < 0 || clock_adjtime(CLOCK_REALTIME, &left) < 0)
		return -errno;
	*st = (struct clk_status){
		.freq_ppm = (double)tx.freq / FREQ_SCALE,
		.slew_remaining = (int64_t)left.offset * 1000,
		.can_adjust = can_adjust,
		.synced = !(tx.status & STA_UNSYNC),
	};
	return 0;
}

static int host_status(struct clk *c, struct clk_status *st)
{
	return host_status_of(st, false);
}

static int system_status(struct clk *c, struct clk_status *st)
{
	return host_status_of(st, have_cap_sys_time());
}

static int adjust(struct timex *tx)
{
	return clock_adjtime(CLOCK_REALTIME, tx) < 0 ? -errno : 0;
}

static int system_step(struct clk *c, int64_t delta)
{
	struct timex tx;
	clk_host_step_timex(delta, &tx);
	return adjust(&tx);
}

static int system_slew(struct clk *c, int64_t delta)
{
	struct timex tx;
	int err = clk_host_slew_timex(delta, &tx);
	return err < 0 ? err : adjust(&tx);
}

static int system_set_freq(struct clk *c, double ppm)
{
	struct timex tx;
	clk_host_freq_timex(ppm, &tx);
	return adjust(&tx);
}

static int system_set_sync(struct clk *c, bool synced, int64_t maxerror, int64_t esterror)
{
	struct timex now = { .modes = 0 }, tx;
	if (clock_adjtime(CLOCK_REALTIME, &now) < 0)
		return -errno;
	clk_host_sync_timex(now.status, synced, maxerror, esterror, &tx);
	return adjust(&tx);
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

static int refuse_freq(struct clk *c, double ppm)
{
	return -EPERM;
}

static int refuse_sync(struct clk *c, bool synced, int64_t maxerror, int64_t esterror)
{
	return -EPERM;
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
	.slew = refuse,
	.set_freq = refuse_freq,
	.status = host_status,
	.set_sync = refuse_sync,
	.set_leap = refuse_leap,
	.destroy = host_destroy,
};

static const struct clk_ops system_ops = {
	.name = "system",
	.read = host_read,
	.from_host = host_from_host,
	.step = system_step,
	.slew = system_slew,
	.set_freq = system_set_freq,
	.status = system_status,
	.set_sync = system_set_sync,
	.set_leap = system_set_leap,
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
