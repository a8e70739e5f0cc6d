/*
 * t/fuzz/jwt.c -- libFuzzer driver for the runtime and M2M JWT verifiers.
 *
 * Any input must be answered VALID, EXPIRED or INVALID without a crash,
 * and nothing the fuzzer makes up can be VALID (it does not know the key).
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -I. -Ilib \
 *       $(pkg-config --cflags json-c) -o fuzz-jwt t/fuzz/jwt.c lib/jwt.c \
 *       lib/json.c lib/crypto.c lib/buf.c lib/arena.c \
 *       $(pkg-config --libs json-c libsodium libcrypto) -lm
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "arena.h"
#include "crypto.h"
#include "jwt.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t key[32] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	static int ready;
	struct jwt_runtime_claims rc;
	struct jwt_m2m_claims mc;
	struct jwt_m2m_verifier v = { JWT_ALG_HS256, key, sizeof(key), NULL, 0,
	    "rensei-platform" };
	struct arena a;

	if (!ready) {
		if (crypto_init() == -1)
			abort();
		ready = 1;
	}
	arena_init(&a);
	if (jwt_runtime_verify((const char *)data, size, key, sizeof(key),
	    1777658400, 60, 0, &a, &rc) == JWT_VALID)
		abort();
	if (jwt_m2m_verify((const char *)data, size, &v, 1777658400, 60, &a,
	    &mc) == JWT_VALID)
		abort();
	(void)jwt_is_at_jwt((const char *)data, size);
	arena_free(&a);
	return 0;
}
