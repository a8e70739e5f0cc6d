/*
 * tenancy.c -- orgs, users, memberships, projects (see tenancy.h).
 *
 * All SQL is declared here as static strings and prepared once per
 * process by the store.  Writers assume the caller's write transaction.
 */
#include "config.h"

#include <ctype.h>
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

char *
slug_derive(struct arena *a, const char *name)
{
	size_t n = strlen(name), j = 0;
	char *out = arena_alloc(a, n + 1);

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)tolower((unsigned char)name[i]);

		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
			out[j++] = (char)c;
		else if (j > 0 && out[j - 1] != '-')
			out[j++] = '-';
	}
	while (j > 0 && out[j - 1] == '-')
		j--;
	if (j > 48)
		j = 48;
	while (j > 0 && out[j - 1] == '-')
		j--;
	out[j] = '\0';
	return j ? out : NULL;
}

/* ----------------------------------------------- shared domain helpers */

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

static int
exists(const char *sql, const char *v)
{
	struct sstmt *st = store_stmt(sql);
	int rc;

	if (st == NULL)
		return -1;
	ss_bind_text(st, 1, v);
	rc = ss_step(st);
	ss_reset(st);
	if (rc == STORE_ROW)
		return 1;
	return rc == STORE_DONE ? 0 : -1;
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
	if (name == NULL || *name == '\0' || strlen(name) > 100) {
		err->message = "name must be a string of 1-100 characters";
		return DOM_INVALID;
	}
	if (slug == NULL && (slug = slug_derive(a, name)) == NULL) {
		err->message = "Cannot derive a slug from name; provide slug";
		return DOM_INVALID;
	}
	if ((r = slug_valid(slug)) != 0) {
		err->message = r == -2 ? "slug is reserved" :
		    "slug must match ^[a-z0-9]+(-[a-z0-9]+)*$ (1-48 characters)";
		return DOM_INVALID;
	}
	if ((r = exists(sql_org_slug_taken, slug)) != 0) {
		err->message = "Organization slug already exists";
		return r < 0 ? DOM_STORE : DOM_CONFLICT;
	}
	if (owner_user_id != NULL && (r = exists(sql_user_exists, owner_user_id)) != 1) {
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
		static const char sql_owner[] =
		    "INSERT INTO memberships (org_id, user_id, role, joined_at)"
		    " VALUES (?1, ?2, 'owner', ?3)";

		if ((st = store_stmt(sql_owner)) == NULL)
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
		if (isspace((unsigned char)e[i]) || (unsigned char)e[i] < 0x20)
			return 0;
	return 1;
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
static const char sql_member_get[] =
    "SELECT m.role, u.email FROM memberships m JOIN users u ON u.id = m.user_id"
    " WHERE m.org_id = ?1 AND m.user_id = ?2";
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

static int
valid_org_role(const char *r)
{
	return r != NULL && (strcmp(r, "owner") == 0 || strcmp(r, "admin") == 0 ||
	    strcmp(r, "member") == 0 || strcmp(r, "auditor") == 0 ||
	    strcmp(r, "viewer") == 0);
}

static const char *
user_email(struct arena *a, const char *user_id)
{
	static const char sql[] = "SELECT email FROM users WHERE id = ?1";
	struct sstmt *st = store_stmt(sql);
	const char *e = NULL;

	if (st == NULL)
		return NULL;
	ss_bind_text(st, 1, user_id);
	if (ss_step(st) == STORE_ROW)
		e = arena_strdup(a, ss_text(st, 0));
	ss_reset(st);
	return e;
}

enum dom_rc
member_add(struct arena *a, const struct actor *who, const char *org_id,
    const char *user_id, const char *role, const char *invite_id,
    struct dom_err *err)
{
	struct sstmt *st;
	struct json_object *pl;
	const char *email;
	int rc;

	err->message = NULL;
	if (!valid_org_role(role)) {
		err->message = "role must be one of: owner, admin, member, auditor, viewer";
		return DOM_INVALID;
	}
	if ((email = user_email(a, user_id)) == NULL) {
		err->message = "User not found";
		return DOM_NOT_FOUND;
	}
	if ((st = store_stmt(sql_member_insert)) == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, org_id);
	ss_bind_text(st, 2, user_id);
	ss_bind_text(st, 3, role);
	ss_bind_int(st, 4, clock_now_ms());
	rc = ss_exec(st);
	if (rc == STORE_CONSTRAINT) {
		err->message = "User is already a member";
		return DOM_CONFLICT;
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

/* Collects one text column of a query bound to (org, user). */
static struct json_object *
collect_ids(const char *sql, const char *org_id, const char *user_id)
{
	struct sstmt *st = store_stmt(sql);
	struct json_object *arr = json_object_new_array();

	if (st == NULL)
		return arr;
	ss_bind_text(st, 1, org_id);
	ss_bind_text(st, 2, user_id);
	while (ss_step(st) == STORE_ROW)
		json_object_array_add(arr, json_object_new_string(ss_text(st, 0)));
	ss_reset(st);
	return arr;
}

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
	struct sstmt *st = store_stmt(sql_member_get);
	struct json_object *pl, *keys, *projects;
	const char *role = NULL, *email = NULL;
	int64_t owners = 0, sessions;
	int rc;

	err->message = NULL;
	if (st == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, org_id);
	ss_bind_text(st, 2, user_id);
	rc = ss_step(st);
	if (rc == STORE_ROW) {
		role = arena_strdup(a, ss_text(st, 0));
		email = arena_strdup(a, ss_text(st, 1));
	}
	ss_reset(st);
	if (rc != STORE_ROW) {
		err->message = "Member not found";
		return rc == STORE_DONE ? DOM_NOT_FOUND : DOM_STORE;
	}
	if (strcmp(role, "owner") == 0) {
		if ((st = store_stmt(sql_owner_count)) == NULL)
			return DOM_STORE;
		ss_bind_text(st, 1, org_id);
		if (ss_step(st) == STORE_ROW)
			owners = ss_int(st, 0);
		ss_reset(st);
		if (owners <= 1) {
			err->message = "An organization must keep at least one owner";
			return DOM_CONFLICT;
		}
	}
	keys = collect_ids(sql_member_keys, org_id, user_id);
	projects = collect_ids(sql_member_projects, org_id, user_id);
	if (exec2(sql_member_keys_revoke, org_id, user_id, clock_now_ms()) ||
	    exec2(sql_member_projects_delete, org_id, user_id, 0) ||
	    exec2(sql_member_sessions_delete, org_id, user_id, 0))
		goto fail;
	sessions = store_changes();
	if (exec2(sql_member_delete, org_id, user_id, 0))
		goto fail;
	pl = json_object_new_object();
	json_object_object_add(pl, "userId", dom_jstr(user_id));
	json_object_object_add(pl, "email", dom_jstr(email));
	json_object_object_add(pl, "revokedKeyIds", keys);
	json_object_object_add(pl, "removedProjectIds", projects);
	json_object_object_add(pl, "deletedSessionCount",
	    json_object_new_int64(sessions));
	if (dom_event(a, who, org_id, "member.removed", "member", user_id, pl,
	    email, user_id) == -1)
		return DOM_STORE;
	return DOM_OK;
fail:
	json_object_put(keys);
	json_object_put(projects);
	return DOM_STORE;
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
static const char sql_project_member_insert[] =
    "INSERT INTO project_members (project_id, user_id, role, added_at)"
    " VALUES (?1, ?2, 'admin', ?3)";
#define PROJECT_COLS \
    "SELECT p.id, p.org_id, p.name, p.slug, p.is_default, p.sandbox_provider," \
    " p.team_id, t.slug, t.name, p.created_at, p.updated_at" \
    " FROM projects p LEFT JOIN teams t ON t.id = p.team_id"
static const char sql_project_get[] =
    PROJECT_COLS " WHERE p.org_id = ?1 AND (p.id = ?2 OR p.slug = ?2)"
    " AND p.deleted_at IS NULL";
static const char sql_project_list[] =
    PROJECT_COLS " WHERE p.org_id = ?1 AND p.deleted_at IS NULL"
    " ORDER BY p.created_at, p.id";

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
	if (!ss_is_null(st, 6)) {
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
	if (name == NULL || *name == '\0' || strlen(name) > 100) {
		err->message = "name must be a string of 1-100 characters";
		return DOM_INVALID;
	}
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
		if ((st = store_stmt(sql_project_member_insert)) == NULL)
			return DOM_STORE;
		ss_bind_text(st, 1, out->id);
		ss_bind_text(st, 2, creator_user_id);
		ss_bind_int(st, 3, now);
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
