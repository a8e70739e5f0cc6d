#!/usr/bin/env bash
# public.sh: the public stats and sessions API (03-public.md) through real
# nginx: a session dispatched, claimed, run and completed by the worker
# protocol appears in stats, the list and the detail; activities come back
# in order through both forms with working cursors; a prompt reaches the
# worker's next poll; stop ends sessions (200 / 202); session hashes are
# bound to their session; another org sees nothing; hostile input gives
# the documented 400s and changes nothing.
. "$(dirname "$0")/../lib.sh"

t_require_bin rensei-public
t_require_bin rensei-workers
t_stack_up

REG=$RENSEI_REGISTRATION_TOKEN
KEY=$RENSEI_API_KEY
ADMIN=$RENSEI_ADMIN_BIN
DB=$T_DATA/rensei.db
PROJ=$RENSEI_PROJECT_ID
ISO='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z'

U8='{"error":"Unauthorized","message":"Invalid session hash"}'
NOSESSION='{"error":"Not Found","message":"Session not found"}'
BADID='{"error":"Bad Request","message":"Invalid session ID format"}'
BADJSON='{"error":"Bad Request","message":"Invalid JSON body"}'
BADLIMIT='{"error":"Bad Request","message":"Invalid '"'"'limit'"'"' parameter: expected a positive integer"}'
BADCURSOR='{"error":"Bad Request","message":"Invalid cursor"}'
bad() { printf '{"error":"Bad Request","message":"%s"}' "$1"; }

post() {
	local path=$1 tok=$2 body=$3
	shift 3
	local auth=()
	[ -n "$tok" ] && auth=(-H "Authorization: Bearer $tok")
	t_req POST "$path" "${auth[@]}" -H 'Content-Type: application/json' \
		--data-binary "$body" "$@"
}
get() { t_req GET "$1" -H "Authorization: Bearer $2"; }
hget() { t_req GET "$1" -H "X-Rensei-Session-Hash: $2"; }
jfield() { jq -r "$1" <<<"$T_BODY" 2>/dev/null || true; }
jcompact() { jq -c "$1" <<<"$T_BODY" 2>/dev/null || true; }
q() { sqlite3 "$DB" "$1"; }
state() {
	sqlite3 "$DB" "SELECT * FROM sessions ORDER BY 1; SELECT * FROM work_queue ORDER BY 1;
		SELECT * FROM inbox_messages ORDER BY 1; SELECT * FROM session_activities ORDER BY 1, 2;
		SELECT * FROM prompt_idempotency ORDER BY 1, 2; SELECT count(*) FROM audit_events;" | sha256sum
}
enqueue() { # ISSUE PROMPT -> the 201 body
	"$ADMIN" --data "$T_DATA" --json session enqueue --project "$PROJ" \
		--issue "$1" --prompt "$2" --priority 3
}
activity() { # TRACKER TYPE CONTENT [TOOL]
	local tool=''
	[ -n "${4:-}" ] && tool=",\"toolName\":\"$4\""
	post "/api/sessions/$1/activity" "$RT1" \
		"{\"workerId\":\"$W1\",\"activity\":{\"type\":\"$2\",\"content\":\"$3\"$tool,\"providerName\":\"claude\"}}"
	[ "$T_STATUS" = 200 ] || t_fail "activity $2 on $1" "$T_STATUS $T_BODY"
}

post /api/workers/register "$REG" '{"hostname":"host-1","capacity":4}'
W1=$(jfield .workerId) RT1=$(jfield .runtimeToken)

# ------------------------------------------------------------ empty stats
get /api/public/stats "$KEY"
t_eq "stats: 200" "$T_STATUS" 200
t_match "stats: the nine members, in order, one worker online" "$T_BODY" \
	"^\\{\"workersOnline\":1,\"agentsWorking\":0,\"queueDepth\":0,\"completedToday\":0,\"availableCapacity\":4,\"totalCostToday\":0,\"totalCostAllTime\":0,\"sessionCountToday\":0,\"timestamp\":\"$ISO\"\\}\$"
t_req GET /api/public/stats
t_expect_json "stats without a credential: U6" 401 '{"error":"Unauthorized","message":"Authentication required"}'

# -------------------------------------------------------------- dispatch
out=$(enqueue PUB-1 'Build the thing')
S=$(jq -r .trackerSessionId <<<"$out") PUB=$(jq -r .publicId <<<"$out") H=$(jq -r .sessionHash <<<"$out")
out=$(enqueue PUB-2 'Second thing')
S2=$(jq -r .trackerSessionId <<<"$out") PUB2=$(jq -r .publicId <<<"$out") H2=$(jq -r .sessionHash <<<"$out")

get /api/public/sessions "$KEY"
t_eq "list: 200" "$T_STATUS" 200
t_eq "list: newest first, both queued" "$(jcompact '[.sessions[] | [.id, .status, .identifier]]')" \
	"[[\"$PUB2\",\"queued\",\"PUB-2\"],[\"$PUB\",\"queued\",\"PUB-1\"]]"
t_eq "list: count and last page" "$(jcompact '[.count, .nextCursor]')" '[2,null]'
t_eq "list: item members in order" "$(jcompact '.sessions[1] | keys_unsorted')" \
	'["id","identifier","status","workType","startedAt","duration","projectId","projectSlug","health","sessionHash"]'
t_eq "list: sessionHash for key callers" "$(jfield '.sessions[1].sessionHash')" "$H"
t_eq "list: health green" "$(jcompact '.sessions[1].health')" '{"level":"green","signals":[]}'

get '/api/public/sessions?limit=1' "$KEY"
t_eq "list page 1 of 2: one item" "$(jcompact '[.count, .sessions[0].id]')" "[1,\"$PUB2\"]"
CUR=$(jfield .nextCursor)
t_match "list page 1: a base64url cursor" "$CUR" '^[A-Za-z0-9_-]+$'
t_eq "list cursor: <createdAt>:<rawId>" "$(printf '%s' "$CUR" | tr '_-' '/+' | base64 -d 2>/dev/null | cut -d: -f2-)" "$S2"
get "/api/public/sessions?limit=1&cursor=$CUR" "$KEY"
t_eq "list page 2: the older item, last page" "$(jcompact '[.count, .sessions[0].id, .nextCursor]')" "[1,\"$PUB\",null]"

get /api/public/stats "$KEY"
t_eq "stats: two queued" "$(jcompact '[.queueDepth, .sessionCountToday, .agentsWorking]')" '[2,2,0]'

# ------------------------------------------------------- claim and run
get "/api/workers/$W1/poll" "$RT1"
t_eq "poll claims both" "$(jcompact '.claimedSessionIds | sort')" "$(jq -cn --arg a "$S" --arg b "$S2" '[$a,$b] | sort')"
post "/api/sessions/$S/status" "$RT1" "{\"workerId\":\"$W1\",\"status\":\"running\",\"worktreePath\":\"/work/trees/feat-pub-1\"}"
t_eq "S running" "$T_STATUS" 200
activity "$S" thought 'Looking at the code'
activity "$S" action 'Bash: ls' Bash
activity "$S" response 'Done looking'

hget "/api/public/sessions/$PUB" "$H"
t_eq "detail by hash: 200" "$T_STATUS" 200
t_eq "detail: working, branch, no sessionHash for hash callers" \
	"$(jcompact '.session | [.id, .status, .branch, .provider, has("sessionHash"), (.timeline | keys_unsorted)]')" \
	"[\"$PUB\",\"working\",\"feat-pub-1\",\"claude\",false,[\"created\",\"queued\",\"started\"]]"
t_match "detail: timestamp" "$(jfield .timestamp)" "^$ISO\$"
get "/api/public/sessions/$PUB" "$KEY"
t_eq "detail by key: sessionHash present" "$(jfield .session.sessionHash)" "$H"

# ---------------------------------------------------------- activities
hget "/api/public/sessions/$PUB/activities" "$H"
t_eq "activities: in order with ids" "$(jcompact '[.activities[] | [.id, .type, .content]]')" \
	'[["1","thought","Looking at the code"],["2","action","Bash: ls"],["3","response","Done looking"]]'
t_eq "activities: toolName, cursor, status" "$(jcompact '[.activities[1].toolName, .cursor, .sessionStatus]')" '["Bash","3","working"]'
t_eq "activities: members" "$(jcompact '.activities[0] | keys_unsorted')" '["id","type","content","timestamp"]'
get "/api/public/sessions/$PUB/activities?after=1" "$KEY"
t_eq "activities after=1" "$(jcompact '[[.activities[].id], .cursor]')" '[["2","3"],"3"]'
get "/api/public/sessions/$PUB/activities?after=3" "$KEY"
t_expect_json "activities after the last: empty, cursor echoed" 200 '{"activities":[],"cursor":"3","sessionStatus":"working"}'
get "/api/public/sessions/$PUB2/activities" "$KEY"
t_expect_json "activities of a session without any: no cursor" 200 '{"activities":[],"sessionStatus":"working"}'
t_req GET "/api/public/session-activities?sessionId=$S&sessionHash=$H"
t_eq "query form by hash: body/createdAt" "$(jcompact '[.activities[] | [.id, .type, .body]]')" \
	'[["1","thought","Looking at the code"],["2","action","Bash: ls"],["3","response","Done looking"]]'
t_eq "query form: members, cursor" "$(jcompact '[(.activities[0] | keys_unsorted), .cursor, .sessionStatus]')" \
	'[["id","type","body","createdAt"],"3","working"]'
get "/api/public/session-activities?sessionId=$S&cursor=2" "$KEY"
t_eq "query form by key, cursor=2" "$(jcompact '[[.activities[].id], .cursor]')" '[["3"],"3"]'
get "/api/public/session-activities?sessionId=$PUB&cursor=3" "$KEY"
t_expect_json "query form by public id, nothing new" 200 '{"activities":[],"cursor":"3","sessionStatus":"working"}'
get "/api/public/session-activities?sessionId=$S2" "$KEY"
t_expect_json "query form: nothing, cursor null" 200 '{"activities":[],"cursor":null,"sessionStatus":"working"}'
get "/api/public/session-activities?sessionId=$S&cursor=1" "$RT1"
t_eq "query form by the owning worker's runtime token" "$(jcompact '[.activities[].id]')" '["2","3"]'

# ------------------------------------------------------- session hashes
hget "/api/public/sessions/$PUB2" "$H"
t_expect_json "hash of S on S2: U8" 401 "$U8"
t_req GET "/api/public/sessions/$PUB2?sessionHash=$H" -H "Authorization: Bearer $KEY"
t_expect_json "hash used exclusively, even with a valid key" 401 "$U8"
hget "/api/public/sessions/0000000000000000" "$H"
t_expect_json "hash for an unknown session: U8" 401 "$U8"
# A different last digit (a fixed "0" would equal it 1 time in 16).
if [ "${H: -1}" = 0 ]; then HBAD="${H%?}1"; else HBAD="${H%?}0"; fi
hget "/api/public/sessions/$PUB" "$HBAD"
t_expect_json "wrong hash: U8" 401 "$U8"
hget "/api/public/sessions/$PUB" "XYZ"
t_expect_json "malformed hash: U8" 401 "$U8"
t_req GET "/api/public/session-activities?sessionId=$S2&sessionHash=$H"
t_expect_json "query form: hash of S with S2: U8" 401 "$U8"
hget /api/public/sessions "$H"
t_expect_json "no hash on the list (U6)" 401 '{"error":"Unauthorized","message":"Authentication required"}'
before=$(state)
t_req POST "/api/public/sessions/$PUB2/stop" -H "X-Rensei-Session-Hash: $H"
t_expect_json "stop S2 with the hash of S: U8" 401 "$U8"
t_req POST "/api/public/sessions/$PUB2/prompt" -H "X-Rensei-Session-Hash: $H" -H 'Content-Type: application/json' --data-binary '{"prompt":"x"}'
t_expect_json "prompt S2 with the hash of S: U8" 401 "$U8"
t_eq "refused hashes changed nothing" "$(state)" "$before"

# ------------------------------------------------------------- prompt
post "/api/public/sessions/$PUB/prompt" "$KEY" '{"prompt":"Also update the changelog","idempotencyKey":"k-1"}'
t_eq "prompt working: 200" "$T_STATUS" 200
t_match "prompt working: body" "$T_BODY" \
	"^\\{\"delivered\":true,\"promptId\":\"prm_[0-9]+-[0-9]+\",\"sessionId\":\"$PUB\",\"status\":\"working\",\"sessionStatus\":\"working\",\"deliveryTier\":\"inbox\",\"disposition\":\"delivered\",\"idempotencyKey\":\"k-1\"\\}\$"
first=$T_BODY
post "/api/public/sessions/$PUB/prompt" "$KEY" '{"prompt":"Also update the changelog","idempotencyKey":"k-1"}'
t_eq "prompt replay: same bytes" "$T_BODY" "$first"
t_eq "prompt replay: Idempotent-Replayed" "$(t_header Idempotent-Replayed)" true
post "/api/public/sessions/$PUB/prompt" "$KEY" '{"prompt":"Something else","idempotencyKey":"k-1"}'
t_expect_json "prompt: key reused with another prompt" 409 '{"error":"Conflict","message":"idempotencyKey was already used with a different prompt"}'
t_eq "prompt: one inbox message, one session.prompted" \
	"$(q "SELECT (SELECT count(*) FROM inbox_messages WHERE session_id = '$S' AND type = 'directive'), (SELECT count(*) FROM audit_events WHERE event_type = 'session.prompted')")" '1|1'
t_eq "session.prompted payload (no text)" \
	"$(q "SELECT actor_type || ' ' || payload FROM audit_events WHERE event_type = 'session.prompted'")" \
	"api_key {\"promptBytes\":25,\"promptId\":\"$(jq -r .promptId <<<"$first")\",\"promptSha256\":\"$(printf 'Also update the changelog' | sha256sum | cut -c1-64)\",\"requeued\":false}"
get "/api/workers/$W1/poll" "$RT1"
t_eq "prompt reaches the worker's next poll" "$(jcompact "[.inboxMessages[\"$S\"][] | [.type, .payload, .lane]]")" \
	'[["directive","Also update the changelog","normal"]]'

# -------------------------------------------------------------- complete
post "/api/sessions/$S/status" "$RT1" "{\"workerId\":\"$W1\",\"status\":\"completed\",\"totalCostUsd\":0.42135,\"inputTokens\":1200,\"outputTokens\":340}"
t_eq "S completed" "$T_STATUS" 200
get /api/public/stats "$KEY"
t_match "stats after completion" "$T_BODY" \
	"^\\{\"workersOnline\":1,\"agentsWorking\":1,\"queueDepth\":0,\"completedToday\":1,\"availableCapacity\":3,\"totalCostToday\":0.4214,\"totalCostAllTime\":0.4214,\"sessionCountToday\":2,\"timestamp\":\"$ISO\"\\}\$"
get /api/public/stats/v2 "$KEY"
t_eq "stats/v2: providers and machines" "$(jcompact '[.providers, [.machines[] | [.id, .status, .activeSessions, .capacity.maxConcurrentSessions]]]')" \
	"[[{\"provider\":\"claude\",\"costUsd\":0.4214,\"sessions\":1},{\"provider\":\"unknown\",\"costUsd\":0,\"sessions\":1}],[[\"$W1\",\"ready\",1,4]]]"
get /api/public/machines "$KEY"
t_eq "machines: a bare array" "$(jcompact '[.[] | [.id, .region, .version, .status]]')" "[[\"$W1\",\"default\",\"unknown\",\"ready\"]]"
get "/api/public/sessions/$PUB" "$KEY"
t_eq "detail after completion" "$(jcompact '.session | [.status, .costUsd, .inputTokens, .outputTokens, (.timeline | keys_unsorted), .health.level]')" \
	'["completed",0.4214,1200,340,["created","queued","started","completed"],"green"]'
get "/api/public/session-activities?sessionId=$S" "$KEY"
t_expect_json "query form on a terminal session: empty" 200 '{"activities":[],"cursor":null,"sessionStatus":"completed"}'
get "/api/public/sessions/$PUB/activities?after=2" "$KEY"
t_eq "path form keeps the history" "$(jcompact '[.activities[].id]')" '["3"]'
post "/api/public/sessions/$PUB/reconnect" "$KEY" '{"cursor":"1","lastEventId":2}'
t_expect_json "reconnect: missed events after the larger" 200 "{\"reconnected\":true,\"sessionId\":\"$PUB\",\"sessionStatus\":\"completed\",\"missedEvents\":1}"

# ------------------------------------------------------------- metrics
get /api/public/routing-metrics "$KEY"
t_eq "routing-metrics: one arm" "$(jcompact '[.posteriors, (.recentDecisions | map(del(.timestamp))), .nextCursor, .summary]')" \
	'[[{"provider":"claude","workType":"development","alpha":2,"beta":1,"expectedReward":0.6667,"confidence":0.7643,"totalObservations":1,"avgCostUsd":0.4214}],[{"provider":"claude","workType":"development","reward":1,"taskCompleted":true,"confidence":0.7643}],null,{"totalObservations":1,"routingEnabled":true,"explorationRate":0.1,"avgConfidence":0.7643,"survivalRewardCount":0}]'
get '/api/public/phase-metrics?timeRange=7d' "$KEY"
t_eq "phase-metrics 7d" "$(jcompact '[.timeRange, .phases.development.totalRecords, .phases.development.avgCostUsd, .phases.qa, .reworkRate, .escalationDistribution, .issueCount]')" \
	'["7d",1,0.4214,{"avgCycleTimeMs":0,"avgCostUsd":0,"avgAttempts":0,"totalRecords":0},0,{"normal":1,"context-enriched":0,"decompose":0,"escalate-human":0},1]'
get '/api/public/phase-metrics?timeRange=bogus' "$KEY"
t_eq "phase-metrics: unknown range means 30d" "$(jfield .timeRange)" 30d

# ----------------------------------------------------------------- stop
t_req POST "/api/public/sessions/$PUB2/stop" -H "X-Rensei-Session-Hash: $H2"
t_expect_json "stop working, worker online: 202" 202 \
	"{\"stopped\":false,\"sessionId\":\"$PUB2\",\"previousStatus\":\"working\",\"newStatus\":\"working\",\"delivered\":true,\"pending\":\"terminal_evidence\"}"
t_eq "stop: audit by session_hash" "$(q "SELECT actor_type || ' ' || actor_id FROM audit_events WHERE event_type = 'session.stop_requested'")" "session_hash $PUB2"
get "/api/workers/$W1/poll" "$RT1"
t_eq "stop reaches the worker" "$(jcompact "[.inboxMessages[\"$S2\"][] | .type]")" '["stop"]'
post "/api/sessions/$S2/status" "$RT1" "{\"workerId\":\"$W1\",\"status\":\"stopped\"}"
post "/api/public/sessions/$PUB2/stop" "$KEY" ''
t_eq "stop terminal: 200" "$T_STATUS" 200
t_match "stop terminal: replay receipt" "$T_BODY" \
	"^\\{\"stopped\":true,\"sessionId\":\"$PUB2\",\"previousStatus\":\"stopped\",\"newStatus\":\"stopped\",\"receipt\":\\{\"version\":1,\"kind\":\"session_stop\",\"sessionId\":\"$S2\",\"mutationId\":\"mut_[0-9A-Z]{26}\",\"intentRevision\":\"1\",\"disposition\":\"stopped\",\"idempotentReplay\":true\\}\\}\$"
out=$(enqueue PUB-3 'Queued one')
S3=$(jq -r .trackerSessionId <<<"$out") PUB3=$(jq -r .publicId <<<"$out")
post "/api/public/sessions/$PUB3/prompt" "$KEY" '{"prompt":"hurry"}'
t_eq "prompt queued: boost to priority 2" "$(jcompact '[.status, .deliveryTier, .disposition]')|$(q "SELECT priority FROM work_queue WHERE session_id = '$S3'")" \
	'["queued","inbox","queued"]|2'
post "/api/public/sessions/$PUB3/stop" "$KEY" '{}'
t_eq "stop queued: 200 stopped" "$T_STATUS" 200
t_eq "stop queued: body" "$(jcompact '[.stopped, .previousStatus, .newStatus, .receipt.intentRevision, .receipt.disposition, .receipt.idempotentReplay]')" \
	'[true,"queued","stopped","1","stopped",false]'
t_eq "stop queued: queue row gone" "$(q "SELECT count(*) FROM work_queue WHERE session_id = '$S3'")" 0

# ----------------------------------------- stop with the worker offline
post /api/workers/register "$REG" '{"hostname":"host-2","capacity":1}'
W2=$(jfield .workerId) RT2=$(jfield .runtimeToken)
get "/api/public/session-activities?sessionId=$S" "$RT2"
t_expect_json "query form: another worker's runtime token: F7" 403 \
	'{"error":"Forbidden","message":"Session is owned by another worker"}'
out=$(enqueue PUB-4 'Offline one')
S4=$(jq -r .trackerSessionId <<<"$out") PUB4=$(jq -r .publicId <<<"$out")
get "/api/workers/$W2/poll" "$RT2"
t_eq "W2 claims S4" "$(jcompact .claimedSessionIds)" "[\"$S4\"]"
q "UPDATE workers SET last_heartbeat = last_heartbeat - 200000 WHERE id = '$W2'"
get "/api/public/sessions/$PUB4" "$KEY"
t_eq "claimed, worker stale: health" "$(jcompact '[.session.status, .session.health]')" \
	'["working",{"level":"yellow","signals":["StaleHeartbeat"]}]'
post "/api/public/sessions/$PUB4/stop" "$KEY" ''
t_eq "stop working, worker offline: 200" "$T_STATUS" 200
t_eq "stop working, worker offline: forced stopped" \
	"$(jcompact '[.stopped, .previousStatus, .newStatus, .receipt.disposition, .receipt.idempotentReplay]')" \
	'[true,"working","stopped","stopped",false]'
t_eq "stop: stop_requested + status_changed" \
	"$(q "SELECT group_concat(event_type, ',') FROM (SELECT event_type FROM audit_events WHERE session_id = '$S4' AND event_type IN ('session.stop_requested', 'session.status_changed') ORDER BY seq)")" \
	'session.stop_requested,session.status_changed'

# ---------------------------------------------------- prompt re-queues
post "/api/public/sessions/$PUB/prompt" "$KEY" '{"prompt":"One more change"}'
t_eq "prompt terminal: requeued" "$(jcompact '[.status, .deliveryTier, .disposition]')" '["queued","requeue","requeued"]'
t_eq "prompt terminal: pending, queue prompt, completedAt cleared, priority 2" \
	"$(q "SELECT s.status, s.completed_at IS NULL, q.priority, json_extract(q.item, '$.prompt') FROM sessions s JOIN work_queue q ON q.session_id = s.tracker_session_id WHERE s.tracker_session_id = '$S'")" \
	'pending|1|2|One more change'
t_eq "prompt terminal: the inbox copy is already acked" \
	"$(q "SELECT count(*) FROM inbox_messages WHERE session_id = '$S' AND payload = 'One more change' AND acked_at IS NOT NULL")" 1
t_eq "prompt terminal: session.prompted requeued + status_changed" \
	"$(q "SELECT json_extract(payload, '$.requeued') FROM audit_events WHERE event_type = 'session.prompted' ORDER BY seq DESC LIMIT 1")|$(q "SELECT json_extract(payload, '$.reason') FROM audit_events WHERE event_type = 'session.status_changed' ORDER BY seq DESC LIMIT 1")" \
	'1|reopened'

# ------------------------------------------------------------ other org
"$ADMIN" --data "$T_DATA" org create --name 'Other Org' --slug other-org >/dev/null
ORG2=$(q "SELECT id FROM orgs WHERE slug = 'other-org'")
KEY2=$("$ADMIN" --data "$T_DATA" --json key create --org "$ORG2" --scopes '*' | jq -r '.key // .apiKey // .secret')
before=$(state)
for path in "/api/public/sessions/$PUB" "/api/public/sessions/$PUB/activities" \
	"/api/public/session-activities?sessionId=$S" "/api/public/session-activities?sessionId=$PUB"; do
	get "$path" "$KEY2"
	t_expect_json "other org: GET $path" 404 "$NOSESSION"
done
for r in prompt stop reconnect; do
	post "/api/public/sessions/$PUB/$r" "$KEY2" '{"prompt":"x"}'
	t_expect_json "other org: POST $r" 404 "$NOSESSION"
done
get /api/public/sessions "$KEY2"
t_eq "other org: empty list" "$(jcompact '[.sessions, .count, .nextCursor]')" '[[],0,null]'
get /api/public/stats "$KEY2"
t_match "other org: zero stats" "$T_BODY" \
	"^\\{\"workersOnline\":0,\"agentsWorking\":0,\"queueDepth\":0,\"completedToday\":0,\"availableCapacity\":0,\"totalCostToday\":0,\"totalCostAllTime\":0,\"sessionCountToday\":0,\"timestamp\":\"$ISO\"\\}\$"
get /api/public/machines "$KEY2"
t_expect_json "other org: no machines" 200 '[]'
get /api/public/routing-metrics "$KEY2"
t_eq "other org: no observations" "$(jcompact '[.posteriors, .summary.totalObservations]')" '[[],0]'
t_eq "other org changed nothing" "$(state)" "$before"

# ------------------------------------------------------ project filters
"$ADMIN" --data "$T_DATA" project create --org "$RENSEI_ORG_ID" --name 'Second' --slug second >/dev/null
PROJ2=$(q "SELECT id FROM projects WHERE slug = 'second'")
SLUG=$(q "SELECT slug FROM projects WHERE id = '$PROJ'")
OSLUG=$(q "SELECT slug FROM orgs WHERE id = '$RENSEI_ORG_ID'")
get "/api/public/sessions?project=$SLUG" "$KEY"
t_eq "list by project slug" "$(jcompact '[.count, ([.sessions[].projectSlug] | unique)]')" "[4,[\"$SLUG\"]]"
get "/api/public/sessions?projectId=$PROJ2" "$KEY"
t_eq "list by projectId: an empty project" "$(jcompact '[.count, .nextCursor]')" '[0,null]'
get "/api/public/sessions?projectId=$PROJ&project=$SLUG" "$KEY"
t_eq "project and projectId agreeing" "$(jfield .count)" 4
get "/api/public/sessions?projectId=$PROJ2&project=$SLUG" "$KEY"
t_expect_json "project and projectId disagreeing" 400 "$(bad 'project and projectId refer to different projects')"
get "/api/public/sessions?project=nope" "$KEY"
t_expect_json "unknown project" 404 '{"error":"Not Found","message":"Project not found"}'
t_req GET /api/public/sessions -H "Authorization: Bearer $KEY" -H "Referer: http://x.test/$OSLUG/second/sessions"
t_eq "Referer /{org}/{project}/ selects the project" "$(jfield .count)" 0
t_req GET /api/public/sessions -H "Authorization: Bearer $KEY" -H "Referer: http://x.test/other-org/second/sessions"
t_eq "Referer of another org slug: all projects" "$(jfield .count)" 4
t_req HEAD /api/public/stats -H "Authorization: Bearer $KEY"
t_eq "HEAD stats: 200 without a body" "$T_STATUS|$T_BODY" '200|'
t_req GET "/api/public/sessions/$PUB/stop" -H "Authorization: Bearer $KEY"
t_eq "GET on stop: 405 Allow POST" "$T_STATUS|$(t_header Allow)" '405|POST'

# ------------------------------------------------------- hostile input
before=$(state)
for id in ABCDEF0123456789 0123 "${PUB}0" 'zzzzzzzzzzzzzzzz' '%2500%2500%2500%2500%2500%2500'; do
	t_req GET "/api/public/sessions/$id"
	t_expect_json "bad id $id: 400 before authentication" 400 "$BADID"
done
post "/api/public/sessions/XYZ/prompt" '' '{"prompt":"x"}'
t_expect_json "bad id on prompt" 400 "$BADID"
for l in 0 -1 abc 1.5 '' '%00'; do
	get "/api/public/sessions?limit=$l" "$KEY"
	t_expect_json "limit '$l'" 400 "$BADLIMIT"
done
get '/api/public/sessions?limit=99999999999999999999999' "$KEY"
t_eq "limit above the maximum is clamped" "$T_STATUS|$(jfield .count)" '200|4'
for c in '!!!' 'Zm9v' "$(printf 'x:%s' "$S" | base64 | tr -d '=')" "$(printf '12:bad id' | base64 | tr '+/' '-_' | tr -d '=')"; do
	get "/api/public/sessions?cursor=$c" "$KEY"
	t_expect_json "cursor '$c'" 400 "$BADCURSOR"
done
get '/api/public/routing-metrics?cursor=Zm9v' "$KEY"
t_expect_json "routing-metrics: bad cursor" 400 "$BADCURSOR"
get '/api/public/routing-metrics?limit=0' "$KEY"
t_expect_json "routing-metrics: bad limit" 400 "$BADLIMIT"
for f in 2026-13-01 yesterday 2026-02-30 '2026-05-01T10:00:00' '2026-05-01T10:00:00.1234567890Z'; do
	get "/api/public/routing-metrics?from=$f" "$KEY"
	t_expect_json "from '$f'" 400 "$(bad "Invalid 'from' parameter: expected an ISO-8601 timestamp")"
done
get '/api/public/routing-metrics?to=2026-05-01T10:00:00%2B25:00' "$KEY"
t_expect_json "bad to" 400 "$(bad "Invalid 'to' parameter: expected an ISO-8601 timestamp")"
get '/api/public/routing-metrics?from=2026-05-02&to=2026-05-01T23:59:59.999%2B00:00' "$KEY"
t_expect_json "from after to" 400 "$(bad "'from' must be earlier than 'to'")"
get '/api/public/routing-metrics?from=2026-05-01&to=2026-05-01T00:00:00.000000001Z' "$KEY"
t_expect_json "from = to after ms truncation" 400 "$(bad "'from' must be earlier than 'to'")"
get "/api/public/sessions/$PUB/activities?after=-1" "$KEY"
t_expect_json "after -1" 400 "$(bad "Invalid 'after' parameter: expected a non-negative integer")"
get "/api/public/session-activities?sessionId=$S&cursor=x" "$KEY"
t_expect_json "query cursor x" 400 "$(bad "Invalid 'cursor' parameter: expected a non-negative integer")"
get "/api/public/session-activities" "$KEY"
t_expect_json "sessionId missing" 400 "$(bad 'sessionId is required')"
for b in '{' '[]' '"x"' '{"prompt":"a"' $'{"prompt":"\xff"}' '{"prompt":"a\u0000b"}'; do
	post "/api/public/sessions/$PUB/prompt" "$KEY" "$b"
	t_expect_json "prompt body '$b'" 400 "$BADJSON"
done
for b in '{}' '{"prompt":7}' '{"prompt":""}' '{"prompt":" \t\n "}' '{"prompt":null}'; do
	post "/api/public/sessions/$PUB/prompt" "$KEY" "$b"
	t_expect_json "prompt $b" 400 "$(bad 'prompt is required')"
done
big=$(head -c 32769 /dev/zero | tr '\0' a)
post "/api/public/sessions/$PUB/prompt" "$KEY" "{\"prompt\":\"$big\"}"
t_expect_json "prompt of 32769 bytes" 400 "$(bad 'prompt exceeds 32768 bytes')"
for k in '""' '7' '"has space"' "\"$(head -c 129 /dev/zero | tr '\0' k)\""; do
	post "/api/public/sessions/$PUB/prompt" "$KEY" "{\"prompt\":\"ok\",\"idempotencyKey\":$k}"
	t_expect_json "idempotencyKey $k" 400 "$(bad 'Invalid idempotencyKey')"
done
for b in '{"cursor":-1}' '{"lastEventId":"1a"}' '{"cursor":1.5}' '{"cursor":true}'; do
	post "/api/public/sessions/$PUB/reconnect" "$KEY" "$b"
	t_expect_json "reconnect $b" 400 "$(bad 'cursor and lastEventId must be non-negative integers')"
done
post "/api/public/sessions/$PUB/reconnect" "$KEY" 'nope'
t_expect_json "reconnect bad JSON" 400 "$BADJSON"
t_req DELETE "/api/public/sessions/$PUB" -H "Authorization: Bearer $KEY"
t_eq "DELETE: 405" "$T_STATUS" 405
t_eq "DELETE: Allow" "$(t_header Allow)" 'GET, HEAD'
get /api/public/workarea-pool "$KEY"
t_expect_json "paths not served" 404 '{"error":"Not Found","message":"Not found"}'
t_eq "hostile input changed nothing" "$(state)" "$before"
