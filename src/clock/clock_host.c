/*
 * The host's clock as the backends see it. Precision is measured the way
 * RFC 5905 §7.3 describes it: the time to read the clock, or its
 * resolution, whichever is larger.
 */
#include <errno.h>
#include <sys/timex.h>
#include <time.h>

#include "clock_host.h"
#include "tsync/ntp_ts.h"

int clk_host_read(int64_t *now)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_REALTIME, &ts) < 0)
		return -errno;
	*now = ntp_ns_from_timespec(&ts);
	return 0;
}

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

int clk_host_freq(double *ppm)
{
	struct timex tx = { .modes = 0 }; /* modes 0: read only */
	if (adjtimex(&tx) < 0)
		return -errno;
	*ppm = (double)tx.freq / 65536.0;
	return 0;
}
