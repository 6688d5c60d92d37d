/*
 * bind.h - the Bind operation with its security rules (docs/security.md):
 * the bind rate per address, confidentialityRequired for passwords sent
 * in clear, SASL (Cyrus) with saslBindInProgress, Sicily NTLM, the
 * growing hold of failed binds, and logs that never contain a password.
 */
#ifndef ILSD_SERVER_BIND_H
#define ILSD_SERVER_BIND_H

#include "ldap/ldap.h"
#include "server/conn.h"

void bind_handle(conn *c, const ldap_msg *m);

#endif
