/*
 * creds.c -- the worker credential routes (02-worker-protocol.md §7):
 * POST /api/daemon/credentials/snapshot, POST …/rotate, and
 * GET …/rotate-stream (served by `rensei-workers --streams`).
 *
 * Check order (§7.2), authentication and scope being done by the route
 * dispatch: body or query parse (400) → field validation (400) →
 * cross-tenant guard (403) → project (404) → session (404, F7, 409) →
 * action.  A stored value is unsealed only into the response being built,
 * after its credential.revealed is in the transaction, and the bytes are
 * wiped once written (01-auth.md §1.2); response bodies of these routes
 * are never logged.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include <fcgiapp.h>
#include <json-c/json.h>

#include "auth.h"
#include "clock.h"
#include "cred.h"
#include "extern.h"
#include "http.h"
#include "json.h"
#include "log.h"
#include "session.h"
#include "settings.h"
#include "store.h"
#include "tenancy.h"
#include "valid.h"

#define ENV_DEFAULT  "production"
#define ENV_INVALID  "envName must match ^[a-z0-9][a-z0-9_-]{0,47}$"
#define CROSS_TENANT "orgId does not match the authenticated organization"
#define KEEPALIVE_MS 15000
#define TOUCH_MS     10000   /* registry refresh, under CRED_STREAM_TOUCH_MS */

/* ------------------------------------------------------------- helpers */

static int
body_in(struct request *req, struct response *resp,
    const struct valid_field *fields, size_t n, struct json_object **root,
    struct valid_val *v)
{
	struct valid_err err;

	if ((*root = http_read_json(req, resp)) == NULL)
		return -1;
	if (valid_body(req->arena, VALID_LAX, fields, n, *root, v, &err) == -1) {
		http_error(resp, err.status, err.msg);
		return -1;
	}
	return 0;
}

static int
project_allowed(const struct principal *p, const char *project_id)
{
	if (p->project_ids == NULL)
		return 1;
	for (int i = 0; i < p->nprojects; i++)
		if (strcmp(p->project_ids[i], project_id) == 0)
			return 1;
	return 0;
}

/*
 * §7.2 session rule: a session of the principal's org and projects (and
 * of project_id when given) → else 404; for a runtime JWT held by that
 * worker → else F7, and active → else 409.  0, -1 answered, or -2 on a
 * store failure (not answered).
 */
static int
session_check(struct request *req, struct response *resp, const char *id,
    const char *project_id, struct session *s)
{
	const struct principal *p = req->principal;
	enum dom_rc rc;

	rc = session_get(req->arena, id, s);
	if (rc == DOM_STORE)
		return -2;
	if (rc != DOM_OK || p->org_id == NULL ||
	    strcmp(s->org_id, p->org_id) != 0 ||
	    !session_addressable(p, s) ||
	    (project_id != NULL && strcmp(s->project_id, project_id) != 0)) {
		http_error(resp, 404, "Session not found");
		return -1;
	}
	if (p->kind != CK_RUNTIME_JWT)
		return 0;
	if (s->worker_id == NULL || strcmp(s->worker_id, p->worker_id) != 0) {
		auth_fail(req, resp, F7, 0, 0);
		return -1;
	}
	if (!session_status_active(s->status)) {
		http_error(resp, 409, arena_printf(req->arena,
		    "Session is already %s", session_status_name(s->status)));
		return -1;
	}
	return 0;
}

/* {"NAME":"value",…} of refs, values unsealed one at a time. */
static enum dom_rc
env_write(struct jw *w, const struct cred_ref *refs, size_t n)
{
	enum dom_rc rc;

	jw_obj_open(w);
	for (size_t i = 0; i < n; i++) {
		jw_key(w, refs[i].name);
		if ((rc = credential_value_write(w, refs[i].id)) != DOM_OK)
			return rc;
	}
	jw_obj_close(w);
	return DOM_OK;
}

static const char **
ref_names(struct arena *a, const struct cred_ref *refs, size_t n)
{
	const char **names = arena_alloc(a, (n ? n : 1) * sizeof(*names));

	for (size_t i = 0; i < n; i++)
		names[i] = refs[i].name;
	return names;
}

/* ------------------------------------------------------------ snapshot */

enum { N_ORG, N_PROJECT, N_SESSION, N_ENV, N__MAX };
static const struct valid_field snapshot_body[N__MAX] = {
	[N_ORG] = { "orgId", VALID_STRING, VALID_REQUIRED,
	    .msg_missing = "orgId is required" },
	[N_PROJECT] = { "projectId", VALID_STRING, .flags = 0 },
	[N_SESSION] = { "sessionId", VALID_STRING, .flags = 0 },
	/* Checked by hand: its message comes after projectId's. */
	[N_ENV] = { "envName", VALID_ANY, .flags = 0 },
};

void
creds_snapshot(struct request *req, struct response *resp)
{
	static const char fail[] = "Failed to resolve credentials";
	const struct principal *p = req->principal;
	struct valid_val v[N__MAX];
	struct json_object *root = NULL;
	struct cred_ref *refs;
	struct project proj;
	struct session s;
	struct actor who;
	struct jw w;
	const char *project_id = NULL, *session_id = NULL, *env = ENV_DEFAULT;
	char until[ISO8601_LEN + 1];
	size_t n;
	int64_t now;
	enum dom_rc rc;
	int r;

	http_no_store(resp);
	if (body_in(req, resp, snapshot_body, N__MAX, &root, v) == -1)
		return;
	if (v[N_PROJECT].present && v[N_PROJECT].len > 0)
		project_id = v[N_PROJECT].s;
	if (v[N_SESSION].present && v[N_SESSION].len > 0)
		session_id = v[N_SESSION].s;
	if (project_id == NULL && session_id == NULL) {
		http_error(resp, 400, "projectId is required");
		return;
	}
	if (v[N_ENV].present) {
		if (json_object_get_type(v[N_ENV].o) != json_type_string ||
		    !credential_env_valid(json_object_get_string(v[N_ENV].o))) {
			http_error(resp, 400, ENV_INVALID);
			return;
		}
		env = json_object_get_string(v[N_ENV].o);
	}
	if (p->kind == CK_RUNTIME_JWT && session_id == NULL) {
		http_error(resp, 400, "sessionId is required");
		return;
	}
	if (p->org_id == NULL || strcmp(v[N_ORG].s, p->org_id) != 0) {
		http_error(resp, 403, CROSS_TENANT);
		return;
	}

	/* One write transaction: the checks, the resolution, the event and
	 * the body; nothing leaves before the event is committed. */
	if (store_begin_write() != STORE_OK) {
		http_store_unavailable(resp, fail);
		return;
	}
	if (project_id != NULL) {
		rc = project_get(req->arena, p->org_id, project_id, &proj);
		if (rc == DOM_STORE)
			goto store;
		if (rc != DOM_OK || !project_allowed(p, proj.id)) {
			store_rollback();
			http_error(resp, 404, "Project not found");
			return;
		}
		project_id = proj.id;
	}
	if (session_id != NULL) {
		if ((r = session_check(req, resp, session_id, project_id, &s)) ==
		    -2)
			goto store;
		if (r == -1) {
			store_rollback();
			return;
		}
		project_id = s.project_id;
		session_id = s.tracker_session_id;
	}
	if (credential_resolve(req->arena, p->org_id, project_id, env, &refs,
	    &n) != DOM_OK)
		goto store;
	/* 09-audit.md §4.2: the JWT's worker, else the key. */
	session_actor(p, NULL, &who);
	if (credential_revealed(req->arena, &who, p->org_id, "snapshot",
	    project_id, env, session_id, ref_names(req->arena, refs, n), n) ==
	    -1)
		goto store;
	now = clock_now_ms();
	iso8601_ms(until, now + cfg.credential_refresh * 1000);
	buf_reserve(&resp->body, credential_env_bound(refs, n) + 64);
	jw_init(&w, &resp->body);
	jw_obj_open(&w);
	jw_key(&w, "env");
	if (env_write(&w, refs, n) != DOM_OK) {
		buf_wipe(&resp->body);
		goto store;
	}
	jw_kstr(&w, "refreshUntil", until);
	jw_obj_close(&w);
	if (store_commit() != STORE_OK) {
		buf_wipe(&resp->body);
		goto store;
	}
	http_json(resp, 200);
	return;
store:
	store_rollback();
	http_store_unavailable(resp, fail);
}

/* -------------------------------------------------------------- rotate */

static int
check_kind(struct arena *a, const struct valid_field *f, struct valid_val *v,
    const char **msg)
{
	(void)a;
	(void)f;
	(void)msg;
	return credential_name_valid(v->s) ? 0 : -1;
}

enum { R_ORG, R_KIND, R__MAX };
static const struct valid_field rotate_body[R__MAX] = {
	[R_ORG] = { "orgId", VALID_STRING, VALID_REQUIRED,
	    .msg_missing = "orgId is required" },
	[R_KIND] = { "kind", VALID_STRING, VALID_REQUIRED, .maxlen = 128,
	    .check = check_kind, .msg_missing = "kind is required",
	    .msg_toolong = "kind is required" },
};

void
creds_rotate(struct request *req, struct response *resp)
{
	static const char fail[] = "Failed to rotate credential";
	const struct principal *p = req->principal;
	struct valid_val v[R__MAX];
	struct json_object *root = NULL;
	struct dom_err err;
	struct actor who;
	struct jw w;
	char at[ISO8601_LEN + 1];
	int64_t now, count = 0;
	enum dom_rc rc;

	resp->no_log_body = 1;      /* 01-auth.md §1.2: none of this group's */
	/* §7.2: a runtime JWT has no role (F3), before the body is read. */
	if (p->kind == CK_RUNTIME_JWT) {
		auth_fail(req, resp, F3, 0, 0);
		return;
	}
	if (body_in(req, resp, rotate_body, R__MAX, &root, v) == -1)
		return;
	if (p->org_id == NULL || strcmp(v[R_ORG].s, p->org_id) != 0) {
		http_error(resp, 403, CROSS_TENANT);
		return;
	}
	now = clock_now_ms();
	/* 09-audit.md §4.2: the JWT's worker, else the key. */
	session_actor(p, NULL, &who);
	if (store_begin_write() != STORE_OK) {
		http_store_unavailable(resp, fail);
		return;
	}
	rc = credential_rotate(req->arena, &who, p->org_id, v[R_KIND].s, now,
	    &count, &err);
	if (rc == DOM_OK && store_commit() != STORE_OK)
		rc = DOM_STORE;
	if (rc != DOM_OK) {
		store_rollback();
		if (rc == DOM_NOT_FOUND)
			http_error(resp, 404, "Credential not found");
		else
			http_store_unavailable(resp, fail);
		return;
	}
	iso8601_ms(at, now);
	jw_init(&w, &resp->body);
	jw_obj_open(&w);
	jw_kbool(&w, "ok", 1);
	jw_kstr(&w, "kind", v[R_KIND].s);
	jw_kint(&w, "sessionCount", count);
	jw_kstr(&w, "rotatedAt", at);
	jw_obj_close(&w);
	http_json(resp, 200);
}

/* ------------------------------------------------------- rotate-stream */

/* Takes the first free slot lock of RENSEI_CREDENTIAL_STREAMS; its fd,
 * or -1 when every slot is held (the kernel drops a dead holder's). */
static int
slot_take(void)
{
	char path[1024];
	int fd;

	for (int64_t i = 1; i <= cfg.credential_streams; i++) {
		snprintf(path, sizeof(path), "%s/cred-stream.%lld.lock",
		    cfg.run_dir, (long long)i);
		if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) == -1) {
			log_error("slot_take: %s: %s", path, strerror(errno));
			continue;
		}
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return fd;
		close(fd);
	}
	return -1;
}

/* SIGTERM or SIGINT arrived (blocked while a request runs): the
 * responder is stopping, so the stream ends and the daemon reconnects. */
static int
stopping(void)
{
	sigset_t set;

	if (sigpending(&set) == -1)
		return 0;
	return sigismember(&set, SIGTERM) == 1 || sigismember(&set, SIGINT) == 1;
}

/*
 * Waits ms, or less when nginx closes the FastCGI connection or aborts
 * the request because the client went away: 1 then.  The request's stdin
 * was drained before, so nothing else arrives on that connection.
 */
static int
wait_client_gone(struct request *req, int64_t ms)
{
	FCGX_Request *fr = req->fcgi;
	struct pollfd p;
	struct timespec ts;
	int rc;

	if (fr == NULL || fr->ipcFd < 0) {
		ts.tv_sec = (time_t)(ms / 1000);
		ts.tv_nsec = (long)(ms % 1000) * 1000000L;
		while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
			;
		return 0;
	}
	p.fd = fr->ipcFd;
	p.events = POLLIN | POLLRDHUP;
	p.revents = 0;
	while ((rc = poll(&p, 1, (int)ms)) == -1 && errno == EINTR)
		;
	return rc > 0 && p.revents != 0;
}

struct stream {
	struct request    *req;
	const char        *org_id, *project_id, *env, *session_id;
	const char        *registry_id;
	struct cred_watch  watch;
};

/* 1 while the stream may go on (§7.4 end conditions checked at each
 * poll), 0 when it ends. */
static int
stream_may_continue(struct stream *st, struct arena *scratch, int64_t now)
{
	const struct principal *p = st->req->principal;
	struct session s;

	if (session_get(scratch, st->session_id, &s) != DOM_OK ||
	    session_status_terminal(s.status))
		return 0;
	if (p->kind == CK_RUNTIME_JWT) {
		if (s.worker_id == NULL || strcmp(s.worker_id, p->worker_id) != 0)
			return 0;
		if (now / 1000 > p->jwt_exp + cfg.clock_leeway)
			return 0;
	} else if (credential_key_live(p->key_id, now) == 0)
		return 0;       /* (-1, a busy store, is no reason to end) */
	return 1;
}

/*
 * One poll: when rotations arrived, the delta of §7.4, its
 * credential.revealed committed, then the UPDATE event.  1 when an event
 * went out, 0 when none was due, -1 when the stream ends (an audit or
 * write failure).
 */
static int
stream_poll(struct stream *st)
{
	struct request *req = st->req;
	struct cred_ref *delta;
	struct actor who;
	struct buf b;
	struct jw w;
	char id[24], at[ISO8601_LEN + 1];
	size_t n;
	int64_t seq, max, when;
	int rc = 0;

	session_actor(req->principal, NULL, &who);
	if (credential_rotations_max(&max) != DOM_OK)
		return 0;       /* retried at the next poll */
	if (max == st->watch.cursor)
		return 0;
	if (store_begin_write() != STORE_OK)
		return 0;
	if (credential_watch_poll(req->arena, &st->watch, &delta, &n, &seq,
	    &when) != DOM_OK) {
		store_rollback();
		return 0;
	}
	if (n == 0) {
		store_rollback();
		return 0;
	}
	if (credential_revealed(req->arena, &who, st->org_id, "rotate_stream",
	    st->project_id, st->env, st->session_id,
	    ref_names(req->arena, delta, n), n) == -1) {
		store_rollback();
		log_error("stream_poll: %s: credential.revealed failed",
		    st->session_id);
		return -1;
	}
	iso8601_ms(at, when);
	buf_init(&b);
	buf_reserve(&b, credential_env_bound(delta, n) +
	    strlen(st->session_id) + 128);
	jw_init(&w, &b);
	jw_obj_open(&w);
	jw_kstr(&w, "type", "UPDATE");
	jw_kstr(&w, "sessionId", st->session_id);
	jw_key(&w, "delta");
	if (env_write(&w, delta, n) != DOM_OK) {
		store_rollback();
		rc = -1;
		goto out;
	}
	jw_kstr(&w, "rotatedAt", at);
	jw_obj_close(&w);
	if (store_commit() != STORE_OK) {
		store_rollback();
		log_error("stream_poll: %s: commit of credential.revealed"
		    " failed", st->session_id);
		rc = -1;
		goto out;
	}
	snprintf(id, sizeof(id), "%lld", (long long)seq);
	rc = http_sse_event(req, "UPDATE", id, b.data, b.len) == -1 ? -1 : 1;
out:
	buf_wipe(&b);
	buf_free(&b);
	return rc;
}

static void
stream_run(struct stream *st)
{
	struct arena scratch;
	int64_t start = clock_now_ms(), now, last_out, last_touch;
	int64_t max_ms = cfg.credential_stream_max_s * 1000;
	int64_t poll_ms = cfg.credential_stream_poll_ms;
	int sent;

	arena_init(&scratch);
	last_out = last_touch = start;
	for (;;) {
		if (wait_client_gone(st->req, poll_ms))
			break;
		now = clock_now_ms();
		if (stopping() || now - start >= max_ms)
			break;
		arena_reset(&scratch);
		if (!stream_may_continue(st, &scratch, now))
			break;
		if ((sent = stream_poll(st)) == -1)
			break;
		now = clock_now_ms();
		if (sent)
			last_out = now;
		if (now - last_touch >= TOUCH_MS) {
			if (store_begin_write() == STORE_OK) {
				if (credential_stream_touch(st->registry_id,
				    now) == DOM_OK && store_commit() == STORE_OK)
					last_touch = now;
				else
					store_rollback();
			}
		}
		if (now - last_out >= KEEPALIVE_MS) {
			if (http_sse_comment(st->req, "keepalive") == -1)
				break;
			last_out = now;
		}
	}
	arena_free(&scratch);
}

enum { Q_SESSION, Q_ENV };
static const struct valid_field stream_query[] = {
	[Q_SESSION] = { "sessionId", VALID_STRING, VALID_REQUIRED,
	    .msg_missing = "sessionId is required",
	    .msg_invalid = "sessionId is required" },
	[Q_ENV] = { "envName", VALID_STRING, .flags = 0,
	    .maxlen = 48, .msg_invalid = ENV_INVALID, .msg_toolong = ENV_INVALID },
};

void
creds_rotate_stream(struct request *req, struct response *resp)
{
	static const char fail[] = "Failed to open credential stream";
	struct valid_val sv, ev;
	struct valid_err err;
	struct session s;
	struct stream st;
	const char *val = NULL, *env = ENV_DEFAULT;
	size_t len = 0;
	int fd = -1, r;
	enum http_query_rc q;

	http_no_store(resp);
	q = http_query(req, "sessionId", &val, &len);
	if (q == HTTP_QUERY_ABSENT || q == HTTP_QUERY_MALFORMED || len == 0) {
		http_error(resp, 400, "sessionId is required");
		return;
	}
	if (valid_query(req->arena, VALID_LAX, &stream_query[Q_SESSION], val,
	    len, &sv, &err) == -1) {
		http_error(resp, 400, err.msg);
		return;
	}
	q = http_query(req, "envName", &val, &len);
	if (q == HTTP_QUERY_MALFORMED) {
		http_error(resp, 400, ENV_INVALID);
		return;
	}
	if (q != HTTP_QUERY_ABSENT) {
		if (valid_query(req->arena, VALID_LAX, &stream_query[Q_ENV],
		    val, len, &ev, &err) == -1 || !ev.present ||
		    !credential_env_valid(ev.s)) {
			http_error(resp, 400, ENV_INVALID);
			return;
		}
		env = ev.s;
	}

	if ((r = session_check(req, resp, sv.s, NULL, &s)) == -2) {
		http_store_unavailable(resp, fail);
		return;
	}
	if (r == -1)
		return;
	if ((fd = slot_take()) == -1) {
		http_set_header(resp, "Retry-After", "5");
		http_error(resp, 503, "Too many credential streams");
		return;
	}

	memset(&st, 0, sizeof(st));
	st.req = req;
	st.org_id = s.org_id;
	st.project_id = s.project_id;
	st.env = env;
	st.session_id = s.tracker_session_id;
	if (store_begin_write() != STORE_OK)
		goto store;
	if (credential_stream_open(req->arena, st.org_id, st.session_id,
	    st.project_id, env, clock_now_ms(), &st.registry_id) != DOM_OK ||
	    credential_watch_init(req->arena, &st.watch, st.org_id,
	    st.project_id, env, http_header(req, "Last-Event-ID")) != DOM_OK ||
	    store_commit() != STORE_OK) {
		store_rollback();
		goto store;
	}

	/* Drain stdin (empty on a GET) so that only a close or an abort
	 * from nginx can make the connection readable while we stream. */
	(void)http_read_body(req);
	http_set_header(resp, "X-Accel-Buffering", "no");
	if (http_sse_begin(req, resp) == 0 &&
	    http_sse_comment(req, "connected") == 0)
		stream_run(&st);

	/* Closing appends nothing; a row left by a failure here is dead
	 * after 60 s and purged by cleanup. */
	if (store_begin_write() == STORE_OK &&
	    (credential_stream_close(st.registry_id) != DOM_OK ||
	    store_commit() != STORE_OK))
		store_rollback();
	close(fd);
	return;
store:
	close(fd);
	http_store_unavailable(resp, fail);
}
