/* t/unit/jcs.c -- JCS subset and ASCII folding (09-audit.md §1.2, §2.1). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "buf.h"
#include "jcs.h"
#include "json.h"

static struct json_object *
parse(const char *text)
{
	struct json_object *v = NULL;

	assert_int_equal(json_parse_strict(text, strlen(text), JSON_MAX_DEPTH,
	    &v), JSON_OK);
	return v;
}

/* Serializes v, checks the bytes against want, releases v. */
static void
assert_jcs(struct json_object *v, const char *want)
{
	struct buf b;

	buf_init(&b);
	assert_int_equal(jcs_serialize(&b, v), 0);
	assert_int_equal(b.len, strlen(want));
	assert_memory_equal(b.data, want, b.len);
	buf_free(&b);
	json_object_put(v);
}

static void
assert_jcs_rejected(struct json_object *v)
{
	struct buf b;

	buf_init(&b);
	buf_puts(&b, "keep");
	assert_int_equal(jcs_check(v), -1);
	assert_int_equal(jcs_serialize(&b, v), -1);
	/* A failed serialization leaves what was there before. */
	assert_string_equal(b.data, "keep");
	assert_int_equal(b.len, 4);
	buf_free(&b);
	json_object_put(v);
}

static struct buf folded;   /* freed in main */

static char *
fold(const char *s, size_t n)
{
	buf_reset(&folded);
	buf_append(&folded, "", 0);
	jcs_fold_string(&folded, s, n);
	return folded.data;
}

static void
worked_example_is_39_bytes(void **state)
{
	const char *want = "{\"a\":\"x\\ty\\\"\\\\Caf\\\\u00e9\",\"b\":[1,null]}";

	assert_int_equal(strlen(want), 39);
	assert_jcs(parse("{\"b\":[1,null],\"a\":\"x\\ty\\\"\\\\Caf\\\\u00e9\"}"),
	    want);
}

static void
literals_serialize_as_is(void **state)
{
	assert_jcs(parse("[null,true,false]"), "[null,true,false]");
	assert_jcs(NULL, "null");
}

static void
integers_in_shortest_decimal(void **state)
{
	assert_jcs(json_object_new_int64(0), "0");
	assert_jcs(json_object_new_int64(7), "7");
	assert_jcs(json_object_new_int64(-1), "-1");
	assert_jcs(json_object_new_int64(1000), "1000");
	assert_jcs(parse("[-0,0,10,-42]"), "[0,0,10,-42]");
}

static void
integers_at_safe_limits_accepted(void **state)
{
	assert_jcs(json_object_new_int64(9007199254740991LL),
	    "9007199254740991");
	assert_jcs(json_object_new_int64(-9007199254740991LL),
	    "-9007199254740991");
}

static void
integer_2_pow_53_rejected(void **state)
{
	assert_jcs_rejected(json_object_new_int64(9007199254740992LL));
	assert_jcs_rejected(json_object_new_int64(-9007199254740992LL));
	assert_jcs_rejected(parse("{\"n\":9007199254740992}"));
	assert_jcs_rejected(json_object_new_uint64(UINT64_MAX));
}

static void
double_rejected(void **state)
{
	assert_jcs_rejected(json_object_new_double(0.5));
	assert_jcs_rejected(json_object_new_double(1.0));
	assert_jcs_rejected(parse("{\"a\":[1,2.5]}"));
	assert_jcs_rejected(parse("{\"a\":1e3}"));
}

static void
control_chars_escaped(void **state)
{
	struct json_object *v;

	assert_jcs(json_object_new_string("\b\t\n\f\r"),
	    "\"\\b\\t\\n\\f\\r\"");
	assert_jcs(json_object_new_string("\x01\x0b\x1f"),
	    "\"\\u0001\\u000b\\u001f\"");
	v = json_object_new_string_len("a\0b", 3);
	assert_jcs(v, "\"a\\u0000b\"");
}

static void
quote_and_backslash_escaped(void **state)
{
	assert_jcs(json_object_new_string("\"\\"), "\"\\\"\\\\\"");
}

static void
del_and_slash_written_as_is(void **state)
{
	assert_jcs(json_object_new_string("a/b\x7f"), "\"a/b\x7f\"");
}

static void
keys_sorted_by_byte_order(void **state)
{
	assert_jcs(parse("{\"b\":1,\"a\":{\"z\":1,\"Z\":2,\"y\":3},\"B\":2,"
	    "\"aa\":4}"), "{\"B\":2,\"a\":{\"Z\":2,\"y\":3,\"z\":1},\"aa\":4,"
	    "\"b\":1}");
}

static void
empty_containers_serialize(void **state)
{
	assert_jcs(parse("{\"a\":[],\"b\":{}}"), "{\"a\":[],\"b\":{}}");
}

static void
non_ascii_string_rejected_unfolded(void **state)
{
	assert_jcs_rejected(json_object_new_string("Caf\xc3\xa9"));
}

static void
key_not_starting_with_letter_rejected(void **state)
{
	assert_jcs_rejected(parse("{\"0\":1}"));
	assert_jcs_rejected(parse("{\"\":1}"));
	assert_jcs_rejected(parse("{\"_a\":1}"));
}

static void
nesting_deeper_than_limit_rejected(void **state)
{
	struct json_object *v = json_object_new_array(), *inner;
	int i;

	for (i = 0; i < JCS_MAX_DEPTH; i++) {
		inner = json_object_new_array();
		json_object_array_add(inner, v);
		v = inner;
	}
	assert_jcs_rejected(v);
}

static void
check_accepts_section_1_2_value(void **state)
{
	struct json_object *v = parse("{\"a\":[1,\"x\",null,true,{\"b\":-3}]}");

	assert_int_equal(jcs_check(v), 0);
	json_object_put(v);
}

static void
fold_keeps_ascii(void **state)
{
	assert_string_equal(fold("plain /\\\x7f", 9), "plain /\\\x7f");
}

static void
fold_e_acute_to_six_chars(void **state)
{
	char *s = fold("Caf\xc3\xa9", 5);

	assert_string_equal(s, "Caf\\u00e9");
	assert_int_equal(strlen(s), 9);
}

static void
fold_emoji_to_surrogate_pair(void **state)
{
	/* U+1F600 GRINNING FACE */
	assert_string_equal(fold("\xf0\x9f\x98\x80!", 5), "\\ud83d\\ude00!");
	/* U+10FFFF, the highest code point */
	assert_string_equal(fold("\xf4\x8f\xbf\xbf", 4), "\\udbff\\udfff");
}

static void
fold_bmp_uses_lowercase_hex(void **state)
{
	assert_string_equal(fold("\xe2\x82\xac\xef\xbf\xbf", 6),
	    "\\u20ac\\uffff");
}

static void
fold_invalid_byte_to_replacement(void **state)
{
	assert_string_equal(fold("a\xffz", 3), "a\\ufffdz");
	/* a lone continuation byte */
	assert_string_equal(fold("\x80", 1), "\\ufffd");
}

static void
fold_each_byte_of_broken_sequence(void **state)
{
	/* truncated three-byte sequence: two bytes, each not part of a
	 * valid sequence */
	assert_string_equal(fold("\xe2\x82x", 3), "\\ufffd\\ufffdx");
	/* overlong '/' */
	assert_string_equal(fold("\xc0\xaf", 2), "\\ufffd\\ufffd");
	/* UTF-8 encoded surrogate U+D800 */
	assert_string_equal(fold("\xed\xa0\x80", 3),
	    "\\ufffd\\ufffd\\ufffd");
	/* above U+10FFFF */
	assert_string_equal(fold("\xf4\x90\x80\x80", 4),
	    "\\ufffd\\ufffd\\ufffd\\ufffd");
	/* sequence cut by the end of the string */
	assert_string_equal(fold("\xf0\x9f\x98", 3), "\\ufffd\\ufffd\\ufffd");
}

static void
fold_value_folds_strings_and_keys(void **state)
{
	struct json_object *in, *out;

	in = json_object_new_object();
	json_object_object_add(in, "n\xc3\xa4me",
	    json_object_new_string("Caf\xc3\xa9"));
	json_object_object_add(in, "list", parse("[\"\xe2\x82\xac\",1,true]"));
	assert_int_equal(jcs_fold(in, &out), 0);
	json_object_put(in);
	assert_int_equal(jcs_check(out), 0);
	assert_jcs(out, "{\"list\":[\"\\\\u20ac\",1,true],"
	    "\"n\\\\u00e4me\":\"Caf\\\\u00e9\"}");
}

static void
fold_value_keeps_double_for_check(void **state)
{
	struct json_object *in = parse("{\"a\":0.5}"), *out;

	assert_int_equal(jcs_fold(in, &out), 0);
	json_object_put(in);
	assert_jcs_rejected(out);
}

static void
fold_value_rejects_key_collision(void **state)
{
	struct json_object *in = json_object_new_object(), *out;

	json_object_object_add(in, "a\xc3\xa9", json_object_new_int(1));
	json_object_object_add(in, "a\\u00e9", json_object_new_int(2));
	assert_int_equal(jcs_fold(in, &out), -1);
	assert_null(out);
	json_object_put(in);
}

static void
fold_value_of_null_is_null(void **state)
{
	struct json_object *out = (struct json_object *)1;

	assert_int_equal(jcs_fold(NULL, &out), 0);
	assert_null(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(worked_example_is_39_bytes),
		cmocka_unit_test(literals_serialize_as_is),
		cmocka_unit_test(integers_in_shortest_decimal),
		cmocka_unit_test(integers_at_safe_limits_accepted),
		cmocka_unit_test(integer_2_pow_53_rejected),
		cmocka_unit_test(double_rejected),
		cmocka_unit_test(control_chars_escaped),
		cmocka_unit_test(quote_and_backslash_escaped),
		cmocka_unit_test(del_and_slash_written_as_is),
		cmocka_unit_test(keys_sorted_by_byte_order),
		cmocka_unit_test(empty_containers_serialize),
		cmocka_unit_test(non_ascii_string_rejected_unfolded),
		cmocka_unit_test(key_not_starting_with_letter_rejected),
		cmocka_unit_test(nesting_deeper_than_limit_rejected),
		cmocka_unit_test(check_accepts_section_1_2_value),
		cmocka_unit_test(fold_keeps_ascii),
		cmocka_unit_test(fold_e_acute_to_six_chars),
		cmocka_unit_test(fold_emoji_to_surrogate_pair),
		cmocka_unit_test(fold_bmp_uses_lowercase_hex),
		cmocka_unit_test(fold_invalid_byte_to_replacement),
		cmocka_unit_test(fold_each_byte_of_broken_sequence),
		cmocka_unit_test(fold_value_folds_strings_and_keys),
		cmocka_unit_test(fold_value_keeps_double_for_check),
		cmocka_unit_test(fold_value_rejects_key_collision),
		cmocka_unit_test(fold_value_of_null_is_null),
	};

	int rc;

	buf_init(&folded);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	buf_free(&folded);
	return rc;
}
