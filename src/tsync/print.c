/*
 * Printing helpers shared by `tsync query` and the control commands.
 */
#include <inttypes.h>
#include <stdio.h>

#include "print.h"

const char *print_secs(int64_t ns, bool with_plus, char buf[PRINT_SECS_LEN])
{
	const char *sign = ns < 0 ? "-" : with_plus ? "+" : "";
	uint64_t a = ns < 0 ? -(uint64_t)ns : (uint64_t)ns;

	snprintf(buf, PRINT_SECS_LEN, "%s%" PRIu64 ".%09" PRIu64, sign, a / 1000000000u,
		 a % 1000000000u);
	return buf;
}

const char *print_leap_name(uint8_t leap)
{
	static const char *const names[] = { "none", "insert", "delete", "unsynchronised" };

	return names[leap & 3];
}

void print_json_str(const char *key, const char *s, const char *after)
{
	printf("\"%s\":\"", key);
	for (; *s; s++)
		printf(*s == '"' || *s == '\\' ? "\\%c" : "%c", *s);
	printf("\"%s", after);
}
