/* t/unit/project.c -- repository URLs and sandbox names of lib/project.c
 * (04-console.md §4, §4.1): accepted forms, provider, the duplicate key,
 * and the 400 messages. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "arena.h"
#include "project.h"

static struct arena A;

static void
ok(const char *url, const char *provider, const char *key)
{
	const char *p = NULL, *k = NULL, *m = "unset";

	assert_int_equal(repo_url_parse(&A, url, &p, &k, &m), 0);
	assert_null(m);
	assert_string_equal(p, provider);
	assert_string_equal(k, key);
}

static void
refused(const char *url, const char *msg)
{
	const char *p = NULL, *k = NULL, *m = NULL;

	assert_int_equal(repo_url_parse(&A, url, &p, &k, &m), -1);
	assert_string_equal(m, msg);
}

static void
t_urls(void **state)
{
	(void)state;
	arena_init(&A);
	ok("https://github.com/acme/web", "github", "github.com/acme/web");
	ok("https://GitHub.COM/acme/web.git", "github", "github.com/acme/web");
	ok("https://github.com/acme/web/", "github", "github.com/acme/web");
	ok("git@github.com:acme/web.git", "github", "github.com/acme/web");
	ok("ssh://git@gitlab.com/grp/sub/proj", "gitlab", "gitlab.com/grp/sub/proj");
	ok("git@bitbucket.org:team/repo", "bitbucket", "bitbucket.org/team/repo");
	ok("https://git.example.com:8443/x/y", "other", "git.example.com:8443/x/y");
	/* Path case is kept: only the host is lower-cased. */
	ok("https://github.com/Acme/Web", "github", "github.com/Acme/Web");
	arena_free(&A);
}

static void
t_refused(void **state)
{
	static const char bad[] = "url must be an https or ssh git URL";
	static const char cred[] = "url must not contain credentials";

	(void)state;
	arena_init(&A);
	refused("", bad);
	refused("http://github.com/a/b", bad);
	refused("ftp://x/y", bad);
	refused("https://github.com", bad);
	refused("https://github.com/", bad);
	refused("https:///a/b", bad);
	refused("https://github.com/a b", bad);
	refused("github.com/a/b", bad);
	refused("git@github.com", bad);
	refused("git@github.com:", bad);
	refused("https://github.com/.git", bad);
	refused("https://tok@github.com/a/b", cred);
	refused("https://u:p@github.com/a/b", cred);
	refused("ssh://git:pw@github.com/a/b", cred);
	{
		char big[2100];

		memset(big, 'a', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		memcpy(big, "https://h/", 10);
		refused(big, bad);
	}
	arena_free(&A);
}

static void
t_small_sets(void **state)
{
	(void)state;
	assert_true(project_sandbox_valid("local"));
	assert_true(project_sandbox_valid("e2b"));
	assert_true(project_sandbox_valid("vercel"));
	assert_false(project_sandbox_valid("docker"));
	assert_false(project_sandbox_valid(NULL));
	assert_true(repo_clone_strategy_valid("full"));
	assert_true(repo_clone_strategy_valid("shallow"));
	assert_true(repo_clone_strategy_valid("blobless"));
	assert_false(repo_clone_strategy_valid("deep"));
	assert_false(repo_clone_strategy_valid(NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_urls),
		cmocka_unit_test(t_refused),
		cmocka_unit_test(t_small_sets),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
