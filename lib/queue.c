/*
 * queue.c -- the work queue, issue locks, parked work, claims, nacks, the
 * inbox and cleanup (02-worker-protocol.md §6.4-§6.7, §6.9; see queue.h).
 *
 * Serving order is priority, queuedAt, then insert order.  The insert
 * order is the queue row's rowid: work_queue has a TEXT primary key, so
 * SQLite keeps an implicit rowid that grows with each insert, and the
 * non-unique index (org_id, priority, queued_at) ends with it, so the poll
 * reads rows in serving order straight from the index.
 *
 * Inbox archiving: a terminal session's messages get archivedAt; they are
 * never delivered again, and cleanup deletes them after
 * RENSEI_INBOX_ARCHIVE_DAYS.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "auth.h"
#include "clock.h"
#include "extern.h"
#include "log.h"
#include "queue.h"
#include "session.h"
#include "settings.h"
#include "store.h"
#include "worker.h"

static const struct actor actor_system = { "system", "system" };

/* One buffer for QueuedWork items, reused by every enqueue. */
static struct buf itembuf;

static const char *
item_build(const struct session *s, int64_t priority, int64_t queued_at,
    size_t *len)
{
	struct jw w;

	buf_reset(&itembuf);
	jw_init(&w, &itembuf);
	session_render_item(&w, s, priority, queued_at);
	*len = itembuf.len;
	return itembuf.data;
}

static int
rc_store(int rc)
{
	return rc == STORE_OK ? DOM_OK : DOM_STORE;
}

/* ------------------------------------------------ enqueue and locks */

static const char sql_lock_get[] =
    "SELECT session_id, expires_at FROM issue_locks"
    " WHERE org_id = ?1 AND issue_id = ?2";
static const char sql_lock_put[] =
    "INSERT OR REPLACE INTO issue_locks (org_id, issue_id, session_id,"
    " expires_at) VALUES (?1, ?2, ?3, ?4)";
/* Plain INSERT after sql_queue_del: INSERT OR REPLACE would skip the
 * delete trigger that keeps work_queue_counts exact. */
static const char sql_queue_put[] =
    "INSERT INTO work_queue (session_id, org_id, project_id,"
    " priority, queued_at, item, project_name)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
static const char sql_queue_del[] =
    "DELETE FROM work_queue WHERE session_id = ?1";
static const char sql_parked_put[] =
    "INSERT OR REPLACE INTO parked_work (session_id, org_id, issue_id,"
    " parked_at, item) VALUES (?1, ?2, ?3, ?4, ?5)";
static const char sql_parked_del[] =
    "DELETE FROM parked_work WHERE session_id = ?1";
static const char sql_claim_del[] =
    "DELETE FROM work_claims WHERE session_id = ?1";
static const char sql_claim_put[] =
    "INSERT OR REPLACE INTO work_claims (session_id, worker_id, expires_at)"
    " VALUES (?1, ?2, ?3)";

static enum dom_rc
exec1(const char *sql, const char *arg)
{
	struct sstmt *st = store_stmt(sql);

	if (st == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, arg);
	return rc_store(ss_exec(st));
}

/* Inserts s's queue row (its own priority and queuedAt must be set). */
static enum dom_rc
queue_insert(const struct session *s)
{
	struct sstmt *st = store_stmt(sql_queue_put);
	struct sstmt *del = store_stmt(sql_queue_del);
	const char *item;
	size_t n;

	if (st == NULL || del == NULL)
		return DOM_STORE;
	ss_bind_text(del, 1, s->tracker_session_id);
	if (ss_exec(del) != STORE_OK)
		return DOM_STORE;
	item = item_build(s, s->priority, s->queued_at, &n);
	ss_bind_text(st, 1, s->tracker_session_id);
	ss_bind_text(st, 2, s->org_id);
	ss_bind_text(st, 3, s->project_id);
	ss_bind_int(st, 4, s->priority);
	ss_bind_int(st, 5, s->queued_at);
	ss_bind_textn(st, 6, item, n);
	ss_bind_text(st, 7, s->project_name);
	return rc_store(ss_exec(st));
}

enum dom_rc
queue_place(struct arena *a, struct session *s, int64_t priority,
    int64_t queued_at, int *parked)
{
	struct sstmt *st;
	int64_t now = clock_now_ms();
	int free_lock, rc;
	enum dom_rc drc;

	(void)a;
	*parked = 0;
	if ((st = store_stmt(sql_lock_get)) == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, s->org_id);
	ss_bind_text(st, 2, s->issue_id);
	rc = ss_step(st);
	free_lock = rc == STORE_DONE || (rc == STORE_ROW &&
	    (ss_int(st, 1) <= now ||
	    strcmp(ss_text(st, 0), s->tracker_session_id) == 0));
	ss_reset(st);
	if (rc != STORE_ROW && rc != STORE_DONE)
		return DOM_STORE;

	s->priority = priority;
	if (free_lock) {
		if ((st = store_stmt(sql_lock_put)) == NULL)
			return DOM_STORE;
		ss_bind_text(st, 1, s->org_id);
		ss_bind_text(st, 2, s->issue_id);
		ss_bind_text(st, 3, s->tracker_session_id);
		ss_bind_int(st, 4, now + cfg.issue_lock_ttl * 1000);
		if (ss_exec(st) != STORE_OK)
			return DOM_STORE;
		if ((drc = exec1(sql_parked_del, s->tracker_session_id)) != DOM_OK)
			return drc;
		s->queued_at = queued_at;
		if ((drc = session_save(s)) != DOM_OK)
			return drc;
		return queue_insert(s);
	}

	/* Another session holds the issue: park (one row per session). */
	*parked = 1;
	s->queued_at = 0;
	if ((drc = session_save(s)) != DOM_OK)
		return drc;
	if ((drc = exec1(sql_queue_del, s->tracker_session_id)) != DOM_OK)
		return drc;
	if ((st = store_stmt(sql_parked_put)) == NULL)
		return DOM_STORE;
	{
		size_t n;
		const char *item = item_build(s, priority, queued_at, &n);

		ss_bind_text(st, 1, s->tracker_session_id);
		ss_bind_text(st, 2, s->org_id);
		ss_bind_text(st, 3, s->issue_id);
		ss_bind_int(st, 4, now);
		ss_bind_textn(st, 5, item, n);
	}
	return rc_store(ss_exec(st));
}

static const char sql_lock_release[] =
    "DELETE FROM issue_locks WHERE org_id = ?1 AND issue_id = ?2"
    " AND session_id = ?3";
static const char sql_lock_live[] =
    "SELECT 1 FROM issue_locks WHERE org_id = ?1 AND issue_id = ?2"
    " AND expires_at > ?3";
static const char sql_parked_next[] =
    "SELECT pw.session_id FROM parked_work pw"
    " LEFT JOIN sessions s ON s.tracker_session_id = pw.session_id"
    " WHERE pw.org_id = ?1 AND pw.issue_id = ?2"
    " ORDER BY s.priority, pw.parked_at, pw.session_id LIMIT 1";

/* When (org, issue) has no unexpired lock, promotes its next parked
 * pending session into the queue (it takes the lock). */
static enum dom_rc
promote_next(struct arena *a, const char *org_id, const char *issue_id,
    const char **promoted)
{
	struct session ps;
	struct sstmt *st;
	int64_t now = clock_now_ms();
	const char *sid;
	int rc, parked;
	enum dom_rc drc;

	*promoted = NULL;
	if ((st = store_stmt(sql_lock_live)) == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, org_id);
	ss_bind_text(st, 2, issue_id);
	ss_bind_int(st, 3, now);
	rc = ss_step(st);
	ss_reset(st);
	if (rc == STORE_ROW)
		return DOM_OK;
	if (rc != STORE_DONE)
		return DOM_STORE;
	for (;;) {
		if ((st = store_stmt(sql_parked_next)) == NULL)
			return DOM_STORE;
		ss_bind_text(st, 1, org_id);
		ss_bind_text(st, 2, issue_id);
		rc = ss_step(st);
		sid = rc == STORE_ROW ? dom_col_text(a, st, 0) : NULL;
		ss_reset(st);
		if (rc == STORE_DONE)
			return DOM_OK;
		if (rc != STORE_ROW)
			return DOM_STORE;
		drc = session_get(a, sid, &ps);
		if (drc == DOM_STORE)
			return drc;
		if (drc == DOM_NOT_FOUND || ps.status != SESSION_PENDING) {
			/* Stale parked row: drop it and look again. */
			if ((drc = exec1(sql_parked_del, sid)) != DOM_OK)
				return drc;
			continue;
		}
		if ((drc = queue_place(a, &ps, ps.priority, now, &parked)) !=
		    DOM_OK)
			return drc;
		*promoted = ps.tracker_session_id;
		return DOM_OK;
	}
}

enum dom_rc
queue_release_lock(struct arena *a, const struct session *s,
    const char **promoted)
{
	struct sstmt *st;

	*promoted = NULL;
	if ((st = store_stmt(sql_lock_release)) == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, s->org_id);
	ss_bind_text(st, 2, s->issue_id);
	ss_bind_text(st, 3, s->tracker_session_id);
	if (ss_exec(st) != STORE_OK)
		return DOM_STORE;
	return promote_next(a, s->org_id, s->issue_id, promoted);
}

enum dom_rc
queue_forget(const char *session_id)
{
	enum dom_rc rc;

	if ((rc = exec1(sql_claim_del, session_id)) != DOM_OK ||
	    (rc = exec1(sql_queue_del, session_id)) != DOM_OK)
		return rc;
	return exec1(sql_parked_del, session_id);
}

enum dom_rc
queue_claim_row(const char *session_id, const char *worker_id, int64_t now)
{
	struct sstmt *st = store_stmt(sql_claim_put);

	if (st == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, session_id);
	ss_bind_text(st, 2, worker_id);
	ss_bind_int(st, 3, now + cfg.work_claim_ttl * 1000);
	return rc_store(ss_exec(st));
}

/* session.claimed {workerId, priority}. */
static int
claimed_event(struct arena *a, const struct actor *who, const char *org_id,
    const char *session_id, const char *worker_id, int64_t priority)
{
	struct session s;
	struct json_object *pl = json_object_new_object();

	memset(&s, 0, sizeof(s));
	s.org_id = org_id;
	s.tracker_session_id = session_id;
	json_object_object_add(pl, "workerId", json_object_new_string(worker_id));
	json_object_object_add(pl, "priority", json_object_new_int64(priority));
	return session_event(a, who, &s, "session.claimed", pl);
}

/* -------------------------------------------------------- poll (§6.4) */

/* How many sessions the worker holds (covering index on workerId, status). */
static const char sql_poll_held[] =
    "SELECT count(*) FROM sessions WHERE worker_id = ?1"
    " AND status IN ('claimed', 'running', 'finalizing')";
/* The undelivered, unacked messages of the sessions the worker holds, in
 * `prior` order (oldest claimedAt first), urgent lane first, oldest first. */
static const char sql_poll_inbox[] =
    "SELECT s.tracker_session_id, m.id, m.type, m.lane, m.payload,"
    " m.user_id, m.user_name, m.created_at"
    " FROM sessions s JOIN inbox_messages m"
    " ON m.session_id = s.tracker_session_id AND m.delivered_at IS NULL"
    " AND m.acked_at IS NULL AND m.archived_at IS NULL"
    " WHERE s.worker_id = ?1"
    " AND s.status IN ('claimed', 'running', 'finalizing')"
    " ORDER BY s.claimed_at, s.tracker_session_id, m.lane DESC, m.id";
/* Poll step 3's matching rows in serving order.  ?2 auth projects (JSON
 * array or NULL), ?3 name filter (JSON array or NULL). */
static const char sql_poll_queue[] =
    "SELECT q.session_id, q.priority, q.item, q.project_id FROM work_queue q"
    " WHERE q.org_id = ?1"
    " AND " SQL_IN_JSON_LIST("?2", "q.project_id")
    " AND (?3 IS NULL OR " SQL_IN_JSON_LIST("?3", "q.project_id")
    "  OR (q.project_name IS NOT NULL AND "
    SQL_IN_JSON_LIST("?3", "q.project_name") "))"
    " AND NOT EXISTS (SELECT 1 FROM work_nacks n WHERE n.worker_id = ?4"
    "  AND n.session_id = q.session_id AND n.until > ?5)"
    " ORDER BY q.priority, q.queued_at, q.rowid LIMIT ?6";
static const char sql_poll_take[] =
    "UPDATE sessions SET status = 'claimed', worker_id = ?2,"
    " claimed_at = ?3, updated_at = ?3"
    " WHERE tracker_session_id = ?1 AND status = 'pending'";
static const char sql_inbox_deliver[] =
    "UPDATE inbox_messages SET delivered_at = ?2, delivered_to = ?3"
    " WHERE id = ?1";

struct poll_msg {
	int64_t     id, created_at;
	const char *type, *lane, *payload, *user_id, *user_name;
};

/* A session of `prior` with messages to deliver. */
struct poll_session {
	const char      *id;
	struct poll_msg *msgs;
	int              nmsgs;
};

struct poll_item {
	const char *session_id, *item, *project_id;
	int64_t     priority;
};

/* Arena array growth: doubles *cap, copying n elements of size sz. */
static void *
grow(struct arena *a, void *p, size_t n, size_t *cap, size_t sz)
{
	void *q;

	if (n < *cap)
		return p;
	*cap = *cap ? *cap * 2 : 8;
	q = arena_alloc(a, *cap * sz);
	if (n)
		memcpy(q, p, n * sz);
	return q;
}

/* The worker's `projects` filter as bound in SQL: NULL when it holds no
 * entry (unset, [] or not an array). */
static const char *
name_filter(const char *projects)
{
	const char *p = projects;

	if (p == NULL)
		return NULL;
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	if (*p != '[')
		return NULL;
	for (p++; *p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'; p++)
		;
	return *p == ']' ? NULL : projects;
}

static void
render_msg(struct jw *w, const char *sid, const struct poll_msg *m)
{
	char id[48];

	snprintf(id, sizeof(id), "%lld-%lld", (long long)m->created_at,
	    (long long)m->id);
	jw_obj_open(w);
	jw_kstr(w, "id", id);
	jw_kstr(w, "type", m->type);
	jw_kstr(w, "sessionId", sid);
	jw_kstr(w, "payload", m->payload);
	if (m->user_id != NULL)
		jw_kstr(w, "userId", m->user_id);
	if (m->user_name != NULL)
		jw_kstr(w, "userName", m->user_name);
	jw_kint(w, "createdAt", m->created_at);
	jw_kstr(w, "lane", m->lane);
	jw_obj_close(w);
}

enum dom_rc
queue_poll(struct arena *a, const struct actor *who,
    const struct principal *p, const char *worker_id, struct jw *w,
    struct queue_poll_result *res)
{
	struct worker wk;
	struct poll_session *prior = NULL;
	struct poll_item *items = NULL;
	struct sstmt *st;
	size_t nprior = 0, cprior = 0, nitems = 0, citems = 0, nmsgs = 0;
	int64_t now = clock_now_ms(), want, held;
	int rc;
	enum dom_rc drc;

	memset(res, 0, sizeof(*res));
	/* 1. The worker, how much it holds, and its sessions' inbox. */
	if ((drc = worker_get(a, worker_id, now, &wk)) != DOM_OK)
		return drc;
	if (p != NULL && !worker_addressable(p, &wk))
		return DOM_NOT_FOUND;
	if ((st = store_stmt(sql_poll_held)) == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, wk.id);
	rc = ss_step(st);
	held = rc == STORE_ROW ? ss_int(st, 0) : 0;
	ss_reset(st);
	if (rc != STORE_ROW)
		return DOM_STORE;
	if ((st = store_stmt(sql_poll_inbox)) == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, wk.id);
	while ((rc = ss_step(st)) == STORE_ROW) {
		const char *sid = ss_text(st, 0);
		struct poll_session *ps;
		struct poll_msg *m;
		const char *lane;

		if (nprior == 0 || strcmp(prior[nprior - 1].id, sid) != 0) {
			prior = grow(a, prior, nprior, &cprior, sizeof(*prior));
			ps = &prior[nprior++];
			memset(ps, 0, sizeof(*ps));
			ps->id = arena_strdup(a, sid);
			ps->msgs = arena_alloc(a, (size_t)cfg.inbox_read *
			    sizeof(*ps->msgs));
		}
		ps = &prior[nprior - 1];
		lane = ss_text(st, 3);
		/* The first message decides the lane: urgent rows come first,
		 * so a normal one first means the session has no urgent. */
		if (ps->nmsgs >= cfg.inbox_read ||
		    (ps->nmsgs > 0 && strcmp(ps->msgs[0].lane, lane) != 0))
			continue;
		m = &ps->msgs[ps->nmsgs++];
		m->id = ss_int(st, 1);
		m->type = dom_col_text(a, st, 2);
		m->lane = dom_col_text(a, st, 3);
		m->payload = dom_col_text(a, st, 4);
		m->user_id = dom_col_text(a, st, 5);
		m->user_name = dom_col_text(a, st, 6);
		m->created_at = ss_int(st, 7);
		nmsgs++;
	}
	ss_reset(st);
	if (rc != STORE_DONE)
		return DOM_STORE;

	/* 2. How much to take. */
	want = worker_draining(&wk) ? 0 : wk.capacity - held;
	if (want > cfg.poll_batch)
		want = cfg.poll_batch;
	if (want < 0)
		want = 0;

	/* 3. Claim in serving order; non-matching rows stay in place. */
	while ((int64_t)nitems < want) {
		struct poll_item *batch = NULL;
		size_t nb = 0, cb = 0;

		if ((st = store_stmt(sql_poll_queue)) == NULL)
			return DOM_STORE;
		ss_bind_text(st, 1, wk.org_id);
		ss_bind_text(st, 2, wk.auth_project_ids);
		ss_bind_text(st, 3, name_filter(wk.projects));
		ss_bind_text(st, 4, wk.id);
		ss_bind_int(st, 5, now);
		ss_bind_int(st, 6, want - (int64_t)nitems);
		while ((rc = ss_step(st)) == STORE_ROW) {
			batch = grow(a, batch, nb, &cb, sizeof(*batch));
			batch[nb].session_id = dom_col_text(a, st, 0);
			batch[nb].priority = ss_int(st, 1);
			batch[nb].item = dom_col_text(a, st, 2);
			batch[nb].project_id = dom_col_text(a, st, 3);
			nb++;
		}
		ss_reset(st);
		if (rc != STORE_DONE)
			return DOM_STORE;
		if (nb == 0)
			break;
		for (size_t i = 0; i < nb; i++) {
			if ((drc = exec1(sql_queue_del, batch[i].session_id)) !=
			    DOM_OK)
				return drc;
			if ((st = store_stmt(sql_poll_take)) == NULL)
				return DOM_STORE;
			ss_bind_text(st, 1, batch[i].session_id);
			ss_bind_text(st, 2, wk.id);
			ss_bind_int(st, 3, now);
			if (ss_exec(st) != STORE_OK)
				return DOM_STORE;
			if (store_changes() == 0)
				continue;   /* missing or not pending: dropped */
			if ((drc = queue_claim_row(batch[i].session_id, wk.id,
			    now)) != DOM_OK)
				return drc;
			if (claimed_event(a, who, wk.org_id, batch[i].session_id,
			    wk.id, batch[i].priority) == -1)
				return DOM_STORE;
			items = grow(a, items, nitems, &citems, sizeof(*items));
			items[nitems++] = batch[i];
		}
	}

	/* 4. Mark the messages delivered. */
	if (nmsgs > 0) {
		for (size_t i = 0; i < nprior; i++)
			for (int j = 0; j < prior[i].nmsgs; j++) {
				if ((st = store_stmt(sql_inbox_deliver)) == NULL)
					return DOM_STORE;
				ss_bind_int(st, 1, prior[i].msgs[j].id);
				ss_bind_int(st, 2, now);
				ss_bind_text(st, 3, worker_id);
				if (ss_exec(st) != STORE_OK)
					return DOM_STORE;
			}
	}

	/* 5. The answer, left open (the caller closes it and commits). */
	jw_obj_open(w);
	jw_key(w, "work");
	jw_arr_open(w);
	for (size_t i = 0; i < nitems; i++)
		jw_raw(w, items[i].item, strlen(items[i].item));
	jw_arr_close(w);
	jw_key(w, "inboxMessages");
	jw_obj_open(w);
	for (size_t i = 0; i < nprior; i++) {
		if (prior[i].nmsgs == 0)
			continue;
		jw_key(w, prior[i].id);
		jw_arr_open(w);
		for (int j = 0; j < prior[i].nmsgs; j++)
			render_msg(w, prior[i].id, &prior[i].msgs[j]);
		jw_arr_close(w);
	}
	jw_obj_close(w);
	jw_kbool(w, "hasInboxMessages", nmsgs > 0);
	jw_kbool(w, "preClaimed", nitems > 0);
	jw_key(w, "claimedSessionIds");
	jw_arr_open(w);
	for (size_t i = 0; i < nitems; i++)
		jw_str(w, items[i].session_id);
	jw_arr_close(w);
	res->nclaimed = (int)nitems;
	if (nitems > 0) {
		res->session_ids = arena_alloc(a, nitems * sizeof(char *));
		res->project_ids = arena_alloc(a, nitems * sizeof(char *));
		for (size_t i = 0; i < nitems; i++) {
			res->session_ids[i] = items[i].session_id;
			res->project_ids[i] = items[i].project_id;
		}
	}
	return DOM_OK;
}

/* ------------------------------------------------------- claim (§6.4) */

static const char sql_claim_row[] =
    "SELECT q.priority, q.project_id, q.item, q.project_name"
    " FROM work_queue q WHERE q.session_id = ?1 AND q.org_id = ?2";
static const char sql_claim_live[] =
    "SELECT 1 FROM work_claims WHERE session_id = ?1 AND expires_at > ?2";
static const char sql_in_list[] =
    "SELECT " SQL_IN_JSON_LIST("?1", "?3") " OR (?2 IS NOT NULL AND "
    SQL_IN_JSON_LIST("?1", "?2") ")";
static const char sql_requeue[] =
    "UPDATE work_queue SET priority = ?2, queued_at = ?3, item = ?4"
    " WHERE session_id = ?1";

static int
in_principal_projects(const struct principal *p, const char *project_id)
{
	if (p->project_ids == NULL)
		return 1;
	for (int i = 0; i < p->nprojects; i++)
		if (strcmp(p->project_ids[i], project_id) == 0)
			return 1;
	return 0;
}

enum dom_rc
queue_claim(struct arena *a, const struct actor *who,
    const struct principal *p, const char *session_id,
    const char *worker_id, struct queue_claim_result *res)
{
	struct worker wk;
	struct session s;
	struct sstmt *st;
	const char *project_id = NULL, *project_name = NULL, *item = NULL;
	int64_t now = clock_now_ms(), prio = 0;
	int rc, known;
	enum dom_rc drc;

	memset(res, 0, sizeof(*res));
	res->reason = "Work item not available or already claimed";

	/* 1. A queue row in the caller's tenant, and no live claim. */
	if ((st = store_stmt(sql_claim_row)) == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, session_id);
	ss_bind_text(st, 2, p->org_id);
	if ((rc = ss_step(st)) == STORE_ROW) {
		prio = ss_int(st, 0);
		project_id = dom_col_text(a, st, 1);
		item = dom_col_text(a, st, 2);
		project_name = dom_col_text(a, st, 3);
	}
	ss_reset(st);
	if (rc != STORE_ROW && rc != STORE_DONE)
		return DOM_STORE;
	if (rc == STORE_DONE || !in_principal_projects(p, project_id))
		return DOM_OK;
	if ((st = store_stmt(sql_claim_live)) == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, session_id);
	ss_bind_int(st, 2, now);
	rc = ss_step(st);
	ss_reset(st);
	if (rc == STORE_ROW)
		return DOM_OK;
	if (rc != STORE_DONE)
		return DOM_STORE;

	/* 2-3. The body worker, when it exists (in this org). */
	drc = worker_get(a, worker_id, now, &wk);
	if (drc == DOM_STORE)
		return drc;
	known = drc == DOM_OK && strcmp(wk.org_id, p->org_id) == 0;
	if (known && worker_draining(&wk)) {
		res->reason = "Worker is draining";
		return DOM_OK;
	}
	if (known && name_filter(wk.projects) != NULL) {
		if ((st = store_stmt(sql_in_list)) == NULL)
			return DOM_STORE;
		ss_bind_text(st, 1, wk.projects);
		ss_bind_text(st, 2, project_name);
		ss_bind_text(st, 3, project_id);
		rc = ss_step(st);
		known = rc == STORE_ROW ? (int)ss_int(st, 0) : -1;
		ss_reset(st);
		if (known == -1)
			return DOM_STORE;
		if (!known) {
			/* Re-queued one step sooner, at the back of its
			 * priority (the reference pops and re-adds it). */
			int64_t np = prio > 1 ? prio - 1 : 1;
			const char *ni = item;
			size_t nn = strlen(item);

			drc = session_get(a, session_id, &s);
			if (drc == DOM_STORE)
				return drc;
			if (drc == DOM_OK) {
				s.priority = np;
				s.queued_at = now;
				if ((drc = session_save(&s)) != DOM_OK)
					return drc;
				ni = item_build(&s, np, now, &nn);
			}
			if ((st = store_stmt(sql_requeue)) == NULL)
				return DOM_STORE;
			ss_bind_text(st, 1, session_id);
			ss_bind_int(st, 2, np);
			ss_bind_int(st, 3, now);
			ss_bind_textn(st, 4, ni, nn);
			if (ss_exec(st) != STORE_OK)
				return DOM_STORE;
			res->reason = arena_printf(a,
			    "Worker not authorized for project %s",
			    project_name ? project_name : project_id);
			return DOM_OK;
		}
	}

	/* 4-5. The session. */
	drc = session_get(a, session_id, &s);
	if (drc == DOM_STORE)
		return drc;
	if (drc == DOM_NOT_FOUND) {
		res->reason = "Session state expired, work item dropped";
		return exec1(sql_queue_del, session_id);
	}
	if (s.status != SESSION_PENDING) {
		res->reason = arena_printf(a,
		    "Session in %s status, work item dropped",
		    session_status_name(s.status));
		return exec1(sql_queue_del, session_id);
	}

	/* 6. The conditional move. */
	if ((st = store_stmt(sql_poll_take)) == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, session_id);
	ss_bind_text(st, 2, worker_id);
	ss_bind_int(st, 3, now);
	if (ss_exec(st) != STORE_OK)
		return DOM_STORE;
	if (store_changes() == 0) {
		res->reason = "Session state update failed, work re-queued";
		return DOM_OK;
	}

	/* 7. Claimed. */
	if ((drc = exec1(sql_queue_del, session_id)) != DOM_OK ||
	    (drc = queue_claim_row(session_id, worker_id, now)) != DOM_OK)
		return drc;
	if (claimed_event(a, who, s.org_id, session_id, worker_id, prio) == -1)
		return DOM_STORE;
	if (session_get(a, session_id, &res->session) != DOM_OK)
		return DOM_STORE;
	res->claimed = 1;
	res->reason = NULL;
	res->item = item;
	return DOM_OK;
}

/* -------------------------------------------------------- nack (§6.5) */

static const char sql_nack_put[] =
    "INSERT OR REPLACE INTO work_nacks (worker_id, session_id, until)"
    " VALUES (?1, ?2, ?3)";

enum dom_rc
queue_nack(struct arena *a, const struct actor *who, struct session *s,
    const char *worker_id, const char *reason, int *changed,
    struct dom_err *err)
{
	struct json_object *pl;
	struct sstmt *st;
	int64_t now = clock_now_ms();
	enum dom_rc rc;

	*changed = 0;
	err->message = NULL;
	if (s->status == SESSION_PENDING)
		return DOM_OK;
	if (s->status != SESSION_CLAIMED) {
		err->message = arena_printf(a, "Session is already %s",
		    session_status_name(s->status));
		return DOM_CONFLICT;
	}
	if ((rc = exec1(sql_claim_del, s->tracker_session_id)) != DOM_OK)
		return rc;
	s->status = SESSION_PENDING;
	s->worker_id = NULL;
	s->claimed_at = 0;
	s->updated_at = now;
	if (s->queued_at == 0)
		s->queued_at = now;
	if ((rc = session_save(s)) != DOM_OK)
		return rc;
	/* The original priority and queuedAt, kept on the session. */
	if ((rc = exec1(sql_parked_del, s->tracker_session_id)) != DOM_OK ||
	    (rc = queue_insert(s)) != DOM_OK)
		return rc;
	if ((st = store_stmt(sql_nack_put)) == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, worker_id);
	ss_bind_text(st, 2, s->tracker_session_id);
	ss_bind_int(st, 3, now + cfg.nack_exclusion * 1000);
	if (ss_exec(st) != STORE_OK)
		return DOM_STORE;
	if ((rc = inbox_redeliver(s->tracker_session_id)) != DOM_OK)
		return rc;
	pl = json_object_new_object();
	json_object_object_add(pl, "workerId", json_object_new_string(worker_id));
	json_object_object_add(pl, "reason", dom_jstr(reason));
	if (session_event(a, who, s, "session.nacked", pl) == -1)
		return DOM_STORE;
	*changed = 1;
	return DOM_OK;
}

/* ---------------------------------------------- lock-refresh (§6.6) */

static const char sql_lock_refresh[] =
    "UPDATE issue_locks SET expires_at = ?4 WHERE org_id = ?1"
    " AND issue_id = ?2 AND session_id = ?3 AND expires_at > ?5";

enum dom_rc
queue_lock_refresh(const struct session *s, const char *issue_id,
    int *refreshed)
{
	struct sstmt *st = store_stmt(sql_lock_refresh);
	int64_t now = clock_now_ms();

	*refreshed = 0;
	if (st == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, s->org_id);
	ss_bind_text(st, 2, issue_id);
	ss_bind_text(st, 3, s->tracker_session_id);
	ss_bind_int(st, 4, now + cfg.issue_lock_ttl * 1000);
	ss_bind_int(st, 5, now);
	if (ss_exec(st) != STORE_OK)
		return DOM_STORE;
	*refreshed = store_changes() > 0;
	return DOM_OK;
}

/* --------------------------------------------------- transfer (§5.2) */

static const char sql_claim_move[] =
    "UPDATE work_claims SET worker_id = ?2 WHERE session_id = ?1";

enum dom_rc
queue_transfer(struct arena *a, const struct actor *who, struct session *s,
    const char *new_worker_id)
{
	struct json_object *pl;
	struct sstmt *st;
	const char *from = s->worker_id;
	enum dom_rc rc;

	s->worker_id = arena_strdup(a, new_worker_id);
	s->updated_at = clock_now_ms();
	if ((rc = session_save(s)) != DOM_OK)
		return rc;
	if ((st = store_stmt(sql_claim_move)) == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, s->tracker_session_id);
	ss_bind_text(st, 2, new_worker_id);
	if (ss_exec(st) != STORE_OK)
		return DOM_STORE;
	if ((rc = inbox_redeliver(s->tracker_session_id)) != DOM_OK)
		return rc;
	pl = json_object_new_object();
	json_object_object_add(pl, "from", dom_jstr(from));
	json_object_object_add(pl, "to", json_object_new_string(new_worker_id));
	if (session_event(a, who, s, "session.ownership_transferred", pl) == -1)
		return DOM_STORE;
	return DOM_OK;
}

/* ------------------------------------------------------- inbox (§6.7) */

static const char sql_inbox_next[] =
    "SELECT COALESCE(MAX(id), 0) + 1 FROM inbox_messages";
static const char sql_inbox_put[] =
    "INSERT INTO inbox_messages (id, session_id, seq, type, lane, payload,"
    " user_id, user_name, created_at) VALUES (?1, ?2, ?1, ?3, ?4, ?5, ?6,"
    " ?7, ?8)";
static const char sql_inbox_ack[] =
    "UPDATE inbox_messages SET acked_at = ?5 WHERE id = ?1 AND seq = ?1"
    " AND created_at = ?2 AND session_id = ?3 AND lane = ?4"
    " AND acked_at IS NULL";
static const char sql_inbox_redeliver[] =
    "UPDATE inbox_messages SET delivered_at = NULL, delivered_to = NULL"
    " WHERE session_id = ?1 AND delivered_at IS NOT NULL AND acked_at IS NULL"
    " AND archived_at IS NULL";
static const char sql_inbox_archive[] =
    "UPDATE inbox_messages SET archived_at = ?2 WHERE session_id = ?1"
    " AND archived_at IS NULL";

static int
one_of(const char *s, const char *const *set)
{
	for (; s != NULL && *set != NULL; set++)
		if (strcmp(s, *set) == 0)
			return 1;
	return 0;
}

enum dom_rc
inbox_publish(struct arena *a, const char *session_id, const char *type,
    const char *lane, const char *payload, const char *user_id,
    const char *user_name, const char **out_id)
{
	static const char *const types[] = { "stop", "directive", "hook-result",
		"nudge", NULL };
	static const char *const lanes[] = { INBOX_LANE_URGENT,
		INBOX_LANE_NORMAL, NULL };
	struct sstmt *st;
	int64_t seq, now = clock_now_ms();
	int rc;

	if (!one_of(type, types) || !one_of(lane, lanes) || payload == NULL ||
	    strlen(payload) > INBOX_PAYLOAD_MAX)
		return DOM_INVALID;
	if ((st = store_stmt(sql_inbox_next)) == NULL)
		return DOM_STORE;
	rc = ss_step(st);
	seq = rc == STORE_ROW ? ss_int(st, 0) : 0;
	ss_reset(st);
	if (rc != STORE_ROW)
		return DOM_STORE;
	if ((st = store_stmt(sql_inbox_put)) == NULL)
		return DOM_STORE;
	ss_bind_int(st, 1, seq);
	ss_bind_text(st, 2, session_id);
	ss_bind_text(st, 3, type);
	ss_bind_text(st, 4, lane);
	ss_bind_text(st, 5, payload);
	ss_bind_text(st, 6, user_id);
	ss_bind_text(st, 7, user_name);
	ss_bind_int(st, 8, now);
	if (ss_exec(st) != STORE_OK)
		return DOM_STORE;
	if (out_id != NULL)
		*out_id = arena_printf(a, "%lld-%lld", (long long)now,
		    (long long)seq);
	return DOM_OK;
}

/* "<createdAt>-<seq>": two decimal numbers without sign or leading '+'. */
static int
parse_message_id(const char *id, int64_t *created, int64_t *seq)
{
	const char *dash;
	char *end;
	long long c, s;

	if (id == NULL || (dash = strchr(id, '-')) == NULL || dash == id ||
	    dash[1] == '\0' || strspn(id, "0123456789") != (size_t)(dash - id) ||
	    strspn(dash + 1, "0123456789") != strlen(dash + 1) ||
	    dash - id > 18 || strlen(dash + 1) > 18)
		return -1;
	c = strtoll(id, &end, 10);
	s = strtoll(dash + 1, &end, 10);
	*created = c;
	*seq = s;
	return 0;
}

enum dom_rc
inbox_ack(const char *session_id, const char *message_id, const char *lane)
{
	struct sstmt *st;
	int64_t created, seq;

	if (parse_message_id(message_id, &created, &seq) == -1)
		return DOM_OK;
	if ((st = store_stmt(sql_inbox_ack)) == NULL)
		return DOM_STORE;
	ss_bind_int(st, 1, seq);
	ss_bind_int(st, 2, created);
	ss_bind_text(st, 3, session_id);
	ss_bind_text(st, 4, lane);
	ss_bind_int(st, 5, clock_now_ms());
	return rc_store(ss_exec(st));
}

enum dom_rc
inbox_redeliver(const char *session_id)
{
	return exec1(sql_inbox_redeliver, session_id);
}

enum dom_rc
inbox_archive(const char *session_id, int64_t now)
{
	struct sstmt *st = store_stmt(sql_inbox_archive);

	if (st == NULL)
		return DOM_STORE;
	ss_bind_text(st, 1, session_id);
	ss_bind_int(st, 2, now);
	return rc_store(ss_exec(st));
}

/* ----------------------------------------------------- cleanup (§6.9) */

#define CLEANUP_BATCH 100

static const char sql_maint_seed[] =
    "INSERT OR IGNORE INTO maintenance (name, last_at)"
    " VALUES ('worker-cleanup', 0)";
static const char sql_maint_claim[] =
    "UPDATE maintenance SET last_at = ?1 WHERE name = 'worker-cleanup'"
    " AND last_at <= ?2";

static int
maintenance_stamp(int force)
{
	struct sstmt *st;
	int64_t now = clock_now_ms();
	int won;

	if (store_begin_write() != STORE_OK)
		return -1;
	if ((st = store_stmt(sql_maint_seed)) == NULL || ss_exec(st) != STORE_OK)
		goto fail;
	if ((st = store_stmt(sql_maint_claim)) == NULL)
		goto fail;
	ss_bind_int(st, 1, now);
	ss_bind_int(st, 2, force ? INT64_MAX : now - cfg.cleanup_interval * 1000);
	if (ss_exec(st) != STORE_OK)
		goto fail;
	won = store_changes() == 1;
	if (store_commit() != STORE_OK)
		return -1;
	return won;
fail:
	store_rollback();
	return -1;
}

int
cleanup_due(void)
{
	return maintenance_stamp(0);
}

int
cleanup_stamp(void)
{
	return maintenance_stamp(1);
}

/*
 * The sweeps' conditions.  Candidates are selected outside the write lock
 * (a plain read, so a full scan never stalls polls); each is checked again
 * by its id inside the batch's write transaction before it is changed.
 */
/* Orphans: claimed/running sessions untouched for RENSEI_ORPHAN_THRESHOLD
 * (?1) whose worker is unset, gone or offline (no heartbeat since ?2). */
#define ORPHAN_WHERE \
    " s.status IN ('claimed', 'running') AND s.updated_at < ?1" \
    " AND (s.worker_id IS NULL OR s.worker_id = '' OR NOT EXISTS" \
    "  (SELECT 1 FROM workers w WHERE w.id = s.worker_id" \
    "   AND w.last_heartbeat >= ?2))"
/* Zombies: pending sessions untouched since ?1, neither queued nor parked. */
#define ZOMBIE_WHERE \
    " s.status = 'pending' AND s.updated_at < ?1" \
    " AND NOT EXISTS (SELECT 1 FROM work_queue q" \
    "  WHERE q.session_id = s.tracker_session_id)" \
    " AND NOT EXISTS (SELECT 1 FROM parked_work pw" \
    "  WHERE pw.session_id = s.tracker_session_id)"
/* Active sessions whose stop was requested before ?1. */
#define STOP_DUE_WHERE \
    " s.status IN ('claimed', 'running', 'finalizing')" \
    " AND s.stop_requested_at IS NOT NULL AND s.stop_requested_at < ?1"

static const char sql_orphans[] =
    "SELECT s.tracker_session_id FROM sessions s WHERE" ORPHAN_WHERE
    " LIMIT 100";
static const char sql_orphan_check[] =
    "SELECT 1 FROM sessions s WHERE s.tracker_session_id = ?3 AND"
    ORPHAN_WHERE;
static const char sql_zombies[] =
    "SELECT s.tracker_session_id FROM sessions s WHERE" ZOMBIE_WHERE
    " LIMIT 100";
static const char sql_zombie_check[] =
    "SELECT 1 FROM sessions s WHERE s.tracker_session_id = ?3 AND"
    ZOMBIE_WHERE;
static const char sql_stop_due[] =
    "SELECT s.tracker_session_id FROM sessions s WHERE" STOP_DUE_WHERE
    " LIMIT 100";
static const char sql_stop_due_check[] =
    "SELECT 1 FROM sessions s WHERE s.tracker_session_id = ?3 AND"
    STOP_DUE_WHERE;
static const char sql_expired_locks[] =
    "SELECT org_id, issue_id FROM issue_locks WHERE expires_at <= ?1"
    " LIMIT 100";
static const char sql_expired_lock_del[] =
    "DELETE FROM issue_locks WHERE org_id = ?1 AND issue_id = ?2"
    " AND expires_at <= ?3";

/* Purges, each deleting at most one batch per call; ?1 is the cutoff. */
enum purge_cut { CUT_WORKER, CUT_NOW, CUT_ARCHIVE, CUT_DAY, CUT_STREAM };
static const struct {
	const char     *sql;
	enum purge_cut  cut;
} purges[] = {
	{ "DELETE FROM workers WHERE rowid IN (SELECT rowid FROM workers"
	  " WHERE last_heartbeat < ?1 LIMIT 100)", CUT_WORKER },
	{ "DELETE FROM work_claims WHERE rowid IN (SELECT rowid FROM work_claims"
	  " WHERE expires_at <= ?1 LIMIT 100)", CUT_NOW },
	{ "DELETE FROM work_nacks WHERE rowid IN (SELECT rowid FROM work_nacks"
	  " WHERE until <= ?1 LIMIT 100)", CUT_NOW },
	{ "DELETE FROM inbox_messages WHERE id IN (SELECT id FROM inbox_messages"
	  " WHERE archived_at IS NOT NULL AND archived_at < ?1 LIMIT 100)",
	  CUT_ARCHIVE },
	{ "DELETE FROM credential_rotations WHERE seq IN (SELECT seq FROM"
	  " credential_rotations WHERE at < ?1 LIMIT 100)", CUT_DAY },
	{ "DELETE FROM credential_streams WHERE rowid IN (SELECT rowid FROM"
	  " credential_streams WHERE last_seen_at < ?1 LIMIT 100)", CUT_STREAM },
};

/* Selects ≤ 100 candidate sessions with sel (a read, outside the write
 * lock), then, in one write transaction, applies fn to each that check
 * still finds eligible.  Returns the number of candidates, or -1. */
static int
sweep(struct arena *a, const char *sel, const char *check, int64_t p1,
    int64_t p2, enum dom_rc (*fn)(struct arena *, struct session *, int64_t *),
    int64_t *count)
{
	const char *ids[CLEANUP_BATCH];
	struct sstmt *st;
	int n = 0, rc = STORE_DONE;

	if ((st = store_stmt(sel)) == NULL)
		return -1;
	ss_bind_int(st, 1, p1);
	ss_bind_int(st, 2, p2);
	while (n < CLEANUP_BATCH && (rc = ss_step(st)) == STORE_ROW)
		ids[n++] = dom_col_text(a, st, 0);
	ss_reset(st);
	if (rc != STORE_ROW && rc != STORE_DONE)
		return -1;
	if (n == 0)
		return 0;
	if (store_begin_write() != STORE_OK)
		return -1;
	for (int i = 0; i < n; i++) {
		struct session s;
		enum dom_rc drc;

		if ((st = store_stmt(check)) == NULL)
			goto fail;
		ss_bind_int(st, 1, p1);
		ss_bind_int(st, 2, p2);
		ss_bind_text(st, 3, ids[i]);
		rc = ss_step(st);
		ss_reset(st);
		if (rc == STORE_DONE)
			continue;       /* changed meanwhile */
		if (rc != STORE_ROW)
			goto fail;
		drc = session_get(a, ids[i], &s);
		if (drc == DOM_NOT_FOUND)
			continue;
		if (drc != DOM_OK || fn(a, &s, count) != DOM_OK)
			goto fail;
	}
	if (store_commit() != STORE_OK)
		goto fail;
	return n;
fail:
	store_rollback();
	return -1;
}

static enum dom_rc
orphan_recover(struct arena *a, struct session *s, int64_t *count)
{
	enum session_status from = s->status;
	struct json_object *pl;
	int64_t now = clock_now_ms();
	int parked;
	enum dom_rc rc;

	if ((rc = exec1(sql_claim_del, s->tracker_session_id)) != DOM_OK)
		return rc;
	s->status = SESSION_PENDING;
	s->worker_id = NULL;
	s->claimed_at = 0;
	s->provider_session_id = NULL;
	s->updated_at = now;
	/* queue_place keeps or refreshes the lock, or parks. */
	if ((rc = queue_place(a, s, s->priority > 1 ? s->priority - 1 : 1, now,
	    &parked)) != DOM_OK)
		return rc;
	if ((rc = inbox_redeliver(s->tracker_session_id)) != DOM_OK)
		return rc;
	pl = json_object_new_object();
	json_object_object_add(pl, "from",
	    json_object_new_string(session_status_name(from)));
	json_object_object_add(pl, "to", json_object_new_string("pending"));
	json_object_object_add(pl, "reason",
	    json_object_new_string("orphan_recovered"));
	json_object_object_add(pl, "promotedSessionId", NULL);
	if (session_event(a, &actor_system, s, "session.status_changed", pl) ==
	    -1)
		return DOM_STORE;
	(*count)++;
	return DOM_OK;
}

static enum dom_rc
zombie_requeue(struct arena *a, struct session *s, int64_t *count)
{
	int parked;
	enum dom_rc rc;

	rc = queue_place(a, s, s->priority ? s->priority : 3, clock_now_ms(),
	    &parked);
	if (rc == DOM_OK)
		(*count)++;
	return rc;
}

static enum dom_rc
stop_deadline(struct arena *a, struct session *s, int64_t *count)
{
	enum dom_rc rc = session_force_stop(a, &actor_system, s);

	if (rc == DOM_OK)
		(*count)++;
	return rc;
}

/* Expired locks: deleted, and the issue's next parked item promoted (a
 * lock whose holder never finished would otherwise strand it). */
static int
sweep_locks(struct arena *a, int64_t now, int64_t *purged)
{
	const char *org[CLEANUP_BATCH], *issue[CLEANUP_BATCH], *promoted;
	struct sstmt *st;
	int n = 0, rc = STORE_DONE;

	if (store_begin_write() != STORE_OK)
		return -1;
	if ((st = store_stmt(sql_expired_locks)) == NULL)
		goto fail;
	ss_bind_int(st, 1, now);
	while (n < CLEANUP_BATCH && (rc = ss_step(st)) == STORE_ROW) {
		org[n] = dom_col_text(a, st, 0);
		issue[n] = dom_col_text(a, st, 1);
		n++;
	}
	ss_reset(st);
	if (rc != STORE_ROW && rc != STORE_DONE)
		goto fail;
	for (int i = 0; i < n; i++) {
		if ((st = store_stmt(sql_expired_lock_del)) == NULL)
			goto fail;
		ss_bind_text(st, 1, org[i]);
		ss_bind_text(st, 2, issue[i]);
		ss_bind_int(st, 3, now);
		if (ss_exec(st) != STORE_OK)
			goto fail;
		*purged += store_changes();
		if (promote_next(a, org[i], issue[i], &promoted) != DOM_OK)
			goto fail;
	}
	if (store_commit() != STORE_OK)
		goto fail;
	return n;
fail:
	store_rollback();
	return -1;
}

int
cleanup_run(struct arena *a, struct cleanup_result *res)
{
	int64_t now = clock_now_ms(), online;
	int n;

	/* A worker still counts (not gone, not offline) from this time on. */
	online = now - cfg.worker_heartbeat_timeout;
	if (online < now - cfg.worker_ttl * 1000)
		online = now - cfg.worker_ttl * 1000;
	memset(res, 0, sizeof(*res));
	do {
		n = sweep(a, sql_orphans, sql_orphan_check,
		    now - cfg.orphan_threshold, online, orphan_recover,
		    &res->requeued);
	} while (n == CLEANUP_BATCH);
	if (n == -1)
		return -1;
	do {
		n = sweep(a, sql_zombies, sql_zombie_check,
		    now - cfg.zombie_threshold * 1000, 0, zombie_requeue,
		    &res->requeued);
	} while (n == CLEANUP_BATCH);
	if (n == -1)
		return -1;
	do {
		n = sweep(a, sql_stop_due, sql_stop_due_check,
		    now - cfg.stop_grace_ms, 0, stop_deadline, &res->stopped);
	} while (n == CLEANUP_BATCH);
	if (n == -1)
		return -1;
	do {
		n = sweep_locks(a, now, &res->purged);
	} while (n == CLEANUP_BATCH);
	if (n == -1)
		return -1;
	for (size_t i = 0; i < sizeof(purges) / sizeof(purges[0]); i++) {
		int64_t changed, cut;

		switch (purges[i].cut) {
		case CUT_WORKER:
			cut = now - cfg.worker_ttl * 1000;
			break;
		case CUT_ARCHIVE:
			cut = now - cfg.inbox_archive_days * INT64_C(86400000);
			break;
		case CUT_DAY:
			cut = now - INT64_C(86400000);
			break;
		case CUT_STREAM:
			cut = now - 60000;
			break;
		default:
			cut = now;
			break;
		}
		do {
			struct sstmt *st;

			if (store_begin_write() != STORE_OK)
				return -1;
			if ((st = store_stmt(purges[i].sql)) == NULL) {
				store_rollback();
				return -1;
			}
			ss_bind_int(st, 1, cut);
			if (ss_exec(st) != STORE_OK) {
				store_rollback();
				return -1;
			}
			changed = store_changes();
			if (store_commit() != STORE_OK)
				return -1;
			res->purged += changed;
		} while (changed == CLEANUP_BATCH);
	}
	return 0;
}
