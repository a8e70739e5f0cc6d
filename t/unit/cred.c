/* t/unit/cred.c -- minted secrets (API keys, registration tokens, M2M
 * clients, SCIM tokens) and the sealed credential store (lib/cred.c)
 * against a real migrated store: 01-auth.md §4, §5, §11; 04-console.md
 * §3.3, §3.4, §4.2, §6; 02-worker-protocol.md §7.1; 09-audit.md §4. */
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

#define T0 INT64_C(1777649400123)   /* 2026-05-01T15:30:00.123Z */

static struct arena A;
static struct dom_err E;
static int64_t now_ms;

/* One org with its default project and a second project, per test. */
static struct org O;
static struct project P1, P2;

static const char sql_event_count[] =
    "SELECT count(*) FROM audit_events WHERE org_id = ?1"
    " AND (?2 IS NULL OR event_type = ?2)";
static const char sql_event_count_all[] = "SELECT count(*) FROM audit_events";
static const char sql_event_last[] =
    "SELECT payload, entity_id FROM audit_events WHERE org_id = ?1"
    " AND event_type = ?2 ORDER BY seq DESC LIMIT 1";
static const char sql_key_hash[] =
    "SELECT key_hash FROM api_keys WHERE id = ?1";
static const char sql_key_row[] =
    "SELECT org_id, scopes, project_ids, created_by FROM api_keys WHERE id = ?1";
static const char sql_rtk_hash[] =
    "SELECT token_hash FROM registration_tokens WHERE id = ?1";
static const char sql_rtk_revoked[] =
    "SELECT revoked_at FROM registration_tokens WHERE id = ?1";
static const char sql_m2m_hash[] =
    "SELECT secret_hash FROM m2m_clients WHERE id = ?1";
static const char sql_scim_hash[] =
    "SELECT token_hash FROM scim_tokens WHERE id = ?1";
static const char sql_cred_sealed[] =
    "SELECT value_sealed FROM credentials WHERE id = ?1";
static const char sql_rotations[] =
    "SELECT group_concat(kind || ':' || project_id || ':' || env_name || ':'"
    " || name, ';') FROM (SELECT * FROM credential_rotations"
    " WHERE org_id = ?1 ORDER BY seq)";

/* ------------------------------------------------------------ fixture */


static int
group_setup(void **state)
{
	(void)state;
	fixture_store_up("cred");
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
	assert_int_equal(org_create(&A, &actor_cli, "Acme", NULL, NULL, NULL, 0,
	    &O, &P1, &E), DOM_OK);
	assert_int_equal(project_create(&A, &actor_cli, O.id, "Two", NULL, 0,
	    NULL, &P2, &E), DOM_OK);
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
q_text(const char *sql, const char *a1)
{
	struct sstmt *st = store_stmt(sql);
	const char *v = NULL;

	assert_non_null(st);
	ss_bind_text(st, 1, a1);
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

static int64_t
all_events(void)
{
	struct sstmt *st = store_stmt(sql_event_count_all);
	int64_t n;

	assert_non_null(st);
	assert_int_equal(ss_step(st), STORE_ROW);
	n = ss_int(st, 0);
	ss_reset(st);
	return n;
}

/* The stored payload of the latest event of a type; *text its JCS text. */
static struct json_object *
last_event(const char *type, const char **text, const char **entity_id)
{
	struct sstmt *st = store_stmt(sql_event_last);
	struct json_object *o = NULL;

	assert_non_null(st);
	ss_bind_text(st, 1, O.id);
	ss_bind_text(st, 2, type);
	assert_int_equal(ss_step(st), STORE_ROW);
	assert_int_equal(json_parse_strict(ss_text(st, 0), ss_bytes(st, 0), 32,
	    &o), JSON_OK);
	if (text != NULL)
		*text = arena_strdup(&A, ss_text(st, 0));
	if (entity_id != NULL)
		*entity_id = arena_strdup(&A, ss_text(st, 1));
	ss_reset(st);
	return o;
}

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

/* s is prefix followed by exactly n lowercase hex characters. */
static void
assert_form(const char *s, const char *prefix, size_t n)
{
	size_t pl = strlen(prefix);

	assert_int_equal(strncmp(s, prefix, pl), 0);
	assert_int_equal(strlen(s), pl + n);
	assert_true(is_lower_hex(s + pl, n));
}

static void
assert_hash_of(const char *stored, const char *secret)
{
	char want[SHA256_HEX_LEN + 1];

	sha256_hex(want, secret, strlen(secret));
	assert_non_null(stored);
	assert_string_equal(stored, want);
}

static const char *star[] = { "*" };
static const char *worker4[] = { "worker:register", "worker:poll",
	"worker:heartbeat", "worker:session" };

static void
km_init(struct key_mint *km, const char **scopes, int n)
{
	memset(km, 0, sizeof(*km));
	km->org_id = O.id;
	km->name = "ci";
	km->key_type = "user";
	km->scopes = scopes;
	km->nscopes = n;
}

/* ------------------------------------------------------------ API keys */

static void
key_mint_returns_secret_once_and_stores_its_sha256(void **state)
{
	static const char *const want[] = { "keyId", "keyPrefix", "keyType",
		"scopes", "projectIds", "expiresAt", "deprecatedRoute", NULL };
	struct key_mint km;
	struct minted m;
	struct json_object *pl;
	const char *ent;

	km_init(&km, star, 1);
	assert_int_equal(key_mint(&A, &actor_cli, &km, &m, &E), DOM_OK);
	assert_form(m.secret, "rsk_live_", 64);
	assert_true(strncmp(m.id, "key_", 4) == 0);
	assert_int_equal(strlen(m.prefix), 13);
	assert_int_equal(strncmp(m.prefix, m.secret, 13), 0);
	assert_hash_of(q_text(sql_key_hash, m.id), m.secret);
	assert_string_equal(q_text(sql_key_row, m.id), O.id);
	pl = last_event("api_key.minted", NULL, &ent);
	assert_members(pl, want);
	assert_string_equal(jstr(pl, "keyId"), m.id);
	assert_string_equal(jstr(pl, "keyPrefix"), m.prefix);
	assert_string_equal(jstr(pl, "keyType"), "user");
	assert_true(jis_null(pl, "projectIds"));
	assert_true(jis_null(pl, "expiresAt"));
	assert_string_equal(ent, m.id);
	assert_null(strstr(json_object_to_json_string(pl), m.secret + 9));
	json_object_put(pl);
	assert_chain(O.id);
}

static void
key_mint_refuses_unknown_scope(void **state)
{
	static const char *bad[] = { "sessions:read", "sessions:admin" };
	struct key_mint km;
	struct minted m;

	km_init(&km, bad, 2);
	assert_int_equal(key_mint(&A, &actor_cli, &km, &m, &E), DOM_INVALID);
	assert_string_equal(E.message, "Unknown scope: sessions:admin");
	assert_int_equal(events(O.id, "api_key.minted"), 0);
}

static void
key_mint_refuses_system_scope_on_org_keys(void **state)
{
	static const char *sys[] = { "sessions:read", "system" };
	struct key_mint km;
	struct minted m;

	km_init(&km, sys, 2);
	assert_int_equal(key_mint(&A, &actor_cli, &km, &m, &E), DOM_INVALID);
	assert_string_equal(E.message, "Scope 'system' cannot be minted");
}

static void
key_mint_star_and_org_keys_write_require_all_projects(void **state)
{
	static const char *okw[] = { "sessions:read", "org_keys:write" };
	const char *projects[] = { P1.id };
	struct key_mint km;
	struct minted m;

	km_init(&km, star, 1);
	km.project_ids = projects;
	km.nprojects = 1;
	assert_int_equal(key_mint(&A, &actor_cli, &km, &m, &E), DOM_INVALID);
	assert_string_equal(E.message, "Scope '*' requires projects \"all\"");
	km.scopes = okw;
	km.nscopes = 2;
	assert_int_equal(key_mint(&A, &actor_cli, &km, &m, &E), DOM_INVALID);
	assert_string_equal(E.message,
	    "Scope 'org_keys:write' requires projects \"all\"");
	km.scopes = worker4;
	km.nscopes = 4;
	assert_int_equal(key_mint(&A, &actor_cli, &km, &m, &E), DOM_OK);
	assert_chain(O.id);
}

static void
key_mint_checks_each_rule_over_all_scopes_in_order(void **state)
{
	/* '*' comes first, but the system rule precedes the projects rule. */
	static const char *both[] = { "*", "system" };
	static const char *mixed[] = { "sessions:read", "*" };
	const char *projects[] = { P1.id };
	struct key_mint km;
	struct minted m;

	km_init(&km, both, 2);
	km.project_ids = projects;
	km.nprojects = 1;
	assert_int_equal(key_mint(&A, &actor_cli, &km, &m, &E), DOM_INVALID);
	assert_string_equal(E.message, "Scope 'system' cannot be minted");
	/* The projects rule precedes the worker_registration rule. */
	km_init(&km, mixed, 2);
	km.key_type = "worker_registration";
	km.project_ids = projects;
	km.nprojects = 1;
	assert_int_equal(key_mint(&A, &actor_cli, &km, &m, &E), DOM_INVALID);
	assert_string_equal(E.message, "Scope '*' requires projects \"all\"");
}

static void
key_mint_worker_registration_holds_only_worker_scopes(void **state)
{
	static const char *w[] = { "worker:register", "workers:read" };
	struct key_mint km;
	struct minted m;
	struct json_object *pl;

	km_init(&km, w, 2);
	km.key_type = "worker_registration";
	assert_int_equal(key_mint(&A, &actor_cli, &km, &m, &E), DOM_INVALID);
	assert_string_equal(E.message,
	    "worker_registration keys may hold only worker:* scopes");
	km.scopes = worker4;
	km.nscopes = 4;
	assert_int_equal(key_mint(&A, &actor_cli, &km, &m, &E), DOM_OK);
	pl = last_event("api_key.minted", NULL, NULL);
	assert_string_equal(jstr(pl, "keyType"), "worker_registration");
	json_object_put(pl);
	assert_chain(O.id);
}

static void
key_mint_validates_name_type_and_scope_list(void **state)
{
	char longname[102];
	struct key_mint km;
	struct minted m;

	km_init(&km, star, 1);
	km.name = "";
	assert_int_equal(key_mint(&A, &actor_cli, &km, &m, &E), DOM_INVALID);
	assert_string_equal(E.message, "name is required");
	memset(longname, 'n', 101);
	longname[101] = '\0';
	km.name = longname;
	assert_int_equal(key_mint(&A, &actor_cli, &km, &m, &E), DOM_INVALID);
	assert_string_equal(E.message, "name must be a string of 1-100 characters");
	km.name = "ci";
	km.key_type = "robot";
	assert_int_equal(key_mint(&A, &actor_cli, &km, &m, &E), DOM_INVALID);
	assert_string_equal(E.message,
	    "keyType must be one of: user, worker_registration");
	km_init(&km, star, 0);
	assert_int_equal(key_mint(&A, &actor_cli, &km, &m, &E), DOM_INVALID);
	assert_string_equal(E.message, "scopes must be a non-empty array");
}

static void
key_mint_system_key_is_recorded_in_no_chain(void **state)
{
	static const char *sys[] = { "system" };
	int64_t before = all_events();
	struct key_mint km;
	struct minted m;

	km_init(&km, sys, 1);
	km.org_id = NULL;
	assert_int_equal(key_mint(&A, &actor_cli, &km, &m, &E), DOM_OK);
	assert_form(m.secret, "rsk_live_", 64);
	assert_null(q_text(sql_key_row, m.id));
	assert_int_equal(all_events(), before);
	/* A system key holds exactly ["system"]. */
	km_init(&km, star, 1);
	km.org_id = NULL;
	assert_int_equal(key_mint(&A, &actor_cli, &km, &m, &E), DOM_INVALID);
	assert_string_equal(E.message,
	    "A system key holds exactly the scope 'system'");
}

static void
key_revoke_is_idempotent_with_one_event(void **state)
{
	static const char *const want[] = { "keyId", "keyPrefix", NULL };
	struct key_mint km;
	struct minted m;
	struct json_object *pl;

	km_init(&km, star, 1);
	assert_int_equal(key_mint(&A, &actor_cli, &km, &m, &E), DOM_OK);
	assert_int_equal(key_revoke(&A, &actor_cli, O.id, m.id, &E), DOM_OK);
	assert_int_equal(key_revoke(&A, &actor_cli, O.id, m.id, &E), DOM_OK);
	assert_int_equal(key_revoke(&A, &actor_cli, NULL, m.id, &E), DOM_OK);
	assert_int_equal(events(O.id, "api_key.revoked"), 1);
	pl = last_event("api_key.revoked", NULL, NULL);
	assert_members(pl, want);
	assert_string_equal(jstr(pl, "keyId"), m.id);
	assert_string_equal(jstr(pl, "keyPrefix"), m.prefix);
	json_object_put(pl);
	assert_chain(O.id);
}

static void
key_revoke_of_another_orgs_key_is_not_found(void **state)
{
	struct project p;
	struct org other;
	struct key_mint km;
	struct minted m;

	assert_int_equal(org_create(&A, &actor_cli, "Other", NULL, NULL, NULL, 0,
	    &other, &p, &E), DOM_OK);
	km_init(&km, star, 1);
	assert_int_equal(key_mint(&A, &actor_cli, &km, &m, &E), DOM_OK);
	assert_int_equal(key_revoke(&A, &actor_cli, other.id, m.id, &E),
	    DOM_NOT_FOUND);
	assert_string_equal(E.message, "API key not found");
	assert_int_equal(key_revoke(&A, &actor_cli, O.id, "key_nope", &E),
	    DOM_NOT_FOUND);
	assert_int_equal(events(O.id, "api_key.revoked"), 0);
}

static int
count_key(const struct key_info *k, void *arg)
{
	(*(int *)arg)++;
	return 0;
}

static void
key_list_hides_revoked_unless_asked(void **state)
{
	struct key_mint km;
	struct minted m1, m2;
	int n = 0;

	km_init(&km, star, 1);
	assert_int_equal(key_mint(&A, &actor_cli, &km, &m1, &E), DOM_OK);
	assert_int_equal(key_mint(&A, &actor_cli, &km, &m2, &E), DOM_OK);
	assert_int_equal(key_revoke(&A, &actor_cli, O.id, m1.id, &E), DOM_OK);
	assert_int_equal(key_list(&A, O.id, 0, count_key, &n), DOM_OK);
	assert_int_equal(n, 1);
	n = 0;
	assert_int_equal(key_list(&A, O.id, 1, count_key, &n), DOM_OK);
	assert_int_equal(n, 2);
}

/* ------------------------------------------------- registration tokens */

static void
regtoken_mint_accepts_ttl_300_to_31536000(void **state)
{
	struct minted m;

	assert_int_equal(regtoken_mint(&A, &actor_cli, O.id, P1.id, "w", NULL,
	    299, &m, &E), DOM_INVALID);
	assert_string_equal(E.message,
	    "expiresIn must be an integer between 300 and 31536000");
	assert_int_equal(regtoken_mint(&A, &actor_cli, O.id, P1.id, "w", NULL,
	    31536001, &m, &E), DOM_INVALID);
	assert_int_equal(regtoken_mint(&A, &actor_cli, O.id, P1.id, "w", NULL,
	    300, &m, &E), DOM_OK);
	assert_int_equal(m.expires_at, T0 + 300 * 1000);
	assert_int_equal(regtoken_mint(&A, &actor_cli, O.id, P1.id, "w", NULL,
	    31536000, &m, &E), DOM_OK);
	assert_int_equal(m.expires_at - m.created_at, INT64_C(31536000000));
	assert_int_equal(events(O.id, "runtime_token.minted"), 2);
	assert_chain(O.id);
}

static void
regtoken_mint_returns_rsp_live_secret_and_event(void **state)
{
	static const char *const want[] = { "tokenId", "projectId",
		"tokenPrefix", "expiresAt", NULL };
	struct json_object *pl;
	struct minted m;
	const char *ent;

	assert_int_equal(regtoken_mint(&A, &actor_cli, O.id, NULL, "fleet", NULL,
	    86400, &m, &E), DOM_OK);
	assert_form(m.secret, "rsp_live_", 64);
	assert_true(strncmp(m.id, "rtk_", 4) == 0);
	assert_int_equal(strlen(m.prefix), 13);
	assert_hash_of(q_text(sql_rtk_hash, m.id), m.secret);
	pl = last_event("runtime_token.minted", NULL, &ent);
	assert_members(pl, want);
	assert_true(jis_null(pl, "projectId"));
	assert_string_equal(jstr(pl, "expiresAt"), "2026-05-02T15:30:00.123Z");
	assert_string_equal(ent, m.id);
	json_object_put(pl);
	assert_chain(O.id);
}

static void
regtoken_revoke_is_idempotent_with_one_event(void **state)
{
	static const char *const want[] = { "tokenId", "projectId",
		"tokenPrefix", "expiresAt", NULL };
	struct json_object *pl;
	struct minted m;
	const char *ent;

	assert_int_equal(regtoken_mint(&A, &actor_cli, O.id, P1.id, "w", NULL,
	    3600, &m, &E), DOM_OK);
	tick(10);
	assert_int_equal(regtoken_revoke(&A, &actor_cli, O.id, P1.id, m.id, &E),
	    DOM_OK);
	assert_int_equal(regtoken_revoke(&A, &actor_cli, O.id, P1.id, m.id, &E),
	    DOM_OK);
	assert_int_equal(events(O.id, "runtime_token.revoked"), 1);
	assert_non_null(q_text(sql_rtk_revoked, m.id));
	pl = last_event("runtime_token.revoked", NULL, &ent);
	assert_members(pl, want);
	assert_string_equal(jstr(pl, "tokenId"), m.id);
	assert_string_equal(jstr(pl, "projectId"), P1.id);
	assert_string_equal(jstr(pl, "tokenPrefix"), m.prefix);
	assert_string_equal(jstr(pl, "expiresAt"), "2026-05-01T16:30:00.123Z");
	assert_string_equal(ent, m.id);
	json_object_put(pl);
	assert_chain(O.id);
}

static void
regtoken_revoke_outside_its_scope_is_not_found(void **state)
{
	struct minted proj, wide;

	assert_int_equal(regtoken_mint(&A, &actor_cli, O.id, P1.id, "p", NULL,
	    3600, &proj, &E), DOM_OK);
	assert_int_equal(regtoken_mint(&A, &actor_cli, O.id, NULL, "o", NULL,
	    3600, &wide, &E), DOM_OK);
	assert_int_equal(regtoken_revoke(&A, &actor_cli, O.id, P2.id, proj.id,
	    &E), DOM_NOT_FOUND);
	assert_string_equal(E.message, "Registration token not found");
	assert_int_equal(regtoken_revoke(&A, &actor_cli, O.id, NULL, proj.id,
	    &E), DOM_NOT_FOUND);
	assert_int_equal(regtoken_revoke(&A, &actor_cli, O.id, P1.id, wide.id,
	    &E), DOM_NOT_FOUND);
	assert_int_equal(regtoken_revoke(&A, &actor_cli, "org_other", NULL,
	    wide.id, &E), DOM_NOT_FOUND);
	assert_int_equal(regtoken_revoke(&A, &actor_cli, O.id, NULL, wide.id,
	    &E), DOM_OK);
	assert_int_equal(events(O.id, "runtime_token.revoked"), 1);
	assert_chain(O.id);
}

static int
collect_rtk(const struct regtoken_info *t, void *arg)
{
	struct buf *b = arg;

	buf_printf(b, "%s:%s;", t->name, t->revoked_at ? "revoked" : "live");
	return 0;
}

static void
regtoken_list_is_scoped_and_hides_revoked_unless_asked(void **state)
{
	struct minted a, b, c;
	struct buf out;

	assert_int_equal(regtoken_mint(&A, &actor_cli, O.id, P1.id, "a", NULL,
	    3600, &a, &E), DOM_OK);
	tick(1);
	assert_int_equal(regtoken_mint(&A, &actor_cli, O.id, P1.id, "b", NULL,
	    3600, &b, &E), DOM_OK);
	assert_int_equal(regtoken_mint(&A, &actor_cli, O.id, NULL, "c", NULL,
	    3600, &c, &E), DOM_OK);
	assert_int_equal(regtoken_revoke(&A, &actor_cli, O.id, P1.id, a.id, &E),
	    DOM_OK);
	buf_init(&out);
	assert_int_equal(regtoken_list(&A, O.id, P1.id, 0, collect_rtk, &out),
	    DOM_OK);
	assert_string_equal(out.data, "b:live;");
	buf_reset(&out);
	assert_int_equal(regtoken_list(&A, O.id, P1.id, 1, collect_rtk, &out),
	    DOM_OK);
	assert_string_equal(out.data, "a:revoked;b:live;");
	buf_reset(&out);
	assert_int_equal(regtoken_list(&A, O.id, NULL, 1, collect_rtk, &out),
	    DOM_OK);
	assert_string_equal(out.data, "c:live;");
	buf_free(&out);
}

static void
regtoken_render_writes_fixed_scopes_and_null_times(void **state)
{
	struct regtoken_info t = { "rtk_1", "org_1", NULL, "w", "rsp_live_abcd",
		NULL, T0, T0 + 1000, 0, 0 };
	struct buf b;
	struct jw w;

	buf_init(&b);
	jw_init(&w, &b);
	regtoken_render(&w, &t);
	assert_string_equal(b.data, "{\"id\":\"rtk_1\",\"projectId\":null,"
	    "\"name\":\"w\",\"tokenPrefix\":\"rsp_live_abcd\",\"scopes\":"
	    "[\"worker:register\",\"worker:poll\",\"worker:heartbeat\","
	    "\"worker:session\"],\"createdBy\":null,\"createdAt\":"
	    "\"2026-05-01T15:30:00.123Z\",\"expiresAt\":"
	    "\"2026-05-01T15:30:01.123Z\",\"lastUsedAt\":null,\"revokedAt\":null}");
	buf_free(&b);
}

/* --------------------------------------------------------- M2M clients */

static void
m2m_create_mints_id_and_secret_forms(void **state)
{
	static const char *const want[] = { "clientId", "name", "scopes", NULL };
	static const char *sc[] = { "sessions:read", "workers:read" };
	struct json_object *pl;
	struct minted m;

	assert_int_equal(m2m_create(&A, &actor_cli, O.id, "bot", sc, 2, NULL, &m,
	    &E), DOM_OK);
	assert_form(m.id, "m2m_", 32);
	assert_form(m.secret, "m2ms_", 64);
	assert_hash_of(q_text(sql_m2m_hash, m.id), m.secret);
	pl = last_event("m2m_client.created", NULL, NULL);
	assert_members(pl, want);
	assert_string_equal(jstr(pl, "clientId"), m.id);
	assert_null(strstr(json_object_to_json_string(pl), m.secret + 5));
	json_object_put(pl);
	assert_chain(O.id);
}

static void
m2m_create_refuses_scopes_outside_its_vocabulary(void **state)
{
	static const char *okw[] = { "org_keys:write" };
	static const char *sys[] = { "system" };
	struct minted m;

	assert_int_equal(m2m_create(&A, &actor_cli, O.id, "bot", okw, 1, NULL,
	    &m, &E), DOM_INVALID);
	assert_string_equal(E.message, "Unknown scope: org_keys:write");
	assert_int_equal(m2m_create(&A, &actor_cli, O.id, "bot", sys, 1, NULL,
	    &m, &E), DOM_INVALID);
	assert_string_equal(E.message, "Unknown scope: system");
	assert_int_equal(m2m_create(&A, &actor_cli, O.id, "bot", okw, 0, NULL,
	    &m, &E), DOM_INVALID);
	assert_string_equal(E.message, "scopes must be a non-empty array");
}

static int
count_m2m(const struct m2m_info *c, void *arg)
{
	(*(int *)arg)++;
	return 0;
}

static void
m2m_delete_is_idempotent_with_one_event(void **state)
{
	static const char *const want[] = { "clientId", "name", "scopes", NULL };
	struct json_object *pl, *v;
	struct minted m;
	int n = 0;

	assert_int_equal(m2m_create(&A, &actor_cli, O.id, "bot", star, 1, NULL,
	    &m, &E), DOM_OK);
	assert_int_equal(m2m_delete(&A, &actor_cli, O.id, m.id, &E), DOM_OK);
	assert_int_equal(m2m_delete(&A, &actor_cli, O.id, m.id, &E), DOM_OK);
	assert_int_equal(events(O.id, "m2m_client.deleted"), 1);
	pl = last_event("m2m_client.deleted", NULL, NULL);
	assert_members(pl, want);
	assert_true(json_object_object_get_ex(pl, "scopes", &v));
	assert_int_equal(json_object_array_length(v), 1);
	json_object_put(pl);
	assert_int_equal(m2m_list(&A, O.id, count_m2m, &n), DOM_OK);
	assert_int_equal(n, 0);
	assert_int_equal(m2m_delete(&A, &actor_cli, O.id, "m2m_nope", &E),
	    DOM_NOT_FOUND);
	assert_string_equal(E.message, "M2M client not found");
	assert_chain(O.id);
}

/* --------------------------------------------------------- SCIM tokens */

static void
scim_token_create_mints_scim_secret(void **state)
{
	static const char *const want[] = { "tokenId", "tokenPrefix", "name",
		NULL };
	struct json_object *pl;
	struct minted m;

	assert_int_equal(scim_token_create(&A, &actor_cli, O.id, "okta", NULL,
	    &m, &E), DOM_OK);
	assert_form(m.secret, "scim_", 64);
	assert_true(strncmp(m.id, "sct_", 4) == 0);
	assert_int_equal(strlen(m.prefix), 9);
	assert_hash_of(q_text(sql_scim_hash, m.id), m.secret);
	pl = last_event("scim_token.created", NULL, NULL);
	assert_members(pl, want);
	json_object_put(pl);
	assert_chain(O.id);
}

static void
scim_token_revoke_is_idempotent_with_one_event(void **state)
{
	static const char *const want[] = { "tokenId", "tokenPrefix", "name",
		NULL };
	struct json_object *pl;
	struct minted m;
	const char *ent;

	assert_int_equal(scim_token_create(&A, &actor_cli, O.id, "okta", NULL,
	    &m, &E), DOM_OK);
	assert_int_equal(scim_token_revoke(&A, &actor_cli, O.id, m.id, &E),
	    DOM_OK);
	assert_int_equal(scim_token_revoke(&A, &actor_cli, O.id, m.id, &E),
	    DOM_OK);
	assert_int_equal(events(O.id, "scim_token.revoked"), 1);
	pl = last_event("scim_token.revoked", NULL, &ent);
	assert_members(pl, want);
	assert_string_equal(jstr(pl, "tokenId"), m.id);
	assert_string_equal(jstr(pl, "tokenPrefix"), m.prefix);
	assert_string_equal(jstr(pl, "name"), "okta");
	assert_string_equal(ent, m.id);
	json_object_put(pl);
	assert_chain(O.id);
}

static void
scim_token_revoke_in_another_org_is_not_found(void **state)
{
	struct minted m;

	assert_int_equal(scim_token_create(&A, &actor_cli, O.id, "okta", NULL,
	    &m, &E), DOM_OK);
	assert_int_equal(scim_token_revoke(&A, &actor_cli, "org_other", m.id,
	    &E), DOM_NOT_FOUND);
	assert_string_equal(E.message, "SCIM token not found");
	assert_int_equal(events(O.id, "scim_token.revoked"), 0);
}

static int
collect_sct(const struct scim_token_info *t, void *arg)
{
	struct buf *b = arg;

	buf_printf(b, "%s:%s;", t->name, t->revoked_at ? "revoked" : "live");
	return 0;
}

static void
scim_token_list_includes_revoked(void **state)
{
	struct minted a, b;
	struct buf out;

	assert_int_equal(scim_token_create(&A, &actor_cli, O.id, "a", NULL, &a,
	    &E), DOM_OK);
	tick(1);
	assert_int_equal(scim_token_create(&A, &actor_cli, O.id, "b", NULL, &b,
	    &E), DOM_OK);
	assert_int_equal(scim_token_revoke(&A, &actor_cli, O.id, a.id, &E),
	    DOM_OK);
	buf_init(&out);
	assert_int_equal(scim_token_list(&A, O.id, collect_sct, &out), DOM_OK);
	assert_string_equal(out.data, "a:revoked;b:live;");
	buf_free(&out);
}

/* ---------------------------------------------------- credential store */

static const char secret_value[] = "sk-ant-test-0123456789abcdef";

static enum dom_rc
put(const char *proj, const char *env, const char *name, const char *value,
    const char *desc, int clear, struct credential *c, int *created)
{
	return credential_put(&A, &actor_cli, O.id, proj, env, name,
	    (const uint8_t *)value, strlen(value), desc, clear, c, created, &E);
}

static void
credential_put_seals_the_value_under_the_seal_key(void **state)
{
	const struct secret *key = secret_get(SECRET_SEAL);
	struct credential c;
	struct sstmt *st;
	uint8_t plain[128];
	long n;
	int created;

	assert_int_equal(put("", "", "ANTHROPIC_API_KEY", secret_value, NULL, 0,
	    &c, &created), DOM_OK);
	assert_true(created);
	assert_true(strncmp(c.id, "cred_", 5) == 0);
	assert_non_null(st = store_stmt(sql_cred_sealed));
	ss_bind_text(st, 1, c.id);
	assert_int_equal(ss_step(st), STORE_ROW);
	assert_int_equal(ss_bytes(st, 0), strlen(secret_value) + SEAL_OVERHEAD);
	assert_null(memmem(ss_blob(st, 0), ss_bytes(st, 0), secret_value,
	    strlen(secret_value)));
	n = unseal(plain, sizeof(plain), ss_blob(st, 0), ss_bytes(st, 0),
	    key->key);
	ss_reset(st);
	assert_int_equal(n, (long)strlen(secret_value));
	assert_memory_equal(plain, secret_value, (size_t)n);
	assert_chain(O.id);
}

static void
credential_put_creates_then_updates_with_version(void **state)
{
	static const char *const created_want[] = { "credentialId", "level",
		"projectId", "envName", "name", "version", NULL };
	static const char *const updated_want[] = { "credentialId", "level",
		"projectId", "envName", "name", "version", "changed", NULL };
	struct json_object *pl, *v;
	struct credential c;
	int created;

	assert_int_equal(put("", "", "TOKEN", "one", "first", 0, &c, &created),
	    DOM_OK);
	assert_true(created);
	assert_int_equal(c.version, 1);
	assert_string_equal(c.level, "org");
	assert_string_equal(c.created_by, "cli");
	pl = last_event("credential.created", NULL, NULL);
	assert_members(pl, created_want);
	assert_string_equal(jstr(pl, "credentialId"), c.id);
	assert_string_equal(jstr(pl, "level"), "org");
	assert_true(jis_null(pl, "projectId"));
	assert_true(jis_null(pl, "envName"));
	assert_true(json_object_object_get_ex(pl, "version", &v));
	assert_int_equal(json_object_get_int64(v), 1);
	json_object_put(pl);

	tick(5);
	assert_int_equal(put("", "", "TOKEN", "two", NULL, 0, &c, &created),
	    DOM_OK);
	assert_false(created);
	assert_int_equal(c.version, 2);
	assert_string_equal(c.description, "first");
	assert_int_equal(c.updated_at, T0 + 5);
	assert_int_equal(put("", "", "TOKEN", "three", NULL, 0, &c, &created),
	    DOM_OK);
	assert_int_equal(c.version, 3);
	pl = last_event("credential.updated", NULL, NULL);
	assert_members(pl, updated_want);
	assert_true(json_object_object_get_ex(pl, "version", &v));
	assert_int_equal(json_object_get_int64(v), 3);
	json_object_put(pl);
	assert_int_equal(events(O.id, "credential.created"), 1);
	assert_int_equal(events(O.id, "credential.updated"), 2);
	assert_chain(O.id);
}

/* "changed" lists value always, description only when it changed. */
static const char *
changed_of_last_update(void)
{
	struct json_object *pl = last_event("credential.updated", NULL, NULL), *v;
	const char *s;

	assert_true(json_object_object_get_ex(pl, "changed", &v));
	s = arena_strdup(&A, json_object_to_json_string_ext(v,
	    JSON_C_TO_STRING_PLAIN));
	json_object_put(pl);
	return s;
}

static void
credential_put_lists_description_in_changed_only_when_it_changes(void **state)
{
	struct credential c;
	int created;

	assert_int_equal(put("", "", "TOKEN", "v", "d1", 0, &c, &created), DOM_OK);
	assert_int_equal(put("", "", "TOKEN", "v", NULL, 0, &c, &created), DOM_OK);
	assert_string_equal(changed_of_last_update(), "[\"value\"]");
	assert_int_equal(put("", "", "TOKEN", "v", "d1", 0, &c, &created), DOM_OK);
	assert_string_equal(changed_of_last_update(), "[\"value\"]");
	assert_int_equal(put("", "", "TOKEN", "v", "d2", 0, &c, &created), DOM_OK);
	assert_string_equal(changed_of_last_update(),
	    "[\"value\",\"description\"]");
	assert_string_equal(c.description, "d2");
	assert_int_equal(put("", "", "TOKEN", "v", NULL, 1, &c, &created), DOM_OK);
	assert_string_equal(changed_of_last_update(),
	    "[\"value\",\"description\"]");
	assert_null(c.description);
	assert_int_equal(put("", "", "TOKEN", "v", NULL, 1, &c, &created), DOM_OK);
	assert_string_equal(changed_of_last_update(), "[\"value\"]");
	assert_chain(O.id);
}

static void
credential_put_refuses_blocklisted_names(void **state)
{
	struct credential c;
	int created;

	assert_int_equal(put("", "", "RENSEI_DAEMON_JWT", "x", NULL, 0, &c,
	    &created), DOM_INVALID);
	assert_string_equal(E.message,
	    "RENSEI_DAEMON_JWT is reserved for the worker daemon");
	assert_int_equal(put(P1.id, "", "RENSEI_SEAL_KEY", "x", NULL, 0, &c,
	    &created), DOM_INVALID);
	assert_string_equal(E.message,
	    "RENSEI_SEAL_KEY is reserved for the worker daemon");
	/* Exact, case-sensitive match; model keys are not blocked. */
	assert_int_equal(put("", "", "rensei_daemon_jwt", "x", NULL, 0, &c,
	    &created), DOM_OK);
	assert_int_equal(put("", "", "ANTHROPIC_API_KEY", "x", NULL, 0, &c,
	    &created), DOM_OK);
	assert_int_equal(events(O.id, "credential.created"), 2);
	assert_chain(O.id);
}

static void
credential_put_validates_name_env_value_and_description(void **state)
{
	char big[501], *huge;
	struct credential c;
	int created;

	assert_int_equal(put("", "", "1BAD", "x", NULL, 0, &c, &created),
	    DOM_INVALID);
	assert_string_equal(E.message,
	    "name must match ^[A-Za-z_][A-Za-z0-9_]{0,127}$");
	assert_int_equal(put("", "", "A-B", "x", NULL, 0, &c, &created),
	    DOM_INVALID);
	assert_int_equal(put(P1.id, "Prod", "A", "x", NULL, 0, &c, &created),
	    DOM_INVALID);
	assert_string_equal(E.message,
	    "envName must match ^[a-z0-9][a-z0-9_-]{0,47}$");
	assert_int_equal(put("", "prod", "A", "x", NULL, 0, &c, &created),
	    DOM_INVALID);
	assert_string_equal(E.message, "envName requires a project");
	assert_int_equal(put("", "", "A", "", NULL, 0, &c, &created),
	    DOM_INVALID);
	assert_string_equal(E.message, "value must be a string of 1-65536 bytes");
	huge = arena_alloc(&A, 65538);
	memset(huge, 'v', 65537);
	assert_int_equal(put("", "", "A", huge, NULL, 0, &c, &created),
	    DOM_INVALID);
	huge[65536] = '\0';
	assert_int_equal(put("", "", "A", huge, NULL, 0, &c, &created), DOM_OK);
	memset(big, 'd', 500);
	big[500] = '\0';
	assert_int_equal(put("", "", "B", "x", big, 0, &c, &created), DOM_OK);
	assert_int_equal(put("", "", "C", "x", "", 0, &c, &created), DOM_OK);
	huge[501] = '\0';
	assert_int_equal(put("", "", "D", "x", huge, 0, &c, &created),
	    DOM_INVALID);
	assert_string_equal(E.message,
	    "description must be a string of at most 500 bytes");
	assert_chain(O.id);
}

static void
credential_put_and_delete_record_rotations(void **state)
{
	struct credential c;
	const char *rot;
	int created;

	assert_int_equal(put("", "", "A", "1", NULL, 0, &c, &created), DOM_OK);
	assert_int_equal(put(P1.id, "", "A", "2", NULL, 0, &c, &created), DOM_OK);
	assert_string_equal(c.level, "project");
	assert_int_equal(put(P1.id, "prod", "A", "3", NULL, 0, &c, &created),
	    DOM_OK);
	assert_string_equal(c.level, "environment");
	assert_int_equal(put("", "", "A", "4", NULL, 0, &c, &created), DOM_OK);
	assert_int_equal(credential_delete(&A, &actor_cli, O.id, P1.id, "prod",
	    "A", &E), DOM_OK);
	rot = q_text(sql_rotations, O.id);
	assert_non_null(rot);
	assert_string_equal(rot, arena_printf(&A, "put:::A;put:%s::A;"
	    "put:%s:prod:A;put:::A;delete:%s:prod:A", P1.id, P1.id, P1.id));
	assert_chain(O.id);
}

static void
credential_delete_appends_event_and_unknown_is_not_found(void **state)
{
	static const char *const want[] = { "credentialId", "level",
		"projectId", "envName", "name", "version", NULL };
	struct json_object *pl, *v;
	struct credential c;
	const char *ent;
	int created;

	assert_int_equal(put(P1.id, "staging", "GITHUB_TOKEN", secret_value,
	    NULL, 0, &c, &created), DOM_OK);
	assert_int_equal(put(P1.id, "staging", "GITHUB_TOKEN", secret_value,
	    NULL, 0, &c, &created), DOM_OK);
	assert_int_equal(credential_delete(&A, &actor_cli, O.id, P1.id,
	    "staging", "GITHUB_TOKEN", &E), DOM_OK);
	pl = last_event("credential.deleted", NULL, &ent);
	assert_members(pl, want);
	assert_string_equal(jstr(pl, "level"), "environment");
	assert_string_equal(jstr(pl, "projectId"), P1.id);
	assert_string_equal(jstr(pl, "envName"), "staging");
	assert_true(json_object_object_get_ex(pl, "version", &v));
	assert_int_equal(json_object_get_int64(v), 2);
	assert_string_equal(ent, c.id);
	json_object_put(pl);
	assert_int_equal(credential_delete(&A, &actor_cli, O.id, P1.id,
	    "staging", "GITHUB_TOKEN", &E), DOM_NOT_FOUND);
	assert_string_equal(E.message, "Credential not found");
	assert_int_equal(credential_delete(&A, &actor_cli, O.id, P1.id, "",
	    "NOPE", &E), DOM_NOT_FOUND);
	assert_int_equal(events(O.id, "credential.deleted"), 1);
	assert_chain(O.id);
}

static void
credential_events_never_carry_the_value(void **state)
{
	struct credential c;
	struct json_object *pl;
	const char *text;
	int created;

	assert_int_equal(put("", "", "TOKEN", secret_value, "d", 0, &c,
	    &created), DOM_OK);
	pl = last_event("credential.created", &text, NULL);
	assert_null(strstr(text, secret_value));
	json_object_put(pl);
	assert_int_equal(put("", "", "TOKEN", secret_value, NULL, 0, &c,
	    &created), DOM_OK);
	pl = last_event("credential.updated", &text, NULL);
	assert_null(strstr(text, secret_value));
	json_object_put(pl);
	assert_int_equal(credential_delete(&A, &actor_cli, O.id, "", "", "TOKEN",
	    &E), DOM_OK);
	pl = last_event("credential.deleted", &text, NULL);
	assert_null(strstr(text, secret_value));
	json_object_put(pl);
	assert_chain(O.id);
}

static int
collect_cred(const struct credential *c, void *arg)
{
	struct buf *b = arg;

	buf_printf(b, "%s:%s;", c->level, c->name);
	return 0;
}

static void
credential_list_reads_one_level(void **state)
{
	struct credential c;
	struct buf b;
	int created;

	assert_int_equal(put("", "", "ORG", "1", NULL, 0, &c, &created), DOM_OK);
	tick(1);
	assert_int_equal(put(P1.id, "", "PROJ", "1", NULL, 0, &c, &created),
	    DOM_OK);
	tick(1);
	assert_int_equal(put(P1.id, "prod", "ENV", "1", NULL, 0, &c, &created),
	    DOM_OK);
	tick(1);
	assert_int_equal(put(P2.id, "", "OTHER", "1", NULL, 0, &c, &created),
	    DOM_OK);
	buf_init(&b);
	assert_int_equal(credential_list(&A, O.id, NULL, NULL, collect_cred, &b),
	    DOM_OK);
	assert_string_equal(b.data, "org:ORG;");
	buf_reset(&b);
	assert_int_equal(credential_list(&A, O.id, P1.id, NULL, collect_cred, &b),
	    DOM_OK);
	assert_string_equal(b.data, "project:PROJ;environment:ENV;");
	buf_reset(&b);
	assert_int_equal(credential_list(&A, O.id, P1.id, "prod", collect_cred,
	    &b), DOM_OK);
	assert_string_equal(b.data, "environment:ENV;");
	buf_free(&b);
}

/* -------------------------------- resolution (02-worker-protocol.md §7) */

static const char sql_raw_cred[] =
    "INSERT INTO credentials (id, org_id, project_id, env_name, name,"
    " value_sealed, version, created_at, updated_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1, 0, 0)";
static const char sql_rotation_rows[] =
    "DELETE FROM credential_rotations WHERE seq <= ?1";
static const char sql_stream_seen[] =
    "UPDATE credential_streams SET last_seen_at = ?2 WHERE id = ?1";
static const char sql_stream_count[] =
    "SELECT count(*) FROM credential_streams WHERE id = ?1";

/* A row written behind credential_put's back: a name stored before the
 * blocklist grew, or a value sealed under another key. */
static void
raw_cred(const char *proj, const char *env, const char *name,
    const char *value, const uint8_t *key)
{
	struct sstmt *st = store_stmt(sql_raw_cred);
	char id[ID_LEN];
	uint8_t sealed[256];
	long n;

	n = seal(sealed, sizeof(sealed), (const uint8_t *)value, strlen(value),
	    key);
	assert_true(n > 0);
	assert_non_null(st);
	ulid_new(id, "cred_", now_ms);
	ss_bind_text(st, 1, id);
	ss_bind_text(st, 2, O.id);
	ss_bind_text(st, 3, proj);
	ss_bind_text(st, 4, env);
	ss_bind_text(st, 5, name);
	ss_bind_blob(st, 6, sealed, (size_t)n);
	assert_int_equal(ss_exec(st), STORE_OK);
}

static void
cput(const char *proj, const char *env, const char *name, const char *value)
{
	struct credential c;
	int created;

	assert_int_equal(put(proj, env, name, value, NULL, 0, &c, &created),
	    DOM_OK);
}

/* "NAME=level" of each ref, joined by ';'. */
static const char *
resolved(const char *proj, const char *env)
{
	struct cred_ref *refs;
	struct buf b;
	const char *r;
	size_t n;

	assert_int_equal(credential_resolve(&A, O.id, proj, env, &refs, &n),
	    DOM_OK);
	buf_init(&b);
	buf_puts(&b, "");
	for (size_t i = 0; i < n; i++)
		buf_printf(&b, "%s%s=%s", i ? ";" : "", refs[i].name,
		    refs[i].level);
	r = arena_strdup(&A, b.data);
	buf_free(&b);
	return r;
}

/* The env object of refs, values unsealed. */
static const char *
env_json(const struct cred_ref *refs, size_t n)
{
	struct buf b;
	struct jw w;
	const char *r;

	buf_init(&b);
	jw_init(&w, &b);
	jw_obj_open(&w);
	for (size_t i = 0; i < n; i++) {
		jw_key(&w, refs[i].name);
		assert_int_equal(credential_value_write(&w, refs[i].id), DOM_OK);
	}
	jw_obj_close(&w);
	assert_true(b.len < credential_env_bound(refs, n));
	r = arena_strdup(&A, b.data);
	buf_wipe(&b);
	buf_free(&b);
	return r;
}

static const char *
snapshot(const char *proj, const char *env)
{
	struct cred_ref *refs;
	size_t n;

	assert_int_equal(credential_resolve(&A, O.id, proj, env, &refs, &n),
	    DOM_OK);
	return env_json(refs, n);
}

/* X17's store. */
static void
x17_store(void)
{
	cput("", "", "LINEAR_API_KEY", "lin_org");
	cput(P1.id, "", "LINEAR_API_KEY", "lin_alpha");
	cput(P1.id, "", "GITHUB_TOKEN", "ghp_alpha");
	cput(P1.id, "staging", "GITHUB_TOKEN", "ghp_staging");
}

static void
credential_resolve_overlays_org_project_and_environment(void **state)
{
	x17_store();
	assert_string_equal(resolved(P1.id, "production"),
	    "GITHUB_TOKEN=project;LINEAR_API_KEY=project");
	assert_string_equal(snapshot(P1.id, "production"),
	    "{\"GITHUB_TOKEN\":\"ghp_alpha\",\"LINEAR_API_KEY\":\"lin_alpha\"}");
	assert_string_equal(resolved(P1.id, "staging"),
	    "GITHUB_TOKEN=environment;LINEAR_API_KEY=project");
	assert_string_equal(snapshot(P1.id, "staging"),
	    "{\"GITHUB_TOKEN\":\"ghp_staging\",\"LINEAR_API_KEY\":\"lin_alpha\"}");
	assert_string_equal(snapshot(P2.id, "production"),
	    "{\"LINEAR_API_KEY\":\"lin_org\"}");
}

static void
credential_resolve_has_no_fallback_between_environments(void **state)
{
	cput(P1.id, "staging", "ONLY_STAGING", "s");
	cput(P1.id, "dev", "ONLY_DEV", "d");
	assert_string_equal(resolved(P1.id, "production"), "");
	assert_string_equal(resolved(P1.id, "staging"),
	    "ONLY_STAGING=environment");
	assert_string_equal(resolved(P2.id, "staging"), "");
	assert_string_equal(snapshot(P1.id, "qa"), "{}");
}

static void
credential_resolve_leaves_out_blocklisted_names(void **state)
{
	const struct secret *key = secret_get(SECRET_SEAL);
	struct cred_ref ref;
	int found = 1;

	raw_cred("", "", "WORKER_API_KEY", "legacy-secret", key->key);
	raw_cred(P1.id, "", "RENSEI_SEAL_KEY", "x", key->key);
	cput("", "", "ANTHROPIC_API_KEY", "sk-ant");
	assert_string_equal(resolved(P1.id, "production"),
	    "ANTHROPIC_API_KEY=org");
	assert_int_equal(credential_resolve_name(&A, O.id, P1.id, "production",
	    "WORKER_API_KEY", &ref, &found), DOM_OK);
	assert_false(found);
	assert_int_equal(credential_resolve_name(&A, O.id, P1.id, "production",
	    "ANTHROPIC_API_KEY", &ref, &found), DOM_OK);
	assert_true(found);
	assert_string_equal(ref.level, "org");
}

static void
credential_resolve_orders_names_by_their_bytes(void **state)
{
	cput("", "", "b", "1");
	cput("", "", "_a", "1");
	cput(P1.id, "", "Z", "1");
	cput(P1.id, "production", "B", "1");
	assert_string_equal(resolved(P1.id, "production"),
	    "B=environment;Z=project;_a=org;b=org");
}

static void
credential_resolve_reads_only_its_org(void **state)
{
	struct org o2;
	struct project p2;

	cput("", "", "MINE", "1");
	assert_int_equal(org_create(&A, &actor_cli, "Other", NULL, NULL, NULL, 0,
	    &o2, &p2, &E), DOM_OK);
	assert_int_equal(credential_put(&A, &actor_cli, o2.id, "", "", "THEIRS",
	    (const uint8_t *)"2", 1, NULL, 0, &(struct credential){ 0 },
	    &(int){ 0 }, &E), DOM_OK);
	assert_string_equal(resolved(P1.id, "production"), "MINE=org");
}

static void
credential_value_write_round_trips_the_sealed_value(void **state)
{
	static const char odd[] = "quote\" back\\ tab\t nl\n \xc3\xa9 \x01";
	struct cred_ref ref;
	int found;

	cput("", "", "ODD", odd);
	assert_int_equal(credential_resolve_name(&A, O.id, P1.id, "production",
	    "ODD", &ref, &found), DOM_OK);
	assert_true(found);
	assert_int_equal(ref.sealed_len, strlen(odd) + SEAL_OVERHEAD);
	assert_string_equal(env_json(&ref, 1),
	    "{\"ODD\":\"quote\\\" back\\\\ tab\\t nl\\n \xc3\xa9 \\u0001\"}");
}

static void
credential_value_write_refuses_unknown_or_foreign_sealed_rows(void **state)
{
	uint8_t other[SEAL_KEY_LEN];
	struct cred_ref ref;
	struct buf b;
	struct jw w;
	int found;

	memset(other, 0x5a, sizeof(other));
	raw_cred("", "", "FOREIGN", "sealed elsewhere", other);
	assert_int_equal(credential_resolve_name(&A, O.id, P1.id, "production",
	    "FOREIGN", &ref, &found), DOM_OK);
	assert_true(found);
	buf_init(&b);
	jw_init(&w, &b);
	assert_int_equal(credential_value_write(&w, ref.id), DOM_STORE);
	assert_int_equal(credential_value_write(&w, "cred_nope"), DOM_NOT_FOUND);
	assert_int_equal(b.len, 0);
	buf_free(&b);
}

static void
credential_revealed_lists_names_never_values(void **state)
{
	static const char *const want[] = { "channel", "projectId", "envName",
		"sessionId", "names", NULL };
	const char *names[] = { "GITHUB_TOKEN", "LINEAR_API_KEY" };
	const struct actor who = { "worker", "wkr_4c11755c5b404039" };
	struct json_object *pl;
	const char *text, *ent;

	assert_int_equal(credential_revealed(&A, &who, O.id, "snapshot", P1.id,
	    "production", "sess-1", names, 2), 0);
	pl = last_event("credential.revealed", &text, &ent);
	assert_members(pl, want);
	assert_string_equal(text, arena_printf(&A, "{\"channel\":\"snapshot\","
	    "\"envName\":\"production\",\"names\":[\"GITHUB_TOKEN\","
	    "\"LINEAR_API_KEY\"],\"projectId\":\"%s\",\"sessionId\":"
	    "\"sess-1\"}", P1.id));
	assert_string_equal(ent, "sess-1");
	json_object_put(pl);
}

static void
credential_revealed_without_session_is_about_the_project(void **state)
{
	const struct actor who = { "api_key", "key_x" };
	struct json_object *pl;
	const char *ent;

	assert_int_equal(credential_revealed(&A, &who, O.id, "poll", P1.id,
	    "production", NULL, NULL, 0), 0);
	pl = last_event("credential.revealed", NULL, &ent);
	assert_string_equal(ent, P1.id);
	assert_true(jis_null(pl, "sessionId"));
	assert_string_equal(jstr(pl, "channel"), "poll");
	json_object_put(pl);
}

static void
credential_rotate_counts_live_streams_where_the_name_resolves(void **state)
{
	const char *s1, *s2, *s3, *ent;
	struct json_object *pl;
	int64_t count = -1;
	struct sstmt *st;

	cput(P1.id, "", "GITHUB_TOKEN", "ghp");
	assert_int_equal(credential_stream_open(&A, O.id, "sa", P1.id,
	    "production", now_ms, &s1), DOM_OK);
	assert_int_equal(credential_stream_open(&A, O.id, "sb", P2.id,
	    "production", now_ms, &s2), DOM_OK);
	assert_int_equal(credential_stream_open(&A, O.id, "sc", P1.id,
	    "staging", now_ms, &s3), DOM_OK);
	assert_int_equal(strncmp(s1, "cst_", 4), 0);
	/* s3 has not been refreshed for more than 60 s: dead. */
	st = store_stmt(sql_stream_seen);
	ss_bind_text(st, 1, s3);
	ss_bind_int(st, 2, now_ms - CRED_STREAM_LIVE_MS - 1);
	assert_int_equal(ss_exec(st), STORE_OK);
	assert_int_equal(credential_rotate(&A, &actor_cli, O.id, "GITHUB_TOKEN",
	    now_ms, &count, &E), DOM_OK);
	assert_int_equal(count, 1);
	pl = last_event("credential.rotated", NULL, &ent);
	assert_string_equal(json_object_to_json_string_ext(pl,
	    JSON_C_TO_STRING_PLAIN), "{\"name\":\"GITHUB_TOKEN\",\"sessionCount\":1}");
	json_object_put(pl);
	assert_string_equal(q_text(sql_rotations, O.id), arena_printf(&A,
	    "put:%s::GITHUB_TOKEN;rotate:::GITHUB_TOKEN", P1.id));
}

static void
credential_rotate_unknown_or_blocklisted_name_is_not_found(void **state)
{
	const struct secret *key = secret_get(SECRET_SEAL);
	int64_t count;

	raw_cred("", "", "WORKER_API_KEY", "x", key->key);
	assert_int_equal(credential_rotate(&A, &actor_cli, O.id, "NOPE", now_ms,
	    &count, &E), DOM_NOT_FOUND);
	assert_string_equal(E.message, "Credential not found");
	assert_int_equal(credential_rotate(&A, &actor_cli, O.id,
	    "WORKER_API_KEY", now_ms, &count, &E), DOM_NOT_FOUND);
	assert_int_equal(credential_rotate(&A, &actor_cli, O.id, "bad name",
	    now_ms, &count, &E), DOM_NOT_FOUND);
	assert_int_equal(events(O.id, "credential.rotated"), 0);
}

static void
credential_key_live_follows_revocation_and_expiry(void **state)
{
	struct key_mint km;
	struct minted m, m2;

	km_init(&km, star, 1);
	assert_int_equal(key_mint(&A, &actor_cli, &km, &m, &E), DOM_OK);
	assert_int_equal(credential_key_live(m.id, now_ms), 1);
	assert_int_equal(key_revoke(&A, &actor_cli, O.id, m.id, &E), DOM_OK);
	assert_int_equal(credential_key_live(m.id, now_ms), 0);
	km.expires_at = now_ms + 1000;
	assert_int_equal(key_mint(&A, &actor_cli, &km, &m2, &E), DOM_OK);
	assert_int_equal(credential_key_live(m2.id, now_ms), 1);
	assert_int_equal(credential_key_live(m2.id, now_ms + 1000), 0);
	assert_int_equal(credential_key_live("key_nope", now_ms), 0);
}

static void
credential_stream_registry_opens_touches_and_closes(void **state)
{
	const char *id;

	assert_int_equal(credential_stream_open(&A, O.id, "s", P1.id,
	    "production", now_ms, &id), DOM_OK);
	assert_int_equal(credential_stream_touch(id, now_ms + 15000), DOM_OK);
	assert_string_equal(q_text(sql_stream_count, id), "1");
	assert_int_equal(credential_stream_close(id), DOM_OK);
	assert_string_equal(q_text(sql_stream_count, id), "0");
}

/* "NAME=level" of a poll's delta, and its event id and time. */
static const char *
watch(struct cred_watch *w, int64_t *seq, int64_t *at)
{
	struct cred_ref *delta;
	struct buf b;
	const char *r;
	size_t n;
	int64_t s0, a0;

	assert_int_equal(credential_watch_poll(&A, w, &delta, &n,
	    seq ? seq : &s0, at ? at : &a0), DOM_OK);
	buf_init(&b);
	buf_puts(&b, "");
	for (size_t i = 0; i < n; i++)
		buf_printf(&b, "%s%s=%s", i ? ";" : "", delta[i].name,
		    delta[i].level);
	r = arena_strdup(&A, b.data);
	buf_free(&b);
	return r;
}

static int64_t
rot_max(void)
{
	int64_t m = -1;

	assert_int_equal(credential_rotations_max(&m), DOM_OK);
	return m;
}

static void
credential_watch_starts_with_future_changes_only(void **state)
{
	struct cred_watch w;
	int64_t seq, at;

	x17_store();
	assert_int_equal(credential_watch_init(&A, &w, O.id, P1.id, "production",
	    NULL), DOM_OK);
	assert_int_equal(w.cursor, rot_max());
	assert_string_equal(watch(&w, NULL, NULL), "");
	tick(5000);
	cput(P1.id, "", "GITHUB_TOKEN", "ghp_alpha2");
	assert_string_equal(watch(&w, &seq, &at), "GITHUB_TOKEN=project");
	assert_int_equal(seq, rot_max());
	assert_int_equal(at, now_ms);
	assert_string_equal(watch(&w, NULL, NULL), "");
}

static void
credential_watch_skips_writes_a_more_specific_level_shadows(void **state)
{
	struct cred_watch w;

	x17_store();
	assert_int_equal(credential_watch_init(&A, &w, O.id, P1.id, "staging",
	    NULL), DOM_OK);
	cput("", "", "GITHUB_TOKEN", "org-level");      /* under project */
	cput(P1.id, "", "GITHUB_TOKEN", "proj-level");  /* under staging */
	assert_string_equal(watch(&w, NULL, NULL), "");
	cput("", "", "LINEAR_API_KEY", "lin_org2");     /* under project */
	cput(P1.id, "staging", "LINEAR_API_KEY", "lin_staging");
	assert_string_equal(watch(&w, NULL, NULL), "LINEAR_API_KEY=environment");
}

static void
credential_watch_sends_the_value_a_delete_uncovers(void **state)
{
	struct cred_watch w;

	x17_store();
	assert_int_equal(credential_watch_init(&A, &w, O.id, P1.id, "staging",
	    NULL), DOM_OK);
	assert_int_equal(credential_delete(&A, &actor_cli, O.id, P1.id,
	    "staging", "GITHUB_TOKEN", &E), DOM_OK);
	assert_string_equal(watch(&w, NULL, NULL), "GITHUB_TOKEN=project");
	/* Nothing left to resolve: no event (the delta cannot remove). */
	assert_int_equal(credential_delete(&A, &actor_cli, O.id, P1.id, "",
	    "GITHUB_TOKEN", &E), DOM_OK);
	assert_string_equal(watch(&w, NULL, NULL), "");
	/* A later write of the name is new again. */
	cput("", "", "GITHUB_TOKEN", "ghp_org");
	assert_string_equal(watch(&w, NULL, NULL), "GITHUB_TOKEN=org");
}

static void
credential_watch_sends_a_rotate_even_when_unchanged(void **state)
{
	struct cred_watch w;
	int64_t count;

	x17_store();
	cput(P2.id, "", "ONLY_P2", "x");
	assert_int_equal(credential_watch_init(&A, &w, O.id, P1.id, "production",
	    NULL), DOM_OK);
	assert_int_equal(credential_rotate(&A, &actor_cli, O.id, "LINEAR_API_KEY",
	    now_ms, &count, &E), DOM_OK);
	assert_int_equal(credential_rotate(&A, &actor_cli, O.id, "ONLY_P2",
	    now_ms, &count, &E), DOM_OK);
	assert_string_equal(watch(&w, NULL, NULL), "LINEAR_API_KEY=project");
}

static void
credential_watch_ignores_other_projects_environments_and_orgs(void **state)
{
	struct cred_watch w;
	struct org o2;
	struct project p2;
	int64_t seq;

	assert_int_equal(credential_watch_init(&A, &w, O.id, P1.id, "production",
	    NULL), DOM_OK);
	cput(P2.id, "", "A", "1");
	cput(P1.id, "staging", "B", "1");
	assert_int_equal(org_create(&A, &actor_cli, "Other", NULL, NULL, NULL, 0,
	    &o2, &p2, &E), DOM_OK);
	assert_int_equal(credential_put(&A, &actor_cli, o2.id, "", "", "C",
	    (const uint8_t *)"2", 1, NULL, 0, &(struct credential){ 0 },
	    &(int){ 0 }, &E), DOM_OK);
	assert_string_equal(watch(&w, &seq, NULL), "");
	/* The cursor still moved past them. */
	assert_int_equal(w.cursor, rot_max());
}

static void
credential_watch_resumes_after_last_event_id(void **state)
{
	struct cred_watch w;
	char last[32];

	cput(P1.id, "", "GITHUB_TOKEN", "ghp_alpha");
	cput(P1.id, "production", "LINEAR_API_KEY", "lin_prod");
	snprintf(last, sizeof(last), "%lld", (long long)rot_max());
	/* Missed while disconnected: a new project value, and an org value
	 * that the environment value shadows. */
	cput(P1.id, "", "GITHUB_TOKEN", "ghp_alpha2");
	cput("", "", "LINEAR_API_KEY", "lin_org");
	assert_int_equal(credential_watch_init(&A, &w, O.id, P1.id, "production",
	    last), DOM_OK);
	assert_string_equal(watch(&w, NULL, NULL), "GITHUB_TOKEN=project");
	assert_string_equal(watch(&w, NULL, NULL), "");
}

static void
credential_watch_resumes_at_newest_for_a_purged_or_bad_id(void **state)
{
	struct cred_watch w;
	struct sstmt *st;
	int64_t first;

	cput(P1.id, "", "A", "1");
	first = rot_max();
	cput(P1.id, "", "B", "1");
	cput(P1.id, "", "C", "1");
	/* Cleanup purged the oldest rows: an id before them is too old. */
	st = store_stmt(sql_rotation_rows);
	ss_bind_int(st, 1, first + 1);
	assert_int_equal(ss_exec(st), STORE_OK);
	assert_int_equal(credential_watch_init(&A, &w, O.id, P1.id, "production",
	    "0"), DOM_OK);
	assert_int_equal(w.cursor, rot_max());
	assert_int_equal(credential_watch_init(&A, &w, O.id, P1.id, "production",
	    "x1"), DOM_OK);
	assert_int_equal(w.cursor, rot_max());
	assert_int_equal(credential_watch_init(&A, &w, O.id, P1.id, "production",
	    "999999"), DOM_OK);
	assert_int_equal(w.cursor, rot_max());
	/* The row just before the oldest kept one is fine. */
	assert_int_equal(credential_watch_init(&A, &w, O.id, P1.id, "production",
	    arena_printf(&A, "%lld", (long long)(first + 1))), DOM_OK);
	assert_int_equal(w.cursor, first + 1);
	assert_string_equal(watch(&w, NULL, NULL), "C=project");
}


#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(key_mint_returns_secret_once_and_stores_its_sha256),
		T(key_mint_refuses_unknown_scope),
		T(key_mint_refuses_system_scope_on_org_keys),
		T(key_mint_star_and_org_keys_write_require_all_projects),
		T(key_mint_checks_each_rule_over_all_scopes_in_order),
		T(key_mint_worker_registration_holds_only_worker_scopes),
		T(key_mint_validates_name_type_and_scope_list),
		T(key_mint_system_key_is_recorded_in_no_chain),
		T(key_revoke_is_idempotent_with_one_event),
		T(key_revoke_of_another_orgs_key_is_not_found),
		T(key_list_hides_revoked_unless_asked),
		T(regtoken_mint_accepts_ttl_300_to_31536000),
		T(regtoken_mint_returns_rsp_live_secret_and_event),
		T(regtoken_revoke_is_idempotent_with_one_event),
		T(regtoken_revoke_outside_its_scope_is_not_found),
		T(regtoken_list_is_scoped_and_hides_revoked_unless_asked),
		T(regtoken_render_writes_fixed_scopes_and_null_times),
		T(m2m_create_mints_id_and_secret_forms),
		T(m2m_create_refuses_scopes_outside_its_vocabulary),
		T(m2m_delete_is_idempotent_with_one_event),
		T(scim_token_create_mints_scim_secret),
		T(scim_token_revoke_is_idempotent_with_one_event),
		T(scim_token_revoke_in_another_org_is_not_found),
		T(scim_token_list_includes_revoked),
		T(credential_put_seals_the_value_under_the_seal_key),
		T(credential_put_creates_then_updates_with_version),
		T(credential_put_lists_description_in_changed_only_when_it_changes),
		T(credential_put_refuses_blocklisted_names),
		T(credential_put_validates_name_env_value_and_description),
		T(credential_put_and_delete_record_rotations),
		T(credential_delete_appends_event_and_unknown_is_not_found),
		T(credential_events_never_carry_the_value),
		T(credential_list_reads_one_level),
		T(credential_resolve_overlays_org_project_and_environment),
		T(credential_resolve_has_no_fallback_between_environments),
		T(credential_resolve_leaves_out_blocklisted_names),
		T(credential_resolve_orders_names_by_their_bytes),
		T(credential_resolve_reads_only_its_org),
		T(credential_value_write_round_trips_the_sealed_value),
		T(credential_value_write_refuses_unknown_or_foreign_sealed_rows),
		T(credential_revealed_lists_names_never_values),
		T(credential_revealed_without_session_is_about_the_project),
		T(credential_rotate_counts_live_streams_where_the_name_resolves),
		T(credential_rotate_unknown_or_blocklisted_name_is_not_found),
		T(credential_key_live_follows_revocation_and_expiry),
		T(credential_stream_registry_opens_touches_and_closes),
		T(credential_watch_starts_with_future_changes_only),
		T(credential_watch_skips_writes_a_more_specific_level_shadows),
		T(credential_watch_sends_the_value_a_delete_uncovers),
		T(credential_watch_sends_a_rotate_even_when_unchanged),
		T(credential_watch_ignores_other_projects_environments_and_orgs),
		T(credential_watch_resumes_after_last_event_id),
		T(credential_watch_resumes_at_newest_for_a_purged_or_bad_id),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
