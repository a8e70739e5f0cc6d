#!/usr/bin/env bash
# nginx-errors.sh: every error nginx itself makes is the JSON envelope of
# 00-overview.md §3 with the messages of §2: 413 (generic and webhooks), 414,
# oversized header 400, bad methods, unknown paths, /.well-known fallback with
# CORS (11 §2), unbuilt route groups (503), rate limits (429 + Retry-After),
# 502; and the access log never holds a query string (01-auth.md §1.2).
. "$(dirname "$0")/../lib.sh"

t_stack_up

NOT_FOUND='{"error":"Not Found","message":"Not found"}'
TOO_LARGE='{"error":"Payload Too Large","message":"Request body too large"}'
WEBHOOKS_TOO_LARGE='{"error":"Payload Too Large","message":"Body exceeds 10 MiB","code":"payload_too_large"}'
URI_TOO_LONG='{"error":"URI Too Long","message":"URI too long"}'
HEADER_TOO_LARGE='{"error":"Bad Request","message":"Request header too large"}'
BAD_REQUEST='{"error":"Bad Request","message":"Bad request"}'
METHOD='{"error":"Method Not Allowed","message":"Method not allowed"}'
UNAVAILABLE='{"error":"Service Unavailable","message":"Route group not available"}'
LIMITED='{"error":"Too Many Requests","message":"Rate limit exceeded"}'
BAD_GATEWAY='{"error":"Bad Gateway","message":"Upstream unavailable"}'

cors_headers() {
	t_eq "$1: Access-Control-Allow-Origin" "$(t_header Access-Control-Allow-Origin)" "*"
	t_eq "$1: Cache-Control" "$(t_header Cache-Control)" "no-store"
	t_eq "$1: X-Content-Type-Options" "$(t_header X-Content-Type-Options)" "nosniff"
}
no_cors() {
	t_not "$1: no CORS header on /api/*" t_has_header Access-Control-Allow-Origin
}

# ---------------------------------------------------------------- not found
t_req GET /nope
t_expect_json "GET /nope" 404 "$NOT_FOUND"
no_cors "GET /nope"
t_req GET /nope.html
t_expect_json "GET /nope.html (no MIME type by extension)" 404 "$NOT_FOUND"
t_req HEAD /nope
t_eq "HEAD /nope: status" "$T_STATUS" 404
t_eq "HEAD /nope: no body" "$T_BODY" ""
t_req GET /api/orgs
t_expect_json "GET /api/orgs (not a prefix of any group)" 404 "$NOT_FOUND"
t_req GET /.rensei/error/400
t_expect_json "internal error locations are not reachable" 404 "$NOT_FOUND"
# A bare prefix must not get nginx's HTML 301 to the slashed form.
for p in /api/public /api/auth /api/daemon /v1/daemon /api/oauth /api/webhooks /api/mcp \
	/api/scim /api/admin /.well-known /.well-known/audit-keys; do
	t_req GET "$p"
	t_expect_json "GET $p" 404 "$NOT_FOUND"
done

# /.well-known fallback: nginx's 404 with CORS (11 §2).
for p in /.well-known/whatever /.well-known/agent-card.json/x /.well-known/agent-card.json.bak; do
	t_req GET "$p"
	t_expect_json "GET $p" 404 "$NOT_FOUND"
	cors_headers "GET $p"
done

# ------------------------------------------------------------------ methods
t_req FOO /api/health
t_match "FOO /api/health: JSON from the responder" "$(t_header Content-Type)" '^application/json'
t_eq "FOO /api/health: 405" "$T_STATUS" 405
t_eq "FOO /api/health: body" "$T_BODY" "$METHOD"
t_req FOO /nope
t_expect_json "FOO /nope" 404 "$NOT_FOUND"
t_req foo /api/health
t_expect_json "lower-case method foo (nginx: 400)" 400 "$BAD_REQUEST"
t_req TRACE /api/health
t_expect_json "TRACE /api/health (refused by nginx)" 405 "$METHOD"
t_eq "TRACE /api/health: Allow" "$(t_header Allow)" "GET, HEAD, OPTIONS"
cors_headers "TRACE /api/health"
t_req TRACE /api/public/stats
t_expect_json "TRACE /api/public/stats" 405 "$METHOD"

# ----------------------------------------------------------- size limits
long=$(head -c 20000 /dev/zero | tr '\0' a)
t_req GET "/api/health?x=$long"
t_expect_json "URI of 20000 characters" 414 "$URI_TOO_LONG"
t_req GET "/api/public/$long"
t_expect_json "path of 20000 characters" 414 "$URI_TOO_LONG"

big=$(head -c 9000 /dev/zero | tr '\0' a)
t_req GET /api/health -H "X-Big: $big"
t_expect_json "header line over 8 KiB" 400 "$HEADER_TOO_LARGE"
t_req GET /.well-known/jwks.json -H "X-Big: $big"
t_expect_json "header line over 8 KiB on /.well-known" 400 "$HEADER_TOO_LARGE"
t_eq "header line over 8 KiB on /.well-known: CORS" "$(t_header Access-Control-Allow-Origin)" "*"
t_req GET /api/health -H "X-Fits: $(head -c 7000 /dev/zero | tr '\0' a)"
t_eq "header line of 7000 bytes passes" "$T_STATUS" 200

head -c $((2 * 1024 * 1024 + 1)) /dev/zero >"$T_TMP/2m+1"
head -c $((3 * 1024 * 1024)) /dev/zero >"$T_TMP/3m"
head -c $((3 * 1024 * 1024 / 2)) /dev/zero >"$T_TMP/1.5m"
head -c $((11 * 1024 * 1024 + 1)) /dev/zero >"$T_TMP/11m+1"
t_req POST /api/health --data-binary @"$T_TMP/2m+1" -H 'Content-Type: application/json'
t_expect_json "2 MiB + 1 byte to /api/health" 413 "$TOO_LARGE"
t_eq "413 on /api/health: CORS" "$(t_header Access-Control-Allow-Origin)" "*"
t_req POST /api/public/stats --data-binary @"$T_TMP/2m+1" -H 'Content-Type: application/json'
t_expect_json "2 MiB + 1 byte to /api/public/stats" 413 "$TOO_LARGE"
no_cors "413 on /api/public"
t_req POST /api/health --data-binary @"$T_TMP/3m" -H 'Transfer-Encoding: chunked' -H 'Content-Type: application/json'
t_expect_json "3 MiB chunked (no Content-Length) to /api/health" 413 "$TOO_LARGE"
t_req POST /api/health --data-binary @"$T_TMP/1.5m" -H 'Content-Type: application/json'
t_eq "1.5 MiB reaches the responder (nginx's cap sits above its 1 MiB)" "$T_STATUS" 405
t_req POST /api/webhooks/ingest/linear --data-binary @"$T_TMP/11m+1" -H 'Content-Type: application/json'
t_expect_json "11 MiB + 1 byte to webhooks (06 §10)" 413 "$WEBHOOKS_TOO_LARGE"
t_req POST /api/webhooks/ingest/linear --data-binary @"$T_TMP/3m" -H 'Content-Type: application/json'
t_not "3 MiB to webhooks passes nginx (11m cap)" test "$T_STATUS" = 413 -a "$T_BODY" = "$TOO_LARGE"
rm -f "$T_TMP/2m+1" "$T_TMP/3m" "$T_TMP/1.5m" "$T_TMP/11m+1"

# ---------------------------------------------------- unbuilt route groups
# group, its binary, a path of the group (a limit-free one).
while read -r group bin path; do
	if [ -x "$T_BIN/$bin" ]; then
		t_log "$group is built: its 503 is not tested"
		continue
	fi
	t_req GET "$path"
	t_expect_json "$bin not built: GET $path" 503 "$UNAVAILABLE"
	case $path in /.well-known/*) cors_headers "GET $path" ;; *) no_cors "GET $path" ;; esac
	t_req FOO "$path"
	t_expect_json "$bin not built: FOO $path" 503 "$UNAVAILABLE"
done <<'ROUTES'
public rensei-public /api/public/stats
console rensei-console /api/org
console rensei-console /api/cli/whoami
workers rensei-workers /api/workers/register
workers rensei-workers /api/daemon/credentials/snapshot
workers rensei-workers /api/daemon/credentials/rotate-stream
daemon rensei-daemon /v1/daemon/register
webhooks rensei-webhooks /api/webhooks/deliveries
a2a rensei-a2a /api/a2a
a2a rensei-a2a /api/a2a/default/card
mcp rensei-mcp /api/mcp/session-1
audit rensei-audit /api/audit/events
audit rensei-audit /api/audit
discovery rensei-discovery /.well-known/agent-card.json
discovery rensei-discovery /.well-known/audit-keys/ws
scim rensei-scim /api/scim/config
admin rensei-admin-api /api/admin/orgs
ROUTES

# ----------------------------------------------- access log: $uri, no query
t_req GET '/nope?sessionHash=5ec12e7000000000000000000000beef'
sleep 0.2
access=$T_DATA/log/nginx-access.log
t_ok "access log exists" test -s "$access"
t_not "access log holds no query string" grep -q 5ec12e7 "$access"
t_ok "access log holds the path" grep -q '"path":"/nope"' "$access"
t_ok "access log lines are JSON" t_json_file "$access"

# ------------------------------------------------------------ rate limits
# Each curl call below sends its requests back to back on one connection.
burst() { # burst N METHOD PATH [curl args]: status codes, one a line
	local n=$1 m=$2 p=$3 urls=()
	shift 3
	for _ in $(seq 1 "$n"); do urls+=(-o /dev/null "$T_BASE$p"); done
	curl -s -w '%{http_code}\n' -X "$m" "$@" "${urls[@]}" || true
}
count() { grep -c "^$1\$" <<<"$2" || true; }
# req_limited METHOD PATH [curl args]: t_req, repeated (at most 5 times)
# while the answer is not 429 -- on a slow (sanitizer) build the bucket may
# have refilled one slot since the burst; the next request is limited again.
req_limited() {
	local i
	for i in 1 2 3 4 5; do
		t_req "$@"
		[ "$T_STATUS" = 429 ] && return 0
	done
}

# Login: 10/min per IP, burst 5 (01-auth.md §9.5). The limit runs before the
# 503 of an unbuilt console too (try_files comes after limit_req).
codes=$(burst 12 POST /api/auth/login -H 'Content-Type: application/json' -d '{}')
t_eq "12 rapid logins: 1 + burst 5 answered, 6 limited" "$(count 429 "$codes")" 6
t_not "12 rapid logins: the first is not limited" test "$(head -n 1 <<<"$codes")" = 429
req_limited POST /api/auth/login -H 'Content-Type: application/json' -d '{}'
t_expect_json "login over the limit" 429 "$LIMITED"
t_eq "login over the limit: Retry-After" "$(t_header Retry-After)" 60
no_cors "login 429"

# OAuth token: 10/min, burst 5 (05-oauth.md §4).
codes=$(burst 8 POST /api/oauth/token -d 'grant_type=client_credentials')
t_eq "8 rapid token requests: the last 2 limited" "$(count 429 "$codes")" 2
# Introspect: 60/min (burst 20).
codes=$(burst 23 POST /api/oauth/introspect -d 'token=x')
t_between "23 rapid introspections: the last 2 limited" "$(count 429 "$codes")" 1 2

# /api/public: anonymous 60/min burst 20; with a credential 600/min burst 100
# (03-public.md §1.2). Earlier requests above may still count against the
# zone, hence the ranges.
codes=$(burst 25 GET /api/public/stats)
t_between "25 rapid anonymous public requests: 1 + 20 answered" "$(count 429 "$codes")" 4 8
t_ok "25 rapid anonymous public requests: the first 15 answered" \
	test "$(head -n 15 <<<"$codes" | grep -c '^429$' || true)" = 0
codes=$(burst 25 GET /api/public/stats -H 'Authorization: Bearer rsk_live_x')
t_eq "25 rapid public requests with a Bearer: none limited" "$(count 429 "$codes")" 0
codes=$(burst 25 GET /api/public/stats -b 'rensei_session=x')
t_eq "25 rapid public requests with the cookie: none limited" "$(count 429 "$codes")" 0
req_limited GET /api/public/stats
t_expect_json "anonymous public over the limit" 429 "$LIMITED"
t_eq "public 429: Retry-After" "$(t_header Retry-After)" 60

# /.well-known: anon_ip, 60/min burst 20, whatever the request carries (11 §1).
codes=$(burst 25 GET /.well-known/agent-card.json -H 'Authorization: Bearer x')
t_between "25 rapid discovery requests (bogus Bearer): 1 + 20 answered" "$(count 429 "$codes")" 4 12
req_limited GET /.well-known/whatever
t_expect_json "discovery over the limit" 429 "$LIMITED"
t_eq "discovery 429: Retry-After" "$(t_header Retry-After)" 60
cors_headers "discovery 429"

# /api/health: never limited (checked at length in health.sh).
codes=$(burst 50 GET /api/health)
t_eq "50 rapid health probes: none limited" "$(count 429 "$codes")" 0

# ---------------------------------------------------------------- 502
sup=$(cat "$T_RUN/health.pid")
kill -TERM "$sup"
t_ok "health responder stops on SIGTERM" t_wait 10 t_all_dead "$sup"
t_req GET /api/health
t_expect_json "responder down: GET /api/health" 502 "$BAD_GATEWAY"
cors_headers "502 on /api/health"
