#!/usr/bin/env bash
# console.sh: rensei-console (04-console.md §2-§4, §7) through real nginx:
# cookie login/logout/me/switch-org with the login throttle and CSRF rule;
# org, whoami, members, invites; API keys minted, used, revoked (then 401);
# projects, project members, repos; a registration token that registers a
# worker; operator dispatch seen by that worker's poll; org, project and
# environment credentials.  Then, table-driven over the route table: no
# credential → 401, wrong scope → 403 F2, role → 403 F3, cookie write without
# a matching Origin → 403 F4, another org's key or cookie → 404 on every
# resource of the first org, hostile bodies → 4xx envelope changing nothing.
. "$(dirname "$0")/../lib.sh"

t_require_bin rensei-console
t_stack_up

ADMIN=$RENSEI_ADMIN_BIN
DB=$T_DATA/rensei.db
ORG=$RENSEI_ORG_ID
PROJ=$RENSEI_PROJECT_ID
KEY=$RENSEI_API_KEY
ORIGIN=$PUBLIC_BASE_URL
ISO='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z'
ULID='[0-9A-HJKMNP-TV-Z]{26}'

U1='{"error":"Unauthorized","message":"Invalid or missing API key"}'
U5='{"error":"Unauthorized","message":"Invalid access token"}'
U6='{"error":"Unauthorized","message":"Authentication required"}'
U7='{"error":"Unauthorized","message":"Session cookie required"}'
U9='{"error":"Unauthorized","message":"Invalid email or password"}'
F3='{"error":"Forbidden","message":"Insufficient role"}'
F4='{"error":"Forbidden","message":"Cross-origin request rejected"}'
T1='{"error":"Too Many Requests","message":"Too many failed login attempts; try again later"}'
BADJSON='{"error":"Bad Request","message":"Invalid JSON body"}'
TOOBIG='{"error":"Payload Too Large","message":"Request body too large"}'
f2() { printf '{"error":"Forbidden","message":"Missing required scope: %s"}' "$1"; }
err() { printf '{"error":"%s","message":"%s"}' "$1" "$2"; }
bad() { err "Bad Request" "$1"; }
nf() { err "Not Found" "$1"; }
NOPROJ=$(nf "Project not found")
NOORG=$(nf "Organization not found")

q() { sqlite3 "$DB" "$1"; }
jf() { jq -r "$1" <<<"$T_BODY" 2>/dev/null || true; }
audit_count() { q 'SELECT count(*) FROM audit_events'; }
# Everything the console routes may change, as one digest.
state() {
	sqlite3 "$DB" "SELECT * FROM orgs; SELECT * FROM memberships; SELECT * FROM projects;
		SELECT * FROM project_members; SELECT * FROM project_repos; SELECT * FROM invites;
		SELECT id, revoked_at, project_ids FROM api_keys; SELECT id, revoked_at FROM registration_tokens;
		SELECT id, version, description FROM credentials; SELECT * FROM sessions;
		SELECT count(*) FROM audit_events; SELECT count(*) FROM user_sessions;" | sha256sum
}

# rq AUTH METHOD PATH [BODY [curl args...]]
# AUTH: "-" none, "k:TOKEN" Bearer, "c:JAR" cookie jar with a matching Origin,
# "n:JAR" cookie jar without Origin/Referer, "x:JAR" cookie with a foreign Origin.
rq() {
	local auth=$1 m=$2 path=$3 body=${4-}
	shift 3
	[ $# -gt 0 ] && shift
	local a=()
	case $auth in
	k:*) a=(-H "Authorization: Bearer ${auth#k:}") ;;
	c:*) a=(-b "${auth#c:}" -H "Origin: $ORIGIN") ;;
	n:*) a=(-b "${auth#n:}") ;;
	x:*) a=(-b "${auth#x:}" -H "Origin: https://evil.example") ;;
	esac
	if [ -n "$body" ] && [ "$m" != GET ]; then
		t_req "$m" "$path" "${a[@]}" -H 'Content-Type: application/json' --data-binary "$body" "$@"
	else
		t_req "$m" "$path" "${a[@]}" "$@"
	fi
}

# login JAR EMAIL PASSWORD [extra JSON members] [curl args...]: POST
# /api/auth/login, waiting out nginx's 10/min limit (its 429 is not T1).
login() {
	local jar=$1 email=$2 pw=$3 extra=${4-}
	shift 3
	[ $# -gt 0 ] && shift
	local body i
	body=$(jq -cn --arg e "$email" --arg p "$pw" '{email: $e, password: $p}')
	[ -n "$extra" ] && body=$(jq -c ". + $extra" <<<"$body")
	for i in $(seq 1 30); do
		t_req POST /api/auth/login -c "$jar" -H 'Content-Type: application/json' \
			--data-binary "$body" "$@"
		if [ "$T_STATUS" = 429 ] && [ "$T_BODY" != "$T1" ]; then
			sleep 2
			continue
		fi
		return 0
	done
}

JA=$T_TMP/admin.jar JB=$T_TMP/bob.jar JC=$T_TMP/carol.jar

# ================================================================ §2 login
login "$JA" "$RENSEI_ADMIN_EMAIL" "$RENSEI_ADMIN_PASSWORD"
t_eq "login: 200" "$T_STATUS" 200
ADMIN_UID=$(q "SELECT id FROM users WHERE email = '$RENSEI_ADMIN_EMAIL'")
t_match "login: the Me object" "$T_BODY" \
	"^\\{\"user\":\\{\"id\":\"$ADMIN_UID\",\"email\":\"$RENSEI_ADMIN_EMAIL\",\"name\":\"Admin\",\"isPlatformAdmin\":true\\},\"org\":\\{\"id\":\"$ORG\",\"name\":\"Default\",\"slug\":\"default\"\\},\"role\":\"owner\",\"memberships\":\\[\\{\"orgId\":\"$ORG\",\"orgSlug\":\"default\",\"orgName\":\"Default\",\"role\":\"owner\"\\}\\],\"expiresAt\":\"$ISO\"\\}\$"
t_match "login: Set-Cookie attributes (01 §9.1)" "$(t_header Set-Cookie)" \
	'^rensei_session=[A-Za-z0-9_-]{43}; Path=/; HttpOnly; SameSite=Lax; Max-Age=604800$'
t_eq "login: Cache-Control no-store" "$(t_header Cache-Control)" no-store
t_eq "login: auth.login appended" "$(q "SELECT count(*) FROM audit_events WHERE event_type = 'auth.login'")" 1
t_eq "login: one session row" "$(q 'SELECT count(*) FROM user_sessions')" 1

rq c:"$JA" GET /api/auth/me
t_eq "me: 200" "$T_STATUS" 200
t_eq "me: same user and org" "$(jf '.user.id + " " + .org.id + " " + .role')" "$ADMIN_UID $ORG owner"
rq - GET /api/auth/me
t_expect_json "me without a cookie: U7" 401 "$U7"
rq k:"$KEY" GET /api/auth/me
t_expect_json "me with only a Bearer key: U7 (cookie-only)" 401 "$U7"
t_req GET /api/auth/me -H 'Cookie: rensei_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'
t_expect_json "me with an unknown cookie: U7" 401 "$U7"
t_match "unknown cookie: cleared" "$(t_header Set-Cookie)" '^rensei_session=; .*Max-Age=0'

A0=$(audit_count)
login "$T_TMP/x.jar" "$RENSEI_ADMIN_EMAIL" wrong-password
t_expect_json "login, wrong password: U9" 401 "$U9"
t_eq "wrong password: auth.login_failed (wrong_password) in the org" \
	"$(q "SELECT org_id || ' ' || json_extract(payload, '$.reason') FROM audit_events WHERE event_type = 'auth.login_failed'")" \
	"$ORG wrong_password"
login "$T_TMP/x.jar" nobody@example.com whatever
t_expect_json "login, unknown email: the same U9" 401 "$U9"
t_eq "unknown email: no event" "$(audit_count)" $((A0 + 1))
t_eq "failures recorded per lower-cased email" \
	"$(q "SELECT count(*) FROM login_attempts WHERE email IN ('admin@localhost', 'nobody@example.com')")" 2
login "$T_TMP/x.jar" "" x
t_expect_json "login without email: 400" 400 "$(bad 'email is required')"
login "$T_TMP/x.jar" a@b.c ""
t_expect_json "login without password: 400" 400 "$(bad 'password is required')"

NOW=$(t_now_ms)
for i in $(seq 1 10); do q "INSERT INTO login_attempts (email, at) VALUES ('locked@example.com', $((NOW - 1000 * i)))"; done
A0=$(audit_count)
login "$T_TMP/x.jar" LOCKED@example.com whatever
t_expect_json "11th attempt within 15 min: T1" 429 "$T1"
t_match "T1: Retry-After in seconds" "$(t_header Retry-After)" '^(8[0-9][0-9]|900)$'
t_eq "T1: not recorded, no event" "$(q "SELECT count(*) FROM login_attempts WHERE email = 'locked@example.com'") $(audit_count)" "10 $A0"

login "$T_TMP/x.jar" "$RENSEI_ADMIN_EMAIL" "$RENSEI_ADMIN_PASSWORD" '' -H 'Origin: https://evil.example'
t_expect_json "login with a foreign Origin: F4" 403 "$F4"
login "$T_TMP/x.jar" "$RENSEI_ADMIN_EMAIL" "$RENSEI_ADMIN_PASSWORD" '{"orgId":"org_nope"}'
t_expect_json "login into a foreign org: 403" 403 "$(err Forbidden 'Not a member of the requested organization')"

# ============================================================= §3.1 org
rq c:"$JA" GET /api/org
t_match "GET /api/org" "$T_BODY" \
	"^\\{\"id\":\"$ORG\",\"name\":\"Default\",\"slug\":\"default\",\"plan\":\"self-hosted\",\"features\":\\{\\},\"memberCount\":1,\"createdAt\":\"$ISO\"\\}\$"
rq k:"$KEY" GET /api/cli/whoami
t_eq "whoami with the stack key: 200" "$T_STATUS" 200
KEYID=$(q "SELECT id FROM api_keys WHERE name = 'stack' AND org_id = '$ORG'")
t_eq "whoami: org, default project, scopes, principal" \
	"$(jq -c '[.org.id, .org.plan, [.projects[].slug], .scopes, .principal]' <<<"$T_BODY")" \
	"[\"$ORG\",\"self-hosted\",[\"default\"],[\"*\"],{\"type\":\"api_key\",\"id\":\"$KEYID\"}]"
rq c:"$JA" GET /api/cli/whoami
t_eq "whoami with the cookie: scopes [*], principal user" "$(jq -c '[.scopes, .principal]' <<<"$T_BODY")" \
	"[[\"*\"],{\"type\":\"user\",\"id\":\"$ADMIN_UID\"}]"

# ============================================================ §3.3 keys
rq c:"$JA" POST "/api/org/$ORG/keys" '{"name":"ci"}'
t_eq "mint a key: 201" "$T_STATUS" 201
t_match "mint: the 201 body" "$T_BODY" \
	"^\\{\"key\":\\{\"id\":\"key_$ULID\",\"orgId\":\"$ORG\",\"name\":\"ci\",\"keyType\":\"user\",\"keyPrefix\":\"rsk_live_[0-9a-f]{4}\",\"scopes\":\\[\"\\*\"\\],\"projectIds\":\"all\",\"createdAt\":\"$ISO\",\"expiresAt\":null,\"fullKey\":\"rsk_live_[0-9a-f]{64}\"\\},\"keyId\":\"key_$ULID\",\"token\":\"rsk_live_[0-9a-f]{64}\",\"name\":\"ci\",\"keyType\":\"user\",\"scopes\":\\[\"\\*\"\\],\"createdAt\":\"$ISO\"\\}\$"
t_eq "mint: Cache-Control / Pragma" "$(t_header Cache-Control) $(t_header Pragma)" "no-store no-cache"
CI=$(jf .token) CIID=$(jf .keyId)
t_eq "mint: fullKey = token, prefix = first 13" "$(jf .key.fullKey) $(jf .key.keyPrefix)" "$CI ${CI:0:13}"
t_eq "mint: api_key.minted by the user" \
	"$(q "SELECT actor_type || ' ' || actor_id FROM audit_events WHERE event_type = 'api_key.minted' AND entity_id = '$CIID'")" "user $ADMIN_UID"
rq k:"$CI" GET /api/org
t_eq "the minted key works" "$T_STATUS" 200
rq c:"$JA" GET "/api/org/$ORG/keys"
t_eq "key list: never a secret, both keys" "$(jq -c '[.items[].name] , (.items[0] | keys)' <<<"$T_BODY" | tr -d '\n')" \
	'["stack","ci"]["createdAt","createdBy","expiresAt","id","keyPrefix","keyType","lastUsedAt","name","orgId","projectIds","revokedAt","scopes"]'
t_eq "key list: no secret anywhere" "$(grep -c "${CI:13}" <<<"$T_BODY" || true)" 0
rq c:"$JA" DELETE "/api/org/$ORG/keys/$CIID"
t_eq "revoke: 204" "$T_STATUS" 204
rq k:"$CI" GET /api/org
t_expect_json "the revoked key: U1" 401 "$U1"
rq c:"$JA" DELETE "/api/org/$ORG/keys/$CIID"
t_eq "revoke again: 204, one event" "$T_STATUS $(q "SELECT count(*) FROM audit_events WHERE event_type = 'api_key.revoked'")" "204 1"
rq c:"$JA" GET "/api/org/$ORG/keys?includeRevoked=maybe"
t_expect_json "includeRevoked bad" 400 "$(bad 'includeRevoked must be true or false')"
rq c:"$JA" GET "/api/org/$ORG/keys?includeRevoked=true"
t_eq "includeRevoked=true lists the revoked key" "$(jq -r '[.items[] | select(.revokedAt != null) | .id] | join(",")' <<<"$T_BODY")" "$CIID"

rq c:"$JA" POST /api/org/api-keys '{"name":"old"}'
t_eq "deprecated mint: 201" "$T_STATUS" 201
t_eq "deprecated mint: Deprecation and Link" "$(t_header Deprecation)|$(t_header Link)" \
	"true|</api/org/$ORG/keys>; rel=\"successor-version\""
t_eq "deprecated mint: deprecatedRoute true" \
	"$(q "SELECT json_extract(payload, '$.deprecatedRoute') FROM audit_events WHERE event_type = 'api_key.minted' ORDER BY seq DESC LIMIT 1")" 1
rq k:"$KEY" POST /api/org/api-keys '{"name":"old"}'
t_expect_json "deprecated mint with a Bearer key: U7 (cookie-only)" 401 "$U7"

for b in '{"name":"x","scopes":["system"]}|Scope '"'"'system'"'"' cannot be minted' \
	'{"name":"x","scopes":["nope"]}|Unknown scope: nope' \
	'{"name":"x","scopes":["*"],"projects":["default"]}|Scope '"'"'*'"'"' requires projects \"all\"' \
	'{"name":"x","keyType":"worker_registration","scopes":["sessions:read"]}|worker_registration keys may hold only worker:* scopes' \
	'{"name":"x","projects":["proj_nope"]}|Unknown project: proj_nope' \
	'{"name":"x","expiresAt":"2001-01-01T00:00:00.000Z"}|expiresAt must be a future time within 2 years' \
	'{"name":"x","expiresAt":"2099-01-01T00:00:00.000Z"}|expiresAt must be a future time within 2 years' \
	'{}|name is required'; do
	rq c:"$JA" POST "/api/org/$ORG/keys" "${b%%|*}"
	t_expect_json "mint ${b%%|*}" 400 "$(bad "${b#*|}")"
done
rq c:"$JA" POST "/api/org/$ORG/keys" '{"name":"proj","projects":["default","default"],"scopes":["sessions:read","sessions:read"]}'
t_eq "project key: duplicates collapse, slug stored as id" "$T_STATUS $(jq -c '[.key.projectIds, .scopes]' <<<"$T_BODY")" \
	"201 [[\"$PROJ\"],[\"sessions:read\"]]"
SR=$(jf .token)
rq k:"$SR" POST "/api/org/$ORG/keys" '{"name":"y"}'
t_expect_json "a sessions:read key cannot mint: F2 org_keys:write" 403 "$(f2 org_keys:write)"

rq k:"$RENSEI_SYSTEM_KEY" GET "/api/org/$ORG/keys"
t_eq "a system key lists any org's keys (live: stack, old, proj)" "$T_STATUS $(jq -r '[.items[].name] | join(",")' <<<"$T_BODY")" "200 stack,old,proj"
rq k:"$RENSEI_SYSTEM_KEY" GET /api/org/org_nope/keys
t_expect_json "a system key, unknown org" 404 "$NOORG"
rq k:"$RENSEI_SYSTEM_KEY" GET /api/org
t_expect_json "a system key outside the keys routes: F2" 403 "$(f2 '*')"

# ============================================================ §7 not served
rq c:"$JA" POST /api/org/agents '{"name":"a"}'
t_expect_json "POST /api/org/agents: 404" 404 "$(nf 'Not found')"

# ========================================================= §4 projects
rq c:"$JA" POST /api/projects '{"name":"Web App"}'
t_eq "create project: 201" "$T_STATUS" 201
t_match "create project: the Project object" "$T_BODY" \
	"^\\{\"id\":\"proj_$ULID\",\"name\":\"Web App\",\"slug\":\"web-app\",\"isDefault\":false,\"sandboxProvider\":\"local\",\"createdAt\":\"$ISO\",\"updatedAt\":\"$ISO\"\\}\$"
WEB=$(jf .id)
t_eq "the creator is project admin" "$(q "SELECT role FROM project_members WHERE project_id = '$WEB' AND user_id = '$ADMIN_UID'")" admin
rq c:"$JA" POST /api/projects '{"name":"web app"}'
t_expect_json "duplicate derived slug: 409" 409 "$(err Conflict 'Project slug already exists')"
rq c:"$JA" POST /api/projects '{"name":"!!!"}'
t_expect_json "underivable slug" 400 "$(bad 'Cannot derive a slug from name; provide slug')"
rq c:"$JA" POST /api/projects '{"name":"x","slug":"admin"}'
t_expect_json "reserved slug" 400 "$(bad 'slug is reserved')"
rq c:"$JA" POST /api/projects '{"name":"x","slug":"Bad_Slug"}'
t_expect_json "bad slug" 400 "$(bad 'slug must match ^[a-z0-9]+(-[a-z0-9]+)*$ (1-48 characters)')"
rq c:"$JA" POST /api/projects '{"name":"x","sandboxProvider":"docker"}'
t_expect_json "bad sandboxProvider" 400 "$(bad 'sandboxProvider must be one of: local, e2b, vercel')"
rq c:"$JA" POST /api/projects '{"name":"Mobile","slug":"mobile","sandboxProvider":"e2b"}'
t_eq "create with slug and sandbox" "$T_STATUS $(jf '.slug + " " + .sandboxProvider')" "201 mobile e2b"
MOB=$(jf .id)
rq k:"$KEY" GET /api/projects/web-app
t_eq "get by slug with a key" "$T_STATUS $(jf .id)" "200 $WEB"
rq k:"$KEY" GET /api/projects
t_eq "list: oldest first" "$(jq -r '[.items[].slug] | join(",")' <<<"$T_BODY")" "default,web-app,mobile"
rq k:"$KEY" GET '/api/projects?limit=2'
NEXT=$(jf .nextCursor)
t_eq "list limit=2: a page and a cursor" "$(jq -r '[.items[].slug] | join(",")' <<<"$T_BODY") ${NEXT:+cursor}" "default,web-app cursor"
rq k:"$KEY" GET "/api/projects?limit=2&cursor=$NEXT"
t_eq "next page" "$(jq -c '[[.items[].slug], .nextCursor]' <<<"$T_BODY")" '[["mobile"],null]'
rq k:"$KEY" GET '/api/projects?limit=0'
t_expect_json "limit=0" 400 "$(bad "Invalid 'limit' parameter: expected a positive integer")"
rq k:"$KEY" GET '/api/projects?cursor=!!'
t_expect_json "bad cursor" 400 "$(bad 'Invalid cursor')"
rq c:"$JA" PATCH /api/projects/mobile '{"name":"Mobile 2","sandboxProvider":"vercel"}'
t_eq "patch project" "$T_STATUS $(jf '.name + " " + .sandboxProvider')" "200 Mobile 2 vercel"
rq c:"$JA" PATCH /api/projects/mobile '{"isDefault":false}'
t_expect_json "isDefault false" 400 "$(bad 'isDefault can only be set to true')"
rq c:"$JA" PATCH /api/projects/mobile '{"slug":"web-app"}'
t_expect_json "patch to a taken slug" 409 "$(err Conflict 'Project slug already exists')"
rq c:"$JA" DELETE /api/projects/default
t_expect_json "delete the default project" 409 "$(err Conflict 'Cannot delete the default project')"

# ------------------------------------------------------------- §4.1 repos
rq c:"$JA" POST /api/projects/web-app/repos '{"url":"https://GitHub.com/acme/web.git"}'
t_match "add repo" "$T_STATUS $T_BODY" \
	"^201 \\{\"id\":\"repo_$ULID\",\"projectId\":\"$WEB\",\"url\":\"https://GitHub.com/acme/web.git\",\"provider\":\"github\",\"cloneStrategy\":\"full\",\"defaultBranch\":\"main\",\"createdAt\":\"$ISO\",\"updatedAt\":\"$ISO\"\\}\$"
REPO=$(jf .id)
rq c:"$JA" POST /api/projects/web-app/repos '{"url":"git@github.com:acme/web/"}'
t_expect_json "same repo over ssh: 409" 409 "$(err Conflict 'Repository already added')"
rq c:"$JA" POST /api/projects/web-app/repos '{"url":"https://tok@github.com/acme/x"}'
t_expect_json "credentials in url" 400 "$(bad 'url must not contain credentials')"
rq c:"$JA" POST /api/projects/web-app/repos '{"url":"ftp://x/y"}'
t_expect_json "not a git url" 400 "$(bad 'url must be an https or ssh git URL')"
rq c:"$JA" PATCH "/api/projects/web-app/repos/$REPO" '{"cloneStrategy":"shallow"}'
t_eq "patch repo" "$T_STATUS $(jf .cloneStrategy)" "200 shallow"
rq c:"$JA" PATCH "/api/projects/web-app/repos/$REPO" '{"cloneStrategy":"deep"}'
t_expect_json "bad cloneStrategy" 400 "$(bad 'cloneStrategy must be one of: full, shallow, blobless')"

# --------------------------------------------------- members, invites
"$ADMIN" --data "$T_DATA" user create --email bob@example.com --name Bob --password bob-password-1 >/dev/null
"$ADMIN" --data "$T_DATA" user create --email carol@example.com --name Carol --password carol-password-1 >/dev/null
BOB=$(q "SELECT id FROM users WHERE email = 'bob@example.com'")
CAROL=$(q "SELECT id FROM users WHERE email = 'carol@example.com'")
rq c:"$JA" POST /api/org/invites '{"email":"Bob@Example.com","role":"member"}'
t_match "invite: 201 pending" "$T_STATUS $T_BODY" \
	"^201 \\{\"id\":\"inv_$ULID\",\"email\":\"bob@example.com\",\"organizationId\":\"$ORG\",\"role\":\"member\",\"state\":\"pending\",\"invitedBy\":\"$ADMIN_UID\",\"createdAt\":\"$ISO\",\"expiresAt\":\"$ISO\"\\}\$"
INV=$(jf .id)
rq c:"$JA" POST /api/org/invites '{"email":"bob@example.com"}'
t_expect_json "second pending invite" 409 "$(err Conflict 'A pending invite for this email already exists')"
rq c:"$JA" POST /api/org/invites '{"email":"not-an-email"}'
t_expect_json "bad invite email" 400 "$(bad 'email must be a valid email address')"
rq c:"$JA" POST /api/org/invites '{"email":"x@example.com","role":"owner"}'
t_expect_json "invite as owner" 400 "$(bad 'role must be one of: admin, member, auditor, viewer')"
rq c:"$JA" GET '/api/org/invites?state=bogus'
t_expect_json "invite list, bad state" 400 "$(bad 'state must be one of: pending, accepted, revoked, expired')"
rq c:"$JA" POST "/api/org/invites/$INV/accept"
t_expect_json "accept by another e-mail" 403 "$(err Forbidden 'Invite was issued to a different email')"

login "$JB" bob@example.com bob-password-1
t_eq "bob logs in without an org" "$T_STATUS $(jf '.org') $(jf '.role')" "200 null null"
rq c:"$JB" GET /api/org
t_expect_json "no active org: F6" 403 "$(err Forbidden 'No active organization')"
rq c:"$JB" POST "/api/org/invites/$INV/accept"
t_match "bob accepts" "$T_STATUS $T_BODY" "^200 \\{\"organizationId\":\"$ORG\",\"role\":\"member\",\"joinedAt\":\"$ISO\"\\}\$"
rq c:"$JB" POST "/api/org/invites/$INV/accept"
t_expect_json "accept twice" 409 "$(err Conflict 'Invite already accepted')"
rq c:"$JB" POST /api/auth/switch-org "{\"orgId\":\"$ORG\"}"
t_eq "bob switches to the org" "$T_STATUS $(jf '.org.id + " " + .role')" "200 $ORG member"
t_eq "auth.org_switched" "$(q "SELECT count(*) FROM audit_events WHERE event_type = 'auth.org_switched'")" 1
rq c:"$JB" POST /api/auth/switch-org "{\"orgId\":\"$ORG\"}"
t_eq "switch to the active org: no second event" "$T_STATUS $(q "SELECT count(*) FROM audit_events WHERE event_type = 'auth.org_switched'")" "200 1"
rq c:"$JB" POST /api/auth/switch-org '{}'
t_expect_json "switch-org without orgId" 400 "$(bad 'orgId is required')"
rq c:"$JB" POST /api/auth/switch-org '{"orgId":"org_x"}'
t_expect_json "switch to a foreign org" 403 "$(err Forbidden 'Not a member of the requested organization')"
rq n:"$JB" POST /api/auth/switch-org "{\"orgId\":\"$ORG\"}"
t_expect_json "cookie write without Origin: F4" 403 "$F4"

# Role: bob is an org member.
for r in "POST /api/projects {\"name\":\"z\"}" "GET /api/org/invites" "POST /api/org/invites {\"email\":\"z@example.com\"}" \
	"PATCH /api/org/members/$ADMIN_UID {\"role\":\"viewer\"}" \
	"GET /api/org/$ORG/credentials"; do
	read -r m p b <<<"$r"
	rq c:"$JB" "$m" "$p" "${b:-}"
	t_expect_json "member: $m $p is F3" 403 "$F3"
done
rq c:"$JB" GET /api/projects/web-app
t_expect_json "member: a project it does not belong to is 404" 404 "$NOPROJ"
rq c:"$JB" POST "/api/org/$ORG/keys" '{"name":"b"}'
t_expect_json "member: org-wide key" 403 "$(err Forbidden 'Org-wide keys require org_keys:write or an org admin')"
rq c:"$JA" POST /api/projects/web-app/members '{"email":"BOB@example.com","role":"viewer"}'
t_match "add bob to web-app as viewer" "$T_STATUS $T_BODY" \
	"^201 \\{\"userId\":\"$BOB\",\"email\":\"bob@example.com\",\"name\":\"Bob\",\"role\":\"viewer\",\"addedAt\":\"$ISO\"\\}\$"
rq c:"$JA" POST /api/projects/web-app/members "{\"userId\":\"$BOB\",\"role\":\"viewer\"}"
t_expect_json "add twice" 409 "$(err Conflict 'User is already a project member')"
rq c:"$JA" POST /api/projects/web-app/members "{\"userId\":\"$CAROL\",\"role\":\"viewer\"}"
t_expect_json "add a non-member" 400 "$(bad 'User is not a member of the organization')"
rq c:"$JA" POST /api/projects/web-app/members "{\"userId\":\"$BOB\",\"email\":\"bob@example.com\",\"role\":\"viewer\"}"
t_expect_json "userId and email" 400 "$(bad 'Exactly one of userId or email is required')"
rq c:"$JB" GET /api/projects/web-app
t_eq "viewer sees the project" "$T_STATUS" 200
rq c:"$JB" POST /api/projects/web-app/sessions '{"issueIdentifier":"X-1","prompt":"p"}'
t_expect_json "viewer cannot dispatch: F3" 403 "$F3"
rq c:"$JB" POST "/api/org/$ORG/keys" '{"name":"b","projects":["web-app"]}'
t_expect_json "viewer cannot mint a project key: F3" 403 "$F3"
rq c:"$JB" DELETE /api/projects/web-app
t_expect_json "project viewer deleting the project: F3" 403 "$F3"
rq c:"$JA" PATCH "/api/projects/web-app/members/$BOB" '{"role":"member"}'
t_eq "promote bob to project member" "$T_STATUS $(jf .role)" "200 member"
rq c:"$JB" POST "/api/org/$ORG/keys" '{"name":"b","projects":["web-app"]}'
t_eq "member mints a project key: worker scopes by default" "$T_STATUS $(jq -c '[.key.projectIds, .scopes]' <<<"$T_BODY")" \
	"201 [[\"$WEB\"],[\"worker:register\",\"worker:poll\",\"worker:heartbeat\",\"worker:session\"]]"
BOBKEY=$(jf .token) BOBKEYID=$(jf .keyId)
rq k:"$BOBKEY" GET /api/projects
t_eq "bob's key sees only web-app" "$(jq -r '[.items[].slug] | join(",")' <<<"$T_BODY")" web-app
rq c:"$JB" GET "/api/org/$ORG/keys"
t_eq "member lists only own keys" "$(jq -r '[.items[].id] | join(",")' <<<"$T_BODY")" "$BOBKEYID"
rq c:"$JB" DELETE "/api/org/$ORG/keys/$KEYID"
t_expect_json "member revoking another's key: 404" 404 "$(nf 'API key not found')"
rq c:"$JA" GET /api/org/members
t_eq "members list" "$(jq -r '[.items[] | .email + ":" + .role] | join(",")' <<<"$T_BODY")" "admin@localhost:owner,bob@example.com:member"
rq c:"$JA" PATCH "/api/org/members/$ADMIN_UID" '{"role":"admin"}'
t_expect_json "last owner" 409 "$(err Conflict 'An organization must keep at least one owner')"
rq c:"$JA" PATCH "/api/org/members/$BOB" '{"role":"boss"}'
t_expect_json "bad org role" 400 "$(bad 'role must be one of: owner, admin, member, auditor, viewer')"
rq c:"$JA" PATCH /api/org/members/usr_nope '{"role":"admin"}'
t_expect_json "unknown member" 404 "$(nf 'Member not found')"

# ------------------------------------------- §4.2 tokens, worker, §4.3 dispatch
rq c:"$JA" POST /api/projects/web-app/runtime-tokens '{"name":"ci workers","expiresIn":3600}'
t_match "mint a registration token" "$T_STATUS $T_BODY" \
	"^201 \\{\"id\":\"rtk_$ULID\",\"projectId\":\"$WEB\",\"name\":\"ci workers\",\"tokenPrefix\":\"rsp_live_[0-9a-f]{4}\",\"scopes\":\\[\"worker:register\",\"worker:poll\",\"worker:heartbeat\",\"worker:session\"\\],\"createdAt\":\"$ISO\",\"expiresAt\":\"$ISO\",\"token\":\"rsp_live_[0-9a-f]{64}\"\\}\$"
t_eq "token: no-store" "$(t_header Cache-Control)" no-store
RTK=$(jf .token) RTKID=$(jf .id)
rq c:"$JA" POST /api/projects/web-app/runtime-tokens '{"name":"x","expiresIn":299}'
t_expect_json "expiresIn too small" 400 "$(bad 'expiresIn must be an integer between 300 and 31536000')"
rq k:"$RTK" POST /api/workers/register '{"hostname":"h1","capacity":2}'
t_eq "a worker registers with the token" "$T_STATUS" 201
W=$(jf .workerId) RT=$(jf .runtimeToken)
rq c:"$JA" POST /api/projects/web-app/sessions '{"issueIdentifier":"ENG-124","issueTitle":"Fix it","prompt":"Please fix","priority":2}'
t_match "dispatch: 201" "$T_STATUS $T_BODY" \
	"^201 \\{\"publicId\":\"[0-9a-f]{16}\",\"trackerSessionId\":\"[0-9a-f-]{36}\",\"sessionHash\":\"[0-9a-f]{32}\",\"status\":\"queued\",\"projectId\":\"$WEB\",\"issueIdentifier\":\"ENG-124\",\"workType\":\"development\",\"priority\":2,\"createdAt\":\"$ISO\"\\}\$"
S=$(jf .trackerSessionId)
ISS=iss_$(printf '%s:%s' "$WEB" ENG-124 | sha256sum | cut -c1-24)
t_eq "dispatch: pending, console, issueId from the project id" \
	"$(q "SELECT status || ' ' || source || ' ' || issue_id || ' ' || tracker_provider FROM sessions WHERE tracker_session_id = '$S'")" \
	"pending console $ISS rensei"
t_eq "dispatch: session.created" "$(q "SELECT count(*) FROM audit_events WHERE event_type = 'session.created' AND session_id = '$S'")" 1
rq k:"$RT" GET "/api/workers/$W/poll"
t_eq "the worker's poll receives it" "$T_STATUS $(jq -r '[.work[].sessionId] | join(",")' <<<"$T_BODY")" "200 $S"
rq c:"$JB" POST /api/projects/web-app/sessions '{"issueIdentifier":"ENG-124","prompt":"again"}'
t_eq "same issue again (member bob): parked" "$T_STATUS $(jf .status)" "201 parked"
for b in '{"prompt":"p"}|issueIdentifier is required' \
	'{"issueIdentifier":"A B","prompt":"p"}|issueIdentifier must be 1-64 printable ASCII characters without spaces' \
	'{"issueIdentifier":"A-1"}|prompt is required' \
	'{"issueIdentifier":"A-1","prompt":"p","priority":10}|priority must be an integer between 1 and 9' \
	'{"issueIdentifier":"A-1","prompt":"p","priority":1e400}|priority must be an integer between 1 and 9' \
	'{"issueIdentifier":"A-1","prompt":"p","workType":"x"}|workType must be one of: research, backlog-creation, backlog-groomer, development, inflight, qa, acceptance, refinement, refinement-coordination, merge, security, improvement-loop, outcome-auditor, ga-readiness, documentation-steward, operational-scanner-vercel, operational-scanner-audit, operational-scanner-ci'; do
	rq c:"$JA" POST /api/projects/web-app/sessions "${b%%|*}"
	t_expect_json "dispatch ${b%%|*}" 400 "$(bad "${b#*|}")"
done
LONG=$(head -c 32769 /dev/zero | tr '\0' p)
rq c:"$JA" POST /api/projects/web-app/sessions "{\"issueIdentifier\":\"A-1\",\"prompt\":\"$LONG\"}"
t_expect_json "dispatch: prompt of 32769 bytes" 400 "$(bad 'prompt exceeds 32768 bytes')"
rq c:"$JA" POST /api/projects/web-app/sessions "{\"issueIdentifier\":\"A-1\",\"prompt\":\"${LONG:0:32768}\",\"issueTitle\":\"$(printf 'é%.0s' $(seq 1 500))\"}"
t_eq "dispatch: 32768-byte prompt, 500-character title accepted" "$T_STATUS" 201
rq c:"$JA" POST /api/projects/web-app/sessions "{\"issueIdentifier\":\"A-2\",\"prompt\":\"p\",\"issueTitle\":\"$(printf 'é%.0s' $(seq 1 501))\"}"
t_expect_json "dispatch: 501-character title" 400 "$(bad 'issueTitle must be at most 500 characters')"
rq c:"$JA" POST /api/projects/web-app/sessions "{\"issueIdentifier\":\"$(printf 'x%.0s' $(seq 1 65))\",\"prompt\":\"p\"}"
t_expect_json "dispatch: 65-character identifier" 400 "$(bad 'issueIdentifier must be 1-64 printable ASCII characters without spaces')"
rq k:"$SR" POST /api/projects/default/sessions '{"issueIdentifier":"A-1","prompt":"p"}'
t_expect_json "sessions:read key cannot dispatch" 403 "$(f2 sessions:write)"
rq c:"$JA" DELETE "/api/projects/web-app/runtime-tokens/$RTKID"
t_eq "revoke the registration token" "$T_STATUS" 204
rq k:"$RTK" POST /api/workers/register '{"hostname":"h2","capacity":1}'
t_expect_json "a revoked registration token: U1" 401 "$U1"
rq c:"$JA" GET /api/projects/web-app/runtime-tokens
t_eq "revoked tokens are not listed by default" "$(jq -r '.items | length' <<<"$T_BODY")" 0

# --------------------------------------------------- §3.4 / §4.4 credentials
rq c:"$JA" PUT "/api/org/$ORG/credentials/GITHUB_TOKEN" '{"value":"ghp_secret"}'
t_match "org credential created" "$T_STATUS $T_BODY" \
	"^201 \\{\"id\":\"cred_$ULID\",\"level\":\"org\",\"orgId\":\"$ORG\",\"projectId\":null,\"envName\":null,\"name\":\"GITHUB_TOKEN\",\"description\":null,\"version\":1,\"createdBy\":\"$ADMIN_UID\",\"createdAt\":\"$ISO\",\"updatedBy\":\"$ADMIN_UID\",\"updatedAt\":\"$ISO\"\\}\$"
rq c:"$JA" PUT "/api/org/$ORG/credentials/GITHUB_TOKEN" '{"value":"ghp_secret2","description":"bot"}'
t_eq "replaced: 200, version 2" "$T_STATUS $(jf .version) $(jf .description)" "200 2 bot"
t_eq "the value is stored sealed" "$(q "SELECT count(*) FROM credentials WHERE instr(value_sealed, 'ghp_secret') > 0")" 0
rq k:"$KEY" GET "/api/org/$ORG/credentials"
t_expect_json "org credentials are cookie-only: U7" 401 "$U7"
rq c:"$JA" PUT "/api/org/$ORG/credentials/9BAD" '{"value":"x"}'
t_expect_json "bad credential name" 400 "$(bad 'name must match ^[A-Za-z_][A-Za-z0-9_]{0,127}$')"
rq c:"$JA" PUT "/api/org/$ORG/credentials/X" '{}'
t_expect_json "value missing" 400 "$(bad 'value is required')"
rq c:"$JA" PUT "/api/org/$ORG/credentials/X" '{"value":5}'
t_expect_json "value not a string" 400 "$(bad 'value must be a string of 1-65536 bytes')"
rq k:"$KEY" PUT /api/projects/web-app/credentials/API_URL '{"value":"https://x"}'
t_eq "project credential with a * key" "$T_STATUS $(jf '.level + " " + .projectId')" "201 project $WEB"
rq k:"$KEY" PUT /api/projects/web-app/environments/staging/credentials/API_URL '{"value":"https://s"}'
t_eq "environment credential" "$T_STATUS $(jf '.level + " " + .envName')" "201 environment staging"
rq k:"$KEY" PUT /api/projects/web-app/environments/Bad/credentials/API_URL '{"value":"https://s"}'
t_expect_json "bad envName" 400 "$(bad 'envName must match ^[a-z0-9][a-z0-9_-]{0,47}$')"
rq k:"$KEY" GET '/api/projects/web-app/credentials?env=staging'
t_eq "list env=staging" "$(jq -r '[.items[] | .level + ":" + .name] | join(",")' <<<"$T_BODY")" "environment:API_URL"
rq k:"$KEY" GET /api/projects/web-app/credentials
t_eq "list all levels of the project" "$(jq -r '.items | length' <<<"$T_BODY")" 2
rq k:"$BOBKEY" GET /api/projects/web-app/credentials
t_expect_json "worker-scoped key: F2 *" 403 "$(f2 '*')"
rq k:"$KEY" DELETE /api/projects/web-app/credentials/API_URL
t_eq "delete project credential" "$T_STATUS" 204
rq k:"$KEY" DELETE /api/projects/web-app/credentials/API_URL
t_expect_json "delete again" 404 "$(nf 'Credential not found')"
t_eq "credential events" "$(q "SELECT group_concat(event_type, ',') FROM (SELECT event_type FROM audit_events WHERE event_type LIKE 'credential.%' ORDER BY seq)")" \
	"credential.created,credential.updated,credential.created,credential.created,credential.deleted"

# =========================================== no credential → 401 (table)
# The console route table: METHOD PATH KIND (C cookie-only, B Bearer or cookie).
ROUTES="GET /api/auth/me C
POST /api/auth/switch-org C
GET /api/org B
GET /api/cli/whoami B
GET /api/org/members B
PATCH /api/org/members/$BOB B
DELETE /api/org/members/$BOB B
POST /api/org/invites B
GET /api/org/invites B
DELETE /api/org/invites/$INV B
POST /api/org/invites/$INV/accept C
POST /api/org/$ORG/keys B
GET /api/org/$ORG/keys B
DELETE /api/org/$ORG/keys/$KEYID B
POST /api/org/api-keys C
GET /api/org/$ORG/credentials C
PUT /api/org/$ORG/credentials/GITHUB_TOKEN C
DELETE /api/org/$ORG/credentials/GITHUB_TOKEN C
POST /api/org/$ORG/runtime-tokens C
GET /api/org/$ORG/runtime-tokens C
DELETE /api/org/$ORG/runtime-tokens/$RTKID C
GET /api/projects B
POST /api/projects B
GET /api/projects/$WEB B
PATCH /api/projects/$WEB B
DELETE /api/projects/$WEB B
GET /api/projects/$WEB/members B
POST /api/projects/$WEB/members B
PATCH /api/projects/$WEB/members/$BOB B
DELETE /api/projects/$WEB/members/$BOB B
GET /api/projects/$WEB/repos B
POST /api/projects/$WEB/repos B
PATCH /api/projects/$WEB/repos/$REPO B
DELETE /api/projects/$WEB/repos/$REPO B
POST /api/projects/$WEB/runtime-tokens B
GET /api/projects/$WEB/runtime-tokens B
DELETE /api/projects/$WEB/runtime-tokens/$RTKID B
POST /api/projects/$WEB/sessions B
GET /api/projects/$WEB/credentials B
PUT /api/projects/$WEB/credentials/API_URL B
DELETE /api/projects/$WEB/credentials/API_URL B
PUT /api/projects/$WEB/environments/staging/credentials/API_URL B
DELETE /api/projects/$WEB/environments/staging/credentials/API_URL B"

S0=$(state)
while read -r m p kind; do
	rq - "$m" "$p" '{}'
	if [ "$kind" = C ]; then
		t_expect_json "no credential: $m $p" 401 "$U7"
	else
		t_expect_json "no credential: $m $p" 401 "$U6"
	fi
	# Cookie writes need a matching Origin (01 §9.4).
	if [ "$m" != GET ]; then
		rq x:"$JA" "$m" "$p" '{}'
		t_expect_json "foreign Origin: $m $p" 403 "$F4"
	fi
done <<<"$ROUTES"
for p in /api/org "/api/org/$ORG/keys" /api/projects/default; do
	rq k:rsk_live_0000000000000000000000000000000000000000000000000000000000000000 GET "$p"
	t_expect_json "unknown key: GET $p" 401 "$U1"
done
rq - GET /api/org '' -H 'Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJ4IjoxfQ.c2ln'
t_expect_json "a runtime-JWT-shaped token on a console route: U5" 401 "$U5"
t_eq "refusals changed nothing" "$(state)" "$S0"

# ====================================== tenant isolation: another org → 404
ORG2=$("$ADMIN" --data "$T_DATA" --json org create --name Other | jq -r '.id // .orgId')
"$ADMIN" --data "$T_DATA" member add --org "$ORG2" --email carol@example.com --role owner >/dev/null
K2=$("$ADMIN" --data "$T_DATA" --json key create --org "$ORG2" --name other --scopes '*' | jq -r .secret)
login "$JC" carol@example.com carol-password-1
t_eq "carol logs into the other org" "$T_STATUS $(jf .org.id)" "200 $ORG2"
rq c:"$JA" POST /api/org/invites '{"email":"dave@example.com"}'
INV2=$(jf .id)

S0=$(state)
while read -r m p kind; do
	case $p in /api/auth/*|/api/org|/api/cli/whoami|/api/org/members|/api/org/invites|/api/org/api-keys|/api/projects) continue ;; esac
	case $p in
	/api/org/invites/*/accept) want=$(nf 'Invite not found') ;;
	/api/org/invites/*) want=$(nf 'Invite not found') ;;
	/api/org/members/*) want=$(nf 'Member not found') ;;
	/api/org/"$ORG"/*) want=$NOORG ;;
	/api/projects/*) want=$NOPROJ ;;
	*) t_fail "no expectation for $p"; continue ;;
	esac
	p=${p//$INV/$INV2}
	body='{}'
	case "$m $p" in
	"PATCH /api/org/members/"*) body='{"role":"viewer"}' ;;
	"PUT "*) body='{"value":"v"}' ;;
	"POST /api/projects/"*/members) body="{\"userId\":\"$CAROL\",\"role\":\"viewer\"}" ;;
	"POST /api/projects/"*/repos) body='{"url":"https://github.com/o/r"}' ;;
	"POST /api/projects/"*/runtime-tokens) body='{"name":"n"}' ;;
	"POST /api/projects/"*/sessions) body='{"issueIdentifier":"X-1","prompt":"p"}' ;;
	esac
	if [ "$kind" = B ]; then
		rq k:"$K2" "$m" "$p" "$body"
		t_expect_json "other org's key: $m $p" 404 "$want"
	fi
	rq c:"$JC" "$m" "$p" "$body"
	if [ "$p" != "${p%/accept}" ]; then
		# accept by a user of another org: the invite exists, so the
		# e-mail check answers (404 is for an unknown id).
		t_expect_json "other org's cookie: $m $p" 403 "$(err Forbidden 'Invite was issued to a different email')"
	else
		t_expect_json "other org's cookie: $m $p" 404 "$want"
	fi
done <<<"$ROUTES"
rq k:"$K2" GET /api/projects
t_eq "other org's list shows only its default project" "$(jq -r '[.items[].id] | map(select(. == "'"$WEB"'" or . == "'"$PROJ"'")) | length' <<<"$T_BODY")" 0
rq k:"$K2" GET "/api/org/$ORG2/keys"
t_eq "other org's key list has none of the first org's keys" "$(jq -r "[.items[] | select(.orgId != \"$ORG2\")] | length" <<<"$T_BODY")" 0
rq k:"$K2" GET /api/org/members
t_eq "other org's member list" "$(jq -r '[.items[].email] | join(",")' <<<"$T_BODY")" carol@example.com
rq k:"$K2" POST /api/projects/web-app/sessions '{"issueIdentifier":"X-1","prompt":"p"}'
t_expect_json "other org dispatching into web-app by slug" 404 "$NOPROJ"
t_eq "cross-tenant calls changed nothing" "$(state)" "$S0"

# ====================================================== hostile bodies
WRITES="POST /api/auth/switch-org
POST /api/org/invites
PATCH /api/org/members/$BOB
POST /api/org/$ORG/keys
POST /api/org/api-keys
PUT /api/org/$ORG/credentials/HOSTILE
POST /api/org/$ORG/runtime-tokens
POST /api/projects
PATCH /api/projects/$MOB
POST /api/projects/$WEB/members
PATCH /api/projects/$WEB/members/$BOB
POST /api/projects/$WEB/repos
PATCH /api/projects/$WEB/repos/$REPO
POST /api/projects/$WEB/runtime-tokens
POST /api/projects/$WEB/sessions
PUT /api/projects/$WEB/credentials/HOSTILE
PUT /api/projects/$WEB/environments/e1/credentials/HOSTILE"
head -c 1100000 /dev/zero | tr '\0' 'a' | sed 's/^/{"name":"/; s/$/"}/' >"$T_TMP/big.json"
S0=$(state)
while read -r m p; do
	for b in '{' '[]' '{"name":"a\u0000b"}' "$(printf '{"name":"\xff"}')"; do
		rq c:"$JA" "$m" "$p" "$b"
		t_expect_json "hostile $m $p $b" 400 "$BADJSON"
	done
done <<<"$WRITES"
for b in '{"a":1,"a":2}' '"str"' '{"name":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":1}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}'; do
	rq c:"$JA" POST /api/projects "$b"
	t_expect_json "hostile POST /api/projects ${b:0:20}" 400 "$BADJSON"
done
for r in "POST /api/org/$ORG/keys" "PUT /api/org/$ORG/credentials/HOSTILE" "POST /api/projects/$WEB/sessions"; do
	read -r m p <<<"$r"
	rq c:"$JA" "$m" "$p" '' --data-binary "@$T_TMP/big.json"
	t_eq "1 MiB+ body: $m $p" "$T_STATUS" 413
done
for r in "POST /api/org/$ORG/keys {\"name\":7}|name must be a string of 1-100 characters" \
	"POST /api/org/$ORG/keys {\"name\":\"x\",\"scopes\":\"*\"}|scopes must be a non-empty array of scope names" \
	"POST /api/projects {\"name\":\"x\",\"isDefault\":\"yes\"}|isDefault must be a boolean" \
	"POST /api/projects/$WEB/runtime-tokens {\"name\":\"x\",\"expiresIn\":1e300}|expiresIn must be an integer between 300 and 31536000" \
	"POST /api/projects/$WEB/runtime-tokens {\"name\":\"x\",\"expiresIn\":99999999999999999999999}|expiresIn must be an integer between 300 and 31536000" \
	"POST /api/projects/$WEB/sessions {\"issueIdentifier\":[],\"prompt\":\"p\"}|issueIdentifier must be 1-64 printable ASCII characters without spaces"; do
	spec=${r%%|*}
	read -r m p b <<<"$spec"
	rq c:"$JA" "$m" "$p" "$b"
	t_expect_json "wrong type: $m $p $b" 400 "$(bad "${r#*|}")"
done
rq c:"$JA" GET /api/projects/%00
t_expect_json "NUL in a path id: 400 envelope" 400 "$(bad 'Bad request')"
rq c:"$JA" GET "/api/projects/$(head -c 3000 /dev/zero | tr '\0' x)"
t_match "a 3000-byte path id: 4xx" "$T_STATUS" '^4[0-9][0-9]$'
t_eq "hostile bodies changed nothing" "$(state)" "$S0"
t_not "the dummy hash was made" grep -qa 'dummy password hash' "$T_DATA"/log/*.log
t_ok "the logs record statuses" grep -qa '"status":201' "$T_DATA"/log/*.log
t_eq "no 5xx in any log" "$(cat "$T_DATA"/log/*.log | grep -ac '"status":5[0-9][0-9]' || true)" 0

# ============================================ member removal, project delete
rq c:"$JA" DELETE "/api/org/members/$BOB"
t_eq "remove bob: 204" "$T_STATUS" 204
t_eq "bob's key revoked, project membership and sessions gone" \
	"$(q "SELECT (SELECT revoked_at IS NOT NULL FROM api_keys WHERE id = '$BOBKEYID'), (SELECT count(*) FROM project_members WHERE user_id = '$BOB'), (SELECT count(*) FROM user_sessions WHERE user_id = '$BOB' AND active_org_id = '$ORG')")" "1|0|0"
rq k:"$BOBKEY" GET /api/projects
t_expect_json "bob's key after removal: U1" 401 "$U1"
rq c:"$JA" POST "/api/org/$ORG/keys" '{"name":"m1","projects":["mobile"],"scopes":["sessions:read"]}'
KM1=$(jf .keyId)
rq c:"$JA" POST "/api/org/$ORG/keys" '{"name":"m2","projects":["mobile","web-app"],"scopes":["sessions:read"]}'
KM2=$(jf .keyId)
rq c:"$JA" POST /api/projects/mobile/runtime-tokens '{"name":"m"}'
TM=$(jf .id)
rq c:"$JA" PUT /api/projects/mobile/environments/prod/credentials/M_TOKEN '{"value":"v"}'
CM=$(jf .id)
t_eq "mobile's key, token and credential exist" "$(q "SELECT count(*) FROM api_keys WHERE id IN ('$KM1','$KM2')") $(q "SELECT count(*) FROM credentials WHERE id = '$CM'")" "2 1"
rq c:"$JA" DELETE /api/projects/mobile
t_eq "delete a project: 204" "$T_STATUS" 204
t_eq "delete: key with only mobile revoked, the other keeps web-app" \
	"$(q "SELECT revoked_at IS NOT NULL FROM api_keys WHERE id = '$KM1'") $(q "SELECT revoked_at IS NULL, project_ids FROM api_keys WHERE id = '$KM2'")" \
	"1 1|[\"$WEB\"]"
t_eq "delete: token revoked, credential deleted" \
	"$(q "SELECT revoked_at IS NOT NULL FROM registration_tokens WHERE id = '$TM'") $(q "SELECT count(*) FROM credentials WHERE project_id = '$MOB'")" "1 0"
t_eq "delete: one project.deleted listing the side effects" \
	"$(q "SELECT json_extract(payload, '$.revokedKeyIds') || ' ' || json_extract(payload, '$.updatedKeyIds') || ' ' || json_extract(payload, '$.revokedTokenIds') || ' ' || json_extract(payload, '$.deletedCredentialIds') FROM audit_events WHERE event_type = 'project.deleted'")" \
	"[\"$KM1\"] [\"$KM2\"] [\"$TM\"] [\"$CM\"]"
rq c:"$JA" GET /api/projects/mobile
t_expect_json "deleted project: 404" 404 "$NOPROJ"
rq c:"$JA" POST /api/projects '{"name":"Mobile","slug":"mobile"}'
t_eq "its slug is free again" "$T_STATUS" 201

# ================================================================ logout
rq c:"$JA" POST /api/auth/logout
t_eq "logout: 204" "$T_STATUS" 204
t_match "logout: cookie cleared" "$(t_header Set-Cookie)" '^rensei_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0$'
rq c:"$JA" GET /api/auth/me
t_expect_json "after logout: U7" 401 "$U7"
rq - POST /api/auth/logout
t_eq "logout without a cookie: 204" "$T_STATUS" 204
rq x:"$JC" POST /api/auth/logout
t_expect_json "logout with a valid cookie and a foreign Origin: F4" 403 "$F4"
t_eq "audit chain verifies" "$("$ADMIN" --data "$T_DATA" --json audit verify | jq -s -c '[.[] | (.valid // (.items // [])[].valid)] | flatten | all')" true
