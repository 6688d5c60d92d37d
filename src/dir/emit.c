/*
 * emit.c - which attributes a search returns and how they are written.
 *
 * RFC 4511 4.5.1.8 and RFC 3673: no list or "*" means all user
 * attributes, "+" all operational ones, "1.1" none.  Explicitly named
 * attributes come back in the order requested and spelled as requested:
 * NetMeeting reads the fields of an entry by position.  An attribute
 * without values is never sent (NetMeeting reads value 0 unchecked),
 * except as a bare type with typesOnly.
 */
#include <stdio.h>
#include <string.h>

#include "dir/dir_int.h"

static bool
is_literal(ber_slice s, const char *lit)
{
	size_t n = strlen(lit);
	return s.len == n && memcmp(s.p, lit, n) == 0;
}

int
sel_compile(const schema *s, const dir_attr_sel *req, size_t n, arena *a, dir_sel *out)
{
	memset(out, 0, sizeof(*out));
	if (n == 0) {
		out->all_user = true;
		return 0;
	}
	out->items = arena_calloc(a, n, sizeof(*out->items));
	if (out->items == NULL)
		return -1;
	for (size_t i = 0; i < n; i++) {
		ber_slice name = req[i].name;
		ber_slice lookup = req[i].lookup.len ? req[i].lookup : name;
		char key[DIR_KEYMAX];
		size_t klen;
		bool dup = false;
		sel_item *it;

		if (is_literal(name, "*")) {
			out->all_user = true;
			continue;
		}
		if (is_literal(name, "+")) {
			out->all_oper = true;
			continue;
		}
		if (is_literal(name, "1.1") || name.len == 0)
			continue;
		klen = dir_desc_key(s, lookup.p, lookup.len, key, sizeof(key));
		if (klen == 0)
			continue;
		for (size_t j = 0; j < out->n && !dup; j++)
			dup = out->items[j].keylen == klen && memcmp(out->items[j].key, key, klen) == 0;
		if (dup)
			continue;
		it = &out->items[out->n];
		it->name = dir_copy_slice(a, name);
		it->key = arena_strndup(a, key, klen);
		it->keylen = klen;
		it->scale = req[i].scale > 1 ? req[i].scale : 1;
		it->operational = oper_is_operational(s, key, desc_base_len(key, klen));
		it->sup = schema_find_attr(s, key, klen);
		if (!attr_has_subtypes(s, it->sup))
			it->sup = NULL;
		if (it->name.p == NULL || it->key == NULL)
			return -1;
		out->n++;
	}
	return 0;
}

/* Value divided by scale, rounded up (entryTtl seconds shown as sttl minutes). */
static ber_slice
scaled(ber_slice val, int scale, char *buf, size_t cap)
{
	int64_t x;
	int n;

	if (scale <= 1 || ttl_parse(val, &x) != 0)
		return val;
	x = x >= 0 ? (x + scale - 1) / scale : x / scale;
	n = snprintf(buf, cap, "%lld", (long long)x);
	return (ber_slice){ (const uint8_t *)buf, (size_t)n };
}

static void
write_attr(ber_writer *w, ber_slice name, const ber_slice *vals,
    uint32_t n, int scale, bool typesonly)
{
	if (n == 0)
		return;
	ldap_encode_entry_attr_begin(w, name.p, name.len);
	for (uint32_t i = 0; !typesonly && i < n; i++) {
		char buf[32];
		ber_slice out = scaled(vals[i], scale, buf, sizeof(buf));
		ldap_encode_entry_value(w, out.p, out.len);
	}
	ldap_encode_entry_attr_end(w);
}

static void
write_virtual(ber_writer *w, const dir_view *v, bool typesonly)
{
	for (size_t i = 0; i < oper_virtual_count(); i++) {
		const char *name = oper_virtual_names[i];
		char key[64];
		size_t len = strlen(name);
		const ber_slice *vals;
		uint32_t n;

		for (size_t j = 0; j <= len; j++)
			key[j] = (char)(name[j] >= 'A' && name[j] <= 'Z' ? name[j] + 32 : name[j]);
		if (entry_find(v->e, key, len) != NULL)
			continue;	/* stored: already written */
		if (view_values(v, key, len, &vals, &n))
			write_attr(w, ldap_slice(name), vals, n, 1, typesonly);
	}
}

/* Does the entry store an attribute with tagging options (cn;lang-en)? */
static bool
has_tagged(const entry *e)
{
	for (uint32_t i = 0; i < e->nattrs; i++)
		if (memchr(e->attrs[i].key.p, ';', e->attrs[i].key.len) != NULL)
			return true;
	return false;
}

/*
 * A named attribute of an entry with tagged attributes, or one with
 * subtypes: its own values under the name as requested, its subtypes'
 * (cn;lang-en when cn is named, cn and sn when name is) under their
 * stored names.  done[] marks stored attributes already written, so cn
 * and cn;lang-en both named write cn;lang-en once.
 */
static void
write_named(ber_writer *w, const dir_view *v, const sel_item *it, bool *done, bool typesonly)
{
	const entry *e = v->e;
	const ber_slice *vals;
	uint32_t n;
	bool stored = false;

	for (uint32_t i = 0; i < e->nattrs; i++) {
		const entry_attr *ea = &e->attrs[i];
		const char *k = (const char *)ea->key.p;
		bool exact = ea->key.len == it->keylen && memcmp(k, it->key, it->keylen) == 0;

		if (!desc_selects_in(v->s, it->sup, it->key, it->keylen, k, ea->key.len))
			continue;
		stored |= exact;
		if (done[i] || view_hides(v, k, desc_base_len(k, ea->key.len)))
			continue;
		done[i] = true;
		if (view_values(v, k, ea->key.len, &vals, &n))
			write_attr(w, exact ? it->name : ea->name, vals, n, it->scale, typesonly);
	}
	if (!stored && view_values(v, it->key, it->keylen, &vals, &n))
		write_attr(w, it->name, vals, n, it->scale, typesonly);	/* computed */
}

void
emit_entry(ber_writer *w, int64_t msgid, const dir_view *v, const dir_sel *sel, bool typesonly)
{
	const entry *e = v->e;
	bool *done = NULL, tagged = sel->n > 0 && has_tagged(e);

	ldap_encode_entry_begin(w, msgid, e->dn.p, e->dn.len);
	if (sel->all_user || sel->all_oper) {
		for (uint32_t i = 0; i < e->nattrs; i++) {
			const entry_attr *ea = &e->attrs[i];
			bool op = oper_is_operational(v->s, (const char *)ea->key.p, ea->key.len);
			if ((op ? sel->all_oper : sel->all_user) &&
			    !view_hides(v, (const char *)ea->key.p,
			    desc_base_len((const char *)ea->key.p, ea->key.len)))
				write_attr(w, ea->name, ea->vals, ea->nvals, 1, typesonly);
		}
	}
	if (sel->all_oper && !v->synthetic)
		write_virtual(w, v, typesonly);
	for (size_t i = 0; i < sel->n; i++) {
		const sel_item *it = &sel->items[i];
		const ber_slice *vals;
		uint32_t n;

		if (it->operational ? sel->all_oper : sel->all_user)
			continue;	/* already written as part of "*" or "+" */
		if (done == NULL && (it->sup != NULL || tagged))
			done = arena_calloc(v->a, e->nattrs + 1, sizeof(*done));
		if (done != NULL)
			write_named(w, v, it, done, typesonly);
		else if (view_values(v, it->key, it->keylen, &vals, &n))
			write_attr(w, it->name, vals, n, it->scale, typesonly);
	}
	ldap_encode_entry_end(w);
}
