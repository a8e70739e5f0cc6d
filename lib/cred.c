/* cred.c -- minted secrets and the sealed credential store (see cred.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <sodium.h>

#include "audit.h"
#include "auth.h"
#include "clock.h"
#include "cred.h"
#include "crypto.h"
#include "extern.h"
#include "log.h"
#include "secrets.h"
#include "store.h"

static struct json_object *
jlist(const char **v, int n)
{
	struct json_object *arr;

	if (v == NULL)
		return NULL;
	arr = json_object_new_array();
	for (int i = 0; i < n; i++)
		json_object_array_add(arr, json_object_new_string(v[i]));
	return arr;
}

/* Compact JSON text of a string list (for scopes / project_ids columns). */
static char *
list_json(struct arena *a, const char **v, int n)
{
	struct buf b;
	struct jw w;
	char *out;

	buf_init(&b);
	jw_init(&w, &b);
	jw_arr_open(&w);
	for (int i = 0; i < n; i++)
		jw_str(&w, v[i]);
	jw_arr_close(&w);
	out = arena_strdup(a, b.data);
	buf_free(&b);
	return out;
}

/* prefix + 64 lowercase hex of 32 random bytes, and its SHA-256 hex. */
static void
new_secret(struct arena *a, const char *prefix, struct minted *m, char *hash)
{
	size_t pl = strlen(prefix);

	m->secret = arena_alloc(a, pl + 65);
	memcpy(m->secret, prefix, pl);
	random_hex(m->secret + pl, 32);
	sha256_hex(hash, m->secret, pl + 64);
}

/* ----------------------------------------------------------- API keys */

static const char sql_key_insert[] =
    "INSERT INTO api_keys (id, org_id, name, key_type, key_hash, key_prefix,"
    " scopes, project_ids, created_by, created_at, expires_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";

enum dom_rc
key_mint_validate(struct arena *a, const struct key_mint *m,
    struct dom_err *err)
{
	err->message = NULL;
	if (dom_check_name(a, m->name, 100, err) != DOM_OK)
		return DOM_INVALID;
	if (m->key_type == NULL || (strcmp(m->key_type, "user") != 0 &&
	    strcmp(m->key_type, "worker_registration") != 0)) {
		err->message = "keyType must be one of: user, worker_registration";
		return DOM_INVALID;
	}
	if (m->nscopes == 0) {
		err->message = "scopes must be a non-empty array";
		return DOM_INVALID;
	}
	if (m->project_ids != NULL && (m->nprojects < 1 || m->nprojects > 100)) {
		err->message = "projects must be \"all\" or a list of 1-100 project ids";
		return DOM_INVALID;
	}
	for (int i = 0; i < m->nscopes; i++)
		if (scope_parse(m->scopes[i], strlen(m->scopes[i])) < 0) {
			err->message = arena_printf(a, "Unknown scope: %s", m->scopes[i]);
			return DOM_INVALID;
		}
	/* 01-auth.md §4.6: a system key holds exactly ["system"]. */
	if (m->org_id == NULL && (m->nscopes != 1 ||
	    strcmp(m->scopes[0], "system") != 0 || m->project_ids != NULL ||
	    strcmp(m->key_type, "user") != 0)) {
		err->message = "A system key holds exactly the scope 'system'";
		return DOM_INVALID;
	}
	/* 04-console.md §3.3 "Rules, in order": each rule is checked over
	 * every scope before the next rule. */
	for (int i = 0; m->org_id != NULL && i < m->nscopes; i++)
		if (strcmp(m->scopes[i], "system") == 0) {
			err->message = "Scope 'system' cannot be minted";
			return DOM_INVALID;
		}
	for (int i = 0; m->project_ids != NULL && i < m->nscopes; i++)
		if (strcmp(m->scopes[i], "*") == 0 ||
		    strcmp(m->scopes[i], "org_keys:write") == 0) {
			err->message = arena_printf(a, "Scope '%s' requires "
			    "projects \"all\"", m->scopes[i]);
			return DOM_INVALID;
		}
	for (int i = 0; strcmp(m->key_type, "worker_registration") == 0 &&
	    i < m->nscopes; i++)
		if (strncmp(m->scopes[i], "worker:", 7) != 0) {
			err->message = "worker_registration keys may hold only "
			    "worker:* scopes";
			return DOM_INVALID;
		}
	return DOM_OK;
}

enum dom_rc
key_mint(struct arena *a, const struct actor *who, const struct key_mint *m,
    struct minted *out, struct dom_err *err)
{
	char hash[SHA256_HEX_LEN + 1];
	struct sstmt *st;
	struct json_object *pl;
	enum dom_rc rc;

	if ((rc = key_mint_validate(a, m, err)) != DOM_OK)
		return rc;
	memset(out, 0, sizeof(*out));
	out->id = dom_new_id(a, "key_");
	new_secret(a, "rsk_live_", out, hash);
	out->prefix = arena_strndup(a, out->secret, 13);
	out->created_at = clock_now_ms();
	out->expires_at = m->expires_at;
	if ((st = store_stmt(sql_key_insert)) == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, out->id);
	ss_bind_text(st, 2, m->org_id);
	ss_bind_text(st, 3, m->name);
	ss_bind_text(st, 4, m->key_type);
	ss_bind_text(st, 5, hash);
	ss_bind_text(st, 6, out->prefix);
	ss_bind_text(st, 7, list_json(a, m->scopes, m->nscopes));
	ss_bind_text(st, 8, m->project_ids ?
	    list_json(a, m->project_ids, m->nprojects) : NULL);
	ss_bind_text(st, 9, m->created_by);
	ss_bind_int(st, 10, out->created_at);
	if (m->expires_at)
		ss_bind_int(st, 11, m->expires_at);
	if (ss_exec(st) != STORE_OK)
		return DOM_STORE;
	/* A system key belongs to no workspace, so no chain records it
	 * (09-audit.md §4.1: CLI actions outside any workspace). */
	if (m->org_id == NULL)
		return DOM_OK;
	pl = json_object_new_object();
	json_object_object_add(pl, "keyId", dom_jstr(out->id));
	json_object_object_add(pl, "keyPrefix", dom_jstr(out->prefix));
	json_object_object_add(pl, "keyType", dom_jstr(m->key_type));
	json_object_object_add(pl, "scopes", jlist(m->scopes, m->nscopes));
	json_object_object_add(pl, "projectIds", jlist(m->project_ids, m->nprojects));
	json_object_object_add(pl, "expiresAt", dom_jtime(m->expires_at));
	json_object_object_add(pl, "deprecatedRoute",
	    json_object_new_boolean(m->deprecated_route));
	if (dom_event(a, who, m->org_id, "api_key.minted", "api_key", out->id,
	    pl, NULL, NULL) == -1)
		return DOM_STORE;
	return DOM_OK;
}

static const char sql_key_get[] =
    "SELECT org_id, key_prefix, revoked_at FROM api_keys WHERE id = ?1";
static const char sql_key_revoke[] =
    "UPDATE api_keys SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL";

enum dom_rc
key_revoke(struct arena *a, const struct actor *who, const char *org_id,
    const char *key_id, struct dom_err *err)
{
	struct sstmt *st = store_stmt(sql_key_get);
	const char *korg = NULL, *prefix = NULL;
	struct json_object *pl;
	int rc, revoked = 0;

	err->message = "API key not found";
	if (st == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, key_id);
	rc = ss_step(st);
	if (rc == STORE_ROW) {
		korg = ss_is_null(st, 0) ? NULL : arena_strdup(a, ss_text(st, 0));
		prefix = arena_strdup(a, ss_text(st, 1));
		revoked = !ss_is_null(st, 2);
	}
	ss_reset(st);
	if (rc != STORE_ROW)
		return rc == STORE_DONE ? DOM_NOT_FOUND : DOM_STORE;
	if (org_id != NULL && (korg == NULL || strcmp(org_id, korg) != 0))
		return DOM_NOT_FOUND;
	err->message = NULL;
	if (revoked)
		return DOM_OK;          /* repeating is a no-op, no second event */
	if ((st = store_stmt(sql_key_revoke)) == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, key_id);
	ss_bind_int(st, 2, clock_now_ms());
	if (ss_exec(st) != STORE_OK)
		return DOM_STORE;
	if (korg == NULL)
		return DOM_OK;
	pl = json_object_new_object();
	json_object_object_add(pl, "keyId", dom_jstr(key_id));
	json_object_object_add(pl, "keyPrefix", dom_jstr(prefix));
	if (dom_event(a, who, korg, "api_key.revoked", "api_key", key_id, pl, NULL, NULL) == -1)
		return DOM_STORE;
	return DOM_OK;
}

static const char sql_key_list[] =
    "SELECT id, org_id, name, key_type, key_prefix, scopes, project_ids,"
    " created_by, created_at, expires_at, revoked_at, last_used_at"
    " FROM api_keys WHERE org_id = ?1 AND (?2 OR revoked_at IS NULL)"
    " ORDER BY created_at, id";

enum dom_rc
key_list(struct arena *a, const char *org_id, int include_revoked,
    int (*fn)(const struct key_info *, void *), void *arg)
{
	struct sstmt *st = store_stmt(sql_key_list);
	struct key_info k;
	int rc;

	if (st == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, org_id);
	ss_bind_int(st, 2, include_revoked);
	while ((rc = ss_step(st)) == STORE_ROW) {
		k.id = dom_col_text(a, st, 0);
		k.org_id = dom_col_text(a, st, 1);
		k.name = dom_col_text(a, st, 2);
		k.key_type = dom_col_text(a, st, 3);
		k.prefix = dom_col_text(a, st, 4);
		k.scopes_json = dom_col_text(a, st, 5);
		k.project_ids_json = dom_col_text(a, st, 6);
		k.created_by = dom_col_text(a, st, 7);
		k.created_at = ss_int(st, 8);
		k.expires_at = dom_col_int(st, 9);
		k.revoked_at = dom_col_int(st, 10);
		k.last_used_at = dom_col_int(st, 11);
		if (fn(&k, arg) != 0)
			break;
	}
	ss_reset(st);
	return rc == STORE_ERROR || rc == STORE_BUSY ? DOM_STORE : DOM_OK;
}

/* ------------------------------------------------- registration tokens */

/* 04-console.md §4.2: the fixed scopes of every registration token. */
static const char *const regtoken_scopes[] = {
	"worker:register", "worker:poll", "worker:heartbeat", "worker:session"
};

static const char sql_rtk_insert[] =
    "INSERT INTO registration_tokens (id, org_id, project_id, name,"
    " token_hash, token_prefix, created_by, created_at, expires_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";

enum dom_rc
regtoken_mint(struct arena *a, const struct actor *who, const char *org_id,
    const char *project_id, const char *name, const char *created_by,
    int64_t ttl_s, struct minted *out, struct dom_err *err)
{
	char hash[SHA256_HEX_LEN + 1];
	struct sstmt *st;
	struct json_object *pl;

	err->message = NULL;
	if (dom_check_name(a, name, 100, err) != DOM_OK)
		return DOM_INVALID;
	if (ttl_s < 300 || ttl_s > 31536000) {
		err->message = "expiresIn must be an integer between 300 and 31536000";
		return DOM_INVALID;
	}
	memset(out, 0, sizeof(*out));
	out->id = dom_new_id(a, "rtk_");
	new_secret(a, "rsp_live_", out, hash);
	out->prefix = arena_strndup(a, out->secret, 13);
	out->created_at = clock_now_ms();
	out->expires_at = out->created_at + ttl_s * 1000;
	if ((st = store_stmt(sql_rtk_insert)) == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, out->id);
	ss_bind_text(st, 2, org_id);
	ss_bind_text(st, 3, project_id);
	ss_bind_text(st, 4, name);
	ss_bind_text(st, 5, hash);
	ss_bind_text(st, 6, out->prefix);
	ss_bind_text(st, 7, created_by);
	ss_bind_int(st, 8, out->created_at);
	ss_bind_int(st, 9, out->expires_at);
	if (ss_exec(st) != STORE_OK)
		return DOM_STORE;
	pl = json_object_new_object();
	json_object_object_add(pl, "tokenId", dom_jstr(out->id));
	json_object_object_add(pl, "projectId", dom_jstr(project_id));
	json_object_object_add(pl, "tokenPrefix", dom_jstr(out->prefix));
	json_object_object_add(pl, "expiresAt", dom_jtime(out->expires_at));
	if (dom_event(a, who, org_id, "runtime_token.minted", "runtime_token",
	    out->id, pl, NULL, NULL) == -1)
		return DOM_STORE;
	return DOM_OK;
}

static const char sql_rtk_get[] =
    "SELECT token_prefix, expires_at, revoked_at"
    " FROM registration_tokens WHERE id = ?1 AND org_id = ?2"
    " AND project_id IS ?3";
static const char sql_rtk_revoke[] =
    "UPDATE registration_tokens SET revoked_at = ?2 WHERE id = ?1"
    " AND revoked_at IS NULL";
static const char sql_rtk_list[] =
    "SELECT id, org_id, project_id, name, token_prefix, created_by,"
    " created_at, expires_at, last_used_at, revoked_at"
    " FROM registration_tokens WHERE org_id = ?1 AND project_id IS ?2"
    " AND (?3 OR revoked_at IS NULL) ORDER BY created_at, id";

enum dom_rc
regtoken_revoke(struct arena *a, const struct actor *who, const char *org_id,
    const char *project_id, const char *token_id, struct dom_err *err)
{
	struct sstmt *st = store_stmt(sql_rtk_get);
	struct json_object *pl;
	const char *prefix = NULL;
	int64_t expires_at = 0;
	int rc, revoked = 0;

	err->message = "Registration token not found";
	if (st == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, token_id);
	ss_bind_text(st, 2, org_id);
	ss_bind_text(st, 3, project_id);
	rc = ss_step(st);
	if (rc == STORE_ROW) {
		prefix = arena_strdup(a, ss_text(st, 0));
		expires_at = ss_int(st, 1);
		revoked = !ss_is_null(st, 2);
	}
	ss_reset(st);
	if (rc != STORE_ROW)
		return rc == STORE_DONE ? DOM_NOT_FOUND : DOM_STORE;
	err->message = NULL;
	if (revoked)
		return DOM_OK;          /* repeating is a no-op, no second event */
	if ((st = store_stmt(sql_rtk_revoke)) == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, token_id);
	ss_bind_int(st, 2, clock_now_ms());
	if (ss_exec(st) != STORE_OK)
		return DOM_STORE;
	pl = json_object_new_object();
	json_object_object_add(pl, "tokenId", dom_jstr(token_id));
	json_object_object_add(pl, "projectId", dom_jstr(project_id));
	json_object_object_add(pl, "tokenPrefix", dom_jstr(prefix));
	json_object_object_add(pl, "expiresAt", dom_jtime(expires_at));
	if (dom_event(a, who, org_id, "runtime_token.revoked", "runtime_token",
	    token_id, pl, NULL, NULL) == -1)
		return DOM_STORE;
	return DOM_OK;
}

enum dom_rc
regtoken_list(struct arena *a, const char *org_id, const char *project_id,
    int include_revoked, int (*fn)(const struct regtoken_info *, void *),
    void *arg)
{
	struct sstmt *st = store_stmt(sql_rtk_list);
	struct regtoken_info t;
	int rc;

	if (st == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, org_id);
	ss_bind_text(st, 2, project_id);
	ss_bind_int(st, 3, include_revoked);
	while ((rc = ss_step(st)) == STORE_ROW) {
		t.id = dom_col_text(a, st, 0);
		t.org_id = dom_col_text(a, st, 1);
		t.project_id = dom_col_text(a, st, 2);
		t.name = dom_col_text(a, st, 3);
		t.prefix = dom_col_text(a, st, 4);
		t.created_by = dom_col_text(a, st, 5);
		t.created_at = ss_int(st, 6);
		t.expires_at = ss_int(st, 7);
		t.last_used_at = dom_col_int(st, 8);
		t.revoked_at = dom_col_int(st, 9);
		if (fn(&t, arg) != 0)
			break;
	}
	ss_reset(st);
	return rc == STORE_ERROR || rc == STORE_BUSY ? DOM_STORE : DOM_OK;
}

void
regtoken_render(struct jw *w, const struct regtoken_info *t)
{
	jw_obj_open(w);
	jw_kstr(w, "id", t->id);
	jw_kstr(w, "projectId", t->project_id);
	jw_kstr(w, "name", t->name);
	jw_kstr(w, "tokenPrefix", t->prefix);
	jw_key(w, "scopes");
	jw_arr_open(w);
	for (int i = 0; i < 4; i++)
		jw_str(w, regtoken_scopes[i]);
	jw_arr_close(w);
	jw_kstr(w, "createdBy", t->created_by);
	dom_kput_time(w, "createdAt", t->created_at);
	dom_kput_time(w, "expiresAt", t->expires_at);
	dom_kput_time(w, "lastUsedAt", t->last_used_at);
	dom_kput_time(w, "revokedAt", t->revoked_at);
	jw_obj_close(w);
}

/* --------------------------------------------------------- M2M clients */

static const char sql_m2m_insert[] =
    "INSERT INTO m2m_clients (id, org_id, name, secret_hash, scopes,"
    " created_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
static const char sql_m2m_get[] =
    "SELECT name, scopes, revoked_at FROM m2m_clients"
    " WHERE id = ?1 AND org_id = ?2";
static const char sql_m2m_revoke[] =
    "UPDATE m2m_clients SET revoked_at = ?2 WHERE id = ?1";
static const char sql_m2m_list[] =
    "SELECT id, org_id, name, scopes, created_at, last_used_at"
    " FROM m2m_clients WHERE org_id = ?1 AND revoked_at IS NULL"
    " ORDER BY created_at, id";

enum dom_rc
m2m_create(struct arena *a, const struct actor *who, const char *org_id,
    const char *name, const char **scopes, int nscopes, const char *created_by,
    struct minted *out, struct dom_err *err)
{
	char hash[SHA256_HEX_LEN + 1], *id;
	struct sstmt *st;
	struct json_object *pl;

	err->message = NULL;
	if (dom_check_name(a, name, 100, err) != DOM_OK)
		return DOM_INVALID;
	if (nscopes == 0) {
		err->message = "scopes must be a non-empty array";
		return DOM_INVALID;
	}
	for (int i = 0; i < nscopes; i++) {
		int s = scope_parse(scopes[i], strlen(scopes[i]));

		if (s < 0 || !(SCOPES_M2M_ALLOWED & SCOPE(s))) {
			err->message = arena_printf(a, "Unknown scope: %s", scopes[i]);
			return DOM_INVALID;
		}
	}
	memset(out, 0, sizeof(*out));
	id = arena_alloc(a, 4 + 33);
	memcpy(id, "m2m_", 4);
	random_hex(id + 4, 16);
	out->id = id;
	new_secret(a, "m2ms_", out, hash);
	out->prefix = arena_strndup(a, out->secret, 9);
	out->created_at = clock_now_ms();
	if ((st = store_stmt(sql_m2m_insert)) == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, out->id);
	ss_bind_text(st, 2, org_id);
	ss_bind_text(st, 3, name);
	ss_bind_text(st, 4, hash);
	ss_bind_text(st, 5, list_json(a, scopes, nscopes));
	ss_bind_text(st, 6, created_by);
	ss_bind_int(st, 7, out->created_at);
	if (ss_exec(st) != STORE_OK)
		return DOM_STORE;
	pl = json_object_new_object();
	json_object_object_add(pl, "clientId", dom_jstr(out->id));
	json_object_object_add(pl, "name", dom_jstr(name));
	json_object_object_add(pl, "scopes", jlist(scopes, nscopes));
	if (dom_event(a, who, org_id, "m2m_client.created", "m2m_client", out->id,
	    pl, NULL, NULL) == -1)
		return DOM_STORE;
	return DOM_OK;
}

enum dom_rc
m2m_delete(struct arena *a, const struct actor *who, const char *org_id,
    const char *client_id, struct dom_err *err)
{
	struct sstmt *st = store_stmt(sql_m2m_get);
	struct json_object *pl, *scopes = NULL;
	const char *name = NULL;
	int rc, revoked = 0;

	err->message = "M2M client not found";
	if (st == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, client_id);
	ss_bind_text(st, 2, org_id);
	rc = ss_step(st);
	if (rc == STORE_ROW) {
		name = arena_strdup(a, ss_text(st, 0));
		if (json_parse_strict(ss_text(st, 1), ss_bytes(st, 1), 4,
		    &scopes) != JSON_OK)
			scopes = NULL;
		revoked = !ss_is_null(st, 2);
	}
	ss_reset(st);
	if (rc != STORE_ROW)
		return rc == STORE_DONE ? DOM_NOT_FOUND : DOM_STORE;
	err->message = NULL;
	if (revoked) {
		json_object_put(scopes);
		return DOM_OK;
	}
	if ((st = store_stmt(sql_m2m_revoke)) == NULL) {
		json_object_put(scopes);
		return DOM_STORE;
	}
	ss_bind_text(st, 1, client_id);
	ss_bind_int(st, 2, clock_now_ms());
	if (ss_exec(st) != STORE_OK) {
		json_object_put(scopes);
		return DOM_STORE;
	}
	pl = json_object_new_object();
	json_object_object_add(pl, "clientId", dom_jstr(client_id));
	json_object_object_add(pl, "name", dom_jstr(name));
	json_object_object_add(pl, "scopes", scopes);
	if (dom_event(a, who, org_id, "m2m_client.deleted", "m2m_client", client_id,
	    pl, NULL, NULL) == -1)
		return DOM_STORE;
	return DOM_OK;
}

enum dom_rc
m2m_list(struct arena *a, const char *org_id,
    int (*fn)(const struct m2m_info *, void *), void *arg)
{
	struct sstmt *st = store_stmt(sql_m2m_list);
	struct m2m_info m;
	int rc;

	if (st == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, org_id);
	while ((rc = ss_step(st)) == STORE_ROW) {
		m.id = dom_col_text(a, st, 0);
		m.org_id = dom_col_text(a, st, 1);
		m.name = dom_col_text(a, st, 2);
		m.scopes_json = dom_col_text(a, st, 3);
		m.created_at = ss_int(st, 4);
		m.last_used_at = dom_col_int(st, 5);
		if (fn(&m, arg) != 0)
			break;
	}
	ss_reset(st);
	return rc == STORE_ERROR || rc == STORE_BUSY ? DOM_STORE : DOM_OK;
}

/* --------------------------------------------------------- SCIM tokens */

static const char sql_scim_insert[] =
    "INSERT INTO scim_tokens (id, org_id, name, token_hash, token_prefix,"
    " created_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";

enum dom_rc
scim_token_create(struct arena *a, const struct actor *who, const char *org_id,
    const char *name, const char *created_by, struct minted *out,
    struct dom_err *err)
{
	char hash[SHA256_HEX_LEN + 1];
	struct sstmt *st;
	struct json_object *pl;

	err->message = NULL;
	if (dom_check_name(a, name, 100, err) != DOM_OK)
		return DOM_INVALID;
	memset(out, 0, sizeof(*out));
	out->id = dom_new_id(a, "sct_");
	new_secret(a, "scim_", out, hash);
	out->prefix = arena_strndup(a, out->secret, 9);
	out->created_at = clock_now_ms();
	if ((st = store_stmt(sql_scim_insert)) == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, out->id);
	ss_bind_text(st, 2, org_id);
	ss_bind_text(st, 3, name);
	ss_bind_text(st, 4, hash);
	ss_bind_text(st, 5, out->prefix);
	ss_bind_text(st, 6, created_by);
	ss_bind_int(st, 7, out->created_at);
	if (ss_exec(st) != STORE_OK)
		return DOM_STORE;
	pl = json_object_new_object();
	json_object_object_add(pl, "tokenId", dom_jstr(out->id));
	json_object_object_add(pl, "tokenPrefix", dom_jstr(out->prefix));
	json_object_object_add(pl, "name", dom_jstr(name));
	if (dom_event(a, who, org_id, "scim_token.created", "scim_token", out->id,
	    pl, NULL, NULL) == -1)
		return DOM_STORE;
	return DOM_OK;
}

static const char sql_scim_get[] =
    "SELECT name, token_prefix, revoked_at FROM scim_tokens"
    " WHERE id = ?1 AND org_id = ?2";
static const char sql_scim_revoke[] =
    "UPDATE scim_tokens SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL";
static const char sql_scim_list[] =
    "SELECT id, org_id, name, token_prefix, created_by, created_at,"
    " last_used_at, revoked_at FROM scim_tokens WHERE org_id = ?1"
    " ORDER BY created_at, id";

enum dom_rc
scim_token_revoke(struct arena *a, const struct actor *who, const char *org_id,
    const char *token_id, struct dom_err *err)
{
	struct sstmt *st = store_stmt(sql_scim_get);
	struct json_object *pl;
	const char *name = NULL, *prefix = NULL;
	int rc, revoked = 0;

	err->message = "SCIM token not found";
	if (st == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, token_id);
	ss_bind_text(st, 2, org_id);
	rc = ss_step(st);
	if (rc == STORE_ROW) {
		name = arena_strdup(a, ss_text(st, 0));
		prefix = arena_strdup(a, ss_text(st, 1));
		revoked = !ss_is_null(st, 2);
	}
	ss_reset(st);
	if (rc != STORE_ROW)
		return rc == STORE_DONE ? DOM_NOT_FOUND : DOM_STORE;
	err->message = NULL;
	if (revoked)
		return DOM_OK;          /* repeating is a no-op, no second event */
	if ((st = store_stmt(sql_scim_revoke)) == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, token_id);
	ss_bind_int(st, 2, clock_now_ms());
	if (ss_exec(st) != STORE_OK)
		return DOM_STORE;
	pl = json_object_new_object();
	json_object_object_add(pl, "tokenId", dom_jstr(token_id));
	json_object_object_add(pl, "tokenPrefix", dom_jstr(prefix));
	json_object_object_add(pl, "name", dom_jstr(name));
	if (dom_event(a, who, org_id, "scim_token.revoked", "scim_token",
	    token_id, pl, NULL, NULL) == -1)
		return DOM_STORE;
	return DOM_OK;
}

enum dom_rc
scim_token_list(struct arena *a, const char *org_id,
    int (*fn)(const struct scim_token_info *, void *), void *arg)
{
	struct sstmt *st = store_stmt(sql_scim_list);
	struct scim_token_info t;
	int rc;

	if (st == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, org_id);
	while ((rc = ss_step(st)) == STORE_ROW) {
		t.id = dom_col_text(a, st, 0);
		t.org_id = dom_col_text(a, st, 1);
		t.name = dom_col_text(a, st, 2);
		t.prefix = dom_col_text(a, st, 3);
		t.created_by = dom_col_text(a, st, 4);
		t.created_at = ss_int(st, 5);
		t.last_used_at = dom_col_int(st, 6);
		t.revoked_at = dom_col_int(st, 7);
		if (fn(&t, arg) != 0)
			break;
	}
	ss_reset(st);
	return rc == STORE_ERROR || rc == STORE_BUSY ? DOM_STORE : DOM_OK;
}

void
scim_token_render(struct jw *w, const struct scim_token_info *t)
{
	jw_obj_open(w);
	jw_kstr(w, "id", t->id);
	jw_kstr(w, "orgId", t->org_id);
	jw_kstr(w, "name", t->name);
	jw_kstr(w, "tokenPrefix", t->prefix);
	jw_kstr(w, "createdBy", t->created_by);
	dom_kput_time(w, "createdAt", t->created_at);
	dom_kput_time(w, "lastUsedAt", t->last_used_at);
	dom_kput_time(w, "revokedAt", t->revoked_at);
	jw_obj_close(w);
}

/* ------------------------------------------------------ credential store */

static const char *const blocklist[] = {
	"RENSEI_DAEMON_JWT", "RENSEI_DAEMON_API_KEY", "RENSEI_DAEMON_TOKEN",
	"RENSEI_RUNTIME_JWT", "RENSEI_ORCHESTRATOR_URL",
	"RENSEI_CREDENTIAL_CAPABILITY", "RENSEI_CREDENTIAL_SOCKET",
	"RENSEI_CREDENTIAL_SESSION_ID", "DONMAI_DAEMON_JWT",
	"DONMAI_DAEMON_API_KEY", "DONMAI_DAEMON_TOKEN", "DONMAI_RUNTIME_JWT",
	"DONMAI_ORCHESTRATOR_URL", "DONMAI_CREDENTIAL_CAPABILITY",
	"WORKER_API_KEY", "M2M_JWT_SECRET", "M2M_ED25519_SEED",
	"AUDIT_SIGNING_KEY_PRIVATE", "AUDIT_SIGNING_KEY_PUBLIC",
	"AUDIT_SIGNING_MASTER_KEY", "WORKOS_API_KEY", "WORKOS_COOKIE_PASSWORD",
	"CODE_INTEL_HOST_JWT_SECRET", "RENSEI_RUNTIME_JWT_SECRET",
	"RENSEI_SEAL_KEY", "RENSEI_SESSION_HASH_SECRET", "SESSION_HASH_SALT",
	NULL
};

int
credential_blocked(const char *name)
{
	for (int i = 0; blocklist[i] != NULL; i++)
		if (strcmp(blocklist[i], name) == 0)
			return 1;
	return 0;
}

/* ^[A-Za-z_][A-Za-z0-9_]{0,127}$ */
int
credential_name_valid(const char *n)
{
	size_t len = strlen(n);

	if (len < 1 || len > 128)
		return 0;
	for (size_t i = 0; i < len; i++) {
		char c = n[i];
		int alpha = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';

		if (!alpha && !(i > 0 && c >= '0' && c <= '9'))
			return 0;
	}
	return 1;
}

/* ^[a-z0-9][a-z0-9_-]{0,47}$ */
int
credential_env_valid(const char *e)
{
	size_t len = strlen(e);

	if (len < 1 || len > 48)
		return 0;
	for (size_t i = 0; i < len; i++) {
		char c = e[i];
		int ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');

		if (!ok && !(i > 0 && (c == '_' || c == '-')))
			return 0;
	}
	return 1;
}

/* Equality of two nullable strings. */
static int
str_eq(const char *x, const char *y)
{
	if (x == NULL || y == NULL)
		return x == y;
	return strcmp(x, y) == 0;
}

static const char *
level_of(const char *project_id, const char *env)
{
	if (*project_id == '\0')
		return "org";
	return *env == '\0' ? "project" : "environment";
}

#define CRED_COLS "SELECT id, org_id, project_id, env_name, name, description," \
    " version, created_by, created_at, updated_by, updated_at FROM credentials"
static const char sql_cred_get[] = CRED_COLS
    " WHERE org_id = ?1 AND project_id = ?2 AND env_name = ?3 AND name = ?4";
static const char sql_cred_insert[] =
    "INSERT INTO credentials (id, org_id, project_id, env_name, name,"
    " value_sealed, description, version, created_by, created_at,"
    " updated_by, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 1, ?8, ?9,"
    " ?8, ?9)";
static const char sql_cred_update[] =
    "UPDATE credentials SET value_sealed = ?2, description = ?3,"
    " version = version + 1, updated_by = ?4, updated_at = ?5 WHERE id = ?1";
static const char sql_cred_delete[] = "DELETE FROM credentials WHERE id = ?1";
static const char sql_cred_rotation[] =
    "INSERT INTO credential_rotations (org_id, project_id, env_name, name,"
    " kind, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
static const char sql_cred_list_org[] = CRED_COLS
    " WHERE org_id = ?1 AND project_id = '' ORDER BY created_at, id";
static const char sql_cred_list_project[] = CRED_COLS
    " WHERE org_id = ?1 AND project_id = ?2 ORDER BY created_at, id";
static const char sql_cred_list_env[] = CRED_COLS
    " WHERE org_id = ?1 AND project_id = ?2 AND env_name = ?3"
    " ORDER BY created_at, id";

static void
cred_from_row(struct arena *a, struct sstmt *st, struct credential *c)
{
	c->id = dom_col_text(a, st, 0);
	c->org_id = dom_col_text(a, st, 1);
	c->project_id = dom_col_text(a, st, 2);
	c->env_name = dom_col_text(a, st, 3);
	c->name = dom_col_text(a, st, 4);
	c->description = dom_col_text(a, st, 5);
	c->version = ss_int(st, 6);
	c->created_by = dom_col_text(a, st, 7);
	c->created_at = ss_int(st, 8);
	c->updated_by = dom_col_text(a, st, 9);
	c->updated_at = ss_int(st, 10);
	c->level = level_of(c->project_id, c->env_name);
}

static int
cred_find(struct arena *a, const char *org, const char *proj, const char *env,
    const char *name, struct credential *c)
{
	struct sstmt *st = store_stmt(sql_cred_get);
	int rc;

	if (st == NULL)
		return -1;
	ss_bind_text(st, 1, org);
	ss_bind_text(st, 2, proj);
	ss_bind_text(st, 3, env);
	ss_bind_text(st, 4, name);
	rc = ss_step(st);
	if (rc == STORE_ROW)
		cred_from_row(a, st, c);
	ss_reset(st);
	if (rc == STORE_ROW)
		return 1;
	return rc == STORE_DONE ? 0 : -1;
}

static int
cred_rotation(const char *org, const char *proj, const char *env,
    const char *name, const char *kind, int64_t now)
{
	struct sstmt *st = store_stmt(sql_cred_rotation);

	if (st == NULL)
		return -1;
	ss_bind_text(st, 1, org);
	ss_bind_text(st, 2, proj);
	ss_bind_text(st, 3, env);
	ss_bind_text(st, 4, name);
	ss_bind_text(st, 5, kind);
	ss_bind_int(st, 6, now);
	return ss_exec(st) == STORE_OK ? 0 : -1;
}

static struct json_object *
cred_payload(const struct credential *c)
{
	struct json_object *pl = json_object_new_object();

	json_object_object_add(pl, "credentialId", dom_jstr(c->id));
	json_object_object_add(pl, "level", dom_jstr(c->level));
	json_object_object_add(pl, "projectId",
	    *c->project_id ? dom_jstr(c->project_id) : NULL);
	json_object_object_add(pl, "envName",
	    *c->env_name ? dom_jstr(c->env_name) : NULL);
	json_object_object_add(pl, "name", dom_jstr(c->name));
	json_object_object_add(pl, "version", json_object_new_int64(c->version));
	return pl;
}

enum dom_rc
credential_put(struct arena *a, const struct actor *who, const char *org_id,
    const char *project_id, const char *env_name, const char *name,
    const uint8_t *value, size_t value_len, const char *description,
    int desc_clear, struct credential *out, int *created, struct dom_err *err)
{
	const struct secret *key = secret_get(SECRET_SEAL);
	struct credential cur;
	struct sstmt *st;
	struct json_object *pl, *changed;
	uint8_t *sealed;
	long slen;
	int64_t now = clock_now_ms();
	int found;
	const char *desc = NULL;

	err->message = NULL;
	if (project_id == NULL)
		project_id = "";
	if (env_name == NULL)
		env_name = "";
	if (!credential_name_valid(name)) {
		err->message = "name must match ^[A-Za-z_][A-Za-z0-9_]{0,127}$";
		return DOM_INVALID;
	}
	if (credential_blocked(name)) {
		err->message = arena_printf(a, "%s is reserved for the worker daemon",
		    name);
		return DOM_INVALID;
	}
	if (*env_name != '\0' && !credential_env_valid(env_name)) {
		err->message = "envName must match ^[a-z0-9][a-z0-9_-]{0,47}$";
		return DOM_INVALID;
	}
	if (*env_name != '\0' && *project_id == '\0') {
		/* Environments exist only inside a project (§7.1 levels). */
		err->message = "envName requires a project";
		return DOM_INVALID;
	}
	if (value_len < 1 || value_len > 65536) {
		err->message = "value must be a string of 1-65536 bytes";
		return DOM_INVALID;
	}
	if (description != NULL && strlen(description) > 500) {
		err->message = "description must be a string of at most 500 bytes";
		return DOM_INVALID;
	}
	if (key == NULL || key->len != 32) {
		err->message = "sealing key not loaded";
		return DOM_STORE;
	}
	sealed = arena_alloc(a, value_len + SEAL_OVERHEAD);
	slen = seal(sealed, value_len + SEAL_OVERHEAD, value, value_len, key->key);
	if (slen < 0)
		return DOM_STORE;
	if ((found = cred_find(a, org_id, project_id, env_name, name, &cur)) < 0)
		return DOM_STORE;
	*created = !found;
	if (!found) {
		memset(out, 0, sizeof(*out));
		out->id = dom_new_id(a, "cred_");
		if ((st = store_stmt(sql_cred_insert)) == NULL)
			return DOM_STORE;
		ss_bind_text(st, 1, out->id);
		ss_bind_text(st, 2, org_id);
		ss_bind_text(st, 3, project_id);
		ss_bind_text(st, 4, env_name);
		ss_bind_text(st, 5, name);
		ss_bind_blob(st, 6, sealed, (size_t)slen);
		ss_bind_text(st, 7, desc_clear ? NULL : description);
		ss_bind_text(st, 8, who->id);
		ss_bind_int(st, 9, now);
		if (ss_exec(st) != STORE_OK)
			return DOM_STORE;
		out->org_id = arena_strdup(a, org_id);
		out->project_id = arena_strdup(a, project_id);
		out->env_name = arena_strdup(a, env_name);
		out->name = arena_strdup(a, name);
		out->description = desc_clear || description == NULL ? NULL :
		    arena_strdup(a, description);
		out->version = 1;
		out->created_by = out->updated_by = arena_strdup(a, who->id);
		out->created_at = out->updated_at = now;
		out->level = level_of(project_id, env_name);
	} else {
		desc = desc_clear ? NULL : description ?
		    arena_strdup(a, description) : cur.description;
		if ((st = store_stmt(sql_cred_update)) == NULL)
			return DOM_STORE;
		ss_bind_text(st, 1, cur.id);
		ss_bind_blob(st, 2, sealed, (size_t)slen);
		ss_bind_text(st, 3, desc);
		ss_bind_text(st, 4, who->id);
		ss_bind_int(st, 5, now);
		if (ss_exec(st) != STORE_OK)
			return DOM_STORE;
		*out = cur;
		out->description = desc;
		out->version = cur.version + 1;
		out->updated_by = arena_strdup(a, who->id);
		out->updated_at = now;
	}
	sodium_memzero(sealed, (size_t)slen);
	if (cred_rotation(org_id, project_id, env_name, name, "put", now) == -1)
		return DOM_STORE;
	pl = cred_payload(out);
	if (found) {
		/* Every PUT stores a new value; the description is listed
		 * only when it differs from the one it replaces. */
		changed = json_object_new_array();
		json_object_array_add(changed, json_object_new_string("value"));
		if (!str_eq(desc, cur.description))
			json_object_array_add(changed,
			    json_object_new_string("description"));
		json_object_object_add(pl, "changed", changed);
	}
	if (dom_event(a, who, org_id, found ? "credential.updated" :
	    "credential.created", "credential", out->id, pl, NULL, NULL) == -1)
		return DOM_STORE;
	return DOM_OK;
}

enum dom_rc
credential_delete(struct arena *a, const struct actor *who, const char *org_id,
    const char *project_id, const char *env_name, const char *name,
    struct dom_err *err)
{
	struct credential cur;
	struct sstmt *st;
	int found;

	err->message = "Credential not found";
	if (project_id == NULL)
		project_id = "";
	if (env_name == NULL)
		env_name = "";
	if ((found = cred_find(a, org_id, project_id, env_name, name, &cur)) < 0)
		return DOM_STORE;
	if (!found)
		return DOM_NOT_FOUND;
	err->message = NULL;
	if ((st = store_stmt(sql_cred_delete)) == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, cur.id);
	if (ss_exec(st) != STORE_OK ||
	    cred_rotation(org_id, project_id, env_name, name, "delete",
	    clock_now_ms()) == -1)
		return DOM_STORE;
	if (dom_event(a, who, org_id, "credential.deleted", "credential", cur.id,
	    cred_payload(&cur), NULL, NULL) == -1)
		return DOM_STORE;
	return DOM_OK;
}

enum dom_rc
credential_list(struct arena *a, const char *org_id, const char *project_id,
    const char *env_name, int (*fn)(const struct credential *, void *),
    void *arg)
{
	struct sstmt *st;
	struct credential c;
	int rc;

	if (project_id == NULL)
		st = store_stmt(sql_cred_list_org);
	else if (env_name == NULL)
		st = store_stmt(sql_cred_list_project);
	else
		st = store_stmt(sql_cred_list_env);
	if (st == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, org_id);
	if (project_id != NULL)
		ss_bind_text(st, 2, project_id);
	if (project_id != NULL && env_name != NULL)
		ss_bind_text(st, 3, env_name);
	while ((rc = ss_step(st)) == STORE_ROW) {
		cred_from_row(a, st, &c);
		if (fn(&c, arg) != 0)
			break;
	}
	ss_reset(st);
	return rc == STORE_ERROR || rc == STORE_BUSY ? DOM_STORE : DOM_OK;
}

/* The Credential object of 04-console.md §3.4 (never the value). */
void
credential_render(struct jw *w, const struct credential *c)
{
	char ca[ISO8601_LEN + 1], ua[ISO8601_LEN + 1];

	iso8601_ms(ca, c->created_at);
	iso8601_ms(ua, c->updated_at);
	jw_obj_open(w);
	jw_kstr(w, "id", c->id);
	jw_kstr(w, "level", c->level);
	jw_kstr(w, "orgId", c->org_id);
	jw_kstr(w, "projectId", *c->project_id ? c->project_id : NULL);
	jw_kstr(w, "envName", *c->env_name ? c->env_name : NULL);
	jw_kstr(w, "name", c->name);
	jw_kstr(w, "description", c->description);
	jw_kint(w, "version", c->version);
	jw_kstr(w, "createdBy", c->created_by);
	jw_kstr(w, "createdAt", ca);
	jw_kstr(w, "updatedBy", c->updated_by);
	jw_kstr(w, "updatedAt", ua);
	jw_obj_close(w);
}

/* ------------------------------------------ resolution (02 §7.1, §7.3) */

/* Rows of the three levels that reach (org, project, env), each name's
 * most specific row first: org rows have project '' and env '', project
 * rows env ''.  BINARY collation orders names by their bytes. */
#define RESOLVE_SQL "SELECT name, id, version, project_id, env_name," \
    " length(value_sealed) FROM credentials WHERE org_id = ?1" \
    " AND ((project_id = '' AND env_name = '')" \
    " OR (project_id = ?2 AND env_name IN ('', ?3)))"
#define RESOLVE_ORDER " ORDER BY name, (project_id <> '') + (env_name <> '') DESC"
static const char sql_cred_resolve[] = RESOLVE_SQL RESOLVE_ORDER;
static const char sql_cred_resolve_name[] = RESOLVE_SQL " AND name = ?4"
    RESOLVE_ORDER " LIMIT 1";
static const char sql_cred_sealed[] =
    "SELECT value_sealed FROM credentials WHERE id = ?1";
static const char sql_cred_org_has_name[] =
    "SELECT 1 FROM credentials WHERE org_id = ?1 AND name = ?2 LIMIT 1";
static const char sql_streams_live[] =
    "SELECT project_id, env_name FROM credential_streams"
    " WHERE org_id = ?1 AND last_seen_at >= ?2";
static const char sql_stream_insert[] =
    "INSERT INTO credential_streams (id, org_id, session_id, project_id,"
    " env_name, opened_at, last_seen_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)";
static const char sql_stream_touch[] =
    "UPDATE credential_streams SET last_seen_at = ?2 WHERE id = ?1";
static const char sql_stream_delete[] =
    "DELETE FROM credential_streams WHERE id = ?1";
static const char sql_rotations_bounds[] =
    "SELECT min(seq), max(seq) FROM credential_rotations";
static const char sql_rotations_after[] =
    "SELECT seq, project_id, env_name, name, kind, at"
    " FROM credential_rotations WHERE org_id = ?1 AND seq > ?2 AND seq <= ?3"
    " AND (project_id = '' OR (project_id = ?4 AND env_name IN ('', ?5)))"
    " ORDER BY seq LIMIT ?6";
static const char sql_key_live[] =
    "SELECT k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > ?2)"
    " AND (k.org_id IS NULL OR EXISTS (SELECT 1 FROM orgs o"
    "  WHERE o.id = k.org_id))"
    " AND (k.key_type <> 'user' OR k.created_by IS NULL"
    "  OR EXISTS (SELECT 1 FROM memberships m WHERE m.org_id = k.org_id"
    "  AND m.user_id = k.created_by))"
    " FROM api_keys k WHERE k.id = ?1";

static void
ref_from_row(struct arena *a, struct sstmt *st, struct cred_ref *r)
{
	r->name = arena_strdup(a, ss_text(st, 0));
	r->id = arena_strdup(a, ss_text(st, 1));
	r->version = ss_int(st, 2);
	r->level = level_of(ss_text(st, 3), ss_text(st, 4));
	r->sealed_len = (size_t)ss_int(st, 5);
}

static void
bind_scope(struct sstmt *st, const char *org_id, const char *project_id,
    const char *env_name)
{
	ss_bind_text(st, 1, org_id);
	ss_bind_text(st, 2, project_id != NULL ? project_id : "");
	ss_bind_text(st, 3, env_name != NULL ? env_name : "");
}

enum dom_rc
credential_resolve(struct arena *a, const char *org_id,
    const char *project_id, const char *env_name, struct cred_ref **refs,
    size_t *n)
{
	struct sstmt *st = store_stmt(sql_cred_resolve);
	struct cred_ref *v = NULL, *nv;
	size_t cap = 0;
	int rc;

	*refs = NULL;
	*n = 0;
	if (st == NULL)
		return DOM_STORE;
	bind_scope(st, org_id, project_id, env_name);
	while ((rc = ss_step(st)) == STORE_ROW) {
		const char *name = ss_text(st, 0);

		/* The first row of a name is its most specific one. */
		if ((*n > 0 && strcmp(v[*n - 1].name, name) == 0) ||
		    credential_blocked(name))
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			nv = arena_alloc(a, cap * sizeof(*nv));
			if (*n > 0)
				memcpy(nv, v, *n * sizeof(*nv));
			v = nv;
		}
		ref_from_row(a, st, &v[(*n)++]);
	}
	ss_reset(st);
	if (rc != STORE_DONE) {
		*n = 0;
		return DOM_STORE;
	}
	*refs = *n > 0 ? v : NULL;
	return DOM_OK;
}

enum dom_rc
credential_resolve_name(struct arena *a, const char *org_id,
    const char *project_id, const char *env_name, const char *name,
    struct cred_ref *out, int *found)
{
	struct sstmt *st;
	int rc;

	*found = 0;
	memset(out, 0, sizeof(*out));
	if (credential_blocked(name))
		return DOM_OK;
	if ((st = store_stmt(sql_cred_resolve_name)) == NULL)
		return DOM_STORE;
	bind_scope(st, org_id, project_id, env_name);
	ss_bind_text(st, 4, name);
	rc = ss_step(st);
	if (rc == STORE_ROW) {
		ref_from_row(a, st, out);
		*found = 1;
	}
	ss_reset(st);
	return rc == STORE_ROW || rc == STORE_DONE ? DOM_OK : DOM_STORE;
}

enum dom_rc
credential_value_write(struct jw *w, const char *credential_id)
{
	const struct secret *key = secret_get(SECRET_SEAL);
	struct sstmt *st;
	uint8_t *plain = NULL;
	size_t blen, cap = 0;
	long len = -1;
	int rc;

	if (key == NULL || key->len != SEAL_KEY_LEN)
		return DOM_STORE;
	if ((st = store_stmt(sql_cred_sealed)) == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, credential_id);
	if ((rc = ss_step(st)) == STORE_ROW) {
		blen = ss_bytes(st, 0);
		if (blen > SEAL_OVERHEAD) {
			cap = blen - SEAL_OVERHEAD;
			if ((plain = sodium_malloc(cap)) != NULL)
				len = unseal(plain, cap, ss_blob(st, 0), blen,
				    key->key);
		}
	}
	ss_reset(st);
	if (rc == STORE_DONE)
		return DOM_NOT_FOUND;
	if (rc != STORE_ROW || len < 0) {
		if (rc == STORE_ROW)
			log_error("credential_value_write: %s does not open"
			    " under the sealing key", credential_id);
		if (plain != NULL) {
			sodium_memzero(plain, cap);
			sodium_free(plain);
		}
		return DOM_STORE;
	}
	jw_strn(w, (const char *)plain, (size_t)len);
	sodium_memzero(plain, cap);
	sodium_free(plain);
	return DOM_OK;
}

size_t
credential_env_bound(const struct cred_ref *refs, size_t n)
{
	size_t total = 64;

	/* A JSON escape is at most 6 bytes per input byte ("\u001f"). */
	for (size_t i = 0; i < n; i++)
		total += 6 * refs[i].sealed_len + strlen(refs[i].name) + 8;
	return total;
}

int
credential_revealed(struct arena *a, const struct actor *who,
    const char *org_id, const char *channel, const char *project_id,
    const char *env_name, const char *session_id, const char *const *names,
    size_t n)
{
	struct audit_event_in in;
	struct json_object *pl = json_object_new_object(), *arr;
	char id[AUDIT_EVENT_ID_LEN + 1];
	int rc;

	arr = json_object_new_array();
	for (size_t i = 0; i < n; i++)
		json_object_array_add(arr, json_object_new_string(names[i]));
	json_object_object_add(pl, "channel", json_object_new_string(channel));
	json_object_object_add(pl, "projectId", dom_jstr(project_id));
	json_object_object_add(pl, "envName", dom_jstr(env_name));
	json_object_object_add(pl, "sessionId", dom_jstr(session_id));
	json_object_object_add(pl, "names", arr);
	memset(&in, 0, sizeof(in));
	in.workspace_id = org_id;
	in.event_type = "credential.revealed";
	in.actor_type = who->type;
	in.actor_id = who->id;
	in.entity_type = session_id != NULL ? "session" : "project";
	in.entity_id = session_id != NULL ? session_id : project_id;
	in.session_id = session_id;
	in.payload = pl;
	rc = audit_append(a, &in, id);
	json_object_put(pl);
	return rc;
}

enum dom_rc
credential_rotate(struct arena *a, const struct actor *who,
    const char *org_id, const char *name, int64_t now,
    int64_t *session_count, struct dom_err *err)
{
	struct sstmt *st;
	struct json_object *pl;
	struct cred_ref ref;
	int rc, found;
	int64_t count = 0;
	const char **proj = NULL, **env = NULL;
	size_t n = 0, cap = 0;

	err->message = "Credential not found";
	*session_count = 0;
	if (!credential_name_valid(name) || credential_blocked(name))
		return DOM_NOT_FOUND;
	if ((st = store_stmt(sql_cred_org_has_name)) == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, org_id);
	ss_bind_text(st, 2, name);
	rc = ss_step(st);
	ss_reset(st);
	if (rc == STORE_DONE)
		return DOM_NOT_FOUND;
	if (rc != STORE_ROW)
		return DOM_STORE;
	err->message = NULL;

	/* The live streams first (resolving while the statement is open
	 * would interleave two cursors over the same connection, which
	 * SQLite allows but which is harder to read). */
	if ((st = store_stmt(sql_streams_live)) == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, org_id);
	ss_bind_int(st, 2, now - CRED_STREAM_LIVE_MS);
	while ((rc = ss_step(st)) == STORE_ROW) {
		if (n == cap) {
			const char **np, **ne;

			cap = cap ? cap * 2 : 16;
			np = arena_alloc(a, cap * sizeof(*np));
			ne = arena_alloc(a, cap * sizeof(*ne));
			if (n > 0) {
				memcpy(np, proj, n * sizeof(*np));
				memcpy(ne, env, n * sizeof(*ne));
			}
			proj = np;
			env = ne;
		}
		proj[n] = arena_strdup(a, ss_text(st, 0));
		env[n] = arena_strdup(a, ss_text(st, 1));
		n++;
	}
	ss_reset(st);
	if (rc != STORE_DONE)
		return DOM_STORE;
	for (size_t i = 0; i < n; i++) {
		if (credential_resolve_name(a, org_id, proj[i], env[i], name,
		    &ref, &found) != DOM_OK)
			return DOM_STORE;
		count += found;
	}
	if (cred_rotation(org_id, "", "", name, "rotate", now) == -1)
		return DOM_STORE;
	pl = json_object_new_object();
	json_object_object_add(pl, "name", json_object_new_string(name));
	json_object_object_add(pl, "sessionCount", json_object_new_int64(count));
	/* A rotate addresses a name across levels: the name is the entity. */
	if (dom_event(a, who, org_id, "credential.rotated", "credential", name,
	    pl, NULL, NULL) == -1)
		return DOM_STORE;
	*session_count = count;
	return DOM_OK;
}

int
credential_key_live(const char *key_id, int64_t now)
{
	struct sstmt *st = store_stmt(sql_key_live);
	int rc, live = 0;

	if (st == NULL)
		return -1;
	ss_bind_text(st, 1, key_id);
	ss_bind_int(st, 2, now);
	rc = ss_step(st);
	if (rc == STORE_ROW)
		live = ss_int(st, 0) != 0;
	ss_reset(st);
	if (rc != STORE_ROW && rc != STORE_DONE)
		return -1;
	return live;
}

/* ------------------------------------------------ rotate-stream (§7.4) */

enum dom_rc
credential_stream_open(struct arena *a, const char *org_id,
    const char *session_id, const char *project_id, const char *env_name,
    int64_t now, const char **id)
{
	struct sstmt *st = store_stmt(sql_stream_insert);

	*id = dom_new_id(a, "cst_");
	if (st == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, *id);
	ss_bind_text(st, 2, org_id);
	ss_bind_text(st, 3, session_id);
	ss_bind_text(st, 4, project_id);
	ss_bind_text(st, 5, env_name);
	ss_bind_int(st, 6, now);
	return ss_exec(st) == STORE_OK ? DOM_OK : DOM_STORE;
}

enum dom_rc
credential_stream_touch(const char *id, int64_t now)
{
	struct sstmt *st = store_stmt(sql_stream_touch);

	if (st == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, id);
	ss_bind_int(st, 2, now);
	return ss_exec(st) == STORE_OK ? DOM_OK : DOM_STORE;
}

enum dom_rc
credential_stream_close(const char *id)
{
	struct sstmt *st = store_stmt(sql_stream_delete);

	if (st == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, id);
	return ss_exec(st) == STORE_OK ? DOM_OK : DOM_STORE;
}

static enum dom_rc
rotations_bounds(int64_t *min, int64_t *max)
{
	struct sstmt *st = store_stmt(sql_rotations_bounds);
	int rc;

	*min = *max = 0;
	if (st == NULL)
		return DOM_STORE;
	rc = ss_step(st);
	if (rc == STORE_ROW) {
		*min = dom_col_int(st, 0);
		*max = dom_col_int(st, 1);
	}
	ss_reset(st);
	return rc == STORE_ROW ? DOM_OK : DOM_STORE;
}

enum dom_rc
credential_rotations_max(int64_t *seq)
{
	int64_t min;

	return rotations_bounds(&min, seq);
}

/* A decimal seq of at most 18 digits; -1 otherwise. */
static int64_t
parse_seq(const char *s)
{
	int64_t v = 0;
	size_t i;

	if (s == NULL || *s == '\0' || strlen(s) > 18)
		return -1;
	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

enum dom_rc
credential_watch_init(struct arena *a, struct cred_watch *w,
    const char *org_id, const char *project_id, const char *env_name,
    const char *last_event_id)
{
	int64_t min, max, last;
	enum dom_rc rc;

	memset(w, 0, sizeof(*w));
	w->org_id = org_id;
	w->project_id = project_id;
	w->env_name = env_name;
	if ((rc = credential_resolve(a, org_id, project_id, env_name, &w->sent,
	    &w->nsent)) != DOM_OK)
		return rc;
	w->capsent = w->nsent;
	if ((rc = rotations_bounds(&min, &max)) != DOM_OK)
		return rc;
	w->connect_max = w->cursor = max;
	last = parse_seq(last_event_id);
	/* Resume after last unless rows it did not see were purged (it is
	 * older than the oldest row) or it is not a seq of this table. */
	if (last >= 0 && max > 0 && last + 1 >= min && last <= max)
		w->cursor = last;
	return DOM_OK;
}

static struct cred_ref *
watch_find(struct cred_watch *w, const char *name, size_t *pos)
{
	size_t lo = 0, hi = w->nsent;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(w->sent[mid].name, name);

		if (c == 0) {
			*pos = mid;
			return &w->sent[mid];
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*pos = lo;
	return NULL;
}

static void
watch_set(struct arena *a, struct cred_watch *w, const struct cred_ref *r)
{
	struct cred_ref *cur, *nv;
	size_t pos;

	if ((cur = watch_find(w, r->name, &pos)) != NULL) {
		*cur = *r;
		return;
	}
	if (w->nsent == w->capsent) {
		w->capsent = w->capsent ? w->capsent * 2 : 16;
		nv = arena_alloc(a, w->capsent * sizeof(*nv));
		if (w->nsent > 0)
			memcpy(nv, w->sent, w->nsent * sizeof(*nv));
		w->sent = nv;
	}
	memmove(&w->sent[pos + 1], &w->sent[pos],
	    (w->nsent - pos) * sizeof(*nv));
	w->sent[pos] = *r;
	w->nsent++;
}

static void
watch_drop(struct cred_watch *w, const char *name)
{
	size_t pos;

	if (watch_find(w, name, &pos) == NULL)
		return;
	memmove(&w->sent[pos], &w->sent[pos + 1],
	    (w->nsent - pos - 1) * sizeof(*w->sent));
	w->nsent--;
}

static int
level_rank(const char *level)
{
	if (strcmp(level, "org") == 0)
		return 0;
	return strcmp(level, "project") == 0 ? 1 : 2;
}

struct rot_row {
	int64_t     seq, at;
	const char *level, *name, *kind;
};

static int
rot_row_cmp(const void *x, const void *y)
{
	const struct rot_row *p = x, *q = y;
	int c = strcmp(p->name, q->name);

	if (c != 0)
		return c;
	return p->seq < q->seq ? -1 : p->seq > q->seq;
}

#define WATCH_BATCH 1000

enum dom_rc
credential_watch_poll(struct arena *a, struct cred_watch *w,
    struct cred_ref **delta, size_t *nd, int64_t *seqp, int64_t *atp)
{
	struct sstmt *st;
	struct rot_row *rows = NULL;
	struct cred_ref ref, *prev, *out;
	int64_t min, max, upto;
	size_t n = 0, cap = 0, i, j, pos;
	int rc, found;

	*delta = NULL;
	*nd = 0;
	*seqp = w->cursor;
	*atp = 0;
	if (rotations_bounds(&min, &max) != DOM_OK)
		return DOM_STORE;
	if (max < w->cursor) {
		/* Every row was purged and seqs restarted: what is there now
		 * is new. */
		w->cursor = 0;
		w->connect_max = 0;
	}
	if (max <= w->cursor)
		return DOM_OK;
	if ((st = store_stmt(sql_rotations_after)) == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, w->org_id);
	ss_bind_int(st, 2, w->cursor);
	ss_bind_int(st, 3, max);
	ss_bind_text(st, 4, w->project_id);
	ss_bind_text(st, 5, w->env_name);
	ss_bind_int(st, 6, WATCH_BATCH);
	while ((rc = ss_step(st)) == STORE_ROW) {
		if (n == cap) {
			struct rot_row *nr;

			cap = cap ? cap * 2 : 8;
			nr = arena_alloc(a, cap * sizeof(*nr));
			if (n > 0)
				memcpy(nr, rows, n * sizeof(*nr));
			rows = nr;
		}
		rows[n].seq = ss_int(st, 0);
		rows[n].level = level_of(ss_text(st, 1), ss_text(st, 2));
		rows[n].name = arena_strdup(a, ss_text(st, 3));
		rows[n].kind = arena_strdup(a, ss_text(st, 4));
		rows[n].at = ss_int(st, 5);
		n++;
	}
	ss_reset(st);
	if (rc != STORE_DONE)
		return DOM_STORE;
	/* A full batch stops at its last row; otherwise every row up to
	 * max has been seen. */
	upto = n == WATCH_BATCH ? rows[n - 1].seq : max;

	if (n > 1)
		qsort(rows, n, sizeof(*rows), rot_row_cmp);
	out = n > 0 ? arena_alloc(a, n * sizeof(*out)) : NULL;
	for (i = 0; i < n; i = j) {
		int send = 0, live = 0;
		int64_t at = 0;

		for (j = i; j < n && strcmp(rows[j].name, rows[i].name) == 0; j++)
			;
		if (credential_resolve_name(a, w->org_id, w->project_id,
		    w->env_name, rows[i].name, &ref, &found) != DOM_OK)
			return DOM_STORE;
		if (!found) {
			/* The delta cannot express a removal. */
			watch_drop(w, rows[i].name);
			continue;
		}
		for (size_t k = i; k < j; k++) {
			int rrow = level_rank(rows[k].level);
			int reff = level_rank(ref.level);

			if (strcmp(rows[k].kind, "rotate") == 0)
				send = 1;
			else if (rows[k].seq > w->connect_max)
				live = 1;
			else if (strcmp(rows[k].kind, "put") == 0)
				send |= reff <= rrow;       /* not shadowed */
			else
				send |= reff < rrow;        /* uncovered */
			if (rows[k].at > at)
				at = rows[k].at;
		}
		prev = watch_find(w, ref.name, &pos);
		if (live && (prev == NULL || strcmp(prev->id, ref.id) != 0 ||
		    prev->version != ref.version))
			send = 1;
		watch_set(a, w, &ref);
		if (send) {
			out[(*nd)++] = ref;
			if (at > *atp)
				*atp = at;
		}
	}
	w->cursor = upto;
	*seqp = upto;
	*delta = *nd > 0 ? out : NULL;
	return DOM_OK;
}


/* ------------------------------------------------------ git credentials */

static const char sql_https_repos[] =
    "SELECT url, provider FROM project_repos WHERE org_id = ?1"
    " AND project_id = ?2 AND url LIKE 'https://%'"
    " ORDER BY created_at, id";

enum dom_rc
credential_git_tokens(struct arena *a, const char *org_id,
    const char *project_id, struct git_token **out, size_t *n)
{
	struct sstmt *st = store_stmt(sql_https_repos);
	struct git_token *v = NULL;
	size_t cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (st == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, org_id);
	ss_bind_text(st, 2, project_id);
	while ((rc = ss_step(st)) == STORE_ROW) {
		const char *provider = ss_text(st, 1), *name;
		struct git_token t;
		enum dom_rc drc;
		int found = 0;

		if (strcmp(provider, "github") == 0)
			name = "GITHUB_TOKEN";
		else if (strcmp(provider, "gitlab") == 0)
			name = "GITLAB_TOKEN";
		else if (strcmp(provider, "bitbucket") == 0)
			name = "BITBUCKET_TOKEN";
		else
			name = "GIT_TOKEN";
		t.clone_url = arena_strdup(a, ss_text(st, 0));
		drc = credential_resolve_name(a, org_id, project_id, "production",
		    name, &t.ref, &found);
		if (drc != DOM_OK) {
			ss_reset(st);
			return drc;
		}
		if (!found)
			continue;
		if (*n == cap) {
			struct git_token *nv;

			cap = cap ? cap * 2 : 4;
			nv = arena_alloc(a, cap * sizeof(*nv));
			if (*n > 0)
				memcpy(nv, v, *n * sizeof(*nv));
			v = nv;
		}
		v[(*n)++] = t;
	}
	ss_reset(st);
	if (rc != STORE_DONE)
		return DOM_STORE;
	*out = v;
	return DOM_OK;
}
