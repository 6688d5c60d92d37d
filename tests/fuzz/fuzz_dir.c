/*
 * fuzz_dir.c - libFuzzer target for the whole request path below the
 * network: LDAP decoding, the ILS dialect and the directory, on a real LMDB
 * store, the way src/server/ops.c drives them.
 *
 * The first input byte sets the session: bit 0 binds as the administrator,
 * bits 1-3 pick the output budget of a search step, bit 4 sweeps expired
 * entries at the end, bit 5 abandons every search after its first step.  The
 * rest is cut into PDUs (ber_frame); each decoded request is run: Add,
 * Modify, Delete and Compare through ils_* and then dir_* when the ILS layer
 * passes, Search through ils_search and dir_search_begin and stepped to the
 * end, the RFC 2589 refresh through dir_refresh.  A fake clock moves one
 * second per request, so TTLs expire.
 *
 * Invariants (abort on violation): every result code is an LDAP code and its
 * diagnostic is a terminated string; a search ends within a bounded number
 * of steps; every entry a search writes decodes as a SearchResultEntry with
 * the request's message ID.  The store is thrown away every RESET_EVERY
 * inputs so it cannot grow without bound.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_env.h"
#include "ils/ils.h"
#include "ldap/ldap.h"

#define ASSERT(c) do { if (!(c)) abort(); } while (0)
#define MAX_PDU (1 << 20)
#define MAX_STEPS 100000
#define RESET_EVERY 2000

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static fz_env E;
static arena a, out_arena;
static ldap_limits lim, out_lim;
static ber_writer w;
static uint64_t clock_ms = 1700000000000ULL;
static unsigned inputs;
static int ready;

static void
check_result(int rc, const dir_result *res)
{
	ASSERT(rc >= 0 && rc <= 123);
	ASSERT(res->code >= 0 && res->code <= 123);
	ASSERT(memchr(res->diag, '\0', sizeof(res->diag)) != NULL);
	if (res->matched != NULL)
		ASSERT(strlen(res->matched) < 65536);
}

/* Everything a search step wrote must be SearchResultEntry PDUs for msgid. */
static void
check_entries(int64_t msgid)
{
	size_t off = 0, len;

	ASSERT(w.err == 0 && w.sp == 0);
	while (off < w.len) {
		ldap_msg m;
		const char *why = NULL;

		ASSERT(ber_frame(w.buf + off, w.len - off, 0, &len) == 1);
		arena_reset(&out_arena);
		ASSERT(ldap_decode(w.buf + off, len, &out_arena, &out_lim, &m, &why) ==
		    LDAP_SUCCESS);
		ASSERT(m.op == LDAP_OP_SEARCH_ENTRY && m.msgid == msgid);
		off += len;
	}
}

static void
run_search(const dir_ctx *ctx, const ldap_msg *m, size_t budget, bool abandon)
{
	const ldap_search_req *q = &m->u.search;
	dir_search_params p;
	dir_search *ds = NULL;
	dir_result res;
	dir_attr_sel *sel = NULL;
	int rc;

	memset(&p, 0, sizeof(p));
	memset(&res, 0, sizeof(res));
	rc = ils_search(E.d, ctx, q, &p, &res);
	if (rc == ILS_DONE) {
		check_result(res.code, &res);
		return;
	}
	if (rc == ILS_PASS) {
		if (q->nattrs > 0 && (sel = arena_calloc(&a, q->nattrs, sizeof(*sel))) == NULL)
			return;
		for (size_t i = 0; i < q->nattrs; i++)
			sel[i].name = q->attrs[i];
		p.base = q->base;
		p.scope = q->scope;
		p.filter = q->filter;
		p.attrs = sel;
		p.nattrs = q->nattrs;
		p.typesonly = q->typesonly;
		p.sizelimit = q->sizelimit;
		p.timelimit = q->timelimit;
	}
	rc = dir_search_begin(E.d, ctx, &p, &ds, &res);
	if (rc != LDAP_SUCCESS || ds == NULL) {
		ASSERT(ds == NULL);
		check_result(rc, &res);
		return;
	}
	/* The request's memory goes away once the search has begun (the server
	 * resets the arena for the next request): free all of it, so that a
	 * search still pointing into it is caught. */
	arena_free(&a);
	for (unsigned steps = 0;; steps++) {
		ASSERT(steps < MAX_STEPS);
		ber_writer_reset(&w);
		memset(&res, 0, sizeof(res));
		rc = dir_search_step(ds, &w, m->msgid, budget, clock_ms, &res);
		check_entries(m->msgid);
		if (rc == DIR_SEARCH_DONE) {
			check_result(res.code, &res);
			break;
		}
		ASSERT(rc == DIR_SEARCH_MORE);
		if (abandon)
			break;		/* the client abandoned it: freed half-way */
	}
	dir_search_free(ds);
}

/* RFC 2589 refresh: SEQUENCE { [0] entryName, [1] requestTtl }. */
static void
run_refresh(const dir_ctx *ctx, const ldap_extended_req *x)
{
	ber_reader r, seq;
	ber_slice dn;
	int64_t ttl, applied = 0;
	dir_result res;

	if (!x->has_value || !ldap_slice_eq_ci(x->oid, LDAP_OID_REFRESH))
		return;
	ber_reader_init(&r, x->value.p, x->value.len, 4);
	if (ber_read_sequence(&r, BER_CLASS_UNIVERSAL, BER_TAG_SEQUENCE, &seq) != BER_OK ||
	    ber_read_octets(&seq, BER_CLASS_CONTEXT, 0, &dn) != BER_OK ||
	    ber_read_integer(&seq, BER_CLASS_CONTEXT, 1, &ttl) != BER_OK ||
	    ttl < 0 || ttl > INT32_MAX)
		return;
	memset(&res, 0, sizeof(res));
	int rc = dir_refresh(E.d, ctx, dn, ttl, &applied, &res);
	check_result(rc, &res);
	if (rc == LDAP_SUCCESS)
		ASSERT(applied > 0);
}

static void
one(const uint8_t *pdu, size_t len, bool admin, size_t budget, bool abandon)
{
	dir_ctx ctx = { .bind_dn = admin ? "cn=admin,o=intranet" : "", .is_admin = admin,
		.now_ms = clock_ms, .a = &a };
	const char *why = NULL;
	dir_result res;
	ldap_msg m;
	int rc;

	clock_ms += 1000;
	arena_reset(&a);
	memset(&m, 0, sizeof(m));
	if (ldap_decode(pdu, len, &a, &lim, &m, &why) != LDAP_SUCCESS) {
		ASSERT(why != NULL);
		return;
	}
	memset(&res, 0, sizeof(res));
	switch (m.op) {
	case LDAP_OP_ADD_REQUEST:
		rc = ils_add(E.d, &ctx, &m.u.add, &res);
		if (rc == ILS_PASS)
			rc = dir_add(E.d, &ctx, m.u.add.dn, m.u.add.attrs, m.u.add.nattrs, 0, &res);
		else
			rc = res.code;
		check_result(rc, &res);
		break;
	case LDAP_OP_MODIFY_REQUEST:
		rc = ils_modify(E.d, &ctx, &m.u.modify, &res);
		if (rc == ILS_PASS)
			rc = dir_modify(E.d, &ctx, m.u.modify.dn, m.u.modify.mods, m.u.modify.nmods,
			    0, &res);
		else
			rc = res.code;
		check_result(rc, &res);
		break;
	case LDAP_OP_DEL_REQUEST:
		rc = ils_delete(E.d, &ctx, m.u.del_dn, &res);
		if (rc == ILS_PASS)
			rc = dir_delete(E.d, &ctx, m.u.del_dn, 0, &res);
		else
			rc = res.code;
		check_result(rc, &res);
		break;
	case LDAP_OP_COMPARE_REQUEST:
		rc = ils_compare(E.d, &ctx, &m.u.compare, &res);
		if (rc == ILS_PASS)
			rc = dir_compare(E.d, &ctx, m.u.compare.dn, m.u.compare.attr,
			    m.u.compare.value, &res);
		else
			rc = res.code;
		check_result(rc, &res);
		break;
	case LDAP_OP_SEARCH_REQUEST:
		run_search(&ctx, &m, budget, abandon);
		break;
	case LDAP_OP_EXTENDED_REQUEST:
		run_refresh(&ctx, &m.u.extended);
		break;
	default:
		break;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t budgets[8] = { 1, 64, 512, 4096, 16384, 65536, 262144, 1 << 20 };
	size_t len;

	if (!ready) {
		fz_setup(&E, "fuzz-dir");
		arena_init(&a, 8192, (size_t)MAX_PDU * 8 + 65536);
		arena_init(&out_arena, 65536, 0);
		ldap_limits_default(&lim);
		ldap_limits_default(&out_lim);
		out_lim.max_attrs = 1u << 20;
		out_lim.max_values = 1u << 20;
		ber_writer_init(&w, 4096, 0);
		ready = 1;
	}
	if (++inputs % RESET_EVERY == 0)
		fz_reset(&E);
	if (size == 0)
		return 0;
	bool admin = data[0] & 1;
	size_t budget = budgets[(data[0] >> 1) & 7];
	bool sweep = data[0] & 0x10;
	bool abandon = data[0] & 0x20;
	data++;
	size--;
	while (size > 0 && ber_frame(data, size, MAX_PDU, &len) == 1) {
		one(data, len, admin, budget, abandon);
		data += len;
		size -= len;
	}
	if (sweep)
		(void)dir_sweep(E.d, clock_ms + 7 * 86400 * 1000ULL, 1000, 0, NULL);
	arena_reset(&a);
	return 0;
}
