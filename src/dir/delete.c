/*
 * delete.c - the Delete operation (RFC 4511 4.8), optionally of a whole
 * subtree.
 *
 * An entry is a leaf when nothing live is below it: expired subordinates
 * no longer exist as far as clients can tell, so they are removed along
 * with it.  The subordinates are found by DN (subtree scope), which also
 * catches entries added below a parent that did not exist at the time.
 */
#include <stdlib.h>
#include <string.h>

#include "dir/dir_int.h"

typedef struct victims {
	ber_slice *ndns;
	size_t n, cap;
	arena mem;
} victims;

static int
victims_push(victims *v, ber_slice ndn)
{
	if (v->n == v->cap) {
		size_t ncap = v->cap ? v->cap * 2 : 64;
		ber_slice *nn = realloc(v->ndns, ncap * sizeof(*nn));
		if (nn == NULL)
			return -1;
		v->ndns = nn;
		v->cap = ncap;
	}
	v->ndns[v->n] = dir_copy_slice(&v->mem, ndn);
	if (v->ndns[v->n].p == NULL)
		return -1;
	v->n++;
	return 0;
}

/*
 * Collects the entries below e that must go with it.  Fails with
 * notAllowedOnNonLeaf at the first live one unless the whole subtree is
 * to be deleted.
 */
static int
collect(store_txn *t, const entry *e, const dir_ctx *c, unsigned flags, victims *v,
    dir_result *res)
{
	store_iter it;
	uint64_t id;
	int rc;
	arena tmp;

	arena_init(&tmp, 4096, 0);
	store_iter_subtree(&it, (const char *)e->ndn.p, e->ndn.len);
	while ((rc = store_iter_next(t, &it, &id)) == 1) {
		entry sub;

		if (id == e->id)
			continue;
		arena_reset(&tmp);
		if ((rc = store_get_id(t, id, &tmp, &sub)) != STORE_OK)
			break;
		if (!dir_expired(&sub, c->now_ms) && !(flags & DIR_F_SUBTREE_DELETE)) {
			dir_res_set(res, LDAP_NOT_ALLOWED_ON_NON_LEAF, "entry has subordinates");
			arena_free(&tmp);
			return res->code;
		}
		if (v->n >= DIR_SUBTREE_DELETE_MAX) {
			dir_res_set(res, LDAP_ADMIN_LIMIT_EXCEEDED,
			    "subtree larger than %d entries", DIR_SUBTREE_DELETE_MAX);
			arena_free(&tmp);
			return res->code;
		}
		if (victims_push(v, sub.ndn) != 0) {
			rc = STORE_ERR;
			break;
		}
	}
	arena_free(&tmp);
	if (rc < 0) {
		dir_res_set(res, dir_store_code(rc), "store: %s", store_strerror(rc));
		if (res->code == LDAP_NO_SUCH_OBJECT)
			res->code = LDAP_OTHER;
		return res->code;
	}
	return LDAP_SUCCESS;
}

static int
delete_in_txn(dir *d, store_txn *t, const char *ndn, size_t nlen, const dir_ctx *c,
    unsigned flags, dir_result *res)
{
	victims v;
	entry e;
	int rc = dir_get_live(t, ndn, nlen, c->now_ms, c->a, &e);

	if (rc == STORE_NOTFOUND) {
		dir_no_such_object(d, t, ndn, nlen, c->now_ms, c->a, res);
		return res->code;
	}
	if (rc != STORE_OK) {
		dir_res_set(res, dir_store_code(rc), "store: %s", store_strerror(rc));
		return res->code;
	}
	if (access_check_change(d, c, &e, flags, res) != LDAP_SUCCESS)
		return res->code;
	memset(&v, 0, sizeof(v));
	arena_init(&v.mem, 65536, 0);
	if (collect(t, &e, c, flags, &v, res) != LDAP_SUCCESS)
		goto out;
	/* Deepest first is not required by the store, but reads naturally. */
	for (size_t i = v.n; i > 0; i--) {
		rc = store_del(t, (const char *)v.ndns[i - 1].p, v.ndns[i - 1].len);
		if (rc != STORE_OK && rc != STORE_NOTFOUND)
			goto store_fail;
	}
	rc = store_del(t, ndn, nlen);
	if (rc != STORE_OK)
		goto store_fail;
	dir_res_set(res, LDAP_SUCCESS, NULL);
	goto out;
store_fail:
	dir_res_set(res, dir_store_code(rc), "store: %s", store_strerror(rc));
	if (res->code == LDAP_NO_SUCH_OBJECT)
		res->code = LDAP_OTHER;
out:
	free(v.ndns);
	arena_free(&v.mem);
	return res->code;
}

int
dir_delete(dir *d, const dir_ctx *c, ber_slice dnstr, unsigned flags, dir_result *res)
{
	schema *s = dir_schema(d);
	dn parsed;
	char *ndn;
	size_t nlen;
	store_txn *t;
	int rc;

	res->matched = NULL;
	dir_res_set(res, LDAP_SUCCESS, NULL);
	if (!dir_write_target(d, s, dnstr, c->a, &parsed, &ndn, &nlen, res))
		goto out;
	if ((rc = store_begin(d->st, true, &t)) != STORE_OK) {
		dir_res_set(res, dir_store_code(rc), "store: %s", store_strerror(rc));
		goto out;
	}
	if (delete_in_txn(d, t, ndn, nlen, c, flags, res) != LDAP_SUCCESS) {
		store_abort(t);
		goto out;
	}
	rc = store_commit(t);
	if (rc != STORE_OK)
		dir_res_set(res, dir_store_code(rc), "store: %s", store_strerror(rc));
out:
	schema_unref(s);
	return res->code;
}
