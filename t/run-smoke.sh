#!/usr/bin/env bash
# run-smoke.sh: run the smoke tests (t/smoke/*.sh, or the ones named) one
# after the other, each in its own bash with a time limit, and end with the
# line "N passed, N failed". Output of a passing test is kept short; a failing
# one's is shown whole. Exit status 1 when any failed.
#
#   t/run-smoke.sh [name ...]        e.g. t/run-smoke.sh health stack
#
# SMOKE_TIMEOUT (default 300) bounds one test, in seconds.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
timeout_s=${SMOKE_TIMEOUT:-300}

tests=()
if [ $# -gt 0 ]; then
	for n in "$@"; do
		n=${n%.sh}
		n=${n##*/}
		[ -f "$ROOT/t/smoke/$n.sh" ] || { echo "run-smoke: no test t/smoke/$n.sh" >&2; exit 2; }
		tests+=("$ROOT/t/smoke/$n.sh")
	done
else
	for f in "$ROOT"/t/smoke/*.sh; do
		[ -f "$f" ] && tests+=("$f")
	done
fi

# Build once here rather than in each test's ./stack up.
if [ "${STACK_NO_BUILD:-}" != 1 ] && [ -z "${STACK_BIN_DIR:-}" ] && [ -f "$ROOT/Makefile" ]; then
	make -C "$ROOT" -s -j"$(nproc 2>/dev/null || echo 2)" >/dev/null || { echo "run-smoke: build failed" >&2; }
fi
export STACK_NO_BUILD=1

logs=$(mktemp -d "${TMPDIR:-/tmp}/rensei-smoke-logs.XXXXXX")
pass=0 fail=0 failed=()
for t in "${tests[@]}"; do
	name=$(basename "$t" .sh)
	start=$SECONDS
	rc=0
	timeout -k 15 "$timeout_s" bash "$t" >"$logs/$name.log" 2>&1 </dev/null || rc=$?
	took=$((SECONDS - start))
	summary=$(grep -E "^$name: [0-9]+ passed, [0-9]+ failed$" "$logs/$name.log" | tail -n 1)
	if [ $rc -eq 0 ]; then
		pass=$((pass + 1))
		echo "PASS: $name (${took}s; ${summary#"$name: "})"
	else
		fail=$((fail + 1))
		failed+=("$name")
		[ $rc -eq 124 ] && echo "# $name: timed out after ${timeout_s}s" >>"$logs/$name.log"
		echo "FAIL: $name (${took}s, status $rc)"
		sed 's/^/    /' "$logs/$name.log"
	fi
done
rm -rf "$logs"
[ ${#failed[@]} -gt 0 ] && echo "failed: ${failed[*]}"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
