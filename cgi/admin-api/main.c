/*
 * rensei-admin-api -- the platform administration routes of
 * 04-console.md §6 (/api/admin/...): organizations, M2M clients, SCIM
 * tokens and the fleet view of workers across orgs.
 *
 * Credentials (01-auth.md §15): the platform rows take a system key
 * (Bearer) or a platform-admin cookie (F5 otherwise); the org-scoped rows
 * (m2m-clients, scim-tokens) also take an org admin's cookie or an
 * org-wide "*" key whose creator is an org admin.  An M2M JWT is never
 * accepted here (U5).  Every mutation appends its audit event in its
 * transaction (the lib/ writers do).
 */
#include "config.h"

#include <string.h>

#include "auth.h"
#include "extern.h"
#include "secrets.h"
#include "server.h"
#include "store.h"

static const struct auth_policy p_system = {
	AUTH_BEARER_OR_COOKIE, AUTH_NEED_SYSTEM, 0, SC_SYSTEM
};
static const struct auth_policy p_org = {
	AUTH_BEARER_OR_COOKIE, AUTH_ALLOW_SYSTEM_KEY, 0, SC_ALL
};

struct actor
admin_actor(const struct request *req)
{
	const struct principal *p = req->principal;
	struct actor a;

	if (p->kind == CK_COOKIE) {
		a.type = "user";
		a.id = p->user_id;
	} else {
		a.type = "api_key";
		a.id = p->key_id;
	}
	return a;
}

const char *
admin_creator(const struct request *req)
{
	const struct principal *p = req->principal;

	return p->kind == CK_COOKIE ? p->user_id : p->created_by;
}

int
admin_is_system(const struct request *req)
{
	return auth_has_scope(req->principal, SC_SYSTEM);
}

struct org_ids {
	struct arena *a;
	const char  **ids;
	size_t        n, cap;
};

static int
org_id_one(const struct org *o, void *arg)
{
	struct org_ids *c = arg;

	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 16;
		const char **ni = arena_alloc(c->a, cap * sizeof(*ni));

		if (c->n)
			memcpy(ni, c->ids, c->n * sizeof(*ni));
		c->ids = ni;
		c->cap = cap;
	}
	c->ids[c->n++] = arena_strdup(c->a, o->id);
	return 0;
}

enum dom_rc
admin_all_orgs(struct arena *a, const char ***ids, size_t *n)
{
	struct org_ids c;
	enum dom_rc rc;

	memset(&c, 0, sizeof(c));
	c.a = a;
	rc = org_list(a, org_id_one, &c);
	*ids = c.ids;
	*n = c.n;
	return rc;
}

void
admin_store_fail(struct response *resp)
{
	buf_reset(&resp->body);
	http_store_unavailable(resp, "Store unavailable");
}


static void
org_not_found(struct response *resp)
{
	http_error(resp, 404, "Organization not found");
}

int
admin_org_scope(struct request *req, struct response *resp, const char *named,
    int need_named, const char **org_id)
{
	const struct principal *p = req->principal;
	struct org o;
	enum dom_rc rc;

	*org_id = NULL;
	if (admin_is_system(req)) {
		if (named == NULL) {
			if (need_named)
				http_error(resp, 400, "orgId is required");
			else
				*org_id = NULL;
			return !need_named;
		}
		if (store_begin_read() != STORE_OK) {
			admin_store_fail(resp);
			return 0;
		}
		rc = org_get(req->arena, named, &o);
		store_rollback();
		if (rc == DOM_NOT_FOUND || (rc == DOM_OK && strcmp(o.id, named) != 0)) {
			org_not_found(resp);
			return 0;
		}
		if (rc != DOM_OK) {
			admin_store_fail(resp);
			return 0;
		}
		*org_id = o.id;
		return 1;
	}
	if (p->org_id == NULL) {
		auth_fail(req, resp, F6, 0, 0);
		return 0;
	}
	/* An org-wide "*" key of an org admin, or an org admin's cookie. */
	if ((p->kind == CK_API_KEY && (p->project_ids != NULL ||
	    !(p->scopes & SCOPE(SC_ALL)))) || p->role < ROLE_ADMIN) {
		auth_fail(req, resp, F3, 0, 0);
		return 0;
	}
	if (named != NULL && strcmp(named, p->org_id) != 0) {
		org_not_found(resp);
		return 0;
	}
	*org_id = p->org_id;
	return 1;
}

static const struct route routes[] = {
	{ "POST",   "/api/admin/orgs", &p_system, orgs_create, 0 },
	{ "GET",    "/api/admin/orgs", &p_system, orgs_list, 0 },
	{ "POST",   "/api/admin/m2m-clients", &p_org, m2m_clients_create, 0 },
	{ "GET",    "/api/admin/m2m-clients", &p_org, m2m_clients_list, 0 },
	{ "DELETE", "/api/admin/m2m-clients/{clientId}", &p_org,
	  m2m_clients_delete, 0 },
	{ "POST",   "/api/admin/orgs/{orgId}/scim-tokens", &p_org,
	  scim_tokens_create, 0 },
	{ "GET",    "/api/admin/orgs/{orgId}/scim-tokens", &p_org,
	  scim_tokens_list, 0 },
	{ "DELETE", "/api/admin/orgs/{orgId}/scim-tokens/{tokenId}", &p_org,
	  scim_tokens_delete, 0 },
	{ "GET",    "/api/admin/workers", &p_system, fleet_workers_list, 0 },
};

static const struct responder admin = {
	.name = "rensei-admin-api",
	.group = GROUP_ADMIN,
	.routes = routes,
	.nroutes = sizeof(routes) / sizeof(routes[0]),
	.secrets = SECRET_BIT(SECRET_M2M_HS256) | SECRET_BIT(SECRET_M2M_ED25519) |
	    SECRET_BIT(SECRET_SESSION_HASH) | SECRET_BIT(SECRET_AUDIT_MASTER),
	.open_store = 1,
};

int
main(int argc, char **argv)
{
	return server_main(&admin, argc, argv);
}
