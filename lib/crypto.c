/*
 * crypto.c -- hashes, MACs, encodings, ids, constant-time compare, sealing
 * (see crypto.h).
 *
 * libsodium supplies randomness, SHA-256, HMAC-SHA256, base64,
 * constant-time compare and secretbox; OpenSSL supplies HMAC-SHA1
 * (06-webhooks.md §4; libsodium lacks it).
 */
#include "config.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <sodium.h>

#include "crypto.h"

#define RANDOM_HEX_CHUNK 32

int
crypto_init(void)
{
	/* 1 means "already initialised", which is fine. */
	return sodium_init() < 0 ? -1 : 0;
}

void
sha256(uint8_t out[SHA256_LEN], const void *in, size_t inlen)
{
	crypto_hash_sha256(out, in, inlen);
}

void
sha256_hex(char out[SHA256_HEX_LEN + 1], const void *in, size_t inlen)
{
	uint8_t d[SHA256_LEN];

	sha256(d, in, inlen);
	hex_encode(out, d, sizeof(d));
	sodium_memzero(d, sizeof(d));
}

/*
 * EVP_Q_mac refuses a NULL key even when keylen is 0, and an empty HMAC
 * key is legal (RFC 2104), so an empty key is passed as a one-byte buffer
 * of length 0.  A failure here means OpenSSL could not allocate or load
 * its default provider: nothing a caller could answer, so abort like the
 * arena does.
 */
static void
hmac_any(const char *digest, uint8_t *out, size_t outlen, const void *key,
    size_t keylen, const void *msg, size_t msglen)
{
	static const uint8_t empty[1];
	size_t got = 0;

	if (key == NULL || keylen == 0) {
		key = empty;
		keylen = 0;
	}
	if (msg == NULL)
		msg = empty;
	if (EVP_Q_mac(NULL, "HMAC", NULL, digest, NULL, key, keylen, msg,
	    msglen, out, outlen, &got) == NULL || got != outlen)
		abort();
}

/*
 * HMAC-SHA256 is on every authenticated request (runtime JWTs, public ids,
 * session hashes): libsodium computes it in place, where EVP_Q_mac fetches
 * the algorithm from OpenSSL's provider on each call and pulls ~1.2 MiB of
 * libcrypto into each worker's resident set.  Same bytes (RFC 2104, any key
 * length; the RFC 4231 vectors in t/unit/crypto.c hold both to it).
 */
void
hmac_sha256(uint8_t out[SHA256_LEN], const void *key, size_t keylen,
    const void *msg, size_t msglen)
{
	crypto_auth_hmacsha256_state st;
	static const uint8_t empty[1];

	if (key == NULL)
		key = empty, keylen = 0;
	if (msg == NULL)
		msg = empty, msglen = 0;
	crypto_auth_hmacsha256_init(&st, key, keylen);
	crypto_auth_hmacsha256_update(&st, msg, msglen);
	crypto_auth_hmacsha256_final(&st, out);
	sodium_memzero(&st, sizeof(st));
}

void
hmac_sha1(uint8_t out[SHA1_LEN], const void *key, size_t keylen,
    const void *msg, size_t msglen)
{
	hmac_any("SHA1", out, SHA1_LEN, key, keylen, msg, msglen);
}

void
hex_encode(char *out, const uint8_t *in, size_t inlen)
{
	/* sodium_bin2hex is constant time: hex of keys goes through here. */
	sodium_bin2hex(out, 2 * inlen + 1, in, inlen);
}

/*
 * One hex digit without branches on its value, in the manner of
 * sodium_hex2bin, because the input is often a secret (key files,
 * secret variables).  Sets *bad when c is not a digit of the alphabet.
 */
static unsigned
hex_nibble(unsigned c, int lower_only, unsigned *bad)
{
	unsigned num, num_ok, alpha, alpha_ok;

	num = c ^ 48U;
	num_ok = ((num - 10U) >> 8) & 1U;
	alpha = lower_only ? c - 87U : (c & ~32U) - 55U;
	alpha_ok = (((alpha - 10U) ^ (alpha - 16U)) >> 8) & 1U;
	*bad |= (num_ok | alpha_ok) ^ 1U;
	return ((0U - num_ok) & num) | ((0U - alpha_ok) & alpha);
}

long
hex_decode(uint8_t *out, size_t outcap, const char *in, size_t inlen,
    int lower_only)
{
	unsigned bad = 0, hi, lo;
	size_t i;

	if (inlen % 2 != 0 || inlen / 2 > outcap || inlen / 2 > LONG_MAX)
		return -1;
	for (i = 0; i < inlen / 2; i++) {
		hi = hex_nibble((unsigned char)in[2 * i], lower_only, &bad);
		lo = hex_nibble((unsigned char)in[2 * i + 1], lower_only, &bad);
		out[i] = (uint8_t)((hi << 4) | lo);
	}
	if (bad) {
		sodium_memzero(out, inlen / 2);
		return -1;
	}
	return (long)(inlen / 2);
}

/* An empty string is not a hex value, so n == 0 gives 0. */
int
is_lower_hex(const char *s, size_t n)
{
	size_t i;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

size_t
b64url_encoded_len(size_t n)
{
	return n / 3 * 4 + (n % 3 ? n % 3 + 1 : 0);
}

void
b64url_encode(char *out, const uint8_t *in, size_t inlen)
{
	sodium_bin2base64(out, b64url_encoded_len(inlen) + 1, in, inlen,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

/*
 * sodium_base642bin stops quietly at the first byte outside the alphabet
 * ('=' included) and reports where through end, so "consumed everything"
 * must be checked here; it already rejects non-zero unused bits and a
 * dangling sixth bit group (length 1 mod 4), checked again for clarity.
 */
long
b64url_decode(uint8_t *out, size_t outcap, const char *in, size_t inlen)
{
	const char *end = NULL;
	size_t binlen = 0;

	if (inlen % 4 == 1 || inlen > LONG_MAX)
		return -1;
	if (inlen == 0)
		return 0;
	if (sodium_base642bin(out, outcap, in, inlen, NULL, &binlen, &end,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
		return -1;
	if (end != in + inlen)
		return -1;
	return (long)binlen;
}

void
base32_lower_encode(char *out, const uint8_t *in, size_t inlen)
{
	static const char alpha[] = "abcdefghijklmnopqrstuvwxyz234567";
	unsigned acc = 0, bits = 0;
	size_t i, o = 0;

	for (i = 0; i < inlen; i++) {
		acc = (acc << 8) | in[i];
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			out[o++] = alpha[(acc >> bits) & 31U];
		}
		acc &= (1U << bits) - 1U;
	}
	if (bits > 0)
		out[o++] = alpha[(acc << (5 - bits)) & 31U];
	out[o] = '\0';
}

int
ct_equal(const void *a, const void *b, size_t n)
{
	return sodium_memcmp(a, b, n) == 0;
}

int
ct_equal_hashed(const void *a, size_t alen, const void *b, size_t blen)
{
	uint8_t da[SHA256_LEN], db[SHA256_LEN];
	int eq;

	sha256(da, a, alen);
	sha256(db, b, blen);
	eq = sodium_memcmp(da, db, SHA256_LEN) == 0;
	sodium_memzero(da, sizeof(da));
	sodium_memzero(db, sizeof(db));
	return eq;
}

void
random_bytes(void *out, size_t n)
{
	randombytes_buf(out, n);
}

/* In chunks so that no buffer depends on nbytes (no VLA, no malloc). */
void
random_hex(char *out, size_t nbytes)
{
	uint8_t chunk[RANDOM_HEX_CHUNK];
	size_t n;

	out[0] = '\0';
	while (nbytes > 0) {
		n = nbytes < sizeof(chunk) ? nbytes : sizeof(chunk);
		randombytes_buf(chunk, n);
		hex_encode(out, chunk, n);
		out += 2 * n;
		nbytes -= n;
	}
	sodium_memzero(chunk, sizeof(chunk));
}

void
ulid_new(char *out, const char *prefix, int64_t now_ms)
{
	static const char crock[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
	uint8_t r[10];
	uint64_t t;
	size_t plen, i;
	unsigned acc = 0, bits = 0;
	char *p;

	plen = prefix != NULL ? strlen(prefix) : 0;
	memcpy(out, prefix != NULL ? prefix : "", plen);
	p = out + plen;

	/* 48-bit time in 10 chars (50 bits, the top two always zero). */
	t = (uint64_t)now_ms & ((UINT64_C(1) << 48) - 1);
	for (i = 0; i < 10; i++)
		p[i] = crock[(t >> (45 - 5 * i)) & 31U];

	/* 80 random bits in 16 chars. */
	randombytes_buf(r, sizeof(r));
	p += 10;
	for (i = 0; i < sizeof(r); i++) {
		acc = (acc << 8) | r[i];
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			*p++ = crock[(acc >> bits) & 31U];
		}
		acc &= (1U << bits) - 1U;
	}
	*p = '\0';
}

void
uuid_v4(char out[37])
{
	uint8_t b[16];
	char hex[33];

	randombytes_buf(b, sizeof(b));
	b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);
	b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
	hex_encode(hex, b, sizeof(b));
	memcpy(out, hex, 8);
	out[8] = '-';
	memcpy(out + 9, hex + 8, 4);
	out[13] = '-';
	memcpy(out + 14, hex + 12, 4);
	out[18] = '-';
	memcpy(out + 19, hex + 16, 4);
	out[23] = '-';
	memcpy(out + 24, hex + 20, 12);
	out[36] = '\0';
}

/* 02-worker-protocol.md §2: the version nibble makes hex char 13 a '4'. */
void
worker_id_new(char out[21])
{
	uint8_t b[16];
	char hex[33];

	randombytes_buf(b, sizeof(b));
	b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);
	hex_encode(hex, b, sizeof(b));
	memcpy(out, "wkr_", 4);
	memcpy(out + 4, hex, 16);
	out[20] = '\0';
}

long
seal(uint8_t *out, size_t outcap, const uint8_t *in, size_t inlen,
    const uint8_t key[SEAL_KEY_LEN])
{
	if (inlen > (size_t)LONG_MAX - SEAL_OVERHEAD ||
	    outcap < inlen + SEAL_OVERHEAD)
		return -1;
	randombytes_buf(out, SEAL_NONCE_LEN);
	if (crypto_secretbox_easy(out + SEAL_NONCE_LEN, in, inlen, out,
	    key) != 0)
		return -1;
	return (long)(inlen + SEAL_OVERHEAD);
}

long
unseal(uint8_t *out, size_t outcap, const uint8_t *in, size_t inlen,
    const uint8_t key[SEAL_KEY_LEN])
{
	if (inlen < SEAL_OVERHEAD || inlen - SEAL_OVERHEAD > (size_t)LONG_MAX ||
	    outcap < inlen - SEAL_OVERHEAD)
		return -1;
	if (crypto_secretbox_open_easy(out, in + SEAL_NONCE_LEN,
	    inlen - SEAL_NONCE_LEN, in, key) != 0)
		return -1;
	return (long)(inlen - SEAL_OVERHEAD);
}

void
secure_wipe(void *p, size_t n)
{
	sodium_memzero(p, n);
}
