/*
 * alias.c - alias entries (RFC 4512 2.6) and their dereferencing in a
 * Search (RFC 4511 4.5.1.3).
 *
 * An alias is an entry with an aliasedObjectName.  Following it leads to
 * the entry named there; a chain of aliases is followed up to ALIAS_HOPS
 * entries.  An alias that names no entry is an aliasProblem; a loop, a
 * chain that is too long or a name that is not a DN is an
 * aliasDereferencingProblem.
 */
#include <string.h>

#include "dir/dir_int.h"

#define ALIAS_HOPS 16
#define ALIAS_KEY "aliasedobjectname"

bool
alias_is(const entry *e)
{
	const entry_attr *at = entry_find(e, ALIAS_KEY, strlen(ALIAS_KEY));

	return at != NULL && at->nvals > 0;
}

int
alias_follow(const schema *s, store_txn *t, const entry *alias, uint64_t now_ms, arena *a,
    entry *out, dir_result *res)
{
	entry cur = *alias;

	for (int hop = 0; hop < ALIAS_HOPS; hop++) {
		const entry_attr *at = entry_find(&cur, ALIAS_KEY, strlen(ALIAS_KEY));
		dn parsed;
		char *ndn;
		size_t nlen;
		int rc;

		if (dir_parse_dn(s, at->vals[0], a, &parsed, &ndn, &nlen) != LDAP_SUCCESS) {
			dir_res_set(res, LDAP_ALIAS_DEREFERENCING_PROBLEM,
			    "alias %.*s: aliasedObjectName is not a DN", (int)cur.dn.len, cur.dn.p);
			return res->code;
		}
		rc = dir_get_live(t, ndn, nlen, now_ms, a, out);
		if (rc == STORE_NOTFOUND) {
			dir_res_set(res, LDAP_ALIAS_PROBLEM, "alias %.*s names no entry",
			    (int)cur.dn.len, cur.dn.p);
			return res->code;
		}
		if (rc != STORE_OK) {
			dir_res_set(res, dir_store_code(rc), "store: %s", store_strerror(rc));
			return res->code;
		}
		if (!alias_is(out))
			return LDAP_SUCCESS;
		cur = *out;
	}
	dir_res_set(res, LDAP_ALIAS_DEREFERENCING_PROBLEM, "alias %.*s: loop or chain too long",
	    (int)alias->dn.len, alias->dn.p);
	return res->code;
}
