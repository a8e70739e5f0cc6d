/* t/unit/valid.c -- validation tables, strict and lax, bodies and queries. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "arena.h"
#include "json.h"
#include "valid.h"

/* One arena per test, reset by the fixture. */
static struct arena	 A;
static struct json_object *root;

static int
setup(void **state)
{
	arena_init(&A);
	root = NULL;
	return 0;
}

static int
teardown(void **state)
{
	json_object_put(root);
	root = NULL;
	arena_free(&A);
	return 0;
}

/* Parses body and applies the table; the tree stays in root. */
static int
run(enum valid_mode mode, const struct valid_field *f, size_t n,
    const char *body, struct valid_val *out, struct valid_err *err)
{
	json_object_put(root);
	root = NULL;
	return valid_json_body(&A, mode, f, n, body, strlen(body), &root, out,
	    err);
}

#define RUN(mode, f, body, out, err) \
	run((mode), (f), sizeof(f) / sizeof((f)[0]), (body), (out), (err))

/* The error message a body gets, or NULL when it passes. */
static const char *
msg_of(enum valid_mode mode, const struct valid_field *f, size_t n,
    const char *body)
{
	struct valid_val	out[16];
	struct valid_err	err;

	assert_true(n <= 16);
	if (run(mode, f, n, body, out, &err) == 0)
		return NULL;
	assert_int_equal(err.status, 400);
	return err.msg;
}

#define MSG(mode, f, body) \
	msg_of((mode), (f), sizeof(f) / sizeof((f)[0]), (body))

static void
assert_msg(const char *got, const char *want)
{
	if (want == NULL) {
		if (got != NULL)
			fail_msg("unexpected error \"%s\"", got);
		return;
	}
	if (got == NULL)
		fail_msg("expected \"%s\", got success", want);
	assert_string_equal(got, want);
}

/* A body {"<name>":"<fill x n><tail>"} built in the arena. */
static const char *
body_with_string(const char *name, char fill, size_t n, const char *tail)
{
	size_t	 nl = strlen(name), tl = strlen(tail), o = 0;
	char	*s = arena_alloc(&A, nl + n + tl + 16);

	s[o++] = '{';
	s[o++] = '"';
	memcpy(s + o, name, nl);
	o += nl;
	memcpy(s + o, "\":\"", 3);
	o += 3;
	memset(s + o, fill, n);
	o += n;
	memcpy(s + o, tail, tl);
	o += tl;
	memcpy(s + o, "\"}", 3);
	return s;
}

/* ---- the console's dispatch table (04-console.md §4.3) ---- */

static const char *const work_types[] = { "development", "qa", "research",
    NULL };

/* 1-64 printable ASCII, no spaces. */
static int
check_identifier(struct arena *a, const struct valid_field *f,
    struct valid_val *v, const char **msg)
{
	size_t i;

	for (i = 0; i < v->len; i++)
		if (v->s[i] <= ' ' || v->s[i] > '~')
			return -1;
	return 0;
}

enum { D_IDENT, D_TITLE, D_PROMPT, D_WORKTYPE, D_PRIORITY, D__MAX };

static const struct valid_field dispatch[D__MAX] = {
	[D_IDENT] = { "issueIdentifier", VALID_STRING, VALID_REQUIRED,
	    .maxlen = 64, .check = check_identifier,
	    .msg_invalid = "issueIdentifier must be 1-64 printable ASCII "
	    "characters without spaces" },
	[D_TITLE] = { "issueTitle", VALID_STRING, VALID_CHARS, .maxlen = 500 },
	[D_PROMPT] = { "prompt", VALID_STRING, VALID_REQUIRED,
	    .maxlen = 32768, .msg_toolong = "prompt exceeds 32768 bytes" },
	[D_WORKTYPE] = { "workType", VALID_STRING, 0, .oneof = work_types },
	[D_PRIORITY] = { "priority", VALID_INT, VALID_MIN | VALID_MAX,
	    .min = 1, .max = 9 },
};

static void
strict_accepts_good_body(void **state)
{
	struct valid_val	v[D__MAX];
	struct valid_err	err;

	assert_int_equal(RUN(VALID_STRICT, dispatch, "{\"issueIdentifier\":"
	    "\"ENG-124\",\"prompt\":\"do it\",\"priority\":2,\"extra\":[1]}",
	    v, &err), 0);
	assert_true(v[D_IDENT].present);
	assert_string_equal(v[D_IDENT].s, "ENG-124");
	assert_int_equal(v[D_IDENT].len, 7);
	assert_false(v[D_TITLE].present);
	assert_false(v[D_WORKTYPE].present);
	assert_true(v[D_PRIORITY].present);
	assert_int_equal(v[D_PRIORITY].i, 2);
	assert_null(err.msg);
}

static void
strict_missing_required_is_required(void **state)
{
	assert_msg(MSG(VALID_STRICT, dispatch, "{\"prompt\":\"p\"}"),
	    "issueIdentifier is required");
	assert_msg(MSG(VALID_STRICT, dispatch, "{\"issueIdentifier\":\"A\"}"),
	    "prompt is required");
}

static void
strict_null_required_is_required(void **state)
{
	assert_msg(MSG(VALID_STRICT, dispatch,
	    "{\"issueIdentifier\":null,\"prompt\":\"p\"}"),
	    "issueIdentifier is required");
}

static void
strict_empty_required_string_is_required(void **state)
{
	assert_msg(MSG(VALID_STRICT, dispatch,
	    "{\"issueIdentifier\":\"A\",\"prompt\":\"\"}"),
	    "prompt is required");
}

static void
strict_reports_first_failing_field_in_table_order(void **state)
{
	/* Both wrong; the body lists priority first, the table prompt. */
	assert_msg(MSG(VALID_STRICT, dispatch, "{\"priority\":0,"
	    "\"issueIdentifier\":\"A\"}"), "prompt is required");
	assert_msg(MSG(VALID_STRICT, dispatch, "{\"priority\":0,"
	    "\"workType\":\"x\",\"issueIdentifier\":\"A\",\"prompt\":\"p\"}"),
	    "workType must be one of: development, qa, research");
}

static void
strict_integer_rule_message(void **state)
{
	static const char *const bad[] = { "0", "10", "2.5", "\"3\"", "true",
	    "-1", "1e300", "[]" };
	char	body[128];
	size_t	i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(body, sizeof(body), "{\"issueIdentifier\":\"A\","
		    "\"prompt\":\"p\",\"priority\":%s}", bad[i]);
		assert_msg(MSG(VALID_STRICT, dispatch, body),
		    "priority must be an integer between 1 and 9");
	}
}

static void
strict_integer_accepts_integral_number(void **state)
{
	struct valid_val	v[D__MAX];
	struct valid_err	err;

	assert_int_equal(RUN(VALID_STRICT, dispatch, "{\"issueIdentifier\":"
	    "\"A\",\"prompt\":\"p\",\"priority\":5.0}", v, &err), 0);
	assert_int_equal(v[D_PRIORITY].i, 5);
}

static void
strict_enum_message(void **state)
{
	assert_msg(MSG(VALID_STRICT, dispatch, "{\"issueIdentifier\":\"A\","
	    "\"prompt\":\"p\",\"workType\":\"Development\"}"),
	    "workType must be one of: development, qa, research");
	assert_msg(MSG(VALID_STRICT, dispatch, "{\"issueIdentifier\":\"A\","
	    "\"prompt\":\"p\",\"workType\":7}"),
	    "workType must be one of: development, qa, research");
	assert_msg(MSG(VALID_STRICT, dispatch, "{\"issueIdentifier\":\"A\","
	    "\"prompt\":\"p\",\"workType\":\"qa\"}"), NULL);
}

static void
strict_msg_invalid_overrides_check_and_length(void **state)
{
	const char *want = "issueIdentifier must be 1-64 printable ASCII "
	    "characters without spaces";

	assert_msg(MSG(VALID_STRICT, dispatch, "{\"issueIdentifier\":"
	    "\"ENG 1\",\"prompt\":\"p\"}"), want);
	assert_msg(MSG(VALID_STRICT, dispatch, "{\"issueIdentifier\":"
	    "\"\xc3\xa9\",\"prompt\":\"p\"}"), want);
	assert_msg(MSG(VALID_STRICT, dispatch, "{\"issueIdentifier\":5,"
	    "\"prompt\":\"p\"}"), want);
	assert_msg(MSG(VALID_STRICT, dispatch, body_with_string(
	    "issueIdentifier", 'A', 65, "")), want);
	assert_msg(MSG(VALID_STRICT, dispatch, body_with_string(
	    "issueIdentifier", 'A', 64, "\",\"prompt\":\"p")), NULL);
}

static void
strict_msg_toolong_override(void **state)
{
	assert_msg(MSG(VALID_STRICT, dispatch, body_with_string("prompt", 'x',
	    32769, "\",\"issueIdentifier\":\"A")),
	    "prompt exceeds 32768 bytes");
	assert_msg(MSG(VALID_STRICT, dispatch, body_with_string("prompt", 'x',
	    32768, "\",\"issueIdentifier\":\"A")), NULL);
}

static void
strict_derived_length_rule_counts_characters(void **state)
{
	char	*b;
	size_t	 i, o;

	/* 500 two-byte characters pass; 501 do not. */
	b = arena_alloc(&A, 2048);
	o = (size_t)snprintf(b, 2048, "{\"issueIdentifier\":\"A\","
	    "\"prompt\":\"p\",\"issueTitle\":\"");
	for (i = 0; i < 500; i++, o += 2)
		memcpy(b + o, "\xc3\xa9", 2);
	memcpy(b + o, "\"}", 3);
	assert_msg(MSG(VALID_STRICT, dispatch, b), NULL);
	memmove(b + o + 2, b + o, 3);
	memcpy(b + o, "\xc3\xa9", 2);
	assert_msg(MSG(VALID_STRICT, dispatch, b),
	    "issueTitle must be at most 500 characters");
}

static void
strict_optional_null_reads_as_absent(void **state)
{
	struct valid_val	v[D__MAX];
	struct valid_err	err;

	assert_int_equal(RUN(VALID_STRICT, dispatch, "{\"issueIdentifier\":"
	    "\"A\",\"prompt\":\"p\",\"workType\":null}", v, &err), 0);
	assert_false(v[D_WORKTYPE].present);
}

static void
strict_string_points_into_tree(void **state)
{
	struct valid_val	 v[D__MAX];
	struct valid_err	 err;
	struct json_object	*m;

	assert_int_equal(RUN(VALID_STRICT, dispatch, "{\"issueIdentifier\":"
	    "\"A\",\"prompt\":\"p\"}", v, &err), 0);
	assert_true(json_object_object_get_ex(root, "prompt", &m));
	assert_ptr_equal(v[D_PROMPT].s, json_object_get_string(m));
}

/* ---- other strict rules ---- */

static int
check_slug(struct arena *a, const struct valid_field *f, struct valid_val *v,
    const char **msg)
{
	if (v->len == 3 && memcmp(v->s, "api", 3) == 0) {
		*msg = "slug is reserved";
		return -1;
	}
	return strspn(v->s, "abcdefghijklmnopqrstuvwxyz0123456789-") ==
	    v->len ? 0 : -1;
}

static const struct valid_field inner_fields[] = {
	{ "b", VALID_STRING, .flags = VALID_REQUIRED },
	{ "n", VALID_NUMBER, VALID_MIN, .min = 0 },
};
static const struct valid_schema inner = VALID_SCHEMA(inner_fields);

static const struct valid_field url_fields[] = {
	{ "label", VALID_STRING, .flags = VALID_REQUIRED },
	{ "url", VALID_STRING, .flags = VALID_REQUIRED },
};
static const struct valid_schema urls = VALID_SCHEMA(url_fields);

static int
check_colour(struct arena *a, const struct valid_field *f,
    struct valid_val *v, const char **msg)
{
	return v->len == 7 && v->s[0] == '#' &&
	    strspn(v->s + 1, "0123456789abcdef") == 6 ? 0 : -1;
}

enum { M_SLUG, M_EXP, M_FLAG, M_A, M_SCOPES, M_ITEMS, M_RATIO, M_COLOUR,
    M__MAX };

static const struct valid_field misc[M__MAX] = {
	[M_SLUG] = { "slug", VALID_STRING, 0, .maxlen = 48,
	    .check = check_slug, .msg_invalid = "slug must match "
	    "^[a-z0-9]+(-[a-z0-9]+)*$ (1-48 characters)" },
	[M_EXP] = { "expiresAt", VALID_STRING, .flags = VALID_NULLABLE },
	[M_FLAG] = { "flag", VALID_BOOL, .flags = 0 },
	[M_A] = { "a", VALID_OBJECT, 0, .sub = &inner },
	[M_SCOPES] = { "scopes", VALID_STRINGS, 0, .mincount = 1,
	    .maxcount = 3 },
	[M_ITEMS] = { "items", VALID_ARRAY, 0, .sub = &urls },
	[M_RATIO] = { "ratio", VALID_NUMBER, VALID_MIN | VALID_MAX,
	    .min = 0, .max = 1 },
	[M_COLOUR] = { "colour", VALID_STRING, .check = check_colour,
	    .rule = "a colour such as #a1b2c3" },
};

static void
strict_check_rule_message(void **state)
{
	assert_msg(MSG(VALID_STRICT, misc, "{\"colour\":\"red\"}"),
	    "colour must be a colour such as #a1b2c3");
	assert_msg(MSG(VALID_STRICT, misc, "{\"colour\":7}"),
	    "colour must be a colour such as #a1b2c3");
	assert_msg(MSG(VALID_STRICT, misc, "{\"colour\":\"#a1b2c3\"}"),
	    NULL);
}

static void
strict_check_msg_invalid_message(void **state)
{
	const char *want = "slug must match ^[a-z0-9]+(-[a-z0-9]+)*$ "
	    "(1-48 characters)";

	assert_msg(MSG(VALID_STRICT, misc, "{\"slug\":\"Bad Slug\"}"), want);
	assert_msg(MSG(VALID_STRICT, misc, body_with_string("slug", 's', 49,
	    "")), want);
	assert_msg(MSG(VALID_STRICT, misc, "{\"slug\":\"good-slug\"}"), NULL);
}

static void
strict_check_own_message(void **state)
{
	assert_msg(MSG(VALID_STRICT, misc, "{\"slug\":\"api\"}"),
	    "slug is reserved");
}

static void
strict_nullable_accepts_null(void **state)
{
	struct valid_val	v[M__MAX];
	struct valid_err	err;

	assert_int_equal(RUN(VALID_STRICT, misc, "{\"expiresAt\":null}", v,
	    &err), 0);
	assert_true(v[M_EXP].present);
	assert_true(v[M_EXP].isnull);
	assert_int_equal(RUN(VALID_STRICT, misc, "{}", v, &err), 0);
	assert_false(v[M_EXP].present);
}

static void
strict_type_messages(void **state)
{
	assert_msg(MSG(VALID_STRICT, misc, "{\"flag\":\"true\"}"),
	    "flag must be a boolean");
	assert_msg(MSG(VALID_STRICT, misc, "{\"a\":[]}"),
	    "a must be an object");
	assert_msg(MSG(VALID_STRICT, misc, "{\"expiresAt\":1}"),
	    "expiresAt must be a string");
	assert_msg(MSG(VALID_STRICT, misc, "{\"ratio\":1.5}"),
	    "ratio must be a number between 0 and 1");
	assert_msg(MSG(VALID_STRICT, misc, "{\"ratio\":\"0.5\"}"),
	    "ratio must be a number between 0 and 1");
}

static void
strict_nested_object_uses_dotted_path(void **state)
{
	struct valid_val	v[M__MAX];
	struct valid_err	err;

	assert_msg(MSG(VALID_STRICT, misc, "{\"a\":{\"b\":5}}"),
	    "a.b must be a string");
	assert_msg(MSG(VALID_STRICT, misc, "{\"a\":{}}"), "a.b is required");
	assert_msg(MSG(VALID_STRICT, misc, "{\"a\":{\"b\":\"x\",\"n\":-1}}"),
	    "a.n must be a number of at least 0");
	assert_int_equal(RUN(VALID_STRICT, misc,
	    "{\"a\":{\"b\":\"x\",\"n\":0.5}}", v, &err), 0);
	assert_true(v[M_A].present);
	assert_string_equal(v[M_A].sub[0].s, "x");
	assert_true(v[M_A].sub[1].d == 0.5);
}

static void
strict_array_of_objects_indexes_path(void **state)
{
	struct valid_val	v[M__MAX];
	struct valid_err	err;

	assert_msg(MSG(VALID_STRICT, misc, "{\"items\":[{\"label\":\"a\","
	    "\"url\":\"u\"},{\"label\":\"b\"}]}"), "items[1].url is required");
	assert_msg(MSG(VALID_STRICT, misc, "{\"items\":[1]}"),
	    "items must be an array of objects");
	assert_int_equal(RUN(VALID_STRICT, misc, "{\"items\":[{\"label\":\"a\","
	    "\"url\":\"u\"},{\"label\":\"b\",\"url\":\"v\"}]}", v, &err), 0);
	assert_int_equal(v[M_ITEMS].n, 2);
	assert_string_equal(v[M_ITEMS].elems[1][1].s, "v");
}

static void
strict_string_array_messages(void **state)
{
	struct valid_val	v[M__MAX];
	struct valid_err	err;

	assert_msg(MSG(VALID_STRICT, misc, "{\"scopes\":\"*\"}"),
	    "scopes must be an array of strings of 1-3 entries");
	assert_msg(MSG(VALID_STRICT, misc, "{\"scopes\":[\"a\",2]}"),
	    "scopes must be an array of strings");
	assert_msg(MSG(VALID_STRICT, misc, "{\"scopes\":[]}"),
	    "scopes must be an array of strings of 1-3 entries");
	assert_msg(MSG(VALID_STRICT, misc,
	    "{\"scopes\":[\"a\",\"b\",\"c\",\"d\"]}"),
	    "scopes must be an array of strings of 1-3 entries");
	assert_int_equal(RUN(VALID_STRICT, misc, "{\"scopes\":[\"a\",\"b\"]}",
	    v, &err), 0);
	assert_int_equal(v[M_SCOPES].n, 2);
	assert_string_equal(v[M_SCOPES].strs[1], "b");
	assert_int_equal(v[M_SCOPES].lens[1], 1);
}

static void
body_not_object_is_invalid_json_body(void **state)
{
	assert_msg(MSG(VALID_STRICT, misc, "[]"), "Invalid JSON body");
	assert_msg(MSG(VALID_LAX, misc, "\"x\""), "Invalid JSON body");
	assert_msg(MSG(VALID_LAX, misc, "null"), "Invalid JSON body");
}

static void
body_parse_errors_are_invalid_json_body(void **state)
{
	assert_msg(MSG(VALID_STRICT, misc, "{\"flag\":true,\"flag\":true}"),
	    "Invalid JSON body");
	assert_msg(MSG(VALID_STRICT, misc, "{\"slug\":\"\\u0000\"}"),
	    "Invalid JSON body");
	assert_msg(MSG(VALID_STRICT, misc, "{"), "Invalid JSON body");
}

static void
body_empty_reads_as_empty_object(void **state)
{
	assert_msg(MSG(VALID_STRICT, misc, ""), NULL);
	assert_msg(MSG(VALID_STRICT, dispatch, ""),
	    "issueIdentifier is required");
}

/* ---- lax: the worker protocol (02-worker-protocol.md) ---- */

static const char *const statuses[] = { "active", "idle", "busy",
    "draining", NULL };

enum { R_HOST, R_CAP, R_VERSION, R_PROJECTS, R_STATUS, R_MAXS, R_ACTIVE,
    R__MAX };

static const struct valid_field reg[R__MAX] = {
	[R_HOST] = { "hostname", VALID_STRING, .flags = VALID_REQUIRED },
	[R_CAP] = { "capacity", VALID_NUMBER, VALID_REQUIRED | VALID_FLOOR |
	    VALID_MIN, .min = 1,
	    .msg_missing = "capacity must be a positive number" },
	[R_VERSION] = { "version", VALID_STRING, 0, .maxlen = 64 },
	[R_PROJECTS] = { "projects", VALID_STRINGS, 0, .maxlen = 128,
	    .maxcount = 100,
	    .msg_invalid = "projects must be an array of strings" },
	[R_STATUS] = { "status", VALID_STRING, 0, .oneof = statuses },
	[R_MAXS] = { "maxSessions", VALID_NUMBER, VALID_FLOOR | VALID_MIN,
	    .min = 1 },
	[R_ACTIVE] = { "activeCount", VALID_NUMBER, VALID_FLOOR | VALID_MIN,
	    .min = 0 },
};

static void
lax_wrong_type_counts_as_missing(void **state)
{
	assert_msg(MSG(VALID_LAX, reg, "{\"hostname\":5,\"capacity\":1}"),
	    "hostname is required");
	assert_msg(MSG(VALID_LAX, reg, "{\"hostname\":true,\"capacity\":1}"),
	    "hostname is required");
	assert_msg(MSG(VALID_LAX, reg, "{\"hostname\":null,\"capacity\":1}"),
	    "hostname is required");
	assert_msg(MSG(VALID_LAX, reg, "{\"hostname\":\"\",\"capacity\":1}"),
	    "hostname is required");
}

static void
lax_required_message_override(void **state)
{
	const char *want = "capacity must be a positive number";

	assert_msg(MSG(VALID_LAX, reg, "{\"hostname\":\"h\"}"), want);
	assert_msg(MSG(VALID_LAX, reg, "{\"hostname\":\"h\",\"capacity\":0}"),
	    want);
	assert_msg(MSG(VALID_LAX, reg,
	    "{\"hostname\":\"h\",\"capacity\":\"5\"}"), want);
	assert_msg(MSG(VALID_LAX, reg,
	    "{\"hostname\":\"h\",\"capacity\":0.5}"), want);
}

static void
lax_optional_invalid_is_ignored(void **state)
{
	struct valid_val	v[R__MAX];
	struct valid_err	err;

	assert_int_equal(RUN(VALID_LAX, reg, "{\"hostname\":\"h\","
	    "\"capacity\":2,\"version\":5,\"status\":\"weird\","
	    "\"maxSessions\":0,\"activeCount\":-1}", v, &err), 0);
	assert_false(v[R_VERSION].present);
	assert_false(v[R_STATUS].present);
	assert_false(v[R_MAXS].present);
	assert_false(v[R_ACTIVE].present);
}

static void
lax_optional_with_row_error_is_reported(void **state)
{
	const char *want = "projects must be an array of strings";

	assert_msg(MSG(VALID_LAX, reg, "{\"hostname\":\"h\",\"capacity\":1,"
	    "\"projects\":\"all\"}"), want);
	assert_msg(MSG(VALID_LAX, reg, "{\"hostname\":\"h\",\"capacity\":1,"
	    "\"projects\":[\"a\",1]}"), want);
	assert_msg(MSG(VALID_LAX, reg, "{\"hostname\":\"h\",\"capacity\":1,"
	    "\"projects\":null}"), NULL);
}

static void
lax_identifier_over_limit_is_too_long(void **state)
{
	assert_msg(MSG(VALID_LAX, reg, body_with_string("hostname", 'h', 256,
	    "\",\"capacity\":\"1")), "hostname is too long");
	assert_msg(MSG(VALID_LAX, reg, body_with_string("hostname", 'h', 255,
	    "\",\"capacity\":1,\"x\":\"")), NULL);
}

static void
lax_optional_too_long_is_still_an_error(void **state)
{
	assert_msg(MSG(VALID_LAX, reg, body_with_string("version", 'v', 65,
	    "\",\"hostname\":\"h\",\"capacity\":1,\"x\":\"")),
	    "version is too long");
}

static void
lax_too_long_checked_after_other_checks(void **state)
{
	/* An over-long status fails its enum first, and an optional field
	 * failing its enum is ignored: no "too long". */
	assert_msg(MSG(VALID_LAX, reg, body_with_string("status", 's', 300,
	    "\",\"hostname\":\"h\",\"capacity\":1,\"x\":\"")), NULL);
}

static void
lax_array_count_and_entries_too_long(void **state)
{
	char	*b;
	size_t	 o, i;

	b = arena_alloc(&A, 4096);
	o = (size_t)snprintf(b, 4096, "{\"hostname\":\"h\",\"capacity\":1,"
	    "\"projects\":[");
	for (i = 0; i < 101; i++)
		o += (size_t)snprintf(b + o, 4096 - o, "%s\"p\"", i ? "," : "");
	memcpy(b + o, "]}", 3);
	assert_msg(MSG(VALID_LAX, reg, b), "projects is too long");

	b = arena_alloc(&A, 4096);
	o = (size_t)snprintf(b, 4096, "{\"hostname\":\"h\",\"capacity\":1,"
	    "\"projects\":[\"ok\",\"");
	memset(b + o, 'p', 129);
	memcpy(b + o + 129, "\"]}", 4);
	assert_msg(MSG(VALID_LAX, reg, b), "projects is too long");
}

static void
lax_floored_number_is_floored(void **state)
{
	struct valid_val	v[R__MAX];
	struct valid_err	err;

	assert_int_equal(RUN(VALID_LAX, reg,
	    "{\"hostname\":\"h\",\"capacity\":2.9}", v, &err), 0);
	assert_int_equal(v[R_CAP].i, 2);
	assert_true(v[R_CAP].d == 2.0);
}

static void
lax_floored_huge_value_clamps(void **state)
{
	static const char *const huge[] = { "1e300", "1e999",
	    "9223372036854775807", "100000000000000000000000", "2147483648" };
	struct valid_val	v[R__MAX];
	struct valid_err	err;
	char			body[128];
	size_t			i;

	for (i = 0; i < sizeof(huge) / sizeof(huge[0]); i++) {
		snprintf(body, sizeof(body),
		    "{\"hostname\":\"h\",\"capacity\":%s}", huge[i]);
		assert_int_equal(RUN(VALID_LAX, reg, body, v, &err), 0);
		assert_int_equal(v[R_CAP].i, 2147483647);
	}
	assert_int_equal(RUN(VALID_LAX, reg,
	    "{\"hostname\":\"h\",\"capacity\":2147483647}", v, &err), 0);
	assert_int_equal(v[R_CAP].i, 2147483647);
}

/* ---- lax: nested objects and arrays ---- */

static const char *const plan_states[] = { "pending", "inProgress",
    "completed", "canceled", NULL };

static const struct valid_field act_fields[] = {
	{ "type", VALID_STRING, VALID_REQUIRED, .maxlen = 32,
	    .msg_missing = "activity with type and content is required" },
	{ "content", VALID_STRING, VALID_REQUIRED | VALID_FREETEXT,
	    .msg_missing = "activity with type and content is required" },
	{ "toolName", VALID_STRING, .flags = 0 },
	{ "toolInput", VALID_OBJECT, .flags = 0 },
	{ "isError", VALID_BOOL, .flags = 0 },
};
static const struct valid_schema act = VALID_SCHEMA(act_fields);

static const struct valid_field load_fields[] = {
	{ "cpu", VALID_NUMBER, .flags = VALID_REQUIRED },
	{ "memory", VALID_NUMBER, .flags = VALID_REQUIRED },
};
static const struct valid_schema load = VALID_SCHEMA(load_fields);

static const struct valid_field plan_fields[] = {
	{ "title", VALID_STRING, .flags = VALID_REQUIRED | VALID_FREETEXT },
	{ "state", VALID_STRING, 0, .oneof = plan_states },
};
static const struct valid_schema plan = VALID_SCHEMA(plan_fields);

static int
check_http_url(struct arena *a, const struct valid_field *f,
    struct valid_val *v, const char **msg)
{
	if (strncmp(v->s, "http://", 7) == 0 ||
	    strncmp(v->s, "https://", 8) == 0)
		return 0;
	*msg = "External URL must use http or https";
	return -1;
}

static const struct valid_field ext_fields[] = {
	{ "label", VALID_STRING, VALID_REQUIRED,
	    .msg_missing = "Each external URL must have label and url" },
	{ "url", VALID_STRING, VALID_REQUIRED, .maxlen = 2048,
	    .check = check_http_url,
	    .msg_missing = "Each external URL must have label and url" },
};
static const struct valid_schema ext = VALID_SCHEMA(ext_fields);

enum { S_WORKER, S_ACT, S_LOAD, S_PLAN, S_EXT, S__MAX };

static const struct valid_field sess[S__MAX] = {
	[S_WORKER] = { "workerId", VALID_STRING, .flags = VALID_REQUIRED },
	[S_ACT] = { "activity", VALID_OBJECT, 0, .sub = &act },
	[S_LOAD] = { "load", VALID_OBJECT, 0, .sub = &load },
	[S_PLAN] = { "planItems", VALID_ARRAY, VALID_DROP, .sub = &plan,
	    .msg_invalid = "planItems must be an array" },
	[S_EXT] = { "externalUrls", VALID_ARRAY, 0, .sub = &ext,
	    .maxcount = 50 },
};

static const struct valid_field need_act[] = {
	{ "activity", VALID_OBJECT, VALID_REQUIRED, .sub = &act,
	    .msg_missing = "activity with type and content is required" },
};

static void
lax_required_object_message(void **state)
{
	const char *want = "activity with type and content is required";

	assert_msg(MSG(VALID_LAX, need_act, "{}"), want);
	assert_msg(MSG(VALID_LAX, need_act, "{\"activity\":\"x\"}"), want);
	assert_msg(MSG(VALID_LAX, need_act, "{\"activity\":{\"type\":\"t\"}}"),
	    want);
	assert_msg(MSG(VALID_LAX, need_act,
	    "{\"activity\":{\"type\":\"t\",\"content\":5}}"), want);
	assert_msg(MSG(VALID_LAX, need_act,
	    "{\"activity\":{\"type\":\"t\",\"content\":\"c\"}}"), NULL);
}

static void
lax_too_long_uses_dotted_path(void **state)
{
	char	*b;
	size_t	 o;

	b = arena_alloc(&A, 1024);
	o = (size_t)snprintf(b, 1024, "{\"workerId\":\"w\",\"activity\":"
	    "{\"type\":\"t\",\"content\":\"c\",\"toolName\":\"");
	memset(b + o, 'T', 256);
	memcpy(b + o + 256, "\"}}", 4);
	assert_msg(MSG(VALID_LAX, sess, b), "activity.toolName is too long");
	memcpy(b + o + 255, "\"}}", 4);
	assert_msg(MSG(VALID_LAX, sess, b), NULL);
}

static void
lax_free_text_truncated_at_utf8_boundary(void **state)
{
	struct valid_val	 v[S__MAX];
	struct valid_err	 err;
	const char		*b;
	struct valid_val	*content;

	/* 65535 ASCII bytes, then a 3-byte character straddling 65536. */
	b = body_with_string("workerId\":\"w\",\"activity\":{\"type\":\"t\","
	    "\"content", 'c', 65535, "\xe2\x82\xac");
	/* body_with_string closes with "}: add the outer brace. */
	b = arena_printf(&A, "%s}", b);
	assert_int_equal(RUN(VALID_LAX, sess, b, v, &err), 0);
	content = &v[S_ACT].sub[1];
	assert_true(content->present);
	assert_true(content->truncated);
	assert_int_equal(content->len, 65535);
	assert_int_equal(strlen(content->s), 65535);
}

static void
lax_free_text_at_limit_is_kept(void **state)
{
	struct valid_val	 v[S__MAX];
	struct valid_err	 err;
	const char		*b;

	b = body_with_string("workerId\":\"w\",\"activity\":{\"type\":\"t\","
	    "\"content", 'c', 65533, "\xe2\x82\xac");
	b = arena_printf(&A, "%s}", b);
	assert_int_equal(RUN(VALID_LAX, sess, b, v, &err), 0);
	assert_false(v[S_ACT].sub[1].truncated);
	assert_int_equal(v[S_ACT].sub[1].len, 65536);
}

static void
lax_optional_object_with_bad_member_is_ignored(void **state)
{
	struct valid_val	v[S__MAX];
	struct valid_err	err;

	assert_int_equal(RUN(VALID_LAX, sess, "{\"workerId\":\"w\","
	    "\"load\":{\"cpu\":0.5}}", v, &err), 0);
	assert_false(v[S_LOAD].present);
	assert_int_equal(RUN(VALID_LAX, sess, "{\"workerId\":\"w\","
	    "\"load\":{\"cpu\":0.5,\"memory\":\"x\"}}", v, &err), 0);
	assert_false(v[S_LOAD].present);
	assert_int_equal(RUN(VALID_LAX, sess, "{\"workerId\":\"w\","
	    "\"load\":{\"cpu\":0.5,\"memory\":2}}", v, &err), 0);
	assert_true(v[S_LOAD].present);
	assert_true(v[S_LOAD].sub[1].d == 2.0);
}

static void
lax_array_drops_bad_elements(void **state)
{
	struct valid_val	v[S__MAX];
	struct valid_err	err;

	assert_int_equal(RUN(VALID_LAX, sess, "{\"workerId\":\"w\","
	    "\"planItems\":[{\"title\":1},\"x\",{\"title\":\"a\","
	    "\"state\":\"odd\"},{\"title\":\"b\",\"state\":\"completed\"}]}",
	    v, &err), 0);
	assert_int_equal(v[S_PLAN].n, 2);
	assert_string_equal(v[S_PLAN].elems[0][0].s, "a");
	assert_false(v[S_PLAN].elems[0][1].present);
	assert_string_equal(v[S_PLAN].elems[1][1].s, "completed");
	assert_msg(MSG(VALID_LAX, sess, "{\"workerId\":\"w\","
	    "\"planItems\":{}}"), "planItems must be an array");
}

static void
lax_array_element_missing_member_message(void **state)
{
	const char *want = "Each external URL must have label and url";

	assert_msg(MSG(VALID_LAX, sess, "{\"workerId\":\"w\","
	    "\"externalUrls\":[{\"label\":\"a\"}]}"), want);
	assert_msg(MSG(VALID_LAX, sess, "{\"workerId\":\"w\","
	    "\"externalUrls\":[\"x\"]}"), want);
}

static void
lax_array_element_check_message(void **state)
{
	assert_msg(MSG(VALID_LAX, sess, "{\"workerId\":\"w\","
	    "\"externalUrls\":[{\"label\":\"a\",\"url\":\"ftp://x\"}]}"),
	    "External URL must use http or https");
}

static void
lax_array_entry_too_long_uses_array_name(void **state)
{
	char	*b;
	size_t	 o;

	b = arena_alloc(&A, 4096);
	o = (size_t)snprintf(b, 4096, "{\"workerId\":\"w\",\"externalUrls\":"
	    "[{\"label\":\"a\",\"url\":\"https://");
	memset(b + o, 'u', 2049 - 8);
	memcpy(b + o + 2049 - 8, "\"}]}", 5);
	assert_msg(MSG(VALID_LAX, sess, b), "externalUrls is too long");
}

static void
lax_array_count_too_long(void **state)
{
	char	*b;
	size_t	 o, i;

	b = arena_alloc(&A, 8192);
	o = (size_t)snprintf(b, 8192, "{\"workerId\":\"w\",\"externalUrls\":[");
	for (i = 0; i < 51; i++)
		o += (size_t)snprintf(b + o, 8192 - o,
		    "%s{\"label\":\"a\",\"url\":\"http://x\"}", i ? "," : "");
	memcpy(b + o, "]}", 3);
	assert_msg(MSG(VALID_LAX, sess, b), "externalUrls is too long");
}

/* ---- queries ---- */

static const struct valid_field q_limit = { "limit", VALID_INT,
    VALID_MIN | VALID_MAX | VALID_CLAMP, .min = 1, .max = 100,
    .msg_invalid = "Invalid 'limit' parameter: expected a positive integer" };
static const struct valid_field q_page = { "page", VALID_INT,
    VALID_MIN | VALID_MAX, .min = 1, .max = 100 };
static const struct valid_field q_off = { "offset", VALID_INT, .flags = 0 };
static const struct valid_field q_bool = { "includeRevoked", VALID_BOOL, .flags = 0 };
static const struct valid_field q_req = { "q", VALID_STRING, VALID_REQUIRED,
    .maxlen = 8 };
static const struct valid_field q_num = { "ratio", VALID_NUMBER, .flags = 0 };

/* The message for query value s (NUL-terminated), or NULL. */
static const char *
qmsg(const struct valid_field *f, const char *s, struct valid_val *v)
{
	struct valid_err err;

	if (valid_query(&A, VALID_STRICT, f, s, s != NULL ? strlen(s) : 0, v,
	    &err) == 0)
		return NULL;
	return err.msg;
}

static void
query_int_accepts_decimal(void **state)
{
	struct valid_val v;

	assert_msg(qmsg(&q_limit, "10", &v), NULL);
	assert_true(v.present);
	assert_int_equal(v.i, 10);
	assert_msg(qmsg(&q_limit, "1", &v), NULL);
	assert_int_equal(v.i, 1);
}

static void
query_int_below_min_rejected(void **state)
{
	struct valid_val v;

	assert_msg(qmsg(&q_limit, "0", &v),
	    "Invalid 'limit' parameter: expected a positive integer");
	assert_msg(qmsg(&q_limit, "-5", &v),
	    "Invalid 'limit' parameter: expected a positive integer");
}

static void
query_int_above_max_clamped(void **state)
{
	struct valid_val v;

	assert_msg(qmsg(&q_limit, "101", &v), NULL);
	assert_int_equal(v.i, 100);
	assert_msg(qmsg(&q_limit, "99999999999999999999999", &v), NULL);
	assert_int_equal(v.i, 100);
}

static void
query_int_above_max_rejected_without_clamp(void **state)
{
	struct valid_val v;

	assert_msg(qmsg(&q_page, "101", &v),
	    "page must be an integer between 1 and 100");
	assert_msg(qmsg(&q_page, "100", &v), NULL);
}

static void
query_int_rejects_non_decimal_forms(void **state)
{
	static const char *const bad[] = { "1e2", "+5", " 5", "5 ", "5x", "",
	    "-", "0x10", "1.0", "\xef\xbc\x95" };
	struct valid_val	v;
	size_t			i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_msg(qmsg(&q_limit, bad[i], &v), "Invalid 'limit' "
		    "parameter: expected a positive integer");
}

static void
query_int_overflow_without_bounds_rejected(void **state)
{
	struct valid_val v;

	assert_msg(qmsg(&q_off, "-42", &v), NULL);
	assert_int_equal(v.i, -42);
	assert_msg(qmsg(&q_off, "9223372036854775807", &v), NULL);
	assert_true(v.i == INT64_MAX);
	assert_msg(qmsg(&q_off, "9223372036854775808", &v),
	    "offset must be an integer");
}

static void
query_absent_optional_is_not_present(void **state)
{
	struct valid_val v;

	assert_msg(qmsg(&q_limit, NULL, &v), NULL);
	assert_false(v.present);
}

static void
query_absent_required_is_required(void **state)
{
	struct valid_val v;

	assert_msg(qmsg(&q_req, NULL, &v), "q is required");
	assert_msg(qmsg(&q_req, "", &v), "q is required");
}

static void
query_bool_true_or_false(void **state)
{
	struct valid_val v;

	assert_msg(qmsg(&q_bool, "true", &v), NULL);
	assert_int_equal(v.i, 1);
	assert_msg(qmsg(&q_bool, "false", &v), NULL);
	assert_int_equal(v.i, 0);
	assert_msg(qmsg(&q_bool, "1", &v),
	    "includeRevoked must be true or false");
	assert_msg(qmsg(&q_bool, "TRUE", &v),
	    "includeRevoked must be true or false");
}

static void
query_embedded_nul_rejected(void **state)
{
	struct valid_val	v;
	struct valid_err	err;

	assert_int_equal(valid_query(&A, VALID_STRICT, &q_req, "a\0b", 3, &v,
	    &err), -1);
	assert_string_equal(err.msg, "q must be a string");
	assert_int_equal(valid_query(&A, VALID_STRICT, &q_limit, "1\0", 2, &v,
	    &err), -1);
}

static void
query_invalid_utf8_rejected(void **state)
{
	struct valid_val v;

	assert_msg(qmsg(&q_req, "a\xff", &v), "q must be a string");
	assert_msg(qmsg(&q_req, "\xc3\xa9", &v), NULL);
}

static void
query_string_too_long_strict(void **state)
{
	struct valid_val v;

	assert_msg(qmsg(&q_req, "123456789", &v),
	    "q must be at most 8 bytes");
}

static void
query_number_json_grammar(void **state)
{
	struct valid_val v;

	assert_msg(qmsg(&q_num, "1.5", &v), NULL);
	assert_true(v.d == 1.5);
	assert_msg(qmsg(&q_num, "1e2", &v), NULL);
	assert_true(v.d == 100);
	assert_msg(qmsg(&q_num, ".5", &v), "ratio must be a number");
	assert_msg(qmsg(&q_num, "[1]", &v), "ratio must be a number");
}

/* ---- UTF-8 cut ---- */

static void
utf8_cut_never_splits_a_character(void **state)
{
	const char *s = "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80";	/* 10 */

	assert_int_equal(valid_utf8_cut(s, 10, 100), 10);
	assert_int_equal(valid_utf8_cut(s, 10, 1), 1);
	assert_int_equal(valid_utf8_cut(s, 10, 2), 1);
	assert_int_equal(valid_utf8_cut(s, 10, 3), 3);
	assert_int_equal(valid_utf8_cut(s, 10, 4), 3);
	assert_int_equal(valid_utf8_cut(s, 10, 5), 3);
	assert_int_equal(valid_utf8_cut(s, 10, 6), 6);
	assert_int_equal(valid_utf8_cut(s, 10, 9), 6);
	assert_int_equal(valid_utf8_cut(s, 10, 0), 0);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(strict_accepts_good_body),
		T(strict_missing_required_is_required),
		T(strict_null_required_is_required),
		T(strict_empty_required_string_is_required),
		T(strict_reports_first_failing_field_in_table_order),
		T(strict_integer_rule_message),
		T(strict_integer_accepts_integral_number),
		T(strict_enum_message),
		T(strict_msg_invalid_overrides_check_and_length),
		T(strict_msg_toolong_override),
		T(strict_derived_length_rule_counts_characters),
		T(strict_optional_null_reads_as_absent),
		T(strict_string_points_into_tree),
		T(strict_check_rule_message),
		T(strict_check_msg_invalid_message),
		T(strict_check_own_message),
		T(strict_nullable_accepts_null),
		T(strict_type_messages),
		T(strict_nested_object_uses_dotted_path),
		T(strict_array_of_objects_indexes_path),
		T(strict_string_array_messages),
		T(body_not_object_is_invalid_json_body),
		T(body_parse_errors_are_invalid_json_body),
		T(body_empty_reads_as_empty_object),
		T(lax_wrong_type_counts_as_missing),
		T(lax_required_message_override),
		T(lax_optional_invalid_is_ignored),
		T(lax_optional_with_row_error_is_reported),
		T(lax_identifier_over_limit_is_too_long),
		T(lax_optional_too_long_is_still_an_error),
		T(lax_too_long_checked_after_other_checks),
		T(lax_array_count_and_entries_too_long),
		T(lax_floored_number_is_floored),
		T(lax_floored_huge_value_clamps),
		T(lax_required_object_message),
		T(lax_too_long_uses_dotted_path),
		T(lax_free_text_truncated_at_utf8_boundary),
		T(lax_free_text_at_limit_is_kept),
		T(lax_optional_object_with_bad_member_is_ignored),
		T(lax_array_drops_bad_elements),
		T(lax_array_element_missing_member_message),
		T(lax_array_element_check_message),
		T(lax_array_entry_too_long_uses_array_name),
		T(lax_array_count_too_long),
		T(query_int_accepts_decimal),
		T(query_int_below_min_rejected),
		T(query_int_above_max_clamped),
		T(query_int_above_max_rejected_without_clamp),
		T(query_int_rejects_non_decimal_forms),
		T(query_int_overflow_without_bounds_rejected),
		T(query_absent_optional_is_not_present),
		T(query_absent_required_is_required),
		T(query_bool_true_or_false),
		T(query_embedded_nul_rejected),
		T(query_invalid_utf8_rejected),
		T(query_string_too_long_strict),
		T(query_number_json_grammar),
		T(utf8_cut_never_splits_a_character),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
