/*
 * dir.c - opening and closing the directory, the suffix and its
 * containers, the schema pointer and its reload, and the small helpers
 * every operation uses (DN normalisation, liveness, matchedDN).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dir/dir_int.h"
#include "util/log.h"

#ifndef ILSD_VERSION
#define ILSD_VERSION "0"
#endif

#define RELOAD_CHUNK 1000	/* entries checked per read transaction */

void
dir_res_set(dir_result *res, int code, const char *fmt, ...)
{
	va_list ap;

	res->code = code;
	if (fmt == NULL) {
		res->diag[0] = '\0';
		return;
	}
	va_start(ap, fmt);
	vsnprintf(res->diag, sizeof(res->diag), fmt, ap);
	va_end(ap);
}

int
dir_store_code(int err)
{
	switch (err) {
	case STORE_OK:
		return LDAP_SUCCESS;
	case STORE_NOTFOUND:
		return LDAP_NO_SUCH_OBJECT;
	case STORE_EXISTS:
		return LDAP_ENTRY_ALREADY_EXISTS;
	case STORE_FULL:
		return LDAP_UNWILLING_TO_PERFORM;
	case STORE_BUSY:
		return LDAP_BUSY;
	case STORE_TOOBIG:
		return LDAP_ADMIN_LIMIT_EXCEEDED;
	default:
		return LDAP_OTHER;
	}
}

bool
dir_slice_eq_ci(ber_slice a, const char *s)
{
	size_t n = strlen(s);

	if (a.len != n)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char x = a.p[i], y = (unsigned char)s[i];
		if (x >= 'A' && x <= 'Z')
			x += 32;
		if (y >= 'A' && y <= 'Z')
			y += 32;
		if (x != y)
			return false;
	}
	return true;
}

bool
dir_key_is(const char *key, size_t len, const char *lit)
{
	return strlen(lit) == len && memcmp(key, lit, len) == 0;
}

size_t
dir_key(const schema *s, const void *desc, size_t len, char *out, size_t cap)
{
	if (len == 0 || len >= cap)
		return 0;
	return schema_attr_key(s, desc, len, out, cap);
}

/* Maps DN attribute types through the schema so aliases share one key. */
static size_t
canon_type(void *ctx, const char *type, size_t len, char *out, size_t cap)
{
	return schema_attr_key(ctx, type, len, out, cap);
}

int
dir_parse_dn(const schema *s, ber_slice dnstr, arena *a, dn *parsed, char **ndn, size_t *nlen)
{
	size_t cap;
	long n;
	char *buf;

	if (dnstr.len > DN_MAX_LEN ||
	    dn_parse((const char *)dnstr.p, dnstr.len, DN_STRICT, a, parsed) != 0)
		return LDAP_INVALID_DN_SYNTAX;
	/* Escaping can triple a value; types may grow when canonicalised. */
	cap = dnstr.len * 3 + 64 * (parsed->nrdns + 1);
	for (int tries = 0; tries < 3; tries++, cap *= 2) {
		buf = arena_alloc(a, cap);
		if (buf == NULL)
			return LDAP_OTHER;
		n = dn_normalize(parsed, canon_type, (void *)s, buf, cap);
		if (n >= 0) {
			*ndn = buf;
			*nlen = (size_t)n;
			return LDAP_SUCCESS;
		}
	}
	return LDAP_INVALID_DN_SYNTAX;
}

long
dir_normalize_dn(dir *d, ber_slice dnstr, char *out, size_t cap)
{
	arena a;
	dn parsed;
	char *ndn;
	size_t nlen;
	schema *s = dir_schema(d);
	long ret = -1;

	arena_init(&a, 4096, 4 * DN_MAX_LEN + 65536);
	if (dir_parse_dn(s, dnstr, &a, &parsed, &ndn, &nlen) == LDAP_SUCCESS && nlen < cap) {
		memcpy(out, ndn, nlen);
		out[nlen] = '\0';
		ret = (long)nlen;
	}
	arena_free(&a);
	schema_unref(s);
	return ret;
}

bool
dir_in_suffix(const dir *d, const char *ndn, size_t nlen)
{
	return dn_is_suffix(ndn, nlen, d->suffix_ndn, d->suffix_nlen);
}

void
dir_outside_suffix(const char *ndn, size_t nlen, dir_result *res)
{
	if (nlen == 0 || dir_key_is(ndn, nlen, DIR_SCHEMA_NDN)) {
		dir_res_set(res, LDAP_UNWILLING_TO_PERFORM, "%s is not writable",
		    nlen == 0 ? "the root DSE" : DIR_SCHEMA_NAME);
		return;
	}
	dir_res_set(res, LDAP_NO_SUCH_OBJECT, "outside the naming context");
	res->matched = "";
}

bool
dir_write_target(const dir *d, const schema *s, ber_slice dnstr, arena *a, dn *parsed,
    char **ndn, size_t *nlen, dir_result *res)
{
	int rc;

	rc = dir_parse_dn(s, dnstr, a, parsed, ndn, nlen);
	if (rc != LDAP_SUCCESS) {
		dir_res_set(res, rc, "invalid DN");
		return false;
	}
	if (*nlen == 0 || !dir_in_suffix(d, *ndn, *nlen)) {
		dir_outside_suffix(*ndn, *nlen, res);
		return false;
	}
	return true;
}

bool
dir_expired(const entry *e, uint64_t now_ms)
{
	return e->expires != 0 && e->expires <= now_ms;
}

int
dir_get_live(store_txn *t, const char *ndn, size_t nlen, uint64_t now_ms, arena *a, entry *e)
{
	int rc = store_get(t, ndn, nlen, a, e);

	if (rc == STORE_OK && dir_expired(e, now_ms))
		return STORE_NOTFOUND;
	return rc;
}

/*
 * RFC 4511 4.1.10: matchedDN names the last entry found while walking
 * down to the target, i.e. its deepest existing ancestor.  Names outside
 * the suffix match nothing ("").
 */
void
dir_no_such_object(dir *d, store_txn *t, const char *ndn, size_t nlen, uint64_t now_ms,
    arena *a, dir_result *res)
{
	entry e;
	long off;

	dir_res_set(res, LDAP_NO_SUCH_OBJECT, "no such entry");
	res->matched = "";
	if (!dir_in_suffix(d, ndn, nlen))
		return;
	while ((off = dn_parent_offset(ndn, nlen)) >= 0) {
		ndn += off;
		nlen -= (size_t)off;
		if (!dir_in_suffix(d, ndn, nlen))
			return;
		if (dir_get_live(t, ndn, nlen, now_ms, a, &e) == STORE_OK) {
			char *m = a ? arena_strndup(a, (const char *)e.dn.p, e.dn.len) : NULL;
			res->matched = m ? m : "";
			return;
		}
	}
}

schema *
dir_schema(dir *d)
{
	schema *s;

	pthread_mutex_lock(&d->sch_lock);
	s = schema_ref(d->sch);
	pthread_mutex_unlock(&d->sch_lock);
	return s;
}

static char *
copy_str(arena *a, const char *s)
{
	return s ? arena_strndup(a, s, strlen(s)) : NULL;
}

static const char *const *
copy_list(arena *a, const char *const *list)
{
	size_t n = 0;
	const char **out;

	if (list == NULL)
		return NULL;
	while (list[n] != NULL)
		n++;
	out = arena_calloc(a, n + 1, sizeof(*out));
	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++)
		out[i] = copy_str(a, list[i]);
	return out;
}

static int
copy_config(dir *d, const dir_config *cfg)
{
	d->cfg = *cfg;
	d->cfg.suffix = copy_str(&d->mem, cfg->suffix ? cfg->suffix : "o=Intranet");
	d->cfg.schema_dir = copy_str(&d->mem, cfg->schema_dir);
	d->cfg.vendor_version = copy_str(&d->mem,
	    cfg->vendor_version ? cfg->vendor_version : ILSD_VERSION);
	d->cfg.sasl_mechs = copy_list(&d->mem, cfg->sasl_mechs);
	d->cfg.extensions = copy_list(&d->mem, cfg->extensions);
	d->cfg.controls = copy_list(&d->mem, cfg->controls);
	if (d->cfg.ttl_min < 0)
		d->cfg.ttl_min = 0;
	if (d->cfg.ttl_max <= 0)
		d->cfg.ttl_max = INT32_MAX;
	if (d->cfg.ttl_max < d->cfg.ttl_min)
		d->cfg.ttl_max = d->cfg.ttl_min;
	if (d->cfg.ttl_default <= 0)
		d->cfg.ttl_default = 600;
	return d->cfg.suffix == NULL ? -1 : 0;
}

/* Structural class for the entry a naming attribute suggests. */
static const char *
container_class(const char *key)
{
	if (strcmp(key, "o") == 0)
		return "organization";
	if (strcmp(key, "ou") == 0)
		return "organizationalUnit";
	if (strcmp(key, "c") == 0)
		return "country";
	if (strcmp(key, "l") == 0)
		return "locality";
	if (strcmp(key, "dc") == 0)
		return "domain";
	return "extensibleObject";
}

/* Adds one static container entry if it does not exist yet. */
static int
ensure_entry(dir *d, const schema *s, const char *dnstr, char *err, size_t errlen)
{
	arena a;
	dn parsed;
	char *ndn;
	size_t nlen;
	store_txn *t;
	uint64_t id;
	int rc;
	dir_result res;
	dir_ctx c;
	ber_slice ocv[2];
	ldap_attr attr;
	char key[DIR_KEYMAX];
	ber_slice dns = ldap_slice(dnstr);

	arena_init(&a, 4096, 0);
	if (dir_parse_dn(s, dns, &a, &parsed, &ndn, &nlen) != LDAP_SUCCESS ||
	    parsed.nrdns == 0) {
		snprintf(err, errlen, "invalid suffix DN \"%s\"", dnstr);
		arena_free(&a);
		return -1;
	}
	if ((rc = store_begin(d->st, false, &t)) != STORE_OK) {
		snprintf(err, errlen, "store: %s", store_strerror(rc));
		arena_free(&a);
		return -1;
	}
	rc = store_lookup(t, ndn, nlen, &id);
	store_abort(t);
	if (rc == STORE_OK) {
		arena_free(&a);
		return 0;
	}
	dir_key(s, parsed.rdns[0].avas[0].type, parsed.rdns[0].avas[0].typelen, key, sizeof(key));
	ocv[0] = ldap_slice("top");
	ocv[1] = ldap_slice(container_class(key));
	attr.type = ldap_slice("objectClass");
	attr.vals = ocv;
	attr.nvals = 2;
	memset(&c, 0, sizeof(c));
	c.bind_dn = "";
	c.is_admin = true;
	c.now_ms = dir_now_ms();
	c.a = &a;
	rc = dir_add(d, &c, dns, &attr, 1, DIR_F_NO_PARENT_CHECK | DIR_F_NO_SCHEMA_CHECK, &res);
	arena_free(&a);
	if (rc != LDAP_SUCCESS && rc != LDAP_ENTRY_ALREADY_EXISTS) {
		snprintf(err, errlen, "creating %s: %s (%s)", dnstr, ldap_result_name(rc), res.diag);
		return -1;
	}
	log_info("dir: created %s", dnstr);
	return 0;
}

/* MS-TAIL 3.5.3 and 4.5: people under ou=Dynamic, application users under ou=Applications. */
static int
bootstrap(dir *d, char *err, size_t errlen)
{
	static const char *const containers[] = { "ou=Dynamic", "ou=Applications" };
	schema *s = dir_schema(d);
	char buf[DN_MAX_LEN + 64];
	int rc = ensure_entry(d, s, d->cfg.suffix, err, errlen);

	for (size_t i = 0; rc == 0 && i < sizeof(containers) / sizeof(containers[0]); i++) {
		snprintf(buf, sizeof(buf), "%s,%s", containers[i], d->cfg.suffix);
		rc = ensure_entry(d, s, buf, err, errlen);
	}
	schema_unref(s);
	return rc;
}

int
dir_open(const dir_config *cfg, store *st, dir **out, char *err, size_t errlen)
{
	dir *d;
	dn parsed;
	char *ndn;
	size_t nlen;

	*out = NULL;
	d = calloc(1, sizeof(*d));
	if (d == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	d->st = st;
	arena_init(&d->mem, 4096, 0);
	pthread_mutex_init(&d->sch_lock, NULL);
	pthread_mutex_init(&d->reload_lock, NULL);
	if (copy_config(d, cfg) != 0) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (d->cfg.schema_dir == NULL) {
		snprintf(err, errlen, "no schema directory configured");
		goto fail;
	}
	d->sch = schema_load_dir(d->cfg.schema_dir, err, errlen);
	if (d->sch == NULL)
		goto fail;
	d->schema_created_ms = d->schema_modified_ms = dir_now_ms();
	if (dir_parse_dn(d->sch, ldap_slice(d->cfg.suffix), &d->mem, &parsed, &ndn, &nlen) !=
	    LDAP_SUCCESS || nlen == 0) {
		snprintf(err, errlen, "invalid suffix \"%s\"", d->cfg.suffix);
		goto fail;
	}
	d->suffix_ndn = ndn;
	d->suffix_nlen = nlen;
	/* The policy is compiled here; the caller's copy is not kept. */
	if (access_open(d, cfg, err, errlen) != 0)
		goto fail;
	d->cfg.access = NULL;
	if (bootstrap(d, err, errlen) != 0)
		goto fail;
	*out = d;
	return 0;
fail:
	dir_close(d);
	return -1;
}

void
dir_close(dir *d)
{
	if (d == NULL)
		return;
	if (d->sch)
		schema_unref(d->sch);
	pthread_mutex_destroy(&d->sch_lock);
	pthread_mutex_destroy(&d->reload_lock);
	arena_free(&d->mem);
	free(d);
}

/*
 * Counts entries that the candidate schema would reject.  Entries are
 * read in chunks, each in its own read transaction, so a large store
 * never pins one snapshot for the whole walk.
 */
static void
count_nonconforming(dir *d, const schema *ns, unsigned *count)
{
	store_iter it;
	arena a;
	uint64_t now = dir_now_ms();
	int n = 1;

	*count = 0;
	arena_init(&a, 65536, 0);
	store_iter_subtree(&it, "", 0);
	while (n == 1) {
		store_txn *t;
		uint64_t id;
		int got = 0;

		if (store_begin(d->st, false, &t) != STORE_OK)
			break;
		while (got < RELOAD_CHUNK && (n = store_iter_next(t, &it, &id)) == 1) {
			entry e;
			char diag[256];
			edit_entry ed;

			got++;
			arena_reset(&a);
			if (store_get_id(t, id, &a, &e) != STORE_OK || dir_expired(&e, now))
				continue;
			/* The check sees user attributes only, as on add and modify. */
			edit_init(&ed, &a);
			if (edit_from_entry(&ed, ns, &e) != 0 || edit_to_entry(&ed, &e, true, ns) != 0)
				continue;
			if (schema_check_entry(ns, &e, diag, sizeof(diag)) != 0)
				(*count)++;
		}
		store_abort(t);
	}
	arena_free(&a);
}

int
dir_schema_reload(dir *d, unsigned *nonconforming, char *err, size_t errlen)
{
	schema *ns, *old;
	unsigned bad = 0;

	if (nonconforming)
		*nonconforming = 0;
	pthread_mutex_lock(&d->reload_lock);
	ns = schema_load_dir(d->cfg.schema_dir, err, errlen);
	if (ns == NULL) {
		pthread_mutex_unlock(&d->reload_lock);
		return LDAP_OTHER;
	}
	count_nonconforming(d, ns, &bad);
	pthread_mutex_lock(&d->sch_lock);
	old = d->sch;
	d->sch = ns;
	d->schema_modified_ms = dir_now_ms();
	pthread_mutex_unlock(&d->sch_lock);
	schema_unref(old);
	pthread_mutex_unlock(&d->reload_lock);
	if (nonconforming)
		*nonconforming = bad;
	if (bad)
		log_warn("dir: schema reloaded; %u stored entries do not conform", bad);
	else
		log_info("dir: schema reloaded");
	if (err && errlen)
		err[0] = '\0';
	return LDAP_SUCCESS;
}

uint64_t
dir_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void
dir_write_hold(dir *d)
{
	(void)store_batch_hold(d->st);
}
