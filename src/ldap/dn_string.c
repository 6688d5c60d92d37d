/*
 * dn_string.c - turning parsed DNs back into strings: the normalised key
 * form (dn_normalize), the RFC 4514 form (dn_format), value escaping, and
 * the ancestor tests done on normalised strings.
 *
 * Normalised strings only ever use ',' between RDNs, '+' between AVAs,
 * backslash-character escapes and "\00" for NUL, so a plain scan that
 * skips the character after each backslash finds every RDN boundary.
 */
#include "ldap/dn.h"

#include <string.h>

#define DN_CANON_TYPE_MAX 256	/* see DN_STR_MAX */

/* Output buffer that remembers overflow; one byte is always kept for the NUL. */
typedef struct dn_out {
	char *buf;
	size_t cap, len;
	bool full;
} dn_out;

static void
put(dn_out *o, char c)
{
	if (o->len + 1 < o->cap)
		o->buf[o->len++] = c;
	else
		o->full = true;
}

static long
finish(dn_out *o)
{
	if (o->full || o->cap == 0)
		return -1;
	o->buf[o->len] = '\0';
	return (long)o->len;
}

static unsigned char
ascii_lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + ('a' - 'A')) : c;
}

/* One value byte, escaped as RFC 4514 section 2.4 requires. */
static void
put_value_byte(dn_out *o, unsigned char c, bool first, bool last)
{
	if (c == '\0') {
		put(o, '\\');
		put(o, '0');
		put(o, '0');
		return;
	}
	if (strchr(",+\"\\<>;", c) != NULL || (first && (c == ' ' || c == '#')) ||
	    (last && c == ' '))
		put(o, '\\');
	put(o, (char)c);
}

static void
put_hex_value(dn_out *o, const char *v, size_t len)
{
	static const char digits[] = "0123456789abcdef";

	put(o, '#');
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)v[i];
		put(o, digits[c >> 4]);
		put(o, digits[c & 15]);
	}
}

static void
put_escaped_value(dn_out *o, const char *v, size_t len)
{
	for (size_t i = 0; i < len; i++)
		put_value_byte(o, (unsigned char)v[i], i == 0, i + 1 == len);
}

long
dn_escape_value(const char *v, size_t len, char *out, size_t cap)
{
	dn_out o = { out, cap, 0, false };

	put_escaped_value(&o, v, len);
	return finish(&o);
}

long
dn_format(const dn *d, char *out, size_t cap)
{
	dn_out o = { out, cap, 0, false };

	for (size_t r = 0; r < d->nrdns; r++) {
		const dn_rdn *rdn = &d->rdns[r];
		if (r > 0)
			put(&o, ',');
		for (size_t i = 0; i < rdn->navas; i++) {
			const dn_ava *ava = &rdn->avas[i];
			if (i > 0)
				put(&o, '+');
			for (size_t k = 0; k < ava->typelen; k++)
				put(&o, ava->type[k]);
			put(&o, '=');
			if (ava->binary)
				put_hex_value(&o, ava->value, ava->valuelen);
			else
				put_escaped_value(&o, ava->value, ava->valuelen);
		}
	}
	return finish(&o);
}

/*
 * The normalised value as a byte stream: outer spaces dropped, inner
 * runs of spaces folded to one, ASCII letters lowered.  Streaming it lets
 * normalise and compare without a scratch copy.
 */
typedef struct norm_iter {
	const unsigned char *p;
	size_t i, end;
} norm_iter;

static void
norm_init(norm_iter *it, const dn_ava *ava)
{
	it->p = (const unsigned char *)ava->value;
	it->i = 0;
	it->end = ava->valuelen;
	while (it->i < it->end && it->p[it->i] == ' ')
		it->i++;
	while (it->end > it->i && it->p[it->end - 1] == ' ')
		it->end--;
}

static int
norm_next(norm_iter *it)
{
	if (it->i >= it->end)
		return -1;
	unsigned char c = it->p[it->i++];
	if (c == ' ') {
		while (it->p[it->i] == ' ')
			it->i++;	/* stops before end: the value is trimmed */
		return ' ';
	}
	return ascii_lower(c);
}

/* The type to write: the callback's canonical name, else the type as written. */
static const char *
canon_type(const dn_ava *ava, dn_type_canon_fn canon, void *ctx, char *buf, size_t *len)
{
	if (canon != NULL) {
		size_t n = canon(ctx, ava->type, ava->typelen, buf, DN_CANON_TYPE_MAX);
		if (n > 0 && n <= DN_CANON_TYPE_MAX) {
			*len = n;
			return buf;
		}
	}
	*len = ava->typelen;
	return ava->type;
}

static int
cmp_lower(const char *a, size_t alen, const char *b, size_t blen)
{
	for (size_t i = 0; i < alen && i < blen; i++) {
		unsigned char x = ascii_lower((unsigned char)a[i]);
		unsigned char y = ascii_lower((unsigned char)b[i]);
		if (x != y)
			return x < y ? -1 : 1;
	}
	return alen == blen ? 0 : (alen < blen ? -1 : 1);
}

/*
 * Order of AVAs inside a multi-valued RDN: by normalised type, then
 * string before #hex, then normalised value.  It depends only on what
 * the normalised string keeps, so re-parsing the result sorts the same.
 */
static int
cmp_ava(const dn_ava *x, const dn_ava *y, dn_type_canon_fn canon, void *ctx)
{
	char xb[DN_CANON_TYPE_MAX], yb[DN_CANON_TYPE_MAX];
	size_t xn, yn;
	const char *xt = canon_type(x, canon, ctx, xb, &xn);
	const char *yt = canon_type(y, canon, ctx, yb, &yn);
	int c = cmp_lower(xt, xn, yt, yn);

	if (c != 0)
		return c;
	if (x->binary != y->binary)
		return x->binary ? 1 : -1;
	if (x->binary) {
		size_t n = x->valuelen < y->valuelen ? x->valuelen : y->valuelen;
		c = memcmp(x->value, y->value, n);
		if (c != 0)
			return c;
		return x->valuelen == y->valuelen ? 0 : (x->valuelen < y->valuelen ? -1 : 1);
	}
	norm_iter xi, yi;
	norm_init(&xi, x);
	norm_init(&yi, y);
	for (;;) {
		int a = norm_next(&xi), b = norm_next(&yi);
		if (a != b)
			return a < b ? -1 : 1;
		if (a < 0)
			return 0;
	}
}

static void
put_normalized_ava(dn_out *o, const dn_ava *ava, dn_type_canon_fn canon, void *ctx)
{
	char buf[DN_CANON_TYPE_MAX];
	size_t n;
	const char *t = canon_type(ava, canon, ctx, buf, &n);

	for (size_t i = 0; i < n; i++)
		put(o, (char)ascii_lower((unsigned char)t[i]));
	put(o, '=');
	if (ava->binary) {
		put_hex_value(o, ava->value, ava->valuelen);
		return;
	}
	norm_iter it;
	bool first = true;
	int c;
	norm_init(&it, ava);
	while ((c = norm_next(&it)) >= 0) {
		put_value_byte(o, (unsigned char)c, first, false);
		first = false;
	}
}

/* Insertion sort: RDNs hold at most DN_MAX_AVAS AVAs, usually two. */
static void
sort_avas(const dn_rdn *rdn, unsigned char *order, dn_type_canon_fn canon, void *ctx)
{
	for (size_t i = 0; i < rdn->navas; i++)
		order[i] = (unsigned char)i;
	for (size_t i = 1; i < rdn->navas; i++) {
		unsigned char cur = order[i];
		size_t j = i;
		while (j > 0 && cmp_ava(&rdn->avas[order[j - 1]], &rdn->avas[cur], canon, ctx) > 0) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = cur;
	}
}

long
dn_normalize(const dn *d, dn_type_canon_fn canon, void *ctx, char *out, size_t cap)
{
	dn_out o = { out, cap, 0, false };
	unsigned char order[DN_MAX_AVAS];

	for (size_t r = 0; r < d->nrdns; r++) {
		const dn_rdn *rdn = &d->rdns[r];
		if (rdn->navas == 0 || rdn->navas > DN_MAX_AVAS)
			return -1;
		sort_avas(rdn, order, canon, ctx);
		if (r > 0)
			put(&o, ',');
		for (size_t i = 0; i < rdn->navas; i++) {
			if (i > 0)
				put(&o, '+');
			put_normalized_ava(&o, &rdn->avas[order[i]], canon, ctx);
		}
	}
	return finish(&o);
}

bool
dn_is_suffix(const char *ndn, size_t len, const char *nsuffix, size_t slen)
{
	size_t sep, backslashes = 0;

	if (slen == 0)
		return true;	/* everything is under the root */
	if (slen > len || memcmp(ndn + len - slen, nsuffix, slen) != 0)
		return false;
	if (slen == len)
		return true;
	sep = len - slen - 1;
	if (ndn[sep] != ',')
		return false;
	/* The ',' separates RDNs only if it is not itself escaped. */
	while (backslashes < sep && ndn[sep - 1 - backslashes] == '\\')
		backslashes++;
	return backslashes % 2 == 0;
}

long
dn_parent_offset(const char *ndn, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (ndn[i] == '\\')
			i++;
		else if (ndn[i] == ',')
			return (long)(i + 1);
	}
	return -1;
}
