/*
 * t/fuzz/request.c -- libFuzzer driver for the request parsers a client
 * controls: the path (route matching, percent-decoding), the query string,
 * the Cookie and Authorization headers.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -I. -Ilib \
 *       $(pkg-config --cflags json-c) -o fuzz-request t/fuzz/request.c \
 *       lib/librensei.a -lfcgi $(pkg-config --libs json-c libsodium \
 *       libcrypto sqlite3) -lm
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "auth.h"
#include "crypto.h"
#include "http.h"
#include "route.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
noop(struct request *req, struct response *resp)
{
	(void)req;
	(void)resp;
}

static const struct route routes[] = {
	{ "GET", "/api/workers/{id}/poll", NULL, noop, ROUTE_NO_HEAD },
	{ "POST", "/api/sessions/{id}/status", NULL, noop, 0 },
	{ "GET", "/api/health", NULL, noop, 0 },
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	struct request req;
	struct arena a;
	const struct route *r;
	const char *val, *tok;
	char *s, *env[6], allow[128];
	size_t len;

	if (!ready) {
		if (crypto_init() == -1)
			abort();
		ready = 1;
	}
	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	arena_init(&a);
	env[0] = arena_printf(&a, "REQUEST_METHOD=GET");
	env[1] = arena_printf(&a, "REQUEST_URI=/%s", s);
	env[2] = arena_printf(&a, "QUERY_STRING=%s", s);
	env[3] = arena_printf(&a, "HTTP_COOKIE=%s", s);
	env[4] = arena_printf(&a, "HTTP_AUTHORIZATION=%s", s);
	env[5] = NULL;
	http_request_init(&req, &a, NULL, env);
	(void)route_match(routes, sizeof(routes) / sizeof(routes[0]), &req, &r,
	    allow, sizeof(allow));
	(void)http_query(&req, "sessionHash", &val, &len);
	(void)http_cookie(&req, SESSION_COOKIE);
	(void)auth_bearer(&req, &tok, &len);
	arena_free(&a);
	free(s);
	return 0;
}
