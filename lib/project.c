/*
 * project.c -- project settings, soft deletion and repositories
 * (04-console.md §4, §4.1).
 */
#include "config.h"

#include <string.h>

#include "clock.h"
#include "extern.h"
#include "project.h"

int
project_sandbox_valid(const char *s)
{
	return s != NULL && (strcmp(s, "local") == 0 || strcmp(s, "e2b") == 0 ||
	    strcmp(s, "vercel") == 0);
}

static const char sql_slug_taken[] =
    "SELECT 1 FROM projects WHERE org_id = ?1 AND slug = ?2"
    " AND deleted_at IS NULL AND id <> ?3";
static const char sql_team_live[] =
    "SELECT 1 FROM teams WHERE id = ?1 AND org_id = ?2 AND deleted_at IS NULL";
static const char sql_clear_default[] =
    "UPDATE projects SET is_default = 0, updated_at = ?2"
    " WHERE org_id = ?1 AND is_default = 1 AND deleted_at IS NULL";
static const char sql_update[] =
    "UPDATE projects SET name = ?3, slug = ?4, sandbox_provider = ?5,"
    " team_id = ?6, is_default = ?7, updated_at = ?8"
    " WHERE id = ?1 AND org_id = ?2 AND deleted_at IS NULL";
static const char sql_team_of[] =
    "SELECT team_id FROM projects WHERE id = ?1";

static int
row_exists(const char *sql, const char *v1, const char *v2, const char *v3)
{
	struct sstmt *st = store_stmt(sql);
	int rc;

	if (st == NULL)
		return -1;
	ss_bind_text(st, 1, v1);
	if (v2 != NULL)
		ss_bind_text(st, 2, v2);
	if (v3 != NULL)
		ss_bind_text(st, 3, v3);
	rc = ss_step(st);
	ss_reset(st);
	if (rc == STORE_ROW)
		return 1;
	return rc == STORE_DONE ? 0 : -1;
}

static int
str_differs(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a != b;
	return strcmp(a, b) != 0;
}

enum dom_rc
project_update(struct arena *a, const struct actor *who, const char *org_id,
    const char *project_id, const struct project_patch *pp, int quiet,
    struct project *out, struct dom_err *err)
{
	struct project cur;
	struct sstmt *st;
	struct json_object *pl, *changed;
	const char *name, *slug, *sandbox, *team, *cur_team = NULL;
	int64_t now = clock_now_ms();
	int r, def;
	enum dom_rc rc;

	err->message = NULL;
	if ((rc = project_get(a, org_id, project_id, &cur)) != DOM_OK) {
		err->message = "Project not found";
		return rc;
	}
	/* The stored team, also when the team is deleted. */
	if ((st = store_stmt(sql_team_of)) == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, cur.id);
	if ((r = ss_step(st)) == STORE_ROW)
		cur_team = dom_col_text(a, st, 0);
	ss_reset(st);
	if (r != STORE_ROW)
		return DOM_STORE;
	name = pp->name ? pp->name : cur.name;
	if (pp->name != NULL && dom_check_name(a, pp->name, 100, err) != DOM_OK)
		return DOM_INVALID;
	slug = pp->slug ? pp->slug : cur.slug;
	if (pp->slug != NULL) {
		if ((r = slug_valid(pp->slug)) != 0) {
			err->message = r == -2 ? "slug is reserved" :
			    "slug must match ^[a-z0-9]+(-[a-z0-9]+)*$ (1-48 characters)";
			return DOM_INVALID;
		}
	}
	sandbox = pp->sandbox_provider ? pp->sandbox_provider :
	    cur.sandbox_provider;
	if (!project_sandbox_valid(sandbox)) {
		err->message = "sandboxProvider must be one of: local, e2b, vercel";
		return DOM_INVALID;
	}
	team = pp->set_team ? pp->team_id : cur_team;
	if (pp->set_team && team != NULL) {
		if ((r = row_exists(sql_team_live, team, org_id, NULL)) != 1) {
			err->message = "Unknown teamId";
			return r < 0 ? DOM_STORE : DOM_INVALID;
		}
	}
	if (pp->slug != NULL) {
		if ((r = row_exists(sql_slug_taken, org_id, slug, cur.id)) != 0) {
			err->message = "Project slug already exists";
			return r < 0 ? DOM_STORE : DOM_CONFLICT;
		}
	}
	def = cur.is_default || pp->make_default;
	changed = json_object_new_array();
	if (str_differs(name, cur.name))
		json_object_array_add(changed, json_object_new_string("name"));
	if (str_differs(slug, cur.slug))
		json_object_array_add(changed, json_object_new_string("slug"));
	if (str_differs(sandbox, cur.sandbox_provider))
		json_object_array_add(changed,
		    json_object_new_string("sandboxProvider"));
	if (str_differs(team, cur_team))
		json_object_array_add(changed, json_object_new_string("teamId"));
	if (def != cur.is_default)
		json_object_array_add(changed, json_object_new_string("isDefault"));
	if (json_object_array_length(changed) == 0) {
		json_object_put(changed);
		*out = cur;
		return DOM_OK;
	}
	if (def && !cur.is_default) {
		if ((st = store_stmt(sql_clear_default)) == NULL)
			goto fail;
		ss_bind_text(st, 1, org_id);
		ss_bind_int(st, 2, now);
		if (ss_exec(st) != STORE_OK)
			goto fail;
	}
	if ((st = store_stmt(sql_update)) == NULL)
		goto fail;
	ss_bind_text(st, 1, cur.id);
	ss_bind_text(st, 2, org_id);
	ss_bind_text(st, 3, name);
	ss_bind_text(st, 4, slug);
	ss_bind_text(st, 5, sandbox);
	ss_bind_text(st, 6, team);
	ss_bind_int(st, 7, def);
	ss_bind_int(st, 8, now);
	if (ss_exec(st) != STORE_OK)
		goto fail;
	if ((rc = project_get(a, org_id, cur.id, out)) != DOM_OK) {
		json_object_put(changed);
		return DOM_STORE;
	}
	if (quiet) {
		json_object_put(changed);
		return DOM_OK;
	}
	pl = json_object_new_object();
	json_object_object_add(pl, "projectId", dom_jstr(cur.id));
	json_object_object_add(pl, "slug", dom_jstr(slug));
	json_object_object_add(pl, "changed", changed);
	if (dom_event(a, who, org_id, "project.updated", "project", cur.id, pl,
	    NULL, NULL) == -1)
		return DOM_STORE;
	return DOM_OK;
fail:
	json_object_put(changed);
	return DOM_STORE;
}

/* ------------------------------------------------------------- delete */

static const char sql_active_sessions[] =
    "SELECT 1 FROM sessions WHERE project_id = ?1 AND status IN"
    " ('pending','claimed','running','finalizing') LIMIT 1";
static const char sql_tokens_live[] =
    "SELECT id FROM registration_tokens WHERE project_id = ?1"
    " AND revoked_at IS NULL ORDER BY created_at, id";
static const char sql_tokens_revoke[] =
    "UPDATE registration_tokens SET revoked_at = ?2 WHERE project_id = ?1"
    " AND revoked_at IS NULL";
static const char sql_creds_of[] =
    "SELECT id FROM credentials WHERE org_id = ?2 AND project_id = ?1"
    " ORDER BY created_at, id";
static const char sql_creds_delete[] =
    "DELETE FROM credentials WHERE org_id = ?2 AND project_id = ?1";
static const char sql_keys_with[] =
    "SELECT id, project_ids, revoked_at FROM api_keys WHERE org_id = ?2"
    " AND project_ids IS NOT NULL"
    " AND project_ids LIKE '%\"' || replace(?1, '_', '\\_') || '\"%' ESCAPE '\\'"
    " ORDER BY created_at, id";
static const char sql_key_set_projects[] =
    "UPDATE api_keys SET project_ids = ?2 WHERE id = ?1";
static const char sql_key_revoke[] =
    "UPDATE api_keys SET project_ids = ?2, revoked_at = coalesce(revoked_at, ?3)"
    " WHERE id = ?1";
/* The project workflows of 04 §5 (sql/0004_workflows.sql). */
static const char sql_workflows_live[] =
    "SELECT id FROM workflows WHERE project_id = ?1 AND org_id = ?2"
    " AND status <> 'archived' ORDER BY created_at, id";
static const char sql_workflows_archive[] =
    "UPDATE workflows SET status = 'archived', updated_at = ?3"
    " WHERE project_id = ?1 AND org_id = ?2 AND status <> 'archived'";
static const char sql_project_soft_delete[] =
    "UPDATE projects SET deleted_at = ?2, updated_at = ?2, is_default = 0"
    " WHERE id = ?1";

/* ids of a one-column query bound to (?1 project, ?2 org) as a JSON
 * array; NULL on a store error. */
static struct json_object *
ids_of(const char *sql, const char *project_id, const char *org_id)
{
	struct sstmt *st = store_stmt(sql);
	struct json_object *arr;
	int rc;

	if (st == NULL)
		return NULL;
	arr = json_object_new_array();
	ss_bind_text(st, 1, project_id);
	if (org_id != NULL)
		ss_bind_text(st, 2, org_id);
	while ((rc = ss_step(st)) == STORE_ROW)
		json_object_array_add(arr, json_object_new_string(ss_text(st, 0)));
	ss_reset(st);
	if (rc != STORE_DONE) {
		json_object_put(arr);
		return NULL;
	}
	return arr;
}

static int
exec_pid(const char *sql, const char *project_id, const char *org_id,
    int64_t now)
{
	struct sstmt *st = store_stmt(sql);

	if (st == NULL)
		return -1;
	ss_bind_text(st, 1, project_id);
	if (org_id != NULL)
		ss_bind_text(st, 2, org_id);
	else
		ss_bind_int(st, 2, now);
	return ss_exec(st) == STORE_OK ? 0 : -1;
}

/* Removes project_id from every key listing it; revokes keys left with
 * none.  Fills updated / revoked with the key ids. */
static int
keys_drop_project(const char *org_id, const char *project_id, int64_t now,
    struct json_object *updated, struct json_object *revoked)
{
	struct sstmt *st = store_stmt(sql_keys_with);
	struct json_object *rows = json_object_new_array();
	int rc;
	size_t n;

	if (st == NULL) {
		json_object_put(rows);
		return -1;
	}
	ss_bind_text(st, 1, project_id);
	ss_bind_text(st, 2, org_id);
	while ((rc = ss_step(st)) == STORE_ROW) {
		struct json_object *r = json_object_new_array();

		json_object_array_add(r, json_object_new_string(ss_text(st, 0)));
		json_object_array_add(r, json_object_new_string(ss_text(st, 1)));
		json_object_array_add(r,
		    json_object_new_boolean(!ss_is_null(st, 2)));
		json_object_array_add(rows, r);
	}
	ss_reset(st);
	if (rc != STORE_DONE)
		goto fail;
	n = json_object_array_length(rows);
	for (size_t i = 0; i < n; i++) {
		struct json_object *r = json_object_array_get_idx(rows, i);
		const char *id = json_object_get_string(
		    json_object_array_get_idx(r, 0));
		const char *txt = json_object_get_string(
		    json_object_array_get_idx(r, 1));
		int was_revoked = json_object_get_boolean(
		    json_object_array_get_idx(r, 2));
		struct json_object *list = NULL, *kept;
		struct buf b;
		struct jw w;
		size_t m;

		if (json_parse_strict(txt, strlen(txt), 4, &list) != JSON_OK ||
		    !json_object_is_type(list, json_type_array)) {
			json_object_put(list);
			continue;
		}
		kept = json_object_new_array();
		m = json_object_array_length(list);
		for (size_t j = 0; j < m; j++) {
			struct json_object *e = json_object_array_get_idx(list, j);

			if (strcmp(json_object_get_string(e), project_id) != 0)
				json_object_array_add(kept, json_object_get(e));
		}
		json_object_put(list);
		if (json_object_array_length(kept) == m) {
			json_object_put(kept);
			continue;       /* a LIKE false positive */
		}
		buf_init(&b);
		jw_init(&w, &b);
		jw_value(&w, kept);
		buf_putc(&b, '\0');
		if (json_object_array_length(kept) == 0) {
			st = store_stmt(sql_key_revoke);
			if (st != NULL) {
				ss_bind_text(st, 1, id);
				ss_bind_text(st, 2, b.data);
				ss_bind_int(st, 3, now);
			}
			if (!was_revoked)
				json_object_array_add(revoked,
				    json_object_new_string(id));
		} else {
			st = store_stmt(sql_key_set_projects);
			if (st != NULL) {
				ss_bind_text(st, 1, id);
				ss_bind_text(st, 2, b.data);
			}
			json_object_array_add(updated, json_object_new_string(id));
		}
		buf_free(&b);
		json_object_put(kept);
		if (st == NULL || ss_exec(st) != STORE_OK)
			goto fail;
	}
	json_object_put(rows);
	return 0;
fail:
	json_object_put(rows);
	return -1;
}

/* Archives the project's workflows, without their own events: the
 * project.deleted payload lists them. */
static int
archive_workflows(const char *project_id, const char *org_id, int64_t now)
{
	struct sstmt *st = store_stmt(sql_workflows_archive);

	if (st == NULL)
		return -1;
	ss_bind_text(st, 1, project_id);
	ss_bind_text(st, 2, org_id);
	ss_bind_int(st, 3, now);
	return ss_exec(st) == STORE_OK ? 0 : -1;
}

enum dom_rc
project_delete(struct arena *a, const struct actor *who, const char *org_id,
    const char *project_id, struct dom_err *err)
{
	struct project cur;
	struct json_object *pl, *tokens = NULL, *creds = NULL, *wfs = NULL,
	    *upd, *rev;
	int64_t now = clock_now_ms();
	enum dom_rc rc;
	int r;

	err->message = NULL;
	if ((rc = project_get(a, org_id, project_id, &cur)) != DOM_OK) {
		err->message = "Project not found";
		return rc;
	}
	if (cur.is_default) {
		err->message = "Cannot delete the default project";
		return DOM_CONFLICT;
	}
	if ((r = row_exists(sql_active_sessions, cur.id, NULL, NULL)) != 0) {
		err->message = "Project has active sessions";
		return r < 0 ? DOM_STORE : DOM_CONFLICT;
	}
	upd = json_object_new_array();
	rev = json_object_new_array();
	if ((tokens = ids_of(sql_tokens_live, cur.id, NULL)) == NULL ||
	    (creds = ids_of(sql_creds_of, cur.id, org_id)) == NULL ||
	    (wfs = ids_of(sql_workflows_live, cur.id, org_id)) == NULL ||
	    archive_workflows(cur.id, org_id, now) == -1 ||
	    exec_pid(sql_tokens_revoke, cur.id, NULL, now) == -1 ||
	    exec_pid(sql_creds_delete, cur.id, org_id, now) == -1 ||
	    keys_drop_project(org_id, cur.id, now, upd, rev) == -1 ||
	    exec_pid(sql_project_soft_delete, cur.id, NULL, now) == -1) {
		json_object_put(tokens);
		json_object_put(creds);
		json_object_put(wfs);
		json_object_put(upd);
		json_object_put(rev);
		return DOM_STORE;
	}
	pl = json_object_new_object();
	json_object_object_add(pl, "projectId", dom_jstr(cur.id));
	json_object_object_add(pl, "slug", dom_jstr(cur.slug));
	json_object_object_add(pl, "revokedTokenIds", tokens);
	json_object_object_add(pl, "archivedWorkflowIds", wfs);
	json_object_object_add(pl, "revokedKeyIds", rev);
	json_object_object_add(pl, "updatedKeyIds", upd);
	json_object_object_add(pl, "deletedCredentialIds", creds);
	if (dom_event(a, who, org_id, "project.deleted", "project", cur.id, pl,
	    NULL, NULL) == -1)
		return DOM_STORE;
	return DOM_OK;
}

/* -------------------------------------------------------- repositories */

int
repo_clone_strategy_valid(const char *s)
{
	return s != NULL && (strcmp(s, "full") == 0 ||
	    strcmp(s, "shallow") == 0 || strcmp(s, "blobless") == 0);
}

static char *
lower_n(struct arena *a, const char *s, size_t n)
{
	char *o = arena_strndup(a, s, n);

	for (char *p = o; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return o;
}

int
repo_url_parse(struct arena *a, const char *url, const char **provider,
    const char **key, const char **msg)
{
	static const char bad[] = "url must be an https or ssh git URL";
	const char *host, *hend, *path, *at;
	size_t n = strlen(url), plen;
	char *h;

	*msg = bad;
	if (n == 0 || n > 2048)
		return -1;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)url[i] <= 0x20 || url[i] == 0x7f)
			return -1;
	if (strncmp(url, "https://", 8) == 0 || strncmp(url, "ssh://", 6) == 0) {
		int https = url[0] == 'h';

		host = url + (https ? 8 : 6);
		hend = strchr(host, '/');
		if (hend == NULL)
			return -1;
		at = memchr(host, '@', (size_t)(hend - host));
		if (at != NULL) {
			/* https: any userinfo; ssh: a password. */
			if (https || memchr(host, ':', (size_t)(at - host))) {
				*msg = "url must not contain credentials";
				return -1;
			}
			host = at + 1;
		}
		path = hend + 1;
	} else {
		/* user@host:path */
		const char *colon;

		at = strchr(url, '@');
		if (at == NULL || at == url)
			return -1;
		host = at + 1;
		colon = strchr(host, ':');
		if (colon == NULL || memchr(url, ':', (size_t)(at - url)) ||
		    memchr(url, '/', (size_t)(at - url)))
			return -1;
		hend = colon;
		path = colon + 1;
		if (*path == '/')
			path++;
	}
	if (hend == host || *path == '\0')
		return -1;
	h = lower_n(a, host, (size_t)(hend - host));
	plen = strlen(path);
	while (plen > 0 && path[plen - 1] == '/')
		plen--;
	if (plen >= 4 && strncmp(path + plen - 4, ".git", 4) == 0)
		plen -= 4;
	while (plen > 0 && path[plen - 1] == '/')
		plen--;
	if (plen == 0)
		return -1;
	*key = arena_printf(a, "%s/%.*s", h, (int)plen, path);
	if (strcmp(h, "github.com") == 0)
		*provider = "github";
	else if (strcmp(h, "gitlab.com") == 0)
		*provider = "gitlab";
	else if (strcmp(h, "bitbucket.org") == 0)
		*provider = "bitbucket";
	else
		*provider = "other";
	*msg = NULL;
	return 0;
}

#define REPO_COLS "SELECT id, project_id, url, provider, clone_strategy," \
    " default_branch, created_at, updated_at FROM project_repos"
static const char sql_repo_get[] =
    REPO_COLS " WHERE id = ?1 AND project_id = ?2 AND org_id = ?3";
static const char sql_repo_list[] =
    REPO_COLS " WHERE project_id = ?1 AND org_id = ?2 ORDER BY created_at, id";
static const char sql_repo_dup[] =
    "SELECT 1 FROM project_repos WHERE project_id = ?1 AND url_key = ?2";
static const char sql_repo_insert[] =
    "INSERT INTO project_repos (id, org_id, project_id, url, url_key,"
    " provider, clone_strategy, default_branch, created_at, updated_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)";
static const char sql_repo_update[] =
    "UPDATE project_repos SET clone_strategy = ?2, default_branch = ?3,"
    " updated_at = ?4 WHERE id = ?1";
static const char sql_repo_delete[] =
    "DELETE FROM project_repos WHERE id = ?1";

static void
repo_from_row(struct arena *a, struct sstmt *st, struct repo *r)
{
	r->id = arena_strdup(a, ss_text(st, 0));
	r->project_id = arena_strdup(a, ss_text(st, 1));
	r->url = arena_strdup(a, ss_text(st, 2));
	r->provider = arena_strdup(a, ss_text(st, 3));
	r->clone_strategy = arena_strdup(a, ss_text(st, 4));
	r->default_branch = arena_strdup(a, ss_text(st, 5));
	r->created_at = ss_int(st, 6);
	r->updated_at = ss_int(st, 7);
}

static enum dom_rc
repo_get(struct arena *a, const char *org_id, const char *project_id,
    const char *repo_id, struct repo *out)
{
	struct sstmt *st = store_stmt(sql_repo_get);
	int rc;

	if (st == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, repo_id);
	ss_bind_text(st, 2, project_id);
	ss_bind_text(st, 3, org_id);
	if ((rc = ss_step(st)) == STORE_ROW)
		repo_from_row(a, st, out);
	ss_reset(st);
	if (rc == STORE_ROW)
		return DOM_OK;
	return rc == STORE_DONE ? DOM_NOT_FOUND : DOM_STORE;
}

static int
repo_event(struct arena *a, const struct actor *who, const char *org_id,
    const char *type, const struct repo *r)
{
	struct json_object *pl = json_object_new_object();

	json_object_object_add(pl, "repoId", dom_jstr(r->id));
	json_object_object_add(pl, "projectId", dom_jstr(r->project_id));
	json_object_object_add(pl, "url", dom_jstr(r->url));
	json_object_object_add(pl, "cloneStrategy", dom_jstr(r->clone_strategy));
	return dom_event(a, who, org_id, type, "repo", r->id, pl, NULL, NULL);
}

static int
branch_valid(const char *b)
{
	size_t n = b ? strlen(b) : 0;

	return n >= 1 && n <= 255;
}

enum dom_rc
repo_add(struct arena *a, const struct actor *who, const char *org_id,
    const char *project_id, const char *url, const char *clone_strategy,
    const char *default_branch, struct repo *out, struct dom_err *err)
{
	const char *provider, *key;
	struct sstmt *st;
	int r;

	err->message = NULL;
	if (repo_url_parse(a, url, &provider, &key, &err->message) == -1)
		return DOM_INVALID;
	if (clone_strategy == NULL)
		clone_strategy = "full";
	if (!repo_clone_strategy_valid(clone_strategy)) {
		err->message = "cloneStrategy must be one of: full, shallow, blobless";
		return DOM_INVALID;
	}
	if (default_branch == NULL)
		default_branch = "main";
	if (!branch_valid(default_branch)) {
		err->message = "defaultBranch must be a string of 1-255 characters";
		return DOM_INVALID;
	}
	if ((r = row_exists(sql_repo_dup, project_id, key, NULL)) != 0) {
		err->message = "Repository already added";
		return r < 0 ? DOM_STORE : DOM_CONFLICT;
	}
	memset(out, 0, sizeof(*out));
	out->id = dom_new_id(a, "repo_");
	out->project_id = arena_strdup(a, project_id);
	out->url = arena_strdup(a, url);
	out->provider = provider;
	out->clone_strategy = arena_strdup(a, clone_strategy);
	out->default_branch = arena_strdup(a, default_branch);
	out->created_at = out->updated_at = clock_now_ms();
	if ((st = store_stmt(sql_repo_insert)) == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, out->id);
	ss_bind_text(st, 2, org_id);
	ss_bind_text(st, 3, project_id);
	ss_bind_text(st, 4, url);
	ss_bind_text(st, 5, key);
	ss_bind_text(st, 6, provider);
	ss_bind_text(st, 7, clone_strategy);
	ss_bind_text(st, 8, default_branch);
	ss_bind_int(st, 9, out->created_at);
	if (ss_exec(st) != STORE_OK)
		return DOM_STORE;
	return repo_event(a, who, org_id, "repo.added", out) == -1 ?
	    DOM_STORE : DOM_OK;
}

enum dom_rc
repo_update(struct arena *a, const struct actor *who, const char *org_id,
    const char *project_id, const char *repo_id, const char *clone_strategy,
    const char *default_branch, struct repo *out, struct dom_err *err)
{
	struct sstmt *st;
	enum dom_rc rc;

	err->message = NULL;
	if (clone_strategy != NULL && !repo_clone_strategy_valid(clone_strategy)) {
		err->message = "cloneStrategy must be one of: full, shallow, blobless";
		return DOM_INVALID;
	}
	if (default_branch != NULL && !branch_valid(default_branch)) {
		err->message = "defaultBranch must be a string of 1-255 characters";
		return DOM_INVALID;
	}
	if ((rc = repo_get(a, org_id, project_id, repo_id, out)) != DOM_OK) {
		err->message = "Repository not found";
		return rc;
	}
	if ((clone_strategy == NULL ||
	    strcmp(clone_strategy, out->clone_strategy) == 0) &&
	    (default_branch == NULL ||
	    strcmp(default_branch, out->default_branch) == 0))
		return DOM_OK;          /* nothing changes, nothing recorded */
	if (clone_strategy != NULL)
		out->clone_strategy = arena_strdup(a, clone_strategy);
	if (default_branch != NULL)
		out->default_branch = arena_strdup(a, default_branch);
	out->updated_at = clock_now_ms();
	if ((st = store_stmt(sql_repo_update)) == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, out->id);
	ss_bind_text(st, 2, out->clone_strategy);
	ss_bind_text(st, 3, out->default_branch);
	ss_bind_int(st, 4, out->updated_at);
	if (ss_exec(st) != STORE_OK)
		return DOM_STORE;
	return repo_event(a, who, org_id, "repo.updated", out) == -1 ?
	    DOM_STORE : DOM_OK;
}

enum dom_rc
repo_remove(struct arena *a, const struct actor *who, const char *org_id,
    const char *project_id, const char *repo_id, struct dom_err *err)
{
	struct repo r;
	struct sstmt *st;
	enum dom_rc rc;

	err->message = NULL;
	if ((rc = repo_get(a, org_id, project_id, repo_id, &r)) != DOM_OK) {
		err->message = "Repository not found";
		return rc;
	}
	if ((st = store_stmt(sql_repo_delete)) == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, r.id);
	if (ss_exec(st) != STORE_OK)
		return DOM_STORE;
	return repo_event(a, who, org_id, "repo.removed", &r) == -1 ?
	    DOM_STORE : DOM_OK;
}

enum dom_rc
repo_list(struct arena *a, const char *org_id, const char *project_id,
    int (*fn)(const struct repo *, void *), void *arg)
{
	struct sstmt *st = store_stmt(sql_repo_list);
	struct repo r;
	int rc;

	if (st == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, project_id);
	ss_bind_text(st, 2, org_id);
	while ((rc = ss_step(st)) == STORE_ROW) {
		repo_from_row(a, st, &r);
		if (fn(&r, arg) != 0)
			break;
	}
	ss_reset(st);
	return rc == STORE_ERROR || rc == STORE_BUSY ? DOM_STORE : DOM_OK;
}

void
repo_render(struct jw *w, const struct repo *r)
{
	jw_obj_open(w);
	jw_kstr(w, "id", r->id);
	jw_kstr(w, "projectId", r->project_id);
	jw_kstr(w, "url", r->url);
	jw_kstr(w, "provider", r->provider);
	jw_kstr(w, "cloneStrategy", r->clone_strategy);
	jw_kstr(w, "defaultBranch", r->default_branch);
	dom_kput_time(w, "createdAt", r->created_at);
	dom_kput_time(w, "updatedAt", r->updated_at);
	jw_obj_close(w);
}
