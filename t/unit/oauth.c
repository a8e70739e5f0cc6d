/* t/unit/oauth.c -- request parsing of the token service (05-oauth.md §1.1,
 * §1.2). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "arena.h"
#include "http.h"
#include "oauth.h"

static struct arena A;

static void
form_decoding(void **state)
{
	size_t n;
	char *s;

	(void)state;
	s = oauth_form_decode(&A, "a+b%3Ac%2b", 10, &n);
	assert_non_null(s);
	assert_string_equal(s, "a b:c+");
	assert_int_equal(n, 6);
	assert_null(oauth_form_decode(&A, "%4", 2, NULL));
	assert_null(oauth_form_decode(&A, "%zz", 3, NULL));
	assert_null(oauth_form_decode(&A, "abc%", 4, NULL));
	assert_null(oauth_form_decode(&A, "%00", 3, NULL));      /* NUL */
	assert_null(oauth_form_decode(&A, "%ff%fe", 6, NULL));   /* not UTF-8 */
	s = oauth_form_decode(&A, "%C3%A9", 6, &n);
	assert_non_null(s);
	assert_int_equal(n, 2);
	arena_reset(&A);
}

static void
form_params(void **state)
{
	struct oauth_param p[3] = { { "grant_type", NULL, 0 },
	    { "scope", NULL, 0 }, { "client_id", NULL, 0 } };
	const char *which = NULL;
	const char *b1 = "grant_type=client_credentials&scope=&x=1&&client_id=m2m_1";
	const char *b2 = "scope=a&scope=b";

	(void)state;
	assert_int_equal(oauth_form_parse(&A, b1, strlen(b1), p, 3, &which),
	    OAUTH_PARSE_OK);
	assert_string_equal(p[0].value, "client_credentials");
	assert_null(p[1].value);                 /* empty = absent */
	assert_string_equal(p[2].value, "m2m_1");
	assert_int_equal(oauth_form_parse(&A, b2, strlen(b2), p, 3, &which),
	    OAUTH_PARSE_REPEATED);
	assert_string_equal(which, "scope");
	assert_int_equal(oauth_form_parse(&A, "scope=%G0", 9, p, 3, &which),
	    OAUTH_PARSE_MALFORMED);
	/* An escaped name: the value starts after the raw '='. */
	assert_int_equal(oauth_form_parse(&A, "%67rant%5Ftype=x+y%21", 21, p, 3,
	    &which), OAUTH_PARSE_OK);
	assert_string_equal(p[0].value, "x y!");
	assert_int_equal(p[0].len, 4);
	/* No '=' and an empty name: absent, ignored. */
	assert_int_equal(oauth_form_parse(&A, "scope&=x", 8, p, 3, &which),
	    OAUTH_PARSE_OK);
	assert_null(p[1].value);
	arena_reset(&A);
}

static void
json_params(void **state)
{
	struct oauth_param p[2] = { { "grant_type", NULL, 0 },
	    { "scope", NULL, 0 } };
	const char *ok = "{\"grant_type\":\"client_credentials\",\"other\":\"x\"}";
	const char *num = "{\"grant_type\":1}";
	const char *dup = "{\"scope\":\"a\",\"scope\":\"b\"}";

	(void)state;
	assert_int_equal(oauth_json_parse(&A, ok, strlen(ok), p, 2),
	    OAUTH_PARSE_OK);
	assert_string_equal(p[0].value, "client_credentials");
	assert_null(p[1].value);
	assert_int_equal(oauth_json_parse(&A, num, strlen(num), p, 2),
	    OAUTH_PARSE_MALFORMED);
	assert_int_equal(oauth_json_parse(&A, dup, strlen(dup), p, 2),
	    OAUTH_PARSE_MALFORMED);
	assert_int_equal(oauth_json_parse(&A, "[]", 2, p, 2),
	    OAUTH_PARSE_MALFORMED);
	assert_int_equal(oauth_json_parse(&A, "{", 1, p, 2),
	    OAUTH_PARSE_MALFORMED);
	arena_reset(&A);
}

static void
content_types(void **state)
{
	(void)state;
	assert_int_equal(oauth_content_type("application/x-www-form-urlencoded"),
	    OAUTH_CT_FORM);
	assert_int_equal(oauth_content_type(
	    "Application/X-WWW-Form-Urlencoded; charset=\"UTF-8\""), OAUTH_CT_FORM);
	assert_int_equal(oauth_content_type("application/json;charset=utf-8"),
	    OAUTH_CT_JSON);
	assert_int_equal(oauth_content_type(
	    "application/x-www-form-urlencoded; charset=iso-8859-1"),
	    OAUTH_CT_OTHER);
	assert_int_equal(oauth_content_type("text/plain"), OAUTH_CT_OTHER);
	assert_int_equal(oauth_content_type("application/jsonx"), OAUTH_CT_OTHER);
	assert_int_equal(oauth_content_type(NULL), OAUTH_CT_OTHER);
}

static void
basic(void **state)
{
	const char *id, *secret;

	(void)state;
	/* "m2m_a:b%3Ac" → id m2m_a, secret b:c */
	assert_int_equal(oauth_basic_decode(&A, "bTJtX2E6YiUzQWM=", &id, &secret), 1);
	assert_string_equal(id, "m2m_a");
	assert_string_equal(secret, "b:c");
	/* first ':' splits: "a:b:c" */
	assert_int_equal(oauth_basic_decode(&A, "YTpiOmM=", &id, &secret), 1);
	assert_string_equal(id, "a");
	assert_string_equal(secret, "b:c");
	assert_int_equal(oauth_basic_decode(&A, "YTpiOmM", &id, &secret), 0);
	assert_int_equal(oauth_basic_decode(&A, "YTpi OmM=", &id, &secret), 0);
	assert_int_equal(oauth_basic_decode(&A, "YWJj", &id, &secret), 0); /* no ':' */
	assert_int_equal(oauth_basic_decode(&A, "", &id, &secret), 0);
	assert_int_equal(oauth_basic_decode(&A, "!!!!", &id, &secret), 0);
	arena_reset(&A);
}

static void
client_ids(void **state)
{
	(void)state;
	assert_true(oauth_client_id_valid("m2m_0123456789abcdef0123456789abcdef"));
	assert_false(oauth_client_id_valid("m2m_0123456789ABCDEF0123456789abcdef"));
	assert_false(oauth_client_id_valid("m2m_0123456789abcdef0123456789abcde"));
	assert_false(oauth_client_id_valid("m2x_0123456789abcdef0123456789abcdef"));
	assert_false(oauth_client_id_valid(NULL));
}

static void
scope_grants(void **state)
{
	const char *held[] = { "sessions:read", "workers:read" };
	const char *star[] = { "*" };
	struct oauth_client c = { "m2m_x", "org_x", held, 2 };
	struct oauth_client s = { "m2m_y", "org_x", star, 1 };
	const char **g;
	size_t n;

	(void)state;
	assert_int_equal(oauth_scope_grant(&A, &c, NULL, &g, &n), 1);
	assert_int_equal(n, 2);
	assert_string_equal(g[0], "sessions:read");
	assert_int_equal(oauth_scope_grant(&A, &c, "   ", &g, &n), 1);
	assert_int_equal(n, 2);
	assert_int_equal(oauth_scope_grant(&A, &c,
	    "  workers:read  sessions:read workers:read ", &g, &n), 1);
	assert_int_equal(n, 2);
	assert_string_equal(g[0], "workers:read");
	assert_string_equal(g[1], "sessions:read");
	assert_int_equal(oauth_scope_grant(&A, &c, "sessions:write", &g, &n), 0);
	assert_int_equal(oauth_scope_grant(&A, &c, "bogus", &g, &n), 0);
	assert_int_equal(oauth_scope_grant(&A, &c, "*", &g, &n), 0);
	assert_int_equal(oauth_scope_grant(&A, &s, "sessions:write", &g, &n), 1);
	assert_int_equal(oauth_scope_grant(&A, &s, "*", &g, &n), 1);
	assert_int_equal(oauth_scope_grant(&A, &s, "system", &g, &n), 0);
	assert_int_equal(oauth_scope_grant(&A, &s, "org_keys:write", &g, &n), 0);
	arena_reset(&A);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(form_decoding),
		cmocka_unit_test(form_params),
		cmocka_unit_test(json_params),
		cmocka_unit_test(content_types),
		cmocka_unit_test(basic),
		cmocka_unit_test(client_ids),
		cmocka_unit_test(scope_grants),
	};
	int rc;

	arena_init(&A);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	arena_free(&A);
	return rc;
}
