/*
 * filter.c - search filters evaluated on an entry (RFC 4511 4.5.1.7).
 *
 * A filter is compiled once per search: attribute descriptions become
 * schema keys and types, assertion values are copied, matching rules are
 * looked up.  Evaluation is three-valued: an item whose attribute type is
 * unknown (and absent), whose rule is unknown or does not apply, or whose
 * assertion value is invalid is Undefined; NOT of Undefined is Undefined,
 * and only True selects an entry.
 *
 * objectClass equality also matches subclasses ((objectClass=top) matches
 * every entry, (objectClass=person) an inetOrgPerson), as slapd does.
 */
#include <string.h>

#include "dir/dir_int.h"

#define MAX_DEPTH 128

static bool
is_integer(ber_slice v)
{
	size_t i = 0;

	if (v.len > 0 && (v.p[0] == '-' || v.p[0] == '+'))
		i = 1;
	if (i == v.len)
		return false;
	for (; i < v.len; i++)
		if (v.p[i] < '0' || v.p[i] > '9')
			return false;
	return true;
}

static bool
rule_is(const schema_attr *at, int match)
{
	return at != NULL && at->equality != NULL && at->equality->match == match;
}

/* The key keeps the description's tagging options: (cn;lang-en=x) looks at cn;lang-en only. */
static int
compile_key(const schema *s, dir_filter *df, ber_slice attr, arena *a)
{
	char key[DIR_KEYMAX];
	size_t klen = dir_desc_key(s, attr.p, attr.len, key, sizeof(key));

	if (klen == 0) {
		df->undef = true;
		return 0;
	}
	df->key = arena_strndup(a, key, klen);
	if (df->key == NULL)
		return -1;
	df->keylen = klen;
	df->at = schema_find_attr(s, key, klen);
	df->sup = attr_has_subtypes(s, df->at) ? df->at : NULL;
	return 0;
}

/* Names of ordering and substring rules, which extensible match does not apply. */
static bool
equality_rule(const schema_mrule *mr)
{
	const char *n = mr->name;
	size_t len = n ? strlen(n) : 0;

	if (len >= 13 && strcmp(n + len - 13, "OrderingMatch") == 0)
		return false;
	if (len >= 15 && strcmp(n + len - 15, "SubstringsMatch") == 0)
		return false;
	return true;
}

static int
compile_ext(const schema *s, const ldap_filter *f, dir_filter *df, arena *a)
{
	df->has_attr = f->u.ext.has_attr;
	df->dn_attrs = f->u.ext.dn_attrs;
	df->value = dir_copy_slice(a, f->u.ext.value);
	if (df->value.p == NULL)
		return -1;
	if (df->has_attr && compile_key(s, df, f->u.ext.attr, a) != 0)
		return -1;
	if (f->u.ext.has_rule) {
		const schema_mrule *mr = schema_find_mrule(s, (const char *)f->u.ext.rule.p,
		    f->u.ext.rule.len);
		if (mr == NULL || mr->match == SCHEMA_MATCH_NONE || !equality_rule(mr))
			df->undef = true;
		else
			df->xmatch = mr->match;
	} else if (!df->has_attr) {
		df->undef = true;	/* RFC 4511 4.5.1.7.7: neither rule nor type */
	} else if (df->at != NULL && df->at->equality == NULL) {
		df->undef = true;
	}
	if (df->xmatch == SCHEMA_MATCH_INTEGER && !is_integer(df->value))
		df->undef = true;
	return 0;
}

static int
compile_node(const schema *s, const ldap_filter *f, arena *a, int depth, dir_filter **out)
{
	dir_filter *df = arena_calloc(a, 1, sizeof(*df));
	dir_filter **tail;

	if (df == NULL || depth > MAX_DEPTH)
		return -1;
	df->type = f->type;
	*out = df;
	switch (f->type) {
	case LDAP_FILTER_AND:
	case LDAP_FILTER_OR:
		tail = &df->kids;
		for (const ldap_filter *k = f->u.set.children; k != NULL; k = k->next) {
			if (compile_node(s, k, a, depth + 1, tail) != 0)
				return -1;
			tail = &(*tail)->next;
		}
		return 0;
	case LDAP_FILTER_NOT:
		return f->u.not == NULL ? -1 : compile_node(s, f->u.not, a, depth + 1, &df->kids);
	case LDAP_FILTER_EQUALITY:
	case LDAP_FILTER_GE:
	case LDAP_FILTER_LE:
	case LDAP_FILTER_APPROX:
		if (compile_key(s, df, f->u.ava.attr, a) != 0)
			return -1;
		df->value = dir_copy_slice(a, f->u.ava.value);
		if (df->value.p == NULL)
			return -1;
		if (rule_is(df->at, SCHEMA_MATCH_INTEGER) && !is_integer(df->value))
			df->undef = true;
		if (f->type == LDAP_FILTER_EQUALITY && df->key != NULL &&
		    dir_key_is(df->key, df->keylen, "objectclass")) {
			df->is_oc = true;
			df->oc = schema_find_class(s, (const char *)df->value.p, df->value.len);
		}
		return 0;
	case LDAP_FILTER_SUBSTRINGS:
		if (compile_key(s, df, f->u.sub.attr, a) != 0)
			return -1;
		df->nparts = f->u.sub.nparts;
		df->parts = arena_calloc(a, df->nparts + 1, sizeof(*df->parts));
		if (df->parts == NULL)
			return -1;
		for (size_t i = 0; i < df->nparts; i++) {
			df->parts[i].kind = f->u.sub.parts[i].kind;
			df->parts[i].value = dir_copy_slice(a, f->u.sub.parts[i].value);
			if (df->parts[i].value.p == NULL)
				return -1;
		}
		return 0;
	case LDAP_FILTER_PRESENT:
		return compile_key(s, df, f->u.present, a);
	case LDAP_FILTER_EXTENSIBLE:
		return compile_ext(s, f, df, a);
	default:
		df->undef = true;
		return 0;
	}
}

int
dfilter_compile(const schema *s, const ldap_filter *f, arena *a, dir_filter **out)
{
	*out = NULL;
	if (f == NULL)
		return LDAP_SUCCESS;
	return compile_node(s, f, a, 0, out) == 0 ? LDAP_SUCCESS : LDAP_OTHER;
}

/* ---- evaluation ---- */

static bool
isalnum_ascii(uint8_t ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
}

/* Folds ASCII case and runs of spaces, trimming both ends: approximate matching. */
static size_t
fold(ber_slice v, uint8_t *out, size_t cap, bool icase)
{
	size_t n = 0;
	bool space = false;

	for (size_t i = 0; i < v.len && n < cap; i++) {
		uint8_t ch = v.p[i];
		if (ch == ' ') {
			space = n > 0;
			continue;
		}
		if (space && n < cap)
			out[n++] = ' ';
		space = false;
		if (icase && ch >= 'A' && ch <= 'Z')
			ch += 32;
		if (n < cap)
			out[n++] = ch;
	}
	return n;
}

static bool
folded_equal(ber_slice a, ber_slice b, bool icase)
{
	uint8_t fa[512], fb[512];
	size_t na, nb;

	if (a.len > sizeof(fa) || b.len > sizeof(fb)) {
		/* Long values: compare in place, spaces significant. */
		if (a.len != b.len)
			return false;
		for (size_t i = 0; i < a.len; i++) {
			uint8_t x = a.p[i], y = b.p[i];
			if (icase && x >= 'A' && x <= 'Z')
				x += 32;
			if (icase && y >= 'A' && y <= 'Z')
				y += 32;
			if (x != y)
				return false;
		}
		return true;
	}
	na = fold(a, fa, sizeof(fa), icase);
	nb = fold(b, fb, sizeof(fb), icase);
	return na == nb && memcmp(fa, fb, na) == 0;
}

/* ---- approximate matching: words that sound alike (Soundex) ---- */

#define APPROX_WORDS 32
#define APPROX_CODE 16

typedef struct approx_words {
	char code[APPROX_WORDS][APPROX_CODE + 1];
	size_t n;
} approx_words;

static int
soundex_digit(uint8_t ch)
{
	static const char map[] = "01230120022455012623010202";

	return map[ch - 'a'];
}

/*
 * One word's code: Soundex (first letter, then up to three consonant
 * classes) for a word of letters; a word with digits is kept as written
 * (folded), so numbers only match themselves.
 */
static void
word_code(const uint8_t *w, size_t len, char *out)
{
	size_t n = 0;
	char last;
	bool digits = false;

	for (size_t i = 0; i < len; i++)
		digits |= w[i] >= '0' && w[i] <= '9';
	if (digits) {
		for (size_t i = 0; i < len && n < APPROX_CODE; i++)
			out[n++] = (char)(w[i] >= 'A' && w[i] <= 'Z' ? w[i] + 32 : w[i]);
		out[n] = '\0';
		return;
	}
	out[n++] = (char)(w[0] >= 'a' ? w[0] - 32 : w[0]);
	last = soundex_digit((uint8_t)(out[0] + 32));
	for (size_t i = 1; i < len && n < 4; i++) {
		uint8_t ch = (uint8_t)(w[i] >= 'A' && w[i] <= 'Z' ? w[i] + 32 : w[i]);
		char d = soundex_digit(ch);

		if (ch == 'h' || ch == 'w')
			continue;	/* do not separate equal classes */
		if (d != '0' && d != last)
			out[n++] = d;
		last = d;
	}
	while (n < 4)
		out[n++] = '0';
	out[n] = '\0';
}

/* Splits a value into words of ASCII letters and digits; other bytes separate. */
static void
approx_split(ber_slice v, approx_words *out)
{
	size_t i = 0;

	out->n = 0;
	while (i < v.len && out->n < APPROX_WORDS) {
		size_t start;
		while (i < v.len && !isalnum_ascii(v.p[i]))
			i++;
		start = i;
		while (i < v.len && isalnum_ascii(v.p[i]))
			i++;
		if (i > start)
			word_code(v.p + start, i - start, out->code[out->n++]);
	}
}

/* Every word of the assertion sounds like a word of the value, in the same order. */
static bool
sounds_alike(ber_slice value, ber_slice assertion)
{
	approx_words vw, aw;
	size_t j = 0;

	approx_split(assertion, &aw);
	if (aw.n == 0)
		return false;
	approx_split(value, &vw);
	for (size_t i = 0; i < vw.n && j < aw.n; i++)
		if (strcmp(vw.code[i], aw.code[j]) == 0)
			j++;
	return j == aw.n;
}

static int
int_compare(ber_slice a, ber_slice b, bool *ok)
{
	/* Compare decimal integers of any length without converting them. */
	bool na = a.len && a.p[0] == '-', nb = b.len && b.p[0] == '-';
	size_t ia = (a.len && (a.p[0] == '-' || a.p[0] == '+')), ib = (b.len && (b.p[0] == '-' ||
	    b.p[0] == '+'));
	int sign;

	*ok = is_integer(a) && is_integer(b);
	if (!*ok)
		return 0;
	while (ia + 1 < a.len && a.p[ia] == '0')
		ia++;
	while (ib + 1 < b.len && b.p[ib] == '0')
		ib++;
	if (a.len - ia == 1 && a.p[ia] == '0')
		na = false;
	if (b.len - ib == 1 && b.p[ib] == '0')
		nb = false;
	if (na != nb)
		return na ? -1 : 1;
	sign = na ? -1 : 1;
	if (a.len - ia != b.len - ib)
		return (a.len - ia < b.len - ib ? -1 : 1) * sign;
	int c = memcmp(a.p + ia, b.p + ib, a.len - ia);
	return (c < 0 ? -1 : c > 0) * sign;
}

/* Matching with an explicitly named rule (extensible match). */
static int
rule_match(int match, const schema_attr *at, ber_slice v, ber_slice assertion)
{
	bool ok;

	switch (match) {
	case SCHEMA_MATCH_CASE_IGNORE:
		return folded_equal(v, assertion, true) ? DF_TRUE : DF_FALSE;
	case SCHEMA_MATCH_CASE_EXACT:
		return folded_equal(v, assertion, false) ? DF_TRUE : DF_FALSE;
	case SCHEMA_MATCH_OCTET:
		return v.len == assertion.len && memcmp(v.p, assertion.p, v.len) == 0 ? DF_TRUE :
		    DF_FALSE;
	case SCHEMA_MATCH_INTEGER:
		if (int_compare(v, assertion, &ok) == 0 && ok)
			return DF_TRUE;
		return DF_FALSE;
	default:
		if (rule_is(at, match))
			return schema_value_equal(at, v, assertion) ? DF_TRUE : DF_FALSE;
		return DF_UNDEF;
	}
}

static int
eval_oc(const dir_filter *f, const dir_view *v)
{
	const ber_slice *vals;
	uint32_t n;

	if (!view_values(v, f->key, f->keylen, &vals, &n))
		return DF_FALSE;
	if (f->oc != NULL && f->oc->key != NULL && strcmp(f->oc->key, "top") == 0)
		return DF_TRUE;
	for (uint32_t i = 0; i < n; i++) {
		const schema_class *c;

		if (folded_equal(vals[i], f->value, true))
			return DF_TRUE;
		if (f->oc == NULL)
			continue;
		c = schema_find_class(v->s, (const char *)vals[i].p, vals[i].len);
		if (oper_class_is_a(c, f->oc))
			return DF_TRUE;
	}
	return DF_FALSE;
}

/* Value lookup shared by the attribute-value items. */
static int
item_values(const dir_filter *f, const dir_view *v, const ber_slice **vals, uint32_t *n)
{
	if (f->undef || f->key == NULL)
		return DF_UNDEF;
	if (!view_desc_values(v, f->sup, f->key, f->keylen, vals, n))
		return f->at == NULL ? DF_UNDEF : DF_FALSE;
	return DF_TRUE;
}

static int
eval_ava(const dir_filter *f, const dir_view *v)
{
	const ber_slice *vals;
	uint32_t n;
	int r = item_values(f, v, &vals, &n), res = DF_FALSE;

	if (r != DF_TRUE)
		return r;
	if (f->type == LDAP_FILTER_EQUALITY) {
		if (f->at != NULL && f->at->equality == NULL)
			return DF_UNDEF;
		for (uint32_t i = 0; i < n; i++)
			if (schema_value_equal(f->at, vals[i], f->value))
				return DF_TRUE;
		return DF_FALSE;
	}
	if (f->type == LDAP_FILTER_APPROX) {
		/* Strings: equal ignoring case and spaces, or sounding alike word by word
		 * (RFC 4511 4.5.1.7.6 leaves the algorithm to the server). */
		bool exact = f->at != NULL && f->at->equality != NULL &&
		    f->at->equality->match != SCHEMA_MATCH_CASE_IGNORE &&
		    f->at->equality->match != SCHEMA_MATCH_CASE_EXACT;
		for (uint32_t i = 0; i < n; i++)
			if (exact ? schema_value_equal(f->at, vals[i], f->value) :
			    (folded_equal(vals[i], f->value, true) || sounds_alike(vals[i], f->value)))
				return DF_TRUE;
		return DF_FALSE;
	}
	for (uint32_t i = 0; i < n; i++) {
		bool ok = false;
		int c = schema_value_order(f->at, vals[i], f->value, &ok);
		if (!ok)
			res = DF_UNDEF;
		else if (f->type == LDAP_FILTER_GE ? c >= 0 : c <= 0)
			return DF_TRUE;
	}
	return res;
}

static int
eval_substr(const dir_filter *f, const dir_view *v)
{
	const ber_slice *vals;
	uint32_t n;
	int r = item_values(f, v, &vals, &n);

	if (r != DF_TRUE)
		return r;
	for (uint32_t i = 0; i < n; i++)
		if (schema_value_substr(f->at, vals[i], f->parts, f->nparts))
			return DF_TRUE;
	return DF_FALSE;
}

static int
eval_present(const dir_filter *f, const dir_view *v)
{
	const ber_slice *vals;
	uint32_t n;

	if (f->undef || f->key == NULL)
		return DF_UNDEF;
	if (view_desc_values(v, f->sup, f->key, f->keylen, &vals, &n))
		return DF_TRUE;
	if (dir_key_is(f->key, f->keylen, "objectclass"))
		return DF_TRUE;	/* every entry has one, even ILS entries stored without */
	return f->at == NULL ? DF_UNDEF : DF_FALSE;
}

static int
ext_values(const dir_filter *f, const ber_slice *vals, uint32_t n, const schema_attr *at,
    int *res)
{
	for (uint32_t i = 0; i < n; i++) {
		int r = f->xmatch ? rule_match(f->xmatch, at, vals[i], f->value) :
		    (schema_value_equal(at, vals[i], f->value) ? DF_TRUE : DF_FALSE);
		if (r == DF_TRUE)
			return DF_TRUE;
		if (r == DF_UNDEF)
			*res = DF_UNDEF;
	}
	return DF_FALSE;
}

/* RFC 4511 4.5.1.7.7: the DN's attribute values take part when dnAttributes is set. */
static int
ext_dn(const dir_filter *f, const dir_view *v, int *res)
{
	dn parsed;

	if (dn_parse((const char *)v->e->dn.p, v->e->dn.len, DN_LENIENT, v->a, &parsed) != 0)
		return DF_FALSE;
	for (size_t i = 0; i < parsed.nrdns; i++) {
		for (size_t j = 0; j < parsed.rdns[i].navas; j++) {
			const dn_ava *ava = &parsed.rdns[i].avas[j];
			char key[DIR_KEYMAX];
			size_t klen = dir_key(v->s, ava->type, ava->typelen, key, sizeof(key));
			ber_slice val = { (const uint8_t *)ava->value, ava->valuelen };
			const schema_attr *at = schema_find_attr(v->s, key, klen);

			if (f->has_attr && (f->key == NULL || klen != f->keylen ||
			    memcmp(key, f->key, klen) != 0))
				continue;
			if (ext_values(f, &val, 1, at, res) == DF_TRUE)
				return DF_TRUE;
		}
	}
	return DF_FALSE;
}

static int
eval_ext(const dir_filter *f, const dir_view *v)
{
	int res = DF_FALSE;

	if (f->undef)
		return DF_UNDEF;
	if (f->has_attr) {
		const ber_slice *vals;
		uint32_t n;
		if (f->key != NULL && view_desc_values(v, f->sup, f->key, f->keylen, &vals, &n) &&
		    ext_values(f, vals, n, f->at, &res) == DF_TRUE)
			return DF_TRUE;
	} else {
		for (uint32_t i = 0; i < v->e->nattrs; i++) {
			const entry_attr *ea = &v->e->attrs[i];
			const schema_attr *at = schema_find_attr(v->s, (const char *)ea->key.p,
			    ea->key.len);
			if (ext_values(f, ea->vals, ea->nvals, at, &res) == DF_TRUE)
				return DF_TRUE;
		}
	}
	if (f->dn_attrs && ext_dn(f, v, &res) == DF_TRUE)
		return DF_TRUE;
	return res;
}

int
dfilter_eval(const dir_filter *f, const dir_view *v)
{
	int r, x;

	if (f == NULL)
		return DF_TRUE;
	switch (f->type) {
	case LDAP_FILTER_AND:
		r = DF_TRUE;
		for (const dir_filter *k = f->kids; k != NULL; k = k->next) {
			x = dfilter_eval(k, v);
			if (x == DF_FALSE)
				return DF_FALSE;
			if (x == DF_UNDEF)
				r = DF_UNDEF;
		}
		return r;
	case LDAP_FILTER_OR:
		r = DF_FALSE;
		for (const dir_filter *k = f->kids; k != NULL; k = k->next) {
			x = dfilter_eval(k, v);
			if (x == DF_TRUE)
				return DF_TRUE;
			if (x == DF_UNDEF)
				r = DF_UNDEF;
		}
		return r;
	case LDAP_FILTER_NOT:
		x = dfilter_eval(f->kids, v);
		return x == DF_UNDEF ? DF_UNDEF : (x == DF_TRUE ? DF_FALSE : DF_TRUE);
	case LDAP_FILTER_EQUALITY:
		if (f->is_oc && !f->undef)
			return eval_oc(f, v);
		return eval_ava(f, v);
	case LDAP_FILTER_GE:
	case LDAP_FILTER_LE:
	case LDAP_FILTER_APPROX:
		return eval_ava(f, v);
	case LDAP_FILTER_SUBSTRINGS:
		return eval_substr(f, v);
	case LDAP_FILTER_PRESENT:
		return eval_present(f, v);
	case LDAP_FILTER_EXTENSIBLE:
		return eval_ext(f, v);
	default:
		return DF_UNDEF;
	}
}
