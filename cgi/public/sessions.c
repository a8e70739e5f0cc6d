/*
 * sessions.c -- GET /api/public/sessions (the list, 03-public.md §3.4)
 * and GET /api/public/sessions/{id} (the detail, §3.5).
 */
#include "config.h"

#include <string.h>

#include "auth.h"
#include "clock.h"
#include "extern.h"
#include "http.h"
#include "log.h"
#include "page.h"
#include "public.h"
#include "store.h"
#include "tenancy.h"

struct list_ctx {
	struct arena *a;
	struct jw    *w;
	int64_t       now, count;
	int64_t       last_created;
	const char   *last_id;
	int           failed;
};

static int
list_one(const struct session *s, void *arg)
{
	struct list_ctx *c = arg;

	jw_obj_open(c->w);
	if (public_session_render(c->a, c->w, s, c->now, 1, NULL) != DOM_OK) {
		c->failed = 1;
		return 1;
	}
	jw_obj_close(c->w);
	c->count++;
	c->last_created = s->created_at;
	c->last_id = s->tracker_session_id;
	return 0;
}

/* 1 when id is in the visible list (n -1: everything is visible). */
static int
visible(const char **ids, int n, const char *id)
{
	if (n < 0)
		return 1;
	for (int i = 0; i < n; i++)
		if (strcmp(ids[i], id) == 0)
			return 1;
	return 0;
}

/* The project the Referer path /{orgSlug}/{projectSlug}/ names, or NULL. */
static const char *
referer_project(struct request *req, const char **ids, int n)
{
	const char *ref = http_header(req, "Referer"), *p, *q, *r;
	struct project pr;
	struct org o;
	char *oslug, *pslug;

	if (ref == NULL)
		return NULL;
	if ((p = strstr(ref, "://")) != NULL) {
		if ((p = strchr(p + 3, '/')) == NULL)
			return NULL;
	} else
		p = ref;
	if (*p != '/' || (q = strchr(p + 1, '/')) == NULL ||
	    (r = strchr(q + 1, '/')) == NULL || q == p + 1 || r == q + 1)
		return NULL;
	oslug = arena_strndup(req->arena, p + 1, (size_t)(q - p - 1));
	pslug = arena_strndup(req->arena, q + 1, (size_t)(r - q - 1));
	if (slug_valid(oslug) == -1 || slug_valid(pslug) == -1)
		return NULL;
	if (org_get(req->arena, req->principal->org_id, &o) != DOM_OK ||
	    strcmp(o.slug, oslug) != 0)
		return NULL;
	if (project_get(req->arena, req->principal->org_id, pslug, &pr) !=
	    DOM_OK || !visible(ids, n, pr.id))
		return NULL;
	return pr.id;
}

void
pub_sessions_list(struct request *req, struct response *resp)
{
	const struct principal *p = req->principal;
	char ts[ISO8601_LEN + 1];
	struct public_list_q q;
	struct list_ctx c;
	struct project pr;
	const char **ids, *v, *chosen = NULL, *one[1];
	size_t len;
	int n, more, rc;
	struct jw w;

	memset(&q, 0, sizeof(q));
	if (!pub_page_params(req, resp, 500, 100, &q.limit, &q.has_cursor,
	    &q.cursor_created, &q.cursor_id))
		return;
	if (public_visible_projects(req->arena, p, &ids, &n) != DOM_OK) {
		pub_store_fail(resp, "Failed to list sessions");
		return;
	}
	/* projectId, then project; both must agree. */
	for (int k = 0; k < 2; k++) {
		const char *name = k == 0 ? "projectId" : "project";

		rc = pub_query(req, name, &v, &len);
		if (rc == HTTP_QUERY_ABSENT)
			continue;
		if (rc == HTTP_QUERY_MALFORMED || len == 0 ||
		    memchr(v, '\0', len) != NULL ||
		    (rc = project_get(req->arena, p->org_id, v, &pr)) ==
		    DOM_NOT_FOUND || (rc == DOM_OK && !visible(ids, n, pr.id))) {
			http_error(resp, 404, "Project not found");
			return;
		}
		if (rc != DOM_OK) {
			pub_store_fail(resp, "Failed to list sessions");
			return;
		}
		if (chosen != NULL && strcmp(chosen, pr.id) != 0) {
			http_error(resp, 400, "project and projectId refer to "
			    "different projects");
			return;
		}
		chosen = pr.id;
	}
	if (chosen == NULL)
		chosen = referer_project(req, ids, n);
	q.org_id = p->org_id;
	if (chosen != NULL) {
		one[0] = chosen;
		q.project_ids = one;
		q.nprojects = 1;
	} else if (n >= 0) {
		q.project_ids = ids;
		q.nprojects = n;
	}

	memset(&c, 0, sizeof(c));
	c.a = req->arena;
	c.now = clock_now_ms();
	pub_begin(resp, &w);
	c.w = &w;
	jw_obj_open(&w);
	jw_key(&w, "sessions");
	jw_arr_open(&w);
	if (store_begin_read() != STORE_OK) {
		pub_store_fail(resp, "Failed to list sessions");
		return;
	}
	rc = public_session_page(req->arena, &q, list_one, &c, &more);
	store_rollback();
	if (rc != DOM_OK || c.failed) {
		pub_store_fail(resp, "Failed to list sessions");
		return;
	}
	jw_arr_close(&w);
	jw_kint(&w, "count", c.count);
	if (more && c.last_id != NULL)
		jw_kstr(&w, "nextCursor", page_cursor(req->arena,
		    c.last_created, c.last_id));
	else
		jw_knull(&w, "nextCursor");
	iso8601_ms(ts, c.now);
	jw_kstr(&w, "timestamp", ts);
	jw_obj_close(&w);
	http_json(resp, 200);
}


void
pub_session_get(struct request *req, struct response *resp)
{
	char ts[ISO8601_LEN + 1];
	struct session s;
	int64_t now = clock_now_ms();
	const char *br;
	struct jw w;

	if (!pub_session_auth(req, resp, &pub_p_read, ROLE_VIEWER, 1, &s))
		return;
	pub_begin(resp, &w);
	jw_obj_open(&w);
	jw_key(&w, "session");
	jw_obj_open(&w);
	if (public_session_render(req->arena, &w, &s, now, !pub_by_hash(req),
	    NULL) != DOM_OK) {
		pub_store_fail(resp, "Failed to fetch session");
		return;
	}
	jw_key(&w, "timeline");
	jw_obj_open(&w);
	iso8601_ms(ts, s.created_at);
	jw_kstr(&w, "created", ts);
	dom_kopt_time(&w, "queued", s.queued_at);
	dom_kopt_time(&w, "started", s.claimed_at);
	dom_kopt_time(&w, "completed", s.completed_at);
	jw_obj_close(&w);
	if (s.worktree_path != NULL && s.worktree_path[0] != '\0') {
		br = strrchr(s.worktree_path, '/');
		br = br != NULL ? br + 1 : s.worktree_path;
		if (*br != '\0')
			jw_kstr(&w, "branch", br);
	}
	if (s.issue_title != NULL)
		jw_kstr(&w, "issueTitle", s.issue_title);
	if (s.input_tokens != 0)
		jw_kint(&w, "inputTokens", s.input_tokens);
	if (s.output_tokens != 0)
		jw_kint(&w, "outputTokens", s.output_tokens);
	jw_obj_close(&w);
	iso8601_ms(ts, now);
	jw_kstr(&w, "timestamp", ts);
	jw_obj_close(&w);
	http_json(resp, 200);
}
