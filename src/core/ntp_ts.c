/*
 * NTP timestamp arithmetic: conversion between Unix nanoseconds and the
 * 64-bit and 32-bit NTP formats, with the era resolved against a reference.
 */
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
	uint64_t frac = (ns * FRAC_ONE + NTP_TS_NS_PER_S / 2) / NTP_TS_NS_PER_S;
	if (frac == FRAC_ONE) {
		frac = 0;
		sec++;
	}
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

int8_t ntp_precision_from_ns(int64_t ns)
{
	int8_t p = -32;
	/* 2^p seconds in ns, compared in fixed point to avoid floating point. */
	while (p < 31 && ntp_precision_to_ns(p) < ns)
		p++;
	return p;
}

int64_t ntp_precision_to_ns(int8_t p)
{
	if (p < -32)
		p = -32;
	if (p >= 0)
		return p > 31 ? INT64_MAX : NTP_TS_NS_PER_S << p;
	/* Round up, so that a precision is never reported better than it is. */
	uint64_t one = UINT64_C(1) << -p;
	return (int64_t)((NTP_TS_NS_PER_S + one - 1) / one);
}

char *ntp_ts_format(int64_t unix_ns, char *buf, int len)
{
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
