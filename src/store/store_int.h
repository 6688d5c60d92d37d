/*
 * store_int.h - private to the store module: the LMDB handles behind
 * store.h, the key encodings, and helpers shared by its files.
 *
 *   store.c        environment, transactions, map growth, stats, errors
 *   store_key.c    DN index keys and folded equality-index keys
 *   store_read.c   get / lookup
 *   store_write.c  put / delete / expiry, index maintenance, re-indexing
 *   store_iter.c   resumable iterators and estimates
 */
#ifndef ILSD_STORE_INT_H
#define ILSD_STORE_INT_H

#include <lmdb.h>
#include <pthread.h>
#include <string.h>

#include "store/store.h"

/* Bump when the meaning of any stored byte changes. */
#define STORE_FORMAT_VERSION 1

/*
 * Largest key this store writes.  It equals LMDB's default compiled-in
 * limit (checked at open); equality-index keys are cut to it, which only
 * widens the candidate set (see store_index_key).
 */
#define STORE_KEY_MAX 511
/* Longest attribute key that can be indexed. */
#define STORE_ATTR_MAX 64

/* Separator of RDNs in DN keys; bytes <= DNKEY_ESC inside an RDN are escaped. */
#define DNKEY_SEP 0x01
#define DNKEY_ESC 0x02

enum store_db {
	DB_ID2ENTRY,	/* u64 id -> record (entry.c) */
	DB_DN,		/* DN key -> u64 id */
	DB_CHILDREN,	/* u64 parent id -> u64 child ids (dups) */
	DB_EQ,		/* attr key 0x00 folded value -> ids; attr key alone -> ids having it */
	DB_EXPIRY,	/* BE u64 expires + BE u64 id -> empty */
	DB_META,	/* "version", "nextid", "indexed" */
	DB_COUNT
};

#define STORE_RCACHE 16

struct store_txn {
	store *s;
	MDB_txn *txn;
	bool write;
	bool failed;		/* a write failed half-way: only abort is allowed */
	bool nested;		/* write: a child of this thread's batch (group commit) */
	bool view;		/* read: reads this thread's open batch (its outer txn) */
	uint64_t next_id;	/* write: next id to hand out */
	MDB_cursor *cur[DB_COUNT];
	bool cur_live[DB_COUNT];	/* cursor bound to the current txn */
};

typedef struct store_ikey {
	const char *p;
	size_t len;
} store_ikey;

struct store {
	MDB_env *env;
	MDB_dbi dbi[DB_COUNT];
	store_ikey *indexed;	/* sorted */
	size_t nindexed;
	char *indexed_buf;
	uint64_t next_id;	/* committed value; only touched under the writer lock */

	pthread_mutex_t mu;	/* guards everything below */
	pthread_cond_t grown;	/* signalled when a pending growth is done */
	unsigned active;	/* txns begun and not ended, in this process */
	bool grow_pending;	/* grow the map when active drops to 0 */
	size_t map_size;
	store_txn *rcache[STORE_RCACHE];	/* reset read txns for reuse */
	unsigned nrcache;

	store_txn wtxn;		/* the one write txn (LMDB serialises writers) */
	arena wscratch;		/* scratch memory of the write txn's current call */
};

/* store.c */
int store_map_err(int rc, const char *what);
void store_set_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int store_cursor(store_txn *t, int db, MDB_cursor **out);
void store_note_map_full(store *s);

/* store_key.c */
long store_dn_key(const char *ndn, size_t len, uint8_t *out, size_t cap);
size_t store_dn_parent_len(const uint8_t *key, size_t len, bool *has_parent);
size_t store_fold(const uint8_t *v, size_t len, uint8_t *out, size_t cap);
long store_index_key(const char *akey, size_t alen, const void *v, size_t vlen, uint8_t *out);
bool store_attr_key_ok(const char *akey, size_t alen);
void store_expiry_key(uint64_t expires, uint64_t id, uint8_t out[16]);
uint64_t store_be64(const uint8_t *p);

/* store_write.c */
int store_reindex(store_txn *t);

static inline uint64_t
store_val_u64(const MDB_val *v)
{
	uint64_t x;

	memcpy(&x, v->mv_data, sizeof(x));
	return x;
}

#endif
