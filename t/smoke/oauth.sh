#!/usr/bin/env bash
# oauth.sh: rensei-oauth through real nginx (05-oauth.md, HS256 mode): an
# M2M client created over the admin API with the system key obtains tokens
# with client_secret_basic and client_secret_post (form and JSON) and uses
# them on routes that take M2M JWTs with exactly the granted scopes; every
# RFC 6749 error of §1.5 in the processing order of §1.3; no-store headers;
# the audit event and lastUsedAt; introspection (active, inactive for every
# other kind of token, another org's token); deleting the client revokes its
# tokens at once; the per-client limit (§4).
#
# nginx limits /api/oauth/token to 10/min (burst 5) per IP, so requests
# rotate over loopback source addresses (127.0.0.N) to keep that limit out of
# the way of the checks; the per-client limit is the responder's.
. "$(dirname "$0")/../lib.sh"

t_require_bin rensei-oauth
t_require_bin rensei-admin-api
t_stack_up
ADMIN=("$RENSEI_ADMIN_BIN" --data "$T_DATA")
DB=$T_DATA/rensei.db
ORG=$RENSEI_ORG_ID
SYS=$RENSEI_SYSTEM_KEY

sql() { sqlite3 -batch -noheader "$DB" "$1"; }
IPN=10 IPC=0
# next_src: a fresh loopback source address (SRC) every 4 requests.
SRC=127.0.0.10
next_src() {
	IPC=$((IPC + 1))
	if [ $((IPC % 4)) -eq 0 ]; then IPN=$((IPN + 1)); fi
	SRC=127.0.0.$IPN
}
# tok [curl args...]: POST /api/oauth/token
tok() { next_src; t_req POST /api/oauth/token --interface "$SRC" "$@"; }
intro() { next_src; t_req POST /api/oauth/introspect --interface "$SRC" "$@"; }
FORM=(-H 'Content-Type: application/x-www-form-urlencoded')
JSON=(-H 'Content-Type: application/json')
basic() { printf '%s' "$1:$2" | base64 -w0; }
# oerr DESC STATUS ERROR DESCRIPTION: an OAuth error response.
oerr() {
	t_eq "$1: status" "$T_STATUS" "$2"
	t_eq "$1: body" "$T_BODY" "{\"error\":\"$3\",\"error_description\":\"$4\"}"
	t_eq "$1: no-store" "$(t_header Cache-Control)/$(t_header Pragma)" "no-store/no-cache"
	if [ "$2" = 401 ]; then
		t_eq "$1: Basic challenge" "$(t_header WWW-Authenticate)" 'Basic realm="rensei"'
	fi
}
jwt_part() { local s=${1//-/+}; s=${s//_//}; while [ $((${#s} % 4)) -ne 0 ]; do s+='='; done; base64 -d <<<"$s" 2>/dev/null; }
client() {
	t_req POST /api/admin/m2m-clients -H "Authorization: Bearer $SYS" "${JSON[@]}" \
		--data-binary "{\"name\":\"$1\",\"scopes\":$2,\"orgId\":\"$3\"}"
	CID=$(jq -r .client.clientId <<<"$T_BODY")
	SEC=$(jq -r .client.clientSecret <<<"$T_BODY")
	[ "$T_STATUS" = 201 ]
}
issued() { sql "SELECT count(*) FROM audit_events WHERE event_type = 'oauth.token_issued'"; }

t_ok "client A1 created over the admin API" client a1 '["sessions:read","workers:read"]' "$ORG"
A1=$CID A1S=$SEC

# ------------------------------------------------------------------ success
n_issued=$(issued)
tok "${FORM[@]}" -H "Authorization: Basic $(basic "$A1" "$A1S")" --data 'grant_type=client_credentials'
t_eq "basic: 200" "$T_STATUS" 200
t_eq "basic: Content-Type" "$(t_header Content-Type)" 'application/json;charset=UTF-8'
t_eq "basic: Cache-Control" "$(t_header Cache-Control)" no-store
t_eq "basic: Pragma" "$(t_header Pragma)" no-cache
t_eq "basic: members" "$(jq -c 'keys_unsorted' <<<"$T_BODY")" '["access_token","token_type","expires_in","scope"]'
t_eq "basic: token_type, expires_in, scope" "$(jq -r '[.token_type, .expires_in, .scope] | join("|")' <<<"$T_BODY")" "Bearer|3600|sessions:read workers:read"
AT=$(jq -r .access_token <<<"$T_BODY")
IFS=. read -r H P S <<<"$AT"
t_eq "token header" "$(jwt_part "$H")" '{"alg":"HS256","typ":"at+jwt"}'
CL=$(jwt_part "$P")
t_eq "token claims" "$(jq -c '[.iss, .aud, .sub, .client_id, .org_id, .workspace_id, .scopes, .scope, (.exp - .iat)]' <<<"$CL")" \
	"[\"rensei-platform\",\"rensei-api\",\"$A1\",\"$A1\",\"$ORG\",\"$ORG\",[\"sessions:read\",\"workers:read\"],\"sessions:read workers:read\",3600]"
t_match "token jti" "$(jq -r .jti <<<"$CL")" '^[0-9a-f]{32}$'
t_eq "audit: oauth.token_issued" "$(issued)" $((n_issued + 1))
EV=$(sql "SELECT actor_type || ' ' || actor_id || ' ' || entity_type || ' ' || entity_id FROM audit_events WHERE event_type = 'oauth.token_issued' ORDER BY seq DESC LIMIT 1")
t_eq "audit: actor and entity" "$EV" "m2m $A1 m2m_client $A1"
PL=$(sql "SELECT payload FROM audit_events WHERE event_type = 'oauth.token_issued' ORDER BY seq DESC LIMIT 1")
t_eq "audit: payload" "$(jq -c '[.clientId, .jti, .scope]' <<<"$PL")" "[\"$A1\",\"$(jq -r .jti <<<"$CL")\",\"sessions:read workers:read\"]"
t_eq "audit: expiresAt is exp" "$(date -u -d "$(jq -r .expiresAt <<<"$PL")" +%s)" "$(jq -r .exp <<<"$CL")"
t_eq "audit: no secret in the payload" "$(grep -c "$A1S" <<<"$PL" || true)" 0
t_eq "lastUsedAt stamped" "$(sql "SELECT last_used_at IS NOT NULL FROM m2m_clients WHERE id = '$A1'")" 1

t_req GET /api/workers -H "Authorization: Bearer $AT"
t_eq "token on GET /api/workers: 200" "$T_STATUS" 200
t_req GET /api/sessions -H "Authorization: Bearer $AT"
t_eq "token on GET /api/sessions: 200" "$T_STATUS" 200

tok "${FORM[@]}" --data "grant_type=client_credentials&client_id=$A1&client_secret=$A1S&scope=workers:read"
t_eq "post (form) with a narrower scope: 200" "$T_STATUS" 200
t_eq "post: granted scope" "$(jq -r .scope <<<"$T_BODY")" "workers:read"
AT_W=$(jq -r .access_token <<<"$T_BODY")
t_req GET /api/sessions -H "Authorization: Bearer $AT_W"
t_expect_json "narrow token lacks sessions:read" 403 '{"error":"Forbidden","message":"Missing required scope: sessions:read"}'
t_req GET /api/workers -H "Authorization: Bearer $AT_W"
t_eq "narrow token keeps workers:read" "$T_STATUS" 200
t_req GET /api/workers -H "Authorization: Bearer ${AT_W%?}x"
t_eq "tampered signature: 401" "$T_STATUS" 401
t_eq "tampered signature: U5" "$T_BODY" '{"error":"Unauthorized","message":"Invalid access token"}'

t_ok "client A2 created" client a2 '["sessions:read","workers:read"]' "$ORG"
A2=$CID A2S=$SEC
tok "${JSON[@]}" --data-binary "{\"grant_type\":\"client_credentials\",\"client_id\":\"$A2\",\"client_secret\":\"$A2S\",\"scope\":\" workers:read   sessions:read workers:read \"}"
t_eq "post (JSON), spaces and duplicates: 200" "$T_STATUS" 200
t_eq "JSON: request order, de-duplicated" "$(jq -r .scope <<<"$T_BODY")" "workers:read sessions:read"
tok -H 'Content-Type: Application/X-WWW-Form-Urlencoded; Charset="utf-8"' -H "Authorization: bAsIc $(basic "$A2" "$A2S")" --data "grant_type=client_credentials&client_id=$A2"
t_eq "scheme and media type case-insensitive, same body client_id: 200" "$T_STATUS" 200
tok "${FORM[@]}" --data "gr%61nt_type=client%5Fcredentials&client%5Fid=$A2&client_secret=$A2S&scope=workers%3Aread"
t_eq "escaped names and values: 200" "$T_STATUS/$(jq -r .scope <<<"$T_BODY")" "200/workers:read"

# -------------------------------------------------------- errors, in order
t_ok "client A3 created" client a3 '["sessions:read"]' "$ORG"
A3=$CID A3S=$SEC
n_issued=$(issued)
next_src; t_req GET /api/oauth/token --interface "$SRC"
t_expect_json "GET: 405" 405 '{"error":"Method Not Allowed","message":"Method not allowed"}'
t_eq "GET: Allow" "$(t_header Allow)" POST
tok "${FORM[@]}" --data 'grant_type=client_credentials' -G --data-urlencode "client_id=$A3" -X POST
oerr "client_id in the query" 400 invalid_request 'Client credentials must not be sent in the query string'
next_src; t_req POST "/api/oauth/token?client_secret=x" --interface "$SRC" -H 'Content-Type: text/plain' --data 'x'
oerr "query before content type" 400 invalid_request 'Client credentials must not be sent in the query string'
tok -H 'Content-Type: text/plain' --data 'grant_type=client_credentials'
oerr "text/plain" 400 invalid_request 'Unsupported content type'
tok -H 'Content-Type: application/x-www-form-urlencoded; charset=latin1' --data 'grant_type=client_credentials'
oerr "another charset" 400 invalid_request 'Unsupported content type'
tok "${FORM[@]}" --data 'grant_type=client%ZZcredentials'
oerr "bad %-escape" 400 invalid_request 'Malformed request body'
tok "${FORM[@]}" --data 'grant_type=client_credentials&scope=%00'
oerr "NUL byte" 400 invalid_request 'Malformed request body'
tok "${FORM[@]}" --data 'grant_type=client_credentials&scope=%FF'
oerr "not UTF-8" 400 invalid_request 'Malformed request body'
tok "${JSON[@]}" --data '{"grant_type":"client_credentials"'
oerr "truncated JSON" 400 invalid_request 'Malformed request body'
tok "${JSON[@]}" --data '["grant_type"]'
oerr "JSON array" 400 invalid_request 'Malformed request body'
tok "${JSON[@]}" --data '{"grant_type":"client_credentials","grant_type":"x"}'
oerr "duplicate JSON key" 400 invalid_request 'Malformed request body'
tok "${JSON[@]}" --data '{"grant_type":"client_credentials","scope":1e999}'
oerr "non-string member" 400 invalid_request 'Malformed request body'
tok "${FORM[@]}" --data 'grant_type=client_credentials&scope=a&scope=b'
oerr "repeated parameter" 400 invalid_request 'Repeated parameter: scope'
tok "${FORM[@]}" -H "Authorization: Bearer $RENSEI_API_KEY" --data 'grant_type=client_credentials'
oerr "Bearer scheme" 400 invalid_request 'Unsupported authorization scheme'
tok "${FORM[@]}" --data "client_id=$A3&client_secret=$A3S"
oerr "grant_type absent" 400 invalid_request 'grant_type is required'
tok "${FORM[@]}" --data "grant_type=password&client_id=$A3&client_secret=$A3S"
oerr "password grant" 400 unsupported_grant_type 'Only client_credentials is supported'
tok "${FORM[@]}" --data "grant_type=authorization_code"
oerr "grant before authentication" 400 unsupported_grant_type 'Only client_credentials is supported'
tok "${FORM[@]}" -H "Authorization: Basic $(basic "$A3" "$A3S")" --data "grant_type=client_credentials&client_secret=$A3S"
oerr "Basic plus body secret" 400 invalid_request 'Multiple client authentication methods'
tok "${FORM[@]}" -H "Authorization: Basic $(basic "$A3" "$A3S")" --data "grant_type=client_credentials&client_id=$A2"
oerr "Basic plus another body client_id" 400 invalid_request 'Multiple client authentication methods'
tok "${FORM[@]}" --data "grant_type=client_credentials&client_secret=$A3S"
oerr "secret without id" 400 invalid_request 'client_id is required'
tok "${FORM[@]}" --data "grant_type=client_credentials"
oerr "no client authentication" 401 invalid_client 'Client authentication required'
tok "${FORM[@]}" --data "grant_type=client_credentials&client_id=$A3"
oerr "id without secret counts as none" 401 invalid_client 'Client authentication required'
tok "${FORM[@]}" --data "grant_type=client_credentials&client_id=$A3&client_secret=m2ms_wrong"
oerr "wrong secret" 401 invalid_client 'Client authentication failed'
tok "${FORM[@]}" --data "grant_type=client_credentials&client_id=m2m_$(printf '0%.0s' {1..32})&client_secret=$A3S"
oerr "unknown client" 401 invalid_client 'Client authentication failed'
tok "${FORM[@]}" --data "grant_type=client_credentials&client_id=not-an-id&client_secret=x"
oerr "ill-formed client id" 401 invalid_client 'Client authentication failed'
tok "${FORM[@]}" -H 'Authorization: Basic %%%notbase64' --data "grant_type=client_credentials"
oerr "undecodable Basic" 401 invalid_client 'Client authentication failed'
tok "${FORM[@]}" -H "Authorization: Basic $(basic "$A3" "$A3S" | tr -d =)" --data "grant_type=client_credentials"
oerr "Basic without padding" 401 invalid_client 'Client authentication failed'
tok "${FORM[@]}" --data "grant_type=client_credentials&client_id=$A3&client_secret=$A3S&scope=workers:read"
oerr "scope the client lacks" 400 invalid_scope 'Requested scope is not allowed for this client'
tok "${FORM[@]}" --data "grant_type=client_credentials&client_id=$A3&client_secret=$A3S&scope=sessions:read+bogus"
oerr "unknown scope" 400 invalid_scope 'Requested scope is not allowed for this client'
tok "${FORM[@]}" --data "grant_type=client_credentials&client_id=$A3&client_secret=$A3S&scope=*"
oerr "* needs *" 400 invalid_scope 'Requested scope is not allowed for this client'
head -c 17000 /dev/zero | tr '\0' a >"$T_TMP/big"
tok "${FORM[@]}" --data-binary "@$T_TMP/big"
t_expect_json "body over 16 KiB" 413 '{"error":"Payload Too Large","message":"Request body too large"}'
t_eq "failures append nothing" "$(issued)" "$n_issued"
t_eq "secrets never logged" "$(cat "$T_DATA"/log/*.log | grep -c -e "$A3S" -e "$A1S" || true)" 0

# ------------------------------------------------------------ introspection
t_ok "client B1 in another org" client b1 '["*"]' "$(t_req POST /api/admin/orgs -H "Authorization: Bearer $SYS" "${JSON[@]}" --data '{"name":"Other Org"}'; jq -r .id <<<"$T_BODY")"
B1=$CID B1S=$SEC
tok "${FORM[@]}" -H "Authorization: Basic $(basic "$B1" "$B1S")" --data 'grant_type=client_credentials'
t_eq "B1 token" "$T_STATUS" 200
t_eq "B1 holding * gets *" "$(jq -r .scope <<<"$T_BODY")" '*'
AT_B=$(jq -r .access_token <<<"$T_BODY")
t_req GET /api/workers -H "Authorization: Bearer $AT_B"
t_eq "B1 token (*) lists workers" "$T_STATUS" 200

intro "${FORM[@]}" -H "Authorization: Basic $(basic "$A2" "$A2S")" --data "token=$AT"
t_eq "introspect: 200" "$T_STATUS" 200
t_eq "introspect: no-store" "$(t_header Cache-Control)" no-store
t_eq "introspect: members" "$(jq -c 'keys_unsorted' <<<"$T_BODY")" '["active","scope","client_id","token_type","exp","iat","sub","aud","iss","jti","org_id","workspace_id"]'
t_eq "introspect: values" "$(jq -c '[.active, .scope, .client_id, .token_type, .sub, .aud, .iss, .org_id, .workspace_id]' <<<"$T_BODY")" \
	"[true,\"sessions:read workers:read\",\"$A1\",\"Bearer\",\"$A1\",\"rensei-api\",\"rensei-platform\",\"$ORG\",\"$ORG\"]"
t_eq "introspect: times as in the token" "$(jq -c '[.exp, .iat, .jti]' <<<"$T_BODY")" "$(jq -c '[.exp, .iat, .jti]' <<<"$CL")"
n_ev=$(sql "SELECT count(*) FROM audit_events")
intro "${JSON[@]}" --data-binary "{\"client_id\":\"$A2\",\"client_secret\":\"$A2S\",\"token\":\"$AT_B\",\"token_type_hint\":\"access_token\"}"
t_expect_json "another org's token" 200 '{"active":false}'
# A token with another signature: its last character changed (to a
# different one: a 32-byte signature's last base64url character is one of
# 16, so a fixed replacement would equal the original 1 time in 16).
if [ "${AT: -1}" = A ]; then BADSIG="${AT%?}E"; else BADSIG="${AT%?}A"; fi
for t in garbage "$RENSEI_API_KEY" "$RENSEI_REGISTRATION_TOKEN" "$BADSIG" "a.b.c"; do
	intro "${FORM[@]}" -H "Authorization: Basic $(basic "$A2" "$A2S")" --data-urlencode "token=$t"
	t_expect_json "inactive: ${t:0:12}…" 200 '{"active":false}'
done
t_eq "introspection appends no event" "$(sql "SELECT count(*) FROM audit_events")" "$n_ev"
intro "${FORM[@]}" -H "Authorization: Basic $(basic "$A2" "$A2S")" --data "token_type_hint=x"
oerr "token missing" 400 invalid_request 'token is required'
intro "${FORM[@]}" --data "token=$AT"
oerr "introspect without client auth" 401 invalid_client 'Client authentication required'
intro "${FORM[@]}" -H "Authorization: Basic $(basic "$A2" wrong)" --data "token=$AT"
oerr "introspect with a wrong secret" 401 invalid_client 'Client authentication failed'
t_req GET /api/oauth/introspect
t_eq "introspect GET: 405" "$T_STATUS" 405

# ------------------------------------------------------- deleting a client
t_req DELETE "/api/admin/m2m-clients/$A1" -H "Authorization: Bearer $SYS"
t_eq "delete A1: 204" "$T_STATUS" 204
t_req GET /api/workers -H "Authorization: Bearer $AT"
t_eq "deleted client's token rejected at once" "$T_STATUS/$T_BODY" '401/{"error":"Unauthorized","message":"Invalid access token"}'
intro "${FORM[@]}" -H "Authorization: Basic $(basic "$A2" "$A2S")" --data "token=$AT"
t_expect_json "deleted client's token inactive" 200 '{"active":false}'
tok "${FORM[@]}" -H "Authorization: Basic $(basic "$A1" "$A1S")" --data 'grant_type=client_credentials'
oerr "deleted client's secret fails" 401 invalid_client 'Client authentication failed'

# ------------------------------------------------------------ per-client limit
t_ok "client A4 created" client a4 '["sessions:read"]' "$ORG"
A4=$CID A4S=$SEC
codes=()
for i in $(seq 1 10); do
	if [ "$i" -le 5 ]; then s=$A4S; else s=wrong; fi
	tok "${FORM[@]}" --data "grant_type=client_credentials&client_id=$A4&client_secret=$s"
	codes+=("$T_STATUS")
done
t_eq "ten requests of one client id answered" "${codes[*]}" "200 200 200 200 200 401 401 401 401 401"
tok "${FORM[@]}" --data "grant_type=client_credentials&client_id=$A4&client_secret=$A4S"
t_expect_json "the 11th within 60 s" 429 '{"error":"Too Many Requests","message":"Rate limit exceeded"}'
t_between "Retry-After" "$(t_header Retry-After)" 50 60
tok "${FORM[@]}" --data "grant_type=client_credentials&client_id=$A2&client_secret=$A2S"
t_eq "another client is not limited" "$T_STATUS" 200
t_eq "counter rows are per id" "$(sql "SELECT count(*) FROM oauth_rate WHERE client_id = '$A4' AND route = 'token'")" 10

t_ok "audit chains verify" "${ADMIN[@]}" audit verify
