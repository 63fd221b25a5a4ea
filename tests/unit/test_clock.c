/*
 * The clock backends, with reads only against the host's clock: readonly
 * refuses every change, system's changes are checked as the requests it
 * would make (never made here), and sim changes only itself.
 */
#include "unit.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock_host.h"
#include "tsync/clock.h"
#include "tsync/ntp_ts.h"

#define S INT64_C(1000000000)
#define MS INT64_C(1000000)

static int64_t host_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return ntp_ns_from_timespec(&ts);
}

/* Read c between two readings of the host and return the bounds. */
static int64_t read_between(struct clk *c, int64_t *before, int64_t *after)
{
	int64_t t;
	*before = host_now();
	ck_assert_int_eq(clk_read(c, &t), 0);
	*after = host_now();
	return t;
}

START_TEST(readonly_reads_and_refuses)
{
	struct clk *c;
	struct clk_status st;
	int64_t lo, hi;
	ck_assert_int_eq(clk_readonly_new(&c), 0);
	ck_assert_str_eq(clk_name(c), "readonly");
	int64_t t = read_between(c, &lo, &hi);
	ck_assert(t >= lo && t <= hi);
	ck_assert_int_eq(clk_step(c, S), -EPERM);
	ck_assert_int_eq(clk_slew(c, MS), -EPERM);
	ck_assert_int_eq(clk_set_freq(c, 1.0), -EPERM);
	ck_assert_int_eq(clk_set_sync(c, true, MS, MS), -EPERM);
	ck_assert_int_eq(clk_status(c, &st), 0);
	ck_assert(!st.can_adjust);
	ck_assert(c->precision >= -32 && c->precision <= -6);
	clk_destroy(c);
}
END_TEST

/* CAP_SYS_TIME in this process's effective set, as /proc shows it. */
static bool proc_has_cap_sys_time(void)
{
	char line[256];
	unsigned long long caps = 0;
	FILE *f = fopen("/proc/self/status", "r");
	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "CapEff: %llx", &caps) == 1)
			break;
	fclose(f);
	return caps & (1ULL << 25); /* CAP_SYS_TIME */
}

/* Only reads: the host's clock is never changed by a test. */
START_TEST(system_reads)
{
	struct clk *c;
	struct clk_status st;
	struct timex tx = { .modes = 0 };
	int64_t lo, hi;
	ck_assert_int_eq(clk_system_new(&c), 0);
	ck_assert_str_eq(clk_name(c), "system");
	int64_t t = read_between(c, &lo, &hi);
	ck_assert(t >= lo && t <= hi);
	ck_assert_int_eq(clk_status(c, &st), 0);
	ck_assert(st.can_adjust == proc_has_cap_sys_time());
	ck_assert_int_ge(adjtimex(&tx), 0);
	ck_assert(st.freq_ppm == (double)tx.freq / 65536.0);
	ck_assert(st.synced == !(tx.status & STA_UNSYNC));
	ck_assert_int_eq(st.tick, tx.tick);
	/* Made and never changed: no slew of ours, and the kernel left as
	 * found when destroyed. */
	ck_assert_int_eq(st.slew_remaining, 0);
	ck_assert(st.slew_ppm == 0);
	ck_assert_int_eq(st.slewed, 0);
	ck_assert_int_eq(clk_poll(c), 0);
	clk_destroy(c);
}
END_TEST

START_TEST(system_step_request)
{
	struct timex tx;
	clk_host_step_timex(1500 * MS, &tx);
	ck_assert_int_eq(tx.modes, ADJ_SETOFFSET | ADJ_NANO);
	ck_assert_int_eq(tx.time.tv_sec, 1);
	ck_assert_int_eq(tx.time.tv_usec, 500 * MS);
	/* -0.25 s is -1 s + 0.75 s: the kernel wants 0 <= ns < 1e9. */
	clk_host_step_timex(-250 * MS, &tx);
	ck_assert_int_eq(tx.time.tv_sec, -1);
	ck_assert_int_eq(tx.time.tv_usec, 750 * MS);
	clk_host_step_timex(-2 * S, &tx);
	ck_assert_int_eq(tx.time.tv_sec, -2);
	ck_assert_int_eq(tx.time.tv_usec, 0);
	clk_host_step_timex(-1, &tx);
	ck_assert_int_eq(tx.time.tv_sec, -1);
	ck_assert_int_eq(tx.time.tv_usec, S - 1);
}
END_TEST

START_TEST(system_read_request)
{
	struct timex tx = { .modes = ADJ_TICK, .tick = 1, .freq = 2 };
	clk_host_read_timex(&tx);
	ck_assert_int_eq(tx.modes, 0);
	ck_assert_int_eq(tx.tick, 0);
	ck_assert_int_eq(tx.freq, 0);
}
END_TEST

START_TEST(system_freq_units)
{
	ck_assert_int_eq(clk_host_freq_units(-49.5), -49 * 65536 - 32768);
	ck_assert_int_eq(clk_host_freq_units(800.0), 500 * 65536);
	ck_assert_int_eq(clk_host_freq_units(-501.0), -500 * 65536);
	ck_assert_int_eq(clk_host_freq_units(1.0 / 65536), 1);
}
END_TEST

/* A frequency and a slew's rate together: the tick in whole 100 ppm, the
 * frequency the rest, both set in one request. */
START_TEST(system_rate_request)
{
	struct timex tx;
	/* -49.5 ppm alone: tick nominal (a foreign tick is reset). */
	ck_assert_int_eq(clk_host_rate_timex(-49 * 65536 - 32768, &tx), 0);
	ck_assert_int_eq(tx.modes, ADJ_TICK | ADJ_FREQUENCY);
	ck_assert_int_eq(tx.tick, 10000);
	ck_assert_int_eq(tx.freq, -49 * 65536 - 32768);
	/* plus a slew at 83,333.333 ppm (5461333333 units): 83,283.833 ppm
	 * is tick 10833 (+83,300 ppm) and -16.167 ppm. */
	int64_t total = -49 * 65536 - 32768 + INT64_C(5461333333);
	ck_assert_int_eq(clk_host_rate_timex(total, &tx), 0);
	ck_assert_int_eq(tx.tick, 10833);
	ck_assert_int_eq(tx.freq, -1059499);
	ck_assert(clk_host_freq_of(&tx, INT64_C(5461333333)) == -49.5);
	/* slewing back at that rate with +500 ppm */
	total = 500 * 65536 - INT64_C(5461333333);
	ck_assert_int_eq(clk_host_rate_timex(total, &tx), 0);
	ck_assert_int_eq(tx.tick, 9172);
	ck_assert_int_eq(tx.freq, total - INT64_C(-828) * 6553600);
	ck_assert(tx.freq >= -50 * 65536 && tx.freq <= 50 * 65536);
	/* The kernel's bounds, 9000..11000: +-100,000 ppm is within (a
	 * tick of 11000 or 9000, no frequency), 100,050 not (the tick
	 * rounds to 11001); the fastest slew needs 83,833 ppm at most. */
	ck_assert_int_eq(clk_host_rate_timex(INT64_C(100000) * 65536, &tx), 0);
	ck_assert_int_eq(tx.tick, 11000);
	ck_assert_int_eq(tx.freq, 0);
	ck_assert_int_eq(clk_host_rate_timex(INT64_C(-100000) * 65536, &tx), 0);
	ck_assert_int_eq(tx.tick, 9000);
	ck_assert_int_eq(clk_host_rate_timex(INT64_C(100050) * 65536, &tx), -ERANGE);
	ck_assert_int_eq(clk_host_rate_timex(INT64_C(-100050) * 65536, &tx), -ERANGE);
}
END_TEST

START_TEST(system_sync_request)
{
	struct timex tx;
	clk_host_sync_timex(STA_UNSYNC | STA_PLL | STA_INS, true, 2500 * 1000, 1999, &tx);
	ck_assert_int_eq(tx.modes, ADJ_STATUS | ADJ_MAXERROR | ADJ_ESTERROR);
	/* Synchronised, the kernel's PLL off, a pending leap kept. */
	ck_assert_int_eq(tx.status, STA_INS);
	ck_assert_int_eq(tx.maxerror, 2500);
	ck_assert_int_eq(tx.esterror, 1);
	clk_host_sync_timex(STA_FLL, false, 0, 0, &tx);
	ck_assert_int_eq(tx.status, STA_UNSYNC);
}
END_TEST

START_TEST(system_leap_request)
{
	struct timex tx;
	clk_host_leap_timex(STA_UNSYNC | STA_PLL, 1, &tx);
	ck_assert_int_eq(tx.modes, ADJ_STATUS);
	/* The kernel's PLL off as set_sync does, UNSYNC kept, STA_INS on. */
	ck_assert_int_eq(tx.status, STA_UNSYNC | STA_INS);
	clk_host_leap_timex(STA_INS, -1, &tx);
	ck_assert_int_eq(tx.status, STA_DEL);
	clk_host_leap_timex(STA_INS | STA_DEL | STA_NANO, 0, &tx);
	ck_assert_int_eq(tx.status, STA_NANO);
}
END_TEST

START_TEST(readonly_refuses_leap)
{
	struct clk *c;
	ck_assert_int_eq(clk_readonly_new(&c), 0);
	ck_assert_int_eq(clk_set_leap(c, 1), -EPERM);
	clk_destroy(c);
}
END_TEST

START_TEST(sim_start_and_leap)
{
	struct clk *c;
	int64_t lo, hi;
	/* 2026-12-31T23:59:59.5Z: the inserted second follows half a second on. */
	int64_t start = INT64_C(1798761599) * S + 500 * MS;
	ck_assert_int_eq(clk_sim_new_at(&c, start, 0.0), 0);
	ck_assert_int_eq(clk_set_leap(c, 1), 0);
	int64_t t = read_between(c, &lo, &hi);
	ck_assert(t >= start && t < start + 400 * MS);
	usleep(700000);
	/* Past midnight on the host's timescale, 23:59:60 on ours. */
	t = read_between(c, &lo, &hi);
	ck_assert(t >= start - 300 * MS && t < start + 300 * MS);
	clk_destroy(c);
}
END_TEST

START_TEST(sim_offset_and_step)
{
	struct clk *c;
	int64_t lo, hi;
	ck_assert_int_eq(clk_sim_new(&c, 1500 * MS, 0.0), 0);
	ck_assert_str_eq(clk_name(c), "sim");
	int64_t t = read_between(c, &lo, &hi);
	ck_assert(t >= lo + 1500 * MS && t <= hi + 1500 * MS);
	ck_assert_int_eq(clk_step(c, -2 * S), 0);
	t = read_between(c, &lo, &hi);
	ck_assert(t >= lo - 500 * MS && t <= hi - 500 * MS);
	clk_destroy(c);
}
END_TEST

START_TEST(sim_status)
{
	struct clk *c;
	struct clk_status st;
	ck_assert_int_eq(clk_sim_new(&c, 0, 0.0), 0);
	ck_assert_int_eq(clk_set_freq(c, -12.5), 0);
	ck_assert_int_eq(clk_slew(c, 10 * S), 0);
	ck_assert_int_eq(clk_status(c, &st), 0);
	ck_assert(st.can_adjust);
	ck_assert(st.freq_ppm == -12.5);
	/* 10 s at 500 ppm takes hours: nearly all of it is still to come. */
	ck_assert(st.slew_remaining > 9 * S && st.slew_remaining <= 10 * S);
	ck_assert(st.slew_ppm == 500.0);
	ck_assert_int_eq(st.tick, 10005); /* 487.5 ppm: 5 ticks, -12.5 ppm */
	ck_assert(!st.synced);
	ck_assert_int_eq(clk_set_sync(c, true, MS, MS), 0);
	ck_assert_int_eq(clk_status(c, &st), 0);
	ck_assert(st.synced);
	clk_destroy(c);
}
END_TEST

/* What the clock asks of its timer, kept for the test. */
static int64_t armed_ns = -2;
static int armed_calls;

static void record_arm(void *arg, int64_t after_ns)
{
	ck_assert_ptr_eq(arg, &armed_ns);
	armed_ns = after_ns;
	armed_calls++;
}

/* The sim clock slews as the system clock does: up to 83,333 ppm, on
 * until its timer fires; a slew shows in status (rate, what is left, what
 * was slewed, the tick the kernel would have), asks for a timer and is
 * ended at the poll. */
START_TEST(sim_fast_slew_and_timer)
{
	struct clk *c;
	struct clk_status st;
	ck_assert_int_eq(clk_sim_new(&c, 0, 0.0), 0);
	armed_calls = 0;
	clk_set_timer(c, record_arm, &armed_ns);
	ck_assert_int_eq(armed_calls, 1);
	ck_assert_int_eq(armed_ns, -1); /* nothing to end */
	ck_assert_int_eq(clk_slew_at(c, 0, 0.0), -EINVAL);
	ck_assert_int_eq(clk_slew_at(c, 100 * MS, 1e6), 0);
	ck_assert_int_eq(armed_calls, 2);
	/* 100 ms at 83,333.333 ppm: 1.2 s */
	ck_assert(armed_ns > S && armed_ns <= 1200 * MS + 1);
	ck_assert_int_eq(clk_status(c, &st), 0);
	ck_assert(st.slew_ppm == 5461333333.0 / 65536);
	ck_assert_int_eq(st.tick, 10833);
	ck_assert(st.slew_remaining > 0 && st.slew_remaining <= 100 * MS);
	ck_assert_int_eq(st.slewed, 100 * MS - st.slew_remaining);
	/* Too early: the timer is armed again for the rest. */
	ck_assert_int_eq(clk_poll(c), 0);
	ck_assert_int_eq(armed_calls, 3);
	ck_assert(armed_ns > S / 2 && armed_ns <= 1200 * MS);
	ck_assert_int_eq(clk_set_freq(c, 900.0), 0); /* the kernel's bound */
	ck_assert_int_eq(clk_status(c, &st), 0);
	ck_assert(st.freq_ppm == 500.0);
	ck_assert(st.slew_ppm > 83333);
	clk_set_timer(c, NULL, NULL);
	clk_destroy(c);
}
END_TEST

static Suite *clock_suite(void)
{
	Suite *s = suite_create("clock");
	TCase *tc = tcase_create("backends");
	tcase_add_test(tc, readonly_reads_and_refuses);
	tcase_add_test(tc, system_reads);
	tcase_add_test(tc, system_step_request);
	tcase_add_test(tc, system_read_request);
	tcase_add_test(tc, system_freq_units);
	tcase_add_test(tc, system_rate_request);
	tcase_add_test(tc, system_sync_request);
	tcase_add_test(tc, system_leap_request);
	tcase_add_test(tc, readonly_refuses_leap);
	tcase_add_test(tc, sim_start_and_leap);
	tcase_add_test(tc, sim_offset_and_step);
	tcase_add_test(tc, sim_status);
	tcase_add_test(tc, sim_fast_slew_and_timer);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(clock_suite());
}
