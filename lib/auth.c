/*
 * auth.c -- credential resolution (01-auth.md §1, §3-§11, §15).
 *
 * auth_resolve() reads the credential the route's policy accepts, in the
 * order §15 gives; the first credential present decides (a present but
 * invalid one fails the request, there is no fall-through).  Bodies of the
 * failures are the exact strings of §1.3.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <sodium.h>

#include "auth.h"
#include "clock.h"
#include "crypto.h"
#include "json.h"
#include "jwt.h"
#include "log.h"
#include "oauth.h"
#include "secrets.h"
#include "session.h"
#include "settings.h"
#include "store.h"

static const char *const scope_names[SC__COUNT] = {
	"*", "org_keys:write", "worker:register", "worker:poll",
	"worker:heartbeat", "worker:session", "sessions:read", "sessions:write",
	"workflows:read", "workflows:write", "audit:read", "audit:write",
	"workers:read", "workers:write", "agents:read", "agents:write",
	"webhooks:read", "webhooks:write", "system"
};

static const char *const role_names[] = {
	NULL, "viewer", "auditor", "member", "admin", "owner"
};

const char *
scope_name(enum scope s)
{
	return (unsigned)s < SC__COUNT ? scope_names[s] : "?";
}

int
scope_parse(const char *name, size_t n)
{
	for (int i = 0; i < SC__COUNT; i++)
		if (strlen(scope_names[i]) == n && memcmp(scope_names[i], name, n) == 0)
			return i;
	return -1;
}

int
scopes_from_json(const char *text, uint32_t *out)
{
	struct json_object *arr = NULL;
	int rc = -1;

	*out = 0;
	if (text == NULL || json_parse_strict(text, strlen(text), 4, &arr) !=
	    JSON_OK || !json_object_is_type(arr, json_type_array))
		goto out;
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *e = json_object_array_get_idx(arr, i);
		int s;

		if (!json_object_is_type(e, json_type_string))
			goto out;
		s = scope_parse(json_object_get_string(e),
		    (size_t)json_object_get_string_len(e));
		if (s < 0)
			goto out;
		*out |= SCOPE(s);
	}
	rc = 0;
out:
	json_object_put(arr);
	return rc;
}

const char *
role_name(enum role r)
{
	return (unsigned)r <= ROLE_OWNER ? role_names[r] : NULL;
}

enum role
role_parse(const char *s)
{
	if (s == NULL)
		return ROLE_NONE;
	for (int i = 1; i <= ROLE_OWNER; i++)
		if (strcmp(role_names[i], s) == 0)
			return (enum role)i;
	return ROLE_NONE;
}

int
auth_has_scope(const struct principal *p, enum scope s)
{
	if (p->scopes & SCOPE(s))
		return 1;
	return (p->scopes & SCOPE(SC_ALL)) && s != SC_SYSTEM;
}

/* ------------------------------------------------------------ failures */

static const struct {
	int         status;
	const char *message;
} failures[] = {
	[U1] = { 401, "Invalid or missing API key" },
	[U2] = { 401, "Runtime token expired" },
	[U3] = { 401, "Invalid runtime token" },
	[U4] = { 401, "Access token expired" },
	[U5] = { 401, "Invalid access token" },
	[U6] = { 401, "Authentication required" },
	[U7] = { 401, "Session cookie required" },
	[U8] = { 401, "Invalid session hash" },
	[U9] = { 401, "Invalid email or password" },
	[F1] = { 403, "Token does not belong to this worker" },
	[F2] = { 403, NULL },
	[F3] = { 403, "Insufficient role" },
	[F4] = { 403, "Cross-origin request rejected" },
	[F5] = { 403, "Requires system scope" },
	[F6] = { 403, "No active organization" },
	[F7] = { 403, "Session is owned by another worker" },
};

void
auth_fail(struct request *req, struct response *resp, enum auth_fail f,
    int bearer_rejected, enum scope f2)
{
	if (failures[f].status == 401)
		http_set_header(resp, "WWW-Authenticate", bearer_rejected ?
		    "Bearer realm=\"rensei\", error=\"invalid_token\"" :
		    "Bearer realm=\"rensei\"");
	if (f == F2)
		http_error(resp, 403, arena_printf(req->arena,
		    "Missing required scope: %s", scope_name(f2)));
	else
		http_error(resp, failures[f].status, failures[f].message);
}

static void
scim_fail(struct response *resp, int bearer_rejected)
{
	http_set_header(resp, "WWW-Authenticate", bearer_rejected ?
	    "Bearer realm=\"rensei\", error=\"invalid_token\"" :
	    "Bearer realm=\"rensei\"");
	http_error_scim(resp, 401, NULL, "Invalid or missing SCIM token");
}

/* 00-overview.md §3: 503 when the store is unavailable (never a 401 that
 * would reject a good credential or clear a good cookie). */
static void
store_unavailable(const struct auth_policy *pol, struct response *resp)
{
	http_set_header(resp, "Retry-After", "1");
	if (pol->mode == AUTH_SCIM)
		http_error_scim(resp, 503, NULL, "Store unavailable");
	else
		http_error(resp, 503, "Store unavailable");
}

/* ------------------------------------------------------------- helpers */

int
auth_bearer(const struct request *req, const char **tok, size_t *len)
{
	const char *h = http_header(req, "Authorization"), *t;
	size_t n;

	if (h == NULL)
		return 0;
	if (strncasecmp(h, "Bearer", 6) != 0 || h[6] != ' ')
		return -1;
	t = h + 6;
	while (*t == ' ')
		t++;
	n = strlen(t);
	while (n > 0 && t[n - 1] == ' ')
		n--;
	if (n == 0 || n > 4096)
		return -1;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)t[i] < 0x21 || (unsigned char)t[i] > 0x7e)
			return -1;
	*tok = t;
	*len = n;
	return 1;
}

/* §1.2: a malformed header still "presented a Bearer token" (and earns
 * error="invalid_token") when its scheme is Bearer and something follows
 * the separating spaces; another scheme or an empty token did not. */
static int
bearer_presented(const struct request *req)
{
	const char *h = http_header(req, "Authorization");

	if (h == NULL || strncasecmp(h, "Bearer", 6) != 0 || h[6] != ' ')
		return 0;
	for (h += 6; *h != '\0'; h++)
		if (*h != ' ')
			return 1;
	return 0;
}

static int
is_jwt_shaped(const char *t, size_t n)
{
	int dots = 0;

	for (size_t i = 0; i < n; i++)
		dots += t[i] == '.';
	return dots == 2;
}

static int
matches_secret_form(const char *t, size_t n, const char *prefix)
{
	size_t pl = strlen(prefix);

	return n == pl + 64 && memcmp(t, prefix, pl) == 0 &&
	    is_lower_hex(t + pl, 64);
}

static const char **
json_string_list(struct arena *a, const char *text, int *count)
{
	struct json_object *arr = NULL;
	const char **out = NULL;
	size_t n;

	*count = 0;
	if (text == NULL || json_parse_strict(text, strlen(text), 4, &arr) !=
	    JSON_OK || !json_object_is_type(arr, json_type_array)) {
		json_object_put(arr);
		return NULL;
	}
	n = json_object_array_length(arr);
	out = arena_alloc(a, (n + 1) * sizeof(*out));
	for (size_t i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(arr, i);

		if (json_object_is_type(e, json_type_string))
			out[(*count)++] = arena_strdup(a, json_object_get_string(e));
	}
	json_object_put(arr);
	return out;
}

/* The once-a-minute usage stamp of 01-auth.md §4.5 step 6, in its own
 * short transaction; its failure never fails the request. */
static void
touch_last_used(const char *sql, const char *id, int64_t last, int64_t now)
{
	struct sstmt *st;

	if (last != 0 && last >= now - 60000)
		return;
	if (store_in_txn() || (st = store_stmt(sql)) == NULL)
		return;
	if (store_begin_write() != STORE_OK)
		return;
	ss_bind_int(st, 1, now);
	ss_bind_text(st, 2, id);
	if (ss_exec(st) != STORE_OK || store_commit() != STORE_OK)
		store_rollback();
}

static int
ensure_store(void)
{
	extern const char *server_db_path(void);

	if (store_is_open())
		return 0;
	return store_open(server_db_path(), 0);
}

/* ---------------------------------------------------------- API keys */

static const char sql_key_by_hash[] =
    "SELECT k.id, k.org_id, k.key_type, k.key_hash, k.scopes, k.project_ids,"
    " k.created_by, k.expires_at, k.revoked_at, k.last_used_at,"
    " (k.org_id IS NULL OR EXISTS (SELECT 1 FROM orgs o WHERE o.id = k.org_id)),"
    " m.role"
    " FROM api_keys k LEFT JOIN memberships m"
    "  ON m.org_id = k.org_id AND m.user_id = k.created_by"
    " WHERE k.key_hash = ?1";
static const char sql_key_touch[] =
    "UPDATE api_keys SET last_used_at = ?1 WHERE id = ?2"
    " AND (last_used_at IS NULL OR last_used_at < ?1 - 60000)";

/* 01-auth.md §4.5.  1 valid, 0 rejected (U1), -1 store unavailable. */
static int
verify_api_key(struct request *req, const char *tok, size_t n,
    struct principal *p)
{
	char hash[SHA256_HEX_LEN + 1];
	struct sstmt *st;
	int64_t now = clock_now_ms(), last = 0;
	int ok = 0, rc;
	const char *key_type, *created_by, *role;

	if (!matches_secret_form(tok, n, "rsk_live_"))
		return 0;
	sha256_hex(hash, tok, n);
	if (ensure_store() == -1 || (st = store_stmt(sql_key_by_hash)) == NULL)
		return -1;
	ss_bind_text(st, 1, hash);
	if ((rc = ss_step(st)) != STORE_ROW) {
		if (rc != STORE_DONE)
			ok = -1;
		goto out;
	}
	if (ss_bytes(st, 3) != SHA256_HEX_LEN ||
	    !ct_equal(ss_text(st, 3), hash, SHA256_HEX_LEN))
		goto out;
	if (!ss_is_null(st, 8) || (!ss_is_null(st, 7) && ss_int(st, 7) <= now) ||
	    ss_int(st, 10) == 0)
		goto out;
	key_type = ss_text(st, 2);
	created_by = ss_is_null(st, 6) ? NULL : ss_text(st, 6);
	role = ss_is_null(st, 11) ? NULL : ss_text(st, 11);
	/* §4.5 step 4: keys of offboarded users stop working. */
	if (strcmp(key_type, "user") == 0 && created_by != NULL && role == NULL)
		goto out;
	memset(p, 0, sizeof(*p));
	p->kind = CK_API_KEY;
	p->key_id = arena_strdup(req->arena, ss_text(st, 0));
	p->key_type = arena_strdup(req->arena, key_type);
	p->created_by = created_by ? arena_strdup(req->arena, created_by) : NULL;
	if (scopes_from_json(ss_text(st, 4), &p->scopes) == -1)
		goto out;
	if (ss_is_null(st, 1)) {
		/* §4.6 system key: orgId null, scopes exactly ["system"]. */
		if (p->scopes != SCOPE(SC_SYSTEM))
			goto out;
		p->type = PT_SYSTEM;
	} else {
		/* "system" is held only by the org-less system key: a
		 * stored org key claiming it is not honoured. */
		if (p->scopes & SCOPE(SC_SYSTEM))
			goto out;
		p->type = PT_API_KEY;
		p->org_id = arena_strdup(req->arena, ss_text(st, 1));
		if (!ss_is_null(st, 5)) {
			p->project_ids = json_string_list(req->arena,
			    ss_text(st, 5), &p->nprojects);
			if (p->project_ids == NULL)
				goto out;
		}
		if (strcmp(key_type, "user") == 0)
			p->role = created_by == NULL ? ROLE_ADMIN : role_parse(role);
	}
	last = ss_is_null(st, 9) ? 0 : ss_int(st, 9);
	ok = 1;
out:
	ss_reset(st);
	if (ok == 1)
		touch_last_used(sql_key_touch, p->key_id, last, now);
	return ok;
}

/* ------------------------------------------------ registration tokens */

static const char sql_rtk_by_hash[] =
    "SELECT id, org_id, project_id, token_hash, expires_at, revoked_at,"
    " last_used_at FROM registration_tokens WHERE token_hash = ?1";
static const char sql_rtk_touch[] =
    "UPDATE registration_tokens SET last_used_at = ?1 WHERE id = ?2"
    " AND (last_used_at IS NULL OR last_used_at < ?1 - 60000)";

/* 01-auth.md §5.2.  1 valid, 0 rejected (U1), -1 store unavailable. */
static int
verify_registration_token(struct request *req, const char *tok, size_t n,
    struct principal *p)
{
	char hash[SHA256_HEX_LEN + 1];
	struct sstmt *st;
	int64_t now = clock_now_ms(), last = 0;
	int ok = 0, rc;

	if (!matches_secret_form(tok, n, "rsp_live_"))
		return 0;
	sha256_hex(hash, tok, n);
	if (ensure_store() == -1 || (st = store_stmt(sql_rtk_by_hash)) == NULL)
		return -1;
	ss_bind_text(st, 1, hash);
	if ((rc = ss_step(st)) != STORE_ROW) {
		if (rc != STORE_DONE)
			ok = -1;
		goto out;
	}
	if (ss_bytes(st, 3) != SHA256_HEX_LEN ||
	    !ct_equal(ss_text(st, 3), hash, SHA256_HEX_LEN) ||
	    !ss_is_null(st, 5) || ss_int(st, 4) <= now)
		goto out;
	memset(p, 0, sizeof(*p));
	p->type = PT_API_KEY;
	p->kind = CK_REGISTRATION_TOKEN;
	p->key_id = arena_strdup(req->arena, ss_text(st, 0));
	p->org_id = arena_strdup(req->arena, ss_text(st, 1));
	if (!ss_is_null(st, 2)) {
		p->project_ids = arena_alloc(req->arena, sizeof(char *));
		p->project_ids[0] = arena_strdup(req->arena, ss_text(st, 2));
		p->nprojects = 1;
	}
	p->scopes = SCOPES_WORKER;
	last = ss_is_null(st, 6) ? 0 : ss_int(st, 6);
	ok = 1;
out:
	ss_reset(st);
	if (ok == 1)
		touch_last_used(sql_rtk_touch, p->key_id, last, now);
	return ok;
}

/* --------------------------------------------------------- legacy key */

/* Compared as SHA-256 digests, so the comparison takes the same time
 * whatever the lengths; the configured key's digest is made once per
 * setting rather than on every request. */
static int
is_legacy_key(const char *tok, size_t n)
{
	static const char *digest_of;
	static uint8_t key_digest[SHA256_LEN];
	const char *k = cfg.worker_api_key;
	uint8_t d[SHA256_LEN];
	int eq;

	if (k == NULL)
		return 0;
	if (digest_of != k) {
		sha256(key_digest, k, strlen(k));
		digest_of = k;
	}
	sha256(d, tok, n);
	eq = ct_equal(d, key_digest, SHA256_LEN);
	sodium_memzero(d, sizeof(d));
	return eq;
}

/* §7: the legacy key acts for the default org.  1 built, 0 no default
 * org (the key cannot act for anyone: U1, logged), -1 store unavailable.
 * A principal without an org would escape every org-scoped query. */
static int
legacy_principal(struct request *req, struct principal *p)
{
	static const char sql[] = "SELECT id FROM orgs WHERE is_default = 1";
	struct sstmt *st;
	int rc;

	memset(p, 0, sizeof(*p));
	p->type = PT_API_KEY;
	p->kind = CK_LEGACY_KEY;
	p->scopes = SCOPES_WORKER;
	p->deprecated = 1;
	p->key_id = "legacy";
	if (ensure_store() == -1 || (st = store_stmt(sql)) == NULL)
		return -1;
	if ((rc = ss_step(st)) == STORE_ROW)
		p->org_id = arena_strdup(req->arena, ss_text(st, 0));
	ss_reset(st);
	if (rc == STORE_ROW)
		return 1;
	if (rc != STORE_DONE)
		return -1;
	log_error("legacy_principal: no default organization; legacy key refused");
	return 0;
}

/* ---------------------------------------------------------- runtime JWT */

/* 01-auth.md §6.3 steps 1-6.  1 valid, 0 rejected with *f = U2 or U3. */
static int
verify_runtime_jwt(struct request *req, const char *tok, size_t n,
    int64_t grace, struct principal *p, enum auth_fail *f)
{
	const struct secret *s = secret_get(SECRET_RUNTIME_JWT);
	struct jwt_runtime_claims c;
	enum jwt_result r;

	*f = U3;
	if (s == NULL)
		return 0;
	r = jwt_runtime_verify(tok, n, s->key, s->len, clock_now_ms() / 1000,
	    cfg.clock_leeway, grace, req->arena, &c);
	if (r == JWT_EXPIRED)
		*f = U2;
	if (r != JWT_VALID)
		return 0;
	memset(p, 0, sizeof(*p));
	p->type = PT_WORKER;
	p->kind = CK_RUNTIME_JWT;
	p->worker_id = c.sub;
	p->org_id = c.org;
	p->reg = c.reg;
	p->jwt_exp = c.exp;
	if (c.nproj > 0) {
		p->project_ids = (const char **)c.proj;
		p->nprojects = (int)c.nproj;
	}
	if (c.scope & JWT_SCOPE_POLL)
		p->scopes |= SCOPE(SC_WORKER_POLL);
	if (c.scope & JWT_SCOPE_HEARTBEAT)
		p->scopes |= SCOPE(SC_WORKER_HEARTBEAT);
	if (c.scope & JWT_SCOPE_SESSION)
		p->scopes |= SCOPE(SC_WORKER_SESSION);
	return 1;
}

/* ------------------------------------------------------------ M2M JWT */

static const char sql_m2m_client[] =
    "SELECT org_id, revoked_at FROM m2m_clients WHERE id = ?1";

/* 01-auth.md §10.3.  1 valid, 0 rejected with *f = U4 or U5, -1 store
 * unavailable. */
static int
verify_m2m_jwt(struct request *req, const char *tok, size_t n,
    struct principal *p, enum auth_fail *f)
{
	struct jwt_m2m_verifier v;
	struct jwt_eddsa_pub pubs[JWT_M2M_MAX_KEYS];
	struct jwt_m2m_claims c;
	struct sstmt *st;
	enum jwt_result r;
	int ok = 0, rc;

	*f = U5;
	/* The keys of the configured mode (shared with the issuer, oauth.c). */
	if (oauth_verifier(&v, pubs) == -1)
		return 0;
	r = jwt_m2m_verify(tok, n, &v, clock_now_ms() / 1000, cfg.clock_leeway,
	    req->arena, &c);
	if (r == JWT_EXPIRED)
		*f = U4;
	if (r != JWT_VALID)
		return 0;
	/* Step 7: the client exists, is not revoked, belongs to org_id. */
	if (ensure_store() == -1 || (st = store_stmt(sql_m2m_client)) == NULL)
		return -1;
	ss_bind_text(st, 1, c.client_id);
	if ((rc = ss_step(st)) == STORE_ROW && ss_is_null(st, 1) &&
	    strcmp(ss_text(st, 0), c.org_id) == 0)
		ok = 1;
	else if (rc != STORE_ROW && rc != STORE_DONE)
		ok = -1;
	ss_reset(st);
	if (ok != 1)
		return ok;
	memset(p, 0, sizeof(*p));
	p->type = PT_M2M;
	p->kind = CK_M2M_JWT;
	p->client_id = c.client_id;
	p->org_id = c.org_id;
	p->jwt_exp = c.exp;
	for (size_t i = 0; i < c.nscopes; i++) {
		int sc = scope_parse(c.scopes[i], strlen(c.scopes[i]));

		if (sc >= 0)
			p->scopes |= SCOPE(sc);
	}
	return 1;
}

/* ----------------------------------------------------------- SCIM token */

static const char sql_scim_by_hash[] =
    "SELECT id, org_id, token_hash, revoked_at, last_used_at"
    " FROM scim_tokens WHERE token_hash = ?1";
static const char sql_scim_touch[] =
    "UPDATE scim_tokens SET last_used_at = ?1 WHERE id = ?2"
    " AND (last_used_at IS NULL OR last_used_at < ?1 - 60000)";

/* 01-auth.md §11.  1 valid, 0 rejected, -1 store unavailable. */
static int
verify_scim_token(struct request *req, const char *tok, size_t n,
    struct principal *p)
{
	char hash[SHA256_HEX_LEN + 1];
	struct sstmt *st;
	int64_t last = 0;
	int ok = 0, rc;

	if (!matches_secret_form(tok, n, "scim_"))
		return 0;
	sha256_hex(hash, tok, n);
	if (ensure_store() == -1 || (st = store_stmt(sql_scim_by_hash)) == NULL)
		return -1;
	ss_bind_text(st, 1, hash);
	if ((rc = ss_step(st)) != STORE_ROW) {
		if (rc != STORE_DONE)
			ok = -1;
		goto out;
	}
	if (ss_bytes(st, 2) != SHA256_HEX_LEN ||
	    !ct_equal(ss_text(st, 2), hash, SHA256_HEX_LEN) || !ss_is_null(st, 3))
		goto out;
	memset(p, 0, sizeof(*p));
	p->type = PT_API_KEY;
	p->kind = CK_SCIM_TOKEN;
	p->key_id = arena_strdup(req->arena, ss_text(st, 0));
	p->org_id = arena_strdup(req->arena, ss_text(st, 1));
	last = ss_is_null(st, 4) ? 0 : ss_int(st, 4);
	ok = 1;
out:
	ss_reset(st);
	if (ok == 1)
		touch_last_used(sql_scim_touch, p->key_id, last, clock_now_ms());
	return ok;
}

/* ------------------------------------------------------- cookie session */

static const char sql_cookie[] =
    "SELECT s.user_id, s.active_org_id, s.created_at, s.last_seen_at,"
    " u.is_platform_admin, u.disabled_at, m.role"
    " FROM user_sessions s JOIN users u ON u.id = s.user_id"
    " LEFT JOIN memberships m ON m.user_id = s.user_id"
    "  AND m.org_id = s.active_org_id"
    " WHERE s.id_hash = ?1";
static const char sql_cookie_delete[] =
    "DELETE FROM user_sessions WHERE id_hash = ?1";
static const char sql_cookie_touch[] =
    "UPDATE user_sessions SET last_seen_at = ?1 WHERE id_hash = ?2"
    " AND last_seen_at < ?1 - 60000";

static void
clear_cookie(struct response *resp)
{
	int secure = strncmp(cfg.public_base_url, "https://", 8) == 0;

	http_set_header(resp, "Set-Cookie", secure ?
	    SESSION_COOKIE "=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0; Secure" :
	    SESSION_COOKIE "=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0");
}

/* Returns 1 valid, 0 absent, -1 present but invalid (row deleted, cookie
 * cleared in resp), -2 store failure. */
static int
verify_cookie(struct request *req, struct response *resp, struct principal *p)
{
	const char *c = http_cookie(req, SESSION_COOKIE);
	char hash[SHA256_HEX_LEN + 1];
	struct sstmt *st;
	int64_t now = clock_now_ms(), last = 0;
	int ok = 0, rc;

	if (c == NULL)
		return 0;
	if (strlen(c) != 43)
		goto invalid;
	for (size_t i = 0; i < 43; i++)
		if (!isalnum((unsigned char)c[i]) && c[i] != '-' && c[i] != '_')
			goto invalid;
	sha256_hex(hash, c, 43);
	if (ensure_store() == -1 || (st = store_stmt(sql_cookie)) == NULL)
		return -2;
	ss_bind_text(st, 1, hash);
	if ((rc = ss_step(st)) == STORE_ROW && ss_is_null(st, 5) &&
	    now < ss_int(st, 2) + cfg.session_max_age * 1000 &&
	    now < ss_int(st, 3) + cfg.session_idle * 1000) {
		memset(p, 0, sizeof(*p));
		p->type = PT_USER;
		p->kind = CK_COOKIE;
		p->user_id = arena_strdup(req->arena, ss_text(st, 0));
		p->org_id = ss_is_null(st, 1) || ss_is_null(st, 6) ? NULL :
		    arena_strdup(req->arena, ss_text(st, 1));
		p->scopes = SCOPE(SC_ALL);
		p->platform_admin = ss_int(st, 4) != 0;
		if (p->platform_admin)
			p->scopes |= SCOPE(SC_SYSTEM);
		p->role = ss_is_null(st, 6) ? ROLE_NONE :
		    role_parse(ss_text(st, 6));
		last = ss_int(st, 3);
		ok = 1;
	}
	ss_reset(st);
	/* A store failure says nothing about the cookie: never log the
	 * user out for it. */
	if (rc != STORE_ROW && rc != STORE_DONE)
		return -2;
	if (ok) {
		if (last < now - 60000 && !store_in_txn() &&
		    (st = store_stmt(sql_cookie_touch)) != NULL &&
		    store_begin_write() == STORE_OK) {
			ss_bind_int(st, 1, now);
			ss_bind_text(st, 2, hash);
			if (ss_exec(st) != STORE_OK || store_commit() != STORE_OK)
				store_rollback();
		}
		return 1;
	}
	/* §9.2: an invalid cookie is deleted server-side and cleared. */
	if (!store_in_txn() && (st = store_stmt(sql_cookie_delete)) != NULL &&
	    store_begin_write() == STORE_OK) {
		ss_bind_text(st, 1, hash);
		if (ss_exec(st) != STORE_OK || store_commit() != STORE_OK)
			store_rollback();
	}
invalid:
	clear_cookie(resp);
	return -1;
}

/* ---------------------------------------------------------------- CSRF */

static int
header_origin_matches(const char *v, int referer)
{
	char norm[512];
	size_t n;
	const char *p;

	if (v == NULL)
		return 0;
	if (!referer && strcmp(v, "null") == 0)
		return 0;
	n = strlen(v);
	if (referer) {
		/* scheme://host[:port] of the Referer, path dropped. */
		p = strstr(v, "://");
		if (p == NULL)
			return 0;
		p += 3;
		while (*p != '\0' && *p != '/' && *p != '?' && *p != '#')
			p++;
		n = (size_t)(p - v);
	}
	if (origin_normalise(norm, sizeof(norm), v, n) == -1)
		return 0;
	return strcmp(norm, config_public_origin()) == 0;
}

int
auth_origin_ok(struct request *req, int required)
{
	const char *o = http_header(req, "Origin");
	const char *r = http_header(req, "Referer");

	if (o != NULL)
		return header_origin_matches(o, 0);
	if (r != NULL)
		return header_origin_matches(r, 1);
	return !required;
}

static int
unsafe_method(const char *m)
{
	return strcmp(m, "POST") == 0 || strcmp(m, "PUT") == 0 ||
	    strcmp(m, "PATCH") == 0 || strcmp(m, "DELETE") == 0;
}

/* ----------------------------------------------------------- resolution */

/* After a principal exists: CSRF (cookie), F5, F6, scope (F2). */
static int
requirements(struct request *req, struct response *resp,
    const struct auth_policy *pol, struct principal *p)
{
	if (p->kind == CK_COOKIE && unsafe_method(req->method) &&
	    !auth_origin_ok(req, 1)) {
		auth_fail(req, resp, F4, 0, 0);
		return 0;
	}
	if ((pol->flags & AUTH_NEED_SYSTEM) && !auth_has_scope(p, SC_SYSTEM)) {
		auth_fail(req, resp, F5, 0, 0);
		return 0;
	}
	if (p->type == PT_SYSTEM) {
		/* §4.6: system implies nothing else. */
		if (!(pol->flags & (AUTH_ALLOW_SYSTEM_KEY | AUTH_NEED_SYSTEM))) {
			auth_fail(req, resp, F2, 0, pol->f2_scope);
			return 0;
		}
		req->principal = p;
		return 1;
	}
	if ((pol->flags & AUTH_NEED_ORG) && p->kind == CK_COOKIE &&
	    p->org_id == NULL && !(pol->flags & AUTH_NEED_SYSTEM)) {
		auth_fail(req, resp, F6, 0, 0);
		return 0;
	}
	if ((pol->flags & AUTH_ORGWIDE_STAR_KEY) && p->kind == CK_API_KEY &&
	    (p->project_ids != NULL || !(p->scopes & SCOPE(SC_ALL)))) {
		auth_fail(req, resp, F2, 0, SC_ALL);
		return 0;
	}
	/* §5.3 self-refresh: the worker's own runtime JWT needs no scope
	 * (it never holds worker:register, which the other credentials of
	 * refresh-token need). */
	if (pol->any_scope != 0 && !((pol->flags & (AUTH_RUNTIME_GRACE |
	    AUTH_ANY_RUNTIME)) && p->kind == CK_RUNTIME_JWT)) {
		int ok = 0;

		for (int s = 0; s < SC__COUNT && !ok; s++)
			if ((pol->any_scope & SCOPE(s)) &&
			    auth_has_scope(p, (enum scope)s))
				ok = 1;
		if (!ok) {
			auth_fail(req, resp, F2, 0, pol->f2_scope);
			return 0;
		}
	}
	req->principal = p;
	return 1;
}

/* Verifies one Bearer token under the policy's classification (§8, §1.1).
 * 1 with *p built; 0 with the failure rendered; -1 store unavailable
 * (nothing rendered). */
static int
resolve_token(struct request *req, struct response *resp,
    const struct auth_policy *pol, const char *tok, size_t n,
    struct principal *p)
{
	enum auth_fail f = U1;
	int r;

	if (pol->mode == AUTH_SCIM) {
		r = verify_scim_token(req, tok, n, p);
		if (r == 0)
			scim_fail(resp, 1);
		return r;
	}
	/* §8 step 2: the legacy key is tested before any lookup.  It is
	 * accepted only on the worker-protocol routes; elsewhere, the
	 * daemon-credential routes included, it is U1 whatever its shape
	 * (§7, §8). */
	if (is_legacy_key(tok, n)) {
		if (pol->mode != AUTH_WORKER)
			goto reject;
		if ((r = legacy_principal(req, p)) != 1)
			goto verdict;
		http_set_header(resp, "Deprecation", "true");
		return 1;
	}
	if (n >= 9 && memcmp(tok, "rsk_live_", 9) == 0) {
		r = verify_api_key(req, tok, n, p);
		goto verdict;
	}
	if (n >= 9 && memcmp(tok, "rsp_live_", 9) == 0 && pol->mode == AUTH_WORKER) {
		r = verify_registration_token(req, tok, n, p);
		goto verdict;
	}
	if (n >= 5 && memcmp(tok, "stub.", 5) == 0 && pol->mode == AUTH_WORKER) {
		f = U3;
		goto reject;
	}
	if (is_jwt_shaped(tok, n)) {
		int at = jwt_is_at_jwt(tok, n);

		if (at && (pol->mode == AUTH_WORKER ||
		    (pol->mode == AUTH_BEARER_OR_COOKIE &&
		    (pol->flags & AUTH_ALLOW_M2M))))
			r = verify_m2m_jwt(req, tok, n, p, &f);
		else if (!at && (pol->mode == AUTH_WORKER ||
		    pol->mode == AUTH_DAEMON_CREDS ||
		    (pol->flags & AUTH_ALLOW_RUNTIME)))
			r = verify_runtime_jwt(req, tok, n,
			    (pol->flags & AUTH_RUNTIME_GRACE) ? cfg.worker_ttl : 0,
			    p, &f);
		else {
			/* §1.1: a JWT of a kind the route does not take. */
			f = U5;
			r = 0;
		}
		goto verdict;
	}
	goto reject;
verdict:
	if (r != 0)
		return r;
reject:
	auth_fail(req, resp, f, 1, 0);
	return 0;
}

int
auth_resolve_token(struct request *req, struct response *resp,
    const struct auth_policy *pol, const char *tok, size_t n)
{
	struct principal *p = arena_alloc(req->arena, sizeof(*p));
	int r = resolve_token(req, resp, pol, tok, n, p);

	if (r == -1) {
		store_unavailable(pol, resp);
		return 0;
	}
	if (r == 0)
		return 0;
	return requirements(req, resp, pol, p);
}

int
auth_resolve(struct request *req, struct response *resp,
    const struct auth_policy *pol)
{
	struct principal *p = arena_alloc(req->arena, sizeof(*p));
	const char *tok = NULL;
	size_t n = 0;
	int b, c;

	if (pol->mode != AUTH_COOKIE_ONLY) {
		b = auth_bearer(req, &tok, &n);
		if (b == 1)
			return auth_resolve_token(req, resp, pol, tok, n);
		if (b == -1) {
			/* Present but malformed: U1 (§1.1), never the cookie. */
			if (pol->mode == AUTH_SCIM)
				scim_fail(resp, bearer_presented(req));
			else
				auth_fail(req, resp, U1, bearer_presented(req), 0);
			return 0;
		}
		/* No Authorization header. */
		if (pol->mode == AUTH_SCIM) {
			scim_fail(resp, 0);
			return 0;
		}
		if (pol->mode == AUTH_DAEMON_CREDS ||
		    (pol->flags & AUTH_NO_COOKIE) ||
		    (pol->mode == AUTH_WORKER && !(pol->flags & AUTH_ONBOARDING))) {
			auth_fail(req, resp, U1, 0, 0);
			return 0;
		}
	}
	c = verify_cookie(req, resp, p);
	if (c == 1)
		return requirements(req, resp, pol, p);
	if (c == -2) {
		store_unavailable(pol, resp);
		return 0;
	}
	if (pol->mode == AUTH_COOKIE_ONLY)
		auth_fail(req, resp, U7, 0, 0);
	else if (pol->mode == AUTH_WORKER)
		auth_fail(req, resp, U1, 0, 0);
	else
		auth_fail(req, resp, U6, 0, 0);
	return 0;
}

/* ------------------------------------------------------ session hash */

int
auth_session_hash_supplied(struct request *req, const char **hash,
    size_t *len)
{
	const char *v = http_header(req, "X-Rensei-Session-Hash");

	if (v != NULL) {
		*hash = v;
		*len = strlen(v);
		return 1;
	}
	switch (http_query(req, "sessionHash", hash, len)) {
	case HTTP_QUERY_PRESENT:
	case HTTP_QUERY_DUPLICATE:
		if (*hash == NULL)
			*len = 0;
		return 1;
	case HTTP_QUERY_MALFORMED:
		*hash = NULL;
		*len = 0;
		return 1;
	default:
		return 0;
	}
}

int
auth_resolve_session_hash(struct request *req, struct response *resp,
    const char *hash, size_t len, const char *tracker_id, const char *org_id,
    const char *public_id)
{
	char want[SESSION_HASH_LEN + 1];
	struct principal *p;

	if (hash == NULL || len != SESSION_HASH_LEN ||
	    !is_lower_hex(hash, SESSION_HASH_LEN) || tracker_id == NULL ||
	    org_id == NULL || session_hash(want, tracker_id) == -1 ||
	    !ct_equal(want, hash, SESSION_HASH_LEN)) {
		auth_fail(req, resp, U8, 0, 0);
		return 0;
	}
	p = arena_alloc(req->arena, sizeof(*p));
	p->type = PT_SESSION_HASH;
	p->kind = CK_SESSION_HASH;
	p->org_id = arena_strdup(req->arena, org_id);
	p->session_id = arena_strdup(req->arena, tracker_id);
	p->key_id = public_id != NULL ? arena_strdup(req->arena, public_id) :
	    NULL;
	req->principal = p;
	return 1;
}

const char *
auth_principal_label(const struct request *req)
{
	const struct principal *p = req->principal;

	if (p == NULL)
		return NULL;
	switch (p->kind) {
	case CK_COOKIE:
		return p->user_id;
	case CK_M2M_JWT:
		return p->client_id;
	case CK_RUNTIME_JWT:
		return p->worker_id;
	case CK_LEGACY_KEY:
		return "legacy";
	default:
		return p->key_id;
	}
}
