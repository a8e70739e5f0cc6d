/* jcs.c -- JCS subset and ASCII folding for audit values (see jcs.h). */
#include "config.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "buf.h"
#include "jcs.h"

struct member {
	const char         *key;
	struct json_object *val;
};

static int
member_cmp(const void *a, const void *b)
{
	const struct member *ma = a, *mb = b;

	/* strcmp compares as unsigned char: byte order, which for ASCII keys
	 * is the UTF-16 order RFC 8785 asks for. */
	return strcmp(ma->key, mb->key);
}

static int
is_ascii_letter(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* A key that starts with a letter can never be an array index, which
 * JSON.stringify would move to the front (§1.2), and is never empty. */
static int
key_ok(const char *k)
{
	if (!is_ascii_letter(k[0]))
		return 0;
	for (; *k != '\0'; k++)
		if ((unsigned char)*k >= 0x80)
			return 0;
	return 1;
}

static int
int_ok(struct json_object *v)
{
	int64_t i = json_object_get_int64(v);

	/* json-c clamps a uint64 above INT64_MAX to INT64_MAX, which is out
	 * of range too, so this also rejects those. */
	return i >= -JCS_MAX_SAFE_INT && i <= JCS_MAX_SAFE_INT;
}

static int
check_value(struct json_object *v, int depth)
{
	size_t i, n;
	const char *s;

	switch (json_object_get_type(v)) {
	case json_type_null:
	case json_type_boolean:
		return 0;
	case json_type_int:
		return int_ok(v) ? 0 : -1;
	case json_type_string:
		s = json_object_get_string(v);
		n = (size_t)json_object_get_string_len(v);
		for (i = 0; i < n; i++)
			if ((unsigned char)s[i] >= 0x80)
				return -1;
		return 0;
	case json_type_array:
		if (depth >= JCS_MAX_DEPTH)
			return -1;
		n = json_object_array_length(v);
		for (i = 0; i < n; i++)
			if (check_value(json_object_array_get_idx(v, i),
			    depth + 1) == -1)
				return -1;
		return 0;
	case json_type_object:
		if (depth >= JCS_MAX_DEPTH)
			return -1;
		json_object_object_foreach(v, key, val) {
			if (!key_ok(key) || check_value(val, depth + 1) == -1)
				return -1;
		}
		return 0;
	case json_type_double:
	default:
		return -1;
	}
}

int
jcs_check(struct json_object *v)
{
	return check_value(v, 0);
}

int
jcs_put_string(struct buf *b, const char *s, size_t n)
{
	static const char hexd[] = "0123456789abcdef";
	size_t i, start = b->len;
	unsigned char c;
	char esc[7];

	buf_putc(b, '"');
	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c >= 0x80) {
			b->len = start;
			b->data[start] = '\0';
			return -1;
		}
		switch (c) {
		case '"':
			buf_append(b, "\\\"", 2);
			break;
		case '\\':
			buf_append(b, "\\\\", 2);
			break;
		case '\b':
			buf_append(b, "\\b", 2);
			break;
		case '\t':
			buf_append(b, "\\t", 2);
			break;
		case '\n':
			buf_append(b, "\\n", 2);
			break;
		case '\f':
			buf_append(b, "\\f", 2);
			break;
		case '\r':
			buf_append(b, "\\r", 2);
			break;
		default:
			if (c < 0x20) {
				memcpy(esc, "\\u00", 4);
				esc[4] = hexd[c >> 4];
				esc[5] = hexd[c & 0xf];
				buf_append(b, esc, 6);
			} else
				buf_putc(b, (char)c);   /* incl. '/' and DEL */
		}
	}
	buf_putc(b, '"');
	return 0;
}

static int
put_value(struct buf *b, struct json_object *v, int depth)
{
	struct member *m = NULL;
	size_t i, n;
	int rc = -1;

	switch (json_object_get_type(v)) {
	case json_type_null:
		buf_append(b, "null", 4);
		return 0;
	case json_type_boolean:
		buf_puts(b, json_object_get_boolean(v) ? "true" : "false");
		return 0;
	case json_type_int:
		if (!int_ok(v))
			return -1;
		buf_printf(b, "%" PRId64, json_object_get_int64(v));
		return 0;
	case json_type_string:
		return jcs_put_string(b, json_object_get_string(v),
		    (size_t)json_object_get_string_len(v));
	case json_type_array:
		if (depth >= JCS_MAX_DEPTH)
			return -1;
		buf_putc(b, '[');
		n = json_object_array_length(v);
		for (i = 0; i < n; i++) {
			if (i > 0)
				buf_putc(b, ',');
			if (put_value(b, json_object_array_get_idx(v, i),
			    depth + 1) == -1)
				return -1;
		}
		buf_putc(b, ']');
		return 0;
	case json_type_object:
		if (depth >= JCS_MAX_DEPTH)
			return -1;
		n = (size_t)json_object_object_length(v);
		if (n > 0 && (m = calloc(n, sizeof(*m))) == NULL)
			abort();
		i = 0;
		json_object_object_foreach(v, key, val) {
			m[i].key = key;
			m[i].val = val;
			i++;
		}
		if (n > 1)
			qsort(m, n, sizeof(*m), member_cmp);
		buf_putc(b, '{');
		for (i = 0; i < n; i++) {
			if (!key_ok(m[i].key))
				goto out;
			if (i > 0)
				buf_putc(b, ',');
			if (jcs_put_string(b, m[i].key, strlen(m[i].key)) == -1)
				goto out;
			buf_putc(b, ':');
			if (put_value(b, m[i].val, depth + 1) == -1)
				goto out;
		}
		buf_putc(b, '}');
		rc = 0;
		break;
	case json_type_double:
	default:
		return -1;
	}
out:
	free(m);
	return rc;
}

int
jcs_serialize(struct buf *b, struct json_object *v)
{
	size_t start = b->len;

	if (put_value(b, v, 0) == -1) {
		if (b->data != NULL) {
			b->len = start;
			b->data[start] = '\0';
		}
		return -1;
	}
	return 0;
}

/* Length of the valid UTF-8 sequence at s (RFC 3629: no overlong forms,
 * no surrogates, nothing above U+10FFFF) with its code point in *cp, or 0
 * when the byte at s does not start one. */
static size_t
utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t len, i;
	uint32_t v;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		v = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		v = c & 0x0f;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		v = c & 0x07;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else
		return 0;
	if (n < len)
		return 0;
	/* Only the second byte has a narrowed range. */
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3f);
	}
	*cp = v;
	return len;
}

static void
put_u_escape(struct buf *b, uint32_t unit)
{
	static const char hexd[] = "0123456789abcdef";
	char esc[6];

	esc[0] = '\\';
	esc[1] = 'u';
	esc[2] = hexd[(unit >> 12) & 0xf];
	esc[3] = hexd[(unit >> 8) & 0xf];
	esc[4] = hexd[(unit >> 4) & 0xf];
	esc[5] = hexd[unit & 0xf];
	buf_append(b, esc, 6);
}

void
jcs_fold_string(struct buf *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, len;
	uint32_t cp;

	while (i < n) {
		len = utf8_decode(p + i, n - i, &cp);
		if (len == 0) {
			put_u_escape(b, 0xfffd);
			i++;
			continue;
		}
		if (cp < 0x80)
			buf_putc(b, (char)cp);
		else if (cp <= 0xffff)
			put_u_escape(b, cp);
		else {
			cp -= 0x10000;
			put_u_escape(b, 0xd800 | (cp >> 10));
			put_u_escape(b, 0xdc00 | (cp & 0x3ff));
		}
		i += len;
	}
}

static int
fold_value(struct json_object *v, struct json_object **out, int depth,
    struct buf *tmp)
{
	struct json_object *copy = NULL, *elem;
	size_t i, n;

	*out = NULL;
	switch (json_object_get_type(v)) {
	case json_type_null:
		return 0;
	case json_type_boolean:
		*out = json_object_new_boolean(json_object_get_boolean(v));
		break;
	case json_type_int:
		*out = json_object_new_int64(json_object_get_int64(v));
		break;
	case json_type_double:
		*out = json_object_new_double(json_object_get_double(v));
		break;
	case json_type_string:
		buf_reset(tmp);
		buf_append(tmp, "", 0);
		jcs_fold_string(tmp, json_object_get_string(v),
		    (size_t)json_object_get_string_len(v));
		*out = json_object_new_string_len(tmp->data, (int)tmp->len);
		break;
	case json_type_array:
		if (depth >= JCS_MAX_DEPTH)
			return -1;
		n = json_object_array_length(v);
		copy = json_object_new_array_ext((int)n);
		if (copy == NULL)
			abort();
		for (i = 0; i < n; i++) {
			if (fold_value(json_object_array_get_idx(v, i), &elem,
			    depth + 1, tmp) == -1)
				goto fail;
			json_object_array_add(copy, elem);
		}
		*out = copy;
		return 0;
	case json_type_object:
		if (depth >= JCS_MAX_DEPTH)
			return -1;
		copy = json_object_new_object();
		if (copy == NULL)
			abort();
		json_object_object_foreach(v, key, val) {
			if (fold_value(val, &elem, depth + 1, tmp) == -1)
				goto fail;
			buf_reset(tmp);
			buf_append(tmp, "", 0);   /* data non-NULL for "" */
			jcs_fold_string(tmp, key, strlen(key));
			if (json_object_object_get_ex(copy, tmp->data, NULL)) {
				/* Two keys folding to one would silently lose
				 * a member. */
				json_object_put(elem);
				goto fail;
			}
			json_object_object_add(copy, tmp->data, elem);
		}
		*out = copy;
		return 0;
	}
	if (*out == NULL)
		abort();
	return 0;
fail:
	json_object_put(copy);
	return -1;
}

int
jcs_fold(struct json_object *v, struct json_object **out)
{
	struct buf tmp;
	int rc;

	buf_init(&tmp);
	rc = fold_value(v, out, 0, &tmp);
	buf_free(&tmp);
	return rc;
}
