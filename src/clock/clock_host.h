/*
 * What the clock backends share about the host's own clock: reading
 * CLOCK_REALTIME, measuring its precision, and the kernel's frequency.
 */
#ifndef TSYNC_CLOCK_HOST_H
#define TSYNC_CLOCK_HOST_H

#include <stdint.h>

int clk_host_read(int64_t *now);
int8_t clk_host_precision(void);
/* The kernel's frequency correction in ppm, read without changing it. */
int clk_host_freq(double *ppm);

#endif
