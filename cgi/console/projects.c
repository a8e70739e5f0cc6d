/*
 * projects.c -- /api/projects (04-console.md §4): projects, their
 * members and repositories (§4.1), registration tokens (§4.2, and the
 * org-wide /api/org/{orgId}/runtime-tokens) and operator dispatch (§4.3,
 * lib/session.c's session_dispatch()).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "cred.h"
#include "crypto.h"
#include "extern.h"
#include "json.h"
#include "project.h"
#include "session.h"
#include "settings.h"
#include "store.h"
#include "valid.h"

static int
need_org_admin(struct request *req, struct response *resp)
{
	const struct principal *p = req->principal;

	if (con_roleless(p) || !con_org_admin(p)) {
		auth_fail(req, resp, F3, 0, 0);
		return 0;
	}
	return 1;
}

static void
render_project(struct response *resp, const struct project *pr, int status)
{
	struct jw w;

	jw_init(&w, &resp->body);
	project_render(&w, pr);
	http_json(resp, status);
}

/* ----------------------------------------------------------- projects */

struct pwalk {
	const struct principal *p;
	struct page pg;
	struct jw   w;
};

static int
pkeyset(const struct principal *p, const char *id)
{
	if (p->project_ids == NULL)
		return 1;
	for (int i = 0; i < p->nprojects; i++)
		if (strcmp(p->project_ids[i], id) == 0)
			return 1;
	return 0;
}

static int
project_one(const struct project *pr, void *arg)
{
	struct pwalk *pw = arg;

	if (pkeyset(pw->p, pr->id) && page_take(&pw->pg, pr->created_at, pr->id))
		project_render(&pw->w, pr);
	return 0;
}

static int
project_one_role(const struct project *pr, enum role r, void *arg)
{
	(void)r;
	return project_one(pr, arg);
}

void
projects_list(struct request *req, struct response *resp)
{
	const struct principal *p = req->principal;
	struct pwalk pw;
	enum dom_rc rc;

	pw.p = p;
	if (!page_parse(req, resp, &pw.pg, 50, 100))
		return;
	con_list_open(resp, &pw.w);
	if (con_roleless(p))
		rc = project_list(req->arena, p->org_id, project_one, &pw);
	else
		rc = projects_visible(req->arena, p->org_id, con_user(p), p->role,
		    project_one_role, &pw);
	if (rc != DOM_OK) {
		buf_reset(&resp->body);
		http_store_unavailable(resp, "Failed to list projects");
		return;
	}
	page_finish(req->arena, &pw.w, &pw.pg);
	jw_obj_close(&pw.w);
	http_json(resp, 200);
}

static const char *const sandboxes[] = { "local", "e2b", "vercel", NULL };

enum { P_NAME, P_SLUG, P_SANDBOX, P_TEAM, P_DEFAULT, P__MAX };
static const struct valid_field create_fields[P__MAX] = {
	[P_NAME] = { "name", VALID_STRING, VALID_REQUIRED, .minlen = 1,
	    .maxlen = 100, .rule = "a string of 1-100 characters" },
	[P_SLUG] = { "slug", VALID_STRING, 0, .maxlen = 4096,
	    .msg_invalid = "slug must match ^[a-z0-9]+(-[a-z0-9]+)*$ (1-48 characters)" },
	[P_SANDBOX] = { "sandboxProvider", VALID_STRING, 0, .oneof = sandboxes,
	    .msg_invalid = "sandboxProvider must be one of: local, e2b, vercel" },
	[P_TEAM] = { "teamId", VALID_STRING, VALID_NULLABLE, .maxlen = 255,
	    .rule = "a string or null" },
	[P_DEFAULT] = { "isDefault", VALID_BOOL, 0, .rule = "a boolean" },
};
static const struct valid_field patch_fields[P__MAX] = {
	[P_NAME] = { "name", VALID_STRING, 0, .minlen = 1,
	    .maxlen = 100, .rule = "a string of 1-100 characters" },
	[P_SLUG] = { "slug", VALID_STRING, 0, .maxlen = 4096,
	    .msg_invalid = "slug must match ^[a-z0-9]+(-[a-z0-9]+)*$ (1-48 characters)" },
	[P_SANDBOX] = { "sandboxProvider", VALID_STRING, 0, .oneof = sandboxes,
	    .msg_invalid = "sandboxProvider must be one of: local, e2b, vercel" },
	[P_TEAM] = { "teamId", VALID_STRING, VALID_NULLABLE, .maxlen = 255,
	    .rule = "a string or null" },
	[P_DEFAULT] = { "isDefault", VALID_BOOL, 0, .rule = "a boolean" },
};

void
projects_create(struct request *req, struct response *resp)
{
	const struct principal *p = req->principal;
	struct json_object *body;
	struct valid_val v[P__MAX];
	struct valid_err verr;
	struct project pr;
	struct project_patch pp;
	struct dom_err err;
	struct actor who;
	enum dom_rc rc;
	int isdef;

	if (!need_org_admin(req, resp))
		return;
	if ((body = con_body(req, resp)) == NULL)
		return;
	if (valid_body(req->arena, VALID_STRICT, create_fields, P__MAX, body, v,
	    &verr) == -1) {
		http_error(resp, verr.status, verr.msg);
		return;
	}
	isdef = v[P_DEFAULT].present && v[P_DEFAULT].i;
	con_actor(req, &who);
	if (!con_begin(resp, "Failed to create project"))
		return;
	rc = project_create(req->arena, &who, p->org_id, v[P_NAME].s,
	    v[P_SLUG].present ? v[P_SLUG].s : NULL, isdef, con_user(p), &pr,
	    &err);
	if (rc == DOM_OK && ((v[P_SANDBOX].present &&
	    strcmp(v[P_SANDBOX].s, "local") != 0) ||
	    (v[P_TEAM].present && !v[P_TEAM].isnull))) {
		memset(&pp, 0, sizeof(pp));
		pp.sandbox_provider = v[P_SANDBOX].present ? v[P_SANDBOX].s : NULL;
		pp.set_team = v[P_TEAM].present && !v[P_TEAM].isnull;
		pp.team_id = pp.set_team ? v[P_TEAM].s : NULL;
		rc = project_update(req->arena, &who, p->org_id, pr.id, &pp, 1,
		    &pr, &err);
	}
	if (rc != DOM_OK) {
		store_rollback();
		dom_http_error(resp, rc, &err, "Failed to create project");
		return;
	}
	if (!con_commit(resp, "Failed to create project"))
		return;
	render_project(resp, &pr, 201);
}

void
projects_get(struct request *req, struct response *resp)
{
	struct project pr;

	if (con_project(req, resp, ROLE_NONE, &pr, NULL))
		render_project(resp, &pr, 200);
}

void
projects_update(struct request *req, struct response *resp)
{
	struct json_object *body;
	struct valid_val v[P__MAX];
	struct valid_err verr;
	struct project pr;
	struct project_patch pp;
	struct dom_err err;
	struct actor who;
	enum dom_rc rc;

	if (!con_project(req, resp, ROLE_ADMIN, &pr, NULL))
		return;
	if ((body = con_body(req, resp)) == NULL)
		return;
	if (valid_body(req->arena, VALID_STRICT, patch_fields, P__MAX, body, v,
	    &verr) == -1) {
		http_error(resp, verr.status, verr.msg);
		return;
	}
	if (v[P_DEFAULT].present && !v[P_DEFAULT].i) {
		http_error(resp, 400, "isDefault can only be set to true");
		return;
	}
	memset(&pp, 0, sizeof(pp));
	pp.name = v[P_NAME].present ? v[P_NAME].s : NULL;
	pp.slug = v[P_SLUG].present ? v[P_SLUG].s : NULL;
	pp.sandbox_provider = v[P_SANDBOX].present ? v[P_SANDBOX].s : NULL;
	pp.set_team = v[P_TEAM].present;
	pp.team_id = v[P_TEAM].present && !v[P_TEAM].isnull ? v[P_TEAM].s : NULL;
	pp.make_default = v[P_DEFAULT].present;
	con_actor(req, &who);
	if (!con_begin(resp, "Failed to update project"))
		return;
	if ((rc = project_update(req->arena, &who, req->principal->org_id,
	    pr.id, &pp, 0, &pr, &err)) != DOM_OK) {
		store_rollback();
		dom_http_error(resp, rc, &err, "Failed to update project");
		return;
	}
	if (!con_commit(resp, "Failed to update project"))
		return;
	render_project(resp, &pr, 200);
}

void
projects_delete(struct request *req, struct response *resp)
{
	struct project pr;
	struct dom_err err;
	struct actor who;
	enum dom_rc rc;

	if (!con_project(req, resp, ROLE_NONE, &pr, NULL) ||
	    !need_org_admin(req, resp))
		return;
	con_actor(req, &who);
	if (!con_begin(resp, "Failed to delete project"))
		return;
	if ((rc = project_delete(req->arena, &who, req->principal->org_id,
	    pr.id, &err)) != DOM_OK) {
		store_rollback();
		dom_http_error(resp, rc, &err, "Failed to delete project");
		return;
	}
	if (!con_commit(resp, "Failed to delete project"))
		return;
	resp->status = 204;
}

/* ----------------------------------------------------- project members */

static int
pm_one(const struct project_member *m, void *arg)
{
	struct con_walk *mw = arg;

	if (page_take(&mw->pg, m->added_at, m->user_id))
		project_member_render(&mw->w, m);
	return 0;
}

void
pmembers_list(struct request *req, struct response *resp)
{
	struct project pr;
	struct con_walk mw;

	if (!con_project(req, resp, ROLE_NONE, &pr, NULL))
		return;
	if (!page_parse(req, resp, &mw.pg, 50, 100))
		return;
	con_list_open(resp, &mw.w);
	if (project_member_list(req->arena, req->principal->org_id, pr.id,
	    pm_one, &mw) != DOM_OK) {
		buf_reset(&resp->body);
		http_store_unavailable(resp, "Failed to list project members");
		return;
	}
	page_finish(req->arena, &mw.w, &mw.pg);
	jw_obj_close(&mw.w);
	http_json(resp, 200);
}

static const char *const project_roles[] = { "admin", "member", "viewer", NULL };
#define PROLE_MSG "role must be one of: admin, member, viewer"

enum { PM_USER, PM_EMAIL, PM_ROLE, PM__MAX };
static const struct valid_field pm_fields[PM__MAX] = {
	[PM_USER] = { "userId", VALID_STRING, 0, .maxlen = 255,
	    .msg_invalid = "Exactly one of userId or email is required" },
	[PM_EMAIL] = { "email", VALID_STRING, 0, .maxlen = 254,
	    .msg_invalid = "Exactly one of userId or email is required" },
	[PM_ROLE] = { "role", VALID_STRING, VALID_REQUIRED,
	    .oneof = project_roles, .msg_invalid = PROLE_MSG,
	    .msg_missing = PROLE_MSG },
};
enum { PR_ROLE, PR__MAX };
static const struct valid_field pm_role_fields[PR__MAX] = {
	[PR_ROLE] = { "role", VALID_STRING, VALID_REQUIRED,
	    .oneof = project_roles, .msg_invalid = PROLE_MSG,
	    .msg_missing = PROLE_MSG },
};

static void
render_pm(struct response *resp, const struct project_member *m, int status)
{
	struct jw w;

	jw_init(&w, &resp->body);
	project_member_render(&w, m);
	http_json(resp, status);
}

void
pmembers_add(struct request *req, struct response *resp)
{
	const struct principal *p = req->principal;
	struct json_object *body;
	struct valid_val v[PM__MAX];
	struct valid_err verr;
	struct project pr;
	struct project_member m;
	struct user u;
	struct dom_err err;
	struct actor who;
	const char *uid;
	enum dom_rc rc;

	if (!con_project(req, resp, ROLE_ADMIN, &pr, NULL))
		return;
	if ((body = con_body(req, resp)) == NULL)
		return;
	if (valid_body(req->arena, VALID_STRICT, pm_fields, PM__MAX, body, v,
	    &verr) == -1) {
		http_error(resp, verr.status, verr.msg);
		return;
	}
	if (v[PM_USER].present == v[PM_EMAIL].present) {
		http_error(resp, 400, "Exactly one of userId or email is required");
		return;
	}
	uid = v[PM_USER].s;
	if (v[PM_EMAIL].present) {
		char *e = arena_strdup(req->arena, v[PM_EMAIL].s);

		for (char *c = e; *c; c++)
			if (*c >= 'A' && *c <= 'Z')
				*c = (char)(*c - 'A' + 'a');
		switch (user_get_by_email(req->arena, e, &u)) {
		case DOM_OK:
			uid = u.id;
			break;
		case DOM_NOT_FOUND:
			http_error(resp, 400,
			    "User is not a member of the organization");
			return;
		default:
			http_store_unavailable(resp, "Failed to add project member");
			return;
		}
	}
	con_actor(req, &who);
	if (!con_begin(resp, "Failed to add project member"))
		return;
	if ((rc = project_member_add(req->arena, &who, p->org_id, pr.id, uid,
	    v[PM_ROLE].s, &m, &err)) != DOM_OK) {
		store_rollback();
		dom_http_error(resp, rc, &err, "Failed to add project member");
		return;
	}
	if (!con_commit(resp, "Failed to add project member"))
		return;
	render_pm(resp, &m, 201);
}

void
pmembers_update(struct request *req, struct response *resp)
{
	struct json_object *body;
	struct valid_val v[PR__MAX];
	struct valid_err verr;
	struct project pr;
	struct project_member m;
	struct dom_err err;
	struct actor who;
	enum dom_rc rc;

	if (!con_project(req, resp, ROLE_ADMIN, &pr, NULL))
		return;
	if ((body = con_body(req, resp)) == NULL)
		return;
	if (valid_body(req->arena, VALID_STRICT, pm_role_fields, PR__MAX, body,
	    v, &verr) == -1) {
		http_error(resp, verr.status, verr.msg);
		return;
	}
	con_actor(req, &who);
	if (!con_begin(resp, "Failed to update project member"))
		return;
	if ((rc = project_member_set_role(req->arena, &who,
	    req->principal->org_id, pr.id, http_param(req, "userId"),
	    v[PR_ROLE].s, &m, &err)) != DOM_OK) {
		store_rollback();
		if (rc == DOM_NOT_FOUND)
			err.message = "Project member not found";
		dom_http_error(resp, rc, &err, "Failed to update project member");
		return;
	}
	if (!con_commit(resp, "Failed to update project member"))
		return;
	render_pm(resp, &m, 200);
}

void
pmembers_remove(struct request *req, struct response *resp)
{
	struct project pr;
	struct dom_err err;
	struct actor who;
	enum dom_rc rc;

	if (!con_project(req, resp, ROLE_ADMIN, &pr, NULL))
		return;
	con_actor(req, &who);
	if (!con_begin(resp, "Failed to remove project member"))
		return;
	if ((rc = project_member_remove(req->arena, &who,
	    req->principal->org_id, pr.id, http_param(req, "userId"), &err)) !=
	    DOM_OK) {
		store_rollback();
		if (rc == DOM_NOT_FOUND)
			err.message = "Project member not found";
		dom_http_error(resp, rc, &err, "Failed to remove project member");
		return;
	}
	if (!con_commit(resp, "Failed to remove project member"))
		return;
	resp->status = 204;
}

/* -------------------------------------------------------------- repos */

static const char *const strategies[] = { "full", "shallow", "blobless", NULL };
#define STRATEGY_MSG "cloneStrategy must be one of: full, shallow, blobless"
enum { R_URL, R_STRATEGY, R_BRANCH, R__MAX };
static const struct valid_field repo_fields[R__MAX] = {
	[R_URL] = { "url", VALID_STRING, VALID_REQUIRED, .maxlen = 2048,
	    .msg_invalid = "url must be an https or ssh git URL" },
	[R_STRATEGY] = { "cloneStrategy", VALID_STRING, 0, .oneof = strategies,
	    .msg_invalid = STRATEGY_MSG },
	[R_BRANCH] = { "defaultBranch", VALID_STRING, 0, .minlen = 1,
	    .maxlen = 255, .rule = "a string of 1-255 characters" },
};

static int
repo_one(const struct repo *r, void *arg)
{
	struct con_walk *rw = arg;

	if (page_take(&rw->pg, r->created_at, r->id))
		repo_render(&rw->w, r);
	return 0;
}

void
repos_list(struct request *req, struct response *resp)
{
	struct project pr;
	struct con_walk rw;

	if (!con_project(req, resp, ROLE_NONE, &pr, NULL))
		return;
	if (!page_parse(req, resp, &rw.pg, 50, 100))
		return;
	con_list_open(resp, &rw.w);
	if (repo_list(req->arena, req->principal->org_id, pr.id, repo_one,
	    &rw) != DOM_OK) {
		buf_reset(&resp->body);
		http_store_unavailable(resp, "Failed to list repositories");
		return;
	}
	page_finish(req->arena, &rw.w, &rw.pg);
	jw_obj_close(&rw.w);
	http_json(resp, 200);
}

static void
render_repo(struct response *resp, const struct repo *r, int status)
{
	struct jw w;

	jw_init(&w, &resp->body);
	repo_render(&w, r);
	http_json(resp, status);
}

void
repos_add(struct request *req, struct response *resp)
{
	struct json_object *body;
	struct valid_val v[R__MAX];
	struct valid_err verr;
	struct project pr;
	struct repo r;
	struct dom_err err;
	struct actor who;
	enum dom_rc rc;

	if (!con_project(req, resp, ROLE_ADMIN, &pr, NULL))
		return;
	if ((body = con_body(req, resp)) == NULL)
		return;
	if (valid_body(req->arena, VALID_STRICT, repo_fields, R__MAX, body, v,
	    &verr) == -1) {
		http_error(resp, verr.status, verr.msg);
		return;
	}
	con_actor(req, &who);
	if (!con_begin(resp, "Failed to add repository"))
		return;
	if ((rc = repo_add(req->arena, &who, req->principal->org_id, pr.id,
	    v[R_URL].s, v[R_STRATEGY].present ? v[R_STRATEGY].s : NULL,
	    v[R_BRANCH].present ? v[R_BRANCH].s : NULL, &r, &err)) != DOM_OK) {
		store_rollback();
		dom_http_error(resp, rc, &err, "Failed to add repository");
		return;
	}
	if (!con_commit(resp, "Failed to add repository"))
		return;
	render_repo(resp, &r, 201);
}

void
repos_update(struct request *req, struct response *resp)
{
	struct json_object *body;
	struct valid_val v[R__MAX];
	struct valid_err verr;
	struct project pr;
	struct repo r;
	struct dom_err err;
	struct actor who;
	enum dom_rc rc;

	if (!con_project(req, resp, ROLE_ADMIN, &pr, NULL))
		return;
	if ((body = con_body(req, resp)) == NULL)
		return;
	/* url is not patchable: skip its row. */
	if (valid_body(req->arena, VALID_STRICT, repo_fields + 1, R__MAX - 1,
	    body, v + 1, &verr) == -1) {
		http_error(resp, verr.status, verr.msg);
		return;
	}
	con_actor(req, &who);
	if (!con_begin(resp, "Failed to update repository"))
		return;
	if ((rc = repo_update(req->arena, &who, req->principal->org_id, pr.id,
	    http_param(req, "repoId"),
	    v[R_STRATEGY].present ? v[R_STRATEGY].s : NULL,
	    v[R_BRANCH].present ? v[R_BRANCH].s : NULL, &r, &err)) != DOM_OK) {
		store_rollback();
		dom_http_error(resp, rc, &err, "Failed to update repository");
		return;
	}
	if (!con_commit(resp, "Failed to update repository"))
		return;
	render_repo(resp, &r, 200);
}

void
repos_remove(struct request *req, struct response *resp)
{
	struct project pr;
	struct dom_err err;
	struct actor who;
	enum dom_rc rc;

	if (!con_project(req, resp, ROLE_ADMIN, &pr, NULL))
		return;
	con_actor(req, &who);
	if (!con_begin(resp, "Failed to remove repository"))
		return;
	if ((rc = repo_remove(req->arena, &who, req->principal->org_id, pr.id,
	    http_param(req, "repoId"), &err)) != DOM_OK) {
		store_rollback();
		dom_http_error(resp, rc, &err, "Failed to remove repository");
		return;
	}
	if (!con_commit(resp, "Failed to remove repository"))
		return;
	resp->status = 204;
}

/* ------------------------------------------------ registration tokens */

enum { T_NAME, T_EXPIRES, T__MAX };
static const struct valid_field token_fields[T__MAX] = {
	[T_NAME] = { "name", VALID_STRING, VALID_REQUIRED, .minlen = 1,
	    .maxlen = 100, .rule = "a string of 1-100 characters" },
	[T_EXPIRES] = { "expiresIn", VALID_INT, VALID_MIN | VALID_MAX,
	    .min = 300, .max = 31536000,
	    .msg_invalid = "expiresIn must be an integer between 300 and 31536000" },
};

static void
token_mint(struct request *req, struct response *resp, const char *project_id)
{
	struct json_object *body;
	struct valid_val v[T__MAX];
	struct valid_err verr;
	struct minted out;
	struct dom_err err;
	struct actor who;
	struct jw w;
	enum dom_rc rc;
	static const char *const sc[] = { "worker:register", "worker:poll",
		"worker:heartbeat", "worker:session" };

	if ((body = con_body(req, resp)) == NULL)
		return;
	if (valid_body(req->arena, VALID_STRICT, token_fields, T__MAX, body, v,
	    &verr) == -1) {
		http_error(resp, verr.status, verr.msg);
		return;
	}
	con_actor(req, &who);
	if (!con_begin(resp, "Failed to mint registration token"))
		return;
	if ((rc = regtoken_mint(req->arena, &who, req->principal->org_id,
	    project_id, v[T_NAME].s, con_user(req->principal),
	    v[T_EXPIRES].present ? v[T_EXPIRES].i :
	    cfg.registration_token_ttl, &out, &err)) != DOM_OK) {
		store_rollback();
		dom_http_error(resp, rc, &err, "Failed to mint registration token");
		return;
	}
	if (!con_commit(resp, "Failed to mint registration token"))
		return;
	http_no_store(resp);
	resp->no_log_body = 1;
	jw_init(&w, &resp->body);
	jw_obj_open(&w);
	jw_kstr(&w, "id", out.id);
	jw_kstr(&w, "projectId", project_id);
	jw_kstr(&w, "name", v[T_NAME].s);
	jw_kstr(&w, "tokenPrefix", out.prefix);
	jw_key(&w, "scopes");
	jw_arr_open(&w);
	for (int i = 0; i < 4; i++)
		jw_str(&w, sc[i]);
	jw_arr_close(&w);
	dom_kput_time(&w, "createdAt", out.created_at);
	dom_kput_time(&w, "expiresAt", out.expires_at);
	jw_kstr(&w, "token", out.secret);
	jw_obj_close(&w);
	secure_wipe(out.secret, strlen(out.secret));
	http_json(resp, 201);
}

static int
token_one(const struct regtoken_info *t, void *arg)
{
	struct con_walk *tw = arg;

	if (page_take(&tw->pg, t->created_at, t->id))
		regtoken_render(&tw->w, t);
	return 0;
}

static void
token_list(struct request *req, struct response *resp, const char *project_id)
{
	struct con_walk tw;
	int inc;

	if ((inc = con_include_revoked(req, resp)) == -1)
		return;
	if (!page_parse(req, resp, &tw.pg, 50, 100))
		return;
	con_list_open(resp, &tw.w);
	if (regtoken_list(req->arena, req->principal->org_id, project_id, inc,
	    token_one, &tw) != DOM_OK) {
		buf_reset(&resp->body);
		http_store_unavailable(resp, "Failed to list registration tokens");
		return;
	}
	page_finish(req->arena, &tw.w, &tw.pg);
	jw_obj_close(&tw.w);
	http_json(resp, 200);
}

static void
token_revoke(struct request *req, struct response *resp, const char *project_id)
{
	struct dom_err err;
	struct actor who;
	enum dom_rc rc;

	con_actor(req, &who);
	if (!con_begin(resp, "Failed to revoke registration token"))
		return;
	if ((rc = regtoken_revoke(req->arena, &who, req->principal->org_id,
	    project_id, http_param(req, "tokenId"), &err)) != DOM_OK) {
		store_rollback();
		dom_http_error(resp, rc, &err, "Failed to revoke registration token");
		return;
	}
	if (!con_commit(resp, "Failed to revoke registration token"))
		return;
	resp->status = 204;
}

void
rtokens_mint(struct request *req, struct response *resp)
{
	struct project pr;

	if (con_project(req, resp, ROLE_ADMIN, &pr, NULL))
		token_mint(req, resp, pr.id);
}

void
rtokens_list(struct request *req, struct response *resp)
{
	struct project pr;

	if (con_project(req, resp, ROLE_ADMIN, &pr, NULL))
		token_list(req, resp, pr.id);
}

void
rtokens_revoke(struct request *req, struct response *resp)
{
	struct project pr;

	if (con_project(req, resp, ROLE_ADMIN, &pr, NULL))
		token_revoke(req, resp, pr.id);
}

static int
org_admin_path(struct request *req, struct response *resp)
{
	return con_org_path(req, resp) && need_org_admin(req, resp);
}

void
ortokens_mint(struct request *req, struct response *resp)
{
	if (org_admin_path(req, resp))
		token_mint(req, resp, NULL);
}

void
ortokens_list(struct request *req, struct response *resp)
{
	if (org_admin_path(req, resp))
		token_list(req, resp, NULL);
}

void
ortokens_revoke(struct request *req, struct response *resp)
{
	if (org_admin_path(req, resp))
		token_revoke(req, resp, NULL);
}

/* ----------------------------------------------------- dispatch (§4.3) */

static int
check_ident(struct arena *a, const struct valid_field *f, struct valid_val *v,
    const char **msg)
{
	(void)a;
	(void)f;
	(void)msg;
	if (v->len < 1 || v->len > 64)
		return -1;
	for (size_t i = 0; i < v->len; i++)
		if (v->s[i] <= 0x20 || v->s[i] >= 0x7f)
			return -1;
	return 0;
}

static int
check_work_type(struct arena *a, const struct valid_field *f,
    struct valid_val *v, const char **msg)
{
	struct buf b;

	(void)f;
	if (session_work_type_valid(v->s))
		return 0;
	buf_init(&b);
	buf_puts(&b, "workType must be one of: ");
	for (int i = 0; session_work_types[i] != NULL; i++) {
		if (i)
			buf_puts(&b, ", ");
		buf_puts(&b, session_work_types[i]);
	}
	*msg = arena_strndup(a, b.data, b.len);
	buf_free(&b);
	return -1;
}

enum { D_IDENT, D_TITLE, D_PROMPT, D_WORKTYPE, D_PRIORITY, D__MAX };
static const struct valid_field dispatch_fields[D__MAX] = {
	[D_IDENT] = { "issueIdentifier", VALID_STRING, VALID_REQUIRED,
	    .maxlen = 4096, .check = check_ident,
	    .msg_invalid = "issueIdentifier must be 1-64 printable ASCII characters without spaces" },
	[D_TITLE] = { "issueTitle", VALID_STRING, VALID_CHARS, .maxlen = 500,
	    .msg_invalid = "issueTitle must be at most 500 characters" },
	[D_PROMPT] = { "prompt", VALID_STRING, VALID_REQUIRED, .maxlen = 32768,
	    .msg_invalid = "prompt exceeds 32768 bytes",
	    .msg_toolong = "prompt exceeds 32768 bytes" },
	[D_WORKTYPE] = { "workType", VALID_STRING, 0, .maxlen = 255,
	    .check = check_work_type, .rule = "a string" },
	[D_PRIORITY] = { "priority", VALID_INT, VALID_MIN | VALID_MAX,
	    .min = 1, .max = 9,
	    .msg_invalid = "priority must be an integer between 1 and 9" },
};

void
projects_dispatch(struct request *req, struct response *resp)
{
	const struct principal *p = req->principal;
	struct json_object *body;
	struct valid_val v[D__MAX];
	struct valid_err verr;
	struct project pr;
	struct session_dispatch_in in;
	struct session s;
	enum session_placement place;
	struct dom_err err;
	struct actor who;
	char hash[SHA256_HEX_LEN + 1], iss[4 + 24 + 1];
	char shash[SESSION_HASH_LEN + 1];
	const char *key;
	int created = 0;
	enum dom_rc rc;
	struct jw w;

	if (!con_project(req, resp, p->kind == CK_M2M_JWT ? ROLE_NONE :
	    ROLE_MEMBER, &pr, NULL))
		return;
	if ((body = con_body(req, resp)) == NULL)
		return;
	if (valid_body(req->arena, VALID_STRICT, dispatch_fields, D__MAX, body,
	    v, &verr) == -1) {
		http_error(resp, verr.status, verr.msg);
		return;
	}
	key = arena_printf(req->arena, "%s:%s", pr.id, v[D_IDENT].s);
	sha256_hex(hash, key, strlen(key));
	snprintf(iss, sizeof(iss), "iss_%.24s", hash);
	memset(&in, 0, sizeof(in));
	in.org_id = p->org_id;
	in.project_id = pr.id;
	in.tracker_provider = "rensei";
	in.issue_id = iss;
	in.issue_identifier = v[D_IDENT].s;
	in.has_priority = v[D_PRIORITY].present;
	in.priority = (double)v[D_PRIORITY].i;
	in.work_type = v[D_WORKTYPE].present ? v[D_WORKTYPE].s : NULL;
	in.source = "console";
	in.issue_title = v[D_TITLE].present ? v[D_TITLE].s : NULL;
	in.prompt = v[D_PROMPT].s;
	con_actor(req, &who);
	if (!con_begin(resp, "Failed to dispatch session"))
		return;
	if ((rc = session_dispatch(req->arena, &who, &in, &s, &place, &created,
	    &err)) != DOM_OK) {
		store_rollback();
		dom_http_error(resp, rc, &err, "Failed to dispatch session");
		return;
	}
	if (!con_commit(resp, "Failed to dispatch session"))
		return;
	if (session_hash(shash, s.tracker_session_id) == -1) {
		http_store_unavailable(resp, "Failed to dispatch session");
		return;
	}
	jw_init(&w, &resp->body);
	jw_obj_open(&w);
	jw_kstr(&w, "publicId", s.public_id);
	jw_kstr(&w, "trackerSessionId", s.tracker_session_id);
	jw_kstr(&w, "sessionHash", shash);
	jw_kstr(&w, "status", place == SESSION_PARKED ? "parked" : "queued");
	jw_kstr(&w, "projectId", pr.id);
	jw_kstr(&w, "issueIdentifier", v[D_IDENT].s);
	jw_kstr(&w, "workType", s.work_type);
	jw_kint(&w, "priority", s.priority);
	dom_kput_time(&w, "createdAt", s.created_at);
	jw_obj_close(&w);
	http_json(resp, 201);
}
