/*
 * t/unit/http.c -- lib/http.c: reason phrases, headers, query, cookies,
 * the error envelope (00-overview.md §3), percent-decoding and the capped
 * body read.
 *
 * Requests are built from a FastCGI params array; bodies come from an
 * in-memory FCGX_Stream whose fill procedure only marks end of input, so
 * the test sees exactly how many bytes the library consumed.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <fcgiapp.h>
#include <sodium.h>

#include "arena.h"
#include <json-c/json.h>

#include "http.h"

struct fixture {
	struct arena    arena;
	struct request  req;
	struct response resp;
	FCGX_Request    fr;
	FCGX_Stream     in, out;
	unsigned char  *in_data;
	unsigned char   out_data[8192];
	int             fills;      /* times the library asked for more input */
};

static struct fixture *fx;

static void
fill_eof(FCGX_Stream *s)
{
	fx->fills++;
	s->isClosed = 1;
}

static void
empty_nothing(FCGX_Stream *s, int do_close)
{
	(void)s;
	(void)do_close;
}

static int
setup(void **state)
{
	fx = calloc(1, sizeof(*fx));
	if (fx == NULL)
		return -1;
	arena_init(&fx->arena);
	http_response_init(&fx->resp);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	http_response_free(&fx->resp);
	arena_free(&fx->arena);
	free(fx->in_data);
	free(fx);
	fx = NULL;
	return 0;
}

static struct request *
req_from(char **envp)
{
	http_request_init(&fx->req, &fx->arena, NULL, envp);
	return &fx->req;
}

/* A request whose FastCGI input stream holds body[0..n). */
static struct request *
req_with_body(char **envp, const void *body, size_t n)
{
	free(fx->in_data);
	fx->in_data = malloc(n + 1);
	assert_non_null(fx->in_data);
	memcpy(fx->in_data, body, n);
	memset(&fx->in, 0, sizeof(fx->in));
	fx->in.rdNext = fx->in.stopUnget = fx->in_data;
	fx->in.stop = fx->in.wrNext = fx->in_data + n;
	fx->in.isReader = 1;
	fx->in.fillBuffProc = fill_eof;
	memset(&fx->out, 0, sizeof(fx->out));
	fx->out.wrNext = fx->out.rdNext = fx->out_data;
	fx->out.stop = fx->out_data + sizeof(fx->out_data);
	fx->out.emptyBuffProc = empty_nothing;
	memset(&fx->fr, 0, sizeof(fx->fr));
	fx->fr.in = &fx->in;
	fx->fr.out = &fx->out;
	fx->fr.envp = envp;
	fx->fills = 0;
	http_request_init(&fx->req, &fx->arena, &fx->fr, envp);
	return &fx->req;
}

static size_t
consumed(void)
{
	return (size_t)(fx->in.rdNext - fx->in_data);
}

static const char *
body_str(void)
{
	return fx->resp.body.data != NULL ? fx->resp.body.data : "";
}

/* ------------------------------------------------------- reason phrases */

static void
reason_phrases_match_spec(void **state)
{
	static const struct { int status; const char *reason; } want[] = {
		{ 200, "OK" }, { 201, "Created" }, { 202, "Accepted" },
		{ 204, "No Content" }, { 304, "Not Modified" },
		{ 400, "Bad Request" }, { 401, "Unauthorized" },
		{ 403, "Forbidden" }, { 404, "Not Found" },
		{ 405, "Method Not Allowed" }, { 406, "Not Acceptable" },
		{ 409, "Conflict" }, { 410, "Gone" },
		{ 413, "Payload Too Large" }, { 414, "URI Too Long" },
		{ 415, "Unsupported Media Type" },
		{ 422, "Unprocessable Entity" }, { 429, "Too Many Requests" },
		{ 500, "Internal Server Error" }, { 501, "Not Implemented" },
		{ 502, "Bad Gateway" }, { 503, "Service Unavailable" },
		{ 504, "Gateway Timeout" },
	};

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		assert_string_equal(http_reason(want[i].status), want[i].reason);
}

static void
reason_of_unknown_status(void **state)
{
	assert_string_equal(http_reason(299), "Unknown");
	assert_string_equal(http_reason(0), "Unknown");
	assert_string_equal(http_reason(-1), "Unknown");
}

/* ----------------------------------------------------- request and headers */

static void
request_init_splits_path_and_query(void **state)
{
	char *envp[] = { "REQUEST_METHOD=POST", "REQUEST_URI=/api/x?y=1",
	    "QUERY_STRING=y=1", "REMOTE_ADDR=192.0.2.1", NULL };
	struct request *req = req_from(envp);

	assert_string_equal(req->method, "POST");
	assert_string_equal(req->uri, "/api/x?y=1");
	assert_string_equal(req->path, "/api/x");
	assert_string_equal(req->query, "y=1");
	assert_string_equal(req->remote_addr, "192.0.2.1");
	assert_false(req->is_head);
	assert_int_equal(req->body_cap, HTTP_BODY_CAP);
	assert_null(req->body);
	assert_int_equal(strlen(req->request_id), 32);
}

static void
request_init_defaults(void **state)
{
	char *envp[] = { NULL };
	struct request *req = req_from(envp);

	assert_string_equal(req->method, "GET");
	assert_string_equal(req->path, "/");
	assert_string_equal(req->query, "");
	assert_null(req->remote_addr);
}

static void
request_init_query_from_uri_without_query_string(void **state)
{
	char *envp[] = { "REQUEST_URI=/a?b=2", NULL };
	struct request *req = req_from(envp);

	assert_string_equal(req->path, "/a");
	assert_string_equal(req->query, "b=2");
}

static void
request_init_head_flag(void **state)
{
	char *envp[] = { "REQUEST_METHOD=HEAD", "REQUEST_URI=/", NULL };

	assert_true(req_from(envp)->is_head);
}

static void
request_ids_differ(void **state)
{
	char *envp[] = { NULL };
	char first[sizeof(fx->req.request_id)];

	memcpy(first, req_from(envp)->request_id, sizeof(first));
	assert_string_not_equal(req_from(envp)->request_id, first);
}

static void
request_id_from_nginx(void **state)
{
	char *ok[] = { "REQUEST_ID=0123456789abcdef0123456789abcdef", NULL };
	char *upper[] = { "REQUEST_ID=0123456789ABCDEF0123456789ABCDEF", NULL };
	char *shortid[] = { "REQUEST_ID=0123456789abcdef", NULL };

	assert_string_equal(req_from(ok)->request_id,
	    "0123456789abcdef0123456789abcdef");
	/* Anything but 32 lowercase hex is not logged as given. */
	assert_string_not_equal(req_from(upper)->request_id,
	    "0123456789ABCDEF0123456789ABCDEF");
	assert_int_equal(strlen(req_from(shortid)->request_id), 32);
	assert_string_not_equal(req_from(shortid)->request_id,
	    "0123456789abcdef");
}

static void
header_authorization_maps_to_http_authorization(void **state)
{
	char *envp[] = { "HTTP_AUTHORIZATION=Bearer abc", NULL };
	struct request *req = req_from(envp);

	assert_string_equal(http_header(req, "Authorization"), "Bearer abc");
	assert_string_equal(http_header(req, "authorization"), "Bearer abc");
	assert_string_equal(http_header(req, "AUTHORIZATION"), "Bearer abc");
}

static void
header_dashes_become_underscores(void **state)
{
	char *envp[] = { "HTTP_X_REQUEST_ID=r1", "HTTP_IF_NONE_MATCH=\"e\"", NULL };
	struct request *req = req_from(envp);

	assert_string_equal(http_header(req, "X-Request-Id"), "r1");
	assert_string_equal(http_header(req, "If-None-Match"), "\"e\"");
}

static void
header_content_type_and_length_use_cgi_names(void **state)
{
	char *envp[] = { "CONTENT_TYPE=application/json", "CONTENT_LENGTH=12",
	    "HTTP_CONTENT_TYPE=text/plain", "HTTP_CONTENT_LENGTH=99", NULL };
	struct request *req = req_from(envp);

	assert_string_equal(http_header(req, "Content-Type"), "application/json");
	assert_string_equal(http_header(req, "content-type"), "application/json");
	assert_string_equal(http_header(req, "Content-Length"), "12");
	assert_string_equal(http_header(req, "CONTENT-LENGTH"), "12");
}

static void
header_absent_is_null(void **state)
{
	char *envp[] = { "HTTP_AUTHORIZATION_EXTRA=x", "HTTP_AUTHORIZATIO=y",
	    "HTTP_COOKIE", NULL };
	struct request *req = req_from(envp);

	assert_null(http_header(req, "Authorization"));
	assert_null(http_header(req, "Cookie"));
	assert_null(http_header(req, "Content-Type"));
}

static void
header_empty_value_is_empty_string(void **state)
{
	char *envp[] = { "HTTP_ORIGIN=", NULL };

	assert_string_equal(http_header(req_from(envp), "Origin"), "");
}

/* ----------------------------------------------------------------- query */

static struct request *
req_query(const char *q)
{
	static char qs[512];
	static char *envp[] = { "REQUEST_URI=/x", qs, NULL };

	snprintf(qs, sizeof(qs), "QUERY_STRING=%s", q);
	return req_from(envp);
}

static void
query_absent(void **state)
{
	const char *v = "junk";
	size_t len = 99;

	assert_int_equal(http_query(req_query("a=1&b=2"), "c", &v, &len),
	    HTTP_QUERY_ABSENT);
	assert_null(v);
	assert_int_equal(len, 0);
	assert_int_equal(http_query(req_query(""), "a", &v, NULL),
	    HTTP_QUERY_ABSENT);
}

static void
query_present(void **state)
{
	const char *v;
	size_t len;

	assert_int_equal(http_query(req_query("a=1&limit=50&b=2"), "limit", &v,
	    &len), HTTP_QUERY_PRESENT);
	assert_string_equal(v, "50");
	assert_int_equal(len, 2);
}

static void
query_name_matches_whole_key(void **state)
{
	const char *v;

	assert_int_equal(http_query(req_query("limits=5&xlimit=6"), "limit", &v,
	    NULL), HTTP_QUERY_ABSENT);
	assert_int_equal(http_query(req_query("lim=5"), "limit", &v, NULL),
	    HTTP_QUERY_ABSENT);
}

static void
query_duplicate_gives_first(void **state)
{
	const char *v;

	assert_int_equal(http_query(req_query("a=1&a=2"), "a", &v, NULL),
	    HTTP_QUERY_DUPLICATE);
	assert_string_equal(v, "1");
	assert_int_equal(http_query(req_query("a=1&b=0&a"), "a", &v, NULL),
	    HTTP_QUERY_DUPLICATE);
	assert_string_equal(v, "1");
}

static void
query_percent_encoded_key_matches(void **state)
{
	const char *v;

	assert_int_equal(http_query(req_query("%61=1&a=2"), "a", &v, NULL),
	    HTTP_QUERY_DUPLICATE);
	assert_int_equal(http_query(req_query("page%5Bsize%5D=3"), "page[size]",
	    &v, NULL), HTTP_QUERY_PRESENT);
	assert_string_equal(v, "3");
}

static void
query_malformed_escape(void **state)
{
	const char *v = "junk";

	assert_int_equal(http_query(req_query("a=%zz"), "a", &v, NULL),
	    HTTP_QUERY_MALFORMED);
	assert_null(v);
	assert_int_equal(http_query(req_query("a=1%"), "a", &v, NULL),
	    HTTP_QUERY_MALFORMED);
	assert_int_equal(http_query(req_query("a=%4"), "a", &v, NULL),
	    HTTP_QUERY_MALFORMED);
}

static void
query_embedded_nul_malformed(void **state)
{
	const char *v = "junk";

	assert_int_equal(http_query(req_query("a=x%00y"), "a", &v, NULL),
	    HTTP_QUERY_MALFORMED);
	assert_null(v);
}

static void
query_malformed_other_key_ignored(void **state)
{
	const char *v;

	assert_int_equal(http_query(req_query("b=%zz&%zz=1&a=ok"), "a", &v,
	    NULL), HTTP_QUERY_PRESENT);
	assert_string_equal(v, "ok");
}

static void
query_plus_is_space(void **state)
{
	const char *v;
	size_t len;

	assert_int_equal(http_query(req_query("q=hello+world%2Bmore"), "q", &v,
	    &len), HTTP_QUERY_PRESENT);
	assert_string_equal(v, "hello world+more");
	assert_int_equal(len, 16);
	assert_int_equal(http_query(req_query("my+key=1"), "my key", &v, NULL),
	    HTTP_QUERY_PRESENT);
}

static void
query_percent_decoded_once(void **state)
{
	const char *v;

	assert_int_equal(http_query(req_query("a=%2541"), "a", &v, NULL),
	    HTTP_QUERY_PRESENT);
	assert_string_equal(v, "%41");
}

static void
query_empty_value(void **state)
{
	const char *v;
	size_t len = 99;

	assert_int_equal(http_query(req_query("a=&b=2"), "a", &v, &len),
	    HTTP_QUERY_PRESENT);
	assert_string_equal(v, "");
	assert_int_equal(len, 0);
}

static void
query_key_without_equals(void **state)
{
	const char *v;
	size_t len = 99;

	assert_int_equal(http_query(req_query("flag&b=2"), "flag", &v, &len),
	    HTTP_QUERY_PRESENT);
	assert_string_equal(v, "");
	assert_int_equal(len, 0);
	assert_int_equal(http_query(req_query("b=2&flag"), "flag", &v, NULL),
	    HTTP_QUERY_PRESENT);
}

static void
query_value_keeps_later_equals(void **state)
{
	const char *v;

	assert_int_equal(http_query(req_query("cursor=a=b=="), "cursor", &v,
	    NULL), HTTP_QUERY_PRESENT);
	assert_string_equal(v, "a=b==");
}

static void
query_empty_pairs_skipped(void **state)
{
	const char *v;

	assert_int_equal(http_query(req_query("&&a=1&&"), "a", &v, NULL),
	    HTTP_QUERY_PRESENT);
	assert_string_equal(v, "1");
}

/* --------------------------------------------------------------- cookies */

static struct request *
req_cookie(const char *c)
{
	static char hdr[512];
	static char *envp[] = { hdr, NULL };

	snprintf(hdr, sizeof(hdr), "HTTP_COOKIE=%s", c);
	return req_from(envp);
}

static void
cookie_among_several(void **state)
{
	struct request *req = req_cookie("a=1; rensei_session=abc; b=2");

	assert_string_equal(http_cookie(req, "rensei_session"), "abc");
	assert_string_equal(http_cookie(req, "a"), "1");
	assert_string_equal(http_cookie(req, "b"), "2");
}

static void
cookie_spaces_and_no_spaces(void **state)
{
	struct request *req = req_cookie("  a=1;b=2 ;   c=3  ");

	assert_string_equal(http_cookie(req, "a"), "1");
	assert_string_equal(http_cookie(req, "b"), "2");
	assert_string_equal(http_cookie(req, "c"), "3");
}

static void
cookie_absent(void **state)
{
	char *envp[] = { NULL };

	assert_null(http_cookie(req_cookie("a=1; b=2"), "c"));
	assert_null(http_cookie(req_from(envp), "a"));
	assert_null(http_cookie(req_cookie(""), "a"));
}

static void
cookie_name_is_not_a_prefix_match(void **state)
{
	struct request *req = req_cookie("sess=1; xsession=2; session_old=3");

	assert_null(http_cookie(req, "session"));
	assert_string_equal(http_cookie(req, "sess"), "1");
}

static void
cookie_first_of_duplicates(void **state)
{
	assert_string_equal(http_cookie(req_cookie("a=1; a=2"), "a"), "1");
}

static void
cookie_empty_value(void **state)
{
	assert_string_equal(http_cookie(req_cookie("a=; b=2"), "a"), "");
}

static void
cookie_value_with_equals(void **state)
{
	assert_string_equal(http_cookie(req_cookie("t=YWJj==; b=2"), "t"),
	    "YWJj==");
}

/* --------------------------------------------------------------- params */

static void
param_by_name(void **state)
{
	char *envp[] = { NULL };
	struct request *req = req_from(envp);

	req->param_names[0] = "id";
	req->params[0] = "w1";
	req->param_names[1] = "sub";
	req->params[1] = "s2";
	req->nparams = 2;
	assert_string_equal(http_param(req, "id"), "w1");
	assert_string_equal(http_param(req, "sub"), "s2");
	assert_null(http_param(req, "other"));
}

/* ------------------------------------------------------- error envelope */

static void
error_envelope_exact(void **state)
{
	http_error(&fx->resp, 404, "Not found");
	assert_int_equal(fx->resp.status, 404);
	assert_string_equal(body_str(),
	    "{\"error\":\"Not Found\",\"message\":\"Not found\"}");
}

static void
error_envelope_for_each_status(void **state)
{
	static const int codes[] = { 400, 401, 403, 405, 409, 413, 429, 500, 503 };
	char want[256];

	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		http_error(&fx->resp, codes[i], "m");
		snprintf(want, sizeof(want),
		    "{\"error\":\"%s\",\"message\":\"m\"}", http_reason(codes[i]));
		assert_int_equal(fx->resp.status, codes[i]);
		assert_string_equal(body_str(), want);
	}
}

static void
error_code_adds_code_member(void **state)
{
	http_error_code(&fx->resp, 409, "Worker already registered",
	    "worker_exists");
	assert_int_equal(fx->resp.status, 409);
	assert_string_equal(body_str(),
	    "{\"error\":\"Conflict\",\"message\":\"Worker already registered\","
	    "\"code\":\"worker_exists\"}");
}

static void
error_code_null_code_omitted(void **state)
{
	http_error_code(&fx->resp, 400, "Bad", NULL);
	assert_string_equal(body_str(),
	    "{\"error\":\"Bad Request\",\"message\":\"Bad\"}");
}

static void
oauth_error_envelope(void **state)
{
	http_error_oauth(&fx->resp, 401, "invalid_client",
	    "Client authentication failed");
	assert_int_equal(fx->resp.status, 401);
	assert_string_equal(body_str(), "{\"error\":\"invalid_client\","
	    "\"error_description\":\"Client authentication failed\"}");
}

static void
scim_error_envelope_with_and_without_type(void **state)
{
	http_error_scim(&fx->resp, 409, "uniqueness", "userName taken");
	assert_int_equal(fx->resp.status, 409);
	assert_string_equal(fx->resp.content_type, "application/scim+json");
	assert_string_equal(body_str(), "{\"schemas\":[\"urn:ietf:params:scim:"
	    "api:messages:2.0:Error\"],\"status\":\"409\",\"scimType\":"
	    "\"uniqueness\",\"detail\":\"userName taken\"}");
	http_error_scim(&fx->resp, 404, NULL, "Resource not found");
	assert_string_equal(body_str(), "{\"schemas\":[\"urn:ietf:params:scim:"
	    "api:messages:2.0:Error\"],\"status\":\"404\",\"detail\":"
	    "\"Resource not found\"}");
}

static void
jsonrpc_error_envelope_is_http_200(void **state)
{
	http_error_jsonrpc(&fx->resp, "\"1\"", -32602, "Invalid params");
	assert_int_equal(fx->resp.status, 200);
	assert_string_equal(body_str(), "{\"jsonrpc\":\"2.0\",\"id\":\"1\","
	    "\"error\":{\"code\":-32602,\"message\":\"Invalid params\"}}");
	http_error_jsonrpc(&fx->resp, NULL, -32700, "Parse error");
	assert_string_equal(body_str(), "{\"jsonrpc\":\"2.0\",\"id\":null,"
	    "\"error\":{\"code\":-32700,\"message\":\"Parse error\"}}");
}

static void
error_replaces_earlier_body(void **state)
{
	buf_puts(&fx->resp.body, "{\"partial\":");
	http_error(&fx->resp, 500, "Internal error");
	assert_string_equal(body_str(),
	    "{\"error\":\"Internal Server Error\",\"message\":\"Internal error\"}");
}

static void
error_message_escaped(void **state)
{
	http_error(&fx->resp, 400, "bad \"name\"\n\\");
	assert_string_equal(body_str(),
	    "{\"error\":\"Bad Request\",\"message\":\"bad \\\"name\\\"\\n\\\\\"}");
}

/* ------------------------------------------------------------ pct_decode */

static void
pct_decode_basic(void **state)
{
	size_t len = 0;
	char *p = http_pct_decode(&fx->arena, "a%41%62c", 8, 0, &len);

	assert_string_equal(p, "aAbc");
	assert_int_equal(len, 4);
	assert_string_equal(http_pct_decode(&fx->arena, "%2f%2F", 6, 0, NULL),
	    "//");
}

static void
pct_decode_rejects_nul(void **state)
{
	assert_null(http_pct_decode(&fx->arena, "%00", 3, 0, NULL));
	assert_null(http_pct_decode(&fx->arena, "ab%00cd", 7, 1, NULL));
}

static void
pct_decode_rejects_truncated_escape(void **state)
{
	assert_null(http_pct_decode(&fx->arena, "%", 1, 0, NULL));
	assert_null(http_pct_decode(&fx->arena, "%4", 2, 0, NULL));
	assert_null(http_pct_decode(&fx->arena, "ab%", 3, 0, NULL));
	assert_null(http_pct_decode(&fx->arena, "ab%4", 4, 0, NULL));
	/* n bounds the input: the escape is cut by n, not by the NUL. */
	assert_null(http_pct_decode(&fx->arena, "%41", 2, 0, NULL));
}

static void
pct_decode_rejects_non_hex(void **state)
{
	assert_null(http_pct_decode(&fx->arena, "%zz", 3, 0, NULL));
	assert_null(http_pct_decode(&fx->arena, "%4g", 3, 0, NULL));
	assert_null(http_pct_decode(&fx->arena, "%g4", 3, 0, NULL));
	assert_null(http_pct_decode(&fx->arena, "% 1", 3, 0, NULL));
}

static void
pct_decode_plus_only_in_plus_space_mode(void **state)
{
	assert_string_equal(http_pct_decode(&fx->arena, "a+b", 3, 1, NULL), "a b");
	assert_string_equal(http_pct_decode(&fx->arena, "a+b", 3, 0, NULL), "a+b");
}

static void
pct_decode_empty(void **state)
{
	size_t len = 99;

	assert_string_equal(http_pct_decode(&fx->arena, "", 0, 0, &len), "");
	assert_int_equal(len, 0);
}

static void
pct_decode_high_bytes_passed_through(void **state)
{
	size_t len;
	char *p = http_pct_decode(&fx->arena, "%C3%A9%ff", 9, 0, &len);

	assert_int_equal(len, 3);
	assert_memory_equal(p, "\xc3\xa9\xff", 3);
}

/* ------------------------------------------------------------- body read */

static void
body_without_fcgi_or_length_is_empty(void **state)
{
	char *envp[] = { "REQUEST_METHOD=POST", NULL };
	struct request *req = req_from(envp);

	assert_int_equal(http_read_body(req), HTTP_BODY_OK);
	assert_non_null(req->body);
	assert_string_equal(req->body, "");
	assert_int_equal(req->body_len, 0);
}

static void
read_json_accepts_object_and_empty_body(void **state)
{
	char *envp[] = { "REQUEST_METHOD=POST", "REQUEST_URI=/x",
	    "CONTENT_LENGTH=7", NULL };
	char *envp0[] = { "REQUEST_METHOD=POST", "REQUEST_URI=/x", NULL };
	struct request *req = req_with_body(envp, "{\"a\":1}", 7);
	struct json_object *o = http_read_json(req, &fx->resp);

	assert_non_null(o);
	assert_ptr_equal(o, req->json);
	assert_true(json_object_is_type(o, json_type_object));
	json_object_put(req->json);
	req = req_with_body(envp0, "", 0);
	assert_non_null(o = http_read_json(req, &fx->resp));
	assert_int_equal(json_object_object_length(o), 0);
	json_object_put(req->json);
}

static void
read_json_rejects_array_duplicate_and_nul(void **state)
{
	static const char *bad[] = { "[]", "{\"a\":1,\"a\":2}",
	    "{\"a\":\"\\u0000\"}", "{", "null" };
	char *envp[] = { "REQUEST_METHOD=POST", "REQUEST_URI=/x", NULL };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct request *req = req_with_body(envp, bad[i], strlen(bad[i]));

		assert_null(http_read_json(req, &fx->resp));
		assert_null(req->json);
		assert_int_equal(fx->resp.status, 400);
		assert_string_equal(body_str(), "{\"error\":\"Bad Request\","
		    "\"message\":\"Invalid JSON body\"}");
	}
}

static void
store_unavailable_and_no_store_headers(void **state)
{
	http_store_unavailable(&fx->resp, "Failed to poll for work");
	assert_int_equal(fx->resp.status, 503);
	assert_non_null(strstr(fx->resp.headers.data, "Retry-After: 1\r\n"));
	http_no_store(&fx->resp);
	assert_non_null(strstr(fx->resp.headers.data,
	    "Cache-Control: no-store\r\nPragma: no-cache\r\n"));
	assert_true(fx->resp.no_log_body);
}

static void
body_read_with_content_length(void **state)
{
	char *envp[] = { "REQUEST_METHOD=POST", "CONTENT_LENGTH=7", NULL };
	struct request *req = req_with_body(envp, "{\"a\":1}", 7);

	assert_int_equal(http_read_body(req), HTTP_BODY_OK);
	assert_int_equal(req->body_len, 7);
	assert_string_equal(req->body, "{\"a\":1}");
}

static void
body_read_stops_at_content_length(void **state)
{
	char *envp[] = { "REQUEST_METHOD=POST", "CONTENT_LENGTH=3", NULL };
	struct request *req = req_with_body(envp, "abcdef", 6);

	assert_int_equal(http_read_body(req), HTTP_BODY_OK);
	assert_int_equal(req->body_len, 3);
	assert_string_equal(req->body, "abc");
	assert_int_equal(consumed(), 3);
}

static void
body_read_without_content_length_reads_to_end(void **state)
{
	char *envp[] = { "REQUEST_METHOD=POST", NULL };
	struct request *req = req_with_body(envp, "hello", 5);

	assert_int_equal(http_read_body(req), HTTP_BODY_OK);
	assert_int_equal(req->body_len, 5);
	assert_string_equal(req->body, "hello");
}

static void
body_keeps_embedded_nul_and_length(void **state)
{
	char *envp[] = { "CONTENT_LENGTH=3", NULL };
	struct request *req = req_with_body(envp, "a\0b", 3);

	assert_int_equal(http_read_body(req), HTTP_BODY_OK);
	assert_int_equal(req->body_len, 3);
	assert_memory_equal(req->body, "a\0b", 4);
}

static void
body_content_length_zero_is_empty(void **state)
{
	char *envp[] = { "CONTENT_LENGTH=0", NULL };
	struct request *req = req_with_body(envp, "ignored", 7);

	assert_int_equal(http_read_body(req), HTTP_BODY_OK);
	assert_int_equal(req->body_len, 0);
	assert_string_equal(req->body, "");
	assert_int_equal(consumed(), 0);
}

static void
body_content_length_above_cap_refused_without_reading(void **state)
{
	char *envp[] = { "REQUEST_METHOD=POST", "CONTENT_LENGTH=11", NULL };
	struct request *req = req_with_body(envp, "0123456789A", 11);

	req->body_cap = 10;
	assert_int_equal(http_read_body(req), HTTP_BODY_TOO_LARGE);
	assert_int_equal(consumed(), 0);
	assert_int_equal(fx->fills, 0);
}

static void
body_huge_content_length_refused_without_reading(void **state)
{
	char *envp[] = { "CONTENT_LENGTH=18446744073709551615", NULL };
	struct request *req = req_with_body(envp, "x", 1);

	assert_int_equal(http_read_body(req), HTTP_BODY_TOO_LARGE);
	assert_int_equal(consumed(), 0);
}

static void
body_content_length_above_default_cap_refused(void **state)
{
	char *envp[] = { "CONTENT_LENGTH=1048577", NULL };
	struct request *req = req_from(envp);

	assert_int_equal(http_read_body(req), HTTP_BODY_TOO_LARGE);
}

static void
body_content_length_equal_to_cap_accepted(void **state)
{
	char *envp[] = { "CONTENT_LENGTH=10", NULL };
	struct request *req = req_with_body(envp, "0123456789", 10);

	req->body_cap = 10;
	assert_int_equal(http_read_body(req), HTTP_BODY_OK);
	assert_int_equal(req->body_len, 10);
	assert_string_equal(req->body, "0123456789");
}

/* A body without Content-Length is read only to one byte past the cap. */
static void
body_without_length_above_cap_refused(void **state)
{
	char *envp[] = { "REQUEST_METHOD=POST", NULL };
	struct request *req = req_with_body(envp, "0123456789ABCDEF", 16);

	req->body_cap = 10;
	assert_int_equal(http_read_body(req), HTTP_BODY_TOO_LARGE);
	assert_int_equal(consumed(), 11);
}

static void
body_with_bad_content_length_capped(void **state)
{
	char *envp[] = { "CONTENT_LENGTH=12abc", NULL };
	struct request *req = req_with_body(envp, "0123456789ABCDEF", 16);

	req->body_cap = 10;
	assert_int_equal(http_read_body(req), HTTP_BODY_TOO_LARGE);
	assert_true(consumed() <= 11);
}

static void
body_read_twice_gives_same_result(void **state)
{
	char *envp[] = { "CONTENT_LENGTH=2", NULL };
	struct request *req = req_with_body(envp, "ok", 2);
	const char *first;

	assert_int_equal(http_read_body(req), HTTP_BODY_OK);
	first = req->body;
	assert_int_equal(http_read_body(req), HTTP_BODY_OK);
	assert_ptr_equal(req->body, first);
	assert_int_equal(req->body_len, 2);
}

static void
body_too_large_twice_stays_too_large(void **state)
{
	char *envp[] = { "CONTENT_LENGTH=11", NULL };
	struct request *req = req_with_body(envp, "0123456789A", 11);

	req->body_cap = 10;
	assert_int_equal(http_read_body(req), HTTP_BODY_TOO_LARGE);
	assert_int_equal(http_read_body(req), HTTP_BODY_TOO_LARGE);
	assert_int_equal(consumed(), 0);
}

/* ---------------------------------------------------------------- send */

static void
send_writes_status_type_length_headers_body(void **state)
{
	char *envp[] = { "REQUEST_METHOD=GET", NULL };
	struct request *req = req_with_body(envp, "", 0);
	const char *want = "Status: 404 Not Found\r\n"
	    "Content-Type: application/json\r\n"
	    "Content-Length: 43\r\n"
	    "X-Test: 1\r\n"
	    "\r\n"
	    "{\"error\":\"Not Found\",\"message\":\"Not found\"}";

	http_set_header(&fx->resp, "X-Test", "1");
	http_error(&fx->resp, 404, "Not found");
	assert_int_equal(http_send(req, &fx->resp), 0);
	assert_int_equal(fx->out.wrNext - fx->out_data, strlen(want));
	assert_memory_equal(fx->out_data, want, strlen(want));
}

static void
send_head_omits_body_keeps_length(void **state)
{
	char *envp[] = { "REQUEST_METHOD=HEAD", NULL };
	struct request *req = req_with_body(envp, "", 0);
	const char *want = "Status: 200 OK\r\n"
	    "Content-Type: application/json\r\n"
	    "Content-Length: 2\r\n"
	    "\r\n";

	buf_puts(&fx->resp.body, "{}");
	http_json(&fx->resp, 200);
	assert_int_equal(http_send(req, &fx->resp), 0);
	assert_int_equal(fx->out.wrNext - fx->out_data, strlen(want));
	assert_memory_equal(fx->out_data, want, strlen(want));
}

static void
send_204_has_no_body_or_type(void **state)
{
	char *envp[] = { "REQUEST_METHOD=DELETE", NULL };
	struct request *req = req_with_body(envp, "", 0);
	const char *want = "Status: 204 No Content\r\n"
	    "Content-Length: 0\r\n"
	    "\r\n";

	buf_puts(&fx->resp.body, "{}");
	http_json(&fx->resp, 204);
	assert_int_equal(http_send(req, &fx->resp), 0);
	assert_int_equal(fx->out.wrNext - fx->out_data, strlen(want));
	assert_memory_equal(fx->out_data, want, strlen(want));
}

static void
response_reset_clears_state(void **state)
{
	http_set_header(&fx->resp, "X-A", "1");
	http_error(&fx->resp, 500, "x");
	fx->resp.content_type = "text/plain";
	fx->resp.no_log_body = 1;
	http_response_reset(&fx->resp);
	assert_int_equal(fx->resp.status, 200);
	assert_int_equal(fx->resp.body.len, 0);
	assert_int_equal(fx->resp.headers.len, 0);
	assert_null(fx->resp.content_type);
	assert_int_equal(fx->resp.no_log_body, 0);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(reason_phrases_match_spec),
		T(oauth_error_envelope),
		T(read_json_accepts_object_and_empty_body),
		T(read_json_rejects_array_duplicate_and_nul),
		T(store_unavailable_and_no_store_headers),
		T(scim_error_envelope_with_and_without_type),
		T(jsonrpc_error_envelope_is_http_200),
		T(reason_of_unknown_status),
		T(request_init_splits_path_and_query),
		T(request_init_defaults),
		T(request_init_query_from_uri_without_query_string),
		T(request_init_head_flag),
		T(request_ids_differ),
		T(request_id_from_nginx),
		T(header_authorization_maps_to_http_authorization),
		T(header_dashes_become_underscores),
		T(header_content_type_and_length_use_cgi_names),
		T(header_absent_is_null),
		T(header_empty_value_is_empty_string),
		T(query_absent),
		T(query_present),
		T(query_name_matches_whole_key),
		T(query_duplicate_gives_first),
		T(query_percent_encoded_key_matches),
		T(query_malformed_escape),
		T(query_embedded_nul_malformed),
		T(query_malformed_other_key_ignored),
		T(query_plus_is_space),
		T(query_percent_decoded_once),
		T(query_empty_value),
		T(query_key_without_equals),
		T(query_value_keeps_later_equals),
		T(query_empty_pairs_skipped),
		T(cookie_among_several),
		T(cookie_spaces_and_no_spaces),
		T(cookie_absent),
		T(cookie_name_is_not_a_prefix_match),
		T(cookie_first_of_duplicates),
		T(cookie_empty_value),
		T(cookie_value_with_equals),
		T(param_by_name),
		T(error_envelope_exact),
		T(error_envelope_for_each_status),
		T(error_code_adds_code_member),
		T(error_code_null_code_omitted),
		T(error_replaces_earlier_body),
		T(error_message_escaped),
		T(pct_decode_basic),
		T(pct_decode_rejects_nul),
		T(pct_decode_rejects_truncated_escape),
		T(pct_decode_rejects_non_hex),
		T(pct_decode_plus_only_in_plus_space_mode),
		T(pct_decode_empty),
		T(pct_decode_high_bytes_passed_through),
		T(body_without_fcgi_or_length_is_empty),
		T(body_read_with_content_length),
		T(body_read_stops_at_content_length),
		T(body_read_without_content_length_reads_to_end),
		T(body_keeps_embedded_nul_and_length),
		T(body_content_length_zero_is_empty),
		T(body_content_length_above_cap_refused_without_reading),
		T(body_huge_content_length_refused_without_reading),
		T(body_content_length_above_default_cap_refused),
		T(body_content_length_equal_to_cap_accepted),
		T(body_without_length_above_cap_refused),
		T(body_with_bad_content_length_capped),
		T(body_read_twice_gives_same_result),
		T(body_too_large_twice_stays_too_large),
		T(send_writes_status_type_length_headers_body),
		T(send_head_omits_body_keeps_length),
		T(send_204_has_no_body_or_type),
		T(response_reset_clears_state),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
