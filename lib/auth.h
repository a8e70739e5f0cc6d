/*
 * auth.h -- credential resolution (01-auth.md): one function turns a
 * request and a route's policy into one principal, or answers the exact
 * 401/403 of §1.3.  No handler parses credentials itself.
 */
#ifndef RENSEI_AUTH_H
#define RENSEI_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "http.h"

/* Scope catalogue (01-auth.md §4.3), as bits. */
enum scope {
	SC_ALL = 0,            /* "*" */
	SC_ORG_KEYS_WRITE,
	SC_WORKER_REGISTER, SC_WORKER_POLL, SC_WORKER_HEARTBEAT, SC_WORKER_SESSION,
	SC_SESSIONS_READ, SC_SESSIONS_WRITE,
	SC_WORKFLOWS_READ, SC_WORKFLOWS_WRITE,
	SC_AUDIT_READ, SC_AUDIT_WRITE,
	SC_WORKERS_READ, SC_WORKERS_WRITE,
	SC_AGENTS_READ, SC_AGENTS_WRITE,
	SC_WEBHOOKS_READ, SC_WEBHOOKS_WRITE,
	SC_SYSTEM,
	SC__COUNT
};
#define SCOPE(s) (1u << (s))
#define SCOPES_WORKER (SCOPE(SC_WORKER_REGISTER) | SCOPE(SC_WORKER_POLL) | \
	SCOPE(SC_WORKER_HEARTBEAT) | SCOPE(SC_WORKER_SESSION))
#define SCOPES_M2M_ALLOWED (((1u << SC__COUNT) - 1) & \
	~(SCOPE(SC_SYSTEM) | SCOPE(SC_ORG_KEYS_WRITE)))

const char *scope_name(enum scope s);
/* -1 when name is not in the catalogue. */
int         scope_parse(const char *name, size_t n);
/* Bits from a JSON array text of scope names; -1 on a bad array. */
int         scopes_from_json(const char *json, uint32_t *out);

enum role { ROLE_NONE = 0, ROLE_VIEWER, ROLE_AUDITOR, ROLE_MEMBER, ROLE_ADMIN,
	ROLE_OWNER };
const char *role_name(enum role r);
enum role   role_parse(const char *s);   /* ROLE_NONE when unknown */

enum principal_type { PT_USER, PT_API_KEY, PT_M2M, PT_WORKER, PT_SYSTEM,
	PT_SESSION_HASH };
enum cred_kind { CK_COOKIE, CK_API_KEY, CK_REGISTRATION_TOKEN, CK_LEGACY_KEY,
	CK_RUNTIME_JWT, CK_M2M_JWT, CK_SCIM_TOKEN, CK_SESSION_HASH };

/* 01-auth.md §3.  Strings live in the request arena. */
struct principal {
	enum principal_type type;
	enum cred_kind      kind;
	const char   *org_id;          /* NULL only for system principals */
	const char  **project_ids;     /* NULL = every project */
	int           nprojects;
	uint32_t      scopes;          /* SCOPE() bits */
	enum role     role;
	const char   *user_id, *key_id, *client_id, *worker_id, *session_id;
	const char   *reg;             /* runtime JWT `reg` */
	const char   *key_type;        /* "user" / "worker_registration" */
	const char   *created_by;      /* a key's creator (NULL: CLI) */
	int           platform_admin;  /* cookie user with the system flag */
	int           deprecated;      /* legacy key: Deprecation: true */
	int64_t       jwt_exp;         /* runtime/M2M JWT exp (s) */
};

/* has_scope(p, s) ⇔ s ∈ p.scopes or ("*" ∈ p.scopes and s ≠ system). */
int auth_has_scope(const struct principal *p, enum scope s);

/* Which credentials a route accepts, in the order tried (01-auth.md §15). */
enum auth_mode {
	AUTH_COOKIE_ONLY,      /* C; U7 */
	AUTH_BEARER_OR_COOKIE, /* Bearer (K, J as flags allow), then C; U6 */
	AUTH_WORKER,           /* §8 classification (Bearer only) */
	AUTH_DAEMON_CREDS,     /* /api/daemon routes: K or runtime JWT only */
	AUTH_SCIM,             /* SCIM token */
};

#define AUTH_ALLOW_M2M        0x01   /* J accepted (else JWT-shaped → U5) */
#define AUTH_ALLOW_SYSTEM_KEY 0x02   /* a system key passes the scope check */
#define AUTH_ORGWIDE_STAR_KEY 0x04   /* K must be org-wide and hold "*" */
#define AUTH_NEED_ORG         0x08   /* cookie without active org → F6 */
#define AUTH_NEED_SYSTEM      0x10   /* F5 unless the principal is system */
#define AUTH_ONBOARDING       0x20   /* worker register: cookie when no Bearer */
#define AUTH_RUNTIME_GRACE    0x40   /* refresh-token: own JWT accepted until
                                        exp + WORKER_TTL, with no scope check */
#define AUTH_ALLOW_RUNTIME    0x80   /* AUTH_BEARER_OR_COOKIE: runtime JWT too */
#define AUTH_NO_COOKIE        0x100  /* Bearer only (MCP): no credential → U1 */
#define AUTH_ANY_RUNTIME      0x200  /* any runtime JWT passes the scope check
                                        (DELETE /api/workers/{id}, 02 §3.3) */

struct auth_policy {
	enum auth_mode mode;
	unsigned       flags;
	uint32_t       any_scope;      /* 0 = no scope check; else one of these */
	enum scope     f2_scope;       /* the scope F2 names */
};

/* Resolves the caller of req under policy.  On success sets
 * req->principal and returns 1.  Otherwise writes the 401/403 (with
 * WWW-Authenticate, Set-Cookie clearing, Deprecation as §1.2/§7/§9 say),
 * or a 503 with Retry-After when the store fails, into resp and returns 0.
 * The legacy key is accepted only under AUTH_WORKER (elsewhere U1). */
int auth_resolve(struct request *req, struct response *resp,
                 const struct auth_policy *policy);

/* Classifies and verifies one bearer token as 01-auth.md §8 says, for the
 * routes that take it from the body (/v1/daemon/register). */
int auth_resolve_token(struct request *req, struct response *resp,
                       const struct auth_policy *policy, const char *token,
                       size_t len);

/* The canonical failures of §1.3, rendered into resp. */
enum auth_fail { U1, U2, U3, U4, U5, U6, U7, U8, U9, F1, F2, F3, F4, F5, F6, F7 };
void auth_fail(struct request *req, struct response *resp, enum auth_fail f,
               int bearer_rejected, enum scope f2);

/* 01-auth.md §9.4: 1 when Origin (else Referer) matches PUBLIC_BASE_URL. */
int auth_origin_ok(struct request *req, int required);

/* "key_…", "usr_…", … for the access log; NULL when unauthenticated. */
const char *auth_principal_label(const struct request *req);

/* 01-auth.md §1.1: extracts the Bearer token.  Returns 1 with *tok and *len
 * set, 0 when there is no Authorization header, -1 when it is present but
 * malformed. */
int auth_bearer(const struct request *req, const char **tok, size_t *len);

#define SESSION_COOKIE "rensei_session"

/* 01-auth.md §12, §15: the session-hash capability (H) of the per-session
 * public routes.  1 with *hash and *len set when the request supplies one
 * (header X-Rensei-Session-Hash, else query sessionHash; a query value
 * that does not decode counts as supplied, with *len 0), else 0. */
int auth_session_hash_supplied(struct request *req, const char **hash,
                               size_t *len);
/* Verifies a supplied hash for the session the request names: tracker_id
 * NULL when there is no such session.  Form check, recompute, constant-time
 * compare; any failure renders U8 and returns 0.  On success sets
 * req->principal (PT_SESSION_HASH / CK_SESSION_HASH, org_id, session_id =
 * the tracker id, key_id = the public id: the audit actor id of 09-audit.md
 * §4.2) and returns 1. */
int auth_resolve_session_hash(struct request *req, struct response *resp,
                              const char *hash, size_t len,
                              const char *tracker_id, const char *org_id,
                              const char *public_id);

#endif
