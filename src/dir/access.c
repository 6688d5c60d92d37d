/*
 * access.c - who may do what (docs/security.md): the rule list, entry
 * ownership, hidden entries, private attributes and entry size limits.
 *
 * A small policy on purpose.  Rules are "under SUBTREE, WHO has RIGHTS",
 * the first match wins, and the policy's defaults apply when none
 * matches.  Ownership narrows the register right: it lets a client change
 * only what it created.  The checks sit where the directory already has
 * the entry in hand (inside the write transaction, or while a search
 * looks at a candidate), so they cost a few comparisons, and a search
 * whose base has no rule below it decides the rights once.
 */
#include <stdio.h>
#include <string.h>

#include "dir/dir_int.h"

#define ALL_RIGHTS (DIR_RIGHT_READ | DIR_RIGHT_REGISTER | DIR_RIGHT_WRITE)

static char *
normalize(dir *d, const char *dnstr, size_t *len)
{
	dn parsed;
	char *ndn = NULL;

	*len = 0;
	if (dnstr == NULL || dnstr[0] == '\0')
		return "";
	if (dir_parse_dn(d->sch, ldap_slice(dnstr), &d->mem, &parsed, &ndn, len) != LDAP_SUCCESS)
		return NULL;
	return ndn;
}

static char *
attr_key(dir *d, const char *name, size_t *len)
{
	char key[DIR_KEYMAX];
	size_t n = dir_key(d->sch, name, strlen(name), key, sizeof(key));
	char *copy;

	*len = n;
	if (n == 0 || (copy = arena_alloc(&d->mem, n + 1)) == NULL)
		return NULL;
	memcpy(copy, key, n);
	copy[n] = '\0';
	return copy;
}

/* Compiles the configured policy (DNs normalised, attribute names to keys). */
int
access_open(dir *d, const dir_config *cfg, char *err, size_t errlen)
{
	const dir_access *acc = cfg->access;
	size_t n = 0;

	if (acc == NULL)
		return 0;
	d->policy = true;
	d->anon_rights = acc->anonymous_rights;
	d->user_rights = acc->user_rights;
	d->rules = arena_calloc(&d->mem, acc->nrules + 1, sizeof(*d->rules));
	if (d->rules == NULL)
		goto nomem;
	for (size_t i = 0; i < acc->nrules; i++) {
		const dir_access_rule *in = &acc->rules[i];
		access_rule *r = &d->rules[i];
		r->who = in->who;
		r->rights = in->rights;
		r->subtree = normalize(d, in->subtree, &r->sublen);
		if (r->subtree == NULL) {
			snprintf(err, errlen, "access rule %zu: invalid subtree DN \"%s\"", i + 1,
			    in->subtree);
			return -1;
		}
		if (in->who == DIR_WHO_DN || in->who == DIR_WHO_UNDER) {
			r->who_ndn = normalize(d, in->who_dn, &r->wholen);
			if (r->who_ndn == NULL) {
				snprintf(err, errlen, "access rule %zu: invalid identity DN \"%s\"", i + 1,
				    in->who_dn ? in->who_dn : "");
				return -1;
			}
		}
	}
	d->nrules = acc->nrules;
	if (acc->hidden_attr != NULL && acc->hidden_attr[0] != '\0') {
		d->hidden_key = attr_key(d, acc->hidden_attr, &d->hidden_keylen);
		d->hidden_value = dir_copy_slice(&d->mem, ldap_slice(acc->hidden_value ?
		    acc->hidden_value : ""));
		if (d->hidden_key == NULL || d->hidden_value.p == NULL)
			goto nomem;
	}
	for (size_t i = 0; acc->private_attrs != NULL && acc->private_attrs[i] != NULL; i++)
		n++;
	d->private_keys = arena_calloc(&d->mem, n + 1, sizeof(*d->private_keys));
	if (d->private_keys == NULL)
		goto nomem;
	for (size_t i = 0; i < n; i++) {
		size_t len;
		if ((d->private_keys[i] = attr_key(d, acc->private_attrs[i], &len)) == NULL)
			goto nomem;
	}
	d->owner_indexed = store_is_indexed(d->st, OWNER_KEY, strlen(OWNER_KEY));
	return 0;
nomem:
	snprintf(err, errlen, "out of memory");
	return -1;
}

static bool
is_bound(const dir_ctx *c)
{
	return c->bind_dn != NULL && c->bind_dn[0] != '\0';
}

static bool
who_matches(const access_rule *r, const dir_ctx *c)
{
	const char *b = c->bind_dn;
	size_t blen = is_bound(c) ? strlen(b) : 0;

	switch (r->who) {
	case DIR_WHO_ANYONE:
		return true;
	case DIR_WHO_ANONYMOUS:
		return blen == 0;
	case DIR_WHO_USERS:
		return blen > 0;
	case DIR_WHO_DN:
		return blen > 0 && blen == r->wholen && memcmp(b, r->who_ndn, blen) == 0;
	case DIR_WHO_UNDER:
		return blen > 0 && dn_is_suffix(b, blen, r->who_ndn, r->wholen);
	default:
		return false;
	}
}

unsigned
access_rights(const dir *d, const dir_ctx *c, const char *ndn, size_t nlen)
{
	if (!d->policy || c->is_admin)
		return ALL_RIGHTS;
	for (size_t i = 0; i < d->nrules; i++) {
		const access_rule *r = &d->rules[i];
		if ((r->sublen == 0 || dn_is_suffix(ndn, nlen, r->subtree, r->sublen)) &&
		    who_matches(r, c))
			return r->rights;
	}
	return is_bound(c) ? d->user_rights : d->anon_rights;
}

bool
access_uniform_below(const dir *d, const char *ndn, size_t nlen)
{
	for (size_t i = 0; i < d->nrules; i++) {
		const access_rule *r = &d->rules[i];
		if (r->sublen > nlen && dn_is_suffix(r->subtree, r->sublen, ndn, nlen))
			return false;
	}
	return true;
}

ber_slice
access_owner_of(const dir_ctx *c, arena *a)
{
	const char *who = is_bound(c) ? c->bind_dn : c->peer;
	const char *tag = is_bound(c) ? "dn:" : "ip:";
	size_t n;
	uint8_t *p;

	if (who == NULL || who[0] == '\0')
		return (ber_slice){ NULL, 0 };
	n = strlen(who);
	p = arena_alloc(a, n + 4);
	if (p == NULL)
		return (ber_slice){ NULL, 0 };
	memcpy(p, tag, 3);
	memcpy(p + 3, who, n + 1);
	return (ber_slice){ p, n + 3 };
}

static bool
value_is(ber_slice v, const char *tag, const char *s)
{
	size_t n = s != NULL ? strlen(s) : 0;

	return n > 0 && v.len == n + 3 && memcmp(v.p, tag, 3) == 0 && memcmp(v.p + 3, s, n) == 0;
}

bool
access_owns(const dir_ctx *c, const entry *e)
{
	const entry_attr *at = entry_find(e, OWNER_KEY, strlen(OWNER_KEY));

	if (at == NULL || at->nvals == 0)
		return false;
	if (is_bound(c) && value_is(at->vals[0], "dn:", c->bind_dn))
		return true;
	/* An address owns its anonymous entries whoever binds from it. */
	return value_is(at->vals[0], "ip:", c->peer);
}

static bool
owned_by_address(const entry *e)
{
	const entry_attr *at = entry_find(e, OWNER_KEY, strlen(OWNER_KEY));

	return at != NULL && at->nvals > 0 && at->vals[0].len > 3 &&
	    memcmp(at->vals[0].p, "ip:", 3) == 0;
}

bool
access_may_change(const dir *d, const dir_ctx *c, const entry *e, unsigned rights, bool owns)
{
	if (!d->policy || c->is_admin || (rights & DIR_RIGHT_WRITE))
		return true;
	return (rights & DIR_RIGHT_REGISTER) && e->expires != 0 && owns;
}

int
access_check_change(const dir *d, const dir_ctx *c, const entry *e, unsigned flags,
    dir_result *res)
{
	unsigned rights = access_rights(d, c, (const char *)e->ndn.p, e->ndn.len);

	if (access_may_change(d, c, e, rights, access_owns(c, e)))
		return LDAP_SUCCESS;
	/* A re-registration that proved the entry's secret replaces an anonymous one. */
	if ((flags & DIR_F_TAKEOVER) && (rights & DIR_RIGHT_REGISTER) && e->expires != 0 &&
	    owned_by_address(e))
		return LDAP_SUCCESS;
	dir_res_set(res, LDAP_INSUFFICIENT_ACCESS_RIGHTS, "%s",
	    e->expires != 0 && (rights & DIR_RIGHT_REGISTER) ?
	    "the entry belongs to another client" : "no write access to this entry");
	return res->code;
}

unsigned
access_view_hide(const dir_ctx *c, bool owns)
{
	if (c->is_admin)
		return 0;
	return VIEW_HIDE_OWNER | (owns ? 0 : VIEW_HIDE_PRIVATE);
}

bool
view_hides(const dir_view *v, const char *key, size_t keylen)
{
	if (v->hide == 0)
		return false;
	if ((v->hide & VIEW_HIDE_OWNER) && dir_key_is(key, keylen, OWNER_KEY))
		return true;
	if ((v->hide & VIEW_HIDE_PRIVATE) && v->d != NULL && v->d->private_keys != NULL) {
		for (char **k = v->d->private_keys; *k != NULL; k++)
			if (dir_key_is(key, keylen, *k))
				return true;
	}
	return false;
}

bool
access_entry_hidden(const dir *d, const entry *e)
{
	const entry_attr *at;

	if (d->hidden_key == NULL)
		return false;
	at = entry_find(e, d->hidden_key, d->hidden_keylen);
	return at != NULL && at->nvals > 0 && at->vals[0].len == d->hidden_value.len &&
	    memcmp(at->vals[0].p, d->hidden_value.p, d->hidden_value.len) == 0;
}

int
access_check_size(const dir *d, const dir_ctx *c, const edit_entry *ed, const schema *s,
    dir_result *res)
{
	const dir_limits *l = &d->cfg.limits;
	unsigned user_attrs = 0;

	if (c->is_admin)
		return LDAP_SUCCESS;
	for (uint32_t i = 0; i < ed->nattrs; i++) {
		const edit_attr *at = &ed->attrs[i];
		if (at->nvals == 0 || oper_is_operational(s, (const char *)at->key.p, at->key.len))
			continue;
		user_attrs++;
		if (l->max_values != 0 && at->nvals > l->max_values) {
			dir_res_set(res, LDAP_ADMIN_LIMIT_EXCEEDED, "%.*s: more than %u values",
			    (int)at->name.len, at->name.p, l->max_values);
			return res->code;
		}
		for (uint32_t j = 0; l->max_value_size != 0 && j < at->nvals; j++) {
			if (at->vals[j].len > l->max_value_size) {
				dir_res_set(res, LDAP_CONSTRAINT_VIOLATION,
				    "%.*s: value longer than %zu bytes", (int)at->name.len, at->name.p,
				    l->max_value_size);
				return res->code;
			}
		}
	}
	if (l->max_attrs != 0 && user_attrs > l->max_attrs) {
		dir_res_set(res, LDAP_ADMIN_LIMIT_EXCEEDED, "more than %u attributes", l->max_attrs);
		return res->code;
	}
	return LDAP_SUCCESS;
}

long
access_count_owned(const dir *d, store_txn *t, ber_slice owner, unsigned max, uint64_t now_ms)
{
	store_iter it;
	uint64_t id;
	long n = 0;
	arena tmp;
	int rc;

	if (!d->owner_indexed ||
	    store_iter_index(&it, STORE_ITER_EQ, OWNER_KEY, owner.p, owner.len) != 0)
		return -1;
	arena_init(&tmp, 1024, 0);
	while (n < (long)max && (rc = store_iter_next(t, &it, &id)) == 1) {
		entry e;
		arena_reset(&tmp);
		/* The index folds case: compare the exact value, and skip the expired. */
		if (store_get_id(t, id, &tmp, &e) != STORE_OK || dir_expired(&e, now_ms))
			continue;
		const entry_attr *at = entry_find(&e, OWNER_KEY, strlen(OWNER_KEY));
		if (at != NULL && at->nvals > 0 && at->vals[0].len == owner.len &&
		    memcmp(at->vals[0].p, owner.p, owner.len) == 0)
			n++;
	}
	arena_free(&tmp);
	return n;
}
