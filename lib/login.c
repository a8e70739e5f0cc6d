/*
 * login.c -- password login and cookie sessions (01-auth.md §9,
 * 04-console.md §2).
 */
#include "config.h"

#include <string.h>

#include <sodium.h>

#include "clock.h"
#include "crypto.h"
#include "extern.h"
#include "log.h"
#include "login.h"
#include "store.h"

static char dummy_hash[crypto_pwhash_STRBYTES];

int
login_dummy_init(void)
{
	char pw[33];

	random_hex(pw, 16);
	if (password_hash(dummy_hash, pw) == -1) {
		sodium_memzero(pw, sizeof(pw));
		return -1;
	}
	sodium_memzero(pw, sizeof(pw));
	return 0;
}

int
login_password_ok(const char *hash, const char *password)
{
	size_t n = strlen(password);

	if (hash == NULL || hash[0] == '\0') {
		/* Equal work for an unknown user (§9.3). */
		if (dummy_hash[0] != '\0' &&
		    crypto_pwhash_str_verify(dummy_hash, password, n) == 0)
			return 0;       /* a guess of the random dummy */
		return 0;
	}
	return crypto_pwhash_str_verify(hash, password, n) == 0;
}

int
login_needs_rehash(const char *hash)
{
	return hash != NULL && crypto_pwhash_str_needs_rehash(hash,
	    crypto_pwhash_OPSLIMIT_INTERACTIVE,
	    crypto_pwhash_MEMLIMIT_INTERACTIVE) == 1;
}

static const char sql_set_hash[] =
    "UPDATE users SET password_hash = ?2, updated_at = ?3 WHERE id = ?1";

enum dom_rc
login_set_hash(const char *user_id, const char *hash)
{
	struct sstmt *st = store_stmt(sql_set_hash);

	if (st == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, user_id);
	ss_bind_text(st, 2, hash);
	ss_bind_int(st, 3, clock_now_ms());
	return ss_exec(st) == STORE_OK ? DOM_OK : DOM_STORE;
}

static const char sql_user[] =
    "SELECT id, email, name, password_hash, is_platform_admin, disabled_at"
    " FROM users WHERE email = ?1";

enum dom_rc
login_user_get(struct arena *a, const char *email, struct login_user *out,
    int *found)
{
	struct sstmt *st = store_stmt(sql_user);
	int rc;

	*found = 0;
	if (st == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, email);
	if ((rc = ss_step(st)) == STORE_ROW) {
		memset(out, 0, sizeof(*out));
		out->id = arena_strdup(a, ss_text(st, 0));
		out->email = arena_strdup(a, ss_text(st, 1));
		out->name = dom_col_text(a, st, 2);
		out->hash = dom_col_text(a, st, 3);
		out->platform_admin = ss_int(st, 4) != 0;
		out->disabled = !ss_is_null(st, 5);
		*found = 1;
	}
	ss_reset(st);
	return rc == STORE_ROW || rc == STORE_DONE ? DOM_OK : DOM_STORE;
}

static const char sql_fail_window[] =
    "SELECT at FROM login_attempts WHERE email = ?1 AND at > ?2"
    " ORDER BY at DESC LIMIT " "10";
static const char sql_fail_insert[] =
    "INSERT INTO login_attempts (email, at) VALUES (?1, ?2)";
static const char sql_fail_purge[] =
    "DELETE FROM login_attempts WHERE at <= ?1";
static const char sql_fail_clear[] =
    "DELETE FROM login_attempts WHERE email = ?1";

enum dom_rc
login_throttled(const char *email, int64_t now, int64_t *retry_s)
{
	struct sstmt *st = store_stmt(sql_fail_window);
	int64_t at = 0, until;
	int rc, n = 0;

	*retry_s = 0;
	if (st == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, email);
	ss_bind_int(st, 2, now - LOGIN_FAIL_WINDOW_MS);
	while ((rc = ss_step(st)) == STORE_ROW) {
		n++;
		at = ss_int(st, 0);     /* the 10th newest, at the end */
	}
	ss_reset(st);
	if (rc != STORE_DONE)
		return DOM_STORE;
	if (n < LOGIN_FAIL_MAX)
		return DOM_OK;
	/* Fewer than 10 remain once the oldest of the newest ten leaves. */
	until = at + LOGIN_FAIL_WINDOW_MS - now;
	*retry_s = until <= 0 ? 1 : (until + 999) / 1000;
	return DOM_OK;
}

enum dom_rc
login_failure_record(const char *email, int64_t now)
{
	struct sstmt *st;

	if ((st = store_stmt(sql_fail_purge)) == NULL)
		return DOM_STORE;
	ss_bind_int(st, 1, now - LOGIN_FAIL_WINDOW_MS);
	if (ss_exec(st) != STORE_OK)
		return DOM_STORE;
	if ((st = store_stmt(sql_fail_insert)) == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, email);
	ss_bind_int(st, 2, now);
	return ss_exec(st) == STORE_OK ? DOM_OK : DOM_STORE;
}

enum dom_rc
login_failures_clear(const char *email, int64_t now)
{
	struct sstmt *st;

	if ((st = store_stmt(sql_fail_clear)) == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, email);
	if (ss_exec(st) != STORE_OK)
		return DOM_STORE;
	if ((st = store_stmt(sql_fail_purge)) == NULL)
		return DOM_STORE;
	ss_bind_int(st, 1, now - LOGIN_FAIL_WINDOW_MS);
	return ss_exec(st) == STORE_OK ? DOM_OK : DOM_STORE;
}

static const char sql_is_member[] =
    "SELECT 1 FROM memberships WHERE org_id = ?1 AND user_id = ?2";
static const char sql_prev_org[] =
    "SELECT s.active_org_id FROM user_sessions s JOIN memberships m"
    " ON m.org_id = s.active_org_id AND m.user_id = s.user_id"
    " WHERE s.user_id = ?1 ORDER BY s.last_seen_at DESC, s.created_at DESC"
    " LIMIT 1";
static const char sql_oldest_org[] =
    "SELECT org_id FROM memberships WHERE user_id = ?1"
    " ORDER BY joined_at, org_id LIMIT 1";

static int
one_text(struct arena *a, const char *sql, const char *v1, const char *v2,
    const char **out)
{
	struct sstmt *st = store_stmt(sql);
	int rc;

	*out = NULL;
	if (st == NULL)
		return -1;
	ss_bind_text(st, 1, v1);
	if (v2 != NULL)
		ss_bind_text(st, 2, v2);
	if ((rc = ss_step(st)) == STORE_ROW)
		*out = ss_is_null(st, 0) ? "" : arena_strdup(a, ss_text(st, 0));
	ss_reset(st);
	if (rc == STORE_ROW)
		return 1;
	return rc == STORE_DONE ? 0 : -1;
}

enum dom_rc
login_pick_org(struct arena *a, const char *user_id, const char *org_id,
    const char **out, int *member)
{
	const char *v;
	int r;

	*out = NULL;
	*member = 0;
	if (org_id != NULL) {
		if ((r = one_text(a, sql_is_member, org_id, user_id, &v)) < 0)
			return DOM_STORE;
		*member = r;
		if (r)
			*out = arena_strdup(a, org_id);
		return DOM_OK;
	}
	if ((r = one_text(a, sql_prev_org, user_id, NULL, &v)) < 0)
		return DOM_STORE;
	if (r == 0 && (r = one_text(a, sql_oldest_org, user_id, NULL, &v)) < 0)
		return DOM_STORE;
	if (r == 1 && v[0] != '\0') {
		*out = v;
		*member = 1;
	}
	return DOM_OK;
}

static const char sql_sess_insert[] =
    "INSERT INTO user_sessions (id_hash, user_id, active_org_id, created_at,"
    " last_seen_at, user_agent, ip) VALUES (?1, ?2, ?3, ?4, ?4, ?5, ?6)";
static const char sql_sess_delete[] =
    "DELETE FROM user_sessions WHERE id_hash = ?1";
static const char sql_sess_get[] =
    "SELECT user_id, active_org_id, created_at, last_seen_at"
    " FROM user_sessions WHERE id_hash = ?1";
static const char sql_sess_org[] =
    "UPDATE user_sessions SET active_org_id = ?2 WHERE id_hash = ?1";

enum dom_rc
usess_create(const char *user_id, const char *org_id, const char *user_agent,
    const char *ip, int64_t now, char cookie[LOGIN_COOKIE_LEN + 1])
{
	uint8_t raw[32];
	char hash[SHA256_HEX_LEN + 1];
	struct sstmt *st;

	random_bytes(raw, sizeof(raw));
	b64url_encode(cookie, raw, sizeof(raw));
	cookie[LOGIN_COOKIE_LEN] = '\0';
	sodium_memzero(raw, sizeof(raw));
	sha256_hex(hash, cookie, LOGIN_COOKIE_LEN);
	if ((st = store_stmt(sql_sess_insert)) == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, hash);
	ss_bind_text(st, 2, user_id);
	ss_bind_text(st, 3, org_id);
	ss_bind_int(st, 4, now);
	if (user_agent != NULL)
		ss_bind_textn(st, 5, user_agent, strnlen(user_agent, 256));
	else
		ss_bind_null(st, 5);
	ss_bind_text(st, 6, ip);
	return ss_exec(st) == STORE_OK ? DOM_OK : DOM_STORE;
}

enum dom_rc
usess_delete(const char *cookie, int *deleted)
{
	char hash[SHA256_HEX_LEN + 1];
	struct sstmt *st;

	*deleted = 0;
	sha256_hex(hash, cookie, strlen(cookie));
	if ((st = store_stmt(sql_sess_delete)) == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, hash);
	if (ss_exec(st) != STORE_OK)
		return DOM_STORE;
	*deleted = store_changes() > 0;
	return DOM_OK;
}

enum dom_rc
usess_get(struct arena *a, const char *cookie, struct usess *out, int *found)
{
	char hash[SHA256_HEX_LEN + 1];
	struct sstmt *st;
	int rc;

	*found = 0;
	sha256_hex(hash, cookie, strlen(cookie));
	if ((st = store_stmt(sql_sess_get)) == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, hash);
	if ((rc = ss_step(st)) == STORE_ROW) {
		out->user_id = arena_strdup(a, ss_text(st, 0));
		out->org_id = dom_col_text(a, st, 1);
		out->created_at = ss_int(st, 2);
		out->last_seen_at = ss_int(st, 3);
		*found = 1;
	}
	ss_reset(st);
	return rc == STORE_ROW || rc == STORE_DONE ? DOM_OK : DOM_STORE;
}

enum dom_rc
usess_set_org(const char *cookie, const char *org_id)
{
	char hash[SHA256_HEX_LEN + 1];
	struct sstmt *st;

	sha256_hex(hash, cookie, strlen(cookie));
	if ((st = store_stmt(sql_sess_org)) == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, hash);
	ss_bind_text(st, 2, org_id);
	return ss_exec(st) == STORE_OK ? DOM_OK : DOM_STORE;
}

int
login_event(struct arena *a, const char *org_id, const char *type,
    const char *user_id, const char *email, const char *ip,
    const char *reason, const char *from_org)
{
	struct actor who = { "user", user_id };
	struct json_object *pl;

	if (org_id == NULL)
		return 0;
	pl = json_object_new_object();
	json_object_object_add(pl, "userId", dom_jstr(user_id));
	if (email != NULL) {
		json_object_object_add(pl, "email", dom_jstr(email));
		json_object_object_add(pl, "ip", dom_jstr(ip));
	}
	if (reason != NULL)
		json_object_object_add(pl, "reason", dom_jstr(reason));
	if (strcmp(type, "auth.org_switched") == 0)
		json_object_object_add(pl, "fromOrgId", dom_jstr(from_org));
	return dom_event(a, &who, org_id, type, "user", user_id, pl, email,
	    user_id);
}

static const char sql_me_user[] =
    "SELECT id, email, name, is_platform_admin FROM users WHERE id = ?1";
static const char sql_me_members[] =
    "SELECT o.id, o.slug, o.name, m.role FROM memberships m"
    " JOIN orgs o ON o.id = m.org_id WHERE m.user_id = ?1"
    " ORDER BY m.joined_at, o.id";

enum dom_rc
login_render_me(struct arena *a, struct jw *w, const char *user_id,
    const char *org_id, int64_t expires_at)
{
	struct sstmt *st;
	const char *role = NULL;
	int rc, have_org = 0;
	char ts[ISO8601_LEN + 1];
	struct org o;

	if (org_id != NULL) {
		switch (org_get(a, org_id, &o)) {
		case DOM_OK:
			have_org = 1;
			break;
		case DOM_NOT_FOUND:
			break;
		default:
			return DOM_STORE;
		}
	}
	if ((st = store_stmt(sql_me_user)) == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, user_id);
	if ((rc = ss_step(st)) != STORE_ROW) {
		ss_reset(st);
		return rc == STORE_DONE ? DOM_NOT_FOUND : DOM_STORE;
	}
	jw_obj_open(w);
	jw_key(w, "user");
	jw_obj_open(w);
	jw_kstr(w, "id", ss_text(st, 0));
	jw_kstr(w, "email", ss_text(st, 1));
	jw_kstr(w, "name", ss_is_null(st, 2) ? NULL : ss_text(st, 2));
	jw_kbool(w, "isPlatformAdmin", ss_int(st, 3) != 0);
	jw_obj_close(w);
	ss_reset(st);
	if ((st = store_stmt(sql_me_members)) == NULL)
		return DOM_STORE;
	/* Role of the active org first, from the same rows. */
	ss_bind_text(st, 1, user_id);
	while ((rc = ss_step(st)) == STORE_ROW)
		if (have_org && strcmp(ss_text(st, 0), o.id) == 0)
			role = arena_strdup(a, ss_text(st, 3));
	ss_reset(st);
	if (rc != STORE_DONE)
		return DOM_STORE;
	if (role == NULL)
		have_org = 0;
	jw_key(w, "org");
	if (have_org) {
		jw_obj_open(w);
		jw_kstr(w, "id", o.id);
		jw_kstr(w, "name", o.name);
		jw_kstr(w, "slug", o.slug);
		jw_obj_close(w);
	} else
		jw_null(w);
	jw_kstr(w, "role", role);
	jw_key(w, "memberships");
	jw_arr_open(w);
	ss_bind_text(st, 1, user_id);
	while ((rc = ss_step(st)) == STORE_ROW) {
		jw_obj_open(w);
		jw_kstr(w, "orgId", ss_text(st, 0));
		jw_kstr(w, "orgSlug", ss_text(st, 1));
		jw_kstr(w, "orgName", ss_text(st, 2));
		jw_kstr(w, "role", ss_text(st, 3));
		jw_obj_close(w);
	}
	ss_reset(st);
	if (rc != STORE_DONE)
		return DOM_STORE;
	jw_arr_close(w);
	iso8601_ms(ts, expires_at);
	jw_kstr(w, "expiresAt", ts);
	jw_obj_close(w);
	return DOM_OK;
}
