#!/usr/bin/env bash
# supervisor.sh: the prefork supervisor of a responder (00-overview.md §2,
# process model), on rensei-health: RENSEI_HEALTH_PROCS workers; a worker
# killed with SIGKILL is replaced while health keeps answering; SIGHUP
# replaces the workers one by one without a failed request; SIGTERM makes the
# supervisor and its workers exit 0 within 5 s and removes the socket.
. "$(dirname "$0")/../lib.sh"

export RENSEI_HEALTH_PROCS=3
t_stack_up
unset RENSEI_HEALTH_PROCS

sup=$(cat "$T_RUN/health.pid")
t_ok "supervisor pid file names a live process" t_alive "$sup"
t_eq "health.sock has mode 0660" "$(stat -c %a "$T_RUN/health.sock")" 660

n_children() { t_children "$sup" | wc -l; }
has_n_children() { [ "$(n_children)" -eq "$1" ]; }
t_ok "RENSEI_HEALTH_PROCS=3: three workers" t_wait 5 has_n_children 3
kids=$(t_children "$sup" | sort)

# Probe /api/health every 50 ms in the background; every answer must be 200.
probe_start() {
	: >"$T_TMP/probe"
	(
		while [ ! -f "$T_TMP/probe.stop" ]; do
			curl -s -o /dev/null -w '%{http_code}\n' --max-time 5 "$T_BASE/api/health" >>"$T_TMP/probe" || echo 000 >>"$T_TMP/probe"
			sleep 0.05
		done
	) &
	PROBE=$!
}
# probe_stop DESC [ALLOWED]: at most ALLOWED (default 0) probes not answered 200.
probe_stop() {
	touch "$T_TMP/probe.stop"
	wait "$PROBE" || true
	rm -f "$T_TMP/probe.stop"
	local n bad
	n=$(wc -l <"$T_TMP/probe")
	bad=$(grep -vc '^200$' "$T_TMP/probe" || true)
	t_ok "$1: $n probes during it" test "$n" -gt 0
	t_between "$1: probes not answered 200" "$bad" 0 "${2:-0}"
}

# ---------------------------------------------------------------- SIGKILL
probe_start
victim=$(head -n 1 <<<"$kids")
kill -KILL "$victim"
t_ok "killed worker $victim is gone" t_wait 5 t_all_dead "$victim"
replaced() {
	has_n_children 3 && ! t_children "$sup" | grep -qx "$victim"
}
t_ok "a new worker replaces the killed one within 5 s" t_wait 5 replaced
# The request the killed worker held, if any, is lost (nginx: 502); nothing else.
probe_stop "SIGKILL of a worker" 1
probe_start
sleep 1
probe_stop "after the SIGKILL"
t_ok "supervisor survives a worker's death" t_alive "$sup"

# ----------------------------------------------------------------- SIGHUP
kids=$(t_children "$sup" | sort)
probe_start
kill -HUP "$sup"
all_replaced() {
	local k
	has_n_children 3 || return 1
	for k in $kids; do t_alive "$k" && return 1; done
	return 0
}
t_ok "SIGHUP replaces every worker within 15 s" t_wait 15 all_replaced
sleep 0.5
probe_stop "SIGHUP"
t_ok "supervisor survives SIGHUP" t_alive "$sup"
t_eq "supervisor pid file unchanged" "$(cat "$T_RUN/health.pid")" "$sup"

# ---------------------------------------------------------------- SIGTERM
# A second instance started here, so this shell is its parent and can read
# its exit status. The environment wins over the config file (01-auth.md §16.1).
run2=$T_TMP/run2
install -d -m 0750 "$run2"
RENSEI_RUN_DIR=$run2 RENSEI_HEALTH_PROCS=2 RENSEI_CONFIG=$T_DATA/rensei.conf \
	"$T_BIN/rensei-health" </dev/null >"$T_TMP/health2.log" 2>&1 &
pid2=$!
t_ok "second instance creates its socket" t_wait 10 test -S "$run2/health.sock"
t_ok "second instance writes its pid file" t_wait 5 test -s "$run2/health.pid"
t_eq "pid file holds the supervisor's pid" "$(cat "$run2/health.pid" 2>/dev/null)" "$pid2"
has_two() { [ "$(t_children "$pid2" | wc -l)" -eq 2 ]; }
t_ok "second instance has 2 workers" t_wait 5 has_two
kids2=$(t_children "$pid2")

# Drain: a request a worker has accepted but not finished when SIGTERM
# arrives is still answered, and only then does the supervisor exit.
drain=$T_TMP/drain
mkdir -p "$drain"
python3 "$T_ROOT/t/tools/fcgi-slow.py" "$run2/health.sock" "$drain" &
client=$!
t_ok "drain: a request is in flight" t_wait 5 test -f "$drain/connected"
kill -TERM "$pid2"
sleep 0.7
t_ok "drain: supervisor still running while a request is in hand" t_alive "$pid2"
touch "$drain/go"
wait "$client" || true
t_eq "drain: the request in hand is answered" "$(cat "$drain/response" 2>/dev/null)" "Status: 200 OK"

t0=$(t_now_ms)
( sleep 10; kill -KILL "$pid2" 2>/dev/null ) &
timer=$!
rc=0
wait "$pid2" || rc=$?
elapsed=$(($(t_now_ms) - t0))
kill "$timer" 2>/dev/null || true
wait "$timer" 2>/dev/null || true
t_eq "SIGTERM: exit status 0" "$rc" 0
t_le "SIGTERM: exit within 5 s (ms)" "$elapsed" 5000
# shellcheck disable=SC2086
t_ok "SIGTERM: workers gone" t_wait 2 t_all_dead $kids2
t_not "SIGTERM: socket removed" test -e "$run2/health.sock"
t_ok "SIGTERM: JSON log lines on stderr" t_json_file "$T_TMP/health2.log"
