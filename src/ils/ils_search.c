/*
 * ils_search.c - ILS searches rewritten into directory searches.
 *
 *   - Pseudo-bases: objectClass=RTPerson (every person, whatever the scope:
 *     NetMeeting and the ILS API say base, PTLib subtree) becomes a
 *     one-level search of ou=Dynamic restricted to rtPerson;
 *     objectClass=Conference / RTConference the same for rtConference, where
 *     a filter's cn means uid (conferences are named by uid).  A pseudo-DN
 *     naming one person searches that entry.
 *   - TAPI's schema probe base "<NC>,ou=admin,cn=schema" is the reversed
 *     cn=Schema,ou=Admin,<NC> that ils_init() populates.
 *   - The filter is rewritten (ils_filter.c); an (sttl=N) in it becomes
 *     refresh_ttl = N minutes: every matched entry is refreshed, and when
 *     nothing matches the answer is noSuchObject (32), the one result that
 *     makes NetMeeting and the ILS API register again (ils-compat 5).
 *   - Requested attributes keep their spelling and order; alias names read
 *     the attribute they stand for, sttl in minutes.  A person search asking
 *     for all attributes (PTLib) gets the person in ILS names.
 * A search with none of this is left to the server (ILS_PASS).
 */
#include <string.h>

#include "ils/ils_internal.h"

#define ILS_FILTER_BUDGET 8192		/* nodes a rewritten filter may have */

static ldap_filter *
class_and(arena *a, const char *cls, const ldap_filter *f)
{
	ldap_filter *and = arena_calloc(a, 1, sizeof(*and));
	ldap_filter *oc = arena_calloc(a, 1, sizeof(*oc));

	if (and == NULL || oc == NULL)
		return NULL;
	oc->type = LDAP_FILTER_EQUALITY;
	oc->u.ava.attr = BER_SLICE_STR("objectClass");
	oc->u.ava.value = ldap_slice(cls);
	oc->next = (ldap_filter *)f;
	and->type = LDAP_FILTER_AND;
	and->u.set.children = oc;
	and->u.set.count = f != NULL ? 2 : 1;
	return and;
}

static int
rewrite(dir *d, const dir_ctx *c, const ils_env *env, const ldap_search_req *req,
    dir_search_params *out, dir_result *res)
{
	ils_base b;
	bool attrs_changed;
	ldap_filter *f;

	if (ils_base_classify(env, req->base, c->a, &b) != 0)
		goto nomem;
	bool collection = b.kind == ILS_BASE_PEOPLE || b.kind == ILS_BASE_CONFERENCES ||
	    b.kind == ILS_BASE_APPUSERS;
	bool ils_shaped = b.kind != ILS_BASE_NONE && b.kind != ILS_BASE_SCHEMA;
	ils_frw w = {
		.env = env,
		.flags = (ils_shaped ? ILS_FRW_PERCENT : 0) |
		    (b.kind == ILS_BASE_CONFERENCES ? ILS_FRW_CONF_UID : 0),
		.a = c->a,
		.budget = ILS_FILTER_BUDGET,
	};
	if (ils_filter_rewrite(&w, req->filter, &f) != 0)
		goto nomem;
	memset(out, 0, sizeof(*out));
	int all = b.kind == ILS_BASE_PEOPLE || (b.kind == ILS_BASE_ENTRY &&
	    b.entry.kind == ILS_DN_PERSON) ? ILS_ALL_PERSON :
	    collection || b.kind == ILS_BASE_ENTRY ? ILS_ALL_STAR_TTL : ILS_ALL_PLAIN;
	if (ils_attr_select(env, req->attrs, req->nattrs, all, c->a,
	    (dir_attr_sel **)&out->attrs, &out->nattrs, &attrs_changed) != 0)
		goto nomem;
	if (b.kind == ILS_BASE_NONE && !w.changed && !attrs_changed && w.sttl < 0)
		return ILS_PASS;

	out->base = b.base;
	out->scope = req->scope;
	out->filter = f;
	if (collection) {
		const char *cls = b.kind == ILS_BASE_PEOPLE ? "rtPerson" :
		    b.kind == ILS_BASE_CONFERENCES ? "rtConference" : "rtApplicationUser";
		out->scope = b.kind == ILS_BASE_APPUSERS ? LDAP_SCOPE_SUBTREE : LDAP_SCOPE_ONELEVEL;
		if ((out->filter = class_and(c->a, cls, f)) == NULL)
			goto nomem;
	}
	out->typesonly = req->typesonly;
	out->sizelimit = req->sizelimit;
	out->timelimit = req->timelimit;
	if (w.sttl >= 0) {
		/* A refresh that finds nobody tells the client to register again. */
		out->refresh_ttl = w.sttl > 0 ? w.sttl * 60 : 1;
		out->empty_code = LDAP_NO_SUCH_OBJECT;
	}
	return ILS_SEARCH;
nomem:
	ils_res(res, LDAP_OTHER, "out of memory");
	return ILS_DONE;
}

int
ils_search(dir *d, const dir_ctx *c, const ldap_search_req *req, dir_search_params *out,
    dir_result *res)
{
	ils_env env;

	ils_env_init(&env, d, c);
	env.copy_to = c->a;
	int outcome = rewrite(d, c, &env, req, out, res);
	ils_env_done(&env);
	return outcome;
}
