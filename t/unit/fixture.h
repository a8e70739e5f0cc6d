/*
 * fixture.h -- the store fixture of the domain unit tests: a temp data
 * dir with settings, secret files, the audit master key and a migrated
 * rensei.db, opened as the process connection.  Used from cmocka group
 * setup/teardown; failures fail the test.
 */
#ifndef RENSEI_T_FIXTURE_H
#define RENSEI_T_FIXTURE_H

/* name: the log group ("t-<name>") and temp dir (/tmp/rensei-<name>-*).
 * Variables the test needs beyond PUBLIC_BASE_URL and RENSEI_DATA_DIR
 * (set here) are set by the caller before. */
void        fixture_store_up(const char *name);
/* Closes the store, wipes secrets and settings, removes the temp dir. */
void        fixture_store_down(void);
const char *fixture_dir(void);

#endif
