/*
 * page.h -- cursor pagination of the console lists (04-console.md §1,
 * 03-public.md §1.1): `limit` 1-100 (default 50, larger values clamped),
 * `cursor` = base64url of "<sortKey>:<id>" of the last item returned.
 * Lists are walked in (sortKey, id) order; page_take() says whether an
 * item goes on the page and records what nextCursor needs.
 */
#ifndef RENSEI_PAGE_H
#define RENSEI_PAGE_H

#include <stdint.h>

#include "http.h"
#include "json.h"

struct page {
	int64_t     limit;
	int         has_cursor;
	int64_t     after_key;
	const char *after_id;
	int64_t     n;              /* items taken */
	int         more;           /* an item beyond the page exists */
	int64_t     last_key;
	const char *last_id;
};

/* Reads limit and cursor from req's query; 0 after answering 400. */
int  page_parse(struct request *req, struct response *resp, struct page *pg,
                int64_t deflimit, int64_t maxlimit);
/* 1 when the item (key, id) goes on the page; 0 when it is skipped (at or
 * before the cursor, or beyond the page, which sets pg->more). */
int  page_take(struct page *pg, int64_t key, const char *id);
/* Closes the items array and writes "nextCursor" (the caller opened the
 * object and the items array). */
void page_finish(struct arena *a, struct jw *w, const struct page *pg);

#endif
