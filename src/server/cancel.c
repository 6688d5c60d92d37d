/*
 * cancel.c - Cancel (RFC 3909).  See cancel.h for which answer is given
 * when.  The response carries neither responseName nor responseValue.
 */
#include "server/cancel.h"

#include <stdio.h>

#include "util/log.h"

int
cancel_parse(ber_slice value, int64_t *id)
{
	ber_reader r, seq;

	ber_reader_init(&r, value.p, value.len, 4);
	if (ber_read_sequence(&r, BER_CLASS_UNIVERSAL, BER_TAG_SEQUENCE, &seq) != BER_OK ||
	    !ber_reader_done(&r) ||
	    ber_read_integer(&seq, BER_CLASS_UNIVERSAL, BER_TAG_INTEGER, id) != BER_OK ||
	    !ber_reader_done(&seq))
		return -1;
	/* MessageID ::= INTEGER (0 .. maxInt) */
	return *id < 0 || *id > INT32_MAX ? -1 : 0;
}

/* RFC 3909 2: these operations cannot be canceled. */
static bool
cancelable(const ldap_msg *m)
{
	switch (m->op) {
	case LDAP_OP_BIND_REQUEST:
	case LDAP_OP_UNBIND_REQUEST:
	case LDAP_OP_ABANDON_REQUEST:
		return false;
	case LDAP_OP_EXTENDED_REQUEST:
		return !ldap_slice_eq_ci(m->u.extended.oid, LDAP_OID_STARTTLS) &&
		    !ldap_slice_eq_ci(m->u.extended.oid, LDAP_OID_CANCEL);
	default:
		return true;
	}
}

void
cancel_note_request(conn *c, const ldap_msg *m)
{
	recent_op *r = &c->recent[c->recent_next];

	r->msgid = m->msgid;
	r->cancelable = cancelable(m);
	c->recent_next = (c->recent_next + 1) % CONN_RECENT_OPS;
}

/* The latest remembered request with this ID, or NULL. */
static const recent_op *
recent_find(const conn *c, int64_t id)
{
	for (unsigned k = 1; k <= CONN_RECENT_OPS; k++) {
		const recent_op *r = &c->recent[(c->recent_next + CONN_RECENT_OPS - k) %
		    CONN_RECENT_OPS];
		if (r->msgid == id && id != 0)
			return r;
	}
	return NULL;
}

static void
reply(conn *c, int64_t msgid, int code, const char *diag)
{
	ldap_encode_extended_response(&c->w, msgid, code, "", diag, NULL, NULL);
	conn_flush_writer(c);
	log_debug("conn %llu: cancel %lld: %s", (unsigned long long)c->id, (long long)msgid,
	    ldap_result_name(code));
}

void
cancel_handle(conn *c, const ldap_msg *m)
{
	const ldap_extended_req *x = &m->u.extended;
	const recent_op *r;
	int64_t id;

	if (!x->has_value || cancel_parse(x->value, &id) < 0) {
		reply(c, m->msgid, LDAP_PROTOCOL_ERROR,
		    "cancel: requestValue must be SEQUENCE { cancelID MessageID }");
		return;
	}
	r = recent_find(c, id);
	if (r != NULL && !r->cancelable) {
		reply(c, m->msgid, LDAP_CANNOT_CANCEL, "this operation cannot be canceled");
		return;
	}
	/* The canceled search's SearchResultDone goes out before this response. */
	if (conn_cancel_job(c, id)) {
		reply(c, m->msgid, LDAP_SUCCESS, "");
		return;
	}
	if (r != NULL)
		reply(c, m->msgid, LDAP_TOO_LATE, "the operation has already completed");
	else
		reply(c, m->msgid, LDAP_NO_SUCH_OPERATION, "no such operation");
}
