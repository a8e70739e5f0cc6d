/*
 * crypto.h -- hashes, MACs, encodings, ids, constant-time compare, sealing.
 *
 * Shape follows libsodium: (out, outlen, in, inlen, key, keylen), 0 or -1.
 * Hex output is lowercase and NUL-terminated (out must hold 2*n+1 bytes).
 */
#ifndef RENSEI_CRYPTO_H
#define RENSEI_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#define CRYPTO_WUR __attribute__((warn_unused_result))

#define SHA256_LEN      32
#define SHA256_HEX_LEN  64
#define SHA1_LEN        20
#define ULID_LEN        26
#define SEAL_KEY_LEN    32
#define SEAL_NONCE_LEN  24
#define SEAL_MAC_LEN    16
#define SEAL_OVERHEAD   (SEAL_NONCE_LEN + SEAL_MAC_LEN)

/* Call once per process before anything else (sodium_init). */
int  crypto_init(void) CRYPTO_WUR;

void sha256(uint8_t out[SHA256_LEN], const void *in, size_t inlen);
/* out: 65 bytes, lowercase hex + NUL */
void sha256_hex(char out[SHA256_HEX_LEN + 1], const void *in, size_t inlen);
void hmac_sha256(uint8_t out[SHA256_LEN], const void *key, size_t keylen,
                 const void *msg, size_t msglen);
void hmac_sha1(uint8_t out[SHA1_LEN], const void *key, size_t keylen,
               const void *msg, size_t msglen);

/* Lowercase hex; out holds 2*inlen+1 bytes. */
void hex_encode(char *out, const uint8_t *in, size_t inlen);
/* Strict: even length, [0-9a-fA-F] only unless lower_only.  Returns the
 * decoded length, or -1.  outcap must hold inlen/2 bytes. */
long hex_decode(uint8_t *out, size_t outcap, const char *in, size_t inlen,
                int lower_only) CRYPTO_WUR;
/* 1 when s[0..n) is lowercase hex of exactly n characters. */
int  is_lower_hex(const char *s, size_t n);

/* base64url without padding.  Encode: out holds b64url_encoded_len(n)+1. */
size_t b64url_encoded_len(size_t n);
void   b64url_encode(char *out, const uint8_t *in, size_t inlen);
/* Strict canonical decode (01-auth.md §6.3 step 1): alphabet A-Za-z0-9-_,
 * no '=', no length = 1 mod 4, unused trailing bits zero.  Returns decoded
 * length or -1. */
long   b64url_decode(uint8_t *out, size_t outcap, const char *in, size_t inlen) CRYPTO_WUR;
/* Lowercase RFC 4648 base32 (a-z2-7), no padding.  out holds
 * ceil(inlen*8/5)+1 bytes. */
void   base32_lower_encode(char *out, const uint8_t *in, size_t inlen);

/* Constant time; a and b have n bytes each.  1 when equal. */
int  ct_equal(const void *a, const void *b, size_t n);
/* Constant time over the SHA-256 of each (for values of variable length). */
int  ct_equal_hashed(const void *a, size_t alen, const void *b, size_t blen);

void random_bytes(void *out, size_t n);
/* n random bytes as 2n lowercase hex chars; out holds 2n+1. */
void random_hex(char *out, size_t nbytes);

/* prefix + 26-char Crockford ULID (48-bit ms + 80 random bits).
 * out holds strlen(prefix)+27 bytes. */
void ulid_new(char *out, const char *prefix, int64_t now_ms);
/* Lowercase RFC 4122 version-4 UUID, 36 chars + NUL. */
void uuid_v4(char out[37]);
/* wkr_ + 16 hex (02-worker-protocol.md §2): 21 bytes incl. NUL. */
void worker_id_new(char out[21]);

/* secretbox sealing: out = nonce(24) || crypto_secretbox_easy(in).
 * outcap >= inlen + SEAL_OVERHEAD.  Returns the sealed length or -1. */
long seal(uint8_t *out, size_t outcap, const uint8_t *in, size_t inlen,
          const uint8_t key[SEAL_KEY_LEN]) CRYPTO_WUR;
/* Inverse; returns the plaintext length or -1 (wrong key, tampered). */
long unseal(uint8_t *out, size_t outcap, const uint8_t *in, size_t inlen,
            const uint8_t key[SEAL_KEY_LEN]) CRYPTO_WUR;

void secure_wipe(void *p, size_t n);

#endif
