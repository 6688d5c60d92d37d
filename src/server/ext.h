/*
 * ext.h - extended operations: Who am I? (RFC 4532), Refresh (RFC 2589),
 * ilsd's schema reload, and StartTLS (RFC 4511 4.14).
 */
#ifndef ILSD_SERVER_EXT_H
#define ILSD_SERVER_EXT_H

#include "ldap/ldap.h"
#include "server/conn.h"

void ext_handle(conn *c, const ldap_msg *m);

/*
 * RFC 2589 4.1 requestValue: SEQUENCE { entryName [0] LDAPDN, requestTtl
 * [1] INTEGER }.  Returns 0, or -1 if malformed.  Exposed for unit tests.
 */
int ext_parse_refresh(ber_slice value, ber_slice *dn, int64_t *ttl);
/* RFC 2589 4.2 responseValue: SEQUENCE { responseTtl [1] INTEGER }. */
void ext_encode_refresh_value(ber_writer *w, int64_t ttl);

#endif
