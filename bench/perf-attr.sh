#!/usr/bin/env bash
# perf-attr.sh -- attribute a perf profile of a Rensei responder to its own
# functions (lib/, cgi/), so that time spent inside SQLite, libc or the
# kernel is charged to the function in our code that asked for it.
#
#   bench/perf-attr.sh PERF.DATA [BINARY-NAME-PATTERN] [TOP]
#
# PERF.DATA must hold call graphs (perf record -g or --call-graph dwarf, as
# bench/run --perf records). BINARY-NAME-PATTERN picks the frames that are
# ours, matched against the frame's object path (default: /rensei-).
# Prints three tables, each as a percentage of all samples:
#   where      the object the sample landed in (kernel, libsqlite3, libc, ours…)
#   inclusive  every function of ours on the stack (each counted once a sample)
#   innermost  the innermost function of ours on the stack, after skipping
#              the thin statement/JSON wrappers (ss_*, store_stmt, jw_*): the code
#              that issued the work
set -euo pipefail

[ $# -ge 1 ] || { sed -n '2,/^set -euo/p' "$0" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//' >&2; exit 2; }
data=$1 pat=${2:-/rensei-} top=${3:-25}
[ -r "$data" ] || { echo "perf-attr.sh: cannot read $data" >&2; exit 1; }

perf script -i "$data" -F ip,sym,dso 2>/dev/null | awk -v pat="$pat" -v top="$top" '
function flush(   i, seen, f, inner) {
	if (n == 0) return
	# An inlined frame belongs to the next real frame out.
	for (i = n; i >= 1; i--)
		if (path[i] == "inlined") path[i] = (i < n ? path[i + 1] : "?")
	total++
	where[short(path[1])]++
	inner = ""
	delete seen
	for (i = 1; i <= n; i++) {
		if (index(path[i], pat) == 0) continue
		f = sym[i]
		if (!(f in seen)) { seen[f] = 1; incl[f]++ }
		if (inner == "" && f !~ /^(ss_|store_stmt|jw_|sqlite3_)/) inner = f
	}
	if (inner == "") inner = "(outside our code)"
	innermost[inner]++
	n = 0
}
function short(p) {
	if (p ~ /kernel/) return "[kernel]"
	sub(/.*\//, "", p)
	return p
}
function dump(title, arr,   k, i, j, keys, m, t) {
	m = 0
	for (k in arr) keys[++m] = k
	# selection sort, descending (m is small)
	for (i = 1; i <= m; i++)
		for (j = i + 1; j <= m; j++)
			if (arr[keys[j]] > arr[keys[i]]) { t = keys[i]; keys[i] = keys[j]; keys[j] = t }
	printf "\n%s\n", title
	for (i = 1; i <= m && i <= top; i++)
		printf "  %6.2f%%  %s\n", 100 * arr[keys[i]] / total, keys[i]
}
/^[[:space:]]*$/ { flush(); next }
{
	line = $0
	sub(/^[[:space:]]+/, "", line)
	# "ADDR SYM (PATH)"; SYM may hold spaces ("[unknown]", "foo (inlined)").
	p = line
	if (match(p, /\([^()]*\)$/)) {
		dso = substr(p, RSTART + 1, RLENGTH - 2)
		p = substr(p, 1, RSTART - 1)
	} else dso = "?"
	sub(/^[0-9a-fA-F]+ /, "", p)
	sub(/[[:space:]]+$/, "", p)
	sub(/\+0x[0-9a-f]+$/, "", p)
	n++
	sym[n] = p
	path[n] = dso
}
END {
	flush()
	if (total == 0) { print "no samples with call graphs"; exit 1 }
	printf "%d samples\n", total
	dump("where (object of the sampled instruction)", where)
	dump("inclusive (our functions on the stack)", incl)
	dump("innermost (our function that issued the work)", innermost)
}'
