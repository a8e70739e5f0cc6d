# t/lib.sh: helpers shared by the smoke tests in t/smoke/ (sourced, bash).
#
# A smoke test sources this file, usually calls t_stack_up (its own stack on a
# temp data dir and a free port ≥ 20000, stopped and removed on exit), makes
# checks with t_ok / t_eq / t_match, and ends; the EXIT trap prints
# "<name>: N passed, N failed" and exits non-zero when a check failed or the
# script stopped early.
#
# Checks print TAP-like lines ("ok 3 - ...", "not ok 4 - ...").
#
# HTTP: t_req METHOD PATH [curl args...] sets T_STATUS, T_BODY and keeps the
# response headers for t_header NAME.

# shellcheck disable=SC2034 # T_* variables are for the sourcing test
set -euo pipefail

T_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
T_NAME=$(basename "$0" .sh)
T_BIN=${STACK_BIN_DIR:-$T_ROOT}
T_TMP=$(mktemp -d "${TMPDIR:-/tmp}/rensei-smoke-$T_NAME.XXXXXX")
T_N=0 T_PASS=0 T_FAIL=0
T_DATA='' T_PORT='' T_BASE='' T_RUN=''
T_STATUS='' T_BODY=''

t_log() { printf '# %s\n' "$*"; }

t_pass() {
	T_N=$((T_N + 1)) T_PASS=$((T_PASS + 1))
	printf 'ok %d - %s\n' "$T_N" "$1"
}

# t_fail DESC [detail...]
t_fail() {
	T_N=$((T_N + 1)) T_FAIL=$((T_FAIL + 1))
	printf 'not ok %d - %s\n' "$T_N" "$1"
	shift
	local d
	for d in "$@"; do printf '#   %s\n' "$d" | head -c 2000; done
	return 0
}

# t_ok DESC CMD [ARGS...]: passes when CMD succeeds.
t_ok() {
	local desc=$1
	shift
	if "$@"; then t_pass "$desc"; else t_fail "$desc" "command failed: $*"; fi
}

# t_not DESC CMD [ARGS...]: passes when CMD fails.
t_not() {
	local desc=$1
	shift
	if "$@"; then t_fail "$desc" "command succeeded: $*"; else t_pass "$desc"; fi
}

t_eq() {
	if [ "$2" = "$3" ]; then t_pass "$1"; else t_fail "$1" "got:      '$2'" "expected: '$3'"; fi
}

# t_match DESC VALUE ERE
t_match() {
	if [[ $2 =~ $3 ]]; then t_pass "$1"; else t_fail "$1" "got:     '$2'" "pattern: $3"; fi
}

t_le() {
	if [ "$2" -le "$3" ]; then t_pass "$1"; else t_fail "$1" "got $2, expected at most $3"; fi
}

# t_between DESC VALUE MIN MAX
t_between() {
	if [ "$2" -ge "$3" ] && [ "$2" -le "$4" ]; then t_pass "$1 ($2)"; else t_fail "$1" "got $2, expected $3..$4"; fi
}

t_now_ms() { date +%s%3N; }

# t_wait SECONDS CMD [ARGS...]: poll CMD every 0.1 s until it succeeds.
t_wait() {
	local ms=$(($1 * 1000))
	shift
	t_wait_ms "$ms" "$@"
}

# t_wait_ms MILLISECONDS CMD [ARGS...]
t_wait_ms() {
	local end=$(($(t_now_ms) + $1))
	shift
	while :; do
		"$@" && return 0
		[ "$(t_now_ms)" -ge "$end" ] && return 1
		sleep 0.1
	done
}

# ------------------------------------------------------------------ processes
# A zombie counts as gone.
t_alive() {
	local stat
	[ -n "$1" ] && read -r stat 2>/dev/null <"/proc/$1/stat" || return 1
	stat=${stat##*) }
	case ${stat%% *} in Z | X) return 1 ;; esac
}

# Children of a pid (what `pgrep -P` prints), without needing procps.
t_children() {
	local f stat rest
	for f in /proc/[0-9]*/stat; do
		read -r stat 2>/dev/null <"$f" || continue
		rest=${stat##*) }
		set -- "$1" $rest
		if [ "${3:-}" = "$1" ] && [ "${2:-}" != Z ]; then
			f=${f#/proc/}
			echo "${f%/stat}"
		fi
	done
	return 0
}

t_all_dead() {
	local p
	for p in "$@"; do t_alive "$p" && return 1; done
	return 0
}

# ----------------------------------------------------------------------- ports
t_port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

t_free_port() {
	local p
	for _ in $(seq 1 200); do
		p=$((20000 + RANDOM % 20000))
		t_port_in_use "$p" || { echo "$p"; return 0; }
	done
	echo "t_free_port: no free port" >&2
	return 1
}

# ----------------------------------------------------------------------- stack
# t_stack_up [extra ./stack up args]: a stack of our own. Sets T_PORT, T_DATA,
# T_RUN, T_BASE and reads DATA/stack.env into shell variables (not exported,
# so they do not leak into the responders' environment).
t_stack_up() {
	T_PORT=$(t_free_port)
	T_DATA=$T_TMP/data
	T_RUN=$T_DATA/run
	T_BASE=http://127.0.0.1:$T_PORT
	if ! "$T_ROOT/stack" up --port "$T_PORT" --data "$T_DATA" "$@" >"$T_TMP/up.out" 2>&1; then
		cat "$T_TMP/up.out"
		t_fail "./stack up --port $T_PORT"
		exit 1
	fi
	# shellcheck disable=SC1091
	. "$T_DATA/stack.env"
}

t_stack_down() {
	[ -n "$T_DATA" ] && "$T_ROOT/stack" down --data "$T_DATA"
}

t_require_bin() {
	[ -x "$T_BIN/$1" ] && return 0
	t_fail "$1 is built ($T_BIN/$1)"
	exit 1
}

# ------------------------------------------------------------------------ http
# t_req METHOD PATH [curl args...]
t_req() {
	local m=$1 path=$2
	shift 2
	local how=(-X "$m")
	case $m in GET) how=() ;; HEAD) how=(-I) ;; esac
	T_STATUS=$(curl -sS -o "$T_TMP/body" -D "$T_TMP/headers" -w '%{http_code}' --max-time 15 \
		"${how[@]}" "$@" "$T_BASE$path" 2>"$T_TMP/curl.err") || T_STATUS=000
	T_BODY=$(cat "$T_TMP/body" 2>/dev/null || true)
	# curl -I never reads a body; ask again on a bare connection to see
	# whether the server sends one.
	[ "$m" = HEAD ] && T_BODY=$(t_raw_body HEAD "$path")
	return 0
}

# t_raw_body METHOD PATH: what follows the header block when METHOD PATH is
# sent over a plain connection (HTTP/1.1, Connection: close).
t_raw_body() {
	local hostport=${T_BASE#http://}
	timeout 5 bash -c '
		exec 3<>"/dev/tcp/${1%:*}/${1##*:}" || exit 1
		printf "%s %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n" "$2" "$3" "$1" >&3
		cat <&3' _ "$hostport" "$1" "$2" >"$T_TMP/raw" 2>/dev/null || true
	# Print everything after the first empty line (CRLF CRLF).
	awk 'found { print; next } /^\r?$/ { found = 1 }' "$T_TMP/raw"
}

# Value of a header of the last response ("" when absent).
t_header() {
	local name=${1,,} line k
	[ -f "$T_TMP/headers" ] || return 0
	while IFS= read -r line; do
		line=${line%$'\r'}
		k=${line%%:*}
		if [ "${k,,}" = "$name" ]; then
			line=${line#*:}
			line=${line# }
			echo "$line"
			return 0
		fi
	done <"$T_TMP/headers"
	return 0
}

# t_json_file FILE: every line of FILE (or the whole of it) parses as JSON.
t_json_file() { [ -s "$1" ] && jq -e . "$1" >/dev/null 2>&1; }

t_has_header() { grep -qi "^$1:" "$T_TMP/headers" 2>/dev/null; }

# t_expect_json DESC STATUS BODY: status and exact body of the last response,
# and a JSON content type.
t_expect_json() {
	t_eq "$1: status" "$T_STATUS" "$2"
	t_eq "$1: body" "$T_BODY" "$3"
	t_match "$1: Content-Type JSON" "$(t_header Content-Type)" '^application/json'
}

# --------------------------------------------------------------------- the end
t_cleanup() {
	local rc=$?
	trap - EXIT
	set +e
	if [ -n "$T_DATA" ] && [ -d "$T_DATA" ]; then
		if [ $T_FAIL -gt 0 ] || [ $rc -ne 0 ]; then
			local f
			for f in "$T_DATA"/log/*.log; do
				[ -f "$f" ] || continue
				echo "# --- last lines of ${f#"$T_DATA"/}"
				tail -n 15 "$f" | sed 's/^/#   /'
			done
		fi
		"$T_ROOT/stack" down --data "$T_DATA" >/dev/null 2>&1
	fi
	rm -rf "$T_TMP"
	if [ $rc -ne 0 ] && [ $T_FAIL -eq 0 ]; then
		T_FAIL=1
		echo "not ok - $T_NAME stopped early (status $rc)"
	fi
	echo "$T_NAME: $T_PASS passed, $T_FAIL failed"
	[ $T_FAIL -eq 0 ] && exit 0
	exit 1
}
trap t_cleanup EXIT
trap 'exit 143' TERM INT
