/*
 * session.h -- agent sessions (02-worker-protocol.md §4, §6.1, §6.3): the
 * one row type every route group shares, its wire renderings, and the
 * library operations that change it (dispatch, status report, stop).
 *
 * Every function that writes runs inside the caller's write transaction
 * (store_begin_write) and appends its session.* audit events there.
 * Strings in a struct session live in the caller's arena.
 */
#ifndef RENSEI_SESSION_H
#define RENSEI_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "arena.h"
#include "json.h"
#include "tenancy.h"    /* enum dom_rc, struct actor, struct dom_err */

struct principal;

enum session_status {
	SESSION_PENDING = 0,
	SESSION_CLAIMED,
	SESSION_RUNNING,
	SESSION_FINALIZING,
	SESSION_COMPLETED,
	SESSION_FAILED,
	SESSION_STOPPED
};
#define SESSION_STATUS__COUNT 7

/* "pending", …; NULL for an out-of-range value. */
const char *session_status_name(enum session_status s);
/* -1 when s is not one of the seven names. */
int         session_status_parse(const char *s);
/* completed, failed, stopped. */
int         session_status_terminal(enum session_status s);
/* claimed, running, finalizing. */
int         session_status_active(enum session_status s);

/* The work types of 02 §4, in that order, NULL-terminated. */
extern const char *const session_work_types[];
int  session_work_type_valid(const char *s);

#define SESSION_ID_MAX       128    /* tracker id: 1-128 [A-Za-z0-9._:-] */
#define SESSION_PUBLIC_ID_LEN 16    /* hex */
#define SESSION_HASH_LEN     32     /* hex */
#define SESSION_ERROR_MAX    4096   /* errorMessage bytes (§6.3) */
#define SESSION_TITLE_MAX    500    /* issueTitle characters (§6.1) */

/*
 * One row of `sessions`.  0 / NULL mean "unset" for the optional members
 * of AgentSessionState; money is integer micro-USD.
 */
struct session {
	const char *tracker_session_id;
	const char *org_id;
	const char *project_id;
	const char *project_name;       /* the project's slug (joined) */
	const char *public_id;
	const char *tracker_provider;   /* "linear" | "rensei" */
	const char *issue_id;
	const char *issue_identifier;
	const char *issue_title;
	const char *provider_session_id;
	const char *worktree_path;      /* "" until set */
	enum session_status status;
	int64_t     created_at, updated_at;
	const char *worker_id;
	int64_t     queued_at, claimed_at;
	int64_t     priority;
	const char *prompt;
	const char *prompt_context;
	const char *work_type;
	const char *agent_id;
	const char *provider;
	const char *model;
	const char *sub_agent_model;
	const char *source_session_id;
	const char *workflow_instance_id;
	const char *source;
	int64_t     total_cost_micro_usd;
	int64_t     input_tokens, output_tokens;
	const char *last_tool_name;
	int64_t     last_tool_called_at;
	int64_t     tool_call_count;
	const char *error_message;
	int64_t     completed_at;
	int64_t     stop_requested_at;
	int64_t     stop_intent_revision;
	const char *stop_mutation_id;
};

/* 01-auth.md §12: 1-128 characters of [A-Za-z0-9._:-]. */
int  session_id_valid(const char *id);
/* First 8 bytes of HMAC-SHA256(public-id salt, tracker id), hex.  0 / -1. */
int  session_public_id(char out[SESSION_PUBLIC_ID_LEN + 1], const char *tracker_id)
	__attribute__((warn_unused_result));
/* First 16 bytes of HMAC-SHA256(session-hash secret, "session:" || id). */
int  session_hash(char out[SESSION_HASH_LEN + 1], const char *tracker_id)
	__attribute__((warn_unused_result));

/* By tracker id (any org: the caller checks session_addressable).
 * DOM_NOT_FOUND (also for an ill-formed id), DOM_STORE. */
enum dom_rc session_get(struct arena *a, const char *tracker_id,
                        struct session *out)
	__attribute__((warn_unused_result));
/* By public id (03-public.md). */
enum dom_rc session_get_by_public_id(struct arena *a, const char *public_id,
                                     struct session *out)
	__attribute__((warn_unused_result));

/* GET /api/sessions (02 §5.2): the org's sessions (within project_ids
 * when not NULL), newest updatedAt first, ties by tracker id descending,
 * at most limit; fn is called for each (non-zero stops). */
enum dom_rc session_list(struct arena *a, const char *org_id,
                         const char *const *project_ids, int nprojects,
                         int64_t limit,
                         int (*fn)(const struct session *, void *),
                         void *arg)
	__attribute__((warn_unused_result));

/* 02 §3.2: S.orgId = p.orgId and (p.projectIds null or S.projectId in it). */
int  session_addressable(const struct principal *p, const struct session *s);
/* "owner-403" (02 §5.2): the session's workerId is set and differs. */
int  session_owned_by_other(const struct session *s, const char *worker_id);

/* AgentSessionState (02 §4), optional members omitted when unset;
 * with_hash 0 leaves sessionHash out (session-hash callers, 01 §12). */
void session_render_state(struct jw *w, const struct session *s, int with_hash);
/* AgentSessionResponse (list/get, ISO times). */
void session_render_response(struct jw *w, const struct session *s);
/* QueuedWork of s with the given priority and queuedAt (02 §4, §6.4). */
void session_render_item(struct jw *w, const struct session *s,
                         int64_t priority, int64_t queued_at);

/* The audit actor of a worker-protocol request (09-audit.md §4.2): a
 * runtime JWT, registration token, worker_registration key or the legacy
 * key act as `worker` worker_id (the worker the path or body names; the
 * JWT's sub when NULL); another API key as api_key, M2M as m2m, a cookie
 * as user.  Strings borrowed from p and worker_id. */
void session_actor(const struct principal *p, const char *worker_id,
                   struct actor *out);

/* Appends one session.* event (its audit sessionId = s's tracker id) and
 * releases payload.  0 or -1 (the caller rolls back). */
int  session_event(struct arena *a, const struct actor *who,
                   const struct session *s, const char *type,
                   struct json_object *payload)
	__attribute__((warn_unused_result));

/* ------------------------------------------------------ dispatch (§6.1) */

struct session_dispatch_in {
	const char *org_id;
	const char *project_id;            /* proj_ id */
	const char *tracker_id;            /* NULL: a new lowercase UUIDv4 */
	const char *tracker_provider;      /* NULL: "rensei" */
	const char *issue_id;              /* NULL: the tracker id */
	const char *issue_identifier;      /* NULL: first 8 chars of issueId */
	int         has_priority;
	double      priority;              /* floored, clamped 1-9; default 3 */
	const char *work_type;             /* NULL: "development" */
	const char *source;                /* console, webhook, a2a, mcp, cli */
	const char *issue_title;           /* ≤ 500 characters */
	const char *prompt;
	const char *prompt_context;
	const char *model;
	const char *sub_agent_model;
	const char *source_session_id;
	const char *workflow_instance_id;
	const char *agent_id;
};

enum session_placement {
	SESSION_QUEUED = 0,     /* queue row inserted */
	SESSION_PARKED,         /* another session holds the issue lock */
	SESSION_UNCHANGED       /* an existing non-terminal session, as it is */
};

/* 02 §6.1 in the caller's write transaction.  *created: 1 inserted, 0
 * otherwise (reopened: *placement queued/parked and *created 0).
 * DOM_CONFLICT with err "session_id_conflict" when the tracker id belongs
 * to another org; DOM_INVALID for a bad tracker id or title. */
enum dom_rc session_dispatch(struct arena *a, const struct actor *who,
                             const struct session_dispatch_in *in,
                             struct session *out,
                             enum session_placement *placement, int *created,
                             struct dom_err *err)
	__attribute__((warn_unused_result));

/* --------------------------------------------- status report (§6.3) */

struct session_report {
	const char *worker_id;               /* body workerId */
	enum session_status status;          /* running … stopped */
	const char *provider_session_id;     /* NULL: absent */
	const char *worktree_path;           /* NULL: absent */
	const char *error_message;           /* NULL: absent */
	int         has_cost;
	double      total_cost_usd;
	int         has_input_tokens, has_output_tokens;
	int64_t     input_tokens, output_tokens;   /* floored */
};

/* Applies a worker's status report to s (loaded in this transaction; s
 * is updated in place).  DOM_CONFLICT with the exact 409 message
 * ("Session is already X", "Invalid status transition from A to B").
 * A terminal repeat is DOM_OK with *changed 0. */
enum dom_rc session_report_status(struct arena *a, const struct actor *who,
                                  struct session *s,
                                  const struct session_report *r,
                                  int *changed, struct dom_err *err)
	__attribute__((warn_unused_result));

/* ----------------------------------------------------- stop (§6.3) */

struct session_stop_result {
	int         changed;          /* 0: the session was terminal */
	int         delivered;        /* a stop message was queued */
	enum session_status previous, now;
	const char *mutation_id;      /* latest recorded, NULL when none */
	int64_t     intent_revision;  /* latest recorded, 0 when none */
};

/* The stop operation: s loaded in this transaction and updated in place.
 * user_id/user_name (may be NULL) go on the stop message. */
enum dom_rc session_stop(struct arena *a, const struct actor *who,
                         struct session *s, const char *user_id,
                         const char *user_name,
                         struct session_stop_result *res)
	__attribute__((warn_unused_result));

/* Terminal effects (§6.3) for a session already set terminal in the row:
 * claim/queue/parked rows deleted, inbox archived, issue lock released
 * and the next parked item promoted (*promoted: its tracker id, or NULL).
 * Used by the status report, stop and cleanup. */
enum dom_rc session_terminal_effects(struct arena *a, const struct session *s,
                                     const char **promoted)
	__attribute__((warn_unused_result));

/* ------------------------- library-internal (session.c, queue.c) */

struct sstmt;
/* The select list session_from_row() reads, for "FROM sessions s LEFT
 * JOIN projects p ON p.id = s.project_id". */
#define SESSION_COLS \
    "s.tracker_session_id, s.org_id, s.project_id, p.slug, s.public_id," \
    " s.tracker_provider, s.issue_id, s.issue_identifier, s.issue_title," \
    " s.provider_session_id, s.worktree_path, s.status, s.created_at," \
    " s.updated_at, s.worker_id, s.queued_at, s.claimed_at, s.priority," \
    " s.prompt, s.prompt_context, s.work_type, s.agent_id, s.provider," \
    " s.model, s.sub_agent_model, s.source_session_id," \
    " s.workflow_instance_id, s.source, s.total_cost_micro_usd," \
    " s.input_tokens, s.output_tokens, s.last_tool_name," \
    " s.last_tool_called_at, s.tool_call_count, s.error_message," \
    " s.completed_at, s.stop_requested_at, s.stop_intent_revision," \
    " s.stop_mutation_id"
#define SESSION_NCOLS 39
/* Fills out from a row of SESSION_COLS starting at column 0. */
void        session_from_row(struct arena *a, struct sstmt *st,
                             struct session *out);
/* Writes the mutable columns of s (status, times, owner, queue fields,
 * provider/worktree, costs, error, stop counters). */
enum dom_rc session_save(const struct session *s) DOM_WUR;
/* Cleanup's forced stop past the deadline (§6.9): stopped, terminal
 * effects, session.status_changed reason stop_deadline. */
enum dom_rc session_force_stop(struct arena *a, const struct actor *who,
                               struct session *s) DOM_WUR;

#endif
