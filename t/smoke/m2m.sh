#!/usr/bin/env bash
# m2m.sh: tokens from the OAuth token endpoint (05-oauth.md) are accepted
# by the other responders exactly as 01-auth.md §15 says for M2M JWTs: with
# their scopes (F2 without the route's scope), only in their own org (404
# for another org's session), and never where M2M is not a credential
# (cookie-only routes: U6). One stack, every responder, through nginx.
. "$(dirname "$0")/../lib.sh"

t_require_bin rensei-oauth
t_require_bin rensei-public
t_require_bin rensei-console
t_require_bin rensei-admin-api
t_stack_up

ADMIN=$T_BIN/rensei-admin
DB=$T_DATA/rensei.db
SYS=$RENSEI_SYSTEM_KEY
ORG=$RENSEI_ORG_ID
PROJ=$RENSEI_PROJECT_ID
JSON=(-H 'Content-Type: application/json')
jf() { jq -r "$1" <<<"$T_BODY" 2>/dev/null || true; }

# client NAME SCOPES ORG: an M2M client over the admin API; sets CID, SEC.
client() {
	t_req POST /api/admin/m2m-clients -H "Authorization: Bearer $SYS" "${JSON[@]}" \
		--data-binary "{\"name\":\"$1\",\"scopes\":$2,\"orgId\":\"$3\"}"
	CID=$(jf .client.clientId) SEC=$(jf .client.clientSecret)
	[ "$T_STATUS" = 201 ]
}
# token: client credentials (HTTP Basic) for CID/SEC; sets TOK.
token() {
	t_req POST /api/oauth/token -u "$CID:$SEC" --data grant_type=client_credentials
	TOK=$(jf .access_token)
	[ "$T_STATUS" = 200 ] && [ -n "$TOK" ] && [ "$TOK" != null ]
}
get() { t_req GET "$1" -H "Authorization: Bearer $2"; }

# A session of the first org, for the per-session routes.
"$ADMIN" --data "$T_DATA" --json session enqueue --project "$PROJ" \
	--issue M2M-1 --prompt "m2m check" --priority 3 >/dev/null
PUB=$(sqlite3 "$DB" "SELECT public_id FROM sessions")   # the stack's only session
t_match "a session to look at" "$PUB" '^[0-9a-f]{16}$'

t_ok "reader client (sessions:read, workers:read)" client reader '["sessions:read","workers:read"]' "$ORG"
t_ok "reader token" token
READER=$TOK

get /api/public/stats "$READER"
t_eq "public stats with sessions:read: 200" "$T_STATUS" 200
t_eq "public stats: the org's queue" "$(jf .queueDepth)" 1
get "/api/public/sessions/$PUB" "$READER"
t_eq "public session detail: 200" "$T_STATUS" 200
t_eq "public session detail: the session" "$(jf .session.id // .id)" "$PUB"
get /api/workers "$READER"
t_eq "worker list with workers:read: 200" "$T_STATUS" 200
get /api/cli/whoami "$READER"
t_eq "whoami: 200" "$T_STATUS" 200
t_eq "whoami: principal m2m, its client, its scopes" \
	"$(jq -c '[.principal.type, .principal.id, .scopes, .org.id]' <<<"$T_BODY")" \
	"[\"m2m\",\"$CID\",[\"sessions:read\",\"workers:read\"],\"$ORG\"]"

# Scope: sessions:write is not the reader's.
n_inbox=$(sqlite3 "$DB" "SELECT count(*) FROM inbox_messages")
t_req POST "/api/public/sessions/$PUB/prompt" -H "Authorization: Bearer $READER" "${JSON[@]}" \
	--data-binary '{"prompt":"hello"}'
t_eq "prompt without sessions:write: 403" "$T_STATUS" 403
t_eq "prompt without sessions:write: F2 body" "$T_BODY" \
	'{"error":"Forbidden","message":"Missing required scope: sessions:write"}'
t_eq "prompt refused: no inbox message" "$(sqlite3 "$DB" "SELECT count(*) FROM inbox_messages")" "$n_inbox"

# A client with only workers:read: the public API is out of its scope.
t_ok "workers-only client" client wonly '["workers:read"]' "$ORG"
t_ok "workers-only token" token
get /api/public/stats "$TOK"
t_eq "public stats without sessions:read: F2" "$T_STATUS $T_BODY" \
	'403 {"error":"Forbidden","message":"Missing required scope: sessions:read"}'

# Cookie-only routes take no bearer credential at all (01-auth §15).
get /api/auth/me "$READER"
t_eq "cookie-only /api/auth/me with an M2M token: 401" "$T_STATUS" 401

# Another org's token sees nothing of the first org.
t_req POST /api/admin/orgs -H "Authorization: Bearer $SYS" "${JSON[@]}" --data-binary '{"name":"M2M Other"}'
ORG2=$(jf '.org.id // .id')
t_match "second org" "$ORG2" '^org_'
t_ok "other org's reader client" client other '["sessions:read","workers:read"]' "$ORG2"
t_ok "other org's token" token
get "/api/public/sessions/$PUB" "$TOK"
t_eq "other org's token on the session: 404" "$T_STATUS" 404
get /api/public/stats "$TOK"
t_eq "other org's stats: its own (empty) queue" "$(jf .queueDepth)" 0

# A revoked (deleted) client's token stops working.
t_req DELETE "/api/admin/m2m-clients/$CID" -H "Authorization: Bearer $SYS"
t_match "delete the other org's client" "$T_STATUS" '^20[04]$'
get /api/public/stats "$TOK"
t_eq "token of a deleted client: 401" "$T_STATUS" 401
