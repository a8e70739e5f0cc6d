/*
 * json.c -- strict RFC 8259 parser building json-c objects, and a compact
 * writer (see json.h for why json-c's own parser and printer are not used).
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "buf.h"
#include "json.h"

struct parser {
	const unsigned char	*p;
	const unsigned char	*end;
	int			 max_depth;
	char			*scratch;	/* decoded strings and keys */
	size_t			 scap;
};

static enum json_err	parse_value(struct parser *, int, struct json_object **);

/*
 * Length of the well-formed UTF-8 sequence at s (Unicode Table 3-7: no
 * overlongs, no surrogates, nothing above U+10FFFF), or 0 with *bad set
 * to the length of the maximal ill-formed subpart (at least 1), which is
 * what the writer replaces by one U+FFFD.
 */
static size_t
utf8_seq(const unsigned char *s, size_t n, size_t *bad)
{
	unsigned char	 lo = 0x80, hi = 0xbf;
	size_t		 need, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		need = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		need = 3;
		if (s[0] == 0xe0)
			lo = 0xa0;
		else if (s[0] == 0xed)
			hi = 0x9f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		need = 4;
		if (s[0] == 0xf0)
			lo = 0x90;
		else if (s[0] == 0xf4)
			hi = 0x8f;
	} else {
		*bad = 1;
		return 0;
	}
	for (i = 1; i < need; i++) {
		if (i >= n || s[i] < lo || s[i] > hi) {
			*bad = i;
			return 0;
		}
		lo = 0x80;
		hi = 0xbf;
	}
	return need;
}

int
json_utf8_valid(const char *str, size_t n)
{
	const unsigned char	*s = (const unsigned char *)str;
	const unsigned char	*end = s + n;
	size_t			 len, bad;

	while (s < end) {
		if (*s < 0x80) {
			s++;
			continue;
		}
		if ((len = utf8_seq(s, (size_t)(end - s), &bad)) == 0)
			return 0;
		s += len;
	}
	return 1;
}

/* A byte that cannot start or continue the grammar here: report broken
 * UTF-8 as such, anything else as a syntax error. */
static enum json_err
bad_byte(const struct parser *ps)
{
	size_t bad;

	if (ps->p < ps->end && *ps->p >= 0x80 &&
	    utf8_seq(ps->p, (size_t)(ps->end - ps->p), &bad) == 0)
		return JSON_EUTF8;
	return JSON_ESYNTAX;
}

static inline void
skip_ws(struct parser *ps)
{
	const unsigned char *p = ps->p, *end = ps->end;

	while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' ||
	    *p == '\t'))
		p++;
	ps->p = p;
}

/* Makes room for n more bytes after the first used ones of the scratch
 * buffer; aborts on allocation failure like buf and arena do. */
static void
scratch_reserve(struct parser *ps, size_t used, size_t n)
{
	size_t	 ncap;
	char	*np;

	if (used + n <= ps->scap)
		return;
	ncap = ps->scap ? ps->scap : 256;
	while (ncap < used + n)
		ncap *= 2;
	if ((np = realloc(ps->scratch, ncap)) == NULL)
		abort();
	ps->scratch = np;
	ps->scap = ncap;
}

static int
hex4(const unsigned char *p, unsigned int *out)
{
	unsigned int	v = 0;
	int		i;

	for (i = 0; i < 4; i++) {
		v <<= 4;
		if (p[i] >= '0' && p[i] <= '9')
			v |= (unsigned int)(p[i] - '0');
		else if (p[i] >= 'a' && p[i] <= 'f')
			v |= (unsigned int)(p[i] - 'a' + 10);
		else if (p[i] >= 'A' && p[i] <= 'F')
			v |= (unsigned int)(p[i] - 'A' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

/*
 * Parses the string whose opening quote is at ps->p.  The common case (no
 * escapes, ASCII only) is handed back in place when copy is 0; otherwise
 * the decoded bytes go to the scratch buffer, NUL-terminated.
 */
static enum json_err
parse_string(struct parser *ps, int copy, const char **out, size_t *outlen)
{
	const unsigned char	*p = ps->p + 1, *end = ps->end, *start = p;
	size_t			 o, n, bad;
	unsigned int		 cp, lo;
	char			*d;

	while (p < end && *p >= 0x20 && *p < 0x80 && *p != '"' && *p != '\\')
		p++;
	if (p < end && *p == '"' && !copy) {
		*out = (const char *)start;
		*outlen = (size_t)(p - start);
		ps->p = p + 1;
		return JSON_OK;
	}

	o = (size_t)(p - start);
	scratch_reserve(ps, 0, o + 8);
	memcpy(ps->scratch, start, o);

	for (;;) {
		if (p >= end)
			return JSON_ESYNTAX;
		/* Worst case per step: 4 bytes of UTF-8 plus the final NUL. */
		scratch_reserve(ps, o, 8);
		d = ps->scratch;
		if (*p == '"') {
			p++;
			break;
		}
		if (*p >= 0x80) {
			n = utf8_seq(p, (size_t)(end - p), &bad);
			if (n == 0)
				return JSON_EUTF8;
			memcpy(d + o, p, n);
			o += n;
			p += n;
			continue;
		}
		if (*p == 0)
			return JSON_ENUL;
		if (*p < 0x20)
			return JSON_ESYNTAX;
		if (*p != '\\') {
			d[o++] = (char)*p++;
			continue;
		}
		if (++p >= end)
			return JSON_ESYNTAX;
		switch (*p++) {
		case '"':  d[o++] = '"';  continue;
		case '\\': d[o++] = '\\'; continue;
		case '/':  d[o++] = '/';  continue;
		case 'b':  d[o++] = '\b'; continue;
		case 'f':  d[o++] = '\f'; continue;
		case 'n':  d[o++] = '\n'; continue;
		case 'r':  d[o++] = '\r'; continue;
		case 't':  d[o++] = '\t'; continue;
		case 'u':  break;
		default:   return JSON_ESYNTAX;
		}
		if (end - p < 4 || hex4(p, &cp) == -1)
			return JSON_ESYNTAX;
		p += 4;
		if (cp == 0)
			return JSON_ENUL;
		if (cp >= 0xdc00 && cp <= 0xdfff)
			return JSON_EUTF8;
		if (cp >= 0xd800 && cp <= 0xdbff) {
			if (end - p < 6 || p[0] != '\\' || p[1] != 'u')
				return JSON_EUTF8;
			if (hex4(p + 2, &lo) == -1)
				return JSON_ESYNTAX;
			if (lo < 0xdc00 || lo > 0xdfff)
				return JSON_EUTF8;
			p += 6;
			cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
		}
		if (cp < 0x80)
			d[o++] = (char)cp;
		else if (cp < 0x800) {
			d[o++] = (char)(0xc0 | (cp >> 6));
			d[o++] = (char)(0x80 | (cp & 0x3f));
		} else if (cp < 0x10000) {
			d[o++] = (char)(0xe0 | (cp >> 12));
			d[o++] = (char)(0x80 | ((cp >> 6) & 0x3f));
			d[o++] = (char)(0x80 | (cp & 0x3f));
		} else {
			d[o++] = (char)(0xf0 | (cp >> 18));
			d[o++] = (char)(0x80 | ((cp >> 12) & 0x3f));
			d[o++] = (char)(0x80 | ((cp >> 6) & 0x3f));
			d[o++] = (char)(0x80 | (cp & 0x3f));
		}
	}
	ps->scratch[o] = '\0';
	*out = ps->scratch;
	*outlen = o;
	ps->p = p;
	return JSON_OK;
}

/*
 * RFC 8259 number.  Integers without fraction or exponent that fit int64
 * become json_type_int so callers can tell "a JSON integer" apart; all
 * else goes through strtod (which may give ±inf: callers clamp).
 */
static enum json_err
parse_number(struct parser *ps, struct json_object **out)
{
	const unsigned char	*p = ps->p, *end = ps->end, *start = p;
	uint64_t		 u = 0;
	int			 neg = 0, isint = 1, ovf = 0;
	size_t			 n;
	char			 local[64], *s;
	double			 d;

	if (*p == '-') {
		neg = 1;
		p++;
	}
	if (p >= end)
		return JSON_ESYNTAX;
	if (*p == '0') {
		p++;
		if (p < end && *p >= '0' && *p <= '9')
			return JSON_ESYNTAX;
	} else if (*p >= '1' && *p <= '9') {
		while (p < end && *p >= '0' && *p <= '9') {
			if (u > (UINT64_MAX - 9) / 10)
				ovf = 1;
			else
				u = u * 10 + (uint64_t)(*p - '0');
			p++;
		}
	} else {
		ps->p = p;
		return bad_byte(ps);
	}
	if (p < end && *p == '.') {
		isint = 0;
		p++;
		if (p >= end || *p < '0' || *p > '9')
			return JSON_ESYNTAX;
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		isint = 0;
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		if (p >= end || *p < '0' || *p > '9')
			return JSON_ESYNTAX;
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	}
	ps->p = p;

	if (isint && !ovf) {
		if (!neg && u <= (uint64_t)INT64_MAX) {
			*out = json_object_new_int64((int64_t)u);
			return JSON_OK;
		}
		if (neg && u <= (uint64_t)INT64_MAX + 1) {
			*out = json_object_new_int64(u == (uint64_t)INT64_MAX + 1 ?
			    INT64_MIN : -(int64_t)u);
			return JSON_OK;
		}
	}

	/* strtod needs a terminated copy; the input is length-bounded. */
	n = (size_t)(p - start);
	if (n < sizeof(local))
		s = local;
	else {
		scratch_reserve(ps, 0, n + 1);
		s = ps->scratch;
	}
	memcpy(s, start, n);
	s[n] = '\0';
	d = strtod(s, NULL);
	*out = json_object_new_double(d);
	return JSON_OK;
}

static enum json_err
parse_literal(struct parser *ps, const char *lit, size_t n)
{
	if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, lit, n) != 0)
		return JSON_ESYNTAX;
	ps->p += n;
	return JSON_OK;
}

static enum json_err
parse_object(struct parser *ps, int depth, struct json_object **out)
{
	struct json_object	*obj, *val;
	struct lh_table		*tab;
	struct lh_entry		*e;
	const char		*key;
	size_t			 klen;
	unsigned long		 h;
	enum json_err		 rc;

	obj = json_object_new_object();
	tab = json_object_get_object(obj);
	ps->p++;
	skip_ws(ps);
	if (ps->p < ps->end && *ps->p == '}') {
		ps->p++;
		goto done;
	}
	for (;;) {
		if (ps->p >= ps->end || *ps->p != '"') {
			rc = bad_byte(ps);
			goto out;
		}
		if ((rc = parse_string(ps, 1, &key, &klen)) != JSON_OK)
			goto out;
		/* Decoded names never hold NUL (rejected above), so a C string
		 * comparison of them is exact. */
		h = lh_get_hash(tab, key);
		if (lh_table_lookup_entry_w_hash(tab, key, h) != NULL) {
			rc = JSON_EDUP;
			goto out;
		}
		/* The key lives in the scratch buffer, which the value may
		 * reuse: add the member now (json-c copies the name) and set
		 * its value once parsed. */
		if (json_object_object_add_ex(obj, key, NULL,
		    JSON_C_OBJECT_ADD_KEY_IS_NEW) != 0)
			abort();
		e = lh_table_lookup_entry_w_hash(tab, key, h);
		skip_ws(ps);
		if (ps->p >= ps->end || *ps->p != ':') {
			rc = bad_byte(ps);
			goto out;
		}
		ps->p++;
		skip_ws(ps);
		if ((rc = parse_value(ps, depth, &val)) != JSON_OK)
			goto out;
		/* Ownership passes to the table, as json_object_object_add
		 * does it when replacing a value. */
		lh_entry_set_val(e, val);
		skip_ws(ps);
		if (ps->p < ps->end && *ps->p == ',') {
			ps->p++;
			skip_ws(ps);
			continue;
		}
		if (ps->p < ps->end && *ps->p == '}') {
			ps->p++;
			break;
		}
		rc = bad_byte(ps);
		goto out;
	}
done:
	*out = obj;
	return JSON_OK;
out:
	json_object_put(obj);
	return rc;
}

static enum json_err
parse_array(struct parser *ps, int depth, struct json_object **out)
{
	struct json_object	*arr, *val;
	enum json_err		 rc;

	arr = json_object_new_array();
	ps->p++;
	skip_ws(ps);
	if (ps->p < ps->end && *ps->p == ']') {
		ps->p++;
		goto done;
	}
	for (;;) {
		val = NULL;
		if ((rc = parse_value(ps, depth, &val)) != JSON_OK)
			goto out;
		if (json_object_array_add(arr, val) != 0)
			abort();
		skip_ws(ps);
		if (ps->p < ps->end && *ps->p == ',') {
			ps->p++;
			skip_ws(ps);
			continue;
		}
		if (ps->p < ps->end && *ps->p == ']') {
			ps->p++;
			break;
		}
		rc = bad_byte(ps);
		goto out;
	}
done:
	*out = arr;
	return JSON_OK;
out:
	json_object_put(arr);
	return rc;
}

/* depth is the number of containers around the value: the recursion is
 * never deeper than max_depth + 1 frames, whatever the input. */
static enum json_err
parse_value(struct parser *ps, int depth, struct json_object **out)
{
	const char	*s;
	size_t		 n;
	enum json_err	 rc;

	*out = NULL;
	if (ps->p >= ps->end)
		return JSON_ESYNTAX;
	switch (*ps->p) {
	case '{':
	case '[':
		if (depth + 1 > ps->max_depth)
			return JSON_EDEPTH;
		if (*ps->p == '{')
			return parse_object(ps, depth + 1, out);
		return parse_array(ps, depth + 1, out);
	case '"':
		if ((rc = parse_string(ps, 0, &s, &n)) != JSON_OK)
			return rc;
		*out = json_object_new_string_len(s, (int)n);
		return JSON_OK;
	case 't':
		if ((rc = parse_literal(ps, "true", 4)) == JSON_OK)
			*out = json_object_new_boolean(1);
		return rc;
	case 'f':
		if ((rc = parse_literal(ps, "false", 5)) == JSON_OK)
			*out = json_object_new_boolean(0);
		return rc;
	case 'n':
		return parse_literal(ps, "null", 4);
	case '-':
	case '0': case '1': case '2': case '3': case '4':
	case '5': case '6': case '7': case '8': case '9':
		return parse_number(ps, out);
	default:
		return bad_byte(ps);
	}
}

enum json_err
json_parse_strict(const char *text, size_t len, int max_depth,
    struct json_object **out)
{
	struct parser		 ps;
	struct json_object	*v = NULL;
	enum json_err		 rc;

	*out = NULL;
	memset(&ps, 0, sizeof(ps));
	ps.p = (const unsigned char *)text;
	ps.end = ps.p + len;
	ps.max_depth = max_depth;

	/* json-c lengths are int: refuse what it cannot represent. */
	if (len > INT32_MAX) {
		rc = JSON_ESYNTAX;
		goto out;
	}
	skip_ws(&ps);
	if (ps.p >= ps.end) {
		rc = JSON_ESYNTAX;
		goto out;
	}
	if ((rc = parse_value(&ps, 0, &v)) != JSON_OK)
		goto out;
	skip_ws(&ps);
	if (ps.p != ps.end) {
		rc = bad_byte(&ps);
		json_object_put(v);
		goto out;
	}
	*out = v;
out:
	free(ps.scratch);
	return rc;
}

/*
 * ECMAScript Number::toString on the shortest digit string that reads
 * back as d: "%.*e" is correctly rounded, so the first precision that
 * round-trips gives the digits JavaScript prints.
 */
void
json_fmt_double(char out[32], double d)
{
	char	 tmp[40], digits[20], *o = out;
	int	 prec, exp10, k, n, i;
	char	*p;

	if (isnan(d) || isinf(d)) {
		strcpy(out, "null");
		return;
	}
	if (d == 0) {
		strcpy(out, "0");	/* -0 too, as JavaScript prints it */
		return;
	}
	if (d < 0) {
		*o++ = '-';
		d = -d;
	}
	for (prec = 1; prec <= 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*e", prec - 1, d);
		if (strtod(tmp, NULL) == d)
			break;
	}

	/* tmp is "D[.DDD]e±XX": collect the digits and the exponent. */
	k = 0;
	for (p = tmp; *p != 'e'; p++)
		if (*p != '.')
			digits[k++] = *p;
	exp10 = atoi(p + 1);
	while (k > 1 && digits[k - 1] == '0')
		k--;
	n = exp10 + 1;	/* d = 0.DIGITS × 10^n */

	if (k <= n && n <= 21) {
		memcpy(o, digits, (size_t)k);
		o += k;
		for (i = k; i < n; i++)
			*o++ = '0';
	} else if (0 < n && n <= 21) {
		memcpy(o, digits, (size_t)n);
		o += n;
		*o++ = '.';
		memcpy(o, digits + n, (size_t)(k - n));
		o += k - n;
	} else if (-6 < n && n <= 0) {
		*o++ = '0';
		*o++ = '.';
		for (i = n; i < 0; i++)
			*o++ = '0';
		memcpy(o, digits, (size_t)k);
		o += k;
	} else {
		*o++ = digits[0];
		if (k > 1) {
			*o++ = '.';
			memcpy(o, digits + 1, (size_t)(k - 1));
			o += k - 1;
		}
		o += snprintf(o, 8, "e%c%d", n - 1 < 0 ? '-' : '+',
		    abs(n - 1));
	}
	*o = '\0';
}

void
json_put_string(struct buf *b, const char *str, size_t n)
{
	static const char	 hexd[] = "0123456789abcdef";
	const unsigned char	*s = (const unsigned char *)str;
	const unsigned char	*end = s + n, *run;
	char			 esc[6];
	size_t			 len, bad;

	buf_putc(b, '"');
	while (s < end) {
		/* Copy the longest run that needs no escaping in one go. */
		run = s;
		while (s < end && *s >= 0x20 && *s < 0x80 && *s != '"' &&
		    *s != '\\')
			s++;
		if (s > run)
			buf_append(b, run, (size_t)(s - run));
		if (s >= end)
			break;
		if (*s >= 0x80) {
			len = utf8_seq(s, (size_t)(end - s), &bad);
			if (len > 0) {
				buf_append(b, s, len);
				s += len;
			} else {
				buf_append(b, "\xef\xbf\xbd", 3);
				s += bad;
			}
			continue;
		}
		switch (*s) {
		case '"':  buf_append(b, "\\\"", 2); break;
		case '\\': buf_append(b, "\\\\", 2); break;
		case '\b': buf_append(b, "\\b", 2); break;
		case '\f': buf_append(b, "\\f", 2); break;
		case '\n': buf_append(b, "\\n", 2); break;
		case '\r': buf_append(b, "\\r", 2); break;
		case '\t': buf_append(b, "\\t", 2); break;
		default:
			memcpy(esc, "\\u00", 4);
			esc[4] = hexd[*s >> 4];
			esc[5] = hexd[*s & 0xf];
			buf_append(b, esc, 6);
			break;
		}
		s++;
	}
	buf_putc(b, '"');
}

void
jw_init(struct jw *w, struct buf *b)
{
	memset(w, 0, sizeof(*w));
	w->b = b;
	w->first[0] = 1;
}

/* Writes the separator a new value or key needs at the current level. */
static void
jw_sep(struct jw *w)
{
	if (w->after_key) {
		w->after_key = 0;
		return;
	}
	if (!w->first[w->depth])
		buf_putc(w->b, ',');
	w->first[w->depth] = 0;
}

/* Output shapes are fixed by the code (and parsed input is capped at 32
 * levels), so running out of levels is a programming error. */
static void
jw_push(struct jw *w, char c)
{
	jw_sep(w);
	if (w->depth + 1 >= JW_MAX_DEPTH)
		abort();
	buf_putc(w->b, c);
	w->depth++;
	w->first[w->depth] = 1;
}

static void
jw_pop(struct jw *w, char c)
{
	buf_putc(w->b, c);
	if (w->depth > 0)
		w->depth--;
	w->after_key = 0;
}

void
jw_obj_open(struct jw *w)
{
	jw_push(w, '{');
}

void
jw_obj_close(struct jw *w)
{
	jw_pop(w, '}');
}

void
jw_arr_open(struct jw *w)
{
	jw_push(w, '[');
}

void
jw_arr_close(struct jw *w)
{
	jw_pop(w, ']');
}

void
jw_key(struct jw *w, const char *key)
{
	jw_sep(w);
	json_put_string(w->b, key, strlen(key));
	buf_putc(w->b, ':');
	w->after_key = 1;
}

void
jw_str(struct jw *w, const char *s)
{
	if (s == NULL) {
		jw_null(w);
		return;
	}
	jw_strn(w, s, strlen(s));
}

void
jw_strn(struct jw *w, const char *s, size_t n)
{
	jw_sep(w);
	json_put_string(w->b, s, n);
}

void
jw_int(struct jw *w, int64_t v)
{
	jw_sep(w);
	buf_printf(w->b, "%" PRId64, v);
}

void
jw_double(struct jw *w, double v)
{
	char tmp[32];

	jw_sep(w);
	json_fmt_double(tmp, v);
	buf_puts(w->b, tmp);
}

void
jw_bool(struct jw *w, int v)
{
	jw_sep(w);
	buf_puts(w->b, v ? "true" : "false");
}

void
jw_null(struct jw *w)
{
	jw_sep(w);
	buf_append(w->b, "null", 4);
}

void
jw_raw(struct jw *w, const char *json, size_t n)
{
	jw_sep(w);
	buf_append(w->b, json, n);
}

void
jw_value(struct jw *w, struct json_object *v)
{
	size_t i, n;

	switch (json_object_get_type(v)) {
	case json_type_null:
		jw_null(w);
		break;
	case json_type_boolean:
		jw_bool(w, json_object_get_boolean(v));
		break;
	case json_type_int:
		jw_int(w, json_object_get_int64(v));
		break;
	case json_type_double:
		jw_double(w, json_object_get_double(v));
		break;
	case json_type_string:
		jw_strn(w, json_object_get_string(v),
		    (size_t)json_object_get_string_len(v));
		break;
	case json_type_array:
		jw_arr_open(w);
		n = json_object_array_length(v);
		for (i = 0; i < n; i++)
			jw_value(w, json_object_array_get_idx(v, i));
		jw_arr_close(w);
		break;
	case json_type_object:
		jw_obj_open(w);
		json_object_object_foreach(v, key, val) {
			jw_key(w, key);
			jw_value(w, val);
		}
		jw_obj_close(w);
		break;
	}
}

void
jw_kstr(struct jw *w, const char *key, const char *s)
{
	jw_key(w, key);
	jw_str(w, s);
}

void
jw_kint(struct jw *w, const char *key, int64_t v)
{
	jw_key(w, key);
	jw_int(w, v);
}

void
jw_kbool(struct jw *w, const char *key, int v)
{
	jw_key(w, key);
	jw_bool(w, v);
}

void
jw_knull(struct jw *w, const char *key)
{
	jw_key(w, key);
	jw_null(w);
}
