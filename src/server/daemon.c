/*
 * daemon.c - detaching, pid file and resource limits.
 */
#include "server/daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/log.h"

int
daemon_detach(char *err, size_t errlen)
{
	int pipefd[2];
	pid_t pid;
	unsigned char status;
	ssize_t n;

	if (pipe2(pipefd, O_CLOEXEC) != 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		return -1;
	}
	if (pid > 0) {
		/* Parent: wait for the child's verdict on its start-up. */
		close(pipefd[1]);
		do
			n = read(pipefd[0], &status, 1);
		while (n < 0 && errno == EINTR);
		_exit(n == 1 ? status : 2);
	}
	close(pipefd[0]);
	if (setsid() < 0) {
		snprintf(err, errlen, "setsid: %s", strerror(errno));
		daemon_report(pipefd[1], 2);
		return -1;
	}
	if (chdir("/") != 0) {
		snprintf(err, errlen, "chdir /: %s", strerror(errno));
		daemon_report(pipefd[1], 2);
		return -1;
	}
	umask(027);
	return pipefd[1];
}

void
daemon_report(int fd, int status)
{
	unsigned char b = (unsigned char)status;
	ssize_t n;

	if (fd < 0)
		return;
	if (status == 0) {
		int null = open("/dev/null", O_RDWR);
		if (null >= 0) {
			dup2(null, STDIN_FILENO);
			dup2(null, STDOUT_FILENO);
			dup2(null, STDERR_FILENO);
			if (null > STDERR_FILENO)
				close(null);
		}
		log_use_syslog(true);
	}
	do
		n = write(fd, &b, 1);
	while (n < 0 && errno == EINTR);
	close(fd);
}

int
pidfile_create(const char *path, int *fdp, char *err, size_t errlen)
{
	char buf[32];
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	int n;

	if (fd < 0) {
		snprintf(err, errlen, "pid-file %s: %s", path, strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		snprintf(err, errlen, "pid-file %s is locked: is another ilsd running?", path);
		close(fd);
		return -1;
	}
	n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) != 0 || write(fd, buf, (size_t)n) != n) {
		snprintf(err, errlen, "pid-file %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	*fdp = fd;
	return 0;
}

void
pidfile_remove(const char *path, int fd)
{
	if (fd < 0)
		return;
	unlink(path);
	close(fd);
}

uint64_t
raise_nofile_limit(void)
{
	struct rlimit rl;
	rlim_t before;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0) {
		log_warn("getrlimit(RLIMIT_NOFILE): %s", strerror(errno));
		return 0;
	}
	before = rl.rlim_cur;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
			log_warn("cannot raise the open-file limit from %llu to %llu: %s",
			    (unsigned long long)before, (unsigned long long)rl.rlim_max,
			    strerror(errno));
			return (uint64_t)before;
		}
	}
	log_info("open-file limit %llu (was %llu, hard limit %llu)",
	    (unsigned long long)rl.rlim_cur, (unsigned long long)before,
	    (unsigned long long)rl.rlim_max);
	return (uint64_t)rl.rlim_cur;
}

int
make_absolute(char **path)
{
	char cwd[PATH_MAX], *abs;
	size_t need;

	if (*path == NULL || (*path)[0] == '\0' || (*path)[0] == '/')
		return 0;
	if (getcwd(cwd, sizeof(cwd)) == NULL)
		return -1;
	need = strlen(cwd) + strlen(*path) + 2;
	abs = malloc(need);
	if (abs == NULL)
		return -1;
	snprintf(abs, need, "%s/%s", cwd, *path);
	free(*path);
	*path = abs;
	return 0;
}

int
privs_lookup(const char *user, const char *group, privs *out, char *err, size_t errlen)
{
	struct passwd *pw;
	struct group *gr;

	memset(out, 0, sizeof(*out));
	if (user == NULL || user[0] == '\0')
		return 0;
	errno = 0;
	if ((pw = getpwnam(user)) == NULL) {
		snprintf(err, errlen, "user: no user named \"%s\"", user);
		return -1;
	}
	out->uid = pw->pw_uid;
	out->gid = pw->pw_gid;
	if (group != NULL && group[0] != '\0') {
		if ((gr = getgrnam(group)) == NULL) {
			snprintf(err, errlen, "group: no group named \"%s\"", group);
			return -1;
		}
		out->gid = gr->gr_gid;
	}
	if (geteuid() != 0 && (geteuid() != out->uid || getegid() != out->gid)) {
		snprintf(err, errlen, "user: only root can switch to %s", user);
		return -1;
	}
	out->change = geteuid() == 0;
	return 0;
}

int
privs_drop(const privs *p, char *err, size_t errlen)
{
	if (!p->change)
		return 0;
	if (setgroups(1, &p->gid) != 0 || setgid(p->gid) != 0 || setuid(p->uid) != 0) {
		snprintf(err, errlen, "cannot drop privileges: %s", strerror(errno));
		return -1;
	}
	/* Make sure there is no way back. */
	if (p->uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
		snprintf(err, errlen, "cannot drop privileges: root could be regained");
		return -1;
	}
	log_info("running as uid %u, gid %u", (unsigned)p->uid, (unsigned)p->gid);
	return 0;
}
