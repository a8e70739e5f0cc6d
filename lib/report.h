/*
 * report.h -- what a worker reports about its session without a tracker
 * (02-worker-protocol.md §6.8): the activity ring, progress, completion,
 * external URLs, tool errors and security scans.  Nothing is posted to an
 * external tracker; the public API (03-public.md), MCP (08-mcp.md) and A2A
 * (07-a2a.md) read what is stored here.
 *
 * Writers run inside the caller's write transaction, on a session the
 * caller loaded in it (session_get) and checked (tenancy, owner), and
 * append their audit event there where 09-audit.md §4 wants one: activity
 * and progress are telemetry and append none.  Strings returned live in
 * the caller's arena.
 */
#ifndef RENSEI_REPORT_H
#define RENSEI_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "arena.h"
#include "session.h"
#include "tenancy.h"

#define REPORT_ACTIVITY_TYPE_MAX  32      /* activity.type bytes (§6.8) */
#define REPORT_EXTERNAL_URLS_MAX  50      /* externalUrls entries (§2) */
#define REPORT_URL_MAX            2048    /* externalUrls[].url bytes */

/* One activity to append.  NULL / has_* 0 = not given.  Strings hold no
 * NUL (the JSON parser refuses U+0000) and were cut to their limits by
 * the caller's validation. */
struct activity_in {
	const char *type;                /* required, 1-32 bytes */
	const char *content;             /* required */
	const char *tool_name;
	struct json_object *tool_input;  /* an object, stored as given */
	const char *client_timestamp;    /* the client's `timestamp` */
	const char *context_key;
	const char *context_value;
	const char *tool_category;
	const char *tool_output;
	const char *tool_use_id;
	int         has_is_error;
	int         is_error;
	int         has_duration;
	double      duration_ms;
	const char *provider_name;       /* non-empty: sets the session's provider */
	const char *milestone;           /* progress entries */
};

/*
 * Appends one entry to the session's activity ring: id = the session's
 * next activitySeq ("1", "2", …, never reused), `timestamp` = now (server
 * ms), the client's timestamp kept as `clientTimestamp`; entries beyond
 * RENSEI_ACTIVITY_RING are deleted oldest first.  An `action` entry with
 * a toolName also sets lastToolName, lastToolCalledAt = now and
 * toolCallCount + 1; a non-empty providerName sets the session's provider
 * (both also set updatedAt = now).  Works on a session of any status (a
 * webhook's context entry lands on a terminal one too).  No audit event.
 * *seq (may be NULL): the id given.  DOM_NOT_FOUND when the session row
 * is gone, DOM_INVALID for a missing type/content, DOM_STORE.
 */
enum dom_rc report_activity_append(struct arena *a, const char *session_id,
                                   const struct activity_in *act, int64_t now,
                                   int64_t *seq) DOM_WUR;

/* progress (§6.8): a ring entry {type:"progress", content: message,
 * milestone} and the session's `progress` column {message, milestone,
 * at}.  milestone may be NULL.  No audit event. */
enum dom_rc report_progress(struct arena *a, const char *session_id,
                            const char *message, const char *milestone,
                            int64_t now, int64_t *seq) DOM_WUR;

struct plan_item {
	const char *title;               /* entries without one are dropped */
	const char *state;               /* pending, inProgress, completed,
	                                    canceled; anything else: pending */
};

/* completion (§6.8): the session's completion {summary, planItems,
 * postedAt} replaced, a `response` ring entry holding the summary, and
 * session.completion_posted {summaryBytes, planItemCount} (the items
 * kept). */
enum dom_rc report_completion(struct arena *a, const struct actor *who,
                              const struct session *s, const char *summary,
                              const struct plan_item *items, size_t nitems,
                              int64_t now) DOM_WUR;

struct external_url {
	const char *label;
	const char *url;                 /* http:// or https:// */
};

/* external-urls (§6.8): replaces the session's externalUrls list and
 * appends session.external_urls_updated {urlCount}. */
enum dom_rc report_external_urls(struct arena *a, const struct actor *who,
                                 const struct session *s,
                                 const struct external_url *urls, size_t n,
                                 int64_t now) DOM_WUR;

struct tool_error_in {
	const char *worker_id;
	const char *tool_name;
	const char *error_message;
	const char *issue_identifier;    /* context.issueIdentifier, or NULL */
	const char *additional_context;  /* context.additionalContext, or NULL */
};

/* tool-error (§6.8): a tool_errors row, id "terr_" + ULID, identifier
 * "ERR-<n>" from the org's counter (1, 2, …); session.tool_error_reported
 * {toolErrorId, identifier, toolName}.  *id and *identifier: the arena's. */
enum dom_rc report_tool_error(struct arena *a, const struct actor *who,
                              const struct session *s,
                              const struct tool_error_in *in, int64_t now,
                              const char **id, const char **identifier) DOM_WUR;

/* The security-scan `event` checks of §6.8, first failure wins: NULL when
 * event is acceptable, else the exact <detail> of "Invalid event:
 * <detail>" (static, or in the arena). */
const char *report_security_scan_check(struct arena *a,
                                       struct json_object *event);
/* security-scan (§6.8): stores the event as received (checked first with
 * report_security_scan_check; DOM_INVALID with err "Invalid event: …"
 * otherwise) and appends session.security_scan_stored {scanner,
 * totalFindings}. */
enum dom_rc report_security_scan(struct arena *a, const struct actor *who,
                                 const struct session *s,
                                 struct json_object *event, int64_t now,
                                 struct dom_err *err) DOM_WUR;

/* ------------------------------------------------------------ readers */

/* One stored activity (03-public.md §3.6). */
struct activity {
	int64_t     seq;                 /* the id, rendered as a decimal string */
	int64_t     created_at;          /* server receive time, ms */
	const char *type;
	const char *content;
	const char *tool_name;           /* NULL when absent, likewise below */
	const char *context_key;
	const char *context_value;
	const char *milestone;
	const char *provider_name;
	const char *json;                /* the whole stored entry */
};

/* The retained activities of a session with id > after, ascending, at
 * most limit (0: no limit); fn returning non-zero stops. */
enum dom_rc report_activity_list(struct arena *a, const char *session_id,
                                 int64_t after, int64_t limit,
                                 int (*fn)(const struct activity *, void *),
                                 void *arg) DOM_WUR;
/* Retained activities with id > after (*count), and the newest one's id
 * and server time (0 when none): session_info's activityCount and
 * lastActivityAt, reconnect's missedEvents.  Pointers may be NULL. */
enum dom_rc report_activity_count(const char *session_id, int64_t after,
                                  int64_t *count, int64_t *last_seq,
                                  int64_t *last_at) DOM_WUR;
/* The stored completion summary (A2A's artifact); *summary NULL when
 * none was posted. */
enum dom_rc report_completion_summary(struct arena *a, const char *session_id,
                                      const char **summary) DOM_WUR;

#endif
