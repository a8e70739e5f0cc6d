/*
 * tenancy.c -- orgs, users, memberships, projects (see tenancy.h).
 *
 * All SQL is declared here as static strings and prepared once per
 * process by the store.  Writers assume the caller's write transaction.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <json-c/json.h>
#include <sodium.h>

#include "audit.h"
#include "clock.h"
#include "crypto.h"
#include "extern.h"
#include "log.h"
#include "store.h"
#include "tenancy.h"

const struct actor actor_cli = { "system", "cli" };

static const char *const reserved_slugs[] = {
	"api", "admin", "new", "settings", "login", "logout", NULL
};

int
slug_valid(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > 48)
		return -1;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (c == '-') {
			if (i == 0 || i == n - 1 || s[i - 1] == '-')
				return -1;
		} else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
			return -1;
	}
	for (int i = 0; reserved_slugs[i] != NULL; i++)
		if (strcmp(s, reserved_slugs[i]) == 0)
			return -2;
	return 0;
}

/* 04-console.md §1 (max 48) and 10-scim.md §9.2 (max 64): ASCII-lowercase,
 * each run of characters outside [a-z0-9] becomes '-', trim '-', cut to
 * max, trim again.  NULL when nothing is left. */
static char *
derive(struct arena *a, const char *name, size_t max)
{
	size_t n = strlen(name), j = 0;
	char *out = arena_alloc(a, n + 1);

	for (size_t i = 0; i < n; i++) {
		char c = name[i];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
			out[j++] = c;
		else if (j > 0 && out[j - 1] != '-')
			out[j++] = '-';
	}
	while (j > 0 && out[j - 1] == '-')
		j--;
	if (j > max)
		j = max;
	while (j > 0 && out[j - 1] == '-')
		j--;
	out[j] = '\0';
	return j ? out : NULL;
}

char *
slug_derive(struct arena *a, const char *name)
{
	return derive(a, name, 48);
}

/* ----------------------------------------------- shared domain helpers */

void
dom_http_error(struct response *resp, enum dom_rc rc,
    const struct dom_err *err, const char *store_msg)
{
	const char *m = err != NULL ? err->message : NULL;

	switch (rc) {
	case DOM_NOT_FOUND:
		http_error(resp, 404, m ? m : "Not found");
		break;
	case DOM_CONFLICT:
		http_error(resp, 409, m ? m : "Conflict");
		break;
	case DOM_INVALID:
		http_error(resp, 400, m ? m : "Bad Request");
		break;
	case DOM_FORBIDDEN:
		http_error(resp, 403, m ? m : "Forbidden");
		break;
	case DOM_GONE:
		http_error(resp, 410, m ? m : "Gone");
		break;
	default:
		http_store_unavailable(resp, store_msg);
		break;
	}
}

const char *
dom_new_id(struct arena *a, const char *prefix)
{
	char *id = arena_alloc(a, ID_LEN);

	ulid_new(id, prefix, clock_now_ms());
	return id;
}

int
dom_event(struct arena *a, const struct actor *who, const char *org_id,
    const char *type, const char *entity_type, const char *entity_id,
    struct json_object *payload, const char *person_email,
    const char *person_user_id)
{
	struct audit_event_in in;
	char id[AUDIT_EVENT_ID_LEN + 1];
	int rc;

	memset(&in, 0, sizeof(in));
	in.workspace_id = org_id;
	in.event_type = type;
	in.actor_type = who->type;
	in.actor_id = who->id;
	in.entity_type = entity_type;
	in.entity_id = entity_id;
	in.payload = payload;
	in.about_person = person_email != NULL || person_user_id != NULL;
	in.person_email = person_email;
	in.person_user_id = person_user_id;
	rc = audit_append(a, &in, id);
	json_object_put(payload);
	return rc;
}

struct json_object *
dom_jstr(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

struct json_object *
dom_jtime(int64_t ms)
{
	char ts[ISO8601_LEN + 1];

	if (ms == 0)
		return NULL;
	iso8601_ms(ts, ms);
	return json_object_new_string(ts);
}

const char *
dom_col_text(struct arena *a, struct sstmt *st, int col)
{
	return ss_is_null(st, col) ? NULL : arena_strdup(a, ss_text(st, col));
}

int64_t
dom_col_int(struct sstmt *st, int col)
{
	return ss_is_null(st, col) ? 0 : ss_int(st, col);
}

enum dom_rc
dom_check_name(struct arena *a, const char *name, size_t max,
    struct dom_err *err)
{
	if (name == NULL || *name == '\0') {
		err->message = "name is required";
		return DOM_INVALID;
	}
	if (strlen(name) > max) {
		err->message = arena_printf(a,
		    "name must be a string of 1-%zu characters", max);
		return DOM_INVALID;
	}
	return DOM_OK;
}

void
dom_kput_time(struct jw *w, const char *key, int64_t ms)
{
	char ts[ISO8601_LEN + 1];

	if (ms == 0) {
		jw_knull(w, key);
		return;
	}
	iso8601_ms(ts, ms);
	jw_kstr(w, key, ts);
}

void
dom_kopt_time(struct jw *w, const char *key, int64_t ms)
{
	if (ms != 0)
		dom_kput_time(w, key, ms);
}

/* 1 when the query bound to v1 (and v2 unless NULL) returns a row, 0 when
 * not, -1 on a store error. */
static int
exists(const char *sql, const char *v1, const char *v2)
{
	struct sstmt *st = store_stmt(sql);
	int rc;

	if (st == NULL)
		return -1;
	ss_bind_text(st, 1, v1);
	if (v2 != NULL)
		ss_bind_text(st, 2, v2);
	rc = ss_step(st);
	ss_reset(st);
	if (rc == STORE_ROW)
		return 1;
	return rc == STORE_DONE ? 0 : -1;
}

static char *
ascii_lower(struct arena *a, const char *s)
{
	char *o = arena_strdup(a, s);

	for (char *p = o; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return o;
}

/* ---------------------------------------------------------------- orgs */

static const char sql_org_insert[] =
    "INSERT INTO orgs (id, name, slug, plan, is_default, created_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
static const char sql_org_slug_taken[] =
    "SELECT 1 FROM orgs WHERE slug = ?1";
static const char sql_org_get[] =
    "SELECT id, name, slug, plan, is_default, created_at,"
    " (SELECT count(*) FROM memberships m WHERE m.org_id = orgs.id)"
    " FROM orgs WHERE id = ?1 OR slug = ?1";
static const char sql_org_list[] =
    "SELECT id, name, slug, plan, is_default, created_at,"
    " (SELECT count(*) FROM memberships m WHERE m.org_id = orgs.id)"
    " FROM orgs ORDER BY created_at, id";
static const char sql_user_exists[] = "SELECT 1 FROM users WHERE id = ?1";
static const char sql_owner_insert[] =
    "INSERT INTO memberships (org_id, user_id, role, joined_at)"
    " VALUES (?1, ?2, 'owner', ?3)";

static void
org_from_row(struct arena *a, struct sstmt *st, struct org *o)
{
	o->id = arena_strdup(a, ss_text(st, 0));
	o->name = arena_strdup(a, ss_text(st, 1));
	o->slug = arena_strdup(a, ss_text(st, 2));
	o->plan = arena_strdup(a, ss_text(st, 3));
	o->is_default = ss_int(st, 4) != 0;
	o->created_at = ss_int(st, 5);
	o->member_count = ss_int(st, 6);
}

enum dom_rc
org_create(struct arena *a, const struct actor *who, const char *name,
    const char *slug, const char *plan, const char *owner_user_id,
    int is_default, struct org *out, struct project *defproj,
    struct dom_err *err)
{
	struct sstmt *st;
	struct json_object *pl;
	int64_t now = clock_now_ms();
	int r;

	err->message = NULL;
	if (dom_check_name(a, name, 100, err) != DOM_OK)
		return DOM_INVALID;
	if (slug == NULL && (slug = slug_derive(a, name)) == NULL) {
		err->message = "Cannot derive a slug from name; provide slug";
		return DOM_INVALID;
	}
	if ((r = slug_valid(slug)) != 0) {
		err->message = r == -2 ? "slug is reserved" :
		    "slug must match ^[a-z0-9]+(-[a-z0-9]+)*$ (1-48 characters)";
		return DOM_INVALID;
	}
	if ((r = exists(sql_org_slug_taken, slug, NULL)) != 0) {
		err->message = "Organization slug already exists";
		return r < 0 ? DOM_STORE : DOM_CONFLICT;
	}
	if (owner_user_id != NULL &&
	    (r = exists(sql_user_exists, owner_user_id, NULL)) != 1) {
		err->message = "Unknown ownerUserId";
		return r < 0 ? DOM_STORE : DOM_INVALID;
	}
	memset(out, 0, sizeof(*out));
	out->id = dom_new_id(a, "org_");
	out->name = arena_strdup(a, name);
	out->slug = arena_strdup(a, slug);
	out->plan = arena_strdup(a, plan ? plan : "self-hosted");
	out->is_default = is_default;
	out->created_at = now;
	if ((st = store_stmt(sql_org_insert)) == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, out->id);
	ss_bind_text(st, 2, out->name);
	ss_bind_text(st, 3, out->slug);
	ss_bind_text(st, 4, out->plan);
	ss_bind_int(st, 5, is_default);
	ss_bind_int(st, 6, now);
	if (ss_exec(st) != STORE_OK)
		return DOM_STORE;
	/* 09-audit.md §3: key version 1 before the org's first event. */
	if (audit_key_create(out->id, 1, now, NULL) == -1)
		return DOM_STORE;
	if (project_create(a, NULL, out->id, "Default", "default", 1,
	    NULL, defproj, err) != DOM_OK)
		return DOM_STORE;
	if (owner_user_id != NULL) {
		if ((st = store_stmt(sql_owner_insert)) == NULL)
			return DOM_STORE;
		ss_bind_text(st, 1, out->id);
		ss_bind_text(st, 2, owner_user_id);
		ss_bind_int(st, 3, now);
		if (ss_exec(st) != STORE_OK)
			return DOM_STORE;
		out->member_count = 1;
	}
	pl = json_object_new_object();
	json_object_object_add(pl, "slug", dom_jstr(out->slug));
	json_object_object_add(pl, "name", dom_jstr(out->name));
	json_object_object_add(pl, "plan", dom_jstr(out->plan));
	json_object_object_add(pl, "ownerUserId", dom_jstr(owner_user_id));
	json_object_object_add(pl, "defaultProjectId", dom_jstr(defproj->id));
	if (dom_event(a, who, out->id, "org.created", "org", out->id, pl,
	    NULL, NULL) == -1)
		return DOM_STORE;
	return DOM_OK;
}

enum dom_rc
org_get(struct arena *a, const char *id_or_slug, struct org *out)
{
	struct sstmt *st = store_stmt(sql_org_get);
	int rc;

	if (st == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, id_or_slug);
	rc = ss_step(st);
	if (rc == STORE_ROW)
		org_from_row(a, st, out);
	ss_reset(st);
	if (rc == STORE_ROW)
		return DOM_OK;
	return rc == STORE_DONE ? DOM_NOT_FOUND : DOM_STORE;
}

enum dom_rc
org_list(struct arena *a, int (*fn)(const struct org *, void *), void *arg)
{
	struct sstmt *st = store_stmt(sql_org_list);
	struct org o;
	int rc;

	if (st == NULL)
		return DOM_STORE;
	while ((rc = ss_step(st)) == STORE_ROW) {
		org_from_row(a, st, &o);
		if (fn(&o, arg) != 0)
			break;
	}
	ss_reset(st);
	return rc == STORE_ERROR || rc == STORE_BUSY ? DOM_STORE : DOM_OK;
}

/* The Org object of 04-console.md §3.1 (GET /api/org). */
void
org_render(struct jw *w, const struct org *o)
{
	char ts[ISO8601_LEN + 1];

	iso8601_ms(ts, o->created_at);
	jw_obj_open(w);
	jw_kstr(w, "id", o->id);
	jw_kstr(w, "name", o->name);
	jw_kstr(w, "slug", o->slug);
	jw_kstr(w, "plan", o->plan);
	jw_key(w, "features");
	jw_obj_open(w);
	jw_obj_close(w);
	jw_kint(w, "memberCount", o->member_count);
	jw_kstr(w, "createdAt", ts);
	jw_obj_close(w);
}

/* --------------------------------------------------------------- users */

static const char sql_user_insert[] =
    "INSERT INTO users (id, email, name, password_hash, is_platform_admin,"
    " created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)";
static const char sql_user_by_email[] =
    "SELECT id, email, name, is_platform_admin, disabled_at, created_at"
    " FROM users WHERE email = ?1";
static const char sql_user_set_pw[] =
    "UPDATE users SET password_hash = ?2, updated_at = ?3 WHERE id = ?1";
static const char sql_user_disable[] =
    "UPDATE users SET disabled_at = CASE WHEN ?2 THEN coalesce(disabled_at, ?3)"
    " ELSE NULL END, updated_at = ?3 WHERE id = ?1";
static const char sql_user_sessions_delete[] =
    "DELETE FROM user_sessions WHERE user_id = ?1";

int
password_hash(char out[128], const char *password)
{
	if (crypto_pwhash_str(out, password, strlen(password),
	    crypto_pwhash_OPSLIMIT_INTERACTIVE,
	    crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		return -1;
	return 0;
}

/* Length of the ECMAScript \s character at p (ASCII and the Unicode
 * spaces in UTF-8), or 0. */
static size_t
space_len(const unsigned char *p)
{
	if (*p == ' ' || (*p >= '\t' && *p <= '\r'))
		return 1;
	if (p[0] == 0xc2 && p[1] == 0xa0)                     /* U+00A0 */
		return 2;
	if (p[0] == 0xe1 && p[1] == 0x9a && p[2] == 0x80)     /* U+1680 */
		return 3;
	if (p[0] == 0xe2 && p[1] == 0x80 &&                   /* U+2000-200A, */
	    ((p[2] >= 0x80 && p[2] <= 0x8a) ||                /* 2028, 2029, 202F */
	    p[2] == 0xa8 || p[2] == 0xa9 || p[2] == 0xaf))
		return 3;
	if (p[0] == 0xe2 && p[1] == 0x81 && p[2] == 0x9f)     /* U+205F */
		return 3;
	if (p[0] == 0xe3 && p[1] == 0x80 && p[2] == 0x80)     /* U+3000 */
		return 3;
	if (p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf)     /* U+FEFF */
		return 3;
	return 0;
}

/* local@domain without spaces, at most 254 bytes.  Looser than the invite
 * rule of 04-console.md §3.2 (which wants a dot in the domain) because the
 * operator's bootstrap account is admin@localhost (12-admin-cli.md). */
static int
email_valid(const char *e)
{
	const char *at = strchr(e, '@');
	size_t n = strlen(e);

	if (n == 0 || n > 254 || at == NULL || at == e || at[1] == '\0' ||
	    strchr(at + 1, '@'))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (space_len((const unsigned char *)e + i) != 0 ||
		    (unsigned char)e[i] < 0x20)
			return 0;
	return 1;
}

enum dom_rc
user_create(struct arena *a, const char *email, const char *name,
    const char *pw_hash, int platform_admin, struct user *out,
    struct dom_err *err)
{
	struct sstmt *st;
	int64_t now = clock_now_ms();
	int rc;

	err->message = NULL;
	if (!email_valid(email)) {
		err->message = "email must be a valid email address";
		return DOM_INVALID;
	}
	memset(out, 0, sizeof(*out));
	out->id = dom_new_id(a, "usr_");
	out->email = ascii_lower(a, email);
	out->name = name ? arena_strdup(a, name) : NULL;
	out->platform_admin = platform_admin;
	out->created_at = now;
	if ((st = store_stmt(sql_user_insert)) == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, out->id);
	ss_bind_text(st, 2, out->email);
	ss_bind_text(st, 3, out->name);
	ss_bind_text(st, 4, pw_hash);
	ss_bind_int(st, 5, platform_admin);
	ss_bind_int(st, 6, now);
	rc = ss_exec(st);
	if (rc == STORE_CONSTRAINT) {
		err->message = "A user with this email already exists";
		return DOM_CONFLICT;
	}
	return rc == STORE_OK ? DOM_OK : DOM_STORE;
}

enum dom_rc
user_get_by_email(struct arena *a, const char *email, struct user *out)
{
	struct sstmt *st = store_stmt(sql_user_by_email);
	int rc;

	if (st == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, ascii_lower(a, email));
	rc = ss_step(st);
	if (rc == STORE_ROW) {
		out->id = arena_strdup(a, ss_text(st, 0));
		out->email = arena_strdup(a, ss_text(st, 1));
		out->name = ss_is_null(st, 2) ? NULL : arena_strdup(a, ss_text(st, 2));
		out->platform_admin = ss_int(st, 3) != 0;
		out->disabled = !ss_is_null(st, 4);
		out->created_at = ss_int(st, 5);
	}
	ss_reset(st);
	if (rc == STORE_ROW)
		return DOM_OK;
	return rc == STORE_DONE ? DOM_NOT_FOUND : DOM_STORE;
}

enum dom_rc
user_set_password(struct arena *a, const char *user_id, const char *pw_hash)
{
	struct sstmt *st, *del;
	int rc;

	(void)a;
	if ((st = store_stmt(sql_user_set_pw)) == NULL ||
	    (del = store_stmt(sql_user_sessions_delete)) == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, user_id);
	ss_bind_text(st, 2, pw_hash);
	ss_bind_int(st, 3, clock_now_ms());
	rc = ss_exec(st);
	if (rc != STORE_OK)
		return DOM_STORE;
	/* 01-auth.md §9.2: a password change deletes every cookie session. */
	ss_bind_text(del, 1, user_id);
	return ss_exec(del) == STORE_OK ? DOM_OK : DOM_STORE;
}

enum dom_rc
user_set_disabled(struct arena *a, const char *user_id, int disabled)
{
	struct sstmt *st = store_stmt(sql_user_disable), *del;

	(void)a;
	if (st == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, user_id);
	ss_bind_int(st, 2, disabled);
	ss_bind_int(st, 3, clock_now_ms());
	if (ss_exec(st) != STORE_OK)
		return DOM_STORE;
	if (!disabled)
		return DOM_OK;
	if ((del = store_stmt(sql_user_sessions_delete)) == NULL)
		return DOM_STORE;
	ss_bind_text(del, 1, user_id);
	return ss_exec(del) == STORE_OK ? DOM_OK : DOM_STORE;
}

/* --------------------------------------------------------- memberships */

static const char sql_member_insert[] =
    "INSERT INTO memberships (org_id, user_id, role, joined_at)"
    " VALUES (?1, ?2, ?3, ?4)";
static const char sql_member_exists[] =
    "SELECT 1 FROM memberships WHERE org_id = ?1 AND user_id = ?2";
#define MEMBER_COLS \
    "SELECT m.user_id, u.email, u.name, m.role, m.joined_at" \
    " FROM memberships m JOIN users u ON u.id = m.user_id"
static const char sql_member_get[] =
    MEMBER_COLS " WHERE m.org_id = ?1 AND m.user_id = ?2";
static const char sql_member_list[] =
    MEMBER_COLS " WHERE m.org_id = ?1 ORDER BY m.joined_at, m.user_id";
static const char sql_member_set_role[] =
    "UPDATE memberships SET role = ?3 WHERE org_id = ?1 AND user_id = ?2";
static const char sql_owner_count[] =
    "SELECT count(*) FROM memberships WHERE org_id = ?1 AND role = 'owner'";
static const char sql_member_delete[] =
    "DELETE FROM memberships WHERE org_id = ?1 AND user_id = ?2";
static const char sql_member_projects[] =
    "SELECT pm.project_id FROM project_members pm JOIN projects p"
    " ON p.id = pm.project_id WHERE p.org_id = ?1 AND pm.user_id = ?2"
    " ORDER BY pm.project_id";
static const char sql_member_projects_delete[] =
    "DELETE FROM project_members WHERE user_id = ?2 AND project_id IN"
    " (SELECT id FROM projects WHERE org_id = ?1)";
static const char sql_member_keys[] =
    "SELECT id FROM api_keys WHERE org_id = ?1 AND created_by = ?2"
    " AND revoked_at IS NULL ORDER BY id";
static const char sql_member_keys_revoke[] =
    "UPDATE api_keys SET revoked_at = ?3 WHERE org_id = ?1 AND created_by = ?2"
    " AND revoked_at IS NULL";
static const char sql_member_sessions_delete[] =
    "DELETE FROM user_sessions WHERE user_id = ?2 AND active_org_id = ?1";
static const char sql_user_get[] = "SELECT email, name FROM users WHERE id = ?1";

static int
valid_org_role(const char *r)
{
	return r != NULL && (strcmp(r, "owner") == 0 || strcmp(r, "admin") == 0 ||
	    strcmp(r, "member") == 0 || strcmp(r, "auditor") == 0 ||
	    strcmp(r, "viewer") == 0);
}

/* The email (and name, when asked) of a user: 1 found, 0 unknown, -1 on a
 * store error. */
static int
user_lookup(struct arena *a, const char *user_id, const char **email,
    const char **name)
{
	struct sstmt *st = store_stmt(sql_user_get);
	int rc;

	if (st == NULL)
		return -1;
	ss_bind_text(st, 1, user_id);
	rc = ss_step(st);
	if (rc == STORE_ROW) {
		*email = arena_strdup(a, ss_text(st, 0));
		if (name != NULL)
			*name = dom_col_text(a, st, 1);
	}
	ss_reset(st);
	if (rc == STORE_ROW)
		return 1;
	return rc == STORE_DONE ? 0 : -1;
}

/* 1 with *m filled, 0 when user_id is not a member of org_id, -1. */
static int
member_row(struct arena *a, const char *org_id, const char *user_id,
    struct member *m)
{
	struct sstmt *st = store_stmt(sql_member_get);
	int rc;

	if (st == NULL)
		return -1;
	ss_bind_text(st, 1, org_id);
	ss_bind_text(st, 2, user_id);
	rc = ss_step(st);
	if (rc == STORE_ROW) {
		m->user_id = arena_strdup(a, ss_text(st, 0));
		m->email = arena_strdup(a, ss_text(st, 1));
		m->name = dom_col_text(a, st, 2);
		m->role = arena_strdup(a, ss_text(st, 3));
		m->joined_at = ss_int(st, 4);
	}
	ss_reset(st);
	if (rc == STORE_ROW)
		return 1;
	return rc == STORE_DONE ? 0 : -1;
}

static int64_t
owner_count(const char *org_id)
{
	struct sstmt *st = store_stmt(sql_owner_count);
	int64_t n = -1;

	if (st == NULL)
		return -1;
	ss_bind_text(st, 1, org_id);
	if (ss_step(st) == STORE_ROW)
		n = ss_int(st, 0);
	ss_reset(st);
	return n;
}

/* Inserts the membership at `now` and appends member.joined; shared by
 * the CLI/admin path and invite acceptance.  role is already valid. */
static enum dom_rc
member_join(struct arena *a, const struct actor *who, const char *org_id,
    const char *user_id, const char *role, const char *invite_id,
    int64_t now, struct dom_err *err)
{
	struct sstmt *st;
	struct json_object *pl;
	const char *email = NULL;
	int rc;

	if ((rc = user_lookup(a, user_id, &email, NULL)) != 1) {
		err->message = "User not found";
		return rc < 0 ? DOM_STORE : DOM_NOT_FOUND;
	}
	if ((rc = exists(sql_member_exists, org_id, user_id)) != 0) {
		err->message = "User is already a member";
		return rc < 0 ? DOM_STORE : DOM_CONFLICT;
	}
	if ((st = store_stmt(sql_member_insert)) == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, org_id);
	ss_bind_text(st, 2, user_id);
	ss_bind_text(st, 3, role);
	ss_bind_int(st, 4, now);
	rc = ss_exec(st);
	if (rc == STORE_CONSTRAINT) {
		/* Not the primary key (checked above): the org is unknown. */
		err->message = "Organization not found";
		return DOM_NOT_FOUND;
	}
	if (rc != STORE_OK)
		return DOM_STORE;
	pl = json_object_new_object();
	json_object_object_add(pl, "userId", dom_jstr(user_id));
	json_object_object_add(pl, "email", dom_jstr(email));
	json_object_object_add(pl, "role", dom_jstr(role));
	json_object_object_add(pl, "inviteId", dom_jstr(invite_id));
	if (dom_event(a, who, org_id, "member.joined", "member", user_id, pl,
	    email, user_id) == -1)
		return DOM_STORE;
	return DOM_OK;
}

enum dom_rc
member_add(struct arena *a, const struct actor *who, const char *org_id,
    const char *user_id, const char *role, const char *invite_id,
    struct dom_err *err)
{
	err->message = NULL;
	if (!valid_org_role(role)) {
		err->message = "role must be one of: owner, admin, member, auditor, viewer";
		return DOM_INVALID;
	}
	return member_join(a, who, org_id, user_id, role, invite_id,
	    clock_now_ms(), err);
}

/* Collects one text column of a query bound to (org, user) into a JSON
 * array; NULL on a store error. */
static struct json_object *
collect_ids(const char *sql, const char *org_id, const char *user_id)
{
	struct sstmt *st = store_stmt(sql);
	struct json_object *arr;
	int rc;

	if (st == NULL)
		return NULL;
	arr = json_object_new_array();
	ss_bind_text(st, 1, org_id);
	ss_bind_text(st, 2, user_id);
	while ((rc = ss_step(st)) == STORE_ROW)
		json_object_array_add(arr, json_object_new_string(ss_text(st, 0)));
	ss_reset(st);
	if (rc != STORE_DONE) {
		json_object_put(arr);
		return NULL;
	}
	return arr;
}

/* Runs sql bound to (?1, ?2[, ?3 when i3 != 0]); 0 or -1. */
static int
exec2(const char *sql, const char *a1, const char *a2, int64_t i3)
{
	struct sstmt *st = store_stmt(sql);

	if (st == NULL)
		return -1;
	ss_bind_text(st, 1, a1);
	ss_bind_text(st, 2, a2);
	if (i3 != 0)
		ss_bind_int(st, 3, i3);
	return ss_exec(st) == STORE_OK ? 0 : -1;
}

enum dom_rc
member_remove(struct arena *a, const struct actor *who, const char *org_id,
    const char *user_id, struct dom_err *err)
{
	struct json_object *pl, *keys = NULL, *projects = NULL;
	struct member m;
	int64_t owners, sessions;
	int rc;

	err->message = NULL;
	if ((rc = member_row(a, org_id, user_id, &m)) != 1) {
		err->message = "Member not found";
		return rc < 0 ? DOM_STORE : DOM_NOT_FOUND;
	}
	if (strcmp(m.role, "owner") == 0) {
		if ((owners = owner_count(org_id)) < 0)
			return DOM_STORE;
		if (owners <= 1) {
			err->message = "An organization must keep at least one owner";
			return DOM_CONFLICT;
		}
	}
	if ((keys = collect_ids(sql_member_keys, org_id, user_id)) == NULL ||
	    (projects = collect_ids(sql_member_projects, org_id, user_id)) == NULL)
		goto fail;
	if (exec2(sql_member_keys_revoke, org_id, user_id, clock_now_ms()) ||
	    exec2(sql_member_projects_delete, org_id, user_id, 0) ||
	    exec2(sql_member_sessions_delete, org_id, user_id, 0))
		goto fail;
	sessions = store_changes();
	if (exec2(sql_member_delete, org_id, user_id, 0))
		goto fail;
	pl = json_object_new_object();
	json_object_object_add(pl, "userId", dom_jstr(user_id));
	json_object_object_add(pl, "email", dom_jstr(m.email));
	json_object_object_add(pl, "revokedKeyIds", keys);
	json_object_object_add(pl, "removedProjectIds", projects);
	json_object_object_add(pl, "deletedSessionCount",
	    json_object_new_int64(sessions));
	if (dom_event(a, who, org_id, "member.removed", "member", user_id, pl,
	    m.email, user_id) == -1)
		return DOM_STORE;
	return DOM_OK;
fail:
	json_object_put(keys);
	json_object_put(projects);
	return DOM_STORE;
}

enum dom_rc
member_get(struct arena *a, const char *org_id, const char *user_id,
    struct member *out)
{
	int rc = member_row(a, org_id, user_id, out);

	if (rc == 1)
		return DOM_OK;
	return rc == 0 ? DOM_NOT_FOUND : DOM_STORE;
}

enum dom_rc
member_list(struct arena *a, const char *org_id,
    int (*fn)(const struct member *, void *), void *arg)
{
	struct sstmt *st = store_stmt(sql_member_list);
	struct member m;
	int rc;

	if (st == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, org_id);
	while ((rc = ss_step(st)) == STORE_ROW) {
		m.user_id = arena_strdup(a, ss_text(st, 0));
		m.email = arena_strdup(a, ss_text(st, 1));
		m.name = dom_col_text(a, st, 2);
		m.role = arena_strdup(a, ss_text(st, 3));
		m.joined_at = ss_int(st, 4);
		if (fn(&m, arg) != 0)
			break;
	}
	ss_reset(st);
	return rc == STORE_ERROR || rc == STORE_BUSY ? DOM_STORE : DOM_OK;
}

/* {userId, email, name, role, joinedAt} of 04-console.md §3.1. */
void
member_render(struct jw *w, const struct member *m)
{
	jw_obj_open(w);
	jw_kstr(w, "userId", m->user_id);
	jw_kstr(w, "email", m->email);
	jw_kstr(w, "name", m->name);
	jw_kstr(w, "role", m->role);
	dom_kput_time(w, "joinedAt", m->joined_at);
	jw_obj_close(w);
}

enum dom_rc
member_set_role(struct arena *a, const struct actor *who, const char *org_id,
    const char *user_id, const char *role, struct member *out,
    struct dom_err *err)
{
	struct sstmt *st;
	struct json_object *pl;
	const char *from;
	int64_t owners;
	int rc;

	err->message = NULL;
	if (!valid_org_role(role)) {
		err->message = "role must be one of: owner, admin, member, auditor, viewer";
		return DOM_INVALID;
	}
	if ((rc = member_row(a, org_id, user_id, out)) != 1) {
		err->message = "Member not found";
		return rc < 0 ? DOM_STORE : DOM_NOT_FOUND;
	}
	from = out->role;
	if (strcmp(from, role) == 0)
		return DOM_OK;          /* nothing changes, nothing is recorded */
	if (strcmp(from, "owner") == 0) {
		if ((owners = owner_count(org_id)) < 0)
			return DOM_STORE;
		if (owners <= 1) {
			err->message = "An organization must keep at least one owner";
			return DOM_CONFLICT;
		}
	}
	if ((st = store_stmt(sql_member_set_role)) == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, org_id);
	ss_bind_text(st, 2, user_id);
	ss_bind_text(st, 3, role);
	if (ss_exec(st) != STORE_OK)
		return DOM_STORE;
	out->role = arena_strdup(a, role);
	pl = json_object_new_object();
	json_object_object_add(pl, "userId", dom_jstr(user_id));
	json_object_object_add(pl, "from", dom_jstr(from));
	json_object_object_add(pl, "to", dom_jstr(role));
	if (dom_event(a, who, org_id, "member.role_changed", "member", user_id,
	    pl, NULL, NULL) == -1)
		return DOM_STORE;
	return DOM_OK;
}

/* ------------------------------------------------------------- invites */

static const char sql_invite_insert[] =
    "INSERT INTO invites (id, org_id, email, role, invited_by, created_at,"
    " expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
#define INVITE_COLS \
    "SELECT id, org_id, email, role, invited_by, created_at, expires_at," \
    " accepted_at, revoked_at FROM invites"
static const char sql_invite_get[] =
    INVITE_COLS " WHERE id = ?1 AND (?2 IS NULL OR org_id = ?2)";
static const char sql_invite_list[] =
    INVITE_COLS " WHERE org_id = ?1 ORDER BY created_at, id";
static const char sql_invite_by_email[] =
    INVITE_COLS " WHERE org_id = ?1 AND email = ?2";
static const char sql_invite_revoke[] =
    "UPDATE invites SET revoked_at = ?2 WHERE id = ?1";
static const char sql_invite_accepted[] =
    "UPDATE invites SET accepted_at = ?2 WHERE id = ?1";
static const char sql_member_by_email[] =
    "SELECT 1 FROM memberships m JOIN users u ON u.id = m.user_id"
    " WHERE m.org_id = ?1 AND u.email = ?2";

static const char *const invite_states[] = {
	"pending", "accepted", "revoked", "expired"
};

const char *
invite_state_name(enum invite_state s)
{
	return (unsigned)s <= INVITE_EXPIRED ? invite_states[s] : NULL;
}

int
invite_state_parse(const char *s)
{
	for (int i = 0; s != NULL && i <= INVITE_EXPIRED; i++)
		if (strcmp(s, invite_states[i]) == 0)
			return i;
	return -1;
}

/* The one rule for the state of an invite (04-console.md §3.2): expired is
 * a pending invite read at or after expiresAt, as keys (01-auth.md §4.5). */
static enum invite_state
invite_state_of(const struct invite *inv, int64_t now)
{
	if (inv->accepted_at != 0)
		return INVITE_ACCEPTED;
	if (inv->revoked_at != 0)
		return INVITE_REVOKED;
	return inv->expires_at <= now ? INVITE_EXPIRED : INVITE_PENDING;
}

int
invite_email_valid(const char *email)
{
	const unsigned char *e = (const unsigned char *)email;
	const char *at = strchr(email, '@'), *dom;
	size_t n = strlen(email), dl;

	if (n == 0 || n > 254 || at == NULL || at == email ||
	    strchr(at + 1, '@') != NULL)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (space_len(e + i) != 0)
			return 0;
	/* [^@\s]+\.[^@\s]+ after the '@': a dot with a character either side. */
	dom = at + 1;
	dl = strlen(dom);
	for (size_t i = 1; i + 1 < dl; i++)
		if (dom[i] == '.')
			return 1;
	return 0;
}

static void
invite_from_row(struct arena *a, struct sstmt *st, struct invite *inv,
    int64_t now)
{
	inv->id = arena_strdup(a, ss_text(st, 0));
	inv->org_id = arena_strdup(a, ss_text(st, 1));
	inv->email = arena_strdup(a, ss_text(st, 2));
	inv->role = arena_strdup(a, ss_text(st, 3));
	inv->invited_by = dom_col_text(a, st, 4);
	inv->created_at = ss_int(st, 5);
	inv->expires_at = ss_int(st, 6);
	inv->accepted_at = dom_col_int(st, 7);
	inv->revoked_at = dom_col_int(st, 8);
	inv->state = invite_state_of(inv, now);
}

/* 1 when org_id has a pending invite for the (lower-cased) email. */
static int
invite_pending_exists(struct arena *a, const char *org_id, const char *email,
    int64_t now)
{
	struct sstmt *st = store_stmt(sql_invite_by_email);
	struct invite inv;
	int rc, found = 0;

	if (st == NULL)
		return -1;
	ss_bind_text(st, 1, org_id);
	ss_bind_text(st, 2, email);
	while ((rc = ss_step(st)) == STORE_ROW) {
		invite_from_row(a, st, &inv, now);
		if (inv.state == INVITE_PENDING) {
			found = 1;
			break;
		}
	}
	ss_reset(st);
	if (rc != STORE_ROW && rc != STORE_DONE)
		return -1;
	return found;
}

static int
invite_event(struct arena *a, const struct actor *who, const char *type,
    const struct invite *inv)
{
	struct json_object *pl = json_object_new_object();

	json_object_object_add(pl, "inviteId", dom_jstr(inv->id));
	json_object_object_add(pl, "email", dom_jstr(inv->email));
	json_object_object_add(pl, "role", dom_jstr(inv->role));
	json_object_object_add(pl, "expiresAt", dom_jtime(inv->expires_at));
	return dom_event(a, who, inv->org_id, type, "invite", inv->id, pl,
	    inv->email, NULL);
}

/* A membership blocks a new invite before a pending invite does: it is
 * the more useful answer when both hold (a CLI-added member). */
enum dom_rc
invite_create(struct arena *a, const struct actor *who, const char *org_id,
    const char *email, const char *role, const char *invited_by,
    struct invite *out, struct dom_err *err)
{
	struct sstmt *st;
	int64_t now = clock_now_ms();
	const char *lc;
	int rc;

	err->message = NULL;
	if (email == NULL || !invite_email_valid(email)) {
		err->message = "email must be a valid email address";
		return DOM_INVALID;
	}
	if (role == NULL)
		role = "member";
	if (strcmp(role, "admin") != 0 && strcmp(role, "member") != 0 &&
	    strcmp(role, "auditor") != 0 && strcmp(role, "viewer") != 0) {
		err->message = "role must be one of: admin, member, auditor, viewer";
		return DOM_INVALID;
	}
	lc = ascii_lower(a, email);
	if ((rc = exists(sql_member_by_email, org_id, lc)) != 0) {
		err->message = "User is already a member";
		return rc < 0 ? DOM_STORE : DOM_CONFLICT;
	}
	if ((rc = invite_pending_exists(a, org_id, lc, now)) != 0) {
		err->message = "A pending invite for this email already exists";
		return rc < 0 ? DOM_STORE : DOM_CONFLICT;
	}
	memset(out, 0, sizeof(*out));
	out->id = dom_new_id(a, "inv_");
	out->org_id = arena_strdup(a, org_id);
	out->email = lc;
	out->role = arena_strdup(a, role);
	out->invited_by = invited_by ? arena_strdup(a, invited_by) : NULL;
	out->state = INVITE_PENDING;
	out->created_at = now;
	out->expires_at = now + INVITE_TTL_MS;
	if ((st = store_stmt(sql_invite_insert)) == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, out->id);
	ss_bind_text(st, 2, org_id);
	ss_bind_text(st, 3, out->email);
	ss_bind_text(st, 4, out->role);
	ss_bind_text(st, 5, out->invited_by);
	ss_bind_int(st, 6, now);
	ss_bind_int(st, 7, out->expires_at);
	if (ss_exec(st) != STORE_OK)
		return DOM_STORE;
	return invite_event(a, who, "invite.created", out) == -1 ?
	    DOM_STORE : DOM_OK;
}

enum dom_rc
invite_get(struct arena *a, const char *org_id, const char *invite_id,
    struct invite *out)
{
	struct sstmt *st = store_stmt(sql_invite_get);
	int rc;

	if (st == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, invite_id);
	ss_bind_text(st, 2, org_id);
	rc = ss_step(st);
	if (rc == STORE_ROW)
		invite_from_row(a, st, out, clock_now_ms());
	ss_reset(st);
	if (rc == STORE_ROW)
		return DOM_OK;
	return rc == STORE_DONE ? DOM_NOT_FOUND : DOM_STORE;
}

/* The state filter runs here, on the one rule of invite_state_of(). */
enum dom_rc
invite_list(struct arena *a, const char *org_id, int state,
    int (*fn)(const struct invite *, void *), void *arg)
{
	struct sstmt *st = store_stmt(sql_invite_list);
	struct invite inv;
	int64_t now = clock_now_ms();
	int rc;

	if (st == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, org_id);
	while ((rc = ss_step(st)) == STORE_ROW) {
		invite_from_row(a, st, &inv, now);
		if (state >= 0 && (int)inv.state != state)
			continue;
		if (fn(&inv, arg) != 0)
			break;
	}
	ss_reset(st);
	return rc == STORE_ERROR || rc == STORE_BUSY ? DOM_STORE : DOM_OK;
}

enum dom_rc
invite_revoke(struct arena *a, const struct actor *who, const char *org_id,
    const char *invite_id, struct dom_err *err)
{
	struct sstmt *st;
	struct invite inv;
	enum dom_rc rc;

	err->message = NULL;
	if ((rc = invite_get(a, org_id, invite_id, &inv)) != DOM_OK) {
		err->message = "Invite not found";
		return rc;
	}
	if (inv.state == INVITE_ACCEPTED) {
		err->message = "Invite already accepted";
		return DOM_CONFLICT;
	}
	if (inv.state == INVITE_REVOKED)
		return DOM_OK;          /* repeating is a no-op, no second event */
	if ((st = store_stmt(sql_invite_revoke)) == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, invite_id);
	ss_bind_int(st, 2, clock_now_ms());
	if (ss_exec(st) != STORE_OK)
		return DOM_STORE;
	return invite_event(a, who, "invite.revoked", &inv) == -1 ?
	    DOM_STORE : DOM_OK;
}

/* ASCII case-insensitive equality (stored emails are lower-cased already;
 * this keeps the comparison right whatever the caller passes). */
static int
ascii_caseeq(const char *x, const char *y)
{
	for (;; x++, y++) {
		char cx = *x, cy = *y;

		if (cx >= 'A' && cx <= 'Z')
			cx = (char)(cx - 'A' + 'a');
		if (cy >= 'A' && cy <= 'Z')
			cy = (char)(cy - 'A' + 'a');
		if (cx != cy)
			return 0;
		if (cx == '\0')
			return 1;
	}
}

enum dom_rc
invite_accept(struct arena *a, const struct actor *who, const char *invite_id,
    const char *user_id, struct invite *out, int64_t *joined_at,
    struct dom_err *err)
{
	struct sstmt *st;
	const char *email = NULL;
	int64_t now = clock_now_ms();
	enum dom_rc rc;
	int r;

	err->message = NULL;
	if ((rc = invite_get(a, NULL, invite_id, out)) != DOM_OK) {
		err->message = "Invite not found";
		return rc;
	}
	if ((r = user_lookup(a, user_id, &email, NULL)) != 1) {
		err->message = "User not found";
		return r < 0 ? DOM_STORE : DOM_NOT_FOUND;
	}
	if (!ascii_caseeq(email, out->email)) {
		err->message = "Invite was issued to a different email";
		return DOM_FORBIDDEN;
	}
	switch (out->state) {
	case INVITE_ACCEPTED:
		err->message = "Invite already accepted";
		return DOM_CONFLICT;
	case INVITE_REVOKED:
		err->message = "Invite was revoked";
		return DOM_GONE;
	case INVITE_EXPIRED:
		err->message = "Invite has expired";
		return DOM_GONE;
	case INVITE_PENDING:
		break;
	}
	if ((rc = member_join(a, who, out->org_id, user_id, out->role,
	    out->id, now, err)) != DOM_OK)
		return rc;
	if ((st = store_stmt(sql_invite_accepted)) == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, out->id);
	ss_bind_int(st, 2, now);
	if (ss_exec(st) != STORE_OK)
		return DOM_STORE;
	out->accepted_at = now;
	out->state = INVITE_ACCEPTED;
	*joined_at = now;
	return DOM_OK;
}

/* The Invite object of 04-console.md §3.2 (acceptedAt only once accepted). */
void
invite_render(struct jw *w, const struct invite *inv)
{
	jw_obj_open(w);
	jw_kstr(w, "id", inv->id);
	jw_kstr(w, "email", inv->email);
	jw_kstr(w, "organizationId", inv->org_id);
	jw_kstr(w, "role", inv->role);
	jw_kstr(w, "state", invite_state_name(inv->state));
	jw_kstr(w, "invitedBy", inv->invited_by);
	dom_kput_time(w, "createdAt", inv->created_at);
	dom_kput_time(w, "expiresAt", inv->expires_at);
	if (inv->accepted_at != 0)
		dom_kput_time(w, "acceptedAt", inv->accepted_at);
	jw_obj_close(w);
}

/* ------------------------------------------------------------ projects */

static const char sql_project_insert[] =
    "INSERT INTO projects (id, org_id, name, slug, is_default, created_at,"
    " updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)";
static const char sql_project_slug_taken[] =
    "SELECT 1 FROM projects WHERE org_id = ?1 AND slug = ?2"
    " AND deleted_at IS NULL";
static const char sql_project_clear_default[] =
    "UPDATE projects SET is_default = 0, updated_at = ?2"
    " WHERE org_id = ?1 AND is_default = 1";
static const char sql_pm_insert[] =
    "INSERT INTO project_members (project_id, user_id, role, added_at)"
    " VALUES (?1, ?2, ?3, ?4)";
#define PROJECT_SELECT \
    "SELECT p.id, p.org_id, p.name, p.slug, p.is_default, p.sandbox_provider," \
    " p.team_id, t.slug, t.name, p.created_at, p.updated_at"
/* A soft-deleted team stays in projects.team_id but is shown as no team. */
#define PROJECT_FROM " FROM projects p LEFT JOIN teams t ON t.id = p.team_id" \
    " AND t.deleted_at IS NULL"
#define LIVE_TEAM_MEMBER(user) \
    " EXISTS (SELECT 1 FROM team_members tm JOIN teams lt ON lt.id = tm.team_id" \
    " AND lt.deleted_at IS NULL WHERE tm.team_id = p.team_id AND tm.user_id = " user ")"
static const char sql_project_get[] =
    PROJECT_SELECT PROJECT_FROM " WHERE p.org_id = ?1 AND (p.id = ?2 OR"
    " p.slug = ?2) AND p.deleted_at IS NULL";
static const char sql_project_list[] =
    PROJECT_SELECT PROJECT_FROM " WHERE p.org_id = ?1 AND p.deleted_at IS NULL"
    " ORDER BY p.created_at, p.id";
/* Columns 11 and 12: the explicit role of ?2 and whether ?2 is in the
 * project's team (01-auth.md §14). */
static const char sql_projects_roles[] =
    PROJECT_SELECT ", (SELECT pm.role FROM project_members pm"
    " WHERE pm.project_id = p.id AND pm.user_id = ?2),"
    LIVE_TEAM_MEMBER("?2") PROJECT_FROM
    " WHERE p.org_id = ?1 AND p.deleted_at IS NULL ORDER BY p.created_at, p.id";
static const char sql_project_role[] =
    "SELECT (SELECT pm.role FROM project_members pm"
    " WHERE pm.project_id = p.id AND pm.user_id = ?3),"
    LIVE_TEAM_MEMBER("?3")
    " FROM projects p WHERE p.id = ?1 AND p.org_id = ?2 AND p.deleted_at IS NULL";

static void
project_from_row(struct arena *a, struct sstmt *st, struct project *p)
{
	memset(p, 0, sizeof(*p));
	p->id = arena_strdup(a, ss_text(st, 0));
	p->org_id = arena_strdup(a, ss_text(st, 1));
	p->name = arena_strdup(a, ss_text(st, 2));
	p->slug = arena_strdup(a, ss_text(st, 3));
	p->is_default = ss_int(st, 4) != 0;
	p->sandbox_provider = arena_strdup(a, ss_text(st, 5));
	if (!ss_is_null(st, 7)) {   /* live team only */
		p->team_id = arena_strdup(a, ss_text(st, 6));
		p->team_slug = arena_strdup(a, ss_text(st, 7));
		p->team_name = arena_strdup(a, ss_text(st, 8));
	}
	p->created_at = ss_int(st, 9);
	p->updated_at = ss_int(st, 10);
}

enum dom_rc
project_create(struct arena *a, const struct actor *who, const char *org_id,
    const char *name, const char *slug, int is_default,
    const char *creator_user_id, struct project *out, struct dom_err *err)
{
	struct sstmt *st;
	struct json_object *pl;
	int64_t now = clock_now_ms();
	int r;

	err->message = NULL;
	if (dom_check_name(a, name, 100, err) != DOM_OK)
		return DOM_INVALID;
	if (slug == NULL && (slug = slug_derive(a, name)) == NULL) {
		err->message = "Cannot derive a slug from name; provide slug";
		return DOM_INVALID;
	}
	if ((r = slug_valid(slug)) != 0) {
		err->message = r == -2 ? "slug is reserved" :
		    "slug must match ^[a-z0-9]+(-[a-z0-9]+)*$ (1-48 characters)";
		return DOM_INVALID;
	}
	if ((st = store_stmt(sql_project_slug_taken)) == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, org_id);
	ss_bind_text(st, 2, slug);
	r = ss_step(st);
	ss_reset(st);
	if (r != STORE_DONE) {
		err->message = "Project slug already exists";
		return r == STORE_ROW ? DOM_CONFLICT : DOM_STORE;
	}
	if (is_default) {
		if ((st = store_stmt(sql_project_clear_default)) == NULL)
			return DOM_STORE;
		ss_bind_text(st, 1, org_id);
		ss_bind_int(st, 2, now);
		if (ss_exec(st) != STORE_OK)
			return DOM_STORE;
	}
	memset(out, 0, sizeof(*out));
	out->id = dom_new_id(a, "proj_");
	out->org_id = arena_strdup(a, org_id);
	out->name = arena_strdup(a, name);
	out->slug = arena_strdup(a, slug);
	out->is_default = is_default;
	out->sandbox_provider = "local";
	out->created_at = out->updated_at = now;
	if ((st = store_stmt(sql_project_insert)) == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, out->id);
	ss_bind_text(st, 2, org_id);
	ss_bind_text(st, 3, name);
	ss_bind_text(st, 4, slug);
	ss_bind_int(st, 5, is_default);
	ss_bind_int(st, 6, now);
	if (ss_exec(st) != STORE_OK)
		return DOM_STORE;
	if (creator_user_id != NULL) {
		if ((st = store_stmt(sql_pm_insert)) == NULL)
			return DOM_STORE;
		ss_bind_text(st, 1, out->id);
		ss_bind_text(st, 2, creator_user_id);
		ss_bind_text(st, 3, "admin");
		ss_bind_int(st, 4, now);
		if (ss_exec(st) != STORE_OK)
			return DOM_STORE;
	}
	/* An org's default project is recorded by its org.created event. */
	if (who == NULL)
		return DOM_OK;
	pl = json_object_new_object();
	json_object_object_add(pl, "projectId", dom_jstr(out->id));
	json_object_object_add(pl, "slug", dom_jstr(out->slug));
	if (dom_event(a, who, org_id, "project.created", "project", out->id,
	    pl, NULL, NULL) == -1)
		return DOM_STORE;
	return DOM_OK;
}

enum dom_rc
project_get(struct arena *a, const char *org_id, const char *id_or_slug,
    struct project *out)
{
	struct sstmt *st = store_stmt(sql_project_get);
	int rc;

	if (st == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, org_id);
	ss_bind_text(st, 2, id_or_slug);
	rc = ss_step(st);
	if (rc == STORE_ROW)
		project_from_row(a, st, out);
	ss_reset(st);
	if (rc == STORE_ROW)
		return DOM_OK;
	return rc == STORE_DONE ? DOM_NOT_FOUND : DOM_STORE;
}

enum dom_rc
project_list(struct arena *a, const char *org_id,
    int (*fn)(const struct project *, void *), void *arg)
{
	struct sstmt *st = store_stmt(sql_project_list);
	struct project p;
	int rc;

	if (st == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, org_id);
	while ((rc = ss_step(st)) == STORE_ROW) {
		project_from_row(a, st, &p);
		if (fn(&p, arg) != 0)
			break;
	}
	ss_reset(st);
	return rc == STORE_ERROR || rc == STORE_BUSY ? DOM_STORE : DOM_OK;
}

/* The Project object of 04-console.md §4. */
void
project_render(struct jw *w, const struct project *p)
{
	char c[ISO8601_LEN + 1], u[ISO8601_LEN + 1];

	iso8601_ms(c, p->created_at);
	iso8601_ms(u, p->updated_at);
	jw_obj_open(w);
	jw_kstr(w, "id", p->id);
	jw_kstr(w, "name", p->name);
	jw_kstr(w, "slug", p->slug);
	jw_kbool(w, "isDefault", p->is_default);
	jw_kstr(w, "sandboxProvider", p->sandbox_provider);
	if (p->team_id != NULL) {
		jw_kstr(w, "teamId", p->team_id);
		jw_kstr(w, "teamSlug", p->team_slug);
		jw_kstr(w, "teamName", p->team_name);
	}
	jw_kstr(w, "createdAt", c);
	jw_kstr(w, "updatedAt", u);
	jw_obj_close(w);
}

/* ----------------------------------------------------- project members */

static const char sql_project_in_org[] =
    "SELECT 1 FROM projects WHERE id = ?1 AND org_id = ?2"
    " AND deleted_at IS NULL";
#define PM_COLS \
    "SELECT pm.project_id, pm.user_id, u.email, u.name, pm.role, pm.added_at" \
    " FROM project_members pm JOIN users u ON u.id = pm.user_id"
static const char sql_pm_get[] =
    PM_COLS " WHERE pm.project_id = ?1 AND pm.user_id = ?2";
static const char sql_pm_list[] =
    PM_COLS " WHERE pm.project_id = ?1 ORDER BY pm.added_at, pm.user_id";
static const char sql_pm_set_role[] =
    "UPDATE project_members SET role = ?3 WHERE project_id = ?1"
    " AND user_id = ?2";
static const char sql_pm_delete[] =
    "DELETE FROM project_members WHERE project_id = ?1 AND user_id = ?2";

static int
valid_project_role(const char *r)
{
	return r != NULL && (strcmp(r, "admin") == 0 ||
	    strcmp(r, "member") == 0 || strcmp(r, "viewer") == 0);
}

/* DOM_OK when project_id is a live project of org_id. */
static enum dom_rc
project_check(const char *org_id, const char *project_id, struct dom_err *err)
{
	int rc = exists(sql_project_in_org, project_id, org_id);

	if (rc == 1)
		return DOM_OK;
	err->message = "Project not found";
	return rc == 0 ? DOM_NOT_FOUND : DOM_STORE;
}

static void
pm_from_row(struct arena *a, struct sstmt *st, struct project_member *m)
{
	m->project_id = arena_strdup(a, ss_text(st, 0));
	m->user_id = arena_strdup(a, ss_text(st, 1));
	m->email = arena_strdup(a, ss_text(st, 2));
	m->name = dom_col_text(a, st, 3);
	m->role = arena_strdup(a, ss_text(st, 4));
	m->added_at = ss_int(st, 5);
}

static int
pm_row(struct arena *a, const char *project_id, const char *user_id,
    struct project_member *m)
{
	struct sstmt *st = store_stmt(sql_pm_get);
	int rc;

	if (st == NULL)
		return -1;
	ss_bind_text(st, 1, project_id);
	ss_bind_text(st, 2, user_id);
	rc = ss_step(st);
	if (rc == STORE_ROW)
		pm_from_row(a, st, m);
	ss_reset(st);
	if (rc == STORE_ROW)
		return 1;
	return rc == STORE_DONE ? 0 : -1;
}

/* project_member.* {projectId, userId, email*, role}. */
static int
pm_event(struct arena *a, const struct actor *who, const char *org_id,
    const char *type, const struct project_member *m)
{
	struct json_object *pl = json_object_new_object();

	json_object_object_add(pl, "projectId", dom_jstr(m->project_id));
	json_object_object_add(pl, "userId", dom_jstr(m->user_id));
	json_object_object_add(pl, "email", dom_jstr(m->email));
	json_object_object_add(pl, "role", dom_jstr(m->role));
	return dom_event(a, who, org_id, type, "project_member", m->user_id, pl,
	    m->email, m->user_id);
}

enum dom_rc
project_member_add(struct arena *a, const struct actor *who,
    const char *org_id, const char *project_id, const char *user_id,
    const char *role, struct project_member *out, struct dom_err *err)
{
	struct sstmt *st;
	enum dom_rc rc;
	int r;

	err->message = NULL;
	if (!valid_project_role(role)) {
		err->message = "role must be one of: admin, member, viewer";
		return DOM_INVALID;
	}
	if ((rc = project_check(org_id, project_id, err)) != DOM_OK)
		return rc;
	if ((r = exists(sql_member_exists, org_id, user_id)) != 1) {
		err->message = "User is not a member of the organization";
		return r < 0 ? DOM_STORE : DOM_INVALID;
	}
	if ((r = exists(sql_pm_get, project_id, user_id)) != 0) {
		err->message = "User is already a project member";
		return r < 0 ? DOM_STORE : DOM_CONFLICT;
	}
	memset(out, 0, sizeof(*out));
	out->project_id = arena_strdup(a, project_id);
	out->user_id = arena_strdup(a, user_id);
	out->role = arena_strdup(a, role);
	out->added_at = clock_now_ms();
	if (user_lookup(a, user_id, &out->email, &out->name) != 1)
		return DOM_STORE;
	if ((st = store_stmt(sql_pm_insert)) == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, project_id);
	ss_bind_text(st, 2, user_id);
	ss_bind_text(st, 3, role);
	ss_bind_int(st, 4, out->added_at);
	if (ss_exec(st) != STORE_OK)
		return DOM_STORE;
	return pm_event(a, who, org_id, "project_member.added", out) == -1 ?
	    DOM_STORE : DOM_OK;
}

enum dom_rc
project_member_set_role(struct arena *a, const struct actor *who,
    const char *org_id, const char *project_id, const char *user_id,
    const char *role, struct project_member *out, struct dom_err *err)
{
	struct sstmt *st;
	enum dom_rc rc;
	int r;

	err->message = NULL;
	if (!valid_project_role(role)) {
		err->message = "role must be one of: admin, member, viewer";
		return DOM_INVALID;
	}
	if ((rc = project_check(org_id, project_id, err)) != DOM_OK)
		return rc;
	if ((r = pm_row(a, project_id, user_id, out)) != 1) {
		err->message = "Project member not found";
		return r < 0 ? DOM_STORE : DOM_NOT_FOUND;
	}
	if (strcmp(out->role, role) == 0)
		return DOM_OK;          /* nothing changes, nothing is recorded */
	if ((st = store_stmt(sql_pm_set_role)) == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, project_id);
	ss_bind_text(st, 2, user_id);
	ss_bind_text(st, 3, role);
	if (ss_exec(st) != STORE_OK)
		return DOM_STORE;
	out->role = arena_strdup(a, role);
	return pm_event(a, who, org_id, "project_member.role_changed", out) == -1 ?
	    DOM_STORE : DOM_OK;
}

enum dom_rc
project_member_remove(struct arena *a, const struct actor *who,
    const char *org_id, const char *project_id, const char *user_id,
    struct dom_err *err)
{
	struct project_member m;
	enum dom_rc rc;
	int r;

	err->message = NULL;
	if ((rc = project_check(org_id, project_id, err)) != DOM_OK)
		return rc;
	if ((r = pm_row(a, project_id, user_id, &m)) != 1) {
		err->message = "Project member not found";
		return r < 0 ? DOM_STORE : DOM_NOT_FOUND;
	}
	if (exec2(sql_pm_delete, project_id, user_id, 0) == -1)
		return DOM_STORE;
	return pm_event(a, who, org_id, "project_member.removed", &m) == -1 ?
	    DOM_STORE : DOM_OK;
}

enum dom_rc
project_member_list(struct arena *a, const char *org_id,
    const char *project_id, int (*fn)(const struct project_member *, void *),
    void *arg)
{
	struct dom_err err;
	struct project_member m;
	struct sstmt *st;
	enum dom_rc drc;
	int rc;

	if ((drc = project_check(org_id, project_id, &err)) != DOM_OK)
		return drc;
	if ((st = store_stmt(sql_pm_list)) == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, project_id);
	while ((rc = ss_step(st)) == STORE_ROW) {
		pm_from_row(a, st, &m);
		if (fn(&m, arg) != 0)
			break;
	}
	ss_reset(st);
	return rc == STORE_ERROR || rc == STORE_BUSY ? DOM_STORE : DOM_OK;
}

/* ProjectMember of 04-console.md §4.1. */
void
project_member_render(struct jw *w, const struct project_member *m)
{
	jw_obj_open(w);
	jw_kstr(w, "userId", m->user_id);
	jw_kstr(w, "email", m->email);
	jw_kstr(w, "name", m->name);
	jw_kstr(w, "role", m->role);
	dom_kput_time(w, "addedAt", m->added_at);
	jw_obj_close(w);
}

/* --------------------------------------------------------------- teams */

/* Teams are soft-deleted (10-scim.md §11): the slug is unique among live
 * teams, and projects keep their team_id but show no team. */
static const char sql_team_insert[] =
    "INSERT INTO teams (id, org_id, name, slug, created_at, updated_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?5)";
static const char sql_team_slug_taken[] =
    "SELECT 1 FROM teams WHERE org_id = ?1 AND slug = ?2"
    " AND deleted_at IS NULL";
static const char sql_team_get[] =
    "SELECT id, org_id, name, slug, created_at, updated_at FROM teams"
    " WHERE id = ?1 AND org_id = ?2 AND deleted_at IS NULL";
static const char sql_team_rename[] =
    "UPDATE teams SET name = ?3, updated_at = ?4 WHERE id = ?1 AND org_id = ?2"
    " AND deleted_at IS NULL";
static const char sql_team_delete[] =
    "UPDATE teams SET deleted_at = ?3, updated_at = ?3 WHERE id = ?1"
    " AND org_id = ?2 AND deleted_at IS NULL";
static const char sql_team_member_add[] =
    "INSERT OR IGNORE INTO team_members (team_id, user_id, added_at)"
    " VALUES (?1, ?2, ?3)";
static const char sql_team_member_remove[] =
    "DELETE FROM team_members WHERE team_id = ?1 AND user_id = ?2";

#define TEAM_SLUG_MAX 64
#define TEAM_NAME_MAX 255

enum dom_rc
team_get(struct arena *a, const char *org_id, const char *team_id,
    struct team *out)
{
	struct sstmt *st = store_stmt(sql_team_get);
	int rc;

	if (st == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, team_id);
	ss_bind_text(st, 2, org_id);
	rc = ss_step(st);
	if (rc == STORE_ROW) {
		out->id = arena_strdup(a, ss_text(st, 0));
		out->org_id = arena_strdup(a, ss_text(st, 1));
		out->name = arena_strdup(a, ss_text(st, 2));
		out->slug = arena_strdup(a, ss_text(st, 3));
		out->created_at = ss_int(st, 4);
		out->updated_at = ss_int(st, 5);
	}
	ss_reset(st);
	if (rc == STORE_ROW)
		return DOM_OK;
	return rc == STORE_DONE ? DOM_NOT_FOUND : DOM_STORE;
}

/* The team's slug: derived (a name without [a-z0-9] gives "team"), then
 * "-2", "-3"… until it is free in the org, cut so it stays within 64. */
static const char *
team_slug(struct arena *a, const char *org_id, const char *name)
{
	const char *base = derive(a, name, TEAM_SLUG_MAX), *slug;
	int rc;

	if (base == NULL)
		base = "team";
	slug = base;
	for (int n = 2; (rc = exists(sql_team_slug_taken, org_id, slug)) == 1;
	    n++) {
		char suffix[16];
		size_t sl, bl = strlen(base);

		sl = (size_t)snprintf(suffix, sizeof(suffix), "-%d", n);
		if (bl > TEAM_SLUG_MAX - sl)
			bl = TEAM_SLUG_MAX - sl;
		while (bl > 0 && base[bl - 1] == '-')
			bl--;
		slug = arena_printf(a, "%.*s%s", (int)bl, base, suffix);
	}
	return rc == 0 ? slug : NULL;
}

enum dom_rc
team_create(struct arena *a, const char *org_id, const char *name,
    struct team *out, struct dom_err *err)
{
	struct sstmt *st;

	err->message = NULL;
	if (dom_check_name(a, name, TEAM_NAME_MAX, err) != DOM_OK)
		return DOM_INVALID;
	memset(out, 0, sizeof(*out));
	out->id = dom_new_id(a, "team_");
	out->org_id = arena_strdup(a, org_id);
	out->name = arena_strdup(a, name);
	out->created_at = out->updated_at = clock_now_ms();
	if ((out->slug = team_slug(a, org_id, name)) == NULL)
		return DOM_STORE;
	if ((st = store_stmt(sql_team_insert)) == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, out->id);
	ss_bind_text(st, 2, org_id);
	ss_bind_text(st, 3, out->name);
	ss_bind_text(st, 4, out->slug);
	ss_bind_int(st, 5, out->created_at);
	if (ss_exec(st) != STORE_OK) {
		err->message = "Organization not found";
		return DOM_STORE;
	}
	return DOM_OK;
}

/* DOM_OK when team_id is a team of org_id. */
static enum dom_rc
team_check(struct arena *a, const char *org_id, const char *team_id,
    struct dom_err *err)
{
	struct team t;
	enum dom_rc rc = team_get(a, org_id, team_id, &t);

	if (rc == DOM_NOT_FOUND)
		err->message = "Team not found";
	return rc;
}

enum dom_rc
team_rename(struct arena *a, const char *org_id, const char *team_id,
    const char *name, struct dom_err *err)
{
	struct sstmt *st;
	enum dom_rc rc;

	err->message = NULL;
	if (dom_check_name(a, name, TEAM_NAME_MAX, err) != DOM_OK)
		return DOM_INVALID;
	if ((rc = team_check(a, org_id, team_id, err)) != DOM_OK)
		return rc;
	if ((st = store_stmt(sql_team_rename)) == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, team_id);
	ss_bind_text(st, 2, org_id);
	ss_bind_text(st, 3, name);
	ss_bind_int(st, 4, clock_now_ms());
	return ss_exec(st) == STORE_OK ? DOM_OK : DOM_STORE;
}

enum dom_rc
team_delete(struct arena *a, const char *org_id, const char *team_id,
    struct dom_err *err)
{
	enum dom_rc rc;

	err->message = NULL;
	if ((rc = team_check(a, org_id, team_id, err)) != DOM_OK)
		return rc;
	return exec2(sql_team_delete, team_id, org_id, clock_now_ms()) == 0 ?
	    DOM_OK : DOM_STORE;
}

enum dom_rc
team_member_add(struct arena *a, const char *org_id, const char *team_id,
    const char *user_id, struct dom_err *err)
{
	enum dom_rc rc;
	int r;

	err->message = NULL;
	if ((rc = team_check(a, org_id, team_id, err)) != DOM_OK)
		return rc;
	/* 10-scim.md §9.2: team membership needs an active membership. */
	if ((r = exists(sql_member_exists, org_id, user_id)) != 1) {
		err->message = "User is not a member of the organization";
		return r < 0 ? DOM_STORE : DOM_INVALID;
	}
	return exec2(sql_team_member_add, team_id, user_id, clock_now_ms()) == 0 ?
	    DOM_OK : DOM_STORE;
}

enum dom_rc
team_member_remove(struct arena *a, const char *org_id, const char *team_id,
    const char *user_id, struct dom_err *err)
{
	enum dom_rc rc;

	err->message = NULL;
	if ((rc = team_check(a, org_id, team_id, err)) != DOM_OK)
		return rc;
	return exec2(sql_team_member_remove, team_id, user_id, 0) == 0 ?
	    DOM_OK : DOM_STORE;
}

/* ------------------------------------------------ effective project role */

enum role
project_role_effective(enum role org_role, enum role explicit_role,
    int team_member)
{
	enum role r = ROLE_NONE;

	if (org_role == ROLE_NONE)
		return ROLE_NONE;
	if (explicit_role == ROLE_ADMIN || explicit_role == ROLE_MEMBER ||
	    explicit_role == ROLE_VIEWER)
		r = explicit_role;
	if (team_member && r < ROLE_MEMBER)
		r = ROLE_MEMBER;
	if (org_role == ROLE_OWNER || org_role == ROLE_ADMIN)
		r = ROLE_ADMIN;
	else if (org_role == ROLE_AUDITOR && r < ROLE_VIEWER)
		r = ROLE_VIEWER;
	else if (org_role == ROLE_VIEWER && r > ROLE_VIEWER)
		r = ROLE_VIEWER;
	return r;
}

enum role
project_role(const char *org_id, const char *project_id, const char *user_id,
    enum role org_role)
{
	struct sstmt *st;
	enum role r = ROLE_NONE;
	int rc;

	if (org_role == ROLE_NONE)
		return ROLE_NONE;
	if ((st = store_stmt(sql_project_role)) == NULL)
		return ROLE_NONE;
	ss_bind_text(st, 1, project_id);
	ss_bind_text(st, 2, org_id);
	ss_bind_text(st, 3, user_id);
	rc = ss_step(st);
	if (rc == STORE_ROW)
		r = project_role_effective(org_role, ss_is_null(st, 0) ?
		    ROLE_NONE : role_parse(ss_text(st, 0)), ss_int(st, 1) != 0);
	ss_reset(st);
	if (rc != STORE_ROW && rc != STORE_DONE)
		log_error("project_role: %s: %s", project_id, store_errmsg());
	return r;
}

enum dom_rc
projects_visible(struct arena *a, const char *org_id, const char *user_id,
    enum role org_role, int (*fn)(const struct project *, enum role, void *),
    void *arg)
{
	struct sstmt *st;
	struct project p;
	enum role r;
	int rc;

	if (org_role == ROLE_NONE)
		return DOM_OK;
	if ((st = store_stmt(sql_projects_roles)) == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, org_id);
	ss_bind_text(st, 2, user_id);
	while ((rc = ss_step(st)) == STORE_ROW) {
		r = project_role_effective(org_role, ss_is_null(st, 11) ?
		    ROLE_NONE : role_parse(ss_text(st, 11)), ss_int(st, 12) != 0);
		if (r == ROLE_NONE)
			continue;
		project_from_row(a, st, &p);
		if (fn(&p, r, arg) != 0)
			break;
	}
	ss_reset(st);
	return rc == STORE_ERROR || rc == STORE_BUSY ? DOM_STORE : DOM_OK;
}
