/*
 * ratelimit.h - per-client-address abuse limits: token buckets for
 * connections, binds and adds, and the growing delay after failed binds.
 *
 * Rates live in a fixed-size table (set-associative, LRU within a set),
 * so a flood of new addresses costs no memory: it only evicts the
 * least recently seen addresses, which forget their history.  The table
 * is split into mutex-striped shards; a connection is pinned to one
 * event loop, but accepts happen on loop 0 and expiry on the sweeper,
 * so several threads touch one address's state.
 *
 * Registrations are not counted here: the directory counts a client's
 * live entries itself (dir_limits.max_owned), so the count survives
 * restarts and follows deletes and expiry without bookkeeping.
 *
 * Some addresses (limit-exempt, loopback by default) are spared every
 * per-address limit.
 *
 * Addresses are keyed as 16 bytes (IPv4 in its IPv4-mapped IPv6 form);
 * IPv6 addresses are truncated to a prefix (default /64), because one
 * IPv6 subscriber usually holds a whole /64 and could otherwise walk
 * around every per-address limit.  Keys are hashed with a secret random
 * key (SipHash-2-4), so a client cannot choose addresses that collide and
 * evict other clients' state.
 *
 * Time is passed in (monotonic milliseconds) so the arithmetic is
 * testable.
 */
#ifndef ILSD_SERVER_RATELIMIT_H
#define ILSD_SERVER_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#define RL_KEY_LEN 16

/* A token bucket's shape: rate events per second on average, burst at once. 0 rate = no limit. */
typedef struct rl_rate {
	unsigned rate;
	unsigned burst;
} rl_rate;

enum rl_kind {
	RL_CONN = 0,		/* new connections */
	RL_BIND,		/* Bind requests (every method, anonymous too) */
	RL_ADD,			/* Add requests */
	RL_NKINDS
};

typedef struct ratelimit_config {
	unsigned table_entries;		/* addresses remembered for rates (rounded up) */
	unsigned ipv6_prefix;		/* bits of an IPv6 address that name a client, 1..128 */
	rl_rate rate[RL_NKINDS];
	/* Failed binds: first failure free, then min, doubling to max; one step forgotten per decay. */
	unsigned fail_delay_min_ms;
	unsigned fail_delay_max_ms;
	unsigned fail_decay_ms;
} ratelimit_config;

/* The documented defaults (docs/security.md). */
void ratelimit_config_defaults(ratelimit_config *c);

typedef struct ratelimit ratelimit;

/* Returns NULL when out of memory. */
ratelimit *ratelimit_new(const ratelimit_config *c);
void ratelimit_free(ratelimit *rl);

/*
 * The key of a socket address: IPv4 mapped into IPv6, IPv6 masked to the
 * configured prefix.  Returns false for other families (never limited).
 */
bool ratelimit_key(const ratelimit *rl, const struct sockaddr *sa, uint8_t key[RL_KEY_LEN]);

/* Takes one token of kind from key's bucket; false if the bucket is empty. */
bool ratelimit_take(ratelimit *rl, const uint8_t key[RL_KEY_LEN], enum rl_kind kind,
    uint64_t now_ms);

/*
 * A bind from key failed (invalidCredentials).  Returns how long to hold
 * the failed response, in milliseconds: 0 for an address's first failure,
 * then fail_delay_min_ms doubling up to fail_delay_max_ms.
 */
uint64_t ratelimit_bind_failed(ratelimit *rl, const uint8_t key[RL_KEY_LEN], uint64_t now_ms);
/* Milliseconds until a new bind from key may be answered (0 = now). */
uint64_t ratelimit_bind_wait(ratelimit *rl, const uint8_t key[RL_KEY_LEN], uint64_t now_ms);
/* Recent failures counted for key, after decay (tests, logs). */
unsigned ratelimit_bind_failures(ratelimit *rl, const uint8_t key[RL_KEY_LEN], uint64_t now_ms);

/*
 * The addresses spared by every per-address limit: a space- or
 * comma-separated list of addresses and prefixes ("127.0.0.0/8 ::1
 * 2001:db8::/32").  Returns 0, or -1 with a message.
 */
int ratelimit_set_exempt(ratelimit *rl, const char *list, char *err, size_t errlen);
bool ratelimit_exempt(const ratelimit *rl, const struct sockaddr *sa);

#endif
