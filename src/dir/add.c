/*
 * add.c - the Add operation (RFC 4511 4.7, RFC 2589 for dynamic entries).
 *
 * The entry is built and checked in the request arena, then written in
 * one write transaction together with the existence and parent checks.
 * The RDN's values are added to the entry when the client left them out
 * (as slapd does) rather than refused with namingViolation: ILS clients
 * send a cn in the DN and not always in the attribute list.
 */
#include <string.h>

#include "dir/dir_int.h"

typedef struct add_req {
	dir *d;
	const schema *s;
	const dir_ctx *c;
	unsigned flags;
	edit_entry ed;
	bool has_ttl;
	int64_t ttl;
	bool dynamic;
	uint64_t expires;
	ber_slice owner;		/* ilsdOwner of a new dynamic entry; len 0 = none */
} add_req;

/* RFC 4512 2.5: descr or numericoid, then ;options. */
static bool
valid_description(ber_slice t)
{
	if (t.len == 0)
		return false;
	for (size_t i = 0; i < t.len; i++) {
		uint8_t ch = t.p[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' || ch == ';' || ch == '_'))
			return false;
	}
	return true;
}

static int
take_ttl(add_req *r, const ldap_attr *la, dir_result *res)
{
	if (la->nvals == 0)
		return LDAP_SUCCESS;
	if (la->nvals > 1) {
		dir_res_set(res, LDAP_CONSTRAINT_VIOLATION, "entryTtl: single-valued");
		return res->code;
	}
	if (ttl_parse(la->vals[0], &r->ttl) != 0) {
		dir_res_set(res, LDAP_INVALID_ATTRIBUTE_SYNTAX, "entryTtl: not an integer");
		return res->code;
	}
	r->has_ttl = true;
	return LDAP_SUCCESS;
}

static int
take_attr(add_req *r, const ldap_attr *la, dir_result *res)
{
	char key[DIR_KEYMAX];
	size_t klen, blen;
	edit_attr *at;

	/* key: the type and its tagging options (options.c); blen: the type alone. */
	if (!valid_description(la->type) ||
	    (klen = dir_desc_key(r->s, la->type.p, la->type.len, key, sizeof(key))) == 0) {
		dir_res_set(res, LDAP_UNDEFINED_ATTRIBUTE_TYPE, "invalid attribute description");
		return res->code;
	}
	blen = desc_base_len(key, klen);
	if (dir_key_is(key, blen, "entryttl"))
		return take_ttl(r, la, res);
	if (oper_is_server_only(r->s, key, blen)) {
		dir_res_set(res, LDAP_CONSTRAINT_VIOLATION, "%.*s: no user modification",
		    (int)la->type.len, la->type.p);
		return res->code;
	}
	if (!(r->flags & DIR_F_NO_SCHEMA_CHECK) && schema_find_attr(r->s, key, blen) == NULL) {
		dir_res_set(res, LDAP_UNDEFINED_ATTRIBUTE_TYPE, "%.*s: undefined attribute type",
		    (int)la->type.len, la->type.p);
		return res->code;
	}
	if (la->nvals == 0) {
		/* RFC 4511 4.7 needs a value; ILS clients' entries get the benefit of the doubt. */
		if (r->flags & DIR_F_NO_SCHEMA_CHECK)
			return LDAP_SUCCESS;
		dir_res_set(res, LDAP_PROTOCOL_ERROR, "%.*s: no values", (int)la->type.len,
		    la->type.p);
		return res->code;
	}
	at = edit_find(&r->ed, key, klen);
	if (at == NULL)
		at = edit_add_attr(&r->ed, r->s, (ber_slice){ (const uint8_t *)key, klen }, la->type);
	if (at == NULL)
		goto nomem;
	for (size_t i = 0; i < la->nvals; i++)
		if (edit_add_value(&r->ed, at, la->vals[i], true) != 0)
			goto nomem;
	return LDAP_SUCCESS;
nomem:
	dir_res_set(res, LDAP_ADMIN_LIMIT_EXCEEDED, "entry too large");
	return res->code;
}

static int
check_duplicates(add_req *r, dir_result *res)
{
	if (r->flags & DIR_F_VALUE_LIST)
		return LDAP_SUCCESS;	/* ILS positional lists may repeat a value */
	for (uint32_t i = 0; i < r->ed.nattrs; i++) {
		edit_attr *at = &r->ed.attrs[i];
		vset vs;

		if (vset_init(&vs, at->at, r->c->a, at->nvals) != 0)
			goto nomem;
		for (uint32_t j = 0; j < at->nvals; j++) {
			if (vset_find(&vs, at->vals[j]) >= 0) {
				dir_res_set(res, LDAP_ATTRIBUTE_OR_VALUE_EXISTS,
				    "%.*s: value #%u provided more than once", (int)at->name.len,
				    at->name.p, j);
				return res->code;
			}
			if (vset_add(&vs, at->vals[j], j) != 0)
				goto nomem;
		}
	}
	return LDAP_SUCCESS;
nomem:
	dir_res_set(res, LDAP_ADMIN_LIMIT_EXCEEDED, "entry too large");
	return res->code;
}

static bool
has_value(const edit_attr *at, ber_slice v)
{
	for (uint32_t i = 0; i < at->nvals; i++)
		if (schema_value_equal(at->at, at->vals[i], v))
			return true;
	return false;
}

/* Every AVA of the RDN becomes (or already is) a value of the entry. */
static int
add_rdn_values(add_req *r, const dn *parsed, dir_result *res)
{
	const dn_rdn *rdn = &parsed->rdns[0];

	for (size_t i = 0; i < rdn->navas; i++) {
		const dn_ava *ava = &rdn->avas[i];
		ber_slice type = { (const uint8_t *)ava->type, ava->typelen };
		ber_slice val = { (const uint8_t *)ava->value, ava->valuelen };
		char key[DIR_KEYMAX];
		size_t klen = dir_key(r->s, ava->type, ava->typelen, key, sizeof(key));
		edit_attr *at;

		if (klen == 0 || dir_key_is(key, klen, "entryttl") ||
		    oper_is_server_only(r->s, key, klen)) {
			dir_res_set(res, LDAP_NAMING_VIOLATION, "%.*s: not allowed in an RDN",
			    (int)ava->typelen, ava->type);
			return res->code;
		}
		if (!(r->flags & DIR_F_NO_SCHEMA_CHECK) && schema_find_attr(r->s, key, klen) == NULL) {
			dir_res_set(res, LDAP_UNDEFINED_ATTRIBUTE_TYPE,
			    "%.*s: undefined attribute type in RDN", (int)ava->typelen, ava->type);
			return res->code;
		}
		at = edit_find(&r->ed, key, klen);
		if (at == NULL)
			at = edit_add_attr(&r->ed, r->s, (ber_slice){ (const uint8_t *)key, klen }, type);
		if (at == NULL || (!has_value(at, val) && edit_add_value(&r->ed, at, val, true) != 0)) {
			dir_res_set(res, LDAP_ADMIN_LIMIT_EXCEEDED, "entry too large");
			return res->code;
		}
	}
	return LDAP_SUCCESS;
}

/* RFC 2589: dynamicObject in the classes (or asked for by flag) makes an entry dynamic. */
static int
decide_dynamic(add_req *r, dir_result *res)
{
	edit_attr *oc = edit_find(&r->ed, "objectclass", 11);

	r->dynamic = oc != NULL && oper_has_dynamic_oc(r->s, oc->vals, oc->nvals);
	if ((r->flags & DIR_F_DYNAMIC) && !r->dynamic) {
		if (oc == NULL)
			oc = edit_add_attr(&r->ed, r->s, ldap_slice("objectclass"),
			    ldap_slice("objectClass"));
		if (oc == NULL || edit_add_value(&r->ed, oc, ldap_slice("dynamicObject"), true) != 0) {
			dir_res_set(res, LDAP_ADMIN_LIMIT_EXCEEDED, "entry too large");
			return res->code;
		}
		r->dynamic = true;
	}
	if (r->has_ttl && !r->dynamic) {
		dir_res_set(res, LDAP_OBJECT_CLASS_VIOLATION,
		    "entryTtl is only allowed on a dynamicObject");
		return res->code;
	}
	if (oc != NULL && !(r->flags & DIR_F_NO_SCHEMA_CHECK) &&
	    oper_add_superclasses(&r->ed, r->s, oc) != 0) {
		dir_res_set(res, LDAP_ADMIN_LIMIT_EXCEEDED, "entry too large");
		return res->code;
	}
	if (r->dynamic) {
		int64_t ttl = ttl_clamp(r->d, r->has_ttl ? r->ttl : r->d->cfg.ttl_default);
		r->expires = r->c->now_ms + (uint64_t)ttl * 1000;
	}
	return LDAP_SUCCESS;
}

/*
 * Access: a dynamic entry needs the register (or write) right, a static
 * one write.  A new dynamic entry records who made it, and the directory
 * size limit applies.
 */
static int
check_access(add_req *r, const char *ndn, size_t nlen, dir_result *res)
{
	const dir_ctx *c = r->c;
	unsigned rights = access_rights(r->d, c, ndn, nlen);
	uint64_t entries = 0;
	edit_attr *at;

	if (!(rights & DIR_RIGHT_WRITE) && !(r->dynamic && (rights & DIR_RIGHT_REGISTER))) {
		dir_res_set(res, LDAP_INSUFFICIENT_ACCESS_RIGHTS, "%s",
		    rights & DIR_RIGHT_REGISTER ? "only dynamic entries may be added here" :
		    "no right to add entries here");
		return res->code;
	}
	if (access_check_size(r->d, c, &r->ed, r->s, res) != LDAP_SUCCESS)
		return res->code;
	if (!c->is_admin && r->d->cfg.limits.max_entries != 0 &&
	    store_stat(r->d->st, &entries, NULL) == STORE_OK &&
	    entries >= r->d->cfg.limits.max_entries) {
		dir_res_set(res, LDAP_UNWILLING_TO_PERFORM, "the directory is full (%llu entries)",
		    (unsigned long long)entries);
		return res->code;
	}
	if (!r->dynamic)
		return LDAP_SUCCESS;
	r->owner = access_owner_of(c, c->a);
	if (r->owner.len == 0)
		return LDAP_SUCCESS;
	at = edit_add_attr(&r->ed, r->s, ldap_slice(OWNER_KEY), ldap_slice(OWNER_NAME));
	if (at == NULL || edit_add_value(&r->ed, at, r->owner, false) != 0) {
		dir_res_set(res, LDAP_OTHER, "out of memory");
		return res->code;
	}
	return LDAP_SUCCESS;
}

/* max_owned: counted in the write transaction, so concurrent adds cannot pass it together. */
static int
check_owned(add_req *r, store_txn *t, dir_result *res)
{
	unsigned max = r->d->cfg.limits.max_owned;
	long n;

	if (max == 0 || r->owner.len == 0 || r->c->is_admin || r->c->unlimited)
		return LDAP_SUCCESS;
	n = access_count_owned(r->d, t, r->owner, max, r->c->now_ms);
	if (n >= (long)max) {
		dir_res_set(res, LDAP_ADMIN_LIMIT_EXCEEDED, "%s holds %u registrations already",
		    r->owner.p[0] == 'i' ? "this address" : "this identity", max);
		return res->code;
	}
	return LDAP_SUCCESS;
}

static int
schema_check(add_req *r, ber_slice dnstr, const char *ndn, size_t nlen, dir_result *res)
{
	entry e;
	int code;

	if (r->flags & DIR_F_NO_SCHEMA_CHECK)
		return LDAP_SUCCESS;
	memset(&e, 0, sizeof(e));
	e.dn = dnstr;
	e.ndn = (ber_slice){ (const uint8_t *)ndn, nlen };
	if (edit_to_entry(&r->ed, &e, true, r->s) != 0) {
		dir_res_set(res, LDAP_OTHER, "out of memory");
		return res->code;
	}
	code = schema_check_entry(r->s, &e, res->diag, sizeof(res->diag));
	if (code != LDAP_SUCCESS)
		res->code = code;
	return code;
}

/* Existence, parent and the write itself, in one transaction. */
static int
write_entry(add_req *r, entry *e, dir_result *res)
{
	dir *d = r->d;
	const char *ndn = (const char *)e->ndn.p;
	size_t nlen = e->ndn.len;
	store_txn *t;
	entry old, parent;
	int mode = STORE_PUT_NEW, rc;

	if ((rc = store_begin(d->st, true, &t)) != STORE_OK) {
		dir_res_set(res, dir_store_code(rc), "store: %s", store_strerror(rc));
		return res->code;
	}
	rc = store_get(t, ndn, nlen, r->c->a, &old);
	if (rc == STORE_OK && !dir_expired(&old, r->c->now_ms)) {
		dir_res_set(res, LDAP_ENTRY_ALREADY_EXISTS, "entry already exists");
		goto fail;
	}
	if (rc == STORE_OK)
		mode = STORE_PUT_REPLACE;	/* expired, not yet swept: it is gone */
	else if (rc != STORE_NOTFOUND)
		goto store_fail;
	if (check_owned(r, t, res) != LDAP_SUCCESS)
		goto fail;
	if (nlen > d->suffix_nlen) {
		long off = dn_parent_offset(ndn, nlen);
		rc = dir_get_live(t, ndn + off, nlen - (size_t)off, r->c->now_ms, r->c->a, &parent);
		if (rc == STORE_NOTFOUND && !(r->flags & DIR_F_NO_PARENT_CHECK)) {
			dir_no_such_object(d, t, ndn, nlen, r->c->now_ms, r->c->a, res);
			dir_res_set(res, LDAP_NO_SUCH_OBJECT, "parent does not exist");
			goto fail;
		}
		if (rc != STORE_OK && rc != STORE_NOTFOUND)
			goto store_fail;
		/* RFC 2589 3: no static entry below a dynamic one. */
		if (rc == STORE_OK && parent.expires != 0 && e->expires == 0) {
			dir_res_set(res, LDAP_OBJECT_CLASS_VIOLATION,
			    "a static entry cannot be subordinate to a dynamic entry");
			goto fail;
		}
	}
	rc = store_put(t, e, mode);
	if (rc == STORE_EXISTS) {
		dir_res_set(res, LDAP_ENTRY_ALREADY_EXISTS, "entry already exists");
		goto fail;
	}
	if (rc != STORE_OK)
		goto store_fail;
	rc = store_commit(t);
	if (rc != STORE_OK) {
		dir_res_set(res, dir_store_code(rc), "store: %s", store_strerror(rc));
		return res->code;
	}
	return LDAP_SUCCESS;
store_fail:
	dir_res_set(res, dir_store_code(rc), "store: %s", store_strerror(rc));
	if (res->code == LDAP_NO_SUCH_OBJECT)
		res->code = LDAP_OTHER;
fail:
	store_abort(t);
	return res->code;
}

int
dir_add(dir *d, const dir_ctx *c, ber_slice dnstr, const ldap_attr *attrs, size_t nattrs,
    unsigned flags, dir_result *res)
{
	add_req r;
	dn parsed;
	char *ndn;
	size_t nlen;
	entry e;
	int rc;

	memset(&r, 0, sizeof(r));
	r.d = d;
	r.s = dir_schema(d);
	r.c = c;
	r.flags = flags;
	edit_init(&r.ed, c->a);
	res->matched = NULL;
	dir_res_set(res, LDAP_SUCCESS, NULL);

	if (!dir_write_target(d, r.s, dnstr, c->a, &parsed, &ndn, &nlen, res))
		goto out;
	for (size_t i = 0; i < nattrs; i++)
		if ((rc = take_attr(&r, &attrs[i], res)) != LDAP_SUCCESS)
			goto out;
	if ((rc = check_duplicates(&r, res)) != LDAP_SUCCESS ||
	    (rc = add_rdn_values(&r, &parsed, res)) != LDAP_SUCCESS ||
	    (rc = decide_dynamic(&r, res)) != LDAP_SUCCESS ||
	    (rc = schema_check(&r, dnstr, ndn, nlen, res)) != LDAP_SUCCESS ||
	    (rc = check_access(&r, ndn, nlen, res)) != LDAP_SUCCESS)
		goto out;
	if (oper_on_create(&r.ed, r.s, c) != 0) {
		dir_res_set(res, LDAP_OTHER, "out of memory");
		goto out;
	}
	memset(&e, 0, sizeof(e));
	e.dn = dir_copy_slice(c->a, dnstr);
	e.ndn = (ber_slice){ (const uint8_t *)ndn, nlen };
	e.expires = r.expires;
	if (e.dn.p == NULL || edit_to_entry(&r.ed, &e, false, r.s) != 0) {
		dir_res_set(res, LDAP_OTHER, "out of memory");
		goto out;
	}
	write_entry(&r, &e, res);
out:
	schema_unref((schema *)r.s);
	return res->code;
}
