/*
 * extern.h -- rensei-admin-api handlers (04-console.md §6) and the helpers
 * they share.
 */
#ifndef ADMIN_API_EXTERN_H
#define ADMIN_API_EXTERN_H

#include "http.h"
#include "tenancy.h"

/* The audit actor of the caller (09-audit.md §4.2). */
struct actor admin_actor(const struct request *req);
/* The user a created record names as its creator: the cookie user, or a
 * key's creator; NULL for the CLI-minted and system keys. */
const char  *admin_creator(const struct request *req);
/* 1 when the caller is the system principal (system key or a
 * platform-admin cookie). */
int          admin_is_system(const struct request *req);
/* 01-auth.md §15, org-scoped admin rows: resolves the org the request
 * acts on.  named: the org the request names (body, query or path; NULL
 * when absent).  A system principal must name an existing org (400
 * "orgId is required" when need_named and absent); others act on their
 * own org, must be org admins (an org-wide "*" key whose creator is an
 * org admin; F3 otherwise) and may name only it (else 404 "Organization
 * not found").  1 with *org_id set, or 0 after answering. */
int          admin_org_scope(struct request *req, struct response *resp,
                             const char *named, int need_named,
                             const char **org_id);
/* Ids of every org, oldest first, in the arena (inside the caller's read
 * transaction). */
enum dom_rc  admin_all_orgs(struct arena *a, const char ***ids, size_t *n);
/* The store failure answer of the group. */
void         admin_store_fail(struct response *resp);

void orgs_create(struct request *, struct response *);
void orgs_list(struct request *, struct response *);
void m2m_clients_create(struct request *, struct response *);
void m2m_clients_list(struct request *, struct response *);
void m2m_clients_delete(struct request *, struct response *);
void scim_tokens_create(struct request *, struct response *);
void scim_tokens_list(struct request *, struct response *);
void scim_tokens_delete(struct request *, struct response *);
void fleet_workers_list(struct request *, struct response *);

#endif
