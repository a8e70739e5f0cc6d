#!/usr/bin/env bash
# health.sh: /api/health through real nginx (11-discovery-and-health.md §4;
# acceptance checks 1-5 of §7): exact body, headers, HEAD, 405, OPTIONS, no
# rate limit, and the database check (503 within 1.5 s, back within 2 s).
. "$(dirname "$0")/../lib.sh"

t_stack_up

ISO='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z'
OK_BODY="^\\{\"status\":\"ok\",\"version\":\"[^\"]+\",\"time\":\"$ISO\",\"checks\":\\{\"db\":\"ok\"\\}\\}\$"
BAD_BODY="^\\{\"status\":\"degraded\",\"version\":\"[^\"]+\",\"time\":\"$ISO\",\"checks\":\\{\"db\":\"error\"\\}\\}\$"
METHOD_BODY='{"error":"Method Not Allowed","message":"Method not allowed"}'

common_headers() {
	t_match "$1: Content-Type" "$(t_header Content-Type)" '^application/json'
	t_eq "$1: Cache-Control" "$(t_header Cache-Control)" "no-store"
	t_eq "$1: Access-Control-Allow-Origin" "$(t_header Access-Control-Allow-Origin)" "*"
	t_eq "$1: X-Content-Type-Options" "$(t_header X-Content-Type-Options)" "nosniff"
	t_not "$1: no Set-Cookie" t_has_header Set-Cookie
	t_not "$1: no Access-Control-Allow-Credentials" t_has_header Access-Control-Allow-Credentials
}

# 1. GET: 200, members in order, headers.
t_req GET /api/health
t_eq "GET: status" "$T_STATUS" 200
t_match "GET: body shape and member order" "$T_BODY" "$OK_BODY"
common_headers GET
version=$(jq -r .version <<<"$T_BODY" 2>/dev/null || true)
admin_version=$("$RENSEI_ADMIN_BIN" --version 2>&1 || true)
t_ok "version '$version' is the one rensei-admin --version prints ('$admin_version')" \
	grep -qF -- "$version" <<<"$admin_version"
t_match "version is non-empty" "$version" '.'
now=$(date +%s)
then_s=$(date -d "$(jq -r .time <<<"$T_BODY")" +%s 2>/dev/null || echo 0)
t_le "time is now (within 5 s)" "$(( now > then_s ? now - then_s : then_s - now ))" 5

# Query strings and credentials are ignored.
t_req GET '/api/health?sessionHash=00112233445566778899aabbccddeeff&x=1' \
	-H 'Authorization: Bearer rsk_live_nonsense' -b 'rensei_session=nonsense'
t_eq "GET with query and bogus credentials: status" "$T_STATUS" 200
t_match "GET with query and bogus credentials: body" "$T_BODY" "$OK_BODY"

# 2. HEAD: same status and headers, no body.
t_req HEAD /api/health
t_eq "HEAD: status" "$T_STATUS" 200
t_eq "HEAD: empty body" "$T_BODY" ""
common_headers HEAD

# 4. Other methods: 405 with Allow and the envelope.
for m in POST PUT DELETE PATCH; do
	t_req "$m" /api/health
	t_eq "$m: status" "$T_STATUS" 405
	t_eq "$m: Allow" "$(t_header Allow)" "GET, HEAD, OPTIONS"
	t_eq "$m: body" "$T_BODY" "$METHOD_BODY"
	t_eq "$m: Access-Control-Allow-Origin" "$(t_header Access-Control-Allow-Origin)" "*"
	t_eq "$m: Cache-Control" "$(t_header Cache-Control)" "no-store"
done

# OPTIONS: 204 preflight (11 §1).
t_req OPTIONS /api/health -H 'Origin: https://status.example.com' -H 'Access-Control-Request-Method: GET'
t_eq "OPTIONS: status" "$T_STATUS" 204
t_eq "OPTIONS: empty body" "$T_BODY" ""
t_eq "OPTIONS: Access-Control-Allow-Origin" "$(t_header Access-Control-Allow-Origin)" "*"
t_eq "OPTIONS: Access-Control-Allow-Methods" "$(t_header Access-Control-Allow-Methods)" "GET, HEAD, OPTIONS"
t_eq "OPTIONS: Access-Control-Max-Age" "$(t_header Access-Control-Max-Age)" "86400"

# 5. 200 rapid probes from one IP: all answered, none limited.
urls=()
for _ in $(seq 1 200); do urls+=(-o /dev/null "$T_BASE/api/health"); done
codes=$(curl -s -w '%{http_code}\n' "${urls[@]}" || true)
t_eq "200 rapid probes: all 200" "$(grep -c '^200$' <<<"$codes")" 200
t_eq "200 rapid probes: no 429" "$(grep -c '^429$' <<<"$codes" || true)" 0

# 3. The database moved aside: 503 degraded within 1.5 s; back: 200 within 2 s.
health_is() {
	t_req GET /api/health
	[ "$T_STATUS" = "$1" ]
}
# Requests spread over every worker process: all must agree.
all_are() {
	for _ in 1 2 3 4 5 6; do
		health_is "$1" || return 1
	done
}

db=$T_DATA/rensei.db
t_ok "database file exists" test -f "$db"
mv "$db" "$db.aside"
t0=$(t_now_ms)
if t_wait_ms 1500 health_is 503; then
	t_pass "database moved aside: 503 after $(($(t_now_ms) - t0)) ms"
	t_match "degraded: body" "$T_BODY" "$BAD_BODY"
	common_headers degraded
else
	t_fail "database moved aside: 503 within 1.5 s" "last: $T_STATUS $T_BODY"
fi
left=$((t0 + 1500 - $(t_now_ms)))
[ $left -gt 0 ] && sleep "$(printf '%d.%03d' $((left / 1000)) $((left % 1000)))"
t_ok "database moved aside: every process says 503 after 1.5 s" all_are 503

mv "$db.aside" "$db"
t1=$(t_now_ms)
if t_wait_ms 2000 health_is 200; then
	t_pass "database restored: 200 after $(($(t_now_ms) - t1)) ms"
	t_match "restored: body" "$T_BODY" "$OK_BODY"
else
	t_fail "database restored: 200 within 2 s" "last: $T_STATUS $T_BODY"
fi
left=$((t1 + 2000 - $(t_now_ms)))
[ $left -gt 0 ] && sleep "$(printf '%d.%03d' $((left / 1000)) $((left % 1000)))"
t_ok "database restored: every process says 200 after 2 s" all_are 200
