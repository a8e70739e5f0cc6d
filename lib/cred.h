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

#endif
