/*
 * test_server_ratelimit.c - per-address abuse limits: address keys, token
 * buckets, the failed-bind delay and its decay, exempt addresses, the
 * fixed-size table under an address flood, and concurrent use.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "server/ratelimit.h"
#include "test.h"

static struct sockaddr_in
v4(const char *ip)
{
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(1234);
	inet_pton(AF_INET, ip, &sin.sin_addr);
	return sin;
}

static struct sockaddr_in6
v6(const char *ip)
{
	struct sockaddr_in6 sin6;

	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	inet_pton(AF_INET6, ip, &sin6.sin6_addr);
	return sin6;
}

static void
key4(ratelimit *rl, const char *ip, uint8_t key[RL_KEY_LEN])
{
	struct sockaddr_in sin = v4(ip);

	CHECK(ratelimit_key(rl, (struct sockaddr *)&sin, key));
}

static ratelimit *
make(void (*tweak)(ratelimit_config *))
{
	ratelimit_config c;

	ratelimit_config_defaults(&c);
	if (tweak != NULL)
		tweak(&c);
	return ratelimit_new(&c);
}

TEST(defaults)
{
	ratelimit_config c;

	ratelimit_config_defaults(&c);
	CHECK_EQ_INT(c.ipv6_prefix, 64);
	CHECK_EQ_INT(c.rate[RL_CONN].rate, 20);
	CHECK_EQ_INT(c.rate[RL_CONN].burst, 100);
	CHECK_EQ_INT(c.rate[RL_BIND].rate, 20);
	CHECK_EQ_INT(c.rate[RL_ADD].rate, 10);
	CHECK_EQ_INT(c.fail_delay_min_ms, 100);
	CHECK_EQ_INT(c.fail_delay_max_ms, 5000);
	CHECK_EQ_INT(c.fail_decay_ms, 30000);
}

TEST(keys)
{
	ratelimit *rl = make(NULL);
	static const uint8_t want4[RL_KEY_LEN] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff,
		192, 0, 2, 7 };
	uint8_t k[RL_KEY_LEN], k2[RL_KEY_LEN];
	struct sockaddr_in6 a = v6("2001:db8:1:2:aaaa:bbbb:cccc:dddd");
	struct sockaddr_in6 b = v6("2001:db8:1:2::1");
	struct sockaddr_in6 c = v6("2001:db8:1:3::1");
	struct sockaddr_in6 m = v6("::ffff:192.0.2.7");
	struct sockaddr_un un;

	key4(rl, "192.0.2.7", k);
	CHECK_MEM(k, want4, RL_KEY_LEN);
	/* An IPv4-mapped IPv6 peer is the same client as its IPv4 form. */
	CHECK(ratelimit_key(rl, (struct sockaddr *)&m, k2));
	CHECK_MEM(k2, want4, RL_KEY_LEN);

	/* Same /64: same client; next /64: another client. */
	CHECK(ratelimit_key(rl, (struct sockaddr *)&a, k));
	CHECK(ratelimit_key(rl, (struct sockaddr *)&b, k2));
	CHECK_MEM(k, k2, RL_KEY_LEN);
	CHECK(k[8] == 0 && k[15] == 0);
	CHECK(ratelimit_key(rl, (struct sockaddr *)&c, k2));
	CHECK(memcmp(k, k2, RL_KEY_LEN) != 0);

	memset(&un, 0, sizeof(un));
	un.sun_family = AF_UNIX;
	CHECK(!ratelimit_key(rl, (struct sockaddr *)&un, k));
	ratelimit_free(rl);
}

static void
prefix_56(ratelimit_config *c)
{
	c->ipv6_prefix = 60;
}

TEST(odd_prefix)
{
	ratelimit *rl = make(prefix_56);
	struct sockaddr_in6 a = v6("2001:db8:1:2ff::1");
	uint8_t k[RL_KEY_LEN];

	CHECK(ratelimit_key(rl, (struct sockaddr *)&a, k));
	CHECK_EQ_INT(k[6], 0x02);
	CHECK_EQ_INT(k[7], 0xf0);		/* 60 bits kept: the high nibble of byte 7 */
	CHECK_EQ_INT(k[8], 0);
	ratelimit_free(rl);
}

static void
small_rates(ratelimit_config *c)
{
	c->rate[RL_BIND] = (rl_rate){ 2, 3 };		/* 2/s, burst 3 */
	c->rate[RL_ADD] = (rl_rate){ 0, 0 };		/* unlimited */
}

TEST(token_bucket)
{
	ratelimit *rl = make(small_rates);
	uint8_t a[RL_KEY_LEN], b[RL_KEY_LEN];
	uint64_t t = 1000000;

	key4(rl, "192.0.2.1", a);
	key4(rl, "192.0.2.2", b);
	CHECK(ratelimit_take(rl, a, RL_BIND, t));
	CHECK(ratelimit_take(rl, a, RL_BIND, t));
	CHECK(ratelimit_take(rl, a, RL_BIND, t));
	CHECK(!ratelimit_take(rl, a, RL_BIND, t));	/* burst used up */
	CHECK(!ratelimit_take(rl, a, RL_BIND, t + 100));
	/* Another address is not affected. */
	CHECK(ratelimit_take(rl, b, RL_BIND, t));
	/* Nor another kind of the same address. */
	CHECK(ratelimit_take(rl, a, RL_CONN, t));
	/* One token back every 500 ms. */
	CHECK(ratelimit_take(rl, a, RL_BIND, t + 500));
	CHECK(!ratelimit_take(rl, a, RL_BIND, t + 500));
	CHECK(ratelimit_take(rl, a, RL_BIND, t + 1000));
	/* Idle long enough: the full burst again, and no more. */
	t += 10000;
	for (int i = 0; i < 3; i++)
		CHECK(ratelimit_take(rl, a, RL_BIND, t));
	CHECK(!ratelimit_take(rl, a, RL_BIND, t));
	/* Rate 0: never limited. */
	for (int i = 0; i < 1000; i++)
		CHECK(ratelimit_take(rl, a, RL_ADD, t));
	ratelimit_free(rl);
}

TEST(fail_delay)
{
	ratelimit *rl = make(NULL);
	uint8_t a[RL_KEY_LEN], b[RL_KEY_LEN];
	uint64_t t = 5000000;
	static const uint64_t want[] = { 0, 100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000 };

	key4(rl, "198.51.100.1", a);
	key4(rl, "198.51.100.2", b);
	CHECK_EQ_INT(ratelimit_bind_wait(rl, a, t), 0);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		CHECK_EQ_INT(ratelimit_bind_failed(rl, a, t), want[i]);
	CHECK_EQ_INT(ratelimit_bind_failures(rl, a, t), 10);
	/* New binds wait until the last failure's hold is over. */
	CHECK_EQ_INT(ratelimit_bind_wait(rl, a, t), 5000);
	CHECK_EQ_INT(ratelimit_bind_wait(rl, a, t + 4000), 1000);
	CHECK_EQ_INT(ratelimit_bind_wait(rl, a, t + 6000), 0);
	/* Others are not slowed. */
	CHECK_EQ_INT(ratelimit_bind_wait(rl, b, t), 0);
	CHECK_EQ_INT(ratelimit_bind_failed(rl, b, t), 0);
	/* Decay: one failure forgotten per 30 s. */
	CHECK_EQ_INT(ratelimit_bind_failures(rl, a, t + 30000), 9);
	CHECK_EQ_INT(ratelimit_bind_failures(rl, a, t + 299999), 1);
	CHECK_EQ_INT(ratelimit_bind_failures(rl, a, t + 300000), 0);
	/* After full decay the next failure is free again. */
	CHECK_EQ_INT(ratelimit_bind_failed(rl, a, t + 400000), 0);
	CHECK_EQ_INT(ratelimit_bind_failed(rl, a, t + 400000), 100);
	/* Partial decay: 2 failures, 30 s later one remains, the next is the 2nd. */
	CHECK_EQ_INT(ratelimit_bind_failed(rl, a, t + 430000), 100);
	ratelimit_free(rl);
}

TEST(exempt)
{
	ratelimit *rl = make(NULL);
	struct sockaddr_in lo = v4("127.0.0.1"), lo2 = v4("127.255.0.9"), other = v4("192.0.2.1");
	struct sockaddr_in net = v4("10.1.2.3"), near = v4("10.1.3.3");
	struct sockaddr_in6 l6 = v6("::1"), a6 = v6("2001:db8::5"), b6 = v6("2001:db9::5");
	struct sockaddr_in6 m4 = v6("::ffff:127.0.0.1");
	char err[256];

	CHECK_EQ_INT(ratelimit_set_exempt(rl, "127.0.0.0/8 ::1, 10.1.2.0/24  2001:db8::/32", err,
	    sizeof(err)), 0);
	CHECK(ratelimit_exempt(rl, (struct sockaddr *)&lo));
	CHECK(ratelimit_exempt(rl, (struct sockaddr *)&lo2));
	CHECK(ratelimit_exempt(rl, (struct sockaddr *)&m4));	/* mapped form too */
	CHECK(!ratelimit_exempt(rl, (struct sockaddr *)&other));
	CHECK(ratelimit_exempt(rl, (struct sockaddr *)&net));
	CHECK(!ratelimit_exempt(rl, (struct sockaddr *)&near));
	CHECK(ratelimit_exempt(rl, (struct sockaddr *)&l6));
	CHECK(ratelimit_exempt(rl, (struct sockaddr *)&a6));
	CHECK(!ratelimit_exempt(rl, (struct sockaddr *)&b6));
	/* Empty list: nobody is spared. */
	CHECK_EQ_INT(ratelimit_set_exempt(rl, "", err, sizeof(err)), 0);
	CHECK(!ratelimit_exempt(rl, (struct sockaddr *)&lo));
	/* An odd prefix length. */
	CHECK_EQ_INT(ratelimit_set_exempt(rl, "192.0.2.128/25", err, sizeof(err)), 0);
	CHECK(!ratelimit_exempt(rl, (struct sockaddr *)&other));
	other = v4("192.0.2.200");
	CHECK(ratelimit_exempt(rl, (struct sockaddr *)&other));
	/* Errors say what is wrong. */
	CHECK(ratelimit_set_exempt(rl, "localhost", err, sizeof(err)) != 0);
	CHECK(strstr(err, "localhost") != NULL);
	CHECK(ratelimit_set_exempt(rl, "10.0.0.0/33", err, sizeof(err)) != 0);
	CHECK(ratelimit_set_exempt(rl, "::/129", err, sizeof(err)) != 0);
	CHECK(ratelimit_set_exempt(rl, "10.0.0.0/", err, sizeof(err)) != 0);
	CHECK(ratelimit_set_exempt(rl, "/8", err, sizeof(err)) != 0);
	ratelimit_free(rl);
}

static void
tiny_table(ratelimit_config *c)
{
	c->table_entries = 1;			/* rounded up to the minimum */
	c->rate[RL_BIND] = (rl_rate){ 1, 1 };
}

/*
 * A flood of new addresses only evicts: memory is fixed, and the evicted
 * addresses start afresh.  The most recently seen address survives a
 * modest number of newcomers in its set.
 */
TEST(flood_evicts)
{
	ratelimit *rl = make(tiny_table);
	uint8_t a[RL_KEY_LEN], k[RL_KEY_LEN];
	uint64_t t = 1000;
	int forgotten = 0;

	key4(rl, "192.0.2.200", a);
	CHECK(ratelimit_take(rl, a, RL_BIND, t));
	CHECK(!ratelimit_take(rl, a, RL_BIND, t));
	for (uint32_t i = 0; i < 100000; i++) {
		uint32_t ip = htonl(0x0a000000u + i);
		memset(k, 0, 10);
		k[10] = k[11] = 0xff;
		memcpy(k + 12, &ip, 4);
		CHECK(ratelimit_take(rl, k, RL_BIND, t + 1 + i / 1000));
	}
	/* After 100000 newcomers in a 128-slot table, a's state is gone. */
	if (ratelimit_take(rl, a, RL_BIND, t))
		forgotten = 1;
	CHECK(forgotten);
	ratelimit_free(rl);
}

typedef struct worker {
	ratelimit *rl;
	int id;
	int allowed;
} worker;

static void *
churn(void *arg)
{
	worker *w = arg;
	uint8_t k[RL_KEY_LEN];

	memset(k, 0, sizeof(k));
	for (int i = 0; i < 20000; i++) {
		k[15] = (uint8_t)(i % 7);
		k[14] = (uint8_t)w->id;
		if (ratelimit_take(w->rl, k, RL_CONN, 1000))
			w->allowed++;
		ratelimit_bind_failed(w->rl, k, (uint64_t)i);
	}
	return NULL;
}

/* Four threads on overlapping shards: each address gets exactly its burst. */
TEST(threads)
{
	ratelimit *rl = make(NULL);
	pthread_t th[4];
	worker w[4];

	for (int i = 0; i < 4; i++) {
		w[i] = (worker){ rl, i, 0 };
		pthread_create(&th[i], NULL, churn, &w[i]);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		CHECK_EQ_INT(w[i].allowed, 7 * 100);	/* 7 addresses, burst 100, no time passes */
	}
	ratelimit_free(rl);
}

int
main(void)
{
	RUN(defaults);
	RUN(keys);
	RUN(odd_prefix);
	RUN(token_bucket);
	RUN(fail_delay);
	RUN(exempt);
	RUN(flood_evicts);
	RUN(threads);
	return test_summary();
}
