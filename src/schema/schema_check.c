/*
 * schema_check.c - does an entry conform to the schema (RFC 4512 2.4, 2.5)?
 *
 * The check runs after every Add and Modify, so it works on bitmaps
 * precomputed per object class: the classes named by objectClass are
 * OR-ed into the set of classes in force (superclasses included), their
 * allowed-attribute bitmaps into the set of allowed types, and each
 * attribute of the entry is then one bit test.  No allocation.
 */
#include "schema_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ldap/ldap_const.h"

/* Bitmaps live on the stack; the loader's limits keep them bounded. */
#define CLASS_WORDS ((SCHEMA_MAX_CLASSES + 63) / 64)
#define ATTR_WORDS ((SCHEMA_MAX_ATTRS + 63) / 64)

typedef struct check {
	const schema *s;
	const entry *e;
	char *diag;
	size_t diaglen;
	uint64_t classes[CLASS_WORDS];	/* classes in force, superclasses included */
	uint64_t allowed[ATTR_WORDS];	/* types some class in force allows */
	uint64_t present[ATTR_WORDS];	/* types the entry has values for */
} check;

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static int
fail(check *c, int code, const char *fmt, ...)
{
	va_list ap;

	if (c->diaglen > 0) {
		va_start(ap, fmt);
		vsnprintf(c->diag, c->diaglen, fmt, ap);
		va_end(ap);
	}
	return code;
}

static bool
bit_get(const uint64_t *bits, size_t i)
{
	return (bits[i / 64] >> (i % 64)) & 1;
}

static void
bit_set(uint64_t *bits, size_t i)
{
	bits[i / 64] |= (uint64_t)1 << (i % 64);
}

/* How a message names an entry attribute: as the client wrote it. */
static int
label_len(const entry_attr *ea, const char **p)
{
	ber_slice n = ea->name.len ? ea->name : ea->key;

	*p = (const char *)n.p;
	return (int)(n.len > 128 ? 128 : n.len);
}

static const entry_attr *
find_attr(const entry *e, const char *key)
{
	size_t len = strlen(key);

	for (uint32_t i = 0; i < e->nattrs; i++) {
		const entry_attr *ea = &e->attrs[i];
		if (ea->key.len == len && memcmp(ea->key.p, key, len) == 0)
			return ea;
	}
	return NULL;
}

static int
gather_classes(check *c)
{
	const char *key = c->s->objectclass ? c->s->objectclass->pub.key : "objectclass";
	const entry_attr *oc = find_attr(c->e, key);

	if (oc == NULL || oc->nvals == 0)
		return fail(c, LDAP_OBJECT_CLASS_VIOLATION, "no objectClass attribute");
	for (uint32_t i = 0; i < oc->nvals; i++) {
		ber_slice v = oc->vals[i];
		const sclass *cl = (const sclass *)schema_find_class(c->s, (const char *)v.p, v.len);
		if (cl == NULL)
			return fail(c, LDAP_OBJECT_CLASS_VIOLATION, "unknown object class '%.*s'",
			    (int)(v.len > 128 ? 128 : v.len), (const char *)v.p);
		for (size_t w = 0; w < c->s->class_words; w++)
			c->classes[w] |= cl->ancestors[w];
		for (size_t w = 0; w < c->s->attr_words; w++)
			c->allowed[w] |= cl->allowed[w];
	}
	return LDAP_SUCCESS;
}

/* Type known, single-valued types with one value, every value of its syntax. */
static int
check_values(check *c, const entry_attr *ea, const sattr **out)
{
	const char *name;
	int nlen = label_len(ea, &name);
	const sattr *at = (const sattr *)schema_find_attr(c->s, (const char *)ea->key.p,
	    ea->key.len);

	*out = at;
	if (at == NULL)
		return fail(c, LDAP_UNDEFINED_ATTRIBUTE_TYPE, "attribute type '%.*s' undefined",
		    nlen, name);
	if (at->pub.single_value && ea->nvals > 1)
		return fail(c, LDAP_CONSTRAINT_VIOLATION,
		    "attribute '%.*s' is single-valued but has %u values", nlen, name,
		    (unsigned)ea->nvals);
	for (uint32_t i = 0; i < ea->nvals; i++)
		if (!schema_value_valid(&at->pub, ea->vals[i]))
			return fail(c, LDAP_INVALID_ATTRIBUTE_SYNTAX,
			    "attribute '%.*s': value #%u invalid per syntax %s", nlen, name,
			    (unsigned)i, at->pub.syntax->oid);
	if (ea->nvals > 0)
		bit_set(c->present, at->index);
	return LDAP_SUCCESS;
}

/* Exactly one chain of structural classes: one of them has all others as superclasses. */
static int
check_structural(check *c)
{
	const sclass *leaf = NULL;
	size_t nstruct = 0;

	for (size_t i = 0; i < c->s->nclasses; i++) {
		const sclass *cl = c->s->classes[i];
		if (!bit_get(c->classes, i) || cl->pub.kind != SCHEMA_CLASS_STRUCTURAL)
			continue;
		nstruct++;
		if (leaf == NULL || bit_get(cl->ancestors, leaf->index))
			leaf = cl;
	}
	if (nstruct == 0)
		return fail(c, LDAP_OBJECT_CLASS_VIOLATION, "no structural object class");
	for (size_t i = 0; i < c->s->nclasses; i++) {
		const sclass *cl = c->s->classes[i];
		if (bit_get(c->classes, i) && cl->pub.kind == SCHEMA_CLASS_STRUCTURAL &&
		    !bit_get(leaf->ancestors, i))
			return fail(c, LDAP_OBJECT_CLASS_VIOLATION,
			    "structural object classes '%s' and '%s' are unrelated",
			    leaf->pub.names[0] ? leaf->pub.names[0] : leaf->pub.oid,
			    cl->pub.names[0] ? cl->pub.names[0] : cl->pub.oid);
	}
	return LDAP_SUCCESS;
}

static int
check_required(check *c)
{
	for (size_t i = 0; i < c->s->nclasses; i++) {
		if (!bit_get(c->classes, i))
			continue;
		const sclass *cl = c->s->classes[i];
		for (size_t j = 0; j < cl->nrequired; j++) {
			const sattr *at = cl->required[j];
			if (!bit_get(c->present, at->index))
				return fail(c, LDAP_OBJECT_CLASS_VIOLATION,
				    "object class '%s' requires attribute '%s'",
				    cl->pub.names[0] ? cl->pub.names[0] : cl->pub.oid,
				    at->pub.names[0] ? at->pub.names[0] : at->pub.oid);
		}
	}
	return LDAP_SUCCESS;
}

int
schema_check_entry(const schema *s, const entry *e, char *diag, size_t diaglen)
{
	check c;
	int rc;

	/* only the words this schema uses: the arrays are sized for the limits */
	memset(c.classes, 0, s->class_words * sizeof(uint64_t));
	memset(c.allowed, 0, s->attr_words * sizeof(uint64_t));
	memset(c.present, 0, s->attr_words * sizeof(uint64_t));
	c.s = s;
	c.e = e;
	c.diag = diag;
	c.diaglen = diaglen;
	if (diaglen > 0)
		diag[0] = '\0';
	if ((rc = gather_classes(&c)) != LDAP_SUCCESS)
		return rc;
	for (uint32_t i = 0; i < e->nattrs; i++) {
		const sattr *at;
		if ((rc = check_values(&c, &e->attrs[i], &at)) != LDAP_SUCCESS)
			return rc;
	}
	if ((rc = check_structural(&c)) != LDAP_SUCCESS ||
	    (rc = check_required(&c)) != LDAP_SUCCESS)
		return rc;
	bool extensible = s->extensible != NULL && bit_get(c.classes, s->extensible->index);
	for (uint32_t i = 0; i < e->nattrs && !extensible; i++) {
		const entry_attr *ea = &e->attrs[i];
		const sattr *at = (const sattr *)schema_find_attr(s, (const char *)ea->key.p,
		    ea->key.len);
		if (at->pub.usage != SCHEMA_USAGE_USER || ea->nvals == 0 ||
		    bit_get(c.allowed, at->index))
			continue;
		const char *name;
		int nlen = label_len(ea, &name);
		return fail(&c, LDAP_OBJECT_CLASS_VIOLATION, "attribute '%.*s' not allowed", nlen,
		    name);
	}
	return LDAP_SUCCESS;
}
