/* clock.h -- wall-clock time in Unix ms and its ISO-8601 rendering. */
#ifndef RENSEI_CLOCK_H
#define RENSEI_CLOCK_H

#include <stddef.h>
#include <stdint.h>

#define ISO8601_LEN 24   /* 2026-05-01T15:30:00.000Z */

/* Current time in Unix ms.  Tests may pin it with clock_set_fixed(). */
int64_t clock_now_ms(void);
void    clock_set_fixed(int64_t ms);   /* 0 = real clock again */
/* out holds ISO8601_LEN+1 bytes: UTC with milliseconds and Z. */
void    iso8601_ms(char out[ISO8601_LEN + 1], int64_t ms);
/* Strict parse of the same form (also accepts no fraction and +00:00);
 * returns 0 and sets *ms, or -1. */
int     iso8601_parse(const char *s, int64_t *ms);
/* The same with options: ISO8601_DATE_ONLY also takes YYYY-MM-DD (00:00
 * UTC), ISO8601_ANY_OFFSET any ±HH:MM; 1-9 fraction digits, truncated
 * to ms. */
#define ISO8601_DATE_ONLY  0x1
#define ISO8601_ANY_OFFSET 0x2
int     iso8601_parse_ext(const char *s, size_t len, unsigned flags,
                          int64_t *ms);

#endif
