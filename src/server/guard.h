/*
 * guard.h - checks a write passes before the directory sees it
 * (docs/security.md): the add rate of the client's address and the word
 * filter.  The administrator and limit-exempt addresses pass.  Each
 * function answers the request itself when it refuses it.
 */
#ifndef ILSD_SERVER_GUARD_H
#define ILSD_SERVER_GUARD_H

#include <stdbool.h>

#include "ldap/ldap.h"
#include "server/conn.h"

/* True: go on with the Add. */
bool guard_add(conn *c, const ldap_msg *m);
/* True: go on with the Modify. */
bool guard_modify(conn *c, const ldap_msg *m);

#endif
