#!/usr/bin/env bash
# nginx-config.sh: nginx/render.sh output for both variants: `nginx -t` is
# clean (production with a throwaway certificate), the access log never uses
# $request/$request_uri, X-Accel-Buffering is never ignored, keep-alive to
# FastCGI stays off, every route prefix of 00-overview.md §1 has a location,
# and the dev variant works when nginx runs as an ordinary user.
. "$(dirname "$0")/../lib.sh"

RENDER=$T_ROOT/nginx/render.sh
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
t_ok "nginx is installed" test -x "$NGINX"

# ------------------------------------------------------------------- dev
dev=$T_TMP/dev
mkdir -p "$dev/tmp" "$dev/log"
t_ok "render dev" "$RENDER" --port 20999 --prefix "$dev" --log-dir "$dev/log" --run-dir "$dev/run" \
	--groups health "$T_ROOT/nginx/rensei.conf.in" "$dev/rensei.conf"
nginx_t() { "$NGINX" -t -q -c "$1" -p "$2/" -e "$2/nginx-t.log" 2>"$T_TMP/nginx-t.err"; }
if nginx_t "$dev/rensei.conf" "$dev"; then t_pass "nginx -t (dev)"; else t_fail "nginx -t (dev)" "$(cat "$T_TMP/nginx-t.err")"; fi
t_eq "nginx -t (dev) prints no warning" "$(cat "$T_TMP/nginx-t.err")" ""

# ------------------------------------------------------------- production
prod=$T_TMP/prod
mkdir -p "$prod/log"
if command -v openssl >/dev/null; then
	openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=rensei.test \
		-keyout "$prod/key.pem" -out "$prod/cert.pem" >/dev/null 2>&1
fi
t_ok "throwaway certificate" test -s "$prod/cert.pem"
t_ok "render production" "$RENDER" --server-name rensei.test --tls-cert "$prod/cert.pem" \
	--tls-key "$prod/key.pem" --log-dir "$prod/log" "$T_ROOT/nginx/rensei-prod.conf.in" "$prod/rensei.conf"
# The production file is included in the http block of the system's nginx.conf.
cat >"$prod/nginx.conf" <<CONF
pid $prod/nginx.pid;
error_log $prod/log/error.log;
events { }
http {
    client_body_temp_path $prod/tmp;
    include $prod/rensei.conf;
}
CONF
if nginx_t "$prod/nginx.conf" "$prod"; then t_pass "nginx -t (production)"; else t_fail "nginx -t (production)" "$(cat "$T_TMP/nginx-t.err")"; fi
t_ok "production listens on 443 with TLS" grep -q 'listen 443 ssl' "$prod/rensei.conf"
t_ok "production sockets under /run/rensei" grep -q 'fastcgi_pass unix:/run/rensei/health.sock;' "$prod/rensei-server.conf"
t_ok "production keeps set_real_ip_from as a placeholder" grep -q '^# set_real_ip_from' "$prod/rensei.conf"
t_eq "production serves every group by default" "$(grep -c 'Route group not available' "$prod/rensei-server.conf" || true)" 0

# ------------------------------------------------------ shared properties
for v in dev prod; do
	d=${!v}
	t_ok "$v: both variants include the shared server file" grep -q "include $d/rensei-server.conf;" "$d/rensei.conf"
	t_not "$v: access log never uses \$request or \$request_uri" \
		grep -Eq '\$request([^_]|$)|\$request_uri' <(sed -n '/log_format/,/;/p' "$d/rensei-http.conf")
	t_ok "$v: access log uses \$uri" grep -q '"path":"\$uri"' "$d/rensei-http.conf"
	t_not "$v: fastcgi_ignore_headers is never set" grep -q '^[^#]*fastcgi_ignore_headers' "$d/rensei-server.conf"
	t_ok "$v: fastcgi_keep_conn off" grep -q '^fastcgi_keep_conn off;' "$d/rensei-server.conf"
	t_ok "$v: server_tokens off" grep -q '^server_tokens off;' "$d/rensei-server.conf"
	t_ok "$v: limit_req_status 429" grep -q '^limit_req_status 429;' "$d/rensei-http.conf"
	for loc in '= /api/health' '^~ /api/public/' '= /api/auth/login' '^~ /api/auth/' '= /api/org' \
		'^~ /api/org/' '= /api/projects' '^~ /api/projects/' '= /api/workflows' '^~ /api/workflows/' \
		'= /api/cli/whoami' '^~ /api/workers/' '^~ /api/sessions/' '^~ /api/daemon/' \
		'= /api/daemon/credentials/rotate-stream' '^~ /v1/daemon/' '= /api/oauth/token' \
		'= /api/oauth/introspect' '^~ /api/webhooks/' '= /api/a2a' '^~ /api/a2a/' '^~ /api/mcp/' \
		'= /api/audit' '^~ /api/audit/' '= /.well-known/agent-card.json' '= /.well-known/agent.json' \
		'^~ /.well-known/audit-keys/' '= /.well-known/audit-keys.json' \
		'= /.well-known/oauth-authorization-server' '= /.well-known/jwks.json' '^~ /.well-known/' \
		'^~ /api/scim/' '^~ /api/admin/'; do
		t_ok "$v: location $loc" grep -qF "location $loc {" "$d/rensei-server.conf"
	done
done
all=$T_TMP/all
"$RENDER" --groups all --run-dir /r "$T_ROOT/nginx/rensei.conf.in" "$all/rensei.conf"
# block DIR MATCH PATH: one location block of DIR/rensei-server.conf, on one line.
block() {
	awk -v head="location $2 $3 {" '$0 == head { on = 1 } on { printf "%s ", $0 } on && /^}/ { exit }' "$1/rensei-server.conf"
}
t_match "rotate-stream: own socket, buffering off, 60 s" \
	"$(block "$all" = /api/daemon/credentials/rotate-stream)" \
	'fastcgi_buffering off;.*fastcgi_read_timeout 60s;.*fastcgi_pass unix:/r/workers-streams.sock;'
t_match "workers: its own socket" "$(block "$all" '^~' /api/daemon/)" 'fastcgi_pass unix:/r/workers.sock;'
t_match "admin group: admin.sock" "$(block "$all" '^~' /api/admin/)" 'fastcgi_pass unix:/r/admin.sock;'
t_match "a2a: 60 s read timeout" "$(block "$all" = /api/a2a)" 'fastcgi_read_timeout 60s;'
t_match "webhooks: 11m body cap" "$(block "$all" '^~' /api/webhooks/)" 'client_max_body_size 11m;'
t_match "login: limited" "$(block "$dev" = /api/auth/login)" 'limit_req zone=rensei_login'
t_match "health: served" "$(block "$dev" = /api/health)" 'fastcgi_pass unix:'
t_match "public (not in --groups): nginx answers" "$(block "$dev" '^~' /api/public/)" 'try_files .* =503;'

# ------------------------------------------------ dev nginx as a plain user
# Without --user, nginx started by an ordinary user runs its workers as that
# user. Checked as nobody when this test runs as root.
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
	u=$T_TMP/user
	mkdir -p "$u/tmp" "$u/log"
	port=$(t_free_port)
	"$RENDER" --port "$port" --prefix "$u" --log-dir "$u/log" --run-dir "$u/run" --groups none \
		"$T_ROOT/nginx/rensei.conf.in" "$u/rensei.conf"
	chown -R nobody "$u"
	chmod 0755 "$T_TMP"
	as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
	if as_nobody "$NGINX" -c "$u/rensei.conf" -p "$u/" -e "$u/log/nginx-error.log" 2>"$T_TMP/nobody.err"; then
		t_pass "dev nginx starts as nobody"
		# shellcheck disable=SC2034 # read by t_req
		T_BASE=http://127.0.0.1:$port
		t_wait 5 t_port_in_use "$port" || true
		t_req GET /nope
		t_eq "dev nginx as nobody: 404 JSON" "$T_BODY" '{"error":"Not Found","message":"Not found"}'
		t_req GET /api/health
		t_eq "dev nginx as nobody: unbuilt health is 503" "$T_STATUS" 503
		p=$(cat "$u/nginx.pid" 2>/dev/null || true)
		workers=$(t_children "$p")
		t_ok "dev nginx as nobody: workers run as nobody" \
			test "$(for w in $workers; do stat -c %U "/proc/$w"; done | sort -u)" = nobody
		[ -n "$p" ] && kill -TERM "$p"
		t_ok "dev nginx as nobody: stops" t_wait 5 t_all_dead "$p" $workers
	else
		t_fail "dev nginx starts as nobody" "$(cat "$T_TMP/nobody.err")"
	fi
else
	t_log "not root (or no setpriv): the plain-user run is what this test already is"
fi
