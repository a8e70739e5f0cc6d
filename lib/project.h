/*
 * project.h -- project settings, deletion and repositories
 * (04-console.md §4, §4.1): the writers the console routes need beyond
 * tenancy.h's create/get/list.  Writers run inside the caller's write
 * transaction and append their audit event there.
 */
#ifndef RENSEI_PROJECT_H
#define RENSEI_PROJECT_H

#include <stdint.h>

#include "json.h"
#include "tenancy.h"

/* 1 when s is local, e2b or vercel. */
int  project_sandbox_valid(const char *s);

/* What a PATCH (or a create) changes; NULL / 0 = unchanged. */
struct project_patch {
	const char *name;
	const char *slug;
	const char *sandbox_provider;
	int         set_team;          /* team_id applies (NULL clears) */
	const char *team_id;
	int         make_default;
};

/* Applies patch to the live project project_id of org_id (a proj_ id).
 * Validates name (1-100), slug (slug_valid, 409 when taken), sandbox
 * and team ("Unknown teamId").  audit: project.updated with `changed`
 * (the members whose value changed) unless quiet or nothing changed.
 * *out is the project after the change. */
enum dom_rc project_update(struct arena *a, const struct actor *who,
                           const char *org_id, const char *project_id,
                           const struct project_patch *patch, int quiet,
                           struct project *out, struct dom_err *err) DOM_WUR;

/* 04 §4 soft delete: 409 "Cannot delete the default project" / "Project
 * has active sessions"; else deleted_at, registration tokens revoked,
 * project- and environment-level credentials deleted, the id removed
 * from keys' projectIds (a key left with none revoked); one
 * project.deleted listing the side effects. */
enum dom_rc project_delete(struct arena *a, const struct actor *who,
                           const char *org_id, const char *project_id,
                           struct dom_err *err) DOM_WUR;

/* --------------------------------------------------------- repositories */

struct repo {
	const char *id, *project_id, *url, *provider, *clone_strategy,
	    *default_branch;
	int64_t created_at, updated_at;
};

/* 1 when s is full, shallow or blobless. */
int  repo_clone_strategy_valid(const char *s);
/* Checks url (04 §4.1) and derives provider and the duplicate key
 * (host lower-cased + path without trailing '/' or ".git").  0, or -1
 * with *msg the 400 message. */
int  repo_url_parse(struct arena *a, const char *url, const char **provider,
                    const char **key, const char **msg);
enum dom_rc repo_add(struct arena *a, const struct actor *who,
                     const char *org_id, const char *project_id,
                     const char *url, const char *clone_strategy,
                     const char *default_branch, struct repo *out,
                     struct dom_err *err) DOM_WUR;
/* clone_strategy / default_branch NULL: unchanged. */
enum dom_rc repo_update(struct arena *a, const struct actor *who,
                        const char *org_id, const char *project_id,
                        const char *repo_id, const char *clone_strategy,
                        const char *default_branch, struct repo *out,
                        struct dom_err *err) DOM_WUR;
enum dom_rc repo_remove(struct arena *a, const struct actor *who,
                        const char *org_id, const char *project_id,
                        const char *repo_id, struct dom_err *err) DOM_WUR;
/* Oldest first. */
enum dom_rc repo_list(struct arena *a, const char *org_id,
                      const char *project_id,
                      int (*fn)(const struct repo *, void *), void *arg) DOM_WUR;
void        repo_render(struct jw *w, const struct repo *r);

#endif
