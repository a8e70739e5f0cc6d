/*
 * fixture.c -- see fixture.h.
 */
#include "config.h"

#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "arena.h"
#include "audit.h"
#include "clock.h"
#include "crypto.h"
#include "log.h"
#include "secrets.h"
#include "settings.h"
#include "store.h"

#include "fixture.h"

static char tmpdir[128];
static char log_group[64];    /* log_init keeps the pointer */
static struct arena fx_arena;

static void
rm_tree(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char p[512];

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		unlink(p);
	}
	closedir(d);
	rmdir(dir);
}

void
fixture_store_up(const char *name)
{
	char err[256], db[192];
	const struct secret *master;
	int applied[32];

	snprintf(log_group, sizeof(log_group), "t-%s", name);
	log_init(log_group);
	log_set_level(LOG_ERROR);
	assert_int_equal(crypto_init(), 0);
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/rensei-%s-XXXXXX", name);
	assert_non_null(mkdtemp(tmpdir));
	setenv("PUBLIC_BASE_URL", "https://rensei.test", 1);
	setenv("RENSEI_DATA_DIR", tmpdir, 1);
	assert_int_equal(config_load(CONFIG_NO_PUBLIC_URL, err, sizeof(err)), 0);
	assert_true(secrets_create_missing(tmpdir, err, sizeof(err)) >= 0);
	assert_int_equal(secrets_load(SECRETS_ALL, err, sizeof(err)), 0);
	master = secret_get(SECRET_AUDIT_MASTER);
	assert_non_null(master);
	assert_int_equal(audit_init(master->key), 0);
	snprintf(db, sizeof(db), "%s/rensei.db", tmpdir);
	assert_int_equal(store_open(db, STORE_OPEN_CREATE), 0);
	assert_true(store_migrate(applied, 32) >= 0);
	arena_init(&fx_arena);
}

void
fixture_store_down(void)
{
	store_close();
	audit_shutdown();
	secrets_wipe();
	config_free();
	clock_set_fixed(0);
	arena_free(&fx_arena);
	rm_tree(tmpdir);
}

const char *
fixture_dir(void)
{
	return tmpdir;
}

void
fx_sql(const char *text)
{
	assert_int_equal(store_exec(text), STORE_OK);
}

int64_t
fx_count(const char *q, const char *arg)
{
	struct sstmt *st = store_stmt(q);
	int64_t n;

	assert_non_null(st);
	if (arg != NULL)
		ss_bind_text(st, 1, arg);
	assert_int_equal(ss_step(st), STORE_ROW);
	n = ss_int(st, 0);
	ss_reset(st);
	return n;
}

const char *
fx_text(const char *q, const char *arg)
{
	struct sstmt *st = store_stmt(q);
	const char *s = NULL;

	assert_non_null(st);
	if (arg != NULL)
		ss_bind_text(st, 1, arg);
	if (ss_step(st) == STORE_ROW && !ss_is_null(st, 0))
		s = arena_strdup(&fx_arena, ss_text(st, 0));
	ss_reset(st);
	return s;
}

int64_t
fx_events(const char *type)
{
	return fx_count("SELECT count(*) FROM audit_events WHERE event_type = ?1",
	    type);
}
