#!/usr/bin/env bash
# workflows.sh: /api/workflows (04-console.md §5) through real nginx and
# rensei-console: create (JSON and YAML definitions), draft, validate
# (exact issues), publish twice and list two immutable versions, version
# get, required-resources, archive, the OSS deploy (§5.3); an invalid
# definition → 422 with its issues; hostile bodies (bad JSON, wrong types,
# YAML anchors/aliases, deep nesting, out-of-range integers, oversized
# definitions, a 2 MiB body, U+0000) each 4xx and changing nothing; no
# credential 401, wrong scope 403, and another org's key 404 on every
# workflow route.
. "$(dirname "$0")/../lib.sh"

t_require_bin rensei-console
t_require_bin rensei-admin
t_stack_up

KEY=$RENSEI_API_KEY
ADMIN=$RENSEI_ADMIN_BIN
PROJ=$RENSEI_PROJECT_ID
ISO='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z'

U6='{"error":"Unauthorized","message":"Authentication required"}'
U1='{"error":"Unauthorized","message":"Invalid or missing API key"}'
F2W='{"error":"Forbidden","message":"Missing required scope: workflows:write"}'
F2R='{"error":"Forbidden","message":"Missing required scope: workflows:read"}'
BADJSON='{"error":"Bad Request","message":"Invalid JSON body"}'
TOOBIG='{"error":"Payload Too Large","message":"Request body too large"}'
NOWF='{"error":"Not Found","message":"Workflow not found"}'
NOVER='{"error":"Not Found","message":"Version not found"}'
NOPROJ='{"error":"Not Found","message":"Project not found"}'
bad() { jq -cn --arg m "$1" '{error:"Bad Request",message:$m}'; }
conflict() { jq -cn --arg m "$1" '{error:"Conflict",message:$m}'; }

# req METHOD PATH TOKEN [BODY]: JSON request (TOKEN "" = none).
req() {
	local m=$1 path=$2 tok=$3
	local args=()
	[ -n "$tok" ] && args+=(-H "Authorization: Bearer $tok")
	if [ $# -ge 4 ]; then
		args+=(-H 'Content-Type: application/json' --data-binary "$4")
	fi
	t_req "$m" "$path" "${args[@]}"
}
jf() { jq -r "$1" <<<"$T_BODY" 2>/dev/null || true; }
admin() { "$ADMIN" --data "$T_DATA" --json "$@" </dev/null; }

# ------------------------------------------------------------- fixtures
# A second org and its key; keys of this org with narrow scopes.
ORG2=$(admin org create --name "Other Org" | jq -r '.id // .orgId')
KEY2=$(admin key create --org "$ORG2" --name other --scopes '*' | jq -r .secret)
KEY_RO=$(admin key create --org "$RENSEI_ORG_ID" --name ro --scopes 'workflows:read' | jq -r .secret)
KEY_SESS=$(admin key create --org "$RENSEI_ORG_ID" --name sess --scopes 'sessions:read' | jq -r .secret)
t_match "fixture: second org" "$ORG2" '^org_'
t_match "fixture: second org key" "$KEY2" '^rsk_live_'
t_match "fixture: read-only key" "$KEY_RO" '^rsk_live_'

VALID=$(cat <<'EOF'
{"apiVersion":"workflow/v1","kind":"Workflow","metadata":{"name":"Ship it"},
 "nodes":[{"id":"start","type":"trigger"},
  {"id":"dev","type":"agent","workType":"development","provider":"claude","credentials":["GH_TOKEN"]},
  {"id":"done","type":"end"}],
 "edges":[{"from":"start","to":"dev"},{"from":"dev","to":"done","when":"success"}]}
EOF
)
VALID=$(jq -c . <<<"$VALID")

# --------------------------------------------------------------- auth
req GET /api/workflows ""
t_expect_json "list without credential: U6" 401 "$U6"
req POST /api/workflows "" '{}'
t_expect_json "create without credential: U6" 401 "$U6"
req GET /api/workflows "rsk_live_$(printf '0%.0s' {1..64})"
t_expect_json "unknown key: U1" 401 "$U1"
req POST /api/workflows "$KEY_RO" "{\"projectId\":\"$PROJ\",\"name\":\"x\"}"
t_expect_json "create with workflows:read only: F2 workflows:write" 403 "$F2W"
req GET /api/workflows "$KEY_SESS"
t_expect_json "list with sessions:read only: F2 workflows:read" 403 "$F2R"

# ------------------------------------------------------------- create
req POST /api/workflows "$KEY" "{\"projectId\":\"$PROJ\",\"name\":\"Deploy\"}"
t_eq "create (no definition): 201" "$T_STATUS" 201
WF=$(jf .id)
t_match "create: id" "$WF" '^wf_[0-9A-HJKMNP-TV-Z]{26}$'
t_eq "create: shape" "$(jq -c '{projectId,name,status,liveVersion,draft:{definition:.draft.definition,format:.draft.format,src:(.draft|has("source"))},live:has("live")}' <<<"$T_BODY")" \
	"{\"projectId\":\"$PROJ\",\"name\":\"Deploy\",\"status\":\"draft\",\"liveVersion\":null,\"draft\":{\"definition\":null,\"format\":null,\"src\":false},\"live\":false}"
t_eq "create: member order" "$(jq -c 'keys_unsorted' <<<"$T_BODY")" \
	'["id","projectId","name","status","liveVersion","draft","createdBy","createdAt","updatedAt"]'
t_eq "create: draft.updatedAt = createdAt before any draft save" "$(jf '.draft.updatedAt == .createdAt and .draft.updatedBy == .createdBy')" true
t_match "create: createdAt" "$(jf .createdAt)" "^$ISO\$"

req POST /api/workflows "$KEY" "{\"projectId\":\"$PROJ\",\"name\":\"DEPLOY\"}"
t_expect_json "same name, other case: 409" 409 "$(conflict 'A workflow with this name already exists in the project')"
req POST /api/workflows "$KEY" '{"name":"x"}'
t_expect_json "create without projectId: 400" 400 "$(bad 'projectId is required')"
req POST /api/workflows "$KEY" "{\"projectId\":\"$PROJ\"}"
t_expect_json "create without name: 400" 400 "$(bad 'name is required')"
req POST /api/workflows "$KEY" "{\"projectId\":\"$PROJ\",\"name\":\"$(printf 'n%.0s' {1..101})\"}"
t_expect_json "create with a 101-character name: 400" 400 "$(bad 'name must be a string of 1-100 characters')"
req POST /api/workflows "$KEY" '{"projectId":"proj_nope","name":"x"}'
t_expect_json "create in an unknown project: 404" 404 "$NOPROJ"

# YAML definition, by project slug
YAML=$'apiVersion: workflow/v1\nkind: Workflow\nmetadata:\n  name: From YAML\nnodes:\n  - {id: start, type: trigger}\n  - {id: done, type: end}\nedges:\n  - {from: start, to: done}\n'
req POST /api/workflows "$KEY" "$(jq -cn --arg y "$YAML" '{projectId:"default",name:"Yaml one",definition:$y}')"
t_eq "create with YAML by project slug: 201" "$T_STATUS" 201
WFY=$(jf .id)
t_eq "YAML: format and source kept" "$(jq -r --arg y "$YAML" '.draft.format + "|" + (.draft.source == $y | tostring)' <<<"$T_BODY")" "yaml|true"
t_eq "YAML: converted definition" "$(jq -c .draft.definition <<<"$T_BODY")" \
	'{"apiVersion":"workflow/v1","kind":"Workflow","metadata":{"name":"From YAML"},"nodes":[{"id":"start","type":"trigger"},{"id":"done","type":"end"}],"edges":[{"from":"start","to":"done"}]}'

# --------------------------------------------------- validate / publish
req POST "/api/workflows/$WF/validate" "$KEY" ''
t_expect_json "validate an empty draft" 200 \
	'{"valid":false,"issues":[{"severity":"error","code":"missing_field","path":"","message":"The draft has no definition"}]}'
req POST "/api/workflows/$WF/publish" "$KEY" '{}'
t_eq "publish an empty draft: 422" "$T_STATUS" 422
t_eq "publish an empty draft: body" "$(jq -c '{error,message,issues:[.issues[]|{code,path}]}' <<<"$T_BODY")" \
	'{"error":"Unprocessable Entity","message":"Workflow definition failed validation","issues":[{"code":"missing_field","path":""}]}'

BADDEF='{"apiVersion":"workflow/v2","kind":"Workflow","metadata":{"name":"x","color":"red"},"nodes":[{"id":"start","type":"trigger"},{"id":"start","type":"end"},{"id":"lost","type":"end"}],"edges":[{"from":"start","to":"nowhere"}]}'
req PUT "/api/workflows/$WF/draft" "$KEY" "{\"definition\":$BADDEF}"
t_eq "draft save of an invalid definition: 200 (not validated)" "$T_STATUS" 200
t_eq "draft save: definition as written" "$(jq -c .draft.definition <<<"$T_BODY")" "$BADDEF"
req POST "/api/workflows/$WF/publish" "$KEY" '{"changeReason":"try"}'
t_eq "publish invalid: 422" "$T_STATUS" 422
t_eq "publish invalid: issues (document order)" "$(jq -c '[.issues[]|[.severity,.code,.path]]' <<<"$T_BODY")" \
	'[["error","unsupported_api_version","/apiVersion"],["warning","unknown_field","/metadata/color"],["error","duplicate_id","/nodes/1/id"],["error","unreachable_node","/nodes/2"],["error","unknown_reference","/edges/0/to"]]'
t_eq "publish invalid: envelope" "$(jq -c '[.error,.message]' <<<"$T_BODY")" '["Unprocessable Entity","Workflow definition failed validation"]'
req POST "/api/workflows/$WF/validate" "$KEY" ''
t_eq "validate shows the same issues" "$(jq -c '[.valid,[.issues[]|.code]]' <<<"$T_BODY")" \
	'[false,["unsupported_api_version","unknown_field","duplicate_id","unreachable_node","unknown_reference"]]'
req GET "/api/workflows/$WF/versions" "$KEY"
t_expect_json "422 created no version" 200 '{"items":[],"nextCursor":null}'

req PUT "/api/workflows/$WF/draft" "$KEY" "{\"definition\":$VALID}"
t_eq "valid draft: 200" "$T_STATUS" 200
req POST "/api/workflows/$WF/validate" "$KEY" ''
t_expect_json "validate a valid draft" 200 '{"valid":true,"issues":[]}'
req POST "/api/workflows/$WF/publish" "$KEY" '{"changeReason":"first","mode":"in-place"}'
t_eq "publish 1: 201" "$T_STATUS" 201
t_eq "publish 1: shape" "$(jq -c '[keys_unsorted, .workflowId == $w, .version, .liveVersion, .changeReason, .warnings]' --arg w "$WF" <<<"$T_BODY")" \
	'[["workflowId","version","liveVersion","definitionSha256","changeReason","publishedAt","publishedBy","warnings"],true,1,1,"first",[]]'
SHA1=$(jf .definitionSha256)
t_match "publish 1: definitionSha256" "$SHA1" '^[0-9a-f]{64}$'
req POST "/api/workflows/$WF/publish" "$KEY" '{}'
t_expect_json "publish unchanged: 409" 409 "$(conflict 'Draft is unchanged since version 1')"

# same content, other member order: still unchanged
REORD=$(jq -c '{edges,nodes,metadata,kind,apiVersion}' <<<"$VALID")
req PUT "/api/workflows/$WF/draft" "$KEY" "{\"definition\":$REORD}"
req POST "/api/workflows/$WF/publish" "$KEY" '{}'
t_expect_json "publish the same definition reordered: 409" 409 "$(conflict 'Draft is unchanged since version 1')"

V2=$(jq -c '.metadata.description = "second" | .extra = 1' <<<"$VALID")
req PUT "/api/workflows/$WF/draft" "$KEY" "{\"definition\":$V2,\"name\":\"Deploy v2\"}"
t_eq "draft with a rename: name" "$(jf .name)" "Deploy v2"
req POST "/api/workflows/$WF/publish" "$KEY" '{}'
t_eq "publish 2: 201" "$T_STATUS" 201
t_eq "publish 2: version, null reason, warning kept" "$(jq -c '[.version,.changeReason,[.warnings[]|[.severity,.code,.path]]]' <<<"$T_BODY")" \
	'[2,null,[["warning","unknown_field","/extra"]]]'

req GET "/api/workflows/$WF/versions" "$KEY"
t_eq "versions: two, newest first, live flag" "$(jq -c '[[.items[]|[.version,.live,.changeReason]],.nextCursor]' <<<"$T_BODY")" \
	'[[[2,true,null],[1,false,"first"]],null]'
t_eq "versions: item members" "$(jq -c '.items[0]|keys_unsorted' <<<"$T_BODY")" \
	'["version","definitionSha256","changeReason","publishedAt","publishedBy","live"]'
req GET "/api/workflows/$WF/versions?limit=1" "$KEY"
CUR=$(jf .nextCursor)
t_eq "versions limit=1: first page" "$(jq -c '[.items[].version]' <<<"$T_BODY")" '[2]'
req GET "/api/workflows/$WF/versions?limit=1&cursor=$CUR" "$KEY"
t_eq "versions: second page" "$(jq -c '[[.items[].version],.nextCursor]' <<<"$T_BODY")" '[[1],null]'
req GET "/api/workflows/$WF/versions?cursor=!!" "$KEY"
t_expect_json "versions: bad cursor" 400 "$(bad 'Invalid cursor')"
req GET "/api/workflows/$WF/versions?limit=0" "$KEY"
t_expect_json "versions: limit=0" 400 "$(bad "Invalid 'limit' parameter: expected a positive integer")"
req GET "/api/workflows/$WF/versions/1" "$KEY"
t_eq "version 1: unchanged definition and sha" "$(jq -c '[.definition == $d, .definitionSha256 == $s, .live]' --argjson d "$VALID" --arg s "$SHA1" <<<"$T_BODY")" '[true,true,false]'
req GET "/api/workflows/$WF/versions/3" "$KEY"
t_expect_json "version 3: 404" 404 "$NOVER"
req GET "/api/workflows/$WF/versions/abc" "$KEY"
t_expect_json "version abc: 404" 404 "$NOVER"
req GET "/api/workflows/$WF" "$KEY"
t_eq "get: status published, live v2" "$(jq -c '[.status,.liveVersion,.live.version,.live.definition.metadata.description,.name]' <<<"$T_BODY")" \
	'["published",2,2,"second","Deploy v2"]'

# ------------------------------------------------- required resources
req GET "/api/workflows/$WF/required-resources" "$KEY"
t_expect_json "required-resources (live)" 200 \
	"{\"workflowId\":\"$WF\",\"version\":2,\"resources\":[{\"kind\":\"workType\",\"name\":\"development\",\"referencedBy\":[\"dev\"],\"available\":true},{\"kind\":\"provider\",\"name\":\"claude\",\"referencedBy\":[\"dev\"],\"available\":null},{\"kind\":\"credential\",\"name\":\"GH_TOKEN\",\"referencedBy\":[\"dev\"],\"available\":null}],\"satisfied\":true}"
req GET "/api/workflows/$WFY/required-resources?version=draft" "$KEY"
t_expect_json "required-resources (draft without agents)" 200 \
	"{\"workflowId\":\"$WFY\",\"version\":\"draft\",\"resources\":[],\"satisfied\":true}"
req GET "/api/workflows/$WF/required-resources?version=0" "$KEY"
t_expect_json "required-resources version=0: 400" 400 "$(bad 'version must be a positive integer or draft')"
req GET "/api/workflows/$WF/required-resources?version=9" "$KEY"
t_expect_json "required-resources version=9: 404" 404 "$NOVER"

# ----------------------------------------------------------------- list
req GET "/api/workflows" "$KEY"
t_eq "list: both, creation order, no draft/live" "$(jq -c '[[.items[].id], ([.items[]|(has("draft") or has("live"))]|any), .nextCursor]' <<<"$T_BODY")" \
	"[[\"$WF\",\"$WFY\"],false,null]"
req GET "/api/workflows?limit=1" "$KEY"
CUR=$(jf .nextCursor)
req GET "/api/workflows?limit=1&cursor=$CUR" "$KEY"
t_eq "list: second page" "$(jq -c '[[.items[].id],.nextCursor]' <<<"$T_BODY")" "[[\"$WFY\"],null]"
req GET "/api/workflows?status=published" "$KEY"
t_eq "list status=published" "$(jq -c '[.items[].id]' <<<"$T_BODY")" "[\"$WF\"]"
req GET "/api/workflows?status=bogus" "$KEY"
t_expect_json "list status=bogus: 400" 400 "$(bad 'status must be one of: draft, published, archived')"
req GET "/api/workflows?projectId=proj_nope" "$KEY"
t_expect_json "list projectId unknown: 404" 404 "$NOPROJ"

# --------------------------------------------------------------- hostile
before=$(curl -sS -H "Authorization: Bearer $KEY" "$T_BASE/api/workflows/$WF")
hostile() { # DESC STATUS BODY REQBODY
	req PUT "/api/workflows/$WF/draft" "$KEY" "$4"
	t_expect_json "hostile: $1" "$2" "$3"
}
hostile "invalid JSON" 400 "$BADJSON" '{"definition":'
hostile "array body" 400 "$BADJSON" '[1]'
hostile "U+0000" 400 "$BADJSON" '{"definition":"a: \u0000"}'
hostile "duplicate member" 400 "$BADJSON" '{"definition":{},"definition":{}}'
hostile "definition absent" 400 "$(bad 'definition is required')" '{}'
hostile "definition a number" 400 "$(bad 'definition must be an object or a YAML string')" '{"definition":5}'
hostile "definition null" 400 "$(bad 'definition must be an object or a YAML string')" '{"definition":null}'
hostile "YAML list at top" 400 "$(bad 'definition must be a mapping at the top level')" '{"definition":"- a\n- b\n"}'
hostile "YAML scalar" 400 "$(bad 'definition must be a mapping at the top level')" '{"definition":"hello"}'
hostile "YAML alias" 400 "$(bad 'Invalid YAML at line 1, column 4: anchors and aliases are not allowed')" \
	'{"definition":"a: &x [1,2]\nb: [*x,*x,*x,*x]\n"}'
hostile "YAML merge key" 400 "$(bad 'Invalid YAML at line 2, column 1: anchors and aliases are not allowed')" \
	'{"definition":"a: 1\n<<: {b: 2}\n"}'
hostile "YAML huge integer" 400 "$(bad 'Invalid YAML at line 1, column 4: integer out of range')" \
	'{"definition":"a: 123456789012345678901234567890\n"}'
hostile "YAML .nan" 400 "$(bad 'Invalid YAML at line 1, column 4: .inf and .nan are not allowed')" \
	'{"definition":"a: .nan\n"}'
hostile "YAML unsupported tag" 400 "$(bad 'Invalid YAML at line 1, column 4: unsupported tag')" \
	'{"definition":"a: !!python/object x\n"}'
hostile "YAML non-scalar key" 400 "$(bad 'Invalid YAML at line 1, column 2: mapping keys must be scalars')" \
	'{"definition":"{[a]: 1}"}'
hostile "YAML two documents" 400 "$(bad 'Invalid YAML at line 2, column 1: exactly one document is allowed')" \
	'{"definition":"a: 1\n---\nb: 2\n"}'
hostile "YAML syntax" 400 "$(bad "Invalid YAML at line 2, column 1: did not find expected ',' or ']'")" \
	'{"definition":"a: [1\n"}'
deep=$(printf '[%.0s' {1..40})
hostile "YAML 40 levels" 400 "$(bad 'Invalid YAML at line 1, column 35: nesting deeper than 32')" \
	"{\"definition\":\"a: $deep\"}"
big=$(head -c 270000 /dev/zero | tr '\0' 'a')
printf '{"definition":"a: %s"}' "$big" >"$T_TMP/big.json"
t_req PUT "/api/workflows/$WF/draft" -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' --data-binary "@$T_TMP/big.json"
t_expect_json "hostile: YAML over 256 KiB" 400 "$(bad 'definition must be at most 262144 bytes')"
printf '{"definition":{"a":"%s"}}' "$big" >"$T_TMP/big.json"
t_req PUT "/api/workflows/$WF/draft" -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' --data-binary "@$T_TMP/big.json"
t_expect_json "hostile: JSON definition over 256 KiB" 400 "$(bad 'definition must be at most 262144 bytes')"
head -c 2200000 /dev/zero | tr '\0' 'a' >"$T_TMP/huge.json"
t_req PUT "/api/workflows/$WF/draft" -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' --data-binary "@$T_TMP/huge.json"
t_eq "hostile: 2 MiB body: 413" "$T_STATUS" 413
req POST "/api/workflows/$WF/publish" "$KEY" '{"mode":"replace"}'
t_expect_json "publish mode other than in-place" 400 "$(bad 'mode must be "in-place"')"
req POST "/api/workflows/$WF/publish" "$KEY" "{\"changeReason\":\"$(printf 'r%.0s' {1..501})\"}"
t_expect_json "publish changeReason 501" 400 "$(bad 'changeReason must be at most 500 characters')"
req GET "/api/workflows/wf_%00" "$KEY"
t_expect_json "NUL in the id: 400 (route decoding)" 400 '{"error":"Bad Request","message":"Bad request"}'
req GET "/api/workflows/$(printf 'x%.0s' {1..300})" "$KEY"
t_expect_json "overlong id: 404" 404 "$NOWF"
req GET "/api/workflows/wf_01ARZ3NDEKTSV4RRFFQ69G5FAV" "$KEY"
t_expect_json "unknown id: 404" 404 "$NOWF"
after=$(curl -sS -H "Authorization: Bearer $KEY" "$T_BASE/api/workflows/$WF")
t_eq "hostile requests changed nothing" "$after" "$before"
req GET "/api/workflows/$WF/versions" "$KEY"
t_eq "hostile requests created no version" "$(jq -c '[.items[].version]' <<<"$T_BODY")" '[2,1]'

# ------------------------------------------- a key limited to a project
P2=$(admin project create --org "$RENSEI_ORG_ID" --name "Second" | jq -r '.id // .projectId')
t_match "fixture: second project" "$P2" '^proj_'
KEYP2=$(admin key create --org "$RENSEI_ORG_ID" --name p2 --scopes 'workflows:read,workflows:write' --projects "$P2" | jq -r .secret)
req POST /api/workflows "$KEYP2" "{\"projectId\":\"$P2\",\"name\":\"In P2\"}"
t_eq "project key: create in its project" "$T_STATUS" 201
WFP2=$(jf .id)
req GET /api/workflows "$KEYP2"
t_eq "project key: list holds only its project's workflows" "$(jq -c '[.items[].id]' <<<"$T_BODY")" "[\"$WFP2\"]"
req GET "/api/workflows/$WF" "$KEYP2"
t_expect_json "project key: a workflow of another project is 404" 404 "$NOWF"
req GET "/api/workflows?projectId=$PROJ" "$KEYP2"
t_expect_json "project key: list by another project is 404" 404 "$NOPROJ"
req POST /api/workflows "$KEYP2" "{\"projectId\":\"$PROJ\",\"name\":\"x\"}"
t_expect_json "project key: create in another project is 404" 404 "$NOPROJ"
req GET "/api/workflows?projectId=$P2" "$KEY"
t_eq "org key: list by project" "$(jq -c '[.items[].id]' <<<"$T_BODY")" "[\"$WFP2\"]"

# ------------------------------------------------------ another org: 404
for r in "GET /api/workflows/$WF" "PUT /api/workflows/$WF/draft" \
	"POST /api/workflows/$WF/validate" "POST /api/workflows/$WF/publish" \
	"GET /api/workflows/$WF/versions" "GET /api/workflows/$WF/versions/1" \
	"POST /api/workflows/$WF/archive" "GET /api/workflows/$WF/required-resources"; do
	set -- $r
	if [ "$1" = GET ]; then req "$1" "$2" "$KEY2"; else req "$1" "$2" "$KEY2" "{\"definition\":$VALID}"; fi
	t_expect_json "other org: $r" 404 "$NOWF"
done
req GET "/api/workflows?projectId=$PROJ" "$KEY2"
t_expect_json "other org: list by the first org's project" 404 "$NOPROJ"
req POST /api/workflows "$KEY2" "{\"projectId\":\"$PROJ\",\"name\":\"intruder\"}"
t_expect_json "other org: create in the first org's project" 404 "$NOPROJ"
req GET /api/workflows "$KEY2"
t_expect_json "other org: list is empty" 200 '{"items":[],"nextCursor":null}'
after=$(curl -sS -H "Authorization: Bearer $KEY" "$T_BASE/api/workflows/$WF")
t_eq "other org changed nothing" "$after" "$before"

# -------------------------------------------------------------- archive
req POST "/api/workflows/$WF/archive" "$KEY" ''
t_eq "archive: 200 archived" "$T_STATUS|$(jf .status)|$(jf .liveVersion)" "200|archived|2"
req POST "/api/workflows/$WF/archive" "$KEY" ''
t_eq "archive again: 200" "$T_STATUS|$(jf .status)" "200|archived"
req PUT "/api/workflows/$WF/draft" "$KEY" "{\"definition\":$VALID}"
t_expect_json "draft after archive: 409" 409 "$(conflict 'Workflow is archived')"
req POST "/api/workflows/$WF/publish" "$KEY" '{}'
t_expect_json "publish after archive: 409" 409 "$(conflict 'Workflow is archived')"

# --------------------------------------------------------------- audit
events=$(sqlite3 "$T_DATA/rensei.db" "SELECT event_type FROM audit_events WHERE entity_id = '$WF' ORDER BY seq" 2>/dev/null | tr '\n' ' ')
t_eq "audit: one event per change, in order" "$events" \
	"workflow.created workflow.draft_updated workflow.draft_updated workflow.published workflow.draft_updated workflow.draft_updated workflow.published workflow.archived "

# --------------------------------------------------------------- deploy
DEP='{"apiVersion":"v1.1","kind":"WorkflowDefinition","metadata":{"name":"dev-flow"},"phases":[{"name":"dev","template":"development"}],"transitions":[]}'
req POST /api/workflows/deploy "$KEY" "$DEP"
t_eq "deploy: 201" "$T_STATUS" 201
t_eq "deploy: id, name, version" "$(jq -c '[.id,.name,.version]' <<<"$T_BODY")" '["dev-flow","dev-flow",1]'
C1=$(jf .createdAt)
t_req POST /api/workflows/deploy -H "Authorization: Bearer $KEY" -H 'Content-Type: application/x-yaml' \
	--data-binary $'apiVersion: v1.1\nkind: WorkflowDefinition\nmetadata: {name: dev-flow}\nphases: []\ntransitions: []\n'
t_eq "redeploy as YAML: version 2, createdAt kept" "$T_STATUS|$(jf .version)|$(jf .createdAt)" "201|2|$C1"
req POST /api/workflows/deploy "$KEY" '{"apiVersion":"v1","kind":"WorkflowDefinition","metadata":{"name":""},"transitions":[{"from":"a","to":"b","priority":1.5}]}'
t_eq "deploy invalid: 400 details" "$T_STATUS|$(jq -c '[.error,.message,[.details[]|[.code,.path]]]' <<<"$T_BODY")" \
	'400|["Bad Request","Invalid workflow definition",[["invalid_literal",["apiVersion"]],["too_small",["metadata","name"]],["invalid_type",["transitions",0,"priority"]],["invalid_type",["phases"]]]]'
req POST /api/workflows/deploy "$KEY" 'not json'
t_expect_json "deploy unparsable" 400 "$(bad 'Invalid request body: unable to parse JSON or YAML')"
t_req POST /api/workflows/deploy -H "Authorization: Bearer $KEY" -H 'Content-Type: text/yaml' --data-binary $'a: &x 1\nb: *x\n'
t_expect_json "deploy YAML alias" 400 "$(bad 'Invalid request body: unable to parse JSON or YAML')"
req POST /api/workflows/deploy "$KEY_RO" "$DEP"
t_expect_json "deploy with workflows:read: F2" 403 "$F2W"
req POST /api/workflows/deploy "" "$DEP"
t_expect_json "deploy without credential" 401 "$U6"

# ------------------------------------------------- roles: J and cookies
F3='{"error":"Forbidden","message":"Insufficient role"}'
F4='{"error":"Forbidden","message":"Cross-origin request rejected"}'
# M2M JWT (01-auth.md §10), HS256 with the stack's M2M secret.
CID=$(admin m2m create --org "$RENSEI_ORG_ID" --name wf --scopes 'workflows:read,workflows:write' | jq -r '.clientId // .id')
t_match "fixture: m2m client" "$CID" '^m2m_[0-9a-f]{32}$'
JWT=$(python3 - "$T_DATA/m2m_hs256.key" "$CID" "$RENSEI_ORG_ID" <<'PY'
import base64, hashlib, hmac, json, sys, time
key = bytes.fromhex(open(sys.argv[1]).read().strip())
b = lambda s: base64.urlsafe_b64encode(s).rstrip(b'=').decode()
now = int(time.time())
claims = {"iss": "rensei-platform", "aud": "rensei-api", "sub": sys.argv[2],
          "client_id": sys.argv[2], "org_id": sys.argv[3], "workspace_id": sys.argv[3],
          "scopes": ["workflows:read", "workflows:write"],
          "scope": "workflows:read workflows:write", "iat": now, "exp": now + 600,
          "jti": "0" * 32}
h = b(b'{"alg":"HS256","typ":"at+jwt"}')
p = b(json.dumps(claims, separators=(",", ":")).encode())
print(h + '.' + p + '.' + b(hmac.new(key, (h + '.' + p).encode(), hashlib.sha256).digest()))
PY
)
req GET "/api/workflows/$WFY" "$JWT"
t_eq "J: read by scope" "$T_STATUS" 200
req PUT "/api/workflows/$WFY/draft" "$JWT" "{\"definition\":$VALID}"
t_eq "J: draft save by scope" "$T_STATUS|$(jf .draft.updatedBy)" "200|$CID"
req POST "/api/workflows/$WFY/publish" "$JWT" '{}'
t_expect_json "J: publish is F3" 403 "$F3"
req POST "/api/workflows/$WFY/archive" "$JWT" ''
t_expect_json "J: archive is F3" 403 "$F3"
req POST /api/workflows/deploy "$JWT" "$DEP"
t_expect_json "J: deploy is F3" 403 "$F3"

# login USER_EMAIL ROLE: a user with that org role; prints the cookie value.
login() {
	admin user create --email "$1" --password 'correct horse battery staple' >/dev/null
	admin member add --org "$RENSEI_ORG_ID" --email "$1" --role "$2" >/dev/null
	curl -sS -D - -o /dev/null -H 'Content-Type: application/json' \
		--data-binary "{\"email\":\"$1\",\"password\":\"correct horse battery staple\"}" \
		"$T_BASE/api/auth/login" | tr -d '\r' | sed -n 's/^[Ss]et-[Cc]ookie: rensei_session=\([^;]*\).*/\1/p'
}
# creq METHOD PATH COOKIE [BODY]: cookie request with our Origin.
creq() {
	local args=(-H "Cookie: rensei_session=$3" -H "Origin: $RENSEI_BASE_URL")
	[ $# -ge 4 ] && args+=(-H 'Content-Type: application/json' --data-binary "$4")
	t_req "$1" "$2" "${args[@]}"
}
AUD=$(login auditor@example.com auditor)
VIEW=$(login viewer@example.com viewer)
t_match "fixture: auditor cookie" "$AUD" '.'
creq GET "/api/workflows/$WFY" "$AUD"
t_eq "auditor: reads (project viewer)" "$T_STATUS" 200
creq POST "/api/workflows/$WFY/validate" "$AUD" '{}'
t_expect_json "auditor: validate is F3" 403 "$F3"
creq POST /api/workflows "$AUD" "{\"projectId\":\"$PROJ\",\"name\":\"by auditor\"}"
t_expect_json "auditor: create is F3" 403 "$F3"
creq POST "/api/workflows/$WFY/publish" "$AUD" '{}'
t_expect_json "auditor: publish is F3" 403 "$F3"
wfy_before=$(curl -sS -H "Authorization: Bearer $KEY" "$T_BASE/api/workflows/$WFY")
creq PUT "/api/workflows/$WFY/draft" "$AUD" '{"definition":'
t_expect_json "auditor: draft with a broken body is F3 (role first)" 403 "$F3"
creq PUT "/api/workflows/$WFY/draft" "$AUD" "{\"definition\":{\"a\":1}}"
t_expect_json "auditor: draft save is F3" 403 "$F3"
creq POST "/api/workflows/$WFY/archive" "$AUD" ''
t_expect_json "auditor: archive is F3" 403 "$F3"
t_eq "auditor's refused calls changed nothing" "$(curl -sS -H "Authorization: Bearer $KEY" "$T_BASE/api/workflows/$WFY")" "$wfy_before"
t_req PUT "/api/workflows/$WFY/draft" -H "Cookie: rensei_session=$AUD" -H 'Origin: https://evil.example' \
	-H 'Content-Type: application/json' --data-binary "{\"definition\":$VALID}"
t_expect_json "cookie with a foreign Origin: F4" 403 "$F4"
creq GET "/api/workflows/$WFY" "$VIEW"
t_expect_json "org viewer without project membership: 404" 404 "$NOWF"
creq GET /api/workflows "$VIEW"
t_expect_json "org viewer: empty list" 200 '{"items":[],"nextCursor":null}'
