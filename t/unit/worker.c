/* t/unit/worker.c -- workers (lib/worker.c) against a real migrated store:
 * 02-worker-protocol.md §2-§6.2, 01-auth.md §5.3 and §6.1, 09-audit.md
 * §4.2 and §4.4. */
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
#include "cred.h"
#include "crypto.h"
#include "json.h"
#include "jwt.h"
#include "log.h"
#include "secrets.h"
#include "settings.h"
#include "store.h"

#include "fixture.h"
#include "tenancy.h"
#include "worker.h"

#define T0  INT64_C(1777658400000)   /* 2026-05-01T18:00:00.000Z */

static struct arena A;
static struct dom_err E;
static int64_t now_ms;

/* Fixture, rebuilt per test inside the test's rolled-back transaction. */
static struct org O, O2;
static struct project P1, P2, P3;   /* P1 default "default", P2 alpha, P3 beta */
static struct project PO2;          /* the other org's default project */
static const char *owner_id;

static const char sql_event_count[] =
    "SELECT count(*) FROM audit_events WHERE org_id = ?1 AND event_type = ?2";
static const char sql_event_last[] =
    "SELECT payload, entity_id, entity_type, actor_type, actor_id"
    " FROM audit_events WHERE org_id = ?1 AND event_type = ?2"
    " ORDER BY seq DESC LIMIT 1";
static const char sql_session_insert[] =
    "INSERT INTO sessions (tracker_session_id, org_id, project_id, public_id,"
    " issue_id, status, created_at, updated_at, worker_id, claimed_at)"
    " VALUES (?1, ?2, ?3, ?1, ?1, ?4, ?5, ?5, ?6, ?7)";
static const char sql_queue_insert[] =
    "INSERT INTO work_queue (session_id, org_id, project_id, priority,"
    " queued_at, item, project_name) VALUES (?1, ?2, ?3, 3, ?4, '{}',"
    " (SELECT slug FROM projects WHERE id = ?3))";
static const char sql_nack_insert[] =
    "INSERT INTO work_nacks (worker_id, session_id, until) VALUES (?1, ?2, ?3)";
static const char sql_worker_count[] =
    "SELECT count(*) FROM workers WHERE id = ?1";
static const char sql_session_status[] =
    "SELECT status, worker_id FROM sessions WHERE tracker_session_id = ?1";
static const char sql_set_heartbeat[] =
    "UPDATE workers SET last_heartbeat = ?2 WHERE id = ?1";

/* ------------------------------------------------------------ fixture */


static int
group_setup(void **state)
{
	(void)state;
	setenv("WORKER_API_KEY", "legacy-worker-key-of-at-least-32-chars", 1);
	fixture_store_up("worker");
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	fixture_store_down();
	return 0;
}

static int
setup(void **state)
{
	struct user u;

	(void)state;
	arena_init(&A);
	memset(&E, 0, sizeof(E));
	now_ms = T0;
	clock_set_fixed(now_ms);
	assert_int_equal(store_begin_write(), STORE_OK);
	assert_int_equal(user_create(&A, "owner@acme.test", "Owner", NULL, 0,
	    &u, &E), DOM_OK);
	owner_id = u.id;
	assert_int_equal(org_create(&A, &actor_cli, "Acme", "acme", NULL,
	    owner_id, 0, &O, &P1, &E), DOM_OK);
	assert_int_equal(org_create(&A, &actor_cli, "Other", "other", NULL,
	    NULL, 0, &O2, &PO2, &E), DOM_OK);
	assert_int_equal(project_create(&A, &actor_cli, O.id, "Alpha",
	    "smoke-alpha", 0, NULL, &P2, &E), DOM_OK);
	assert_int_equal(project_create(&A, &actor_cli, O.id, "Beta", "beta", 0,
	    NULL, &P3, &E), DOM_OK);
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

/* A registration-token principal (01-auth.md §3) for org/project. */
static struct principal
p_regtoken(const char *org, const char *project)
{
	struct principal p;
	const char **v;

	memset(&p, 0, sizeof(p));
	p.type = PT_API_KEY;
	p.kind = CK_REGISTRATION_TOKEN;
	p.org_id = org;
	p.key_id = "rtk_01JQ3Z8V6M2B7C4D5E6F7G8H9K";
	p.scopes = SCOPES_WORKER;
	if (project != NULL) {
		v = arena_alloc(&A, sizeof(*v));
		v[0] = project;
		p.project_ids = v;
		p.nprojects = 1;
	}
	return p;
}

static struct principal
p_key(const char *org, const char *key_type, uint32_t scopes)
{
	struct principal p;

	memset(&p, 0, sizeof(p));
	p.type = PT_API_KEY;
	p.kind = CK_API_KEY;
	p.org_id = org;
	p.key_id = "key_01JQ3Z8V6M2B7C4D5E6F7G8H9J";
	p.key_type = key_type;
	p.scopes = scopes;
	p.role = strcmp(key_type, "user") == 0 ? ROLE_ADMIN : ROLE_NONE;
	return p;
}

static struct principal
p_runtime(const struct worker *w, const char *reg)
{
	struct principal p;

	memset(&p, 0, sizeof(p));
	p.type = PT_WORKER;
	p.kind = CK_RUNTIME_JWT;
	p.org_id = w->org_id;
	p.worker_id = w->id;
	p.reg = reg;
	p.project_ids = w->nauth_projects >= 0 ? w->auth_projects : NULL;
	p.nprojects = w->nauth_projects >= 0 ? w->nauth_projects : 0;
	p.scopes = SCOPE(SC_WORKER_POLL) | SCOPE(SC_WORKER_HEARTBEAT) |
	    SCOPE(SC_WORKER_SESSION);
	return p;
}

static struct worker_reg_body
body_of(const char *hostname, int64_t capacity)
{
	struct worker_reg_body b;

	memset(&b, 0, sizeof(b));
	b.hostname = hostname;
	b.capacity = capacity;
	return b;
}

/* Registers through p and returns the row. */
static struct worker
mk_worker_body(const struct principal *p, const struct worker_reg_body *b,
    struct worker_token *tok_out)
{
	struct worker_reg reg;
	struct worker_token tok;
	struct worker w;

	assert_true(worker_reg_from_principal(p, &reg));
	assert_int_equal(worker_register(&A, p, &reg, b, now_ms, &w, &tok),
	    DOM_OK);
	if (tok_out != NULL)
		*tok_out = tok;
	return w;
}

static struct worker
mk_worker(const struct principal *p, const char *hostname)
{
	struct worker_reg_body b = body_of(hostname, 4);

	return mk_worker_body(p, &b, NULL);
}

static int64_t
count_events(const char *org, const char *type)
{
	struct sstmt *st = store_stmt(sql_event_count);
	int64_t n;

	ss_bind_text(st, 1, org);
	ss_bind_text(st, 2, type);
	assert_int_equal(ss_step(st), STORE_ROW);
	n = ss_int(st, 0);
	ss_reset(st);
	return n;
}

/* The last event of type: payload text, and "actor_type:actor_id". */
static void
last_event(const char *org, const char *type, char *payload, size_t plen,
    char *actor, size_t alen)
{
	struct sstmt *st = store_stmt(sql_event_last);

	ss_bind_text(st, 1, org);
	ss_bind_text(st, 2, type);
	assert_int_equal(ss_step(st), STORE_ROW);
	snprintf(payload, plen, "%s", ss_text(st, 0));
	snprintf(actor, alen, "%s:%s", ss_text(st, 3), ss_text(st, 4));
	assert_string_equal(ss_text(st, 2), "worker");
	ss_reset(st);
}

static void
mk_session(const char *id, const char *org, const char *project,
    const char *status, const char *worker, int64_t claimed_at)
{
	struct sstmt *st = store_stmt(sql_session_insert);

	ss_bind_text(st, 1, id);
	ss_bind_text(st, 2, org);
	ss_bind_text(st, 3, project);
	ss_bind_text(st, 4, status);
	ss_bind_int(st, 5, now_ms);
	ss_bind_text(st, 6, worker);
	if (claimed_at)
		ss_bind_int(st, 7, claimed_at);
	else
		ss_bind_null(st, 7);
	assert_int_equal(ss_exec(st), STORE_OK);
}

static void
mk_queued(const char *id, const char *org, const char *project)
{
	struct sstmt *st;

	mk_session(id, org, project, "pending", NULL, 0);
	st = store_stmt(sql_queue_insert);
	ss_bind_text(st, 1, id);
	ss_bind_text(st, 2, org);
	ss_bind_text(st, 3, project);
	ss_bind_int(st, 4, now_ms);
	assert_int_equal(ss_exec(st), STORE_OK);
}

static void
mk_nack(const char *worker, const char *session, int64_t until)
{
	struct sstmt *st = store_stmt(sql_nack_insert);

	ss_bind_text(st, 1, worker);
	ss_bind_text(st, 2, session);
	ss_bind_int(st, 3, until);
	assert_int_equal(ss_exec(st), STORE_OK);
}

static void
set_heartbeat(const char *id, int64_t ms)
{
	struct sstmt *st = store_stmt(sql_set_heartbeat);

	ss_bind_text(st, 1, id);
	ss_bind_int(st, 2, ms);
	assert_int_equal(ss_exec(st), STORE_OK);
}

static int64_t
pending_of(const char *id)
{
	struct worker w;
	int64_t n = -1;

	assert_int_equal(worker_get(&A, id, now_ms, &w), DOM_OK);
	assert_int_equal(worker_pending_work_count(&w, now_ms, &n), DOM_OK);
	return n;
}

/* Verifies a minted token and returns its claims. */
static struct jwt_runtime_claims
claims_of(const struct worker_token *t)
{
	const struct secret *s = secret_get(SECRET_RUNTIME_JWT);
	struct jwt_runtime_claims c;

	assert_int_equal(jwt_runtime_verify(t->token, t->len, s->key, s->len,
	    now_ms / 1000, 60, 0, &A, &c), JWT_VALID);
	return c;
}

/* The payload segment of a token, decoded. */
static const char *
payload_of(const struct worker_token *t)
{
	const char *a = strchr(t->token, '.') + 1, *b = strchr(a, '.');
	uint8_t out[2048];
	long n = b64url_decode(out, sizeof(out), a, (size_t)(b - a));

	assert_true(n > 0);
	return arena_strndup(&A, (const char *)out, (size_t)n);
}

struct collect {
	const char *ids[16];
	int n;
};

static int
collect_one(const struct worker *w, void *arg)
{
	struct collect *c = arg;

	c->ids[c->n++] = w->id;
	return 0;
}

/* ------------------------------------------------------------ register */

static void
register_stores_row_registered_and_heartbeat_now(void **state)
{
	struct principal p = p_regtoken(O.id, P2.id);
	struct worker w = mk_worker(&p, "build-01");

	(void)state;
	assert_int_equal(w.registered_at, T0);
	assert_int_equal(w.last_heartbeat, T0);
	assert_string_equal(w.status, "active");
	assert_int_equal(w.active_count, 0);
	assert_int_equal(w.capacity, 4);
	assert_string_equal(w.org_id, O.id);
	assert_string_equal(w.hostname, "build-01");
	assert_null(w.version);
	assert_null(w.projects);
}

static void
register_id_is_wkr_and_16_hex_with_version_nibble_4(void **state)
{
	struct principal p = p_regtoken(O.id, NULL);
	struct worker w = mk_worker(&p, "h");

	(void)state;
	assert_int_equal(strlen(w.id), WORKER_ID_LEN);
	assert_memory_equal(w.id, "wkr_", 4);
	assert_true(is_lower_hex(w.id + 4, 16));
	assert_int_equal(w.id[4 + 12], '4');
}

static void
register_never_dedups_by_hostname(void **state)
{
	struct principal p = p_regtoken(O.id, NULL);
	struct worker a = mk_worker(&p, "same"), b = mk_worker(&p, "same");

	(void)state;
	assert_string_not_equal(a.id, b.id);
}

static void
register_copies_credential_org_projects_and_reg(void **state)
{
	struct principal p = p_regtoken(O.id, P2.id);
	struct worker w = mk_worker(&p, "h");

	(void)state;
	assert_string_equal(w.auth_project_ids,
	    arena_printf(&A, "[\"%s\"]", P2.id));
	assert_int_equal(w.nauth_projects, 1);
	assert_string_equal(w.auth_projects[0], P2.id);
	assert_string_equal(w.registered_via, p.key_id);
}

static void
register_org_wide_credential_leaves_auth_projects_null(void **state)
{
	struct principal p = p_regtoken(O.id, NULL);
	struct worker w = mk_worker(&p, "h");

	(void)state;
	assert_null(w.auth_project_ids);
	assert_int_equal(w.nauth_projects, -1);
}

static void
register_stores_optional_fields_as_given(void **state)
{
	struct principal p = p_regtoken(O.id, NULL);
	struct worker_reg_body b = body_of("h", 2);
	struct worker w;

	(void)state;
	b.version = "0.4.0-dev";
	b.projects = "[\"smoke-alpha\"]";
	b.machine_id = "machine-test-host";
	b.provides = "[{\"kind\":\"native\"}]";
	b.capabilities = "[\"local\"]";
	b.region = "eu";
	b.reported_status = "idle";
	w = mk_worker_body(&p, &b, NULL);
	assert_string_equal(w.version, "0.4.0-dev");
	assert_string_equal(w.projects, "[\"smoke-alpha\"]");
	assert_string_equal(w.machine_id, "machine-test-host");
	assert_string_equal(w.provides, "[{\"kind\":\"native\"}]");
	assert_string_equal(w.capabilities, "[\"local\"]");
	assert_string_equal(w.region, "eu");
	assert_string_equal(w.reported_status, "idle");
	assert_string_equal(w.status, "active");
}

static void
register_v1_status_draining_stores_draining(void **state)
{
	struct principal p = p_regtoken(O.id, NULL);
	struct worker_reg_body b = body_of("h", 2);
	struct worker w;

	(void)state;
	b.reported_status = "draining";
	w = mk_worker_body(&p, &b, NULL);
	assert_string_equal(w.status, "draining");
	assert_true(worker_draining(&w));
}

static void
register_appends_worker_registered_with_new_worker_as_actor(void **state)
{
	struct principal p = p_regtoken(O.id, P2.id);
	struct worker_reg_body b = body_of("build-01", 4);
	struct worker w;
	char pl[1024], actor[128];

	(void)state;
	b.version = "1.0.0";
	w = mk_worker_body(&p, &b, NULL);
	assert_int_equal(count_events(O.id, "worker.registered"), 1);
	last_event(O.id, "worker.registered", pl, sizeof(pl), actor,
	    sizeof(actor));
	/* Stored canonical (JCS): members sorted. */
	assert_string_equal(pl, arena_printf(&A, "{\"capacity\":4,"
	    "\"credentialKind\":\"registration_token\","
	    "\"hostname\":\"build-01\",\"version\":\"1.0.0\","
	    "\"workerId\":\"%s\"}", w.id));
	assert_string_equal(actor, arena_printf(&A, "worker:%s", w.id));
}

static void
register_with_user_key_audits_api_key_actor(void **state)
{
	struct principal p = p_key(O.id, "user", SCOPE(SC_WORKER_REGISTER));
	char pl[1024], actor[128];

	(void)state;
	(void)mk_worker(&p, "h");
	last_event(O.id, "worker.registered", pl, sizeof(pl), actor,
	    sizeof(actor));
	assert_string_equal(actor, arena_printf(&A, "api_key:%s", p.key_id));
	assert_non_null(strstr(pl, "\"version\":null"));
	assert_non_null(strstr(pl, "\"credentialKind\":\"api_key\""));
}

static void
register_with_worker_registration_key_audits_worker_actor(void **state)
{
	struct principal p = p_key(O.id, "worker_registration",
	    SCOPE(SC_WORKER_POLL));
	struct worker w = mk_worker(&p, "h");
	char pl[1024], actor[128];

	(void)state;
	last_event(O.id, "worker.registered", pl, sizeof(pl), actor,
	    sizeof(actor));
	assert_string_equal(actor, arena_printf(&A, "worker:%s", w.id));
}

/* -------------------------------------------------------------- tokens */

static void
token_claims_follow_the_credential(void **state)
{
	struct principal p = p_regtoken(O.id, P2.id);
	struct worker_reg_body b = body_of("h", 1);
	struct worker_token t;
	struct worker w = mk_worker_body(&p, &b, &t);
	struct jwt_runtime_claims c = claims_of(&t);

	(void)state;
	assert_string_equal(c.sub, w.id);
	assert_string_equal(c.org, O.id);
	assert_int_equal(c.nproj, 1);
	assert_string_equal(c.proj[0], P2.id);
	assert_string_equal(c.reg, p.key_id);
	assert_int_equal(c.scope, JWT_SCOPE_ALL);
	assert_int_equal(c.iat, T0 / 1000);
	assert_int_equal(c.exp, T0 / 1000 + 3600);
	assert_int_equal(strlen(c.jti), 32);
}

static void
token_expiry_is_iso_of_exp(void **state)
{
	struct principal p = p_regtoken(O.id, NULL);
	struct worker_reg_body b = body_of("h", 1);
	struct worker_token t;

	(void)state;
	tick(999);   /* iat floors the ms clock */
	(void)mk_worker_body(&p, &b, &t);
	assert_int_equal(t.expires_at, T0 + 3600 * 1000);
	assert_string_equal(t.expires_iso, "2026-05-01T19:00:00.000Z");
}

static void
token_proj_is_a_string_for_one_project(void **state)
{
	struct principal p = p_regtoken(O.id, P2.id);
	struct worker_reg_body b = body_of("h", 1);
	struct worker_token t;

	(void)state;
	(void)mk_worker_body(&p, &b, &t);
	assert_non_null(strstr(payload_of(&t),
	    arena_printf(&A, "\"proj\":\"%s\"", P2.id)));
}

static void
token_proj_is_omitted_for_all_projects(void **state)
{
	struct principal p = p_regtoken(O.id, NULL);
	struct worker_reg_body b = body_of("h", 1);
	struct worker_token t;

	(void)state;
	(void)mk_worker_body(&p, &b, &t);
	assert_null(strstr(payload_of(&t), "\"proj\""));
}

static void
token_proj_is_an_array_for_several_projects(void **state)
{
	struct principal p = p_key(O.id, "user", SCOPE(SC_ALL));
	const char *projs[] = { P3.id, P2.id };
	struct worker_reg_body b = body_of("h", 1);
	struct worker_token t;

	(void)state;
	p.project_ids = projs;
	p.nprojects = 2;
	(void)mk_worker_body(&p, &b, &t);
	assert_non_null(strstr(payload_of(&t), arena_printf(&A,
	    "\"proj\":[\"%s\",\"%s\"]", P3.id, P2.id)));
}

static void
token_scope_is_the_worker_scopes_the_key_holds(void **state)
{
	struct principal p = p_key(O.id, "user", SCOPE(SC_WORKER_REGISTER) |
	    SCOPE(SC_WORKER_HEARTBEAT) | SCOPE(SC_SESSIONS_READ));
	struct worker_reg_body b = body_of("h", 1);
	struct worker_token t;

	(void)state;
	(void)mk_worker_body(&p, &b, &t);
	assert_int_equal(claims_of(&t).scope, JWT_SCOPE_HEARTBEAT);
}

static void
token_scope_of_star_key_is_all_three(void **state)
{
	struct principal p = p_key(O.id, "user", SCOPE(SC_ALL));
	struct worker_reg_body b = body_of("h", 1);
	struct worker_token t;

	(void)state;
	(void)mk_worker_body(&p, &b, &t);
	assert_int_equal(claims_of(&t).scope, JWT_SCOPE_ALL);
}

/* ------------------------------------------- registration credentials */

static void
reg_credentials_are_token_legacy_and_registering_keys(void **state)
{
	struct worker_reg r;
	struct principal p;

	(void)state;
	p = p_regtoken(O.id, NULL);
	assert_true(worker_reg_from_principal(&p, &r));
	assert_string_equal(r.reg, p.key_id);
	memset(&p, 0, sizeof(p));
	p.type = PT_API_KEY;
	p.kind = CK_LEGACY_KEY;
	p.org_id = O.id;
	p.key_id = "legacy";
	p.scopes = SCOPES_WORKER;
	assert_true(worker_reg_from_principal(&p, &r));
	assert_string_equal(r.reg, "legacy");
	assert_int_equal(r.scope, JWT_SCOPE_ALL);
	p = p_key(O.id, "worker_registration", SCOPE(SC_WORKER_POLL));
	assert_true(worker_reg_from_principal(&p, &r));
	assert_int_equal(r.scope, JWT_SCOPE_POLL);
	p = p_key(O.id, "user", SCOPE(SC_WORKER_REGISTER));
	assert_true(worker_reg_from_principal(&p, &r));
	assert_int_equal(r.scope, 0);
	p = p_key(O.id, "user", SCOPE(SC_ALL));
	assert_true(worker_reg_from_principal(&p, &r));
}

static void
reg_credentials_exclude_jwts_cookies_and_other_keys(void **state)
{
	struct worker_reg r;
	struct principal p;

	(void)state;
	p = p_key(O.id, "user", SCOPE(SC_SESSIONS_READ) |
	    SCOPE(SC_ORG_KEYS_WRITE));
	assert_false(worker_reg_from_principal(&p, &r));
	assert_true(worker_onboarding_capable(&p));
	memset(&p, 0, sizeof(p));
	p.type = PT_M2M;
	p.kind = CK_M2M_JWT;
	p.org_id = O.id;
	p.client_id = "m2m_x";
	p.scopes = SCOPE(SC_WORKER_REGISTER);
	assert_false(worker_reg_from_principal(&p, &r));
	assert_false(worker_onboarding_capable(&p));
	p.type = PT_WORKER;
	p.kind = CK_RUNTIME_JWT;
	assert_false(worker_reg_from_principal(&p, &r));
	assert_false(worker_onboarding_capable(&p));
	p.type = PT_USER;
	p.kind = CK_COOKIE;
	p.scopes = SCOPE(SC_ALL);
	assert_false(worker_reg_from_principal(&p, &r));
	assert_true(worker_onboarding_capable(&p));
}

static void
onboarding_cookie_needs_project_admin(void **state)
{
	struct principal p;
	struct project pr;
	struct project_member pm;
	struct user u;

	(void)state;
	memset(&p, 0, sizeof(p));
	p.type = PT_USER;
	p.kind = CK_COOKIE;
	p.org_id = O.id;
	p.user_id = owner_id;
	p.role = ROLE_OWNER;
	p.scopes = SCOPE(SC_ALL);
	assert_int_equal(worker_onboarding_check(&A, &p, "smoke-alpha", &pr),
	    DOM_OK);
	assert_string_equal(pr.id, P2.id);
	assert_int_equal(user_create(&A, "m@acme.test", NULL, NULL, 0, &u, &E),
	    DOM_OK);
	assert_int_equal(member_add(&A, &actor_cli, O.id, u.id, "member", NULL,
	    &E), DOM_OK);
	p.user_id = u.id;
	p.role = ROLE_MEMBER;
	assert_int_equal(worker_onboarding_check(&A, &p, P2.id, &pr),
	    DOM_NOT_FOUND);   /* invisible to a plain member */
	assert_int_equal(project_member_add(&A, &actor_cli, O.id, P2.id, u.id,
	    "member", &pm, &E), DOM_OK);
	assert_int_equal(worker_onboarding_check(&A, &p, P2.id, &pr),
	    DOM_FORBIDDEN);
	assert_int_equal(worker_onboarding_check(&A, &p, "nope", &pr),
	    DOM_NOT_FOUND);
}

static void
onboarding_key_needs_org_keys_write_and_its_projects(void **state)
{
	struct principal p = p_key(O.id, "user", SCOPE(SC_SESSIONS_READ));
	const char *only[] = { P3.id };
	struct project pr;

	(void)state;
	assert_int_equal(worker_onboarding_check(&A, &p, P2.id, &pr),
	    DOM_FORBIDDEN);
	p.scopes |= SCOPE(SC_ORG_KEYS_WRITE);
	assert_int_equal(worker_onboarding_check(&A, &p, P2.id, &pr), DOM_OK);
	p.project_ids = only;
	p.nprojects = 1;
	assert_int_equal(worker_onboarding_check(&A, &p, P2.id, &pr),
	    DOM_NOT_FOUND);
}

static void
reg_check_accepts_a_live_registration_token(void **state)
{
	struct minted m;
	struct principal p = p_regtoken(O.id, P2.id), rt;
	struct worker_reg r;
	struct worker w;

	(void)state;
	assert_int_equal(regtoken_mint(&A, &actor_cli, O.id, P2.id, "t", NULL,
	    3600, &m, &E), DOM_OK);
	p.key_id = m.id;
	w = mk_worker(&p, "h");
	rt = p_runtime(&w, m.id);
	assert_int_equal(worker_reg_check(&A, &rt, now_ms, &r), DOM_OK);
	assert_string_equal(r.reg, m.id);
	assert_int_equal(r.scope, JWT_SCOPE_ALL);
}

static void
reg_check_refuses_a_revoked_or_expired_token(void **state)
{
	struct minted m;
	struct principal p = p_regtoken(O.id, P2.id), rt;
	struct worker_reg r;
	struct worker w;

	(void)state;
	assert_int_equal(regtoken_mint(&A, &actor_cli, O.id, P2.id, "t", NULL,
	    300, &m, &E), DOM_OK);
	p.key_id = m.id;
	w = mk_worker(&p, "h");
	rt = p_runtime(&w, m.id);
	assert_int_equal(worker_reg_check(&A, &rt, now_ms + 300 * 1000, &r),
	    DOM_FORBIDDEN);
	assert_int_equal(regtoken_revoke(&A, &actor_cli, O.id, P2.id, m.id, &E),
	    DOM_OK);
	assert_int_equal(worker_reg_check(&A, &rt, now_ms, &r), DOM_FORBIDDEN);
}

static void
reg_check_refuses_a_revoked_key(void **state)
{
	const char *scopes[] = { "worker:register", "worker:poll" };
	struct key_mint km;
	struct minted m;
	struct principal p = p_key(O.id, "user", SCOPE(SC_WORKER_REGISTER)), rt;
	struct worker_reg r;
	struct worker w;

	(void)state;
	memset(&km, 0, sizeof(km));
	km.org_id = O.id;
	km.name = "ci";
	km.key_type = "worker_registration";
	km.scopes = scopes;
	km.nscopes = 2;
	assert_int_equal(key_mint(&A, &actor_cli, &km, &m, &E), DOM_OK);
	p.key_id = m.id;
	w = mk_worker(&p, "h");
	rt = p_runtime(&w, m.id);
	assert_int_equal(worker_reg_check(&A, &rt, now_ms, &r), DOM_OK);
	assert_int_equal(r.scope, JWT_SCOPE_POLL);
	assert_int_equal(key_revoke(&A, &actor_cli, O.id, m.id, &E), DOM_OK);
	assert_int_equal(worker_reg_check(&A, &rt, now_ms, &r), DOM_FORBIDDEN);
}

static void
reg_check_legacy_needs_legacy_mode(void **state)
{
	struct principal p = p_regtoken(O.id, NULL), rt;
	struct worker_reg r;
	struct worker w = mk_worker(&p, "h");
	const char *saved = cfg.worker_api_key;

	(void)state;
	rt = p_runtime(&w, "legacy");
	assert_int_equal(worker_reg_check(&A, &rt, now_ms, &r), DOM_OK);
	cfg.worker_api_key = NULL;
	assert_int_equal(worker_reg_check(&A, &rt, now_ms, &r), DOM_FORBIDDEN);
	cfg.worker_api_key = saved;
}

static void
reg_check_user_needs_project_admin_still(void **state)
{
	struct principal p = p_regtoken(O.id, P2.id), rt;
	struct worker_reg r;
	struct worker w = mk_worker(&p, "h");
	struct member m;
	struct user u;

	(void)state;
	assert_int_equal(user_create(&A, "ad@acme.test", NULL, NULL, 0, &u, &E),
	    DOM_OK);
	assert_int_equal(member_add(&A, &actor_cli, O.id, u.id, "admin", NULL,
	    &E), DOM_OK);
	rt = p_runtime(&w, u.id);
	assert_int_equal(worker_reg_check(&A, &rt, now_ms, &r), DOM_OK);
	assert_int_equal(r.scope, JWT_SCOPE_ALL);
	assert_int_equal(member_set_role(&A, &actor_cli, O.id, u.id, "member",
	    &m, &E), DOM_OK);
	assert_int_equal(worker_reg_check(&A, &rt, now_ms, &r), DOM_FORBIDDEN);
}

static void
reg_check_unknown_reg_is_refused(void **state)
{
	struct principal p = p_regtoken(O.id, NULL), rt;
	struct worker_reg r;
	struct worker w = mk_worker(&p, "h");

	(void)state;
	rt = p_runtime(&w, "rtk_01JQ3Z8V6M2B7C4D5E6F7G8H9K");
	assert_int_equal(worker_reg_check(&A, &rt, now_ms, &r), DOM_FORBIDDEN);
	rt = p_runtime(&w, "something");
	assert_int_equal(worker_reg_check(&A, &rt, now_ms, &r), DOM_FORBIDDEN);
}

/* ----------------------------------------------------- liveness, tenancy */

static void
get_is_alive_up_to_worker_ttl(void **state)
{
	struct principal p = p_regtoken(O.id, NULL);
	struct worker w = mk_worker(&p, "h"), g;

	(void)state;
	assert_int_equal(worker_get(&A, w.id, T0 + 300 * 1000, &g), DOM_OK);
	assert_int_equal(worker_get(&A, w.id, T0 + 300 * 1000 + 1, &g),
	    DOM_NOT_FOUND);
	assert_int_equal(worker_get(&A, "wkr_0f3a9c2e1b4d4a6c", T0, &g),
	    DOM_NOT_FOUND);
}

static void
offline_after_heartbeat_timeout(void **state)
{
	struct principal p = p_regtoken(O.id, NULL);
	struct worker w = mk_worker(&p, "h");

	(void)state;
	assert_false(worker_offline(&w, T0 + 180000));
	assert_true(worker_offline(&w, T0 + 180001));
	assert_true(worker_alive(&w, T0 + 180001));
	assert_string_equal(worker_status_shown(&w, T0 + 180000), "active");
	assert_string_equal(worker_status_shown(&w, T0 + 180001), "offline");
}

static void
draining_worker_shows_draining_until_offline(void **state)
{
	struct worker w;

	(void)state;
	memset(&w, 0, sizeof(w));
	w.status = "draining";
	w.last_heartbeat = T0;
	assert_true(worker_draining(&w));
	assert_string_equal(worker_status_shown(&w, T0), "draining");
	assert_string_equal(worker_status_shown(&w, T0 + 180001), "offline");
	w.status = "active";
	w.reported_status = "busy";
	assert_false(worker_draining(&w));
}

static void
addressable_needs_same_org(void **state)
{
	struct principal p = p_regtoken(O.id, NULL), q = p_regtoken(O2.id, NULL);
	struct worker w = mk_worker(&p, "h");

	(void)state;
	assert_true(worker_addressable(&p, &w));
	assert_false(worker_addressable(&q, &w));
}

static void
addressable_by_project_principal_needs_subset(void **state)
{
	struct principal all = p_regtoken(O.id, NULL);
	struct principal a2 = p_regtoken(O.id, P2.id);
	struct principal a3 = p_regtoken(O.id, P3.id);
	struct worker wall = mk_worker(&all, "h"), w2 = mk_worker(&a2, "h");

	(void)state;
	assert_false(worker_addressable(&a2, &wall));   /* null ⊄ [P2] */
	assert_true(worker_addressable(&a2, &w2));
	assert_false(worker_addressable(&a3, &w2));
	assert_true(worker_addressable(&all, &w2));
}

/* ------------------------------------------------------------ heartbeat */

static void
heartbeat_sets_last_heartbeat_and_fields(void **state)
{
	struct principal p = p_regtoken(O.id, NULL);
	struct worker w = mk_worker(&p, "h"), g;
	struct worker_beat b;
	int64_t pending;

	(void)state;
	tick(30000);
	memset(&b, 0, sizeof(b));
	b.active_count = 2;
	b.reported_status = "busy";
	b.max_sessions = 8;
	b.load = "{\"cpu\":12.5,\"memory\":40.1}";
	assert_int_equal(worker_heartbeat(&A, NULL, w.id, &b, now_ms, &pending),
	    DOM_OK);
	assert_int_equal(worker_get(&A, w.id, now_ms, &g), DOM_OK);
	assert_int_equal(g.last_heartbeat, T0 + 30000);
	assert_int_equal(g.active_count, 2);
	assert_string_equal(g.reported_status, "busy");
	assert_string_equal(g.status, "active");
	assert_int_equal(g.capacity, 8);
	assert_int_equal(g.max_sessions, 8);
	assert_string_equal(g.load, "{\"cpu\":12.5,\"memory\":40.1}");
	assert_int_equal(g.registered_at, T0);
}

/* Another org's credential: not found, and the rollback undoes the
 * update the RETURNING row was read from. */
static void
heartbeat_by_other_org_is_not_found_and_changes_nothing(void **state)
{
	struct principal p = p_regtoken(O.id, NULL), q = p_regtoken(O2.id, NULL);
	struct worker w = mk_worker(&p, "h"), g;
	struct worker_beat b;
	int64_t pending;

	(void)state;
	tick(30000);
	memset(&b, 0, sizeof(b));
	b.active_count = 3;
	/* The fixture runs each test in one write transaction: a savepoint
	 * stands in for the handler's rollback. */
	assert_int_equal(store_exec("SAVEPOINT beat"), STORE_OK);
	assert_int_equal(worker_heartbeat(&A, &q, w.id, &b, now_ms, &pending),
	    DOM_NOT_FOUND);
	assert_int_equal(store_exec("ROLLBACK TO beat; RELEASE beat"), STORE_OK);
	assert_int_equal(worker_get(&A, w.id, now_ms, &g), DOM_OK);
	assert_int_equal(g.last_heartbeat, T0);
	assert_int_equal(g.active_count, 0);
	/* The owner's own credential passes the same check. */
	assert_int_equal(worker_heartbeat(&A, &p, w.id, &b, now_ms, &pending),
	    DOM_OK);
	assert_int_equal(worker_get(&A, w.id, now_ms, &g), DOM_OK);
	assert_int_equal(g.active_count, 3);
}

static void
heartbeat_draining_sets_status_and_next_one_clears_it(void **state)
{
	struct principal p = p_regtoken(O.id, NULL);
	struct worker w = mk_worker(&p, "h"), g;
	struct worker_beat b;
	int64_t pending;

	(void)state;
	memset(&b, 0, sizeof(b));
	b.reported_status = "draining";
	assert_int_equal(worker_heartbeat(&A, NULL, w.id, &b, now_ms, &pending),
	    DOM_OK);
	assert_int_equal(worker_get(&A, w.id, now_ms, &g), DOM_OK);
	assert_string_equal(g.status, "draining");
	b.reported_status = NULL;
	assert_int_equal(worker_heartbeat(&A, NULL, w.id, &b, now_ms, &pending),
	    DOM_OK);
	assert_int_equal(worker_get(&A, w.id, now_ms, &g), DOM_OK);
	assert_string_equal(g.status, "active");
	assert_string_equal(g.reported_status, "draining");
}

static void
heartbeat_leaves_unset_fields(void **state)
{
	struct principal p = p_regtoken(O.id, NULL);
	struct worker_reg_body rb = body_of("h", 3);
	struct worker w, g;
	struct worker_beat b;
	int64_t pending;

	(void)state;
	rb.version = "0.1.0";
	w = mk_worker_body(&p, &rb, NULL);
	memset(&b, 0, sizeof(b));
	assert_int_equal(worker_heartbeat(&A, NULL, w.id, &b, now_ms, &pending),
	    DOM_OK);
	assert_int_equal(worker_get(&A, w.id, now_ms, &g), DOM_OK);
	assert_int_equal(g.capacity, 3);
	assert_int_equal(g.max_sessions, 0);
	assert_null(g.load);
	assert_string_equal(g.version, "0.1.0");
	assert_null(g.reported_status);
}

static void
heartbeat_v1_replaces_hostname_version_region_capabilities(void **state)
{
	struct principal p = p_regtoken(O.id, NULL);
	struct worker w = mk_worker(&p, "h"), g;
	struct worker_beat b;
	int64_t pending;

	(void)state;
	memset(&b, 0, sizeof(b));
	b.hostname = "mac-studio";
	b.version = "0.2.0";
	b.region = "us";
	b.capabilities = "[\"local\",\"sandbox\"]";
	assert_int_equal(worker_heartbeat(&A, NULL, w.id, &b, now_ms, &pending),
	    DOM_OK);
	assert_int_equal(worker_get(&A, w.id, now_ms, &g), DOM_OK);
	assert_string_equal(g.hostname, "mac-studio");
	assert_string_equal(g.version, "0.2.0");
	assert_string_equal(g.region, "us");
	assert_string_equal(g.capabilities, "[\"local\",\"sandbox\"]");
}

static void
heartbeat_does_not_revive_a_gone_worker(void **state)
{
	struct principal p = p_regtoken(O.id, NULL);
	struct worker w = mk_worker(&p, "h"), g;
	struct worker_beat b;
	int64_t pending;

	(void)state;
	memset(&b, 0, sizeof(b));
	tick(300 * 1000 + 1);
	assert_int_equal(worker_heartbeat(&A, NULL, w.id, &b, now_ms, &pending),
	    DOM_NOT_FOUND);
	assert_int_equal(worker_get(&A, w.id, T0, &g), DOM_OK);
	assert_int_equal(g.last_heartbeat, T0);
}

/* ----------------------------------------------------- pending, queue */

static void
pending_counts_rows_of_the_worker_org(void **state)
{
	struct principal p = p_regtoken(O.id, NULL);
	struct worker w = mk_worker(&p, "h");

	(void)state;
	mk_queued("s1", O.id, P2.id);
	mk_queued("s2", O.id, P3.id);
	mk_queued("s3", O2.id, PO2.id);
	assert_int_equal(pending_of(w.id), 2);
}

static void
pending_respects_auth_projects(void **state)
{
	struct principal p = p_regtoken(O.id, P2.id);
	struct worker w = mk_worker(&p, "h");

	(void)state;
	mk_queued("s1", O.id, P2.id);
	mk_queued("s2", O.id, P3.id);
	assert_int_equal(pending_of(w.id), 1);
}

static void
pending_name_filter_matches_project_id_or_slug(void **state)
{
	struct principal p = p_regtoken(O.id, NULL);
	struct worker_reg_body b = body_of("h", 1);
	struct worker w;

	(void)state;
	mk_queued("s1", O.id, P2.id);
	mk_queued("s2", O.id, P3.id);
	mk_queued("s3", O.id, P1.id);
	b.projects = "[\"smoke-alpha\"]";
	w = mk_worker_body(&p, &b, NULL);
	assert_int_equal(pending_of(w.id), 1);
	b.projects = arena_printf(&A, "[\"smoke-alpha\",\"%s\"]", P3.id);
	w = mk_worker_body(&p, &b, NULL);
	assert_int_equal(pending_of(w.id), 2);
	b.projects = "[]";
	w = mk_worker_body(&p, &b, NULL);
	assert_int_equal(pending_of(w.id), 3);
}

static void
pending_skips_unexpired_nacks_of_this_worker(void **state)
{
	struct principal p = p_regtoken(O.id, NULL);
	struct worker w = mk_worker(&p, "h"), x = mk_worker(&p, "x");

	(void)state;
	mk_queued("s1", O.id, P2.id);
	mk_queued("s2", O.id, P2.id);
	mk_queued("s3", O.id, P2.id);
	mk_nack(w.id, "s1", now_ms + 1);
	mk_nack(w.id, "s2", now_ms);       /* expired at now */
	mk_nack(x.id, "s3", now_ms + 1000);
	assert_int_equal(pending_of(w.id), 2);
	assert_int_equal(pending_of(x.id), 2);
}

static void
queue_length_counts_rows_visible_to_the_principal(void **state)
{
	struct principal all = p_regtoken(O.id, NULL);
	struct principal a2 = p_regtoken(O.id, P2.id);
	struct principal other = p_regtoken(O2.id, NULL);
	int64_t n;

	(void)state;
	mk_queued("s1", O.id, P2.id);
	mk_queued("s2", O.id, P3.id);
	mk_queued("s3", O.id, P2.id);
	assert_int_equal(worker_queue_length(&all, &n), DOM_OK);
	assert_int_equal(n, 3);
	assert_int_equal(worker_queue_length(&a2, &n), DOM_OK);
	assert_int_equal(n, 2);
	assert_int_equal(worker_queue_length(&other, &n), DOM_OK);
	assert_int_equal(n, 0);
}

static void
active_sessions_are_claimed_running_finalizing_oldest_claim_first(void **state)
{
	struct principal p = p_regtoken(O.id, NULL);
	struct worker w = mk_worker(&p, "h");
	const char **ids;
	size_t n;

	(void)state;
	mk_session("s-run", O.id, P2.id, "running", w.id, T0 + 30);
	mk_session("s-cl", O.id, P2.id, "claimed", w.id, T0 + 10);
	mk_session("s-fin", O.id, P2.id, "finalizing", w.id, T0 + 20);
	mk_session("s-done", O.id, P2.id, "completed", w.id, T0 + 5);
	mk_session("s-pend", O.id, P2.id, "pending", w.id, 0);
	assert_int_equal(worker_active_sessions(&A, w.id, &ids, &n), DOM_OK);
	assert_int_equal(n, 3);
	assert_string_equal(ids[0], "s-cl");
	assert_string_equal(ids[1], "s-fin");
	assert_string_equal(ids[2], "s-run");
}

/* ----------------------------------------------------------------- list */

static void
list_holds_alive_workers_by_registered_at_then_id(void **state)
{
	struct principal p = p_regtoken(O.id, NULL);
	struct worker a, b, c, gone;
	struct collect col;

	(void)state;
	gone = mk_worker(&p, "gone");
	tick(1000);
	b = mk_worker(&p, "b");
	a = mk_worker(&p, "a");     /* same registeredAt as b */
	tick(1000);
	c = mk_worker(&p, "c");
	set_heartbeat(gone.id, now_ms - 300 * 1000 - 1);
	memset(&col, 0, sizeof(col));
	assert_int_equal(worker_list(&A, &p, now_ms, collect_one, &col), DOM_OK);
	assert_int_equal(col.n, 3);
	if (strcmp(a.id, b.id) < 0) {
		assert_string_equal(col.ids[0], a.id);
		assert_string_equal(col.ids[1], b.id);
	} else {
		assert_string_equal(col.ids[0], b.id);
		assert_string_equal(col.ids[1], a.id);
	}
	assert_string_equal(col.ids[2], c.id);
}

static void
list_leaves_out_workers_the_principal_cannot_address(void **state)
{
	struct principal all = p_regtoken(O.id, NULL);
	struct principal a2 = p_regtoken(O.id, P2.id);
	struct principal other = p_regtoken(O2.id, NULL);
	struct worker w2;
	struct collect col;

	(void)state;
	(void)mk_worker(&all, "all");
	w2 = mk_worker(&a2, "alpha");
	(void)mk_worker(&other, "other");
	memset(&col, 0, sizeof(col));
	assert_int_equal(worker_list(&A, &a2, now_ms, collect_one, &col),
	    DOM_OK);
	assert_int_equal(col.n, 1);
	assert_string_equal(col.ids[0], w2.id);
	memset(&col, 0, sizeof(col));
	assert_int_equal(worker_list(&A, &all, now_ms, collect_one, &col),
	    DOM_OK);
	assert_int_equal(col.n, 2);
}

/* -------------------------------------------------------------- refresh */

static void
refresh_keeps_id_and_sets_last_heartbeat(void **state)
{
	struct principal p = p_regtoken(O.id, P2.id);
	struct worker w = mk_worker(&p, "h"), g;
	struct worker_reg reg;
	struct worker_token t;
	struct jwt_runtime_claims c;
	char pl[1024], actor[128];

	(void)state;
	tick(60000);
	assert_true(worker_reg_from_principal(&p, &reg));
	assert_int_equal(worker_get(&A, w.id, now_ms, &g), DOM_OK);
	assert_int_equal(worker_refresh(&A, &p, &g, &reg, now_ms, &t), DOM_OK);
	assert_int_equal(worker_get(&A, w.id, now_ms, &g), DOM_OK);
	assert_int_equal(g.last_heartbeat, now_ms);
	c = claims_of(&t);
	assert_string_equal(c.sub, w.id);
	assert_int_equal(c.exp, now_ms / 1000 + 3600);
	assert_int_equal(count_events(O.id, "worker.token_refreshed"), 1);
	last_event(O.id, "worker.token_refreshed", pl, sizeof(pl), actor,
	    sizeof(actor));
	assert_string_equal(actor, arena_printf(&A, "worker:%s", w.id));
	assert_null(strstr(pl, "unclaimedSessions"));
}

static void
refresh_token_serves_the_worker_projects(void **state)
{
	struct principal reg_p = p_regtoken(O.id, P2.id);
	struct principal orgwide = p_regtoken(O.id, NULL);
	struct worker w = mk_worker(&reg_p, "h");
	struct worker_reg reg;
	struct worker_token t;
	struct jwt_runtime_claims c;

	(void)state;
	assert_true(worker_reg_from_principal(&orgwide, &reg));
	assert_int_equal(worker_refresh(&A, &orgwide, &w, &reg, now_ms, &t),
	    DOM_OK);
	c = claims_of(&t);
	assert_int_equal(c.nproj, 1);
	assert_string_equal(c.proj[0], P2.id);
}

static void
refresh_of_a_gone_worker_is_not_found(void **state)
{
	struct principal p = p_regtoken(O.id, NULL);
	struct worker w = mk_worker(&p, "h");
	struct worker_reg reg;
	struct worker_token t;

	(void)state;
	assert_true(worker_reg_from_principal(&p, &reg));
	assert_int_equal(worker_refresh(&A, &p, &w, &reg,
	    now_ms + 300 * 1000 + 1, &t), DOM_NOT_FOUND);
}

/* --------------------------------------------------------------- delete */

static void
delete_removes_row_and_returns_active_sessions_untouched(void **state)
{
	struct principal p = p_regtoken(O.id, NULL);
	struct worker w = mk_worker(&p, "h");
	struct sstmt *st;
	const char **ids;
	size_t n;
	char pl[1024], actor[128];

	(void)state;
	mk_session("s-a", O.id, P2.id, "running", w.id, T0 + 2);
	mk_session("s-b", O.id, P2.id, "claimed", w.id, T0 + 1);
	assert_int_equal(worker_delete(&A, &p, &w, &ids, &n), DOM_OK);
	assert_int_equal(n, 2);
	assert_string_equal(ids[0], "s-b");
	assert_string_equal(ids[1], "s-a");
	st = store_stmt(sql_worker_count);
	ss_bind_text(st, 1, w.id);
	assert_int_equal(ss_step(st), STORE_ROW);
	assert_int_equal(ss_int(st, 0), 0);
	ss_reset(st);
	st = store_stmt(sql_session_status);
	ss_bind_text(st, 1, "s-a");
	assert_int_equal(ss_step(st), STORE_ROW);
	assert_string_equal(ss_text(st, 0), "running");
	assert_string_equal(ss_text(st, 1), w.id);
	ss_reset(st);
	last_event(O.id, "worker.deregistered", pl, sizeof(pl), actor,
	    sizeof(actor));
	assert_string_equal(pl, arena_printf(&A, "{\"capacity\":4,"
	    "\"credentialKind\":\"registration_token\",\"hostname\":\"h\","
	    "\"unclaimedSessions\":[\"s-b\",\"s-a\"],\"version\":null,"
	    "\"workerId\":\"%s\"}", w.id));
}

static void
delete_by_m2m_audits_the_client(void **state)
{
	struct principal p = p_regtoken(O.id, NULL), m;
	struct worker w = mk_worker(&p, "h");
	const char **ids;
	size_t n;
	char pl[1024], actor[128];

	(void)state;
	memset(&m, 0, sizeof(m));
	m.type = PT_M2M;
	m.kind = CK_M2M_JWT;
	m.org_id = O.id;
	m.client_id = "m2m_0123";
	assert_int_equal(worker_delete(&A, &m, &w, &ids, &n), DOM_OK);
	assert_int_equal(n, 0);
	last_event(O.id, "worker.deregistered", pl, sizeof(pl), actor,
	    sizeof(actor));
	assert_string_equal(actor, "m2m:m2m_0123");
	assert_non_null(strstr(pl, "\"credentialKind\":\"m2m_jwt\""));
	assert_non_null(strstr(pl, "\"unclaimedSessions\":[]"));
}

/* --------------------------------------------------------------- render */

static const char *
render(const struct worker *w, const char *const *act, size_t n,
    const char *status)
{
	struct buf b;
	struct jw jw;
	const char *s;

	buf_init(&b);
	jw_init(&jw, &b);
	worker_render(&jw, w, act, n, status);
	s = arena_strndup(&A, b.data, b.len);
	buf_free(&b);
	return s;
}

static void
render_omits_unset_optional_members(void **state)
{
	struct worker w;

	(void)state;
	memset(&w, 0, sizeof(w));
	w.id = "wkr_4c11755c5b404039";
	w.hostname = "test-host";
	w.capacity = 4;
	w.registered_at = T0;
	w.last_heartbeat = T0 + 1;
	w.status = "active";
	assert_string_equal(render(&w, NULL, 0, NULL),
	    "{\"id\":\"wkr_4c11755c5b404039\",\"hostname\":\"test-host\","
	    "\"capacity\":4,\"activeCount\":0,\"registeredAt\":1777658400000,"
	    "\"lastHeartbeat\":1777658400001,\"status\":\"active\","
	    "\"activeSessions\":[]}");
}

static void
render_writes_every_member_in_spec_order(void **state)
{
	static const char *const act[] = { "S1", "S2" };
	struct worker w;

	(void)state;
	memset(&w, 0, sizeof(w));
	w.id = "wkr_4c11755c5b404039";
	w.hostname = "h";
	w.capacity = 8;
	w.active_count = 1;
	w.registered_at = 1;
	w.last_heartbeat = 2;
	w.status = "active";
	w.version = "0.4.0";
	w.projects = "[\"smoke-alpha\"]";
	w.machine_id = "m";
	w.provides = "[{\"kind\":\"native\"}]";
	w.capabilities = "[\"local\"]";
	w.region = "eu";
	w.reported_status = "idle";
	w.max_sessions = 8;
	w.load = "{\"cpu\":12.5,\"memory\":40.1}";
	assert_string_equal(render(&w, act, 2, "offline"),
	    "{\"id\":\"wkr_4c11755c5b404039\",\"hostname\":\"h\",\"capacity\":8,"
	    "\"activeCount\":1,\"registeredAt\":1,\"lastHeartbeat\":2,"
	    "\"status\":\"offline\",\"version\":\"0.4.0\","
	    "\"projects\":[\"smoke-alpha\"],\"activeSessions\":[\"S1\",\"S2\"],"
	    "\"machineId\":\"m\",\"provides\":[{\"kind\":\"native\"}],"
	    "\"capabilities\":[\"local\"],\"region\":\"eu\","
	    "\"reportedStatus\":\"idle\",\"maxSessions\":8,"
	    "\"load\":{\"cpu\":12.5,\"memory\":40.1}}");
}

static void
json_strs_escapes_entries(void **state)
{
	const char *const s[] = { "a\"b", "c\\d", "é" };

	(void)state;
	assert_string_equal(worker_json_strs(&A, s, NULL, 3),
	    "[\"a\\\"b\",\"c\\\\d\",\"é\"]");
	assert_string_equal(worker_json_strs(&A, s, NULL, 0), "[]");
}

static void
actor_follows_09_audit_4_2(void **state)
{
	struct principal p;
	struct actor a;

	(void)state;
	p = p_regtoken(O.id, NULL);
	a = worker_actor(&p, "wkr_x");
	assert_string_equal(a.type, "worker");
	assert_string_equal(a.id, "wkr_x");
	memset(&p, 0, sizeof(p));
	p.kind = CK_COOKIE;
	p.type = PT_USER;
	p.user_id = "usr_1";
	a = worker_actor(&p, "wkr_x");
	assert_string_equal(a.type, "user");
	assert_string_equal(a.id, "usr_1");
	p.kind = CK_RUNTIME_JWT;
	p.worker_id = "wkr_sub";
	a = worker_actor(&p, NULL);
	assert_string_equal(a.type, "worker");
	assert_string_equal(a.id, "wkr_sub");
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(register_stores_row_registered_and_heartbeat_now),
		T(register_id_is_wkr_and_16_hex_with_version_nibble_4),
		T(register_never_dedups_by_hostname),
		T(register_copies_credential_org_projects_and_reg),
		T(register_org_wide_credential_leaves_auth_projects_null),
		T(register_stores_optional_fields_as_given),
		T(register_v1_status_draining_stores_draining),
		T(register_appends_worker_registered_with_new_worker_as_actor),
		T(register_with_user_key_audits_api_key_actor),
		T(register_with_worker_registration_key_audits_worker_actor),
		T(token_claims_follow_the_credential),
		T(token_expiry_is_iso_of_exp),
		T(token_proj_is_a_string_for_one_project),
		T(token_proj_is_omitted_for_all_projects),
		T(token_proj_is_an_array_for_several_projects),
		T(token_scope_is_the_worker_scopes_the_key_holds),
		T(token_scope_of_star_key_is_all_three),
		T(reg_credentials_are_token_legacy_and_registering_keys),
		T(reg_credentials_exclude_jwts_cookies_and_other_keys),
		T(onboarding_cookie_needs_project_admin),
		T(onboarding_key_needs_org_keys_write_and_its_projects),
		T(reg_check_accepts_a_live_registration_token),
		T(reg_check_refuses_a_revoked_or_expired_token),
		T(reg_check_refuses_a_revoked_key),
		T(reg_check_legacy_needs_legacy_mode),
		T(reg_check_user_needs_project_admin_still),
		T(reg_check_unknown_reg_is_refused),
		T(get_is_alive_up_to_worker_ttl),
		T(offline_after_heartbeat_timeout),
		T(draining_worker_shows_draining_until_offline),
		T(addressable_needs_same_org),
		T(addressable_by_project_principal_needs_subset),
		T(heartbeat_sets_last_heartbeat_and_fields),
		T(heartbeat_by_other_org_is_not_found_and_changes_nothing),
		T(heartbeat_draining_sets_status_and_next_one_clears_it),
		T(heartbeat_leaves_unset_fields),
		T(heartbeat_v1_replaces_hostname_version_region_capabilities),
		T(heartbeat_does_not_revive_a_gone_worker),
		T(pending_counts_rows_of_the_worker_org),
		T(pending_respects_auth_projects),
		T(pending_name_filter_matches_project_id_or_slug),
		T(pending_skips_unexpired_nacks_of_this_worker),
		T(queue_length_counts_rows_visible_to_the_principal),
		T(active_sessions_are_claimed_running_finalizing_oldest_claim_first),
		T(list_holds_alive_workers_by_registered_at_then_id),
		T(list_leaves_out_workers_the_principal_cannot_address),
		T(refresh_keeps_id_and_sets_last_heartbeat),
		T(refresh_token_serves_the_worker_projects),
		T(refresh_of_a_gone_worker_is_not_found),
		T(delete_removes_row_and_returns_active_sessions_untouched),
		T(delete_by_m2m_audits_the_client),
		T(render_omits_unset_optional_members),
		T(render_writes_every_member_in_spec_order),
		T(json_strs_escapes_entries),
		T(actor_follows_09_audit_4_2),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
