/*
 * org.c -- GET /api/org, GET /api/cli/whoami, org members and invites
 * (04-console.md §3.1, §3.2).  The domain work is lib/tenancy.c's.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "extern.h"
#include "json.h"
#include "store.h"
#include "valid.h"

static int
need_admin(struct request *req, struct response *resp)
{
	if (!con_org_admin(req->principal)) {
		auth_fail(req, resp, F3, 0, 0);
		return 0;
	}
	return 1;
}

/* ------------------------------------------------------------- GET /api/org */

void
org_show(struct request *req, struct response *resp)
{
	struct org o;
	struct jw w;

	switch (org_get(req->arena, req->principal->org_id, &o)) {
	case DOM_OK:
		break;
	case DOM_NOT_FOUND:
		http_error(resp, 404, "Organization not found");
		return;
	default:
		http_store_unavailable(resp, "Failed to read organization");
		return;
	}
	jw_init(&w, &resp->body);
	org_render(&w, &o);
	http_json(resp, 200);
}

/* ---------------------------------------------------------------- whoami */

struct plist {
	struct arena    *a;
	const struct principal *p;
	struct project  *v;
	size_t           n, cap;
};

static int
in_keyset(const struct principal *p, const char *id)
{
	if (p->project_ids == NULL)
		return 1;
	for (int i = 0; i < p->nprojects; i++)
		if (strcmp(p->project_ids[i], id) == 0)
			return 1;
	return 0;
}

static void
plist_add(struct plist *l, const struct project *pr)
{
	if (!in_keyset(l->p, pr->id))
		return;
	if (l->n == l->cap) {
		size_t nc = l->cap ? l->cap * 2 : 16;
		struct project *nv = arena_alloc(l->a, nc * sizeof(*nv));

		if (l->n)
			memcpy(nv, l->v, l->n * sizeof(*nv));
		l->v = nv;
		l->cap = nc;
	}
	l->v[l->n++] = *pr;
}

static int
plist_role(const struct project *pr, enum role r, void *arg)
{
	(void)r;
	plist_add(arg, pr);
	return 0;
}

static int
plist_all(const struct project *pr, void *arg)
{
	plist_add(arg, pr);
	return 0;
}

static int
by_slug(const void *x, const void *y)
{
	return strcmp(((const struct project *)x)->slug,
	    ((const struct project *)y)->slug);
}

void
cli_whoami(struct request *req, struct response *resp)
{
	const struct principal *p = req->principal;
	struct plist l;
	struct org o;
	struct jw w;
	enum dom_rc rc;

	memset(&l, 0, sizeof(l));
	l.a = req->arena;
	l.p = p;
	if ((rc = org_get(req->arena, p->org_id, &o)) != DOM_OK) {
		dom_http_error(resp, rc, NULL, "Failed to read organization");
		return;
	}
	if (con_roleless(p))
		rc = project_list(req->arena, p->org_id, plist_all, &l);
	else
		rc = projects_visible(req->arena, p->org_id, con_user(p),
		    p->role, plist_role, &l);
	if (rc != DOM_OK) {
		http_store_unavailable(resp, "Failed to read projects");
		return;
	}
	if (l.n > 1)
		qsort(l.v, l.n, sizeof(*l.v), by_slug);
	jw_init(&w, &resp->body);
	jw_obj_open(&w);
	jw_key(&w, "org");
	jw_obj_open(&w);
	jw_kstr(&w, "id", o.id);
	jw_kstr(&w, "name", o.name);
	jw_kstr(&w, "slug", o.slug);
	jw_kstr(&w, "plan", o.plan);
	jw_obj_close(&w);
	jw_key(&w, "projects");
	jw_arr_open(&w);
	for (size_t i = 0; i < l.n; i++) {
		jw_obj_open(&w);
		jw_kstr(&w, "id", l.v[i].id);
		jw_kstr(&w, "name", l.v[i].name);
		jw_kstr(&w, "slug", l.v[i].slug);
		jw_kbool(&w, "isDefault", l.v[i].is_default);
		jw_kstr(&w, "sandboxProvider", l.v[i].sandbox_provider);
		if (l.v[i].team_id != NULL) {
			jw_kstr(&w, "teamSlug", l.v[i].team_slug);
			jw_kstr(&w, "teamName", l.v[i].team_name);
		}
		jw_obj_close(&w);
	}
	jw_arr_close(&w);
	jw_key(&w, "scopes");
	jw_arr_open(&w);
	if (p->kind == CK_COOKIE)
		jw_str(&w, "*");
	else
		for (int s = 0; s < SC__COUNT; s++)
			if (p->scopes & SCOPE(s))
				jw_str(&w, scope_name((enum scope)s));
	jw_arr_close(&w);
	jw_key(&w, "principal");
	jw_obj_open(&w);
	if (p->kind == CK_COOKIE) {
		jw_kstr(&w, "type", "user");
		jw_kstr(&w, "id", p->user_id);
	} else if (p->kind == CK_M2M_JWT) {
		jw_kstr(&w, "type", "m2m");
		jw_kstr(&w, "id", p->client_id);
	} else {
		jw_kstr(&w, "type", "api_key");
		jw_kstr(&w, "id", p->key_id);
	}
	jw_obj_close(&w);
	jw_obj_close(&w);
	http_json(resp, 200);
}

/* --------------------------------------------------------------- members */

static int
member_one(const struct member *m, void *arg)
{
	struct con_walk *mw = arg;

	if (page_take(&mw->pg, m->joined_at, m->user_id))
		member_render(&mw->w, m);
	return 0;
}

void
members_list(struct request *req, struct response *resp)
{
	struct con_walk mw;

	if (!page_parse(req, resp, &mw.pg, 50, 100))
		return;
	con_list_open(resp, &mw.w);
	if (member_list(req->arena, req->principal->org_id, member_one, &mw) !=
	    DOM_OK) {
		buf_reset(&resp->body);
		http_store_unavailable(resp, "Failed to list members");
		return;
	}
	page_finish(req->arena, &mw.w, &mw.pg);
	jw_obj_close(&mw.w);
	http_json(resp, 200);
}

static const char *const org_roles[] = {
	"owner", "admin", "member", "auditor", "viewer", NULL
};
enum { M_ROLE, M__MAX };
static const struct valid_field member_fields[M__MAX] = {
	[M_ROLE] = { "role", VALID_STRING, VALID_REQUIRED, .oneof = org_roles,
	    .msg_invalid = "role must be one of: owner, admin, member, auditor, viewer",
	    .msg_missing = "role must be one of: owner, admin, member, auditor, viewer" },
};

void
members_update(struct request *req, struct response *resp)
{
	const struct principal *p = req->principal;
	const char *uid = http_param(req, "userId");
	struct json_object *body;
	struct valid_val v[M__MAX];
	struct valid_err verr;
	struct member m;
	struct dom_err err;
	struct actor who;
	struct jw w;
	enum dom_rc rc;

	if (!need_admin(req, resp))
		return;
	if ((body = con_body(req, resp)) == NULL)
		return;
	if (valid_body(req->arena, VALID_STRICT, member_fields, M__MAX, body, v,
	    &verr) == -1) {
		http_error(resp, verr.status, verr.msg);
		return;
	}
	if (!con_begin(resp, "Failed to update member"))
		return;
	if ((rc = member_get(req->arena, p->org_id, uid, &m)) != DOM_OK) {
		store_rollback();
		err.message = "Member not found";
		dom_http_error(resp, rc, &err, "Failed to update member");
		return;
	}
	/* Only an owner grants or takes away `owner`. */
	if ((strcmp(m.role, "owner") == 0 || strcmp(v[M_ROLE].s, "owner") == 0)
	    && p->role != ROLE_OWNER) {
		store_rollback();
		auth_fail(req, resp, F3, 0, 0);
		return;
	}
	con_actor(req, &who);
	if ((rc = member_set_role(req->arena, &who, p->org_id, uid,
	    v[M_ROLE].s, &m, &err)) != DOM_OK) {
		store_rollback();
		dom_http_error(resp, rc, &err, "Failed to update member");
		return;
	}
	if (!con_commit(resp, "Failed to update member"))
		return;
	jw_init(&w, &resp->body);
	member_render(&w, &m);
	http_json(resp, 200);
}

void
members_remove(struct request *req, struct response *resp)
{
	const struct principal *p = req->principal;
	const char *uid = http_param(req, "userId");
	const char *me = con_user(p);
	struct member m;
	struct dom_err err;
	struct actor who;
	enum dom_rc rc;
	int self = me != NULL && strcmp(me, uid) == 0;

	if (!self && !need_admin(req, resp))
		return;
	if (!con_begin(resp, "Failed to remove member"))
		return;
	if ((rc = member_get(req->arena, p->org_id, uid, &m)) != DOM_OK) {
		store_rollback();
		err.message = "Member not found";
		dom_http_error(resp, rc, &err, "Failed to remove member");
		return;
	}
	if (strcmp(m.role, "owner") == 0 && p->role != ROLE_OWNER) {
		store_rollback();
		auth_fail(req, resp, F3, 0, 0);
		return;
	}
	con_actor(req, &who);
	if ((rc = member_remove(req->arena, &who, p->org_id, uid, &err)) !=
	    DOM_OK) {
		store_rollback();
		dom_http_error(resp, rc, &err, "Failed to remove member");
		return;
	}
	if (!con_commit(resp, "Failed to remove member"))
		return;
	resp->status = 204;
}

/* --------------------------------------------------------------- invites */

static const char *const invite_roles[] = {
	"admin", "member", "auditor", "viewer", NULL
};
static int
check_email(struct arena *a, const struct valid_field *f, struct valid_val *v,
    const char **msg)
{
	(void)a;
	(void)f;
	(void)msg;
	return invite_email_valid(v->s) ? 0 : -1;
}
enum { I_EMAIL, I_ROLE, I__MAX };
static const struct valid_field invite_fields[I__MAX] = {
	[I_EMAIL] = { "email", VALID_STRING, VALID_REQUIRED, .maxlen = 254,
	    .check = check_email,
	    .msg_invalid = "email must be a valid email address" },
	[I_ROLE] = { "role", VALID_STRING, 0, .oneof = invite_roles,
	    .msg_invalid = "role must be one of: admin, member, auditor, viewer" },
};

void
invites_create(struct request *req, struct response *resp)
{
	const struct principal *p = req->principal;
	struct json_object *body;
	struct valid_val v[I__MAX];
	struct valid_err verr;
	struct invite inv;
	struct dom_err err;
	struct actor who;
	struct jw w;
	enum dom_rc rc;

	if (!need_admin(req, resp))
		return;
	if ((body = con_body(req, resp)) == NULL)
		return;
	if (valid_body(req->arena, VALID_STRICT, invite_fields, I__MAX, body, v,
	    &verr) == -1) {
		http_error(resp, verr.status, verr.msg);
		return;
	}
	con_actor(req, &who);
	if (!con_begin(resp, "Failed to create invite"))
		return;
	if ((rc = invite_create(req->arena, &who, p->org_id, v[I_EMAIL].s,
	    v[I_ROLE].present ? v[I_ROLE].s : NULL, con_user(p), &inv, &err)) !=
	    DOM_OK) {
		store_rollback();
		dom_http_error(resp, rc, &err, "Failed to create invite");
		return;
	}
	if (!con_commit(resp, "Failed to create invite"))
		return;
	jw_init(&w, &resp->body);
	invite_render(&w, &inv);
	http_json(resp, 201);
}

static int
invite_one(const struct invite *inv, void *arg)
{
	struct con_walk *iw = arg;

	if (page_take(&iw->pg, inv->created_at, inv->id))
		invite_render(&iw->w, inv);
	return 0;
}

void
invites_list(struct request *req, struct response *resp)
{
	struct con_walk iw;
	const char *sv;
	size_t n;
	int state = -1;

	if (!need_admin(req, resp))
		return;
	switch (http_query(req, "state", &sv, &n)) {
	case HTTP_QUERY_ABSENT:
		break;
	case HTTP_QUERY_PRESENT:
		if (strlen(sv) == n && (state = invite_state_parse(sv)) >= 0)
			break;
		/* FALLTHROUGH */
	default:
		http_error(resp, 400,
		    "state must be one of: pending, accepted, revoked, expired");
		return;
	}
	if (!page_parse(req, resp, &iw.pg, 50, 100))
		return;
	con_list_open(resp, &iw.w);
	if (invite_list(req->arena, req->principal->org_id, state, invite_one,
	    &iw) != DOM_OK) {
		buf_reset(&resp->body);
		http_store_unavailable(resp, "Failed to list invites");
		return;
	}
	page_finish(req->arena, &iw.w, &iw.pg);
	jw_obj_close(&iw.w);
	http_json(resp, 200);
}

void
invites_delete(struct request *req, struct response *resp)
{
	struct dom_err err;
	struct actor who;
	enum dom_rc rc;

	if (!need_admin(req, resp))
		return;
	con_actor(req, &who);
	if (!con_begin(resp, "Failed to revoke invite"))
		return;
	if ((rc = invite_revoke(req->arena, &who, req->principal->org_id,
	    http_param(req, "id"), &err)) != DOM_OK) {
		store_rollback();
		dom_http_error(resp, rc, &err, "Failed to revoke invite");
		return;
	}
	if (!con_commit(resp, "Failed to revoke invite"))
		return;
	resp->status = 204;
}

void
invites_accept(struct request *req, struct response *resp)
{
	struct invite inv;
	struct dom_err err;
	struct actor who;
	struct jw w;
	int64_t joined = 0;
	enum dom_rc rc;

	con_actor(req, &who);
	if (!con_begin(resp, "Failed to accept invite"))
		return;
	if ((rc = invite_accept(req->arena, &who, http_param(req, "id"),
	    req->principal->user_id, &inv, &joined, &err)) != DOM_OK) {
		store_rollback();
		dom_http_error(resp, rc, &err, "Failed to accept invite");
		return;
	}
	if (!con_commit(resp, "Failed to accept invite"))
		return;
	jw_init(&w, &resp->body);
	jw_obj_open(&w);
	jw_kstr(&w, "organizationId", inv.org_id);
	jw_kstr(&w, "role", inv.role);
	dom_kput_time(&w, "joinedAt", joined);
	jw_obj_close(&w);
	http_json(resp, 200);
}
