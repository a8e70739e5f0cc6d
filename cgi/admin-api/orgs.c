/* orgs.c -- POST/GET /api/admin/orgs (04-console.md §6). */
#include "config.h"

#include <string.h>

#include "auth.h"
#include "extern.h"
#include "json.h"
#include "page.h"
#include "store.h"
#include "tenancy.h"
#include "valid.h"

#define LIST_MAX 100

enum { O_NAME, O_SLUG, O_PLAN, O_OWNER, O__MAX };
static const struct valid_field org_fields[O__MAX] = {
	[O_NAME] = { "name", VALID_STRING, VALID_REQUIRED, .minlen = 1,
	    .maxlen = 100, .rule = "a string of 1-100 characters" },
	[O_SLUG] = { "slug", VALID_STRING, 0, .maxlen = 255,
	    .msg_invalid = "slug must match ^[a-z0-9]+(-[a-z0-9]+)*$ (1-48 characters)" },
	[O_PLAN] = { "plan", VALID_STRING, 0, .minlen = 1, .maxlen = 100,
	    .rule = "a string of 1-100 characters" },
	[O_OWNER] = { "ownerUserId", VALID_STRING, 0, .maxlen = 255,
	    .msg_invalid = "Unknown ownerUserId" },
};

void
orgs_create(struct request *req, struct response *resp)
{
	struct valid_val v[O__MAX];
	struct valid_err verr;
	struct json_object *root;
	struct actor who = admin_actor(req);
	struct dom_err err;
	struct org o;
	struct project dp;
	struct jw w;
	enum dom_rc rc;

	if ((root = http_read_json(req, resp)) == NULL)
		return;
	if (valid_body(req->arena, VALID_STRICT, org_fields, O__MAX, root, v,
	    &verr) == -1) {
		http_error(resp, verr.status, verr.msg);
		return;
	}
	if (store_begin_write() != STORE_OK) {
		admin_store_fail(resp);
		return;
	}
	rc = org_create(req->arena, &who, v[O_NAME].s,
	    v[O_SLUG].present ? v[O_SLUG].s : NULL,
	    v[O_PLAN].present ? v[O_PLAN].s : NULL,
	    v[O_OWNER].present ? v[O_OWNER].s : NULL, 0, &o, &dp, &err);
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
	jw_init(&w, &resp->body);
	org_render(&w, &o);
	http_json(resp, 201);
}

struct org_page {
	struct arena     *a;
	const struct page *pg;
	struct org       *items;
	int64_t           n, cap;
};

static int
org_one(const struct org *o, void *arg)
{
	struct org_page *c = arg;

	if (!page_after(c->pg, o->created_at, o->id))
		return 0;
	if (c->n == c->cap)
		return 1;       /* one past the page: there is a next one */
	c->items[c->n] = *o;
	c->items[c->n].id = arena_strdup(c->a, o->id);
	c->items[c->n].name = arena_strdup(c->a, o->name);
	c->items[c->n].slug = arena_strdup(c->a, o->slug);
	c->items[c->n].plan = arena_strdup(c->a, o->plan);
	c->n++;
	return 0;
}

void
orgs_list(struct request *req, struct response *resp)
{
	struct page pg;
	struct org_page c;
	struct jw w;
	int more;

	if (!page_parse(req, resp, &pg, PAGE_DEFAULT_LIMIT, LIST_MAX))
		return;
	memset(&c, 0, sizeof(c));
	c.a = req->arena;
	c.pg = &pg;
	c.cap = pg.limit + 1;
	c.items = arena_alloc(req->arena, (size_t)c.cap * sizeof(struct org));
	if (store_begin_read() != STORE_OK) {
		admin_store_fail(resp);
		return;
	}
	if (org_list(req->arena, org_one, &c) != DOM_OK) {
		store_rollback();
		admin_store_fail(resp);
		return;
	}
	store_rollback();
	more = c.n > pg.limit;
	if (more)
		c.n = pg.limit;
	jw_init(&w, &resp->body);
	jw_obj_open(&w);
	jw_key(&w, "items");
	jw_arr_open(&w);
	for (int64_t i = 0; i < c.n; i++)
		org_render(&w, &c.items[i]);
	jw_arr_close(&w);
	if (more)
		jw_kstr(&w, "nextCursor", page_cursor(req->arena,
		    c.items[c.n - 1].created_at, c.items[c.n - 1].id));
	else
		jw_knull(&w, "nextCursor");
	jw_obj_close(&w);
	http_json(resp, 200);
}
