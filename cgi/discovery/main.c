/*
 * rensei-discovery -- the fixed /.well-known documents
 * (11-discovery-and-health.md): RFC 8414 OAuth metadata and the M2M JWKS
 * (05-oauth.md §5, EdDSA mode only), the audit signing keys per workspace
 * and their catalog (09-audit.md §6).
 *
 * Unauthenticated: no credential is ever read.  Every response carries
 * Access-Control-Allow-Origin: * and nosniff; errors carry no-store.
 * The agent card (07-a2a.md §2) needs the A2A card builder, which this
 * build does not have: its two paths answer what nginx answers for an
 * unbuilt group (503 "Route group not available").
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "clock.h"
#include "crypto.h"
#include "http.h"
#include "json.h"
#include "log.h"
#include "oauth.h"
#include "secrets.h"
#include "server.h"
#include "settings.h"
#include "store.h"

#define CC_METADATA   "public, max-age=3600"
#define CC_JWKS       "public, max-age=300"
#define CC_AUDIT_KEYS "public, max-age=300, stale-while-revalidate=3600"
#define CC_CATALOG    "public, max-age=3600"
#define JWK_SET       "application/jwk-set+json"

/* 1 when If-None-Match lists tag (a W/ prefix ignored) or is "*". */
static int
etag_matches(const char *inm, const char *tag)
{
	size_t tl = strlen(tag);

	while (inm != NULL && *inm != '\0') {
		const char *e;
		size_t n;

		while (*inm == ' ' || *inm == '\t' || *inm == ',')
			inm++;
		if (*inm == '\0')
			break;
		e = inm + strcspn(inm, ",");
		n = (size_t)(e - inm);
		while (n > 0 && (inm[n - 1] == ' ' || inm[n - 1] == '\t'))
			n--;
		if (n == 1 && inm[0] == '*')
			return 1;
		if (n >= 2 && inm[0] == 'W' && inm[1] == '/') {
			inm += 2;
			n -= 2;
		}
		if (n == tl && memcmp(inm, tag, tl) == 0)
			return 1;
		inm = e;
	}
	return 0;
}

/* 200 with the body already in resp->body, its ETag, or the 304. */
static void
cacheable(struct request *req, struct response *resp, const char *ctype,
    const char *cc, int with_etag)
{
	char hex[SHA256_HEX_LEN + 1], tag[40];

	http_set_header(resp, "Cache-Control", cc);
	if (with_etag) {
		sha256_hex(hex, resp->body.data, resp->body.len);
		snprintf(tag, sizeof(tag), "\"%.32s\"", hex);
		http_set_header(resp, "ETag", tag);
		if (etag_matches(http_header(req, "If-None-Match"), tag)) {
			buf_reset(&resp->body);
			http_json(resp, 304);
			return;
		}
	}
	resp->content_type = ctype;
	http_json(resp, 200);
}

static void
preflight(struct response *resp, const char *headers)
{
	http_set_header(resp, "Access-Control-Allow-Methods", "GET, HEAD, OPTIONS");
	if (headers != NULL)
		http_set_header(resp, "Access-Control-Allow-Headers", headers);
	http_set_header(resp, "Access-Control-Max-Age", "86400");
	http_json(resp, 204);
}

/* ----------------------------------------------- OAuth (05-oauth.md §5) */

static void
not_eddsa(struct response *resp)
{
	http_error(resp, 404, "Not found");
}

static void
oauth_metadata_get(struct request *req, struct response *resp)
{
	if (cfg.m2m_alg != M2M_EDDSA) {
		not_eddsa(resp);
		return;
	}
	oauth_metadata(&resp->body);
	cacheable(req, resp, "application/json", CC_METADATA, 0);
}

static void
oauth_metadata_options(struct request *req, struct response *resp)
{
	(void)req;
	preflight(resp, NULL);
}

static void
jwks_get(struct request *req, struct response *resp)
{
	if (cfg.m2m_alg != M2M_EDDSA) {
		not_eddsa(resp);
		return;
	}
	if (oauth_jwks(&resp->body) == -1) {
		log_error("jwks: the M2M signing key is not loaded");
		buf_reset(&resp->body);
		http_error(resp, 500, "Internal error");
		return;
	}
	cacheable(req, resp, JWK_SET, CC_JWKS, 1);
}

static void
if_none_match_options(struct request *req, struct response *resp)
{
	(void)req;
	preflight(resp, "If-None-Match");
}

/* -------------------------------------------- audit keys (09-audit.md §6) */

static int
one_jwk(const struct audit_key_info *k, void *arg)
{
	audit_key_render_jwk(arg, k);
	return 0;
}

static void
audit_keys_get(struct request *req, struct response *resp)
{
	const char *ws = http_param(req, "ws");
	size_t n = strlen(ws);
	struct jw w;
	int rc;

	/* 6.1: a trailing .json is removed before lookup. */
	if (n > 5 && strcmp(ws + n - 5, ".json") == 0)
		ws = arena_strndup(req->arena, ws, n - 5);
	if (store_begin_read() != STORE_OK) {
		http_store_unavailable(resp, "Key store unavailable");
		return;
	}
	jw_init(&w, &resp->body);
	jw_obj_open(&w);
	jw_key(&w, "keys");
	jw_arr_open(&w);
	rc = audit_keys_foreach(ws, one_jwk, &w);
	store_rollback();
	if (rc == -1) {
		buf_reset(&resp->body);
		http_store_unavailable(resp, "Key store unavailable");
		return;
	}
	jw_arr_close(&w);
	jw_obj_close(&w);
	cacheable(req, resp, JWK_SET, CC_AUDIT_KEYS, 1);
}

static const char sql_initialised[] =
    "SELECT min(applied_at) FROM schema_version";

static void
audit_catalog_get(struct request *req, struct response *resp)
{
	const char *base = cfg.public_base_url;
	char iso[ISO8601_LEN + 1], u[1024];
	struct sstmt *st;
	int64_t at = 0;
	struct jw w;
	int rc;

	if (store_begin_read() != STORE_OK ||
	    (st = store_stmt(sql_initialised)) == NULL) {
		store_rollback();
		http_store_unavailable(resp, "Key store unavailable");
		return;
	}
	if ((rc = ss_step(st)) == STORE_ROW && !ss_is_null(st, 0))
		at = ss_int(st, 0);
	ss_reset(st);
	store_rollback();
	if (rc != STORE_ROW) {
		http_store_unavailable(resp, "Key store unavailable");
		return;
	}
	iso8601_ms(iso, at);
	jw_init(&w, &resp->body);
	jw_obj_open(&w);
	jw_kstr(&w, "protocol_version", "1.0");
	jw_kstr(&w, "name", "Rensei audit signing keys");
	jw_kstr(&w, "description",
	    "Ed25519 keys that sign each workspace's audit-log entries");
	jw_kstr(&w, "issued_at", iso);
	jw_key(&w, "algorithm");
	jw_obj_open(&w);
	jw_kstr(&w, "signature", "Ed25519");
	jw_kint(&w, "key_size_bits", 256);
	jw_kstr(&w, "key_format", "raw");
	jw_kstr(&w, "key_encoding", "base64url");
	jw_kstr(&w, "signed_payload", "sha256(jcs(entry without signature))");
	jw_kstr(&w, "entry_hash",
	    "sha256(jcs(entry without entryHash and signature) + prevHash)");
	jw_kstr(&w, "entry_canonicalization", "RFC 8785 (JCS), ASCII-only subset");
	jw_kstr(&w, "signature_encoding", "ed25519:<base64url>");
	jw_kstr(&w, "reference", "https://www.rfc-editor.org/rfc/rfc8785");
	jw_obj_close(&w);
	jw_key(&w, "key_lifecycle");
	jw_obj_open(&w);
	jw_kstr(&w, "scope", "workspace");
	jw_kstr(&w, "derivation", "deterministic per workspace and key version");
	jw_kstr(&w, "rotation",
	    "operator-initiated; the old key is revoked at the same instant");
	jw_kstr(&w, "revocation",
	    "revoked keys stay published; signatures dated before revoked_at remain valid");
	jw_obj_close(&w);
	jw_key(&w, "discovery");
	jw_obj_open(&w);
	jw_key(&w, "self_hosted");
	jw_obj_open(&w);
	jw_kstr(&w, "platform_host", base);
	snprintf(u, sizeof(u), "%s/.well-known/audit-keys/{workspace_id}.json",
	    base);
	jw_kstr(&w, "endpoint_pattern", u);
	jw_kstr(&w, "notes", "workspace_id is the organization id");
	jw_obj_close(&w);
	jw_obj_close(&w);
	jw_obj_close(&w);
	cacheable(req, resp, "application/json", CC_CATALOG, 1);
}

/* ------------------------------------------------------------ agent card */

/* What nginx answers for a group that is not built. */
static void
unbuilt(struct request *req, struct response *resp)
{
	(void)req;
	http_error(resp, 503, "Route group not available");
}

/* 11 §1: CORS and nosniff everywhere; no-store on every error. */
static void
discovery_finish(struct request *req, struct response *resp)
{
	(void)req;
	http_set_header(resp, "Access-Control-Allow-Origin", "*");
	http_set_header(resp, "X-Content-Type-Options", "nosniff");
	if (resp->status >= 400)
		http_set_header(resp, "Cache-Control", "no-store");
}

#define CARD_ROUTES(path) \
	{ "GET", path, NULL, unbuilt, 0 }, \
	{ "OPTIONS", path, NULL, unbuilt, 0 }, \
	{ "POST", path, NULL, unbuilt, 0 }, \
	{ "PUT", path, NULL, unbuilt, 0 }, \
	{ "PATCH", path, NULL, unbuilt, 0 }, \
	{ "DELETE", path, NULL, unbuilt, 0 }

static const struct route routes[] = {
	{ "GET", "/.well-known/oauth-authorization-server", NULL,
	  oauth_metadata_get, 0 },
	{ "OPTIONS", "/.well-known/oauth-authorization-server", NULL,
	  oauth_metadata_options, 0 },
	{ "GET", "/.well-known/jwks.json", NULL, jwks_get, 0 },
	{ "OPTIONS", "/.well-known/jwks.json", NULL, if_none_match_options, 0 },
	{ "GET", "/.well-known/audit-keys/{ws}", NULL, audit_keys_get, 0 },
	{ "OPTIONS", "/.well-known/audit-keys/{ws}", NULL,
	  if_none_match_options, 0 },
	{ "GET", "/.well-known/audit-keys.json", NULL, audit_catalog_get, 0 },
	{ "OPTIONS", "/.well-known/audit-keys.json", NULL,
	  if_none_match_options, 0 },
	CARD_ROUTES("/.well-known/agent-card.json"),
	CARD_ROUTES("/.well-known/agent.json"),
};

static const struct responder discovery = {
	.name = "rensei-discovery",
	.group = GROUP_DISCOVERY,
	.routes = routes,
	.nroutes = sizeof(routes) / sizeof(routes[0]),
	.secrets = SECRET_BIT(SECRET_M2M_ED25519),
	.open_store = 1,
	.finish = discovery_finish,
};

int
main(int argc, char **argv)
{
	return server_main(&discovery, argc, argv);
}
