/*
 * ldap_dec.h - private helpers shared by ldap_decode.c and
 * ldap_decode_filter.c.  Not part of the ldap module's interface.
 *
 * Every helper returns 0 or an LDAP result code (LDAP_PROTOCOL_ERROR,
 * LDAP_ADMIN_LIMIT_EXCEEDED, LDAP_OTHER) and records the first reason in
 * the decoding state, so a failure travels up as a plain return value.
 */
#ifndef ILSD_LDAP_DEC_H
#define ILSD_LDAP_DEC_H

#include "ldap/ldap.h"

/* State of one decoding call. */
typedef struct ldap_dec {
	arena *a;
	const ldap_limits *lim;
	const char *why;	/* first failure reason */
} ldap_dec;

#define LDAP_DEC_TRY(expr)                                                       \
	do {                                                                     \
		int try_rc_ = (expr);                                            \
		if (try_rc_ != 0)                                                \
			return try_rc_;                                          \
	} while (0)

/* Records why (if first) and returns code. */
int ldap_dec_fail(ldap_dec *d, int code, const char *why);
/* Maps a BER error: too deep nesting is a limit, anything else malformation. */
int ldap_dec_ber(ldap_dec *d, int ber_err, const char *why);
/* Fails with why unless the reader has been consumed completely. */
int ldap_dec_done(ldap_dec *d, const ber_reader *r, const char *why);
/* True if the next element has this class and tag (false at the end). */
bool ldap_dec_next_is(const ber_reader *r, uint8_t cls, uint32_t tag);
/* Reads an OCTET STRING (LDAPString, LDAPDN, AttributeValue, ...). */
int ldap_dec_str(ldap_dec *d, ber_reader *r, ber_slice *out, const char *why);
/*
 * Counts the elements left in r without consuming them; more than max
 * fails with adminLimitExceeded and the given reason.
 */
int ldap_dec_count(ldap_dec *d, const ber_reader *r, size_t max, size_t *n, const char *why);
/* n zeroed elements from the arena; NULL when n is 0 or (with the reason set) out of memory. */
void *ldap_dec_array(ldap_dec *d, size_t n, size_t size);
/* A Filter element, counting its nodes in *nodes (ldap_decode_filter.c). */
int ldap_dec_filter(ldap_dec *d, ber_reader *r, unsigned *nodes, ldap_filter **out);

#endif
