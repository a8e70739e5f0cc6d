/*
 * login.h -- password login and cookie sessions (01-auth.md §9,
 * 04-console.md §2): the user lookup, the failed-login limiter, the
 * session rows and the Me object.  Writers run inside the caller's write
 * transaction and append their audit event there.
 */
#ifndef RENSEI_LOGIN_H
#define RENSEI_LOGIN_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "json.h"
#include "tenancy.h"

#define LOGIN_FAIL_WINDOW_MS 900000   /* 01-auth.md §9.5 */
#define LOGIN_FAIL_MAX       10
#define LOGIN_COOKIE_LEN     43       /* base64url of 32 bytes */

/* The dummy Argon2id hash an unknown email is checked against (§9.3):
 * made once, in the supervisor before it forks.  0 or -1. */
int  login_dummy_init(void);
/* 1 when password matches hash (NULL: the dummy hash, always 0 after the
 * same work).  Never logs the password. */
int  login_password_ok(const char *hash, const char *password);

/* crypto_pwhash_str_needs_rehash against the interactive limits. */
int  login_needs_rehash(const char *hash);
/* Replaces a user's hash (its sessions stay: same password). */
enum dom_rc login_set_hash(const char *user_id, const char *hash) DOM_WUR;

struct login_user {
	const char *id, *email, *name, *hash;   /* hash NULL: no password */
	int         platform_admin, disabled;
};
/* email already ASCII-lower-cased.  *found 0 when no such user. */
enum dom_rc login_user_get(struct arena *a, const char *email,
                           struct login_user *out, int *found) DOM_WUR;

/* §9.5: *retry_s > 0 (seconds, rounded up) when email has
 * LOGIN_FAIL_MAX failures in the window. */
enum dom_rc login_throttled(const char *email, int64_t now,
                            int64_t *retry_s) DOM_WUR;
/* Records one failure and purges rows older than the window (in the
 * caller's write transaction). */
enum dom_rc login_failure_record(const char *email, int64_t now) DOM_WUR;
enum dom_rc login_failures_clear(const char *email, int64_t now) DOM_WUR;

/* The active org for a new session (04 §2): org_id when given (then
 * *member tells whether the user belongs to it), else the previous
 * session's org if still a membership, else the oldest membership, else
 * NULL. */
enum dom_rc login_pick_org(struct arena *a, const char *user_id,
                           const char *org_id, const char **out,
                           int *member) DOM_WUR;

/* Creates the session row; cookie receives the 43-character value. */
enum dom_rc usess_create(const char *user_id, const char *org_id,
                         const char *user_agent, const char *ip,
                         int64_t now, char cookie[LOGIN_COOKIE_LEN + 1]) DOM_WUR;
/* Deletes the row of a cookie value (any string); *deleted 1 when one. */
enum dom_rc usess_delete(const char *cookie, int *deleted) DOM_WUR;
struct usess {
	const char *user_id, *org_id;
	int64_t     created_at, last_seen_at;
};
/* *found 0 when the cookie names no row. */
enum dom_rc usess_get(struct arena *a, const char *cookie, struct usess *out,
                      int *found) DOM_WUR;
enum dom_rc usess_set_org(const char *cookie, const char *org_id) DOM_WUR;

/* auth.login / auth.logout / auth.org_switched / auth.login_failed in
 * org_id (nothing when org_id is NULL).  reason: login_failed only;
 * from_org: org_switched only. */
int  login_event(struct arena *a, const char *org_id, const char *type,
                 const char *user_id, const char *email, const char *ip,
                 const char *reason, const char *from_org) DOM_WUR;

/* Writes the Me object of 04-console.md §2. */
enum dom_rc login_render_me(struct arena *a, struct jw *w, const char *user_id,
                            const char *org_id, int64_t expires_at) DOM_WUR;

#endif
