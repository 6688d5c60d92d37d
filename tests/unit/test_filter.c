/*
 * test_filter.c - RFC 4515 filter strings: parsing into trees, formatting
 * back, the forms old ILS clients send, limits and malformed input.
 */
#include <stdlib.h>
#include <string.h>

#include "ldap/filter_text.h"
#include "test.h"

static arena A;
static char fbuf[65536];

static bool
slice_is(ber_slice s, const char *want)
{
	return s.len == strlen(want) && memcmp(s.p, want, s.len) == 0;
}

static ldap_filter *
parse(const char *s)
{
	ldap_filter *f = NULL;
	const char *why = NULL;

	if (filter_parse(s, strlen(s), &A, 1024, 64, &f, &why) != 0) {
		CHECK(why != NULL);
		return NULL;
	}
	CHECK(f != NULL);
	return f;
}

/* parse then format; NULL if it does not parse. */
static const char *
reformat(const char *s)
{
	ldap_filter *f = parse(s);

	if (f == NULL)
		return NULL;
	if (filter_format(f, fbuf, sizeof(fbuf)) < 0)
		return "(format failed)";
	return fbuf;
}

TEST(full_example)
{
	const char *s = "(&(a=b)(|(c=d)(!(e=*)))(f~=g)(h>=1)(i<=2)(cn=ab*cd*ef)"
	    "(cn:caseExactMatch:=x)(:dn:2.5.13.5:=y)(cn:dn:=z))";
	ldap_filter *f = parse(s);
	CHECK(f != NULL);
	if (f == NULL)
		return;
	CHECK_EQ_INT(f->type, LDAP_FILTER_AND);
	CHECK_EQ_INT(f->u.set.count, 9);
	ldap_filter *c = f->u.set.children;
	CHECK_EQ_INT(c->type, LDAP_FILTER_EQUALITY);
	CHECK(slice_is(c->u.ava.attr, "a") && slice_is(c->u.ava.value, "b"));
	c = c->next;
	CHECK_EQ_INT(c->type, LDAP_FILTER_OR);
	CHECK_EQ_INT(c->u.set.count, 2);
	CHECK_EQ_INT(c->u.set.children->type, LDAP_FILTER_EQUALITY);
	ldap_filter *not = c->u.set.children->next;
	CHECK_EQ_INT(not->type, LDAP_FILTER_NOT);
	CHECK(not->next == NULL);
	CHECK_EQ_INT(not->u.not->type, LDAP_FILTER_PRESENT);
	CHECK(slice_is(not->u.not->u.present, "e"));
	c = c->next;
	CHECK_EQ_INT(c->type, LDAP_FILTER_APPROX);
	CHECK(slice_is(c->u.ava.attr, "f") && slice_is(c->u.ava.value, "g"));
	c = c->next;
	CHECK_EQ_INT(c->type, LDAP_FILTER_GE);
	CHECK(slice_is(c->u.ava.value, "1"));
	c = c->next;
	CHECK_EQ_INT(c->type, LDAP_FILTER_LE);
	CHECK(slice_is(c->u.ava.attr, "i") && slice_is(c->u.ava.value, "2"));
	c = c->next;
	CHECK_EQ_INT(c->type, LDAP_FILTER_SUBSTRINGS);
	CHECK(slice_is(c->u.sub.attr, "cn"));
	CHECK_EQ_INT(c->u.sub.nparts, 3);
	CHECK_EQ_INT(c->u.sub.parts[0].kind, LDAP_SUBSTR_INITIAL);
	CHECK(slice_is(c->u.sub.parts[0].value, "ab"));
	CHECK_EQ_INT(c->u.sub.parts[1].kind, LDAP_SUBSTR_ANY);
	CHECK(slice_is(c->u.sub.parts[1].value, "cd"));
	CHECK_EQ_INT(c->u.sub.parts[2].kind, LDAP_SUBSTR_FINAL);
	CHECK(slice_is(c->u.sub.parts[2].value, "ef"));
	c = c->next;
	CHECK_EQ_INT(c->type, LDAP_FILTER_EXTENSIBLE);
	CHECK(c->u.ext.has_attr && slice_is(c->u.ext.attr, "cn"));
	CHECK(c->u.ext.has_rule && slice_is(c->u.ext.rule, "caseExactMatch"));
	CHECK(!c->u.ext.dn_attrs && slice_is(c->u.ext.value, "x"));
	c = c->next;
	CHECK_EQ_INT(c->type, LDAP_FILTER_EXTENSIBLE);
	CHECK(!c->u.ext.has_attr && c->u.ext.dn_attrs);
	CHECK(c->u.ext.has_rule && slice_is(c->u.ext.rule, "2.5.13.5"));
	CHECK(slice_is(c->u.ext.value, "y"));
	c = c->next;
	CHECK_EQ_INT(c->type, LDAP_FILTER_EXTENSIBLE);
	CHECK(c->u.ext.has_attr && !c->u.ext.has_rule && c->u.ext.dn_attrs);
	CHECK(slice_is(c->u.ext.value, "z"));
	CHECK(c->next == NULL);

	CHECK_STR(reformat(s), s);
}

TEST(present_substrings_equality)
{
	ldap_filter *f = parse("(cn=*)");
	CHECK(f && f->type == LDAP_FILTER_PRESENT && slice_is(f->u.present, "cn"));
	f = parse("(cn=a*)");
	CHECK(f && f->type == LDAP_FILTER_SUBSTRINGS && f->u.sub.nparts == 1 &&
	    f->u.sub.parts[0].kind == LDAP_SUBSTR_INITIAL);
	f = parse("(cn=*a*)");
	CHECK(f && f->type == LDAP_FILTER_SUBSTRINGS && f->u.sub.nparts == 1 &&
	    f->u.sub.parts[0].kind == LDAP_SUBSTR_ANY && slice_is(f->u.sub.parts[0].value, "a"));
	f = parse("(cn=*a)");
	CHECK(f && f->type == LDAP_FILTER_SUBSTRINGS && f->u.sub.nparts == 1 &&
	    f->u.sub.parts[0].kind == LDAP_SUBSTR_FINAL);
	f = parse("(cn=a*b)");
	CHECK(f && f->type == LDAP_FILTER_SUBSTRINGS && f->u.sub.nparts == 2 &&
	    f->u.sub.parts[0].kind == LDAP_SUBSTR_INITIAL &&
	    f->u.sub.parts[1].kind == LDAP_SUBSTR_FINAL);
	f = parse("(cn=*a*b*)");
	CHECK(f && f->type == LDAP_FILTER_SUBSTRINGS && f->u.sub.nparts == 2 &&
	    f->u.sub.parts[1].kind == LDAP_SUBSTR_ANY && slice_is(f->u.sub.parts[1].value, "b"));
	f = parse("(cn=a)");
	CHECK(f && f->type == LDAP_FILTER_EQUALITY && slice_is(f->u.ava.value, "a"));
	f = parse("(cn=)");
	CHECK(f && f->type == LDAP_FILTER_EQUALITY && f->u.ava.value.len == 0);
	/* Empty pieces are dropped; nothing left is presence. */
	CHECK_STR(reformat("(cn=**)"), "(cn=*)");
	CHECK_STR(reformat("(cn=a**b)"), "(cn=a*b)");
	CHECK_STR(reformat("(cn=***a***)"), "(cn=*a*)");
	/* ILS '%' is an ordinary character here. */
	f = parse("(cn=%)");
	CHECK(f && f->type == LDAP_FILTER_EQUALITY && slice_is(f->u.ava.value, "%"));
}

TEST(escapes)
{
	ldap_filter *f = parse("(cn=a\\2ab)");
	CHECK(f && f->type == LDAP_FILTER_EQUALITY && slice_is(f->u.ava.value, "a*b"));
	CHECK_STR(reformat("(cn=a\\2Ab)"), "(cn=a\\2ab)");
	f = parse("(cn=\\28x\\29)");
	CHECK(f && slice_is(f->u.ava.value, "(x)"));
	/* RFC 1960 style. */
	f = parse("(cn=a\\*b)");
	CHECK(f && f->type == LDAP_FILTER_EQUALITY && slice_is(f->u.ava.value, "a*b"));
	f = parse("(cn=\\(\\)\\\\)");
	CHECK(f && slice_is(f->u.ava.value, "()\\"));
	CHECK_STR(reformat("(cn=\\(\\)\\\\)"), "(cn=\\28\\29\\5c)");
	f = parse("(cn=\\00)");
	CHECK(f && f->u.ava.value.len == 1 && f->u.ava.value.p[0] == 0);
	f = parse("(cn=\\e9t\\C3\\A9*x\\2a)");
	CHECK(f && f->type == LDAP_FILTER_SUBSTRINGS && f->u.sub.nparts == 2 &&
	    slice_is(f->u.sub.parts[0].value, "\xe9t\xc3\xa9") &&
	    slice_is(f->u.sub.parts[1].value, "x*"));
	/* Latin-1 bytes sent raw are accepted; formatted as \XX. */
	f = parse("(cn=J\xfcrgen)");
	CHECK(f && slice_is(f->u.ava.value, "J\xfcrgen"));
	CHECK_STR(reformat("(cn=J\xfcrgen)"), "(cn=J\\fcrgen)");
	CHECK_STR(reformat("(cn=a\tb\x7f)"), "(cn=a\\09b\\7f)");
	/* Values are NUL-terminated copies. */
	f = parse("(sn=Smith)");
	CHECK(f && f->u.ava.value.p[f->u.ava.value.len] == '\0');
}

TEST(old_client_forms)
{
	ldap_filter *f = parse("cn=X");
	CHECK(f && f->type == LDAP_FILTER_EQUALITY && slice_is(f->u.ava.attr, "cn") &&
	    slice_is(f->u.ava.value, "X"));
	CHECK_STR(reformat("cn=X"), "(cn=X)");
	CHECK_STR(reformat("  cn=egruber@contoso.com \r\n"), "(cn=egruber@contoso.com)");
	CHECK_STR(reformat("cn=eg*"), "(cn=eg*)");
	CHECK_STR(reformat("objectClass=*"), "(objectClass=*)");
	CHECK_STR(reformat("&(a=b)(c=d)"), "(&(a=b)(c=d))");
	CHECK_STR(reformat("  (cn=x)\t"), "(cn=x)");
	CHECK_STR(reformat("(& (a=b)\n (c=d) )"), "(&(a=b)(c=d))");
	CHECK_STR(reformat("(&)"), "(&)");
	CHECK_STR(reformat("(|)"), "(|)");
	static const char *const ils[] = {
		"(&(objectClass=RTPerson)(cn=%)(sappid=ms-netmeeting)(sprotid=h323))",
		"(&(objectClass=RTPerson)(cn=x@y)(sttl=10))",
		"(&(cn=%))",
		"(uid=Demo*)",
		"(cn=eg*)",
		"(ObjectClass=*)",
		"(objectClass=*)",
		"(cn:=x)",
		"(:2.5.13.5:=y)",
		"(cn;lang-de:dn:1.2.3:=v)",
		"(!(|(a=1)(!(b=2))))",
	};
	for (size_t i = 0; i < sizeof(ils) / sizeof(ils[0]); i++)
		CHECK_STR(reformat(ils[i]), ils[i]);
	f = parse("(cn:DN:=z)");
	CHECK(f && f->u.ext.dn_attrs && !f->u.ext.has_rule);
	CHECK_STR(reformat("(cn:DN:=z)"), "(cn:dn:=z)");
}

TEST(negative)
{
	static const char *const bad[] = {
		"", "   ", "(", ")", "()", "(cn=x", "(cn=x))", "((cn=x))", "(cn=x)(cn=y)",
		"(!(a=b)(c=d))", "(!)", "(=x)", "(cn)", "(cn~x)", "(cn>x)", "(cn>=a*)",
		"(cn~=*)", "(cn<=*)", "(cn=a\\zz)", "(cn=a\\)", "(cn=a\\2)", "(cn=a\\",
		"(cn=a(b)", "(:dn:=x)", "(:=x)", "(cn:=a*)", "(cn::=x)", "(cn:dn:r:x:=v)",
		"(cn:r)", "(cn:r=x)", "(cn=x) junk", "(&(a=b)", "(|(a=b)))", "(&(a=b)x)",
		"(& a=b)", "( cn=x)", "(c n=x)", "(cn =x)", "cn=a)", "cn=(a", "(a=b)\x01",
		"(&(a=b)(!(c=d)(e=f)))", "(cn\xe9=x)",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ldap_filter *f = (ldap_filter *)1;
		const char *why = NULL;
		int rc = filter_parse(bad[i], strlen(bad[i]), &A, 1024, 64, &f, &why);
		if (rc == 0)
			fprintf(stderr, "accepted: %s\n", bad[i]);
		CHECK(rc != 0);
		CHECK(why != NULL);
		CHECK(f == NULL);
	}
	/* NUL inside the text. */
	ldap_filter *f;
	const char *why;
	CHECK(filter_parse("(cn=a\0b)", 8, &A, 1024, 64, &f, &why) != 0);
	CHECK(filter_parse("(c\0n=ab)", 8, &A, 1024, 64, &f, &why) != 0);
	/* why may be NULL. */
	CHECK(filter_parse("(", 1, &A, 1024, 64, &f, NULL) != 0);
}

/* "(!(!(...(a=b)...)))" nested n deep, or only the opening half. */
static char *
deep(size_t n, bool closed)
{
	char *s = malloc(n * 3 + 8);
	size_t len = 0;
	for (size_t i = 0; i < n; i++) {
		s[len++] = '(';
		s[len++] = '!';
	}
	memcpy(s + len, "(a=b)", 5);
	len += 5;
	if (closed)
		for (size_t i = 0; i < n; i++)
			s[len++] = ')';
	s[len] = '\0';
	return s;
}

TEST(limits)
{
	ldap_filter *f;
	const char *why;
	const char *s = "(&(a=b)(c=d))";
	CHECK(filter_parse(s, strlen(s), &A, 2, 64, &f, &why) != 0);
	CHECK(why != NULL && strstr(why, "nodes") != NULL);
	CHECK_EQ_INT(filter_parse(s, strlen(s), &A, 3, 64, &f, &why), 0);
	s = "(&(&(a=b)))";
	CHECK(filter_parse(s, strlen(s), &A, 100, 2, &f, &why) != 0);
	CHECK(why != NULL && strstr(why, "deep") != NULL);
	CHECK_EQ_INT(filter_parse(s, strlen(s), &A, 100, 3, &f, &why), 0);
	CHECK(filter_parse("(a=b)", 5, &A, 100, 0, &f, &why) != 0);
	CHECK(filter_parse("(a=b)", 5, &A, 0, 10, &f, &why) != 0);

	/* 10000 deep: refused under normal limits, no stack overflow either way. */
	char *d = deep(10000, true);
	CHECK(filter_parse(d, strlen(d), &A, 1024, 64, &f, &why) != 0);
	CHECK(why != NULL);
	CHECK_EQ_INT(filter_parse(d, strlen(d), &A, 20000, 20000, &f, &why), 0);
	size_t depth = 1;
	while (f != NULL && f->type == LDAP_FILTER_NOT) {
		f = f->u.not;
		depth++;
	}
	CHECK_EQ_INT(depth, 10001);
	CHECK(f != NULL && f->type == LDAP_FILTER_EQUALITY);
	free(d);
	d = deep(10000, false);
	CHECK(filter_parse(d, strlen(d), &A, 20000, 20000, &f, &why) != 0);
	CHECK(filter_parse(d, strlen(d), &A, 1024, 64, &f, &why) != 0);
	free(d);
	char *open = malloc(10001);
	memset(open, '(', 10000);
	open[10000] = '\0';
	CHECK(filter_parse(open, 10000, &A, 20000, 20000, &f, &why) != 0);
	free(open);

	/* A capped arena fails cleanly. */
	arena small;
	arena_init(&small, 64, 256);
	s = "(&(cn=aaaa)(cn=bbbb)(cn=cccc)(cn=dddd)(cn=eeee)(cn=ffff)(cn=gggg))";
	CHECK(filter_parse(s, strlen(s), &small, 100, 10, &f, &why) != 0);
	CHECK(why != NULL);
	arena_free(&small);
}

TEST(format_buffer)
{
	ldap_filter *f = parse("(cn=abc)");
	char out[16];
	CHECK(f != NULL);
	CHECK_EQ_INT(filter_format(f, out, 9), 8);
	CHECK_STR(out, "(cn=abc)");
	CHECK_EQ_INT(filter_format(f, out, 8), -1);
	CHECK_EQ_INT(filter_format(f, out, 0), -1);
}

/* text -> tree -> text -> tree -> text is stable after the first step. */
TEST(round_trips)
{
	static const char *const texts[] = {
		"(&(a=b)(|(c=d)(!(e=*)))(f~=g)(h>=1)(i<=2)(cn=ab*cd*ef))",
		"cn=x", "(cn=a\\2a\\28\\29\\5c\\00)", "(cn=*\\2a*)", "(cn=\\*\\(\\)\\\\)",
		"(cn=J\xfcrgen*M\xfcller)", "(:dn:2.5.13.5:=y)", "(x:dn:=\\2a)", "(&)", "(|(&)(|))",
		"(cn=a**b***)", "(sttl=10)",
	};
	static char first[sizeof(fbuf)];
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		const char *r = reformat(texts[i]);
		CHECK(r != NULL);
		if (r == NULL)
			continue;
		memcpy(first, r, strlen(r) + 1);
		CHECK_STR(reformat(first), first);
	}
}

int
main(void)
{
	arena_init(&A, 4096, 0);
	RUN(full_example);
	RUN(present_substrings_equality);
	RUN(escapes);
	RUN(old_client_forms);
	RUN(negative);
	RUN(limits);
	RUN(format_buffer);
	RUN(round_trips);
	arena_free(&A);
	return test_summary();
}
