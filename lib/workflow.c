/*
 * workflow.c -- see workflow.h (04-console.md §5).
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <yaml.h>

#include "clock.h"
#include "crypto.h"
#include "extern.h"
#include "log.h"
#include "session.h"
#include "store.h"
#include "workflow.h"

#define MAX_SAFE_INT INT64_C(9007199254740991)

/* ================================================= YAML → JSON (§5.1) */

#define T_STR   "tag:yaml.org,2002:str"
#define T_INT   "tag:yaml.org,2002:int"
#define T_FLOAT "tag:yaml.org,2002:float"
#define T_BOOL  "tag:yaml.org,2002:bool"
#define T_NULL  "tag:yaml.org,2002:null"
#define T_MAP   "tag:yaml.org,2002:map"
#define T_SEQ   "tag:yaml.org,2002:seq"

enum sres { S_OK, S_NO, S_RANGE, S_INF };

static int
is_null_text(const char *s, size_t n)
{
	return n == 0 || (n == 1 && s[0] == '~') ||
	    (n == 4 && (memcmp(s, "null", 4) == 0 || memcmp(s, "Null", 4) == 0 ||
	    memcmp(s, "NULL", 4) == 0));
}

/* 1 true, 0 false, -1 not a boolean. */
static int
bool_text(const char *s, size_t n)
{
	if (n == 4 && (memcmp(s, "true", 4) == 0 || memcmp(s, "True", 4) == 0 ||
	    memcmp(s, "TRUE", 4) == 0))
		return 1;
	if (n == 5 && (memcmp(s, "false", 5) == 0 ||
	    memcmp(s, "False", 5) == 0 || memcmp(s, "FALSE", 5) == 0))
		return 0;
	return -1;
}

/* Core-schema integers: [-+]?[0-9]+, 0o[0-7]+, 0x[0-9a-fA-F]+. */
static enum sres
int_text(const char *s, size_t n, int64_t *out)
{
	size_t i = 0;
	int neg = 0, base = 10;
	uint64_t v = 0;

	if (n >= 2 && s[0] == '0' && (s[1] == 'o' || s[1] == 'x')) {
		base = s[1] == 'o' ? 8 : 16;
		i = 2;
	} else if (n > 0 && (s[0] == '-' || s[0] == '+')) {
		neg = s[0] == '-';
		i = 1;
	}
	if (i == n)
		return S_NO;
	for (; i < n; i++) {
		int d;
		unsigned char c = (unsigned char)s[i];
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (base == 16 && isxdigit(c))
			d = tolower(c) - 'a' + 10;
		else
			return S_NO;
		if (d >= base)
			return S_NO;
		if (v > (uint64_t)MAX_SAFE_INT)
			continue;   /* keep scanning the form; range below */
		v = v * (uint64_t)base + (uint64_t)d;
	}
	if (v > (uint64_t)MAX_SAFE_INT)
		return S_RANGE;
	*out = neg ? -(int64_t)v : (int64_t)v;
	return S_OK;
}

static int
inf_nan_text(const char *s, size_t n)
{
	if (n > 0 && (s[0] == '-' || s[0] == '+')) {
		s++;
		n--;
	}
	return n == 4 && (strncasecmp(s, ".inf", 4) == 0 ||
	    strncasecmp(s, ".nan", 4) == 0);
}

/* Core-schema floats: [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? */
static enum sres
float_text(const char *s, size_t n, double *out)
{
	size_t i = 0, digits = 0;
	char tmp[64];

	if (inf_nan_text(s, n))
		return S_INF;
	if (i < n && (s[i] == '-' || s[i] == '+'))
		i++;
	while (i < n && isdigit((unsigned char)s[i])) {
		i++;
		digits++;
	}
	if (i < n && s[i] == '.') {
		i++;
		while (i < n && isdigit((unsigned char)s[i])) {
			i++;
			digits++;
		}
	}
	if (digits == 0)
		return S_NO;
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		size_t e = 0;
		i++;
		if (i < n && (s[i] == '-' || s[i] == '+'))
			i++;
		while (i < n && isdigit((unsigned char)s[i])) {
			i++;
			e++;
		}
		if (e == 0)
			return S_NO;
	}
	if (i != n)
		return S_NO;
	if (n >= sizeof(tmp))
		return S_RANGE;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	errno = 0;
	*out = strtod(tmp, NULL);
	if (!isfinite(*out))
		return S_INF;
	return S_OK;
}

struct yconv {
	struct json_object *stack[WF_DEPTH_MAX + 1];
	struct json_object *key_of[WF_DEPTH_MAX + 1];   /* pending key (string) */
	int                 depth;
	struct json_object *root;
	int                 have_root;
	char               *errmsg;
};

static void
yerr(struct yconv *c, const yaml_mark_t *m, const char *reason)
{
	snprintf(c->errmsg, WF_ERRMSG_MAX, "Invalid YAML at line %zu, column %zu: %s",
	    m->line + 1, m->column + 1, reason);
}

static int
set_out(struct json_object **out, struct json_object *v)
{
	*out = v;
	return 0;
}

/* Resolves one scalar event into *out (json-c's null is NULL).  0, or -1
 * after yerr. */
static int
scalar_value(struct yconv *c, const yaml_event_t *ev, struct json_object **out)
{
	const char *s = (const char *)ev->data.scalar.value;
	size_t n = ev->data.scalar.length;
	const char *tag = (const char *)ev->data.scalar.tag;
	int plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	int64_t iv;
	double dv;
	int b;
	enum sres r;

	if (memchr(s, '\0', n) != NULL) {
		yerr(c, &ev->start_mark, "NUL characters are not allowed");
		return -1;
	}
	if (tag != NULL) {
		if (strcmp(tag, T_STR) == 0)
			return set_out(out, json_object_new_string_len(s, (int)n));
		if (strcmp(tag, T_NULL) == 0) {
			if (!is_null_text(s, n))
				goto mismatch;
			return set_out(out, json_object_new_null());
		}
		if (strcmp(tag, T_BOOL) == 0) {
			if ((b = bool_text(s, n)) == -1)
				goto mismatch;
			return set_out(out, json_object_new_boolean(b));
		}
		if (strcmp(tag, T_INT) == 0) {
			r = int_text(s, n, &iv);
			if (r == S_RANGE) {
				yerr(c, &ev->start_mark, "integer out of range");
				return -1;
			}
			if (r != S_OK)
				goto mismatch;
			return set_out(out, json_object_new_int64(iv));
		}
		if (strcmp(tag, T_FLOAT) == 0) {
			r = int_text(s, n, &iv);
			if (r == S_OK)
				return set_out(out, json_object_new_double((double)iv));
			r = float_text(s, n, &dv);
			if (r == S_INF) {
				yerr(c, &ev->start_mark, ".inf and .nan are not allowed");
				return -1;
			}
			if (r != S_OK)
				goto mismatch;
			return set_out(out, json_object_new_double(dv));
		}
		if (strcmp(tag, T_MAP) == 0 || strcmp(tag, T_SEQ) == 0)
			goto mismatch;
		/* "!" (non-specific) on a quoted scalar is how libyaml marks
		 * nothing at all; any other tag is refused. */
		if (!(strcmp(tag, "!") == 0 && !plain)) {
			yerr(c, &ev->start_mark, "unsupported tag");
			return -1;
		}
	}
	if (!plain)
		return set_out(out, json_object_new_string_len(s, (int)n));
	if (is_null_text(s, n))
		return set_out(out, json_object_new_null());
	if ((b = bool_text(s, n)) != -1)
		return set_out(out, json_object_new_boolean(b));
	r = int_text(s, n, &iv);
	if (r == S_RANGE) {
		yerr(c, &ev->start_mark, "integer out of range");
		return -1;
	}
	if (r == S_OK)
		return set_out(out, json_object_new_int64(iv));
	r = float_text(s, n, &dv);
	if (r == S_INF) {
		yerr(c, &ev->start_mark, ".inf and .nan are not allowed");
		return -1;
	}
	if (r == S_OK)
		return set_out(out, json_object_new_double(dv));
	return set_out(out, json_object_new_string_len(s, (int)n));
mismatch:
	yerr(c, &ev->start_mark, "value does not match its tag");
	return -1;
}

static int
container_tag_ok(struct yconv *c, const yaml_event_t *ev, const char *tag,
    const char *want)
{
	if (tag == NULL || strcmp(tag, want) == 0)
		return 1;
	if (strcmp(tag, T_STR) == 0 || strcmp(tag, T_INT) == 0 ||
	    strcmp(tag, T_FLOAT) == 0 || strcmp(tag, T_BOOL) == 0 ||
	    strcmp(tag, T_NULL) == 0 || strcmp(tag, T_MAP) == 0 ||
	    strcmp(tag, T_SEQ) == 0)
		yerr(c, &ev->start_mark, "value does not match its tag");
	else
		yerr(c, &ev->start_mark, "unsupported tag");
	return 0;
}

/* Places v (owned) into the current container or as the root.  is_key:
 * the value was a scalar in key position.  0 or -1 (after yerr). */
static int
place(struct yconv *c, const yaml_event_t *ev, struct json_object *v,
    int scalar)
{
	struct json_object *top;

	if (c->depth == 0) {
		c->root = v;
		c->have_root = 1;
		return 0;
	}
	top = c->stack[c->depth - 1];
	if (json_object_is_type(top, json_type_array)) {
		json_object_array_add(top, v);
		return 0;
	}
	if (c->key_of[c->depth - 1] == NULL) {
		const char *k;
		if (!scalar) {
			json_object_put(v);
			yerr(c, &ev->start_mark, "mapping keys must be scalars");
			return -1;
		}
		/* The key is the scalar's text, whatever it resolves to. */
		k = (const char *)ev->data.scalar.value;
		json_object_put(v);
		if (ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
		    ev->data.scalar.tag == NULL && strcmp(k, "<<") == 0) {
			yerr(c, &ev->start_mark, "anchors and aliases are not allowed");
			return -1;
		}
		if (json_object_object_get_ex(top, k, NULL)) {
			yerr(c, &ev->start_mark, "duplicate mapping key");
			return -1;
		}
		c->key_of[c->depth - 1] = json_object_new_string_len(k,
		    (int)ev->data.scalar.length);
		return 0;
	}
	json_object_object_add(top,
	    json_object_get_string(c->key_of[c->depth - 1]), v);
	json_object_put(c->key_of[c->depth - 1]);
	c->key_of[c->depth - 1] = NULL;
	return 0;
}

enum wf_yaml_rc
wf_yaml_to_json(const char *src, size_t len, struct json_object **out,
    char errmsg[WF_ERRMSG_MAX])
{
	yaml_parser_t p;
	yaml_event_t ev;
	struct yconv c;
	enum wf_yaml_rc rc = WF_YAML_INVALID;
	int docs = 0, done = 0;

	*out = NULL;
	memset(&c, 0, sizeof(c));
	c.errmsg = errmsg;
	errmsg[0] = '\0';
	if (!yaml_parser_initialize(&p)) {
		snprintf(errmsg, WF_ERRMSG_MAX,
		    "Invalid YAML at line 1, column 1: out of memory");
		return WF_YAML_INVALID;
	}
	yaml_parser_set_input_string(&p, (const unsigned char *)src, len);
	while (!done) {
		const char *anchor = NULL, *tag = NULL;
		int scalar = 0;
		struct json_object *v = NULL;

		if (!yaml_parser_parse(&p, &ev)) {
			snprintf(errmsg, WF_ERRMSG_MAX,
			    "Invalid YAML at line %zu, column %zu: %s",
			    p.problem_mark.line + 1, p.problem_mark.column + 1,
			    p.problem ? p.problem : "parse error");
			goto out;
		}
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++docs > 1) {
				yerr(&c, &ev.start_mark,
				    "exactly one document is allowed");
				goto fail;
			}
			break;
		case YAML_ALIAS_EVENT:
			yerr(&c, &ev.start_mark,
			    "anchors and aliases are not allowed");
			goto fail;
		case YAML_SCALAR_EVENT:
			anchor = (const char *)ev.data.scalar.anchor;
			if (anchor != NULL) {
				yerr(&c, &ev.start_mark,
				    "anchors and aliases are not allowed");
				goto fail;
			}
			if (scalar_value(&c, &ev, &v) == -1)
				goto fail;
			scalar = 1;
			if (place(&c, &ev, v, scalar) == -1)
				goto fail;
			break;
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if (ev.type == YAML_SEQUENCE_START_EVENT) {
				anchor = (const char *)ev.data.sequence_start.anchor;
				tag = (const char *)ev.data.sequence_start.tag;
			} else {
				anchor = (const char *)ev.data.mapping_start.anchor;
				tag = (const char *)ev.data.mapping_start.tag;
			}
			if (anchor != NULL) {
				yerr(&c, &ev.start_mark,
				    "anchors and aliases are not allowed");
				goto fail;
			}
			if (!container_tag_ok(&c, &ev, tag,
			    ev.type == YAML_SEQUENCE_START_EVENT ? T_SEQ : T_MAP))
				goto fail;
			if (c.depth >= WF_DEPTH_MAX) {
				yerr(&c, &ev.start_mark, "nesting deeper than 32");
				goto fail;
			}
			v = ev.type == YAML_SEQUENCE_START_EVENT ?
			    json_object_new_array() : json_object_new_object();
			if (place(&c, &ev, json_object_get(v), 0) == -1) {
				json_object_put(v);
				goto fail;
			}
			json_object_put(v);   /* the parent (or root) holds it */
			c.stack[c.depth] = v;
			c.key_of[c.depth] = NULL;
			c.depth++;
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			c.depth--;
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
		continue;
fail:
		yaml_event_delete(&ev);
		goto out;
	}
	if (!c.have_root || !json_object_is_type(c.root, json_type_object)) {
		rc = WF_YAML_NOT_MAPPING;
		goto out;
	}
	*out = c.root;
	c.root = NULL;
	rc = WF_YAML_OK;
out:
	for (int i = 0; i < c.depth; i++)
		if (c.key_of[i] != NULL)
			json_object_put(c.key_of[i]);
	if (c.root != NULL)
		json_object_put(c.root);
	yaml_parser_delete(&p);
	return rc;
}

/* ====================================================== fingerprint */

static int
cmp_keys(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

void
wf_sorted_json(struct buf *b, struct json_object *v)
{
	struct jw w;

	switch (json_object_get_type(v)) {
	case json_type_object: {
		size_t n = (size_t)json_object_object_length(v), i = 0;
		const char **keys = calloc(n ? n : 1, sizeof(*keys));

		if (keys == NULL)
			abort();
		json_object_object_foreach(v, k, val) {
			(void)val;
			keys[i++] = k;
		}
		qsort(keys, n, sizeof(*keys), cmp_keys);
		buf_putc(b, '{');
		for (i = 0; i < n; i++) {
			if (i > 0)
				buf_putc(b, ',');
			json_put_string(b, keys[i], strlen(keys[i]));
			buf_putc(b, ':');
			wf_sorted_json(b, json_object_object_get(v, keys[i]));
		}
		buf_putc(b, '}');
		free(keys);
		break;
	}
	case json_type_array: {
		size_t n = json_object_array_length(v);
		buf_putc(b, '[');
		for (size_t i = 0; i < n; i++) {
			if (i > 0)
				buf_putc(b, ',');
			wf_sorted_json(b, json_object_array_get_idx(v, i));
		}
		buf_putc(b, ']');
		break;
	}
	default:
		jw_init(&w, b);
		jw_value(&w, v);
		break;
	}
}

void
wf_definition_sha256(char out[65], struct json_object *v)
{
	struct buf b;

	buf_init(&b);
	wf_sorted_json(&b, v);
	sha256_hex(out, b.data, b.len);
	buf_free(&b);
}

/* ======================================================= validation */

enum rule { R_API = 1, R_META, R_NODES, R_DUP, R_TYPE, R_AGENT, R_GATE,
	R_EDGES, R_INVEDGE, R_UNREACH, R_UNKNOWN };

#define POS_MAX 8
#define MISSING_BASE 1000000

struct pos {
	int k[POS_MAX];
	int n;
};

struct issue_x {
	struct wf_issue is;
	struct pos      pos;
	int             rank;
	size_t          seq;
};

struct vctx {
	struct arena    *a;
	struct issue_x  *v;
	size_t           n, cap;
};

static struct pos
pos_child(const struct pos *p, int idx)
{
	struct pos c = *p;

	if (c.n < POS_MAX)
		c.k[c.n++] = idx;
	return c;
}

/* JSON Pointer of parent + "/" + token (escaped per RFC 6901). */
static const char *
ptr_key(struct arena *a, const char *parent, const char *tok)
{
	struct buf b;
	char *s;

	buf_init(&b);
	buf_puts(&b, parent);
	buf_putc(&b, '/');
	for (; *tok; tok++) {
		if (*tok == '~')
			buf_puts(&b, "~0");
		else if (*tok == '/')
			buf_puts(&b, "~1");
		else
			buf_putc(&b, *tok);
	}
	s = arena_strndup(a, b.data, b.len);
	buf_free(&b);
	return s;
}

static const char *
ptr_idx(struct arena *a, const char *parent, size_t i)
{
	return arena_printf(a, "%s/%zu", parent, i);
}

static void
add_issue(struct vctx *c, int error, int rank, const char *code,
    const char *path, const struct pos *pos, const char *msg)
{
	struct issue_x *x;

	if (c->n == c->cap) {
		size_t ncap = c->cap ? c->cap * 2 : 16;
		struct issue_x *nv = realloc(c->v, ncap * sizeof(*nv));
		if (nv == NULL)
			abort();
		c->v = nv;
		c->cap = ncap;
	}
	x = &c->v[c->n];
	x->is.error = error;
	x->is.code = code;
	x->is.path = path;
	x->is.message = msg;
	x->pos = *pos;
	x->rank = rank;
	x->seq = c->n;
	c->n++;
}

#define ERR(c, r, code, path, pos, msg) add_issue(c, 1, r, code, path, pos, msg)

static int
cmp_issue(const void *x, const void *y)
{
	const struct issue_x *a = x, *b = y;
	int n = a->pos.n < b->pos.n ? a->pos.n : b->pos.n;

	for (int i = 0; i < n; i++)
		if (a->pos.k[i] != b->pos.k[i])
			return a->pos.k[i] < b->pos.k[i] ? -1 : 1;
	if (a->pos.n != b->pos.n)
		return a->pos.n < b->pos.n ? -1 : 1;
	if (a->rank != b->rank)
		return a->rank < b->rank ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* One pass over an object's members: positions of the known names (or
 * MISSING_BASE + their schema rank when absent) and unknown_field
 * warnings for the others. */
static void
scan_members(struct vctx *c, struct json_object *o, const char *path,
    const struct pos *pos, const char *const *known, int *idx)
{
	int i = 0, nk;

	for (nk = 0; known[nk] != NULL; nk++)
		idx[nk] = MISSING_BASE + nk;
	json_object_object_foreach(o, k, val) {
		int j;
		(void)val;
		for (j = 0; j < nk; j++)
			if (strcmp(k, known[j]) == 0)
				break;
		if (j < nk)
			idx[j] = i;
		else {
			struct pos p = pos_child(pos, i);
			add_issue(c, 0, R_UNKNOWN, "unknown_field",
			    ptr_key(c->a, path, k), &p,
			    arena_printf(c->a, "Unknown field '%s'", k));
		}
		i++;
	}
}

static size_t
utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

static int
node_id_ok(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > 64 || !(s[0] >= 'a' && s[0] <= 'z'))
		return 0;
	for (size_t i = 1; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '_' || s[i] == '-'))
			return 0;
	return 1;
}

static int
duration_ok(const char *s)
{
	size_t n = strlen(s), i = 0;

	while (i < n && s[i] >= '0' && s[i] <= '9')
		i++;
	return i > 0 && i + 1 == n && strchr("smhd", s[i]) != NULL;
}

/* Member `key` of o with its path and position; emits missing_field /
 * invalid_type.  Returns the value when present with type t, else NULL. */
static struct json_object *
member(struct vctx *c, int rank, struct json_object *o, const char *path,
    const struct pos *pos, const char *key, int kidx, enum json_type t,
    int required, const char **mpath, struct pos *mpos)
{
	struct json_object *v = NULL;
	const char *p = ptr_key(c->a, path, key);
	struct pos q = pos_child(pos, kidx);
	const char *want = t == json_type_string ? "a string" :
	    t == json_type_array ? "an array" : t == json_type_object ?
	    "an object" : t == json_type_int ? "an integer" :
	    t == json_type_boolean ? "a boolean" : "a value";

	if (mpath)
		*mpath = p;
	if (mpos)
		*mpos = q;
	if (!json_object_object_get_ex(o, key, &v)) {
		if (required)
			ERR(c, rank, "missing_field", p, &q,
			    arena_printf(c->a, "%s is required", key));
		return NULL;
	}
	if (!json_object_is_type(v, t)) {
		ERR(c, rank, "invalid_type", p, &q,
		    arena_printf(c->a, "%s must be %s", key, want));
		return NULL;
	}
	return v;
}

static const char *const root_known[] = { "apiVersion", "kind", "metadata",
	"nodes", "edges", NULL };
static const char *const meta_known[] = { "name", "description", NULL };
static const char *const node_known[] = { "id", "type", "workType",
	"provider", "modelProfile", "prompt", "credentials", "gateType",
	"duration", NULL };
static const char *const edge_known[] = { "from", "to", "when", NULL };

enum ntype { NT_BAD = 0, NT_TRIGGER, NT_AGENT, NT_GATE, NT_END };

struct nid {
	const char *id;
	size_t      idx;
};

static int
cmp_nid(const void *x, const void *y)
{
	const struct nid *a = x, *b = y;
	int r = strcmp(a->id, b->id);

	if (r != 0)
		return r;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

/* Index of the first node named id, or -1. */
static long
find_node(const struct nid *ids, size_t n, const char *id)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (strcmp(ids[mid].id, id) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && strcmp(ids[lo].id, id) == 0 ? (long)ids[lo].idx : -1;
}

static void
validate_node(struct vctx *c, struct json_object *n, const char *path,
    const struct pos *pos, enum ntype *type)
{
	int idx[10];
	struct json_object *v;
	const char *p, *s;
	struct pos q;

	scan_members(c, n, path, pos, node_known, idx);
	if ((v = member(c, R_NODES, n, path, pos, "id", idx[0],
	    json_type_string, 1, &p, &q)) != NULL &&
	    !node_id_ok(json_object_get_string(v)))
		ERR(c, R_NODES, "invalid_value", p, &q,
		    "id must match ^[a-z][a-z0-9_-]{0,63}$");
	*type = NT_BAD;
	if ((v = member(c, R_TYPE, n, path, pos, "type", idx[1],
	    json_type_string, 1, &p, &q)) != NULL) {
		s = json_object_get_string(v);
		if (strcmp(s, "trigger") == 0)
			*type = NT_TRIGGER;
		else if (strcmp(s, "agent") == 0)
			*type = NT_AGENT;
		else if (strcmp(s, "gate") == 0)
			*type = NT_GATE;
		else if (strcmp(s, "end") == 0)
			*type = NT_END;
		else
			ERR(c, R_TYPE, "invalid_value", p, &q,
			    "type must be one of: trigger, agent, gate, end");
	}
	if (*type == NT_AGENT) {
		struct json_object *cr;
		if ((v = member(c, R_AGENT, n, path, pos, "workType", idx[2],
		    json_type_string, 1, &p, &q)) != NULL &&
		    !session_work_type_valid(json_object_get_string(v)))
			ERR(c, R_AGENT, "invalid_value", p, &q,
			    "workType is not a known work type");
		(void)member(c, R_AGENT, n, path, pos, "provider", idx[3],
		    json_type_string, 0, NULL, NULL);
		(void)member(c, R_AGENT, n, path, pos, "modelProfile", idx[4],
		    json_type_string, 0, NULL, NULL);
		(void)member(c, R_AGENT, n, path, pos, "prompt", idx[5],
		    json_type_string, 0, NULL, NULL);
		if ((cr = member(c, R_AGENT, n, path, pos, "credentials",
		    idx[6], json_type_array, 0, &p, &q)) != NULL) {
			size_t len = json_object_array_length(cr);
			for (size_t i = 0; i < len; i++) {
				struct pos r = pos_child(&q, (int)i);
				if (!json_object_is_type(
				    json_object_array_get_idx(cr, i),
				    json_type_string))
					ERR(c, R_AGENT, "invalid_type",
					    ptr_idx(c->a, p, i), &r,
					    "credentials must be an array of strings");
			}
		}
	}
	if (*type == NT_GATE) {
		if ((v = member(c, R_GATE, n, path, pos, "gateType", idx[7],
		    json_type_string, 1, &p, &q)) != NULL) {
			s = json_object_get_string(v);
			if (strcmp(s, "timer") == 0) {
				struct json_object *d;
				if ((d = member(c, R_GATE, n, path, pos,
				    "duration", idx[8], json_type_string, 1,
				    &p, &q)) != NULL &&
				    !duration_ok(json_object_get_string(d)))
					ERR(c, R_GATE, "invalid_value", p, &q,
					    "duration must match ^[0-9]+[smhd]$");
			} else if (strcmp(s, "approval") != 0 &&
			    strcmp(s, "signal") != 0)
				ERR(c, R_GATE, "invalid_value", p, &q,
				    "gateType must be one of: approval, timer, signal");
		}
	}
}

void
wf_validate(struct arena *a, struct json_object *def, struct wf_issues *out)
{
	struct vctx c;
	struct pos root = { { 0 }, 0 }, q, qn, qe;
	int ridx[5], midx[2];
	struct json_object *v, *nodes, *edges;
	const char *p, *pn, *pe;
	size_t nn = 0, ne = 0;
	enum ntype *types = NULL;
	struct nid *ids = NULL;
	size_t nids = 0;

	memset(&c, 0, sizeof(c));
	c.a = a;
	memset(out, 0, sizeof(*out));
	if (def == NULL || !json_object_is_type(def, json_type_object)) {
		ERR(&c, R_API, "missing_field", "", &root,
		    "The draft has no definition");
		goto finish;
	}
	scan_members(&c, def, "", &root, root_known, ridx);

	q = pos_child(&root, ridx[0]);
	if (!json_object_object_get_ex(def, "apiVersion", &v))
		ERR(&c, R_API, "missing_field", "/apiVersion", &q,
		    "apiVersion is required");
	else if (!json_object_is_type(v, json_type_string) ||
	    strcmp(json_object_get_string(v), "workflow/v1") != 0)
		ERR(&c, R_API, "unsupported_api_version", "/apiVersion", &q,
		    "apiVersion must be \"workflow/v1\"");

	if ((v = member(&c, R_META, def, "", &root, "kind", ridx[1],
	    json_type_string, 1, &p, &q)) != NULL &&
	    strcmp(json_object_get_string(v), "Workflow") != 0)
		ERR(&c, R_META, "invalid_value", p, &q, "kind must be \"Workflow\"");

	if ((v = member(&c, R_META, def, "", &root, "metadata", ridx[2],
	    json_type_object, 1, &p, &q)) != NULL) {
		struct json_object *nm;
		const char *p2;
		struct pos q2;
		scan_members(&c, v, p, &q, meta_known, midx);
		if ((nm = member(&c, R_META, v, p, &q, "name", midx[0],
		    json_type_string, 1, &p2, &q2)) != NULL) {
			size_t len = utf8_chars(json_object_get_string(nm));
			if (len < 1 || len > WF_NAME_MAX)
				ERR(&c, R_META, "invalid_value", p2, &q2,
				    "metadata.name must be a string of 1-100 characters");
		}
		(void)member(&c, R_META, v, p, &q, "description", midx[1],
		    json_type_string, 0, NULL, NULL);
	}

	nodes = member(&c, R_NODES, def, "", &root, "nodes", ridx[3],
	    json_type_array, 1, &pn, &qn);
	if (nodes != NULL && (nn = json_object_array_length(nodes)) == 0) {
		ERR(&c, R_NODES, "invalid_value", pn, &qn,
		    "nodes must not be empty");
		nodes = NULL;
	}
	if (nodes != NULL) {
		size_t ntrig = 0, nend = 0;
		types = calloc(nn, sizeof(*types));
		ids = calloc(nn, sizeof(*ids));
		if (types == NULL || ids == NULL)
			abort();
		for (size_t i = 0; i < nn; i++) {
			struct json_object *n = json_object_array_get_idx(nodes, i);
			const char *np = ptr_idx(a, pn, i);
			struct pos nq = pos_child(&qn, (int)i);
			struct json_object *id;
			if (!json_object_is_type(n, json_type_object)) {
				ERR(&c, R_NODES, "invalid_type", np, &nq,
				    "nodes must be an array of objects");
				continue;
			}
			validate_node(&c, n, np, &nq, &types[i]);
			if (json_object_object_get_ex(n, "id", &id) &&
			    json_object_is_type(id, json_type_string)) {
				ids[nids].id = json_object_get_string(id);
				ids[nids].idx = i;
				nids++;
			}
			ntrig += types[i] == NT_TRIGGER;
			nend += types[i] == NT_END;
		}
		qsort(ids, nids, sizeof(*ids), cmp_nid);
		for (size_t i = 1; i < nids; i++) {
			if (strcmp(ids[i].id, ids[i - 1].id) == 0) {
				struct json_object *n = json_object_array_get_idx(
				    nodes, ids[i].idx);
				int kidx = 0;
				struct pos nq = pos_child(&qn, (int)ids[i].idx);
				json_object_object_foreach(n, k, val) {
					(void)val;
					if (strcmp(k, "id") == 0)
						break;
					kidx++;
				}
				nq = pos_child(&nq, kidx);
				ERR(&c, R_DUP, "duplicate_id",
				    arena_printf(a, "%s/%zu/id", pn, ids[i].idx),
				    &nq, arena_printf(a, "Duplicate node id '%s'",
				    ids[i].id));
			}
		}
		if (ntrig != 1)
			ERR(&c, R_TYPE, "trigger_count", pn, &qn,
			    arena_printf(a, "Exactly one trigger node is "
			    "required (found %zu)", ntrig));
		if (nend == 0)
			ERR(&c, R_TYPE, "missing_end", pn, &qn,
			    "At least one end node is required");
	}

	edges = member(&c, R_EDGES, def, "", &root, "edges", ridx[4],
	    json_type_array, 1, &pe, &qe);
	if (edges != NULL) {
		size_t *from = NULL, *to = NULL, *head = NULL, *next = NULL;
		size_t nadj = 0, ntrig = 0, trig = 0;

		ne = json_object_array_length(edges);
		if (nodes != NULL) {
			from = calloc(ne + 1, sizeof(*from));
			to = calloc(ne + 1, sizeof(*to));
			next = calloc(ne + 1, sizeof(*next));
			head = calloc(nn, sizeof(*head));
			if (!from || !to || !next || !head)
				abort();
			for (size_t i = 0; i < nn; i++)
				head[i] = SIZE_MAX;
		}
		for (size_t i = 0; i < ne; i++) {
			struct json_object *e = json_object_array_get_idx(edges, i);
			const char *ep = ptr_idx(a, pe, i), *fp, *tp, *wp;
			struct pos eq = pos_child(&qe, (int)i), fq, tq, wq;
			struct json_object *f, *t, *w;
			int eidx[3];
			long fi = -1, ti = -1;

			if (!json_object_is_type(e, json_type_object)) {
				ERR(&c, R_EDGES, "invalid_type", ep, &eq,
				    "edges must be an array of objects");
				continue;
			}
			scan_members(&c, e, ep, &eq, edge_known, eidx);
			f = member(&c, R_EDGES, e, ep, &eq, "from", eidx[0],
			    json_type_string, 1, &fp, &fq);
			t = member(&c, R_EDGES, e, ep, &eq, "to", eidx[1],
			    json_type_string, 1, &tp, &tq);
			if ((w = member(&c, R_EDGES, e, ep, &eq, "when", eidx[2],
			    json_type_string, 0, &wp, &wq)) != NULL) {
				const char *s = json_object_get_string(w);
				if (strcmp(s, "success") != 0 &&
				    strcmp(s, "failure") != 0 &&
				    strcmp(s, "always") != 0)
					ERR(&c, R_EDGES, "invalid_value", wp, &wq,
					    "when must be one of: success, failure, always");
			}
			if (nodes == NULL)
				continue;
			if (f != NULL && (fi = find_node(ids, nids,
			    json_object_get_string(f))) == -1)
				ERR(&c, R_EDGES, "unknown_reference", fp, &fq,
				    arena_printf(a, "No node has id '%s'",
				    json_object_get_string(f)));
			if (t != NULL && (ti = find_node(ids, nids,
			    json_object_get_string(t))) == -1)
				ERR(&c, R_EDGES, "unknown_reference", tp, &tq,
				    arena_printf(a, "No node has id '%s'",
				    json_object_get_string(t)));
			if ((fi != -1 && types[fi] == NT_END) ||
			    (ti != -1 && types[ti] == NT_TRIGGER)) {
				ERR(&c, R_INVEDGE, "invalid_edge", ep, &eq,
				    "No edge may enter a trigger or leave an end node");
				continue;
			}
			if (fi != -1 && ti != -1) {
				from[nadj] = (size_t)fi;
				to[nadj] = (size_t)ti;
				next[nadj] = head[fi];
				head[fi] = nadj;
				nadj++;
			}
		}
		for (size_t i = 0; nodes != NULL && i < nn; i++)
			if (types[i] == NT_TRIGGER) {
				ntrig++;
				trig = i;
			}
		if (nodes != NULL && ntrig == 1) {
			unsigned char *seen = calloc(nn, 1);
			size_t *queue = calloc(nn, sizeof(*queue));
			size_t qh = 0, qt = 0;
			if (seen == NULL || queue == NULL)
				abort();
			seen[trig] = 1;
			queue[qt++] = trig;
			while (qh < qt) {
				size_t u = queue[qh++];
				for (size_t e = head[u]; e != SIZE_MAX; e = next[e])
					if (!seen[to[e]]) {
						seen[to[e]] = 1;
						queue[qt++] = to[e];
					}
			}
			for (size_t i = 0; i < nn; i++) {
				struct json_object *n = json_object_array_get_idx(
				    nodes, i), *id;
				struct pos nq = pos_child(&qn, (int)i);
				/* Nodes without a usable id, and later
				 * duplicates (duplicate_id), are not
				 * reported again. */
				if (seen[i] || !json_object_is_type(n,
				    json_type_object) ||
				    !json_object_object_get_ex(n, "id", &id) ||
				    !json_object_is_type(id, json_type_string) ||
				    find_node(ids, nids,
				    json_object_get_string(id)) != (long)i)
					continue;
				ERR(&c, R_UNREACH, "unreachable_node",
				    ptr_idx(a, pn, i), &nq,
				    arena_printf(a, "Node '%s' is not reachable "
				    "from the trigger", json_object_get_string(id)));
			}
			free(seen);
			free(queue);
		}
		free(from);
		free(to);
		free(next);
		free(head);
	}
	free(types);
	free(ids);
finish:
	if (c.n > 0)
		qsort(c.v, c.n, sizeof(*c.v), cmp_issue);
	out->n = out->cap = c.n;
	out->v = arena_alloc(a, (c.n ? c.n : 1) * sizeof(*out->v));
	for (size_t i = 0; i < c.n; i++) {
		out->v[i] = c.v[i].is;
		out->nerrors += c.v[i].is.error;
	}
	free(c.v);
}

void
wf_issues_render(struct jw *w, const struct wf_issues *is)
{
	jw_arr_open(w);
	for (size_t i = 0; i < is->n; i++) {
		jw_obj_open(w);
		jw_kstr(w, "severity", is->v[i].error ? "error" : "warning");
		jw_kstr(w, "code", is->v[i].code);
		jw_kstr(w, "path", is->v[i].path);
		jw_kstr(w, "message", is->v[i].message);
		jw_obj_close(w);
	}
	jw_arr_close(w);
}

/* ================================================ required resources */

struct res {
	int         kind;
	const char *name;
	size_t      node;
	const char *node_id;
};

static int
cmp_res(const void *x, const void *y)
{
	const struct res *a = x, *b = y;
	int r;

	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	if ((r = strcmp(a->name, b->name)) != 0)
		return r;
	return a->node < b->node ? -1 : a->node > b->node;
}

static void
res_add(struct res **v, size_t *n, size_t *cap, int kind, const char *name,
    size_t node, const char *node_id)
{
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		struct res *nv = realloc(*v, ncap * sizeof(*nv));
		if (nv == NULL)
			abort();
		*v = nv;
		*cap = ncap;
	}
	(*v)[*n].kind = kind;
	(*v)[*n].name = name;
	(*v)[*n].node = node;
	(*v)[*n].node_id = node_id;
	(*n)++;
}

void
wf_resources_render(struct jw *w, struct json_object *def, int *satisfied)
{
	static const char *kinds[] = { "workType", "provider", "modelProfile",
		"credential" };
	struct json_object *nodes;
	struct res *v = NULL;
	size_t n = 0, cap = 0, nn;

	*satisfied = 1;
	if (def != NULL && json_object_object_get_ex(def, "nodes", &nodes) &&
	    json_object_is_type(nodes, json_type_array)) {
		nn = json_object_array_length(nodes);
		for (size_t i = 0; i < nn; i++) {
			struct json_object *nd = json_object_array_get_idx(nodes, i);
			struct json_object *t, *id, *x;
			const char *nid;
			if (!json_object_is_type(nd, json_type_object) ||
			    !json_object_object_get_ex(nd, "type", &t) ||
			    !json_object_is_type(t, json_type_string) ||
			    strcmp(json_object_get_string(t), "agent") != 0 ||
			    !json_object_object_get_ex(nd, "id", &id) ||
			    !json_object_is_type(id, json_type_string))
				continue;
			nid = json_object_get_string(id);
			for (int k = 0; k < 3; k++)
				if (json_object_object_get_ex(nd, kinds[k], &x) &&
				    json_object_is_type(x, json_type_string))
					res_add(&v, &n, &cap, k,
					    json_object_get_string(x), i, nid);
			if (json_object_object_get_ex(nd, "credentials", &x) &&
			    json_object_is_type(x, json_type_array)) {
				size_t nc = json_object_array_length(x);
				for (size_t j = 0; j < nc; j++) {
					struct json_object *cj =
					    json_object_array_get_idx(x, j);
					if (json_object_is_type(cj, json_type_string))
						res_add(&v, &n, &cap, 3,
						    json_object_get_string(cj), i, nid);
				}
			}
		}
	}
	if (n > 0)
		qsort(v, n, sizeof(*v), cmp_res);
	jw_arr_open(w);
	for (size_t i = 0; i < n;) {
		size_t j = i;
		jw_obj_open(w);
		jw_kstr(w, "kind", kinds[v[i].kind]);
		jw_kstr(w, "name", v[i].name);
		jw_key(w, "referencedBy");
		jw_arr_open(w);
		for (; j < n && v[j].kind == v[i].kind &&
		    strcmp(v[j].name, v[i].name) == 0; j++)
			if (j == i || v[j].node != v[j - 1].node)
				jw_str(w, v[j].node_id);
		jw_arr_close(w);
		if (v[i].kind == 0) {
			int ok = session_work_type_valid(v[i].name);
			jw_kbool(w, "available", ok);
			if (!ok)
				*satisfied = 0;
		} else
			jw_knull(w, "available");
		jw_obj_close(w);
		i = j;
	}
	jw_arr_close(w);
	free(v);
}

/* ============================================ OSS deploy check (§5.3) */

#define DPATH_MAX 8

struct detail {
	const char *code, *message;
	const char *seg[DPATH_MAX];   /* member names; NULL: array index */
	long        idx[DPATH_MAX];
	struct pos  pos;
	int         n;
	size_t      seq;
};

struct dctx {
	struct detail *v;
	size_t         n, cap;
	/* the current path */
	const char    *seg[DPATH_MAX];
	long           idx[DPATH_MAX];
	struct pos     pos;
	int            depth;
	char           msgbuf[256];
};

/* Pushes member key found at position idx of its object. */
static void
d_push_key_at(struct dctx *c, const char *key, int idx)
{
	if (c->depth < DPATH_MAX) {
		c->seg[c->depth] = key;
		c->idx[c->depth] = 0;
	}
	c->depth++;
	c->pos = pos_child(&c->pos, idx);
}

static void
d_push_key(struct dctx *c, struct json_object *o, const char *key)
{
	int i = 0, found = MISSING_BASE;

	json_object_object_foreach(o, k, val) {
		(void)val;
		if (strcmp(k, key) == 0) {
			found = i;
			break;
		}
		i++;
	}
	if (c->depth < DPATH_MAX) {
		c->seg[c->depth] = key;
		c->idx[c->depth] = 0;
	}
	c->depth++;
	c->pos = pos_child(&c->pos, found);
}

static void
d_push_idx(struct dctx *c, size_t i)
{
	if (c->depth < DPATH_MAX) {
		c->seg[c->depth] = NULL;
		c->idx[c->depth] = (long)i;
	}
	c->depth++;
	c->pos = pos_child(&c->pos, (int)i);
}

static void
d_pop(struct dctx *c)
{
	c->depth--;
	if (c->pos.n > 0)
		c->pos.n--;
}

static void
d_add(struct dctx *c, const char *code, const char *msg)
{
	struct detail *d;

	if (c->n == c->cap) {
		size_t ncap = c->cap ? c->cap * 2 : 16;
		struct detail *nv = realloc(c->v, ncap * sizeof(*nv));
		if (nv == NULL)
			abort();
		c->v = nv;
		c->cap = ncap;
	}
	d = &c->v[c->n];
	d->code = code;
	d->message = strdup(msg);
	if (d->message == NULL)
		abort();
	d->n = c->depth < DPATH_MAX ? c->depth : DPATH_MAX;
	memcpy(d->seg, c->seg, sizeof(d->seg));
	memcpy(d->idx, c->idx, sizeof(d->idx));
	d->pos = c->pos;
	d->seq = c->n;
	c->n++;
}

static const char *
jtype_name(struct json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_null:    return "null";
	case json_type_boolean: return "boolean";
	case json_type_double:
	case json_type_int:     return "number";
	case json_type_object:  return "object";
	case json_type_array:   return "array";
	case json_type_string:  return "string";
	}
	return "unknown";
}

static void
d_type(struct dctx *c, const char *want, struct json_object *v)
{
	if (v == NULL)
		d_add(c, "invalid_type", "Required");
	else {
		snprintf(c->msgbuf, sizeof(c->msgbuf), "Expected %s, received %s",
		    want, jtype_name(v));
		d_add(c, "invalid_type", c->msgbuf);
	}
}

/* Checks member key of o as a string (min 1 when nonempty).  required:
 * absent is "Required". */
static void
d_string(struct dctx *c, struct json_object *o, const char *key,
    int required, int nonempty)
{
	struct json_object *v = NULL;
	int has = json_object_object_get_ex(o, key, &v);

	if (!has && !required)
		return;
	d_push_key(c, o, key);
	if (!has || !json_object_is_type(v, json_type_string))
		d_type(c, "string", has ? v : NULL);
	else if (nonempty && json_object_get_string_len(v) == 0)
		d_add(c, "too_small", "String must contain at least 1 character(s)");
	d_pop(c);
}

/* An integer member; min_excl: > min (else >= min). */
static void
d_int(struct dctx *c, struct json_object *o, const char *key, int required,
    int64_t min, int min_excl)
{
	struct json_object *v = NULL;
	int has = json_object_object_get_ex(o, key, &v);

	if (!has && !required)
		return;
	d_push_key(c, o, key);
	if (!has || (!json_object_is_type(v, json_type_int) &&
	    !json_object_is_type(v, json_type_double)))
		d_type(c, "number", has ? v : NULL);
	else if (json_object_is_type(v, json_type_double) &&
	    json_object_get_double(v) != floor(json_object_get_double(v)))
		d_add(c, "invalid_type", "Expected integer, received float");
	else {
		double d = json_object_get_double(v);
		if (min_excl ? d <= (double)min : d < (double)min) {
			snprintf(c->msgbuf, sizeof(c->msgbuf),
			    "Number must be greater than %s%" PRId64,
			    min_excl ? "" : "or equal to ", min);
			d_add(c, "too_small", c->msgbuf);
		}
	}
	d_pop(c);
}

static void
d_enum(struct dctx *c, struct json_object *o, const char *key, int required,
    const char *const *opts, const char *expect)
{
	struct json_object *v = NULL;
	int has = json_object_object_get_ex(o, key, &v), ok = 0;

	if (!has && !required)
		return;
	d_push_key(c, o, key);
	if (!has || !json_object_is_type(v, json_type_string))
		d_type(c, "string", has ? v : NULL);   /* zod: enum of strings */
	else {
		for (int i = 0; opts[i] != NULL; i++)
			ok |= strcmp(opts[i], json_object_get_string(v)) == 0;
		if (!ok) {
			snprintf(c->msgbuf, sizeof(c->msgbuf),
			    "Invalid enum value. Expected %s, received '%.100s'",
			    expect, json_object_get_string(v));
			d_add(c, "invalid_enum_value", c->msgbuf);
		}
	}
	d_pop(c);
}

static void
d_literal(struct dctx *c, struct json_object *o, const char *key,
    const char *lit)
{
	struct json_object *v = NULL;
	int has = json_object_object_get_ex(o, key, &v);

	d_push_key(c, o, key);
	if (!has || !json_object_is_type(v, json_type_string) ||
	    strcmp(json_object_get_string(v), lit) != 0) {
		snprintf(c->msgbuf, sizeof(c->msgbuf),
		    "Invalid literal value, expected \"%s\"", lit);
		d_add(c, "invalid_literal", c->msgbuf);
	}
	d_pop(c);
}

/* Pushes member key when it is of type t (else reports and returns NULL).
 * The caller pops when the result is non-NULL. */
static struct json_object *
d_container(struct dctx *c, struct json_object *o, const char *key,
    int required, enum json_type t)
{
	struct json_object *v = NULL;
	int has = json_object_object_get_ex(o, key, &v);

	if (!has && !required)
		return NULL;
	d_push_key(c, o, key);
	if (!has || !json_object_is_type(v, t)) {
		d_type(c, t == json_type_array ? "array" : "object",
		    has ? v : NULL);
		d_pop(c);
		return NULL;
	}
	return v;
}

static void
d_string_array(struct dctx *c, struct json_object *arr, int nonempty_items)
{
	size_t n = json_object_array_length(arr);

	for (size_t i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(arr, i);
		d_push_idx(c, i);
		if (!json_object_is_type(e, json_type_string))
			d_type(c, "string", e);
		else if (nonempty_items && json_object_get_string_len(e) == 0)
			d_add(c, "too_small",
			    "String must contain at least 1 character(s)");
		d_pop(c);
	}
}

/* Each element of array member key must be an object; fn checks it. */
static void
d_objects(struct dctx *c, struct json_object *o, const char *key,
    int required, int nonempty, void (*fn)(struct dctx *, struct json_object *))
{
	struct json_object *arr = d_container(c, o, key, required,
	    json_type_array);
	size_t n;

	if (arr == NULL)
		return;
	n = json_object_array_length(arr);
	if (nonempty && n == 0)
		d_add(c, "too_small", "Array must contain at least 1 element(s)");
	for (size_t i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(arr, i);
		d_push_idx(c, i);
		if (!json_object_is_type(e, json_type_object))
			d_type(c, "object", e);
		else
			fn(c, e);
		d_pop(c);
	}
	d_pop(c);
}

static void
d_phase(struct dctx *c, struct json_object *o)
{
	struct json_object *v;

	d_string(c, o, "name", 1, 1);
	d_string(c, o, "template", 1, 1);
	d_string(c, o, "description", 0, 0);
	if ((v = d_container(c, o, "variants", 0, json_type_object)) != NULL) {
		int i = 0;
		json_object_object_foreach(v, k, val) {
			if (!json_object_is_type(val, json_type_string)) {
				d_push_key_at(c, k, i);
				d_type(c, "string", val);
				d_pop(c);
			}
			i++;
		}
		d_pop(c);
	}
}

static void
d_transition(struct dctx *c, struct json_object *o)
{
	d_string(c, o, "from", 1, 1);
	d_string(c, o, "to", 1, 1);
	d_string(c, o, "condition", 0, 0);
	d_int(c, o, "priority", 0, INT64_MIN / 2, 0);
}

static void
d_rung(struct dctx *c, struct json_object *o)
{
	d_int(c, o, "cycle", 1, 0, 0);
	d_string(c, o, "strategy", 1, 1);
}

static void
d_gate(struct dctx *c, struct json_object *o)
{
	static const char *const types[] = { "signal", "timer", "webhook", NULL };
	static const char *const actions[] = { "escalate", "skip", "fail", NULL };
	struct json_object *v;

	d_string(c, o, "name", 1, 0);
	d_string(c, o, "description", 0, 0);
	d_enum(c, o, "type", 1, types, "'signal' | 'timer' | 'webhook'");
	if ((v = d_container(c, o, "trigger", 1, json_type_object)) != NULL)
		d_pop(c);
	if ((v = d_container(c, o, "timeout", 0, json_type_object)) != NULL) {
		d_string(c, v, "duration", 1, 1);
		d_enum(c, v, "action", 1, actions, "'escalate' | 'skip' | 'fail'");
		d_pop(c);
	}
	if ((v = d_container(c, o, "appliesTo", 0, json_type_array)) != NULL) {
		d_string_array(c, v, 0);
		d_pop(c);
	}
}

static void
d_parallel(struct dctx *c, struct json_object *o)
{
	static const char *const strategies[] = { "fan-out", "fan-in", "race",
		NULL };
	struct json_object *v, *b;

	d_string(c, o, "name", 1, 0);
	d_string(c, o, "description", 0, 0);
	if ((v = d_container(c, o, "phases", 1, json_type_array)) != NULL) {
		if (json_object_array_length(v) == 0)
			d_add(c, "too_small",
			    "Array must contain at least 1 element(s)");
		d_string_array(c, v, 0);
		d_pop(c);
	}
	d_enum(c, o, "strategy", 1, strategies, "'fan-out' | 'fan-in' | 'race'");
	d_int(c, o, "maxConcurrent", 0, 0, 1);
	if (json_object_object_get_ex(o, "waitForAll", &b) &&
	    !json_object_is_type(b, json_type_boolean)) {
		d_push_key(c, o, "waitForAll");
		d_type(c, "boolean", b);
		d_pop(c);
	}
}

static int
cmp_detail(const void *x, const void *y)
{
	const struct detail *a = x, *b = y;
	int n = a->pos.n < b->pos.n ? a->pos.n : b->pos.n;

	for (int i = 0; i < n; i++)
		if (a->pos.k[i] != b->pos.k[i])
			return a->pos.k[i] < b->pos.k[i] ? -1 : 1;
	if (a->pos.n != b->pos.n)
		return a->pos.n < b->pos.n ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

size_t
wf_deploy_check(struct jw *w, struct json_object *def)
{
	struct dctx c;
	struct json_object *v;
	size_t n;

	memset(&c, 0, sizeof(c));
	d_literal(&c, def, "apiVersion", "v1.1");
	d_literal(&c, def, "kind", "WorkflowDefinition");
	if ((v = d_container(&c, def, "metadata", 1, json_type_object)) != NULL) {
		d_string(&c, v, "name", 1, 1);
		d_string(&c, v, "description", 0, 0);
		d_pop(&c);
	}
	d_objects(&c, def, "phases", 1, 0, d_phase);
	d_objects(&c, def, "transitions", 1, 0, d_transition);
	if ((v = d_container(&c, def, "escalation", 0, json_type_object)) != NULL) {
		struct json_object *cb;
		d_objects(&c, v, "ladder", 1, 1, d_rung);
		if ((cb = d_container(&c, v, "circuitBreaker", 1,
		    json_type_object)) != NULL) {
			d_int(&c, cb, "maxSessionsPerIssue", 1, 0, 1);
			d_int(&c, cb, "maxSessionsPerPhase", 0, 0, 1);
			d_pop(&c);
		}
		d_pop(&c);
	}
	d_objects(&c, def, "gates", 0, 0, d_gate);
	d_objects(&c, def, "parallelism", 0, 0, d_parallel);

	if (c.n > 0)
		qsort(c.v, c.n, sizeof(*c.v), cmp_detail);
	if (w != NULL) {
		jw_arr_open(w);
		for (size_t i = 0; i < c.n; i++) {
			const struct detail *d = &c.v[i];
			jw_obj_open(w);
			jw_kstr(w, "code", d->code);
			jw_key(w, "path");
			jw_arr_open(w);
			for (int j = 0; j < d->n; j++) {
				if (d->seg[j] != NULL)
					jw_str(w, d->seg[j]);
				else
					jw_int(w, d->idx[j]);
			}
			jw_arr_close(w);
			jw_kstr(w, "message", d->message);
			jw_obj_close(w);
		}
		jw_arr_close(w);
	}
	n = c.n;
	for (size_t i = 0; i < c.n; i++)
		free((void *)c.v[i].message);
	free(c.v);
	return n;
}

/* ================================================= stored workflows */

#define WF_COLS "w.id, w.org_id, w.project_id, w.name, w.status," \
	" w.live_version, w.draft_definition, w.draft_format, w.draft_source," \
	" w.draft_sha256, w.draft_updated_at, w.draft_updated_by, w.created_by," \
	" w.created_at, w.updated_at, v.definition, v.published_at"
#define WF_FROM " FROM workflows w LEFT JOIN workflow_versions v" \
	" ON v.workflow_id = w.id AND v.version = w.live_version"

static const char sql_wf_get[] =
    "SELECT " WF_COLS WF_FROM " WHERE w.id = ?1 AND w.org_id = ?2";
static const char sql_wf_list[] =
    "SELECT " WF_COLS WF_FROM " WHERE w.org_id = ?1"
    " AND " SQL_IN_JSON_LIST("?2", "w.project_id")
    " AND (?3 IS NULL OR w.status = ?3)"
    " AND (?5 IS NULL OR w.created_at > ?4 OR (w.created_at = ?4 AND w.id > ?5))"
    " ORDER BY w.created_at, w.id LIMIT ?6";
static const char sql_wf_name_taken[] =
    "SELECT 1 FROM workflows WHERE project_id = ?1 AND name_key = ?2"
    " AND id IS NOT ?3";
static const char sql_wf_insert[] =
    "INSERT INTO workflows (id, org_id, project_id, name, name_key, status,"
    " draft_definition, draft_format, draft_source, draft_sha256,"
    " draft_updated_at, draft_updated_by, created_by, created_at, updated_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, 'draft', ?6, ?7, ?8, ?9, ?10, ?11, ?11,"
    " ?10, ?10)";
static const char sql_wf_draft[] =
    "UPDATE workflows SET name = ?2, name_key = ?3, draft_definition = ?4,"
    " draft_format = ?5, draft_source = ?6, draft_sha256 = ?7,"
    " draft_updated_at = ?8, draft_updated_by = ?9, updated_at = ?8"
    " WHERE id = ?1";
static const char sql_wf_latest[] =
    "SELECT version, definition_sha256 FROM workflow_versions"
    " WHERE workflow_id = ?1 ORDER BY version DESC LIMIT 1";
static const char sql_wf_version_insert[] =
    "INSERT INTO workflow_versions (workflow_id, version, definition,"
    " definition_sha256, change_reason, published_at, published_by)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
static const char sql_wf_set_live[] =
    "UPDATE workflows SET live_version = ?2, status = 'published',"
    " updated_at = ?3 WHERE id = ?1";
static const char sql_wf_archive[] =
    "UPDATE workflows SET status = 'archived', updated_at = ?2 WHERE id = ?1";
#define VER_COLS "v.workflow_id, v.version, v.definition, v.definition_sha256," \
	" v.change_reason, v.published_at, v.published_by," \
	" (w.live_version IS v.version)"
static const char sql_wf_versions[] =
    "SELECT " VER_COLS " FROM workflow_versions v JOIN workflows w"
    " ON w.id = v.workflow_id WHERE v.workflow_id = ?1"
    " AND (?2 = 0 OR v.version < ?2) ORDER BY v.version DESC LIMIT ?3";
static const char sql_wf_version[] =
    "SELECT " VER_COLS " FROM workflow_versions v JOIN workflows w"
    " ON w.id = v.workflow_id WHERE v.workflow_id = ?1 AND v.version = ?2";

static void
wf_from_row(struct arena *a, struct sstmt *st, struct workflow *o)
{
	o->id = dom_col_text(a, st, 0);
	o->org_id = dom_col_text(a, st, 1);
	o->project_id = dom_col_text(a, st, 2);
	o->name = dom_col_text(a, st, 3);
	o->status = dom_col_text(a, st, 4);
	o->live_version = dom_col_int(st, 5);
	o->draft_definition = dom_col_text(a, st, 6);
	o->draft_format = dom_col_text(a, st, 7);
	o->draft_source = dom_col_text(a, st, 8);
	o->draft_sha256 = dom_col_text(a, st, 9);
	o->draft_updated_at = dom_col_int(st, 10);
	o->draft_updated_by = dom_col_text(a, st, 11);
	o->created_by = dom_col_text(a, st, 12);
	o->created_at = dom_col_int(st, 13);
	o->updated_at = dom_col_int(st, 14);
	o->live_definition = dom_col_text(a, st, 15);
	o->live_published_at = dom_col_int(st, 16);
}

static void
ver_from_row(struct arena *a, struct sstmt *st, struct wf_version *o)
{
	o->workflow_id = dom_col_text(a, st, 0);
	o->version = dom_col_int(st, 1);
	o->definition = dom_col_text(a, st, 2);
	o->sha256 = dom_col_text(a, st, 3);
	o->change_reason = dom_col_text(a, st, 4);
	o->published_at = dom_col_int(st, 5);
	o->published_by = dom_col_text(a, st, 6);
	o->live = (int)dom_col_int(st, 7);
}

static char *
name_key(struct arena *a, const char *name)
{
	char *k = arena_strdup(a, name);

	for (char *p = k; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return k;
}

/* 1 taken, 0 free, -1 store error. */
static int
name_taken(struct arena *a, const char *project_id, const char *name,
    const char *except_id)
{
	struct sstmt *st = store_stmt(sql_wf_name_taken);
	int rc;

	if (st == NULL)
		return -1;
	ss_bind_text(st, 1, project_id);
	ss_bind_text(st, 2, name_key(a, name));
	ss_bind_text(st, 3, except_id);
	rc = ss_step(st);
	ss_reset(st);
	return rc == STORE_ROW ? 1 : rc == STORE_DONE ? 0 : -1;
}

static const char *
def_text(struct arena *a, struct json_object *def)
{
	struct buf b;
	struct jw w;
	char *s;

	if (def == NULL)
		return NULL;
	buf_init(&b);
	jw_init(&w, &b);
	jw_value(&w, def);
	s = arena_strndup(a, b.data, b.len);
	buf_free(&b);
	return s;
}

static const char *
def_sha(struct arena *a, struct json_object *def)
{
	char hex[65];

	if (def == NULL)
		return NULL;
	wf_definition_sha256(hex, def);
	return arena_strdup(a, hex);
}

static int
wf_event(struct arena *a, const struct actor *who, const char *type,
    const struct workflow *wf)
{
	struct json_object *pl = json_object_new_object();

	json_object_object_add(pl, "workflowId", json_object_new_string(wf->id));
	json_object_object_add(pl, "projectId",
	    json_object_new_string(wf->project_id));
	json_object_object_add(pl, "name", json_object_new_string(wf->name));
	return dom_event(a, who, wf->org_id, type, "workflow", wf->id, pl,
	    NULL, NULL);
}

#define NAME_CONFLICT "A workflow with this name already exists in the project"

enum dom_rc
workflow_create(struct arena *a, const struct actor *who, const char *org_id,
    const char *project_id, const char *name, const struct wf_draft *draft,
    struct workflow *out, struct dom_err *err)
{
	struct sstmt *st;
	int64_t now = clock_now_ms();
	const char *id = dom_new_id(a, "wf_");
	int t;

	if ((t = name_taken(a, project_id, name, NULL)) == -1)
		return DOM_STORE;
	if (t == 1) {
		err->message = NAME_CONFLICT;
		return DOM_CONFLICT;
	}
	if ((st = store_stmt(sql_wf_insert)) == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, id);
	ss_bind_text(st, 2, org_id);
	ss_bind_text(st, 3, project_id);
	ss_bind_text(st, 4, name);
	ss_bind_text(st, 5, name_key(a, name));
	ss_bind_text(st, 6, def_text(a, draft->def));
	ss_bind_text(st, 7, draft->def ? draft->format : NULL);
	ss_bind_text(st, 8, draft->def ? draft->source : NULL);
	ss_bind_text(st, 9, def_sha(a, draft->def));
	ss_bind_int(st, 10, now);
	ss_bind_text(st, 11, who->id);
	t = ss_exec(st);
	if (t == STORE_CONSTRAINT) {
		err->message = NAME_CONFLICT;
		return DOM_CONFLICT;
	}
	if (t != STORE_OK)
		return DOM_STORE;
	if (workflow_get(a, org_id, id, out) != DOM_OK)
		return DOM_STORE;
	if (wf_event(a, who, "workflow.created", out) != 0)
		return DOM_STORE;
	return DOM_OK;
}

enum dom_rc
workflow_get(struct arena *a, const char *org_id, const char *id,
    struct workflow *out)
{
	struct sstmt *st = store_stmt(sql_wf_get);
	int rc;

	if (st == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, id);
	ss_bind_text(st, 2, org_id);
	rc = ss_step(st);
	if (rc == STORE_ROW)
		wf_from_row(a, st, out);
	ss_reset(st);
	return rc == STORE_ROW ? DOM_OK : rc == STORE_DONE ? DOM_NOT_FOUND :
	    DOM_STORE;
}

enum dom_rc
workflow_list(struct arena *a, const char *org_id, const char *project_ids_json,
    const char *status, int64_t after_created, const char *after_id, int limit,
    int (*fn)(const struct workflow *, void *), void *arg)
{
	struct sstmt *st = store_stmt(sql_wf_list);
	struct workflow wf;
	int rc;

	if (st == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, org_id);
	ss_bind_text(st, 2, project_ids_json);
	ss_bind_text(st, 3, status);
	ss_bind_int(st, 4, after_created);
	ss_bind_text(st, 5, after_id);
	ss_bind_int(st, 6, limit);
	while ((rc = ss_step(st)) == STORE_ROW) {
		wf_from_row(a, st, &wf);
		if (fn(&wf, arg) != 0) {
			rc = STORE_DONE;
			break;
		}
	}
	ss_reset(st);
	return rc == STORE_DONE ? DOM_OK : DOM_STORE;
}

enum dom_rc
workflow_put_draft(struct arena *a, const struct actor *who,
    const char *org_id, const char *id, const struct wf_draft *draft,
    const char *name, struct workflow *out, struct dom_err *err)
{
	struct workflow cur;
	struct sstmt *st;
	enum dom_rc rc;
	int64_t now = clock_now_ms();
	int t;

	if ((rc = workflow_get(a, org_id, id, &cur)) != DOM_OK) {
		err->message = "Workflow not found";
		return rc;
	}
	if (strcmp(cur.status, "archived") == 0) {
		err->message = "Workflow is archived";
		return DOM_CONFLICT;
	}
	if (name == NULL)
		name = cur.name;
	if ((t = name_taken(a, cur.project_id, name, id)) == -1)
		return DOM_STORE;
	if (t == 1) {
		err->message = NAME_CONFLICT;
		return DOM_CONFLICT;
	}
	if ((st = store_stmt(sql_wf_draft)) == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, id);
	ss_bind_text(st, 2, name);
	ss_bind_text(st, 3, name_key(a, name));
	ss_bind_text(st, 4, def_text(a, draft->def));
	ss_bind_text(st, 5, draft->def ? draft->format : NULL);
	ss_bind_text(st, 6, draft->def ? draft->source : NULL);
	ss_bind_text(st, 7, def_sha(a, draft->def));
	ss_bind_int(st, 8, now);
	ss_bind_text(st, 9, who->id);
	t = ss_exec(st);
	if (t == STORE_CONSTRAINT) {
		err->message = NAME_CONFLICT;
		return DOM_CONFLICT;
	}
	if (t != STORE_OK)
		return DOM_STORE;
	if (workflow_get(a, org_id, id, out) != DOM_OK)
		return DOM_STORE;
	if (wf_event(a, who, "workflow.draft_updated", out) != 0)
		return DOM_STORE;
	return DOM_OK;
}

/* Parses stored definition text (NULL stays NULL).  -1 on bad text. */
static int
def_parse(const char *text, struct json_object **out)
{
	*out = NULL;
	if (text == NULL)
		return 0;
	return json_parse_strict(text, strlen(text), WF_DEPTH_MAX + 1, out) ==
	    JSON_OK ? 0 : -1;
}

enum dom_rc
workflow_publish(struct arena *a, const struct actor *who, const char *org_id,
    const char *id, const char *change_reason, struct wf_version *ver,
    struct wf_issues *issues, struct dom_err *err)
{
	struct workflow cur;
	struct json_object *def = NULL, *pl;
	struct sstmt *st;
	enum dom_rc rc;
	int64_t now = clock_now_ms(), latest = 0;
	const char *latest_sha = NULL;
	int t;

	memset(issues, 0, sizeof(*issues));
	if ((rc = workflow_get(a, org_id, id, &cur)) != DOM_OK) {
		err->message = "Workflow not found";
		return rc;
	}
	if (strcmp(cur.status, "archived") == 0) {
		err->message = "Workflow is archived";
		return DOM_CONFLICT;
	}
	if (def_parse(cur.draft_definition, &def) == -1)
		return DOM_STORE;
	if ((st = store_stmt(sql_wf_latest)) == NULL)
		goto store;
	ss_bind_text(st, 1, id);
	if ((t = ss_step(st)) == STORE_ROW) {
		latest = ss_int(st, 0);
		latest_sha = arena_strdup(a, ss_text(st, 1));
	}
	ss_reset(st);
	if (t != STORE_ROW && t != STORE_DONE)
		goto store;
	if (def != NULL && latest_sha != NULL && cur.draft_sha256 != NULL &&
	    strcmp(latest_sha, cur.draft_sha256) == 0) {
		json_object_put(def);
		err->message = arena_printf(a,
		    "Draft is unchanged since version %" PRId64, latest);
		return DOM_CONFLICT;
	}
	wf_validate(a, def, issues);
	if (issues->nerrors > 0) {
		json_object_put(def);
		err->message = "Workflow definition failed validation";
		return DOM_INVALID;
	}
	/* Only warnings remain. */
	memset(ver, 0, sizeof(*ver));
	ver->workflow_id = cur.id;
	ver->version = latest + 1;
	ver->definition = cur.draft_definition;
	ver->sha256 = cur.draft_sha256 ? cur.draft_sha256 : def_sha(a, def);
	ver->change_reason = change_reason;
	ver->published_at = now;
	ver->published_by = who->id;
	ver->live = 1;
	json_object_put(def);
	if ((st = store_stmt(sql_wf_version_insert)) == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, id);
	ss_bind_int(st, 2, ver->version);
	ss_bind_text(st, 3, ver->definition);
	ss_bind_text(st, 4, ver->sha256);
	ss_bind_text(st, 5, change_reason);
	ss_bind_int(st, 6, now);
	ss_bind_text(st, 7, who->id);
	if (ss_exec(st) != STORE_OK)
		return DOM_STORE;
	if ((st = store_stmt(sql_wf_set_live)) == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, id);
	ss_bind_int(st, 2, ver->version);
	ss_bind_int(st, 3, now);
	if (ss_exec(st) != STORE_OK)
		return DOM_STORE;
	pl = json_object_new_object();
	json_object_object_add(pl, "workflowId", json_object_new_string(id));
	json_object_object_add(pl, "version", json_object_new_int64(ver->version));
	json_object_object_add(pl, "definitionSha256",
	    json_object_new_string(ver->sha256));
	json_object_object_add(pl, "changeReason", dom_jstr(change_reason));
	if (dom_event(a, who, org_id, "workflow.published", "workflow", id, pl,
	    NULL, NULL) != 0)
		return DOM_STORE;
	return DOM_OK;
store:
	json_object_put(def);
	return DOM_STORE;
}

enum dom_rc
workflow_versions(struct arena *a, const char *workflow_id, int64_t before,
    int limit, int (*fn)(const struct wf_version *, void *), void *arg)
{
	struct sstmt *st = store_stmt(sql_wf_versions);
	struct wf_version v;
	int rc;

	if (st == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, workflow_id);
	ss_bind_int(st, 2, before);
	ss_bind_int(st, 3, limit);
	while ((rc = ss_step(st)) == STORE_ROW) {
		ver_from_row(a, st, &v);
		if (fn(&v, arg) != 0) {
			rc = STORE_DONE;
			break;
		}
	}
	ss_reset(st);
	return rc == STORE_DONE ? DOM_OK : DOM_STORE;
}

enum dom_rc
workflow_version_get(struct arena *a, const char *workflow_id,
    int64_t version, struct wf_version *out)
{
	struct sstmt *st = store_stmt(sql_wf_version);
	int rc;

	if (st == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, workflow_id);
	ss_bind_int(st, 2, version);
	rc = ss_step(st);
	if (rc == STORE_ROW)
		ver_from_row(a, st, out);
	ss_reset(st);
	return rc == STORE_ROW ? DOM_OK : rc == STORE_DONE ? DOM_NOT_FOUND :
	    DOM_STORE;
}

enum dom_rc
workflow_archive(struct arena *a, const struct actor *who, const char *org_id,
    const char *id, struct workflow *out)
{
	struct sstmt *st;
	enum dom_rc rc;

	if ((rc = workflow_get(a, org_id, id, out)) != DOM_OK)
		return rc;
	if (strcmp(out->status, "archived") == 0)
		return DOM_OK;
	if ((st = store_stmt(sql_wf_archive)) == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, id);
	ss_bind_int(st, 2, clock_now_ms());
	if (ss_exec(st) != STORE_OK)
		return DOM_STORE;
	if (workflow_get(a, org_id, id, out) != DOM_OK)
		return DOM_STORE;
	if (wf_event(a, who, "workflow.archived", out) != 0)
		return DOM_STORE;
	return DOM_OK;
}

void
workflow_render(struct jw *w, const struct workflow *wf, int full)
{
	jw_obj_open(w);
	jw_kstr(w, "id", wf->id);
	jw_kstr(w, "projectId", wf->project_id);
	jw_kstr(w, "name", wf->name);
	jw_kstr(w, "status", wf->status);
	if (wf->live_version > 0)
		jw_kint(w, "liveVersion", wf->live_version);
	else
		jw_knull(w, "liveVersion");
	if (full) {
		jw_key(w, "draft");
		jw_obj_open(w);
		jw_key(w, "definition");
		if (wf->draft_definition != NULL)
			jw_raw(w, wf->draft_definition,
			    strlen(wf->draft_definition));
		else
			jw_null(w);
		jw_kstr(w, "format", wf->draft_format);
		if (wf->draft_source != NULL)
			jw_kstr(w, "source", wf->draft_source);
		dom_kput_time(w, "updatedAt", wf->draft_updated_at);
		jw_kstr(w, "updatedBy", wf->draft_updated_by);
		jw_obj_close(w);
		if (wf->live_version > 0 && wf->live_definition != NULL) {
			jw_key(w, "live");
			jw_obj_open(w);
			jw_kint(w, "version", wf->live_version);
			jw_key(w, "definition");
			jw_raw(w, wf->live_definition,
			    strlen(wf->live_definition));
			dom_kput_time(w, "publishedAt", wf->live_published_at);
			jw_obj_close(w);
		}
	}
	jw_kstr(w, "createdBy", wf->created_by);
	dom_kput_time(w, "createdAt", wf->created_at);
	dom_kput_time(w, "updatedAt", wf->updated_at);
	jw_obj_close(w);
}

void
wf_version_render(struct jw *w, const struct wf_version *v, int with_def)
{
	jw_obj_open(w);
	jw_kint(w, "version", v->version);
	jw_kstr(w, "definitionSha256", v->sha256);
	jw_kstr(w, "changeReason", v->change_reason);
	dom_kput_time(w, "publishedAt", v->published_at);
	jw_kstr(w, "publishedBy", v->published_by);
	jw_kbool(w, "live", v->live);
	if (with_def) {
		jw_key(w, "definition");
		jw_raw(w, v->definition, strlen(v->definition));
	}
	jw_obj_close(w);
}

/* ======================================================= deployments */

static const char sql_dep_get[] =
    "SELECT version, created_at FROM workflow_deployments"
    " WHERE org_id = ?1 AND name = ?2";
static const char sql_dep_put[] =
    "INSERT INTO workflow_deployments (org_id, name, version, definition,"
    " created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
    " ON CONFLICT (org_id, name) DO UPDATE SET version = excluded.version,"
    " definition = excluded.definition, updated_at = excluded.updated_at";

enum dom_rc
workflow_deploy(struct arena *a, const struct actor *who, const char *org_id,
    const char *name, struct json_object *def, struct wf_deployment *out)
{
	struct sstmt *st = store_stmt(sql_dep_get);
	struct json_object *pl;
	int64_t now = clock_now_ms();
	int rc;

	if (st == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, org_id);
	ss_bind_text(st, 2, name);
	rc = ss_step(st);
	out->name = name;
	out->version = 1;
	out->created_at = now;
	out->updated_at = now;
	if (rc == STORE_ROW) {
		out->version = ss_int(st, 0) + 1;
		out->created_at = ss_int(st, 1);
	}
	ss_reset(st);
	if (rc != STORE_ROW && rc != STORE_DONE)
		return DOM_STORE;
	if ((st = store_stmt(sql_dep_put)) == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, org_id);
	ss_bind_text(st, 2, name);
	ss_bind_int(st, 3, out->version);
	ss_bind_text(st, 4, def_text(a, def));
	ss_bind_int(st, 5, out->created_at);
	ss_bind_int(st, 6, now);
	if (ss_exec(st) != STORE_OK)
		return DOM_STORE;
	pl = json_object_new_object();
	json_object_object_add(pl, "name", json_object_new_string(name));
	json_object_object_add(pl, "version", json_object_new_int64(out->version));
	if (dom_event(a, who, org_id, "workflow.deployed", "workflow_deployment",
	    name, pl, NULL, NULL) != 0)
		return DOM_STORE;
	return DOM_OK;
}
