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

/* The kernel's frequency bound (MAXFREQ), and the largest slew. */
#define CLK_HOST_MAX_PPM 500.0
#define CLK_HOST_MAX_SLEW (INT64_C(2000) * INT64_C(1000000000))

int clk_host_read(int64_t *now);
int8_t clk_host_precision(void);

/* Step by delta ns: ADJ_SETOFFSET | ADJ_NANO. */
void clk_host_step_timex(int64_t delta, struct timex *tx);
/* Slew by delta ns, rounded to us: ADJ_OFFSET_SINGLESHOT. -ERANGE past
 * CLK_HOST_MAX_SLEW. */
int clk_host_slew_timex(int64_t delta, struct timex *tx);
/* Absolute frequency correction, clamped to +-CLK_HOST_MAX_PPM. */
void clk_host_freq_timex(double ppm, struct timex *tx);
/* STA_UNSYNC set or cleared in old_status, the kernel's PLL/FLL/PPS
 * modes cleared, maxerror and esterror (ns) in us. */
void clk_host_sync_timex(int old_status, bool synced, int64_t maxerror, int64_t esterror,
			 struct timex *tx);
/* A leap second for the end of the current UTC day (leap +1: STA_INS,
 * -1: STA_DEL, 0: neither) set in old_status by ADJ_STATUS, the rest of
 * the status kept but the kernel's PLL/FLL/PPS modes, as sync_timex. */
void clk_host_leap_timex(int old_status, int leap, struct timex *tx);

#endif
