/*
 * oper.c - operational attributes (RFC 4512 3.4, RFC 3673, RFC 4530,
 * RFC 2589).
 *
 * Stored at write time: createTimestamp, modifyTimestamp, creatorsName,
 * modifiersName, entryUUID, structuralObjectClass.  Computed at read
 * time, never stored: hasSubordinates, entryDN, subschemaSubentry and,
 * for dynamic entries, entryTtl (from the stored expiry time).
 */
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "dir/dir_int.h"

/* Operational whatever the schema says (the root DSE's and subschema's too). */
static const char *const known_operational[] = {
	"createtimestamp", "modifytimestamp", "creatorsname", "modifiersname",
	"entryuuid", "structuralobjectclass", "hassubordinates", "entrydn",
	"subschemasubentry", "entryttl", "namingcontexts", "defaultnamingcontext",
	"supportedldapversion", "supportedextension", "supportedcontrol",
	"supportedsaslmechanisms", "supportedfeatures", "vendorname", "vendorversion",
	"altserver", "attributetypes", "objectclasses", "ldapsyntaxes", "matchingrules",
	"matchingruleuse", "ditcontentrules", "ditstructurerules", "nameforms",
	"dynamicsubtrees", "governingstructurerule", "entrycsn", "contextcsn",
	"pwdchangedtime", "ilsdowner", NULL
};

/* Maintained by the server; a client writing them gets constraintViolation. */
static const char *const server_only[] = {
	"createtimestamp", "modifytimestamp", "creatorsname", "modifiersname",
	"entryuuid", "structuralobjectclass", "hassubordinates", "entrydn",
	"subschemasubentry", "ilsdowner", NULL
};

const char *const oper_virtual_names[] = {
	"hasSubordinates", "entryDN", "subschemaSubentry", "entryTtl",
};

size_t
oper_virtual_count(void)
{
	return sizeof(oper_virtual_names) / sizeof(oper_virtual_names[0]);
}

static bool
in_list(const char *const *list, const char *key, size_t len)
{
	for (size_t i = 0; list[i] != NULL; i++)
		if (dir_key_is(key, len, list[i]))
			return true;
	return false;
}

bool
oper_is_operational(const schema *s, const char *key, size_t len)
{
	const schema_attr *at;

	if (in_list(known_operational, key, len))
		return true;
	at = schema_find_attr(s, key, len);
	return at != NULL && at->usage != SCHEMA_USAGE_USER;
}

bool
oper_is_server_only(const schema *s, const char *key, size_t len)
{
	const schema_attr *at;

	if (in_list(server_only, key, len))
		return true;
	if (dir_key_is(key, len, "entryttl"))
		return false;
	at = schema_find_attr(s, key, len);
	return at != NULL && at->no_user_mod;
}

bool
oper_is_dynamic_oc(const schema *s, ber_slice v)
{
	const schema_class *c;

	if (dir_slice_eq_ci(v, "dynamicObject") || dir_slice_eq_ci(v, LDAP_OID_DYNAMIC_OBJECT))
		return true;
	c = schema_find_class(s, (const char *)v.p, v.len);
	return c != NULL && c->key != NULL && strcmp(c->key, "dynamicobject") == 0;
}

bool
oper_has_dynamic_oc(const schema *s, const ber_slice *vals, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (oper_is_dynamic_oc(s, vals[i]))
			return true;
	return false;
}

/* Superclass graphs are shallow; the bound only guards a malformed schema. */
static bool
is_a(const schema_class *c, const schema_class *anc, int depth)
{
	if (c == anc)
		return true;
	if (depth > 32)
		return false;
	for (size_t i = 0; i < c->nsups; i++)
		if (is_a(c->sups[i], anc, depth + 1))
			return true;
	return false;
}

bool
oper_class_is_a(const schema_class *c, const schema_class *anc)
{
	return c != NULL && anc != NULL && is_a(c, anc, 0);
}

static int
class_depth(const schema_class *c, int depth)
{
	int best = depth;

	if (depth > 32)
		return depth;
	for (size_t i = 0; i < c->nsups; i++) {
		int d = class_depth(c->sups[i], depth + 1);
		if (d > best)
			best = d;
	}
	return best;
}

const schema_class *
oper_structural(const schema *s, const ber_slice *vals, uint32_t n)
{
	const schema_class *best = NULL;
	int best_depth = -1;

	for (uint32_t i = 0; i < n; i++) {
		const schema_class *c = schema_find_class(s, (const char *)vals[i].p, vals[i].len);
		int depth;

		if (c == NULL || c->kind != SCHEMA_CLASS_STRUCTURAL)
			continue;
		depth = class_depth(c, 0);
		if (depth > best_depth) {
			best = c;
			best_depth = depth;
		}
	}
	return best;
}

static bool
has_class(const schema *s, const edit_attr *oc, const schema_class *c)
{
	for (uint32_t i = 0; i < oc->nvals; i++)
		if (schema_find_class(s, (const char *)oc->vals[i].p, oc->vals[i].len) == c)
			return true;
	return false;
}

static int
add_sups(edit_entry *ed, const schema *s, edit_attr *oc, const schema_class *c, int depth)
{
	if (depth > 32)
		return 0;
	for (size_t i = 0; i < c->nsups; i++) {
		const schema_class *sup = c->sups[i];
		const char *name = sup->nnames > 0 ? sup->names[0] : sup->oid;

		if (!has_class(s, oc, sup) && edit_add_value(ed, oc, ldap_slice(name), true) != 0)
			return -1;
		if (add_sups(ed, s, oc, sup, depth + 1) != 0)
			return -1;
	}
	return 0;
}

/* RFC 4512 3.3: the superclasses of every class named are implicitly present. */
int
oper_add_superclasses(edit_entry *ed, const schema *s, edit_attr *oc)
{
	uint32_t n = oc->nvals;

	for (uint32_t i = 0; i < n; i++) {
		const schema_class *c = schema_find_class(s, (const char *)oc->vals[i].p,
		    oc->vals[i].len);
		if (c != NULL && add_sups(ed, s, oc, c, 0) != 0)
			return -1;
	}
	return 0;
}

void
oper_gentime(uint64_t ms, char out[16])
{
	time_t secs = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&secs, &tm);
	snprintf(out, 16, "%04u%02u%02u%02u%02u%02uZ", (unsigned)(tm.tm_year + 1900) % 10000,
	    (unsigned)(tm.tm_mon + 1) % 100, (unsigned)tm.tm_mday % 100,
	    (unsigned)tm.tm_hour % 100, (unsigned)tm.tm_min % 100, (unsigned)tm.tm_sec % 100);
}

/* RFC 4122 version 4: random bits with the version and variant fields set. */
static void
make_uuid(char out[37])
{
	uint8_t b[16];
	size_t got = 0;

	while (got < sizeof(b)) {
		ssize_t n = getrandom(b + got, sizeof(b) - got, 0);
		if (n <= 0) {
			/* Not expected on Linux; fall back to a time-seeded mix. */
			uint64_t x = dir_now_ms() ^ (uint64_t)(uintptr_t)out;
			for (; got < sizeof(b); got++) {
				x = x * 6364136223846793005ULL + 1442695040888963407ULL;
				b[got] = (uint8_t)(x >> 56);
			}
			break;
		}
		got += (size_t)n;
	}
	b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);
	b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
	snprintf(out, 37,
	    "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
	    b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
	    b[13], b[14], b[15]);
}

/* Replaces (or creates) a single-valued operational attribute. */
static int
set_one(edit_entry *ed, const schema *s, const char *key, const char *name, const char *val)
{
	edit_attr *at = edit_find(ed, key, strlen(key));

	if (at == NULL) {
		at = edit_add_attr(ed, s, ldap_slice(key), ldap_slice(name));
		if (at == NULL)
			return -1;
	}
	at->nvals = 0;
	return edit_add_value(ed, at, ldap_slice(val), true);
}

int
oper_on_create(edit_entry *ed, const schema *s, const dir_ctx *c)
{
	char ts[16], uuid[37];
	const char *who = c->bind_dn ? c->bind_dn : "";
	edit_attr *oc = edit_find(ed, "objectclass", 11);
	const schema_class *sc = oc ? oper_structural(s, oc->vals, oc->nvals) : NULL;

	oper_gentime(c->now_ms, ts);
	make_uuid(uuid);
	if (set_one(ed, s, "createtimestamp", "createTimestamp", ts) != 0 ||
	    set_one(ed, s, "modifytimestamp", "modifyTimestamp", ts) != 0 ||
	    set_one(ed, s, "creatorsname", "creatorsName", who) != 0 ||
	    set_one(ed, s, "modifiersname", "modifiersName", who) != 0 ||
	    set_one(ed, s, "entryuuid", "entryUUID", uuid) != 0)
		return -1;
	if (sc != NULL && sc->names != NULL && sc->nnames > 0 &&
	    set_one(ed, s, "structuralobjectclass", "structuralObjectClass", sc->names[0]) != 0)
		return -1;
	return 0;
}

int
oper_on_modify(edit_entry *ed, const schema *s, const dir_ctx *c)
{
	char ts[16];

	oper_gentime(c->now_ms, ts);
	if (set_one(ed, s, "modifytimestamp", "modifyTimestamp", ts) != 0 ||
	    set_one(ed, s, "modifiersname", "modifiersName", c->bind_dn ? c->bind_dn : "") != 0)
		return -1;
	return 0;
}

static bool
one_value(const dir_view *v, const char *text, size_t len, const ber_slice **vals,
    uint32_t *n)
{
	ber_slice *sl = arena_alloc(v->a, sizeof(*sl));

	if (sl == NULL)
		return false;
	*sl = dir_copy_slice(v->a, (ber_slice){ (const uint8_t *)text, len });
	if (sl->p == NULL)
		return false;
	*vals = sl;
	*n = 1;
	return true;
}

/*
 * Children whose TTL ran out no longer exist.  Looks at a bounded number
 * of them; a long run of expired children awaiting the sweeper counts as
 * children.
 */
static bool
live_child(const dir_view *v)
{
	store_iter it;
	uint64_t id;
	int seen = 0;

	store_iter_children(&it, v->e->id);
	while (seen++ < 256 && store_iter_next(v->t, &it, &id) == 1) {
		entry kid;
		if (store_get_id(v->t, id, v->a, &kid) == STORE_OK && !dir_expired(&kid, v->now_ms))
			return true;
	}
	return seen > 256;
}

bool
view_values(const dir_view *v, const char *key, size_t keylen, const ber_slice **vals,
    uint32_t *n)
{
	const entry_attr *at;
	char buf[32];

	if (view_hides(v, key, keylen))
		return false;
	at = entry_find(v->e, key, keylen);
	if (at != NULL && at->nvals > 0) {
		*vals = at->vals;
		*n = at->nvals;
		return true;
	}
	if (v->synthetic)
		return false;
	if (dir_key_is(key, keylen, "entryttl")) {
		if (v->e->expires == 0)
			return false;
		int len = snprintf(buf, sizeof(buf), "%lld",
		    (long long)ttl_remaining(v->e->expires, v->now_ms));
		return one_value(v, buf, (size_t)len, vals, n);
	}
	if (dir_key_is(key, keylen, "hassubordinates")) {
		bool kids = false;
		if (v->t == NULL || store_has_children(v->t, v->e->id, &kids) != STORE_OK)
			return false;
		kids = kids && live_child(v);
		return one_value(v, kids ? "TRUE" : "FALSE", kids ? 4 : 5, vals, n);
	}
	if (dir_key_is(key, keylen, "entrydn"))
		return one_value(v, (const char *)v->e->dn.p, v->e->dn.len, vals, n);
	if (dir_key_is(key, keylen, "subschemasubentry"))
		return one_value(v, DIR_SCHEMA_NAME, strlen(DIR_SCHEMA_NAME), vals, n);
	return false;
}
