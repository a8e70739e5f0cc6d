/*
 * arena.h -- per-request bump allocator.
 *
 * Everything a request needs is allocated from one arena that is reset
 * after the response is sent, so nothing leaks across requests and error
 * paths need no frees.  Allocation failure aborts the process (the
 * supervisor respawns it): a responder that cannot allocate a few KiB
 * cannot answer anyway.
 */
#ifndef RENSEI_ARENA_H
#define RENSEI_ARENA_H

#include <stddef.h>

struct arena_block;

struct arena {
	struct arena_block *head;   /* current block */
	struct arena_block *first;  /* kept across resets */
	size_t              total;  /* bytes handed out since the last reset */
};

void   arena_init(struct arena *a);
void  *arena_alloc(struct arena *a, size_t n);           /* 16-aligned, zeroed */
char  *arena_strdup(struct arena *a, const char *s);
char  *arena_strndup(struct arena *a, const char *s, size_t n);
char  *arena_printf(struct arena *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Frees every block but the first, which is kept for the next request. */
void   arena_reset(struct arena *a);
void   arena_free(struct arena *a);

#endif
