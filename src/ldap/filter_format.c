/*
 * filter_format.c - the RFC 4515 string of a filter tree, for logs, tests
 * and tools.  Values are escaped so that filter_parse reads back the same
 * tree: '*' '(' ')' '\' NUL and every byte outside printable ASCII become
 * \XX.  Recursion depth equals the tree depth, which the decoder and
 * filter_parse both bound.
 */
#include "ldap/filter_text.h"

typedef struct fout {
	char *buf;
	size_t cap, len;
	bool full;
} fout;

static void
put(fout *o, char c)
{
	if (o->len + 1 < o->cap)
		o->buf[o->len++] = c;
	else
		o->full = true;
}

static void
put_str(fout *o, const char *s)
{
	while (*s)
		put(o, *s++);
}

/* Attribute names and rule OIDs are written as they are. */
static void
put_raw(fout *o, ber_slice s)
{
	for (size_t i = 0; i < s.len; i++)
		put(o, (char)s.p[i]);
}

static void
put_value(fout *o, ber_slice v)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < v.len; i++) {
		uint8_t c = v.p[i];
		if (c == '*' || c == '(' || c == ')' || c == '\\' || c < 0x20 || c >= 0x7f) {
			put(o, '\\');
			put(o, digits[c >> 4]);
			put(o, digits[c & 15]);
		} else {
			put(o, (char)c);
		}
	}
}

/* initial "*" any "*" ... final, with a '*' wherever a part kind is absent. */
static void
put_substrings(fout *o, const ldap_filter *f)
{
	const ldap_substr_part *parts = f->u.sub.parts;
	size_t n = f->u.sub.nparts;

	for (size_t i = 0; i < n; i++) {
		if (i > 0 || parts[i].kind != LDAP_SUBSTR_INITIAL)
			put(o, '*');
		put_value(o, parts[i].value);
	}
	if (n == 0 || parts[n - 1].kind != LDAP_SUBSTR_FINAL)
		put(o, '*');
}

static void
put_filter(fout *o, const ldap_filter *f)
{
	put(o, '(');
	switch (f->type) {
	case LDAP_FILTER_AND:
	case LDAP_FILTER_OR:
		put(o, f->type == LDAP_FILTER_AND ? '&' : '|');
		for (const ldap_filter *c = f->u.set.children; c != NULL; c = c->next)
			put_filter(o, c);
		break;
	case LDAP_FILTER_NOT:
		put(o, '!');
		if (f->u.not != NULL)
			put_filter(o, f->u.not);
		break;
	case LDAP_FILTER_EQUALITY:
	case LDAP_FILTER_GE:
	case LDAP_FILTER_LE:
	case LDAP_FILTER_APPROX:
		put_raw(o, f->u.ava.attr);
		put_str(o, f->type == LDAP_FILTER_GE ? ">=" : f->type == LDAP_FILTER_LE ? "<=" :
		    f->type == LDAP_FILTER_APPROX ? "~=" : "=");
		put_value(o, f->u.ava.value);
		break;
	case LDAP_FILTER_SUBSTRINGS:
		put_raw(o, f->u.sub.attr);
		put(o, '=');
		put_substrings(o, f);
		break;
	case LDAP_FILTER_PRESENT:
		put_raw(o, f->u.present);
		put_str(o, "=*");
		break;
	case LDAP_FILTER_EXTENSIBLE:
		if (f->u.ext.has_attr)
			put_raw(o, f->u.ext.attr);
		if (f->u.ext.dn_attrs)
			put_str(o, ":dn");
		if (f->u.ext.has_rule) {
			put(o, ':');
			put_raw(o, f->u.ext.rule);
		}
		put_str(o, ":=");
		put_value(o, f->u.ext.value);
		break;
	default:
		put_str(o, "?unknown?");
		break;
	}
	put(o, ')');
}

long
filter_format(const ldap_filter *f, char *out, size_t cap)
{
	fout o = { out, cap, 0, false };

	put_filter(&o, f);
	if (o.full || cap == 0)
		return -1;
	out[o.len] = '\0';
	return (long)o.len;
}
