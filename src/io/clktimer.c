/*
 * A clock's slew ends at a time the clock cannot keep by itself: this
 * timer keeps it. The clock says when (clk_arm_fn), the timer calls
 * clk_poll then; a timer that fires a little early is harmless (the clock
 * asks again), one that fires late makes the slew overshoot by the delay
 * times its rate, which the clock then slews back.
 */
#include "clktimer.h"
#include "log.h"

#define NS_PER_MS 1000000

static void on_due(uv_timer_t *h)
{
	struct clktimer *t = h->data;
	int err = clk_poll(t->clock);

	if (err < 0)
		log_warn("cannot end the slew of the %s clock: %s", clk_name(t->clock),
			 uv_strerror(err));
}

/* Whole milliseconds, rounded up: libuv's unit. */
static void arm(void *arg, int64_t after_ns)
{
	struct clktimer *t = arg;

	if (after_ns < 0) {
		uv_timer_stop(&t->timer);
		return;
	}
	uv_update_time(t->timer.loop); /* the loop's cached time may be old */
	uv_timer_start(&t->timer, on_due, (uint64_t)((after_ns + NS_PER_MS - 1) / NS_PER_MS), 0);
}

int clktimer_start(struct clktimer *t, uv_loop_t *loop, struct clk *clock)
{
	int err = uv_timer_init(loop, &t->timer);

	if (err < 0)
		return err;
	t->timer.data = t;
	t->clock = clock;
	t->on = true;
	clk_set_timer(clock, arm, t);
	return 0;
}

void clktimer_stop(struct clktimer *t)
{
	if (!t->on)
		return;
	t->on = false;
	clk_set_timer(t->clock, NULL, NULL);
	uv_close((uv_handle_t *)&t->timer, NULL);
}
