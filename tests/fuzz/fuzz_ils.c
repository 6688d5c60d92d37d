/*
 * fuzz_ils.c - libFuzzer target for the ILS dialect's pure functions
 * (src/ils/ils_internal.h): DN and search-base recognition, filter
 * rewriting, attribute selection, and the reshaping of Add attributes and
 * Modify changes, on the real schema and name map.
 *
 * The input is cut into PDUs (ber_frame) and each is decoded as the server
 * does, into an arena capped as the server caps it.  Search requests go
 * through ils_base_classify, ils_filter_rewrite (every flag combination),
 * ils_attr_select (every "all attributes" meaning) and ils_search; Add,
 * Modify, Delete and Compare DNs through ils_dn_classify, then
 * ils_shape_add / ils_shape_modify.  Invariants (abort on violation):
 *
 *   - a classified entry DN has a normalised form, a non-empty name, and
 *     building "cn=<name>,ou=Dynamic,<suffix>" from a person's name and
 *     classifying that again gives the same person (same normalised DN);
 *   - a rewritten filter can be formatted as text, and rewriting never
 *     returns an empty filter for a non-empty one;
 *   - a shaped Add has no value-less attribute; selections name something.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_env.h"
#include "ils/ils_internal.h"
#include "ldap/dn.h"
#include "ldap/filter_text.h"
#include "ldap/ldap.h"

#define ASSERT(c) do { if (!(c)) abort(); } while (0)
#define MAX_PDU (1 << 20)
#define FILTER_TEXT (1 << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static fz_env env_dir;
static arena a;
static ldap_limits lim;
static char *text;
static int ready;

static void
check_entry_dn(const ils_env *env, const ils_dn *d)
{
	ils_dn again;
	ber_slice dn;

	switch (d->kind) {
	case ILS_DN_PERSON:
	case ILS_DN_CONFERENCE:
	case ILS_DN_APPUSER:
		ASSERT(d->ndn != NULL && d->nlen > 0);
		if (d->pseudo)
			ASSERT(d->name.len > 0);
		break;
	case ILS_DN_OTHER:
		ASSERT(d->ndn != NULL);
		break;
	default:
		ASSERT(d->ndn == NULL);
		return;
	}
	if (d->kind != ILS_DN_PERSON || d->name.len == 0)
		return;
	/* The canonical entry a person DN stands for is recognised as that person. */
	dn = ils_dn_build(&a, "cn", d->name, env->names->dynamic);
	if (dn.p == NULL)
		return;		/* arena cap */
	ASSERT(ils_dn_classify(env, dn, &a, &again) == 0);
	if (again.kind == ILS_DN_NONE && again.ndn == NULL)
		return;		/* the name makes the DN too long to normalise */
	ASSERT(again.kind == ILS_DN_PERSON && !again.pseudo);
	ASSERT(again.name.len == d->name.len &&
	    memcmp(again.name.p, d->name.p, d->name.len) == 0);
	if (d->pseudo)
		ASSERT(again.nlen == d->nlen && memcmp(again.ndn, d->ndn, d->nlen) == 0);
}

static void
check_filter(const ils_env *env, const ldap_filter *in)
{
	for (unsigned flags = 0; flags < 4; flags++) {
		ils_frw w = { .env = env, .flags = flags, .a = &a, .budget = 8192 };
		ldap_filter *out = NULL;

		if (ils_filter_rewrite(&w, in, &out) != 0)
			continue;	/* memory or node budget */
		if (in != NULL)
			ASSERT(out != NULL);
		if (out != NULL)
			ASSERT(filter_format(out, text, FILTER_TEXT) >= 0);
		ASSERT(w.sttl >= -1);
	}
}

static void
check_search(const ils_env *env, const ldap_msg *m)
{
	const ldap_search_req *q = &m->u.search;
	ils_base b;
	dir_attr_sel *sel;
	size_t n;
	bool changed;

	if (ils_base_classify(env, q->base, &a, &b) == 0) {
		ASSERT(b.kind >= ILS_BASE_NONE && b.kind <= ILS_BASE_SCHEMA);
		if (b.kind == ILS_BASE_ENTRY)
			check_entry_dn(env, &b.entry);
		ASSERT(b.base.len == 0 || b.base.p != NULL);
	}
	check_filter(env, q->filter);
	for (int all = ILS_ALL_PLAIN; all <= ILS_ALL_STAR_TTL; all++) {
		if (ils_attr_select(env, q->attrs, q->nattrs, all, &a, &sel, &n, &changed) != 0)
			continue;
		for (size_t i = 0; i < n; i++)
			ASSERT(sel[i].name.p != NULL || sel[i].name.len == 0);
	}
}

static void
check_add(const ils_env *env, const ldap_add_req *q)
{
	ils_add_shape sh;
	ils_dn d;

	if (ils_dn_classify(env, q->dn, &a, &d) != 0)
		return;
	check_entry_dn(env, &d);
	if (d.kind == ILS_DN_NONE || d.kind == ILS_DN_BAD)
		return;
	if (ils_shape_add(env, &d, q->attrs, q->nattrs, &a, &sh) != 0)
		return;
	for (size_t i = 0; i < sh.nattrs; i++)
		ASSERT(sh.attrs[i].nvals > 0 && sh.attrs[i].type.len > 0);
	ASSERT(sh.ttl >= -1);
}

static void
check_modify(const ils_env *env, const ldap_modify_req *q)
{
	ils_mod_shape sh;
	ils_dn d;

	if (ils_dn_classify(env, q->dn, &a, &d) == 0)
		check_entry_dn(env, &d);
	if (ils_shape_modify(env, q->mods, q->nmods, &a, &sh) != 0)
		return;
	ASSERT(sh.smodop >= ILS_SMODOP_NONE && sh.smodop <= ILS_SMODOP_MOD_APP);
	for (size_t i = 0; i < sh.nmods; i++)
		ASSERT(sh.mods[i].op <= LDAP_MOD_INCREMENT);
}

static void
check_dn(const ils_env *env, ber_slice dn)
{
	ils_dn d;
	ils_base b;

	if (ils_dn_classify(env, dn, &a, &d) == 0)
		check_entry_dn(env, &d);
	(void)ils_base_classify(env, dn, &a, &b);
}

/* The whole search rewrite, as the server calls it (reads the directory). */
static void
run_search(const ldap_msg *m)
{
	dir_ctx ctx = { .bind_dn = "", .is_admin = false, .now_ms = 1700000000000ULL, .a = &a };
	dir_search_params p;
	dir_result res;

	memset(&p, 0, sizeof(p));
	memset(&res, 0, sizeof(res));
	int rc = ils_search(env_dir.d, &ctx, &m->u.search, &p, &res);
	ASSERT(rc == ILS_PASS || rc == ILS_DONE || rc == ILS_SEARCH);
	if (rc == ILS_DONE)
		ASSERT(res.code != LDAP_SUCCESS);
	if (rc == ILS_SEARCH)
		ASSERT(p.filter != NULL || m->u.search.filter == NULL);
}

static void
one(const uint8_t *pdu, size_t len)
{
	dir_ctx ctx = { .bind_dn = "", .now_ms = 1700000000000ULL, .a = &a };
	ils_env env;
	const char *why = NULL;
	ldap_msg m;

	arena_reset(&a);
	if (ldap_decode(pdu, len, &a, &lim, &m, &why) != LDAP_SUCCESS)
		return;
	ils_env_init(&env, env_dir.d, &ctx);
	env.copy_to = &a;
	switch (m.op) {
	case LDAP_OP_SEARCH_REQUEST:
		check_search(&env, &m);
		break;
	case LDAP_OP_ADD_REQUEST:
		check_add(&env, &m.u.add);
		break;
	case LDAP_OP_MODIFY_REQUEST:
		check_modify(&env, &m.u.modify);
		break;
	case LDAP_OP_DEL_REQUEST:
		check_dn(&env, m.u.del_dn);
		break;
	case LDAP_OP_COMPARE_REQUEST:
		check_dn(&env, m.u.compare.dn);
		(void)ils_is_ttl(&env, m.u.compare.attr, &(int){ 0 });
		break;
	default:
		break;
	}
	ils_env_done(&env);
	if (m.op == LDAP_OP_SEARCH_REQUEST)
		run_search(&m);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t len;

	if (!ready) {
		fz_setup(&env_dir, "fuzz-ils");
		arena_init(&a, 8192, (size_t)MAX_PDU * 8 + 65536);
		ldap_limits_default(&lim);
		text = malloc(FILTER_TEXT);
		ready = 1;
	}
	while (size > 0 && ber_frame(data, size, MAX_PDU, &len) == 1) {
		one(data, len);
		data += len;
		size -= len;
	}
	return 0;
}
