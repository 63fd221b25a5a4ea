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
	/* adjtime's slews are whole microseconds. */
	ck_assert_int_eq(st.slew_remaining % 1000, 0);
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

START_TEST(system_slew_request)
{
	struct timex tx;
	ck_assert_int_eq(clk_host_slew_timex(-12345678, &tx), 0);
	ck_assert_int_eq(tx.modes, ADJ_OFFSET_SINGLESHOT);
	ck_assert_int_eq(tx.offset, -12346); /* us, rounded */
	ck_assert_int_eq(clk_host_slew_timex(499, &tx), 0);
	ck_assert_int_eq(tx.offset, 0);
	ck_assert_int_eq(clk_host_slew_timex(CLK_HOST_MAX_SLEW, &tx), 0);
	ck_assert_int_eq(tx.offset, 2000000000L);
	ck_assert_int_eq(clk_host_slew_timex(CLK_HOST_MAX_SLEW + 1, &tx), -ERANGE);
	ck_assert_int_eq(clk_host_slew_timex(-CLK_HOST_MAX_SLEW - 1, &tx), -ERANGE);
}
END_TEST

START_TEST(system_freq_request)
{
	struct timex tx;
	clk_host_freq_timex(-49.5, &tx);
	ck_assert_int_eq(tx.modes, ADJ_FREQUENCY);
	ck_assert_int_eq(tx.freq, -49 * 65536 - 32768);
	clk_host_freq_timex(800.0, &tx);
	ck_assert_int_eq(tx.freq, 500 * 65536);
	clk_host_freq_timex(-501.0, &tx);
	ck_assert_int_eq(tx.freq, -500 * 65536);
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
	ck_assert(!st.synced);
	ck_assert_int_eq(clk_set_sync(c, true, MS, MS), 0);
	ck_assert_int_eq(clk_status(c, &st), 0);
	ck_assert(st.synced);
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
	tcase_add_test(tc, system_slew_request);
	tcase_add_test(tc, system_freq_request);
	tcase_add_test(tc, system_sync_request);
	tcase_add_test(tc, system_leap_request);
	tcase_add_test(tc, readonly_refuses_leap);
	tcase_add_test(tc, sim_start_and_leap);
	tcase_add_test(tc, sim_offset_and_step);
	tcase_add_test(tc, sim_status);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(clock_suite());
}
