/*
 * schema_int.h - the schema module's private structures, shared by its
 * files (model and lookup, parser, resolver, matching, entry checks).
 * Nothing outside src/schema includes this.
 *
 * Every public schema_attr / schema_class is the first member of a larger
 * private struct, so a public pointer converts back with a cast.  The
 * extra members are what the hot paths need precomputed: an index for the
 * bitmaps the entry check uses, the owning schema (DN matching resolves
 * attribute type names through it), and per class the inherited MUST list
 * and the bitmap of every attribute it allows.
 */
#ifndef ILSD_SCHEMA_INT_H
#define ILSD_SCHEMA_INT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "schema/schema.h"
#include "util/arena.h"

/* Limits: a schema is admin input, but still bounded. */
#define SCHEMA_MAX_FILE_BYTES (16u * 1024 * 1024)
#define SCHEMA_MAX_ATTRS 16384
#define SCHEMA_MAX_CLASSES 4096
#define SCHEMA_MAX_ALIASES 4096
#define SCHEMA_MAX_LIST 1024	/* names, SUPs, MUST or MAY in one definition */
#define SCHEMA_MAX_NAME 256	/* longest name or OID looked up */

/* Case-insensitive open-addressing hash table: name -> object. */
typedef struct shash_slot {
	const char *key;	/* lowercase (OIDs are digits and dots) */
	uint32_t len;
	uint32_t hash;
	const void *val;
} shash_slot;

typedef struct shash {
	shash_slot *slots;	/* malloc'd; NULL while empty */
	size_t mask;		/* capacity - 1 (capacity is a power of two) */
	size_t n;
} shash;

const void *shash_get(const shash *h, const char *name, size_t len);
/* Inserts key (stored as given, must already be lowercase and outlive h). 1 if present, -1 no memory. */
int shash_put(shash *h, const char *key, size_t len, const void *val);
void shash_free(shash *h);

typedef struct sattr {
	schema_attr pub;	/* must stay first */
	const struct schema *owner;
	uint32_t index;
} sattr;

typedef struct sclass {
	schema_class pub;	/* must stay first */
	uint32_t index;
	const sattr *const *required;	/* MUST of the class and all superclasses */
	size_t nrequired;
	uint64_t *ancestors;	/* bitmap over class indexes, the class itself included */
	uint64_t *allowed;	/* bitmap over attribute indexes: MUST and MAY, inherited */
} sclass;

struct schema {
	atomic_uint refs;
	arena mem;		/* every string and array of the model */
	sattr **attrs;		/* definition order */
	size_t nattrs;
	sclass **classes;
	size_t nclasses;
	schema_alias *aliases;
	size_t naliases;
	shash attr_names;	/* names and OIDs */
	shash class_names;
	shash mrule_names;
	shash alias_names;
	size_t class_words;	/* uint64 words in a class bitmap */
	size_t attr_words;	/* uint64 words in an attribute bitmap */
	const sattr *objectclass;	/* the objectClass type, NULL if not defined */
	const sclass *extensible;	/* extensibleObject, NULL if not defined */
};

/* A new empty schema with the built-in syntaxes and matching rules registered. */
schema *schema_new(void);
void schema_free(schema *s);

/* Built-in syntaxes and matching rules (schema_builtin.c). */
extern const schema_syntax schema_builtin_syntaxes[];
extern const size_t schema_builtin_nsyntaxes;
extern const schema_mrule schema_builtin_mrules[];
extern const size_t schema_builtin_nmrules;
const schema_syntax *schema_builtin_syntax(const char *oid, size_t len);

/* Case-insensitive comparisons and keys. */
static inline unsigned char
schema_lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}
char *schema_strlower(arena *a, const char *s, size_t len);

/*
 * The parser fills a build (schema_parse.c); schema_build.c resolves the
 * references between definitions once every file has been read.
 */
typedef struct sref {
	const char *name;	/* NUL-terminated, in the schema arena */
	size_t len;
	const char *file;
	unsigned line;
} sref;

typedef struct sref_list {
	sref *v;
	size_t n;
} sref_list;

typedef struct pattr {
	sattr *at;
	sref sup, equality, ordering, substr, syntax;	/* name NULL = not given */
	const char *file;
	unsigned line;
	int state;		/* resolution: 0 new, 1 in progress, 2 done */
} pattr;

typedef struct pclass {
	sclass *oc;
	sref_list sups, must, may;
	const char *file;
	unsigned line;
	int state;
} pclass;

typedef struct sbuild {
	schema *s;
	pattr *attrs;
	size_t nattrs, capattrs;
	pclass *classes;
	size_t nclasses, capclasses;
	char *err;
	size_t errlen;
	bool failed;
} sbuild;

/* Error formatting: "FILE:LINE: reason". Always returns -1. */
#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
int sbuild_error(sbuild *b, const char *file, unsigned line, const char *fmt, ...);

/* Parses one schema text into the build. 0 or -1 (error written). */
int schema_parse_text(sbuild *b, const char *file, const char *text, size_t len);
/* Resolves references, inheritance and closures. 0 or -1. */
int schema_resolve(sbuild *b);
/* Parses one ILS name map (after schema_resolve). 0 or -1. */
int schema_parse_map(sbuild *b, const char *file, const char *text, size_t len);

/* Value helpers shared by matching and syntax checks (schema_syntax.c). */
typedef struct sint {
	bool neg;
	const uint8_t *digits;	/* without leading zeros; len 0 means zero */
	size_t len;
} sint;
bool schema_parse_integer(ber_slice v, bool strict, sint *out);

typedef struct stime {
	int64_t secs;		/* seconds since 1970-01-01T00:00:00Z */
	uint32_t nanos;
} stime;
bool schema_parse_gentime(ber_slice v, stime *out);

bool schema_valid_oid(const char *s, size_t len);
bool schema_valid_numericoid(const char *s, size_t len);
bool schema_valid_descr(const char *s, size_t len);

#endif
