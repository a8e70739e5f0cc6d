/* t/unit/tenancy.c -- orgs, users, memberships, invites, projects, project
 * members, teams and effective project roles (lib/tenancy.c) against a
 * real migrated store: 04-console.md §1, §3, §4, §6; 01-auth.md §14;
 * 09-audit.md §4. */
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
#include "cred.h"
#include "crypto.h"
#include "json.h"
#include "log.h"
#include "secrets.h"
#include "settings.h"
#include "store.h"

#include "fixture.h"
#include "tenancy.h"

#define T0  INT64_C(1777649400123)   /* 2026-05-01T15:30:00.123Z */
#define DAY INT64_C(86400000)

static struct arena A;
static struct dom_err E;
static int64_t now_ms;

static const char sql_event_count[] =
    "SELECT count(*) FROM audit_events WHERE org_id = ?1"
    " AND (?2 IS NULL OR event_type = ?2)";
static const char sql_event_last[] =
    "SELECT payload, entity_id, entity_type, actor_type, actor_id"
    " FROM audit_events WHERE org_id = ?1 AND event_type = ?2"
    " ORDER BY seq DESC LIMIT 1";
static const char sql_key_row[] =
    "SELECT count(*) FROM audit_keys WHERE org_id = ?1 AND key_version = 1";
static const char sql_membership_role[] =
    "SELECT role FROM memberships WHERE org_id = ?1 AND user_id = ?2";
static const char sql_pm_count[] =
    "SELECT count(*) FROM project_members WHERE user_id = ?1";
static const char sql_session_insert[] =
    "INSERT INTO user_sessions (id_hash, user_id, active_org_id, created_at,"
    " last_seen_at) VALUES (?1, ?2, ?3, ?4, ?4)";
static const char sql_session_count[] =
    "SELECT count(*) FROM user_sessions WHERE user_id = ?1";
static const char sql_key_revoked[] =
    "SELECT revoked_at IS NOT NULL FROM api_keys WHERE id = ?1";
static const char sql_project_team_set[] =
    "UPDATE projects SET team_id = ?2 WHERE id = ?1";
static const char sql_project_team_get[] =
    "SELECT team_id FROM projects WHERE id = ?1";
static const char sql_team_member_count[] =
    "SELECT count(*) FROM team_members WHERE team_id = ?1";
static const char sql_invite_expiry[] =
    "SELECT email, expires_at - created_at FROM invites WHERE id = ?1";

/* ------------------------------------------------------------ fixture */


static int
group_setup(void **state)
{
	(void)state;
	fixture_store_up("tenancy");
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	fixture_store_down();
	return 0;
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
	assert_int_equal(store_begin_write(), STORE_OK);
	return 0;
}

static int
chain_valid(const char *org_id, const struct audit_verify_result *r, void *arg)
{
	if (!r->valid)
		fail_msg("chain of %s broken at %lld (%s)", org_id,
		    (long long)r->broken_at, audit_break_name(r->reason));
	return 0;
}

/* Whatever a test appended, every chain it touched still verifies. */
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

static const char *
mk_user(const char *email)
{
	struct user u;

	assert_int_equal(user_create(&A, email, NULL, NULL, 0, &u, &E), DOM_OK);
	return u.id;
}

static struct org
mk_org(const char *slug, const char *owner, struct project *defp)
{
	struct project p;
	struct org o;

	assert_int_equal(org_create(&A, &actor_cli, slug, slug, NULL, owner, 0,
	    &o, defp ? defp : &p, &E), DOM_OK);
	return o;
}

static void
join(const char *org, const char *user, const char *role)
{
	assert_int_equal(member_add(&A, &actor_cli, org, user, role, NULL, &E),
	    DOM_OK);
}

static int64_t
q_int(const char *sql, const char *a1, const char *a2)
{
	struct sstmt *st = store_stmt(sql);
	int64_t v;

	assert_non_null(st);
	ss_bind_text(st, 1, a1);
	if (a2 != NULL)
		ss_bind_text(st, 2, a2);
	assert_int_equal(ss_step(st), STORE_ROW);
	v = ss_int(st, 0);
	ss_reset(st);
	return v;
}

static const char *
q_text(const char *sql, const char *a1, const char *a2)
{
	struct sstmt *st = store_stmt(sql);
	const char *v = NULL;

	assert_non_null(st);
	ss_bind_text(st, 1, a1);
	if (a2 != NULL)
		ss_bind_text(st, 2, a2);
	if (ss_step(st) == STORE_ROW && !ss_is_null(st, 0))
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

/* The latest event of a type: its stored payload (reveal = 0) or its
 * reading view (reveal = 1); *entity_id set when asked. */
static struct json_object *
last_event(const char *org, const char *type, int reveal,
    const char **entity_id)
{
	struct sstmt *st = store_stmt(sql_event_last);
	struct json_object *o = NULL;

	assert_non_null(st);
	ss_bind_text(st, 1, org);
	ss_bind_text(st, 2, type);
	assert_int_equal(ss_step(st), STORE_ROW);
	if (reveal)
		o = audit_payload_reveal(org, ss_text(st, 0), ss_bytes(st, 0));
	else
		assert_int_equal(json_parse_strict(ss_text(st, 0),
		    ss_bytes(st, 0), 32, &o), JSON_OK);
	if (entity_id != NULL)
		*entity_id = ss_is_null(st, 1) ? NULL :
		    arena_strdup(&A, ss_text(st, 1));
	ss_reset(st);
	assert_non_null(o);
	return o;
}

/* o has exactly the members named (NULL-terminated). */
static void
assert_members(struct json_object *o, const char *const *names)
{
	int n = 0;

	for (; names[n] != NULL; n++)
		if (!json_object_object_get_ex(o, names[n], NULL))
			fail_msg("member %s missing in %s", names[n],
			    json_object_to_json_string(o));
	assert_int_equal(json_object_object_length(o), n);
}

static const char *
jstr(struct json_object *o, const char *k)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, k, &v) || v == NULL)
		return NULL;
	return json_object_get_string(v);
}

static int
jis_null(struct json_object *o, const char *k)
{
	struct json_object *v;

	return json_object_object_get_ex(o, k, &v) && v == NULL;
}

/* The stored email member is sealed (09-audit.md §4.3). */
static void
assert_sealed(struct json_object *stored, const char *k)
{
	struct json_object *v;

	assert_true(json_object_object_get_ex(stored, k, &v));
	assert_true(json_object_is_type(v, json_type_object));
	assert_string_equal(jstr(v, "sealed"), "secretbox-v1");
}

static void
assert_chain(const char *org)
{
	struct audit_verify_result r;

	assert_int_equal(audit_verify(org, 1, INT64_MAX, &r), 0);
	if (!r.valid)
		fail_msg("chain of %s broken at %lld (%s)", org,
		    (long long)r.broken_at, audit_break_name(r.reason));
	assert_true(r.event_count > 0);
}

/* --------------------------------------------------------------- slugs */

static void
slug_valid_accepts_lowercase_words_joined_by_single_hyphens(void **state)
{
	char s48[49];

	memset(s48, 'a', 48);
	s48[48] = '\0';
	assert_int_equal(slug_valid("a"), 0);
	assert_int_equal(slug_valid("acme-2"), 0);
	assert_int_equal(slug_valid("a1-b2-c3"), 0);
	assert_int_equal(slug_valid(s48), 0);
}

static void
slug_valid_rejects_bad_forms(void **state)
{
	char s49[50];

	memset(s49, 'a', 49);
	s49[49] = '\0';
	assert_int_equal(slug_valid(""), -1);
	assert_int_equal(slug_valid("-a"), -1);
	assert_int_equal(slug_valid("a-"), -1);
	assert_int_equal(slug_valid("a--b"), -1);
	assert_int_equal(slug_valid("Acme"), -1);
	assert_int_equal(slug_valid("a_b"), -1);
	assert_int_equal(slug_valid("a b"), -1);
	assert_int_equal(slug_valid(s49), -1);
}

static void
slug_valid_rejects_reserved_words(void **state)
{
	static const char *const reserved[] = {
		"api", "admin", "new", "settings", "login", "logout"
	};

	for (size_t i = 0; i < sizeof(reserved) / sizeof(*reserved); i++)
		assert_int_equal(slug_valid(reserved[i]), -2);
	assert_int_equal(slug_valid("apis"), 0);
}

static void
slug_derive_lowercases_and_collapses_runs(void **state)
{
	assert_string_equal(slug_derive(&A, "  Hello, World!! "), "hello-world");
	assert_string_equal(slug_derive(&A, "ACME Corp."), "acme-corp");
	assert_string_equal(slug_derive(&A, "a__b--c"), "a-b-c");
	assert_string_equal(slug_derive(&A, "Caf\xc3\xa9 Bar"), "caf-bar");
}

static void
slug_derive_cuts_at_48_then_trims(void **state)
{
	char name[80], want[48];

	/* 47 letters, a space, more letters: the cut leaves a trailing '-'. */
	memset(name, 'a', 47);
	strcpy(name + 47, " bbbbbbbb");
	memset(want, 'a', 47);
	want[47] = '\0';
	assert_string_equal(slug_derive(&A, name), want);
	assert_int_equal(strlen(slug_derive(&A, "x" "234567890123456789012345678901234567890123456789012345")), 48);
}

static void
slug_derive_of_nothing_usable_is_null(void **state)
{
	assert_null(slug_derive(&A, ""));
	assert_null(slug_derive(&A, " !!-- ?"));
}

/* ---------------------------------------------------------------- orgs */

static void
org_create_makes_default_project_key_and_owner(void **state)
{
	const char *owner = mk_user("owner@acme.test");
	struct project defp, p;
	struct org o = mk_org("acme", owner, &defp);
	struct member m;

	assert_string_equal(o.plan, "self-hosted");
	assert_int_equal(o.member_count, 1);
	assert_true(defp.is_default);
	assert_string_equal(defp.name, "Default");
	assert_string_equal(defp.slug, "default");
	assert_int_equal(project_get(&A, o.id, "default", &p), DOM_OK);
	assert_string_equal(p.id, defp.id);
	assert_int_equal(q_int(sql_key_row, o.id, NULL), 1);
	assert_int_equal(member_get(&A, o.id, owner, &m), DOM_OK);
	assert_string_equal(m.role, "owner");
	assert_chain(o.id);
}

static void
org_create_appends_org_created_with_exact_members(void **state)
{
	static const char *const want[] = { "slug", "name", "plan",
		"ownerUserId", "defaultProjectId", NULL };
	const char *owner = mk_user("owner@acme.test"), *ent;
	struct project defp;
	struct org o = mk_org("acme", owner, &defp);
	struct json_object *pl = last_event(o.id, "org.created", 0, &ent);

	assert_members(pl, want);
	assert_string_equal(jstr(pl, "slug"), "acme");
	assert_string_equal(jstr(pl, "name"), "acme");
	assert_string_equal(jstr(pl, "plan"), "self-hosted");
	assert_string_equal(jstr(pl, "ownerUserId"), owner);
	assert_string_equal(jstr(pl, "defaultProjectId"), defp.id);
	assert_string_equal(ent, o.id);
	assert_int_equal(events(o.id, NULL), 1);
	json_object_put(pl);
	assert_chain(o.id);
}

static void
org_create_without_owner_records_null_owner(void **state)
{
	struct project defp;
	struct org o = mk_org("solo", NULL, &defp);
	struct json_object *pl = last_event(o.id, "org.created", 0, NULL);

	assert_true(jis_null(pl, "ownerUserId"));
	assert_int_equal(o.member_count, 0);
	json_object_put(pl);
	assert_chain(o.id);
}

static void
org_create_derives_slug_from_name(void **state)
{
	struct project p;
	struct org o;

	assert_int_equal(org_create(&A, &actor_cli, "  Hello, World!! ", NULL,
	    NULL, NULL, 0, &o, &p, &E), DOM_OK);
	assert_string_equal(o.slug, "hello-world");
	assert_chain(o.id);
}

static void
org_create_taken_slug_is_conflict(void **state)
{
	struct project p;
	struct org o;

	mk_org("acme", NULL, NULL);
	assert_int_equal(org_create(&A, &actor_cli, "Acme", NULL, NULL, NULL, 0,
	    &o, &p, &E), DOM_CONFLICT);
	assert_string_equal(E.message, "Organization slug already exists");
}

static void
org_create_bad_reserved_or_underivable_slug_is_invalid(void **state)
{
	struct project p;
	struct org o;

	assert_int_equal(org_create(&A, &actor_cli, "X", "Bad_Slug", NULL, NULL,
	    0, &o, &p, &E), DOM_INVALID);
	assert_string_equal(E.message,
	    "slug must match ^[a-z0-9]+(-[a-z0-9]+)*$ (1-48 characters)");
	assert_int_equal(org_create(&A, &actor_cli, "Admin", NULL, NULL, NULL,
	    0, &o, &p, &E), DOM_INVALID);
	assert_string_equal(E.message, "slug is reserved");
	assert_int_equal(org_create(&A, &actor_cli, "!!!", NULL, NULL, NULL,
	    0, &o, &p, &E), DOM_INVALID);
	assert_string_equal(E.message,
	    "Cannot derive a slug from name; provide slug");
	assert_int_equal(org_create(&A, &actor_cli, "", NULL, NULL, NULL,
	    0, &o, &p, &E), DOM_INVALID);
	assert_string_equal(E.message, "name is required");
}

static void
org_create_unknown_owner_is_invalid(void **state)
{
	struct project p;
	struct org o;

	assert_int_equal(org_create(&A, &actor_cli, "Acme", NULL, NULL,
	    "usr_01JQ3Z8V6M2B7C4D5E6F7G8H9J", 0, &o, &p, &E), DOM_INVALID);
	assert_string_equal(E.message, "Unknown ownerUserId");
}

/* --------------------------------------------------------------- users */

static void
user_create_lowercases_email(void **state)
{
	struct user u, got;

	assert_int_equal(user_create(&A, "Ada.Lovelace@Example.COM", "Ada", NULL,
	    0, &u, &E), DOM_OK);
	assert_string_equal(u.email, "ada.lovelace@example.com");
	assert_int_equal(user_get_by_email(&A, "ADA.lovelace@example.com", &got),
	    DOM_OK);
	assert_string_equal(got.id, u.id);
	assert_string_equal(got.email, "ada.lovelace@example.com");
}

static void
user_create_duplicate_email_is_conflict(void **state)
{
	struct user u;

	mk_user("ada@example.com");
	assert_int_equal(user_create(&A, "ADA@example.com", NULL, NULL, 0, &u,
	    &E), DOM_CONFLICT);
	assert_string_equal(E.message, "A user with this email already exists");
}

static void
user_create_bad_email_is_invalid(void **state)
{
	struct user u;

	assert_int_equal(user_create(&A, "no-at-sign", NULL, NULL, 0, &u, &E),
	    DOM_INVALID);
	assert_string_equal(E.message, "email must be a valid email address");
	assert_int_equal(user_create(&A, "a b@x.y", NULL, NULL, 0, &u, &E),
	    DOM_INVALID);
	/* The bootstrap account has no dot in its domain. */
	assert_int_equal(user_create(&A, "admin@localhost", NULL, NULL, 0, &u,
	    &E), DOM_OK);
}

/* --------------------------------------------------------- memberships */

static void
member_add_appends_member_joined_with_sealed_email(void **state)
{
	static const char *const want[] = { "userId", "email", "role",
		"inviteId", NULL };
	struct org o = mk_org("acme", NULL, NULL);
	const char *u = mk_user("Bob@Acme.test"), *ent;
	struct json_object *st, *rv;

	join(o.id, u, "member");
	st = last_event(o.id, "member.joined", 0, &ent);
	rv = last_event(o.id, "member.joined", 1, NULL);
	assert_members(st, want);
	assert_sealed(st, "email");
	assert_string_equal(jstr(rv, "email"), "bob@acme.test");
	assert_string_equal(jstr(st, "userId"), u);
	assert_string_equal(jstr(st, "role"), "member");
	assert_true(jis_null(st, "inviteId"));
	assert_string_equal(ent, u);
	json_object_put(st);
	json_object_put(rv);
	assert_chain(o.id);
}

static void
member_add_twice_is_conflict(void **state)
{
	struct org o = mk_org("acme", NULL, NULL);
	const char *u = mk_user("bob@acme.test");

	join(o.id, u, "member");
	assert_int_equal(member_add(&A, &actor_cli, o.id, u, "admin", NULL, &E),
	    DOM_CONFLICT);
	assert_string_equal(E.message, "User is already a member");
	assert_int_equal(events(o.id, "member.joined"), 1);
}

static void
member_add_rejects_unknown_role_and_user(void **state)
{
	struct org o = mk_org("acme", NULL, NULL);
	const char *u = mk_user("bob@acme.test");

	assert_int_equal(member_add(&A, &actor_cli, o.id, u, "root", NULL, &E),
	    DOM_INVALID);
	assert_string_equal(E.message,
	    "role must be one of: owner, admin, member, auditor, viewer");
	assert_int_equal(member_add(&A, &actor_cli, o.id,
	    "usr_01JQ3Z8V6M2B7C4D5E6F7G8H9J", "member", NULL, &E), DOM_NOT_FOUND);
	assert_string_equal(E.message, "User not found");
}

static void
member_remove_revokes_keys_drops_projects_and_org_sessions(void **state)
{
	static const char *const want[] = { "userId", "email", "revokedKeyIds",
		"removedProjectIds", "deletedSessionCount", NULL };
	const char *owner = mk_user("owner@acme.test");
	const char *u = mk_user("bob@acme.test");
	struct project defp, p2;
	struct org o = mk_org("acme", owner, &defp);
	struct org other = mk_org("other", owner, NULL);
	static const char *star[] = { "*" };
	struct key_mint km;
	struct minted k1, k2;
	struct project_member pm;
	struct json_object *pl, *v, *rv;
	struct sstmt *st;

	join(o.id, u, "member");
	join(other.id, u, "member");
	assert_int_equal(project_create(&A, &actor_cli, o.id, "Two", NULL, 0,
	    NULL, &p2, &E), DOM_OK);
	assert_int_equal(project_member_add(&A, &actor_cli, o.id, defp.id, u,
	    "member", &pm, &E), DOM_OK);
	assert_int_equal(project_member_add(&A, &actor_cli, o.id, p2.id, u,
	    "viewer", &pm, &E), DOM_OK);
	memset(&km, 0, sizeof(km));
	km.org_id = o.id;
	km.name = "k";
	km.key_type = "user";
	km.scopes = star;
	km.nscopes = 1;
	km.created_by = u;
	assert_int_equal(key_mint(&A, &actor_cli, &km, &k1, &E), DOM_OK);
	km.org_id = other.id;
	assert_int_equal(key_mint(&A, &actor_cli, &km, &k2, &E), DOM_OK);
	/* Two cookie sessions in acme, one in the other org. */
	for (int i = 0; i < 3; i++) {
		assert_non_null(st = store_stmt(sql_session_insert));
		ss_bind_text(st, 1, i == 0 ? "h0" : i == 1 ? "h1" : "h2");
		ss_bind_text(st, 2, u);
		ss_bind_text(st, 3, i < 2 ? o.id : other.id);
		ss_bind_int(st, 4, T0);
		assert_int_equal(ss_exec(st), STORE_OK);
	}

	assert_int_equal(member_remove(&A, &actor_cli, o.id, u, &E), DOM_OK);
	assert_int_equal(member_get(&A, o.id, u, &(struct member){0}),
	    DOM_NOT_FOUND);
	assert_int_equal(q_int(sql_key_revoked, k1.id, NULL), 1);
	assert_int_equal(q_int(sql_key_revoked, k2.id, NULL), 0);
	assert_int_equal(q_int(sql_pm_count, u, NULL), 0);
	assert_int_equal(q_int(sql_session_count, u, NULL), 1);

	pl = last_event(o.id, "member.removed", 0, NULL);
	assert_members(pl, want);
	assert_sealed(pl, "email");
	assert_true(json_object_object_get_ex(pl, "revokedKeyIds", &v));
	assert_int_equal(json_object_array_length(v), 1);
	assert_string_equal(json_object_get_string(
	    json_object_array_get_idx(v, 0)), k1.id);
	assert_true(json_object_object_get_ex(pl, "removedProjectIds", &v));
	assert_int_equal(json_object_array_length(v), 2);
	assert_true(json_object_object_get_ex(pl, "deletedSessionCount", &v));
	assert_int_equal(json_object_get_int64(v), 2);
	rv = last_event(o.id, "member.removed", 1, NULL);
	assert_string_equal(jstr(rv, "email"), "bob@acme.test");
	json_object_put(pl);
	json_object_put(rv);
	assert_chain(o.id);
	assert_chain(other.id);
}

static void
member_remove_of_last_owner_is_refused(void **state)
{
	const char *owner = mk_user("owner@acme.test");
	struct org o = mk_org("acme", owner, NULL);
	const char *o2 = mk_user("owner2@acme.test");

	assert_int_equal(member_remove(&A, &actor_cli, o.id, owner, &E),
	    DOM_CONFLICT);
	assert_string_equal(E.message,
	    "An organization must keep at least one owner");
	join(o.id, o2, "owner");
	assert_int_equal(member_remove(&A, &actor_cli, o.id, owner, &E), DOM_OK);
	assert_int_equal(events(o.id, "member.removed"), 1);
	assert_chain(o.id);
}

static void
member_remove_of_non_member_is_not_found(void **state)
{
	struct org o = mk_org("acme", NULL, NULL);
	const char *u = mk_user("bob@acme.test");

	assert_int_equal(member_remove(&A, &actor_cli, o.id, u, &E),
	    DOM_NOT_FOUND);
	assert_string_equal(E.message, "Member not found");
}

static void
member_set_role_appends_role_changed(void **state)
{
	static const char *const want[] = { "userId", "from", "to", NULL };
	struct org o = mk_org("acme", NULL, NULL);
	const char *u = mk_user("bob@acme.test"), *ent;
	struct json_object *pl;
	struct member m;

	join(o.id, u, "member");
	assert_int_equal(member_set_role(&A, &actor_cli, o.id, u, "admin", &m,
	    &E), DOM_OK);
	assert_string_equal(m.role, "admin");
	assert_string_equal(m.email, "bob@acme.test");
	assert_string_equal(q_text(sql_membership_role, o.id, u), "admin");
	pl = last_event(o.id, "member.role_changed", 0, &ent);
	assert_members(pl, want);
	assert_string_equal(jstr(pl, "userId"), u);
	assert_string_equal(jstr(pl, "from"), "member");
	assert_string_equal(jstr(pl, "to"), "admin");
	assert_string_equal(ent, u);
	json_object_put(pl);
	assert_chain(o.id);
}

static void
member_set_role_to_same_role_appends_nothing(void **state)
{
	struct org o = mk_org("acme", NULL, NULL);
	const char *u = mk_user("bob@acme.test");
	struct member m;

	join(o.id, u, "viewer");
	assert_int_equal(member_set_role(&A, &actor_cli, o.id, u, "viewer", &m,
	    &E), DOM_OK);
	assert_int_equal(events(o.id, "member.role_changed"), 0);
}

static void
member_set_role_demoting_last_owner_is_refused(void **state)
{
	const char *owner = mk_user("owner@acme.test");
	struct org o = mk_org("acme", owner, NULL);
	const char *o2 = mk_user("owner2@acme.test");
	struct member m;

	assert_int_equal(member_set_role(&A, &actor_cli, o.id, owner, "admin",
	    &m, &E), DOM_CONFLICT);
	assert_string_equal(E.message,
	    "An organization must keep at least one owner");
	assert_string_equal(q_text(sql_membership_role, o.id, owner), "owner");
	join(o.id, o2, "admin");
	assert_int_equal(member_set_role(&A, &actor_cli, o.id, o2, "owner", &m,
	    &E), DOM_OK);
	assert_int_equal(member_set_role(&A, &actor_cli, o.id, owner, "admin",
	    &m, &E), DOM_OK);
	assert_int_equal(events(o.id, "member.role_changed"), 2);
	assert_chain(o.id);
}

static void
member_set_role_rejects_bad_role_and_unknown_member(void **state)
{
	struct org o = mk_org("acme", NULL, NULL);
	const char *u = mk_user("bob@acme.test");
	struct member m;

	assert_int_equal(member_set_role(&A, &actor_cli, o.id, u, "member", &m,
	    &E), DOM_NOT_FOUND);
	assert_string_equal(E.message, "Member not found");
	join(o.id, u, "member");
	assert_int_equal(member_set_role(&A, &actor_cli, o.id, u, "boss", &m,
	    &E), DOM_INVALID);
	assert_string_equal(E.message,
	    "role must be one of: owner, admin, member, auditor, viewer");
}

static int
collect_member(const struct member *m, void *arg)
{
	struct buf *b = arg;

	buf_printf(b, "%s:%s;", m->email, m->role);
	return 0;
}

static void
member_list_is_oldest_first(void **state)
{
	const char *owner = mk_user("owner@acme.test");
	struct org o;
	struct buf b;

	o = mk_org("acme", owner, NULL);
	tick(5);
	join(o.id, mk_user("zed@acme.test"), "viewer");
	tick(5);
	join(o.id, mk_user("amy@acme.test"), "auditor");
	buf_init(&b);
	assert_int_equal(member_list(&A, o.id, collect_member, &b), DOM_OK);
	assert_string_equal(b.data,
	    "owner@acme.test:owner;zed@acme.test:viewer;amy@acme.test:auditor;");
	buf_free(&b);
}

static void
member_render_writes_the_member_object(void **state)
{
	struct member m = { "usr_1", "bob@acme.test", NULL, "admin", T0 };
	struct buf b;
	struct jw w;

	buf_init(&b);
	jw_init(&w, &b);
	member_render(&w, &m);
	assert_string_equal(b.data, "{\"userId\":\"usr_1\",\"email\":"
	    "\"bob@acme.test\",\"name\":null,\"role\":\"admin\",\"joinedAt\":"
	    "\"2026-05-01T15:30:00.123Z\"}");
	buf_free(&b);
}

/* ------------------------------------------------------------- invites */

static void
invite_email_valid_follows_the_pattern(void **state)
{
	char longer[300];

	assert_true(invite_email_valid("ada@example.com"));
	assert_true(invite_email_valid("a@b.c"));
	assert_true(invite_email_valid("a@b..c"));
	assert_true(invite_email_valid("ADA+tag@sub.example.org"));
	assert_false(invite_email_valid(""));
	assert_false(invite_email_valid("ada"));
	assert_false(invite_email_valid("@example.com"));
	assert_false(invite_email_valid("ada@localhost"));
	assert_false(invite_email_valid("ada@.com"));
	assert_false(invite_email_valid("ada@example."));
	assert_false(invite_email_valid("ada@@example.com"));
	assert_false(invite_email_valid("a@b@c.d"));
	assert_false(invite_email_valid("ada @example.com"));
	assert_false(invite_email_valid("ada@exa\tmple.com"));
	assert_false(invite_email_valid("ada\xc2\xa0x@example.com"));   /* NBSP */
	assert_false(invite_email_valid("ada@ex\xe2\x80\x83.com"));      /* EM SPACE */
	assert_true(invite_email_valid("j\xc3\xbcrgen@example.com"));
	memset(longer, 'a', sizeof(longer));
	memcpy(longer + 254 - 6, "@b.com", 7);      /* exactly 254 bytes */
	assert_true(invite_email_valid(longer));
	memset(longer, 'a', sizeof(longer));
	memcpy(longer + 255 - 6, "@b.com", 7);      /* 255 bytes */
	assert_false(invite_email_valid(longer));
}

static void
invite_state_names_round_trip(void **state)
{
	assert_string_equal(invite_state_name(INVITE_PENDING), "pending");
	assert_string_equal(invite_state_name(INVITE_EXPIRED), "expired");
	assert_int_equal(invite_state_parse("accepted"), INVITE_ACCEPTED);
	assert_int_equal(invite_state_parse("revoked"), INVITE_REVOKED);
	assert_int_equal(invite_state_parse("Pending"), -1);
	assert_int_equal(invite_state_parse(NULL), -1);
}

static void
invite_create_is_pending_lowercased_for_seven_days(void **state)
{
	static const char *const want[] = { "inviteId", "email", "role",
		"expiresAt", NULL };
	const char *owner = mk_user("owner@acme.test"), *ent;
	struct org o = mk_org("acme", owner, NULL);
	struct json_object *st, *rv;
	struct invite inv, got;

	assert_int_equal(invite_create(&A, &actor_cli, o.id, "New.Person@Acme.TEST",
	    "auditor", owner, &inv, &E), DOM_OK);
	assert_true(strncmp(inv.id, "inv_", 4) == 0);
	assert_string_equal(inv.email, "new.person@acme.test");
	assert_string_equal(inv.role, "auditor");
	assert_string_equal(inv.invited_by, owner);
	assert_int_equal(inv.state, INVITE_PENDING);
	assert_int_equal(inv.expires_at - inv.created_at, 7 * DAY);
	assert_string_equal(q_text(sql_invite_expiry, inv.id, NULL),
	    "new.person@acme.test");
	assert_int_equal(invite_get(&A, o.id, inv.id, &got), DOM_OK);
	assert_int_equal(got.state, INVITE_PENDING);
	assert_int_equal(got.accepted_at, 0);

	st = last_event(o.id, "invite.created", 0, &ent);
	rv = last_event(o.id, "invite.created", 1, NULL);
	assert_members(st, want);
	assert_sealed(st, "email");
	assert_string_equal(jstr(rv, "email"), "new.person@acme.test");
	assert_string_equal(jstr(st, "inviteId"), inv.id);
	assert_string_equal(jstr(st, "role"), "auditor");
	assert_string_equal(jstr(st, "expiresAt"), "2026-05-08T15:30:00.123Z");
	assert_string_equal(ent, inv.id);
	json_object_put(st);
	json_object_put(rv);
	assert_chain(o.id);
}

static void
invite_create_defaults_to_member_and_checks_role(void **state)
{
	struct org o = mk_org("acme", NULL, NULL);
	struct invite inv;

	assert_int_equal(invite_create(&A, &actor_cli, o.id, "a@acme.test", NULL,
	    NULL, &inv, &E), DOM_OK);
	assert_string_equal(inv.role, "member");
	assert_null(inv.invited_by);
	assert_int_equal(invite_create(&A, &actor_cli, o.id, "b@acme.test",
	    "owner", NULL, &inv, &E), DOM_INVALID);
	assert_string_equal(E.message,
	    "role must be one of: admin, member, auditor, viewer");
	assert_int_equal(invite_create(&A, &actor_cli, o.id, "b@localhost",
	    NULL, NULL, &inv, &E), DOM_INVALID);
	assert_string_equal(E.message, "email must be a valid email address");
	assert_int_equal(events(o.id, "invite.created"), 1);
	assert_chain(o.id);
}

static void
invite_create_with_pending_invite_is_conflict(void **state)
{
	struct org o = mk_org("acme", NULL, NULL);
	struct org other = mk_org("other", NULL, NULL);
	struct invite inv;

	assert_int_equal(invite_create(&A, &actor_cli, o.id, "a@acme.test", NULL,
	    NULL, &inv, &E), DOM_OK);
	assert_int_equal(invite_create(&A, &actor_cli, o.id, "A@ACME.test",
	    "admin", NULL, &inv, &E), DOM_CONFLICT);
	assert_string_equal(E.message,
	    "A pending invite for this email already exists");
	/* Another org may invite the same person. */
	assert_int_equal(invite_create(&A, &actor_cli, other.id, "a@acme.test",
	    NULL, NULL, &inv, &E), DOM_OK);
}

static void
invite_create_after_revoke_or_expiry_is_allowed(void **state)
{
	struct org o = mk_org("acme", NULL, NULL);
	struct invite inv;

	assert_int_equal(invite_create(&A, &actor_cli, o.id, "a@acme.test", NULL,
	    NULL, &inv, &E), DOM_OK);
	assert_int_equal(invite_revoke(&A, &actor_cli, o.id, inv.id, &E), DOM_OK);
	assert_int_equal(invite_create(&A, &actor_cli, o.id, "a@acme.test", NULL,
	    NULL, &inv, &E), DOM_OK);
	tick(7 * DAY);
	assert_int_equal(invite_create(&A, &actor_cli, o.id, "a@acme.test", NULL,
	    NULL, &inv, &E), DOM_OK);
	assert_int_equal(events(o.id, "invite.created"), 3);
	assert_chain(o.id);
}

static void
invite_create_for_member_is_conflict(void **state)
{
	struct org o = mk_org("acme", NULL, NULL);
	struct invite inv;

	join(o.id, mk_user("bob@acme.test"), "member");
	assert_int_equal(invite_create(&A, &actor_cli, o.id, "BOB@acme.test",
	    NULL, NULL, &inv, &E), DOM_CONFLICT);
	assert_string_equal(E.message, "User is already a member");
}

static void
invite_revoke_is_idempotent_with_one_event(void **state)
{
	static const char *const want[] = { "inviteId", "email", "role",
		"expiresAt", NULL };
	struct org o = mk_org("acme", NULL, NULL);
	struct json_object *pl;
	struct invite inv, got;

	assert_int_equal(invite_create(&A, &actor_cli, o.id, "a@acme.test",
	    "viewer", NULL, &inv, &E), DOM_OK);
	tick(1);
	assert_int_equal(invite_revoke(&A, &actor_cli, o.id, inv.id, &E), DOM_OK);
	assert_int_equal(invite_revoke(&A, &actor_cli, o.id, inv.id, &E), DOM_OK);
	assert_int_equal(events(o.id, "invite.revoked"), 1);
	assert_int_equal(invite_get(&A, o.id, inv.id, &got), DOM_OK);
	assert_int_equal(got.state, INVITE_REVOKED);
	assert_int_equal(got.revoked_at, T0 + 1);
	pl = last_event(o.id, "invite.revoked", 0, NULL);
	assert_members(pl, want);
	assert_sealed(pl, "email");
	assert_string_equal(jstr(pl, "role"), "viewer");
	json_object_put(pl);
	assert_chain(o.id);
}

static void
invite_revoke_of_accepted_invite_is_conflict(void **state)
{
	struct org o = mk_org("acme", NULL, NULL);
	const char *u = mk_user("a@acme.test");
	struct invite inv, acc;
	int64_t joined;

	assert_int_equal(invite_create(&A, &actor_cli, o.id, "a@acme.test", NULL,
	    NULL, &inv, &E), DOM_OK);
	assert_int_equal(invite_accept(&A, &actor_cli, inv.id, u, &acc, &joined,
	    &E), DOM_OK);
	assert_int_equal(invite_revoke(&A, &actor_cli, o.id, inv.id, &E),
	    DOM_CONFLICT);
	assert_string_equal(E.message, "Invite already accepted");
	assert_int_equal(events(o.id, "invite.revoked"), 0);
}

static void
invite_revoke_in_another_org_is_not_found(void **state)
{
	struct org o = mk_org("acme", NULL, NULL);
	struct org other = mk_org("other", NULL, NULL);
	struct invite inv;

	assert_int_equal(invite_create(&A, &actor_cli, o.id, "a@acme.test", NULL,
	    NULL, &inv, &E), DOM_OK);
	assert_int_equal(invite_revoke(&A, &actor_cli, other.id, inv.id, &E),
	    DOM_NOT_FOUND);
	assert_string_equal(E.message, "Invite not found");
	assert_int_equal(invite_revoke(&A, &actor_cli, o.id, "inv_nope", &E),
	    DOM_NOT_FOUND);
}

static void
invite_accept_creates_membership_with_member_joined(void **state)
{
	static const char *const want[] = { "userId", "email", "role",
		"inviteId", NULL };
	const char *owner = mk_user("owner@acme.test");
	struct org o = mk_org("acme", owner, NULL);
	const char *u = mk_user("New@Acme.test");
	struct actor as_user = { "user", u };
	struct json_object *pl;
	struct invite inv, acc, got;
	struct member m;
	int64_t joined = 0;

	assert_int_equal(invite_create(&A, &actor_cli, o.id, "NEW@acme.TEST",
	    "admin", owner, &inv, &E), DOM_OK);
	tick(1000);
	assert_int_equal(invite_accept(&A, &as_user, inv.id, u, &acc, &joined,
	    &E), DOM_OK);
	assert_string_equal(acc.org_id, o.id);
	assert_string_equal(acc.role, "admin");
	assert_int_equal(acc.state, INVITE_ACCEPTED);
	assert_int_equal(joined, T0 + 1000);
	assert_int_equal(member_get(&A, o.id, u, &m), DOM_OK);
	assert_string_equal(m.role, "admin");
	assert_int_equal(m.joined_at, joined);
	assert_int_equal(invite_get(&A, o.id, inv.id, &got), DOM_OK);
	assert_int_equal(got.state, INVITE_ACCEPTED);
	assert_int_equal(got.accepted_at, joined);
	pl = last_event(o.id, "member.joined", 0, NULL);
	assert_members(pl, want);
	assert_string_equal(jstr(pl, "inviteId"), inv.id);
	assert_string_equal(jstr(pl, "role"), "admin");
	json_object_put(pl);
	assert_chain(o.id);
}

static void
invite_accept_checks_in_spec_order(void **state)
{
	struct org o = mk_org("acme", NULL, NULL);
	const char *ada = mk_user("ada@acme.test"), *eve = mk_user("eve@acme.test");
	struct invite inv, rev, acc, exp, mem;
	int64_t j;

	assert_int_equal(invite_accept(&A, &actor_cli, "inv_nope", ada, &acc, &j,
	    &E), DOM_NOT_FOUND);
	assert_string_equal(E.message, "Invite not found");

	/* A revoked invite read by the wrong person: 403 before 410. */
	assert_int_equal(invite_create(&A, &actor_cli, o.id, "ada@acme.test",
	    NULL, NULL, &rev, &E), DOM_OK);
	assert_int_equal(invite_revoke(&A, &actor_cli, o.id, rev.id, &E), DOM_OK);
	assert_int_equal(invite_accept(&A, &actor_cli, rev.id, eve, &acc, &j, &E),
	    DOM_FORBIDDEN);
	assert_string_equal(E.message, "Invite was issued to a different email");
	assert_int_equal(invite_accept(&A, &actor_cli, rev.id, ada, &acc, &j, &E),
	    DOM_GONE);
	assert_string_equal(E.message, "Invite was revoked");

	/* Accepted: 409, even after it would have expired. */
	assert_int_equal(invite_create(&A, &actor_cli, o.id, "ada@acme.test",
	    NULL, NULL, &inv, &E), DOM_OK);
	assert_int_equal(invite_accept(&A, &actor_cli, inv.id, ada, &acc, &j, &E),
	    DOM_OK);
	assert_int_equal(invite_accept(&A, &actor_cli, inv.id, ada, &acc, &j, &E),
	    DOM_CONFLICT);
	assert_string_equal(E.message, "Invite already accepted");

	/* Expired: 410; a revoked one that also expired says revoked. */
	assert_int_equal(invite_create(&A, &actor_cli, o.id, "eve@acme.test",
	    NULL, NULL, &exp, &E), DOM_OK);
	tick(7 * DAY);
	assert_int_equal(invite_accept(&A, &actor_cli, exp.id, eve, &acc, &j, &E),
	    DOM_GONE);
	assert_string_equal(E.message, "Invite has expired");
	assert_int_equal(invite_accept(&A, &actor_cli, rev.id, ada, &acc, &j, &E),
	    DOM_GONE);
	assert_string_equal(E.message, "Invite was revoked");

	/* Pending, but the person became a member meanwhile: 409 member. */
	assert_int_equal(invite_create(&A, &actor_cli, o.id, "eve@acme.test",
	    NULL, NULL, &mem, &E), DOM_OK);
	join(o.id, eve, "viewer");
	assert_int_equal(invite_accept(&A, &actor_cli, mem.id, eve, &acc, &j, &E),
	    DOM_CONFLICT);
	assert_string_equal(E.message, "User is already a member");
	assert_chain(o.id);
}

static int
collect_invite(const struct invite *inv, void *arg)
{
	struct buf *b = arg;

	buf_printf(b, "%s:%s;", inv->email, invite_state_name(inv->state));
	return 0;
}

static void
invite_list_computes_state_and_filters(void **state)
{
	struct org o = mk_org("acme", NULL, NULL);
	const char *b_user = mk_user("b@acme.test");
	struct invite a, b, c, d, acc;
	struct buf out;
	int64_t j;

	assert_int_equal(invite_create(&A, &actor_cli, o.id, "a@acme.test", NULL,
	    NULL, &a, &E), DOM_OK);
	tick(1);
	assert_int_equal(invite_create(&A, &actor_cli, o.id, "b@acme.test", NULL,
	    NULL, &b, &E), DOM_OK);
	tick(1);
	assert_int_equal(invite_create(&A, &actor_cli, o.id, "c@acme.test", NULL,
	    NULL, &c, &E), DOM_OK);
	assert_int_equal(invite_accept(&A, &actor_cli, b.id, b_user, &acc, &j,
	    &E), DOM_OK);
	assert_int_equal(invite_revoke(&A, &actor_cli, o.id, c.id, &E), DOM_OK);
	tick(7 * DAY - 2);          /* a expires exactly now */
	assert_int_equal(invite_create(&A, &actor_cli, o.id, "d@acme.test", NULL,
	    NULL, &d, &E), DOM_OK);

	buf_init(&out);
	assert_int_equal(invite_list(&A, o.id, -1, collect_invite, &out), DOM_OK);
	assert_string_equal(out.data, "a@acme.test:expired;b@acme.test:accepted;"
	    "c@acme.test:revoked;d@acme.test:pending;");
	buf_reset(&out);
	assert_int_equal(invite_list(&A, o.id, INVITE_EXPIRED, collect_invite,
	    &out), DOM_OK);
	assert_string_equal(out.data, "a@acme.test:expired;");
	buf_reset(&out);
	assert_int_equal(invite_list(&A, o.id, INVITE_PENDING, collect_invite,
	    &out), DOM_OK);
	assert_string_equal(out.data, "d@acme.test:pending;");
	buf_free(&out);
	assert_chain(o.id);
}

static void
invite_render_omits_accepted_at_until_accepted(void **state)
{
	struct invite inv = { "inv_1", "org_1", "a@b.co", "member", NULL,
		INVITE_PENDING, T0, T0 + 7 * DAY, 0, 0 };
	struct buf b;
	struct jw w;

	buf_init(&b);
	jw_init(&w, &b);
	invite_render(&w, &inv);
	assert_string_equal(b.data, "{\"id\":\"inv_1\",\"email\":\"a@b.co\","
	    "\"organizationId\":\"org_1\",\"role\":\"member\",\"state\":"
	    "\"pending\",\"invitedBy\":null,\"createdAt\":"
	    "\"2026-05-01T15:30:00.123Z\",\"expiresAt\":"
	    "\"2026-05-08T15:30:00.123Z\"}");
	buf_reset(&b);
	inv.state = INVITE_ACCEPTED;
	inv.accepted_at = T0 + 1;
	jw_init(&w, &b);
	invite_render(&w, &inv);
	assert_non_null(strstr(b.data,
	    "\"acceptedAt\":\"2026-05-01T15:30:00.124Z\"}"));
	buf_free(&b);
}

/* ------------------------------------------------------------ projects */

static void
project_create_appends_project_created_and_makes_creator_admin(void **state)
{
	static const char *const want[] = { "projectId", "slug", NULL };
	const char *owner = mk_user("owner@acme.test");
	struct org o = mk_org("acme", owner, NULL);
	struct project p;
	struct project_member m;
	struct json_object *pl;

	assert_int_equal(project_create(&A, &actor_cli, o.id, "Web App", NULL, 0,
	    owner, &p, &E), DOM_OK);
	assert_string_equal(p.slug, "web-app");
	pl = last_event(o.id, "project.created", 0, NULL);
	assert_members(pl, want);
	assert_string_equal(jstr(pl, "projectId"), p.id);
	json_object_put(pl);
	assert_int_equal(project_member_set_role(&A, &actor_cli, o.id, p.id,
	    owner, "admin", &m, &E), DOM_OK);
	assert_string_equal(m.role, "admin");
	assert_int_equal(project_create(&A, &actor_cli, o.id, "web app", NULL, 0,
	    NULL, &p, &E), DOM_CONFLICT);
	assert_string_equal(E.message, "Project slug already exists");
	assert_chain(o.id);
}

static void
project_member_add_appends_event_with_sealed_email(void **state)
{
	static const char *const want[] = { "projectId", "userId", "email",
		"role", NULL };
	struct project defp;
	struct org o = mk_org("acme", NULL, &defp);
	const char *u = mk_user("Bob@acme.test"), *ent;
	struct project_member m;
	struct json_object *st, *rv;

	join(o.id, u, "member");
	assert_int_equal(project_member_add(&A, &actor_cli, o.id, defp.id, u,
	    "member", &m, &E), DOM_OK);
	assert_string_equal(m.email, "bob@acme.test");
	assert_string_equal(m.role, "member");
	assert_int_equal(m.added_at, T0);
	st = last_event(o.id, "project_member.added", 0, &ent);
	rv = last_event(o.id, "project_member.added", 1, NULL);
	assert_members(st, want);
	assert_sealed(st, "email");
	assert_string_equal(jstr(rv, "email"), "bob@acme.test");
	assert_string_equal(jstr(st, "projectId"), defp.id);
	assert_string_equal(jstr(st, "userId"), u);
	assert_string_equal(jstr(st, "role"), "member");
	assert_string_equal(ent, u);
	json_object_put(st);
	json_object_put(rv);
	assert_chain(o.id);
}

static void
project_member_add_requires_org_membership(void **state)
{
	struct project defp;
	struct org o = mk_org("acme", NULL, &defp);
	struct org other = mk_org("other", NULL, NULL);
	const char *u = mk_user("bob@acme.test");
	struct project_member m;

	join(other.id, u, "admin");
	assert_int_equal(project_member_add(&A, &actor_cli, o.id, defp.id, u,
	    "viewer", &m, &E), DOM_INVALID);
	assert_string_equal(E.message, "User is not a member of the organization");
	assert_int_equal(project_member_add(&A, &actor_cli, o.id, defp.id,
	    "usr_nobody", "viewer", &m, &E), DOM_INVALID);
	assert_int_equal(events(o.id, "project_member.added"), 0);
}

static void
project_member_add_twice_is_conflict(void **state)
{
	struct project defp;
	struct org o = mk_org("acme", NULL, &defp);
	const char *u = mk_user("bob@acme.test");
	struct project_member m;

	join(o.id, u, "member");
	assert_int_equal(project_member_add(&A, &actor_cli, o.id, defp.id, u,
	    "viewer", &m, &E), DOM_OK);
	assert_int_equal(project_member_add(&A, &actor_cli, o.id, defp.id, u,
	    "admin", &m, &E), DOM_CONFLICT);
	assert_string_equal(E.message, "User is already a project member");
}

static void
project_member_add_checks_role_and_project(void **state)
{
	struct project defp, otherp;
	struct org o = mk_org("acme", NULL, &defp);
	const char *u = mk_user("bob@acme.test");
	struct project_member m;

	mk_org("other", NULL, &otherp);
	join(o.id, u, "member");
	assert_int_equal(project_member_add(&A, &actor_cli, o.id, defp.id, u,
	    "owner", &m, &E), DOM_INVALID);
	assert_string_equal(E.message, "role must be one of: admin, member, viewer");
	assert_int_equal(project_member_add(&A, &actor_cli, o.id, otherp.id, u,
	    "viewer", &m, &E), DOM_NOT_FOUND);
	assert_string_equal(E.message, "Project not found");
}

static void
project_member_set_role_appends_role_changed_once(void **state)
{
	static const char *const want[] = { "projectId", "userId", "email",
		"role", NULL };
	struct project defp;
	struct org o = mk_org("acme", NULL, &defp);
	const char *u = mk_user("bob@acme.test");
	struct project_member m;
	struct json_object *pl;

	join(o.id, u, "member");
	assert_int_equal(project_member_set_role(&A, &actor_cli, o.id, defp.id, u,
	    "admin", &m, &E), DOM_NOT_FOUND);
	assert_string_equal(E.message, "Project member not found");
	assert_int_equal(project_member_add(&A, &actor_cli, o.id, defp.id, u,
	    "viewer", &m, &E), DOM_OK);
	assert_int_equal(project_member_set_role(&A, &actor_cli, o.id, defp.id, u,
	    "admin", &m, &E), DOM_OK);
	assert_string_equal(m.role, "admin");
	assert_int_equal(project_member_set_role(&A, &actor_cli, o.id, defp.id, u,
	    "admin", &m, &E), DOM_OK);
	assert_int_equal(events(o.id, "project_member.role_changed"), 1);
	pl = last_event(o.id, "project_member.role_changed", 0, NULL);
	assert_members(pl, want);
	assert_sealed(pl, "email");
	assert_string_equal(jstr(pl, "role"), "admin");
	json_object_put(pl);
	assert_int_equal(project_member_set_role(&A, &actor_cli, o.id, defp.id, u,
	    "guest", &m, &E), DOM_INVALID);
	assert_chain(o.id);
}

static void
project_member_remove_appends_event_with_held_role(void **state)
{
	struct project defp;
	struct org o = mk_org("acme", NULL, &defp);
	const char *u = mk_user("bob@acme.test");
	struct project_member m;
	struct json_object *pl;

	join(o.id, u, "member");
	assert_int_equal(project_member_add(&A, &actor_cli, o.id, defp.id, u,
	    "member", &m, &E), DOM_OK);
	assert_int_equal(project_member_remove(&A, &actor_cli, o.id, defp.id, u,
	    &E), DOM_OK);
	assert_int_equal(q_int(sql_pm_count, u, NULL), 0);
	pl = last_event(o.id, "project_member.removed", 0, NULL);
	assert_string_equal(jstr(pl, "role"), "member");
	assert_sealed(pl, "email");
	json_object_put(pl);
	assert_int_equal(project_member_remove(&A, &actor_cli, o.id, defp.id, u,
	    &E), DOM_NOT_FOUND);
	assert_string_equal(E.message, "Project member not found");
	assert_int_equal(events(o.id, "project_member.removed"), 1);
	assert_chain(o.id);
}

static int
collect_pm(const struct project_member *m, void *arg)
{
	struct buf *b = arg;

	buf_printf(b, "%s:%s;", m->email, m->role);
	return 0;
}

static void
project_member_list_is_oldest_first(void **state)
{
	struct project defp, otherp;
	struct org o = mk_org("acme", NULL, &defp);
	const char *z = mk_user("zed@acme.test"), *a = mk_user("amy@acme.test");
	struct project_member m;
	struct buf b;

	mk_org("other", NULL, &otherp);
	join(o.id, z, "member");
	join(o.id, a, "member");
	assert_int_equal(project_member_add(&A, &actor_cli, o.id, defp.id, z,
	    "viewer", &m, &E), DOM_OK);
	tick(1);
	assert_int_equal(project_member_add(&A, &actor_cli, o.id, defp.id, a,
	    "admin", &m, &E), DOM_OK);
	buf_init(&b);
	assert_int_equal(project_member_list(&A, o.id, defp.id, collect_pm, &b),
	    DOM_OK);
	assert_string_equal(b.data, "zed@acme.test:viewer;amy@acme.test:admin;");
	assert_int_equal(project_member_list(&A, o.id, otherp.id, collect_pm, &b),
	    DOM_NOT_FOUND);
	buf_free(&b);
}

/* --------------------------------------------------------------- teams */

static void
team_create_derives_slug_and_suffixes_collisions(void **state)
{
	struct org o = mk_org("acme", NULL, NULL);
	struct team t1, t2, t3, t4, got;
	char longname[100];

	assert_int_equal(team_create(&A, o.id, "Platform Eng", &t1, &E), DOM_OK);
	assert_true(strncmp(t1.id, "team_", 5) == 0);
	assert_string_equal(t1.slug, "platform-eng");
	assert_int_equal(team_create(&A, o.id, "platform eng!", &t2, &E), DOM_OK);
	assert_string_equal(t2.slug, "platform-eng-2");
	assert_int_equal(team_create(&A, o.id, "PLATFORM ENG", &t3, &E), DOM_OK);
	assert_string_equal(t3.slug, "platform-eng-3");
	assert_int_equal(team_create(&A, o.id, "!!!", &t4, &E), DOM_OK);
	assert_string_equal(t4.slug, "team");
	memset(longname, 'x', 70);
	longname[70] = '\0';
	assert_int_equal(team_create(&A, o.id, longname, &t4, &E), DOM_OK);
	assert_int_equal(strlen(t4.slug), 64);
	assert_int_equal(team_create(&A, o.id, longname, &t4, &E), DOM_OK);
	assert_int_equal(strlen(t4.slug), 64);
	assert_string_equal(t4.slug + 62, "-2");
	assert_int_equal(team_get(&A, o.id, t2.id, &got), DOM_OK);
	assert_string_equal(got.name, "platform eng!");
	assert_int_equal(team_create(&A, o.id, "", &t4, &E), DOM_INVALID);
	assert_string_equal(E.message, "name is required");
	/* Teams append nothing (the SCIM handlers record them). */
	assert_int_equal(events(o.id, NULL), 1);
}

static void
team_rename_keeps_slug(void **state)
{
	struct org o = mk_org("acme", NULL, NULL);
	struct org other = mk_org("other", NULL, NULL);
	struct team t, got;

	assert_int_equal(team_create(&A, o.id, "Core", &t, &E), DOM_OK);
	assert_int_equal(team_rename(&A, o.id, t.id, "Core Platform", &E), DOM_OK);
	assert_int_equal(team_get(&A, o.id, t.id, &got), DOM_OK);
	assert_string_equal(got.name, "Core Platform");
	assert_string_equal(got.slug, "core");
	assert_int_equal(team_rename(&A, other.id, t.id, "X", &E), DOM_NOT_FOUND);
	assert_string_equal(E.message, "Team not found");
}

/* 10-scim.md §11: a deleted team keeps its rows, projects keep team_id,
 * but the team is shown nowhere, implies no role, and frees its slug. */
static void
team_delete_is_soft_and_hides_the_team(void **state)
{
	struct project defp;
	struct org o = mk_org("acme", NULL, &defp);
	const char *u = mk_user("bob@acme.test");
	struct team t, got;
	struct sstmt *st;

	join(o.id, u, "member");
	assert_int_equal(team_create(&A, o.id, "Core", &t, &E), DOM_OK);
	assert_int_equal(team_member_add(&A, o.id, t.id, u, &E), DOM_OK);
	assert_non_null(st = store_stmt(sql_project_team_set));
	ss_bind_text(st, 1, defp.id);
	ss_bind_text(st, 2, t.id);
	assert_int_equal(ss_exec(st), STORE_OK);
	assert_int_equal(project_role(o.id, defp.id, u, ROLE_MEMBER), ROLE_MEMBER);
	assert_int_equal(team_delete(&A, o.id, t.id, &E), DOM_OK);
	assert_int_equal(team_get(&A, o.id, t.id, &got), DOM_NOT_FOUND);
	assert_string_equal(q_text(sql_project_team_get, defp.id, NULL), t.id);
	assert_int_equal(project_get(&A, o.id, defp.id, &defp), DOM_OK);
	assert_null(defp.team_id);
	assert_int_equal(project_role(o.id, defp.id, u, ROLE_MEMBER), ROLE_NONE);
	assert_int_equal(q_int(sql_team_member_count, t.id, NULL), 1);
	assert_int_equal(team_delete(&A, o.id, t.id, &E), DOM_NOT_FOUND);
	assert_int_equal(team_create(&A, o.id, "Core", &got, &E), DOM_OK);
	assert_string_equal(got.slug, t.slug);
}

static void
team_member_add_needs_org_member_and_is_idempotent(void **state)
{
	struct org o = mk_org("acme", NULL, NULL);
	const char *u = mk_user("bob@acme.test");
	struct team t;

	assert_int_equal(team_create(&A, o.id, "Core", &t, &E), DOM_OK);
	assert_int_equal(team_member_add(&A, o.id, t.id, u, &E), DOM_INVALID);
	assert_string_equal(E.message, "User is not a member of the organization");
	join(o.id, u, "member");
	assert_int_equal(team_member_add(&A, o.id, t.id, u, &E), DOM_OK);
	assert_int_equal(team_member_add(&A, o.id, t.id, u, &E), DOM_OK);
	assert_int_equal(q_int(sql_team_member_count, t.id, NULL), 1);
	assert_int_equal(team_member_remove(&A, o.id, t.id, u, &E), DOM_OK);
	assert_int_equal(team_member_remove(&A, o.id, t.id, u, &E), DOM_OK);
	assert_int_equal(q_int(sql_team_member_count, t.id, NULL), 0);
	assert_int_equal(team_member_add(&A, o.id, "team_nope", u, &E),
	    DOM_NOT_FOUND);
}

/* ---------------------------------------------- effective project role */

static void
project_role_effective_follows_the_roles_table(void **state)
{
	/* org-implied */
	assert_int_equal(project_role_effective(ROLE_OWNER, ROLE_NONE, 0), ROLE_ADMIN);
	assert_int_equal(project_role_effective(ROLE_ADMIN, ROLE_VIEWER, 0), ROLE_ADMIN);
	assert_int_equal(project_role_effective(ROLE_AUDITOR, ROLE_NONE, 0), ROLE_VIEWER);
	assert_int_equal(project_role_effective(ROLE_MEMBER, ROLE_NONE, 0), ROLE_NONE);
	assert_int_equal(project_role_effective(ROLE_VIEWER, ROLE_NONE, 0), ROLE_NONE);
	/* the highest wins */
	assert_int_equal(project_role_effective(ROLE_AUDITOR, ROLE_ADMIN, 0), ROLE_ADMIN);
	assert_int_equal(project_role_effective(ROLE_AUDITOR, ROLE_NONE, 1), ROLE_MEMBER);
	assert_int_equal(project_role_effective(ROLE_MEMBER, ROLE_VIEWER, 1), ROLE_MEMBER);
	assert_int_equal(project_role_effective(ROLE_MEMBER, ROLE_ADMIN, 1), ROLE_ADMIN);
	assert_int_equal(project_role_effective(ROLE_MEMBER, ROLE_NONE, 1), ROLE_MEMBER);
	/* capped at viewer for org viewers */
	assert_int_equal(project_role_effective(ROLE_VIEWER, ROLE_ADMIN, 0), ROLE_VIEWER);
	assert_int_equal(project_role_effective(ROLE_VIEWER, ROLE_NONE, 1), ROLE_VIEWER);
	/* no org role, no project role */
	assert_int_equal(project_role_effective(ROLE_NONE, ROLE_ADMIN, 1), ROLE_NONE);
}

static void
project_role_reads_membership_team_and_org_role(void **state)
{
	struct project defp, p2, otherp;
	struct org o = mk_org("acme", NULL, &defp);
	const char *u = mk_user("bob@acme.test");
	struct project_member m;
	struct team t;
	struct sstmt *st;

	mk_org("other", NULL, &otherp);
	join(o.id, u, "member");
	assert_int_equal(project_create(&A, &actor_cli, o.id, "Two", NULL, 0,
	    NULL, &p2, &E), DOM_OK);
	assert_int_equal(project_member_add(&A, &actor_cli, o.id, defp.id, u,
	    "viewer", &m, &E), DOM_OK);
	assert_int_equal(project_role(o.id, defp.id, u, ROLE_MEMBER), ROLE_VIEWER);
	assert_int_equal(project_role(o.id, p2.id, u, ROLE_MEMBER), ROLE_NONE);
	/* A team on p2 gives member there. */
	assert_int_equal(team_create(&A, o.id, "Core", &t, &E), DOM_OK);
	assert_int_equal(team_member_add(&A, o.id, t.id, u, &E), DOM_OK);
	assert_non_null(st = store_stmt(sql_project_team_set));
	ss_bind_text(st, 1, p2.id);
	ss_bind_text(st, 2, t.id);
	assert_int_equal(ss_exec(st), STORE_OK);
	assert_int_equal(project_role(o.id, p2.id, u, ROLE_MEMBER), ROLE_MEMBER);
	assert_int_equal(project_role(o.id, p2.id, u, ROLE_VIEWER), ROLE_VIEWER);
	assert_int_equal(project_role(o.id, p2.id, u, ROLE_ADMIN), ROLE_ADMIN);
	/* A creator-less key: org role only. */
	assert_int_equal(project_role(o.id, p2.id, NULL, ROLE_ADMIN), ROLE_ADMIN);
	assert_int_equal(project_role(o.id, p2.id, NULL, ROLE_MEMBER), ROLE_NONE);
	/* Another org's project, an unknown one, no org role. */
	assert_int_equal(project_role(o.id, otherp.id, u, ROLE_OWNER), ROLE_NONE);
	assert_int_equal(project_role(o.id, "proj_nope", u, ROLE_OWNER), ROLE_NONE);
	assert_int_equal(project_role(o.id, defp.id, u, ROLE_NONE), ROLE_NONE);
}

static int
collect_visible(const struct project *p, enum role r, void *arg)
{
	struct buf *b = arg;

	buf_printf(b, "%s:%s;", p->slug, role_name(r));
	return 0;
}

static void
projects_visible_lists_projects_with_an_effective_role(void **state)
{
	struct project defp, p2, p3;
	struct org o = mk_org("acme", NULL, &defp);
	const char *u = mk_user("bob@acme.test");
	struct project_member m;
	struct team t;
	struct sstmt *st;
	struct buf b;

	join(o.id, u, "member");
	tick(1);
	assert_int_equal(project_create(&A, &actor_cli, o.id, "Two", NULL, 0,
	    NULL, &p2, &E), DOM_OK);
	tick(1);
	assert_int_equal(project_create(&A, &actor_cli, o.id, "Three", NULL, 0,
	    NULL, &p3, &E), DOM_OK);
	assert_int_equal(project_member_add(&A, &actor_cli, o.id, p3.id, u,
	    "admin", &m, &E), DOM_OK);
	assert_int_equal(team_create(&A, o.id, "Core", &t, &E), DOM_OK);
	assert_int_equal(team_member_add(&A, o.id, t.id, u, &E), DOM_OK);
	assert_non_null(st = store_stmt(sql_project_team_set));
	ss_bind_text(st, 1, p2.id);
	ss_bind_text(st, 2, t.id);
	assert_int_equal(ss_exec(st), STORE_OK);

	buf_init(&b);
	assert_int_equal(projects_visible(&A, o.id, u, ROLE_MEMBER,
	    collect_visible, &b), DOM_OK);
	assert_string_equal(b.data, "two:member;three:admin;");
	buf_reset(&b);
	assert_int_equal(projects_visible(&A, o.id, u, ROLE_VIEWER,
	    collect_visible, &b), DOM_OK);
	assert_string_equal(b.data, "two:viewer;three:viewer;");
	buf_reset(&b);
	assert_int_equal(projects_visible(&A, o.id, u, ROLE_AUDITOR,
	    collect_visible, &b), DOM_OK);
	assert_string_equal(b.data, "default:viewer;two:member;three:admin;");
	buf_reset(&b);
	assert_int_equal(projects_visible(&A, o.id, NULL, ROLE_OWNER,
	    collect_visible, &b), DOM_OK);
	assert_string_equal(b.data, "default:admin;two:admin;three:admin;");
	buf_reset(&b);
	assert_int_equal(projects_visible(&A, o.id, u, ROLE_NONE,
	    collect_visible, &b), DOM_OK);
	assert_int_equal(b.len, 0);
	buf_free(&b);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(slug_valid_accepts_lowercase_words_joined_by_single_hyphens),
		T(slug_valid_rejects_bad_forms),
		T(slug_valid_rejects_reserved_words),
		T(slug_derive_lowercases_and_collapses_runs),
		T(slug_derive_cuts_at_48_then_trims),
		T(slug_derive_of_nothing_usable_is_null),
		T(org_create_makes_default_project_key_and_owner),
		T(org_create_appends_org_created_with_exact_members),
		T(org_create_without_owner_records_null_owner),
		T(org_create_derives_slug_from_name),
		T(org_create_taken_slug_is_conflict),
		T(org_create_bad_reserved_or_underivable_slug_is_invalid),
		T(org_create_unknown_owner_is_invalid),
		T(user_create_lowercases_email),
		T(user_create_duplicate_email_is_conflict),
		T(user_create_bad_email_is_invalid),
		T(member_add_appends_member_joined_with_sealed_email),
		T(member_add_twice_is_conflict),
		T(member_add_rejects_unknown_role_and_user),
		T(member_remove_revokes_keys_drops_projects_and_org_sessions),
		T(member_remove_of_last_owner_is_refused),
		T(member_remove_of_non_member_is_not_found),
		T(member_set_role_appends_role_changed),
		T(member_set_role_to_same_role_appends_nothing),
		T(member_set_role_demoting_last_owner_is_refused),
		T(member_set_role_rejects_bad_role_and_unknown_member),
		T(member_list_is_oldest_first),
		T(member_render_writes_the_member_object),
		T(invite_email_valid_follows_the_pattern),
		T(invite_state_names_round_trip),
		T(invite_create_is_pending_lowercased_for_seven_days),
		T(invite_create_defaults_to_member_and_checks_role),
		T(invite_create_with_pending_invite_is_conflict),
		T(invite_create_after_revoke_or_expiry_is_allowed),
		T(invite_create_for_member_is_conflict),
		T(invite_revoke_is_idempotent_with_one_event),
		T(invite_revoke_of_accepted_invite_is_conflict),
		T(invite_revoke_in_another_org_is_not_found),
		T(invite_accept_creates_membership_with_member_joined),
		T(invite_accept_checks_in_spec_order),
		T(invite_list_computes_state_and_filters),
		T(invite_render_omits_accepted_at_until_accepted),
		T(project_create_appends_project_created_and_makes_creator_admin),
		T(project_member_add_appends_event_with_sealed_email),
		T(project_member_add_requires_org_membership),
		T(project_member_add_twice_is_conflict),
		T(project_member_add_checks_role_and_project),
		T(project_member_set_role_appends_role_changed_once),
		T(project_member_remove_appends_event_with_held_role),
		T(project_member_list_is_oldest_first),
		T(team_create_derives_slug_and_suffixes_collisions),
		T(team_rename_keeps_slug),
		T(team_delete_is_soft_and_hides_the_team),
		T(team_member_add_needs_org_member_and_is_idempotent),
		T(project_role_effective_follows_the_roles_table),
		T(project_role_reads_membership_team_and_org_role),
		T(projects_visible_lists_projects_with_an_effective_role),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
