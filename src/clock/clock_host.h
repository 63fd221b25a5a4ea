/*
 * What the sim backend borrows from the host's clock: reading
 * CLOCK_REALTIME and measuring its precision.
 */
#ifndef TSYNC_CLOCK_HOST_H
#define TSYNC_CLOCK_HOST_H

#include <stdint.h>

int clk_host_read(int64_t *now);
int8_t clk_host_precision(void);

#endif
