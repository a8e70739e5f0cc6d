/*
 * rensei-oauth -- the OAuth 2.0 token service (05-oauth.md):
 * POST /api/oauth/token (client credentials) and POST /api/oauth/introspect
 * (RFC 7662).
 *
 * Clients authenticate with HTTP Basic or body credentials (RFC 6749
 * §2.3.1), never a Bearer credential, so the routes have no auth policy:
 * each handler runs the processing order of §1.3 itself and answers in the
 * OAuth envelope (RFC 6749 §5.2).  The library (oauth.c) does the rest.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "clock.h"
#include "http.h"
#include "json.h"
#include "log.h"
#include "oauth.h"
#include "secrets.h"
#include "server.h"
#include "store.h"

/* Parameters read from the body. */
enum { P_GRANT, P_SCOPE, P_ID, P_SECRET, P_TOKEN, P_HINT, P__MAX };

/* What steps 3-9 of §1.3 established. */
struct oreq {
	struct oauth_param p[P__MAX];
	int         basic;          /* an Authorization: Basic header */
	int         basic_ok;       /* ... that decodes */
	const char *id, *secret;    /* the credentials presented */
};

static void
oauth_error(struct response *resp, int status, const char *error,
    const char *desc)
{
	http_error_oauth(resp, status, error, desc);
	if (status == 401)
		http_set_header(resp, "WWW-Authenticate", "Basic realm=\"rensei\"");
}

static void
invalid_request(struct response *resp, const char *desc)
{
	oauth_error(resp, 400, "invalid_request", desc);
}

static void
auth_failed(struct response *resp)
{
	oauth_error(resp, 401, "invalid_client", "Client authentication failed");
}

/* Steps 3-6, 8 and 9 (step 7, grant_type, between 6 and 8 when
 * check_grant).  1 when the request may go on, 0 after answering. */
static int
read_request(struct request *req, struct response *resp, struct oreq *o,
    int check_grant)
{
	static const char *const names[P__MAX] = {
		"grant_type", "scope", "client_id", "client_secret", "token",
		"token_type_hint"
	};
	const char *v, *auth, *which;
	size_t vl;
	enum oauth_ctype ct;
	enum oauth_parse pr;

	memset(o, 0, sizeof(*o));
	for (int i = 0; i < P__MAX; i++)
		o->p[i].name = names[i];
	/* 3. Credentials in the query string. */
	if (http_query(req, "client_id", &v, &vl) != HTTP_QUERY_ABSENT ||
	    http_query(req, "client_secret", &v, &vl) != HTTP_QUERY_ABSENT) {
		invalid_request(resp, "Client credentials must not be sent in the query string");
		return 0;
	}
	/* 4. Content type. */
	if ((ct = oauth_content_type(http_header(req, "Content-Type"))) ==
	    OAUTH_CT_OTHER) {
		invalid_request(resp, "Unsupported content type");
		return 0;
	}
	/* 5. Body. */
	switch (http_read_body(req)) {
	case HTTP_BODY_OK:
		break;
	case HTTP_BODY_TOO_LARGE:
		http_error(resp, 413, "Request body too large");
		return 0;
	default:
		invalid_request(resp, "Malformed request body");
		return 0;
	}
	if (ct == OAUTH_CT_FORM)
		pr = oauth_form_parse(req->arena, req->body, req->body_len, o->p,
		    P__MAX, &which);
	else
		pr = oauth_json_parse(req->arena, req->body, req->body_len, o->p,
		    P__MAX);
	/* The parameters are copies: the body (it may hold the secret)
	 * is wiped at once. */
	sodium_memzero((void *)req->body, req->body_len);
	if (pr == OAUTH_PARSE_REPEATED) {
		invalid_request(resp, arena_printf(req->arena,
		    "Repeated parameter: %s", which));
		return 0;
	}
	if (pr != OAUTH_PARSE_OK) {
		invalid_request(resp, "Malformed request body");
		return 0;
	}
	/* 6. Authorization scheme. */
	if ((auth = http_header(req, "Authorization")) != NULL) {
		const char *sp = auth + strcspn(auth, " ");

		if ((size_t)(sp - auth) != 5 || strncasecmp(auth, "Basic", 5) != 0) {
			invalid_request(resp, "Unsupported authorization scheme");
			return 0;
		}
		o->basic = 1;
		while (*sp == ' ')
			sp++;
		o->basic_ok = oauth_basic_decode(req->arena, sp, &o->id, &o->secret);
	}
	/* 7. grant_type. */
	if (check_grant) {
		if (o->p[P_GRANT].value == NULL) {
			invalid_request(resp, "grant_type is required");
			return 0;
		}
		if (strcmp(o->p[P_GRANT].value, "client_credentials") != 0) {
			oauth_error(resp, 400, "unsupported_grant_type",
			    "Only client_credentials is supported");
			return 0;
		}
	}
	/* 8. Two methods at once; a body secret without an id. */
	if (o->basic && (o->p[P_SECRET].value != NULL ||
	    (o->basic_ok && o->p[P_ID].value != NULL &&
	    strcmp(o->p[P_ID].value, o->id) != 0))) {
		invalid_request(resp, "Multiple client authentication methods");
		return 0;
	}
	if (!o->basic && o->p[P_SECRET].value != NULL && o->p[P_ID].value == NULL) {
		invalid_request(resp, "client_id is required");
		return 0;
	}
	/* 9. No client authentication at all. */
	if (!o->basic) {
		if (o->p[P_ID].value == NULL || o->p[P_SECRET].value == NULL) {
			oauth_error(resp, 401, "invalid_client",
			    "Client authentication required");
			return 0;
		}
		o->id = o->p[P_ID].value;
		o->secret = o->p[P_SECRET].value;
	}
	return 1;
}

static void
rate_limited(struct response *resp, int64_t retry_after)
{
	char ra[24];

	snprintf(ra, sizeof(ra), "%lld", (long long)retry_after);
	http_error(resp, 429, "Rate limit exceeded");
	http_set_header(resp, "Retry-After", ra);
}

/* Step 11.  1 authenticated, 0 answered. */
static int
authenticate(struct request *req, struct response *resp, struct oreq *o,
    struct oauth_client *c)
{
	enum oauth_auth r;

	if (o->basic && !o->basic_ok) {
		log_info("oauth: undecodable Basic credentials");
		auth_failed(resp);
		return 0;
	}
	r = oauth_client_auth(req->arena, o->id, o->secret, c);
	sodium_memzero((void *)o->secret, strlen(o->secret));
	if (r == OAUTH_AUTH_STORE) {
		http_store_unavailable(resp, "Store unavailable");
		return 0;
	}
	if (r != OAUTH_AUTH_OK) {
		log_info("oauth: client authentication failed for %s",
		    oauth_client_id_valid(o->id) ? o->id : "(malformed id)");
		auth_failed(resp);
		return 0;
	}
	return 1;
}

static void
token(struct request *req, struct response *resp)
{
	struct oreq o;
	struct oauth_client c;
	struct oauth_issued t;
	const char **granted;
	size_t ngranted;
	int64_t retry;
	int r;
	struct jw w;

	if (!read_request(req, resp, &o, 1))
		return;
	/* 10. Per-client-id limit, on the presented id. */
	if (oauth_client_id_valid(o.id)) {
		r = oauth_rate_hit(o.id, "token", OAUTH_TOKEN_RATE,
		    clock_now_ms(), &retry);
		if (r == -1) {
			http_store_unavailable(resp, "Store unavailable");
			return;
		}
		if (r == 0) {
			rate_limited(resp, retry);
			return;
		}
	}
	/* 11. Client authentication. */
	if (!authenticate(req, resp, &o, &c))
		return;
	/* 12. Scope. */
	if (!oauth_scope_grant(req->arena, &c, o.p[P_SCOPE].value, &granted,
	    &ngranted)) {
		oauth_error(resp, 400, "invalid_scope",
		    "Requested scope is not allowed for this client");
		return;
	}
	/* 13. Issue, lastUsedAt, audit: one transaction. */
	if ((r = oauth_issue(req->arena, &c, granted, ngranted, &t)) == -1) {
		http_store_unavailable(resp, "Store unavailable");
		return;
	}
	if (r != 0) {
		log_error("oauth: token issuance failed for %s", c.id);
		oauth_error(resp, 500, "server_error", "Internal error");
		return;
	}
	jw_init(&w, &resp->body);
	jw_obj_open(&w);
	jw_kstr(&w, "access_token", t.token);
	jw_kstr(&w, "token_type", "Bearer");
	jw_kint(&w, "expires_in", t.exp - t.iat);
	jw_kstr(&w, "scope", t.scope);
	jw_obj_close(&w);
	sodium_memzero((void *)t.token, strlen(t.token));
	resp->no_log_body = 1;
	resp->content_type = "application/json;charset=UTF-8";
	http_json(resp, 200);
	log_info("oauth: token %s issued to %s", t.jti, c.id);
}

static void
introspect(struct request *req, struct response *resp)
{
	struct oreq o;
	struct oauth_client c;
	int64_t retry;
	int r;

	if (!read_request(req, resp, &o, 0))
		return;
	if (!authenticate(req, resp, &o, &c))
		return;
	r = oauth_rate_hit(c.id, "introspect", OAUTH_INTROSPECT_RATE,
	    clock_now_ms(), &retry);
	if (r == -1) {
		http_store_unavailable(resp, "Store unavailable");
		return;
	}
	if (r == 0) {
		rate_limited(resp, retry);
		return;
	}
	if (o.p[P_TOKEN].value == NULL) {
		invalid_request(resp, "token is required");
		return;
	}
	if (store_begin_read() != STORE_OK) {
		http_store_unavailable(resp, "Store unavailable");
		return;
	}
	r = oauth_introspect(req->arena, &c, o.p[P_TOKEN].value,
	    o.p[P_TOKEN].len, &resp->body);
	store_rollback();
	if (r == -1) {
		http_store_unavailable(resp, "Store unavailable");
		return;
	}
	resp->content_type = "application/json;charset=UTF-8";
	http_json(resp, 200);
}

/* §1.5, §2: every response of the group, errors included. */
static void
oauth_finish(struct request *req, struct response *resp)
{
	(void)req;
	http_set_header(resp, "Cache-Control", "no-store");
	http_set_header(resp, "Pragma", "no-cache");
}

static const struct route routes[] = {
	{ "POST", "/api/oauth/token", NULL, token, 0 },
	{ "POST", "/api/oauth/introspect", NULL, introspect, 0 },
};

static const struct responder oauth = {
	.name = "rensei-oauth",
	.group = GROUP_OAUTH,
	.routes = routes,
	.nroutes = sizeof(routes) / sizeof(routes[0]),
	.secrets = SECRET_BIT(SECRET_M2M_HS256) | SECRET_BIT(SECRET_M2M_ED25519) |
	    SECRET_BIT(SECRET_AUDIT_MASTER),
	.open_store = 1,
	.body_cap = OAUTH_BODY_CAP,
	.finish = oauth_finish,
};

int
main(int argc, char **argv)
{
	return server_main(&oauth, argc, argv);
}
