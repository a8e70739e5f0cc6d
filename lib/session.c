/*
 * session.c -- agent sessions (02-worker-protocol.md §4, §6.1, §6.3; see
 * session.h): the row, its renderings, the public id and session hash of
 * 01-auth.md §12, dispatch, the status-report state machine and stop.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "audit.h"
#include "auth.h"
#include "clock.h"
#include "crypto.h"
#include "extern.h"
#include "log.h"
#include "queue.h"
#include "report.h"
#include "secrets.h"
#include "session.h"
#include "settings.h"
#include "store.h"
#include "valid.h"
#include "worker.h"

static const char *const status_names[SESSION_STATUS__COUNT] = {
	"pending", "claimed", "running", "finalizing", "completed", "failed",
	"stopped"
};

const char *
session_status_name(enum session_status s)
{
	return (unsigned)s < SESSION_STATUS__COUNT ? status_names[s] : NULL;
}

int
session_status_parse(const char *s)
{
	if (s == NULL)
		return -1;
	for (int i = 0; i < SESSION_STATUS__COUNT; i++)
		if (strcmp(s, status_names[i]) == 0)
			return i;
	return -1;
}

int
session_status_terminal(enum session_status s)
{
	return s == SESSION_COMPLETED || s == SESSION_FAILED ||
	    s == SESSION_STOPPED;
}

int
session_status_active(enum session_status s)
{
	return s == SESSION_CLAIMED || s == SESSION_RUNNING ||
	    s == SESSION_FINALIZING;
}

const char *const session_work_types[] = {
	"research", "backlog-creation", "backlog-groomer", "development",
	"inflight", "qa", "acceptance", "refinement",
	"refinement-coordination", "merge", "security", "improvement-loop",
	"outcome-auditor", "ga-readiness", "documentation-steward",
	"operational-scanner-vercel", "operational-scanner-audit",
	"operational-scanner-ci", NULL
};

int
session_work_type_valid(const char *s)
{
	if (s == NULL)
		return 0;
	for (int i = 0; session_work_types[i] != NULL; i++)
		if (strcmp(s, session_work_types[i]) == 0)
			return 1;
	return 0;
}

/* ------------------------------------------------------ ids (01 §12) */

int
session_id_valid(const char *id)
{
	size_t n;

	if (id == NULL)
		return 0;
	n = strlen(id);
	if (n < 1 || n > SESSION_ID_MAX)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)id[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		    c == ':' || c == '-'))
			return 0;
	}
	return 1;
}

int
session_public_id(char out[SESSION_PUBLIC_ID_LEN + 1], const char *tracker_id)
{
	const struct secret *k = secret_get(SECRET_PUBLIC_ID_SALT);
	uint8_t mac[SHA256_LEN];

	if (k == NULL || k->key == NULL)
		return -1;
	hmac_sha256(mac, k->key, k->len, tracker_id, strlen(tracker_id));
	hex_encode(out, mac, SESSION_PUBLIC_ID_LEN / 2);
	return 0;
}

int
session_hash(char out[SESSION_HASH_LEN + 1], const char *tracker_id)
{
	const struct secret *k = secret_get(SECRET_SESSION_HASH);
	uint8_t mac[SHA256_LEN];
	char msg[8 + SESSION_ID_MAX + 1];
	size_t n = strlen(tracker_id);

	if (k == NULL || k->key == NULL || n > SESSION_ID_MAX)
		return -1;
	memcpy(msg, "session:", 8);
	memcpy(msg + 8, tracker_id, n);
	hmac_sha256(mac, k->key, k->len, msg, 8 + n);
	hex_encode(out, mac, SESSION_HASH_LEN / 2);
	return 0;
}

/* ------------------------------------------------------------- reads */

static const char sql_get[] =
    "SELECT " SESSION_COLS " FROM sessions s"
    " LEFT JOIN projects p ON p.id = s.project_id"
    " WHERE s.tracker_session_id = ?1";
static const char sql_get_public[] =
    "SELECT " SESSION_COLS " FROM sessions s"
    " LEFT JOIN projects p ON p.id = s.project_id"
    " WHERE s.public_id = ?1";

void
session_from_row(struct arena *a, struct sstmt *st, struct session *out)
{
	int st_i;

	memset(out, 0, sizeof(*out));
	out->tracker_session_id = dom_col_text(a, st, 0);
	out->org_id = dom_col_text(a, st, 1);
	out->project_id = dom_col_text(a, st, 2);
	out->project_name = dom_col_text(a, st, 3);
	out->public_id = dom_col_text(a, st, 4);
	out->tracker_provider = dom_col_text(a, st, 5);
	out->issue_id = dom_col_text(a, st, 6);
	out->issue_identifier = dom_col_text(a, st, 7);
	out->issue_title = dom_col_text(a, st, 8);
	out->provider_session_id = dom_col_text(a, st, 9);
	out->worktree_path = dom_col_text(a, st, 10);
	if (out->worktree_path == NULL)
		out->worktree_path = "";
	st_i = session_status_parse(ss_text(st, 11));
	out->status = st_i < 0 ? SESSION_PENDING : (enum session_status)st_i;
	out->created_at = dom_col_int(st, 12);
	out->updated_at = dom_col_int(st, 13);
	out->worker_id = dom_col_text(a, st, 14);
	out->queued_at = dom_col_int(st, 15);
	out->claimed_at = dom_col_int(st, 16);
	out->priority = dom_col_int(st, 17);
	out->prompt = dom_col_text(a, st, 18);
	out->prompt_context = dom_col_text(a, st, 19);
	out->work_type = dom_col_text(a, st, 20);
	out->agent_id = dom_col_text(a, st, 21);
	out->provider = dom_col_text(a, st, 22);
	out->model = dom_col_text(a, st, 23);
	out->sub_agent_model = dom_col_text(a, st, 24);
	out->source_session_id = dom_col_text(a, st, 25);
	out->workflow_instance_id = dom_col_text(a, st, 26);
	out->source = dom_col_text(a, st, 27);
	out->total_cost_micro_usd = dom_col_int(st, 28);
	out->input_tokens = dom_col_int(st, 29);
	out->output_tokens = dom_col_int(st, 30);
	out->last_tool_name = dom_col_text(a, st, 31);
	out->last_tool_called_at = dom_col_int(st, 32);
	out->tool_call_count = dom_col_int(st, 33);
	out->error_message = dom_col_text(a, st, 34);
	out->completed_at = dom_col_int(st, 35);
	out->stop_requested_at = dom_col_int(st, 36);
	out->stop_intent_revision = dom_col_int(st, 37);
	out->stop_mutation_id = dom_col_text(a, st, 38);
}

static enum dom_rc
get_by(struct arena *a, const char *sql, const char *key, struct session *out)
{
	struct sstmt *st = store_stmt(sql);
	int rc;

	if (st == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, key);
	rc = ss_step(st);
	if (rc == STORE_ROW)
		session_from_row(a, st, out);
	ss_reset(st);
	if (rc == STORE_ROW)
		return DOM_OK;
	return rc == STORE_DONE ? DOM_NOT_FOUND : DOM_STORE;
}

enum dom_rc
session_get(struct arena *a, const char *tracker_id, struct session *out)
{
	if (!session_id_valid(tracker_id))
		return DOM_NOT_FOUND;
	return get_by(a, sql_get, tracker_id, out);
}

enum dom_rc
session_get_by_public_id(struct arena *a, const char *public_id,
    struct session *out)
{
	if (public_id == NULL || strlen(public_id) != SESSION_PUBLIC_ID_LEN ||
	    !is_lower_hex(public_id, SESSION_PUBLIC_ID_LEN))
		return DOM_NOT_FOUND;
	return get_by(a, sql_get_public, public_id, out);
}

static const char sql_list[] =
    "SELECT " SESSION_COLS " FROM sessions s"
    " LEFT JOIN projects p ON p.id = s.project_id"
    " WHERE s.org_id = ?1"
    " AND " SQL_IN_JSON_LIST("?2", "s.project_id")
    " ORDER BY s.updated_at DESC, s.tracker_session_id DESC LIMIT ?3";

enum dom_rc
session_list(struct arena *a, const char *org_id,
    const char *const *project_ids, int nprojects, int64_t limit,
    int (*fn)(const struct session *, void *), void *arg)
{
	struct sstmt *st = store_stmt(sql_list);
	struct session s;
	int rc;

	if (st == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, org_id);
	if (project_ids != NULL) {
		struct buf b;
		struct jw w;

		buf_init(&b);
		jw_init(&w, &b);
		jw_arr_open(&w);
		for (int i = 0; i < nprojects; i++)
			jw_str(&w, project_ids[i]);
		jw_arr_close(&w);
		ss_bind_textn(st, 2, b.data, b.len);
		buf_free(&b);
	}
	ss_bind_int(st, 3, limit);
	while ((rc = ss_step(st)) == STORE_ROW) {
		session_from_row(a, st, &s);
		if (fn(&s, arg) != 0) {
			rc = STORE_DONE;
			break;
		}
	}
	ss_reset(st);
	return rc == STORE_DONE ? DOM_OK : DOM_STORE;
}

int
session_addressable(const struct principal *p, const struct session *s)
{
	if (p == NULL || p->org_id == NULL || s->org_id == NULL ||
	    strcmp(p->org_id, s->org_id) != 0)
		return 0;
	if (p->project_ids == NULL)
		return 1;
	for (int i = 0; i < p->nprojects; i++)
		if (s->project_id != NULL &&
		    strcmp(p->project_ids[i], s->project_id) == 0)
			return 1;
	return 0;
}

int
session_owned_by_other(const struct session *s, const char *worker_id)
{
	return s->worker_id != NULL && s->worker_id[0] != '\0' &&
	    (worker_id == NULL || strcmp(s->worker_id, worker_id) != 0);
}

/* --------------------------------------------------------- rendering */

static void
kopt_str(struct jw *w, const char *key, const char *v)
{
	if (v != NULL)
		jw_kstr(w, key, v);
}

static void
kopt_int(struct jw *w, const char *key, int64_t v)
{
	if (v != 0)
		jw_kint(w, key, v);
}


static void
khash(struct jw *w, const struct session *s)
{
	char h[SESSION_HASH_LEN + 1];

	if (session_hash(h, s->tracker_session_id) == 0)
		jw_kstr(w, "sessionHash", h);
	else
		jw_knull(w, "sessionHash");
}

void
session_render_state(struct jw *w, const struct session *s, int with_hash)
{
	jw_obj_open(w);
	jw_kstr(w, "trackerSessionId", s->tracker_session_id);
	jw_kstr(w, "trackerProvider", s->tracker_provider);
	if (s->tracker_provider != NULL &&
	    strcmp(s->tracker_provider, "linear") == 0)
		jw_kstr(w, "linearSessionId", s->tracker_session_id);
	jw_kstr(w, "issueId", s->issue_id);
	kopt_str(w, "issueIdentifier", s->issue_identifier);
	jw_kstr(w, "providerSessionId", s->provider_session_id);
	jw_kstr(w, "worktreePath", s->worktree_path ? s->worktree_path : "");
	jw_kstr(w, "status", session_status_name(s->status));
	jw_kint(w, "createdAt", s->created_at);
	jw_kint(w, "updatedAt", s->updated_at);
	kopt_str(w, "workerId", s->worker_id);
	kopt_int(w, "queuedAt", s->queued_at);
	kopt_int(w, "claimedAt", s->claimed_at);
	kopt_int(w, "priority", s->priority);
	kopt_str(w, "promptContext", s->prompt_context);
	kopt_str(w, "organizationId", s->org_id);
	kopt_str(w, "workType", s->work_type);
	kopt_str(w, "agentId", s->agent_id);
	kopt_str(w, "projectName", s->project_name);
	kopt_str(w, "provider", s->provider);
	if (s->total_cost_micro_usd != 0) {
		jw_key(w, "totalCostUsd");
		jw_double(w, (double)s->total_cost_micro_usd / 1e6);
	}
	kopt_int(w, "inputTokens", s->input_tokens);
	kopt_int(w, "outputTokens", s->output_tokens);
	kopt_str(w, "lastToolName", s->last_tool_name);
	kopt_int(w, "lastToolCalledAt", s->last_tool_called_at);
	kopt_int(w, "toolCallCount", s->tool_call_count);
	kopt_str(w, "workflowInstanceId", s->workflow_instance_id);
	jw_kstr(w, "projectId", s->project_id);
	jw_kstr(w, "publicId", s->public_id);
	if (with_hash)
		khash(w, s);
	kopt_str(w, "errorMessage", s->error_message);
	kopt_int(w, "completedAt", s->completed_at);
	jw_obj_close(w);
}

void
session_render_response(struct jw *w, const struct session *s)
{
	char ident[16];

	jw_obj_open(w);
	jw_kstr(w, "id", s->tracker_session_id);
	jw_kstr(w, "trackerSessionId", s->tracker_session_id);
	jw_kstr(w, "linearSessionId", s->tracker_session_id);
	jw_kstr(w, "issueId", s->issue_id);
	if (s->issue_identifier != NULL)
		jw_kstr(w, "identifier", s->issue_identifier);
	else {
		size_t n = s->issue_id ? strlen(s->issue_id) : 0;

		n = valid_utf8_cut(s->issue_id ? s->issue_id : "", n, 8);
		memcpy(ident, s->issue_id ? s->issue_id : "", n);
		ident[n] = '\0';
		jw_kstr(w, "identifier", ident);
	}
	kopt_str(w, "providerSessionId", s->provider_session_id);
	kopt_str(w, "provider", s->provider);
	jw_kstr(w, "status", session_status_name(s->status));
	dom_kopt_time(w, "createdAt", s->created_at);
	dom_kopt_time(w, "updatedAt", s->updated_at);
	jw_kstr(w, "worktreePath", s->worktree_path ? s->worktree_path : "");
	kopt_str(w, "workerId", s->worker_id);
	dom_kopt_time(w, "queuedAt", s->queued_at);
	dom_kopt_time(w, "claimedAt", s->claimed_at);
	kopt_str(w, "agentId", s->agent_id);
	jw_kstr(w, "publicId", s->public_id);
	khash(w, s);
	jw_obj_close(w);
}

void
session_render_item(struct jw *w, const struct session *s, int64_t priority,
    int64_t queued_at)
{
	jw_obj_open(w);
	jw_kstr(w, "sessionId", s->tracker_session_id);
	jw_kstr(w, "issueId", s->issue_id);
	jw_kstr(w, "issueIdentifier", s->issue_identifier);
	jw_kint(w, "priority", priority);
	jw_kint(w, "queuedAt", queued_at);
	kopt_str(w, "prompt", s->prompt);
	kopt_str(w, "providerSessionId", s->provider_session_id);
	kopt_str(w, "workType", s->work_type);
	kopt_str(w, "sourceSessionId", s->source_session_id);
	kopt_str(w, "projectName", s->project_name);
	kopt_str(w, "model", s->model);
	kopt_str(w, "subAgentModel", s->sub_agent_model);
	jw_kstr(w, "organizationId", s->org_id);
	jw_obj_close(w);
}

/* ------------------------------------------------------------- audit */

int
session_event(struct arena *a, const struct actor *who,
    const struct session *s, const char *type, struct json_object *payload)
{
	struct audit_event_in in;
	char id[AUDIT_EVENT_ID_LEN + 1];
	int rc;

	memset(&in, 0, sizeof(in));
	in.workspace_id = s->org_id;
	in.event_type = type;
	in.actor_type = who->type;
	in.actor_id = who->id;
	in.entity_type = "session";
	in.entity_id = s->tracker_session_id;
	in.session_id = s->tracker_session_id;
	in.payload = payload;
	rc = audit_append(a, &in, id);
	json_object_put(payload);
	return rc;
}

void
session_actor(const struct principal *p, const char *worker_id,
    struct actor *out)
{
	const char *wid = worker_id != NULL ? worker_id : p->worker_id;

	switch (p->kind) {
	case CK_API_KEY:
		if (p->key_type != NULL &&
		    strcmp(p->key_type, "worker_registration") == 0 &&
		    wid != NULL)
			break;
		out->type = "api_key";
		out->id = p->key_id;
		return;
	case CK_M2M_JWT:
		out->type = "m2m";
		out->id = p->client_id;
		return;
	case CK_COOKIE:
		out->type = "user";
		out->id = p->user_id;
		return;
	case CK_SESSION_HASH:
		/* 09-audit.md §4.2: the public session id. */
		out->type = "session_hash";
		out->id = p->key_id;
		return;
	case CK_RUNTIME_JWT:
	case CK_REGISTRATION_TOKEN:
	case CK_LEGACY_KEY:
	default:
		break;
	}
	out->type = "worker";
	out->id = wid != NULL ? wid : (p->key_id != NULL ? p->key_id : "legacy");
}

/* session.status_changed {from, to, reason, promotedSessionId}. */
static int
status_event(struct arena *a, const struct actor *who,
    const struct session *s, enum session_status from, const char *reason,
    const char *promoted)
{
	struct json_object *pl = json_object_new_object();

	json_object_object_add(pl, "from",
	    json_object_new_string(session_status_name(from)));
	json_object_object_add(pl, "to",
	    json_object_new_string(session_status_name(s->status)));
	json_object_object_add(pl, "reason", json_object_new_string(reason));
	json_object_object_add(pl, "promotedSessionId", dom_jstr(promoted));
	return session_event(a, who, s, "session.status_changed", pl);
}

/* ------------------------------------------------------------- writes */

static void
bind_opt_int(struct sstmt *st, int idx, int64_t v)
{
	if (v == 0)
		ss_bind_null(st, idx);
	else
		ss_bind_int(st, idx, v);
}

static const char sql_save[] =
    "UPDATE sessions SET status = ?2, updated_at = ?3, worker_id = ?4,"
    " queued_at = ?5, claimed_at = ?6, priority = ?7,"
    " provider_session_id = ?8, worktree_path = ?9,"
    " total_cost_micro_usd = ?10, input_tokens = ?11, output_tokens = ?12,"
    " error_message = ?13, completed_at = ?14, stop_requested_at = ?15,"
    " stop_intent_revision = ?16, stop_mutation_id = ?17"
    " WHERE tracker_session_id = ?1";

enum dom_rc
session_save(const struct session *s)
{
	struct sstmt *st = store_stmt(sql_save);

	if (st == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, s->tracker_session_id);
	ss_bind_text(st, 2, session_status_name(s->status));
	ss_bind_int(st, 3, s->updated_at);
	ss_bind_text(st, 4, s->worker_id);
	bind_opt_int(st, 5, s->queued_at);
	bind_opt_int(st, 6, s->claimed_at);
	ss_bind_int(st, 7, s->priority);
	ss_bind_text(st, 8, s->provider_session_id);
	ss_bind_text(st, 9, s->worktree_path ? s->worktree_path : "");
	ss_bind_int(st, 10, s->total_cost_micro_usd);
	ss_bind_int(st, 11, s->input_tokens);
	ss_bind_int(st, 12, s->output_tokens);
	ss_bind_text(st, 13, s->error_message);
	bind_opt_int(st, 14, s->completed_at);
	bind_opt_int(st, 15, s->stop_requested_at);
	ss_bind_int(st, 16, s->stop_intent_revision);
	ss_bind_text(st, 17, s->stop_mutation_id);
	return ss_exec(st) == STORE_OK ? DOM_OK : DOM_STORE;
}

enum dom_rc
session_terminal_effects(struct arena *a, const struct session *s,
    const char **promoted)
{
	enum dom_rc rc;

	*promoted = NULL;
	if ((rc = queue_forget(s->tracker_session_id)) != DOM_OK)
		return rc;
	if ((rc = inbox_archive(s->tracker_session_id, clock_now_ms())) != DOM_OK)
		return rc;
	return queue_release_lock(a, s, promoted);
}

/* ---------------------------------------------------- dispatch (§6.1) */

static const char sql_insert[] =
    "INSERT INTO sessions (tracker_session_id, org_id, project_id, public_id,"
    " tracker_provider, issue_id, issue_identifier, issue_title, status,"
    " created_at, updated_at, priority, prompt, prompt_context, work_type,"
    " agent_id, model, sub_agent_model, source_session_id,"
    " workflow_instance_id, source)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'pending', ?9, ?9, ?10, ?11,"
    " ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)";
static const char sql_reopen[] =
    "UPDATE sessions SET status = 'pending', worker_id = NULL,"
    " claimed_at = NULL, error_message = NULL, completed_at = NULL,"
    " stop_requested_at = NULL, priority = ?2,"
    " issue_title = COALESCE(?3, issue_title),"
    " work_type = COALESCE(?4, work_type), prompt = COALESCE(?5, prompt),"
    " prompt_context = COALESCE(?6, prompt_context),"
    " model = COALESCE(?7, model),"
    " sub_agent_model = COALESCE(?8, sub_agent_model), updated_at = ?9"
    " WHERE tracker_session_id = ?1";

/* Code points of a UTF-8 string. */
static size_t
utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

static int64_t
dispatch_priority(const struct session_dispatch_in *in)
{
	double d;

	if (!in->has_priority || in->priority != in->priority)
		return 3;
	d = in->priority;
	/* Floor without libm: within 1-9 truncation is the floor. */
	if (d < 1)
		return 1;
	if (d >= 9)
		return 9;
	return (int64_t)d;
}

enum dom_rc
session_dispatch(struct arena *a, const struct actor *who,
    const struct session_dispatch_in *in, struct session *out,
    enum session_placement *placement, int *created, struct dom_err *err)
{
	char uuid[37], pub[SESSION_PUBLIC_ID_LEN + 1], ident[16];
	const char *tid = in->tracker_id, *issue_id, *issue_ident;
	enum session_status from;
	struct json_object *pl;
	struct sstmt *st;
	int64_t now = clock_now_ms(), prio = dispatch_priority(in);
	int parked = 0;
	enum dom_rc rc;

	*created = 0;
	*placement = SESSION_UNCHANGED;
	err->message = NULL;
	if (tid == NULL) {
		uuid_v4(uuid);
		tid = arena_strdup(a, uuid);
	}
	if (!session_id_valid(tid)) {
		err->message = "invalid tracker session id";
		return DOM_INVALID;
	}
	if (in->org_id == NULL || in->project_id == NULL) {
		err->message = "organization and project are required";
		return DOM_INVALID;
	}
	if (in->issue_title != NULL &&
	    utf8_chars(in->issue_title) > SESSION_TITLE_MAX) {
		err->message = "issueTitle must be at most 500 characters";
		return DOM_INVALID;
	}

	rc = session_get(a, tid, out);
	if (rc == DOM_STORE)
		return rc;
	if (rc == DOM_OK) {
		if (strcmp(out->org_id, in->org_id) != 0) {
			err->message = "session_id_conflict";
			return DOM_CONFLICT;
		}
		if (!session_status_terminal(out->status))
			return DOM_OK;
		/* Reopen a terminal session. */
		from = out->status;
		if ((st = store_stmt(sql_reopen)) == NULL)
			return DOM_STORE;
		ss_bind_text(st, 1, tid);
		ss_bind_int(st, 2, prio);
		ss_bind_text(st, 3, in->issue_title);
		ss_bind_text(st, 4, in->work_type);
		ss_bind_text(st, 5, in->prompt);
		ss_bind_text(st, 6, in->prompt_context);
		ss_bind_text(st, 7, in->model);
		ss_bind_text(st, 8, in->sub_agent_model);
		ss_bind_int(st, 9, now);
		if (ss_exec(st) != STORE_OK)
			return DOM_STORE;
		if (session_get(a, tid, out) != DOM_OK)
			return DOM_STORE;
		if ((rc = queue_place(a, out, prio, now, &parked)) != DOM_OK)
			return rc;
		*placement = parked ? SESSION_PARKED : SESSION_QUEUED;
		if (status_event(a, who, out, from, "reopened", NULL) == -1)
			return DOM_STORE;
		return DOM_OK;
	}

	/* A new session. */
	issue_id = in->issue_id != NULL ? in->issue_id : tid;
	issue_ident = in->issue_identifier;
	if (issue_ident == NULL) {
		size_t n = valid_utf8_cut(issue_id, strlen(issue_id), 8);

		memcpy(ident, issue_id, n);
		ident[n] = '\0';
		issue_ident = arena_strdup(a, ident);
	}
	if (session_public_id(pub, tid) == -1) {
		log_error("session_dispatch: public id salt unavailable");
		return DOM_STORE;
	}
	if ((st = store_stmt(sql_insert)) == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, tid);
	ss_bind_text(st, 2, in->org_id);
	ss_bind_text(st, 3, in->project_id);
	ss_bind_text(st, 4, pub);
	ss_bind_text(st, 5, in->tracker_provider ? in->tracker_provider : "rensei");
	ss_bind_text(st, 6, issue_id);
	ss_bind_text(st, 7, issue_ident);
	ss_bind_text(st, 8, in->issue_title);
	ss_bind_int(st, 9, now);
	ss_bind_int(st, 10, prio);
	ss_bind_text(st, 11, in->prompt);
	ss_bind_text(st, 12, in->prompt_context);
	ss_bind_text(st, 13, in->work_type ? in->work_type : "development");
	ss_bind_text(st, 14, in->agent_id);
	ss_bind_text(st, 15, in->model);
	ss_bind_text(st, 16, in->sub_agent_model);
	ss_bind_text(st, 17, in->source_session_id);
	ss_bind_text(st, 18, in->workflow_instance_id);
	ss_bind_text(st, 19, in->source ? in->source : "console");
	switch (ss_exec(st)) {
	case STORE_OK:
		break;
	case STORE_CONSTRAINT:
		/* publicId collision (2^-64) or a project of nothing. */
		err->message = "session could not be created";
		return DOM_CONFLICT;
	default:
		return DOM_STORE;
	}
	if (session_get(a, tid, out) != DOM_OK)
		return DOM_STORE;
	if ((rc = queue_place(a, out, prio, now, &parked)) != DOM_OK)
		return rc;
	*placement = parked ? SESSION_PARKED : SESSION_QUEUED;
	*created = 1;

	pl = json_object_new_object();
	json_object_object_add(pl, "projectId", json_object_new_string(out->project_id));
	json_object_object_add(pl, "issueIdentifier",
	    dom_jstr(out->issue_identifier));
	json_object_object_add(pl, "workType", dom_jstr(out->work_type));
	json_object_object_add(pl, "priority", json_object_new_int64(prio));
	json_object_object_add(pl, "source", dom_jstr(out->source));
	if (session_event(a, who, out, "session.created", pl) == -1)
		return DOM_STORE;
	return DOM_OK;
}

/* ----------------------------------------------- status report (§6.3) */

/* 1 when the table of §6.3 allows from → to for an active session. */
static int
transition_ok(enum session_status from, enum session_status to)
{
	switch (from) {
	case SESSION_PENDING:
		return to == SESSION_RUNNING;
	case SESSION_CLAIMED:
		return to != SESSION_FINALIZING;
	case SESSION_RUNNING:
		return 1;
	case SESSION_FINALIZING:
		return to != SESSION_RUNNING;
	default:
		return 0;
	}
}

static int64_t
cost_micro(double usd)
{
	double m = usd * 1e6;

	if (m != m)
		return 0;
	if (m > 9.0e15)
		return INT64_C(9000000000000000);
	if (m < -9.0e15)
		return -INT64_C(9000000000000000);
	return (int64_t)(m >= 0 ? m + 0.5 : m - 0.5);
}

/* Makes s terminal with status to (now), runs the terminal effects and
 * appends session.status_changed with reason. */
static enum dom_rc
make_terminal(struct arena *a, const struct actor *who, struct session *s,
    enum session_status to, const char *reason, int64_t now)
{
	enum session_status from = s->status;
	const char *promoted = NULL;
	enum dom_rc rc;

	s->status = to;
	s->updated_at = now;
	s->completed_at = now;
	if ((rc = session_save(s)) != DOM_OK)
		return rc;
	if ((rc = session_terminal_effects(a, s, &promoted)) != DOM_OK)
		return rc;
	if (status_event(a, who, s, from, reason, promoted) == -1)
		return DOM_STORE;
	return DOM_OK;
}

enum dom_rc
session_report_status(struct arena *a, const struct actor *who,
    struct session *s, const struct session_report *r, int *changed,
    struct dom_err *err)
{
	enum session_status from = s->status;
	const char *promoted = NULL;
	int64_t now = clock_now_ms();
	enum dom_rc rc;

	*changed = 0;
	err->message = NULL;
	if (session_status_terminal(from)) {
		if (r->status == from)
			return DOM_OK;
		err->message = arena_printf(a, "Session is already %s",
		    session_status_name(from));
		return DOM_CONFLICT;
	}
	if (!transition_ok(from, r->status)) {
		err->message = arena_printf(a,
		    "Invalid status transition from %s to %s",
		    session_status_name(from), session_status_name(r->status));
		return DOM_CONFLICT;
	}

	s->updated_at = now;
	if (r->provider_session_id != NULL)
		s->provider_session_id = r->provider_session_id;
	if (r->worktree_path != NULL)
		s->worktree_path = r->worktree_path;
	s->status = r->status;
	if (r->status == SESSION_RUNNING) {
		s->worker_id = r->worker_id;
		if (from == SESSION_PENDING) {
			if ((rc = queue_forget(s->tracker_session_id)) != DOM_OK)
				return rc;
			if (s->claimed_at == 0)
				s->claimed_at = now;
			if ((rc = queue_claim_row(s->tracker_session_id,
			    r->worker_id, now)) != DOM_OK)
				return rc;
		}
	}
	if (session_status_terminal(r->status)) {
		if (r->has_cost)
			s->total_cost_micro_usd = cost_micro(r->total_cost_usd);
		if (r->has_input_tokens)
			s->input_tokens = r->input_tokens;
		if (r->has_output_tokens)
			s->output_tokens = r->output_tokens;
		if (r->status == SESSION_FAILED && r->error_message != NULL) {
			size_t n = strlen(r->error_message);

			s->error_message = arena_strndup(a, r->error_message,
			    valid_utf8_cut(r->error_message, n,
			    SESSION_ERROR_MAX));
		}
		s->completed_at = now;
	}
	if ((rc = session_save(s)) != DOM_OK)
		return rc;
	if (session_status_terminal(r->status) &&
	    (rc = session_terminal_effects(a, s, &promoted)) != DOM_OK)
		return rc;
	if (status_event(a, who, s, from, "reported", promoted) == -1)
		return DOM_STORE;
	*changed = 1;
	return DOM_OK;
}

/* ------------------------------------------------------- stop (§6.3) */

enum dom_rc
session_stop(struct arena *a, const struct actor *who, struct session *s,
    const char *user_id, const char *user_name,
    struct session_stop_result *res)
{
	char mut[4 + ULID_LEN + 1];
	struct activity_in act;
	struct json_object *pl;
	struct worker wk;
	int64_t now = clock_now_ms();
	int deliver = 0;
	enum dom_rc rc;

	memset(res, 0, sizeof(*res));
	res->previous = res->now = s->status;
	res->mutation_id = s->stop_mutation_id;
	res->intent_revision = s->stop_intent_revision;
	if (session_status_terminal(s->status))
		return DOM_OK;

	if (session_status_active(s->status) && s->worker_id != NULL &&
	    !(s->stop_requested_at != 0 &&
	    s->stop_requested_at < now - cfg.stop_grace_ms)) {
		rc = worker_get(a, s->worker_id, now, &wk);
		if (rc == DOM_STORE)
			return rc;
		deliver = rc == DOM_OK && !worker_offline(&wk, now);
	}

	/* Record the stop request. */
	ulid_new(mut, "mut_", now);
	s->stop_mutation_id = arena_strdup(a, mut);
	s->stop_intent_revision++;
	res->mutation_id = s->stop_mutation_id;
	res->intent_revision = s->stop_intent_revision;
	res->changed = 1;
	res->delivered = deliver;

	if (deliver) {
		if (s->stop_requested_at == 0)
			s->stop_requested_at = now;
		s->updated_at = now;
		if ((rc = session_save(s)) != DOM_OK)
			return rc;
		if ((rc = inbox_publish(a, s->tracker_session_id, "stop",
		    INBOX_LANE_URGENT, "Stop requested", user_id, user_name,
		    NULL)) != DOM_OK)
			return rc;
	}

	memset(&act, 0, sizeof(act));
	act.type = "progress";
	act.content = "Stop signal received";
	if ((rc = report_activity_append(a, s->tracker_session_id, &act, now,
	    NULL)) != DOM_OK)
		return rc == DOM_NOT_FOUND ? DOM_STORE : rc;

	pl = json_object_new_object();
	json_object_object_add(pl, "mutationId", json_object_new_string(mut));
	json_object_object_add(pl, "intentRevision",
	    json_object_new_int64(s->stop_intent_revision));
	json_object_object_add(pl, "delivered", json_object_new_boolean(deliver));
	if (session_event(a, who, s, "session.stop_requested", pl) == -1)
		return DOM_STORE;

	/* make_terminal saves the stop counters with the status. */
	if (!deliver) {
		if ((rc = make_terminal(a, who, s, SESSION_STOPPED, "stop",
		    now)) != DOM_OK)
			return rc;
	}
	res->now = s->status;
	return DOM_OK;
}

enum dom_rc
session_force_stop(struct arena *a, const struct actor *who,
    struct session *s)
{
	return make_terminal(a, who, s, SESSION_STOPPED, "stop_deadline",
	    clock_now_ms());
}
