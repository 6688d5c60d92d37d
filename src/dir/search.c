/*
 * search.c - the Search operation (RFC 4511 4.5), resumable.
 *
 * dir_search_begin() checks the base, compiles the filter and the
 * attribute selection, and picks the candidate source: the base entry,
 * the scope (children or subtree), or the most selective index term of
 * the filter.  dir_search_step() then produces entries straight into the
 * caller's ber_writer inside one short read transaction, stopping after
 * about max_bytes; the store iterator is plain data, so the next step
 * resumes in a new transaction.  A slow reader therefore never pins a
 * snapshot nor makes the server buffer a whole result.
 *
 * Index candidates are a superset: each is checked against the scope and
 * the whole filter.  An entry can reach a prefix or presence index once
 * per value, so ids taken from an index are deduplicated.
 *
 * Paged results (RFC 2696): a page ends when the first entry of the next
 * one has matched; that entry is held for the next page, so a page that
 * empties the result is the last one (no empty page follows).  Aliases
 * (RFC 4511 4.5.1.3) are followed to find the base, and in searching an
 * alias stands for its target, deduplicated like index candidates.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dir/dir_int.h"

#define ESTIMATE_CAP 5000
#define ESTIMATE_SMALL 64	/* an index this selective is used without looking further */
#define STEP_SCAN_MAX 50000	/* candidates per step once something was written */
#define TMP_CHUNK 16384		/* the per-candidate arena */
#define TMP_CAP (256u << 20)
#define STEP_TIME_MS 20		/* a step yields after this long, written or not */

enum search_source {
	SRC_NONE = 0,		/* nothing to return */
	SRC_ONE,		/* a single stored entry */
	SRC_ITER,		/* a store iterator */
	SRC_ROOTDSE,
	SRC_SUBSCHEMA,
};

typedef struct idset {
	uint64_t *slots;
	size_t mask, n;
} idset;

typedef struct refresh {
	uint64_t id, expires;
} refresh;

struct dir_search {
	dir *d;
	schema *s;
	arena keep;		/* copies of the request, compiled filter and selection */
	arena tmp;		/* one candidate at a time */
	int src;
	bool from_index;
	bool one_done;
	store_iter it;
	uint64_t one_id;
	int scope;
	bool base_root;
	char *base_ndn;
	size_t base_nlen;
	dir_filter *filter;
	dir_sel sel;
	bool typesonly;
	uint64_t size_limit;	/* 0 = none */
	uint64_t time_secs;	/* the time limit, 0 = none */
	uint64_t deadline;	/* Unix ms, 0 = none */
	bool paged;		/* RFC 2696: stop after page_left more entries */
	uint64_t page_left;
	bool held;		/* held_id matched but belongs to the next page */
	uint64_t held_id;
	int deref;		/* enum ldap_deref (RFC 4511 4.5.1.3) */
	uint64_t base_id;	/* 0 for the root */
	int64_t refresh_ttl;	/* clamped; 0 = none */
	int empty_code;		/* the result when nothing was sent, instead of success */
	uint64_t sent;
	bool done;
	dir_result final;
	idset seen;
	refresh *pending;
	size_t npending, cap_pending;
	dir_ctx who;		/* the requester (strings copied into keep) */
	bool rights_uniform;	/* no access rule starts below the base */
	unsigned rights;	/* the requester's rights at the base */
};

/* ---- a set of entry ids (open addressing; ids are never 0) ---- */

static int
idset_add(idset *is, uint64_t id)
{
	size_t i;

	if ((is->n + 1) * 2 > is->mask + 1 || is->slots == NULL) {
		size_t nslots = is->slots ? (is->mask + 1) * 2 : 1024;
		uint64_t *ns = calloc(nslots, sizeof(*ns));
		if (ns == NULL)
			return -1;
		for (size_t k = 0; is->slots && k <= is->mask; k++) {
			if (is->slots[k] == 0)
				continue;
			i = (is->slots[k] * 0x9E3779B97F4A7C15ULL) & (nslots - 1);
			while (ns[i] != 0)
				i = (i + 1) & (nslots - 1);
			ns[i] = is->slots[k];
		}
		free(is->slots);
		is->slots = ns;
		is->mask = nslots - 1;
	}
	i = (id * 0x9E3779B97F4A7C15ULL) & is->mask;
	while (is->slots[i] != 0) {
		if (is->slots[i] == id)
			return 0;
		i = (i + 1) & is->mask;
	}
	is->slots[i] = id;
	is->n++;
	return 1;
}

/* ---- planning ---- */

static bool
has_subclasses(const schema *s, const schema_class *oc)
{
	for (size_t i = 0; i < schema_class_count(s); i++) {
		const schema_class *c = schema_class_at(s, i);
		if (c != oc && oper_class_is_a(c, oc))
			return true;
	}
	return false;
}

/* Does the store's folding (ASCII case, spaces) agree with this rule? */
static bool
string_rule(const schema_mrule *mr)
{
	return mr == NULL || mr->match == SCHEMA_MATCH_CASE_IGNORE ||
	    mr->match == SCHEMA_MATCH_CASE_EXACT || mr->match == SCHEMA_MATCH_OCTET;
}

/* An index iterator that yields a superset of the entries f can match, if any. */
static bool
term_iter(dir_search *s, const dir_filter *f, store_iter *it)
{
	const schema_attr *at = f->at;

	/* A type with SUP subtypes matches their values too, which its index lacks. */
	if (f->undef || f->key == NULL || f->sup != NULL ||
	    !store_is_indexed(s->d->st, f->key, f->keylen))
		return false;
	switch (f->type) {
	case LDAP_FILTER_EQUALITY:
		if (f->is_oc) {
			/* Entries hold the class by name: an OID, an alias or a class with
			 * subclasses would miss matching entries in the index. */
			if (f->oc != NULL && (f->oc->nnames != 1 ||
			    !dir_slice_eq_ci(f->value, f->oc->names[0]) || has_subclasses(s->s, f->oc)))
				return false;
		} else if (at != NULL && (at->equality == NULL || !string_rule(at->equality))) {
			return false;
		}
		return store_iter_index(it, STORE_ITER_EQ, f->key, f->value.p, f->value.len) == 0;
	case LDAP_FILTER_SUBSTRINGS:
		if (f->nparts == 0 || f->parts[0].kind != LDAP_SUBSTR_INITIAL ||
		    f->parts[0].value.len == 0)
			return false;
		if (at != NULL && !(at->substr ? string_rule(at->substr) :
		    (at->equality != NULL && string_rule(at->equality))))
			return false;
		return store_iter_index(it, STORE_ITER_PREFIX, f->key, f->parts[0].value.p,
		    f->parts[0].value.len) == 0;
	case LDAP_FILTER_PRESENT:
		/* Every entry has an objectClass: its presence index is the whole store. */
		if (dir_key_is(f->key, f->keylen, "objectclass"))
			return false;
		return store_iter_index(it, STORE_ITER_PRESENT, f->key, NULL, 0) == 0;
	default:
		return false;
	}
}

/* Keeps the index term with the fewest ids seen so far. */
static void
plan_term(dir_search *s, store_txn *t, const dir_filter *f, store_iter *best,
    uint64_t *best_est, bool *found)
{
	store_iter cand;
	uint64_t est;

	if (!term_iter(s, f, &cand))
		return;
	est = store_iter_estimate(t, &cand, ESTIMATE_CAP);
	if (!*found || est < *best_est) {
		*best = cand;
		*best_est = est;
		*found = true;
	}
}

/*
 * Every term reachable through ANDs must hold for a match, so each one can
 * serve as the candidate source, however deep: the ILS layer, for one,
 * wraps the client's (&(objectClass=RTPerson)(cn=X)) in another AND, and
 * only the inner cn term is selective.  Depth is bounded by the decoder's
 * filter limits.
 */
static void
plan_terms(dir_search *s, store_txn *t, const dir_filter *f, store_iter *best,
    uint64_t *best_est, bool *found)
{
	if (f->type != LDAP_FILTER_AND) {
		plan_term(s, t, f, best, best_est, found);
		return;
	}
	for (const dir_filter *k = f->kids; k != NULL; k = k->next)
		plan_terms(s, t, k, best, best_est, found);
}

/*
 * Chooses the candidate source: the scope iterator, or the index term
 * under the filter's ANDs (or the filter itself) with the fewest ids.  A
 * small index count wins outright; otherwise the scope is counted only
 * up to that number, so planning never walks more than the index would.
 */
static void
plan(dir_search *s, store_txn *t, uint64_t base_id)
{
	store_iter best;
	uint64_t best_est = UINT64_MAX;
	bool found = false;

	s->src = SRC_ITER;
	if (s->scope == LDAP_SCOPE_ONELEVEL)
		store_iter_children(&s->it, base_id);
	else
		store_iter_subtree(&s->it, s->base_ndn, s->base_nlen);
	if (s->filter == NULL)
		return;
	plan_terms(s, t, s->filter, &best, &best_est, &found);
	if (!found)
		return;
	if (best_est > ESTIMATE_SMALL &&
	    store_iter_estimate(t, &s->it, best_est + 1) <= best_est)
		return;	/* the scope is no larger than the best index */
	s->it = best;
	s->from_index = true;
}

static bool
in_scope(const dir_search *s, const entry *e)
{
	const char *ndn = (const char *)e->ndn.p;
	size_t len = e->ndn.len;
	long off;

	if (s->scope == LDAP_SCOPE_SUBTREE)
		return s->base_root || dn_is_suffix(ndn, len, s->base_ndn, s->base_nlen);
	if (s->scope == LDAP_SCOPE_SUBORDINATE)
		return s->base_root || (len > s->base_nlen &&
		    dn_is_suffix(ndn, len, s->base_ndn, s->base_nlen));
	if (s->scope == LDAP_SCOPE_BASE)
		return len == s->base_nlen && memcmp(ndn, s->base_ndn, len) == 0;
	if (s->base_root)
		return len == s->d->suffix_nlen && memcmp(ndn, s->d->suffix_ndn, len) == 0;
	off = dn_parent_offset(ndn, len);
	return off >= 0 && len - (size_t)off == s->base_nlen &&
	    memcmp(ndn + off, s->base_ndn, s->base_nlen) == 0;
}

/* ---- begin ---- */

/* derefFindingBaseObj: the search starts from the entry the base alias leads to. */
static int
deref_base(dir_search *s, store_txn *t, const dir_ctx *c, entry *e, dir_result *res)
{
	if (alias_follow(s->s, t, e, c->now_ms, &s->tmp, e, res) != LDAP_SUCCESS)
		return res->code;
	s->base_ndn = arena_strndup(&s->keep, (const char *)e->ndn.p, e->ndn.len);
	s->base_nlen = e->ndn.len;
	if (s->base_ndn == NULL) {
		dir_res_set(res, LDAP_OTHER, "out of memory");
		return res->code;
	}
	return LDAP_SUCCESS;
}

static int
begin_base(dir_search *s, const dir_ctx *c, ber_slice base, dir_result *res)
{
	dir *d = s->d;
	dn parsed;
	char *ndn;
	size_t nlen;
	store_txn *t;
	entry e;
	int rc;

	if (base.len == 0) {
		s->base_root = true;
		s->base_ndn = "";
		if (s->scope == LDAP_SCOPE_BASE) {
			s->src = SRC_ROOTDSE;
			return LDAP_SUCCESS;
		}
	} else {
		rc = dir_parse_dn(s->s, base, &s->keep, &parsed, &ndn, &nlen);
		if (rc != LDAP_SUCCESS) {
			dir_res_set(res, rc, "invalid base DN");
			return rc;
		}
		s->base_ndn = ndn;
		s->base_nlen = nlen;
		if (dir_key_is(ndn, nlen, DIR_SCHEMA_NDN)) {
			s->src = s->scope == LDAP_SCOPE_BASE || s->scope == LDAP_SCOPE_SUBTREE ?
			    SRC_SUBSCHEMA : SRC_NONE;
			return LDAP_SUCCESS;
		}
		if (!dir_in_suffix(d, ndn, nlen)) {
			dir_res_set(res, LDAP_NO_SUCH_OBJECT, "outside the naming context");
			res->matched = "";
			return res->code;
		}
	}
	if ((rc = store_begin(d->st, false, &t)) != STORE_OK) {
		dir_res_set(res, dir_store_code(rc), "store: %s", store_strerror(rc));
		return res->code;
	}
	if (s->base_root) {
		/* One level below the root: the naming context itself. */
		if (s->scope == LDAP_SCOPE_ONELEVEL) {
			rc = dir_get_live(t, d->suffix_ndn, d->suffix_nlen, c->now_ms, &s->tmp, &e);
			s->src = rc == STORE_OK ? SRC_ONE : SRC_NONE;
			s->one_id = rc == STORE_OK ? e.id : 0;
		} else {
			plan(s, t, 0);
		}
		store_abort(t);
		return LDAP_SUCCESS;
	}
	rc = dir_get_live(t, s->base_ndn, s->base_nlen, c->now_ms, &s->tmp, &e);
	if (rc == STORE_OK && (s->deref & LDAP_DEREF_FINDING) && alias_is(&e) &&
	    deref_base(s, t, c, &e, res) != LDAP_SUCCESS) {
		/* res says why */
	} else if (rc == STORE_NOTFOUND) {
		dir_no_such_object(d, t, s->base_ndn, s->base_nlen, c->now_ms, c->a, res);
	} else if (rc != STORE_OK) {
		dir_res_set(res, dir_store_code(rc), "store: %s", store_strerror(rc));
	} else if (s->scope == LDAP_SCOPE_BASE) {
		s->src = SRC_ONE;
		s->one_id = s->base_id = e.id;
	} else {
		s->base_id = e.id;
		plan(s, t, e.id);
	}
	store_abort(t);
	arena_reset(&s->tmp);
	return res->code;
}

static uint64_t
min_limit(int64_t asked, int64_t cap, bool admin)
{
	uint64_t a = asked > 0 ? (uint64_t)asked : 0;
	uint64_t b = cap > 0 && !admin ? (uint64_t)cap : 0;

	if (a == 0)
		return b;
	if (b == 0)
		return a;
	return a < b ? a : b;
}

/* The requester outlives the request: its strings are copied. */
static int
copy_who(dir_search *s, const dir_ctx *c, dir_result *res)
{
	s->who = *c;
	s->who.a = NULL;
	s->who.bind_dn = arena_strndup(&s->keep, c->bind_dn ? c->bind_dn : "",
	    c->bind_dn ? strlen(c->bind_dn) : 0);
	s->who.peer = c->peer != NULL ? arena_strndup(&s->keep, c->peer, strlen(c->peer)) : NULL;
	if (s->who.bind_dn == NULL || (c->peer != NULL && s->who.peer == NULL)) {
		dir_res_set(res, LDAP_OTHER, "out of memory");
		return res->code;
	}
	return LDAP_SUCCESS;
}

int
dir_search_begin(dir *d, const dir_ctx *c, const dir_search_params *p, dir_search **out,
    dir_result *res)
{
	dir_search *s;
	uint64_t secs;

	*out = NULL;
	res->matched = NULL;
	dir_res_set(res, LDAP_SUCCESS, NULL);
	if (p->scope < LDAP_SCOPE_BASE || p->scope > LDAP_SCOPE_SUBORDINATE) {
		dir_res_set(res, LDAP_PROTOCOL_ERROR, "invalid scope");
		return res->code;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		dir_res_set(res, LDAP_OTHER, "out of memory");
		return res->code;
	}
	s->d = d;
	s->s = dir_schema(d);
	arena_init(&s->keep, 16384, 16u << 20);
	arena_init(&s->tmp, TMP_CHUNK, TMP_CAP);
	s->scope = p->scope;
	s->typesonly = p->typesonly;
	s->size_limit = min_limit(p->sizelimit, d->cfg.size_limit, c->is_admin);
	secs = min_limit(p->timelimit, d->cfg.time_limit, c->is_admin);
	s->time_secs = secs;
	s->deadline = secs ? c->now_ms + secs * 1000 : 0;
	s->refresh_ttl = p->refresh_ttl > 0 ? ttl_clamp(d, p->refresh_ttl) : 0;
	s->empty_code = p->empty_code;
	s->deref = p->deref;
	if (dfilter_compile(s->s, p->filter, &s->keep, &s->filter) != LDAP_SUCCESS ||
	    sel_compile(s->s, p->attrs, p->nattrs, &s->keep, &s->sel) != 0) {
		dir_res_set(res, LDAP_ADMIN_LIMIT_EXCEEDED, "search request too large");
		goto fail;
	}
	if (begin_base(s, c, p->base, res) != LDAP_SUCCESS || copy_who(s, c, res) != LDAP_SUCCESS)
		goto fail;
	s->rights_uniform = access_uniform_below(d, s->base_ndn, s->base_nlen);
	s->rights = access_rights(d, &s->who, s->base_ndn, s->base_nlen);
	*out = s;
	return LDAP_SUCCESS;
fail:
	dir_search_free(s);
	return res->code;
}

/* ---- step ---- */

static int
finish(dir_search *s, dir_result *res, int code, const char *diag)
{
	s->done = true;
	s->final.matched = NULL;
	if (code == LDAP_SUCCESS && s->sent == 0 && s->empty_code != 0) {
		code = s->empty_code;
		diag = s->refresh_ttl > 0 ? "no entry to refresh" : "no such entry";
	}
	dir_res_set(&s->final, code, "%s", diag ? diag : "");
	*res = s->final;
	return DIR_SEARCH_DONE;
}

static int
emit_synthetic(dir_search *s, ber_writer *w, int64_t msgid, uint64_t now_ms, dir_result *res)
{
	entry e;
	dir_view v = { &e, s->s, NULL, now_ms, &s->tmp, true, s->d, 0 };
	int rc = s->src == SRC_ROOTDSE ? rootdse_build(s->d, s->s, &s->tmp, &e) :
	    subschema_build(s->d, s->s, &s->tmp, &e);

	if (rc != 0)
		return finish(s, res, LDAP_OTHER, "out of memory");
	if (dfilter_eval(s->filter, &v) == DF_TRUE) {
		emit_entry(w, msgid, &v, &s->sel, s->typesonly);
		s->sent++;
	}
	arena_reset(&s->tmp);
	return finish(s, res, LDAP_SUCCESS, NULL);
}

static int
pending_add(dir_search *s, uint64_t id, uint64_t expires)
{
	if (s->npending == s->cap_pending) {
		size_t ncap = s->cap_pending ? s->cap_pending * 2 : 64;
		refresh *np = realloc(s->pending, ncap * sizeof(*np));
		if (np == NULL)
			return -1;
		s->pending = np;
		s->cap_pending = ncap;
	}
	s->pending[s->npending].id = id;
	s->pending[s->npending].expires = expires;
	s->npending++;
	return 0;
}

/* Makes this step's refreshes durable; the entries go out only after. */
static int
commit_refreshes(dir_search *s)
{
	store_txn *t;
	int rc;

	if (s->npending == 0)
		return STORE_OK;
	if ((rc = store_begin(s->d->st, true, &t)) != STORE_OK)
		return rc;
	for (size_t i = 0; i < s->npending; i++) {
		rc = store_set_expires(t, s->pending[i].id, s->pending[i].expires);
		if (rc != STORE_OK && rc != STORE_NOTFOUND) {
			store_abort(t);
			return rc;
		}
	}
	s->npending = 0;
	return store_commit(t);
}

/* Next candidate id: 1 with *id, 0 at the end, < 0 on a store error. */
static int
next_candidate(dir_search *s, store_txn *t, uint64_t *id, bool *held)
{
	*held = s->held;
	if (s->held) {
		s->held = false;
		*id = s->held_id;
		return 1;
	}
	if (s->src == SRC_ONE) {
		if (s->one_done)
			return 0;
		s->one_done = true;
		*id = s->one_id;
		return 1;
	}
	return store_iter_next(t, &s->it, id);
}

/* Outcome of looking at one candidate. */
enum { CAND_SKIP, CAND_SENT, CAND_LIMIT, CAND_PAGE, CAND_ERR };

/* Does the filter ask for an entry by its name: an equality on its RDN attribute? */
static bool
names_entry(const dir_filter *f, const char *rdn_key, size_t keylen)
{
	if (f == NULL)
		return false;
	if (f->type == LDAP_FILTER_EQUALITY)
		return f->key != NULL && f->keylen == keylen && memcmp(f->key, rdn_key, keylen) == 0;
	if (f->type == LDAP_FILTER_AND) {
		for (const dir_filter *k = f->kids; k != NULL; k = k->next)
			if (names_entry(k, rdn_key, keylen))
				return true;
	}
	return false;
}

/*
 * The access policy's say on a candidate: readable (or owned), changeable
 * when the search refreshes, and not a hidden entry the requester may
 * only find by its exact name.
 */
static bool
admitted(const dir_search *s, const entry *e, bool owns)
{
	const char *eq;
	unsigned rights;

	if (s->who.is_admin || !s->d->policy)
		return true;
	rights = s->rights_uniform ? s->rights :
	    access_rights(s->d, &s->who, (const char *)e->ndn.p, e->ndn.len);
	if (!(rights & DIR_RIGHT_READ) && !owns)
		return false;
	if (s->refresh_ttl > 0 && e->expires != 0 &&
	    !access_may_change(s->d, &s->who, e, rights, owns))
		return false;
	if (owns || !access_entry_hidden(s->d, e))
		return true;
	eq = memchr(e->ndn.p, '=', e->ndn.len);
	return eq != NULL && names_entry(s->filter, (const char *)e->ndn.p,
	    (size_t)(eq - (const char *)e->ndn.p));
}

/*
 * held: the candidate was already matched (and deduplicated) when the
 * previous page ended; it is checked again since the entry may have
 * changed or gone since.
 */
static int
candidate(dir_search *s, store_txn *t, uint64_t id, bool held, ber_writer *w, int64_t msgid,
    uint64_t now_ms)
{
	entry e;
	dir_view v = { &e, s->s, t, now_ms, &s->tmp, false, s->d, 0 };
	bool owns;
	int rc;

	arena_reset(&s->tmp);
	rc = store_get_id(t, id, &s->tmp, &e);
	if (rc == STORE_NOTFOUND)
		return CAND_SKIP;
	if (rc != STORE_OK)
		return CAND_ERR;
	if (dir_expired(&e, now_ms) ||
	    ((s->from_index || s->scope == LDAP_SCOPE_SUBORDINATE) && !in_scope(s, &e)))
		return CAND_SKIP;
	/* derefInSearching: an alias below the base stands for the entry it names
	 * (that entry's own subordinates are not searched). */
	if ((s->deref & LDAP_DEREF_SEARCHING) && e.id != s->base_id && alias_is(&e)) {
		dir_result ignored;
		entry target;

		if (alias_follow(s->s, t, &e, now_ms, &s->tmp, &target, &ignored) != LDAP_SUCCESS ||
		    dir_expired(&target, now_ms))
			return CAND_SKIP;
		e = target;
		id = e.id;
	}
	owns = s->d->policy && access_owns(&s->who, &e);
	v.hide = s->d->policy ? access_view_hide(&s->who, owns) : 0;
	if (dfilter_eval(s->filter, &v) != DF_TRUE || !admitted(s, &e, owns))
		return CAND_SKIP;
	/* An entry can come from an index once per value, or also through an alias. */
	if ((s->from_index || (s->deref & LDAP_DEREF_SEARCHING)) && !held &&
	    (rc = idset_add(&s->seen, id)) <= 0)
		return rc < 0 ? CAND_ERR : CAND_SKIP;
	if (s->size_limit && s->sent >= s->size_limit)
		return CAND_LIMIT;
	if (s->paged && s->page_left == 0) {
		/* The page is full and there is more: this one opens the next page. */
		s->held = true;
		s->held_id = id;
		return CAND_PAGE;
	}
	if (s->refresh_ttl > 0 && e.expires != 0) {
		e.expires = now_ms + (uint64_t)s->refresh_ttl * 1000;
		if (pending_add(s, id, e.expires) != 0)
			return CAND_ERR;
	}
	emit_entry(w, msgid, &v, &s->sel, s->typesonly);
	s->sent++;
	if (s->paged)
		s->page_left--;
	return CAND_SENT;
}

static uint64_t
step_clock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/*
 * A step also ends after STEP_TIME_MS even when nothing matched yet: a
 * filter that is costly to evaluate on every candidate (a hostile one) must
 * not hold the event loop for the whole scan, and the time limit is
 * checked again at the start of the next step.
 */
int
dir_search_step(dir_search *s, ber_writer *w, int64_t msgid, size_t max_bytes,
    uint64_t now_ms, dir_result *res)
{
	store_txn *t;
	size_t start = w->len;
	uint64_t sent_before = s->sent, page_before = s->page_left, scanned = 0, id;
	uint64_t step_start = step_clock_ms();
	int rc, end = -1;
	bool held, page_full = false;

	if (s->done) {
		*res = s->final;
		return DIR_SEARCH_DONE;
	}
	if (s->deadline && now_ms >= s->deadline)
		return finish(s, res, LDAP_TIME_LIMIT_EXCEEDED, "time limit exceeded");
	if (s->src == SRC_NONE)
		return finish(s, res, LDAP_SUCCESS, NULL);
	if (s->src == SRC_ROOTDSE || s->src == SRC_SUBSCHEMA)
		return emit_synthetic(s, w, msgid, now_ms, res);
	if ((rc = store_begin(s->d->st, false, &t)) != STORE_OK)
		return finish(s, res, dir_store_code(rc), store_strerror(rc));
	while (end < 0) {
		rc = next_candidate(s, t, &id, &held);
		if (rc <= 0) {
			end = rc == 0 ? LDAP_SUCCESS : LDAP_OTHER;
			break;
		}
		scanned++;
		switch (candidate(s, t, id, held, w, msgid, now_ms)) {
		case CAND_LIMIT:
			end = LDAP_SIZE_LIMIT_EXCEEDED;
			break;
		case CAND_PAGE:
			page_full = true;
			break;
		case CAND_ERR:
			end = LDAP_OTHER;
			break;
		default:
			break;
		}
		if (w->err)
			end = LDAP_OTHER;
		if (page_full && end < 0)
			break;
		if (end < 0 && (w->len - start >= max_bytes ||
		    (scanned >= STEP_SCAN_MAX && w->len > start)))
			break;
		if (end < 0 && step_clock_ms() - step_start >= STEP_TIME_MS)
			break;
	}
	store_abort(t);
	arena_reset(&s->tmp);
	if (commit_refreshes(s) != STORE_OK) {
		/* Nothing of this step may go out unrefreshed. */
		w->len = start;
		s->sent = sent_before;
		s->page_left = page_before;
		s->npending = 0;
		return finish(s, res, LDAP_OTHER, "refresh failed");
	}
	if (end >= 0) {
		const char *diag = end == LDAP_SIZE_LIMIT_EXCEEDED ? "size limit exceeded" :
		    end == LDAP_OTHER ? "internal error" : NULL;
		return finish(s, res, end, diag);
	}
	if (page_full) {
		/* It may wait long for the next page: give back the candidate memory. */
		arena_free(&s->tmp);
		arena_init(&s->tmp, TMP_CHUNK, TMP_CAP);
		return DIR_SEARCH_PAGE;
	}
	return DIR_SEARCH_MORE;
}

void
dir_search_set_page(dir_search *s, uint64_t size, uint64_t now_ms)
{
	s->paged = true;
	s->page_left = size;
	if (s->time_secs)
		s->deadline = now_ms + s->time_secs * 1000;
}

bool
dir_search_from_index(const dir_search *s)
{
	return s->from_index;
}

uint64_t
dir_search_count(const dir_search *s)
{
	return s->sent;
}

void
dir_search_free(dir_search *s)
{
	if (s == NULL)
		return;
	if (s->s)
		schema_unref(s->s);
	arena_free(&s->keep);
	arena_free(&s->tmp);
	free(s->seen.slots);
	free(s->pending);
	free(s);
}
