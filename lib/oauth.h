/*
 * oauth.h -- the OAuth 2.0 token service of 05-oauth.md: M2M client
 * authentication, scope grants, token issuance, introspection, the
 * per-client rate counter, and the EdDSA-mode discovery documents (RFC 8414
 * metadata, JWKS).
 *
 * The M2M signing and verification keys of 01-auth.md §10.2 are set up
 * here once, so the issuer (rensei-oauth), every resource route
 * (auth.c) and the JWKS (rensei-discovery) use the same keys.
 */
#ifndef RENSEI_OAUTH_H
#define RENSEI_OAUTH_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "buf.h"
#include "jwt.h"

#define OAUTH_WUR __attribute__((warn_unused_result))

#define OAUTH_BODY_CAP        16384    /* 05-oauth.md §1.1 */
#define OAUTH_RATE_WINDOW_MS  60000
#define OAUTH_TOKEN_RATE      10       /* per client id, §4 */
#define OAUTH_INTROSPECT_RATE 60

/* ------------------------------------------------------------ keys */

/* The verifier of the configured mode (01-auth.md §10.2-10.3): HS256 with
 * the M2M secret, or EdDSA with the current key first and the retired key
 * (m2m_ed25519.prev.key) while inside its window.  pubs is the caller's
 * storage.  0, or -1 when the key is not loaded. */
int  oauth_verifier(struct jwt_m2m_verifier *v,
                    struct jwt_eddsa_pub pubs[JWT_M2M_MAX_KEYS]) OAUTH_WUR;

/* The JWKS body of 05-oauth.md §5.2 (EdDSA mode).  0 or -1. */
int  oauth_jwks(struct buf *b) OAUTH_WUR;
/* The RFC 8414 metadata body of 05-oauth.md §5.1. */
void oauth_metadata(struct buf *b);

/* ------------------------------------------------------ request parsing */

/* One parameter of a token or introspection request body. */
struct oauth_param {
	const char *name;
	const char *value;      /* NULL or "": absent (§1.1) */
	size_t      len;
};

enum oauth_parse {
	OAUTH_PARSE_OK = 0,
	OAUTH_PARSE_MALFORMED,  /* "Malformed request body" */
	OAUTH_PARSE_REPEATED    /* "Repeated parameter: <name>" (*which) */
};

/* 05-oauth.md §1.1 form decoding ('+' a space, %XX a byte, decoded text
 * UTF-8 without NUL).  Fills the value of each params[i] whose name
 * appears (names not in params are ignored); a name given twice is
 * OAUTH_PARSE_REPEATED with *which the name. */
enum oauth_parse oauth_form_parse(struct arena *a, const char *body, size_t len,
                                  struct oauth_param *params, size_t n,
                                  const char **which) OAUTH_WUR;
/* The JSON form: an object whose members are all strings, no duplicate. */
enum oauth_parse oauth_json_parse(struct arena *a, const char *body, size_t len,
                                  struct oauth_param *params, size_t n) OAUTH_WUR;
/* Form-url-decodes s[0..n) as §1.1; NULL when malformed. */
char *oauth_form_decode(struct arena *a, const char *s, size_t n, size_t *outlen);

enum oauth_ctype { OAUTH_CT_FORM, OAUTH_CT_JSON, OAUTH_CT_OTHER };
/* Content-Type classification (ASCII case-insensitive; a charset
 * parameter must name UTF-8). */
enum oauth_ctype oauth_content_type(const char *ct);

/* Basic credentials (§1.2): standard base64 with padding, no whitespace,
 * split at the first ':', each half form-url-decoded.  1 with *id and
 * *secret in the arena, 0 when it does not decode. */
int  oauth_basic_decode(struct arena *a, const char *b64, const char **id,
                        const char **secret);

/* ^m2m_[0-9a-f]{32}$ */
int  oauth_client_id_valid(const char *s);

/* ------------------------------------------------------------ clients */

struct oauth_client {
	const char  *id;
	const char  *org_id;
	const char **scopes;     /* stored order */
	size_t       nscopes;
};

/* The org of client id (revoked clients included): 1 found, 0 unknown,
 * -1 store failure. */
int  oauth_client_org(struct arena *a, const char *id, const char **org_id) OAUTH_WUR;

enum oauth_auth { OAUTH_AUTH_OK, OAUTH_AUTH_FAILED, OAUTH_AUTH_STORE };

/* §1.2: the id's live client whose stored SHA-256 equals the secret's
 * (constant-time compare; an unknown id is hashed too). */
enum oauth_auth oauth_client_auth(struct arena *a, const char *id,
                                  const char *secret,
                                  struct oauth_client *out) OAUTH_WUR;

/* §1.4 scope rules: requested (spaces-separated, NULL = none) against the
 * client's scopes.  1 with the granted list (request order, duplicates
 * collapsed; or the client's when none requested), 0 invalid_scope. */
int  oauth_scope_grant(struct arena *a, const struct oauth_client *c,
                       const char *requested, const char ***granted,
                       size_t *ngranted);

/* §4: counts one request of client_id on route ("token" or "introspect")
 * in the rolling window, in a write transaction of its own.  1 allowed, 0
 * over the limit with *retry_after (s), -1 store failure. */
int  oauth_rate_hit(const char *client_id, const char *route, int limit,
                    int64_t now_ms, int64_t *retry_after) OAUTH_WUR;

/* ------------------------------------------------------------- tokens */

struct oauth_issued {
	const char *token;       /* arena; wipe after use */
	char        jti[33];
	int64_t     iat, exp;    /* s */
	const char *scope;       /* space-joined */
};

/* §1.3 step 13 in one write transaction: mints the token, stamps the
 * client's lastUsedAt and appends oauth.token_issued.  0, -1 store
 * failure (rolled back), -2 internal fault. */
int  oauth_issue(struct arena *a, const struct oauth_client *c,
                 const char **scopes, size_t nscopes,
                 struct oauth_issued *out) OAUTH_WUR;

/* §2: writes the introspection answer for token on behalf of caller:
 * {active:true,…} or exactly {"active":false}.  0, -1 store failure. */
int  oauth_introspect(struct arena *a, const struct oauth_client *caller,
                      const char *token, size_t len, struct buf *out) OAUTH_WUR;

#endif
