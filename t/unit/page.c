/*
 * page.c -- lib/page.c: limit and cursor parsing (03-public.md §1.1), the
 * in-memory page walk and nextCursor.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "arena.h"
#include "buf.h"
#include "http.h"
#include "json.h"
#include "page.h"

static struct arena A;
static struct response R;
static struct request Q;

static int
setup(void **state)
{
	(void)state;
	arena_init(&A);
	http_response_init(&R);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	http_response_free(&R);
	arena_free(&A);
	return 0;
}

static void
cursor_round_trip_splits_at_first_colon(void **state)
{
	const char *c, *id;
	int64_t k;

	(void)state;
	c = page_cursor(&A, 1777658341700, "sess:with:colons");
	assert_null(strchr(c, '='));
	assert_int_equal(page_cursor_decode(&A, c, strlen(c), &k, &id), 0);
	assert_true(k == 1777658341700);
	assert_string_equal(id, "sess:with:colons");
	/* "MTI6YWJj" = "12:abc" */
	assert_int_equal(page_cursor_decode(&A, "MTI6YWJj", 8, &k, &id), 0);
	assert_true(k == 12);
	assert_string_equal(id, "abc");
	/* Negative sort keys round-trip too. */
	c = page_cursor(&A, -5, "x");
	assert_int_equal(page_cursor_decode(&A, c, strlen(c), &k, &id), 0);
	assert_true(k == -5);
}

static void
cursor_rejects_garbage(void **state)
{
	const char *bad[] = {
		"", "!!!", "Zm9v",            /* "foo": no ':' */
		"eDphYmM",                    /* "x:abc": sort key not a number */
		"OmFiYw",                     /* ":abc": empty sort key */
		"LTphYmM",                    /* "-:abc": sign without digits */
		"MTI6",                       /* "12:": empty id */
		"MTI6YWJj=",                  /* padding */
		"MTIzNDU2Nzg5MDEyMzQ1Njc4OTphYmM",  /* 19-digit key */
		"MTIAOmFiYw",                 /* "12\0:abc": NUL */
	};
	char big[1100];
	const char *id;
	int64_t k;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(page_cursor_decode(&A, bad[i], strlen(bad[i]),
		    &k, &id), -1);
	memset(big, 'A', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(page_cursor_decode(&A, big, strlen(big), &k, &id), -1);
}

static void
limit_digits_only_clamped(void **state)
{
	int64_t v;

	(void)state;
	assert_int_equal(page_limit_parse("1", 1, 500, &v), 0);
	assert_true(v == 1);
	assert_int_equal(page_limit_parse("600", 3, 500, &v), 0);
	assert_true(v == 500);
	assert_int_equal(page_limit_parse("99999999999999999999999", 23, 500,
	    &v), 0);
	assert_true(v == 500);
	assert_int_equal(page_limit_parse("0", 1, 500, &v), -1);
	assert_int_equal(page_limit_parse("-1", 2, 500, &v), -1);
	assert_int_equal(page_limit_parse("+1", 2, 500, &v), -1);
	assert_int_equal(page_limit_parse("1.5", 3, 500, &v), -1);
	assert_int_equal(page_limit_parse("", 0, 500, &v), -1);
	assert_int_equal(page_limit_parse("abc", 3, 500, &v), -1);
}

/* Five items (key i, id "i"), limit 2, walked three times with the
 * cursor each page hands out: 2 + 2 + 1, then nextCursor null. */
static void
take_walks_pages_and_finish_writes_cursor(void **state)
{
	static const char *const ids[] = { "a", "b", "c", "d", "e" };
	struct page pg;
	const char *cur = NULL;
	int pages = 0, seen = 0;

	(void)state;
	for (;;) {
		struct buf b;
		struct jw w;
		struct json_object *o, *nc;

		memset(&pg, 0, sizeof(pg));
		pg.limit = 2;
		if (cur != NULL) {
			pg.has_cursor = 1;
			assert_int_equal(page_cursor_decode(&A, cur, strlen(cur),
			    &pg.after_key, &pg.after_id), 0);
		}
		for (int i = 0; i < 5; i++)
			if (page_take(&pg, i, ids[i]))
				seen++;
		buf_init(&b);
		jw_init(&w, &b);
		jw_obj_open(&w);
		jw_key(&w, "items");
		jw_arr_open(&w);
		page_finish(&A, &w, &pg);
		jw_obj_close(&w);
		assert_int_equal(json_parse_strict(b.data, b.len, JSON_MAX_DEPTH,
		    &o), JSON_OK);
		buf_free(&b);
		assert_true(json_object_object_get_ex(o, "nextCursor", &nc));
		pages++;
		if (json_object_is_type(nc, json_type_null)) {
			json_object_put(o);
			break;
		}
		cur = arena_strdup(&A, json_object_get_string(nc));
		json_object_put(o);
		assert_true(pages < 5);
	}
	assert_int_equal(pages, 3);
	assert_int_equal(seen, 5);
}

static void
after_orders_by_key_then_id(void **state)
{
	struct page pg;

	(void)state;
	memset(&pg, 0, sizeof(pg));
	assert_true(page_after(&pg, 0, "a"));       /* no cursor: everything */
	pg.has_cursor = 1;
	pg.after_key = 10;
	pg.after_id = "m";
	assert_false(page_after(&pg, 9, "z"));
	assert_false(page_after(&pg, 10, "a"));
	assert_false(page_after(&pg, 10, "m"));     /* strictly after */
	assert_true(page_after(&pg, 10, "n"));
	assert_true(page_after(&pg, 11, "a"));
}

/* Parses the query string qs into pg; returns page_parse()'s result. */
static int
parse(const char *qs, struct page *pg)
{
	static char qbuf[512];
	char *envp[] = { "REQUEST_METHOD=GET", "REQUEST_URI=/api/projects",
	    qbuf, NULL };

	snprintf(qbuf, sizeof(qbuf), "QUERY_STRING=%s", qs);
	arena_reset(&A);
	http_response_reset(&R);
	http_request_init(&Q, &A, NULL, envp);
	return page_parse(&Q, &R, pg, 50, 100);
}

static const char *
body(void)
{
	buf_putc(&R.body, '\0');
	return R.body.data;
}

static void
parse_limit_answers_exact_400(void **state)
{
	struct page pg;

	(void)state;
	assert_int_equal(parse("", &pg), 1);
	assert_int_equal(pg.limit, 50);
	assert_int_equal(parse("limit=7", &pg), 1);
	assert_int_equal(pg.limit, 7);
	assert_int_equal(parse("limit=100000000000000000000000", &pg), 1);
	assert_int_equal(pg.limit, 100);          /* clamped, no overflow */
	assert_int_equal(parse("limit=101", &pg), 1);
	assert_int_equal(pg.limit, 100);
	const char *bad[] = { "limit=0", "limit=-1", "limit=", "limit=1.5",
		"limit=%2B3", "limit=abc", "limit=%00" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse(bad[i], &pg), 0);
		assert_int_equal(R.status, 400);
		assert_string_equal(body(), "{\"error\":\"Bad Request\",\"message\":"
		    "\"Invalid 'limit' parameter: expected a positive integer\"}");
	}
}

static void
parse_take_finish_round_trip(void **state)
{
	struct page pg;
	struct jw w;
	const char *ids[] = { "a", "b", "c", "d", "e" };
	int64_t keys[] = { 1, 2, 2, 3, 4 };
	int taken = 0;
	char qs[256];
	const char *nc;

	(void)state;
	assert_int_equal(parse("limit=2", &pg), 1);
	for (int i = 0; i < 5; i++)
		taken += page_take(&pg, keys[i], ids[i]);
	assert_int_equal(taken, 2);
	assert_true(pg.more);
	jw_init(&w, &R.body);
	jw_obj_open(&w);
	jw_key(&w, "items");
	jw_arr_open(&w);
	page_finish(&A, &w, &pg);
	jw_obj_close(&w);
	/* base64url("2:b") = "Mjpi" */
	assert_string_equal(body(), "{\"items\":[],\"nextCursor\":\"Mjpi\"}");

	snprintf(qs, sizeof(qs), "limit=2&cursor=%s", "Mjpi");
	assert_int_equal(parse(qs, &pg), 1);
	assert_int_equal(pg.after_key, 2);
	assert_string_equal(pg.after_id, "b");
	taken = 0;
	for (int i = 0; i < 5; i++)
		if (page_take(&pg, keys[i], ids[i]))
			nc = ids[i], taken++;
	assert_int_equal(taken, 2);
	assert_string_equal(nc, "d");             /* c (2, "c" > "b") and d */
	assert_true(pg.more);
}

static void
exactly_full_page_has_null_cursor(void **state)
{
	struct page pg;
	struct jw w;

	(void)state;
	assert_int_equal(parse("limit=2", &pg), 1);
	assert_int_equal(page_take(&pg, 1, "a"), 1);
	assert_int_equal(page_take(&pg, 2, "b"), 1);
	assert_false(pg.more);                    /* exactly full: no more */
	jw_init(&w, &R.body);
	jw_obj_open(&w);
	jw_key(&w, "items");
	jw_arr_open(&w);
	page_finish(&A, &w, &pg);
	jw_obj_close(&w);
	assert_string_equal(body(), "{\"items\":[],\"nextCursor\":null}");
}

static void
parse_cursor_answers_exact_400(void **state)
{
	struct page pg;
	/* "x:" (no id), "abc" (no colon), "1.5:a" (key not an integer),
	 * "1:a\0b" (NUL), not base64url, padding. */
	const char *bad[] = { "cursor=eDo", "cursor=YWJj", "cursor=MS41OmE",
		"cursor=MTphAGI", "cursor=!!", "cursor=Mjpi%3D", "cursor=",
		"cursor=Og" };

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse(bad[i], &pg), 0);
		assert_int_equal(R.status, 400);
		assert_string_equal(body(),
		    "{\"error\":\"Bad Request\",\"message\":\"Invalid cursor\"}");
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(cursor_round_trip_splits_at_first_colon,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(cursor_rejects_garbage, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(limit_digits_only_clamped, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(take_walks_pages_and_finish_writes_cursor,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(after_orders_by_key_then_id, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(parse_limit_answers_exact_400, setup, teardown),
		cmocka_unit_test_setup_teardown(parse_take_finish_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(exactly_full_page_has_null_cursor, setup, teardown),
		cmocka_unit_test_setup_teardown(parse_cursor_answers_exact_400, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
