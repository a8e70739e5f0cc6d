/*
 * workflow.h -- workflow definitions and project workflows
 * (04-console.md §5): the restricted YAML → JSON conversion (§5.1), the
 * workflow/v1 validation issues, the definition fingerprint, required
 * resources, the stored workflows with their immutable published
 * versions, and the OSS-compatible deployments of §5.3.
 *
 * The conversion and validation functions are pure.  The store functions
 * use the process connection; every writer runs inside the caller's
 * write transaction (store_begin_write) and appends its audit event
 * (09-audit.md §4) there.  Strings returned live in the caller's arena.
 */
#ifndef RENSEI_WORKFLOW_H
#define RENSEI_WORKFLOW_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "buf.h"
#include "json.h"
#include "tenancy.h"

struct json_object;

#define WF_SOURCE_MAX     (256 * 1024)   /* bytes of YAML or JSON text */
#define WF_DEPTH_MAX      32             /* containers */
#define WF_NAME_MAX       100
#define WF_REASON_MAX     500
#define WF_ERRMSG_MAX     256

/* ------------------------------------------------ YAML (04 §5.1) */

enum wf_yaml_rc {
	WF_YAML_OK = 0,
	WF_YAML_INVALID,       /* errmsg: "Invalid YAML at line l, column c: r" */
	WF_YAML_NOT_MAPPING    /* the document is not a mapping (or empty) */
};
/* Converts YAML text (exactly one document; no anchors, aliases or merge
 * keys; scalar unique keys; YAML 1.2 core schema for plain scalars; only
 * the !!str !!int !!float !!bool !!null !!map !!seq tags; at most
 * WF_DEPTH_MAX containers deep) into a new json-c value (*out, put it).
 * len must be at most WF_SOURCE_MAX (the caller answers larger texts). */
enum wf_yaml_rc wf_yaml_to_json(const char *src, size_t len,
                                struct json_object **out,
                                char errmsg[WF_ERRMSG_MAX]);

/* ------------------------------------------ definitions and issues */

/* Compact JSON of v with object members in byte order of their names
 * (the fingerprint form). */
void wf_sorted_json(struct buf *b, struct json_object *v);
/* Lowercase hex SHA-256 of wf_sorted_json(v). */
void wf_definition_sha256(char out[65], struct json_object *v);

struct wf_issue {
	int         error;        /* 1 error, 0 warning */
	const char *code;
	const char *path;         /* JSON Pointer ("" = root) */
	const char *message;
};
struct wf_issues {
	struct wf_issue *v;
	size_t           n, cap;
	size_t           nerrors;
};
/* Validates a workflow/v1 definition (def NULL: an empty draft, one
 * missing_field issue at "").  Issues are in document order of their
 * paths, ties in the order of the rules of §5.1. */
void wf_validate(struct arena *a, struct json_object *def,
                 struct wf_issues *out);
/* Writes the issues as a JSON array. */
void wf_issues_render(struct jw *w, const struct wf_issues *is);

/* Required resources (§5.2) of def as the "resources" array; *satisfied
 * is set (1 unless a resource is unavailable). */
void wf_resources_render(struct jw *w, struct json_object *def,
                         int *satisfied);

/* Validates an OSS WorkflowDefinition v1.1 (§5.3): writes the "details"
 * array (every violation in document order) into w when w is not NULL;
 * returns the number of violations. */
size_t wf_deploy_check(struct jw *w, struct json_object *def);

/* ---------------------------------------------- stored workflows */

struct workflow {
	const char *id, *org_id, *project_id, *name, *status;
	int64_t     live_version;                /* 0: null */
	const char *draft_definition;            /* JSON text; NULL: null */
	const char *draft_format;                /* "json"/"yaml"; NULL */
	const char *draft_source;                /* YAML text; NULL */
	const char *draft_sha256;                /* of the draft; NULL */
	int64_t     draft_updated_at;
	const char *draft_updated_by;
	const char *created_by;
	int64_t     created_at, updated_at;
	const char *live_definition;             /* the live version's */
	int64_t     live_published_at;
};

struct wf_version {
	const char *workflow_id;
	int64_t     version;
	const char *definition;                  /* JSON text */
	const char *sha256, *change_reason;      /* change_reason may be NULL */
	int64_t     published_at;
	const char *published_by;
	int         live;
};

/* A draft to store: def NULL stores an empty draft. */
struct wf_draft {
	struct json_object *def;
	const char         *format;              /* "json" or "yaml" */
	const char         *source;              /* YAML text, or NULL */
};

/* name must already be 1-100 characters.  DOM_CONFLICT when the name is
 * taken in the project (ASCII case-insensitive).  workflow.created. */
enum dom_rc workflow_create(struct arena *a, const struct actor *who,
                            const char *org_id, const char *project_id,
                            const char *name, const struct wf_draft *draft,
                            struct workflow *out, struct dom_err *err) DOM_WUR;
/* By wf_ id within org_id. */
enum dom_rc workflow_get(struct arena *a, const char *org_id, const char *id,
                         struct workflow *out) DOM_WUR;
/* Workflows of org_id ordered (createdAt, id) after the cursor pair
 * (after_id NULL: from the start); project_ids_json: a JSON array of the
 * project ids to include (NULL: every project); status NULL: any.
 * fn returning non-zero stops. */
enum dom_rc workflow_list(struct arena *a, const char *org_id,
                          const char *project_ids_json, const char *status,
                          int64_t after_created, const char *after_id,
                          int limit,
                          int (*fn)(const struct workflow *, void *),
                          void *arg) DOM_WUR;
/* Replaces the draft (name NULL keeps the name).  DOM_CONFLICT with
 * err->message "Workflow is archived" or the name conflict.
 * workflow.draft_updated. */
enum dom_rc workflow_put_draft(struct arena *a, const struct actor *who,
                               const char *org_id, const char *id,
                               const struct wf_draft *draft, const char *name,
                               struct workflow *out,
                               struct dom_err *err) DOM_WUR;
/* Publishes the draft as version N+1 after validating it.  DOM_CONFLICT
 * (archived, or the draft unchanged since the latest version),
 * DOM_INVALID with *issues filled (validation errors).  On DOM_OK *ver is
 * the new version and *issues holds the warnings.  workflow.published. */
enum dom_rc workflow_publish(struct arena *a, const struct actor *who,
                             const char *org_id, const char *id,
                             const char *change_reason,
                             struct wf_version *ver, struct wf_issues *issues,
                             struct dom_err *err) DOM_WUR;
/* Newest first, versions below before (0: from the newest). */
enum dom_rc workflow_versions(struct arena *a, const char *workflow_id,
                              int64_t before, int limit,
                              int (*fn)(const struct wf_version *, void *),
                              void *arg) DOM_WUR;
enum dom_rc workflow_version_get(struct arena *a, const char *workflow_id,
                                 int64_t version,
                                 struct wf_version *out) DOM_WUR;
/* status archived; repeating it changes nothing and appends nothing.
 * workflow.archived. */
enum dom_rc workflow_archive(struct arena *a, const struct actor *who,
                             const char *org_id, const char *id,
                             struct workflow *out) DOM_WUR;
/* The Workflow object of §5.2 (full: with draft and live). */
void workflow_render(struct jw *w, const struct workflow *wf, int full);
void wf_version_render(struct jw *w, const struct wf_version *v,
                       int with_definition);

/* ---------------------------------------- deployments (04 §5.3) */

struct wf_deployment {
	const char *name;
	int64_t     version, created_at, updated_at;
};
/* Stores def under (org_id, metadata.name), version 1 or +1.
 * workflow.deployed. */
enum dom_rc workflow_deploy(struct arena *a, const struct actor *who,
                            const char *org_id, const char *name,
                            struct json_object *def,
                            struct wf_deployment *out) DOM_WUR;

#endif
