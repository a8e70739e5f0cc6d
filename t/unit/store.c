/*
 * t/unit/store.c -- lib/store.c: open and pragmas (00-overview.md §2),
 * migrations and the schema-version check, the statement cache, error
 * mapping and transactions.
 *
 * Each test gets a fresh temp dir with its own database file and removes
 * both at the end.  A second connection, where a test needs one, is
 * opened with the SQLite API directly.
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "store.h"
#include "migrations.h"

static char dir[64];
static char db_file[128];
static sqlite3 *other;   /* second connection, closed by teardown */

static int
setup(void **state)
{
	strcpy(dir, "/tmp/rensei-store-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(db_file, sizeof(db_file), "%s/rensei.db", dir);
	store_set_busy_timeout(5000);
	other = NULL;
	return 0;
}

static int
teardown(void **state)
{
	static const char *const suffix[] = { "", "-wal", "-shm", "-journal" };
	char path[200];

	if (other != NULL)
		sqlite3_close(other);
	other = NULL;
	store_close();
	store_set_busy_timeout(5000);
	for (size_t i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", db_file, suffix[i]);
		unlink(path);
	}
	return rmdir(dir);
}

static void
open_new(void)
{
	assert_int_equal(store_open(db_file, STORE_OPEN_CREATE), 0);
}

static void
open_migrated(void)
{
	int applied[8];

	open_new();
	assert_int_equal(store_migrate(applied, 8),
	    (int)(sizeof(migrations) / sizeof(migrations[0])));
}

static int64_t
count_rows(const char *table)
{
	char sql[200];
	sqlite3_stmt *st;
	int64_t n = -1;

	/* Through a separate connection: sees only committed data. */
	if (other == NULL)
		assert_int_equal(sqlite3_open_v2(db_file, &other,
		    SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", table);
	assert_int_equal(sqlite3_prepare_v2(other, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

static const char insert_org[] =
    "INSERT INTO orgs (id, name, slug, created_at) VALUES (?1, ?2, ?3, ?4)";

static int
add_org(const char *id, const char *slug)
{
	struct sstmt *st = store_stmt(insert_org);

	assert_non_null(st);
	ss_bind_text(st, 1, id);
	ss_bind_text(st, 2, "Org");
	ss_bind_text(st, 3, slug);
	ss_bind_int(st, 4, 1777658400000);
	return ss_exec(st);
}

static int64_t
elapsed_ms(const struct timespec *a)
{
	struct timespec b;

	clock_gettime(CLOCK_MONOTONIC, &b);
	return (int64_t)(b.tv_sec - a->tv_sec) * 1000 +
	    (b.tv_nsec - a->tv_nsec) / 1000000;
}

/* ------------------------------------------------------------------ open */

static void
open_with_create_makes_file(void **state)
{
	struct stat st;
	uint64_t dev, ino;

	open_new();
	assert_true(store_is_open());
	assert_int_equal(stat(db_file, &st), 0);
	assert_string_equal(store_path(), db_file);
	assert_int_equal(store_file_id(&dev, &ino), 0);
	assert_int_equal(dev, (uint64_t)st.st_dev);
	assert_int_equal(ino, (uint64_t)st.st_ino);
}

static void
open_without_create_on_missing_file_fails(void **state)
{
	assert_int_equal(store_open(db_file, 0), -1);
	assert_false(store_is_open());
	assert_int_equal(access(db_file, F_OK), -1);
	assert_int_equal(errno, ENOENT);
}

static void
open_without_create_on_existing_file(void **state)
{
	open_migrated();
	store_close();
	assert_false(store_is_open());
	assert_int_equal(store_open(db_file, 0), 0);
	assert_int_equal(store_schema_version(), STORE_SCHEMA_VERSION);
}

static void
journal_mode_is_wal(void **state)
{
	static const char sql[] = "PRAGMA journal_mode";
	struct sstmt *st;

	open_new();
	assert_non_null(st = store_stmt(sql));
	assert_int_equal(ss_step(st), STORE_ROW);
	assert_string_equal(ss_text(st, 0), "wal");
	ss_reset(st);
}

static void
foreign_keys_on(void **state)
{
	static const char sql[] = "PRAGMA foreign_keys";
	struct sstmt *st;

	open_new();
	assert_non_null(st = store_stmt(sql));
	assert_int_equal(ss_step(st), STORE_ROW);
	assert_int_equal(ss_int(st, 0), 1);
	ss_reset(st);
}

static void
synchronous_normal(void **state)
{
	static const char sql[] = "PRAGMA synchronous";
	struct sstmt *st;

	open_new();
	assert_non_null(st = store_stmt(sql));
	assert_int_equal(ss_step(st), STORE_ROW);
	assert_int_equal(ss_int(st, 0), 1);   /* NORMAL */
	ss_reset(st);
}

static void
busy_timeout_applied(void **state)
{
	static const char sql[] = "PRAGMA busy_timeout";
	struct sstmt *st;

	open_new();
	assert_non_null(st = store_stmt(sql));
	assert_int_equal(ss_step(st), STORE_ROW);
	assert_int_equal(ss_int(st, 0), 5000);
	ss_reset(st);
	store_set_busy_timeout(250);
	assert_int_equal(ss_step(st), STORE_ROW);
	assert_int_equal(ss_int(st, 0), 250);
	ss_reset(st);
}

static void
reopen_replaces_connection(void **state)
{
	open_migrated();
	assert_int_equal(add_org("org_1", "one"), STORE_OK);
	assert_int_equal(store_open(db_file, 0), 0);
	assert_int_equal(count_rows("orgs"), 1);
}

static void
closed_store_refuses_work(void **state)
{
	static const char sql[] = "SELECT 1";
	int applied[1];

	assert_false(store_is_open());
	assert_null(store_stmt(sql));
	assert_int_equal(store_schema_version(), -1);
	assert_int_equal(store_migrate(applied, 1), -1);
	assert_int_not_equal(store_exec("SELECT 1"), STORE_OK);
	store_rollback();   /* harmless */
}

/* ------------------------------------------------------------ migrations */

static void
fresh_database_has_no_schema_version(void **state)
{
	open_new();
	assert_int_equal(store_schema_version(), -1);
}

static void
migrate_applies_every_migration_once(void **state)
{
	size_t n = sizeof(migrations) / sizeof(migrations[0]);
	int applied[16];

	open_new();
	assert_int_equal(store_migrate(applied, 16), (int)n);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(applied[i], migrations[i].version);
	assert_int_equal(count_rows("schema_version"), (int64_t)n);
	assert_int_equal(store_migrate(applied, 16), 0);
	assert_int_equal(count_rows("schema_version"), (int64_t)n);
	assert_false(store_in_txn());
}

static void
migrate_with_small_applied_array(void **state)
{
	int applied[1] = { -7 };
	size_t n = sizeof(migrations) / sizeof(migrations[0]);

	open_new();
	assert_int_equal(store_migrate(applied, 0), (int)n);
	assert_int_equal(applied[0], -7);
}

static void
migrations_ascend_and_end_at_schema_version(void **state)
{
	size_t n = sizeof(migrations) / sizeof(migrations[0]);

	for (size_t i = 1; i < n; i++)
		assert_true(migrations[i].version > migrations[i - 1].version);
	assert_int_equal(migrations[n - 1].version, STORE_SCHEMA_VERSION);
}

static void
schema_version_after_migrate(void **state)
{
	open_migrated();
	assert_int_equal(store_schema_version(), STORE_SCHEMA_VERSION);
}

static void
check_schema_accepts_migrated(void **state)
{
	open_migrated();
	assert_int_equal(store_check_schema(), 0);
}

static void
check_schema_refuses_fresh_database(void **state)
{
	open_new();
	assert_int_equal(store_check_schema(), -1);
}

static void
check_schema_refuses_older_version(void **state)
{
	char sql[128];

	open_migrated();
	snprintf(sql, sizeof(sql), "DELETE FROM schema_version;"
	    "INSERT INTO schema_version (version, applied_at) VALUES (%d, 1)",
	    STORE_SCHEMA_VERSION - 1);
	assert_int_equal(store_exec(sql), STORE_OK);
	assert_int_equal(store_schema_version(), STORE_SCHEMA_VERSION - 1);
	assert_int_equal(store_check_schema(), -1);
}

static void
check_schema_accepts_newer_version(void **state)
{
	open_migrated();
	assert_int_equal(store_exec("INSERT INTO schema_version (version, "
	    "applied_at) VALUES (999, 1)"), STORE_OK);
	assert_int_equal(store_check_schema(), 0);
}

/* Every table the first migration creates is STRICT (00-overview.md §2). */
static void
every_table_of_init_is_strict(void **state)
{
	static const char sql[] =
	    "SELECT strict FROM pragma_table_list WHERE schema = 'main' "
	    "AND type = 'table' AND name = ?1";
	const char *p = migrations[0].sql;
	int tables = 0;

	open_migrated();
	while ((p = strstr(p, "CREATE TABLE ")) != NULL) {
		char name[128];
		size_t n;
		struct sstmt *st;

		p += strlen("CREATE TABLE ");
		n = strcspn(p, " (\n\t");
		assert_true(n > 0 && n < sizeof(name));
		memcpy(name, p, n);
		name[n] = '\0';
		assert_non_null(st = store_stmt(sql));
		ss_bind_text(st, 1, name);
		if (ss_step(st) != STORE_ROW)
			fail_msg("table %s not found", name);
		if (ss_int(st, 0) != 1)
			fail_msg("table %s is not STRICT", name);
		ss_reset(st);
		tables++;
	}
	assert_true(tables > 10);
}

static void
no_table_in_database_is_lax(void **state)
{
	static const char sql[] =
	    "SELECT name FROM pragma_table_list WHERE schema = 'main' "
	    "AND type = 'table' AND name NOT LIKE 'sqlite_%' AND strict = 0";
	struct sstmt *st;

	open_migrated();
	assert_non_null(st = store_stmt(sql));
	if (ss_step(st) == STORE_ROW)
		fail_msg("table %s is not STRICT", ss_text(st, 0));
	ss_reset(st);
}

static void
strict_table_refuses_wrong_type(void **state)
{
	open_migrated();
	assert_int_equal(store_exec("INSERT INTO schema_version (version, "
	    "applied_at) VALUES ('two', 1)"), STORE_CONSTRAINT);
}

/* ------------------------------------------------------------ statements */

static void
statement_cached_by_sql_pointer(void **state)
{
	static const char sql[] = "SELECT 1";
	static const char same_text[] = "SELECT 1";
	struct sstmt *a, *b, *c;

	open_new();
	assert_non_null(a = store_stmt(sql));
	assert_non_null(b = store_stmt(sql));
	assert_ptr_equal(a, b);
	assert_non_null(c = store_stmt(same_text));
	assert_ptr_not_equal(a, c);
	assert_ptr_equal(store_stmt(same_text), c);
}

static void
many_statements_cached(void **state)
{
	static char sqls[100][32];
	struct sstmt *st[100];

	open_new();
	for (int i = 0; i < 100; i++) {
		snprintf(sqls[i], sizeof(sqls[i]), "SELECT %d", i);
		assert_non_null(st[i] = store_stmt(sqls[i]));
	}
	for (int i = 0; i < 100; i++) {
		assert_ptr_equal(store_stmt(sqls[i]), st[i]);
		assert_int_equal(ss_step(st[i]), STORE_ROW);
		assert_int_equal(ss_int(st[i], 0), i);
		ss_reset(st[i]);
	}
}

static void
statement_prepare_failure_is_null(void **state)
{
	static const char sql[] = "SELEKT nonsense";

	open_new();
	assert_null(store_stmt(sql));
	/* Not cached as a failure: still NULL, no crash. */
	assert_null(store_stmt(sql));
}

static void
statement_works_after_reopen(void **state)
{
	static const char sql[] = "SELECT count(*) FROM orgs";
	struct sstmt *st;

	open_migrated();
	assert_non_null(st = store_stmt(sql));
	assert_int_equal(ss_step(st), STORE_ROW);
	ss_reset(st);
	store_close();
	assert_int_equal(store_open(db_file, 0), 0);
	assert_non_null(st = store_stmt(sql));
	assert_int_equal(ss_step(st), STORE_ROW);
	assert_int_equal(ss_int(st, 0), 0);
	ss_reset(st);
}

static void
bind_and_read_columns(void **state)
{
	static const char sql[] =
	    "SELECT ?1, ?2, ?3, ?4, ?5, length(?5), ?6";
	struct sstmt *st;
	const unsigned char blob[4] = { 0, 1, 2, 0xff };

	open_new();
	assert_non_null(st = store_stmt(sql));
	ss_bind_text(st, 1, "text");
	ss_bind_int(st, 2, INT64_MIN);
	ss_bind_null(st, 3);
	ss_bind_text(st, 4, NULL);
	ss_bind_blob(st, 5, blob, sizeof(blob));
	ss_bind_textn(st, 6, "abcdef", 3);
	assert_int_equal(ss_step(st), STORE_ROW);
	assert_string_equal(ss_text(st, 0), "text");
	assert_int_equal(ss_int(st, 1), INT64_MIN);
	assert_true(ss_is_null(st, 2));
	assert_true(ss_is_null(st, 3));
	assert_false(ss_is_null(st, 0));
	assert_int_equal(ss_bytes(st, 4), 4);
	assert_memory_equal(ss_blob(st, 4), blob, 4);
	assert_int_equal(ss_int(st, 5), 4);
	assert_string_equal(ss_text(st, 6), "abc");
	assert_int_equal(ss_step(st), STORE_DONE);
	ss_reset(st);
	/* Reset cleared the bindings. */
	assert_int_equal(ss_step(st), STORE_ROW);
	assert_true(ss_is_null(st, 0));
	ss_reset(st);
}

static void
exec_then_changes(void **state)
{
	open_migrated();
	assert_int_equal(add_org("org_1", "one"), STORE_OK);
	assert_int_equal(store_changes(), 1);
}

/* ---------------------------------------------------------------- errors */

static void
unique_violation_is_constraint(void **state)
{
	open_migrated();
	assert_int_equal(add_org("org_1", "one"), STORE_OK);
	assert_int_equal(add_org("org_1", "two"), STORE_CONSTRAINT);
	assert_int_equal(add_org("org_2", "one"), STORE_CONSTRAINT);
	/* The statement was reset: it works again. */
	assert_int_equal(add_org("org_3", "three"), STORE_OK);
	assert_int_equal(count_rows("orgs"), 2);
}

static void
foreign_key_violation_is_constraint(void **state)
{
	static const char sql[] =
	    "INSERT INTO teams (id, org_id, name, slug, created_at, updated_at) "
	    "VALUES ('team_1', 'org_missing', 'T', 't', 1, 1)";
	struct sstmt *st;

	open_migrated();
	assert_non_null(st = store_stmt(sql));
	assert_int_equal(ss_exec(st), STORE_CONSTRAINT);
}

static void
check_violation_is_constraint(void **state)
{
	open_migrated();
	assert_int_equal(add_org("org_1", "one"), STORE_OK);
	assert_int_equal(store_exec("INSERT INTO users (id, email, created_at, "
	    "updated_at) VALUES ('usr_1', 'a@b', 1, 1)"), STORE_OK);
	assert_int_equal(store_exec("INSERT INTO memberships (org_id, user_id, "
	    "role, joined_at) VALUES ('org_1', 'usr_1', 'emperor', 1)"),
	    STORE_CONSTRAINT);
}

static void
not_null_violation_is_constraint(void **state)
{
	open_migrated();
	assert_int_equal(store_exec("INSERT INTO orgs (id, name, slug, "
	    "created_at) VALUES ('org_1', NULL, 's', 1)"), STORE_CONSTRAINT);
}

static void
sql_error_is_error(void **state)
{
	open_new();
	assert_int_equal(store_exec("INSERT INTO no_such_table VALUES (1)"),
	    STORE_ERROR);
}

/* ---------------------------------------------------------- transactions */

static void
commit_keeps_data(void **state)
{
	open_migrated();
	assert_int_equal(store_begin_write(), STORE_OK);
	assert_true(store_in_txn());
	assert_int_equal(add_org("org_1", "one"), STORE_OK);
	assert_int_equal(add_org("org_2", "two"), STORE_OK);
	assert_int_equal(count_rows("orgs"), 0);   /* not yet visible */
	assert_int_equal(store_commit(), STORE_OK);
	assert_false(store_in_txn());
	assert_int_equal(count_rows("orgs"), 2);
}

static void
rollback_discards_data(void **state)
{
	open_migrated();
	assert_int_equal(add_org("org_0", "zero"), STORE_OK);
	assert_int_equal(store_begin_write(), STORE_OK);
	assert_int_equal(add_org("org_1", "one"), STORE_OK);
	store_rollback();
	assert_false(store_in_txn());
	assert_int_equal(count_rows("orgs"), 1);
}

static void
rollback_after_constraint_failure_discards_all(void **state)
{
	open_migrated();
	assert_int_equal(store_begin_write(), STORE_OK);
	assert_int_equal(add_org("org_1", "one"), STORE_OK);
	assert_int_equal(add_org("org_1", "dup"), STORE_CONSTRAINT);
	store_rollback();
	assert_int_equal(count_rows("orgs"), 0);
}

static void
rollback_outside_transaction_is_harmless(void **state)
{
	open_migrated();
	store_rollback();
	assert_false(store_in_txn());
	assert_int_equal(add_org("org_1", "one"), STORE_OK);
	assert_int_equal(count_rows("orgs"), 1);
}

static void
commit_without_transaction_fails(void **state)
{
	open_migrated();
	assert_int_not_equal(store_commit(), STORE_OK);
	assert_false(store_in_txn());
}

static void
nested_begin_write_fails(void **state)
{
	open_migrated();
	assert_int_equal(store_begin_write(), STORE_OK);
	assert_int_not_equal(store_begin_write(), STORE_OK);
	store_rollback();
	assert_int_equal(store_begin_write(), STORE_OK);
	assert_int_equal(store_commit(), STORE_OK);
}

static void
read_transaction_sees_snapshot(void **state)
{
	static const char sql[] = "SELECT count(*) FROM orgs";
	struct sstmt *st;

	open_migrated();
	assert_int_equal(store_begin_read(), STORE_OK);
	assert_non_null(st = store_stmt(sql));
	assert_int_equal(ss_step(st), STORE_ROW);
	assert_int_equal(ss_int(st, 0), 0);
	ss_reset(st);
	/* Another connection commits a row: the open snapshot does not see it. */
	assert_int_equal(count_rows("orgs"), 0);
	assert_int_equal(sqlite3_exec(other, "INSERT INTO orgs (id, name, slug, "
	    "created_at) VALUES ('org_x', 'X', 'x', 1)", NULL, NULL, NULL),
	    SQLITE_OK);
	assert_int_equal(ss_step(st), STORE_ROW);
	assert_int_equal(ss_int(st, 0), 0);
	ss_reset(st);
	store_rollback();
	assert_int_equal(ss_step(st), STORE_ROW);
	assert_int_equal(ss_int(st, 0), 1);
	ss_reset(st);
}

/* Another connection holds the write lock: BEGIN IMMEDIATE gives up with
 * STORE_BUSY after about the busy timeout, not many times that. */
static void
begin_write_busy_within_timeout(void **state)
{
	struct timespec t0;
	int64_t ms;

	open_migrated();
	assert_int_equal(sqlite3_open_v2(db_file, &other, SQLITE_OPEN_READWRITE,
	    NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL),
	    SQLITE_OK);
	store_set_busy_timeout(100);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(store_begin_write(), STORE_BUSY);
	ms = elapsed_ms(&t0);
	assert_false(store_in_txn());
	if (ms < 90 || ms > 1000)
		fail_msg("store_begin_write took %lld ms with a 100 ms timeout",
		    (long long)ms);
}

static void
begin_write_succeeds_after_lock_released(void **state)
{
	open_migrated();
	assert_int_equal(sqlite3_open_v2(db_file, &other, SQLITE_OPEN_READWRITE,
	    NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL),
	    SQLITE_OK);
	store_set_busy_timeout(50);
	assert_int_equal(store_begin_write(), STORE_BUSY);
	assert_int_equal(sqlite3_exec(other, "COMMIT", NULL, NULL, NULL),
	    SQLITE_OK);
	assert_int_equal(store_begin_write(), STORE_OK);
	assert_int_equal(add_org("org_1", "one"), STORE_OK);
	assert_int_equal(store_commit(), STORE_OK);
	assert_int_equal(count_rows("orgs"), 1);
}

static void
reader_not_blocked_by_writer(void **state)
{
	static const char sql[] = "SELECT count(*) FROM orgs";
	struct sstmt *st;

	open_migrated();
	assert_int_equal(sqlite3_open_v2(db_file, &other, SQLITE_OPEN_READWRITE,
	    NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL),
	    SQLITE_OK);
	store_set_busy_timeout(50);
	assert_int_equal(store_begin_read(), STORE_OK);
	assert_non_null(st = store_stmt(sql));
	assert_int_equal(ss_step(st), STORE_ROW);
	ss_reset(st);
	store_rollback();
}

static void
migrate_busy_fails_cleanly(void **state)
{
	int applied[4];

	open_new();
	assert_int_equal(sqlite3_open_v2(db_file, &other, SQLITE_OPEN_READWRITE,
	    NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL),
	    SQLITE_OK);
	store_set_busy_timeout(50);
	assert_int_equal(store_migrate(applied, 4), -1);
	assert_false(store_in_txn());
	assert_int_equal(sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL),
	    SQLITE_OK);
	assert_int_equal(store_migrate(applied, 4),
	    (int)(sizeof(migrations) / sizeof(migrations[0])));
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(open_with_create_makes_file),
		T(open_without_create_on_missing_file_fails),
		T(open_without_create_on_existing_file),
		T(journal_mode_is_wal),
		T(foreign_keys_on),
		T(synchronous_normal),
		T(busy_timeout_applied),
		T(reopen_replaces_connection),
		T(closed_store_refuses_work),
		T(fresh_database_has_no_schema_version),
		T(migrate_applies_every_migration_once),
		T(migrate_with_small_applied_array),
		T(migrations_ascend_and_end_at_schema_version),
		T(schema_version_after_migrate),
		T(check_schema_accepts_migrated),
		T(check_schema_refuses_fresh_database),
		T(check_schema_refuses_older_version),
		T(check_schema_accepts_newer_version),
		T(every_table_of_init_is_strict),
		T(no_table_in_database_is_lax),
		T(strict_table_refuses_wrong_type),
		T(statement_cached_by_sql_pointer),
		T(many_statements_cached),
		T(statement_prepare_failure_is_null),
		T(statement_works_after_reopen),
		T(bind_and_read_columns),
		T(exec_then_changes),
		T(unique_violation_is_constraint),
		T(foreign_key_violation_is_constraint),
		T(check_violation_is_constraint),
		T(not_null_violation_is_constraint),
		T(sql_error_is_error),
		T(commit_keeps_data),
		T(rollback_discards_data),
		T(rollback_after_constraint_failure_discards_all),
		T(rollback_outside_transaction_is_harmless),
		T(commit_without_transaction_fails),
		T(nested_begin_write_fails),
		T(read_transaction_sees_snapshot),
		T(begin_write_busy_within_timeout),
		T(begin_write_succeeds_after_lock_released),
		T(reader_not_blocked_by_writer),
		T(migrate_busy_fails_cleanly),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
