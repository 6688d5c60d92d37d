/*
 * modify.c - the Modify operation (RFC 4511 4.6, RFC 4525 increment).
 *
 * All changes are applied to a copy of the entry in the request arena;
 * the copy is written back only if every change and the final checks
 * succeed, all inside one write transaction, so a Modify is atomic.
 *
 * entryTtl is special (RFC 2589): replacing it on a dynamic entry is a
 * refresh (TAPI does exactly that); it is never stored as an attribute.
 * DIR_F_LENIENT_MODIFY switches on the ILS client habits described in
 * dir.h; additionally, deleting a value that is not there succeeds.
 */
#include <stdio.h>
#include <string.h>

#include "dir/dir_int.h"

typedef struct mod_ctx {
	dir *d;
	const schema *s;
	const dir_ctx *c;
	unsigned flags;
	edit_entry ed;
	bool was_dynamic;
	bool changed;		/* anything but entryTtl was touched */
	bool classes;		/* objectClass was touched */
	uint64_t expires;
} mod_ctx;

#define LENIENT(m) (((m)->flags & DIR_F_LENIENT_MODIFY) != 0)

static int
nomem(dir_result *res)
{
	dir_res_set(res, LDAP_ADMIN_LIMIT_EXCEEDED, "entry too large");
	return res->code;
}

static int
mod_ttl(mod_ctx *m, const ldap_mod *mod, dir_result *res)
{
	int64_t ttl;

	if ((mod->op != LDAP_MOD_REPLACE && mod->op != LDAP_MOD_ADD) || mod->attr.nvals == 0) {
		dir_res_set(res, LDAP_UNWILLING_TO_PERFORM, "entryTtl can only be refreshed");
		return res->code;
	}
	if (mod->attr.nvals != 1) {
		dir_res_set(res, LDAP_CONSTRAINT_VIOLATION, "entryTtl: single-valued");
		return res->code;
	}
	/* RFC 2589 3.1: a static entry cannot become dynamic. */
	if (!m->was_dynamic) {
		dir_res_set(res, LDAP_OBJECT_CLASS_VIOLATION, "not a dynamic entry");
		return res->code;
	}
	if (ttl_parse(mod->attr.vals[0], &ttl) != 0) {
		dir_res_set(res, LDAP_INVALID_ATTRIBUTE_SYNTAX, "entryTtl: not an integer");
		return res->code;
	}
	m->expires = m->c->now_ms + (uint64_t)ttl_clamp(m->d, ttl) * 1000;
	return LDAP_SUCCESS;
}

/*
 * Appends values, refusing (or, lenient, skipping) ones already there.
 * A value list (DIR_F_VALUE_LIST) takes them all as given.
 */
static int
append_values(mod_ctx *m, edit_attr *at, const ldap_attr *la, dir_result *res)
{
	vset vs;

	if (m->flags & DIR_F_VALUE_LIST) {
		for (size_t i = 0; i < la->nvals; i++)
			if (edit_add_value(&m->ed, at, la->vals[i], true) != 0)
				return nomem(res);
		return LDAP_SUCCESS;
	}
	if (vset_init(&vs, at->at, m->c->a, at->nvals + la->nvals) != 0)
		return nomem(res);
	for (uint32_t i = 0; i < at->nvals; i++)
		if (vset_add(&vs, at->vals[i], i) != 0)
			return nomem(res);
	for (size_t i = 0; i < la->nvals; i++) {
		if (vset_find(&vs, la->vals[i]) >= 0) {
			if (LENIENT(m))
				continue;
			dir_res_set(res, LDAP_ATTRIBUTE_OR_VALUE_EXISTS, "%.*s: value #%zu already exists",
			    (int)la->type.len, la->type.p, i);
			return res->code;
		}
		if (vset_add(&vs, la->vals[i], at->nvals) != 0 ||
		    edit_add_value(&m->ed, at, la->vals[i], true) != 0)
			return nomem(res);
	}
	return LDAP_SUCCESS;
}

static int
mod_add(mod_ctx *m, edit_attr *at, ber_slice key, const ldap_attr *la, dir_result *res)
{
	if (la->nvals == 0) {
		if (LENIENT(m))
			return LDAP_SUCCESS;
		dir_res_set(res, LDAP_PROTOCOL_ERROR, "%.*s: no values to add", (int)la->type.len,
		    la->type.p);
		return res->code;
	}
	if (at == NULL) {
		at = edit_add_attr(&m->ed, m->s, key, la->type);
		if (at == NULL)
			return nomem(res);
	} else if (LENIENT(m) && at->at != NULL && at->at->single_value) {
		at->nvals = 0;	/* ILS: an add to a single-valued attribute replaces it */
	}
	return append_values(m, at, la, res);
}

static int
mod_delete(mod_ctx *m, edit_attr *at, const ldap_attr *la, dir_result *res)
{
	vset del;
	bool *gone, *hit;
	uint32_t k = 0;

	if (at == NULL) {
		if (LENIENT(m))
			return LDAP_SUCCESS;
		dir_res_set(res, LDAP_NO_SUCH_ATTRIBUTE, "%.*s: no such attribute",
		    (int)la->type.len, la->type.p);
		return res->code;
	}
	if (la->nvals == 0 || (LENIENT(m) && la->nvals == 1 && la->vals[0].len == 0)) {
		edit_remove_attr(&m->ed, at);
		return LDAP_SUCCESS;
	}
	/* Every stored value equal to one named goes (a value list may repeat it). */
	gone = arena_calloc(m->c->a, at->nvals + 1, sizeof(*gone));
	hit = arena_calloc(m->c->a, la->nvals + 1, sizeof(*hit));
	if (gone == NULL || hit == NULL || vset_init(&del, at->at, m->c->a, la->nvals) != 0)
		return nomem(res);
	for (size_t i = 0; i < la->nvals; i++)
		if (vset_add(&del, la->vals[i], (uint32_t)i) != 0)
			return nomem(res);
	for (uint32_t i = 0; i < at->nvals; i++) {
		long idx = vset_find(&del, at->vals[i]);
		if (idx >= 0) {
			gone[i] = true;
			hit[idx] = true;
		}
	}
	for (size_t i = 0; i < la->nvals; i++) {
		long idx = vset_find(&del, la->vals[i]);
		if (idx >= 0 && hit[idx])
			continue;
		if (LENIENT(m))
			continue;
		dir_res_set(res, LDAP_NO_SUCH_ATTRIBUTE, "%.*s: value #%zu does not exist",
		    (int)la->type.len, la->type.p, i);
		return res->code;
	}
	for (uint32_t i = 0; i < at->nvals; i++)
		if (!gone[i])
			at->vals[k++] = at->vals[i];
	at->nvals = k;
	if (k == 0)
		edit_remove_attr(&m->ed, at);
	return LDAP_SUCCESS;
}

static int
mod_replace(mod_ctx *m, edit_attr *at, ber_slice key, const ldap_attr *la, dir_result *res)
{
	if (la->nvals == 0) {
		if (at != NULL)
			edit_remove_attr(&m->ed, at);
		return LDAP_SUCCESS;
	}
	if (at == NULL) {
		at = edit_add_attr(&m->ed, m->s, key, la->type);
		if (at == NULL)
			return nomem(res);
	} else {
		ber_slice name = dir_copy_slice(m->c->a, la->type);
		if (name.p == NULL)
			return nomem(res);
		at->name = name;
		at->nvals = 0;
	}
	return append_values(m, at, la, res);
}

static int
parse_int(ber_slice v, int64_t *out)
{
	size_t i = 0;
	bool neg = false;
	int64_t x = 0;

	if (v.len > 0 && (v.p[0] == '-' || v.p[0] == '+')) {
		neg = v.p[0] == '-';
		i = 1;
	}
	if (i == v.len || v.len - i > 18)
		return -1;
	for (; i < v.len; i++) {
		if (v.p[i] < '0' || v.p[i] > '9')
			return -1;
		x = x * 10 + (v.p[i] - '0');
	}
	*out = neg ? -x : x;
	return 0;
}

/* RFC 4525: add the given amount to every value of an integer attribute. */
static int
mod_increment(mod_ctx *m, edit_attr *at, const ldap_attr *la, dir_result *res)
{
	int64_t by, v;

	if (at == NULL) {
		dir_res_set(res, LDAP_NO_SUCH_ATTRIBUTE, "%.*s: no such attribute",
		    (int)la->type.len, la->type.p);
		return res->code;
	}
	if (la->nvals != 1) {
		dir_res_set(res, LDAP_PROTOCOL_ERROR, "increment needs exactly one value");
		return res->code;
	}
	if (at->at != NULL && (at->at->equality == NULL ||
	    at->at->equality->match != SCHEMA_MATCH_INTEGER)) {
		dir_res_set(res, LDAP_CONSTRAINT_VIOLATION, "%.*s: not an integer attribute",
		    (int)la->type.len, la->type.p);
		return res->code;
	}
	if (parse_int(la->vals[0], &by) != 0) {
		dir_res_set(res, LDAP_INVALID_ATTRIBUTE_SYNTAX, "increment value is not an integer");
		return res->code;
	}
	for (uint32_t i = 0; i < at->nvals; i++) {
		char buf[32];
		int n;

		if (parse_int(at->vals[i], &v) != 0 || __builtin_add_overflow(v, by, &v)) {
			dir_res_set(res, LDAP_CONSTRAINT_VIOLATION, "%.*s: value is not an integer",
			    (int)la->type.len, la->type.p);
			return res->code;
		}
		n = snprintf(buf, sizeof(buf), "%lld", (long long)v);
		at->vals[i] = dir_copy_slice(m->c->a, (ber_slice){ (const uint8_t *)buf, (size_t)n });
		if (at->vals[i].p == NULL)
			return nomem(res);
	}
	return LDAP_SUCCESS;
}

static int
apply_mod(mod_ctx *m, const ldap_mod *mod, dir_result *res)
{
	const ldap_attr *la = &mod->attr;
	char key[DIR_KEYMAX];
	/* The type with its tagging options (options.c); blen: the type alone. */
	size_t klen = dir_desc_key(m->s, la->type.p, la->type.len, key, sizeof(key));
	size_t blen = desc_base_len(key, klen);
	ber_slice k = { (const uint8_t *)key, klen };
	edit_attr *at;

	if (klen == 0) {
		dir_res_set(res, LDAP_UNDEFINED_ATTRIBUTE_TYPE, "invalid attribute description");
		return res->code;
	}
	if (dir_key_is(key, blen, "entryttl"))
		return mod_ttl(m, mod, res);
	m->changed = true;
	if (dir_key_is(key, blen, "objectclass"))
		m->classes = true;
	if (oper_is_server_only(m->s, key, blen)) {
		dir_res_set(res, LDAP_CONSTRAINT_VIOLATION, "%.*s: no user modification",
		    (int)la->type.len, la->type.p);
		return res->code;
	}
	if (!(m->flags & (DIR_F_LENIENT_MODIFY | DIR_F_NO_SCHEMA_CHECK)) &&
	    schema_find_attr(m->s, key, blen) == NULL) {
		dir_res_set(res, LDAP_UNDEFINED_ATTRIBUTE_TYPE, "%.*s: undefined attribute type",
		    (int)la->type.len, la->type.p);
		return res->code;
	}
	at = edit_find(&m->ed, key, klen);
	switch (mod->op) {
	case LDAP_MOD_ADD:
		return mod_add(m, at, k, la, res);
	case LDAP_MOD_DELETE:
		return mod_delete(m, at, la, res);
	case LDAP_MOD_REPLACE:
		return mod_replace(m, at, k, la, res);
	case LDAP_MOD_INCREMENT:
		return mod_increment(m, at, la, res);
	default:
		dir_res_set(res, LDAP_PROTOCOL_ERROR, "unknown modify operation %u", mod->op);
		return res->code;
	}
}

/* RFC 4511 4.6: the values of the RDN may not be removed. */
static int
check_rdn(mod_ctx *m, const dn *parsed, const entry *old, dir_result *res)
{
	const dn_rdn *rdn = &parsed->rdns[0];

	for (size_t i = 0; i < rdn->navas; i++) {
		const dn_ava *ava = &rdn->avas[i];
		ber_slice val = { (const uint8_t *)ava->value, ava->valuelen };
		char key[DIR_KEYMAX];
		size_t klen = dir_key(m->s, ava->type, ava->typelen, key, sizeof(key));
		const entry_attr *oa = klen ? entry_find(old, key, klen) : NULL;
		const edit_attr *na = klen ? edit_find(&m->ed, key, klen) : NULL;
		const schema_attr *sa = schema_find_attr(m->s, key, klen);
		bool had = false, has = false;

		for (uint32_t j = 0; oa && j < oa->nvals && !had; j++)
			had = schema_value_equal(sa, oa->vals[j], val);
		for (uint32_t j = 0; na && j < na->nvals && !has; j++)
			has = schema_value_equal(sa, na->vals[j], val);
		if (had && !has) {
			dir_res_set(res, LDAP_NOT_ALLOWED_ON_RDN, "%.*s: value is part of the RDN",
			    (int)ava->typelen, ava->type);
			return res->code;
		}
	}
	return LDAP_SUCCESS;
}

/* Object class rules after all changes: RFC 2589 3.1 and RFC 4512 2.4.2. */
static int
check_classes(mod_ctx *m, const entry *old, dir_result *res)
{
	const entry_attr *ooc = entry_find(old, "objectclass", 11);
	edit_attr *noc = edit_find(&m->ed, "objectclass", 11);
	bool old_dyn = ooc && oper_has_dynamic_oc(m->s, ooc->vals, ooc->nvals);
	bool new_dyn = noc && oper_has_dynamic_oc(m->s, noc->vals, noc->nvals);
	const schema_class *osc = ooc ? oper_structural(m->s, ooc->vals, ooc->nvals) : NULL;
	const schema_class *nsc = noc ? oper_structural(m->s, noc->vals, noc->nvals) : NULL;
	edit_attr *soc;

	if (noc != NULL && m->classes && !(m->flags & DIR_F_NO_SCHEMA_CHECK) &&
	    oper_add_superclasses(&m->ed, m->s, noc) != 0)
		return nomem(res);
	if (old_dyn != new_dyn) {
		dir_res_set(res, LDAP_OBJECT_CLASS_VIOLATION,
		    "an entry cannot change between static and dynamic");
		return res->code;
	}
	/* An entry stored without a structural class (ILS) may gain one. */
	if (osc != NULL && osc != nsc && !(m->flags & DIR_F_NO_SCHEMA_CHECK)) {
		dir_res_set(res, LDAP_OBJECT_CLASS_MODS_PROHIBITED,
		    "the structural object class cannot change");
		return res->code;
	}
	soc = edit_find(&m->ed, "structuralobjectclass", 21);
	if (nsc == NULL) {
		if (soc)
			edit_remove_attr(&m->ed, soc);
		return LDAP_SUCCESS;
	}
	if (soc == NULL)
		soc = edit_add_attr(&m->ed, m->s, ldap_slice("structuralobjectclass"),
		    ldap_slice("structuralObjectClass"));
	if (soc == NULL)
		return nomem(res);
	soc->nvals = 0;
	if (edit_add_value(&m->ed, soc,
	    ldap_slice(nsc->nnames > 0 ? nsc->names[0] : nsc->oid), true) != 0)
		return nomem(res);
	return LDAP_SUCCESS;
}

static int
final_checks(mod_ctx *m, const dn *parsed, entry *old, dir_result *res)
{
	entry view;
	int code;

	if ((code = check_rdn(m, parsed, old, res)) != LDAP_SUCCESS ||
	    (code = check_classes(m, old, res)) != LDAP_SUCCESS)
		return code;
	if (m->flags & DIR_F_NO_SCHEMA_CHECK)
		return LDAP_SUCCESS;
	view = *old;
	if (edit_to_entry(&m->ed, &view, true, m->s) != 0)
		return nomem(res);
	code = schema_check_entry(m->s, &view, res->diag, sizeof(res->diag));
	if (code != LDAP_SUCCESS)
		res->code = code;
	return code;
}

static int
modify_in_txn(mod_ctx *m, store_txn *t, const dn *parsed, const char *ndn, size_t nlen,
    const ldap_mod *mods, size_t nmods, dir_result *res)
{
	entry old, e;
	int rc = dir_get_live(t, ndn, nlen, m->c->now_ms, m->c->a, &old);

	if (rc == STORE_NOTFOUND) {
		dir_no_such_object(m->d, t, ndn, nlen, m->c->now_ms, m->c->a, res);
		return res->code;
	}
	if (rc != STORE_OK) {
		dir_res_set(res, dir_store_code(rc), "store: %s", store_strerror(rc));
		return res->code;
	}
	if (access_check_change(m->d, m->c, &old, 0, res) != LDAP_SUCCESS)
		return res->code;
	m->was_dynamic = old.expires != 0;
	m->expires = old.expires;
	if (edit_from_entry(&m->ed, m->s, &old) != 0)
		return nomem(res);
	for (size_t i = 0; i < nmods; i++)
		if ((rc = apply_mod(m, &mods[i], res)) != LDAP_SUCCESS)
			return rc;
	if (!m->changed) {
		/* Only entryTtl: a refresh (TAPI's keep-alive), no rewrite of the entry. */
		if (m->expires == old.expires)
			return LDAP_SUCCESS;
		rc = store_set_expires(t, old.id, m->expires);
		if (rc != STORE_OK)
			dir_res_set(res, rc == STORE_NOTFOUND ? LDAP_OTHER : dir_store_code(rc),
			    "store: %s", store_strerror(rc));
		return rc == STORE_OK ? LDAP_SUCCESS : res->code;
	}
	if ((rc = final_checks(m, parsed, &old, res)) != LDAP_SUCCESS ||
	    (rc = access_check_size(m->d, m->c, &m->ed, m->s, res)) != LDAP_SUCCESS)
		return rc;
	if (oper_on_modify(&m->ed, m->s, m->c) != 0)
		return nomem(res);
	e = old;
	e.dn = dir_copy_slice(m->c->a, old.dn);
	e.ndn = dir_copy_slice(m->c->a, old.ndn);
	e.expires = m->expires;
	if (e.dn.p == NULL || e.ndn.p == NULL || edit_to_entry(&m->ed, &e, false, m->s) != 0)
		return nomem(res);
	rc = store_put(t, &e, STORE_PUT_REPLACE);
	if (rc != STORE_OK) {
		dir_res_set(res, dir_store_code(rc), "store: %s", store_strerror(rc));
		if (res->code == LDAP_NO_SUCH_OBJECT || res->code == LDAP_ENTRY_ALREADY_EXISTS)
			res->code = LDAP_OTHER;
		return res->code;
	}
	return LDAP_SUCCESS;
}

int
dir_modify(dir *d, const dir_ctx *c, ber_slice dnstr, const ldap_mod *mods, size_t nmods,
    unsigned flags, dir_result *res)
{
	mod_ctx m;
	dn parsed;
	char *ndn;
	size_t nlen;
	store_txn *t;
	int rc;

	memset(&m, 0, sizeof(m));
	m.d = d;
	m.s = dir_schema(d);
	m.c = c;
	m.flags = flags;
	edit_init(&m.ed, c->a);
	res->matched = NULL;
	dir_res_set(res, LDAP_SUCCESS, NULL);

	if (!dir_write_target(d, m.s, dnstr, c->a, &parsed, &ndn, &nlen, res))
		goto out;
	if ((rc = store_begin(d->st, true, &t)) != STORE_OK) {
		dir_res_set(res, dir_store_code(rc), "store: %s", store_strerror(rc));
		goto out;
	}
	if (modify_in_txn(&m, t, &parsed, ndn, nlen, mods, nmods, res) != LDAP_SUCCESS) {
		store_abort(t);
		goto out;
	}
	rc = store_commit(t);
	if (rc != STORE_OK)
		dir_res_set(res, dir_store_code(rc), "store: %s", store_strerror(rc));
out:
	schema_unref((schema *)m.s);
	return res->code;
}
