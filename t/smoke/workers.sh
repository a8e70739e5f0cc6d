#!/usr/bin/env bash
# workers.sh: the worker routes of 02-worker-protocol.md §5.1 and the v1
# daemon routes of §5.3 through real nginx: examples X1-X5 and X15 (status
# and body exact; ids, tokens and times by pattern), the list summary, and
# hostile input on every route (malformed JSON, wrong types, negative and
# huge numbers, U+0000, a 2 MiB body, an alg:none JWT, another worker's
# token), each checked to change nothing.
. "$(dirname "$0")/../lib.sh"

t_require_bin rensei-workers
t_require_bin rensei-daemon
t_stack_up

REG=$RENSEI_REGISTRATION_TOKEN
KEY=$RENSEI_API_KEY
ADMIN=$RENSEI_ADMIN_BIN
ISO='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z'
WID='wkr_[0-9a-f]{12}4[0-9a-f]{3}'
JWT='eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}'

U1='{"error":"Unauthorized","message":"Invalid or missing API key"}'
U2='{"error":"Unauthorized","message":"Runtime token expired"}'
U3='{"error":"Unauthorized","message":"Invalid runtime token"}'
F1='{"error":"Forbidden","message":"Token does not belong to this worker"}'
F2REG='{"error":"Forbidden","message":"Missing required scope: worker:register"}'
BADJSON='{"error":"Bad Request","message":"Invalid JSON body"}'
TOOBIG='{"error":"Payload Too Large","message":"Request body too large"}'
NOWORKER='{"error":"Not Found","message":"Worker not found"}'
bad() { printf '{"error":"Bad Request","message":"%s"}' "$1"; }

# post PATH TOKEN BODY [curl args...]: a JSON POST (TOKEN "" = none).
post() {
	local path=$1 tok=$2 body=$3
	shift 3
	local auth=()
	[ -n "$tok" ] && auth=(-H "Authorization: Bearer $tok")
	t_req POST "$path" "${auth[@]}" -H 'Content-Type: application/json' \
		-H 'User-Agent: rensei-daemon/0.4.0-dev' --data-binary "$body" "$@"
}
# post_file PATH TOKEN FILE
post_file() {
	t_req POST "$1" -H "Authorization: Bearer $2" -H 'Content-Type: application/json' \
		--data-binary "@$3"
}
get() { t_req GET "$1" -H "Authorization: Bearer $2"; }
jfield() { jq -r "$1" <<<"$T_BODY" 2>/dev/null || true; }

# The runtime-JWT secret of the stack, to forge tokens with (01-auth.md §6).
# jwt_sign PAYLOAD [HEADER]
jwt_sign() {
	python3 - "$T_DATA/runtime_jwt.key" "$1" "${2:-{\"alg\":\"HS256\",\"typ\":\"JWT\"}}" <<'PY'
import base64, hashlib, hmac, sys
key = bytes.fromhex(open(sys.argv[1]).read().strip())
b = lambda s: base64.urlsafe_b64encode(s).rstrip(b'=').decode()
h, p = b(sys.argv[3].encode()), b(sys.argv[2].encode())
print(h + '.' + p + '.' + b(hmac.new(key, (h + '.' + p).encode(), hashlib.sha256).digest()))
PY
}
# jwt_payload TOKEN: the decoded claims.
jwt_payload() {
	python3 -c 'import base64,sys; s=sys.argv[1].split(".")[1]; print(base64.urlsafe_b64decode(s+"="*(-len(s)%4)).decode())' "$1"
}

# Workers visible to the org-wide key, and one worker's row.
worker_count() {
	get /api/workers "$KEY"
	jfield .summary.totalWorkers
}
worker_row() {
	get "/api/workers/$1" "$KEY"
	printf '%s' "$T_BODY"
}

get /api/workers "$KEY"
t_expect_json "GET /api/workers before any registration" 200 \
	'{"workers":[],"summary":{"totalWorkers":0,"activeWorkers":0,"totalCapacity":0,"totalActive":0,"availableCapacity":0,"queueLength":0}}'

# ------------------------------------------------------------------- X1
X1_BODY='{"machineId":"machine-test-host","hostname":"test-host","capacity":4,"version":"0.4.0-dev","provides":[{"kind":"native"}]}'
before_ms=$(t_now_ms)
post /api/workers/register "$REG" "$X1_BODY"
after_ms=$(t_now_ms)
t_eq "X1 register: status" "$T_STATUS" 201
t_match "X1 register: body shape and order" "$T_BODY" \
	"^\\{\"workerId\":\"$WID\",\"heartbeatInterval\":30000,\"pollInterval\":5000,\"runtimeToken\":\"$JWT\",\"runtimeTokenExpiresAt\":\"$ISO\",\"runtimeJwt\":\"$JWT\",\"heartbeatIntervalSeconds\":30,\"pollIntervalSeconds\":5\\}\$"
t_match "X1 register: Content-Type JSON" "$(t_header Content-Type)" '^application/json'
t_eq "X1 register: Cache-Control" "$(t_header Cache-Control)" "no-store"
t_eq "X1 register: Pragma" "$(t_header Pragma)" "no-cache"
W1=$(jfield .workerId)
RT=$(jfield .runtimeToken)
t_eq "X1 register: runtimeJwt = runtimeToken" "$(jfield .runtimeJwt)" "$RT"
claims=$(jwt_payload "$RT")
iat=$(jq -r .iat <<<"$claims")
t_eq "X1 token: sub is the worker" "$(jq -r .sub <<<"$claims")" "$W1"
t_eq "X1 token: org" "$(jq -r .org <<<"$claims")" "$RENSEI_ORG_ID"
t_eq "X1 token: proj is the token's project (a string)" "$(jq -r .proj <<<"$claims")" "$RENSEI_PROJECT_ID"
t_match "X1 token: reg is the registration token id" "$(jq -r .reg <<<"$claims")" '^rtk_'
t_eq "X1 token: scope" "$(jq -c .scope <<<"$claims")" '["worker:poll","worker:heartbeat","worker:session"]'
t_eq "X1 token: exp = iat + 3600" "$(jq -r '.exp - .iat' <<<"$claims")" 3600
t_eq "X1 token: claim order" "$(jq -c 'keys_unsorted' <<<"$claims")" \
	'["iss","aud","sub","org","proj","reg","scope","iat","exp","jti"]'
t_eq "X1 register: runtimeTokenExpiresAt is exp" "$(date -u -d "$(jfield .runtimeTokenExpiresAt)" +%s)" \
	"$((iat + 3600))"
t_between "X1 token: iat is now" "$iat" $((before_ms / 1000)) $((after_ms / 1000))

get "/api/workers/$W1" "$KEY"
t_eq "X1 GET /api/workers/{id}: 200" "$T_STATUS" 200
row=$T_BODY
t_match "X1 stored worker: WorkerInfo in order" "$row" \
	"^\\{\"id\":\"$W1\",\"hostname\":\"test-host\",\"capacity\":4,\"activeCount\":0,\"registeredAt\":[0-9]{13},\"lastHeartbeat\":[0-9]{13},\"status\":\"active\",\"version\":\"0.4.0-dev\",\"activeSessions\":\\[\\],\"machineId\":\"machine-test-host\",\"provides\":\\[\\{\"kind\":\"native\"\\}\\]\\}\$"
t_eq "X1 stored worker: registeredAt = lastHeartbeat" \
	"$(jq -r '.registeredAt == .lastHeartbeat' <<<"$row")" true
t_between "X1 stored worker: registeredAt is now" "$(jq -r .registeredAt <<<"$row")" "$before_ms" "$after_ms"

# ------------------------------------------------------------------- X2
post /api/workers/register "rsp_live_$(printf '%064d' 0 | tr 0 a)" '{"hostname":"build-01","capacity":4}'
t_expect_json "X2 unknown registration token" 401 "$U1"
t_eq "X2: WWW-Authenticate" "$(t_header WWW-Authenticate)" 'Bearer realm="rensei", error="invalid_token"'
post /api/workers/register "$REG" '{"hostname":"build-01","capacity":0,"version":"1.0.0","projects":["smoke-alpha"]}'
t_expect_json "X2 capacity 0" 400 "$(bad 'capacity must be a positive number')"
t_eq "X2: nothing registered" "$(worker_count)" 1

# ------------------------------------------------------------------- X3
post "/api/workers/$W1/heartbeat" "$RT" '{"status":"idle","activeCount":0,"maxSessions":4,"load":{"cpu":12.5,"memory":40.1}}'
t_eq "X3 heartbeat: status" "$T_STATUS" 200
t_match "X3 heartbeat: body" "$T_BODY" "^\\{\"acknowledged\":true,\"serverTime\":\"$ISO\",\"pendingWorkCount\":0\\}\$"
row=$(worker_row "$W1")
t_eq "X3: reportedStatus, maxSessions and load stored" \
	"$(jq -c '[.status, .reportedStatus, .maxSessions, .capacity, .load]' <<<"$row")" \
	'["active","idle",4,4,{"cpu":12.5,"memory":40.1}]'
t_eq "X3: lastHeartbeat moved past registeredAt or equal" \
	"$(jq -r '.lastHeartbeat >= .registeredAt' <<<"$row")" true

# pendingWorkCount and queueLength count a queued session of the project.
if "$ADMIN" --data "$T_DATA" --json session enqueue --project "$RENSEI_PROJECT_ID" \
	--issue SUP-123 --prompt 'Add retry banner' >/dev/null 2>&1; then
	post "/api/workers/$W1/heartbeat" "$RT" '{"activeCount":0}'
	t_match "heartbeat counts the queued session" "$T_BODY" \
		"^\\{\"acknowledged\":true,\"serverTime\":\"$ISO\",\"pendingWorkCount\":1\\}\$"
	get /api/workers "$KEY"
	t_eq "list: queueLength counts the queued session" "$(jfield .summary.queueLength)" 1
	QUEUED=1
else
	t_log "session enqueue unavailable: pendingWorkCount 1 not checked"
	QUEUED=0
fi

# ------------------------------------------------------------------- X4
exp_claims=$(jq -c --argjson now "$(date +%s)" '.iat = $now - 3660 | .exp = $now - 61' <<<"$claims")
RT_OLD=$(jwt_sign "$exp_claims")
post "/api/workers/$W1/heartbeat" "$RT_OLD" '{"activeCount":1,"maxSessions":4}'
t_expect_json "X4 heartbeat with an expired token" 401 "$U2"
t_eq "X4: WWW-Authenticate" "$(t_header WWW-Authenticate)" 'Bearer realm="rensei", error="invalid_token"'
REFRESH="^\\{\"workerId\":\"$W1\",\"runtimeToken\":\"$JWT\",\"runtimeTokenExpiresAt\":\"$ISO\",\"heartbeatInterval\":30000,\"pollInterval\":5000,\"runtimeJwt\":\"$JWT\",\"heartbeatIntervalSeconds\":30,\"pollIntervalSeconds\":5,\"expiresAt\":\"$ISO\"\\}\$"
post "/api/workers/$W1/refresh-token" "$REG" '{}'
t_eq "X4 refresh with the registration token: status" "$T_STATUS" 200
t_match "X4 refresh: body" "$T_BODY" "$REFRESH"
t_eq "X4 refresh: expiresAt = runtimeTokenExpiresAt" "$(jfield '.expiresAt == .runtimeTokenExpiresAt')" true
t_eq "X4 refresh: runtimeJwt = runtimeToken" "$(jfield '.runtimeJwt == .runtimeToken')" true
t_eq "X4 refresh: Cache-Control" "$(t_header Cache-Control)" "no-store"
t_eq "X4 refresh: Pragma" "$(t_header Pragma)" "no-cache"
RT2=$(jfield .runtimeToken)
t_eq "X4 refresh: same worker in the new token" "$(jwt_payload "$RT2" | jq -r .sub)" "$W1"
post "/api/workers/$W1/refresh-token" "$RT_OLD" 'ignored, not even JSON'
t_eq "X4 self-refresh with the expired token: status" "$T_STATUS" 200
t_match "X4 self-refresh: body" "$T_BODY" "$REFRESH"
RT=$(jfield .runtimeToken)
post "/api/workers/$W1/heartbeat" "$RT" '{"activeCount":1,"maxSessions":4}'
t_eq "X4 heartbeat with the refreshed token: 200" "$T_STATUS" 200
# Past exp + WORKER_TTL + leeway even self-refresh is over.
too_old=$(jwt_sign "$(jq -c --argjson now "$(date +%s)" '.iat = $now - 7200 | .exp = $now - 361' <<<"$claims")")
post "/api/workers/$W1/refresh-token" "$too_old" '{}'
t_expect_json "self-refresh past exp + WORKER_TTL" 401 "$U2"

# ------------------------------------------------------------------- X5
GHOST=wkr_0f3a9c2e1b4d4a6c
ghost_rt=$(jwt_sign "$(jq -c --arg s "$GHOST" --argjson now "$(date +%s)" '.sub = $s | .iat = $now | .exp = $now + 3600' <<<"$claims")")
post "/api/workers/$GHOST/heartbeat" "$ghost_rt" '{"activeCount":0}'
t_expect_json "X5 heartbeat of an unknown worker" 404 "$NOWORKER"
post "/api/workers/$GHOST/heartbeat" "$RT" '{"activeCount":0}'
t_expect_json "X5 another worker's token" 403 "$F1"

# ------------------------------------------------------------------ X15
X15_REG=$(printf '{"hostname":"mac-studio","version":"0.1.0","maxAgents":8,"capabilities":["local","sandbox","workarea"],"activeAgentCount":0,"status":"idle","registrationToken":"%s"}' "$REG")
post /v1/daemon/register "" "$X15_REG" -H 'User-Agent: rensei-daemon/0.1.0'
t_eq "X15 v1 register: status" "$T_STATUS" 201
t_match "X15 v1 register: body" "$T_BODY" \
	"^\\{\"workerId\":\"$WID\",\"runtimeJwt\":\"$JWT\",\"heartbeatIntervalSeconds\":30,\"pollIntervalSeconds\":5,\"runtimeToken\":\"$JWT\",\"runtimeTokenExpiresAt\":\"$ISO\"\\}\$"
t_eq "X15 v1 register: runtimeJwt = runtimeToken" "$(jfield '.runtimeJwt == .runtimeToken')" true
t_eq "X15 v1 register: Cache-Control" "$(t_header Cache-Control)" "no-store"
W3=$(jfield .workerId)
RT3=$(jfield .runtimeToken)
row=$(worker_row "$W3")
t_eq "X15: stored as a worker of capacity maxAgents" \
	"$(jq -c '[.hostname, .capacity, .status, .version, .capabilities, .reportedStatus]' <<<"$row")" \
	'["mac-studio",8,"active","0.1.0",["local","sandbox","workarea"],"idle"]'
X15_HB=$(printf '{"workerId":"%s","hostname":"mac-studio","status":"idle","activeSessions":0,"maxSessions":8,"capabilities":["local","sandbox","workarea"],"version":"0.1.0","sentAt":"2026-05-01T18:05:00Z"}' "$W3")
post /v1/daemon/heartbeat "$RT3" "$X15_HB"
t_eq "X15 v1 heartbeat: status" "$T_STATUS" 200
t_match "X15 v1 heartbeat: body" "$T_BODY" \
	"^\\{\"acknowledged\":true,\"serverTime\":\"$ISO\",\"pendingWorkCount\":[01],\"ok\":true,\"serverTimeMs\":[0-9]{13}\\}\$"
t_eq "X15 v1 heartbeat: serverTimeMs is serverTime" \
	"$(date -u -d "$(jfield .serverTime)" +%s%3N)" "$(jfield .serverTimeMs)"
t_eq "X15 v1 heartbeat: pendingWorkCount as pre-v1" "$(jfield .pendingWorkCount)" "$QUEUED"
# The Bearer header when the body carries no token.
post /v1/daemon/register "$REG" '{"hostname":"bearer-host"}'
t_eq "v1 register with the Bearer header: 201" "$T_STATUS" 201
W4=$(jfield .workerId)
t_eq "v1 register: maxAgents defaults to 1" "$(worker_row "$W4" | jq -r .capacity)" 1

# ------------------------------------------------- legacy key, Deprecation
post /api/workers/register "$WORKER_API_KEY" '{"hostname":"legacy-host","capacity":2}'
t_eq "legacy register: 201" "$T_STATUS" 201
t_eq "legacy register: Deprecation" "$(t_header Deprecation)" "true"
t_eq "legacy token: reg legacy, all projects" \
	"$(jwt_payload "$(jfield .runtimeToken)" | jq -c '[.reg, has("proj")]')" '["legacy",false]'
W5=$(jfield .workerId)

# ------------------------------------------------------------- list summary
# W1 (4, heartbeat said maxSessions 4), W3 (8), W4 (1), W5 (2): all active.
get /api/workers "$KEY"
t_eq "list: status" "$T_STATUS" 200
t_eq "list: order is registeredAt, then id" \
	"$(jfield '[.workers[].id] == ([.workers[] | {registeredAt, id}] | sort_by(.registeredAt, .id) | map(.id))')" true
t_eq "list: the four workers" "$(jfield '[.workers[].id] | sort | join(",")')" \
	"$(printf '%s\n' "$W1" "$W3" "$W4" "$W5" | sort | paste -sd,)"
t_match "list: summary numbers" "$(jq -c .summary <<<"$T_BODY")" \
	"^\\{\"totalWorkers\":4,\"activeWorkers\":4,\"totalCapacity\":15,\"totalActive\":0,\"availableCapacity\":15,\"queueLength\":$QUEUED\\}\$"
t_match "list: body keys" "$T_BODY" '^\{"workers":\[\{"id":.*\],"summary":\{'
# A project-scoped registration token sees only workers bound to its projects.
get /api/workers "$REG"
t_eq "list through the registration token: W1 and W3 and W4 (its project)" \
	"$(jfield '[.workers[].id] | sort | join(",")')" "$(printf '%s\n' "$W1" "$W3" "$W4" | sort | paste -sd,)"
# Draining shows in the list and the summary.
post "/api/workers/$W4/heartbeat" "$KEY" '{"activeCount":0,"status":"draining"}'
t_eq "heartbeat draining through the org key: 200" "$T_STATUS" 200
get /api/workers "$KEY"
t_eq "list: draining worker shown draining" \
	"$(jq -r --arg w "$W4" '.workers[] | select(.id == $w) | .status' <<<"$T_BODY")" draining
t_eq "list: a draining worker is not counted active" "$(jq -c '.summary | [.activeWorkers, .totalCapacity]' <<<"$T_BODY")" '[3,14]'

# ------------------------------------------------------------------ hostile
count_before=$(worker_count)
row_before=$(worker_row "$W1")
NONE_JWT="$(printf '{"alg":"none","typ":"JWT"}' | base64 -w0 | tr '+/' '-_' | tr -d '=').$(printf '%s' "$claims" | base64 -w0 | tr '+/' '-_' | tr -d '=')."
head -c $((2 * 1024 * 1024)) /dev/zero | tr '\0' ' ' >"$T_TMP/big.json"
printf '{"hostname":"' >"$T_TMP/big2.json"
head -c $((2 * 1024 * 1024)) /dev/zero | tr '\0' 'a' >>"$T_TMP/big2.json"
printf '","capacity":1}' >>"$T_TMP/big2.json"

# register
post /api/workers/register "$REG" '{"hostname":'
t_expect_json "register: truncated JSON" 400 "$BADJSON"
post /api/workers/register "$REG" '[{"hostname":"h","capacity":1}]'
t_expect_json "register: top-level array" 400 "$BADJSON"
post /api/workers/register "$REG" '{"hostname":"h","hostname":"g","capacity":1}'
t_expect_json "register: duplicate member" 400 "$BADJSON"
post /api/workers/register "$REG" '{"hostname":"h\u0000x","capacity":1}'
t_expect_json "register: U+0000 in a string" 400 "$BADJSON"
post /api/workers/register "$REG" $'{"hostname":"h\xff","capacity":1}'
t_expect_json "register: invalid UTF-8" 400 "$BADJSON"
post /api/workers/register "$REG" "$(printf '%.0s[' $(seq 1 40))"
t_expect_json "register: deep nesting" 400 "$BADJSON"
post /api/workers/register "$REG" '{"hostname":5,"capacity":4}'
t_expect_json "register: hostname a number" 400 "$(bad 'hostname is required')"
post /api/workers/register "$REG" '{"hostname":"","capacity":4}'
t_expect_json "register: empty hostname" 400 "$(bad 'hostname is required')"
post /api/workers/register "$REG" "{\"hostname\":\"$(printf 'h%.0s' $(seq 1 256))\",\"capacity\":4}"
t_expect_json "register: hostname of 256 bytes" 400 "$(bad 'hostname is too long')"
post /api/workers/register "$REG" '{"hostname":"h","capacity":"4"}'
t_expect_json "register: capacity a string" 400 "$(bad 'capacity must be a positive number')"
post /api/workers/register "$REG" '{"hostname":"h","capacity":-1}'
t_expect_json "register: capacity negative" 400 "$(bad 'capacity must be a positive number')"
post /api/workers/register "$REG" '{"hostname":"h","capacity":0.5}'
t_expect_json "register: capacity 0.5" 400 "$(bad 'capacity must be a positive number')"
post /api/workers/register "$REG" '{"hostname":"h","capacity":null}'
t_expect_json "register: capacity null" 400 "$(bad 'capacity must be a positive number')"
post /api/workers/register "$REG" '{"hostname":"h","capacity":-1e400}'
t_expect_json "register: capacity -1e400" 400 "$(bad 'capacity must be a positive number')"
post /api/workers/register "$REG" '{"hostname":"h","capacity":4,"projects":"smoke-alpha"}'
t_expect_json "register: projects a string" 400 "$(bad 'projects must be an array of strings')"
post /api/workers/register "$REG" '{"hostname":"h","capacity":4,"projects":[1]}'
t_expect_json "register: projects with a number" 400 "$(bad 'projects must be an array of strings')"
post /api/workers/register "$REG" "{\"hostname\":\"h\",\"capacity\":4,\"version\":\"$(printf 'v%.0s' $(seq 1 65))\"}"
t_expect_json "register: version of 65 bytes" 400 "$(bad 'version is too long')"
post /api/workers/register "$REG" "{\"hostname\":\"h\",\"capacity\":4,\"provides\":[$(printf '1,%.0s' $(seq 1 32))1]}"
t_expect_json "register: 33 provides" 400 "$(bad 'provides is too long')"
post /api/workers/register "$REG" '{"hostname":"h","capacity":4,"projectId":"no-such-project"}'
t_expect_json "register: projectId outside the credential" 404 '{"error":"Not Found","message":"Project not found"}'
post_file /api/workers/register "$REG" "$T_TMP/big2.json"
t_expect_json "register: 2 MiB body" 413 "$TOOBIG"
post /api/workers/register "$NONE_JWT" '{"hostname":"h","capacity":4}'
t_expect_json "register: alg none JWT" 401 "$U3"
post /api/workers/register "$RT" '{"hostname":"h","capacity":4}'
t_expect_json "register: a runtime JWT is no registration credential" 403 "$F2REG"
post /api/workers/register "stub.offline" '{"hostname":"h","capacity":4}'
t_expect_json "register: stub token" 401 "$U3"
post /api/workers/register "" '{"hostname":"h","capacity":4}'
t_expect_json "register: no credential" 401 "$U1"
t_eq "register: hostile input registered nothing" "$(worker_count)" "$count_before"

# heartbeat
HB=/api/workers/$W1/heartbeat
post "$HB" "$RT" '{"activeCount":'
t_expect_json "heartbeat: truncated JSON" 400 "$BADJSON"
post "$HB" "$RT" '{"activeCount":"1"}'
t_expect_json "heartbeat: activeCount a string" 400 "$(bad 'activeCount must be a non-negative number')"
post "$HB" "$RT" '{"activeCount":-1}'
t_expect_json "heartbeat: activeCount negative" 400 "$(bad 'activeCount must be a non-negative number')"
post "$HB" "$RT" '{}'
t_expect_json "heartbeat: activeCount missing" 400 "$(bad 'activeCount must be a non-negative number')"
post "$HB" "$RT" '{"activeCount":0,"status":"a\u0000"}'
t_expect_json "heartbeat: U+0000" 400 "$BADJSON"
post_file "$HB" "$RT" "$T_TMP/big.json"
t_expect_json "heartbeat: 2 MiB body" 413 "$TOOBIG"
post "$HB" "$NONE_JWT" '{"activeCount":0}'
t_expect_json "heartbeat: alg none JWT" 401 "$U3"
post "$HB" "$RT3" '{"activeCount":0}'
t_expect_json "heartbeat: another worker's token" 403 "$F1"
post "$HB" "$RT3" '{"activeCount":'
t_expect_json "heartbeat: F1 comes before the body" 403 "$F1"
t_eq "heartbeat: hostile input changed nothing" "$(worker_row "$W1")" "$row_before"
post "$HB" "$RT" '{"activeCount":1e400,"maxSessions":1e400,"status":"bogus","load":{"cpu":"x","memory":1}}'
t_eq "heartbeat: huge numbers are clamped: 200" "$T_STATUS" 200
t_eq "heartbeat: clamped to int32, bad status and load ignored" \
	"$(worker_row "$W1" | jq -c '[.activeCount, .maxSessions, .capacity, .reportedStatus, .load]')" \
	'[2147483647,2147483647,2147483647,"idle",{"cpu":12.5,"memory":40.1}]'
post "$HB" "$RT" '{"activeCount":0,"maxSessions":4}'
row_before=$(worker_row "$W1")

# refresh-token
RF=/api/workers/$W1/refresh-token
post "$RF" "$NONE_JWT" '{}'
t_expect_json "refresh: alg none JWT" 401 "$U3"
post "$RF" "$RT3" '{}'
t_expect_json "refresh: another worker's token" 403 "$F1"
post "/api/workers/$GHOST/refresh-token" "$REG" '{}'
t_expect_json "refresh: unknown worker" 404 "$NOWORKER"
post "$RF" "rsk_live_$(printf '%064d' 0)" '{}'
t_expect_json "refresh: unknown key" 401 "$U1"
t_eq "refresh: hostile input changed nothing" "$(worker_row "$W1")" "$row_before"

# list, get
get /api/workers "$NONE_JWT"
t_expect_json "list: alg none JWT" 401 "$U3"
get "/api/workers/$W1" "$RT3"
t_expect_json "get: another worker's token" 403 "$F1"
get "/api/workers/$GHOST" "$KEY"
t_expect_json "get: unknown worker" 404 "$NOWORKER"
get "/api/workers/%00" "$KEY"
t_match "get: NUL in the path is refused" "$T_STATUS" '^40[04]$'
t_req HEAD "/api/workers/$W1" -H "Authorization: Bearer $KEY"
t_eq "HEAD get: 200" "$T_STATUS" 200
t_eq "HEAD get: no body" "$T_BODY" ""

# v1 register
post /v1/daemon/register "" '{"hostname":'
t_expect_json "v1 register: truncated JSON" 400 "$BADJSON"
post /v1/daemon/register "$REG" '{"hostname":'
t_expect_json "v1 register: the body is read before the token" 400 "$BADJSON"
post /v1/daemon/register "" '{"hostname":"h"}'
t_expect_json "v1 register: no token" 401 "$U1"
post /v1/daemon/register "" "{\"hostname\":\"h\",\"registrationToken\":\"$NONE_JWT\"}"
t_expect_json "v1 register: alg none JWT in the body" 401 "$U3"
post /v1/daemon/register "" "{\"hostname\":\"h\",\"registrationToken\":\"$RT\"}"
t_expect_json "v1 register: a runtime JWT is no registration credential" 403 "$F2REG"
post /v1/daemon/register "" "{\"hostname\":\"h\",\"registrationToken\":\"rsp_live_$(printf '%064d' 0)\"}"
t_expect_json "v1 register: unknown token in the body" 401 "$U1"
post /v1/daemon/register "" "{\"hostname\":5,\"registrationToken\":\"$REG\"}"
t_expect_json "v1 register: hostname a number" 400 "$(bad 'hostname is required')"
post /v1/daemon/register "" "{\"hostname\":\"h\",\"maxAgents\":0,\"registrationToken\":\"$REG\"}"
t_expect_json "v1 register: maxAgents 0" 400 "$(bad 'maxAgents must be a positive number')"
post /v1/daemon/register "" "{\"hostname\":\"h\",\"maxAgents\":-1e400,\"registrationToken\":\"$REG\"}"
t_expect_json "v1 register: maxAgents -1e400" 400 "$(bad 'maxAgents must be a positive number')"
post /v1/daemon/register "" "{\"hostname\":\"h\u0000\",\"registrationToken\":\"$REG\"}"
t_expect_json "v1 register: U+0000" 400 "$BADJSON"
post_file /v1/daemon/register "$REG" "$T_TMP/big2.json"
t_expect_json "v1 register: 2 MiB body" 413 "$TOOBIG"
t_eq "v1 register: hostile input registered nothing" "$(worker_count)" "$count_before"

# v1 heartbeat
row3=$(worker_row "$W3")
post /v1/daemon/heartbeat "$RT3" '{"workerId":'
t_expect_json "v1 heartbeat: truncated JSON" 400 "$BADJSON"
post /v1/daemon/heartbeat "$RT3" '{"activeSessions":0}'
t_expect_json "v1 heartbeat: no workerId" 400 "$(bad 'workerId is required')"
post /v1/daemon/heartbeat "$RT3" "{\"workerId\":\"$W3\",\"activeSessions\":-1}"
t_expect_json "v1 heartbeat: activeSessions negative" 400 "$(bad 'activeSessions must be a non-negative number')"
post /v1/daemon/heartbeat "$RT3" "{\"workerId\":\"$W1\"}"
t_expect_json "v1 heartbeat: another worker's id" 403 "$F1"
post /v1/daemon/heartbeat "$NONE_JWT" "{\"workerId\":\"$W3\"}"
t_expect_json "v1 heartbeat: alg none JWT" 401 "$U3"
post /v1/daemon/heartbeat "" "{\"workerId\":\"$W3\"}"
t_expect_json "v1 heartbeat: no credential" 401 "$U1"
post /v1/daemon/heartbeat "$KEY" "{\"workerId\":\"$GHOST\"}"
t_expect_json "v1 heartbeat: unknown worker" 404 "$NOWORKER"
post_file /v1/daemon/heartbeat "$RT3" "$T_TMP/big.json"
t_expect_json "v1 heartbeat: 2 MiB body" 413 "$TOOBIG"
t_eq "v1 heartbeat: hostile input changed nothing" "$(worker_row "$W3")" "$row3"

# --------------------------------------------------------------- delete
t_req DELETE "/api/workers/$W1" -H "Authorization: Bearer $RT3"
t_expect_json "delete: another worker's token" 403 "$F1"
t_req DELETE "/api/workers/$W1" -H "Authorization: Bearer $NONE_JWT"
t_expect_json "delete: alg none JWT" 401 "$U3"
t_req DELETE "/api/workers/$GHOST" -H "Authorization: Bearer $KEY"
t_expect_json "delete: unknown worker" 404 "$NOWORKER"
t_eq "delete: hostile input removed nothing" "$(worker_count)" "$count_before"
t_req DELETE "/api/workers/$W1" -H "Authorization: Bearer $RT"
t_expect_json "delete with the worker's own token" 200 '{"deregistered":true,"unclaimedSessions":[]}'
get "/api/workers/$W1" "$KEY"
t_expect_json "deleted worker: gone" 404 "$NOWORKER"
post "/api/workers/$W1/heartbeat" "$RT" '{"activeCount":0}'
t_expect_json "deleted worker: heartbeat 404" 404 "$NOWORKER"
post "/api/workers/$W1/refresh-token" "$REG" '{}'
t_expect_json "deleted worker: refresh 404" 404 "$NOWORKER"
t_req DELETE "/api/workers/$W5" -H "Authorization: Bearer $KEY"
t_eq "delete through the org key: 200" "$T_STATUS" 200
t_eq "deletes leave two workers" "$(worker_count)" $((count_before - 2))

# ------------------------------------- revoked registration credential
# A token revoked after registering: no new registrations and no
# self-refresh (01-auth.md §5.3); the worker's runtime JWT runs on.
t2=$("$ADMIN" --data "$T_DATA" --json token create --project "$RENSEI_PROJECT_ID" --name revoke-me)
T2=$(jq -r .secret <<<"$t2")
T2_ID=$(jq -r .tokenId <<<"$t2")
post /api/workers/register "$T2" '{"hostname":"soon-revoked","capacity":1}'
t_eq "register with a second token: 201" "$T_STATUS" 201
W6=$(jfield .workerId)
RT6=$(jfield .runtimeToken)
sqlite3 "$T_DATA/rensei.db" "UPDATE registration_tokens SET revoked_at = $(t_now_ms) WHERE id = '$T2_ID'"
post /api/workers/register "$T2" '{"hostname":"build-01","capacity":4}'
t_expect_json "X2 revoked registration token" 401 "$U1"
post /v1/daemon/register "" "{\"hostname\":\"h\",\"registrationToken\":\"$T2\"}"
t_expect_json "v1 register with the revoked token" 401 "$U1"
post "/api/workers/$W6/refresh-token" "$RT6" '{}'
t_expect_json "self-refresh after the token was revoked" 401 "$U3"
post "/api/workers/$W6/heartbeat" "$RT6" '{"activeCount":0}'
t_eq "the runtime JWT still heartbeats: 200" "$T_STATUS" 200

# ------------------------------------------------------ onboarding mode
# A user key that is no registration credential, with a body projectId
# (01-auth.md §5.3): a CLI key (role admin) holding org_keys:write.
ob=$("$ADMIN" --data "$T_DATA" --json key create --org "$RENSEI_ORG_ID" --name onboarding \
	--scopes org_keys:write,sessions:read)
OBK=$(jq -r .secret <<<"$ob")
OBK_ID=$(jq -r .keyId <<<"$ob")
post /api/workers/register "$OBK" '{"hostname":"console-host","capacity":1}'
t_expect_json "onboarding key without projectId" 403 "$F2REG"
post /api/workers/register "$OBK" '{"hostname":"console-host","capacity":1,"projectId":"no-such-project"}'
t_expect_json "onboarding key, unknown project" 404 '{"error":"Not Found","message":"Project not found"}'
post /api/workers/register "$OBK" "{\"hostname\":\"console-host\",\"capacity\":1,\"projectId\":\"$RENSEI_PROJECT_ID\"}"
t_eq "onboarding key with projectId: 201" "$T_STATUS" 201
t_eq "onboarding token: reg is the key, proj the project" \
	"$(jwt_payload "$(jfield .runtimeToken)" | jq -c '[.reg, .proj, .scope]')" \
	"[\"$OBK_ID\",\"$RENSEI_PROJECT_ID\",[\"worker:poll\",\"worker:heartbeat\",\"worker:session\"]]"
post /api/workers/register "$OBK" '{"hostname":"console-host","capacity":1,"projectId":'
t_expect_json "onboarding: the body is parsed first" 400 "$BADJSON"

# ----------------------------------------------------------------- audit
audit=$("$ADMIN" --data "$T_DATA" --json audit verify --org "$RENSEI_ORG_ID" 2>/dev/null || true)
t_eq "audit chain still verifies" "$(jq -r '(.valid // (.items // .)[0].valid)' <<<"$audit" 2>/dev/null)" true
n_reg=$(sqlite3 "$T_DATA/rensei.db" "SELECT count(*) FROM audit_events WHERE event_type = 'worker.registered'" 2>/dev/null || echo '?')
t_eq "one worker.registered per registration" "$n_reg" 6
n_ref=$(sqlite3 "$T_DATA/rensei.db" "SELECT count(*) FROM audit_events WHERE event_type = 'worker.token_refreshed'" 2>/dev/null || echo '?')
t_eq "one worker.token_refreshed per refresh" "$n_ref" 2
n_del=$(sqlite3 "$T_DATA/rensei.db" "SELECT count(*) FROM audit_events WHERE event_type = 'worker.deregistered'" 2>/dev/null || echo '?')
t_eq "one worker.deregistered per delete" "$n_del" 2
