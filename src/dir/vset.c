/*
 * vset.c - sets of attribute values under the attribute's equality rule.
 *
 * Duplicate checks in Add and Modify compare every new value with every
 * other one; with thousands of values a pairwise loop would be quadratic,
 * so values are hashed by their normalised form (schema_value_normalize)
 * and only values with equal normalised bytes count as equal.
 */
#include <string.h>

#include "dir/dir_int.h"

static uint64_t
hash_bytes(const uint8_t *p, size_t n)
{
	uint64_t h = 1469598103934665603ULL;

	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 1099511628211ULL;
	}
	return h;
}

/*
 * The normalised form, in the arena.  0 from the schema means "empty" or
 * "did not fit"; a non-empty value is retried with a larger buffer and,
 * failing that, compared by its bytes.
 */
static int
normalize(vset *vs, ber_slice v, ber_slice *out)
{
	size_t cap = v.len * 2 + 64;

	for (int tries = 0; tries < 2; tries++, cap = v.len * 8 + 256) {
		char *buf = arena_alloc(vs->a, cap);
		size_t n;

		if (buf == NULL)
			return -1;
		n = schema_value_normalize(vs->at, v, buf, cap);
		if (n > 0 || v.len == 0) {
			out->p = (const uint8_t *)buf;
			out->len = n;
			return 0;
		}
	}
	*out = v;
	return 0;
}

int
vset_init(vset *vs, const schema_attr *at, arena *a, size_t expected)
{
	size_t slots = 16;

	while (slots < expected * 2 + 1)
		slots *= 2;
	vs->at = at;
	vs->a = a;
	vs->n = 0;
	vs->cap = expected ? expected : 1;
	vs->mask = slots - 1;
	vs->slots = arena_calloc(a, slots, sizeof(*vs->slots));
	vs->norm = arena_alloc(a, vs->cap * sizeof(*vs->norm));
	vs->ids = arena_alloc(a, vs->cap * sizeof(*vs->ids));
	return vs->slots && vs->norm && vs->ids ? 0 : -1;
}

static long
lookup(const vset *vs, ber_slice nv, size_t *slot)
{
	size_t i = hash_bytes(nv.p, nv.len) & vs->mask;

	for (;;) {
		uint32_t k = vs->slots[i];
		if (k == 0) {
			*slot = i;
			return -1;
		}
		if (vs->norm[k - 1].len == nv.len &&
		    (nv.len == 0 || memcmp(vs->norm[k - 1].p, nv.p, nv.len) == 0))
			return (long)vs->ids[k - 1];
		i = (i + 1) & vs->mask;
	}
}

long
vset_find(vset *vs, ber_slice v)
{
	ber_slice nv;
	size_t slot;

	if (normalize(vs, v, &nv) != 0)
		return -1;
	return lookup(vs, nv, &slot);
}

static int
grow(vset *vs)
{
	size_t ncap = vs->cap * 2, nslots = (vs->mask + 1) * 2;
	ber_slice *nn = arena_alloc(vs->a, ncap * sizeof(*nn));
	uint32_t *ni = arena_alloc(vs->a, ncap * sizeof(*ni));
	uint32_t *ns = arena_calloc(vs->a, nslots, sizeof(*ns));

	if (nn == NULL || ni == NULL || ns == NULL)
		return -1;
	memcpy(nn, vs->norm, vs->n * sizeof(*nn));
	memcpy(ni, vs->ids, vs->n * sizeof(*ni));
	vs->norm = nn;
	vs->ids = ni;
	vs->cap = ncap;
	vs->slots = ns;
	vs->mask = nslots - 1;
	for (size_t k = 0; k < vs->n; k++) {
		size_t slot;
		(void)lookup(vs, vs->norm[k], &slot);
		vs->slots[slot] = (uint32_t)(k + 1);
	}
	return 0;
}

int
vset_add(vset *vs, ber_slice v, uint32_t id)
{
	ber_slice nv;
	size_t slot;

	if ((vs->n == vs->cap || (vs->n + 1) * 2 > vs->mask + 1) && grow(vs) != 0)
		return -1;
	if (normalize(vs, v, &nv) != 0)
		return -1;
	if (lookup(vs, nv, &slot) >= 0)
		return 0;	/* already there: the first id stays */
	vs->norm[vs->n] = nv;
	vs->ids[vs->n] = id;
	vs->slots[slot] = (uint32_t)(vs->n + 1);
	vs->n++;
	return 0;
}
