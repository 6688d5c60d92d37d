/*
 * schema_match.c - equality, ordering and substring matching of values
 * under an attribute type's matching rules (RFC 4517 section 4.2), plus
 * the normalised form used for duplicate checks and indexes.
 *
 * String rules use a simplified RFC 4518 preparation: leading and trailing
 * spaces are insignificant and inner runs of spaces count as one; case is
 * folded for ASCII letters only.  Bytes >= 0x80 are compared exactly, so
 * ISO-8859-1 text from NetMeeting matches itself and nothing else.
 * Comparison walks both values through the same preparation at once, so
 * the common equality test copies and allocates nothing.
 */
#include "schema_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ldap/dn.h"

enum prep_mode {
	M_FOLD = 1 << 0,	/* ASCII case folding */
	M_SPACES = 1 << 1,	/* trim, fold runs of spaces into one */
	M_STRIP = 1 << 2,	/* drop every space */
	M_HYPHEN = 1 << 3,	/* drop every hyphen (with M_STRIP) */
};

/* The preparation a rule applies before comparing strings. */
static unsigned
prep_of(int match)
{
	switch (match) {
	case SCHEMA_MATCH_CASE_EXACT:
		return M_SPACES;
	case SCHEMA_MATCH_OCTET:
	case SCHEMA_MATCH_NONE:
		return 0;
	case SCHEMA_MATCH_TELEPHONE:
		return M_FOLD | M_STRIP | M_HYPHEN;
	case SCHEMA_MATCH_NUMERIC_STRING:
		return M_STRIP;
	default:
		return M_FOLD | M_SPACES;
	}
}

typedef struct prep_iter {
	const uint8_t *p, *end;
	unsigned mode;
} prep_iter;

static void
prep_init(prep_iter *it, ber_slice v, unsigned mode)
{
	it->p = v.p;
	it->end = v.p + v.len;
	it->mode = mode;
	if (mode & M_SPACES)
		while (it->p < it->end && *it->p == ' ')
			it->p++;
}

/* Next prepared byte, or -1 at the end. */
static int
prep_next(prep_iter *it)
{
	while (it->p < it->end) {
		uint8_t c = *it->p;
		if ((it->mode & M_STRIP) && (c == ' ' || (c == '-' && (it->mode & M_HYPHEN)))) {
			it->p++;
			continue;
		}
		if ((it->mode & M_SPACES) && c == ' ') {
			while (it->p < it->end && *it->p == ' ')
				it->p++;
			return it->p < it->end ? ' ' : -1;
		}
		it->p++;
		return (it->mode & M_FOLD) ? schema_lower(c) : c;
	}
	return -1;
}

/* strcmp of the prepared forms. */
static int
prep_cmp(ber_slice a, ber_slice b, unsigned mode)
{
	prep_iter ia, ib;

	prep_init(&ia, a, mode);
	prep_init(&ib, b, mode);
	for (;;) {
		int ca = prep_next(&ia), cb = prep_next(&ib);
		if (ca != cb)
			return ca < cb ? -1 : 1;
		if (ca < 0)
			return 0;
	}
}

static size_t
prep_write(ber_slice v, unsigned mode, char *out, size_t cap)
{
	prep_iter it;
	size_t n = 0;
	int c;

	prep_init(&it, v, mode);
	while ((c = prep_next(&it)) >= 0) {
		if (n + 1 >= cap)
			return 0;
		out[n++] = (char)c;
	}
	if (cap > 0)
		out[n] = '\0';
	return n;
}

static int
octet_cmp(ber_slice a, ber_slice b)
{
	size_t n = a.len < b.len ? a.len : b.len;
	int r = n ? memcmp(a.p, b.p, n) : 0;

	if (r != 0)
		return r < 0 ? -1 : 1;
	return a.len == b.len ? 0 : (a.len < b.len ? -1 : 1);
}

static int
int_cmp(const sint *a, const sint *b)
{
	if (a->neg != b->neg)
		return a->neg ? -1 : 1;
	int mag = a->len == b->len ? (a->len ? memcmp(a->digits, b->digits, a->len) : 0) :
	    (a->len < b->len ? -1 : 1);
	mag = mag < 0 ? -1 : mag > 0;
	return a->neg ? -mag : mag;
}

static int
time_cmp(const stime *a, const stime *b)
{
	if (a->secs != b->secs)
		return a->secs < b->secs ? -1 : 1;
	return a->nanos == b->nanos ? 0 : (a->nanos < b->nanos ? -1 : 1);
}

static const schema *
owner_of(const schema_attr *at)
{
	return at ? ((const sattr *)at)->owner : NULL;
}

/*
 * objectIdentifierMatch: a name and its OID are the same value, so both
 * sides resolve to the definition's key when the schema knows them.
 */
static ber_slice
oid_canon(const schema_attr *at, ber_slice v)
{
	const schema *s = owner_of(at);
	ber_slice t = v;

	while (t.len > 0 && t.p[0] == ' ') {
		t.p++;
		t.len--;
	}
	while (t.len > 0 && t.p[t.len - 1] == ' ')
		t.len--;
	const char *name = (const char *)t.p;
	const schema_class *oc = schema_find_class(s, name, t.len);
	const schema_attr *a = oc ? NULL : schema_find_attr(s, name, t.len);
	const schema_mrule *mr = (oc || a) ? NULL : schema_find_mrule(s, name, t.len);
	const char *key = oc ? oc->key : a ? a->key : mr ? mr->oid : NULL;
	if (key != NULL) {
		t.p = (const uint8_t *)key;
		t.len = strlen(key);
	}
	return t;
}

static size_t
dn_canon(void *ctx, const char *type, size_t len, char *out, size_t cap)
{
	return schema_attr_key(ctx, type, len, out, cap);
}

/* Normalised DN into out; -1 if it does not parse or fit. */
static long
dn_norm(const schema_attr *at, ber_slice v, arena *a, char *out, size_t cap)
{
	dn d;

	if (v.len > DN_MAX_LEN || dn_parse((const char *)v.p, v.len, DN_STRICT, a, &d) != 0)
		return -1;
	return dn_normalize(&d, dn_canon, (void *)owner_of(at), out, cap);
}

static bool
dn_equal(const schema_attr *at, ber_slice x, ber_slice y)
{
	arena a;
	size_t capx = 3 * x.len + 64, capy = 3 * y.len + 64;

	arena_init(&a, 4096, 0);
	char *nx = arena_alloc(&a, capx), *ny = arena_alloc(&a, capy);
	long lx = nx ? dn_norm(at, x, &a, nx, capx) : -1;
	long ly = ny ? dn_norm(at, y, &a, ny, capy) : -1;
	bool eq;
	if (lx < 0 || ly < 0)
		eq = prep_cmp(x, y, M_FOLD | M_SPACES) == 0;
	else
		eq = lx == ly && memcmp(nx, ny, (size_t)lx) == 0;
	arena_free(&a);
	return eq;
}

static int
equality_of(const schema_attr *at)
{
	if (at == NULL)
		return SCHEMA_MATCH_CASE_IGNORE;
	return at->equality ? at->equality->match : SCHEMA_MATCH_NONE;
}

/* Ordered comparison under rule `match`; *ok=false when the values cannot be ordered. */
static int
compare(const schema_attr *at, int match, ber_slice a, ber_slice b, bool *ok)
{
	sint ia, ib;
	stime ta, tb;

	*ok = true;
	switch (match) {
	case SCHEMA_MATCH_INTEGER:
		if (schema_parse_integer(a, false, &ia) && schema_parse_integer(b, false, &ib))
			return int_cmp(&ia, &ib);
		break;
	case SCHEMA_MATCH_GENTIME:
		if (schema_parse_gentime(a, &ta) && schema_parse_gentime(b, &tb))
			return time_cmp(&ta, &tb);
		break;
	case SCHEMA_MATCH_OID:
		return prep_cmp(oid_canon(at, a), oid_canon(at, b), M_FOLD);
	default:
		return prep_cmp(a, b, prep_of(match));
	}
	*ok = false;
	return 0;
}

/*
 * Without an EQUALITY rule matching is undefined (RFC 4512); ilsd then
 * compares bytes, so stored values can still be found and deduplicated.
 * Malformed integers and times compare as bytes too.
 */
bool
schema_value_equal(const schema_attr *at, ber_slice a, ber_slice b)
{
	int match = equality_of(at);
	bool ok;

	if (match == SCHEMA_MATCH_DN)
		return dn_equal(at, a, b);
	int r = compare(at, match, a, b, &ok);
	return ok ? r == 0 : octet_cmp(a, b) == 0;
}

int
schema_value_order(const schema_attr *at, ber_slice a, ber_slice b, bool *ok)
{
	int match = at == NULL ? SCHEMA_MATCH_CASE_IGNORE :
	    at->ordering ? at->ordering->match : SCHEMA_MATCH_NONE;

	switch (match) {
	case SCHEMA_MATCH_CASE_IGNORE:
	case SCHEMA_MATCH_CASE_EXACT:
	case SCHEMA_MATCH_OCTET:
	case SCHEMA_MATCH_INTEGER:
	case SCHEMA_MATCH_GENTIME:
	case SCHEMA_MATCH_NUMERIC_STRING:
		return compare(at, match, a, b, ok);
	default:
		*ok = false;
		return 0;
	}
}

/* Prepares a substring part: like a value, but only the outer ends are trimmed. */
static size_t
prep_part(ber_slice v, unsigned mode, bool trim_lead, bool trim_trail, uint8_t *out)
{
	size_t n = 0;
	bool space = false;

	if (!(mode & M_SPACES)) {
		prep_iter it;
		int c;
		prep_init(&it, v, mode);
		while ((c = prep_next(&it)) >= 0)
			out[n++] = (uint8_t)c;
		return n;
	}
	for (size_t i = 0; i < v.len; i++) {
		uint8_t c = v.p[i];
		if (c == ' ') {
			space = true;
			continue;
		}
		if (space && (n > 0 || !trim_lead))
			out[n++] = ' ';
		space = false;
		out[n++] = (mode & M_FOLD) ? schema_lower(c) : c;
	}
	if (space && !trim_trail && (n > 0 || !trim_lead))
		out[n++] = ' ';
	return n;
}

static bool
substr_match(const uint8_t *val, size_t vlen, const uint8_t *buf, const size_t *off,
    const size_t *len, const schema_substr *parts, size_t nparts)
{
	size_t pos = 0, limit = vlen;
	size_t first = 0, last = nparts;

	if (nparts > 0 && parts[0].kind == 0) {
		if (len[0] > vlen || memcmp(val, buf + off[0], len[0]) != 0)
			return false;
		pos = len[0];
		first = 1;
	}
	if (last > first && parts[last - 1].kind == 2) {
		size_t fl = len[last - 1];
		if (fl > vlen - pos || memcmp(val + vlen - fl, buf + off[last - 1], fl) != 0)
			return false;
		limit = vlen - fl;
		last--;
	}
	for (size_t i = first; i < last; i++) {
		if (parts[i].kind != 1)
			return false;	/* initial or final out of place */
		if (len[i] == 0)
			continue;
		const uint8_t *hit = limit > pos ?
		    memmem(val + pos, limit - pos, buf + off[i], len[i]) : NULL;
		if (hit == NULL)
			return false;
		pos = (size_t)(hit - val) + len[i];
	}
	return true;
}

static int
substr_rule(const schema_attr *at)
{
	if (at == NULL)
		return SCHEMA_MATCH_CASE_IGNORE;
	if (at->substr != NULL)
		return at->substr->match;
	int eq = equality_of(at);
	switch (eq) {
	case SCHEMA_MATCH_CASE_EXACT:
	case SCHEMA_MATCH_OCTET:
	case SCHEMA_MATCH_TELEPHONE:
	case SCHEMA_MATCH_NUMERIC_STRING:
		return eq;
	default:
		return SCHEMA_MATCH_CASE_IGNORE;
	}
}

#define SUBSTR_STACK 1024
#define SUBSTR_MAX_PARTS 64

bool
schema_value_substr(const schema_attr *at, ber_slice value, const schema_substr *parts,
    size_t nparts)
{
	unsigned mode = prep_of(substr_rule(at));
	uint8_t stackbuf[SUBSTR_STACK];
	size_t off[SUBSTR_MAX_PARTS], len[SUBSTR_MAX_PARTS];
	size_t total = value.len;

	if (nparts > SUBSTR_MAX_PARTS)
		return false;
	for (size_t i = 0; i < nparts; i++) {
		if (total > SIZE_MAX / 2 - parts[i].value.len)
			return false;
		total += parts[i].value.len + 1;
	}
	uint8_t *buf = total <= SUBSTR_STACK ? stackbuf : malloc(total);
	if (buf == NULL)
		return false;
	size_t n = 0;
	for (size_t i = 0; i < nparts; i++) {
		off[i] = n;
		len[i] = prep_part(parts[i].value, mode, parts[i].kind == 0, parts[i].kind == 2,
		    buf + n);
		n += len[i];
	}
	size_t vlen = prep_part(value, mode, true, true, buf + n);
	bool ok = substr_match(buf + n, vlen, buf, off, len, parts, nparts);
	if (buf != stackbuf)
		free(buf);
	return ok;
}

static size_t
integer_normal(sint i, char *out, size_t cap)
{
	size_t n = 0;

	if (i.len == 0)
		return prep_write(BER_SLICE_STR("0"), 0, out, cap);
	if (i.len + 2 > cap)
		return 0;
	if (i.neg)
		out[n++] = '-';
	memcpy(out + n, i.digits, i.len);
	out[n + i.len] = '\0';
	return n + i.len;
}

/* Seconds and nanoseconds since the epoch: equal instants give equal bytes. */
static size_t
time_normal(stime t, char *out, size_t cap)
{
	char tmp[48];
	int len = snprintf(tmp, sizeof(tmp), "%lld.%09u", (long long)t.secs, (unsigned)t.nanos);

	return prep_write((ber_slice){ (const uint8_t *)tmp, (size_t)len }, 0, out, cap);
}

static size_t
dn_normal(const schema_attr *at, ber_slice v, char *out, size_t cap)
{
	arena a;
	dn d;
	long r = -1;

	arena_init(&a, 4096, 0);
	bool parsed = v.len <= DN_MAX_LEN &&
	    dn_parse((const char *)v.p, v.len, DN_STRICT, &a, &d) == 0;
	if (parsed)
		r = dn_normalize(&d, dn_canon, (void *)owner_of(at), out, cap);
	arena_free(&a);
	if (!parsed)
		return prep_write(v, M_FOLD | M_SPACES, out, cap);
	return r < 0 ? 0 : (size_t)r;
}

/*
 * The equality normal form: two values are equal under the type's rule
 * exactly when their normal forms are the same bytes.
 */
size_t
schema_value_normalize(const schema_attr *at, ber_slice v, char *out, size_t cap)
{
	int match = equality_of(at);
	sint i;
	stime t;

	switch (match) {
	case SCHEMA_MATCH_INTEGER:
		return schema_parse_integer(v, false, &i) ? integer_normal(i, out, cap) :
		    prep_write(v, 0, out, cap);
	case SCHEMA_MATCH_GENTIME:
		return schema_parse_gentime(v, &t) ? time_normal(t, out, cap) :
		    prep_write(v, 0, out, cap);
	case SCHEMA_MATCH_OID:
		return prep_write(oid_canon(at, v), M_FOLD, out, cap);
	case SCHEMA_MATCH_DN:
		return dn_normal(at, v, out, cap);
	default:
		return prep_write(v, prep_of(match), out, cap);
	}
}
