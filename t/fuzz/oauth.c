/*
 * t/fuzz/oauth.c -- libFuzzer driver for the token service's request
 * parsing (05-oauth.md §1.1-§1.2): form and JSON bodies, Content-Type,
 * Basic credentials and scope grants.
 *
 * Any input must be parsed or refused without a crash; every parameter
 * accepted is NUL-free UTF-8 of the length reported, and a grant holds
 * only scopes of the client's set.
 *
 *   t/fuzz/run.sh builds it with the whole library.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "json.h"
#include "oauth.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
check_params(const struct oauth_param *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i].value == NULL)
			continue;
		if (p[i].len == 0 || strlen(p[i].value) != p[i].len ||
		    !json_utf8_valid(p[i].value, p[i].len))
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *held[] = { "sessions:read", "workers:read" };
	struct oauth_client c = { "m2m_x", "org_x", held, 2 };
	struct oauth_param p[4] = { { "grant_type", NULL, 0 },
	    { "scope", NULL, 0 }, { "client_id", NULL, 0 },
	    { "client_secret", NULL, 0 } };
	const char *s = (const char *)data, *which, *id, *secret, **g;
	struct arena a;
	char *z;
	size_t ng;

	arena_init(&a);
	z = arena_strndup(&a, s, size);
	if (oauth_form_parse(&a, s, size, p, 4, &which) == OAUTH_PARSE_OK)
		check_params(p, 4);
	if (oauth_json_parse(&a, s, size, p, 4) == OAUTH_PARSE_OK)
		check_params(p, 4);
	(void)oauth_content_type(z);
	if (oauth_basic_decode(&a, z, &id, &secret) == 1 &&
	    (!json_utf8_valid(id, strlen(id)) ||
	    !json_utf8_valid(secret, strlen(secret))))
		abort();
	if (oauth_scope_grant(&a, &c, z, &g, &ng) == 1)
		for (size_t i = 0; i < ng; i++)
			if (strcmp(g[i], held[0]) != 0 && strcmp(g[i], held[1]) != 0)
				abort();
	arena_free(&a);
	return 0;
}
