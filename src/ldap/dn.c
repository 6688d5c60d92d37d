/*
 * dn.c - parsing distinguished names (RFC 4514, with the RFC 1779 forms
 * LDAPv2 clients send: ';' separators, spaces around '=' and separators,
 * quoted values, "OID." type prefixes, an enclosing "<...>").
 *
 * Values are taken as bytes: anything but an unescaped separator (',' ';'
 * '+') or NUL is part of the value, including 8-bit bytes, so ISO-8859-1
 * names from NetMeeting and the ILS pseudo-DNs ("cn=user]host",
 * "cn=x@y") parse in both modes.  The modes differ only in attribute
 * types: strict wants a descr or numericoid, lenient takes any text
 * without '=' ',' ';' '+' NUL ("mailto:cn").
 */
#include "ldap/dn.h"

#include <string.h>
#include <strings.h>

typedef struct dn_parser {
	const char *s;
	size_t pos, end;
	bool lenient;
	arena *a;
} dn_parser;

static bool
is_space(char c)
{
	return c == ' ';
}

static bool
is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
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

/* Characters RFC 4514 (and RFC 1779) allow after a backslash. */
static bool
is_escapable(char c)
{
	return c != '\0' && strchr(" \"#+,;<=>\\", c) != NULL;
}

static bool
is_separator(char c)
{
	return c == ',' || c == ';' || c == '+';
}

static void
skip_spaces(dn_parser *p)
{
	while (p->pos < p->end && is_space(p->s[p->pos]))
		p->pos++;
}

/*
 * Length of the escape sequence starting at the backslash at i: 3 for a
 * hex pair, 2 for an escaped special character, 0 if it is not a valid
 * escape (trailing backslash, bad hex, anything else escaped).
 */
static size_t
escape_len(const char *s, size_t i, size_t end)
{
	if (i + 1 >= end)
		return 0;
	if (hex_val(s[i + 1]) >= 0)
		return (i + 2 < end && hex_val(s[i + 2]) >= 0) ? 3 : 0;
	return is_escapable(s[i + 1]) ? 2 : 0;
}

/* numericoid = number 1*( "." number ), leading zeros tolerated. */
static bool
is_numericoid(const char *t, size_t n)
{
	size_t i = 0, dots = 0;

	for (;;) {
		size_t start = i;
		while (i < n && is_digit(t[i]))
			i++;
		if (i == start)
			return false;
		if (i == n)
			return dots > 0;
		if (t[i] != '.')
			return false;
		dots++;
		i++;
	}
}

/* descr = ALPHA *( ALPHA / DIGIT / "-" ) */
static bool
is_descr(const char *t, size_t n)
{
	if (n == 0 || !is_alpha(t[0]))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!is_alpha(t[i]) && !is_digit(t[i]) && t[i] != '-')
			return false;
	return true;
}

/* Copies s[from, to) into the arena, decoding escapes (already validated by the caller's scan). */
static char *
unescape(dn_parser *p, size_t from, size_t to, size_t *outlen)
{
	char *buf = arena_alloc(p->a, to - from + 1);
	size_t n = 0;

	if (buf == NULL)
		return NULL;
	for (size_t i = from; i < to;) {
		if (p->s[i] != '\\') {
			buf[n++] = p->s[i++];
			continue;
		}
		size_t el = escape_len(p->s, i, to);
		if (el == 3)
			buf[n++] = (char)(hex_val(p->s[i + 1]) << 4 | hex_val(p->s[i + 2]));
		else if (el == 2)
			buf[n++] = p->s[i + 1];
		else
			return NULL;
		i += el;
	}
	buf[n] = '\0';
	*outlen = n;
	return buf;
}

/*
 * AttributeType, up to the '='.  The "OID." prefix of RFC 1779 is dropped
 * so that "OID.2.5.4.3" and "2.5.4.3" are the same type.
 */
static int
parse_type(dn_parser *p, dn_ava *ava)
{
	size_t start = p->pos, stop;

	while (p->pos < p->end && p->s[p->pos] != '=') {
		char c = p->s[p->pos];
		if (c == '\0' || is_separator(c))
			return -1;
		p->pos++;
	}
	if (p->pos == p->end)
		return -1;	/* no '=' */
	stop = p->pos;
	while (stop > start && is_space(p->s[stop - 1]))
		stop--;
	p->pos++;		/* '=' */

	const char *t = p->s + start;
	size_t n = stop - start;
	if (n > 4 && strncasecmp(t, "oid.", 4) == 0 && is_numericoid(t + 4, n - 4)) {
		t += 4;
		n -= 4;
	}
	if (n == 0)
		return -1;
	if (!p->lenient && !is_descr(t, n) && !is_numericoid(t, n))
		return -1;
	ava->type = arena_strndup(p->a, t, n);
	ava->typelen = n;
	return ava->type == NULL ? -1 : 0;
}

/* After a quoted or #hex value only spaces may come before the separator. */
static int
expect_value_end(dn_parser *p)
{
	skip_spaces(p);
	if (p->pos < p->end && !is_separator(p->s[p->pos]))
		return -1;
	return 0;
}

/* '#' hexstring: a BER encoding, kept as its decoded bytes. */
static int
parse_hex_value(dn_parser *p, dn_ava *ava)
{
	size_t start = ++p->pos, n;

	while (p->pos < p->end && hex_val(p->s[p->pos]) >= 0)
		p->pos++;
	n = p->pos - start;
	if (n == 0 || n % 2 != 0 || expect_value_end(p) != 0)
		return -1;
	char *buf = arena_alloc(p->a, n / 2 + 1);
	if (buf == NULL)
		return -1;
	for (size_t i = 0; i < n / 2; i++)
		buf[i] = (char)(hex_val(p->s[start + 2 * i]) << 4 |
		    hex_val(p->s[start + 2 * i + 1]));
	buf[n / 2] = '\0';
	ava->value = buf;
	ava->valuelen = n / 2;
	ava->binary = true;
	return 0;
}

/* RFC 1779 quoted value: separators are literal inside, escapes still apply. */
static int
parse_quoted_value(dn_parser *p, dn_ava *ava)
{
	size_t start = ++p->pos;

	while (p->pos < p->end && p->s[p->pos] != '"') {
		char c = p->s[p->pos];
		if (c == '\0')
			return -1;
		if (c == '\\') {
			size_t el = escape_len(p->s, p->pos, p->end);
			if (el == 0)
				return -1;
			p->pos += el;
		} else {
			p->pos++;
		}
	}
	if (p->pos == p->end)
		return -1;	/* unterminated */
	size_t stop = p->pos++;
	ava->value = unescape(p, start, stop, &ava->valuelen);
	if (ava->value == NULL)
		return -1;
	return expect_value_end(p);
}

/*
 * Plain string value, up to an unescaped separator.  Unescaped trailing
 * spaces belong to the separator (RFC 1779); escaped ones are kept.
 */
static int
parse_string_value(dn_parser *p, dn_ava *ava)
{
	size_t start = p->pos, stop = p->pos;

	while (p->pos < p->end && !is_separator(p->s[p->pos])) {
		char c = p->s[p->pos];
		if (c == '\0')
			return -1;
		if (c == '\\') {
			size_t el = escape_len(p->s, p->pos, p->end);
			if (el == 0)
				return -1;
			p->pos += el;
			stop = p->pos;
		} else {
			p->pos++;
			if (!is_space(c))
				stop = p->pos;
		}
	}
	ava->value = unescape(p, start, stop, &ava->valuelen);
	return ava->value == NULL ? -1 : 0;
}

static int
parse_ava(dn_parser *p, dn_ava *ava)
{
	memset(ava, 0, sizeof(*ava));
	if (parse_type(p, ava) != 0)
		return -1;
	skip_spaces(p);
	if (p->pos < p->end && p->s[p->pos] == '#')
		return parse_hex_value(p, ava);
	if (p->pos < p->end && p->s[p->pos] == '"')
		return parse_quoted_value(p, ava);
	return parse_string_value(p, ava);
}

/*
 * RFC 1779 allows the whole name in angle brackets.  Strip them when the
 * closing '>' is not itself escaped (an escaped one ends a value).
 */
static void
strip_angle_brackets(dn_parser *p)
{
	size_t b = p->pos, e = p->end, bs = 0;

	while (e > b && is_space(p->s[e - 1]))
		e--;
	if (e - b < 2 || p->s[b] != '<' || p->s[e - 1] != '>')
		return;
	while (e - 1 - bs > b && p->s[e - 2 - bs] == '\\')
		bs++;
	if (bs % 2 != 0)
		return;
	p->pos = b + 1;
	p->end = e - 1;
	skip_spaces(p);
}

/* Moves the RDNs and AVAs gathered on the stack into the arena. */
static int
store_dn(arena *a, const dn_ava *avas, size_t navas, const size_t *rdn_start, size_t nrdns,
    dn *out)
{
	dn_rdn *rdns = arena_calloc(a, nrdns, sizeof(*rdns));
	dn_ava *copy = arena_calloc(a, navas, sizeof(*copy));

	if (rdns == NULL || copy == NULL)
		return -1;
	memcpy(copy, avas, navas * sizeof(*copy));
	for (size_t i = 0; i < nrdns; i++) {
		rdns[i].avas = copy + rdn_start[i];
		rdns[i].navas = rdn_start[i + 1] - rdn_start[i];
	}
	out->rdns = rdns;
	out->nrdns = nrdns;
	return 0;
}

int
dn_parse(const char *s, size_t len, int flags, arena *a, dn *out)
{
	dn_parser p = { s, 0, len, (flags & DN_LENIENT) != 0, a };
	dn_ava avas[DN_MAX_AVAS];
	size_t rdn_start[DN_MAX_RDNS + 1];
	size_t navas = 0, nrdns = 0;

	out->rdns = NULL;
	out->nrdns = 0;
	if (len > DN_MAX_LEN || (s == NULL && len != 0))
		return -1;
	skip_spaces(&p);
	strip_angle_brackets(&p);
	if (p.pos == p.end)
		return 0;	/* root DN */
	rdn_start[0] = 0;
	for (;;) {
		if (navas == DN_MAX_AVAS || parse_ava(&p, &avas[navas]) != 0)
			return -1;
		navas++;
		skip_spaces(&p);
		if (p.pos < p.end && p.s[p.pos] == '+') {
			p.pos++;
			skip_spaces(&p);
			continue;
		}
		if (nrdns == DN_MAX_RDNS)
			return -1;
		rdn_start[++nrdns] = navas;
		if (p.pos == p.end)
			break;
		p.pos++;	/* ',' or ';' */
		skip_spaces(&p);
		if (p.pos == p.end)
			return -1;	/* trailing separator */
	}
	return store_dn(a, avas, navas, rdn_start, nrdns, out);
}
