/*
 * schema.h - the directory schema: attribute types, object classes,
 * syntaxes and matching rules read from RFC 4512 description files, plus
 * the ILS name map.
 *
 * A schema is immutable once loaded.  The server holds the current one
 * behind an atomic pointer with a reference count; a reload builds and
 * validates a complete new schema and then swaps the pointer, so an
 * operation in flight keeps using the schema it started with.
 */
#ifndef ILSD_SCHEMA_H
#define ILSD_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ber/ber.h"
#include "store/entry.h"

typedef struct schema schema;

enum schema_usage {
	SCHEMA_USAGE_USER = 0,	/* userApplications */
	SCHEMA_USAGE_DIRECTORY_OPERATION = 1,
	SCHEMA_USAGE_DISTRIBUTED_OPERATION = 2,
	SCHEMA_USAGE_DSA_OPERATION = 3,
};

/* How values of a syntax / matching rule compare. */
enum schema_match {
	SCHEMA_MATCH_NONE = 0,	/* no rule: matching undefined */
	SCHEMA_MATCH_CASE_IGNORE,	/* caseIgnore*, insignificant spaces */
	SCHEMA_MATCH_CASE_EXACT,	/* caseExact*, insignificant spaces */
	SCHEMA_MATCH_OCTET,	/* octetString: bytes */
	SCHEMA_MATCH_INTEGER,	/* integer: numeric */
	SCHEMA_MATCH_DN,	/* distinguishedName */
	SCHEMA_MATCH_BOOLEAN,
	SCHEMA_MATCH_GENTIME,	/* generalizedTime */
	SCHEMA_MATCH_OID,	/* objectIdentifier (names or OIDs, case-insensitive) */
	SCHEMA_MATCH_TELEPHONE,	/* ignores spaces and hyphens */
	SCHEMA_MATCH_NUMERIC_STRING,	/* ignores spaces */
};

enum schema_syntax_check {
	SCHEMA_SYNTAX_ANY = 0,	/* octet string, directory string, IA5 ...: bytes accepted */
	SCHEMA_SYNTAX_INTEGER,
	SCHEMA_SYNTAX_BOOLEAN,
	SCHEMA_SYNTAX_DN,
	SCHEMA_SYNTAX_GENTIME,
	SCHEMA_SYNTAX_OID,
	SCHEMA_SYNTAX_NUMERIC_STRING,
	SCHEMA_SYNTAX_PRINTABLE_STRING,
	SCHEMA_SYNTAX_IA5_STRING,
};

typedef struct schema_syntax {
	const char *oid;
	const char *desc;
	int check;		/* enum schema_syntax_check */
} schema_syntax;

typedef struct schema_mrule {
	const char *oid;
	const char *name;
	int match;		/* enum schema_match */
	const char *syntax_oid;
} schema_mrule;

typedef struct schema_attr {
	const char *oid;
	const char *const *names;	/* first is the primary name */
	size_t nnames;
	const char *key;	/* canonical lowercase key (primary name lowercased) */
	const char *desc;
	const struct schema_attr *sup;
	const schema_mrule *equality;	/* inherited from sup if not given */
	const schema_mrule *ordering;
	const schema_mrule *substr;
	const schema_syntax *syntax;
	unsigned syntax_len;	/* {len} bound, 0 = none */
	bool single_value;
	bool collective;
	bool no_user_mod;
	bool obsolete;
	bool has_subtypes;	/* some attribute type names this one as SUP */
	int usage;		/* enum schema_usage */
	const char *text;	/* the definition as published in cn=Subschema */
} schema_attr;

enum schema_class_kind {
	SCHEMA_CLASS_ABSTRACT = 0,
	SCHEMA_CLASS_STRUCTURAL = 1,
	SCHEMA_CLASS_AUXILIARY = 2,
};

typedef struct schema_class {
	const char *oid;
	const char *const *names;
	size_t nnames;
	const char *key;	/* lowercase primary name */
	const char *desc;
	const struct schema_class *const *sups;
	size_t nsups;
	int kind;		/* enum schema_class_kind */
	const schema_attr *const *must;	/* own MUST, not inherited */
	size_t nmust;
	const schema_attr *const *may;
	size_t nmay;
	bool obsolete;
	const char *text;
} schema_class;

/* Loads every *.schema file of dir in the documented order (see docs/schema.md). */
schema *schema_load_dir(const char *dir, char *err, size_t errlen);
/* Loads from one in-memory text (tests). name is used in error messages. */
schema *schema_load_text(const char *name, const char *text, size_t len, char *err,
    size_t errlen);

/* Reference counting (atomic); the last unref frees. */
schema *schema_ref(schema *s);
void schema_unref(schema *s);

/* Lookup by any name (case-insensitive) or by numeric OID. */
const schema_attr *schema_find_attr(const schema *s, const char *name, size_t len);
const schema_class *schema_find_class(const schema *s, const char *name, size_t len);
const schema_mrule *schema_find_mrule(const schema *s, const char *name, size_t len);

/* Iteration for cn=Subschema. */
size_t schema_attr_count(const schema *s);
const schema_attr *schema_attr_at(const schema *s, size_t i);
size_t schema_class_count(const schema *s);
const schema_class *schema_class_at(const schema *s, size_t i);
size_t schema_syntax_count(const schema *s);
const schema_syntax *schema_syntax_at(const schema *s, size_t i);
size_t schema_mrule_count(const schema *s);
const schema_mrule *schema_mrule_at(const schema *s, size_t i);
/* Published text of syntaxes / matching rules ("( OID DESC '...' )"). */
size_t schema_syntax_text(const schema_syntax *sx, char *out, size_t cap);
size_t schema_mrule_text(const schema_mrule *mr, char *out, size_t cap);

/*
 * Canonical key for an attribute description: the lowercase primary name
 * of its type when known (aliases and OIDs resolve to one key), else the
 * description lowercased.  Options (";binary") are dropped.  Returns the
 * length written into out (cap bytes), 0 if it does not fit.
 */
size_t schema_attr_key(const schema *s, const char *desc, size_t len, char *out, size_t cap);

/*
 * Matching.  at may be NULL (unknown attribute: case-ignore string rules).
 * Equality and ordering follow the type's rules; substrings use its SUBSTR
 * rule (or equality's case handling).  Return true on match.
 */
bool schema_value_equal(const schema_attr *at, ber_slice a, ber_slice b);
/* < 0, 0, > 0 like strcmp under the ORDERING rule; *ok=false if no ordering applies. */
int schema_value_order(const schema_attr *at, ber_slice a, ber_slice b, bool *ok);
/* parts: kind 0 initial, 1 any, 2 final (same as ldap_substr_kind). */
typedef struct schema_substr {
	uint8_t kind;
	ber_slice value;
} schema_substr;
bool schema_value_substr(const schema_attr *at, ber_slice value, const schema_substr *parts,
    size_t nparts);
/* Normalised equality form (for duplicates checks); returns length or 0 if it does not fit. */
size_t schema_value_normalize(const schema_attr *at, ber_slice v, char *out, size_t cap);

/* Syntax check of one value; returns true if valid. */
bool schema_value_valid(const schema_attr *at, ber_slice v);

/*
 * Checks an entry (after an add or a modify) against the schema: object
 * classes present and known, exactly one structural chain, MUST present,
 * nothing outside MUST/MAY (operational attributes exempt, extensibleObject
 * honoured), single-valued types, value syntax.  Returns an LDAP result
 * code (0 if fine) and writes a message naming the attribute into diag.
 */
int schema_check_entry(const schema *s, const entry *e, char *diag, size_t diaglen);

/* ---- the ILS name map (schema/ils-names.map) ---- */

typedef struct schema_alias {
	const char *ils_name;	/* as seen on the wire, e.g. "sappid" */
	const char *attr;	/* the attribute it stands for, e.g. "applicationID" */
	int scale;		/* value factor ILS->attribute, 60 for sttl -> entryTtl, else 1 */
} schema_alias;

/* Finds the alias for an ILS wire name (case-insensitive), or NULL. */
const schema_alias *schema_find_alias(const schema *s, const char *name, size_t len);
size_t schema_alias_count(const schema *s);
const schema_alias *schema_alias_at(const schema *s, size_t i);

#endif
