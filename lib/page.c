/* page.c -- cursor pagination (see page.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "page.h"

int
page_parse(struct request *req, struct response *resp, struct page *pg,
    int64_t max)
{
	const char *v;
	size_t len;
	enum http_query_rc rc;

	memset(pg, 0, sizeof(*pg));
	pg->limit = PAGE_DEFAULT_LIMIT;
	rc = http_query(req, "limit", &v, &len);
	if (rc != HTTP_QUERY_ABSENT) {
		int64_t n = 0;

		if (rc == HTTP_QUERY_MALFORMED || len == 0 || len > 18)
			goto bad_limit;
		for (size_t i = 0; i < len; i++) {
			if (v[i] < '0' || v[i] > '9')
				goto bad_limit;
			n = n * 10 + (v[i] - '0');
		}
		if (n < 1)
			goto bad_limit;
		pg->limit = n > max ? max : n;
	}
	rc = http_query(req, "cursor", &v, &len);
	if (rc != HTTP_QUERY_ABSENT) {
		uint8_t *bin;
		long n;
		char *colon, *end;

		if (rc == HTTP_QUERY_MALFORMED || len == 0 || len > 512)
			goto bad_cursor;
		bin = arena_alloc(req->arena, len + 1);
		if ((n = b64url_decode(bin, len, v, len)) <= 0)
			goto bad_cursor;
		bin[n] = '\0';
		if (memchr(bin, '\0', (size_t)n) != NULL ||
		    (colon = strchr((char *)bin, ':')) == NULL ||
		    colon == (char *)bin || colon[1] == '\0')
			goto bad_cursor;
		*colon = '\0';
		for (const char *p = (char *)bin; *p != '\0'; p++)
			if (*p < '0' || *p > '9')
				goto bad_cursor;
		if (strlen((char *)bin) > 18)
			goto bad_cursor;
		pg->key = strtoll((char *)bin, &end, 10);
		pg->id = colon + 1;
		pg->has_cursor = 1;
	}
	return 1;
bad_limit:
	http_error(resp, 400, "Invalid 'limit' parameter: expected a positive integer");
	return 0;
bad_cursor:
	http_error(resp, 400, "Invalid cursor");
	return 0;
}

int
page_after(const struct page *pg, int64_t key, const char *id)
{
	if (!pg->has_cursor)
		return 1;
	if (key != pg->key)
		return key > pg->key;
	return strcmp(id, pg->id) > 0;
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
