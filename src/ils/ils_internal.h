/*
 * ils_internal.h - what the files of the ILS layer share, and the pure
 * functions the unit tests drive directly (tests/unit/test_ils.c).
 *
 * The pure parts (DN recognition, filter rewriting, attribute selection,
 * reshaping of Add attributes and Modify changes) see the schema and the
 * directory only through the small ils_env below, so a test can give them
 * a hand-written alias table and DN normaliser.
 */
#ifndef ILSD_ILS_INTERNAL_H
#define ILSD_ILS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dir/dir.h"
#include "ils/ils.h"
#include "ldap/ldap.h"
#include "schema/schema.h"

#define ILS_SUFFIX_MAX 1024		/* longest naming context ilsd serves ILS under */
#define ILS_DEFAULT_SUFFIX "o=Intranet"
#define ILS_TTL_MAX_MINUTES 1000000000LL	/* sttl values are capped here before * 60 */
#define ILS_WRITE_RETRIES 3		/* re-registration attempts before giving up */
#define ILS_TOKEN_MIN_LEN 6		/* shorter securityTokens are guessable (docs/security.md) */

/* The containers of ILS entries, as written and normalised. */
typedef struct ils_names {
	char suffix[ILS_SUFFIX_MAX];		/* e.g. "o=Intranet" */
	char dynamic[ILS_SUFFIX_MAX + 16];	/* "ou=Dynamic,<suffix>" */
	char apps[ILS_SUFFIX_MAX + 24];		/* "ou=Applications,<suffix>" */
	char schema[ILS_SUFFIX_MAX + 24];	/* "cn=Schema,ou=Admin,<suffix>" */
	char nsuffix[3 * ILS_SUFFIX_MAX];	/* normalised forms */
	char ndynamic[3 * ILS_SUFFIX_MAX];
	char napps[3 * ILS_SUFFIX_MAX];
	size_t nsuffix_len, ndynamic_len, napps_len;
} ils_names;

/* How the pure functions reach the schema and the directory. */
typedef struct ils_env {
	/* The ILS alias map (schema_find_alias). */
	const schema_alias *(*alias_find)(void *sctx, const char *name, size_t len);
	/* Canonical attribute key (schema_attr_key). */
	size_t (*attr_key)(void *sctx, const char *desc, size_t len, char *out, size_t cap);
	void *sctx;
	/* DN normalisation (dir_normalize_dn): length, or -1 if invalid. */
	long (*norm_dn)(void *dctx, ber_slice dn, char *out, size_t cap);
	void *dctx;
	const ils_names *names;
	/* When set, names taken from the schema are copied here: a search's
	 * parameters outlive the schema reference held while rewriting. */
	arena *copy_to;
} ils_env;

/* ---- ils_init.c: the shared state ---- */
/* An environment on d's schema (referenced: drop with ils_env_done). */
void ils_env_init(ils_env *env, dir *d, const dir_ctx *c);
void ils_env_done(ils_env *env);

/* ---- ils_dn.c: which entry a DN names ---- */

/* Fills names for a suffix (normalising with env->norm_dn). Returns 0 or -1. */
int ils_names_set(ils_names *n, const ils_env *env, const char *suffix, size_t len);

enum ils_dn_kind {
	ILS_DN_NONE = 0,	/* not an ILS entry: standard LDAP */
	ILS_DN_PERSON,		/* cn=X,ou=Dynamic,<suffix> (rtPerson) */
	ILS_DN_APPUSER,		/* cn=X,appName=A,ou=Applications,<suffix> (rtApplicationUser) */
	ILS_DN_CONFERENCE,	/* uid=X,ou=Dynamic,<suffix> (rtConference) */
	ILS_DN_OTHER,		/* some other leaf directly in an ILS container */
	ILS_DN_BAD,		/* a pseudo-DN without a name: invalid */
};

typedef struct ils_dn {
	int kind;		/* enum ils_dn_kind */
	bool pseudo;		/* written as a reversed pseudo-DN (c=..,cn=X,objectClass=..) */
	ber_slice name;		/* the cn / uid value, spaces and "%20" trimmed */
	ber_slice app;		/* APPUSER: the appName value */
	ber_slice dn;		/* the DN to hand to the directory (canonical for pseudo-DNs) */
	char *ndn;		/* normalised DN (arena), NULL for NONE/BAD */
	size_t nlen;
} ils_dn;

/* Recognises every DN form of ils-compat section 2.  Memory from a. */
int ils_dn_classify(const ils_env *env, ber_slice dn, arena *a, ils_dn *out);

enum ils_base_kind {
	ILS_BASE_NONE = 0,	/* an ordinary base */
	ILS_BASE_PEOPLE,	/* objectClass=RTPerson: every person */
	ILS_BASE_CONFERENCES,	/* objectClass=Conference / RTConference */
	ILS_BASE_APPUSERS,	/* objectClass=RTApplicationUser */
	ILS_BASE_ENTRY,		/* a pseudo-DN naming one entry */
	ILS_BASE_TREE,		/* a canonical base inside the ILS containers */
	ILS_BASE_SCHEMA,	/* TAPI's reversed "<NC>,ou=admin,cn=schema" */
};

typedef struct ils_base {
	int kind;		/* enum ils_base_kind */
	ber_slice base;		/* the base to search */
	ils_dn entry;		/* ENTRY: what it names */
} ils_base;

int ils_base_classify(const ils_env *env, ber_slice base, arena *a, ils_base *out);

/* Builds "<rdntype>=<escaped value>,<parent>" in the arena. */
ber_slice ils_dn_build(arena *a, const char *type, ber_slice value, const char *parent);
/* Trims leading/trailing spaces and trailing "%20"s (MS-TAIL 4.4.2). */
ber_slice ils_trim_name(ber_slice v);

/* ---- ils_filter.c: filter rewriting ---- */

enum ils_frw_flags {
	ILS_FRW_PERCENT = 1 << 0,	/* '%' is a wildcard (ILS-shaped searches) */
	ILS_FRW_CONF_UID = 1 << 1,	/* conference searches: cn means uid */
};

typedef struct ils_frw {
	const ils_env *env;
	unsigned flags;		/* enum ils_frw_flags */
	arena *a;
	unsigned budget;	/* nodes we may still create (hostile input bound) */
	/* out */
	int64_t sttl;		/* minutes of the last (sttl=N), -1 if none */
	bool changed;		/* anything rewritten */
} ils_frw;

/*
 * Rewrites an ILS filter into a standard one: alias names to attributes,
 * "%" to presence or substrings, (sttl=N) removed (it is an action, never
 * a condition) with N left in w->sttl.  The result shares no node with in.
 * Returns 0, or -1 when memory or the node budget ran out.
 */
int ils_filter_rewrite(ils_frw *w, const ldap_filter *in, ldap_filter **out);

/* ---- ils_attrs.c: names, values and attribute lists ---- */

/* Is this (case-insensitive) the TTL attribute or its alias? *scale gets 1 or 60. */
bool ils_is_ttl(const ils_env *env, ber_slice type, int *scale);
/* The attribute an ILS wire name stands for (alias target), or type itself. */
ber_slice ils_map_name(const ils_env *env, ber_slice type, const schema_alias **alias);
/* Decimal, optional spaces; false if not a number or out of range. */
bool ils_parse_int(ber_slice v, int64_t *out);
/* Canonical key of a type into out; returns its length (0 if it does not fit). */
size_t ils_key(const ils_env *env, ber_slice type, char *out, size_t cap);
bool ils_same_attr(const ils_env *env, ber_slice a, ber_slice b);

/* What "all attributes" (none requested) means in a search. */
enum ils_all {
	ILS_ALL_PLAIN = 0,	/* the directory's: every user attribute */
	ILS_ALL_PERSON,		/* people pseudo-base: the person in ILS names */
	ILS_ALL_STAR_TTL,	/* other pseudo-bases: every user attribute plus sttl */
};

/*
 * The attribute selection of a search: alias names read their attribute
 * and keep the requested spelling (sttl in minutes).  With no attribute
 * requested, all (enum ils_all) says what to ask for.  *changed tells
 * whether anything differs from the plain selection.
 */
int ils_attr_select(const ils_env *env, const ber_slice *attrs, size_t n, int all,
    arena *a, dir_attr_sel **out, size_t *nout, bool *changed);

/* What an Add of an ILS entry becomes. */
typedef struct ils_add_shape {
	ldap_attr *attrs;
	size_t nattrs;
	int64_t ttl;		/* seconds asked for (sttl * 60 or entryTtl), -1 none */
	ber_slice token;	/* person: securityToken value (ssecurity); p == NULL none */
	ber_slice user;		/* application user: userObject value; p == NULL none */
} ils_add_shape;

/*
 * Maps names, turns sttl (minutes) into entryTtl (seconds; also in ttl),
 * merges repeated attributes, drops value-less ones, adds the object
 * classes and the naming attribute the DN implies.  Returns 0 or -1.
 */
int ils_shape_add(const ils_env *env, const ils_dn *dn, const ldap_attr *in, size_t n,
    arena *a, ils_add_shape *out);

enum ils_smodop {
	ILS_SMODOP_NONE = -1,
	ILS_SMODOP_ADD_APP = 0,
	ILS_SMODOP_DEL_APP = 1,
	ILS_SMODOP_MOD_USER = 2,
	ILS_SMODOP_MOD_APP = 3,
};

/* What a Modify of an ILS entry becomes. */
typedef struct ils_mod_shape {
	ldap_mod *mods;
	size_t nmods;
	int smodop;		/* enum ils_smodop */
	int64_t ttl;		/* seconds asked for, -1 none */
	ber_slice appid;	/* value of sappid / applicationID in the request, if any */
} ils_mod_shape;

/*
 * Maps names; takes smodop out (an operation code, not stored); sttl
 * (minutes) and entryTtl become one replace of entryTtl in seconds (the
 * directory's refresh), last; the first add of an attribute becomes a
 * replace (ILS clients "add" changed values); a delete of the single value
 * "" deletes the attribute; smodop 1 (delete application) removes the
 * application attributes.  Returns 0 or -1 (memory).
 */
int ils_shape_modify(const ils_env *env, const ldap_mod *in, size_t n, arena *a,
    ils_mod_shape *out);

/* The attributes that describe a person's application (kept on the person). */
extern const char *const ils_app_attrs[];
bool ils_is_app_attr(const ils_env *env, ber_slice type);

/* ---- ils_read.c: reading entries back through the directory ---- */

typedef int (*ils_entry_fn)(void *ctx, const ldap_entry_msg *e);

/*
 * Runs a search and hands every entry, decoded, to fn (which must copy what
 * it keeps: the entry lives until fn returns).  fn returning non-zero stops.
 * Returns the search's LDAP result code.
 */
int ils_read(dir *d, const dir_ctx *c, const dir_search_params *p, ils_entry_fn fn,
    void *ctx, dir_result *res);

/* ---- ils_write.c ---- */

/* Serialises the multi-step ILS writes (re-registration, cascades). */
void ils_write_lock(dir *d);
void ils_write_unlock(void);

/* Small helpers */
void ils_res(dir_result *res, int code, const char *diag);
bool ils_slice_ieq(ber_slice a, ber_slice b);

#endif
