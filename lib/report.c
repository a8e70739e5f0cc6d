/*
 * report.c -- tracker-less reporting (02-worker-protocol.md §6.8; see
 * report.h).  The activity ring lives in session_activities, numbered by
 * sessions.activity_seq; the other reports replace a JSON column of the
 * session or insert a row of their own.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "buf.h"
#include "extern.h"
#include "json.h"
#include "log.h"
#include "report.h"
#include "session.h"
#include "settings.h"
#include "store.h"
#include "valid.h"

/* ------------------------------------------------------------------ SQL */

static const char sql_seq_next[] =
    "UPDATE sessions SET activity_seq = activity_seq + 1"
    " WHERE tracker_session_id = ?1 RETURNING activity_seq";
static const char sql_activity_insert[] =
    "INSERT INTO session_activities (session_id, seq, created_at, activity)"
    " VALUES (?1, ?2, ?3, ?4)";
static const char sql_activity_trim[] =
    "DELETE FROM session_activities WHERE session_id = ?1 AND seq <= ?2";
static const char sql_tool_stats[] =
    "UPDATE sessions SET last_tool_name = ?2, last_tool_called_at = ?3,"
    " tool_call_count = tool_call_count + 1, updated_at = ?3"
    " WHERE tracker_session_id = ?1";
static const char sql_provider[] =
    "UPDATE sessions SET provider = ?2, updated_at = ?3"
    " WHERE tracker_session_id = ?1";
static const char sql_progress[] =
    "UPDATE sessions SET progress = ?2 WHERE tracker_session_id = ?1";
static const char sql_completion[] =
    "UPDATE sessions SET completion = ?2, updated_at = ?3"
    " WHERE tracker_session_id = ?1";
static const char sql_external_urls[] =
    "UPDATE sessions SET external_urls = ?2, updated_at = ?3"
    " WHERE tracker_session_id = ?1";
/* next_n is the number the next report gets. */
static const char sql_err_counter[] =
    "INSERT INTO tool_error_counters (org_id, next_n) VALUES (?1, 2)"
    " ON CONFLICT (org_id) DO UPDATE SET next_n = next_n + 1"
    " RETURNING next_n - 1";
static const char sql_tool_error_insert[] =
    "INSERT INTO tool_errors (id, org_id, session_id, identifier, tool_name,"
    " detail, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
static const char sql_scan_insert[] =
    "INSERT INTO security_scans (session_id, scanner, total_findings, scan,"
    " created_at) VALUES (?1, ?2, ?3, ?4, ?5)";
static const char sql_activity_list[] =
    "SELECT seq, created_at, activity FROM session_activities"
    " WHERE session_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3";
static const char sql_activity_count[] =
    "SELECT count(*), max(seq), (SELECT created_at FROM session_activities"
    " WHERE session_id = ?1 ORDER BY seq DESC LIMIT 1)"
    " FROM session_activities WHERE session_id = ?1 AND seq > ?2";
static const char sql_completion_get[] =
    "SELECT completion FROM sessions WHERE tracker_session_id = ?1";

/* ------------------------------------------------------------- helpers */

static enum dom_rc
exec_rc(struct sstmt *st)
{
	return ss_exec(st) == STORE_OK ? DOM_OK : DOM_STORE;
}

/* JSON text of what w wrote into b, copied into the arena. */
static const char *
buf_take(struct arena *a, struct buf *b)
{
	const char *s = arena_strndup(a, b->data ? b->data : "", b->len);

	buf_free(b);
	return s;
}

static void
kstr_opt(struct jw *w, const char *key, const char *s)
{
	if (s != NULL)
		jw_kstr(w, key, s);
}

/* The stored entry: type, content, the tool and context fields given,
 * the server timestamp and the client's. */
static const char *
activity_json(struct arena *a, const struct activity_in *act, int64_t now)
{
	struct buf b;
	struct jw w;

	buf_init(&b);
	jw_init(&w, &b);
	jw_obj_open(&w);
	jw_kstr(&w, "type", act->type);
	jw_kstr(&w, "content", act->content);
	kstr_opt(&w, "toolName", act->tool_name);
	if (act->tool_input != NULL) {
		jw_key(&w, "toolInput");
		jw_value(&w, act->tool_input);
	}
	kstr_opt(&w, "toolCategory", act->tool_category);
	kstr_opt(&w, "toolOutput", act->tool_output);
	kstr_opt(&w, "toolUseId", act->tool_use_id);
	if (act->has_is_error)
		jw_kbool(&w, "isError", act->is_error);
	if (act->has_duration) {
		jw_key(&w, "durationMs");
		jw_double(&w, act->duration_ms);
	}
	kstr_opt(&w, "contextKey", act->context_key);
	kstr_opt(&w, "contextValue", act->context_value);
	kstr_opt(&w, "providerName", act->provider_name);
	kstr_opt(&w, "milestone", act->milestone);
	jw_kint(&w, "timestamp", now);
	kstr_opt(&w, "clientTimestamp", act->client_timestamp);
	jw_obj_close(&w);
	return buf_take(a, &b);
}

/* ------------------------------------------------------- activity ring */

enum dom_rc
report_activity_append(struct arena *a, const char *session_id,
    const struct activity_in *act, int64_t now, int64_t *seqp)
{
	struct sstmt *st;
	int64_t seq, ring = cfg.activity_ring > 0 ? cfg.activity_ring : 200;
	int rc;

	if (act->type == NULL || *act->type == '\0' || act->content == NULL ||
	    strlen(act->type) > REPORT_ACTIVITY_TYPE_MAX)
		return DOM_INVALID;
	if ((st = store_stmt(sql_seq_next)) == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, session_id);
	rc = ss_step(st);
	seq = rc == STORE_ROW ? ss_int(st, 0) : 0;
	ss_reset(st);
	if (rc == STORE_DONE)
		return DOM_NOT_FOUND;
	if (rc != STORE_ROW)
		return DOM_STORE;

	if ((st = store_stmt(sql_activity_insert)) == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, session_id);
	ss_bind_int(st, 2, seq);
	ss_bind_int(st, 3, now);
	ss_bind_text(st, 4, activity_json(a, act, now));
	if (exec_rc(st) != DOM_OK)
		return DOM_STORE;

	/* Ids are contiguous, so the ring is every id above seq - ring. */
	if (seq > ring) {
		if ((st = store_stmt(sql_activity_trim)) == NULL)
			return DOM_STORE;
		ss_bind_text(st, 1, session_id);
		ss_bind_int(st, 2, seq - ring);
		if (exec_rc(st) != DOM_OK)
			return DOM_STORE;
	}

	if (strcmp(act->type, "action") == 0 && act->tool_name != NULL &&
	    *act->tool_name != '\0') {
		if ((st = store_stmt(sql_tool_stats)) == NULL)
			return DOM_STORE;
		ss_bind_text(st, 1, session_id);
		ss_bind_text(st, 2, act->tool_name);
		ss_bind_int(st, 3, now);
		if (exec_rc(st) != DOM_OK)
			return DOM_STORE;
	}
	if (act->provider_name != NULL && *act->provider_name != '\0') {
		if ((st = store_stmt(sql_provider)) == NULL)
			return DOM_STORE;
		ss_bind_text(st, 1, session_id);
		ss_bind_text(st, 2, act->provider_name);
		ss_bind_int(st, 3, now);
		if (exec_rc(st) != DOM_OK)
			return DOM_STORE;
	}
	if (seqp != NULL)
		*seqp = seq;
	return DOM_OK;
}

/* ------------------------------------------------------------ progress */

enum dom_rc
report_progress(struct arena *a, const char *session_id, const char *message,
    const char *milestone, int64_t now, int64_t *seq)
{
	struct activity_in act;
	struct sstmt *st;
	struct buf b;
	struct jw w;
	enum dom_rc rc;

	memset(&act, 0, sizeof(act));
	act.type = "progress";
	act.content = message;
	act.milestone = milestone;
	if ((rc = report_activity_append(a, session_id, &act, now, seq)) !=
	    DOM_OK)
		return rc;
	buf_init(&b);
	jw_init(&w, &b);
	jw_obj_open(&w);
	jw_kstr(&w, "message", message);
	jw_kstr(&w, "milestone", milestone);
	jw_kint(&w, "at", now);
	jw_obj_close(&w);
	if ((st = store_stmt(sql_progress)) == NULL) {
		buf_free(&b);
		return DOM_STORE;
	}
	ss_bind_text(st, 1, session_id);
	ss_bind_text(st, 2, buf_take(a, &b));
	return exec_rc(st);
}

/* ---------------------------------------------------------- completion */

static const char *
plan_state(const char *s)
{
	static const char *const states[] = { "pending", "inProgress",
	    "completed", "canceled", NULL };

	for (int i = 0; s != NULL && states[i] != NULL; i++)
		if (strcmp(s, states[i]) == 0)
			return states[i];
	return "pending";
}

enum dom_rc
report_completion(struct arena *a, const struct actor *who,
    const struct session *s, const char *summary,
    const struct plan_item *items, size_t nitems, int64_t now)
{
	struct activity_in act;
	struct json_object *pl;
	struct sstmt *st;
	struct buf b;
	struct jw w;
	int64_t kept = 0;
	enum dom_rc rc;

	if (summary == NULL || *summary == '\0')
		return DOM_INVALID;
	buf_init(&b);
	jw_init(&w, &b);
	jw_obj_open(&w);
	jw_kstr(&w, "summary", summary);
	jw_key(&w, "planItems");
	jw_arr_open(&w);
	for (size_t i = 0; i < nitems; i++) {
		if (items[i].title == NULL)
			continue;
		jw_obj_open(&w);
		jw_kstr(&w, "title", items[i].title);
		jw_kstr(&w, "state", plan_state(items[i].state));
		jw_obj_close(&w);
		kept++;
	}
	jw_arr_close(&w);
	jw_kint(&w, "postedAt", now);
	jw_obj_close(&w);
	if ((st = store_stmt(sql_completion)) == NULL) {
		buf_free(&b);
		return DOM_STORE;
	}
	ss_bind_text(st, 1, s->tracker_session_id);
	ss_bind_text(st, 2, buf_take(a, &b));
	ss_bind_int(st, 3, now);
	if (exec_rc(st) != DOM_OK)
		return DOM_STORE;

	memset(&act, 0, sizeof(act));
	act.type = "response";
	act.content = summary;
	if ((rc = report_activity_append(a, s->tracker_session_id, &act, now,
	    NULL)) != DOM_OK)
		return rc;

	pl = json_object_new_object();
	json_object_object_add(pl, "summaryBytes",
	    json_object_new_int64((int64_t)strlen(summary)));
	json_object_object_add(pl, "planItemCount", json_object_new_int64(kept));
	if (session_event(a, who, s, "session.completion_posted", pl) == -1)
		return DOM_STORE;
	return DOM_OK;
}

/* ------------------------------------------------------- external URLs */

enum dom_rc
report_external_urls(struct arena *a, const struct actor *who,
    const struct session *s, const struct external_url *urls, size_t n,
    int64_t now)
{
	struct json_object *pl;
	struct sstmt *st;
	struct buf b;
	struct jw w;

	buf_init(&b);
	jw_init(&w, &b);
	jw_arr_open(&w);
	for (size_t i = 0; i < n; i++) {
		jw_obj_open(&w);
		jw_kstr(&w, "label", urls[i].label);
		jw_kstr(&w, "url", urls[i].url);
		jw_obj_close(&w);
	}
	jw_arr_close(&w);
	if ((st = store_stmt(sql_external_urls)) == NULL) {
		buf_free(&b);
		return DOM_STORE;
	}
	ss_bind_text(st, 1, s->tracker_session_id);
	ss_bind_text(st, 2, buf_take(a, &b));
	ss_bind_int(st, 3, now);
	if (exec_rc(st) != DOM_OK)
		return DOM_STORE;
	pl = json_object_new_object();
	json_object_object_add(pl, "urlCount", json_object_new_int64((int64_t)n));
	if (session_event(a, who, s, "session.external_urls_updated", pl) == -1)
		return DOM_STORE;
	return DOM_OK;
}

/* ---------------------------------------------------------- tool error */

enum dom_rc
report_tool_error(struct arena *a, const struct actor *who,
    const struct session *s, const struct tool_error_in *in, int64_t now,
    const char **idp, const char **identp)
{
	struct json_object *pl;
	struct sstmt *st;
	struct buf b;
	struct jw w;
	const char *id, *ident;
	int64_t n;
	int rc;

	if (in->tool_name == NULL || in->error_message == NULL)
		return DOM_INVALID;
	if ((st = store_stmt(sql_err_counter)) == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, s->org_id);
	rc = ss_step(st);
	n = rc == STORE_ROW ? ss_int(st, 0) : 0;
	ss_reset(st);
	if (rc != STORE_ROW)
		return DOM_STORE;
	id = dom_new_id(a, "terr_");
	ident = arena_printf(a, "ERR-%lld", (long long)n);

	/* The row of §6.8: {id, sessionId, workerId, toolName, errorMessage,
	 * context, createdAt}; what has no column of its own is in detail. */
	buf_init(&b);
	jw_init(&w, &b);
	jw_obj_open(&w);
	jw_kstr(&w, "workerId", in->worker_id);
	jw_kstr(&w, "toolName", in->tool_name);
	jw_kstr(&w, "errorMessage", in->error_message);
	jw_key(&w, "context");
	if (in->issue_identifier == NULL && in->additional_context == NULL)
		jw_null(&w);
	else {
		jw_obj_open(&w);
		kstr_opt(&w, "issueIdentifier", in->issue_identifier);
		kstr_opt(&w, "additionalContext", in->additional_context);
		jw_obj_close(&w);
	}
	jw_obj_close(&w);
	if ((st = store_stmt(sql_tool_error_insert)) == NULL) {
		buf_free(&b);
		return DOM_STORE;
	}
	ss_bind_text(st, 1, id);
	ss_bind_text(st, 2, s->org_id);
	ss_bind_text(st, 3, s->tracker_session_id);
	ss_bind_text(st, 4, ident);
	ss_bind_text(st, 5, in->tool_name);
	ss_bind_text(st, 6, buf_take(a, &b));
	ss_bind_int(st, 7, now);
	if (exec_rc(st) != DOM_OK)
		return DOM_STORE;

	pl = json_object_new_object();
	json_object_object_add(pl, "toolErrorId", json_object_new_string(id));
	json_object_object_add(pl, "identifier", json_object_new_string(ident));
	json_object_object_add(pl, "toolName",
	    json_object_new_string(in->tool_name));
	if (session_event(a, who, s, "session.tool_error_reported", pl) == -1)
		return DOM_STORE;
	*idp = id;
	*identp = ident;
	return DOM_OK;
}

/* ------------------------------------------------------- security scan */

/* A JSON number without fractional part (Number.isInteger), >= 0. */
static int
nonneg_integer(struct json_object *v)
{
	double d;

	if (json_object_get_type(v) == json_type_int)
		return json_object_get_int64(v) >= 0;
	if (json_object_get_type(v) != json_type_double)
		return 0;
	d = json_object_get_double(v);
	return isfinite(d) && d == floor(d) && d >= 0;
}

static int
nonneg_number(struct json_object *v)
{
	enum json_type t = json_object_get_type(v);

	if (t == json_type_int)
		return json_object_get_int64(v) >= 0;
	return t == json_type_double && json_object_get_double(v) >= 0;
}

/* A non-empty string, and how long it is. */
static int
nonempty_string(struct json_object *v, size_t *len)
{
	if (json_object_get_type(v) != json_type_string ||
	    json_object_get_string_len(v) == 0)
		return 0;
	*len = (size_t)json_object_get_string_len(v);
	return 1;
}

/* Integer value of a checked non-negative integer, clamped like every
 * floored number (02 §2). */
static int64_t
clamped_int(struct json_object *v)
{
	double d;

	if (json_object_get_type(v) == json_type_int) {
		int64_t i = json_object_get_int64(v);

		return i > VALID_FLOOR_MAX ? VALID_FLOOR_MAX : i;
	}
	d = json_object_get_double(v);
	return d > (double)VALID_FLOOR_MAX ? VALID_FLOOR_MAX :
	    (int64_t)d;
}

const char *
report_security_scan_check(struct arena *a, struct json_object *ev)
{
	static const char *const sev[] = { "critical", "high", "medium",
	    "low" };
	struct json_object *v, *counts;
	size_t len = 0;

	(void)a;
	if (ev == NULL || json_object_get_type(ev) != json_type_object)
		return "event must be an object";
	if (!json_object_object_get_ex(ev, "type", &v) ||
	    json_object_get_type(v) != json_type_string ||
	    strcmp(json_object_get_string(v), "agent.security-scan") != 0)
		return "type must be \"agent.security-scan\"";
	if (!json_object_object_get_ex(ev, "scanner", &v) ||
	    !nonempty_string(v, &len))
		return "scanner must be a non-empty string";
	if (len > VALID_IDENT_MAX)
		return "event.scanner is too long";
	if (!json_object_object_get_ex(ev, "severityCounts", &counts) ||
	    json_object_get_type(counts) != json_type_object)
		return "severityCounts must be an object";
	for (size_t i = 0; i < sizeof(sev) / sizeof(sev[0]); i++)
		if (!json_object_object_get_ex(counts, sev[i], &v) ||
		    !nonneg_integer(v))
			return arena_printf(a,
			    "severityCounts.%s must be a non-negative integer",
			    sev[i]);
	if (!json_object_object_get_ex(ev, "totalFindings", &v) ||
	    !nonneg_integer(v))
		return "totalFindings must be a non-negative integer";
	if (!json_object_object_get_ex(ev, "target", &v) ||
	    !nonempty_string(v, &len))
		return "target must be a non-empty string";
	if (len > VALID_IDENT_MAX)
		return "event.target is too long";
	if (!json_object_object_get_ex(ev, "scanDurationMs", &v) ||
	    !nonneg_number(v))
		return "scanDurationMs must be a non-negative number";
	if (!json_object_object_get_ex(ev, "timestamp", &v) ||
	    !nonempty_string(v, &len))
		return "timestamp must be a non-empty string";
	if (len > VALID_IDENT_MAX)
		return "event.timestamp is too long";
	return NULL;
}

enum dom_rc
report_security_scan(struct arena *a, const struct actor *who,
    const struct session *s, struct json_object *ev, int64_t now,
    struct dom_err *err)
{
	struct json_object *pl, *v;
	struct sstmt *st;
	struct buf b;
	struct jw w;
	const char *detail, *scanner;
	int64_t total;

	err->message = NULL;
	if ((detail = report_security_scan_check(a, ev)) != NULL) {
		err->message = arena_printf(a, "Invalid event: %s", detail);
		return DOM_INVALID;
	}
	json_object_object_get_ex(ev, "scanner", &v);
	scanner = json_object_get_string(v);
	json_object_object_get_ex(ev, "totalFindings", &v);
	total = clamped_int(v);
	buf_init(&b);
	jw_init(&w, &b);
	jw_value(&w, ev);
	if ((st = store_stmt(sql_scan_insert)) == NULL) {
		buf_free(&b);
		return DOM_STORE;
	}
	ss_bind_text(st, 1, s->tracker_session_id);
	ss_bind_text(st, 2, scanner);
	ss_bind_int(st, 3, total);
	ss_bind_text(st, 4, buf_take(a, &b));
	ss_bind_int(st, 5, now);
	if (exec_rc(st) != DOM_OK)
		return DOM_STORE;
	pl = json_object_new_object();
	json_object_object_add(pl, "scanner", json_object_new_string(scanner));
	json_object_object_add(pl, "totalFindings", json_object_new_int64(total));
	if (session_event(a, who, s, "session.security_scan_stored", pl) == -1)
		return DOM_STORE;
	return DOM_OK;
}

/* ------------------------------------------------------------- readers */

static const char *
member(struct arena *a, struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    json_object_get_type(v) != json_type_string)
		return NULL;
	return arena_strndup(a, json_object_get_string(v),
	    (size_t)json_object_get_string_len(v));
}

enum dom_rc
report_activity_list(struct arena *a, const char *session_id, int64_t after,
    int64_t limit, int (*fn)(const struct activity *, void *), void *arg)
{
	struct sstmt *st;
	struct activity act;
	struct json_object *o;
	int rc;

	if ((st = store_stmt(sql_activity_list)) == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, session_id);
	ss_bind_int(st, 2, after);
	ss_bind_int(st, 3, limit > 0 ? limit : -1);
	while ((rc = ss_step(st)) == STORE_ROW) {
		memset(&act, 0, sizeof(act));
		act.seq = ss_int(st, 0);
		act.created_at = ss_int(st, 1);
		act.json = arena_strdup(a, ss_text(st, 2));
		o = NULL;
		if (json_parse_strict(act.json, strlen(act.json), JSON_MAX_DEPTH,
		    &o) != JSON_OK || json_object_get_type(o) !=
		    json_type_object) {
			log_error("report_activity_list: %s/%lld unreadable",
			    session_id, (long long)act.seq);
			json_object_put(o);
			continue;
		}
		act.type = member(a, o, "type");
		act.content = member(a, o, "content");
		act.tool_name = member(a, o, "toolName");
		act.context_key = member(a, o, "contextKey");
		act.context_value = member(a, o, "contextValue");
		act.milestone = member(a, o, "milestone");
		act.provider_name = member(a, o, "providerName");
		json_object_put(o);
		if (act.type == NULL)
			act.type = "";
		if (act.content == NULL)
			act.content = "";
		if (fn(&act, arg) != 0)
			break;
	}
	ss_reset(st);
	return rc == STORE_ROW || rc == STORE_DONE ? DOM_OK : DOM_STORE;
}

enum dom_rc
report_activity_count(const char *session_id, int64_t after, int64_t *count,
    int64_t *last_seq, int64_t *last_at)
{
	struct sstmt *st;
	int rc;

	if ((st = store_stmt(sql_activity_count)) == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, session_id);
	ss_bind_int(st, 2, after);
	rc = ss_step(st);
	if (rc == STORE_ROW) {
		if (count != NULL)
			*count = ss_int(st, 0);
		if (last_seq != NULL)
			*last_seq = dom_col_int(st, 1);
		if (last_at != NULL)
			*last_at = dom_col_int(st, 2);
	}
	ss_reset(st);
	return rc == STORE_ROW ? DOM_OK : DOM_STORE;
}

enum dom_rc
report_completion_summary(struct arena *a, const char *session_id,
    const char **summary)
{
	struct sstmt *st;
	struct json_object *o = NULL;
	const char *text = NULL;
	int rc;

	*summary = NULL;
	if ((st = store_stmt(sql_completion_get)) == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, session_id);
	rc = ss_step(st);
	if (rc == STORE_ROW)
		text = dom_col_text(a, st, 0);
	ss_reset(st);
	if (rc == STORE_DONE)
		return DOM_NOT_FOUND;
	if (rc != STORE_ROW)
		return DOM_STORE;
	if (text != NULL && json_parse_strict(text, strlen(text),
	    JSON_MAX_DEPTH, &o) == JSON_OK) {
		*summary = member(a, o, "summary");
		json_object_put(o);
	}
	return DOM_OK;
}
