/*
 * ldap.h - LDAP messages (RFC 4511; LDAPv2 per RFC 1777) decoded from and
 * encoded to BER.
 *
 * A decoded message points into the PDU it came from (ber_slice) and keeps
 * its trees and arrays in a caller-supplied arena, so decoding one request
 * does no malloc of its own and the message lives as long as the PDU and
 * the arena.  The decoder is symmetric with the encoders: every request can
 * be encoded (for clients, tests and the load generator) and every response
 * decoded.
 */
#ifndef ILSD_LDAP_H
#define ILSD_LDAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ber/ber.h"
#include "ldap/ldap_const.h"
#include "util/arena.h"

/* Limits on what one decoded message may contain. */
typedef struct ldap_limits {
	unsigned max_depth;	/* BER nesting (filters nest) */
	unsigned max_filter_nodes;
	unsigned max_attrs;	/* attributes in an add, mods in a modify, attrs requested */
	unsigned max_values;	/* values per attribute */
	unsigned max_controls;
} ldap_limits;

/* Defaults: depth 64, 1024 filter nodes, 1000 attrs, 10000 values, 32 controls. */
void ldap_limits_default(ldap_limits *l);

typedef struct ldap_control {
	ber_slice oid;
	bool critical;
	bool has_value;
	ber_slice value;
} ldap_control;

typedef struct ldap_attr {
	ber_slice type;
	ber_slice *vals;
	size_t nvals;
} ldap_attr;

enum ldap_substr_kind {
	LDAP_SUBSTR_INITIAL = 0,
	LDAP_SUBSTR_ANY = 1,
	LDAP_SUBSTR_FINAL = 2,
};

typedef struct ldap_substr_part {
	uint8_t kind;		/* enum ldap_substr_kind */
	ber_slice value;
} ldap_substr_part;

typedef struct ldap_filter ldap_filter;
struct ldap_filter {
	uint8_t type;		/* enum ldap_filter_type */
	ldap_filter *next;	/* sibling inside AND / OR */
	union {
		struct {	/* AND, OR: children linked through next */
			ldap_filter *children;
			size_t count;
		} set;
		ldap_filter *not;	/* NOT */
		struct {	/* EQUALITY, GE, LE, APPROX */
			ber_slice attr;
			ber_slice value;
		} ava;
		struct {	/* SUBSTRINGS: parts in wire order */
			ber_slice attr;
			ldap_substr_part *parts;
			size_t nparts;
		} sub;
		ber_slice present;	/* PRESENT: attribute description */
		struct {	/* EXTENSIBLE (MatchingRuleAssertion) */
			bool has_rule, has_attr;
			ber_slice rule;
			ber_slice attr;
			ber_slice value;
			bool dn_attrs;
		} ext;
	} u;
};

typedef struct ldap_bind_req {
	int64_t version;
	ber_slice name;
	uint8_t method;		/* enum ldap_auth */
	ber_slice password;	/* SIMPLE, and the Sicily blobs ([9] [10] [11]) */
	ber_slice mech;		/* SASL */
	bool has_creds;		/* SASL */
	ber_slice creds;	/* SASL */
} ldap_bind_req;

typedef struct ldap_search_req {
	ber_slice base;
	uint8_t scope;
	uint8_t deref;
	int64_t sizelimit;
	int64_t timelimit;
	bool typesonly;
	ldap_filter *filter;
	ber_slice *attrs;
	size_t nattrs;
} ldap_search_req;

typedef struct ldap_mod {
	uint8_t op;		/* enum ldap_mod_op */
	ldap_attr attr;
} ldap_mod;

typedef struct ldap_modify_req {
	ber_slice dn;
	ldap_mod *mods;
	size_t nmods;
} ldap_modify_req;

typedef struct ldap_add_req {
	ber_slice dn;
	ldap_attr *attrs;
	size_t nattrs;
} ldap_add_req;

typedef struct ldap_moddn_req {
	ber_slice dn;
	ber_slice newrdn;
	bool deleteoldrdn;
	bool has_newsuperior;
	ber_slice newsuperior;
} ldap_moddn_req;

typedef struct ldap_compare_req {
	ber_slice dn;
	ber_slice attr;
	ber_slice value;
} ldap_compare_req;

typedef struct ldap_extended_req {
	ber_slice oid;
	bool has_value;
	ber_slice value;
} ldap_extended_req;

/* LDAPResult and the responses built on it. */
typedef struct ldap_result_msg {
	int64_t code;
	ber_slice matched;
	ber_slice diag;
	ber_slice *referrals;
	size_t nreferrals;
	/* BindResponse */
	bool has_sasl_creds;
	ber_slice sasl_creds;
	/* ExtendedResponse / IntermediateResponse */
	bool has_oid, has_value;
	ber_slice oid;
	ber_slice value;
} ldap_result_msg;

typedef struct ldap_entry_msg {	/* SearchResultEntry */
	ber_slice dn;
	ldap_attr *attrs;
	size_t nattrs;
} ldap_entry_msg;

typedef struct ldap_msg {
	int64_t msgid;
	uint8_t op;		/* enum ldap_op */
	union {
		ldap_bind_req bind;
		ldap_search_req search;
		ldap_modify_req modify;
		ldap_add_req add;
		ber_slice del_dn;
		ldap_moddn_req moddn;
		ldap_compare_req compare;
		int64_t abandon_id;
		ldap_extended_req extended;
		ldap_result_msg result;	/* every *_RESPONSE and SEARCH_DONE */
		ldap_entry_msg entry;	/* SEARCH_ENTRY */
		struct {
			ber_slice *uris;
			size_t nuris;
		} ref;		/* SEARCH_REFERENCE */
	} u;
	ldap_control *controls;
	size_t ncontrols;
} ldap_msg;

/*
 * Decodes one complete LDAPMessage (as framed by ber_frame).
 * Returns LDAP_SUCCESS, or LDAP_PROTOCOL_ERROR for a malformed message
 * (with a short reason in *why), or LDAP_ADMIN_LIMIT_EXCEEDED when a
 * limit in *lim was passed or the arena (the per-request memory cap) ran out.
 * On failure msg->msgid holds the message ID if it could be read, else 0,
 * and msg->op the operation tag if it could be read, else 0xff.
 * Both requests and responses are accepted.
 */
int ldap_decode(const uint8_t *pdu, size_t len, arena *a, const ldap_limits *lim,
    ldap_msg *msg, const char **why);

/* Decodes a Filter element from a reader (used by ldap_decode, exposed for tests). */
int ldap_decode_filter(ber_reader *r, arena *a, const ldap_limits *lim, unsigned *nodes,
    ldap_filter **out);

/* ---- encoding responses ---- */

/* BindResponse, SearchResultDone, Modify/Add/Del/ModDN/Compare responses. */
void ldap_encode_result(ber_writer *w, int64_t msgid, uint8_t op, int code,
    const char *matched, const char *diag);
void ldap_encode_bind_response(ber_writer *w, int64_t msgid, int code, const char *matched,
    const char *diag, const ber_slice *sasl_creds);
/* Matched DN and diagnostic given as slices (may hold arbitrary bytes). */
void ldap_encode_result_s(ber_writer *w, int64_t msgid, uint8_t op, int code,
    ber_slice matched, ber_slice diag);

/* SearchResultEntry, written incrementally: begin, any number of attrs, end. */
void ldap_encode_entry_begin(ber_writer *w, int64_t msgid, const void *dn, size_t dnlen);
void ldap_encode_entry_attr_begin(ber_writer *w, const void *type, size_t typelen);
void ldap_encode_entry_value(ber_writer *w, const void *val, size_t len);
void ldap_encode_entry_attr_end(ber_writer *w);
void ldap_encode_entry_end(ber_writer *w);

void ldap_encode_reference(ber_writer *w, int64_t msgid, const ber_slice *uris, size_t n);
void ldap_encode_extended_response(ber_writer *w, int64_t msgid, int code, const char *matched,
    const char *diag, const char *oid, const ber_slice *value);
/* Unsolicited notification, message ID 0 (RFC 4511 section 4.4.1). */
void ldap_encode_notice_of_disconnection(ber_writer *w, int code, const char *diag);
void ldap_encode_intermediate(ber_writer *w, int64_t msgid, const char *oid,
    const ber_slice *value);

/* An LDAPResult-shaped response carrying response controls (e.g. paged results). */
void ldap_encode_result_ctl(ber_writer *w, int64_t msgid, uint8_t op, int code,
    const char *matched, const char *diag, const ldap_control *ctls, size_t nctls);

/* ---- encoding requests (clients, tests, load generator) ---- */

void ldap_encode_bind_simple(ber_writer *w, int64_t msgid, int version, const char *dn,
    const void *pw, size_t pwlen);
void ldap_encode_bind_sasl(ber_writer *w, int64_t msgid, const char *dn, const char *mech,
    const ber_slice *creds);
/* method is LDAP_AUTH_SICILY_*; the blob is the [9]/[10]/[11] octet string. */
void ldap_encode_bind_sicily(ber_writer *w, int64_t msgid, uint8_t method, const char *dn,
    const void *blob, size_t bloblen);
void ldap_encode_unbind(ber_writer *w, int64_t msgid);
void ldap_encode_search(ber_writer *w, int64_t msgid, const ldap_search_req *s,
    const ldap_control *ctls, size_t nctls);
void ldap_encode_filter(ber_writer *w, const ldap_filter *f);
void ldap_encode_modify(ber_writer *w, int64_t msgid, const ldap_modify_req *m);
void ldap_encode_add(ber_writer *w, int64_t msgid, const ldap_add_req *a);
void ldap_encode_delete(ber_writer *w, int64_t msgid, const void *dn, size_t dnlen);
void ldap_encode_moddn(ber_writer *w, int64_t msgid, const ldap_moddn_req *m);
void ldap_encode_compare(ber_writer *w, int64_t msgid, const ldap_compare_req *c);
void ldap_encode_abandon(ber_writer *w, int64_t msgid, int64_t abandon_id);
void ldap_encode_extended(ber_writer *w, int64_t msgid, const char *oid, const ber_slice *value);

/* ---- small helpers ---- */

static inline ber_slice
ldap_slice(const char *s)
{
	ber_slice sl = { (const uint8_t *)s, 0 };
	while (s && s[sl.len])
		sl.len++;
	return sl;
}

/* ASCII case-insensitive compare of a slice with a C string. */
bool ldap_slice_eq_ci(ber_slice a, const char *s);

#endif
