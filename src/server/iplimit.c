/*
 * iplimit.c - a small chained hash table of address -> open connections.
 * Entries are removed when their count drops to zero, so the table only
 * ever holds addresses that have a connection open.
 */
#include "server/iplimit.h"

#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define IPLIMIT_BUCKETS 4096

typedef struct ip_node {
	struct ip_node *next;
	uint8_t addr[16];
	unsigned count;
} ip_node;

struct iplimit {
	pthread_mutex_t lock;
	ip_node *buckets[IPLIMIT_BUCKETS];
};

iplimit *
iplimit_new(void)
{
	iplimit *t = calloc(1, sizeof(*t));

	if (t != NULL)
		pthread_mutex_init(&t->lock, NULL);
	return t;
}

void
iplimit_free(iplimit *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < IPLIMIT_BUCKETS; i++) {
		ip_node *n = t->buckets[i];
		while (n != NULL) {
			ip_node *next = n->next;
			free(n);
			n = next;
		}
	}
	pthread_mutex_destroy(&t->lock);
	free(t);
}

/* IPv4 addresses are keyed in their IPv4-mapped IPv6 form. Returns false for other families. */
static bool
addr_key(const struct sockaddr *sa, uint8_t key[16])
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;
		memset(key, 0, 10);
		key[10] = key[11] = 0xff;
		memcpy(key + 12, &sin->sin_addr, 4);
		return true;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;
		memcpy(key, &sin6->sin6_addr, 16);
		return true;
	}
	return false;
}

/* FNV-1a: the key is not attacker-chosen beyond the client's own address space. */
static size_t
bucket_of(const uint8_t key[16])
{
	uint32_t h = 2166136261u;

	for (int i = 0; i < 16; i++) {
		h ^= key[i];
		h *= 16777619u;
	}
	return h % IPLIMIT_BUCKETS;
}

int
iplimit_acquire(iplimit *t, const struct sockaddr *sa, unsigned max)
{
	uint8_t key[16];
	ip_node **slot, *n;
	int rc = 0;

	if (!addr_key(sa, key))
		return 0;
	pthread_mutex_lock(&t->lock);
	slot = &t->buckets[bucket_of(key)];
	for (n = *slot; n != NULL; n = n->next)
		if (memcmp(n->addr, key, 16) == 0)
			break;
	if (n == NULL) {
		n = calloc(1, sizeof(*n));
		if (n == NULL) {
			rc = -1;
			goto out;
		}
		memcpy(n->addr, key, 16);
		n->next = *slot;
		*slot = n;
	}
	if (max != 0 && n->count >= max)
		rc = -1;
	else
		n->count++;
out:
	pthread_mutex_unlock(&t->lock);
	return rc;
}

void
iplimit_release(iplimit *t, const struct sockaddr *sa)
{
	uint8_t key[16];
	ip_node **pp;

	if (!addr_key(sa, key))
		return;
	pthread_mutex_lock(&t->lock);
	for (pp = &t->buckets[bucket_of(key)]; *pp != NULL; pp = &(*pp)->next) {
		ip_node *n = *pp;
		if (memcmp(n->addr, key, 16) != 0)
			continue;
		if (n->count > 0)
			n->count--;
		if (n->count == 0) {
			*pp = n->next;
			free(n);
		}
		break;
	}
	pthread_mutex_unlock(&t->lock);
}

unsigned
iplimit_count(iplimit *t, const struct sockaddr *sa)
{
	uint8_t key[16];
	unsigned count = 0;

	if (!addr_key(sa, key))
		return 0;
	pthread_mutex_lock(&t->lock);
	for (ip_node *n = t->buckets[bucket_of(key)]; n != NULL; n = n->next)
		if (memcmp(n->addr, key, 16) == 0)
			count = n->count;
	pthread_mutex_unlock(&t->lock);
	return count;
}
