/* t/unit/crypto.c -- lib/crypto.c: known vectors, strict decoders, ids. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "crypto.h"

/* Hex of a digest prefix, for comparing with the spec's printed vectors. */
static void
assert_hex(const uint8_t *got, size_t n, const char *want)
{
	char hex[2 * 64 + 1];

	assert_true(n <= 64);
	hex_encode(hex, got, n);
	assert_string_equal(hex, want);
}

static void
fill_range(uint8_t *p, size_t n, uint8_t first)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(first + i);
}

/* ------------------------------------------------------------- SHA-256 */

static void
sha256_empty_string(void **state)
{
	char hex[SHA256_HEX_LEN + 1];

	sha256_hex(hex, "", 0);
	assert_string_equal(hex,
	    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void
sha256_fips_abc(void **state)
{
	uint8_t d[SHA256_LEN];

	sha256(d, "abc", 3);
	assert_hex(d, sizeof(d),
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void
sha256_fips_two_blocks(void **state)
{
	const char *m =
	    "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	char hex[SHA256_HEX_LEN + 1];

	sha256_hex(hex, m, strlen(m));
	assert_string_equal(hex,
	    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

/* 01-auth.md §12: keyHash of the example API key. */
static void
sha256_api_key_hash_vector(void **state)
{
	const char *key = "rsk_live_00112233445566778899aabbccddeeff"
	    "00112233445566778899aabbccddeeff";
	char hex[SHA256_HEX_LEN + 1];

	assert_int_equal(strlen(key), 73);
	sha256_hex(hex, key, strlen(key));
	assert_string_equal(hex,
	    "561f45b3d3f17d47d6d4b9581f240ca0dd5552d2abc878b9e1a24ee889b5483a");
	assert_memory_equal(key, "rsk_live_0011", 13);
}

/* --------------------------------------------------------- HMAC-SHA256 */

static void
hmac_sha256_rfc4231_case1(void **state)
{
	uint8_t key[20], mac[SHA256_LEN];

	memset(key, 0x0b, sizeof(key));
	hmac_sha256(mac, key, sizeof(key), "Hi There", 8);
	assert_hex(mac, sizeof(mac),
	    "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
}

static void
hmac_sha256_rfc4231_case2(void **state)
{
	const char *m = "what do ya want for nothing?";
	uint8_t mac[SHA256_LEN];

	hmac_sha256(mac, "Jefe", 4, m, strlen(m));
	assert_hex(mac, sizeof(mac),
	    "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

static void
hmac_sha256_rfc4231_case3(void **state)
{
	uint8_t key[20], msg[50], mac[SHA256_LEN];

	memset(key, 0xaa, sizeof(key));
	memset(msg, 0xdd, sizeof(msg));
	hmac_sha256(mac, key, sizeof(key), msg, sizeof(msg));
	assert_hex(mac, sizeof(mac),
	    "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
}

static void
hmac_sha256_rfc4231_case6_long_key(void **state)
{
	const char *m = "Test Using Larger Than Block-Size Key - Hash Key First";
	uint8_t key[131], mac[SHA256_LEN];

	memset(key, 0xaa, sizeof(key));
	hmac_sha256(mac, key, sizeof(key), m, strlen(m));
	assert_hex(mac, sizeof(mac),
	    "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

static void
hmac_sha256_rfc4231_case7_long_key_and_data(void **state)
{
	const char *m = "This is a test using a larger than block-size key and "
	    "a larger than block-size data. The key needs to be hashed before "
	    "being used by the HMAC algorithm.";
	uint8_t key[131], mac[SHA256_LEN];

	memset(key, 0xaa, sizeof(key));
	hmac_sha256(mac, key, sizeof(key), m, strlen(m));
	assert_hex(mac, sizeof(mac),
	    "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
}

static void
hmac_sha256_empty_key_and_message(void **state)
{
	uint8_t mac[SHA256_LEN];

	hmac_sha256(mac, NULL, 0, NULL, 0);
	assert_hex(mac, sizeof(mac),
	    "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

/* 06-webhooks.md §11 V1/V2 (GitHub's published vector). */
static void
hmac_sha256_webhook_v1_github(void **state)
{
	const char *k = "It's a Secret to Everybody";
	uint8_t mac[SHA256_LEN];

	hmac_sha256(mac, k, strlen(k), "Hello, World!", 13);
	assert_hex(mac, sizeof(mac),
	    "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17");
}

/* 06-webhooks.md §11 V4. */
static void
hmac_sha256_webhook_v4_linear(void **state)
{
	const char *k = "lin_wh_test_secret";
	const char *body = "{\"action\":\"update\",\"type\":\"Issue\",\"data\":"
	    "{\"id\":\"9f2c5a40-1b7e-4c43-9d0a-6a1f0c2b7e11\",\"identifier\":"
	    "\"ENG-42\",\"title\":\"Fix login\"},\"webhookTimestamp\":"
	    "1767225600000}";
	uint8_t mac[SHA256_LEN];

	assert_int_equal(strlen(body), 162);
	hmac_sha256(mac, k, strlen(k), body, strlen(body));
	assert_hex(mac, sizeof(mac),
	    "ac243229f364ca1b1b145ba72d8884c642c07f1fef862c41807d069904e72fcf");
}

/* ----------------------------------------------------------- HMAC-SHA1 */

static void
hmac_sha1_rfc2202_case1(void **state)
{
	uint8_t key[20], mac[SHA1_LEN];

	memset(key, 0x0b, sizeof(key));
	hmac_sha1(mac, key, sizeof(key), "Hi There", 8);
	assert_hex(mac, sizeof(mac),
	    "b617318655057264e28bc0b6fb378c8ef146be00");
}

static void
hmac_sha1_rfc2202_case2(void **state)
{
	const char *m = "what do ya want for nothing?";
	uint8_t mac[SHA1_LEN];

	hmac_sha1(mac, "Jefe", 4, m, strlen(m));
	assert_hex(mac, sizeof(mac),
	    "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
}

static void
hmac_sha1_rfc2202_case6_long_key(void **state)
{
	const char *m = "Test Using Larger Than Block-Size Key - Hash Key First";
	uint8_t key[80], mac[SHA1_LEN];

	memset(key, 0xaa, sizeof(key));
	hmac_sha1(mac, key, sizeof(key), m, strlen(m));
	assert_hex(mac, sizeof(mac),
	    "aa4ae5e15272d00e95705637ce8a3b55ed402112");
}

/* 06-webhooks.md §11 V3 (Vercel). */
static void
hmac_sha1_webhook_v3_vercel(void **state)
{
	const char *k = "It's a Secret to Everybody";
	uint8_t mac[SHA1_LEN];

	hmac_sha1(mac, k, strlen(k), "Hello, World!", 13);
	assert_hex(mac, sizeof(mac),
	    "01dc10d0c83e72ed246219cdd91669667fe2ca59");
}

/* ------------------------------------------------- 01-auth.md §12 vectors */

static void
session_hash_vector(void **state)
{
	const char *msg = "session:5b1f2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
	uint8_t secret[32], mac[SHA256_LEN];

	fill_range(secret, sizeof(secret), 0x00);
	hmac_sha256(mac, secret, sizeof(secret), msg, strlen(msg));
	assert_hex(mac, 16, "98620f1d920655abbad79b8e6cccad18");
}

static void
public_id_vector(void **state)
{
	const char *tid = "5b1f2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
	uint8_t salt[32], mac[SHA256_LEN];

	fill_range(salt, sizeof(salt), 0x20);
	hmac_sha256(mac, salt, sizeof(salt), tid, strlen(tid));
	assert_hex(mac, 8, "8994bbb3a9d14d97");
}

/* ------------------------------------------------ 09-audit.md §2.5, §3 */

static void
audit_key_seed_kid_and_x_vector(void **state)
{
	const char *msg = "audit-key:org_acme:1";
	uint8_t master[32], seed[SHA256_LEN], pk[crypto_sign_PUBLICKEYBYTES];
	uint8_t sk[crypto_sign_SECRETKEYBYTES], d[SHA256_LEN];
	char b32[53], kid[4 + 26 + 1], x[44];

	fill_range(master, sizeof(master), 0x00);
	hmac_sha256(seed, master, sizeof(master), msg, strlen(msg));
	assert_hex(seed, sizeof(seed),
	    "0721cfb78df593a8b1f70adea725a5021717c649b4b0185486bbf0db7e988aa1");

	assert_int_equal(crypto_sign_seed_keypair(pk, sk, seed), 0);
	assert_int_equal(b64url_encoded_len(sizeof(pk)), 43);
	b64url_encode(x, pk, sizeof(pk));
	assert_string_equal(x, "RHraRkFQ8fYTuW8Mmf0bvTVl-RHc-ITMig0a3JJexOU");

	sha256(d, pk, sizeof(pk));
	base32_lower_encode(b32, d, sizeof(d));
	assert_int_equal(strlen(b32), 52);
	memcpy(kid, "ask_", 4);
	memcpy(kid + 4, b32, 26);
	kid[30] = '\0';
	assert_string_equal(kid, "ask_p4migkdxj26rvh4rpthbgxypfk");
	sodium_memzero(sk, sizeof(sk));
}

/* The event signature of 09-audit.md §2.5 (Ed25519 over d, base64url). */
static void
audit_signature_vector(void **state)
{
	const char *dhex =
	    "5fd58d77390a2c3f38d581d974f24daf2296d55b03c18b1e66ceb44021c9bb2d";
	uint8_t master[32], seed[SHA256_LEN], pk[crypto_sign_PUBLICKEYBYTES];
	uint8_t sk[crypto_sign_SECRETKEYBYTES], d[SHA256_LEN];
	uint8_t sig[crypto_sign_BYTES];
	char enc[87];

	fill_range(master, sizeof(master), 0x00);
	hmac_sha256(seed, master, sizeof(master), "audit-key:org_acme:1", 20);
	assert_int_equal(crypto_sign_seed_keypair(pk, sk, seed), 0);
	assert_int_equal(hex_decode(d, sizeof(d), dhex, 64, 1), 32);
	assert_int_equal(crypto_sign_detached(sig, NULL, d, sizeof(d), sk), 0);
	assert_int_equal(b64url_encoded_len(sizeof(sig)), 86);
	b64url_encode(enc, sig, sizeof(sig));
	assert_string_equal(enc, "kD0npszv8vJlEITLGqbJLH07Y4inbAnhu6G65TYxd0vR"
	    "GW8b1ow5PTH5R0OQ5aHVT0PPARM2mT86agHmlCyBCQ");
	sodium_memzero(sk, sizeof(sk));
}

/* ----------------------------------------------------------------- hex */

static void
hex_encode_is_lowercase(void **state)
{
	const uint8_t b[] = {0x00, 0xab, 0xcd, 0xef, 0xff};
	char hex[11];

	hex_encode(hex, b, sizeof(b));
	assert_string_equal(hex, "00abcdefff");
}

static void
hex_decode_round_trip(void **state)
{
	uint8_t b[4];

	assert_int_equal(hex_decode(b, sizeof(b), "deadbeef", 8, 1), 4);
	assert_int_equal(b[0], 0xde);
	assert_int_equal(b[3], 0xef);
}

static void
hex_decode_accepts_uppercase_unless_lower_only(void **state)
{
	uint8_t b[2];

	assert_int_equal(hex_decode(b, sizeof(b), "aBcD", 4, 0), 2);
	assert_int_equal(b[0], 0xab);
	assert_int_equal(b[1], 0xcd);
	assert_int_equal(hex_decode(b, sizeof(b), "aBcD", 4, 1), -1);
	assert_int_equal(hex_decode(b, sizeof(b), "ABCD", 4, 1), -1);
}

static void
hex_decode_rejects_odd_length(void **state)
{
	uint8_t b[4];

	assert_int_equal(hex_decode(b, sizeof(b), "abc", 3, 0), -1);
}

static void
hex_decode_rejects_non_hex_characters(void **state)
{
	static const char *bad[] = {"0g", "g0", "0x", " 0", "0 ", "-1", "+1",
	    "0/", "0:", "0@", "0G", "0`", "0\xff", "\xc1\xc1"};
	uint8_t b[2];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(hex_decode(b, sizeof(b), bad[i], 2, 0), -1);
	assert_int_equal(hex_decode(b, sizeof(b), "0\0", 2, 0), -1);
}

static void
hex_decode_rejects_small_output(void **state)
{
	uint8_t b[3];

	assert_int_equal(hex_decode(b, sizeof(b), "0011223344", 10, 0), -1);
	assert_int_equal(hex_decode(b, sizeof(b), "001122", 6, 0), 3);
}

static void
hex_decode_empty_is_zero_bytes(void **state)
{
	uint8_t b[1];

	assert_int_equal(hex_decode(b, sizeof(b), "", 0, 1), 0);
}

static void
is_lower_hex_exact(void **state)
{
	assert_true(is_lower_hex("0123456789abcdef", 16));
	assert_false(is_lower_hex("0123456789abcdeF", 16));
	assert_false(is_lower_hex("0123456789abcdeg", 16));
	assert_false(is_lower_hex("01\0003", 4));
	assert_false(is_lower_hex("", 0));
	assert_true(is_lower_hex("abz", 2));
}

/* ----------------------------------------------------------- base64url */

static void
b64url_rfc4648_vectors(void **state)
{
	static const char *in[] = {"", "f", "fo", "foo", "foob", "fooba",
	    "foobar"};
	static const char *want[] = {"", "Zg", "Zm8", "Zm9v", "Zm9vYg",
	    "Zm9vYmE", "Zm9vYmFy"};
	char out[16];
	uint8_t back[8];
	size_t i;

	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		assert_int_equal(b64url_encoded_len(strlen(in[i])),
		    strlen(want[i]));
		b64url_encode(out, (const uint8_t *)in[i], strlen(in[i]));
		assert_string_equal(out, want[i]);
		assert_int_equal(b64url_decode(back, sizeof(back), want[i],
		    strlen(want[i])), (long)strlen(in[i]));
		assert_memory_equal(back, in[i], strlen(in[i]));
	}
}

static void
b64url_uses_url_alphabet(void **state)
{
	const uint8_t b[] = {0xfb, 0xff};
	uint8_t back[2];
	char out[4];

	b64url_encode(out, b, sizeof(b));
	assert_string_equal(out, "-_8");
	assert_int_equal(b64url_decode(back, sizeof(back), "-_8", 3), 2);
	assert_memory_equal(back, b, 2);
}

static void
b64url_decode_rejects_standard_alphabet(void **state)
{
	uint8_t b[4];

	assert_int_equal(b64url_decode(b, sizeof(b), "+/8", 3), -1);
}

static void
b64url_decode_rejects_padding(void **state)
{
	uint8_t b[4];

	assert_int_equal(b64url_decode(b, sizeof(b), "Zg==", 4), -1);
	assert_int_equal(b64url_decode(b, sizeof(b), "Zm8=", 4), -1);
	assert_int_equal(b64url_decode(b, sizeof(b), "Zg=", 3), -1);
}

static void
b64url_decode_rejects_length_one_mod_four(void **state)
{
	uint8_t b[8];

	assert_int_equal(b64url_decode(b, sizeof(b), "Z", 1), -1);
	assert_int_equal(b64url_decode(b, sizeof(b), "Zm9vY", 5), -1);
}

static void
b64url_decode_rejects_nonzero_trailing_bits(void **state)
{
	uint8_t b[4];

	/* "Zg" is canonical for "f"; "Zh" carries a stray low bit. */
	assert_int_equal(b64url_decode(b, sizeof(b), "Zh", 2), -1);
	assert_int_equal(b64url_decode(b, sizeof(b), "Zm9", 3), -1);
	assert_int_equal(b64url_decode(b, sizeof(b), "Zm8", 3), 2);
}

static void
b64url_decode_rejects_bad_characters(void **state)
{
	uint8_t b[8];

	assert_int_equal(b64url_decode(b, sizeof(b), "Zm9v!", 5), -1);
	assert_int_equal(b64url_decode(b, sizeof(b), "Zm 9v", 5), -1);
	assert_int_equal(b64url_decode(b, sizeof(b), "Zm9v\n", 5), -1);
	assert_int_equal(b64url_decode(b, sizeof(b), "Zm.v", 4), -1);
	assert_int_equal(b64url_decode(b, sizeof(b), "Zm\0v", 4), -1);
}

static void
b64url_decode_rejects_small_output(void **state)
{
	uint8_t b[2];

	assert_int_equal(b64url_decode(b, sizeof(b), "Zm9v", 4), -1);
}

/* -------------------------------------------------------------- base32 */

static void
base32_lower_rfc4648_vectors(void **state)
{
	static const char *in[] = {"", "f", "fo", "foo", "foob", "fooba",
	    "foobar"};
	static const char *want[] = {"", "my", "mzxq", "mzxw6", "mzxw6yq",
	    "mzxw6ytb", "mzxw6ytboi"};
	char out[16];
	size_t i;

	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		base32_lower_encode(out, (const uint8_t *)in[i], strlen(in[i]));
		assert_string_equal(out, want[i]);
	}
}

/* ------------------------------------------------------ constant time */

static void
ct_equal_compares_bytes(void **state)
{
	uint8_t a[32], b[32];

	fill_range(a, sizeof(a), 1);
	memcpy(b, a, sizeof(b));
	assert_true(ct_equal(a, b, sizeof(a)));
	b[31] ^= 1;
	assert_false(ct_equal(a, b, sizeof(a)));
	b[31] ^= 1;
	b[0] ^= 0x80;
	assert_false(ct_equal(a, b, sizeof(a)));
	assert_true(ct_equal(a, b, 0));
}

static void
ct_equal_hashed_handles_different_lengths(void **state)
{
	const char *k = "a-legacy-worker-key-of-32-chars!";

	assert_true(ct_equal_hashed(k, strlen(k), k, strlen(k)));
	assert_false(ct_equal_hashed(k, strlen(k), k, strlen(k) - 1));
	assert_false(ct_equal_hashed(k, strlen(k), "b-legacy-worker-key-of-32"
	    "-chars!", strlen(k)));
	assert_true(ct_equal_hashed("", 0, "", 0));
}

/* ------------------------------------------------------------- random */

static void
random_hex_has_shape(void **state)
{
	char a[2 * 100 + 1], b[2 * 100 + 1];

	random_hex(a, 100);
	random_hex(b, 100);
	assert_int_equal(strlen(a), 200);
	assert_true(is_lower_hex(a, 200));
	assert_string_not_equal(a, b);
	random_hex(a, 0);
	assert_string_equal(a, "");
}

static void
random_bytes_fill_buffer(void **state)
{
	uint8_t a[32], b[32];

	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	random_bytes(a, sizeof(a));
	random_bytes(b, sizeof(b));
	assert_memory_not_equal(a, b, sizeof(a));
}

/* ---------------------------------------------------------------- ids */

static int
crockford(char c)
{
	return c != '\0' && strchr("0123456789ABCDEFGHJKMNPQRSTVWXYZ", c) !=
	    NULL;
}

static void
ulid_has_shape(void **state)
{
	char id[4 + ULID_LEN + 1];
	size_t i;

	ulid_new(id, "key_", 1777658400123);
	assert_int_equal(strlen(id), 4 + ULID_LEN);
	assert_memory_equal(id, "key_", 4);
	for (i = 4; i < strlen(id); i++)
		assert_true(crockford(id[i]));
}

/* The ULID spec's example time 1469918176385 is "01ARYZ6S41". */
static void
ulid_encodes_time_prefix(void **state)
{
	char id[ULID_LEN + 1];

	ulid_new(id, "", 1469918176385);
	assert_memory_equal(id, "01ARYZ6S41", 10);
	ulid_new(id, NULL, 0);
	assert_memory_equal(id, "0000000000", 10);
	assert_int_equal(strlen(id), ULID_LEN);
}

static void
ulid_random_part_differs(void **state)
{
	char a[ULID_LEN + 1], b[ULID_LEN + 1];

	ulid_new(a, "", 1777658400000);
	ulid_new(b, "", 1777658400000);
	assert_memory_equal(a, b, 10);
	assert_string_not_equal(a, b);
}

static void
ulid_sorts_by_time(void **state)
{
	char a[ULID_LEN + 1], b[ULID_LEN + 1];

	ulid_new(a, "", 1777658400000);
	ulid_new(b, "", 1777658400001);
	assert_true(memcmp(a, b, 10) < 0);
}

static void
uuid_v4_has_shape(void **state)
{
	char u[37];
	size_t i;

	uuid_v4(u);
	assert_int_equal(strlen(u), 36);
	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23)
			assert_int_equal(u[i], '-');
		else
			assert_true(is_lower_hex(&u[i], 1));
	}
	assert_int_equal(u[14], '4');
	assert_non_null(strchr("89ab", u[19]));
}

static void
worker_id_has_shape(void **state)
{
	char a[21], b[21];
	int i;

	for (i = 0; i < 64; i++) {
		worker_id_new(a);
		assert_int_equal(strlen(a), 20);
		assert_memory_equal(a, "wkr_", 4);
		assert_true(is_lower_hex(a + 4, 16));
		/* 02-worker-protocol.md §2: hex char 13 is always 4. */
		assert_int_equal(a[4 + 12], '4');
	}
	worker_id_new(b);
	assert_string_not_equal(a, b);
}

/* ------------------------------------------------------------- sealing */

static void
seal_round_trip(void **state)
{
	const char *msg = "whsec_a-webhook-secret";
	uint8_t key[SEAL_KEY_LEN], sealed[64], plain[64];
	long n, m;

	random_bytes(key, sizeof(key));
	n = seal(sealed, sizeof(sealed), (const uint8_t *)msg, strlen(msg),
	    key);
	assert_int_equal(n, (long)strlen(msg) + SEAL_OVERHEAD);
	m = unseal(plain, sizeof(plain), sealed, (size_t)n, key);
	assert_int_equal(m, (long)strlen(msg));
	assert_memory_equal(plain, msg, strlen(msg));
}

static void
seal_empty_plaintext(void **state)
{
	uint8_t key[SEAL_KEY_LEN], sealed[SEAL_OVERHEAD], plain[1];

	random_bytes(key, sizeof(key));
	assert_int_equal(seal(sealed, sizeof(sealed), NULL, 0, key),
	    SEAL_OVERHEAD);
	assert_int_equal(unseal(plain, 0, sealed, sizeof(sealed), key), 0);
}

static void
seal_uses_fresh_nonce(void **state)
{
	uint8_t key[SEAL_KEY_LEN], a[48], b[48];

	random_bytes(key, sizeof(key));
	assert_int_equal(seal(a, sizeof(a), (const uint8_t *)"same", 4, key),
	    44);
	assert_int_equal(seal(b, sizeof(b), (const uint8_t *)"same", 4, key),
	    44);
	assert_memory_not_equal(a, b, 44);
}

static void
unseal_rejects_wrong_key(void **state)
{
	uint8_t key[SEAL_KEY_LEN], other[SEAL_KEY_LEN], sealed[64], plain[64];
	long n;

	random_bytes(key, sizeof(key));
	memcpy(other, key, sizeof(other));
	other[0] ^= 1;
	n = seal(sealed, sizeof(sealed), (const uint8_t *)"secret", 6, key);
	assert_true(n > 0);
	assert_int_equal(unseal(plain, sizeof(plain), sealed, (size_t)n,
	    other), -1);
}

static void
unseal_rejects_any_tampered_byte(void **state)
{
	uint8_t key[SEAL_KEY_LEN], sealed[64], plain[64];
	long n, i;

	random_bytes(key, sizeof(key));
	n = seal(sealed, sizeof(sealed), (const uint8_t *)"secret", 6, key);
	assert_true(n > 0);
	for (i = 0; i < n; i++) {
		sealed[i] ^= 0x01;
		assert_int_equal(unseal(plain, sizeof(plain), sealed,
		    (size_t)n, key), -1);
		sealed[i] ^= 0x01;
	}
	assert_int_equal(unseal(plain, sizeof(plain), sealed, (size_t)n, key),
	    6);
}

static void
unseal_rejects_truncated_input(void **state)
{
	uint8_t key[SEAL_KEY_LEN], sealed[64], plain[64];
	long n;

	random_bytes(key, sizeof(key));
	n = seal(sealed, sizeof(sealed), (const uint8_t *)"secret", 6, key);
	assert_true(n > 0);
	assert_int_equal(unseal(plain, sizeof(plain), sealed, (size_t)n - 1,
	    key), -1);
	assert_int_equal(unseal(plain, sizeof(plain), sealed,
	    SEAL_OVERHEAD - 1, key), -1);
}

static void
seal_rejects_small_output(void **state)
{
	uint8_t key[SEAL_KEY_LEN], sealed[64], plain[64];
	long n;

	random_bytes(key, sizeof(key));
	assert_int_equal(seal(sealed, 6 + SEAL_OVERHEAD - 1,
	    (const uint8_t *)"secret", 6, key), -1);
	n = seal(sealed, sizeof(sealed), (const uint8_t *)"secret", 6, key);
	assert_int_equal(unseal(plain, 5, sealed, (size_t)n, key), -1);
}

static void
secure_wipe_zeroes(void **state)
{
	uint8_t b[16];
	size_t i;

	memset(b, 0xa5, sizeof(b));
	secure_wipe(b, sizeof(b));
	for (i = 0; i < sizeof(b); i++)
		assert_int_equal(b[i], 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sha256_empty_string),
		cmocka_unit_test(sha256_fips_abc),
		cmocka_unit_test(sha256_fips_two_blocks),
		cmocka_unit_test(sha256_api_key_hash_vector),
		cmocka_unit_test(hmac_sha256_rfc4231_case1),
		cmocka_unit_test(hmac_sha256_rfc4231_case2),
		cmocka_unit_test(hmac_sha256_rfc4231_case3),
		cmocka_unit_test(hmac_sha256_rfc4231_case6_long_key),
		cmocka_unit_test(hmac_sha256_rfc4231_case7_long_key_and_data),
		cmocka_unit_test(hmac_sha256_empty_key_and_message),
		cmocka_unit_test(hmac_sha256_webhook_v1_github),
		cmocka_unit_test(hmac_sha256_webhook_v4_linear),
		cmocka_unit_test(hmac_sha1_rfc2202_case1),
		cmocka_unit_test(hmac_sha1_rfc2202_case2),
		cmocka_unit_test(hmac_sha1_rfc2202_case6_long_key),
		cmocka_unit_test(hmac_sha1_webhook_v3_vercel),
		cmocka_unit_test(session_hash_vector),
		cmocka_unit_test(public_id_vector),
		cmocka_unit_test(audit_key_seed_kid_and_x_vector),
		cmocka_unit_test(audit_signature_vector),
		cmocka_unit_test(hex_encode_is_lowercase),
		cmocka_unit_test(hex_decode_round_trip),
		cmocka_unit_test(hex_decode_accepts_uppercase_unless_lower_only),
		cmocka_unit_test(hex_decode_rejects_odd_length),
		cmocka_unit_test(hex_decode_rejects_non_hex_characters),
		cmocka_unit_test(hex_decode_rejects_small_output),
		cmocka_unit_test(hex_decode_empty_is_zero_bytes),
		cmocka_unit_test(is_lower_hex_exact),
		cmocka_unit_test(b64url_rfc4648_vectors),
		cmocka_unit_test(b64url_uses_url_alphabet),
		cmocka_unit_test(b64url_decode_rejects_standard_alphabet),
		cmocka_unit_test(b64url_decode_rejects_padding),
		cmocka_unit_test(b64url_decode_rejects_length_one_mod_four),
		cmocka_unit_test(b64url_decode_rejects_nonzero_trailing_bits),
		cmocka_unit_test(b64url_decode_rejects_bad_characters),
		cmocka_unit_test(b64url_decode_rejects_small_output),
		cmocka_unit_test(base32_lower_rfc4648_vectors),
		cmocka_unit_test(ct_equal_compares_bytes),
		cmocka_unit_test(ct_equal_hashed_handles_different_lengths),
		cmocka_unit_test(random_hex_has_shape),
		cmocka_unit_test(random_bytes_fill_buffer),
		cmocka_unit_test(ulid_has_shape),
		cmocka_unit_test(ulid_encodes_time_prefix),
		cmocka_unit_test(ulid_random_part_differs),
		cmocka_unit_test(ulid_sorts_by_time),
		cmocka_unit_test(uuid_v4_has_shape),
		cmocka_unit_test(worker_id_has_shape),
		cmocka_unit_test(seal_round_trip),
		cmocka_unit_test(seal_empty_plaintext),
		cmocka_unit_test(seal_uses_fresh_nonce),
		cmocka_unit_test(unseal_rejects_wrong_key),
		cmocka_unit_test(unseal_rejects_any_tampered_byte),
		cmocka_unit_test(unseal_rejects_truncated_input),
		cmocka_unit_test(seal_rejects_small_output),
		cmocka_unit_test(secure_wipe_zeroes),
	};

	if (crypto_init() != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
