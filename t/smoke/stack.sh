#!/usr/bin/env bash
# stack.sh: ./stack up / status / down on a data dir of its own: what up
# prints and writes (stack.env with every variable, modes), a second up on a
# running stack, down leaving no process and no socket, data and credentials
# kept across restarts, an expired registration token replaced, a busy port.
. "$(dirname "$0")/../lib.sh"

STACK=$T_ROOT/stack
t_stack_up
out=$(cat "$T_TMP/up.out")

t_match "up prints the URL" "$out" "http://127\\.0\\.0\\.1:$T_PORT"
t_match "up prints the API key" "$out" 'rsk_live_'

# ---------------------------------------------------------------- files
env_file=$T_DATA/stack.env
t_eq "stack.env mode 0600" "$(stat -c %a "$env_file")" 600
t_eq "stack-state.json mode 0600" "$(stat -c %a "$T_DATA/stack-state.json")" 600
t_eq "rensei.conf mode 0600" "$(stat -c %a "$T_DATA/rensei.conf")" 600
t_eq "data dir mode 0700" "$(stat -c %a "$T_DATA")" 700
t_eq "run dir mode 0750" "$(stat -c %a "$T_RUN")" 750
t_ok "stack.env says it holds secrets" grep -qi secret "$env_file"
for v in RENSEI_BASE_URL PUBLIC_BASE_URL RENSEI_DATA_DIR RENSEI_ADMIN_BIN RENSEI_ORG_ID \
	RENSEI_PROJECT_ID RENSEI_ADMIN_EMAIL RENSEI_ADMIN_PASSWORD RENSEI_API_KEY \
	RENSEI_SYSTEM_KEY RENSEI_REGISTRATION_TOKEN WORKER_API_KEY; do
	t_match "stack.env: $v is set" "${!v:-}" '.'
done
t_eq "RENSEI_BASE_URL" "$RENSEI_BASE_URL" "$T_BASE"
t_eq "PUBLIC_BASE_URL" "$PUBLIC_BASE_URL" "$T_BASE"
t_eq "RENSEI_DATA_DIR" "$RENSEI_DATA_DIR" "$T_DATA"
t_match "RENSEI_ADMIN_BIN is absolute" "$RENSEI_ADMIN_BIN" '^/.*/rensei-admin$'
t_ok "RENSEI_ADMIN_BIN is executable" test -x "$RENSEI_ADMIN_BIN"
t_match "RENSEI_ORG_ID" "$RENSEI_ORG_ID" '^org_[0-9A-HJKMNP-TV-Z]{26}$'
t_match "RENSEI_PROJECT_ID" "$RENSEI_PROJECT_ID" '^proj_[0-9A-HJKMNP-TV-Z]{26}$'
t_match "RENSEI_API_KEY" "$RENSEI_API_KEY" '^rsk_live_[0-9a-f]{64}$'
t_match "RENSEI_SYSTEM_KEY" "$RENSEI_SYSTEM_KEY" '^rsk_live_[0-9a-f]{64}$'
t_match "RENSEI_REGISTRATION_TOKEN" "$RENSEI_REGISTRATION_TOKEN" '^rsp_live_'
t_match "WORKER_API_KEY has at least 32 characters" "$WORKER_API_KEY" '^.{32,}$'
t_ok "rensei.conf names the run dir" grep -q "^RENSEI_RUN_DIR = $T_RUN\$" "$T_DATA/rensei.conf"
t_ok "rensei.conf names the public URL" grep -q "^PUBLIC_BASE_URL = $T_BASE\$" "$T_DATA/rensei.conf"
t_ok "health socket exists" test -S "$T_RUN/health.sock"
t_ok "nginx pid file" test -s "$T_DATA/nginx/nginx.pid"

# ---------------------------------------------------------------- status
rc=0
st=$("$STACK" status --data "$T_DATA") || rc=$?
t_eq "status exits 0 while running" "$rc" 0
t_match "status shows nginx running" "$st" 'nginx +running'
t_match "status shows health running" "$st" 'health +running'

t_req GET /api/health
t_eq "health answers" "$T_STATUS" 200

# ---------------------------------------------------------- second up
nginx_pid=$(cat "$T_DATA/nginx/nginx.pid")
rc=0
out2=$("$STACK" up --port "$T_PORT" --data "$T_DATA" 2>&1) || rc=$?
t_eq "second up exits 0" "$rc" 0
t_match "second up says it is already running" "$out2" 'already running'
t_eq "second up leaves nginx as it was" "$(cat "$T_DATA/nginx/nginx.pid")" "$nginx_pid"

# A busy port: refused before anything starts.
rc=0
out3=$("$STACK" up --port "$T_PORT" --data "$T_TMP/other" 2>&1) || rc=$?
t_not "up on a busy port fails" test "$rc" = 0
t_match "up on a busy port says so" "$out3" 'in use'
t_not "up on a busy port started nothing" test -d "$T_TMP/other/run"

# ------------------------------------------------------------------ down
# Every pid the stack owns: nginx master and workers, each supervisor and
# its workers.
all_pids() {
	local f p
	for f in "$T_DATA/nginx/nginx.pid" "$T_RUN"/*.pid; do
		[ -f "$f" ] || continue
		p=$(cat "$f")
		echo "$p"
		t_children "$p"
	done
}
pids=$(all_pids | sort -u)
t_ok "the stack has processes ($(wc -w <<<"$pids"))" test "$(wc -w <<<"$pids")" -ge 4
rc=0
"$STACK" down --data "$T_DATA" >"$T_TMP/down.out" 2>&1 || rc=$?
t_eq "down exits 0" "$rc" 0
# shellcheck disable=SC2086
t_ok "down leaves no process behind" t_all_dead $pids
t_eq "down removes sockets and pid files" "$(ls -A "$T_RUN")" ""
t_not "down removes nginx's pid file" test -e "$T_DATA/nginx/nginx.pid"
rc=0
"$STACK" status --data "$T_DATA" >/dev/null || rc=$?
t_eq "status exits 3 when stopped" "$rc" 3
rc=0
out4=$("$STACK" down --data "$T_DATA" 2>&1) || rc=$?
t_eq "down when stopped exits 0" "$rc" 0
t_match "down when stopped says so" "$out4" 'not running'

# ------------------------------------------------ restart keeps the data
first_org=$RENSEI_ORG_ID first_key=$RENSEI_API_KEY first_pw=$RENSEI_ADMIN_PASSWORD
first_system=$RENSEI_SYSTEM_KEY first_worker=$WORKER_API_KEY first_token=$RENSEI_REGISTRATION_TOKEN
db_inode=$(stat -c %i "$T_DATA/rensei.db")
t_stack_up
t_eq "restart: same database file" "$(stat -c %i "$T_DATA/rensei.db")" "$db_inode"
t_eq "restart: same org" "$RENSEI_ORG_ID" "$first_org"
t_eq "restart: same API key" "$RENSEI_API_KEY" "$first_key"
t_eq "restart: same system key" "$RENSEI_SYSTEM_KEY" "$first_system"
t_eq "restart: same admin password" "$RENSEI_ADMIN_PASSWORD" "$first_pw"
t_eq "restart: same WORKER_API_KEY" "$WORKER_API_KEY" "$first_worker"
t_eq "restart: same registration token (not expired)" "$RENSEI_REGISTRATION_TOKEN" "$first_token"
t_eq "restart: new URL" "$RENSEI_BASE_URL" "$T_BASE"
t_ok "restart: the run dir is recreated 0750" test "$(stat -c %a "$T_RUN")" = 750
t_req GET /api/health
t_eq "restart: health answers" "$T_STATUS" 200

# -------------------------------------- an expired registration token
"$STACK" down --data "$T_DATA" >/dev/null
state=$T_DATA/stack-state.json
jq '.registrationToken.expiresAt = "2000-01-01T00:00:00.000Z"' "$state" >"$T_TMP/state" &&
	cat "$T_TMP/state" >"$state"
t_stack_up
t_match "expired token: a new one is minted" "$RENSEI_REGISTRATION_TOKEN" '^rsp_live_'
t_not "expired token: it differs from the old one" test "$RENSEI_REGISTRATION_TOKEN" = "$first_token"
exp=$(jq -r '.registrationToken.expiresAt' "$state")
case $exp in
*[!0-9]*) exp_s=$(date -d "$exp" +%s 2>/dev/null || echo 0) ;;
*) exp_s=$exp; [ ${#exp} -gt 11 ] && exp_s=$((exp / 1000)) ;;
esac
t_ok "expired token: the new expiresAt ($exp) is in the future" test "$exp_s" -gt "$(date +%s)"
t_eq "expired token: state stays 0600" "$(stat -c %a "$state")" 600
