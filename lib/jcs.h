/*
 * jcs.h -- the RFC 8785 (JCS) subset of 09-audit.md §2.1 over json-c
 * values, and the ASCII folding of §1.2 that keeps audit values inside it.
 *
 * Audit values hold only objects, arrays, strings, integers within
 * ±(2^53 - 1), booleans and null, and every string (object keys included)
 * is ASCII.  For such values the canonical form needs no number formatting
 * and no Unicode sorting, so a few lines produce the same bytes as any
 * RFC 8785 library or a sorted-key JSON.stringify.
 */
#ifndef RENSEI_JCS_H
#define RENSEI_JCS_H

#include <stddef.h>

#include <json-c/json.h>

#include "buf.h"

#define JCS_WUR __attribute__((warn_unused_result))

#define JCS_MAX_SAFE_INT 9007199254740991LL   /* 2^53 - 1 */
#define JCS_MAX_DEPTH    32                   /* containers, as JSON_MAX_DEPTH */

/* 0 when v obeys §1.2: only objects, arrays, strings, integers within
 * ±JCS_MAX_SAFE_INT, booleans and null; every string and key ASCII; every
 * key starting with an ASCII letter; at most JCS_MAX_DEPTH containers
 * deep.  -1 otherwise (a double, an unsafe integer, a non-ASCII byte, ...). */
int  jcs_check(struct json_object *v) JCS_WUR;

/* Appends JCS(v) to b.  Returns 0, or -1 (b left as it was) when v is not a
 * §1.2 value as jcs_check() defines it. */
int  jcs_serialize(struct buf *b, struct json_object *v) JCS_WUR;

/* Appends the JCS string literal (quotes included) of s[0..n).  Returns 0,
 * or -1 (b left as it was) when s holds a byte >= 0x80. */
int  jcs_put_string(struct buf *b, const char *s, size_t n) JCS_WUR;

/* Appends the ASCII folding of s[0..n) (no quotes): each code point
 * >= U+0080 of a valid UTF-8 sequence becomes the six characters \uXXXX
 * (lowercase hex; above U+FFFF two surrogate escapes), each byte that is
 * not part of a valid UTF-8 sequence becomes \ufffd, ASCII stays as is. */
void jcs_fold_string(struct buf *b, const char *s, size_t n);

/* Sets *out to a new value (release with json_object_put; NULL for a JSON
 * null) that is a deep copy of v with every string and object key folded
 * as jcs_fold_string() does.  Numbers, booleans and null are copied
 * unchanged, so jcs_check() still rejects a double afterwards.  Returns 0,
 * or -1 (*out NULL) when v nests deeper than JCS_MAX_DEPTH or two keys of
 * one object fold to the same text. */
int  jcs_fold(struct json_object *v, struct json_object **out) JCS_WUR;

#endif
