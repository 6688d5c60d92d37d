/*
 * sicily.h - Sicily binds: NTLM authentication in Microsoft's own LDAP
 * bind choices, as TAPI 3 / Phone Dialer uses it (MS-TAIL 3.5.2,
 * MS-ADTS 5.1.1.1.3, NTLM itself in MS-NLMP).
 *
 * The three extra AuthenticationChoice alternatives (MS-ADTS 5.1.1.1.1):
 *
 *   sicilyPackageDiscovery [9]  OCTET STRING   -- empty, not used
 *   sicilyNegotiate        [10] OCTET STRING   -- NTLM NEGOTIATE_MESSAGE
 *   sicilyResponse         [11] OCTET STRING   -- NTLM AUTHENTICATE_MESSAGE
 *
 * are answered with a SicilyBindResponse (MS-ADTS 5.1.1.1.3), which is
 * shaped like a BindResponse whose second field is serverCreds instead
 * of matchedDN:
 *
 *   SicilyBindResponse ::= [APPLICATION 1] SEQUENCE {
 *       resultCode   ENUMERATED { success (0), protocolError (2),
 *                        adminLimitExceeded (11), inappropriateAuthentication (48),
 *                        invalidCredentials (49), busy (51), unavailable (52),
 *                        unwillingToPerform (53), other (80) },
 *       serverCreds  OCTET STRING,
 *       errorMessage LDAPString }
 *
 * So every answer here is one of those nine codes, and whatever the
 * server sends back (the package list, the CHALLENGE_MESSAGE) travels
 * where a BindResponse carries matchedDN.
 *
 * NTLM itself is Cyrus SASL's NTLM mechanism (src/server/sasl.h), which
 * checks the response against the account's password in the sasldb;
 * the identity is mapped to a DN exactly as for an LDAP SASL bind.
 */
#ifndef ILSD_SERVER_SICILY_H
#define ILSD_SERVER_SICILY_H

#include <stddef.h>
#include <stdint.h>

#include "ber/ber.h"
#include "server/sasl.h"

typedef struct sicily_result {
	int code;			/* one of the SicilyBindResponse codes */
	ber_slice server_creds;		/* sent in the matchedDN position */
	const char *diag;		/* errorMessage */
	/* On a completed authentication (sicilyResponse, success): */
	const char *dn;
	const char *user;
} sicily_result;

/*
 * Handles one Sicily bind.  method is LDAP_AUTH_SICILY_DISCOVERY,
 * _NEGOTIATE or _RESPONSE; blob is that choice's octet string.  Memory
 * in the result stays valid until the next call on s.
 */
void sicily_bind(saslsrv_session *s, uint8_t method, const uint8_t *blob, size_t len,
    sicily_result *r);

/* Writes the SicilyBindResponse for r (one LDAPMessage). */
void sicily_encode_response(ber_writer *w, int64_t msgid, const sicily_result *r);

#endif
