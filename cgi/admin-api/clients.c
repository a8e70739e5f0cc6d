/*
 * clients.c -- M2M clients (/api/admin/m2m-clients) and SCIM tokens
 * (/api/admin/orgs/{orgId}/scim-tokens), 04-console.md §6.  Secrets are
 * minted by lib/cred.c, returned once (no-store) and stored as SHA-256.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "auth.h"
#include "clock.h"
#include "cred.h"
#include "extern.h"
#include "json.h"
#include "jwt.h"
#include "oauth.h"
#include "page.h"
#include "store.h"
#include "tenancy.h"
#include "valid.h"

#define LIST_MAX 100

/* ------------------------------------------------------------ M2M clients */

enum { M_NAME, M_SCOPES, M_ORG, M__MAX };
static const struct valid_field m2m_fields[M__MAX] = {
	[M_NAME] = { "name", VALID_STRING, VALID_REQUIRED, .minlen = 1,
	    .maxlen = 100, .rule = "a string of 1-100 characters" },
	[M_SCOPES] = { "scopes", VALID_STRINGS, VALID_REQUIRED, .mincount = 1,
	    .maxlen = 64, .rule = "a non-empty array",
	    .msg_missing = "scopes must be a non-empty array",
	    .msg_invalid = "scopes must be a non-empty array" },
	[M_ORG] = { "orgId", VALID_STRING, 0, .maxlen = 64,
	    .rule = "a string" },
};

void
m2m_clients_create(struct request *req, struct response *resp)
{
	struct valid_val v[M__MAX];
	struct valid_err verr;
	struct json_object *root;
	struct actor who = admin_actor(req);
	struct dom_err err;
	struct minted m;
	const char **scopes, *org_id;
	int n = 0;
	struct jw w;
	enum dom_rc rc;

	if ((root = http_read_json(req, resp)) == NULL)
		return;
	if (valid_body(req->arena, VALID_STRICT, m2m_fields, M__MAX, root, v,
	    &verr) == -1) {
		http_error(resp, verr.status, verr.msg);
		return;
	}
	/* Duplicates collapse, first occurrence kept; the vocabulary is
	 * 04-console.md §6 (checked before orgId, in the listed order). */
	scopes = arena_alloc(req->arena, (v[M_SCOPES].n + 1) * sizeof(char *));
	for (size_t i = 0; i < v[M_SCOPES].n; i++) {
		const char *s = v[M_SCOPES].strs[i];
		int dup = 0;

		if (!jwt_m2m_scope_known(s, v[M_SCOPES].lens[i]) ||
		    strlen(s) != v[M_SCOPES].lens[i]) {
			http_error(resp, 400, arena_printf(req->arena,
			    "Unknown scope: %s", s));
			return;
		}
		for (int j = 0; j < n; j++)
			if (strcmp(scopes[j], s) == 0)
				dup = 1;
		if (!dup)
			scopes[n++] = s;
	}
	if (!admin_org_scope(req, resp, v[M_ORG].present ? v[M_ORG].s : NULL, 1,
	    &org_id))
		return;
	if (store_begin_write() != STORE_OK) {
		admin_store_fail(resp);
		return;
	}
	rc = m2m_create(req->arena, &who, org_id, v[M_NAME].s, scopes, n,
	    admin_creator(req), &m, &err);
	if (rc != DOM_OK) {
		store_rollback();
		dom_http_error(resp, rc, &err, "Store unavailable");
		return;
	}
	if (store_commit() != STORE_OK) {
		store_rollback();
		sodium_memzero(m.secret, strlen(m.secret));
		admin_store_fail(resp);
		return;
	}
	jw_init(&w, &resp->body);
	jw_obj_open(&w);
	jw_key(&w, "client");
	jw_obj_open(&w);
	jw_kstr(&w, "clientId", m.id);
	jw_kstr(&w, "clientSecret", m.secret);
	jw_kstr(&w, "name", v[M_NAME].s);
	jw_kstr(&w, "orgId", org_id);
	jw_key(&w, "scopes");
	jw_arr_open(&w);
	for (int i = 0; i < n; i++)
		jw_str(&w, scopes[i]);
	jw_arr_close(&w);
	jw_kint(&w, "createdAt", m.created_at);
	jw_obj_close(&w);
	jw_obj_close(&w);
	sodium_memzero(m.secret, strlen(m.secret));
	resp->no_log_body = 1;
	http_no_store(resp);
	http_json(resp, 201);
}

struct m2m_rows {
	struct arena    *a;
	struct m2m_info *items;
	size_t           n, cap;
};

static int
m2m_one(const struct m2m_info *m, void *arg)
{
	struct m2m_rows *c = arg;

	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 16;
		struct m2m_info *ni = arena_alloc(c->a, cap * sizeof(*ni));

		if (c->n)
			memcpy(ni, c->items, c->n * sizeof(*ni));
		c->items = ni;
		c->cap = cap;
	}
	c->items[c->n] = *m;
	c->items[c->n].id = arena_strdup(c->a, m->id);
	c->items[c->n].org_id = arena_strdup(c->a, m->org_id);
	c->items[c->n].name = arena_strdup(c->a, m->name);
	c->items[c->n].scopes_json = arena_strdup(c->a, m->scopes_json);
	c->n++;
	return 0;
}

static int
m2m_cmp(const void *x, const void *y)
{
	const struct m2m_info *a = x, *b = y;

	if (a->created_at != b->created_at)
		return a->created_at < b->created_at ? -1 : 1;
	return strcmp(a->id, b->id);
}

void
m2m_clients_list(struct request *req, struct response *resp)
{
	struct page pg;
	struct m2m_rows rows;
	const char **org_ids = NULL;
	size_t norgs = 0;
	const char *named = NULL, *org_id;
	size_t len, shown = 0, last = 0;
	enum http_query_rc q;
	struct jw w;
	int more = 0;

	if (!page_parse(req, resp, &pg, PAGE_DEFAULT_LIMIT, LIST_MAX))
		return;
	q = http_query(req, "orgId", &named, &len);
	if (q == HTTP_QUERY_MALFORMED || (q != HTTP_QUERY_ABSENT && len == 0)) {
		http_error(resp, 404, "Organization not found");
		return;
	}
	if (!admin_org_scope(req, resp, named, 0, &org_id))
		return;
	memset(&rows, 0, sizeof(rows));
	rows.a = req->arena;
	if (store_begin_read() != STORE_OK) {
		admin_store_fail(resp);
		return;
	}
	if (org_id != NULL) {
		org_ids = &org_id;
		norgs = 1;
	} else if (admin_all_orgs(req->arena, &org_ids, &norgs) != DOM_OK)
		goto fail;
	for (size_t i = 0; i < norgs; i++)
		if (m2m_list(req->arena, org_ids[i], m2m_one, &rows) != DOM_OK)
			goto fail;
	store_rollback();
	if (rows.n > 1)
		qsort(rows.items, rows.n, sizeof(*rows.items), m2m_cmp);

	jw_init(&w, &resp->body);
	jw_obj_open(&w);
	jw_key(&w, "items");
	jw_arr_open(&w);
	for (size_t i = 0; i < rows.n; i++) {
		const struct m2m_info *m = &rows.items[i];

		if (!page_after(&pg, m->created_at, m->id))
			continue;
		if ((int64_t)shown == pg.limit) {
			more = 1;
			break;
		}
		jw_obj_open(&w);
		jw_kstr(&w, "clientId", m->id);
		jw_kstr(&w, "name", m->name);
		jw_kstr(&w, "orgId", m->org_id);
		jw_key(&w, "scopes");
		jw_raw(&w, m->scopes_json, strlen(m->scopes_json));
		jw_kint(&w, "createdAt", m->created_at);
		if (m->last_used_at)
			jw_kint(&w, "lastUsedAt", m->last_used_at);
		else
			jw_knull(&w, "lastUsedAt");
		jw_obj_close(&w);
		shown++;
		last = i;
	}
	jw_arr_close(&w);
	if (more)
		jw_kstr(&w, "nextCursor", page_cursor(req->arena,
		    rows.items[last].created_at, rows.items[last].id));
	else
		jw_knull(&w, "nextCursor");
	jw_obj_close(&w);
	http_json(resp, 200);
	return;
fail:
	store_rollback();
	admin_store_fail(resp);
}

void
m2m_clients_delete(struct request *req, struct response *resp)
{
	const char *id = http_param(req, "clientId"), *org_id, *owner = NULL;
	struct actor who = admin_actor(req);
	struct dom_err err;
	enum dom_rc rc;
	int r;

	if (!admin_org_scope(req, resp, NULL, 0, &org_id))
		return;
	if (store_begin_write() != STORE_OK) {
		admin_store_fail(resp);
		return;
	}
	if (org_id == NULL) {
		/* The system principal: the client names its org. */
		if ((r = oauth_client_org(req->arena, id, &owner)) == -1) {
			store_rollback();
			admin_store_fail(resp);
			return;
		}
		if (r == 0) {
			store_rollback();
			http_error(resp, 404, "M2M client not found");
			return;
		}
		org_id = owner;
	}
	rc = m2m_delete(req->arena, &who, org_id, id, &err);
	if (rc != DOM_OK) {
		store_rollback();
		dom_http_error(resp, rc, &err, "Store unavailable");
		return;
	}
	if (store_commit() != STORE_OK) {
		store_rollback();
		admin_store_fail(resp);
		return;
	}
	http_json(resp, 204);
}

/* ------------------------------------------------------------ SCIM tokens */

enum { S_NAME, S__MAX };
static const struct valid_field scim_fields[S__MAX] = {
	[S_NAME] = { "name", VALID_STRING, VALID_REQUIRED, .minlen = 1,
	    .maxlen = 100, .rule = "a string of 1-100 characters" },
};

void
scim_tokens_create(struct request *req, struct response *resp)
{
	struct valid_val v[S__MAX];
	struct valid_err verr;
	struct json_object *root;
	struct actor who = admin_actor(req);
	struct dom_err err;
	struct minted m;
	const char *org_id;
	char iso[ISO8601_LEN + 1];
	struct jw w;
	enum dom_rc rc;

	if (!admin_org_scope(req, resp, http_param(req, "orgId"), 1, &org_id))
		return;
	if ((root = http_read_json(req, resp)) == NULL)
		return;
	if (valid_body(req->arena, VALID_STRICT, scim_fields, S__MAX, root, v,
	    &verr) == -1) {
		http_error(resp, verr.status, verr.msg);
		return;
	}
	if (store_begin_write() != STORE_OK) {
		admin_store_fail(resp);
		return;
	}
	rc = scim_token_create(req->arena, &who, org_id, v[S_NAME].s,
	    admin_creator(req), &m, &err);
	if (rc != DOM_OK) {
		store_rollback();
		dom_http_error(resp, rc, &err, "Store unavailable");
		return;
	}
	if (store_commit() != STORE_OK) {
		store_rollback();
		sodium_memzero(m.secret, strlen(m.secret));
		admin_store_fail(resp);
		return;
	}
	iso8601_ms(iso, m.created_at);
	jw_init(&w, &resp->body);
	jw_obj_open(&w);
	jw_kstr(&w, "id", m.id);
	jw_kstr(&w, "orgId", org_id);
	jw_kstr(&w, "name", v[S_NAME].s);
	jw_kstr(&w, "tokenPrefix", m.prefix);
	jw_kstr(&w, "createdAt", iso);
	jw_kstr(&w, "token", m.secret);
	jw_obj_close(&w);
	sodium_memzero(m.secret, strlen(m.secret));
	resp->no_log_body = 1;
	http_no_store(resp);
	http_json(resp, 201);
}

struct scim_page {
	struct arena        *a;
	const struct page   *pg;
	struct jw           *w;
	int64_t              shown;
	int                  more;
	int64_t              last_at;
	const char          *last_id;
};

static int
scim_one(const struct scim_token_info *t, void *arg)
{
	struct scim_page *c = arg;

	if (!page_after(c->pg, t->created_at, t->id))
		return 0;
	if (c->shown == c->pg->limit) {
		c->more = 1;
		return 1;
	}
	scim_token_render(c->w, t);
	c->shown++;
	c->last_at = t->created_at;
	c->last_id = arena_strdup(c->a, t->id);
	return 0;
}

void
scim_tokens_list(struct request *req, struct response *resp)
{
	struct page pg;
	struct scim_page c;
	const char *org_id;
	struct jw w;

	if (!admin_org_scope(req, resp, http_param(req, "orgId"), 1, &org_id))
		return;
	if (!page_parse(req, resp, &pg, PAGE_DEFAULT_LIMIT, LIST_MAX))
		return;
	memset(&c, 0, sizeof(c));
	c.a = req->arena;
	c.pg = &pg;
	c.w = &w;
	jw_init(&w, &resp->body);
	jw_obj_open(&w);
	jw_key(&w, "items");
	jw_arr_open(&w);
	if (store_begin_read() != STORE_OK) {
		admin_store_fail(resp);
		return;
	}
	if (scim_token_list(req->arena, org_id, scim_one, &c) != DOM_OK) {
		store_rollback();
		admin_store_fail(resp);
		return;
	}
	store_rollback();
	jw_arr_close(&w);
	if (c.more)
		jw_kstr(&w, "nextCursor", page_cursor(req->arena, c.last_at,
		    c.last_id));
	else
		jw_knull(&w, "nextCursor");
	jw_obj_close(&w);
	http_json(resp, 200);
}

void
scim_tokens_delete(struct request *req, struct response *resp)
{
	struct actor who = admin_actor(req);
	struct dom_err err;
	const char *org_id;
	enum dom_rc rc;

	if (!admin_org_scope(req, resp, http_param(req, "orgId"), 1, &org_id))
		return;
	if (store_begin_write() != STORE_OK) {
		admin_store_fail(resp);
		return;
	}
	rc = scim_token_revoke(req->arena, &who, org_id,
	    http_param(req, "tokenId"), &err);
	if (rc != DOM_OK) {
		store_rollback();
		dom_http_error(resp, rc, &err, "Store unavailable");
		return;
	}
	if (store_commit() != STORE_OK) {
		store_rollback();
		admin_store_fail(resp);
		return;
	}
	http_json(resp, 204);
}
