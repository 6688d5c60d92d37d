/*
 * log.h - leveled logging to stderr (or syslog when daemonised).
 * One write per line, so lines from the two event-loop threads never mix.
 */
#ifndef ILSD_LOG_H
#define ILSD_LOG_H

#include <stdbool.h>
#include <stddef.h>

enum log_level {
	LOG_LVL_ERROR = 0,
	LOG_LVL_WARN = 1,
	LOG_LVL_INFO = 2,
	LOG_LVL_DEBUG = 3,
	LOG_LVL_TRACE = 4,
};

extern int log_level_current;

/* "error", "warn", "info", "debug", "trace"; returns -1 if unknown. */
int log_level_parse(const char *s);
const char *log_level_name(int level);
void log_set_level(int level);
/* Send lines to syslog instead of stderr. */
void log_use_syslog(bool on);
/* Replaces control characters (< 0x20, 0x7f) in s[0..n) with '?' (log_msg does this). */
void log_defang(char *s, size_t n);

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
void log_msg(int level, const char *fmt, ...);

#define log_enabled(lvl) ((lvl) <= log_level_current)
#define log_error(...) log_msg(LOG_LVL_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...) do { if (log_enabled(LOG_LVL_INFO)) log_msg(LOG_LVL_INFO, __VA_ARGS__); } while (0)
#define log_debug(...) do { if (log_enabled(LOG_LVL_DEBUG)) log_msg(LOG_LVL_DEBUG, __VA_ARGS__); } while (0)
#define log_trace(...) do { if (log_enabled(LOG_LVL_TRACE)) log_msg(LOG_LVL_TRACE, __VA_ARGS__); } while (0)

#endif
