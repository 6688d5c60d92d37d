/*
 * test_util_log.c - log lines cannot be forged: control characters in a
 * message (a client's bind name with "\n2026-... info ...") become '?',
 * bytes from 0x80 up are kept.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test.h"
#include "util/log.h"

TEST(defang_controls)
{
	char s[] = "a\nb\rc\td\x1b[2J\x7f\xe9\xc3\xa9z";

	log_defang(s, sizeof(s) - 1);
	CHECK_STR(s, "a?b?c?d?[2J?\xe9\xc3\xa9z");
}

/* A whole log_msg: one line, whatever the message holds. */
TEST(log_line_stays_one_line)
{
	char path[] = "/tmp/ilsd-test-log.XXXXXX", buf[4096];
	int fd = mkstemp(path), saved = dup(STDERR_FILENO);
	ssize_t n;

	CHECK(fd >= 0 && saved >= 0);
	if (fd < 0 || saved < 0)
		return;
	dup2(fd, STDERR_FILENO);
	log_set_level(LOG_LVL_INFO);
	log_info("bind as \"%s\" failed", "x\n2026-01-01T00:00:00.000Z error forged");
	dup2(saved, STDERR_FILENO);
	close(saved);
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	close(fd);
	unlink(path);
	CHECK(n > 0);
	if (n <= 0)
		return;
	buf[n] = '\0';
	CHECK(strchr(buf, '\n') == buf + n - 1);
	CHECK(strstr(buf, "bind as \"x?2026-01-01T00:00:00.000Z error forged\" failed") != NULL);
}

int
main(void)
{
	RUN(defang_controls);
	RUN(log_line_stays_one_line);
	return test_summary();
}
