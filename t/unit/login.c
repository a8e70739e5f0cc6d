/* t/unit/login.c -- password login and cookie sessions (lib/login.c)
 * against a real migrated store: the failed-login limiter (01-auth.md
 * §9.5), the active-org choice (04-console.md §2), session rows, the
 * dummy-hash check and the Me object. */
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
#include "audit.h"
#include "buf.h"
#include "clock.h"
#include "crypto.h"
#include "json.h"
#include "log.h"
#include "login.h"
#include "secrets.h"
#include "settings.h"
#include "store.h"

#include "fixture.h"
#include "tenancy.h"

#define T0 INT64_C(1777649400123)   /* 2026-05-01T15:30:00.123Z */

static struct arena A;
static struct dom_err E;


static int
group_setup(void **state)
{
	(void)state;
	fixture_store_up("login");
	assert_int_equal(login_dummy_init(), 0);
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
	(void)state;
	arena_init(&A);
	memset(&E, 0, sizeof(E));
	clock_set_fixed(T0);
	assert_int_equal(store_begin_write(), STORE_OK);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	store_rollback();
	arena_free(&A);
	return 0;
}

static void
t_throttle(void **state)
{
	int64_t retry = -1;

	(void)state;
	assert_int_equal(login_throttled("a@b.c", T0, &retry), DOM_OK);
	assert_int_equal(retry, 0);
	/* Nine failures: still allowed. */
	for (int i = 0; i < 9; i++)
		assert_int_equal(login_failure_record("a@b.c", T0 - 60000 + i),
		    DOM_OK);
	assert_int_equal(login_throttled("a@b.c", T0, &retry), DOM_OK);
	assert_int_equal(retry, 0);
	/* The tenth: throttled until the oldest leaves the window. */
	assert_int_equal(login_failure_record("a@b.c", T0), DOM_OK);
	assert_int_equal(login_throttled("a@b.c", T0, &retry), DOM_OK);
	assert_int_equal(retry, (LOGIN_FAIL_WINDOW_MS - 60000 + 999) / 1000);
	/* Another e-mail is not affected. */
	assert_int_equal(login_throttled("x@b.c", T0, &retry), DOM_OK);
	assert_int_equal(retry, 0);
	/* Past the window of the oldest: fewer than ten remain. */
	assert_int_equal(login_throttled("a@b.c",
	    T0 - 60000 + LOGIN_FAIL_WINDOW_MS + 1, &retry), DOM_OK);
	assert_int_equal(retry, 0);
	/* A success clears the e-mail's failures. */
	assert_int_equal(login_failures_clear("a@b.c", T0), DOM_OK);
	assert_int_equal(login_throttled("a@b.c", T0, &retry), DOM_OK);
	assert_int_equal(retry, 0);
}

static void
t_password(void **state)
{
	char h[128];
	struct user u;
	struct login_user lu;
	int found = -1;

	(void)state;
	assert_int_equal(password_hash(h, "correct horse"), 0);
	assert_int_equal(user_create(&A, "Pat@Example.com", "Pat", h, 0, &u, &E),
	    DOM_OK);
	assert_int_equal(login_user_get(&A, "pat@example.com", &lu, &found),
	    DOM_OK);
	assert_int_equal(found, 1);
	assert_string_equal(lu.id, u.id);
	assert_false(lu.disabled);
	assert_true(login_password_ok(lu.hash, "correct horse"));
	assert_false(login_password_ok(lu.hash, "correct horsE"));
	assert_false(login_password_ok(NULL, "correct horse"));
	assert_false(login_needs_rehash(lu.hash));
	assert_int_equal(login_user_get(&A, "nobody@example.com", &lu, &found),
	    DOM_OK);
	assert_int_equal(found, 0);
}

static void
t_pick_org_and_sessions(void **state)
{
	struct user u;
	struct org o1, o2;
	struct project p;
	const char *org;
	int member, found, deleted;
	char cookie[LOGIN_COOKIE_LEN + 1];
	struct usess s;
	struct buf b;
	struct jw w;

	(void)state;
	assert_int_equal(user_create(&A, "m@example.com", "M", NULL, 0, &u, &E),
	    DOM_OK);
	/* No membership: null. */
	assert_int_equal(login_pick_org(&A, u.id, NULL, &org, &member), DOM_OK);
	assert_null(org);
	assert_int_equal(org_create(&A, &actor_cli, "One", "one", NULL, u.id, 0,
	    &o1, &p, &E), DOM_OK);
	clock_set_fixed(T0 + 1000);
	assert_int_equal(org_create(&A, &actor_cli, "Two", "two", NULL, u.id, 0,
	    &o2, &p, &E), DOM_OK);
	/* The oldest membership. */
	assert_int_equal(login_pick_org(&A, u.id, NULL, &org, &member), DOM_OK);
	assert_string_equal(org, o1.id);
	/* A requested org: membership decides. */
	assert_int_equal(login_pick_org(&A, u.id, o2.id, &org, &member), DOM_OK);
	assert_int_equal(member, 1);
	assert_string_equal(org, o2.id);
	assert_int_equal(login_pick_org(&A, u.id, "org_nope", &org, &member),
	    DOM_OK);
	assert_int_equal(member, 0);
	assert_null(org);
	/* The previous session's org wins over the oldest membership. */
	assert_int_equal(usess_create(u.id, o2.id, "ua", "192.0.2.1", T0 + 2000,
	    cookie), DOM_OK);
	assert_int_equal(strlen(cookie), LOGIN_COOKIE_LEN);
	assert_int_equal(login_pick_org(&A, u.id, NULL, &org, &member), DOM_OK);
	assert_string_equal(org, o2.id);
	assert_int_equal(usess_get(&A, cookie, &s, &found), DOM_OK);
	assert_int_equal(found, 1);
	assert_string_equal(s.user_id, u.id);
	assert_string_equal(s.org_id, o2.id);
	assert_int_equal(s.created_at, T0 + 2000);
	/* Only the hash is stored. */
	assert_int_equal(usess_set_org(cookie, o1.id), DOM_OK);
	assert_int_equal(usess_get(&A, cookie, &s, &found), DOM_OK);
	assert_string_equal(s.org_id, o1.id);
	/* The Me object. */
	buf_init(&b);
	jw_init(&w, &b);
	assert_int_equal(login_render_me(&A, &w, u.id, o1.id, T0), DOM_OK);
	buf_putc(&b, '\0');
	{
		char *want = arena_printf(&A,
		    "{\"user\":{\"id\":\"%s\",\"email\":\"m@example.com\",\"name\":\"M\","
		    "\"isPlatformAdmin\":false},\"org\":{\"id\":\"%s\",\"name\":\"One\","
		    "\"slug\":\"one\"},\"role\":\"owner\",\"memberships\":["
		    "{\"orgId\":\"%s\",\"orgSlug\":\"one\",\"orgName\":\"One\",\"role\":\"owner\"},"
		    "{\"orgId\":\"%s\",\"orgSlug\":\"two\",\"orgName\":\"Two\",\"role\":\"owner\"}],"
		    "\"expiresAt\":\"2026-05-01T15:30:00.123Z\"}", u.id, o1.id, o1.id,
		    o2.id);

		assert_string_equal(b.data, want);
	}
	buf_free(&b);
	assert_int_equal(usess_delete(cookie, &deleted), DOM_OK);
	assert_int_equal(deleted, 1);
	assert_int_equal(usess_delete(cookie, &deleted), DOM_OK);
	assert_int_equal(deleted, 0);
	assert_int_equal(usess_get(&A, cookie, &s, &found), DOM_OK);
	assert_int_equal(found, 0);
}

static void
t_events(void **state)
{
	struct user u;
	struct org o;
	struct project p;

	(void)state;
	assert_int_equal(user_create(&A, "e@example.com", "E", NULL, 0, &u, &E),
	    DOM_OK);
	assert_int_equal(org_create(&A, &actor_cli, "Ev", "ev", NULL, u.id, 0,
	    &o, &p, &E), DOM_OK);
	/* No org: nothing is appended. */
	assert_int_equal(login_event(&A, NULL, "auth.login", u.id,
	    "e@example.com", "192.0.2.1", NULL, NULL), 0);
	assert_int_equal(login_event(&A, o.id, "auth.login_failed", u.id,
	    "e@example.com", "192.0.2.1", "wrong_password", NULL), 0);
	assert_int_equal(login_event(&A, o.id, "auth.org_switched", u.id, NULL,
	    NULL, NULL, "org_prev"), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(t_throttle, setup, teardown),
		cmocka_unit_test_setup_teardown(t_password, setup, teardown),
		cmocka_unit_test_setup_teardown(t_pick_org_and_sessions, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(t_events, setup, teardown),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
