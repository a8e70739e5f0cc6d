/*
 * control.c -- POST /api/public/sessions/{id}/prompt (03-public.md §3.8)
 * and POST /api/public/sessions/{id}/stop (§3.9).  The state changes are
 * library operations (public_prompt, session_stop) in one BEGIN IMMEDIATE
 * transaction with their audit events; this file parses, authorizes and
 * renders.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "auth.h"
#include "clock.h"
#include "crypto.h"
#include "extern.h"
#include "http.h"
#include "log.h"
#include "public.h"
#include "store.h"

#define PROMPT_MAX 32768

/* The acting user of a prompt or stop message (NULL when unknown). */
static const char *
acting_user(const struct principal *p)
{
	if (p->kind == CK_COOKIE)
		return p->user_id;
	if (p->kind == CK_API_KEY && p->key_type != NULL &&
	    strcmp(p->key_type, "user") == 0)
		return p->created_by;
	return NULL;
}

/* Opens the write transaction and reloads s in it.  1, or 0 answered. */
static int
begin(struct request *req, struct response *resp, const char *msg,
    struct session *s)
{
	enum dom_rc rc;
	const char *pub = s->public_id;

	if (store_begin_write() != STORE_OK) {
		pub_store_fail(resp, msg);
		return 0;
	}
	if ((rc = session_get_by_public_id(req->arena, pub, s)) == DOM_OK)
		return 1;
	store_rollback();
	if (rc == DOM_NOT_FOUND)
		http_error(resp, 404, "Session not found");
	else
		pub_store_fail(resp, msg);
	return 0;
}

static int
all_space(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!(s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r')))
			return 0;
	return 1;
}

void
pub_prompt(struct request *req, struct response *resp)
{
	static const char msg[] = "Failed to deliver prompt";
	char sha[SHA256_HEX_LEN + 1];
	struct json_object *body, *v;
	struct public_prompt_res res;
	struct session s;
	struct actor who;
	const char *text, *key = NULL, *stored;
	size_t n;
	int same;
	enum dom_rc rc;
	struct jw w;

	if (!pub_session_auth(req, resp, &pub_p_write, ROLE_MEMBER, 1, &s))
		return;
	if ((body = http_read_json(req, resp)) == NULL)
		return;
	if (!json_object_object_get_ex(body, "prompt", &v) ||
	    !json_object_is_type(v, json_type_string) ||
	    (n = (size_t)json_object_get_string_len(v)) == 0) {
		http_error(resp, 400, "prompt is required");
		return;
	}
	text = json_object_get_string(v);
	if (n > PROMPT_MAX) {
		http_error(resp, 400, "prompt exceeds 32768 bytes");
		return;
	}
	/* An embedded U+0000 cannot travel as inbox text: not a prompt. */
	if (all_space(text, n) || memchr(text, '\0', n) != NULL) {
		http_error(resp, 400, "prompt is required");
		return;
	}
	if (json_object_object_get_ex(body, "idempotencyKey", &v)) {
		if (!json_object_is_type(v, json_type_string) ||
		    strlen(json_object_get_string(v)) !=
		    (size_t)json_object_get_string_len(v) ||
		    !session_id_valid(json_object_get_string(v))) {
			http_error(resp, 400, "Invalid idempotencyKey");
			return;
		}
		key = json_object_get_string(v);
	}
	sha256_hex(sha, text, n);

	if (!begin(req, resp, msg, &s))
		return;
	if (key != NULL) {
		rc = public_prompt_replay(req->arena, s.tracker_session_id, key,
		    sha, &stored, &same);
		if (rc == DOM_OK) {
			store_rollback();
			if (!same) {
				http_error(resp, 409, "idempotencyKey was "
				    "already used with a different prompt");
				return;
			}
			buf_reset(&resp->body);
			buf_puts(&resp->body, stored);
			http_set_header(resp, "Idempotent-Replayed", "true");
			http_json(resp, 200);
			return;
		}
		if (rc != DOM_NOT_FOUND)
			goto fail;
	}
	session_actor(req->principal, NULL, &who);
	if (public_prompt(req->arena, &who, &s, text, acting_user(req->principal),
	    NULL, &res) != DOM_OK)
		goto fail;
	pub_begin(resp, &w);
	jw_obj_open(&w);
	jw_kbool(&w, "delivered", 1);
	jw_kstr(&w, "promptId", res.prompt_id);
	jw_kstr(&w, "sessionId", s.public_id);
	jw_kstr(&w, "status", public_status_name(res.status));
	jw_kstr(&w, "sessionStatus", public_status_name(res.status));
	jw_kstr(&w, "deliveryTier", res.tier);
	jw_kstr(&w, "disposition", res.disposition);
	if (key != NULL)
		jw_kstr(&w, "idempotencyKey", key);
	jw_obj_close(&w);
	if (key != NULL && public_prompt_remember(s.tracker_session_id, key,
	    sha, resp->body.data) != DOM_OK)
		goto fail;
	if (store_commit() != STORE_OK) {
		pub_store_fail(resp, msg);
		return;
	}
	http_json(resp, 200);
	return;
fail:
	store_rollback();
	pub_store_fail(resp, msg);
}

static void
receipt(struct jw *w, const struct session *s,
    const struct session_stop_result *r, const char *disposition, int replay)
{
	char rev[24];

	snprintf(rev, sizeof(rev), "%lld", (long long)r->intent_revision);
	jw_key(w, "receipt");
	jw_obj_open(w);
	jw_kint(w, "version", 1);
	jw_kstr(w, "kind", "session_stop");
	jw_kstr(w, "sessionId", s->tracker_session_id);
	jw_kstr(w, "mutationId", r->mutation_id);
	jw_kstr(w, "intentRevision", rev);
	jw_kstr(w, "disposition", disposition);
	jw_kbool(w, "idempotentReplay", replay);
	jw_obj_close(w);
}

void
pub_stop(struct request *req, struct response *resp)
{
	static const char msg[] = "Failed to stop session";
	struct session_stop_result r;
	enum public_status before, after;
	struct session s;
	struct actor who;
	struct jw w;

	if (!pub_session_auth(req, resp, &pub_p_write, ROLE_MEMBER, 1, &s))
		return;
	/* Any body is ignored (03 §3.9). */
	if (!begin(req, resp, msg, &s))
		return;
	if (public_status_of(&s, &before) != DOM_OK)
		goto fail;
	session_actor(req->principal, NULL, &who);
	if (session_stop(req->arena, &who, &s, acting_user(req->principal),
	    NULL, &r) != DOM_OK)
		goto fail;
	if (public_status_of(&s, &after) != DOM_OK)
		goto fail;
	if (store_commit() != STORE_OK) {
		pub_store_fail(resp, msg);
		return;
	}
	pub_begin(resp, &w);
	jw_obj_open(&w);
	if (r.changed && r.delivered) {
		jw_kbool(&w, "stopped", 0);
		jw_kstr(&w, "sessionId", s.public_id);
		jw_kstr(&w, "previousStatus", "working");
		jw_kstr(&w, "newStatus", "working");
		jw_kbool(&w, "delivered", 1);
		jw_kstr(&w, "pending", "terminal_evidence");
		jw_obj_close(&w);
		http_json(resp, 202);
		return;
	}
	jw_kbool(&w, "stopped", s.status == SESSION_STOPPED);
	jw_kstr(&w, "sessionId", s.public_id);
	jw_kstr(&w, "previousStatus", public_status_name(before));
	jw_kstr(&w, "newStatus", public_status_name(after));
	receipt(&w, &s, &r, public_status_name(after), !r.changed);
	jw_obj_close(&w);
	http_json(resp, 200);
	return;
fail:
	store_rollback();
	pub_store_fail(resp, msg);
}
