/*
 * What tsync's renderers share: exact seconds from integer nanoseconds,
 * the leap indicator's name, a JSON string member, and errors, which
 * with --json are also a JSON object on standard output.
 */
#ifndef TSYNC_PRINT_H
#define TSYNC_PRINT_H

#include <stdbool.h>
#include <stdint.h>

#include "tsync/ntp_ts.h"

#define PRINT_SECS_LEN NTP_SECS_STRLEN

/* ns as seconds with nine decimals (ntp_secs_format); with_plus adds '+'
 * to positives. */
const char *print_secs(int64_t ns, bool with_plus, char buf[PRINT_SECS_LEN]);
const char *print_leap_name(uint8_t leap);
/* "key":"s" then after, s quoted as json_quote does. */
void print_json_str(const char *key, const char *s, const char *after);

/* --json anywhere in argv (before a "--") puts errors in JSON too. */
void print_json_errors(int argc, char **argv);
/* "who: message" on standard error; the last one is the JSON error. */
void print_err(const char *who, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* getopt_long's '?' or ':' (the option string starts with ':' and
 * opterr is 0, so that getopt itself says nothing) as print_err. */
void print_bad_option(const char *who, int c, char **argv);
/* The exit status, after {"error":{"message":"..."}} on standard output
 * when it is not 0 and errors are in JSON. */
int print_exit(int status);

#endif
