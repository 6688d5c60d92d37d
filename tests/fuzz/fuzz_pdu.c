/*
 * fuzz_pdu.c - libFuzzer target for the LDAP message codec.
 *
 * The input is what a client might send on a connection: it is cut into
 * PDUs with ber_frame and each is decoded with a capped arena, as the
 * server does.  Whatever decodes is encoded again; that encoding must
 * decode too, and encoding it once more must give the same bytes (after
 * one round the codec is at a fixed point).  A violation aborts.
 */
#include <stdlib.h>
#include <string.h>

#include "ldap/ldap.h"

#define ARENA_CAP (1 << 20)
#define MAX_PDU (1 << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static arena msg_arena, str_arena;
static ldap_limits lim;
static ber_writer w1, w2;
static int ready;

/* Some encoders take C strings; copies stop at an embedded NUL. */
static const char *
cstr(ber_slice s)
{
	return arena_strndup(&str_arena, (const char *)s.p, s.len);
}

static void
encode_bind(ber_writer *w, const ldap_msg *m)
{
	const ldap_bind_req *b = &m->u.bind;

	if (b->method == LDAP_AUTH_SIMPLE)
		ldap_encode_bind_simple(w, m->msgid, (int)b->version, cstr(b->name),
		    b->password.p, b->password.len);
	else if (b->method == LDAP_AUTH_SASL)
		ldap_encode_bind_sasl(w, m->msgid, cstr(b->name), cstr(b->mech),
		    b->has_creds ? &b->creds : NULL);
	else
		ldap_encode_bind_sicily(w, m->msgid, b->method, cstr(b->name), b->password.p,
		    b->password.len);
}

static void
encode_entry(ber_writer *w, const ldap_msg *m)
{
	const ldap_entry_msg *e = &m->u.entry;
	size_t i, j;

	ldap_encode_entry_begin(w, m->msgid, e->dn.p, e->dn.len);
	for (i = 0; i < e->nattrs; i++) {
		ldap_encode_entry_attr_begin(w, e->attrs[i].type.p, e->attrs[i].type.len);
		for (j = 0; j < e->attrs[i].nvals; j++)
			ldap_encode_entry_value(w, e->attrs[i].vals[j].p, e->attrs[i].vals[j].len);
		ldap_encode_entry_attr_end(w);
	}
	ldap_encode_entry_end(w);
}

static void
encode_result(ber_writer *w, const ldap_msg *m)
{
	const ldap_result_msg *r = &m->u.result;

	switch (m->op) {
	case LDAP_OP_BIND_RESPONSE:
		ldap_encode_bind_response(w, m->msgid, (int)r->code, cstr(r->matched),
		    cstr(r->diag), r->has_sasl_creds ? &r->sasl_creds : NULL);
		break;
	case LDAP_OP_EXTENDED_RESPONSE:
		ldap_encode_extended_response(w, m->msgid, (int)r->code, cstr(r->matched),
		    cstr(r->diag), r->has_oid ? cstr(r->oid) : NULL,
		    r->has_value ? &r->value : NULL);
		break;
	case LDAP_OP_INTERMEDIATE_RESPONSE:
		ldap_encode_intermediate(w, m->msgid, r->has_oid ? cstr(r->oid) : NULL,
		    r->has_value ? &r->value : NULL);
		break;
	default:
		if (m->ncontrols > 0)
			ldap_encode_result_ctl(w, m->msgid, m->op, (int)r->code, cstr(r->matched),
			    cstr(r->diag), m->controls, m->ncontrols);
		else
			ldap_encode_result_s(w, m->msgid, m->op, (int)r->code, r->matched,
			    r->diag);
		break;
	}
}

static void
encode(ber_writer *w, const ldap_msg *m)
{
	switch (m->op) {
	case LDAP_OP_BIND_REQUEST: encode_bind(w, m); break;
	case LDAP_OP_UNBIND_REQUEST: ldap_encode_unbind(w, m->msgid); break;
	case LDAP_OP_SEARCH_REQUEST:
		ldap_encode_search(w, m->msgid, &m->u.search, m->controls, m->ncontrols);
		break;
	case LDAP_OP_MODIFY_REQUEST: ldap_encode_modify(w, m->msgid, &m->u.modify); break;
	case LDAP_OP_ADD_REQUEST: ldap_encode_add(w, m->msgid, &m->u.add); break;
	case LDAP_OP_DEL_REQUEST:
		ldap_encode_delete(w, m->msgid, m->u.del_dn.p, m->u.del_dn.len);
		break;
	case LDAP_OP_MODDN_REQUEST: ldap_encode_moddn(w, m->msgid, &m->u.moddn); break;
	case LDAP_OP_COMPARE_REQUEST: ldap_encode_compare(w, m->msgid, &m->u.compare); break;
	case LDAP_OP_ABANDON_REQUEST: ldap_encode_abandon(w, m->msgid, m->u.abandon_id); break;
	case LDAP_OP_EXTENDED_REQUEST:
		ldap_encode_extended(w, m->msgid, cstr(m->u.extended.oid),
		    m->u.extended.has_value ? &m->u.extended.value : NULL);
		break;
	case LDAP_OP_SEARCH_ENTRY: encode_entry(w, m); break;
	case LDAP_OP_SEARCH_REFERENCE:
		ldap_encode_reference(w, m->msgid, m->u.ref.uris, m->u.ref.nuris);
		break;
	default: encode_result(w, m); break;
	}
}

static void
check_fixed_point(const ldap_msg *m)
{
	ldap_msg again;
	const char *why;

	ber_writer_reset(&w1);
	encode(&w1, m);
	if (w1.err != 0)
		return;		/* e.g. a filter nested deeper than the writer allows */
	if (w1.sp != 0)
		abort();
	arena_reset(&msg_arena);
	if (ldap_decode(w1.buf, w1.len, &msg_arena, &lim, &again, &why) != LDAP_SUCCESS)
		abort();
	ber_writer_reset(&w2);
	encode(&w2, &again);
	if (w2.err != 0 || w2.len != w1.len || memcmp(w1.buf, w2.buf, w1.len) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ldap_msg m;
	const char *why;
	size_t len;

	if (!ready) {
		arena_init(&msg_arena, 4096, ARENA_CAP);
		arena_init(&str_arena, 4096, 0);
		ldap_limits_default(&lim);
		ber_writer_init(&w1, 256, 0);
		ber_writer_init(&w2, 256, 0);
		ready = 1;
	}
	while (size > 0 && ber_frame(data, size, MAX_PDU, &len) == 1) {
		arena_reset(&msg_arena);
		arena_reset(&str_arena);
		if (ldap_decode(data, len, &msg_arena, &lim, &m, &why) == LDAP_SUCCESS)
			check_fixed_point(&m);
		else if (why == NULL)
			abort();
		data += len;
		size -= len;
	}
	return 0;
}
