/* t/unit/page.c -- cursor pagination of the console lists (lib/page.c):
 * 04-console.md §1 "Lists", 03-public.md §1.1. */
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
#include "crypto.h"
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
t_limits(void **state)
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
t_cursor_roundtrip(void **state)
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
t_last_page(void **state)
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
t_bad_cursors(void **state)
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
		cmocka_unit_test_setup_teardown(t_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(t_cursor_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(t_last_page, setup, teardown),
		cmocka_unit_test_setup_teardown(t_bad_cursors, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
