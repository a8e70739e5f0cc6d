#!/usr/bin/env bash
# concurrency.sh: the poll invariant of 02-worker-protocol.md §6.4 under
# load through real nginx: 10,000 queued items, 8 workers (registered
# through the real endpoint) polling from 8 parallel client processes until
# the queue is empty; every item must be claimed exactly once -- the union
# of claimedSessionIds has no duplicate and equals the enqueued set, and
# the database agrees (one claim row, one session.claimed event each).
. "$(dirname "$0")/../lib.sh"

t_require_bin rensei-workers
t_stack_up

N=${CONCURRENCY_ITEMS:-10000}
P=8
DB=$T_DATA/rensei.db
ORG=$RENSEI_ORG_ID
PROJ=$RENSEI_PROJECT_ID
q() { sqlite3 "$DB" "$1"; }

# Workers first (registration is the teammate's route, used as a client
# would), with room for every item.
for i in $(seq 1 $P); do
	T_BODY=
	t_req POST /api/workers/register -H "Authorization: Bearer $RENSEI_REGISTRATION_TOKEN" \
		--data-binary "{\"hostname\":\"load-$i\",\"capacity\":100000}"
	[ "$T_STATUS" = 201 ] || { t_fail "register load-$i" "$T_STATUS $T_BODY"; exit 1; }
	jq -r '.workerId + " " + .runtimeToken' <<<"$T_BODY" >"$T_TMP/w$i"
done

# The items: one sqlite3 transaction writing what session_dispatch()
# writes for each (session row, issue lock, queue row with its QueuedWork
# item), since 10,000 rensei-admin processes would take minutes.
NOW=$(t_now_ms)
SLUG=$(q "SELECT slug FROM projects WHERE id = '$PROJ'")
q "BEGIN IMMEDIATE;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $N)
INSERT INTO sessions (tracker_session_id, org_id, project_id, public_id, issue_id,
	issue_identifier, status, created_at, updated_at, priority, queued_at, source)
SELECT printf('load-%05d', i), '$ORG', '$PROJ', printf('%016x', 1000000 + i),
	printf('load-issue-%05d', i), printf('LOAD-%d', i), 'pending', $NOW, $NOW,
	1 + i % 9, $NOW + i % 97, 'cli' FROM n;
INSERT INTO issue_locks (org_id, issue_id, session_id, expires_at)
SELECT org_id, issue_id, tracker_session_id, $NOW + 7200000 FROM sessions
WHERE tracker_session_id LIKE 'load-%';
INSERT INTO work_queue (session_id, org_id, project_id, priority, queued_at, item)
SELECT tracker_session_id, org_id, project_id, priority, queued_at,
	json_object('sessionId', tracker_session_id, 'issueId', issue_id,
	'issueIdentifier', issue_identifier, 'priority', priority, 'queuedAt', queued_at,
	'workType', 'development', 'projectName', '$SLUG', 'organizationId', org_id)
FROM sessions WHERE tracker_session_id LIKE 'load-%' ORDER BY tracker_session_id;
COMMIT;"
t_eq "$N items queued" "$(q 'SELECT count(*) FROM work_queue')" "$N"

# Each client process polls as its worker, over one keep-alive
# connection, until two polls in a row claim nothing; like a real daemon it
# heartbeats every 20 s so it never looks offline to cleanup's orphan
# recovery (which would rightly re-queue its sessions).
cat >"$T_TMP/poller.py" <<'PY'
import http.client, json, sys, time, urllib.parse
base, wid, tok, out = sys.argv[1:5]
u = urllib.parse.urlparse(base)
conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
hdr = {"Authorization": "Bearer " + tok}
claimed, empty, errors, beat = [], 0, [], time.monotonic()
while True:
    if time.monotonic() - beat > 20:
        conn.request("POST", "/api/workers/%s/heartbeat" % wid,
                     body=json.dumps({"activeCount": len(claimed)}), headers=hdr)
        conn.getresponse().read()
        beat = time.monotonic()
    try:
        conn.request("GET", "/api/workers/%s/poll" % wid, headers=hdr)
        r = conn.getresponse()
        body = r.read()
    except (http.client.HTTPException, OSError) as e:
        errors.append(repr(e))
        conn.close()
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
        continue
    if r.status != 200:
        errors.append("%d %s" % (r.status, body[:200]))
        time.sleep(0.05)
        if len(errors) > 50:
            break
        continue
    ids = json.loads(body)["claimedSessionIds"]
    claimed.extend(ids)
    empty = empty + 1 if not ids else 0
    if empty >= 2:
        break
with open(out, "w") as f:
    f.write("".join(i + "\n" for i in claimed))
with open(out + ".err", "w") as f:
    f.write("".join(e + "\n" for e in errors))
PY
poller() {
	local wid tok
	read -r wid tok <"$T_TMP/w$1"
	python3 "$T_TMP/poller.py" "$T_BASE" "$wid" "$tok" "$T_TMP/claims.$1"
}

start=$(t_now_ms)
pids=()
for i in $(seq 1 $P); do
	poller "$i" &
	pids+=($!)
done
rc=0
for p in "${pids[@]}"; do wait "$p" || rc=1; done
t_log "drained $N items with $P pollers in $(($(t_now_ms) - start)) ms"
t_eq "every poller finished" "$rc" 0
errs=$(cat "$T_TMP"/claims.*.err 2>/dev/null | head -5 || true)
t_eq "no poll failed" "$errs" ""

cat "$T_TMP"/claims.[0-9]* >"$T_TMP/all"
t_eq "claimed ids in all responses: $N" "$(wc -l <"$T_TMP/all")" "$N"
t_eq "no id handed out twice" "$(sort "$T_TMP/all" | uniq -d | head -3)" ""
q "SELECT tracker_session_id FROM sessions WHERE tracker_session_id LIKE 'load-%' ORDER BY 1" >"$T_TMP/enqueued"
t_eq "the union equals the enqueued set" "$(sort "$T_TMP/all" | sha256sum)" "$(sha256sum <"$T_TMP/enqueued")"
for i in $(seq 1 $P); do
	t_log "poller $i claimed $(wc -l <"$T_TMP/claims.$i")"
done

t_eq "DB: queue empty" "$(q 'SELECT count(*) FROM work_queue')" 0
t_eq "DB: every session claimed" "$(q "SELECT count(*) FROM sessions WHERE status = 'claimed'")" "$N"
t_eq "DB: one claim row per session" "$(q 'SELECT count(*) FROM work_claims')" "$N"
t_eq "DB: claim rows agree with sessions' workers" \
	"$(q 'SELECT count(*) FROM work_claims c JOIN sessions s ON s.tracker_session_id = c.session_id AND s.worker_id = c.worker_id')" "$N"
t_eq "DB: one session.claimed per session" \
	"$(q "SELECT count(*) || ' ' || count(DISTINCT session_id) FROM audit_events WHERE event_type = 'session.claimed'")" "$N $N"
# Each worker's responses match what the database says it holds.
ok=1
for i in $(seq 1 $P); do
	read -r wid _ <"$T_TMP/w$i"
	a=$(sort "$T_TMP/claims.$i" | sha256sum)
	b=$(q "SELECT tracker_session_id FROM sessions WHERE worker_id = '$wid' ORDER BY 1" | sha256sum)
	[ "$a" = "$b" ] || ok=0
done
t_eq "DB: each worker holds exactly what its polls returned" "$ok" 1
t_eq "PRAGMA integrity_check" "$(q 'PRAGMA integrity_check')" ok
t_eq "work_queue_counts agree with the queue, per project" \
	"$(q "SELECT count(*) FROM (SELECT org_id, project_id, count(*) AS c FROM work_queue GROUP BY 1, 2) w FULL JOIN (SELECT org_id, project_id, n FROM work_queue_counts WHERE n <> 0) k USING (org_id, project_id) WHERE w.c IS NOT k.n")" 0
