/*
 * jwt.h -- compact JWS signing and the two token kinds of 01-auth.md:
 * runtime JWTs (§6, HS256) and M2M access tokens (§10, HS256 or EdDSA).
 *
 * The algorithm and key always come from the caller, never from the
 * token.  Verification stops at the first failure and reports "expired"
 * only after the signature has been proven.  Strings returned by the
 * verifiers are allocated from the caller's arena.  Times are in whole
 * seconds (the ms clock floored).
 */
#ifndef RENSEI_JWT_H
#define RENSEI_JWT_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "buf.h"

#define JWT_WUR __attribute__((warn_unused_result))

#define JWT_MAX_LEN          4096   /* 01-auth.md §6.3 step 1 */
#define JWT_HS256_SIG_LEN    32
#define JWT_EDDSA_SIG_LEN    64
#define JWT_EDDSA_PK_LEN     32     /* crypto_sign_PUBLICKEYBYTES */
#define JWT_EDDSA_SK_LEN     64     /* crypto_sign_SECRETKEYBYTES */
#define JWT_KID_LEN          16     /* 01-auth.md §10.2 */
#define JWT_M2M_MAX_KEYS     2      /* current + one retired (§10.2) */

enum jwt_alg {
	JWT_ALG_HS256,
	JWT_ALG_EDDSA
};

enum jwt_result {
	JWT_VALID = 0,
	JWT_EXPIRED,    /* signature proven, exp passed: U2 / U4 */
	JWT_INVALID     /* anything else: U3 / U5 */
};

/*
 * Appends header "." payload "." signature to out, each segment unpadded
 * base64url of the exact bytes given.  HS256: key is an HMAC key of any
 * length.  EdDSA: key is a libsodium secret key (JWT_EDDSA_SK_LEN bytes).
 * Returns 0, or -1 (wrong EdDSA key length, token over JWT_MAX_LEN) with
 * out unchanged.
 */
int jwt_sign(struct buf *out, const char *header, size_t headerlen,
    const char *payload, size_t payloadlen, enum jwt_alg alg,
    const uint8_t *key, size_t keylen) JWT_WUR;

/* ---------------------------------------------------------- runtime JWT */

/* Worker scopes, as bits; the claim lists them in this (canonical) order. */
#define JWT_SCOPE_POLL       0x1U   /* worker:poll */
#define JWT_SCOPE_HEARTBEAT  0x2U   /* worker:heartbeat */
#define JWT_SCOPE_SESSION    0x4U   /* worker:session */
#define JWT_SCOPE_ALL        0x7U
#define JWT_WORKER_SCOPES    3
/* jwt_worker_scope_names[i] is the name of bit (1 << i). */
extern const char *const jwt_worker_scope_names[JWT_WORKER_SCOPES];

struct jwt_runtime_claims {
	const char              *sub;     /* wkr_ + 16 hex */
	const char              *org;
	const char *const       *proj;    /* NULL/0: all projects; 1: a string */
	size_t                   nproj;
	const char              *reg;     /* rtk_…, key_…, usr_… or "legacy" */
	unsigned                 scope;   /* JWT_SCOPE_* bits */
	int64_t                  iat;
	int64_t                  exp;
	const char              *jti;     /* verify: NULL unless a string */
};

/* Appends the token of 01-auth.md §6.1 (header {"alg":"HS256","typ":"JWT"},
 * claims in the order of the table) to out.  Returns 0, or -1 when a
 * required string is NULL or empty, or scope has unknown bits. */
int jwt_runtime_mint(struct buf *out, const struct jwt_runtime_claims *c,
    const uint8_t *key, size_t keylen) JWT_WUR;

/*
 * 01-auth.md §6.3 steps 1-6.  now, leeway and grace in seconds; grace is
 * added to exp for step 6 only (0 normally, WORKER_TTL for a worker's
 * self-refresh, §5.3).  On JWT_VALID and JWT_EXPIRED *out holds the claims
 * (strings from a); on JWT_INVALID it is zeroed.
 */
enum jwt_result jwt_runtime_verify(const char *token, size_t toklen,
    const uint8_t *key, size_t keylen, int64_t now, int64_t leeway,
    int64_t grace, struct arena *a, struct jwt_runtime_claims *out) JWT_WUR;

/* --------------------------------------------------------- M2M tokens */

struct jwt_m2m_claims {
	const char              *iss;     /* rensei-platform, or PUBLIC_BASE_URL */
	const char              *client_id;  /* sub and client_id */
	const char              *org_id;     /* org_id and workspace_id */
	const char *const       *scopes;
	size_t                   nscopes;
	int64_t                  iat;
	int64_t                  exp;
	const char              *jti;     /* verify: NULL unless a string */
};

/* Appends the token of 01-auth.md §10.1.  HS256: key is the M2M secret;
 * EdDSA: key is the libsodium secret key and the header's kid is derived
 * from its public half.  Returns 0 or -1 (missing claim, bad key length). */
int jwt_m2m_mint(struct buf *out, const struct jwt_m2m_claims *c,
    enum jwt_alg alg, const uint8_t *key, size_t keylen) JWT_WUR;

struct jwt_eddsa_pub {
	char    kid[JWT_KID_LEN + 1];
	uint8_t pk[JWT_EDDSA_PK_LEN];
};

/* What a responder accepts (01-auth.md §10.2-10.3).  HS256 uses key; EdDSA
 * uses pubs: the caller lists only keys that verify now (current, and the
 * retired one while inside its window), at most JWT_M2M_MAX_KEYS (later
 * entries are ignored). */
struct jwt_m2m_verifier {
	enum jwt_alg                 alg;
	const uint8_t               *key;
	size_t                       keylen;
	const struct jwt_eddsa_pub  *pubs;
	size_t                       npubs;
	const char                  *iss;   /* expected iss for the mode */
};

/* 01-auth.md §10.3 steps 1-6 (step 7, the client lookup, is the caller's).
 * Claims as jwt_runtime_verify. */
enum jwt_result jwt_m2m_verify(const char *token, size_t toklen,
    const struct jwt_m2m_verifier *v, int64_t now, int64_t leeway,
    struct arena *a, struct jwt_m2m_claims *out) JWT_WUR;

/* 1 when s[0..n) is a scope of the M2M vocabulary (04-console.md §6). */
int  jwt_m2m_scope_known(const char *s, size_t n);

/* kid of an Ed25519 public key: first 16 lowercase hex of its SHA-256. */
void jwt_eddsa_kid(char out[JWT_KID_LEN + 1],
    const uint8_t pk[JWT_EDDSA_PK_LEN]);

/* ------------------------------------------------------ classification */

/* 01-auth.md §8 step 6: 1 when the first segment of a JWT-shaped token
 * decodes to a JSON object whose typ is at+jwt or application/at+jwt
 * (ASCII case-insensitive); 0 otherwise, an undecodable header included. */
int  jwt_is_at_jwt(const char *token, size_t toklen);

#endif
