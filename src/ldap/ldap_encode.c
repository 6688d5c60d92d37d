/*
 * ldap_encode.c - LDAPMessages (RFC 4511) written with a ber_writer.
 *
 * Every encoder appends one complete LDAPMessage to the writer and touches
 * no memory but the writer's buffer.  Errors (buffer limit, nesting) stick
 * in w->err, so callers check once after writing.  A NULL C string is
 * written as the empty string.
 */
#include <string.h>

#include "ldap/ldap.h"

#define UNIV BER_CLASS_UNIVERSAL
#define CTX BER_CLASS_CONTEXT
#define APP BER_CLASS_APPLICATION

static void
put_cstr(ber_writer *w, const char *s)
{
	ber_write_str(w, s != NULL ? s : "", s != NULL ? strlen(s) : 0);
}

static void
put_slice(ber_writer *w, ber_slice s)
{
	ber_write_str(w, s.p, s.len);
}

static void
put_ctx_cstr(ber_writer *w, uint32_t tag, const char *s)
{
	ber_write_octets(w, CTX, tag, s != NULL ? s : "", s != NULL ? strlen(s) : 0);
}

/* LDAPMessage header: SEQUENCE { messageID, [APPLICATION op] ... */
static void
msg_begin(ber_writer *w, int64_t msgid, uint8_t op)
{
	ber_begin_seq(w);
	ber_write_int(w, msgid);
	ber_begin(w, APP, op);
}

/* ... } and controls [0], then the end of the LDAPMessage. */
static void
msg_end(ber_writer *w, const ldap_control *ctls, size_t nctls)
{
	size_t i;

	ber_end(w);
	if (nctls > 0) {
		ber_begin(w, CTX, 0);
		for (i = 0; i < nctls; i++) {
			ber_begin_seq(w);
			put_slice(w, ctls[i].oid);
			if (ctls[i].critical)
				ber_write_bool(w, true);	/* DEFAULT FALSE is omitted */
			if (ctls[i].has_value)
				put_slice(w, ctls[i].value);
			ber_end(w);
		}
		ber_end(w);
	}
	ber_end(w);
}

static void
put_result(ber_writer *w, int code, ber_slice matched, ber_slice diag)
{
	ber_write_enum(w, code);
	put_slice(w, matched);
	put_slice(w, diag);
}

/* ---- responses ---- */

void
ldap_encode_result_ctl(ber_writer *w, int64_t msgid, uint8_t op, int code,
    const char *matched, const char *diag, const ldap_control *ctls, size_t nctls)
{
	msg_begin(w, msgid, op);
	put_result(w, code, ldap_slice(matched), ldap_slice(diag));
	msg_end(w, ctls, nctls);
}

void
ldap_encode_result(ber_writer *w, int64_t msgid, uint8_t op, int code, const char *matched,
    const char *diag)
{
	ldap_encode_result_ctl(w, msgid, op, code, matched, diag, NULL, 0);
}

void
ldap_encode_result_s(ber_writer *w, int64_t msgid, uint8_t op, int code, ber_slice matched,
    ber_slice diag)
{
	msg_begin(w, msgid, op);
	put_result(w, code, matched, diag);
	msg_end(w, NULL, 0);
}

void
ldap_encode_bind_response(ber_writer *w, int64_t msgid, int code, const char *matched,
    const char *diag, const ber_slice *sasl_creds)
{
	msg_begin(w, msgid, LDAP_OP_BIND_RESPONSE);
	put_result(w, code, ldap_slice(matched), ldap_slice(diag));
	if (sasl_creds != NULL)
		ber_write_octets(w, CTX, 7, sasl_creds->p, sasl_creds->len);
	msg_end(w, NULL, 0);
}

/* SearchResultEntry: message, [APPLICATION 4], DN, then the attribute list is left open. */
void
ldap_encode_entry_begin(ber_writer *w, int64_t msgid, const void *dn, size_t dnlen)
{
	msg_begin(w, msgid, LDAP_OP_SEARCH_ENTRY);
	ber_write_str(w, dn, dnlen);
	ber_begin_seq(w);
}

void
ldap_encode_entry_attr_begin(ber_writer *w, const void *type, size_t typelen)
{
	ber_begin_seq(w);
	ber_write_str(w, type, typelen);
	ber_begin_set(w);
}

void
ldap_encode_entry_value(ber_writer *w, const void *val, size_t len)
{
	ber_write_str(w, val, len);
}

void
ldap_encode_entry_attr_end(ber_writer *w)
{
	ber_end(w);	/* vals SET */
	ber_end(w);	/* PartialAttribute */
}

void
ldap_encode_entry_end(ber_writer *w)
{
	ber_end(w);	/* attribute list */
	msg_end(w, NULL, 0);
}

void
ldap_encode_reference(ber_writer *w, int64_t msgid, const ber_slice *uris, size_t n)
{
	size_t i;

	msg_begin(w, msgid, LDAP_OP_SEARCH_REFERENCE);
	for (i = 0; i < n; i++)
		put_slice(w, uris[i]);
	msg_end(w, NULL, 0);
}

void
ldap_encode_extended_response(ber_writer *w, int64_t msgid, int code, const char *matched,
    const char *diag, const char *oid, const ber_slice *value)
{
	msg_begin(w, msgid, LDAP_OP_EXTENDED_RESPONSE);
	put_result(w, code, ldap_slice(matched), ldap_slice(diag));
	if (oid != NULL)
		put_ctx_cstr(w, 10, oid);
	if (value != NULL)
		ber_write_octets(w, CTX, 11, value->p, value->len);
	msg_end(w, NULL, 0);
}

void
ldap_encode_notice_of_disconnection(ber_writer *w, int code, const char *diag)
{
	ldap_encode_extended_response(w, 0, code, "", diag, LDAP_OID_NOTICE_OF_DISCONNECTION,
	    NULL);
}

void
ldap_encode_intermediate(ber_writer *w, int64_t msgid, const char *oid, const ber_slice *value)
{
	msg_begin(w, msgid, LDAP_OP_INTERMEDIATE_RESPONSE);
	if (oid != NULL)
		put_ctx_cstr(w, 0, oid);
	if (value != NULL)
		ber_write_octets(w, CTX, 1, value->p, value->len);
	msg_end(w, NULL, 0);
}

/* ---- requests ---- */

void
ldap_encode_bind_simple(ber_writer *w, int64_t msgid, int version, const char *dn,
    const void *pw, size_t pwlen)
{
	msg_begin(w, msgid, LDAP_OP_BIND_REQUEST);
	ber_write_int(w, version);
	put_cstr(w, dn);
	ber_write_octets(w, CTX, LDAP_AUTH_SIMPLE, pw, pwlen);
	msg_end(w, NULL, 0);
}

void
ldap_encode_bind_sasl(ber_writer *w, int64_t msgid, const char *dn, const char *mech,
    const ber_slice *creds)
{
	msg_begin(w, msgid, LDAP_OP_BIND_REQUEST);
	ber_write_int(w, 3);
	put_cstr(w, dn);
	ber_begin(w, CTX, LDAP_AUTH_SASL);
	put_cstr(w, mech);
	if (creds != NULL)
		put_slice(w, *creds);
	ber_end(w);
	msg_end(w, NULL, 0);
}

/* Sicily binds are LDAPv3 binds whose choice carries the NTLM blob as is. */
void
ldap_encode_bind_sicily(ber_writer *w, int64_t msgid, uint8_t method, const char *dn,
    const void *blob, size_t bloblen)
{
	msg_begin(w, msgid, LDAP_OP_BIND_REQUEST);
	ber_write_int(w, 3);
	put_cstr(w, dn);
	ber_write_octets(w, CTX, method, blob, bloblen);
	msg_end(w, NULL, 0);
}

void
ldap_encode_unbind(ber_writer *w, int64_t msgid)
{
	ber_begin_seq(w);
	ber_write_int(w, msgid);
	ber_write_null(w, APP, LDAP_OP_UNBIND_REQUEST);
	ber_end(w);
}

/*
 * Recursion follows the tree; it stops as soon as the writer fails, which
 * it does beyond BER_MAX_NEST open elements, so the depth stays bounded.
 */
void
ldap_encode_filter(ber_writer *w, const ldap_filter *f)
{
	const ldap_filter *c;
	size_t i;

	if (f == NULL || w->err != 0)
		return;
	switch (f->type) {
	case LDAP_FILTER_AND:
	case LDAP_FILTER_OR:
		ber_begin(w, CTX, f->type);
		for (c = f->u.set.children; c != NULL; c = c->next)
			ldap_encode_filter(w, c);
		ber_end(w);
		break;
	case LDAP_FILTER_NOT:
		ber_begin(w, CTX, f->type);
		ldap_encode_filter(w, f->u.not);
		ber_end(w);
		break;
	case LDAP_FILTER_SUBSTRINGS:
		ber_begin(w, CTX, f->type);
		put_slice(w, f->u.sub.attr);
		ber_begin_seq(w);
		for (i = 0; i < f->u.sub.nparts; i++)
			ber_write_octets(w, CTX, f->u.sub.parts[i].kind,
			    f->u.sub.parts[i].value.p, f->u.sub.parts[i].value.len);
		ber_end(w);
		ber_end(w);
		break;
	case LDAP_FILTER_PRESENT:
		ber_write_octets(w, CTX, f->type, f->u.present.p, f->u.present.len);
		break;
	case LDAP_FILTER_EXTENSIBLE:
		ber_begin(w, CTX, f->type);
		if (f->u.ext.has_rule)
			ber_write_octets(w, CTX, 1, f->u.ext.rule.p, f->u.ext.rule.len);
		if (f->u.ext.has_attr)
			ber_write_octets(w, CTX, 2, f->u.ext.attr.p, f->u.ext.attr.len);
		ber_write_octets(w, CTX, 3, f->u.ext.value.p, f->u.ext.value.len);
		if (f->u.ext.dn_attrs)
			ber_write_boolean(w, CTX, 4, true);
		ber_end(w);
		break;
	default:	/* EQUALITY, GE, LE, APPROX */
		ber_begin(w, CTX, f->type);
		put_slice(w, f->u.ava.attr);
		put_slice(w, f->u.ava.value);
		ber_end(w);
		break;
	}
}

/* A search without a filter asks for everything: (objectClass=*). */
void
ldap_encode_search(ber_writer *w, int64_t msgid, const ldap_search_req *s,
    const ldap_control *ctls, size_t nctls)
{
	size_t i;

	msg_begin(w, msgid, LDAP_OP_SEARCH_REQUEST);
	put_slice(w, s->base);
	ber_write_enum(w, s->scope);
	ber_write_enum(w, s->deref);
	ber_write_int(w, s->sizelimit);
	ber_write_int(w, s->timelimit);
	ber_write_bool(w, s->typesonly);
	if (s->filter != NULL)
		ldap_encode_filter(w, s->filter);
	else
		ber_write_octets(w, CTX, LDAP_FILTER_PRESENT, "objectClass", 11);
	ber_begin_seq(w);
	for (i = 0; i < s->nattrs; i++)
		put_slice(w, s->attrs[i]);
	ber_end(w);
	msg_end(w, ctls, nctls);
}

static void
put_attr(ber_writer *w, const ldap_attr *at)
{
	size_t i;

	ber_begin_seq(w);
	put_slice(w, at->type);
	ber_begin_set(w);
	for (i = 0; i < at->nvals; i++)
		put_slice(w, at->vals[i]);
	ber_end(w);
	ber_end(w);
}

void
ldap_encode_modify(ber_writer *w, int64_t msgid, const ldap_modify_req *m)
{
	size_t i;

	msg_begin(w, msgid, LDAP_OP_MODIFY_REQUEST);
	put_slice(w, m->dn);
	ber_begin_seq(w);
	for (i = 0; i < m->nmods; i++) {
		ber_begin_seq(w);
		ber_write_enum(w, m->mods[i].op);
		put_attr(w, &m->mods[i].attr);
		ber_end(w);
	}
	ber_end(w);
	msg_end(w, NULL, 0);
}

void
ldap_encode_add(ber_writer *w, int64_t msgid, const ldap_add_req *a)
{
	size_t i;

	msg_begin(w, msgid, LDAP_OP_ADD_REQUEST);
	put_slice(w, a->dn);
	ber_begin_seq(w);
	for (i = 0; i < a->nattrs; i++)
		put_attr(w, &a->attrs[i]);
	ber_end(w);
	msg_end(w, NULL, 0);
}

void
ldap_encode_delete(ber_writer *w, int64_t msgid, const void *dn, size_t dnlen)
{
	ber_begin_seq(w);
	ber_write_int(w, msgid);
	ber_write_octets(w, APP, LDAP_OP_DEL_REQUEST, dn, dnlen);
	ber_end(w);
}

void
ldap_encode_moddn(ber_writer *w, int64_t msgid, const ldap_moddn_req *m)
{
	msg_begin(w, msgid, LDAP_OP_MODDN_REQUEST);
	put_slice(w, m->dn);
	put_slice(w, m->newrdn);
	ber_write_bool(w, m->deleteoldrdn);
	if (m->has_newsuperior)
		ber_write_octets(w, CTX, 0, m->newsuperior.p, m->newsuperior.len);
	msg_end(w, NULL, 0);
}

void
ldap_encode_compare(ber_writer *w, int64_t msgid, const ldap_compare_req *c)
{
	msg_begin(w, msgid, LDAP_OP_COMPARE_REQUEST);
	put_slice(w, c->dn);
	ber_begin_seq(w);
	put_slice(w, c->attr);
	put_slice(w, c->value);
	ber_end(w);
	msg_end(w, NULL, 0);
}

void
ldap_encode_abandon(ber_writer *w, int64_t msgid, int64_t abandon_id)
{
	ber_begin_seq(w);
	ber_write_int(w, msgid);
	ber_write_integer(w, APP, LDAP_OP_ABANDON_REQUEST, abandon_id);
	ber_end(w);
}

void
ldap_encode_extended(ber_writer *w, int64_t msgid, const char *oid, const ber_slice *value)
{
	msg_begin(w, msgid, LDAP_OP_EXTENDED_REQUEST);
	put_ctx_cstr(w, 0, oid);
	if (value != NULL)
		ber_write_octets(w, CTX, 1, value->p, value->len);
	msg_end(w, NULL, 0);
}
