/*
 * valid.c -- validation tables for JSON bodies and query parameters (see
 * valid.h for the two modes and the message rules).
 */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "arena.h"
#include "buf.h"
#include "json.h"
#include "valid.h"

/* Why a field failed; decides the message and, in lax mode, whether the
 * failure is an error at all. */
enum vkind {
	VK_MISSING,	/* absent, null, or (lax) of the wrong type */
	VK_TYPE,	/* wrong type */
	VK_RANGE,	/* bounds, enum, check */
	VK_TOOLONG	/* string, entry or count over its limit */
};

struct vctx {
	struct arena		*a;
	enum valid_mode		 mode;
	struct valid_err	*err;
	enum vkind		 kind;	   /* of the failure being reported */
	int			 explicit; /* its message came from the table
					    * or a check, not derived */
};

/*
 * Where a field sits: a chain of the containers around it, turned into
 * text only when an error names it, so valid input costs no allocation.
 * Each link is a member holding an object, or element idx of an array.
 * Under a "fixed" link (the elements of a lax array) every member is
 * named by that array's own name (02-worker-protocol.md §2: "for an
 * array's entries, the array's name").
 */
struct vpath {
	const struct vpath	*up;	/* NULL: the body itself */
	const char		*name;
	size_t			 idx;
	int			 elem;	/* an element: name[idx] */
	int			 fixed;
};

static const struct vpath top_path = { NULL, NULL, 0, 0, 0 };

static int	apply_schema(struct vctx *, const struct valid_field *, size_t,
		    struct json_object *, const struct vpath *,
		    struct valid_val *);

/* Appends the dotted path of container p ("a.b[2]"). */
static void
path_put(struct buf *b, const struct vpath *p)
{
	if (p->up == NULL)
		return;
	path_put(b, p->up);
	if (b->len > 0)
		buf_putc(b, '.');
	buf_puts(b, p->name);
	if (p->elem)
		buf_printf(b, "[%zu]", p->idx);
}

static const char *
path_of(struct vctx *c, const struct valid_field *f, const struct vpath *p)
{
	const struct vpath	*q, *fixed = NULL;
	struct buf		 b;
	const char		*r;

	for (q = p; q != NULL; q = q->up)
		if (q->fixed)
			fixed = q;
	if (fixed == NULL && p->up == NULL)
		return f->name;
	buf_init(&b);
	if (fixed != NULL) {
		/* The array itself: drop the element's index. */
		path_put(&b, fixed->up);
		if (b.len > 0)
			buf_putc(&b, '.');
		buf_puts(&b, fixed->name);
	} else {
		path_put(&b, p);
		buf_putc(&b, '.');
		buf_puts(&b, f->name);
	}
	r = arena_strndup(c->a, b.data, b.len);
	buf_free(&b);
	return r;
}

static const char *
fmt_num(struct vctx *c, double d)
{
	char tmp[32];

	json_fmt_double(tmp, d);
	return arena_strdup(c->a, tmp);
}

/* "one of: a, b, c" */
static const char *
rule_oneof(struct vctx *c, const char *const *oneof)
{
	struct buf	 b;
	const char	*r;
	size_t		 i;

	buf_init(&b);
	buf_puts(&b, "one of: ");
	for (i = 0; oneof[i] != NULL; i++) {
		if (i > 0)
			buf_puts(&b, ", ");
		buf_puts(&b, oneof[i]);
	}
	r = arena_strndup(c->a, b.data, b.len);
	buf_free(&b);
	return r;
}

/* "an integer between 1 and 9", "a number of at least 0", ... */
static const char *
rule_number(struct vctx *c, const struct valid_field *f, const char *what)
{
	int hasmin = (f->flags & VALID_MIN) != 0;
	int hasmax = (f->flags & VALID_MAX) != 0 && !(f->flags & VALID_CLAMP);

	if (hasmin && hasmax)
		return arena_printf(c->a, "%s between %s and %s", what,
		    fmt_num(c, f->min), fmt_num(c, f->max));
	if (hasmin)
		return arena_printf(c->a, "%s of at least %s", what,
		    fmt_num(c, f->min));
	if (hasmax)
		return arena_printf(c->a, "%s of at most %s", what,
		    fmt_num(c, f->max));
	return what;
}

static size_t
str_max(const struct valid_field *f)
{
	if (f->maxlen != 0)
		return f->maxlen;
	return (f->flags & VALID_FREETEXT) ? VALID_FREETEXT_MAX :
	    VALID_IDENT_MAX;
}

static const char *
unit_of(const struct valid_field *f)
{
	return (f->flags & VALID_CHARS) ? "characters" : "bytes";
}

/*
 * Records a failure.  Returns -1 when it is an error, or 0 when lax mode
 * ignores it (the field then reads as absent).  detail is the derived
 * rule for "<field> must be <rule>"; forced a message from a check.
 */
static int
fail(struct vctx *c, const struct valid_field *f, const struct vpath *p,
    enum vkind kind, const char *detail, const char *forced,
    struct valid_val *out)
{
	const char	*path, *msg, *rule;
	int		 required = (f->flags & VALID_REQUIRED) != 0;

	if ((kind == VK_MISSING && !required) ||
	    (c->mode == VALID_LAX && forced == NULL && kind != VK_TOOLONG &&
	    !required && f->msg_invalid == NULL)) {
		memset(out, 0, sizeof(*out));
		return 0;
	}
	path = path_of(c, f, p);
	rule = f->rule != NULL ? f->rule : detail;
	if (forced != NULL)
		msg = forced;
	else if (c->mode == VALID_STRICT) {
		if (kind == VK_MISSING)
			msg = f->msg_missing;
		else if (kind == VK_TOOLONG && f->msg_toolong != NULL)
			msg = f->msg_toolong;
		else
			msg = f->msg_invalid;
		c->explicit = msg != NULL;
		if (msg == NULL && kind == VK_MISSING)
			msg = arena_printf(c->a, "%s is required", path);
		else if (msg == NULL)
			msg = arena_printf(c->a, "%s must be %s", path, rule);
	} else if (kind == VK_TOOLONG) {
		msg = f->msg_toolong;
		c->explicit = msg != NULL;
		if (msg == NULL)
			msg = arena_printf(c->a, "%s is too long", path);
	} else if (kind == VK_MISSING || (kind == VK_TYPE && required)) {
		/* Lax: a wrong type counts as missing.  The reference has
		 * one message per field more often than two, so either
		 * override stands in for the other. */
		msg = f->msg_missing != NULL ? f->msg_missing : f->msg_invalid;
		c->explicit = msg != NULL;
		if (msg == NULL)
			msg = arena_printf(c->a, "%s is required", path);
	} else {
		msg = f->msg_invalid != NULL ? f->msg_invalid : f->msg_missing;
		c->explicit = msg != NULL;
		if (msg == NULL)
			msg = arena_printf(c->a, "%s must be %s", path, rule);
	}
	if (forced != NULL)
		c->explicit = 1;
	c->kind = kind;
	c->err->status = 400;
	c->err->msg = msg;
	c->err->field = path;
	return -1;
}

/* Runs the field's check, if any, on an otherwise accepted value. */
static int
run_check(struct vctx *c, const struct valid_field *f, const struct vpath *p,
    struct valid_val *out)
{
	const char *msg = NULL;

	if (f->check == NULL || f->check(c->a, f, out, &msg) == 0)
		return 0;
	return fail(c, f, p, VK_RANGE, "valid", msg, out);
}

static int
in_oneof(const char *const *oneof, const char *s, size_t len)
{
	size_t i;

	for (i = 0; oneof[i] != NULL; i++)
		if (strlen(oneof[i]) == len && memcmp(oneof[i], s, len) == 0)
			return 1;
	return 0;
}

static size_t
utf8_chars(const char *s, size_t n)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			k++;
	return k;
}

/* Byte length of the first max code points of s[0..n). */
static size_t
utf8_chars_cut(const char *s, size_t n, size_t max)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80 && k++ == max)
			return i;
	return n;
}

size_t
valid_utf8_cut(const char *s, size_t n, size_t max)
{
	if (n <= max)
		return n;
	/* Back off continuation bytes so the cut lands on a lead byte. */
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	return max;
}

/*
 * String rules shared by bodies and queries, in order: NUL and UTF-8,
 * empty required, minimum length, enum, check, then the length limit
 * (02-worker-protocol.md §2: "checked right after that field's other
 * checks").  Free text is truncated before the check sees it.
 */
static int
check_string(struct vctx *c, const struct valid_field *f,
    const struct vpath *p, const char *s, size_t len, struct valid_val *out)
{
	size_t	max = str_max(f), n;
	int	rc;

	if (memchr(s, '\0', len) != NULL || !json_utf8_valid(s, len))
		return fail(c, f, p, VK_TYPE, "a string", NULL, out);
	if (len == 0 && (f->flags & VALID_REQUIRED))
		return fail(c, f, p, VK_MISSING, NULL, NULL, out);
	n = (f->flags & VALID_CHARS) ? utf8_chars(s, len) : len;
	if (n < f->minlen)
		return fail(c, f, p, VK_RANGE, arena_printf(c->a,
		    "at least %zu %s", f->minlen, unit_of(f)), NULL, out);
	if (f->oneof != NULL && !in_oneof(f->oneof, s, len))
		return fail(c, f, p, VK_RANGE, rule_oneof(c, f->oneof), NULL,
		    out);
	out->present = 1;
	out->s = s;
	out->len = len;
	if (n > max && (f->flags & VALID_FREETEXT)) {
		out->len = (f->flags & VALID_CHARS) ?
		    utf8_chars_cut(s, len, max) : valid_utf8_cut(s, len, max);
		out->s = arena_strndup(c->a, s, out->len);
		out->truncated = 1;
	}
	/* A check that fails, even one lax mode then ignores, comes before
	 * the length limit. */
	if ((rc = run_check(c, f, p, out)) == -1 || !out->present)
		return rc;
	if (n > max && !(f->flags & VALID_FREETEXT))
		return fail(c, f, p, VK_TOOLONG, arena_printf(c->a,
		    "at most %zu %s", max, unit_of(f)), NULL, out);
	return 0;
}

/*
 * Bounds, clamping and flooring for a number d.  isint: d is a JSON
 * integer (or an integral value within ±2^53) and i holds it exactly.
 */
static int
check_number(struct vctx *c, const struct valid_field *f,
    const struct vpath *p, double d, int64_t i, int isint,
    struct valid_val *out)
{
	int		 asint = f->type == VALID_INT;
	int		 floor_it = (f->flags & VALID_FLOOR) ||
			    (asint && c->mode == VALID_LAX);
	const char	*what = asint ? "an integer" : "a number";

	if (asint && c->mode == VALID_STRICT && !isint)
		return fail(c, f, p, VK_TYPE, rule_number(c, f, what), NULL,
		    out);
	if ((f->flags & VALID_MIN) && !(d >= f->min))
		return fail(c, f, p, VK_RANGE, rule_number(c, f, what), NULL,
		    out);
	if ((f->flags & VALID_MAX) && d > f->max) {
		if (!(f->flags & VALID_CLAMP))
			return fail(c, f, p, VK_RANGE,
			    rule_number(c, f, what), NULL, out);
		d = f->max;
		i = (int64_t)f->max;
	}
	if (floor_it) {
		/* Huge values and infinities clamp rather than overflow. */
		d = floor(d);
		if (d > VALID_FLOOR_MAX)
			d = VALID_FLOOR_MAX;
		else if (d < VALID_FLOOR_MIN)
			d = VALID_FLOOR_MIN;
		i = (int64_t)d;
	}
	out->present = 1;
	out->d = d;
	out->i = i;
	return run_check(c, f, p, out);
}

/* Numbers as parsed: json_type_int exactly, doubles as Number.isInteger
 * would see them. */
static int
body_number(struct vctx *c, const struct valid_field *f,
    const struct vpath *p, struct json_object *jv, struct valid_val *out)
{
	int64_t	 i = 0;
	double	 d;
	int	 isint;

	if (json_object_get_type(jv) == json_type_int) {
		i = json_object_get_int64(jv);
		d = (double)i;
		isint = 1;
	} else {
		d = json_object_get_double(jv);
		isint = d == floor(d) && fabs(d) <= 9007199254740992.0;
		if (isint)
			i = (int64_t)d;
	}
	return check_number(c, f, p, d, i, isint, out);
}

static const char *
rule_count(struct vctx *c, const struct valid_field *f, const char *what)
{
	if (f->mincount > 0 && f->maxcount > 0)
		return arena_printf(c->a, "%s of %zu-%zu entries", what,
		    f->mincount, f->maxcount);
	if (f->mincount > 0)
		return arena_printf(c->a, "%s of at least %zu entries", what,
		    f->mincount);
	if (f->maxcount > 0)
		return arena_printf(c->a, "%s of at most %zu entries", what,
		    f->maxcount);
	return what;
}

/*
 * Array of strings: element types, then the count, then each entry's
 * length (the array's name is the field for all three).
 */
static int
body_strings(struct vctx *c, const struct valid_field *f,
    const struct vpath *p, struct json_object *jv, struct valid_val *out)
{
	const char		*what = "an array of strings", *s;
	struct json_object	*e;
	size_t			 n, i, k = 0, len, max = str_max(f);

	n = json_object_array_length(jv);
	out->strs = arena_alloc(c->a, (n ? n : 1) * sizeof(*out->strs));
	out->lens = arena_alloc(c->a, (n ? n : 1) * sizeof(*out->lens));
	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(jv, i);
		if (json_object_get_type(e) != json_type_string) {
			if (f->flags & VALID_DROP)
				continue;
			return fail(c, f, p, VK_TYPE, what, NULL, out);
		}
		s = json_object_get_string(e);
		len = (size_t)json_object_get_string_len(e);
		if (memchr(s, '\0', len) != NULL ||
		    !json_utf8_valid(s, len) ||
		    ((f->flags & VALID_CHARS) ? utf8_chars(s, len) : len) <
		    f->minlen) {
			if (f->flags & VALID_DROP)
				continue;
			return fail(c, f, p, VK_RANGE, f->minlen > 0 ?
			    arena_printf(c->a, "%s of at least %zu %s", what,
			    f->minlen, unit_of(f)) : what, NULL, out);
		}
		if (f->oneof != NULL && !in_oneof(f->oneof, s, len)) {
			if (f->flags & VALID_DROP)
				continue;
			return fail(c, f, p, VK_RANGE, arena_printf(c->a,
			    "an array of strings, each %s",
			    rule_oneof(c, f->oneof)), NULL, out);
		}
		out->strs[k] = s;
		out->lens[k] = len;
		k++;
	}
	if (k < f->mincount)
		return fail(c, f, p, VK_RANGE, rule_count(c, f, what), NULL,
		    out);
	if (f->maxcount > 0 && k > f->maxcount)
		return fail(c, f, p, VK_TOOLONG, rule_count(c, f, what), NULL,
		    out);
	for (i = 0; i < k; i++) {
		len = out->lens[i];
		if (((f->flags & VALID_CHARS) ? utf8_chars(out->strs[i], len) :
		    len) <= max)
			continue;
		if (!(f->flags & VALID_FREETEXT))
			return fail(c, f, p, VK_TOOLONG, arena_printf(c->a,
			    "%s of at most %zu %s", what, max, unit_of(f)),
			    NULL, out);
		out->lens[i] = (f->flags & VALID_CHARS) ?
		    utf8_chars_cut(out->strs[i], len, max) :
		    valid_utf8_cut(out->strs[i], len, max);
		out->strs[i] = arena_strndup(c->a, out->strs[i],
		    out->lens[i]);
		out->truncated = 1;
	}
	out->present = 1;
	out->n = k;
	out->o = jv;
	return run_check(c, f, p, out);
}

/*
 * A failure inside a nested table.  Lax mode ignores an optional
 * container whose members failed ("load stored only when both are
 * numbers"), unless the failure is a length limit, its message was
 * given by the table or a check, or the container carries msg_invalid;
 * otherwise the inner error stands.
 */
static int
nested_fail(struct vctx *c, const struct valid_field *f,
    struct valid_val *out)
{
	if (c->mode == VALID_LAX && !(f->flags & VALID_REQUIRED) &&
	    c->kind != VK_TOOLONG && !c->explicit && f->msg_invalid == NULL) {
		memset(out, 0, sizeof(*out));
		return 0;
	}
	return -1;
}

static int
body_array(struct vctx *c, const struct valid_field *f,
    const struct vpath *p, struct json_object *jv, struct valid_val *out)
{
	struct json_object	*e, *empty = NULL;
	struct valid_val	*ev;
	struct vpath		 ep;
	size_t			 n, i, k = 0;
	int			 rc;

	n = json_object_array_length(jv);
	if (f->sub != NULL) {
		out->elems = arena_alloc(c->a, (n ? n : 1) *
		    sizeof(*out->elems));
		for (i = 0; i < n; i++) {
			e = json_object_array_get_idx(jv, i);
			if (json_object_get_type(e) != json_type_object) {
				if (f->flags & VALID_DROP)
					continue;
				if (c->mode == VALID_STRICT)
					return fail(c, f, p, VK_TYPE,
					    "an array of objects", NULL, out);
				/* Lax: an element that is no object has
				 * every member missing. */
				if (empty == NULL)
					empty = json_object_new_object();
				e = empty;
			}
			ep.up = p;
			ep.name = f->name;
			ep.idx = i;
			ep.elem = 1;
			ep.fixed = c->mode == VALID_LAX;
			ev = arena_alloc(c->a, (f->sub->nfields ?
			    f->sub->nfields : 1) * sizeof(*ev));
			rc = apply_schema(c, f->sub->fields, f->sub->nfields,
			    e, &ep, ev);
			if (rc == -1 && (f->flags & VALID_DROP) &&
			    c->kind != VK_TOOLONG)
				continue;
			if (rc == -1) {
				json_object_put(empty);
				return nested_fail(c, f, out);
			}
			out->elems[k++] = ev;
		}
		json_object_put(empty);
	} else
		k = n;
	if (k < f->mincount)
		return fail(c, f, p, VK_RANGE, rule_count(c, f, "an array"),
		    NULL, out);
	if (f->maxcount > 0 && k > f->maxcount)
		return fail(c, f, p, VK_TOOLONG, rule_count(c, f, "an array"),
		    NULL, out);
	out->present = 1;
	out->n = k;
	out->o = jv;
	return run_check(c, f, p, out);
}

static int
body_object(struct vctx *c, const struct valid_field *f,
    const struct vpath *p, struct json_object *jv, struct valid_val *out)
{
	struct vpath	 sp;
	size_t		 n;

	if (f->sub != NULL) {
		n = f->sub->nfields;
		out->sub = arena_alloc(c->a, (n ? n : 1) * sizeof(*out->sub));
		sp.up = p;
		sp.name = f->name;
		sp.idx = 0;
		sp.elem = 0;
		sp.fixed = 0;
		if (apply_schema(c, f->sub->fields, n, jv, &sp, out->sub) ==
		    -1)
			return nested_fail(c, f, out);
	}
	out->present = 1;
	out->o = jv;
	return run_check(c, f, p, out);
}

static const char *
rule_type(struct vctx *c, const struct valid_field *f)
{
	switch (f->type) {
	case VALID_STRING:
		return f->oneof != NULL ? rule_oneof(c, f->oneof) : "a string";
	case VALID_INT:
		return rule_number(c, f, "an integer");
	case VALID_NUMBER:
		return rule_number(c, f, "a number");
	case VALID_BOOL:
		return "a boolean";
	case VALID_OBJECT:
		return "an object";
	case VALID_STRINGS:
		return rule_count(c, f, "an array of strings");
	case VALID_ARRAY:
		return rule_count(c, f, f->sub != NULL ? "an array of objects" :
		    "an array");
	case VALID_ANY:
		break;
	}
	return "valid";
}

/* One member: absent and null first, then the type, then the type's
 * own rules. */
static int
apply_field(struct vctx *c, const struct valid_field *f,
    struct json_object *obj, const struct vpath *p, struct valid_val *out)
{
	struct json_object	*jv = NULL;
	enum json_type		 t;
	int			 ok;

	memset(out, 0, sizeof(*out));
	/* json-c holds null as a NULL value: present, yet no object. */
	if (!json_object_object_get_ex(obj, f->name, &jv))
		return fail(c, f, p, VK_MISSING, NULL, NULL, out);
	if (jv == NULL) {
		if (f->flags & VALID_NULLABLE) {
			out->present = 1;
			out->isnull = 1;
			return 0;
		}
		/* Null counts as missing in both modes. */
		return fail(c, f, p, VK_MISSING, NULL, NULL, out);
	}

	t = json_object_get_type(jv);
	switch (f->type) {
	case VALID_STRING:
		ok = t == json_type_string;
		break;
	case VALID_INT:
	case VALID_NUMBER:
		ok = t == json_type_int || t == json_type_double;
		break;
	case VALID_BOOL:
		ok = t == json_type_boolean;
		break;
	case VALID_OBJECT:
		ok = t == json_type_object;
		break;
	case VALID_STRINGS:
	case VALID_ARRAY:
		ok = t == json_type_array;
		break;
	default:
		ok = 1;
		break;
	}
	if (!ok)
		return fail(c, f, p, VK_TYPE, rule_type(c, f), NULL, out);

	switch (f->type) {
	case VALID_STRING:
		return check_string(c, f, p, json_object_get_string(jv),
		    (size_t)json_object_get_string_len(jv), out);
	case VALID_INT:
	case VALID_NUMBER:
		return body_number(c, f, p, jv, out);
	case VALID_BOOL:
		out->present = 1;
		out->i = json_object_get_boolean(jv);
		return run_check(c, f, p, out);
	case VALID_OBJECT:
		return body_object(c, f, p, jv, out);
	case VALID_STRINGS:
		return body_strings(c, f, p, jv, out);
	case VALID_ARRAY:
		return body_array(c, f, p, jv, out);
	case VALID_ANY:
		break;
	}
	out->present = 1;
	out->o = jv;
	return run_check(c, f, p, out);
}

static int
apply_schema(struct vctx *c, const struct valid_field *fields, size_t n,
    struct json_object *obj, const struct vpath *p, struct valid_val *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (apply_field(c, &fields[i], obj, p, &out[i]) == -1)
			return -1;
	return 0;
}

static int
invalid_body(struct valid_err *err)
{
	err->status = 400;
	err->msg = "Invalid JSON body";
	err->field = NULL;
	return -1;
}

int
valid_body(struct arena *a, enum valid_mode mode,
    const struct valid_field *fields, size_t n, struct json_object *body,
    struct valid_val *out, struct valid_err *err)
{
	struct vctx	c;

	memset(err, 0, sizeof(*err));
	memset(out, 0, n * sizeof(*out));
	if (json_object_get_type(body) != json_type_object)
		return invalid_body(err);
	c.a = a;
	c.mode = mode;
	c.err = err;
	c.kind = VK_MISSING;
	c.explicit = 0;
	if (apply_schema(&c, fields, n, body, &top_path, out) == -1)
		return -1;
	/* Dropped elements may have left a report behind. */
	memset(err, 0, sizeof(*err));
	return 0;
}

int
valid_json_body(struct arena *a, enum valid_mode mode,
    const struct valid_field *fields, size_t n, const char *text, size_t len,
    struct json_object **root, struct valid_val *out, struct valid_err *err)
{
	*root = NULL;
	if (len == 0)
		*root = json_object_new_object();
	else if (json_parse_strict(text, len, JSON_MAX_DEPTH, root) !=
	    JSON_OK) {
		memset(out, 0, n * sizeof(*out));
		return invalid_body(err);
	}
	return valid_body(a, mode, fields, n, *root, out, err);
}

/* Base-10 integer: an optional '-' and digits, nothing else.  Returns 0,
 * or -1 when malformed; *ovf set when it does not fit int64. */
static int
parse_decimal(const char *s, size_t len, int64_t *v, int *ovf)
{
	uint64_t	u = 0, lim;
	size_t		i = 0;
	int		neg = 0;

	*ovf = 0;
	if (len > 0 && s[0] == '-') {
		neg = 1;
		i = 1;
	}
	if (i >= len)
		return -1;
	lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		if (u > (lim - (uint64_t)(s[i] - '0')) / 10)
			*ovf = neg ? -1 : 1;
		else
			u = u * 10 + (uint64_t)(s[i] - '0');
	}
	if (*ovf)
		*v = neg ? INT64_MIN : INT64_MAX;
	else if (neg)
		*v = u == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)u;
	else
		*v = (int64_t)u;
	return 0;
}

int
valid_query(struct arena *a, enum valid_mode mode,
    const struct valid_field *f, const char *s, size_t len,
    struct valid_val *out, struct valid_err *err)
{
	struct vctx		 c;
	const struct vpath	*p = &top_path;
	struct json_object	*jv = NULL;
	int64_t			 v;
	int			 ovf, rc;

	memset(err, 0, sizeof(*err));
	memset(out, 0, sizeof(*out));
	c.a = a;
	c.mode = mode;
	c.err = err;
	c.kind = VK_MISSING;
	c.explicit = 0;

	if (s == NULL)
		return fail(&c, f, p, VK_MISSING, NULL, NULL, out);
	if (f->type != VALID_STRING && (memchr(s, '\0', len) != NULL ||
	    !json_utf8_valid(s, len)))
		return fail(&c, f, p, VK_TYPE, rule_type(&c, f), NULL, out);

	switch (f->type) {
	case VALID_STRING:
		return check_string(&c, f, p, s, len, out);
	case VALID_INT:
		if (parse_decimal(s, len, &v, &ovf) == -1)
			return fail(&c, f, p, VK_TYPE, rule_type(&c, f), NULL,
			    out);
		/* An overflowing value is still above any max or below any
		 * min, so clamping or the bounds take care of it. */
		if (ovf && !(f->flags & (ovf > 0 ? VALID_MAX : VALID_MIN)))
			return fail(&c, f, p, VK_RANGE, rule_type(&c, f),
			    NULL, out);
		return check_number(&c, f, p, ovf > 0 ? INFINITY :
		    ovf < 0 ? -INFINITY : (double)v, v, 1, out);
	case VALID_NUMBER:
		if (json_parse_strict(s, len, 1, &jv) != JSON_OK ||
		    (json_object_get_type(jv) != json_type_int &&
		    json_object_get_type(jv) != json_type_double)) {
			json_object_put(jv);
			return fail(&c, f, p, VK_TYPE, rule_type(&c, f), NULL,
			    out);
		}
		rc = body_number(&c, f, p, jv, out);
		json_object_put(jv);
		return rc;
	case VALID_BOOL:
		if (len == 4 && memcmp(s, "true", 4) == 0)
			out->i = 1;
		else if (len == 5 && memcmp(s, "false", 5) == 0)
			out->i = 0;
		else
			return fail(&c, f, p, VK_TYPE, "true or false", NULL,
			    out);
		out->present = 1;
		return run_check(&c, f, p, out);
	default:
		/* Objects and arrays do not come as query values. */
		return fail(&c, f, p, VK_TYPE, rule_type(&c, f), NULL, out);
	}
}
