/*
 * schema_parse.c - reads schema files: `attributetype ( ... )` and
 * `objectclass ( ... )` statements whose bodies are RFC 4512 section 4.1
 * descriptions, `#` comments, definitions spanning lines.
 *
 * The parser only records what each definition says; references to other
 * definitions (SUP, MUST, rules, syntaxes) stay names with their file and
 * line until schema_build.c resolves them after every file has been read,
 * so files may refer to each other in any order.  Names and OIDs are
 * registered as they are read, so a duplicate is reported at its own line.
 */
#include "schema_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum tok_type { T_EOF, T_LP, T_RP, T_DOLLAR, T_QSTR, T_WORD };

typedef struct tok {
	int type;
	const char *p;		/* raw text (quotes included for T_QSTR) */
	size_t len;
	unsigned line;
} tok;

typedef struct lexer {
	sbuild *b;
	const char *file;
	const char *p, *end;
	unsigned line;
	char *text;		/* the definition being read, one line (malloc'd) */
	size_t textlen, textcap;
	bool recording;
} lexer;

int
sbuild_error(sbuild *b, const char *file, unsigned line, const char *fmt, ...)
{
	if (b->failed || b->errlen == 0)
		goto out;
	int n = snprintf(b->err, b->errlen, "%s:%u: ", file, line);
	if (n >= 0 && (size_t)n < b->errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(b->err + n, b->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
out:
	b->failed = true;
	return -1;
}

/* Skips blanks and comments; counts lines. */
static void
skip_space(lexer *lx)
{
	while (lx->p < lx->end) {
		char c = *lx->p;
		if (c == '\n') {
			lx->line++;
			lx->p++;
		} else if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
			lx->p++;
		} else if (c == '#') {
			while (lx->p < lx->end && *lx->p != '\n')
				lx->p++;
		} else {
			break;
		}
	}
}

static bool
is_word_char(char c)
{
	return !(c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v' ||
	    c == '(' || c == ')' || c == '$' || c == '\'');
}

static int
record(lexer *lx, const tok *t)
{
	if (!lx->recording)
		return 0;
	size_t need = lx->textlen + t->len + 2;
	if (need > lx->textcap) {
		size_t cap = lx->textcap ? lx->textcap * 2 : 256;
		while (cap < need)
			cap *= 2;
		char *p = realloc(lx->text, cap);
		if (p == NULL)
			return sbuild_error(lx->b, lx->file, t->line, "out of memory");
		lx->text = p;
		lx->textcap = cap;
	}
	if (lx->textlen > 0)
		lx->text[lx->textlen++] = ' ';
	memcpy(lx->text + lx->textlen, t->p, t->len);
	lx->textlen += t->len;
	lx->text[lx->textlen] = '\0';
	return 0;
}

static int
next(lexer *lx, tok *t)
{
	skip_space(lx);
	t->line = lx->line;
	t->p = lx->p;
	t->len = 1;
	if (lx->p >= lx->end) {
		t->type = T_EOF;
		t->len = 0;
		return 0;
	}
	switch (*lx->p) {
	case '(':
		t->type = T_LP;
		break;
	case ')':
		t->type = T_RP;
		break;
	case '$':
		t->type = T_DOLLAR;
		break;
	case '\'': {
		const char *q = lx->p + 1;
		while (q < lx->end && *q != '\'' && *q != '\n')
			q++;
		if (q >= lx->end || *q != '\'')
			return sbuild_error(lx->b, lx->file, t->line, "unterminated quoted string");
		t->type = T_QSTR;
		t->len = (size_t)(q + 1 - lx->p);
		break;
	}
	default: {
		const char *q = lx->p;
		while (q < lx->end && is_word_char(*q))
			q++;
		t->type = T_WORD;
		t->len = (size_t)(q - lx->p);
		break;
	}
	}
	lx->p += t->len;
	return record(lx, t);
}

static bool
word_is(const tok *t, const char *kw)
{
	return t->type == T_WORD && strlen(kw) == t->len && strncasecmp(t->p, kw, t->len) == 0;
}

/* The statement keyword a word names; a trailing ':' (LDIF style) is allowed. */
enum stmt { ST_NONE, ST_ATTR, ST_CLASS, ST_SYNTAX, ST_MRULE };

static int
statement_kind(const tok *t)
{
	if (t->type != T_WORD)
		return ST_NONE;
	tok w = *t;
	if (w.len > 0 && w.p[w.len - 1] == ':')
		w.len--;
	if (word_is(&w, "attributetype") || word_is(&w, "attributetypes"))
		return ST_ATTR;
	if (word_is(&w, "objectclass") || word_is(&w, "objectclasses"))
		return ST_CLASS;
	if (word_is(&w, "ldapsyntax") || word_is(&w, "ldapsyntaxes"))
		return ST_SYNTAX;
	if (word_is(&w, "matchingrule") || word_is(&w, "matchingrules"))
		return ST_MRULE;
	return ST_NONE;
}

/* Reports a token that cannot appear here; a statement keyword means a ')' is missing. */
static int
unexpected(lexer *lx, const tok *t, unsigned open_line, const char *what)
{
	if (t->type == T_EOF || statement_kind(t) != ST_NONE)
		return sbuild_error(lx->b, lx->file, open_line, "unterminated parenthesis");
	return sbuild_error(lx->b, lx->file, t->line, "expected %s, found '%.*s'", what,
	    (int)(t->len > 64 ? 64 : t->len), t->p);
}

/* Unescapes a qdstring (RFC 4512: \27 is a quote, \5C a backslash). */
static char *
qdstring(lexer *lx, const tok *t)
{
	const char *p = t->p + 1, *end = t->p + t->len - 1;
	char *out = arena_alloc(&lx->b->s->mem, t->len);
	size_t n = 0;

	if (out == NULL) {
		sbuild_error(lx->b, lx->file, t->line, "out of memory");
		return NULL;
	}
	while (p < end) {
		if (*p != '\\') {
			out[n++] = *p++;
			continue;
		}
		if (end - p >= 3 && p[1] == '2' && p[2] == '7') {
			out[n++] = '\'';
		} else if (end - p >= 3 && p[1] == '5' && (p[2] == 'c' || p[2] == 'C')) {
			out[n++] = '\\';
		} else {
			sbuild_error(lx->b, lx->file, t->line, "bad escape in quoted string");
			return NULL;
		}
		p += 3;
	}
	out[n] = '\0';
	return out;
}

/* qdescrs: one quoted name or a parenthesised list of them, collected into names. */
static int
names_list(lexer *lx, unsigned open_line, tok *names, size_t *n)
{
	tok t;

	*n = 0;
	if (next(lx, &t) != 0)
		return -1;
	if (t.type == T_QSTR) {
		names[(*n)++] = t;
		return 0;
	}
	if (t.type != T_LP)
		return unexpected(lx, &t, open_line, "a quoted name or '('");
	unsigned list_line = t.line;
	for (;;) {
		if (next(lx, &t) != 0)
			return -1;
		if (t.type == T_RP)
			break;
		if (t.type != T_QSTR)
			return unexpected(lx, &t, list_line, "a quoted name or ')'");
		if (*n >= SCHEMA_MAX_LIST)
			return sbuild_error(lx->b, lx->file, t.line, "too many names");
		names[(*n)++] = t;
	}
	if (*n == 0)
		return sbuild_error(lx->b, lx->file, list_line, "empty name list");
	return 0;
}

static int
make_ref(lexer *lx, const tok *t, sref *r)
{
	r->name = arena_strndup(&lx->b->s->mem, t->p, t->len);
	if (r->name == NULL)
		return sbuild_error(lx->b, lx->file, t->line, "out of memory");
	r->len = t->len;
	r->file = lx->file;
	r->line = t->line;
	if (!schema_valid_oid(t->p, t->len))
		return sbuild_error(lx->b, lx->file, t->line, "invalid name or OID '%.*s'",
		    (int)(t->len > 64 ? 64 : t->len), t->p);
	return 0;
}

/* oids = oid / ( oid *( $ oid ) ), RFC 4512 section 4.1. */
static int
oid_list(lexer *lx, unsigned open_line, sref *tmp, sref_list *out)
{
	tok t;
	size_t n = 0;

	if (next(lx, &t) != 0)
		return -1;
	if (t.type == T_WORD) {	/* "objectClass" is a name here, not a statement */
		if (make_ref(lx, &t, &tmp[0]) != 0)
			return -1;
		n = 1;
	} else if (t.type == T_LP) {
		unsigned list_line = t.line;
		for (;;) {
			if (next(lx, &t) != 0)
				return -1;
			if (t.type != T_WORD)
				return unexpected(lx, &t, list_line, "a name or OID");
			if (n >= SCHEMA_MAX_LIST)
				return sbuild_error(lx->b, lx->file, t.line, "list too long");
			if (make_ref(lx, &t, &tmp[n++]) != 0)
				return -1;
			bool keyword = statement_kind(&t) != ST_NONE;
			if (next(lx, &t) != 0)
				return -1;
			if (t.type == T_RP)
				break;
			if (keyword && t.type == T_LP)	/* the next statement began */
				return sbuild_error(lx->b, lx->file, list_line,
				    "unterminated parenthesis");
			if (t.type != T_DOLLAR)
				return unexpected(lx, &t, list_line, "'$' or ')'");
		}
	} else {
		return unexpected(lx, &t, open_line, "a name, an OID or '('");
	}
	out->v = arena_alloc(&lx->b->s->mem, n * sizeof(sref));
	if (out->v == NULL)
		return sbuild_error(lx->b, lx->file, t.line, "out of memory");
	memcpy(out->v, tmp, n * sizeof(sref));
	out->n = n;
	return 0;
}

static int
one_oid(lexer *lx, unsigned open_line, sref *r)
{
	tok t;

	if (next(lx, &t) != 0)
		return -1;
	if (t.type != T_WORD)
		return unexpected(lx, &t, open_line, "a name or OID");
	return make_ref(lx, &t, r);
}

/* X-NAME qdstrings: kept only in the published text. */
static int
extension(lexer *lx, unsigned open_line)
{
	tok t;

	if (next(lx, &t) != 0)
		return -1;
	if (t.type == T_QSTR)
		return 0;
	if (t.type != T_LP)
		return unexpected(lx, &t, open_line, "a quoted string or '('");
	unsigned list_line = t.line;
	for (;;) {
		if (next(lx, &t) != 0)
			return -1;
		if (t.type == T_RP)
			return 0;
		if (t.type != T_QSTR)
			return unexpected(lx, &t, list_line, "a quoted string or ')'");
	}
}

/*
 * The OID that opens a definition must be numeric and unused by any other
 * attribute type, object class, syntax or matching rule.
 */
static int
definition_oid(lexer *lx, const tok *t, unsigned open_line)
{
	if (t->type != T_WORD || statement_kind(t) != ST_NONE)
		return unexpected(lx, t, open_line, "a numeric OID");
	if (t->len > SCHEMA_MAX_NAME)
		return sbuild_error(lx->b, lx->file, t->line, "OID too long");
	if (!schema_valid_numericoid(t->p, t->len))
		return sbuild_error(lx->b, lx->file, t->line, "invalid numeric OID '%.*s'",
		    (int)(t->len > 64 ? 64 : t->len), t->p);
	const schema *s = lx->b->s;
	if (shash_get(&s->attr_names, t->p, t->len) || shash_get(&s->class_names, t->p, t->len) ||
	    shash_get(&s->mrule_names, t->p, t->len) || schema_builtin_syntax(t->p, t->len))
		return sbuild_error(lx->b, lx->file, t->line, "duplicate OID %.*s",
		    (int)t->len, t->p);
	return 0;
}

/* Stores names and registers each with the OID in the table; duplicates are errors. */
static int
register_names(lexer *lx, shash *h, const void *obj, const char *oid, const tok *names,
    size_t n, const char *const **out, const char **key, const char *kind)
{
	arena *a = &lx->b->s->mem;
	const char **v = arena_alloc(a, (n ? n : 1) * sizeof(char *));

	if (v == NULL)
		return sbuild_error(lx->b, lx->file, lx->line, "out of memory");
	for (size_t i = 0; i < n; i++) {
		const tok *t = &names[i];
		const char *p = t->p + 1;
		size_t len = t->len - 2;
		if (len > SCHEMA_MAX_NAME)
			return sbuild_error(lx->b, lx->file, t->line, "name too long");
		if (!schema_valid_descr(p, len))
			return sbuild_error(lx->b, lx->file, t->line, "invalid name '%.*s'",
			    (int)(len > 64 ? 64 : len), p);
		char *orig = arena_strndup(a, p, len);
		char *low = schema_strlower(a, p, len);
		if (orig == NULL || low == NULL)
			return sbuild_error(lx->b, lx->file, t->line, "out of memory");
		int r = shash_put(h, low, len, obj);
		if (r > 0)
			return sbuild_error(lx->b, lx->file, t->line, "duplicate %s name '%s'", kind,
			    orig);
		if (r < 0)
			return sbuild_error(lx->b, lx->file, t->line, "out of memory");
		v[i] = orig;
		if (i == 0)
			*key = low;
	}
	if (shash_put(h, oid, strlen(oid), obj) < 0)
		return sbuild_error(lx->b, lx->file, lx->line, "out of memory");
	if (n == 0)
		*key = oid;
	*out = v;
	return 0;
}

static int
set_once(lexer *lx, const tok *t, unsigned *seen, unsigned bit)
{
	if (*seen & bit)
		return sbuild_error(lx->b, lx->file, t->line, "duplicate %.*s", (int)t->len, t->p);
	*seen |= bit;
	return 0;
}

static int
usage_value(lexer *lx, unsigned open_line, int *usage)
{
	static const char *const names[] = { "userApplications", "directoryOperation",
		"distributedOperation", "dSAOperation" };
	tok t;

	if (next(lx, &t) != 0)
		return -1;
	for (int i = 0; i < 4; i++) {
		if (word_is(&t, names[i])) {
			*usage = i;
			return 0;
		}
	}
	return unexpected(lx, &t, open_line, "a USAGE value");
}

/* SYNTAX noidlen: numericoid [ "{" len "}" ]. */
static int
syntax_value(lexer *lx, unsigned open_line, pattr *pa)
{
	tok t;

	if (next(lx, &t) != 0)
		return -1;
	if (t.type != T_WORD || statement_kind(&t) != ST_NONE)
		return unexpected(lx, &t, open_line, "a syntax OID");
	tok oid = t;
	const char *brace = memchr(t.p, '{', t.len);
	if (brace != NULL) {
		oid.len = (size_t)(brace - t.p);
		const char *p = brace + 1, *end = t.p + t.len;
		unsigned long v = 0;
		if (p >= end || end[-1] != '}' || p == end - 1)
			return sbuild_error(lx->b, lx->file, t.line, "bad syntax length in '%.*s'",
			    (int)(t.len > 80 ? 80 : t.len), t.p);
		for (; p < end - 1; p++) {
			if (*p < '0' || *p > '9' || v > 100000000)
				return sbuild_error(lx->b, lx->file, t.line,
				    "bad syntax length in '%.*s'", (int)(t.len > 80 ? 80 : t.len), t.p);
			v = v * 10 + (unsigned long)(*p - '0');
		}
		pa->at->pub.syntax_len = (unsigned)v;
	}
	if (make_ref(lx, &oid, &pa->syntax) != 0)
		return -1;
	return 0;
}

static pattr *
new_pattr(lexer *lx, unsigned line)
{
	sbuild *b = lx->b;

	if (b->nattrs >= SCHEMA_MAX_ATTRS) {
		sbuild_error(b, lx->file, line, "too many attribute types");
		return NULL;
	}
	if (b->nattrs == b->capattrs) {
		size_t cap = b->capattrs ? b->capattrs * 2 : 64;
		pattr *v = realloc(b->attrs, cap * sizeof(*v));
		if (v == NULL) {
			sbuild_error(b, lx->file, line, "out of memory");
			return NULL;
		}
		b->attrs = v;
		b->capattrs = cap;
	}
	pattr *pa = &b->attrs[b->nattrs];
	memset(pa, 0, sizeof(*pa));
	pa->at = arena_calloc(&b->s->mem, 1, sizeof(sattr));
	if (pa->at == NULL) {
		sbuild_error(b, lx->file, line, "out of memory");
		return NULL;
	}
	pa->at->owner = b->s;
	pa->at->index = (uint32_t)b->nattrs;
	pa->file = lx->file;
	pa->line = line;
	b->nattrs++;
	return pa;
}

enum {
	F_NAME = 1 << 0, F_DESC = 1 << 1, F_OBSOLETE = 1 << 2, F_SUP = 1 << 3,
	F_SYNTAX = 1 << 7,
	F_SINGLE = 1 << 8, F_COLLECTIVE = 1 << 9, F_NOMOD = 1 << 10, F_USAGE = 1 << 11,
	F_KIND = 1 << 12, F_MUST = 1 << 13, F_MAY = 1 << 14,
};

/* Sets a flag field (SINGLE-VALUE, OBSOLETE ...); each may appear once. */
static int
flag(lexer *lx, const tok *t, unsigned *seen, unsigned bit, bool *field)
{
	if (set_once(lx, t, seen, bit) != 0)
		return -1;
	*field = true;
	return 0;
}

static int
description(lexer *lx, const tok *t, unsigned open_line, unsigned *seen, const char **out)
{
	tok d;

	if (set_once(lx, t, seen, F_DESC) != 0 || next(lx, &d) != 0)
		return -1;
	if (d.type != T_QSTR)
		return unexpected(lx, &d, open_line, "a quoted description");
	*out = qdstring(lx, &d);
	return *out ? 0 : -1;
}

static bool
is_extension(const tok *t)
{
	return t->type == T_WORD && t->len > 2 && (t->p[0] == 'X' || t->p[0] == 'x') &&
	    t->p[1] == '-';
}

static int
unknown_field(lexer *lx, const tok *t, unsigned open_line, const char *kind)
{
	if (t->type != T_WORD || statement_kind(t) != ST_NONE)
		return unexpected(lx, t, open_line, "a keyword or ')'");
	return sbuild_error(lx->b, lx->file, t->line, "unknown keyword '%.*s' in %s",
	    (int)(t->len > 64 ? 64 : t->len), t->p, kind);
}

/* One field of an attribute type description (any order, each at most once). */
static int
attr_field(lexer *lx, pattr *pa, const tok *t, unsigned open_line, unsigned *seen, tok *names)
{
	schema_attr *at = &pa->at->pub;

	if (word_is(t, "NAME")) {
		if (set_once(lx, t, seen, F_NAME) != 0 ||
		    names_list(lx, open_line, names, &at->nnames) != 0)
			return -1;
		return register_names(lx, &lx->b->s->attr_names, pa->at, at->oid, names,
		    at->nnames, &at->names, &at->key, "attribute type");
	}
	if (word_is(t, "DESC"))
		return description(lx, t, open_line, seen, &at->desc);
	if (word_is(t, "OBSOLETE"))
		return flag(lx, t, seen, F_OBSOLETE, &at->obsolete);
	if (word_is(t, "SUP") || word_is(t, "EQUALITY") || word_is(t, "ORDERING") ||
	    word_is(t, "SUBSTR")) {
		sref *r = word_is(t, "SUP") ? &pa->sup : word_is(t, "EQUALITY") ? &pa->equality :
		    word_is(t, "ORDERING") ? &pa->ordering : &pa->substr;
		if (r->name != NULL)
			return sbuild_error(lx->b, lx->file, t->line, "duplicate %.*s", (int)t->len,
			    t->p);
		return one_oid(lx, open_line, r);
	}
	if (word_is(t, "SYNTAX")) {
		if (set_once(lx, t, seen, F_SYNTAX) != 0)
			return -1;
		return syntax_value(lx, open_line, pa);
	}
	if (word_is(t, "SINGLE-VALUE"))
		return flag(lx, t, seen, F_SINGLE, &at->single_value);
	if (word_is(t, "COLLECTIVE"))
		return flag(lx, t, seen, F_COLLECTIVE, &at->collective);
	if (word_is(t, "NO-USER-MODIFICATION"))
		return flag(lx, t, seen, F_NOMOD, &at->no_user_mod);
	if (word_is(t, "USAGE")) {
		if (set_once(lx, t, seen, F_USAGE) != 0)
			return -1;
		return usage_value(lx, open_line, &at->usage);
	}
	if (is_extension(t))
		return extension(lx, open_line);
	return unknown_field(lx, t, open_line, "attribute type");
}

static int
finish_text(lexer *lx, const char **text)
{
	char *p = arena_strndup(&lx->b->s->mem, lx->text, lx->textlen);

	if (p == NULL)
		return sbuild_error(lx->b, lx->file, lx->line, "out of memory");
	*text = p;
	return 0;
}

static int
attribute_type(lexer *lx, unsigned open_line, tok *names)
{
	tok t;
	unsigned seen = 0;

	if (next(lx, &t) != 0 || definition_oid(lx, &t, open_line) != 0)
		return -1;
	pattr *pa = new_pattr(lx, open_line);
	if (pa == NULL)
		return -1;
	schema_attr *at = &pa->at->pub;
	if ((at->oid = arena_strndup(&lx->b->s->mem, t.p, t.len)) == NULL)
		return sbuild_error(lx->b, lx->file, t.line, "out of memory");
	at->key = at->oid;
	for (;;) {
		if (next(lx, &t) != 0)
			return -1;
		if (t.type == T_RP)
			break;
		if (attr_field(lx, pa, &t, open_line, &seen, names) != 0)
			return -1;
	}
	if (!(seen & F_NAME)) {
		static const char *const none[1] = { NULL };
		at->names = none;
		if (shash_put(&lx->b->s->attr_names, at->oid, strlen(at->oid), pa->at) < 0)
			return sbuild_error(lx->b, lx->file, open_line, "out of memory");
	}
	return finish_text(lx, &at->text);
}

static pclass *
new_pclass(lexer *lx, unsigned line)
{
	sbuild *b = lx->b;

	if (b->nclasses >= SCHEMA_MAX_CLASSES) {
		sbuild_error(b, lx->file, line, "too many object classes");
		return NULL;
	}
	if (b->nclasses == b->capclasses) {
		size_t cap = b->capclasses ? b->capclasses * 2 : 32;
		pclass *v = realloc(b->classes, cap * sizeof(*v));
		if (v == NULL) {
			sbuild_error(b, lx->file, line, "out of memory");
			return NULL;
		}
		b->classes = v;
		b->capclasses = cap;
	}
	pclass *pc = &b->classes[b->nclasses];
	memset(pc, 0, sizeof(*pc));
	pc->oc = arena_calloc(&b->s->mem, 1, sizeof(sclass));
	if (pc->oc == NULL) {
		sbuild_error(b, lx->file, line, "out of memory");
		return NULL;
	}
	pc->oc->index = (uint32_t)b->nclasses;
	pc->oc->pub.kind = SCHEMA_CLASS_STRUCTURAL;	/* RFC 4512: the default */
	pc->file = lx->file;
	pc->line = line;
	b->nclasses++;
	return pc;
}

/* One field of an object class description. */
static int
class_field(lexer *lx, pclass *pc, const tok *t, unsigned open_line, unsigned *seen, tok *names,
    sref *tmp)
{
	schema_class *oc = &pc->oc->pub;

	if (word_is(t, "NAME")) {
		if (set_once(lx, t, seen, F_NAME) != 0 ||
		    names_list(lx, open_line, names, &oc->nnames) != 0)
			return -1;
		return register_names(lx, &lx->b->s->class_names, pc->oc, oc->oid, names,
		    oc->nnames, &oc->names, &oc->key, "object class");
	}
	if (word_is(t, "DESC"))
		return description(lx, t, open_line, seen, &oc->desc);
	if (word_is(t, "OBSOLETE"))
		return flag(lx, t, seen, F_OBSOLETE, &oc->obsolete);
	if (word_is(t, "ABSTRACT") || word_is(t, "STRUCTURAL") || word_is(t, "AUXILIARY")) {
		if (*seen & F_KIND)
			return sbuild_error(lx->b, lx->file, t->line,
			    "more than one of ABSTRACT, STRUCTURAL, AUXILIARY");
		*seen |= F_KIND;
		oc->kind = word_is(t, "ABSTRACT") ? SCHEMA_CLASS_ABSTRACT :
		    word_is(t, "AUXILIARY") ? SCHEMA_CLASS_AUXILIARY : SCHEMA_CLASS_STRUCTURAL;
		return 0;
	}
	if (word_is(t, "SUP") || word_is(t, "MUST") || word_is(t, "MAY")) {
		unsigned bit = word_is(t, "SUP") ? F_SUP : word_is(t, "MUST") ? F_MUST : F_MAY;
		sref_list *l = bit == F_SUP ? &pc->sups : bit == F_MUST ? &pc->must : &pc->may;
		if (set_once(lx, t, seen, bit) != 0)
			return -1;
		return oid_list(lx, open_line, tmp, l);
	}
	if (is_extension(t))
		return extension(lx, open_line);
	return unknown_field(lx, t, open_line, "object class");
}

static int
object_class(lexer *lx, unsigned open_line, tok *names, sref *tmp)
{
	tok t;
	unsigned seen = 0;

	if (next(lx, &t) != 0 || definition_oid(lx, &t, open_line) != 0)
		return -1;
	pclass *pc = new_pclass(lx, open_line);
	if (pc == NULL)
		return -1;
	schema_class *oc = &pc->oc->pub;
	if ((oc->oid = arena_strndup(&lx->b->s->mem, t.p, t.len)) == NULL)
		return sbuild_error(lx->b, lx->file, t.line, "out of memory");
	oc->key = oc->oid;
	for (;;) {
		if (next(lx, &t) != 0)
			return -1;
		if (t.type == T_RP)
			break;
		if (class_field(lx, pc, &t, open_line, &seen, names, tmp) != 0)
			return -1;
	}
	if (!(seen & F_NAME)) {
		static const char *const none[1] = { NULL };
		oc->names = none;
		if (shash_put(&lx->b->s->class_names, oc->oid, strlen(oc->oid), pc->oc) < 0)
			return sbuild_error(lx->b, lx->file, open_line, "out of memory");
	}
	return finish_text(lx, &oc->text);
}

static int
statement(lexer *lx, const tok *kw, tok *names, sref *tmp)
{
	int kind = statement_kind(kw);
	tok t;

	if (kind == ST_SYNTAX || kind == ST_MRULE)
		return sbuild_error(lx->b, lx->file, kw->line,
		    "'%.*s' is not supported: syntaxes and matching rules are built in",
		    (int)kw->len, kw->p);
	if (kind == ST_NONE)
		return sbuild_error(lx->b, lx->file, kw->line, "unknown statement '%.*s'",
		    (int)(kw->len > 64 ? 64 : kw->len), kw->p);
	lx->recording = true;
	lx->textlen = 0;
	if (next(lx, &t) != 0)
		return -1;
	if (t.type != T_LP)
		return sbuild_error(lx->b, lx->file, t.line, "expected '(' after '%.*s'",
		    (int)kw->len, kw->p);
	int r = kind == ST_ATTR ? attribute_type(lx, t.line, names) :
	    object_class(lx, t.line, names, tmp);
	lx->recording = false;
	return r;
}

int
schema_parse_text(sbuild *b, const char *file, const char *text, size_t len)
{
	lexer lx = { .b = b, .file = file, .p = text, .end = text + len, .line = 1 };
	tok *names = malloc(SCHEMA_MAX_LIST * sizeof(tok));
	sref *tmp = malloc(SCHEMA_MAX_LIST * sizeof(sref));
	int r = 0;

	if (len > SCHEMA_MAX_FILE_BYTES)
		r = sbuild_error(b, file, 1, "file too large");
	else if (names == NULL || tmp == NULL)
		r = sbuild_error(b, file, 1, "out of memory");
	const char *nul = r == 0 ? memchr(text, '\0', len) : NULL;
	if (nul != NULL) {
		unsigned line = 1;
		for (const char *p = text; p < nul; p++)
			line += *p == '\n';
		r = sbuild_error(b, file, line, "NUL byte in schema text");
	}
	while (r == 0) {
		tok kw;
		if (next(&lx, &kw) != 0) {
			r = -1;
			break;
		}
		if (kw.type == T_EOF)
			break;
		r = statement(&lx, &kw, names, tmp);
	}
	free(lx.text);
	free(names);
	free(tmp);
	return r;
}
