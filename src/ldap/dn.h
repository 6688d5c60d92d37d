/*
 * dn.h - distinguished names: RFC 4514 strings, plus the LDAPv2 forms of
 * RFC 1779 (';' separators, spaces around '=' and separators, quoted
 * values) that old clients send.
 *
 * Parsing never rejects the ILS pseudo-DNs (c=-,o=Microsoft,cn=x@y,
 * objectClass=RTPerson; cn=user]host,...; mailto:cn=x with DN_LENIENT):
 * deciding what they mean is the ILS layer's job.
 *
 * The RDN order is the string order: rdns[0] is the leftmost (most
 * specific) RDN.
 */
#ifndef ILSD_DN_H
#define ILSD_DN_H

#include <stdbool.h>
#include <stddef.h>

#include "util/arena.h"

typedef struct dn_ava {
	const char *type;	/* as written, less spaces and "OID." (NUL-terminated, arena) */
	size_t typelen;
	const char *value;	/* unescaped value bytes (NUL-terminated, arena) */
	size_t valuelen;
	bool binary;		/* value was given as #hex (BER) */
} dn_ava;

typedef struct dn_rdn {
	dn_ava *avas;
	size_t navas;		/* > 1 for multi-valued RDNs (a+b) */
} dn_rdn;

typedef struct dn {
	dn_rdn *rdns;
	size_t nrdns;		/* 0 for the empty (root) DN */
} dn;

enum dn_flags {
	DN_STRICT = 0,		/* RFC 4514 plus RFC 1779 separators/spaces/quotes */
	DN_LENIENT = 1,		/* also: any attribute type text without '=' ',' ';' '+' (e.g. "mailto:cn") */
};

#define DN_MAX_RDNS 64
#define DN_MAX_LEN 8192
#define DN_MAX_AVAS 128		/* AVAs in the whole DN, all RDNs together */
/*
 * Enough room for dn_normalize or dn_format of any parsed DN (NUL
 * included): escaping at most doubles the input, and a canonical type name
 * from the callback is at most 256 bytes.
 */
#define DN_STR_MAX (2 * DN_MAX_LEN + 256 * DN_MAX_AVAS + 1)

/* Returns 0 on success, -1 on syntax error (or limits / arena exhaustion). */
int dn_parse(const char *s, size_t len, int flags, arena *a, dn *out);

/*
 * Maps an attribute type to its canonical lowercase name (e.g. schema
 * aliases "surname" -> "sn", OIDs -> names).  Writes into out (cap bytes)
 * and returns the length, or 0 to use the ASCII-lowercased type as is.
 */
typedef size_t (*dn_type_canon_fn)(void *ctx, const char *type, size_t len, char *out,
    size_t cap);

/*
 * The normalised string form used as a key: types canonicalised (lowercase,
 * or via canon), values with leading/trailing spaces removed, inner space
 * runs folded to one, ASCII letters lowercased (non-ASCII bytes kept as they
 * are), then escaped per RFC 4514; multi-valued RDN AVAs sorted; RDNs joined
 * by ','.  Returns the length written (NUL-terminated) or -1 if out (cap
 * bytes) is too small.
 */
long dn_normalize(const dn *d, dn_type_canon_fn canon, void *ctx, char *out, size_t cap);

/* RFC 4514 string of a parsed DN with original types and values. */
long dn_format(const dn *d, char *out, size_t cap);

/* Escapes one attribute value per RFC 4514 section 2.4. Returns length or -1. */
long dn_escape_value(const char *v, size_t len, char *out, size_t cap);

/* Is child under (or equal to) ancestor, comparing normalised strings? */
bool dn_is_suffix(const char *ndn, size_t len, const char *nsuffix, size_t slen);

/* Parent of a normalised DN string: offset of the parent part, or -1 for a single RDN. */
long dn_parent_offset(const char *ndn, size_t len);

#endif
