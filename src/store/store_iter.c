/*
 * store_iter.c - resumable iterators over the DN, children, equality and
 * expiry indexes.
 *
 * An iterator holds only its position: the last key returned and, inside
 * a duplicate list, the last id.  Each step seeks a cursor of the current
 * txn to that position (MDB_SET_RANGE, or MDB_GET_BOTH_RANGE inside a
 * duplicate list), moves past it if it is still there, and saves the new
 * position.  So a step may run in a different txn than the previous one,
 * and entries added or deleted in between cannot make it repeat an entry
 * that stayed or fail: a deleted position just means the seek lands on
 * its successor.  Entries added behind the position are not seen.
 *
 * Each step costs one B-tree seek (O(log n)); the cursors belong to the
 * txn and are reused.
 *
 * Ids come back once each, except from PREFIX: an entry with several
 * values under the prefix comes back once per such value (callers that
 * cannot tolerate that de-duplicate).  PRESENT uses the per-attribute
 * presence key, so it is exact and without repeats.
 */
#include "store/store_int.h"

static void
iter_init(store_iter *it, int kind)
{
	it->kind = kind;
	it->started = false;
	it->done = false;
	it->base_id = 0;
	it->limit = 0;
	it->prefix_len = 0;
	it->key_len = 0;
	it->last_id = 0;
}

int
store_iter_subtree(store_iter *it, const char *base_ndn, size_t len)
{
	long klen;

	iter_init(it, STORE_ITER_SUBTREE);
	klen = store_dn_key(base_ndn, len, it->key, STORE_KEY_MAX);
	if (klen < 0) {
		it->done = true;
		store_set_error("DN too long for the store");
		return STORE_TOOBIG;
	}
	it->prefix_len = it->key_len = (size_t)klen;
	return STORE_OK;
}

int
store_iter_children(store_iter *it, uint64_t parent_id)
{
	iter_init(it, STORE_ITER_CHILDREN);
	it->base_id = parent_id;
	return STORE_OK;
}

int
store_iter_index(store_iter *it, int kind, const char *attr_key, const void *value,
    size_t len)
{
	size_t alen = strlen(attr_key);
	long klen;

	iter_init(it, kind);
	it->done = true;
	if (!store_attr_key_ok(attr_key, alen)) {
		store_set_error("attribute key cannot be indexed");
		return STORE_ERR;
	}
	switch (kind) {
	case STORE_ITER_EQ:
	case STORE_ITER_PREFIX:
		klen = store_index_key(attr_key, alen, value, len, it->key);
		break;
	case STORE_ITER_PRESENT:
		memcpy(it->key, attr_key, alen);
		klen = (long)alen;
		break;
	default:
		store_set_error("not an index iterator");
		return STORE_ERR;
	}
	it->prefix_len = it->key_len = (size_t)klen;
	it->done = false;
	return STORE_OK;
}

int
store_iter_expired(store_iter *it, uint64_t now_ms)
{
	iter_init(it, STORE_ITER_EXPIRED);
	it->limit = now_ms;
	return STORE_OK;
}

static bool
key_is(const MDB_val *k, const uint8_t *key, size_t len)
{
	return k->mv_size == len && memcmp(k->mv_data, key, len) == 0;
}

static bool
has_prefix(const MDB_val *k, const uint8_t *prefix, size_t len)
{
	return k->mv_size >= len && memcmp(k->mv_data, prefix, len) == 0;
}

/*
 * Positions c on the first key after (or, before the first step, at) the
 * saved key of a plain, non-duplicate index.
 */
static int
seek_key(MDB_cursor *c, const store_iter *it, MDB_val *k, MDB_val *v)
{
	int rc;

	if (it->key_len == 0)
		return mdb_cursor_get(c, k, v, MDB_FIRST);
	k->mv_size = it->key_len;
	k->mv_data = (void *)it->key;
	rc = mdb_cursor_get(c, k, v, MDB_SET_RANGE);
	if (rc == 0 && it->started && key_is(k, it->key, it->key_len))
		rc = mdb_cursor_get(c, k, v, MDB_NEXT);
	return rc;
}

/* Within one key's duplicate list: the first id, or the one after last_id. */
static int
seek_dup(MDB_cursor *c, const store_iter *it, const void *key, size_t klen, MDB_val *v)
{
	MDB_val k = { klen, (void *)key };
	uint64_t last = it->last_id;
	int rc;

	if (!it->started)
		return mdb_cursor_get(c, &k, v, MDB_SET);
	v->mv_size = sizeof(last);
	v->mv_data = &last;
	rc = mdb_cursor_get(c, &k, v, MDB_GET_BOTH_RANGE);
	if (rc == 0 && store_val_u64(v) == it->last_id)
		rc = mdb_cursor_get(c, &k, v, MDB_NEXT_DUP);
	return rc;
}

/*
 * Across the duplicate lists of a key range: the first (key, id) pair
 * after the saved one.  If the saved key lost every id at or after
 * last_id, continue with the next key.
 */
static int
seek_range_dup(MDB_cursor *c, const store_iter *it, MDB_val *k, MDB_val *v)
{
	uint64_t last = it->last_id;
	int rc;

	k->mv_size = it->key_len;
	k->mv_data = (void *)it->key;
	if (!it->started)
		return mdb_cursor_get(c, k, v, MDB_SET_RANGE);
	v->mv_size = sizeof(last);
	v->mv_data = &last;
	rc = mdb_cursor_get(c, k, v, MDB_GET_BOTH_RANGE);
	if (rc == 0) {
		if (store_val_u64(v) == it->last_id)
			rc = mdb_cursor_get(c, k, v, MDB_NEXT);
	} else if (rc == MDB_NOTFOUND) {
		k->mv_size = it->key_len;
		k->mv_data = (void *)it->key;
		rc = mdb_cursor_get(c, k, v, MDB_SET_RANGE);
		if (rc == 0 && key_is(k, it->key, it->key_len))
			rc = mdb_cursor_get(c, k, v, MDB_NEXT_NODUP);
	}
	if (rc == 0)
		rc = mdb_cursor_get(c, k, v, MDB_GET_CURRENT);
	return rc;
}

static void
save_key(store_iter *it, const MDB_val *k)
{
	memcpy(it->key, k->mv_data, k->mv_size);
	it->key_len = k->mv_size;
}

static int
step_subtree(store_txn *t, store_iter *it, uint64_t *id)
{
	MDB_cursor *c;
	MDB_val k, v;
	int rc = store_cursor(t, DB_DN, &c);

	if (rc == 0)
		rc = seek_key(c, it, &k, &v);
	if (rc != 0)
		return rc;
	size_t p = it->prefix_len;
	if (!has_prefix(&k, it->key, p) ||
	    (p != 0 && k.mv_size != p && ((const uint8_t *)k.mv_data)[p] != DNKEY_SEP))
		return MDB_NOTFOUND;
	if (v.mv_size != sizeof(uint64_t) || k.mv_size > STORE_KEY_MAX)
		return MDB_CORRUPTED;
	save_key(it, &k);
	*id = store_val_u64(&v);
	return 0;
}

static int
step_dup(store_txn *t, store_iter *it, int db, const void *key, size_t klen, uint64_t *id)
{
	MDB_cursor *c;
	MDB_val v;
	int rc = store_cursor(t, db, &c);

	if (rc == 0)
		rc = seek_dup(c, it, key, klen, &v);
	if (rc != 0)
		return rc;
	if (v.mv_size != sizeof(uint64_t))
		return MDB_CORRUPTED;
	*id = it->last_id = store_val_u64(&v);
	return 0;
}

static int
step_prefix(store_txn *t, store_iter *it, uint64_t *id)
{
	MDB_cursor *c;
	MDB_val k, v;
	int rc = store_cursor(t, DB_EQ, &c);

	if (rc == 0)
		rc = seek_range_dup(c, it, &k, &v);
	if (rc != 0)
		return rc;
	if (!has_prefix(&k, it->key, it->prefix_len))
		return MDB_NOTFOUND;
	if (v.mv_size != sizeof(uint64_t) || k.mv_size > STORE_KEY_MAX)
		return MDB_CORRUPTED;
	save_key(it, &k);
	*id = it->last_id = store_val_u64(&v);
	return 0;
}

static int
step_expired(store_txn *t, store_iter *it, uint64_t *id)
{
	MDB_cursor *c;
	MDB_val k, v;
	int rc = store_cursor(t, DB_EXPIRY, &c);

	if (rc == 0)
		rc = seek_key(c, it, &k, &v);
	if (rc != 0)
		return rc;
	if (k.mv_size != 16)
		return MDB_CORRUPTED;
	if (store_be64(k.mv_data) > it->limit)
		return MDB_NOTFOUND;
	save_key(it, &k);
	*id = store_be64((const uint8_t *)k.mv_data + 8);
	return 0;
}

int
store_iter_next(store_txn *t, store_iter *it, uint64_t *id)
{
	int rc;

	if (it->done)
		return 0;
	switch (it->kind) {
	case STORE_ITER_SUBTREE:
		rc = step_subtree(t, it, id);
		break;
	case STORE_ITER_CHILDREN:
		rc = step_dup(t, it, DB_CHILDREN, &it->base_id, sizeof(it->base_id), id);
		break;
	case STORE_ITER_EQ:
	case STORE_ITER_PRESENT:
		rc = step_dup(t, it, DB_EQ, it->key, it->key_len, id);
		break;
	case STORE_ITER_PREFIX:
		rc = step_prefix(t, it, id);
		break;
	case STORE_ITER_EXPIRED:
		rc = step_expired(t, it, id);
		break;
	default:
		store_set_error("bad iterator kind %d", it->kind);
		return STORE_ERR;
	}
	if (rc == MDB_NOTFOUND) {
		it->done = true;
		return 0;
	}
	if (rc != 0)
		return store_map_err(rc, "iterate");
	it->started = true;
	return 1;
}

/* Number of ids under one key of a duplicate index. */
static uint64_t
count_dups(store_txn *t, int db, const void *key, size_t klen, uint64_t cap)
{
	MDB_cursor *c;
	MDB_val k = { klen, (void *)key }, v;
	size_t n;

	if (store_cursor(t, db, &c) != 0)
		return cap;
	int rc = mdb_cursor_get(c, &k, &v, MDB_SET);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc != 0 || mdb_cursor_count(c, &n) != 0)
		return cap;
	return n < cap ? n : cap;
}

/* Walks a key range from the iterator's start, counting up to cap ids. */
static uint64_t
count_walk(store_txn *t, const store_iter *it, uint64_t cap)
{
	store_iter w = *it;
	uint64_t n = 0, id;
	int rc;

	/* Restart from the beginning: the prefix is the start key. */
	w.started = false;
	w.done = false;
	w.key_len = it->kind == STORE_ITER_EXPIRED ? 0 : it->prefix_len;
	if (it->kind == STORE_ITER_PREFIX) {
		MDB_cursor *c;
		MDB_val k = { w.prefix_len, w.key }, v;
		size_t dups;

		if (store_cursor(t, DB_EQ, &c) != 0)
			return cap;
		rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
		while (rc == 0 && n < cap && has_prefix(&k, w.key, w.prefix_len)) {
			if (mdb_cursor_count(c, &dups) != 0)
				return cap;
			n += dups;
			rc = mdb_cursor_get(c, &k, &v, MDB_NEXT_NODUP);
		}
		return rc == 0 || rc == MDB_NOTFOUND ? (n < cap ? n : cap) : cap;
	}
	for (rc = 1; n < cap && rc == 1; n += (uint64_t)rc)
		rc = store_iter_next(t, &w, &id);
	return rc < 0 ? cap : n;
}

uint64_t
store_iter_estimate(store_txn *t, const store_iter *it, uint64_t cap)
{
	switch (it->kind) {
	case STORE_ITER_CHILDREN:
		return count_dups(t, DB_CHILDREN, &it->base_id, sizeof(it->base_id), cap);
	case STORE_ITER_EQ:
	case STORE_ITER_PRESENT:
		return count_dups(t, DB_EQ, it->key, it->prefix_len, cap);
	case STORE_ITER_SUBTREE:
		if (it->prefix_len == 0) {
			MDB_stat st;
			if (mdb_stat(t->txn, t->s->dbi[DB_DN], &st) != 0)
				return cap;
			return st.ms_entries < cap ? st.ms_entries : cap;
		}
		return count_walk(t, it, cap);
	case STORE_ITER_PREFIX:
	case STORE_ITER_EXPIRED:
		return count_walk(t, it, cap);
	default:
		return cap;
	}
}
