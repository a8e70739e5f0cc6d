#!/usr/bin/env bash
# reports.sh: tracker-less reporting through real nginx
# (02-worker-protocol.md §5.2, §6.8, X11): activity, progress, completion,
# external-urls, tool-error and security-scan — what each stores and
# answers, their audit events (09-audit.md §4), and every route's errors
# and hostile input (malformed JSON, wrong types, huge numbers, \u0000,
# 2 MiB, another worker's token, another tenant's session), which change
# nothing.  The session is made the real way: session enqueue, register,
# poll, status running.
. "$(dirname "$0")/../lib.sh"

t_require_bin rensei-workers
t_stack_up
ADMIN=("$RENSEI_ADMIN_BIN" --data "$T_DATA")
DB=$T_DATA/rensei.db

sql() { sqlite3 -batch -noheader "$DB" "$1"; }

# post PATH TOKEN JSON [curl args...]
post() {
	local path=$1 tok=$2 body=$3
	shift 3
	t_req POST "$path" -H "Authorization: Bearer $tok" \
		-H 'Content-Type: application/json' --data-binary "$body" "$@"
}

# register TOKEN: sets WID and RT.
register() {
	post /api/workers/register "$1" '{"hostname":"smoke-host","capacity":2}'
	WID=$(jq -r .workerId <<<"$T_BODY" 2>/dev/null || true)
	RT=$(jq -r .runtimeJwt <<<"$T_BODY" 2>/dev/null || true)
	[ "$T_STATUS" = 201 ] && [ -n "$WID" ] && [ "$RT" != null ]
}

BAD_JSON='{"error":"Bad Request","message":"Invalid JSON body"}'
NOT_FOUND='{"error":"Not Found","message":"Session not found"}'
F1='{"error":"Forbidden","message":"Token does not belong to this worker"}'
F7='{"error":"Forbidden","message":"Session is owned by another worker"}'
TOO_LARGE='{"error":"Payload Too Large","message":"Request body too large"}'
bad() { printf '{"error":"Bad Request","message":"%s"}' "$1"; }

# ------------------------------------------------------------ the session
t_ok "worker 1 registers" register "$RENSEI_REGISTRATION_TOKEN"
W1=$WID RT1=$RT
"${ADMIN[@]}" --json session enqueue --project default --issue SMK-1 >"$T_TMP/enq" 2>&1 || true
S=$(jq -r .trackerSessionId "$T_TMP/enq" 2>/dev/null || true)
t_match "session enqueue gives a tracker id" "$S" '^[0-9a-f-]{36}$'
t_req GET "/api/workers/$W1/poll" -H "Authorization: Bearer $RT1"
t_eq "worker 1 polls the session" "$(jq -r '.work[0].sessionId' <<<"$T_BODY" 2>/dev/null)" "$S"
post "/api/sessions/$S/status" "$RT1" "{\"workerId\":\"$W1\",\"status\":\"running\"}"
t_eq "worker 1 reports running" "$T_STATUS" 200
t_ok "worker 2 registers" register "$RENSEI_REGISTRATION_TOKEN"
W2=$WID RT2=$RT

# A worker of another org, for the 404 of another tenant's session.
"${ADMIN[@]}" --json org create --name "Smoke Other" >"$T_TMP/org" 2>&1 || true
OO=$(jq -r '.id // empty' "$T_TMP/org" 2>/dev/null || true)
OP=$("${ADMIN[@]}" --json project list --org "$OO" 2>/dev/null | jq -r '.items[0].id // empty' 2>/dev/null || true)
"${ADMIN[@]}" --json token create --project "$OP" >"$T_TMP/tok" 2>&1 || true
OTHER_TOKEN=$(jq -r '.secret // empty' "$T_TMP/tok" 2>/dev/null || true)
t_ok "a worker of another org registers" register "$OTHER_TOKEN"
W3=$WID RT3=$RT

state() {
	sql "SELECT activity_seq, tool_call_count, coalesce(last_tool_name, ''),
	     coalesce(provider, ''), coalesce(completion, ''),
	     coalesce(external_urls, ''), coalesce(progress, ''), updated_at,
	     (SELECT count(*) FROM session_activities),
	     (SELECT count(*) FROM tool_errors),
	     (SELECT count(*) FROM security_scans),
	     (SELECT count(*) FROM audit_events)
	     FROM sessions WHERE tracker_session_id = '$S'"
}
events() { sql "SELECT count(*) FROM audit_events WHERE event_type = '$1'"; }
last_payload() {
	sql "SELECT payload FROM audit_events WHERE event_type = '$1' ORDER BY seq DESC LIMIT 1"
}
last_actor() {
	sql "SELECT actor_type || ':' || actor_id || ':' || entity_id FROM audit_events
	     WHERE event_type = '$1' ORDER BY seq DESC LIMIT 1"
}

# ------------------------------------------------------------------ X11
audit_before=$(sql "SELECT count(*) FROM audit_events")
post "/api/sessions/$S/activity" "$RT1" "{\"workerId\":\"$W1\",\"activity\":{\"type\":\"action\",\"content\":\"Bash: ls -la\",\"toolName\":\"Bash\",\"toolInput\":{\"command\":\"ls -la\"},\"toolUseId\":\"toolu_01\",\"providerName\":\"claude\",\"timestamp\":\"2026-05-01T18:01:00.123456789Z\"}}"
t_expect_json "X11 activity" 200 '{"forwarded":true}'
t_eq "X11: stored as ring entry 1" \
	"$(sql "SELECT seq || ':' || json_extract(activity, '$.type') || ':' || json_extract(activity, '$.content') || ':' || json_extract(activity, '$.toolInput.command') || ':' || json_extract(activity, '$.clientTimestamp') FROM session_activities WHERE session_id = '$S'")" \
	"1:action:Bash: ls -la:ls -la:2026-05-01T18:01:00.123456789Z"
t_match "X11: server timestamp in ms" \
	"$(sql "SELECT json_extract(activity, '$.timestamp') = created_at FROM session_activities WHERE session_id = '$S'")" '^1$'
t_eq "X11: tool stats and provider" \
	"$(sql "SELECT last_tool_name || ':' || tool_call_count || ':' || provider || ':' || (last_tool_called_at > 0) FROM sessions WHERE tracker_session_id = '$S'")" \
	"Bash:1:claude:1"
t_eq "X11: activity is telemetry (no audit event)" "$(sql "SELECT count(*) FROM audit_events")" "$audit_before"
t_req GET "/api/sessions/$S/status" -H "Authorization: Bearer $RT1"
t_eq "status shows lastToolName, toolCallCount, provider" \
	"$(jq -r '[.lastToolName, .toolCallCount, .provider] | join(",")' <<<"$T_BODY" 2>/dev/null)" "Bash,1,claude"

post "/api/sessions/$S/activity" "$RT1" "{\"workerId\":\"$W1\",\"activity\":{\"type\":\"thought\",\"content\":\"thinking\"}}"
t_expect_json "second activity" 200 '{"forwarded":true}'
t_eq "ids count up per session" "$(sql "SELECT group_concat(seq) FROM session_activities WHERE session_id = '$S'")" "1,2"

# Free text over 64 KiB is cut at a UTF-8 boundary, not refused.
big=$(head -c 65535 /dev/zero | tr '\0' 'a')é
post "/api/sessions/$S/activity" "$RT1" "{\"workerId\":\"$W1\",\"activity\":{\"type\":\"response\",\"content\":\"$big tail\"}}"
t_expect_json "65 KiB content" 200 '{"forwarded":true}'
t_eq "65 KiB content truncated to 65535 bytes (before the 2-byte é)" \
	"$(sql "SELECT length(CAST(json_extract(activity, '$.content') AS BLOB)) FROM session_activities WHERE session_id = '$S' AND seq = 3")" 65535

# Huge numbers neither fail nor overflow.
post "/api/sessions/$S/activity" "$RT1" "{\"workerId\":\"$W1\",\"activity\":{\"type\":\"action\",\"content\":\"x\",\"durationMs\":1e400,\"isError\":\"yes\"}}"
t_expect_json "durationMs 1e400, isError of the wrong type" 200 '{"forwarded":true}'

# ------------------------------------------------ progress, completion
post "/api/sessions/$S/progress" "$RT1" "{\"workerId\":\"$W1\",\"message\":\"Running tests\",\"milestone\":\"tests\"}"
t_expect_json "progress with milestone" 200 '{"posted":true,"milestone":"tests"}'
post "/api/sessions/$S/progress" "$RT1" "{\"workerId\":\"$W1\",\"message\":\"Still going\"}"
t_expect_json "progress without milestone" 200 '{"posted":true}'
t_eq "progress entries in the ring" \
	"$(sql "SELECT group_concat(json_extract(activity, '$.type') || '/' || coalesce(json_extract(activity, '$.milestone'), '-')) FROM (SELECT activity FROM session_activities WHERE session_id = '$S' AND seq > 4 ORDER BY seq)")" \
	"progress/tests,progress/-"

post "/api/sessions/$S/completion" "$RT1" "{\"workerId\":\"$W1\",\"summary\":\"Implemented X; tests pass.\",\"planItems\":[{\"title\":\"Code\",\"state\":\"completed\"},{\"state\":\"pending\"},{\"title\":\"Odd\",\"state\":\"weird\"},7]}"
t_expect_json "completion (X12)" 200 '{"posted":true,"partsPosted":1,"totalParts":1}'
t_eq "completion stored on the session" \
	"$(sql "SELECT json_extract(completion, '$.summary') || '|' || json(json_extract(completion, '$.planItems')) FROM sessions WHERE tracker_session_id = '$S'")" \
	'Implemented X; tests pass.|[{"title":"Code","state":"completed"},{"title":"Odd","state":"pending"}]'
t_eq "completion: a response entry" \
	"$(sql "SELECT json_extract(activity, '$.type') || ':' || json_extract(activity, '$.content') FROM session_activities WHERE session_id = '$S' ORDER BY seq DESC LIMIT 1")" \
	"response:Implemented X; tests pass."
t_eq "session.completion_posted payload" "$(last_payload session.completion_posted)" '{"planItemCount":2,"summaryBytes":26}'
t_eq "session.completion_posted actor and entity" "$(last_actor session.completion_posted)" "worker:$W1:$S"
# Without workerId the owner check uses the JWT's worker.
post "/api/sessions/$S/completion" "$RT1" '{"summary":"Again."}'
t_expect_json "completion without workerId, owner's JWT" 200 '{"posted":true,"partsPosted":1,"totalParts":1}'

# ------------------------------------------------------- external URLs
post "/api/sessions/$S/external-urls" "$RT1" '{"externalUrls":[{"label":"PR","url":"https://github.com/acme/app/pull/1","extra":1},{"label":"Preview","url":"HTTP://preview.example"}],"workspaceId":"ignored"}'
t_expect_json "external-urls" 200 '{"updated":true,"externalUrls":[{"label":"PR","url":"https://github.com/acme/app/pull/1"},{"label":"Preview","url":"HTTP://preview.example"}]}'
t_eq "external URLs stored" "$(sql "SELECT json_array_length(external_urls) FROM sessions WHERE tracker_session_id = '$S'")" 2
t_eq "session.external_urls_updated" "$(last_payload session.external_urls_updated)" '{"urlCount":2}'
t_eq "external-urls actor: the JWT's worker" "$(last_actor session.external_urls_updated)" "worker:$W1:$S"
post "/api/sessions/$S/external-urls" "$RT1" '{"externalUrls":[]}'
t_expect_json "external-urls replaced by an empty list" 200 '{"updated":true,"externalUrls":[]}'

# ---------------------------------------------------------- tool error
post "/api/sessions/$S/tool-error" "$RT1" "{\"workerId\":\"$W1\",\"toolName\":\"Bash\",\"errorMessage\":\"exit status 1\",\"context\":{\"issueIdentifier\":\"SMK-1\",\"additionalContext\":\"while testing\"}}"
t_eq "tool-error: status" "$T_STATUS" 200
t_match "tool-error: body" "$T_BODY" '^\{"created":true,"issue":\{"id":"terr_[0-9A-HJKMNP-TV-Z]{26}","identifier":"ERR-1","url":null\}\}$'
terr=$(jq -r .issue.id <<<"$T_BODY" 2>/dev/null || true)
t_eq "tool-error row" "$(sql "SELECT identifier || ':' || tool_name || ':' || json_extract(detail, '$.errorMessage') || ':' || json_extract(detail, '$.context.issueIdentifier') FROM tool_errors WHERE id = '$terr'")" \
	"ERR-1:Bash:exit status 1:SMK-1"
t_eq "session.tool_error_reported" "$(last_payload session.tool_error_reported)" "{\"identifier\":\"ERR-1\",\"toolErrorId\":\"$terr\",\"toolName\":\"Bash\"}"
post "/api/sessions/$S/tool-error" "$RT1" "{\"workerId\":\"$W1\",\"toolName\":\"Edit\",\"errorMessage\":\"no such file\"}"
t_eq "second tool error is ERR-2" "$(jq -r .issue.identifier <<<"$T_BODY" 2>/dev/null)" "ERR-2"

# ------------------------------------------------------- security scan
SCAN='{"type":"agent.security-scan","scanner":"semgrep","severityCounts":{"critical":0,"high":2,"medium":1,"low":0},"totalFindings":3,"target":"/w/SMK-1","scanDurationMs":812.5,"timestamp":"2026-05-01T18:00:00Z"}'
post "/api/sessions/$S/security-scan" "$RT1" "{\"workerId\":\"$W1\",\"event\":$SCAN}"
t_expect_json "security-scan" 200 '{"stored":true}'
t_eq "scan stored as received" "$(sql "SELECT scanner || ':' || total_findings || ':' || json_extract(scan, '$.severityCounts.high') FROM security_scans WHERE session_id = '$S'")" "semgrep:3:2"
t_eq "session.security_scan_stored" "$(last_payload session.security_scan_stored)" '{"scanner":"semgrep","totalFindings":3}'

# ------------------------------------------------ errors change nothing
before=$(state)

# Per route: the validation messages of §5.2 and §2, in check order.
v() { # DESC PATH BODY EXPECTED-MESSAGE
	post "/api/sessions/$S/$2" "$RT1" "$3"
	t_expect_json "$2: $1" 400 "$(bad "$4")"
}
v "no workerId" activity '{"activity":{"type":"a","content":"b"}}' "workerId is required"
v "workerId a number" activity '{"workerId":7,"activity":{"type":"a","content":"b"}}' "workerId is required"
v "no activity" activity "{\"workerId\":\"$W1\"}" "activity with type and content is required"
v "activity a string" activity "{\"workerId\":\"$W1\",\"activity\":\"x\"}" "activity with type and content is required"
v "empty type" activity "{\"workerId\":\"$W1\",\"activity\":{\"type\":\"\",\"content\":\"b\"}}" "activity with type and content is required"
v "content null" activity "{\"workerId\":\"$W1\",\"activity\":{\"type\":\"a\",\"content\":null}}" "activity with type and content is required"
v "type over 32 bytes" activity "{\"workerId\":\"$W1\",\"activity\":{\"type\":\"$(printf 'x%.0s' {1..33})\",\"content\":\"b\"}}" "activity.type is too long"
v "toolName over 255 bytes" activity "{\"workerId\":\"$W1\",\"activity\":{\"type\":\"action\",\"content\":\"b\",\"toolName\":\"$(printf 't%.0s' {1..256})\"}}" "activity.toolName is too long"
v "workerId over 255 bytes" activity "{\"workerId\":\"$(printf 'w%.0s' {1..256})\",\"activity\":{\"type\":\"a\",\"content\":\"b\"}}" "workerId is too long"
v "no workerId" progress '{"message":"m"}' "workerId is required"
v "no message" progress "{\"workerId\":\"$W1\"}" "message is required"
v "message an array" progress "{\"workerId\":\"$W1\",\"message\":[\"m\"]}" "message is required"
v "no summary" completion "{\"workerId\":\"$W1\"}" "summary is required"
v "planItems an object" completion "{\"workerId\":\"$W1\",\"summary\":\"s\",\"planItems\":{\"title\":\"x\"}}" "planItems must be an array"
v "no externalUrls" external-urls '{}' "externalUrls array is required"
v "externalUrls an object" external-urls '{"externalUrls":{"label":"a","url":"https://x"}}' "externalUrls array is required"
v "entry without url" external-urls '{"externalUrls":[{"label":"a"}]}' "Each external URL must have label and url"
v "entry not an object" external-urls '{"externalUrls":["https://x"]}' "Each external URL must have label and url"
v "ftp url" external-urls '{"externalUrls":[{"label":"a","url":"ftp://x"}]}' "External URL must use http or https"
v "javascript url" external-urls '{"externalUrls":[{"label":"a","url":"javascript:alert(1)"}]}' "External URL must use http or https"
many=$(for i in $(seq 1 51); do printf '{"label":"l%d","url":"https://x/%d"},' "$i" "$i"; done)
v "51 entries" external-urls "{\"externalUrls\":[${many%,}]}" "externalUrls is too long"
v "url over 2048 bytes" external-urls "{\"externalUrls\":[{\"label\":\"a\",\"url\":\"https://$(printf 'u%.0s' {1..2041})\"}]}" "externalUrls is too long"
v "no workerId" tool-error '{"toolName":"t","errorMessage":"e"}' "workerId is required"
v "no toolName" tool-error "{\"workerId\":\"$W1\",\"errorMessage\":\"e\"}" "toolName is required"
v "no errorMessage" tool-error "{\"workerId\":\"$W1\",\"toolName\":\"t\"}" "errorMessage is required"
v "no workerId" security-scan "{\"event\":$SCAN}" "workerId is required"
v "no event" security-scan "{\"workerId\":\"$W1\"}" "Invalid event: event must be an object"
v "wrong type" security-scan "{\"workerId\":\"$W1\",\"event\":${SCAN/agent.security-scan/agent.other}}" 'Invalid event: type must be \"agent.security-scan\"'
v "negative high (§6.8 example)" security-scan "{\"workerId\":\"$W1\",\"event\":${SCAN/\"high\":2/\"high\":-2}}" "Invalid event: severityCounts.high must be a non-negative integer"
v "fractional total" security-scan "{\"workerId\":\"$W1\",\"event\":${SCAN/\"totalFindings\":3/\"totalFindings\":3.5}}" "Invalid event: totalFindings must be a non-negative integer"
v "empty target" security-scan "{\"workerId\":\"$W1\",\"event\":${SCAN/\/w\/SMK-1/}}" "Invalid event: target must be a non-empty string"

# Hostile bodies on every route: parse errors, \u0000, duplicates, depth.
deep=$(printf '[%.0s' {1..40})$(printf ']%.0s' {1..40})
for route in activity progress completion external-urls tool-error security-scan; do
	for body in '{"workerId":' 'not json' '[]' '"str"' "{\"workerId\":\"$W1\",\"workerId\":\"$W1\"}" \
		"{\"workerId\":\"w\\u0000x\"}" "{\"x\":$deep}" $'{"workerId":"\xff"}'; do
		post "/api/sessions/$S/$route" "$RT1" "$body"
		[ "$T_STATUS" = 400 ] && [ "$T_BODY" = "$BAD_JSON" ] || t_fail "$route: $body → 400 Invalid JSON body" "got $T_STATUS $T_BODY"
	done
	t_pass "$route: malformed, non-object, duplicate, \\u0000, too deep, bad UTF-8 → 400 Invalid JSON body"
done

# 2 MiB: refused before anything is read.
head -c $((2 * 1024 * 1024)) /dev/zero | tr '\0' 'a' >"$T_TMP/big"
for route in activity completion security-scan; do
	t_req POST "/api/sessions/$S/$route" -H "Authorization: Bearer $RT1" --data-binary @"$T_TMP/big"
	t_expect_json "$route: 2 MiB body" 413 "$TOO_LARGE"
done

# Another worker's token naming worker 1 (F1), before the lookup.
ok_bodies=(
	"activity|{\"workerId\":\"$W1\",\"activity\":{\"type\":\"a\",\"content\":\"b\"}}"
	"progress|{\"workerId\":\"$W1\",\"message\":\"m\"}"
	"completion|{\"workerId\":\"$W1\",\"summary\":\"s\"}"
	"tool-error|{\"workerId\":\"$W1\",\"toolName\":\"t\",\"errorMessage\":\"e\"}"
	"security-scan|{\"workerId\":\"$W1\",\"event\":$SCAN}"
)
for rb in "${ok_bodies[@]}"; do
	route=${rb%%|*} body=${rb#*|}
	post "/api/sessions/$S/$route" "$RT2" "$body"
	t_expect_json "$route: worker 2's token, worker 1's id (F1)" 403 "$F1"
	post "/api/sessions/nope-$RANDOM/$route" "$RT2" "$body"
	t_expect_json "$route: F1 comes before the lookup" 403 "$F1"
	# Worker 2 naming itself: the session is owned by worker 1 (F7).
	post "/api/sessions/$S/$route" "$RT2" "${body//$W1/$W2}"
	t_expect_json "$route: worker 2 on worker 1's session (owner-403)" 403 "$F7"
	# Unknown, ill-formed, and another tenant's session: 404.
	post "/api/sessions/unknown-$RANDOM/$route" "$RT1" "$body"
	t_expect_json "$route: unknown session" 404 "$NOT_FOUND"
	post "/api/sessions/bad%20id/$route" "$RT1" "$body"
	t_expect_json "$route: ill-formed session id" 404 "$NOT_FOUND"
	post "/api/sessions/$S/$route" "$RT3" "${body//$W1/$W3}"
	t_expect_json "$route: a session of another org" 404 "$NOT_FOUND"
done
post "/api/sessions/$S/completion" "$RT2" '{"summary":"s"}'
t_expect_json "completion without workerId: the JWT's worker is not the owner" 403 "$F7"
post "/api/sessions/$S/external-urls" "$RT3" '{"externalUrls":[]}'
t_expect_json "external-urls: a session of another org" 404 "$NOT_FOUND"

# Credentials: no token, a registration token lacks nothing here but a
# bogus token is U1.
t_req POST "/api/sessions/$S/activity" --data-binary '{}'
t_eq "no credential: 401" "$T_STATUS" 401
t_req POST "/api/sessions/$S/activity" -H 'Authorization: Bearer rsk_live_0000' --data-binary '{}'
t_eq "bogus key: 401" "$T_STATUS" 401

t_eq "no error changed anything (session, ring, rows, audit)" "$(state)" "$before"

# The registration token (a worker credential without a JWT) may report
# for the owner, and is not subject to F1.
post "/api/sessions/$S/activity" "$RENSEI_REGISTRATION_TOKEN" "{\"workerId\":\"$W1\",\"activity\":{\"type\":\"thought\",\"content\":\"via token\"}}"
t_expect_json "registration token reporting as the owner" 200 '{"forwarded":true}'
post "/api/sessions/$S/activity" "$RENSEI_REGISTRATION_TOKEN" "{\"workerId\":\"$W2\",\"activity\":{\"type\":\"thought\",\"content\":\"x\"}}"
t_expect_json "registration token naming another worker: owner-403" 403 "$F7"

# The ring keeps RENSEI_ACTIVITY_RING (200) entries; ids are never reused.
seq_before=$(sql "SELECT activity_seq FROM sessions WHERE tracker_session_id = '$S'")
for i in $(seq 1 205); do
	curl -s -o /dev/null -X POST "$T_BASE/api/sessions/$S/activity" -H "Authorization: Bearer $RT1" \
		--data-binary "{\"workerId\":\"$W1\",\"activity\":{\"type\":\"thought\",\"content\":\"n$i\"}}"
done
t_eq "ring: 200 entries kept" "$(sql "SELECT count(*) FROM session_activities WHERE session_id = '$S'")" 200
t_eq "ring: newest id" "$(sql "SELECT max(seq) FROM session_activities WHERE session_id = '$S'")" $((seq_before + 205))
t_eq "ring: oldest kept id" "$(sql "SELECT min(seq) FROM session_activities WHERE session_id = '$S'")" $((seq_before + 6))
