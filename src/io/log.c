/*
 * Logging for both programs. State is process-wide on purpose: there is
 * one stderr and one syslog connection per process. When stderr is the
 * journal's stream, each line carries its priority as sd-daemon's <N>.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static const char *log_prog = "tsync";
static bool log_syslog;
static enum log_level log_max = LOG_LVL_INFO;
static bool log_journal; /* stderr is journald's stream: prefix <N> */
static bool log_stamps;  /* tsyncd -T: the time of day before each stderr line */

/* systemd sets JOURNAL_STREAM to "DEV:INO" of the stream it connected to
 * stderr; it only counts while stderr is still that stream (not redirected
 * by a shell in between). */
static bool stderr_is_journal(void)
{
	const char *env = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	char end;

	if (env == NULL || sscanf(env, "%llu:%llu%c", &dev, &ino, &end) != 2)
		return false;
	return fstat(STDERR_FILENO, &st) == 0 && (unsigned long long)st.st_dev == dev &&
	       (unsigned long long)st.st_ino == ino;
}

void log_open(const char *prog, bool use_syslog, enum log_level max)
{
	log_prog = prog;
	log_syslog = use_syslog;
	log_max = max;
	log_journal = !use_syslog && stderr_is_journal();
	if (use_syslog)
		openlog(prog, LOG_PID, LOG_DAEMON);
}

void log_timestamps(bool on)
{
	log_stamps = on;
}

/* "2026-12-04T18:00:00.123456Z ", the wall clock (the host's, not a sim
 * clock's), so that the logs of several daemons line up; "" when off or
 * under the journal, which stamps lines itself. */
static const char *log_stamp(char buf[40])
{
	struct timespec ts;
	struct tm tm;
	char day[24];
	buf[0] = '\0';
	if (!log_stamps || log_journal || clock_gettime(CLOCK_REALTIME, &ts) < 0 ||
	    gmtime_r(&ts.tv_sec, &tm) == NULL)
		return buf;
	strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, 40, "%.20s.%06dZ ", day, (int)(ts.tv_nsec / 1000) % 1000000);
	return buf;
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
	char line[1024], stamp[40];
	va_list ap;

	if (!log_enabled(level))
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (log_syslog)
		syslog(prio[level], "%s%s", tag[level], line);
	else if (log_journal)
		fprintf(stderr, "<%d>%s: %s%s\n", prio[level], log_prog, tag[level], line);
	else
		fprintf(stderr, "%s%s: %s%s\n", log_stamp(stamp), log_prog, tag[level], line);
}
