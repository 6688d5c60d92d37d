/*
 * test_store_stat.c - store_stat counts entries, and a caller that only
 * wants the count may pass NULL for the bytes (the directory's size limit
 * does; it used to write through the NULL pointer).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/store.h"
#include "test.h"

static char root[512];

static void
remove_store(const char *dir)
{
	char path[700];

	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/lock.mdb", dir);
	unlink(path);
	rmdir(dir);
}

TEST(stat_with_and_without_bytes)
{
	static const char *const indexed[] = { "cn", NULL };
	store_opts o = { .map_size = 8u << 20, .nosync = true, .indexed = indexed };
	char err[256] = "", dir[600];
	uint64_t entries = 99, bytes = 0;
	store *s = NULL;

	snprintf(dir, sizeof(dir), "%s/db", root);
	CHECK(store_open(dir, &o, &s, err, sizeof(err)) == STORE_OK);
	if (s == NULL)
		return;
	CHECK(store_stat(s, &entries, &bytes) == STORE_OK);
	CHECK(entries == 0);
	CHECK(bytes > 0);
	entries = 99;
	CHECK(store_stat(s, &entries, NULL) == STORE_OK);
	CHECK(entries == 0);
	store_close(s);
	remove_store(dir);
}

int
main(void)
{
	const char *base = getenv("ILSD_TEST_TMP");

	if (base == NULL || *base == '\0')
		base = "/tmp";
	mkdir(base, 0700);
	snprintf(root, sizeof(root), "%s/store_stat.XXXXXX", base);
	if (mkdtemp(root) == NULL) {
		perror("mkdtemp");
		return 2;
	}
	RUN(stat_with_and_without_bytes);
	rmdir(root);
	return test_summary();
}
