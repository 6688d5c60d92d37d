/*
 * ils_attrs.c - attribute names and values the ILS way.
 *
 * ILS clients use short wire names (sappid, sipaddress, sttl ...) for the
 * attributes MS-TAIL 2.2.5 maps them to.  Entries are stored once, under
 * the attribute's own name (applicationID, ipAddress, entryTtl), so every
 * client and every standard LDAP tool sees the same entry; requests are
 * rewritten here: Add attributes and Modify changes on the way in, the
 * attribute selection of a search on the way out (the directory answers a
 * name as requested, reading the mapped attribute).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "ils/ils_internal.h"

/* Kept on the person: what MS-TAIL 2.2.2 calls the application user's attributes. */
const char *const ils_app_attrs[] = {
	"applicationID", "appName", "mimeType", "guid", "protocolID",
	"protocolMimeType", "protocolGUID", "port", NULL,
};

void
ils_res(dir_result *res, int code, const char *diag)
{
	res->code = code;
	res->matched = NULL;
	snprintf(res->diag, sizeof(res->diag), "%s", diag ? diag : "");
}

size_t
ils_key(const ils_env *env, ber_slice type, char *out, size_t cap)
{
	return env->attr_key(env->sctx, (const char *)type.p, type.len, out, cap);
}

bool
ils_same_attr(const ils_env *env, ber_slice a, ber_slice b)
{
	char ka[256], kb[256];
	size_t na = ils_key(env, a, ka, sizeof(ka)), nb = ils_key(env, b, kb, sizeof(kb));

	if (na == 0 || nb == 0)
		return ils_slice_ieq(a, b);
	return na == nb && memcmp(ka, kb, na) == 0;
}

static bool
key_eq(const ils_env *env, ber_slice type, const char *name)
{
	return ils_same_attr(env, type, ldap_slice(name));
}

bool
ils_parse_int(ber_slice v, int64_t *out)
{
	size_t i = 0;
	int64_t n = 0;
	bool neg = false, digits = false;

	while (i < v.len && v.p[i] == ' ')
		i++;
	if (i < v.len && (v.p[i] == '-' || v.p[i] == '+'))
		neg = v.p[i++] == '-';
	for (; i < v.len && v.p[i] >= '0' && v.p[i] <= '9'; i++) {
		if (n > (INT64_MAX - 9) / 10)
			return false;
		n = n * 10 + (v.p[i] - '0');
		digits = true;
	}
	while (i < v.len && v.p[i] == ' ')
		i++;
	if (!digits || i != v.len)
		return false;
	*out = neg ? -n : n;
	return true;
}

/* A name owned by the schema, copied when the caller's result outlives it. */
static ber_slice
env_name(const ils_env *env, const char *name)
{
	if (env->copy_to != NULL) {
		char *copy = arena_strndup(env->copy_to, name, strlen(name));
		if (copy != NULL)
			return ldap_slice(copy);
	}
	return ldap_slice(name);
}

ber_slice
ils_map_name(const ils_env *env, ber_slice type, const schema_alias **alias)
{
	const schema_alias *al = env->alias_find(env->sctx, (const char *)type.p, type.len);

	if (alias != NULL)
		*alias = al;
	if (al == NULL)
		return type;
	return env_name(env, al->attr);
}

bool
ils_is_ttl(const ils_env *env, ber_slice type, int *scale)
{
	const schema_alias *al = env->alias_find(env->sctx, (const char *)type.p, type.len);

	if (al != NULL && strcasecmp(al->attr, "entryTtl") == 0) {
		*scale = al->scale > 0 ? al->scale : 1;
		return true;
	}
	if (key_eq(env, type, "entryTtl")) {
		*scale = 1;
		return true;
	}
	return false;
}

bool
ils_is_app_attr(const ils_env *env, ber_slice type)
{
	for (size_t i = 0; ils_app_attrs[i] != NULL; i++)
		if (key_eq(env, type, ils_app_attrs[i]))
			return true;
	return false;
}

/* TTL in seconds from a value in units of scale seconds; false if not a number. */
static bool
ttl_value(ber_slice v, int scale, int64_t *out)
{
	int64_t n;

	if (!ils_parse_int(v, &n))
		return false;
	if (n < 0)
		n = 0;
	if (n > ILS_TTL_MAX_MINUTES)
		n = ILS_TTL_MAX_MINUTES;
	*out = n * scale;
	return true;
}

/*
 * What an ILS client gets when it asks a person search for all attributes
 * (PTLib does): the person in ILS names, as the clients read them by name
 * (ldap_get_values(e, "sipaddress")).  Standard names of the schema
 * ("sn") would not be found under the name the clients ask for ("surname").
 */
static const char *const person_ils_names[] = {
	"objectClass", "cn", "givenName", "surname", "rfc822mailbox", "location",
	"comment", "c", "o", "sipaddress", "sflags", "ssecurity", "smodop", "sttl",
	"sappid", "sappname", "smimetype", "sappguid", "sprotid", "sprotmimetype",
	"sprotguid", "sport", "ilsa26214430", "ilsa26279966", "ilsa32833566",
	"ilsa32964638", "ilsa39321630", "friendlyName", "dwFlags",
	"ntSecurityDescriptor", NULL,
};

static void
select_one(const ils_env *env, ber_slice name, dir_attr_sel *sel, bool *changed)
{
	const schema_alias *al;
	ber_slice target = ils_map_name(env, name, &al);

	sel->name = name;
	if (al == NULL)
		return;
	sel->lookup = target;
	sel->scale = al->scale > 1 ? al->scale : 0;
	*changed = true;
}

int
ils_attr_select(const ils_env *env, const ber_slice *attrs, size_t n, int all,
    arena *a, dir_attr_sel **out, size_t *nout, bool *changed)
{
	const char *const *list = NULL;
	size_t count = n;

	*out = NULL;
	*nout = 0;
	*changed = false;
	if (n == 0) {
		if (all == ILS_ALL_PLAIN)
			return 0;
		static const char *const star_ttl[] = { "*", "sttl", NULL };
		list = all == ILS_ALL_PERSON ? person_ils_names : star_ttl;
		for (count = 0; list[count] != NULL; count++)
			;
		*changed = true;
	}
	dir_attr_sel *sel = arena_calloc(a, count, sizeof(*sel));
	if (sel == NULL)
		return -1;
	for (size_t i = 0; i < count; i++)
		select_one(env, list ? ldap_slice(list[i]) : attrs[i], &sel[i], changed);
	*out = sel;
	*nout = count;
	return 0;
}

/* ---- Add ---- */

/*
 * Attributes being built, each with its canonical key computed once: a
 * hostile request of a thousand attributes costs memcmp()s, not a
 * thousand times a thousand schema lookups.
 */
typedef struct aset {
	const ils_env *env;
	arena *a;
	ldap_attr *attrs;
	ber_slice *keys;
	size_t n;
} aset;

/* The canonical key of type, in the arena (the lowercased type if the schema has none). */
static ber_slice
key_of(const ils_env *env, arena *a, ber_slice type)
{
	char buf[256];
	size_t n = ils_key(env, type, buf, sizeof(buf));
	char *copy;

	if (n == 0) {
		n = type.len < sizeof(buf) ? type.len : sizeof(buf) - 1;
		for (size_t i = 0; i < n; i++)
			buf[i] = (char)(type.p[i] >= 'A' && type.p[i] <= 'Z' ? type.p[i] + 32 :
			    type.p[i]);
	}
	copy = arena_strndup(a, buf, n);
	return (ber_slice){ (const uint8_t *)copy, copy ? n : 0 };
}

static ldap_attr *
aset_find(const aset *s, ber_slice key)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->keys[i].len == key.len && memcmp(s->keys[i].p, key.p, key.len) == 0)
			return &s->attrs[i];
	return NULL;
}

static ldap_attr *
find_attr(const aset *s, const char *type)
{
	return aset_find(s, key_of(s->env, s->a, ldap_slice(type)));
}

static ldap_attr *
aset_push(aset *s, ber_slice type, ber_slice key)
{
	ldap_attr *at = &s->attrs[s->n];

	s->keys[s->n++] = key;
	at->type = type;
	at->vals = NULL;
	at->nvals = 0;
	return at;
}

/* Appends values to at (a fresh array in the arena: the old one may be the request's). */
static int
append_values(arena *a, ldap_attr *at, const ber_slice *vals, size_t n)
{
	ber_slice *nv = arena_alloc(a, (at->nvals + n) * sizeof(*nv));

	if (nv == NULL)
		return -1;
	if (at->nvals > 0)
		memcpy(nv, at->vals, at->nvals * sizeof(*nv));
	memcpy(nv + at->nvals, vals, n * sizeof(*nv));
	at->vals = nv;
	at->nvals += n;
	return 0;
}

static bool
has_value_ci(const ldap_attr *at, const char *v)
{
	for (size_t i = 0; i < at->nvals; i++)
		if (ldap_slice_eq_ci(at->vals[i], v))
			return true;
	return false;
}

/* objectClass gets the ILS class and dynamicObject if the client left them out. */
static int
fill_classes(aset *s, const ils_dn *dn)
{
	static const char *const cls[] = {
		[ILS_DN_PERSON] = "rtPerson",
		[ILS_DN_APPUSER] = "rtApplicationUser",
		[ILS_DN_CONFERENCE] = "rtConference",
	};
	const char *want[2];
	size_t nwant = 0;

	if (dn->kind > ILS_DN_NONE && dn->kind <= ILS_DN_CONFERENCE)
		want[nwant++] = cls[dn->kind];
	want[nwant++] = "dynamicObject";

	ldap_attr *oc = find_attr(s, "objectClass");
	if (oc == NULL)
		oc = aset_push(s, BER_SLICE_STR("objectClass"), key_of(s->env, s->a,
		    BER_SLICE_STR("objectClass")));
	for (size_t i = 0; i < nwant; i++) {
		ber_slice v = ldap_slice(want[i]);
		if (!has_value_ci(oc, want[i]) && append_values(s->a, oc, &v, 1) != 0)
			return -1;
	}
	return 0;
}

static ber_slice
first_value(const aset *s, const char *type)
{
	ldap_attr *at = find_attr(s, type);

	if (at == NULL || at->nvals == 0)
		return (ber_slice){ NULL, 0 };
	return at->vals[0];
}

/* A TTL in seconds as the one value of an entryTtl attribute. */
static int
ttl_attr(arena *a, int64_t ttl, ldap_attr *at)
{
	ber_slice *v = arena_alloc(a, sizeof(*v));
	char *buf = arena_alloc(a, 24);

	if (v == NULL || buf == NULL)
		return -1;
	int len = snprintf(buf, 24, "%lld", (long long)ttl);
	*v = (ber_slice){ (const uint8_t *)buf, (size_t)len };
	at->type = BER_SLICE_STR("entryTtl");
	at->vals = v;
	at->nvals = 1;
	return 0;
}

int
ils_shape_add(const ils_env *env, const ils_dn *dn, const ldap_attr *in, size_t n,
    arena *a, ils_add_shape *out)
{
	aset s = { env, a, arena_calloc(a, n + 3, sizeof(ldap_attr)),
	    arena_calloc(a, n + 3, sizeof(ber_slice)), 0 };

	memset(out, 0, sizeof(*out));
	out->ttl = -1;
	if (s.attrs == NULL || s.keys == NULL)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int scale;
		if (in[i].nvals == 0)
			continue;
		if (ils_is_ttl(env, in[i].type, &scale)) {
			int64_t ttl;
			if (ttl_value(in[i].vals[0], scale, &ttl))
				out->ttl = ttl;
			continue;
		}
		ber_slice type = ils_map_name(env, in[i].type, NULL);
		ber_slice key = key_of(env, a, type);
		ldap_attr *at = aset_find(&s, key);
		if (at == NULL)
			at = aset_push(&s, type, key);
		if (at->nvals == 0) {
			at->vals = in[i].vals;
			at->nvals = in[i].nvals;
		} else if (append_values(a, at, in[i].vals, in[i].nvals) != 0) {
			return -1;
		}
	}
	if (fill_classes(&s, dn) != 0)
		return -1;
	const char *naming = dn->kind == ILS_DN_CONFERENCE ? "uid" : "cn";
	if ((dn->kind == ILS_DN_PERSON || dn->kind == ILS_DN_APPUSER ||
	    dn->kind == ILS_DN_CONFERENCE) && dn->name.len > 0 && find_attr(&s, naming) == NULL) {
		ber_slice type = ldap_slice(naming);
		ldap_attr *at = aset_push(&s, type, key_of(env, a, type));
		if (append_values(a, at, &dn->name, 1) != 0)
			return -1;
	}
	if (out->ttl >= 0 && ttl_attr(a, out->ttl, aset_push(&s, BER_SLICE_STR("entryTtl"),
	    BER_SLICE_STR("entryttl"))) != 0)
		return -1;
	out->attrs = s.attrs;
	out->nattrs = s.n;
	out->token = first_value(&s, "securityToken");
	out->user = first_value(&s, "userObject");
	return 0;
}

/* ---- Modify ---- */

static int
find_smodop(const ldap_mod *in, size_t n)
{
	int smodop = ILS_SMODOP_NONE;

	for (size_t i = 0; i < n; i++) {
		int64_t v;
		if (ldap_slice_eq_ci(in[i].attr.type, "smodop") && in[i].op != LDAP_MOD_DELETE &&
		    in[i].attr.nvals > 0 && ils_parse_int(in[i].attr.vals[0], &v) &&
		    v >= 0 && v <= 3)
			smodop = (int)v;
	}
	return smodop;
}

static bool
seen_before(const ber_slice *keys, size_t n, ber_slice key)
{
	for (size_t i = 0; i < n; i++)
		if (keys[i].len == key.len && memcmp(keys[i].p, key.p, key.len) == 0)
			return true;
	return false;
}

/* smodop 1: every application attribute goes. */
static void
delete_app_attrs(ldap_mod *mods, size_t *count)
{
	for (size_t i = 0; ils_app_attrs[i] != NULL; i++) {
		ldap_mod *m = &mods[(*count)++];
		m->op = LDAP_MOD_DELETE;
		m->attr.type = ldap_slice(ils_app_attrs[i]);
		m->attr.vals = NULL;
		m->attr.nvals = 0;
	}
}

int
ils_shape_modify(const ils_env *env, const ldap_mod *in, size_t n, arena *a,
    ils_mod_shape *out)
{
	size_t napp = sizeof(ils_app_attrs) / sizeof(ils_app_attrs[0]);
	ldap_mod *mods = arena_calloc(a, n + napp + 1, sizeof(*mods));
	ber_slice *keys = arena_calloc(a, n + 1, sizeof(*keys));
	size_t count = 0;

	memset(out, 0, sizeof(*out));
	out->ttl = -1;
	out->smodop = find_smodop(in, n);
	if (mods == NULL || keys == NULL)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const ldap_mod *m = &in[i];
		int scale;
		if (ldap_slice_eq_ci(m->attr.type, "smodop"))
			continue;	/* an operation code, not data */
		if (ils_is_ttl(env, m->attr.type, &scale)) {
			int64_t ttl;
			if (m->op != LDAP_MOD_DELETE && m->attr.nvals > 0 &&
			    ttl_value(m->attr.vals[0], scale, &ttl))
				out->ttl = ttl;
			continue;
		}
		ber_slice type = ils_map_name(env, m->attr.type, NULL);
		if (key_eq(env, type, "applicationID") && m->attr.nvals > 0)
			out->appid = m->attr.vals[0];
		if (out->smodop == ILS_SMODOP_DEL_APP && ils_is_app_attr(env, type))
			continue;
		ldap_mod *o = &mods[count];
		*o = *m;
		o->attr.type = type;
		keys[count] = key_of(env, a, type);
		switch (m->op) {
		case LDAP_MOD_ADD:
			if (m->attr.nvals == 0)
				continue;
			if (!seen_before(keys, count, keys[count]))
				o->op = LDAP_MOD_REPLACE;
			break;
		case LDAP_MOD_DELETE:
			if (m->attr.nvals == 1 && m->attr.vals[0].len == 0)
				o->attr.nvals = 0;
			break;
		default:
			break;
		}
		count++;
	}
	if (out->smodop == ILS_SMODOP_DEL_APP)
		delete_app_attrs(mods, &count);
	if (out->ttl >= 0) {
		mods[count].op = LDAP_MOD_REPLACE;
		if (ttl_attr(a, out->ttl, &mods[count++].attr) != 0)
			return -1;
	}
	out->mods = mods;
	out->nmods = count;
	return 0;
}
