/*
 * test_dir.c - the directory's write operations, Compare, TTLs, the
 * sweeper, bootstrap and schema reload.  Searches are in test_dir_search.c;
 * this file uses them only to read entries back.
 */
#include <pthread.h>

#include "test.h"
#include "test_dir_util.h"

#define DYN "ou=Dynamic,o=Intranet"

static tdir T;

static void
fresh(void)
{
	if (T.d)
		td_close(&T);
	if (td_open(&T, NULL) != 0)
		exit(2);
}

/* The whole entry as rendered text, "" if not found. */
static char *
read_entry(const char *dnstr, const char *attrs, int64_t at)
{
	static char buf[65536];
	td_result r;
	td_search_opts o = { .at = at };

	td_search(&T, dnstr, LDAP_SCOPE_BASE, "(objectClass=*)", attrs, &o, &r);
	snprintf(buf, sizeof(buf), "%s", r.code == 0 && r.text ? r.text : "");
	td_result_free(&r);
	return buf;
}

TEST(bootstrap_containers)
{
	td_result r;

	fresh();
	td_search(&T, "o=Intranet", LDAP_SCOPE_SUBTREE, "(objectClass=*)", "objectClass ou o",
	    NULL, &r);
	CHECK_EQ_INT(r.code, 0);
	CHECK_EQ_INT(r.nentries, 3);
	CHECK(strstr(r.text, "dn: o=Intranet\nobjectClass: top\nobjectClass: organization\n"
	    "o: Intranet\n") != NULL);
	CHECK(strstr(r.text, "dn: ou=Dynamic,o=Intranet\nobjectClass: top\n"
	    "objectClass: organizationalUnit\nou: Dynamic\n") != NULL);
	CHECK(strstr(r.text, "dn: ou=Applications,o=Intranet\n") != NULL);
	td_result_free(&r);

	/* Opening again does not create anything twice. */
	dir_close(T.d);
	T.d = NULL;
	CHECK_EQ_INT(td_open_dir(&T, NULL), 0);
	td_search(&T, "o=Intranet", LDAP_SCOPE_SUBTREE, "(objectClass=*)", "1.1", NULL, &r);
	CHECK_EQ_INT(r.nentries, 3);
	td_result_free(&r);
}

TEST(normalize_dn)
{
	char out[256];
	long n;

	fresh();
	n = dir_normalize_dn(T.d, td_s("SURNAME=Smith , OU=Dynamic,O=Intranet"), out, sizeof(out));
	CHECK(n > 0);
	CHECK_STR(out, "sn=smith,ou=dynamic,o=intranet");
	CHECK_EQ_INT(dir_normalize_dn(T.d, td_s("not a dn"), out, sizeof(out)), -1);
	CHECK_EQ_INT(dir_normalize_dn(T.d, td_s("cn=x,o=Intranet"), out, 4), -1);
}

TEST(add_and_read_back)
{
	dir_result res;
	char *e;

	fresh();
	CHECK_EQ_INT(td_add(&T, "cn=Alice Smith," DYN,
	    "objectClass: top\nobjectClass: person\nobjectClass: organizationalPerson\n"
	    "objectClass: inetOrgPerson\ncn: Alice Smith\nSurName: Smith\nmail: a@x\n"
	    "description: second\ndescription: first\n", 0, &res), 0);
	e = read_entry("cn=alice smith,ou=dynamic,o=intranet", NULL, 0);
	/* Stored order, names as sent, values in order; no operational attributes. */
	CHECK_STR(e, "dn: cn=Alice Smith,ou=Dynamic,o=Intranet\n"
	    "objectClass: top\nobjectClass: person\nobjectClass: organizationalPerson\n"
	    "objectClass: inetOrgPerson\ncn: Alice Smith\nSurName: Smith\nmail: a@x\n"
	    "description: second\ndescription: first\n");

	e = read_entry("cn=Alice Smith," DYN, "+", 0);
	CHECK(strstr(e, "creatorsName: cn=tester,o=Intranet\n") != NULL);
	CHECK(strstr(e, "modifiersName: cn=tester,o=Intranet\n") != NULL);
	CHECK(strstr(e, "structuralObjectClass: inetOrgPerson\n") != NULL);
	CHECK(strstr(e, "hasSubordinates: FALSE\n") != NULL);
	CHECK(strstr(e, "entryDN: cn=Alice Smith,ou=Dynamic,o=Intranet\n") != NULL);
	CHECK(strstr(e, "subschemaSubentry: cn=Subschema\n") != NULL);
	CHECK(strstr(e, "entryTtl") == NULL);
	CHECK(strstr(e, "objectClass") == NULL);
	{
		const char *ts = strstr(e, "createTimestamp: ");
		const char *uu = strstr(e, "entryUUID: ");
		CHECK(ts != NULL && uu != NULL);
		if (ts) {
			ts += strlen("createTimestamp: ");
			CHECK(strchr(ts, '\n') - ts == 15 && ts[14] == 'Z');
		}
		if (uu) {
			uu += strlen("entryUUID: ");
			CHECK(strchr(uu, '\n') - uu == 36 && uu[14] == '4' && uu[8] == '-');
		}
	}
	/* The container now has a subordinate. */
	e = read_entry(DYN, "hasSubordinates", 0);
	CHECK(strstr(e, "hasSubordinates: TRUE\n") != NULL);
}

TEST(add_errors)
{
	dir_result res;

	fresh();
	CHECK_EQ_INT(td_add(&T, "cn=x,,o=Intranet", "cn: x\n", 0, &res), LDAP_INVALID_DN_SYNTAX);
	CHECK_EQ_INT(td_add(&T, "cn=x,o=Elsewhere", "objectClass: person\ncn: x\nsn: y\n", 0, &res),
	    LDAP_NO_SUCH_OBJECT);
	CHECK_STR(res.matched, "");
	/* Missing parent: matchedDN is the deepest existing ancestor. */
	CHECK_EQ_INT(td_add(&T, "cn=x,ou=Nope,ou=Dynamic,o=Intranet",
	    "objectClass: person\ncn: x\nsn: y\n", 0, &res), LDAP_NO_SUCH_OBJECT);
	CHECK_STR(res.matched, "ou=Dynamic,o=Intranet");
	/* ... unless the parent check is off (ILS). */
	CHECK_EQ_INT(td_add(&T, "cn=x,ou=Nope,ou=Dynamic,o=Intranet",
	    "objectClass: person\ncn: x\nsn: y\n", DIR_F_NO_PARENT_CHECK, &res), 0);

	CHECK_EQ_INT(td_add(&T, "sn=Smith," DYN, "objectClass: person\ncn: s\nsn: Smith\n", 0,
	    &res), 0);
	/* Same entry under an alias and another case. */
	CHECK_EQ_INT(td_add(&T, "surname=SMITH," DYN, "objectClass: person\ncn: s\nsn: Smith\n", 0,
	    &res), LDAP_ENTRY_ALREADY_EXISTS);
	/* Duplicate values (case-insensitive rule). */
	CHECK_EQ_INT(td_add(&T, "cn=dup," DYN, "objectClass: person\ncn: dup\nsn: a\nsn: A\n", 0,
	    &res), LDAP_ATTRIBUTE_OR_VALUE_EXISTS);
	/* An attribute without values. */
	CHECK_EQ_INT(td_add(&T, "cn=nov," DYN, "objectClass: person\ncn: nov\nsn: a\ndescription!\n",
	    0, &res), LDAP_PROTOCOL_ERROR);
	/* Server-maintained attribute. */
	CHECK_EQ_INT(td_add(&T, "cn=ts," DYN, "objectClass: person\ncn: ts\nsn: a\n"
	    "createTimestamp: 20200101000000Z\n", 0, &res), LDAP_CONSTRAINT_VIOLATION);
	/* Unknown attribute type. */
	CHECK_EQ_INT(td_add(&T, "cn=unk," DYN, "objectClass: person\ncn: unk\nsn: a\nfooBar: 1\n", 0,
	    &res), LDAP_UNDEFINED_ATTRIBUTE_TYPE);
	/* Schema: person needs sn. */
	CHECK_EQ_INT(td_add(&T, "cn=nosn," DYN, "objectClass: person\ncn: nosn\n", 0, &res),
	    LDAP_OBJECT_CLASS_VIOLATION);
	CHECK(res.diag[0] != '\0');
	/* Bad attribute description. */
	CHECK_EQ_INT(td_add(&T, "cn=bad," DYN, "objectClass: person\ncn: bad\nsn: a\nb d: 1\n", 0,
	    &res), LDAP_UNDEFINED_ATTRIBUTE_TYPE);
	/* Nothing of the failed adds is there. */
	CHECK_STR(read_entry("cn=dup," DYN, NULL, 0), "");
	CHECK_STR(read_entry("cn=nosn," DYN, NULL, 0), "");
}

TEST(add_rdn_value_added)
{
	dir_result res;

	fresh();
	CHECK_EQ_INT(td_add(&T, "cn=Bob+sn=Jones," DYN, "objectClass: person\nsn: Other\n", 0,
	    &res), 0);
	CHECK_STR(read_entry("cn=Bob+sn=Jones," DYN, "cn sn", 0),
	    "dn: cn=Bob+sn=Jones,ou=Dynamic,o=Intranet\ncn: Bob\nsn: Other\nsn: Jones\n");
	/* Already present in another case: not added twice. */
	CHECK_EQ_INT(td_add(&T, "cn=carol," DYN, "objectClass: person\ncn: Carol\nsn: C\n", 0,
	    &res), 0);
	CHECK_STR(read_entry("cn=carol," DYN, "cn", 0),
	    "dn: cn=carol,ou=Dynamic,o=Intranet\ncn: Carol\n");
}

TEST(add_superclasses)
{
	dir_result res;

	fresh();
	/* RFC 4512 3.3: superclasses are added, once, after the classes given. */
	CHECK_EQ_INT(td_add(&T, "cn=sup," DYN, "objectClass: inetOrgPerson\ncn: sup\nsn: s\n", 0,
	    &res), 0);
	CHECK_STR(read_entry("cn=sup," DYN, "objectClass", 0),
	    "dn: cn=sup,ou=Dynamic,o=Intranet\nobjectClass: inetOrgPerson\n"
	    "objectClass: organizationalPerson\nobjectClass: person\nobjectClass: top\n");
	CHECK_EQ_INT(td_add(&T, "cn=sup2," DYN, "objectClass: PERSON\nobjectClass: Top\n"
	    "objectClass: organizationalPerson\ncn: sup2\nsn: s\n", 0, &res), 0);
	CHECK_STR(read_entry("cn=sup2," DYN, "objectClass", 0),
	    "dn: cn=sup2,ou=Dynamic,o=Intranet\nobjectClass: PERSON\nobjectClass: Top\n"
	    "objectClass: organizationalPerson\n");
	/* Adding a class by Modify brings its superclasses too. */
	CHECK_EQ_INT(td_mod(&T, "cn=sup2," DYN, "add: objectClass\nobjectClass: inetOrgPerson\n", 0,
	    &res), LDAP_OBJECT_CLASS_MODS_PROHIBITED);
	CHECK_EQ_INT(td_mod(&T, "cn=sup2," DYN, "add: objectClass\nobjectClass: testObject\n", 0,
	    &res), 0);
	CHECK_STR(read_entry("cn=sup2," DYN, "objectClass", 0),
	    "dn: cn=sup2,ou=Dynamic,o=Intranet\nobjectClass: PERSON\nobjectClass: Top\n"
	    "objectClass: organizationalPerson\nobjectClass: testObject\n");
	/* ILS entries are kept as sent. */
	CHECK_EQ_INT(td_add(&T, "cn=ilsp," DYN, "objectClass: rtPerson\ncn: ilsp\n",
	    DIR_F_NO_SCHEMA_CHECK, &res), 0);
	CHECK_STR(read_entry("cn=ilsp," DYN, "objectClass", 0),
	    "dn: cn=ilsp,ou=Dynamic,o=Intranet\nobjectClass: rtPerson\n");
}

TEST(add_ils_leniency)
{
	dir_result res;
	unsigned ils = DIR_F_NO_SCHEMA_CHECK | DIR_F_NO_PARENT_CHECK | DIR_F_DYNAMIC;

	fresh();
	/* Empty strings are values; empty sets are dropped; unknown types are kept; Latin-1. */
	CHECK_EQ_INT(td_add(&T, "cn=nm@host," DYN,
	    "cn: nm@host\ngivenname: Ren\xe9\nsurname: \nlocation!\nilsA39321630: 1\n"
	    "sflags: 1\n", ils, &res), 0);
	CHECK_STR(read_entry("cn=nm@host," DYN, "cn givenname surname location ilsA39321630 "
	    "objectClass", 0),
	    "dn: cn=nm@host,ou=Dynamic,o=Intranet\ncn: nm@host\ngivenname: Ren\xe9\nsurname: \n"
	    "ilsA39321630: 1\nobjectClass: dynamicObject\n");
	/* Dynamic by flag: default TTL. */
	CHECK(strstr(read_entry("cn=nm@host," DYN, "entryTtl", 0), "entryTtl: 600\n") != NULL);
}

TEST(add_dynamic_ttl)
{
	dir_result res;

	fresh();
	CHECK_EQ_INT(td_add(&T, "cn=d1," DYN, "objectClass: person\nobjectClass: dynamicObject\n"
	    "cn: d1\nsn: x\nentryTtl: 100\n", 0, &res), 0);
	CHECK(strstr(read_entry("cn=d1," DYN, "entryTtl", 0), "entryTtl: 100\n") != NULL);
	/* A second later the TTL reads 99 (rounded up). */
	CHECK(strstr(read_entry("cn=d1," DYN, "entryTtl", 1500), "entryTtl: 99\n") != NULL);
	/* entryTtl is never stored as an attribute. */
	CHECK(strstr(read_entry("cn=d1," DYN, "*", 0), "entryTtl") == NULL);
	/* Clamping to [60, 3600]. */
	CHECK_EQ_INT(td_add(&T, "cn=d2," DYN, "objectClass: person\nobjectClass: DYNAMICOBJECT\n"
	    "cn: d2\nsn: x\nEntryTTL: 5\n", 0, &res), 0);
	CHECK(strstr(read_entry("cn=d2," DYN, "entryttl", 0), "entryttl: 60\n") != NULL);
	CHECK_EQ_INT(td_add(&T, "cn=d3," DYN, "objectClass: person\nobjectClass: dynamicObject\n"
	    "cn: d3\nsn: x\nentryTtl: 999999\n", 0, &res), 0);
	CHECK(strstr(read_entry("cn=d3," DYN, "entryTtl", 0), "entryTtl: 3600\n") != NULL);
	/* Default TTL. */
	CHECK_EQ_INT(td_add(&T, "cn=d4," DYN, "objectClass: person\nobjectClass: dynamicObject\n"
	    "cn: d4\nsn: x\n", 0, &res), 0);
	CHECK(strstr(read_entry("cn=d4," DYN, "entryTtl", 0), "entryTtl: 600\n") != NULL);
	/* entryTtl on a static entry, or not a number. */
	CHECK_EQ_INT(td_add(&T, "cn=s1," DYN, "objectClass: person\ncn: s1\nsn: x\nentryTtl: 100\n",
	    0, &res), LDAP_OBJECT_CLASS_VIOLATION);
	CHECK_EQ_INT(td_add(&T, "cn=d5," DYN, "objectClass: person\nobjectClass: dynamicObject\n"
	    "cn: d5\nsn: x\nentryTtl: soon\n", 0, &res), LDAP_INVALID_ATTRIBUTE_SYNTAX);
	/* RFC 2589: no static entry below a dynamic one; dynamic below dynamic is fine. */
	CHECK_EQ_INT(td_add(&T, "cn=kid,cn=d1," DYN, "objectClass: person\ncn: kid\nsn: x\n", 0,
	    &res), LDAP_OBJECT_CLASS_VIOLATION);
	CHECK_EQ_INT(td_add(&T, "cn=kid,cn=d1," DYN, "objectClass: person\ncn: kid\nsn: x\n",
	    DIR_F_DYNAMIC, &res), 0);
}

TEST(expiry_and_sweep)
{
	dir_result res;
	td_result r;
	td_search_opts late = { .at = 61000 };
	long n;

	fresh();
	CHECK_EQ_INT(td_add(&T, "cn=e1," DYN, "objectClass: person\ncn: e1\nsn: x\nentryTtl: 60\n",
	    DIR_F_DYNAMIC, &res), 0);
	CHECK_EQ_INT(td_add(&T, "cn=e2," DYN, "objectClass: person\ncn: e2\nsn: x\nentryTtl: 3000\n",
	    DIR_F_DYNAMIC, &res), 0);
	td_search(&T, DYN, LDAP_SCOPE_ONELEVEL, "(cn=e*)", "cn", NULL, &r);
	CHECK_EQ_INT(r.nentries, 2);
	td_result_free(&r);
	/* 61 s later e1 is gone for every operation. */
	td_search(&T, DYN, LDAP_SCOPE_ONELEVEL, "(cn=e*)", "cn", &late, &r);
	CHECK_EQ_INT(r.nentries, 1);
	CHECK(strstr(r.text, "cn: e2\n") != NULL);
	td_result_free(&r);
	td_search(&T, "cn=e1," DYN, LDAP_SCOPE_BASE, NULL, NULL, &late, &r);
	CHECK_EQ_INT(r.code, LDAP_NO_SUCH_OBJECT);
	CHECK_STR(r.matched, DYN);
	td_result_free(&r);
	CHECK_EQ_INT(td_mod_at(&T, 61000, "cn=e1," DYN, "replace: sn\nsn: y\n", 0, &res),
	    LDAP_NO_SUCH_OBJECT);
	{
		dir_ctx *c = td_ctx_at(&T, 61000);
		CHECK_EQ_INT(dir_compare(T.d, c, td_s("cn=e1," DYN), td_s("sn"), td_s("x"), &res),
		    LDAP_NO_SUCH_OBJECT);
		int64_t applied = -1;
		c = td_ctx_at(&T, 61000);
		CHECK_EQ_INT(dir_refresh(T.d, c, td_s("cn=e1," DYN), 100, &applied, &res),
		    LDAP_NO_SUCH_OBJECT);
		CHECK_EQ_INT(applied, 0);
	}
	/* Adding over the expired entry replaces it. */
	CHECK_EQ_INT(td_add_at(&T, 61000, "cn=e1," DYN, "objectClass: person\ncn: e1\nsn: new\n",
	    DIR_F_DYNAMIC, &res), 0);
	CHECK(strstr(read_entry("cn=e1," DYN, "sn entryTtl", 61000), "sn: new\nentryTtl: 600\n") !=
	    NULL);
	/* Deleting an expired entry: noSuchObject. */
	CHECK_EQ_INT(td_add(&T, "cn=e3," DYN, "objectClass: person\ncn: e3\nsn: x\nentryTtl: 60\n",
	    DIR_F_DYNAMIC, &res), 0);
	{
		dir_ctx *c = td_ctx_at(&T, 70000);
		CHECK_EQ_INT(dir_delete(T.d, c, td_s("cn=e3," DYN), 0, &res), LDAP_NO_SUCH_OBJECT);
	}
	/* The sweeper: nothing is due now; later both short-lived ones go, in batches. */
	CHECK_EQ_INT(dir_sweep(T.d, T.t0, 100, 0, NULL), 0);
	n = dir_sweep(T.d, T.t0 + 70000, 1, 0, NULL);
	CHECK_EQ_INT(n, 1);
	n = dir_sweep(T.d, T.t0 + 70000, 100, 0, NULL);
	CHECK_EQ_INT(n, 0);	/* e1 was re-added with 600 s; e3 went in the first batch */
	n = dir_sweep(T.d, T.t0 + 4000 * 1000, 100, 0, NULL);
	CHECK_EQ_INT(n, 2);	/* e1 (661 s) and e2 (3000 s) */
	td_search(&T, DYN, LDAP_SCOPE_ONELEVEL, NULL, "1.1", NULL, &r);
	CHECK_EQ_INT(r.nentries, 0);
	td_result_free(&r);
	/* A time-bounded sweep stops after a chunk and says more may remain. */
	char ldif[128], name[64];
	for (int i = 0; i < 100; i++) {
		snprintf(name, sizeof(name), "cn=s%d," DYN, i);
		snprintf(ldif, sizeof(ldif), "objectClass: person\ncn: s%d\nsn: x\nentryTtl: 60\n", i);
		CHECK_EQ_INT(td_add(&T, name, ldif, DIR_F_DYNAMIC, &res), 0);
	}
	bool more = false;
	long total = 0;
	n = dir_sweep(T.d, T.t0 + 70000, 1000, 1, &more);
	CHECK(n > 0 && n < 100);
	CHECK(more);
	total += n;
	for (int rounds = 0; more && rounds < 100; rounds++) {
		n = dir_sweep(T.d, T.t0 + 70000, 1000, 1, &more);
		CHECK(n >= 0);
		total += n;
	}
	CHECK_EQ_INT(total, 100);
	CHECK(!more);
	n = dir_sweep(T.d, T.t0 + 70000, 40, 0, &more);
	CHECK_EQ_INT(n, 0);
	CHECK(!more);
}

TEST(refresh)
{
	dir_result res;
	int64_t applied = 0;
	dir_ctx *c;

	fresh();
	CHECK_EQ_INT(td_add(&T, "cn=r1," DYN, "objectClass: person\ncn: r1\nsn: x\n", DIR_F_DYNAMIC,
	    &res), 0);
	CHECK_EQ_INT(td_add(&T, "cn=s1," DYN, "objectClass: person\ncn: s1\nsn: x\n", 0, &res), 0);
	c = td_ctx_at(&T, 10000);
	CHECK_EQ_INT(dir_refresh(T.d, c, td_s("cn=r1," DYN), 1800, &applied, &res), 0);
	CHECK_EQ_INT(applied, 1800);
	CHECK(strstr(read_entry("cn=r1," DYN, "entryTtl", 10000), "entryTtl: 1800\n") != NULL);
	c = td_ctx(&T);
	CHECK_EQ_INT(dir_refresh(T.d, c, td_s("cn=r1," DYN), 1, &applied, &res), 0);
	CHECK_EQ_INT(applied, 60);
	c = td_ctx(&T);
	CHECK_EQ_INT(dir_refresh(T.d, c, td_s("cn=r1," DYN), 31557600, &applied, &res), 0);
	CHECK_EQ_INT(applied, 3600);
	c = td_ctx(&T);
	CHECK_EQ_INT(dir_refresh(T.d, c, td_s("cn=s1," DYN), 100, &applied, &res),
	    LDAP_OBJECT_CLASS_VIOLATION);
	CHECK_EQ_INT(applied, 0);
	c = td_ctx(&T);
	CHECK_EQ_INT(dir_refresh(T.d, c, td_s("cn=none," DYN), 100, &applied, &res),
	    LDAP_NO_SUCH_OBJECT);
	CHECK_STR(res.matched, DYN);
	c = td_ctx(&T);
	CHECK_EQ_INT(dir_refresh(T.d, c, td_s("cn=x,o=Other"), 100, &applied, &res),
	    LDAP_NO_SUCH_OBJECT);
	CHECK_STR(res.matched, "");
	c = td_ctx(&T);
	CHECK_EQ_INT(dir_refresh(T.d, c, td_s("=bad"), 100, &applied, &res),
	    LDAP_INVALID_DN_SYNTAX);
}

#define PERSON "cn=m," DYN

static void
add_person(void)
{
	dir_result res;

	CHECK_EQ_INT(td_add(&T, PERSON, "objectClass: person\nobjectClass: testObject\ncn: m\n"
	    "sn: one\nsn: two\ndescription: d1\ntestNumber: 5\n", 0, &res), 0);
}

TEST(modify_basic)
{
	dir_result res;

	fresh();
	add_person();
	CHECK_EQ_INT(td_mod_at(&T, 2000, PERSON, "add: sn\nsn: three\nsn: four\n-\n"
	    "delete: sn\nsn: ONE\n-\nreplace: description\ndescription: new\n-\n"
	    "add: telephoneNumber\ntelephoneNumber: 123\n", 0, &res), 0);
	CHECK_STR(read_entry(PERSON, "sn description telephoneNumber", 0),
	    "dn: cn=m,ou=Dynamic,o=Intranet\nsn: two\nsn: three\nsn: four\ndescription: new\n"
	    "telephoneNumber: 123\n");
	/* modifyTimestamp and modifiersName follow; createTimestamp stays. */
	{
		char *e = read_entry(PERSON, "createTimestamp modifyTimestamp modifiersName", 0);
		char cts[32] = "", mts[32] = "";
		const char *p = strstr(e, "createTimestamp: "), *q = strstr(e, "modifyTimestamp: ");
		CHECK(p && q);
		if (p && q) {
			memcpy(cts, p + 17, 15);
			memcpy(mts, q + 17, 15);
			CHECK(strcmp(mts, cts) >= 0);
		}
		CHECK(strstr(e, "modifiersName: cn=tester,o=Intranet\n") != NULL);
	}
	/* Replace with no values removes; delete of the whole attribute. */
	CHECK_EQ_INT(td_mod(&T, PERSON, "replace: telephoneNumber\n-\ndelete: description\n", 0,
	    &res), 0);
	CHECK_STR(read_entry(PERSON, "telephoneNumber description", 0),
	    "dn: cn=m,ou=Dynamic,o=Intranet\n");
	/* Replace with no values of an absent attribute is fine. */
	CHECK_EQ_INT(td_mod(&T, PERSON, "replace: title\n", 0, &res), 0);
	/* Increment. */
	CHECK_EQ_INT(td_mod(&T, PERSON, "increment: testNumber\ntestNumber: -7\n", 0, &res), 0);
	CHECK_STR(read_entry(PERSON, "testNumber", 0),
	    "dn: cn=m,ou=Dynamic,o=Intranet\ntestNumber: -2\n");
}

TEST(modify_errors)
{
	dir_result res;

	fresh();
	add_person();
	CHECK_EQ_INT(td_mod(&T, PERSON, "add: sn\nsn: TWO\n", 0, &res),
	    LDAP_ATTRIBUTE_OR_VALUE_EXISTS);
	CHECK_EQ_INT(td_mod(&T, PERSON, "delete: sn\nsn: zzz\n", 0, &res), LDAP_NO_SUCH_ATTRIBUTE);
	CHECK_EQ_INT(td_mod(&T, PERSON, "delete: title\n", 0, &res), LDAP_NO_SUCH_ATTRIBUTE);
	CHECK_EQ_INT(td_mod(&T, PERSON, "add: sn\n", 0, &res), LDAP_PROTOCOL_ERROR);
	CHECK_EQ_INT(td_mod(&T, PERSON, "replace: sn\nsn: a\nsn: A\n", 0, &res),
	    LDAP_ATTRIBUTE_OR_VALUE_EXISTS);
	CHECK_EQ_INT(td_mod(&T, PERSON, "increment: sn\nsn: 1\n", 0, &res),
	    LDAP_CONSTRAINT_VIOLATION);
	CHECK_EQ_INT(td_mod(&T, PERSON, "increment: testNumber\ntestNumber: x\n", 0, &res),
	    LDAP_INVALID_ATTRIBUTE_SYNTAX);
	CHECK_EQ_INT(td_mod(&T, PERSON, "increment: title\ntitle: 1\n", 0, &res),
	    LDAP_NO_SUCH_ATTRIBUTE);
	CHECK_EQ_INT(td_mod(&T, PERSON, "delete: cn\n", 0, &res), LDAP_NOT_ALLOWED_ON_RDN);
	CHECK_EQ_INT(td_mod(&T, PERSON, "replace: cn\ncn: other\n", 0, &res),
	    LDAP_NOT_ALLOWED_ON_RDN);
	CHECK_EQ_INT(td_mod(&T, PERSON, "add: fooBar\nfooBar: 1\n", 0, &res),
	    LDAP_UNDEFINED_ATTRIBUTE_TYPE);
	CHECK_EQ_INT(td_mod(&T, PERSON, "replace: modifyTimestamp\nmodifyTimestamp: 1\n", 0, &res),
	    LDAP_CONSTRAINT_VIOLATION);
	CHECK_EQ_INT(td_mod(&T, PERSON, "delete: sn\n", 0, &res), LDAP_OBJECT_CLASS_VIOLATION);
	CHECK_EQ_INT(td_mod(&T, PERSON, "replace: objectClass\nobjectClass: organizationalUnit\n"
	    "objectClass: testObject\n", 0, &res), LDAP_OBJECT_CLASS_MODS_PROHIBITED);
	/* A static entry cannot become dynamic, in either way. */
	CHECK_EQ_INT(td_mod(&T, PERSON, "add: objectClass\nobjectClass: dynamicObject\n", 0, &res),
	    LDAP_OBJECT_CLASS_VIOLATION);
	CHECK_EQ_INT(td_mod(&T, PERSON, "replace: EntryTTL\nEntryTTL: 1800\n", 0, &res),
	    LDAP_OBJECT_CLASS_VIOLATION);
	CHECK_EQ_INT(td_mod(&T, "cn=nobody,ou=x," DYN, "replace: sn\nsn: y\n", 0, &res),
	    LDAP_NO_SUCH_OBJECT);
	CHECK_STR(res.matched, DYN);
	CHECK_EQ_INT(td_mod(&T, "cn=nobody,o=Else", "replace: sn\nsn: y\n", 0, &res),
	    LDAP_NO_SUCH_OBJECT);
	CHECK_STR(res.matched, "");
	CHECK_EQ_INT(td_mod(&T, "cn=,,", "replace: sn\nsn: y\n", 0, &res), LDAP_INVALID_DN_SYNTAX);
	/* None of that changed anything. */
	CHECK_STR(read_entry(PERSON, "*", 0),
	    "dn: cn=m,ou=Dynamic,o=Intranet\nobjectClass: person\nobjectClass: testObject\n"
	    "objectClass: top\ncn: m\nsn: one\nsn: two\ndescription: d1\ntestNumber: 5\n");
}

TEST(modify_atomic)
{
	dir_result res;

	fresh();
	add_person();
	/* The first change is fine, the second fails: nothing is applied. */
	CHECK_EQ_INT(td_mod(&T, PERSON, "replace: description\ndescription: changed\n-\n"
	    "delete: sn\nsn: missing\n", 0, &res), LDAP_NO_SUCH_ATTRIBUTE);
	CHECK_STR(read_entry(PERSON, "description sn", 0),
	    "dn: cn=m,ou=Dynamic,o=Intranet\ndescription: d1\nsn: one\nsn: two\n");
	/* Same when the final schema check fails. */
	CHECK_EQ_INT(td_mod(&T, PERSON, "add: description\ndescription: d2\n-\ndelete: sn\n", 0,
	    &res), LDAP_OBJECT_CLASS_VIOLATION);
	CHECK_STR(read_entry(PERSON, "description sn", 0),
	    "dn: cn=m,ou=Dynamic,o=Intranet\ndescription: d1\nsn: one\nsn: two\n");
}

TEST(modify_entry_ttl)
{
	dir_result res;

	fresh();
	CHECK_EQ_INT(td_add(&T, "cn=t," DYN, "objectClass: person\ncn: t\nsn: x\n", DIR_F_DYNAMIC,
	    &res), 0);
	/* TAPI: replace EntryTTL is a refresh (clamped), not a stored attribute. */
	CHECK_EQ_INT(td_mod_at(&T, 5000, "cn=t," DYN, "replace: EntryTTL\nEntryTTL: 1800\n", 0,
	    &res), 0);
	CHECK_STR(read_entry("cn=t," DYN, "entryTtl", 5000),
	    "dn: cn=t,ou=Dynamic,o=Intranet\nentryTtl: 1800\n");
	CHECK(strstr(read_entry("cn=t," DYN, "*", 5000), "TTL") == NULL);
	CHECK_EQ_INT(td_mod(&T, "cn=t," DYN, "replace: entryTtl\nentryTtl: 10\n", 0, &res), 0);
	CHECK(strstr(read_entry("cn=t," DYN, "entryTtl", 0), "entryTtl: 60\n") != NULL);
	CHECK_EQ_INT(td_mod(&T, "cn=t," DYN, "replace: entryTtl\nentryTtl: abc\n", 0, &res),
	    LDAP_INVALID_ATTRIBUTE_SYNTAX);
	CHECK_EQ_INT(td_mod(&T, "cn=t," DYN, "delete: entryTtl\n", 0, &res),
	    LDAP_UNWILLING_TO_PERFORM);
	/* Removing dynamicObject from a dynamic entry. */
	CHECK_EQ_INT(td_mod(&T, "cn=t," DYN, "delete: objectClass\nobjectClass: dynamicObject\n", 0,
	    &res), LDAP_OBJECT_CLASS_VIOLATION);
}

TEST(modify_lenient)
{
	dir_result res;
	unsigned ils = DIR_F_LENIENT_MODIFY | DIR_F_NO_SCHEMA_CHECK;

	fresh();
	CHECK_EQ_INT(td_add(&T, "cn=ils," DYN, "objectClass: rtPerson\ncn: ils\ngivenName: A\n"
	    "sFlags: 1\n", DIR_F_DYNAMIC | DIR_F_NO_SCHEMA_CHECK, &res), 0);
	/* Add to an existing single-valued attribute replaces; an existing value is no error;
	 * unknown attributes are welcome; multi-value order is kept. */
	CHECK_EQ_INT(td_mod(&T, "cn=ils," DYN, "add: applicationID\napplicationID: ms-netmeeting\n-\n"
	    "add: applicationID\napplicationID: other\n-\nadd: protocolID\nprotocolID: t120\n"
	    "protocolID: h323\n-\nadd: protocolID\nprotocolID: T120\n-\nadd: ilsA26214430\n"
	    "ilsA26214430: 1\n", ils, &res), 0);
	CHECK_STR(read_entry("cn=ils," DYN, "applicationID protocolID ilsA26214430", 0),
	    "dn: cn=ils,ou=Dynamic,o=Intranet\napplicationID: other\nprotocolID: t120\n"
	    "protocolID: h323\nilsA26214430: 1\n");
	/* Delete of an absent attribute succeeds; delete of "" removes the attribute. */
	CHECK_EQ_INT(td_mod(&T, "cn=ils," DYN, "delete: comment\n-\ndelete: ilsA26214430\n"
	    "ilsA26214430:\n-\ndelete: protocolID\nprotocolID: nothere\n", ils, &res), 0);
	CHECK_STR(read_entry("cn=ils," DYN, "applicationID protocolID ilsA26214430", 0),
	    "dn: cn=ils,ou=Dynamic,o=Intranet\napplicationID: other\nprotocolID: t120\n"
	    "protocolID: h323\n");
	/* ILS API protocol update: delete, then add multi-valued in order. */
	CHECK_EQ_INT(td_mod(&T, "cn=ils," DYN, "replace: smodop\nsmodop: 3\n-\ndelete: protocolID\n"
	    "-\nadd: protocolID\nprotocolID: h323\nprotocolID: t120\nprotocolID: sip\n", ils, &res),
	    0);
	CHECK_STR(read_entry("cn=ils," DYN, "protocolID smodop", 0),
	    "dn: cn=ils,ou=Dynamic,o=Intranet\nprotocolID: h323\nprotocolID: t120\n"
	    "protocolID: sip\nsmodop: 3\n");
	/* Without the flag the same requests fail. */
	CHECK_EQ_INT(td_mod(&T, "cn=ils," DYN, "delete: comment\n", DIR_F_NO_SCHEMA_CHECK, &res),
	    LDAP_NO_SUCH_ATTRIBUTE);
	CHECK_EQ_INT(td_mod(&T, "cn=ils," DYN, "add: protocolID\nprotocolID: sip\n",
	    DIR_F_NO_SCHEMA_CHECK, &res), LDAP_ATTRIBUTE_OR_VALUE_EXISTS);
}

TEST(value_list)
{
	dir_result res;
	unsigned add_flags = DIR_F_NO_SCHEMA_CHECK | DIR_F_DYNAMIC | DIR_F_VALUE_LIST;
	unsigned mod_flags = DIR_F_LENIENT_MODIFY | DIR_F_NO_SCHEMA_CHECK | DIR_F_VALUE_LIST;

	fresh();
	/* ILS positional lists: equal values are kept, in order. */
	CHECK_EQ_INT(td_add(&T, "cn=vl," DYN, "objectClass: rtPerson\ncn: vl\nport: 1720\n"
	    "port: 1720\nprotocolMimeType:\nprotocolMimeType:\n", add_flags, &res), 0);
	CHECK_STR(read_entry("cn=vl," DYN, "port protocolMimeType", 0),
	    "dn: cn=vl,ou=Dynamic,o=Intranet\nport: 1720\nport: 1720\nprotocolMimeType: \n"
	    "protocolMimeType: \n");
	CHECK_EQ_INT(td_mod(&T, "cn=vl," DYN, "add: port\nport: 1503\nport: 1503\n-\n"
	    "replace: protocolID\nprotocolID: h323\nprotocolID: H323\n", mod_flags, &res), 0);
	CHECK_STR(read_entry("cn=vl," DYN, "port protocolID", 0),
	    "dn: cn=vl,ou=Dynamic,o=Intranet\nport: 1720\nport: 1720\nport: 1503\nport: 1503\n"
	    "protocolID: h323\nprotocolID: H323\n");
	/* Deleting a value removes every copy of it. */
	CHECK_EQ_INT(td_mod(&T, "cn=vl," DYN, "delete: port\nport: 1720\n", mod_flags, &res), 0);
	CHECK_STR(read_entry("cn=vl," DYN, "port", 0),
	    "dn: cn=vl,ou=Dynamic,o=Intranet\nport: 1503\nport: 1503\n");
	/* Without the flag, the same add is refused. */
	CHECK_EQ_INT(td_add(&T, "cn=vl2," DYN, "objectClass: rtPerson\ncn: vl2\nport: 1720\n"
	    "port: 1720\n", DIR_F_NO_SCHEMA_CHECK | DIR_F_DYNAMIC, &res),
	    LDAP_ATTRIBUTE_OR_VALUE_EXISTS);
}

TEST(delete_rules)
{
	dir_result res;
	dir_ctx *c;

	fresh();
	CHECK_EQ_INT(td_add(&T, "ou=Team," DYN, "objectClass: organizationalUnit\nou: Team\n", 0,
	    &res), 0);
	CHECK_EQ_INT(td_add(&T, "cn=a,ou=Team," DYN, "objectClass: person\ncn: a\nsn: x\n", 0,
	    &res), 0);
	CHECK_EQ_INT(td_add(&T, "cn=b,cn=a,ou=Team," DYN, "objectClass: person\ncn: b\nsn: x\n", 0,
	    &res), 0);
	c = td_ctx(&T);
	CHECK_EQ_INT(dir_delete(T.d, c, td_s("ou=Team," DYN), 0, &res),
	    LDAP_NOT_ALLOWED_ON_NON_LEAF);
	c = td_ctx(&T);
	CHECK_EQ_INT(dir_delete(T.d, c, td_s("cn=zz,ou=Team," DYN), 0, &res), LDAP_NO_SUCH_OBJECT);
	CHECK_STR(res.matched, "ou=Team,ou=Dynamic,o=Intranet");
	c = td_ctx(&T);
	CHECK_EQ_INT(dir_delete(T.d, c, td_s("cn=zz,o=Else"), 0, &res), LDAP_NO_SUCH_OBJECT);
	CHECK_STR(res.matched, "");
	c = td_ctx(&T);
	CHECK_EQ_INT(dir_delete(T.d, c, td_s("CN=B,cn=a,ou=team," DYN), 0, &res), 0);
	c = td_ctx(&T);
	CHECK_EQ_INT(dir_delete(T.d, c, td_s("cn=b,cn=a,ou=Team," DYN), 0, &res),
	    LDAP_NO_SUCH_OBJECT);
	/* Subtree delete. */
	CHECK_EQ_INT(td_add(&T, "cn=b,cn=a,ou=Team," DYN, "objectClass: person\ncn: b\nsn: x\n", 0,
	    &res), 0);
	c = td_ctx(&T);
	CHECK_EQ_INT(dir_delete(T.d, c, td_s("ou=Team," DYN), DIR_F_SUBTREE_DELETE, &res), 0);
	CHECK_STR(read_entry("cn=a,ou=Team," DYN, NULL, 0), "");
	CHECK_STR(read_entry("cn=b,cn=a,ou=Team," DYN, NULL, 0), "");
	/* A parent whose only children expired is a leaf again. */
	CHECK_EQ_INT(td_add(&T, "cn=p," DYN, "objectClass: person\ncn: p\nsn: x\n", DIR_F_DYNAMIC,
	    &res), 0);
	CHECK_EQ_INT(td_add(&T, "cn=k,cn=p," DYN, "objectClass: person\ncn: k\nsn: x\n"
	    "entryTtl: 60\n", DIR_F_DYNAMIC, &res), 0);
	c = td_ctx(&T);
	CHECK_EQ_INT(dir_delete(T.d, c, td_s("cn=p," DYN), 0, &res), LDAP_NOT_ALLOWED_ON_NON_LEAF);
	CHECK_STR(read_entry("cn=p," DYN, "hasSubordinates", 0),
	    "dn: cn=p,ou=Dynamic,o=Intranet\nhasSubordinates: TRUE\n");
	CHECK_STR(read_entry("cn=p," DYN, "hasSubordinates", 100000),
	    "dn: cn=p,ou=Dynamic,o=Intranet\nhasSubordinates: FALSE\n");
	c = td_ctx_at(&T, 100000);
	CHECK_EQ_INT(dir_delete(T.d, c, td_s("cn=p," DYN), 0, &res), 0);
	CHECK_EQ_INT(dir_sweep(T.d, T.t0 + 10000000, 100, 0, NULL), 0);
}

TEST(compare_op)
{
	dir_result res;
	dir_ctx *c;

	fresh();
	CHECK_EQ_INT(td_add(&T, "cn=c1," DYN, "objectClass: inetOrgPerson\ncn: c1\nsn: Smith\n"
	    "entryTtl: 500\nobjectClass: dynamicObject\n", 0, &res), 0);
#define CMP(dn_, a_, v_) (c = td_ctx(&T), dir_compare(T.d, c, td_s(dn_), td_s(a_), td_s(v_), &res))
	CHECK_EQ_INT(CMP("cn=c1," DYN, "sn", "SMITH"), LDAP_COMPARE_TRUE);
	CHECK_EQ_INT(CMP("cn=c1," DYN, "surname", "smith"), LDAP_COMPARE_TRUE);
	CHECK_EQ_INT(CMP("cn=c1," DYN, "sn", "Jones"), LDAP_COMPARE_FALSE);
	CHECK_EQ_INT(CMP("cn=c1," DYN, "title", "x"), LDAP_NO_SUCH_ATTRIBUTE);
	CHECK_EQ_INT(CMP("cn=c1," DYN, "fooBar", "x"), LDAP_UNDEFINED_ATTRIBUTE_TYPE);
	CHECK_EQ_INT(CMP("cn=c1," DYN, "objectClass", "person"), LDAP_COMPARE_TRUE);
	CHECK_EQ_INT(CMP("cn=c1," DYN, "objectClass", "organizationalUnit"), LDAP_COMPARE_FALSE);
	CHECK_EQ_INT(CMP("cn=c1," DYN, "entryTtl", "500"), LDAP_COMPARE_TRUE);
	CHECK_EQ_INT(CMP("cn=c1," DYN, "entryTtl", "499"), LDAP_COMPARE_FALSE);
	CHECK_EQ_INT(CMP("cn=c1," DYN, "entryDN", "CN=C1,ou=dynamic,o=intranet"),
	    LDAP_COMPARE_TRUE);
	CHECK_EQ_INT(CMP("cn=none," DYN, "sn", "x"), LDAP_NO_SUCH_OBJECT);
	CHECK_STR(res.matched, DYN);
	CHECK_EQ_INT(CMP("cn=none,o=Else", "sn", "x"), LDAP_NO_SUCH_OBJECT);
	CHECK_EQ_INT(CMP("bad", "sn", "x"), LDAP_INVALID_DN_SYNTAX);
	/* RFC 4512 gives supportedLDAPVersion no equality rule. */
	CHECK_EQ_INT(CMP("", "supportedLDAPVersion", "3"), LDAP_INAPPROPRIATE_MATCHING);
	CHECK_EQ_INT(CMP("", "vendorName", "ilsd project"), LDAP_COMPARE_TRUE);
	CHECK_EQ_INT(CMP("cn=Subschema", "objectClass", "subschema"), LDAP_COMPARE_TRUE);
#undef CMP
}

TEST(schema_reload)
{
	char err[512] = "", path[1200];
	unsigned bad = 99;
	dir_result res;
	schema *before, *after;

	fresh();
	CHECK_EQ_INT(td_add(&T, "cn=odd," DYN, "cn: odd\nfooBar: 1\n", DIR_F_NO_SCHEMA_CHECK, &res),
	    0);
	before = dir_schema(T.d);
	/* A broken file: the reload fails, says where, and the old schema stays. */
	snprintf(path, sizeof(path), "%s/95-broken.schema", T.schema_dir);
	td_write_file(path, "attributetype ( 1.2.3.4 NAME 'ok' SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 )\n"
	    "attributetype ( 1.2.3.5 NAME 'broken' SUP nosuchthing\n");
	CHECK_EQ_INT(dir_schema_reload(T.d, &bad, err, sizeof(err)), LDAP_OTHER);
	CHECK(strstr(err, "95-broken.schema") != NULL);
	after = dir_schema(T.d);
	CHECK(before == after);
	schema_unref(after);
	/* Fixed: the new schema is swapped in; the odd entry is counted, not changed. */
	unlink(path);
	err[0] = 'x';
	CHECK_EQ_INT(dir_schema_reload(T.d, &bad, err, sizeof(err)), 0);
	CHECK_EQ_INT(bad, 1);
	after = dir_schema(T.d);
	CHECK(before != after);
	schema_unref(after);
	schema_unref(before);	/* the old one lived on while referenced */
	CHECK(strstr(read_entry("cn=odd," DYN, "fooBar", 0), "fooBar: 1\n") != NULL);
}

TEST(outside_and_root_writes)
{
	dir_result res;
	dir_ctx *c;

	fresh();
	/* The root DSE and cn=Subschema exist but are read-only; elsewhere nothing exists. */
	CHECK_EQ_INT(td_add(&T, "", "objectClass: top\n", 0, &res), LDAP_UNWILLING_TO_PERFORM);
	CHECK_EQ_INT(td_add(&T, "o=Intranet", "objectClass: organization\no: Intranet\n", 0, &res),
	    LDAP_ENTRY_ALREADY_EXISTS);
	c = td_ctx(&T);
	CHECK_EQ_INT(dir_delete(T.d, c, td_s(""), 0, &res), LDAP_UNWILLING_TO_PERFORM);
	CHECK_EQ_INT(td_mod(&T, "cn=Subschema", "replace: cn\ncn: x\n", 0, &res),
	    LDAP_UNWILLING_TO_PERFORM);
	CHECK_EQ_INT(td_mod(&T, "o=Elsewhere", "replace: cn\ncn: x\n", 0, &res),
	    LDAP_NO_SUCH_OBJECT);
	CHECK_EQ_INT(td_add(&T, "cn=x,cn=Subschema", "objectClass: top\n", 0, &res),
	    LDAP_NO_SUCH_OBJECT);
}

/* Two threads share the directory as the two event loops do. */
typedef struct worker {
	int id;
	int failures;
	long found;
} worker;

static void *
work(void *arg)
{
	worker *wk = arg;
	arena a;
	dir_ctx c = { .bind_dn = "", .a = &a };
	char dnbuf[64], val[32];
	dir_result res;
	ber_writer w;

	arena_init(&a, 16384, 0);
	ber_writer_init(&w, 4096, 0);
	for (int i = 0; i < 300; i++) {
		ber_slice ocv[2] = { td_s("person"), td_s("dynamicObject") };
		ber_slice v;
		ldap_attr attrs[3];
		ldap_mod mod;

		arena_reset(&a);
		c.now_ms = td_now();
		snprintf(dnbuf, sizeof(dnbuf), "cn=w%d-%d," DYN, wk->id, i);
		snprintf(val, sizeof(val), "v%d", i);
		v = td_s(val);
		attrs[0] = (ldap_attr){ td_s("objectClass"), ocv, 2 };
		attrs[1] = (ldap_attr){ td_s("sn"), &v, 1 };
		attrs[2] = (ldap_attr){ td_s("description"), &v, 1 };
		if (dir_add(T.d, &c, td_s(dnbuf), attrs, 3, 0, &res) != 0)
			wk->failures++;
		mod.op = LDAP_MOD_REPLACE;
		mod.attr = (ldap_attr){ td_s("description"), &v, 1 };
		if (dir_modify(T.d, &c, td_s(dnbuf), &mod, 1, 0, &res) != 0)
			wk->failures++;
		if (i % 3 == 0 && dir_delete(T.d, &c, td_s(dnbuf), 0, &res) != 0)
			wk->failures++;
		if (i % 50 == 0) {
			dir_search_params p = { .base = td_s(DYN), .scope = LDAP_SCOPE_ONELEVEL };
			dir_search *s;
			unsigned bad;
			char err[256];

			if (dir_search_begin(T.d, &c, &p, &s, &res) != 0) {
				wk->failures++;
				continue;
			}
			while (ber_writer_reset(&w),
			    dir_search_step(s, &w, 1, 512, td_now(), &res) == DIR_SEARCH_MORE)
				;
			dir_search_free(s);
			if (wk->id == 1 && dir_schema_reload(T.d, &bad, err, sizeof(err)) != 0)
				wk->failures++;
		}
	}
	ber_writer_free(&w);
	arena_free(&a);
	return NULL;
}

TEST(concurrent)
{
	pthread_t th[2];
	worker wk[2] = { { .id = 0 }, { .id = 1 } };
	td_result r;

	fresh();
	for (int i = 0; i < 2; i++)
		pthread_create(&th[i], NULL, work, &wk[i]);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	CHECK_EQ_INT(wk[0].failures, 0);
	CHECK_EQ_INT(wk[1].failures, 0);
	td_search(&T, DYN, LDAP_SCOPE_ONELEVEL, "(cn=w*)", "1.1", NULL, &r);
	CHECK_EQ_INT(r.nentries, 2 * 200);
	td_result_free(&r);
}

int
main(void)
{
	td_setup("test_dir");
	RUN(bootstrap_containers);
	RUN(normalize_dn);
	RUN(add_and_read_back);
	RUN(add_errors);
	RUN(add_rdn_value_added);
	RUN(add_superclasses);
	RUN(add_ils_leniency);
	RUN(add_dynamic_ttl);
	RUN(expiry_and_sweep);
	RUN(refresh);
	RUN(modify_basic);
	RUN(modify_errors);
	RUN(modify_atomic);
	RUN(modify_entry_ttl);
	RUN(modify_lenient);
	RUN(value_list);
	RUN(delete_rules);
	RUN(compare_op);
	RUN(schema_reload);
	RUN(outside_and_root_writes);
	RUN(concurrent);
	if (T.d)
		td_close(&T);
	td_teardown();
	return test_summary();
}
