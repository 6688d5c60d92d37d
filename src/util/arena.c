#include "arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct arena_chunk {
	arena_chunk *next;
	size_t size;
	size_t used;
	_Alignas(16) unsigned char data[];
};

void
arena_init(arena *a, size_t chunk_size, size_t cap)
{
	a->head = NULL;
	a->used_total = 0;
	a->cap = cap;
	a->chunk_size = chunk_size ? chunk_size : 4096;
}

void
arena_reset(arena *a)
{
	arena_chunk *c = a->head;

	if (c == NULL)
		return;
	/* Keep the oldest (last in the list) chunk: it is the usual size. */
	while (c->next != NULL) {
		arena_chunk *next = c->next;
		free(c);
		c = next;
	}
	/*
	 * Unless it is larger than usual (the first request was a big one): a
	 * long-lived arena, one per connection, must not keep that for life.
	 */
	if (c->size > a->chunk_size) {
		free(c);
		c = NULL;
	} else {
		c->used = 0;
	}
	a->head = c;
	a->used_total = 0;
}

void
arena_free(arena *a)
{
	arena_chunk *c = a->head;

	while (c != NULL) {
		arena_chunk *next = c->next;
		free(c);
		c = next;
	}
	a->head = NULL;
	a->used_total = 0;
}

void *
arena_alloc(arena *a, size_t n)
{
	arena_chunk *c = a->head;
	size_t need = (n + 15) & ~(size_t)15;

	if (need < n)
		return NULL;
	if (a->cap != 0 && (need > a->cap || a->used_total > a->cap - need))
		return NULL;
	if (c == NULL || c->size - c->used < need) {
		size_t sz = a->chunk_size;
		if (sz < need)
			sz = need;
		c = malloc(sizeof(*c) + sz);
		if (c == NULL)
			return NULL;
		c->size = sz;
		c->used = 0;
		c->next = a->head;
		a->head = c;
	}
	void *p = c->data + c->used;
	c->used += need;
	a->used_total += need;
	return p;
}

void *
arena_calloc(arena *a, size_t count, size_t size)
{
	if (size != 0 && count > SIZE_MAX / size)
		return NULL;
	void *p = arena_alloc(a, count * size);
	if (p != NULL)
		memset(p, 0, count * size);
	return p;
}

char *
arena_strndup(arena *a, const char *s, size_t n)
{
	if (n == SIZE_MAX)
		return NULL;
	char *p = arena_alloc(a, n + 1);
	if (p == NULL)
		return NULL;
	if (n)
		memcpy(p, s, n);
	p[n] = '\0';
	return p;
}
