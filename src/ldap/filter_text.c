/*
 * filter_text.c - parsing RFC 4515 filter strings into ldap_filter trees.
 *
 * The parser is iterative: AND/OR/NOT nodes waiting for their closing
 * parenthesis sit on an explicit stack bounded by max_depth, so hostile
 * nesting fails with an error instead of exhausting the C stack.
 *
 * Besides RFC 4515 it accepts what old clients produce: the RFC 1960
 * escapes "\*" "\(" "\)" "\\", the unparenthesised "cn=X" of old client
 * libraries (read as if wrapped in parentheses), whitespace around the
 * whole filter and between the members of a set, and the empty sets
 * "(&)" / "(|)" of RFC 4526.
 */
#include "ldap/filter_text.h"

#include <string.h>
#include <strings.h>

typedef struct filter_parser {
	const char *s;
	size_t pos, end;
	arena *a;
	const char *why;
} filter_parser;

/* A set or NOT still waiting for members. */
typedef struct open_set {
	ldap_filter *node;
	ldap_filter *last;	/* last member so far (sets) */
} open_set;

static bool
is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int
hex_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Attribute descriptions, options and matching rule names or OIDs. */
static bool
is_attr_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    c == '-' || c == '.' || c == ';' || c == '_';
}

static int
fail(filter_parser *p, const char *why)
{
	if (p->why == NULL)
		p->why = why;
	return -1;
}

static void
skip_ws(filter_parser *p)
{
	while (p->pos < p->end && is_ws(p->s[p->pos]))
		p->pos++;
}

static int
copy_slice(filter_parser *p, size_t from, size_t to, ber_slice *out)
{
	char *c = arena_strndup(p->a, p->s + from, to - from);

	if (c == NULL)
		return fail(p, "out of memory");
	out->p = (const uint8_t *)c;
	out->len = to - from;
	return 0;
}

static size_t
scan_attr(filter_parser *p)
{
	size_t start = p->pos;

	while (p->pos < p->end && is_attr_char(p->s[p->pos]))
		p->pos++;
	return p->pos - start;
}

/*
 * Length of the escape at the backslash at i: 3 for \XX, 2 for the
 * RFC 1960 forms, 0 if invalid.
 */
static size_t
escape_len(const char *s, size_t i, size_t end)
{
	if (i + 1 >= end)
		return 0;
	if (i + 2 < end && hex_val(s[i + 1]) >= 0 && hex_val(s[i + 2]) >= 0)
		return 3;
	return strchr("*()\\", s[i + 1]) != NULL && s[i + 1] != '\0' ? 2 : 0;
}

/*
 * Finds the end of an assertion value (the unescaped ')'), checking the
 * escapes and counting the unescaped '*' on the way.
 */
static int
scan_value(filter_parser *p, size_t *stars)
{
	*stars = 0;
	while (p->pos < p->end && p->s[p->pos] != ')') {
		char c = p->s[p->pos];
		if (c == '\\') {
			size_t el = escape_len(p->s, p->pos, p->end);
			if (el == 0)
				return fail(p, "bad escape in value");
			p->pos += el;
			continue;
		}
		if (c == '\0' || c == '(')
			return fail(p, "unescaped character in value");
		if (c == '*')
			(*stars)++;
		p->pos++;
	}
	if (p->pos == p->end)
		return fail(p, "missing ')'");
	return 0;
}

/* Unescaped copy of s[from, to) (escapes already checked). */
static int
unescape(filter_parser *p, size_t from, size_t to, ber_slice *out)
{
	char *buf = arena_alloc(p->a, to - from + 1);
	size_t n = 0;

	if (buf == NULL)
		return fail(p, "out of memory");
	for (size_t i = from; i < to;) {
		if (p->s[i] != '\\') {
			buf[n++] = p->s[i++];
		} else if (escape_len(p->s, i, to) == 3) {
			buf[n++] = (char)(hex_val(p->s[i + 1]) << 4 | hex_val(p->s[i + 2]));
			i += 3;
		} else {
			buf[n++] = p->s[i + 1];
			i += 2;
		}
	}
	buf[n] = '\0';
	out->p = (const uint8_t *)buf;
	out->len = n;
	return 0;
}

/* Next unescaped '*' at or after i, or to. */
static size_t
next_star(const char *s, size_t i, size_t to)
{
	while (i < to && s[i] != '*') {
		size_t el = s[i] == '\\' ? escape_len(s, i, to) : 1;
		i += el > 0 ? el : 1;
	}
	return i;
}

/*
 * "a*b*c": the pieces between the stars become initial/any/final parts;
 * empty pieces ("a**b") are dropped.  Nothing left means presence.
 */
static int
build_substrings(filter_parser *p, ldap_filter *f, size_t from, size_t to, size_t stars)
{
	ldap_substr_part *parts = arena_calloc(p->a, stars + 1, sizeof(*parts));
	size_t n = 0, i = from, piece = 0;

	if (parts == NULL)
		return fail(p, "out of memory");
	while (piece <= stars) {
		size_t stop = next_star(p->s, i, to);
		if (stop > i) {
			parts[n].kind = piece == 0 ? LDAP_SUBSTR_INITIAL :
			    piece == stars ? LDAP_SUBSTR_FINAL : LDAP_SUBSTR_ANY;
			if (unescape(p, i, stop, &parts[n].value) != 0)
				return -1;
			n++;
		}
		i = stop + 1;
		piece++;
	}
	if (n == 0) {
		ber_slice attr = f->u.ava.attr;
		f->type = LDAP_FILTER_PRESENT;
		f->u.present = attr;
		return 0;
	}
	ber_slice attr = f->u.ava.attr;
	f->type = LDAP_FILTER_SUBSTRINGS;
	f->u.sub.attr = attr;
	f->u.sub.parts = parts;
	f->u.sub.nparts = n;
	return 0;
}

/* attr [":dn"] [":" rule] ":=" value, or [":dn"] ":" rule ":=" value. */
static int
parse_extensible(filter_parser *p, ldap_filter *f, size_t attr_from, size_t attr_len)
{
	size_t stars;
	bool assign = false;

	f->type = LDAP_FILTER_EXTENSIBLE;
	if (attr_len > 0) {
		f->u.ext.has_attr = true;
		if (copy_slice(p, attr_from, attr_from + attr_len, &f->u.ext.attr) != 0)
			return -1;
	}
	while (p->pos < p->end && p->s[p->pos] == ':') {
		p->pos++;
		if (p->pos < p->end && p->s[p->pos] == '=') {
			assign = true;
			break;
		}
		size_t from = p->pos, n = scan_attr(p);
		if (n == 0 || f->u.ext.has_rule)
			return fail(p, "bad extensible match");
		if (n == 2 && !f->u.ext.dn_attrs && strncasecmp(p->s + from, "dn", 2) == 0) {
			f->u.ext.dn_attrs = true;
			continue;
		}
		f->u.ext.has_rule = true;
		if (copy_slice(p, from, from + n, &f->u.ext.rule) != 0)
			return -1;
	}
	if (!assign)
		return fail(p, "expected ':='");
	if (!f->u.ext.has_attr && !f->u.ext.has_rule)
		return fail(p, "extensible match needs a type or a rule");
	size_t from = ++p->pos;
	if (scan_value(p, &stars) != 0)
		return -1;
	if (stars > 0)
		return fail(p, "'*' in extensible match value");
	return unescape(p, from, p->pos, &f->u.ext.value);
}

/* An item after its '(' up to and including its ')'. */
static int
parse_item(filter_parser *p, ldap_filter *f)
{
	size_t attr_from = p->pos, attr_len = scan_attr(p), stars;

	if (p->pos < p->end && p->s[p->pos] == ':') {
		if (parse_extensible(p, f, attr_from, attr_len) != 0)
			return -1;
		p->pos++;
		return 0;
	}
	if (attr_len == 0)
		return fail(p, "missing attribute");
	if (p->pos + 1 >= p->end)
		return fail(p, "truncated item");
	switch (p->s[p->pos]) {
	case '=':
		f->type = LDAP_FILTER_EQUALITY;
		p->pos++;
		break;
	case '~':
		f->type = LDAP_FILTER_APPROX;
		p->pos++;
		break;
	case '>':
		f->type = LDAP_FILTER_GE;
		p->pos++;
		break;
	case '<':
		f->type = LDAP_FILTER_LE;
		p->pos++;
		break;
	default:
		return fail(p, "bad filter type");
	}
	if (f->type != LDAP_FILTER_EQUALITY && p->s[p->pos++] != '=')
		return fail(p, "bad filter type");
	if (copy_slice(p, attr_from, attr_from + attr_len, &f->u.ava.attr) != 0)
		return -1;
	size_t from = p->pos;
	if (scan_value(p, &stars) != 0)
		return -1;
	size_t to = p->pos++;
	if (stars == 0)
		return unescape(p, from, to, &f->u.ava.value);
	if (f->type != LDAP_FILTER_EQUALITY)
		return fail(p, "'*' in ordering or approximate value");
	return build_substrings(p, f, from, to, stars);
}

static void
attach(open_set *parent, ldap_filter *f, ldap_filter **root)
{
	if (parent == NULL) {
		*root = f;
	} else if (parent->node->type == LDAP_FILTER_NOT) {
		parent->node->u.not = f;
	} else {
		if (parent->last == NULL)
			parent->node->u.set.children = f;
		else
			parent->last->next = f;
		parent->last = f;
		parent->node->u.set.count++;
	}
}

/*
 * The main loop: at each step either a '(' opens a filter (a set that
 * goes on the stack, or an item that is parsed whole) or a ')' closes the
 * innermost set.  Ends when the outermost filter is complete.
 */
static int
parse_filters(filter_parser *p, unsigned max_nodes, unsigned max_depth, ldap_filter **root)
{
	size_t cap = max_depth < p->end / 2 + 1 ? max_depth : p->end / 2 + 1;
	open_set *stack = arena_calloc(p->a, cap + 1, sizeof(*stack));
	size_t depth = 0;
	unsigned nodes = 0;

	if (stack == NULL)
		return fail(p, "out of memory");
	do {
		open_set *top = depth > 0 ? &stack[depth - 1] : NULL;
		if (depth > 0)
			skip_ws(p);
		if (p->pos == p->end)
			return fail(p, "missing ')'");
		if (p->s[p->pos] == ')' && top != NULL) {
			if (top->node->type == LDAP_FILTER_NOT && top->node->u.not == NULL)
				return fail(p, "empty '!'");
			p->pos++;
			depth--;
			continue;
		}
		if (p->s[p->pos] != '(')
			return fail(p, "expected '('");
		if (top != NULL && top->node->type == LDAP_FILTER_NOT && top->node->u.not != NULL)
			return fail(p, "'!' takes one filter");
		if (depth >= max_depth || depth >= cap)
			return fail(p, "filter nested too deeply");
		if (nodes >= max_nodes)
			return fail(p, "too many filter nodes");
		nodes++;
		p->pos++;
		ldap_filter *f = arena_calloc(p->a, 1, sizeof(*f));
		if (f == NULL)
			return fail(p, "out of memory");
		attach(top, f, root);
		char c = p->pos < p->end ? p->s[p->pos] : '\0';
		if (c == '&' || c == '|' || c == '!') {
			f->type = c == '&' ? LDAP_FILTER_AND : c == '|' ? LDAP_FILTER_OR :
			    LDAP_FILTER_NOT;
			p->pos++;
			stack[depth].node = f;
			stack[depth].last = NULL;
			depth++;
		} else if (parse_item(p, f) != 0) {
			return -1;
		}
	} while (depth > 0);
	return 0;
}

int
filter_parse(const char *s, size_t len, arena *a, unsigned max_nodes, unsigned max_depth,
    ldap_filter **out, const char **why)
{
	filter_parser p = { s, 0, len, a, NULL };
	const char *dummy;

	if (why == NULL)
		why = &dummy;
	*out = NULL;
	*why = NULL;
	while (p.end > 0 && is_ws(s[p.end - 1]))
		p.end--;
	skip_ws(&p);
	if (p.pos == p.end) {
		*why = "empty filter";
		return -1;
	}
	if (s[p.pos] != '(') {
		/* "cn=X": parse a parenthesised copy. */
		size_t n = p.end - p.pos;
		char *w = arena_alloc(a, n + 3);
		if (w == NULL) {
			*why = "out of memory";
			return -1;
		}
		w[0] = '(';
		memcpy(w + 1, s + p.pos, n);
		w[n + 1] = ')';
		w[n + 2] = '\0';
		p.s = w;
		p.pos = 0;
		p.end = n + 2;
	}
	ldap_filter *root = NULL;
	if (parse_filters(&p, max_nodes, max_depth, &root) != 0) {
		*why = p.why;
		return -1;
	}
	if (p.pos != p.end) {
		*why = "trailing characters after filter";
		return -1;
	}
	*out = root;
	return 0;
}
