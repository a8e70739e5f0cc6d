/*
 * reports.c -- POST /api/sessions/{id}/{activity,progress,completion,
 * external-urls,tool-error,security-scan} (02-worker-protocol.md §5.2,
 * §6.8): what a worker reports about its session, stored for the public
 * API; nothing is posted to a tracker.
 *
 * Check order (02 §2), authentication and scope being done by the route
 * dispatch: body parse (400 "Invalid JSON body") → field validation
 * (400, lax) → body-worker binding of a runtime JWT (F1) → the session in
 * the caller's tenant (404) → owner (403 F7) → action.  The lookup, the
 * checks and the action share one write transaction.
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "auth.h"
#include "extern.h"
#include "http.h"
#include "json.h"
#include "log.h"
#include "clock.h"
#include "report.h"
#include "session.h"
#include "store.h"
#include "valid.h"

/* ------------------------------------------------------------- helpers */

/*
 * Reads the body (413 over 1 MiB), parses it strictly and applies the lax
 * table.  0, or -1 with the answer written; *root belongs to the request.
 */
static int
body_in(struct request *req, struct response *resp,
    const struct valid_field *fields, size_t n, struct json_object **root,
    struct valid_val *v)
{
	struct valid_err err;

	if ((*root = http_read_json(req, resp)) == NULL)
		return -1;
	if (valid_body(req->arena, VALID_LAX, fields, n, *root, v, &err) == -1) {
		http_error(resp, err.status, err.msg);
		return -1;
	}
	return 0;
}

/*
 * F1 (a runtime JWT naming another worker in the body), then, in a new
 * write transaction, the session in the caller's tenant (404) and its
 * owner (F7 when its workerId is set and differs from owner; owner NULL
 * skips the check).  0 with the transaction open and *s loaded, or -1
 * with the answer written and no transaction.
 */
static int
session_open(struct request *req, struct response *resp,
    const char *body_worker, const char *owner, const char *fail,
    struct session *s)
{
	const struct principal *p = req->principal;
	const char *id = http_param(req, "id");
	enum dom_rc rc;

	if (body_worker != NULL && p->kind == CK_RUNTIME_JWT &&
	    (p->worker_id == NULL || strcmp(p->worker_id, body_worker) != 0)) {
		auth_fail(req, resp, F1, 0, 0);
		return -1;
	}
	if (store_begin_write() != STORE_OK) {
		http_store_unavailable(resp, fail);
		return -1;
	}
	rc = id == NULL ? DOM_NOT_FOUND : session_get(req->arena, id, s);
	if (rc == DOM_OK && !session_addressable(p, s))
		rc = DOM_NOT_FOUND;
	if (rc != DOM_OK) {
		store_rollback();
		if (rc == DOM_NOT_FOUND)
			http_error(resp, 404, "Session not found");
		else
			http_store_unavailable(resp, fail);
		return -1;
	}
	if (owner != NULL && session_owned_by_other(s, owner)) {
		store_rollback();
		auth_fail(req, resp, F7, 0, 0);
		return -1;
	}
	return 0;
}

/* Ends the transaction of session_open: commits on DOM_OK (0), else
 * rolls back and answers 503 (store) or 500 (-1). */
static int
session_close(struct response *resp, enum dom_rc rc, const char *fail)
{
	if (rc == DOM_OK && store_commit() == STORE_OK)
		return 0;
	store_rollback();
	if (rc == DOM_OK || rc == DOM_STORE)
		http_store_unavailable(resp, fail);
	else
		http_error(resp, 500, fail);
	return -1;
}

static const char *
val_str(const struct valid_val *v)
{
	return v->present && !v->isnull ? v->s : NULL;
}

/* ------------------------------------------------------------ activity */

enum { A_TYPE, A_CONTENT, A_TOOL_NAME, A_TOOL_INPUT, A_TIMESTAMP,
	A_CONTEXT_KEY, A_CONTEXT_VALUE, A_TOOL_CATEGORY, A_TOOL_OUTPUT,
	A_TOOL_USE_ID, A_IS_ERROR, A_DURATION, A_PROVIDER, A__MAX };

#define ACTIVITY_MISSING "activity with type and content is required"

static const struct valid_field activity_fields[A__MAX] = {
	[A_TYPE] = { "type", VALID_STRING, VALID_REQUIRED,
	    .maxlen = REPORT_ACTIVITY_TYPE_MAX, .msg_missing = ACTIVITY_MISSING },
	[A_CONTENT] = { "content", VALID_STRING,
	    VALID_REQUIRED | VALID_FREETEXT, .msg_missing = ACTIVITY_MISSING },
	[A_TOOL_NAME] = { "toolName", VALID_STRING, .flags = 0 },
	[A_TOOL_INPUT] = { "toolInput", VALID_OBJECT, .flags = 0 },
	[A_TIMESTAMP] = { "timestamp", VALID_STRING, .flags = 0 },
	[A_CONTEXT_KEY] = { "contextKey", VALID_STRING, .flags = 0 },
	[A_CONTEXT_VALUE] = { "contextValue", VALID_STRING, VALID_FREETEXT },
	[A_TOOL_CATEGORY] = { "toolCategory", VALID_STRING, .flags = 0 },
	[A_TOOL_OUTPUT] = { "toolOutput", VALID_STRING, VALID_FREETEXT },
	[A_TOOL_USE_ID] = { "toolUseId", VALID_STRING, .flags = 0 },
	[A_IS_ERROR] = { "isError", VALID_BOOL, .flags = 0 },
	[A_DURATION] = { "durationMs", VALID_NUMBER, .flags = 0 },
	[A_PROVIDER] = { "providerName", VALID_STRING, .flags = 0 },
};
static const struct valid_schema activity_schema = VALID_SCHEMA(activity_fields);

enum { AB_WORKER, AB_ACTIVITY, AB__MAX };
static const struct valid_field activity_body[AB__MAX] = {
	[AB_WORKER] = { "workerId", VALID_STRING, VALID_REQUIRED,
	    .msg_missing = "workerId is required" },
	[AB_ACTIVITY] = { "activity", VALID_OBJECT, VALID_REQUIRED,
	    .sub = &activity_schema, .msg_missing = ACTIVITY_MISSING },
};

void
sessions_activity(struct request *req, struct response *resp)
{
	static const char fail[] = "Failed to process activity";
	struct valid_val v[AB__MAX], *f;
	struct json_object *root;
	struct activity_in act;
	struct session s;
	const char *worker;

	if (body_in(req, resp, activity_body, AB__MAX, &root, v) == -1)
		return;
	worker = v[AB_WORKER].s;
	f = v[AB_ACTIVITY].sub;
	memset(&act, 0, sizeof(act));
	act.type = f[A_TYPE].s;
	act.content = f[A_CONTENT].s;
	act.tool_name = val_str(&f[A_TOOL_NAME]);
	act.tool_input = f[A_TOOL_INPUT].present ? f[A_TOOL_INPUT].o : NULL;
	act.client_timestamp = val_str(&f[A_TIMESTAMP]);
	act.context_key = val_str(&f[A_CONTEXT_KEY]);
	act.context_value = val_str(&f[A_CONTEXT_VALUE]);
	act.tool_category = val_str(&f[A_TOOL_CATEGORY]);
	act.tool_output = val_str(&f[A_TOOL_OUTPUT]);
	act.tool_use_id = val_str(&f[A_TOOL_USE_ID]);
	act.has_is_error = f[A_IS_ERROR].present;
	act.is_error = (int)f[A_IS_ERROR].i;
	act.has_duration = f[A_DURATION].present;
	act.duration_ms = f[A_DURATION].d;
	act.provider_name = val_str(&f[A_PROVIDER]);
	if (session_open(req, resp, worker, worker, fail, &s) == -1 ||
	    session_close(resp, report_activity_append(req->arena,
	    s.tracker_session_id, &act, clock_now_ms(), NULL), fail) == -1)
		return;
	buf_puts(&resp->body, "{\"forwarded\":true}");
	http_json(resp, 200);
}

/* ------------------------------------------------------------ progress */

enum { P_WORKER, P_MESSAGE, P_MILESTONE, P__MAX };
static const struct valid_field progress_body[P__MAX] = {
	[P_WORKER] = { "workerId", VALID_STRING, VALID_REQUIRED,
	    .msg_missing = "workerId is required" },
	[P_MESSAGE] = { "message", VALID_STRING,
	    VALID_REQUIRED | VALID_FREETEXT, .msg_missing = "message is required" },
	[P_MILESTONE] = { "milestone", VALID_STRING, .flags = 0 },
};

void
sessions_progress(struct request *req, struct response *resp)
{
	static const char fail[] = "Failed to process progress update";
	struct valid_val v[P__MAX];
	struct json_object *root;
	struct session s;
	struct jw w;
	const char *worker, *milestone;

	if (body_in(req, resp, progress_body, P__MAX, &root, v) == -1)
		return;
	worker = v[P_WORKER].s;
	milestone = val_str(&v[P_MILESTONE]);
	if (session_open(req, resp, worker, worker, fail, &s) == -1 ||
	    session_close(resp, report_progress(req->arena,
	    s.tracker_session_id, v[P_MESSAGE].s, milestone, clock_now_ms(),
	    NULL), fail) == -1)
		return;
	jw_init(&w, &resp->body);
	jw_obj_open(&w);
	jw_kbool(&w, "posted", 1);
	if (milestone != NULL)
		jw_kstr(&w, "milestone", milestone);
	jw_obj_close(&w);
	http_json(resp, 200);
}

/* ---------------------------------------------------------- completion */

enum { PI_TITLE, PI_STATE, PI__MAX };
static const struct valid_field plan_item_fields[PI__MAX] = {
	[PI_TITLE] = { "title", VALID_STRING, VALID_FREETEXT },
	[PI_STATE] = { "state", VALID_STRING, .flags = 0 },
};
static const struct valid_schema plan_item_schema =
    VALID_SCHEMA(plan_item_fields);

enum { C_SUMMARY, C_WORKER, C_PLAN, C__MAX };
static const struct valid_field completion_body[C__MAX] = {
	[C_SUMMARY] = { "summary", VALID_STRING,
	    VALID_REQUIRED | VALID_FREETEXT, .msg_missing = "summary is required" },
	[C_WORKER] = { "workerId", VALID_STRING, .flags = 0 },
	[C_PLAN] = { "planItems", VALID_ARRAY, .flags = 0,
	    .sub = &plan_item_schema,
	    .msg_invalid = "planItems must be an array" },
};

void
sessions_completion(struct request *req, struct response *resp)
{
	static const char fail[] = "Failed to process completion";
	struct valid_val v[C__MAX];
	struct json_object *root;
	struct plan_item *items = NULL;
	struct session s;
	struct actor who;
	const char *worker, *owner;
	size_t n = 0;

	if (body_in(req, resp, completion_body, C__MAX, &root, v) == -1)
		return;
	worker = val_str(&v[C_WORKER]);
	/* Without a body workerId the owner check uses the JWT's worker. */
	owner = worker != NULL ? worker :
	    req->principal->kind == CK_RUNTIME_JWT ? req->principal->worker_id :
	    NULL;
	if (v[C_PLAN].present && v[C_PLAN].n > 0) {
		items = arena_alloc(req->arena, v[C_PLAN].n * sizeof(*items));
		for (size_t i = 0; i < v[C_PLAN].n; i++) {
			items[n].title = val_str(&v[C_PLAN].elems[i][PI_TITLE]);
			items[n].state = val_str(&v[C_PLAN].elems[i][PI_STATE]);
			if (items[n].title != NULL)
				n++;
		}
	}
	session_actor(req->principal, owner, &who);
	if (session_open(req, resp, worker, owner, fail, &s) == -1 ||
	    session_close(resp, report_completion(req->arena, &who, &s,
	    v[C_SUMMARY].s, items, n, clock_now_ms()), fail) == -1)
		return;
	buf_puts(&resp->body, "{\"posted\":true,\"partsPosted\":1,\"totalParts\":1}");
	http_json(resp, 200);
}

/* ------------------------------------------------------- external URLs */

#define URL_MISSING "Each external URL must have label and url"

/* http:// or https:// (schemes are case-insensitive) and something after. */
static int
check_http_url(struct arena *a, const struct valid_field *f,
    struct valid_val *v, const char **msg)
{
	(void)a;
	(void)f;
	if ((v->len > 7 && strncasecmp(v->s, "http://", 7) == 0) ||
	    (v->len > 8 && strncasecmp(v->s, "https://", 8) == 0))
		return 0;
	*msg = "External URL must use http or https";
	return -1;
}

enum { U_LABEL, U_URL, U__MAX };
static const struct valid_field url_fields[U__MAX] = {
	[U_LABEL] = { "label", VALID_STRING, VALID_REQUIRED,
	    .msg_missing = URL_MISSING },
	[U_URL] = { "url", VALID_STRING, VALID_REQUIRED,
	    .maxlen = REPORT_URL_MAX, .check = check_http_url,
	    .msg_missing = URL_MISSING },
};
static const struct valid_schema url_schema = VALID_SCHEMA(url_fields);

enum { E_URLS, E__MAX };
static const struct valid_field external_urls_body[E__MAX] = {
	[E_URLS] = { "externalUrls", VALID_ARRAY, VALID_REQUIRED,
	    .maxcount = REPORT_EXTERNAL_URLS_MAX, .sub = &url_schema,
	    .msg_missing = "externalUrls array is required" },
};

void
sessions_external_urls(struct request *req, struct response *resp)
{
	static const char fail[] = "Failed to update external URLs";
	struct valid_val v[E__MAX];
	struct json_object *root;
	struct external_url *urls = NULL;
	struct session s;
	struct actor who;
	struct jw w;
	size_t n;

	if (body_in(req, resp, external_urls_body, E__MAX, &root, v) == -1)
		return;
	n = v[E_URLS].n;
	if (n > 0)
		urls = arena_alloc(req->arena, n * sizeof(*urls));
	for (size_t i = 0; i < n; i++) {
		urls[i].label = v[E_URLS].elems[i][U_LABEL].s;
		urls[i].url = v[E_URLS].elems[i][U_URL].s;
	}
	/* No workerId in this body: no F1 and no owner check (02 §5.2). */
	session_actor(req->principal, NULL, &who);
	if (session_open(req, resp, NULL, NULL, fail, &s) == -1 ||
	    session_close(resp, report_external_urls(req->arena, &who, &s,
	    urls, n, clock_now_ms()), fail) == -1)
		return;
	jw_init(&w, &resp->body);
	jw_obj_open(&w);
	jw_kbool(&w, "updated", 1);
	jw_key(&w, "externalUrls");
	jw_arr_open(&w);
	for (size_t i = 0; i < n; i++) {
		jw_obj_open(&w);
		jw_kstr(&w, "label", urls[i].label);
		jw_kstr(&w, "url", urls[i].url);
		jw_obj_close(&w);
	}
	jw_arr_close(&w);
	jw_obj_close(&w);
	http_json(resp, 200);
}

/* ---------------------------------------------------------- tool error */

enum { TC_ISSUE, TC_ADDITIONAL, TC__MAX };
static const struct valid_field tool_context_fields[TC__MAX] = {
	[TC_ISSUE] = { "issueIdentifier", VALID_STRING, .flags = 0 },
	[TC_ADDITIONAL] = { "additionalContext", VALID_STRING, VALID_FREETEXT },
};
static const struct valid_schema tool_context_schema =
    VALID_SCHEMA(tool_context_fields);

enum { T_WORKER, T_TOOL, T_MESSAGE, T_CONTEXT, T__MAX };
static const struct valid_field tool_error_body[T__MAX] = {
	[T_WORKER] = { "workerId", VALID_STRING, VALID_REQUIRED,
	    .msg_missing = "workerId is required" },
	[T_TOOL] = { "toolName", VALID_STRING, VALID_REQUIRED,
	    .msg_missing = "toolName is required" },
	[T_MESSAGE] = { "errorMessage", VALID_STRING,
	    VALID_REQUIRED | VALID_FREETEXT,
	    .msg_missing = "errorMessage is required" },
	[T_CONTEXT] = { "context", VALID_OBJECT, .flags = 0,
	    .sub = &tool_context_schema },
};

void
sessions_tool_error(struct request *req, struct response *resp)
{
	static const char fail[] = "Failed to process tool error report";
	struct valid_val v[T__MAX];
	struct json_object *root;
	struct tool_error_in in;
	struct session s;
	struct actor who;
	struct jw w;
	const char *id = NULL, *ident = NULL;

	if (body_in(req, resp, tool_error_body, T__MAX, &root, v) == -1)
		return;
	memset(&in, 0, sizeof(in));
	in.worker_id = v[T_WORKER].s;
	in.tool_name = v[T_TOOL].s;
	in.error_message = v[T_MESSAGE].s;
	if (v[T_CONTEXT].present) {
		in.issue_identifier = val_str(&v[T_CONTEXT].sub[TC_ISSUE]);
		in.additional_context =
		    val_str(&v[T_CONTEXT].sub[TC_ADDITIONAL]);
	}
	session_actor(req->principal, in.worker_id, &who);
	if (session_open(req, resp, in.worker_id, in.worker_id, fail, &s) ==
	    -1 || session_close(resp, report_tool_error(req->arena, &who, &s,
	    &in, clock_now_ms(), &id, &ident), fail) == -1)
		return;
	jw_init(&w, &resp->body);
	jw_obj_open(&w);
	jw_kbool(&w, "created", 1);
	jw_key(&w, "issue");
	jw_obj_open(&w);
	jw_kstr(&w, "id", id);
	jw_kstr(&w, "identifier", ident);
	jw_knull(&w, "url");
	jw_obj_close(&w);
	jw_obj_close(&w);
	http_json(resp, 200);
}

/* ------------------------------------------------------- security scan */

enum { S_WORKER, S__MAX };
static const struct valid_field security_scan_body[S__MAX] = {
	[S_WORKER] = { "workerId", VALID_STRING, VALID_REQUIRED,
	    .msg_missing = "workerId is required" },
};

void
sessions_security_scan(struct request *req, struct response *resp)
{
	static const char fail[] = "Failed to process security scan event";
	struct valid_val v[S__MAX];
	struct json_object *root, *ev = NULL;
	struct dom_err err;
	struct session s;
	struct actor who;
	const char *worker, *detail;
	enum dom_rc rc;

	if (body_in(req, resp, security_scan_body, S__MAX, &root, v) == -1)
		return;
	worker = v[S_WORKER].s;
	/* The event's checks are field validation: before F1 and the
	 * lookup (02 §2). */
	json_object_object_get_ex(root, "event", &ev);
	if ((detail = report_security_scan_check(req->arena, ev)) != NULL) {
		http_error(resp, 400, arena_printf(req->arena,
		    "Invalid event: %s", detail));
		return;
	}
	session_actor(req->principal, worker, &who);
	if (session_open(req, resp, worker, worker, fail, &s) == -1)
		return;
	rc = report_security_scan(req->arena, &who, &s, ev, clock_now_ms(),
	    &err);
	if (rc == DOM_INVALID) {
		store_rollback();
		http_error(resp, 400, err.message);
		return;
	}
	if (session_close(resp, rc, fail) == -1)
		return;
	buf_puts(&resp->body, "{\"stored\":true}");
	http_json(resp, 200);
}
