/*
 * tenancy.h -- organizations, users, memberships and projects: the domain
 * functions the admin CLI and the console routes share.
 *
 * Every function that writes runs inside the caller's write transaction
 * (store_begin_write) and appends its audit event there, so the change and
 * its event commit together.  Strings returned live in the caller's arena.
 */
#ifndef RENSEI_TENANCY_H
#define RENSEI_TENANCY_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "auth.h"       /* enum role */
#include "http.h"
#include "json.h"

#define DOM_WUR __attribute__((warn_unused_result))
#define ID_LEN 40   /* prefix + 26-char ULID + NUL, with room */

enum dom_rc {
	DOM_OK = 0,
	DOM_NOT_FOUND,      /* message names what */
	DOM_CONFLICT,
	DOM_INVALID,
	DOM_FORBIDDEN,      /* a business-rule 403 (invite e-mail mismatch) */
	DOM_GONE,           /* 410: revoked or expired invite */
	DOM_STORE           /* store failure: 503 / exit 75 */
};

/* Who acts, for audit (09-audit.md §4.2). */
struct actor {
	const char *type;   /* "user", "api_key", "m2m", "worker", "system" */
	const char *id;
};
extern const struct actor actor_cli;   /* system / cli */

/* Result detail for the caller's error message. */
struct dom_err {
	const char *message;
};

/* Answers a failed domain call in the plain envelope: 404, 409, 400, 403,
 * 410 with err's message (a generic one when it has none), and anything
 * else (DOM_STORE) as 503 store_msg with Retry-After. */
void dom_http_error(struct response *resp, enum dom_rc rc,
                    const struct dom_err *err, const char *store_msg);
/* Writes key: ISO-8601 of a ms time, or null for 0. */
void dom_kput_time(struct jw *w, const char *key, int64_t ms);
/* Writes key: ISO-8601 of a ms time; nothing for 0 (an optional member). */
void dom_kopt_time(struct jw *w, const char *key, int64_t ms);

struct org {
	const char *id, *name, *slug, *plan;
	int         is_default;
	int64_t     created_at;
	int64_t     member_count;
};

struct project {
	const char *id, *org_id, *name, *slug, *sandbox_provider;
	const char *team_id, *team_slug, *team_name;
	int         is_default;
	int64_t     created_at, updated_at;
};

struct user {
	const char *id, *email, *name;
	int         platform_admin, disabled;
	int64_t     created_at;
};

/* 04-console.md §1 slugs.  slug_valid: 0 ok, -1 bad form, -2 reserved. */
int   slug_valid(const char *s);
/* Derives a slug from name into the arena; NULL when empty. */
char *slug_derive(struct arena *a, const char *name);

/* Creates an org with its default project (Default/default), audit key
 * version 1 and, when owner_user_id is set, its owner membership; appends
 * org.created.  slug NULL derives it from name. */
enum dom_rc org_create(struct arena *a, const struct actor *who,
                       const char *name, const char *slug, const char *plan,
                       const char *owner_user_id, int is_default,
                       struct org *out, struct project *default_project,
                       struct dom_err *err) DOM_WUR;
/* By id or slug. */
enum dom_rc org_get(struct arena *a, const char *id_or_slug, struct org *out) DOM_WUR;
enum dom_rc org_list(struct arena *a, int (*fn)(const struct org *, void *),
                     void *arg) DOM_WUR;
void        org_render(struct jw *w, const struct org *o);

/* pw_hash: from password_hash(), computed before the transaction; NULL
 * for a user who cannot log in with a password. */
enum dom_rc user_create(struct arena *a, const char *email, const char *name,
                        const char *pw_hash, int platform_admin,
                        struct user *out, struct dom_err *err) DOM_WUR;
enum dom_rc user_get_by_email(struct arena *a, const char *email,
                              struct user *out) DOM_WUR;
/* Also deletes every cookie session of the user (01-auth.md §9.2). */
enum dom_rc user_set_password(struct arena *a, const char *user_id,
                              const char *pw_hash) DOM_WUR;
/* Disable also deletes the user's cookie sessions (12-admin-cli.md). */
enum dom_rc user_set_disabled(struct arena *a, const char *user_id,
                              int disabled) DOM_WUR;
/* Argon2id, outside any write transaction (01-auth.md §9.3). */
int         password_hash(char out[128], const char *password) DOM_WUR;

/* member.joined (inviteId null for the CLI). */
enum dom_rc member_add(struct arena *a, const struct actor *who,
                       const char *org_id, const char *user_id,
                       const char *role, const char *invite_id,
                       struct dom_err *err) DOM_WUR;
/* Removes the membership, the user's project memberships in the org, the
 * cookie sessions whose active org is this org, and revokes the user's
 * keys in the org; one member.removed listing them (04-console.md §3.1). */
enum dom_rc member_remove(struct arena *a, const struct actor *who,
                          const char *org_id, const char *user_id,
                          struct dom_err *err) DOM_WUR;

/* A member as GET /api/org/members lists it (04-console.md §3.1). */
struct member {
	const char *user_id, *email, *name, *role;
	int64_t     joined_at;
};
enum dom_rc member_get(struct arena *a, const char *org_id,
                       const char *user_id, struct member *out) DOM_WUR;
/* Oldest membership first (joinedAt, then user id). */
enum dom_rc member_list(struct arena *a, const char *org_id,
                        int (*fn)(const struct member *, void *),
                        void *arg) DOM_WUR;
void        member_render(struct jw *w, const struct member *m);
/* member.role_changed {userId, from, to}; the same role again changes
 * nothing and appends nothing.  Refuses to demote the last owner.  Who
 * may grant or take away `owner` (only an owner) is the route's check. */
enum dom_rc member_set_role(struct arena *a, const struct actor *who,
                            const char *org_id, const char *user_id,
                            const char *role, struct member *out,
                            struct dom_err *err) DOM_WUR;

/* ------------------------------------------- invites (04-console.md §3.2) */

enum invite_state { INVITE_PENDING, INVITE_ACCEPTED, INVITE_REVOKED,
	INVITE_EXPIRED };
#define INVITE_TTL_MS (INT64_C(7) * 86400 * 1000)

struct invite {
	const char       *id, *org_id, *email, *role, *invited_by;
	enum invite_state state;      /* computed as of the read */
	int64_t           created_at, expires_at, accepted_at, revoked_at;  /* 0 = null */
};
const char *invite_state_name(enum invite_state s);
/* -1 when s is not one of pending, accepted, revoked, expired. */
int         invite_state_parse(const char *s);
/* ^[^@\s]+@[^@\s]+\.[^@\s]+$ (ECMAScript \s) and at most 254 bytes. */
int         invite_email_valid(const char *email);
/* A pending invite, 7 days, email stored ASCII-lower-cased; role NULL is
 * member.  invited_by: the inviting user (a key's creator), NULL for the
 * CLI.  invite.created with the email sealed for the invitee. */
enum dom_rc invite_create(struct arena *a, const struct actor *who,
                          const char *org_id, const char *email,
                          const char *role, const char *invited_by,
                          struct invite *out, struct dom_err *err) DOM_WUR;
/* Sets revokedAt; revoking a revoked invite is a no-op (no event). */
enum dom_rc invite_revoke(struct arena *a, const struct actor *who,
                          const char *org_id, const char *invite_id,
                          struct dom_err *err) DOM_WUR;
/* Accepts for user_id, in the invite's org whatever the active org is.
 * Checks in the order of 04-console.md §3.2: DOM_NOT_FOUND, DOM_FORBIDDEN
 * (email), DOM_CONFLICT (accepted), DOM_GONE (revoked, then expired),
 * DOM_CONFLICT (member).  Creates the membership with the invite's role;
 * member.joined with inviteId.  out is the accepted invite; *joined_at
 * the membership's time. */
enum dom_rc invite_accept(struct arena *a, const struct actor *who,
                          const char *invite_id, const char *user_id,
                          struct invite *out, int64_t *joined_at,
                          struct dom_err *err) DOM_WUR;
/* org_id NULL: any org (accept reads the invite before knowing it). */
enum dom_rc invite_get(struct arena *a, const char *org_id,
                       const char *invite_id, struct invite *out) DOM_WUR;
/* state -1: every state. */
enum dom_rc invite_list(struct arena *a, const char *org_id, int state,
                        int (*fn)(const struct invite *, void *),
                        void *arg) DOM_WUR;
void        invite_render(struct jw *w, const struct invite *inv);

enum dom_rc project_create(struct arena *a, const struct actor *who,
                           const char *org_id, const char *name,
                           const char *slug, int is_default,
                           const char *creator_user_id, struct project *out,
                           struct dom_err *err) DOM_WUR;
/* By proj_ id or slug, within org_id (live projects only). */
enum dom_rc project_get(struct arena *a, const char *org_id,
                        const char *id_or_slug, struct project *out) DOM_WUR;
enum dom_rc project_list(struct arena *a, const char *org_id,
                         int (*fn)(const struct project *, void *),
                         void *arg) DOM_WUR;
void        project_render(struct jw *w, const struct project *p);

/* ------------------------------ project members (04-console.md §4.1) */

struct project_member {
	const char *project_id, *user_id, *email, *name, *role;
	int64_t     added_at;
};
/* project_id is a proj_ id of org_id (DOM_NOT_FOUND "Project not found"
 * otherwise); role admin, member or viewer; the user must be a member of
 * the org.  project_member.added, email sealed. */
enum dom_rc project_member_add(struct arena *a, const struct actor *who,
                               const char *org_id, const char *project_id,
                               const char *user_id, const char *role,
                               struct project_member *out,
                               struct dom_err *err) DOM_WUR;
/* project_member.role_changed with the new role; the same role again is a
 * no-op without an event. */
enum dom_rc project_member_set_role(struct arena *a, const struct actor *who,
                                    const char *org_id,
                                    const char *project_id,
                                    const char *user_id, const char *role,
                                    struct project_member *out,
                                    struct dom_err *err) DOM_WUR;
/* project_member.removed with the role held. */
enum dom_rc project_member_remove(struct arena *a, const struct actor *who,
                                  const char *org_id, const char *project_id,
                                  const char *user_id,
                                  struct dom_err *err) DOM_WUR;
enum dom_rc project_member_list(struct arena *a, const char *org_id,
                                const char *project_id,
                                int (*fn)(const struct project_member *, void *),
                                void *arg) DOM_WUR;
void        project_member_render(struct jw *w, const struct project_member *m);

/* ------------------------------------------- teams (10-scim.md §9.2) */

/* Teams exist only through SCIM.  These writers append no audit event:
 * the scim.group_* events that record them come with the SCIM issue and
 * are appended by its handlers (10-scim.md §13). */
struct team {
	const char *id, *org_id, *name, *slug;
	int64_t     created_at, updated_at;
};
/* Slug from the name (lowercase, runs of other characters → '-',
 * trimmed, at most 64; "-2", "-3"… on collision in the org). */
enum dom_rc team_create(struct arena *a, const char *org_id,
                        const char *name, struct team *out,
                        struct dom_err *err) DOM_WUR;
/* The slug stays. */
enum dom_rc team_rename(struct arena *a, const char *org_id,
                        const char *team_id, const char *name,
                        struct dom_err *err) DOM_WUR;
/* Deletes the team and its memberships; its projects lose their teamId. */
enum dom_rc team_delete(struct arena *a, const char *org_id,
                        const char *team_id, struct dom_err *err) DOM_WUR;
enum dom_rc team_get(struct arena *a, const char *org_id, const char *team_id,
                     struct team *out) DOM_WUR;
/* Idempotent; the user must be a member of the org. */
enum dom_rc team_member_add(struct arena *a, const char *org_id,
                            const char *team_id, const char *user_id,
                            struct dom_err *err) DOM_WUR;
/* Idempotent. */
enum dom_rc team_member_remove(struct arena *a, const char *org_id,
                               const char *team_id, const char *user_id,
                               struct dom_err *err) DOM_WUR;

/* -------------------------- effective project role (01-auth.md §14) */

/* The highest of the explicit project role (ROLE_NONE when none), the
 * team-implied `member` and the org-implied role (owner/admin → admin,
 * auditor → viewer), capped at viewer for org role viewer; ROLE_NONE for
 * org role ROLE_NONE.  Yields ROLE_NONE, ROLE_VIEWER, ROLE_MEMBER or
 * ROLE_ADMIN. */
enum role   project_role_effective(enum role org_role, enum role explicit_role,
                                   int team_member);
/* The effective role of user_id (NULL: a key without a creator, which has
 * only org_role) on a live project of org_id; ROLE_NONE when the project
 * is unknown, deleted or of another org, and on a store error (logged). */
enum role   project_role(const char *org_id, const char *project_id,
                         const char *user_id, enum role org_role);
/* The visible projects (effective role above ROLE_NONE), oldest first,
 * each with its effective role. */
enum dom_rc projects_visible(struct arena *a, const char *org_id,
                             const char *user_id, enum role org_role,
                             int (*fn)(const struct project *, enum role,
                                       void *),
                             void *arg) DOM_WUR;

#endif
