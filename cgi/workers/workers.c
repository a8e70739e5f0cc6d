/*
 * workers.c -- /api/workers: register, heartbeat, refresh-token, list, get,
 * delete (02-worker-protocol.md §5.1).
 *
 * Authentication and the route's scope were settled by route_dispatch
 * (main.c's policies).  Each handler then follows the check order of
 * 02 §2: path-worker binding (F1), body, fields, tenant lookup (404),
 * action.  The domain work is lib/worker.c's, inside one transaction.
 */
#include "config.h"

#include <string.h>

#include <json-c/json.h>
#include <sodium.h>

#include "auth.h"
#include "buf.h"
#include "clock.h"
#include "extern.h"
#include "http.h"
#include "json.h"
#include "jwt.h"
#include "settings.h"
#include "store.h"
#include "valid.h"
#include "worker.h"

/* ------------------------------------------------------------ helpers */

/* 01-auth.md §6.3 step 7: a runtime JWT addresses only its own worker. */
static int
path_bound(struct request *req, struct response *resp, const char *id)
{
	const struct principal *p = req->principal;

	if (p->kind == CK_RUNTIME_JWT && strcmp(p->worker_id, id) != 0) {
		auth_fail(req, resp, F1, 0, 0);
		return 0;
	}
	return 1;
}

static int
in_projects(const char *const *v, int n, const char *id)
{
	for (int i = 0; i < n; i++)
		if (strcmp(v[i], id) == 0)
			return 1;
	return 0;
}

static void
not_found(struct response *resp)
{
	http_error(resp, 404, "Worker not found");
}

/* Finishes a write transaction; 0 after answering the store failure. */
static int
commit(struct response *resp, const char *message)
{
	if (store_commit() != STORE_OK) {
		store_rollback();
		http_store_unavailable(resp, message);
		return 0;
	}
	return 1;
}

/* The members of the register and refresh answers, in the order of the
 * given layout (02 §5.1). */
static void
put_intervals(struct jw *w, int seconds)
{
	if (seconds) {
		jw_kint(w, "heartbeatIntervalSeconds",
		    (cfg.worker_heartbeat_interval + 999) / 1000);
		jw_kint(w, "pollIntervalSeconds",
		    (cfg.worker_poll_interval + 999) / 1000);
	} else {
		jw_kint(w, "heartbeatInterval", cfg.worker_heartbeat_interval);
		jw_kint(w, "pollInterval", cfg.worker_poll_interval);
	}
}

static void
put_token(struct jw *w, const char *key, const struct worker_token *t)
{
	jw_key(w, key);
	jw_strn(w, t->token, t->len);
}

/* ----------------------------------------------------------- register */

enum { R_HOSTNAME, R_CAPACITY, R_VERSION, R_PROJECTS, R_MACHINE, R_PROVIDES,
	R_PROJECTID, R__MAX };
static const struct valid_field register_fields[R__MAX] = {
	[R_HOSTNAME] = { "hostname", VALID_STRING, VALID_REQUIRED,
	    .maxlen = WORKER_HOSTNAME_MAX,
	    .msg_missing = "hostname is required" },
	[R_CAPACITY] = { "capacity", VALID_NUMBER,
	    VALID_REQUIRED | VALID_MIN | VALID_FLOOR, .min = 1,
	    .msg_missing = "capacity must be a positive number",
	    .msg_invalid = "capacity must be a positive number" },
	[R_VERSION] = { "version", VALID_STRING, 0,
	    .maxlen = WORKER_VERSION_MAX },
	[R_PROJECTS] = { "projects", VALID_STRINGS, 0,
	    .maxlen = WORKER_PROJECT_NAME_MAX, .maxcount = WORKER_PROJECTS_MAX,
	    .msg_invalid = "projects must be an array of strings" },
	[R_MACHINE] = { "machineId", VALID_STRING, 0, .maxlen = 255 },
	[R_PROVIDES] = { "provides", VALID_ARRAY, 0,
	    .maxcount = WORKER_PROVIDES_MAX },
	[R_PROJECTID] = { "projectId", VALID_STRING, 0, .maxlen = 255 },
};

/* A JSON value re-serialized compactly into the arena. */
static const char *
json_text(struct arena *a, struct json_object *v)
{
	struct buf b;
	struct jw w;
	const char *s;

	buf_init(&b);
	jw_init(&w, &b);
	jw_value(&w, v);
	s = arena_strndup(a, b.data, b.len);
	buf_free(&b);
	return s;
}

void
workers_register(struct request *req, struct response *resp)
{
	const struct principal *p = req->principal;
	struct worker_reg reg;
	struct worker_reg_body body;
	struct valid_val v[R__MAX];
	struct valid_err verr;
	struct json_object *root = NULL;
	struct project proj;
	struct worker w;
	struct worker_token tok;
	struct jw jw;
	const char **one;
	const char *pid;
	enum dom_rc rc;
	int onboarding = 0;
	int64_t now;

	/* 01-auth.md §5.3: M2M and runtime JWTs, and keys that are neither
	 * registration credentials nor onboarding-capable, never register. */
	if (!worker_reg_from_principal(p, &reg)) {
		if (!worker_onboarding_capable(p)) {
			auth_fail(req, resp, F2, 0, SC_WORKER_REGISTER);
			return;
		}
		onboarding = 1;
	}
	if ((root = http_read_json(req, resp)) == NULL)
		return;
	one = arena_alloc(req->arena, sizeof(*one));
	if (onboarding) {
		/* The projectId member decides the scope (02 §2). */
		if ((pid = worker_json_str(root, "projectId")) == NULL) {
			auth_fail(req, resp, F2, 0, SC_WORKER_REGISTER);
			goto out;
		}
		switch (worker_onboarding_check(req->arena, p, pid, &proj)) {
		case DOM_OK:
			break;
		case DOM_NOT_FOUND:
			http_error(resp, 404, "Project not found");
			goto out;
		case DOM_FORBIDDEN:
			auth_fail(req, resp, F3, 0, 0);
			goto out;
		default:
			http_store_unavailable(resp, "Failed to register worker");
			goto out;
		}
		one[0] = proj.id;
		reg.org_id = p->org_id;
		reg.project_ids = one;
		reg.nprojects = 1;
		reg.reg = p->kind == CK_COOKIE ? p->user_id : p->key_id;
		reg.scope = JWT_SCOPE_ALL;
	}
	if (valid_body(req->arena, VALID_LAX, register_fields, R__MAX, root, v,
	    &verr) == -1) {
		http_error(resp, verr.status, verr.msg);
		goto out;
	}
	/* With a registration credential, projectId narrows the worker to
	 * one project the credential covers (checked with the lookups). */
	if (!onboarding && v[R_PROJECTID].present && v[R_PROJECTID].len > 0) {
		rc = project_get(req->arena, reg.org_id, v[R_PROJECTID].s, &proj);
		if (rc == DOM_STORE) {
			http_store_unavailable(resp, "Failed to register worker");
			goto out;
		}
		if (rc != DOM_OK || (reg.project_ids != NULL &&
		    !in_projects(reg.project_ids, reg.nprojects, proj.id))) {
			http_error(resp, 404, "Project not found");
			goto out;
		}
		one[0] = proj.id;
		reg.project_ids = one;
		reg.nprojects = 1;
	}

	memset(&body, 0, sizeof(body));
	body.hostname = v[R_HOSTNAME].s;
	body.capacity = v[R_CAPACITY].i;
	if (v[R_VERSION].present)
		body.version = arena_strndup(req->arena, v[R_VERSION].s,
		    v[R_VERSION].len);
	if (v[R_PROJECTS].present)
		body.projects = worker_json_strs(req->arena, v[R_PROJECTS].strs,
		    v[R_PROJECTS].lens, v[R_PROJECTS].n);
	if (v[R_MACHINE].present)
		body.machine_id = arena_strndup(req->arena, v[R_MACHINE].s,
		    v[R_MACHINE].len);
	if (v[R_PROVIDES].present)
		body.provides = json_text(req->arena, v[R_PROVIDES].o);

	now = clock_now_ms();
	if (store_begin_write() != STORE_OK) {
		http_store_unavailable(resp, "Failed to register worker");
		goto out;
	}
	if (worker_register(req->arena, p, &reg, &body, now, &w, &tok) !=
	    DOM_OK) {
		store_rollback();
		http_store_unavailable(resp, "Failed to register worker");
		goto out;
	}
	if (!commit(resp, "Failed to register worker"))
		goto wipe;

	http_no_store(resp);
	jw_init(&jw, &resp->body);
	jw_obj_open(&jw);
	jw_kstr(&jw, "workerId", w.id);
	put_intervals(&jw, 0);
	put_token(&jw, "runtimeToken", &tok);
	jw_kstr(&jw, "runtimeTokenExpiresAt", tok.expires_iso);
	put_token(&jw, "runtimeJwt", &tok);
	put_intervals(&jw, 1);
	jw_obj_close(&jw);
	http_json(resp, 201);
wipe:
	sodium_memzero(tok.token, tok.len);
out:
}

/* ---------------------------------------------------------- heartbeat */

static const char *const reported_statuses[] = {
	"active", "idle", "busy", "draining", NULL
};

enum { L_CPU, L_MEMORY, L__MAX };
static const struct valid_field load_fields[L__MAX] = {
	[L_CPU] = { "cpu", VALID_NUMBER, VALID_REQUIRED },
	[L_MEMORY] = { "memory", VALID_NUMBER, VALID_REQUIRED },
};
static const struct valid_schema load_schema = VALID_SCHEMA(load_fields);

enum { H_ACTIVE, H_STATUS, H_MAXSESS, H_LOAD, H__MAX };
static const struct valid_field heartbeat_fields[H__MAX] = {
	[H_ACTIVE] = { "activeCount", VALID_NUMBER,
	    VALID_REQUIRED | VALID_MIN | VALID_FLOOR, .min = 0,
	    .msg_missing = "activeCount must be a non-negative number",
	    .msg_invalid = "activeCount must be a non-negative number" },
	[H_STATUS] = { "status", VALID_STRING, 0,
	    .oneof = reported_statuses },
	[H_MAXSESS] = { "maxSessions", VALID_NUMBER,
	    VALID_MIN | VALID_FLOOR, .min = 1 },
	[H_LOAD] = { "load", VALID_OBJECT, 0, .sub = &load_schema },
};

void
workers_heartbeat(struct request *req, struct response *resp)
{
	const char *id = http_param(req, "id");
	struct valid_val v[H__MAX];
	struct valid_err verr;
	struct json_object *root = NULL;
	struct worker_beat b;
	struct buf lb;
	struct jw jw;
	char ts[ISO8601_LEN + 1];
	int64_t now, pending = 0;
	enum dom_rc rc;

	if (!path_bound(req, resp, id) || (root = http_read_json(req, resp)) == NULL)
		return;
	if (valid_body(req->arena, VALID_LAX, heartbeat_fields, H__MAX, root,
	    v, &verr) == -1) {
		http_error(resp, verr.status, verr.msg);
		goto out;
	}
	memset(&b, 0, sizeof(b));
	b.active_count = v[H_ACTIVE].i;
	if (v[H_STATUS].present)
		b.reported_status = v[H_STATUS].s;
	if (v[H_MAXSESS].present)
		b.max_sessions = v[H_MAXSESS].i;
	if (v[H_LOAD].present) {
		buf_init(&lb);
		jw_init(&jw, &lb);
		jw_obj_open(&jw);
		jw_key(&jw, "cpu");
		jw_double(&jw, v[H_LOAD].sub[L_CPU].d);
		jw_key(&jw, "memory");
		jw_double(&jw, v[H_LOAD].sub[L_MEMORY].d);
		jw_obj_close(&jw);
		b.load = arena_strndup(req->arena, lb.data, lb.len);
		buf_free(&lb);
	}

	now = clock_now_ms();
	if (store_begin_write() != STORE_OK) {
		http_store_unavailable(resp, "Failed to update heartbeat");
		goto out;
	}
	rc = worker_heartbeat(req->arena, req->principal, id, &b, now,
	    &pending);
	if (rc != DOM_OK) {
		store_rollback();
		if (rc == DOM_NOT_FOUND)
			not_found(resp);
		else
			http_store_unavailable(resp, "Failed to update heartbeat");
		goto out;
	}
	if (!commit(resp, "Failed to update heartbeat"))
		goto out;
	iso8601_ms(ts, now);
	jw_init(&jw, &resp->body);
	jw_obj_open(&jw);
	jw_kbool(&jw, "acknowledged", 1);
	jw_kstr(&jw, "serverTime", ts);
	jw_kint(&jw, "pendingWorkCount", pending);
	jw_obj_close(&jw);
	http_json(resp, 200);
out:
}

/* ------------------------------------------------------ refresh-token */

void
workers_refresh_token(struct request *req, struct response *resp)
{
	const struct principal *p = req->principal;
	const char *id = http_param(req, "id");
	struct worker_reg reg;
	struct worker_token tok;
	struct worker w;
	struct jw jw;
	int64_t now = clock_now_ms();
	enum dom_rc rc;

	/* The body is not read (02 §2). */
	if (p->kind == CK_RUNTIME_JWT) {
		/* Self-refresh (01-auth.md §5.3): the credential it was
		 * minted from must still be usable, then F1. */
		rc = worker_reg_check(req->arena, p, now, &reg);
		if (rc == DOM_STORE) {
			http_store_unavailable(resp, "Failed to refresh token");
			return;
		}
		if (rc != DOM_OK) {
			auth_fail(req, resp, U3, 1, 0);
			return;
		}
		if (!path_bound(req, resp, id))
			return;
	} else if (!worker_reg_from_principal(p, &reg)) {
		auth_fail(req, resp, F2, 0, SC_WORKER_REGISTER);
		return;
	}

	if (store_begin_write() != STORE_OK) {
		http_store_unavailable(resp, "Failed to refresh token");
		return;
	}
	rc = worker_get(req->arena, id, now, &w);
	if (rc == DOM_OK && !worker_addressable(p, &w))
		rc = DOM_NOT_FOUND;
	if (rc == DOM_OK)
		rc = worker_refresh(req->arena, p, &w, &reg, now, &tok);
	if (rc != DOM_OK) {
		store_rollback();
		if (rc == DOM_NOT_FOUND)
			not_found(resp);
		else
			http_store_unavailable(resp, "Failed to refresh token");
		return;
	}
	if (!commit(resp, "Failed to refresh token"))
		goto wipe;

	http_no_store(resp);
	jw_init(&jw, &resp->body);
	jw_obj_open(&jw);
	jw_kstr(&jw, "workerId", w.id);
	put_token(&jw, "runtimeToken", &tok);
	jw_kstr(&jw, "runtimeTokenExpiresAt", tok.expires_iso);
	put_intervals(&jw, 0);
	put_token(&jw, "runtimeJwt", &tok);
	put_intervals(&jw, 1);
	jw_kstr(&jw, "expiresAt", tok.expires_iso);
	jw_obj_close(&jw);
	http_json(resp, 200);
wipe:
	sodium_memzero(tok.token, tok.len);
}

/* --------------------------------------------------------------- list */

struct listed {
	struct worker   w;
	const char    **active;
	size_t          nactive;
	const char     *status;
	struct listed  *next;
};

struct list_ctx {
	struct arena   *a;
	int64_t         now;
	struct listed  *head, **tail;
	int             failed;
};

static int
list_one(const struct worker *w, void *arg)
{
	struct list_ctx *c = arg;
	struct listed *l = arena_alloc(c->a, sizeof(*l));

	l->w = *w;
	l->status = worker_status_shown(w, c->now);
	*c->tail = l;
	c->tail = &l->next;
	return 0;
}

void
workers_list(struct request *req, struct response *resp)
{
	struct list_ctx c;
	struct listed *l;
	struct jw jw;
	int64_t total = 0, active = 0, capacity = 0, busy = 0, queue = 0;

	memset(&c, 0, sizeof(c));
	c.a = req->arena;
	c.now = clock_now_ms();
	c.tail = &c.head;
	if (store_begin_read() != STORE_OK) {
		http_store_unavailable(resp, "Failed to list workers");
		return;
	}
	if (worker_list(req->arena, req->principal, c.now, list_one, &c) !=
	    DOM_OK)
		goto fail;
	for (l = c.head; l != NULL; l = l->next)
		if (worker_active_sessions(req->arena, l->w.id, &l->active,
		    &l->nactive) != DOM_OK)
			goto fail;
	if (worker_queue_length(req->principal, &queue) != DOM_OK)
		goto fail;
	store_rollback();

	jw_init(&jw, &resp->body);
	jw_obj_open(&jw);
	jw_key(&jw, "workers");
	jw_arr_open(&jw);
	for (l = c.head; l != NULL; l = l->next) {
		worker_render(&jw, &l->w, l->active, l->nactive, l->status);
		total++;
		if (strcmp(l->status, "active") == 0) {
			active++;
			capacity += l->w.capacity;
			busy += (int64_t)l->nactive;
		}
	}
	jw_arr_close(&jw);
	jw_key(&jw, "summary");
	jw_obj_open(&jw);
	jw_kint(&jw, "totalWorkers", total);
	jw_kint(&jw, "activeWorkers", active);
	jw_kint(&jw, "totalCapacity", capacity);
	jw_kint(&jw, "totalActive", busy);
	jw_kint(&jw, "availableCapacity", capacity > busy ? capacity - busy : 0);
	jw_kint(&jw, "queueLength", queue);
	jw_obj_close(&jw);
	jw_obj_close(&jw);
	http_json(resp, 200);
	return;
fail:
	store_rollback();
	http_store_unavailable(resp, "Failed to list workers");
}

/* ---------------------------------------------------------------- get */

void
workers_get(struct request *req, struct response *resp)
{
	const char *id = http_param(req, "id");
	const char **act = NULL;
	size_t nact = 0;
	struct worker w;
	struct jw jw;
	enum dom_rc rc;

	if (!path_bound(req, resp, id))
		return;
	if (store_begin_read() != STORE_OK) {
		http_store_unavailable(resp, "Failed to get worker");
		return;
	}
	rc = worker_get(req->arena, id, clock_now_ms(), &w);
	if (rc == DOM_OK && !worker_addressable(req->principal, &w))
		rc = DOM_NOT_FOUND;
	if (rc == DOM_OK)
		rc = worker_active_sessions(req->arena, id, &act, &nact);
	store_rollback();
	if (rc == DOM_NOT_FOUND) {
		not_found(resp);
		return;
	}
	if (rc != DOM_OK) {
		http_store_unavailable(resp, "Failed to get worker");
		return;
	}
	jw_init(&jw, &resp->body);
	worker_render(&jw, &w, act, nact, NULL);
	http_json(resp, 200);
}

/* ------------------------------------------------------------- delete */

void
workers_delete(struct request *req, struct response *resp)
{
	const char *id = http_param(req, "id");
	const char **ids = NULL;
	size_t n = 0;
	struct worker w;
	struct jw jw;
	enum dom_rc rc;

	if (!path_bound(req, resp, id))
		return;
	if (store_begin_write() != STORE_OK) {
		http_store_unavailable(resp, "Failed to deregister worker");
		return;
	}
	rc = worker_get(req->arena, id, clock_now_ms(), &w);
	if (rc == DOM_OK && !worker_addressable(req->principal, &w))
		rc = DOM_NOT_FOUND;
	if (rc == DOM_OK)
		rc = worker_delete(req->arena, req->principal, &w, &ids, &n);
	if (rc != DOM_OK) {
		store_rollback();
		if (rc == DOM_NOT_FOUND)
			not_found(resp);
		else
			http_store_unavailable(resp, "Failed to deregister worker");
		return;
	}
	if (!commit(resp, "Failed to deregister worker"))
		return;
	jw_init(&jw, &resp->body);
	jw_obj_open(&jw);
	jw_kbool(&jw, "deregistered", 1);
	jw_key(&jw, "unclaimedSessions");
	jw_arr_open(&jw);
	for (size_t i = 0; i < n; i++)
		jw_str(&jw, ids[i]);
	jw_arr_close(&jw);
	jw_obj_close(&jw);
	http_json(resp, 200);
}
