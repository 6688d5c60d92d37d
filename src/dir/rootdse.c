/*
 * rootdse.c - the two entries that are synthesised for every read and
 * never stored: the root DSE (RFC 4512 5.1) and the subschema subentry
 * cn=Subschema (RFC 4512 4.2).  Built as ordinary entries so filters,
 * attribute selection and encoding treat them like any other; all their
 * attributes but objectClass (and cn) are operational, so they come back
 * only when named or with "+".
 */
#include <stdio.h>
#include <string.h>

#include "dir/dir_int.h"

#define SYN_MAX_ATTRS 24

typedef struct syn {
	arena *a;
	entry_attr *attrs;
	uint32_t n;
} syn;

static entry_attr *
syn_attr(syn *sy, const char *name, size_t nvals)
{
	entry_attr *at;
	char key[64];
	size_t len = strlen(name);

	if (sy->n >= SYN_MAX_ATTRS || len >= sizeof(key))
		return NULL;
	for (size_t i = 0; i <= len; i++)
		key[i] = (char)(name[i] >= 'A' && name[i] <= 'Z' ? name[i] + 32 : name[i]);
	at = &sy->attrs[sy->n];
	at->name = ldap_slice(name);
	at->key = dir_copy_slice(sy->a, (ber_slice){ (const uint8_t *)key, len });
	at->vals = arena_calloc(sy->a, nvals + 1, sizeof(*at->vals));
	at->nvals = 0;
	if (at->key.p == NULL || at->vals == NULL)
		return NULL;
	sy->n++;
	return at;
}

static bool
listed(const char *const *l, const char *v)
{
	for (size_t i = 0; l && l[i]; i++)
		if (strcmp(l[i], v) == 0)
			return true;
	return false;
}

/* An attribute from a NULL-terminated list of strings (two lists may be joined). */
static int
syn_list(syn *sy, const char *name, const char *const *l1, const char *const *l2)
{
	size_t n = 0;
	entry_attr *at;

	for (size_t i = 0; l1 && l1[i]; i++)
		n++;
	for (size_t i = 0; l2 && l2[i]; i++)
		n++;
	if (n == 0)
		return 0;
	if ((at = syn_attr(sy, name, n)) == NULL)
		return -1;
	for (size_t i = 0; l1 && l1[i]; i++)
		at->vals[at->nvals++] = ldap_slice(l1[i]);
	for (size_t i = 0; l2 && l2[i]; i++)
		if (!listed(l1, l2[i]))
			at->vals[at->nvals++] = ldap_slice(l2[i]);
	return 0;
}

static int
syn_one(syn *sy, const char *name, const char *value)
{
	const char *l[2] = { value, NULL };
	return syn_list(sy, name, l, NULL);
}

static int
syn_begin(syn *sy, arena *a, entry *out, const char *dnstr)
{
	memset(out, 0, sizeof(*out));
	sy->a = a;
	sy->n = 0;
	sy->attrs = arena_calloc(a, SYN_MAX_ATTRS, sizeof(*sy->attrs));
	out->dn = ldap_slice(dnstr);
	out->ndn = out->dn;
	return sy->attrs ? 0 : -1;
}

int
rootdse_build(dir *d, const schema *s, arena *a, entry *out)
{
	static const char *const classes[] = { "top", NULL };
	static const char *const versions[] = { "2", "3", NULL };
	static const char *const extensions[] = {
		LDAP_OID_WHOAMI, LDAP_OID_REFRESH, LDAP_OID_CANCEL, LDAP_OID_ILSD_SCHEMA_RELOAD, NULL
	};
	/* Implemented by the server for every search (RFC 2696). */
	static const char *const controls[] = { LDAP_OID_PAGED_RESULTS, NULL };
	static const char *const features[] = {
		"1.3.6.1.4.1.4203.1.5.1",	/* RFC 3673 all operational attributes */
		"1.3.6.1.4.1.4203.1.5.3",	/* RFC 4526 absolute true and false filters */
		"1.3.6.1.1.14",		/* RFC 4525 modify-increment */
		NULL
	};
	syn sy;

	(void)s;
	if (syn_begin(&sy, a, out, "") != 0 ||
	    syn_list(&sy, "objectClass", classes, NULL) != 0 ||
	    syn_one(&sy, "namingContexts", d->cfg.suffix) != 0 ||
	    syn_one(&sy, "defaultNamingContext", d->cfg.suffix) != 0 ||
	    syn_one(&sy, "subschemaSubentry", DIR_SCHEMA_NAME) != 0 ||
	    syn_list(&sy, "supportedLDAPVersion", versions, NULL) != 0 ||
	    syn_list(&sy, "supportedExtension", extensions, d->cfg.extensions) != 0 ||
	    syn_list(&sy, "supportedControl", controls, d->cfg.controls) != 0 ||
	    syn_list(&sy, "supportedSASLMechanisms", d->cfg.sasl_mechs, NULL) != 0 ||
	    syn_list(&sy, "supportedFeatures", features, NULL) != 0 ||
	    syn_one(&sy, "vendorName", "ilsd project") != 0 ||
	    syn_one(&sy, "vendorVersion", d->cfg.vendor_version) != 0)
		return -1;
	out->attrs = sy.attrs;
	out->nattrs = sy.n;
	return 0;
}

/* Text of a syntax or matching rule description, in the arena. */
static ber_slice
described(arena *a, const void *item, bool syntax)
{
	size_t cap = 1024, n;
	char *buf;

	for (int tries = 0; tries < 3; tries++) {
		buf = arena_alloc(a, cap);
		if (buf == NULL)
			break;
		n = syntax ? schema_syntax_text(item, buf, cap) : schema_mrule_text(item, buf, cap);
		if (n < cap)
			return (ber_slice){ (const uint8_t *)buf, n };
		cap = n + 1;
	}
	return (ber_slice){ NULL, 0 };
}

static bool
rule_applies(const schema_mrule *mr, const schema_attr *at)
{
	if (at->equality == mr || at->ordering == mr || at->substr == mr)
		return true;
	return mr->syntax_oid != NULL && at->syntax != NULL && at->syntax->oid != NULL &&
	    strcmp(mr->syntax_oid, at->syntax->oid) == 0;
}

static const char *
attr_name(const schema_attr *at)
{
	return at->nnames > 0 ? at->names[0] : at->oid;
}

/*
 * RFC 4512 4.1.4: "( <rule OID> NAME '<rule>' APPLIES ( a $ b ) )", the
 * attribute types a rule can be used with in an extensible match: those
 * that name it, and those whose syntax is the rule's assertion syntax.
 * Empty slice if it applies to none.
 */
static ber_slice
rule_use(arena *a, const schema *s, const schema_mrule *mr)
{
	size_t na = schema_attr_count(s), len = 64 + strlen(mr->oid) +
	    (mr->name ? strlen(mr->name) : 0), n = 0, used = 0;
	char *buf;

	for (size_t i = 0; i < na; i++)
		if (rule_applies(mr, schema_attr_at(s, i))) {
			len += strlen(attr_name(schema_attr_at(s, i))) + 3;
			n++;
		}
	if (n == 0 || (buf = arena_alloc(a, len)) == NULL)
		return (ber_slice){ NULL, 0 };
	used = (size_t)snprintf(buf, len, "( %s%s%s%s APPLIES %s", mr->oid,
	    mr->name ? " NAME '" : "", mr->name ? mr->name : "", mr->name ? "'" : "",
	    n > 1 ? "( " : "");
	for (size_t i = 0, k = 0; i < na && used < len; i++) {
		const schema_attr *at = schema_attr_at(s, i);
		if (rule_applies(mr, at))
			used += (size_t)snprintf(buf + used, len - used, "%s%s", k++ ? " $ " : "",
			    attr_name(at));
	}
	if (used < len)
		used += (size_t)snprintf(buf + used, len - used, "%s)", n > 1 ? " ) " : " ");
	if (used >= len)
		return (ber_slice){ NULL, 0 };
	return (ber_slice){ (const uint8_t *)buf, used };
}

static int
add_definitions(syn *sy, const schema *s)
{
	size_t na = schema_attr_count(s), nc = schema_class_count(s);
	size_t nx = schema_syntax_count(s), nm = schema_mrule_count(s);
	entry_attr *at;

	if (nx && (at = syn_attr(sy, "ldapSyntaxes", nx)) != NULL) {
		for (size_t i = 0; i < nx; i++)
			if ((at->vals[at->nvals] = described(sy->a, schema_syntax_at(s, i), true)).p)
				at->nvals++;
	}
	if (nm && (at = syn_attr(sy, "matchingRules", nm)) != NULL) {
		for (size_t i = 0; i < nm; i++)
			if ((at->vals[at->nvals] = described(sy->a, schema_mrule_at(s, i), false)).p)
				at->nvals++;
	}
	if (nm && (at = syn_attr(sy, "matchingRuleUse", nm)) != NULL) {
		for (size_t i = 0; i < nm; i++)
			if ((at->vals[at->nvals] = rule_use(sy->a, s, schema_mrule_at(s, i))).p)
				at->nvals++;
	}
	if (na && (at = syn_attr(sy, "attributeTypes", na)) != NULL) {
		for (size_t i = 0; i < na; i++)
			if (schema_attr_at(s, i)->text)
				at->vals[at->nvals++] = ldap_slice(schema_attr_at(s, i)->text);
	}
	if (nc && (at = syn_attr(sy, "objectClasses", nc)) != NULL) {
		for (size_t i = 0; i < nc; i++)
			if (schema_class_at(s, i)->text)
				at->vals[at->nvals++] = ldap_slice(schema_class_at(s, i)->text);
	}
	return 0;
}

/* RFC 4512 4.2: the timestamps let clients know when to refetch the schema. */
int
subschema_build(dir *d, const schema *s, arena *a, entry *out)
{
	static const char *const classes[] = { "top", "subentry", "subschema", NULL };
	char *created = arena_alloc(a, 16), *modified = arena_alloc(a, 16);
	syn sy;

	if (created == NULL || modified == NULL)
		return -1;
	oper_gentime(d->schema_created_ms, created);
	oper_gentime(d->schema_modified_ms, modified);
	if (syn_begin(&sy, a, out, DIR_SCHEMA_NAME) != 0 ||
	    syn_list(&sy, "objectClass", classes, NULL) != 0 ||
	    syn_one(&sy, "cn", "Subschema") != 0 ||
	    syn_one(&sy, "structuralObjectClass", "subentry") != 0 ||
	    syn_one(&sy, "createTimestamp", created) != 0 ||
	    syn_one(&sy, "modifyTimestamp", modified) != 0 ||
	    syn_one(&sy, "entryDN", DIR_SCHEMA_NAME) != 0 ||
	    syn_one(&sy, "subschemaSubentry", DIR_SCHEMA_NAME) != 0 ||
	    add_definitions(&sy, s) != 0)
		return -1;
	out->attrs = sy.attrs;
	out->nattrs = sy.n;
	return 0;
}
