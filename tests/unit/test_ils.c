/*
 * test_ils.c - the ILS dialect's pure functions: DN recognition and
 * mapping, search bases, filter rewriting, attribute selection and the
 * reshaping of Add attributes and Modify changes.
 *
 * The environment is hand-made: the alias table of MS-TAIL 2.2.5, a key
 * function that knows sn/surname and commonName, and the plain DN
 * normaliser of the ldap module.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ils/ils_internal.h"
#include "ldap/dn.h"
#include "ldap/filter_text.h"
#include "test.h"

static const schema_alias aliases[] = {
	{ "sappguid", "guid", 1 },
	{ "sappid", "applicationID", 1 },
	{ "sappname", "appName", 1 },
	{ "sipaddress", "ipAddress", 1 },
	{ "smimetype", "mimeType", 1 },
	{ "sport", "port", 1 },
	{ "sprotguid", "protocolGUID", 1 },
	{ "sprotid", "protocolID", 1 },
	{ "sprotmimetype", "protocolMimeType", 1 },
	{ "ssecurity", "securityToken", 1 },
	{ "sttl", "entryTtl", 60 },
};
#define NALIASES (sizeof(aliases) / sizeof(aliases[0]))

static const schema_alias *
t_alias_find(void *sctx, const char *name, size_t len)
{
	for (size_t i = 0; i < NALIASES; i++)
		if (strlen(aliases[i].ils_name) == len && strncasecmp(aliases[i].ils_name, name, len) == 0)
			return &aliases[i];
	return NULL;
}

static size_t
t_attr_key(void *sctx, const char *desc, size_t len, char *out, size_t cap)
{
	const char *semi = memchr(desc, ';', len);

	if (semi != NULL)
		len = (size_t)(semi - desc);
	if ((len == 7 && strncasecmp(desc, "surname", 7) == 0)) {
		desc = "sn";
		len = 2;
	} else if (len == 10 && strncasecmp(desc, "commonName", 10) == 0) {
		desc = "cn";
		len = 2;
	}
	if (len + 1 > cap)
		return 0;
	for (size_t i = 0; i < len; i++)
		out[i] = (char)((desc[i] >= 'A' && desc[i] <= 'Z') ? desc[i] + 32 : desc[i]);
	out[len] = '\0';
	return len;
}

static long
t_norm_dn(void *dctx, ber_slice dn_s, char *out, size_t cap)
{
	arena a;
	dn parsed;
	long n = -1;

	arena_init(&a, 4096, 1 << 20);
	if (dn_parse((const char *)dn_s.p, dn_s.len, DN_STRICT, &a, &parsed) == 0)
		n = dn_normalize(&parsed, NULL, NULL, out, cap);
	arena_free(&a);
	return n;
}

static ils_names names;
static ils_env env = {
	.alias_find = t_alias_find,
	.attr_key = t_attr_key,
	.norm_dn = t_norm_dn,
	.names = &names,
};
static arena mem;

static ber_slice
S(const char *s)
{
	return ldap_slice(s);
}

static bool
slice_is(ber_slice s, const char *want)
{
	return s.p != NULL && s.len == strlen(want) && memcmp(s.p, want, s.len) == 0;
}

#define CHECK_SLICE(s, want)                                                     \
	do {                                                                     \
		ber_slice s_ = (s);                                              \
		if (!slice_is(s_, want)) {                                       \
			fprintf(stderr, "%s:%d: %s: \"%.*s\" != \"%s\"\n", __FILE__, \
			    __LINE__, test_current, (int)s_.len,                 \
			    s_.p ? (const char *)s_.p : "(null)", want);         \
			test_checks_failed_now++;                                \
		}                                                                \
	} while (0)

static ils_dn
classify(const char *s)
{
	ils_dn d;

	arena_reset(&mem);
	CHECK(ils_dn_classify(&env, S(s), &mem, &d) == 0);
	return d;
}

/* ---- DNs ---- */

TEST(dn_netmeeting_forms)
{
	static const char *const forms[] = {
		"c=-,o=Microsoft,cn=egruber@contoso.com,objectClass=RTPerson",
		"c=US, o=Microsoft, cn=egruber@contoso.com, objectClass=RTPerson",
		"c=-,o=Gnome,cn=egruber@contoso.com,objectclass=RTPerson",
		"cn=egruber@contoso.com, objectClass=RTPerson",
		"o=Acme, cn=egruber@contoso.com, objectClass=RTPerson",
		"c=-, o=Microsoft, mailto:cn=egruber@contoso.com%20, objectClass=rtPerson",
		"c=-, o=Microsoft, cn= egruber@contoso.com, objectClass=rtPerson",
		"c=-,o=Microsoft,cn=egruber@contoso.com%20%20,OBJECTCLASS=rtperson",
	};
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		ils_dn d = classify(forms[i]);
		CHECK_EQ_INT(d.kind, ILS_DN_PERSON);
		CHECK(d.pseudo);
		CHECK_SLICE(d.name, "egruber@contoso.com");
		CHECK_SLICE(d.dn, "cn=egruber@contoso.com,ou=Dynamic,o=Intranet");
		CHECK_STR(d.ndn, "cn=egruber@contoso.com,ou=dynamic,o=intranet");
	}
}

TEST(dn_tapi_forms)
{
	ils_dn d = classify("cn=egruber]w2kils.testdomain.int,ou=dynamic,o=Intranet");
	CHECK_EQ_INT(d.kind, ILS_DN_PERSON);
	CHECK(!d.pseudo);
	CHECK_SLICE(d.name, "egruber]w2kils.testdomain.int");
	CHECK_SLICE(d.dn, "cn=egruber]w2kils.testdomain.int,ou=dynamic,o=Intranet");

	d = classify("cn= egruber]w2kils.testdomain.int,appName=MS-NetMeeting,"
	    "ou=applications,o=Intranet");
	CHECK_EQ_INT(d.kind, ILS_DN_APPUSER);
	CHECK_SLICE(d.name, "egruber]w2kils.testdomain.int");
	CHECK_SLICE(d.app, "MS-NetMeeting");

	d = classify("uid=Demo Conference,ou=dynamic,o=Intranet");
	CHECK_EQ_INT(d.kind, ILS_DN_CONFERENCE);
	CHECK_SLICE(d.name, "Demo Conference");

	d = classify("uid=19168, ou=Dynamic, o=intranet");
	CHECK_EQ_INT(d.kind, ILS_DN_CONFERENCE);
	CHECK_STR(d.ndn, "uid=19168,ou=dynamic,o=intranet");

	d = classify("commonName=x,ou=Dynamic,o=Intranet");
	CHECK_EQ_INT(d.kind, ILS_DN_PERSON);
}

TEST(dn_not_ils)
{
	CHECK_EQ_INT(classify("cn=admin,o=Intranet").kind, ILS_DN_NONE);
	CHECK_EQ_INT(classify("ou=Dynamic,o=Intranet").kind, ILS_DN_NONE);
	CHECK_EQ_INT(classify("ou=Applications,o=Intranet").kind, ILS_DN_NONE);
	CHECK_EQ_INT(classify("cn=x,cn=y,ou=Dynamic,o=Intranet").kind, ILS_DN_NONE);
	CHECK_EQ_INT(classify("cn=x,ou=Dynamic,o=Other").kind, ILS_DN_NONE);
	CHECK_EQ_INT(classify("").kind, ILS_DN_NONE);
	CHECK_EQ_INT(classify("o=Intranet").kind, ILS_DN_NONE);
	CHECK_EQ_INT(classify("not a dn").kind, ILS_DN_NONE);
	CHECK_EQ_INT(classify("cn=x,ou=people,o=Intranet").kind, ILS_DN_NONE);
	/* leaves in the ILS containers that are not people/conferences */
	CHECK_EQ_INT(classify("mail=x,ou=Dynamic,o=Intranet").kind, ILS_DN_OTHER);
	CHECK_EQ_INT(classify("cn=x+uid=y,ou=Dynamic,o=Intranet").kind, ILS_DN_OTHER);
	CHECK_EQ_INT(classify("appName=A,ou=Applications,o=Intranet").kind, ILS_DN_OTHER);
	CHECK_EQ_INT(classify("uid=x,appName=A,ou=Applications,o=Intranet").kind, ILS_DN_OTHER);
}

TEST(dn_bad_pseudo)
{
	CHECK_EQ_INT(classify("c=-,o=Microsoft,objectClass=RTPerson").kind, ILS_DN_BAD);
	CHECK_EQ_INT(classify("objectClass=RTPerson").kind, ILS_DN_BAD);
	CHECK_EQ_INT(classify("c=-,o=Microsoft,cn=%20,objectClass=RTPerson").kind, ILS_DN_BAD);
	CHECK_EQ_INT(classify("cn=x,objectClass=RTApplicationUser").kind, ILS_DN_BAD);
	/* an unknown class is no pseudo-DN at all */
	CHECK_EQ_INT(classify("cn=x,objectClass=person").kind, ILS_DN_NONE);
}

TEST(dn_bytes_and_escapes)
{
	/* ISO-8859-1 bytes stay bytes; DN specials in a name are escaped */
	ils_dn d = classify("c=-,o=Microsoft,cn=J\xe9r\xf4me@x.fr,objectClass=RTPerson");
	CHECK_EQ_INT(d.kind, ILS_DN_PERSON);
	CHECK_SLICE(d.name, "J\xe9r\xf4me@x.fr");
	CHECK(d.dn.len > 0 && memmem(d.dn.p, d.dn.len, ",ou=Dynamic,o=Intranet", 22) != NULL);

	d = classify("c=-,o=Microsoft,cn=a\\2Cb,objectClass=RTPerson");
	CHECK_EQ_INT(d.kind, ILS_DN_PERSON);
	CHECK_SLICE(d.name, "a,b");
	CHECK_SLICE(d.dn, "cn=a\\,b,ou=Dynamic,o=Intranet");
}

TEST(dn_person_and_conference_differ)
{
	ils_dn p = classify("c=-,o=Microsoft,cn=meet,objectClass=RTPerson");
	char *pn = strdup(p.ndn);
	ils_dn c = classify("c=-,o=Microsoft,cn=meet,objectClass=Conference");
	CHECK_EQ_INT(c.kind, ILS_DN_CONFERENCE);
	CHECK_SLICE(c.dn, "uid=meet,ou=Dynamic,o=Intranet");
	CHECK(strcmp(pn, c.ndn) != 0);
	free(pn);
	c = classify("uid=meet,objectClass=RTConference");
	CHECK_EQ_INT(c.kind, ILS_DN_CONFERENCE);
}

TEST(dn_other_suffix)
{
	ils_names other;
	const ils_names *saved = env.names;
	CHECK(ils_names_set(&other, &env, "dc=example,dc=com", 17) == 0);
	env.names = &other;
	ils_dn d = classify("c=-,o=Microsoft,cn=x@y,objectClass=RTPerson");
	CHECK_SLICE(d.dn, "cn=x@y,ou=Dynamic,dc=example,dc=com");
	CHECK_EQ_INT(classify("cn=x,ou=dynamic,dc=Example,dc=com").kind, ILS_DN_PERSON);
	CHECK_EQ_INT(classify("cn=x,ou=dynamic,o=Intranet").kind, ILS_DN_NONE);
	env.names = saved;
	CHECK(ils_names_set(&other, &env, "", 0) != 0);
	CHECK(ils_names_set(&other, &env, "not a dn", 8) != 0);
}

/* ---- search bases ---- */

static ils_base
base(const char *s)
{
	ils_base b;

	arena_reset(&mem);
	CHECK(ils_base_classify(&env, S(s), &mem, &b) == 0);
	return b;
}

TEST(base_pseudo)
{
	ils_base b = base("objectClass=RTPerson");
	CHECK_EQ_INT(b.kind, ILS_BASE_PEOPLE);
	CHECK_SLICE(b.base, "ou=Dynamic,o=Intranet");
	CHECK_EQ_INT(base("objectclass=rtperson").kind, ILS_BASE_PEOPLE);
	CHECK_EQ_INT(base(" objectClass = RTPerson ").kind, ILS_BASE_PEOPLE);
	CHECK_EQ_INT(base("objectClass=Conference").kind, ILS_BASE_CONFERENCES);
	CHECK_EQ_INT(base("objectClass=RTConference").kind, ILS_BASE_CONFERENCES);
	b = base("objectClass=RTApplicationUser");
	CHECK_EQ_INT(b.kind, ILS_BASE_APPUSERS);
	CHECK_SLICE(b.base, "ou=Applications,o=Intranet");
	b = base("c=-,o=Microsoft,cn=bob@x,objectClass=RTPerson");
	CHECK_EQ_INT(b.kind, ILS_BASE_ENTRY);
	CHECK_SLICE(b.base, "cn=bob@x,ou=Dynamic,o=Intranet");
}

TEST(base_schema_probe)
{
	ils_base b = base("o=Intranet,ou=admin,cn=schema");
	CHECK_EQ_INT(b.kind, ILS_BASE_SCHEMA);
	CHECK_SLICE(b.base, "cn=Schema,ou=Admin,o=Intranet");
	b = base("dc=example,dc=com,ou=Admin,cn=Schema");
	CHECK_EQ_INT(b.kind, ILS_BASE_SCHEMA);
	CHECK_SLICE(b.base, "cn=Schema,ou=Admin,dc=example,dc=com");
	CHECK_EQ_INT(base("ou=admin,cn=schema").kind, ILS_BASE_NONE);
}

TEST(base_tree_and_plain)
{
	CHECK_EQ_INT(base("ou=dynamic,o=Intranet").kind, ILS_BASE_TREE);
	CHECK_EQ_INT(base("ou=Dynamic, o=intranet").kind, ILS_BASE_TREE);
	CHECK_EQ_INT(base("cn=x,ou=Dynamic,o=Intranet").kind, ILS_BASE_TREE);
	CHECK_EQ_INT(base("ou=Applications,o=Intranet").kind, ILS_BASE_TREE);
	CHECK_EQ_INT(base("o=Intranet").kind, ILS_BASE_NONE);
	CHECK_EQ_INT(base("").kind, ILS_BASE_NONE);
	CHECK_EQ_INT(base("cn=Subschema").kind, ILS_BASE_NONE);
	CHECK_EQ_INT(base("objectClass=person").kind, ILS_BASE_NONE);
}

/* ---- filters ---- */

typedef struct frw_result {
	char text[1024];
	int64_t sttl;
	bool changed;
	int rc;
} frw_result;

static frw_result
frw_tree(const ldap_filter *in, unsigned flags)
{
	frw_result r;
	ldap_filter *out;
	ils_frw w = { &env, flags, &mem, 1000, 0, false };

	memset(&r, 0, sizeof(r));
	r.rc = ils_filter_rewrite(&w, in, &out);
	if (r.rc == 0 && filter_format(out, r.text, sizeof(r.text)) < 0)
		r.rc = -2;
	r.sttl = w.sttl;
	r.changed = w.changed;
	return r;
}

static frw_result
frw(const char *text, unsigned flags)
{
	ldap_filter *in;
	const char *why;

	arena_reset(&mem);
	if (filter_parse(text, strlen(text), &mem, 100, 20, &in, &why) != 0) {
		frw_result r = { .rc = -3 };
		fprintf(stderr, "cannot parse %s: %s\n", text, why);
		return r;
	}
	return frw_tree(in, flags);
}

#define CHECK_FRW(in, flags, want, want_sttl)                                    \
	do {                                                                     \
		frw_result r_ = frw(in, flags);                                  \
		CHECK_EQ_INT(r_.rc, 0);                                          \
		CHECK_STR(r_.text, want);                                        \
		CHECK_EQ_INT(r_.sttl, want_sttl);                                \
	} while (0)

TEST(filter_netmeeting)
{
	CHECK_FRW("(&(objectClass=RTPerson)(cn=%)(sappid=ms-netmeeting)(sprotid=h323))",
	    ILS_FRW_PERCENT,
	    "(&(objectClass=RTPerson)(cn=*)(applicationID=ms-netmeeting)(protocolID=h323))", -1);
	CHECK_FRW("(&(objectClass=RTPerson)(cn=bob@x)(sappid=ms-netmeeting)(sprotid=h323))",
	    ILS_FRW_PERCENT,
	    "(&(objectClass=RTPerson)(cn=bob@x)(applicationID=ms-netmeeting)(protocolID=h323))",
	    -1);
	CHECK_FRW("(&(objectClass=RTPerson)(cn=bob@x))", ILS_FRW_PERCENT,
	    "(&(objectClass=RTPerson)(cn=bob@x))", -1);
	CHECK_FRW("(&(cn=%))", ILS_FRW_PERCENT, "(&(cn=*))", -1);
}

TEST(filter_sttl_is_an_action)
{
	CHECK_FRW("(&(objectClass=RTPerson)(cn=bob@x)(sttl=10))", ILS_FRW_PERCENT,
	    "(&(objectClass=RTPerson)(cn=bob@x))", 10);
	CHECK_FRW("(&(sttl=4)(objectClass=RTPerson)(cn=bob@x))", ILS_FRW_PERCENT,
	    "(&(objectClass=RTPerson)(cn=bob@x))", 4);
	CHECK_FRW("(&(objectClass=RTPerson)(STTL=7)(cn=bob@x))", 0,
	    "(&(objectClass=RTPerson)(cn=bob@x))", 7);
	CHECK_FRW("(sttl=5)", 0, "(objectClass=*)", 5);
	CHECK_FRW("(&(sttl=5))", 0, "(objectClass=*)", 5);
	CHECK_FRW("(|(cn=a)(sttl=5))", 0, "(objectClass=*)", 5);
	CHECK_FRW("(!(sttl=5))", 0, "(objectClass=*)", 5);
	CHECK_FRW("(&(cn=a)(|(sn=b)(sttl=3)))", 0, "(&(cn=a))", 3);
	/* a value that is no number is still no condition */
	CHECK_FRW("(&(cn=a)(sttl=abc))", 0, "(&(cn=a))", -1);
	CHECK_FRW("(&(cn=a)(sttl=99999999999999))", 0, "(&(cn=a))", ILS_TTL_MAX_MINUTES);
	/* comparisons on sttl read entryTtl in seconds */
	CHECK_FRW("(sttl>=5)", 0, "(entryTtl>=300)", -1);
	CHECK_FRW("(sttl=*)", 0, "(entryTtl=*)", -1);
	/* an empty AND the client sent stays what it was */
	CHECK_FRW("(&)", 0, "(&)", -1);
}

TEST(filter_percent)
{
	CHECK_FRW("(cn=%)", ILS_FRW_PERCENT, "(cn=*)", -1);
	CHECK_FRW("(cn=%%)", ILS_FRW_PERCENT, "(cn=*)", -1);
	CHECK_FRW("(cn=eg%)", ILS_FRW_PERCENT, "(cn=eg*)", -1);
	CHECK_FRW("(cn=%eg)", ILS_FRW_PERCENT, "(cn=*eg)", -1);
	CHECK_FRW("(cn=%eg%)", ILS_FRW_PERCENT, "(cn=*eg*)", -1);
	CHECK_FRW("(cn=a%b%%c)", ILS_FRW_PERCENT, "(cn=a*b*c)", -1);
	CHECK_FRW("(cn=eg%ru*)", ILS_FRW_PERCENT, "(cn=eg*ru*)", -1);
	CHECK_FRW("(cn=*e%g*)", ILS_FRW_PERCENT, "(cn=*e*g*)", -1);
	CHECK_FRW("(cn=a*%)", ILS_FRW_PERCENT, "(cn=a*)", -1);
	CHECK_FRW("(sappid=ms%)", ILS_FRW_PERCENT, "(applicationID=ms*)", -1);
	/* outside ILS-shaped searches '%' is a character */
	frw_result r = frw("(description=100%)", 0);
	CHECK_STR(r.text, "(description=100%)");
	CHECK(!r.changed);
	r = frw("(&(cn=a)(sn=b))", ILS_FRW_PERCENT);
	CHECK(!r.changed);
}

TEST(filter_names)
{
	CHECK_FRW("(sipaddress=*)", 0, "(ipAddress=*)", -1);
	CHECK_FRW("(|(sappguid=x)(!(smimetype=text/iuls)))", 0,
	    "(|(guid=x)(!(mimeType=text/iuls)))", -1);
	CHECK_FRW("(sport>=1000)", 0, "(port>=1000)", -1);
	CHECK_FRW("(sprotmimetype=text/h*)", 0, "(protocolMimeType=text/h*)", -1);
	CHECK_FRW("(&(objectClass=rtConference)(cn=Demo%))", ILS_FRW_PERCENT | ILS_FRW_CONF_UID,
	    "(&(objectClass=rtConference)(uid=Demo*))", -1);
	CHECK_FRW("(objectClass=Conference)", ILS_FRW_PERCENT,
	    "(objectClass=rtConference)", -1);
	/* MS-TAIL 3.5.11: (mailto:cn= x) read as an extensible match */
	CHECK_FRW("(&(objectClass=rtPerson)(mailto:cn:= egruber@contoso.com)(sttl=10))",
	    ILS_FRW_PERCENT, "(&(objectClass=rtPerson)(cn= egruber@contoso.com))", 10);
	frw_result r = frw("(cn=x)", 0);
	CHECK(!r.changed);
}

TEST(filter_mailto_attribute)
{
	/* ... or as an attribute named "mailto:cn", built by hand (no text form) */
	ldap_filter eq = { .type = LDAP_FILTER_EQUALITY };
	arena_reset(&mem);
	eq.u.ava.attr = S("mailto:cn");
	eq.u.ava.value = S("egruber@contoso.com");
	frw_result r = frw_tree(&eq, ILS_FRW_PERCENT);
	CHECK_EQ_INT(r.rc, 0);
	CHECK_STR(r.text, "(cn=egruber@contoso.com)");
	CHECK(r.changed);
}

TEST(filter_budget)
{
	ldap_filter *in, *out;
	const char *why;
	arena_reset(&mem);
	const char *text = "(&(a=1)(b=2)(c=3)(d=4))";
	CHECK(filter_parse(text, strlen(text), &mem, 100, 20, &in, &why) == 0);
	ils_frw w = { &env, 0, &mem, 3, 0, false };
	CHECK_EQ_INT(ils_filter_rewrite(&w, in, &out), -1);
}

/* ---- attribute selection ---- */

TEST(attr_select)
{
	ber_slice req[] = { S("sFlags"), S("cn"), S("sipaddress"), S("sttl"), S("SAPPID") };
	dir_attr_sel *sel;
	size_t n;
	bool changed;

	arena_reset(&mem);
	CHECK(ils_attr_select(&env, req, 5, ILS_ALL_PLAIN, &mem, &sel, &n, &changed) == 0);
	CHECK_EQ_INT(n, 5);
	CHECK(changed);
	CHECK_SLICE(sel[0].name, "sFlags");
	CHECK_EQ_INT(sel[0].lookup.len, 0);
	CHECK_SLICE(sel[2].name, "sipaddress");
	CHECK_SLICE(sel[2].lookup, "ipAddress");
	CHECK_EQ_INT(sel[2].scale, 0);
	CHECK_SLICE(sel[3].name, "sttl");
	CHECK_SLICE(sel[3].lookup, "entryTtl");
	CHECK_EQ_INT(sel[3].scale, 60);
	CHECK_SLICE(sel[4].name, "SAPPID");
	CHECK_SLICE(sel[4].lookup, "applicationID");

	ber_slice plain[] = { S("cn"), S("ipAddress"), S("ntSecurityDescriptor") };
	CHECK(ils_attr_select(&env, plain, 3, ILS_ALL_PERSON, &mem, &sel, &n, &changed) == 0);
	CHECK(!changed);
	CHECK_EQ_INT(n, 3);

	CHECK(ils_attr_select(&env, NULL, 0, ILS_ALL_PLAIN, &mem, &sel, &n, &changed) == 0);
	CHECK(sel == NULL && n == 0 && !changed);

	CHECK(ils_attr_select(&env, NULL, 0, ILS_ALL_PERSON, &mem, &sel, &n, &changed) == 0);
	CHECK(changed);
	CHECK(n > 20);
	bool saw_ip = false, saw_surname = false, saw_star = false;
	for (size_t i = 0; i < n; i++) {
		if (slice_is(sel[i].name, "sipaddress")) {
			saw_ip = true;
			CHECK_SLICE(sel[i].lookup, "ipAddress");
		}
		saw_surname |= slice_is(sel[i].name, "surname");
		saw_star |= slice_is(sel[i].name, "*");
	}
	CHECK(saw_ip && saw_surname && !saw_star);

	CHECK(ils_attr_select(&env, NULL, 0, ILS_ALL_STAR_TTL, &mem, &sel, &n, &changed) == 0);
	CHECK_EQ_INT(n, 2);
	CHECK_SLICE(sel[0].name, "*");
	CHECK_SLICE(sel[1].lookup, "entryTtl");
	CHECK_EQ_INT(sel[1].scale, 60);
}

/* ---- Add ---- */

static ldap_attr
A(const char *type, ber_slice *vals, size_t n)
{
	ldap_attr a = { S(type), vals, n };
	return a;
}

static const ldap_attr *
find(const ils_add_shape *sh, const char *type)
{
	for (size_t i = 0; i < sh->nattrs; i++)
		if (slice_is(sh->attrs[i].type, type))
			return &sh->attrs[i];
	return NULL;
}

TEST(add_netmeeting)
{
	ber_slice cn[] = { S("egruber@contoso.com") }, gn[] = { S("Eric") },
	    sn[] = { S("") }, ip[] = { S("3758139584") }, sec[] = { S("21912384") },
	    c[] = { S("-") }, x[] = { S("0") };
	ldap_attr in[] = { A("cn", cn, 1), A("givenname", gn, 1), A("surname", sn, 1),
	    A("c", c, 1), A("sipaddress", ip, 1), A("ssecurity", sec, 1),
	    A("ilsA26214430", x, 1) };
	ils_dn d = classify("c=-,o=Microsoft,cn=egruber@contoso.com,objectClass=RTPerson");
	ils_add_shape sh;

	CHECK(ils_shape_add(&env, &d, in, 7, &mem, &sh) == 0);
	CHECK_EQ_INT(sh.nattrs, 8);
	CHECK_SLICE(sh.attrs[0].type, "cn");
	CHECK_SLICE(sh.attrs[2].type, "surname");
	CHECK_EQ_INT(sh.attrs[2].vals[0].len, 0);	/* empty strings are values */
	CHECK_SLICE(sh.attrs[4].type, "ipAddress");
	CHECK_SLICE(sh.attrs[5].type, "securityToken");
	CHECK_SLICE(sh.attrs[6].type, "ilsA26214430");
	const ldap_attr *oc = find(&sh, "objectClass");
	CHECK(oc != NULL && oc->nvals == 2);
	if (oc != NULL && oc->nvals == 2) {
		CHECK_SLICE(oc->vals[0], "rtPerson");
		CHECK_SLICE(oc->vals[1], "dynamicObject");
	}
	CHECK_SLICE(sh.token, "21912384");
	CHECK_EQ_INT(sh.ttl, -1);
	CHECK(find(&sh, "entryTtl") == NULL);
}

TEST(add_ils_api_sttl)
{
	ber_slice cn[] = { S("bob@x") }, ttl[] = { S("4") }, e[] = { S("") };
	ldap_attr in[] = { A("cn", cn, 1), A("sttl", ttl, 1), A("ILSA12345", e, 1),
	    A("comment", NULL, 0) };
	ils_dn d = classify("c=DE, o=Microsoft, cn=bob@x, objectClass=RTPerson");
	ils_add_shape sh;

	CHECK(ils_shape_add(&env, &d, in, 4, &mem, &sh) == 0);
	CHECK_EQ_INT(sh.ttl, 240);
	CHECK(find(&sh, "sttl") == NULL);
	CHECK(find(&sh, "comment") == NULL);	/* no values: dropped */
	const ldap_attr *t = find(&sh, "entryTtl");
	CHECK(t != NULL && t->nvals == 1 && slice_is(t->vals[0], "240"));
	CHECK(find(&sh, "ILSA12345") != NULL);
	CHECK(sh.token.p == NULL);
}

TEST(add_tapi)
{
	ber_slice oc[] = { S("RTPerson"), S("DynamicObject") }, ip[] = { S("3808471232") },
	    sec[] = { S("1508109") }, ttl[] = { S("1800") };
	ldap_attr in[] = { A("ObjectClass", oc, 2), A("ipAddress", ip, 1), A("ssecurity", sec, 1),
	    A("EntryTTL", ttl, 1) };
	ils_dn d = classify("cn=egruber]w2kils.testdomain.int,ou=dynamic,o=Intranet");
	ils_add_shape sh;

	CHECK(ils_shape_add(&env, &d, in, 4, &mem, &sh) == 0);
	const ldap_attr *o = find(&sh, "ObjectClass");
	CHECK(o != NULL && o->nvals == 2);	/* given classes kept, nothing doubled */
	CHECK_EQ_INT(sh.ttl, 1800);
	const ldap_attr *cn = find(&sh, "cn");	/* the RDN value is filled in */
	CHECK(cn != NULL && slice_is(cn->vals[0], "egruber]w2kils.testdomain.int"));
	CHECK_SLICE(sh.token, "1508109");

	ber_slice uo[] = { S("cn=egruber]w2kils.testdomain.int") };
	ldap_attr app[] = { A("userObject", uo, 1) };
	d = classify("cn=egruber]w2kils.testdomain.int,appName=MS-NetMeeting,ou=applications,"
	    "o=Intranet");
	CHECK(ils_shape_add(&env, &d, app, 1, &mem, &sh) == 0);
	CHECK_SLICE(sh.user, "cn=egruber]w2kils.testdomain.int");
	o = find(&sh, "objectClass");
	CHECK(o != NULL && o->nvals == 2 && slice_is(o->vals[0], "rtApplicationUser"));
}

TEST(add_conference_access_test)
{
	ber_slice oc[] = { S("RTConference"), S("DynamicObject") },
	    sd[] = { { (const uint8_t *)"\x01\x00\x04\x80\x00", 5 } };
	ldap_attr in[] = { A("ObjectClass", oc, 2), A("ntSecurityDescriptor", sd, 1) };
	ils_dn d = classify("uid=19168,ou=dynamic,o=Intranet");
	ils_add_shape sh;

	CHECK(ils_shape_add(&env, &d, in, 2, &mem, &sh) == 0);
	const ldap_attr *uid = find(&sh, "uid");
	CHECK(uid != NULL && slice_is(uid->vals[0], "19168"));
	CHECK(find(&sh, "cn") == NULL);
	const ldap_attr *b = find(&sh, "ntSecurityDescriptor");
	CHECK(b != NULL && b->vals[0].len == 5 && memcmp(b->vals[0].p, "\x01\x00\x04\x80\x00", 5) == 0);
}

TEST(add_merges_repeated_attributes)
{
	ber_slice a[] = { S("1") }, b[] = { S("2") };
	ldap_attr in[] = { A("sipaddress", a, 1), A("ipAddress", b, 1) };
	ils_dn d = classify("cn=x,objectClass=RTPerson");
	ils_add_shape sh;

	CHECK(ils_shape_add(&env, &d, in, 2, &mem, &sh) == 0);
	const ldap_attr *ip = find(&sh, "ipAddress");
	CHECK(ip != NULL && ip->nvals == 2);
}

/* ---- Modify ---- */

static ldap_mod
M(int op, const char *type, ber_slice *vals, size_t n)
{
	ldap_mod m = { (uint8_t)op, { S(type), vals, n } };
	return m;
}

TEST(modify_netmeeting_logon)
{
	ber_slice op[] = { S("0") }, app[] = { S("ms-netmeeting") }, mt[] = { S("text/iuls") },
	    pid[] = { S("t120"), S("h323") }, pmt[] = { S("text/t120"), S("text/h323") },
	    port[] = { S("1503"), S("1720") };
	ldap_mod in[] = { M(LDAP_MOD_ADD, "smodop", op, 1), M(LDAP_MOD_ADD, "sappid", app, 1),
	    M(LDAP_MOD_ADD, "smimetype", mt, 1), M(LDAP_MOD_ADD, "sprotid", pid, 2),
	    M(LDAP_MOD_ADD, "sprotmimetype", pmt, 2), M(LDAP_MOD_ADD, "sport", port, 2) };
	ils_mod_shape sh;

	arena_reset(&mem);
	CHECK(ils_shape_modify(&env, in, 6, &mem, &sh) == 0);
	CHECK_EQ_INT(sh.smodop, ILS_SMODOP_ADD_APP);
	CHECK_EQ_INT(sh.nmods, 5);
	CHECK_SLICE(sh.mods[0].attr.type, "applicationID");
	CHECK_EQ_INT(sh.mods[0].op, LDAP_MOD_REPLACE);
	CHECK_SLICE(sh.mods[2].attr.type, "protocolID");
	CHECK_EQ_INT(sh.mods[2].attr.nvals, 2);
	CHECK_SLICE(sh.mods[2].attr.vals[0], "t120");
	CHECK_SLICE(sh.mods[2].attr.vals[1], "h323");
	CHECK_SLICE(sh.mods[4].attr.type, "port");
	CHECK_SLICE(sh.appid, "ms-netmeeting");
	CHECK_EQ_INT(sh.ttl, -1);
}

TEST(modify_protocol_update)
{
	ber_slice op[] = { S("3") }, app[] = { S("ms-netmeeting") },
	    pid[] = { S("h323"), S("t120") }, pmt[] = { S("text/h323"), S("text/t120") },
	    port[] = { S("1720"), S("1503") };
	ldap_mod in[] = { M(LDAP_MOD_REPLACE, "smodop", op, 1),
	    M(LDAP_MOD_REPLACE, "sappid", app, 1), M(LDAP_MOD_DELETE, "sprotid", NULL, 0),
	    M(LDAP_MOD_DELETE, "sprotmimetype", NULL, 0), M(LDAP_MOD_DELETE, "sport", NULL, 0),
	    M(LDAP_MOD_ADD, "sprotid", pid, 2), M(LDAP_MOD_ADD, "sprotmimetype", pmt, 2),
	    M(LDAP_MOD_ADD, "sport", port, 2) };
	ils_mod_shape sh;

	arena_reset(&mem);
	CHECK(ils_shape_modify(&env, in, 8, &mem, &sh) == 0);
	CHECK_EQ_INT(sh.smodop, ILS_SMODOP_MOD_APP);
	CHECK_EQ_INT(sh.nmods, 7);
	CHECK_EQ_INT(sh.mods[1].op, LDAP_MOD_DELETE);
	CHECK_SLICE(sh.mods[1].attr.type, "protocolID");
	/* an add after a delete of the same attribute stays an add, order kept */
	CHECK_EQ_INT(sh.mods[4].op, LDAP_MOD_ADD);
	CHECK_SLICE(sh.mods[4].attr.type, "protocolID");
	CHECK_SLICE(sh.mods[4].attr.vals[0], "h323");
	CHECK_SLICE(sh.mods[6].attr.vals[1], "1503");
}

TEST(modify_set_info)
{
	ber_slice op[] = { S("2") }, gn[] = { S("Erik") }, empty[] = { S("") },
	    loc[] = { S("A"), S("B") };
	ldap_mod in[] = { M(LDAP_MOD_REPLACE, "smodop", op, 1), M(LDAP_MOD_ADD, "givenname", gn, 1),
	    M(LDAP_MOD_DELETE, "comment", empty, 1), M(LDAP_MOD_ADD, "location", loc, 1),
	    M(LDAP_MOD_ADD, "location", loc + 1, 1), M(LDAP_MOD_ADD, "x", NULL, 0) };
	ils_mod_shape sh;

	arena_reset(&mem);
	CHECK(ils_shape_modify(&env, in, 6, &mem, &sh) == 0);
	CHECK_EQ_INT(sh.smodop, ILS_SMODOP_MOD_USER);
	CHECK_EQ_INT(sh.nmods, 4);
	CHECK_EQ_INT(sh.mods[0].op, LDAP_MOD_REPLACE);	/* add of a changed value */
	CHECK_EQ_INT(sh.mods[1].op, LDAP_MOD_DELETE);
	CHECK_EQ_INT(sh.mods[1].attr.nvals, 0);		/* "" means the attribute */
	CHECK_EQ_INT(sh.mods[2].op, LDAP_MOD_REPLACE);
	CHECK_EQ_INT(sh.mods[3].op, LDAP_MOD_ADD);	/* a second add appends */
}

TEST(modify_ttl)
{
	ber_slice ttl[] = { S("1800") }, st[] = { S("10") }, op[] = { S("2") }, f[] = { S("1") };
	ldap_mod tapi[] = { M(LDAP_MOD_REPLACE, "EntryTTL", ttl, 1) };
	ldap_mod ils[] = { M(LDAP_MOD_REPLACE, "sttl", st, 1), M(LDAP_MOD_REPLACE, "smodop", op, 1),
	    M(LDAP_MOD_REPLACE, "ilsA26214430", f, 1) };
	ils_mod_shape sh;

	arena_reset(&mem);
	CHECK(ils_shape_modify(&env, tapi, 1, &mem, &sh) == 0);
	CHECK_EQ_INT(sh.nmods, 1);
	CHECK_SLICE(sh.mods[0].attr.type, "entryTtl");
	CHECK_SLICE(sh.mods[0].attr.vals[0], "1800");
	CHECK_EQ_INT(sh.smodop, ILS_SMODOP_NONE);

	CHECK(ils_shape_modify(&env, ils, 3, &mem, &sh) == 0);
	CHECK_EQ_INT(sh.nmods, 2);
	CHECK_SLICE(sh.mods[0].attr.type, "ilsA26214430");
	CHECK_SLICE(sh.mods[1].attr.type, "entryTtl");
	CHECK_SLICE(sh.mods[1].attr.vals[0], "600");
	CHECK_EQ_INT(sh.ttl, 600);
}

TEST(modify_delete_application)
{
	ber_slice op[] = { S("1") }, app[] = { S("ms-netmeeting") }, gn[] = { S("x") };
	ldap_mod in[] = { M(LDAP_MOD_REPLACE, "smodop", op, 1), M(LDAP_MOD_REPLACE, "sappid", app, 1),
	    M(LDAP_MOD_REPLACE, "givenName", gn, 1) };
	ils_mod_shape sh;
	bool saw_app = false, saw_port = false;

	arena_reset(&mem);
	CHECK(ils_shape_modify(&env, in, 3, &mem, &sh) == 0);
	CHECK_EQ_INT(sh.smodop, ILS_SMODOP_DEL_APP);
	CHECK_SLICE(sh.appid, "ms-netmeeting");
	CHECK_SLICE(sh.mods[0].attr.type, "givenName");
	for (size_t i = 1; i < sh.nmods; i++) {
		CHECK_EQ_INT(sh.mods[i].op, LDAP_MOD_DELETE);
		saw_app |= slice_is(sh.mods[i].attr.type, "applicationID");
		saw_port |= slice_is(sh.mods[i].attr.type, "port");
	}
	CHECK(saw_app && saw_port);
}

TEST(small_helpers)
{
	int64_t v;
	CHECK(ils_parse_int(S("42"), &v) && v == 42);
	CHECK(ils_parse_int(S(" 7 "), &v) && v == 7);
	CHECK(ils_parse_int(S("-3"), &v) && v == -3);
	CHECK(!ils_parse_int(S(""), &v));
	CHECK(!ils_parse_int(S("4x"), &v));
	CHECK(!ils_parse_int(S("99999999999999999999"), &v));
	CHECK_SLICE(ils_trim_name(S(" a b %20 ")), "a b");
	CHECK_EQ_INT(ils_trim_name(S("%20%20")).len, 0);
	int scale;
	CHECK(ils_is_ttl(&env, S("STTL"), &scale) && scale == 60);
	CHECK(ils_is_ttl(&env, S("EntryTTL"), &scale) && scale == 1);
	CHECK(!ils_is_ttl(&env, S("cn"), &scale));
	CHECK(ils_is_app_attr(&env, S("protocolMimeType")));
	CHECK(!ils_is_app_attr(&env, S("givenName")));
	CHECK(ils_same_attr(&env, S("surname"), S("SN")));
}

int
main(void)
{
	arena_init(&mem, 65536, 16 << 20);
	if (ils_names_set(&names, &env, "o=Intranet", 10) != 0) {
		fprintf(stderr, "cannot set the names\n");
		return 1;
	}
	RUN(dn_netmeeting_forms);
	RUN(dn_tapi_forms);
	RUN(dn_not_ils);
	RUN(dn_bad_pseudo);
	RUN(dn_bytes_and_escapes);
	RUN(dn_person_and_conference_differ);
	RUN(dn_other_suffix);
	RUN(base_pseudo);
	RUN(base_schema_probe);
	RUN(base_tree_and_plain);
	RUN(filter_netmeeting);
	RUN(filter_sttl_is_an_action);
	RUN(filter_percent);
	RUN(filter_names);
	RUN(filter_mailto_attribute);
	RUN(filter_budget);
	RUN(attr_select);
	RUN(add_netmeeting);
	RUN(add_ils_api_sttl);
	RUN(add_tapi);
	RUN(add_conference_access_test);
	RUN(add_merges_repeated_attributes);
	RUN(modify_netmeeting_logon);
	RUN(modify_protocol_update);
	RUN(modify_set_info);
	RUN(modify_ttl);
	RUN(modify_delete_application);
	RUN(small_helpers);
	arena_free(&mem);
	return test_summary();
}
