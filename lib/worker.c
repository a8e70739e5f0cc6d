/*
 * worker.c -- workers of the worker protocol (see worker.h).
 */
#include "config.h"

#include <string.h>

#include <json-c/json.h>
#include <sodium.h>

#include "buf.h"
#include "clock.h"
#include "crypto.h"
#include "extern.h"
#include "jwt.h"
#include "log.h"
#include "secrets.h"
#include "settings.h"
#include "store.h"
#include "worker.h"

#define WORKER_COLS "id, org_id, auth_project_ids, registered_via, hostname," \
	" capacity, active_count, registered_at, last_heartbeat, status," \
	" version, projects, machine_id, provides, capabilities, region," \
	" reported_status, max_sessions, load"

static const char sql_worker_get[] =
    "SELECT " WORKER_COLS " FROM workers WHERE id = ?1"
    " AND ?2 - last_heartbeat <= ?3";

int
worker_alive(const struct worker *w, int64_t now)
{
	return now - w->last_heartbeat <= cfg.worker_ttl * 1000;
}

int
worker_offline(const struct worker *w, int64_t now)
{
	return now - w->last_heartbeat > cfg.worker_heartbeat_timeout;
}

int
worker_draining(const struct worker *w)
{
	return w->status != NULL && strcmp(w->status, "draining") == 0;
}

int
worker_addressable(const struct principal *p, const struct worker *w)
{
	if (p->org_id == NULL || w->org_id == NULL ||
	    strcmp(p->org_id, w->org_id) != 0)
		return 0;
	if (p->project_ids == NULL)
		return 1;
	if (w->nauth_projects < 0)
		return 0;
	for (int i = 0; i < w->nauth_projects; i++) {
		int found = 0;

		for (int j = 0; j < p->nprojects && !found; j++)
			found = strcmp(w->auth_projects[i], p->project_ids[j]) == 0;
		if (!found)
			return 0;
	}
	return 1;
}

const char *
worker_status_shown(const struct worker *w, int64_t now)
{
	if (worker_offline(w, now))
		return "offline";
	return worker_draining(w) ? "draining" : "active";
}

/* Parses a JSON string array into the arena; -1 for NULL text. */
static int
parse_str_array(struct arena *a, const char *text, const char ***out)
{
	struct json_object *v = NULL;
	size_t n;
	int k = 0;

	*out = NULL;
	if (text == NULL)
		return -1;
	if (json_parse_strict(text, strlen(text), JSON_MAX_DEPTH, &v) != JSON_OK)
		return 0;
	if (!json_object_is_type(v, json_type_array)) {
		json_object_put(v);
		return 0;
	}
	n = json_object_array_length(v);
	*out = arena_alloc(a, (n + 1) * sizeof(char *));
	for (size_t i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(v, i);

		if (json_object_is_type(e, json_type_string))
			(*out)[k++] = arena_strdup(a, json_object_get_string(e));
	}
	json_object_put(v);
	return k;
}

static void
worker_from_row(struct arena *a, struct sstmt *st, struct worker *w)
{
	memset(w, 0, sizeof(*w));
	w->id = dom_col_text(a, st, 0);
	w->org_id = dom_col_text(a, st, 1);
	w->auth_project_ids = dom_col_text(a, st, 2);
	w->registered_via = dom_col_text(a, st, 3);
	w->hostname = dom_col_text(a, st, 4);
	w->capacity = dom_col_int(st, 5);
	w->active_count = dom_col_int(st, 6);
	w->registered_at = dom_col_int(st, 7);
	w->last_heartbeat = dom_col_int(st, 8);
	w->status = dom_col_text(a, st, 9);
	w->version = dom_col_text(a, st, 10);
	w->projects = dom_col_text(a, st, 11);
	w->machine_id = dom_col_text(a, st, 12);
	w->provides = dom_col_text(a, st, 13);
	w->capabilities = dom_col_text(a, st, 14);
	w->region = dom_col_text(a, st, 15);
	w->reported_status = dom_col_text(a, st, 16);
	w->max_sessions = dom_col_int(st, 17);
	w->load = dom_col_text(a, st, 18);
	w->nauth_projects = parse_str_array(a, w->auth_project_ids,
	    &w->auth_projects);
}

enum dom_rc
worker_get(struct arena *a, const char *id, int64_t now, struct worker *out)
{
	struct sstmt *st = store_stmt(sql_worker_get);
	int rc;

	if (st == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, id);
	ss_bind_int(st, 2, now);
	ss_bind_int(st, 3, cfg.worker_ttl * 1000);
	rc = ss_step(st);
	if (rc == STORE_ROW)
		worker_from_row(a, st, out);
	ss_reset(st);
	if (rc == STORE_ROW)
		return DOM_OK;
	return rc == STORE_DONE ? DOM_NOT_FOUND : DOM_STORE;
}


/* ------------------------------------------------------------ reads */

static const char sql_worker_list[] =
    "SELECT " WORKER_COLS " FROM workers WHERE org_id = ?1"
    " AND ?2 - last_heartbeat <= ?3 ORDER BY registered_at, id";
static const char sql_active_sessions[] =
    "SELECT tracker_session_id FROM sessions WHERE worker_id = ?1"
    " AND status IN ('claimed', 'running', 'finalizing')"
    " ORDER BY claimed_at, tracker_session_id";
/* ?2: JSON array of the principal's projects, NULL = all. */
/* queueLength: the maintained per-project counts (work_queue_counts). */
static const char sql_queue_length[] =
    "SELECT coalesce(sum(n), 0) FROM work_queue_counts WHERE org_id = ?1"
    " AND " SQL_IN_JSON_LIST("?2", "project_id");
/* pendingWorkCount (02 §5.1): the queued rows of the worker's org, auth
 * projects (?2, NULL = all) and name filter (?3: project id or slug; NULL
 * or [] = all), from the maintained counts, less the rows it has an
 * unexpired nack on (few: RENSEI_NACK_EXCLUSION per nacked item). */
static const char sql_pending_count[] =
    "SELECT (SELECT coalesce(sum(c.n), 0) FROM work_queue_counts c"
    "  WHERE c.org_id = ?1 AND " SQL_IN_JSON_LIST("?2", "c.project_id")
    "  AND (?3 IS NULL OR ?3 = '[]' OR " SQL_IN_JSON_LIST("?3", "c.project_id")
    "   OR (c.project_name IS NOT NULL AND "
    SQL_IN_JSON_LIST("?3", "c.project_name") ")))"
    " - (SELECT count(*) FROM work_nacks k JOIN work_queue q"
    "  ON q.session_id = k.session_id WHERE k.worker_id = ?4 AND k.until > ?5"
    "  AND q.org_id = ?1 AND " SQL_IN_JSON_LIST("?2", "q.project_id")
    "  AND (?3 IS NULL OR ?3 = '[]' OR " SQL_IN_JSON_LIST("?3", "q.project_id")
    "   OR (q.project_name IS NOT NULL AND "
    SQL_IN_JSON_LIST("?3", "q.project_name") ")))";

enum dom_rc
worker_list(struct arena *a, const struct principal *p, int64_t now,
    int (*fn)(const struct worker *, void *), void *arg)
{
	struct sstmt *st = store_stmt(sql_worker_list);
	struct worker w;
	int rc;

	if (st == NULL)
		return DOM_STORE;
	if (p->org_id == NULL)
		return DOM_OK;
	ss_bind_text(st, 1, p->org_id);
	ss_bind_int(st, 2, now);
	ss_bind_int(st, 3, cfg.worker_ttl * 1000);
	while ((rc = ss_step(st)) == STORE_ROW) {
		worker_from_row(a, st, &w);
		if (!worker_addressable(p, &w))
			continue;
		if (fn(&w, arg) != 0) {
			rc = STORE_DONE;
			break;
		}
	}
	ss_reset(st);
	return rc == STORE_DONE ? DOM_OK : DOM_STORE;
}

enum dom_rc
worker_active_sessions(struct arena *a, const char *worker_id,
    const char ***ids, size_t *n)
{
	struct sstmt *st = store_stmt(sql_active_sessions);
	const char **v = NULL;
	size_t cap = 0;
	int rc;

	*ids = NULL;
	*n = 0;
	if (st == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, worker_id);
	while ((rc = ss_step(st)) == STORE_ROW) {
		if (*n == cap) {
			const char **nv;

			cap = cap ? cap * 2 : 8;
			nv = arena_alloc(a, cap * sizeof(*nv));
			if (*n > 0)
				memcpy(nv, v, *n * sizeof(*nv));
			v = nv;
		}
		v[(*n)++] = dom_col_text(a, st, 0);
	}
	ss_reset(st);
	if (rc != STORE_DONE) {
		*n = 0;
		return DOM_STORE;
	}
	*ids = v;
	return DOM_OK;
}

const char *
worker_json_strs(struct arena *a, const char *const *s, const size_t *lens,
    size_t n)
{
	struct buf b;
	struct jw w;
	char *out;

	buf_init(&b);
	jw_init(&w, &b);
	jw_arr_open(&w);
	for (size_t i = 0; i < n; i++)
		jw_strn(&w, s[i], lens != NULL ? lens[i] : strlen(s[i]));
	jw_arr_close(&w);
	out = arena_strndup(a, b.data, b.len);
	buf_free(&b);
	return out;
}

enum dom_rc
worker_queue_length(const struct principal *p, int64_t *out)
{
	struct sstmt *st = store_stmt(sql_queue_length);
	struct arena a;
	int rc;

	*out = 0;
	if (st == NULL)
		return DOM_STORE;
	if (p->org_id == NULL)
		return DOM_OK;
	arena_init(&a);
	ss_bind_text(st, 1, p->org_id);
	if (p->project_ids != NULL)
		ss_bind_text(st, 2, worker_json_strs(&a, p->project_ids, NULL,
		    (size_t)p->nprojects));
	else
		ss_bind_null(st, 2);
	if ((rc = ss_step(st)) == STORE_ROW)
		*out = ss_int(st, 0);
	ss_reset(st);
	arena_free(&a);
	return rc == STORE_ROW ? DOM_OK : DOM_STORE;
}

enum dom_rc
worker_pending_work_count(const struct worker *w, int64_t now, int64_t *out)
{
	struct sstmt *st = store_stmt(sql_pending_count);
	int rc;

	*out = 0;
	if (st == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, w->org_id);
	ss_bind_text(st, 2, w->auth_project_ids);
	ss_bind_text(st, 3, w->projects);
	ss_bind_text(st, 4, w->id);
	ss_bind_int(st, 5, now);
	if ((rc = ss_step(st)) == STORE_ROW)
		*out = ss_int(st, 0);
	ss_reset(st);
	return rc == STORE_ROW ? DOM_OK : DOM_STORE;
}

/* ------------------------------------------------- credentials, actors */

static int
is_key_type(const struct principal *p, const char *type)
{
	return p->key_type != NULL && strcmp(p->key_type, type) == 0;
}

/* The JWT scope bits a principal's scopes give (01-auth.md §6.1). */
static unsigned
jwt_scope_of(const struct principal *p)
{
	unsigned s = 0;

	if (auth_has_scope(p, SC_WORKER_POLL))
		s |= JWT_SCOPE_POLL;
	if (auth_has_scope(p, SC_WORKER_HEARTBEAT))
		s |= JWT_SCOPE_HEARTBEAT;
	if (auth_has_scope(p, SC_WORKER_SESSION))
		s |= JWT_SCOPE_SESSION;
	return s;
}

int
worker_reg_from_principal(const struct principal *p, struct worker_reg *out)
{
	memset(out, 0, sizeof(*out));
	if (p->org_id == NULL)
		return 0;
	switch (p->kind) {
	case CK_REGISTRATION_TOKEN:
		out->scope = JWT_SCOPE_ALL;
		out->reg = p->key_id;
		break;
	case CK_LEGACY_KEY:
		out->scope = JWT_SCOPE_ALL;
		out->reg = "legacy";
		break;
	case CK_API_KEY:
		if (p->type != PT_API_KEY ||
		    !(is_key_type(p, "worker_registration") ||
		    auth_has_scope(p, SC_WORKER_REGISTER)))
			return 0;
		out->scope = (p->scopes & SCOPE(SC_ALL)) ? JWT_SCOPE_ALL :
		    jwt_scope_of(p);
		out->reg = p->key_id;
		break;
	default:
		return 0;
	}
	out->org_id = p->org_id;
	out->project_ids = p->project_ids;
	out->nprojects = p->project_ids != NULL ? p->nprojects : 0;
	return 1;
}

int
worker_onboarding_capable(const struct principal *p)
{
	struct worker_reg r;

	if (p->kind == CK_COOKIE)
		return 1;
	return p->kind == CK_API_KEY && p->type == PT_API_KEY &&
	    is_key_type(p, "user") && !worker_reg_from_principal(p, &r);
}

static int
in_list(const char *const *v, int n, const char *s)
{
	for (int i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return 1;
	return 0;
}

/* Project admin on project_id of org_id as user_id (NULL: a CLI key,
 * org_role only).  A store failure reads as no role (project_role logs
 * it), so it refuses rather than grants. */
static int
project_admin(const char *org_id, const char *project_id, const char *user_id,
    enum role org_role)
{
	return project_role(org_id, project_id, user_id, org_role) == ROLE_ADMIN;
}

enum dom_rc
worker_onboarding_check(struct arena *a, const struct principal *p,
    const char *project_ref, struct project *out)
{
	enum dom_rc rc;
	enum role r;

	if (p->org_id == NULL || project_ref == NULL)
		return DOM_NOT_FOUND;
	if ((rc = project_get(a, p->org_id, project_ref, out)) != DOM_OK)
		return rc;
	if (p->kind == CK_COOKIE) {
		r = project_role(p->org_id, out->id, p->user_id, p->role);
		if (r == ROLE_NONE)
			return DOM_NOT_FOUND;   /* invisible */
		return r == ROLE_ADMIN ? DOM_OK : DOM_FORBIDDEN;
	}
	if (p->project_ids != NULL &&
	    !in_list(p->project_ids, p->nprojects, out->id))
		return DOM_NOT_FOUND;
	if (!auth_has_scope(p, SC_ALL) && !auth_has_scope(p, SC_ORG_KEYS_WRITE))
		return DOM_FORBIDDEN;
	return project_admin(p->org_id, out->id, p->created_by, p->role) ?
	    DOM_OK : DOM_FORBIDDEN;
}

static const char sql_reg_rtk[] =
    "SELECT org_id, project_id FROM registration_tokens WHERE id = ?1"
    " AND revoked_at IS NULL AND expires_at > ?2";
static const char sql_reg_key[] =
    "SELECT k.org_id, k.key_type, k.scopes, k.project_ids, k.created_by,"
    " m.role FROM api_keys k LEFT JOIN memberships m"
    "  ON m.org_id = k.org_id AND m.user_id = k.created_by"
    " WHERE k.id = ?1 AND k.revoked_at IS NULL"
    " AND (k.expires_at IS NULL OR k.expires_at > ?2)"
    " AND EXISTS (SELECT 1 FROM orgs o WHERE o.id = k.org_id)";
static const char sql_reg_user[] =
    "SELECT m.role FROM users u JOIN memberships m ON m.user_id = u.id"
    " WHERE u.id = ?1 AND m.org_id = ?2 AND u.disabled_at IS NULL";

/* 1 when every project of the worker (the JWT's proj; NULL = all) is in
 * the credential's list (NULL = all). */
static int
covers(const char *const *cred, int ncred, const struct principal *w)
{
	if (cred == NULL)
		return 1;
	if (w->project_ids == NULL)
		return 0;
	for (int i = 0; i < w->nprojects; i++)
		if (!in_list(cred, ncred, w->project_ids[i]))
			return 0;
	return 1;
}

/* The worker's single project (onboarding binds exactly one). */
static const char *
single_project(const struct principal *w)
{
	return w->project_ids != NULL && w->nprojects == 1 ?
	    w->project_ids[0] : NULL;
}

static enum dom_rc
reg_check_key(struct arena *a, const struct principal *w, int64_t now,
    struct worker_reg *out)
{
	struct sstmt *st = store_stmt(sql_reg_key);
	struct principal k;
	const char *proj;
	int rc, ok = 0;

	if (st == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, w->reg);
	ss_bind_int(st, 2, now);
	if ((rc = ss_step(st)) != STORE_ROW)
		goto out;
	memset(&k, 0, sizeof(k));
	k.type = PT_API_KEY;
	k.kind = CK_API_KEY;
	k.key_id = w->reg;
	k.org_id = dom_col_text(a, st, 0);
	k.key_type = dom_col_text(a, st, 1);
	k.created_by = dom_col_text(a, st, 4);
	if (k.org_id == NULL || strcmp(k.org_id, w->org_id) != 0 ||
	    scopes_from_json(ss_text(st, 2), &k.scopes) == -1 ||
	    (k.scopes & SCOPE(SC_SYSTEM)))
		goto out;
	if (!ss_is_null(st, 3)) {
		int n = parse_str_array(a, ss_text(st, 3),
		    (const char ***)&k.project_ids);

		if (n <= 0)
			goto out;
		k.nprojects = n;
	}
	if (strcmp(k.key_type, "user") == 0) {
		/* 01-auth.md §4.5 step 4: a departed creator's keys stop. */
		if (k.created_by != NULL && ss_is_null(st, 5))
			goto out;
		k.role = k.created_by == NULL ? ROLE_ADMIN :
		    role_parse(ss_text(st, 5));
	}
	ok = 1;
out:
	ss_reset(st);
	if (rc != STORE_ROW && rc != STORE_DONE)
		return DOM_STORE;
	if (!ok)
		return DOM_FORBIDDEN;
	if (worker_reg_from_principal(&k, out)) {
		if (!covers(k.project_ids, k.nprojects, w))
			return DOM_FORBIDDEN;
		return DOM_OK;
	}
	/* Onboarding-capable on the worker's project. */
	proj = single_project(w);
	if (proj == NULL || !is_key_type(&k, "user") ||
	    (k.project_ids != NULL && !in_list(k.project_ids, k.nprojects, proj)) ||
	    !(auth_has_scope(&k, SC_ALL) || auth_has_scope(&k, SC_ORG_KEYS_WRITE)) ||
	    !project_admin(k.org_id, proj, k.created_by, k.role))
		return DOM_FORBIDDEN;
	out->scope = JWT_SCOPE_ALL;
	return DOM_OK;
}

enum dom_rc
worker_reg_check(struct arena *a, const struct principal *p, int64_t now,
    struct worker_reg *out)
{
	struct sstmt *st;
	const char *proj;
	int rc, ok = 0;

	memset(out, 0, sizeof(*out));
	if (p->kind != CK_RUNTIME_JWT || p->reg == NULL || p->org_id == NULL)
		return DOM_FORBIDDEN;
	out->org_id = p->org_id;
	out->project_ids = p->project_ids;
	out->nprojects = p->project_ids != NULL ? p->nprojects : 0;
	out->reg = p->reg;
	out->scope = JWT_SCOPE_ALL;
	if (strcmp(p->reg, "legacy") == 0)
		return cfg.worker_api_key != NULL ? DOM_OK : DOM_FORBIDDEN;
	if (strncmp(p->reg, "key_", 4) == 0)
		return reg_check_key(a, p, now, out);
	if (strncmp(p->reg, "rtk_", 4) == 0) {
		if ((st = store_stmt(sql_reg_rtk)) == NULL)
			return DOM_STORE;
		ss_bind_text(st, 1, p->reg);
		ss_bind_int(st, 2, now);
		if ((rc = ss_step(st)) == STORE_ROW &&
		    strcmp(ss_text(st, 0), p->org_id) == 0) {
			ok = 1;
			if (!ss_is_null(st, 1)) {
				const char *tp = ss_text(st, 1);

				ok = covers(&tp, 1, p);
			}
		}
		ss_reset(st);
		if (rc != STORE_ROW && rc != STORE_DONE)
			return DOM_STORE;
		return ok ? DOM_OK : DOM_FORBIDDEN;
	}
	if (strncmp(p->reg, "usr_", 4) == 0) {
		enum role r = ROLE_NONE;

		if ((proj = single_project(p)) == NULL)
			return DOM_FORBIDDEN;
		if ((st = store_stmt(sql_reg_user)) == NULL)
			return DOM_STORE;
		ss_bind_text(st, 1, p->reg);
		ss_bind_text(st, 2, p->org_id);
		if ((rc = ss_step(st)) == STORE_ROW)
			r = role_parse(ss_text(st, 0));
		ss_reset(st);
		if (rc != STORE_ROW && rc != STORE_DONE)
			return DOM_STORE;
		if (r == ROLE_NONE || !project_admin(p->org_id, proj, p->reg, r))
			return DOM_FORBIDDEN;
		return DOM_OK;
	}
	return DOM_FORBIDDEN;
}

struct actor
worker_actor(const struct principal *p, const char *worker_id)
{
	struct actor a = { "system", "system" };

	switch (p->kind) {
	case CK_RUNTIME_JWT:
		a.type = "worker";
		a.id = worker_id != NULL ? worker_id : p->worker_id;
		break;
	case CK_REGISTRATION_TOKEN:
	case CK_LEGACY_KEY:
		a.type = "worker";
		a.id = worker_id;
		break;
	case CK_API_KEY:
		if (is_key_type(p, "worker_registration")) {
			a.type = "worker";
			a.id = worker_id;
		} else {
			a.type = "api_key";
			a.id = p->key_id;
		}
		break;
	case CK_COOKIE:
		a.type = "user";
		a.id = p->user_id;
		break;
	case CK_M2M_JWT:
		a.type = "m2m";
		a.id = p->client_id;
		break;
	default:
		break;
	}
	return a;
}

const char *
worker_credential_kind(const struct principal *p)
{
	switch (p->kind) {
	case CK_COOKIE:
		return "cookie";
	case CK_API_KEY:
		return "api_key";
	case CK_REGISTRATION_TOKEN:
		return "registration_token";
	case CK_LEGACY_KEY:
		return "legacy_key";
	case CK_RUNTIME_JWT:
		return "runtime_jwt";
	case CK_M2M_JWT:
		return "m2m_jwt";
	case CK_SCIM_TOKEN:
		return "scim_token";
	case CK_SESSION_HASH:
		return "session_hash";
	}
	return "api_key";
}

/* ------------------------------------------------------------ writes */

static const char sql_worker_insert[] =
    "INSERT INTO workers (id, org_id, auth_project_ids, registered_via,"
    " hostname, capacity, active_count, registered_at, last_heartbeat,"
    " status, version, projects, machine_id, provides, capabilities, region,"
    " reported_status, max_sessions, load)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, ?7, ?7, ?8, ?9, ?10, ?11, ?12, ?13,"
    " ?14, ?15, NULL, NULL)";
/* ?4: reported status (NULL leaves it); the stored status follows the
 * report: draining when it says so, else active (02 §5.1). */
static const char sql_worker_beat[] =
    "UPDATE workers SET last_heartbeat = ?2, active_count = ?3,"
    " status = CASE WHEN ?4 = 'draining' THEN 'draining' ELSE 'active' END,"
    " reported_status = coalesce(?4, reported_status),"
    " capacity = coalesce(?5, capacity),"
    " max_sessions = coalesce(?5, max_sessions),"
    " load = coalesce(?6, load),"
    " hostname = coalesce(?7, hostname),"
    " version = coalesce(?8, version),"
    " capabilities = coalesce(?9, capabilities),"
    " region = coalesce(?10, region),"
    " sent_at = coalesce(?12, sent_at)"
    " WHERE id = ?1 AND ?2 - last_heartbeat <= ?11"
    " RETURNING " WORKER_COLS;
static const char sql_worker_touch[] =
    "UPDATE workers SET last_heartbeat = ?2 WHERE id = ?1"
    " AND ?2 - last_heartbeat <= ?3";
static const char sql_worker_delete[] =
    "DELETE FROM workers WHERE id = ?1";

enum dom_rc
worker_token_mint(struct arena *a, const char *worker_id,
    const struct worker_reg *reg, const char *const *projects, int nprojects,
    int64_t now, struct worker_token *tok)
{
	const struct secret *s = secret_get(SECRET_RUNTIME_JWT);
	struct jwt_runtime_claims c;
	char jti[33];
	struct buf b;
	int rc;

	memset(tok, 0, sizeof(*tok));
	if (s == NULL || s->key == NULL) {
		log_error("worker_token_mint: runtime JWT secret not loaded");
		return DOM_STORE;
	}
	random_hex(jti, 16);
	memset(&c, 0, sizeof(c));
	c.sub = worker_id;
	c.org = reg->org_id;
	c.proj = projects;
	c.nproj = projects != NULL && nprojects > 0 ? (size_t)nprojects : 0;
	c.reg = reg->reg;
	c.scope = reg->scope;
	c.iat = now / 1000;
	c.exp = c.iat + cfg.runtime_token_ttl;
	c.jti = jti;
	buf_init(&b);
	rc = jwt_runtime_mint(&b, &c, s->key, s->len);
	if (rc == 0) {
		tok->token = arena_strndup(a, b.data, b.len);
		tok->len = b.len;
	}
	buf_wipe(&b);
	buf_free(&b);
	if (rc != 0) {
		log_error("worker_token_mint: cannot mint for %s", worker_id);
		return DOM_STORE;
	}
	tok->expires_at = c.exp * 1000;
	iso8601_ms(tok->expires_iso, tok->expires_at);
	return DOM_OK;
}

/* worker.registered / token_refreshed / deregistered (09-audit.md §4.4). */
static int
worker_event(struct arena *a, const struct principal *p, const struct worker *w,
    const char *type, const char *const *unclaimed, size_t nunclaimed)
{
	struct json_object *pl = json_object_new_object(), *arr;
	struct actor who = worker_actor(p, w->id);

	json_object_object_add(pl, "workerId", json_object_new_string(w->id));
	json_object_object_add(pl, "hostname", dom_jstr(w->hostname));
	json_object_object_add(pl, "capacity",
	    json_object_new_int64(w->capacity));
	json_object_object_add(pl, "version", dom_jstr(w->version));
	json_object_object_add(pl, "credentialKind",
	    json_object_new_string(worker_credential_kind(p)));
	if (unclaimed != NULL || strcmp(type, "worker.deregistered") == 0) {
		arr = json_object_new_array();
		for (size_t i = 0; i < nunclaimed; i++)
			json_object_array_add(arr,
			    json_object_new_string(unclaimed[i]));
		json_object_object_add(pl, "unclaimedSessions", arr);
	}
	return dom_event(a, &who, w->org_id, type, "worker", w->id, pl, NULL,
	    NULL);
}

enum dom_rc
worker_register(struct arena *a, const struct principal *p,
    const struct worker_reg *reg, const struct worker_reg_body *body,
    int64_t now, struct worker *out, struct worker_token *tok)
{
	struct sstmt *st = store_stmt(sql_worker_insert);
	char id[WORKER_ID_LEN + 1];
	const char *auth_json = NULL;
	enum dom_rc drc;
	int rc = STORE_ERROR;

	if (st == NULL)
		return DOM_STORE;
	if (reg->project_ids != NULL)
		auth_json = worker_json_strs(a, reg->project_ids, NULL,
		    (size_t)reg->nprojects);
	/* 64 random bits: a collision is retried, never reported. */
	for (int tries = 0; tries < 3; tries++) {
		worker_id_new(id);
		ss_bind_text(st, 1, id);
		ss_bind_text(st, 2, reg->org_id);
		ss_bind_text(st, 3, auth_json);
		ss_bind_text(st, 4, reg->reg);
		ss_bind_text(st, 5, body->hostname);
		ss_bind_int(st, 6, body->capacity);
		ss_bind_int(st, 7, now);
		ss_bind_text(st, 8, body->reported_status != NULL &&
		    strcmp(body->reported_status, "draining") == 0 ?
		    "draining" : "active");
		ss_bind_text(st, 9, body->version);
		ss_bind_text(st, 10, body->projects);
		ss_bind_text(st, 11, body->machine_id);
		ss_bind_text(st, 12, body->provides);
		ss_bind_text(st, 13, body->capabilities);
		ss_bind_text(st, 14, body->region);
		ss_bind_text(st, 15, body->reported_status);
		if ((rc = ss_exec(st)) != STORE_CONSTRAINT)
			break;
	}
	if (rc != STORE_OK)
		return DOM_STORE;
	if ((drc = worker_get(a, id, now, out)) != DOM_OK)
		return drc == DOM_NOT_FOUND ? DOM_STORE : drc;
	if ((drc = worker_token_mint(a, out->id, reg, reg->project_ids,
	    reg->nprojects, now, tok)) != DOM_OK)
		return drc;
	if (worker_event(a, p, out, "worker.registered", NULL, 0) != 0)
		return DOM_STORE;
	return DOM_OK;
}

enum dom_rc
worker_heartbeat(struct arena *a, const struct principal *p,
    const char *worker_id, const struct worker_beat *b, int64_t now,
    int64_t *pending)
{
	struct sstmt *st = store_stmt(sql_worker_beat);
	struct worker w;
	int rc;

	*pending = 0;
	if (st == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, worker_id);
	ss_bind_int(st, 2, now);
	ss_bind_int(st, 3, b->active_count);
	ss_bind_text(st, 4, b->reported_status);
	if (b->max_sessions > 0)
		ss_bind_int(st, 5, b->max_sessions);
	else
		ss_bind_null(st, 5);
	ss_bind_text(st, 6, b->load);
	ss_bind_text(st, 7, b->hostname);
	ss_bind_text(st, 8, b->version);
	ss_bind_text(st, 9, b->capabilities);
	ss_bind_text(st, 10, b->region);
	ss_bind_int(st, 11, cfg.worker_ttl * 1000);
	ss_bind_text(st, 12, b->sent_at);
	/* The updated row comes back from the UPDATE itself (no re-read). */
	rc = ss_step(st);
	if (rc == STORE_ROW)
		worker_from_row(a, st, &w);
	ss_reset(st);
	if (rc == STORE_DONE)
		return DOM_NOT_FOUND;
	if (rc != STORE_ROW)
		return DOM_STORE;
	if (p != NULL && !worker_addressable(p, &w))
		return DOM_NOT_FOUND;
	return worker_pending_work_count(&w, now, pending);
}

enum dom_rc
worker_refresh(struct arena *a, const struct principal *p,
    const struct worker *w, const struct worker_reg *reg, int64_t now,
    struct worker_token *tok)
{
	struct sstmt *st = store_stmt(sql_worker_touch);
	struct worker_reg r = *reg;
	enum dom_rc drc;

	if (st == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, w->id);
	ss_bind_int(st, 2, now);
	ss_bind_int(st, 3, cfg.worker_ttl * 1000);
	if (ss_exec(st) != STORE_OK)
		return DOM_STORE;
	if (store_changes() == 0)
		return DOM_NOT_FOUND;
	/* The token serves the worker's projects, whoever refreshes it. */
	r.org_id = w->org_id;
	if ((drc = worker_token_mint(a, w->id, &r,
	    w->nauth_projects >= 0 ? w->auth_projects : NULL,
	    w->nauth_projects, now, tok)) != DOM_OK)
		return drc;
	if (worker_event(a, p, w, "worker.token_refreshed", NULL, 0) != 0)
		return DOM_STORE;
	return DOM_OK;
}

enum dom_rc
worker_delete(struct arena *a, const struct principal *p,
    const struct worker *w, const char ***ids, size_t *n)
{
	struct sstmt *st;
	enum dom_rc drc;

	if ((drc = worker_active_sessions(a, w->id, ids, n)) != DOM_OK)
		return drc;
	if ((st = store_stmt(sql_worker_delete)) == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, w->id);
	if (ss_exec(st) != STORE_OK)
		return DOM_STORE;
	if (store_changes() == 0)
		return DOM_NOT_FOUND;
	if (worker_event(a, p, w, "worker.deregistered",
	    (const char *const *)*ids, *n) != 0)
		return DOM_STORE;
	return DOM_OK;
}

/* ------------------------------------------------------------ render */

void
worker_render(struct jw *w, const struct worker *wk,
    const char *const *active_sessions, size_t nactive, const char *status)
{
	jw_obj_open(w);
	jw_kstr(w, "id", wk->id);
	jw_kstr(w, "hostname", wk->hostname);
	jw_kint(w, "capacity", wk->capacity);
	jw_kint(w, "activeCount", wk->active_count);
	jw_kint(w, "registeredAt", wk->registered_at);
	jw_kint(w, "lastHeartbeat", wk->last_heartbeat);
	jw_kstr(w, "status", status != NULL ? status : wk->status);
	if (wk->version != NULL)
		jw_kstr(w, "version", wk->version);
	if (wk->projects != NULL) {
		jw_key(w, "projects");
		jw_raw(w, wk->projects, strlen(wk->projects));
	}
	jw_key(w, "activeSessions");
	jw_arr_open(w);
	for (size_t i = 0; i < nactive; i++)
		jw_str(w, active_sessions[i]);
	jw_arr_close(w);
	if (wk->machine_id != NULL)
		jw_kstr(w, "machineId", wk->machine_id);
	if (wk->provides != NULL) {
		jw_key(w, "provides");
		jw_raw(w, wk->provides, strlen(wk->provides));
	}
	if (wk->capabilities != NULL) {
		jw_key(w, "capabilities");
		jw_raw(w, wk->capabilities, strlen(wk->capabilities));
	}
	if (wk->region != NULL)
		jw_kstr(w, "region", wk->region);
	if (wk->reported_status != NULL)
		jw_kstr(w, "reportedStatus", wk->reported_status);
	if (wk->max_sessions > 0)
		jw_kint(w, "maxSessions", wk->max_sessions);
	if (wk->load != NULL) {
		jw_key(w, "load");
		jw_raw(w, wk->load, strlen(wk->load));
	}
	jw_obj_close(w);
}


const char *
worker_json_str(struct json_object *obj, const char *name)
{
	struct json_object *v;

	if (obj == NULL || !json_object_object_get_ex(obj, name, &v) ||
	    !json_object_is_type(v, json_type_string) ||
	    json_object_get_string_len(v) == 0)
		return NULL;
	return json_object_get_string(v);
}
