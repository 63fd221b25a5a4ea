/*
 * Logging for both programs. State is process-wide on purpose: there is
 * one stderr and one syslog connection per process.
 */
#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>

#include "log.h"

static const char *log_prog = "tsync";
static bool log_syslog;
static enum log_level log_max = LOG_LVL_INFO;

void log_open(const char *prog, bool use_syslog, enum log_level max)
{
	log_prog = prog;
	log_syslog = use_syslog;
	log_max = max;
	if (use_syslog)
		openlog(prog, LOG_PID, LOG_DAEMON);
}

void log_close(void)
{
	if (log_syslog)
		closelog();
}

bool log_enabled(enum log_level level)
{
	return level <= log_max;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
	static const char *const tag[] = { "error: ", "warning: ", "", "debug: " };
	char line[1024];
	va_list ap;

	if (!log_enabled(level))
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (log_syslog)
		syslog(prio[level], "%s%s", tag[level], line);
	else
		fprintf(stderr, "%s: %s%s\n", log_prog, tag[level], line);
}
