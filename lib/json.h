/*
 * json.h -- strict JSON input on top of json-c, compact ordered output.
 *
 * Input: json-c silently accepts duplicate member names (last wins),
 * "\u0000", invalid UTF-8 and unbounded nesting; 00-overview.md §3 makes
 * each of them invalid.  json_parse_strict() is our own recursive-descent
 * parser (RFC 8259) that builds json-c objects and rejects all of them.
 * Integers that fit int64 become json_type_int; every other number
 * (fraction, exponent, or out of int64 range) becomes json_type_double, so
 * callers can tell "a JSON integer" (no fraction or exponent) apart.
 *
 * Output: a writer that appends to a struct buf with automatic commas,
 * member order as written, no "\/" escaping, doubles in the shortest form
 * that round-trips, printed as JavaScript prints numbers (0.42, 12.5,
 * 1e+21, 1e-7).
 */
#ifndef RENSEI_JSON_H
#define RENSEI_JSON_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "buf.h"

#define JSON_MAX_DEPTH 32

enum json_err {
	JSON_OK = 0,
	JSON_ESYNTAX,    /* not RFC 8259 JSON (incl. trailing garbage, empty input) */
	JSON_EUTF8,      /* invalid UTF-8 anywhere, or a lone surrogate escape */
	JSON_ENUL,       /* U+0000 in a string (escaped or raw) */
	JSON_EDUP,       /* duplicate member name in an object */
	JSON_EDEPTH      /* nesting deeper than max_depth */
};

/* Parses exactly len bytes.  On success *out owns a new json-c value
 * (json_object_put() it).  max_depth counts containers: "[]" is depth 1. */
enum json_err json_parse_strict(const char *text, size_t len, int max_depth,
                                struct json_object **out);

/* Shortest round-trip JavaScript form; out holds 32 bytes.  NaN and
 * infinities render as "null". */
void json_fmt_double(char out[32], double d);

/* Appends a JSON string literal (quotes included).  Invalid UTF-8 bytes
 * become U+FFFD so the output is always valid JSON. */
void json_put_string(struct buf *b, const char *s, size_t n);

/* 1 when s[0..n) is well-formed UTF-8 (Unicode Table 3-7: no overlongs,
 * no surrogates, nothing above U+10FFFF), else 0.  NUL bytes are valid
 * UTF-8: callers that refuse them check separately. */
int json_utf8_valid(const char *s, size_t n);

#define JW_MAX_DEPTH 64

struct jw {
	struct buf *b;
	int         depth;
	uint8_t     first[JW_MAX_DEPTH];   /* 1 = no member written yet at this level */
	uint8_t     after_key;             /* a key was just written */
};

void jw_init(struct jw *w, struct buf *b);
void jw_obj_open(struct jw *w);
void jw_obj_close(struct jw *w);
void jw_arr_open(struct jw *w);
void jw_arr_close(struct jw *w);
void jw_key(struct jw *w, const char *key);
void jw_str(struct jw *w, const char *s);            /* NULL writes null */
void jw_strn(struct jw *w, const char *s, size_t n);
void jw_int(struct jw *w, int64_t v);
void jw_double(struct jw *w, double v);
void jw_bool(struct jw *w, int v);
void jw_null(struct jw *w);
/* A value that is already serialized JSON text (inserted as is). */
void jw_raw(struct jw *w, const char *json, size_t n);
/* A json-c value, written with the rules above (object members in
 * json-c's insertion order). */
void jw_value(struct jw *w, struct json_object *v);

/* key + value shorthands */
void jw_kstr(struct jw *w, const char *key, const char *s);   /* NULL → null */
void jw_kint(struct jw *w, const char *key, int64_t v);
void jw_kbool(struct jw *w, const char *key, int v);
void jw_knull(struct jw *w, const char *key);

#endif
