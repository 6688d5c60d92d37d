/*
 * test_store.c - the LMDB store: put/get/delete, every index kept exactly
 * right through replaces and deletes, scopes over escaped DNs, iterators
 * resumed across txns with writes in between, expiry, persistence, map
 * growth, and a 100,000-entry bulk run.
 */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store/store.h"
#include "test.h"

static char tmp_root[512];
static int tmp_seq;

static void
rm_rf(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	char sub[1024];

	if (d == NULL) {
		unlink(path);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
		rm_rf(sub);
	}
	closedir(d);
	rmdir(path);
}

static void
tmp_setup(void)
{
	const char *base = getenv("ILSD_TEST_TMP");
	char path[512];

	if (base == NULL || *base == '\0')
		base = "/tmp";
	snprintf(path, sizeof(path), "%s", base);
	for (char *p = path + 1; *p; p++) {
		if (*p == '/') {
			*p = '\0';
			mkdir(path, 0700);
			*p = '/';
		}
	}
	mkdir(path, 0700);
	snprintf(tmp_root, sizeof(tmp_root), "%s/test_store.XXXXXX", base);
	if (mkdtemp(tmp_root) == NULL) {
		perror("mkdtemp");
		exit(2);
	}
}

static void
tmp_dir(char *out, size_t len)
{
	snprintf(out, len, "%s/db%d", tmp_root, ++tmp_seq);
}

static const char *const default_indexed[] = { "cn", "objectclass", "mail", "sn", NULL };

static store *
open_store(const char *dir, const char *const *indexed, size_t map_size)
{
	store_opts o = { .map_size = map_size, .nosync = true, .indexed = indexed };
	char err[256] = "";
	store *s = NULL;
	int rc = store_open(dir, &o, &s, err, sizeof(err));

	if (rc != STORE_OK)
		fprintf(stderr, "store_open %s: %s\n", dir, err);
	return s;
}

/* Test entries: up to 8 attributes of up to 8 values, strings only. */
typedef struct tentry {
	entry e;
	entry_attr at[8];
	ber_slice v[8][8];
} tentry;

static ber_slice
str(const char *s)
{
	return (ber_slice){ (const uint8_t *)s, strlen(s) };
}

/* te(t, dn, ndn, "key", "Name", "v1", "v2", NULL, "key2", "Name2", ..., NULL, NULL) */
static entry *
te(tentry *t, const char *dn, const char *ndn, ...)
{
	va_list ap;
	const char *key;

	memset(t, 0, sizeof(*t));
	t->e.dn = str(dn);
	t->e.ndn = str(ndn);
	t->e.attrs = t->at;
	va_start(ap, ndn);
	while ((key = va_arg(ap, const char *)) != NULL) {
		entry_attr *at = &t->at[t->e.nattrs];
		at->key = str(key);
		at->name = str(va_arg(ap, const char *));
		at->vals = t->v[t->e.nattrs];
		const char *v;
		while ((v = va_arg(ap, const char *)) != NULL)
			at->vals[at->nvals++] = str(v);
		t->e.nattrs++;
	}
	va_end(ap);
	return &t->e;
}

static int
put1(store *s, entry *e, int mode)
{
	store_txn *t;
	int rc = store_begin(s, true, &t);

	if (rc != STORE_OK)
		return rc;
	rc = store_put(t, e, mode);
	if (rc != STORE_OK) {
		store_abort(t);
		return rc;
	}
	return store_commit(t);
}

static uint64_t
add(store *s, const char *ndn, const char *cn)
{
	tentry t;
	entry *e = te(&t, ndn, ndn, "cn", "cn", cn, NULL, "objectclass", "objectClass", "top",
	    "person", NULL, NULL);
	int rc = put1(s, e, STORE_PUT_NEW);

	if (rc != STORE_OK && rc != STORE_FULL && rc != STORE_EXISTS)
		fprintf(stderr, "add %s: %s\n", ndn, store_strerror(rc));
	return rc == STORE_OK ? e->id : 0;
}

static int
del1(store *s, const char *ndn)
{
	store_txn *t;
	int rc = store_begin(s, true, &t);

	if (rc != STORE_OK)
		return rc;
	rc = store_del(t, ndn, strlen(ndn));
	if (rc != STORE_OK) {
		store_abort(t);
		return rc;
	}
	return store_commit(t);
}

static uint64_t
id_of(store *s, const char *ndn)
{
	store_txn *t;
	uint64_t id = 0;

	if (store_begin(s, false, &t) != STORE_OK)
		return 0;
	if (store_lookup(t, ndn, strlen(ndn), &id) != STORE_OK)
		id = 0;
	store_abort(t);
	return id;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* Runs an iterator to the end in one read txn; returns the count (ids sorted). */
static size_t
collect(store *s, store_iter *it, uint64_t *ids, size_t cap, bool sort)
{
	store_txn *t;
	uint64_t id;
	size_t n = 0;
	int rc;

	if (store_begin(s, false, &t) != STORE_OK)
		return (size_t)-1;
	while ((rc = store_iter_next(t, it, &id)) == 1) {
		if (n < cap)
			ids[n] = id;
		n++;
	}
	store_abort(t);
	if (rc < 0)
		return (size_t)-1;
	if (sort)
		qsort(ids, n < cap ? n : cap, sizeof(*ids), cmp_u64);
	return n;
}

/* Do the ids match exactly (as sets with multiplicity, sorted)? */
static bool
same_ids(uint64_t *got, size_t n, int want_n, ...)
{
	uint64_t want[64];
	va_list ap;

	va_start(ap, want_n);
	for (int i = 0; i < want_n; i++)
		want[i] = va_arg(ap, uint64_t);
	va_end(ap);
	qsort(want, (size_t)want_n, sizeof(*want), cmp_u64);
	if (n != (size_t)want_n) {
		fprintf(stderr, "  got %zu ids, want %d:", n, want_n);
		for (size_t i = 0; i < n && i < 16; i++)
			fprintf(stderr, " %llu", (unsigned long long)got[i]);
		fprintf(stderr, "\n");
		return false;
	}
	return memcmp(got, want, n * sizeof(*got)) == 0;
}

static size_t
eq_ids(store *s, int kind, const char *attr, const char *value, uint64_t *ids)
{
	store_iter it;

	if (store_iter_index(&it, kind, attr, value, value ? strlen(value) : 0) != STORE_OK)
		return (size_t)-1;
	return collect(s, &it, ids, 64, true);
}

static size_t
subtree_ids(store *s, const char *base, uint64_t *ids)
{
	store_iter it;

	if (store_iter_subtree(&it, base, strlen(base)) != STORE_OK)
		return (size_t)-1;
	return collect(s, &it, ids, 64, true);
}

static size_t
children_ids(store *s, uint64_t parent, uint64_t *ids)
{
	store_iter it;

	store_iter_children(&it, parent);
	return collect(s, &it, ids, 64, true);
}

static bool
slice_is(ber_slice s, const char *want)
{
	return s.len == strlen(want) && memcmp(s.p, want, s.len) == 0;
}

TEST(open_creates_directory)
{
	char dir[600];
	store *s;
	uint64_t entries = 99, bytes = 0;

	snprintf(dir, sizeof(dir), "%s/deep/er/dir", tmp_root);
	s = open_store(dir, default_indexed, 0);
	CHECK(s != NULL);
	if (s == NULL)
		return;
	CHECK_EQ_INT(store_stat(s, &entries, &bytes), STORE_OK);
	CHECK_EQ_INT(entries, 0);
	CHECK(bytes > 0);
	CHECK(store_is_indexed(s, "cn", 2));
	CHECK(store_is_indexed(s, "objectclass", 11));
	CHECK(!store_is_indexed(s, "c", 1));
	CHECK(!store_is_indexed(s, "cnx", 3));
	CHECK(!store_is_indexed(s, "telephonenumber", 15));
	CHECK_EQ_INT(store_sync(s), STORE_OK);
	store_close(s);

	/* A key that cannot be indexed is refused. */
	const char *const bad[] = { "cn", "", NULL };
	store_opts o = { .indexed = bad };
	char err[128] = "";
	CHECK(store_open(dir, &o, &s, err, sizeof(err)) != STORE_OK);
	CHECK(s == NULL);
	CHECK(err[0] != '\0');
}

TEST(put_get_del)
{
	char dir[600];
	tentry te1, te2;
	arena a;
	store_txn *t;
	entry got;
	uint64_t id;

	tmp_dir(dir, sizeof(dir));
	store *s = open_store(dir, default_indexed, 0);
	if (s == NULL) {
		CHECK(0);
		return;
	}
	arena_init(&a, 0, 0);
	entry *e = te(&te1, "CN=Alice,O=Test", "cn=alice,o=test", "cn", "CN", "Alice", NULL,
	    "description", "Description", "first", "x", NULL, NULL);
	te1.at[1].vals[1] = (ber_slice){ (const uint8_t *)"\xff\x00second", 8 };
	e->expires = 1234;
	CHECK_EQ_INT(put1(s, e, STORE_PUT_NEW), STORE_OK);
	CHECK(e->id != 0);
	id = e->id;

	CHECK_EQ_INT(store_begin(s, false, &t), STORE_OK);
	CHECK_EQ_INT(store_get(t, "cn=alice,o=test", 15, &a, &got), STORE_OK);
	CHECK_EQ_INT(got.id, id);
	CHECK_EQ_INT(got.parent_id, 0);
	CHECK_EQ_INT(got.expires, 1234);
	CHECK(slice_is(got.dn, "CN=Alice,O=Test"));
	CHECK(slice_is(got.ndn, "cn=alice,o=test"));
	CHECK_EQ_INT(got.nattrs, 2);
	entry_attr *d = entry_find(&got, "description", 11);
	CHECK(d != NULL && d->nvals == 2 && slice_is(d->name, "Description"));
	if (d != NULL && d->nvals == 2)
		CHECK(d->vals[1].len == 8 && memcmp(d->vals[1].p, "\xff\x00second", 8) == 0);
	CHECK_EQ_INT(store_get_id(t, id, &a, &got), STORE_OK);
	CHECK(slice_is(got.ndn, "cn=alice,o=test"));
	CHECK_EQ_INT(store_get(t, "cn=bob,o=test", 13, &a, &got), STORE_NOTFOUND);
	CHECK_EQ_INT(store_get(t, "", 0, &a, &got), STORE_NOTFOUND);
	CHECK_EQ_INT(store_get_id(t, id + 100, &a, &got), STORE_NOTFOUND);
	/* A read txn refuses writes. */
	CHECK_EQ_INT(store_put(t, e, STORE_PUT_REPLACE), STORE_ERR);
	store_abort(t);

	/* NEW on an existing ndn. */
	entry *e2 = te(&te2, "cn=alice,o=test", "cn=alice,o=test", "cn", "cn", "alice2", NULL,
	    NULL);
	CHECK_EQ_INT(put1(s, e2, STORE_PUT_NEW), STORE_EXISTS);
	/* REPLACE keeps the id. */
	CHECK_EQ_INT(put1(s, e2, STORE_PUT_REPLACE), STORE_OK);
	CHECK_EQ_INT(e2->id, id);
	CHECK_EQ_INT(store_begin(s, false, &t), STORE_OK);
	CHECK_EQ_INT(store_get(t, "cn=alice,o=test", 15, &a, &got), STORE_OK);
	CHECK_EQ_INT(got.nattrs, 1);
	CHECK_EQ_INT(got.expires, 0);
	CHECK(slice_is(got.dn, "cn=alice,o=test"));
	store_abort(t);
	/* REPLACE of a missing entry adds it. */
	entry *e3 = te(&te2, "cn=carol,o=test", "cn=carol,o=test", NULL);
	CHECK_EQ_INT(put1(s, e3, STORE_PUT_REPLACE), STORE_OK);
	CHECK(e3->id > id);

	uint64_t entries, bytes;
	CHECK_EQ_INT(store_stat(s, &entries, &bytes), STORE_OK);
	CHECK_EQ_INT(entries, 2);

	CHECK_EQ_INT(del1(s, "cn=alice,o=test"), STORE_OK);
	CHECK_EQ_INT(del1(s, "cn=alice,o=test"), STORE_NOTFOUND);
	CHECK_EQ_INT(id_of(s, "cn=alice,o=test"), 0);
	CHECK_EQ_INT(store_begin(s, false, &t), STORE_OK);
	CHECK_EQ_INT(store_get_id(t, id, &a, &got), STORE_NOTFOUND);
	store_abort(t);
	CHECK_EQ_INT(store_stat(s, &entries, &bytes), STORE_OK);
	CHECK_EQ_INT(entries, 1);

	/* An empty DN cannot be stored; an aborted put leaves nothing. */
	entry *e4 = te(&te2, "", "", NULL);
	CHECK_EQ_INT(put1(s, e4, STORE_PUT_NEW), STORE_ERR);
	CHECK(store_last_error()[0] != '\0');
	entry *e5 = te(&te2, "cn=dave,o=test", "cn=dave,o=test", "cn", "cn", "dave", NULL, NULL);
	CHECK_EQ_INT(store_begin(s, true, &t), STORE_OK);
	CHECK_EQ_INT(store_put(t, e5, STORE_PUT_NEW), STORE_OK);
	store_abort(t);
	CHECK_EQ_INT(id_of(s, "cn=dave,o=test"), 0);
	uint64_t ids[64];
	CHECK_EQ_INT(eq_ids(s, STORE_ITER_EQ, "cn", "dave", ids), 0);

	arena_free(&a);
	store_close(s);
}

TEST(index_consistency)
{
	char dir[600];
	tentry tt;
	uint64_t ids[64];
	size_t n;

	tmp_dir(dir, sizeof(dir));
	store *s = open_store(dir, default_indexed, 0);
	if (s == NULL) {
		CHECK(0);
		return;
	}
	entry *e = te(&tt, "cn=a", "cn=a", "cn", "CN", "  Alice   Smith ", "AL", NULL,
	    "objectclass", "objectClass", "top", "person", NULL, "mail", "mail",
	    "alice@example.com", NULL, "telephonenumber", "telephoneNumber", "123", NULL, NULL);
	CHECK_EQ_INT(put1(s, e, STORE_PUT_NEW), STORE_OK);
	uint64_t a = e->id;
	e = te(&tt, "cn=b", "cn=b", "cn", "cn", "alice smith", "Bob", NULL, "objectclass",
	    "objectclass", "top", NULL, NULL);
	CHECK_EQ_INT(put1(s, e, STORE_PUT_NEW), STORE_OK);
	uint64_t b = e->id;
	e = te(&tt, "cn=c", "cn=c", "sn", "sn", "x", NULL, NULL);
	CHECK_EQ_INT(put1(s, e, STORE_PUT_NEW), STORE_OK);
	uint64_t c = e->id;

	/* Folding: case, leading/trailing spaces, inner runs of spaces. */
	n = eq_ids(s, STORE_ITER_EQ, "cn", "ALICE SMITH", ids);
	CHECK(same_ids(ids, n, 2, a, b));
	n = eq_ids(s, STORE_ITER_EQ, "cn", " alice    smith", ids);
	CHECK(same_ids(ids, n, 2, a, b));
	n = eq_ids(s, STORE_ITER_EQ, "cn", "alicesmith", ids);
	CHECK(same_ids(ids, n, 0));
	n = eq_ids(s, STORE_ITER_EQ, "cn", "bob", ids);
	CHECK(same_ids(ids, n, 1, b));
	n = eq_ids(s, STORE_ITER_EQ, "objectclass", "TOP", ids);
	CHECK(same_ids(ids, n, 2, a, b));
	n = eq_ids(s, STORE_ITER_EQ, "objectclass", "person", ids);
	CHECK(same_ids(ids, n, 1, a));
	/* Unindexed attributes have no index entries. */
	n = eq_ids(s, STORE_ITER_EQ, "telephonenumber", "123", ids);
	CHECK(same_ids(ids, n, 0));
	/* PREFIX: an entry comes back once per matching value. */
	n = eq_ids(s, STORE_ITER_PREFIX, "cn", "al", ids);
	CHECK(same_ids(ids, n, 3, a, a, b));
	n = eq_ids(s, STORE_ITER_PREFIX, "cn", "ALICE S", ids);
	CHECK(same_ids(ids, n, 2, a, b));
	n = eq_ids(s, STORE_ITER_PREFIX, "cn", "", ids);
	CHECK(same_ids(ids, n, 4, a, a, b, b));
	n = eq_ids(s, STORE_ITER_PREFIX, "c", "", ids);
	CHECK(same_ids(ids, n, 0));
	/* PRESENT: exact, once per entry. */
	n = eq_ids(s, STORE_ITER_PRESENT, "cn", NULL, ids);
	CHECK(same_ids(ids, n, 2, a, b));
	n = eq_ids(s, STORE_ITER_PRESENT, "objectclass", NULL, ids);
	CHECK(same_ids(ids, n, 2, a, b));
	n = eq_ids(s, STORE_ITER_PRESENT, "sn", NULL, ids);
	CHECK(same_ids(ids, n, 1, c));
	n = eq_ids(s, STORE_ITER_PRESENT, "mail", NULL, ids);
	CHECK(same_ids(ids, n, 1, a));

	/* Replace a: drop "AL" and mail, keep the rest, add sn. */
	e = te(&tt, "cn=a", "cn=a", "cn", "CN", "alice smith", NULL, "objectclass", "objectClass",
	    "top", "person", NULL, "sn", "sn", "X", NULL, NULL);
	CHECK_EQ_INT(put1(s, e, STORE_PUT_REPLACE), STORE_OK);
	n = eq_ids(s, STORE_ITER_EQ, "cn", "al", ids);
	CHECK(same_ids(ids, n, 0));
	n = eq_ids(s, STORE_ITER_EQ, "cn", "alice smith", ids);
	CHECK(same_ids(ids, n, 2, a, b));
	n = eq_ids(s, STORE_ITER_PRESENT, "mail", NULL, ids);
	CHECK(same_ids(ids, n, 0));
	n = eq_ids(s, STORE_ITER_EQ, "mail", "alice@example.com", ids);
	CHECK(same_ids(ids, n, 0));
	n = eq_ids(s, STORE_ITER_EQ, "sn", "x", ids);
	CHECK(same_ids(ids, n, 2, a, c));
	n = eq_ids(s, STORE_ITER_PREFIX, "cn", "al", ids);
	CHECK(same_ids(ids, n, 2, a, b));

	/* Estimates. */
	store_txn *t;
	store_iter it;
	CHECK_EQ_INT(store_begin(s, false, &t), STORE_OK);
	store_iter_index(&it, STORE_ITER_EQ, "cn", "alice smith", 11);
	CHECK_EQ_INT(store_iter_estimate(t, &it, 100), 2);
	CHECK_EQ_INT(store_iter_estimate(t, &it, 1), 1);
	store_iter_index(&it, STORE_ITER_PRESENT, "sn", NULL, 0);
	CHECK_EQ_INT(store_iter_estimate(t, &it, 100), 2);
	store_iter_index(&it, STORE_ITER_PREFIX, "cn", "", 0);
	CHECK_EQ_INT(store_iter_estimate(t, &it, 100), 3);
	store_iter_index(&it, STORE_ITER_EQ, "cn", "nobody", 6);
	CHECK_EQ_INT(store_iter_estimate(t, &it, 100), 0);
	store_iter_subtree(&it, "", 0);
	CHECK_EQ_INT(store_iter_estimate(t, &it, 100), 3);
	store_abort(t);

	/* Delete b: every index forgets it. */
	CHECK_EQ_INT(del1(s, "cn=b"), STORE_OK);
	n = eq_ids(s, STORE_ITER_EQ, "cn", "alice smith", ids);
	CHECK(same_ids(ids, n, 1, a));
	n = eq_ids(s, STORE_ITER_EQ, "cn", "bob", ids);
	CHECK(same_ids(ids, n, 0));
	n = eq_ids(s, STORE_ITER_PRESENT, "objectclass", NULL, ids);
	CHECK(same_ids(ids, n, 1, a));
	n = eq_ids(s, STORE_ITER_PREFIX, "objectclass", "", ids);
	CHECK(same_ids(ids, n, 2, a, a));
	CHECK_EQ_INT(del1(s, "cn=a"), STORE_OK);
	CHECK_EQ_INT(del1(s, "cn=c"), STORE_OK);
	n = eq_ids(s, STORE_ITER_PREFIX, "", "", ids);
	CHECK(n == (size_t)-1);
	const char *attrs[] = { "cn", "objectclass", "sn", "mail" };
	for (int i = 0; i < 4; i++) {
		n = eq_ids(s, STORE_ITER_PREFIX, attrs[i], "", ids);
		CHECK(same_ids(ids, n, 0));
		n = eq_ids(s, STORE_ITER_PRESENT, attrs[i], NULL, ids);
		CHECK(same_ids(ids, n, 0));
	}
	store_close(s);
}

/* Long values are cut in the index key; lookups still find them. */
TEST(long_values_and_dns)
{
	char dir[600];
	tentry tt;
	uint64_t ids[64];
	static char big1[3000], big2[3000], longdn[700];

	memset(big1, 'q', sizeof(big1) - 1);
	memcpy(big2, big1, sizeof(big2));
	big2[2990] = 'z';
	tmp_dir(dir, sizeof(dir));
	store *s = open_store(dir, default_indexed, 0);
	if (s == NULL) {
		CHECK(0);
		return;
	}
	entry *e = te(&tt, "cn=l1", "cn=l1", "cn", "cn", big1, NULL, NULL);
	CHECK_EQ_INT(put1(s, e, STORE_PUT_NEW), STORE_OK);
	uint64_t l1 = e->id;
	e = te(&tt, "cn=l2", "cn=l2", "cn", "cn", big2, NULL, NULL);
	CHECK_EQ_INT(put1(s, e, STORE_PUT_NEW), STORE_OK);
	uint64_t l2 = e->id;
	/* Both share the cut key: candidates, not answers. */
	size_t n = eq_ids(s, STORE_ITER_EQ, "cn", big1, ids);
	CHECK(same_ids(ids, n, 2, l1, l2));
	n = eq_ids(s, STORE_ITER_PREFIX, "cn", big2, ids);
	CHECK(same_ids(ids, n, 2, l1, l2));
	CHECK_EQ_INT(del1(s, "cn=l1"), STORE_OK);
	n = eq_ids(s, STORE_ITER_EQ, "cn", big1, ids);
	CHECK(same_ids(ids, n, 1, l2));

	/* A DN over the key limit. */
	memset(longdn, 'a', sizeof(longdn) - 1);
	memcpy(longdn, "cn=", 3);
	e = te(&tt, longdn, longdn, NULL);
	CHECK_EQ_INT(put1(s, e, STORE_PUT_NEW), STORE_TOOBIG);
	store_iter it;
	CHECK_EQ_INT(store_iter_subtree(&it, longdn, strlen(longdn)), STORE_TOOBIG);
	CHECK_EQ_INT(del1(s, longdn), STORE_TOOBIG);
	/* A large record goes to overflow pages. */
	static char huge[200000];
	memset(huge, 'h', sizeof(huge) - 1);
	e = te(&tt, "cn=huge", "cn=huge", "jpegphoto", "jpegPhoto", huge, NULL, NULL);
	CHECK_EQ_INT(put1(s, e, STORE_PUT_NEW), STORE_OK);
	store_txn *t;
	arena a;
	entry got;
	arena_init(&a, 0, 0);
	CHECK_EQ_INT(store_begin(s, false, &t), STORE_OK);
	CHECK_EQ_INT(store_get(t, "cn=huge", 7, &a, &got), STORE_OK);
	CHECK(got.nattrs == 1 && got.attrs[0].vals[0].len == sizeof(huge) - 1);
	store_abort(t);
	arena_free(&a);
	store_close(s);
}

TEST(scopes_escaped_dns)
{
	char dir[600];
	uint64_t ids[64];
	size_t n;

	tmp_dir(dir, sizeof(dir));
	store *s = open_store(dir, default_indexed, 0);
	if (s == NULL) {
		CHECK(0);
		return;
	}
	uint64_t x = add(s, "ou=x", "x");
	uint64_t ab = add(s, "cn=a\\,b,ou=x", "a,b");
	uint64_t c_ab = add(s, "cn=c,cn=a\\,b,ou=x", "c");
	uint64_t a = add(s, "cn=a,ou=x", "a");
	uint64_t ab2 = add(s, "cn=a\\,b2,ou=x", "a,b2");
	uint64_t ctl = add(s, "cn=a\x01z,ou=x", "ctl");
	uint64_t ctl2 = add(s, "cn=a\x02,ou=x", "ctl2");
	uint64_t d_a = add(s, "cn=d,cn=a,ou=x", "d");
	uint64_t bs = add(s, "cn=a\\\\,ou=x", "backslash");
	uint64_t y = add(s, "ou=y", "y");
	uint64_t xx = add(s, "ou=xx", "xx");
	uint64_t xo = add(s, "ou=x,o=org", "xo");
	CHECK(x && ab && c_ab && a && ab2 && ctl && ctl2 && d_a && bs && y && xx && xo);

	n = subtree_ids(s, "cn=a\\,b,ou=x", ids);
	CHECK(same_ids(ids, n, 2, ab, c_ab));
	n = subtree_ids(s, "cn=a,ou=x", ids);
	CHECK(same_ids(ids, n, 2, a, d_a));
	n = subtree_ids(s, "cn=a\\\\,ou=x", ids);
	CHECK(same_ids(ids, n, 1, bs));
	n = subtree_ids(s, "ou=x", ids);
	CHECK(same_ids(ids, n, 9, x, ab, c_ab, a, ab2, ctl, ctl2, d_a, bs));
	n = subtree_ids(s, "ou=xx", ids);
	CHECK(same_ids(ids, n, 1, xx));
	n = subtree_ids(s, "o=org", ids);
	CHECK(same_ids(ids, n, 1, xo));
	n = subtree_ids(s, "ou=nothing", ids);
	CHECK(same_ids(ids, n, 0));
	n = subtree_ids(s, "", ids);
	CHECK_EQ_INT(n, 12);

	/* Parents: "cn=a\,b" is a child of ou=x, not of "b,ou=x". */
	n = children_ids(s, x, ids);
	CHECK(same_ids(ids, n, 6, ab, a, ab2, ctl, ctl2, bs));
	n = children_ids(s, ab, ids);
	CHECK(same_ids(ids, n, 1, c_ab));
	n = children_ids(s, c_ab, ids);
	CHECK(same_ids(ids, n, 0));
	n = children_ids(s, 0, ids);
	CHECK(same_ids(ids, n, 0));

	store_txn *t;
	arena ar;
	entry got;
	bool has;
	arena_init(&ar, 0, 0);
	CHECK_EQ_INT(store_begin(s, false, &t), STORE_OK);
	CHECK_EQ_INT(store_get(t, "cn=c,cn=a\\,b,ou=x", 17, &ar, &got), STORE_OK);
	CHECK_EQ_INT(got.parent_id, ab);
	CHECK_EQ_INT(store_get(t, "ou=x,o=org", 10, &ar, &got), STORE_OK);
	CHECK_EQ_INT(got.parent_id, 0);
	CHECK_EQ_INT(store_has_children(t, x, &has), STORE_OK);
	CHECK(has);
	CHECK_EQ_INT(store_has_children(t, c_ab, &has), STORE_OK);
	CHECK(!has);
	store_iter it;
	store_iter_children(&it, x);
	CHECK_EQ_INT(store_iter_estimate(t, &it, 100), 6);
	store_iter_subtree(&it, "ou=x", 4);
	CHECK_EQ_INT(store_iter_estimate(t, &it, 100), 9);
	CHECK_EQ_INT(store_iter_estimate(t, &it, 4), 4);
	store_abort(t);
	arena_free(&ar);
	store_close(s);
}

/* Entries added below a missing parent are linked when it appears. */
TEST(orphans)
{
	char dir[600];
	uint64_t ids[64];
	size_t n;
	store_txn *t;
	arena ar;
	entry got;
	bool has;

	tmp_dir(dir, sizeof(dir));
	store *s = open_store(dir, default_indexed, 0);
	if (s == NULL) {
		CHECK(0);
		return;
	}
	arena_init(&ar, 0, 0);
	uint64_t u1 = add(s, "cn=u1,ou=ils,o=x", "u1");
	uint64_t u1a = add(s, "cn=a,cn=u1,ou=ils,o=x", "u1a");
	uint64_t deep = add(s, "cn=d,cn=gap,ou=ils,o=x", "deep");
	uint64_t u2 = add(s, "cn=u2,ou=ils,o=x", "u2");
	CHECK_EQ_INT(add(s, "cn=u2,ou=ils,o=x", "again"), 0);
	CHECK(u1 && u1a && deep && u2);
	n = children_ids(s, u1, ids);
	CHECK(same_ids(ids, n, 1, u1a));

	uint64_t ils = add(s, "ou=ils,o=x", "ils");
	n = children_ids(s, ils, ids);
	CHECK(same_ids(ids, n, 2, u1, u2));
	CHECK_EQ_INT(store_begin(s, false, &t), STORE_OK);
	CHECK_EQ_INT(store_get_id(t, u2, &ar, &got), STORE_OK);
	CHECK_EQ_INT(got.parent_id, ils);
	CHECK_EQ_INT(store_get_id(t, deep, &ar, &got), STORE_OK);
	CHECK_EQ_INT(got.parent_id, 0);
	CHECK_EQ_INT(store_get_id(t, ils, &ar, &got), STORE_OK);
	CHECK_EQ_INT(got.parent_id, 0);
	store_abort(t);

	uint64_t o = add(s, "o=x", "x");
	n = children_ids(s, o, ids);
	CHECK(same_ids(ids, n, 1, ils));

	/* Deleting a parent leaves its children without one. */
	CHECK_EQ_INT(del1(s, "ou=ils,o=x"), STORE_OK);
	n = children_ids(s, ils, ids);
	CHECK(same_ids(ids, n, 0));
	n = children_ids(s, o, ids);
	CHECK(same_ids(ids, n, 0));
	CHECK_EQ_INT(store_begin(s, false, &t), STORE_OK);
	CHECK_EQ_INT(store_get_id(t, u1, &ar, &got), STORE_OK);
	CHECK_EQ_INT(got.parent_id, 0);
	CHECK_EQ_INT(store_has_children(t, ils, &has), STORE_OK);
	CHECK(!has);
	CHECK_EQ_INT(store_has_children(t, o, &has), STORE_OK);
	CHECK(!has);
	store_abort(t);
	/* And a new one (new id) adopts them again. */
	uint64_t ils2 = add(s, "ou=ils,o=x", "ils");
	CHECK(ils2 > ils);
	n = children_ids(s, ils2, ids);
	CHECK(same_ids(ids, n, 2, u1, u2));
	n = children_ids(s, o, ids);
	CHECK(same_ids(ids, n, 1, ils2));
	arena_free(&ar);
	store_close(s);
}

/*
 * Steps an iterator one id per read txn, with writes between steps:
 * entries present from start to end must each come back exactly once.
 */
TEST(resume_across_txns)
{
	char dir[600], ndn[64], cn[32];
	store_txn *t;
	store_iter it;
	uint64_t id;
	static uint64_t stable[400], seen_ids[4000];
	size_t nstable = 0, nseen = 0;

	tmp_dir(dir, sizeof(dir));
	store *s = open_store(dir, default_indexed, 0);
	if (s == NULL) {
		CHECK(0);
		return;
	}
	uint64_t base = add(s, "ou=r", "r");
	for (int i = 0; i < 200; i += 2) {
		snprintf(ndn, sizeof(ndn), "cn=e%03d,ou=r", i);
		snprintf(cn, sizeof(cn), "same %d", i % 3);
		stable[nstable++] = add(s, ndn, "same");
	}
	for (int i = 1; i < 200; i += 2) {
		snprintf(ndn, sizeof(ndn), "cn=e%03d,ou=r", i);
		add(s, ndn, "same");	/* deleted along the way */
	}

	for (int kind = 0; kind < 4; kind++) {
		nseen = 0;
		if (kind == 0)
			store_iter_subtree(&it, "ou=r", 4);
		else if (kind == 1)
			store_iter_children(&it, base);
		else if (kind == 2)
			store_iter_index(&it, STORE_ITER_EQ, "cn", "same", 4);
		else
			store_iter_index(&it, STORE_ITER_PREFIX, "cn", "sa", 2);
		int step = 0, rc;
		for (;;) {
			CHECK_EQ_INT(store_begin(s, false, &t), STORE_OK);
			rc = store_iter_next(t, &it, &id);
			store_abort(t);
			if (rc != 1)
				break;
			if (nseen < 4000)
				seen_ids[nseen++] = id;
			/* Between steps: delete an odd entry, add a new one. */
			snprintf(ndn, sizeof(ndn), "cn=e%03d,ou=r", 1 + 2 * ((step * 37) % 100));
			del1(s, ndn);
			if (step < 150) {
				snprintf(ndn, sizeof(ndn), "cn=n%d-%04d,ou=r", kind, step);
				add(s, ndn, step % 2 ? "same" : "samf");
				snprintf(ndn, sizeof(ndn), "cn=a%d-%04d,ou=r", kind, step);
				add(s, ndn, "same");
			}
			step++;
			if (step > 3000)
				break;
		}
		CHECK_EQ_INT(rc, 0);
		qsort(seen_ids, nseen, sizeof(*seen_ids), cmp_u64);
		int dups = 0, missing = 0;
		for (size_t i = 1; i < nseen; i++)
			if (seen_ids[i] == seen_ids[i - 1])
				dups++;
		for (size_t i = 0; i < nstable; i++)
			if (bsearch(&stable[i], seen_ids, nseen, sizeof(*seen_ids), cmp_u64) == NULL)
				missing++;
		if (dups || missing)
			fprintf(stderr, "  kind %d: %d duplicates, %d missing of %zu\n", kind, dups,
			    missing, nstable);
		CHECK_EQ_INT(dups, 0);
		CHECK_EQ_INT(missing, 0);
		/* Re-add the odd entries for the next kind. */
		for (int i = 1; i < 200; i += 2) {
			snprintf(ndn, sizeof(ndn), "cn=e%03d,ou=r", i);
			if (id_of(s, ndn) == 0)
				add(s, ndn, "same");
		}
	}
	/* A finished iterator stays finished. */
	CHECK_EQ_INT(store_begin(s, false, &t), STORE_OK);
	CHECK_EQ_INT(store_iter_next(t, &it, &id), 0);
	store_abort(t);

	/* Deleting the very entry the iterator stands on. */
	store_iter_subtree(&it, "ou=r", 4);
	CHECK_EQ_INT(store_begin(s, false, &t), STORE_OK);
	CHECK_EQ_INT(store_iter_next(t, &it, &id), 1);
	CHECK_EQ_INT(store_iter_next(t, &it, &id), 1);
	store_abort(t);
	uint64_t second = id;
	arena ar;
	entry got;
	arena_init(&ar, 0, 0);
	CHECK_EQ_INT(store_begin(s, false, &t), STORE_OK);
	CHECK_EQ_INT(store_get_id(t, second, &ar, &got), STORE_OK);
	char gone[64];
	snprintf(gone, sizeof(gone), "%.*s", (int)got.ndn.len, (const char *)got.ndn.p);
	store_abort(t);
	CHECK_EQ_INT(del1(s, gone), STORE_OK);
	CHECK_EQ_INT(store_begin(s, false, &t), STORE_OK);
	CHECK_EQ_INT(store_iter_next(t, &it, &id), 1);
	CHECK(id != second);
	store_abort(t);
	arena_free(&ar);
	store_close(s);
}

/* EQ iteration resumes inside one duplicate list whose members change. */
TEST(resume_dup_list)
{
	char dir[600], ndn[64];
	store_txn *t;
	store_iter it;
	uint64_t id, prev = 0;
	int n = 0, rc;

	tmp_dir(dir, sizeof(dir));
	store *s = open_store(dir, default_indexed, 0);
	if (s == NULL) {
		CHECK(0);
		return;
	}
	for (int i = 0; i < 50; i++) {
		snprintf(ndn, sizeof(ndn), "cn=d%02d", i);
		add(s, ndn, "dup");
	}
	store_iter_index(&it, STORE_ITER_EQ, "cn", "dup", 3);
	for (;;) {
		CHECK_EQ_INT(store_begin(s, false, &t), STORE_OK);
		rc = store_iter_next(t, &it, &id);
		store_abort(t);
		if (rc != 1)
			break;
		CHECK(id > prev);	/* ids ascend within one key */
		prev = id;
		n++;
		/* Delete the entry just returned and the next one. */
		snprintf(ndn, sizeof(ndn), "cn=d%02d", (int)(id - 1));
		CHECK_EQ_INT(del1(s, ndn), STORE_OK);
		snprintf(ndn, sizeof(ndn), "cn=d%02d", (int)id);
		del1(s, ndn);
	}
	CHECK_EQ_INT(rc, 0);
	CHECK_EQ_INT(n, 25);

	/* PREFIX resuming when the current key lost all its ids. */
	add(s, "cn=p1", "pa");
	add(s, "cn=p2", "pa");
	uint64_t pb = add(s, "cn=p3", "pb");
	store_iter_index(&it, STORE_ITER_PREFIX, "cn", "p", 1);
	CHECK_EQ_INT(store_begin(s, false, &t), STORE_OK);
	CHECK_EQ_INT(store_iter_next(t, &it, &id), 1);
	store_abort(t);
	CHECK_EQ_INT(del1(s, "cn=p1"), STORE_OK);
	CHECK_EQ_INT(del1(s, "cn=p2"), STORE_OK);
	CHECK_EQ_INT(store_begin(s, false, &t), STORE_OK);
	CHECK_EQ_INT(store_iter_next(t, &it, &id), 1);
	CHECK_EQ_INT(id, pb);
	CHECK_EQ_INT(store_iter_next(t, &it, &id), 0);
	store_abort(t);
	store_close(s);
}

TEST(expiry)
{
	char dir[600];
	tentry tt;
	store_txn *t;
	store_iter it;
	uint64_t ids[64], id;
	size_t n;
	arena ar;
	entry got;

	tmp_dir(dir, sizeof(dir));
	store *s = open_store(dir, default_indexed, 0);
	if (s == NULL) {
		CHECK(0);
		return;
	}
	arena_init(&ar, 0, 0);
	const char *names[] = { "cn=t300", "cn=t100", "cn=t200", "cn=t0", "cn=t100b" };
	uint64_t exp[] = { 300, 100, 200, 0, 100 }, id_[5];
	for (int i = 0; i < 5; i++) {
		entry *e = te(&tt, names[i], names[i], "cn", "cn", "x", NULL, NULL);
		e->expires = exp[i];
		CHECK_EQ_INT(put1(s, e, STORE_PUT_NEW), STORE_OK);
		id_[i] = e->id;
	}
	store_iter_expired(&it, 250);
	n = collect(s, &it, ids, 64, false);
	CHECK(n == 3 && ids[0] == id_[1] && ids[1] == id_[4] && ids[2] == id_[2]);
	store_iter_expired(&it, 99);
	n = collect(s, &it, ids, 64, false);
	CHECK_EQ_INT(n, 0);
	store_iter_expired(&it, UINT64_MAX);
	CHECK_EQ_INT(store_begin(s, false, &t), STORE_OK);
	CHECK_EQ_INT(store_iter_estimate(t, &it, 100), 4);
	store_abort(t);

	/* Refresh t300 to 50: now first.  Clear t100. */
	CHECK_EQ_INT(store_begin(s, true, &t), STORE_OK);
	CHECK_EQ_INT(store_set_expires(t, id_[0], 50), STORE_OK);
	CHECK_EQ_INT(store_set_expires(t, id_[1], 0), STORE_OK);
	CHECK_EQ_INT(store_set_expires(t, id_[2], 200), STORE_OK);
	CHECK_EQ_INT(store_set_expires(t, 9999, 5), STORE_NOTFOUND);
	CHECK_EQ_INT(store_commit(t), STORE_OK);
	store_iter_expired(&it, 250);
	n = collect(s, &it, ids, 64, false);
	CHECK(n == 3 && ids[0] == id_[0] && ids[1] == id_[4] && ids[2] == id_[2]);
	CHECK_EQ_INT(store_begin(s, false, &t), STORE_OK);
	CHECK_EQ_INT(store_get_id(t, id_[0], &ar, &got), STORE_OK);
	CHECK_EQ_INT(got.expires, 50);
	CHECK(got.nattrs == 1 && slice_is(got.dn, "cn=t300"));
	CHECK_EQ_INT(store_get_id(t, id_[1], &ar, &got), STORE_OK);
	CHECK_EQ_INT(got.expires, 0);
	store_abort(t);

	/* Sweeper pattern: delete what the iterator returns, step by step. */
	store_iter_expired(&it, 1000);
	int swept = 0, rc;
	for (;;) {
		CHECK_EQ_INT(store_begin(s, false, &t), STORE_OK);
		rc = store_iter_next(t, &it, &id);
		if (rc == 1) {
			CHECK_EQ_INT(store_get_id(t, id, &ar, &got), STORE_OK);
			char ndn[32];
			snprintf(ndn, sizeof(ndn), "%.*s", (int)got.ndn.len, (const char *)got.ndn.p);
			store_abort(t);
			CHECK_EQ_INT(del1(s, ndn), STORE_OK);
			swept++;
			continue;
		}
		store_abort(t);
		break;
	}
	CHECK_EQ_INT(swept, 3);
	store_iter_expired(&it, UINT64_MAX);
	n = collect(s, &it, ids, 64, false);
	CHECK_EQ_INT(n, 0);
	/* Replacing an entry moves its expiry key. */
	entry *e = te(&tt, "cn=t0", "cn=t0", NULL);
	e->expires = 10;
	CHECK_EQ_INT(put1(s, e, STORE_PUT_REPLACE), STORE_OK);
	store_iter_expired(&it, 10);
	n = collect(s, &it, ids, 64, false);
	CHECK(n == 1 && ids[0] == id_[3]);
	arena_free(&ar);
	store_close(s);
}

TEST(persistence_and_reindex)
{
	char dir[600];
	tentry tt;
	uint64_t ids[64];
	size_t n;
	const char *const only_cn[] = { "cn", NULL };
	const char *const cn_sn[] = { "sn", "cn", "cn", NULL };

	tmp_dir(dir, sizeof(dir));
	store *s = open_store(dir, only_cn, 0);
	if (s == NULL) {
		CHECK(0);
		return;
	}
	entry *e = te(&tt, "cn=p", "cn=p", "cn", "cn", "pp", NULL, "sn", "sn", "ss", NULL, NULL);
	CHECK_EQ_INT(put1(s, e, STORE_PUT_NEW), STORE_OK);
	uint64_t p = e->id;
	uint64_t q = add(s, "cn=q", "qq");
	CHECK(!store_is_indexed(s, "sn", 2));
	n = eq_ids(s, STORE_ITER_EQ, "sn", "ss", ids);
	CHECK(same_ids(ids, n, 0));
	CHECK_EQ_INT(del1(s, "cn=q"), STORE_OK);
	store_close(s);

	/* Reopen with sn indexed too: the index is rebuilt. */
	s = open_store(dir, cn_sn, 0);
	if (s == NULL) {
		CHECK(0);
		return;
	}
	CHECK(store_is_indexed(s, "sn", 2));
	CHECK_EQ_INT(id_of(s, "cn=p"), p);
	n = eq_ids(s, STORE_ITER_EQ, "sn", "ss", ids);
	CHECK(same_ids(ids, n, 1, p));
	n = eq_ids(s, STORE_ITER_EQ, "cn", "pp", ids);
	CHECK(same_ids(ids, n, 1, p));
	/* Ids are never reused, even the deleted highest one. */
	uint64_t r = add(s, "cn=r", "rr");
	CHECK(r > q);
	store_close(s);

	/* And without cn: its keys are gone. */
	s = open_store(dir, (const char *const[]){ "sn", NULL }, 0);
	if (s == NULL) {
		CHECK(0);
		return;
	}
	n = eq_ids(s, STORE_ITER_PRESENT, "cn", NULL, ids);
	CHECK(same_ids(ids, n, 0));
	n = eq_ids(s, STORE_ITER_PRESENT, "sn", NULL, ids);
	CHECK(same_ids(ids, n, 1, p));
	CHECK_EQ_INT(id_of(s, "cn=r"), r);
	store_close(s);
}

/* A small map fills up; the failed write can be retried after growth. */
TEST(map_growth)
{
	char dir[600], ndn[64], val[1200];
	int full = 0, failed = 0;

	tmp_dir(dir, sizeof(dir));
	store *s = open_store(dir, default_indexed, 256 * 1024);
	if (s == NULL) {
		CHECK(0);
		return;
	}
	memset(val, 'v', sizeof(val) - 1);
	val[sizeof(val) - 1] = '\0';
	for (int i = 0; i < 3000; i++) {
		tentry tt;
		snprintf(ndn, sizeof(ndn), "cn=g%05d", i);
		entry *e = te(&tt, ndn, ndn, "cn", "cn", ndn, NULL, "description", "description",
		    val, NULL, NULL);
		int rc = put1(s, e, STORE_PUT_NEW);
		if (rc == STORE_FULL) {
			full++;
			rc = put1(s, e, STORE_PUT_NEW);
		}
		if (rc != STORE_OK)
			failed++;
	}
	CHECK_EQ_INT(failed, 0);
	uint64_t entries, bytes;
	CHECK_EQ_INT(store_stat(s, &entries, &bytes), STORE_OK);
	CHECK_EQ_INT(entries, 3000);
	CHECK(bytes > 3000 * 1200);
	printf("map growth: %d writes hit a full map, %llu bytes in use\n", full,
	    (unsigned long long)bytes);

	/* A txn bigger than the map: on STORE_FULL redo it all. */
	int tries = 0, rc;
	do {
		store_txn *t;
		rc = store_begin(s, true, &t);
		CHECK_EQ_INT(rc, STORE_OK);
		for (int i = 0; i < 3000 && rc == STORE_OK; i++) {
			tentry tt;
			snprintf(ndn, sizeof(ndn), "cn=h%05d", i);
			entry *e = te(&tt, ndn, ndn, "description", "description", val, val, val,
			    NULL, NULL);
			rc = store_put(t, e, STORE_PUT_NEW);
		}
		if (rc == STORE_OK) {
			rc = store_commit(t);
		} else {
			/* The failed txn refuses further writes and commit. */
			tentry tt;
			entry *e = te(&tt, "cn=z", "cn=z", NULL);
			CHECK_EQ_INT(store_put(t, e, STORE_PUT_NEW), STORE_ERR);
			store_abort(t);
		}
	} while (rc == STORE_FULL && ++tries < 10);
	CHECK_EQ_INT(rc, STORE_OK);
	printf("map growth: the 3000-put txn was tried %d times\n", tries + 1);
	CHECK(tries > 0);
	CHECK_EQ_INT(store_stat(s, &entries, &bytes), STORE_OK);
	CHECK_EQ_INT(entries, 6000);
	store_close(s);
}

/* Readers on another thread while a writer runs (sanitizer fodder). */
typedef struct reader_arg {
	store *s;
	_Atomic int stop;
	long reads;
	long writes;
	int errors;
} reader_arg;

static void *
reader(void *p)
{
	reader_arg *ra = p;
	arena a;
	entry e;

	arena_init(&a, 0, 0);
	while (!ra->stop) {
		store_txn *t;
		store_iter it;
		uint64_t id;
		if (store_begin(ra->s, false, &t) != STORE_OK) {
			ra->errors++;
			continue;
		}
		store_iter_subtree(&it, "ou=m", 4);
		int k = 0, rc;
		while (k < 50 && (rc = store_iter_next(t, &it, &id)) == 1) {
			if (store_get_id(t, id, &a, &e) != STORE_OK)
				ra->errors++;
			k++;
		}
		if (rc < 0)
			ra->errors++;
		store_abort(t);
		arena_reset(&a);
		ra->reads++;
		/* A second writer thread: TTL refreshes. */
		if (ra->reads % 8 == 0 && store_begin(ra->s, true, &t) == STORE_OK) {
			rc = store_set_expires(t, 1 + (uint64_t)ra->reads % 500,
			    1000 + (uint64_t)ra->reads);
			if (rc == STORE_OK || rc == STORE_NOTFOUND)
				rc = store_commit(t);
			else
				store_abort(t);
			if (rc != STORE_OK && rc != STORE_NOTFOUND && rc != STORE_FULL)
				ra->errors++;
			ra->writes++;
		}
	}
	arena_free(&a);
	return NULL;
}

TEST(threads)
{
	char dir[600], ndn[64];
	pthread_t th;
	reader_arg ra = { 0 };

	tmp_dir(dir, sizeof(dir));
	store *s = open_store(dir, default_indexed, 64 * 1024);
	if (s == NULL) {
		CHECK(0);
		return;
	}
	ra.s = s;
	add(s, "ou=m", "m");
	pthread_create(&th, NULL, reader, &ra);
	int failed = 0;
	for (int i = 0; i < 2000; i++) {
		snprintf(ndn, sizeof(ndn), "cn=m%d,ou=m", i);
		/* After STORE_FULL the map grows once no txn is active: retry. */
		int tries = 0;
		while (add(s, ndn, "m") == 0 && ++tries < 3)
			;
		if (tries == 3)
			failed++;
		if (i % 3 == 0) {
			snprintf(ndn, sizeof(ndn), "cn=m%d,ou=m", i / 2);
			del1(s, ndn);
		}
	}
	ra.stop = 1;
	pthread_join(th, NULL);
	CHECK_EQ_INT(failed, 0);
	CHECK_EQ_INT(ra.errors, 0);
	CHECK(ra.reads > 0);
	CHECK(ra.writes > 0);
	store_close(s);
}

/* ---- group commit ---- */

typedef struct batch_peer {
	store *s;
	const char *ndn;
	atomic_int state;	/* 0 start, 1 began write, 2 done */
	uint64_t seen;		/* id the peer's read found (0: none) */
	int rc;
} batch_peer;

static void *
peer_read(void *p)
{
	batch_peer *bp = p;

	bp->seen = id_of(bp->s, bp->ndn);
	return NULL;
}

static void *
peer_write(void *p)
{
	batch_peer *bp = p;

	atomic_store(&bp->state, 1);
	bp->rc = add(bp->s, bp->ndn, "peer") != 0 ? STORE_OK : STORE_ERR;
	atomic_store(&bp->state, 2);
	return NULL;
}

TEST(group_commit)
{
	char dir[600];
	pthread_t th;
	batch_peer bp = { 0 };
	store_txn *t;

	tmp_dir(dir, sizeof(dir));
	store *s = open_store(dir, default_indexed, 0);
	if (s == NULL) {
		CHECK(0);
		return;
	}
	add(s, "ou=b", "b");
	store_batch_mode(s, true);
	CHECK(!store_batch_open(s));
	uint64_t seq0 = store_batch_seq(s);
	CHECK(add(s, "cn=b1,ou=b", "b1") != 0);
	CHECK(add(s, "cn=b2,ou=b", "b2") != 0);
	/* A write that fails is thrown away alone. */
	CHECK(add(s, "cn=b1,ou=b", "again") == 0);
	CHECK(store_batch_open(s));
	CHECK_EQ_INT(store_batch_pending(s), 2);
	CHECK(store_batch_seq(s) == seq0 + 2);
	/* This thread reads its batch; another thread sees only committed data. */
	CHECK(id_of(s, "cn=b2,ou=b") != 0);
	bp.s = s;
	bp.ndn = "cn=b2,ou=b";
	pthread_create(&th, NULL, peer_read, &bp);
	pthread_join(th, NULL);
	CHECK(bp.seen == 0);
	/* No write while a read of the batch is open. */
	CHECK_EQ_INT(store_begin(s, false, &t), STORE_OK);
	store_txn *w = NULL;
	CHECK_EQ_INT(store_begin(s, true, &w), STORE_ERR);
	CHECK_EQ_INT(store_batch_commit(s), STORE_ERR);
	store_abort(t);
	/* Another thread's write waits for the batch to commit. */
	bp.ndn = "cn=p1,ou=b";
	pthread_create(&th, NULL, peer_write, &bp);
	while (atomic_load(&bp.state) == 0)
		usleep(1000);
	usleep(50000);
	CHECK_EQ_INT(atomic_load(&bp.state), 1);
	CHECK_EQ_INT(store_batch_commit(s), STORE_OK);
	pthread_join(th, NULL);
	CHECK_EQ_INT(bp.rc, STORE_OK);
	CHECK(!store_batch_open(s));
	CHECK_EQ_INT(store_batch_pending(s), 0);
	bp.ndn = "cn=b2,ou=b";
	pthread_create(&th, NULL, peer_read, &bp);
	pthread_join(th, NULL);
	CHECK(bp.seen != 0);
	/* A held batch with no write commits as a no-op. */
	CHECK_EQ_INT(store_batch_hold(s), STORE_OK);
	CHECK(store_batch_open(s));
	CHECK(id_of(s, "cn=p1,ou=b") != 0);
	CHECK_EQ_INT(store_batch_commit(s), STORE_OK);
	/* Turning the mode off commits what is open. */
	CHECK(add(s, "cn=b3,ou=b", "b3") != 0);
	store_batch_mode(s, false);
	bp.ndn = "cn=b3,ou=b";
	pthread_create(&th, NULL, peer_read, &bp);
	pthread_join(th, NULL);
	CHECK(bp.seen != 0);
	store_close(s);
	/* Everything committed is there after reopening. */
	s = open_store(dir, default_indexed, 0);
	CHECK(s != NULL && id_of(s, "cn=b1,ou=b") != 0 && id_of(s, "cn=b3,ou=b") != 0 &&
	    id_of(s, "cn=p1,ou=b") != 0);
	store_close(s);
}

/* A full map inside a batch: the write fails alone, the batch commits, the map grows. */
TEST(group_commit_map_growth)
{
	char dir[600], ndn[64];
	int added = 0;

	tmp_dir(dir, sizeof(dir));
	store *s = open_store(dir, default_indexed, 64 * 1024);
	if (s == NULL) {
		CHECK(0);
		return;
	}
	add(s, "ou=g", "g");
	store_batch_mode(s, true);
	for (int i = 0; i < 3000; i++) {
		snprintf(ndn, sizeof(ndn), "cn=g%d,ou=g", i);
		int tries = 0;
		while (add(s, ndn, "g") == 0 && ++tries < 3)
			CHECK_EQ_INT(store_batch_commit(s), STORE_OK);
		if (tries < 3)
			added++;
		if (store_batch_pending(s) >= 25)
			CHECK_EQ_INT(store_batch_commit(s), STORE_OK);
	}
	CHECK_EQ_INT(store_batch_commit(s), STORE_OK);
	store_batch_mode(s, false);
	CHECK_EQ_INT(added, 3000);
	uint64_t n = 0;
	CHECK_EQ_INT(store_stat(s, &n, NULL), STORE_OK);
	CHECK(n == 3001);
	store_close(s);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

TEST(bulk_100k)
{
	enum { N = 100000, BATCH = 1000 };
	char dir[600], ndn[96], cn[32], mail[48];
	store_txn *t;
	arena a;
	entry got;
	double t0, dt;
	int rc = STORE_OK;

	tmp_dir(dir, sizeof(dir));
	store *s = open_store(dir, default_indexed, 0);
	if (s == NULL) {
		CHECK(0);
		return;
	}
	arena_init(&a, 0, 0);
	CHECK(add(s, "o=bulk", "bulk") != 0);
	CHECK(add(s, "ou=people,o=bulk", "people") != 0);

	t0 = now_s();
	for (int i = 0; i < N && rc == STORE_OK; i += BATCH) {
		rc = store_begin(s, true, &t);
		for (int j = i; j < i + BATCH && rc == STORE_OK; j++) {
			tentry tt;
			snprintf(ndn, sizeof(ndn), "cn=user%06d@host%d,ou=people,o=bulk", j, j % 97);
			snprintf(cn, sizeof(cn), "user%06d", j);
			snprintf(mail, sizeof(mail), "user%06d@example.com", j);
			entry *e = te(&tt, ndn, ndn, "cn", "cn", cn, NULL, "objectclass",
			    "objectClass", "top", "RTPerson", NULL, "mail", "mail", mail, NULL,
			    "sappid", "sappid", "ms-netmeeting", NULL, "ipaddress", "sipaddress",
			    "16777343", NULL, NULL);
			e->expires = 1000000 + (uint64_t)j;
			rc = store_put(t, e, STORE_PUT_NEW);
		}
		if (rc == STORE_OK)
			rc = store_commit(t);
		else
			store_abort(t);
	}
	CHECK_EQ_INT(rc, STORE_OK);
	dt = now_s() - t0;
	printf("bulk: %d puts in txns of %d: %.2fs, %.0f puts/s\n", N, BATCH, dt, N / dt);

	/* Subtree over everything. */
	t0 = now_s();
	store_iter it;
	uint64_t id, n = 0;
	store_iter_subtree(&it, "ou=people,o=bulk", 16);
	CHECK_EQ_INT(store_begin(s, false, &t), STORE_OK);
	while ((rc = store_iter_next(t, &it, &id)) == 1) {
		n++;
		if (n % 1000 == 0) {	/* resume in a new txn now and then */
			store_abort(t);
			store_begin(s, false, &t);
		}
	}
	store_abort(t);
	dt = now_s() - t0;
	CHECK_EQ_INT(rc, 0);
	CHECK_EQ_INT(n, N + 1);
	printf("bulk: subtree of %llu ids: %.3fs, %.0f ids/s\n", (unsigned long long)n, dt,
	    (double)n / dt);

	store_iter_children(&it, id_of(s, "ou=people,o=bulk"));
	n = collect(s, &it, NULL, 0, false);
	CHECK_EQ_INT(n, N);

	/* EQ lookups, each in its own read txn, then a get. */
	int wrong = 0;
	uint32_t x = 12345;
	t0 = now_s();
	for (int i = 0; i < 20000; i++) {
		x = x * 1103515245 + 12345;
		int j = (int)((x >> 8) % N);
		snprintf(mail, sizeof(mail), "USER%06d@example.com", j);
		store_iter_index(&it, STORE_ITER_EQ, "mail", mail, strlen(mail));
		store_begin(s, false, &t);
		int k = 0;
		while (store_iter_next(t, &it, &id) == 1) {
			k++;
			if (store_get_id(t, id, &a, &got) != STORE_OK || got.attrs[2].nvals != 1 ||
			    got.attrs[2].vals[0].len != 22 ||
			    memcmp(got.attrs[2].vals[0].p + 4, mail + 4, 6) != 0)
				wrong++;
		}
		store_abort(t);
		arena_reset(&a);
		if (k != 1)
			wrong++;
	}
	dt = now_s() - t0;
	CHECK_EQ_INT(wrong, 0);
	printf("bulk: 20000 EQ lookups + get, one read txn each: %.3fs, %.0f/s\n", dt, 20000 / dt);

	/* Gets by ndn. */
	t0 = now_s();
	wrong = 0;
	for (int i = 0; i < 50000; i++) {
		int j = (i * 7919) % N;
		snprintf(ndn, sizeof(ndn), "cn=user%06d@host%d,ou=people,o=bulk", j, j % 97);
		store_begin(s, false, &t);
		if (store_get(t, ndn, strlen(ndn), &a, &got) != STORE_OK || got.nattrs != 5)
			wrong++;
		store_abort(t);
		arena_reset(&a);
	}
	dt = now_s() - t0;
	CHECK_EQ_INT(wrong, 0);
	printf("bulk: 50000 gets by ndn, one read txn each: %.3fs, %.0f/s\n", dt, 50000 / dt);

	/* Write txns of one TTL refresh each (nosync). */
	t0 = now_s();
	for (int i = 0; i < 10000; i++) {
		store_begin(s, true, &t);
		if (store_set_expires(t, 3 + (uint64_t)i * 7, 5000000 + (uint64_t)i) != STORE_OK)
			wrong++;
		store_commit(t);
	}
	dt = now_s() - t0;
	CHECK_EQ_INT(wrong, 0);
	printf("bulk: 10000 single-refresh write txns (nosync): %.3fs, %.0f/s\n", dt, 10000 / dt);

	/* Single-replace write txns (modify of one attribute). */
	t0 = now_s();
	for (int i = 0; i < 10000; i++) {
		tentry tt;
		int j = (i * 31) % N;
		snprintf(ndn, sizeof(ndn), "cn=user%06d@host%d,ou=people,o=bulk", j, j % 97);
		snprintf(cn, sizeof(cn), "user%06d", j);
		snprintf(mail, sizeof(mail), "user%06d@example.com", j);
		entry *e = te(&tt, ndn, ndn, "cn", "cn", cn, NULL, "objectclass", "objectClass",
		    "top", "RTPerson", NULL, "mail", "mail", mail, NULL, "sappid", "sappid",
		    "ms-netmeeting", NULL, "ipaddress", "sipaddress", i % 2 ? "1" : "2", NULL,
		    NULL);
		e->expires = 7;
		if (put1(s, e, STORE_PUT_REPLACE) != STORE_OK)
			wrong++;
	}
	dt = now_s() - t0;
	CHECK_EQ_INT(wrong, 0);
	printf("bulk: 10000 single-replace write txns (nosync): %.3fs, %.0f/s\n", dt, 10000 / dt);

	/* The expiry index holds every entry, in order. */
	store_iter_expired(&it, UINT64_MAX);
	CHECK_EQ_INT(collect(s, &it, NULL, 0, false), N);
	store_iter_index(&it, STORE_ITER_PRESENT, "objectclass", NULL, 0);
	CHECK_EQ_INT(store_begin(s, false, &t), STORE_OK);
	CHECK_EQ_INT(store_iter_estimate(t, &it, UINT64_MAX), N + 2);
	store_iter_index(&it, STORE_ITER_PREFIX, "cn", "user0001", 8);
	CHECK_EQ_INT(store_iter_estimate(t, &it, UINT64_MAX), 100);
	CHECK_EQ_INT(store_iter_estimate(t, &it, 10), 10);
	store_abort(t);

	uint64_t entries, bytes;
	CHECK_EQ_INT(store_stat(s, &entries, &bytes), STORE_OK);
	CHECK_EQ_INT(entries, N + 2);
	printf("bulk: %llu entries, %.1f MB in use\n", (unsigned long long)entries, bytes / 1e6);
	arena_free(&a);
	store_close(s);
}

int
main(void)
{
	tmp_setup();
	RUN(open_creates_directory);
	RUN(put_get_del);
	RUN(index_consistency);
	RUN(long_values_and_dns);
	RUN(scopes_escaped_dns);
	RUN(orphans);
	RUN(resume_across_txns);
	RUN(resume_dup_list);
	RUN(expiry);
	RUN(persistence_and_reindex);
	RUN(map_growth);
	RUN(threads);
	RUN(group_commit);
	RUN(group_commit_map_growth);
	RUN(bulk_100k);
	rm_rf(tmp_root);
	return test_summary();
}
