#!/usr/bin/env bash
# checkpoint.sh: WAL checkpoints run outside requests (lib/server.c, the
# checkpointer). Each supervisor whose workers use the store has
# RENSEI_<GROUP>_PROCS + 1 children; after a burst of committed writes the
# WAL is back-filled into rensei.db without any request doing it (responder
# connections have wal_autocheckpoint=0, so nothing else would); a killed
# checkpointer is respawned and carries on.
. "$(dirname "$0")/../lib.sh"

t_require_bin rensei-workers
export RENSEI_WORKERS_PROCS=2
t_stack_up

DB=$T_DATA/rensei.db
SUP=$(cat "$T_RUN/workers.pid")
n_children() { t_children "$SUP" | wc -l; }
has_children() { [ "$(n_children)" -eq "$1" ]; }
t_ok "workers supervisor: 2 workers + the checkpointer" t_wait 5 has_children 3

# The WAL index header (SQLite wal.c): mxFrame at byte 16, and after the two
# 48-byte header copies the checkpoint info, nBackfill at byte 96.
shm_u32() { od -An -tu4 -j"$1" -N4 "$DB-shm" 2>/dev/null | tr -d ' '; }
backfilled() {
	local mx nb
	mx=$(shm_u32 16) nb=$(shm_u32 96)
	[ -n "$mx" ] && [ -n "$nb" ] && [ "$mx" -gt 0 ] && [ "$nb" -eq "$mx" ]
}

burst() {
	local i
	for i in $(seq 1 "$1"); do
		t_req POST /api/workers/register -H "Authorization: Bearer $RENSEI_REGISTRATION_TOKEN" \
			--data-binary "{\"hostname\":\"ckpt-$2-$i\",\"capacity\":1}"
		[ "$T_STATUS" = 201 ] || { t_fail "register ckpt-$2-$i" "$T_STATUS $T_BODY"; return 1; }
	done
}

burst 40 a
t_ok "40 registrations committed" test "$(sqlite3 "$DB" \
	"SELECT count(*) FROM workers WHERE hostname LIKE 'ckpt-a-%'")" = 40
t_ok "the WAL is back-filled into the database within 3 s" t_wait 3 backfilled

# Kill the checkpointer (the child that is not accepting: the one without the
# listening socket), check it comes back and still checkpoints.
ckpt=''
for p in $(t_children "$SUP"); do
	if ! ls -l "/proc/$p/fd" 2>/dev/null | grep -q 'socket:'; then ckpt=$p; fi
done
t_ok "the checkpointer is the child without the listening socket" test -n "$ckpt"
if [ -n "$ckpt" ]; then
	kill -9 "$ckpt"
	gone_and_back() { ! kill -0 "$ckpt" 2>/dev/null && has_children 3; }
	t_ok "a killed checkpointer is replaced" t_wait 5 gone_and_back
fi
burst 40 b
t_ok "the replacement back-fills new writes too" t_wait 3 backfilled
t_eq "integrity_check" "$(sqlite3 "$DB" 'PRAGMA integrity_check')" ok
