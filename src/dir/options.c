/*
 * options.c - attribute description options (RFC 4512 2.5, RFC 3866).
 *
 * A tagging option makes a subtype: "cn;lang-en" is stored as an
 * attribute of its own (key "cn;lang-en", options lowercased and sorted),
 * and it is also a "cn": a filter or a requested attribute naming cn
 * sees the values of cn and of every cn;<options>, one naming cn;lang-en
 * those of every description carrying at least that option.  In the same
 * way a type sees its subtypes by SUP (RFC 4512 2.5.1: name sees cn, sn
 * ...) when the caller passes the type as sup.  The
 * transfer option ";binary" (RFC 4522) names the attribute itself and is
 * dropped from the key.  Recognised tagging options are "lang-..." and
 * private "x-..." ones; an attribute description with any other option is
 * not recognised (RFC 4512 2.5: it is treated as an unknown type).
 */
#include <stdlib.h>
#include <string.h>

#include "dir/dir_int.h"

#define MAX_OPTIONS 8

typedef struct opt {
	const char *p;
	size_t len;
} opt;

static int
opt_cmp(const void *a, const void *b)
{
	const opt *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->p, y->p, n);

	return c != 0 ? c : (x->len > y->len) - (x->len < y->len);
}

static bool
valid_option(const char *p, size_t len)
{
	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++) {
		char ch = p[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-'))
			return false;
	}
	return true;
}

static bool
tagging_option(const char *p, size_t len)
{
	return (len > 5 && memcmp(p, "lang-", 5) == 0) || (len > 2 && memcmp(p, "x-", 2) == 0);
}

size_t
dir_desc_key(const schema *s, const void *desc, size_t len, char *out, size_t cap)
{
	const char *d = desc, *semi = memchr(d, ';', len);
	char lower[DIR_KEYMAX];
	opt opts[MAX_OPTIONS];
	size_t nopts = 0, n, olen;

	n = dir_key(s, desc, len, out, cap);
	if (n == 0 || semi == NULL)
		return n;
	olen = len - (size_t)(semi - d);
	if (olen >= sizeof(lower))
		return 0;
	for (size_t i = 0; i < olen; i++)
		lower[i] = (char)(semi[i] >= 'A' && semi[i] <= 'Z' ? semi[i] + 32 : semi[i]);
	for (size_t i = 1, start = 1; i <= olen; i++) {
		if (i < olen && lower[i] != ';')
			continue;
		if (!valid_option(lower + start, i - start))
			return 0;
		if (!(i - start == 6 && memcmp(lower + start, "binary", 6) == 0)) {
			if (!tagging_option(lower + start, i - start) || nopts == MAX_OPTIONS)
				return 0;
			opts[nopts++] = (opt){ lower + start, i - start };
		}
		start = i + 1;
	}
	qsort(opts, nopts, sizeof(opts[0]), opt_cmp);
	for (size_t i = 0; i < nopts; i++) {
		if (i > 0 && opt_cmp(&opts[i - 1], &opts[i]) == 0)
			continue;
		if (n + 1 + opts[i].len >= cap)
			return 0;
		out[n++] = ';';
		memcpy(out + n, opts[i].p, opts[i].len);
		n += opts[i].len;
	}
	out[n] = '\0';
	return n;
}

size_t
desc_base_len(const char *key, size_t len)
{
	const char *semi = memchr(key, ';', len);

	return semi ? (size_t)(semi - key) : len;
}

/* Is option o (without ';') one of the sorted options list ";a;b"? */
static bool
has_option(const char *list, size_t len, const char *o, size_t olen)
{
	for (size_t i = 0; i < len;) {
		size_t j = i + 1;
		while (j < len && list[j] != ';')
			j++;
		if (j - i - 1 == olen && memcmp(list + i + 1, o, olen) == 0)
			return true;
		i = j;
	}
	return false;
}

/* Is every option of the list want (";a;b") also in the list have? */
static bool
options_subset(const char *want, size_t wlen, const char *have, size_t hlen)
{
	for (size_t i = 0; i < wlen;) {
		size_t j = i + 1;
		while (j < wlen && want[j] != ';')
			j++;
		if (!has_option(have, hlen, want + i + 1, j - i - 1))
			return false;
		i = j;
	}
	return true;
}

bool
desc_selects(const char *want, size_t wlen, const char *have, size_t hlen)
{
	size_t wb = desc_base_len(want, wlen), hb = desc_base_len(have, hlen);

	return wb == hb && memcmp(want, have, wb) == 0 &&
	    options_subset(want + wb, wlen - wb, have + hb, hlen - hb);
}

/* Is a derived from sup through SUP (RFC 4512 2.5.1)?  Chains are short; the bound guards. */
static bool
derived_from(const schema_attr *a, const schema_attr *sup)
{
	for (int depth = 0; a != NULL && depth < 16; depth++, a = a->sup)
		if (a->sup == sup)
			return true;
	return false;
}

bool
attr_has_subtypes(const schema *s, const schema_attr *at)
{
	(void)s;
	return at != NULL && at->has_subtypes;
}

bool
desc_selects_in(const schema *s, const schema_attr *sup, const char *want, size_t wlen,
    const char *have, size_t hlen)
{
	size_t wb = desc_base_len(want, wlen), hb = desc_base_len(have, hlen);

	if (desc_selects(want, wlen, have, hlen))
		return true;
	return sup != NULL && derived_from(schema_find_attr(s, have, hlen), sup) &&
	    options_subset(want + wb, wlen - wb, have + hb, hlen - hb);
}

bool
entry_has_subtypes(const dir_view *v, const schema_attr *sup, const char *key, size_t keylen)
{
	const entry *e = v->e;

	for (uint32_t i = 0; i < e->nattrs; i++) {
		const entry_attr *ea = &e->attrs[i];
		const char *k = (const char *)ea->key.p;

		if (ea->key.len == keylen && memcmp(k, key, keylen) == 0)
			continue;
		if (sup != NULL ? desc_selects_in(v->s, sup, key, keylen, k, ea->key.len) :
		    (memchr(k, ';', ea->key.len) != NULL && desc_selects(key, keylen, k, ea->key.len)))
			return true;
	}
	return false;
}

bool
view_desc_values(const dir_view *v, const schema_attr *sup, const char *key, size_t keylen,
    const ber_slice **vals, uint32_t *n)
{
	const entry *e = v->e;
	size_t total = 0;
	ber_slice *all;
	uint32_t k = 0;

	if (view_hides(v, key, desc_base_len(key, keylen)))
		return false;
	if (!entry_has_subtypes(v, sup, key, keylen))
		return view_values(v, key, keylen, vals, n);
	for (uint32_t i = 0; i < e->nattrs; i++)
		if (desc_selects_in(v->s, sup, key, keylen, (const char *)e->attrs[i].key.p,
		    e->attrs[i].key.len))
			total += e->attrs[i].nvals;
	all = arena_calloc(v->a, total + 1, sizeof(*all));
	if (all == NULL)
		return false;
	for (uint32_t i = 0; i < e->nattrs; i++) {
		const entry_attr *ea = &e->attrs[i];
		if (!desc_selects_in(v->s, sup, key, keylen, (const char *)ea->key.p, ea->key.len) ||
		    view_hides(v, (const char *)ea->key.p, desc_base_len((const char *)ea->key.p,
		    ea->key.len)))
			continue;
		for (uint32_t j = 0; j < ea->nvals && k < total; j++)
			all[k++] = ea->vals[j];
	}
	*vals = all;
	*n = k;
	return k > 0;
}
