-- 0004_workflows.sql -- project workflows with immutable published
-- versions, and the OSS-compatible deployments (04-console.md §5).

CREATE TABLE workflows (
	id                TEXT PRIMARY KEY,                 -- wf_<ULID>
	org_id            TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
	project_id        TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
	name              TEXT NOT NULL,
	name_key          TEXT NOT NULL,                    -- ASCII-lowercased name
	status            TEXT NOT NULL DEFAULT 'draft'
	                  CHECK (status IN ('draft','published','archived')),
	live_version      INTEGER,
	draft_definition  TEXT,                             -- compact JSON as written
	draft_format      TEXT CHECK (draft_format IN ('json','yaml')),
	draft_source      TEXT,                             -- YAML text
	draft_sha256      TEXT,
	draft_updated_at  INTEGER NOT NULL,
	draft_updated_by  TEXT NOT NULL,
	created_by        TEXT NOT NULL,
	created_at        INTEGER NOT NULL,
	updated_at        INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX workflows_name ON workflows(project_id, name_key);
CREATE INDEX workflows_org ON workflows(org_id, created_at, id);

CREATE TABLE workflow_versions (
	workflow_id        TEXT NOT NULL REFERENCES workflows(id) ON DELETE CASCADE,
	version            INTEGER NOT NULL CHECK (version >= 1),
	definition         TEXT NOT NULL,
	definition_sha256  TEXT NOT NULL,
	change_reason      TEXT,
	published_at       INTEGER NOT NULL,
	published_by       TEXT NOT NULL,
	PRIMARY KEY (workflow_id, version)
) STRICT;

-- A published version never changes.
CREATE TRIGGER workflow_versions_immutable BEFORE UPDATE ON workflow_versions
BEGIN
	SELECT RAISE(ABORT, 'workflow versions are immutable');
END;

CREATE TABLE workflow_deployments (
	org_id      TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
	name        TEXT NOT NULL,
	version     INTEGER NOT NULL,
	definition  TEXT NOT NULL,
	created_at  INTEGER NOT NULL,
	updated_at  INTEGER NOT NULL,
	PRIMARY KEY (org_id, name)
) STRICT;
