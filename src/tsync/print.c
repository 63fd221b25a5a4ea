/*
 * Printing helpers shared by `tsync query` and the control commands, and
 * the one way tsync reports an error, for people and for programs.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "json.h"
#include "print.h"

/* A program, not the core: one error state for the process. */
static bool json_errors;
static char last_error[512];

const char *print_secs(int64_t ns, bool with_plus, char buf[PRINT_SECS_LEN])
{
	return ntp_secs_format(ns, with_plus, buf);
}

const char *print_leap_name(uint8_t leap)
{
	static const char *const names[] = { "none", "insert", "delete", "unsynchronised" };

	return names[leap & 3];
}

void print_json_str(const char *key, const char *s, const char *after)
{
	json_quote(stdout, key);
	putchar(':');
	json_quote(stdout, s);
	fputs(after, stdout);
}

void print_json_errors(int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--json") == 0)
			json_errors = true;
}

void print_err(const char *who, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_error, sizeof(last_error), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s: %s\n", who, last_error);
}

void print_bad_option(const char *who, int c, char **argv)
{
	const char *arg = optind > 0 ? argv[optind - 1] : "?";

	if (c == ':')
		print_err(who, "option '%s' needs a value", arg);
	else if (optopt != 0)
		print_err(who, "unknown option '-%c'", optopt);
	else
		print_err(who, "unknown option '%s'", arg);
}

int print_exit(int status)
{
	struct json j;

	if (status == 0 || !json_errors)
		return status;
	fflush(stdout);
	json_begin(&j, stdout);
	json_object(&j, "error");
	json_string(&j, "message", last_error[0] ? last_error : "failed");
	json_end(&j);
	json_end(&j);
	return status;
}
