/*
 * public.h -- the domain logic of the public stats and sessions API
 * (03-public.md): the public status and health of a session, cursors,
 * "4 dp" rounding, caller visibility, the org aggregates (stats, machines,
 * routing and phase metrics), the list page and the prompt operation.
 * The responder (cgi/public) only parses, authorizes and renders.
 *
 * Reads run in the caller's read transaction (store_begin_read) or none;
 * public_prompt runs inside the caller's write transaction.
 */
#ifndef RENSEI_PUBLIC_H
#define RENSEI_PUBLIC_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "auth.h"
#include "json.h"
#include "session.h"
#include "tenancy.h"

/* ------------------------------------------------- formatting (§1, §1.1) */

/* C round(x * 10000) / 10000, half away from zero. */
double public_round4(double x);
/* Writes x rounded to 4 dp (shortest form: 0.42, 1, 12.3457). */
void   public_jw_4dp(struct jw *w, double x);
void   public_jw_k4dp(struct jw *w, const char *key, double x);
/* Micro-USD as USD, 4 dp. */
void   public_jw_kusd(struct jw *w, const char *key, int64_t micro);

/* A decimal non-negative integer of at most 18 digits: 0 and *out, or -1. */
int    public_parse_uint(const char *s, size_t len, int64_t *out);
/* 03 §3.11 from/to: YYYY-MM-DD, or date-time with 1-9 fraction digits and
 * Z or ±HH:MM, truncated to ms.  0 or -1. */
int    public_parse_time(const char *s, size_t len, int64_t *ms);
/* 00:00:00.000 UTC of the day of now. */
int64_t public_today_start(int64_t now);

/* ------------------------------------------------ status, health (§2) */

enum public_status {
	PS_QUEUED = 0, PS_PARKED, PS_WORKING, PS_COMPLETED, PS_FAILED,
	PS_STOPPED
};
const char *public_status_name(enum public_status s);
/* The pure mapping of §2.2 (has_queue_item: a work_queue row exists). */
enum public_status public_status_map(enum session_status s,
                                     int has_queue_item);
/* The mapping for a stored session (one queue probe when pending).
 * DOM_OK or DOM_STORE. */
enum dom_rc public_status_of(const struct session *s,
                             enum public_status *out) DOM_WUR;

#define HEALTH_LONG_RUNNING   0x1
#define HEALTH_STALE_HEARTBEAT 0x2
#define HEALTH_TOOL_LOOP      0x4
#define HEALTH_CLAIM_STUCK    0x8

/* The inputs of §2.3 for one working session. */
struct health_in {
	enum session_status status;
	int64_t now, claimed_at;
	int     worker_present;         /* the owning worker row is alive */
	int64_t last_heartbeat;
	int     tool_loop;              /* 8 identical action activities */
};
/* Signal bits of §2.3. */
unsigned public_health_signals(const struct health_in *in,
                               int64_t heartbeat_timeout);
/* {level, signals} for the bits (green/[] for 0). */
void     public_health_render(struct jw *w, unsigned signals);
/* 1 when the 8 entries (newest first) are all `action` with the same
 * toolName and byte-identical content. */
int      public_tool_loop(const char *const types[8],
                          const char *const tools[8],
                          const char *const contents[8], int n);
/* Loads the inputs and computes the signals of a stored session (0 for
 * any non-working one).  DOM_OK or DOM_STORE. */
enum dom_rc public_health_of(struct arena *a, const struct session *s,
                             enum public_status ps, int64_t now,
                             unsigned *signals) DOM_WUR;

/* ---------------------------------------------------- visibility (§1) */

/* Visibility of s to p (03 §1 Roles / Visible projects): 1 visible with
 * the role need (ROLE_VIEWER reads, ROLE_MEMBER writes), 0 not visible
 * (404), -1 visible but the role is short (F3).  M2M, worker-registration
 * keys and other scope-only principals: by org and key projects alone. */
int  public_session_access(const struct principal *p, const struct session *s,
                           enum role need);
/* Visible project ids of p in its org: *ids NULL with *n -1 when every
 * project of the org is visible.  DOM_OK or DOM_STORE. */
enum dom_rc public_visible_projects(struct arena *a, const struct principal *p,
                                    const char ***ids, int *n) DOM_WUR;

/* ------------------------------------------------------- stats (§3.1) */

struct public_stats {
	int64_t workers_online, agents_working, queue_depth, completed_today;
	int64_t available_capacity, session_count_today;
	int64_t cost_today_micro, cost_all_time_micro;
	int64_t now;
};
enum dom_rc public_stats(const char *org_id, int64_t now,
                         struct public_stats *out) DOM_WUR;
/* The nine members (zeros for a zeroed struct with now set), without the
 * surrounding braces. */
void public_stats_render(struct jw *w, const struct public_stats *st);

/* providers[] of stats/v2 (§3.2): rendered as the array value. */
enum dom_rc public_providers_render(struct arena *a, const char *org_id,
                                    int64_t now, struct jw *w) DOM_WUR;
/* Machine objects (§3.3) of the org's alive workers, sorted by id, as an
 * array value. */
enum dom_rc public_machines_render(struct arena *a, const char *org_id,
                                   int64_t now, struct jw *w) DOM_WUR;

/* -------------------------------------------------- the list (§3.4) */

struct public_list_q {
	const char  *org_id;
	const char **project_ids;      /* NULL: every project of the org */
	int          nprojects;
	int64_t      limit;
	int          has_cursor;
	int64_t      cursor_created;
	const char  *cursor_id;
};
/* Calls fn for each session of the page in order, then sets *more when
 * another page exists.  DOM_OK or DOM_STORE. */
enum dom_rc public_session_page(struct arena *a, const struct public_list_q *q,
                                int (*fn)(const struct session *, void *),
                                void *arg, int *more) DOM_WUR;

/* Session object of §2.4 (members only; the caller opens the object);
 * with_hash 0 for session-hash callers. */
enum dom_rc public_session_render(struct arena *a, struct jw *w,
                                  const struct session *s, int64_t now,
                                  int with_hash,
                                  enum public_status *ps_out) DOM_WUR;

/* ---------------------------------------------- metrics (§3.11, §3.12) */

struct routing_q {
	const char *org_id;
	int64_t     from, to, limit;
	int         has_cursor;
	int64_t     cursor_at;
	const char *cursor_id;
};
/* The whole 200 body of routing-metrics except timestamp, members only. */
enum dom_rc public_routing_render(struct arena *a, const struct routing_q *q,
                                  double exploration_rate,
                                  struct jw *w) DOM_WUR;
void public_routing_zero(struct jw *w, double exploration_rate);
/* phase-metrics body members after timeRange and before timestamp. */
enum dom_rc public_phase_render(struct arena *a, const char *org_id,
                                int64_t since, struct jw *w) DOM_WUR;
void public_phase_zero(struct jw *w);

/* ------------------------------------------------------ prompt (§3.8) */

struct public_prompt_res {
	enum public_status status;          /* after the call */
	const char *prompt_id;              /* "prm_<message id>" */
	const char *tier, *disposition;
	int         requeued;
};
/* The prompt operation in the caller's write transaction: the inbox
 * message, the priority boost or the re-queue of a terminal session, and
 * session.prompted (+ session.status_changed).  s loaded in this
 * transaction. */
enum dom_rc public_prompt(struct arena *a, const struct actor *who,
                          struct session *s, const char *text,
                          const char *user_id, const char *user_name,
                          struct public_prompt_res *res) DOM_WUR;
/* Idempotency record: DOM_OK with *response (arena) and *same (prompt
 * bytes equal) when the key was used on the session within 24 h;
 * DOM_NOT_FOUND when not. */
enum dom_rc public_prompt_replay(struct arena *a, const char *session_id,
                                 const char *key, const char *sha_hex,
                                 const char **response, int *same) DOM_WUR;
enum dom_rc public_prompt_remember(const char *session_id, const char *key,
                                   const char *sha_hex,
                                   const char *response) DOM_WUR;

#endif
