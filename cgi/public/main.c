/*
 * rensei-public -- the public stats and sessions API (03-public.md):
 * org-scoped read and control outside the dashboard, /api/public/... routes.
 *
 * Credentials (01-auth.md §15): Bearer K or J (a runtime JWT only on the
 * query-form activities route), then the cookie.  The per-session routes
 * have no policy in the table: their handlers check the path id first
 * (400 before authentication, 03 §2.1), then use a supplied session hash
 * exclusively, else the policy below (common.c).
 */
#include "config.h"

#include "auth.h"
#include "extern.h"
#include "secrets.h"
#include "server.h"

#define PUB_FLAGS (AUTH_ALLOW_M2M | AUTH_NEED_ORG)

const struct auth_policy pub_p_read = {
	AUTH_BEARER_OR_COOKIE, PUB_FLAGS, SCOPE(SC_SESSIONS_READ),
	SC_SESSIONS_READ
};
const struct auth_policy pub_p_write = {
	AUTH_BEARER_OR_COOKIE, PUB_FLAGS, SCOPE(SC_SESSIONS_WRITE),
	SC_SESSIONS_WRITE
};
/* GET /api/public/session-activities: also the worker's runtime JWT,
 * which holds no sessions:read (its session check is in the handler). */
static const struct auth_policy p_query_activities = {
	AUTH_BEARER_OR_COOKIE,
	PUB_FLAGS | AUTH_ALLOW_RUNTIME | AUTH_ANY_RUNTIME,
	SCOPE(SC_SESSIONS_READ), SC_SESSIONS_READ
};

static const struct route routes[] = {
	{ "GET",  "/api/public/stats", &pub_p_read, pub_stats, 0 },
	{ "GET",  "/api/public/stats/v2", &pub_p_read, pub_stats_v2, 0 },
	{ "GET",  "/api/public/machines", &pub_p_read, pub_machines, 0 },
	{ "GET",  "/api/public/sessions", &pub_p_read, pub_sessions_list, 0 },
	{ "GET",  "/api/public/sessions/{id}", NULL, pub_session_get, 0 },
	{ "GET",  "/api/public/sessions/{id}/activities", NULL,
	  pub_activities, 0 },
	{ "GET",  "/api/public/session-activities", NULL,
	  pub_session_activities, 0 },
	{ "POST", "/api/public/sessions/{id}/prompt", NULL, pub_prompt, 0 },
	{ "POST", "/api/public/sessions/{id}/stop", NULL, pub_stop, 0 },
	{ "POST", "/api/public/sessions/{id}/reconnect", NULL, pub_reconnect, 0 },
	{ "GET",  "/api/public/routing-metrics", &pub_p_read,
	  pub_routing_metrics, 0 },
	{ "GET",  "/api/public/phase-metrics", &pub_p_read,
	  pub_phase_metrics, 0 },
};

/* The query-form route resolves its own credential (H first); it uses
 * this policy otherwise. */
const struct auth_policy *pub_p_query_activities = &p_query_activities;

static const struct responder public_api = {
	.name = "rensei-public",
	.group = GROUP_PUBLIC,
	.routes = routes,
	.nroutes = sizeof(routes) / sizeof(routes[0]),
	.secrets = SECRET_BIT(SECRET_M2M_HS256) |
	    SECRET_BIT(SECRET_M2M_ED25519) | SECRET_BIT(SECRET_RUNTIME_JWT) |
	    SECRET_BIT(SECRET_SESSION_HASH) | SECRET_BIT(SECRET_PUBLIC_ID_SALT) |
	    SECRET_BIT(SECRET_AUDIT_MASTER) | SECRET_BIT(SECRET_SEAL),
	.open_store = 1,
};

int
main(int argc, char **argv)
{
	return server_main(&public_api, argc, argv);
}
