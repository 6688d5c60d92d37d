/*
 * schema.c - the schema object: reference counting, name lookup,
 * iteration for cn=Subschema, canonical attribute keys and the ILS aliases.
 *
 * Lookups run on every operation (each attribute of each request), so
 * names live in case-insensitive hash tables that fold case while hashing
 * instead of copying the name first.
 */
#include "schema_int.h"

#include <stdlib.h>
#include <string.h>

static uint32_t
hash_name(const char *name, size_t len)
{
	uint32_t h = 2166136261u;	/* FNV-1a over the lowercased bytes */

	for (size_t i = 0; i < len; i++) {
		h ^= schema_lower((unsigned char)name[i]);
		h *= 16777619u;
	}
	return h;
}

static bool
key_equal(const shash_slot *sl, const char *name, size_t len)
{
	if (sl->len != len)
		return false;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)sl->key[i] != schema_lower((unsigned char)name[i]))
			return false;
	return true;
}

const void *
shash_get(const shash *h, const char *name, size_t len)
{
	if (h->slots == NULL || len == 0 || len > SCHEMA_MAX_NAME)
		return NULL;
	uint32_t hv = hash_name(name, len);
	for (size_t i = hv & h->mask;; i = (i + 1) & h->mask) {
		const shash_slot *sl = &h->slots[i];
		if (sl->key == NULL)
			return NULL;
		if (sl->hash == hv && key_equal(sl, name, len))
			return sl->val;
	}
}

static void
place(shash_slot *slots, size_t mask, const shash_slot *src)
{
	size_t i = src->hash & mask;

	while (slots[i].key != NULL)
		i = (i + 1) & mask;
	slots[i] = *src;
}

/* Keeps the load factor at or below one half so probes stay short. */
static int
grow(shash *h)
{
	size_t cap = h->slots ? (h->mask + 1) * 2 : 64;
	shash_slot *slots = calloc(cap, sizeof(*slots));

	if (slots == NULL)
		return -1;
	if (h->slots != NULL) {
		for (size_t i = 0; i <= h->mask; i++)
			if (h->slots[i].key != NULL)
				place(slots, cap - 1, &h->slots[i]);
		free(h->slots);
	}
	h->slots = slots;
	h->mask = cap - 1;
	return 0;
}

int
shash_put(shash *h, const char *key, size_t len, const void *val)
{
	if (shash_get(h, key, len) != NULL)
		return 1;
	if ((h->slots == NULL || (h->n + 1) * 2 > h->mask + 1) && grow(h) != 0)
		return -1;
	shash_slot sl = { key, (uint32_t)len, hash_name(key, len), val };
	place(h->slots, h->mask, &sl);
	h->n++;
	return 0;
}

void
shash_free(shash *h)
{
	free(h->slots);
	h->slots = NULL;
	h->mask = 0;
	h->n = 0;
}

char *
schema_strlower(arena *a, const char *s, size_t len)
{
	char *p = arena_strndup(a, s, len);

	if (p != NULL)
		for (size_t i = 0; i < len; i++)
			p[i] = (char)schema_lower((unsigned char)p[i]);
	return p;
}

schema *
schema_new(void)
{
	schema *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	atomic_init(&s->refs, 1);
	arena_init(&s->mem, 64 * 1024, 0);
	for (size_t i = 0; i < schema_builtin_nmrules; i++) {
		const schema_mrule *mr = &schema_builtin_mrules[i];
		char *name = schema_strlower(&s->mem, mr->name, strlen(mr->name));
		if (name == NULL || shash_put(&s->mrule_names, name, strlen(name), mr) < 0 ||
		    shash_put(&s->mrule_names, mr->oid, strlen(mr->oid), mr) < 0) {
			schema_free(s);
			return NULL;
		}
	}
	return s;
}

void
schema_free(schema *s)
{
	if (s == NULL)
		return;
	shash_free(&s->attr_names);
	shash_free(&s->class_names);
	shash_free(&s->mrule_names);
	shash_free(&s->alias_names);
	free(s->attrs);
	free(s->classes);
	free(s->aliases);
	arena_free(&s->mem);
	free(s);
}

schema *
schema_ref(schema *s)
{
	if (s != NULL)
		atomic_fetch_add_explicit(&s->refs, 1, memory_order_relaxed);
	return s;
}

void
schema_unref(schema *s)
{
	if (s == NULL)
		return;
	if (atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) == 1)
		schema_free(s);
}

/* An attribute description may carry options ("userCertificate;binary"). */
static size_t
strip_options(const char *name, size_t len)
{
	const char *semi = memchr(name, ';', len);

	return semi ? (size_t)(semi - name) : len;
}

const schema_attr *
schema_find_attr(const schema *s, const char *name, size_t len)
{
	return s ? shash_get(&s->attr_names, name, strip_options(name, len)) : NULL;
}

const schema_class *
schema_find_class(const schema *s, const char *name, size_t len)
{
	return s ? shash_get(&s->class_names, name, len) : NULL;
}

const schema_mrule *
schema_find_mrule(const schema *s, const char *name, size_t len)
{
	return s ? shash_get(&s->mrule_names, name, len) : NULL;
}

size_t
schema_attr_count(const schema *s)
{
	return s->nattrs;
}

const schema_attr *
schema_attr_at(const schema *s, size_t i)
{
	return i < s->nattrs ? &s->attrs[i]->pub : NULL;
}

size_t
schema_class_count(const schema *s)
{
	return s->nclasses;
}

const schema_class *
schema_class_at(const schema *s, size_t i)
{
	return i < s->nclasses ? &s->classes[i]->pub : NULL;
}

size_t
schema_syntax_count(const schema *s)
{
	(void)s;
	return schema_builtin_nsyntaxes;
}

const schema_syntax *
schema_syntax_at(const schema *s, size_t i)
{
	(void)s;
	return i < schema_builtin_nsyntaxes ? &schema_builtin_syntaxes[i] : NULL;
}

size_t
schema_mrule_count(const schema *s)
{
	(void)s;
	return schema_builtin_nmrules;
}

const schema_mrule *
schema_mrule_at(const schema *s, size_t i)
{
	(void)s;
	return i < schema_builtin_nmrules ? &schema_builtin_mrules[i] : NULL;
}

size_t
schema_attr_key(const schema *s, const char *desc, size_t len, char *out, size_t cap)
{
	const schema_attr *at = schema_find_attr(s, desc, len);
	const char *src = at ? at->key : desc;
	size_t n = at ? strlen(at->key) : strip_options(desc, len);

	if (n == 0 || n >= cap)
		return 0;
	for (size_t i = 0; i < n; i++)
		out[i] = (char)schema_lower((unsigned char)src[i]);
	out[n] = '\0';
	return n;
}

const schema_alias *
schema_find_alias(const schema *s, const char *name, size_t len)
{
	return s ? shash_get(&s->alias_names, name, len) : NULL;
}

size_t
schema_alias_count(const schema *s)
{
	return s->naliases;
}

const schema_alias *
schema_alias_at(const schema *s, size_t i)
{
	return i < s->naliases ? &s->aliases[i] : NULL;
}
