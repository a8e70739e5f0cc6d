#!/usr/bin/env bash
# oauth-interop.sh: rensei-oauth in EdDSA mode (M2M_JWT_ALG=EdDSA, 01-auth.md
# §10.2) against the real npm clients oauth4webapi and jose (pinned in
# t/interop/package.json, installed with `npm ci` when node_modules is
# missing): RFC 8414 discovery, client credentials with client_secret_basic
# and client_secret_post, RFC 7662 introspection, RFC 9068 validation against
# the published JWKS, jose's createRemoteJWKSet + jwtVerify.  Each line the
# Node script prints becomes one check here.
. "$(dirname "$0")/../lib.sh"

t_require_bin rensei-oauth
t_require_bin rensei-discovery
t_require_bin rensei-admin-api
INTEROP=$T_ROOT/t/interop
if ! command -v node >/dev/null || [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 20 ]; then
	t_fail "Node.js 20 or later is installed"
	exit 1
fi
if [ ! -d "$INTEROP/node_modules/oauth4webapi" ] || [ ! -d "$INTEROP/node_modules/jose" ]; then
	if ! (cd "$INTEROP" && npm ci --no-audit --no-fund >"$T_TMP/npm.out" 2>&1); then
		cat "$T_TMP/npm.out"
		t_fail "npm ci in t/interop"
		exit 1
	fi
fi
t_pass "oauth4webapi and jose installed"

export M2M_JWT_ALG=EdDSA
t_stack_up
t_req GET /.well-known/oauth-authorization-server
t_eq "EdDSA mode publishes metadata" "$T_STATUS" 200

t_req POST /api/admin/m2m-clients -H "Authorization: Bearer $RENSEI_SYSTEM_KEY" -H 'Content-Type: application/json' \
	--data-binary "{\"name\":\"interop\",\"scopes\":[\"workers:read\",\"sessions:read\"],\"orgId\":\"$RENSEI_ORG_ID\"}"
t_eq "client created over the admin API" "$T_STATUS" 201
CID=$(jq -r .client.clientId <<<"$T_BODY")
SEC=$(jq -r .client.clientSecret <<<"$T_BODY")

set +e
RENSEI_BASE_URL=$T_BASE CLIENT_ID=$CID CLIENT_SECRET=$SEC ORG_ID=$RENSEI_ORG_ID \
	node "$INTEROP/oauth.mjs" >"$T_TMP/node.out" 2>&1
rc=$?
set -e
n=0
while IFS= read -r line; do
	case $line in
	"ok "*) n=$((n + 1)); t_pass "node: ${line#ok * - }" ;;
	"not ok "*) n=$((n + 1)); t_fail "node: ${line#not ok * - }" ;;
	"#"*) t_log "${line#\# }" ;;
	*) t_log "node: $line" ;;
	esac
done <"$T_TMP/node.out"
t_eq "node script exit status" "$rc" 0
t_le "node script printed every check (24)" 24 "$n"
