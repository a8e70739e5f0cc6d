/*
 * t/fuzz/workflow.c -- libFuzzer driver for the workflow definition path
 * of 04-console.md §5: YAML → JSON (wf_yaml_to_json), then validation,
 * the issue list, the fingerprint, required resources and the OSS deploy
 * check on whatever the converter accepts.
 *
 * Besides "never crashes": an accepted document is a JSON object whose
 * compact sorted form parses again as strict JSON.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "arena.h"
#include "buf.h"
#include "json.h"
#include "workflow.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_object *def = NULL, *again = NULL;
	char err[WF_ERRMSG_MAX], sha[65];
	struct wf_issues is = { 0 };
	struct arena a;
	struct buf b;
	struct jw w;
	int satisfied;

	if (size > WF_SOURCE_MAX ||
	    wf_yaml_to_json((const char *)data, size, &def, err) != WF_YAML_OK)
		return 0;
	if (!json_object_is_type(def, json_type_object))
		abort();
	arena_init(&a);
	buf_init(&b);
	wf_sorted_json(&b, def);
	if (json_parse_strict(b.data, b.len, JSON_MAX_DEPTH, &again) != JSON_OK)
		abort();
	json_object_put(again);
	wf_definition_sha256(sha, def);
	wf_validate(&a, def, &is);
	buf_reset(&b);
	jw_init(&w, &b);
	wf_issues_render(&w, &is);
	buf_reset(&b);
	jw_init(&w, &b);
	jw_obj_open(&w);
	jw_key(&w, "resources");
	wf_resources_render(&w, def, &satisfied);
	jw_key(&w, "details");
	(void)wf_deploy_check(&w, def);
	jw_obj_close(&w);
	/* What the handlers send must be JSON. */
	if (json_parse_strict(b.data, b.len, JSON_MAX_DEPTH, &again) != JSON_OK)
		abort();
	json_object_put(again);
	buf_free(&b);
	arena_free(&a);
	json_object_put(def);
	return 0;
}
