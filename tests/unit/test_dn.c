/*
 * test_dn.c - DN parsing, normalisation, formatting and the ancestor tests:
 * RFC 4514 section 4 and RFC 1779 examples, the ILS pseudo-DNs, negative
 * cases and normalisation idempotence.
 */
#include <stdlib.h>
#include <string.h>

#include "ldap/dn.h"
#include "test.h"

static arena A;
static char nbuf[4 * DN_MAX_LEN];

/* Normalised form of s, or NULL if it does not parse. */
static const char *
norm(const char *s, int flags)
{
	dn d;

	if (dn_parse(s, strlen(s), flags, &A, &d) != 0)
		return NULL;
	if (dn_normalize(&d, NULL, NULL, nbuf, sizeof(nbuf)) < 0)
		return "(normalize failed)";
	return nbuf;
}

static bool
parses(const char *s, int flags)
{
	dn d;
	return dn_parse(s, strlen(s), flags, &A, &d) == 0;
}

static bool
ava_is(const dn *d, size_t r, size_t i, const char *type, const char *value)
{
	if (r >= d->nrdns || i >= d->rdns[r].navas)
		return false;
	const dn_ava *a = &d->rdns[r].avas[i];
	return a->typelen == strlen(type) && strcmp(a->type, type) == 0 &&
	    a->valuelen == strlen(value) && memcmp(a->value, value, a->valuelen) == 0;
}

TEST(root_dn)
{
	dn d;
	CHECK_EQ_INT(dn_parse("", 0, DN_STRICT, &A, &d), 0);
	CHECK_EQ_INT(d.nrdns, 0);
	CHECK_EQ_INT(dn_parse("   ", 3, DN_STRICT, &A, &d), 0);
	CHECK_EQ_INT(d.nrdns, 0);
	CHECK_STR(norm("", DN_STRICT), "");
	CHECK_EQ_INT(dn_format(&d, nbuf, sizeof(nbuf)), 0);
	CHECK_STR(nbuf, "");
}

TEST(rfc4514_examples)
{
	dn d;
	const char *s = "UID=jsmith,DC=example,DC=net";
	CHECK_EQ_INT(dn_parse(s, strlen(s), DN_STRICT, &A, &d), 0);
	CHECK_EQ_INT(d.nrdns, 3);
	CHECK(ava_is(&d, 0, 0, "UID", "jsmith"));
	CHECK(ava_is(&d, 2, 0, "DC", "net"));
	CHECK_STR(norm(s, DN_STRICT), "uid=jsmith,dc=example,dc=net");

	s = "OU=Sales+CN=J.  Smith,DC=example,DC=net";
	CHECK_EQ_INT(dn_parse(s, strlen(s), DN_STRICT, &A, &d), 0);
	CHECK_EQ_INT(d.nrdns, 3);
	CHECK_EQ_INT(d.rdns[0].navas, 2);
	CHECK(ava_is(&d, 0, 0, "OU", "Sales"));
	CHECK(ava_is(&d, 0, 1, "CN", "J.  Smith"));
	CHECK_STR(norm(s, DN_STRICT), "cn=j. smith+ou=sales,dc=example,dc=net");

	s = "CN=James \\\"Jim\\\" Smith\\, III,DC=example,DC=net";
	CHECK_EQ_INT(dn_parse(s, strlen(s), DN_STRICT, &A, &d), 0);
	CHECK(ava_is(&d, 0, 0, "CN", "James \"Jim\" Smith, III"));
	CHECK_STR(norm(s, DN_STRICT), "cn=james \\\"jim\\\" smith\\, iii,dc=example,dc=net");

	s = "CN=Before\\0dAfter,DC=example,DC=net";
	CHECK_EQ_INT(dn_parse(s, strlen(s), DN_STRICT, &A, &d), 0);
	CHECK(ava_is(&d, 0, 0, "CN", "Before\rAfter"));

	s = "1.3.6.1.4.1.1466.0=#04024869,DC=example,DC=com";
	CHECK_EQ_INT(dn_parse(s, strlen(s), DN_STRICT, &A, &d), 0);
	CHECK(d.rdns[0].avas[0].binary);
	CHECK(ava_is(&d, 0, 0, "1.3.6.1.4.1.1466.0", "\x04\x02Hi"));
	CHECK(!d.rdns[1].avas[0].binary);
	CHECK_STR(norm(s, DN_STRICT), "1.3.6.1.4.1.1466.0=#04024869,dc=example,dc=com");
	CHECK_STR(norm("x=#0A0b", DN_STRICT), "x=#0a0b");

	s = "CN=Lu\\C4\\8Di\\C4\\87";
	CHECK_EQ_INT(dn_parse(s, strlen(s), DN_STRICT, &A, &d), 0);
	CHECK(ava_is(&d, 0, 0, "CN", "Lu\xc4\x8di\xc4\x87"));
	CHECK_STR(norm(s, DN_STRICT), "cn=lu\xc4\x8di\xc4\x87");
}

TEST(rfc1779_examples)
{
	dn d;
	const char *want = "cn=christian huitema,o=inria,c=fr";
	CHECK_STR(norm("CN=Christian Huitema, O=INRIA, C=FR", DN_STRICT), want);
	CHECK_STR(norm("CN=Christian Huitema; O=INRIA; C=FR", DN_STRICT), want);
	CHECK_STR(norm("<CN=Christian Huitema; O=INRIA; C=FR>", DN_STRICT), want);
	CHECK_STR(norm("CN = Christian Huitema ,O= INRIA ;  C =FR  ", DN_STRICT), want);
	CHECK_STR(norm("OID.2.5.4.3=Christian Huitema, O=INRIA, C=FR", DN_STRICT),
	    "2.5.4.3=christian huitema,o=inria,c=fr");
	CHECK_STR(norm("oid.2.5.4.3=x", DN_STRICT), "2.5.4.3=x");

	const char *s = "CN=L. Eagle, O=\"Sue, Grabbit and Runn\", C=GB";
	CHECK_EQ_INT(dn_parse(s, strlen(s), DN_STRICT, &A, &d), 0);
	CHECK_EQ_INT(d.nrdns, 3);
	CHECK(ava_is(&d, 1, 0, "O", "Sue, Grabbit and Runn"));
	CHECK_STR(norm(s, DN_STRICT), "cn=l. eagle,o=sue\\, grabbit and runn,c=gb");
	CHECK_STR(norm("CN=L. Eagle, O=Sue\\, Grabbit and Runn, C=GB", DN_STRICT),
	    "cn=l. eagle,o=sue\\, grabbit and runn,c=gb");

	s = "OU=Sales + CN=J. Smith, O=Widget Inc., C=US";
	CHECK_EQ_INT(dn_parse(s, strlen(s), DN_STRICT, &A, &d), 0);
	CHECK_EQ_INT(d.nrdns, 3);
	CHECK_EQ_INT(d.rdns[0].navas, 2);
	CHECK(ava_is(&d, 0, 1, "CN", "J. Smith"));
	CHECK_STR(norm(s, DN_STRICT), "cn=j. smith+ou=sales,o=widget inc.,c=us");

	/* Quoted values with escapes and separators inside. */
	s = "cn=\"a\\\"b;c+d\\\\\" , o=x";
	CHECK_EQ_INT(dn_parse(s, strlen(s), DN_STRICT, &A, &d), 0);
	CHECK(ava_is(&d, 0, 0, "cn", "a\"b;c+d\\"));
	CHECK_STR(norm(s, DN_STRICT), "cn=a\\\"b\\;c\\+d\\\\,o=x");
	/* Spaces inside quotes are part of the value. */
	s = "cn=\"  x  \"";
	CHECK_EQ_INT(dn_parse(s, strlen(s), DN_STRICT, &A, &d), 0);
	CHECK(ava_is(&d, 0, 0, "cn", "  x  "));
}

TEST(ils_pseudo_dns)
{
	dn d;
	const char *s = "c=-,o=Microsoft,cn=x@y,objectClass=RTPerson";
	CHECK_EQ_INT(dn_parse(s, strlen(s), DN_STRICT, &A, &d), 0);
	CHECK_EQ_INT(d.nrdns, 4);
	CHECK(ava_is(&d, 0, 0, "c", "-"));
	CHECK(ava_is(&d, 2, 0, "cn", "x@y"));
	CHECK(ava_is(&d, 3, 0, "objectClass", "RTPerson"));
	CHECK_STR(norm(s, DN_STRICT), "c=-,o=microsoft,cn=x@y,objectclass=rtperson");

	s = "c=US, o=Microsoft, cn=x, objectClass=RTPerson";
	CHECK_EQ_INT(dn_parse(s, strlen(s), DN_STRICT, &A, &d), 0);
	CHECK_EQ_INT(d.nrdns, 4);
	CHECK(ava_is(&d, 1, 0, "o", "Microsoft"));
	CHECK_STR(norm(s, DN_STRICT), "c=us,o=microsoft,cn=x,objectclass=rtperson");

	s = "c=-,o=Gnome,cn=X,objectclass=RTPerson";
	CHECK_EQ_INT(dn_parse(s, strlen(s), DN_STRICT, &A, &d), 0);
	CHECK(ava_is(&d, 2, 0, "cn", "X"));
	CHECK(ava_is(&d, 3, 0, "objectclass", "RTPerson"));

	s = "cn=egruber]w2kils.testdomain.int,appName=MS-NetMeeting,ou=applications,o=Intranet";
	CHECK_EQ_INT(dn_parse(s, strlen(s), DN_STRICT, &A, &d), 0);
	CHECK_EQ_INT(d.nrdns, 4);
	CHECK(ava_is(&d, 0, 0, "cn", "egruber]w2kils.testdomain.int"));
	CHECK_STR(norm(s, DN_STRICT),
	    "cn=egruber]w2kils.testdomain.int,appname=ms-netmeeting,ou=applications,o=intranet");

	s = "c=-, o=Microsoft, mailto:cn=egruber@contoso.com%20, objectClass=rtPerson";
	CHECK(!parses(s, DN_STRICT));
	CHECK_EQ_INT(dn_parse(s, strlen(s), DN_LENIENT, &A, &d), 0);
	CHECK_EQ_INT(d.nrdns, 4);
	CHECK(ava_is(&d, 2, 0, "mailto:cn", "egruber@contoso.com%20"));
	CHECK_STR(norm(s, DN_LENIENT),
	    "c=-,o=microsoft,mailto:cn=egruber@contoso.com%20,objectclass=rtperson");

	s = "cn= egruber@contoso.com";
	CHECK_EQ_INT(dn_parse(s, strlen(s), DN_STRICT, &A, &d), 0);
	CHECK(ava_is(&d, 0, 0, "cn", "egruber@contoso.com"));

	/* The pseudo search base, and TAPI's canonical forms. */
	CHECK_STR(norm("objectClass=RTPerson", DN_STRICT), "objectclass=rtperson");
	CHECK_STR(norm("uid=Demo,ou=dynamic,o=Intranet", DN_STRICT), "uid=demo,ou=dynamic,o=intranet");
	CHECK_STR(norm("o=Intranet,ou=admin,cn=schema", DN_STRICT), "o=intranet,ou=admin,cn=schema");
}

TEST(eight_bit_values)
{
	dn d;
	/* ISO-8859-1 from NetMeeting: kept byte-exact, only ASCII folded. */
	const char *s = "cn=J\xfcrgen M\xdcLLER,o=Intranet";
	CHECK_EQ_INT(dn_parse(s, strlen(s), DN_STRICT, &A, &d), 0);
	CHECK(ava_is(&d, 0, 0, "cn", "J\xfcrgen M\xdcLLER"));
	CHECK_STR(norm(s, DN_STRICT), "cn=j\xfcrgen m\xdcller,o=intranet");
	CHECK_STR(norm("cn=\xc3\x89lodie", DN_STRICT), "cn=\xc3\x89lodie");
	/* Unescaped '=', '#', '<' inside values and odd bytes in lenient types. */
	CHECK_STR(norm("cn=a=b#c", DN_STRICT), "cn=a=b#c");
	CHECK_STR(norm("cn=a<b>", DN_STRICT), "cn=a\\<b\\>");
	CHECK_STR(norm("cn=a\"b", DN_STRICT), "cn=a\\\"b");
	CHECK_STR(norm("x y=1, \xe9t=2", DN_LENIENT), "x y=1,\xe9t=2");
	CHECK(!parses("x y=1", DN_STRICT));
}

TEST(escapes)
{
	dn d;
	const char *s = "cn=\\,\\+\\\"\\\\\\<\\>\\;\\=\\#\\ ";
	CHECK_EQ_INT(dn_parse(s, strlen(s), DN_STRICT, &A, &d), 0);
	CHECK(ava_is(&d, 0, 0, "cn", ",+\"\\<>;=# "));
	CHECK_EQ_INT(dn_format(&d, nbuf, sizeof(nbuf)), 21);
	CHECK_STR(nbuf, "cn=\\,\\+\\\"\\\\\\<\\>\\;=#\\ ");

	s = "cn=a\\00b";
	CHECK_EQ_INT(dn_parse(s, strlen(s), DN_STRICT, &A, &d), 0);
	CHECK_EQ_INT(d.rdns[0].avas[0].valuelen, 3);
	CHECK_MEM(d.rdns[0].avas[0].value, "a\0b", 3);
	CHECK_STR(norm(s, DN_STRICT), "cn=a\\00b");

	/* Escaped spaces are significant in parse, normalisation trims them. */
	s = "cn=\\ a \\ ";
	CHECK_EQ_INT(dn_parse(s, strlen(s), DN_STRICT, &A, &d), 0);
	CHECK(ava_is(&d, 0, 0, "cn", " a  "));
	CHECK_STR(norm(s, DN_STRICT), "cn=a");
	CHECK_STR(norm("cn=\\#x", DN_STRICT), "cn=\\#x");
	CHECK_STR(norm("cn=\\23x", DN_STRICT), "cn=\\#x");
	CHECK_STR(norm("cn=\\41\\42c", DN_STRICT), "cn=abc");
}

TEST(negative)
{
	static const char *const bad[] = {
		"cn=\"abc",		/* unterminated quote */
		"cn=\"abc\\\"",		/* escaped closing quote */
		"cn=\"abc\"x",		/* text after the quote */
		"cn=#",			/* empty hex */
		"cn=#0",		/* odd hex */
		"cn=#04g2",		/* bad hex digit */
		"cn=#0402 x",		/* text after hex */
		"cn=a\\zz",		/* not escapable */
		"cn=a\\4",		/* half a hex pair */
		"cn=a\\4g",
		"cn=a\\",		/* trailing backslash */
		"cn",			/* '=' missing */
		"cn=a,o",
		"=x",			/* empty type */
		" =x",
		"cn=a,",		/* trailing separator */
		"cn=a;  ",
		",cn=a",
		"cn=a,,o=b",
		"cn=a+",
		"cn=a+,o=b",
		"+cn=a",
		"cn=\"a\"\"b\"",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parses(bad[i], DN_STRICT) || parses(bad[i], DN_LENIENT))
			fprintf(stderr, "accepted: %s\n", bad[i]);
		CHECK(!parses(bad[i], DN_STRICT));
		CHECK(!parses(bad[i], DN_LENIENT));
	}
	/* Types: strict wants descr or numericoid. */
	static const char *const badtype[] = {
		"mailto:cn=x", "c n=x", "1.=x", "1..2=x", ".1=x", "-cn=x", "1cn=x", "cn_x=y",
		"oid.=x", "OID.1=x", "1=x",
	};
	for (size_t i = 0; i < sizeof(badtype) / sizeof(badtype[0]); i++) {
		CHECK(!parses(badtype[i], DN_STRICT));
		CHECK(parses(badtype[i], DN_LENIENT));
	}
	/* NUL bytes are never part of a DN string. */
	dn d;
	CHECK(dn_parse("cn=a\0b", 6, DN_LENIENT, &A, &d) != 0);
	CHECK(dn_parse("c\0n=ab", 6, DN_LENIENT, &A, &d) != 0);
}

static char *
repeat_rdns(size_t n)
{
	char *s = malloc(n * 4 + 1);
	size_t len = 0;
	for (size_t i = 0; i < n; i++)
		len += (size_t)sprintf(s + len, "%sa=b", i ? "," : "");
	s[len] = '\0';
	return s;
}

TEST(limits)
{
	dn d;
	char *s = repeat_rdns(DN_MAX_RDNS);
	CHECK_EQ_INT(dn_parse(s, strlen(s), DN_STRICT, &A, &d), 0);
	CHECK_EQ_INT(d.nrdns, DN_MAX_RDNS);
	free(s);
	s = repeat_rdns(DN_MAX_RDNS + 1);
	CHECK(dn_parse(s, strlen(s), DN_STRICT, &A, &d) != 0);
	free(s);

	/* AVAs in one RDN. */
	char *m = malloc(DN_MAX_AVAS * 4 + 8);
	size_t len = 0;
	for (int i = 0; i < DN_MAX_AVAS; i++)
		len += (size_t)sprintf(m + len, "%sa=%c", i ? "+" : "", 'a' + i % 26);
	CHECK_EQ_INT(dn_parse(m, len, DN_STRICT, &A, &d), 0);
	CHECK_EQ_INT(d.rdns[0].navas, DN_MAX_AVAS);
	CHECK(dn_normalize(&d, NULL, NULL, nbuf, sizeof(nbuf)) > 0);
	strcpy(m + len, "+a=z");
	CHECK(dn_parse(m, len + 4, DN_STRICT, &A, &d) != 0);
	free(m);

	/* Length: DN_MAX_LEN is allowed, one more is not. */
	char *big = malloc(DN_MAX_LEN + 2);
	memcpy(big, "cn=", 3);
	memset(big + 3, 'x', DN_MAX_LEN - 3);
	CHECK_EQ_INT(dn_parse(big, DN_MAX_LEN, DN_STRICT, &A, &d), 0);
	CHECK_EQ_INT(d.rdns[0].avas[0].valuelen, DN_MAX_LEN - 3);
	big[DN_MAX_LEN] = 'x';
	CHECK(dn_parse(big, DN_MAX_LEN + 1, DN_STRICT, &A, &d) != 0);
	/* Worst-case escaping doubles the length: DN_STR_MAX holds it. */
	static char strbuf[DN_STR_MAX];
	memset(big + 4, '<', DN_MAX_LEN - 4);
	CHECK_EQ_INT(dn_parse(big, DN_MAX_LEN, DN_STRICT, &A, &d), 0);
	CHECK_EQ_INT(dn_normalize(&d, NULL, NULL, strbuf, sizeof(strbuf)), 2 * DN_MAX_LEN - 4);
	CHECK_EQ_INT(dn_format(&d, strbuf, sizeof(strbuf)), 2 * DN_MAX_LEN - 4);
	CHECK_EQ_INT(dn_normalize(&d, NULL, NULL, strbuf, DN_MAX_LEN + 64), -1);
	free(big);

	/* A capped arena makes parsing fail, not crash. */
	arena small;
	arena_init(&small, 64, 64);
	s = "cn=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa,o=bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
	CHECK(dn_parse(s, strlen(s), DN_STRICT, &small, &d) != 0);
	arena_free(&small);
}

TEST(normalize_rules)
{
	CHECK_STR(norm("CN=  A   B  ", DN_STRICT), "cn=a b");
	CHECK_STR(norm("sn=b+cn=a", DN_STRICT), "cn=a+sn=b");
	CHECK_STR(norm("cn=b+CN=A", DN_STRICT), "cn=a+cn=b");
	CHECK_STR(norm("cn2=a+cn=b", DN_STRICT), "cn=b+cn2=a");
	CHECK_STR(norm("cn=#41+cn=B", DN_STRICT), "cn=b+cn=#41");
	CHECK_STR(norm("cn=a b+cn=a", DN_STRICT), "cn=a+cn=a b");
	CHECK_STR(norm("cn=,o=x", DN_STRICT), "cn=,o=x");
	CHECK_STR(norm("cn=\" \"", DN_STRICT), "cn=");
	CHECK_STR(norm("cn=a  ,  o = b ; c=d", DN_STRICT), "cn=a,o=b,c=d");
	/* Never ", " in the output. */
	const char *n = norm("c=US, o=Microsoft, cn=x, objectClass=RTPerson", DN_STRICT);
	CHECK(n != NULL && strstr(n, ", ") == NULL);
}

/* Schema-like callback: aliases and OIDs to canonical names. */
static size_t
test_canon(void *ctx, const char *type, size_t len, char *out, size_t cap)
{
	static const char *const map[][2] = {
		{ "surname", "sn" }, { "2.5.4.3", "cn" }, { "commonName", "cn" },
	};
	(*(int *)ctx)++;
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if (strlen(map[i][0]) == len && strncasecmp(map[i][0], type, len) == 0) {
			size_t n = strlen(map[i][1]);
			if (n > cap)
				return 0;
			memcpy(out, map[i][1], n);
			return n;
		}
	}
	return 0;
}

TEST(normalize_canon)
{
	dn d;
	int calls = 0;
	const char *s = "SURNAME=Smith+commonName=John,OID.2.5.4.3=X,O=Y";
	CHECK_EQ_INT(dn_parse(s, strlen(s), DN_STRICT, &A, &d), 0);
	CHECK(dn_normalize(&d, test_canon, &calls, nbuf, sizeof(nbuf)) > 0);
	CHECK_STR(nbuf, "cn=john+sn=smith,cn=x,o=y");
	CHECK(calls > 0);
}

TEST(normalize_buffer)
{
	dn d;
	const char *s = "CN=Abc,O=X";
	char small[16];
	CHECK_EQ_INT(dn_parse(s, strlen(s), DN_STRICT, &A, &d), 0);
	CHECK_EQ_INT(dn_normalize(&d, NULL, NULL, small, 11), 10);
	CHECK_STR(small, "cn=abc,o=x");
	CHECK_EQ_INT(dn_normalize(&d, NULL, NULL, small, 10), -1);
	CHECK_EQ_INT(dn_normalize(&d, NULL, NULL, small, 0), -1);
	CHECK_EQ_INT(dn_format(&d, small, 11), 10);
	CHECK_STR(small, "CN=Abc,O=X");
	CHECK_EQ_INT(dn_format(&d, small, 10), -1);
}

static const char *const corpus[] = {
	"UID=jsmith,DC=example,DC=net",
	"OU=Sales+CN=J.  Smith,DC=example,DC=net",
	"CN=James \\\"Jim\\\" Smith\\, III,DC=example,DC=net",
	"CN=Before\\0dAfter,DC=example,DC=net",
	"1.3.6.1.4.1.1466.0=#04024869,DC=example,DC=com",
	"CN=Lu\\C4\\8Di\\C4\\87",
	"CN=L. Eagle, O=\"Sue, Grabbit and Runn\", C=GB",
	"<CN=Christian Huitema; O=INRIA; C=FR>",
	"c=-,o=Microsoft,cn=x@y,objectClass=RTPerson",
	"c=US, o=Microsoft, cn=x, objectClass=RTPerson",
	"cn=egruber]w2kils.testdomain.int,appName=MS-NetMeeting,ou=applications,o=Intranet",
	"c=-, o=Microsoft, mailto:cn=egruber@contoso.com%20, objectClass=rtPerson",
	"cn=\\#x+cn=\\ y\\ +sn=#00ff, o=\"<q>\"",
	"cn=\\00\\5c\\2c",
	"cn=J\xfcrgen",
	"a\\b=c",
	"<a=b\\>",
	"x=\"a\\\"b\"+y=\\;",
	"",
};

/* normalize(parse(normalize(x))) == normalize(x); parse(format(x)) is x. */
TEST(idempotence_and_round_trip)
{
	char first[4 * DN_MAX_LEN], fmt[4 * DN_MAX_LEN];
	for (size_t i = 0; i < sizeof(corpus) / sizeof(corpus[0]); i++) {
		for (int flags = DN_STRICT; flags <= DN_LENIENT; flags++) {
			dn d, d2;
			const char *s = corpus[i];
			if (dn_parse(s, strlen(s), flags, &A, &d) != 0)
				continue;
			long n = dn_normalize(&d, NULL, NULL, first, sizeof(first));
			CHECK(n >= 0);
			CHECK_EQ_INT(dn_parse(first, (size_t)n, flags, &A, &d2), 0);
			CHECK(dn_normalize(&d2, NULL, NULL, nbuf, sizeof(nbuf)) == n);
			CHECK_STR(nbuf, first);

			long f = dn_format(&d, fmt, sizeof(fmt));
			CHECK(f >= 0);
			CHECK_EQ_INT(dn_parse(fmt, (size_t)f, flags, &A, &d2), 0);
			CHECK_EQ_INT(d2.nrdns, d.nrdns);
			for (size_t r = 0; r < d.nrdns && r < d2.nrdns; r++) {
				CHECK_EQ_INT(d2.rdns[r].navas, d.rdns[r].navas);
				for (size_t k = 0; k < d.rdns[r].navas && k < d2.rdns[r].navas; k++) {
					const dn_ava *x = &d.rdns[r].avas[k], *y = &d2.rdns[r].avas[k];
					CHECK_STR(x->type, y->type);
					CHECK_EQ_INT(x->valuelen, y->valuelen);
					CHECK_EQ_INT(x->binary, y->binary);
					if (x->valuelen == y->valuelen)
						CHECK_MEM(x->value, y->value, x->valuelen);
				}
			}
		}
	}
	/* Different spellings, same key. */
	const char *a = "CN=John  Smith , O=\"ACME\"; C=us";
	const char *b = "cn=john smith,o=acme,c=US";
	CHECK_STR(norm(a, DN_STRICT), "cn=john smith,o=acme,c=us");
	CHECK_STR(norm(b, DN_STRICT), "cn=john smith,o=acme,c=us");
}

TEST(format_original)
{
	dn d;
	const char *s = "CN=L. Eagle, O=\"Sue, Grabbit and Runn\", C=GB";
	CHECK_EQ_INT(dn_parse(s, strlen(s), DN_STRICT, &A, &d), 0);
	CHECK(dn_format(&d, nbuf, sizeof(nbuf)) > 0);
	CHECK_STR(nbuf, "CN=L. Eagle,O=Sue\\, Grabbit and Runn,C=GB");
	s = "1.3.6.1.4.1.1466.0=#04024869+OU=Sales";
	CHECK_EQ_INT(dn_parse(s, strlen(s), DN_STRICT, &A, &d), 0);
	CHECK(dn_format(&d, nbuf, sizeof(nbuf)) > 0);
	CHECK_STR(nbuf, "1.3.6.1.4.1.1466.0=#04024869+OU=Sales");
}

TEST(escape_value)
{
	char out[64];
	CHECK_EQ_INT(dn_escape_value(" a", 2, out, sizeof(out)), 3);
	CHECK_STR(out, "\\ a");
	CHECK_EQ_INT(dn_escape_value("a ", 2, out, sizeof(out)), 3);
	CHECK_STR(out, "a\\ ");
	CHECK_EQ_INT(dn_escape_value(" ", 1, out, sizeof(out)), 2);
	CHECK_STR(out, "\\ ");
	CHECK_EQ_INT(dn_escape_value("#a#", 3, out, sizeof(out)), 4);
	CHECK_STR(out, "\\#a#");
	CHECK_EQ_INT(dn_escape_value("a b", 3, out, sizeof(out)), 3);
	CHECK_STR(out, "a b");
	CHECK_EQ_INT(dn_escape_value(",+\"\\<>;", 7, out, sizeof(out)), 14);
	CHECK_STR(out, "\\,\\+\\\"\\\\\\<\\>\\;");
	CHECK_EQ_INT(dn_escape_value("a\0b", 3, out, sizeof(out)), 5);
	CHECK_STR(out, "a\\00b");
	CHECK_EQ_INT(dn_escape_value("=\xe9", 2, out, sizeof(out)), 2);
	CHECK_STR(out, "=\xe9");
	CHECK_EQ_INT(dn_escape_value("", 0, out, sizeof(out)), 0);
	CHECK_STR(out, "");
	CHECK_EQ_INT(dn_escape_value(",", 1, out, 3), 2);
	CHECK_EQ_INT(dn_escape_value(",", 1, out, 2), -1);
}

TEST(suffix)
{
#define SUF(a, b) dn_is_suffix(a, strlen(a), b, strlen(b))
	CHECK(SUF("cn=a,o=x", "o=x"));
	CHECK(SUF("o=x", "o=x"));
	CHECK(SUF("cn=a,ou=b,o=x", "ou=b,o=x"));
	CHECK(SUF("cn=a,o=x", ""));
	CHECK(SUF("", ""));
	CHECK(!SUF("cn=a\\,o=x", "o=x"));
	CHECK(SUF("cn=a\\\\,o=x", "o=x"));
	CHECK(!SUF("cn=a\\\\\\,o=x", "o=x"));
	CHECK(!SUF("cn=a,xo=x", "o=x"));
	CHECK(!SUF("cn=a+o=x", "o=x"));
	CHECK(!SUF("o=x", "cn=a,o=x"));
	CHECK(!SUF("o=y", "o=x"));
	CHECK(!SUF("", "o=x"));
#undef SUF
}

TEST(parent)
{
	CHECK_EQ_INT(dn_parent_offset("cn=a,o=x", 8), 5);
	CHECK_EQ_INT(dn_parent_offset("o=x", 3), -1);
	CHECK_EQ_INT(dn_parent_offset("", 0), -1);
	CHECK_EQ_INT(dn_parent_offset("cn=a\\,b,o=x", 11), 8);
	CHECK_EQ_INT(dn_parent_offset("cn=a\\\\,o=x", 10), 7);
	CHECK_EQ_INT(dn_parent_offset("cn=a+sn=b,o=x", 13), 10);
	CHECK_EQ_INT(dn_parent_offset("cn=a\\00,o=x", 11), 8);
	/* The parent of a normalised DN is the normalised parent. */
	const char *s = "CN=a\\,b + SN=c, OU=d\\\\, O=e";
	const char *n = norm(s, DN_STRICT);
	CHECK_STR(n, "cn=a\\,b+sn=c,ou=d\\\\,o=e");
	long off = dn_parent_offset(n, strlen(n));
	CHECK(off > 0 && strcmp(n + off, "ou=d\\\\,o=e") == 0);
	CHECK(dn_is_suffix(n, strlen(n), n + off, strlen(n + off)));
}

int
main(void)
{
	arena_init(&A, 4096, 0);
	RUN(root_dn);
	RUN(rfc4514_examples);
	RUN(rfc1779_examples);
	RUN(ils_pseudo_dns);
	RUN(eight_bit_values);
	RUN(escapes);
	RUN(negative);
	RUN(limits);
	RUN(normalize_rules);
	RUN(normalize_canon);
	RUN(normalize_buffer);
	RUN(idempotence_and_round_trip);
	RUN(format_original);
	RUN(escape_value);
	RUN(suffix);
	RUN(parent);
	arena_free(&A);
	return test_summary();
}
