#!/usr/bin/env bash
# t/fuzz/run.sh [SECONDS]: builds every libFuzzer driver in t/fuzz/ with
# clang (ASan + UBSan) and runs each for SECONDS (default 20). Exits
# non-zero when a driver crashes; prints "N passed, N failed".
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
secs=${1:-20}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
[ -f config.h ] || { echo "run ./configure first" >&2; exit 2; }
CF="-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -I. -Ilib $(pkg-config --cflags json-c yaml-0.1)"
LIBS="-lfcgi $(pkg-config --libs json-c libsodium libcrypto sqlite3 yaml-0.1) -lm"
LIBSRC=$(ls lib/*.c)
pass=0 fail=0
for drv in t/fuzz/*.c; do
	name=$(basename "$drv" .c)
	if ! clang $CF -o "$out/$name" "$drv" $LIBSRC $LIBS 2>"$out/$name.build"; then
		echo "FAIL: $name (build)"; tail -5 "$out/$name.build"; fail=$((fail + 1)); continue
	fi
	mkdir -p "$out/corpus-$name"
	# Seeds (t/fuzz/seeds/<name>/, read only) start the search from
	# inputs that reach past the first checks.
	seeds=()
	[ -d "t/fuzz/seeds/$name" ] && seeds=("t/fuzz/seeds/$name")
	if "$out/$name" -max_total_time="$secs" -max_len=4096 -timeout=10 \
	    "$out/corpus-$name" "${seeds[@]}" >"$out/$name.log" 2>&1; then
		echo "PASS: $name ($(grep -o 'Done [0-9]* runs' "$out/$name.log"))"
		pass=$((pass + 1))
	else
		echo "FAIL: $name"; tail -30 "$out/$name.log"; fail=$((fail + 1))
	fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
