/*
 * ops.h - what each LDAP request does: the dispatch from a decoded
 * message to the ILS hook, the directory and the authentication code,
 * and the response that goes back.
 */
#ifndef ILSD_SERVER_OPS_H
#define ILSD_SERVER_OPS_H

#include "ldap/ldap.h"
#include "server/conn.h"

/*
 * Handles one request.  decode_rc and why are ldap_decode's verdict on
 * the PDU; a malformed PDU ends the connection with a Notice of
 * Disconnection (RFC 4511 4.1.1), a request over a decoding limit gets
 * its own error response.
 */
void ops_handle(conn *c, ldap_msg *m, int decode_rc, const char *why);

/* The response operation for a request operation, or -1 if it has none. */
int ops_response_op(int request_op);

/* Queues an LDAPResult-shaped response (matched and diag may be NULL). */
void ops_reply(conn *c, int64_t msgid, int op, int code, const char *matched, const char *diag);
/* The directory context of the connection's current identity, time taken now. */
void ops_ctx(conn *c, dir_ctx *ctx);

#endif
