/*
 * ldap_decode.c - one LDAPMessage (RFC 4511 section 4; LDAPv2 RFC 1777;
 * Sicily binds MS-ADTS 5.1.1.1.3) from BER into an ldap_msg.  Filters are
 * decoded in ldap_decode_filter.c.
 *
 * Liberal where shipped clients need it (LDAPv2 binds, a missing attribute
 * list, empty value sets, absent optional fields), strict on structure:
 * every tag is checked, no element may keep unread bytes, enumerations and
 * message IDs must be in range.  Lists are counted first, checked against
 * the limits, then allocated exactly once from the arena; values are
 * slices into the PDU.
 */
#include <string.h>

#include "ldap/ldap_dec.h"

#define UNIV BER_CLASS_UNIVERSAL
#define CTX BER_CLASS_CONTEXT
#define LDAP_MAXINT 2147483647

/* ---- helpers shared with ldap_decode_filter.c ---- */

int
ldap_dec_fail(ldap_dec *d, int code, const char *why)
{
	if (d->why == NULL)
		d->why = why;
	return code;
}

int
ldap_dec_ber(ldap_dec *d, int ber_err, const char *why)
{
	if (ber_err == BER_ERR_DEPTH)
		return ldap_dec_fail(d, LDAP_ADMIN_LIMIT_EXCEEDED, "nesting too deep");
	return ldap_dec_fail(d, LDAP_PROTOCOL_ERROR, why);
}

int
ldap_dec_done(ldap_dec *d, const ber_reader *r, const char *why)
{
	if (!ber_reader_done(r))
		return ldap_dec_fail(d, LDAP_PROTOCOL_ERROR, why);
	return 0;
}

bool
ldap_dec_next_is(const ber_reader *r, uint8_t cls, uint32_t tag)
{
	ber_tlv t;

	return ber_peek_tlv(r, &t) == BER_OK && t.cls == cls && t.tag == tag;
}

int
ldap_dec_str(ldap_dec *d, ber_reader *r, ber_slice *out, const char *why)
{
	int e = ber_read_octets(r, UNIV, BER_TAG_OCTET_STRING, out);

	return e == BER_OK ? 0 : ldap_dec_ber(d, e, why);
}

/* Walks only the headers, and stops at max, so counting is cheap and bounded. */
int
ldap_dec_count(ldap_dec *d, const ber_reader *r, size_t max, size_t *n, const char *why)
{
	ber_reader scan = *r;
	ber_tlv t;
	size_t count = 0;
	int e;

	while (!ber_reader_done(&scan)) {
		if (count >= max)
			return ldap_dec_fail(d, LDAP_ADMIN_LIMIT_EXCEEDED, why);
		if ((e = ber_read_tlv(&scan, &t)) != BER_OK)
			return ldap_dec_ber(d, e, "malformed element in a list");
		count++;
	}
	*n = count;
	return 0;
}

void *
ldap_dec_array(ldap_dec *d, size_t n, size_t size)
{
	void *p;

	if (n == 0)
		return NULL;
	if ((p = arena_calloc(d->a, n, size)) == NULL)
		ldap_dec_fail(d, LDAP_ADMIN_LIMIT_EXCEEDED, "request needs more memory than the per-request limit");
	return p;
}

/* ---- small typed reads ---- */

static int
read_seq(ldap_dec *d, ber_reader *r, uint8_t cls, uint32_t tag, ber_reader *child,
    const char *why)
{
	int e = ber_read_sequence(r, cls, tag, child);

	return e == BER_OK ? 0 : ldap_dec_ber(d, e, why);
}

static int
read_bool(ldap_dec *d, ber_reader *r, uint8_t cls, uint32_t tag, bool *out, const char *why)
{
	int e = ber_read_boolean(r, cls, tag, out);

	return e == BER_OK ? 0 : ldap_dec_ber(d, e, why);
}

static int
read_ctx_str(ldap_dec *d, ber_reader *r, uint32_t tag, ber_slice *out, const char *why)
{
	int e = ber_read_octets(r, CTX, tag, out);

	return e == BER_OK ? 0 : ldap_dec_ber(d, e, why);
}

/* An INTEGER or ENUMERATED that must lie in [0, max]. */
static int
read_ranged(ldap_dec *d, ber_reader *r, uint32_t tag, int64_t max, int64_t *out,
    const char *why)
{
	int e = ber_read_integer(r, UNIV, tag, out);

	if (e != BER_OK)
		return ldap_dec_ber(d, e, why);
	if (*out < 0 || *out > max)
		return ldap_dec_fail(d, LDAP_PROTOCOL_ERROR, why);
	return 0;
}

static int
read_enum8(ldap_dec *d, ber_reader *r, int64_t max, uint8_t *out, const char *why)
{
	int64_t v;

	LDAP_DEC_TRY(read_ranged(d, r, BER_TAG_ENUMERATED, max, &v, why));
	*out = (uint8_t)v;
	return 0;
}

/* The rest of r as a list of OCTET STRINGs (attribute lists, values, URIs). */
static int
read_str_list(ldap_dec *d, ber_reader *r, size_t max, ber_slice **out, size_t *n,
    const char *why_many)
{
	ber_slice *list;
	size_t i, count;

	LDAP_DEC_TRY(ldap_dec_count(d, r, max, &count, why_many));
	list = ldap_dec_array(d, count, sizeof(*list));
	if (list == NULL && count > 0)
		return LDAP_ADMIN_LIMIT_EXCEEDED;
	for (i = 0; i < count; i++)
		LDAP_DEC_TRY(ldap_dec_str(d, r, &list[i], "list element is not an OCTET STRING"));
	*out = list;
	*n = count;
	return 0;
}

/* Attribute / PartialAttribute: SEQUENCE { type, vals SET OF value }. */
static int
read_attr(ldap_dec *d, ber_reader *r, ldap_attr *at)
{
	ber_reader seq, set;

	LDAP_DEC_TRY(read_seq(d, r, UNIV, BER_TAG_SEQUENCE, &seq, "attribute is not a SEQUENCE"));
	LDAP_DEC_TRY(ldap_dec_str(d, &seq, &at->type, "bad attribute type"));
	LDAP_DEC_TRY(read_seq(d, &seq, UNIV, BER_TAG_SET, &set, "attribute values are not a SET"));
	LDAP_DEC_TRY(read_str_list(d, &set, d->lim->max_values, &at->vals, &at->nvals,
	    "too many values"));
	return ldap_dec_done(d, &seq, "trailing data in attribute");
}

/* The rest of r as a list of attributes (AddRequest, SearchResultEntry). */
static int
read_attr_list(ldap_dec *d, ber_reader *r, ldap_attr **out, size_t *n)
{
	ldap_attr *attrs;
	size_t i, count;

	LDAP_DEC_TRY(ldap_dec_count(d, r, d->lim->max_attrs, &count, "too many attributes"));
	attrs = ldap_dec_array(d, count, sizeof(*attrs));
	if (attrs == NULL && count > 0)
		return LDAP_ADMIN_LIMIT_EXCEEDED;
	for (i = 0; i < count; i++)
		LDAP_DEC_TRY(read_attr(d, r, &attrs[i]));
	*out = attrs;
	*n = count;
	return 0;
}

/* ---- requests ---- */

/* Sicily blobs ([9] [10] [11]) are primitive OCTET STRINGs like simple [0]. */
static int
decode_bind(ldap_dec *d, ber_reader *r, ldap_bind_req *b)
{
	ber_tlv t;
	ber_reader sasl;
	int e;

	e = ber_read_integer(r, UNIV, BER_TAG_INTEGER, &b->version);
	if (e != BER_OK)
		return ldap_dec_ber(d, e, "bad bind version");
	LDAP_DEC_TRY(ldap_dec_str(d, r, &b->name, "bad bind name"));
	if ((e = ber_read_tlv(r, &t)) != BER_OK)
		return ldap_dec_ber(d, e, "bad authentication choice");
	if (t.cls != CTX)
		return ldap_dec_fail(d, LDAP_PROTOCOL_ERROR, "bad authentication choice");
	switch (t.tag) {
	case LDAP_AUTH_SIMPLE:
	case LDAP_AUTH_SICILY_DISCOVERY:
	case LDAP_AUTH_SICILY_NEGOTIATE:
	case LDAP_AUTH_SICILY_RESPONSE:
		if (t.constructed)
			return ldap_dec_fail(d, LDAP_PROTOCOL_ERROR, "constructed credentials");
		b->method = (uint8_t)t.tag;
		b->password = t.value;
		return 0;
	case LDAP_AUTH_SASL:
		if ((e = ber_enter(r, &t, &sasl)) != BER_OK)
			return ldap_dec_ber(d, e, "bad SaslCredentials");
		b->method = LDAP_AUTH_SASL;
		LDAP_DEC_TRY(ldap_dec_str(d, &sasl, &b->mech, "bad SASL mechanism"));
		if (!ber_reader_done(&sasl)) {
			LDAP_DEC_TRY(ldap_dec_str(d, &sasl, &b->creds, "bad SASL credentials"));
			b->has_creds = true;
		}
		return ldap_dec_done(d, &sasl, "trailing data in SaslCredentials");
	default:
		return ldap_dec_fail(d, LDAP_PROTOCOL_ERROR, "unknown authentication choice");
	}
}

static int
decode_search(ldap_dec *d, ber_reader *r, ldap_search_req *s)
{
	ber_reader attrs;
	unsigned nodes = 0;

	LDAP_DEC_TRY(ldap_dec_str(d, r, &s->base, "bad search base"));
	/* RFC 4511 4.5.1.2: scope is an extensible enumeration; the directory
	 * answers values it does not know with protocolError. */
	LDAP_DEC_TRY(read_enum8(d, r, 255, &s->scope, "bad search scope"));
	LDAP_DEC_TRY(read_enum8(d, r, LDAP_DEREF_ALWAYS, &s->deref, "bad derefAliases"));
	LDAP_DEC_TRY(read_ranged(d, r, BER_TAG_INTEGER, LDAP_MAXINT, &s->sizelimit,
	    "bad size limit"));
	LDAP_DEC_TRY(read_ranged(d, r, BER_TAG_INTEGER, LDAP_MAXINT, &s->timelimit,
	    "bad time limit"));
	LDAP_DEC_TRY(read_bool(d, r, UNIV, BER_TAG_BOOLEAN, &s->typesonly, "bad typesOnly"));
	LDAP_DEC_TRY(ldap_dec_filter(d, r, &nodes, &s->filter));
	if (ber_reader_done(r))
		return 0;	/* no attribute list: all user attributes */
	LDAP_DEC_TRY(read_seq(d, r, UNIV, BER_TAG_SEQUENCE, &attrs, "bad attribute selection"));
	return read_str_list(d, &attrs, d->lim->max_attrs, &s->attrs, &s->nattrs,
	    "too many attributes requested");
}

static int
decode_modify(ldap_dec *d, ber_reader *r, ldap_modify_req *m)
{
	ber_reader changes, change;
	size_t i;

	LDAP_DEC_TRY(ldap_dec_str(d, r, &m->dn, "bad modify DN"));
	LDAP_DEC_TRY(read_seq(d, r, UNIV, BER_TAG_SEQUENCE, &changes, "bad modify changes"));
	LDAP_DEC_TRY(ldap_dec_count(d, &changes, d->lim->max_attrs, &m->nmods,
	    "too many modifications"));
	m->mods = ldap_dec_array(d, m->nmods, sizeof(*m->mods));
	if (m->mods == NULL && m->nmods > 0)
		return LDAP_ADMIN_LIMIT_EXCEEDED;
	for (i = 0; i < m->nmods; i++) {
		LDAP_DEC_TRY(read_seq(d, &changes, UNIV, BER_TAG_SEQUENCE, &change,
		    "modify change is not a SEQUENCE"));
		LDAP_DEC_TRY(read_enum8(d, &change, LDAP_MOD_INCREMENT, &m->mods[i].op,
		    "bad modify operation"));
		LDAP_DEC_TRY(read_attr(d, &change, &m->mods[i].attr));
		LDAP_DEC_TRY(ldap_dec_done(d, &change, "trailing data in modify change"));
	}
	return 0;
}

static int
decode_add(ldap_dec *d, ber_reader *r, ldap_add_req *a)
{
	ber_reader attrs;

	LDAP_DEC_TRY(ldap_dec_str(d, r, &a->dn, "bad add DN"));
	LDAP_DEC_TRY(read_seq(d, r, UNIV, BER_TAG_SEQUENCE, &attrs, "bad add attribute list"));
	return read_attr_list(d, &attrs, &a->attrs, &a->nattrs);
}

static int
decode_moddn(ldap_dec *d, ber_reader *r, ldap_moddn_req *m)
{
	LDAP_DEC_TRY(ldap_dec_str(d, r, &m->dn, "bad modDN entry"));
	LDAP_DEC_TRY(ldap_dec_str(d, r, &m->newrdn, "bad modDN newrdn"));
	LDAP_DEC_TRY(read_bool(d, r, UNIV, BER_TAG_BOOLEAN, &m->deleteoldrdn,
	    "bad modDN deleteoldrdn"));
	if (ber_reader_done(r))
		return 0;
	LDAP_DEC_TRY(read_ctx_str(d, r, 0, &m->newsuperior, "bad modDN newSuperior"));
	m->has_newsuperior = true;
	return 0;
}

static int
decode_compare(ldap_dec *d, ber_reader *r, ldap_compare_req *c)
{
	ber_reader ava;

	LDAP_DEC_TRY(ldap_dec_str(d, r, &c->dn, "bad compare DN"));
	LDAP_DEC_TRY(read_seq(d, r, UNIV, BER_TAG_SEQUENCE, &ava, "bad compare assertion"));
	LDAP_DEC_TRY(ldap_dec_str(d, &ava, &c->attr, "bad compare attribute"));
	LDAP_DEC_TRY(ldap_dec_str(d, &ava, &c->value, "bad compare value"));
	return ldap_dec_done(d, &ava, "trailing data in compare assertion");
}

static int
decode_extended(ldap_dec *d, ber_reader *r, ldap_extended_req *x)
{
	LDAP_DEC_TRY(read_ctx_str(d, r, 0, &x->oid, "bad extended requestName"));
	if (ber_reader_done(r))
		return 0;
	LDAP_DEC_TRY(read_ctx_str(d, r, 1, &x->value, "bad extended requestValue"));
	x->has_value = true;
	return 0;
}

/* ---- responses ---- */

/* LDAPResult, then the fields BindResponse and ExtendedResponse add. */
static int
decode_result(ldap_dec *d, ber_reader *r, uint8_t op, ldap_result_msg *res)
{
	ber_reader refs;
	int e;

	if ((e = ber_read_integer(r, UNIV, BER_TAG_ENUMERATED, &res->code)) != BER_OK)
		return ldap_dec_ber(d, e, "bad resultCode");
	LDAP_DEC_TRY(ldap_dec_str(d, r, &res->matched, "bad matchedDN"));
	LDAP_DEC_TRY(ldap_dec_str(d, r, &res->diag, "bad diagnosticMessage"));
	if (ldap_dec_next_is(r, CTX, 3)) {
		LDAP_DEC_TRY(read_seq(d, r, CTX, 3, &refs, "bad referral"));
		LDAP_DEC_TRY(read_str_list(d, &refs, d->lim->max_values, &res->referrals,
		    &res->nreferrals, "too many referrals"));
	}
	if (op == LDAP_OP_BIND_RESPONSE && ldap_dec_next_is(r, CTX, 7)) {
		LDAP_DEC_TRY(read_ctx_str(d, r, 7, &res->sasl_creds, "bad serverSaslCreds"));
		res->has_sasl_creds = true;
	}
	if (op == LDAP_OP_EXTENDED_RESPONSE && ldap_dec_next_is(r, CTX, 10)) {
		LDAP_DEC_TRY(read_ctx_str(d, r, 10, &res->oid, "bad responseName"));
		res->has_oid = true;
	}
	if (op == LDAP_OP_EXTENDED_RESPONSE && ldap_dec_next_is(r, CTX, 11)) {
		LDAP_DEC_TRY(read_ctx_str(d, r, 11, &res->value, "bad responseValue"));
		res->has_value = true;
	}
	return 0;
}

static int
decode_intermediate(ldap_dec *d, ber_reader *r, ldap_result_msg *res)
{
	if (ldap_dec_next_is(r, CTX, 0)) {
		LDAP_DEC_TRY(read_ctx_str(d, r, 0, &res->oid, "bad intermediate responseName"));
		res->has_oid = true;
	}
	if (ldap_dec_next_is(r, CTX, 1)) {
		LDAP_DEC_TRY(read_ctx_str(d, r, 1, &res->value, "bad intermediate responseValue"));
		res->has_value = true;
	}
	return 0;
}

static int
decode_entry(ldap_dec *d, ber_reader *r, ldap_entry_msg *en)
{
	ber_reader attrs;

	LDAP_DEC_TRY(ldap_dec_str(d, r, &en->dn, "bad entry DN"));
	LDAP_DEC_TRY(read_seq(d, r, UNIV, BER_TAG_SEQUENCE, &attrs, "bad entry attributes"));
	return read_attr_list(d, &attrs, &en->attrs, &en->nattrs);
}

/* ---- the message ---- */

/* Operations whose protocolOp is a primitive element. */
static int
decode_primitive_op(ldap_dec *d, const ber_tlv *t, ldap_msg *msg)
{
	if (t->constructed)
		return ldap_dec_fail(d, LDAP_PROTOCOL_ERROR, "protocolOp must be primitive");
	switch (t->tag) {
	case LDAP_OP_UNBIND_REQUEST:
		if (t->value.len != 0)
			return ldap_dec_fail(d, LDAP_PROTOCOL_ERROR, "unbind is not NULL");
		return 0;
	case LDAP_OP_DEL_REQUEST:
		msg->u.del_dn = t->value;
		return 0;
	default:	/* LDAP_OP_ABANDON_REQUEST */
		if (ber_decode_integer(t->value, &msg->u.abandon_id) != BER_OK ||
		    msg->u.abandon_id < 0 || msg->u.abandon_id > LDAP_MAXINT)
			return ldap_dec_fail(d, LDAP_PROTOCOL_ERROR, "bad abandon message ID");
		return 0;
	}
}

static int
decode_op(ldap_dec *d, const ber_reader *m, const ber_tlv *t, ldap_msg *msg)
{
	ber_reader r;
	int e, rc;

	if (t->tag == LDAP_OP_UNBIND_REQUEST || t->tag == LDAP_OP_DEL_REQUEST ||
	    t->tag == LDAP_OP_ABANDON_REQUEST)
		return decode_primitive_op(d, t, msg);
	if (!t->constructed)
		return ldap_dec_fail(d, LDAP_PROTOCOL_ERROR, "protocolOp must be constructed");
	if ((e = ber_enter(m, t, &r)) != BER_OK)
		return ldap_dec_ber(d, e, "bad protocolOp");
	switch (t->tag) {
	case LDAP_OP_BIND_REQUEST: rc = decode_bind(d, &r, &msg->u.bind); break;
	case LDAP_OP_SEARCH_REQUEST: rc = decode_search(d, &r, &msg->u.search); break;
	case LDAP_OP_MODIFY_REQUEST: rc = decode_modify(d, &r, &msg->u.modify); break;
	case LDAP_OP_ADD_REQUEST: rc = decode_add(d, &r, &msg->u.add); break;
	case LDAP_OP_MODDN_REQUEST: rc = decode_moddn(d, &r, &msg->u.moddn); break;
	case LDAP_OP_COMPARE_REQUEST: rc = decode_compare(d, &r, &msg->u.compare); break;
	case LDAP_OP_EXTENDED_REQUEST: rc = decode_extended(d, &r, &msg->u.extended); break;
	case LDAP_OP_SEARCH_ENTRY: rc = decode_entry(d, &r, &msg->u.entry); break;
	case LDAP_OP_SEARCH_REFERENCE:
		rc = read_str_list(d, &r, d->lim->max_values, &msg->u.ref.uris,
		    &msg->u.ref.nuris, "too many referral URIs");
		break;
	case LDAP_OP_INTERMEDIATE_RESPONSE:
		rc = decode_intermediate(d, &r, &msg->u.result);
		break;
	case LDAP_OP_BIND_RESPONSE:
	case LDAP_OP_SEARCH_DONE:
	case LDAP_OP_MODIFY_RESPONSE:
	case LDAP_OP_ADD_RESPONSE:
	case LDAP_OP_DEL_RESPONSE:
	case LDAP_OP_MODDN_RESPONSE:
	case LDAP_OP_COMPARE_RESPONSE:
	case LDAP_OP_EXTENDED_RESPONSE:
		rc = decode_result(d, &r, (uint8_t)t->tag, &msg->u.result);
		break;
	default:
		return ldap_dec_fail(d, LDAP_PROTOCOL_ERROR, "unknown protocolOp");
	}
	if (rc != 0)
		return rc;
	return ldap_dec_done(d, &r, "trailing data in protocolOp");
}

/* controls [0] SEQUENCE OF Control { type, criticality DEFAULT FALSE, value OPTIONAL }. */
static int
decode_controls(ldap_dec *d, ber_reader *m, ldap_msg *msg)
{
	ber_reader list, c;
	ldap_control *ctl;
	size_t i;

	LDAP_DEC_TRY(read_seq(d, m, CTX, 0, &list, "bad controls"));
	LDAP_DEC_TRY(ldap_dec_count(d, &list, d->lim->max_controls, &msg->ncontrols,
	    "too many controls"));
	msg->controls = ldap_dec_array(d, msg->ncontrols, sizeof(*msg->controls));
	if (msg->controls == NULL && msg->ncontrols > 0)
		return LDAP_ADMIN_LIMIT_EXCEEDED;
	for (i = 0; i < msg->ncontrols; i++) {
		ctl = &msg->controls[i];
		LDAP_DEC_TRY(read_seq(d, &list, UNIV, BER_TAG_SEQUENCE, &c,
		    "control is not a SEQUENCE"));
		LDAP_DEC_TRY(ldap_dec_str(d, &c, &ctl->oid, "bad controlType"));
		if (ldap_dec_next_is(&c, UNIV, BER_TAG_BOOLEAN))
			LDAP_DEC_TRY(read_bool(d, &c, UNIV, BER_TAG_BOOLEAN, &ctl->critical,
			    "bad control criticality"));
		if (!ber_reader_done(&c)) {
			LDAP_DEC_TRY(ldap_dec_str(d, &c, &ctl->value, "bad controlValue"));
			ctl->has_value = true;
		}
		LDAP_DEC_TRY(ldap_dec_done(d, &c, "trailing data in control"));
	}
	return 0;
}

static int
decode_message(ldap_dec *d, ber_reader *top, ldap_msg *msg)
{
	ber_reader m;
	ber_tlv t;
	int64_t id;
	int e;

	LDAP_DEC_TRY(read_seq(d, top, UNIV, BER_TAG_SEQUENCE, &m, "LDAPMessage is not a SEQUENCE"));
	LDAP_DEC_TRY(read_ranged(d, &m, BER_TAG_INTEGER, LDAP_MAXINT, &id, "bad message ID"));
	msg->msgid = id;
	if ((e = ber_read_tlv(&m, &t)) != BER_OK)
		return ldap_dec_ber(d, e, "bad protocolOp");
	if (t.cls != BER_CLASS_APPLICATION)
		return ldap_dec_fail(d, LDAP_PROTOCOL_ERROR, "protocolOp is not APPLICATION");
	if (t.tag < 0xff)
		msg->op = (uint8_t)t.tag;
	LDAP_DEC_TRY(decode_op(d, &m, &t, msg));
	if (!ber_reader_done(&m))
		LDAP_DEC_TRY(decode_controls(d, &m, msg));
	LDAP_DEC_TRY(ldap_dec_done(d, &m, "trailing data in LDAPMessage"));
	return ldap_dec_done(d, top, "data after LDAPMessage");
}

int
ldap_decode(const uint8_t *pdu, size_t len, arena *a, const ldap_limits *lim, ldap_msg *msg,
    const char **why)
{
	ldap_dec d = { a, lim, NULL };
	ber_reader top;
	int64_t id;
	uint8_t op;
	int rc;

	memset(msg, 0, sizeof(*msg));
	msg->op = 0xff;
	ber_reader_init(&top, pdu, len, lim->max_depth);
	rc = decode_message(&d, &top, msg);
	if (rc != 0) {
		/* Keep only what the caller needs to answer; drop half-decoded parts. */
		id = msg->msgid;
		op = msg->op;
		memset(msg, 0, sizeof(*msg));
		msg->msgid = id;
		msg->op = op;
	}
	if (why != NULL)
		*why = rc != 0 ? (d.why != NULL ? d.why : "malformed message") : NULL;
	return rc;
}
