/*
 * t/unit/route.c -- lib/route.c: matching, path parameters, 404/405 with
 * Allow (00-overview.md §3 "Methods").
 *
 * Every route here has auth = NULL, so no credential is ever read.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "arena.h"
#include "http.h"
#include "route.h"

static struct arena arena;
static struct request req;
static struct response resp;
static char *envp[4];
static char method_env[64], uri_env[1024], query_env[1024];
static char allow[128];
static const char *called;   /* name of the handler that ran */

static void
h_list(struct request *r, struct response *rs)
{
	called = "list";
	buf_puts(&rs->body, "{\"items\":[]}");
	http_json(rs, 200);
}

static void
h_get(struct request *r, struct response *rs)
{
	called = "get";
	buf_puts(&rs->body, http_param(r, "id"));
	http_json(rs, 200);
}

static void
h_create(struct request *r, struct response *rs)
{
	called = "create";
	http_json(rs, 201);
}

static void
h_new(struct request *r, struct response *rs)
{
	called = "new";
}

static void
h_options(struct request *r, struct response *rs)
{
	called = "options";
	http_json(rs, 204);
}

static void
h_other(struct request *r, struct response *rs)
{
	called = "other";
}

static void
h_poll(struct request *r, struct response *rs)
{
	called = "poll";
}

static void
h_root(struct request *r, struct response *rs)
{
	called = "root";
}

static const struct route table[] = {
	{ "GET",     "/",                               NULL, h_root,    0 },
	{ "GET",     "/api/items",                      NULL, h_list,    0 },
	{ "OPTIONS", "/api/items",                      NULL, h_options, 0 },
	{ "POST",    "/api/items",                      NULL, h_create,  0 },
	{ "GET",     "/api/items/new",                  NULL, h_new,     0 },
	{ "GET",     "/api/items/{id}",                 NULL, h_get,     0 },
	{ "DELETE",  "/api/items/{id}",                 NULL, h_other,   0 },
	{ "GET",     "/api/workers/{id}/poll",          NULL, h_poll,    ROUTE_NO_HEAD },
	{ "POST",    "/api/workers/{id}/sessions/{sid}/ack", NULL, h_other, 0 },
	{ "PUT",     "/api/workers/{wid}/sessions/{sid}/ack", NULL, h_other, 0 },
	{ "GET",     "/api/health",                     NULL, h_other,   0 },
	{ "HEAD",    "/api/health",                     NULL, h_other,   0 },
};
#define NROUTES (sizeof(table) / sizeof(table[0]))

static int
setup(void **state)
{
	arena_init(&arena);
	http_response_init(&resp);
	called = NULL;
	return 0;
}

static int
teardown(void **state)
{
	http_response_free(&resp);
	arena_free(&arena);
	return 0;
}

/* A request for method and uri (query taken from the uri, as nginx sets
 * QUERY_STRING). */
static struct request *
mkreq(const char *method, const char *uri)
{
	const char *q = strchr(uri, '?');
	int n = 0;

	snprintf(method_env, sizeof(method_env), "REQUEST_METHOD=%s", method);
	snprintf(uri_env, sizeof(uri_env), "REQUEST_URI=%s", uri);
	snprintf(query_env, sizeof(query_env), "QUERY_STRING=%s", q ? q + 1 : "");
	envp[n++] = method_env;
	envp[n++] = uri_env;
	envp[n++] = query_env;
	envp[n] = NULL;
	arena_reset(&arena);
	http_response_reset(&resp);
	called = NULL;
	http_request_init(&req, &arena, NULL, envp);
	return &req;
}

static enum route_result
match(const char *method, const char *uri, const struct route **out)
{
	return route_match(table, NROUTES, mkreq(method, uri), out, allow,
	    sizeof(allow));
}

static const struct route *
assert_matches(const char *method, const char *uri, route_handler h)
{
	const struct route *r = NULL;
	enum route_result rc = match(method, uri, &r);

	if (rc != ROUTE_MATCH)
		fail_msg("%s %s: result %d, want a match", method, uri, rc);
	assert_non_null(r);
	assert_ptr_equal(r->handler, h);
	return r;
}

static void
assert_not_found(const char *method, const char *uri)
{
	const struct route *r = (const struct route *)&r;
	enum route_result rc = match(method, uri, &r);

	if (rc != ROUTE_NOT_FOUND)
		fail_msg("%s %s: result %d, want not found", method, uri, rc);
	assert_null(r);
}

static void
assert_bad_method(const char *method, const char *uri, const char *want_allow)
{
	const struct route *r = (const struct route *)&r;
	enum route_result rc = match(method, uri, &r);

	if (rc != ROUTE_BAD_METHOD)
		fail_msg("%s %s: result %d, want 405", method, uri, rc);
	assert_null(r);
	assert_string_equal(allow, want_allow);
}

/* ----------------------------------------------------------------- match */

static void
literal_path_matches(void **state)
{
	assert_matches("GET", "/api/items", h_list);
	assert_matches("POST", "/api/items", h_create);
	assert_int_equal(req.nparams, 0);
}

static void
root_path_matches(void **state)
{
	assert_matches("GET", "/", h_root);
}

static void
param_captured(void **state)
{
	assert_matches("GET", "/api/items/itm_01ABC", h_get);
	assert_int_equal(req.nparams, 1);
	assert_string_equal(req.param_names[0], "id");
	assert_string_equal(http_param(&req, "id"), "itm_01ABC");
}

static void
several_params_captured(void **state)
{
	assert_matches("POST", "/api/workers/wkr_1/sessions/s-2/ack", h_other);
	assert_int_equal(req.nparams, 2);
	assert_string_equal(http_param(&req, "id"), "wkr_1");
	assert_string_equal(http_param(&req, "sid"), "s-2");
	assert_null(http_param(&req, "wid"));
}

/* Two routes with the same shape and different parameter names: the
 * chosen route's names are the ones left in req. */
static void
params_named_by_chosen_route(void **state)
{
	assert_matches("PUT", "/api/workers/w9/sessions/s9/ack", h_other);
	assert_int_equal(req.nparams, 2);
	assert_string_equal(http_param(&req, "wid"), "w9");
	assert_string_equal(http_param(&req, "sid"), "s9");
	assert_null(http_param(&req, "id"));
}

static void
param_percent_decoded_once(void **state)
{
	assert_matches("GET", "/api/items/a%20b", h_get);
	assert_string_equal(http_param(&req, "id"), "a b");
	assert_matches("GET", "/api/items/%2541", h_get);
	assert_string_equal(http_param(&req, "id"), "%41");
	/* '+' is a space only in query strings. */
	assert_matches("GET", "/api/items/a+b", h_get);
	assert_string_equal(http_param(&req, "id"), "a+b");
}

/* "%2F" is decoded after the split: the '/' stays inside the parameter,
 * where the handler's id validation rejects it. */
static void
encoded_slash_stays_in_param(void **state)
{
	assert_matches("GET", "/api/items/a%2Fb", h_get);
	assert_int_equal(req.nparams, 1);
	assert_string_equal(http_param(&req, "id"), "a/b");
	assert_matches("GET", "/api/items/%2F", h_get);
	assert_string_equal(http_param(&req, "id"), "/");
}

static void
literal_segment_compared_after_decoding(void **state)
{
	assert_matches("GET", "/api/%69tems", h_list);
}

static void
first_route_in_table_wins(void **state)
{
	assert_matches("GET", "/api/items/new", h_new);
	assert_matches("GET", "/api/items/old", h_get);
	assert_string_equal(http_param(&req, "id"), "old");
}

static void
head_matches_get(void **state)
{
	assert_matches("HEAD", "/api/items", h_list);
	assert_matches("HEAD", "/api/items/x", h_get);
	assert_string_equal(http_param(&req, "id"), "x");
}

static void
head_refused_on_no_head_route(void **state)
{
	assert_bad_method("HEAD", "/api/workers/w1/poll", "GET");
	assert_matches("GET", "/api/workers/w1/poll", h_poll);
}

static void
explicit_head_route_matches(void **state)
{
	assert_matches("HEAD", "/api/health", h_other);
}

static void
unknown_path_not_found(void **state)
{
	assert_not_found("GET", "/api/nothing");
	assert_not_found("GET", "/api");
	assert_not_found("GET", "/api/items/x/y");
	assert_not_found("POST", "/nope");
}

static void
trailing_slash_is_another_path(void **state)
{
	assert_not_found("GET", "/api/items/");
	assert_not_found("GET", "/api/items/x/");
	assert_not_found("GET", "/api/health/");
}

static void
empty_segment_does_not_match_param(void **state)
{
	assert_not_found("GET", "/api/workers//poll");
	assert_not_found("POST", "/api/workers/w/sessions//ack");
}

static void
double_slash_is_not_collapsed(void **state)
{
	assert_not_found("GET", "/api//items");
	assert_not_found("GET", "//api/items");
}

static void
query_string_ignored(void **state)
{
	assert_matches("GET", "/api/items?limit=5&cursor=abc", h_list);
	assert_matches("GET", "/api/items/x?y=%zz", h_get);
	assert_string_equal(http_param(&req, "id"), "x");
	assert_matches("GET", "/api/items?", h_list);
}

static void
bad_escape_not_found(void **state)
{
	assert_not_found("GET", "/api/items/%zz");
	assert_not_found("GET", "/api/items/%4");
	assert_not_found("GET", "/api/items/abc%");
	assert_not_found("GET", "/api/%zz/x");
}

static void
encoded_nul_not_found(void **state)
{
	assert_not_found("GET", "/api/items/a%00b");
}

static void
relative_path_not_found(void **state)
{
	assert_not_found("OPTIONS", "*");
	assert_not_found("GET", "api/items");
}

static void
too_many_segments_not_found(void **state)
{
	assert_not_found("GET", "/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q/r/s/t");
}

static void
method_is_case_sensitive(void **state)
{
	assert_bad_method("get", "/api/items", "GET, HEAD, OPTIONS, POST");
}

/* ------------------------------------------------------------------- 405 */

static void
bad_method_lists_allow_in_table_order(void **state)
{
	assert_bad_method("DELETE", "/api/items", "GET, HEAD, OPTIONS, POST");
	assert_bad_method("PATCH", "/api/items/x", "GET, HEAD, DELETE");
}

static void
allow_has_no_duplicates(void **state)
{
	/* /api/items/new matches two GET routes; /api/health lists GET and
	 * an explicit HEAD. */
	assert_bad_method("POST", "/api/items/new", "GET, HEAD, DELETE");
	assert_bad_method("POST", "/api/health", "GET, HEAD");
}

static void
allow_for_head_and_options(void **state)
{
	static const struct route t[] = {
		{ "GET",     "/.well-known/x", NULL, h_other, 0 },
		{ "OPTIONS", "/.well-known/x", NULL, h_options, 0 },
	};
	const struct route *r;

	assert_int_equal(route_match(t, 2, mkreq("POST", "/.well-known/x"), &r,
	    allow, sizeof(allow)), ROUTE_BAD_METHOD);
	assert_string_equal(allow, "GET, HEAD, OPTIONS");
	assert_int_equal(route_match(t, 2, mkreq("OPTIONS", "/.well-known/x"),
	    &r, allow, sizeof(allow)), ROUTE_MATCH);
	assert_ptr_equal(r->handler, h_options);
}

static void
allow_truncated_safely_in_small_buffer(void **state)
{
	const struct route *r;
	char small[8];

	memset(small, 'X', sizeof(small));
	assert_int_equal(route_match(table, NROUTES, mkreq("PATCH", "/api/items"),
	    &r, small, sizeof(small)), ROUTE_BAD_METHOD);
	assert_true(memchr(small, '\0', sizeof(small)) != NULL);
}

static void
empty_table_not_found(void **state)
{
	const struct route *r;

	assert_int_equal(route_match(table, 0, mkreq("GET", "/api/items"), &r,
	    allow, sizeof(allow)), ROUTE_NOT_FOUND);
}

/* -------------------------------------------------------------- dispatch */

static void
dispatch_calls_handler_with_params(void **state)
{
	route_dispatch(table, NROUTES, mkreq("GET", "/api/items/itm%5F7"), &resp);
	assert_string_equal(called, "get");
	assert_int_equal(resp.status, 200);
	assert_string_equal(resp.body.data, "itm_7");
}

static void
dispatch_head_calls_get_handler(void **state)
{
	route_dispatch(table, NROUTES, mkreq("HEAD", "/api/items"), &resp);
	assert_string_equal(called, "list");
	assert_int_equal(resp.status, 200);
}

static void
dispatch_404_exact_body(void **state)
{
	route_dispatch(table, NROUTES, mkreq("GET", "/api/missing"), &resp);
	assert_null(called);
	assert_int_equal(resp.status, 404);
	assert_string_equal(resp.body.data,
	    "{\"error\":\"Not Found\",\"message\":\"Not found\"}");
	assert_int_equal(resp.headers.len, 0);
}

static void
dispatch_405_exact_body_and_allow(void **state)
{
	route_dispatch(table, NROUTES, mkreq("DELETE", "/api/items"), &resp);
	assert_null(called);
	assert_int_equal(resp.status, 405);
	assert_string_equal(resp.body.data,
	    "{\"error\":\"Method Not Allowed\",\"message\":\"Method not allowed\"}");
	assert_string_equal(resp.headers.data,
	    "Allow: GET, HEAD, OPTIONS, POST\r\n");
}

static void
dispatch_405_for_head_on_no_head_route(void **state)
{
	route_dispatch(table, NROUTES, mkreq("HEAD", "/api/workers/w/poll"), &resp);
	assert_null(called);
	assert_int_equal(resp.status, 405);
	assert_string_equal(resp.headers.data, "Allow: GET\r\n");
}

static void
dispatch_bad_escape_is_404(void **state)
{
	route_dispatch(table, NROUTES, mkreq("GET", "/api/items/%zz"), &resp);
	assert_null(called);
	assert_int_equal(resp.status, 404);
	assert_string_equal(resp.body.data,
	    "{\"error\":\"Not Found\",\"message\":\"Not found\"}");
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(literal_path_matches),
		T(root_path_matches),
		T(param_captured),
		T(several_params_captured),
		T(params_named_by_chosen_route),
		T(param_percent_decoded_once),
		T(encoded_slash_stays_in_param),
		T(literal_segment_compared_after_decoding),
		T(first_route_in_table_wins),
		T(head_matches_get),
		T(head_refused_on_no_head_route),
		T(explicit_head_route_matches),
		T(unknown_path_not_found),
		T(trailing_slash_is_another_path),
		T(empty_segment_does_not_match_param),
		T(double_slash_is_not_collapsed),
		T(query_string_ignored),
		T(bad_escape_not_found),
		T(encoded_nul_not_found),
		T(relative_path_not_found),
		T(too_many_segments_not_found),
		T(method_is_case_sensitive),
		T(bad_method_lists_allow_in_table_order),
		T(allow_has_no_duplicates),
		T(allow_for_head_and_options),
		T(allow_truncated_safely_in_small_buffer),
		T(empty_table_not_found),
		T(dispatch_calls_handler_with_params),
		T(dispatch_head_calls_get_handler),
		T(dispatch_404_exact_body),
		T(dispatch_405_exact_body_and_allow),
		T(dispatch_405_for_head_on_no_head_route),
		T(dispatch_bad_escape_is_404),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
