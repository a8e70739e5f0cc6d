/*
 * valid.h -- validation tables for JSON bodies and query parameters.
 *
 * A route declares its input as an array of struct valid_field; one
 * routine applies the array to a parsed body and fills an array of typed
 * values parallel to it, or reports the first failing field.  Handlers
 * read only those values.  Two modes, because the spec has two:
 *
 * VALID_STRICT (04-console.md §1): a missing required field gives
 *   "<field> is required"; a wrong type, bound, enum or check gives
 *   "<field> must be <rule>".
 * VALID_LAX (02-worker-protocol.md §2, the reference's semantics): null,
 *   booleans and wrong types count as missing; an optional field that is
 *   missing, mistyped or out of range is ignored unless it carries
 *   msg_invalid; identifier-like strings over their limit give
 *   "<field> is too long"; free text over its limit is truncated at a
 *   UTF-8 boundary; floored numbers are floored and clamped.
 *
 * In both modes the first failing field in table order is reported, with
 * <field> the member's dotted path as sent ("activity.toolName";
 * strict mode names array elements "items[2].url", lax mode names them
 * by the array, "externalUrls").  The error carries status and message
 * only: the caller renders it in its group's envelope (plain, OAuth,
 * JSON-RPC, SCIM).
 *
 * Decisions where the spec is silent, in both modes: "" for a required
 * string counts as missing; null on a field without VALID_NULLABLE reads
 * as absent; unknown members are ignored; maxlen 0 means 255 bytes
 * (65536 for free text); bounds are checked before flooring (capacity
 * 0.5 fails "≥ 1").  Order within a field: type, minimum length, enum,
 * check, then the length limit (which truncates free text); arrays of
 * strings: element types, count, entry lengths.  In lax mode one
 * override stands in for the other: a required field that is missing or
 * mistyped reports msg_missing, else msg_invalid; out of range the
 * reverse.
 *
 * Lay a table out with designated indices so handlers can name values:
 *
 *	enum { F_NAME, F_PRIORITY, F__MAX };
 *	static const struct valid_field fields[F__MAX] = {
 *		[F_NAME] = { "name", VALID_STRING, VALID_REQUIRED,
 *		    .minlen = 1, .maxlen = 100 },
 *		[F_PRIORITY] = { "priority", VALID_INT,
 *		    VALID_MIN | VALID_MAX, .min = 1, .max = 9 },
 *	};
 *
 * (A row with no designated member at all trips -Wextra's
 * missing-field-initializers: write its flags as ".flags = ...".)
 *
 *	struct valid_val v[F__MAX];
 *	if (valid_body(a, VALID_STRICT, fields, F__MAX, body, v, &err) == -1)
 *		... http_error(resp, err.status, err.msg) ...
 */
#ifndef RENSEI_VALID_H
#define RENSEI_VALID_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "arena.h"

enum valid_mode {
	VALID_STRICT = 0,
	VALID_LAX
};

enum valid_type {
	VALID_STRING = 0,	/* JSON string (never holding NUL) */
	VALID_INT,		/* integer: strict, a JSON integer or an integral
				 * number within ±2^53 (Number.isInteger); lax,
				 * any number, floored and clamped as VALID_FLOOR */
	VALID_NUMBER,		/* any JSON number */
	VALID_BOOL,
	VALID_OBJECT,		/* with sub: its members validated by sub */
	VALID_STRINGS,		/* array of strings */
	VALID_ARRAY,		/* array; with sub: each element an object
				 * validated by sub */
	VALID_ANY		/* any non-null value; check decides */
};

/* Flags. */
#define VALID_REQUIRED	0x0001
#define VALID_NULLABLE	0x0002	/* explicit null accepted: present, isnull */
#define VALID_FREETEXT	0x0004	/* over maxlen: truncated, not rejected */
#define VALID_FLOOR	0x0008	/* numbers: floored, clamped to int32 */
#define VALID_CHARS	0x0010	/* string lengths count code points */
#define VALID_DROP	0x0020	/* arrays: bad elements dropped, not fatal */
#define VALID_MIN	0x0040	/* min applies */
#define VALID_MAX	0x0080	/* max applies */
#define VALID_CLAMP	0x0100	/* numbers above max become max */

/* Default string limits (bytes) when maxlen is 0. */
#define VALID_IDENT_MAX		255
#define VALID_FREETEXT_MAX	65536

/* Floored numbers never leave this range (02-worker-protocol.md §2). */
#define VALID_FLOOR_MAX		2147483647
#define VALID_FLOOR_MIN		(-2147483647 - 1)

struct valid_field;
struct valid_schema;

/* One validated value.  Strings and arrays point into the parsed tree
 * (json-c strings are NUL-terminated) unless they had to be copied or
 * truncated, in which case they live in the arena. */
struct valid_val {
	int			 present;	/* given, with an accepted value */
	int			 isnull;	/* present, and null (NULLABLE) */
	int			 truncated;	/* free text was cut */
	const char		*s;		/* STRING */
	size_t			 len;
	int64_t			 i;		/* INT, BOOL, floored NUMBER */
	double			 d;		/* NUMBER (and INT) */
	struct json_object	*o;		/* the member as parsed (borrowed) */
	struct valid_val	*sub;		/* OBJECT with sub: sub->nfields */
	size_t			 n;		/* STRINGS, ARRAY: element count */
	const char	       **strs;		/* STRINGS: n strings */
	size_t			*lens;
	struct valid_val       **elems;	/* ARRAY with sub: n value arrays */
};

/*
 * A custom check runs once type and bounds passed (for STRINGS after
 * every entry passed).  Returns 0 to accept, -1 to reject; on reject it
 * may set *msg to a full message (arena or static) instead of the
 * field's own.  It may rewrite v (e.g. normalise a value).
 */
typedef int (*valid_check_fn)(struct arena *, const struct valid_field *,
    struct valid_val *v, const char **msg);

struct valid_field {
	const char		 *name;		/* member name */
	enum valid_type		  type;
	unsigned int		  flags;
	double			  min, max;	/* numbers, with VALID_MIN/MAX */
	size_t			  minlen;	/* strings and STRINGS entries */
	size_t			  maxlen;	/* 0: VALID_IDENT_MAX, or
						 * VALID_FREETEXT_MAX */
	size_t			  mincount;	/* arrays */
	size_t			  maxcount;	/* arrays; 0: no limit */
	const char *const	 *oneof;	/* NULL-terminated allowed strings */
	valid_check_fn		  check;
	const struct valid_schema *sub;		/* OBJECT, ARRAY of objects */
	const char		 *rule;		/* "<field> must be <rule>" */
	const char		 *msg_missing;	/* full messages overriding */
	const char		 *msg_invalid;	/* the derived ones */
	const char		 *msg_toolong;
};

struct valid_schema {
	const struct valid_field *fields;
	size_t			  nfields;
};

#define VALID_SCHEMA(a)	{ (a), sizeof(a) / sizeof((a)[0]) }

struct valid_err {
	int		 status;	/* 400 */
	const char	*msg;		/* arena or static */
	const char	*field;		/* dotted path of the failing field */
};

/*
 * Applies fields[0..n) to body, which must be a JSON object (anything
 * else is "Invalid JSON body").  out has n entries.  Returns 0, or -1
 * with *err set.
 */
int	valid_body(struct arena *, enum valid_mode, const struct valid_field *,
	    size_t n, struct json_object *body, struct valid_val *out,
	    struct valid_err *err) __attribute__((warn_unused_result));

/*
 * Parses a request body (empty means {}) with json_parse_strict at depth
 * JSON_MAX_DEPTH, requires an object and applies the table.  *root owns
 * the tree the values point into (json_object_put() it, also on error).
 */
int	valid_json_body(struct arena *, enum valid_mode,
	    const struct valid_field *, size_t n, const char *text, size_t len,
	    struct json_object **root, struct valid_val *out,
	    struct valid_err *err) __attribute__((warn_unused_result));

/*
 * Validates one query parameter value s[0..len) (NULL when absent)
 * against f: STRING (length, oneof, check), INT (an optional '-' and
 * decimal digits only: no '+', spaces, exponent or empty value), NUMBER
 * (a JSON number), BOOL ("true" or "false").  An embedded NUL or invalid
 * UTF-8 is always invalid.
 */
int	valid_query(struct arena *, enum valid_mode, const struct valid_field *,
	    const char *s, size_t len, struct valid_val *out,
	    struct valid_err *err) __attribute__((warn_unused_result));

/* Length of s[0..n) cut to at most max bytes without splitting a UTF-8
 * sequence. */
size_t	valid_utf8_cut(const char *s, size_t n, size_t max);

#endif
