/*
 * store.c -- the SQLite backend of store.h.
 *
 * One connection per process, opened after fork.  Statements are cached
 * by the address of their SQL text (modules keep SQL in static storage),
 * prepared with SQLITE_PREPARE_PERSISTENT once per connection.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "clock.h"
#include "log.h"
#include "store.h"
#include "migrations.h"

#define STMT_CACHE 256           /* open-addressed; power of two */
#define BEGIN_RETRIES 20

struct cache_slot {
	const char   *sql;
	sqlite3_stmt *stmt;
};

static sqlite3 *db;
static char *db_path;
static dev_t db_dev;
static ino_t db_ino;
static int busy_ms = 5000;
static int in_txn;
static struct cache_slot cache[STMT_CACHE];

static int
map_rc(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
		return STORE_OK;
	case SQLITE_ROW:
		return STORE_ROW;
	case SQLITE_DONE:
		return STORE_DONE;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
	case SQLITE_IOERR:
	case SQLITE_FULL:
	case SQLITE_CANTOPEN:
	case SQLITE_READONLY:
		return STORE_BUSY;
	case SQLITE_CONSTRAINT:
		return STORE_CONSTRAINT;
	default:
		return STORE_ERROR;
	}
}

int
store_open(const char *path, int flags)
{
	struct stat st;
	int oflags, rc;

	if (db != NULL)
		store_close();
	oflags = (flags & STORE_OPEN_READONLY) ? SQLITE_OPEN_READONLY :
	    SQLITE_OPEN_READWRITE;
	if (flags & STORE_OPEN_CREATE)
		oflags |= SQLITE_OPEN_CREATE;
	oflags |= SQLITE_OPEN_NOMUTEX;
	rc = sqlite3_open_v2(path, &db, oflags, NULL);
	if (rc != SQLITE_OK) {
		log_error("store_open: %s: %s", path,
		    db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
		sqlite3_close(db);
		db = NULL;
		return -1;
	}
	if (stat(path, &st) == -1) {
		log_error("store_open: stat %s failed", path);
		goto fail;
	}
	db_dev = st.st_dev;
	db_ino = st.st_ino;
	sqlite3_busy_timeout(db, busy_ms);
	sqlite3_extended_result_codes(db, 0);
	if (!(flags & STORE_OPEN_READONLY) &&
	    sqlite3_exec(db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL) != SQLITE_OK) {
		log_error("store_open: journal_mode: %s", sqlite3_errmsg(db));
		goto fail;
	}
	/* case_sensitive_like: LIKE compares as PostgreSQL's does (the
	 * portable list test of extern.h relies on it). */
	if (sqlite3_exec(db, "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
	    " PRAGMA temp_store=MEMORY; PRAGMA case_sensitive_like=ON;",
	    NULL, NULL, NULL) != SQLITE_OK) {
		log_error("store_open: pragmas: %s", sqlite3_errmsg(db));
		goto fail;
	}
	/* journal_size_limit: a restarted WAL is truncated back to 16 MiB
	 * so one burst does not keep hundreds of MiB on disk. */
	if (!(flags & STORE_OPEN_READONLY) &&
	    sqlite3_exec(db, (flags & STORE_OPEN_RESPONDER) ?
	    "PRAGMA wal_autocheckpoint=0; PRAGMA journal_size_limit=16777216;"
	    " PRAGMA cache_size=-1024;" :
	    "PRAGMA journal_size_limit=16777216;",
	    NULL, NULL, NULL) != SQLITE_OK) {
		log_error("store_open: wal pragmas: %s", sqlite3_errmsg(db));
		goto fail;
	}
	free(db_path);
	db_path = strdup(path);
	if (db_path == NULL)
		abort();
	return 0;
fail:
	sqlite3_close(db);
	db = NULL;
	return -1;
}

int
store_checkpoint(int *frames, int *done)
{
	int mode = SQLITE_CHECKPOINT_PASSIVE, rc;

	*frames = *done = 0;
	if (db == NULL || in_txn)
		return STORE_ERROR;
	/* Decide on the last pass's figures: RESTART only when PASSIVE
	 * passes have let the log grow past the bound. */
	rc = sqlite3_wal_checkpoint_v2(db, NULL, mode, frames, done);
	if (rc == SQLITE_OK && *frames > STORE_WAL_RESTART_FRAMES) {
		mode = SQLITE_CHECKPOINT_RESTART;
		rc = sqlite3_wal_checkpoint_v2(db, NULL, mode, frames, done);
	}
	if (rc == SQLITE_OK)
		return STORE_OK;
	if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
		return STORE_BUSY;
	log_error("store_checkpoint: %s", sqlite3_errmsg(db));
	return STORE_ERROR;
}

void
store_close(void)
{
	for (size_t i = 0; i < STMT_CACHE; i++) {
		if (cache[i].stmt != NULL)
			sqlite3_finalize(cache[i].stmt);
		cache[i].stmt = NULL;
		cache[i].sql = NULL;
	}
	if (db != NULL)
		sqlite3_close(db);
	db = NULL;
	in_txn = 0;
}

int
store_is_open(void)
{
	return db != NULL;
}

void
store_set_busy_timeout(int ms)
{
	busy_ms = ms;
	if (db != NULL)
		sqlite3_busy_timeout(db, ms);
}

int
store_file_id(uint64_t *dev, uint64_t *ino)
{
	if (db == NULL)
		return -1;
	*dev = (uint64_t)db_dev;
	*ino = (uint64_t)db_ino;
	return 0;
}

const char *
store_path(void)
{
	return db_path;
}

const char *
store_errmsg(void)
{
	return db ? sqlite3_errmsg(db) : "not open";
}

int
store_exec(const char *sql)
{
	char *err = NULL;
	int rc;

	if (db == NULL)
		return STORE_ERROR;
	rc = sqlite3_exec(db, sql, NULL, NULL, &err);
	if (rc != SQLITE_OK) {
		log_error("store_exec: %s", err ? err : sqlite3_errstr(rc));
		sqlite3_free(err);
		return map_rc(rc);
	}
	return STORE_OK;
}

static size_t
slot_of(const char *sql)
{
	uintptr_t h = (uintptr_t)sql;

	h ^= h >> 17;
	h *= 0x9E3779B97F4A7C15ULL;
	return (size_t)(h >> 40) & (STMT_CACHE - 1);
}

struct sstmt *
store_stmt(const char *sql)
{
	size_t i = slot_of(sql);
	sqlite3_stmt *st;

	if (db == NULL)
		return NULL;
	for (size_t n = 0; n < STMT_CACHE; n++, i = (i + 1) & (STMT_CACHE - 1)) {
		if (cache[i].sql == sql)
			return (struct sstmt *)cache[i].stmt;
		if (cache[i].sql == NULL)
			break;
	}
	if (cache[i].sql != NULL) {
		log_error("store_stmt: statement cache full");
		return NULL;
	}
	if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st,
	    NULL) != SQLITE_OK) {
		log_error("store_stmt: prepare: %s", sqlite3_errmsg(db));
		return NULL;
	}
	cache[i].sql = sql;
	cache[i].stmt = st;
	return (struct sstmt *)st;
}

#define S(st) ((sqlite3_stmt *)(st))

void
ss_bind_text(struct sstmt *st, int idx, const char *s)
{
	if (s == NULL)
		sqlite3_bind_null(S(st), idx);
	else
		sqlite3_bind_text(S(st), idx, s, -1, SQLITE_TRANSIENT);
}

void
ss_bind_textn(struct sstmt *st, int idx, const char *s, size_t n)
{
	if (s == NULL)
		sqlite3_bind_null(S(st), idx);
	else
		sqlite3_bind_text64(S(st), idx, s, n, SQLITE_TRANSIENT, SQLITE_UTF8);
}

void
ss_bind_int(struct sstmt *st, int idx, int64_t v)
{
	sqlite3_bind_int64(S(st), idx, v);
}

void
ss_bind_null(struct sstmt *st, int idx)
{
	sqlite3_bind_null(S(st), idx);
}

void
ss_bind_blob(struct sstmt *st, int idx, const void *p, size_t n)
{
	sqlite3_bind_blob64(S(st), idx, p, n, SQLITE_TRANSIENT);
}

int
ss_step(struct sstmt *st)
{
	int rc = sqlite3_step(S(st));

	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		log_error("ss_step: %s", sqlite3_errmsg(db));
	return map_rc(rc);
}

int
ss_exec(struct sstmt *st)
{
	int rc = ss_step(st);

	ss_reset(st);
	if (rc == STORE_DONE || rc == STORE_ROW)
		return STORE_OK;
	return rc;
}

void
ss_reset(struct sstmt *st)
{
	sqlite3_reset(S(st));
	sqlite3_clear_bindings(S(st));
}

int
ss_is_null(struct sstmt *st, int col)
{
	return sqlite3_column_type(S(st), col) == SQLITE_NULL;
}

int64_t
ss_int(struct sstmt *st, int col)
{
	return sqlite3_column_int64(S(st), col);
}

const char *
ss_text(struct sstmt *st, int col)
{
	return (const char *)sqlite3_column_text(S(st), col);
}

size_t
ss_bytes(struct sstmt *st, int col)
{
	return (size_t)sqlite3_column_bytes(S(st), col);
}

const void *
ss_blob(struct sstmt *st, int col)
{
	return sqlite3_column_blob(S(st), col);
}

int64_t
store_changes(void)
{
	return db ? sqlite3_changes64(db) : 0;
}

static int64_t
monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* BEGIN IMMEDIATE waits busy_timeout itself; the retry loop covers the
 * cases where SQLite returns BUSY at once (a WAL snapshot conflict or a
 * lock held across a checkpoint).  The retries share one deadline of
 * busy_timeout: a BUSY that already waited the full timeout is final, so
 * a held lock costs the caller busy_timeout, not BEGIN_RETRIES times it. */
int
store_begin_write(void)
{
	static const char sql[] = "BEGIN IMMEDIATE";
	struct sstmt *st = store_stmt(sql);
	int64_t deadline;
	int rc = STORE_ERROR;

	if (st == NULL)
		return STORE_ERROR;
	deadline = monotonic_ms() + busy_ms;
	for (int i = 0; i < BEGIN_RETRIES; i++) {
		rc = ss_exec(st);
		if (rc != STORE_BUSY || monotonic_ms() >= deadline)
			break;
		usleep(1000u * (unsigned)(1 + i));
	}
	if (rc == STORE_OK)
		in_txn = 1;
	return rc;
}

int
store_begin_read(void)
{
	static const char sql[] = "BEGIN";
	struct sstmt *st = store_stmt(sql);
	int rc;

	if (st == NULL)
		return STORE_ERROR;
	rc = ss_exec(st);
	if (rc == STORE_OK)
		in_txn = 1;
	return rc;
}

int
store_commit(void)
{
	static const char sql[] = "COMMIT";
	struct sstmt *st = store_stmt(sql);
	int rc;

	if (st == NULL)
		return STORE_ERROR;
	rc = ss_exec(st);
	if (rc != STORE_OK) {
		store_rollback();
		return rc;
	}
	in_txn = 0;
	return STORE_OK;
}

void
store_rollback(void)
{
	if (db != NULL && !sqlite3_get_autocommit(db))
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	in_txn = 0;
}

int
store_in_txn(void)
{
	return in_txn;
}

int
store_schema_version(void)
{
	static const char sql[] = "SELECT max(version) FROM schema_version";
	struct sstmt *st;
	int v = -1;

	if (db == NULL)
		return -1;
	/* Not cached: the table may not exist yet (fresh file). */
	sqlite3_stmt *raw;
	if (sqlite3_prepare_v2(db, sql, -1, &raw, NULL) != SQLITE_OK)
		return -1;
	st = (struct sstmt *)raw;
	if (ss_step(st) == STORE_ROW && !ss_is_null(st, 0))
		v = (int)ss_int(st, 0);
	sqlite3_finalize(raw);
	return v;
}

int
store_check_schema(void)
{
	int v = store_schema_version();

	if (v < STORE_SCHEMA_VERSION) {
		log_error("store_check_schema: %s: schema version %d, this build "
		    "needs %d; run rensei-admin migrate", db_path ? db_path : "?",
		    v, STORE_SCHEMA_VERSION);
		return -1;
	}
	return 0;
}

int
store_migrate(int *applied, int cap)
{
	static const char ins[] =
	    "INSERT INTO schema_version (version, applied_at) VALUES (?1, ?2)";
	int cur, n = 0;

	if (db == NULL)
		return -1;
	if (store_begin_write() != STORE_OK)
		return -1;
	cur = store_schema_version();
	if (cur < 0)
		cur = 0;
	for (size_t i = 0; i < sizeof(migrations) / sizeof(migrations[0]); i++) {
		const struct migration *m = &migrations[i];
		sqlite3_stmt *raw;

		if (m->version <= cur)
			continue;
		if (store_exec(m->sql) != STORE_OK) {
			log_error("store_migrate: migration %s failed", m->name);
			goto fail;
		}
		if (sqlite3_prepare_v2(db, ins, -1, &raw, NULL) != SQLITE_OK)
			goto fail;
		sqlite3_bind_int(raw, 1, m->version);
		sqlite3_bind_int64(raw, 2, clock_now_ms());
		if (sqlite3_step(raw) != SQLITE_DONE) {
			sqlite3_finalize(raw);
			goto fail;
		}
		sqlite3_finalize(raw);
		if (n < cap)
			applied[n] = m->version;
		n++;
	}
	if (store_commit() != STORE_OK)
		return -1;
	return n;
fail:
	store_rollback();
	return -1;
}
