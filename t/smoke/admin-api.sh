#!/usr/bin/env bash
# admin-api.sh: rensei-admin-api through real nginx (04-console.md §6,
# 01-auth.md §15): orgs create/list with the system key; M2M clients and
# SCIM tokens by the system key and by an org admin's org-wide "*" key
# (secrets shown once, stored hashed, audited in the same transaction);
# another org's admin gets 404; credential failures (401 U6/U1/U5, 403
# F5/F3); hostile bodies 400 changing nothing; the fleet view of workers.
. "$(dirname "$0")/../lib.sh"

t_require_bin rensei-admin-api
t_stack_up
ADMIN=("$RENSEI_ADMIN_BIN" --data "$T_DATA")
DB=$T_DATA/rensei.db
ORG=$RENSEI_ORG_ID
SYS=$RENSEI_SYSTEM_KEY

sql() { sqlite3 -batch -noheader "$DB" "$1"; }
bad() { printf '{"error":"Bad Request","message":"%s"}' "$1"; }
U6='{"error":"Unauthorized","message":"Authentication required"}'
U1='{"error":"Unauthorized","message":"Invalid or missing API key"}'
U5='{"error":"Unauthorized","message":"Invalid access token"}'
F5='{"error":"Forbidden","message":"Requires system scope"}'
F3='{"error":"Forbidden","message":"Insufficient role"}'
NOORG='{"error":"Not Found","message":"Organization not found"}'
ISO='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z'

# call METHOD PATH TOKEN [BODY]
call() {
	local m=$1 p=$2 tok=$3
	if [ $# -ge 4 ]; then
		t_req "$m" "$p" -H "Authorization: Bearer $tok" -H 'Content-Type: application/json' --data-binary "$4"
	else
		t_req "$m" "$p" -H "Authorization: Bearer $tok"
	fi
}
events() { sql "SELECT count(*) FROM audit_events WHERE event_type = '$1'"; }

# --------------------------------------------------------------- credentials
t_req GET /api/admin/orgs
t_expect_json "no credential" 401 "$U6"
t_match "no credential: Bearer challenge" "$(t_header WWW-Authenticate)" '^Bearer realm="rensei"'
call GET /api/admin/orgs "rsk_live_$(printf '0%.0s' {1..64})"
t_expect_json "unknown key" 401 "$U1"
call GET /api/admin/orgs "aaa.bbb.ccc"
t_expect_json "JWT-shaped bearer" 401 "$U5"
call GET /api/admin/orgs "$RENSEI_API_KEY"
t_expect_json "org key without system scope: orgs" 403 "$F5"
call GET /api/admin/workers "$RENSEI_API_KEY"
t_expect_json "org key without system scope: workers" 403 "$F5"
call POST /api/admin/orgs "$RENSEI_API_KEY" '{"name":"Nope"}'
t_expect_json "org key cannot create orgs" 403 "$F5"

# ---------------------------------------------------------------------- orgs
n_org_ev=$(events org.created)
call POST /api/admin/orgs "$SYS" '{"name":"Beta Corp"}'
t_eq "create org: 201" "$T_STATUS" 201
ORG_B=$(jq -r .id <<<"$T_BODY")
t_eq "create org: member order" "$(jq -c 'keys_unsorted' <<<"$T_BODY")" '["id","name","slug","plan","features","memberCount","createdAt"]'
t_eq "create org: derived slug, default plan" "$(jq -r '.slug + " " + .plan' <<<"$T_BODY")" "beta-corp self-hosted"
t_match "create org: createdAt ISO" "$(jq -r .createdAt <<<"$T_BODY")" "^$ISO\$"
t_eq "create org: default project" "$(sql "SELECT name || ' ' || slug || ' ' || is_default FROM projects WHERE org_id = '$ORG_B'")" "Default default 1"
t_eq "create org: audit key v1" "$(sql "SELECT count(*) FROM audit_keys WHERE org_id = '$ORG_B' AND key_version = 1")" 1
t_eq "create org: org.created appended" "$(events org.created)" $((n_org_ev + 1))
t_eq "create org: event in the new org's chain, actor the system key" \
	"$(sql "SELECT actor_type || ' ' || (actor_id LIKE 'key_%') FROM audit_events WHERE org_id = '$ORG_B' AND event_type = 'org.created'")" "api_key 1"
call POST /api/admin/orgs "$SYS" '{"name":"Beta again","slug":"beta-corp"}'
t_expect_json "duplicate slug" 409 '{"error":"Conflict","message":"Organization slug already exists"}'
call POST /api/admin/orgs "$SYS" '{"name":"Gamma","slug":"Bad Slug"}'
t_expect_json "bad slug" 400 "$(bad 'slug must match ^[a-z0-9]+(-[a-z0-9]+)*$ (1-48 characters)')"
call POST /api/admin/orgs "$SYS" '{"name":"Gamma","slug":"admin"}'
t_expect_json "reserved slug" 400 "$(bad 'slug is reserved')"
call POST /api/admin/orgs "$SYS" '{"name":"Gamma","ownerUserId":"usr_nobody"}'
t_expect_json "unknown owner" 400 "$(bad 'Unknown ownerUserId')"
call POST /api/admin/orgs "$SYS" '{"name":"!!!"}'
t_expect_json "underivable slug" 400 "$(bad 'Cannot derive a slug from name; provide slug')"
n_orgs=$(sql "SELECT count(*) FROM orgs")
for body in '{"name":' '[1,2]' '{"name":"a","name":"b"}' '{"name":"a\u0000"}' "$(printf '{"name":"\xff"}')"; do
	call POST /api/admin/orgs "$SYS" "$body"
	t_expect_json "hostile body $body" 400 "$(bad 'Invalid JSON body')"
done
call POST /api/admin/orgs "$SYS" '{"name":12}'
t_expect_json "name of the wrong type" 400 "$(bad 'name must be a string of 1-100 characters')"
call POST /api/admin/orgs "$SYS" '{}'
t_expect_json "name missing" 400 "$(bad 'name is required')"
call POST /api/admin/orgs "$SYS" "{\"name\":\"$(printf 'x%.0s' {1..101})\"}"
t_expect_json "name too long" 400 "$(bad 'name must be a string of 1-100 characters')"
call POST /api/admin/orgs "$SYS" '{"name":"Big","plan":1e999}'
t_eq "huge number: 400" "$T_STATUS" 400
t_eq "hostile bodies create nothing" "$(sql "SELECT count(*) FROM orgs")" "$n_orgs"

call GET /api/admin/orgs "$SYS"
t_eq "list orgs: 200" "$T_STATUS" 200
t_eq "list orgs: both, oldest first" "$(jq -r '[.items[].id] | join(" ")' <<<"$T_BODY")" "$ORG $ORG_B"
t_eq "list orgs: last page" "$(jq -c .nextCursor <<<"$T_BODY")" null
call GET '/api/admin/orgs?limit=1' "$SYS"
t_eq "page 1 of 1" "$(jq -r '.items | length' <<<"$T_BODY")" 1
CUR=$(jq -r .nextCursor <<<"$T_BODY")
call GET "/api/admin/orgs?limit=1&cursor=$CUR" "$SYS"
t_eq "page 2 resumes after the cursor" "$(jq -r '.items[0].id' <<<"$T_BODY")" "$ORG_B"
call GET '/api/admin/orgs?limit=0' "$SYS"
t_expect_json "limit 0" 400 "$(bad "Invalid 'limit' parameter: expected a positive integer")"
call GET '/api/admin/orgs?cursor=%%%' "$SYS"
t_eq "bad cursor escape: 400" "$T_STATUS" 400
call GET '/api/admin/orgs?cursor=bm9jb2xvbg' "$SYS"
t_expect_json "cursor without a key" 400 "$(bad 'Invalid cursor')"

# --------------------------------------------------------------- M2M clients
# An org admin of org B: a CLI-minted org-wide "*" key (acts as admin).
KEY_B=$("${ADMIN[@]}" --json key create --org "$ORG_B" --name admin-b --scopes '*' | jq -r .secret)
KEY_A_READ=$("${ADMIN[@]}" --json key create --org "$ORG" --name reader --scopes 'sessions:read' | jq -r .secret)
KEY_A_PROJ=$("${ADMIN[@]}" --json key create --org "$ORG" --name proj --scopes 'sessions:read' --projects "$RENSEI_PROJECT_ID" | jq -r .secret)

n_m2m_ev=$(events m2m_client.created)
call POST /api/admin/m2m-clients "$SYS" "{\"name\":\"ci\",\"scopes\":[\"sessions:read\",\"workers:read\",\"sessions:read\"],\"orgId\":\"$ORG\"}"
t_eq "system creates a client: 201" "$T_STATUS" 201
t_eq "client: no-store" "$(t_header Cache-Control)" no-store
t_eq "client: Pragma" "$(t_header Pragma)" no-cache
t_eq "client: member order" "$(jq -c '.client | keys_unsorted' <<<"$T_BODY")" '["clientId","clientSecret","name","orgId","scopes","createdAt"]'
t_eq "client: duplicates collapse" "$(jq -c .client.scopes <<<"$T_BODY")" '["sessions:read","workers:read"]'
t_match "client: id form" "$(jq -r .client.clientId <<<"$T_BODY")" '^m2m_[0-9a-f]{32}$'
t_match "client: secret form" "$(jq -r .client.clientSecret <<<"$T_BODY")" '^m2ms_[0-9a-f]{64}$'
t_match "client: createdAt ms" "$(jq -r '.client.createdAt | type' <<<"$T_BODY")" '^number$'
CID=$(jq -r .client.clientId <<<"$T_BODY")
SECRET=$(jq -r .client.clientSecret <<<"$T_BODY")
t_eq "client: stored as SHA-256" "$(sql "SELECT secret_hash FROM m2m_clients WHERE id = '$CID'")" "$(printf '%s' "$SECRET" | sha256sum | cut -d' ' -f1)"
t_eq "client: secret nowhere in the database" "$(sqlite3 "$DB" .dump | grep -c "$SECRET" || true)" 0
t_eq "client: m2m_client.created" "$(events m2m_client.created)" $((n_m2m_ev + 1))

call POST /api/admin/m2m-clients "$SYS" '{"name":"ci","scopes":["sessions:read"]}'
t_expect_json "system without orgId" 400 "$(bad 'orgId is required')"
call POST /api/admin/m2m-clients "$SYS" '{"name":"ci","scopes":["sessions:read"],"orgId":"org_nope"}'
t_expect_json "system with an unknown org" 404 "$NOORG"
call POST /api/admin/m2m-clients "$SYS" "{\"name\":\"ci\",\"scopes\":[],\"orgId\":\"$ORG\"}"
t_expect_json "empty scopes" 400 "$(bad 'scopes must be a non-empty array')"
call POST /api/admin/m2m-clients "$SYS" "{\"name\":\"ci\",\"scopes\":\"sessions:read\",\"orgId\":\"$ORG\"}"
t_expect_json "scopes not an array" 400 "$(bad 'scopes must be a non-empty array')"
call POST /api/admin/m2m-clients "$SYS" "{\"name\":\"ci\",\"orgId\":\"$ORG\"}"
t_expect_json "scopes missing" 400 "$(bad 'scopes must be a non-empty array')"
call POST /api/admin/m2m-clients "$SYS" "{\"name\":\"ci\",\"scopes\":[\"system\"],\"orgId\":\"$ORG\"}"
t_expect_json "system scope refused" 400 "$(bad 'Unknown scope: system')"
call POST /api/admin/m2m-clients "$SYS" "{\"name\":\"ci\",\"scopes\":[\"org_keys:write\"],\"orgId\":\"$ORG\"}"
t_expect_json "org_keys:write refused" 400 "$(bad 'Unknown scope: org_keys:write')"
call POST /api/admin/m2m-clients "$SYS" '{"scopes":["sessions:read"]}'
t_expect_json "name first" 400 "$(bad 'name is required')"
n_clients=$(sql "SELECT count(*) FROM m2m_clients")
call POST /api/admin/m2m-clients "$SYS" '{"name":"x","scopes":["a"'
t_expect_json "truncated JSON" 400 "$(bad 'Invalid JSON body')"
t_eq "failed creates change nothing" "$(sql "SELECT count(*) FROM m2m_clients")" "$n_clients"

# An org admin of B (its "*" key): its own org only.
call POST /api/admin/m2m-clients "$KEY_B" '{"name":"b-bot","scopes":["*"]}'
t_eq "org admin creates in its org: 201" "$T_STATUS" 201
t_eq "org admin: orgId is its own" "$(jq -r .client.orgId <<<"$T_BODY")" "$ORG_B"
CID_B=$(jq -r .client.clientId <<<"$T_BODY")
call POST /api/admin/m2m-clients "$KEY_B" "{\"name\":\"b-bot\",\"scopes\":[\"*\"],\"orgId\":\"$ORG\"}"
t_expect_json "org admin naming another org" 404 "$NOORG"
call GET "/api/admin/m2m-clients?orgId=$ORG" "$KEY_B"
t_expect_json "org admin listing another org" 404 "$NOORG"
call DELETE "/api/admin/m2m-clients/$CID" "$KEY_B"
t_expect_json "org admin deleting another org's client" 404 '{"error":"Not Found","message":"M2M client not found"}'
t_eq "... which stays live" "$(sql "SELECT revoked_at IS NULL FROM m2m_clients WHERE id = '$CID'")" 1
call GET /api/admin/m2m-clients "$KEY_A_READ"
t_expect_json "key without *: role" 403 "$F3"
call GET /api/admin/m2m-clients "$KEY_A_PROJ"
t_expect_json "project-scoped key: role" 403 "$F3"
t_req GET /api/admin/m2m-clients
t_expect_json "m2m list without credential" 401 "$U6"

call GET /api/admin/m2m-clients "$KEY_B"
t_eq "org admin lists its own clients only" "$(jq -r '[.items[].clientId] | join(" ")' <<<"$T_BODY")" "$CID_B"
t_eq "list item member order" "$(jq -c '.items[0] | keys_unsorted' <<<"$T_BODY")" '["clientId","name","orgId","scopes","createdAt","lastUsedAt"]'
t_eq "list item never carries a secret" "$(grep -c m2ms_ <<<"$T_BODY" || true)" 0
call GET /api/admin/m2m-clients "$SYS"
t_eq "system lists every org's clients" "$(jq -r '[.items[].clientId] | join(" ")' <<<"$T_BODY")" "$CID $CID_B"
call GET "/api/admin/m2m-clients?orgId=$ORG_B" "$SYS"
t_eq "system filters by org" "$(jq -r '[.items[].clientId] | join(" ")' <<<"$T_BODY")" "$CID_B"

n_del_ev=$(events m2m_client.deleted)
call DELETE "/api/admin/m2m-clients/$CID_B" "$KEY_B"
t_eq "org admin deletes its client: 204" "$T_STATUS" 204
t_eq "delete: revokedAt set" "$(sql "SELECT revoked_at IS NOT NULL FROM m2m_clients WHERE id = '$CID_B'")" 1
call DELETE "/api/admin/m2m-clients/$CID_B" "$KEY_B"
t_eq "delete again: 204" "$T_STATUS" 204
t_eq "one m2m_client.deleted" "$(events m2m_client.deleted)" $((n_del_ev + 1))
call GET /api/admin/m2m-clients "$KEY_B"
t_eq "deleted client leaves the list" "$(jq -c .items <<<"$T_BODY")" '[]'
call DELETE /api/admin/m2m-clients/m2m_nope "$SYS"
t_expect_json "system deletes an unknown client" 404 '{"error":"Not Found","message":"M2M client not found"}'

# --------------------------------------------------------------- SCIM tokens
n_scim_ev=$(events scim_token.created)
call POST "/api/admin/orgs/$ORG_B/scim-tokens" "$KEY_B" '{"name":"okta"}'
t_eq "scim token: 201" "$T_STATUS" 201
t_eq "scim token: no-store" "$(t_header Cache-Control)" no-store
t_eq "scim token: member order" "$(jq -c 'keys_unsorted' <<<"$T_BODY")" '["id","orgId","name","tokenPrefix","createdAt","token"]'
TOK=$(jq -r .token <<<"$T_BODY")
TID=$(jq -r .id <<<"$T_BODY")
t_match "scim token: form" "$TOK" '^scim_[0-9a-f]{64}$'
t_eq "scim token: prefix = first 9" "$(jq -r .tokenPrefix <<<"$T_BODY")" "${TOK:0:9}"
t_eq "scim token: stored hashed" "$(sql "SELECT token_hash FROM scim_tokens WHERE id = '$TID'")" "$(printf '%s' "$TOK" | sha256sum | cut -d' ' -f1)"
t_eq "scim token: audited" "$(events scim_token.created)" $((n_scim_ev + 1))
call POST "/api/admin/orgs/$ORG/scim-tokens" "$KEY_B" '{"name":"okta"}'
t_expect_json "scim token in another org" 404 "$NOORG"
call GET "/api/admin/orgs/$ORG/scim-tokens" "$KEY_B"
t_expect_json "scim list of another org" 404 "$NOORG"
call DELETE "/api/admin/orgs/$ORG/scim-tokens/$TID" "$KEY_B"
t_expect_json "scim revoke via another org's path" 404 "$NOORG"
call DELETE "/api/admin/orgs/$ORG/scim-tokens/$TID" "$RENSEI_API_KEY"
t_expect_json "org A admin revoking B's token through its own path" 404 '{"error":"Not Found","message":"SCIM token not found"}'
call POST "/api/admin/orgs/$ORG_B/scim-tokens" "$KEY_B" '{"name":""}'
t_expect_json "scim token: empty name" 400 "$(bad 'name is required')"
call POST "/api/admin/orgs/$ORG_B/scim-tokens" "$KEY_B" '{"name":["x"]}'
t_expect_json "scim token: name not a string" 400 "$(bad 'name must be a string of 1-100 characters')"
call POST "/api/admin/orgs/org_nope/scim-tokens" "$SYS" '{"name":"x"}'
t_expect_json "system, unknown org" 404 "$NOORG"
call GET "/api/admin/orgs/$ORG_B/scim-tokens" "$SYS"
t_eq "system lists B's tokens" "$(jq -r '[.items[].id] | join(" ")' <<<"$T_BODY")" "$TID"
t_eq "scim list member order" "$(jq -c '.items[0] | keys_unsorted' <<<"$T_BODY")" '["id","orgId","name","tokenPrefix","createdBy","createdAt","lastUsedAt","revokedAt"]'
call DELETE "/api/admin/orgs/$ORG_B/scim-tokens/$TID" "$KEY_B"
t_eq "scim revoke: 204" "$T_STATUS" 204
call DELETE "/api/admin/orgs/$ORG_B/scim-tokens/$TID" "$KEY_B"
t_eq "scim revoke again: 204" "$T_STATUS" 204
t_eq "one scim_token.revoked" "$(events scim_token.revoked)" 1
call GET "/api/admin/orgs/$ORG_B/scim-tokens" "$KEY_B"
t_match "revoked token listed with revokedAt" "$(jq -r '.items[0].revokedAt' <<<"$T_BODY")" "^$ISO\$"

# ------------------------------------------------------------------ cookies
# No login route is built here: sessions are written straight into the
# store (id_hash = SHA-256 of the cookie value, 01-auth.md §9.2).
cookie_for() {   # cookie_for EMAIL ORG|'' → prints a cookie value
	local uid c now
	uid=$(sql "SELECT id FROM users WHERE email = '$1'")
	c=$(head -c 32 /dev/urandom | base64 -w0 | tr '+/' '-_' | tr -d =)
	now=$(date +%s%3N)
	sql "INSERT INTO user_sessions (id_hash, user_id, active_org_id, created_at, last_seen_at) VALUES ('$(printf '%s' "$c" | sha256sum | cut -d' ' -f1)', '$uid', $( [ -n "$2" ] && echo "'$2'" || echo NULL ), $now, $now)"
	echo "$c"
}
"${ADMIN[@]}" user create --email admin-b@example.com --name 'Admin B' >/dev/null
"${ADMIN[@]}" member add --org "$ORG_B" --email admin-b@example.com --role admin >/dev/null
"${ADMIN[@]}" user create --email member-b@example.com --name 'Member B' >/dev/null
"${ADMIN[@]}" member add --org "$ORG_B" --email member-b@example.com --role member >/dev/null
"${ADMIN[@]}" user create --email root@example.com --name Root --platform-admin >/dev/null
C_ADMIN=$(cookie_for admin-b@example.com "$ORG_B")
C_MEMBER=$(cookie_for member-b@example.com "$ORG_B")
C_ROOT=$(cookie_for root@example.com '')
ORIGIN=(-H "Origin: $PUBLIC_BASE_URL")
t_req GET /api/admin/m2m-clients -H "Cookie: rensei_session=$C_ADMIN"
t_eq "org admin cookie lists its clients" "$T_STATUS" 200
t_req POST /api/admin/m2m-clients -H "Cookie: rensei_session=$C_ADMIN" "${ORIGIN[@]}" -H 'Content-Type: application/json' --data '{"name":"c","scopes":["workers:read"]}'
t_eq "org admin cookie creates a client" "$T_STATUS" 201
t_eq "... created by the cookie user" "$(sql "SELECT created_by FROM m2m_clients WHERE id = '$(jq -r .client.clientId <<<"$T_BODY")'")" "$(sql "SELECT id FROM users WHERE email = 'admin-b@example.com'")"
t_req POST /api/admin/m2m-clients -H "Cookie: rensei_session=$C_ADMIN" -H 'Content-Type: application/json' --data '{"name":"c","scopes":["workers:read"]}'
t_expect_json "cookie POST without Origin" 403 '{"error":"Forbidden","message":"Cross-origin request rejected"}'
t_req POST /api/admin/m2m-clients -H "Cookie: rensei_session=$C_ADMIN" -H 'Origin: https://evil.example' -H 'Content-Type: application/json' --data '{"name":"c","scopes":["workers:read"]}'
t_expect_json "cookie POST from a foreign origin" 403 '{"error":"Forbidden","message":"Cross-origin request rejected"}'
t_req GET /api/admin/m2m-clients -H "Cookie: rensei_session=$C_MEMBER"
t_expect_json "member cookie: role" 403 "$F3"
t_req GET "/api/admin/orgs/$ORG/scim-tokens" -H "Cookie: rensei_session=$C_ADMIN"
t_expect_json "org admin cookie, another org's path" 404 "$NOORG"
t_req GET /api/admin/orgs -H "Cookie: rensei_session=$C_ADMIN"
t_expect_json "org admin cookie on a platform route" 403 "$F5"
t_req GET /api/admin/orgs -H "Cookie: rensei_session=$C_ROOT"
t_eq "platform admin cookie lists orgs" "$T_STATUS" 200
t_req GET "/api/admin/orgs/$ORG/scim-tokens" -H "Cookie: rensei_session=$C_ROOT"
t_eq "platform admin cookie acts on any org" "$T_STATUS" 200
t_req GET /api/admin/orgs -H "Cookie: rensei_session=bm9wZQ"
t_expect_json "unknown cookie" 401 "$U6"

# ---------------------------------------------------------------- fleet view
register() {
	t_req POST /api/workers/register -H "Authorization: Bearer $1" \
		-H 'Content-Type: application/json' --data-binary "{\"hostname\":\"$2\",\"capacity\":3,\"version\":\"1.2.3\"}"
	jq -r .workerId <<<"$T_BODY"
}
W1=$(register "$RENSEI_REGISTRATION_TOKEN" host-a)
RT_B=$("${ADMIN[@]}" --json token create --project default-nope 2>/dev/null | jq -r .secret 2>/dev/null || true)
PROJ_B=$(sql "SELECT id FROM projects WHERE org_id = '$ORG_B'")
RT_B=$("${ADMIN[@]}" --json token create --project "$PROJ_B" --name b | jq -r .secret)
W2=$(register "$RT_B" host-b)
call GET /api/admin/workers "$SYS"
t_eq "fleet: 200" "$T_STATUS" 200
t_eq "fleet: workers of both orgs" "$(jq -r '[.items[].id] | join(" ")' <<<"$T_BODY")" "$W1 $W2"
t_eq "fleet: member order" "$(jq -c '.items[0] | keys_unsorted' <<<"$T_BODY")" '["id","orgId","hostname","version","capacity","activeSessions","status","registeredAt","lastHeartbeat"]'
t_eq "fleet: orgs" "$(jq -r '[.items[].orgId] | join(" ")' <<<"$T_BODY")" "$ORG $ORG_B"
t_match "fleet: ISO times" "$(jq -r '.items[0].registeredAt + " " + .items[0].lastHeartbeat' <<<"$T_BODY")" "^$ISO $ISO\$"
t_eq "fleet: status active" "$(jq -r '.items[0].status' <<<"$T_BODY")" active
call GET "/api/admin/workers?orgId=$ORG_B" "$SYS"
t_eq "fleet: one org" "$(jq -r '[.items[].id] | join(" ")' <<<"$T_BODY")" "$W2"
call GET "/api/admin/workers?status=offline" "$SYS"
t_eq "fleet: status filter" "$(jq -c .items <<<"$T_BODY")" '[]'
call GET "/api/admin/workers?status=gone" "$SYS"
t_expect_json "fleet: bad status" 400 "$(bad 'status must be one of: active, draining, offline')"
call GET "/api/admin/workers?limit=1" "$SYS"
CUR=$(jq -r .nextCursor <<<"$T_BODY")
call GET "/api/admin/workers?limit=1&cursor=$CUR" "$SYS"
t_eq "fleet: second page" "$(jq -r '[.items[].id] | join(" ")' <<<"$T_BODY")" "$W2"

# ------------------------------------------------------------------ the chain
t_ok "audit chains verify" "${ADMIN[@]}" audit verify
