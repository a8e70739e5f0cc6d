#!/usr/bin/env bash
# admin-cli.sh: rensei-admin on a data dir of its own (12-admin-cli.md):
# --version, init (and its refusal the second time), --json output, keys
# (create, list, revoke), system key, registration token, audit verify on a
# fresh chain and after one stored byte changed, usage errors (exit 2).
. "$(dirname "$0")/../lib.sh"

t_require_bin rensei-admin
ADMIN=$T_BIN/rensei-admin
D=$T_TMP/data

# run_admin ARGS...: sets RC, OUT (stdout), ERR (stderr).
run_admin() {
	RC=0
	"$ADMIN" "$@" >"$T_TMP/out" 2>"$T_TMP/err" </dev/null || RC=$?
	OUT=$(cat "$T_TMP/out")
	ERR=$(cat "$T_TMP/err")
}
is_json_object() { jq -e 'type == "object"' >/dev/null 2>&1 <<<"$OUT"; }
field() { jq -r "$1 // empty" <<<"$OUT" 2>/dev/null || true; }

# ------------------------------------------------------------- --version
run_admin --version
t_eq "--version exits 0" "$RC" 0
t_match "--version prints a version" "$OUT" '[0-9]+\.[0-9]+\.[0-9]+'

# ------------------------------------------------------------------ init
run_admin --data "$D" --json init
t_eq "init exits 0" "$RC" 0
t_ok "init --json prints one JSON object" is_json_object
org=$(field .orgId) project=$(field .projectId)
t_match "init: orgId" "$org" '^org_[0-9A-HJKMNP-TV-Z]{26}$'
t_match "init: projectId" "$project" '^proj_[0-9A-HJKMNP-TV-Z]{26}$'
t_match "init: userId" "$(field .userId)" '^usr_[0-9A-HJKMNP-TV-Z]{26}$'
t_eq "init: default email" "$(field .email)" "admin@localhost"
t_match "init: generated password in secret" "$(field .secret)" '.{12,}'
t_eq "init: data dir mode 0700" "$(stat -c %a "$D" 2>/dev/null)" 700
t_ok "init: database created" test -f "$D/rensei.db"
for f in runtime_jwt.key m2m_hs256.key m2m_ed25519.key session_hash.key public_id.salt seal.key audit-master.key; do
	t_eq "init: $f mode 0600" "$(stat -c %a "$D/$f" 2>/dev/null)" 600
	t_match "init: $f holds 64 hex" "$(cat "$D/$f" 2>/dev/null)" '^[0-9a-f]{64}$'
done

run_admin --data "$D" --json init
t_eq "second init exits 1" "$RC" 1
t_match "second init: error on stderr as 'rensei-admin: ...'" "$ERR" '^rensei-admin: '

run_admin --data "$T_TMP/other" --json init --admin-email ops@example.com --admin-password 'correct horse battery staple'
t_eq "init with email and password exits 0" "$RC" 0
t_eq "init with a given password: no secret in the output" "$(field .secret)" ""
t_eq "init with email: email" "$(field .email)" "ops@example.com"

# ------------------------------------------------------------------ keys
run_admin --data "$D" --json key create --org "$org" --name smoke --scopes '*'
t_eq "key create exits 0" "$RC" 0
key_id=$(field .keyId) key=$(field .secret)
t_match "key create: keyId" "$key_id" '^key_'
t_match "key create: secret" "$key" '^rsk_live_[0-9a-f]{64}$'
t_eq "key create: keyPrefix = first 13 characters" "$(field .keyPrefix)" "${key:0:13}"

run_admin --data "$D" --json key create --org default --name by-slug --scopes 'sessions:read'
t_eq "key create --org <slug> exits 0" "$RC" 0
run_admin --data "$D" --json key create --org "$org" --name bad --scopes 'no:such-scope'
t_eq "key create with an unknown scope exits 1" "$RC" 1

run_admin --data "$D" --json key list --org "$org"
t_eq "key list exits 0" "$RC" 0
t_ok "key list: JSON object" is_json_object
t_ok "key list: holds the new key" jq -e --arg k "$key_id" '[.items[] | select(.id == $k or .keyId == $k)] | length == 1' <<<"$OUT"
t_not "key list: never a secret" grep -q "$key" <<<"$OUT"

run_admin --data "$D" --json key revoke --id "$key_id"
t_eq "key revoke exits 0" "$RC" 0
t_eq "key revoke: keyId" "$(field .keyId)" "$key_id"
run_admin --data "$D" --json key list --org "$org"
t_ok "key list after revoke: gone or revokedAt set" jq -e --arg k "$key_id" \
	'[.items[] | select((.id == $k or .keyId == $k) and (.revokedAt == null))] | length == 0' <<<"$OUT"

run_admin --data "$D" --json key create --system --name smoke-system
t_eq "system key create exits 0" "$RC" 0
t_match "system key: secret" "$(field .secret)" '^rsk_live_[0-9a-f]{64}$'

# ---------------------------------------------------------------- tokens
run_admin --data "$D" --json token create --project "$project" --name smoke
t_eq "token create exits 0" "$RC" 0
tok=$(field .secret)
t_match "token create: tokenId" "$(field .tokenId)" '^rtk_'
t_match "token create: secret" "$tok" '^rsp_live_'
t_eq "token create: tokenPrefix = first 13 characters" "$(field .tokenPrefix)" "${tok:0:13}"
t_match "token create: expiresAt" "$(field .expiresAt)" '.'
run_admin --data "$D" --json token create --project "$project" --name short --expires-in 600
t_eq "token create --expires-in 600 exits 0" "$RC" 0

# ----------------------------------------------------------------- audit
run_admin --data "$D" --json audit verify --org "$org"
t_eq "audit verify on a fresh data dir exits 0" "$RC" 0
t_eq "audit verify: valid" "$(jq -r '.valid' <<<"$OUT" 2>/dev/null)" true
t_ok "audit verify: events were recorded" jq -e '.eventCount > 0' <<<"$OUT"

t_ok "change one stored byte of an audit event" \
	sqlite3 "$D/rensei.db" "UPDATE audit_events SET actor_id = actor_id || 'x' WHERE seq = 1"
run_admin --data "$D" --json audit verify --org "$org"
t_not "audit verify after tampering fails (exit status)" test "$RC" = 0
t_eq "audit verify after tampering: valid false" "$(jq -r '.valid' <<<"$OUT" 2>/dev/null)" false
t_match "audit verify after tampering: brokenAt is set" "$(jq -r ".brokenAt" <<<"$OUT" 2>/dev/null)" '^([0-9]+|".+"|[a-z]+_.+)$'

# ----------------------------------------------------------------- usage
run_admin --bogus
t_eq "unknown global option exits 2" "$RC" 2
run_admin --data "$D" --json key create --org "$org" --bogus
t_eq "unknown command option exits 2" "$RC" 2
run_admin --data "$D" --json frobnicate
t_eq "unknown command exits 2" "$RC" 2
t_match "usage error on stderr as 'rensei-admin: ...'" "$ERR" '^rensei-admin: '
