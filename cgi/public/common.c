/*
 * common.c -- what the rensei-public handlers share: the per-session
 * credential (01-auth.md §15: a supplied session hash exclusively, else
 * Bearer then cookie), visibility, query and pagination parameters.
 */
#include "config.h"

#include <string.h>

#include "auth.h"
#include "crypto.h"
#include "extern.h"
#include "http.h"
#include "log.h"
#include "page.h"
#include "public.h"
#include "store.h"

void
pub_begin(struct response *resp, struct jw *w)
{
	buf_reset(&resp->body);
	jw_init(w, &resp->body);
}

void
pub_store_fail(struct response *resp, const char *msg)
{
	log_error("public: %s: %s", msg, store_errmsg());
	http_store_unavailable(resp, msg);
}

int
pub_by_hash(const struct request *req)
{
	return req->principal != NULL &&
	    req->principal->kind == CK_SESSION_HASH;
}

int
pub_query(struct request *req, const char *name, const char **v, size_t *len)
{
	int rc = http_query(req, name, v, len);

	if (rc == HTTP_QUERY_DUPLICATE)
		rc = HTTP_QUERY_PRESENT;
	if (rc == HTTP_QUERY_PRESENT && *v == NULL) {
		*v = "";
		*len = 0;
	}
	return rc;
}

int
pub_session_auth(struct request *req, struct response *resp,
    const struct auth_policy *pol, enum role need, int allow_hash,
    struct session *s)
{
	const char *id = http_param(req, "id"), *hash;
	size_t hlen;
	enum dom_rc rc;
	int acc;

	if (id == NULL || strlen(id) != SESSION_PUBLIC_ID_LEN ||
	    !is_lower_hex(id, SESSION_PUBLIC_ID_LEN)) {
		http_error(resp, 400, "Invalid session ID format");
		return 0;
	}
	if (allow_hash && auth_session_hash_supplied(req, &hash, &hlen)) {
		rc = session_get_by_public_id(req->arena, id, s);
		if (rc == DOM_STORE) {
			pub_store_fail(resp, "Failed to fetch session");
			return 0;
		}
		return auth_resolve_session_hash(req, resp, hash, hlen,
		    rc == DOM_OK ? s->tracker_session_id : NULL,
		    rc == DOM_OK ? s->org_id : NULL, id);
	}
	if (!auth_resolve(req, resp, pol))
		return 0;
	rc = session_get_by_public_id(req->arena, id, s);
	if (rc == DOM_STORE) {
		pub_store_fail(resp, "Failed to fetch session");
		return 0;
	}
	acc = rc == DOM_OK ? public_session_access(req->principal, s, need) : 0;
	if (acc == 0) {
		http_error(resp, 404, "Session not found");
		return 0;
	}
	if (acc < 0) {
		auth_fail(req, resp, F3, 0, 0);
		return 0;
	}
	return 1;
}

int
pub_page_params(struct request *req, struct response *resp, int64_t max,
    int64_t def, int64_t *limit, int *has_cursor, int64_t *sort_key,
    const char **raw_id)
{
	const char *v;
	size_t len;
	int rc;

	*limit = def;
	*has_cursor = 0;
	rc = pub_query(req, "limit", &v, &len);
	if (rc == HTTP_QUERY_MALFORMED || (rc == HTTP_QUERY_PRESENT &&
	    page_limit_parse(v, len, max, limit) == -1)) {
		http_error(resp, 400,
		    "Invalid 'limit' parameter: expected a positive integer");
		return 0;
	}
	rc = pub_query(req, "cursor", &v, &len);
	if (rc == HTTP_QUERY_MALFORMED || (rc == HTTP_QUERY_PRESENT &&
	    (page_cursor_decode(req->arena, v, len, sort_key, raw_id) == -1 ||
	    !session_id_valid(*raw_id)))) {
		http_error(resp, 400, "Invalid cursor");
		return 0;
	}
	*has_cursor = rc == HTTP_QUERY_PRESENT;
	return 1;
}
