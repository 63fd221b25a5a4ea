/*
 * The timer that ends a clock's slews (clk_set_timer): one libuv timer
 * per clock, armed when the clock asks and calling clk_poll when it fires.
 */
#ifndef TSYNC_CLKTIMER_H
#define TSYNC_CLKTIMER_H

#include <stdbool.h>
#include <uv.h>

#include "tsync/clock.h"

struct clktimer {
	uv_timer_t timer;
	struct clk *clock;
	bool on;
};

/* Give clock its timer on loop. Returns 0 or a negative errno. */
int clktimer_start(struct clktimer *t, uv_loop_t *loop, struct clk *clock);
/* Take the timer back from the clock and close it (the loop then runs the
 * close); nothing when not started. */
void clktimer_stop(struct clktimer *t);

#endif
