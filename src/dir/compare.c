/*
 * compare.c - the Compare operation (RFC 4511 4.10).
 *
 * The assertion is evaluated exactly like an equality filter item, so
 * Compare and Search agree (objectClass superclasses, computed entryTtl).
 * An attribute the entry lacks gives noSuchAttribute, as slapd answers,
 * and one the schema does not know gives undefinedAttributeType.
 */
#include <string.h>

#include "dir/dir_int.h"

static int
compare_entry(const schema *s, const dir_view *v, ber_slice attr, ber_slice value,
    dir_result *res)
{
	ldap_filter f;
	dir_filter *df;
	char key[DIR_KEYMAX];
	size_t klen = dir_desc_key(s, attr.p, attr.len, key, sizeof(key));
	const schema_attr *at = klen ? schema_find_attr(s, key, klen) : NULL;
	const ber_slice *vals;
	uint32_t n;

	if (klen == 0) {
		dir_res_set(res, LDAP_UNDEFINED_ATTRIBUTE_TYPE, "invalid attribute description");
		return res->code;
	}
	if (!view_desc_values(v, attr_has_subtypes(s, at) ? at : NULL, key, klen, &vals, &n)) {
		if (at == NULL)
			dir_res_set(res, LDAP_UNDEFINED_ATTRIBUTE_TYPE, "%.*s: undefined attribute type",
			    (int)attr.len, attr.p);
		else
			dir_res_set(res, LDAP_NO_SUCH_ATTRIBUTE, "%.*s: no such attribute",
			    (int)attr.len, attr.p);
		return res->code;
	}
	if (at != NULL && at->equality == NULL && !dir_key_is(key, klen, "objectclass")) {
		dir_res_set(res, LDAP_INAPPROPRIATE_MATCHING, "%.*s: no equality matching rule",
		    (int)attr.len, attr.p);
		return res->code;
	}
	memset(&f, 0, sizeof(f));
	f.type = LDAP_FILTER_EQUALITY;
	f.u.ava.attr = attr;
	f.u.ava.value = value;
	if (dfilter_compile(s, &f, v->a, &df) != LDAP_SUCCESS) {
		dir_res_set(res, LDAP_OTHER, "out of memory");
		return res->code;
	}
	switch (dfilter_eval(df, v)) {
	case DF_TRUE:
		dir_res_set(res, LDAP_COMPARE_TRUE, NULL);
		break;
	case DF_FALSE:
		dir_res_set(res, LDAP_COMPARE_FALSE, NULL);
		break;
	default:
		dir_res_set(res, LDAP_INVALID_ATTRIBUTE_SYNTAX, "assertion value not valid");
		break;
	}
	return res->code;
}

/* The root DSE and cn=Subschema can be compared too: they are synthesised. */
static int
compare_synthetic(dir *d, const dir_ctx *c, const schema *s, bool root, ber_slice attr,
    ber_slice value, dir_result *res)
{
	entry e;
	dir_view v = { &e, s, NULL, c->now_ms, c->a, true, d, 0 };
	int rc = root ? rootdse_build(d, s, c->a, &e) : subschema_build(d, s, c->a, &e);

	if (rc != 0) {
		dir_res_set(res, LDAP_OTHER, "out of memory");
		return res->code;
	}
	return compare_entry(s, &v, attr, value, res);
}

int
dir_compare(dir *d, const dir_ctx *c, ber_slice dnstr, ber_slice attr, ber_slice value,
    dir_result *res)
{
	schema *s = dir_schema(d);
	dn parsed;
	char *ndn;
	size_t nlen;
	store_txn *t;
	entry e;
	int rc;

	res->matched = NULL;
	dir_res_set(res, LDAP_SUCCESS, NULL);
	rc = dir_parse_dn(s, dnstr, c->a, &parsed, &ndn, &nlen);
	if (rc != LDAP_SUCCESS) {
		dir_res_set(res, rc, "invalid DN");
		goto out;
	}
	if (nlen == 0 || dir_key_is(ndn, nlen, DIR_SCHEMA_NDN)) {
		compare_synthetic(d, c, s, nlen == 0, attr, value, res);
		goto out;
	}
	if (!dir_in_suffix(d, ndn, nlen)) {
		dir_res_set(res, LDAP_NO_SUCH_OBJECT, "outside the naming context");
		res->matched = "";
		goto out;
	}
	if ((rc = store_begin(d->st, false, &t)) != STORE_OK) {
		dir_res_set(res, dir_store_code(rc), "store: %s", store_strerror(rc));
		goto out;
	}
	rc = dir_get_live(t, ndn, nlen, c->now_ms, c->a, &e);
	if (rc == STORE_NOTFOUND) {
		dir_no_such_object(d, t, ndn, nlen, c->now_ms, c->a, res);
	} else if (rc != STORE_OK) {
		dir_res_set(res, dir_store_code(rc), "store: %s", store_strerror(rc));
	} else {
		bool owns = access_owns(c, &e);
		dir_view v = { &e, s, t, c->now_ms, c->a, false, d, access_view_hide(c, owns) };
		if (!(access_rights(d, c, ndn, nlen) & DIR_RIGHT_READ) && !owns)
			dir_res_set(res, LDAP_INSUFFICIENT_ACCESS_RIGHTS, "no read access to this entry");
		else
			compare_entry(s, &v, attr, value, res);
	}
	store_abort(t);
out:
	schema_unref(s);
	return res->code;
}
