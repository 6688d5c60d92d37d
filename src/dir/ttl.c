/*
 * ttl.c - dynamic entries (RFC 2589): TTL arithmetic, the Refresh
 * operation and the sweeper that removes entries whose time ran out.
 *
 * A dynamic entry stores only its absolute expiry time; entryTtl is
 * computed when read.  Expired entries are invisible at once; the
 * sweeper reclaims them later in bounded batches.
 */
#include <stdlib.h>
#include <string.h>

#include <time.h>

#include "dir/dir_int.h"

int64_t
ttl_clamp(const dir *d, int64_t ttl)
{
	if (ttl < d->cfg.ttl_min)
		ttl = d->cfg.ttl_min;
	if (ttl > d->cfg.ttl_max)
		ttl = d->cfg.ttl_max;
	return ttl;
}

/* Decimal integer; absurdly large values saturate (they are clamped anyway). */
int
ttl_parse(ber_slice v, int64_t *out)
{
	size_t i = 0;
	bool neg = false;
	int64_t x = 0;

	if (v.len > 0 && (v.p[0] == '-' || v.p[0] == '+')) {
		neg = v.p[0] == '-';
		i = 1;
	}
	if (i == v.len)
		return -1;
	for (; i < v.len; i++) {
		if (v.p[i] < '0' || v.p[i] > '9')
			return -1;
		if (x < INT64_MAX / 20)
			x = x * 10 + (v.p[i] - '0');
	}
	*out = neg ? -x : x;
	return 0;
}

int64_t
ttl_remaining(uint64_t expires, uint64_t now_ms)
{
	if (expires <= now_ms)
		return 0;
	return (int64_t)((expires - now_ms + 999) / 1000);
}

int
dir_refresh(dir *d, const dir_ctx *c, ber_slice dnstr, int64_t ttl, int64_t *applied,
    dir_result *res)
{
	schema *s = dir_schema(d);
	dn parsed;
	char *ndn;
	size_t nlen;
	store_txn *t = NULL;
	entry e;
	int rc;

	*applied = 0;
	res->matched = NULL;
	dir_res_set(res, LDAP_SUCCESS, NULL);
	rc = dir_parse_dn(s, dnstr, c->a, &parsed, &ndn, &nlen);
	if (rc != LDAP_SUCCESS) {
		dir_res_set(res, rc, "invalid DN");
		goto out;
	}
	if ((rc = store_begin(d->st, true, &t)) != STORE_OK) {
		dir_res_set(res, dir_store_code(rc), "store: %s", store_strerror(rc));
		t = NULL;
		goto out;
	}
	rc = dir_get_live(t, ndn, nlen, c->now_ms, c->a, &e);
	if (rc == STORE_NOTFOUND) {
		dir_no_such_object(d, t, ndn, nlen, c->now_ms, c->a, res);
		goto out;
	}
	if (rc != STORE_OK) {
		dir_res_set(res, dir_store_code(rc), "store: %s", store_strerror(rc));
		goto out;
	}
	if (access_check_change(d, c, &e, 0, res) != LDAP_SUCCESS)
		goto out;
	/* RFC 2589 4.2: refreshing an entry that is not dynamic. */
	if (e.expires == 0) {
		dir_res_set(res, LDAP_OBJECT_CLASS_VIOLATION, "not a dynamic entry");
		goto out;
	}
	ttl = ttl_clamp(d, ttl);
	rc = store_set_expires(t, e.id, c->now_ms + (uint64_t)ttl * 1000);
	if (rc == STORE_OK) {
		rc = store_commit(t);
		t = NULL;
	}
	if (rc != STORE_OK) {
		dir_res_set(res, dir_store_code(rc), "store: %s", store_strerror(rc));
		goto out;
	}
	*applied = ttl;
out:
	if (t)
		store_abort(t);
	schema_unref(s);
	return res->code;
}

/* Microseconds of a monotonic clock, for the sweep's time budget. */
static uint64_t
mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/*
 * Deletes expired entries in chunks of SWEEP_CHUNK ids taken from the
 * expiry index, so the time budget is checked often: the sweeper runs on
 * an event loop and every request of that loop waits while it works.
 */
#define SWEEP_CHUNK 32

long
dir_sweep(dir *d, uint64_t now_ms, unsigned max, uint64_t budget_us, bool *more)
{
	store_iter it;
	store_txn *t;
	uint64_t ids[SWEEP_CHUNK], id, start = budget_us ? mono_us() : 0;
	unsigned seen = 0;
	long done = 0;
	bool end = false;
	arena a;
	int rc = 0;

	if (more != NULL)
		*more = false;
	if (max == 0)
		return 0;
	if ((rc = store_begin(d->st, true, &t)) != STORE_OK)
		return rc;
	store_iter_expired(&it, now_ms);
	arena_init(&a, 4096, 0);
	while (rc >= 0 && !end && seen < max) {
		unsigned n = 0;
		while (n < SWEEP_CHUNK && seen + n < max && (rc = store_iter_next(t, &it, &id)) == 1)
			ids[n++] = id;
		end = rc == 0;
		seen += n;
		for (unsigned i = 0; rc >= 0 && i < n; i++) {
			entry e;
			ber_slice ndn;

			arena_reset(&a);
			if (store_get_id(t, ids[i], &a, &e) != STORE_OK || !dir_expired(&e, now_ms))
				continue;
			ndn = dir_copy_slice(&a, e.ndn);
			if (ndn.p == NULL) {
				rc = STORE_ERR;
				break;
			}
			rc = store_del(t, (const char *)ndn.p, ndn.len);
			if (rc == STORE_OK)
				done++;
			else if (rc == STORE_NOTFOUND)
				rc = 0;
		}
		if (budget_us != 0 && !end && mono_us() - start >= budget_us)
			break;
	}
	arena_free(&a);
	if (rc < 0) {
		store_abort(t);
		return rc;
	}
	rc = store_commit(t);
	if (more != NULL)
		*more = !end;
	return rc == STORE_OK ? done : rc;
}
