/*
 * ldap_decode_filter.c - the Filter CHOICE of RFC 4511 section 4.5.1.
 *
 * Filters are the one recursive structure a client controls, so the
 * decoder bounds the nesting (lim->max_depth, checked before every
 * descent, so stack use is bounded whatever the input) and the total
 * number of nodes (lim->max_filter_nodes, taken from the budget before
 * anything is allocated).  The children of an AND / OR are one array,
 * linked through next in wire order.
 */
#include "ldap/ldap_dec.h"

static int decode_node(ldap_dec *d, ber_reader *r, unsigned depth, unsigned *nodes,
    ldap_filter *f);

/* Takes n nodes from the budget and allocates them, zeroed, as one array. */
static int
new_nodes(ldap_dec *d, unsigned *nodes, size_t n, ldap_filter **out)
{
	unsigned max = d->lim->max_filter_nodes;

	*out = NULL;
	if (*nodes > max || n > max - *nodes)
		return ldap_dec_fail(d, LDAP_ADMIN_LIMIT_EXCEEDED, "too many filter nodes");
	*nodes += (unsigned)n;
	*out = ldap_dec_array(d, n, sizeof(**out));
	if (*out == NULL && n > 0)
		return LDAP_ADMIN_LIMIT_EXCEEDED;
	return 0;
}

/* and [0] / or [1]: an empty set is allowed (absolute true / false, RFC 4526). */
static int
decode_set(ldap_dec *d, ber_reader *c, unsigned depth, unsigned *nodes, ldap_filter *f)
{
	ldap_filter *kids;
	size_t i, n;

	LDAP_DEC_TRY(ldap_dec_count(d, c, d->lim->max_filter_nodes, &n, "too many filter nodes"));
	LDAP_DEC_TRY(new_nodes(d, nodes, n, &kids));
	for (i = 0; i < n; i++) {
		LDAP_DEC_TRY(decode_node(d, c, depth + 1, nodes, &kids[i]));
		kids[i].next = i + 1 < n ? &kids[i + 1] : NULL;
	}
	f->u.set.children = kids;
	f->u.set.count = n;
	return 0;
}

static int
decode_not(ldap_dec *d, ber_reader *c, unsigned depth, unsigned *nodes, ldap_filter *f)
{
	LDAP_DEC_TRY(new_nodes(d, nodes, 1, &f->u.not));
	return decode_node(d, c, depth + 1, nodes, f->u.not);
}

/* AttributeValueAssertion: equalityMatch, greaterOrEqual, lessOrEqual, approxMatch. */
static int
decode_ava(ldap_dec *d, ber_reader *c, ldap_filter *f)
{
	LDAP_DEC_TRY(ldap_dec_str(d, c, &f->u.ava.attr, "bad filter attribute"));
	return ldap_dec_str(d, c, &f->u.ava.value, "bad filter value");
}

/*
 * SubstringFilter.  The order matters to matching, so it is enforced here
 * once: initial may only come first, final only last (so each at most once).
 */
static int
decode_substrings(ldap_dec *d, ber_reader *c, ldap_filter *f)
{
	ber_reader seq;
	ber_tlv t;
	ldap_substr_part *parts;
	size_t i, n;
	int e;

	LDAP_DEC_TRY(ldap_dec_str(d, c, &f->u.sub.attr, "bad substrings attribute"));
	if ((e = ber_read_sequence(c, BER_CLASS_UNIVERSAL, BER_TAG_SEQUENCE, &seq)) != BER_OK)
		return ldap_dec_ber(d, e, "bad substrings");
	LDAP_DEC_TRY(ldap_dec_count(d, &seq, d->lim->max_values, &n, "too many substrings"));
	if (n == 0)
		return ldap_dec_fail(d, LDAP_PROTOCOL_ERROR, "empty substrings");
	if ((parts = ldap_dec_array(d, n, sizeof(*parts))) == NULL)
		return LDAP_ADMIN_LIMIT_EXCEEDED;
	for (i = 0; i < n; i++) {
		if ((e = ber_read_tlv(&seq, &t)) != BER_OK)
			return ldap_dec_ber(d, e, "bad substring");
		if (t.cls != BER_CLASS_CONTEXT || t.constructed || t.tag > LDAP_SUBSTR_FINAL)
			return ldap_dec_fail(d, LDAP_PROTOCOL_ERROR, "bad substring choice");
		if (t.tag == LDAP_SUBSTR_INITIAL && i != 0)
			return ldap_dec_fail(d, LDAP_PROTOCOL_ERROR, "initial substring not first");
		if (t.tag == LDAP_SUBSTR_FINAL && i != n - 1)
			return ldap_dec_fail(d, LDAP_PROTOCOL_ERROR, "final substring not last");
		parts[i].kind = (uint8_t)t.tag;
		parts[i].value = t.value;
	}
	f->u.sub.parts = parts;
	f->u.sub.nparts = n;
	return 0;
}

/* MatchingRuleAssertion; RFC 4511 requires the rule, the type, or both. */
static int
decode_extensible(ldap_dec *d, ber_reader *c, ldap_filter *f)
{
	int e;

	if (ldap_dec_next_is(c, BER_CLASS_CONTEXT, 1)) {
		if ((e = ber_read_octets(c, BER_CLASS_CONTEXT, 1, &f->u.ext.rule)) != BER_OK)
			return ldap_dec_ber(d, e, "bad matchingRule");
		f->u.ext.has_rule = true;
	}
	if (ldap_dec_next_is(c, BER_CLASS_CONTEXT, 2)) {
		if ((e = ber_read_octets(c, BER_CLASS_CONTEXT, 2, &f->u.ext.attr)) != BER_OK)
			return ldap_dec_ber(d, e, "bad extensible type");
		f->u.ext.has_attr = true;
	}
	if ((e = ber_read_octets(c, BER_CLASS_CONTEXT, 3, &f->u.ext.value)) != BER_OK)
		return ldap_dec_ber(d, e, "bad matchValue");
	if (ldap_dec_next_is(c, BER_CLASS_CONTEXT, 4)) {
		e = ber_read_boolean(c, BER_CLASS_CONTEXT, 4, &f->u.ext.dn_attrs);
		if (e != BER_OK)
			return ldap_dec_ber(d, e, "bad dnAttributes");
	}
	if (!f->u.ext.has_rule && !f->u.ext.has_attr)
		return ldap_dec_fail(d, LDAP_PROTOCOL_ERROR, "extensible match without rule or type");
	return 0;
}

/* Decodes the next element of r into f, which the caller has already counted. */
static int
decode_node(ldap_dec *d, ber_reader *r, unsigned depth, unsigned *nodes, ldap_filter *f)
{
	ber_tlv t;
	ber_reader c;
	int e, rc;

	if (depth > d->lim->max_depth)
		return ldap_dec_fail(d, LDAP_ADMIN_LIMIT_EXCEEDED, "filter nested too deeply");
	if ((e = ber_read_tlv(r, &t)) != BER_OK)
		return ldap_dec_ber(d, e, "bad filter");
	if (t.cls != BER_CLASS_CONTEXT || t.tag > LDAP_FILTER_EXTENSIBLE)
		return ldap_dec_fail(d, LDAP_PROTOCOL_ERROR, "unknown filter choice");
	f->type = (uint8_t)t.tag;
	if (t.tag == LDAP_FILTER_PRESENT) {
		if (t.constructed)
			return ldap_dec_fail(d, LDAP_PROTOCOL_ERROR, "present filter is constructed");
		f->u.present = t.value;
		return 0;
	}
	if ((e = ber_enter(r, &t, &c)) != BER_OK)
		return ldap_dec_ber(d, e, "filter is not constructed");
	switch (t.tag) {
	case LDAP_FILTER_AND:
	case LDAP_FILTER_OR:
		rc = decode_set(d, &c, depth, nodes, f);
		break;
	case LDAP_FILTER_NOT:
		rc = decode_not(d, &c, depth, nodes, f);
		break;
	case LDAP_FILTER_SUBSTRINGS:
		rc = decode_substrings(d, &c, f);
		break;
	case LDAP_FILTER_EXTENSIBLE:
		rc = decode_extensible(d, &c, f);
		break;
	default:
		rc = decode_ava(d, &c, f);
		break;
	}
	if (rc != 0)
		return rc;
	return ldap_dec_done(d, &c, "trailing data in filter");
}

int
ldap_dec_filter(ldap_dec *d, ber_reader *r, unsigned *nodes, ldap_filter **out)
{
	ldap_filter *f;

	LDAP_DEC_TRY(new_nodes(d, nodes, 1, &f));
	LDAP_DEC_TRY(decode_node(d, r, 1, nodes, f));
	*out = f;
	return 0;
}

int
ldap_decode_filter(ber_reader *r, arena *a, const ldap_limits *lim, unsigned *nodes,
    ldap_filter **out)
{
	ldap_dec d = { a, lim, NULL };

	return ldap_dec_filter(&d, r, nodes, out);
}
