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

#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "auth.h"
#include "clock.h"
#include "cred.h"
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

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The hosted-docs member gitCredentials (02 §5.1): for runtime-JWT
 * callers, in a poll that claims work, per distinct project of the claimed
 * items in claim order, each https repository whose provider's token name
 * resolves.  One credential.revealed per project, in the poll's
 * transaction.  Returns 1 when the member was written, 0 when there was
 * nothing to send, -1 on a store failure. */
static int
git_credentials(struct request *req, struct response *resp,
    const struct actor *who, const struct principal *p,
    const struct queue_poll_result *res, struct jw *w)
{
	char exp[ISO8601_LEN + 1];
	int opened = 0;

	iso8601_ms(exp, clock_now_ms() + cfg.credential_refresh * 1000);
	for (int i = 0; i < res->nclaimed; i++) {
		const char *proj = res->project_ids[i];
		const char **names;
		struct git_token *t;
		size_t n, nn = 0;
		int seen = 0;

		for (int j = 0; j < i && !seen; j++)
			seen = strcmp(res->project_ids[j], proj) == 0;
		if (seen)
			continue;
		if (credential_git_tokens(req->arena, p->org_id, proj, &t, &n) !=
		    DOM_OK)
			return -1;
		if (n == 0)
			continue;
		/* Room for every token now, so the body never reallocates
		 * with a value in it (no stray copy in freed memory). */
		{
			size_t need = 0;

			for (size_t k = 0; k < n; k++)
				need += t[k].ref.sealed_len * 6 + 64 +
				    strlen(t[k].clone_url) * 6 + 2 * ISO8601_LEN;
			buf_reserve(w->b, need);
		}
		if (!opened) {
			jw_key(w, "gitCredentials");
			jw_arr_open(w);
			opened = 1;
		}
		names = arena_alloc(req->arena, n * sizeof(*names));
		for (size_t k = 0; k < n; k++) {
			int dup = 0;

			jw_obj_open(w);
			jw_key(w, "token");
			if (credential_value_write(w, t[k].ref.id) != DOM_OK)
				return -1;
			jw_kstr(w, "cloneUrl", t[k].clone_url);
			jw_kstr(w, "expiresAt", exp);
			jw_obj_close(w);
			for (size_t m = 0; m < nn && !dup; m++)
				dup = strcmp(names[m], t[k].ref.name) == 0;
			if (!dup)
				names[nn++] = t[k].ref.name;
		}
		qsort(names, nn, sizeof(*names), cmp_names);
		if (credential_revealed(req->arena, who, p->org_id, "poll", proj,
		    "production", NULL, names, nn) == -1)
			return -1;
	}
	if (opened)
		jw_arr_close(w);
	(void)resp;
	return opened;
}

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
	if (p->kind == CK_RUNTIME_JWT && res.nclaimed > 0) {
		switch (git_credentials(req, resp, &who, p, &res, &w)) {
		case -1:
			store_rollback();
			goto busy;
		case 1:
			http_no_store(resp);
			break;
		}
	}
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
