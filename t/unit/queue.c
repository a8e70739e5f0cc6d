/* t/unit/queue.c -- the work queue, poll, claim, nack, locks, inbox and
 * cleanup (lib/queue.c; 02-worker-protocol.md §6.4-§6.7, §6.9) against a
 * real migrated store. */
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

#define T0 INT64_C(1777658341700)
#define ORG "org_acme"
#define PROJ "proj_alpha"
#define W1 "wkr_4c11755c5b404039"
#define W2 "wkr_9d2e0b7a61c84f35"

static struct arena A;
static const struct actor who1 = { "worker", W1 };
static const struct actor who2 = { "worker", W2 };

/* ------------------------------------------------------------ fixture */

static int
group_setup(void **state)
{
	(void)state;
	fixture_store_up("queue");
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

static void
reset_tables(void)
{
	fx_sql("DELETE FROM sessions; DELETE FROM work_queue; DELETE FROM work_claims;"
	    " DELETE FROM work_nacks; DELETE FROM parked_work;"
	    " DELETE FROM issue_locks; DELETE FROM inbox_messages;"
	    " DELETE FROM workers; DELETE FROM session_activities;"
	    " DELETE FROM maintenance; DELETE FROM credential_rotations;"
	    " DELETE FROM credential_streams");
}

/* Two alive workers of org_acme, capacity 4, registered at T0 - 1 s. */
static int
setup(void **state)
{
	(void)state;
	clock_set_fixed(T0);
	assert_int_equal(store_begin_write(), STORE_OK);
	reset_tables();
	fx_sql("INSERT INTO workers (id, org_id, registered_via, hostname, capacity,"
	    " registered_at, last_heartbeat) VALUES"
	    " ('" W1 "', 'org_acme', 'rtk_x', 'h1', 4, 1777658340700, 1777658340700),"
	    " ('" W2 "', 'org_acme', 'rtk_x', 'h2', 4, 1777658340700, 1777658340700)");
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	if (store_in_txn())
		store_rollback();
	clock_set_fixed(0);
	arena_reset(&A);
	return 0;
}

/* Enqueues a session (issue = its id) at now with a priority. */
static struct session
enq(const char *tid, int prio, const char *project)
{
	struct session_dispatch_in in;
	struct session s;
	struct dom_err err;
	enum session_placement pl;
	int created;

	memset(&in, 0, sizeof(in));
	in.org_id = ORG;
	in.project_id = project ? project : PROJ;
	in.tracker_id = tid;
	in.issue_id = tid;
	in.issue_identifier = "SUP-1";
	in.has_priority = 1;
	in.priority = prio;
	in.source = "cli";
	assert_int_equal(session_dispatch(&A, &actor_cli, &in, &s, &pl,
	    &created, &err), DOM_OK);
	return s;
}

static const char *
poll_as(const char *wid, const struct actor *who, int *n)
{
	struct queue_poll_result res;
	struct buf b;
	struct jw w;
	const char *out;

	buf_init(&b);
	jw_init(&w, &b);
	assert_int_equal(queue_poll(&A, who, NULL, wid, &w, &res), DOM_OK);
	jw_obj_close(&w);
	if (n != NULL)
		*n = res.nclaimed;
	out = arena_strdup(&A, b.data);
	buf_free(&b);
	return out;
}

static const char *
claimed_ids(const char *poll)
{
	const char *p = strstr(poll, "\"claimedSessionIds\":");

	assert_non_null(p);
	return p + strlen("\"claimedSessionIds\":");
}

static const char *
status_of(const char *tid)
{
	return fx_text("SELECT status FROM sessions WHERE tracker_session_id = ?1",
	    tid);
}

/* ------------------------------------------------------------- tests */

static void
test_poll_empty_shape(void **state)
{
	(void)state;
	assert_string_equal(poll_as(W1, &who1, NULL),
	    "{\"work\":[],\"inboxMessages\":{},\"hasInboxMessages\":false,"
	    "\"preClaimed\":false,\"claimedSessionIds\":[]}");
}

static void
test_poll_unknown_or_gone_worker_not_found(void **state)
{
	struct queue_poll_result res;
	struct buf b;
	struct jw w;

	(void)state;
	buf_init(&b);
	jw_init(&w, &b);
	assert_int_equal(queue_poll(&A, &who1, NULL, "wkr_0f3a9c2e1b4d4a6c", &w,
	    &res), DOM_NOT_FOUND);
	clock_set_fixed(1777658340700 + cfg.worker_ttl * 1000 + 1);
	assert_int_equal(queue_poll(&A, &who1, NULL, W1, &w, &res), DOM_NOT_FOUND);
	buf_free(&b);
}

static void
test_poll_x6_shape_and_claim(void **state)
{
	const char *out;
	int n;

	(void)state;
	enq("S", 2, NULL);
	fx_sql("UPDATE sessions SET prompt = 'Add retry banner'");
	/* Rebuild the item with the prompt, as dispatch would have. */
	fx_sql("DELETE FROM work_queue");
	{
		struct session s;
		int parked;

		assert_int_equal(session_get(&A, "S", &s), DOM_OK);
		assert_int_equal(queue_place(&A, &s, 2, T0, &parked), DOM_OK);
	}
	clock_set_fixed(T0 + 5);
	out = poll_as(W1, &who1, &n);
	assert_int_equal(n, 1);
	assert_string_equal(out,
	    "{\"work\":[{\"sessionId\":\"S\",\"issueId\":\"S\","
	    "\"issueIdentifier\":\"SUP-1\",\"priority\":2,"
	    "\"queuedAt\":1777658341700,\"prompt\":\"Add retry banner\","
	    "\"workType\":\"development\",\"projectName\":\"smoke-alpha\","
	    "\"organizationId\":\"org_acme\"}],\"inboxMessages\":{},"
	    "\"hasInboxMessages\":false,\"preClaimed\":true,"
	    "\"claimedSessionIds\":[\"S\"]}");
	assert_string_equal(status_of("S"), "claimed");
	assert_string_equal(fx_text("SELECT worker_id FROM sessions", NULL), W1);
	assert_int_equal(fx_count("SELECT claimed_at FROM sessions", NULL), T0 + 5);
	assert_int_equal(fx_count("SELECT count(*) FROM work_queue", NULL), 0);
	assert_int_equal(fx_count("SELECT expires_at FROM work_claims WHERE"
	    " worker_id = '" W1 "'", NULL), T0 + 5 + cfg.work_claim_ttl * 1000);
	assert_int_equal(fx_events("session.claimed"), 1);
	assert_string_equal(fx_text("SELECT payload FROM audit_events WHERE"
	    " event_type = 'session.claimed'", NULL),
	    "{\"priority\":2,\"workerId\":\"" W1 "\"}");
	/* Claimed once: a second poll gets nothing. */
	out = poll_as(W2, &who2, &n);
	assert_int_equal(n, 0);
}

static void
test_poll_serving_order(void **state)
{
	(void)state;
	enq("c", 3, NULL);
	clock_set_fixed(T0 + 1);
	enq("a", 2, NULL);
	enq("b", 2, NULL);    /* same priority and queuedAt: insert order */
	clock_set_fixed(T0 - 10);
	enq("d", 3, NULL);    /* older than c */
	clock_set_fixed(T0 + 100);
	assert_string_equal(claimed_ids(poll_as(W1, &who1, NULL)),
	    "[\"a\",\"b\",\"d\",\"c\"]}");
}

static void
test_poll_capacity_and_batch(void **state)
{
	char tid[8];
	int n;

	(void)state;
	for (int i = 0; i < 12; i++) {
		snprintf(tid, sizeof(tid), "s%02d", i);
		enq(tid, 3, NULL);
	}
	fx_sql("UPDATE workers SET capacity = 100 WHERE id = '" W1 "'");
	poll_as(W1, &who1, &n);
	assert_int_equal(n, (int)cfg.poll_batch);
	/* W2: capacity 4, holding 1 → takes 3. */
	fx_sql("UPDATE sessions SET status = 'running', worker_id = '" W2 "'"
	    " WHERE tracker_session_id = 's05'");
	fx_sql("DELETE FROM work_queue WHERE session_id = 's05'");
	poll_as(W2, &who2, &n);
	assert_int_equal(n, 3);
	/* Full: nothing more. */
	poll_as(W2, &who2, &n);
	assert_int_equal(n, 0);
}

static void
test_poll_draining_takes_no_work(void **state)
{
	int n;

	(void)state;
	enq("S", 3, NULL);
	fx_sql("UPDATE workers SET status = 'draining' WHERE id = '" W1 "'");
	poll_as(W1, &who1, &n);
	assert_int_equal(n, 0);
	assert_string_equal(status_of("S"), "pending");
}

static void
test_poll_leaves_unmatched_rows_in_place(void **state)
{
	int n;

	(void)state;
	enq("alpha", 1, PROJ);
	enq("beta", 5, "proj_beta");
	fx_sql("UPDATE workers SET projects = '[\"beta\"]' WHERE id = '" W1 "'");
	assert_string_equal(claimed_ids(poll_as(W1, &who1, &n)), "[\"beta\"]}");
	/* alpha untouched: same priority and queuedAt. */
	assert_int_equal(fx_count("SELECT priority FROM work_queue WHERE"
	    " session_id = 'alpha'", NULL), 1);
	assert_int_equal(fx_count("SELECT queued_at FROM work_queue WHERE"
	    " session_id = 'alpha'", NULL), T0);
	/* By project id too. */
	enq("beta2", 5, "proj_beta");
	fx_sql("UPDATE workers SET projects = '[\"proj_beta\"]' WHERE id = '" W1 "'");
	assert_string_equal(claimed_ids(poll_as(W1, &who1, &n)), "[\"beta2\"]}");
	/* [] means every project. */
	fx_sql("UPDATE workers SET projects = '[]' WHERE id = '" W1 "'");
	assert_string_equal(claimed_ids(poll_as(W1, &who1, &n)), "[\"alpha\"]}");
}

static void
test_poll_auth_projects_filter(void **state)
{
	int n;

	(void)state;
	enq("alpha", 1, PROJ);
	enq("beta", 5, "proj_beta");
	fx_sql("UPDATE workers SET auth_project_ids = '[\"proj_beta\"]'"
	    " WHERE id = '" W1 "'");
	assert_string_equal(claimed_ids(poll_as(W1, &who1, &n)), "[\"beta\"]}");
	assert_string_equal(status_of("alpha"), "pending");
}

static void
test_poll_result_lists_claims_with_projects(void **state)
{
	struct queue_poll_result res;
	struct buf b;
	struct jw w;

	(void)state;
	enq("a", 1, "proj_beta");
	enq("b", 2, PROJ);
	buf_init(&b);
	jw_init(&w, &b);
	assert_int_equal(queue_poll(&A, &who1, NULL, W1, &w, &res), DOM_OK);
	/* Left open for the caller's members. */
	assert_int_equal(w.depth, 1);
	assert_int_equal(res.nclaimed, 2);
	assert_string_equal(res.session_ids[0], "a");
	assert_string_equal(res.project_ids[0], "proj_beta");
	assert_string_equal(res.session_ids[1], "b");
	assert_string_equal(res.project_ids[1], PROJ);
	buf_free(&b);
}

static void
test_poll_worker_outside_principal_not_found(void **state)
{
	struct queue_poll_result res;
	struct principal p;
	struct buf b;
	struct jw w;
	const char *projs[] = { PROJ };

	(void)state;
	memset(&p, 0, sizeof(p));
	p.org_id = "org_other";
	buf_init(&b);
	jw_init(&w, &b);
	assert_int_equal(queue_poll(&A, &who1, &p, W1, &w, &res), DOM_NOT_FOUND);
	/* A project-bound credential reaches only workers bound within it. */
	p.org_id = ORG;
	p.project_ids = projs;
	p.nprojects = 1;
	assert_int_equal(queue_poll(&A, &who1, &p, W1, &w, &res), DOM_NOT_FOUND);
	fx_sql("UPDATE workers SET auth_project_ids = '[\"proj_alpha\"]'");
	buf_reset(&b);
	jw_init(&w, &b);
	assert_int_equal(queue_poll(&A, &who1, &p, W1, &w, &res), DOM_OK);
	buf_free(&b);
}

static void
test_poll_other_org_never_matches(void **state)
{
	int n;

	(void)state;
	enq("S", 1, NULL);
	fx_sql("UPDATE workers SET org_id = 'org_other' WHERE id = '" W1 "'");
	poll_as(W1, &who1, &n);
	assert_int_equal(n, 0);
}

static void
test_poll_drops_row_of_non_pending_session(void **state)
{
	int n;

	(void)state;
	enq("gone", 1, NULL);
	enq("ok", 2, NULL);
	fx_sql("UPDATE sessions SET status = 'completed' WHERE"
	    " tracker_session_id = 'gone'");
	assert_string_equal(claimed_ids(poll_as(W1, &who1, &n)), "[\"ok\"]}");
	assert_int_equal(fx_count("SELECT count(*) FROM work_queue", NULL), 0);
	assert_string_equal(status_of("gone"), "completed");
	assert_int_equal(fx_events("session.claimed"), 1);
}

static void
test_poll_each_item_handed_out_once(void **state)
{
	char tid[8];
	int total = 0, n;

	(void)state;
	for (int i = 0; i < 20; i++) {
		snprintf(tid, sizeof(tid), "x%02d", i);
		enq(tid, 1 + i % 9, NULL);
	}
	fx_sql("UPDATE workers SET capacity = 1000");
	for (int round = 0; round < 10; round++) {
		poll_as(round % 2 ? W2 : W1, round % 2 ? &who2 : &who1, &n);
		total += n;
	}
	assert_int_equal(total, 20);
	assert_int_equal(fx_count("SELECT count(*) FROM work_claims", NULL), 20);
	assert_int_equal(fx_count("SELECT count(*) FROM sessions WHERE"
	    " status = 'claimed'", NULL), 20);
	assert_int_equal(fx_events("session.claimed"), 20);
	assert_int_equal(fx_count("SELECT count(DISTINCT session_id) FROM"
	    " audit_events WHERE event_type = 'session.claimed'", NULL), 20);
}

static void
test_poll_nack_exclusion(void **state)
{
	struct session s;
	struct dom_err err;
	int n, changed;

	(void)state;
	enq("S", 2, NULL);
	poll_as(W1, &who1, &n);
	assert_int_equal(session_get(&A, "S", &s), DOM_OK);
	assert_int_equal(queue_nack(&A, &who1, &s, W1, "project not in allowlist",
	    &changed, &err), DOM_OK);
	assert_true(changed);
	poll_as(W1, &who1, &n);
	assert_int_equal(n, 0);
	assert_string_equal(claimed_ids(poll_as(W2, &who2, &n)), "[\"S\"]}");
	/* After the exclusion W1 may have it again. */
	fx_sql("UPDATE sessions SET status = 'pending', worker_id = NULL");
	fx_sql("DELETE FROM work_claims");
	assert_int_equal(session_get(&A, "S", &s), DOM_OK);
	{
		int parked;

		assert_int_equal(queue_place(&A, &s, 2, T0, &parked), DOM_OK);
	}
	clock_set_fixed(T0 + cfg.nack_exclusion * 1000 + 1);
	fx_sql("UPDATE workers SET last_heartbeat = 1777658341700 + 300001");
	assert_string_equal(claimed_ids(poll_as(W1, &who1, &n)), "[\"S\"]}");
}

static void
test_nack_restores_original_priority_and_queued_at(void **state)
{
	struct session s;
	struct dom_err err;
	int n, changed;

	(void)state;
	enq("S", 2, NULL);
	clock_set_fixed(T0 + 60000);
	poll_as(W1, &who1, &n);
	assert_int_equal(session_get(&A, "S", &s), DOM_OK);
	assert_int_equal(queue_nack(&A, &who1, &s, W1, NULL, &changed, &err),
	    DOM_OK);
	assert_string_equal(status_of("S"), "pending");
	assert_null(fx_text("SELECT worker_id FROM sessions", NULL));
	assert_int_equal(fx_count("SELECT count(*) FROM sessions WHERE"
	    " claimed_at IS NULL", NULL), 1);
	assert_int_equal(fx_count("SELECT priority FROM work_queue", NULL), 2);
	assert_int_equal(fx_count("SELECT queued_at FROM work_queue", NULL), T0);
	assert_non_null(strstr(fx_text("SELECT item FROM work_queue", NULL),
	    "\"priority\":2,\"queuedAt\":1777658341700,"));
	assert_int_equal(fx_count("SELECT count(*) FROM work_claims", NULL), 0);
	assert_int_equal(fx_count("SELECT until FROM work_nacks", NULL),
	    T0 + 60000 + cfg.nack_exclusion * 1000);
	assert_string_equal(fx_text("SELECT payload FROM audit_events WHERE"
	    " event_type = 'session.nacked'", NULL),
	    "{\"reason\":null,\"workerId\":\"" W1 "\"}");
}

static void
test_nack_pending_is_idempotent(void **state)
{
	struct session s;
	struct dom_err err;
	int changed;

	(void)state;
	s = enq("S", 2, NULL);
	assert_int_equal(queue_nack(&A, &who1, &s, W1, "x", &changed, &err),
	    DOM_OK);
	assert_false(changed);
	assert_int_equal(fx_events("session.nacked"), 0);
	assert_int_equal(fx_count("SELECT count(*) FROM work_nacks", NULL), 0);
}

static void
test_nack_running_conflicts(void **state)
{
	struct session s;
	struct dom_err err;
	int changed;

	(void)state;
	enq("S", 2, NULL);
	fx_sql("UPDATE sessions SET status = 'running', worker_id = '" W1 "'");
	assert_int_equal(session_get(&A, "S", &s), DOM_OK);
	assert_int_equal(queue_nack(&A, &who1, &s, W1, NULL, &changed, &err),
	    DOM_CONFLICT);
	assert_string_equal(err.message, "Session is already running");
	fx_sql("UPDATE sessions SET status = 'completed'");
	assert_int_equal(session_get(&A, "S", &s), DOM_OK);
	assert_int_equal(queue_nack(&A, &who1, &s, W1, NULL, &changed, &err),
	    DOM_CONFLICT);
	assert_string_equal(err.message, "Session is already completed");
}

/* --------------------------------------------------------------- claim */

static struct principal P;

static void
principal_org(void)
{
	memset(&P, 0, sizeof(P));
	P.org_id = ORG;
	P.kind = CK_LEGACY_KEY;
}

static void
test_claim_success(void **state)
{
	struct queue_claim_result r;

	(void)state;
	principal_org();
	enq("S", 2, NULL);
	assert_int_equal(queue_claim(&A, &who1, &P, "S", W1, &r), DOM_OK);
	assert_true(r.claimed);
	assert_null(r.reason);
	assert_int_equal(r.session.status, SESSION_CLAIMED);
	assert_string_equal(r.session.worker_id, W1);
	assert_non_null(strstr(r.item, "\"sessionId\":\"S\""));
	assert_int_equal(fx_count("SELECT count(*) FROM work_queue", NULL), 0);
	assert_int_equal(fx_count("SELECT count(*) FROM work_claims", NULL), 1);
	assert_int_equal(fx_events("session.claimed"), 1);
}

static void
test_claim_not_available(void **state)
{
	struct queue_claim_result r;

	(void)state;
	principal_org();
	assert_int_equal(queue_claim(&A, &who1, &P, "nope", W1, &r), DOM_OK);
	assert_false(r.claimed);
	assert_string_equal(r.reason, "Work item not available or already claimed");
	/* After a poll pre-claim (X8). */
	enq("S", 2, NULL);
	poll_as(W1, &who1, NULL);
	assert_int_equal(queue_claim(&A, &who2, &P, "S", W2, &r), DOM_OK);
	assert_string_equal(r.reason, "Work item not available or already claimed");
	/* Outside the caller's projects. */
	enq("T", 2, NULL);
	{
		const char *projs[] = { "proj_beta" };

		P.project_ids = projs;
		P.nprojects = 1;
		assert_int_equal(queue_claim(&A, &who1, &P, "T", W1, &r), DOM_OK);
		assert_string_equal(r.reason,
		    "Work item not available or already claimed");
		P.project_ids = NULL;
	}
	/* A live claim row blocks. */
	assert_int_equal(queue_claim_row("T", W2, T0), DOM_OK);
	assert_int_equal(queue_claim(&A, &who1, &P, "T", W1, &r), DOM_OK);
	assert_string_equal(r.reason, "Work item not available or already claimed");
	assert_int_equal(fx_events("session.claimed"), 1);
}

static void
test_claim_worker_draining(void **state)
{
	struct queue_claim_result r;

	(void)state;
	principal_org();
	enq("S", 2, NULL);
	fx_sql("UPDATE workers SET status = 'draining' WHERE id = '" W1 "'");
	assert_int_equal(queue_claim(&A, &who1, &P, "S", W1, &r), DOM_OK);
	assert_string_equal(r.reason, "Worker is draining");
	assert_int_equal(fx_count("SELECT count(*) FROM work_queue", NULL), 1);
}

static void
test_claim_project_not_authorized_requeues(void **state)
{
	struct queue_claim_result r;

	(void)state;
	principal_org();
	enq("S", 3, NULL);
	fx_sql("UPDATE workers SET projects = '[\"beta\"]' WHERE id = '" W1 "'");
	clock_set_fixed(T0 + 50);
	assert_int_equal(queue_claim(&A, &who1, &P, "S", W1, &r), DOM_OK);
	assert_string_equal(r.reason, "Worker not authorized for project smoke-alpha");
	assert_int_equal(fx_count("SELECT priority FROM work_queue", NULL), 2);
	assert_int_equal(fx_count("SELECT queued_at FROM work_queue", NULL), T0 + 50);
	assert_int_equal(fx_count("SELECT priority FROM sessions", NULL), 2);
	assert_non_null(strstr(fx_text("SELECT item FROM work_queue", NULL),
	    "\"priority\":2,\"queuedAt\":1777658341750,"));
	/* An unknown worker skips the check (reference). */
	assert_int_equal(queue_claim(&A, &who1, &P, "S", "wkr_0000000000000000",
	    &r), DOM_OK);
	assert_true(r.claimed);
}

static void
test_claim_non_pending_dropped(void **state)
{
	struct queue_claim_result r;

	(void)state;
	principal_org();
	enq("S", 3, NULL);
	fx_sql("UPDATE sessions SET status = 'running'");
	assert_int_equal(queue_claim(&A, &who1, &P, "S", W1, &r), DOM_OK);
	assert_string_equal(r.reason, "Session in running status, work item dropped");
	assert_int_equal(fx_count("SELECT count(*) FROM work_queue", NULL), 0);
}

/* -------------------------------------------------------------- inbox */

static void
test_inbox_urgent_lane_first_then_normal(void **state)
{
	const char *out, *id;

	(void)state;
	enq("S", 2, NULL);
	poll_as(W1, &who1, NULL);
	clock_set_fixed(1777658460000);
	assert_int_equal(inbox_publish(&A, "S", "directive", "normal",
	    "Also update the changelog", "usr_8fK2", "Ada", &id), DOM_OK);
	assert_int_equal(inbox_publish(&A, "S", "stop", "urgent",
	    "Stop requested", NULL, NULL, NULL), DOM_OK);
	out = poll_as(W1, &who1, NULL);
	assert_non_null(strstr(out, "\"type\":\"stop\""));
	assert_null(strstr(out, "directive"));
	out = poll_as(W1, &who1, NULL);
	assert_string_equal(out, arena_printf(&A,
	    "{\"work\":[],\"inboxMessages\":{\"S\":[{\"id\":\"%s\","
	    "\"type\":\"directive\",\"sessionId\":\"S\","
	    "\"payload\":\"Also update the changelog\",\"userId\":\"usr_8fK2\","
	    "\"userName\":\"Ada\",\"createdAt\":1777658460000,"
	    "\"lane\":\"normal\"}]},\"hasInboxMessages\":true,"
	    "\"preClaimed\":false,\"claimedSessionIds\":[]}", id));
	assert_int_equal(strncmp(id, "1777658460000-", 14), 0);
	/* Delivered once. */
	out = poll_as(W1, &who1, NULL);
	assert_non_null(strstr(out, "\"inboxMessages\":{},"));
}

static void
test_inbox_read_limit_and_prior_order(void **state)
{
	const char *out, *a, *b;
	int n = 0;

	(void)state;
	enq("S1", 2, NULL);
	clock_set_fixed(T0 + 1);
	enq("S2", 2, NULL);
	poll_as(W1, &who1, NULL);
	/* S2 claimed earlier than S1: S2 first. */
	fx_sql("UPDATE sessions SET claimed_at = 5 WHERE tracker_session_id = 'S2'");
	for (int i = 0; i < 12; i++)
		assert_int_equal(inbox_publish(&A, "S1", "directive", "normal",
		    "m", NULL, NULL, NULL), DOM_OK);
	assert_int_equal(inbox_publish(&A, "S2", "nudge", "urgent", "u", NULL,
	    NULL, NULL), DOM_OK);
	out = poll_as(W1, &who1, NULL);
	a = strstr(out, "\"S2\":[");
	b = strstr(out, "\"S1\":[");
	assert_non_null(a);
	assert_non_null(b);
	assert_true(a < b);
	for (const char *p = b; (p = strstr(p, "\"type\":\"directive\"")) != NULL;
	    p++)
		n++;
	assert_int_equal(n, (int)cfg.inbox_read);
	assert_int_equal(fx_count("SELECT count(*) FROM inbox_messages WHERE"
	    " delivered_at IS NULL", NULL), 12 - cfg.inbox_read);
}

static void
test_inbox_only_for_prior_sessions(void **state)
{
	const char *out;

	(void)state;
	enq("S", 2, NULL);
	assert_int_equal(inbox_publish(&A, "S", "directive", "normal", "early",
	    NULL, NULL, NULL), DOM_OK);
	/* This poll claims S: S was not held before it, so no messages. */
	out = poll_as(W1, &who1, NULL);
	assert_non_null(strstr(out, "\"inboxMessages\":{},"));
	out = poll_as(W1, &who1, NULL);
	assert_non_null(strstr(out, "\"payload\":\"early\""));
}

static void
test_inbox_ack_matches_id_session_and_lane(void **state)
{
	const char *id;

	(void)state;
	enq("S", 2, NULL);
	assert_int_equal(inbox_publish(&A, "S", "directive", "normal", "x",
	    NULL, NULL, &id), DOM_OK);
	assert_int_equal(inbox_ack("S", id, "urgent"), DOM_OK);
	assert_int_equal(inbox_ack("T", id, "normal"), DOM_OK);
	assert_int_equal(inbox_ack("S", "garbage", "normal"), DOM_OK);
	assert_int_equal(inbox_ack("S", "1-99999999999999999999", "normal"),
	    DOM_OK);
	assert_int_equal(fx_count("SELECT count(*) FROM inbox_messages WHERE"
	    " acked_at IS NULL", NULL), 1);
	assert_int_equal(inbox_ack("S", id, "normal"), DOM_OK);
	assert_int_equal(fx_count("SELECT count(*) FROM inbox_messages WHERE"
	    " acked_at IS NULL", NULL), 0);
}

static void
test_inbox_publish_refuses_bad_input(void **state)
{
	char *big = malloc(INBOX_PAYLOAD_MAX + 2);

	(void)state;
	assert_non_null(big);
	memset(big, 'x', INBOX_PAYLOAD_MAX + 1);
	big[INBOX_PAYLOAD_MAX + 1] = '\0';
	enq("S", 2, NULL);
	assert_int_equal(inbox_publish(&A, "S", "shout", "normal", "x", NULL,
	    NULL, NULL), DOM_INVALID);
	assert_int_equal(inbox_publish(&A, "S", "stop", "fast", "x", NULL,
	    NULL, NULL), DOM_INVALID);
	assert_int_equal(inbox_publish(&A, "S", "directive", "normal", big,
	    NULL, NULL, NULL), DOM_INVALID);
	big[INBOX_PAYLOAD_MAX] = '\0';
	assert_int_equal(inbox_publish(&A, "S", "directive", "normal", big,
	    NULL, NULL, NULL), DOM_OK);
	assert_int_equal(fx_count("SELECT count(*) FROM inbox_messages", NULL), 1);
	free(big);
}

static void
test_inbox_redelivered_after_owner_change(void **state)
{
	struct session s;
	const char *out;

	(void)state;
	enq("S", 2, NULL);
	poll_as(W1, &who1, NULL);
	assert_int_equal(inbox_publish(&A, "S", "directive", "normal", "x",
	    NULL, NULL, NULL), DOM_OK);
	poll_as(W1, &who1, NULL);
	assert_int_equal(session_get(&A, "S", &s), DOM_OK);
	assert_int_equal(queue_transfer(&A, &who2, &s, W2), DOM_OK);
	assert_string_equal(fx_text("SELECT worker_id FROM work_claims", NULL), W2);
	assert_string_equal(fx_text("SELECT payload FROM audit_events WHERE"
	    " event_type = 'session.ownership_transferred'", NULL),
	    "{\"from\":\"" W1 "\",\"to\":\"" W2 "\"}");
	out = poll_as(W2, &who2, NULL);
	assert_non_null(strstr(out, "\"payload\":\"x\""));
}

/* ------------------------------------------------------- lock-refresh */

static void
test_lock_refresh_only_by_holder(void **state)
{
	struct session s, t;
	int ok;

	(void)state;
	s = enq("S", 2, NULL);
	clock_set_fixed(T0 + 1000);
	assert_int_equal(queue_lock_refresh(&s, "S", &ok), DOM_OK);
	assert_true(ok);
	assert_int_equal(fx_count("SELECT expires_at FROM issue_locks", NULL),
	    T0 + 1000 + cfg.issue_lock_ttl * 1000);
	assert_int_equal(queue_lock_refresh(&s, "other-issue", &ok), DOM_OK);
	assert_false(ok);
	t = s;
	t.tracker_session_id = "T";
	assert_int_equal(queue_lock_refresh(&t, "S", &ok), DOM_OK);
	assert_false(ok);
	clock_set_fixed(T0 + 1000 + cfg.issue_lock_ttl * 1000 + 1);
	assert_int_equal(queue_lock_refresh(&s, "S", &ok), DOM_OK);
	assert_false(ok);
}

/* ------------------------------------------------------------ cleanup */

static void
test_cleanup_maintenance_guard(void **state)
{
	(void)state;
	store_rollback();
	assert_int_equal(store_begin_write(), STORE_OK);
	reset_tables();
	assert_int_equal(store_commit(), STORE_OK);
	assert_int_equal(cleanup_due(), 1);
	assert_int_equal(cleanup_due(), 0);
	clock_set_fixed(T0 + cfg.cleanup_interval * 1000);
	assert_int_equal(cleanup_due(), 1);
	assert_int_equal(cleanup_stamp(), 1);
	assert_int_equal(cleanup_due(), 0);
}

static void
test_cleanup_recovers_orphans(void **state)
{
	struct cleanup_result res;

	(void)state;
	enq("S", 3, NULL);
	poll_as(W1, &who1, NULL);
	assert_int_equal(inbox_publish(&A, "S", "directive", "normal", "x",
	    NULL, NULL, NULL), DOM_OK);
	poll_as(W1, &who1, NULL);
	fx_sql("UPDATE sessions SET provider_session_id = 'p'");
	assert_int_equal(store_commit(), STORE_OK);
	/* W1 offline, the session untouched past the threshold. */
	clock_set_fixed(1777658340700 + cfg.worker_heartbeat_timeout + 1 +
	    cfg.orphan_threshold);
	assert_int_equal(cleanup_run(&A, &res), 0);
	assert_int_equal(res.requeued, 1);
	assert_int_equal(store_begin_write(), STORE_OK);
	assert_string_equal(status_of("S"), "pending");
	assert_null(fx_text("SELECT provider_session_id FROM sessions", NULL));
	assert_int_equal(fx_count("SELECT priority FROM work_queue", NULL), 2);
	assert_int_equal(fx_count("SELECT count(*) FROM work_claims", NULL), 0);
	assert_int_equal(fx_count("SELECT count(*) FROM issue_locks WHERE"
	    " session_id = 'S'", NULL), 1);
	assert_int_equal(fx_count("SELECT count(*) FROM inbox_messages WHERE"
	    " delivered_at IS NULL", NULL), 1);
	assert_string_equal(fx_text("SELECT payload FROM audit_events WHERE"
	    " event_type = 'session.status_changed' ORDER BY seq DESC", NULL),
	    "{\"from\":\"claimed\",\"promotedSessionId\":null,"
	    "\"reason\":\"orphan_recovered\",\"to\":\"pending\"}");
	assert_string_equal(fx_text("SELECT actor_type || '/' || actor_id FROM"
	    " audit_events WHERE event_type = 'session.status_changed'"
	    " ORDER BY seq DESC", NULL), "system/system");
}

static void
test_cleanup_keeps_sessions_of_live_workers(void **state)
{
	struct cleanup_result res;

	(void)state;
	enq("S", 3, NULL);
	poll_as(W1, &who1, NULL);
	fx_sql("UPDATE workers SET last_heartbeat = 1777658341700 + 200000");
	assert_int_equal(store_commit(), STORE_OK);
	clock_set_fixed(T0 + 200000);
	assert_int_equal(cleanup_run(&A, &res), 0);
	assert_int_equal(res.requeued, 0);
	assert_int_equal(store_begin_write(), STORE_OK);
	assert_string_equal(status_of("S"), "claimed");
}

static void
test_cleanup_requeues_zombies(void **state)
{
	struct cleanup_result res;
	int64_t before = fx_events("session.status_changed");

	enq("Z", 4, NULL);
	fx_sql("DELETE FROM work_queue");
	assert_int_equal(store_commit(), STORE_OK);
	clock_set_fixed(T0 + cfg.zombie_threshold * 1000 + 1);
	assert_int_equal(cleanup_run(&A, &res), 0);
	assert_int_equal(res.requeued, 1);
	assert_int_equal(store_begin_write(), STORE_OK);
	assert_int_equal(fx_count("SELECT priority FROM work_queue", NULL), 4);
	assert_int_equal(fx_count("SELECT queued_at FROM work_queue", NULL),
	    T0 + cfg.zombie_threshold * 1000 + 1);
	assert_int_equal(fx_events("session.status_changed"), before);
}

static void
test_cleanup_works_in_batches_until_done(void **state)
{
	struct cleanup_result res;
	char tid[16];

	(void)state;
	for (int i = 0; i < 250; i++) {
		snprintf(tid, sizeof(tid), "z%03d", i);
		enq(tid, 3, NULL);
	}
	fx_sql("DELETE FROM work_queue");
	assert_int_equal(store_commit(), STORE_OK);
	clock_set_fixed(T0 + cfg.zombie_threshold * 1000 + 1);
	assert_int_equal(cleanup_run(&A, &res), 0);
	assert_int_equal(res.requeued, 250);
	assert_int_equal(store_begin_write(), STORE_OK);
	assert_int_equal(fx_count("SELECT count(*) FROM work_queue", NULL), 250);
}

static void
test_cleanup_forces_stop_past_deadline(void **state)
{
	struct cleanup_result res;

	(void)state;
	enq("S", 3, NULL);
	poll_as(W1, &who1, NULL);
	fx_sql("UPDATE sessions SET stop_requested_at = 1777658341700");
	fx_sql("UPDATE workers SET last_heartbeat = 1777658341700 + 200000");
	assert_int_equal(store_commit(), STORE_OK);
	clock_set_fixed(T0 + cfg.stop_grace_ms + 1);
	assert_int_equal(cleanup_run(&A, &res), 0);
	assert_int_equal(res.stopped, 1);
	assert_int_equal(store_begin_write(), STORE_OK);
	assert_string_equal(status_of("S"), "stopped");
	assert_string_equal(fx_text("SELECT payload FROM audit_events WHERE"
	    " event_type = 'session.status_changed' ORDER BY seq DESC", NULL),
	    "{\"from\":\"claimed\",\"promotedSessionId\":null,"
	    "\"reason\":\"stop_deadline\",\"to\":\"stopped\"}");
}

static void
test_cleanup_purges_and_promotes_after_expired_lock(void **state)
{
	struct cleanup_result res;
	int64_t later = T0 + cfg.issue_lock_ttl * 1000 + 1;

	(void)state;
	enq("first", 3, NULL);
	{
		struct session_dispatch_in in;
		struct session s;
		struct dom_err err;
		enum session_placement pl;
		int created;

		memset(&in, 0, sizeof(in));
		in.org_id = ORG;
		in.project_id = PROJ;
		in.tracker_id = "second";
		in.issue_id = "first";
		assert_int_equal(session_dispatch(&A, &actor_cli, &in, &s, &pl,
		    &created, &err), DOM_OK);
		assert_int_equal(pl, SESSION_PARKED);
	}
	/* first runs on W1, alive then (so it is no orphan); W2 is gone. */
	fx_sql("UPDATE sessions SET status = 'running', worker_id = '" W1 "'"
	    " WHERE tracker_session_id = 'first'");
	fx_sql("UPDATE workers SET last_heartbeat = 1777658341700 + 7200001"
	    " WHERE id = '" W1 "'");
	fx_sql("INSERT INTO work_nacks VALUES ('w', 's', 5)");
	fx_sql("INSERT INTO work_claims VALUES ('old', 'w', 5)");
	fx_sql("INSERT INTO inbox_messages (id, session_id, seq, type, lane,"
	    " payload, created_at, delivered_at, acked_at, archived_at) VALUES"
	    " (1, 's', 1, 'nudge', 'urgent', 'p', 1, 1, 1, 1)");
	fx_sql("INSERT INTO credential_rotations (org_id, name, kind, at) VALUES"
	    " ('org_acme', 'N', 'put', 1)");
	fx_sql("INSERT INTO credential_streams VALUES ('cs', 'org_acme', 's', 'p',"
	    " 'production', 1, 1)");
	assert_int_equal(store_commit(), STORE_OK);
	clock_set_fixed(later);
	assert_int_equal(cleanup_run(&A, &res), 0);
	assert_int_equal(store_begin_write(), STORE_OK);
	assert_string_equal(fx_text("SELECT group_concat(id) FROM workers", NULL),
	    W1);
	assert_int_equal(fx_count("SELECT count(*) FROM work_nacks", NULL), 0);
	assert_int_equal(fx_count("SELECT count(*) FROM work_claims", NULL), 0);
	assert_int_equal(fx_count("SELECT count(*) FROM inbox_messages", NULL), 0);
	assert_int_equal(fx_count("SELECT count(*) FROM credential_rotations", NULL), 0);
	assert_int_equal(fx_count("SELECT count(*) FROM credential_streams", NULL), 0);
	/* The lapsed lock went, and the parked session took its place. */
	assert_string_equal(fx_text("SELECT session_id FROM issue_locks", NULL),
	    "second");
	assert_int_equal(fx_count("SELECT count(*) FROM work_queue WHERE"
	    " session_id = 'second'", NULL), 1);
	assert_int_equal(fx_count("SELECT count(*) FROM parked_work", NULL), 0);
	assert_true(res.purged >= 7);
	assert_int_equal(res.requeued, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_poll_empty_shape),
		T(test_poll_unknown_or_gone_worker_not_found),
		T(test_poll_x6_shape_and_claim),
		T(test_poll_serving_order),
		T(test_poll_capacity_and_batch),
		T(test_poll_draining_takes_no_work),
		T(test_poll_leaves_unmatched_rows_in_place),
		T(test_poll_auth_projects_filter),
		T(test_poll_result_lists_claims_with_projects),
		T(test_poll_worker_outside_principal_not_found),
		T(test_poll_other_org_never_matches),
		T(test_poll_drops_row_of_non_pending_session),
		T(test_poll_each_item_handed_out_once),
		T(test_poll_nack_exclusion),
		T(test_nack_restores_original_priority_and_queued_at),
		T(test_nack_pending_is_idempotent),
		T(test_nack_running_conflicts),
		T(test_claim_success),
		T(test_claim_not_available),
		T(test_claim_worker_draining),
		T(test_claim_project_not_authorized_requeues),
		T(test_claim_non_pending_dropped),
		T(test_inbox_urgent_lane_first_then_normal),
		T(test_inbox_read_limit_and_prior_order),
		T(test_inbox_only_for_prior_sessions),
		T(test_inbox_ack_matches_id_session_and_lane),
		T(test_inbox_publish_refuses_bad_input),
		T(test_inbox_redelivered_after_owner_change),
		T(test_lock_refresh_only_by_holder),
		T(test_cleanup_maintenance_guard),
		T(test_cleanup_recovers_orphans),
		T(test_cleanup_keeps_sessions_of_live_workers),
		T(test_cleanup_requeues_zombies),
		T(test_cleanup_works_in_batches_until_done),
		T(test_cleanup_forces_stop_past_deadline),
		T(test_cleanup_purges_and_promotes_after_expired_lock),
#undef T
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
