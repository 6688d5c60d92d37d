/*
 * store_write.c - put, delete and expiry updates, keeping every index in
 * step inside the caller's write txn.
 *
 * Every call reads all it needs first (the old record, the new entry,
 * whose slices may point into the map) into the write scratch arena, and
 * only then writes: a value read from LMDB in a write txn may move as soon
 * as the txn writes.  If a write fails half-way the txn is marked failed
 * and can only be aborted, so a half-applied change is never committed.
 *
 * A replace only touches the index keys that changed: the old and new
 * sets of keys are sorted and merged, so refreshing one attribute of an
 * entry costs one index delete and one insert, not a rebuild.
 */
#include "store/store_int.h"
#include "store/entry_format.h"

#include <errno.h>
#include <stdlib.h>

typedef struct ikey {
	const uint8_t *p;
	size_t len;
} ikey;

typedef struct ikeys {
	ikey *k;
	size_t n;
} ikeys;

static int
ikey_cmp(const void *a, const void *b)
{
	const ikey *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->p, y->p, n);

	return c != 0 ? c : (x->len > y->len) - (x->len < y->len);
}

static const uint8_t *
scratch_copy(arena *a, const void *p, size_t len)
{
	uint8_t *q = arena_alloc(a, len ? len : 1);

	if (q != NULL && len != 0)
		memcpy(q, p, len);
	return q;
}

/*
 * An attribute key with options ("cn;lang-en", a subtype of cn) is
 * indexed under its type: an index stays a superset of what a filter on
 * the type matches.
 */
static size_t
index_key_len(const entry_attr *at)
{
	const void *semi = memchr(at->key.p, ';', at->key.len);

	return semi ? (size_t)((const uint8_t *)semi - at->key.p) : at->key.len;
}

/*
 * The equality-index keys of an entry, copied into the scratch arena,
 * sorted, without duplicates: a presence key (the attribute key alone) and
 * one key per value for every indexed attribute.
 */
static int
collect_keys(store *s, const entry *e, ikeys *out)
{
	arena *a = &s->wscratch;
	uint8_t buf[STORE_KEY_MAX];
	size_t n = 0;

	out->k = NULL;
	out->n = 0;
	for (uint32_t i = 0; i < e->nattrs; i++)
		if (store_is_indexed(s, (const char *)e->attrs[i].key.p, index_key_len(&e->attrs[i])))
			n += 1 + (size_t)e->attrs[i].nvals;
	if (n == 0)
		return 0;
	if ((out->k = arena_alloc(a, n * sizeof(*out->k))) == NULL)
		return -1;
	for (uint32_t i = 0; i < e->nattrs; i++) {
		const entry_attr *at = &e->attrs[i];
		const char *akey = (const char *)at->key.p;
		size_t aklen = index_key_len(at);

		if (!store_is_indexed(s, akey, aklen))
			continue;
		ikey *k = &out->k[out->n++];
		k->len = aklen;
		if ((k->p = scratch_copy(a, akey, k->len)) == NULL)
			return -1;
		for (uint32_t j = 0; j < at->nvals; j++) {
			long len = store_index_key(akey, aklen, at->vals[j].p,
			    at->vals[j].len, buf);
			k = &out->k[out->n++];
			k->len = (size_t)len;
			if ((k->p = scratch_copy(a, buf, k->len)) == NULL)
				return -1;
		}
	}
	qsort(out->k, out->n, sizeof(*out->k), ikey_cmp);
	size_t w = 0;
	for (size_t i = 0; i < out->n; i++)
		if (w == 0 || ikey_cmp(&out->k[w - 1], &out->k[i]) != 0)
			out->k[w++] = out->k[i];
	out->n = w;
	return 0;
}

/* Marks the txn failed after a write error and maps the error. */
static int
wfail(store_txn *t, int rc, const char *what)
{
	t->failed = true;
	if (rc == MDB_MAP_FULL)
		store_note_map_full(t->s);
	return store_map_err(rc, what);
}

static int
dup_put(store_txn *t, int db, const void *key, size_t klen, uint64_t id)
{
	MDB_val k = { klen, (void *)key }, v = { sizeof(id), &id };
	int rc = mdb_put(t->txn, t->s->dbi[db], &k, &v, MDB_NODUPDATA);

	return rc == MDB_KEYEXIST ? 0 : rc;
}

static int
dup_del(store_txn *t, int db, const void *key, size_t klen, uint64_t id)
{
	MDB_val k = { klen, (void *)key }, v = { sizeof(id), &id };
	int rc = mdb_del(t->txn, t->s->dbi[db], &k, &v);

	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* Deletes the keys only in old and adds the keys only in new. */
static int
index_update(store_txn *t, const ikeys *old, const ikeys *new, uint64_t id)
{
	size_t i = 0, j = 0;
	int rc = 0;

	while (rc == 0 && (i < old->n || j < new->n)) {
		int c = i == old->n ? 1 : j == new->n ? -1 : ikey_cmp(&old->k[i], &new->k[j]);

		if (c < 0) {
			rc = dup_del(t, DB_EQ, old->k[i].p, old->k[i].len, id);
			i++;
		} else if (c > 0) {
			rc = dup_put(t, DB_EQ, new->k[j].p, new->k[j].len, id);
			j++;
		} else {
			i++;
			j++;
		}
	}
	return rc;
}

static int
expiry_update(store_txn *t, uint64_t id, uint64_t old, uint64_t new)
{
	uint8_t kb[16];
	MDB_val k = { sizeof(kb), kb }, v = { 0, (void *)"" };
	int rc = 0;

	if (old == new)
		return 0;
	if (old != 0) {
		store_expiry_key(old, id, kb);
		rc = mdb_del(t->txn, t->s->dbi[DB_EXPIRY], &k, NULL);
		if (rc == MDB_NOTFOUND)
			rc = 0;
	}
	if (rc == 0 && new != 0) {
		store_expiry_key(new, id, kb);
		rc = mdb_put(t->txn, t->s->dbi[DB_EXPIRY], &k, &v, 0);
	}
	return rc;
}

static int
dn_id(store_txn *t, const uint8_t *key, size_t klen, uint64_t *id)
{
	MDB_val k = { klen, (void *)key }, v;
	int rc = mdb_get(t->txn, t->s->dbi[DB_DN], &k, &v);

	if (rc == 0 && v.mv_size != sizeof(*id))
		rc = MDB_CORRUPTED;
	if (rc == 0)
		*id = store_val_u64(&v);
	return rc;
}

/* The old state of an entry that a put or delete is about to change. */
typedef struct old_state {
	ikeys keys;
	uint64_t expires;
	uint64_t parent_id;
} old_state;

static int
old_load(store_txn *t, uint64_t id, old_state *o)
{
	MDB_val k = { sizeof(id), &id }, v;
	entry e;
	int rc = mdb_get(t->txn, t->s->dbi[DB_ID2ENTRY], &k, &v);

	if (rc != 0)
		return store_map_err(rc == MDB_NOTFOUND ? MDB_CORRUPTED : rc, "old entry");
	rc = entry_decode(v.mv_data, v.mv_size, &t->s->wscratch, &e);
	if (rc != 0) {
		store_set_error("entry %llu: %s", (unsigned long long)id,
		    rc == -2 ? "out of memory" : "corrupt record");
		return rc == -2 ? STORE_ERR : STORE_CORRUPT;
	}
	o->expires = e.expires;
	o->parent_id = e.parent_id;
	if (collect_keys(t->s, &e, &o->keys) < 0) {
		store_set_error("out of memory");
		return STORE_ERR;
	}
	return STORE_OK;
}

/* Rewrites one fixed-width field of a stored record (expires or parent id). */
static int
record_patch(store_txn *t, uint64_t id, size_t off, uint64_t value, uint64_t *old)
{
	MDB_val k = { sizeof(id), &id }, v;
	int rc = mdb_get(t->txn, t->s->dbi[DB_ID2ENTRY], &k, &v);

	if (rc != 0)
		return rc;
	if (v.mv_size < ENTRY_FIXED_SIZE)
		return MDB_CORRUPTED;
	*old = entry_get_u64le((const uint8_t *)v.mv_data + off);
	if (*old == value)
		return 0;
	uint8_t *copy = (uint8_t *)scratch_copy(&t->s->wscratch, v.mv_data, v.mv_size);
	if (copy == NULL)
		return ENOMEM;
	entry_put_u64le(copy + off, value);
	v.mv_data = copy;
	return mdb_put(t->txn, t->s->dbi[DB_ID2ENTRY], &k, &v, 0);
}

/*
 * Ids of the direct children of a new entry that were stored before it
 * (an ILS entry can be added below a missing container).  Normally the
 * range below a new entry is empty and this is one seek.  Below a direct
 * child the walk jumps over the child's own subtree.
 */
static int
orphans_find(store_txn *t, const uint8_t *key, size_t klen, uint64_t **ids, size_t *n)
{
	uint8_t buf[STORE_KEY_MAX + 1];
	size_t cap = 0;
	MDB_cursor *c;
	MDB_val k, v;
	int rc;

	*ids = NULL;
	*n = 0;
	if (klen + 2 > STORE_KEY_MAX)
		return 0;
	if ((rc = store_cursor(t, DB_DN, &c)) != 0)
		return rc;
	memcpy(buf, key, klen);
	buf[klen] = DNKEY_SEP;
	k.mv_size = klen + 1;
	k.mv_data = buf;
	rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	while (rc == 0 && k.mv_size > klen + 1 && memcmp(k.mv_data, buf, klen + 1) == 0) {
		const uint8_t *rest = (const uint8_t *)k.mv_data + klen + 1;
		if (memchr(rest, DNKEY_SEP, k.mv_size - klen - 1) != NULL || k.mv_size >= sizeof(buf)) {
			rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
			continue;
		}
		if (*n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			uint64_t *p = arena_alloc(&t->s->wscratch, ncap * sizeof(*p));
			if (p == NULL)
				return ENOMEM;
			if (*n != 0)
				memcpy(p, *ids, *n * sizeof(*p));
			*ids = p;
			cap = ncap;
		}
		(*ids)[(*n)++] = store_val_u64(&v);
		/* Seek past the child's subtree: child key + 0x02. */
		uint8_t next[STORE_KEY_MAX + 1];
		memcpy(next, k.mv_data, k.mv_size);
		next[k.mv_size] = DNKEY_ESC;
		k.mv_size++;
		k.mv_data = next;
		rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	}
	return rc == MDB_NOTFOUND ? 0 : rc;
}

static int
orphans_adopt(store_txn *t, const uint8_t *key, size_t klen, uint64_t id)
{
	uint64_t *ids, old;
	size_t n;
	int rc = orphans_find(t, key, klen, &ids, &n);

	for (size_t i = 0; rc == 0 && i < n; i++) {
		rc = record_patch(t, ids[i], ENTRY_OFF_PARENT, id, &old);
		if (rc == 0)
			rc = dup_put(t, DB_CHILDREN, &id, sizeof(id), ids[i]);
	}
	return rc;
}

/* A deleted entry's children stay, with no parent (as if added without one). */
static int
orphans_release(store_txn *t, uint64_t id)
{
	MDB_val k = { sizeof(id), &id }, v;
	uint64_t *ids = NULL, old;
	size_t n = 0;
	MDB_cursor *c;
	int rc;

	if ((rc = store_cursor(t, DB_CHILDREN, &c)) != 0)
		return rc;
	rc = mdb_cursor_get(c, &k, &v, MDB_SET);
	if (rc == MDB_NOTFOUND)
		return 0;
	size_t count = 0;
	if (rc == 0)
		rc = mdb_cursor_count(c, &count);
	if (rc == 0 && (ids = arena_alloc(&t->s->wscratch, count * sizeof(*ids))) == NULL)
		rc = ENOMEM;
	while (rc == 0 && n < count) {
		ids[n++] = store_val_u64(&v);
		rc = mdb_cursor_get(c, &k, &v, MDB_NEXT_DUP);
	}
	if (rc != 0 && rc != MDB_NOTFOUND)
		return rc;
	rc = mdb_del(t->txn, t->s->dbi[DB_CHILDREN], &k, NULL);
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = record_patch(t, ids[i], ENTRY_OFF_PARENT, 0, &old);
	return rc;
}

static int
write_check(store_txn *t)
{
	if (!t->write || t->failed) {
		store_set_error(t->write ? "transaction failed earlier" : "read-only transaction");
		return STORE_ERR;
	}
	arena_reset(&t->s->wscratch);
	return STORE_OK;
}

/* The writes of a put, after everything has been read. */
static int
put_apply(store_txn *t, const uint8_t *key, size_t klen, const uint8_t *rec, size_t reclen,
    const entry *e, bool is_new, const old_state *o, const ikeys *keys)
{
	uint64_t id = e->id;
	MDB_val k = { sizeof(id), &id }, v = { reclen, (void *)rec };
	/*
	 * A new id is above every id in use, so it can be appended: LMDB then
	 * fills the last page instead of splitting it in half, which would
	 * leave id2entry (most of the file, and of resident memory) half empty.
	 */
	int rc = mdb_put(t->txn, t->s->dbi[DB_ID2ENTRY], &k, &v, is_new ? MDB_APPEND : 0);

	if (rc == MDB_KEYEXIST && is_new)
		rc = mdb_put(t->txn, t->s->dbi[DB_ID2ENTRY], &k, &v, 0);

	if (rc == 0 && is_new) {
		MDB_val dk = { klen, (void *)key };
		rc = mdb_put(t->txn, t->s->dbi[DB_DN], &dk, &k, 0);
		if (rc == 0 && e->parent_id != 0)
			rc = dup_put(t, DB_CHILDREN, &e->parent_id, sizeof(e->parent_id), id);
	}
	if (rc == 0)
		rc = index_update(t, &o->keys, keys, id);
	if (rc == 0)
		rc = expiry_update(t, id, o->expires, e->expires);
	if (rc == 0 && is_new)
		rc = orphans_adopt(t, key, klen, id);
	return rc;
}

int
store_put(store_txn *t, entry *e, int mode)
{
	uint8_t key[STORE_KEY_MAX];
	old_state o = { { NULL, 0 }, 0, 0 };
	uint64_t id;
	ikeys keys;
	int rc;

	if ((rc = write_check(t)) != STORE_OK)
		return rc;
	long klen = store_dn_key((const char *)e->ndn.p, e->ndn.len, key, sizeof(key));
	if (klen <= 0) {
		store_set_error(klen == 0 ? "empty DN" : "DN too long for the store");
		return klen == 0 ? STORE_ERR : STORE_TOOBIG;
	}
	rc = dn_id(t, key, (size_t)klen, &id);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return store_map_err(rc, "put");
	bool is_new = rc == MDB_NOTFOUND;
	if (!is_new && mode != STORE_PUT_REPLACE)
		return STORE_EXISTS;
	if (!is_new) {
		if ((rc = old_load(t, id, &o)) != STORE_OK)
			return rc;
	} else {
		bool has_parent;
		size_t plen = store_dn_parent_len(key, (size_t)klen, &has_parent);
		id = t->next_id;
		if (has_parent && plen > 0 && (rc = dn_id(t, key, plen, &o.parent_id)) != 0) {
			if (rc != MDB_NOTFOUND)
				return store_map_err(rc, "put");
			o.parent_id = 0;
		}
	}
	if (collect_keys(t->s, e, &keys) < 0) {
		store_set_error("out of memory");
		return STORE_ERR;
	}
	size_t reclen = entry_encoded_size(e);
	uint8_t *rec = arena_alloc(&t->s->wscratch, reclen);
	if (rec == NULL) {
		store_set_error("out of memory");
		return STORE_ERR;
	}
	e->id = id;
	e->parent_id = o.parent_id;
	entry_encode(e, rec);
	if (is_new)
		t->next_id++;
	/* From here on nothing of e is read: its slices may point into the map. */
	rc = put_apply(t, key, (size_t)klen, rec, reclen, e, is_new, &o, &keys);
	return rc == 0 ? STORE_OK : wfail(t, rc, "put");
}

int
store_del(store_txn *t, const char *ndn, size_t len)
{
	uint8_t key[STORE_KEY_MAX];
	old_state o = { { NULL, 0 }, 0, 0 };
	ikeys none = { NULL, 0 };
	uint64_t id;
	int rc;

	if ((rc = write_check(t)) != STORE_OK)
		return rc;
	long klen = store_dn_key(ndn, len, key, sizeof(key));
	if (klen <= 0)
		return klen == 0 ? STORE_NOTFOUND : STORE_TOOBIG;
	rc = dn_id(t, key, (size_t)klen, &id);
	if (rc != 0)
		return store_map_err(rc, "delete");
	/* A corrupt record is still deleted; only its index keys are unknown. */
	rc = old_load(t, id, &o);
	if (rc != STORE_OK && rc != STORE_CORRUPT)
		return rc;

	MDB_val k = { sizeof(id), &id }, dk = { (size_t)klen, key };
	rc = mdb_del(t->txn, t->s->dbi[DB_ID2ENTRY], &k, NULL);
	if (rc == 0)
		rc = mdb_del(t->txn, t->s->dbi[DB_DN], &dk, NULL);
	if (rc == 0 && o.parent_id != 0)
		rc = dup_del(t, DB_CHILDREN, &o.parent_id, sizeof(o.parent_id), id);
	if (rc == 0)
		rc = index_update(t, &o.keys, &none, id);
	if (rc == 0)
		rc = expiry_update(t, id, o.expires, 0);
	if (rc == 0)
		rc = orphans_release(t, id);
	return rc == 0 ? STORE_OK : wfail(t, rc, "delete");
}

int
store_set_expires(store_txn *t, uint64_t id, uint64_t expires)
{
	uint64_t old;
	int rc;

	if ((rc = write_check(t)) != STORE_OK)
		return rc;
	rc = record_patch(t, id, ENTRY_OFF_EXPIRES, expires, &old);
	if (rc == MDB_NOTFOUND)
		return STORE_NOTFOUND;
	if (rc == MDB_CORRUPTED || rc == ENOMEM)
		return store_map_err(rc, "set expires");
	if (rc == 0)
		rc = expiry_update(t, id, old, expires);
	return rc == 0 ? STORE_OK : wfail(t, rc, "set expires");
}

/*
 * Rebuilds the equality index from the records, for a changed set of
 * indexed attributes.  Runs in the open-time write txn.
 */
int
store_reindex(store_txn *t)
{
	store *s = t->s;
	ikeys none = { NULL, 0 }, keys;
	MDB_cursor *c;
	MDB_val k, v;
	entry e;
	int rc = mdb_drop(t->txn, s->dbi[DB_EQ], 0);

	if (rc == 0)
		rc = store_cursor(t, DB_ID2ENTRY, &c);
	if (rc == 0)
		rc = mdb_cursor_get(c, &k, &v, MDB_FIRST);
	while (rc == 0) {
		uint64_t id = store_val_u64(&k);

		arena_reset(&s->wscratch);
		if (entry_decode(v.mv_data, v.mv_size, &s->wscratch, &e) != 0) {
			store_set_error("entry %llu: corrupt record", (unsigned long long)id);
			return STORE_CORRUPT;
		}
		if (collect_keys(s, &e, &keys) < 0) {
			store_set_error("out of memory");
			return STORE_ERR;
		}
		rc = index_update(t, &none, &keys, id);
		if (rc == 0)
			rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
	}
	arena_reset(&s->wscratch);
	return rc == MDB_NOTFOUND ? STORE_OK : store_map_err(rc, "reindex");
}
