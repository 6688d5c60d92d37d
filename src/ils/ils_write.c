/*
 * ils_write.c - Add, Modify, Delete and Compare of ILS entries.
 *
 * A write whose DN names an ILS entry (a pseudo-DN, or a leaf directly in
 * ou=Dynamic or appName=A,ou=Applications) is done here with the ILS
 * leniencies: no parent needed, no schema check (nothing a shipped client
 * sends may be refused: unknown ILSA<n> attributes, empty strings, "-" as a
 * country), every entry a dynamicObject, Modify lenient.
 *
 * Re-registration (ils-compat 6): an Add over an existing person with the
 * same securityToken (ssecurity) is the same client coming back and
 * replaces the entry; an application user is replaced when its userObject
 * is the same.  Anything else answers 68.  The steps (add, compare,
 * delete, add) run under one lock shared by all ILS writes, so two
 * concurrent registrations of one name cannot interleave: one wins.
 *
 * Application data lives on the person (see docs/compatibility.md): a
 * person added canonically (TAPI) while application users of its name
 * exist takes over their application attributes, and an application user added for an existing
 * person gives the person the ones it lacks, so NetMeeting's listing
 * filter (sappid, sprotid) finds TAPI-published people too.  Deleting a
 * person deletes its application users (MS-TAIL 3.5.4).
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "ils/ils_internal.h"

#define ILS_WRITE_FLAGS (DIR_F_NO_PARENT_CHECK | DIR_F_NO_SCHEMA_CHECK | DIR_F_DYNAMIC | \
    DIR_F_VALUE_LIST)
#define ILS_MODIFY_FLAGS (DIR_F_LENIENT_MODIFY | DIR_F_NO_SCHEMA_CHECK | DIR_F_VALUE_LIST)
#define ILS_MAX_APPUSERS 64		/* application users of one person we act on */

static pthread_mutex_t write_lock = PTHREAD_MUTEX_INITIALIZER;

/*
 * Serialises ILS read-check-write sequences.  Under group commit the
 * thread first takes the store's writer lock (its batch), then this
 * mutex: every thread takes the two in that order, and the sequence's
 * reads see the writes of the batch before it.
 */
void
ils_write_lock(dir *d)
{
	dir_write_hold(d);
	pthread_mutex_lock(&write_lock);
}

void
ils_write_unlock(void)
{
	pthread_mutex_unlock(&write_lock);
}

static ber_slice
copy_slice(arena *a, ber_slice s)
{
	uint8_t *p = arena_alloc(a, s.len + 1);

	if (p == NULL)
		return (ber_slice){ NULL, 0 };
	if (s.len > 0)
		memcpy(p, s.p, s.len);
	p[s.len] = '\0';
	return (ber_slice){ p, s.len };
}

/* ---- reading the application users of a name ---- */

typedef struct app_scan {
	const ils_env *env;
	arena *a;
	ber_slice dns[ILS_MAX_APPUSERS];	/* their DNs */
	size_t ndns;
	ldap_attr *attrs;			/* their application attributes, merged */
	size_t nattrs, cap;
	bool failed;
} app_scan;

static ldap_attr *
scan_find(app_scan *s, ber_slice type)
{
	for (size_t i = 0; i < s->nattrs; i++)
		if (ils_same_attr(s->env, s->attrs[i].type, type))
			return &s->attrs[i];
	return NULL;
}

static int
scan_entry(void *ctx, const ldap_entry_msg *e)
{
	app_scan *s = ctx;

	if (s->ndns < ILS_MAX_APPUSERS)
		s->dns[s->ndns++] = copy_slice(s->a, e->dn);
	for (size_t i = 0; i < e->nattrs; i++) {
		const ldap_attr *at = &e->attrs[i];
		if (at->nvals == 0 || !ils_is_app_attr(s->env, at->type) ||
		    scan_find(s, at->type) != NULL || s->nattrs == s->cap)
			continue;
		ber_slice *vals = arena_alloc(s->a, at->nvals * sizeof(*vals));
		if (vals == NULL) {
			s->failed = true;
			return 1;
		}
		for (size_t k = 0; k < at->nvals; k++)
			vals[k] = copy_slice(s->a, at->vals[k]);
		s->attrs[s->nattrs++] = (ldap_attr){ copy_slice(s->a, at->type), vals, at->nvals };
	}
	return 0;
}

/* Searches base for entries of class cls named name (cn); fills s. */
static int
scan(dir *d, const dir_ctx *c, const ils_env *env, const char *base, int scope,
    const char *cls, ber_slice name, app_scan *s)
{
	ldap_filter f_and, f_oc, f_cn;
	dir_attr_sel sel[16];
	size_t nsel = 0;
	dir_result res;

	memset(s, 0, sizeof(*s));
	s->env = env;
	s->a = c->a;
	s->cap = 16;
	s->attrs = arena_calloc(c->a, s->cap, sizeof(*s->attrs));
	if (s->attrs == NULL)
		return LDAP_OTHER;
	for (size_t i = 0; ils_app_attrs[i] != NULL && nsel < 16; i++)
		sel[nsel++] = (dir_attr_sel){ ldap_slice(ils_app_attrs[i]), { NULL, 0 }, 0 };
	memset(&f_and, 0, sizeof(f_and));
	memset(&f_oc, 0, sizeof(f_oc));
	memset(&f_cn, 0, sizeof(f_cn));
	f_and.type = LDAP_FILTER_AND;
	f_and.u.set.children = &f_oc;
	f_and.u.set.count = 2;
	f_oc.type = LDAP_FILTER_EQUALITY;
	f_oc.u.ava.attr = BER_SLICE_STR("objectClass");
	f_oc.u.ava.value = ldap_slice(cls);
	f_oc.next = &f_cn;
	f_cn.type = LDAP_FILTER_EQUALITY;
	f_cn.u.ava.attr = BER_SLICE_STR("cn");
	f_cn.u.ava.value = name;
	dir_search_params p = {
		.base = ldap_slice(base),
		.scope = scope,
		.filter = &f_and,
		.attrs = sel,
		.nattrs = nsel,
		.sizelimit = ILS_MAX_APPUSERS,
	};
	int code = ils_read(d, c, &p, scan_entry, s, &res);
	if (s->failed)
		return LDAP_OTHER;
	return code == LDAP_SIZE_LIMIT_EXCEEDED ? LDAP_SUCCESS : code;
}

/* A person being added takes the application attributes of its application users. */
static int
merge_from_appusers(dir *d, const dir_ctx *c, const ils_env *env, const ils_dn *dn,
    ils_add_shape *sh)
{
	app_scan s;

	if (scan(d, c, env, env->names->apps, LDAP_SCOPE_SUBTREE, "rtApplicationUser",
	    dn->name, &s) != LDAP_SUCCESS || s.nattrs == 0)
		return 0;
	ldap_attr *attrs = arena_calloc(c->a, sh->nattrs + s.nattrs, sizeof(*attrs));
	if (attrs == NULL)
		return -1;
	memcpy(attrs, sh->attrs, sh->nattrs * sizeof(*attrs));
	size_t n = sh->nattrs;
	for (size_t i = 0; i < s.nattrs; i++) {
		bool have = false;
		for (size_t k = 0; k < sh->nattrs && !have; k++)
			have = ils_same_attr(env, attrs[k].type, s.attrs[i].type);
		if (!have)
			attrs[n++] = s.attrs[i];
	}
	sh->attrs = attrs;
	sh->nattrs = n;
	return 0;
}

/* An application user just added gives its person the application attributes it lacks. */
static void
merge_into_person(dir *d, const dir_ctx *c, const ils_env *env, const ils_dn *dn,
    const ils_add_shape *sh)
{
	ber_slice person = ils_dn_build(c->a, "cn", dn->name, env->names->dynamic);
	ldap_mod *mods = arena_calloc(c->a, sh->nattrs, sizeof(*mods));
	app_scan s;
	dir_result res;
	size_t n = 0;

	if (person.p == NULL || mods == NULL ||
	    scan(d, c, env, env->names->dynamic, LDAP_SCOPE_ONELEVEL, "rtPerson", dn->name,
	    &s) != LDAP_SUCCESS || s.ndns == 0)
		return;
	for (size_t i = 0; i < sh->nattrs; i++) {
		const ldap_attr *at = &sh->attrs[i];
		if (!ils_is_app_attr(env, at->type) || scan_find(&s, at->type) != NULL)
			continue;
		mods[n].op = LDAP_MOD_ADD;
		mods[n++].attr = *at;
	}
	if (n > 0)
		dir_modify(d, c, s.dns[0], mods, n, ILS_MODIFY_FLAGS, &res);
}

/* ---- Add ---- */

/*
 * Is the existing entry the same registration?  For a person the
 * securityToken decides (both absent counts as the same), for an
 * application user the userObject.  Returns 1 same, 0 different, -1 gone.
 * The token is private to the entry's owner, so the comparison is made
 * with the server's rights; whether the client may replace the entry is
 * the directory's decision when it is deleted.
 */
static int
same_owner(dir *d, const dir_ctx *c, const ils_dn *dn, const ils_add_shape *sh)
{
	const char *attr = dn->kind == ILS_DN_PERSON ? "securityToken" : "userObject";
	ber_slice want = dn->kind == ILS_DN_PERSON ? sh->token : sh->user;
	dir_ctx server = *c;
	dir_result res;

	server.is_admin = true;
	int code = dir_compare(d, &server, dn->dn, ldap_slice(attr),
	    want.p != NULL ? want : BER_SLICE_STR("-"), &res);
	switch (code) {
	case LDAP_COMPARE_TRUE:
		return want.p != NULL;
	case LDAP_NO_SUCH_ATTRIBUTE:
	case LDAP_UNDEFINED_ATTRIBUTE_TYPE:
		return want.p == NULL;
	case LDAP_NO_SUCH_OBJECT:
		return -1;
	default:
		return 0;
	}
}

/*
 * A securityToken that identifies one client (docs/security.md): NetMeeting
 * sends a number from a clock tick.  Every TAPI client sends 1508109, and
 * a short value is guessable, so those prove nothing.
 */
static bool
token_proves_identity(ber_slice token)
{
	static const char tapi[] = "1508109";

	if (token.p == NULL || token.len < ILS_TOKEN_MIN_LEN)
		return false;
	return !(token.len == sizeof(tapi) - 1 && memcmp(token.p, tapi, token.len) == 0);
}

static int
add_locked(dir *d, const dir_ctx *c, const ils_env *env, const ils_dn *dn,
    ils_add_shape *sh, dir_result *res)
{
	int code = LDAP_OTHER;

	/* Only TAPI writes application users; its people are written canonically. */
	if (dn->kind == ILS_DN_PERSON && !dn->pseudo &&
	    merge_from_appusers(d, c, env, dn, sh) != 0) {
		ils_res(res, LDAP_OTHER, "out of memory");
		return LDAP_OTHER;
	}
	for (int attempt = 0; attempt < ILS_WRITE_RETRIES; attempt++) {
		code = dir_add(d, c, dn->dn, sh->attrs, sh->nattrs, ILS_WRITE_FLAGS, res);
		if (code != LDAP_ENTRY_ALREADY_EXISTS ||
		    (dn->kind != ILS_DN_PERSON && dn->kind != ILS_DN_APPUSER))
			break;
		int same = same_owner(d, c, dn, sh);
		if (same == 0)
			break;
		if (same == 1) {
			/*
			 * The same registration coming back.  The owner may replace it;
			 * another address only with a token that proves who it is
			 * (NetMeeting logging on again after an address change).
			 */
			unsigned fl = dn->kind == ILS_DN_PERSON && token_proves_identity(sh->token) ?
			    DIR_F_TAKEOVER : 0;
			dir_result dres;
			if (dir_delete(d, c, dn->dn, fl, &dres) == LDAP_INSUFFICIENT_ACCESS_RIGHTS)
				break;		/* someone else's: the name is taken */
		}
	}
	if (code == LDAP_SUCCESS && dn->kind == ILS_DN_APPUSER)
		merge_into_person(d, c, env, dn, sh);
	return code;
}

/*
 * Sorts the DN of an add, modify or delete.  True for an ILS name the
 * caller goes on with; false when it is answered here (res set) or is
 * plain LDAP (*outcome = ILS_PASS).  bad_code answers an ILS name
 * without cn: an add cannot create it, the other writes cannot find it.
 */
static bool
write_target(const ils_env *env, ber_slice name, arena *a, int bad_code, ils_dn *dn,
    int *outcome, dir_result *res)
{
	if (ils_dn_classify(env, name, a, dn) != 0) {
		ils_res(res, LDAP_OTHER, "out of memory");
		return false;
	}
	if (dn->kind == ILS_DN_NONE) {
		*outcome = ILS_PASS;
		return false;
	}
	if (dn->kind == ILS_DN_BAD) {
		ils_res(res, bad_code, "ILS name without cn");
		return false;
	}
	return true;
}

int
ils_add(dir *d, const dir_ctx *c, const ldap_add_req *req, dir_result *res)
{
	ils_env env;
	ils_dn dn;
	ils_add_shape sh;
	int outcome = ILS_DONE;

	ils_env_init(&env, d, c);
	if (!write_target(&env, req->dn, c->a, LDAP_INVALID_DN_SYNTAX, &dn, &outcome, res)) {
		/* answered, or not an ILS name */
	} else if (ils_shape_add(&env, &dn, req->attrs, req->nattrs, c->a, &sh) != 0) {
		ils_res(res, LDAP_OTHER, "out of memory");
	} else {
		ils_write_lock(d);
		add_locked(d, c, &env, &dn, &sh, res);
		ils_write_unlock();
	}
	ils_env_done(&env);
	return outcome;
}

/* ---- Modify ---- */

int
ils_modify(dir *d, const dir_ctx *c, const ldap_modify_req *req, dir_result *res)
{
	ils_env env;
	ils_dn dn;
	ils_mod_shape sh;
	int outcome = ILS_DONE;

	ils_env_init(&env, d, c);
	if (!write_target(&env, req->dn, c->a, LDAP_NO_SUCH_OBJECT, &dn, &outcome, res)) {
		/* answered, or not an ILS name */
	} else if (ils_shape_modify(&env, req->mods, req->nmods, c->a, &sh) != 0) {
		ils_res(res, LDAP_OTHER, "out of memory");
	} else {
		ils_write_lock(d);
		int code = dir_modify(d, c, dn.dn, sh.mods, sh.nmods, ILS_MODIFY_FLAGS, res);
		if (code == LDAP_SUCCESS && dn.kind == ILS_DN_PERSON &&
		    sh.smodop == ILS_SMODOP_DEL_APP && sh.appid.len > 0) {
			ber_slice app = ils_dn_build(c->a, "appName", sh.appid, env.names->apps);
			ber_slice au = app.p ? ils_dn_build(c->a, "cn", dn.name,
			    (const char *)app.p) : app;
			dir_result dres;
			if (au.p != NULL)
				dir_delete(d, c, au, 0, &dres);
		}
		ils_write_unlock();
	}
	ils_env_done(&env);
	return outcome;
}

/* ---- Delete ---- */

static int
delete_locked(dir *d, const dir_ctx *c, const ils_env *env, const ils_dn *dn, dir_result *res)
{
	int code = dir_delete(d, c, dn->dn, 0, res);
	app_scan s;

	if (dn->kind != ILS_DN_PERSON || (code != LDAP_SUCCESS && code != LDAP_NO_SUCH_OBJECT))
		return code;
	if (scan(d, c, env, env->names->apps, LDAP_SCOPE_SUBTREE, "rtApplicationUser",
	    dn->name, &s) != LDAP_SUCCESS)
		return code;
	for (size_t i = 0; i < s.ndns; i++) {
		dir_result dres;
		if (dir_delete(d, c, s.dns[i], 0, &dres) == LDAP_SUCCESS &&
		    code == LDAP_NO_SUCH_OBJECT) {
			code = LDAP_SUCCESS;
			ils_res(res, LDAP_SUCCESS, NULL);
		}
	}
	return code;
}

int
ils_delete(dir *d, const dir_ctx *c, ber_slice dnstr, dir_result *res)
{
	ils_env env;
	ils_dn dn;
	int outcome = ILS_DONE;

	ils_env_init(&env, d, c);
	if (write_target(&env, dnstr, c->a, LDAP_NO_SUCH_OBJECT, &dn, &outcome, res)) {
		ils_write_lock(d);
		delete_locked(d, c, &env, &dn, res);
		ils_write_unlock();
	}
	ils_env_done(&env);
	return outcome;
}

/* ---- Compare ---- */

int
ils_compare(dir *d, const dir_ctx *c, const ldap_compare_req *req, dir_result *res)
{
	ils_env env;
	ils_dn dn;
	const schema_alias *al = NULL;
	int outcome = ILS_DONE, scale = 1;

	ils_env_init(&env, d, c);
	if (ils_dn_classify(&env, req->dn, c->a, &dn) != 0) {
		ils_res(res, LDAP_OTHER, "out of memory");
		goto out;
	}
	ber_slice attr = ils_map_name(&env, req->attr, &al);
	ber_slice value = req->value;
	if (dn.kind == ILS_DN_NONE && al == NULL) {
		outcome = ILS_PASS;
		goto out;
	}
	if (dn.kind == ILS_DN_BAD) {
		ils_res(res, LDAP_NO_SUCH_OBJECT, "ILS name without cn");
		goto out;
	}
	if (ils_is_ttl(&env, req->attr, &scale) && scale > 1) {
		int64_t n;
		char *buf = arena_alloc(c->a, 24);
		if (buf != NULL && ils_parse_int(value, &n) && n >= 0 && n <= ILS_TTL_MAX_MINUTES) {
			int len = snprintf(buf, 24, "%lld", (long long)(n * scale));
			value = (ber_slice){ (const uint8_t *)buf, (size_t)len };
		}
	}
	dir_compare(d, c, dn.kind == ILS_DN_NONE ? req->dn : dn.dn, attr, value, res);
out:
	ils_env_done(&env);
	return outcome;
}
