/*
 * net.h - non-blocking TCP sockets with their own read and write buffers,
 * and a cheap look at an LDAP response's message ID and type.
 */
#ifndef ILSBENCH_NET_H
#define ILSBENCH_NET_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ldap/ldap.h"
#include "util/arena.h"

#define NET_MAX_PDU (16u * 1024 * 1024)	/* largest response accepted */

typedef struct sock {
	int fd;			/* -1 when closed */
	uint32_t gen;		/* bumped at every close: stale events are ignored */
	bool connecting;
	bool want_out;		/* EPOLLOUT is armed (level-triggered users) */
	int64_t next_id;	/* next message ID */
	uint8_t *rbuf;
	size_t rlen, rcap;
	uint8_t *wbuf;
	size_t woff, wlen, wcap;
} sock;

void sock_init(sock *s);
void sock_free(sock *s);
/* Closes the descriptor and forgets buffered bytes (keeps the buffers). */
void sock_close(sock *s);

/* Parses "HOST" and port into *sa; -1 if HOST is not a numeric IPv4 address. */
int net_addr(const char *host, uint16_t port, struct sockaddr_in *sa);

/*
 * Starts a non-blocking connect: 0 connected, 1 in progress (done when
 * the socket turns writable without error), -1 failed (errno set).
 */
int sock_connect(sock *s, const struct sockaddr_in *sa);

/* Sends or queues bytes: 0, or -1 if the connection is broken. */
int sock_send(sock *s, const void *p, size_t n);
/* Writes queued bytes: 0 (check wlen for what is left), -1 broken. */
int sock_flush(sock *s);
static inline bool
sock_pending_out(const sock *s)
{
	return s->wlen > s->woff;
}

/*
 * Reads what is there: bytes read (> 0), 0 on EOF, -1 error, -2 nothing
 * yet.  *filled tells whether the read used all the free buffer (so more
 * may be waiting).
 */
long sock_fill(sock *s, bool *filled);
/* Drops the first n buffered bytes (consumed PDUs). */
void sock_consume(sock *s, size_t n);

/* Blocking helpers for the bulk loader's set-up. */
int net_connect_blocking(const struct sockaddr_in *sa);
int net_set_nonblocking(int fd);

/* Message ID and protocol-op tag of one LDAPMessage; -1 if it is malformed. */
int pdu_peek(const uint8_t *pdu, size_t len, int64_t *msgid, uint8_t *op);
/* Decodes a whole response with the ilsd codec: its result code, or -1 if malformed. */
int pdu_result(const uint8_t *pdu, size_t len, arena *a, const ldap_limits *lim);
/* Decodes a SearchResultEntry (for --verify): 0, or -1 if malformed or an attribute is empty. */
int pdu_check_entry(const uint8_t *pdu, size_t len, arena *a, const ldap_limits *lim);

#endif
