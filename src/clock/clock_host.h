/*
 * What the sim backend borrows from the host's clock (reading
 * CLOCK_REALTIME and measuring its precision), and the system backend's
 * requests to clock_adjtime(2), built apart so tests can check them
 * without ever making them.
 */
#ifndef TSYNC_CLOCK_HOST_H
#define TSYNC_CLOCK_HOST_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/timex.h>

/* The kernel's frequency bound (MAXFREQ). */
#define CLK_HOST_MAX_PPM 500.0

int clk_host_read(int64_t *now);
int8_t clk_host_precision(void);

/* Read the kernel's state, changing nothing: modes 0. */
void clk_host_read_timex(struct timex *tx);
/* Step by delta ns: ADJ_SETOFFSET | ADJ_NANO. */
void clk_host_step_timex(int64_t delta, struct timex *tx);
/* A frequency correction in the kernel's unit (2^-16 ppm), clamped to
 * +-CLK_HOST_MAX_PPM. */
int64_t clk_host_freq_units(double ppm);
/* Run the clock total (2^-16 ppm: a frequency plus a slew's rate) off
 * nominal: ADJ_TICK | ADJ_FREQUENCY, the tick in whole 100 ppm and the
 * frequency the rest (see slew_split). -ERANGE past the kernel's tick
 * bounds (9000..11000). */
int clk_host_rate_timex(int64_t total, struct timex *tx);
/* The frequency correction (ppm) of a kernel read with tx while a slew
 * adds slew_rate (2^-16 ppm) through its tick and frequency. */
double clk_host_freq_of(const struct timex *tx, int64_t slew_rate);
/* STA_UNSYNC set or cleared in old_status, the kernel's PLL/FLL/PPS
 * modes cleared, maxerror and esterror (ns) in us. */
void clk_host_sync_timex(int old_status, bool synced, int64_t maxerror, int64_t esterror,
			 struct timex *tx);
/* A leap second for the end of the current UTC day (leap +1: STA_INS,
 * -1: STA_DEL, 0: neither) set in old_status by ADJ_STATUS, the rest of
 * the status kept but the kernel's PLL/FLL/PPS modes, as sync_timex. */
void clk_host_leap_timex(int old_status, int leap, struct timex *tx);

#endif
