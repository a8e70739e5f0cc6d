/* t/unit/public.c -- the public API's library logic (lib/public.c):
 * cursors, limits and times, 4 dp rounding, the status mapping, health
 * signals, and stats against a real migrated store (the running cost sum
 * kept exact by triggers). */
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

#include "arena.h"
#include "auth.h"
#include "buf.h"
#include "clock.h"
#include "crypto.h"
#include "json.h"
#include "log.h"
#include "public.h"
#include "secrets.h"
#include "settings.h"
#include "store.h"

#include "fixture.h"

#define T0 INT64_C(1777658341700)   /* 2026-05-01T17:59:01.700Z */
#define DAY0 INT64_C(1777593600000) /* 2026-05-01T00:00:00.000Z */

static struct arena A;

/* ------------------------------------------------------ formatting */

static const char *
fmt4(double x)
{
	static char out[64];
	struct buf b;
	struct jw w;

	buf_init(&b);
	jw_init(&w, &b);
	public_jw_4dp(&w, x);
	snprintf(out, sizeof(out), "%s", b.data);
	buf_free(&b);
	return out;
}

static void
round4_half_away_from_zero(void **state)
{
	(void)state;
	assert_string_equal(fmt4(0.42), "0.42");
	assert_string_equal(fmt4(1), "1");
	assert_string_equal(fmt4(0), "0");
	assert_string_equal(fmt4(12.345678), "12.3457");
	assert_string_equal(fmt4(0.00005), "0.0001");
	assert_string_equal(fmt4(-0.00005), "-0.0001");
	assert_string_equal(fmt4(-0.00001), "0");
	assert_string_equal(fmt4(2.0 / 3.0), "0.6667");
	assert_string_equal(fmt4(0.42135), "0.4214");
	assert_string_equal(fmt4(100), "100");
	assert_true(public_round4(0.12344) == 0.1234);
}

static void
parse_uint(void **state)
{
	int64_t v;

	(void)state;
	assert_int_equal(public_parse_uint("0", 1, &v), 0);
	assert_true(v == 0);
	assert_int_equal(public_parse_uint("42", 2, &v), 0);
	assert_true(v == 42);
	assert_int_equal(public_parse_uint("-1", 2, &v), -1);
	assert_int_equal(public_parse_uint("1e3", 3, &v), -1);
	assert_int_equal(public_parse_uint("1234567890123456789", 19, &v), -1);
}

static int64_t
ptime(const char *s)
{
	int64_t ms = -1;

	if (public_parse_time(s, strlen(s), &ms) == -1)
		return -1;
	return ms;
}

static void
times_of_routing_metrics(void **state)
{
	(void)state;
	assert_true(ptime("2026-05-01") == DAY0);
	assert_true(ptime("2026-05-01T17:59:01Z") == T0 - 700);
	assert_true(ptime("2026-05-01T17:59:01.7Z") == T0);
	assert_true(ptime("2026-05-01T17:59:01.700999999Z") == T0);
	assert_true(ptime("2026-05-01T19:59:01.700+02:00") == T0);
	assert_true(ptime("2026-05-01T16:59:01.700-01:00") == T0);
	assert_true(ptime("2024-02-29") > 0);
	assert_true(ptime("1970-01-01") == 0);
	assert_true(ptime("2026-02-29") == -1);
	assert_true(ptime("2026-13-01") == -1);
	assert_true(ptime("2026-05-01T17:59:01") == -1);
	assert_true(ptime("2026-05-01T17:59:01.Z") == -1);
	assert_true(ptime("2026-05-01T17:59:01.1234567890Z") == -1);
	assert_true(ptime("2026-05-01T24:00:00Z") == -1);
	assert_true(ptime("2026-05-01T17:59:01+0200") == -1);
	assert_true(ptime("2026-05-01 17:59:01Z") == -1);
	assert_true(public_today_start(T0) == DAY0);
	assert_true(public_today_start(DAY0) == DAY0);
}

/* -------------------------------------------------- status and health */

static void
status_mapping(void **state)
{
	(void)state;
	assert_int_equal(public_status_map(SESSION_PENDING, 1), PS_QUEUED);
	assert_int_equal(public_status_map(SESSION_PENDING, 0), PS_PARKED);
	assert_int_equal(public_status_map(SESSION_CLAIMED, 0), PS_WORKING);
	assert_int_equal(public_status_map(SESSION_RUNNING, 0), PS_WORKING);
	assert_int_equal(public_status_map(SESSION_FINALIZING, 1), PS_WORKING);
	assert_int_equal(public_status_map(SESSION_COMPLETED, 0), PS_COMPLETED);
	assert_int_equal(public_status_map(SESSION_FAILED, 0), PS_FAILED);
	assert_int_equal(public_status_map(SESSION_STOPPED, 0), PS_STOPPED);
	assert_string_equal(public_status_name(PS_QUEUED), "queued");
	assert_string_equal(public_status_name(PS_PARKED), "parked");
	assert_string_equal(public_status_name(PS_WORKING), "working");
	assert_string_equal(public_status_name(PS_STOPPED), "stopped");
}

static const char *
health(unsigned sig)
{
	static char out[256];
	struct buf b;
	struct jw w;

	buf_init(&b);
	jw_init(&w, &b);
	public_health_render(&w, sig);
	snprintf(out, sizeof(out), "%s", b.data);
	buf_free(&b);
	return out;
}

static void
health_signals(void **state)
{
	struct health_in in;
	const int64_t tmo = 180000;

	(void)state;
	memset(&in, 0, sizeof(in));
	in.status = SESSION_RUNNING;
	in.now = T0;
	in.claimed_at = T0 - 1000;
	in.worker_present = 1;
	in.last_heartbeat = T0 - 1000;
	assert_int_equal(public_health_signals(&in, tmo), 0);
	assert_string_equal(health(0), "{\"level\":\"green\",\"signals\":[]}");

	in.claimed_at = T0 - 7200001;
	assert_int_equal(public_health_signals(&in, tmo), HEALTH_LONG_RUNNING);
	in.claimed_at = T0 - 7200000;
	assert_int_equal(public_health_signals(&in, tmo), 0);

	in.last_heartbeat = T0 - 180001;
	assert_int_equal(public_health_signals(&in, tmo), HEALTH_STALE_HEARTBEAT);
	in.last_heartbeat = T0;
	in.worker_present = 0;
	assert_int_equal(public_health_signals(&in, tmo), HEALTH_STALE_HEARTBEAT);
	in.worker_present = 1;

	in.status = SESSION_CLAIMED;
	in.claimed_at = T0 - 300001;
	assert_int_equal(public_health_signals(&in, tmo), HEALTH_CLAIM_STUCK);
	in.status = SESSION_RUNNING;
	assert_int_equal(public_health_signals(&in, tmo), 0);

	in.tool_loop = 1;
	assert_int_equal(public_health_signals(&in, tmo), HEALTH_TOOL_LOOP);
	/* Not working: no signals whatever the inputs. */
	in.status = SESSION_COMPLETED;
	in.worker_present = 0;
	assert_int_equal(public_health_signals(&in, tmo), 0);

	assert_string_equal(health(HEALTH_LONG_RUNNING | HEALTH_STALE_HEARTBEAT),
	    "{\"level\":\"yellow\",\"signals\":[\"LongRunning\",\"StaleHeartbeat\"]}");
	assert_string_equal(health(HEALTH_CLAIM_STUCK | HEALTH_LONG_RUNNING |
	    HEALTH_TOOL_LOOP),
	    "{\"level\":\"red\",\"signals\":[\"LongRunning\",\"ToolLoopStuck\",\"ClaimStuck\"]}");
}

static void
tool_loop_detection(void **state)
{
	const char *types[8], *tools[8], *contents[8];

	(void)state;
	for (int i = 0; i < 8; i++) {
		types[i] = "action";
		tools[i] = "Bash";
		contents[i] = "Bash: ls";
	}
	assert_int_equal(public_tool_loop(types, tools, contents, 8), 1);
	assert_int_equal(public_tool_loop(types, tools, contents, 7), 0);
	contents[7] = "Bash: ls ";
	assert_int_equal(public_tool_loop(types, tools, contents, 8), 0);
	contents[7] = "Bash: ls";
	tools[3] = "Read";
	assert_int_equal(public_tool_loop(types, tools, contents, 8), 0);
	tools[3] = "Bash";
	types[5] = "thought";
	assert_int_equal(public_tool_loop(types, tools, contents, 8), 0);
	types[5] = "action";
	tools[0] = NULL;
	assert_int_equal(public_tool_loop(types, tools, contents, 8), 0);
}

/* ------------------------------------------------------ stats (store) */



static int
group_setup(void **state)
{
	(void)state;
	fixture_store_up("public");
	arena_init(&A);
	fx_sql("INSERT INTO orgs (id, name, slug, created_at) VALUES"
	    " ('org_a', 'A', 'a', 1), ('org_b', 'B', 'b', 1)");
	fx_sql("INSERT INTO projects (id, org_id, name, slug, created_at, updated_at)"
	    " VALUES ('proj_a', 'org_a', 'A', 'a', 1, 1),"
	    " ('proj_b', 'org_b', 'B', 'b', 1, 1)");
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

static void
session_row(const char *id, const char *org, const char *status,
    int64_t updated, int64_t cost)
{
	char q[1024];

	snprintf(q, sizeof(q), "INSERT INTO sessions (tracker_session_id,"
	    " org_id, project_id, public_id, issue_id, status, created_at,"
	    " updated_at, total_cost_micro_usd) VALUES ('%s', '%s', '%s',"
	    " '%s', '%s', '%s', %lld, %lld, %lld)", id, org,
	    strcmp(org, "org_a") == 0 ? "proj_a" : "proj_b", id, id, status,
	    (long long)updated, (long long)updated, (long long)cost);
	fx_sql(q);
}

static void
stats_over_a_store(void **state)
{
	struct public_stats st;

	(void)state;
	session_row("s1", "org_a", "completed", T0 - 1000, 421350);
	session_row("s2", "org_a", "running", T0 - 2000, 1000000);
	session_row("s3", "org_a", "completed", DAY0 - 1, 2000000);  /* yesterday */
	session_row("s4", "org_a", "pending", T0 - 10, 0);
	session_row("s5", "org_b", "completed", T0 - 10, 5000000);
	fx_sql("INSERT INTO work_queue (session_id, org_id, project_id, priority,"
	    " queued_at, item) VALUES ('s4', 'org_a', 'proj_a', 3, 1, '{}')");
	fx_sql("INSERT INTO workers (id, org_id, registered_via, hostname, capacity,"
	    " registered_at, last_heartbeat) VALUES"
	    " ('wkr_1', 'org_a', 'rtk', 'h', 4, 1, 1777658341000),"
	    " ('wkr_2', 'org_a', 'rtk', 'h', 4, 1, 1777658000000)");
	fx_sql("UPDATE sessions SET worker_id = 'wkr_1' WHERE tracker_session_id = 's2'");

	assert_int_equal(public_stats("org_a", T0, &st), DOM_OK);
	assert_true(st.workers_online == 1);        /* wkr_2 is stale */
	assert_true(st.available_capacity == 3);
	assert_true(st.agents_working == 1);
	assert_true(st.queue_depth == 1);
	assert_true(st.completed_today == 1);
	assert_true(st.session_count_today == 3);
	assert_true(st.cost_today_micro == 1421350);
	assert_true(st.cost_all_time_micro == 3421350);

	/* The running sum follows every change of a session's cost. */
	fx_sql("UPDATE sessions SET total_cost_micro_usd = 500000 WHERE"
	    " tracker_session_id = 's1'");
	fx_sql("UPDATE sessions SET status = 'failed' WHERE tracker_session_id = 's3'");
	fx_sql("DELETE FROM sessions WHERE tracker_session_id = 's2'");
	assert_int_equal(public_stats("org_a", T0, &st), DOM_OK);
	assert_true(st.cost_all_time_micro == 2500000);
	assert_int_equal(public_stats("org_b", T0, &st), DOM_OK);
	assert_true(st.cost_all_time_micro == 5000000);
	assert_true(st.workers_online == 0);
	assert_true(st.queue_depth == 0);

	/* A rolled-back change leaves the sum as it was. */
	assert_int_equal(store_begin_write(), STORE_OK);
	fx_sql("UPDATE sessions SET total_cost_micro_usd = 9 WHERE"
	    " tracker_session_id = 's5'");
	store_rollback();
	assert_int_equal(public_stats("org_b", T0, &st), DOM_OK);
	assert_true(st.cost_all_time_micro == 5000000);

	/* An org without sessions: zeros. */
	assert_int_equal(public_stats("org_none", T0, &st), DOM_OK);
	assert_true(st.cost_all_time_micro == 0 && st.session_count_today == 0);
}

/* 03 §1 Roles and visible projects: cookie users by effective project
 * role (viewer reads, member writes: F3 = -1), scope-only principals by
 * org and key projects, the session hash for its one session. */
static void
session_access(void **state)
{
	static const char *only_b[] = { "proj_a2" };
	struct principal p;
	struct session s;
	const char **ids;
	int n;

	(void)state;
	fx_sql("INSERT INTO projects (id, org_id, name, slug, created_at,"
	    " updated_at) VALUES ('proj_a2', 'org_a', 'A2', 'a2', 2, 2)");
	fx_sql("INSERT INTO users (id, email, created_at, updated_at) VALUES"
	    " ('usr_v', 'v@x.test', 1, 1), ('usr_m', 'm@x.test', 1, 1)");
	fx_sql("INSERT INTO memberships (org_id, user_id, role, joined_at) VALUES"
	    " ('org_a', 'usr_v', 'member', 1), ('org_a', 'usr_m', 'member', 1)");
	fx_sql("INSERT INTO project_members (project_id, user_id, role, added_at)"
	    " VALUES ('proj_a', 'usr_v', 'viewer', 1),"
	    " ('proj_a', 'usr_m', 'member', 1)");
	memset(&s, 0, sizeof(s));
	s.org_id = "org_a";
	s.project_id = "proj_a";
	s.tracker_session_id = "sess-1";

	memset(&p, 0, sizeof(p));
	p.kind = CK_COOKIE;
	p.type = PT_USER;
	p.org_id = "org_a";
	p.role = ROLE_MEMBER;
	p.user_id = "usr_v";
	assert_int_equal(public_session_access(&p, &s, ROLE_VIEWER), 1);
	assert_int_equal(public_session_access(&p, &s, ROLE_MEMBER), -1);
	p.user_id = "usr_m";
	assert_int_equal(public_session_access(&p, &s, ROLE_MEMBER), 1);
	s.project_id = "proj_a2";       /* not a member there: invisible */
	assert_int_equal(public_session_access(&p, &s, ROLE_VIEWER), 0);
	assert_int_equal(public_visible_projects(&A, &p, &ids, &n), DOM_OK);
	assert_int_equal(n, 1);
	assert_string_equal(ids[0], "proj_a");
	p.role = ROLE_ADMIN;            /* org admin: every project */
	assert_int_equal(public_session_access(&p, &s, ROLE_MEMBER), 1);
	assert_int_equal(public_visible_projects(&A, &p, &ids, &n), DOM_OK);
	assert_int_equal(n, -1);
	assert_null(ids);
	p.org_id = "org_b";             /* another org: absent */
	assert_int_equal(public_session_access(&p, &s, ROLE_VIEWER), 0);

	memset(&p, 0, sizeof(p));
	p.kind = CK_M2M_JWT;
	p.type = PT_M2M;
	p.org_id = "org_a";
	assert_int_equal(public_session_access(&p, &s, ROLE_MEMBER), 1);
	p.kind = CK_API_KEY;
	p.type = PT_API_KEY;
	p.key_type = "worker_registration";
	p.project_ids = only_b;
	p.nprojects = 1;
	assert_int_equal(public_session_access(&p, &s, ROLE_VIEWER), 1);
	s.project_id = "proj_a";        /* outside the key's projects */
	assert_int_equal(public_session_access(&p, &s, ROLE_VIEWER), 0);

	memset(&p, 0, sizeof(p));
	p.kind = CK_SESSION_HASH;
	p.type = PT_SESSION_HASH;
	p.org_id = "org_a";
	p.session_id = "sess-1";
	assert_int_equal(public_session_access(&p, &s, ROLE_MEMBER), 1);
	p.session_id = "sess-2";
	assert_int_equal(public_session_access(&p, &s, ROLE_VIEWER), 0);
}

/* Health of a stored working session: the worker row and the 8 newest
 * activities (ToolLoopStuck), and nothing for other statuses. */
static void
health_of_stored_session(void **state)
{
	struct session s;
	unsigned sig;
	char q[256];

	(void)state;
	memset(&s, 0, sizeof(s));
	s.tracker_session_id = "sess-h";
	s.status = SESSION_RUNNING;
	s.claimed_at = T0 - 1000;
	s.worker_id = "wkr_1";          /* heartbeat at T0 - 700 (stats test) */
	for (int i = 1; i <= 9; i++) {
		snprintf(q, sizeof(q), "INSERT INTO session_activities (session_id,"
		    " seq, created_at, activity) VALUES ('sess-h', %d, 1,"
		    " '{\"type\":\"%s\",\"content\":\"Bash: ls\",\"toolName\":\"Bash\"}')",
		    i, i == 1 ? "thought" : "action");
		fx_sql(q);
	}
	assert_int_equal(public_health_of(&A, &s, PS_WORKING, T0, &sig), DOM_OK);
	assert_int_equal(sig, HEALTH_TOOL_LOOP);
	fx_sql("INSERT INTO session_activities (session_id, seq, created_at,"
	    " activity) VALUES ('sess-h', 10, 1, '{\"type\":\"action\","
	    "\"content\":\"Bash: pwd\",\"toolName\":\"Bash\"}')");
	assert_int_equal(public_health_of(&A, &s, PS_WORKING, T0, &sig), DOM_OK);
	assert_int_equal(sig, 0);
	s.worker_id = "wkr_gone";
	assert_int_equal(public_health_of(&A, &s, PS_WORKING, T0, &sig), DOM_OK);
	assert_int_equal(sig, HEALTH_STALE_HEARTBEAT);
	assert_int_equal(public_health_of(&A, &s, PS_QUEUED, T0, &sig), DOM_OK);
	assert_int_equal(sig, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round4_half_away_from_zero),
		cmocka_unit_test(parse_uint),
		cmocka_unit_test(times_of_routing_metrics),
		cmocka_unit_test(status_mapping),
		cmocka_unit_test(health_signals),
		cmocka_unit_test(tool_loop_detection),
		cmocka_unit_test(stats_over_a_store),
		cmocka_unit_test(session_access),
		cmocka_unit_test(health_of_stored_session),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
