/*
 * login.c -- /api/auth: login, logout, me, switch-org (04-console.md §2,
 * 01-auth.md §9).  The password check runs outside any write
 * transaction; each write (session row, failure record, audit event)
 * runs in one short transaction.
 */
#include "config.h"

#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "clock.h"
#include "extern.h"
#include "json.h"
#include "log.h"
#include "login.h"
#include "settings.h"
#include "store.h"
#include "valid.h"

void
console_before_fork(void)
{
	if (login_dummy_init() == -1)
		log_error("console: cannot make the dummy password hash");
}

static void
set_cookie(struct request *req, struct response *resp, const char *value)
{
	int secure = strncmp(cfg.public_base_url, "https://", 8) == 0;

	http_set_header(resp, "Set-Cookie", arena_printf(req->arena,
	    "%s=%s; Path=/; HttpOnly; SameSite=Lax; Max-Age=%lld%s",
	    SESSION_COOKIE, value, (long long)cfg.session_max_age,
	    secure ? "; Secure" : ""));
}

static void
clear_cookie(struct request *req, struct response *resp)
{
	int secure = strncmp(cfg.public_base_url, "https://", 8) == 0;

	http_set_header(resp, "Set-Cookie", arena_printf(req->arena,
	    "%s=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0%s",
	    SESSION_COOKIE, secure ? "; Secure" : ""));
}

static int64_t
expires_at(int64_t created, int64_t last_seen)
{
	int64_t a = created + cfg.session_max_age * 1000;
	int64_t b = last_seen + cfg.session_idle * 1000;

	return a < b ? a : b;
}

static int
session_valid(const struct usess *s, int64_t now)
{
	return now < s->created_at + cfg.session_max_age * 1000 &&
	    now < s->last_seen_at + cfg.session_idle * 1000;
}

/* Writes the Me object into resp (200). */
static void
render_me(struct request *req, struct response *resp, const char *user_id,
    const char *org_id, int64_t exp)
{
	struct jw w;

	jw_init(&w, &resp->body);
	if (login_render_me(req->arena, &w, user_id, org_id, exp) != DOM_OK) {
		buf_reset(&resp->body);
		http_store_unavailable(resp, "Failed to read session");
		return;
	}
	http_json(resp, 200);
}

/* ---------------------------------------------------------------- login */

enum { L_EMAIL, L_PASSWORD, L_ORG, L__MAX };
static const struct valid_field login_fields[L__MAX] = {
	[L_EMAIL] = { "email", VALID_STRING, VALID_REQUIRED,
	    .minlen = 1, .maxlen = 254,
	    .rule = "a string of 1-254 characters" },
	[L_PASSWORD] = { "password", VALID_STRING, VALID_REQUIRED,
	    .minlen = 1, .maxlen = 1024,
	    .rule = "a string of 1-1024 bytes" },
	[L_ORG] = { "orgId", VALID_STRING, 0, .maxlen = 255,
	    .rule = "a string" },
};

static char *
lower(struct arena *a, const char *s)
{
	char *o = arena_strdup(a, s);

	for (char *p = o; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return o;
}

/* Records a failed attempt of a known or unknown user; for a known user
 * with an org, auth.login_failed (04 §2), in one transaction. */
static int
record_failure(struct request *req, const char *email,
    const struct login_user *u, const char *org, const char *reason,
    int64_t now)
{
	if (store_begin_write() != STORE_OK)
		return -1;
	if (login_failure_record(email, now) != DOM_OK ||
	    (u != NULL && login_event(req->arena, org, "auth.login_failed",
	    u->id, u->email, req->remote_addr, reason, NULL) == -1)) {
		store_rollback();
		return -1;
	}
	if (store_commit() != STORE_OK) {
		store_rollback();
		return -1;
	}
	return 0;
}

void
auth_login(struct request *req, struct response *resp)
{
	struct json_object *body;
	struct valid_val v[L__MAX];
	struct valid_err verr;
	struct login_user u;
	const char *email, *org = NULL, *old;
	char cookie[LOGIN_COOKIE_LEN + 1];
	int64_t now, retry;
	int found, ok, member, deleted, rehash = 0;
	char ra[32], newhash[128];

	/* §9.4: only when the client sent Origin or Referer. */
	if (!auth_origin_ok(req, 0)) {
		auth_fail(req, resp, F4, 0, 0);
		return;
	}
	resp->no_log_body = 1;
	if ((body = con_body(req, resp)) == NULL)
		return;
	if (valid_body(req->arena, VALID_STRICT, login_fields, L__MAX, body, v,
	    &verr) == -1) {
		http_error(resp, verr.status, verr.msg);
		return;
	}
	email = lower(req->arena, v[L_EMAIL].s);
	now = clock_now_ms();
	if (login_throttled(email, now, &retry) != DOM_OK) {
		http_store_unavailable(resp, "Failed to log in");
		return;
	}
	if (retry > 0) {
		snprintf(ra, sizeof(ra), "%lld", (long long)retry);
		http_set_header(resp, "Retry-After", ra);
		http_error(resp, 429,
		    "Too many failed login attempts; try again later");
		return;
	}
	if (login_user_get(req->arena, email, &u, &found) != DOM_OK) {
		http_store_unavailable(resp, "Failed to log in");
		return;
	}
	/* The same Argon2id work whatever the outcome (§9.3). */
	ok = login_password_ok(found ? u.hash : NULL, v[L_PASSWORD].s);
	if (!found || !ok || u.disabled) {
		if (found && login_pick_org(req->arena, u.id,
		    v[L_ORG].present ? v[L_ORG].s : NULL, &org, &member) !=
		    DOM_OK)
			org = NULL;
		if (record_failure(req, email, found ? &u : NULL,
		    found && member ? org : NULL,
		    found && u.disabled ? "user_disabled" : "wrong_password",
		    now) == -1) {
			http_store_unavailable(resp, "Failed to log in");
			return;
		}
		auth_fail(req, resp, U9, 0, 0);
		return;
	}
	if (login_pick_org(req->arena, u.id, v[L_ORG].present ? v[L_ORG].s :
	    NULL, &org, &member) != DOM_OK) {
		http_store_unavailable(resp, "Failed to log in");
		return;
	}
	if (v[L_ORG].present && !member) {
		log_info("login: %s is not a member of the requested org", u.id);
		http_error(resp, 403, "Not a member of the requested organization");
		return;
	}
	/* §9.3: a hash made with weaker limits is replaced, outside the
	 * transaction. */
	if (login_needs_rehash(u.hash) && password_hash(newhash,
	    v[L_PASSWORD].s) == 0)
		rehash = 1;
	if (!con_begin(resp, "Failed to log in"))
		return;
	if (rehash && login_set_hash(u.id, newhash) != DOM_OK)
		goto fail;
	sodium_memzero(newhash, sizeof(newhash));
	if ((old = http_cookie(req, SESSION_COOKIE)) != NULL &&
	    usess_delete(old, &deleted) != DOM_OK)
		goto fail;
	if (usess_create(u.id, org, http_header(req, "User-Agent"),
	    req->remote_addr, now, cookie) != DOM_OK ||
	    login_failures_clear(email, now) != DOM_OK ||
	    login_event(req->arena, org, "auth.login", u.id, u.email,
	    req->remote_addr, NULL, NULL) == -1)
		goto fail;
	if (!con_commit(resp, "Failed to log in"))
		return;
	set_cookie(req, resp, cookie);
	sodium_memzero(cookie, sizeof(cookie));
	http_set_header(resp, "Cache-Control", "no-store");
	render_me(req, resp, u.id, org, expires_at(now, now));
	return;
fail:
	store_rollback();
	http_store_unavailable(resp, "Failed to log in");
}

/* --------------------------------------------------------------- logout */

void
auth_logout(struct request *req, struct response *resp)
{
	const char *c = http_cookie(req, SESSION_COOKIE);
	struct usess s;
	int found = 0, deleted;
	int64_t now = clock_now_ms();

	if (c != NULL && usess_get(req->arena, c, &s, &found) != DOM_OK) {
		http_store_unavailable(resp, "Failed to log out");
		return;
	}
	if (found && session_valid(&s, now) && !auth_origin_ok(req, 1)) {
		auth_fail(req, resp, F4, 0, 0);
		return;
	}
	if (c != NULL) {
		if (!con_begin(resp, "Failed to log out"))
			return;
		if (usess_delete(c, &deleted) != DOM_OK ||
		    (found && deleted && session_valid(&s, now) &&
		    login_event(req->arena, s.org_id, "auth.logout", s.user_id,
		    NULL, NULL, NULL, NULL) == -1)) {
			store_rollback();
			http_store_unavailable(resp, "Failed to log out");
			return;
		}
		if (!con_commit(resp, "Failed to log out"))
			return;
	}
	clear_cookie(req, resp);
	resp->status = 204;
}

/* ------------------------------------------------------------------- me */

void
auth_me(struct request *req, struct response *resp)
{
	const struct principal *p = req->principal;
	struct usess s;
	int found;

	if (usess_get(req->arena, http_cookie(req, SESSION_COOKIE), &s,
	    &found) != DOM_OK || !found) {
		http_store_unavailable(resp, "Failed to read session");
		return;
	}
	render_me(req, resp, p->user_id, p->org_id,
	    expires_at(s.created_at, s.last_seen_at));
}

/* ----------------------------------------------------------- switch-org */

enum { S_ORG, S__MAX };
static const struct valid_field switch_fields[S__MAX] = {
	[S_ORG] = { "orgId", VALID_STRING, VALID_REQUIRED, .maxlen = 255,
	    .rule = "a string" },
};

void
auth_switch_org(struct request *req, struct response *resp)
{
	const struct principal *p = req->principal;
	const char *c = http_cookie(req, SESSION_COOKIE), *org;
	struct json_object *body;
	struct valid_val v[S__MAX];
	struct valid_err verr;
	struct usess s;
	int found, member;

	if ((body = con_body(req, resp)) == NULL)
		return;
	if (valid_body(req->arena, VALID_STRICT, switch_fields, S__MAX, body, v,
	    &verr) == -1) {
		http_error(resp, verr.status, verr.msg);
		return;
	}
	if (login_pick_org(req->arena, p->user_id, v[S_ORG].s, &org, &member)
	    != DOM_OK || usess_get(req->arena, c, &s, &found) != DOM_OK ||
	    !found) {
		http_store_unavailable(resp, "Failed to switch organization");
		return;
	}
	if (!member) {
		http_error(resp, 403, "Not a member of the requested organization");
		return;
	}
	if (s.org_id == NULL || strcmp(s.org_id, org) != 0) {
		if (!con_begin(resp, "Failed to switch organization"))
			return;
		if (usess_set_org(c, org) != DOM_OK ||
		    login_event(req->arena, org, "auth.org_switched",
		    p->user_id, NULL, NULL, NULL, s.org_id) == -1) {
			store_rollback();
			http_store_unavailable(resp,
			    "Failed to switch organization");
			return;
		}
		if (!con_commit(resp, "Failed to switch organization"))
			return;
	}
	render_me(req, resp, p->user_id, org,
	    expires_at(s.created_at, s.last_seen_at));
}
