/*
 * poll.c -- GET /api/workers/{id}/poll (02-worker-protocol.md §5.1, §6.4)
 * and the cleanup it triggers once the response is out (§6.9).
 *
 * A poll is one BEGIN IMMEDIATE transaction (queue_poll); its answer is
 * written straight into the response body.  After a successful poll the
 * process checks, at most once per RENSEI_CLEANUP_INTERVAL, whether it
 * wins the maintenance row, and if so runs cleanup before its next accept.
 */
#include "config.h"

#include <string.h>

#include "arena.h"
#include "auth.h"
#include "clock.h"
#include "extern.h"
#include "http.h"
#include "json.h"
#include "log.h"
#include "queue.h"
#include "session.h"
#include "settings.h"
#include "store.h"

static const char msg_failed[] = "Failed to poll for work";

/* Set by a poll; read by the after-request hook of this process. */
static int     cleanup_wanted;
static int64_t cleanup_next_check;

void
workers_poll(struct request *req, struct response *resp)
{
	const struct principal *p = req->principal;
	const char *id = http_param(req, "id");
	struct queue_poll_result res;
	struct actor who;
	struct jw w;
	enum dom_rc rc;

	/* Path-worker binding (01-auth.md §6.3 step 7). */
	if (p->kind == CK_RUNTIME_JWT &&
	    (p->worker_id == NULL || strcmp(p->worker_id, id) != 0)) {
		auth_fail(req, resp, F1, 0, SC_ALL);
		return;
	}
	session_actor(p, id, &who);
	if (store_begin_write() != STORE_OK)
		goto busy;
	buf_reset(&resp->body);
	jw_init(&w, &resp->body);
	rc = queue_poll(req->arena, &who, p, id, &w, &res);
	if (rc == DOM_NOT_FOUND) {
		store_rollback();
		http_error(resp, 404, "Worker not found");
		return;
	}
	if (rc != DOM_OK) {
		store_rollback();
		goto busy;
	}
	/* Hosted-docs members (gitCredentials, for res's claimed items)
	 * go here, before the object is closed; none is sent yet. */
	jw_obj_close(&w);
	if (store_commit() != STORE_OK) {
		store_rollback();
		goto busy;
	}
	http_json(resp, 200);
	cleanup_wanted = 1;
	return;
busy:
	log_error("workers_poll: %s", store_errmsg());
	http_store_unavailable(resp, msg_failed);
}

/* Runs after FCGX_Finish_r: a poll's cleanup (02 §6.9).  Each process
 * asks the maintenance row at most once per interval; only the process
 * whose UPDATE changed the row runs the sweep. */
void
workers_after_request(void)
{
	static struct arena a;
	static int init;
	struct cleanup_result res;
	int64_t now;
	int won;

	if (!cleanup_wanted)
		return;
	cleanup_wanted = 0;
	now = clock_now_ms();
	if (now < cleanup_next_check)
		return;
	cleanup_next_check = now + cfg.cleanup_interval * 1000;
	if ((won = cleanup_due()) != 1) {
		if (won == -1)
			log_warn("workers_after_request: maintenance row busy");
		return;
	}
	if (!init) {
		arena_init(&a);
		init = 1;
	}
	if (cleanup_run(&a, &res) == -1)
		log_error("workers_after_request: cleanup failed: %s",
		    store_errmsg());
	else if (res.requeued || res.purged || res.stopped)
		log_info("cleanup: requeued %lld, purged %lld, stopped %lld",
		    (long long)res.requeued, (long long)res.purged,
		    (long long)res.stopped);
	arena_reset(&a);
}
