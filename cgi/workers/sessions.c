/*
 * sessions.c -- /api/sessions (02-worker-protocol.md §5.2): list, get,
 * status (read), claim, status report, lock-refresh, the deprecated
 * prompts routes (410), inbox ack, transfer-ownership and nack.
 *
 * Check order (02 §2): authentication and scope (route table) → body
 * parse → field validation (LAX tables below) → body-worker binding of a
 * runtime JWT (F1) → tenant lookup (404) → owner (403 F7) → state (409) →
 * action, the last four inside one BEGIN IMMEDIATE transaction.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "auth.h"
#include "clock.h"
#include "extern.h"
#include "http.h"
#include "json.h"
#include "log.h"
#include "queue.h"
#include "session.h"
#include "settings.h"
#include "store.h"
#include "valid.h"

/* ------------------------------------------------------------ helpers */

static void
fail_store(struct response *resp, const char *msg)
{
	log_error("sessions: %s: %s", msg, store_errmsg());
	http_store_unavailable(resp, msg);
}

/* Reads and validates the body (02 §2; the request owns the parsed
 * object).  0, or -1 with the answer in resp. */
static int
read_body(struct request *req, struct response *resp,
    const struct valid_field *f, size_t n, struct valid_val *v)
{
	struct json_object *body;
	struct valid_err err;

	if ((body = http_read_json(req, resp)) == NULL)
		return -1;
	if (valid_body(req->arena, VALID_LAX, f, n, body, v, &err) == -1) {
		http_error(resp, err.status, err.msg);
		return -1;
	}
	return 0;
}

/* F1 (01-auth.md §6.3 step 7): a runtime JWT acts only as its own worker. */
static int
worker_bound(struct request *req, struct response *resp, const char *worker_id)
{
	const struct principal *p = req->principal;

	if (p->kind != CK_RUNTIME_JWT)
		return 1;
	if (p->worker_id != NULL && worker_id != NULL &&
	    strcmp(p->worker_id, worker_id) == 0)
		return 1;
	auth_fail(req, resp, F1, 0, SC_ALL);
	return 0;
}

/*
 * Opens the write transaction and loads the path's session within the
 * caller's tenant.  1 with the transaction open; 0 with the answer
 * written (404, 503) and no transaction.
 */
static int
begin_session(struct request *req, struct response *resp, const char *failmsg,
    struct session *s)
{
	const char *id = http_param(req, "id");
	enum dom_rc rc;

	if (store_begin_write() != STORE_OK) {
		fail_store(resp, failmsg);
		return 0;
	}
	rc = session_get(req->arena, id, s);
	if (rc == DOM_OK && !session_addressable(req->principal, s))
		rc = DOM_NOT_FOUND;
	if (rc == DOM_OK)
		return 1;
	store_rollback();
	if (rc == DOM_NOT_FOUND)
		http_error(resp, 404, "Session not found");
	else
		fail_store(resp, failmsg);
	return 0;
}

/* Commits; on failure answers 503.  1 when committed. */
static int
commit(struct response *resp, const char *failmsg)
{
	if (store_commit() == STORE_OK)
		return 1;
	store_rollback();
	fail_store(resp, failmsg);
	return 0;
}

static void
owner_403(struct request *req, struct response *resp)
{
	store_rollback();
	auth_fail(req, resp, F7, 0, SC_ALL);
}

static void
begin_json(struct response *resp, struct jw *w)
{
	buf_reset(&resp->body);
	jw_init(w, &resp->body);
}

/* ------------------------------------------------------- reads (GET) */

struct list_ctx {
	struct jw *w;
	int64_t    count;
};

static int
list_one(const struct session *s, void *arg)
{
	struct list_ctx *c = arg;

	session_render_response(c->w, s);
	c->count++;
	return 0;
}

/* limit: a decimal integer (optional '-'), clamped to 1-500; anything
 * else the default (02 §5.2). */
static int64_t
list_limit(struct request *req)
{
	const char *v;
	size_t len, i = 0, digits = 0;
	int neg = 0;
	int64_t n = 0;

	switch (http_query(req, "limit", &v, &len)) {
	case HTTP_QUERY_PRESENT:
	case HTTP_QUERY_DUPLICATE:     /* the first one counts */
		if (v != NULL)
			break;
		/* FALLTHROUGH */
	default:
		return cfg.sessions_list_limit;
	}
	if (len > 0 && v[0] == '-') {
		neg = 1;
		i = 1;
	}
	for (; i < len; i++, digits++) {
		if (v[i] < '0' || v[i] > '9')
			return cfg.sessions_list_limit;
		if (n < 1000)
			n = n * 10 + (v[i] - '0');
	}
	if (digits == 0)
		return cfg.sessions_list_limit;
	if (neg || n < 1)
		return 1;
	return n > 500 ? 500 : n;
}

void
sessions_list(struct request *req, struct response *resp)
{
	const struct principal *p = req->principal;
	char ts[ISO8601_LEN + 1];
	struct list_ctx c;
	struct jw w;
	int64_t limit = list_limit(req);
	enum dom_rc rc;

	iso8601_ms(ts, clock_now_ms());
	begin_json(resp, &w);
	c.w = &w;
	c.count = 0;
	jw_obj_open(&w);
	jw_key(&w, "sessions");
	jw_arr_open(&w);
	rc = session_list(req->arena, p->org_id, p->project_ids, p->nprojects,
	    limit, list_one, &c);
	if (rc != DOM_OK) {
		/* Still 200 (the reference's shape). */
		log_error("sessions_list: %s", store_errmsg());
		begin_json(resp, &w);
		jw_obj_open(&w);
		jw_key(&w, "sessions");
		jw_arr_open(&w);
		jw_arr_close(&w);
		jw_kint(&w, "count", 0);
		jw_kstr(&w, "timestamp", ts);
		jw_kstr(&w, "error", "Failed to fetch sessions");
		jw_obj_close(&w);
		http_json(resp, 200);
		return;
	}
	jw_arr_close(&w);
	jw_kint(&w, "count", c.count);
	jw_kstr(&w, "timestamp", ts);
	jw_obj_close(&w);
	http_json(resp, 200);
}

/* Loads the path's session for a read: 1, or 0 with 404/503 answered. */
static int
read_session(struct request *req, struct response *resp, const char *failmsg,
    struct session *s)
{
	enum dom_rc rc = session_get(req->arena, http_param(req, "id"), s);

	if (rc == DOM_OK && !session_addressable(req->principal, s))
		rc = DOM_NOT_FOUND;
	if (rc == DOM_OK)
		return 1;
	if (rc == DOM_NOT_FOUND)
		http_error(resp, 404, "Session not found");
	else
		fail_store(resp, failmsg);
	return 0;
}

void
sessions_get(struct request *req, struct response *resp)
{
	struct session s;
	struct jw w;

	if (!read_session(req, resp, "Failed to fetch session", &s))
		return;
	begin_json(resp, &w);
	jw_obj_open(&w);
	jw_key(&w, "session");
	session_render_response(&w, &s);
	jw_obj_close(&w);
	http_json(resp, 200);
}

void
sessions_get_status(struct request *req, struct response *resp)
{
	struct session s;
	struct jw w;

	if (!read_session(req, resp, "Failed to get session status", &s))
		return;
	begin_json(resp, &w);
	session_render_state(&w, &s, 1);
	http_json(resp, 200);
}

/* --------------------------------------------------------------- claim */

enum { C_WORKER, C__MAX };
static const struct valid_field claim_fields[C__MAX] = {
	[C_WORKER] = { "workerId", VALID_STRING, VALID_REQUIRED,
	    .msg_missing = "workerId is required" },
};

void
sessions_claim(struct request *req, struct response *resp)
{
	static const char failmsg[] = "Failed to claim session";
	struct valid_val v[C__MAX];
	struct queue_claim_result res;
	struct actor who;
	struct jw w;

	if (read_body(req, resp, claim_fields, C__MAX, v) == -1)
		return;
	if (!worker_bound(req, resp, v[C_WORKER].s))
		return;
	session_actor(req->principal, v[C_WORKER].s, &who);
	if (store_begin_write() != STORE_OK) {
		fail_store(resp, failmsg);
		return;
	}
	if (queue_claim(req->arena, &who, req->principal, http_param(req, "id"),
	    v[C_WORKER].s, &res) != DOM_OK) {
		store_rollback();
		fail_store(resp, failmsg);
		return;
	}
	if (!commit(resp, failmsg))
		return;
	begin_json(resp, &w);
	jw_obj_open(&w);
	jw_kbool(&w, "claimed", res.claimed);
	if (res.claimed) {
		jw_key(&w, "session");
		session_render_state(&w, &res.session, 1);
		jw_key(&w, "work");
		jw_raw(&w, res.item, strlen(res.item));
	} else
		jw_kstr(&w, "reason", res.reason);
	jw_obj_close(&w);
	http_json(resp, 200);
}

/* ------------------------------------------------------- status report */

static const char *const report_statuses[] = {
	"running", "finalizing", "completed", "failed", "stopped", NULL
};

enum { E_MESSAGE, E__MAX };
static const struct valid_field error_fields[E__MAX] = {
	[E_MESSAGE] = { "message", VALID_STRING, VALID_FREETEXT },
};
static const struct valid_schema error_schema = VALID_SCHEMA(error_fields);

enum { S_WORKER, S_STATUS, S_PROVIDER_SID, S_WORKTREE, S_ERROR, S_COST,
	S_INPUT, S_OUTPUT, S__MAX };
static const struct valid_field status_fields[S__MAX] = {
	[S_WORKER] = { "workerId", VALID_STRING, VALID_REQUIRED,
	    .msg_missing = "workerId is required" },
	[S_STATUS] = { "status", VALID_STRING, VALID_REQUIRED,
	    .oneof = report_statuses,
	    .msg_missing = "status must be one of: running, finalizing, "
	    "completed, failed, stopped",
	    .msg_invalid = "status must be one of: running, finalizing, "
	    "completed, failed, stopped" },
	[S_PROVIDER_SID] = { "providerSessionId", VALID_STRING, 0 },
	[S_WORKTREE] = { "worktreePath", VALID_STRING, 0, .maxlen = 4096 },
	[S_ERROR] = { "error", VALID_OBJECT, 0, .sub = &error_schema },
	[S_COST] = { "totalCostUsd", VALID_NUMBER, 0 },
	[S_INPUT] = { "inputTokens", VALID_NUMBER, VALID_FLOOR },
	[S_OUTPUT] = { "outputTokens", VALID_NUMBER, VALID_FLOOR },
};

void
sessions_post_status(struct request *req, struct response *resp)
{
	static const char failmsg[] = "Failed to update session status";
	struct valid_val v[S__MAX];
	struct session_report r;
	struct dom_err err;
	struct session s;
	struct actor who;
	struct jw w;
	int changed;
	enum dom_rc rc;

	if (read_body(req, resp, status_fields, S__MAX, v) == -1)
		return;
	if (!worker_bound(req, resp, v[S_WORKER].s))
		return;
	if (!begin_session(req, resp, failmsg, &s))
		return;
	if (session_owned_by_other(&s, v[S_WORKER].s)) {
		owner_403(req, resp);
		return;
	}
	memset(&r, 0, sizeof(r));
	r.worker_id = v[S_WORKER].s;
	r.status = (enum session_status)session_status_parse(v[S_STATUS].s);
	r.provider_session_id = v[S_PROVIDER_SID].present ?
	    v[S_PROVIDER_SID].s : NULL;
	r.worktree_path = v[S_WORKTREE].present ? v[S_WORKTREE].s : NULL;
	if (v[S_ERROR].present && v[S_ERROR].sub != NULL &&
	    v[S_ERROR].sub[E_MESSAGE].present)
		r.error_message = v[S_ERROR].sub[E_MESSAGE].s;
	r.has_cost = v[S_COST].present;
	r.total_cost_usd = v[S_COST].d;
	r.has_input_tokens = v[S_INPUT].present;
	r.input_tokens = v[S_INPUT].i;
	r.has_output_tokens = v[S_OUTPUT].present;
	r.output_tokens = v[S_OUTPUT].i;
	session_actor(req->principal, r.worker_id, &who);
	rc = session_report_status(req->arena, &who, &s, &r, &changed, &err);
	if (rc == DOM_CONFLICT) {
		store_rollback();
		http_error(resp, 409, err.message);
		return;
	}
	if (rc != DOM_OK) {
		store_rollback();
		fail_store(resp, failmsg);
		return;
	}
	if (!commit(resp, failmsg))
		return;
	begin_json(resp, &w);
	jw_obj_open(&w);
	jw_kbool(&w, "updated", 1);
	jw_key(&w, "session");
	session_render_state(&w, &s, 1);
	jw_obj_close(&w);
	http_json(resp, 200);
}

/* -------------------------------------------------------- lock-refresh */

enum { L_WORKER, L_ISSUE, L__MAX };
static const struct valid_field lock_fields[L__MAX] = {
	[L_WORKER] = { "workerId", VALID_STRING, VALID_REQUIRED,
	    .msg_missing = "workerId and issueId are required" },
	[L_ISSUE] = { "issueId", VALID_STRING, VALID_REQUIRED,
	    .msg_missing = "workerId and issueId are required" },
};

void
sessions_lock_refresh(struct request *req, struct response *resp)
{
	static const char failmsg[] = "Failed to refresh lock TTL";
	struct valid_val v[L__MAX];
	struct session s;
	struct jw w;
	int refreshed;

	if (read_body(req, resp, lock_fields, L__MAX, v) == -1)
		return;
	if (!worker_bound(req, resp, v[L_WORKER].s))
		return;
	if (!begin_session(req, resp, failmsg, &s))
		return;
	if (session_owned_by_other(&s, v[L_WORKER].s)) {
		owner_403(req, resp);
		return;
	}
	if (queue_lock_refresh(&s, v[L_ISSUE].s, &refreshed) != DOM_OK) {
		store_rollback();
		fail_store(resp, failmsg);
		return;
	}
	if (!commit(resp, failmsg))
		return;
	begin_json(resp, &w);
	jw_obj_open(&w);
	jw_kbool(&w, "refreshed", refreshed);
	jw_obj_close(&w);
	http_json(resp, 200);
}

/* ------------------------------------------------------------- prompts */

void
sessions_prompts_get(struct request *req, struct response *resp)
{
	(void)req;
	http_error(resp, 410, "Pending prompts endpoint is deprecated. "
	    "Use agent inbox streams via poll response.");
}

void
sessions_prompts_post(struct request *req, struct response *resp)
{
	(void)req;
	http_error(resp, 410, "Prompt claiming is deprecated. "
	    "Use /api/sessions/{id}/inbox/ack instead.");
}

/* ----------------------------------------------------------- inbox ack */

static const char *const lanes[] = { "urgent", "normal", NULL };

enum { A_MESSAGE, A_LANE, A__MAX };
static const struct valid_field ack_fields[A__MAX] = {
	[A_MESSAGE] = { "messageId", VALID_STRING, VALID_REQUIRED,
	    .msg_missing = "messageId is required" },
	[A_LANE] = { "lane", VALID_STRING, VALID_REQUIRED, .oneof = lanes,
	    .msg_missing = "lane must be \"urgent\" or \"normal\"",
	    .msg_invalid = "lane must be \"urgent\" or \"normal\"" },
};

void
sessions_inbox_ack(struct request *req, struct response *resp)
{
	static const char failmsg[] = "Failed to acknowledge inbox message";
	struct valid_val v[A__MAX];
	struct session s;
	struct jw w;

	if (read_body(req, resp, ack_fields, A__MAX, v) == -1)
		return;
	if (!begin_session(req, resp, failmsg, &s))
		return;
	if (inbox_ack(s.tracker_session_id, v[A_MESSAGE].s, v[A_LANE].s) !=
	    DOM_OK) {
		store_rollback();
		fail_store(resp, failmsg);
		return;
	}
	if (!commit(resp, failmsg))
		return;
	begin_json(resp, &w);
	jw_obj_open(&w);
	jw_kbool(&w, "acknowledged", 1);
	jw_obj_close(&w);
	http_json(resp, 200);
}

/* ---------------------------------------------------- transfer-ownership */

enum { T_NEW, T_OLD, T__MAX };
static const struct valid_field transfer_fields[T__MAX] = {
	[T_NEW] = { "newWorkerId", VALID_STRING, VALID_REQUIRED,
	    .msg_missing = "newWorkerId is required" },
	[T_OLD] = { "oldWorkerId", VALID_STRING, VALID_REQUIRED,
	    .msg_missing = "oldWorkerId is required" },
};

void
sessions_transfer(struct request *req, struct response *resp)
{
	static const char failmsg[] = "Failed to transfer session ownership";
	struct valid_val v[T__MAX];
	struct session s;
	struct actor who;
	struct jw w;
	const char *reason = NULL;
	enum dom_rc rc;

	if (read_body(req, resp, transfer_fields, T__MAX, v) == -1)
		return;
	if (!worker_bound(req, resp, v[T_NEW].s))
		return;
	if (store_begin_write() != STORE_OK) {
		fail_store(resp, failmsg);
		return;
	}
	rc = session_get(req->arena, http_param(req, "id"), &s);
	if (rc == DOM_OK && !session_addressable(req->principal, &s))
		rc = DOM_NOT_FOUND;
	if (rc == DOM_STORE) {
		store_rollback();
		fail_store(resp, failmsg);
		return;
	}
	if (rc == DOM_NOT_FOUND)
		reason = "Session not found";
	else if (session_owned_by_other(&s, v[T_OLD].s))
		reason = arena_printf(req->arena,
		    "Session owned by different worker: %s", s.worker_id);
	if (reason != NULL) {
		store_rollback();
		begin_json(resp, &w);
		jw_obj_open(&w);
		jw_kbool(&w, "transferred", 0);
		jw_kstr(&w, "reason", reason);
		jw_obj_close(&w);
		http_json(resp, 200);
		return;
	}
	session_actor(req->principal, v[T_NEW].s, &who);
	if (queue_transfer(req->arena, &who, &s, v[T_NEW].s) != DOM_OK) {
		store_rollback();
		fail_store(resp, failmsg);
		return;
	}
	if (!commit(resp, failmsg))
		return;
	begin_json(resp, &w);
	jw_obj_open(&w);
	jw_kbool(&w, "transferred", 1);
	jw_key(&w, "session");
	session_render_state(&w, &s, 1);
	jw_obj_close(&w);
	http_json(resp, 200);
}

/* ---------------------------------------------------------------- nack */

enum { W_SESSION, W__MAX };
static const struct valid_field nack_work_fields[W__MAX] = {
	[W_SESSION] = { "sessionId", VALID_STRING, 0 },
};
static const struct valid_schema nack_work_schema =
    VALID_SCHEMA(nack_work_fields);

enum { N_WORKER, N_REASON, N_WORK, N__MAX };
static const struct valid_field nack_fields[N__MAX] = {
	[N_WORKER] = { "workerId", VALID_STRING, VALID_REQUIRED,
	    .msg_missing = "workerId is required" },
	[N_REASON] = { "reason", VALID_STRING, 0, .maxlen = 1024 },
	[N_WORK] = { "work", VALID_OBJECT, 0, .sub = &nack_work_schema },
};

void
sessions_nack(struct request *req, struct response *resp)
{
	static const char failmsg[] = "Failed to nack session";
	struct valid_val v[N__MAX];
	struct dom_err err;
	struct session s;
	struct actor who;
	struct jw w;
	int changed;
	enum dom_rc rc;

	if (read_body(req, resp, nack_fields, N__MAX, v) == -1)
		return;
	if (v[N_WORK].present && v[N_WORK].sub != NULL &&
	    v[N_WORK].sub[W_SESSION].present &&
	    strcmp(v[N_WORK].sub[W_SESSION].s, http_param(req, "id")) != 0) {
		http_error(resp, 400, "work.sessionId does not match the session");
		return;
	}
	if (!worker_bound(req, resp, v[N_WORKER].s))
		return;
	if (!begin_session(req, resp, failmsg, &s))
		return;
	if (session_owned_by_other(&s, v[N_WORKER].s)) {
		owner_403(req, resp);
		return;
	}
	session_actor(req->principal, v[N_WORKER].s, &who);
	rc = queue_nack(req->arena, &who, &s, v[N_WORKER].s,
	    v[N_REASON].present ? v[N_REASON].s : NULL, &changed, &err);
	if (rc == DOM_CONFLICT) {
		store_rollback();
		http_error(resp, 409, err.message);
		return;
	}
	if (rc != DOM_OK) {
		store_rollback();
		fail_store(resp, failmsg);
		return;
	}
	if (!commit(resp, failmsg))
		return;
	begin_json(resp, &w);
	jw_obj_open(&w);
	jw_kbool(&w, "nacked", 1);
	jw_obj_close(&w);
	http_json(resp, 200);
}
