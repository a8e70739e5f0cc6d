/*
 * cred.h -- the secrets the platform mints (API keys, registration tokens,
 * M2M clients, SCIM tokens) and the sealed credential store of
 * 02-worker-protocol.md §7.1.
 *
 * Minted secrets are returned once (in the caller's arena, to be wiped by
 * the caller after use) and stored only as SHA-256 hex.  Writers run inside
 * the caller's write transaction and append their audit event there.
 */
#ifndef RENSEI_CRED_H
#define RENSEI_CRED_H

#include <stddef.h>
#include <stdint.h>

#include "tenancy.h"

struct key_mint {
	const char  *org_id;          /* NULL: system key (01-auth.md §4.6) */
	const char  *name;
	const char  *key_type;        /* "user" or "worker_registration" */
	const char **scopes;          /* names, duplicates already collapsed */
	int          nscopes;
	const char **project_ids;     /* NULL = all projects */
	int          nprojects;
	const char  *created_by;      /* usr_…, NULL for CLI / system key */
	int64_t      expires_at;      /* 0 = never */
	int          deprecated_route;
};

struct minted {
	const char *id;
	const char *prefix;
	char       *secret;           /* wipe after use */
	int64_t     created_at;
	int64_t     expires_at;       /* 0 = never */
};

/* The checks of key_mint() that need no store, in the order of
 * 04-console.md §3.3 (name, keyType, scopes, projects, unknown scope,
 * system, scopes needing projects "all", worker_registration): DOM_OK or
 * DOM_INVALID with err set.  key_mint() runs them first. */
enum dom_rc key_mint_validate(struct arena *a, const struct key_mint *m,
                              struct dom_err *err) DOM_WUR;
enum dom_rc key_mint(struct arena *a, const struct actor *who,
                     const struct key_mint *m, struct minted *out,
                     struct dom_err *err) DOM_WUR;
/* org_id NULL: any org (CLI). */
enum dom_rc key_revoke(struct arena *a, const struct actor *who,
                       const char *org_id, const char *key_id,
                       struct dom_err *err) DOM_WUR;

struct key_info {
	const char *id, *org_id, *name, *key_type, *prefix, *scopes_json,
	    *project_ids_json, *created_by;
	int64_t created_at, expires_at, revoked_at, last_used_at;   /* 0 = null */
};
enum dom_rc key_list(struct arena *a, const char *org_id, int include_revoked,
                     int (*fn)(const struct key_info *, void *), void *arg) DOM_WUR;

/* Registration token (01-auth.md §5); ttl_s within 300-31536000. */
enum dom_rc regtoken_mint(struct arena *a, const struct actor *who,
                          const char *org_id, const char *project_id,
                          const char *name, const char *created_by,
                          int64_t ttl_s, struct minted *out,
                          struct dom_err *err) DOM_WUR;

/* 04-console.md §4.2 revocation: sets revokedAt; repeating is a no-op
 * without a second event; runtime_token.revoked.  project_id names the
 * route's project; NULL means the org-wide tokens (projectId null) of the
 * /api/org/{orgId}/runtime-tokens routes.  A token outside that scope is
 * DOM_NOT_FOUND "Registration token not found". */
enum dom_rc regtoken_revoke(struct arena *a, const struct actor *who,
                            const char *org_id, const char *project_id,
                            const char *token_id, struct dom_err *err) DOM_WUR;
struct regtoken_info {
	const char *id, *org_id, *project_id, *name, *prefix, *created_by;
	int64_t created_at, expires_at, last_used_at, revoked_at;   /* 0 = null */
};
/* project_id as regtoken_revoke(); oldest first. */
enum dom_rc regtoken_list(struct arena *a, const char *org_id,
                          const char *project_id, int include_revoked,
                          int (*fn)(const struct regtoken_info *, void *),
                          void *arg) DOM_WUR;
/* The list object of 04-console.md §4.2 (scopes are the fixed four). */
void        regtoken_render(struct jw *w, const struct regtoken_info *t);

/* M2M client (04-console.md §6): id m2m_ + 32 hex, secret m2ms_ + 64 hex. */
enum dom_rc m2m_create(struct arena *a, const struct actor *who,
                       const char *org_id, const char *name,
                       const char **scopes, int nscopes,
                       const char *created_by, struct minted *out,
                       struct dom_err *err) DOM_WUR;
enum dom_rc m2m_delete(struct arena *a, const struct actor *who,
                       const char *org_id, const char *client_id,
                       struct dom_err *err) DOM_WUR;
struct m2m_info {
	const char *id, *org_id, *name, *scopes_json;
	int64_t created_at, last_used_at;
};
enum dom_rc m2m_list(struct arena *a, const char *org_id,
                     int (*fn)(const struct m2m_info *, void *), void *arg) DOM_WUR;

/* SCIM token (01-auth.md §11). */
enum dom_rc scim_token_create(struct arena *a, const struct actor *who,
                              const char *org_id, const char *name,
                              const char *created_by, struct minted *out,
                              struct dom_err *err) DOM_WUR;
/* Sets revokedAt; idempotent (no second event); scim_token.revoked.
 * Unknown or of another org: DOM_NOT_FOUND "SCIM token not found". */
enum dom_rc scim_token_revoke(struct arena *a, const struct actor *who,
                              const char *org_id, const char *token_id,
                              struct dom_err *err) DOM_WUR;
struct scim_token_info {
	const char *id, *org_id, *name, *prefix, *created_by;
	int64_t created_at, last_used_at, revoked_at;   /* 0 = null */
};
/* Every token of the org, revoked ones included, oldest first. */
enum dom_rc scim_token_list(struct arena *a, const char *org_id,
                            int (*fn)(const struct scim_token_info *, void *),
                            void *arg) DOM_WUR;
/* {id, orgId, name, tokenPrefix, createdBy, createdAt, lastUsedAt,
 * revokedAt} of 04-console.md §6. */
void        scim_token_render(struct jw *w, const struct scim_token_info *t);

/* Credential store (02-worker-protocol.md §7.1). project_id "" / env ""
 * for the broader levels. */
struct credential {
	const char *id, *level, *org_id, *project_id, *env_name, *name,
	    *description, *created_by, *updated_by;
	int64_t version, created_at, updated_at;
};
int  credential_name_valid(const char *name);
int  credential_env_valid(const char *env);
int  credential_blocked(const char *name);
/* description: NULL keeps the current one; desc_clear clears it.
 * *created tells whether the row is new. */
enum dom_rc credential_put(struct arena *a, const struct actor *who,
                           const char *org_id, const char *project_id,
                           const char *env_name, const char *name,
                           const uint8_t *value, size_t value_len,
                           const char *description, int desc_clear,
                           struct credential *out, int *created,
                           struct dom_err *err) DOM_WUR;
enum dom_rc credential_delete(struct arena *a, const struct actor *who,
                              const char *org_id, const char *project_id,
                              const char *env_name, const char *name,
                              struct dom_err *err) DOM_WUR;
enum dom_rc credential_list(struct arena *a, const char *org_id,
                            const char *project_id, const char *env_name,
                            int (*fn)(const struct credential *, void *),
                            void *arg) DOM_WUR;
void        credential_render(struct jw *w, const struct credential *c);

/* ------------------------------------- resolution (02-worker-protocol.md §7) */

struct jw;

/* One name's effective credential for (org, project, environment): the
 * row of the most specific level holding it.  No value. */
struct cred_ref {
	const char *name;
	const char *id;
	const char *level;            /* "org", "project", "environment" */
	int64_t     version;
	size_t      sealed_len;       /* bytes of value_sealed */
};

/* §7.1 precedence: the org-level credentials of org_id, overlaid by
 * project_id's project-level ones, overlaid by (project_id, env_name)'s
 * environment-level ones (no fallback to another environment);
 * blocklisted names left out; ascending byte order of name.  Nothing is
 * unsealed.  *refs lives in the arena (NULL when *n is 0). */
enum dom_rc credential_resolve(struct arena *a, const char *org_id,
                               const char *project_id, const char *env_name,
                               struct cred_ref **refs, size_t *n) DOM_WUR;
/* The same for one name: *found 0 when no level holds it or it is
 * blocklisted. */
enum dom_rc credential_resolve_name(struct arena *a, const char *org_id,
                                    const char *project_id,
                                    const char *env_name, const char *name,
                                    struct cred_ref *out, int *found) DOM_WUR;
/* Unseals the value of credential id and writes it to w as a JSON
 * string.  The clear text exists only in a guarded buffer wiped before
 * the return (the caller wipes what w wrote into, buf_wipe()).
 * DOM_NOT_FOUND when the row is gone, DOM_STORE (also when the sealing
 * key cannot open it, logged without the value). */
enum dom_rc credential_value_write(struct jw *w, const char *credential_id) DOM_WUR;

/* One gitCredentials entry of a poll (02-worker-protocol.md §5.1): an
 * https repository of the project and the credential its provider names
 * (GITHUB_TOKEN, GITLAB_TOKEN, BITBUCKET_TOKEN, GIT_TOKEN) as resolved for
 * environment production. */
struct git_token {
	const char     *clone_url;
	struct cred_ref ref;
};
/* The entries of project_id, repositories in createdAt order; names that
 * do not resolve and ssh repositories add nothing. */
enum dom_rc credential_git_tokens(struct arena *a, const char *org_id,
                                  const char *project_id,
                                  struct git_token **out, size_t *n) DOM_WUR;
/* An upper bound of the bytes credential_value_write() and a "NAME":
 * key add for refs[0..n), so a buffer reserved to it never reallocates
 * (and leaves no stray copy of a value in freed memory). */
size_t      credential_env_bound(const struct cred_ref *refs, size_t n);

/* credential.revealed (09-audit.md §4.4) in the caller's write
 * transaction: channel "snapshot", "rotate_stream" or "poll"; entity the
 * session when session_id is set, else the project; names[0..n) as
 * delivered (ascending).  0 or -1. */
int         credential_revealed(struct arena *a, const struct actor *who,
                                const char *org_id, const char *channel,
                                const char *project_id, const char *env_name,
                                const char *session_id,
                                const char *const *names, size_t n) DOM_WUR;

/* POST /api/daemon/credentials/rotate (§7.3) in the caller's write
 * transaction: DOM_NOT_FOUND "Credential not found" when no level of the
 * org holds name or it is blocklisted; else *session_count = live
 * credential_streams rows of the org for which name resolves, one
 * credential_rotations row (kind rotate, org-wide) and credential.rotated
 * {name, sessionCount}. */
enum dom_rc credential_rotate(struct arena *a, const struct actor *who,
                              const char *org_id, const char *name,
                              int64_t now, int64_t *session_count,
                              struct dom_err *err) DOM_WUR;

/* 1 while API key key_id still authenticates (not revoked, not expired,
 * its org and, for a user key, its creator's membership still there), 0
 * when it no longer does, -1 on a store error.  The rotate-stream checks
 * it at each poll (§7.4). */
int         credential_key_live(const char *key_id, int64_t now);

/* ------------------------------------------- rotate-stream (§7.4) */

#define CRED_STREAM_LIVE_MS   60000   /* registry rows older are dead */
#define CRED_STREAM_TOUCH_MS  15000   /* refresh period, at most */

/* The live-stream registry (credential_streams): one row per open
 * stream, id "cst_" + ULID.  Bookkeeping: no audit. */
enum dom_rc credential_stream_open(struct arena *a, const char *org_id,
                                   const char *session_id,
                                   const char *project_id,
                                   const char *env_name, int64_t now,
                                   const char **id) DOM_WUR;
enum dom_rc credential_stream_touch(const char *id, int64_t now) DOM_WUR;
enum dom_rc credential_stream_close(const char *id) DOM_WUR;

/* What one rotate-stream has delivered, and where it reads
 * credential_rotations from. */
struct cred_watch {
	const char      *org_id, *project_id, *env_name;
	struct cred_ref *sent;         /* effective refs, ascending by name */
	size_t           nsent, capsent;
	int64_t          cursor;       /* rows up to this seq were examined */
	int64_t          connect_max;  /* highest seq at connect */
};

/* The state at connect.  last_event_id: the Last-Event-ID header (NULL
 * when absent): a decimal seq resumes after it, unless it is older than
 * the oldest row (or beyond the newest), which resumes at the newest,
 * as does anything else. */
enum dom_rc credential_watch_init(struct arena *a, struct cred_watch *w,
                                  const char *org_id, const char *project_id,
                                  const char *env_name,
                                  const char *last_event_id) DOM_WUR;
/* Examines the rows after the cursor that reach (org, project, env) and
 * returns the names whose effective value changed, ascending, with their
 * current refs: a write that is not shadowed, a delete that uncovers a
 * less specific value, a rotate of a name that resolves (even
 * unchanged); a name that no longer resolves is dropped silently.  Rows
 * missed before connect (a resumed stream) count as changes unless the
 * current value is more specific than what they wrote.  *seq: the
 * cursor after the rows examined (the event id); *at: the time of the
 * latest contributing change.  *delta NULL and *n 0 when nothing is due. */
enum dom_rc credential_watch_poll(struct arena *a, struct cred_watch *w,
                                  struct cred_ref **delta, size_t *n,
                                  int64_t *seq, int64_t *at) DOM_WUR;
/* The highest credential_rotations seq (0 when empty): nothing to poll
 * while it is not above the cursor. */
enum dom_rc credential_rotations_max(int64_t *seq) DOM_WUR;

#define CRED_ROTATION_KEEP_MS (INT64_C(24) * 3600 * 1000)


#endif
