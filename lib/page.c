/*
 * page.c -- cursor pagination of the console lists (03-public.md §1.1).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "page.h"

static int
parse_i64(const char *s, size_t n, int64_t *out, int allow_neg)
{
	int64_t v = 0;
	size_t i = 0;
	int neg = 0;

	if (n > 0 && s[0] == '-' && allow_neg) {
		neg = 1;
		i = 1;
	}
	if (i == n || n - i > 18)
		return -1;
	for (; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = neg ? -v : v;
	return 0;
}

int
page_parse(struct request *req, struct response *resp, struct page *pg,
    int64_t deflimit, int64_t maxlimit)
{
	const char *v;
	size_t n, i;
	enum http_query_rc q;
	uint8_t *raw;
	long rn;

	memset(pg, 0, sizeof(*pg));
	pg->limit = deflimit;
	q = http_query(req, "limit", &v, &n);
	if (q != HTTP_QUERY_ABSENT) {
		int64_t l = 0;
		int bad = q == HTTP_QUERY_MALFORMED;

		/* Digits only; long values are clamped, never overflow. */
		if (!bad) {
			if (n == 0)
				bad = 1;
			for (i = 0; i < n && !bad; i++)
				if (v[i] < '0' || v[i] > '9')
					bad = 1;
		}
		if (!bad) {
			for (i = 0; i < n && l <= maxlimit; i++)
				l = l * 10 + (v[i] - '0');
			if (l < 1)
				bad = 1;
		}
		if (bad) {
			http_error(resp, 400,
			    "Invalid 'limit' parameter: expected a positive integer");
			return 0;
		}
		pg->limit = l > maxlimit ? maxlimit : l;
	}
	q = http_query(req, "cursor", &v, &n);
	if (q == HTTP_QUERY_ABSENT)
		return 1;
	if (q == HTTP_QUERY_MALFORMED || n == 0 || n > 512)
		goto bad;
	raw = arena_alloc(req->arena, n + 1);
	if ((rn = b64url_decode(raw, n, v, n)) <= 0)
		goto bad;
	raw[rn] = '\0';
	{
		const char *s = (const char *)raw;
		const char *colon = memchr(s, ':', (size_t)rn);

		if (colon == NULL || strlen(s) != (size_t)rn ||
		    parse_i64(s, (size_t)(colon - s), &pg->after_key, 1) == -1 ||
		    colon[1] == '\0')
			goto bad;
		pg->after_id = colon + 1;
		pg->has_cursor = 1;
	}
	return 1;
bad:
	http_error(resp, 400, "Invalid cursor");
	return 0;
}

int
page_take(struct page *pg, int64_t key, const char *id)
{
	if (pg->has_cursor && (key < pg->after_key ||
	    (key == pg->after_key && strcmp(id, pg->after_id) <= 0)))
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
	char *txt, *enc;
	size_t n;

	jw_arr_close(w);
	if (!pg->more || pg->last_id == NULL) {
		jw_knull(w, "nextCursor");
		return;
	}
	txt = arena_printf(a, "%lld:%s", (long long)pg->last_key, pg->last_id);
	n = strlen(txt);
	enc = arena_alloc(a, b64url_encoded_len(n) + 1);
	b64url_encode(enc, (const uint8_t *)txt, n);
	jw_kstr(w, "nextCursor", enc);
}
