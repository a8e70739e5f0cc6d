/*
 * activities.c -- the activity stream of a session: the path form
 * (GET /api/public/sessions/{id}/activities, 03-public.md §3.6), the
 * query form (GET /api/public/session-activities, §3.7) and reconnect
 * (POST /api/public/sessions/{id}/reconnect, §3.10, read-only).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "auth.h"
#include "clock.h"
#include "extern.h"
#include "http.h"
#include "log.h"
#include "public.h"
#include "report.h"
#include "store.h"

#define ACTIVITY_PAGE 200

struct act_ctx {
	struct jw *w;
	int        query_form;
	int64_t    last;
};

static int
act_one(const struct activity *act, void *arg)
{
	struct act_ctx *c = arg;
	char ts[ISO8601_LEN + 1], id[24];

	snprintf(id, sizeof(id), "%lld", (long long)act->seq);
	iso8601_ms(ts, act->created_at);
	jw_obj_open(c->w);
	jw_kstr(c->w, "id", id);
	jw_kstr(c->w, "type", act->type != NULL ? act->type : "");
	if (c->query_form) {
		jw_kstr(c->w, "body", act->content != NULL ? act->content : "");
		jw_kstr(c->w, "createdAt", ts);
	} else {
		jw_kstr(c->w, "content", act->content != NULL ? act->content : "");
		if (act->tool_name != NULL)
			jw_kstr(c->w, "toolName", act->tool_name);
		jw_kstr(c->w, "timestamp", ts);
		if (act->context_key != NULL)
			jw_kstr(c->w, "contextKey", act->context_key);
		if (act->context_value != NULL)
			jw_kstr(c->w, "contextValue", act->context_value);
	}
	jw_obj_close(c->w);
	c->last = act->seq;
	return 0;
}

/* Renders {activities, cursor, sessionStatus} for s after `after`
 * (has_after 0: from the start).  0, or -1 on a store failure. */
static int
render(struct request *req, struct response *resp, const struct session *s,
    int query_form, int has_after, int64_t after)
{
	enum public_status ps;
	struct act_ctx c;
	struct jw w;
	char cur[24];

	if (public_status_of(s, &ps) != DOM_OK)
		return -1;
	memset(&c, 0, sizeof(c));
	pub_begin(resp, &w);
	c.w = &w;
	c.query_form = query_form;
	jw_obj_open(&w);
	jw_key(&w, "activities");
	jw_arr_open(&w);
	/* Query form: a terminal session has nothing more (pollers stop). */
	if (!(query_form && session_status_terminal(s->status)) &&
	    report_activity_list(req->arena, s->tracker_session_id,
	    has_after ? after : 0, ACTIVITY_PAGE, act_one, &c) != DOM_OK)
		return -1;
	jw_arr_close(&w);
	if (c.last != 0 || has_after) {
		snprintf(cur, sizeof(cur), "%lld",
		    (long long)(c.last != 0 ? c.last : after));
		jw_kstr(&w, "cursor", cur);
	} else if (query_form)
		jw_knull(&w, "cursor");
	jw_kstr(&w, "sessionStatus", public_status_name(ps));
	jw_obj_close(&w);
	http_json(resp, 200);
	return 0;
}

/* A decimal activity id parameter: 1 with *has and *v set, 0 answered 400. */
static int
id_param(struct request *req, struct response *resp, const char *name,
    const char *msg, int *has, int64_t *v)
{
	const char *s;
	size_t len;
	int rc = pub_query(req, name, &s, &len);

	*has = 0;
	*v = 0;
	if (rc == HTTP_QUERY_ABSENT)
		return 1;
	if (rc == HTTP_QUERY_MALFORMED || public_parse_uint(s, len, v) == -1) {
		http_error(resp, 400, msg);
		return 0;
	}
	*has = 1;
	return 1;
}

void
pub_activities(struct request *req, struct response *resp)
{
	struct session s;
	int64_t after;
	int has;

	if (!pub_session_auth(req, resp, &pub_p_read, ROLE_VIEWER, 1, &s))
		return;
	if (!id_param(req, resp, "after",
	    "Invalid 'after' parameter: expected a non-negative integer",
	    &has, &after))
		return;
	if (render(req, resp, &s, 0, has, after) == -1)
		pub_store_fail(resp, "Failed to fetch activities");
}

void
pub_session_activities(struct request *req, struct response *resp)
{
	const struct principal *p;
	const char *sid, *hash;
	struct session s;
	size_t len, hlen;
	int64_t after;
	int has, rc, acc;
	enum dom_rc drc;

	rc = pub_query(req, "sessionId", &sid, &len);
	if (rc != HTTP_QUERY_PRESENT || len == 0 ||
	    memchr(sid, '\0', len) != NULL) {
		http_error(resp, 400, "sessionId is required");
		return;
	}
	if (auth_session_hash_supplied(req, &hash, &hlen)) {
		/* Mode 1: the raw id and its hash, exclusively. */
		drc = session_get(req->arena, sid, &s);
		if (drc == DOM_STORE) {
			pub_store_fail(resp, "Failed to fetch activities");
			return;
		}
		if (!auth_resolve_session_hash(req, resp, hash, hlen,
		    drc == DOM_OK ? s.tracker_session_id : NULL,
		    drc == DOM_OK ? s.org_id : NULL,
		    drc == DOM_OK ? s.public_id : NULL))
			return;
	} else {
		if (!auth_resolve(req, resp, pub_p_query_activities))
			return;
		p = req->principal;
		drc = session_get(req->arena, sid, &s);
		if (drc == DOM_NOT_FOUND && p->kind != CK_RUNTIME_JWT)
			drc = session_get_by_public_id(req->arena, sid, &s);
		if (drc == DOM_STORE) {
			pub_store_fail(resp, "Failed to fetch activities");
			return;
		}
		if (p->kind == CK_RUNTIME_JWT) {
			/* Mode 2: a session of the calling worker. */
			if (drc != DOM_OK || !session_addressable(p, &s)) {
				http_error(resp, 404, "Session not found");
				return;
			}
			if (s.worker_id == NULL || p->worker_id == NULL ||
			    strcmp(s.worker_id, p->worker_id) != 0) {
				auth_fail(req, resp, F7, 0, SC_ALL);
				return;
			}
		} else {
			acc = drc == DOM_OK ?
			    public_session_access(p, &s, ROLE_VIEWER) : 0;
			if (acc == 0) {
				http_error(resp, 404, "Session not found");
				return;
			}
			if (acc < 0) {
				auth_fail(req, resp, F3, 0, 0);
				return;
			}
		}
	}
	if (!id_param(req, resp, "cursor",
	    "Invalid 'cursor' parameter: expected a non-negative integer",
	    &has, &after))
		return;
	if (render(req, resp, &s, 1, has, after) == -1)
		pub_store_fail(resp, "Failed to fetch activities");
}

/* cursor / lastEventId: a decimal-digit string or a non-negative JSON
 * integer.  1 ok (absent: 0), 0 bad. */
static int
resume_member(struct json_object *body, const char *name, int64_t *out)
{
	struct json_object *v;
	const char *s;

	*out = 0;
	if (!json_object_object_get_ex(body, name, &v))
		return 1;
	if (json_object_is_type(v, json_type_string)) {
		s = json_object_get_string(v);
		return public_parse_uint(s, (size_t)json_object_get_string_len(v),
		    out) == 0;
	}
	if (json_object_is_type(v, json_type_int)) {
		*out = json_object_get_int64(v);
		return *out >= 0 && *out < INT64_MAX;
	}
	return 0;
}

void
pub_reconnect(struct request *req, struct response *resp)
{
	struct json_object *body;
	enum public_status ps;
	struct session s;
	int64_t a, b, missed = 0;
	struct jw w;

	if (!pub_session_auth(req, resp, &pub_p_write, ROLE_MEMBER, 0, &s))
		return;
	if ((body = http_read_json(req, resp)) == NULL)
		return;
	if (!resume_member(body, "cursor", &a) ||
	    !resume_member(body, "lastEventId", &b)) {
		http_error(resp, 400,
		    "cursor and lastEventId must be non-negative integers");
		return;
	}
	if (public_status_of(&s, &ps) != DOM_OK ||
	    report_activity_count(s.tracker_session_id, a > b ? a : b,
	    &missed, NULL, NULL) != DOM_OK) {
		pub_store_fail(resp, "Failed to reconnect");
		return;
	}
	pub_begin(resp, &w);
	jw_obj_open(&w);
	jw_kbool(&w, "reconnected", 1);
	jw_kstr(&w, "sessionId", s.public_id);
	jw_kstr(&w, "sessionStatus", public_status_name(ps));
	jw_kint(&w, "missedEvents", missed);
	jw_obj_close(&w);
	http_json(resp, 200);
}
