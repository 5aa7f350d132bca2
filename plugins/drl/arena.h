/*
 * arena.h - bump allocators: one per instance for the compiled rules (freed
 * all at once by destroy) and one per evaluate() call for scratch values.
 */
#ifndef DRL_ARENA_H
#define DRL_ARENA_H

#include <stddef.h>

struct drl_chunk;

/*
 * An arena hands out memory that is only ever freed as a whole.  A scratch
 * arena starts in a caller-provided buffer (on the stack), so evaluating
 * an event allocates nothing from the heap unless that buffer overflows.
 */
struct drl_arena {
	char		*cur;		/* next free byte in the current block */
	char		*end;		/* end of the current block */
	struct drl_chunk *chunks;	/* heap blocks, newest first */
	size_t		 chunk_size;	/* size of the next heap block */
};

/* A mark remembers a position so that temporary values can be dropped. */
struct drl_arena_mark {
	char		*cur;
	char		*end;
	struct drl_chunk *chunks;
};

void	 drl_arena_init(struct drl_arena *a, void *buf, size_t len);
void	 drl_arena_free(struct drl_arena *a);
/* 16-byte aligned, never NULL unless malloc fails. */
void	*drl_arena_alloc(struct drl_arena *a, size_t n);
void	*drl_arena_zalloc(struct drl_arena *a, size_t n);
char	*drl_arena_strndup(struct drl_arena *a, const char *s, size_t n);
char	*drl_arena_strdup(struct drl_arena *a, const char *s);
/* p was the last allocation: keep only its first used bytes. */
void	 drl_arena_trim(struct drl_arena *a, void *p, size_t used);
void	 drl_arena_mark(const struct drl_arena *a, struct drl_arena_mark *m);
/* Give back everything allocated since the mark (heap blocks included). */
void	 drl_arena_reset(struct drl_arena *a, const struct drl_arena_mark *m);

#endif /* DRL_ARENA_H */
