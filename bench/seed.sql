-- seed.sql -- bench/run's queue: @n pending sessions of project @proj (slug
-- @slug) in org @org, each with its queue row and issue lock, in one
-- transaction, shaped as session_dispatch() (lib/session.c) leaves a
-- `rensei-admin session enqueue` without a tracker id (02-worker-protocol.md
-- §6.1, §6.4):
--   * tracker id: a UUIDv4-shaped string, unique per run (@tag = 8 hex);
--     issueId = the tracker id, issueIdentifier = its first 8 characters
--     (so every item carries @tag: 02 §6.1 default);
--   * publicId: 16 lowercase hex, @tag then the item number (unique; not
--     the HMAC of 01-auth.md §12, which nothing on the benchmarked paths
--     recomputes);
--   * priority 3, workType development, status pending, source cli;
--   * queuedAt = @now - @n + k (the items were queued one per ms, oldest
--     first), so the serving order priority, queuedAt, seq is the seed order;
--   * the queue item is the QueuedWork object of 02 §4, members in that
--     order, with the optional members dispatch sets here (prompt, workType,
--     projectName);
--   * the queue row's project_name is the project slug (queue_insert());
--   * one issue lock per issue (02 §6.6), as dispatch takes it.
-- No session.created audit events: the chain is not what is measured, and
-- nothing on the poll path reads past events.
--
-- Parameters (sqlite3's .parameter set): @org @proj @slug @n @now @tag
-- @lock_ms (RENSEI_ISSUE_LOCK_TTL in ms).

PRAGMA cache_size = -262144;

BEGIN IMMEDIATE;

CREATE TEMP TABLE bench_seed (
	k    INTEGER PRIMARY KEY,
	sid  TEXT NOT NULL,
	at   INTEGER NOT NULL
);

WITH RECURSIVE c(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM c WHERE k < @n)
INSERT INTO bench_seed (k, sid, at)
SELECT k,
       printf('%s-%04x-4%03x-8%03x-%012x', @tag, (k >> 24) & 65535,
              (k >> 12) & 4095, k & 4095, k),
       @now - @n + k
FROM c;

INSERT INTO sessions (tracker_session_id, org_id, project_id, public_id,
	tracker_provider, issue_id, issue_identifier, worktree_path, status,
	created_at, updated_at, queued_at, priority, prompt, work_type, source)
SELECT sid, @org, @proj, printf('%s%08x', @tag, k),
	'rensei', sid, substr(sid, 1, 8), '', 'pending',
	at, at, at, 3, 'Benchmark item ' || k, 'development', 'cli'
FROM bench_seed ORDER BY k;

INSERT INTO work_queue (session_id, org_id, project_id, project_name, priority,
	queued_at, item)
SELECT sid, @org, @proj, @slug, 3, at,
	json_object('sessionId', sid, 'issueId', sid,
	            'issueIdentifier', substr(sid, 1, 8), 'priority', 3,
	            'queuedAt', at, 'prompt', 'Benchmark item ' || k,
	            'workType', 'development', 'projectName', @slug,
	            'organizationId', @org)
FROM bench_seed ORDER BY k;

INSERT INTO issue_locks (org_id, issue_id, session_id, expires_at)
SELECT @org, sid, sid, @now + @lock_ms FROM bench_seed ORDER BY k;

DROP TABLE bench_seed;

COMMIT;

-- No ANALYZE: the planner sees what a production database shows it.
PRAGMA wal_checkpoint(TRUNCATE);
