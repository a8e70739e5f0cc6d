/*
 * page.c -- cursor pagination (see page.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "page.h"

#define CURSOR_MAX 1024   /* encoded length */
#define KEY_DIGITS 18     /* fits int64_t whatever the digits */

int
page_limit_parse(const char *s, size_t len, int64_t max, int64_t *out)
{
	int64_t v = 0;

	if (s == NULL || len == 0)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		if (v <= max)           /* stop growing once past max: no overflow */
			v = v * 10 + (s[i] - '0');
	}
	if (v < 1)
		return -1;
	*out = v > max ? max : v;
	return 0;
}

const char *
page_cursor(struct arena *a, int64_t key, const char *id)
{
	const char *raw = arena_printf(a, "%lld:%s", (long long)key, id);
	size_t n = strlen(raw);
	char *out = arena_alloc(a, b64url_encoded_len(n) + 1);

	b64url_encode(out, (const uint8_t *)raw, n);
	return out;
}

int
page_cursor_decode(struct arena *a, const char *cur, size_t len,
    int64_t *key, const char **id)
{
	uint8_t *buf;
	const char *s, *colon;
	size_t i = 0, klen;
	int64_t v = 0;
	long n;

	if (cur == NULL || len == 0 || len > CURSOR_MAX)
		return -1;
	buf = arena_alloc(a, len + 1);
	if ((n = b64url_decode(buf, len, cur, len)) <= 0)
		return -1;
	buf[n] = '\0';
	s = (const char *)buf;
	if (memchr(s, '\0', (size_t)n) != NULL ||
	    (colon = memchr(s, ':', (size_t)n)) == NULL || colon[1] == '\0')
		return -1;
	klen = (size_t)(colon - s);
	if (klen > 0 && s[0] == '-')
		i = 1;
	if (i == klen || klen - i > KEY_DIGITS)
		return -1;
	for (size_t j = i; j < klen; j++) {
		if (s[j] < '0' || s[j] > '9')
			return -1;
		v = v * 10 + (s[j] - '0');
	}
	*key = i ? -v : v;
	*id = colon + 1;
	return 0;
}

int
page_parse(struct request *req, struct response *resp, struct page *pg,
    int64_t deflimit, int64_t maxlimit)
{
	const char *v;
	size_t len;
	enum http_query_rc rc;

	memset(pg, 0, sizeof(*pg));
	pg->limit = deflimit;
	rc = http_query(req, "limit", &v, &len);
	if (rc == HTTP_QUERY_MALFORMED || (rc != HTTP_QUERY_ABSENT &&
	    page_limit_parse(v, len, maxlimit, &pg->limit) == -1)) {
		http_error(resp, 400,
		    "Invalid 'limit' parameter: expected a positive integer");
		return 0;
	}
	rc = http_query(req, "cursor", &v, &len);
	if (rc == HTTP_QUERY_ABSENT)
		return 1;
	if (rc == HTTP_QUERY_MALFORMED || page_cursor_decode(req->arena, v, len,
	    &pg->after_key, &pg->after_id) == -1) {
		http_error(resp, 400, "Invalid cursor");
		return 0;
	}
	pg->has_cursor = 1;
	return 1;
}

int
page_after(const struct page *pg, int64_t key, const char *id)
{
	if (!pg->has_cursor)
		return 1;
	if (key != pg->after_key)
		return key > pg->after_key;
	return strcmp(id, pg->after_id) > 0;
}

int
page_take(struct page *pg, int64_t key, const char *id)
{
	if (!page_after(pg, key, id))
		return 0;
	if (pg->n >= pg->limit) {
		pg->more = 1;
		return 0;
	}
	pg->n++;
	pg->last_key = key;
	pg->last_id = id;
	return 1;
}

void
page_finish(struct arena *a, struct jw *w, const struct page *pg)
{
	jw_arr_close(w);
	if (!pg->more || pg->last_id == NULL)
		jw_knull(w, "nextCursor");
	else
		jw_kstr(w, "nextCursor", page_cursor(a, pg->last_key, pg->last_id));
}
