-- 0002_public.sql -- the public stats and sessions API (03-public.md).
--
-- Flat latency up to 1M sessions (03 §3.1): stats reads a per-org running
-- cost sum kept exact by triggers (in the transaction that changes a
-- session's cost, so crashes and concurrent writers cannot skew it) and
-- range scans over covering indexes; the list's first page is one index
-- range in (createdAt, raw id) order.

CREATE TABLE org_session_totals (
	org_id          TEXT PRIMARY KEY,
	cost_micro_usd  INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
INSERT INTO org_session_totals (org_id, cost_micro_usd)
	SELECT org_id, sum(total_cost_micro_usd) FROM sessions GROUP BY org_id;

CREATE TRIGGER org_session_totals_ins AFTER INSERT ON sessions
WHEN NEW.total_cost_micro_usd <> 0 BEGIN
	INSERT INTO org_session_totals (org_id, cost_micro_usd)
	VALUES (NEW.org_id, NEW.total_cost_micro_usd)
	ON CONFLICT (org_id) DO UPDATE
	    SET cost_micro_usd = cost_micro_usd + excluded.cost_micro_usd;
END;
CREATE TRIGGER org_session_totals_upd AFTER UPDATE OF total_cost_micro_usd
ON sessions WHEN NEW.total_cost_micro_usd <> OLD.total_cost_micro_usd BEGIN
	INSERT INTO org_session_totals (org_id, cost_micro_usd)
	VALUES (NEW.org_id, NEW.total_cost_micro_usd - OLD.total_cost_micro_usd)
	ON CONFLICT (org_id) DO UPDATE
	    SET cost_micro_usd = cost_micro_usd + excluded.cost_micro_usd;
END;
CREATE TRIGGER org_session_totals_del AFTER DELETE ON sessions
WHEN OLD.total_cost_micro_usd <> 0 BEGIN
	UPDATE org_session_totals
	    SET cost_micro_usd = cost_micro_usd - OLD.total_cost_micro_usd
	    WHERE org_id = OLD.org_id;
END;

-- Today's sessions (stats, stats/v2) without touching the table rows.
CREATE INDEX sessions_org_updated_cover ON sessions(org_id, updated_at,
	status, total_cost_micro_usd, provider);
-- Active sessions per org (agentsWorking).
CREATE INDEX sessions_org_status ON sessions(org_id, status);
-- The list: (createdAt desc, raw id desc) per org or per project.
CREATE INDEX sessions_org_created_id ON sessions(org_id, created_at,
	tracker_session_id);
CREATE INDEX sessions_project_created_id ON sessions(project_id, created_at,
	tracker_session_id);
-- Outcomes (routing-metrics, phase-metrics).
CREATE INDEX sessions_org_outcomes ON sessions(org_id, completed_at)
	WHERE status IN ('completed', 'failed');

-- Prompt idempotency (03 §3.8): the first response, replayed for 24 h.
CREATE TABLE prompt_idempotency (
	session_id     TEXT NOT NULL,
	idem_key       TEXT NOT NULL,
	prompt_sha256  TEXT NOT NULL,
	response       TEXT NOT NULL,
	created_at     INTEGER NOT NULL,
	PRIMARY KEY (session_id, idem_key)
) STRICT, WITHOUT ROWID;
