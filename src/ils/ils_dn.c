/*
 * ils_dn.c - which directory entry an ILS client means by a DN.
 *
 * ILS clients name people with reversed pseudo-DNs that end in
 * objectClass=RTPerson (ils-compat section 2): "c=-,o=Microsoft,cn=X,
 * objectClass=RTPerson" and its spellings (spaces after commas, lowercase
 * objectclass, c and o absent, "mailto:cn=X", a trailing "%20", "cn= X").
 * They all denote the canonical entry cn=X,ou=Dynamic,<suffix>.  TAPI
 * writes canonical DNs directly; those are recognised by their container
 * (ou=Dynamic or appName=A,ou=Applications under the suffix), compared in
 * normalised form.  Search bases get the same treatment plus the
 * pseudo-bases objectClass=RTPerson / Conference and TAPI's reversed
 * schema probe base.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "ils/ils_internal.h"
#include "ldap/dn.h"

static bool
ieq(const char *s, size_t n, const char *lit)
{
	return strlen(lit) == n && strncasecmp(s, lit, n) == 0;
}

int
ils_names_set(ils_names *n, const ils_env *env, const char *suffix, size_t len)
{
	ils_names tmp;
	long l;

	memset(&tmp, 0, sizeof(tmp));
	if (len == 0 || len >= ILS_SUFFIX_MAX)
		return -1;
	snprintf(tmp.suffix, sizeof(tmp.suffix), "%.*s", (int)len, suffix);
	snprintf(tmp.dynamic, sizeof(tmp.dynamic), "ou=Dynamic,%s", tmp.suffix);
	snprintf(tmp.apps, sizeof(tmp.apps), "ou=Applications,%s", tmp.suffix);
	snprintf(tmp.schema, sizeof(tmp.schema), "cn=Schema,ou=Admin,%s", tmp.suffix);
	if ((l = env->norm_dn(env->dctx, ldap_slice(tmp.suffix), tmp.nsuffix,
	    sizeof(tmp.nsuffix))) < 0)
		return -1;
	tmp.nsuffix_len = (size_t)l;
	if ((l = env->norm_dn(env->dctx, ldap_slice(tmp.dynamic), tmp.ndynamic,
	    sizeof(tmp.ndynamic))) < 0)
		return -1;
	tmp.ndynamic_len = (size_t)l;
	if ((l = env->norm_dn(env->dctx, ldap_slice(tmp.apps), tmp.napps,
	    sizeof(tmp.napps))) < 0)
		return -1;
	tmp.napps_len = (size_t)l;
	*n = tmp;
	return 0;
}

bool
ils_slice_ieq(ber_slice a, ber_slice b)
{
	return a.len == b.len && (a.len == 0 || strncasecmp((const char *)a.p,
	    (const char *)b.p, a.len) == 0);
}

ber_slice
ils_trim_name(ber_slice v)
{
	for (;;) {
		size_t before = v.len;
		while (v.len > 0 && v.p[0] == ' ') {
			v.p++;
			v.len--;
		}
		while (v.len > 0 && v.p[v.len - 1] == ' ')
			v.len--;
		if (v.len >= 3 && memcmp(v.p + v.len - 3, "%20", 3) == 0)
			v.len -= 3;
		if (v.len == before)
			return v;
	}
}

ber_slice
ils_dn_build(arena *a, const char *type, ber_slice value, const char *parent)
{
	size_t tlen = strlen(type), plen = strlen(parent);
	size_t cap = tlen + 1 + 3 * value.len + 1 + plen + 1;
	char *buf = arena_alloc(a, cap);
	ber_slice out = { NULL, 0 };

	if (buf == NULL)
		return out;
	memcpy(buf, type, tlen);
	buf[tlen] = '=';
	long n = dn_escape_value((const char *)value.p, value.len, buf + tlen + 1,
	    cap - tlen - 1);
	if (n < 0)
		return out;
	size_t pos = tlen + 1 + (size_t)n;
	buf[pos++] = ',';
	memcpy(buf + pos, parent, plen);
	pos += plen;
	buf[pos] = '\0';
	out.p = (const uint8_t *)buf;
	out.len = pos;
	return out;
}

/* Normalises dn into the arena; false if it is not a valid DN. */
static bool
normalize(const ils_env *env, ber_slice name, arena *a, char **ndn, size_t *nlen)
{
	size_t cap = 3 * name.len + 16;
	char *buf = arena_alloc(a, cap);

	if (buf == NULL)
		return false;
	long n = env->norm_dn(env->dctx, name, buf, cap);
	if (n < 0)
		return false;
	*ndn = buf;
	*nlen = (size_t)n;
	return true;
}

static bool
key_is(const ils_env *env, const char *type, size_t len, const char *key)
{
	char k[64];
	ber_slice t = { (const uint8_t *)type, len };
	size_t n = ils_key(env, t, k, sizeof(k));

	return n > 0 && ieq(k, n, key);
}

/* "cn", "mailto:cn" (any "scheme:cn"), or what the schema calls cn. */
static bool
is_cn_type(const ils_env *env, const dn_ava *ava)
{
	const char *colon = memchr(ava->type, ':', ava->typelen);

	if (colon != NULL) {
		size_t rest = ava->typelen - (size_t)(colon + 1 - ava->type);
		return ieq(colon + 1, rest, "cn");
	}
	return key_is(env, ava->type, ava->typelen, "cn");
}

/* The class a pseudo-DN's final objectClass=... RDN names, as an ILS_DN kind. */
static int
pseudo_class(const dn_rdn *rdn)
{
	if (rdn->navas != 1 || !ieq(rdn->avas[0].type, rdn->avas[0].typelen, "objectClass"))
		return ILS_DN_NONE;
	const char *v = rdn->avas[0].value;
	size_t n = rdn->avas[0].valuelen;
	ber_slice t = ils_trim_name((ber_slice){ (const uint8_t *)v, n });
	v = (const char *)t.p;
	n = t.len;
	if (ieq(v, n, "RTPerson"))
		return ILS_DN_PERSON;
	if (ieq(v, n, "RTConference") || ieq(v, n, "Conference"))
		return ILS_DN_CONFERENCE;
	if (ieq(v, n, "RTApplicationUser"))
		return ILS_DN_APPUSER;
	return ILS_DN_NONE;
}

/* c=..,o=..,cn=X,objectClass=RTPerson -> cn=X,ou=Dynamic,<suffix>. */
static int
classify_pseudo(const ils_env *env, const dn *p, int kind, arena *a, ils_dn *out)
{
	const dn_ava *name = NULL;

	out->pseudo = true;
	out->kind = ILS_DN_BAD;
	if (kind == ILS_DN_APPUSER)
		return 0;	/* no application-user pseudo-DN is known: refuse */
	for (size_t r = 0; r + 1 < p->nrdns && name == NULL; r++) {
		for (size_t i = 0; i < p->rdns[r].navas; i++) {
			const dn_ava *ava = &p->rdns[r].avas[i];
			if (is_cn_type(env, ava) || (kind == ILS_DN_CONFERENCE &&
			    key_is(env, ava->type, ava->typelen, "uid"))) {
				name = ava;
				break;
			}
		}
	}
	if (name == NULL)
		return 0;
	out->name = ils_trim_name((ber_slice){ (const uint8_t *)name->value, name->valuelen });
	if (out->name.len == 0)
		return 0;
	out->dn = ils_dn_build(a, kind == ILS_DN_PERSON ? "cn" : "uid", out->name,
	    env->names->dynamic);
	if (out->dn.p == NULL)
		return -1;
	if (!normalize(env, out->dn, a, &out->ndn, &out->nlen)) {
		out->ndn = NULL;
		return 0;
	}
	out->kind = kind;
	return 0;
}

static bool
nslice_eq(const char *a, size_t alen, const char *b, size_t blen)
{
	return alen == blen && memcmp(a, b, alen) == 0;
}

/* A canonical DN: is its container ou=Dynamic or appName=A,ou=Applications? */
static void
classify_canonical(const ils_env *env, const dn *p, ils_dn *out)
{
	const ils_names *nm = env->names;
	long off = dn_parent_offset(out->ndn, out->nlen);

	if (off < 0 || p->nrdns < 2)
		return;
	const char *parent = out->ndn + off;
	size_t plen = out->nlen - (size_t)off;
	const dn_rdn *leaf = &p->rdns[0];
	bool single = leaf->navas == 1;
	ber_slice value = { NULL, 0 };
	if (single)
		value = ils_trim_name((ber_slice){ (const uint8_t *)leaf->avas[0].value,
		    leaf->avas[0].valuelen });

	if (nslice_eq(parent, plen, nm->ndynamic, nm->ndynamic_len)) {
		out->kind = ILS_DN_OTHER;
		if (single && key_is(env, leaf->avas[0].type, leaf->avas[0].typelen, "cn"))
			out->kind = ILS_DN_PERSON;
		else if (single && key_is(env, leaf->avas[0].type, leaf->avas[0].typelen, "uid"))
			out->kind = ILS_DN_CONFERENCE;
		out->name = value;
		return;
	}
	if (nslice_eq(parent, plen, nm->napps, nm->napps_len)) {
		out->kind = ILS_DN_OTHER;	/* an appName=A container */
		return;
	}
	long goff = dn_parent_offset(parent, plen);
	if (goff < 0 || !nslice_eq(parent + goff, plen - (size_t)goff, nm->napps, nm->napps_len))
		return;
	const dn_rdn *app = &p->rdns[1];
	out->kind = ILS_DN_OTHER;
	if (single && app->navas == 1 &&
	    key_is(env, leaf->avas[0].type, leaf->avas[0].typelen, "cn") &&
	    key_is(env, app->avas[0].type, app->avas[0].typelen, "appName")) {
		out->kind = ILS_DN_APPUSER;
		out->name = value;
		out->app = ils_trim_name((ber_slice){ (const uint8_t *)app->avas[0].value,
		    app->avas[0].valuelen });
	}
}

int
ils_dn_classify(const ils_env *env, ber_slice name, arena *a, ils_dn *out)
{
	dn p;

	memset(out, 0, sizeof(*out));
	out->dn = name;
	if (name.len == 0 || dn_parse((const char *)name.p, name.len, DN_LENIENT, a, &p) != 0 ||
	    p.nrdns == 0)
		return 0;
	int kind = pseudo_class(&p.rdns[p.nrdns - 1]);
	if (kind != ILS_DN_NONE)
		return classify_pseudo(env, &p, kind, a, out);
	if (!normalize(env, name, a, &out->ndn, &out->nlen)) {
		out->ndn = NULL;
		return 0;
	}
	classify_canonical(env, &p, out);
	if (out->kind == ILS_DN_NONE)
		out->ndn = NULL;
	return 0;
}

/* TAPI's probe base "<NC>,ou=admin,cn=schema" -> "cn=Schema,ou=Admin,<NC>". */
static int
schema_probe_base(const dn *p, arena *a, ils_base *out)
{
	const dn_rdn *last = &p->rdns[p->nrdns - 1], *prev = &p->rdns[p->nrdns - 2];

	if (last->navas != 1 || prev->navas != 1 ||
	    !ieq(last->avas[0].type, last->avas[0].typelen, "cn") ||
	    !ieq(last->avas[0].value, last->avas[0].valuelen, "schema") ||
	    !ieq(prev->avas[0].type, prev->avas[0].typelen, "ou") ||
	    !ieq(prev->avas[0].value, prev->avas[0].valuelen, "admin"))
		return 0;
	dn nc = { p->rdns, p->nrdns - 2 };
	size_t cap = DN_MAX_LEN + 32;
	char *buf = arena_alloc(a, cap);
	if (buf == NULL)
		return -1;
	memcpy(buf, "cn=Schema,ou=Admin,", 19);
	long n = dn_format(&nc, buf + 19, cap - 19);
	if (n < 0)
		return 0;
	out->kind = ILS_BASE_SCHEMA;
	out->base = (ber_slice){ (const uint8_t *)buf, 19 + (size_t)n };
	return 0;
}

int
ils_base_classify(const ils_env *env, ber_slice base, arena *a, ils_base *out)
{
	const ils_names *nm = env->names;
	dn p;

	memset(out, 0, sizeof(*out));
	out->base = base;
	if (base.len == 0 || dn_parse((const char *)base.p, base.len, DN_LENIENT, a, &p) != 0 ||
	    p.nrdns == 0)
		return 0;
	int kind = pseudo_class(&p.rdns[p.nrdns - 1]);
	if (kind != ILS_DN_NONE && p.nrdns == 1) {
		out->kind = kind == ILS_DN_PERSON ? ILS_BASE_PEOPLE :
		    kind == ILS_DN_CONFERENCE ? ILS_BASE_CONFERENCES : ILS_BASE_APPUSERS;
		out->base = ldap_slice(kind == ILS_DN_APPUSER ? nm->apps : nm->dynamic);
		return 0;
	}
	if (kind != ILS_DN_NONE) {
		if (classify_pseudo(env, &p, kind, a, &out->entry) != 0)
			return -1;
		if (out->entry.kind != ILS_DN_BAD) {
			out->kind = ILS_BASE_ENTRY;
			out->base = out->entry.dn;
		}
		return 0;
	}
	if (p.nrdns >= 3) {
		if (schema_probe_base(&p, a, out) != 0)
			return -1;
		if (out->kind != ILS_BASE_NONE)
			return 0;
	}
	char *ndn;
	size_t nlen;
	if (!normalize(env, base, a, &ndn, &nlen))
		return 0;
	if (dn_is_suffix(ndn, nlen, nm->ndynamic, nm->ndynamic_len) ||
	    dn_is_suffix(ndn, nlen, nm->napps, nm->napps_len))
		out->kind = ILS_BASE_TREE;
	return 0;
}
