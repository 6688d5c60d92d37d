/*
 * test_dir_options.c - attribute description options (RFC 4512 2.5):
 * the canonical key of a description with tagging options, which stored
 * descriptions a requested one selects, and the directory's use of them
 * in Add, Search (selection and filters) and Compare.
 */
#include "test.h"
#include "test_dir_util.h"

#include "dir/dir_int.h"

static tdir T;

static const char *
key(const char *desc)
{
	static char out[DIR_KEYMAX];
	schema *s = dir_schema(T.d);
	size_t n = dir_desc_key(s, desc, strlen(desc), out, sizeof(out));

	schema_unref(s);
	if (n == 0)
		return "(invalid)";
	out[n] = '\0';
	return out;
}

TEST(canonical_keys)
{
	CHECK_STR(key("cn"), "cn");
	CHECK_STR(key("commonName"), "cn");
	CHECK_STR(key("2.5.4.3"), "cn");
	CHECK_STR(key("CN;Lang-EN"), "cn;lang-en");
	CHECK_STR(key("cn;lang-en;lang-de"), "cn;lang-de;lang-en");
	CHECK_STR(key("cn;lang-de;lang-en;lang-de"), "cn;lang-de;lang-en");
	CHECK_STR(key("cn;x-phonetic"), "cn;x-phonetic");
	CHECK_STR(key("userCertificate;binary"), "usercertificate");
	CHECK_STR(key("cn;binary;lang-en"), "cn;lang-en");
	CHECK_STR(key("cn;foo"), "(invalid)");
	CHECK_STR(key("cn;"), "(invalid)");
	CHECK_STR(key("cn;lang-en;"), "(invalid)");
	CHECK_STR(key("cn;lang_en"), "(invalid)");
	CHECK_STR(key("cn;lang-"), "(invalid)");
	CHECK_STR(key("cn;x-1;x-2;x-3;x-4;x-5;x-6;x-7;x-8;x-9"), "(invalid)");
}

TEST(selection)
{
	CHECK(desc_selects("cn", 2, "cn", 2));
	CHECK(desc_selects("cn", 2, "cn;lang-en", 10));
	CHECK(desc_selects("cn;lang-en", 10, "cn;lang-en", 10));
	CHECK(desc_selects("cn;lang-en", 10, "cn;lang-de;lang-en", 18));
	CHECK(!desc_selects("cn;lang-en", 10, "cn", 2));
	CHECK(!desc_selects("cn;lang-en", 10, "cn;lang-de", 10));
	CHECK(!desc_selects("cn", 2, "cname", 5));
	CHECK(!desc_selects("cn", 2, "sn;lang-en", 10));
	CHECK(!desc_selects("cn;lang-e", 9, "cn;lang-en", 10));
	CHECK_EQ_INT(desc_base_len("cn;lang-en", 10), 2);
	CHECK_EQ_INT(desc_base_len("cn", 2), 2);
}

TEST(operations)
{
	dir_result res;
	td_result r;

	CHECK_EQ_INT(td_add(&T, "cn=Ann,ou=Dynamic,o=Intranet", "objectClass: person\ncn: Ann\n"
	    "sn: A\ncn;lang-fr: Anne\nsn;lang-fr;x-old: Annick\n", 0, &res), 0);
	/* Stored apart from cn, returned with the type, and alone when asked for. */
	td_search(&T, "cn=Ann,ou=Dynamic,o=Intranet", LDAP_SCOPE_BASE, "(objectClass=*)", "cn",
	    NULL, &r);
	CHECK(strstr(r.text, "cn: Ann\ncn;lang-fr: Anne\n") != NULL);
	td_result_free(&r);
	td_search(&T, "cn=Ann,ou=Dynamic,o=Intranet", LDAP_SCOPE_BASE, "(objectClass=*)",
	    "cn;lang-fr sn;x-old", NULL, &r);
	CHECK(strstr(r.text, "\ncn;lang-fr: Anne\nsn;lang-fr;x-old: Annick\n") != NULL);
	CHECK(strstr(r.text, "cn: Ann\n") == NULL);
	td_result_free(&r);
	/* Filters. */
	td_search(&T, "ou=Dynamic,o=Intranet", LDAP_SCOPE_SUBTREE, "(cn=anne)", "1.1", NULL, &r);
	CHECK_EQ_INT(r.nentries, 1);
	td_result_free(&r);
	td_search(&T, "ou=Dynamic,o=Intranet", LDAP_SCOPE_SUBTREE, "(cn;lang-fr=ann)", "1.1",
	    NULL, &r);
	CHECK_EQ_INT(r.nentries, 0);
	td_result_free(&r);
	td_search(&T, "ou=Dynamic,o=Intranet", LDAP_SCOPE_SUBTREE, "(sn;lang-fr=Annick)", "1.1",
	    NULL, &r);
	CHECK_EQ_INT(r.nentries, 1);
	td_result_free(&r);
	/* Compare. */
	CHECK_EQ_INT(dir_compare(T.d, td_ctx(&T), td_s("cn=Ann,ou=Dynamic,o=Intranet"),
	    td_s("cn;lang-fr"), td_s("ANNE"), &res), LDAP_COMPARE_TRUE);
	CHECK_EQ_INT(dir_compare(T.d, td_ctx(&T), td_s("cn=Ann,ou=Dynamic,o=Intranet"),
	    td_s("cn;lang-fr"), td_s("Ann"), &res), LDAP_COMPARE_FALSE);
	CHECK_EQ_INT(dir_compare(T.d, td_ctx(&T), td_s("cn=Ann,ou=Dynamic,o=Intranet"),
	    td_s("cn;lang-de"), td_s("Ann"), &res), LDAP_NO_SUCH_ATTRIBUTE);
	/* An unrecognised option is an unknown type. */
	CHECK_EQ_INT(td_add(&T, "cn=Bo,ou=Dynamic,o=Intranet", "objectClass: person\ncn: Bo\n"
	    "sn: B\nsn;weird: x\n", 0, &res), LDAP_UNDEFINED_ATTRIBUTE_TYPE);
}

int
main(void)
{
	td_setup("test_dir_options");
	if (td_open(&T, NULL) != 0)
		return 2;
	RUN(canonical_keys);
	RUN(selection);
	RUN(operations);
	td_close(&T);
	td_teardown();
	return test_summary();
}
