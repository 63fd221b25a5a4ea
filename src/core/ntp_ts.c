/*
 * NTP timestamp arithmetic: conversion between Unix nanoseconds and the
 * 64-bit and 32-bit NTP formats, with the era resolved against a reference.
 */
#include <inttypes.h>
#include <stdio.h>

#include "tsync/ntp_ts.h"

#define FRAC_ONE (UINT64_C(1) << 32)

/* Floor division and modulo for a positive divisor. */
static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && a < 0) ? q - 1 : q;
}

ntp_ts_t ntp_ts_from_ns(int64_t unix_ns)
{
	int64_t sec = floor_div(unix_ns, NTP_TS_NS_PER_S);
	uint64_t ns = (uint64_t)(unix_ns - sec * NTP_TS_NS_PER_S);
	/* No carry into the seconds is possible: the largest ns, 999999999,
	 * is 0.12 units below 2^32 and rounds to 0xfffffffc. */
	uint64_t frac = (ns * FRAC_ONE + NTP_TS_NS_PER_S / 2) / NTP_TS_NS_PER_S;
	/* Truncating to 32 bits drops the era, as the wire format does. */
	uint32_t s = (uint32_t)(uint64_t)(sec + NTP_TS_UNIX_OFFSET);
	ntp_ts_t ts = ((uint64_t)s << 32) | frac;
	return ts != 0 ? ts : 1;
}

int64_t ntp_ts_to_ns(ntp_ts_t ts, int64_t ref_ns)
{
	/* The wire value is only known modulo one era (2^32 s); take the
	 * candidate within half an era of the reference. */
	const int64_t era = (INT64_C(1) << 32) * NTP_TS_NS_PER_S;
	uint64_t frac = ts & (FRAC_ONE - 1);
	int64_t in_era = (int64_t)(ts >> 32) * NTP_TS_NS_PER_S +
			 (int64_t)((frac * NTP_TS_NS_PER_S + FRAC_ONE / 2) >> 32);
	int64_t ref_in_era = ref_ns + NTP_TS_UNIX_OFFSET * NTP_TS_NS_PER_S;
	ref_in_era -= floor_div(ref_in_era, era) * era;
	int64_t d = in_era - ref_in_era; /* in (-era, era) */
	if (d >= era / 2)
		d -= era;
	else if (d < -era / 2)
		d += era;
	return ref_ns + d;
}

bool ntp_ts_is_zero(ntp_ts_t ts)
{
	return ts == 0;
}

int64_t ntp_ts_diff_ns(ntp_ts_t a, ntp_ts_t b)
{
	int64_t d = (int64_t)(a - b); /* 32.32 fixed point, signed */
	int64_t sec = d >> 32;        /* arithmetic shift: floor */
	uint64_t frac = (uint64_t)d & (FRAC_ONE - 1);
	int64_t ns = (int64_t)((frac * NTP_TS_NS_PER_S + FRAC_ONE / 2) >> 32);
	return sec * NTP_TS_NS_PER_S + ns;
}

uint32_t ntp_short_from_ns(int64_t ns)
{
	if (ns <= 0)
		return 0;
	if (ns >= INT64_C(65536) * NTP_TS_NS_PER_S)
		return UINT32_MAX;
	uint64_t v = ((uint64_t)ns * 65536 + NTP_TS_NS_PER_S / 2) / NTP_TS_NS_PER_S;
	return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

int64_t ntp_short_to_ns(uint32_t s)
{
	return (int64_t)(((uint64_t)s * NTP_TS_NS_PER_S + 32768) >> 16);
}

int64_t ntp_ns_from_timespec(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * NTP_TS_NS_PER_S + ts->tv_nsec;
}

struct timespec ntp_timespec_from_ns(int64_t ns)
{
	int64_t sec = floor_div(ns, NTP_TS_NS_PER_S);
	struct timespec ts = { .tv_sec = (time_t)sec, .tv_nsec = (long)(ns - sec * NTP_TS_NS_PER_S) };
	return ts;
}

/* Whether 2^p seconds >= ns, compared exactly in integers: rounding
 * 2^p s to whole nanoseconds first would misplace the boundaries. */
static bool pow2_covers(int p, int64_t ns)
{
	if (ns <= 0)
		return true;
	if (p >= 0)
		return (NTP_TS_NS_PER_S << p) >= ns;
	/* 2^p s >= ns  <=>  ns * 2^-p <= 1 s; ns <= 1 s keeps it in range. */
	return ns <= NTP_TS_NS_PER_S && (ns << -p) <= NTP_TS_NS_PER_S;
}

int8_t ntp_precision_from_ns(int64_t ns)
{
	int p = -32;
	while (p < 31 && !pow2_covers(p, ns))
		p++;
	return (int8_t)p;
}

int64_t ntp_precision_to_ns(int8_t p)
{
	/* Out-of-range exponents saturate to the nearest one in -32..31. */
	if (p < -32)
		p = -32;
	if (p > 31)
		p = 31;
	if (p >= 0)
		return NTP_TS_NS_PER_S << p;
	/* Round up, so that a precision is never reported better than it is. */
	uint64_t one = UINT64_C(1) << -p;
	return (int64_t)((NTP_TS_NS_PER_S + one - 1) / one);
}

char *ntp_ts_format(int64_t unix_ns, char *buf, int len)
{
	if (len <= 0)
		return buf; /* (size_t)len would turn a negative into a huge size */
	struct timespec ts = ntp_timespec_from_ns(unix_ns);
	struct tm tm;
	if (gmtime_r(&ts.tv_sec, &tm) == NULL) {
		snprintf(buf, (size_t)len, "(out of range)");
		return buf;
	}
	snprintf(buf, (size_t)len, "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec);
	return buf;
}

char *ntp_secs_format(int64_t ns, bool plus, char buf[NTP_SECS_STRLEN])
{
	uint64_t m = ns < 0 ? -(uint64_t)ns : (uint64_t)ns;

	snprintf(buf, NTP_SECS_STRLEN, "%s%" PRIu64 ".%09" PRIu64, ns < 0 ? "-" : plus ? "+" : "",
		 m / 1000000000u, m % 1000000000u);
	return buf;
}
