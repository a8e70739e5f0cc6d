/*
 * rensei-workers -- the worker protocol (02-worker-protocol.md):
 * the /api/workers, /api/sessions and /api/daemon/credentials routes.
 *
 * `rensei-workers --streams` serves only the credential rotate-stream, on
 * its own socket (workers-streams.sock) and process pool
 * (RENSEI_CREDENTIAL_STREAMS + 1), so long-lived streams never take the
 * processes that answer polls and heartbeats (02 §7.4).
 *
 * Scopes per endpoint: 02 §3.3.  Credentials: 01-auth.md §8 (Bearer only;
 * the register route also takes the onboarding cookie).
 */
#include "config.h"

#include <string.h>

#include "auth.h"
#include "extern.h"
#include "secrets.h"
#include "server.h"

#define WORKER_ANY (SCOPE(SC_WORKER_REGISTER) | SCOPE(SC_WORKER_POLL) | \
	SCOPE(SC_WORKER_HEARTBEAT) | SCOPE(SC_WORKER_SESSION))

/* Register and refresh-token take a "registration credential" (01-auth.md
 * §5.3), which is not one scope (a worker_registration key qualifies
 * without worker:register; an M2M JWT never does, whatever it holds): the
 * handlers decide, and answer F2 worker:register themselves. */
static const struct auth_policy p_register = {
	AUTH_WORKER, AUTH_ONBOARDING, 0, SC_WORKER_REGISTER
};
static const struct auth_policy p_refresh = {
	AUTH_WORKER, AUTH_RUNTIME_GRACE, 0, SC_WORKER_REGISTER
};
static const struct auth_policy p_heartbeat = {
	AUTH_WORKER, 0, SCOPE(SC_WORKER_HEARTBEAT), SC_WORKER_HEARTBEAT
};
static const struct auth_policy p_poll = {
	AUTH_WORKER, 0, SCOPE(SC_WORKER_POLL), SC_WORKER_POLL
};
static const struct auth_policy p_worker_delete = {
	AUTH_WORKER, AUTH_ANY_RUNTIME,
	SCOPE(SC_WORKER_REGISTER) | SCOPE(SC_WORKERS_WRITE), SC_WORKER_REGISTER
};
static const struct auth_policy p_workers_read = {
	AUTH_WORKER, 0,
	SCOPE(SC_WORKERS_READ) | SCOPE(SC_SESSIONS_READ) | WORKER_ANY,
	SC_WORKERS_READ
};
static const struct auth_policy p_sessions_read = {
	AUTH_WORKER, 0, SCOPE(SC_SESSIONS_READ) | WORKER_ANY, SC_SESSIONS_READ
};
static const struct auth_policy p_session = {
	AUTH_WORKER, 0, SCOPE(SC_WORKER_SESSION), SC_WORKER_SESSION
};
static const struct auth_policy p_creds = {
	AUTH_DAEMON_CREDS, 0, SCOPE(SC_WORKER_SESSION), SC_WORKER_SESSION
};
static const struct auth_policy p_creds_rotate = {
	AUTH_DAEMON_CREDS, 0, 0, SC_ALL
};

static const struct route routes[] = {
	{ "POST",   "/api/workers/register", &p_register, workers_register, 0 },
	{ "POST",   "/api/workers/{id}/heartbeat", &p_heartbeat, workers_heartbeat, 0 },
	{ "POST",   "/api/workers/{id}/refresh-token", &p_refresh,
	  workers_refresh_token, 0 },
	{ "GET",    "/api/workers/{id}/poll", &p_poll, workers_poll, ROUTE_NO_HEAD },
	{ "GET",    "/api/workers", &p_workers_read, workers_list, 0 },
	{ "GET",    "/api/workers/{id}", &p_workers_read, workers_get, 0 },
	{ "DELETE", "/api/workers/{id}", &p_worker_delete, workers_delete, 0 },

	{ "GET",    "/api/sessions", &p_sessions_read, sessions_list, 0 },
	{ "GET",    "/api/sessions/{id}", &p_sessions_read, sessions_get, 0 },
	{ "GET",    "/api/sessions/{id}/status", &p_sessions_read,
	  sessions_get_status, 0 },
	{ "POST",   "/api/sessions/{id}/status", &p_session, sessions_post_status, 0 },
	{ "POST",   "/api/sessions/{id}/claim", &p_session, sessions_claim, 0 },
	{ "POST",   "/api/sessions/{id}/lock-refresh", &p_session,
	  sessions_lock_refresh, 0 },
	{ "GET",    "/api/sessions/{id}/prompts", &p_session, sessions_prompts_get, 0 },
	{ "POST",   "/api/sessions/{id}/prompts", &p_session, sessions_prompts_post, 0 },
	{ "POST",   "/api/sessions/{id}/inbox/ack", &p_session, sessions_inbox_ack, 0 },
	{ "POST",   "/api/sessions/{id}/transfer-ownership", &p_session,
	  sessions_transfer, 0 },
	{ "POST",   "/api/sessions/{id}/nack", &p_poll, sessions_nack, 0 },
	{ "POST",   "/api/sessions/{id}/activity", &p_session, sessions_activity, 0 },
	{ "POST",   "/api/sessions/{id}/progress", &p_session, sessions_progress, 0 },
	{ "POST",   "/api/sessions/{id}/completion", &p_session,
	  sessions_completion, 0 },
	{ "POST",   "/api/sessions/{id}/external-urls", &p_session,
	  sessions_external_urls, 0 },
	{ "POST",   "/api/sessions/{id}/tool-error", &p_session, sessions_tool_error, 0 },
	{ "POST",   "/api/sessions/{id}/security-scan", &p_session,
	  sessions_security_scan, 0 },

	{ "POST",   "/api/daemon/credentials/snapshot", &p_creds, creds_snapshot, 0 },
	{ "POST",   "/api/daemon/credentials/rotate", &p_creds_rotate, creds_rotate, 0 },
};

/* The streams pool serves one route; HEAD holds no process (00 §3). */
static const struct route stream_routes[] = {
	{ "GET", "/api/daemon/credentials/rotate-stream", &p_creds,
	  creds_rotate_stream, ROUTE_NO_HEAD },
};

#define WORKER_SECRETS (SECRET_BIT(SECRET_RUNTIME_JWT) | \
	SECRET_BIT(SECRET_M2M_HS256) | SECRET_BIT(SECRET_M2M_ED25519) | \
	SECRET_BIT(SECRET_SESSION_HASH) | SECRET_BIT(SECRET_PUBLIC_ID_SALT) | \
	SECRET_BIT(SECRET_SEAL) | SECRET_BIT(SECRET_AUDIT_MASTER))

static const struct responder workers = {
	.name = "rensei-workers",
	.group = GROUP_WORKERS,
	.routes = routes,
	.nroutes = sizeof(routes) / sizeof(routes[0]),
	.secrets = WORKER_SECRETS,
	.open_store = 1,
	.after_request = workers_after_request,
};

static const struct responder streams = {
	.name = "rensei-workers --streams",
	.group = GROUP_WORKERS,
	.socket = "workers-streams",
	.routes = stream_routes,
	.nroutes = sizeof(stream_routes) / sizeof(stream_routes[0]),
	.secrets = WORKER_SECRETS,
	.open_store = 1,
	.procs_from_streams = 1,
};

int
main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--streams") == 0)
		return server_main(&streams, argc, argv);
	return server_main(&workers, argc, argv);
}
