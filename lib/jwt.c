/*
 * jwt.c -- compact JWS, runtime JWTs (01-auth.md §6) and M2M access tokens
 * (01-auth.md §10).  See jwt.h.
 *
 * Every token is at most JWT_MAX_LEN bytes, so decoded segments fit in
 * fixed stack buffers and nothing here allocates except the claims handed
 * back through the caller's arena and the mint-time payload buffer.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include <json-c/json.h>
#include <sodium.h>

#include "arena.h"
#include "buf.h"
#include "crypto.h"
#include "json.h"
#include "jwt.h"

/* Largest decoded header or payload of a JWT_MAX_LEN token. */
#define JWT_SEG_MAX (JWT_MAX_LEN / 4 * 3)

#define RUNTIME_HEADER  "{\"alg\":\"HS256\",\"typ\":\"JWT\"}"
#define RUNTIME_ISS     "rensei"
#define RUNTIME_AUD     "rensei-worker"
#define M2M_HS256_HEADER "{\"alg\":\"HS256\",\"typ\":\"at+jwt\"}"
#define M2M_AUD         "rensei-api"

const char *const jwt_worker_scope_names[JWT_WORKER_SCOPES] = {
	"worker:poll",
	"worker:heartbeat",
	"worker:session",
};

/* 04-console.md §6: 01-auth.md §4.3 without system and org_keys:write. */
static const char *const m2m_vocabulary[] = {
	"*",
	"worker:register",
	"worker:poll",
	"worker:heartbeat",
	"worker:session",
	"sessions:read",
	"sessions:write",
	"workflows:read",
	"workflows:write",
	"audit:read",
	"audit:write",
	"workers:read",
	"workers:write",
	"agents:read",
	"agents:write",
	"webhooks:read",
	"webhooks:write",
};
#define M2M_VOCABULARY_LEN (sizeof(m2m_vocabulary) / sizeof(m2m_vocabulary[0]))

/* A token split and decoded (01-auth.md §6.3 step 1). */
struct jws {
	size_t           signed_len;   /* bytes of header "." payload */
	uint8_t          hdr[JWT_SEG_MAX];
	size_t           hdrlen;
	uint8_t          pl[JWT_SEG_MAX];
	size_t           pllen;
	uint8_t          sig[JWT_EDDSA_SIG_LEN];
	size_t           siglen;
};

/* ------------------------------------------------------------- helpers */

/* Saturating add, so that a hostile exp near INT64_MAX cannot overflow. */
static int64_t
sat_add(int64_t a, int64_t b)
{
	int64_t r;

	if (__builtin_add_overflow(a, b, &r))
		return b > 0 ? INT64_MAX : INT64_MIN;
	return r;
}

static int
str_eq(const char *s, size_t n, const char *lit)
{
	size_t l = strlen(lit);

	return n == l && memcmp(s, lit, l) == 0;
}

/* ASCII only: typ comparison must not depend on the process locale. */
static int
str_eq_ascii_ci(const char *s, size_t n, const char *lit)
{
	size_t i;
	unsigned char a, b;

	if (n != strlen(lit))
		return 0;
	for (i = 0; i < n; i++) {
		a = (unsigned char)s[i];
		b = (unsigned char)lit[i];
		if (a >= 'A' && a <= 'Z')
			a = (unsigned char)(a - 'A' + 'a');
		if (b >= 'A' && b <= 'Z')
			b = (unsigned char)(b - 'A' + 'a');
		if (a != b)
			return 0;
	}
	return 1;
}

/*
 * Looks up a member that must be a string when present.  Returns 1 and
 * sets *s, *n when it is a string, 0 when absent, -1 when present with
 * another type (json-c stores a JSON null as a NULL member, hence the
 * presence test through the return value of get_ex).
 */
static int
member_str(struct json_object *o, const char *key, const char **s, size_t *n)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		return 0;
	if (!json_object_is_type(v, json_type_string))
		return -1;
	*s = json_object_get_string(v);
	*n = (size_t)json_object_get_string_len(v);
	return 1;
}

static int
member_present(struct json_object *o, const char *key)
{
	return json_object_object_get_ex(o, key, NULL);
}

/* A required member that is a non-empty string. */
static int
member_nonempty_str(struct json_object *o, const char *key, const char **s,
    size_t *n)
{
	return member_str(o, key, s, n) == 1 && *n > 0 ? 0 : -1;
}

/* iat/exp: a JSON integer (json_parse_strict makes only those int). */
static int
member_int(struct json_object *o, const char *key, int64_t *v)
{
	struct json_object *m;

	if (!json_object_object_get_ex(o, key, &m) ||
	    !json_object_is_type(m, json_type_int))
		return -1;
	*v = json_object_get_int64(m);
	return 0;
}

/* aud is the expected string, or an array containing it (RFC 7519 §4.1.3). */
static int
aud_ok(struct json_object *o, const char *want)
{
	struct json_object *aud, *e;
	size_t i, n;

	if (!json_object_object_get_ex(o, "aud", &aud))
		return 0;
	if (json_object_is_type(aud, json_type_string))
		return str_eq(json_object_get_string(aud),
		    (size_t)json_object_get_string_len(aud), want);
	if (!json_object_is_type(aud, json_type_array))
		return 0;
	n = json_object_array_length(aud);
	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(aud, i);
		if (json_object_is_type(e, json_type_string) &&
		    str_eq(json_object_get_string(e),
		    (size_t)json_object_get_string_len(e), want))
			return 1;
	}
	return 0;
}

static int
prefixed_lower_hex(const char *s, size_t n, const char *prefix, size_t hexlen)
{
	size_t pl = strlen(prefix);

	return n == pl + hexlen && memcmp(s, prefix, pl) == 0 &&
	    is_lower_hex(s + pl, hexlen);
}

static struct json_object *
parse_object(const uint8_t *text, size_t len)
{
	struct json_object *o = NULL;

	if (json_parse_strict((const char *)text, len, JSON_MAX_DEPTH, &o) !=
	    JSON_OK)
		return NULL;
	if (!json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static const char *
dup_member(struct arena *a, struct json_object *o, const char *key)
{
	const char *s;
	size_t n;

	if (member_str(o, key, &s, &n) != 1)
		return NULL;
	return arena_strndup(a, s, n);
}

/*
 * Step 1 of 01-auth.md §6.3 (and §10.3): at most JWT_MAX_LEN bytes,
 * exactly three non-empty segments, each canonical unpadded base64url.
 * A signature longer than the largest we accept fails here rather than
 * at step 3; the outcome (invalid) is the same.
 */
static int
jws_decode(const char *tok, size_t len, struct jws *j)
{
	const char *d1, *d2;
	long n;

	if (len == 0 || len > JWT_MAX_LEN)
		return -1;
	if ((d1 = memchr(tok, '.', len)) == NULL)
		return -1;
	if ((d2 = memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - tok))) == NULL)
		return -1;
	if (memchr(d2 + 1, '.', len - (size_t)(d2 + 1 - tok)) != NULL)
		return -1;
	if (d1 == tok || d2 == d1 + 1 || d2 + 1 == tok + len)
		return -1;

	if ((n = b64url_decode(j->hdr, sizeof(j->hdr), tok,
	    (size_t)(d1 - tok))) <= 0)
		return -1;
	j->hdrlen = (size_t)n;
	if ((n = b64url_decode(j->pl, sizeof(j->pl), d1 + 1,
	    (size_t)(d2 - d1 - 1))) <= 0)
		return -1;
	j->pllen = (size_t)n;
	if ((n = b64url_decode(j->sig, sizeof(j->sig), d2 + 1,
	    (size_t)(tok + len - d2 - 1))) <= 0)
		return -1;
	j->siglen = (size_t)n;
	j->signed_len = (size_t)(d2 - tok);
	return 0;
}

/* Step 3, HS256: the recomputed MAC compared in constant time. */
static int
hs256_ok(const struct jws *j, const char *tok, const uint8_t *key,
    size_t keylen)
{
	uint8_t mac[JWT_HS256_SIG_LEN];
	int ok;

	if (j->siglen != JWT_HS256_SIG_LEN)
		return 0;
	hmac_sha256(mac, key, keylen, tok, j->signed_len);
	ok = ct_equal(mac, j->sig, JWT_HS256_SIG_LEN);
	sodium_memzero(mac, sizeof(mac));
	return ok;
}

/* ------------------------------------------------------------- signing */

int
jwt_sign(struct buf *out, const char *header, size_t headerlen,
    const char *payload, size_t payloadlen, enum jwt_alg alg,
    const uint8_t *key, size_t keylen)
{
	char tok[JWT_MAX_LEN + 1];
	uint8_t sig[JWT_EDDSA_SIG_LEN];
	size_t eh, ep, es, siglen, off;
	int rc = -1;

	if (alg == JWT_ALG_EDDSA && keylen != JWT_EDDSA_SK_LEN)
		return -1;
	if (alg != JWT_ALG_EDDSA && alg != JWT_ALG_HS256)
		return -1;
	siglen = alg == JWT_ALG_EDDSA ? JWT_EDDSA_SIG_LEN : JWT_HS256_SIG_LEN;
	if (headerlen > JWT_MAX_LEN || payloadlen > JWT_MAX_LEN)
		return -1;
	eh = b64url_encoded_len(headerlen);
	ep = b64url_encoded_len(payloadlen);
	es = b64url_encoded_len(siglen);
	if (eh + 1 + ep + 1 + es > JWT_MAX_LEN)
		return -1;

	b64url_encode(tok, (const uint8_t *)header, headerlen);
	tok[eh] = '.';
	b64url_encode(tok + eh + 1, (const uint8_t *)payload, payloadlen);
	off = eh + 1 + ep;
	if (alg == JWT_ALG_HS256)
		hmac_sha256(sig, key, keylen, tok, off);
	else if (crypto_sign_detached(sig, NULL, (const uint8_t *)tok, off,
	    key) != 0)
		goto out;
	tok[off] = '.';
	b64url_encode(tok + off + 1, sig, siglen);
	buf_append(out, tok, off + 1 + es);
	rc = 0;
out:
	/* The token is a bearer credential: leave no copy on the stack. */
	sodium_memzero(tok, sizeof(tok));
	sodium_memzero(sig, sizeof(sig));
	return rc;
}

/* --------------------------------------------------------- runtime JWT */

static int
nonempty(const char *s)
{
	return s != NULL && s[0] != '\0';
}

int
jwt_runtime_mint(struct buf *out, const struct jwt_runtime_claims *c,
    const uint8_t *key, size_t keylen)
{
	struct buf pl;
	struct jw w;
	size_t i, nproj;
	int rc = -1;

	nproj = c->proj != NULL ? c->nproj : 0;
	if (!nonempty(c->sub) || !nonempty(c->org) || !nonempty(c->reg) ||
	    !nonempty(c->jti) || (c->scope & ~JWT_SCOPE_ALL) != 0)
		return -1;
	for (i = 0; i < nproj; i++)
		if (!nonempty(c->proj[i]))
			return -1;

	buf_init(&pl);
	jw_init(&w, &pl);
	jw_obj_open(&w);
	jw_kstr(&w, "iss", RUNTIME_ISS);
	jw_kstr(&w, "aud", RUNTIME_AUD);
	jw_kstr(&w, "sub", c->sub);
	jw_kstr(&w, "org", c->org);
	/* A string for exactly one project, so a single-project worker's
	 * token reads as the hosted platform's does (§6.1). */
	if (nproj == 1)
		jw_kstr(&w, "proj", c->proj[0]);
	else if (nproj > 1) {
		jw_key(&w, "proj");
		jw_arr_open(&w);
		for (i = 0; i < nproj; i++)
			jw_str(&w, c->proj[i]);
		jw_arr_close(&w);
	}
	jw_kstr(&w, "reg", c->reg);
	jw_key(&w, "scope");
	jw_arr_open(&w);
	for (i = 0; i < JWT_WORKER_SCOPES; i++)
		if (c->scope & (1U << i))
			jw_str(&w, jwt_worker_scope_names[i]);
	jw_arr_close(&w);
	jw_kint(&w, "iat", c->iat);
	jw_kint(&w, "exp", c->exp);
	jw_kstr(&w, "jti", c->jti);
	jw_obj_close(&w);

	rc = jwt_sign(out, RUNTIME_HEADER, sizeof(RUNTIME_HEADER) - 1,
	    pl.data, pl.len, JWT_ALG_HS256, key, keylen);
	buf_free(&pl);
	return rc;
}

/* §6.3 step 2. */
static int
runtime_header_ok(const struct jws *j)
{
	struct json_object *h;
	const char *s;
	size_t n;
	int ok = 0, r;

	if ((h = parse_object(j->hdr, j->hdrlen)) == NULL)
		return 0;
	if (member_str(h, "alg", &s, &n) != 1 || !str_eq(s, n, "HS256"))
		goto out;
	if ((r = member_str(h, "typ", &s, &n)) < 0 ||
	    (r == 1 && !str_eq(s, n, "JWT")))
		goto out;
	if (member_present(h, "crit"))
		goto out;
	ok = 1;
out:
	json_object_put(h);
	return ok;
}

/* scope: an array of distinct worker scopes; returns the bits or -1. */
static int
runtime_scope(struct json_object *p, unsigned *bits)
{
	struct json_object *arr, *e;
	size_t i, k, n, len;
	const char *s;

	*bits = 0;
	if (!json_object_object_get_ex(p, "scope", &arr) ||
	    !json_object_is_type(arr, json_type_array))
		return -1;
	n = json_object_array_length(arr);
	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(arr, i);
		if (!json_object_is_type(e, json_type_string))
			return -1;
		s = json_object_get_string(e);
		len = (size_t)json_object_get_string_len(e);
		for (k = 0; k < JWT_WORKER_SCOPES; k++)
			if (str_eq(s, len, jwt_worker_scope_names[k]))
				break;
		if (k == JWT_WORKER_SCOPES || (*bits & (1U << k)))
			return -1;
		*bits |= 1U << k;
	}
	return 0;
}

/* proj: absent, a non-empty string, or a non-empty array of them. */
static int
runtime_proj(struct json_object *p, struct arena *a,
    struct jwt_runtime_claims *c)
{
	struct json_object *v, *e;
	const char **list;
	size_t i, n;

	if (!json_object_object_get_ex(p, "proj", &v))
		return 0;
	if (json_object_is_type(v, json_type_string)) {
		if (json_object_get_string_len(v) == 0)
			return -1;
		list = arena_alloc(a, sizeof(*list));
		list[0] = arena_strndup(a, json_object_get_string(v),
		    (size_t)json_object_get_string_len(v));
		c->proj = list;
		c->nproj = 1;
		return 0;
	}
	if (!json_object_is_type(v, json_type_array) ||
	    (n = json_object_array_length(v)) == 0)
		return -1;
	list = arena_alloc(a, n * sizeof(*list));
	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(v, i);
		if (!json_object_is_type(e, json_type_string) ||
		    json_object_get_string_len(e) == 0)
			return -1;
		list[i] = arena_strndup(a, json_object_get_string(e),
		    (size_t)json_object_get_string_len(e));
	}
	c->proj = list;
	c->nproj = n;
	return 0;
}

/* §6.3 step 4. */
static int
runtime_payload(const struct jws *j, struct arena *a,
    struct jwt_runtime_claims *c)
{
	struct json_object *p;
	const char *s;
	size_t n;
	int ok = 0;

	if ((p = parse_object(j->pl, j->pllen)) == NULL)
		return 0;
	if (member_str(p, "iss", &s, &n) != 1 || !str_eq(s, n, RUNTIME_ISS))
		goto out;
	if (!aud_ok(p, RUNTIME_AUD))
		goto out;
	if (member_str(p, "sub", &s, &n) != 1 ||
	    !prefixed_lower_hex(s, n, "wkr_", 16))
		goto out;
	if (member_nonempty_str(p, "org", &s, &n) < 0 ||
	    member_nonempty_str(p, "reg", &s, &n) < 0)
		goto out;
	if (runtime_scope(p, &c->scope) < 0)
		goto out;
	if (member_int(p, "iat", &c->iat) < 0 ||
	    member_int(p, "exp", &c->exp) < 0)
		goto out;
	if (runtime_proj(p, a, c) < 0)
		goto out;
	c->sub = dup_member(a, p, "sub");
	c->org = dup_member(a, p, "org");
	c->reg = dup_member(a, p, "reg");
	c->jti = dup_member(a, p, "jti");
	ok = 1;
out:
	json_object_put(p);
	return ok;
}

enum jwt_result
jwt_runtime_verify(const char *token, size_t toklen, const uint8_t *key,
    size_t keylen, int64_t now, int64_t leeway, int64_t grace,
    struct arena *a, struct jwt_runtime_claims *out)
{
	struct jws j;
	enum jwt_result res = JWT_INVALID;

	memset(out, 0, sizeof(*out));
	if (jws_decode(token, toklen, &j) < 0)
		goto out;
	if (!runtime_header_ok(&j))
		goto out;
	if (!hs256_ok(&j, token, key, keylen))
		goto out;
	if (!runtime_payload(&j, a, out))
		goto out;
	if (out->iat > sat_add(now, leeway))
		goto out;
	if (now >= sat_add(sat_add(out->exp, grace), leeway))
		res = JWT_EXPIRED;
	else
		res = JWT_VALID;
out:
	if (res == JWT_INVALID)
		memset(out, 0, sizeof(*out));
	return res;
}

/* ---------------------------------------------------------- M2M tokens */

static int
m2m_scope_index(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < M2M_VOCABULARY_LEN; i++)
		if (str_eq(s, n, m2m_vocabulary[i]))
			return (int)i;
	return -1;
}

int
jwt_m2m_scope_known(const char *s, size_t n)
{
	return m2m_scope_index(s, n) >= 0;
}

void
jwt_eddsa_kid(char out[JWT_KID_LEN + 1], const uint8_t pk[JWT_EDDSA_PK_LEN])
{
	uint8_t d[SHA256_LEN];

	sha256(d, pk, JWT_EDDSA_PK_LEN);
	hex_encode(out, d, JWT_KID_LEN / 2);
}

int
jwt_m2m_mint(struct buf *out, const struct jwt_m2m_claims *c,
    enum jwt_alg alg, const uint8_t *key, size_t keylen)
{
	struct buf hdr, pl, joined;
	struct jw w;
	uint8_t pk[JWT_EDDSA_PK_LEN];
	char kid[JWT_KID_LEN + 1];
	size_t i;
	int rc = -1;

	if (!nonempty(c->iss) || !nonempty(c->client_id) ||
	    !nonempty(c->org_id) || !nonempty(c->jti) ||
	    (c->nscopes > 0 && c->scopes == NULL))
		return -1;
	/* A token whose scopes fail §10.3 step 4 would be useless. */
	for (i = 0; i < c->nscopes; i++)
		if (c->scopes[i] == NULL ||
		    !jwt_m2m_scope_known(c->scopes[i], strlen(c->scopes[i])))
			return -1;
	if (alg == JWT_ALG_EDDSA && keylen != JWT_EDDSA_SK_LEN)
		return -1;

	buf_init(&hdr);
	buf_init(&pl);
	buf_init(&joined);
	if (alg == JWT_ALG_HS256)
		buf_puts(&hdr, M2M_HS256_HEADER);
	else if (alg == JWT_ALG_EDDSA) {
		if (crypto_sign_ed25519_sk_to_pk(pk, key) != 0)
			goto out;
		jwt_eddsa_kid(kid, pk);
		jw_init(&w, &hdr);
		jw_obj_open(&w);
		jw_kstr(&w, "alg", "EdDSA");
		jw_kstr(&w, "typ", "at+jwt");
		jw_kstr(&w, "kid", kid);
		jw_obj_close(&w);
	} else
		goto out;

	for (i = 0; i < c->nscopes; i++) {
		if (i > 0)
			buf_putc(&joined, ' ');
		buf_puts(&joined, c->scopes[i]);
	}
	jw_init(&w, &pl);
	jw_obj_open(&w);
	jw_kstr(&w, "iss", c->iss);
	jw_kstr(&w, "aud", M2M_AUD);
	jw_kstr(&w, "sub", c->client_id);
	jw_kstr(&w, "client_id", c->client_id);
	jw_kstr(&w, "org_id", c->org_id);
	jw_kstr(&w, "workspace_id", c->org_id);
	jw_key(&w, "scopes");
	jw_arr_open(&w);
	for (i = 0; i < c->nscopes; i++)
		jw_str(&w, c->scopes[i]);
	jw_arr_close(&w);
	jw_key(&w, "scope");
	jw_strn(&w, joined.len > 0 ? joined.data : "", joined.len);
	jw_kint(&w, "iat", c->iat);
	jw_kint(&w, "exp", c->exp);
	jw_kstr(&w, "jti", c->jti);
	jw_obj_close(&w);

	rc = jwt_sign(out, hdr.data, hdr.len, pl.data, pl.len, alg, key,
	    keylen);
out:
	buf_free(&hdr);
	buf_free(&pl);
	buf_free(&joined);
	return rc;
}

/* §10.3 step 2; for EdDSA *pub is set to the key the kid names. */
static int
m2m_header_ok(const struct jws *j, const struct jwt_m2m_verifier *v,
    const struct jwt_eddsa_pub **pub)
{
	struct json_object *h;
	const char *s;
	size_t n, i;
	int ok = 0;

	*pub = NULL;
	if ((h = parse_object(j->hdr, j->hdrlen)) == NULL)
		return 0;
	if (member_str(h, "alg", &s, &n) != 1 ||
	    !str_eq(s, n, v->alg == JWT_ALG_EDDSA ? "EdDSA" : "HS256"))
		goto out;
	if (member_str(h, "typ", &s, &n) != 1 ||
	    !(str_eq_ascii_ci(s, n, "at+jwt") ||
	    str_eq_ascii_ci(s, n, "application/at+jwt")))
		goto out;
	if (member_present(h, "crit"))
		goto out;
	if (v->alg == JWT_ALG_EDDSA) {
		if (member_str(h, "kid", &s, &n) != 1)
			goto out;
		for (i = 0; i < v->npubs && i < JWT_M2M_MAX_KEYS; i++)
			if (str_eq(s, n, v->pubs[i].kid)) {
				*pub = &v->pubs[i];
				break;
			}
		if (*pub == NULL)
			goto out;
	}
	ok = 1;
out:
	json_object_put(h);
	return ok;
}

/* scopes: an array of distinct names of the M2M vocabulary. */
static int
m2m_scopes(struct json_object *p, struct arena *a, struct jwt_m2m_claims *c)
{
	struct json_object *arr, *e;
	const char **list;
	size_t i, n, len;
	uint32_t seen = 0;
	const char *s;
	int k;

	if (!json_object_object_get_ex(p, "scopes", &arr) ||
	    !json_object_is_type(arr, json_type_array))
		return -1;
	n = json_object_array_length(arr);
	/* Distinct vocabulary names: more than the vocabulary cannot be. */
	if (n > M2M_VOCABULARY_LEN)
		return -1;
	list = arena_alloc(a, (n > 0 ? n : 1) * sizeof(*list));
	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(arr, i);
		if (!json_object_is_type(e, json_type_string))
			return -1;
		s = json_object_get_string(e);
		len = (size_t)json_object_get_string_len(e);
		if ((k = m2m_scope_index(s, len)) < 0 ||
		    (seen & (UINT32_C(1) << k)))
			return -1;
		seen |= UINT32_C(1) << k;
		list[i] = m2m_vocabulary[k];
	}
	c->scopes = list;
	c->nscopes = n;
	return 0;
}

/* §10.3 step 4. */
static int
m2m_payload(const struct jws *j, const struct jwt_m2m_verifier *v,
    struct arena *a, struct jwt_m2m_claims *c)
{
	struct json_object *p;
	const char *iss, *sub, *cid, *org, *ws;
	size_t issn, subn, cidn, orgn, wsn;
	int ok = 0;

	if ((p = parse_object(j->pl, j->pllen)) == NULL)
		return 0;
	if (v->iss == NULL || member_str(p, "iss", &iss, &issn) != 1 ||
	    !str_eq(iss, issn, v->iss))
		goto out;
	if (!aud_ok(p, M2M_AUD))
		goto out;
	if (member_str(p, "sub", &sub, &subn) != 1 ||
	    !prefixed_lower_hex(sub, subn, "m2m_", 32))
		goto out;
	if (member_str(p, "client_id", &cid, &cidn) != 1 ||
	    !(cidn == subn && memcmp(cid, sub, subn) == 0))
		goto out;
	if (member_nonempty_str(p, "org_id", &org, &orgn) < 0)
		goto out;
	if (member_str(p, "workspace_id", &ws, &wsn) != 1 ||
	    !(wsn == orgn && memcmp(ws, org, orgn) == 0))
		goto out;
	if (m2m_scopes(p, a, c) < 0)
		goto out;
	if (member_int(p, "iat", &c->iat) < 0 ||
	    member_int(p, "exp", &c->exp) < 0)
		goto out;
	c->iss = arena_strndup(a, iss, issn);
	c->client_id = arena_strndup(a, sub, subn);
	c->org_id = arena_strndup(a, org, orgn);
	c->jti = dup_member(a, p, "jti");
	ok = 1;
out:
	json_object_put(p);
	return ok;
}

enum jwt_result
jwt_m2m_verify(const char *token, size_t toklen,
    const struct jwt_m2m_verifier *v, int64_t now, int64_t leeway,
    struct arena *a, struct jwt_m2m_claims *out)
{
	const struct jwt_eddsa_pub *pub;
	struct jws j;
	enum jwt_result res = JWT_INVALID;

	memset(out, 0, sizeof(*out));
	if (v->alg != JWT_ALG_HS256 && v->alg != JWT_ALG_EDDSA)
		goto out;
	if (jws_decode(token, toklen, &j) < 0)
		goto out;
	if (!m2m_header_ok(&j, v, &pub))
		goto out;
	if (v->alg == JWT_ALG_HS256) {
		if (!hs256_ok(&j, token, v->key, v->keylen))
			goto out;
	} else if (j.siglen != JWT_EDDSA_SIG_LEN ||
	    crypto_sign_verify_detached(j.sig, (const uint8_t *)token,
	    j.signed_len, pub->pk) != 0)
		goto out;
	if (!m2m_payload(&j, v, a, out))
		goto out;
	if (out->iat > sat_add(now, leeway))
		goto out;
	if (now >= sat_add(out->exp, leeway))
		res = JWT_EXPIRED;
	else
		res = JWT_VALID;
out:
	if (res == JWT_INVALID)
		memset(out, 0, sizeof(*out));
	return res;
}

/* ------------------------------------------------------ classification */

int
jwt_is_at_jwt(const char *token, size_t toklen)
{
	uint8_t hdr[JWT_SEG_MAX];
	struct json_object *h;
	const char *dot, *s;
	size_t seglen, n;
	long dl;
	int yes = 0;

	dot = memchr(token, '.', toklen);
	seglen = dot != NULL ? (size_t)(dot - token) : toklen;
	if (seglen == 0 || seglen > JWT_MAX_LEN)
		return 0;
	if ((dl = b64url_decode(hdr, sizeof(hdr), token, seglen)) <= 0)
		return 0;
	if ((h = parse_object(hdr, (size_t)dl)) == NULL)
		return 0;
	if (member_str(h, "typ", &s, &n) == 1)
		yes = str_eq_ascii_ci(s, n, "at+jwt") ||
		    str_eq_ascii_ci(s, n, "application/at+jwt");
	json_object_put(h);
	return yes;
}
