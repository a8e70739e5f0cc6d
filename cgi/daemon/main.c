/*
 * rensei-daemon -- the v1 daemon routes (02-worker-protocol.md §5.3):
 * POST /v1/daemon/register and POST /v1/daemon/heartbeat.
 *
 * v1 workers share the workers table and every rule of §6.2 with the
 * pre-v1 protocol; the domain work is lib/worker.c's.  register reads its
 * credential from the body (registrationToken, else the Bearer header),
 * so it parses the body before authenticating and its route carries no
 * policy: the handler resolves the token itself (01-auth.md §15).
 */
#include "config.h"

#include <string.h>

#include <json-c/json.h>
#include <sodium.h>

#include "auth.h"
#include "clock.h"
#include "http.h"
#include "json.h"
#include "jwt.h"
#include "secrets.h"
#include "server.h"
#include "settings.h"
#include "store.h"
#include "valid.h"
#include "worker.h"

static const char *const reported_statuses[] = {
	"active", "idle", "busy", "draining", NULL
};

/* lax mode ignores a mistyped optional number; these bounds still
 * answer 400 when the number is there (§5.3). */
static int
check_positive(struct arena *a, const struct valid_field *f,
    struct valid_val *v, const char **msg)
{
	(void)a;
	(void)f;
	if (v->i >= 1)
		return 0;
	*msg = "maxAgents must be a positive number";
	return -1;
}

static int
check_non_negative(struct arena *a, const struct valid_field *f,
    struct valid_val *v, const char **msg)
{
	(void)a;
	(void)f;
	if (v->d >= 0)
		return 0;
	*msg = "activeSessions must be a non-negative number";
	return -1;
}

/* ----------------------------------------------------------- register */

/* The token is classified as 01-auth.md §8 says; the registration
 * credential rule (§5.3 items 1-3) is the handler's, hence no scope. */
static const struct auth_policy p_register = {
	AUTH_WORKER, 0, 0, SC_WORKER_REGISTER
};

enum { R_HOSTNAME, R_VERSION, R_MAXAGENTS, R_CAPS, R_STATUS, R_REGION,
	R_MACHINE, R__MAX };
static const struct valid_field register_fields[R__MAX] = {
	[R_HOSTNAME] = { "hostname", VALID_STRING, VALID_REQUIRED,
	    .maxlen = WORKER_HOSTNAME_MAX,
	    .msg_missing = "hostname is required" },
	[R_VERSION] = { "version", VALID_STRING, .flags = 0 },
	[R_MAXAGENTS] = { "maxAgents", VALID_NUMBER, VALID_FLOOR,
	    .check = check_positive },
	[R_CAPS] = { "capabilities", VALID_STRINGS, .flags = 0 },
	[R_STATUS] = { "status", VALID_STRING, 0, .oneof = reported_statuses },
	[R_REGION] = { "region", VALID_STRING, 0, .maxlen = 64 },
	[R_MACHINE] = { "machineId", VALID_STRING, 0, .maxlen = 255 },
};

static const char *
dup_val(struct arena *a, const struct valid_val *v)
{
	return v->present ? arena_strndup(a, v->s, v->len) : NULL;
}

static void
daemon_register(struct request *req, struct response *resp)
{
	struct json_object *root = NULL;
	struct valid_val v[R__MAX];
	struct valid_err verr;
	struct worker_reg reg;
	struct worker_reg_body body;
	struct worker_token tok;
	struct worker w;
	struct jw jw;
	const char *tk;
	size_t tklen;
	int b;

	if ((root = http_read_json(req, resp)) == NULL)
		return;
	if ((tk = worker_json_str(root, "registrationToken")) != NULL)
		tklen = strlen(tk);
	else if ((b = auth_bearer(req, &tk, &tklen)) != 1) {
		auth_fail(req, resp, U1, b == -1, 0);
		goto out;
	}
	if (!auth_resolve_token(req, resp, &p_register, tk, tklen))
		goto out;
	if (!worker_reg_from_principal(req->principal, &reg)) {
		auth_fail(req, resp, F2, 0, SC_WORKER_REGISTER);
		goto out;
	}
	if (valid_body(req->arena, VALID_LAX, register_fields, R__MAX, root, v,
	    &verr) == -1) {
		http_error(resp, verr.status, verr.msg);
		goto out;
	}
	memset(&body, 0, sizeof(body));
	body.hostname = v[R_HOSTNAME].s;
	body.capacity = v[R_MAXAGENTS].present ? v[R_MAXAGENTS].i : 1;
	body.version = dup_val(req->arena, &v[R_VERSION]);
	if (v[R_CAPS].present)
		body.capabilities = worker_json_strs(req->arena, v[R_CAPS].strs,
		    v[R_CAPS].lens, v[R_CAPS].n);
	body.reported_status = dup_val(req->arena, &v[R_STATUS]);
	body.region = dup_val(req->arena, &v[R_REGION]);
	body.machine_id = dup_val(req->arena, &v[R_MACHINE]);

	if (store_begin_write() != STORE_OK) {
		http_store_unavailable(resp, "Failed to register worker");
		goto out;
	}
	if (worker_register(req->arena, req->principal, &reg, &body,
	    clock_now_ms(), &w, &tok) != DOM_OK) {
		store_rollback();
		http_store_unavailable(resp, "Failed to register worker");
		goto out;
	}
	if (store_commit() != STORE_OK) {
		store_rollback();
		http_store_unavailable(resp, "Failed to register worker");
		goto wipe;
	}
	http_no_store(resp);
	jw_init(&jw, &resp->body);
	jw_obj_open(&jw);
	jw_kstr(&jw, "workerId", w.id);
	jw_key(&jw, "runtimeJwt");
	jw_strn(&jw, tok.token, tok.len);
	jw_kint(&jw, "heartbeatIntervalSeconds",
	    (cfg.worker_heartbeat_interval + 999) / 1000);
	jw_kint(&jw, "pollIntervalSeconds", (cfg.worker_poll_interval + 999) / 1000);
	jw_key(&jw, "runtimeToken");
	jw_strn(&jw, tok.token, tok.len);
	jw_kstr(&jw, "runtimeTokenExpiresAt", tok.expires_iso);
	jw_obj_close(&jw);
	http_json(resp, 201);
wipe:
	sodium_memzero(tok.token, tok.len);
out:
}

/* ---------------------------------------------------------- heartbeat */

static const struct auth_policy p_heartbeat = {
	AUTH_WORKER, 0, SCOPE(SC_WORKER_HEARTBEAT), SC_WORKER_HEARTBEAT
};

enum { H_WORKERID, H_HOSTNAME, H_STATUS, H_ACTIVE, H_MAXSESS, H_REGION,
	H_SENTAT, H_CAPS, H_VERSION, H__MAX };
static const struct valid_field heartbeat_fields[H__MAX] = {
	[H_WORKERID] = { "workerId", VALID_STRING, VALID_REQUIRED,
	    .msg_missing = "workerId is required" },
	[H_HOSTNAME] = { "hostname", VALID_STRING, 0,
	    .maxlen = WORKER_HOSTNAME_MAX },
	[H_STATUS] = { "status", VALID_STRING, 0, .oneof = reported_statuses },
	[H_ACTIVE] = { "activeSessions", VALID_NUMBER, VALID_FLOOR,
	    .check = check_non_negative },
	[H_MAXSESS] = { "maxSessions", VALID_NUMBER, VALID_MIN | VALID_FLOOR,
	    .min = 1 },
	[H_REGION] = { "region", VALID_STRING, 0, .maxlen = 64 },
	[H_SENTAT] = { "sentAt", VALID_STRING, .flags = 0 },
	[H_CAPS] = { "capabilities", VALID_STRINGS, 0, .maxcount = 32 },
	[H_VERSION] = { "version", VALID_STRING, 0,
	    .maxlen = WORKER_VERSION_MAX },
};

static void
daemon_heartbeat(struct request *req, struct response *resp)
{
	const struct principal *p = req->principal;
	struct json_object *root = NULL;
	struct valid_val v[H__MAX];
	struct valid_err verr;
	struct worker_beat b;
	struct jw jw;
	char ts[ISO8601_LEN + 1];
	const char *id;
	int64_t now, pending = 0;
	enum dom_rc rc;

	if ((root = http_read_json(req, resp)) == NULL)
		return;
	if (valid_body(req->arena, VALID_LAX, heartbeat_fields, H__MAX, root,
	    v, &verr) == -1) {
		http_error(resp, verr.status, verr.msg);
		goto out;
	}
	id = v[H_WORKERID].s;
	if (p->kind == CK_RUNTIME_JWT && strcmp(p->worker_id, id) != 0) {
		auth_fail(req, resp, F1, 0, 0);
		goto out;
	}
	memset(&b, 0, sizeof(b));
	b.active_count = v[H_ACTIVE].present ? v[H_ACTIVE].i : 0;
	b.reported_status = dup_val(req->arena, &v[H_STATUS]);
	if (v[H_MAXSESS].present)
		b.max_sessions = v[H_MAXSESS].i;
	b.hostname = dup_val(req->arena, &v[H_HOSTNAME]);
	b.version = dup_val(req->arena, &v[H_VERSION]);
	b.region = dup_val(req->arena, &v[H_REGION]);
	b.sent_at = dup_val(req->arena, &v[H_SENTAT]);
	if (v[H_CAPS].present)
		b.capabilities = worker_json_strs(req->arena, v[H_CAPS].strs,
		    v[H_CAPS].lens, v[H_CAPS].n);

	now = clock_now_ms();
	if (store_begin_write() != STORE_OK) {
		http_store_unavailable(resp, "Failed to process heartbeat");
		goto out;
	}
	rc = worker_heartbeat(req->arena, p, id, &b, now, &pending);
	if (rc == DOM_OK && store_commit() != STORE_OK)
		rc = DOM_STORE;
	if (rc != DOM_OK) {
		store_rollback();
		if (rc == DOM_NOT_FOUND)
			http_error(resp, 404, "Worker not found");
		else
			http_store_unavailable(resp, "Failed to process heartbeat");
		goto out;
	}
	iso8601_ms(ts, now);
	jw_init(&jw, &resp->body);
	jw_obj_open(&jw);
	jw_kbool(&jw, "acknowledged", 1);
	jw_kstr(&jw, "serverTime", ts);
	jw_kint(&jw, "pendingWorkCount", pending);
	jw_kbool(&jw, "ok", 1);
	jw_kint(&jw, "serverTimeMs", now);
	jw_obj_close(&jw);
	http_json(resp, 200);
out:
}

/* ------------------------------------------------------------- routes */

static const struct route routes[] = {
	{ "POST", "/v1/daemon/register", NULL, daemon_register, 0 },
	{ "POST", "/v1/daemon/heartbeat", &p_heartbeat, daemon_heartbeat, 0 },
};

#define DAEMON_SECRETS (SECRET_BIT(SECRET_RUNTIME_JWT) | \
	SECRET_BIT(SECRET_M2M_HS256) | SECRET_BIT(SECRET_M2M_ED25519) | \
	SECRET_BIT(SECRET_SESSION_HASH) | SECRET_BIT(SECRET_PUBLIC_ID_SALT) | \
	SECRET_BIT(SECRET_SEAL) | SECRET_BIT(SECRET_AUDIT_MASTER))

static const struct responder daemon_responder = {
	.name = "rensei-daemon",
	.group = GROUP_DAEMON,
	.socket = "daemon",
	.routes = routes,
	.nroutes = sizeof(routes) / sizeof(routes[0]),
	.secrets = DAEMON_SECRETS,
	.open_store = 1,
};

int
main(int argc, char **argv)
{
	return server_main(&daemon_responder, argc, argv);
}
