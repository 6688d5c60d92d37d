/*
 * cancel.h - the Cancel extended operation (RFC 3909, 1.3.6.1.1.8).
 *
 * Only searches outlive the reading of the next request in ilsd (every
 * other operation is answered before it), so only a running search can
 * be canceled: it ends with canceled (118) and the Cancel answers success.
 * For the other answers the connection remembers its last few requests:
 * one of them that can never be canceled (Bind, Unbind, Abandon,
 * StartTLS, Cancel) gives cannotCancel (121), one already answered gives
 * tooLate (120), and an ID not seen gives noSuchOperation (119).
 */
#ifndef ILSD_SERVER_CANCEL_H
#define ILSD_SERVER_CANCEL_H

#include "ldap/ldap.h"
#include "server/conn.h"

/* Remembers a request (called for every request before it is handled). */
void cancel_note_request(conn *c, const ldap_msg *m);

/* Handles a Cancel extended request. */
void cancel_handle(conn *c, const ldap_msg *m);

/* cancelRequestValue ::= SEQUENCE { cancelID MessageID }; 0 or -1. Exposed for tests. */
int cancel_parse(ber_slice value, int64_t *id);

#endif
