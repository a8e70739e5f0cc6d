/*
 * workflow.c -- lib/workflow.c (04-console.md §5): the restricted YAML →
 * JSON conversion and its hostile inputs, workflow/v1 validation issues
 * (codes, paths, order), the fingerprint, required resources, the OSS
 * deploy check, and stored workflows against a real migrated store
 * (publish into versions, version immutability, archive).
 */
#include "config.h"

#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "arena.h"
#include "audit.h"
#include "buf.h"
#include "clock.h"
#include "crypto.h"
#include "json.h"
#include "log.h"
#include "secrets.h"
#include "settings.h"
#include "store.h"

#include "fixture.h"
#include "tenancy.h"
#include "workflow.h"

static struct arena A;
static struct dom_err E;
static struct org O, O2;
static struct project P, P2;
static const struct actor U = { "user", "usr_ada" };

/* ------------------------------------------------------------ helpers */

/* Converts YAML; returns the compact JSON text (arena) or the error
 * message prefixed with "ERR:" / "NOTMAP". */
static const char *
y2j(const char *yaml)
{
	struct json_object *o = NULL;
	char err[WF_ERRMSG_MAX];
	enum wf_yaml_rc rc = wf_yaml_to_json(yaml, strlen(yaml), &o, err);
	struct buf b;
	struct jw w;
	const char *s;

	if (rc == WF_YAML_NOT_MAPPING) {
		assert_null(o);
		return "NOTMAP";
	}
	if (rc != WF_YAML_OK) {
		assert_null(o);
		return arena_printf(&A, "ERR:%s", err);
	}
	buf_init(&b);
	jw_init(&w, &b);
	jw_value(&w, o);
	s = arena_strndup(&A, b.data, b.len);
	buf_free(&b);
	json_object_put(o);
	return s;
}

static struct json_object *
J(const char *text)
{
	struct json_object *o = NULL;

	assert_int_equal(json_parse_strict(text, strlen(text), 32, &o), JSON_OK);
	return o;
}

/* "code@path,code@path,..." of the issues (warnings prefixed with w:). */
static const char *
issues_str(struct json_object *def)
{
	struct wf_issues is;
	struct buf b;
	const char *s;

	wf_validate(&A, def, &is);
	buf_init(&b);
	for (size_t i = 0; i < is.n; i++)
		buf_printf(&b, "%s%s%s@%s", i ? "," : "",
		    is.v[i].error ? "" : "w:", is.v[i].code, is.v[i].path);
	s = arena_strndup(&A, b.data ? b.data : "", b.len);
	buf_free(&b);
	return s;
}

static const char *VALID =
    "{\"apiVersion\":\"workflow/v1\",\"kind\":\"Workflow\","
    "\"metadata\":{\"name\":\"Ship it\"},"
    "\"nodes\":[{\"id\":\"start\",\"type\":\"trigger\"},"
    "{\"id\":\"dev\",\"type\":\"agent\",\"workType\":\"development\","
    "\"provider\":\"claude\",\"credentials\":[\"GH\",\"NPM\"]},"
    "{\"id\":\"wait\",\"type\":\"gate\",\"gateType\":\"timer\",\"duration\":\"5m\"},"
    "{\"id\":\"done\",\"type\":\"end\"}],"
    "\"edges\":[{\"from\":\"start\",\"to\":\"dev\"},"
    "{\"from\":\"dev\",\"to\":\"wait\",\"when\":\"success\"},"
    "{\"from\":\"wait\",\"to\":\"done\"}]}";

/* --------------------------------------------------------------- YAML */

static void
test_yaml_scalars(void **state)
{
	(void)state;
	assert_string_equal(y2j(
	    "a: 1\nb: -0x1\nc: 0o17\nd: 0x1F\ne: 1.5\nf: 2e3\ng: ~\nh: null\n"
	    "i: NULL\nj:\nk: True\nl: FALSE\nm: \"true\"\nn: '12'\no: !!str 12\n"
	    "p: yes\nq: 1_000\nr: !!float 3\ns: !!int \"7\"\nt: |\n  block\n"
	    "u: [1, two, {v: w}]\n"),
	    "{\"a\":1,\"b\":\"-0x1\",\"c\":15,\"d\":31,\"e\":1.5,\"f\":2000,"
	    "\"g\":null,\"h\":null,\"i\":null,\"j\":null,\"k\":true,\"l\":false,"
	    "\"m\":\"true\",\"n\":\"12\",\"o\":\"12\",\"p\":\"yes\","
	    "\"q\":\"1_000\",\"r\":3,\"s\":7,\"t\":\"block\\n\","
	    "\"u\":[1,\"two\",{\"v\":\"w\"}]}");
	/* JSON text is YAML. */
	assert_string_equal(y2j("{\"x\": [true, null, \"s\"]}"),
	    "{\"x\":[true,null,\"s\"]}");
	assert_string_equal(y2j("a: 9007199254740991\nb: -9007199254740991\n"),
	    "{\"a\":9007199254740991,\"b\":-9007199254740991}");
}

static void
test_yaml_rejects(void **state)
{
	(void)state;
	assert_string_equal(y2j("a: 1\nb: 9007199254740992\n"),
	    "ERR:Invalid YAML at line 2, column 4: integer out of range");
	assert_string_equal(y2j("a: 0x20000000000000\n"),
	    "ERR:Invalid YAML at line 1, column 4: integer out of range");
	assert_string_equal(y2j("a: .inf\n"),
	    "ERR:Invalid YAML at line 1, column 4: .inf and .nan are not allowed");
	assert_string_equal(y2j("a: -.INF\n"),
	    "ERR:Invalid YAML at line 1, column 4: .inf and .nan are not allowed");
	assert_string_equal(y2j("a: .NaN\n"),
	    "ERR:Invalid YAML at line 1, column 4: .inf and .nan are not allowed");
	assert_string_equal(y2j("a: 1e999\n"),
	    "ERR:Invalid YAML at line 1, column 4: .inf and .nan are not allowed");
	assert_string_equal(y2j("a: &x 1\nb: *x\n"),
	    "ERR:Invalid YAML at line 1, column 4: anchors and aliases are not allowed");
	assert_string_equal(y2j("a: !foo x\n"),
	    "ERR:Invalid YAML at line 1, column 4: unsupported tag");
	assert_string_equal(y2j("a: !!binary aGk=\n"),
	    "ERR:Invalid YAML at line 1, column 4: unsupported tag");
	assert_string_equal(y2j("a: !!int abc\n"),
	    "ERR:Invalid YAML at line 1, column 4: value does not match its tag");
	assert_string_equal(y2j("a: !!map [1]\n"),
	    "ERR:Invalid YAML at line 1, column 4: value does not match its tag");
	assert_string_equal(y2j("a: 1\na: 2\n"),
	    "ERR:Invalid YAML at line 2, column 1: duplicate mapping key");
	assert_string_equal(y2j("? [a]\n: 1\n"),
	    "ERR:Invalid YAML at line 1, column 3: mapping keys must be scalars");
	assert_string_equal(y2j("<<: {a: 1}\n"),
	    "ERR:Invalid YAML at line 1, column 1: anchors and aliases are not allowed");
	assert_string_equal(y2j("a: 1\n---\nb: 2\n"),
	    "ERR:Invalid YAML at line 2, column 1: exactly one document is allowed");
	assert_string_equal(y2j("a: \"x\\0y\"\n"),
	    "ERR:Invalid YAML at line 1, column 4: NUL characters are not allowed");
	/* libyaml's own problem text and mark */
	assert_string_equal(y2j("a: [1, 2\n"),
	    "ERR:Invalid YAML at line 2, column 1: did not find expected ',' or ']'");
	assert_string_equal(y2j("- 1\n- 2\n"), "NOTMAP");
	assert_string_equal(y2j("just text"), "NOTMAP");
	assert_string_equal(y2j(""), "NOTMAP");
	assert_string_equal(y2j("# only a comment\n"), "NOTMAP");
}

static void
test_yaml_hostile(void **state)
{
	struct buf b;
	const char *r;

	(void)state;
	/* billion laughs: refused at the first anchor */
	r = y2j("a: &a [\"lol\",\"lol\"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a]\n"
	    "c: &c [*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c]\n");
	assert_string_equal(r, "ERR:Invalid YAML at line 1, column 4: "
	    "anchors and aliases are not allowed");
	/* 32 levels are fine, 33 are not (flow and block) */
	buf_init(&b);
	buf_puts(&b, "a: ");
	for (int i = 0; i < 31; i++)
		buf_putc(&b, '[');
	for (int i = 0; i < 31; i++)
		buf_putc(&b, ']');
	buf_putc(&b, '\0');
	assert_true(strncmp(y2j(b.data), "{\"a\":[[[", 8) == 0);
	buf_reset(&b);
	buf_puts(&b, "a: ");
	for (int i = 0; i < 32; i++)
		buf_putc(&b, '[');
	for (int i = 0; i < 32; i++)
		buf_putc(&b, ']');
	buf_putc(&b, '\0');
	assert_string_equal(y2j(b.data),
	    "ERR:Invalid YAML at line 1, column 35: nesting deeper than 32");
	/* very deep flow nesting stops at 33, whatever follows */
	buf_reset(&b);
	for (int i = 0; i < 100000; i++)
		buf_putc(&b, '[');
	buf_putc(&b, '\0');
	assert_string_equal(y2j(b.data),
	    "ERR:Invalid YAML at line 1, column 33: nesting deeper than 32");
	buf_free(&b);
	/* invalid UTF-8 and control characters: libyaml's reason */
	assert_true(strncmp(y2j("a: \xff\xfe\n"), "ERR:Invalid YAML at line", 24) == 0);
	assert_true(strncmp(y2j("a: \x01\n"), "ERR:Invalid YAML at line", 24) == 0);
}

/* --------------------------------------------------------- validation */

static void
test_validate_valid(void **state)
{
	struct json_object *d = J(VALID);

	(void)state;
	assert_string_equal(issues_str(d), "");
	json_object_put(d);
	/* empty draft: one missing_field at the root */
	assert_string_equal(issues_str(NULL), "missing_field@");
}

static void
test_validate_issues(void **state)
{
	struct json_object *d;

	(void)state;
	d = J("{\"kind\":\"Flow\",\"x~y/z\":1,\"apiVersion\":\"workflow/v2\","
	    "\"metadata\":{\"name\":\"\",\"description\":5,\"extra\":true},"
	    "\"nodes\":[{\"id\":\"start\",\"type\":\"trigger\"},"
	    "{\"id\":\"Bad\",\"type\":\"agent\",\"workType\":\"nope\",\"prompt\":1,"
	    "\"credentials\":[\"a\",2]},"
	    "{\"id\":\"start\",\"type\":\"gate\",\"gateType\":\"timer\",\"duration\":\"5x\"},"
	    "{\"type\":\"gate\",\"id\":\"g2\",\"gateType\":\"timer\"},"
	    "{\"id\":\"island\",\"type\":\"end\",\"zzz\":0},"
	    "7,"
	    "{\"id\":\"fin\",\"type\":\"end\"}],"
	    "\"edges\":[{\"from\":\"start\",\"to\":\"fin\",\"when\":\"maybe\"},"
	    "{\"from\":\"fin\",\"to\":\"start\"},"
	    "{\"from\":\"ghost\",\"to\":\"start\"},"
	    "\"e\"]}");
	assert_string_equal(issues_str(d),
	    "invalid_value@/kind,"
	    "w:unknown_field@/x~0y~1z,"
	    "unsupported_api_version@/apiVersion,"
	    "invalid_value@/metadata/name,"
	    "invalid_type@/metadata/description,"
	    "w:unknown_field@/metadata/extra,"
	    "unreachable_node@/nodes/1,"
	    "invalid_value@/nodes/1/id,"
	    "invalid_value@/nodes/1/workType,"
	    "invalid_type@/nodes/1/prompt,"
	    "invalid_type@/nodes/1/credentials/1,"
	    "duplicate_id@/nodes/2/id,"
	    "invalid_value@/nodes/2/duration,"
	    "unreachable_node@/nodes/3,"
	    "missing_field@/nodes/3/duration,"
	    "unreachable_node@/nodes/4,"
	    "w:unknown_field@/nodes/4/zzz,"
	    "invalid_type@/nodes/5,"
	    "invalid_value@/edges/0/when,"
	    "invalid_edge@/edges/1,"
	    "invalid_edge@/edges/2,"
	    "unknown_reference@/edges/2/from,"
	    "invalid_type@/edges/3");
	json_object_put(d);

	/* missing members; rules needing nodes are skipped */
	d = J("{\"nodes\":{},\"metadata\":[]}");
	assert_string_equal(issues_str(d),
	    "invalid_type@/nodes,invalid_type@/metadata,"
	    "missing_field@/apiVersion,missing_field@/kind,missing_field@/edges");
	json_object_put(d);
	d = J("{\"apiVersion\":1,\"kind\":\"Workflow\",\"metadata\":{},"
	    "\"nodes\":[],\"edges\":[]}");
	assert_string_equal(issues_str(d),
	    "unsupported_api_version@/apiVersion,missing_field@/metadata/name,"
	    "invalid_value@/nodes");
	json_object_put(d);
	d = J("{\"apiVersion\":\"workflow/v1\",\"kind\":\"Workflow\","
	    "\"metadata\":{\"name\":\"n\"},\"nodes\":[{\"id\":\"a\",\"type\":\"agent\"},"
	    "{\"id\":\"b\",\"type\":\"gate\"},{\"id\":\"c\",\"type\":\"x\"}],"
	    "\"edges\":[{\"to\":\"a\"}]}");
	assert_string_equal(issues_str(d),
	    "trigger_count@/nodes,missing_end@/nodes,"
	    "missing_field@/nodes/0/workType,missing_field@/nodes/1/gateType,"
	    "invalid_value@/nodes/2/type,missing_field@/edges/0/from");
	json_object_put(d);
}

static void
test_fingerprint(void **state)
{
	struct json_object *a = J("{\"b\":[1,{\"y\":2.5,\"x\":\"\\u00e9\"}],\"a\":null}");
	struct json_object *b = J("{\"a\":null,\"b\":[1,{\"x\":\"\\u00e9\",\"y\":2.5}]}");
	char ha[65], hb[65], hc[65];
	struct buf buf;

	(void)state;
	buf_init(&buf);
	wf_sorted_json(&buf, a);
	buf_putc(&buf, '\0');
	assert_string_equal(buf.data,
	    "{\"a\":null,\"b\":[1,{\"x\":\"\xc3\xa9\",\"y\":2.5}]}");
	buf_free(&buf);
	wf_definition_sha256(ha, a);
	wf_definition_sha256(hb, b);
	assert_string_equal(ha, hb);
	json_object_object_add(b, "c", json_object_new_int(1));
	wf_definition_sha256(hc, b);
	assert_string_not_equal(ha, hc);
	json_object_put(a);
	json_object_put(b);
}

static void
test_resources(void **state)
{
	struct json_object *d = J(
	    "{\"nodes\":[{\"id\":\"b\",\"type\":\"agent\",\"workType\":\"qa\","
	    "\"credentials\":[\"Z\",\"A\",\"A\"],\"modelProfile\":\"fast\"},"
	    "{\"id\":\"a\",\"type\":\"agent\",\"workType\":\"bogus\",\"provider\":\"p\","
	    "\"credentials\":[\"A\"]},"
	    "{\"id\":\"c\",\"type\":\"gate\",\"provider\":\"ignored\"},"
	    "{\"type\":\"agent\",\"workType\":\"qa\"}]}");
	struct buf b;
	struct jw w;
	int sat = -1;

	(void)state;
	buf_init(&b);
	jw_init(&w, &b);
	wf_resources_render(&w, d, &sat);
	buf_putc(&b, '\0');
	assert_string_equal(b.data,
	    "[{\"kind\":\"workType\",\"name\":\"bogus\",\"referencedBy\":[\"a\"],"
	    "\"available\":false},"
	    "{\"kind\":\"workType\",\"name\":\"qa\",\"referencedBy\":[\"b\"],"
	    "\"available\":true},"
	    "{\"kind\":\"provider\",\"name\":\"p\",\"referencedBy\":[\"a\"],"
	    "\"available\":null},"
	    "{\"kind\":\"modelProfile\",\"name\":\"fast\",\"referencedBy\":[\"b\"],"
	    "\"available\":null},"
	    "{\"kind\":\"credential\",\"name\":\"A\",\"referencedBy\":[\"b\",\"a\"],"
	    "\"available\":null},"
	    "{\"kind\":\"credential\",\"name\":\"Z\",\"referencedBy\":[\"b\"],"
	    "\"available\":null}]");
	assert_int_equal(sat, 0);
	buf_free(&b);
	json_object_put(d);
}

static void
test_deploy_check(void **state)
{
	struct json_object *d;
	struct buf b;
	struct jw w;

	(void)state;
	d = J("{\"apiVersion\":\"v1.1\",\"kind\":\"WorkflowDefinition\","
	    "\"metadata\":{\"name\":\"dev\"},\"phases\":[{\"name\":\"a\","
	    "\"template\":\"t\",\"variants\":{\"x\":\"y\"}}],\"transitions\":[],"
	    "\"unknown\":1}");
	assert_int_equal(wf_deploy_check(NULL, d), 0);
	json_object_put(d);

	d = J("{\"transitions\":[{\"from\":\"\",\"to\":1,\"priority\":1.5}],"
	    "\"kind\":\"WorkflowDefinition\",\"metadata\":{\"name\":\"x\"},"
	    "\"gates\":[{\"name\":\"g\",\"type\":\"cron\",\"trigger\":{}}],"
	    "\"escalation\":{\"ladder\":[],\"circuitBreaker\":{\"maxSessionsPerIssue\":0}}}");
	buf_init(&b);
	jw_init(&w, &b);
	assert_int_equal(wf_deploy_check(&w, d), 8);
	buf_putc(&b, '\0');
	assert_string_equal(b.data,
	    "[{\"code\":\"too_small\",\"path\":[\"transitions\",0,\"from\"],"
	    "\"message\":\"String must contain at least 1 character(s)\"},"
	    "{\"code\":\"invalid_type\",\"path\":[\"transitions\",0,\"to\"],"
	    "\"message\":\"Expected string, received number\"},"
	    "{\"code\":\"invalid_type\",\"path\":[\"transitions\",0,\"priority\"],"
	    "\"message\":\"Expected integer, received float\"},"
	    "{\"code\":\"invalid_enum_value\",\"path\":[\"gates\",0,\"type\"],"
	    "\"message\":\"Invalid enum value. Expected 'signal' | 'timer' | "
	    "'webhook', received 'cron'\"},"
	    "{\"code\":\"too_small\",\"path\":[\"escalation\",\"ladder\"],"
	    "\"message\":\"Array must contain at least 1 element(s)\"},"
	    "{\"code\":\"too_small\",\"path\":[\"escalation\",\"circuitBreaker\","
	    "\"maxSessionsPerIssue\"],\"message\":\"Number must be greater than 0\"},"
	    "{\"code\":\"invalid_literal\",\"path\":[\"apiVersion\"],"
	    "\"message\":\"Invalid literal value, expected \\\"v1.1\\\"\"},"
	    "{\"code\":\"invalid_type\",\"path\":[\"phases\"],"
	    "\"message\":\"Required\"}]");
	buf_free(&b);
	json_object_put(d);
}

/* ------------------------------------------------------------ store */


static int
group_setup(void **state)
{
	(void)state;
	arena_init(&A);
	fixture_store_up("workflow");
	assert_int_equal(store_begin_write(), 0);
	assert_int_equal(org_create(&A, &actor_cli, "Acme", NULL, NULL, NULL, 0,
	    &O, &P, &E), DOM_OK);
	assert_int_equal(org_create(&A, &actor_cli, "Other", NULL, NULL, NULL, 0,
	    &O2, &P2, &E), DOM_OK);
	assert_int_equal(store_commit(), 0);
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	fixture_store_down();
	arena_free(&A);
	return 0;
}

static int64_t
count(const char *sql, const char *arg)
{
	struct sstmt *st = store_stmt(sql);
	int64_t n;

	assert_non_null(st);
	ss_bind_text(st, 1, arg);
	assert_int_equal(ss_step(st), STORE_ROW);
	n = ss_int(st, 0);
	ss_reset(st);
	return n;
}

static int
collect(const struct wf_version *v, void *arg)
{
	struct buf *b = arg;

	buf_printf(b, "%lld%s;", (long long)v->version, v->live ? "*" : "");
	return 0;
}

static void
test_store_publish(void **state)
{
	struct workflow wf, wf2;
	struct wf_version ver, got;
	struct wf_issues is;
	struct wf_draft d = { NULL, "json", NULL };
	struct json_object *def = J(VALID), *def2;
	struct buf b;
	struct sstmt *st;

	(void)state;
	/* create with an empty draft; a second name differing in case: 409 */
	assert_int_equal(store_begin_write(), 0);
	assert_int_equal(workflow_create(&A, &U, O.id, P.id, "Deploy", &d, &wf,
	    &E), DOM_OK);
	assert_int_equal(store_commit(), 0);
	assert_string_equal(wf.status, "draft");
	assert_null(wf.draft_definition);
	assert_int_equal(wf.draft_updated_at, wf.created_at);
	assert_int_equal(store_begin_write(), 0);
	assert_int_equal(workflow_create(&A, &U, O.id, P.id, "DEPLOY", &d, &wf2,
	    &E), DOM_CONFLICT);
	store_rollback();
	/* the other org does not see it */
	assert_int_equal(workflow_get(&A, O2.id, wf.id, &wf2), DOM_NOT_FOUND);

	/* empty draft: 422 (DOM_INVALID), nothing created */
	assert_int_equal(store_begin_write(), 0);
	assert_int_equal(workflow_publish(&A, &U, O.id, wf.id, NULL, &ver, &is,
	    &E), DOM_INVALID);
	store_rollback();
	assert_int_equal(is.n, 1);
	assert_string_equal(is.v[0].code, "missing_field");
	assert_string_equal(is.v[0].path, "");

	d.def = def;
	assert_int_equal(store_begin_write(), 0);
	assert_int_equal(workflow_put_draft(&A, &U, O.id, wf.id, &d, NULL, &wf,
	    &E), DOM_OK);
	assert_int_equal(workflow_publish(&A, &U, O.id, wf.id, "first", &ver,
	    &is, &E), DOM_OK);
	assert_int_equal(store_commit(), 0);
	assert_int_equal(ver.version, 1);
	/* unchanged draft: conflict naming the version */
	assert_int_equal(store_begin_write(), 0);
	assert_int_equal(workflow_publish(&A, &U, O.id, wf.id, NULL, &ver, &is,
	    &E), DOM_CONFLICT);
	store_rollback();
	assert_string_equal(E.message, "Draft is unchanged since version 1");

	/* a changed draft publishes version 2; version 1 stays as it was */
	def2 = J(VALID);
	json_object_object_add(json_object_object_get(def2, "metadata"),
	    "description", json_object_new_string("v2"));
	d.def = def2;
	assert_int_equal(store_begin_write(), 0);
	assert_int_equal(workflow_put_draft(&A, &U, O.id, wf.id, &d, "Deploy 2",
	    &wf, &E), DOM_OK);
	assert_int_equal(workflow_publish(&A, &U, O.id, wf.id, NULL, &ver, &is,
	    &E), DOM_OK);
	assert_int_equal(store_commit(), 0);
	assert_int_equal(ver.version, 2);
	assert_int_equal(workflow_get(&A, O.id, wf.id, &wf), DOM_OK);
	assert_string_equal(wf.status, "published");
	assert_int_equal(wf.live_version, 2);
	assert_string_equal(wf.name, "Deploy 2");
	assert_int_equal(workflow_version_get(&A, wf.id, 1, &got), DOM_OK);
	assert_null(strstr(got.definition, "v2"));
	assert_string_equal(got.change_reason, "first");
	assert_int_equal(got.live, 0);

	buf_init(&b);
	assert_int_equal(workflow_versions(&A, wf.id, 0, 10, collect, &b), DOM_OK);
	buf_putc(&b, '\0');
	assert_string_equal(b.data, "2*;1;");
	buf_reset(&b);
	assert_int_equal(workflow_versions(&A, wf.id, 2, 10, collect, &b), DOM_OK);
	buf_putc(&b, '\0');
	assert_string_equal(b.data, "1;");
	buf_free(&b);

	/* versions are immutable in the store itself */
	st = store_stmt("UPDATE workflow_versions SET definition = '{}'"
	    " WHERE workflow_id = ?1");
	assert_non_null(st);
	ss_bind_text(st, 1, wf.id);
	assert_int_not_equal(ss_exec(st), STORE_OK);
	assert_int_equal(workflow_version_get(&A, wf.id, 1, &got), DOM_OK);
	assert_non_null(strstr(got.definition, "workflow/v1"));

	/* archive: repeat appends nothing; then draft and publish conflict */
	assert_int_equal(store_begin_write(), 0);
	assert_int_equal(workflow_archive(&A, &U, O.id, wf.id, &wf), DOM_OK);
	assert_int_equal(workflow_archive(&A, &U, O.id, wf.id, &wf), DOM_OK);
	assert_int_equal(store_commit(), 0);
	assert_string_equal(wf.status, "archived");
	assert_int_equal(count("SELECT count(*) FROM audit_events WHERE org_id = ?1"
	    " AND event_type = 'workflow.archived'", O.id), 1);
	assert_int_equal(count("SELECT count(*) FROM audit_events WHERE org_id = ?1"
	    " AND event_type = 'workflow.published'", O.id), 2);
	assert_int_equal(store_begin_write(), 0);
	assert_int_equal(workflow_put_draft(&A, &U, O.id, wf.id, &d, NULL, &wf2,
	    &E), DOM_CONFLICT);
	assert_string_equal(E.message, "Workflow is archived");
	assert_int_equal(workflow_publish(&A, &U, O.id, wf.id, NULL, &ver, &is,
	    &E), DOM_CONFLICT);
	assert_string_equal(E.message, "Workflow is archived");
	store_rollback();
	json_object_put(def);
	json_object_put(def2);
}

static void
test_store_deploy(void **state)
{
	struct wf_deployment d1, d2;
	struct json_object *def = J("{\"metadata\":{\"name\":\"flow\"}}");

	(void)state;
	assert_int_equal(store_begin_write(), 0);
	assert_int_equal(workflow_deploy(&A, &U, O.id, "flow", def, &d1), DOM_OK);
	assert_int_equal(workflow_deploy(&A, &U, O.id, "flow", def, &d2), DOM_OK);
	assert_int_equal(store_commit(), 0);
	assert_int_equal(d1.version, 1);
	assert_int_equal(d2.version, 2);
	assert_int_equal(d2.created_at, d1.created_at);
	assert_int_equal(count("SELECT count(*) FROM audit_events WHERE org_id = ?1"
	    " AND event_type = 'workflow.deployed'", O.id), 2);
	json_object_put(def);
}

int
main(void)
{
	const struct CMUnitTest pure[] = {
		cmocka_unit_test(test_yaml_scalars),
		cmocka_unit_test(test_yaml_rejects),
		cmocka_unit_test(test_yaml_hostile),
		cmocka_unit_test(test_validate_valid),
		cmocka_unit_test(test_validate_issues),
		cmocka_unit_test(test_fingerprint),
		cmocka_unit_test(test_resources),
		cmocka_unit_test(test_deploy_check),
		cmocka_unit_test(test_store_publish),
		cmocka_unit_test(test_store_deploy),
	};
	return cmocka_run_group_tests(pure, group_setup, group_teardown);
}
