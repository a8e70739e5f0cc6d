#!/usr/bin/env bash
# config.sh: responders and the admin CLI refuse a bad configuration with
# exit status 78 and the variable's (or file's) name in the log, never
# starting half-configured (01-auth.md §16); a responder that needs the
# store refuses a schema older than it was built for (00-overview.md §2).
. "$(dirname "$0")/../lib.sh"

t_require_bin rensei-admin
t_require_bin rensei-health

data=$T_TMP/data
run=$T_TMP/run
install -d -m 0750 "$run"
"$T_BIN/rensei-admin" --data "$data" --json init >/dev/null

# start_health VAR=VALUE...: runs rensei-health with a clean environment
# plus the given settings; sets RC and LOG (it must exit on its own).
start_health() {
	LOG=$T_TMP/health.log
	RC=0
	env -i PATH="$PATH" RENSEI_DATA_DIR="$data" RENSEI_RUN_DIR="$run" \
		PUBLIC_BASE_URL=http://127.0.0.1:9 "$@" \
		timeout 10 "$T_BIN/rensei-health" >"$LOG" 2>&1 || RC=$?
}

refused() { # DESC NAME VAR=VALUE...
	local desc=$1 name=$2
	shift 2
	start_health "$@"
	t_eq "$desc: exit status 78" "$RC" 78
	t_ok "$desc: log names $name" grep -q "$name" "$LOG"
	t_ok "$desc: log is JSON lines" t_json_file "$LOG"
	t_not "$desc: no socket left" test -e "$run/health.sock"
}

refused "integer out of range" RENSEI_RUNTIME_TOKEN_TTL RENSEI_RUNTIME_TOKEN_TTL=5
refused "integer with a fraction" WORKER_TTL WORKER_TTL=1.5
refused "fraction out of range" ROUTING_EXPLORATION_RATE ROUTING_EXPLORATION_RATE=1.5
refused "unknown M2M_JWT_ALG" M2M_JWT_ALG M2M_JWT_ALG=RS256
refused "procs out of range" RENSEI_HEALTH_PROCS RENSEI_HEALTH_PROCS=65
refused "seal key not 64 hex" RENSEI_SEAL_KEY RENSEI_SEAL_KEY=abcd
refused "uppercase hex secret" AUDIT_SIGNING_MASTER_KEY \
	AUDIT_SIGNING_MASTER_KEY=$(printf 'AB%.0s' $(seq 32))
refused "PUBLIC_BASE_URL with a path" PUBLIC_BASE_URL PUBLIC_BASE_URL=https://x.example/app

# A settings file: an unknown key refuses start, naming the key.
printf 'WORKER_TTL = 300\nNO_SUCH_SETTING = 1\n' >"$T_TMP/bad.conf"
refused "unknown key in RENSEI_CONFIG" NO_SUCH_SETTING RENSEI_CONFIG="$T_TMP/bad.conf"
# The environment wins over the file.
printf 'RENSEI_RUNTIME_TOKEN_TTL = 5\n' >"$T_TMP/ttl.conf"
refused "bad value in the file" RENSEI_RUNTIME_TOKEN_TTL RENSEI_CONFIG="$T_TMP/ttl.conf"

# PUBLIC_BASE_URL is required.
LOG=$T_TMP/nourl.log RC=0
env -i PATH="$PATH" RENSEI_DATA_DIR="$data" RENSEI_RUN_DIR="$run" \
	timeout 10 "$T_BIN/rensei-health" >"$LOG" 2>&1 || RC=$?
t_eq "missing PUBLIC_BASE_URL: exit 78" "$RC" 78
t_ok "missing PUBLIC_BASE_URL: named" grep -q PUBLIC_BASE_URL "$LOG"

# A short WORKER_API_KEY only turns legacy mode off; it is not fatal.
start_health WORKER_API_KEY=short RENSEI_HEALTH_PROCS=1 &
sleep 1
t_ok "short WORKER_API_KEY: responder still starts" test -S "$run/health.sock"
kill -TERM "$(cat "$run/health.pid")"
wait || true

# The admin CLI: a secret file readable by others refuses (78), naming it.
chmod 0644 "$data/seal.key"
rc=0
"$T_BIN/rensei-admin" --data "$data" org list >"$T_TMP/cli.out" 2>&1 || rc=$?
t_eq "seal.key mode 0644: rensei-admin exit 78" "$rc" 78
t_ok "seal.key mode 0644: file named" grep -q seal.key "$T_TMP/cli.out"
chmod 0600 "$data/seal.key"
# A secret file of the wrong length.
cp "$data/session_hash.key" "$T_TMP/sh.key"
printf 'abcd\n' >"$data/session_hash.key"
rc=0
"$T_BIN/rensei-admin" --data "$data" org list >"$T_TMP/cli.out" 2>&1 || rc=$?
t_eq "short session_hash.key: exit 78" "$rc" 78
t_ok "short session_hash.key: file named" grep -q session_hash.key "$T_TMP/cli.out"
cp "$T_TMP/sh.key" "$data/session_hash.key"
rc=0
"$T_BIN/rensei-admin" --data "$data" org list >/dev/null 2>&1 || rc=$?
t_eq "restored: rensei-admin works again" "$rc" 0
