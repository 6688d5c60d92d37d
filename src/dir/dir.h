/*
 * dir.h - the directory: LDAP operation semantics over the store.
 *
 * This is where an Add, Modify, Delete, Compare or Search means what RFC
 * 4511 says it means: DN normalisation, parent and leaf rules, schema
 * checking, atomic modifications, operational attributes, dynamic objects
 * (RFC 2589 entryTtl), index selection and filter evaluation, the root DSE
 * and cn=Subschema.  It knows nothing of sockets or of the ILS dialect; the
 * ILS layer rewrites ILS requests into calls of this API, with the flags
 * below switching on the leniencies ILS clients need.
 *
 * Writes run in one store transaction each and return only after commit.
 * Searches are resumable: dir_search_step() produces results until an
 * output budget is reached, then returns, so the caller can wait for the
 * socket to drain before asking for more.
 */
#ifndef ILSD_DIR_H
#define ILSD_DIR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ber/ber.h"
#include "ldap/ldap.h"
#include "schema/schema.h"
#include "store/store.h"
#include "util/arena.h"

typedef struct dir dir;

/*
 * Access policy (docs/security.md).  Rights are bits: read (search and
 * compare), register (add dynamic entries, and change, refresh or
 * delete the ones you own) and write (add, change and delete any entry).
 * The administrator (dir_ctx.is_admin) has every right everywhere.
 *
 * Every dynamic entry records its owner in the operational attribute
 * ilsdOwner: "dn:<bind DN>" when the creator was bound, "ip:<address>"
 * when anonymous.  An entry owned by an address is owned by every request
 * from that address; one owned by a DN only by that identity.
 */
enum dir_right {
	DIR_RIGHT_READ = 1 << 0,
	DIR_RIGHT_REGISTER = 1 << 1,
	DIR_RIGHT_WRITE = 1 << 2,
};

enum dir_who {
	DIR_WHO_ANYONE = 0,
	DIR_WHO_ANONYMOUS,		/* not bound */
	DIR_WHO_USERS,			/* bound, any identity */
	DIR_WHO_DN,			/* bound as exactly who_dn */
	DIR_WHO_UNDER,			/* bound as an identity at or below who_dn */
};

/* "Under subtree, identities who have rights": the first matching rule decides. */
typedef struct dir_access_rule {
	const char *subtree;		/* DN; "" = every entry */
	int who;			/* enum dir_who */
	const char *who_dn;		/* DIR_WHO_DN, DIR_WHO_UNDER */
	unsigned rights;		/* enum dir_right bits; 0 = none */
} dir_access_rule;

typedef struct dir_access {
	const dir_access_rule *rules;
	size_t nrules;
	unsigned anonymous_rights;	/* when no rule matches an anonymous client */
	unsigned user_rights;		/* when no rule matches a bound identity */
	/* Entries whose hidden_attr has the value hidden_value are left out of
	 * searches except for their owner, the administrator and searches that
	 * name the entry exactly (an equality on its RDN attribute). */
	const char *hidden_attr;	/* e.g. "sFlags"; NULL = none */
	const char *hidden_value;	/* e.g. "0" */
	/* Readable only by the entry's owner and the administrator. */
	const char *const *private_attrs;	/* NULL-terminated, may be NULL */
} dir_access;

/* Limits on what clients store; the administrator is exempt.  0 = no limit. */
typedef struct dir_limits {
	size_t max_value_size;		/* bytes in one value */
	unsigned max_values;		/* values of one attribute */
	unsigned max_attrs;		/* attributes of one entry */
	unsigned max_owned;		/* dynamic entries one owner (address or identity) holds */
	uint64_t max_entries;		/* entries in the directory */
} dir_limits;

typedef struct dir_config {
	const char *suffix;		/* naming context, default "o=Intranet" */
	const char *schema_dir;
	const char *vendor_version;
	int64_t ttl_default;		/* seconds (RFC 2589 entryTtl) */
	int64_t ttl_min;
	int64_t ttl_max;
	int64_t size_limit;		/* server-wide cap on entries per search; 0 = none */
	int64_t time_limit;		/* server-wide cap in seconds; 0 = none */
	const char *const *sasl_mechs;	/* for the root DSE; NULL-terminated, may be NULL */
	/* Root DSE extras the server offers beyond the directory's own (e.g. StartTLS
	 * once TLS is configured, controls it honours); NULL-terminated, may be NULL. */
	const char *const *extensions;	/* supportedExtension OIDs */
	const char *const *controls;	/* supportedControl OIDs */
	const dir_access *access;	/* access policy; NULL = everyone may do everything */
	dir_limits limits;		/* entry sizes and counts; zeros = none */
} dir_config;

/* Opens the directory on an open store; creates the suffix and its containers on first start. */
int dir_open(const dir_config *cfg, store *st, dir **out, char *err, size_t errlen);
void dir_close(dir *d);

/* The schema in force, with a reference the caller must drop with schema_unref. */
schema *dir_schema(dir *d);
/*
 * Loads the schema directory again and, only if it is entirely valid,
 * swaps it in.  On failure the old schema stays and err says file:line:
 * reason.  *nonconforming counts stored entries that do not fit the new
 * schema (they are kept and still served).  Returns an LDAP result code.
 */
int dir_schema_reload(dir *d, unsigned *nonconforming, char *err, size_t errlen);

/* Who is asking, and when. */
typedef struct dir_ctx {
	const char *bind_dn;		/* normalised bind DN, "" for anonymous */
	bool is_admin;
	uint64_t now_ms;		/* Unix ms, taken once per operation */
	arena *a;			/* request arena for temporary memory */
	const char *peer;		/* client address ("192.0.2.1"), owner of its anonymous
					 * entries; NULL for the server's own work */
	bool unlimited;			/* spared dir_limits.max_owned (a trusted address) */
} dir_ctx;

typedef struct dir_result {
	int code;			/* LDAP result code */
	const char *matched;		/* matchedDN or NULL */
	char diag[256];			/* diagnostic message, "" if none */
} dir_result;

enum dir_flags {
	DIR_F_NO_PARENT_CHECK = 1 << 0,	/* Add: the parent need not exist (ILS) */
	DIR_F_LENIENT_MODIFY = 1 << 1,	/* Modify: add to an existing single-valued attribute
					 * replaces it; delete of an absent attribute or of the
					 * single value "" succeeds (ILS) */
	DIR_F_NO_SCHEMA_CHECK = 1 << 2,	/* skip MUST/MAY checks (ILS clients' entries) */
	DIR_F_DYNAMIC = 1 << 3,		/* Add: make the entry a dynamicObject with the default TTL */
	DIR_F_SUBTREE_DELETE = 1 << 4,	/* Delete: remove the entry's subordinates too */
	DIR_F_VALUE_LIST = 1 << 5,	/* Add, Modify add/replace: values are a list, kept
					 * as given, equal values included (ILS positional
					 * lists: sport "1720","1720"; sprotmimetype "","") */
	DIR_F_TAKEOVER = 1 << 6,	/* Delete: the caller proved it knows the entry's
					 * registration secret (ILS ssecurity): an entry owned
					 * by an address may be deleted from another one */
};

int dir_add(dir *d, const dir_ctx *c, ber_slice dn, const ldap_attr *attrs, size_t nattrs,
    unsigned flags, dir_result *res);
int dir_modify(dir *d, const dir_ctx *c, ber_slice dn, const ldap_mod *mods, size_t nmods,
    unsigned flags, dir_result *res);
int dir_delete(dir *d, const dir_ctx *c, ber_slice dn, unsigned flags, dir_result *res);
int dir_compare(dir *d, const dir_ctx *c, ber_slice dn, ber_slice attr, ber_slice value,
    dir_result *res);
/* RFC 2589 refresh: clamps ttl to [ttl_min, ttl_max], *applied gets the TTL set. */
int dir_refresh(dir *d, const dir_ctx *c, ber_slice dn, int64_t ttl, int64_t *applied,
    dir_result *res);

/* One requested attribute. */
typedef struct dir_attr_sel {
	ber_slice name;		/* as requested; also the name written in the response */
	ber_slice lookup;	/* the attribute actually read (ILS aliases); len 0 = name */
	int scale;		/* output value divided by scale (entryTtl seconds -> sttl minutes); 0 = 1 */
} dir_attr_sel;

typedef struct dir_search_params {
	ber_slice base;
	int scope;			/* enum ldap_scope */
	const ldap_filter *filter;
	const dir_attr_sel *attrs;	/* none = all user attributes */
	size_t nattrs;
	bool typesonly;
	int64_t sizelimit;		/* 0 = none (server cap still applies) */
	int64_t timelimit;		/* seconds, 0 = none (server cap still applies) */
	int64_t refresh_ttl;		/* > 0: refresh each matched dynamic entry to this TTL (s) */
	int deref;			/* enum ldap_deref: aliases followed to find the base
					 * and/or in the results; 0 = never */
	int empty_code;			/* != 0: a search that sent no entry ends with this
					 * code instead of success (an ILS refresh that found
					 * nobody: noSuchObject) */
} dir_search_params;

typedef struct dir_search dir_search;

/*
 * Starts a search.  Returns LDAP_SUCCESS with *out set (call dir_search_step
 * until it says done), or an error code with res filled and *out NULL.
 * The params (filter, attrs, base) are copied: the request may be freed.
 */
int dir_search_begin(dir *d, const dir_ctx *c, const dir_search_params *p, dir_search **out,
    dir_result *res);

enum { DIR_SEARCH_DONE = 0, DIR_SEARCH_MORE = 1, DIR_SEARCH_PAGE = 2 };

/*
 * Encodes SearchResultEntry messages with message ID msgid into w until
 * about max_bytes were added or the search ends.  Returns DIR_SEARCH_MORE,
 * or DIR_SEARCH_DONE with res set to the final result (the caller encodes
 * SearchResultDone).  now_ms is the current time, for the time limit.
 * A paged search (dir_search_set_page) returns DIR_SEARCH_PAGE once the
 * page is full and at least one more entry matches; it stays resumable.
 */
int dir_search_step(dir_search *s, ber_writer *w, int64_t msgid, size_t max_bytes,
    uint64_t now_ms, dir_result *res);
/*
 * Simple paged results (RFC 2696): the next steps stop after size more
 * entries with DIR_SEARCH_PAGE (or end with DIR_SEARCH_DONE when nothing
 * is left).  Call again, with a new size, to resume for the next page;
 * the time limit then counts again from now_ms.  The size limit counts
 * entries over all pages.
 */
void dir_search_set_page(dir_search *s, uint64_t size, uint64_t now_ms);
/* Entries sent so far. */
uint64_t dir_search_count(const dir_search *s);
void dir_search_free(dir_search *s);

/*
 * Deletes up to max entries whose TTL has run out (one transaction),
 * stopping early once budget_us microseconds have passed (0: no bound).
 * Returns the number deleted, or < 0 on a store error; *more (may be
 * NULL) tells whether expired entries may remain.  Expired entries are
 * invisible to searches even before this removes them.
 */
long dir_sweep(dir *d, uint64_t now_ms, unsigned max, uint64_t budget_us, bool *more);
/*
 * Under group commit (store_batch_mode), takes the store's writer lock
 * until the thread's batch commits, for a read-check-write sequence that
 * spans several calls; does nothing otherwise.
 */
void dir_write_hold(dir *d);

/* Normalises a DN with the schema's attribute names; returns length or -1 if invalid. */
long dir_normalize_dn(dir *d, ber_slice dn, char *out, size_t cap);

#endif
