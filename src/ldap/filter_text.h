/*
 * filter_text.h - LDAP filters to and from their RFC 4515 string form
 * (for tests, logs and tools).  Also accepts the unparenthesised "cn=X"
 * that old client libraries send.
 */
#ifndef ILSD_FILTER_TEXT_H
#define ILSD_FILTER_TEXT_H

#include <stddef.h>

#include "ldap/ldap.h"

/*
 * Parses text into a filter tree allocated in the arena; values are
 * unescaped (\XX) copies in the arena.  Returns 0, or -1 with *why set.
 * At most max_nodes nodes and max_depth nesting.
 */
int filter_parse(const char *s, size_t len, arena *a, unsigned max_nodes, unsigned max_depth,
    ldap_filter **out, const char **why);

/* RFC 4515 text of a filter (values escaped).  Returns length, or -1 if out is too small. */
long filter_format(const ldap_filter *f, char *out, size_t cap);

#endif
