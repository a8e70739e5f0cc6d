/*
 * creds.c -- the credential store's org, project and environment levels
 * (04-console.md §3.4, §4.4): metadata lists, PUT (sealed value) and
 * DELETE.  Values are never returned and request bodies never logged.
 */
#include "config.h"

#include <string.h>

#include "cred.h"
#include "extern.h"
#include "json.h"
#include "store.h"
#include "valid.h"

enum { C_VALUE, C_DESC, C__MAX };
static const struct valid_field put_fields[C__MAX] = {
	[C_VALUE] = { "value", VALID_STRING, VALID_REQUIRED, .minlen = 1,
	    .maxlen = 65536,
	    .msg_invalid = "value must be a string of 1-65536 bytes" },
	[C_DESC] = { "description", VALID_STRING, VALID_NULLABLE,
	    .maxlen = 500,
	    .msg_invalid = "description must be a string of at most 500 bytes" },
};

/* The path name (and environment): 400 before the body is read. */
static int
check_path(struct request *req, struct response *resp, const char *env)
{
	const char *name = http_param(req, "name");

	if (env != NULL && !credential_env_valid(env)) {
		http_error(resp, 400,
		    "envName must match ^[a-z0-9][a-z0-9_-]{0,47}$");
		return 0;
	}
	if (!credential_name_valid(name)) {
		http_error(resp, 400,
		    "name must match ^[A-Za-z_][A-Za-z0-9_]{0,127}$");
		return 0;
	}
	if (credential_blocked(name)) {
		http_error(resp, 400, arena_printf(req->arena,
		    "%s is reserved for the worker daemon", name));
		return 0;
	}
	return 1;
}

static void
put(struct request *req, struct response *resp, const char *org,
    const char *project, const char *env)
{
	struct json_object *body;
	struct valid_val v[C__MAX];
	struct valid_err verr;
	struct credential c;
	struct dom_err err;
	struct actor who;
	struct jw w;
	enum dom_rc rc;
	int created = 0;

	resp->no_log_body = 1;
	if (!check_path(req, resp, env))
		return;
	if ((body = con_body(req, resp)) == NULL)
		return;
	if (valid_body(req->arena, VALID_STRICT, put_fields, C__MAX, body, v,
	    &verr) == -1) {
		http_error(resp, verr.status, verr.msg);
		return;
	}
	con_actor(req, &who);
	if (!con_begin(resp, "Failed to store credential"))
		return;
	rc = credential_put(req->arena, &who, org, project, env,
	    http_param(req, "name"), (const uint8_t *)v[C_VALUE].s,
	    v[C_VALUE].len,
	    v[C_DESC].present && !v[C_DESC].isnull ? v[C_DESC].s : NULL,
	    v[C_DESC].present && v[C_DESC].isnull, &c, &created, &err);
	if (rc != DOM_OK) {
		store_rollback();
		dom_http_error(resp, rc, &err, "Failed to store credential");
		return;
	}
	if (!con_commit(resp, "Failed to store credential"))
		return;
	jw_init(&w, &resp->body);
	credential_render(&w, &c);
	http_json(resp, created ? 201 : 200);
}

static void
del(struct request *req, struct response *resp, const char *org,
    const char *project, const char *env)
{
	struct dom_err err;
	struct actor who;
	enum dom_rc rc;

	if (env != NULL && !credential_env_valid(env)) {
		http_error(resp, 404, "Credential not found");
		return;
	}
	con_actor(req, &who);
	if (!con_begin(resp, "Failed to delete credential"))
		return;
	rc = credential_delete(req->arena, &who, org, project, env,
	    http_param(req, "name"), &err);
	if (rc != DOM_OK) {
		store_rollback();
		if (rc == DOM_NOT_FOUND || rc == DOM_INVALID) {
			http_error(resp, 404, "Credential not found");
			return;
		}
		dom_http_error(resp, rc, &err, "Failed to delete credential");
		return;
	}
	if (!con_commit(resp, "Failed to delete credential"))
		return;
	resp->status = 204;
}

static int
cred_one(const struct credential *c, void *arg)
{
	struct con_walk *cw = arg;

	if (page_take(&cw->pg, c->created_at, c->id))
		credential_render(&cw->w, c);
	return 0;
}

static void
list(struct request *req, struct response *resp, const char *org,
    const char *project, const char *env)
{
	struct con_walk cw;

	if (!page_parse(req, resp, &cw.pg, 50, 100))
		return;
	con_list_open(resp, &cw.w);
	if (credential_list(req->arena, org, project, env, cred_one, &cw) !=
	    DOM_OK) {
		buf_reset(&resp->body);
		http_store_unavailable(resp, "Failed to list credentials");
		return;
	}
	page_finish(req->arena, &cw.w, &cw.pg);
	jw_obj_close(&cw.w);
	http_json(resp, 200);
}

/* ---------------------------------------------------- org level (§3.4) */

static int
org_admin_path(struct request *req, struct response *resp)
{
	if (!con_org_path(req, resp))
		return 0;
	if (!con_org_admin(req->principal)) {
		auth_fail(req, resp, F3, 0, 0);
		return 0;
	}
	return 1;
}

void
ocreds_list(struct request *req, struct response *resp)
{
	if (org_admin_path(req, resp))
		list(req, resp, req->principal->org_id, NULL, NULL);
}

void
ocreds_put(struct request *req, struct response *resp)
{
	if (org_admin_path(req, resp))
		put(req, resp, req->principal->org_id, NULL, NULL);
}

void
ocreds_delete(struct request *req, struct response *resp)
{
	if (org_admin_path(req, resp))
		del(req, resp, req->principal->org_id, NULL, NULL);
}

/* ------------------------------------- project and environment (§4.4) */

void
pcreds_list(struct request *req, struct response *resp)
{
	struct project p;
	const char *env;
	size_t n;

	if (!con_project(req, resp, ROLE_ADMIN, &p, NULL))
		return;
	switch (http_query(req, "env", &env, &n)) {
	case HTTP_QUERY_ABSENT:
		env = NULL;
		break;
	case HTTP_QUERY_PRESENT:
		if (strlen(env) == n && credential_env_valid(env))
			break;
		/* FALLTHROUGH */
	default:
		http_error(resp, 400, "env must match ^[a-z0-9][a-z0-9_-]{0,47}$");
		return;
	}
	list(req, resp, req->principal->org_id, p.id, env);
}

void
pcreds_put(struct request *req, struct response *resp)
{
	struct project p;

	if (con_project(req, resp, ROLE_ADMIN, &p, NULL))
		put(req, resp, req->principal->org_id, p.id, NULL);
}

void
pcreds_delete(struct request *req, struct response *resp)
{
	struct project p;

	if (con_project(req, resp, ROLE_ADMIN, &p, NULL))
		del(req, resp, req->principal->org_id, p.id, NULL);
}

void
ecreds_put(struct request *req, struct response *resp)
{
	struct project p;

	if (con_project(req, resp, ROLE_ADMIN, &p, NULL))
		put(req, resp, req->principal->org_id, p.id,
		    http_param(req, "envName"));
}

void
ecreds_delete(struct request *req, struct response *resp)
{
	struct project p;

	if (con_project(req, resp, ROLE_ADMIN, &p, NULL))
		del(req, resp, req->principal->org_id, p.id,
		    http_param(req, "envName"));
}
