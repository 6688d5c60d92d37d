/*
 * ils_filter.c - ILS search filters rewritten into standard ones.
 *
 * Three things differ from RFC 4515 in what ILS clients send:
 *   - attribute names are ILS wire names (sappid, sprotid, sipaddress ...);
 *   - '%' is the wildcard: (cn=%) lists everyone, and the ILS API turns
 *     every '*' of its callers into '%', so '%' inside a value is a
 *     substring wildcard (only in ILS-shaped searches: ILS_FRW_PERCENT);
 *   - (sttl=N) is not a condition but an action, "refresh what the rest of
 *     the filter matches to N minutes" (MS-TAIL 3.2, 3.5.11).  It never
 *     excludes an entry: the node is taken out (an AND loses the child, an
 *     OR or NOT containing it matches everything) and N is reported.
 * MS-TAIL 3.5.11 even writes the attribute "mailto:cn"; the scheme prefix
 * is dropped (whether it arrives as an attribute "mailto:cn" or, as a text
 * filter parser reads it, as an extensible match of "mailto" by rule "cn").
 * The rewritten tree is a fresh copy in the request arena.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "ils/ils_internal.h"

static ldap_filter *
new_node(ils_frw *w, uint8_t type)
{
	if (w->budget == 0)
		return NULL;
	w->budget--;
	ldap_filter *f = arena_calloc(w->a, 1, sizeof(*f));
	if (f != NULL)
		f->type = type;
	return f;
}

/* (objectClass=*): what a removed (sttl=N) leaves behind where a node is needed. */
static ldap_filter *
true_node(ils_frw *w)
{
	ldap_filter *f = new_node(w, LDAP_FILTER_PRESENT);

	if (f != NULL)
		f->u.present = BER_SLICE_STR("objectClass");
	return f;
}

/* "mailto:cn" -> "cn"; cn -> uid in conference searches; aliases -> attributes. */
static ber_slice
map_attr(ils_frw *w, ber_slice attr, const schema_alias **alias)
{
	const uint8_t *colon = memchr(attr.p, ':', attr.len);

	*alias = NULL;
	if (colon != NULL && colon - attr.p == 6 &&
	    strncasecmp((const char *)attr.p, "mailto", 6) == 0) {
		attr.len -= 7;
		attr.p += 7;
		w->changed = true;
	}
	if ((w->flags & ILS_FRW_CONF_UID) && ldap_slice_eq_ci(attr, "cn")) {
		w->changed = true;
		return BER_SLICE_STR("uid");
	}
	ber_slice mapped = ils_map_name(w->env, attr, alias);
	if (*alias != NULL)
		w->changed = true;
	return mapped;
}

static bool
is_sttl(const schema_alias *al)
{
	return al != NULL && strcasecmp(al->attr, "entryTtl") == 0 && al->scale > 1;
}

/* An sttl comparison value (minutes) as entryTtl seconds. */
static ber_slice
scale_value(ils_frw *w, ber_slice v, int scale)
{
	int64_t n;
	char *buf;

	if (!ils_parse_int(v, &n) || n > ILS_TTL_MAX_MINUTES || n < -ILS_TTL_MAX_MINUTES ||
	    (buf = arena_alloc(w->a, 24)) == NULL)
		return v;
	int len = snprintf(buf, 24, "%lld", (long long)(n * scale));
	return (ber_slice){ (const uint8_t *)buf, (size_t)len };
}

/* ---- '%' wildcards ---- */

typedef struct pieces {
	ber_slice *v;
	size_t n, cap;
} pieces;

static void
piece_push(pieces *p, const uint8_t *s, size_t len)
{
	if (p->n < p->cap)
		p->v[p->n++] = (ber_slice){ s, len };
}

/* Splits v at each '%'; the first piece continues the current one (which is empty). */
static void
split_percent(pieces *p, ber_slice v, bool new_piece)
{
	size_t start = 0;

	if (new_piece)
		piece_push(p, v.p, 0);
	for (size_t i = 0; i <= v.len; i++) {
		if (i < v.len && v.p[i] != '%')
			continue;
		p->v[p->n - 1] = (ber_slice){ v.p + start, i - start };
		if (i < v.len)
			piece_push(p, v.p + i + 1, 0);
		start = i + 1;
	}
}

/*
 * Builds the node for a pattern given as pieces between wildcards: one
 * piece is a plain value (not called), all empty is presence, otherwise
 * substrings with the first piece as initial and the last as final.
 */
static ldap_filter *
pattern_node(ils_frw *w, ber_slice attr, const pieces *p)
{
	size_t nonempty = 0;

	for (size_t i = 0; i < p->n; i++)
		nonempty += p->v[i].len > 0;
	if (nonempty == 0) {
		ldap_filter *f = new_node(w, LDAP_FILTER_PRESENT);
		if (f != NULL)
			f->u.present = attr;
		return f;
	}
	ldap_filter *f = new_node(w, LDAP_FILTER_SUBSTRINGS);
	ldap_substr_part *parts = arena_calloc(w->a, nonempty, sizeof(*parts));
	if (f == NULL || parts == NULL)
		return NULL;
	size_t k = 0;
	for (size_t i = 0; i < p->n; i++) {
		if (p->v[i].len == 0)
			continue;
		parts[k].kind = i == 0 ? LDAP_SUBSTR_INITIAL :
		    i == p->n - 1 ? LDAP_SUBSTR_FINAL : LDAP_SUBSTR_ANY;
		parts[k++].value = p->v[i];
	}
	f->u.sub.attr = attr;
	f->u.sub.parts = parts;
	f->u.sub.nparts = k;
	return f;
}

static bool
has_percent(ber_slice v)
{
	return v.len > 0 && memchr(v.p, '%', v.len) != NULL;
}

static int
pieces_init(ils_frw *w, pieces *p, size_t cap)
{
	p->n = 0;
	p->cap = cap;
	p->v = arena_calloc(w->a, cap, sizeof(*p->v));
	return p->v == NULL ? -1 : 0;
}

static ldap_filter *
equality_percent(ils_frw *w, ber_slice attr, ber_slice value)
{
	pieces p;

	if (pieces_init(w, &p, value.len + 2) != 0)
		return NULL;
	split_percent(&p, value, true);
	w->changed = true;
	return pattern_node(w, attr, &p);
}

static ldap_filter *
substrings_percent(ils_frw *w, ber_slice attr, const ldap_filter *in)
{
	size_t cap = 2;
	pieces p;

	for (size_t i = 0; i < in->u.sub.nparts; i++)
		cap += in->u.sub.parts[i].value.len + 1;
	if (pieces_init(w, &p, cap) != 0)
		return NULL;
	piece_push(&p, NULL, 0);	/* the initial piece, empty unless an INITIAL part fills it */
	uint8_t last = LDAP_SUBSTR_ANY;
	for (size_t i = 0; i < in->u.sub.nparts; i++) {
		const ldap_substr_part *part = &in->u.sub.parts[i];
		split_percent(&p, part->value, part->kind != LDAP_SUBSTR_INITIAL);
		last = part->kind;
	}
	if (last != LDAP_SUBSTR_FINAL)
		piece_push(&p, NULL, 0);	/* ends with a wildcard */
	w->changed = true;
	return pattern_node(w, attr, &p);
}

/* ---- the tree walk ---- */

static int rewrite(ils_frw *w, const ldap_filter *in, ldap_filter **out, bool *removed);

static int
rewrite_set(ils_frw *w, const ldap_filter *in, ldap_filter **out, bool *removed)
{
	ldap_filter *f = new_node(w, in->type), **tail;
	bool any_removed = false;

	if (f == NULL)
		return -1;
	tail = &f->u.set.children;
	for (const ldap_filter *k = in->u.set.children; k != NULL; k = k->next) {
		ldap_filter *nk;
		bool gone;
		if (rewrite(w, k, &nk, &gone) != 0)
			return -1;
		if (gone) {
			any_removed = true;
			continue;
		}
		*tail = nk;
		tail = &nk->next;
		f->u.set.count++;
	}
	/* An OR with an action in it matches everything; so does an AND left empty. */
	if (any_removed && (in->type == LDAP_FILTER_OR || f->u.set.count == 0)) {
		*removed = true;
		return 0;
	}
	*out = f;
	return 0;
}

static int
rewrite_equality(ils_frw *w, const ldap_filter *in, ldap_filter **out, bool *removed)
{
	const schema_alias *al;
	ber_slice attr = map_attr(w, in->u.ava.attr, &al);
	ber_slice value = in->u.ava.value;

	if (is_sttl(al)) {
		int64_t n;
		if (ils_parse_int(value, &n) && n >= 0)
			w->sttl = n > ILS_TTL_MAX_MINUTES ? ILS_TTL_MAX_MINUTES : n;
		*removed = true;
		return 0;
	}
	if ((w->flags & ILS_FRW_PERCENT) && has_percent(value)) {
		*out = equality_percent(w, attr, value);
		return *out == NULL ? -1 : 0;
	}
	if ((w->flags & ILS_FRW_PERCENT) && ldap_slice_eq_ci(attr, "objectClass") &&
	    ldap_slice_eq_ci(value, "Conference")) {
		value = BER_SLICE_STR("rtConference");
		w->changed = true;
	}
	ldap_filter *f = new_node(w, in->type);
	if (f == NULL)
		return -1;
	f->u.ava.attr = attr;
	f->u.ava.value = value;
	*out = f;
	return 0;
}

static int
rewrite(ils_frw *w, const ldap_filter *in, ldap_filter **out, bool *removed)
{
	const schema_alias *al;
	ldap_filter *f;

	*removed = false;
	*out = NULL;
	switch (in->type) {
	case LDAP_FILTER_AND:
	case LDAP_FILTER_OR:
		return rewrite_set(w, in, out, removed);
	case LDAP_FILTER_NOT:
		if ((f = new_node(w, in->type)) == NULL ||
		    rewrite(w, in->u.not, &f->u.not, removed) != 0)
			return -1;
		*out = f;	/* a NOT of an action is an action too (*removed passes up) */
		return 0;
	case LDAP_FILTER_EQUALITY:
		return rewrite_equality(w, in, out, removed);
	case LDAP_FILTER_GE:
	case LDAP_FILTER_LE:
	case LDAP_FILTER_APPROX:
		if ((f = new_node(w, in->type)) == NULL)
			return -1;
		f->u.ava.attr = map_attr(w, in->u.ava.attr, &al);
		f->u.ava.value = in->u.ava.value;
		if (is_sttl(al) && in->type != LDAP_FILTER_APPROX)
			f->u.ava.value = scale_value(w, in->u.ava.value, al->scale);
		*out = f;
		return 0;
	case LDAP_FILTER_SUBSTRINGS: {
		ber_slice attr = map_attr(w, in->u.sub.attr, &al);
		bool pct = false;
		for (size_t i = 0; i < in->u.sub.nparts && (w->flags & ILS_FRW_PERCENT); i++)
			pct |= has_percent(in->u.sub.parts[i].value);
		if (pct) {
			*out = substrings_percent(w, attr, in);
			return *out == NULL ? -1 : 0;
		}
		if ((f = new_node(w, in->type)) == NULL)
			return -1;
		f->u.sub = in->u.sub;
		f->u.sub.attr = attr;
		*out = f;
		return 0;
	}
	case LDAP_FILTER_PRESENT:
		if ((f = new_node(w, in->type)) == NULL)
			return -1;
		f->u.present = map_attr(w, in->u.present, &al);
		*out = f;
		return 0;
	case LDAP_FILTER_EXTENSIBLE:
		if (in->u.ext.has_attr && in->u.ext.has_rule && !in->u.ext.dn_attrs &&
		    ldap_slice_eq_ci(in->u.ext.attr, "mailto") &&
		    ldap_slice_eq_ci(in->u.ext.rule, "cn")) {
			/* "(mailto:cn=X)" as a text filter parser reads it */
			ldap_filter eq = { .type = LDAP_FILTER_EQUALITY };
			eq.u.ava.attr = BER_SLICE_STR("cn");
			eq.u.ava.value = in->u.ext.value;
			w->changed = true;
			return rewrite_equality(w, &eq, out, removed);
		}
		if ((f = new_node(w, in->type)) == NULL)
			return -1;
		f->u.ext = in->u.ext;
		if (in->u.ext.has_attr)
			f->u.ext.attr = map_attr(w, in->u.ext.attr, &al);
		*out = f;
		return 0;
	default:
		if ((f = new_node(w, in->type)) == NULL)
			return -1;
		*f = *in;
		f->next = NULL;
		*out = f;
		return 0;
	}
}

int
ils_filter_rewrite(ils_frw *w, const ldap_filter *in, ldap_filter **out)
{
	bool removed;

	w->sttl = -1;
	w->changed = false;
	if (in == NULL) {
		*out = NULL;
		return 0;
	}
	if (rewrite(w, in, out, &removed) != 0)
		return -1;
	if (removed) {
		w->changed = true;
		*out = true_node(w);
		if (*out == NULL)
			return -1;
	}
	return 0;
}
