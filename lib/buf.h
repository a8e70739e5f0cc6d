/*
 * buf.h -- growable byte buffer (malloc-backed; keeps its capacity across
 * resets so a responder's response buffer settles at its working size).
 */
#ifndef RENSEI_BUF_H
#define RENSEI_BUF_H

#include <stddef.h>

struct buf {
	char   *data;   /* always NUL-terminated after any append */
	size_t  len;
	size_t  cap;
};

void  buf_init(struct buf *b);
void  buf_reset(struct buf *b);                   /* len = 0, keeps memory */
void  buf_free(struct buf *b);
/* Makes room for n more bytes now, so later appends never reallocate
 * (a buffer about to hold a secret leaves no copy in freed memory). */
void  buf_reserve(struct buf *b, size_t n);
void  buf_append(struct buf *b, const void *p, size_t n);
void  buf_puts(struct buf *b, const char *s);
void  buf_putc(struct buf *b, char c);
void  buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Wipes the contents (sodium_memzero) before resetting: for buffers that
 * held a secret. */
void  buf_wipe(struct buf *b);

#endif
