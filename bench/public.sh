#!/usr/bin/env bash
# bench/public.sh -- the public API's flat-latency benchmark (not a test).
#
# 03-public.md §3.1 wants stats (and the first page of the session list)
# not to grow with the org's history.  This starts two stacks through real
# nginx: one on an empty store, one on a store seeded with N sessions
# (default 1000000, direct SQL through sqlite3, spread over the last two
# years, so ~N/730 fall on today), and a third on a store of exactly one
# full first page (100 sessions, same shape), then times GET
# /api/public/stats and GET /api/public/sessions (first page, default limit
# 100) with sequential curl requests, interleaved round by round over the
# three stacks, and prints medians, p90 and the ratios seeded / empty (the
# brief's target: ≤ 1.5) and seeded / one page (history alone).
#
#   bench/public.sh [--sessions N] [--reps N] [--keep]
#
# The credentialed /api/public rate limit (600 r/m, burst 100) bounds the
# requests per stack: warm-up + 2 × reps must stay under 100 (reps ≤ 47).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
N=1000000 REPS=40 KEEP=0 WARM=5
while [ $# -gt 0 ]; do
	case $1 in
	--sessions) N=$2; shift 2 ;;
	--reps) REPS=$2; shift 2 ;;
	--keep) KEEP=1; shift ;;
	-h | --help) sed -n '2,20p' "$0"; exit 0 ;;
	*) echo "bench/public.sh: unknown option $1" >&2; exit 2 ;;
	esac
done
[ $((WARM + 2 * REPS)) -lt 100 ] || { echo "reps too high for the rate limit" >&2; exit 2; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/rensei-bench-public.XXXXXX")
cleanup() {
	for d in "$TMP"/empty "$TMP"/page "$TMP"/big; do
		if [ -d "$d" ]; then "$ROOT/stack" down --data "$d" >/dev/null 2>&1 || true; fi
	done
	if [ $KEEP = 1 ]; then echo "kept $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT

free_port() {
	local p
	for _ in $(seq 1 200); do
		p=$((20000 + RANDOM % 20000))
		(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
	done
	return 1
}

up() { # DIR
	STACK_NO_DEPS=1 "$ROOT/stack" up --port "$(free_port)" --data "$1" >"$1.up.log" 2>&1 ||
		{ cat "$1.up.log"; exit 1; }
}

seed() { # DB ORG PROJ N
	local now
	now=$(date +%s%3N)
	sqlite3 "$1" <<SQL
PRAGMA cache_size = -262144;
BEGIN IMMEDIATE;
WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < $4)
INSERT INTO sessions (tracker_session_id, org_id, project_id, public_id,
    issue_id, issue_identifier, status, created_at, updated_at, priority,
    work_type, provider, source, total_cost_micro_usd, input_tokens,
    output_tokens, completed_at, claimed_at, queued_at)
SELECT printf('bench-%08d', i), '$2', '$3', printf('%016x', 1099511627776 + i),
    printf('iss-%07d', i / 3), printf('B-%d', i / 3),
    CASE WHEN i % 20 = 0 THEN 'failed' WHEN i % 20 = 1 THEN 'stopped'
         ELSE 'completed' END,
    $now - 63072000000 + i * (63072000000 / $4),
    $now - 63072000000 + i * (63072000000 / $4) + 600000,
    3, CASE i % 4 WHEN 0 THEN 'qa' WHEN 1 THEN 'refinement' ELSE 'development' END,
    CASE i % 3 WHEN 0 THEN 'codex' ELSE 'claude' END, 'cli',
    (i * 7919) % 2000000, 1000, 200,
    $now - 63072000000 + i * (63072000000 / $4) + 600000,
    $now - 63072000000 + i * (63072000000 / $4) + 1000,
    $now - 63072000000 + i * (63072000000 / $4)
FROM k;
COMMIT;
ANALYZE;
SQL
}

# base_key DIR -> "base key"
base_key() {
	local env=$1/stack.env
	echo "$(sed -n 's/^RENSEI_BASE_URL=//p' "$env" | tr -d "'\"")" \
		"$(sed -n 's/^RENSEI_API_KEY=//p' "$env" | tr -d "'\"")"
}

# one BASE KEY PATH -> seconds of one request (fails on a non-200)
one() {
	local t
	t=$(curl -sS -o /dev/null -w '%{http_code} %{time_total}' \
		-H "Authorization: Bearer $2" "$1$3")
	[ "${t%% *}" = 200 ] || { echo "GET $1$3: ${t%% *}" >&2; exit 1; }
	echo "${t#* }"
}

# stats FILE -> "median p90" in ms
stats() {
	sort -n "$1" | awk '{ v[NR] = $1 * 1000 }
		END { printf "%.2f %.2f\n", v[int((NR + 1) / 2)], v[int(NR * 0.9)] }'
}

echo "# building"
(cd "$ROOT" && make -j2 >/dev/null)
for d in empty page big; do up "$TMP/$d"; done
org=$(sed -n 's/^RENSEI_ORG_ID=//p' "$TMP/big/stack.env" | tr -d "'\"")
proj=$(sed -n 's/^RENSEI_PROJECT_ID=//p' "$TMP/big/stack.env" | tr -d "'\"")
"$ROOT/stack" down --data "$TMP/big" >/dev/null 2>&1
echo "# seeding $N sessions"
t0=$(date +%s)
seed "$TMP/big/rensei.db" "$org" "$proj" "$N"
echo "# seeded in $(($(date +%s) - t0)) s: $(sqlite3 "$TMP/big/rensei.db" 'SELECT count(*) FROM sessions') sessions," \
	"$(sqlite3 "$TMP/big/rensei.db" "SELECT count(*) FROM sessions WHERE updated_at >= $(date +%s)000 / 86400000 * 86400000")" today
up "$TMP/big"
# "page": exactly one full first page (100 sessions), the same shape.
org=$(sed -n 's/^RENSEI_ORG_ID=//p' "$TMP/page/stack.env" | tr -d "'\"")
proj=$(sed -n 's/^RENSEI_PROJECT_ID=//p' "$TMP/page/stack.env" | tr -d "'\"")
seed "$TMP/page/rensei.db" "$org" "$proj" 100

# Interleaved: each round asks every store once per route, so load from
# elsewhere on the machine falls on all of them alike.
declare -A BK
for d in empty page big; do BK[$d]=$(base_key "$TMP/$d"); done
for r in $(seq 1 $((WARM + REPS))); do
	for d in empty page big; do
		read -r base key <<<"${BK[$d]}"
		s=$(one "$base" "$key" /api/public/stats)
		l=$(one "$base" "$key" /api/public/sessions)
		if [ "$r" -gt "$WARM" ]; then
			echo "$s" >>"$TMP/$d.stats"
			echo "$l" >>"$TMP/$d.list"
		fi
	done
done

echo
echo "machine: $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ), $REPS interleaved rounds of sequential curl requests after $WARM warm-up"
printf '| route | empty: median ms (p90) | 100 sessions (one full page) | %d sessions | ratio %d / empty | ratio %d / 100 |\n' "$N" "$N" "$N"
echo '|---|---|---|---|---|---|'
for r in stats list; do
	read -r em ep <<<"$(stats "$TMP/empty.$r")"
	read -r pm pp <<<"$(stats "$TMP/page.$r")"
	read -r bm bp <<<"$(stats "$TMP/big.$r")"
	printf '| %s | %s (%s) | %s (%s) | %s (%s) | %s | %s |\n' "$r" "$em" "$ep" "$pm" "$pp" "$bm" "$bp" \
		"$(awk -v a="$bm" -v b="$em" 'BEGIN { printf "%.2f", a / b }')" \
		"$(awk -v a="$bm" -v b="$pm" 'BEGIN { printf "%.2f", a / b }')"
done
