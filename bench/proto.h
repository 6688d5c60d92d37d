/*
 * proto.h - the LDAP requests the load generator sends, in two dialects.
 *
 * ils: byte for byte what NetMeeting 3.01 sends (ils-compat.md 4): LDAPv2
 *      anonymous bind, pseudo-DNs c=-,o=Microsoft,cn=X,objectClass=RTPerson,
 *      the 15-attribute Add, the smodop=0 Modify of adds, searches on the
 *      pseudo base objectClass=RTPerson with the (sttl=10) refresh filter,
 *      the '%' listing filter and the resolve filter.
 * std: the same work as a standard LDAPv3 client would do it against any
 *      RFC 2589 server (stock slapd with the dds overlay): DNs
 *      cn=X,ou=Dynamic,o=Intranet with objectClass rtPerson + dynamicObject,
 *      schema attribute names, the Refresh extended operation instead of
 *      the sttl search, one-level searches under ou=Dynamic,o=Intranet.
 *
 * Each function appends one LDAPMessage to the writer.
 */
#ifndef ILSBENCH_PROTO_H
#define ILSBENCH_PROTO_H

#include <stdint.h>

#include "ber/ber.h"

enum dialect {
	DIALECT_ILS = 0,
	DIALECT_STD = 1,
};

#define PROTO_NAME_MAX 64
#define PROTO_REFRESH_MINUTES 10	/* NetMeeting's (sttl=10) */

/* Name of pre-loaded user i ("u0000042@ils.bench"). */
void proto_user_name(char *out, size_t cap, const char *prefix, uint32_t i);

void proto_bind(ber_writer *w, int64_t id, int dialect);
void proto_unbind(ber_writer *w, int64_t id);
/* Logon: the Add with the person's attributes (ils: the 15 in NetMeeting's order). */
void proto_register_add(ber_writer *w, int64_t id, int dialect, const char *name, uint32_t seq);
/* Logon: the Modify that adds the application attributes (ils: smodop=0 ...). */
void proto_register_modify(ber_writer *w, int64_t id, int dialect, const char *name);
/*
 * Pre-load: one Add carrying both the person and the application
 * attributes, so one operation makes a listable, resolvable user.
 * ttl_s > 0 adds sttl (minutes, rounded up) in the ils dialect; the std
 * dialect sets a TTL with a Refresh after the Add (see proto_refresh_ttl).
 */
void proto_preload_add(ber_writer *w, int64_t id, int dialect, const char *name, uint32_t seq,
    int64_t ttl_s);
/* Keep-alive: ils the sttl search, std the RFC 2589 Refresh of ttl seconds. */
void proto_refresh(ber_writer *w, int64_t id, int dialect, const char *name);
void proto_refresh_ttl(ber_writer *w, int64_t id, const char *name, int64_t ttl_s);
/* Directory listing; sizelimit 0 is the whole list, 100 a "page". */
void proto_list(ber_writer *w, int64_t id, int dialect, int64_t sizelimit);
/* Resolve one user's address. */
void proto_resolve(ber_writer *w, int64_t id, int dialect, const char *name);
void proto_delete(ber_writer *w, int64_t id, int dialect, const char *name);

#endif
