/* t/unit/report.c -- tracker-less reporting (lib/report.c) against a real
 * migrated store: the activity ring, progress, completion, external URLs,
 * tool errors, security scans and the activity reader
 * (02-worker-protocol.md §6.8, 03-public.md §3.6; 09-audit.md §4). */
#include "config.h"

#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "arena.h"
#include "audit.h"
#include "buf.h"
#include "clock.h"
#include "crypto.h"
#include "json.h"
#include "log.h"
#include "report.h"
#include "secrets.h"
#include "session.h"
#include "settings.h"
#include "store.h"

#include "fixture.h"
#include "tenancy.h"

#define T0 INT64_C(1777649400123)   /* 2026-05-01T15:30:00.123Z */
#define SID "5b1f2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"

static struct arena A;
static struct dom_err E;
static int64_t now_ms;
static const struct actor W = { "worker", "wkr_4c11755c5b404039" };

static struct org O, O2;
static struct project P, P2;
static struct session S, S2;    /* one session in each org */

/* A session row as dispatch leaves it; only what reports touch matters. */
static const char sql_session_insert[] =
    "INSERT INTO sessions (tracker_session_id, org_id, project_id, public_id,"
    " issue_id, status, created_at, updated_at, worker_id)"
    " VALUES (?1, ?2, ?3, ?4, ?1, 'running', ?5, ?5, ?6)";
static const char sql_session_row[] =
    "SELECT activity_seq, last_tool_name, last_tool_called_at,"
    " tool_call_count, provider, completion, external_urls, progress,"
    " updated_at FROM sessions WHERE tracker_session_id = ?1";
static const char sql_ring[] =
    "SELECT group_concat(seq, ',') FROM (SELECT seq FROM session_activities"
    " WHERE session_id = ?1 ORDER BY seq)";
static const char sql_activity_text[] =
    "SELECT activity FROM session_activities WHERE session_id = ?1"
    " AND seq = ?2";
static const char sql_event_count[] =
    "SELECT count(*) FROM audit_events WHERE org_id = ?1"
    " AND (?2 IS NULL OR event_type = ?2)";
static const char sql_event_last[] =
    "SELECT payload, entity_id, session_id, actor_id FROM audit_events"
    " WHERE org_id = ?1 AND event_type = ?2 ORDER BY seq DESC LIMIT 1";
static const char sql_tool_error_row[] =
    "SELECT org_id, session_id, identifier, tool_name, detail, created_at"
    " FROM tool_errors WHERE id = ?1";
static const char sql_scan_row[] =
    "SELECT session_id, scanner, total_findings, scan FROM security_scans"
    " ORDER BY id DESC LIMIT 1";

/* ------------------------------------------------------------ fixture */


static int
group_setup(void **state)
{
	(void)state;
	fixture_store_up("report");
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	fixture_store_down();
	return 0;
}

static void
session_insert(struct session *s, const struct org *o, const struct project *p,
    const char *id, const char *public_id)
{
	struct sstmt *st = store_stmt(sql_session_insert);

	assert_non_null(st);
	ss_bind_text(st, 1, id);
	ss_bind_text(st, 2, o->id);
	ss_bind_text(st, 3, p->id);
	ss_bind_text(st, 4, public_id);
	ss_bind_int(st, 5, now_ms);
	ss_bind_text(st, 6, W.id);
	assert_int_equal(ss_exec(st), STORE_OK);
	memset(s, 0, sizeof(*s));
	s->tracker_session_id = id;
	s->org_id = o->id;
	s->project_id = p->id;
	s->public_id = public_id;
	s->issue_id = id;
	s->status = SESSION_RUNNING;
	s->worker_id = W.id;
	s->created_at = s->updated_at = now_ms;
}

/* Each test runs in its own write transaction, rolled back afterwards. */
static int
setup(void **state)
{
	(void)state;
	arena_init(&A);
	memset(&E, 0, sizeof(E));
	now_ms = T0;
	clock_set_fixed(now_ms);
	cfg.activity_ring = 200;
	assert_int_equal(store_begin_write(), STORE_OK);
	assert_int_equal(org_create(&A, &actor_cli, "Acme", NULL, NULL, NULL, 0,
	    &O, &P, &E), DOM_OK);
	assert_int_equal(org_create(&A, &actor_cli, "Other", NULL, NULL, NULL, 0,
	    &O2, &P2, &E), DOM_OK);
	session_insert(&S, &O, &P, SID, "0123456789abcdef");
	session_insert(&S2, &O2, &P2, "other-session", "fedcba9876543210");
	return 0;
}

static int
chain_valid(const char *org_id, const struct audit_verify_result *r, void *arg)
{
	(void)arg;
	if (!r->valid)
		fail_msg("chain of %s broken at %lld (%s)", org_id,
		    (long long)r->broken_at, audit_break_name(r->reason));
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	assert_int_equal(audit_verify_all(chain_valid, NULL), 0);
	store_rollback();
	arena_free(&A);
	return 0;
}

static void
tick(int64_t ms)
{
	now_ms += ms;
	clock_set_fixed(now_ms);
}

/* ------------------------------------------------------------ helpers */

struct row {
	int64_t     activity_seq, last_tool_called_at, tool_call_count;
	int64_t     updated_at;
	const char *last_tool_name, *provider, *completion, *external_urls;
	const char *progress;
};

static struct row
session_row(const char *id)
{
	struct sstmt *st = store_stmt(sql_session_row);
	struct row r;

	assert_non_null(st);
	ss_bind_text(st, 1, id);
	assert_int_equal(ss_step(st), STORE_ROW);
	r.activity_seq = ss_int(st, 0);
	r.last_tool_name = ss_is_null(st, 1) ? NULL : arena_strdup(&A, ss_text(st, 1));
	r.last_tool_called_at = ss_is_null(st, 2) ? 0 : ss_int(st, 2);
	r.tool_call_count = ss_int(st, 3);
	r.provider = ss_is_null(st, 4) ? NULL : arena_strdup(&A, ss_text(st, 4));
	r.completion = ss_is_null(st, 5) ? NULL : arena_strdup(&A, ss_text(st, 5));
	r.external_urls = ss_is_null(st, 6) ? NULL :
	    arena_strdup(&A, ss_text(st, 6));
	r.progress = ss_is_null(st, 7) ? NULL : arena_strdup(&A, ss_text(st, 7));
	r.updated_at = ss_int(st, 8);
	ss_reset(st);
	return r;
}

static const char *
ring(const char *id)
{
	struct sstmt *st = store_stmt(sql_ring);
	const char *v = "";

	assert_non_null(st);
	ss_bind_text(st, 1, id);
	assert_int_equal(ss_step(st), STORE_ROW);
	if (!ss_is_null(st, 0))
		v = arena_strdup(&A, ss_text(st, 0));
	ss_reset(st);
	return v;
}

static const char *
activity_text(const char *id, int64_t seq)
{
	struct sstmt *st = store_stmt(sql_activity_text);
	const char *v;

	assert_non_null(st);
	ss_bind_text(st, 1, id);
	ss_bind_int(st, 2, seq);
	assert_int_equal(ss_step(st), STORE_ROW);
	v = arena_strdup(&A, ss_text(st, 0));
	ss_reset(st);
	return v;
}

static int64_t
events(const char *org, const char *type)
{
	struct sstmt *st = store_stmt(sql_event_count);
	int64_t n;

	assert_non_null(st);
	ss_bind_text(st, 1, org);
	ss_bind_text(st, 2, type);
	assert_int_equal(ss_step(st), STORE_ROW);
	n = ss_int(st, 0);
	ss_reset(st);
	return n;
}

/* The JCS payload text of the latest event of a type in org O; checks
 * that it is about session S and acted by W. */
static const char *
last_event(const char *type)
{
	struct sstmt *st = store_stmt(sql_event_last);
	const char *v;

	assert_non_null(st);
	ss_bind_text(st, 1, O.id);
	ss_bind_text(st, 2, type);
	assert_int_equal(ss_step(st), STORE_ROW);
	v = arena_strdup(&A, ss_text(st, 0));
	assert_string_equal(ss_text(st, 1), SID);
	assert_string_equal(ss_text(st, 2), SID);
	assert_string_equal(ss_text(st, 3), W.id);
	ss_reset(st);
	return v;
}

static void
append(const char *type, const char *content, const char *tool,
    int64_t want_seq)
{
	struct activity_in act;
	int64_t seq = -1;

	memset(&act, 0, sizeof(act));
	act.type = type;
	act.content = content;
	act.tool_name = tool;
	assert_int_equal(report_activity_append(&A, SID, &act, now_ms, &seq),
	    DOM_OK);
	assert_int_equal(seq, want_seq);
}

/* A scan event that passes every check of §6.8. */
static struct json_object *
scan_event(void)
{
	static const char text[] =
	    "{\"type\":\"agent.security-scan\",\"scanner\":\"semgrep\","
	    "\"severityCounts\":{\"critical\":0,\"high\":2,\"medium\":1,"
	    "\"low\":0},\"totalFindings\":3,\"target\":\"/w/SUP-1\","
	    "\"scanDurationMs\":1234.5,\"timestamp\":\"2026-05-01T18:00:00Z\","
	    "\"findings\":[{\"rule\":\"x\"}]}";
	struct json_object *o = NULL;

	assert_int_equal(json_parse_strict(text, strlen(text), 32, &o), JSON_OK);
	return o;
}

static void
set_member(struct json_object *o, const char *path, const char *json)
{
	struct json_object *v = NULL, *obj = o;
	const char *dot = strchr(path, '.');
	char key[64];

	if (dot != NULL) {
		snprintf(key, sizeof(key), "%.*s", (int)(dot - path), path);
		assert_true(json_object_object_get_ex(o, key, &obj));
		path = dot + 1;
	}
	if (json == NULL) {
		json_object_object_del(obj, path);
		return;
	}
	assert_int_equal(json_parse_strict(json, strlen(json), 32, &v), JSON_OK);
	json_object_object_add(obj, path, v);
}

/* ------------------------------------------------------- activity ring */

static void
activity_ids_start_at_one_and_increase(void **state)
{
	(void)state;
	append("thought", "a", NULL, 1);
	append("thought", "b", NULL, 2);
	append("response", "c", NULL, 3);
	assert_string_equal(ring(SID), "1,2,3");
	assert_int_equal(session_row(SID).activity_seq, 3);
}

static void
activity_ring_drops_oldest_entries_and_never_reuses_ids(void **state)
{
	(void)state;
	cfg.activity_ring = 3;
	for (int64_t i = 1; i <= 5; i++)
		append("thought", "x", NULL, i);
	assert_string_equal(ring(SID), "3,4,5");
	append("thought", "y", NULL, 6);
	assert_string_equal(ring(SID), "4,5,6");
}

static void
activity_ids_are_per_session(void **state)
{
	struct activity_in act;
	int64_t seq = 0;

	(void)state;
	append("thought", "a", NULL, 1);
	memset(&act, 0, sizeof(act));
	act.type = "thought";
	act.content = "b";
	assert_int_equal(report_activity_append(&A, S2.tracker_session_id,
	    &act, now_ms, &seq), DOM_OK);
	assert_int_equal(seq, 1);
	append("thought", "c", NULL, 2);
}

static void
activity_stores_x11_entry_with_server_and_client_time(void **state)
{
	static const char input[] = "{\"command\":\"ls -la\"}";
	struct activity_in act;
	struct json_object *ti = NULL;
	char want[512];

	(void)state;
	assert_int_equal(json_parse_strict(input, strlen(input), 32, &ti),
	    JSON_OK);
	memset(&act, 0, sizeof(act));
	act.type = "action";
	act.content = "Bash: ls -la";
	act.tool_name = "Bash";
	act.tool_input = ti;
	act.tool_use_id = "toolu_01";
	act.provider_name = "claude";
	act.client_timestamp = "2026-05-01T18:01:00.123456789Z";
	assert_int_equal(report_activity_append(&A, SID, &act, now_ms, NULL),
	    DOM_OK);
	json_object_put(ti);
	snprintf(want, sizeof(want), "{\"type\":\"action\",\"content\":"
	    "\"Bash: ls -la\",\"toolName\":\"Bash\",\"toolInput\":{\"command\":"
	    "\"ls -la\"},\"toolUseId\":\"toolu_01\",\"providerName\":\"claude\","
	    "\"timestamp\":%lld,\"clientTimestamp\":"
	    "\"2026-05-01T18:01:00.123456789Z\"}", (long long)now_ms);
	assert_string_equal(activity_text(SID, 1), want);
}

static void
activity_keeps_optional_tool_fields(void **state)
{
	struct activity_in act;

	(void)state;
	memset(&act, 0, sizeof(act));
	act.type = "action";
	act.content = "c";
	act.tool_category = "shell";
	act.tool_output = "out";
	act.has_is_error = 1;
	act.is_error = 1;
	act.has_duration = 1;
	act.duration_ms = 12.5;
	act.context_key = "k";
	act.context_value = "v";
	assert_int_equal(report_activity_append(&A, SID, &act, now_ms, NULL),
	    DOM_OK);
	assert_non_null(strstr(activity_text(SID, 1),
	    "\"toolCategory\":\"shell\",\"toolOutput\":\"out\",\"isError\":true,"
	    "\"durationMs\":12.5,\"contextKey\":\"k\",\"contextValue\":\"v\""));
}

static void
activity_action_with_tool_name_counts_the_tool_call(void **state)
{
	struct row r;

	(void)state;
	append("action", "Bash: ls", "Bash", 1);
	tick(1000);
	append("action", "Read: x", "Read", 2);
	r = session_row(SID);
	assert_string_equal(r.last_tool_name, "Read");
	assert_int_equal(r.last_tool_called_at, now_ms);
	assert_int_equal(r.tool_call_count, 2);
	assert_int_equal(r.updated_at, now_ms);
}

static void
activity_without_action_or_tool_leaves_tool_stats(void **state)
{
	struct row r;

	(void)state;
	append("thought", "thinking", "Bash", 1);
	append("action", "no tool", NULL, 2);
	r = session_row(SID);
	assert_null(r.last_tool_name);
	assert_int_equal(r.tool_call_count, 0);
	assert_int_equal(r.updated_at, T0);
}

static void
activity_provider_name_sets_the_session_provider(void **state)
{
	struct activity_in act;

	(void)state;
	memset(&act, 0, sizeof(act));
	act.type = "thought";
	act.content = "x";
	act.provider_name = "";
	assert_int_equal(report_activity_append(&A, SID, &act, now_ms, NULL),
	    DOM_OK);
	assert_null(session_row(SID).provider);
	act.provider_name = "codex";
	assert_int_equal(report_activity_append(&A, SID, &act, now_ms, NULL),
	    DOM_OK);
	assert_string_equal(session_row(SID).provider, "codex");
}

static void
activity_appends_no_audit_event(void **state)
{
	int64_t before = events(O.id, NULL);

	(void)state;
	append("action", "x", "Bash", 1);
	assert_int_equal(report_progress(&A, SID, "m", "tests", now_ms, NULL),
	    DOM_OK);
	assert_int_equal(events(O.id, NULL), before);
}

static void
activity_of_unknown_session_is_not_found(void **state)
{
	struct activity_in act;

	(void)state;
	memset(&act, 0, sizeof(act));
	act.type = "thought";
	act.content = "x";
	assert_int_equal(report_activity_append(&A, "nope", &act, now_ms, NULL),
	    DOM_NOT_FOUND);
	act.type = "a-type-longer-than-thirty-two-bytes";
	assert_int_equal(report_activity_append(&A, SID, &act, now_ms, NULL),
	    DOM_INVALID);
	assert_string_equal(ring(SID), "");
}

/* ------------------------------------------------------------ progress */

static void
progress_is_a_progress_entry_with_milestone(void **state)
{
	int64_t seq = 0;
	char want[256];
	struct row r;

	(void)state;
	assert_int_equal(report_progress(&A, SID, "Running tests", "tests",
	    now_ms, &seq), DOM_OK);
	assert_int_equal(seq, 1);
	snprintf(want, sizeof(want), "{\"type\":\"progress\",\"content\":"
	    "\"Running tests\",\"milestone\":\"tests\",\"timestamp\":%lld}",
	    (long long)now_ms);
	assert_string_equal(activity_text(SID, 1), want);
	r = session_row(SID);
	snprintf(want, sizeof(want), "{\"message\":\"Running tests\","
	    "\"milestone\":\"tests\",\"at\":%lld}", (long long)now_ms);
	assert_string_equal(r.progress, want);
	assert_int_equal(report_progress(&A, SID, "No milestone", NULL, now_ms,
	    &seq), DOM_OK);
	assert_null(strstr(activity_text(SID, 2), "\"milestone\""));
}

/* ---------------------------------------------------------- completion */

static void
completion_stores_summary_and_plan_and_a_response_entry(void **state)
{
	const struct plan_item items[] = {
		{ "Write code", "completed" }, { "Test", "inProgress" },
		{ "Odd", "weird" }, { "No state", NULL },
	};
	char want[512];

	(void)state;
	tick(500);
	assert_int_equal(report_completion(&A, &W, &S, "Implemented X; tests pass.",
	    items, 4, now_ms), DOM_OK);
	snprintf(want, sizeof(want), "{\"summary\":\"Implemented X; tests pass.\","
	    "\"planItems\":[{\"title\":\"Write code\",\"state\":\"completed\"},"
	    "{\"title\":\"Test\",\"state\":\"inProgress\"},{\"title\":\"Odd\","
	    "\"state\":\"pending\"},{\"title\":\"No state\",\"state\":"
	    "\"pending\"}],\"postedAt\":%lld}", (long long)now_ms);
	assert_string_equal(session_row(SID).completion, want);
	assert_int_equal(session_row(SID).updated_at, now_ms);
	assert_non_null(strstr(activity_text(SID, 1),
	    "{\"type\":\"response\",\"content\":\"Implemented X; tests pass.\""));
}

static void
completion_appends_completion_posted_with_sizes(void **state)
{
	const struct plan_item items[] = { { "A", "completed" },
	    { NULL, "pending" }, { "B", NULL } };

	(void)state;
	assert_int_equal(report_completion(&A, &W, &S, "héllo", items, 3,
	    now_ms), DOM_OK);
	/* Bytes, not characters; untitled items were dropped. */
	assert_string_equal(last_event("session.completion_posted"),
	    "{\"planItemCount\":2,\"summaryBytes\":6}");
	assert_int_equal(events(O.id, "session.completion_posted"), 1);
}

static void
completion_summary_reads_back(void **state)
{
	const char *summary = "x";

	(void)state;
	assert_int_equal(report_completion_summary(&A, SID, &summary), DOM_OK);
	assert_null(summary);
	assert_int_equal(report_completion(&A, &W, &S, "Done.", NULL, 0,
	    now_ms), DOM_OK);
	assert_int_equal(report_completion_summary(&A, SID, &summary), DOM_OK);
	assert_string_equal(summary, "Done.");
	assert_int_equal(report_completion_summary(&A, "nope", &summary),
	    DOM_NOT_FOUND);
}

/* ------------------------------------------------------- external URLs */

static void
external_urls_replace_the_list(void **state)
{
	const struct external_url one[] = {
		{ "PR", "https://github.com/acme/app/pull/1" },
		{ "Preview", "http://preview.example/app" },
	};
	const struct external_url two[] = { { "Docs", "https://docs.example" } };

	(void)state;
	assert_int_equal(report_external_urls(&A, &W, &S, one, 2, now_ms),
	    DOM_OK);
	assert_string_equal(session_row(SID).external_urls,
	    "[{\"label\":\"PR\",\"url\":\"https://github.com/acme/app/pull/1\"},"
	    "{\"label\":\"Preview\",\"url\":\"http://preview.example/app\"}]");
	assert_string_equal(last_event("session.external_urls_updated"),
	    "{\"urlCount\":2}");
	assert_int_equal(report_external_urls(&A, &W, &S, two, 1, now_ms),
	    DOM_OK);
	assert_string_equal(session_row(SID).external_urls,
	    "[{\"label\":\"Docs\",\"url\":\"https://docs.example\"}]");
	assert_int_equal(report_external_urls(&A, &W, &S, NULL, 0, now_ms),
	    DOM_OK);
	assert_string_equal(session_row(SID).external_urls, "[]");
	assert_string_equal(last_event("session.external_urls_updated"),
	    "{\"urlCount\":0}");
}

/* ---------------------------------------------------------- tool error */

static void
tool_error_numbers_identifiers_per_org(void **state)
{
	struct tool_error_in in = { W.id, "Bash", "exit 1", NULL, NULL };
	const char *id, *ident;

	(void)state;
	assert_int_equal(report_tool_error(&A, &W, &S, &in, now_ms, &id,
	    &ident), DOM_OK);
	assert_string_equal(ident, "ERR-1");
	assert_int_equal(strncmp(id, "terr_", 5), 0);
	assert_int_equal(strlen(id), 5 + 26);
	assert_int_equal(report_tool_error(&A, &W, &S, &in, now_ms, &id,
	    &ident), DOM_OK);
	assert_string_equal(ident, "ERR-2");
	/* Another org counts from 1. */
	assert_int_equal(report_tool_error(&A, &W, &S2, &in, now_ms, &id,
	    &ident), DOM_OK);
	assert_string_equal(ident, "ERR-1");
	assert_int_equal(report_tool_error(&A, &W, &S, &in, now_ms, &id,
	    &ident), DOM_OK);
	assert_string_equal(ident, "ERR-3");
}

static void
tool_error_stores_row_and_appends_event(void **state)
{
	struct tool_error_in in = { W.id, "Edit", "no such file",
	    "SUP-123", "while editing" };
	struct sstmt *st;
	const char *id, *ident;
	char want[256];

	(void)state;
	assert_int_equal(report_tool_error(&A, &W, &S, &in, now_ms, &id,
	    &ident), DOM_OK);
	st = store_stmt(sql_tool_error_row);
	assert_non_null(st);
	ss_bind_text(st, 1, id);
	assert_int_equal(ss_step(st), STORE_ROW);
	assert_string_equal(ss_text(st, 0), O.id);
	assert_string_equal(ss_text(st, 1), SID);
	assert_string_equal(ss_text(st, 2), "ERR-1");
	assert_string_equal(ss_text(st, 3), "Edit");
	assert_string_equal(ss_text(st, 4), "{\"workerId\":\"wkr_4c11755c5b404039\","
	    "\"toolName\":\"Edit\",\"errorMessage\":\"no such file\",\"context\":"
	    "{\"issueIdentifier\":\"SUP-123\",\"additionalContext\":"
	    "\"while editing\"}}");
	assert_int_equal(ss_int(st, 5), now_ms);
	ss_reset(st);
	snprintf(want, sizeof(want), "{\"identifier\":\"ERR-1\",\"toolErrorId\":"
	    "\"%s\",\"toolName\":\"Edit\"}", id);
	assert_string_equal(last_event("session.tool_error_reported"), want);
}

/* ------------------------------------------------------- security scan */

static void
security_scan_check_accepts_a_complete_event(void **state)
{
	struct json_object *ev = scan_event();

	(void)state;
	assert_null(report_security_scan_check(&A, ev));
	/* Integers may be written with a zero fraction; durations are any
	 * non-negative number. */
	set_member(ev, "totalFindings", "3.0");
	set_member(ev, "scanDurationMs", "0");
	assert_null(report_security_scan_check(&A, ev));
	json_object_put(ev);
}

/* Each broken member gives its own detail; earlier members win. */
static void
security_scan_check_reports_the_first_failure_in_order(void **state)
{
	static const struct {
		const char *path, *json, *detail;
	} cases[] = {
		{ "type", "\"agent.other\"", "type must be \"agent.security-scan\"" },
		{ "type", NULL, "type must be \"agent.security-scan\"" },
		{ "scanner", "\"\"", "scanner must be a non-empty string" },
		{ "scanner", "7", "scanner must be a non-empty string" },
		{ "severityCounts", "[]", "severityCounts must be an object" },
		{ "severityCounts.critical", "-1",
		  "severityCounts.critical must be a non-negative integer" },
		{ "severityCounts.high", "1.5",
		  "severityCounts.high must be a non-negative integer" },
		{ "severityCounts.medium", "\"1\"",
		  "severityCounts.medium must be a non-negative integer" },
		{ "severityCounts.low", NULL,
		  "severityCounts.low must be a non-negative integer" },
		{ "totalFindings", "null",
		  "totalFindings must be a non-negative integer" },
		{ "target", "\"\"", "target must be a non-empty string" },
		{ "scanDurationMs", "-0.5",
		  "scanDurationMs must be a non-negative number" },
		{ "timestamp", "1", "timestamp must be a non-empty string" },
	};
	struct json_object *ev;
	const char *d;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ev = scan_event();
		set_member(ev, cases[i].path, cases[i].json);
		/* A later broken member never hides this one. */
		if (strcmp(cases[i].path, "timestamp") != 0)
			set_member(ev, "timestamp", "\"\"");
		d = report_security_scan_check(&A, ev);
		if (d == NULL || strcmp(d, cases[i].detail) != 0)
			fail_msg("%s=%s: got %s", cases[i].path,
			    cases[i].json ? cases[i].json : "(absent)",
			    d ? d : "(accepted)");
		json_object_put(ev);
	}
	assert_string_equal(report_security_scan_check(&A, NULL),
	    "event must be an object");
	ev = json_object_new_array();
	assert_string_equal(report_security_scan_check(&A, ev),
	    "event must be an object");
	json_object_put(ev);
}

static void
security_scan_stores_event_and_appends_event(void **state)
{
	struct json_object *ev = scan_event();
	struct sstmt *st;

	(void)state;
	assert_int_equal(report_security_scan(&A, &W, &S, ev, now_ms, &E),
	    DOM_OK);
	st = store_stmt(sql_scan_row);
	assert_non_null(st);
	assert_int_equal(ss_step(st), STORE_ROW);
	assert_string_equal(ss_text(st, 0), SID);
	assert_string_equal(ss_text(st, 1), "semgrep");
	assert_int_equal(ss_int(st, 2), 3);
	assert_string_equal(ss_text(st, 3),
	    "{\"type\":\"agent.security-scan\",\"scanner\":\"semgrep\","
	    "\"severityCounts\":{\"critical\":0,\"high\":2,\"medium\":1,"
	    "\"low\":0},\"totalFindings\":3,\"target\":\"/w/SUP-1\","
	    "\"scanDurationMs\":1234.5,\"timestamp\":\"2026-05-01T18:00:00Z\","
	    "\"findings\":[{\"rule\":\"x\"}]}");
	ss_reset(st);
	assert_string_equal(last_event("session.security_scan_stored"),
	    "{\"scanner\":\"semgrep\",\"totalFindings\":3}");
	json_object_put(ev);
}

static void
security_scan_refuses_invalid_event_with_its_message(void **state)
{
	struct json_object *ev = scan_event();

	(void)state;
	set_member(ev, "severityCounts.high", "-2");
	assert_int_equal(report_security_scan(&A, &W, &S, ev, now_ms, &E),
	    DOM_INVALID);
	assert_string_equal(E.message,
	    "Invalid event: severityCounts.high must be a non-negative integer");
	assert_int_equal(events(O.id, "session.security_scan_stored"), 0);
	json_object_put(ev);
}

static void
security_scan_clamps_huge_totals(void **state)
{
	struct json_object *ev = scan_event();

	(void)state;
	set_member(ev, "totalFindings", "1e300");
	assert_int_equal(report_security_scan(&A, &W, &S, ev, now_ms, &E),
	    DOM_OK);
	assert_string_equal(last_event("session.security_scan_stored"),
	    "{\"scanner\":\"semgrep\",\"totalFindings\":2147483647}");
	json_object_put(ev);
}

/* ------------------------------------------------------------- readers */

static int
collect(const struct activity *act, void *arg)
{
	struct buf *b = arg;

	buf_printf(b, "%lld:%s:%s:%s;", (long long)act->seq, act->type,
	    act->content, act->tool_name ? act->tool_name : "-");
	return 0;
}

static void
activity_list_reads_after_cursor_in_order(void **state)
{
	struct buf b;

	(void)state;
	append("thought", "one", NULL, 1);
	append("action", "two", "Bash", 2);
	append("response", "three", NULL, 3);
	buf_init(&b);
	assert_int_equal(report_activity_list(&A, SID, 0, 0, collect, &b),
	    DOM_OK);
	assert_string_equal(b.data, "1:thought:one:-;2:action:two:Bash;"
	    "3:response:three:-;");
	buf_reset(&b);
	assert_int_equal(report_activity_list(&A, SID, 1, 1, collect, &b),
	    DOM_OK);
	assert_string_equal(b.data, "2:action:two:Bash;");
	buf_reset(&b);
	assert_int_equal(report_activity_list(&A, SID, 3, 0, collect, &b),
	    DOM_OK);
	assert_int_equal(b.len, 0);
	buf_free(&b);
}

static void
activity_count_reports_count_and_newest(void **state)
{
	int64_t count = -1, last = -1, at = -1;

	(void)state;
	assert_int_equal(report_activity_count(SID, 0, &count, &last, &at),
	    DOM_OK);
	assert_int_equal(count, 0);
	assert_int_equal(last, 0);
	assert_int_equal(at, 0);
	append("thought", "one", NULL, 1);
	tick(250);
	append("thought", "two", NULL, 2);
	assert_int_equal(report_activity_count(SID, 1, &count, &last, &at),
	    DOM_OK);
	assert_int_equal(count, 1);
	assert_int_equal(last, 2);
	assert_int_equal(at, now_ms);
	assert_int_equal(report_activity_count(SID, 0, &count, NULL, NULL),
	    DOM_OK);
	assert_int_equal(count, 2);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(activity_ids_start_at_one_and_increase),
		T(activity_ring_drops_oldest_entries_and_never_reuses_ids),
		T(activity_ids_are_per_session),
		T(activity_stores_x11_entry_with_server_and_client_time),
		T(activity_keeps_optional_tool_fields),
		T(activity_action_with_tool_name_counts_the_tool_call),
		T(activity_without_action_or_tool_leaves_tool_stats),
		T(activity_provider_name_sets_the_session_provider),
		T(activity_appends_no_audit_event),
		T(activity_of_unknown_session_is_not_found),
		T(progress_is_a_progress_entry_with_milestone),
		T(completion_stores_summary_and_plan_and_a_response_entry),
		T(completion_appends_completion_posted_with_sizes),
		T(completion_summary_reads_back),
		T(external_urls_replace_the_list),
		T(tool_error_numbers_identifiers_per_org),
		T(tool_error_stores_row_and_appends_event),
		T(security_scan_check_accepts_a_complete_event),
		T(security_scan_check_reports_the_first_failure_in_order),
		T(security_scan_stores_event_and_appends_event),
		T(security_scan_refuses_invalid_event_with_its_message),
		T(security_scan_clamps_huge_totals),
		T(activity_list_reads_after_cursor_in_order),
		T(activity_count_reports_count_and_newest),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
