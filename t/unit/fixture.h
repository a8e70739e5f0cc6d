/*
 * fixture.h -- the store fixture of the domain unit tests: a temp data
 * dir with settings, secret files, the audit master key and a migrated
 * rensei.db, opened as the process connection.  Used from cmocka group
 * setup/teardown; failures fail the test.
 */
#ifndef RENSEI_T_FIXTURE_H
#define RENSEI_T_FIXTURE_H

#include <stdint.h>

/* name: the log group ("t-<name>") and temp dir (/tmp/rensei-<name>-*).
 * Variables the test needs beyond PUBLIC_BASE_URL and RENSEI_DATA_DIR
 * (set here) are set by the caller before. */
void        fixture_store_up(const char *name);
/* Closes the store, wipes secrets and settings, removes the temp dir. */
void        fixture_store_down(void);
const char *fixture_dir(void);

/* Query helpers on the fixture's store (assert on failure).  fx_count
 * and fx_text bind arg (NULL: none) to ?1; fx_text's copy lives until
 * fixture_store_down. */
void        fx_sql(const char *text);
int64_t     fx_count(const char *q, const char *arg);
const char *fx_text(const char *q, const char *arg);
/* Audit events of one type, all orgs. */
int64_t     fx_events(const char *type);

#endif
