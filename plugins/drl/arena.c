/*
 * arena.c - bump allocators for compiled rules and per-call scratch.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"

#define ARENA_ALIGN	16u
#define ARENA_MIN_CHUNK	(16u * 1024u)
#define ARENA_MAX_CHUNK	(1024u * 1024u)

struct drl_chunk {
	struct drl_chunk	*next;
	size_t			 pad;	/* keeps the payload 16-byte aligned */
};

static size_t
align_up(size_t n)
{
	return (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
}

void
drl_arena_init(struct drl_arena *a, void *buf, size_t len)
{
	uintptr_t p = (uintptr_t)buf, q;

	memset(a, 0, sizeof(*a));
	a->chunk_size = ARENA_MIN_CHUNK;
	if (buf == NULL || len < ARENA_ALIGN)
		return;
	q = (p + ARENA_ALIGN - 1) & ~(uintptr_t)(ARENA_ALIGN - 1);
	a->cur = (char *)q;
	a->end = (char *)buf + len;
}

void
drl_arena_free(struct drl_arena *a)
{
	struct drl_chunk *c, *next;

	for (c = a->chunks; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	memset(a, 0, sizeof(*a));
}

/* Open a heap block big enough for n bytes. */
static int
arena_grow(struct drl_arena *a, size_t n)
{
	size_t size = a->chunk_size ? a->chunk_size : ARENA_MIN_CHUNK;
	struct drl_chunk *c;

	if (n > size - sizeof(*c))
		size = n + sizeof(*c);
	c = malloc(size);
	if (c == NULL)
		return -1;
	c->next = a->chunks;
	a->chunks = c;
	a->cur = (char *)(c + 1);
	a->end = (char *)c + size;
	if (a->chunk_size < ARENA_MAX_CHUNK)
		a->chunk_size *= 2;
	return 0;
}

void *
drl_arena_alloc(struct drl_arena *a, size_t n)
{
	void *p;

	n = align_up(n ? n : 1);
	if (a->cur == NULL || (size_t)(a->end - a->cur) < n) {
		if (arena_grow(a, n) < 0)
			return NULL;
	}
	p = a->cur;
	a->cur += n;
	return p;
}

void *
drl_arena_zalloc(struct drl_arena *a, size_t n)
{
	void *p = drl_arena_alloc(a, n);

	if (p != NULL)
		memset(p, 0, n);
	return p;
}

char *
drl_arena_strndup(struct drl_arena *a, const char *s, size_t n)
{
	char *p = drl_arena_alloc(a, n + 1);

	if (p != NULL) {
		if (n > 0)
			memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

char *
drl_arena_strdup(struct drl_arena *a, const char *s)
{
	return drl_arena_strndup(a, s, strlen(s));
}

void
drl_arena_trim(struct drl_arena *a, void *p, size_t used)
{
	char *q = (char *)p + align_up(used ? used : 1);

	if (q <= a->cur && q >= (char *)p)
		a->cur = q;
}

void
drl_arena_mark(const struct drl_arena *a, struct drl_arena_mark *m)
{
	m->cur = a->cur;
	m->end = a->end;
	m->chunks = a->chunks;
}

void
drl_arena_reset(struct drl_arena *a, const struct drl_arena_mark *m)
{
	struct drl_chunk *c, *next;

	for (c = a->chunks; c != NULL && c != m->chunks; c = next) {
		next = c->next;
		free(c);
	}
	a->chunks = m->chunks;
	a->cur = m->cur;
	a->end = m->end;
}
