#!/usr/bin/env bash
# crash.sh: a 2xx status update is durable (02-worker-protocol.md §6.3)
# even while responder processes die.  A client streams running →
# completed reports for many sessions through nginx while a killer sends
# SIGKILL to the rensei-workers supervisor's children (found by PID with
# pgrep -P <supervisor pid>, never by name); afterwards every update that
# got a 2xx is in the database, the supervisor has respawned its workers,
# PRAGMA integrity_check is ok and the audit chain verifies.
. "$(dirname "$0")/../lib.sh"

t_require_bin rensei-workers
export RENSEI_WORKERS_PROCS=${RENSEI_WORKERS_PROCS:-4}
t_stack_up

N=${CRASH_SESSIONS:-1000}
DB=$T_DATA/rensei.db
ORG=$RENSEI_ORG_ID
PROJ=$RENSEI_PROJECT_ID
q() { sqlite3 "$DB" "$1"; }

t_req POST /api/workers/register -H "Authorization: Bearer $RENSEI_REGISTRATION_TOKEN" \
	--data-binary '{"hostname":"crash-host","capacity":100000}'
[ "$T_STATUS" = 201 ] || { t_fail "register" "$T_STATUS $T_BODY"; exit 1; }
W=$(jq -r .workerId <<<"$T_BODY")
RT=$(jq -r .runtimeToken <<<"$T_BODY")

# N queued sessions (what session_dispatch() writes), in one transaction.
NOW=$(t_now_ms)
SLUG=$(q "SELECT slug FROM projects WHERE id = '$PROJ'")
q "BEGIN IMMEDIATE;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $N)
INSERT INTO sessions (tracker_session_id, org_id, project_id, public_id, issue_id,
	issue_identifier, status, created_at, updated_at, priority, queued_at, source)
SELECT printf('crash-%05d', i), '$ORG', '$PROJ', printf('%016x', 2000000 + i),
	printf('crash-issue-%05d', i), printf('C-%d', i), 'pending', $NOW, $NOW, 3,
	$NOW + i, 'cli' FROM n;
INSERT INTO issue_locks (org_id, issue_id, session_id, expires_at)
SELECT org_id, issue_id, tracker_session_id, $NOW + 7200000 FROM sessions;
INSERT INTO work_queue (session_id, org_id, project_id, priority, queued_at, item)
SELECT tracker_session_id, org_id, project_id, priority, queued_at,
	json_object('sessionId', tracker_session_id, 'issueId', issue_id,
	'issueIdentifier', issue_identifier, 'priority', priority, 'queuedAt', queued_at,
	'workType', 'development', 'projectName', '$SLUG', 'organizationId', org_id)
FROM sessions ORDER BY tracker_session_id;
COMMIT;"

# The client: claims everything by polling, then reports running and
# completed for each session, once each, logging "<id> <status> <http>"
# (000 when the connection failed).  It never retries: what matters is
# which answers were 2xx.
cat >"$T_TMP/client.py" <<'PY'
import http.client, json, sys, time, urllib.parse
base, wid, tok, log, done = sys.argv[1:6]
u = urllib.parse.urlparse(base)
hdr = {"Authorization": "Bearer " + tok, "Content-Type": "application/json"}
conn = None
def call(method, path, body=None):
    global conn
    for attempt in range(2):
        if conn is None:
            conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
        try:
            conn.request(method, path, body=body, headers=hdr)
            r = conn.getresponse()
            return r.status, r.read()
        except (http.client.HTTPException, OSError):
            conn.close()
            conn = None
            if body is not None:
                return 0, b""      # a report is never sent twice
    return 0, b""
claimed, empty = [], 0
while empty < 2:
    st, b = call("GET", "/api/workers/%s/poll" % wid)
    if st != 200:
        time.sleep(0.05)
        continue
    ids = json.loads(b)["claimedSessionIds"]
    claimed += ids
    empty = empty + 1 if not ids else 0
with open(log, "w") as f:
    for sid in claimed:
        for status in ("running", "completed"):
            body = {"workerId": wid, "status": status}
            if status == "completed":
                body.update(totalCostUsd=0.25, inputTokens=10, outputTokens=5)
            st, _ = call("POST", "/api/sessions/%s/status" % sid, json.dumps(body))
            f.write("%s %s %03d\n" % (sid, status, st))
            f.flush()
open(done, "w").close()
PY

children() {
	if command -v pgrep >/dev/null; then pgrep -P "$1" || true; else t_children "$1"; fi
}
SUP=$(cat "$T_RUN/workers.pid")
t_ok "the rensei-workers supervisor runs" t_alive "$SUP"

killer() {
	local n=0 kids pick
	while [ ! -e "$T_TMP/done" ]; do
		sleep "0.0$((RANDOM % 7 + 3))"
		mapfile -t kids < <(children "$SUP")
		[ ${#kids[@]} -gt 0 ] || continue
		pick=${kids[RANDOM % ${#kids[@]}]}
		# Only a direct child of the supervisor, checked again right
		# before the signal.
		[ "$(awk '{print $4}' "/proc/$pick/stat" 2>/dev/null)" = "$SUP" ] || continue
		kill -9 "$pick" 2>/dev/null && n=$((n + 1))
	done
	echo "$n" >"$T_TMP/kills"
}

killer &
KPID=$!
python3 "$T_TMP/client.py" "$T_BASE" "$W" "$RT" "$T_TMP/log" "$T_TMP/done"
crc=$?
touch "$T_TMP/done"
wait "$KPID"
t_eq "the client finished" "$crc" 0
kills=$(cat "$T_TMP/kills")
t_log "kill -9 sent to $kills responder processes"
t_ok "responders were killed during the stream (at least 10)" [ "$kills" -ge 10 ]
total=$(wc -l <"$T_TMP/log")
ok2xx=$(awk '$3 ~ /^2/' "$T_TMP/log" | wc -l)
t_log "$total reports, $ok2xx answered 2xx"
got=$(awk '{print $1}' "$T_TMP/log" | sort -u | wc -l)
t_log "the client's polls returned $got of $N sessions (a poll cut off by a kill loses its answer)"
t_eq "every claimed session got both reports" "$total" $((2 * got))
t_ok "some reports succeeded" [ "$ok2xx" -gt 0 ]

# Every 2xx is in the database.
q "SELECT tracker_session_id || ' ' || status || ' ' || (completed_at IS NOT NULL) || ' ' ||
	total_cost_micro_usd FROM sessions" | sort >"$T_TMP/db"
bad=$(awk '
	NR == FNR { st[$1] = $2; done_[$1] = $3; cost[$1] = $4; next }
	$3 !~ /^2/ { next }
	$2 == "completed" && !(st[$1] == "completed" && done_[$1] == 1 && cost[$1] == 250000) { print "lost: " $0 " db: " st[$1] }
	$2 == "running" && st[$1] != "running" && st[$1] != "completed" { print "lost: " $0 " db: " st[$1] }
' "$T_TMP/db" "$T_TMP/log" | head -5)
t_eq "every 2xx update is durable" "$bad" ""
# A completed 2xx left no claim or lock behind; audit agrees.
t_eq "completed sessions hold no claim row" \
	"$(q "SELECT count(*) FROM work_claims c JOIN sessions s ON s.tracker_session_id = c.session_id WHERE s.status = 'completed'")" 0
# Each change committed with its event: a session's last
# session.status_changed names its status, and a claimed one has none.
t_eq "audit events agree with every session's status" \
	"$(q "SELECT count(*) FROM sessions s WHERE (SELECT json_extract(payload, '$.to')
		FROM audit_events a WHERE a.org_id = s.org_id AND a.session_id = s.tracker_session_id
		AND a.event_type = 'session.status_changed' ORDER BY a.seq DESC LIMIT 1)
		IS NOT (CASE s.status WHEN 'claimed' THEN NULL ELSE s.status END)")" 0
lost=$(awk '$3 !~ /^2/' "$T_TMP/log" | wc -l)
t_log "$lost reports were cut off by a kill (no 2xx); the database may or may not hold them"
t_eq "PRAGMA integrity_check" "$(q 'PRAGMA integrity_check')" ok
t_eq "work_queue_counts agree with the queue, per project" \
	"$(q "SELECT count(*) FROM (SELECT org_id, project_id, count(*) AS c FROM work_queue GROUP BY 1, 2) w FULL JOIN (SELECT org_id, project_id, n FROM work_queue_counts WHERE n <> 0) k USING (org_id, project_id) WHERE w.c IS NOT k.n")" 0

# The supervisor is still there and serves again.
t_ok "the supervisor survived" t_alive "$SUP"
t_wait 10 bash -c "[ \$(curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer $RT' '$T_BASE/api/workers/$W/poll') = 200 ]"
t_req GET "/api/workers/$W/poll" -H "Authorization: Bearer $RT"
t_eq "polls are answered again" "$T_STATUS" 200
audit=$("$RENSEI_ADMIN_BIN" --data "$T_DATA" --json audit verify --org "$ORG" 2>/dev/null || true)
t_match "audit chain verifies" "$audit" '"valid":true'
