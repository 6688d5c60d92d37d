/*
 * test_dir_access.c - the directory's access policy (src/dir/access.c):
 * rights by rule and default, static versus dynamic adds, ownership by
 * address and by identity, the takeover flag, refresh searches,
 * private attributes, hidden entries and entry size limits.
 */
#include "test.h"
#include "test_dir_util.h"

#define DYN "ou=Dynamic,o=Intranet"
#define ILS_FLAGS (DIR_F_NO_PARENT_CHECK | DIR_F_NO_SCHEMA_CHECK | DIR_F_DYNAMIC)

static tdir T;

static const char *const private_attrs[] = { "securityToken", NULL };
static const dir_access_rule rules[] = {
	{ "ou=Applications,o=Intranet", DIR_WHO_ANONYMOUS, NULL, DIR_RIGHT_READ },
	{ DYN, DIR_WHO_DN, "uid=mod,cn=auth", DIR_RIGHT_READ | DIR_RIGHT_WRITE },
	{ "", DIR_WHO_UNDER, "ou=Blocked,cn=auth", 0 },
};

static void
open_with(const dir_access *acc, const dir_limits *lim)
{
	dir_config cfg;

	if (T.d)
		td_close(&T);
	td_default_config(&cfg, NULL);
	cfg.access = acc;
	if (lim != NULL)
		cfg.limits = *lim;
	if (td_open(&T, &cfg) != 0)
		exit(2);
}

static void
open_policy(void)
{
	static dir_access acc;

	memset(&acc, 0, sizeof(acc));
	acc.rules = rules;
	acc.nrules = sizeof(rules) / sizeof(rules[0]);
	acc.anonymous_rights = DIR_RIGHT_READ | DIR_RIGHT_REGISTER;
	acc.user_rights = DIR_RIGHT_READ | DIR_RIGHT_REGISTER;
	acc.hidden_attr = "sFlags";
	acc.hidden_value = "0";
	acc.private_attrs = private_attrs;
	open_with(&acc, NULL);
}

/* A requester: bound as bind ("" anonymous), from peer, maybe the administrator. */
static dir_ctx *
as(const char *bind, const char *peer, bool admin)
{
	arena_reset(&T.a);
	T.c = (dir_ctx){ bind, admin, T.t0, &T.a, peer, false };
	return &T.c;
}

static int
add(dir_ctx *c, const char *dnstr, const char *ldif, unsigned flags)
{
	ldap_attr *attrs;
	size_t n = td_parse_attrs(c->a, ldif, &attrs);
	dir_result res;

	return dir_add(T.d, c, td_s(dnstr), attrs, n, flags, &res);
}

static int
modify(dir_ctx *c, const char *dnstr, const char *attr, const char *value)
{
	ber_slice v = td_s(value);
	ldap_mod mod = { LDAP_MOD_REPLACE, { td_s(attr), &v, 1 } };
	dir_result res;

	return dir_modify(T.d, c, td_s(dnstr), &mod, 1, DIR_F_NO_SCHEMA_CHECK, &res);
}

static int
del(dir_ctx *c, const char *dnstr, unsigned flags)
{
	dir_result res;

	return dir_delete(T.d, c, td_s(dnstr), flags, &res);
}

static int
refresh(dir_ctx *c, const char *dnstr)
{
	dir_result res;
	int64_t applied;

	return dir_refresh(T.d, c, td_s(dnstr), 300, &applied, &res);
}

/* Searches one level under DYN as c; the rendered entries go to out. */
static int
search(dir_ctx *c, const char *filter, const char *attrs, int64_t refresh_ttl, char *out,
    size_t cap)
{
	dir_search_params p;
	dir_search *s = NULL;
	dir_result res;
	ldap_filter *f = NULL;
	dir_attr_sel *sel = NULL;
	const char *why = NULL;
	td_result r;
	ber_writer w;
	int st, n;

	memset(&p, 0, sizeof(p));
	memset(&r, 0, sizeof(r));
	if (filter_parse(filter, strlen(filter), c->a, 1024, 64, &f, &why) != 0)
		return -1;
	p.base = td_s(DYN);
	p.scope = LDAP_SCOPE_ONELEVEL;
	p.filter = f;
	p.nattrs = td_parse_sel(c->a, attrs, &sel);
	p.attrs = sel;
	p.refresh_ttl = refresh_ttl;
	if (dir_search_begin(T.d, c, &p, &s, &res) != LDAP_SUCCESS)
		return -1;
	ber_writer_init(&w, 4096, 0);
	do {
		ber_writer_reset(&w);
		st = dir_search_step(s, &w, 7, 1u << 20, T.t0, &res);
		td_render(&r, 7, w.buf, w.len);
	} while (st != DIR_SEARCH_DONE);
	n = (int)dir_search_count(s);
	snprintf(out, cap, "%s", r.text ? r.text : "");
	td_result_free(&r);
	ber_writer_free(&w);
	dir_search_free(s);
	return n;
}

#define PERSON "objectClass: rtPerson\nsecurityToken: 31337000\nsFlags: 1\n"

TEST(no_policy_allows_everything)
{
	open_with(NULL, NULL);
	CHECK_EQ_INT(add(as("", "192.0.2.1", false), "cn=a," DYN, PERSON, ILS_FLAGS), 0);
	CHECK_EQ_INT(modify(as("", "192.0.2.9", false), "cn=a," DYN, "sFlags", "0"), 0);
	CHECK_EQ_INT(del(as("", "192.0.2.9", false), "cn=a," DYN, 0), 0);
	CHECK_EQ_INT(add(as("", NULL, false), "ou=x,o=Intranet",
	    "objectClass: organizationalUnit\nou: x\n", 0), 0);
}

TEST(rights)
{
	open_policy();
	/* Static entries need write; dynamic ones register. */
	CHECK_EQ_INT(add(as("", "192.0.2.1", false), "ou=x,o=Intranet",
	    "objectClass: organizationalUnit\nou: x\n", 0), LDAP_INSUFFICIENT_ACCESS_RIGHTS);
	CHECK_EQ_INT(modify(as("", "192.0.2.1", false), "o=Intranet", "description", "x"),
	    LDAP_INSUFFICIENT_ACCESS_RIGHTS);
	CHECK_EQ_INT(add(as("", NULL, true), "ou=x,o=Intranet",
	    "objectClass: organizationalUnit\nou: x\n", 0), 0);
	CHECK_EQ_INT(add(as("", "192.0.2.1", false), "cn=a," DYN, PERSON, ILS_FLAGS), 0);
	/* A rule: anonymous may only read under ou=Applications. */
	CHECK_EQ_INT(add(as("", "192.0.2.1", false), "cn=b,ou=Applications,o=Intranet", PERSON,
	    ILS_FLAGS), LDAP_INSUFFICIENT_ACCESS_RIGHTS);
	CHECK_EQ_INT(add(as("uid=u,cn=auth", "192.0.2.1", false),
	    "cn=b,ou=Applications,o=Intranet", PERSON, ILS_FLAGS), 0);
	/* A rule with no rights for a subtree of identities (bind DNs come normalised). */
	CHECK_EQ_INT(add(as("uid=x,ou=blocked,cn=auth", "192.0.2.1", false), "cn=c," DYN, PERSON,
	    ILS_FLAGS), LDAP_INSUFFICIENT_ACCESS_RIGHTS);
	/* uid=mod may change anyone's entry under ou=Dynamic, not elsewhere. */
	CHECK_EQ_INT(modify(as("uid=mod,cn=auth", "198.51.100.1", false), "cn=a," DYN, "sFlags",
	    "1"), 0);
	CHECK_EQ_INT(del(as("uid=mod,cn=auth", "198.51.100.1", false),
	    "cn=b,ou=Applications,o=Intranet", 0), LDAP_INSUFFICIENT_ACCESS_RIGHTS);
	CHECK_EQ_INT(del(as("uid=mod,cn=auth", "198.51.100.1", false), "cn=a," DYN, 0), 0);
}

TEST(ownership_by_address)
{
	open_policy();
	CHECK_EQ_INT(add(as("", "192.0.2.1", false), "cn=a," DYN, PERSON, ILS_FLAGS), 0);
	CHECK_EQ_INT(modify(as("", "192.0.2.2", false), "cn=a," DYN, "sFlags", "0"),
	    LDAP_INSUFFICIENT_ACCESS_RIGHTS);
	CHECK_EQ_INT(refresh(as("", "192.0.2.2", false), "cn=a," DYN),
	    LDAP_INSUFFICIENT_ACCESS_RIGHTS);
	CHECK_EQ_INT(del(as("", "192.0.2.2", false), "cn=a," DYN, 0),
	    LDAP_INSUFFICIENT_ACCESS_RIGHTS);
	/* The owning address, bound or not. */
	CHECK_EQ_INT(modify(as("", "192.0.2.1", false), "cn=a," DYN, "sFlags", "1"), 0);
	CHECK_EQ_INT(refresh(as("uid=u,cn=auth", "192.0.2.1", false), "cn=a," DYN), 0);
	/* Proven registration secret: another address may replace it. */
	CHECK_EQ_INT(del(as("", "192.0.2.2", false), "cn=a," DYN, DIR_F_TAKEOVER), 0);
	/* The administrator may do anything. */
	CHECK_EQ_INT(add(as("", "192.0.2.1", false), "cn=a," DYN, PERSON, ILS_FLAGS), 0);
	CHECK_EQ_INT(del(as("", NULL, true), "cn=a," DYN, 0), 0);
}

TEST(ownership_by_identity)
{
	open_policy();
	CHECK_EQ_INT(add(as("uid=u,cn=auth", "192.0.2.1", false), "cn=a," DYN, PERSON, ILS_FLAGS),
	    0);
	/* Its address does not own it; the identity does, from anywhere. */
	CHECK_EQ_INT(modify(as("", "192.0.2.1", false), "cn=a," DYN, "sFlags", "0"),
	    LDAP_INSUFFICIENT_ACCESS_RIGHTS);
	CHECK_EQ_INT(modify(as("uid=v,cn=auth", "192.0.2.1", false), "cn=a," DYN, "sFlags", "0"),
	    LDAP_INSUFFICIENT_ACCESS_RIGHTS);
	CHECK_EQ_INT(modify(as("uid=u,cn=auth", "203.0.113.5", false), "cn=a," DYN, "sFlags", "0"),
	    0);
	/* Never taken over by a registration secret. */
	CHECK_EQ_INT(del(as("", "192.0.2.1", false), "cn=a," DYN, DIR_F_TAKEOVER),
	    LDAP_INSUFFICIENT_ACCESS_RIGHTS);
	/* The owner attribute cannot be written by clients. */
	CHECK_EQ_INT(modify(as("uid=u,cn=auth", "192.0.2.1", false), "cn=a," DYN, "ilsdOwner",
	    "ip:192.0.2.66"), LDAP_CONSTRAINT_VIOLATION);
	CHECK_EQ_INT(add(as("", "192.0.2.1", false), "cn=z," DYN, PERSON "ilsdOwner: dn:x\n",
	    ILS_FLAGS), LDAP_CONSTRAINT_VIOLATION);
}

TEST(reading)
{
	char out[8192];

	open_policy();
	CHECK_EQ_INT(add(as("", "192.0.2.1", false), "cn=a," DYN, PERSON, ILS_FLAGS), 0);
	CHECK_EQ_INT(add(as("", "192.0.2.1", false), "cn=shy," DYN,
	    "objectClass: rtPerson\nsecurityToken: 41414141\nsFlags: 0\n", ILS_FLAGS), 0);
	/* The owner sees its secret and its hidden entry; the owner attribute never. */
	CHECK_EQ_INT(search(as("", "192.0.2.1", false), "(cn=*)", "cn securityToken ilsdOwner", 0,
	    out, sizeof(out)), 2);
	CHECK(strstr(out, "securityToken: 31337000") != NULL);
	CHECK(strstr(out, "ilsdOwner") == NULL);
	/* Others: no secret, no hidden entry in a listing, no secret through a filter. */
	CHECK_EQ_INT(search(as("", "192.0.2.2", false), "(cn=*)", "* +", 0, out, sizeof(out)), 1);
	CHECK(strstr(out, "securityToken") == NULL && strstr(out, "ilsdOwner") == NULL);
	CHECK(strstr(out, "cn=shy") == NULL);
	CHECK_EQ_INT(search(as("", "192.0.2.2", false), "(securityToken=31337000)", "cn", 0, out,
	    sizeof(out)), 0);
	CHECK_EQ_INT(search(as("", "192.0.2.2", false), "(cn=sh*)", "cn", 0, out, sizeof(out)), 0);
	/* ... but the hidden entry by its exact name. */
	CHECK_EQ_INT(search(as("", "192.0.2.2", false), "(&(objectClass=rtPerson)(cn=shy))", "cn",
	    0, out, sizeof(out)), 1);
	/* The administrator sees everything. */
	CHECK_EQ_INT(search(as("", NULL, true), "(cn=*)", "ilsdOwner", 0, out, sizeof(out)), 2);
	CHECK(strstr(out, "ilsdOwner: ip:192.0.2.1") != NULL);
	/* A refresh search leaves out what the client may not refresh. */
	CHECK_EQ_INT(search(as("", "192.0.2.2", false), "(cn=a)", "entryTtl", 60, out,
	    sizeof(out)), 0);
	CHECK_EQ_INT(search(as("", "192.0.2.1", false), "(cn=a)", "entryTtl", 60, out,
	    sizeof(out)), 1);
	CHECK(strstr(out, "entryTtl: 60") != NULL);
	/* Compare: the secret is no attribute for others. */
	{
		dir_result res;
		CHECK_EQ_INT(dir_compare(T.d, as("", "192.0.2.2", false), td_s("cn=a," DYN),
		    td_s("securityToken"), td_s("31337000"), &res), LDAP_NO_SUCH_ATTRIBUTE);
		CHECK_EQ_INT(dir_compare(T.d, as("", "192.0.2.1", false), td_s("cn=a," DYN),
		    td_s("securityToken"), td_s("31337000"), &res), LDAP_COMPARE_TRUE);
	}
}

TEST(no_anonymous_read)
{
	static dir_access acc;
	char out[4096];

	memset(&acc, 0, sizeof(acc));
	acc.anonymous_rights = DIR_RIGHT_REGISTER;
	acc.user_rights = DIR_RIGHT_READ | DIR_RIGHT_REGISTER;
	open_with(&acc, NULL);
	CHECK_EQ_INT(add(as("", "192.0.2.1", false), "cn=a," DYN, PERSON, ILS_FLAGS), 0);
	CHECK_EQ_INT(add(as("", "192.0.2.2", false), "cn=b," DYN, PERSON, ILS_FLAGS), 0);
	CHECK_EQ_INT(search(as("", "192.0.2.1", false), "(cn=*)", "cn", 0, out, sizeof(out)), 1);
	CHECK(strstr(out, "cn=a,") != NULL);
	CHECK_EQ_INT(search(as("uid=u,cn=auth", "192.0.2.9", false), "(cn=*)", "cn", 0, out,
	    sizeof(out)), 2);
	{
		dir_result res;
		CHECK_EQ_INT(dir_compare(T.d, as("", "192.0.2.9", false), td_s("cn=a," DYN),
		    td_s("cn"), td_s("a"), &res), LDAP_INSUFFICIENT_ACCESS_RIGHTS);
	}
}

TEST(size_limits)
{
	dir_limits lim = { 16, 2, 4, 0, 0 };	/* "dynamicObject" is 13 bytes */

	open_with(NULL, &lim);
	CHECK_EQ_INT(add(as("", "192.0.2.1", false), "cn=a," DYN,
	    "objectClass: rtPerson\ncomment: 01234567890123456\n", ILS_FLAGS), LDAP_CONSTRAINT_VIOLATION);
	CHECK_EQ_INT(add(as("", "192.0.2.1", false), "cn=a," DYN,
	    "objectClass: rtPerson\nsport: 1\nsport: 2\nsport: 3\n", ILS_FLAGS),
	    LDAP_ADMIN_LIMIT_EXCEEDED);
	CHECK_EQ_INT(add(as("", "192.0.2.1", false), "cn=a," DYN,
	    "objectClass: rtPerson\nsn: a\ncomment: b\nlocation: c\n", ILS_FLAGS),
	    LDAP_ADMIN_LIMIT_EXCEEDED);
	CHECK_EQ_INT(add(as("", "192.0.2.1", false), "cn=a," DYN,
	    "objectClass: rtPerson\nsn: a\n", ILS_FLAGS), 0);
	CHECK_EQ_INT(modify(as("", "192.0.2.1", false), "cn=a," DYN, "comment", "01234567890123456"),
	    LDAP_CONSTRAINT_VIOLATION);
	CHECK_EQ_INT(modify(as("", "192.0.2.1", false), "cn=a," DYN, "comment", "short"), 0);
	CHECK_EQ_INT(modify(as("", "192.0.2.1", false), "cn=a," DYN, "location", "x"),
	    LDAP_ADMIN_LIMIT_EXCEEDED);
	CHECK_EQ_INT(modify(as("", NULL, true), "cn=a," DYN, "location", "0123456789012345678"), 0);
}

int
main(void)
{
	td_setup("dir_access");
	RUN(no_policy_allows_everything);
	RUN(rights);
	RUN(ownership_by_address);
	RUN(ownership_by_identity);
	RUN(reading);
	RUN(no_anonymous_read);
	RUN(size_limits);
	td_close(&T);
	td_teardown();
	return test_summary();
}
