#!/usr/bin/env bash
# gitcreds.sh: a poll that claims work for a runtime-JWT worker carries
# gitCredentials for the project's https repositories whose provider token
# resolves (02-worker-protocol.md §5.1), with Cache-Control: no-store and
# one credential.revealed (channel poll) per project; a poll without them
# is byte-identical to the reference, and ssh repositories add nothing.
. "$(dirname "$0")/../lib.sh"

t_require_bin rensei-workers
t_stack_up
ADMIN=("$RENSEI_ADMIN_BIN" --data "$T_DATA")
DB=$T_DATA/rensei.db
ORG=$RENSEI_ORG_ID PROJ=$RENSEI_PROJECT_ID
ISO='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z'

sql() { sqlite3 -batch -noheader "$DB" "$1"; }
register() {
	t_req POST /api/workers/register -H "Authorization: Bearer $RENSEI_REGISTRATION_TOKEN" \
		-H 'Content-Type: application/json' --data-binary '{"hostname":"git-host","capacity":4}'
	WID=$(jq -r .workerId <<<"$T_BODY") RT=$(jq -r .runtimeJwt <<<"$T_BODY")
}
enqueue() {
	"${ADMIN[@]}" --json session enqueue --project default --issue "$1" --prompt p |
		jq -r .trackerSessionId
}

# Repositories are added by the console routes of a later issue; the rows
# are written here as those routes will write them.
sql "INSERT INTO project_repos (id, org_id, project_id, url, url_key, provider,
     created_at, updated_at) VALUES
     ('repo_1', '$ORG', '$PROJ', 'https://github.com/acme/app', 'github.com/acme/app', 'github', 1, 1),
     ('repo_2', '$ORG', '$PROJ', 'git@gitlab.com:acme/lib', 'gitlab.com/acme/lib', 'gitlab', 2, 2),
     ('repo_3', '$ORG', '$PROJ', 'https://git.example.com/acme/x', 'git.example.com/acme/x', 'other', 3, 3)"

register
S1=$(enqueue GIT-1)
t_req GET "/api/workers/$WID/poll" -H "Authorization: Bearer $RT"
t_eq "no stored token: poll as the reference" \
	"$(jq -c 'del(.work) | keys' <<<"$T_BODY")" \
	'["claimedSessionIds","hasInboxMessages","inboxMessages","preClaimed"]'
t_eq "no stored token: no no-store header" "$(t_header Cache-Control)" ""

printf 'ghp_secret123' | "${ADMIN[@]}" credential set --org "$ORG" --project "$PROJ" --name GITHUB_TOKEN >/dev/null
printf 'gitlab_tok' | "${ADMIN[@]}" credential set --org "$ORG" --name GITLAB_TOKEN >/dev/null
before=$(sql "SELECT count(*) FROM audit_events WHERE event_type = 'credential.revealed'")
S2=$(enqueue GIT-2)
t_req GET "/api/workers/$WID/poll" -H "Authorization: Bearer $RT"
t_eq "claiming poll: status" "$T_STATUS" 200
t_eq "claiming poll: claimed S2" "$(jq -r '.claimedSessionIds[0]' <<<"$T_BODY")" "$S2"
t_eq "gitCredentials: one https github entry (ssh and unresolved skipped)" \
	"$(jq -c '[.gitCredentials[] | {token, cloneUrl}]' <<<"$T_BODY")" \
	'[{"token":"ghp_secret123","cloneUrl":"https://github.com/acme/app"}]'
t_match "gitCredentials: expiresAt ISO" "$(jq -r '.gitCredentials[0].expiresAt' <<<"$T_BODY")" "^$ISO\$"
t_eq "gitCredentials: member order" "$(jq -c '.gitCredentials[0] | keys_unsorted' <<<"$T_BODY")" \
	'["token","cloneUrl","expiresAt"]'
t_eq "gitCredentials: last member of the poll" "$(jq -c 'keys_unsorted | last' <<<"$T_BODY")" '"gitCredentials"'
t_eq "gitCredentials: Cache-Control no-store" "$(t_header Cache-Control)" "no-store"
t_eq "gitCredentials: Pragma no-cache" "$(t_header Pragma)" "no-cache"
after=$(sql "SELECT count(*) FROM audit_events WHERE event_type = 'credential.revealed'")
t_eq "one credential.revealed for the project" "$((after - before))" 1
payload=$(sql "SELECT payload FROM audit_events WHERE event_type = 'credential.revealed' ORDER BY seq DESC LIMIT 1")
t_eq "credential.revealed payload: channel, names, never the value" \
	"$(jq -c '{channel, names, envName}' <<<"$payload")" \
	'{"channel":"poll","names":["GITHUB_TOKEN"],"envName":"production"}'
t_not "the value is in no audit payload" grep -q ghp_secret123 <(sql "SELECT payload FROM audit_events")
t_not "the value is in no log" grep -rq ghp_secret123 "$T_DATA/log"

# An API-key caller (not a runtime JWT) gets no gitCredentials.
S3=$(enqueue GIT-3)
t_req GET "/api/workers/$WID/poll" -H "Authorization: Bearer $RENSEI_REGISTRATION_TOKEN"
t_eq "registration-token poll: claimed S3" "$(jq -r '.claimedSessionIds[0]' <<<"$T_BODY")" "$S3"
t_eq "registration-token poll: no gitCredentials" "$(jq -r 'has("gitCredentials")' <<<"$T_BODY")" false
t_ok "audit chain verifies" "${ADMIN[@]}" audit verify
: "$S1"
