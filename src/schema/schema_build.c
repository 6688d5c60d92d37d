/*
 * schema_build.c - turns parsed definitions into a usable schema: resolves
 * every SUP, rule, syntax, MUST and MAY reference, detects SUP cycles,
 * applies attribute type inheritance, and precomputes per object class
 * what the entry check needs (ancestors, inherited MUST, allowed set).
 * Also the two entry points that load a schema from text or a directory.
 *
 * Nothing is published until everything has been validated: a caller
 * either gets a complete schema or NULL and "FILE:LINE: reason".
 */
#include "schema_int.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define SCHEMA_MAX_FILES 1024

enum rule_role { ROLE_EQUALITY, ROLE_ORDERING, ROLE_SUBSTR };

/* The built-in rule names say which role they play (RFC 4517 naming). */
static int
rule_role(const schema_mrule *mr)
{
	if (strstr(mr->name, "Ordering") != NULL)
		return ROLE_ORDERING;
	if (strstr(mr->name, "Substrings") != NULL)
		return ROLE_SUBSTR;
	return ROLE_EQUALITY;
}

static int
resolve_rule(sbuild *b, const sref *r, int role, const schema_mrule **out)
{
	static const char *const roles[] = { "an equality", "an ordering", "a substrings" };

	if (r->name == NULL)
		return 0;
	const schema_mrule *mr = shash_get(&b->s->mrule_names, r->name, r->len);
	if (mr == NULL)
		return sbuild_error(b, r->file, r->line, "unknown matching rule '%s'", r->name);
	if (rule_role(mr) != role)
		return sbuild_error(b, r->file, r->line, "'%s' is not %s matching rule",
		    r->name, roles[role]);
	*out = mr;
	return 0;
}

static const char *
attr_label(const schema_attr *at)
{
	return at->nnames ? at->names[0] : at->oid;
}

/* Resolves the names an attribute type refers to (no inheritance yet). */
static int
resolve_attr_refs(sbuild *b, pattr *pa)
{
	schema_attr *at = &pa->at->pub;

	if (pa->sup.name != NULL) {
		at->sup = shash_get(&b->s->attr_names, pa->sup.name, pa->sup.len);
		if (at->sup == NULL)
			return sbuild_error(b, pa->sup.file, pa->sup.line,
			    "unknown SUP '%s' (not an attribute type)", pa->sup.name);
		/* The builder owns every type: mark the supertype for filters and selections. */
		((schema_attr *)at->sup)->has_subtypes = true;
	}
	if (resolve_rule(b, &pa->equality, ROLE_EQUALITY, &at->equality) != 0 ||
	    resolve_rule(b, &pa->ordering, ROLE_ORDERING, &at->ordering) != 0 ||
	    resolve_rule(b, &pa->substr, ROLE_SUBSTR, &at->substr) != 0)
		return -1;
	if (pa->syntax.name != NULL) {
		at->syntax = schema_builtin_syntax(pa->syntax.name, pa->syntax.len);
		if (at->syntax == NULL)
			return sbuild_error(b, pa->syntax.file, pa->syntax.line,
			    "unknown syntax '%s'", pa->syntax.name);
	}
	return 0;
}

/* Takes what the subtype does not say from its (already complete) supertype. */
static int
inherit_attr(sbuild *b, pattr *pa)
{
	schema_attr *at = &pa->at->pub;
	const schema_attr *sup = at->sup;

	if (sup != NULL) {
		if (at->equality == NULL)
			at->equality = sup->equality;
		if (at->ordering == NULL)
			at->ordering = sup->ordering;
		if (at->substr == NULL)
			at->substr = sup->substr;
		if (at->syntax == NULL) {
			at->syntax = sup->syntax;
			at->syntax_len = sup->syntax_len;
		}
		if (at->usage != sup->usage)
			return sbuild_error(b, pa->file, pa->line,
			    "attribute type '%s' has a USAGE different from its SUP '%s'",
			    attr_label(at), attr_label(sup));
	}
	if (at->syntax == NULL)
		return sbuild_error(b, pa->file, pa->line,
		    "attribute type '%s' has neither SYNTAX nor SUP", attr_label(at));
	pa->state = 2;
	return 0;
}

static pattr *
sup_of(sbuild *b, const pattr *pa)
{
	const sattr *sup = (const sattr *)pa->at->pub.sup;

	return sup ? &b->attrs[sup->index] : NULL;
}

/*
 * Attribute SUP chains are walked iteratively: up to the first finished
 * (or missing) supertype, then inherited top-down.  A node met twice on
 * the way up is a cycle.
 */
static int
inherit_attrs(sbuild *b)
{
	pattr **chain = malloc((b->nattrs ? b->nattrs : 1) * sizeof(*chain));
	int r = 0;

	if (chain == NULL)
		return sbuild_error(b, "schema", 0, "out of memory");
	for (size_t i = 0; i < b->nattrs && r == 0; i++) {
		size_t n = 0;
		pattr *cur = &b->attrs[i];
		while (cur != NULL && cur->state == 0) {
			cur->state = 1;
			chain[n++] = cur;
			cur = sup_of(b, cur);
		}
		if (cur != NULL && cur->state == 1) {
			r = sbuild_error(b, cur->sup.file, cur->sup.line,
			    "cycle in SUP of attribute type '%s'", attr_label(&cur->at->pub));
			break;
		}
		while (n > 0 && r == 0)
			r = inherit_attr(b, chain[--n]);
	}
	free(chain);
	return r;
}

static const char *
class_label(const schema_class *oc)
{
	return oc->nnames ? oc->names[0] : oc->oid;
}

static int
resolve_attr_list(sbuild *b, const sref_list *l, const char *what,
    const schema_attr *const **out, size_t *n)
{
	const schema_attr **v = arena_alloc(&b->s->mem, (l->n ? l->n : 1) * sizeof(*v));

	if (v == NULL)
		return sbuild_error(b, "schema", 0, "out of memory");
	for (size_t i = 0; i < l->n; i++) {
		v[i] = shash_get(&b->s->attr_names, l->v[i].name, l->v[i].len);
		if (v[i] == NULL)
			return sbuild_error(b, l->v[i].file, l->v[i].line,
			    "%s names unknown attribute type '%s'", what, l->v[i].name);
	}
	*out = v;
	*n = l->n;
	return 0;
}

/* RFC 4512 2.4: which kinds of class may be a superclass of which. */
static bool
kind_allows(int kind, int sup_kind)
{
	if (sup_kind == SCHEMA_CLASS_ABSTRACT)
		return true;
	return kind == sup_kind;
}

static int
resolve_class_refs(sbuild *b, pclass *pc)
{
	static const char *const kinds[] = { "abstract", "structural", "auxiliary" };
	schema_class *oc = &pc->oc->pub;
	const schema_class **sups = arena_alloc(&b->s->mem,
	    (pc->sups.n ? pc->sups.n : 1) * sizeof(*sups));

	if (sups == NULL)
		return sbuild_error(b, pc->file, pc->line, "out of memory");
	for (size_t i = 0; i < pc->sups.n; i++) {
		const sref *r = &pc->sups.v[i];
		sups[i] = shash_get(&b->s->class_names, r->name, r->len);
		if (sups[i] == NULL)
			return sbuild_error(b, r->file, r->line,
			    "unknown SUP '%s' (not an object class)", r->name);
		if (!kind_allows(oc->kind, sups[i]->kind))
			return sbuild_error(b, r->file, r->line,
			    "%s class '%s' cannot have %s superclass '%s'", kinds[oc->kind],
			    class_label(oc), kinds[sups[i]->kind], class_label(sups[i]));
	}
	oc->sups = sups;
	oc->nsups = pc->sups.n;
	if (resolve_attr_list(b, &pc->must, "MUST", &oc->must, &oc->nmust) != 0 ||
	    resolve_attr_list(b, &pc->may, "MAY", &oc->may, &oc->nmay) != 0)
		return -1;
	return 0;
}

static void
bit_set(uint64_t *bits, size_t i)
{
	bits[i / 64] |= (uint64_t)1 << (i % 64);
}

static bool
bit_get(const uint64_t *bits, size_t i)
{
	return (bits[i / 64] >> (i % 64)) & 1;
}

/* Inherited MUST list: own first, then each superclass's, without repeats. */
static int
class_required(sbuild *b, sclass *c, uint64_t *seen)
{
	size_t cap = c->pub.nmust;

	for (size_t i = 0; i < c->pub.nsups; i++)
		cap += ((const sclass *)c->pub.sups[i])->nrequired;
	const sattr **v = arena_alloc(&b->s->mem, (cap ? cap : 1) * sizeof(*v));
	if (v == NULL)
		return -1;
	memset(seen, 0, b->s->attr_words * sizeof(uint64_t));
	size_t n = 0;
	for (size_t i = 0; i < c->pub.nmust; i++) {
		const sattr *at = (const sattr *)c->pub.must[i];
		if (!bit_get(seen, at->index)) {
			bit_set(seen, at->index);
			v[n++] = at;
		}
	}
	for (size_t i = 0; i < c->pub.nsups; i++) {
		const sclass *sup = (const sclass *)c->pub.sups[i];
		for (size_t j = 0; j < sup->nrequired; j++) {
			if (!bit_get(seen, sup->required[j]->index)) {
				bit_set(seen, sup->required[j]->index);
				v[n++] = sup->required[j];
			}
		}
	}
	c->required = v;
	c->nrequired = n;
	return 0;
}

/* Fills a class's closures once all its superclasses have theirs. */
static int
class_closure(sbuild *b, sclass *c, uint64_t *seen)
{
	schema *s = b->s;

	c->ancestors = arena_calloc(&s->mem, s->class_words ? s->class_words : 1, 8);
	c->allowed = arena_calloc(&s->mem, s->attr_words ? s->attr_words : 1, 8);
	if (c->ancestors == NULL || c->allowed == NULL)
		return -1;
	bit_set(c->ancestors, c->index);
	for (size_t i = 0; i < c->pub.nmust; i++)
		bit_set(c->allowed, ((const sattr *)c->pub.must[i])->index);
	for (size_t i = 0; i < c->pub.nmay; i++)
		bit_set(c->allowed, ((const sattr *)c->pub.may[i])->index);
	for (size_t i = 0; i < c->pub.nsups; i++) {
		const sclass *sup = (const sclass *)c->pub.sups[i];
		for (size_t w = 0; w < s->class_words; w++)
			c->ancestors[w] |= sup->ancestors[w];
		for (size_t w = 0; w < s->attr_words; w++)
			c->allowed[w] |= sup->allowed[w];
	}
	return class_required(b, c, seen);
}

/* Depth-first over superclasses; depth is bounded by SCHEMA_MAX_CLASSES. */
static int
visit_class(sbuild *b, pclass *pc, uint64_t *seen)
{
	pc->state = 1;
	for (size_t i = 0; i < pc->oc->pub.nsups; i++) {
		const sclass *sup = (const sclass *)pc->oc->pub.sups[i];
		pclass *ps = &b->classes[sup->index];
		if (ps->state == 1)
			return sbuild_error(b, pc->sups.v[i].file, pc->sups.v[i].line,
			    "cycle in SUP of object class '%s'", class_label(&pc->oc->pub));
		if (ps->state == 0 && visit_class(b, ps, seen) != 0)
			return -1;
	}
	if (class_closure(b, pc->oc, seen) != 0)
		return sbuild_error(b, pc->file, pc->line, "out of memory");
	pc->state = 2;
	return 0;
}

static int
publish(sbuild *b)
{
	schema *s = b->s;

	s->attrs = malloc((b->nattrs ? b->nattrs : 1) * sizeof(*s->attrs));
	s->classes = malloc((b->nclasses ? b->nclasses : 1) * sizeof(*s->classes));
	if (s->attrs == NULL || s->classes == NULL)
		return sbuild_error(b, "schema", 0, "out of memory");
	for (size_t i = 0; i < b->nattrs; i++)
		s->attrs[i] = b->attrs[i].at;
	for (size_t i = 0; i < b->nclasses; i++)
		s->classes[i] = b->classes[i].oc;
	s->nattrs = b->nattrs;
	s->nclasses = b->nclasses;
	s->objectclass = shash_get(&s->attr_names, "objectclass", 11);
	s->extensible = shash_get(&s->class_names, "extensibleobject", 16);
	return 0;
}

int
schema_resolve(sbuild *b)
{
	schema *s = b->s;

	for (size_t i = 0; i < b->nattrs; i++)
		if (resolve_attr_refs(b, &b->attrs[i]) != 0)
			return -1;
	if (inherit_attrs(b) != 0)
		return -1;
	for (size_t i = 0; i < b->nclasses; i++)
		if (resolve_class_refs(b, &b->classes[i]) != 0)
			return -1;
	s->class_words = (b->nclasses + 63) / 64;
	s->attr_words = (b->nattrs + 63) / 64;
	uint64_t *seen = calloc(s->attr_words ? s->attr_words : 1, sizeof(uint64_t));
	if (seen == NULL)
		return sbuild_error(b, "schema", 0, "out of memory");
	int r = 0;
	for (size_t i = 0; i < b->nclasses && r == 0; i++)
		if (b->classes[i].state == 0)
			r = visit_class(b, &b->classes[i], seen);
	free(seen);
	return r == 0 ? publish(b) : -1;
}

static void
build_free(sbuild *b)
{
	free(b->attrs);
	free(b->classes);
}

static schema *
build_finish(sbuild *b, int r)
{
	schema *s = b->s;

	build_free(b);
	if (r != 0) {
		schema_free(s);
		return NULL;
	}
	if (b->errlen > 0)
		b->err[0] = '\0';
	return s;
}

schema *
schema_load_text(const char *name, const char *text, size_t len, char *err, size_t errlen)
{
	sbuild b = { .err = err, .errlen = errlen };

	b.s = schema_new();
	if (b.s == NULL) {
		snprintf(err, errlen, "%s: out of memory", name);
		return NULL;
	}
	const char *file = arena_strndup(&b.s->mem, name, strlen(name));
	int r = file ? schema_parse_text(&b, file, text, len) :
	    sbuild_error(&b, name, 0, "out of memory");
	if (r == 0)
		r = schema_resolve(&b);
	return build_finish(&b, r);
}

static bool
has_suffix(const char *name, const char *suffix)
{
	size_t n = strlen(name), m = strlen(suffix);

	return n > m && strcmp(name + n - m, suffix) == 0;
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names of dir's *.schema and *.map files, each group in byte order. */
static int
list_files(const char *dir, char ***out, size_t *n, char *err, size_t errlen)
{
	DIR *d = opendir(dir);
	char **v = NULL;
	size_t cap = 0;

	*n = 0;
	if (d == NULL) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' ||
		    !(has_suffix(de->d_name, ".schema") || has_suffix(de->d_name, ".map")))
			continue;
		if (*n == SCHEMA_MAX_FILES)
			goto fail;
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			char **nv = realloc(v, cap * sizeof(*v));
			if (nv == NULL)
				goto fail;
			v = nv;
		}
		if ((v[*n] = strdup(de->d_name)) == NULL)
			goto fail;
		(*n)++;
	}
	closedir(d);
	if (*n > 1)
		qsort(v, *n, sizeof(*v), cmp_names);
	*out = v;
	return 0;
fail:
	closedir(d);
	for (size_t i = 0; i < *n; i++)
		free(v[i]);
	free(v);
	snprintf(err, errlen, "%s: too many files or out of memory", dir);
	return -1;
}

/* Reads a whole file (malloc'd, freed once parsed: the model copies what it keeps). */
static char *
read_file(sbuild *b, const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	char *buf = NULL;

	if (f == NULL) {
		sbuild_error(b, path, 0, "%s", strerror(errno));
		return NULL;
	}
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
		sbuild_error(b, path, 0, "not a regular file");
	} else if ((uint64_t)st.st_size > SCHEMA_MAX_FILE_BYTES) {
		sbuild_error(b, path, 0, "file too large");
	} else if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		sbuild_error(b, path, 0, "out of memory");
	} else {
		*len = fread(buf, 1, (size_t)st.st_size, f);
		if (ferror(f)) {
			sbuild_error(b, path, 0, "read error");
			free(buf);
			buf = NULL;
		}
	}
	fclose(f);
	return buf;
}

/* Parses one file of the directory: a schema file, or (after resolve) a name map. */
static int
load_file(sbuild *b, const char *dir, const char *name, bool map)
{
	size_t plen = strlen(dir) + strlen(name) + 2, len = 0;
	char *path = arena_alloc(&b->s->mem, plen);

	if (path == NULL)
		return sbuild_error(b, name, 0, "out of memory");
	snprintf(path, plen, "%s/%s", dir, name);
	char *text = read_file(b, path, &len);
	if (text == NULL)
		return -1;
	int r = map ? schema_parse_map(b, path, text, len) :
	    schema_parse_text(b, path, text, len);
	free(text);
	return r;
}

/* A directory schema must at least let objectClass and top be checked. */
static int
check_basics(sbuild *b, const char *dir, size_t nschema)
{
	const char *missing = nschema == 0 ? "no *.schema file" :
	    b->s->objectclass == NULL ? "no attribute type 'objectClass'" :
	    shash_get(&b->s->class_names, "top", 3) == NULL ? "no object class 'top'" : NULL;

	if (missing == NULL)
		return 0;
	snprintf(b->err, b->errlen, "%s: %s", dir, missing);
	b->failed = true;
	return -1;
}

schema *
schema_load_dir(const char *dir, char *err, size_t errlen)
{
	sbuild b = { .err = err, .errlen = errlen };
	char **files = NULL;
	size_t nfiles = 0, nschema = 0;

	if (list_files(dir, &files, &nfiles, err, errlen) != 0)
		return NULL;
	b.s = schema_new();
	int r = b.s ? 0 : sbuild_error(&b, dir, 0, "out of memory");
	for (size_t i = 0; i < nfiles && r == 0; i++) {
		if (has_suffix(files[i], ".schema")) {
			r = load_file(&b, dir, files[i], false);
			nschema++;
		}
	}
	if (r == 0)
		r = schema_resolve(&b);
	if (r == 0)
		r = check_basics(&b, dir, nschema);
	for (size_t i = 0; i < nfiles && r == 0; i++)
		if (has_suffix(files[i], ".map"))
			r = load_file(&b, dir, files[i], true);
	for (size_t i = 0; i < nfiles; i++)
		free(files[i]);
	free(files);
	if (b.s == NULL)
		return NULL;
	return build_finish(&b, r);
}
