/*
 * test_dir_search.c - Search: scopes, filters of every kind with schema
 * matching and three-valued logic, attribute selection, limits, the
 * resumable stepping, refresh-on-search, the root DSE and cn=Subschema.
 * Results are decoded from the produced PDUs with ldap_decode.
 */
#include "test.h"
#include "test_dir_util.h"

#include "dir/dir_int.h"

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

/* A small population for the filter tests. */
static void
populate(void)
{
	dir_result res;

	CHECK_EQ_INT(td_add(&T, "ou=People,o=Intranet", "objectClass: organizationalUnit\n"
	    "ou: People\n", 0, &res), 0);
	CHECK_EQ_INT(td_add(&T, "cn=Ann,ou=People,o=Intranet", "objectClass: inetOrgPerson\n"
	    "objectClass: testObject\ncn: Ann\nsn: Archer\nmail: ann@example.com\n"
	    "testNumber: 5\ndescription: Caf\xe9 owner\n", 0, &res), 0);
	CHECK_EQ_INT(td_add(&T, "cn=Bob,ou=People,o=Intranet", "objectClass: person\n"
	    "objectClass: testObject\ncn: Bob\nsn: Baker\ntestNumber: 40\n"
	    "description: Bread  maker\n", 0, &res), 0);
	CHECK_EQ_INT(td_add(&T, "cn=Cy,cn=Bob,ou=People,o=Intranet", "objectClass: person\n"
	    "objectClass: testObject\ncn: Cy\nsn: Cooper\ntestNumber: -3\n", 0, &res), 0);
	CHECK_EQ_INT(td_add(&T, "cn=Dee,ou=People,o=Intranet", "objectClass: person\ncn: Dee\n"
	    "sn: D\xe9j\xe0 Vu\n", 0, &res), 0);
}

/* The cn values (in result order) of a subtree search under ou=People. */
static const char *
names(const char *filter)
{
	static char out[1024];
	td_result r;
	const char *p;

	out[0] = '\0';
	if (td_search(&T, "ou=People,o=Intranet", LDAP_SCOPE_SUBTREE, filter, "cn", NULL, &r) != 0) {
		snprintf(out, sizeof(out), "error %d", r.code);
		td_result_free(&r);
		return out;
	}
	for (p = r.text; (p = strstr(p, "\ncn: ")) != NULL;) {
		const char *e = strchr(p + 5, '\n');
		if (out[0])
			strcat(out, " ");
		strncat(out, p + 5, (size_t)(e - p - 5));
		p = e;
	}
	td_result_free(&r);
	return out;
}

TEST(scopes)
{
	td_result r;

	fresh();
	populate();
	td_search(&T, "ou=People,o=Intranet", LDAP_SCOPE_BASE, NULL, "1.1", NULL, &r);
	CHECK_EQ_INT(r.code, 0);
	CHECK_STR(r.text, "dn: ou=People,o=Intranet\n");
	td_result_free(&r);
	td_search(&T, "ou=people,o=intranet", LDAP_SCOPE_ONELEVEL, "(objectClass=*)", "cn", NULL,
	    &r);
	CHECK_EQ_INT(r.nentries, 3);
	CHECK(strstr(r.text, "cn: Cy") == NULL);
	td_result_free(&r);
	td_search(&T, "ou=People,o=Intranet", LDAP_SCOPE_SUBTREE, "(objectClass=*)", "1.1", NULL,
	    &r);
	CHECK_EQ_INT(r.nentries, 5);
	CHECK_EQ_INT(r.count, 5);
	td_result_free(&r);
	/* Base missing: matchedDN; outside the suffix: "". */
	td_search(&T, "cn=x,cn=Bob,ou=People,o=Intranet", LDAP_SCOPE_SUBTREE, NULL, NULL, NULL, &r);
	CHECK_EQ_INT(r.code, LDAP_NO_SUCH_OBJECT);
	CHECK_STR(r.matched, "cn=Bob,ou=People,o=Intranet");
	td_result_free(&r);
	td_search(&T, "o=Other", LDAP_SCOPE_SUBTREE, NULL, NULL, NULL, &r);
	CHECK_EQ_INT(r.code, LDAP_NO_SUCH_OBJECT);
	CHECK_STR(r.matched, "");
	td_result_free(&r);
	td_search(&T, "not a dn", LDAP_SCOPE_SUBTREE, NULL, NULL, NULL, &r);
	CHECK_EQ_INT(r.code, LDAP_INVALID_DN_SYNTAX);
	td_result_free(&r);
	td_search(&T, "o=Intranet", 7, NULL, NULL, NULL, &r);
	CHECK_EQ_INT(r.code, LDAP_PROTOCOL_ERROR);
	td_result_free(&r);
	/* Base "" one level: the naming context; subtree: everything, no root DSE. */
	td_search(&T, "", LDAP_SCOPE_ONELEVEL, NULL, "1.1", NULL, &r);
	CHECK_STR(r.text, "dn: o=Intranet\n");
	td_result_free(&r);
	td_search(&T, "", LDAP_SCOPE_SUBTREE, "(objectClass=*)", "1.1", NULL, &r);
	CHECK_EQ_INT(r.nentries, 3 + 5);
	td_result_free(&r);
	/* Indexed term with scope one: candidates outside the scope are dropped. */
	td_search(&T, "cn=Bob,ou=People,o=Intranet", LDAP_SCOPE_ONELEVEL, "(cn=*)", "cn", NULL, &r);
	CHECK_STR(r.text, "dn: cn=Cy,cn=Bob,ou=People,o=Intranet\ncn: Cy\n");
	td_result_free(&r);
	td_search(&T, "cn=Bob,ou=People,o=Intranet", LDAP_SCOPE_SUBTREE, "(cn=*)", "1.1", NULL, &r);
	CHECK_EQ_INT(r.nentries, 2);
	td_result_free(&r);
}

TEST(filters_basic)
{
	fresh();
	populate();
	CHECK_STR(names("(cn=ann)"), "Ann");
	CHECK_STR(names("(CN=  ANN )"), "Ann");
	CHECK_STR(names("(surname=baker)"), "Bob");
	CHECK_STR(names("(cn=nobody)"), "");
	CHECK_STR(names("(cn=A*)"), "Ann");
	CHECK_STR(names("(sn=*er)"), "Ann Bob Cy");
	CHECK_STR(names("(sn=*A*E*)"), "Ann Bob");
	CHECK_STR(names("(mail=*)"), "Ann");
	CHECK_STR(names("(description=bread maker)"), "Bob");
	CHECK_STR(names("(&(sn=*er)(!(cn=Bob)))"), "Ann Cy");
	CHECK_STR(names("(|(cn=Ann)(cn=Dee))"), "Ann Dee");
	CHECK_STR(names("(&)"), "Ann Bob Cy Dee");
	CHECK_STR(names("(|)"), "");
	CHECK_STR(names("(cn~=ANN)"), "Ann");
	CHECK_STR(names("(description~=bread maker)"), "Bob");
	/* Latin-1 bytes are kept and matched. */
	CHECK_STR(names("(description=caf\\e9 OWNER)"), "Ann");
	CHECK_STR(names("(sn=D\\e9j\\e0*)"), "Dee");
	CHECK_STR(names("(sn=d\\c3\\a9j\\c3\\a0 vu)"), "");
}

TEST(filters_integer_and_ordering)
{
	fresh();
	populate();
	CHECK_STR(names("(testNumber>=5)"), "Ann Bob");
	CHECK_STR(names("(testNumber>=6)"), "Bob");
	CHECK_STR(names("(testNumber<=5)"), "Ann Cy");
	CHECK_STR(names("(testNumber<=-4)"), "");
	CHECK_STR(names("(testNumber=005)"), "Ann");
	CHECK_STR(names("(testNumber=+40)"), "Bob");
	/* An invalid integer assertion is Undefined, and so is its negation. */
	CHECK_STR(names("(testNumber=abc)"), "");
	CHECK_STR(names("(!(testNumber=abc))"), "");
	/* No ORDERING rule for cn: Undefined. */
	CHECK_STR(names("(cn>=A)"), "");
	CHECK_STR(names("(!(cn>=A))"), "");
}

TEST(filters_objectclass)
{
	fresh();
	populate();
	CHECK_STR(names("(objectClass=person)"), "Ann Bob Cy Dee");
	CHECK_STR(names("(objectClass=inetOrgPerson)"), "Ann");
	CHECK_STR(names("(objectClass=2.16.840.1.113730.3.2.2)"), "Ann");
	CHECK_STR(names("(objectClass=INETORGPERSON)"), "Ann");
	CHECK_STR(names("(objectClass=organizationalPerson)"), "Ann");
	CHECK_STR(names("(objectClass=top)"), "Ann Bob Cy Dee");
	CHECK_STR(names("(objectClass=2.5.6.6)"), "Ann Bob Cy Dee");
	CHECK_STR(names("(objectClass=testobject)"), "Ann Bob Cy");
	CHECK_STR(names("(!(objectClass=testObject))"), "Dee");
	CHECK_STR(names("(objectClass=nosuchclass)"), "");
}

TEST(filters_undefined)
{
	fresh();
	populate();
	/* Unknown attribute types are Undefined: neither they nor their negation match. */
	CHECK_STR(names("(fooBar=1)"), "");
	CHECK_STR(names("(!(fooBar=1))"), "");
	CHECK_STR(names("(fooBar=*)"), "");
	CHECK_STR(names("(!(fooBar=*))"), "");
	CHECK_STR(names("(|(fooBar=1)(cn=Ann))"), "Ann");
	CHECK_STR(names("(&(fooBar=1)(cn=Ann))"), "");
	/* Known but absent: False, so the negation is True. */
	CHECK_STR(names("(!(mail=*))"), "Bob Cy Dee");
	CHECK_STR(names("(!(title=x))"), "Ann Bob Cy Dee");
}

TEST(filters_extensible)
{
	fresh();
	populate();
	CHECK_STR(names("(cn:caseExactMatch:=Ann)"), "Ann");
	CHECK_STR(names("(cn:caseExactMatch:=ann)"), "");
	CHECK_STR(names("(cn:caseIgnoreMatch:=ANN)"), "Ann");
	CHECK_STR(names("(cn:2.5.13.2:=ANN)"), "Ann");
	CHECK_STR(names("(cn:=ANN)"), "Ann");
	CHECK_STR(names("(testNumber:integerMatch:=40)"), "Bob");
	CHECK_STR(names("(testNumber:integerMatch:=x)"), "");
	CHECK_STR(names("(:caseIgnoreMatch:=baker)"), "Bob");
	CHECK_STR(names("(mail:octetStringMatch:=ann@example.com)"), "Ann");
	/* Unknown rule: Undefined, the negation too. */
	CHECK_STR(names("(cn:fancyMatch:=Ann)"), "");
	CHECK_STR(names("(!(cn:fancyMatch:=Ann))"), "");
	/* dnAttributes: values of the DN take part. */
	CHECK_STR(names("(cn:dn:=Bob)"), "Bob Cy");
	CHECK_STR(names("(ou:dn:caseIgnoreMatch:=people)"), "Ann Bob Cy Dee");
	CHECK_STR(names("(ou:caseIgnoreMatch:=people)"), "");
}

TEST(filters_operational)
{
	td_result r;
	dir_result res;

	fresh();
	populate();
	CHECK_EQ_INT(td_add(&T, "cn=dyn,ou=People,o=Intranet", "objectClass: person\ncn: dyn\n"
	    "sn: x\nentryTtl: 300\n", DIR_F_DYNAMIC, &res), 0);
	CHECK_STR(names("(entryTtl>=200)"), "dyn");
	CHECK_STR(names("(entryTtl=300)"), "dyn");
	CHECK_STR(names("(entryTtl=*)"), "dyn");
	CHECK_STR(names("(hasSubordinates=TRUE)"), "Bob");
	CHECK_STR(names("(entryDN=cn=ann,ou=people,o=intranet)"), "Ann");
	td_search(&T, "ou=People,o=Intranet", LDAP_SCOPE_SUBTREE, "(creatorsName=cn=tester,o=intranet)",
	    "1.1", NULL, &r);
	CHECK_EQ_INT(r.nentries, 6);
	td_result_free(&r);
}

TEST(attribute_selection)
{
	td_result r;
	td_search_opts types = { .typesonly = true };
	const char *ann = "cn=Ann,ou=People,o=Intranet";

	fresh();
	populate();
	/* All user attributes, stored order and spelling. */
	td_search(&T, ann, LDAP_SCOPE_BASE, NULL, NULL, NULL, &r);
	CHECK_STR(r.text, "dn: cn=Ann,ou=People,o=Intranet\nobjectClass: inetOrgPerson\n"
	    "objectClass: testObject\nobjectClass: organizationalPerson\nobjectClass: person\n"
	    "objectClass: top\ncn: Ann\nsn: Archer\nmail: ann@example.com\n"
	    "testNumber: 5\ndescription: Caf\xe9 owner\n");
	td_result_free(&r);
	td_search(&T, ann, LDAP_SCOPE_BASE, NULL, "*", NULL, &r);
	CHECK(strstr(r.text, "createTimestamp") == NULL && strstr(r.text, "cn: Ann\n") != NULL);
	td_result_free(&r);
	/* Requested order and spelling; missing ones left out; a repeat returned once. */
	td_search(&T, ann, LDAP_SCOPE_BASE, NULL, "MAIL title SURNAME cn Sn", NULL, &r);
	CHECK_STR(r.text, "dn: cn=Ann,ou=People,o=Intranet\nMAIL: ann@example.com\n"
	    "SURNAME: Archer\ncn: Ann\n");
	td_result_free(&r);
	/* "1.1" alone: no attributes; "1.1" with others: ignored. */
	td_search(&T, ann, LDAP_SCOPE_BASE, NULL, "1.1", NULL, &r);
	CHECK_STR(r.text, "dn: cn=Ann,ou=People,o=Intranet\n");
	td_result_free(&r);
	td_search(&T, ann, LDAP_SCOPE_BASE, NULL, "1.1 cn", NULL, &r);
	CHECK_STR(r.text, "dn: cn=Ann,ou=People,o=Intranet\ncn: Ann\n");
	td_result_free(&r);
	/* "+" only operational; "* +" both; an operational one by name. */
	td_search(&T, ann, LDAP_SCOPE_BASE, NULL, "+", NULL, &r);
	CHECK(strstr(r.text, "cn: ") == NULL && strstr(r.text, "entryUUID: ") != NULL &&
	    strstr(r.text, "hasSubordinates: FALSE\n") != NULL);
	td_result_free(&r);
	td_search(&T, ann, LDAP_SCOPE_BASE, NULL, "* +", NULL, &r);
	CHECK(strstr(r.text, "cn: Ann\n") != NULL && strstr(r.text, "entryUUID: ") != NULL);
	td_result_free(&r);
	td_search(&T, ann, LDAP_SCOPE_BASE, NULL, "cn structuralObjectClass", NULL, &r);
	CHECK_STR(r.text, "dn: cn=Ann,ou=People,o=Intranet\ncn: Ann\n"
	    "structuralObjectClass: inetOrgPerson\n");
	td_result_free(&r);
	td_search(&T, ann, LDAP_SCOPE_BASE, NULL, "* entryDN", NULL, &r);
	CHECK(strstr(r.text, "cn: Ann\n") != NULL &&
	    strstr(r.text, "entryDN: cn=Ann,ou=People,o=Intranet\n") != NULL &&
	    strstr(r.text, "entryUUID") == NULL);
	td_result_free(&r);
	/* Aliases (ILS): name as requested, value read elsewhere. */
	td_search(&T, ann, LDAP_SCOPE_BASE, NULL, "rfc822mailbox=mail sFamily=sn cn", NULL, &r);
	CHECK_STR(r.text, "dn: cn=Ann,ou=People,o=Intranet\nrfc822mailbox: ann@example.com\n"
	    "sFamily: Archer\ncn: Ann\n");
	td_result_free(&r);
	/* typesOnly: the types without values; absent ones still left out. */
	td_search(&T, ann, LDAP_SCOPE_BASE, NULL, "cn title sn", &types, &r);
	CHECK_STR(r.text, "dn: cn=Ann,ou=People,o=Intranet\ncn:\nsn:\n");
	td_result_free(&r);
}

TEST(scale_and_refresh_ttl)
{
	td_result r;
	dir_result res;
	td_search_opts o = { .refresh_ttl = 600, .at = 10000 };
	td_search_opts big = { .refresh_ttl = 99999, .at = 10000 };

	fresh();
	CHECK_EQ_INT(td_add(&T, "cn=p1," DYN, "objectClass: person\ncn: p1\nsn: x\nentryTtl: 121\n",
	    DIR_F_DYNAMIC, &res), 0);
	CHECK_EQ_INT(td_add(&T, "cn=p2," DYN, "objectClass: person\ncn: p2\nsn: x\n", 0, &res), 0);
	/* entryTtl in minutes, rounded up: 121 s -> 3. */
	td_search(&T, "cn=p1," DYN, LDAP_SCOPE_BASE, NULL, "sttl=entryTtl/60", NULL, &r);
	CHECK_STR(r.text, "dn: cn=p1,ou=Dynamic,o=Intranet\nsttl: 3\n");
	td_result_free(&r);
	/* Search with refresh: the dynamic entry gets 600 s, shown in the answer. */
	td_search(&T, DYN, LDAP_SCOPE_ONELEVEL, "(cn=p*)", "sttl=entryTtl/60 cn", &o, &r);
	CHECK_EQ_INT(r.nentries, 2);
	CHECK(strstr(r.text, "dn: cn=p1,ou=Dynamic,o=Intranet\nsttl: 10\ncn: p1\n") != NULL);
	CHECK(strstr(r.text, "dn: cn=p2,ou=Dynamic,o=Intranet\ncn: p2\n") != NULL);
	td_result_free(&r);
	/* Stored, too: a plain read later shows it counting down from 600 at t0+10s. */
	td_search(&T, "cn=p1," DYN, LDAP_SCOPE_BASE, NULL, "entryTtl", &(td_search_opts){
	    .at = 20000 }, &r);
	CHECK_STR(r.text, "dn: cn=p1,ou=Dynamic,o=Intranet\nentryTtl: 590\n");
	td_result_free(&r);
	/* Clamped to the maximum. */
	td_search(&T, "cn=p1," DYN, LDAP_SCOPE_BASE, NULL, "entryTtl", &big, &r);
	CHECK_STR(r.text, "dn: cn=p1,ou=Dynamic,o=Intranet\nentryTtl: 3600\n");
	td_result_free(&r);
}

TEST(size_and_time_limits)
{
	td_result r;
	td_search_opts two = { .sizelimit = 2 };
	td_search_opts four = { .sizelimit = 4 };
	td_search_opts slow = { .timelimit = 1, .max_bytes = 1, .step_advance = 400 };
	dir_config cfg;

	fresh();
	populate();
	td_search(&T, "ou=People,o=Intranet", LDAP_SCOPE_SUBTREE, NULL, "1.1", &two, &r);
	CHECK_EQ_INT(r.code, LDAP_SIZE_LIMIT_EXCEEDED);
	CHECK_EQ_INT(r.nentries, 2);
	td_result_free(&r);
	/* Exactly at the limit: success. */
	td_search(&T, "ou=People,o=Intranet", LDAP_SCOPE_SUBTREE, "(cn=*)", "1.1", &four, &r);
	CHECK_EQ_INT(r.code, 0);
	CHECK_EQ_INT(r.nentries, 4);
	td_result_free(&r);
	/* The time limit is checked at each step against the given clock. */
	td_search(&T, "ou=People,o=Intranet", LDAP_SCOPE_SUBTREE, NULL, "1.1", &slow, &r);
	CHECK_EQ_INT(r.code, LDAP_TIME_LIMIT_EXCEEDED);
	CHECK(r.nentries >= 2 && r.nentries < 5);
	td_result_free(&r);

	/* The server's caps apply when the request asks for more (or nothing). */
	dir_close(T.d);
	T.d = NULL;
	td_default_config(&cfg, T.schema_dir);
	cfg.size_limit = 3;
	CHECK_EQ_INT(td_open_dir(&T, &cfg), 0);
	td_search(&T, "ou=People,o=Intranet", LDAP_SCOPE_SUBTREE, NULL, "1.1", NULL, &r);
	CHECK_EQ_INT(r.code, LDAP_SIZE_LIMIT_EXCEEDED);
	CHECK_EQ_INT(r.nentries, 3);
	td_result_free(&r);
	td_search(&T, "ou=People,o=Intranet", LDAP_SCOPE_SUBTREE, NULL, "1.1", &two, &r);
	CHECK_EQ_INT(r.nentries, 2);
	td_result_free(&r);
}

TEST(root_dse)
{
	td_result r;
	const char *const mechs[] = { "PLAIN", "EXTERNAL", NULL };
	const char *const exts[] = { LDAP_OID_STARTTLS, NULL };
	dir_config cfg;

	fresh();
	/* No attributes asked: only objectClass (slapd does the same). */
	td_search(&T, "", LDAP_SCOPE_BASE, "(objectClass=*)", NULL, NULL, &r);
	CHECK_EQ_INT(r.code, 0);
	CHECK_STR(r.text, "dn: \nobjectClass: top\n");
	td_result_free(&r);
	/* TAPI: just defaultNamingContext, single-valued. */
	td_search(&T, "", LDAP_SCOPE_BASE, "(objectClass=*)", "defaultNamingContext", NULL, &r);
	CHECK_STR(r.text, "dn: \ndefaultNamingContext: o=Intranet\n");
	td_result_free(&r);
	td_search(&T, "", LDAP_SCOPE_BASE, "(objectClass=*)", "+", NULL, &r);
	CHECK(strstr(r.text, "namingContexts: o=Intranet\n") != NULL);
	CHECK(strstr(r.text, "supportedLDAPVersion: 2\nsupportedLDAPVersion: 3\n") != NULL);
	CHECK(strstr(r.text, "supportedExtension: 1.3.6.1.4.1.4203.1.11.3\n") != NULL);
	CHECK(strstr(r.text, "supportedExtension: 1.3.6.1.4.1.1466.101.119.1\n") != NULL);
	CHECK(strstr(r.text, "supportedExtension: " LDAP_OID_ILSD_SCHEMA_RELOAD "\n") != NULL);
	CHECK(strstr(r.text, "subschemaSubentry: cn=Subschema\n") != NULL);
	CHECK(strstr(r.text, "vendorName: ilsd project\n") != NULL);
	CHECK(strstr(r.text, "vendorVersion: 9.9-test\n") != NULL);
	CHECK(strstr(r.text, "supportedSASLMechanisms") == NULL);
	CHECK(strstr(r.text, "objectClass") == NULL);
	td_result_free(&r);
	/* The filter applies to the root DSE too. */
	td_search(&T, "", LDAP_SCOPE_BASE, "(objectClass=person)", NULL, NULL, &r);
	CHECK_EQ_INT(r.code, 0);
	CHECK_EQ_INT(r.nentries, 0);
	td_result_free(&r);

	dir_close(T.d);
	T.d = NULL;
	td_default_config(&cfg, T.schema_dir);
	cfg.sasl_mechs = mechs;
	cfg.extensions = exts;
	CHECK_EQ_INT(td_open_dir(&T, &cfg), 0);
	td_search(&T, "", LDAP_SCOPE_BASE, NULL, "supportedSASLMechanisms supportedExtension", NULL,
	    &r);
	CHECK(strstr(r.text, "supportedSASLMechanisms: PLAIN\nsupportedSASLMechanisms: EXTERNAL\n")
	    != NULL);
	CHECK(strstr(r.text, "supportedExtension: " LDAP_OID_STARTTLS "\n") != NULL);
	td_result_free(&r);
}

TEST(subschema)
{
	td_result r;

	fresh();
	td_search(&T, "cn=Subschema", LDAP_SCOPE_BASE, "(objectClass=subschema)", NULL, NULL, &r);
	CHECK_EQ_INT(r.code, 0);
	CHECK_EQ_INT(r.nentries, 1);
	CHECK(strstr(r.text, "dn: cn=Subschema\n") != NULL);
	CHECK(strstr(r.text, "attributeTypes") == NULL);
	td_result_free(&r);
	td_search(&T, "CN=SUBSCHEMA", LDAP_SCOPE_BASE, NULL, "+", NULL, &r);
	CHECK(strstr(r.text, "attributeTypes: ( 1.3.6.1.4.1.1466.101.119.3 NAME 'entryTtl'") != NULL);
	CHECK(strstr(r.text, "objectClasses: ( 2.5.6.6 NAME 'person'") != NULL);
	CHECK(strstr(r.text, "ldapSyntaxes: ( 1.3.6.1.4.1.1466.115.121.1.27") != NULL);
	CHECK(strstr(r.text, "matchingRules: ( 2.5.13.2 NAME 'caseIgnoreMatch'") != NULL);
	CHECK(strstr(r.text, "testNumber") != NULL);
	td_result_free(&r);
	td_search(&T, "cn=Subschema", LDAP_SCOPE_BASE, NULL, "objectClasses", NULL, &r);
	CHECK(strstr(r.text, "objectClasses: ") != NULL &&
	    strstr(r.text, "\nattributeTypes: ") == NULL);
	td_result_free(&r);
	td_search(&T, "cn=Subschema", LDAP_SCOPE_ONELEVEL, NULL, NULL, NULL, &r);
	CHECK_EQ_INT(r.code, 0);
	CHECK_EQ_INT(r.nentries, 0);
	td_result_free(&r);
}

/* 20,000 entries read back in many small steps: each exactly once. */
static void
check_each_once(const char *filter, int scope, const char *base, int expect)
{
	td_result r;
	td_search_opts o = { .max_bytes = 1500 };
	static unsigned char seen[20000];
	const char *p;
	int dups = 0, total = 0;

	memset(seen, 0, sizeof(seen));
	td_search(&T, base, scope, filter, "uid", &o, &r);
	CHECK_EQ_INT(r.code, 0);
	CHECK_EQ_INT(r.nentries, expect);
	CHECK_EQ_INT(r.count, (uint64_t)expect);
	CHECK(r.steps > expect / 40);
	for (p = r.text; p && (p = strstr(p, "\nuid: u")) != NULL; p += 7) {
		int n = atoi(p + 7);
		if (n < 0 || n >= 20000)
			continue;
		if (seen[n]++)
			dups++;
		total++;
	}
	CHECK_EQ_INT(dups, 0);
	CHECK_EQ_INT(total, expect);
	td_result_free(&r);
}

TEST(resumable_many)
{
	dir_result res;
	char dnbuf[128], ldif[256];
	int bad = 0;

	fresh();
	for (int i = 0; i < 20000; i++) {
		snprintf(dnbuf, sizeof(dnbuf), "uid=u%d," DYN, i);
		snprintf(ldif, sizeof(ldif), "objectClass: organizationalRole\n"
		    "objectClass: uidObject\ncn: role\nuid: u%d\ndescription: entry number %d\n",
		    i, i);
		if (td_add(&T, dnbuf, ldif, 0, &res) != 0)
			bad++;
	}
	CHECK_EQ_INT(bad, 0);
	/* Scope iterator, index prefix (an entry reaches it once per value), presence. */
	check_each_once("(objectClass=*)", LDAP_SCOPE_ONELEVEL, DYN, 20000);
	check_each_once("(uid=u1*)", LDAP_SCOPE_SUBTREE, "o=Intranet", 11111);
	check_each_once("(&(uid=*)(description=entry number 1*))", LDAP_SCOPE_SUBTREE, DYN, 11111);
	check_each_once("(uid=u19999)", LDAP_SCOPE_SUBTREE, "o=Intranet", 1);
}

TEST(index_dedup)
{
	dir_result res;
	td_result r;

	fresh();
	/* Two values with the same prefix: one prefix-index hit each. */
	CHECK_EQ_INT(td_add(&T, "cn=multi," DYN, "objectClass: person\ncn: multi\ncn: multiple\n"
	    "cn: Multitude\nsn: x\n", 0, &res), 0);
	td_search(&T, DYN, LDAP_SCOPE_SUBTREE, "(cn=mult*)", "1.1", NULL, &r);
	CHECK_EQ_INT(r.nentries, 1);
	td_result_free(&r);
	td_search(&T, DYN, LDAP_SCOPE_SUBTREE, "(cn=*)", "1.1", NULL, &r);
	CHECK_EQ_INT(r.nentries, 1);
	td_result_free(&r);
	td_search(&T, DYN, LDAP_SCOPE_SUBTREE, "(|(cn=multi)(cn=multiple))", "1.1", NULL, &r);
	CHECK_EQ_INT(r.nentries, 1);
	td_result_free(&r);
}

/* Entries added and deleted between steps: survivors once each, deleted ones never. */
TEST(resumable_with_writes)
{
	dir_result res;
	dir_search_params p;
	dir_search *s = NULL;
	ber_writer w;
	td_result r;
	char dnbuf[64], ldif[128];
	int st, step = 0;
	dir_ctx *c;

	fresh();
	for (int i = 0; i < 1000; i++) {
		snprintf(dnbuf, sizeof(dnbuf), "cn=k%04d," DYN, i);
		snprintf(ldif, sizeof(ldif), "objectClass: person\nsn: k\n");
		CHECK_EQ_INT(td_add(&T, dnbuf, ldif, 0, &res), 0);
	}
	memset(&p, 0, sizeof(p));
	memset(&r, 0, sizeof(r));
	p.base = td_s(DYN);
	p.scope = LDAP_SCOPE_ONELEVEL;
	c = td_ctx(&T);
	CHECK_EQ_INT(dir_search_begin(T.d, c, &p, &s, &res), 0);
	ber_writer_init(&w, 4096, 0);
	do {
		ber_writer_reset(&w);
		st = dir_search_step(s, &w, 7, 800, T.t0, &res);
		CHECK_EQ_INT(td_render(&r, 7, w.buf, w.len), 0);
		if (step++ == 3) {
			/* Delete every tenth entry (some already sent), add new ones. */
			for (int i = 0; i < 1000; i += 10) {
				snprintf(dnbuf, sizeof(dnbuf), "cn=k%04d," DYN, i);
				c = td_ctx(&T);
				CHECK_EQ_INT(dir_delete(T.d, c, td_s(dnbuf), 0, &res), 0);
			}
		}
	} while (st == DIR_SEARCH_MORE);
	CHECK_EQ_INT(res.code, 0);
	dir_search_free(s);
	ber_writer_free(&w);
	for (int i = 0; i < 1000; i++) {
		snprintf(dnbuf, sizeof(dnbuf), "dn: cn=k%04d," DYN "\n", i);
		int n = td_count(r.text, dnbuf);
		CHECK(n <= 1);
		if (i % 10 != 0)
			CHECK_EQ_INT(n, 1);
	}
	/* What was sent before the deletes may include deleted ones; nothing after. */
	CHECK(r.nentries >= 900 && r.nentries < 1000);
	td_result_free(&r);
}

/* 1 if the search took its candidates from an index, 0 if not, -1 on error. */
static int
uses_index(const char *base, int scope, const char *filter)
{
	dir_ctx *c = td_ctx(&T);
	dir_search_params p;
	dir_search *s = NULL;
	dir_result res;
	ldap_filter *f = NULL;
	const char *why;
	int r;

	memset(&p, 0, sizeof(p));
	if (filter_parse(filter, strlen(filter), c->a, 64, 16, &f, &why) != 0)
		return -1;
	p.base = td_s(base);
	p.scope = scope;
	p.filter = f;
	if (dir_search_begin(T.d, c, &p, &s, &res) != LDAP_SUCCESS)
		return -1;
	r = dir_search_from_index(s);
	dir_search_free(s);
	return r;
}

TEST(index_choice)
{
	dir_result res;
	char dnbuf[64];

	fresh();
	populate();
	for (int i = 0; i < 200; i++) {
		snprintf(dnbuf, sizeof(dnbuf), "cn=filler%d,ou=People,o=Intranet", i);
		CHECK_EQ_INT(td_add(&T, dnbuf, "objectClass: person\nsn: f\n", 0, &res), 0);
	}
	CHECK_EQ_INT(uses_index("o=Intranet", LDAP_SCOPE_SUBTREE, "(cn=Ann)"), 1);
	CHECK_EQ_INT(uses_index("o=Intranet", LDAP_SCOPE_SUBTREE, "(cn=fil*)"), 1);
	CHECK_EQ_INT(uses_index("ou=People,o=Intranet", LDAP_SCOPE_ONELEVEL,
	    "(&(description=x)(cn=B*))"), 1);
	CHECK_EQ_INT(uses_index("o=Intranet", LDAP_SCOPE_SUBTREE, "(objectClass=inetOrgPerson)"), 1);
	CHECK_EQ_INT(uses_index("o=Intranet", LDAP_SCOPE_SUBTREE,
	    "(objectClass=2.16.840.1.113730.3.2.2)"), 0);
	/* Terms inside nested ANDs serve too (the ILS layer wraps the client's AND). */
	CHECK_EQ_INT(uses_index("o=Intranet", LDAP_SCOPE_SUBTREE,
	    "(&(description=x)(&(sn=f)(cn=filler7)))"), 1);
	CHECK_EQ_INT(uses_index("ou=People,o=Intranet", LDAP_SCOPE_ONELEVEL,
	    "(&(objectClass=*)(&(description=x)(&(sn=f)(cn=filler7))))"), 1);
	CHECK_EQ_INT(uses_index("o=Intranet", LDAP_SCOPE_SUBTREE,
	    "(&(description=x)(|(cn=filler7)(cn=filler8)))"), 0);
	/* No usable term: scope. */
	CHECK_EQ_INT(uses_index("o=Intranet", LDAP_SCOPE_SUBTREE, "(objectClass=*)"), 0);
	CHECK_EQ_INT(uses_index("o=Intranet", LDAP_SCOPE_SUBTREE, "(objectClass=person)"), 0);
	CHECK_EQ_INT(uses_index("o=Intranet", LDAP_SCOPE_SUBTREE, "(description=x)"), 0);
	CHECK_EQ_INT(uses_index("o=Intranet", LDAP_SCOPE_SUBTREE, "(!(cn=Ann))"), 0);
	CHECK_EQ_INT(uses_index("o=Intranet", LDAP_SCOPE_SUBTREE, "(|(cn=Ann)(cn=Bob))"), 0);
	CHECK_EQ_INT(uses_index("o=Intranet", LDAP_SCOPE_SUBTREE, "(cn>=A)"), 0);
	CHECK_EQ_INT(uses_index("cn=Ann,ou=People,o=Intranet", LDAP_SCOPE_BASE, "(cn=Ann)"), 0);
	/* A small scope beats a big index. */
	CHECK_EQ_INT(uses_index("cn=Bob,ou=People,o=Intranet", LDAP_SCOPE_ONELEVEL, "(cn=*)"), 0);
}

TEST(params_copied)
{
	/* dir_search_begin copies base, filter and attributes: td_search wipes them. */
	td_result r;

	fresh();
	populate();
	td_search(&T, "ou=People,o=Intranet", LDAP_SCOPE_SUBTREE, "(|(cn=Ann)(sn=Baker))",
	    "sn cn", NULL, &r);
	CHECK_EQ_INT(r.nentries, 2);
	CHECK(strstr(r.text, "sn: Archer\ncn: Ann\n") != NULL);
	td_result_free(&r);
}

int
main(void)
{
	td_setup("test_dir_search");
	RUN(scopes);
	RUN(filters_basic);
	RUN(filters_integer_and_ordering);
	RUN(filters_objectclass);
	RUN(filters_undefined);
	RUN(filters_extensible);
	RUN(filters_operational);
	RUN(attribute_selection);
	RUN(scale_and_refresh_ttl);
	RUN(size_and_time_limits);
	RUN(root_dse);
	RUN(subschema);
	RUN(resumable_many);
	RUN(index_dedup);
	RUN(resumable_with_writes);
	RUN(index_choice);
	RUN(params_copied);
	if (T.d)
		td_close(&T);
	td_teardown();
	return test_summary();
}
