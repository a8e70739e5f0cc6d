/* t/unit/session.c -- agent sessions (lib/session.c) against a real
 * migrated store: ids and renderings (02-worker-protocol.md §4, 01-auth.md
 * §12), dispatch (§6.1), the status-report state machine (§6.3), stop
 * (§6.3) and their audit events (09-audit.md §4.1, §4.4). */
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
#include "auth.h"
#include "buf.h"
#include "clock.h"
#include "crypto.h"
#include "json.h"
#include "log.h"
#include "queue.h"
#include "secrets.h"
#include "session.h"
#include "settings.h"
#include "store.h"

#include "fixture.h"
#include "tenancy.h"

#define T0 INT64_C(1777658341700)   /* 2026-05-01T17:59:01.700Z */
#define ORG "org_acme"
#define PROJ "proj_alpha"
#define S_ID "5b1f2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
#define I_ID "a2c4e6f8-1b3d-4f5a-9c7e-2d4f6a8b0c1e"
#define WKR "wkr_4c11755c5b404039"
#define WKR2 "wkr_9d2e0b7a61c84f35"

static struct arena A;
static const struct actor who_worker = { "worker", WKR };

/* ------------------------------------------------------------ fixture */

static const char *
last_payload(const char *type)
{
	return fx_text("SELECT payload FROM audit_events WHERE event_type = ?1"
	    " ORDER BY occurred_at DESC, seq DESC LIMIT 1", type);
}

static int
group_setup(void **state)
{
	(void)state;
	/* The test secrets of 01-auth.md §12. */
	setenv("RENSEI_SESSION_HASH_SECRET",
	    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", 1);
	setenv("SESSION_HASH_SALT",
	    "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f", 1);
	fixture_store_up("session");
	arena_init(&A);
	assert_int_equal(store_begin_write(), STORE_OK);
	fx_sql("INSERT INTO orgs (id, name, slug, created_at) VALUES"
	    " ('org_acme', 'Acme', 'acme', 1), ('org_other', 'Other', 'other', 1)");
	fx_sql("INSERT INTO projects (id, org_id, name, slug, created_at, updated_at)"
	    " VALUES ('proj_alpha', 'org_acme', 'Alpha', 'smoke-alpha', 1, 1),"
	    " ('proj_beta', 'org_acme', 'Beta', 'beta', 1, 1),"
	    " ('proj_other', 'org_other', 'Other', 'other', 1, 1)");
	assert_int_equal(audit_key_create(ORG, 1, 1, NULL), 0);
	assert_int_equal(audit_key_create("org_other", 1, 1, NULL), 0);
	assert_int_equal(store_commit(), STORE_OK);
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	arena_free(&A);
	fixture_store_down();
	return 0;
}

/* Each test starts from empty session tables inside a write transaction
 * (rolled back at the end), with an alive worker WKR. */
static int
setup(void **state)
{
	(void)state;
	clock_set_fixed(T0);
	assert_int_equal(store_begin_write(), STORE_OK);
	fx_sql("DELETE FROM sessions; DELETE FROM work_queue; DELETE FROM work_claims;"
	    " DELETE FROM parked_work; DELETE FROM issue_locks;"
	    " DELETE FROM inbox_messages; DELETE FROM workers;"
	    " DELETE FROM session_activities");
	fx_sql("INSERT INTO workers (id, org_id, registered_via, hostname, capacity,"
	    " registered_at, last_heartbeat) VALUES ('" WKR "', 'org_acme',"
	    " 'rtk_x', 'test-host', 4, 1777658300000, 1777658300000)");
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	store_rollback();
	clock_set_fixed(0);
	arena_reset(&A);
	return 0;
}

static void
dispatch_in(struct session_dispatch_in *in, const char *tid, const char *issue)
{
	memset(in, 0, sizeof(*in));
	in->org_id = ORG;
	in->project_id = PROJ;
	in->tracker_id = tid;
	in->issue_id = issue;
	in->source = "console";
}

static struct session
mk(const char *tid, const char *issue)
{
	struct session_dispatch_in in;
	struct session s;
	struct dom_err err;
	enum session_placement pl;
	int created;

	dispatch_in(&in, tid, issue);
	assert_int_equal(session_dispatch(&A, &actor_cli, &in, &s, &pl,
	    &created, &err), DOM_OK);
	return s;
}

/* Puts a session in a status directly (owner WKR when active). */
static struct session
with_status(const char *tid, const char *status)
{
	struct sstmt *st = store_stmt("UPDATE sessions SET status = ?2,"
	    " worker_id = CASE WHEN ?2 = 'pending' THEN NULL ELSE ?3 END,"
	    " claimed_at = CASE WHEN ?2 = 'pending' THEN NULL ELSE ?4 END"
	    " WHERE tracker_session_id = ?1");
	struct session s;

	ss_bind_text(st, 1, tid);
	ss_bind_text(st, 2, status);
	ss_bind_text(st, 3, WKR);
	ss_bind_int(st, 4, T0);
	assert_int_equal(ss_exec(st), STORE_OK);
	if (strcmp(status, "pending") != 0)
		assert_int_equal(queue_forget(tid), DOM_OK);
	assert_int_equal(session_get(&A, tid, &s), DOM_OK);
	return s;
}

static const char *
render(const struct session *s, int kind)
{
	struct buf b;
	struct jw w;
	const char *out;

	buf_init(&b);
	jw_init(&w, &b);
	if (kind == 0)
		session_render_state(&w, s, 1);
	else if (kind == 1)
		session_render_response(&w, s);
	else
		session_render_item(&w, s, s->priority, s->queued_at);
	out = arena_strdup(&A, b.data);
	buf_free(&b);
	return out;
}

/* ------------------------------------------------------------- tests */

static void
test_public_id_and_hash_vectors(void **state)
{
	char pub[SESSION_PUBLIC_ID_LEN + 1], h[SESSION_HASH_LEN + 1];

	(void)state;
	assert_int_equal(session_public_id(pub, S_ID), 0);
	assert_string_equal(pub, "8994bbb3a9d14d97");
	assert_int_equal(session_hash(h, S_ID), 0);
	assert_string_equal(h, "98620f1d920655abbad79b8e6cccad18");
}

static void
test_tracker_id_form(void **state)
{
	char big[130];

	(void)state;
	assert_true(session_id_valid(S_ID));
	assert_true(session_id_valid("a.b_c:d-E9"));
	assert_false(session_id_valid(""));
	assert_false(session_id_valid("a/b"));
	assert_false(session_id_valid("a b"));
	memset(big, 'a', 129);
	big[129] = '\0';
	assert_false(session_id_valid(big));
	big[128] = '\0';
	assert_true(session_id_valid(big));
}

static void
test_status_names_round_trip(void **state)
{
	(void)state;
	for (int i = 0; i < SESSION_STATUS__COUNT; i++)
		assert_int_equal(session_status_parse(
		    session_status_name((enum session_status)i)), i);
	assert_int_equal(session_status_parse("queued"), -1);
	assert_true(session_status_terminal(SESSION_STOPPED));
	assert_false(session_status_terminal(SESSION_FINALIZING));
	assert_true(session_status_active(SESSION_CLAIMED));
	assert_false(session_status_active(SESSION_PENDING));
}

static void
test_dispatch_inserts_pending_queued_with_event(void **state)
{
	struct session s;

	(void)state;
	s = mk(S_ID, I_ID);
	assert_int_equal(s.status, SESSION_PENDING);
	assert_string_equal(s.public_id, "8994bbb3a9d14d97");
	assert_string_equal(s.issue_identifier, "a2c4e6f8");   /* 8 chars */
	assert_int_equal(s.priority, 3);
	assert_string_equal(s.work_type, "development");
	assert_string_equal(s.tracker_provider, "rensei");
	assert_string_equal(s.worktree_path, "");
	assert_null(s.provider_session_id);
	assert_int_equal(s.queued_at, T0);
	assert_int_equal(fx_count("SELECT count(*) FROM work_queue WHERE"
	    " session_id = ?1", S_ID), 1);
	assert_int_equal(fx_count("SELECT count(*) FROM issue_locks WHERE"
	    " session_id = ?1", S_ID), 1);
	assert_int_equal(fx_events("session.created"), 1);
	assert_string_equal(last_payload("session.created"),
	    "{\"issueIdentifier\":\"a2c4e6f8\",\"priority\":3,"
	    "\"projectId\":\"proj_alpha\",\"source\":\"console\","
	    "\"workType\":\"development\"}");
	assert_string_equal(fx_text("SELECT session_id FROM audit_events WHERE"
	    " event_type = 'session.created'", NULL), S_ID);
}

static void
test_dispatch_mints_uuid_when_no_tracker_id(void **state)
{
	struct session s;

	(void)state;
	s = mk(NULL, NULL);
	assert_int_equal(strlen(s.tracker_session_id), 36);
	assert_int_equal(s.tracker_session_id[14], '4');
	assert_string_equal(s.issue_id, s.tracker_session_id);
}

static void
test_dispatch_priority_clamped_and_floored(void **state)
{
	struct session_dispatch_in in;
	struct session s;
	struct dom_err err;
	enum session_placement pl;
	int created;
	static const struct { double in; int64_t out; } v[] = {
		{ 0, 1 }, { -5, 1 }, { 2.9, 2 }, { 9.5, 9 }, { 1e300, 9 }, { 5, 5 }
	};

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		char tid[16];

		snprintf(tid, sizeof(tid), "prio-%zu", i);
		dispatch_in(&in, tid, tid);
		in.has_priority = 1;
		in.priority = v[i].in;
		assert_int_equal(session_dispatch(&A, &actor_cli, &in, &s, &pl,
		    &created, &err), DOM_OK);
		assert_int_equal(s.priority, v[i].out);
		assert_int_equal(fx_count("SELECT priority FROM work_queue WHERE"
		    " session_id = ?1", tid), v[i].out);
	}
}

static void
test_dispatch_existing_active_unchanged_no_event(void **state)
{
	struct session_dispatch_in in;
	struct session s;
	struct dom_err err;
	enum session_placement pl;
	int created;

	(void)state;
	mk(S_ID, I_ID);
	with_status(S_ID, "running");
	dispatch_in(&in, S_ID, "other-issue");
	in.prompt = "changed";
	assert_int_equal(session_dispatch(&A, &actor_cli, &in, &s, &pl,
	    &created, &err), DOM_OK);
	assert_int_equal(pl, SESSION_UNCHANGED);
	assert_int_equal(created, 0);
	assert_int_equal(s.status, SESSION_RUNNING);
	assert_string_equal(s.issue_id, I_ID);
	assert_null(s.prompt);
	assert_int_equal(fx_events("session.created"), 1);
	assert_int_equal(fx_events("session.status_changed"), 0);
}

static void
test_dispatch_other_org_conflicts(void **state)
{
	struct session_dispatch_in in;
	struct session s;
	struct dom_err err;
	enum session_placement pl;
	int created;

	(void)state;
	mk(S_ID, I_ID);
	dispatch_in(&in, S_ID, I_ID);
	in.org_id = "org_other";
	in.project_id = "proj_other";
	assert_int_equal(session_dispatch(&A, &actor_cli, &in, &s, &pl,
	    &created, &err), DOM_CONFLICT);
	assert_string_equal(err.message, "session_id_conflict");
}

static void
test_dispatch_reopens_terminal(void **state)
{
	struct session_dispatch_in in;
	struct session s;
	struct dom_err err;
	enum session_placement pl;
	int created;

	(void)state;
	mk(S_ID, I_ID);
	fx_sql("UPDATE sessions SET status = 'failed', worker_id = '" WKR "',"
	    " claimed_at = 5, error_message = 'boom', completed_at = 6,"
	    " provider_session_id = 'prov-1', total_cost_micro_usd = 420000,"
	    " stop_intent_revision = 2");
	assert_int_equal(queue_forget(S_ID), DOM_OK);
	clock_set_fixed(T0 + 1000);
	dispatch_in(&in, S_ID, I_ID);
	in.has_priority = 1;
	in.priority = 1;
	in.prompt = "again";
	assert_int_equal(session_dispatch(&A, &actor_cli, &in, &s, &pl,
	    &created, &err), DOM_OK);
	assert_int_equal(created, 0);
	assert_int_equal(pl, SESSION_QUEUED);
	assert_int_equal(s.status, SESSION_PENDING);
	assert_null(s.worker_id);
	assert_int_equal(s.claimed_at, 0);
	assert_null(s.error_message);
	assert_int_equal(s.completed_at, 0);
	assert_string_equal(s.provider_session_id, "prov-1");
	assert_int_equal(s.total_cost_micro_usd, 420000);
	assert_int_equal(s.stop_intent_revision, 2);
	assert_int_equal(s.priority, 1);
	assert_string_equal(s.prompt, "again");
	assert_int_equal(s.queued_at, T0 + 1000);
	assert_int_equal(fx_count("SELECT count(*) FROM work_queue WHERE"
	    " session_id = ?1", S_ID), 1);
	assert_string_equal(last_payload("session.status_changed"),
	    "{\"from\":\"failed\",\"promotedSessionId\":null,"
	    "\"reason\":\"reopened\",\"to\":\"pending\"}");
}

static void
test_dispatch_parks_second_session_of_issue(void **state)
{
	struct session_dispatch_in in;
	struct session s;
	struct dom_err err;
	enum session_placement pl;
	int created;

	(void)state;
	mk("first", "ISSUE");
	dispatch_in(&in, "second", "ISSUE");
	assert_int_equal(session_dispatch(&A, &actor_cli, &in, &s, &pl,
	    &created, &err), DOM_OK);
	assert_int_equal(pl, SESSION_PARKED);
	assert_int_equal(fx_count("SELECT count(*) FROM parked_work WHERE"
	    " session_id = 'second'", NULL), 1);
	assert_int_equal(fx_count("SELECT count(*) FROM work_queue WHERE"
	    " session_id = 'second'", NULL), 0);
}

static void
test_terminal_report_promotes_parked(void **state)
{
	struct session_report r;
	struct session s;
	struct dom_err err;
	int changed;

	(void)state;
	mk("first", "ISSUE");
	mk("second", "ISSUE");
	mk("third", "ISSUE");
	fx_sql("UPDATE sessions SET priority = 2 WHERE tracker_session_id = 'third'");
	s = with_status("first", "running");
	memset(&r, 0, sizeof(r));
	r.worker_id = WKR;
	r.status = SESSION_COMPLETED;
	clock_set_fixed(T0 + 5000);
	assert_int_equal(session_report_status(&A, &who_worker, &s, &r,
	    &changed, &err), DOM_OK);
	/* third: lower priority number wins over older parkedAt. */
	assert_string_equal(fx_text("SELECT session_id FROM issue_locks", NULL),
	    "third");
	assert_int_equal(fx_count("SELECT queued_at FROM work_queue WHERE"
	    " session_id = 'third'", NULL), T0 + 5000);
	assert_int_equal(fx_count("SELECT count(*) FROM parked_work", NULL), 1);
	assert_string_equal(last_payload("session.status_changed"),
	    "{\"from\":\"running\",\"promotedSessionId\":\"third\","
	    "\"reason\":\"reported\",\"to\":\"completed\"}");
}

/* X9 with this implementation's times: byte-exact AgentSessionState. */
static void
test_render_state_x9(void **state)
{
	struct session_dispatch_in in;
	struct session_report r;
	struct session s;
	struct dom_err err;
	enum session_placement pl;
	int created, changed;

	(void)state;
	dispatch_in(&in, S_ID, I_ID);
	in.tracker_provider = "linear";
	in.issue_identifier = "SUP-123";
	in.has_priority = 1;
	in.priority = 2;
	in.prompt = "Add retry banner";
	assert_int_equal(session_dispatch(&A, &actor_cli, &in, &s, &pl,
	    &created, &err), DOM_OK);
	assert_string_equal(render(&s, 2),
	    "{\"sessionId\":\"" S_ID "\",\"issueId\":\"" I_ID "\","
	    "\"issueIdentifier\":\"SUP-123\",\"priority\":2,"
	    "\"queuedAt\":1777658341700,\"prompt\":\"Add retry banner\","
	    "\"workType\":\"development\",\"projectName\":\"smoke-alpha\","
	    "\"organizationId\":\"org_acme\"}");
	fx_sql("UPDATE sessions SET status = 'claimed', worker_id = '" WKR "',"
	    " claimed_at = 1777658405000, updated_at = 1777658405000");
	assert_int_equal(session_get(&A, S_ID, &s), DOM_OK);
	memset(&r, 0, sizeof(r));
	r.worker_id = WKR;
	r.status = SESSION_RUNNING;
	clock_set_fixed(1777658431000);
	assert_int_equal(session_report_status(&A, &who_worker, &s, &r,
	    &changed, &err), DOM_OK);
	assert_string_equal(render(&s, 0),
	    "{\"trackerSessionId\":\"" S_ID "\",\"trackerProvider\":\"linear\","
	    "\"linearSessionId\":\"" S_ID "\",\"issueId\":\"" I_ID "\","
	    "\"issueIdentifier\":\"SUP-123\",\"providerSessionId\":null,"
	    "\"worktreePath\":\"\",\"status\":\"running\","
	    "\"createdAt\":1777658341700,\"updatedAt\":1777658431000,"
	    "\"workerId\":\"" WKR "\",\"queuedAt\":1777658341700,"
	    "\"claimedAt\":1777658405000,\"priority\":2,"
	    "\"organizationId\":\"org_acme\",\"workType\":\"development\","
	    "\"projectName\":\"smoke-alpha\",\"projectId\":\"proj_alpha\","
	    "\"publicId\":\"8994bbb3a9d14d97\","
	    "\"sessionHash\":\"98620f1d920655abbad79b8e6cccad18\"}");
	/* Stored as rendered. */
	assert_int_equal(session_get(&A, S_ID, &s), DOM_OK);
	assert_int_equal(s.updated_at, 1777658431000);
}

static void
test_render_state_terminal_members(void **state)
{
	struct session_report r;
	struct session s;
	struct dom_err err;
	int changed;
	const char *out;

	(void)state;
	mk(S_ID, I_ID);
	s = with_status(S_ID, "running");
	memset(&r, 0, sizeof(r));
	r.worker_id = WKR;
	r.status = SESSION_COMPLETED;
	r.provider_session_id = "c0ffee00-1111-4222-8333-444455556666";
	r.worktree_path = "/w/SUP-123";
	r.has_cost = 1;
	r.total_cost_usd = 0.42;
	r.has_input_tokens = r.has_output_tokens = 1;
	r.input_tokens = 1200;
	r.output_tokens = 340;
	clock_set_fixed(1777659000000);
	assert_int_equal(session_report_status(&A, &who_worker, &s, &r,
	    &changed, &err), DOM_OK);
	assert_int_equal(session_get(&A, S_ID, &s), DOM_OK);
	out = render(&s, 0);
	assert_non_null(strstr(out, "\"providerSessionId\":\"c0ffee00-1111-"
	    "4222-8333-444455556666\",\"worktreePath\":\"/w/SUP-123\","
	    "\"status\":\"completed\""));
	assert_non_null(strstr(out, "\"totalCostUsd\":0.42,\"inputTokens\":1200,"
	    "\"outputTokens\":340,"));
	assert_non_null(strstr(out, ",\"completedAt\":1777659000000}"));
	assert_int_equal(s.total_cost_micro_usd, 420000);
}

static void
test_render_response_iso_and_identifier(void **state)
{
	struct session s;

	(void)state;
	s = mk(S_ID, I_ID);
	fx_sql("UPDATE sessions SET issue_identifier = NULL");
	assert_int_equal(session_get(&A, S_ID, &s), DOM_OK);
	assert_string_equal(render(&s, 1),
	    "{\"id\":\"" S_ID "\",\"trackerSessionId\":\"" S_ID "\","
	    "\"linearSessionId\":\"" S_ID "\",\"issueId\":\"" I_ID "\","
	    "\"identifier\":\"a2c4e6f8\",\"status\":\"pending\","
	    "\"createdAt\":\"2026-05-01T17:59:01.700Z\","
	    "\"updatedAt\":\"2026-05-01T17:59:01.700Z\",\"worktreePath\":\"\","
	    "\"queuedAt\":\"2026-05-01T17:59:01.700Z\","
	    "\"publicId\":\"8994bbb3a9d14d97\","
	    "\"sessionHash\":\"98620f1d920655abbad79b8e6cccad18\"}");
}

/* The whole §6.3 table: every current status against every request. */
static void
test_status_machine_table(void **state)
{
	static const char *const from[] = { "pending", "claimed", "running",
		"finalizing", "completed", "failed", "stopped" };
	/* 1 ok, 0 invalid transition, 2 terminal no-op, 3 already X */
	static const int expect[7][5] = {
		/* running finalizing completed failed stopped */
		{ 1, 0, 0, 0, 0 },      /* pending */
		{ 1, 0, 1, 1, 1 },      /* claimed */
		{ 1, 1, 1, 1, 1 },      /* running */
		{ 0, 1, 1, 1, 1 },      /* finalizing */
		{ 3, 3, 2, 3, 3 },      /* completed */
		{ 3, 3, 3, 2, 3 },      /* failed */
		{ 3, 3, 3, 3, 2 },      /* stopped */
	};

	(void)state;
	for (int f = 0; f < 7; f++)
		for (int t = 0; t < 5; t++) {
			struct session_report r;
			struct session s;
			struct dom_err err;
			enum session_status to = (enum session_status)(t + 2);
			int changed;
			enum dom_rc rc;
			int64_t before = fx_events("session.status_changed");
			char tid[32];

			snprintf(tid, sizeof(tid), "m-%d-%d", f, t);
			mk(tid, tid);
			s = with_status(tid, from[f]);
			memset(&r, 0, sizeof(r));
			r.worker_id = WKR;
			r.status = to;
			rc = session_report_status(&A, &who_worker, &s, &r,
			    &changed, &err);
			switch (expect[f][t]) {
			case 1:
				assert_int_equal(rc, DOM_OK);
				assert_int_equal(changed, 1);
				assert_int_equal(fx_events("session.status_changed"),
				    before + 1);
				assert_string_equal(fx_text("SELECT status FROM"
				    " sessions WHERE tracker_session_id = ?1", tid),
				    session_status_name(to));
				break;
			case 0:
				assert_int_equal(rc, DOM_CONFLICT);
				assert_string_equal(err.message, arena_printf(&A,
				    "Invalid status transition from %s to %s",
				    from[f], session_status_name(to)));
				break;
			case 2:
				assert_int_equal(rc, DOM_OK);
				assert_int_equal(changed, 0);
				assert_int_equal(fx_events("session.status_changed"),
				    before);
				break;
			case 3:
				assert_int_equal(rc, DOM_CONFLICT);
				assert_string_equal(err.message, arena_printf(&A,
				    "Session is already %s", from[f]));
				break;
			}
			if (expect[f][t] != 1)
				assert_string_equal(fx_text("SELECT status FROM"
				    " sessions WHERE tracker_session_id = ?1", tid),
				    from[f]);
		}
}

static void
test_running_from_pending_takes_session(void **state)
{
	struct session_report r;
	struct session s;
	struct dom_err err;
	int changed;

	(void)state;
	s = mk(S_ID, I_ID);
	memset(&r, 0, sizeof(r));
	r.worker_id = WKR2;
	r.status = SESSION_RUNNING;
	clock_set_fixed(T0 + 10);
	assert_int_equal(session_report_status(&A, &who_worker, &s, &r,
	    &changed, &err), DOM_OK);
	assert_string_equal(s.worker_id, WKR2);
	assert_int_equal(s.claimed_at, T0 + 10);
	assert_int_equal(fx_count("SELECT count(*) FROM work_queue", NULL), 0);
	assert_string_equal(fx_text("SELECT worker_id FROM work_claims WHERE"
	    " session_id = ?1", S_ID), WKR2);
}

static void
test_failed_truncates_error_at_utf8_boundary(void **state)
{
	struct session_report r;
	struct session s;
	struct dom_err err;
	char msg[5000];
	int changed;

	(void)state;
	mk(S_ID, I_ID);
	s = with_status(S_ID, "running");
	/* 4095 ASCII bytes then a 2-byte character straddling 4096. */
	memset(msg, 'x', sizeof(msg));
	msg[4095] = (char)0xc3;
	msg[4096] = (char)0xa9;
	msg[4999] = '\0';
	memset(&r, 0, sizeof(r));
	r.worker_id = WKR;
	r.status = SESSION_FAILED;
	r.error_message = msg;
	assert_int_equal(session_report_status(&A, &who_worker, &s, &r,
	    &changed, &err), DOM_OK);
	assert_int_equal(fx_count("SELECT length(CAST(error_message AS BLOB))"
	    " FROM sessions WHERE tracker_session_id = ?1", S_ID), 4095);
	assert_int_equal(fx_count("SELECT completed_at FROM sessions", NULL), T0);
}

static void
test_terminal_effects_clear_rows_and_archive_inbox(void **state)
{
	struct session_report r;
	struct session s;
	struct dom_err err;
	int changed;

	(void)state;
	mk(S_ID, I_ID);
	s = with_status(S_ID, "running");
	assert_int_equal(queue_claim_row(S_ID, WKR, T0), DOM_OK);
	assert_int_equal(inbox_publish(&A, S_ID, "directive", "normal", "hi",
	    NULL, NULL, NULL), DOM_OK);
	memset(&r, 0, sizeof(r));
	r.worker_id = WKR;
	r.status = SESSION_STOPPED;
	assert_int_equal(session_report_status(&A, &who_worker, &s, &r,
	    &changed, &err), DOM_OK);
	assert_int_equal(fx_count("SELECT count(*) FROM work_claims", NULL), 0);
	assert_int_equal(fx_count("SELECT count(*) FROM issue_locks", NULL), 0);
	assert_int_equal(fx_count("SELECT count(*) FROM inbox_messages WHERE"
	    " archived_at IS NULL", NULL), 0);
}

static void
test_report_stores_provider_and_worktree_on_every_update(void **state)
{
	struct session_report r;
	struct session s;
	struct dom_err err;
	int changed;

	(void)state;
	mk(S_ID, I_ID);
	s = with_status(S_ID, "claimed");
	memset(&r, 0, sizeof(r));
	r.worker_id = WKR;
	r.status = SESSION_RUNNING;
	r.provider_session_id = "p1";
	r.worktree_path = "/w/1";
	/* Costs are stored only with a terminal status. */
	r.has_cost = 1;
	r.total_cost_usd = 1.5;
	assert_int_equal(session_report_status(&A, &who_worker, &s, &r,
	    &changed, &err), DOM_OK);
	assert_int_equal(session_get(&A, S_ID, &s), DOM_OK);
	assert_string_equal(s.provider_session_id, "p1");
	assert_string_equal(s.worktree_path, "/w/1");
	assert_int_equal(s.total_cost_micro_usd, 0);
}

static void
test_owner_and_addressable(void **state)
{
	struct principal p;
	struct session s;
	const char *projs[] = { "proj_beta" };

	(void)state;
	s = mk(S_ID, I_ID);
	assert_false(session_owned_by_other(&s, WKR));
	s = with_status(S_ID, "running");
	assert_false(session_owned_by_other(&s, WKR));
	assert_true(session_owned_by_other(&s, WKR2));
	memset(&p, 0, sizeof(p));
	p.org_id = ORG;
	assert_true(session_addressable(&p, &s));
	p.project_ids = projs;
	p.nprojects = 1;
	assert_false(session_addressable(&p, &s));
	projs[0] = PROJ;
	assert_true(session_addressable(&p, &s));
	p.org_id = "org_other";
	assert_false(session_addressable(&p, &s));
}

static void
test_stop_pending_stops_directly(void **state)
{
	struct session_stop_result res;
	struct session s;

	(void)state;
	s = mk(S_ID, I_ID);
	assert_int_equal(session_stop(&A, &actor_cli, &s, NULL, NULL, &res),
	    DOM_OK);
	assert_true(res.changed);
	assert_false(res.delivered);
	assert_int_equal(res.now, SESSION_STOPPED);
	assert_int_equal(res.intent_revision, 1);
	assert_non_null(res.mutation_id);
	assert_int_equal(strncmp(res.mutation_id, "mut_", 4), 0);
	assert_int_equal(fx_count("SELECT count(*) FROM work_queue", NULL), 0);
	assert_string_equal(fx_text("SELECT stop_mutation_id FROM sessions", NULL),
	    res.mutation_id);
	assert_int_equal(fx_events("session.stop_requested"), 1);
	assert_string_equal(last_payload("session.status_changed"),
	    "{\"from\":\"pending\",\"promotedSessionId\":null,"
	    "\"reason\":\"stop\",\"to\":\"stopped\"}");
	assert_int_equal(fx_count("SELECT count(*) FROM session_activities", NULL), 1);
}

static void
test_stop_active_delivers_urgent_message(void **state)
{
	struct session_stop_result res;
	struct session s;

	(void)state;
	mk(S_ID, I_ID);
	s = with_status(S_ID, "running");
	assert_int_equal(session_stop(&A, &actor_cli, &s, "usr_1", "Ada", &res),
	    DOM_OK);
	assert_true(res.delivered);
	assert_int_equal(res.now, SESSION_RUNNING);
	assert_int_equal(fx_count("SELECT count(*) FROM inbox_messages WHERE"
	    " type = 'stop' AND lane = 'urgent' AND payload = 'Stop requested'"
	    " AND user_name = 'Ada'", NULL), 1);
	assert_int_equal(fx_count("SELECT stop_requested_at FROM sessions", NULL), T0);
	assert_string_equal(fx_text("SELECT payload FROM audit_events WHERE"
	    " event_type = 'session.stop_requested'", NULL), arena_printf(&A,
	    "{\"delivered\":true,\"intentRevision\":1,\"mutationId\":\"%s\"}",
	    res.mutation_id));
	assert_int_equal(fx_events("session.status_changed"), 0);
	/* A second request keeps the first stopRequestedAt. */
	clock_set_fixed(T0 + 1000);
	assert_int_equal(session_stop(&A, &actor_cli, &s, NULL, NULL, &res),
	    DOM_OK);
	assert_int_equal(res.intent_revision, 2);
	assert_int_equal(fx_count("SELECT stop_requested_at FROM sessions", NULL), T0);
}

static void
test_stop_offline_worker_forces_stop(void **state)
{
	struct session_stop_result res;
	struct session s;

	(void)state;
	mk(S_ID, I_ID);
	s = with_status(S_ID, "running");
	clock_set_fixed(1777658300000 + cfg.worker_heartbeat_timeout + 1);
	assert_int_equal(session_stop(&A, &actor_cli, &s, NULL, NULL, &res),
	    DOM_OK);
	assert_false(res.delivered);
	assert_int_equal(res.now, SESSION_STOPPED);
	assert_int_equal(fx_count("SELECT count(*) FROM inbox_messages", NULL), 0);
}

static void
test_stop_terminal_changes_nothing(void **state)
{
	struct session_stop_result res;
	struct session s;
	int64_t n;

	(void)state;
	mk(S_ID, I_ID);
	s = with_status(S_ID, "completed");
	n = fx_count("SELECT count(*) FROM audit_events", NULL);
	assert_int_equal(session_stop(&A, &actor_cli, &s, NULL, NULL, &res),
	    DOM_OK);
	assert_false(res.changed);
	assert_null(res.mutation_id);
	assert_int_equal(res.intent_revision, 0);
	assert_int_equal(fx_count("SELECT count(*) FROM audit_events", NULL), n);
}

static void
test_actor_of_principals(void **state)
{
	struct principal p;
	struct actor a;

	(void)state;
	memset(&p, 0, sizeof(p));
	p.kind = CK_RUNTIME_JWT;
	p.worker_id = WKR;
	session_actor(&p, NULL, &a);
	assert_string_equal(a.type, "worker");
	assert_string_equal(a.id, WKR);
	p.kind = CK_LEGACY_KEY;
	p.worker_id = NULL;
	session_actor(&p, WKR2, &a);
	assert_string_equal(a.id, WKR2);
	p.kind = CK_API_KEY;
	p.key_id = "key_1";
	p.key_type = "user";
	session_actor(&p, WKR2, &a);
	assert_string_equal(a.type, "api_key");
	assert_string_equal(a.id, "key_1");
	p.key_type = "worker_registration";
	session_actor(&p, WKR2, &a);
	assert_string_equal(a.type, "worker");
}

static int
collect(const struct session *s, void *arg)
{
	struct buf *b = arg;

	buf_printf(b, "%s,", s->tracker_session_id);
	return 0;
}

static void
test_list_newest_first_within_tenant(void **state)
{
	struct session_dispatch_in in;
	struct session s;
	struct dom_err err;
	enum session_placement pl;
	struct buf b;
	int created;
	const char *projs[] = { "proj_beta" };

	(void)state;
	mk("a", "a");
	clock_set_fixed(T0 + 1);
	mk("c", "c");
	mk("b", "b");
	dispatch_in(&in, "beta-1", "x");
	in.project_id = "proj_beta";
	assert_int_equal(session_dispatch(&A, &actor_cli, &in, &s, &pl,
	    &created, &err), DOM_OK);
	buf_init(&b);
	assert_int_equal(session_list(&A, ORG, NULL, 0, 10, collect, &b), DOM_OK);
	assert_string_equal(b.data, "c,beta-1,b,a,");
	buf_reset(&b);
	assert_int_equal(session_list(&A, ORG, NULL, 0, 2, collect, &b), DOM_OK);
	assert_string_equal(b.data, "c,beta-1,");
	buf_reset(&b);
	assert_int_equal(session_list(&A, ORG, projs, 1, 10, collect, &b), DOM_OK);
	assert_string_equal(b.data, "beta-1,");
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_public_id_and_hash_vectors),
		T(test_tracker_id_form),
		T(test_status_names_round_trip),
		T(test_dispatch_inserts_pending_queued_with_event),
		T(test_dispatch_mints_uuid_when_no_tracker_id),
		T(test_dispatch_priority_clamped_and_floored),
		T(test_dispatch_existing_active_unchanged_no_event),
		T(test_dispatch_other_org_conflicts),
		T(test_dispatch_reopens_terminal),
		T(test_dispatch_parks_second_session_of_issue),
		T(test_terminal_report_promotes_parked),
		T(test_render_state_x9),
		T(test_render_state_terminal_members),
		T(test_render_response_iso_and_identifier),
		T(test_status_machine_table),
		T(test_running_from_pending_takes_session),
		T(test_failed_truncates_error_at_utf8_boundary),
		T(test_terminal_effects_clear_rows_and_archive_inbox),
		T(test_report_stores_provider_and_worktree_on_every_update),
		T(test_owner_and_addressable),
		T(test_stop_pending_stops_directly),
		T(test_stop_active_delivers_urgent_message),
		T(test_stop_offline_worker_forces_stop),
		T(test_stop_terminal_changes_nothing),
		T(test_actor_of_principals),
		T(test_list_newest_first_within_tenant),
#undef T
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
