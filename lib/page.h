/*
 * page.h -- cursor pagination, the one implementation of 03-public.md §1.1
 * that every list route uses (public, console, admin):
 *
 *   `limit`  base-10 digits, >= 1; larger than the route's maximum is
 *            clamped (so is a digit string too long for any integer);
 *            anything else: 400 "Invalid 'limit' parameter: expected a
 *            positive integer".
 *   `cursor` base64url (no padding) of "<sortKey>:<id>", split at the
 *            first ':' (ids may contain ':'), sortKey a decimal integer;
 *            anything else: 400 "Invalid cursor".
 *
 * Items are ordered by (sortKey, id) and a page resumes strictly after
 * the cursor.  Routes whose SQL seeks past the cursor use after_key and
 * after_id; routes that walk a short list in memory use page_take(),
 * which also counts the page and notes whether more items follow.
 */
#ifndef RENSEI_PAGE_H
#define RENSEI_PAGE_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "http.h"
#include "json.h"

#define PAGE_DEFAULT_LIMIT 50

struct page {
	int64_t     limit;
	int         has_cursor;
	int64_t     after_key;     /* the cursor's sort key */
	const char *after_id;      /* the cursor's id */
	int64_t     n;             /* page_take: items taken */
	int         more;          /* page_take: an item beyond the page exists */
	int64_t     last_key;      /* page_take: the last item taken */
	const char *last_id;
};

/* 0 with *out set (clamped to max), -1 when s is not a limit. */
int  page_limit_parse(const char *s, size_t len, int64_t max, int64_t *out);
/* The cursor naming (key, id), in the arena. */
const char *page_cursor(struct arena *a, int64_t key, const char *id);
/* 0 with *key and *id (arena) set, -1 when cur is not a cursor. */
int  page_cursor_decode(struct arena *a, const char *cur, size_t len,
                        int64_t *key, const char **id);

/* Reads `limit` (default deflimit) and `cursor` from req's query; 1, or 0
 * after answering the 400. */
int  page_parse(struct request *req, struct response *resp, struct page *pg,
                int64_t deflimit, int64_t maxlimit);
/* 1 when (key, id) comes after the cursor (always without one). */
int  page_after(const struct page *pg, int64_t key, const char *id);
/* 1 when the item goes on the page; 0 when it is at or before the cursor,
 * or beyond the page (which sets pg->more).  id must outlive the page. */
int  page_take(struct page *pg, int64_t key, const char *id);
/* Closes the items array and writes "nextCursor" from page_take's record
 * (null on the last page). */
void page_finish(struct arena *a, struct jw *w, const struct page *pg);

#endif
