/*
 * edit.c - an entry under construction (Add) or change (Modify).
 *
 * Values read from the store point into LMDB's map, which a write in the
 * same transaction may overwrite, so an entry about to be rewritten is
 * first copied whole into the request arena.  Attributes and values keep
 * their order: multi-value order matters to ILS clients.
 */
#include <string.h>

#include "dir/dir_int.h"

ber_slice
dir_copy_slice(arena *a, ber_slice s)
{
	ber_slice out = { NULL, 0 };
	uint8_t *p = arena_alloc(a, s.len + 1);

	if (p == NULL)
		return out;
	if (s.len)
		memcpy(p, s.p, s.len);
	p[s.len] = '\0';
	out.p = p;
	out.len = s.len;
	return out;
}

void
edit_init(edit_entry *ed, arena *a)
{
	ed->a = a;
	ed->attrs = NULL;
	ed->nattrs = 0;
	ed->cap = 0;
}

edit_attr *
edit_find(edit_entry *ed, const char *key, size_t keylen)
{
	for (uint32_t i = 0; i < ed->nattrs; i++) {
		edit_attr *at = &ed->attrs[i];
		if (at->key.len == keylen && memcmp(at->key.p, key, keylen) == 0)
			return at;
	}
	return NULL;
}

edit_attr *
edit_add_attr(edit_entry *ed, const schema *s, ber_slice key, ber_slice name)
{
	edit_attr *at;

	if (ed->nattrs >= ENTRY_MAX_ATTRS)
		return NULL;
	if (ed->nattrs == ed->cap) {
		uint32_t ncap = ed->cap ? ed->cap * 2 : 16;
		edit_attr *na = arena_alloc(ed->a, ncap * sizeof(*na));
		if (na == NULL)
			return NULL;
		if (ed->nattrs)
			memcpy(na, ed->attrs, ed->nattrs * sizeof(*na));
		ed->attrs = na;
		ed->cap = ncap;
	}
	at = &ed->attrs[ed->nattrs];
	memset(at, 0, sizeof(*at));
	at->key = dir_copy_slice(ed->a, key);
	at->name = dir_copy_slice(ed->a, name);
	if (at->key.p == NULL || at->name.p == NULL)
		return NULL;
	at->at = schema_find_attr(s, (const char *)key.p, key.len);
	ed->nattrs++;
	return at;
}

int
edit_add_value(edit_entry *ed, edit_attr *at, ber_slice v, bool copy)
{
	if (at->nvals >= ENTRY_MAX_VALUES)
		return -1;
	if (at->nvals == at->cap) {
		uint32_t ncap = at->cap ? at->cap * 2 : 4;
		ber_slice *nv = arena_alloc(ed->a, ncap * sizeof(*nv));
		if (nv == NULL)
			return -1;
		if (at->nvals)
			memcpy(nv, at->vals, at->nvals * sizeof(*nv));
		at->vals = nv;
		at->cap = ncap;
	}
	if (copy) {
		v = dir_copy_slice(ed->a, v);
		if (v.p == NULL)
			return -1;
	}
	at->vals[at->nvals++] = v;
	return 0;
}

void
edit_remove_attr(edit_entry *ed, edit_attr *at)
{
	size_t i = (size_t)(at - ed->attrs);

	if (i >= ed->nattrs)
		return;
	memmove(&ed->attrs[i], &ed->attrs[i + 1], (ed->nattrs - i - 1) * sizeof(*at));
	ed->nattrs--;
}

int
edit_from_entry(edit_entry *ed, const schema *s, const entry *e)
{
	for (uint32_t i = 0; i < e->nattrs; i++) {
		const entry_attr *src = &e->attrs[i];
		edit_attr *at = edit_add_attr(ed, s, src->key, src->name);

		if (at == NULL)
			return -1;
		for (uint32_t j = 0; j < src->nvals; j++)
			if (edit_add_value(ed, at, src->vals[j], true) != 0)
				return -1;
	}
	return 0;
}

int
edit_to_entry(const edit_entry *ed, entry *e, bool skip_operational, const schema *s)
{
	entry_attr *out = arena_alloc(ed->a, (ed->nattrs + 1) * sizeof(*out));
	uint32_t n = 0;

	if (out == NULL)
		return -1;
	for (uint32_t i = 0; i < ed->nattrs; i++) {
		const edit_attr *at = &ed->attrs[i];

		if (at->nvals == 0)
			continue;
		if (skip_operational &&
		    oper_is_operational(s, (const char *)at->key.p, at->key.len))
			continue;
		out[n].key = at->key;
		out[n].name = at->name;
		out[n].vals = at->vals;
		out[n].nvals = at->nvals;
		n++;
	}
	e->attrs = out;
	e->nattrs = n;
	return 0;
}
