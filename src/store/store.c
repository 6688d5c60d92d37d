/*
 * store.c - the LMDB environment: opening, transactions, map growth,
 * statistics and errors.
 *
 * Read transactions are MDB_NOTLS, so any thread may use one (one thread
 * at a time), and they are recycled: an ended read txn is reset and kept
 * with its cursors in a small cache, so the next begin is an
 * mdb_txn_renew() without malloc.  There is one write txn object: LMDB lets
 * only one writer in at a time, and the writer must commit or abort on the
 * thread that began it.
 *
 * Map growth: mdb_env_set_mapsize() unmaps and remaps the file, so it may
 * only run while no txn of this process is active.  The store counts
 * active txns; when a write hits MDB_MAP_FULL (the call fails with
 * STORE_FULL and the txn must be aborted) or a commit leaves the map more
 * than 3/4 full, growth is marked pending and done by whichever txn end
 * brings the count to zero.  While growth is pending, a new txn waits (at
 * most GROW_WAIT_MS, so a thread that itself holds a txn cannot deadlock)
 * for the others to drain, so steady overlapping load cannot postpone the
 * growth for ever.  A write that failed with STORE_FULL can then be retried.
 *
 * Group commit: a thread in batch mode keeps one outer write txn open
 * (from its first write until store_batch_commit()) and runs each of its
 * write txns as an LMDB child of it.  A child's commit folds its changes
 * into the batch, its abort throws away only its own, so a failed request
 * never spoils the others.  The batch pays one commit (one meta page, one
 * copy of the shared branch pages, one fsync in sync mode) for all of them.
 * A read txn begun by that thread while its batch is open reads the batch
 * itself (the outer txn, between two writes), so a request sees what the
 * requests before it wrote; other threads see only committed data.
 */
#include "store/store_int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

#define GROW_WAIT_MS 50

static void check_map_use(store *s);

_Static_assert(sizeof(size_t) == sizeof(uint64_t), "ids are LMDB integer keys (size_t)");

static _Thread_local char last_error[256];

/* This thread's group commit (store_batch_mode). */
static _Thread_local struct {
	store *s;		/* batching on for this store */
	MDB_txn *txn;		/* the outer txn, while a batch is open */
	unsigned pending;	/* writes folded into it */
	uint64_t seq;		/* writes ever folded into a batch by this thread */
	bool child;		/* a write txn of the batch is under way */
	unsigned views;		/* read txns reading the batch itself */
} batch;

void
store_set_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_error, sizeof(last_error), fmt, ap);
	va_end(ap);
}

const char *
store_last_error(void)
{
	return last_error;
}

const char *
store_strerror(int err)
{
	switch (err) {
	case STORE_OK: return "success";
	case STORE_NOTFOUND: return "not found";
	case STORE_EXISTS: return "already exists";
	case STORE_FULL: return "store full";
	case STORE_BUSY: return "too many readers";
	case STORE_CORRUPT: return "store corrupt";
	case STORE_ERR: return "store error";
	case STORE_TOOBIG: return "key or record too big";
	default: return "unknown store error";
	}
}

/* Maps an LMDB or errno code to a store error, noting the details. */
int
store_map_err(int rc, const char *what)
{
	switch (rc) {
	case MDB_SUCCESS: return STORE_OK;
	case MDB_NOTFOUND: return STORE_NOTFOUND;
	case MDB_KEYEXIST: return STORE_EXISTS;
	default: break;
	}
	store_set_error("%s: %s", what, mdb_strerror(rc));
	switch (rc) {
	case MDB_MAP_FULL:
	case ENOSPC:
		return STORE_FULL;
	case MDB_READERS_FULL:
		return STORE_BUSY;
	case MDB_CORRUPTED:
	case MDB_PAGE_NOTFOUND:
	case MDB_INVALID:
	case MDB_VERSION_MISMATCH:
		return STORE_CORRUPT;
	case MDB_BAD_VALSIZE:
		return STORE_TOOBIG;
	default:
		return STORE_ERR;
	}
}

/* mkdir -p: the data directory may be several levels deep. */
static int
make_dirs(const char *dir, char *err, size_t errlen)
{
	char path[4096];
	size_t len = strlen(dir);

	if (len == 0 || len >= sizeof(path)) {
		snprintf(err, errlen, "bad data directory name");
		return -1;
	}
	memcpy(path, dir, len + 1);
	for (size_t i = 1; i <= len; i++) {
		if (path[i] != '/' && path[i] != '\0')
			continue;
		char c = path[i];
		path[i] = '\0';
		if (mkdir(path, 0700) < 0 && errno != EEXIST) {
			snprintf(err, errlen, "mkdir %s: %s", path, strerror(errno));
			return -1;
		}
		path[i] = c;
	}
	return 0;
}

static int
cmp_ikey(const void *a, const void *b)
{
	const store_ikey *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->p, y->p, n);

	return c != 0 ? c : (x->len > y->len) - (x->len < y->len);
}

/* Copies the configured index keys, sorted and without duplicates. */
static int
indexed_init(store *s, const char *const *keys, char *err, size_t errlen)
{
	size_t n = 0, bytes = 0;

	for (; keys != NULL && keys[n] != NULL; n++) {
		size_t len = strlen(keys[n]);
		if (!store_attr_key_ok(keys[n], len)) {
			snprintf(err, errlen, "cannot index attribute \"%s\"", keys[n]);
			return -1;
		}
		bytes += len + 1;
	}
	if (n == 0)
		return 0;
	s->indexed = calloc(n, sizeof(*s->indexed));
	s->indexed_buf = malloc(bytes);
	if (s->indexed == NULL || s->indexed_buf == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	char *p = s->indexed_buf;
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(keys[i]);
		memcpy(p, keys[i], len + 1);
		s->indexed[i] = (store_ikey){ p, len };
		p += len + 1;
	}
	qsort(s->indexed, n, sizeof(*s->indexed), cmp_ikey);
	size_t out = 0;
	for (size_t i = 0; i < n; i++)
		if (out == 0 || cmp_ikey(&s->indexed[out - 1], &s->indexed[i]) != 0)
			s->indexed[out++] = s->indexed[i];
	s->nindexed = out;
	return 0;
}

bool
store_is_indexed(store *s, const char *attr_key, size_t len)
{
	store_ikey k = { attr_key, len };

	return s->nindexed != 0 &&
	    bsearch(&k, s->indexed, s->nindexed, sizeof(k), cmp_ikey) != NULL;
}

static int
meta_get(store_txn *t, const char *name, MDB_val *v)
{
	MDB_val k = { strlen(name), (void *)name };

	return mdb_get(t->txn, t->s->dbi[DB_META], &k, v);
}

static int
meta_put(store_txn *t, const char *name, const void *p, size_t len)
{
	MDB_val k = { strlen(name), (void *)name }, v = { len, (void *)p };

	return mdb_put(t->txn, t->s->dbi[DB_META], &k, &v, 0);
}

/*
 * The set of indexed attributes is recorded in meta so that an index added
 * to (or dropped from) the configuration is rebuilt instead of silently
 * missing the entries written before.
 */
static int
check_indexed(store_txn *t, char *err, size_t errlen)
{
	store *s = t->s;
	size_t len = 0;
	MDB_val v;

	for (size_t i = 0; i < s->nindexed; i++)
		len += s->indexed[i].len + 1;
	char *want = malloc(len + 1);
	if (want == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	char *p = want;
	for (size_t i = 0; i < s->nindexed; i++) {
		memcpy(p, s->indexed[i].p, s->indexed[i].len + 1);
		p += s->indexed[i].len + 1;
	}
	int rc = meta_get(t, "indexed", &v);
	int ret = 0;
	if (rc == 0 && v.mv_size == len && memcmp(v.mv_data, want, len) == 0)
		goto out;
	if (rc != 0 && rc != MDB_NOTFOUND) {
		snprintf(err, errlen, "reading meta: %s", mdb_strerror(rc));
		ret = -1;
		goto out;
	}
	if (store_reindex(t) != STORE_OK || meta_put(t, "indexed", want, len) != 0) {
		snprintf(err, errlen, "rebuilding indexes: %s", store_last_error());
		ret = -1;
	}
out:
	free(want);
	return ret;
}

/* Opens the named databases and checks or writes the format version. */
static int
open_dbs(store *s, char *err, size_t errlen)
{
	static const struct {
		const char *name;
		unsigned flags;
	} dbs[DB_COUNT] = {
		[DB_ID2ENTRY] = { "id2entry", MDB_INTEGERKEY },
		[DB_DN] = { "dn", 0 },
		[DB_CHILDREN] = { "children", MDB_INTEGERKEY | MDB_DUPSORT | MDB_DUPFIXED |
		    MDB_INTEGERDUP },
		[DB_EQ] = { "eq", MDB_DUPSORT | MDB_DUPFIXED | MDB_INTEGERDUP },
		[DB_EXPIRY] = { "expiry", 0 },
		[DB_META] = { "meta", 0 },
	};
	store_txn *t = &s->wtxn;
	int rc = mdb_txn_begin(s->env, NULL, 0, &t->txn);

	if (rc != 0) {
		snprintf(err, errlen, "begin: %s", mdb_strerror(rc));
		return -1;
	}
	t->s = s;
	t->write = true;
	for (int i = 0; i < DB_COUNT && rc == 0; i++)
		rc = mdb_dbi_open(t->txn, dbs[i].name, dbs[i].flags | MDB_CREATE, &s->dbi[i]);
	if (rc != 0) {
		snprintf(err, errlen, "opening databases: %s", mdb_strerror(rc));
		goto fail;
	}

	MDB_val v;
	uint32_t version = STORE_FORMAT_VERSION;
	rc = meta_get(t, "version", &v);
	if (rc == MDB_NOTFOUND) {
		rc = meta_put(t, "version", &version, sizeof(version));
	} else if (rc == 0) {
		uint32_t have = 0;
		if (v.mv_size == sizeof(have))
			memcpy(&have, v.mv_data, sizeof(have));
		if (have != version) {
			snprintf(err, errlen, "store format version %u, expected %u", have, version);
			goto fail;
		}
	}
	if (rc == 0) {
		rc = meta_get(t, "nextid", &v);
		if (rc == 0 && v.mv_size == sizeof(uint64_t))
			s->next_id = store_val_u64(&v);
		else if (rc == MDB_NOTFOUND)
			rc = 0;
	}
	if (rc != 0) {
		snprintf(err, errlen, "reading meta: %s", mdb_strerror(rc));
		goto fail;
	}
	if (s->next_id == 0)
		s->next_id = 1;
	t->next_id = s->next_id;
	if (check_indexed(t, err, errlen) < 0)
		goto fail;
	rc = mdb_txn_commit(t->txn);
	t->txn = NULL;
	memset(t->cur, 0, sizeof(t->cur));
	if (rc != 0) {
		snprintf(err, errlen, "commit: %s", mdb_strerror(rc));
		return -1;
	}
	return 0;
fail:
	mdb_txn_abort(t->txn);
	t->txn = NULL;
	memset(t->cur, 0, sizeof(t->cur));
	return -1;
}

int
store_open(const char *dir, const store_opts *o, store **out, char *err, size_t errlen)
{
	static const store_opts defaults = { 0 };
	store *s;
	int rc;

	*out = NULL;
	if (o == NULL)
		o = &defaults;
	if (make_dirs(dir, err, errlen) < 0)
		return STORE_ERR;
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		snprintf(err, errlen, "out of memory");
		return STORE_ERR;
	}
	pthread_mutex_init(&s->mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->grown, &ca);
	pthread_condattr_destroy(&ca);
	arena_init(&s->wscratch, 16384, 0);
	s->map_size = o->map_size ? o->map_size : (size_t)1 << 30;
	if (indexed_init(s, o->indexed, err, errlen) < 0)
		goto fail;
	if ((rc = mdb_env_create(&s->env)) != 0 ||
	    (rc = mdb_env_set_maxdbs(s->env, DB_COUNT)) != 0 ||
	    (rc = mdb_env_set_maxreaders(s->env, o->max_readers ? o->max_readers : 126)) != 0 ||
	    (rc = mdb_env_set_mapsize(s->env, s->map_size)) != 0 ||
	    (rc = mdb_env_open(s->env, dir, MDB_NOTLS | (o->nosync ? MDB_NOSYNC : 0),
		0600)) != 0) {
		snprintf(err, errlen, "%s: %s", dir, mdb_strerror(rc));
		goto fail;
	}
	if (mdb_env_get_maxkeysize(s->env) < STORE_KEY_MAX) {
		snprintf(err, errlen, "liblmdb key size limit %d is below %d",
		    mdb_env_get_maxkeysize(s->env), STORE_KEY_MAX);
		goto fail;
	}
	/* Free the reader slots of processes that died holding them. */
	int dead;
	(void)mdb_reader_check(s->env, &dead);
	MDB_envinfo info;
	if (mdb_env_info(s->env, &info) == 0)
		s->map_size = info.me_mapsize;
	if (open_dbs(s, err, errlen) < 0)
		goto fail;
	*out = s;
	return STORE_OK;
fail:
	store_close(s);
	return STORE_ERR;
}

static void
txn_free(store_txn *t)
{
	for (int i = 0; i < DB_COUNT; i++)
		if (t->cur[i] != NULL)
			mdb_cursor_close(t->cur[i]);
	if (t->txn != NULL)
		mdb_txn_abort(t->txn);
	free(t);
}

void
store_close(store *s)
{
	if (s == NULL)
		return;
	if (batch.s == s)
		store_batch_mode(s, false);
	for (unsigned i = 0; i < s->nrcache; i++)
		txn_free(s->rcache[i]);
	if (s->env != NULL)
		mdb_env_close(s->env);
	arena_free(&s->wscratch);
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->grown);
	free(s->indexed);
	free(s->indexed_buf);
	free(s);
}

int
store_sync(store *s)
{
	int rc = mdb_env_sync(s->env, 1);

	return rc == 0 ? STORE_OK : store_map_err(rc, "sync");
}

/* Called with s->mu held when no txn is active. */
static void
grow_map_locked(store *s)
{
	size_t want = s->map_size * 2;
	int rc;

	s->grow_pending = false;
	pthread_cond_broadcast(&s->grown);
	rc = mdb_env_set_mapsize(s->env, want);
	if (rc == 0)
		s->map_size = want;
	else
		store_set_error("growing the map to %zu bytes: %s", want, mdb_strerror(rc));
}

void
store_note_map_full(store *s)
{
	pthread_mutex_lock(&s->mu);
	s->grow_pending = true;
	pthread_mutex_unlock(&s->mu);
}

/* Bookkeeping at the end of any txn; keeps a read txn object for reuse. */
static void
txn_ended(store *s, store_txn *rt)
{
	pthread_mutex_lock(&s->mu);
	if (rt != NULL && s->nrcache < STORE_RCACHE) {
		s->rcache[s->nrcache++] = rt;
		rt = NULL;
	}
	if (--s->active == 0 && s->grow_pending)
		grow_map_locked(s);
	pthread_mutex_unlock(&s->mu);
	if (rt != NULL)
		txn_free(rt);
}

static int
begin_read(store *s, store_txn *t)
{
	int rc;

	if (t->txn != NULL) {
		rc = mdb_txn_renew(t->txn);
		if (rc == 0)
			return 0;
		mdb_txn_abort(t->txn);
		t->txn = NULL;
	}
	return mdb_txn_begin(s->env, NULL, MDB_RDONLY, &t->txn);
}

/*
 * Another process grew the map: adopt its size, which is only allowed
 * when this is the only txn of the process.
 */
static bool
adopt_new_map_size(store *s)
{
	bool ok = false;

	pthread_mutex_lock(&s->mu);
	if (s->active == 1 && mdb_env_set_mapsize(s->env, 0) == 0) {
		MDB_envinfo info;
		if (mdb_env_info(s->env, &info) == 0)
			s->map_size = info.me_mapsize;
		ok = true;
	}
	pthread_mutex_unlock(&s->mu);
	return ok;
}

/*
 * Lets the active txns drain so the map can grow.  Bounded: the caller
 * may itself hold a txn, which would otherwise never let the count reach 0.
 */
static void
wait_for_growth_locked(store *s)
{
	struct timespec until;

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_nsec += GROW_WAIT_MS * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	while (s->grow_pending && s->active > 0)
		if (pthread_cond_timedwait(&s->grown, &s->mu, &until) != 0)
			break;
	if (s->grow_pending && s->active == 0)
		grow_map_locked(s);
}

/* Opens this thread's outer batch txn (counted as an active txn). */
static int
batch_open(store *s)
{
	int rc;

	pthread_mutex_lock(&s->mu);
	if (s->grow_pending)
		wait_for_growth_locked(s);
	s->active++;
	pthread_mutex_unlock(&s->mu);
	for (int tries = 0;; tries++) {
		rc = mdb_txn_begin(s->env, NULL, 0, &batch.txn);
		if (rc != MDB_MAP_RESIZED || tries > 0 || !adopt_new_map_size(s))
			break;
	}
	if (rc != 0) {
		batch.txn = NULL;
		txn_ended(s, NULL);
		return store_map_err(rc, "begin");
	}
	batch.pending = 0;
	return STORE_OK;
}

/* A read txn of this thread's open batch: it sees the batch's writes. */
static int
begin_view(store *s, store_txn **out)
{
	store_txn *t = calloc(1, sizeof(*t));

	if (t == NULL) {
		store_set_error("out of memory");
		return STORE_ERR;
	}
	pthread_mutex_lock(&s->mu);
	s->active++;
	pthread_mutex_unlock(&s->mu);
	t->s = s;
	t->txn = batch.txn;
	t->view = true;
	batch.views++;
	*out = t;
	return STORE_OK;
}

int
store_begin(store *s, bool write, store_txn **out)
{
	store_txn *t = NULL;
	bool nested = write && batch.s == s;
	int rc;

	*out = NULL;
	if (nested && batch.views > 0) {
		store_set_error("a write begun while reading the open batch");
		return STORE_ERR;
	}
	if (nested && batch.txn == NULL && (rc = batch_open(s)) != STORE_OK)
		return rc;
	if (!write && batch.s == s && batch.txn != NULL && !batch.child)
		return begin_view(s, out);
	pthread_mutex_lock(&s->mu);
	/* A child cannot wait for growth: its own batch keeps the count above 0. */
	if (s->grow_pending && !nested)
		wait_for_growth_locked(s);
	s->active++;
	if (!write && s->nrcache > 0)
		t = s->rcache[--s->nrcache];
	pthread_mutex_unlock(&s->mu);

	if (!write && t == NULL && (t = calloc(1, sizeof(*t))) == NULL) {
		store_set_error("out of memory");
		txn_ended(s, NULL);
		return STORE_ERR;
	}
	MDB_txn *wtxn = NULL;
	for (int tries = 0;; tries++) {
		if (write)
			rc = mdb_txn_begin(s->env, nested ? batch.txn : NULL, 0, &wtxn);
		else
			rc = begin_read(s, t);
		if (rc != MDB_MAP_RESIZED || tries > 0 || nested || !adopt_new_map_size(s))
			break;
	}
	if (rc != 0) {
		int err = store_map_err(rc, "begin");
		txn_ended(s, t);
		return err;
	}
	if (write) {
		/* Holding LMDB's writer lock now: the write txn object is ours. */
		t = &s->wtxn;
		t->txn = wtxn;
		t->next_id = s->next_id;
		t->failed = false;
		t->nested = nested;
		if (nested)
			batch.child = true;
	}
	t->s = s;
	t->write = write;
	memset(t->cur_live, 0, sizeof(t->cur_live));
	*out = t;
	return STORE_OK;
}

void
store_batch_mode(store *s, bool on)
{
	if (!on && batch.s == s)
		(void)store_batch_commit(s);
	batch.s = on ? s : NULL;
}

int
store_batch_hold(store *s)
{
	if (batch.s != s || batch.txn != NULL)
		return STORE_OK;
	return batch_open(s);
}

bool
store_batch_open(const store *s)
{
	return batch.s == s && batch.txn != NULL;
}

unsigned
store_batch_pending(const store *s)
{
	return batch.s == s && batch.txn != NULL ? batch.pending : 0;
}

uint64_t
store_batch_seq(const store *s)
{
	return batch.s == s ? batch.seq : 0;
}

int
store_batch_commit(store *s)
{
	MDB_txn *txn = batch.txn;
	int rc;

	if (batch.s != s || txn == NULL)
		return STORE_OK;
	if (batch.child || batch.views > 0) {
		store_set_error("batch commit inside one of its transactions");
		return STORE_ERR;
	}
	batch.txn = NULL;
	batch.pending = 0;
	rc = mdb_txn_commit(txn);
	if (rc == 0)
		check_map_use(s);
	else if (rc == MDB_MAP_FULL)
		store_note_map_full(s);
	txn_ended(s, NULL);
	return rc == 0 ? STORE_OK : store_map_err(rc, "commit");
}

/*
 * A cursor on db for this txn.  Read txns keep their cursors across
 * reuse (renewed on first use); a write txn's cursors die with it.
 */
int
store_cursor(store_txn *t, int db, MDB_cursor **out)
{
	int rc;

	if (t->cur[db] != NULL && t->cur_live[db]) {
		*out = t->cur[db];
		return 0;
	}
	if (t->cur[db] != NULL)
		rc = mdb_cursor_renew(t->txn, t->cur[db]);
	else
		rc = mdb_cursor_open(t->txn, t->s->dbi[db], &t->cur[db]);
	if (rc != 0)
		return rc;
	t->cur_live[db] = true;
	*out = t->cur[db];
	return 0;
}

/*
 * Detaches the txn from the shared write txn object.  This must happen
 * before mdb_txn_commit/abort, which release LMDB's writer lock: from
 * then on another thread may begin a write and reuse the object.
 */
static MDB_txn *
write_detach(store_txn *t)
{
	MDB_txn *txn = t->txn;

	/* LMDB frees a write txn's cursors with the txn. */
	memset(t->cur, 0, sizeof(t->cur));
	t->txn = NULL;
	arena_reset(&t->s->wscratch);
	return txn;
}

/* After a commit: grow early rather than fail a write later. */
static void
check_map_use(store *s)
{
	MDB_envinfo info;
	MDB_stat st;

	if (mdb_env_info(s->env, &info) != 0 || mdb_env_stat(s->env, &st) != 0)
		return;
	if ((uint64_t)(info.me_last_pgno + 1) * st.ms_psize > info.me_mapsize / 4 * 3)
		store_note_map_full(s);
}

int
store_commit(store_txn *t)
{
	store *s = t->s;
	int rc;

	if (!t->write) {
		store_abort(t);
		return STORE_OK;
	}
	if (t->failed) {
		store_set_error("commit of a failed transaction");
		store_abort(t);
		return STORE_ERR;
	}
	if (t->next_id != s->next_id &&
	    (rc = meta_put(t, "nextid", &t->next_id, sizeof(t->next_id))) != 0) {
		int err = store_map_err(rc, "commit");
		if (rc == MDB_MAP_FULL)
			store_note_map_full(s);
		store_abort(t);
		return err;
	}
	/* Ids are never reused: if this commit fails they are just skipped. */
	s->next_id = t->next_id;
	bool nested = t->nested;
	if (nested)
		batch.child = false;
	rc = mdb_txn_commit(write_detach(t));
	if (rc == 0 && nested) {
		batch.pending++;
		batch.seq++;
	} else if (rc == 0) {
		check_map_use(s);
	} else if (rc == MDB_MAP_FULL) {
		store_note_map_full(s);
	}
	txn_ended(s, NULL);
	return rc == 0 ? STORE_OK : store_map_err(rc, "commit");
}

void
store_abort(store_txn *t)
{
	if (t == NULL)
		return;
	if (t->write) {
		store *s = t->s;
		if (t->nested)
			batch.child = false;
		mdb_txn_abort(write_detach(t));
		txn_ended(s, NULL);
		return;
	}
	if (t->view) {
		store *s = t->s;
		for (int i = 0; i < DB_COUNT; i++)
			if (t->cur[i] != NULL)
				mdb_cursor_close(t->cur[i]);
		free(t);
		batch.views--;
		txn_ended(s, NULL);
		return;
	}
	mdb_txn_reset(t->txn);
	memset(t->cur_live, 0, sizeof(t->cur_live));
	txn_ended(t->s, t);
}

/* Pages on the free list: they are in the file but not in use. */
static int
free_pages(MDB_txn *txn, uint64_t *out)
{
	MDB_cursor *c;
	MDB_val k, v;
	uint64_t n = 0;
	int rc = mdb_cursor_open(txn, 0, &c);

	if (rc != 0)
		return rc;
	while ((rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) == 0) {
		size_t count;
		if (v.mv_size >= sizeof(count)) {
			memcpy(&count, v.mv_data, sizeof(count));
			n += count;
		}
	}
	mdb_cursor_close(c);
	*out = n;
	return rc == MDB_NOTFOUND ? 0 : rc;
}

int
store_stat(store *s, uint64_t *entries, uint64_t *bytes)
{
	store_txn *t;
	MDB_stat st;
	MDB_envinfo info;
	uint64_t nfree = 0;
	int rc = store_begin(s, false, &t);

	if (rc != STORE_OK)
		return rc;
	rc = mdb_stat(t->txn, s->dbi[DB_ID2ENTRY], &st);
	if (rc == 0) {
		*entries = st.ms_entries;
		rc = bytes != NULL ? mdb_env_info(s->env, &info) : 0;
	}
	if (rc == 0 && bytes != NULL)
		rc = free_pages(t->txn, &nfree);
	if (rc == 0 && bytes != NULL) {
		uint64_t used = (uint64_t)info.me_last_pgno + 1;
		*bytes = (used > nfree ? used - nfree : 0) * st.ms_psize;
	}
	store_abort(t);
	return rc == 0 ? STORE_OK : store_map_err(rc, "stat");
}
