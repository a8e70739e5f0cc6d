/*
 * rensei-console -- the console API (04-console.md): /api/auth,
 * /api/org, /api/cli/whoami, /api/projects (this table) and
 * /api/workflows (workflows.c's table, picked by path in dispatch()).
 *
 * Credentials per 01-auth.md §15: the policies below name the accepted
 * kinds and the route's scope; roles, {orgId} and {projectId} are checked
 * by the handlers (util.c), which answer 404 before 403 for resources the
 * caller cannot see.
 */
#include "config.h"

#include <string.h>

#include "auth.h"
#include "extern.h"
#include "secrets.h"
#include "server.h"
#include "workflows.h"

/* Cookie-only routes (U7), with and without an active org. */
static const struct auth_policy p_cookie = {
	AUTH_COOKIE_ONLY, 0, 0, SC_ALL
};
static const struct auth_policy p_cookie_org = {
	AUTH_COOKIE_ONLY, AUTH_NEED_ORG, 0, SC_ALL
};
/* Identity: any valid principal (K, J, C). */
static const struct auth_policy p_ident = {
	AUTH_BEARER_OR_COOKIE, AUTH_ALLOW_M2M | AUTH_NEED_ORG, 0, SC_ALL
};
/* Org people: an org-wide K holding "*", then C; no JWT (U5). */
static const struct auth_policy p_people = {
	AUTH_BEARER_OR_COOKIE, AUTH_ORGWIDE_STAR_KEY | AUTH_NEED_ORG,
	SCOPE(SC_ALL), SC_ALL
};
/* Org keys: K or J with org_keys:write ("*" implies it), then C; a
 * system key names any existing org (01-auth.md §4.6). */
static const struct auth_policy p_keys = {
	AUTH_BEARER_OR_COOKIE,
	AUTH_ALLOW_M2M | AUTH_NEED_ORG | AUTH_ALLOW_SYSTEM_KEY,
	SCOPE(SC_ORG_KEYS_WRITE), SC_ORG_KEYS_WRITE
};
/* Project reads: any valid key (or J, or C) covering the project. */
static const struct auth_policy p_proj_read = {
	AUTH_BEARER_OR_COOKIE, AUTH_ALLOW_M2M | AUTH_NEED_ORG, 0, SC_ALL
};
/* Project writes: "*" or org_keys:write. */
static const struct auth_policy p_proj_write = {
	AUTH_BEARER_OR_COOKIE, AUTH_ALLOW_M2M | AUTH_NEED_ORG,
	SCOPE(SC_ALL) | SCOPE(SC_ORG_KEYS_WRITE), SC_ALL
};
/* Operator dispatch: sessions:write. */
static const struct auth_policy p_dispatch = {
	AUTH_BEARER_OR_COOKIE, AUTH_ALLOW_M2M | AUTH_NEED_ORG,
	SCOPE(SC_SESSIONS_WRITE), SC_SESSIONS_WRITE
};

static const struct route routes[] = {
	/* §2: login reads no credential; logout answers 204 without one. */
	{ "POST",   "/api/auth/login", NULL, auth_login, 0 },
	{ "POST",   "/api/auth/logout", NULL, auth_logout, 0 },
	{ "GET",    "/api/auth/me", &p_cookie, auth_me, 0 },
	{ "POST",   "/api/auth/switch-org", &p_cookie, auth_switch_org, 0 },

	/* §3.1 */
	{ "GET",    "/api/org", &p_ident, org_show, 0 },
	{ "GET",    "/api/cli/whoami", &p_ident, cli_whoami, 0 },
	{ "GET",    "/api/org/members", &p_people, members_list, 0 },
	{ "PATCH",  "/api/org/members/{userId}", &p_people, members_update, 0 },
	{ "DELETE", "/api/org/members/{userId}", &p_people, members_remove, 0 },
	/* §3.2 */
	{ "POST",   "/api/org/invites", &p_people, invites_create, 0 },
	{ "GET",    "/api/org/invites", &p_people, invites_list, 0 },
	{ "DELETE", "/api/org/invites/{id}", &p_people, invites_delete, 0 },
	{ "POST",   "/api/org/invites/{id}/accept", &p_cookie, invites_accept, 0 },
	/* §3.3 */
	{ "POST",   "/api/org/{orgId}/keys", &p_keys, keys_mint, 0 },
	{ "GET",    "/api/org/{orgId}/keys", &p_keys, keys_list, 0 },
	{ "DELETE", "/api/org/{orgId}/keys/{keyId}", &p_keys, keys_revoke, 0 },
	{ "POST",   "/api/org/api-keys", &p_cookie_org, keys_mint_deprecated, 0 },
	/* §3.4 */
	{ "GET",    "/api/org/{orgId}/credentials", &p_cookie_org, ocreds_list, 0 },
	{ "PUT",    "/api/org/{orgId}/credentials/{name}", &p_cookie_org,
	  ocreds_put, 0 },
	{ "DELETE", "/api/org/{orgId}/credentials/{name}", &p_cookie_org,
	  ocreds_delete, 0 },
	/* §4.2 org-wide registration tokens (cookie-only, org admins) */
	{ "POST",   "/api/org/{orgId}/runtime-tokens", &p_cookie_org,
	  ortokens_mint, 0 },
	{ "GET",    "/api/org/{orgId}/runtime-tokens", &p_cookie_org,
	  ortokens_list, 0 },
	{ "DELETE", "/api/org/{orgId}/runtime-tokens/{tokenId}", &p_cookie_org,
	  ortokens_revoke, 0 },

	/* §4 */
	{ "GET",    "/api/projects", &p_proj_read, projects_list, 0 },
	{ "POST",   "/api/projects", &p_proj_write, projects_create, 0 },
	{ "GET",    "/api/projects/{projectId}", &p_proj_read, projects_get, 0 },
	{ "PATCH",  "/api/projects/{projectId}", &p_proj_write,
	  projects_update, 0 },
	{ "DELETE", "/api/projects/{projectId}", &p_proj_write,
	  projects_delete, 0 },
	/* §4.1 */
	{ "GET",    "/api/projects/{projectId}/members", &p_proj_read,
	  pmembers_list, 0 },
	{ "POST",   "/api/projects/{projectId}/members", &p_proj_write,
	  pmembers_add, 0 },
	{ "PATCH",  "/api/projects/{projectId}/members/{userId}", &p_proj_write,
	  pmembers_update, 0 },
	{ "DELETE", "/api/projects/{projectId}/members/{userId}", &p_proj_write,
	  pmembers_remove, 0 },
	{ "GET",    "/api/projects/{projectId}/repos", &p_proj_read,
	  repos_list, 0 },
	{ "POST",   "/api/projects/{projectId}/repos", &p_proj_write,
	  repos_add, 0 },
	{ "PATCH",  "/api/projects/{projectId}/repos/{repoId}", &p_proj_write,
	  repos_update, 0 },
	{ "DELETE", "/api/projects/{projectId}/repos/{repoId}", &p_proj_write,
	  repos_remove, 0 },
	/* §4.2 */
	{ "POST",   "/api/projects/{projectId}/runtime-tokens", &p_proj_write,
	  rtokens_mint, 0 },
	{ "GET",    "/api/projects/{projectId}/runtime-tokens", &p_proj_write,
	  rtokens_list, 0 },
	{ "DELETE", "/api/projects/{projectId}/runtime-tokens/{tokenId}",
	  &p_proj_write, rtokens_revoke, 0 },
	/* §4.3 */
	{ "POST",   "/api/projects/{projectId}/sessions", &p_dispatch,
	  projects_dispatch, 0 },
	/* §4.4 */
	{ "GET",    "/api/projects/{projectId}/credentials", &p_proj_write,
	  pcreds_list, 0 },
	{ "PUT",    "/api/projects/{projectId}/credentials/{name}",
	  &p_proj_write, pcreds_put, 0 },
	{ "DELETE", "/api/projects/{projectId}/credentials/{name}",
	  &p_proj_write, pcreds_delete, 0 },
	{ "PUT",    "/api/projects/{projectId}/environments/{envName}/credentials/{name}",
	  &p_proj_write, ecreds_put, 0 },
	{ "DELETE", "/api/projects/{projectId}/environments/{envName}/credentials/{name}",
	  &p_proj_write, ecreds_delete, 0 },
};

/* /api/workflows and /api/workflows/... go to workflows.c's table. */
static int
is_workflows(const char *path)
{
	static const char pre[] = "/api/workflows";
	size_t n = sizeof(pre) - 1;

	return path != NULL && strncmp(path, pre, n) == 0 &&
	    (path[n] == '\0' || path[n] == '/');
}

static void
dispatch(struct request *req, struct response *resp)
{
	if (is_workflows(req->path))
		route_dispatch(workflow_routes, workflow_nroutes, req, resp);
	else
		route_dispatch(routes, sizeof(routes) / sizeof(routes[0]), req,
		    resp);
}

/* Cookies, API keys, M2M JWTs (verification), sealed credentials and
 * person data in audit payloads, the audit chain. */
#define CONSOLE_SECRETS (SECRET_BIT(SECRET_M2M_HS256) | \
	SECRET_BIT(SECRET_M2M_ED25519) | SECRET_BIT(SECRET_SESSION_HASH) | \
	SECRET_BIT(SECRET_PUBLIC_ID_SALT) | SECRET_BIT(SECRET_SEAL) | \
	SECRET_BIT(SECRET_AUDIT_MASTER))

static const struct responder console = {
	.name = "rensei-console",
	.group = GROUP_CONSOLE,
	.routes = routes,
	.nroutes = sizeof(routes) / sizeof(routes[0]),
	.secrets = CONSOLE_SECRETS,
	.open_store = 1,
	.before_fork = console_before_fork,
	.dispatch = dispatch,
};

int
main(int argc, char **argv)
{
	return server_main(&console, argc, argv);
}
