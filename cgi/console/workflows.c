/*
 * workflows.c -- /api/workflows (04-console.md §5): project workflows
 * (create, draft, validate, publish into immutable versions, versions,
 * archive, required resources) and the OSS-compatible deploy (§5.3).
 *
 * Credentials (01-auth.md §15): Bearer (K, J), then the cookie.  Scopes:
 * workflows:read on GETs, workflows:write on the rest.  Roles (C and K,
 * the key acting as its creator): reads need a visible project; create,
 * draft and validate project `member`+; publish and archive project
 * admin (J: F3); deploy an org admin (J: F3).  A workflow of another org
 * or of a project the caller does not see is 404.
 */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "auth.h"
#include "crypto.h"
#include "clock.h"
#include "json.h"
#include "log.h"
#include "page.h"
#include "session.h"
#include "store.h"
#include "tenancy.h"
#include "workflow.h"
#include "workflows.h"

static const struct auth_policy p_wf_read = {
	AUTH_BEARER_OR_COOKIE, AUTH_ALLOW_M2M | AUTH_NEED_ORG,
	SCOPE(SC_WORKFLOWS_READ), SC_WORKFLOWS_READ
};
static const struct auth_policy p_wf_write = {
	AUTH_BEARER_OR_COOKIE, AUTH_ALLOW_M2M | AUTH_NEED_ORG,
	SCOPE(SC_WORKFLOWS_WRITE), SC_WORKFLOWS_WRITE
};

const struct route workflow_routes[] = {
	{ "GET",  "/api/workflows", &p_wf_read, workflows_list, 0 },
	{ "POST", "/api/workflows", &p_wf_write, workflows_create, 0 },
	{ "POST", "/api/workflows/deploy", &p_wf_write, workflows_deploy, 0 },
	{ "GET",  "/api/workflows/{id}", &p_wf_read, workflows_get, 0 },
	{ "PUT",  "/api/workflows/{id}/draft", &p_wf_write,
	  workflows_put_draft, 0 },
	{ "POST", "/api/workflows/{id}/validate", &p_wf_write,
	  workflows_validate, 0 },
	{ "POST", "/api/workflows/{id}/publish", &p_wf_write,
	  workflows_publish, 0 },
	{ "GET",  "/api/workflows/{id}/versions", &p_wf_read,
	  workflows_versions, 0 },
	{ "GET",  "/api/workflows/{id}/versions/{version}", &p_wf_read,
	  workflows_version_get, 0 },
	{ "POST", "/api/workflows/{id}/archive", &p_wf_write,
	  workflows_archive, 0 },
	{ "GET",  "/api/workflows/{id}/required-resources", &p_wf_read,
	  workflows_required_resources, 0 },
};
const size_t workflow_nroutes =
    sizeof(workflow_routes) / sizeof(workflow_routes[0]);

#define WF_NOT_FOUND   "Workflow not found"
#define VER_NOT_FOUND  "Version not found"
#define PROJ_NOT_FOUND "Project not found"
#define LIST_MAX       100
#define LIST_DEFAULT   50

/* ------------------------------------------------------------ access */

static int
in_list(const char **v, int n, const char *s)
{
	for (int i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return 1;
	return 0;
}

/* The acting user for role lookups: the cookie's user, a key's creator
 * (NULL for CLI-minted keys, which act as org admin). */
static const char *
acting_user(const struct principal *p)
{
	return p->type == PT_USER ? p->user_id : p->created_by;
}

/* Role-less principals (M2M, worker_registration keys) pass scope checks
 * only. */
static int
roleless(const struct principal *p)
{
	return p->type == PT_M2M || p->role == ROLE_NONE;
}

/* 0: project_id is not visible to the caller; else 1 with *role its
 * effective project role (ROLE_NONE for a role-less caller). */
static int
project_access(struct request *req, const char *project_id, enum role *role)
{
	const struct principal *p = req->principal;
	enum role r;

	*role = ROLE_NONE;
	if (p->org_id == NULL)
		return 0;
	if (p->project_ids != NULL &&
	    !in_list(p->project_ids, p->nprojects, project_id))
		return 0;
	if (roleless(p))
		return 1;
	r = project_role(p->org_id, project_id, acting_user(p), p->role);
	if (r == ROLE_NONE)
		return 0;
	*role = r;
	return 1;
}

/* 1 when the caller holds need on the project (J passes unless
 * j_refused); else answers F3 and returns 0. */
static int
require_role(struct request *req, struct response *resp, enum role have,
    enum role need, int j_refused)
{
	const struct principal *p = req->principal;

	if (p->type == PT_M2M && !j_refused)
		return 1;
	if (roleless(p) || have < need) {
		auth_fail(req, resp, F3, 0, SC_WORKFLOWS_WRITE);
		return 0;
	}
	return 1;
}

static struct actor
actor_of(struct request *req)
{
	struct actor who;

	session_actor(req->principal, NULL, &who);
	return who;
}

/* Loads {id} of the caller's org and checks that its project is visible.
 * Returns 1, or 0 after answering 404 (or 503). */
static int
load(struct request *req, struct response *resp, struct workflow *wf,
    enum role *role, const char *fm)
{
	const char *id = http_param(req, "id");
	enum dom_rc rc;

	rc = workflow_get(req->arena, req->principal->org_id, id, wf);
	if (rc == DOM_STORE) {
		http_store_unavailable(resp, fm);
		return 0;
	}
	if (rc != DOM_OK || !project_access(req, wf->project_id, role)) {
		http_error(resp, 404, WF_NOT_FOUND);
		return 0;
	}
	return 1;
}

static void
fail_dom(struct response *resp, enum dom_rc rc, const struct dom_err *err,
    const char *fm)
{
	switch (rc) {
	case DOM_NOT_FOUND:
		http_error(resp, 404, err->message ? err->message : WF_NOT_FOUND);
		break;
	case DOM_CONFLICT:
		http_error(resp, 409, err->message);
		break;
	case DOM_INVALID:
		http_error(resp, 400, err->message);
		break;
	default:
		http_store_unavailable(resp, fm);
		break;
	}
}

/* Commits, or rolls back and answers 503.  1 on commit. */
static int
commit(struct response *resp, const char *fm)
{
	if (store_commit() != 0) {
		store_rollback();
		http_store_unavailable(resp, fm);
		return 0;
	}
	return 1;
}

static int
begin(struct response *resp, const char *fm)
{
	if (store_begin_write() != 0) {
		http_store_unavailable(resp, fm);
		return 0;
	}
	return 1;
}

/* ------------------------------------------------------------- input */

static void
put_time(struct jw *w, const char *key, int64_t ms)
{
	char iso[ISO8601_LEN + 1];

	iso8601_ms(iso, ms);
	jw_kstr(w, key, iso);
}

static void
bad(struct response *resp, const char *msg)
{
	http_error(resp, 400, msg);
}

/* definition (§5.1) into d; v NULL = absent (d->def NULL).  1 ok, 0
 * after answering 400. */
static int
read_definition(struct request *req, struct response *resp,
    struct json_object *v, struct wf_draft *d)
{
	char errmsg[WF_ERRMSG_MAX];
	struct json_object *out;
	const char *src;
	size_t len;

	memset(d, 0, sizeof(*d));
	d->format = "json";
	if (v == NULL)
		return 1;
	if (json_object_is_type(v, json_type_object)) {
		struct buf b;
		struct jw w;
		buf_init(&b);
		jw_init(&w, &b);
		jw_value(&w, v);
		len = b.len;
		buf_free(&b);
		if (len > WF_SOURCE_MAX) {
			bad(resp, "definition must be at most 262144 bytes");
			return 0;
		}
		d->def = v;
		return 1;
	}
	if (!json_object_is_type(v, json_type_string)) {
		bad(resp, "definition must be an object or a YAML string");
		return 0;
	}
	src = json_object_get_string(v);
	len = (size_t)json_object_get_string_len(v);
	if (len > WF_SOURCE_MAX) {
		bad(resp, "definition must be at most 262144 bytes");
		return 0;
	}
	switch (wf_yaml_to_json(src, len, &out, errmsg)) {
	case WF_YAML_OK:
		break;
	case WF_YAML_NOT_MAPPING:
		bad(resp, "definition must be a mapping at the top level");
		return 0;
	default:
		bad(resp, errmsg);
		return 0;
	}
	d->def = out;   /* owned: draft_free() */
	d->format = "yaml";
	d->source = src;
	return 1;
}

static void
draft_free(struct wf_draft *d)
{
	if (d->def != NULL && strcmp(d->format, "yaml") == 0)
		json_object_put(d->def);
	d->def = NULL;
}

static int
check_name(struct response *resp, struct json_object *body, int required,
    const char **name)
{
	struct json_object *v;
	size_t n = 0;

	*name = NULL;
	if (!json_object_object_get_ex(body, "name", &v)) {
		if (required) {
			bad(resp, "name is required");
			return 0;
		}
		return 1;
	}
	if (json_object_is_type(v, json_type_string)) {
		*name = json_object_get_string(v);
		for (const char *s = *name; *s; s++)
			n += ((unsigned char)*s & 0xC0) != 0x80;
	}
	if (*name == NULL || n < 1 || n > WF_NAME_MAX) {
		bad(resp, required && *name != NULL && n == 0 ?
		    "name is required" :
		    "name must be a string of 1-100 characters");
		return 0;
	}
	return 1;
}

/* ------------------------------------------------------------- routes */

struct vis {
	const struct principal *p;
	struct buf              json;
	int                     n;
};

/* A visible project, unless the key is limited to other projects. */
static int
vis_add(const struct project *p, enum role r, void *arg)
{
	struct vis *v = arg;

	(void)r;
	if (v->p->project_ids != NULL &&
	    !in_list(v->p->project_ids, v->p->nprojects, p->id))
		return 0;
	buf_puts(&v->json, v->n++ ? ",\"" : "\"");
	buf_puts(&v->json, p->id);
	buf_putc(&v->json, '"');
	return 0;
}

struct listc {
	struct jw   *w;
	struct page *pg;
};

/* Rows come in (createdAt, id) order after the cursor. */
static int
list_one(const struct workflow *wf, void *arg)
{
	struct listc *c = arg;

	if (!page_take(c->pg, wf->created_at, wf->id))
		return 1;
	workflow_render(c->w, wf, 0);
	return 0;
}

void
workflows_list(struct request *req, struct response *resp)
{
	const char *fm = "Failed to list workflows";
	const struct principal *p = req->principal;
	const char *status = NULL, *pid = NULL, *filter = NULL;
	size_t len;
	struct page pg;
	struct listc c;
	struct jw w;
	enum dom_rc rc;

	if (!page_parse(req, resp, &pg, LIST_DEFAULT, LIST_MAX))
		return;
	if (http_query(req, "status", &status, &len) != HTTP_QUERY_ABSENT &&
	    (status == NULL || (strcmp(status, "draft") != 0 &&
	    strcmp(status, "published") != 0 &&
	    strcmp(status, "archived") != 0))) {
		bad(resp, "status must be one of: draft, published, archived");
		return;
	}
	if (http_query(req, "projectId", &pid, &len) != HTTP_QUERY_ABSENT) {
		struct project pr;
		enum role r;
		if (pid == NULL || (rc = project_get(req->arena, p->org_id, pid,
		    &pr)) == DOM_NOT_FOUND || (rc == DOM_OK &&
		    !project_access(req, pr.id, &r))) {
			http_error(resp, 404, PROJ_NOT_FOUND);
			return;
		}
		if (rc != DOM_OK) {
			http_store_unavailable(resp, fm);
			return;
		}
		filter = arena_printf(req->arena, "[\"%s\"]", pr.id);
	} else if (!roleless(p)) {
		struct vis v;
		v.p = p;
		v.n = 0;
		buf_init(&v.json);
		buf_putc(&v.json, '[');
		rc = projects_visible(req->arena, p->org_id, acting_user(p),
		    p->role, vis_add, &v);
		buf_putc(&v.json, ']');
		filter = arena_strndup(req->arena, v.json.data, v.json.len);
		buf_free(&v.json);
		if (rc != DOM_OK) {
			http_store_unavailable(resp, fm);
			return;
		}
	}
	c.w = &w;
	c.pg = &pg;
	jw_init(&w, &resp->body);
	jw_obj_open(&w);
	jw_key(&w, "items");
	jw_arr_open(&w);
	/* Role-less: every project, or the key's own. */
	if (p->project_ids != NULL && filter == NULL) {
		struct buf b;
		buf_init(&b);
		buf_putc(&b, '[');
		for (int i = 0; i < p->nprojects; i++) {
			buf_puts(&b, i ? ",\"" : "\"");
			buf_puts(&b, p->project_ids[i]);
			buf_putc(&b, '"');
		}
		buf_putc(&b, ']');
		filter = arena_strndup(req->arena, b.data, b.len);
		buf_free(&b);
	}
	rc = workflow_list(req->arena, p->org_id, filter, status,
	    pg.after_key, pg.has_cursor ? pg.after_id : NULL,
	    (int)pg.limit + 1, list_one, &c);
	if (rc != DOM_OK) {
		buf_reset(&resp->body);
		http_store_unavailable(resp, fm);
		return;
	}
	page_finish(req->arena, &w, &pg);
	jw_obj_close(&w);
	http_json(resp, 200);
}

void
workflows_create(struct request *req, struct response *resp)
{
	const char *fm = "Failed to create workflow";
	const struct principal *p = req->principal;
	struct json_object *body, *v = NULL;
	const char *pid, *name;
	struct wf_draft d;
	struct project pr;
	struct workflow wf;
	struct dom_err err = { NULL };
	struct actor who;
	enum dom_rc rc;
	enum role role;
	struct jw w;

	if ((body = http_read_json(req, resp)) == NULL)
		return;
	if (!json_object_object_get_ex(body, "projectId", &v)) {
		bad(resp, "projectId is required");
		return;
	}
	if (!json_object_is_type(v, json_type_string) ||
	    json_object_get_string_len(v) == 0) {
		bad(resp, "projectId must be a string");
		return;
	}
	pid = json_object_get_string(v);
	if (!check_name(resp, body, 1, &name))
		return;
	v = NULL;
	(void)json_object_object_get_ex(body, "definition", &v);
	if (json_object_object_get_ex(body, "definition", NULL) && v == NULL) {
		bad(resp, "definition must be an object or a YAML string");
		return;
	}
	if (!read_definition(req, resp, v, &d))
		return;
	rc = project_get(req->arena, p->org_id, pid, &pr);
	if (rc == DOM_STORE) {
		draft_free(&d);
		http_store_unavailable(resp, fm);
		return;
	}
	if (rc != DOM_OK || !project_access(req, pr.id, &role)) {
		draft_free(&d);
		http_error(resp, 404, PROJ_NOT_FOUND);
		return;
	}
	if (!require_role(req, resp, role, ROLE_MEMBER, 0)) {
		draft_free(&d);
		return;
	}
	who = actor_of(req);
	if (!begin(resp, fm)) {
		draft_free(&d);
		return;
	}
	rc = workflow_create(req->arena, &who, p->org_id, pr.id, name, &d, &wf,
	    &err);
	draft_free(&d);
	if (rc != DOM_OK) {
		store_rollback();
		fail_dom(resp, rc, &err, fm);
		return;
	}
	if (!commit(resp, fm))
		return;
	jw_init(&w, &resp->body);
	workflow_render(&w, &wf, 1);
	http_json(resp, 201);
}

void
workflows_get(struct request *req, struct response *resp)
{
	const char *fm = "Failed to read workflow";
	struct workflow wf;
	enum role role;
	struct jw w;

	if (!load(req, resp, &wf, &role, fm))
		return;
	jw_init(&w, &resp->body);
	workflow_render(&w, &wf, 1);
	http_json(resp, 200);
}

void
workflows_put_draft(struct request *req, struct response *resp)
{
	const char *fm = "Failed to save draft";
	struct json_object *body, *v = NULL;
	struct workflow wf, out;
	struct wf_draft d;
	struct dom_err err = { NULL };
	struct actor who;
	const char *name;
	enum dom_rc rc;
	enum role role;
	struct jw w;

	if (!load(req, resp, &wf, &role, fm) ||
	    !require_role(req, resp, role, ROLE_MEMBER, 0))
		return;
	if ((body = http_read_json(req, resp)) == NULL)
		return;
	if (!json_object_object_get_ex(body, "definition", &v)) {
		bad(resp, "definition is required");
		return;
	}
	if (v == NULL) {
		bad(resp, "definition must be an object or a YAML string");
		return;
	}
	if (!read_definition(req, resp, v, &d))
		return;
	if (!check_name(resp, body, 0, &name) || !begin(resp, fm)) {
		draft_free(&d);
		return;
	}
	who = actor_of(req);
	rc = workflow_put_draft(req->arena, &who, req->principal->org_id,
	    wf.id, &d, name, &out, &err);
	draft_free(&d);
	if (rc != DOM_OK) {
		store_rollback();
		fail_dom(resp, rc, &err, fm);
		return;
	}
	if (!commit(resp, fm))
		return;
	jw_init(&w, &resp->body);
	workflow_render(&w, &out, 1);
	http_json(resp, 200);
}

void
workflows_validate(struct request *req, struct response *resp)
{
	const char *fm = "Failed to validate workflow";
	struct workflow wf;
	struct json_object *def = NULL;
	struct wf_issues is;
	enum role role;
	struct jw w;

	if (!load(req, resp, &wf, &role, fm) ||
	    !require_role(req, resp, role, ROLE_MEMBER, 0))
		return;
	if (http_read_json(req, resp) == NULL)
		return;
	if (wf.draft_definition != NULL &&
	    json_parse_strict(wf.draft_definition, strlen(wf.draft_definition),
	    WF_DEPTH_MAX + 1, &def) != JSON_OK) {
		http_store_unavailable(resp, fm);
		return;
	}
	wf_validate(req->arena, def, &is);
	json_object_put(def);
	jw_init(&w, &resp->body);
	jw_obj_open(&w);
	jw_kbool(&w, "valid", is.nerrors == 0);
	jw_key(&w, "issues");
	wf_issues_render(&w, &is);
	jw_obj_close(&w);
	http_json(resp, 200);
}

void
workflows_publish(struct request *req, struct response *resp)
{
	const char *fm = "Failed to publish workflow";
	struct json_object *body, *v;
	struct workflow wf;
	struct wf_version ver;
	struct wf_issues is;
	struct dom_err err = { NULL };
	struct actor who;
	const char *reason = NULL;
	enum dom_rc rc;
	enum role role;
	struct jw w;

	if (!load(req, resp, &wf, &role, fm) ||
	    !require_role(req, resp, role, ROLE_ADMIN, 1))
		return;
	if ((body = http_read_json(req, resp)) == NULL)
		return;
	if (json_object_object_get_ex(body, "mode", &v) &&
	    (!json_object_is_type(v, json_type_string) ||
	    strcmp(json_object_get_string(v), "in-place") != 0)) {
		bad(resp, "mode must be \"in-place\"");
		return;
	}
	if (json_object_object_get_ex(body, "changeReason", &v) &&
	    !json_object_is_type(v, json_type_null)) {
		size_t n = 0;
		if (!json_object_is_type(v, json_type_string)) {
			bad(resp, "changeReason must be a string");
			return;
		}
		reason = json_object_get_string(v);
		for (const char *s = reason; *s; s++)
			n += ((unsigned char)*s & 0xC0) != 0x80;
		if (n > WF_REASON_MAX) {
			bad(resp, "changeReason must be at most 500 characters");
			return;
		}
	}
	who = actor_of(req);
	if (!begin(resp, fm))
		return;
	rc = workflow_publish(req->arena, &who, req->principal->org_id, wf.id,
	    reason, &ver, &is, &err);
	if (rc == DOM_INVALID) {
		store_rollback();
		jw_init(&w, &resp->body);
		jw_obj_open(&w);
		jw_kstr(&w, "error", "Unprocessable Entity");
		jw_kstr(&w, "message", "Workflow definition failed validation");
		jw_key(&w, "issues");
		wf_issues_render(&w, &is);
		jw_obj_close(&w);
		http_json(resp, 422);
		return;
	}
	if (rc != DOM_OK) {
		store_rollback();
		fail_dom(resp, rc, &err, fm);
		return;
	}
	if (!commit(resp, fm))
		return;
	jw_init(&w, &resp->body);
	jw_obj_open(&w);
	jw_kstr(&w, "workflowId", wf.id);
	jw_kint(&w, "version", ver.version);
	jw_kint(&w, "liveVersion", ver.version);
	jw_kstr(&w, "definitionSha256", ver.sha256);
	jw_kstr(&w, "changeReason", ver.change_reason);
	put_time(&w, "publishedAt", ver.published_at);
	jw_kstr(&w, "publishedBy", ver.published_by);
	jw_key(&w, "warnings");
	wf_issues_render(&w, &is);
	jw_obj_close(&w);
	http_json(resp, 201);
}

struct verc {
	struct jw   *w;
	struct page *pg;
};

/* Newest first: the cursor (version, workflow id) is handled in SQL, so
 * the page only counts here. */
static int
ver_one(const struct wf_version *v, void *arg)
{
	struct verc *c = arg;

	if (c->pg->n >= c->pg->limit) {
		c->pg->more = 1;
		return 1;
	}
	c->pg->n++;
	c->pg->last_key = v->version;
	c->pg->last_id = v->workflow_id;
	wf_version_render(c->w, v, 0);
	return 0;
}

void
workflows_versions(struct request *req, struct response *resp)
{
	const char *fm = "Failed to list versions";
	struct workflow wf;
	enum role role;
	struct page pg;
	struct verc c;
	struct jw w;

	if (!load(req, resp, &wf, &role, fm))
		return;
	if (!page_parse(req, resp, &pg, LIST_DEFAULT, LIST_MAX))
		return;
	if (pg.has_cursor && (pg.after_key < 1 ||
	    strcmp(pg.after_id, wf.id) != 0)) {
		bad(resp, "Invalid cursor");
		return;
	}
	c.w = &w;
	c.pg = &pg;
	jw_init(&w, &resp->body);
	jw_obj_open(&w);
	jw_key(&w, "items");
	jw_arr_open(&w);
	if (workflow_versions(req->arena, wf.id,
	    pg.has_cursor ? pg.after_key : 0, (int)pg.limit + 1, ver_one,
	    &c) != DOM_OK) {
		buf_reset(&resp->body);
		http_store_unavailable(resp, fm);
		return;
	}
	page_finish(req->arena, &w, &pg);
	jw_obj_close(&w);
	http_json(resp, 200);
}

/* A positive decimal integer without sign or leading zero; 0 otherwise. */
static int64_t
parse_version(const char *s)
{
	int64_t v = 0;

	if (s == NULL || *s < '1' || *s > '9' || strlen(s) > 15)
		return 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return 0;
		v = v * 10 + (*s - '0');
	}
	return v;
}

void
workflows_version_get(struct request *req, struct response *resp)
{
	const char *fm = "Failed to read version";
	struct workflow wf;
	struct wf_version v;
	enum role role;
	enum dom_rc rc;
	int64_t n;
	struct jw w;

	if (!load(req, resp, &wf, &role, fm))
		return;
	if ((n = parse_version(http_param(req, "version"))) == 0) {
		http_error(resp, 404, VER_NOT_FOUND);
		return;
	}
	rc = workflow_version_get(req->arena, wf.id, n, &v);
	if (rc == DOM_NOT_FOUND) {
		http_error(resp, 404, VER_NOT_FOUND);
		return;
	}
	if (rc != DOM_OK) {
		http_store_unavailable(resp, fm);
		return;
	}
	jw_init(&w, &resp->body);
	wf_version_render(&w, &v, 1);
	http_json(resp, 200);
}

void
workflows_archive(struct request *req, struct response *resp)
{
	const char *fm = "Failed to archive workflow";
	struct workflow wf, out;
	struct actor who;
	enum dom_rc rc;
	enum role role;
	struct jw w;

	if (!load(req, resp, &wf, &role, fm) ||
	    !require_role(req, resp, role, ROLE_ADMIN, 1))
		return;
	if (http_read_json(req, resp) == NULL)
		return;
	who = actor_of(req);
	if (!begin(resp, fm))
		return;
	rc = workflow_archive(req->arena, &who, req->principal->org_id, wf.id,
	    &out);
	if (rc != DOM_OK) {
		struct dom_err err = { NULL };
		store_rollback();
		fail_dom(resp, rc, &err, fm);
		return;
	}
	if (!commit(resp, fm))
		return;
	jw_init(&w, &resp->body);
	workflow_render(&w, &out, 1);
	http_json(resp, 200);
}

void
workflows_required_resources(struct request *req, struct response *resp)
{
	const char *fm = "Failed to read workflow";
	struct workflow wf;
	struct wf_version v;
	struct json_object *def = NULL;
	const char *q = NULL, *text = NULL;
	size_t len;
	enum role role;
	int64_t version = 0;   /* 0: the draft */
	int satisfied;
	enum http_query_rc qr;
	struct jw w;

	if (!load(req, resp, &wf, &role, fm))
		return;
	qr = http_query(req, "version", &q, &len);
	if (qr != HTTP_QUERY_ABSENT) {
		if (q != NULL && strcmp(q, "draft") == 0)
			version = 0;
		else if ((version = parse_version(q)) == 0) {
			bad(resp, "version must be a positive integer or draft");
			return;
		}
	} else
		version = wf.live_version;   /* 0 when none: the draft */
	if (version > 0) {
		enum dom_rc rc = workflow_version_get(req->arena, wf.id, version,
		    &v);
		if (rc == DOM_NOT_FOUND) {
			http_error(resp, 404, VER_NOT_FOUND);
			return;
		}
		if (rc != DOM_OK) {
			http_store_unavailable(resp, fm);
			return;
		}
		text = v.definition;
	} else
		text = wf.draft_definition;
	if (text != NULL && json_parse_strict(text, strlen(text),
	    WF_DEPTH_MAX + 1, &def) != JSON_OK) {
		http_store_unavailable(resp, fm);
		return;
	}
	jw_init(&w, &resp->body);
	jw_obj_open(&w);
	jw_kstr(&w, "workflowId", wf.id);
	if (version > 0)
		jw_kint(&w, "version", version);
	else
		jw_kstr(&w, "version", "draft");
	jw_key(&w, "resources");
	wf_resources_render(&w, def, &satisfied);
	jw_kbool(&w, "satisfied", satisfied);
	jw_obj_close(&w);
	json_object_put(def);
	http_json(resp, 200);
}

/* --------------------------------------------------- deploy (§5.3) */

static int
yaml_type(const char *ct)
{
	return ct != NULL && (strstr(ct, "application/x-yaml") != NULL ||
	    strstr(ct, "application/yaml") != NULL ||
	    strstr(ct, "text/yaml") != NULL);
}

void
workflows_deploy(struct request *req, struct response *resp)
{
	const struct principal *p = req->principal;
	struct json_object *def = NULL, *md, *nm;
	struct wf_deployment dep;
	struct actor who;
	char errmsg[WF_ERRMSG_MAX];
	struct jw w;
	size_t nerr;
	enum dom_rc rc;

	/* Org admin (a CLI-minted key counts as admin); J: F3. */
	if (roleless(p) || (p->role != ROLE_OWNER && p->role != ROLE_ADMIN)) {
		auth_fail(req, resp, F3, 0, SC_WORKFLOWS_WRITE);
		return;
	}
	switch (http_read_body(req)) {
	case HTTP_BODY_OK:
		break;
	case HTTP_BODY_TOO_LARGE:
		http_error(resp, 413, "Request body too large");
		return;
	default:
		bad(resp, "Invalid request body: unable to parse JSON or YAML");
		return;
	}
	if (req->body_len > WF_SOURCE_MAX)
		goto unparsable;
	if (yaml_type(http_header(req, "Content-Type"))) {
		if (wf_yaml_to_json(req->body, req->body_len, &def, errmsg) !=
		    WF_YAML_OK)
			goto unparsable;
	} else if (json_parse_strict(req->body, req->body_len, WF_DEPTH_MAX,
	    &def) != JSON_OK || !json_object_is_type(def, json_type_object))
		goto unparsable;
	jw_init(&w, &resp->body);
	jw_obj_open(&w);
	jw_kstr(&w, "error", "Bad Request");
	jw_kstr(&w, "message", "Invalid workflow definition");
	jw_key(&w, "details");
	nerr = wf_deploy_check(&w, def);
	jw_obj_close(&w);
	if (nerr > 0) {
		http_json(resp, 400);
		json_object_put(def);
		return;
	}
	buf_reset(&resp->body);
	(void)json_object_object_get_ex(def, "metadata", &md);
	(void)json_object_object_get_ex(md, "name", &nm);
	who = actor_of(req);
	if (store_begin_write() != 0) {
		json_object_put(def);
		http_error(resp, 500, "Failed to deploy workflow");
		return;
	}
	rc = workflow_deploy(req->arena, &who, p->org_id,
	    arena_strdup(req->arena, json_object_get_string(nm)), def, &dep);
	json_object_put(def);
	if (rc != DOM_OK || store_commit() != 0) {
		store_rollback();
		http_error(resp, 500, "Failed to deploy workflow");
		return;
	}
	jw_init(&w, &resp->body);
	jw_obj_open(&w);
	jw_kstr(&w, "id", dep.name);
	jw_kstr(&w, "name", dep.name);
	jw_kint(&w, "version", dep.version);
	put_time(&w, "createdAt", dep.created_at);
	put_time(&w, "updatedAt", dep.updated_at);
	jw_obj_close(&w);
	http_json(resp, 201);
	return;
unparsable:
	if (def != NULL)
		json_object_put(def);
	bad(resp, "Invalid request body: unable to parse JSON or YAML");
}
