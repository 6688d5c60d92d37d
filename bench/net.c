/*
 * net.c - buffered non-blocking sockets for the load generator.
 *
 * Requests are small and answers are read as they come, so a socket
 * normally writes straight from the caller's buffer and queues only the
 * tail of a short write.  The read buffer starts small and grows only to
 * hold one whole PDU, never the whole answer of a search.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ber/ber.h"
#include "ldap/ldap.h"
#include "net.h"

#define RBUF_INITIAL (16u * 1024)

void
sock_init(sock *s)
{
	memset(s, 0, sizeof(*s));
	s->fd = -1;
}

void
sock_free(sock *s)
{
	sock_close(s);
	free(s->rbuf);
	free(s->wbuf);
	s->rbuf = s->wbuf = NULL;
	s->rcap = s->wcap = 0;
}

void
sock_close(sock *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	s->gen++;
	s->connecting = false;
	s->want_out = false;
	s->rlen = 0;
	s->woff = s->wlen = 0;
}

int
net_addr(const char *host, uint16_t port, struct sockaddr_in *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons(port);
	return inet_pton(AF_INET, host, &sa->sin_addr) == 1 ? 0 : -1;
}

int
net_set_nonblocking(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static void
set_nodelay(int fd)
{
	int one = 1;

	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

int
sock_connect(sock *s, const struct sockaddr_in *sa)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	set_nodelay(fd);
	s->fd = fd;
	s->next_id = 1;
	s->rlen = 0;
	s->woff = s->wlen = 0;
	if (connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0) {
		s->connecting = false;
		return 0;
	}
	if (errno == EINPROGRESS) {
		s->connecting = true;
		return 1;
	}
	int e = errno;
	sock_close(s);
	errno = e;
	return -1;
}

static int
queue_bytes(sock *s, const uint8_t *p, size_t n)
{
	if (s->woff > 0 && s->woff == s->wlen)
		s->woff = s->wlen = 0;
	if (s->wlen + n > s->wcap) {
		size_t cap = s->wcap ? s->wcap : 4096;
		uint8_t *nb;

		while (cap < s->wlen + n)
			cap *= 2;
		if ((nb = realloc(s->wbuf, cap)) == NULL)
			return -1;
		s->wbuf = nb;
		s->wcap = cap;
	}
	memcpy(s->wbuf + s->wlen, p, n);
	s->wlen += n;
	return 0;
}

int
sock_send(sock *s, const void *p, size_t n)
{
	const uint8_t *b = p;
	ssize_t k;

	if (s->fd < 0)
		return -1;
	if (s->connecting || sock_pending_out(s))
		return queue_bytes(s, b, n);
	k = send(s->fd, b, n, MSG_NOSIGNAL);
	if (k < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return -1;
		k = 0;
	}
	return (size_t)k == n ? 0 : queue_bytes(s, b + k, n - (size_t)k);
}

int
sock_flush(sock *s)
{
	while (sock_pending_out(s)) {
		ssize_t k = send(s->fd, s->wbuf + s->woff, s->wlen - s->woff, MSG_NOSIGNAL);

		if (k < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
		s->woff += (size_t)k;
	}
	s->woff = s->wlen = 0;
	return 0;
}

static int
grow_rbuf(sock *s)
{
	size_t cap = s->rcap ? s->rcap * 2 : RBUF_INITIAL;
	uint8_t *nb;

	if (cap > NET_MAX_PDU + RBUF_INITIAL)
		return -1;
	if ((nb = realloc(s->rbuf, cap)) == NULL)
		return -1;
	s->rbuf = nb;
	s->rcap = cap;
	return 0;
}

long
sock_fill(sock *s, bool *filled)
{
	size_t room;
	ssize_t k;

	if (s->rlen == s->rcap && grow_rbuf(s) != 0)
		return -1;
	room = s->rcap - s->rlen;
	k = recv(s->fd, s->rbuf + s->rlen, room, 0);
	if (k < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? -2 : -1;
	s->rlen += (size_t)k;
	*filled = (size_t)k == room;
	return (long)k;
}

void
sock_consume(sock *s, size_t n)
{
	if (n >= s->rlen) {
		s->rlen = 0;
		return;
	}
	memmove(s->rbuf, s->rbuf + n, s->rlen - n);
	s->rlen -= n;
}

int
net_connect_blocking(const struct sockaddr_in *sa)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	if (connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) != 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	set_nodelay(fd);
	return fd;
}

int
pdu_peek(const uint8_t *pdu, size_t len, int64_t *msgid, uint8_t *op)
{
	ber_reader r, msg;
	ber_tlv t;

	ber_reader_init(&r, pdu, len, BER_DEFAULT_MAX_DEPTH);
	if (ber_read_sequence(&r, BER_CLASS_UNIVERSAL, BER_TAG_SEQUENCE, &msg) != BER_OK ||
	    ber_read_integer(&msg, BER_CLASS_UNIVERSAL, BER_TAG_INTEGER, msgid) != BER_OK ||
	    ber_peek_tlv(&msg, &t) != BER_OK || t.cls != BER_CLASS_APPLICATION || t.tag > 255)
		return -1;
	*op = (uint8_t)t.tag;
	return 0;
}

int
pdu_result(const uint8_t *pdu, size_t len, arena *a, const ldap_limits *lim)
{
	const char *why = NULL;
	ldap_msg m;
	int rc;

	arena_reset(a);
	rc = ldap_decode(pdu, len, a, lim, &m, &why);
	if (rc != LDAP_SUCCESS || m.u.result.code < 0 || m.u.result.code >= 0x10000)
		return -1;
	return (int)m.u.result.code;
}

int
pdu_check_entry(const uint8_t *pdu, size_t len, arena *a, const ldap_limits *lim)
{
	const char *why = NULL;
	ldap_msg m;

	arena_reset(a);
	if (ldap_decode(pdu, len, a, lim, &m, &why) != LDAP_SUCCESS)
		return -1;
	for (size_t i = 0; i < m.u.entry.nattrs; i++)
		if (m.u.entry.attrs[i].nvals == 0)
			return -1;	/* ils-compat 3: never an attribute without values */
	return 0;
}
