/*
 * proto.c - request encoders for the two dialects (see proto.h).
 *
 * Requests are built on the stack from constant tables and encoded with
 * the ilsd LDAP codec, so a request costs a few hundred bytes of writing
 * and no allocation.  The values are what a NetMeeting user would send;
 * each user gets its own address and security token so entries are not
 * identical.
 */
#include <stdio.h>
#include <string.h>

#include "ldap/ldap.h"
#include "proto.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

#define ILS_BASE "objectClass=RTPerson"
#define STD_BASE "ou=Dynamic,o=Intranet"

/* The per-user values of a person, formatted once per request. */
typedef struct person {
	char surname[32];
	char ip[16];
	char token[16];
} person;

static void
person_make(person *p, uint32_t seq)
{
	/* 10.a.b.c as NetMeeting writes it: the four bytes read little-endian. */
	uint32_t ip = 10u | ((seq >> 16) & 0xffu) << 8 | ((seq >> 8) & 0xffu) << 16 |
	    (seq & 0xffu) << 24;

	snprintf(p->surname, sizeof(p->surname), "User %u", seq);
	snprintf(p->ip, sizeof(p->ip), "%u", ip);
	snprintf(p->token, sizeof(p->token), "%u", 1000000u + seq);
}

void
proto_user_name(char *out, size_t cap, const char *prefix, uint32_t i)
{
	snprintf(out, cap, "%s%07u@ils.bench", prefix, i);
}

static void
dn_of(char *out, size_t cap, int dialect, const char *name)
{
	if (dialect == DIALECT_ILS)
		snprintf(out, cap, "c=-,o=Microsoft,cn=%s,objectClass=RTPerson", name);
	else
		snprintf(out, cap, "cn=%s,ou=Dynamic,o=Intranet", name);
}

void
proto_bind(ber_writer *w, int64_t id, int dialect)
{
	ldap_encode_bind_simple(w, id, dialect == DIALECT_ILS ? 2 : 3, "", "", 0);
}

void
proto_unbind(ber_writer *w, int64_t id)
{
	ldap_encode_unbind(w, id);
}

/* One attribute with up to two values. */
typedef struct attr_spec {
	const char *type;
	const char *v0;
	const char *v1;		/* NULL: single value */
} attr_spec;

/* Person attributes, NetMeeting 3.01's order; index 0 is cn. */
enum { P_CN, P_GIVEN, P_SUR, P_MAIL, P_LOC, P_COMMENT, P_C, P_IP, P_FLAGS, P_SEC,
	P_A1, P_A2, P_A3, P_A4, P_A5, P_COUNT };

static const char *const person_types[2][P_COUNT] = {
	[DIALECT_ILS] = { "cn", "givenname", "surname", "rfc822mailbox", "location", "comment",
	    "c", "sipaddress", "sflags", "ssecurity", "ilsA26214430", "ilsA26279966",
	    "ilsA32833566", "ilsA32964638", "ilsA39321630" },
	[DIALECT_STD] = { "cn", "givenName", "sn", "rfc822Mailbox", "location", "comment",
	    "c", "ipAddress", "sFlags", "securityToken", "ILSA26214430", "ILSA26279966",
	    "ILSA32833566", "ILSA32964638", "ILSA39321630" },
};

/* Application attributes, in the order of NetMeeting's Modify. */
enum { A_MODOP, A_APPID, A_MIME, A_GUID, A_PROT, A_PROTMIME, A_PORT, A_COUNT };

static const attr_spec app_attrs[2][A_COUNT] = {
	[DIALECT_ILS] = {
		{ "smodop", "0", NULL },
		{ "sappid", "ms-netmeeting", NULL },
		{ "smimetype", "text/iuls", NULL },
		{ "sappguid", "008aff194794cf118796444553540000", NULL },
		{ "sprotid", "t120", "h323" },
		{ "sprotmimetype", "text/t120", "text/h323" },
		{ "sport", "1503", "1720" },
	},
	[DIALECT_STD] = {
		{ "smodop", "0", NULL },
		{ "applicationID", "ms-netmeeting", NULL },
		{ "mimeType", "text/iuls", NULL },
		{ "guid", "008aff194794cf118796444553540000", NULL },
		{ "protocolID", "t120", "h323" },
		{ "protocolMimeType", "text/t120", "text/h323" },
		{ "port", "1503", "1720" },
	},
};

/* Room for the attributes of the biggest request: objectClass + person + app + sttl. */
#define MAX_ATTRS (1 + P_COUNT + A_COUNT + 1)

typedef struct attr_list {
	ldap_attr attrs[MAX_ATTRS];
	ber_slice vals[MAX_ATTRS][2];
	size_t n;
} attr_list;

static void
attr_put(attr_list *l, const char *type, const char *v0, const char *v1)
{
	ldap_attr *a = &l->attrs[l->n];

	a->type = ldap_slice(type);
	a->vals = l->vals[l->n];
	a->vals[0] = ldap_slice(v0);
	a->nvals = 1;
	if (v1 != NULL) {
		a->vals[1] = ldap_slice(v1);
		a->nvals = 2;
	}
	l->n++;
}

static void
put_person(attr_list *l, int dialect, const char *name, const person *p)
{
	const char *const *t = person_types[dialect];

	if (dialect == DIALECT_STD)
		attr_put(l, "objectClass", "rtPerson", "dynamicObject");
	attr_put(l, t[P_CN], name, NULL);
	attr_put(l, t[P_GIVEN], "Bench", NULL);
	attr_put(l, t[P_SUR], p->surname, NULL);
	attr_put(l, t[P_MAIL], name, NULL);
	attr_put(l, t[P_LOC], "Building 7", NULL);
	attr_put(l, t[P_COMMENT], "ilsbench", NULL);
	/* NetMeeting sends c=-; a stock server's c is a two-letter country. */
	attr_put(l, t[P_C], dialect == DIALECT_ILS ? "-" : "US", NULL);
	attr_put(l, t[P_IP], p->ip, NULL);
	attr_put(l, t[P_FLAGS], "1", NULL);
	attr_put(l, t[P_SEC], p->token, NULL);
	attr_put(l, t[P_A1], "0", NULL);
	attr_put(l, t[P_A2], "285212672", NULL);
	attr_put(l, t[P_A3], "1", NULL);
	attr_put(l, t[P_A4], "1", NULL);
	attr_put(l, t[P_A5], "0", NULL);
}

static void
put_app(attr_list *l, int dialect)
{
	for (size_t i = 0; i < A_COUNT; i++) {
		const attr_spec *s = &app_attrs[dialect][i];

		attr_put(l, s->type, s->v0, s->v1);
	}
}

static void
encode_add(ber_writer *w, int64_t id, int dialect, const char *name, const attr_list *l)
{
	char dn[PROTO_NAME_MAX + 64];
	ldap_add_req add;

	dn_of(dn, sizeof(dn), dialect, name);
	add.dn = ldap_slice(dn);
	add.attrs = (ldap_attr *)l->attrs;
	add.nattrs = l->n;
	ldap_encode_add(w, id, &add);
}

void
proto_register_add(ber_writer *w, int64_t id, int dialect, const char *name, uint32_t seq)
{
	attr_list l;
	person p;

	l.n = 0;
	person_make(&p, seq);
	put_person(&l, dialect, name, &p);
	encode_add(w, id, dialect, name, &l);
}

void
proto_register_modify(ber_writer *w, int64_t id, int dialect, const char *name)
{
	char dn[PROTO_NAME_MAX + 64];
	ldap_mod mods[A_COUNT];
	ldap_modify_req m;
	attr_list l;

	l.n = 0;
	put_app(&l, dialect);
	for (size_t i = 0; i < A_COUNT; i++) {
		mods[i].op = LDAP_MOD_ADD;
		mods[i].attr = l.attrs[i];
	}
	dn_of(dn, sizeof(dn), dialect, name);
	m.dn = ldap_slice(dn);
	m.mods = mods;
	m.nmods = A_COUNT;
	ldap_encode_modify(w, id, &m);
}

void
proto_preload_add(ber_writer *w, int64_t id, int dialect, const char *name, uint32_t seq,
    int64_t ttl_s)
{
	char minutes[24];
	attr_list l;
	person p;

	l.n = 0;
	person_make(&p, seq);
	put_person(&l, dialect, name, &p);
	put_app(&l, dialect);
	if (dialect == DIALECT_ILS && ttl_s > 0) {
		snprintf(minutes, sizeof(minutes), "%lld", (long long)((ttl_s + 59) / 60));
		attr_put(&l, "sttl", minutes, NULL);
	}
	encode_add(w, id, dialect, name, &l);
}

/* An AND of equality items, the shape of every ILS filter. */
typedef struct and_filter {
	ldap_filter and;
	ldap_filter items[4];
} and_filter;

static void
and_build(and_filter *f, const char *const pairs[][2], size_t n)
{
	memset(f, 0, sizeof(*f));
	f->and.type = LDAP_FILTER_AND;
	f->and.u.set.children = &f->items[0];
	f->and.u.set.count = n;
	for (size_t i = 0; i < n; i++) {
		f->items[i].type = LDAP_FILTER_EQUALITY;
		f->items[i].u.ava.attr = ldap_slice(pairs[i][0]);
		f->items[i].u.ava.value = ldap_slice(pairs[i][1]);
		f->items[i].next = i + 1 < n ? &f->items[i + 1] : NULL;
	}
}

static void
encode_search(ber_writer *w, int64_t id, int dialect, const and_filter *f,
    const char *const *attrs, size_t nattrs, int64_t sizelimit)
{
	ber_slice as[16];
	ldap_search_req s;

	memset(&s, 0, sizeof(s));
	s.base = ldap_slice(dialect == DIALECT_ILS ? ILS_BASE : STD_BASE);
	s.scope = dialect == DIALECT_ILS ? LDAP_SCOPE_BASE : LDAP_SCOPE_ONELEVEL;
	s.deref = LDAP_DEREF_NEVER;
	s.sizelimit = sizelimit;
	s.timelimit = 30;	/* the directory window's limit */
	s.filter = (ldap_filter *)&f->and;
	for (size_t i = 0; i < nattrs && i < NELEM(as); i++)
		as[i] = ldap_slice(attrs[i]);
	s.attrs = as;
	s.nattrs = nattrs < NELEM(as) ? nattrs : NELEM(as);
	ldap_encode_search(w, id, &s, NULL, 0);
}

void
proto_refresh_ttl(ber_writer *w, int64_t id, const char *name, int64_t ttl_s)
{
	char dn[PROTO_NAME_MAX + 64];
	uint8_t buf[256];
	ber_writer v;
	ber_slice value;

	/* RFC 2589 4.1: SEQUENCE { entryName [0] LDAPDN, requestTtl [1] INTEGER } */
	dn_of(dn, sizeof(dn), DIALECT_STD, name);
	ber_writer_init(&v, sizeof(buf), 0);
	ber_begin_seq(&v);
	ber_write_octets(&v, BER_CLASS_CONTEXT, 0, dn, strlen(dn));
	ber_write_integer(&v, BER_CLASS_CONTEXT, 1, ttl_s);
	ber_end(&v);
	if (v.err != 0) {
		w->err = v.err;
		ber_writer_free(&v);
		return;
	}
	value.p = v.buf;
	value.len = v.len;
	ldap_encode_extended(w, id, LDAP_OID_REFRESH, &value);
	ber_writer_free(&v);
}

void
proto_refresh(ber_writer *w, int64_t id, int dialect, const char *name)
{
	static const char *const attrs[] = { "sttl" };
	char minutes[8];
	and_filter f;

	if (dialect == DIALECT_STD) {
		proto_refresh_ttl(w, id, name, PROTO_REFRESH_MINUTES * 60);
		return;
	}
	snprintf(minutes, sizeof(minutes), "%d", PROTO_REFRESH_MINUTES);
	const char *const items[][2] = {
		{ "objectClass", "RTPerson" }, { "cn", name }, { "sttl", minutes },
	};
	and_build(&f, items, NELEM(items));
	encode_search(w, id, dialect, &f, attrs, NELEM(attrs), 0);
}

void
proto_list(ber_writer *w, int64_t id, int dialect, int64_t sizelimit)
{
	static const char *const attrs[2][9] = {
		[DIALECT_ILS] = { "sFlags", "cn", "givenName", "surName", "location",
		    "ilsA26214430", "ilsA32833566", "ilsA32964638", "comment" },
		[DIALECT_STD] = { "sFlags", "cn", "givenName", "sn", "location",
		    "ILSA26214430", "ILSA32833566", "ILSA32964638", "comment" },
	};
	static const char *const ils_items[][2] = {
		{ "objectClass", "RTPerson" }, { "cn", "%" }, { "sappid", "ms-netmeeting" },
		{ "sprotid", "h323" },
	};
	static const char *const std_items[][2] = {
		{ "objectClass", "rtPerson" }, { "applicationID", "ms-netmeeting" },
		{ "protocolID", "h323" },
	};
	and_filter f;

	if (dialect == DIALECT_ILS)
		and_build(&f, ils_items, NELEM(ils_items));
	else
		and_build(&f, std_items, NELEM(std_items));
	encode_search(w, id, dialect, &f, attrs[dialect], 9, sizelimit);
}

void
proto_resolve(ber_writer *w, int64_t id, int dialect, const char *name)
{
	static const char *const ils_attrs[] = { "sipaddress" };
	static const char *const std_attrs[] = { "ipAddress" };
	and_filter f;
	const char *const items[][2] = {
		{ "objectClass", dialect == DIALECT_ILS ? "RTPerson" : "rtPerson" }, { "cn", name },
	};

	and_build(&f, items, NELEM(items));
	encode_search(w, id, dialect, &f, dialect == DIALECT_ILS ? ils_attrs : std_attrs, 1, 0);
}

void
proto_delete(ber_writer *w, int64_t id, int dialect, const char *name)
{
	char dn[PROTO_NAME_MAX + 64];

	dn_of(dn, sizeof(dn), dialect, name);
	ldap_encode_delete(w, id, dn, strlen(dn));
}
