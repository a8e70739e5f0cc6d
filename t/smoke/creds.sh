#!/usr/bin/env bash
# creds.sh: the worker credential routes through real nginx
# (02-worker-protocol.md §7, X17, X18; 01-auth.md §1.2, §8, §15): the
# snapshot's precedence and blocklist, its headers and audit, the
# cross-tenant 403 and every other error in check order; rotate; the
# rotate-stream served by `rensei-workers --streams` (UPDATE within a few
# seconds of a CLI write, rotate fan-out, shadowed writes sending nothing,
# Last-Event-ID resume, the end when the session is terminal, the registry)
# and the 503 when its one slot (RENSEI_CREDENTIAL_STREAMS=1) is taken.
# Values never reach a log or an audit payload.
. "$(dirname "$0")/../lib.sh"

t_require_bin rensei-workers
export RENSEI_CREDENTIAL_STREAMS=1
t_stack_up
ADMIN=("$RENSEI_ADMIN_BIN" --data "$T_DATA")
DB=$T_DATA/rensei.db
ORG=$RENSEI_ORG_ID PROJ=$RENSEI_PROJECT_ID

sql() { sqlite3 -batch -noheader "$DB" "$1"; }

post() {
	local path=$1 tok=$2 body=$3
	shift 3
	t_req POST "$path" -H "Authorization: Bearer $tok" \
		-H 'Content-Type: application/json' --data-binary "$body" "$@"
}

register() {
	post /api/workers/register "$1" '{"hostname":"smoke-host","capacity":2}'
	WID=$(jq -r .workerId <<<"$T_BODY" 2>/dev/null || true)
	RT=$(jq -r .runtimeJwt <<<"$T_BODY" 2>/dev/null || true)
	[ "$T_STATUS" = 201 ] && [ -n "$WID" ] && [ "$RT" != null ]
}

# cred_set [--project P [--env E]] NAME VALUE: the CLI, value on stdin.
cred_set() {
	local args=() value
	while [ $# -gt 2 ]; do args+=("$1"); shift; done
	value=$2
	printf '%s' "$value" | "${ADMIN[@]}" credential set --org "$ORG" "${args[@]}" --name "$1" >/dev/null 2>"$T_TMP/cli.err"
}

ISO='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z'
SNAP="/api/daemon/credentials/snapshot"
ROT="/api/daemon/credentials/rotate"
STREAM="/api/daemon/credentials/rotate-stream"
U1='{"error":"Unauthorized","message":"Invalid or missing API key"}'
F7='{"error":"Forbidden","message":"Session is owned by another worker"}'
CROSS='{"error":"Forbidden","message":"orgId does not match the authenticated organization"}'
bad() { printf '{"error":"Bad Request","message":"%s"}' "$1"; }

# ------------------------------------------------------------- sessions
t_ok "worker 1 registers" register "$RENSEI_REGISTRATION_TOKEN"
W1=$WID RT1=$RT
"${ADMIN[@]}" --json session enqueue --project default --issue CRD-1 >"$T_TMP/enq" 2>&1 || true
S=$(jq -r .trackerSessionId "$T_TMP/enq" 2>/dev/null || true)
t_req GET "/api/workers/$W1/poll" -H "Authorization: Bearer $RT1"
t_eq "worker 1 polls the session" "$(jq -r '.work[0].sessionId' <<<"$T_BODY" 2>/dev/null)" "$S"
post "/api/sessions/$S/status" "$RT1" "{\"workerId\":\"$W1\",\"status\":\"running\"}"
t_eq "worker 1 reports running" "$T_STATUS" 200
t_ok "worker 2 registers" register "$RENSEI_REGISTRATION_TOKEN"
W2=$WID RT2=$RT

# ----------------------------------------------------------- the store
cred_set LINEAR_API_KEY lin_org
cred_set --project "$PROJ" LINEAR_API_KEY lin_alpha
cred_set --project "$PROJ" GITHUB_TOKEN ghp_alpha
cred_set --project "$PROJ" --env staging GITHUB_TOKEN ghp_staging
t_eq "the CLI stored four credentials" "$(sql "SELECT count(*) FROM credentials")" 4
t_not "the CLI refuses a blocklisted name" cred_set WORKER_API_KEY leaked
# A row stored before the blocklist grew (only the store can hold one).
sql "INSERT INTO credentials (id, org_id, name, value_sealed, created_at, updated_at)
     VALUES ('cred_OLDBLOCKLISTEDROW00000000', '$ORG', 'WORKER_API_KEY', randomblob(48), 0, 0)"

# ------------------------------------------------------------------ X17
t0=$(t_now_ms)
post "$SNAP" "$RT1" "{\"orgId\":\"$ORG\",\"projectId\":\"$PROJ\",\"sessionId\":\"$S\"}"
t_eq "X17 production: status" "$T_STATUS" 200
t_match "X17 production: body" "$T_BODY" "^\\{\"env\":\\{\"GITHUB_TOKEN\":\"ghp_alpha\",\"LINEAR_API_KEY\":\"lin_alpha\"\\},\"refreshUntil\":\"$ISO\"\\}\$"
t_eq "X17: Cache-Control" "$(t_header Cache-Control)" "no-store"
t_eq "X17: Pragma" "$(t_header Pragma)" "no-cache"
t_match "X17: JSON" "$(t_header Content-Type)" '^application/json'
until_ms=$(( $(date -d "$(jq -r .refreshUntil <<<"$T_BODY")" +%s%3N) ))
t_between "X17: refreshUntil = now + 3600 s (ms off)" $((until_ms - t0 - 3600000)) -5000 5000
post "$SNAP" "$RT1" "{\"orgId\":\"$ORG\",\"envName\":\"staging\",\"sessionId\":\"$S\"}"
t_match "X17 staging, project from the session" "$T_BODY" "^\\{\"env\":\\{\"GITHUB_TOKEN\":\"ghp_staging\",\"LINEAR_API_KEY\":\"lin_alpha\"\\},\"refreshUntil\":\"$ISO\"\\}\$"
post "$SNAP" "$RT1" "{\"orgId\":\"org_other\",\"projectId\":\"$PROJ\",\"sessionId\":\"$S\"}"
t_expect_json "X17 cross-tenant" 403 "$CROSS"
post "$SNAP" "$RT1" "{\"orgId\":\"$ORG\",\"projectId\":\"$PROJ\",\"envName\":\"qa\",\"sessionId\":\"$S\"}"
t_match "an environment without rows: no fallback to staging" "$T_BODY" '^\{"env":\{"GITHUB_TOKEN":"ghp_alpha","LINEAR_API_KEY":"lin_alpha"\},'

t_eq "credential.revealed per snapshot" "$(sql "SELECT count(*) FROM audit_events WHERE event_type = 'credential.revealed'")" 3
t_eq "credential.revealed payload (staging)" \
	"$(sql "SELECT payload FROM audit_events WHERE event_type = 'credential.revealed' ORDER BY seq LIMIT 1 OFFSET 1")" \
	"{\"channel\":\"snapshot\",\"envName\":\"staging\",\"names\":[\"GITHUB_TOKEN\",\"LINEAR_API_KEY\"],\"projectId\":\"$PROJ\",\"sessionId\":\"$S\"}"
t_eq "credential.revealed actor and entity" \
	"$(sql "SELECT actor_type || ':' || actor_id || ':' || entity_type || ':' || entity_id FROM audit_events WHERE event_type = 'credential.revealed' LIMIT 1")" \
	"worker:$W1:session:$S"

# An org-wide API key (`*` implies worker:session) needs no session and
# may name the project by slug.
post "$SNAP" "$RENSEI_API_KEY" "{\"orgId\":\"$ORG\",\"projectId\":\"default\"}"
t_match "API key, project slug, no session" "$T_BODY" '^\{"env":\{"GITHUB_TOKEN":"ghp_alpha","LINEAR_API_KEY":"lin_alpha"\},'
t_eq "revealed by the key, about the project" \
	"$(sql "SELECT actor_type || ':' || entity_type || ':' || entity_id || ':' || (json_extract(payload, '$.sessionId') IS NULL) FROM audit_events WHERE event_type = 'credential.revealed' ORDER BY seq DESC LIMIT 1")" \
	"api_key:project:$PROJ:1"

# ------------------------------------------------------ snapshot errors
"${ADMIN[@]}" --json project create --org "$ORG" --name "Second" >"$T_TMP/p2" 2>&1 || true
P2=$(jq -r '.id // empty' "$T_TMP/p2" 2>/dev/null || true)
"${ADMIN[@]}" --json key create --org "$ORG" --name reader --scopes sessions:read >"$T_TMP/k" 2>&1 || true
READER=$(jq -r '.secret // empty' "$T_TMP/k" 2>/dev/null || true)
before=$(sql "SELECT count(*) FROM audit_events")
post "$SNAP" "$RT1" '{"orgId":'
t_expect_json "snapshot: invalid JSON" 400 "$(bad "Invalid JSON body")"
post "$SNAP" "$RT1" "{\"orgId\":\"$ORG\",\"orgId\":\"$ORG\",\"sessionId\":\"$S\"}"
t_expect_json "snapshot: duplicate member" 400 "$(bad "Invalid JSON body")"
post "$SNAP" "$RT1" "{\"orgId\":\"o\\u0000\",\"sessionId\":\"$S\"}"
t_expect_json "snapshot: \\u0000" 400 "$(bad "Invalid JSON body")"
post "$SNAP" "$RT1" "{\"projectId\":\"$PROJ\",\"sessionId\":\"$S\"}"
t_expect_json "snapshot: no orgId" 400 "$(bad "orgId is required")"
post "$SNAP" "$RT1" "{\"orgId\":7,\"sessionId\":\"$S\"}"
t_expect_json "snapshot: orgId a number" 400 "$(bad "orgId is required")"
post "$SNAP" "$RT1" "{\"orgId\":\"$ORG\",\"envName\":\"Bad\"}"
t_expect_json "snapshot: no projectId nor sessionId (before envName)" 400 "$(bad "projectId is required")"
post "$SNAP" "$RT1" "{\"orgId\":\"$ORG\",\"projectId\":\"$PROJ\",\"envName\":\"Bad\"}"
t_expect_json "snapshot: bad envName (before sessionId)" 400 "$(bad 'envName must match ^[a-z0-9][a-z0-9_-]{0,47}$')"
post "$SNAP" "$RT1" "{\"orgId\":\"$ORG\",\"projectId\":\"$PROJ\",\"envName\":5,\"sessionId\":\"$S\"}"
t_expect_json "snapshot: envName a number" 400 "$(bad 'envName must match ^[a-z0-9][a-z0-9_-]{0,47}$')"
post "$SNAP" "$RT1" "{\"orgId\":\"$ORG\",\"projectId\":\"$PROJ\"}"
t_expect_json "snapshot: runtime JWT without sessionId" 400 "$(bad "sessionId is required")"
post "$SNAP" "$RT1" "{\"orgId\":\"org_other\",\"projectId\":\"nope\",\"sessionId\":\"nope\"}"
t_expect_json "snapshot: cross-tenant before project and session" 403 "$CROSS"
post "$SNAP" "$RT1" "{\"orgId\":\"$ORG\",\"projectId\":\"nope\",\"sessionId\":\"$S\"}"
t_expect_json "snapshot: unknown project" 404 '{"error":"Not Found","message":"Project not found"}'
post "$SNAP" "$RT1" "{\"orgId\":\"$ORG\",\"projectId\":\"$P2\",\"sessionId\":\"$S\"}"
t_expect_json "snapshot: a project outside the worker's" 404 '{"error":"Not Found","message":"Project not found"}'
post "$SNAP" "$RENSEI_API_KEY" "{\"orgId\":\"$ORG\",\"projectId\":\"$P2\",\"sessionId\":\"$S\"}"
t_expect_json "snapshot: a session of another project" 404 '{"error":"Not Found","message":"Session not found"}'
post "$SNAP" "$RT1" "{\"orgId\":\"$ORG\",\"projectId\":\"$PROJ\",\"sessionId\":\"unknown-1\"}"
t_expect_json "snapshot: unknown session" 404 '{"error":"Not Found","message":"Session not found"}'
post "$SNAP" "$RT2" "{\"orgId\":\"$ORG\",\"projectId\":\"$PROJ\",\"sessionId\":\"$S\"}"
t_expect_json "snapshot: another worker's session (F7)" 403 "$F7"
# Credentials this group refuses (01-auth.md §8): U1.
post "$SNAP" "$RENSEI_REGISTRATION_TOKEN" "{\"orgId\":\"$ORG\",\"projectId\":\"$PROJ\"}"
t_expect_json "snapshot: registration token (U1)" 401 "$U1"
post "$SNAP" "$WORKER_API_KEY" "{\"orgId\":\"$ORG\",\"projectId\":\"$PROJ\"}"
t_expect_json "snapshot: legacy key (U1)" 401 "$U1"
t_req POST "$SNAP" -H "Cookie: rensei_session=$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')" \
	--data-binary "{\"orgId\":\"$ORG\",\"projectId\":\"$PROJ\"}"
t_expect_json "snapshot: only a cookie (U1)" 401 "$U1"
post "$SNAP" "$READER" "{\"orgId\":\"$ORG\",\"projectId\":\"$PROJ\"}"
t_expect_json "snapshot: key without worker:session (F2)" 403 '{"error":"Forbidden","message":"Missing required scope: worker:session"}'
t_eq "snapshot errors append nothing" "$(sql "SELECT count(*) FROM audit_events")" "$before"

# --------------------------------------------------------------- rotate
post "$ROT" "$RT1" "{\"orgId\":\"$ORG\",\"kind\":\"GITHUB_TOKEN\"}"
t_expect_json "rotate: runtime JWT (F3)" 403 '{"error":"Forbidden","message":"Insufficient role"}'
post "$ROT" "$RENSEI_API_KEY" "{\"kind\":\"GITHUB_TOKEN\"}"
t_expect_json "rotate: no orgId" 400 "$(bad "orgId is required")"
post "$ROT" "$RENSEI_API_KEY" "{\"orgId\":\"$ORG\"}"
t_expect_json "rotate: no kind" 400 "$(bad "kind is required")"
post "$ROT" "$RENSEI_API_KEY" "{\"orgId\":\"$ORG\",\"kind\":\"not a name\"}"
t_expect_json "rotate: kind not a credential name" 400 "$(bad "kind is required")"
post "$ROT" "$RENSEI_API_KEY" "{\"orgId\":\"org_other\",\"kind\":\"GITHUB_TOKEN\"}"
t_expect_json "rotate: cross-tenant" 403 "$CROSS"
post "$ROT" "$RENSEI_API_KEY" "{\"orgId\":\"$ORG\",\"kind\":\"NOT_STORED\"}"
t_expect_json "rotate: unknown name" 404 '{"error":"Not Found","message":"Credential not found"}'
post "$ROT" "$RENSEI_API_KEY" "{\"orgId\":\"$ORG\",\"kind\":\"WORKER_API_KEY\"}"
t_expect_json "rotate: blocklisted name" 404 '{"error":"Not Found","message":"Credential not found"}'
post "$ROT" "$RENSEI_API_KEY" "{\"orgId\":\"$ORG\",\"kind\":\"LINEAR_API_KEY\"}"
t_eq "rotate without streams: status" "$T_STATUS" 200
t_match "rotate without streams: body" "$T_BODY" "^\\{\"ok\":true,\"kind\":\"LINEAR_API_KEY\",\"sessionCount\":0,\"rotatedAt\":\"$ISO\"\\}\$"
t_eq "credential.rotated" "$(sql "SELECT payload FROM audit_events WHERE event_type = 'credential.rotated' ORDER BY seq DESC LIMIT 1")" \
	'{"name":"LINEAR_API_KEY","sessionCount":0}'

# ---------------------------------------------------------- X18 stream
# stream_open NAME TOKEN QUERY [curl args]: curl -N in the background.
stream_open() {
	local name=$1 tok=$2 q=$3
	shift 3
	curl -sN -D "$T_TMP/$name.h" -o "$T_TMP/$name.out" --max-time 120 \
		-H "Authorization: Bearer $tok" "$@" "$T_BASE$STREAM?$q" &
	eval "PID_$name=\$!"
}
events_in() {
	local n
	n=$(grep -c '^event: UPDATE' "$T_TMP/$1.out" 2>/dev/null) || true
	echo "${n:-0}"
}
events_ge() { [ "$(events_in "$1")" -ge "$2" ]; }
has_line() { grep -qxF -- "$2" "$T_TMP/$1.out" 2>/dev/null; }
stream_data() { grep '^data: ' "$T_TMP/$1.out" | sed -n "${2}p" | sed 's/^data: //'; }

revealed_before=$(sql "SELECT count(*) FROM audit_events WHERE event_type = 'credential.revealed'")
stream_open a "$RT1" "sessionId=$S"
t_ok "X18: ': connected' arrives at once" t_wait 5 has_line a ": connected"
hdr() { tr -d '\r' <"$T_TMP/a.h" | grep -qix -- "$1"; }
t_ok "X18: 200" hdr 'HTTP/1.1 200 OK'
t_ok "X18: Content-Type: text/event-stream" hdr 'Content-Type: text/event-stream'
t_ok "X18: Cache-Control: no-store" hdr 'Cache-Control: no-store'
t_ok "X18: Pragma: no-cache" hdr 'Pragma: no-cache'
t_not "X18: no Content-Length" grep -qi '^Content-Length' "$T_TMP/a.h"
t_eq "X18: one live registry row" "$(sql "SELECT session_id || ':' || project_id || ':' || env_name FROM credential_streams")" "$S:$PROJ:production"

cred_set --project "$PROJ" GITHUB_TOKEN ghp_alpha2
t_ok "X18: UPDATE within 5 s of the CLI write" t_wait 5 events_ge a 1
id1=$(grep '^id: ' "$T_TMP/a.out" | head -1 | sed 's/^id: //')
t_eq "X18: id is the rotation seq" "$id1" "$(sql "SELECT max(seq) FROM credential_rotations")"
t_match "X18: data" "$(stream_data a 1)" "^\\{\"type\":\"UPDATE\",\"sessionId\":\"$S\",\"delta\":\\{\"GITHUB_TOKEN\":\"ghp_alpha2\"\\},\"rotatedAt\":\"$ISO\"\\}\$"
t_eq "X18: credential.revealed before the event" \
	"$(sql "SELECT json_extract(payload, '$.channel') || ':' || json_extract(payload, '$.names') FROM audit_events WHERE event_type = 'credential.revealed' ORDER BY seq DESC LIMIT 1")" \
	'rotate_stream:["GITHUB_TOKEN"]'

# Shadowed (org-level, under the project's value) and other environments'
# writes send nothing; a rotate sends the current value even unchanged.
cred_set GITHUB_TOKEN ghp_org
cred_set --project "$PROJ" --env staging GITHUB_TOKEN ghp_staging2
post "$ROT" "$RENSEI_API_KEY" "{\"orgId\":\"$ORG\",\"kind\":\"LINEAR_API_KEY\"}"
t_match "rotate with the stream open: sessionCount 1" "$T_BODY" '^\{"ok":true,"kind":"LINEAR_API_KEY","sessionCount":1,'
t_ok "rotate: UPDATE with the current value" t_wait 5 events_ge a 2
sleep 1.5
t_eq "shadowed and other-environment writes sent nothing" "$(events_in a)" 2
t_match "rotate event data" "$(stream_data a 2)" "^\\{\"type\":\"UPDATE\",\"sessionId\":\"$S\",\"delta\":\\{\"LINEAR_API_KEY\":\"lin_alpha\"\\},"

# The slot is taken: the spare process answers 503 before any SSE byte.
t_req GET "$STREAM?sessionId=$S" -H "Authorization: Bearer $RT1"
t_expect_json "second stream with RENSEI_CREDENTIAL_STREAMS=1" 503 '{"error":"Service Unavailable","message":"Too many credential streams"}'
t_eq "503: Retry-After: 5" "$(t_header Retry-After)" 5
# Errors come before the slot (the spare process answers them).
t_req GET "$STREAM" -H "Authorization: Bearer $RT1"
t_expect_json "stream: no sessionId" 400 "$(bad "sessionId is required")"
t_req GET "$STREAM?sessionId=$S&envName=Bad" -H "Authorization: Bearer $RT1"
t_expect_json "stream: bad envName" 400 "$(bad 'envName must match ^[a-z0-9][a-z0-9_-]{0,47}$')"
t_req GET "$STREAM?sessionId=unknown-1" -H "Authorization: Bearer $RT1"
t_expect_json "stream: unknown session" 404 '{"error":"Not Found","message":"Session not found"}'
t_req GET "$STREAM?sessionId=$S" -H "Authorization: Bearer $RT2"
t_expect_json "stream: another worker's session (F7)" 403 "$F7"
t_req GET "$STREAM?sessionId=$S" -H "Authorization: Bearer $RENSEI_REGISTRATION_TOKEN"
t_expect_json "stream: registration token (U1)" 401 "$U1"
t_req HEAD "$STREAM?sessionId=$S" -H "Authorization: Bearer $RT1"
t_eq "stream: HEAD is 405" "$T_STATUS" 405
t_eq "stream: HEAD Allow: GET" "$(t_header Allow)" "GET"

# Closing: the process notices, frees the slot and deletes its row.
kill "$PID_a" 2>/dev/null || true
wait "$PID_a" 2>/dev/null || true
no_streams() { [ "$(sql "SELECT count(*) FROM credential_streams")" = 0 ]; }
t_ok "closed stream: registry row deleted" t_wait 5 no_streams

# An API key's stream ends once the key is revoked (checked at each poll).
"${ADMIN[@]}" --json key create --org "$ORG" --name streamer --scopes worker:session >"$T_TMP/k2" 2>&1 || true
SK=$(jq -r '.secret // empty' "$T_TMP/k2" 2>/dev/null || true)
SK_ID=$(jq -r '.keyId // empty' "$T_TMP/k2" 2>/dev/null || true)
stream_open k "$SK" "sessionId=$S&envName=staging"
t_ok "API key stream: connected" t_wait 5 has_line k ": connected"
"${ADMIN[@]}" key revoke --id "$SK_ID" >/dev/null 2>&1 || true
k_done() { ! t_alive "$PID_k"; }
t_ok "API key stream ends once the key is revoked" t_wait 8 k_done
t_ok "…and its registry row is gone" t_wait 5 no_streams

# Resume: a write while disconnected arrives at once after Last-Event-ID.
last=$(grep '^id: ' "$T_TMP/a.out" | tail -1 | sed 's/^id: //')
cred_set --project "$PROJ" GITHUB_TOKEN ghp_alpha3
stream_open b "$RT1" "sessionId=$S" -H "Last-Event-ID: $last"
t_ok "resume: the missed change arrives" t_wait 8 events_ge b 1
t_match "resume: data" "$(stream_data b 1)" '"delta":\{"GITHUB_TOKEN":"ghp_alpha3"\}'

# Silence: a keepalive comment after 15 s without output.
t_ok "keepalive after 15 s of silence" t_wait 20 has_line b ": keepalive"

# The session ends: so does the stream.
post "/api/sessions/$S/status" "$RT1" "{\"workerId\":\"$W1\",\"status\":\"completed\"}"
t_eq "worker 1 reports completed" "$T_STATUS" 200
b_done() { ! t_alive "$PID_b"; }
t_ok "stream ends once the session is terminal" t_wait 8 b_done
t_ok "…and its registry row is gone" t_wait 5 no_streams
t_eq "every UPDATE had its credential.revealed" \
	"$(sql "SELECT count(*) FROM audit_events WHERE event_type = 'credential.revealed'") " \
	"$((revealed_before + 3)) "

post "$SNAP" "$RT1" "{\"orgId\":\"$ORG\",\"sessionId\":\"$S\"}"
t_expect_json "snapshot: a completed session (409)" 409 '{"error":"Conflict","message":"Session is already completed"}'
t_req GET "$STREAM?sessionId=$S" -H "Authorization: Bearer $RT1"
t_expect_json "stream: a completed session (409)" 409 '{"error":"Conflict","message":"Session is already completed"}'

# ------------------------------------------------------------- secrecy
leak() { grep -rlE 'ghp_(alpha|staging|org)|lin_(org|alpha)' "$T_DATA/log" 2>/dev/null; }
t_not "no value in any log" leak
t_eq "no value in any audit payload" \
	"$(sql "SELECT count(*) FROM audit_events WHERE instr(payload, 'ghp_') > 0 OR instr(payload, 'lin_') > 0")" 0
