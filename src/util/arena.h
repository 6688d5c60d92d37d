/*
 * arena.h - bump allocator for per-request memory.
 *
 * A request's decoded structures (filter trees, attribute arrays, value
 * lists) live exactly as long as the request, so they come from one arena
 * that is reset when the request is done.  The first chunk is usually
 * embedded in the connection, so the common request allocates nothing.
 * Every arena has a hard cap: decoding hostile input can never allocate
 * without bound.
 */
#ifndef ILSD_ARENA_H
#define ILSD_ARENA_H

#include <stddef.h>

typedef struct arena_chunk arena_chunk;

typedef struct arena {
	arena_chunk *head;	/* current chunk (most recent) */
	size_t used_total;	/* bytes handed out since last reset */
	size_t cap;		/* hard limit on used_total; 0 = unlimited */
	size_t chunk_size;	/* default size of a new chunk */
} arena;

/* cap == 0 means no limit (only for trusted callers such as tools). */
void arena_init(arena *a, size_t chunk_size, size_t cap);
/* Frees every chunk but the first, which is kept for reuse if it has the usual size. */
void arena_reset(arena *a);
void arena_free(arena *a);
/* 16-byte aligned; returns NULL when the cap would be exceeded or malloc fails. */
void *arena_alloc(arena *a, size_t n);
void *arena_calloc(arena *a, size_t count, size_t size);
/* Copies n bytes and appends a NUL. */
char *arena_strndup(arena *a, const char *s, size_t n);

#endif
