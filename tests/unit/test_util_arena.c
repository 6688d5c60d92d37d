/*
 * test_util_arena.c - the per-request arena: the cap holds, reset keeps
 * only a chunk of the usual size, calloc overflow is refused.
 */
#include <stdint.h>
#include <string.h>

#include "test.h"
#include "util/arena.h"

TEST(cap_is_hard)
{
	arena a;

	arena_init(&a, 1024, 4096);
	CHECK(arena_alloc(&a, 4096) != NULL);
	CHECK(arena_alloc(&a, 1) == NULL);
	arena_reset(&a);
	CHECK(arena_alloc(&a, 4097) == NULL);
	CHECK(arena_alloc(&a, SIZE_MAX) == NULL);
	CHECK(arena_alloc(&a, SIZE_MAX - 8) == NULL);
	CHECK(arena_calloc(&a, SIZE_MAX / 2, 4) == NULL);
	CHECK(arena_strndup(&a, "x", SIZE_MAX) == NULL);
	arena_free(&a);
}

TEST(reset_reuses_usual_chunk)
{
	arena a;
	char *p, *q;

	arena_init(&a, 1024, 0);
	p = arena_alloc(&a, 100);
	CHECK(p != NULL);
	CHECK(arena_alloc(&a, 5000) != NULL);	/* a second, larger chunk */
	arena_reset(&a);
	q = arena_alloc(&a, 100);
	CHECK(q == p);				/* the first chunk is reused */
	arena_free(&a);
}

/* A connection whose first request needed a big chunk must not keep it for life. */
TEST(reset_drops_oversized_first_chunk)
{
	arena a;
	char *big;

	arena_init(&a, 1024, 0);
	big = arena_alloc(&a, 1 << 20);
	CHECK(big != NULL);
	memset(big, 1, 1 << 20);
	arena_reset(&a);
	CHECK(a.head == NULL);
	CHECK(a.used_total == 0);
	CHECK(arena_alloc(&a, 16) != NULL);	/* usable again, with a usual chunk */
	arena_reset(&a);
	CHECK(a.head != NULL);
	arena_free(&a);
	CHECK(a.head == NULL);
}

TEST(strndup_terminates)
{
	arena a;
	char *s;

	arena_init(&a, 64, 128);
	s = arena_strndup(&a, "abcdef", 3);
	CHECK(s != NULL && strcmp(s, "abc") == 0);
	s = arena_strndup(&a, "", 0);
	CHECK(s != NULL && s[0] == '\0');
	arena_free(&a);
}

int
main(void)
{
	RUN(cap_is_hard);
	RUN(reset_reuses_usual_chunk);
	RUN(reset_drops_oversized_first_chunk);
	RUN(strndup_terminates);
	return test_summary();
}
