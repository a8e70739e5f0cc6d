/*
 * page.h -- cursor pagination of list routes (03-public.md §1.1,
 * 04-console.md §1): `limit` (1-max, default 50, clamped to max) and an
 * opaque `cursor` = base64url (no padding) of "<sort key>:<id>", the last
 * item of the previous page.  Items are ordered by (sort key, id); a page
 * resumes strictly after the cursor.
 */
#ifndef RENSEI_PAGE_H
#define RENSEI_PAGE_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "http.h"

#define PAGE_DEFAULT_LIMIT 50

struct page {
	int64_t     limit;
	int         has_cursor;
	int64_t     key;         /* the cursor's sort key */
	const char *id;          /* the cursor's id */
};

/* Reads limit and cursor from the query.  1, or 0 after answering 400
 * "Invalid 'limit' parameter: expected a positive integer" / "Invalid
 * cursor". */
int  page_parse(struct request *req, struct response *resp, struct page *pg,
                int64_t max);
/* 1 when the item (key, id) comes after the cursor (always without one). */
int  page_after(const struct page *pg, int64_t key, const char *id);
/* The cursor naming (key, id), in the arena. */
const char *page_cursor(struct arena *a, int64_t key, const char *id);

#endif
