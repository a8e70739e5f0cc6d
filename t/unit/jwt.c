/* t/unit/jwt.c -- lib/jwt.c: 01-auth.md §6 runtime JWTs, §10 M2M tokens. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "arena.h"
#include "buf.h"
#include "crypto.h"
#include "jwt.h"

/* ------------------------------------------------- 01-auth.md §6.4 vector */

#define V_HEADER "{\"alg\":\"HS256\",\"typ\":\"JWT\"}"
#define V_PAYLOAD "{\"iss\":\"rensei\",\"aud\":\"rensei-worker\"," \
	"\"sub\":\"wkr_4c11755c5b404039\",\"org\":\"org_acme\"," \
	"\"proj\":\"proj_alpha\",\"reg\":\"rtk_01JQ3Z8V6M2B7C4D5E6F7G8H9K\"," \
	"\"scope\":[\"worker:poll\",\"worker:heartbeat\",\"worker:session\"]," \
	"\"iat\":1777658400,\"exp\":1777662000," \
	"\"jti\":\"6f1c0a9e3b7d4e21a5c8f0b2d4e6a8c0\"}"
#define V_TOKEN "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9." \
	"eyJpc3MiOiJyZW5zZWkiLCJhdWQiOiJyZW5zZWktd29ya2VyIiwic3ViIjoid2tyXzRj" \
	"MTE3NTVjNWI0MDQwMzkiLCJvcmciOiJvcmdfYWNtZSIsInByb2oiOiJwcm9qX2FscGhh" \
	"IiwicmVnIjoicnRrXzAxSlEzWjhWNk0yQjdDNEQ1RTZGN0c4SDlLIiwic2NvcGUiOlsi" \
	"d29ya2VyOnBvbGwiLCJ3b3JrZXI6aGVhcnRiZWF0Iiwid29ya2VyOnNlc3Npb24iXSwi" \
	"aWF0IjoxNzc3NjU4NDAwLCJleHAiOjE3Nzc2NjIwMDAsImp0aSI6IjZmMWMwYTllM2I3" \
	"ZDRlMjFhNWM4ZjBiMmQ0ZTZhOGMwIn0." \
	"FJlkmL-PaZhwxnJ0WTH2pZANGtPAMtSf0ooC7xsTNUc"
#define V_IAT 1777658400
#define V_EXP 1777662000
#define LEEWAY 60

static uint8_t secret[32];      /* 0x00..0x1f */

static int
setup_secret(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(secret); i++)
		secret[i] = (uint8_t)i;
	return 0;
}

static enum jwt_result
verify_runtime(const char *tok, int64_t now, int64_t grace)
{
	struct jwt_runtime_claims c;
	struct arena a;
	enum jwt_result r;

	arena_init(&a);
	r = jwt_runtime_verify(tok, strlen(tok), secret, sizeof(secret), now,
	    LEEWAY, grace, &a, &c);
	arena_free(&a);
	return r;
}

/* V_PAYLOAD with the first occurrence of from replaced by to. */
static const char *
vector_with(const char *from, const char *to)
{
	static char out[2048];
	const char *p = strstr(V_PAYLOAD, from);

	assert_non_null(p);
	snprintf(out, sizeof(out), "%.*s%s%s", (int)(p - V_PAYLOAD), V_PAYLOAD,
	    to, p + strlen(from));
	return out;
}

/* Signs the exact header and payload with the runtime secret, so that
 * every rejection below is about the content, not the MAC. */
static enum jwt_result
runtime_signed(const char *header, const char *payload, int64_t now)
{
	struct buf b;
	enum jwt_result r;

	buf_init(&b);
	assert_int_equal(jwt_sign(&b, header, strlen(header), payload,
	    strlen(payload), JWT_ALG_HS256, secret, sizeof(secret)), 0);
	r = verify_runtime(b.data, now, 0);
	buf_free(&b);
	return r;
}

static void
runtime_mint_reproduces_vector(void **state)
{
	static const char *const proj[] = {"proj_alpha"};
	struct jwt_runtime_claims c = {
		.sub = "wkr_4c11755c5b404039",
		.org = "org_acme",
		.proj = proj,
		.nproj = 1,
		.reg = "rtk_01JQ3Z8V6M2B7C4D5E6F7G8H9K",
		.scope = JWT_SCOPE_ALL,
		.iat = V_IAT,
		.exp = V_EXP,
		.jti = "6f1c0a9e3b7d4e21a5c8f0b2d4e6a8c0",
	};
	struct buf b;

	buf_init(&b);
	assert_int_equal(jwt_runtime_mint(&b, &c, secret, sizeof(secret)), 0);
	assert_string_equal(b.data, V_TOKEN);
	buf_free(&b);
}

static void
sign_reproduces_vector(void **state)
{
	struct buf b;

	buf_init(&b);
	assert_int_equal(jwt_sign(&b, V_HEADER, strlen(V_HEADER), V_PAYLOAD,
	    strlen(V_PAYLOAD), JWT_ALG_HS256, secret, sizeof(secret)), 0);
	assert_string_equal(b.data, V_TOKEN);
	buf_free(&b);
}

static void
sign_appends_to_buffer(void **state)
{
	struct buf b;

	buf_init(&b);
	buf_puts(&b, "Bearer ");
	assert_int_equal(jwt_sign(&b, V_HEADER, strlen(V_HEADER), V_PAYLOAD,
	    strlen(V_PAYLOAD), JWT_ALG_HS256, secret, sizeof(secret)), 0);
	assert_string_equal(b.data, "Bearer " V_TOKEN);
	buf_free(&b);
}

static void
sign_refuses_token_over_4096_bytes(void **state)
{
	char big[3100];
	struct buf b;

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	buf_init(&b);
	assert_int_equal(jwt_sign(&b, V_HEADER, strlen(V_HEADER), big,
	    strlen(big), JWT_ALG_HS256, secret, sizeof(secret)), -1);
	assert_int_equal(b.len, 0);
	buf_free(&b);
}

static void
sign_eddsa_refuses_wrong_key_length(void **state)
{
	struct buf b;

	buf_init(&b);
	assert_int_equal(jwt_sign(&b, "{}", 2, "{}", 2, JWT_ALG_EDDSA, secret,
	    sizeof(secret)), -1);
	buf_free(&b);
}

static void
runtime_mint_refuses_missing_claims(void **state)
{
	struct jwt_runtime_claims c = {
		.sub = "wkr_4c11755c5b404039", .org = "org_acme",
		.reg = "legacy", .scope = JWT_SCOPE_ALL, .iat = V_IAT,
		.exp = V_EXP, .jti = "",
	};
	struct buf b;

	buf_init(&b);
	assert_int_equal(jwt_runtime_mint(&b, &c, secret, sizeof(secret)), -1);
	c.jti = "6f1c0a9e3b7d4e21a5c8f0b2d4e6a8c0";
	c.scope = 0x8;
	assert_int_equal(jwt_runtime_mint(&b, &c, secret, sizeof(secret)), -1);
	assert_int_equal(b.len, 0);
	buf_free(&b);
}

static void
runtime_mint_omits_proj_for_all_projects(void **state)
{
	struct jwt_runtime_claims c = {
		.sub = "wkr_4c11755c5b404039", .org = "org_acme",
		.reg = "legacy", .scope = JWT_SCOPE_POLL | JWT_SCOPE_SESSION,
		.iat = V_IAT, .exp = V_EXP,
		.jti = "6f1c0a9e3b7d4e21a5c8f0b2d4e6a8c0",
	};
	struct jwt_runtime_claims out;
	struct arena a;
	struct buf b;
	uint8_t pl[512];
	const char *d1, *d2;
	long n;

	buf_init(&b);
	arena_init(&a);
	assert_int_equal(jwt_runtime_mint(&b, &c, secret, sizeof(secret)), 0);
	d1 = strchr(b.data, '.');
	d2 = strchr(d1 + 1, '.');
	n = b64url_decode(pl, sizeof(pl) - 1, d1 + 1, (size_t)(d2 - d1 - 1));
	assert_true(n > 0);
	pl[n] = '\0';
	assert_string_equal((char *)pl, "{\"iss\":\"rensei\",\"aud\":"
	    "\"rensei-worker\",\"sub\":\"wkr_4c11755c5b404039\",\"org\":"
	    "\"org_acme\",\"reg\":\"legacy\",\"scope\":[\"worker:poll\","
	    "\"worker:session\"],\"iat\":1777658400,\"exp\":1777662000,"
	    "\"jti\":\"6f1c0a9e3b7d4e21a5c8f0b2d4e6a8c0\"}");
	assert_int_equal(jwt_runtime_verify(b.data, b.len, secret,
	    sizeof(secret), V_IAT, LEEWAY, 0, &a, &out), JWT_VALID);
	assert_null(out.proj);
	assert_int_equal(out.nproj, 0);
	assert_int_equal(out.scope, JWT_SCOPE_POLL | JWT_SCOPE_SESSION);
	arena_free(&a);
	buf_free(&b);
}

static void
runtime_mint_writes_proj_array_for_several(void **state)
{
	static const char *const proj[] = {"proj_b", "proj_a"};
	struct jwt_runtime_claims c = {
		.sub = "wkr_4c11755c5b404039", .org = "org_acme",
		.proj = proj, .nproj = 2, .reg = "key_01JQ3Z8V6M2B7C4D5E6F7G8H9J",
		.scope = 0, .iat = V_IAT, .exp = V_EXP,
		.jti = "6f1c0a9e3b7d4e21a5c8f0b2d4e6a8c0",
	};
	struct jwt_runtime_claims out;
	struct arena a;
	struct buf b;

	buf_init(&b);
	arena_init(&a);
	assert_int_equal(jwt_runtime_mint(&b, &c, secret, sizeof(secret)), 0);
	assert_int_equal(jwt_runtime_verify(b.data, b.len, secret,
	    sizeof(secret), V_IAT, LEEWAY, 0, &a, &out), JWT_VALID);
	assert_int_equal(out.nproj, 2);
	assert_string_equal(out.proj[0], "proj_b");
	assert_string_equal(out.proj[1], "proj_a");
	assert_int_equal(out.scope, 0);
	arena_free(&a);
	buf_free(&b);
}

static void
runtime_vector_valid_at_iat(void **state)
{
	struct jwt_runtime_claims c;
	struct arena a;

	arena_init(&a);
	assert_int_equal(jwt_runtime_verify(V_TOKEN, strlen(V_TOKEN), secret,
	    sizeof(secret), V_IAT, LEEWAY, 0, &a, &c), JWT_VALID);
	assert_string_equal(c.sub, "wkr_4c11755c5b404039");
	assert_string_equal(c.org, "org_acme");
	assert_int_equal(c.nproj, 1);
	assert_string_equal(c.proj[0], "proj_alpha");
	assert_string_equal(c.reg, "rtk_01JQ3Z8V6M2B7C4D5E6F7G8H9K");
	assert_int_equal(c.scope, JWT_SCOPE_ALL);
	assert_int_equal(c.iat, V_IAT);
	assert_int_equal(c.exp, V_EXP);
	assert_string_equal(c.jti, "6f1c0a9e3b7d4e21a5c8f0b2d4e6a8c0");
	arena_free(&a);
}

static void
runtime_vector_valid_until_leeway_ends(void **state)
{
	assert_int_equal(verify_runtime(V_TOKEN, V_EXP, 0), JWT_VALID);
	assert_int_equal(verify_runtime(V_TOKEN, V_EXP + LEEWAY - 1, 0),
	    JWT_VALID);
}

static void
runtime_vector_expired_at_1777662060(void **state)
{
	assert_int_equal(verify_runtime(V_TOKEN, 1777662060, 0), JWT_EXPIRED);
	assert_int_equal(verify_runtime(V_TOKEN, 1777662060 + 86400, 0),
	    JWT_EXPIRED);
}

static void
runtime_expired_keeps_claims(void **state)
{
	struct jwt_runtime_claims c;
	struct arena a;

	arena_init(&a);
	assert_int_equal(jwt_runtime_verify(V_TOKEN, strlen(V_TOKEN), secret,
	    sizeof(secret), 1777662060, LEEWAY, 0, &a, &c), JWT_EXPIRED);
	assert_string_equal(c.sub, "wkr_4c11755c5b404039");
	arena_free(&a);
}

/* refresh-token (01-auth.md §5.3): exp + WORKER_TTL + L. */
static void
runtime_grace_extends_expiry(void **state)
{
	assert_int_equal(verify_runtime(V_TOKEN, 1777662060, 300), JWT_VALID);
	assert_int_equal(verify_runtime(V_TOKEN, V_EXP + 300 + LEEWAY - 1, 300),
	    JWT_VALID);
	assert_int_equal(verify_runtime(V_TOKEN, V_EXP + 300 + LEEWAY, 300),
	    JWT_EXPIRED);
}

static void
runtime_iat_beyond_leeway_invalid(void **state)
{
	assert_int_equal(verify_runtime(V_TOKEN, V_IAT - LEEWAY, 0), JWT_VALID);
	assert_int_equal(verify_runtime(V_TOKEN, V_IAT - LEEWAY - 1, 0),
	    JWT_INVALID);
}

static void
runtime_expired_with_bad_signature_invalid(void **state)
{
	char tok[sizeof(V_TOKEN)];

	memcpy(tok, V_TOKEN, sizeof(tok));
	tok[sizeof(tok) - 2] = tok[sizeof(tok) - 2] == 'c' ? 'd' : 'c';
	assert_int_equal(verify_runtime(tok, 1777662060, 0), JWT_INVALID);
}

static void
runtime_wrong_secret_invalid(void **state)
{
	struct jwt_runtime_claims c;
	struct arena a;
	uint8_t other[32];

	memcpy(other, secret, sizeof(other));
	other[31] ^= 1;
	arena_init(&a);
	assert_int_equal(jwt_runtime_verify(V_TOKEN, strlen(V_TOKEN), other,
	    sizeof(other), V_IAT, LEEWAY, 0, &a, &c), JWT_INVALID);
	assert_null(c.sub);
	arena_free(&a);
}

/* 01-auth.md §6.4: "U3 if any byte changes", for every position and every
 * other byte value, at a time when the original is valid. */
static void
runtime_any_changed_character_invalid(void **state)
{
	char tok[sizeof(V_TOKEN)];
	size_t i, len = sizeof(V_TOKEN) - 1;
	int c;

	for (i = 0; i < len; i++) {
		memcpy(tok, V_TOKEN, sizeof(tok));
		for (c = 1; c < 256; c++) {
			if ((char)c == V_TOKEN[i])
				continue;
			tok[i] = (char)c;
			if (verify_runtime(tok, V_IAT, 0) != JWT_INVALID)
				fail_msg("position %zu byte 0x%02x accepted",
				    i, c);
		}
	}
}

static void
runtime_truncated_or_extended_invalid(void **state)
{
	char tok[sizeof(V_TOKEN) + 8];
	size_t len = sizeof(V_TOKEN) - 1, i;

	for (i = 0; i < len; i++) {
		memcpy(tok, V_TOKEN, i);
		tok[i] = '\0';
		assert_int_equal(verify_runtime(tok, V_IAT, 0), JWT_INVALID);
	}
	snprintf(tok, sizeof(tok), "%sA", V_TOKEN);
	assert_int_equal(verify_runtime(tok, V_IAT, 0), JWT_INVALID);
}

static void
runtime_alg_none_invalid(void **state)
{
	assert_int_equal(runtime_signed("{\"alg\":\"none\",\"typ\":\"JWT\"}",
	    V_PAYLOAD, V_IAT), JWT_INVALID);
	/* The classic unsigned form has an empty third segment. */
	assert_int_equal(verify_runtime("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0."
	    "eyJpc3MiOiJyZW5zZWkifQ.", V_IAT, 0), JWT_INVALID);
}

static void
runtime_alg_hs512_invalid(void **state)
{
	assert_int_equal(runtime_signed("{\"alg\":\"HS512\",\"typ\":\"JWT\"}",
	    V_PAYLOAD, V_IAT), JWT_INVALID);
}

static void
runtime_alg_rs256_invalid(void **state)
{
	assert_int_equal(runtime_signed("{\"alg\":\"RS256\",\"typ\":\"JWT\"}",
	    V_PAYLOAD, V_IAT), JWT_INVALID);
}

static void
runtime_alg_eddsa_invalid(void **state)
{
	assert_int_equal(runtime_signed("{\"alg\":\"EdDSA\",\"typ\":\"JWT\"}",
	    V_PAYLOAD, V_IAT), JWT_INVALID);
}

static void
runtime_alg_missing_invalid(void **state)
{
	assert_int_equal(runtime_signed("{\"typ\":\"JWT\"}", V_PAYLOAD, V_IAT),
	    JWT_INVALID);
}

static void
runtime_alg_case_variant_invalid(void **state)
{
	assert_int_equal(runtime_signed("{\"alg\":\"hs256\",\"typ\":\"JWT\"}",
	    V_PAYLOAD, V_IAT), JWT_INVALID);
}

static void
runtime_header_crit_invalid(void **state)
{
	assert_int_equal(runtime_signed("{\"alg\":\"HS256\",\"typ\":\"JWT\","
	    "\"crit\":[\"exp\"]}", V_PAYLOAD, V_IAT), JWT_INVALID);
}

static void
runtime_header_duplicate_member_invalid(void **state)
{
	assert_int_equal(runtime_signed("{\"alg\":\"HS256\",\"typ\":\"JWT\","
	    "\"alg\":\"HS256\"}", V_PAYLOAD, V_IAT), JWT_INVALID);
}

static void
runtime_header_typ_other_invalid(void **state)
{
	assert_int_equal(runtime_signed("{\"alg\":\"HS256\",\"typ\":"
	    "\"at+jwt\"}", V_PAYLOAD, V_IAT), JWT_INVALID);
	assert_int_equal(runtime_signed("{\"alg\":\"HS256\",\"typ\":null}",
	    V_PAYLOAD, V_IAT), JWT_INVALID);
}

static void
runtime_header_typ_absent_accepted(void **state)
{
	assert_int_equal(runtime_signed("{\"alg\":\"HS256\"}", V_PAYLOAD,
	    V_IAT), JWT_VALID);
}

static void
runtime_header_not_object_invalid(void **state)
{
	assert_int_equal(runtime_signed("[\"HS256\"]", V_PAYLOAD, V_IAT),
	    JWT_INVALID);
}

static void
runtime_bad_iss_invalid(void **state)
{
	assert_int_equal(runtime_signed(V_HEADER, vector_with(
	    "\"iss\":\"rensei\"", "\"iss\":\"rensei-platform\""), V_IAT),
	    JWT_INVALID);
	assert_int_equal(runtime_signed(V_HEADER, vector_with(
	    "\"iss\":\"rensei\",", ""), V_IAT), JWT_INVALID);
}

static void
runtime_aud_array_containing_worker_accepted(void **state)
{
	assert_int_equal(runtime_signed(V_HEADER, vector_with(
	    "\"aud\":\"rensei-worker\"",
	    "\"aud\":[\"other\",\"rensei-worker\"]"), V_IAT), JWT_VALID);
}

static void
runtime_aud_other_invalid(void **state)
{
	assert_int_equal(runtime_signed(V_HEADER, vector_with(
	    "\"aud\":\"rensei-worker\"", "\"aud\":\"rensei-api\""), V_IAT),
	    JWT_INVALID);
	assert_int_equal(runtime_signed(V_HEADER, vector_with(
	    "\"aud\":\"rensei-worker\"", "\"aud\":[\"rensei-api\"]"), V_IAT),
	    JWT_INVALID);
	assert_int_equal(runtime_signed(V_HEADER, vector_with(
	    "\"aud\":\"rensei-worker\"", "\"aud\":[]"), V_IAT), JWT_INVALID);
}

static void
runtime_sub_pattern_enforced(void **state)
{
	static const char *bad[] = {
		"\"sub\":\"wkr_4C11755C5B404039\"",
		"\"sub\":\"wkr_4c11755c5b40403\"",
		"\"sub\":\"wkr_4c11755c5b4040399\"",
		"\"sub\":\"wrk_4c11755c5b404039\"",
		"\"sub\":\"wkr_4c11755c5b40403g\"",
		"\"sub\":\"\"",
		"\"sub\":12",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(runtime_signed(V_HEADER, vector_with(
		    "\"sub\":\"wkr_4c11755c5b404039\"", bad[i]), V_IAT),
		    JWT_INVALID);
}

static void
runtime_org_required(void **state)
{
	assert_int_equal(runtime_signed(V_HEADER, vector_with(
	    "\"org\":\"org_acme\"", "\"org\":\"\""), V_IAT), JWT_INVALID);
	/* A token of an earlier build carrying org_id (§6.3 step 4). */
	assert_int_equal(runtime_signed(V_HEADER, vector_with(
	    "\"org\":\"org_acme\"", "\"org_id\":\"org_acme\""), V_IAT),
	    JWT_INVALID);
}

static void
runtime_reg_required(void **state)
{
	assert_int_equal(runtime_signed(V_HEADER, vector_with(
	    "\"reg\":\"rtk_01JQ3Z8V6M2B7C4D5E6F7G8H9K\"", "\"reg\":\"\""),
	    V_IAT), JWT_INVALID);
	assert_int_equal(runtime_signed(V_HEADER, vector_with(
	    "\"reg\":\"rtk_01JQ3Z8V6M2B7C4D5E6F7G8H9K\",", ""), V_IAT),
	    JWT_INVALID);
}

static void
runtime_scope_string_instead_of_array_invalid(void **state)
{
	assert_int_equal(runtime_signed(V_HEADER, vector_with(
	    "\"scope\":[\"worker:poll\",\"worker:heartbeat\","
	    "\"worker:session\"]",
	    "\"scope\":\"worker:poll worker:heartbeat worker:session\""),
	    V_IAT), JWT_INVALID);
}

static void
runtime_scope_unknown_or_duplicate_invalid(void **state)
{
	assert_int_equal(runtime_signed(V_HEADER, vector_with(
	    "\"worker:session\"]", "\"worker:register\"]"), V_IAT),
	    JWT_INVALID);
	assert_int_equal(runtime_signed(V_HEADER, vector_with(
	    "\"worker:session\"]", "\"worker:poll\"]"), V_IAT), JWT_INVALID);
	assert_int_equal(runtime_signed(V_HEADER, vector_with(
	    "\"worker:session\"]", "\"*\"]"), V_IAT), JWT_INVALID);
}

static void
runtime_scope_empty_array_accepted(void **state)
{
	assert_int_equal(runtime_signed(V_HEADER, vector_with(
	    "[\"worker:poll\",\"worker:heartbeat\",\"worker:session\"]",
	    "[]"), V_IAT), JWT_VALID);
}

static void
runtime_scope_other_order_accepted(void **state)
{
	assert_int_equal(runtime_signed(V_HEADER, vector_with(
	    "[\"worker:poll\",\"worker:heartbeat\",\"worker:session\"]",
	    "[\"worker:session\",\"worker:poll\"]"), V_IAT), JWT_VALID);
}

static void
runtime_fractional_iat_invalid(void **state)
{
	assert_int_equal(runtime_signed(V_HEADER, vector_with(
	    "\"iat\":1777658400", "\"iat\":1777658400.0"), V_IAT),
	    JWT_INVALID);
	assert_int_equal(runtime_signed(V_HEADER, vector_with(
	    "\"iat\":1777658400", "\"iat\":1.7776584e9"), V_IAT),
	    JWT_INVALID);
	assert_int_equal(runtime_signed(V_HEADER, vector_with(
	    "\"iat\":1777658400", "\"iat\":\"1777658400\""), V_IAT),
	    JWT_INVALID);
}

static void
runtime_fractional_exp_invalid(void **state)
{
	assert_int_equal(runtime_signed(V_HEADER, vector_with(
	    "\"exp\":1777662000", "\"exp\":1777662000.5"), V_IAT),
	    JWT_INVALID);
	assert_int_equal(runtime_signed(V_HEADER, vector_with(
	    "\"exp\":1777662000,", ""), V_IAT), JWT_INVALID);
}

static void
runtime_huge_exp_does_not_overflow(void **state)
{
	assert_int_equal(runtime_signed(V_HEADER, vector_with(
	    "\"exp\":1777662000", "\"exp\":9223372036854775807"), V_IAT),
	    JWT_VALID);
}

static void
runtime_proj_forms(void **state)
{
	assert_int_equal(runtime_signed(V_HEADER, vector_with(
	    "\"proj\":\"proj_alpha\"", "\"proj\":[\"a\",\"b\"]"), V_IAT),
	    JWT_VALID);
	assert_int_equal(runtime_signed(V_HEADER, vector_with(
	    "\"proj\":\"proj_alpha\",", ""), V_IAT), JWT_VALID);
	assert_int_equal(runtime_signed(V_HEADER, vector_with(
	    "\"proj\":\"proj_alpha\"", "\"proj\":\"\""), V_IAT), JWT_INVALID);
	assert_int_equal(runtime_signed(V_HEADER, vector_with(
	    "\"proj\":\"proj_alpha\"", "\"proj\":[]"), V_IAT), JWT_INVALID);
	assert_int_equal(runtime_signed(V_HEADER, vector_with(
	    "\"proj\":\"proj_alpha\"", "\"proj\":[\"a\",\"\"]"), V_IAT),
	    JWT_INVALID);
	assert_int_equal(runtime_signed(V_HEADER, vector_with(
	    "\"proj\":\"proj_alpha\"", "\"proj\":null"), V_IAT), JWT_INVALID);
}

static void
runtime_payload_duplicate_member_invalid(void **state)
{
	assert_int_equal(runtime_signed(V_HEADER, vector_with(
	    "\"org\":\"org_acme\"", "\"org\":\"org_acme\",\"org\":\"org_evil\""),
	    V_IAT), JWT_INVALID);
}

static void
runtime_payload_not_json_invalid(void **state)
{
	assert_int_equal(runtime_signed(V_HEADER, "not json", V_IAT),
	    JWT_INVALID);
	assert_int_equal(runtime_signed(V_HEADER, "[]", V_IAT), JWT_INVALID);
	assert_int_equal(runtime_signed(V_HEADER, V_PAYLOAD " x", V_IAT),
	    JWT_INVALID);
}

static void
runtime_padded_segment_invalid(void **state)
{
	char tok[sizeof(V_TOKEN) + 2];

	/* The signature segment is 43 characters: one '=' would pad it. */
	snprintf(tok, sizeof(tok), "%s=", V_TOKEN);
	assert_int_equal(verify_runtime(tok, V_IAT, 0), JWT_INVALID);
}

static void
runtime_four_segments_invalid(void **state)
{
	char tok[sizeof(V_TOKEN) + 8];

	snprintf(tok, sizeof(tok), "%s.AAAA", V_TOKEN);
	assert_int_equal(verify_runtime(tok, V_IAT, 0), JWT_INVALID);
	snprintf(tok, sizeof(tok), "%s.", V_TOKEN);
	assert_int_equal(verify_runtime(tok, V_IAT, 0), JWT_INVALID);
}

static void
runtime_empty_segments_invalid(void **state)
{
	assert_int_equal(verify_runtime("..", V_IAT, 0), JWT_INVALID);
	assert_int_equal(verify_runtime("", V_IAT, 0), JWT_INVALID);
	assert_int_equal(verify_runtime("eyJhbGciOiJIUzI1NiJ9..AAAA", V_IAT, 0),
	    JWT_INVALID);
}

static void
runtime_over_4096_bytes_invalid(void **state)
{
	static char tok[JWT_MAX_LEN + 2];
	size_t hl = strlen("eyJhbGciOiJIUzI1NiJ9.");

	memset(tok, 'A', sizeof(tok) - 1);
	memcpy(tok, "eyJhbGciOiJIUzI1NiJ9.", hl);
	tok[JWT_MAX_LEN - 44] = '.';
	tok[JWT_MAX_LEN + 1] = '\0';
	assert_int_equal(strlen(tok), JWT_MAX_LEN + 1);
	assert_int_equal(verify_runtime(tok, V_IAT, 0), JWT_INVALID);
}

static void
runtime_m2m_token_invalid(void **state)
{
	static const char *const scopes[] = {"worker:poll"};
	struct jwt_m2m_claims c = {
		.iss = "rensei", .client_id = "m2m_0123456789abcdef0123456789abcdef",
		.org_id = "org_acme", .scopes = scopes, .nscopes = 1,
		.iat = V_IAT, .exp = V_EXP, .jti = "x",
	};
	struct buf b;

	buf_init(&b);
	assert_int_equal(jwt_m2m_mint(&b, &c, JWT_ALG_HS256, secret,
	    sizeof(secret)), 0);
	assert_int_equal(verify_runtime(b.data, V_IAT, 0), JWT_INVALID);
	buf_free(&b);
}

/* ------------------------------------------------------------------ M2M */

#define M2M_CLIENT "m2m_0123456789abcdef0123456789abcdef"
#define M2M_ISS_HS "rensei-platform"
#define M2M_ISS_ED "https://rensei.example.com"

static uint8_t m2m_secret[32];
static uint8_t ed_pk[2][crypto_sign_PUBLICKEYBYTES];
static uint8_t ed_sk[2][crypto_sign_SECRETKEYBYTES];
static struct jwt_eddsa_pub ed_pubs[2];

static int
setup_m2m(void **state)
{
	uint8_t seed[crypto_sign_SEEDBYTES];
	size_t i, k;

	setup_secret(state);
	for (i = 0; i < sizeof(m2m_secret); i++)
		m2m_secret[i] = (uint8_t)(0xa0 + i);
	for (k = 0; k < 2; k++) {
		for (i = 0; i < sizeof(seed); i++)
			seed[i] = (uint8_t)(0x40 + 0x20 * k + i);
		if (crypto_sign_seed_keypair(ed_pk[k], ed_sk[k], seed) != 0)
			return -1;
		jwt_eddsa_kid(ed_pubs[k].kid, ed_pk[k]);
		memcpy(ed_pubs[k].pk, ed_pk[k], sizeof(ed_pk[k]));
	}
	return 0;
}

static const char *const m2m_scopes[] = {"sessions:read", "workers:read"};

static struct jwt_m2m_claims
m2m_claims(const char *iss)
{
	struct jwt_m2m_claims c = {
		.iss = iss, .client_id = M2M_CLIENT, .org_id = "org_acme",
		.scopes = m2m_scopes, .nscopes = 2, .iat = V_IAT,
		.exp = V_IAT + 3600, .jti = "0f1e2d3c4b5a69788796a5b4c3d2e1f0",
	};

	return c;
}

static struct jwt_m2m_verifier
hs_verifier(void)
{
	struct jwt_m2m_verifier v = {
		.alg = JWT_ALG_HS256, .key = m2m_secret,
		.keylen = sizeof(m2m_secret), .iss = M2M_ISS_HS,
	};

	return v;
}

static struct jwt_m2m_verifier
ed_verifier(size_t npubs)
{
	struct jwt_m2m_verifier v = {
		.alg = JWT_ALG_EDDSA, .pubs = ed_pubs, .npubs = npubs,
		.iss = M2M_ISS_ED,
	};

	return v;
}

static enum jwt_result
verify_m2m(const char *tok, const struct jwt_m2m_verifier *v, int64_t now)
{
	struct jwt_m2m_claims c;
	struct arena a;
	enum jwt_result r;

	arena_init(&a);
	r = jwt_m2m_verify(tok, strlen(tok), v, now, LEEWAY, &a, &c);
	arena_free(&a);
	return r;
}

/* Decodes segment idx (0 header, 1 payload) of a token into out. */
static void
segment(const char *tok, int idx, char *out, size_t outcap)
{
	const char *s = tok, *e;
	long n;

	while (idx-- > 0)
		s = strchr(s, '.') + 1;
	e = strchr(s, '.');
	n = b64url_decode((uint8_t *)out, outcap - 1, s, (size_t)(e - s));
	assert_true(n > 0);
	out[n] = '\0';
}

#define M2M_PAYLOAD(iss) "{\"iss\":\"" iss "\",\"aud\":\"rensei-api\"," \
	"\"sub\":\"" M2M_CLIENT "\",\"client_id\":\"" M2M_CLIENT "\"," \
	"\"org_id\":\"org_acme\",\"workspace_id\":\"org_acme\"," \
	"\"scopes\":[\"sessions:read\",\"workers:read\"]," \
	"\"scope\":\"sessions:read workers:read\",\"iat\":1777658400," \
	"\"exp\":1777662000,\"jti\":\"0f1e2d3c4b5a69788796a5b4c3d2e1f0\"}"

/* Signs header/payload with the HS256 M2M secret and verifies in HS256
 * mode, so that each rejection is about content. */
static enum jwt_result
m2m_hs_signed(const char *header, const char *payload, int64_t now)
{
	struct jwt_m2m_verifier v = hs_verifier();
	struct buf b;
	enum jwt_result r;

	buf_init(&b);
	assert_int_equal(jwt_sign(&b, header, strlen(header), payload,
	    strlen(payload), JWT_ALG_HS256, m2m_secret, sizeof(m2m_secret)),
	    0);
	r = verify_m2m(b.data, &v, now);
	buf_free(&b);
	return r;
}

/* The M2M payload with every occurrence of from replaced by to. */
static const char *
m2m_payload_with(const char *from, const char *to)
{
	static char out[2048];
	const char *base = M2M_PAYLOAD(M2M_ISS_HS), *p, *q;
	size_t o = 0, fl = strlen(from), tl = strlen(to);

	assert_non_null(strstr(base, from));
	for (p = base; (q = strstr(p, from)) != NULL; p = q + fl) {
		assert_true(o + (size_t)(q - p) + tl < sizeof(out));
		memcpy(out + o, p, (size_t)(q - p));
		o += (size_t)(q - p);
		memcpy(out + o, to, tl);
		o += tl;
	}
	assert_true(o + strlen(p) < sizeof(out));
	memcpy(out + o, p, strlen(p) + 1);
	return out;
}

#define M2M_HS_HEADER "{\"alg\":\"HS256\",\"typ\":\"at+jwt\"}"

static void
m2m_hs256_mint_exact_bytes(void **state)
{
	struct jwt_m2m_claims c = m2m_claims(M2M_ISS_HS);
	char seg[1024];
	struct buf b;

	buf_init(&b);
	assert_int_equal(jwt_m2m_mint(&b, &c, JWT_ALG_HS256, m2m_secret,
	    sizeof(m2m_secret)), 0);
	segment(b.data, 0, seg, sizeof(seg));
	assert_string_equal(seg, M2M_HS_HEADER);
	segment(b.data, 1, seg, sizeof(seg));
	assert_string_equal(seg, M2M_PAYLOAD(M2M_ISS_HS));
	buf_free(&b);
}

static void
m2m_hs256_round_trip(void **state)
{
	struct jwt_m2m_claims c = m2m_claims(M2M_ISS_HS), out;
	struct jwt_m2m_verifier v = hs_verifier();
	struct arena a;
	struct buf b;

	buf_init(&b);
	arena_init(&a);
	assert_int_equal(jwt_m2m_mint(&b, &c, JWT_ALG_HS256, m2m_secret,
	    sizeof(m2m_secret)), 0);
	assert_int_equal(jwt_m2m_verify(b.data, b.len, &v, V_IAT, LEEWAY, &a,
	    &out), JWT_VALID);
	assert_string_equal(out.iss, M2M_ISS_HS);
	assert_string_equal(out.client_id, M2M_CLIENT);
	assert_string_equal(out.org_id, "org_acme");
	assert_int_equal(out.nscopes, 2);
	assert_string_equal(out.scopes[0], "sessions:read");
	assert_string_equal(out.scopes[1], "workers:read");
	assert_int_equal(out.iat, V_IAT);
	assert_int_equal(out.exp, V_IAT + 3600);
	assert_string_equal(out.jti, "0f1e2d3c4b5a69788796a5b4c3d2e1f0");
	arena_free(&a);
	buf_free(&b);
}

static void
m2m_eddsa_round_trip(void **state)
{
	struct jwt_m2m_claims c = m2m_claims(M2M_ISS_ED), out;
	struct jwt_m2m_verifier v = ed_verifier(1);
	char seg[1024], want[128];
	struct arena a;
	struct buf b;

	buf_init(&b);
	arena_init(&a);
	assert_int_equal(jwt_m2m_mint(&b, &c, JWT_ALG_EDDSA, ed_sk[0],
	    sizeof(ed_sk[0])), 0);
	segment(b.data, 0, seg, sizeof(seg));
	snprintf(want, sizeof(want), "{\"alg\":\"EdDSA\",\"typ\":\"at+jwt\","
	    "\"kid\":\"%s\"}", ed_pubs[0].kid);
	assert_string_equal(seg, want);
	segment(b.data, 1, seg, sizeof(seg));
	assert_string_equal(seg, M2M_PAYLOAD(M2M_ISS_ED));
	assert_int_equal(jwt_m2m_verify(b.data, b.len, &v, V_IAT, LEEWAY, &a,
	    &out), JWT_VALID);
	assert_string_equal(out.client_id, M2M_CLIENT);
	assert_string_equal(out.iss, M2M_ISS_ED);
	arena_free(&a);
	buf_free(&b);
}

/* A token signed by the retired key verifies while it is listed. */
static void
m2m_eddsa_retired_key_accepted(void **state)
{
	struct jwt_m2m_claims c = m2m_claims(M2M_ISS_ED);
	struct jwt_m2m_verifier v2 = ed_verifier(2), v1 = ed_verifier(1);
	struct buf b;

	buf_init(&b);
	assert_int_equal(jwt_m2m_mint(&b, &c, JWT_ALG_EDDSA, ed_sk[1],
	    sizeof(ed_sk[1])), 0);
	assert_int_equal(verify_m2m(b.data, &v2, V_IAT), JWT_VALID);
	assert_int_equal(verify_m2m(b.data, &v1, V_IAT), JWT_INVALID);
	buf_free(&b);
}

static void
m2m_eddsa_wrong_kid_invalid(void **state)
{
	struct jwt_m2m_claims c = m2m_claims(M2M_ISS_ED);
	struct jwt_eddsa_pub swapped[1];
	struct jwt_m2m_verifier v = ed_verifier(1);
	struct buf b;

	/* The right public key under another kid. */
	memcpy(swapped[0].pk, ed_pk[0], sizeof(swapped[0].pk));
	memcpy(swapped[0].kid, ed_pubs[1].kid, sizeof(swapped[0].kid));
	v.pubs = swapped;
	buf_init(&b);
	assert_int_equal(jwt_m2m_mint(&b, &c, JWT_ALG_EDDSA, ed_sk[0],
	    sizeof(ed_sk[0])), 0);
	assert_int_equal(verify_m2m(b.data, &v, V_IAT), JWT_INVALID);
	buf_free(&b);
}

static void
m2m_eddsa_kid_naming_other_key_invalid(void **state)
{
	struct jwt_m2m_claims c = m2m_claims(M2M_ISS_ED);
	struct jwt_eddsa_pub lying[1];
	struct jwt_m2m_verifier v = ed_verifier(1);
	struct buf b;

	/* The kid the token carries, but another key's bytes. */
	memcpy(lying[0].pk, ed_pk[1], sizeof(lying[0].pk));
	memcpy(lying[0].kid, ed_pubs[0].kid, sizeof(lying[0].kid));
	v.pubs = lying;
	buf_init(&b);
	assert_int_equal(jwt_m2m_mint(&b, &c, JWT_ALG_EDDSA, ed_sk[0],
	    sizeof(ed_sk[0])), 0);
	assert_int_equal(verify_m2m(b.data, &v, V_IAT), JWT_INVALID);
	buf_free(&b);
}

static void
m2m_eddsa_any_changed_character_invalid(void **state)
{
	struct jwt_m2m_claims c = m2m_claims(M2M_ISS_ED);
	struct jwt_m2m_verifier v = ed_verifier(2);
	char tok[JWT_MAX_LEN + 1];
	struct buf b;
	size_t i;

	buf_init(&b);
	assert_int_equal(jwt_m2m_mint(&b, &c, JWT_ALG_EDDSA, ed_sk[0],
	    sizeof(ed_sk[0])), 0);
	for (i = 0; i < b.len; i++) {
		memcpy(tok, b.data, b.len + 1);
		tok[i] = tok[i] == 'A' ? 'B' : 'A';
		if (verify_m2m(tok, &v, V_IAT) != JWT_INVALID)
			fail_msg("position %zu accepted", i);
	}
	buf_free(&b);
}

static void
m2m_mode_mismatch_invalid(void **state)
{
	struct jwt_m2m_claims ch = m2m_claims(M2M_ISS_HS);
	struct jwt_m2m_claims ce = m2m_claims(M2M_ISS_ED);
	struct jwt_m2m_verifier vh = hs_verifier(), ve = ed_verifier(2);
	struct buf b;

	buf_init(&b);
	assert_int_equal(jwt_m2m_mint(&b, &ch, JWT_ALG_HS256, m2m_secret,
	    sizeof(m2m_secret)), 0);
	assert_int_equal(verify_m2m(b.data, &ve, V_IAT), JWT_INVALID);
	buf_reset(&b);
	assert_int_equal(jwt_m2m_mint(&b, &ce, JWT_ALG_EDDSA, ed_sk[0],
	    sizeof(ed_sk[0])), 0);
	assert_int_equal(verify_m2m(b.data, &vh, V_IAT), JWT_INVALID);
	buf_free(&b);
}

static void
m2m_expired_only_with_valid_signature(void **state)
{
	struct jwt_m2m_claims c = m2m_claims(M2M_ISS_HS);
	struct jwt_m2m_verifier v = hs_verifier();
	int64_t late = V_IAT + 3600 + LEEWAY;
	struct buf b;

	buf_init(&b);
	assert_int_equal(jwt_m2m_mint(&b, &c, JWT_ALG_HS256, m2m_secret,
	    sizeof(m2m_secret)), 0);
	assert_int_equal(verify_m2m(b.data, &v, late - 1), JWT_VALID);
	assert_int_equal(verify_m2m(b.data, &v, late), JWT_EXPIRED);
	b.data[b.len - 1] = b.data[b.len - 1] == 'A' ? 'B' : 'A';
	assert_int_equal(verify_m2m(b.data, &v, late), JWT_INVALID);
	buf_free(&b);
}

static void
m2m_eddsa_expired(void **state)
{
	struct jwt_m2m_claims c = m2m_claims(M2M_ISS_ED);
	struct jwt_m2m_verifier v = ed_verifier(1);
	struct buf b;

	buf_init(&b);
	assert_int_equal(jwt_m2m_mint(&b, &c, JWT_ALG_EDDSA, ed_sk[0],
	    sizeof(ed_sk[0])), 0);
	assert_int_equal(verify_m2m(b.data, &v, V_IAT + 3600 + LEEWAY),
	    JWT_EXPIRED);
	buf_free(&b);
}

static void
m2m_iat_beyond_leeway_invalid(void **state)
{
	assert_int_equal(m2m_hs_signed(M2M_HS_HEADER,
	    M2M_PAYLOAD(M2M_ISS_HS), V_IAT - LEEWAY), JWT_VALID);
	assert_int_equal(m2m_hs_signed(M2M_HS_HEADER,
	    M2M_PAYLOAD(M2M_ISS_HS), V_IAT - LEEWAY - 1), JWT_INVALID);
}

static void
m2m_wrong_secret_invalid(void **state)
{
	struct jwt_m2m_claims c = m2m_claims(M2M_ISS_HS);
	struct jwt_m2m_verifier v = hs_verifier();
	struct buf b;

	buf_init(&b);
	assert_int_equal(jwt_m2m_mint(&b, &c, JWT_ALG_HS256, secret,
	    sizeof(secret)), 0);
	assert_int_equal(verify_m2m(b.data, &v, V_IAT), JWT_INVALID);
	buf_free(&b);
}

static void
m2m_wrong_iss_invalid(void **state)
{
	struct jwt_m2m_claims c = m2m_claims(M2M_ISS_ED);
	struct jwt_m2m_verifier v = ed_verifier(1);
	struct buf b;

	buf_init(&b);
	assert_int_equal(jwt_m2m_mint(&b, &c, JWT_ALG_EDDSA, ed_sk[0],
	    sizeof(ed_sk[0])), 0);
	v.iss = "https://other.example.com";
	assert_int_equal(verify_m2m(b.data, &v, V_IAT), JWT_INVALID);
	buf_free(&b);
	assert_int_equal(m2m_hs_signed(M2M_HS_HEADER, m2m_payload_with(
	    "\"iss\":\"rensei-platform\"", "\"iss\":\"rensei\""), V_IAT),
	    JWT_INVALID);
}

static void
m2m_sub_differs_from_client_id_invalid(void **state)
{
	assert_int_equal(m2m_hs_signed(M2M_HS_HEADER, m2m_payload_with(
	    "\"client_id\":\"" M2M_CLIENT "\"",
	    "\"client_id\":\"m2m_ffffffffffffffffffffffffffffffff\""), V_IAT),
	    JWT_INVALID);
	assert_int_equal(m2m_hs_signed(M2M_HS_HEADER, m2m_payload_with(
	    "\"client_id\":\"" M2M_CLIENT "\",", ""), V_IAT), JWT_INVALID);
}

static void
m2m_sub_pattern_enforced(void **state)
{
	static const char *bad[] = {
		"m2m_0123456789ABCDEF0123456789abcdef",
		"m2m_0123456789abcdef0123456789abcde",
		"m2m_0123456789abcdef0123456789abcdef0",
		"m2n_0123456789abcdef0123456789abcdef",
		"m2m_0123456789abcdef0123456789abcdeg",
	};
	size_t i;

	/* sub and client_id both changed, so only the pattern fails. */
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(m2m_hs_signed(M2M_HS_HEADER,
		    m2m_payload_with(M2M_CLIENT, bad[i]), V_IAT), JWT_INVALID);
}

static void
m2m_workspace_differs_from_org_invalid(void **state)
{
	assert_int_equal(m2m_hs_signed(M2M_HS_HEADER, m2m_payload_with(
	    "\"workspace_id\":\"org_acme\"", "\"workspace_id\":\"org_evil\""),
	    V_IAT), JWT_INVALID);
	assert_int_equal(m2m_hs_signed(M2M_HS_HEADER, m2m_payload_with(
	    "\"org_id\":\"org_acme\",\"workspace_id\":\"org_acme\"",
	    "\"org_id\":\"\",\"workspace_id\":\"\""), V_IAT), JWT_INVALID);
}

static void
m2m_typ_jwt_rejected(void **state)
{
	assert_int_equal(m2m_hs_signed("{\"alg\":\"HS256\",\"typ\":\"JWT\"}",
	    M2M_PAYLOAD(M2M_ISS_HS), V_IAT), JWT_INVALID);
	assert_int_equal(m2m_hs_signed("{\"alg\":\"HS256\"}",
	    M2M_PAYLOAD(M2M_ISS_HS), V_IAT), JWT_INVALID);
}

static void
m2m_typ_case_insensitive_accepted(void **state)
{
	assert_int_equal(m2m_hs_signed("{\"alg\":\"HS256\",\"typ\":"
	    "\"application/AT+JWT\"}", M2M_PAYLOAD(M2M_ISS_HS), V_IAT),
	    JWT_VALID);
	assert_int_equal(m2m_hs_signed("{\"alg\":\"HS256\",\"typ\":"
	    "\"At+Jwt\"}", M2M_PAYLOAD(M2M_ISS_HS), V_IAT), JWT_VALID);
}

static void
m2m_header_crit_invalid(void **state)
{
	assert_int_equal(m2m_hs_signed("{\"alg\":\"HS256\",\"typ\":\"at+jwt\","
	    "\"crit\":[]}", M2M_PAYLOAD(M2M_ISS_HS), V_IAT), JWT_INVALID);
}

static void
m2m_alg_other_than_configured_invalid(void **state)
{
	assert_int_equal(m2m_hs_signed("{\"alg\":\"HS512\",\"typ\":\"at+jwt\"}",
	    M2M_PAYLOAD(M2M_ISS_HS), V_IAT), JWT_INVALID);
	assert_int_equal(m2m_hs_signed("{\"alg\":\"none\",\"typ\":\"at+jwt\"}",
	    M2M_PAYLOAD(M2M_ISS_HS), V_IAT), JWT_INVALID);
}

static void
m2m_scope_system_rejected(void **state)
{
	static const char *const sys[] = {"system"};
	struct jwt_m2m_claims c = m2m_claims(M2M_ISS_HS);
	struct buf b;

	assert_int_equal(m2m_hs_signed(M2M_HS_HEADER, m2m_payload_with(
	    "[\"sessions:read\",", "[\"system\","), V_IAT), JWT_INVALID);
	c.scopes = sys;
	c.nscopes = 1;
	buf_init(&b);
	assert_int_equal(jwt_m2m_mint(&b, &c, JWT_ALG_HS256, m2m_secret,
	    sizeof(m2m_secret)), -1);
	buf_free(&b);
}

static void
m2m_scope_org_keys_write_rejected(void **state)
{
	assert_int_equal(m2m_hs_signed(M2M_HS_HEADER, m2m_payload_with(
	    "[\"sessions:read\",", "[\"org_keys:write\","), V_IAT),
	    JWT_INVALID);
}

static void
m2m_scope_duplicate_rejected(void **state)
{
	assert_int_equal(m2m_hs_signed(M2M_HS_HEADER, m2m_payload_with(
	    "\"workers:read\"]", "\"sessions:read\"]"), V_IAT), JWT_INVALID);
}

static void
m2m_scopes_not_array_rejected(void **state)
{
	assert_int_equal(m2m_hs_signed(M2M_HS_HEADER, m2m_payload_with(
	    "[\"sessions:read\",\"workers:read\"]",
	    "\"sessions:read workers:read\""), V_IAT), JWT_INVALID);
}

static void
m2m_star_scope_accepted(void **state)
{
	assert_int_equal(m2m_hs_signed(M2M_HS_HEADER, m2m_payload_with(
	    "[\"sessions:read\",\"workers:read\"]", "[\"*\"]"), V_IAT),
	    JWT_VALID);
}

static void
m2m_aud_array_containing_api_accepted(void **state)
{
	assert_int_equal(m2m_hs_signed(M2M_HS_HEADER, m2m_payload_with(
	    "\"aud\":\"rensei-api\"", "\"aud\":[\"rensei-api\",\"x\"]"), V_IAT),
	    JWT_VALID);
	assert_int_equal(m2m_hs_signed(M2M_HS_HEADER, m2m_payload_with(
	    "\"aud\":\"rensei-api\"", "\"aud\":\"rensei-worker\""), V_IAT),
	    JWT_INVALID);
}

static void
m2m_fractional_times_invalid(void **state)
{
	assert_int_equal(m2m_hs_signed(M2M_HS_HEADER, m2m_payload_with(
	    "\"iat\":1777658400", "\"iat\":1777658400.0"), V_IAT),
	    JWT_INVALID);
	assert_int_equal(m2m_hs_signed(M2M_HS_HEADER, m2m_payload_with(
	    "\"exp\":1777662000", "\"exp\":1.777662e9"), V_IAT), JWT_INVALID);
}

static void
m2m_payload_duplicate_member_invalid(void **state)
{
	assert_int_equal(m2m_hs_signed(M2M_HS_HEADER, m2m_payload_with(
	    "\"aud\":\"rensei-api\"",
	    "\"aud\":\"rensei-api\",\"aud\":\"rensei-api\""), V_IAT),
	    JWT_INVALID);
}

static void
m2m_runtime_token_invalid(void **state)
{
	struct jwt_m2m_verifier v = hs_verifier();

	v.key = secret;
	v.keylen = sizeof(secret);
	assert_int_equal(verify_m2m(V_TOKEN, &v, V_IAT), JWT_INVALID);
}

static void
m2m_scope_known_vocabulary(void **state)
{
	assert_true(jwt_m2m_scope_known("*", 1));
	assert_true(jwt_m2m_scope_known("webhooks:write", 14));
	assert_true(jwt_m2m_scope_known("worker:register", 15));
	assert_false(jwt_m2m_scope_known("system", 6));
	assert_false(jwt_m2m_scope_known("org_keys:write", 14));
	assert_false(jwt_m2m_scope_known("sessions:rea", 12));
	assert_false(jwt_m2m_scope_known("sessions:read ", 14));
}

static void
eddsa_kid_is_sha256_prefix(void **state)
{
	/* The audit key of 09-audit.md §2.5, x = RHraRk… */
	uint8_t pk[JWT_EDDSA_PK_LEN];
	char kid[JWT_KID_LEN + 1];

	assert_int_equal(b64url_decode(pk, sizeof(pk),
	    "RHraRkFQ8fYTuW8Mmf0bvTVl-RHc-ITMig0a3JJexOU", 43), 32);
	jwt_eddsa_kid(kid, pk);
	assert_string_equal(kid, "7f188328774ebd1a");
}

/* ------------------------------------------------------ classification */

static void
is_at_jwt_for_m2m_tokens(void **state)
{
	struct jwt_m2m_claims ch = m2m_claims(M2M_ISS_HS);
	struct jwt_m2m_claims ce = m2m_claims(M2M_ISS_ED);
	struct buf b;

	buf_init(&b);
	assert_int_equal(jwt_m2m_mint(&b, &ch, JWT_ALG_HS256, m2m_secret,
	    sizeof(m2m_secret)), 0);
	assert_true(jwt_is_at_jwt(b.data, b.len));
	buf_reset(&b);
	assert_int_equal(jwt_m2m_mint(&b, &ce, JWT_ALG_EDDSA, ed_sk[0],
	    sizeof(ed_sk[0])), 0);
	assert_true(jwt_is_at_jwt(b.data, b.len));
	buf_free(&b);
}

static void
is_at_jwt_false_for_runtime_token(void **state)
{
	assert_false(jwt_is_at_jwt(V_TOKEN, strlen(V_TOKEN)));
}

static int
typ_classifies(const char *header)
{
	char tok[256];
	size_t n;

	b64url_encode(tok, (const uint8_t *)header, strlen(header));
	n = strlen(tok);
	snprintf(tok + n, sizeof(tok) - n, ".e30.AAAA");
	return jwt_is_at_jwt(tok, strlen(tok));
}

static void
is_at_jwt_case_insensitive(void **state)
{
	assert_true(typ_classifies("{\"typ\":\"AT+JWT\"}"));
	assert_true(typ_classifies("{\"typ\":\"Application/At+Jwt\"}"));
	assert_true(typ_classifies("{\"alg\":\"none\",\"typ\":\"at+jwt\"}"));
}

static void
is_at_jwt_false_for_other_typ(void **state)
{
	assert_false(typ_classifies("{\"typ\":\"JWT\"}"));
	assert_false(typ_classifies("{\"typ\":\"at+jwt \"}"));
	assert_false(typ_classifies("{\"typ\":\"application/jwt\"}"));
	assert_false(typ_classifies("{\"alg\":\"HS256\"}"));
	assert_false(typ_classifies("{\"typ\":[\"at+jwt\"]}"));
}

static void
is_at_jwt_false_for_undecodable_header(void **state)
{
	assert_false(jwt_is_at_jwt("!!!.e30.AAAA", 12));
	assert_false(jwt_is_at_jwt(".e30.AAAA", 9));
	assert_false(jwt_is_at_jwt("", 0));
	assert_false(typ_classifies("not json"));
	assert_false(typ_classifies("{\"typ\":\"at+jwt\",\"typ\":\"at+jwt\"}"));
	/* Padded header segment: eyJ0eXAiOiJhdCtqd3QifQ is {"typ":"at+jwt"}. */
	assert_true(jwt_is_at_jwt("eyJ0eXAiOiJhdCtqd3QifQ.e30.AAAA", 31));
	assert_false(jwt_is_at_jwt("eyJ0eXAiOiJhdCtqd3QifQ==.e30.AAAA", 33));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(runtime_mint_reproduces_vector),
		cmocka_unit_test(sign_reproduces_vector),
		cmocka_unit_test(sign_appends_to_buffer),
		cmocka_unit_test(sign_refuses_token_over_4096_bytes),
		cmocka_unit_test(sign_eddsa_refuses_wrong_key_length),
		cmocka_unit_test(runtime_mint_refuses_missing_claims),
		cmocka_unit_test(runtime_mint_omits_proj_for_all_projects),
		cmocka_unit_test(runtime_mint_writes_proj_array_for_several),
		cmocka_unit_test(runtime_vector_valid_at_iat),
		cmocka_unit_test(runtime_vector_valid_until_leeway_ends),
		cmocka_unit_test(runtime_vector_expired_at_1777662060),
		cmocka_unit_test(runtime_expired_keeps_claims),
		cmocka_unit_test(runtime_grace_extends_expiry),
		cmocka_unit_test(runtime_iat_beyond_leeway_invalid),
		cmocka_unit_test(runtime_expired_with_bad_signature_invalid),
		cmocka_unit_test(runtime_wrong_secret_invalid),
		cmocka_unit_test(runtime_any_changed_character_invalid),
		cmocka_unit_test(runtime_truncated_or_extended_invalid),
		cmocka_unit_test(runtime_alg_none_invalid),
		cmocka_unit_test(runtime_alg_hs512_invalid),
		cmocka_unit_test(runtime_alg_rs256_invalid),
		cmocka_unit_test(runtime_alg_eddsa_invalid),
		cmocka_unit_test(runtime_alg_missing_invalid),
		cmocka_unit_test(runtime_alg_case_variant_invalid),
		cmocka_unit_test(runtime_header_crit_invalid),
		cmocka_unit_test(runtime_header_duplicate_member_invalid),
		cmocka_unit_test(runtime_header_typ_other_invalid),
		cmocka_unit_test(runtime_header_typ_absent_accepted),
		cmocka_unit_test(runtime_header_not_object_invalid),
		cmocka_unit_test(runtime_bad_iss_invalid),
		cmocka_unit_test(runtime_aud_array_containing_worker_accepted),
		cmocka_unit_test(runtime_aud_other_invalid),
		cmocka_unit_test(runtime_sub_pattern_enforced),
		cmocka_unit_test(runtime_org_required),
		cmocka_unit_test(runtime_reg_required),
		cmocka_unit_test(runtime_scope_string_instead_of_array_invalid),
		cmocka_unit_test(runtime_scope_unknown_or_duplicate_invalid),
		cmocka_unit_test(runtime_scope_empty_array_accepted),
		cmocka_unit_test(runtime_scope_other_order_accepted),
		cmocka_unit_test(runtime_fractional_iat_invalid),
		cmocka_unit_test(runtime_fractional_exp_invalid),
		cmocka_unit_test(runtime_huge_exp_does_not_overflow),
		cmocka_unit_test(runtime_proj_forms),
		cmocka_unit_test(runtime_payload_duplicate_member_invalid),
		cmocka_unit_test(runtime_payload_not_json_invalid),
		cmocka_unit_test(runtime_padded_segment_invalid),
		cmocka_unit_test(runtime_four_segments_invalid),
		cmocka_unit_test(runtime_empty_segments_invalid),
		cmocka_unit_test(runtime_over_4096_bytes_invalid),
		cmocka_unit_test(runtime_m2m_token_invalid),
		cmocka_unit_test(m2m_hs256_mint_exact_bytes),
		cmocka_unit_test(m2m_hs256_round_trip),
		cmocka_unit_test(m2m_eddsa_round_trip),
		cmocka_unit_test(m2m_eddsa_retired_key_accepted),
		cmocka_unit_test(m2m_eddsa_wrong_kid_invalid),
		cmocka_unit_test(m2m_eddsa_kid_naming_other_key_invalid),
		cmocka_unit_test(m2m_eddsa_any_changed_character_invalid),
		cmocka_unit_test(m2m_mode_mismatch_invalid),
		cmocka_unit_test(m2m_expired_only_with_valid_signature),
		cmocka_unit_test(m2m_eddsa_expired),
		cmocka_unit_test(m2m_iat_beyond_leeway_invalid),
		cmocka_unit_test(m2m_wrong_secret_invalid),
		cmocka_unit_test(m2m_wrong_iss_invalid),
		cmocka_unit_test(m2m_sub_differs_from_client_id_invalid),
		cmocka_unit_test(m2m_sub_pattern_enforced),
		cmocka_unit_test(m2m_workspace_differs_from_org_invalid),
		cmocka_unit_test(m2m_typ_jwt_rejected),
		cmocka_unit_test(m2m_typ_case_insensitive_accepted),
		cmocka_unit_test(m2m_header_crit_invalid),
		cmocka_unit_test(m2m_alg_other_than_configured_invalid),
		cmocka_unit_test(m2m_scope_system_rejected),
		cmocka_unit_test(m2m_scope_org_keys_write_rejected),
		cmocka_unit_test(m2m_scope_duplicate_rejected),
		cmocka_unit_test(m2m_scopes_not_array_rejected),
		cmocka_unit_test(m2m_star_scope_accepted),
		cmocka_unit_test(m2m_aud_array_containing_api_accepted),
		cmocka_unit_test(m2m_fractional_times_invalid),
		cmocka_unit_test(m2m_payload_duplicate_member_invalid),
		cmocka_unit_test(m2m_runtime_token_invalid),
		cmocka_unit_test(m2m_scope_known_vocabulary),
		cmocka_unit_test(eddsa_kid_is_sha256_prefix),
		cmocka_unit_test(is_at_jwt_for_m2m_tokens),
		cmocka_unit_test(is_at_jwt_false_for_runtime_token),
		cmocka_unit_test(is_at_jwt_case_insensitive),
		cmocka_unit_test(is_at_jwt_false_for_other_typ),
		cmocka_unit_test(is_at_jwt_false_for_undecodable_header),
	};

	if (crypto_init() != 0)
		return 1;
	return cmocka_run_group_tests(tests, setup_m2m, NULL);
}
