/*
 * keys.c -- API keys of the org (04-console.md §3.3): mint, list, revoke,
 * and the deprecated POST /api/org/api-keys.
 *
 * Minting checks, in this order: the caller may mint at all (J,
 * auditor, viewer: F3), the body, then the rules of §3.3 in their order
 * (key_mint_validate() for those that need no store, then projects
 * "all", visibility, grantable scopes, the member limit).
 */
#include "config.h"

#include <string.h>

#include "clock.h"
#include "crypto.h"
#include "cred.h"
#include "extern.h"
#include "json.h"
#include "store.h"
#include "valid.h"

#define KEY_MAX_AHEAD_MS (INT64_C(731) * 86400 * 1000)

static const char *const worker_scopes[] = {
	"worker:register", "worker:poll", "worker:heartbeat", "worker:session"
};

/* The org of a keys route: the caller's active org; a system key names
 * any existing org.  NULL after answering 404. */
static const char *
key_org(struct request *req, struct response *resp)
{
	const struct principal *p = req->principal;
	const char *org = http_param(req, "orgId");
	struct org o;

	if (p->type == PT_SYSTEM && org != NULL) {
		switch (org_get(req->arena, org, &o)) {
		case DOM_OK:
			if (strcmp(o.id, org) == 0)
				return o.id;
			break;
		case DOM_NOT_FOUND:
			break;
		default:
			http_store_unavailable(resp, "Failed to read organization");
			return NULL;
		}
		http_error(resp, 404, "Organization not found");
		return NULL;
	}
	if (!con_org_path(req, resp))
		return NULL;
	return p->org_id;
}

static int
see_all(const struct principal *p)
{
	return p->type == PT_SYSTEM || p->kind == CK_M2M_JWT ||
	    con_org_admin(p);
}

/* ----------------------------------------------------------------- mint */

enum { K_NAME, K_TYPE, K_PROJECTS, K_SCOPES, K_EXPIRES, K__MAX };
static const char *const key_types[] = { "user", "worker_registration", NULL };

static int
check_projects(struct arena *a, const struct valid_field *f,
    struct valid_val *v, const char **msg)
{
	struct json_object *o = v->o;
	size_t n;

	(void)a;
	(void)f;
	if (json_object_is_type(o, json_type_string))
		return strcmp(json_object_get_string(o), "all") == 0 ? 0 : -1;
	if (!json_object_is_type(o, json_type_array))
		return -1;
	n = json_object_array_length(o);
	if (n < 1 || n > 100)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(o, i);

		if (!json_object_is_type(e, json_type_string) ||
		    json_object_get_string_len(e) == 0 ||
		    json_object_get_string_len(e) > 255)
			return -1;
	}
	(void)msg;
	return 0;
}

static const struct valid_field mint_fields[K__MAX] = {
	[K_NAME] = { "name", VALID_STRING, VALID_REQUIRED, .minlen = 1,
	    .maxlen = 100, .rule = "a string of 1-100 characters" },
	[K_TYPE] = { "keyType", VALID_STRING, 0, .oneof = key_types,
	    .rule = "one of: user, worker_registration" },
	[K_PROJECTS] = { "projects", VALID_ANY, 0, .check = check_projects,
	    .rule = "\"all\" or a list of 1-100 project ids" },
	[K_SCOPES] = { "scopes", VALID_STRINGS, 0, .minlen = 1, .maxlen = 64,
	    .mincount = 1, .maxcount = 64,
	    .rule = "a non-empty array of scope names" },
	[K_EXPIRES] = { "expiresAt", VALID_STRING, VALID_NULLABLE,
	    .maxlen = 64, .rule = "a future time within 2 years" },
};

/* Appends s unless already present; returns the new count. */
static int
add_unique(const char **v, int n, const char *s)
{
	for (int i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return n;
	v[n] = s;
	return n + 1;
}

static void
put_list(struct jw *w, const char *key, const char **v, int n)
{
	jw_key(w, key);
	jw_arr_open(w);
	for (int i = 0; i < n; i++)
		jw_str(w, v[i]);
	jw_arr_close(w);
}

static void
mint(struct request *req, struct response *resp, const char *org,
    int deprecated)
{
	const struct principal *p = req->principal;
	struct json_object *body;
	struct valid_val v[K__MAX];
	struct valid_err verr;
	struct key_mint m;
	struct minted out;
	struct dom_err err;
	struct actor who;
	struct project proj;
	const char **scopes, **pids = NULL;
	int nscopes = 0, npids = 0, all = 1;
	int64_t now = clock_now_ms(), exp = 0;
	char ts[ISO8601_LEN + 1], ets[ISO8601_LEN + 1];
	struct jw w;
	enum dom_rc rc;

	if (p->kind == CK_M2M_JWT || (p->type != PT_SYSTEM &&
	    (p->role == ROLE_NONE || p->role == ROLE_AUDITOR ||
	    p->role == ROLE_VIEWER))) {
		auth_fail(req, resp, F3, 0, 0);
		return;
	}
	if ((body = con_body(req, resp)) == NULL)
		return;
	if (valid_body(req->arena, VALID_STRICT, mint_fields, K__MAX, body, v,
	    &verr) == -1) {
		http_error(resp, verr.status, verr.msg);
		return;
	}
	if (v[K_EXPIRES].present && !v[K_EXPIRES].isnull) {
		if (iso8601_parse(v[K_EXPIRES].s, &exp) == -1 || exp <= now ||
		    exp > now + KEY_MAX_AHEAD_MS) {
			http_error(resp, 400,
			    "expiresAt must be a future time within 2 years");
			return;
		}
	}
	if (v[K_PROJECTS].present && json_object_is_type(v[K_PROJECTS].o,
	    json_type_array)) {
		size_t n = json_object_array_length(v[K_PROJECTS].o);

		all = 0;
		pids = arena_alloc(req->arena, n * sizeof(*pids));
		for (size_t i = 0; i < n; i++)
			npids = add_unique(pids, npids, json_object_get_string(
			    json_object_array_get_idx(v[K_PROJECTS].o, i)));
	}
	memset(&m, 0, sizeof(m));
	m.org_id = org;
	m.name = v[K_NAME].s;
	m.key_type = v[K_TYPE].present ? v[K_TYPE].s : "user";
	if (v[K_SCOPES].present) {
		scopes = arena_alloc(req->arena, v[K_SCOPES].n * sizeof(*scopes));
		for (size_t i = 0; i < v[K_SCOPES].n; i++)
			nscopes = add_unique(scopes, nscopes, v[K_SCOPES].strs[i]);
	} else if (all && strcmp(m.key_type, "user") == 0) {
		scopes = arena_alloc(req->arena, sizeof(*scopes));
		scopes[0] = "*";
		nscopes = 1;
	} else {
		scopes = arena_alloc(req->arena, 4 * sizeof(*scopes));
		for (int i = 0; i < 4; i++)
			scopes[i] = worker_scopes[i];
		nscopes = 4;
	}
	m.scopes = scopes;
	m.nscopes = nscopes;
	m.project_ids = all ? NULL : pids;
	m.nprojects = npids;
	m.created_by = p->type == PT_SYSTEM ? NULL : con_user(p);
	m.expires_at = exp;
	m.deprecated_route = deprecated;
	if ((rc = key_mint_validate(req->arena, &m, &err)) != DOM_OK) {
		dom_http_error(resp, rc, &err, "Failed to mint key");
		return;
	}
	/* projects "all": an org admin creator or a key holding
	 * org_keys:write. */
	if (all && p->type != PT_SYSTEM && !con_org_admin(p) &&
	    !(p->kind == CK_API_KEY && auth_has_scope(p, SC_ORG_KEYS_WRITE))) {
		http_error(resp, 403,
		    "Org-wide keys require org_keys:write or an org admin");
		return;
	}
	/* Every listed project visible to the caller; ids are stored as
	 * the proj_ ids. */
	for (int i = 0; i < npids; i++) {
		const char *pid = pids[i];
		enum role r = ROLE_NONE;
		int visible = 0;

		switch (project_get(req->arena, org, pid, &proj)) {
		case DOM_OK:
			visible = p->project_ids == NULL;
			for (int j = 0; !visible && j < p->nprojects; j++)
				visible = strcmp(p->project_ids[j], proj.id) == 0;
			if (visible && p->type != PT_SYSTEM) {
				r = project_role(org, proj.id, con_user(p),
				    p->role);
				visible = r != ROLE_NONE;
			}
			break;
		case DOM_NOT_FOUND:
			break;
		default:
			http_store_unavailable(resp, "Failed to mint key");
			return;
		}
		if (!visible) {
			http_error(resp, 400, arena_printf(req->arena,
			    "Unknown project: %s", pid));
			return;
		}
		pids[i] = proj.id;
		/* An org member mints only for projects where it is
		 * member or higher. */
		if (p->type != PT_SYSTEM && !con_org_admin(p) &&
		    r < ROLE_MEMBER) {
			auth_fail(req, resp, F3, 0, 0);
			return;
		}
	}
	/* Two entries naming one project (id and slug) collapse too. */
	if (!all) {
		int k = 0;

		for (int i = 0; i < npids; i++)
			k = add_unique(pids, k, pids[i]);
		m.nprojects = npids = k;
	}
	if (p->kind == CK_API_KEY && p->type != PT_SYSTEM)
		for (int i = 0; i < nscopes; i++) {
			int sc = scope_parse(scopes[i], strlen(scopes[i]));

			if (sc < 0 || !auth_has_scope(p, (enum scope)sc) ||
			    (sc == SC_ALL && !(p->scopes & SCOPE(SC_ALL)))) {
				http_error(resp, 403, arena_printf(req->arena,
				    "Cannot grant scope '%s'", scopes[i]));
				return;
			}
		}
	if (!all && p->type != PT_SYSTEM && !con_org_admin(p) &&
	    p->role != ROLE_MEMBER) {
		auth_fail(req, resp, F3, 0, 0);
		return;
	}
	con_actor(req, &who);
	if (!con_begin(resp, "Failed to mint key"))
		return;
	if ((rc = key_mint(req->arena, &who, &m, &out, &err)) != DOM_OK) {
		store_rollback();
		dom_http_error(resp, rc, &err, "Failed to mint key");
		return;
	}
	if (!con_commit(resp, "Failed to mint key"))
		return;
	http_no_store(resp);
	resp->no_log_body = 1;
	iso8601_ms(ts, out.created_at);
	if (exp)
		iso8601_ms(ets, exp);
	jw_init(&w, &resp->body);
	jw_obj_open(&w);
	jw_key(&w, "key");
	jw_obj_open(&w);
	jw_kstr(&w, "id", out.id);
	jw_kstr(&w, "orgId", org);
	jw_kstr(&w, "name", m.name);
	jw_kstr(&w, "keyType", m.key_type);
	jw_kstr(&w, "keyPrefix", out.prefix);
	put_list(&w, "scopes", scopes, nscopes);
	if (all)
		jw_kstr(&w, "projectIds", "all");
	else
		put_list(&w, "projectIds", pids, npids);
	jw_kstr(&w, "createdAt", ts);
	jw_kstr(&w, "expiresAt", exp ? ets : NULL);
	jw_kstr(&w, "fullKey", out.secret);
	jw_obj_close(&w);
	jw_kstr(&w, "keyId", out.id);
	jw_kstr(&w, "token", out.secret);
	jw_kstr(&w, "name", m.name);
	jw_kstr(&w, "keyType", m.key_type);
	put_list(&w, "scopes", scopes, nscopes);
	jw_kstr(&w, "createdAt", ts);
	jw_obj_close(&w);
	secure_wipe(out.secret, strlen(out.secret));
	http_json(resp, 201);
}

void
keys_mint(struct request *req, struct response *resp)
{
	const char *org;

	if ((org = key_org(req, resp)) == NULL)
		return;
	mint(req, resp, org, 0);
}

void
keys_mint_deprecated(struct request *req, struct response *resp)
{
	const struct principal *p = req->principal;

	http_set_header(resp, "Deprecation", "true");
	http_set_header(resp, "Link", arena_printf(req->arena,
	    "</api/org/%s/keys>; rel=\"successor-version\"", p->org_id));
	mint(req, resp, p->org_id, 1);
}

/* ----------------------------------------------------------------- list */

struct key_walk {
	struct request          *req;
	const struct principal  *p;
	struct page              pg;
	struct jw                w;
	int                      all;
	const char              *user;
	const char              *find;      /* revoke: the key sought */
	struct key_info          found;
	int                      have;
};

static int
key_visible(const struct key_walk *kw, const struct key_info *k)
{
	if (kw->all)
		return 1;
	return kw->user != NULL && k->created_by != NULL &&
	    strcmp(kw->user, k->created_by) == 0;
}

static int
list_one(const struct key_info *k, void *arg)
{
	struct key_walk *kw = arg;
	struct jw *w = &kw->w;

	if (!key_visible(kw, k) || !page_take(&kw->pg, k->created_at, k->id))
		return 0;
	jw_obj_open(w);
	jw_kstr(w, "id", k->id);
	jw_kstr(w, "orgId", k->org_id);
	jw_kstr(w, "name", k->name);
	jw_kstr(w, "keyType", k->key_type);
	jw_kstr(w, "keyPrefix", k->prefix);
	jw_key(w, "scopes");
	jw_raw(w, k->scopes_json, strlen(k->scopes_json));
	jw_key(w, "projectIds");
	if (k->project_ids_json == NULL)
		jw_str(w, "all");
	else
		jw_raw(w, k->project_ids_json, strlen(k->project_ids_json));
	jw_kstr(w, "createdBy", k->created_by);
	dom_kput_time(w, "createdAt", k->created_at);
	dom_kput_time(w, "expiresAt", k->expires_at);
	dom_kput_time(w, "lastUsedAt", k->last_used_at);
	dom_kput_time(w, "revokedAt", k->revoked_at);
	jw_obj_close(w);
	return 0;
}

void
keys_list(struct request *req, struct response *resp)
{
	struct key_walk kw;
	const char *org;
	int inc;

	memset(&kw, 0, sizeof(kw));
	if ((org = key_org(req, resp)) == NULL)
		return;
	if ((inc = con_include_revoked(req, resp)) == -1)
		return;
	if (!page_parse(req, resp, &kw.pg, 50, 100))
		return;
	kw.req = req;
	kw.p = req->principal;
	kw.all = see_all(kw.p);
	kw.user = con_user(kw.p);
	con_list_open(resp, &kw.w);
	if (key_list(req->arena, org, inc, list_one, &kw) != DOM_OK) {
		buf_reset(&resp->body);
		http_store_unavailable(resp, "Failed to list keys");
		return;
	}
	page_finish(req->arena, &kw.w, &kw.pg);
	jw_obj_close(&kw.w);
	http_json(resp, 200);
}

/* --------------------------------------------------------------- revoke */

static int
find_one(const struct key_info *k, void *arg)
{
	struct key_walk *kw = arg;

	if (strcmp(k->id, kw->find) != 0)
		return 0;
	kw->found = *k;
	kw->have = 1;
	return 1;
}

void
keys_revoke(struct request *req, struct response *resp)
{
	const struct principal *p = req->principal;
	struct key_walk kw;
	struct dom_err err;
	struct actor who;
	const char *org;
	enum dom_rc rc;

	memset(&kw, 0, sizeof(kw));
	if ((org = key_org(req, resp)) == NULL)
		return;
	if (p->kind == CK_M2M_JWT) {
		auth_fail(req, resp, F3, 0, 0);
		return;
	}
	kw.p = p;
	kw.all = see_all(p);
	kw.user = con_user(p);
	kw.find = http_param(req, "keyId");
	if (!con_begin(resp, "Failed to revoke key"))
		return;
	if (key_list(req->arena, org, 1, find_one, &kw) != DOM_OK) {
		store_rollback();
		http_store_unavailable(resp, "Failed to revoke key");
		return;
	}
	if (!kw.have || !key_visible(&kw, &kw.found)) {
		store_rollback();
		http_error(resp, 404, "API key not found");
		return;
	}
	con_actor(req, &who);
	if ((rc = key_revoke(req->arena, &who, org, kw.find, &err)) != DOM_OK) {
		store_rollback();
		dom_http_error(resp, rc, &err, "Failed to revoke key");
		return;
	}
	if (!con_commit(resp, "Failed to revoke key"))
		return;
	resp->status = 204;
}
