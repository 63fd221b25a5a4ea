/*
 * What tsync's printers share: exact seconds from integer nanoseconds,
 * the leap indicator's name, and a JSON string member.
 */
#ifndef TSYNC_PRINT_H
#define TSYNC_PRINT_H

#include <stdbool.h>
#include <stdint.h>

#define PRINT_SECS_LEN 32

/* ns as seconds with nine decimals; with_plus adds '+' to positives. */
const char *print_secs(int64_t ns, bool with_plus, char buf[PRINT_SECS_LEN]);
const char *print_leap_name(uint8_t leap);
/* "key":"s" then after; s is printable ASCII, of which only '"' and '\'
 * need escaping. */
void print_json_str(const char *key, const char *s, const char *after);

#endif
