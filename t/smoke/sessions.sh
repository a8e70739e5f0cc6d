#!/usr/bin/env bash
# sessions.sh: poll and the /api/sessions routes of 02-worker-protocol.md
# §5.2 through real nginx: examples X6-X10, X12-X14 and X16 (status and
# body exact; ids and times by pattern), transfer-ownership, the list and
# read routes, the deprecated prompts routes, and hostile input on every
# route (malformed JSON, wrong types, huge numbers, U+0000, a 2 MiB body,
# another worker's token), each checked to change nothing.
. "$(dirname "$0")/../lib.sh"

t_require_bin rensei-workers
t_stack_up

REG=$RENSEI_REGISTRATION_TOKEN
KEY=$RENSEI_API_KEY
LEGACY=$WORKER_API_KEY
ADMIN=$RENSEI_ADMIN_BIN
DB=$T_DATA/rensei.db
ORG=$RENSEI_ORG_ID
PROJ=$RENSEI_PROJECT_ID
ISO='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z'
MS='[0-9]{13}'
UUID='[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}'

F1='{"error":"Forbidden","message":"Token does not belong to this worker"}'
F7='{"error":"Forbidden","message":"Session is owned by another worker"}'
BADJSON='{"error":"Bad Request","message":"Invalid JSON body"}'
TOOBIG='{"error":"Payload Too Large","message":"Request body too large"}'
NOSESSION='{"error":"Not Found","message":"Session not found"}'
NOWORKER='{"error":"Not Found","message":"Worker not found"}'
bad() { printf '{"error":"Bad Request","message":"%s"}' "$1"; }
conflict() { printf '{"error":"Conflict","message":"%s"}' "$1"; }

# post PATH TOKEN BODY [curl args...]
post() {
	local path=$1 tok=$2 body=$3
	shift 3
	local auth=()
	[ -n "$tok" ] && auth=(-H "Authorization: Bearer $tok")
	t_req POST "$path" "${auth[@]}" -H 'Content-Type: application/json' \
		--data-binary "$body" "$@"
}
post_file() {
	t_req POST "$1" -H "Authorization: Bearer $2" -H 'Content-Type: application/json' \
		--data-binary "@$3"
}
get() { t_req GET "$1" -H "Authorization: Bearer $2"; }
jfield() { jq -r "$1" <<<"$T_BODY" 2>/dev/null || true; }
jcompact() { jq -c "$1" <<<"$T_BODY" 2>/dev/null || true; }
q() { sqlite3 "$DB" "$1"; }
admin_quiet() { "$ADMIN" "$@" 2>/dev/null; }

# Everything a session route may change, as one digest.
state() {
	sqlite3 "$DB" "SELECT * FROM sessions ORDER BY 1; SELECT * FROM work_queue ORDER BY 1;
		SELECT * FROM work_claims ORDER BY 1; SELECT * FROM work_nacks ORDER BY 1, 2;
		SELECT * FROM issue_locks ORDER BY 1, 2; SELECT * FROM parked_work ORDER BY 1;
		SELECT * FROM inbox_messages ORDER BY 1; SELECT * FROM session_activities ORDER BY 1, 2;
		SELECT count(*) FROM audit_events;" | sha256sum
}

register() {
	post /api/workers/register "$REG" "{\"hostname\":\"$1\",\"capacity\":${2:-4}}"
	[ "$T_STATUS" = 201 ] || { t_fail "register $1" "$T_STATUS $T_BODY"; exit 1; }
}
enqueue() { # ISSUE PROMPT PRIORITY -> tracker id
	"$ADMIN" --data "$T_DATA" --json session enqueue --project "$PROJ" \
		--issue "$1" --prompt "$2" --priority "$3" | jq -r .trackerSessionId
}

register host-1
W1=$(jfield .workerId) RT1=$(jfield .runtimeToken)
register host-2
W2=$(jfield .workerId) RT2=$(jfield .runtimeToken)
SLUG=$(q "SELECT slug FROM projects WHERE id = '$PROJ'")

# ------------------------------------------------------------------ admin
out=$("$ADMIN" --data "$T_DATA" --json session enqueue --project "$PROJ" \
	--issue SUP-123 --prompt 'Add retry banner' --priority 2)
t_match "session enqueue: the 201 body of 04 §4.3" "$out" \
	"^\\{\"publicId\":\"[0-9a-f]{16}\",\"trackerSessionId\":\"$UUID\",\"sessionHash\":\"[0-9a-f]{32}\",\"status\":\"queued\",\"projectId\":\"$PROJ\",\"issueIdentifier\":\"SUP-123\",\"workType\":\"development\",\"priority\":2,\"createdAt\":\"$ISO\"\\}\$"
S=$(jq -r .trackerSessionId <<<"$out")
ISSUE=iss_$(printf '%s:%s' "$PROJ" SUP-123 | sha256sum | cut -c1-24)
t_eq "session enqueue: issueId from project and identifier" \
	"$(q "SELECT issue_id FROM sessions WHERE tracker_session_id = '$S'")" "$ISSUE"
t_eq "session enqueue: session.created by system/cli" \
	"$(q "SELECT actor_type || '/' || actor_id || ' ' || payload FROM audit_events WHERE event_type = 'session.created'")" \
	"system/cli {\"issueIdentifier\":\"SUP-123\",\"priority\":2,\"projectId\":\"$PROJ\",\"source\":\"cli\",\"workType\":\"development\"}"
t_not "session enqueue: bad priority refused" admin_quiet --data "$T_DATA" session enqueue \
	--project "$PROJ" --issue X-1 --priority 10
t_not "session enqueue: identifier with a space refused" admin_quiet --data "$T_DATA" session enqueue \
	--project "$PROJ" --issue 'X 1'
t_eq "session enqueue: refusals created nothing" "$(q 'SELECT count(*) FROM sessions')" 1

# -------------------------------------------------------------------- X6
QAT=$(q "SELECT queued_at FROM work_queue WHERE session_id = '$S'")
get "/api/workers/$W1/poll" "$RT1"
t_expect_json "X6 poll returning pre-claimed work" 200 \
	"{\"work\":[{\"sessionId\":\"$S\",\"issueId\":\"$ISSUE\",\"issueIdentifier\":\"SUP-123\",\"priority\":2,\"queuedAt\":$QAT,\"prompt\":\"Add retry banner\",\"workType\":\"development\",\"projectName\":\"$SLUG\",\"organizationId\":\"$ORG\"}],\"inboxMessages\":{},\"hasInboxMessages\":false,\"preClaimed\":true,\"claimedSessionIds\":[\"$S\"]}"
t_eq "X6: S claimed by W1 with a claim row, queue empty" \
	"$(q "SELECT s.status, s.worker_id, c.worker_id, (SELECT count(*) FROM work_queue) FROM sessions s JOIN work_claims c ON c.session_id = s.tracker_session_id")" \
	"claimed|$W1|$W1|0"
t_eq "X6: one session.claimed" "$(q "SELECT count(*) FROM audit_events WHERE event_type = 'session.claimed' AND session_id = '$S'")" 1

# -------------------------------------------------------------------- X7
get "/api/workers/$W1/poll" "$RT1"
t_expect_json "X7 empty poll" 200 \
	'{"work":[],"inboxMessages":{},"hasInboxMessages":false,"preClaimed":false,"claimedSessionIds":[]}'

# -------------------------------------------------------------------- X8
post "/api/sessions/$S/claim" "$LEGACY" "{\"workerId\":\"$W2\"}"
t_expect_json "X8 legacy claim of a taken item" 200 \
	'{"claimed":false,"reason":"Work item not available or already claimed"}'
t_eq "X8: Deprecation: true" "$(t_header Deprecation)" true

# ------------------------------------------------------------------- X14
post "/api/sessions/$S/nack" "$RT1" \
	"{\"workerId\":\"$W1\",\"reason\":\"project not in allowlist\",\"work\":{\"sessionId\":\"$S\",\"projectName\":\"$SLUG\",\"priority\":2,\"queuedAt\":$QAT,\"issueId\":\"$ISSUE\",\"issueIdentifier\":\"SUP-123\",\"workType\":\"development\"}}"
t_expect_json "X14 nack of a pre-claimed item" 200 '{"nacked":true}'
t_eq "X14: pending again, queued with its priority and queuedAt" \
	"$(q "SELECT s.status, s.worker_id IS NULL, q.priority, q.queued_at FROM sessions s JOIN work_queue q ON q.session_id = s.tracker_session_id")" \
	"pending|1|2|$QAT"
t_eq "X14: session.nacked with the reason" \
	"$(q "SELECT payload FROM audit_events WHERE event_type = 'session.nacked'")" \
	"{\"reason\":\"project not in allowlist\",\"workerId\":\"$W1\"}"
post "/api/sessions/$S/nack" "$RT1" "{\"workerId\":\"$W1\"}"
t_expect_json "nack of a pending session: idempotent" 200 '{"nacked":true}'
get "/api/workers/$W1/poll" "$RT1"
t_eq "X14: not offered again to W1" "$(jfield .claimedSessionIds)" '[]'
get "/api/workers/$W2/poll" "$RT2"
t_eq "X14: another worker's next poll receives it" "$(jcompact .claimedSessionIds)" "[\"$S\"]"

# ------------------------------------------------------ transfer-ownership
post "/api/sessions/$S/transfer-ownership" "$RT1" "{\"newWorkerId\":\"$W1\",\"oldWorkerId\":\"$W1\"}"
t_expect_json "transfer: owned by a different worker" 200 \
	"{\"transferred\":false,\"reason\":\"Session owned by different worker: $W2\"}"
post "/api/sessions/$S/transfer-ownership" "$RT1" "{\"newWorkerId\":\"$W2\",\"oldWorkerId\":\"$W2\"}"
t_expect_json "transfer: F1 for another newWorkerId" 403 "$F1"
post "/api/sessions/nope-$RANDOM/transfer-ownership" "$RT1" "{\"newWorkerId\":\"$W1\",\"oldWorkerId\":\"$W2\"}"
t_expect_json "transfer: unknown session" 200 '{"transferred":false,"reason":"Session not found"}'
post "/api/sessions/$S/transfer-ownership" "$RT1" "{\"newWorkerId\":\"$W1\",\"oldWorkerId\":\"$W2\"}"
t_eq "transfer: 200" "$T_STATUS" 200
t_match "transfer: {transferred:true, session}" "$T_BODY" \
	"^\\{\"transferred\":true,\"session\":\\{\"trackerSessionId\":\"$S\",.*\"status\":\"claimed\",.*\"workerId\":\"$W1\","
t_eq "transfer: the claim row moved" "$(q "SELECT worker_id FROM work_claims WHERE session_id = '$S'")" "$W1"

# --------------------------------------------- X7 (inbox message) and ack
NOW=$(t_now_ms)
q "INSERT INTO inbox_messages (id, session_id, seq, type, lane, payload, user_id, user_name, created_at)
   VALUES (17, '$S', 17, 'directive', 'normal', 'Also update the changelog', 'usr_8fK2', 'Ada', $NOW)"
get "/api/workers/$W1/poll" "$RT1"
t_expect_json "X7 poll with an inbox message" 200 \
	"{\"work\":[],\"inboxMessages\":{\"$S\":[{\"id\":\"$NOW-17\",\"type\":\"directive\",\"sessionId\":\"$S\",\"payload\":\"Also update the changelog\",\"userId\":\"usr_8fK2\",\"userName\":\"Ada\",\"createdAt\":$NOW,\"lane\":\"normal\"}]},\"hasInboxMessages\":true,\"preClaimed\":false,\"claimedSessionIds\":[]}"
get "/api/workers/$W1/poll" "$RT1"
t_eq "X7: delivered at most once" "$(jcompact .inboxMessages)" '{}'
post "/api/sessions/$S/inbox/ack" "$RT1" "{\"messageId\":\"$NOW-17\",\"lane\":\"urgent\"}"
t_expect_json "ack in the wrong lane still 200" 200 '{"acknowledged":true}'
t_eq "ack in the wrong lane changes nothing" "$(q 'SELECT acked_at IS NULL FROM inbox_messages WHERE id = 17')" 1
post "/api/sessions/$S/inbox/ack" "$RT1" "{\"messageId\":\"$NOW-17\",\"lane\":\"normal\"}"
t_expect_json "X7 ack" 200 '{"acknowledged":true}'
t_eq "X7 ack: ackedAt set" "$(q 'SELECT acked_at IS NOT NULL FROM inbox_messages WHERE id = 17')" 1
post "/api/sessions/$S/inbox/ack" "$RT1" '{"messageId":"0-0","lane":"normal"}'
t_expect_json "ack of an unknown id" 200 '{"acknowledged":true}'
post "/api/sessions/$S/inbox/ack" "$RT1" '{"lane":"normal"}'
t_expect_json "ack without messageId" 400 "$(bad 'messageId is required')"
post "/api/sessions/$S/inbox/ack" "$RT1" '{"messageId":"1-1","lane":"slow"}'
t_expect_json "ack with a bad lane" 400 "$(bad 'lane must be \"urgent\" or \"normal\"')"

# ------------------------------------------------------------------- X16
S2=$(enqueue SUP-200 'second' 3)
P=$(enqueue SUP-300 'pending one' 9)
get "/api/workers/$W1/poll" "$RT1"
t_eq "X16 setup: S2 claimed by W1" "$(q "SELECT status || ' ' || worker_id FROM sessions WHERE tracker_session_id = '$S2'")" "claimed $W1"
# W1 had room for both: release P (nack) so it is pending for X16.
post "/api/sessions/$P/nack" "$RT1" "{\"workerId\":\"$W1\"}"
t_eq "X16 setup: P pending" "$(q "SELECT status FROM sessions WHERE tracker_session_id = '$P'")" pending
before=$(state)
post "/api/sessions/$S2/status" "$RT1" "{\"workerId\":\"$W1\",\"status\":\"finalizing\"}"
t_expect_json "X16 claimed → finalizing" 409 "$(conflict 'Invalid status transition from claimed to finalizing')"
post "/api/sessions/$P/status" "$RT1" "{\"workerId\":\"$W1\",\"status\":\"completed\"}"
t_expect_json "X16 pending → completed" 409 "$(conflict 'Invalid status transition from pending to completed')"
t_eq "X16: nothing changed, no audit event" "$(state)" "$before"

# -------------------------------------------------------------------- X9
post "/api/sessions/$S/status" "$RT1" "{\"status\":\"running\",\"workerId\":\"$W1\"}"
t_eq "X9 running: status" "$T_STATUS" 200
t_match "X9 running: body" "$T_BODY" \
	"^\\{\"updated\":true,\"session\":\\{\"trackerSessionId\":\"$S\",\"trackerProvider\":\"rensei\",\"issueId\":\"$ISSUE\",\"issueIdentifier\":\"SUP-123\",\"providerSessionId\":null,\"worktreePath\":\"\",\"status\":\"running\",\"createdAt\":$MS,\"updatedAt\":$MS,\"workerId\":\"$W1\",\"queuedAt\":$QAT,\"claimedAt\":$MS,\"priority\":2,\"organizationId\":\"$ORG\",\"workType\":\"development\",\"projectName\":\"$SLUG\",\"projectId\":\"$PROJ\",\"publicId\":\"[0-9a-f]{16}\",\"sessionHash\":\"[0-9a-f]{32}\"\\}\\}\$"
t_eq "X9: session.status_changed reported" \
	"$(q "SELECT payload FROM audit_events WHERE event_type = 'session.status_changed' ORDER BY seq DESC LIMIT 1")" \
	'{"from":"claimed","promotedSessionId":null,"reason":"reported","to":"running"}'
get "/api/sessions/$S/status" "$KEY"
t_match "GET status: AgentSessionState" "$T_BODY" \
	"^\\{\"trackerSessionId\":\"$S\",.*\"status\":\"running\",.*\"sessionHash\":\"[0-9a-f]{32}\"\\}\$"

# ------------------------------------------------------------------- X10
post "/api/sessions/$S/lock-refresh" "$RT1" "{\"workerId\":\"$W1\",\"issueId\":\"$ISSUE\"}"
t_expect_json "X10 lock refresh" 200 '{"refreshed":true}'
post "/api/sessions/$S/lock-refresh" "$RT1" "{\"workerId\":\"$W1\",\"issueId\":\"other\"}"
t_expect_json "lock refresh of a lock not held" 200 '{"refreshed":false}'
post "/api/sessions/$S/lock-refresh" "$RT1" "{\"workerId\":\"$W1\"}"
t_expect_json "X10 missing issueId" 400 "$(bad 'workerId and issueId are required')"

# ------------------------------------------------------------------- X13
before=$(state)
post "/api/sessions/$S/status" "$LEGACY" "{\"workerId\":\"$W2\",\"status\":\"completed\"}"
t_expect_json "X13 wrong owner (legacy key)" 403 "$F7"
t_eq "X13: Deprecation: true" "$(t_header Deprecation)" true
post "/api/sessions/$S/status" "$RT1" "{\"workerId\":\"$W2\",\"status\":\"completed\"}"
t_expect_json "X13 foreign token" 403 "$F1"
post "/api/sessions/$S/status" "$RT1" "{\"workerId\":\"$W1\",\"status\":\"claimed\"}"
t_expect_json "X13 invalid status" 400 \
	"$(bad 'status must be one of: running, finalizing, completed, failed, stopped')"
post "/api/sessions/$S/lock-refresh" "$LEGACY" "{\"workerId\":\"$W2\",\"issueId\":\"$ISSUE\"}"
t_expect_json "lock refresh: owner-403" 403 "$F7"
t_eq "X13: nothing changed" "$(state)" "$before"

# ------------------------------------------------------------------- X12
post "/api/sessions/$S/completion" "$RT1" "{\"workerId\":\"$W1\",\"summary\":\"Implemented X; tests pass.\"}"
t_expect_json "X12 completion" 200 '{"posted":true,"partsPosted":1,"totalParts":1}'
X12='{"workerId":"'$W1'","status":"completed","providerSessionId":"c0ffee00-1111-4222-8333-444455556666","worktreePath":"/w/SUP-123","totalCostUsd":0.42,"inputTokens":1200,"outputTokens":340}'
post "/api/sessions/$S/status" "$RT1" "$X12"
t_eq "X12 completed: status" "$T_STATUS" 200
t_match "X12 completed: body" "$T_BODY" \
	"^\\{\"updated\":true,\"session\":\\{\"trackerSessionId\":\"$S\",\"trackerProvider\":\"rensei\",\"issueId\":\"$ISSUE\",\"issueIdentifier\":\"SUP-123\",\"providerSessionId\":\"c0ffee00-1111-4222-8333-444455556666\",\"worktreePath\":\"/w/SUP-123\",\"status\":\"completed\",\"createdAt\":$MS,\"updatedAt\":$MS,\"workerId\":\"$W1\",\"queuedAt\":$QAT,\"claimedAt\":$MS,\"priority\":2,\"organizationId\":\"$ORG\",\"workType\":\"development\",\"projectName\":\"$SLUG\",\"totalCostUsd\":0.42,\"inputTokens\":1200,\"outputTokens\":340,\"projectId\":\"$PROJ\",\"publicId\":\"[0-9a-f]{16}\",\"sessionHash\":\"[0-9a-f]{32}\",\"completedAt\":$MS\\}\\}\$"
first=$T_BODY
t_eq "X12: claim, lock and queue rows gone" \
	"$(q "SELECT (SELECT count(*) FROM work_claims WHERE session_id = '$S') + (SELECT count(*) FROM issue_locks WHERE session_id = '$S') + (SELECT count(*) FROM work_queue WHERE session_id = '$S')")" 0
before=$(state)
post "/api/sessions/$S/status" "$RT1" "$X12"
t_expect_json "X12 repeat: unchanged" 200 "$first"
t_eq "X12 repeat: nothing changed, no event" "$(state)" "$before"
post "/api/sessions/$S/status" "$RT1" "{\"workerId\":\"$W1\",\"status\":\"running\"}"
t_expect_json "X12 late running" 409 "$(conflict 'Session is already completed')"
post "/api/sessions/$S/nack" "$RT1" "{\"workerId\":\"$W1\"}"
t_expect_json "nack of a completed session" 409 "$(conflict 'Session is already completed')"
t_eq "X12: the durable row" "$(q "SELECT status, total_cost_micro_usd, input_tokens, output_tokens FROM sessions WHERE tracker_session_id = '$S'")" \
	"completed|420000|1200|340"

# ------------------------------------------------------- reads and lists
get "/api/sessions/$S" "$KEY"
t_match "GET session: {session: AgentSessionResponse}" "$T_BODY" \
	"^\\{\"session\":\\{\"id\":\"$S\",\"trackerSessionId\":\"$S\",\"linearSessionId\":\"$S\",\"issueId\":\"$ISSUE\",\"identifier\":\"SUP-123\",\"providerSessionId\":\"c0ffee00-1111-4222-8333-444455556666\",\"status\":\"completed\",\"createdAt\":\"$ISO\",\"updatedAt\":\"$ISO\",\"worktreePath\":\"/w/SUP-123\",\"workerId\":\"$W1\",\"queuedAt\":\"$ISO\",\"claimedAt\":\"$ISO\",\"publicId\":\"[0-9a-f]{16}\",\"sessionHash\":\"[0-9a-f]{32}\"\\}\\}\$"
get "/api/sessions/no-such-session" "$KEY"
t_expect_json "GET unknown session" 404 "$NOSESSION"
get "/api/sessions/bad%20id" "$KEY"
t_expect_json "GET ill-formed session id" 404 "$NOSESSION"
get "/api/sessions/no-such-session/status" "$RT1"
t_expect_json "GET unknown session status" 404 "$NOSESSION"
get /api/sessions "$KEY"
t_eq "list: 200" "$T_STATUS" 200
t_eq "list: newest updatedAt first" "$(jfield '[.sessions[].id] | join(",")')" \
	"$(q "SELECT group_concat(tracker_session_id) FROM (SELECT tracker_session_id FROM sessions ORDER BY updated_at DESC, tracker_session_id DESC)")"
t_match "list: count and timestamp" "$T_BODY" ",\"count\":3,\"timestamp\":\"$ISO\"\\}\$"
for l in 1 0 -5 abc 2.5 99999999999999999999; do
	get "/api/sessions?limit=$l" "$KEY"
	case $l in 1 | 0 | -5) want=1 ;; *) want=3 ;; esac
	t_eq "list limit=$l" "$(jfield .count)" "$want"
done

# Another org's session is invisible.
OTHER=$("$ADMIN" --data "$T_DATA" --json org create --name Other | jq -r '.id // .orgId')
OPROJ=$(q "SELECT id FROM projects WHERE org_id = '$OTHER' LIMIT 1")
OS=$("$ADMIN" --data "$T_DATA" --json session enqueue --project "$OPROJ" --issue O-1 | jq -r .trackerSessionId)
get "/api/sessions/$OS" "$KEY"
t_expect_json "another org's session: 404" 404 "$NOSESSION"
post "/api/sessions/$OS/status" "$RT1" "{\"workerId\":\"$W1\",\"status\":\"running\"}"
t_expect_json "another org's session: status 404" 404 "$NOSESSION"
post "/api/sessions/$OS/claim" "$RT1" "{\"workerId\":\"$W1\"}"
t_expect_json "another org's session: claim not available" 200 \
	'{"claimed":false,"reason":"Work item not available or already claimed"}'
get /api/sessions "$KEY"
t_eq "another org's session: not listed" "$(jfield .count)" 3

# ------------------------------------------------------------------ claim
C=$(enqueue SUP-400 'claim me' 4)
post "/api/sessions/$C/claim" "$RT2" "{\"workerId\":\"$W2\"}"
t_eq "claim: 200" "$T_STATUS" 200
t_match "claim: {claimed, session, work}" "$T_BODY" \
	"^\\{\"claimed\":true,\"session\":\\{\"trackerSessionId\":\"$C\",.*\"status\":\"claimed\",.*\\},\"work\":\\{\"sessionId\":\"$C\",.*\"priority\":4,.*\"organizationId\":\"$ORG\"\\}\\}\$"
post "/api/sessions/$C/claim" "$RT2" "{\"workerId\":\"$W2\"}"
t_expect_json "claim again" 200 '{"claimed":false,"reason":"Work item not available or already claimed"}'

# ---------------------------------------------------------------- prompts
get "/api/sessions/$C/prompts" "$RT1"
t_expect_json "GET prompts: 410" 410 \
	'{"error":"Gone","message":"Pending prompts endpoint is deprecated. Use agent inbox streams via poll response."}'
post "/api/sessions/$C/prompts" "$RT1" '{not json'
t_expect_json "POST prompts: 410 (body ignored)" 410 \
	'{"error":"Gone","message":"Prompt claiming is deprecated. Use /api/sessions/{id}/inbox/ack instead."}'
get "/api/sessions/$C/prompts" ""
t_eq "prompts: auth errors first" "$T_STATUS" 401

# ------------------------------------------------------------------- poll
t_req HEAD "/api/workers/$W1/poll" -H "Authorization: Bearer $RT1"
t_eq "HEAD poll: 405" "$T_STATUS" 405
t_eq "HEAD poll: Allow: GET" "$(t_header Allow)" GET
get "/api/workers/$W2/poll" "$RT1"
t_expect_json "poll of another worker's path: F1" 403 "$F1"
get "/api/workers/wkr_0f3a9c2e1b4d4a6c/poll" "$LEGACY"
t_expect_json "poll of an unknown worker" 404 "$NOWORKER"
get "/api/workers/$W1/poll" "$KEY"
t_eq "poll with an org key holding *: 200" "$T_STATUS" 200

# ---------------------------------------------------- hostile input, all
# Every POST route with a body, each hostile body; nothing may change.
H=$(enqueue SUP-500 'hostile' 5)
get "/api/workers/$W1/poll" "$RT1"
head -c $((2 * 1024 * 1024)) /dev/zero | tr '\0' 'a' >"$T_TMP/big"
printf '{"workerId":"%s","pad":"' "$W1" >"$T_TMP/big.json"
head -c $((2 * 1024 * 1024)) /dev/zero | tr '\0' 'a' >>"$T_TMP/big.json"
printf '"}' >>"$T_TMP/big.json"
before=$(state)
for route in claim status lock-refresh inbox/ack transfer-ownership nack; do
	p="/api/sessions/$H/$route"
	post "$p" "$RT1" '{"workerId":'
	t_expect_json "$route: truncated JSON" 400 "$BADJSON"
	post "$p" "$RT1" '[1,2]'
	t_expect_json "$route: top-level array" 400 "$BADJSON"
	post "$p" "$RT1" "{\"workerId\":\"$W1\",\"workerId\":\"$W1\"}"
	t_expect_json "$route: duplicate member" 400 "$BADJSON"
	post "$p" "$RT1" '{"workerId":"a\u0000b","newWorkerId":"x","messageId":"y"}'
	t_expect_json "$route: U+0000" 400 "$BADJSON"
	post "$p" "$RT1" $'{"workerId":"\xff"}'
	t_expect_json "$route: invalid UTF-8" 400 "$BADJSON"
	post_file "$p" "$RT1" "$T_TMP/big.json"
	t_expect_json "$route: 2 MiB body" 413 "$TOOBIG"
	case $route in
	claim | nack)
		post "$p" "$RT1" '{"workerId":12345678901234567890123456789}'
		t_expect_json "$route: huge number as workerId" 400 "$(bad 'workerId is required')"
		post "$p" "$RT1" '{"workerId":["a"]}'
		t_expect_json "$route: wrong type" 400 "$(bad 'workerId is required')"
		post "$p" "$RT1" "{\"workerId\":\"$W2\"}"
		t_expect_json "$route: another worker's id → F1" 403 "$F1"
		;;
	status)
		post "$p" "$RT1" '{"workerId":true,"status":"running"}'
		t_expect_json "status: wrong type" 400 "$(bad 'workerId is required')"
		post "$p" "$RT1" "{\"workerId\":\"$W1\",\"status\":1e999}"
		t_expect_json "status: huge number status" 400 \
			"$(bad 'status must be one of: running, finalizing, completed, failed, stopped')"
		post "$p" "$RT1" "{\"workerId\":\"$W1\",\"status\":\"completed\",\"providerSessionId\":\"$(printf 'p%.0s' $(seq 256))\"}"
		t_expect_json "status: providerSessionId over 255" 400 "$(bad 'providerSessionId is too long')"
		post "$p" "$RT2" "{\"workerId\":\"$W1\",\"status\":\"running\"}"
		t_expect_json "status: another worker's token → F1" 403 "$F1"
		;;
	lock-refresh)
		post "$p" "$RT1" '{"workerId":1,"issueId":2}'
		t_expect_json "lock-refresh: wrong types" 400 "$(bad 'workerId and issueId are required')"
		post "$p" "$RT2" "{\"workerId\":\"$W1\",\"issueId\":\"x\"}"
		t_expect_json "lock-refresh: another worker's token → F1" 403 "$F1"
		;;
	inbox/ack)
		post "$p" "$RT1" '{"messageId":7,"lane":"normal"}'
		t_expect_json "inbox/ack: wrong type" 400 "$(bad 'messageId is required')"
		;;
	transfer-ownership)
		post "$p" "$RT1" '{"newWorkerId":null,"oldWorkerId":"x"}'
		t_expect_json "transfer: null newWorkerId" 400 "$(bad 'newWorkerId is required')"
		post "$p" "$RT1" "{\"newWorkerId\":\"$W1\"}"
		t_expect_json "transfer: no oldWorkerId" 400 "$(bad 'oldWorkerId is required')"
		;;
	esac
done
post "/api/sessions/$H/nack" "$RT1" "{\"workerId\":\"$W1\",\"work\":{\"sessionId\":\"other\"}}"
t_expect_json "nack: work.sessionId mismatch" 400 "$(bad 'work.sessionId does not match the session')"
post "/api/sessions/$H/nack" "$RT1" "{\"workerId\":\"$W1\",\"reason\":\"$(printf 'r%.0s' $(seq 1025))\"}"
t_expect_json "nack: reason over 1024" 400 "$(bad 'reason is too long')"
post "/api/sessions/$H/status" "$RT1" ''
t_expect_json "status: empty body is {}" 400 "$(bad 'workerId is required')"
t_eq "hostile input on every route changed nothing" "$(state)" "$before"

# An org key holding * acts for any worker of its org (no F1 binding).
post "/api/sessions/$H/status" "$KEY" "{\"workerId\":\"$W1\",\"status\":\"running\"}"
t_eq "status with an org key (*): 200" "$T_STATUS" 200
t_eq "org key: actor api_key" "$(q "SELECT actor_type FROM audit_events WHERE session_id = '$H' ORDER BY seq DESC LIMIT 1")" api_key

# ------------------------------------------- store busy: 503, Retry-After
# Another writer holds the database past the busy timeout (5 s).
(echo 'BEGIN IMMEDIATE;'; sleep 12; echo 'COMMIT;') | sqlite3 "$DB" &
LOCKER=$!
sleep 0.5
before=$(t_now_ms)
get "/api/workers/$W1/poll" "$RT1"
t_expect_json "poll while the store is busy" 503 \
	'{"error":"Service Unavailable","message":"Failed to poll for work"}'
t_eq "busy poll: Retry-After: 1" "$(t_header Retry-After)" 1
post "/api/sessions/$H/status" "$RT1" "{\"workerId\":\"$W1\",\"status\":\"running\"}"
t_expect_json "status report while the store is busy" 503 \
	'{"error":"Service Unavailable","message":"Failed to update session status"}'
get /api/sessions "$KEY"
t_eq "list while a writer holds the store: still 200 (WAL readers)" "$T_STATUS" 200
wait "$LOCKER"
post "/api/sessions/$H/status" "$RT1" "{\"workerId\":\"$W1\",\"status\":\"running\"}"
t_eq "status report after the writer left: 200" "$T_STATUS" 200

# --------------------------------------------------------------- cleanup
out=$("$ADMIN" --data "$T_DATA" --json cleanup)
t_match "rensei-admin cleanup: {requeued, purged}" "$out" '^\{"requeued":[0-9]+,"purged":[0-9]+\}$'
t_eq "cleanup: the maintenance row exists" "$(q "SELECT count(*) FROM maintenance WHERE name = 'worker-cleanup' AND last_at > 0")" 1

t_eq "PRAGMA integrity_check" "$(q 'PRAGMA integrity_check')" ok
t_eq "work_queue_counts agree with the queue, per project" \
	"$(q "SELECT count(*) FROM (SELECT org_id, project_id, count(*) AS c FROM work_queue GROUP BY 1, 2) w FULL JOIN (SELECT org_id, project_id, n FROM work_queue_counts WHERE n <> 0) k USING (org_id, project_id) WHERE w.c IS NOT k.n")" 0
audit=$("$ADMIN" --data "$T_DATA" --json audit verify --org "$ORG" 2>/dev/null || true)
t_match "audit chain verifies" "$audit" '"valid":true'
