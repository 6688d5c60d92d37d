/*
 * dir_int.h - what the files of the directory layer share among
 * themselves: the dir object, DN helpers, the editable entry, value sets,
 * compiled filters, attribute selection and the read-time "view" of an
 * entry (stored attributes plus the computed operational ones).
 */
#ifndef ILSD_DIR_INT_H
#define ILSD_DIR_INT_H

#include <pthread.h>
#include <stdarg.h>

#include "dir/dir.h"
#include "ldap/dn.h"

#define DIR_KEYMAX 256			/* longest canonical attribute key */
#define DIR_SUBTREE_DELETE_MAX 100000	/* entries one subtree delete may remove */
#define DIR_SCHEMA_NAME "cn=Subschema"
#define DIR_SCHEMA_NDN "cn=subschema"

/* An access rule with its DNs normalised (access.c). */
typedef struct access_rule {
	char *subtree;
	size_t sublen;
	int who;			/* enum dir_who */
	char *who_ndn;
	size_t wholen;
	unsigned rights;
} access_rule;

struct dir {
	store *st;
	pthread_mutex_t sch_lock;	/* guards reading+referencing and swapping sch */
	schema *sch;
	pthread_mutex_t reload_lock;	/* one schema reload at a time */
	arena mem;			/* copies of the configuration */
	dir_config cfg;
	char *suffix_ndn;
	size_t suffix_nlen;
	/* cn=Subschema's createTimestamp / modifyTimestamp (RFC 4512 4.2): when the
	 * schema was first loaded and last reloaded, Unix ms. */
	_Atomic uint64_t schema_created_ms, schema_modified_ms;
	/* The access policy (access.c); policy false: every right for everyone. */
	bool policy;
	access_rule *rules;
	size_t nrules;
	unsigned anon_rights, user_rights;
	char *hidden_key;		/* canonical key, NULL = no hidden entries */
	size_t hidden_keylen;
	ber_slice hidden_value;
	char **private_keys;		/* NULL-terminated canonical keys */
	bool owner_indexed;		/* ilsdOwner has an equality index */
};

/* ---- dir.c: common helpers ---- */

void dir_res_set(dir_result *res, int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
int dir_store_code(int store_err);
/* Canonical key of an attribute description into out; 0 if it does not fit. */
size_t dir_key(const schema *s, const void *desc, size_t len, char *out, size_t cap);
/* Parses (strict) and normalises a DN; LDAP code (0, 34 or 80). */
int dir_parse_dn(const schema *s, ber_slice dnstr, arena *a, dn *parsed, char **ndn,
    size_t *nlen);
bool dir_in_suffix(const dir *d, const char *ndn, size_t nlen);
/* The answer to a write outside the suffix: read-only for the root DSE and
 * cn=Subschema, noSuchObject (matchedDN "") elsewhere. */
void dir_outside_suffix(const char *ndn, size_t nlen, dir_result *res);
/* The DN a write names, parsed and normalised; false (res set) if it is
 * invalid or outside the suffix, so add, modify and delete answer alike. */
bool dir_write_target(const dir *d, const schema *s, ber_slice dnstr, arena *a, dn *parsed,
    char **ndn, size_t *nlen, dir_result *res);
bool dir_expired(const entry *e, uint64_t now_ms);
/* store_get that treats an expired entry as absent. */
int dir_get_live(store_txn *t, const char *ndn, size_t nlen, uint64_t now_ms, arena *a,
    entry *e);
/* noSuchObject with matchedDN set to the deepest existing ancestor. */
void dir_no_such_object(dir *d, store_txn *t, const char *ndn, size_t nlen, uint64_t now_ms,
    arena *a, dir_result *res);
bool dir_slice_eq_ci(ber_slice a, const char *s);
bool dir_key_is(const char *key, size_t len, const char *lit);
uint64_t dir_now_ms(void);

/* ---- edit.c: an entry being built or changed (arrays in an arena) ---- */

typedef struct edit_attr {
	ber_slice key;
	ber_slice name;
	ber_slice *vals;
	uint32_t nvals, cap;
	const schema_attr *at;
} edit_attr;

typedef struct edit_entry {
	arena *a;
	edit_attr *attrs;
	uint32_t nattrs, cap;
} edit_entry;

void edit_init(edit_entry *ed, arena *a);
/* Deep copy of a stored entry's attributes (values leave LMDB memory). */
int edit_from_entry(edit_entry *ed, const schema *s, const entry *e);
edit_attr *edit_find(edit_entry *ed, const char *key, size_t keylen);
edit_attr *edit_add_attr(edit_entry *ed, const schema *s, ber_slice key, ber_slice name);
int edit_add_value(edit_entry *ed, edit_attr *at, ber_slice v, bool copy);
void edit_remove_attr(edit_entry *ed, edit_attr *at);
/* Sets e->attrs to the edited attributes (skipping empty ones); the arrays stay in the arena. */
int edit_to_entry(const edit_entry *ed, entry *e, bool skip_operational, const schema *s);
ber_slice dir_copy_slice(arena *a, ber_slice s);

/* ---- vset.c: duplicate detection under an equality rule ---- */

typedef struct vset {
	const schema_attr *at;
	arena *a;
	uint32_t *slots;	/* index + 1 into norm[], 0 = empty */
	size_t mask;
	ber_slice *norm;
	uint32_t *ids;
	size_t n, cap;
} vset;

int vset_init(vset *vs, const schema_attr *at, arena *a, size_t expected);
/* Returns the id of an equal value in the set, or -1. */
long vset_find(vset *vs, ber_slice v);
/* Adds v with id; -1 on memory exhaustion. */
int vset_add(vset *vs, ber_slice v, uint32_t id);

/* ---- oper.c: operational attributes ---- */

bool oper_is_operational(const schema *s, const char *key, size_t len);
/* Set by the server only: a client may not write them. */
bool oper_is_server_only(const schema *s, const char *key, size_t len);
bool oper_is_dynamic_oc(const schema *s, ber_slice v);
bool oper_has_dynamic_oc(const schema *s, const ber_slice *vals, uint32_t n);
int oper_on_create(edit_entry *ed, const schema *s, const dir_ctx *c);
int oper_add_superclasses(edit_entry *ed, const schema *s, edit_attr *oc);
int oper_on_modify(edit_entry *ed, const schema *s, const dir_ctx *c);
/* Structural object class of a set of classes, or NULL. */
const schema_class *oper_structural(const schema *s, const ber_slice *vals, uint32_t n);
bool oper_class_is_a(const schema_class *c, const schema_class *ancestor);
void oper_gentime(uint64_t ms, char out[16]);

/* A read-time view of an entry: stored attributes plus computed ones. */
typedef struct dir_view {
	const entry *e;
	const schema *s;
	store_txn *t;		/* for hasSubordinates; may be NULL */
	uint64_t now_ms;
	arena *a;
	bool synthetic;		/* root DSE / subschema: no computed attributes */
	const dir *d;		/* with hide: whose private attributes to hide */
	unsigned hide;		/* enum view_hide: attributes this reader may not see */
} dir_view;

enum view_hide {
	VIEW_HIDE_OWNER = 1 << 0,	/* ilsdOwner: the administrator's only */
	VIEW_HIDE_PRIVATE = 1 << 1,	/* the policy's private attributes: owner and admin */
};

/* Is the attribute hidden from this view's reader? */
bool view_hides(const dir_view *v, const char *key, size_t keylen);

/* Values of an attribute by canonical key; false if absent. */
bool view_values(const dir_view *v, const char *key, size_t keylen, const ber_slice **vals,
    uint32_t *n);
/* The computed attributes, for '+'. */
extern const char *const oper_virtual_names[];
size_t oper_virtual_count(void);

/* ---- access.c: rights, ownership, hidden entries, limits ---- */

#define OWNER_KEY "ilsdowner"
#define OWNER_NAME "ilsdOwner"

int access_open(dir *d, const dir_config *cfg, char *err, size_t errlen);
/* The rights c has on the entry ndn (every right for the administrator). */
unsigned access_rights(const dir *d, const dir_ctx *c, const char *ndn, size_t nlen);
/* Are the rights the same for every entry at or below ndn (no rule starts deeper)? */
bool access_uniform_below(const dir *d, const char *ndn, size_t nlen);
/* The owner value for entries c creates ("dn:..." / "ip:..."); len 0 = none. */
ber_slice access_owner_of(const dir_ctx *c, arena *a);
bool access_owns(const dir_ctx *c, const entry *e);
/* May c modify, refresh or delete e?  LDAP_SUCCESS or insufficientAccessRights in res. */
int access_check_change(const dir *d, const dir_ctx *c, const entry *e, unsigned flags,
    dir_result *res);
/* Could c change e (the same test without a result)? */
bool access_may_change(const dir *d, const dir_ctx *c, const entry *e, unsigned rights,
    bool owns);
/* View hide bits for a reader of e. */
unsigned access_view_hide(const dir_ctx *c, bool owns);
/* Is e one of the policy's hidden entries (sFlags=0)? */
bool access_entry_hidden(const dir *d, const entry *e);
/* Entry size limits on an edited entry (not for the administrator). */
int access_check_size(const dir *d, const dir_ctx *c, const edit_entry *ed, const schema *s,
    dir_result *res);
/* Counts live entries owned by owner inside t, up to max; -1 if unknown. */
long access_count_owned(const dir *d, store_txn *t, ber_slice owner, unsigned max,
    uint64_t now_ms);

/* ---- ttl.c ---- */

int64_t ttl_clamp(const dir *d, int64_t ttl);
int ttl_parse(ber_slice v, int64_t *out);
int64_t ttl_remaining(uint64_t expires, uint64_t now_ms);

/* ---- filter.c: filters compiled against the schema ---- */

enum { DF_FALSE = 0, DF_TRUE = 1, DF_UNDEF = 2 };

typedef struct dir_filter dir_filter;
struct dir_filter {
	uint8_t type;		/* enum ldap_filter_type */
	dir_filter *next;
	dir_filter *kids;	/* AND / OR / NOT */
	char *key;
	size_t keylen;
	const schema_attr *at;
	bool is_oc;		/* objectClass equality: superclasses match */
	bool undef;		/* always Undefined (unknown rule, bad assertion) */
	const schema_class *oc;
	ber_slice value;
	schema_substr *parts;
	size_t nparts;
	int xmatch;		/* extensible: enum schema_match of the rule, 0 = attr's */
	bool has_attr, dn_attrs;
	const schema_attr *sup;	/* at, when other types derive from it (RFC 4512 2.5.1) */
};

int dfilter_compile(const schema *s, const ldap_filter *f, arena *a, dir_filter **out);
int dfilter_eval(const dir_filter *f, const dir_view *v);

/* ---- emit.c: attribute selection and SearchResultEntry encoding ---- */

typedef struct sel_item {
	ber_slice name;		/* output spelling */
	char *key;		/* canonical key read */
	size_t keylen;
	int scale;
	bool operational;
	const schema_attr *sup;	/* the type, when other types derive from it */
} sel_item;

typedef struct dir_sel {
	sel_item *items;
	size_t n;
	bool all_user, all_oper;
} dir_sel;

int sel_compile(const schema *s, const dir_attr_sel *req, size_t n, arena *a, dir_sel *out);
void emit_entry(ber_writer *w, int64_t msgid, const dir_view *v, const dir_sel *sel,
    bool typesonly);

/* ---- search.c ---- */

/* Did the search take its candidates from an index?  (For tests.) */
bool dir_search_from_index(const dir_search *s);

/* ---- rootdse.c ---- */

int rootdse_build(dir *d, const schema *s, arena *a, entry *out);
int subschema_build(dir *d, const schema *s, arena *a, entry *out);

/* ---- alias.c: aliases (RFC 4512 2.6) ---- */

bool alias_is(const entry *e);
/* The entry an alias leads to (through chains); LDAP_SUCCESS, or aliasProblem /
 * aliasDereferencingProblem in res. */
int alias_follow(const schema *s, store_txn *t, const entry *alias, uint64_t now_ms, arena *a,
    entry *out, dir_result *res);

/* ---- options.c: attribute description options (RFC 4512 2.5) ---- */

/*
 * Key of an attribute description with its tagging options, lowercased
 * and sorted ("cn;lang-de;lang-en"); ";binary" is dropped.  0 if the
 * description is invalid or has an option that is not recognised.
 */
size_t dir_desc_key(const schema *s, const void *desc, size_t len, char *out, size_t cap);
/* Length of the attribute type part of a key. */
size_t desc_base_len(const char *key, size_t len);
/* Does the description want select the stored one have (same type, options a superset)? */
bool desc_selects(const char *want, size_t wlen, const char *have, size_t hlen);
/* Is some attribute type of s derived from at by SUP? */
bool attr_has_subtypes(const schema *s, const schema_attr *at);
/* desc_selects, and with sup (the wanted type, when it has subtypes) its SUP subtypes too. */
bool desc_selects_in(const schema *s, const schema_attr *sup, const char *want, size_t wlen,
    const char *have, size_t hlen);
/* Does the view's entry hold another attribute that key selects? */
bool entry_has_subtypes(const dir_view *v, const schema_attr *sup, const char *key,
    size_t keylen);
/* view_values for a description: the values of every attribute it selects (see sup above). */
bool view_desc_values(const dir_view *v, const schema_attr *sup, const char *key, size_t keylen,
    const ber_slice **vals, uint32_t *n);

#endif
