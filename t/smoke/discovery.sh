#!/usr/bin/env bash
# discovery.sh: rensei-discovery through real nginx
# (11-discovery-and-health.md, 05-oauth.md §5, 09-audit.md §6): audit keys
# per workspace and the catalog (ETag/304, HEAD, OPTIONS, 405, CORS, no
# credentials read), the agent card paths (503, not built), then the same
# stack restarted in EdDSA mode: RFC 8414 metadata and the JWKS that
# verifies a freshly issued token, and a key rotation listing both keys.
. "$(dirname "$0")/../lib.sh"

t_require_bin rensei-discovery
t_require_bin rensei-oauth
t_stack_up
ADMIN=("$RENSEI_ADMIN_BIN" --data "$T_DATA")
DB=$T_DATA/rensei.db
ORG=$RENSEI_ORG_ID
NF='{"error":"Not Found","message":"Not found"}'
ISO='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z'
# cond PATH TAG: a conditional GET (curl keeps an old body file when the
# response has none, so it is removed first).
cond() { rm -f "$T_TMP/body"; t_req GET "$1" -H "If-None-Match: $2"; }
sql() { sqlite3 -batch -noheader "$DB" "$1"; }
etag_of() { printf '"%s"' "$(printf '%s' "$1" | sha256sum | cut -c1-32)"; }
cors() {
	t_eq "$1: CORS" "$(t_header Access-Control-Allow-Origin)" '*'
	t_eq "$1: nosniff" "$(t_header X-Content-Type-Options)" nosniff
	t_not "$1: no Set-Cookie" t_has_header Set-Cookie
	t_not "$1: no credentials CORS" t_has_header Access-Control-Allow-Credentials
}
err_headers() {
	cors "$1"
	t_eq "$1: no-store" "$(t_header Cache-Control)" no-store
}

# ---------------------------------------------------------------- HS256 mode
t_req GET /.well-known/oauth-authorization-server
t_expect_json "metadata in HS256 mode" 404 "$NF"
err_headers "metadata 404"
t_req GET /.well-known/jwks.json
t_expect_json "JWKS in HS256 mode" 404 "$NF"
err_headers "JWKS 404"

# ---------------------------------------------------------------- audit keys
t_req GET "/.well-known/audit-keys/$ORG"
t_eq "audit keys: 200" "$T_STATUS" 200
t_eq "audit keys: content type" "$(t_header Content-Type)" application/jwk-set+json
t_eq "audit keys: Cache-Control" "$(t_header Cache-Control)" 'public, max-age=300, stale-while-revalidate=3600'
cors "audit keys"
K=$T_BODY
t_eq "audit keys: one key, member order" "$(jq -c '.keys[0] | keys_unsorted' <<<"$K")" \
	'["kty","crv","alg","use","kid","x","rensei:workspace_id","rensei:key_version","rensei:created_at","rensei:revoked_at"]'
t_eq "audit keys: values" "$(jq -c '.keys[0] | [.kty, .crv, .alg, .use, .["rensei:workspace_id"], .["rensei:key_version"], .["rensei:revoked_at"]]' <<<"$K")" \
	"[\"OKP\",\"Ed25519\",\"EdDSA\",\"sig\",\"$ORG\",1,null]"
t_eq "audit keys: kid as stored" "$(jq -r '.keys[0].kid' <<<"$K")" "$(sql "SELECT kid FROM audit_keys WHERE org_id = '$ORG' AND key_version = 1")"
TAG=$(t_header ETag)
t_eq "audit keys: ETag of the body" "$TAG" "$(etag_of "$K")"
t_req GET "/.well-known/audit-keys/$ORG.json"
t_eq "audit keys .json: same body" "$T_BODY" "$K"
cond "/.well-known/audit-keys/$ORG" "$TAG"
t_eq "audit keys: 304" "$T_STATUS" 304
t_eq "304: no body" "$T_BODY" ""
t_eq "304: ETag" "$(t_header ETag)" "$TAG"
t_eq "304: Cache-Control" "$(t_header Cache-Control)" 'public, max-age=300, stale-while-revalidate=3600'
cors "304"
t_req GET "/.well-known/audit-keys/$ORG" -H "If-None-Match: \"nope\", W/$TAG"
t_eq "W/ prefix in a list: 304" "$T_STATUS" 304
t_req GET "/.well-known/audit-keys/$ORG" -H 'If-None-Match: *'
t_eq "If-None-Match *: 304" "$T_STATUS" 304
t_req GET "/.well-known/audit-keys/$ORG" -H 'If-None-Match: "0123"'
t_eq "other tag: 200" "$T_STATUS" 200
for ws in org_nope 'bad%20id!' "$(printf 'z%.0s' {1..300})"; do
	t_req GET "/.well-known/audit-keys/$ws.json"
	t_eq "unknown workspace ${ws:0:10}: 200" "$T_STATUS" 200
	t_eq "unknown workspace ${ws:0:10}: empty set" "$T_BODY" '{"keys":[]}'
done
t_req HEAD "/.well-known/audit-keys/$ORG"
t_eq "HEAD: 200" "$T_STATUS" 200
t_eq "HEAD: no body" "$T_BODY" ""
t_eq "HEAD: ETag" "$(t_header ETag)" "$TAG"
t_req OPTIONS "/.well-known/audit-keys/$ORG"
t_eq "OPTIONS: 204" "$T_STATUS" 204
t_eq "OPTIONS: methods" "$(t_header Access-Control-Allow-Methods)" 'GET, HEAD, OPTIONS'
t_eq "OPTIONS: headers" "$(t_header Access-Control-Allow-Headers)" 'If-None-Match'
t_eq "OPTIONS: max age" "$(t_header Access-Control-Max-Age)" 86400
t_req POST "/.well-known/audit-keys/$ORG" -H 'Content-Type: application/json' --data '{}'
t_expect_json "POST: 405" 405 '{"error":"Method Not Allowed","message":"Method not allowed"}'
t_eq "405: Allow" "$(t_header Allow)" 'GET, HEAD, OPTIONS'
err_headers "405"
t_req GET "/.well-known/audit-keys/$ORG" -H 'Authorization: Bearer x' -H 'Cookie: rensei_session=zzz'
t_eq "bogus credentials change nothing" "$T_STATUS/$T_BODY" "200/$K"

"${ADMIN[@]}" audit rotate-key --org "$ORG" >/dev/null
t_req GET "/.well-known/audit-keys/$ORG"
t_eq "after rotation: two keys" "$(jq -r '[.keys[]["rensei:key_version"]] | join(" ")' <<<"$T_BODY")" "1 2"
t_match "after rotation: v1 revoked" "$(jq -r '.keys[0]["rensei:revoked_at"]' <<<"$T_BODY")" "^$ISO\$"
t_req GET "/.well-known/audit-keys/$ORG" -H "If-None-Match: $TAG"
t_eq "after rotation: old tag no longer matches" "$T_STATUS" 200

t_req GET /.well-known/audit-keys.json
t_eq "catalog: 200" "$T_STATUS" 200
t_eq "catalog: Cache-Control" "$(t_header Cache-Control)" 'public, max-age=3600'
t_match "catalog: JSON" "$(t_header Content-Type)" '^application/json'
t_eq "catalog: ETag" "$(t_header ETag)" "$(etag_of "$T_BODY")"
t_eq "catalog: members" "$(jq -c 'keys_unsorted' <<<"$T_BODY")" '["protocol_version","name","description","issued_at","algorithm","key_lifecycle","discovery"]'
t_match "catalog: issued_at" "$(jq -r .issued_at <<<"$T_BODY")" "^$ISO\$"
t_eq "catalog: endpoint pattern" "$(jq -r .discovery.self_hosted.endpoint_pattern <<<"$T_BODY")" "$PUBLIC_BASE_URL/.well-known/audit-keys/{workspace_id}.json"

# --------------------------------------------------------- agent card, other
for p in agent-card.json agent.json; do
	t_req GET "/.well-known/$p"
	t_expect_json "$p: not built here" 503 '{"error":"Service Unavailable","message":"Route group not available"}'
	cors "$p 503"
done
t_req GET /.well-known/anything-else
t_expect_json "other /.well-known path" 404 "$NF"

# ---------------------------------------------------------------- EdDSA mode
t_stack_down >/dev/null
export M2M_JWT_ALG=EdDSA
t_stack_up
t_req GET /.well-known/oauth-authorization-server
t_eq "metadata: 200" "$T_STATUS" 200
t_eq "metadata: Cache-Control" "$(t_header Cache-Control)" 'public, max-age=3600'
t_eq "metadata: no ETag" "$(t_header ETag)" ""
cors "metadata"
B=$PUBLIC_BASE_URL
t_eq "metadata: body" "$T_BODY" "{\"issuer\":\"$B\",\"token_endpoint\":\"$B/api/oauth/token\",\"introspection_endpoint\":\"$B/api/oauth/introspect\",\"jwks_uri\":\"$B/.well-known/jwks.json\",\"grant_types_supported\":[\"client_credentials\"],\"response_types_supported\":[],\"token_endpoint_auth_methods_supported\":[\"client_secret_basic\",\"client_secret_post\"],\"introspection_endpoint_auth_methods_supported\":[\"client_secret_basic\",\"client_secret_post\"],\"scopes_supported\":[\"*\",\"worker:register\",\"worker:poll\",\"worker:heartbeat\",\"worker:session\",\"sessions:read\",\"sessions:write\",\"workflows:read\",\"workflows:write\",\"audit:read\",\"audit:write\",\"workers:read\",\"workers:write\",\"agents:read\",\"agents:write\",\"webhooks:read\",\"webhooks:write\"]}"
t_req GET /.well-known/jwks.json
t_eq "JWKS: 200" "$T_STATUS" 200
t_eq "JWKS: content type" "$(t_header Content-Type)" application/jwk-set+json
t_eq "JWKS: Cache-Control" "$(t_header Cache-Control)" 'public, max-age=300'
cors "JWKS"
J=$T_BODY
JTAG=$(t_header ETag)
t_eq "JWKS: ETag" "$JTAG" "$(etag_of "$J")"
t_eq "JWKS: one key, members" "$(jq -c '[.keys[] | keys_unsorted]' <<<"$J")" '[["kty","crv","alg","use","kid","x"]]'
X=$(jq -r '.keys[0].x' <<<"$J")
xs=${X//-/+}; xs=${xs//_//}; while [ $((${#xs} % 4)) -ne 0 ]; do xs+='='; done
t_eq "JWKS: kid = first 16 hex of SHA-256(pk)" "$(jq -r '.keys[0].kid' <<<"$J")" "$(base64 -d <<<"$xs" | sha256sum | cut -c1-16)"
cond /.well-known/jwks.json "$JTAG"
t_eq "JWKS: 304" "$T_STATUS/$T_BODY" "304/"
t_req OPTIONS /.well-known/jwks.json
t_eq "JWKS preflight" "$T_STATUS $(t_header Access-Control-Allow-Headers)" "204 If-None-Match"

t_req POST /api/admin/m2m-clients -H "Authorization: Bearer $RENSEI_SYSTEM_KEY" -H 'Content-Type: application/json' \
	--data-binary "{\"name\":\"ed\",\"scopes\":[\"workers:read\"],\"orgId\":\"$ORG\"}"
CID=$(jq -r .client.clientId <<<"$T_BODY") SEC=$(jq -r .client.clientSecret <<<"$T_BODY")
t_req POST /api/oauth/token -u "$CID:$SEC" -H 'Content-Type: application/x-www-form-urlencoded' --data grant_type=client_credentials
t_eq "EdDSA token: 200" "$T_STATUS" 200
AT=$(jq -r .access_token <<<"$T_BODY")
h=${AT%%.*}; h=${h//-/+}; h=${h//_//}; while [ $((${#h} % 4)) -ne 0 ]; do h+='='; done
t_eq "EdDSA token header" "$(base64 -d <<<"$h")" "{\"alg\":\"EdDSA\",\"typ\":\"at+jwt\",\"kid\":\"$(jq -r '.keys[0].kid' <<<"$J")\"}"
p=${AT#*.}; p=${p%%.*}; p=${p//-/+}; p=${p//_//}; while [ $((${#p} % 4)) -ne 0 ]; do p+='='; done
t_eq "EdDSA token iss = metadata issuer" "$(base64 -d <<<"$p" | jq -r .iss)" "$B"
t_req GET /api/workers -H "Authorization: Bearer $AT"
t_eq "EdDSA token accepted on GET /api/workers" "$T_STATUS" 200

# Rotation: the retired key stays listed (current first) and verifying.
# Same port (the issuer is PUBLIC_BASE_URL): the responders read the key
# files at start.
"${ADMIN[@]}" m2m rotate-key >/dev/null
t_stack_down >/dev/null
"$T_ROOT/stack" up --port "$T_PORT" --data "$T_DATA" >"$T_TMP/up2.out" 2>&1 || cat "$T_TMP/up2.out"
t_req GET /.well-known/jwks.json
t_eq "after rotate-key: two keys" "$(jq -r '.keys | length' <<<"$T_BODY")" 2
t_eq "after rotate-key: the old key second" "$(jq -r '.keys[1].x' <<<"$T_BODY")" "$X"
t_req GET /api/workers -H "Authorization: Bearer $AT"
t_eq "token signed by the retired key still verifies" "$T_STATUS" 200
