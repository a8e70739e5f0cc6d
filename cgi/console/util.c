/*
 * util.c -- helpers shared by the handlers of rensei-console: actors,
 * org and project path checks (04-console.md §1), domain error answers.
 */
#include "config.h"

#include <string.h>

#include "clock.h"
#include "extern.h"
#include "json.h"
#include "store.h"

void
con_actor(const struct request *req, struct actor *out)
{
	const struct principal *p = req->principal;

	switch (p->kind) {
	case CK_COOKIE:
		out->type = "user";
		out->id = p->user_id;
		break;
	case CK_M2M_JWT:
		out->type = "m2m";
		out->id = p->client_id;
		break;
	case CK_API_KEY:
		if (p->type == PT_SYSTEM) {
			out->type = "system";
			out->id = p->key_id;
			break;
		}
		out->type = "api_key";
		out->id = p->key_id;
		break;
	default:
		out->type = "system";
		out->id = "unknown";
		break;
	}
}

const char *
con_user(const struct principal *p)
{
	if (p->kind == CK_COOKIE)
		return p->user_id;
	if (p->kind == CK_API_KEY)
		return p->created_by;
	return NULL;
}

int
con_roleless(const struct principal *p)
{
	return p->kind != CK_COOKIE && p->role == ROLE_NONE;
}

int
con_org_admin(const struct principal *p)
{
	return p->role == ROLE_OWNER || p->role == ROLE_ADMIN;
}

int
con_org_path(struct request *req, struct response *resp)
{
	const char *org = http_param(req, "orgId");
	const struct principal *p = req->principal;

	if (org == NULL || p->org_id == NULL || strcmp(org, p->org_id) != 0) {
		http_error(resp, 404, "Organization not found");
		return 0;
	}
	return 1;
}

static int
in_list(const char *const *v, int n, const char *id)
{
	for (int i = 0; i < n; i++)
		if (strcmp(v[i], id) == 0)
			return 1;
	return 0;
}

int
con_project(struct request *req, struct response *resp, enum role need,
    struct project *out, enum role *eff)
{
	const struct principal *p = req->principal;
	const char *id = http_param(req, "projectId");
	enum role r;

	if (id == NULL || p->org_id == NULL)
		goto nf;
	switch (project_get(req->arena, p->org_id, id, out)) {
	case DOM_OK:
		break;
	case DOM_NOT_FOUND:
		goto nf;
	default:
		http_store_unavailable(resp, "Failed to read project");
		return 0;
	}
	if (p->project_ids != NULL &&
	    !in_list(p->project_ids, p->nprojects, out->id))
		goto nf;
	if (con_roleless(p)) {
		if (eff != NULL)
			*eff = ROLE_NONE;
		if (need != ROLE_NONE) {
			auth_fail(req, resp, F3, 0, 0);
			return 0;
		}
		return 1;
	}
	r = project_role(p->org_id, out->id, con_user(p), p->role);
	if (r == ROLE_NONE)
		goto nf;
	if (eff != NULL)
		*eff = r;
	if (need != ROLE_NONE && r < need) {
		auth_fail(req, resp, F3, 0, 0);
		return 0;
	}
	return 1;
nf:
	http_error(resp, 404, "Project not found");
	return 0;
}


int
con_begin(struct response *resp, const char *msg)
{
	if (store_begin_write() != STORE_OK) {
		http_store_unavailable(resp, msg);
		return 0;
	}
	return 1;
}

int
con_commit(struct response *resp, const char *msg)
{
	if (store_commit() != STORE_OK) {
		store_rollback();
		http_store_unavailable(resp, msg);
		return 0;
	}
	return 1;
}

struct json_object *
con_body(struct request *req, struct response *resp)
{
	return http_read_json(req, resp);
}

void
con_list_open(struct response *resp, struct jw *w)
{
	jw_init(w, &resp->body);
	jw_obj_open(w);
	jw_key(w, "items");
	jw_arr_open(w);
}

int
con_include_revoked(struct request *req, struct response *resp)
{
	const char *v;
	size_t n;

	switch (http_query(req, "includeRevoked", &v, &n)) {
	case HTTP_QUERY_ABSENT:
		return 0;
	case HTTP_QUERY_PRESENT:
		if (n == 4 && memcmp(v, "true", 4) == 0)
			return 1;
		if (n == 5 && memcmp(v, "false", 5) == 0)
			return 0;
		/* FALLTHROUGH */
	default:
		http_error(resp, 400, "includeRevoked must be true or false");
		return -1;
	}
}

