/*
 * public.c -- domain logic of the public stats and sessions API
 * (03-public.md): status mapping, health, cursors, 4 dp rounding,
 * visibility, aggregates, the list page and the prompt operation.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "auth.h"
#include "clock.h"
#include "crypto.h"
#include "extern.h"
#include "log.h"
#include "page.h"
#include "public.h"
#include "queue.h"
#include "settings.h"
#include "store.h"
#include "valid.h"
#include "worker.h"

/* ----------------------------------------------------------------- SQL */

static const char sql_has_queue[] =
    "SELECT 1 FROM work_queue WHERE session_id = ?1";
static const char sql_last8[] =
    "SELECT activity FROM session_activities WHERE session_id = ?1"
    " ORDER BY seq DESC LIMIT 8";
static const char sql_workers_online[] =
    "SELECT count(*), coalesce(sum(max(0, w.capacity - (SELECT count(*)"
    " FROM sessions s WHERE s.worker_id = w.id AND s.status IN"
    " ('claimed', 'running', 'finalizing')))), 0)"
    " FROM workers w WHERE w.org_id = ?1 AND w.status = 'active'"
    " AND w.last_heartbeat >= ?2";
static const char sql_agents_working[] =
    "SELECT count(*) FROM sessions WHERE org_id = ?1"
    " AND status IN ('claimed', 'running', 'finalizing')";
static const char sql_queue_depth[] =
    "SELECT coalesce(sum(n), 0) FROM work_queue_counts WHERE org_id = ?1";
static const char sql_today[] =
    "SELECT count(*), coalesce(sum(status = 'completed'), 0),"
    " coalesce(sum(total_cost_micro_usd), 0) FROM sessions"
    " INDEXED BY sessions_org_updated_cover"
    " WHERE org_id = ?1 AND updated_at >= ?2";
static const char sql_all_time[] =
    "SELECT cost_micro_usd FROM org_session_totals WHERE org_id = ?1";
static const char sql_providers[] =
    "SELECT coalesce(nullif(provider, ''), 'unknown') AS pv,"
    " sum(total_cost_micro_usd) AS c, count(*) FROM sessions"
    " INDEXED BY sessions_org_updated_cover"
    " WHERE org_id = ?1 AND updated_at >= ?2 GROUP BY pv"
    " ORDER BY c DESC, pv";
static const char sql_machines[] =
    "SELECT w.id, w.region, w.status, w.version, w.capacity,"
    " w.registered_at, w.last_heartbeat, (SELECT count(*) FROM sessions s"
    " WHERE s.worker_id = w.id AND s.status IN"
    " ('claimed', 'running', 'finalizing'))"
    " FROM workers w WHERE w.org_id = ?1 AND w.last_heartbeat >= ?2"
    " ORDER BY w.id";

#define PAGE_WHERE \
    " AND s.created_at <= ?2 AND (s.created_at < ?2 OR" \
    " s.tracker_session_id < ?3)" \
    " ORDER BY s.created_at DESC, s.tracker_session_id DESC LIMIT ?4"
static const char sql_page_org[] =
    "SELECT " SESSION_COLS " FROM sessions s"
    " INDEXED BY sessions_org_created_id"
    " LEFT JOIN projects p ON p.id = s.project_id"
    " WHERE s.org_id = ?1" PAGE_WHERE;
static const char sql_page_project[] =
    "SELECT " SESSION_COLS " FROM sessions s"
    " INDEXED BY sessions_project_created_id"
    " LEFT JOIN projects p ON p.id = s.project_id"
    " WHERE s.project_id = ?5 AND s.org_id = ?1" PAGE_WHERE;
static const char sql_page_some[] =
    "SELECT " SESSION_COLS " FROM sessions s"
    " INDEXED BY sessions_org_created_id"
    " LEFT JOIN projects p ON p.id = s.project_id"
    " WHERE s.org_id = ?1 AND " SQL_IN_JSON_LIST("?5", "s.project_id")
    PAGE_WHERE;

static const char sql_outcomes[] =
    "SELECT provider, work_type, status = 'completed',"
    " total_cost_micro_usd, completed_at, tracker_session_id"
    " FROM sessions INDEXED BY sessions_org_outcomes"
    " WHERE org_id = ?1 AND status IN ('completed', 'failed')"
    " AND completed_at >= ?2 AND completed_at < ?3"
    " AND provider IS NOT NULL AND provider <> '' AND work_type <> ''"
    " ORDER BY completed_at DESC, tracker_session_id DESC";
static const char sql_phase[] =
    "SELECT work_type, status = 'completed', completed_at - created_at,"
    " total_cost_micro_usd, issue_id"
    " FROM sessions INDEXED BY sessions_org_outcomes"
    " WHERE org_id = ?1 AND status IN ('completed', 'failed')"
    " AND completed_at >= ?2";

static const char sql_idem_get[] =
    "SELECT prompt_sha256, response FROM prompt_idempotency"
    " WHERE session_id = ?1 AND idem_key = ?2 AND created_at >= ?3";
static const char sql_idem_put[] =
    "INSERT INTO prompt_idempotency (session_id, idem_key, prompt_sha256,"
    " response, created_at) VALUES (?1, ?2, ?3, ?4, ?5)"
    " ON CONFLICT (session_id, idem_key) DO UPDATE SET"
    " prompt_sha256 = excluded.prompt_sha256,"
    " response = excluded.response, created_at = excluded.created_at";
static const char sql_boost[] =
    "SELECT priority, queued_at FROM work_queue WHERE session_id = ?1";

/* ---------------------------------------------------------- formatting */

double
public_round4(double x)
{
	return round(x * 10000) / 10000;
}

void
public_jw_4dp(struct jw *w, double x)
{
	char buf[64];
	size_t n;

	x = public_round4(x);
	if (x != x || x > 9e15 || x < -9e15)
		x = 0;
	if (x == 0)
		x = 0;          /* no "-0" */
	snprintf(buf, sizeof(buf), "%.4f", x);
	n = strlen(buf);
	while (n > 0 && buf[n - 1] == '0')
		n--;
	if (n > 0 && buf[n - 1] == '.')
		n--;
	buf[n] = '\0';
	if (strcmp(buf, "-0") == 0)
		strcpy(buf, "0");
	jw_raw(w, buf, strlen(buf));
}

void
public_jw_k4dp(struct jw *w, const char *key, double x)
{
	jw_key(w, key);
	public_jw_4dp(w, x);
}

void
public_jw_kusd(struct jw *w, const char *key, int64_t micro)
{
	public_jw_k4dp(w, key, (double)micro / 1e6);
}


int
public_parse_uint(const char *s, size_t len, int64_t *out)
{
	int64_t v = 0;

	if (s == NULL || len == 0 || len > 18)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}



int
public_parse_time(const char *s, size_t len, int64_t *ms)
{
	return iso8601_parse_ext(s, len, ISO8601_DATE_ONLY | ISO8601_ANY_OFFSET,
	    ms);
}

int64_t
public_today_start(int64_t now)
{
	int64_t day = 86400000;
	int64_t q = now / day;

	if (now % day < 0)
		q--;
	return q * day;
}

/* ------------------------------------------------------ status, health */

static const char *const ps_names[] = {
	"queued", "parked", "working", "completed", "failed", "stopped"
};

const char *
public_status_name(enum public_status s)
{
	if ((unsigned)s >= sizeof(ps_names) / sizeof(ps_names[0]))
		return "parked";
	return ps_names[s];
}

enum public_status
public_status_map(enum session_status s, int has_queue_item)
{
	switch (s) {
	case SESSION_PENDING:
		return has_queue_item ? PS_QUEUED : PS_PARKED;
	case SESSION_CLAIMED:
	case SESSION_RUNNING:
	case SESSION_FINALIZING:
		return PS_WORKING;
	case SESSION_COMPLETED:
		return PS_COMPLETED;
	case SESSION_FAILED:
		return PS_FAILED;
	case SESSION_STOPPED:
	default:
		return PS_STOPPED;
	}
}

enum dom_rc
public_status_of(const struct session *s, enum public_status *out)
{
	struct sstmt *st;
	int rc;

	if (s->status != SESSION_PENDING) {
		*out = public_status_map(s->status, 0);
		return DOM_OK;
	}
	if ((st = store_stmt(sql_has_queue)) == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, s->tracker_session_id);
	rc = ss_step(st);
	ss_reset(st);
	if (rc != STORE_ROW && rc != STORE_DONE)
		return DOM_STORE;
	*out = public_status_map(s->status, rc == STORE_ROW);
	return DOM_OK;
}

unsigned
public_health_signals(const struct health_in *in, int64_t heartbeat_timeout)
{
	unsigned sig = 0;

	if (!session_status_active(in->status))
		return 0;
	if (in->claimed_at != 0 && in->now - in->claimed_at > 7200000)
		sig |= HEALTH_LONG_RUNNING;
	if (!in->worker_present ||
	    in->now - in->last_heartbeat > heartbeat_timeout)
		sig |= HEALTH_STALE_HEARTBEAT;
	if (in->tool_loop)
		sig |= HEALTH_TOOL_LOOP;
	if (in->status == SESSION_CLAIMED && in->claimed_at != 0 &&
	    in->now - in->claimed_at > 300000)
		sig |= HEALTH_CLAIM_STUCK;
	return sig;
}

void
public_health_render(struct jw *w, unsigned sig)
{
	const char *level = "green";

	if (sig & (HEALTH_TOOL_LOOP | HEALTH_CLAIM_STUCK))
		level = "red";
	else if (sig & (HEALTH_LONG_RUNNING | HEALTH_STALE_HEARTBEAT))
		level = "yellow";
	jw_obj_open(w);
	jw_kstr(w, "level", level);
	jw_key(w, "signals");
	jw_arr_open(w);
	if (sig & HEALTH_LONG_RUNNING)
		jw_str(w, "LongRunning");
	if (sig & HEALTH_STALE_HEARTBEAT)
		jw_str(w, "StaleHeartbeat");
	if (sig & HEALTH_TOOL_LOOP)
		jw_str(w, "ToolLoopStuck");
	if (sig & HEALTH_CLAIM_STUCK)
		jw_str(w, "ClaimStuck");
	jw_arr_close(w);
	jw_obj_close(w);
}

int
public_tool_loop(const char *const types[8], const char *const tools[8],
    const char *const contents[8], int n)
{
	if (n < 8)
		return 0;
	for (int i = 0; i < 8; i++) {
		if (types[i] == NULL || strcmp(types[i], "action") != 0 ||
		    contents[i] == NULL)
			return 0;
		if ((tools[i] == NULL) != (tools[0] == NULL) ||
		    (tools[i] != NULL && strcmp(tools[i], tools[0]) != 0) ||
		    strcmp(contents[i], contents[0]) != 0)
			return 0;
	}
	return 1;
}

static const char *
jmember(struct arena *a, struct json_object *o, const char *k)
{
	struct json_object *v;

	if (o == NULL || !json_object_object_get_ex(o, k, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return arena_strdup(a, json_object_get_string(v));
}

static enum dom_rc
tool_loop_of(struct arena *a, const char *session_id, int *loop)
{
	const char *types[8] = { 0 }, *tools[8] = { 0 }, *contents[8] = { 0 };
	struct sstmt *st;
	int n = 0, rc;

	*loop = 0;
	if ((st = store_stmt(sql_last8)) == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, session_id);
	while (n < 8 && (rc = ss_step(st)) == STORE_ROW) {
		struct json_object *o = json_tokener_parse(ss_text(st, 0));

		types[n] = jmember(a, o, "type");
		tools[n] = jmember(a, o, "toolName");
		contents[n] = jmember(a, o, "content");
		json_object_put(o);
		n++;
	}
	if (n < 8 && rc != STORE_DONE) {
		ss_reset(st);
		return DOM_STORE;
	}
	ss_reset(st);
	*loop = public_tool_loop(types, tools, contents, n);
	return DOM_OK;
}

enum dom_rc
public_health_of(struct arena *a, const struct session *s,
    enum public_status ps, int64_t now, unsigned *signals)
{
	struct health_in in;
	struct worker wk;
	enum dom_rc rc;

	*signals = 0;
	if (ps != PS_WORKING)
		return DOM_OK;
	memset(&in, 0, sizeof(in));
	in.status = s->status;
	in.now = now;
	in.claimed_at = s->claimed_at;
	if (s->worker_id != NULL) {
		rc = worker_get(a, s->worker_id, now, &wk);
		if (rc == DOM_STORE)
			return rc;
		if (rc == DOM_OK) {
			in.worker_present = 1;
			in.last_heartbeat = wk.last_heartbeat;
		}
	}
	if ((rc = tool_loop_of(a, s->tracker_session_id, &in.tool_loop)) != DOM_OK)
		return rc;
	*signals = public_health_signals(&in, cfg.worker_heartbeat_timeout);
	return DOM_OK;
}

/* ---------------------------------------------------------- visibility */

static int
in_key_projects(const struct principal *p, const char *project_id)
{
	if (p->project_ids == NULL)
		return 1;
	for (int i = 0; i < p->nprojects; i++)
		if (strcmp(p->project_ids[i], project_id) == 0)
			return 1;
	return 0;
}

/* The user whose project roles count for p, and whether roles count. */
static int
role_based(const struct principal *p, const char **user_id)
{
	if (p->kind == CK_COOKIE) {
		*user_id = p->user_id;
		return 1;
	}
	if (p->kind == CK_API_KEY && p->key_type != NULL &&
	    strcmp(p->key_type, "user") == 0) {
		*user_id = p->created_by;
		return 1;
	}
	*user_id = NULL;
	return 0;
}

int
public_session_access(const struct principal *p, const struct session *s,
    enum role need)
{
	const char *uid;
	enum role r;

	if (p == NULL || p->org_id == NULL || s->org_id == NULL ||
	    strcmp(p->org_id, s->org_id) != 0)
		return 0;
	if (p->kind == CK_SESSION_HASH)
		return p->session_id != NULL &&
		    strcmp(p->session_id, s->tracker_session_id) == 0;
	if (!in_key_projects(p, s->project_id))
		return 0;
	if (!role_based(p, &uid))
		return 1;
	r = project_role(p->org_id, s->project_id, uid, p->role);
	if (r == ROLE_NONE)
		return 0;
	if (need == ROLE_MEMBER && r != ROLE_MEMBER && r != ROLE_ADMIN)
		return -1;
	return 1;
}

struct vis_ctx {
	const struct principal *p;
	const char **ids;
	int n, cap;
	struct arena *a;
};

static int
vis_one(const struct project *pr, enum role r, void *arg)
{
	struct vis_ctx *c = arg;

	(void)r;
	if (!in_key_projects(c->p, pr->id))
		return 0;
	if (c->n == c->cap) {
		const char **nids;

		c->cap = c->cap ? c->cap * 2 : 16;
		nids = arena_alloc(c->a, sizeof(*nids) * (size_t)c->cap);
		if (c->n)
			memcpy(nids, c->ids, sizeof(*nids) * (size_t)c->n);
		c->ids = nids;
	}
	c->ids[c->n++] = arena_strdup(c->a, pr->id);
	return 0;
}

enum dom_rc
public_visible_projects(struct arena *a, const struct principal *p,
    const char ***ids, int *n)
{
	struct vis_ctx c;
	const char *uid;
	enum dom_rc rc;

	*ids = NULL;
	*n = -1;
	if (!role_based(p, &uid) || p->role == ROLE_OWNER ||
	    p->role == ROLE_ADMIN || p->role == ROLE_AUDITOR) {
		if (p->project_ids != NULL) {
			*ids = p->project_ids;
			*n = p->nprojects;
		}
		return DOM_OK;
	}
	memset(&c, 0, sizeof(c));
	c.p = p;
	c.a = a;
	if ((rc = projects_visible(a, p->org_id, uid, p->role, vis_one,
	    &c)) != DOM_OK)
		return rc;
	*ids = c.ids;
	*n = c.n;
	return DOM_OK;
}

/* --------------------------------------------------------------- stats */

/* Runs a one-row statement bound with (text ?1, int ?2); copies up to
 * ncol integer columns.  0, or -1 on a store error. */
static int
one_row(const char *sql, const char *org_id, int has_int, int64_t i2,
    int64_t *out, int ncol)
{
	struct sstmt *st = store_stmt(sql);
	int rc;

	if (st == NULL)
		return -1;
	ss_bind_text(st, 1, org_id);
	if (has_int)
		ss_bind_int(st, 2, i2);
	rc = ss_step(st);
	if (rc == STORE_ROW)
		for (int i = 0; i < ncol; i++)
			out[i] = ss_is_null(st, i) ? 0 : ss_int(st, i);
	else
		for (int i = 0; i < ncol; i++)
			out[i] = 0;
	ss_reset(st);
	return rc == STORE_ROW || rc == STORE_DONE ? 0 : -1;
}

enum dom_rc
public_stats(const char *org_id, int64_t now, struct public_stats *out)
{
	int64_t v[3];

	memset(out, 0, sizeof(*out));
	out->now = now;
	if (one_row(sql_workers_online, org_id, 1,
	    now - cfg.worker_heartbeat_timeout, v, 2) == -1)
		return DOM_STORE;
	out->workers_online = v[0];
	out->available_capacity = v[1];
	if (one_row(sql_agents_working, org_id, 0, 0, v, 1) == -1)
		return DOM_STORE;
	out->agents_working = v[0];
	if (one_row(sql_queue_depth, org_id, 0, 0, v, 1) == -1)
		return DOM_STORE;
	out->queue_depth = v[0];
	if (one_row(sql_today, org_id, 1, public_today_start(now), v, 3) == -1)
		return DOM_STORE;
	out->session_count_today = v[0];
	out->completed_today = v[1];
	out->cost_today_micro = v[2];
	if (one_row(sql_all_time, org_id, 0, 0, v, 1) == -1)
		return DOM_STORE;
	out->cost_all_time_micro = v[0];
	return DOM_OK;
}

void
public_stats_render(struct jw *w, const struct public_stats *st)
{
	char ts[ISO8601_LEN + 1];

	iso8601_ms(ts, st->now);
	jw_kint(w, "workersOnline", st->workers_online);
	jw_kint(w, "agentsWorking", st->agents_working);
	jw_kint(w, "queueDepth", st->queue_depth);
	jw_kint(w, "completedToday", st->completed_today);
	jw_kint(w, "availableCapacity", st->available_capacity);
	public_jw_kusd(w, "totalCostToday", st->cost_today_micro);
	public_jw_kusd(w, "totalCostAllTime", st->cost_all_time_micro);
	jw_kint(w, "sessionCountToday", st->session_count_today);
	jw_kstr(w, "timestamp", ts);
}

enum dom_rc
public_providers_render(struct arena *a, const char *org_id, int64_t now,
    struct jw *w)
{
	struct sstmt *st = store_stmt(sql_providers);
	int rc;

	(void)a;
	if (st == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, org_id);
	ss_bind_int(st, 2, public_today_start(now));
	jw_arr_open(w);
	while ((rc = ss_step(st)) == STORE_ROW) {
		jw_obj_open(w);
		jw_kstr(w, "provider", ss_text(st, 0));
		public_jw_kusd(w, "costUsd", ss_int(st, 1));
		jw_kint(w, "sessions", ss_int(st, 2));
		jw_obj_close(w);
	}
	jw_arr_close(w);
	ss_reset(st);
	return rc == STORE_DONE ? DOM_OK : DOM_STORE;
}

enum dom_rc
public_machines_render(struct arena *a, const char *org_id, int64_t now,
    struct jw *w)
{
	struct sstmt *st = store_stmt(sql_machines);
	char ts[ISO8601_LEN + 1];
	int rc;

	(void)a;
	if (st == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, org_id);
	ss_bind_int(st, 2, now - cfg.worker_ttl * 1000);
	jw_arr_open(w);
	while ((rc = ss_step(st)) == STORE_ROW) {
		int64_t hb = ss_int(st, 6);
		int stopped = now - hb > cfg.worker_heartbeat_timeout;
		const char *status = stopped ? "stopped" :
		    strcmp(ss_text(st, 2), "draining") == 0 ? "draining" :
		    "ready";

		jw_obj_open(w);
		jw_kstr(w, "id", ss_text(st, 0));
		jw_kstr(w, "region", ss_is_null(st, 1) ? "default" :
		    ss_text(st, 1));
		jw_kstr(w, "status", status);
		jw_kstr(w, "version", ss_is_null(st, 3) ? "unknown" :
		    ss_text(st, 3));
		jw_kint(w, "activeSessions", ss_int(st, 7));
		jw_key(w, "capacity");
		jw_obj_open(w);
		jw_kint(w, "maxConcurrentSessions", ss_int(st, 4));
		jw_obj_close(w);
		jw_kint(w, "uptimeSeconds", stopped ? 0 :
		    (now - ss_int(st, 5)) / 1000);
		iso8601_ms(ts, hb);
		jw_kstr(w, "lastSeenAt", ts);
		jw_obj_close(w);
	}
	jw_arr_close(w);
	ss_reset(st);
	return rc == STORE_DONE ? DOM_OK : DOM_STORE;
}

/* ------------------------------------------------------------ the list */

enum dom_rc
public_session_page(struct arena *a, const struct public_list_q *q,
    int (*fn)(const struct session *, void *), void *arg, int *more)
{
	struct sstmt *st;
	struct session s;
	const char *list = NULL;
	int64_t n = 0;
	int rc;

	*more = 0;
	if (q->project_ids == NULL)
		st = store_stmt(sql_page_org);
	else if (q->nprojects == 1)
		st = store_stmt(sql_page_project);
	else {
		struct buf b;
		struct jw w;

		buf_init(&b);
		jw_init(&w, &b);
		jw_arr_open(&w);
		for (int i = 0; i < q->nprojects; i++)
			jw_str(&w, q->project_ids[i]);
		jw_arr_close(&w);
		list = arena_strndup(a, b.data, b.len);
		buf_free(&b);
		st = store_stmt(sql_page_some);
	}
	if (st == NULL)
		return DOM_STORE;
	if (q->project_ids != NULL && q->nprojects == 0) {
		/* Nothing visible. */
		return DOM_OK;
	}
	ss_bind_text(st, 1, q->org_id);
	ss_bind_int(st, 2, q->has_cursor ? q->cursor_created : INT64_MAX);
	/* '~' sorts after every id character, so the cursorless page
	 * starts at the newest row. */
	ss_bind_text(st, 3, q->has_cursor ? q->cursor_id : "~");
	ss_bind_int(st, 4, q->limit + 1);
	if (q->project_ids != NULL)
		ss_bind_text(st, 5, q->nprojects == 1 ? q->project_ids[0] : list);
	while ((rc = ss_step(st)) == STORE_ROW) {
		if (n == q->limit) {
			*more = 1;
			break;
		}
		session_from_row(a, st, &s);
		n++;
		if (fn(&s, arg) != 0)
			break;
	}
	ss_reset(st);
	return rc == STORE_ROW || rc == STORE_DONE ? DOM_OK : DOM_STORE;
}

enum dom_rc
public_session_render(struct arena *a, struct jw *w, const struct session *s,
    int64_t now, int with_hash, enum public_status *ps_out)
{
	char ts[ISO8601_LEN + 1], hash[SESSION_HASH_LEN + 1];
	enum public_status ps;
	unsigned sig;
	int64_t end;
	enum dom_rc rc;

	if ((rc = public_status_of(s, &ps)) != DOM_OK)
		return rc;
	if ((rc = public_health_of(a, s, ps, now, &sig)) != DOM_OK)
		return rc;
	if (ps_out != NULL)
		*ps_out = ps;
	jw_kstr(w, "id", s->public_id);
	if (s->issue_identifier != NULL && s->issue_identifier[0] != '\0')
		jw_kstr(w, "identifier", s->issue_identifier);
	else if (s->issue_id != NULL && s->issue_id[0] != '\0')
		jw_kstr(w, "identifier", arena_strndup(a, s->issue_id,
		    valid_utf8_cut(s->issue_id, strlen(s->issue_id), 8)));
	else
		jw_kstr(w, "identifier", "Unknown");
	jw_kstr(w, "status", public_status_name(ps));
	jw_kstr(w, "workType", s->work_type != NULL && s->work_type[0] ?
	    s->work_type : "development");
	iso8601_ms(ts, s->created_at);
	jw_kstr(w, "startedAt", ts);
	end = session_status_terminal(s->status) && s->completed_at != 0 ?
	    s->completed_at : now;
	jw_kint(w, "duration", end > s->created_at ?
	    (end - s->created_at) / 1000 : 0);
	if (s->total_cost_micro_usd != 0)
		public_jw_kusd(w, "costUsd", s->total_cost_micro_usd);
	if (s->provider != NULL && s->provider[0] != '\0')
		jw_kstr(w, "provider", s->provider);
	if (s->project_id != NULL)
		jw_kstr(w, "projectId", s->project_id);
	if (s->project_name != NULL)
		jw_kstr(w, "projectSlug", s->project_name);
	jw_key(w, "health");
	public_health_render(w, sig);
	if (with_hash) {
		if (session_hash(hash, s->tracker_session_id) == -1) {
			log_error("public: session hash secret unavailable");
			return DOM_STORE;
		}
		jw_kstr(w, "sessionHash", hash);
	}
	return DOM_OK;
}

/* -------------------------------------------------------------- metrics */

struct arm {
	char   *provider, *work_type;
	int64_t s, f, ncost, cost;
	double  confidence;
};

static double
arm_confidence(int64_t al, int64_t be)
{
	double a = (double)al, b = (double)be, n = a + b;

	return 1 - sqrt(a * b / (n * n * (n + 1)));
}

static int
arm_cmp(const void *x, const void *y)
{
	const struct arm *a = x, *b = y;
	int c = strcmp(a->provider, b->provider);

	return c != 0 ? c : strcmp(a->work_type, b->work_type);
}

static struct arm *
arm_find(struct arm *arms, int narms, const char *pv, const char *wt)
{
	for (int i = 0; i < narms; i++)
		if (strcmp(arms[i].provider, pv) == 0 &&
		    strcmp(arms[i].work_type, wt) == 0)
			return &arms[i];
	return NULL;
}

void
public_routing_zero(struct jw *w, double rate)
{
	jw_key(w, "posteriors");
	jw_arr_open(w);
	jw_arr_close(w);
	jw_key(w, "recentDecisions");
	jw_arr_open(w);
	jw_arr_close(w);
	jw_knull(w, "nextCursor");
	jw_key(w, "summary");
	jw_obj_open(w);
	jw_kint(w, "totalObservations", 0);
	jw_kbool(w, "routingEnabled", 0);
	public_jw_k4dp(w, "explorationRate", rate);
	public_jw_k4dp(w, "avgConfidence", 0);
	jw_kint(w, "survivalRewardCount", 0);
	jw_obj_close(w);
}

enum dom_rc
public_routing_render(struct arena *a, const struct routing_q *q, double rate,
    struct jw *w)
{
	struct sstmt *st = store_stmt(sql_outcomes);
	struct arm *arms = NULL, *arm;
	int narms = 0, cap = 0, rc, more = 0;
	int64_t total = 0, shown = 0, last_at = 0;
	const char *last_id = NULL;
	double sumconf = 0;

	if (st == NULL)
		return DOM_STORE;
	/* Pass 1: the arms. */
	ss_bind_text(st, 1, q->org_id);
	ss_bind_int(st, 2, q->from);
	ss_bind_int(st, 3, q->to);
	while ((rc = ss_step(st)) == STORE_ROW) {
		const char *pv = ss_text(st, 0), *wt = ss_text(st, 1);

		if ((arm = arm_find(arms, narms, pv, wt)) == NULL) {
			if (narms == cap) {
				struct arm *na;

				cap = cap ? cap * 2 : 8;
				na = arena_alloc(a, sizeof(*na) * (size_t)cap);
				if (narms)
					memcpy(na, arms, sizeof(*na) *
					    (size_t)narms);
				arms = na;
			}
			arm = &arms[narms++];
			arm->provider = arena_strdup(a, pv);
			arm->work_type = arena_strdup(a, wt);
		}
		if (ss_int(st, 2))
			arm->s++;
		else
			arm->f++;
		if (ss_int(st, 3) != 0) {
			arm->ncost++;
			arm->cost += ss_int(st, 3);
		}
	}
	ss_reset(st);
	if (rc != STORE_DONE)
		return DOM_STORE;
	if (narms > 1)
		qsort(arms, (size_t)narms, sizeof(*arms), arm_cmp);

	jw_key(w, "posteriors");
	jw_arr_open(w);
	for (int i = 0; i < narms; i++) {
		int64_t al = 1 + arms[i].s, be = 1 + arms[i].f;

		arms[i].confidence = arm_confidence(al, be);
		sumconf += arms[i].confidence;
		total += arms[i].s + arms[i].f;
		jw_obj_open(w);
		jw_kstr(w, "provider", arms[i].provider);
		jw_kstr(w, "workType", arms[i].work_type);
		jw_kint(w, "alpha", al);
		jw_kint(w, "beta", be);
		public_jw_k4dp(w, "expectedReward", (double)al / (double)(al + be));
		public_jw_k4dp(w, "confidence", arms[i].confidence);
		jw_kint(w, "totalObservations", arms[i].s + arms[i].f);
		public_jw_k4dp(w, "avgCostUsd", arms[i].ncost ?
		    (double)arms[i].cost / 1e6 / (double)arms[i].ncost : 0);
		jw_obj_close(w);
	}
	jw_arr_close(w);

	/* Pass 2: the page of decisions, newest first. */
	jw_key(w, "recentDecisions");
	jw_arr_open(w);
	ss_bind_text(st, 1, q->org_id);
	ss_bind_int(st, 2, q->from);
	ss_bind_int(st, 3, q->to);
	while ((rc = ss_step(st)) == STORE_ROW) {
		int64_t at = ss_int(st, 4);
		const char *id = ss_text(st, 5);

		if (q->has_cursor && (at > q->cursor_at ||
		    (at == q->cursor_at && strcmp(id, q->cursor_id) >= 0)))
			continue;
		if (shown == q->limit) {
			more = 1;
			break;
		}
		arm = arm_find(arms, narms, ss_text(st, 0), ss_text(st, 1));
		jw_obj_open(w);
		jw_kint(w, "timestamp", at);
		jw_kstr(w, "provider", ss_text(st, 0));
		jw_kstr(w, "workType", ss_text(st, 1));
		jw_kint(w, "reward", ss_int(st, 2) ? 1 : 0);
		jw_kbool(w, "taskCompleted", ss_int(st, 2) != 0);
		public_jw_k4dp(w, "confidence", arm ? arm->confidence : 0);
		jw_obj_close(w);
		shown++;
		last_at = at;
		last_id = arena_strdup(a, id);
	}
	ss_reset(st);
	if (rc != STORE_DONE && rc != STORE_ROW)
		return DOM_STORE;
	jw_arr_close(w);
	if (more && last_id != NULL)
		jw_kstr(w, "nextCursor", page_cursor(a, last_at,
		    last_id));
	else
		jw_knull(w, "nextCursor");
	jw_key(w, "summary");
	jw_obj_open(w);
	jw_kint(w, "totalObservations", total);
	jw_kbool(w, "routingEnabled", total > 0);
	public_jw_k4dp(w, "explorationRate", rate);
	public_jw_k4dp(w, "avgConfidence", narms ? sumconf / narms : 0);
	jw_kint(w, "survivalRewardCount", 0);
	jw_obj_close(w);
	return DOM_OK;
}

static const char *const phase_names[] = {
	"development", "qa", "refinement", "acceptance"
};

static int
phase_of(const char *wt)
{
	if (strcmp(wt, "development") == 0)
		return 0;
	if (strcmp(wt, "qa") == 0)
		return 1;
	if (strcmp(wt, "refinement") == 0 ||
	    strcmp(wt, "refinement-coordination") == 0)
		return 2;
	if (strcmp(wt, "acceptance") == 0)
		return 3;
	return -1;
}

struct phase_acc {
	int64_t n, cycle, ncost, cost;
	int64_t ndistinct;
};

struct issue_acc {
	char   *id;
	int64_t failed;
	unsigned phases;          /* bit per phase that saw the issue */
};

static void
phase_write(struct jw *w, const struct phase_acc *ph)
{
	jw_obj_open(w);
	jw_kint(w, "avgCycleTimeMs", ph->n ?
	    (int64_t)llround((double)ph->cycle / (double)ph->n) : 0);
	public_jw_k4dp(w, "avgCostUsd", ph->ncost ?
	    (double)ph->cost / 1e6 / (double)ph->ncost : 0);
	public_jw_k4dp(w, "avgAttempts", ph->ndistinct ?
	    (double)ph->n / (double)ph->ndistinct : 0);
	jw_kint(w, "totalRecords", ph->n);
	jw_obj_close(w);
}

static void
phase_body(struct jw *w, const struct phase_acc ph[4], double rework,
    const int64_t esc[4], int64_t issues)
{
	jw_key(w, "phases");
	jw_obj_open(w);
	for (int i = 0; i < 4; i++) {
		jw_key(w, phase_names[i]);
		phase_write(w, &ph[i]);
	}
	jw_obj_close(w);
	public_jw_k4dp(w, "reworkRate", rework);
	jw_key(w, "escalationDistribution");
	jw_obj_open(w);
	jw_kint(w, "normal", esc[0]);
	jw_kint(w, "context-enriched", esc[1]);
	jw_kint(w, "decompose", esc[2]);
	jw_kint(w, "escalate-human", esc[3]);
	jw_obj_close(w);
	jw_kint(w, "issueCount", issues);
}

void
public_phase_zero(struct jw *w)
{
	struct phase_acc ph[4];
	int64_t esc[4] = { 0, 0, 0, 0 };

	memset(ph, 0, sizeof(ph));
	phase_body(w, ph, 0, esc, 0);
}

static int
issue_cmp(const void *x, const void *y)
{
	return strcmp(((const struct issue_acc *)x)->id,
	    ((const struct issue_acc *)y)->id);
}

enum dom_rc
public_phase_render(struct arena *a, const char *org_id, int64_t since,
    struct jw *w)
{
	struct sstmt *st = store_stmt(sql_phase);
	struct phase_acc ph[4];
	struct issue_acc *iss = NULL;
	int64_t esc[4] = { 0, 0, 0, 0 }, qa_failed = 0, nuniq = 0;
	size_t niss = 0, cap = 0;
	int rc;

	if (st == NULL)
		return DOM_STORE;
	memset(ph, 0, sizeof(ph));
	ss_bind_text(st, 1, org_id);
	ss_bind_int(st, 2, since);
	while ((rc = ss_step(st)) == STORE_ROW) {
		int k = phase_of(ss_text(st, 0));
		int ok = ss_int(st, 1) != 0;

		if (k < 0)
			continue;
		ph[k].n++;
		ph[k].cycle += ss_int(st, 2);
		if (ss_int(st, 3) != 0) {
			ph[k].ncost++;
			ph[k].cost += ss_int(st, 3);
		}
		if (k == 1 && !ok)
			qa_failed++;
		if (niss == cap) {
			struct issue_acc *n2;

			cap = cap ? cap * 2 : 32;
			n2 = arena_alloc(a, sizeof(*n2) * cap);
			if (niss)
				memcpy(n2, iss, sizeof(*n2) * niss);
			iss = n2;
		}
		iss[niss].id = arena_strdup(a, ss_text(st, 4));
		iss[niss].failed = ok ? 0 : 1;
		iss[niss].phases = 1u << k;
		niss++;
	}
	ss_reset(st);
	if (rc != STORE_DONE)
		return DOM_STORE;
	/* Merge the records by issue. */
	if (niss > 1)
		qsort(iss, niss, sizeof(*iss), issue_cmp);
	for (size_t i = 0; i < niss;) {
		size_t j = i + 1;
		int64_t failed = iss[i].failed;
		unsigned phases = iss[i].phases;

		while (j < niss && strcmp(iss[j].id, iss[i].id) == 0) {
			failed += iss[j].failed;
			phases |= iss[j].phases;
			j++;
		}
		for (int k = 0; k < 4; k++)
			if (phases & (1u << k))
				ph[k].ndistinct++;
		esc[failed <= 1 ? 0 : failed == 2 ? 1 : failed == 3 ? 2 : 3]++;
		nuniq++;
		i = j;
	}
	phase_body(w, ph, ph[1].n ? (double)qa_failed / (double)ph[1].n : 0,
	    esc, nuniq);
	return DOM_OK;
}

/* --------------------------------------------------------------- prompt */

enum dom_rc
public_prompt(struct arena *a, const struct actor *who, struct session *s,
    const char *text, const char *user_id, const char *user_name,
    struct public_prompt_res *res)
{
	char sha[SHA256_HEX_LEN + 1];
	struct session_dispatch_in in;
	enum session_placement place;
	struct json_object *pl;
	struct dom_err err;
	struct sstmt *st;
	const char *msg_id = NULL;
	enum public_status ps;
	int created = 0, parked, rc2;
	enum dom_rc rc;

	memset(res, 0, sizeof(*res));
	if ((rc = public_status_of(s, &ps)) != DOM_OK)
		return rc;
	switch (ps) {
	case PS_WORKING:
		res->tier = "inbox";
		res->disposition = "delivered";
		break;
	case PS_QUEUED:
		if ((st = store_stmt(sql_boost)) == NULL)
			return DOM_STORE;
		ss_bind_text(st, 1, s->tracker_session_id);
		if ((rc2 = ss_step(st)) == STORE_ROW) {
			int64_t prio = ss_int(st, 0), qat = ss_int(st, 1);

			ss_reset(st);
			if (prio > 2 && (rc = queue_place(a, s, 2, qat,
			    &parked)) != DOM_OK)
				return rc;
		} else {
			ss_reset(st);
			if (rc2 != STORE_DONE)
				return DOM_STORE;
		}
		/* FALLTHROUGH */
	case PS_PARKED:
		res->tier = "inbox";
		res->disposition = "queued";
		break;
	default:
		memset(&in, 0, sizeof(in));
		in.org_id = s->org_id;
		in.project_id = s->project_id;
		in.tracker_id = s->tracker_session_id;
		in.has_priority = 1;
		in.priority = 2;
		in.prompt = text;
		if ((rc = session_dispatch(a, who, &in, s, &place, &created,
		    &err)) != DOM_OK)
			return rc == DOM_STORE ? rc : DOM_STORE;
		res->requeued = 1;
		res->tier = "requeue";
		res->disposition = "requeued";
		break;
	}
	if ((rc = inbox_publish(a, s->tracker_session_id, "directive",
	    INBOX_LANE_NORMAL, text, user_id, user_name, &msg_id)) != DOM_OK)
		return rc;
	if (res->requeued) {
		/* Delivered and acknowledged: the worker gets the text from
		 * the queue item's prompt, not twice. */
		if ((st = store_stmt("UPDATE inbox_messages SET"
		    " delivered_at = ?2, acked_at = ?2 WHERE session_id = ?1"
		    " AND id = (SELECT max(id) FROM inbox_messages"
		    " WHERE session_id = ?1)")) == NULL)
			return DOM_STORE;
		ss_bind_text(st, 1, s->tracker_session_id);
		ss_bind_int(st, 2, clock_now_ms());
		if (ss_exec(st) != STORE_OK)
			return DOM_STORE;
	}
	res->prompt_id = arena_printf(a, "prm_%s", msg_id);
	if ((rc = public_status_of(s, &res->status)) != DOM_OK)
		return rc;

	sha256_hex(sha, text, strlen(text));
	pl = json_object_new_object();
	json_object_object_add(pl, "promptId",
	    json_object_new_string(res->prompt_id));
	json_object_object_add(pl, "promptBytes",
	    json_object_new_int64((int64_t)strlen(text)));
	json_object_object_add(pl, "promptSha256", json_object_new_string(sha));
	json_object_object_add(pl, "requeued",
	    json_object_new_boolean(res->requeued));
	if (session_event(a, who, s, "session.prompted", pl) == -1)
		return DOM_STORE;
	return DOM_OK;
}

enum dom_rc
public_prompt_replay(struct arena *a, const char *session_id, const char *key,
    const char *sha_hex, const char **response, int *same)
{
	struct sstmt *st = store_stmt(sql_idem_get);
	int rc;

	*response = NULL;
	*same = 0;
	if (st == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, session_id);
	ss_bind_text(st, 2, key);
	ss_bind_int(st, 3, clock_now_ms() - INT64_C(86400000));
	if ((rc = ss_step(st)) == STORE_ROW) {
		*same = strcmp(ss_text(st, 0), sha_hex) == 0;
		*response = arena_strdup(a, ss_text(st, 1));
	}
	ss_reset(st);
	if (rc == STORE_ROW)
		return DOM_OK;
	return rc == STORE_DONE ? DOM_NOT_FOUND : DOM_STORE;
}

enum dom_rc
public_prompt_remember(const char *session_id, const char *key,
    const char *sha_hex, const char *response)
{
	struct sstmt *st = store_stmt(sql_idem_put);

	if (st == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, session_id);
	ss_bind_text(st, 2, key);
	ss_bind_text(st, 3, sha_hex);
	ss_bind_text(st, 4, response);
	ss_bind_int(st, 5, clock_now_ms());
	return ss_exec(st) == STORE_OK ? DOM_OK : DOM_STORE;
}
