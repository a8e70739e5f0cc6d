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
#include "json.h"

#define DOM_WUR __attribute__((warn_unused_result))
#define ID_LEN 40   /* prefix + 26-char ULID + NUL, with room */

enum dom_rc {
	DOM_OK = 0,
	DOM_NOT_FOUND,      /* message names what */
	DOM_CONFLICT,
	DOM_INVALID,
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

#endif
