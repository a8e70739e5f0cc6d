/*
 * extern.h -- the handlers of rensei-console (04-console.md §2-§4) and
 * the helpers they share (util.c), grouped by the file that implements
 * them.  main.c holds the route table; workflows.h the /api/workflows
 * routes (§5).
 */
#ifndef RENSEI_CONSOLE_EXTERN_H
#define RENSEI_CONSOLE_EXTERN_H

#include "auth.h"
#include "http.h"
#include "json.h"
#include "page.h"
#include "tenancy.h"

/* login.c: /api/auth (§2) */
void auth_login(struct request *, struct response *);
void auth_logout(struct request *, struct response *);
void auth_me(struct request *, struct response *);
void auth_switch_org(struct request *, struct response *);
/* Supervisor hook: the dummy hash of unknown-email logins. */
void console_before_fork(void);

/* org.c: GET /api/org, /api/cli/whoami, members, invites (§3.1, §3.2) */
void org_show(struct request *, struct response *);
void cli_whoami(struct request *, struct response *);
void members_list(struct request *, struct response *);
void members_update(struct request *, struct response *);
void members_remove(struct request *, struct response *);
void invites_create(struct request *, struct response *);
void invites_list(struct request *, struct response *);
void invites_delete(struct request *, struct response *);
void invites_accept(struct request *, struct response *);

/* keys.c: /api/org/{orgId}/keys, POST /api/org/api-keys (§3.3) */
void keys_mint(struct request *, struct response *);
void keys_mint_deprecated(struct request *, struct response *);
void keys_list(struct request *, struct response *);
void keys_revoke(struct request *, struct response *);

/* creds.c: org, project and environment credentials (§3.4, §4.4) */
void ocreds_list(struct request *, struct response *);
void ocreds_put(struct request *, struct response *);
void ocreds_delete(struct request *, struct response *);
void pcreds_list(struct request *, struct response *);
void pcreds_put(struct request *, struct response *);
void pcreds_delete(struct request *, struct response *);
void ecreds_put(struct request *, struct response *);
void ecreds_delete(struct request *, struct response *);

/* projects.c: /api/projects (§4, §4.1-§4.3) */
void projects_list(struct request *, struct response *);
void projects_create(struct request *, struct response *);
void projects_get(struct request *, struct response *);
void projects_update(struct request *, struct response *);
void projects_delete(struct request *, struct response *);
void pmembers_list(struct request *, struct response *);
void pmembers_add(struct request *, struct response *);
void pmembers_update(struct request *, struct response *);
void pmembers_remove(struct request *, struct response *);
void repos_list(struct request *, struct response *);
void repos_add(struct request *, struct response *);
void repos_update(struct request *, struct response *);
void repos_remove(struct request *, struct response *);
void rtokens_mint(struct request *, struct response *);
void rtokens_list(struct request *, struct response *);
void rtokens_revoke(struct request *, struct response *);
void ortokens_mint(struct request *, struct response *);
void ortokens_list(struct request *, struct response *);
void ortokens_revoke(struct request *, struct response *);
void projects_dispatch(struct request *, struct response *);

/* ------------------------------------------------------------ util.c */

/* The actor of audit events for the caller. */
void        con_actor(const struct request *req, struct actor *out);
/* The acting user: the cookie's user, a K caller's creator (NULL for a
 * CLI-minted key), NULL otherwise. */
const char *con_user(const struct principal *p);
/* Role null (M2M, registration keys): scope checks only. */
int         con_roleless(const struct principal *p);
/* 1 for owner or admin. */
int         con_org_admin(const struct principal *p);
/* {orgId} of the path equals the active org; 0 after answering 404. */
int         con_org_path(struct request *req, struct response *resp);
/* Resolves {projectId} for the caller: 404 when unknown or not visible;
 * F3 when the effective role is below need (ROLE_NONE: no role check;
 * role-null callers: F3 whenever need is set).  0 after answering. */
int         con_project(struct request *req, struct response *resp,
                        enum role need, struct project *out, enum role *eff);
/* Commits; 0 after answering 503. */
int         con_commit(struct response *resp, const char *msg);
/* Opens a write transaction; 0 after answering 503. */
int         con_begin(struct response *resp, const char *msg);
/* The JSON body as an object; NULL after answering 400/413. */
struct json_object *con_body(struct request *req, struct response *resp);
/* A list walk: the page being filled and the writer of its items. */
struct con_walk {
	struct page pg;
	struct jw   w;
};
/* Starts the {items: [ of a list response into resp->body. */
void        con_list_open(struct response *resp, struct jw *w);
/* A query parameter includeRevoked: 0/1, or -1 after answering 400. */
int         con_include_revoked(struct request *req, struct response *resp);

#endif
