/*
 * NTP timestamps: the 64-bit wire format (RFC 5905 §6), the 32-bit short
 * format, and their conversion to int64 nanoseconds since the Unix epoch.
 * All era handling lives here; everything else works in nanoseconds.
 */
#ifndef TSYNC_NTP_TS_H
#define TSYNC_NTP_TS_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#define NTP_TS_NS_PER_S INT64_C(1000000000)
/* Seconds from the NTP prime epoch (1900-01-01) to the Unix epoch. */
#define NTP_TS_UNIX_OFFSET INT64_C(2208988800)

/* Wire timestamp: seconds (era-relative) in the high 32 bits, fraction low. */
typedef uint64_t ntp_ts_t;

/* Unix nanoseconds to wire format, rounded to the nearest 2^-32 s.
 * The era is dropped (as on the wire). 0 means "unknown", so the one
 * instant that encodes to 0 is nudged to 1 (an error of 0.23 ns). */
ntp_ts_t ntp_ts_from_ns(int64_t unix_ns);

/* Wire format to Unix nanoseconds, choosing the era that puts the result
 * within +-2^31 s (68 years) of ref_ns, as RFC 5905 §6 prescribes. */
int64_t ntp_ts_to_ns(ntp_ts_t ts, int64_t ref_ns);

/* True when a timestamp is "unknown" (all zero). */
bool ntp_ts_is_zero(ntp_ts_t ts);

/* a - b in nanoseconds using modular arithmetic, correct across an era
 * boundary when |a - b| < 68 years. */
int64_t ntp_ts_diff_ns(ntp_ts_t a, ntp_ts_t b);

/* 32-bit short format (16.16 seconds) used for root delay and dispersion.
 * Negative input gives 0; values beyond 65535.99998 s saturate. */
uint32_t ntp_short_from_ns(int64_t ns);
int64_t ntp_short_to_ns(uint32_t s);

/* struct timespec <-> Unix nanoseconds. */
int64_t ntp_ns_from_timespec(const struct timespec *ts);
struct timespec ntp_timespec_from_ns(int64_t ns);

/* log2 precision (as in the packet's precision field) of a clock whose
 * reading granularity or cost is ns: the smallest p with 2^p s >= ns. */
int8_t ntp_precision_from_ns(int64_t ns);
/* 2^p seconds in nanoseconds (p from -32 to 31, saturating). */
int64_t ntp_precision_to_ns(int8_t p);

/* Format Unix ns as "YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ" (UTC) into buf
 * (at least NTP_TS_STRLEN bytes). Returns buf. */
#define NTP_TS_STRLEN 40
char *ntp_ts_format(int64_t unix_ns, char *buf, int len);
/* ns as seconds with exactly nine decimals, "-0.000000007"; plus puts
 * '+' before a positive or zero value (text), never in JSON. The one
 * formatter of offsets and durations, for tsync's output and tsyncd's
 * logs alike. Returns buf. */
#define NTP_SECS_STRLEN 32
char *ntp_secs_format(int64_t ns, bool plus, char buf[NTP_SECS_STRLEN]);

#endif
