/*
 * store.h -- the process's database connection, prepared statements and
 * transactions.  No SQLite type appears here, so a PostgreSQL backend can
 * sit behind the same calls.
 *
 * One connection per process (opened after fork).  Modules keep their SQL
 * as static const strings and fetch a prepared statement with store_stmt();
 * it is prepared on first use and cached for the life of the connection.
 * Parameters are 1-based, as in SQL text `?1`, `?2`.
 */
#ifndef RENSEI_STORE_H
#define RENSEI_STORE_H

#include <stddef.h>
#include <stdint.h>

#define STORE_WUR __attribute__((warn_unused_result))

/* Schema version this build needs (the last migration's number). */
#define STORE_SCHEMA_VERSION 4

enum store_rc {
	STORE_OK = 0,
	STORE_ROW,          /* ss_step: a row is available */
	STORE_DONE,         /* ss_step: no (more) rows */
	STORE_BUSY,         /* SQLITE_BUSY/LOCKED after the timeout, or I/O error */
	STORE_CONSTRAINT,   /* unique / foreign key / check violation */
	STORE_ERROR         /* anything else */
};

#define STORE_OPEN_CREATE 0x1   /* create the file (admin CLI init only) */
#define STORE_OPEN_READONLY 0x2

struct sstmt;   /* opaque prepared statement */

/* Opens the process connection with the pragmas of 00-overview.md §2
 * (WAL, synchronous=NORMAL, foreign_keys=ON, busy_timeout). */
int   store_open(const char *path, int flags) STORE_WUR;
void  store_close(void);
int   store_is_open(void);
void  store_set_busy_timeout(int ms);
/* Device and inode of the file the connection opened (health check). */
int   store_file_id(uint64_t *dev, uint64_t *ino);
const char *store_path(void);
const char *store_errmsg(void);   /* for logs only, never for clients */

/* Schema version row; -1 when unreadable. */
int   store_schema_version(void) STORE_WUR;
/* Refuses (returns -1, logs) when the schema is older than this build. */
int   store_check_schema(void) STORE_WUR;
/* Applies pending migrations from the compiled-in list; fills applied[]
 * with the versions applied (up to cap).  Returns the count or -1. */
int   store_migrate(int *applied, int cap) STORE_WUR;

/* Transactions.  begin_write is BEGIN IMMEDIATE with retry on BUSY. */
int   store_begin_write(void) STORE_WUR;
int   store_begin_read(void) STORE_WUR;
int   store_commit(void) STORE_WUR;
void  store_rollback(void);
int   store_in_txn(void);
/* Executes one or more statements without results (schema, pragmas). */
int   store_exec(const char *sql) STORE_WUR;

struct sstmt *store_stmt(const char *sql);   /* NULL on prepare failure (logged) */
void  ss_bind_text(struct sstmt *st, int idx, const char *s);   /* NULL binds NULL */
void  ss_bind_textn(struct sstmt *st, int idx, const char *s, size_t n);
void  ss_bind_int(struct sstmt *st, int idx, int64_t v);
void  ss_bind_null(struct sstmt *st, int idx);
void  ss_bind_blob(struct sstmt *st, int idx, const void *p, size_t n);
int   ss_step(struct sstmt *st);              /* STORE_ROW, STORE_DONE or an error */
/* Runs a statement expected to return no row; resets it.  STORE_OK or error. */
int   ss_exec(struct sstmt *st) STORE_WUR;
void  ss_reset(struct sstmt *st);             /* reset and clear bindings */
int   ss_is_null(struct sstmt *st, int col);  /* columns are 0-based */
int64_t ss_int(struct sstmt *st, int col);
const char *ss_text(struct sstmt *st, int col);  /* valid until the next step/reset */
size_t ss_bytes(struct sstmt *st, int col);
const void *ss_blob(struct sstmt *st, int col);
int64_t store_changes(void);

#endif
