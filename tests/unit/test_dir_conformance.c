/*
 * test_dir_conformance.c - search semantics added for LDAP conformance:
 * alias dereferencing (RFC 4511 4.5.1.3), the subordinate-subtree scope,
 * approximate matching by sound, attribute type hierarchies (RFC 4512
 * 2.5.1), and cn=Subschema's timestamps and matchingRuleUse (RFC 4512 4.2).
 */
#include "test.h"
#include "test_dir_util.h"

#include "dir/dir_int.h"

#define PEOPLE "ou=People,o=Intranet"
#define LINKS "ou=Links,o=Intranet"

static tdir T;

/* The DNs a search returns, space-separated in result order, or "error N". */
static const char *
found(const char *base, int scope, int deref, const char *filter)
{
	static char out[2048];
	dir_ctx *c = td_ctx(&T);
	dir_search_params p;
	dir_search *s = NULL;
	dir_result res;
	ldap_filter *f = NULL;
	const char *why = NULL;
	ber_writer w;
	td_result r;
	const char *q;

	memset(&p, 0, sizeof(p));
	memset(&r, 0, sizeof(r));
	out[0] = '\0';
	if (filter_parse(filter, strlen(filter), c->a, 64, 16, &f, &why) != 0)
		return "bad filter";
	p.base = td_s(base);
	p.scope = scope;
	p.filter = f;
	p.deref = deref;
	if (dir_search_begin(T.d, c, &p, &s, &res) != LDAP_SUCCESS) {
		snprintf(out, sizeof(out), "error %d", res.code);
		return out;
	}
	ber_writer_init(&w, 4096, 0);
	while (dir_search_step(s, &w, 7, 1 << 20, T.t0, &res) == DIR_SEARCH_MORE)
		;
	td_render(&r, 7, w.buf, w.len);
	for (q = r.text; q && (q = strstr(q, "dn: ")) != NULL;) {
		const char *e = strchr(q, '\n');
		if (out[0])
			strcat(out, " ");
		strncat(out, q + 4, (size_t)(e - q - 4));
		q = e;
	}
	if (res.code != 0)
		snprintf(out + strlen(out), sizeof(out) - strlen(out), "%serror %d", out[0] ? " " : "",
		    res.code);
	td_result_free(&r);
	ber_writer_free(&w);
	dir_search_free(s);
	return out;
}

static void
populate(void)
{
	dir_result res;

	CHECK_EQ_INT(td_add(&T, PEOPLE, "objectClass: organizationalUnit\nou: People\n", 0, &res),
	    0);
	CHECK_EQ_INT(td_add(&T, "cn=Ann,ou=People,o=Intranet", "objectClass: person\ncn: Ann\n"
	    "sn: Smith\nseeAlso: ou=People,o=Intranet\n", 0, &res), 0);
	CHECK_EQ_INT(td_add(&T, LINKS, "objectClass: organizationalUnit\nou: Links\n", 0, &res), 0);
	CHECK_EQ_INT(td_add(&T, "cn=toAnn,ou=Links,o=Intranet", "objectClass: alias\n"
	    "objectClass: extensibleObject\ncn: toAnn\n"
	    "aliasedObjectName: cn=Ann,ou=People,o=Intranet\n", 0, &res), 0);
	CHECK_EQ_INT(td_add(&T, "cn=gone,ou=Links,o=Intranet", "objectClass: alias\n"
	    "objectClass: extensibleObject\ncn: gone\n"
	    "aliasedObjectName: cn=Nobody,o=Intranet\n", 0, &res), 0);
	CHECK_EQ_INT(td_add(&T, "cn=self,ou=Links,o=Intranet", "objectClass: alias\n"
	    "objectClass: extensibleObject\ncn: self\n"
	    "aliasedObjectName: cn=self,ou=Links,o=Intranet\n", 0, &res), 0);
}

TEST(aliases)
{
	CHECK_STR(found("cn=toAnn," LINKS, LDAP_SCOPE_BASE, LDAP_DEREF_NEVER, "(objectClass=*)"),
	    "cn=toAnn," LINKS);
	CHECK_STR(found("cn=toAnn," LINKS, LDAP_SCOPE_BASE, LDAP_DEREF_SEARCHING,
	    "(objectClass=*)"), "cn=toAnn," LINKS);
	CHECK_STR(found("cn=toAnn," LINKS, LDAP_SCOPE_BASE, LDAP_DEREF_FINDING, "(objectClass=*)"),
	    "cn=Ann," PEOPLE);
	CHECK_STR(found("cn=toAnn," LINKS, LDAP_SCOPE_BASE, LDAP_DEREF_ALWAYS, "(sn=Smith)"),
	    "cn=Ann," PEOPLE);
	CHECK_STR(found(LINKS, LDAP_SCOPE_ONELEVEL, LDAP_DEREF_SEARCHING, "(objectClass=*)"),
	    "cn=Ann," PEOPLE);
	/* Reached twice (directly and through the alias): returned once. */
	CHECK_STR(found("o=Intranet", LDAP_SCOPE_SUBTREE, LDAP_DEREF_ALWAYS, "(cn=Ann)"),
	    "cn=Ann," PEOPLE);
	CHECK_STR(found("cn=gone," LINKS, LDAP_SCOPE_BASE, LDAP_DEREF_ALWAYS, "(objectClass=*)"),
	    "error 33");
	CHECK_STR(found("cn=self," LINKS, LDAP_SCOPE_BASE, LDAP_DEREF_FINDING, "(objectClass=*)"),
	    "error 36");
}

TEST(subordinate_scope)
{
	CHECK_STR(found(PEOPLE, LDAP_SCOPE_SUBORDINATE, 0, "(objectClass=*)"), "cn=Ann," PEOPLE);
	CHECK_STR(found(PEOPLE, LDAP_SCOPE_SUBORDINATE, 0, "(cn=*)"), "cn=Ann," PEOPLE);
	CHECK_STR(found("cn=Ann," PEOPLE, LDAP_SCOPE_SUBORDINATE, 0, "(objectClass=*)"), "");
	CHECK_STR(found("cn=Subschema", LDAP_SCOPE_SUBORDINATE, 0, "(objectClass=*)"), "");
	CHECK_STR(found(PEOPLE, 4, 0, "(objectClass=*)"), "error 2");
}

TEST(approx_and_hierarchy)
{
	CHECK_STR(found(PEOPLE, LDAP_SCOPE_ONELEVEL, 0, "(sn~=smyth)"), "cn=Ann," PEOPLE);
	CHECK_STR(found(PEOPLE, LDAP_SCOPE_ONELEVEL, 0, "(cn~=an)"), "cn=Ann," PEOPLE);
	CHECK_STR(found(PEOPLE, LDAP_SCOPE_ONELEVEL, 0, "(cn~=bob)"), "");
	CHECK_STR(found(PEOPLE, LDAP_SCOPE_ONELEVEL, 0, "(name=smith)"), "cn=Ann," PEOPLE);
	CHECK_STR(found(PEOPLE, LDAP_SCOPE_ONELEVEL, 0, "(name=ann)"), "cn=Ann," PEOPLE);
	CHECK_STR(found(PEOPLE, LDAP_SCOPE_ONELEVEL, 0, "(distinguishedName=OU=people,o=intranet)"),
	    "cn=Ann," PEOPLE);
	CHECK_STR(found(PEOPLE, LDAP_SCOPE_ONELEVEL, 0, "(name=People)"), "");
}

TEST(subschema_extras)
{
	td_result r;

	td_search(&T, "cn=Subschema", LDAP_SCOPE_BASE, "(objectClass=*)",
	    "createTimestamp modifyTimestamp matchingRuleUse", NULL, &r);
	CHECK_EQ_INT(r.code, 0);
	CHECK(strstr(r.text, "\ncreateTimestamp: 2") != NULL);
	CHECK(strstr(r.text, "\nmodifyTimestamp: 2") != NULL);
	CHECK(strstr(r.text, "matchingRuleUse: ( 2.5.13.14 NAME 'integerMatch' APPLIES ") != NULL);
	td_result_free(&r);
}

int
main(void)
{
	td_setup("test_dir_conformance");
	if (td_open(&T, NULL) != 0)
		return 2;
	populate();
	RUN(aliases);
	RUN(subordinate_scope);
	RUN(approx_and_hierarchy);
	RUN(subschema_extras);
	td_close(&T);
	td_teardown();
	return test_summary();
}
