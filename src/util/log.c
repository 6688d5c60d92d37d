#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

int log_level_current = LOG_LVL_INFO;
static bool use_syslog;

static const char *const level_names[] = { "error", "warn", "info", "debug", "trace" };

int
log_level_parse(const char *s)
{
	for (int i = 0; i < (int)(sizeof(level_names) / sizeof(level_names[0])); i++)
		if (strcmp(s, level_names[i]) == 0)
			return i;
	return -1;
}

const char *
log_level_name(int level)
{
	if (level < 0 || level > LOG_LVL_TRACE)
		return "?";
	return level_names[level];
}

void
log_set_level(int level)
{
	log_level_current = level;
}

void
log_use_syslog(bool on)
{
	if (on && !use_syslog)
		openlog("ilsd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	use_syslog = on;
}

/*
 * Messages quote what clients send (bind names, DNs, OIDs): a control
 * character in them could forge log lines or drive a terminal, so each
 * becomes '?'.  Bytes from 0x80 up (UTF-8, Latin-1) are left alone.
 */
void
log_defang(char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			s[i] = '?';
}

void
log_msg(int level, const char *fmt, ...)
{
	char line[2048];
	size_t n = 0;
	va_list ap;

	if (level > log_level_current)
		return;
	if (!use_syslog) {
		struct timespec ts;
		struct tm tm;
		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		n = strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%S", &tm);
		n += (size_t)snprintf(line + n, sizeof(line) - n, ".%03ldZ %-5s ",
		    ts.tv_nsec / 1000000, level_names[level]);
	}
	va_start(ap, fmt);
	int m = vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	va_end(ap);
	if (m < 0)
		return;
	size_t start = n;
	n += (size_t)m;
	if (n > sizeof(line) - 2)
		n = sizeof(line) - 2;
	log_defang(line + start, n - start);
	if (use_syslog) {
		static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG, LOG_DEBUG };
		line[n] = '\0';
		syslog(prio[level], "%s", line);
		return;
	}
	line[n++] = '\n';
	/* One write(2) per line keeps lines from different threads whole. */
	ssize_t w = write(STDERR_FILENO, line, n);
	(void)w;
}
