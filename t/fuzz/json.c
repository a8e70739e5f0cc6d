/*
 * t/fuzz/json.c -- libFuzzer driver for json_parse_strict.
 *
 * Besides "never crashes", checks that whatever the parser accepts, the
 * writer turns back into text the parser accepts again.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -I. -Ilib \
 *       $(pkg-config --cflags json-c) -o fuzz-json t/fuzz/json.c \
 *       lib/json.c lib/buf.c $(pkg-config --libs json-c libsodium) -lm
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "buf.h"
#include "json.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_object	*v = NULL, *again = NULL;
	struct buf		 b;
	struct jw		 w;

	if (json_parse_strict((const char *)data, size, JSON_MAX_DEPTH,
	    &v) != JSON_OK)
		return 0;
	buf_init(&b);
	jw_init(&w, &b);
	jw_value(&w, v);
	if (json_parse_strict(b.data, b.len, JSON_MAX_DEPTH, &again) !=
	    JSON_OK)
		abort();
	json_object_put(again);
	json_object_put(v);
	buf_free(&b);
	return 0;
}
