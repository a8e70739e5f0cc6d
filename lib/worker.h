/*
 * worker.h -- workers of the worker protocol (02-worker-protocol.md §3-§5):
 * registration, heartbeats, runtime-token refresh, listing, deregistration,
 * and the tenancy and liveness predicates the poll and claim code shares.
 *
 * Workers expire lazily (02 §3.1): a row whose lastHeartbeat is older than
 * WORKER_TTL is gone, and every read treats it as absent.  Writers run
 * inside the caller's write transaction and append their audit event there.
 * Strings returned live in the caller's arena.
 */
#ifndef RENSEI_WORKER_H
#define RENSEI_WORKER_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "arena.h"
#include "auth.h"
#include "http.h"
#include "json.h"
#include "tenancy.h"

#define WORKER_ID_LEN 20           /* wkr_ + 16 hex */
#define WORKER_HOSTNAME_MAX 255
#define WORKER_VERSION_MAX 64
#define WORKER_PROJECTS_MAX 100     /* entries of `projects` */
#define WORKER_PROJECT_NAME_MAX 128
#define WORKER_PROVIDES_MAX 32

/* One row of `workers` (02 §4 WorkerInfo plus the stored columns). */
struct worker {
	const char  *id, *org_id;
	const char  *auth_project_ids;   /* JSON array text; NULL = all */
	const char **auth_projects;      /* parsed auth_project_ids */
	int          nauth_projects;     /* -1 when auth_project_ids is NULL */
	const char  *registered_via;     /* the runtime JWT's reg */
	const char  *hostname;
	int64_t      capacity, active_count;
	int64_t      registered_at, last_heartbeat;   /* ms */
	const char  *status;             /* stored: "active" or "draining" */
	const char  *version;            /* NULL = unset, likewise below */
	const char  *projects;           /* JSON string[] */
	const char  *machine_id;
	const char  *provides;           /* JSON array as registered */
	const char  *capabilities;       /* JSON string[] (v1) */
	const char  *region;
	const char  *reported_status;    /* active | idle | busy | draining */
	int64_t      max_sessions;       /* 0 = unset */
	const char  *load;               /* JSON {cpu, memory} */
};

/* ------------------------------------------------------------ predicates */

/* now - lastHeartbeat <= WORKER_TTL * 1000 (02 §6.2). */
int worker_alive(const struct worker *w, int64_t now);
/* now - lastHeartbeat > WORKER_HEARTBEAT_TIMEOUT: shown `offline`. */
int worker_offline(const struct worker *w, int64_t now);
/* Stored status "draining" (the last heartbeat, or a v1 register, said
 * so): poll offers no new work, claim answers "Worker is draining". */
int worker_draining(const struct worker *w);
/* 02 §3.2: same org and (p.projectIds null, or W.authProjectIds non-null
 * and a subset of p.projectIds). */
int worker_addressable(const struct principal *p, const struct worker *w);
/* "active", "draining" or "offline", as WorkerInfo shows it. */
const char *worker_status_shown(const struct worker *w, int64_t now);

/* ------------------------------------------------------------------ reads */

/* The live worker id: DOM_NOT_FOUND when missing or gone, DOM_STORE. */
enum dom_rc worker_get(struct arena *a, const char *id, int64_t now,
                       struct worker *out) DOM_WUR;
/* Alive workers addressable by p, oldest registeredAt first, then id. */
enum dom_rc worker_list(struct arena *a, const struct principal *p,
                        int64_t now,
                        int (*fn)(const struct worker *, void *),
                        void *arg) DOM_WUR;
/* Ids of the sessions with this workerId in claimed/running/finalizing,
 * oldest claimedAt first.  *ids is NULL when *n is 0. */
enum dom_rc worker_active_sessions(struct arena *a, const char *worker_id,
                                   const char ***ids, size_t *n) DOM_WUR;
/* Queue rows visible to p (02 §3.2: org, and project when p is bound). */
enum dom_rc worker_queue_length(const struct principal *p,
                                int64_t *out) DOM_WUR;
/* Queue rows a poll by w would match (02 §5.1 heartbeat): its org, its
 * auth projects, its `projects` name filter (project id or slug), and no
 * unexpired nack by w. */
enum dom_rc worker_pending_work_count(const struct worker *w, int64_t now,
                                      int64_t *out) DOM_WUR;

/* ---------------------------------------------------------------- writes */

/* What the registering credential contributes (01-auth.md §5.3, §6.1). */
struct worker_reg {
	const char  *org_id;
	const char **project_ids;        /* NULL = all projects */
	int          nprojects;
	const char  *reg;                /* rtk_…, key_…, usr_… or "legacy" */
	unsigned     scope;              /* JWT_SCOPE_* bits of the JWT */
};

/* 1 when p is a registration credential (01-auth.md §5.3 items 1-3: a
 * registration token, a worker_registration key, a key holding
 * worker:register or *, the legacy key) and fills out from it; 0 for
 * every other principal (M2M and runtime JWTs, cookies, other keys). */
int worker_reg_from_principal(const struct principal *p,
                              struct worker_reg *out);

/* Self-refresh (01-auth.md §5.3): p is the worker's own runtime JWT.
 * DOM_OK when the credential named by its reg is still usable (token or
 * key neither revoked nor expired, a key still a registration credential
 * or onboarding-capable on the worker's project, legacy mode still on, a
 * user still project admin there), with out recomputed from it (org and
 * projects from the JWT, scope from the credential); DOM_FORBIDDEN (→ U3)
 * otherwise; DOM_STORE. */
enum dom_rc worker_reg_check(struct arena *a, const struct principal *p,
                             int64_t now, struct worker_reg *out) DOM_WUR;

/* Onboarding mode (01-auth.md §5.3) of a cookie or a `user` key that is
 * no registration credential: project_ref (proj_ id or slug) must be a
 * project of p's org on which p may mint registration tokens (project
 * admin; a key also needs `*` or org_keys:write and projectIds covering
 * it, and its creator project admin).  DOM_OK with *out; DOM_NOT_FOUND
 * (unknown, invisible or outside the key's projects: 404 "Project not
 * found"); DOM_FORBIDDEN (F3); DOM_STORE. */
enum dom_rc worker_onboarding_check(struct arena *a, const struct principal *p,
                                    const char *project_ref,
                                    struct project *out) DOM_WUR;
/* 1 when p may use onboarding mode at all (a cookie, or a `user` key that
 * is not a registration credential). */
int worker_onboarding_capable(const struct principal *p);

/* Audit actor of a worker-protocol call (09-audit.md §4.2): "worker" with
 * worker_id for runtime JWTs, registration tokens, worker_registration
 * keys and the legacy key; "api_key" with the key id for other keys;
 * "user" for cookies; "m2m" for M2M JWTs. */
struct actor worker_actor(const struct principal *p, const char *worker_id);
/* The principal's credentialKind (01-auth.md §3): "registration_token",
 * "api_key", "legacy_key", "runtime_jwt", "cookie", "m2m_jwt", … */
const char *worker_credential_kind(const struct principal *p);

/* A compact JSON array of n strings, in the arena. */
const char *worker_json_strs(struct arena *a, const char *const *s,
                             const size_t *lens, size_t n);

/* The fields of a register body (02 §5.1 or v1 §5.3). */
struct worker_reg_body {
	const char  *hostname;
	int64_t      capacity;
	const char  *version;            /* NULL = unset, likewise below */
	const char  *projects;           /* JSON string[] */
	const char  *machine_id;
	const char  *provides;           /* JSON array */
	const char  *capabilities;       /* JSON string[] (v1) */
	const char  *region;
	const char  *reported_status;    /* v1 status; "draining" drains */
};

/* A freshly minted runtime JWT (in the arena; wipe after sending). */
struct worker_token {
	char       *token;
	size_t      len;
	int64_t     expires_at;          /* ms */
	char        expires_iso[32];
};

/* Inserts the worker with a new id (authProjectIds = reg's projects),
 * mints its runtime JWT and appends worker.registered.  p: the caller,
 * for the audit actor (a worker actor names the new id) and the
 * credentialKind. */
enum dom_rc worker_register(struct arena *a, const struct principal *p,
                            const struct worker_reg *reg,
                            const struct worker_reg_body *body, int64_t now,
                            struct worker *out,
                            struct worker_token *tok) DOM_WUR;

/* Heartbeat fields: pre-v1 (02 §5.1) and v1 (§5.3). */
struct worker_beat {
	int64_t      active_count;
	const char  *reported_status;    /* NULL = leave */
	int64_t      max_sessions;       /* 0 = leave; replaces capacity */
	const char  *load;               /* JSON {cpu, memory}; NULL = leave */
	const char  *hostname;           /* v1 only; NULL = leave */
	const char  *version;            /* v1 only; NULL = leave */
	const char  *capabilities;       /* v1 only; NULL = leave */
	const char  *region;             /* v1 only; NULL = leave */
	const char  *sent_at;            /* v1 only, stored as received */
};

/* Updates lastHeartbeat = now and the fields given, then counts pending
 * work, inside the caller's write transaction.  DOM_NOT_FOUND when gone,
 * or when p (NULL: no check) may not address the worker: the caller rolls
 * back, which undoes the update.  No audit event (telemetry). */
enum dom_rc worker_heartbeat(struct arena *a, const struct principal *p,
                             const char *worker_id,
                             const struct worker_beat *b, int64_t now,
                             int64_t *pending) DOM_WUR;

/* Same worker id, lastHeartbeat = now, a new runtime JWT (proj from the
 * worker's authProjectIds, reg and scope from reg);
 * worker.token_refreshed.  DOM_NOT_FOUND when gone meanwhile. */
enum dom_rc worker_refresh(struct arena *a, const struct principal *p,
                           const struct worker *w, const struct worker_reg *reg,
                           int64_t now, struct worker_token *tok) DOM_WUR;

/* Deletes the worker row (its sessions are untouched) and appends
 * worker.deregistered with unclaimedSessions; *ids and *n: the sessions it
 * still held (claimed/running/finalizing, oldest claimedAt first). */
enum dom_rc worker_delete(struct arena *a, const struct principal *p,
                          const struct worker *w,
                          const char ***ids, size_t *n) DOM_WUR;

/* Mints a runtime JWT for worker_id (01-auth.md §6.1): org and reg from
 * reg, proj from projects (NULL = all), exp = iat +
 * RENSEI_RUNTIME_TOKEN_TTL.  DOM_STORE when the secret is missing. */
enum dom_rc worker_token_mint(struct arena *a, const char *worker_id,
                              const struct worker_reg *reg,
                              const char *const *projects, int nprojects,
                              int64_t now, struct worker_token *tok) DOM_WUR;

/* ------------------------------------------------------------- rendering */

/* WorkerInfo in the key order of 02 §4, `?` members omitted when unset.
 * status: the status shown (worker_status_shown() in lists); NULL = the
 * stored one (GET /api/workers/{id}). */
void worker_render(struct jw *w, const struct worker *wk,
                   const char *const *active_sessions, size_t nactive,
                   const char *status);

/* ------------------------------------- HTTP helpers of the protocol */

/* The non-empty string member name of obj, or NULL. */
const char *worker_json_str(struct json_object *obj, const char *name);

#endif
