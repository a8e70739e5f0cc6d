/*
 * workflows.h -- the /api/workflows routes of rensei-console
 * (04-console.md §5): project workflows (definitions, drafts, immutable
 * published versions, required resources) and the OSS-compatible
 * POST /api/workflows/deploy (§5.3).  main.c dispatches every
 * /api/workflows and /api/workflows/... path to this table.
 */
#ifndef RENSEI_CONSOLE_WORKFLOWS_H
#define RENSEI_CONSOLE_WORKFLOWS_H

#include <stddef.h>

#include "http.h"
#include "route.h"

extern const struct route workflow_routes[];
extern const size_t       workflow_nroutes;

void workflows_list(struct request *, struct response *);
void workflows_create(struct request *, struct response *);
void workflows_get(struct request *, struct response *);
void workflows_put_draft(struct request *, struct response *);
void workflows_validate(struct request *, struct response *);
void workflows_publish(struct request *, struct response *);
void workflows_versions(struct request *, struct response *);
void workflows_version_get(struct request *, struct response *);
void workflows_archive(struct request *, struct response *);
void workflows_required_resources(struct request *, struct response *);
void workflows_deploy(struct request *, struct response *);

#endif
