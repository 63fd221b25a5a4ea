/*
 * The one logging module: levels, printf-checked formats, stderr in the
 * foreground and syslog when daemonised.
 */
#ifndef TSYNC_LOG_H
#define TSYNC_LOG_H

#include <stdbool.h>

enum log_level { LOG_LVL_ERROR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

void log_open(const char *prog, bool use_syslog, enum log_level max);
void log_close(void);
/* Prefix each line written to stderr (not the journal's, not syslog's)
 * with the UTC time of day to the microsecond. */
void log_timestamps(bool on);
bool log_enabled(enum log_level level);
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_error(...) log_msg(LOG_LVL_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) \
	do { \
		if (log_enabled(LOG_LVL_DEBUG)) \
			log_msg(LOG_LVL_DEBUG, __VA_ARGS__); \
	} while (0)

#endif
