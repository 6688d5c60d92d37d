/*
 * iplimit.h - counts open connections per client address, so that one
 * address cannot take every connection slot (max-connections-per-ip).
 * Shared by all loops: acquire happens on the accepting loop, release on
 * the loop that owned the connection, so the table has a mutex.
 */
#ifndef ILSD_SERVER_IPLIMIT_H
#define ILSD_SERVER_IPLIMIT_H

#include <sys/socket.h>

typedef struct iplimit iplimit;

iplimit *iplimit_new(void);
void iplimit_free(iplimit *t);
/*
 * Counts one more connection from sa's address unless that would pass max.
 * Returns 0 if counted, -1 if the address is at its limit (or out of memory).
 * Addresses that are neither IPv4 nor IPv6 are never limited (returns 0).
 */
int iplimit_acquire(iplimit *t, const struct sockaddr *sa, unsigned max);
void iplimit_release(iplimit *t, const struct sockaddr *sa);
/* Connections counted for sa's address (tests). */
unsigned iplimit_count(iplimit *t, const struct sockaddr *sa);

#endif
