/*
 * queue.h -- the work queue, issue locks, parked work, claims, nacks, the
 * session inbox and cleanup (02-worker-protocol.md §6.4-§6.7, §6.9).
 *
 * Every function that writes runs inside the caller's write transaction
 * (store_begin_write); poll and claim are one such transaction each in the
 * handler.  Strings returned live in the caller's arena.
 */
#ifndef RENSEI_QUEUE_H
#define RENSEI_QUEUE_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "json.h"
#include "session.h"
#include "tenancy.h"

/* ----------------------------------------------- enqueue and locks (§6.6) */

/* Takes the issue lock for s (absent, expired or already its own) and
 * inserts (or replaces) its queue row with (priority, queued_at) and the
 * QueuedWork item built from s, or parks it.  Sets and saves the
 * session's own priority/queuedAt with it (02 §6.4: row, item and session
 * change together), so it is also how a queued session's priority is
 * changed (the prompt boost of 03-public.md).  *parked: 1 when parked. */
enum dom_rc queue_place(struct arena *a, struct session *s, int64_t priority,
                        int64_t queued_at, int *parked)
	__attribute__((warn_unused_result));
/* Releases s's issue lock (if held by s) and, when the issue has no
 * unexpired lock, promotes the next parked item; *promoted = its id. */
enum dom_rc queue_release_lock(struct arena *a, const struct session *s,
                               const char **promoted)
	__attribute__((warn_unused_result));
/* Removes the claim, queue and parked rows of a session. */
enum dom_rc queue_forget(const char *session_id)
	__attribute__((warn_unused_result));
/* Inserts (or replaces) the claim row of a session: expiresAt = now +
 * WORK_CLAIM_TTL. */
enum dom_rc queue_claim_row(const char *session_id, const char *worker_id,
                            int64_t now)
	__attribute__((warn_unused_result));

/* ------------------------------------------------------------ poll (§6.4) */

/* The worker itself is read with worker_get() (worker.h). */

/* What a poll claimed, in claim order (for members appended after
 * claimedSessionIds, such as gitCredentials, 02 §5.1). */
struct queue_poll_result {
	int          nclaimed;
	const char **session_ids;
	const char **project_ids;    /* each claimed item's project */
};

/* Poll steps 1-4 inside the caller's write transaction.  Writes the poll
 * response object (02 §5.1, X6/X7) into w up to and including
 * claimedSessionIds and leaves it OPEN: the caller may append the
 * hosted-docs members and then closes it (jw_obj_close) and commits.
 * DOM_NOT_FOUND: worker missing, gone or not addressable by p (p NULL:
 * no tenancy check) -- roll back, 404. */
enum dom_rc queue_poll(struct arena *a, const struct actor *who,
                       const struct principal *p, const char *worker_id,
                       struct jw *w, struct queue_poll_result *res)
	__attribute__((warn_unused_result));

/* ------------------------------------------------------------ claim (§6.4) */

struct queue_claim_result {
	int         claimed;
	const char *reason;          /* when not claimed */
	struct session session;      /* when claimed */
	const char *item;            /* QueuedWork JSON text, when claimed */
};

/* Claim steps 1-7 for session_id by worker_id (a principal's tenant:
 * org_id and project_ids).  Answers are in res; DOM_STORE on failure.
 * A claim:false answer may still have changed the queue (step 3-5): the
 * caller commits either way. */
enum dom_rc queue_claim(struct arena *a, const struct actor *who,
                        const struct principal *p, const char *session_id,
                        const char *worker_id, struct queue_claim_result *res)
	__attribute__((warn_unused_result));

/* ------------------------------------------------------------- nack (§6.5) */

/* s is loaded in this transaction and owned by worker_id or pending.
 * DOM_CONFLICT "Session is already <status>" for running, finalizing and
 * terminal; *changed 0 when already pending. */
enum dom_rc queue_nack(struct arena *a, const struct actor *who,
                       struct session *s, const char *worker_id,
                       const char *reason, int *changed, struct dom_err *err)
	__attribute__((warn_unused_result));

/* ------------------------------------------------- lock-refresh (§6.6) */

enum dom_rc queue_lock_refresh(const struct session *s, const char *issue_id,
                               int *refreshed)
	__attribute__((warn_unused_result));

/* ----------------------------------------------- transfer (§5.2) */

/* Moves s (loaded in this transaction) to new_worker: workerId, claim row,
 * updatedAt; its delivered-but-unacked messages become undelivered.
 * Appends session.ownership_transferred {from, to}. */
enum dom_rc queue_transfer(struct arena *a, const struct actor *who,
                           struct session *s, const char *new_worker_id)
	__attribute__((warn_unused_result));

/* ------------------------------------------------------------ inbox (§6.7) */

#define INBOX_LANE_URGENT "urgent"
#define INBOX_LANE_NORMAL "normal"
#define INBOX_PAYLOAD_MAX 65536     /* bytes */

/* Publishes one message to a session's inbox, delivered by the next poll
 * of the worker holding it (§6.7).  Publishers: the prompt operation
 * (03-public.md: "directive" on "normal", with the user's id and name) and
 * session_stop() ("stop" on "urgent").  DOM_INVALID for a type other than
 * stop|directive|hook-result|nudge, a lane other than urgent|normal or a
 * payload over 64 KiB (cut free text before).  out_id (may be NULL)
 * receives the message id "<createdAt>-<seq>" in the arena. */
enum dom_rc inbox_publish(struct arena *a, const char *session_id,
                          const char *type, const char *lane,
                          const char *payload, const char *user_id,
                          const char *user_name, const char **out_id)
	__attribute__((warn_unused_result));
/* Acks the unacked message with that id, session and lane (any other
 * input changes nothing, still DOM_OK). */
enum dom_rc inbox_ack(const char *session_id, const char *message_id,
                      const char *lane)
	__attribute__((warn_unused_result));
/* Delivered-but-unacked messages of the session become undelivered. */
enum dom_rc inbox_redeliver(const char *session_id)
	__attribute__((warn_unused_result));
/* Terminal status: every message of the session is archived. */
enum dom_rc inbox_archive(const char *session_id, int64_t now)
	__attribute__((warn_unused_result));

/* ---------------------------------------------------------- cleanup (§6.9) */

struct cleanup_result {
	int64_t requeued;   /* orphans and zombies re-queued */
	int64_t purged;     /* rows purged */
	int64_t stopped;    /* forced stops past the deadline */
};

/* Claims the run in `maintenance` (inserting the row when missing):
 * 1 when this process won and should run cleanup, 0 when another run is
 * too recent, -1 on a store error.  Its own transaction. */
int  cleanup_due(void) __attribute__((warn_unused_result));
/* Stamps the run unconditionally (rensei-admin cleanup, which runs on
 * demand): 1, or -1 on a store error. */
int  cleanup_stamp(void) __attribute__((warn_unused_result));
/* Runs the whole cleanup in batches of ≤ 100 rows, each batch its own
 * write transaction (must be called outside a transaction).  0 or -1. */
int  cleanup_run(struct arena *a, struct cleanup_result *res)
	__attribute__((warn_unused_result));

#endif
