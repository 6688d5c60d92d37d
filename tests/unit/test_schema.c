/*
 * test_schema.c - the schema module: loading the shipped files, parse
 * errors with exact file:line, aliases and inheritance, the ILS name map,
 * matching rules, syntax checks, entry checks and reference counting.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ldap/ldap_const.h"
#include "schema/schema.h"
#include "test.h"

static schema *S;	/* the shipped schema, loaded once */
static char errbuf[512];

static const char *
schema_dir(void)
{
	const char *d = getenv("ILSD_SCHEMA_DIR");
	return d && *d ? d : ILSD_SOURCE_SCHEMA_DIR;
}

static ber_slice
sl(const char *s)
{
	return (ber_slice){ (const uint8_t *)s, strlen(s) };
}

static const schema_attr *
A(const char *name)
{
	return schema_find_attr(S, name, strlen(name));
}

static const schema_class *
C(const char *name)
{
	return schema_find_class(S, name, strlen(name));
}

/* ---- loading the shipped files ---- */

TEST(load_shipped_dir)
{
	CHECK(S != NULL);
	CHECK(schema_attr_count(S) > 100);
	CHECK(schema_class_count(S) >= 18);
	CHECK(A("objectClass") != NULL);
	CHECK(C("top") != NULL);
	CHECK_EQ_INT(C("top")->kind, SCHEMA_CLASS_ABSTRACT);
	CHECK(C("dynamicObject") != NULL);
	CHECK_EQ_INT(C("dynamicObject")->kind, SCHEMA_CLASS_AUXILIARY);
	CHECK_STR(C("dynamicObject")->oid, LDAP_OID_DYNAMIC_OBJECT);
	CHECK(C("extensibleObject") != NULL);
	CHECK(C("subschema") != NULL);
	CHECK(C("inetOrgPerson") != NULL);
	CHECK(C("dcObject") != NULL);
	/* every operational attribute the server publishes */
	static const char *const ops[] = { "createTimestamp", "modifyTimestamp",
		"creatorsName", "modifiersName", "entryUUID", "structuralObjectClass",
		"hasSubordinates", "subschemaSubentry", "entryDN", "attributeTypes",
		"objectClasses", "ldapSyntaxes", "matchingRules", "namingContexts",
		"supportedControl", "supportedExtension", "supportedLDAPVersion",
		"supportedSASLMechanisms", "supportedFeatures", "vendorName", "vendorVersion",
		"altServer", "defaultNamingContext", "entryTtl" };
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		const schema_attr *at = A(ops[i]);
		CHECK(at != NULL);
		if (at != NULL && at->usage == SCHEMA_USAGE_USER)
			fprintf(stderr, "  %s is a user attribute\n", ops[i]);
		CHECK(at != NULL && at->usage != SCHEMA_USAGE_USER);
	}
	CHECK(A("defaultNamingContext")->single_value);
	CHECK_STR(A("entryUUID")->oid, "1.3.6.1.1.16.4");
}

TEST(ils_classes)
{
	const schema_class *p = C("rtPerson"), *au = C("RTApplicationUser"),
	    *conf = C("rtconference");

	CHECK(p != NULL && au != NULL && conf != NULL);
	if (!p || !au || !conf)
		return;
	CHECK_STR(p->oid, "1.2.840.113556.1.4.611."
	    "1103010708051504150108150101130009121504000012000415120210000708");
	CHECK_STR(au->oid, "1.2.840.113556.1.4.611."
	    "1103010708051503150108150101130009121504000012000415120210000708");
	CHECK_STR(conf->oid, "1.2.840.113556.1.4.611."
	    "1103010708051501150108150101130009121504000012000415120210000708");
	CHECK_EQ_INT(p->kind, SCHEMA_CLASS_STRUCTURAL);
	CHECK(p->nsups == 1 && p->sups[0] == C("top"));
	CHECK(p->nmust == 1 && p->must[0] == A("cn"));
	CHECK(conf->nmust == 1 && conf->must[0] == A("uid"));
	CHECK(schema_find_class(S, p->oid, strlen(p->oid)) == p);

	const schema_attr *sd = A("ntSecurityDescriptor");
	CHECK(sd != NULL && sd->single_value);
	CHECK_STR(sd->syntax->oid, "1.3.6.1.4.1.1466.115.121.1.40");
	CHECK_EQ_INT(sd->equality->match, SCHEMA_MATCH_OCTET);
	CHECK_STR(sd->oid, "1.2.840.113556.1.5.108."
	    "1103010708070215150108150101130009121504000012000415120210000708");
	CHECK_STR(A("schemaIDGUID")->oid, "1.2.840.113556.1.4.148");
	CHECK(!A("port")->single_value);
	CHECK(!A("protocolID")->single_value);
	CHECK(!A("protocolMimeType")->single_value);
	CHECK(A("sFlags")->single_value);
	CHECK_EQ_INT(A("ilsa26214430")->equality->match, SCHEMA_MATCH_CASE_IGNORE);
	/* sipaddress is an alias, never an attribute type */
	CHECK(A("sipaddress") == NULL);
	CHECK(A("sappid") == NULL);
	CHECK(A("sttl") == NULL);

	const schema_attr *ttl = A("entryTtl");
	CHECK_STR(ttl->oid, LDAP_OID_ENTRY_TTL);
	CHECK(ttl->single_value && ttl->no_user_mod);
	CHECK_EQ_INT(ttl->usage, SCHEMA_USAGE_DSA_OPERATION);
	CHECK_EQ_INT(ttl->syntax->check, SCHEMA_SYNTAX_INTEGER);
}

TEST(aliases_resolve_to_one_type)
{
	static const char *const pairs[][2] = { { "sn", "surname" }, { "mail", "rfc822Mailbox" },
		{ "gn", "givenName" }, { "c", "countryName" }, { "uid", "userid" },
		{ "cn", "commonName" }, { "o", "organizationName" }, { "cn", "2.5.4.3" },
		{ "CN", "COMMONNAME" }, { "surName", "2.5.4.4" } };

	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		const schema_attr *a = A(pairs[i][0]), *b = A(pairs[i][1]);
		CHECK(a != NULL);
		CHECK(a == b);
	}
	CHECK_STR(A("surname")->key, "sn");
	CHECK_STR(A("rfc822mailbox")->key, "mail");
	CHECK_STR(A("GN")->key, "givenname");
	CHECK_STR(A("ILSA26214430")->key, "ilsa26214430");
	CHECK_STR(A("commonName")->names[0], "cn");
	CHECK_EQ_INT(A("cn")->nnames, 2);
	CHECK(A("cn;binary") == A("cn"));
	CHECK(A("nosuchattr") == NULL);
	CHECK(A("") == NULL);
	CHECK(schema_find_mrule(S, "CASEIGNOREMATCH", 15) != NULL);
	CHECK(schema_find_mrule(S, "2.5.13.2", 8) == schema_find_mrule(S, "caseIgnoreMatch", 15));
}

TEST(attr_key)
{
	char out[64];

	CHECK_EQ_INT(schema_attr_key(S, "commonName", 10, out, sizeof(out)), 2);
	CHECK_STR(out, "cn");
	CHECK_EQ_INT(schema_attr_key(S, "SurName;lang-de", 15, out, sizeof(out)), 2);
	CHECK_STR(out, "sn");
	CHECK_EQ_INT(schema_attr_key(S, "0.9.2342.19200300.100.1.3", 25, out, sizeof(out)), 4);
	CHECK_STR(out, "mail");
	CHECK_EQ_INT(schema_attr_key(S, "ILSA12345678", 12, out, sizeof(out)), 12);
	CHECK_STR(out, "ilsa12345678");
	CHECK_EQ_INT(schema_attr_key(S, "sIPAddress", 10, out, sizeof(out)), 10);
	CHECK_STR(out, "sipaddress");
	CHECK_EQ_INT(schema_attr_key(S, "givenName", 9, out, 9), 0);	/* needs 10 */
	CHECK_EQ_INT(schema_attr_key(S, "givenName", 9, out, 10), 9);
}

TEST(inheritance)
{
	const schema_attr *cn = A("cn"), *name = A("name"), *c = A("c"), *member = A("member");

	CHECK(cn->sup == name);
	CHECK(cn->equality == name->equality);
	CHECK_STR(cn->equality->name, "caseIgnoreMatch");
	CHECK_STR(cn->substr->name, "caseIgnoreSubstringsMatch");
	CHECK(cn->ordering == NULL);
	CHECK(cn->syntax == name->syntax);
	CHECK_STR(cn->syntax->desc, "Directory String");
	/* c overrides the syntax but inherits the rules */
	CHECK_STR(c->syntax->desc, "Country String");
	CHECK_STR(c->equality->name, "caseIgnoreMatch");
	CHECK(c->single_value && !name->single_value);
	CHECK_STR(member->equality->name, "distinguishedNameMatch");
	CHECK_EQ_INT(member->syntax->check, SCHEMA_SYNTAX_DN);
	CHECK_EQ_INT(A("mail")->syntax_len, 256);
}

TEST(published_text)
{
	CHECK_STR(A("cn")->text, "( 2.5.4.3 NAME ( 'cn' 'commonName' ) SUP name )");
	CHECK_STR(C("top")->text, "( 2.5.6.0 NAME 'top' ABSTRACT MUST objectClass )");
	CHECK_STR(A("objectClass")->text, "( 2.5.4.0 NAME 'objectClass' EQUALITY "
	    "objectIdentifierMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.38 )");
	for (size_t i = 0; i < schema_attr_count(S); i++) {
		const char *t = schema_attr_at(S, i)->text;
		size_t n = strlen(t);
		CHECK(n > 4 && strncmp(t, "( ", 2) == 0 && strcmp(t + n - 2, " )") == 0);
		CHECK(strpbrk(t, "\n\t") == NULL);
	}
	for (size_t i = 0; i < schema_class_count(S); i++)
		CHECK(strpbrk(schema_class_at(S, i)->text, "\n\t#") == NULL);
	CHECK(schema_attr_at(S, schema_attr_count(S)) == NULL);
	CHECK(schema_class_at(S, schema_class_count(S)) == NULL);

	char buf[256];
	const schema_syntax *sx = NULL;
	for (size_t i = 0; i < schema_syntax_count(S); i++)
		if (strcmp(schema_syntax_at(S, i)->desc, "Directory String") == 0)
			sx = schema_syntax_at(S, i);
	CHECK(sx != NULL);
	CHECK(schema_syntax_text(sx, buf, sizeof(buf)) > 0);
	CHECK_STR(buf, "( 1.3.6.1.4.1.1466.115.121.1.15 DESC 'Directory String' )");
	CHECK_EQ_INT(schema_syntax_text(sx, buf, 10), 0);
	const schema_mrule *mr = schema_find_mrule(S, "integerMatch", 12);
	CHECK(schema_mrule_text(mr, buf, sizeof(buf)) > 0);
	CHECK_STR(buf, "( 2.5.13.14 NAME 'integerMatch' SYNTAX 1.3.6.1.4.1.1466.115.121.1.27 )");
	CHECK(schema_mrule_count(S) >= 20);
	CHECK(schema_mrule_at(S, schema_mrule_count(S)) == NULL);
}

/* ---- the ILS name map ---- */

TEST(ils_name_map)
{
	static const char *const want[][2] = { { "sappid", "applicationID" },
		{ "sappguid", "guid" }, { "sappname", "appName" }, { "sipaddress", "ipAddress" },
		{ "smimetype", "mimeType" }, { "sport", "port" }, { "sprotid", "protocolID" },
		{ "sprotguid", "protocolGUID" }, { "sprotmimetype", "protocolMimeType" },
		{ "ssecurity", "securityToken" }, { "sttl", "entryTtl" } };

	CHECK_EQ_INT(schema_alias_count(S), 11);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const schema_alias *al = schema_find_alias(S, want[i][0], strlen(want[i][0]));
		CHECK(al != NULL);
		if (al == NULL)
			continue;
		CHECK_STR(al->attr, want[i][1]);
		CHECK(A(al->attr) != NULL);
		CHECK_EQ_INT(al->scale, strcmp(want[i][0], "sttl") == 0 ? 60 : 1);
	}
	CHECK(schema_find_alias(S, "SIPADDRESS", 10) == schema_find_alias(S, "sipaddress", 10));
	CHECK(schema_find_alias(S, "sIPAddress", 10) != NULL);
	CHECK(schema_find_alias(S, "sn", 2) == NULL);
	CHECK(schema_find_alias(S, "cn", 2) == NULL);
	CHECK(schema_find_alias(S, "sipaddres", 9) == NULL);
	CHECK_STR(schema_alias_at(S, 0)->ils_name, "sappid");
	CHECK(schema_alias_at(S, 11) == NULL);
}

/* ---- parse errors: exact file:line ---- */

static const char *MIN = "attributetype ( 9.9.1 NAME 'objectClass' SYNTAX "
			 "1.3.6.1.4.1.1466.115.121.1.38 )\n";

static void
expect_error(const char *text, const char *want)
{
	schema *s = schema_load_text("t.schema", text, strlen(text), errbuf, sizeof(errbuf));

	CHECK(s == NULL);
	if (strcmp(errbuf, want) != 0)
		fprintf(stderr, "  text: %s\n  got:  %s\n  want: %s\n", text, errbuf, want);
	CHECK_STR(errbuf, want);
	schema_unref(s);
}

TEST(parse_errors)
{
	expect_error("attributetype ( 1.1.1 NAME 'a' SUP nothere )",
	    "t.schema:1: unknown SUP 'nothere' (not an attribute type)");
	expect_error("attributetype ( 1.1.1 NAME 'a' SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 )\n"
	    "# comment\n"
	    "attributetype ( 1.1.1 NAME 'b' SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 )\n",
	    "t.schema:3: duplicate OID 1.1.1");
	expect_error("attributetype ( 1.1.1 NAME 'abc' SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 )\n"
	    "attributetype ( 1.1.2\n"
	    "    NAME ( 'x' 'ABC' ) SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 )\n",
	    "t.schema:3: duplicate attribute type name 'ABC'");
	expect_error("attributetype ( 1.1.1 NAME 'a' SYNTAX 1.3.6.1.4.1.1466.115.121.1.15\n"
	    "\n"
	    "attributetype ( 1.1.2 NAME 'b' SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 )\n",
	    "t.schema:1: unterminated parenthesis");
	expect_error("# header\n\nobjectclass ( 1.1.9 NAME 'x'\n  SUP top\n",
	    "t.schema:3: unterminated parenthesis");
	expect_error("attributetype ( 1.1.1 NAME 'a'\n\tSYNTAX 1.2.3.4 )",
	    "t.schema:2: unknown syntax '1.2.3.4'");
	expect_error("attributetype ( 1.1.1 NAME 'a'\n\tEQUALITY fooMatch\n"
	    "\tSYNTAX 1.3.6.1.4.1.1466.115.121.1.15 )",
	    "t.schema:2: unknown matching rule 'fooMatch'");
	expect_error("attributetype ( 1.1.1 NAME 'a' EQUALITY caseIgnoreOrderingMatch "
	    "SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 )",
	    "t.schema:1: 'caseIgnoreOrderingMatch' is not an equality matching rule");
	expect_error("attributetype ( 1.1.1 NAME 'a' SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 )\n"
	    "objectclass ( 1.1.5 NAME 'x'\n"
	    "\tMUST ( a $\n"
	    "\t\tnope ) )\n",
	    "t.schema:4: MUST names unknown attribute type 'nope'");
	expect_error("attributetype ( 1.1.1 NAME 'a' SUP b )\n"
	    "attributetype ( 1.1.2 NAME 'b' SUP c )\n"
	    "attributetype ( 1.1.3 NAME 'c' SUP a )\n",
	    "t.schema:1: cycle in SUP of attribute type 'a'");
	expect_error("objectclass ( 1.1.1 NAME 'x' SUP y )\n"
	    "objectclass ( 1.1.2 NAME 'y' SUP x )\n",
	    "t.schema:2: cycle in SUP of object class 'y'");
	expect_error("objectclass ( 1.1.1 NAME 'x' SUP missing )",
	    "t.schema:1: unknown SUP 'missing' (not an object class)");
	expect_error("attributetype ( 1.1.1 NAME 'ab\n' )",
	    "t.schema:1: unterminated quoted string");
	expect_error("attribute ( 1.1.1 )", "t.schema:1: unknown statement 'attribute'");
	expect_error("\n\nattributetype ( 1.1.1 NAME 'a' )",
	    "t.schema:3: attribute type 'a' has neither SYNTAX nor SUP");
	expect_error("attributetype ( foo NAME 'a' )", "t.schema:1: invalid numeric OID 'foo'");
	expect_error("attributetype ( 1.01 NAME 'a' )", "t.schema:1: invalid numeric OID '1.01'");
	expect_error("attributetype ( 1.1.1 NAME 'a' SYNTAX 1.3.6.1.4.1.1466.115.121.1.15\n"
	    "  BOGUS )", "t.schema:2: unknown keyword 'BOGUS' in attribute type");
	expect_error("attributetype ( 1.1.1 NAME 'a' SINGLE-VALUE SINGLE-VALUE )",
	    "t.schema:1: duplicate SINGLE-VALUE");
	expect_error("ldapsyntax ( 1.1.1 DESC 'x' )",
	    "t.schema:1: 'ldapsyntax' is not supported: syntaxes and matching rules are built in");
	expect_error("objectclass 1.1.1 NAME 'x'", "t.schema:1: expected '(' after 'objectclass'");
	expect_error("attributetype ( 1.1.1 NAME 'a' DESC 'x\\41y' )",
	    "t.schema:1: bad escape in quoted string");
	expect_error("attributetype ( 1.1.1 NAME '1a' )", "t.schema:1: invalid name '1a'");
	expect_error("objectclass ( 1.1.1 NAME 'aux' AUXILIARY )\n"
	    "objectclass ( 1.1.2 NAME 's' STRUCTURAL SUP aux )\n",
	    "t.schema:2: structural class 's' cannot have auxiliary superclass 'aux'");
	expect_error("objectclass ( 1.1.1 NAME 'x' ABSTRACT STRUCTURAL )",
	    "t.schema:1: more than one of ABSTRACT, STRUCTURAL, AUXILIARY");
	expect_error("attributetype ( 1.1.1 NAME 'a' SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 "
	    "USAGE dSAOperation )\nattributetype ( 1.1.2 NAME 'b' SUP a )",
	    "t.schema:2: attribute type 'b' has a USAGE different from its SUP 'a'");
	expect_error("attributetype ( 1.1.1 NAME 'a' SYNTAX 1.3.6.1.4.1.1466.115.121.1.15{x} )",
	    "t.schema:1: bad syntax length in '1.3.6.1.4.1.1466.115.121.1.15{x}'");
	expect_error("objectclass ( 1.1.1 NAME 'x'\n  MAY ( a $ objectClass\n"
	    "objectclass ( 1.1.2 NAME 'y' )\n", "t.schema:2: unterminated parenthesis");
	expect_error("objectclass ( 1.1.1 NAME 'x' MAY ( a b ) )",
	    "t.schema:1: expected '$' or ')', found 'b'");
	expect_error("attributetype ( 2.5.13.2 NAME 'a' SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 )",
	    "t.schema:1: duplicate OID 2.5.13.2");
	expect_error("attributetype ( 1.1.1 NAME 'a' USAGE sometimes )",
	    "t.schema:1: expected a USAGE value, found 'sometimes'");
	/* an error text never overflows the buffer */
	char small[12];
	schema *s = schema_load_text("t.schema", "x", 1, small, sizeof(small));
	CHECK(s == NULL);
	CHECK_EQ_INT(strlen(small), sizeof(small) - 1);
}

TEST(parse_good_text)
{
	const char *text = "# a comment ( with a paren\n"
			   "attributetype ( 1.1.1 NAME ( 'alpha' 'A1' )\n"
			   "    DESC 'it\\27s a \\5C test'   # trailing comment\n"
			   "    EQUALITY caseIgnoreMatch SUBSTR 2.5.13.4\n"
			   "    SYNTAX 1.3.6.1.4.1.1466.115.121.1.15{64}\n"
			   "    X-ORIGIN ( 'test' 'more' ) )\n"
			   "attributetypes: ( 1.1.2 NAME 'beta' SUP alpha SINGLE-VALUE X-X 'y' )\n"
			   "ObjectClass ( 1.1.3 NAME 'thing' MUST alpha MAY ( beta $ 1.1.2 ) )\n"
			   "attributetype ( 1.1.4 SYNTAX 1.3.6.1.4.1.1466.115.121.1.27 )\n";
	schema *s = schema_load_text("g.schema", text, strlen(text), errbuf, sizeof(errbuf));

	CHECK(s != NULL);
	if (s == NULL) {
		fprintf(stderr, "  %s\n", errbuf);
		return;
	}
	CHECK_STR(errbuf, "");
	const schema_attr *a = schema_find_attr(s, "a1", 2), *b = schema_find_attr(s, "BETA", 4);
	CHECK(a != NULL && a == schema_find_attr(s, "alpha", 5));
	CHECK_STR(a->desc, "it's a \\ test");
	CHECK_EQ_INT(a->syntax_len, 64);
	CHECK_STR(a->substr->name, "caseIgnoreSubstringsMatch");
	CHECK_STR(a->text, "( 1.1.1 NAME ( 'alpha' 'A1' ) DESC 'it\\27s a \\5C test' EQUALITY "
	    "caseIgnoreMatch SUBSTR 2.5.13.4 SYNTAX 1.3.6.1.4.1.1466.115.121.1.15{64} X-ORIGIN "
	    "( 'test' 'more' ) )");
	CHECK(b->sup == a && b->single_value && b->equality == a->equality);
	CHECK_EQ_INT(b->syntax_len, 64);
	const schema_class *t = schema_find_class(s, "THING", 5);
	CHECK(t != NULL && t->kind == SCHEMA_CLASS_STRUCTURAL);
	CHECK(t->nmay == 2 && t->may[0] == b && t->may[1] == b);
	const schema_attr *anon = schema_find_attr(s, "1.1.4", 5);
	CHECK(anon != NULL && anon->nnames == 0);
	CHECK_STR(anon->key, "1.1.4");
	CHECK_EQ_INT(schema_attr_count(s), 3);
	CHECK(schema_attr_at(s, 0) == a);	/* definition order */
	CHECK_EQ_INT(schema_alias_count(s), 0);
	schema_unref(s);

	s = schema_load_text("empty", "", 0, errbuf, sizeof(errbuf));
	CHECK(s != NULL && schema_attr_count(s) == 0);
	schema_unref(s);
}

/* ---- directory loading, order and the name map's errors ---- */

static char tmpdir[512];

static void
write_file(const char *name, const char *text)
{
	char path[700];
	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	FILE *f = fopen(path, "w");
	CHECK(f != NULL);
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static void
remove_file(const char *name)
{
	char path[700];
	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	unlink(path);
}

static void
expect_dir_error(const char *want_suffix)
{
	schema *s = schema_load_dir(tmpdir, errbuf, sizeof(errbuf));
	size_t n = strlen(errbuf), m = strlen(want_suffix);

	CHECK(s == NULL);
	CHECK(strncmp(errbuf, tmpdir, strlen(tmpdir)) == 0);
	if (n < m || strcmp(errbuf + n - m, want_suffix) != 0)
		fprintf(stderr, "  got %s\n  want ...%s\n", errbuf, want_suffix);
	CHECK(n >= m && strcmp(errbuf + n - m, want_suffix) == 0);
	schema_unref(s);
}

static int
make_tmpdir(void)
{
	const char *base = getenv("ILSD_TEST_TMP");
	if (base == NULL || *base == '\0')
		base = "/tmp";
	mkdir(base, 0700);
	snprintf(tmpdir, sizeof(tmpdir), "%s/schema-XXXXXX", base);
	return mkdtemp(tmpdir) ? 0 : -1;
}

TEST(load_dir_order_and_map_errors)
{
	CHECK(make_tmpdir() == 0);
	/* 10-b refers to what 00-a defines; a file that sorts later sees earlier ones */
	write_file("00-a.schema", MIN);
	write_file("10-b.schema", "objectclass ( 9.9.2 NAME 'top' ABSTRACT MUST objectClass )\n"
				  "attributetype ( 9.9.3 NAME 'name' SUP objectClass )\n");
	write_file("README", "not a schema file ( at all");
	write_file(".hidden.schema", "garbage (");
	write_file("names.map", "# map\n\nsfoo name 1\n");
	schema *s = schema_load_dir(tmpdir, errbuf, sizeof(errbuf));
	CHECK(s != NULL);
	if (s == NULL)
		fprintf(stderr, "  %s\n", errbuf);
	CHECK(s && schema_find_alias(s, "SFOO", 4) != NULL);
	schema_unref(s);

	write_file("20-c.schema", "\nattributetype ( 9.9.4 NAME 'Name' SUP objectClass )\n");
	expect_dir_error("/20-c.schema:2: duplicate attribute type name 'Name'");
	remove_file("20-c.schema");

	write_file("names.map", "sfoo name\n\n  sbar   nothere  # comment\n");
	expect_dir_error("/names.map:3: unknown attribute type 'nothere'");
	write_file("names.map", "sfoo name\nSFOO objectClass\n");
	expect_dir_error("/names.map:2: duplicate ILS name 'SFOO'");
	write_file("names.map", "name objectClass\n");
	expect_dir_error("/names.map:1: 'name' is already an attribute type name");
	write_file("names.map", "sfoo name 0\n");
	expect_dir_error("/names.map:1: bad scale '0' (a positive integer)");
	write_file("names.map", "sfoo name 60 extra\n");
	expect_dir_error("/names.map:1: too many fields");
	write_file("names.map", "sfoo\n");
	expect_dir_error("/names.map:1: expected 'ilsname attribute [scale]'");
	write_file("names.map", "s_foo name\n");
	expect_dir_error("/names.map:1: invalid ILS name 's_foo'");
	remove_file("names.map");

	remove_file("10-b.schema");
	expect_dir_error(": no object class 'top'");
	remove_file("00-a.schema");
	expect_dir_error(": no *.schema file");
	remove_file("README");
	remove_file(".hidden.schema");
	rmdir(tmpdir);
	CHECK(schema_load_dir("/nonexistent/ilsd-schema", errbuf, sizeof(errbuf)) == NULL);
	CHECK(strstr(errbuf, "/nonexistent/ilsd-schema: ") == errbuf);
}

/* ---- matching ---- */

static int
order(const char *attr, const char *a, const char *b, bool *ok)
{
	return schema_value_order(attr ? A(attr) : NULL, sl(a), sl(b), ok);
}

static bool
eq(const char *attr, const char *a, const char *b)
{
	const schema_attr *at = attr ? A(attr) : NULL;
	bool r = schema_value_equal(at, sl(a), sl(b));
	/* the normal forms agree with the comparison */
	char na[256], nb[256];
	size_t la = schema_value_normalize(at, sl(a), na, sizeof(na));
	size_t lb = schema_value_normalize(at, sl(b), nb, sizeof(nb));
	bool nr = la == lb && memcmp(na, nb, la) == 0;
	if (nr != r)
		fprintf(stderr, "  normalize disagrees for %s: '%s' '%s'\n", attr, a, b);
	CHECK(nr == r);
	return r;
}

TEST(match_integer)
{
	bool ok;

	CHECK(order("entryTtl", "10", "9", &ok) > 0 && ok);
	CHECK(order("entryTtl", "9", "10", &ok) < 0 && ok);
	CHECK(order("entryTtl", "-5", "3", &ok) < 0 && ok);
	CHECK(order("entryTtl", "-10", "-9", &ok) < 0 && ok);
	CHECK(order("entryTtl", "0", "-1", &ok) > 0 && ok);
	CHECK(order("entryTtl", "123456789012345678901234567890", "99999999999999999999", &ok) > 0);
	CHECK(order("entryTtl", "-123456789012345678901234567890", "-99999999999999999999",
	    &ok) < 0);
	CHECK(order("entryTtl", "42", "42", &ok) == 0 && ok);
	order("entryTtl", "4x", "42", &ok);
	CHECK(!ok);
	CHECK(eq("entryTtl", "007", "7"));
	CHECK(eq("entryTtl", "0", "-0"));
	CHECK(eq("entryTtl", "1800", "1800"));
	CHECK(!eq("entryTtl", "1800", "180"));
	CHECK(!eq("entryTtl", "-5", "5"));
	char out[32];
	CHECK_EQ_INT(schema_value_normalize(A("entryTtl"), sl("-007"), out, sizeof(out)), 2);
	CHECK_STR(out, "-7");

	const schema_attr *t = A("entryTtl");
	CHECK(schema_value_valid(t, sl("0")));
	CHECK(schema_value_valid(t, sl("-12")));
	CHECK(schema_value_valid(t, sl("1800")));
	CHECK(schema_value_valid(t, sl("123456789012345678901234567890")));
	CHECK(!schema_value_valid(t, sl("")));
	CHECK(!schema_value_valid(t, sl("-")));
	CHECK(!schema_value_valid(t, sl("00")));
	CHECK(!schema_value_valid(t, sl("-0")));
	CHECK(!schema_value_valid(t, sl("012")));
	CHECK(!schema_value_valid(t, sl("12a")));
	CHECK(!schema_value_valid(t, sl(" 12")));
	CHECK(!schema_value_valid(t, sl("+12")));
}

TEST(match_case_ignore)
{
	bool ok;

	CHECK(eq("cn", "Foo  Bar", " foo bar"));
	CHECK(eq("cn", "  FOO bar  ", "foo BAR"));
	CHECK(!eq("cn", "foo bar", "foobar"));
	CHECK(!eq("cn", "foo", "foo bar"));
	CHECK(eq("cn", "", "   "));
	/* ASCII folding only: Latin-1 bytes compare exactly */
	CHECK(!eq("givenName", "\xC9mile", "\xE9mile"));
	CHECK(eq("givenName", "\xC9MILE", "\xC9mile"));
	CHECK(eq("givenName", "J\xFCrgen", "j\xFCRGEN"));
	CHECK(eq(NULL, "Foo  Bar", "foo bar"));	/* unknown attribute: caseIgnore */
	CHECK(eq("sappid", "MS-NetMeeting", "ms-netmeeting"));
	CHECK(eq("ILSA32833566", "1", "1"));
	CHECK(eq("protocolID", "H323", "h323"));
	CHECK(order(NULL, "abc", "ABD", &ok) < 0 && ok);
	CHECK(order("dnQualifier", "B", "a", &ok) > 0 && ok);
	order("cn", "a", "b", &ok);
	CHECK(!ok);	/* cn has no ORDERING rule */
	char out[64];
	CHECK_EQ_INT(schema_value_normalize(A("cn"), sl("  Foo   Bar "), out, sizeof(out)), 7);
	CHECK_STR(out, "foo bar");
	CHECK_EQ_INT(schema_value_normalize(A("cn"), sl("toolong"), out, 7), 0);
	CHECK_EQ_INT(schema_value_normalize(A("cn"), sl("toolong"), out, 8), 7);
}

TEST(match_other_rules)
{
	bool ok;

	CHECK(!eq("labeledURI", "Foo", "foo"));	/* caseExact */
	CHECK(eq("labeledURI", "a  b ", "a b"));
	CHECK(!eq("userPassword", "a", "A"));	/* octetString */
	CHECK(!eq("userPassword", " a", "a"));
	CHECK(eq("ntSecurityDescriptor", "\x01\x00\x04", "\x01\x00\x04"));
	CHECK(eq("telephoneNumber", "+1 555-1234", "+15551234"));
	CHECK(!eq("telephoneNumber", "+1 555-1234", "+15551235"));
	CHECK(eq("x121Address", "12 34", "1234"));
	CHECK(eq("hasSubordinates", "TRUE", "TRUE"));
	CHECK(!eq("hasSubordinates", "TRUE", "FALSE"));
	CHECK(eq("objectClass", "rtPerson", "RTPERSON"));
	CHECK(eq("objectClass", "person", "2.5.6.6"));
	CHECK(eq("objectClass", "2.16.840.1.113730.3.2.2", "InetOrgPerson"));
	CHECK(!eq("objectClass", "person", "organizationalPerson"));
	CHECK(eq("supportedFeatures", "1.3.6.1.4.1.4203.1.5.1", "1.3.6.1.4.1.4203.1.5.1"));
	/* generalizedTime: normalised to UTC */
	CHECK(eq("createTimestamp", "20240101120000Z", "20240101130000+0100"));
	CHECK(eq("createTimestamp", "20240101120000Z", "202401011000-0200"));
	CHECK(eq("createTimestamp", "2024010112Z", "20240101120000.000Z"));
	CHECK(eq("createTimestamp", "20240101120030Z", "202401011200.5Z"));
	CHECK(!eq("createTimestamp", "20240101120000Z", "20240101120001Z"));
	CHECK(order("createTimestamp", "202401011200Z", "20240101120001Z", &ok) < 0 && ok);
	CHECK(order("createTimestamp", "20240101120000.5Z", "20240101120000Z", &ok) > 0);
	CHECK(order("createTimestamp", "19991231235959Z", "20000101000000Z", &ok) < 0);
	CHECK(order("createTimestamp", "20240101000000+0100", "20231231233000Z", &ok) < 0);
	/* DN: case, spaces and attribute type names are insignificant */
	CHECK(eq("member", "CN=Foo, O=Bar", "cn=foo,o=bar"));
	CHECK(eq("member", "commonName=foo,o=bar", "cn=foo,o=bar"));
	CHECK(eq("member", "cn=foo,organizationName=bar", "CN=FOO,O=BAR"));
	CHECK(!eq("member", "cn=foo,o=bar", "cn=foo,o=baz"));
	CHECK(eq("member", "", ""));
	char out[64];
	CHECK(schema_value_normalize(A("member"), sl("CommonName = Foo , O=Bar"), out,
	    sizeof(out)) > 0);
	CHECK_STR(out, "cn=foo,o=bar");
	CHECK(schema_value_normalize(A("objectClass"), sl("2.5.6.6"), out, sizeof(out)) == 6);
	CHECK_STR(out, "person");
	CHECK(schema_value_normalize(A("createTimestamp"), sl("19700101000001Z"), out,
	    sizeof(out)) > 0);
	CHECK_STR(out, "1.000000000");
}

static bool
sub(const char *attr, const char *value, const char *initial, const char *any1,
    const char *any2, const char *final)
{
	schema_substr parts[4];
	size_t n = 0;

	if (initial)
		parts[n++] = (schema_substr){ 0, sl(initial) };
	if (any1)
		parts[n++] = (schema_substr){ 1, sl(any1) };
	if (any2)
		parts[n++] = (schema_substr){ 1, sl(any2) };
	if (final)
		parts[n++] = (schema_substr){ 2, sl(final) };
	return schema_value_substr(attr ? A(attr) : NULL, sl(value), parts, n);
}

TEST(match_substrings)
{
	CHECK(sub("cn", "Foo Bar Baz", "foo", "BAR", NULL, "baz"));
	CHECK(sub("cn", "Foo Bar Baz", "FOO", NULL, NULL, NULL));
	CHECK(!sub("cn", "Foo Bar Baz", "bar", NULL, NULL, NULL));
	CHECK(sub("cn", "Foo Bar Baz", NULL, NULL, NULL, "R BAZ"));
	CHECK(sub("cn", "Foo   Bar", NULL, "o b", NULL, NULL));
	CHECK(sub("cn", "  eggs", "eg", NULL, NULL, NULL));	/* (cn=eg*) */
	CHECK(!sub("cn", "abc", "ab", NULL, NULL, "bc"));	/* parts may not overlap */
	CHECK(sub("cn", "abcbc", "ab", NULL, NULL, "bc"));
	CHECK(sub("cn", "a-b-c", NULL, "b", "c", NULL));
	CHECK(!sub("cn", "a-b-c", NULL, "c", "b", NULL));	/* any parts in order */
	CHECK(sub("cn", "anything", NULL, "", NULL, NULL));
	CHECK(sub("uid", "DemoConf", "Demo", NULL, NULL, NULL));	/* (uid=Demo*) */
	CHECK(sub("cn", "\xC9mile Zola", "\xC9m", NULL, NULL, NULL));
	CHECK(!sub("cn", "\xC9mile Zola", "\xE9m", NULL, NULL, NULL));
	CHECK(sub(NULL, "Hello World", "hello", NULL, NULL, "WORLD"));
	CHECK(sub("labeledURI", "http://X", "http", NULL, NULL, "X"));
	CHECK(!sub("labeledURI", "http://X", NULL, NULL, NULL, "x"));
	CHECK(sub("telephoneNumber", "+1 555-1234", "+1555", NULL, NULL, "1234"));
	/* longer than the stack buffer */
	char big[3000];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	big[1500] = 'Z';
	CHECK(sub("cn", big, "aaa", "z", NULL, "aaa"));
	CHECK(!sub("cn", big, "aaa", "zz", NULL, NULL));
}

TEST(syntax_checks)
{
	const schema_attr *cn = A("cn"), *given = A("givenName");

	/* Directory String: any bytes, ISO-8859-1 and empty included */
	CHECK(schema_value_valid(cn, sl("\xC9mile \xFC\xFF")));
	CHECK(schema_value_valid(given, sl("")));
	CHECK(schema_value_valid(A("c"), sl("-")));
	CHECK(schema_value_valid(A("c"), sl("")));
	CHECK(schema_value_valid(A("mail"), sl("j\xFCrgen@example.de")));
	CHECK(schema_value_valid(A("ntSecurityDescriptor"), (ber_slice){ (const uint8_t *)"\0\1",
	    2 }));
	CHECK(schema_value_valid(NULL, sl("\xff")));
	/* Boolean */
	CHECK(schema_value_valid(A("hasSubordinates"), sl("TRUE")));
	CHECK(schema_value_valid(A("hasSubordinates"), sl("FALSE")));
	CHECK(!schema_value_valid(A("hasSubordinates"), sl("yes")));
	CHECK(!schema_value_valid(A("hasSubordinates"), sl("")));
	/* DN */
	CHECK(schema_value_valid(A("member"), sl("cn=foo,o=bar")));
	CHECK(schema_value_valid(A("member"), sl("")));
	CHECK(!schema_value_valid(A("member"), sl("not a dn")));
	CHECK(!schema_value_valid(A("member"), sl("cn=foo,,o=bar")));
	/* Generalized Time */
	const schema_attr *ts = A("modifyTimestamp");
	CHECK(schema_value_valid(ts, sl("20240229120000Z")));
	CHECK(schema_value_valid(ts, sl("2024010112Z")));
	CHECK(schema_value_valid(ts, sl("202401011200+0530")));
	CHECK(schema_value_valid(ts, sl("20240101120000,123-08")));
	CHECK(schema_value_valid(ts, sl("20161231235960Z")));	/* leap second */
	CHECK(!schema_value_valid(ts, sl("20230229120000Z")));
	CHECK(!schema_value_valid(ts, sl("20240230120000Z")));
	CHECK(!schema_value_valid(ts, sl("20240101120000")));
	CHECK(!schema_value_valid(ts, sl("20240101126000Z")));
	CHECK(!schema_value_valid(ts, sl("20241301120000Z")));
	CHECK(!schema_value_valid(ts, sl("20240101120000Zjunk")));
	CHECK(!schema_value_valid(ts, sl("20240101120000.Z")));
	CHECK(!schema_value_valid(ts, sl("20240101120000+5")));
	CHECK(!schema_value_valid(ts, sl("")));
	/* OID */
	const schema_attr *oc = A("objectClass");
	CHECK(schema_value_valid(oc, sl("rtPerson")));
	CHECK(schema_value_valid(oc, sl("2.5.6.6")));
	CHECK(schema_value_valid(oc, sl("dynamic-Object2")));
	CHECK(!schema_value_valid(oc, sl("1..2")));
	CHECK(!schema_value_valid(oc, sl("-x")));
	CHECK(!schema_value_valid(oc, sl("a b")));
	CHECK(!schema_value_valid(oc, sl("")));
	/* Numeric, Printable, IA5 */
	CHECK(schema_value_valid(A("x121Address"), sl("12 34")));
	CHECK(!schema_value_valid(A("x121Address"), sl("12a")));
	CHECK(!schema_value_valid(A("x121Address"), sl("")));
	CHECK(schema_value_valid(A("serialNumber"), sl("AB-12 (x)")));
	CHECK(!schema_value_valid(A("serialNumber"), sl("a@b")));
	CHECK(!schema_value_valid(A("serialNumber"), sl("")));
	CHECK(schema_value_valid(A("telephoneNumber"), sl("+1 555 1234")));
	CHECK(schema_value_valid(A("dc"), sl("example")));
	CHECK(!schema_value_valid(A("dc"), sl("ex\xE4mple")));
}

/* ---- entry checks ---- */

typedef struct tentry {
	entry e;
	entry_attr attrs[32];
	ber_slice vals[32][8];
} tentry;

static void
tinit(tentry *t)
{
	memset(t, 0, sizeof(*t));
	t->e.attrs = t->attrs;
	t->e.dn = sl("cn=x,o=Intranet");
	t->e.ndn = t->e.dn;
}

/* Adds key/name with values (NULL-terminated list). */
static void
tadd(tentry *t, const char *key, const char *name, ...)
{
	entry_attr *ea = &t->attrs[t->e.nattrs];
	va_list ap;
	const char *v;

	ea->key = sl(key);
	ea->name = sl(name);
	ea->vals = t->vals[t->e.nattrs];
	va_start(ap, name);
	while ((v = va_arg(ap, const char *)) != NULL)
		ea->vals[ea->nvals++] = sl(v);
	va_end(ap);
	t->e.nattrs++;
}

static int
check_entry(tentry *t, char *diag)
{
	return schema_check_entry(S, &t->e, diag, 256);
}

static void
person(tentry *t)
{
	tinit(t);
	tadd(t, "objectclass", "objectClass", "top", "person", NULL);
	tadd(t, "cn", "cn", "Alice", NULL);
	tadd(t, "sn", "surName", "Smith", NULL);
}

TEST(check_valid_entries)
{
	tentry t;
	char diag[256];

	person(&t);
	CHECK_EQ_INT(check_entry(&t, diag), LDAP_SUCCESS);
	CHECK_STR(diag, "");

	tinit(&t);
	tadd(&t, "objectclass", "objectClass", "inetOrgPerson", NULL);	/* superclasses implied */
	tadd(&t, "cn", "cn", "Alice", NULL);
	tadd(&t, "sn", "sn", "Smith", NULL);
	tadd(&t, "mail", "rfc822Mailbox", "alice@example.com", NULL);
	tadd(&t, "givenname", "gn", "Alice", NULL);
	tadd(&t, "createtimestamp", "createTimestamp", "20240101120000Z", NULL);
	tadd(&t, "entryuuid", "entryUUID", "9c0e3a5e-2b0d-4bd0-9a44-1e0f0e2f3a4b", NULL);
	CHECK_EQ_INT(check_entry(&t, diag), LDAP_SUCCESS);

	/* a NetMeeting person: ILS attributes, Latin-1, c=-, empty values */
	tinit(&t);
	tadd(&t, "objectclass", "objectClass", "RTPerson", "DynamicObject", NULL);
	tadd(&t, "cn", "cn", "emile@host", NULL);
	tadd(&t, "givenname", "givenname", "\xC9mile", NULL);
	tadd(&t, "sn", "surname", "Zola", NULL);
	tadd(&t, "mail", "rfc822mailbox", "\xE9mile@example.fr", NULL);
	tadd(&t, "location", "location", "", NULL);
	tadd(&t, "comment", "comment", "", NULL);
	tadd(&t, "c", "c", "-", NULL);
	tadd(&t, "ipaddress", "sipaddress", "1613317642", NULL);
	tadd(&t, "sflags", "sflags", "1", NULL);
	tadd(&t, "securitytoken", "ssecurity", "", NULL);
	tadd(&t, "ilsa26214430", "ilsA26214430", "0", NULL);
	tadd(&t, "ilsa26279966", "ilsA26279966", "84020942", NULL);
	tadd(&t, "ilsa32833566", "ilsA32833566", "1", NULL);
	tadd(&t, "ilsa32964638", "ilsA32964638", "1", NULL);
	tadd(&t, "ilsa39321630", "ilsA39321630", "0", NULL);
	tadd(&t, "smodop", "smodop", "0", NULL);
	tadd(&t, "applicationid", "sappid", "ms-netmeeting", NULL);
	tadd(&t, "mimetype", "smimetype", "text/iuls", NULL);
	tadd(&t, "guid", "sappguid", "008aff194794cf118796444553540000", NULL);
	tadd(&t, "protocolid", "sprotid", "t120", "h323", NULL);
	tadd(&t, "protocolmimetype", "sprotmimetype", "text/t120", "text/h323", NULL);
	tadd(&t, "port", "sport", "1503", "1720", NULL);
	tadd(&t, "entryttl", "entryTtl", "600", NULL);
	CHECK_EQ_INT(check_entry(&t, diag), LDAP_SUCCESS);
	if (diag[0])
		fprintf(stderr, "  %s\n", diag);

	/* a TAPI application user */
	tinit(&t);
	tadd(&t, "objectclass", "ObjectClass", "RTApplicationUser", "DynamicObject", NULL);
	tadd(&t, "cn", "cn", "user]host", NULL);
	tadd(&t, "userobject", "userObject", "cn=user]host,ou=dynamic,o=Intranet", NULL);
	tadd(&t, "applicationid", "applicationID", "ms-netmeeting", NULL);
	tadd(&t, "protocolid", "protocolID", "H323", NULL);
	tadd(&t, "ntsecuritydescriptor", "ntSecurityDescriptor", "\x01\x02", NULL);
	CHECK_EQ_INT(check_entry(&t, diag), LDAP_SUCCESS);

	/* a TAPI conference: uid and no cn */
	tinit(&t);
	tadd(&t, "objectclass", "ObjectClass", "RTConference", "DynamicObject", NULL);
	tadd(&t, "uid", "uid", "Demo", NULL);
	tadd(&t, "protocolid", "protocolId", "IP Conference", NULL);
	tadd(&t, "conferenceblob", "conferenceBlob", "v=0\r\no=x 1 1 IN IP4 10.0.0.1\r\n", NULL);
	CHECK_EQ_INT(check_entry(&t, diag), LDAP_SUCCESS);

	/* classes given by OID; an attribute with no values counts as absent */
	tinit(&t);
	tadd(&t, "objectclass", "objectClass", "2.5.6.0", "2.5.6.6", NULL);
	tadd(&t, "cn", "cn", "a", NULL);
	tadd(&t, "sn", "sn", "b", NULL);
	tadd(&t, "mail", "mail", NULL);
	CHECK_EQ_INT(check_entry(&t, diag), LDAP_SUCCESS);

	/* extensibleObject allows any user attribute */
	person(&t);
	t.attrs[0].vals[t.attrs[0].nvals++] = sl("extensibleObject");
	tadd(&t, "mail", "mail", "a@b", NULL);
	tadd(&t, "ipaddress", "ipAddress", "1", NULL);
	CHECK_EQ_INT(check_entry(&t, diag), LDAP_SUCCESS);
}

TEST(check_violations)
{
	tentry t;
	char diag[256];

	tinit(&t);
	tadd(&t, "cn", "cn", "a", NULL);
	CHECK_EQ_INT(check_entry(&t, diag), LDAP_OBJECT_CLASS_VIOLATION);
	CHECK_STR(diag, "no objectClass attribute");

	person(&t);
	t.attrs[0].vals[t.attrs[0].nvals++] = sl("fooClass");
	CHECK_EQ_INT(check_entry(&t, diag), LDAP_OBJECT_CLASS_VIOLATION);
	CHECK_STR(diag, "unknown object class 'fooClass'");

	tinit(&t);
	tadd(&t, "objectclass", "objectClass", "top", "dynamicObject", NULL);
	CHECK_EQ_INT(check_entry(&t, diag), LDAP_OBJECT_CLASS_VIOLATION);
	CHECK_STR(diag, "no structural object class");

	person(&t);
	t.attrs[0].vals[t.attrs[0].nvals++] = sl("organization");
	tadd(&t, "o", "o", "x", NULL);
	CHECK_EQ_INT(check_entry(&t, diag), LDAP_OBJECT_CLASS_VIOLATION);
	CHECK(strstr(diag, "unrelated") != NULL);
	CHECK(strstr(diag, "person") != NULL && strstr(diag, "organization") != NULL);

	/* one chain of structural classes is fine */
	person(&t);
	t.attrs[0].vals[t.attrs[0].nvals++] = sl("organizationalPerson");
	CHECK_EQ_INT(check_entry(&t, diag), LDAP_SUCCESS);

	person(&t);
	t.e.nattrs = 2;	/* drop sn */
	CHECK_EQ_INT(check_entry(&t, diag), LDAP_OBJECT_CLASS_VIOLATION);
	CHECK_STR(diag, "object class 'person' requires attribute 'sn'");

	/* inherited MUST */
	tinit(&t);
	tadd(&t, "objectclass", "objectClass", "inetOrgPerson", NULL);
	tadd(&t, "cn", "cn", "a", NULL);
	CHECK_EQ_INT(check_entry(&t, diag), LDAP_OBJECT_CLASS_VIOLATION);
	CHECK(strstr(diag, "requires attribute 'sn'") != NULL);

	/* rtConference requires uid */
	tinit(&t);
	tadd(&t, "objectclass", "objectClass", "rtConference", NULL);
	tadd(&t, "cn", "cn", "a", NULL);
	CHECK_EQ_INT(check_entry(&t, diag), LDAP_OBJECT_CLASS_VIOLATION);
	CHECK_STR(diag, "object class 'rtConference' requires attribute 'uid'");

	person(&t);
	tadd(&t, "mail", "rfc822Mailbox", "a@b", NULL);
	CHECK_EQ_INT(check_entry(&t, diag), LDAP_OBJECT_CLASS_VIOLATION);
	CHECK_STR(diag, "attribute 'rfc822Mailbox' not allowed");

	person(&t);
	tadd(&t, "ilsa99999999", "ILSA99999999", "1", NULL);
	CHECK_EQ_INT(check_entry(&t, diag), LDAP_UNDEFINED_ATTRIBUTE_TYPE);
	CHECK_STR(diag, "attribute type 'ILSA99999999' undefined");

	tinit(&t);
	tadd(&t, "objectclass", "objectClass", "rtPerson", NULL);
	tadd(&t, "cn", "cn", "a", NULL);
	tadd(&t, "c", "countryName", "US", "DE", NULL);
	CHECK_EQ_INT(check_entry(&t, diag), LDAP_CONSTRAINT_VIOLATION);
	CHECK(strstr(diag, "'countryName' is single-valued") != NULL);

	tinit(&t);
	tadd(&t, "objectclass", "objectClass", "rtPerson", "dynamicObject", NULL);
	tadd(&t, "cn", "cn", "a", NULL);
	tadd(&t, "entryttl", "EntryTTL", "soon", NULL);
	CHECK_EQ_INT(check_entry(&t, diag), LDAP_INVALID_ATTRIBUTE_SYNTAX);
	CHECK(strstr(diag, "'EntryTTL'") != NULL);

	person(&t);
	tadd(&t, "seealso", "seeAlso", "cn=ok", "not a dn", NULL);
	CHECK_EQ_INT(check_entry(&t, diag), LDAP_INVALID_ATTRIBUTE_SYNTAX);
	CHECK(strstr(diag, "'seeAlso': value #1") != NULL);

	/* operational attributes are exempt from MAY/MUST, but still checked */
	person(&t);
	tadd(&t, "modifytimestamp", "modifyTimestamp", "20240101120000Z", NULL);
	tadd(&t, "entryttl", "entryTtl", "60", NULL);
	CHECK_EQ_INT(check_entry(&t, diag), LDAP_SUCCESS);
	person(&t);
	tadd(&t, "modifytimestamp", "modifyTimestamp", "yesterday", NULL);
	CHECK_EQ_INT(check_entry(&t, diag), LDAP_INVALID_ATTRIBUTE_SYNTAX);

	/* the diagnostic never overflows */
	char small[8];
	person(&t);
	t.e.nattrs = 2;
	CHECK_EQ_INT(schema_check_entry(S, &t.e, small, sizeof(small)),
	    LDAP_OBJECT_CLASS_VIOLATION);
	CHECK_EQ_INT(strlen(small), 7);
	CHECK_EQ_INT(schema_check_entry(S, &t.e, NULL, 0), LDAP_OBJECT_CLASS_VIOLATION);
}

/* ---- reference counting ---- */

static void *
ref_worker(void *arg)
{
	schema *s = arg;

	for (int i = 0; i < 100000; i++)
		schema_unref(schema_ref(s));
	return NULL;
}

TEST(refcounts)
{
	schema *s = schema_load_dir(schema_dir(), errbuf, sizeof(errbuf));
	pthread_t th[4];

	CHECK(s != NULL);
	if (s == NULL)
		return;
	CHECK(schema_ref(s) == s);
	schema_unref(s);
	for (int i = 0; i < 4; i++)
		CHECK(pthread_create(&th[i], NULL, ref_worker, s) == 0);
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	/* still alive: a lookup works, then the last reference frees it (ASan checks) */
	CHECK(schema_find_attr(s, "cn", 2) != NULL);
	schema_unref(s);
	CHECK(schema_ref(NULL) == NULL);
	schema_unref(NULL);
}

int
main(void)
{
	S = schema_load_dir(schema_dir(), errbuf, sizeof(errbuf));
	if (S == NULL) {
		fprintf(stderr, "cannot load %s: %s\n", schema_dir(), errbuf);
		return 1;
	}
	RUN(load_shipped_dir);
	RUN(ils_classes);
	RUN(aliases_resolve_to_one_type);
	RUN(attr_key);
	RUN(inheritance);
	RUN(published_text);
	RUN(ils_name_map);
	RUN(parse_errors);
	RUN(parse_good_text);
	RUN(load_dir_order_and_map_errors);
	RUN(match_integer);
	RUN(match_case_ignore);
	RUN(match_other_rules);
	RUN(match_substrings);
	RUN(syntax_checks);
	RUN(check_valid_entries);
	RUN(check_violations);
	RUN(refcounts);
	schema_unref(S);
	return test_summary();
}
