/*
 * schema_map.c - reads the ILS name map (schema/ils-names.map): one alias
 * per line, `ilsname attribute [scale]`, `#` comments.
 *
 * ILS clients use short names (sappid, sipaddress, sttl ...) for
 * attributes that LDAP clients know by their schema names (MS-TAIL
 * 2.2.5).  The map is read after the schema files are resolved, so each
 * target can be checked to be a real attribute type.
 */
#include "schema_int.h"

#include <stdlib.h>
#include <string.h>

typedef struct field {
	const char *p;
	size_t len;
} field;

/* Splits one line into up to max blank-separated fields; returns the count (max+1 if more). */
static size_t
split(const char *p, const char *end, field *f, size_t max)
{
	size_t n = 0;

	for (;;) {
		while (p < end && (*p == ' ' || *p == '\t' || *p == '\r'))
			p++;
		if (p >= end || *p == '#')
			return n;
		const char *start = p;
		while (p < end && *p != ' ' && *p != '\t' && *p != '\r' && *p != '#')
			p++;
		if (n == max)
			return max + 1;
		f[n].p = start;
		f[n].len = (size_t)(p - start);
		n++;
	}
}

static int
parse_scale(const field *f, int *scale)
{
	long v = 0;

	if (f->len == 0 || f->len > 7)
		return -1;
	for (size_t i = 0; i < f->len; i++) {
		if (f->p[i] < '0' || f->p[i] > '9')
			return -1;
		v = v * 10 + (f->p[i] - '0');
	}
	if (v < 1)
		return -1;
	*scale = (int)v;
	return 0;
}

static int
add_alias(sbuild *b, shash *seen, const char *file, unsigned line, const field *f, size_t n)
{
	schema *s = b->s;
	schema_alias al = { .scale = 1 };

	if (n < 2)
		return sbuild_error(b, file, line, "expected 'ilsname attribute [scale]'");
	if (n > 3)
		return sbuild_error(b, file, line, "too many fields");
	if (f[0].len > SCHEMA_MAX_NAME || !schema_valid_descr(f[0].p, f[0].len))
		return sbuild_error(b, file, line, "invalid ILS name '%.*s'",
		    (int)(f[0].len > 64 ? 64 : f[0].len), f[0].p);
	const schema_attr *at = schema_find_attr(s, f[1].p, f[1].len);
	if (at == NULL)
		return sbuild_error(b, file, line, "unknown attribute type '%.*s'",
		    (int)(f[1].len > 64 ? 64 : f[1].len), f[1].p);
	if (schema_find_attr(s, f[0].p, f[0].len) != NULL)
		return sbuild_error(b, file, line, "'%.*s' is already an attribute type name",
		    (int)f[0].len, f[0].p);
	if (n == 3 && parse_scale(&f[2], &al.scale) != 0)
		return sbuild_error(b, file, line, "bad scale '%.*s' (a positive integer)",
		    (int)(f[2].len > 64 ? 64 : f[2].len), f[2].p);
	if (s->naliases >= SCHEMA_MAX_ALIASES)
		return sbuild_error(b, file, line, "too many aliases");
	size_t n0 = s->naliases;
	if (n0 == 0 || (n0 >= 16 && (n0 & (n0 - 1)) == 0)) {
		/* capacity is 16, then doubles whenever the count reaches a power of two */
		schema_alias *v = realloc(s->aliases, (n0 ? n0 * 2 : 16) * sizeof(*v));
		if (v == NULL)
			return sbuild_error(b, file, line, "out of memory");
		s->aliases = v;
	}
	char *name = schema_strlower(&s->mem, f[0].p, f[0].len);
	char *orig = arena_strndup(&s->mem, f[0].p, f[0].len);
	if (name == NULL || orig == NULL)
		return sbuild_error(b, file, line, "out of memory");
	int r = shash_put(seen, name, f[0].len, (void *)(uintptr_t)1);
	if (r > 0)
		return sbuild_error(b, file, line, "duplicate ILS name '%s'", orig);
	if (r < 0)
		return sbuild_error(b, file, line, "out of memory");
	al.ils_name = orig;
	al.attr = at->nnames ? at->names[0] : at->oid;
	s->aliases[s->naliases++] = al;
	return 0;
}

/* The lookup table is built once all aliases sit at their final addresses. */
static int
index_aliases(sbuild *b, const char *file)
{
	schema *s = b->s;

	shash_free(&s->alias_names);
	for (size_t i = 0; i < s->naliases; i++) {
		const char *name = s->aliases[i].ils_name;
		char *low = schema_strlower(&s->mem, name, strlen(name));
		if (low == NULL || shash_put(&s->alias_names, low, strlen(low), &s->aliases[i]) < 0)
			return sbuild_error(b, file, 0, "out of memory");
	}
	return 0;
}

int
schema_parse_map(sbuild *b, const char *file, const char *text, size_t len)
{
	const char *p = text, *end = text + len;
	shash seen = { 0 };
	unsigned line = 0;
	int r = 0;

	for (size_t i = 0; i < b->s->naliases && r == 0; i++) {
		const char *name = b->s->aliases[i].ils_name;
		char *low = schema_strlower(&b->s->mem, name, strlen(name));
		if (low == NULL || shash_put(&seen, low, strlen(low), (void *)(uintptr_t)1) < 0)
			r = sbuild_error(b, file, 0, "out of memory");
	}
	while (p < end && r == 0) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		field f[4];
		line++;
		size_t n = split(p, eol, f, 3);
		if (n > 0)
			r = add_alias(b, &seen, file, line, f, n);
		p = nl ? nl + 1 : end;
	}
	shash_free(&seen);
	return r == 0 ? index_aliases(b, file) : -1;
}
