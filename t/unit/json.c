/* t/unit/json.c -- strict parser, number formatting and writer. */
#include "config.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "json.h"

static enum json_err
parse_n(const char *s, size_t n, struct json_object **out)
{
	return json_parse_strict(s, n, JSON_MAX_DEPTH, out);
}

/* Parses s and throws the value away: for the accept/reject cases. */
static enum json_err
rc_of(const char *s)
{
	struct json_object	*v;
	enum json_err		 rc;

	rc = parse_n(s, strlen(s), &v);
	json_object_put(v);
	return rc;
}

static enum json_err
rc_of_n(const char *s, size_t n)
{
	struct json_object	*v;
	enum json_err		 rc;

	rc = parse_n(s, n, &v);
	json_object_put(v);
	return rc;
}

/* Nesting of depth levels of s open / s close, optionally unbalanced. */
static char *
nest(int depth, const char *open, const char *close)
{
	size_t	 lo = strlen(open), lc = strlen(close), i;
	char	*s, *p;

	s = p = malloc((size_t)depth * (lo + lc) + 1);
	assert_non_null(s);
	for (i = 0; i < (size_t)depth; i++, p += lo)
		memcpy(p, open, lo);
	for (i = 0; i < (size_t)depth; i++, p += lc)
		memcpy(p, close, lc);
	*p = '\0';
	return s;
}

static void
parse_object_types(void **state)
{
	struct json_object	*v, *m;
	const char		*in = "{\"i\":-7,\"d\":1.5,\"s\":\"x\",\"t\":true,"
	    "\"f\":false,\"n\":null,\"a\":[1,\"2\"],\"o\":{}}";

	assert_int_equal(parse_n(in, strlen(in), &v), JSON_OK);
	assert_true(json_object_object_get_ex(v, "i", &m));
	assert_int_equal(json_object_get_type(m), json_type_int);
	assert_int_equal(json_object_get_int64(m), -7);
	assert_true(json_object_object_get_ex(v, "d", &m));
	assert_int_equal(json_object_get_type(m), json_type_double);
	assert_true(json_object_get_double(m) == 1.5);
	assert_true(json_object_object_get_ex(v, "s", &m));
	assert_string_equal(json_object_get_string(m), "x");
	assert_true(json_object_object_get_ex(v, "t", &m));
	assert_true(json_object_get_boolean(m));
	assert_true(json_object_object_get_ex(v, "f", &m));
	assert_false(json_object_get_boolean(m));
	assert_true(json_object_object_get_ex(v, "n", &m));
	assert_null(m);
	assert_true(json_object_object_get_ex(v, "a", &m));
	assert_int_equal(json_object_array_length(m), 2);
	assert_true(json_object_object_get_ex(v, "o", &m));
	assert_int_equal(json_object_get_type(m), json_type_object);
	json_object_put(v);
}

static void
parse_rejects_duplicate_top_level(void **state)
{
	assert_int_equal(rc_of("{\"a\":1,\"b\":2,\"a\":3}"), JSON_EDUP);
}

static void
parse_rejects_duplicate_nested(void **state)
{
	assert_int_equal(rc_of("{\"x\":[{\"k\":{\"a\":1,\"a\":1}}]}"),
	    JSON_EDUP);
}

static void
parse_rejects_duplicate_after_decoding_escapes(void **state)
{
	assert_int_equal(rc_of("{\"a\":1,\"\\u0061\":2}"), JSON_EDUP);
}

static void
parse_rejects_duplicate_with_null_values(void **state)
{
	assert_int_equal(rc_of("{\"a\":null,\"a\":null}"), JSON_EDUP);
}

static void
parse_allows_same_name_in_sibling_objects(void **state)
{
	assert_int_equal(rc_of("[{\"a\":1},{\"a\":2}]"), JSON_OK);
	assert_int_equal(rc_of("{\"a\":{\"a\":1}}"), JSON_OK);
}

static void
parse_rejects_escaped_nul(void **state)
{
	assert_int_equal(rc_of("{\"a\":\"x\\u0000y\"}"), JSON_ENUL);
	assert_int_equal(rc_of("{\"\\u0000\":1}"), JSON_ENUL);
}

static void
parse_rejects_raw_nul_byte(void **state)
{
	assert_int_equal(rc_of_n("\"a\0b\"", 5), JSON_ENUL);
}

static void
parse_rejects_nul_byte_outside_string(void **state)
{
	assert_int_equal(rc_of_n("{}\0", 3), JSON_ESYNTAX);
}

static void
parse_rejects_raw_control_char(void **state)
{
	assert_int_equal(rc_of("\"a\nb\""), JSON_ESYNTAX);
	assert_int_equal(rc_of("\"a\x1f" "b\""), JSON_ESYNTAX);
}

static void
parse_accepts_del_and_valid_multibyte(void **state)
{
	struct json_object *v;

	/* é, €, U+1F600, DEL */
	assert_int_equal(parse_n("\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\x7f\"",
	    12, &v), JSON_OK);
	assert_int_equal(json_object_get_string_len(v), 10);
	json_object_put(v);
}

static void
parse_rejects_lone_continuation_byte(void **state)
{
	assert_int_equal(rc_of("\"\x80\""), JSON_EUTF8);
}

static void
parse_rejects_truncated_sequence(void **state)
{
	assert_int_equal(rc_of("\"\xe2\x82\""), JSON_EUTF8);
	assert_int_equal(rc_of_n("\"\xe2", 2), JSON_EUTF8);
}

static void
parse_rejects_overlong_two_byte(void **state)
{
	assert_int_equal(rc_of("\"\xc0\xaf\""), JSON_EUTF8);
	assert_int_equal(rc_of("\"\xc1\xbf\""), JSON_EUTF8);
}

static void
parse_rejects_overlong_three_byte(void **state)
{
	assert_int_equal(rc_of("\"\xe0\x80\xaf\""), JSON_EUTF8);
}

static void
parse_rejects_overlong_four_byte(void **state)
{
	assert_int_equal(rc_of("\"\xf0\x80\x80\xaf\""), JSON_EUTF8);
}

static void
parse_rejects_utf8_encoded_surrogate(void **state)
{
	assert_int_equal(rc_of("\"\xed\xa0\x80\""), JSON_EUTF8);
	assert_int_equal(rc_of("\"\xed\xbf\xbf\""), JSON_EUTF8);
}

static void
parse_rejects_above_u10ffff(void **state)
{
	assert_int_equal(rc_of("\"\xf4\x90\x80\x80\""), JSON_EUTF8);
	assert_int_equal(rc_of("\"\xf5\x80\x80\x80\""), JSON_EUTF8);
	assert_int_equal(rc_of("\"\xff\""), JSON_EUTF8);
}

static void
parse_rejects_invalid_utf8_outside_string(void **state)
{
	assert_int_equal(rc_of("{\"a\":1}\xff"), JSON_EUTF8);
	assert_int_equal(rc_of("[\xc0]"), JSON_EUTF8);
}

static void
parse_rejects_lone_high_surrogate_escape(void **state)
{
	assert_int_equal(rc_of("\"\\ud800\""), JSON_EUTF8);
	assert_int_equal(rc_of("\"\\ud800x\""), JSON_EUTF8);
	assert_int_equal(rc_of("\"\\ud800\\u0041\""), JSON_EUTF8);
	assert_int_equal(rc_of("\"\\ud800\\ud800\""), JSON_EUTF8);
}

static void
parse_rejects_lone_low_surrogate_escape(void **state)
{
	assert_int_equal(rc_of("\"\\udc00\""), JSON_EUTF8);
}

static void
parse_decodes_surrogate_pair(void **state)
{
	struct json_object *v;

	assert_int_equal(parse_n("\"\\uD83D\\uDE00\"", 14, &v), JSON_OK);
	assert_string_equal(json_object_get_string(v), "\xf0\x9f\x98\x80");
	json_object_put(v);
}

static void
parse_decodes_escapes(void **state)
{
	struct json_object	*v;
	const char		*in = "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\u20AC\"";

	assert_int_equal(parse_n(in, strlen(in), &v), JSON_OK);
	assert_string_equal(json_object_get_string(v),
	    "\"\\/\b\f\n\r\t\xc3\xa9\xe2\x82\xac");
	json_object_put(v);
}

static void
parse_rejects_bad_escapes(void **state)
{
	assert_int_equal(rc_of("\"\\x\""), JSON_ESYNTAX);
	assert_int_equal(rc_of("\"\\u12\""), JSON_ESYNTAX);
	assert_int_equal(rc_of("\"\\u12g4\""), JSON_ESYNTAX);
	assert_int_equal(rc_of("\"\\"), JSON_ESYNTAX);
}

static void
parse_rejects_unterminated_string(void **state)
{
	assert_int_equal(rc_of("\"abc"), JSON_ESYNTAX);
	assert_int_equal(rc_of("{\"abc"), JSON_ESYNTAX);
}

static void
parse_depth_32_accepted(void **state)
{
	char *s;

	s = nest(32, "[", "]");
	assert_int_equal(rc_of(s), JSON_OK);
	free(s);
}

static void
parse_depth_33_rejected(void **state)
{
	char *s;

	s = nest(33, "[", "]");
	assert_int_equal(rc_of(s), JSON_EDEPTH);
	free(s);
}

static void
parse_object_depth_counts_objects(void **state)
{
	struct json_object	*v;
	char			 buf[512];
	int			 i;
	size_t			 o = 0;

	/* 32 nested objects: {"a":{"a":...{}...}} */
	for (i = 0; i < 31; i++)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "{\"a\":");
	o += (size_t)snprintf(buf + o, sizeof(buf) - o, "{}");
	for (i = 0; i < 31; i++)
		buf[o++] = '}';
	buf[o] = '\0';
	assert_int_equal(rc_of(buf), JSON_OK);
	assert_int_equal(json_parse_strict(buf, o, 31, &v), JSON_EDEPTH);
	assert_null(v);
}

static void
parse_one_mib_of_brackets_rejected(void **state)
{
	size_t	 n = 1024 * 1024;
	char	*s = malloc(n);

	assert_non_null(s);
	memset(s, '[', n);
	assert_int_equal(rc_of_n(s, n), JSON_EDEPTH);
	memset(s, '{', n);
	assert_int_equal(rc_of_n(s, n), JSON_ESYNTAX);
	free(s);
}

static void
parse_rejects_trailing_comma(void **state)
{
	assert_int_equal(rc_of("[1,]"), JSON_ESYNTAX);
	assert_int_equal(rc_of("{\"a\":1,}"), JSON_ESYNTAX);
	assert_int_equal(rc_of("[,]"), JSON_ESYNTAX);
}

static void
parse_rejects_leading_zeros(void **state)
{
	assert_int_equal(rc_of("01"), JSON_ESYNTAX);
	assert_int_equal(rc_of("-01"), JSON_ESYNTAX);
	assert_int_equal(rc_of("[00]"), JSON_ESYNTAX);
	assert_int_equal(rc_of("0"), JSON_OK);
	assert_int_equal(rc_of("-0"), JSON_OK);
	assert_int_equal(rc_of("0.5"), JSON_OK);
}

static void
parse_rejects_malformed_numbers(void **state)
{
	assert_int_equal(rc_of("1."), JSON_ESYNTAX);
	assert_int_equal(rc_of(".5"), JSON_ESYNTAX);
	assert_int_equal(rc_of("1e"), JSON_ESYNTAX);
	assert_int_equal(rc_of("1e+"), JSON_ESYNTAX);
	assert_int_equal(rc_of("+1"), JSON_ESYNTAX);
	assert_int_equal(rc_of("-"), JSON_ESYNTAX);
	assert_int_equal(rc_of("0x10"), JSON_ESYNTAX);
	assert_int_equal(rc_of("NaN"), JSON_ESYNTAX);
	assert_int_equal(rc_of("Infinity"), JSON_ESYNTAX);
}

static void
parse_int64_limits_stay_int(void **state)
{
	struct json_object *v;

	assert_int_equal(parse_n("9223372036854775807", 19, &v), JSON_OK);
	assert_int_equal(json_object_get_type(v), json_type_int);
	assert_true(json_object_get_int64(v) == INT64_MAX);
	json_object_put(v);
	assert_int_equal(parse_n("-9223372036854775808", 20, &v), JSON_OK);
	assert_int_equal(json_object_get_type(v), json_type_int);
	assert_true(json_object_get_int64(v) == INT64_MIN);
	json_object_put(v);
}

static void
parse_big_int_becomes_double(void **state)
{
	struct json_object *v;

	assert_int_equal(parse_n("9223372036854775808", 19, &v), JSON_OK);
	assert_int_equal(json_object_get_type(v), json_type_double);
	assert_true(json_object_get_double(v) == 9223372036854775808.0);
	json_object_put(v);
	assert_int_equal(parse_n("-9223372036854775809", 20, &v), JSON_OK);
	assert_int_equal(json_object_get_type(v), json_type_double);
	json_object_put(v);
	assert_int_equal(parse_n("123456789012345678901234567890", 30, &v),
	    JSON_OK);
	assert_int_equal(json_object_get_type(v), json_type_double);
	assert_true(json_object_get_double(v) == 1.2345678901234568e29);
	json_object_put(v);
}

static void
parse_fraction_and_exponent_are_double(void **state)
{
	struct json_object *v;

	assert_int_equal(parse_n("1e2", 3, &v), JSON_OK);
	assert_int_equal(json_object_get_type(v), json_type_double);
	assert_true(json_object_get_double(v) == 100.0);
	json_object_put(v);
	assert_int_equal(parse_n("5.0", 3, &v), JSON_OK);
	assert_int_equal(json_object_get_type(v), json_type_double);
	json_object_put(v);
}

static void
parse_huge_exponent_gives_infinity(void **state)
{
	struct json_object *v;

	assert_int_equal(parse_n("1e999", 5, &v), JSON_OK);
	assert_true(isinf(json_object_get_double(v)));
	json_object_put(v);
	assert_int_equal(parse_n("-1e999", 6, &v), JSON_OK);
	assert_true(isinf(json_object_get_double(v)));
	assert_true(json_object_get_double(v) < 0);
	json_object_put(v);
}

static void
parse_very_long_number(void **state)
{
	size_t	 n = 100000;
	char	*s = malloc(n);
	struct json_object *v;

	assert_non_null(s);
	memset(s, '9', n);
	assert_int_equal(parse_n(s, n, &v), JSON_OK);
	assert_true(isinf(json_object_get_double(v)));
	json_object_put(v);
	free(s);
}

static void
parse_rejects_trailing_garbage(void **state)
{
	assert_int_equal(rc_of("{} x"), JSON_ESYNTAX);
	assert_int_equal(rc_of("{}{}"), JSON_ESYNTAX);
	assert_int_equal(rc_of("1 2"), JSON_ESYNTAX);
	assert_int_equal(rc_of("truex"), JSON_ESYNTAX);
}

static void
parse_rejects_empty_input(void **state)
{
	assert_int_equal(rc_of(""), JSON_ESYNTAX);
	assert_int_equal(rc_of(" \t\r\n"), JSON_ESYNTAX);
}

static void
parse_allows_surrounding_whitespace(void **state)
{
	assert_int_equal(rc_of(" \t\r\n{ \"a\" : [ 1 , 2 ] }\n "), JSON_OK);
}

static void
parse_rejects_non_json_whitespace(void **state)
{
	assert_int_equal(rc_of("\f{}"), JSON_ESYNTAX);
	assert_int_equal(rc_of("{}\v"), JSON_ESYNTAX);
}

static void
parse_top_level_scalars(void **state)
{
	struct json_object *v = (struct json_object *)1;

	assert_int_equal(parse_n("null", 4, &v), JSON_OK);
	assert_null(v);
	assert_int_equal(rc_of("\"s\""), JSON_OK);
	assert_int_equal(rc_of("true"), JSON_OK);
	assert_int_equal(rc_of("nul"), JSON_ESYNTAX);
}

static void
parse_reads_only_len_bytes(void **state)
{
	struct json_object *v;

	/* The input needs no terminator, and bytes past len are not read. */
	assert_int_equal(parse_n("[12]garbage", 4, &v), JSON_OK);
	json_object_put(v);
	assert_int_equal(parse_n("123", 2, &v), JSON_OK);
	assert_int_equal(json_object_get_int64(v), 12);
	json_object_put(v);
	assert_int_equal(parse_n("1.5e3", 3, &v), JSON_OK);
	assert_true(json_object_get_double(v) == 1.5);
	json_object_put(v);
}

static void
parse_rejects_structural_errors(void **state)
{
	assert_int_equal(rc_of("{\"a\" 1}"), JSON_ESYNTAX);
	assert_int_equal(rc_of("{\"a\":}"), JSON_ESYNTAX);
	assert_int_equal(rc_of("{a:1}"), JSON_ESYNTAX);
	assert_int_equal(rc_of("[1 2]"), JSON_ESYNTAX);
	assert_int_equal(rc_of("[1"), JSON_ESYNTAX);
	assert_int_equal(rc_of("{"), JSON_ESYNTAX);
	assert_int_equal(rc_of("]"), JSON_ESYNTAX);
	assert_int_equal(rc_of("{'a':1}"), JSON_ESYNTAX);
}

static void
parse_keeps_member_order(void **state)
{
	struct json_object	*v;
	struct buf		 b;
	struct jw		 w;
	const char		*in = "{\"z\":1,\"a\":[true,null,\"\\u00e9\"],"
	    "\"m\":{\"y\":2.5,\"b\":-3}}";

	assert_int_equal(parse_n(in, strlen(in), &v), JSON_OK);
	buf_init(&b);
	jw_init(&w, &b);
	jw_value(&w, v);
	assert_string_equal(b.data,
	    "{\"z\":1,\"a\":[true,null,\"\xc3\xa9\"],\"m\":{\"y\":2.5,\"b\":-3}}");
	buf_free(&b);
	json_object_put(v);
}

static void
check_fmt(double d, const char *want)
{
	char out[32];

	json_fmt_double(out, d);
	assert_string_equal(out, want);
}

static void
fmt_double_javascript_table(void **state)
{
	check_fmt(0.42, "0.42");
	check_fmt(12.5, "12.5");
	check_fmt(1e21, "1e+21");
	check_fmt(123456789012345680000.0, "123456789012345680000");
	check_fmt(0.1 + 0.2, "0.30000000000000004");
	check_fmt(5e-324, "5e-324");
	check_fmt(1.7976931348623157e308, "1.7976931348623157e+308");
	check_fmt(1e-7, "1e-7");
	check_fmt(1.5e-7, "1.5e-7");
	check_fmt(0.000001, "0.000001");
	check_fmt(0.0000012345, "0.0000012345");
	check_fmt(100, "100");
	check_fmt(3, "3");
	check_fmt(9007199254740992.0, "9007199254740992");
	check_fmt(-1.5, "-1.5");
	check_fmt(-1e21, "-1e+21");
	check_fmt(1e100, "1e+100");
	check_fmt(123.456, "123.456");
	check_fmt(2.5e-5, "0.000025");
}

static void
fmt_double_from_parsed_1e21(void **state)
{
	struct json_object	*v;
	char			 out[32];

	assert_int_equal(parse_n("1e21", 4, &v), JSON_OK);
	json_fmt_double(out, json_object_get_double(v));
	assert_string_equal(out, "1e+21");
	json_object_put(v);
}

static void
fmt_double_negative_zero_is_zero(void **state)
{
	check_fmt(-0.0, "0");
	check_fmt(0.0, "0");
}

static void
fmt_double_nan_and_inf_are_null(void **state)
{
	check_fmt(NAN, "null");
	check_fmt(INFINITY, "null");
	check_fmt(-INFINITY, "null");
}

static void
fmt_double_round_trips(void **state)
{
	static const double ds[] = { 0.1, 1.0 / 3, 2.0 / 3, 1e-300, 4.35,
	    0.000123456789, 987654321.123456789, 2.2250738585072014e-308 };
	char	out[32];
	size_t	i;

	for (i = 0; i < sizeof(ds) / sizeof(ds[0]); i++) {
		json_fmt_double(out, ds[i]);
		assert_true(strtod(out, NULL) == ds[i]);
	}
}

static char *
put_string(const char *s, size_t n, struct buf *b)
{
	buf_init(b);
	json_put_string(b, s, n);
	return b->data;
}

static void
writer_does_not_escape_slash(void **state)
{
	struct buf b;

	assert_string_equal(put_string("a/b", 3, &b), "\"a/b\"");
	buf_free(&b);
}

static void
writer_escapes_quote_and_backslash(void **state)
{
	struct buf b;

	assert_string_equal(put_string("\"\\", 2, &b), "\"\\\"\\\\\"");
	buf_free(&b);
}

static void
writer_escapes_control_chars(void **state)
{
	struct buf b;

	assert_string_equal(put_string("\b\f\n\r\t\x01\x1f\0", 8, &b),
	    "\"\\b\\f\\n\\r\\t\\u0001\\u001f\\u0000\"");
	buf_free(&b);
}

static void
writer_passes_del_and_u2028(void **state)
{
	struct buf b;

	assert_string_equal(put_string("\x7f\xe2\x80\xa8\xe2\x80\xa9", 7, &b),
	    "\"\x7f\xe2\x80\xa8\xe2\x80\xa9\"");
	buf_free(&b);
}

static void
writer_replaces_invalid_byte(void **state)
{
	struct buf b;

	assert_string_equal(put_string("a\xff" "b", 3, &b),
	    "\"a\xef\xbf\xbd" "b\"");
	buf_free(&b);
}

static void
writer_replaces_truncated_sequence_once(void **state)
{
	struct buf b;

	/* A truncated 3-byte sequence is one maximal subpart: one U+FFFD. */
	assert_string_equal(put_string("\xe2\x82" "x", 3, &b),
	    "\"\xef\xbf\xbd" "x\"");
	buf_free(&b);
	assert_string_equal(put_string("\xe2\x82", 2, &b),
	    "\"\xef\xbf\xbd\"");
	buf_free(&b);
}

static void
writer_replaces_overlong_and_surrogate(void **state)
{
	struct buf b;

	assert_string_equal(put_string("\xc0\xaf", 2, &b),
	    "\"\xef\xbf\xbd\xef\xbf\xbd\"");
	buf_free(&b);
	assert_string_equal(put_string("\xed\xa0\x80", 3, &b),
	    "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");
	buf_free(&b);
}

static void
writer_commas_and_nesting(void **state)
{
	struct buf	b;
	struct jw	w;

	buf_init(&b);
	jw_init(&w, &b);
	jw_obj_open(&w);
	jw_kstr(&w, "a", "x");
	jw_kint(&w, "b", -42);
	jw_kbool(&w, "c", 1);
	jw_knull(&w, "d");
	jw_kstr(&w, "e", NULL);
	jw_key(&w, "f");
	jw_arr_open(&w);
	jw_int(&w, 1);
	jw_double(&w, 0.5);
	jw_obj_open(&w);
	jw_obj_close(&w);
	jw_arr_open(&w);
	jw_arr_close(&w);
	jw_bool(&w, 0);
	jw_arr_close(&w);
	jw_key(&w, "g");
	jw_obj_open(&w);
	jw_key(&w, "h");
	jw_raw(&w, "{\"pre\":1}", 9);
	jw_key(&w, "i");
	jw_strn(&w, "ab", 1);
	jw_obj_close(&w);
	jw_key(&w, "j");
	jw_double(&w, 1e21);
	jw_obj_close(&w);
	assert_string_equal(b.data, "{\"a\":\"x\",\"b\":-42,\"c\":true,\"d\":null,"
	    "\"e\":null,\"f\":[1,0.5,{},[],false],\"g\":{\"h\":{\"pre\":1},"
	    "\"i\":\"a\"},\"j\":1e+21}");
	buf_free(&b);
}

static void
writer_top_level_array(void **state)
{
	struct buf	b;
	struct jw	w;

	buf_init(&b);
	jw_init(&w, &b);
	jw_arr_open(&w);
	jw_str(&w, "a");
	jw_str(&w, "b");
	jw_arr_close(&w);
	assert_string_equal(b.data, "[\"a\",\"b\"]");
	buf_free(&b);
}

static void
writer_value_doubles_use_js_form(void **state)
{
	struct buf		 b;
	struct jw		 w;
	struct json_object	*v;

	v = json_object_new_array();
	json_object_array_add(v, json_object_new_double(0.42));
	json_object_array_add(v, json_object_new_double(3.0));
	json_object_array_add(v, json_object_new_double(NAN));
	json_object_array_add(v, NULL);
	json_object_array_add(v, json_object_new_string("a/\x01"));
	buf_init(&b);
	jw_init(&w, &b);
	jw_value(&w, v);
	assert_string_equal(b.data, "[0.42,3,null,null,\"a/\\u0001\"]");
	buf_free(&b);
	json_object_put(v);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_object_types),
		cmocka_unit_test(parse_rejects_duplicate_top_level),
		cmocka_unit_test(parse_rejects_duplicate_nested),
		cmocka_unit_test(parse_rejects_duplicate_after_decoding_escapes),
		cmocka_unit_test(parse_rejects_duplicate_with_null_values),
		cmocka_unit_test(parse_allows_same_name_in_sibling_objects),
		cmocka_unit_test(parse_rejects_escaped_nul),
		cmocka_unit_test(parse_rejects_raw_nul_byte),
		cmocka_unit_test(parse_rejects_nul_byte_outside_string),
		cmocka_unit_test(parse_rejects_raw_control_char),
		cmocka_unit_test(parse_accepts_del_and_valid_multibyte),
		cmocka_unit_test(parse_rejects_lone_continuation_byte),
		cmocka_unit_test(parse_rejects_truncated_sequence),
		cmocka_unit_test(parse_rejects_overlong_two_byte),
		cmocka_unit_test(parse_rejects_overlong_three_byte),
		cmocka_unit_test(parse_rejects_overlong_four_byte),
		cmocka_unit_test(parse_rejects_utf8_encoded_surrogate),
		cmocka_unit_test(parse_rejects_above_u10ffff),
		cmocka_unit_test(parse_rejects_invalid_utf8_outside_string),
		cmocka_unit_test(parse_rejects_lone_high_surrogate_escape),
		cmocka_unit_test(parse_rejects_lone_low_surrogate_escape),
		cmocka_unit_test(parse_decodes_surrogate_pair),
		cmocka_unit_test(parse_decodes_escapes),
		cmocka_unit_test(parse_rejects_bad_escapes),
		cmocka_unit_test(parse_rejects_unterminated_string),
		cmocka_unit_test(parse_depth_32_accepted),
		cmocka_unit_test(parse_depth_33_rejected),
		cmocka_unit_test(parse_object_depth_counts_objects),
		cmocka_unit_test(parse_one_mib_of_brackets_rejected),
		cmocka_unit_test(parse_rejects_trailing_comma),
		cmocka_unit_test(parse_rejects_leading_zeros),
		cmocka_unit_test(parse_rejects_malformed_numbers),
		cmocka_unit_test(parse_int64_limits_stay_int),
		cmocka_unit_test(parse_big_int_becomes_double),
		cmocka_unit_test(parse_fraction_and_exponent_are_double),
		cmocka_unit_test(parse_huge_exponent_gives_infinity),
		cmocka_unit_test(parse_very_long_number),
		cmocka_unit_test(parse_rejects_trailing_garbage),
		cmocka_unit_test(parse_rejects_empty_input),
		cmocka_unit_test(parse_allows_surrounding_whitespace),
		cmocka_unit_test(parse_rejects_non_json_whitespace),
		cmocka_unit_test(parse_top_level_scalars),
		cmocka_unit_test(parse_reads_only_len_bytes),
		cmocka_unit_test(parse_rejects_structural_errors),
		cmocka_unit_test(parse_keeps_member_order),
		cmocka_unit_test(fmt_double_javascript_table),
		cmocka_unit_test(fmt_double_from_parsed_1e21),
		cmocka_unit_test(fmt_double_negative_zero_is_zero),
		cmocka_unit_test(fmt_double_nan_and_inf_are_null),
		cmocka_unit_test(fmt_double_round_trips),
		cmocka_unit_test(writer_does_not_escape_slash),
		cmocka_unit_test(writer_escapes_quote_and_backslash),
		cmocka_unit_test(writer_escapes_control_chars),
		cmocka_unit_test(writer_passes_del_and_u2028),
		cmocka_unit_test(writer_replaces_invalid_byte),
		cmocka_unit_test(writer_replaces_truncated_sequence_once),
		cmocka_unit_test(writer_replaces_overlong_and_surrogate),
		cmocka_unit_test(writer_commas_and_nesting),
		cmocka_unit_test(writer_top_level_array),
		cmocka_unit_test(writer_value_doubles_use_js_form),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
