/*
 * ratelimit.c - see ratelimit.h.
 *
 * Rates use GCRA (the "virtual scheduling" form of a token bucket): each
 * address and kind keeps one number, the theoretical arrival time (TAT)
 * of the next event.  An event is allowed when TAT - now <= tolerance,
 * where tolerance = (burst - 1) * interval, and then TAT moves one
 * interval on.  One 64-bit word per bucket, no floating point, and an
 * idle bucket refills by itself.
 */
#include "server/ratelimit.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define RL_WAYS 8			/* slots per set: a lookup scans at most this many */
#define RL_SHARDS 16			/* independently locked parts of the rate table */
#define RL_MIN_ENTRIES (RL_WAYS * RL_SHARDS)
#define RL_MAX_ENTRIES (1u << 24)
#define RL_MAX_FAILS 32
#define RL_MAX_EXEMPT 64

typedef struct rl_slot {
	uint8_t key[RL_KEY_LEN];
	bool used;
	uint32_t fails;			/* failed binds, before decay */
	uint64_t seen_ms;		/* last touched: the LRU order within a set */
	uint64_t fail_ms;		/* time of the last failed bind */
	uint64_t tat_us[RL_NKINDS];	/* GCRA theoretical arrival times */
} rl_slot;

typedef struct rl_shard {
	pthread_mutex_t lock;
	rl_slot *slots;			/* nsets * RL_WAYS */
} rl_shard;

typedef struct rl_prefix {
	uint8_t addr[RL_KEY_LEN];	/* IPv4 mapped into IPv6 */
	unsigned bits;
} rl_prefix;

struct ratelimit {
	ratelimit_config cfg;
	uint64_t hash_key[2];		/* SipHash key, random per process */
	size_t nsets;			/* per shard, a power of two */
	rl_shard shards[RL_SHARDS];
	rl_prefix exempt[RL_MAX_EXEMPT];
	size_t nexempt;
};

void
ratelimit_config_defaults(ratelimit_config *c)
{
	memset(c, 0, sizeof(*c));
	c->table_entries = 65536;
	c->ipv6_prefix = 64;
	c->rate[RL_CONN] = (rl_rate){ 20, 100 };
	c->rate[RL_BIND] = (rl_rate){ 20, 100 };
	c->rate[RL_ADD] = (rl_rate){ 10, 50 };
	c->fail_delay_min_ms = 100;
	c->fail_delay_max_ms = 5000;
	c->fail_decay_ms = 30000;
}

/* ---- SipHash-2-4 (Aumasson and Bernstein), for 16-byte keys ---- */

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

static void
sip_round(uint64_t v[4])
{
	v[0] += v[1];
	v[1] = ROTL(v[1], 13);
	v[1] ^= v[0];
	v[0] = ROTL(v[0], 32);
	v[2] += v[3];
	v[3] = ROTL(v[3], 16);
	v[3] ^= v[2];
	v[0] += v[3];
	v[3] = ROTL(v[3], 21);
	v[3] ^= v[0];
	v[2] += v[1];
	v[1] = ROTL(v[1], 17);
	v[1] ^= v[2];
	v[2] = ROTL(v[2], 32);
}

static uint64_t
load_le64(const uint8_t *p)
{
	uint64_t x = 0;

	for (int i = 7; i >= 0; i--)
		x = (x << 8) | p[i];
	return x;
}

static uint64_t
siphash16(const uint64_t k[2], const uint8_t in[RL_KEY_LEN])
{
	uint64_t v[4] = {
		k[0] ^ 0x736f6d6570736575ull, k[1] ^ 0x646f72616e646f6dull,
		k[0] ^ 0x6c7967656e657261ull, k[1] ^ 0x7465646279746573ull,
	};
	uint64_t m;

	for (int i = 0; i < 2; i++) {
		m = load_le64(in + 8 * i);
		v[3] ^= m;
		sip_round(v);
		sip_round(v);
		v[0] ^= m;
	}
	m = (uint64_t)RL_KEY_LEN << 56;		/* the final block: length only */
	v[3] ^= m;
	sip_round(v);
	sip_round(v);
	v[0] ^= m;
	v[2] ^= 0xff;
	for (int i = 0; i < 4; i++)
		sip_round(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

/* ---- set-up ---- */

static size_t
round_pow2(size_t n)
{
	size_t p = 1;

	while (p < n)
		p <<= 1;
	return p;
}

ratelimit *
ratelimit_new(const ratelimit_config *c)
{
	ratelimit *rl = calloc(1, sizeof(*rl));
	size_t entries;

	if (rl == NULL)
		return NULL;
	rl->cfg = *c;
	if (rl->cfg.ipv6_prefix == 0 || rl->cfg.ipv6_prefix > 128)
		rl->cfg.ipv6_prefix = 128;
	entries = c->table_entries < RL_MIN_ENTRIES ? RL_MIN_ENTRIES : c->table_entries;
	if (entries > RL_MAX_ENTRIES)
		entries = RL_MAX_ENTRIES;
	rl->nsets = round_pow2((entries + RL_SHARDS * RL_WAYS - 1) / (RL_SHARDS * RL_WAYS));
	if (RAND_bytes((unsigned char *)rl->hash_key, sizeof(rl->hash_key)) != 1) {
		free(rl);
		return NULL;
	}
	for (int i = 0; i < RL_SHARDS; i++) {
		rl->shards[i].slots = calloc(rl->nsets * RL_WAYS, sizeof(rl_slot));
		if (rl->shards[i].slots == NULL) {
			for (int j = 0; j < i; j++) {
				pthread_mutex_destroy(&rl->shards[j].lock);
				free(rl->shards[j].slots);
			}
			free(rl);
			return NULL;
		}
		pthread_mutex_init(&rl->shards[i].lock, NULL);
	}
	return rl;
}

void
ratelimit_free(ratelimit *rl)
{
	if (rl == NULL)
		return;
	for (int i = 0; i < RL_SHARDS; i++) {
		pthread_mutex_destroy(&rl->shards[i].lock);
		free(rl->shards[i].slots);
	}
	free(rl);
}

bool
ratelimit_key(const ratelimit *rl, const struct sockaddr *sa, uint8_t key[RL_KEY_LEN])
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
		unsigned bits = rl->cfg.ipv6_prefix;
		memcpy(key, &sin6->sin6_addr, RL_KEY_LEN);
		/* An IPv4-mapped address is one IPv4 client: never truncate it. */
		if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr))
			return true;
		for (unsigned i = 0; i < RL_KEY_LEN; i++) {
			unsigned keep = bits >= 8 * (i + 1) ? 8 : bits > 8 * i ? bits - 8 * i : 0;
			key[i] &= (uint8_t)(0xff00u >> keep);
		}
		return true;
	}
	return false;
}

/* ---- the rate table ---- */

/*
 * Finds key's slot, or takes over the least recently seen slot of its
 * set.  Called with the shard locked; *sh is set to the shard.
 */
static rl_slot *
slot_lock(ratelimit *rl, const uint8_t key[RL_KEY_LEN], uint64_t now_ms, rl_shard **sh)
{
	uint64_t h = siphash16(rl->hash_key, key);
	rl_shard *s = &rl->shards[h % RL_SHARDS];
	rl_slot *set, *victim = NULL;

	pthread_mutex_lock(&s->lock);
	*sh = s;
	set = &s->slots[((h / RL_SHARDS) & (rl->nsets - 1)) * RL_WAYS];
	for (int i = 0; i < RL_WAYS; i++) {
		rl_slot *e = &set[i];
		if (e->used && memcmp(e->key, key, RL_KEY_LEN) == 0) {
			e->seen_ms = now_ms;
			return e;
		}
		if (victim == NULL || !e->used || (victim->used && e->seen_ms < victim->seen_ms))
			victim = e;
	}
	memset(victim, 0, sizeof(*victim));
	memcpy(victim->key, key, RL_KEY_LEN);
	victim->used = true;
	victim->seen_ms = now_ms;
	return victim;
}

bool
ratelimit_take(ratelimit *rl, const uint8_t key[RL_KEY_LEN], enum rl_kind kind,
    uint64_t now_ms)
{
	const rl_rate *r = &rl->cfg.rate[kind];
	uint64_t interval, tolerance, now_us = now_ms * 1000, tat;
	rl_shard *sh;
	rl_slot *e;
	bool ok;

	if (r->rate == 0)
		return true;
	interval = 1000000u / r->rate;
	if (interval == 0)
		interval = 1;
	tolerance = interval * (r->burst > 1 ? r->burst - 1 : 0);
	e = slot_lock(rl, key, now_ms, &sh);
	tat = e->tat_us[kind] > now_us ? e->tat_us[kind] : now_us;
	ok = tat - now_us <= tolerance;
	if (ok)
		e->tat_us[kind] = tat + interval;
	pthread_mutex_unlock(&sh->lock);
	return ok;
}

/* Failures still counted at now: one is forgotten per decay period. */
static unsigned
decayed_fails(const ratelimit *rl, const rl_slot *e, uint64_t now_ms)
{
	uint64_t gone;

	if (e->fails == 0 || rl->cfg.fail_decay_ms == 0)
		return e->fails;
	gone = now_ms > e->fail_ms ? (now_ms - e->fail_ms) / rl->cfg.fail_decay_ms : 0;
	return gone >= e->fails ? 0 : e->fails - (unsigned)gone;
}

/* The hold for the n-th recent failure: 0, then min doubling to max. */
static uint64_t
fail_delay(const ratelimit *rl, unsigned n)
{
	uint64_t d = rl->cfg.fail_delay_min_ms;

	if (n <= 1 || d == 0)
		return 0;
	for (unsigned i = 2; i < n && d < rl->cfg.fail_delay_max_ms; i++)
		d *= 2;
	return d < rl->cfg.fail_delay_max_ms ? d : rl->cfg.fail_delay_max_ms;
}

uint64_t
ratelimit_bind_failed(ratelimit *rl, const uint8_t key[RL_KEY_LEN], uint64_t now_ms)
{
	rl_shard *sh;
	rl_slot *e = slot_lock(rl, key, now_ms, &sh);
	unsigned n = decayed_fails(rl, e, now_ms);
	uint64_t delay;

	if (n < RL_MAX_FAILS)
		n++;
	e->fails = n;
	e->fail_ms = now_ms;
	delay = fail_delay(rl, n);
	pthread_mutex_unlock(&sh->lock);
	return delay;
}

uint64_t
ratelimit_bind_wait(ratelimit *rl, const uint8_t key[RL_KEY_LEN], uint64_t now_ms)
{
	rl_shard *sh;
	rl_slot *e = slot_lock(rl, key, now_ms, &sh);
	uint64_t until = e->fail_ms + fail_delay(rl, e->fails);

	pthread_mutex_unlock(&sh->lock);
	return until > now_ms ? until - now_ms : 0;
}

unsigned
ratelimit_bind_failures(ratelimit *rl, const uint8_t key[RL_KEY_LEN], uint64_t now_ms)
{
	rl_shard *sh;
	rl_slot *e = slot_lock(rl, key, now_ms, &sh);
	unsigned n = decayed_fails(rl, e, now_ms);

	pthread_mutex_unlock(&sh->lock);
	return n;
}

/* ---- exempt addresses ---- */

bool
ratelimit_exempt(const ratelimit *rl, const struct sockaddr *sa)
{
	uint8_t a[RL_KEY_LEN];

	if (sa->sa_family == AF_INET) {
		memset(a, 0, 10);
		a[10] = a[11] = 0xff;
		memcpy(a + 12, &((const struct sockaddr_in *)sa)->sin_addr, 4);
	} else if (sa->sa_family == AF_INET6) {
		memcpy(a, &((const struct sockaddr_in6 *)sa)->sin6_addr, RL_KEY_LEN);
	} else {
		return true;		/* not an IP client: never limited */
	}
	for (size_t i = 0; i < rl->nexempt; i++) {
		const rl_prefix *p = &rl->exempt[i];
		unsigned full = p->bits / 8, rest = p->bits % 8;
		if (memcmp(a, p->addr, full) == 0 &&
		    (rest == 0 || ((a[full] ^ p->addr[full]) & (uint8_t)(0xff00u >> rest)) == 0))
			return true;
	}
	return false;
}

/* "ADDR" or "ADDR/BITS", IPv4 as IPv4-mapped IPv6 (so /8 becomes /104). */
static int
parse_prefix(const char *text, rl_prefix *p)
{
	char addr[64];
	const char *slash = strchr(text, '/');
	size_t n = slash != NULL ? (size_t)(slash - text) : strlen(text);
	unsigned max, bits;
	char *end;

	if (n == 0 || n >= sizeof(addr))
		return -1;
	memcpy(addr, text, n);
	addr[n] = '\0';
	memset(p->addr, 0, sizeof(p->addr));
	if (inet_pton(AF_INET, addr, p->addr + 12) == 1) {
		p->addr[10] = p->addr[11] = 0xff;
		max = 32;
	} else if (inet_pton(AF_INET6, addr, p->addr) == 1) {
		max = 128;
	} else {
		return -1;
	}
	bits = max;
	if (slash != NULL) {
		unsigned long b = strtoul(slash + 1, &end, 10);
		if (slash[1] == '\0' || *end != '\0' || b > max)
			return -1;
		bits = (unsigned)b;
	}
	p->bits = bits + (128 - max);
	return 0;
}

int
ratelimit_set_exempt(ratelimit *rl, const char *list, char *err, size_t errlen)
{
	char tok[80];
	const char *p = list;

	rl->nexempt = 0;
	while (*p != '\0') {
		size_t n;
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p == '\0')
			break;
		n = strcspn(p, " \t,");
		if (n >= sizeof(tok) || rl->nexempt == RL_MAX_EXEMPT) {
			snprintf(err, errlen, "limit-exempt: too many or too long entries");
			return -1;
		}
		memcpy(tok, p, n);
		tok[n] = '\0';
		if (parse_prefix(tok, &rl->exempt[rl->nexempt]) != 0) {
			snprintf(err, errlen, "limit-exempt: \"%s\" is not an address or "
			    "ADDRESS/BITS", tok);
			return -1;
		}
		rl->nexempt++;
		p += n;
	}
	return 0;
}
