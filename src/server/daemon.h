/*
 * daemon.h - process matters: detaching from the terminal, the pid file,
 * the open-file limit.
 */
#ifndef ILSD_SERVER_DAEMON_H
#define ILSD_SERVER_DAEMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * Forks into the background.  The parent waits until the child reports
 * (daemon_report) and exits with the status the child reported, so the
 * shell that started ilsd sees start-up failures.  Returns the report
 * descriptor in the child, -1 on failure (in the parent, before forking).
 */
int daemon_detach(char *err, size_t errlen);
/* Reports start-up status to the waiting parent; on 0, stdio goes to /dev/null. */
void daemon_report(int fd, int status);

/* Creates and locks the pid file; *fd stays open (holds the lock) until pidfile_remove. */
int pidfile_create(const char *path, int *fd, char *err, size_t errlen);
void pidfile_remove(const char *path, int fd);

/* Raises the soft RLIMIT_NOFILE to the hard limit, logs and returns it (0 if unknown). */
uint64_t raise_nofile_limit(void);

/* Replaces a relative path by an absolute one (the daemon changes to /). */
int make_absolute(char **path);

/*
 * Running as an unprivileged user (config user, group): the IDs are
 * looked up at start-up, so a typo is a configuration error, and taken
 * once the listeners are bound.  An empty user means "stay as started".
 */
typedef struct privs {
	bool change;
	uid_t uid;
	gid_t gid;
} privs;

int privs_lookup(const char *user, const char *group, privs *out, char *err, size_t errlen);
/* Drops root for good (setgroups, setgid, setuid; checked). */
int privs_drop(const privs *p, char *err, size_t errlen);

#endif
