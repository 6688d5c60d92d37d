/*
 * listener.c - listening sockets.  IPv6 sockets are V6ONLY so that
 * "[::]:389" and "0.0.0.0:389" can both be configured without clashing.
 */
#include "server/listener.h"

#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#define LISTEN_BACKLOG 1024

int
listener_bind(const listen_addr *la, int *err)
{
	int one = 1;
	int family = la->ss.ss_family;
	int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0) {
		*err = errno;
		return -1;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    (family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) != 0) ||
	    bind(fd, (const struct sockaddr *)&la->ss, la->sslen) != 0 ||
	    listen(fd, LISTEN_BACKLOG) != 0) {
		*err = errno;
		close(fd);
		return -1;
	}
	return fd;
}
