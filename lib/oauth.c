/* oauth.c -- the OAuth 2.0 token service (see oauth.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>
#include <sodium.h>

#include "auth.h"
#include "clock.h"
#include "crypto.h"
#include "extern.h"
#include "json.h"
#include "log.h"
#include "oauth.h"
#include "secrets.h"
#include "settings.h"
#include "store.h"

/* ------------------------------------------------------------ keys */

/* Reads m2m_ed25519.prev.key (seed line, retirement-ms line): 1 with pub
 * and *retired filled, else 0. */
static int
load_prev_eddsa(struct jwt_eddsa_pub *pub, int64_t *retired)
{
	char path[4096], line1[128], line2[64];
	uint8_t seed[32], sk[64];
	FILE *f;
	int ok = 0;

	snprintf(path, sizeof(path), "%s/m2m_ed25519.prev.key", cfg.data_dir);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	if (fgets(line1, sizeof(line1), f) && fgets(line2, sizeof(line2), f) &&
	    strlen(line1) >= 64 &&
	    hex_decode(seed, sizeof(seed), line1, 64, 1) == 32) {
		*retired = strtoll(line2, NULL, 10);
		crypto_sign_seed_keypair(pub->pk, sk, seed);
		jwt_eddsa_kid(pub->kid, pub->pk);
		ok = 1;
	}
	fclose(f);
	sodium_memzero(seed, sizeof(seed));
	sodium_memzero(sk, sizeof(sk));
	sodium_memzero(line1, sizeof(line1));
	return ok;
}

/*
 * The EdDSA public keys, derived once per process rather than on every
 * verification (a key pair from the seed, and a file read for the retired
 * key): the key files are read at start (`rensei-admin m2m rotate-key` is
 * followed by SIGHUP, README).  Keyed by the seed's digest, so a process
 * that loads other secrets (tests) derives again.  The retired key's
 * window is checked against the clock on every call.
 */
static struct {
	int                  loaded, has_prev;
	uint8_t              seed_digest[SHA256_LEN];
	int64_t              prev_retired;
	struct jwt_eddsa_pub cur, prev;
} ek;

static void
eddsa_keys(const uint8_t seed[32])
{
	uint8_t d[SHA256_LEN], sk[64];

	sha256(d, seed, 32);
	if (ek.loaded && ct_equal(d, ek.seed_digest, SHA256_LEN))
		return;
	crypto_sign_seed_keypair(ek.cur.pk, sk, seed);
	sodium_memzero(sk, sizeof(sk));
	jwt_eddsa_kid(ek.cur.kid, ek.cur.pk);
	ek.has_prev = load_prev_eddsa(&ek.prev, &ek.prev_retired);
	memcpy(ek.seed_digest, d, SHA256_LEN);
	ek.loaded = 1;
}

int
oauth_verifier(struct jwt_m2m_verifier *v,
    struct jwt_eddsa_pub pubs[JWT_M2M_MAX_KEYS])
{
	const struct secret *s;

	memset(v, 0, sizeof(*v));
	if (cfg.m2m_alg == M2M_HS256) {
		if ((s = secret_get(SECRET_M2M_HS256)) == NULL)
			return -1;
		v->alg = JWT_ALG_HS256;
		v->key = s->key;
		v->keylen = s->len;
		v->iss = "rensei-platform";
	} else {
		if ((s = secret_get(SECRET_M2M_ED25519)) == NULL || s->len != 32)
			return -1;
		eddsa_keys(s->key);
		pubs[0] = ek.cur;
		v->npubs = 1;
		if (ek.has_prev && clock_now_ms() <
		    ek.prev_retired + cfg.m2m_token_lifetime * 1000)
			pubs[v->npubs++] = ek.prev;
		v->alg = JWT_ALG_EDDSA;
		v->pubs = pubs;
		v->iss = cfg.public_base_url;
	}
	return 0;
}

int
oauth_jwks(struct buf *b)
{
	struct jwt_m2m_verifier v;
	struct jwt_eddsa_pub pubs[JWT_M2M_MAX_KEYS];
	char x[64];
	struct jw w;

	if (cfg.m2m_alg != M2M_EDDSA || oauth_verifier(&v, pubs) == -1)
		return -1;
	jw_init(&w, b);
	jw_obj_open(&w);
	jw_key(&w, "keys");
	jw_arr_open(&w);
	for (size_t i = 0; i < v.npubs; i++) {
		b64url_encode(x, pubs[i].pk, JWT_EDDSA_PK_LEN);
		jw_obj_open(&w);
		jw_kstr(&w, "kty", "OKP");
		jw_kstr(&w, "crv", "Ed25519");
		jw_kstr(&w, "alg", "EdDSA");
		jw_kstr(&w, "use", "sig");
		jw_kstr(&w, "kid", pubs[i].kid);
		jw_kstr(&w, "x", x);
		jw_obj_close(&w);
	}
	jw_arr_close(&w);
	jw_obj_close(&w);
	return 0;
}

static void
auth_methods(struct jw *w, const char *key)
{
	jw_key(w, key);
	jw_arr_open(w);
	jw_str(w, "client_secret_basic");
	jw_str(w, "client_secret_post");
	jw_arr_close(w);
}

void
oauth_metadata(struct buf *b)
{
	const char *base = cfg.public_base_url;
	struct jw w;
	char u[1024];

	jw_init(&w, b);
	jw_obj_open(&w);
	jw_kstr(&w, "issuer", base);
	snprintf(u, sizeof(u), "%s/api/oauth/token", base);
	jw_kstr(&w, "token_endpoint", u);
	snprintf(u, sizeof(u), "%s/api/oauth/introspect", base);
	jw_kstr(&w, "introspection_endpoint", u);
	snprintf(u, sizeof(u), "%s/.well-known/jwks.json", base);
	jw_kstr(&w, "jwks_uri", u);
	jw_key(&w, "grant_types_supported");
	jw_arr_open(&w);
	jw_str(&w, "client_credentials");
	jw_arr_close(&w);
	jw_key(&w, "response_types_supported");
	jw_arr_open(&w);
	jw_arr_close(&w);
	auth_methods(&w, "token_endpoint_auth_methods_supported");
	auth_methods(&w, "introspection_endpoint_auth_methods_supported");
	jw_key(&w, "scopes_supported");
	jw_arr_open(&w);
	for (int s = 0; s < SC__COUNT; s++)
		if (SCOPES_M2M_ALLOWED & SCOPE(s))
			jw_str(&w, scope_name((enum scope)s));
	jw_arr_close(&w);
	jw_obj_close(&w);
}

/* ------------------------------------------------------ request parsing */

/* application/x-www-form-urlencoded: http_pct_decode with '+' as a space,
 * then no NUL (encoded or raw) and valid UTF-8. */
char *
oauth_form_decode(struct arena *a, const char *s, size_t n, size_t *outlen)
{
	char *out;
	size_t j;

	if (memchr(s, '\0', n) != NULL ||
	    (out = http_pct_decode(a, s, n, 1, &j)) == NULL ||
	    !json_utf8_valid(out, j))
		return NULL;
	if (outlen != NULL)
		*outlen = j;
	return out;
}

static struct oauth_param *
param_find(struct oauth_param *params, size_t n, const char *name, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(params[i].name) == len &&
		    memcmp(params[i].name, name, len) == 0)
			return &params[i];
	return NULL;
}

enum oauth_parse
oauth_form_parse(struct arena *a, const char *body, size_t len,
    struct oauth_param *params, size_t n, const char **which)
{
	int *seen = arena_alloc(a, (n + 1) * sizeof(int));
	size_t i = 0;

	*which = NULL;
	for (size_t k = 0; k < n; k++) {
		params[k].value = NULL;
		params[k].len = 0;
	}
	while (i < len) {
		const char *p = body + i, *amp = memchr(p, '&', len - i), *eq;
		size_t plen = amp ? (size_t)(amp - p) : len - i, rawnl, nl, vl = 0;
		char *name, *value;
		struct oauth_param *f;

		i += plen + 1;
		if (plen == 0)
			continue;
		eq = memchr(p, '=', plen);
		rawnl = eq ? (size_t)(eq - p) : plen;
		if ((name = oauth_form_decode(a, p, rawnl, &nl)) == NULL)
			return OAUTH_PARSE_MALFORMED;
		value = eq ? oauth_form_decode(a, eq + 1, plen - rawnl - 1, &vl) :
		    NULL;
		if (eq != NULL && value == NULL)
			return OAUTH_PARSE_MALFORMED;
		if ((f = param_find(params, n, name, nl)) == NULL)
			continue;
		if (seen[f - params]) {
			*which = f->name;
			return OAUTH_PARSE_REPEATED;
		}
		seen[f - params] = 1;
		if (value != NULL && vl > 0) {
			f->value = value;
			f->len = vl;
		}
	}
	return OAUTH_PARSE_OK;
}

enum oauth_parse
oauth_json_parse(struct arena *a, const char *body, size_t len,
    struct oauth_param *params, size_t n)
{
	struct json_object *o = NULL;
	enum oauth_parse rc = OAUTH_PARSE_OK;

	for (size_t k = 0; k < n; k++) {
		params[k].value = NULL;
		params[k].len = 0;
	}
	if (json_parse_strict(body, len, JSON_MAX_DEPTH, &o) != JSON_OK)
		return OAUTH_PARSE_MALFORMED;
	if (!json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return OAUTH_PARSE_MALFORMED;
	}
	json_object_object_foreach(o, key, val) {
		struct oauth_param *f;

		if (!json_object_is_type(val, json_type_string)) {
			rc = OAUTH_PARSE_MALFORMED;
			break;
		}
		if ((f = param_find(params, n, key, strlen(key))) == NULL)
			continue;
		if (json_object_get_string_len(val) > 0) {
			f->len = (size_t)json_object_get_string_len(val);
			f->value = arena_strndup(a, json_object_get_string(val),
			    f->len);
		}
	}
	json_object_put(o);
	return rc;
}

/* Skips optional whitespace (OWS). */
static const char *
ows(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

enum oauth_ctype
oauth_content_type(const char *ct)
{
	static const char form[] = "application/x-www-form-urlencoded";
	static const char json[] = "application/json";
	enum oauth_ctype t;
	const char *p, *end;
	size_t n;

	if (ct == NULL)
		return OAUTH_CT_OTHER;
	p = ows(ct);
	end = p + strcspn(p, ";");
	n = (size_t)(end - p);
	while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	if (n == sizeof(form) - 1 && strncasecmp(p, form, n) == 0)
		t = OAUTH_CT_FORM;
	else if (n == sizeof(json) - 1 && strncasecmp(p, json, n) == 0)
		t = OAUTH_CT_JSON;
	else
		return OAUTH_CT_OTHER;
	/* Parameters: a charset must be UTF-8 (quoted or not). */
	while (*end == ';') {
		const char *q = ows(end + 1), *e = q + strcspn(q, ";"), *eq;
		size_t vl;

		end = e;
		eq = memchr(q, '=', (size_t)(e - q));
		if (eq == NULL || (size_t)(eq - q) != 7 ||
		    strncasecmp(q, "charset", 7) != 0)
			continue;
		q = eq + 1;
		vl = (size_t)(e - q);
		while (vl > 0 && (q[vl - 1] == ' ' || q[vl - 1] == '\t'))
			vl--;
		if (vl >= 2 && q[0] == '"' && q[vl - 1] == '"') {
			q++;
			vl -= 2;
		}
		if (!(vl == 5 && strncasecmp(q, "utf-8", 5) == 0))
			return OAUTH_CT_OTHER;
	}
	return t;
}

int
oauth_basic_decode(struct arena *a, const char *b64, const char **id,
    const char **secret)
{
	size_t n = strlen(b64), bin_len = 0;
	unsigned char *bin;
	const char *end = NULL, *colon;
	char *l, *r;

	if (n == 0 || n % 4 != 0)
		return 0;
	bin = arena_alloc(a, n);
	if (sodium_base642bin(bin, n, b64, n, NULL, &bin_len, &end,
	    sodium_base64_VARIANT_ORIGINAL) != 0 || end != b64 + n)
		return 0;
	if ((colon = memchr(bin, ':', bin_len)) == NULL) {
		sodium_memzero(bin, n);
		return 0;
	}
	l = oauth_form_decode(a, (const char *)bin, (size_t)(colon - (char *)bin),
	    NULL);
	r = oauth_form_decode(a, colon + 1,
	    bin_len - (size_t)(colon - (char *)bin) - 1, NULL);
	sodium_memzero(bin, n);
	if (l == NULL || r == NULL)
		return 0;
	*id = l;
	*secret = r;
	return 1;
}

int
oauth_client_id_valid(const char *s)
{
	return s != NULL && strlen(s) == 36 && memcmp(s, "m2m_", 4) == 0 &&
	    is_lower_hex(s + 4, 32);
}

/* ------------------------------------------------------------ clients */

static const char sql_client[] =
    "SELECT org_id, secret_hash, scopes FROM m2m_clients"
    " WHERE id = ?1 AND revoked_at IS NULL";

static const char sql_client_org_any[] =
    "SELECT org_id FROM m2m_clients WHERE id = ?1";

int
oauth_client_org(struct arena *a, const char *id, const char **org_id)
{
	struct sstmt *st = store_stmt(sql_client_org_any);
	int rc;

	*org_id = NULL;
	if (st == NULL)
		return -1;
	ss_bind_text(st, 1, id);
	if ((rc = ss_step(st)) == STORE_ROW)
		*org_id = arena_strdup(a, ss_text(st, 0));
	ss_reset(st);
	if (rc == STORE_ROW)
		return 1;
	return rc == STORE_DONE ? 0 : -1;
}

/* Scope names of a stored JSON array, in order. */
static int
scopes_list(struct arena *a, const char *text, const char ***out, size_t *n)
{
	struct json_object *arr = NULL;
	size_t len;

	if (json_parse_strict(text, strlen(text), 4, &arr) != JSON_OK)
		return -1;
	if (!json_object_is_type(arr, json_type_array)) {
		json_object_put(arr);
		return -1;
	}
	len = json_object_array_length(arr);
	*out = arena_alloc(a, (len + 1) * sizeof(char *));
	*n = 0;
	for (size_t i = 0; i < len; i++) {
		struct json_object *e = json_object_array_get_idx(arr, i);

		if (json_object_is_type(e, json_type_string))
			(*out)[(*n)++] = arena_strdup(a, json_object_get_string(e));
	}
	json_object_put(arr);
	return 0;
}

enum oauth_auth
oauth_client_auth(struct arena *a, const char *id, const char *secret,
    struct oauth_client *out)
{
	char presented[SHA256_HEX_LEN + 1], stored[SHA256_HEX_LEN + 1];
	const char *scopes = NULL;
	struct sstmt *st;
	int rc, found = 0;

	memset(out, 0, sizeof(*out));
	/* Hash first, whatever the id: the timing is the same for all. */
	sha256_hex(presented, secret, strlen(secret));
	memset(stored, '0', SHA256_HEX_LEN);
	stored[SHA256_HEX_LEN] = '\0';
	if (!oauth_client_id_valid(id)) {
		sodium_memzero(presented, sizeof(presented));
		return OAUTH_AUTH_FAILED;
	}
	if ((st = store_stmt(sql_client)) == NULL)
		return OAUTH_AUTH_STORE;
	ss_bind_text(st, 1, id);
	rc = ss_step(st);
	if (rc == STORE_ROW && ss_bytes(st, 1) == SHA256_HEX_LEN) {
		found = 1;
		out->org_id = arena_strdup(a, ss_text(st, 0));
		memcpy(stored, ss_text(st, 1), SHA256_HEX_LEN);
		scopes = arena_strdup(a, ss_text(st, 2));
	}
	ss_reset(st);
	if (rc != STORE_ROW && rc != STORE_DONE)
		return OAUTH_AUTH_STORE;
	rc = sodium_memcmp(presented, stored, SHA256_HEX_LEN);
	sodium_memzero(presented, sizeof(presented));
	if (!found || rc != 0)
		return OAUTH_AUTH_FAILED;
	out->id = arena_strdup(a, id);
	if (scopes_list(a, scopes, &out->scopes, &out->nscopes) == -1)
		return OAUTH_AUTH_STORE;
	return OAUTH_AUTH_OK;
}

static int
holds(const struct oauth_client *c, const char *s)
{
	for (size_t i = 0; i < c->nscopes; i++)
		if (strcmp(c->scopes[i], s) == 0)
			return 1;
	return 0;
}

int
oauth_scope_grant(struct arena *a, const struct oauth_client *c,
    const char *requested, const char ***granted, size_t *ngranted)
{
	const char **g;
	size_t n = 0, cap;
	const char *p;

	if (requested == NULL)
		requested = "";
	cap = strlen(requested) / 2 + 2;
	g = arena_alloc(a, cap * sizeof(char *));
	for (p = requested; *p != '\0';) {
		size_t len;
		const char *tok;
		int dup = 0;

		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		len = strcspn(p, " ");
		tok = arena_strndup(a, p, len);
		p += len;
		if (!jwt_m2m_scope_known(tok, len))
			return 0;
		if (!holds(c, tok) && !(holds(c, "*") && strcmp(tok, "*") != 0))
			return 0;
		for (size_t i = 0; i < n; i++)
			if (strcmp(g[i], tok) == 0)
				dup = 1;
		if (!dup && n < cap)
			g[n++] = tok;
	}
	if (n == 0) {
		*granted = c->scopes;
		*ngranted = c->nscopes;
	} else {
		*granted = g;
		*ngranted = n;
	}
	return 1;
}

static const char sql_rate_purge[] =
    "DELETE FROM oauth_rate WHERE client_id = ?1 AND route = ?2 AND at <= ?3";
static const char sql_rate_count[] =
    "SELECT count(*), min(at) FROM oauth_rate WHERE client_id = ?1 AND route = ?2";
static const char sql_rate_insert[] =
    "INSERT INTO oauth_rate (client_id, route, at) VALUES (?1, ?2, ?3)";

int
oauth_rate_hit(const char *client_id, const char *route, int limit,
    int64_t now, int64_t *retry_after)
{
	struct sstmt *st;
	int64_t count = 0, oldest = 0;
	int rc;

	*retry_after = 0;
	if (store_begin_write() != STORE_OK)
		return -1;
	if ((st = store_stmt(sql_rate_purge)) == NULL)
		goto fail;
	ss_bind_text(st, 1, client_id);
	ss_bind_text(st, 2, route);
	ss_bind_int(st, 3, now - OAUTH_RATE_WINDOW_MS);
	if (ss_exec(st) != STORE_OK)
		goto fail;
	if ((st = store_stmt(sql_rate_count)) == NULL)
		goto fail;
	ss_bind_text(st, 1, client_id);
	ss_bind_text(st, 2, route);
	if ((rc = ss_step(st)) == STORE_ROW) {
		count = ss_int(st, 0);
		oldest = ss_is_null(st, 1) ? now : ss_int(st, 1);
	}
	ss_reset(st);
	if (rc != STORE_ROW)
		goto fail;
	if (count >= limit) {
		int64_t ms = oldest + OAUTH_RATE_WINDOW_MS - now;

		store_rollback();
		*retry_after = ms <= 0 ? 1 : (ms + 999) / 1000;
		return 0;
	}
	if ((st = store_stmt(sql_rate_insert)) == NULL)
		goto fail;
	ss_bind_text(st, 1, client_id);
	ss_bind_text(st, 2, route);
	ss_bind_int(st, 3, now);
	if (ss_exec(st) != STORE_OK || store_commit() != STORE_OK)
		goto fail;
	return 1;
fail:
	store_rollback();
	return -1;
}

/* ------------------------------------------------------------- tokens */

static const char sql_touch[] =
    "UPDATE m2m_clients SET last_used_at = ?2 WHERE id = ?1";

int
oauth_issue(struct arena *a, const struct oauth_client *c,
    const char **scopes, size_t nscopes, struct oauth_issued *out)
{
	struct jwt_m2m_claims cl;
	const struct secret *s;
	struct buf tok, sc;
	struct actor who = { "m2m", c->id };
	struct json_object *pl;
	struct sstmt *st;
	char exp_iso[ISO8601_LEN + 1];
	uint8_t sk[64], pk[32];
	int64_t now = clock_now_ms();
	int rc;

	memset(out, 0, sizeof(*out));
	random_hex(out->jti, 16);
	out->iat = now / 1000;
	out->exp = out->iat + cfg.m2m_token_lifetime;
	buf_init(&sc);
	for (size_t i = 0; i < nscopes; i++) {
		if (i > 0)
			buf_putc(&sc, ' ');
		buf_puts(&sc, scopes[i]);
	}
	out->scope = arena_strndup(a, sc.data ? sc.data : "", sc.len);
	buf_free(&sc);

	memset(&cl, 0, sizeof(cl));
	cl.iss = cfg.m2m_alg == M2M_EDDSA ? cfg.public_base_url : "rensei-platform";
	cl.client_id = c->id;
	cl.org_id = c->org_id;
	cl.scopes = scopes;
	cl.nscopes = nscopes;
	cl.iat = out->iat;
	cl.exp = out->exp;
	cl.jti = out->jti;
	buf_init(&tok);
	if (cfg.m2m_alg == M2M_HS256) {
		if ((s = secret_get(SECRET_M2M_HS256)) == NULL)
			return -2;
		rc = jwt_m2m_mint(&tok, &cl, JWT_ALG_HS256, s->key, s->len);
	} else {
		if ((s = secret_get(SECRET_M2M_ED25519)) == NULL || s->len != 32)
			return -2;
		crypto_sign_seed_keypair(pk, sk, s->key);
		rc = jwt_m2m_mint(&tok, &cl, JWT_ALG_EDDSA, sk, sizeof(sk));
		sodium_memzero(sk, sizeof(sk));
	}
	if (rc != 0) {
		buf_free(&tok);
		return -2;
	}
	out->token = arena_strndup(a, tok.data, tok.len);
	buf_wipe(&tok);
	buf_free(&tok);

	if (store_begin_write() != STORE_OK)
		return -1;
	if ((st = store_stmt(sql_touch)) == NULL)
		goto fail;
	ss_bind_text(st, 1, c->id);
	ss_bind_int(st, 2, now);
	if (ss_exec(st) != STORE_OK)
		goto fail;
	iso8601_ms(exp_iso, out->exp * 1000);
	pl = json_object_new_object();
	json_object_object_add(pl, "clientId", json_object_new_string(c->id));
	json_object_object_add(pl, "jti", json_object_new_string(out->jti));
	json_object_object_add(pl, "scope", json_object_new_string(out->scope));
	json_object_object_add(pl, "expiresAt", json_object_new_string(exp_iso));
	if (dom_event(a, &who, c->org_id, "oauth.token_issued", "m2m_client",
	    c->id, pl, NULL, NULL) == -1)
		goto fail;
	if (store_commit() != STORE_OK)
		goto fail;
	return 0;
fail:
	store_rollback();
	sodium_memzero((void *)out->token, strlen(out->token));
	out->token = NULL;
	return -1;
}

static const char sql_client_org[] =
    "SELECT org_id FROM m2m_clients WHERE id = ?1 AND revoked_at IS NULL";

int
oauth_introspect(struct arena *a, const struct oauth_client *caller,
    const char *token, size_t len, struct buf *out)
{
	struct jwt_m2m_verifier v;
	struct jwt_eddsa_pub pubs[JWT_M2M_MAX_KEYS];
	struct jwt_m2m_claims c;
	struct sstmt *st;
	struct jw w;
	int rc, active = 0;

	if (oauth_verifier(&v, pubs) == 0 &&
	    jwt_m2m_verify(token, len, &v, clock_now_ms() / 1000,
	    cfg.clock_leeway, a, &c) == JWT_VALID &&
	    strcmp(c.org_id, caller->org_id) == 0) {
		if ((st = store_stmt(sql_client_org)) == NULL)
			return -1;
		ss_bind_text(st, 1, c.client_id);
		rc = ss_step(st);
		if (rc == STORE_ROW && strcmp(ss_text(st, 0), c.org_id) == 0)
			active = 1;
		ss_reset(st);
		if (rc != STORE_ROW && rc != STORE_DONE)
			return -1;
	}
	buf_reset(out);
	jw_init(&w, out);
	jw_obj_open(&w);
	jw_kbool(&w, "active", active);
	if (active) {
		struct buf sc;

		buf_init(&sc);
		for (size_t i = 0; i < c.nscopes; i++) {
			if (i > 0)
				buf_putc(&sc, ' ');
			buf_puts(&sc, c.scopes[i]);
		}
		jw_key(&w, "scope");
		jw_strn(&w, sc.data ? sc.data : "", sc.len);
		buf_free(&sc);
		jw_kstr(&w, "client_id", c.client_id);
		jw_kstr(&w, "token_type", "Bearer");
		jw_kint(&w, "exp", c.exp);
		jw_kint(&w, "iat", c.iat);
		jw_kstr(&w, "sub", c.client_id);
		jw_kstr(&w, "aud", "rensei-api");
		jw_kstr(&w, "iss", c.iss != NULL ? c.iss : v.iss);
		jw_kstr(&w, "jti", c.jti);
		jw_kstr(&w, "org_id", c.org_id);
		jw_kstr(&w, "workspace_id", c.org_id);
	}
	jw_obj_close(&w);
	return 0;
}
