/*
 * store_read.c - point reads: an entry by ndn or id, an ndn's id.
 *
 * A get is two B-tree lookups (DN key -> id, id -> record) and a decode
 * whose slices point into LMDB's map: nothing is copied and nothing is
 * malloc'd, the small arrays come from the caller's arena.  In a read txn
 * the slices stay valid until the txn ends; in a write txn only until the
 * next write in it.
 */
#include "store/store_int.h"

int
store_lookup(store_txn *t, const char *ndn, size_t len, uint64_t *id)
{
	uint8_t kbuf[STORE_KEY_MAX];
	long klen = store_dn_key(ndn, len, kbuf, sizeof(kbuf));
	MDB_val k, v;
	int rc;

	if (klen <= 0)
		return klen == 0 ? STORE_NOTFOUND : STORE_TOOBIG;
	k.mv_size = (size_t)klen;
	k.mv_data = kbuf;
	rc = mdb_get(t->txn, t->s->dbi[DB_DN], &k, &v);
	if (rc != 0)
		return store_map_err(rc, "dn lookup");
	if (v.mv_size != sizeof(uint64_t)) {
		store_set_error("dn index: bad value size %zu", v.mv_size);
		return STORE_CORRUPT;
	}
	*id = store_val_u64(&v);
	return STORE_OK;
}

int
store_get_id(store_txn *t, uint64_t id, arena *a, entry *out)
{
	MDB_val k = { sizeof(id), &id }, v;
	int rc = mdb_get(t->txn, t->s->dbi[DB_ID2ENTRY], &k, &v);

	if (rc != 0)
		return store_map_err(rc, "get");
	rc = entry_decode(v.mv_data, v.mv_size, a, out);
	if (rc == -2) {
		store_set_error("entry %llu: arena exhausted", (unsigned long long)id);
		return STORE_ERR;
	}
	if (rc != 0) {
		store_set_error("entry %llu: corrupt record", (unsigned long long)id);
		return STORE_CORRUPT;
	}
	out->id = id;
	return STORE_OK;
}

int
store_get(store_txn *t, const char *ndn, size_t len, arena *a, entry *out)
{
	uint64_t id;
	int rc = store_lookup(t, ndn, len, &id);

	return rc != STORE_OK ? rc : store_get_id(t, id, a, out);
}

int
store_has_children(store_txn *t, uint64_t id, bool *out)
{
	MDB_val k = { sizeof(id), &id }, v;
	int rc = mdb_get(t->txn, t->s->dbi[DB_CHILDREN], &k, &v);

	if (rc != 0 && rc != MDB_NOTFOUND)
		return store_map_err(rc, "children");
	*out = rc == 0;
	return STORE_OK;
}
