/*
 * store.h - the persistent store of entries (LMDB behind a small API).
 *
 * The interface follows LMDB's shape: open an environment, begin a
 * transaction, get/put/delete entries, iterate a scope or an index, commit.
 * Nothing above this layer includes lmdb.h, so another backend could sit
 * behind the same functions.
 *
 * Keys: entries are found by normalised DN (ndn).  The store keeps these
 * indexes itself, updated inside the same transaction as the entry:
 *   - DN (subtree scope is a prefix range over reversed DNs),
 *   - parent -> children (one-level scope),
 *   - equality indexes on the configured attributes, keyed by
 *     (attribute key, case-folded value); they also serve prefix (initial
 *     substring) lookups.  An index is a candidate source only: callers
 *     still test each candidate against the full filter,
 *   - expiry time (entries with expires != 0), for the TTL sweeper.
 *
 * Iterators are plain data (no LMDB handles inside): a search can stop,
 * end its read transaction, and resume later in a new one, so a slow
 * reader never pins a read transaction or buffers results.
 *
 * A write is durable once store_commit() returns 0 (unless the store was
 * opened with nosync, where the OS flushes and store_sync() forces it).
 */
#ifndef ILSD_STORE_H
#define ILSD_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/entry.h"

enum store_err {
	STORE_OK = 0,
	STORE_NOTFOUND = -1,
	STORE_EXISTS = -2,
	STORE_FULL = -3,	/* map or disk full */
	STORE_BUSY = -4,	/* too many readers */
	STORE_CORRUPT = -5,
	STORE_ERR = -6,		/* anything else; see store_last_error() */
	STORE_TOOBIG = -7,	/* key or record over the backend's limit */
};

typedef struct store store;
typedef struct store_txn store_txn;

typedef struct store_opts {
	size_t map_size;		/* bytes; default 1 GiB (grown on MAP_FULL if possible) */
	bool nosync;			/* commit leaves flushing to the OS */
	unsigned max_readers;		/* default 126 */
	const char *const *indexed;	/* canonical attribute keys to index, NULL-terminated */
} store_opts;

/* Opens (creating if needed) the store in directory dir. */
int store_open(const char *dir, const store_opts *o, store **out, char *err, size_t errlen);
void store_close(store *s);
int store_sync(store *s);
const char *store_strerror(int err);
/* Details of the last STORE_ERR (or other failure) in this thread. */
const char *store_last_error(void);

int store_begin(store *s, bool write, store_txn **out);
int store_commit(store_txn *t);
void store_abort(store_txn *t);

/*
 * Group commit, for one thread.  In batch mode the thread's write txns
 * nest in one outer txn opened at its first write: store_commit() of such
 * a txn returns 0 once its changes are part of the batch (later write
 * txns see them, readers do not yet), and they become durable (or, with
 * nosync, committed) only when store_batch_commit() returns 0.  The
 * caller must not acknowledge a batched write before that.  A read txn the
 * thread begins while its batch is open (and no write txn is) reads the
 * batch, so it sees the batch's writes.  While a batch
 * is open the thread holds the store's writer lock: writes of other
 * threads wait, so batches must be short.  Turning the mode off commits.
 */
void store_batch_mode(store *s, bool on);
/*
 * Opens the batch now (batch mode only): from here until it commits this
 * thread holds the writer lock, so a read-check-write sequence of several
 * txns is not interleaved with any other thread's writes.
 */
int store_batch_hold(store *s);
/* Is a batch open in this thread (held or written to)? */
bool store_batch_open(const store *s);
/* Writes folded into this thread's open batch (0: none open). */
unsigned store_batch_pending(const store *s);
/* Writes this thread ever folded into a batch: tells whether a call wrote. */
uint64_t store_batch_seq(const store *s);
/* Commits this thread's batch, if one is open. */
int store_batch_commit(store *s);

/* Entry count and on-disk bytes in use (for stats and benchmarks); bytes may be NULL. */
int store_stat(store *s, uint64_t *entries, uint64_t *bytes);

/* Looks up an entry by ndn or by id.  Decoded slices live until the txn ends. */
int store_get(store_txn *t, const char *ndn, size_t len, arena *a, entry *out);
int store_get_id(store_txn *t, uint64_t id, arena *a, entry *out);
/* Just the id for an ndn (cheaper than store_get). */
int store_lookup(store_txn *t, const char *ndn, size_t len, uint64_t *id);

enum store_put_mode {
	STORE_PUT_NEW = 0,	/* fails with STORE_EXISTS if the ndn exists */
	STORE_PUT_REPLACE = 1,	/* replaces an existing entry (keeping its id) or adds */
};
/* Writes e (assigning e->id for a new entry). Indexes are updated. */
int store_put(store_txn *t, entry *e, int mode);
/* Deletes by ndn; STORE_NOTFOUND if absent. */
int store_del(store_txn *t, const char *ndn, size_t len);
/* Sets only the expiry of an entry (cheap TTL refresh); STORE_NOTFOUND if absent. */
int store_set_expires(store_txn *t, uint64_t id, uint64_t expires);
/* Does the entry have children? */
int store_has_children(store_txn *t, uint64_t id, bool *out);

enum store_iter_kind {
	STORE_ITER_SUBTREE = 1,	/* base and everything below it */
	STORE_ITER_CHILDREN = 2,	/* direct children of base */
	STORE_ITER_EQ = 3,	/* index: attribute key == folded value */
	STORE_ITER_PREFIX = 4,	/* index: attribute key, folded value starts with */
	STORE_ITER_PRESENT = 5,	/* index: attribute key has any value */
	STORE_ITER_EXPIRED = 6,	/* entries with 0 < expires <= limit, oldest first */
};

#define STORE_ITER_KEYMAX 1024

/* Resumable iterator: plain data, safe to keep across transactions. */
typedef struct store_iter {
	int kind;
	bool started;
	bool done;
	uint64_t base_id;	/* CHILDREN */
	uint64_t limit;		/* EXPIRED: expiry bound (Unix ms) */
	size_t prefix_len;	/* bytes of key[] that every match starts with */
	size_t key_len;		/* position: last key returned (or the start key) */
	uint8_t key[STORE_ITER_KEYMAX];
	uint64_t last_id;	/* position inside duplicate lists */
} store_iter;

/* Subtree from a base ndn ("" for the whole store). */
int store_iter_subtree(store_iter *it, const char *base_ndn, size_t len);
int store_iter_children(store_iter *it, uint64_t parent_id);
/* Index iterators; value is folded by the store (ASCII lowercase, spaces squeezed). */
int store_iter_index(store_iter *it, int kind, const char *attr_key, const void *value,
    size_t len);
int store_iter_expired(store_iter *it, uint64_t now_ms);
/* Next matching id: returns 1 with *id set, 0 at the end, < 0 on error. */
int store_iter_next(store_txn *t, store_iter *it, uint64_t *id);

/* Is this attribute key indexed?  Used to choose an index for a filter. */
bool store_is_indexed(store *s, const char *attr_key, size_t len);
/*
 * Rough count of ids an index iterator would produce (for picking the
 * most selective index), capped at cap.
 */
uint64_t store_iter_estimate(store_txn *t, const store_iter *it, uint64_t cap);

#endif
