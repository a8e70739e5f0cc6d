-- 0001_init.sql -- the foundation's data model.
--
-- Conventions: snake_case identifiers; STRICT tables; times are integer Unix
-- milliseconds; money is integer micro-USD; JSON arrays that the domain code
-- filters in C are stored as compact JSON text.  Every row belongs to an
-- organization (orgs.id), except users and platform-level system keys.

CREATE TABLE schema_version (
	version     INTEGER NOT NULL,
	applied_at  INTEGER NOT NULL
) STRICT;

CREATE TABLE orgs (
	id          TEXT PRIMARY KEY,
	name        TEXT NOT NULL,
	slug        TEXT NOT NULL UNIQUE,
	plan        TEXT NOT NULL DEFAULT 'self-hosted',
	is_default  INTEGER NOT NULL DEFAULT 0,
	created_at  INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX orgs_one_default ON orgs(is_default) WHERE is_default = 1;

CREATE TABLE users (
	id                 TEXT PRIMARY KEY,
	email              TEXT NOT NULL UNIQUE,      -- ASCII-lower-cased
	name               TEXT,
	password_hash      TEXT,                      -- crypto_pwhash_str (Argon2id)
	is_platform_admin  INTEGER NOT NULL DEFAULT 0,
	disabled_at        INTEGER,
	created_at         INTEGER NOT NULL,
	updated_at         INTEGER NOT NULL
) STRICT;

CREATE TABLE memberships (
	org_id     TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
	user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	role       TEXT NOT NULL CHECK (role IN ('owner','admin','member','auditor','viewer')),
	joined_at  INTEGER NOT NULL,
	PRIMARY KEY (org_id, user_id)
) STRICT;
CREATE INDEX memberships_user ON memberships(user_id, joined_at);

CREATE TABLE teams (
	id           TEXT PRIMARY KEY,
	org_id       TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
	name         TEXT NOT NULL,
	slug         TEXT NOT NULL,
	external_id  TEXT,
	created_at   INTEGER NOT NULL,
	updated_at   INTEGER NOT NULL,
	deleted_at   INTEGER                 -- soft delete (10-scim.md §11)
) STRICT;
CREATE UNIQUE INDEX teams_live_slug ON teams(org_id, slug) WHERE deleted_at IS NULL;

CREATE TABLE team_members (
	team_id   TEXT NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
	user_id   TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	added_at  INTEGER NOT NULL,
	PRIMARY KEY (team_id, user_id)
) STRICT;
CREATE INDEX team_members_user ON team_members(user_id);

CREATE TABLE projects (
	id                TEXT PRIMARY KEY,
	org_id            TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
	name              TEXT NOT NULL,
	slug              TEXT NOT NULL,
	is_default        INTEGER NOT NULL DEFAULT 0,
	sandbox_provider  TEXT NOT NULL DEFAULT 'local' CHECK (sandbox_provider IN ('local','e2b','vercel')),
	team_id           TEXT REFERENCES teams(id) ON DELETE SET NULL,
	created_at        INTEGER NOT NULL,
	updated_at        INTEGER NOT NULL,
	deleted_at        INTEGER
) STRICT;
CREATE UNIQUE INDEX projects_live_slug ON projects(org_id, slug) WHERE deleted_at IS NULL;
CREATE INDEX projects_org ON projects(org_id, created_at);

CREATE TABLE project_members (
	project_id  TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
	user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	role        TEXT NOT NULL CHECK (role IN ('admin','member','viewer')),
	added_at    INTEGER NOT NULL,
	PRIMARY KEY (project_id, user_id)
) STRICT;
CREATE INDEX project_members_user ON project_members(user_id);

CREATE TABLE project_repos (
	id              TEXT PRIMARY KEY,
	org_id          TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
	project_id      TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
	url             TEXT NOT NULL,
	url_key         TEXT NOT NULL,          -- host lower-cased + path without trailing / or .git
	provider        TEXT NOT NULL,
	clone_strategy  TEXT NOT NULL DEFAULT 'full',
	default_branch  TEXT NOT NULL DEFAULT 'main',
	created_at      INTEGER NOT NULL,
	updated_at      INTEGER NOT NULL,
	UNIQUE (project_id, url_key)
) STRICT;

CREATE TABLE invites (
	id           TEXT PRIMARY KEY,
	org_id       TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
	email        TEXT NOT NULL,
	role         TEXT NOT NULL,
	invited_by   TEXT,
	created_at   INTEGER NOT NULL,
	expires_at   INTEGER NOT NULL,
	accepted_at  INTEGER,
	revoked_at   INTEGER
) STRICT;
CREATE INDEX invites_org ON invites(org_id, created_at);
CREATE INDEX invites_email ON invites(org_id, email);

CREATE TABLE api_keys (
	id            TEXT PRIMARY KEY,
	org_id        TEXT REFERENCES orgs(id) ON DELETE CASCADE,   -- NULL: system key
	name          TEXT NOT NULL,
	key_type      TEXT NOT NULL CHECK (key_type IN ('user','worker_registration')),
	key_hash      TEXT NOT NULL UNIQUE,
	key_prefix    TEXT NOT NULL,
	scopes        TEXT NOT NULL,             -- JSON array of strings
	project_ids   TEXT,                      -- JSON array, NULL = all projects
	created_by    TEXT,
	created_at    INTEGER NOT NULL,
	expires_at    INTEGER,
	revoked_at    INTEGER,
	last_used_at  INTEGER
) STRICT;
CREATE INDEX api_keys_org ON api_keys(org_id, created_at);

CREATE TABLE registration_tokens (
	id            TEXT PRIMARY KEY,
	org_id        TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
	project_id    TEXT REFERENCES projects(id),   -- NULL = org-wide
	name          TEXT NOT NULL,
	token_hash    TEXT NOT NULL UNIQUE,
	token_prefix  TEXT NOT NULL,
	created_by    TEXT,
	created_at    INTEGER NOT NULL,
	expires_at    INTEGER NOT NULL,
	revoked_at    INTEGER,
	last_used_at  INTEGER
) STRICT;
CREATE INDEX registration_tokens_org ON registration_tokens(org_id, created_at);

CREATE TABLE m2m_clients (
	id            TEXT PRIMARY KEY,          -- m2m_ + 32 hex
	org_id        TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
	name          TEXT NOT NULL,
	secret_hash   TEXT NOT NULL,
	scopes        TEXT NOT NULL,
	created_by    TEXT,
	created_at    INTEGER NOT NULL,
	revoked_at    INTEGER,
	last_used_at  INTEGER
) STRICT;
CREATE INDEX m2m_clients_org ON m2m_clients(org_id, created_at);

CREATE TABLE scim_tokens (
	id            TEXT PRIMARY KEY,
	org_id        TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
	name          TEXT NOT NULL,
	token_hash    TEXT NOT NULL UNIQUE,
	token_prefix  TEXT NOT NULL,
	created_by    TEXT,
	created_at    INTEGER NOT NULL,
	revoked_at    INTEGER,
	last_used_at  INTEGER
) STRICT;

CREATE TABLE user_sessions (
	id_hash        TEXT PRIMARY KEY,
	user_id        TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	active_org_id  TEXT REFERENCES orgs(id) ON DELETE SET NULL,
	created_at     INTEGER NOT NULL,
	last_seen_at   INTEGER NOT NULL,
	user_agent     TEXT,
	ip             TEXT
) STRICT;
CREATE INDEX user_sessions_user ON user_sessions(user_id);

CREATE TABLE login_attempts (
	id     INTEGER PRIMARY KEY,
	email  TEXT NOT NULL,
	at     INTEGER NOT NULL
) STRICT;
CREATE INDEX login_attempts_email ON login_attempts(email, at);

-- Audit chain (09-audit.md).
CREATE TABLE audit_keys (
	org_id       TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
	key_version  INTEGER NOT NULL,
	kid          TEXT NOT NULL UNIQUE,
	public_key   BLOB NOT NULL,
	created_at   INTEGER NOT NULL,
	revoked_at   INTEGER,
	PRIMARY KEY (org_id, key_version)
) STRICT;

CREATE TABLE audit_events (
	org_id          TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
	seq             INTEGER NOT NULL,
	id              TEXT NOT NULL UNIQUE,
	event_type      TEXT NOT NULL,
	occurred_at     INTEGER NOT NULL,
	actor_type      TEXT NOT NULL,
	actor_id        TEXT NOT NULL,
	entity_type     TEXT NOT NULL,
	entity_id       TEXT,
	session_id      TEXT,
	payload         TEXT NOT NULL,          -- JCS of the stored payload
	prev_hash       TEXT NOT NULL,
	signing_key_id  TEXT NOT NULL,
	entry_hash      TEXT NOT NULL,
	signature       TEXT NOT NULL,
	PRIMARY KEY (org_id, seq)
) STRICT, WITHOUT ROWID;

CREATE TABLE audit_data_keys (
	id           INTEGER PRIMARY KEY,
	org_id       TEXT NOT NULL,
	subject_id   TEXT NOT NULL,
	key_sealed   BLOB,                      -- NULL once shredded (the row is the tombstone)
	created_at   INTEGER NOT NULL,
	shredded_at  INTEGER
) STRICT;
CREATE UNIQUE INDEX audit_data_keys_live ON audit_data_keys(org_id, subject_id) WHERE key_sealed IS NOT NULL;

-- Worker protocol (02-worker-protocol.md §8); filled by the worker issue.
CREATE TABLE workers (
	id                TEXT PRIMARY KEY,
	org_id            TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
	auth_project_ids  TEXT,
	registered_via    TEXT NOT NULL,           -- rtk_…, key_…, usr_… or legacy (the JWT's reg)
	hostname          TEXT NOT NULL,
	capacity          INTEGER NOT NULL,
	active_count      INTEGER NOT NULL DEFAULT 0,
	registered_at     INTEGER NOT NULL,
	last_heartbeat    INTEGER NOT NULL,
	status            TEXT NOT NULL DEFAULT 'active',
	version           TEXT,
	projects          TEXT,
	machine_id        TEXT,
	provides          TEXT,
	capabilities      TEXT,
	region            TEXT,
	reported_status   TEXT,
	max_sessions      INTEGER,
	load              TEXT,
	sent_at           TEXT                     -- v1 heartbeat sentAt, as received
) STRICT;
CREATE INDEX workers_heartbeat ON workers(last_heartbeat);
CREATE INDEX workers_org ON workers(org_id, registered_at);

CREATE TABLE sessions (
	tracker_session_id    TEXT PRIMARY KEY,
	org_id                TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
	project_id            TEXT NOT NULL REFERENCES projects(id),
	public_id             TEXT NOT NULL UNIQUE,
	tracker_provider      TEXT NOT NULL DEFAULT 'rensei',
	issue_id              TEXT NOT NULL,
	issue_identifier      TEXT,
	issue_title           TEXT,
	provider_session_id   TEXT,
	worktree_path         TEXT NOT NULL DEFAULT '',
	status                TEXT NOT NULL CHECK (status IN ('pending','claimed','running','finalizing','completed','failed','stopped')),
	created_at            INTEGER NOT NULL,
	updated_at            INTEGER NOT NULL,
	worker_id             TEXT,
	queued_at             INTEGER,
	claimed_at            INTEGER,
	priority              INTEGER NOT NULL DEFAULT 3,
	prompt                TEXT,
	prompt_context        TEXT,
	work_type             TEXT NOT NULL DEFAULT 'development',
	agent_id              TEXT,
	provider              TEXT,
	model                 TEXT,
	sub_agent_model       TEXT,
	source_session_id     TEXT,
	workflow_instance_id  TEXT,
	source                TEXT NOT NULL DEFAULT 'console',
	total_cost_micro_usd  INTEGER NOT NULL DEFAULT 0,
	input_tokens          INTEGER NOT NULL DEFAULT 0,
	output_tokens         INTEGER NOT NULL DEFAULT 0,
	last_tool_name        TEXT,
	last_tool_called_at   INTEGER,
	tool_call_count       INTEGER NOT NULL DEFAULT 0,
	error_message         TEXT,
	completed_at          INTEGER,
	stop_requested_at     INTEGER,
	stop_intent_revision  INTEGER NOT NULL DEFAULT 0,
	stop_mutation_id      TEXT,
	completion            TEXT,                 -- JSON: summary, planItems, …
	external_urls         TEXT,                 -- JSON array
	progress              TEXT,                 -- JSON
	activity_seq          INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX sessions_org_updated ON sessions(org_id, updated_at);
CREATE INDEX sessions_worker_status ON sessions(worker_id, status);
CREATE INDEX sessions_org_created ON sessions(org_id, created_at);
CREATE INDEX sessions_status_updated ON sessions(status, updated_at);

CREATE TABLE work_queue (
	session_id  TEXT PRIMARY KEY REFERENCES sessions(tracker_session_id) ON DELETE CASCADE,
	org_id      TEXT NOT NULL,
	project_id  TEXT NOT NULL,
	project_name TEXT,                          -- the project slug (name filters)
	priority    INTEGER NOT NULL,
	queued_at   INTEGER NOT NULL,
	item        TEXT NOT NULL                   -- QueuedWork JSON as handed to workers
) STRICT;
CREATE INDEX work_queue_order ON work_queue(org_id, priority, queued_at);

-- Queued rows per (org, project), kept exact by triggers in the transaction
-- that changes work_queue, so pendingWorkCount and queueLength read a few
-- rows instead of counting the queue (02 §5.1).  Rows are never inserted
-- with INSERT OR REPLACE (REPLACE's delete fires no trigger).
CREATE TABLE work_queue_counts (
	org_id        TEXT NOT NULL,
	project_id    TEXT NOT NULL,
	project_name  TEXT,
	n             INTEGER NOT NULL,
	PRIMARY KEY (org_id, project_id)
) STRICT, WITHOUT ROWID;
CREATE TRIGGER work_queue_counts_ins AFTER INSERT ON work_queue BEGIN
	INSERT INTO work_queue_counts (org_id, project_id, project_name, n)
	VALUES (NEW.org_id, NEW.project_id, NEW.project_name, 1)
	ON CONFLICT (org_id, project_id) DO UPDATE SET n = n + 1,
	    project_name = coalesce(excluded.project_name, project_name);
END;
CREATE TRIGGER work_queue_counts_del AFTER DELETE ON work_queue BEGIN
	UPDATE work_queue_counts SET n = n - 1
	WHERE org_id = OLD.org_id AND project_id = OLD.project_id;
END;

CREATE TABLE work_claims (
	session_id  TEXT PRIMARY KEY,
	worker_id   TEXT NOT NULL,
	expires_at  INTEGER NOT NULL
) STRICT;

CREATE TABLE work_nacks (
	worker_id   TEXT NOT NULL,
	session_id  TEXT NOT NULL,
	until       INTEGER NOT NULL,
	PRIMARY KEY (worker_id, session_id)
) STRICT;

CREATE TABLE issue_locks (
	org_id      TEXT NOT NULL,
	issue_id    TEXT NOT NULL,
	session_id  TEXT NOT NULL,
	expires_at  INTEGER NOT NULL,
	PRIMARY KEY (org_id, issue_id)
) STRICT;

CREATE TABLE parked_work (
	session_id  TEXT PRIMARY KEY,
	org_id      TEXT NOT NULL,
	issue_id    TEXT NOT NULL,
	parked_at   INTEGER NOT NULL,
	item        TEXT NOT NULL
) STRICT;
CREATE INDEX parked_work_issue ON parked_work(org_id, issue_id, parked_at);

CREATE TABLE inbox_messages (
	id            INTEGER PRIMARY KEY,
	session_id    TEXT NOT NULL,
	seq           INTEGER NOT NULL,
	type          TEXT NOT NULL,
	lane          TEXT NOT NULL CHECK (lane IN ('urgent','normal')),
	payload       TEXT NOT NULL,
	user_id       TEXT,
	user_name     TEXT,
	created_at    INTEGER NOT NULL,
	delivered_at  INTEGER,
	delivered_to  TEXT,
	acked_at      INTEGER,
	archived_at   INTEGER                 -- the session went terminal (02 §6.7)
) STRICT;
CREATE INDEX inbox_messages_pending ON inbox_messages(session_id, delivered_at, lane, seq);

CREATE TABLE session_activities (
	session_id  TEXT NOT NULL,
	seq         INTEGER NOT NULL,
	created_at  INTEGER NOT NULL,
	activity    TEXT NOT NULL,                  -- JSON as stored
	PRIMARY KEY (session_id, seq)
) STRICT, WITHOUT ROWID;

CREATE TABLE tool_errors (
	id          TEXT PRIMARY KEY,
	org_id      TEXT NOT NULL,
	session_id  TEXT NOT NULL,
	identifier  TEXT NOT NULL,                  -- ERR-<n>
	tool_name   TEXT,
	detail      TEXT NOT NULL,
	created_at  INTEGER NOT NULL
) STRICT;
CREATE TABLE tool_error_counters (
	org_id  TEXT PRIMARY KEY,
	next_n  INTEGER NOT NULL
) STRICT;

CREATE TABLE security_scans (
	id              INTEGER PRIMARY KEY,
	session_id      TEXT NOT NULL,
	scanner         TEXT NOT NULL,
	total_findings  INTEGER NOT NULL,
	scan            TEXT NOT NULL,
	created_at      INTEGER NOT NULL
) STRICT;

CREATE TABLE maintenance (
	name     TEXT PRIMARY KEY,
	last_at  INTEGER NOT NULL
) STRICT;

-- Credential store (02-worker-protocol.md §7).
CREATE TABLE credentials (
	id            TEXT PRIMARY KEY,
	org_id        TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
	project_id    TEXT NOT NULL DEFAULT '',
	env_name      TEXT NOT NULL DEFAULT '',
	name          TEXT NOT NULL,
	value_sealed  BLOB NOT NULL,
	description   TEXT,
	version       INTEGER NOT NULL DEFAULT 1,
	created_by    TEXT,
	created_at    INTEGER NOT NULL,
	updated_by    TEXT,
	updated_at    INTEGER NOT NULL,
	UNIQUE (org_id, project_id, env_name, name)
) STRICT;
CREATE INDEX credentials_org_name ON credentials(org_id, name);
CREATE INDEX credentials_scope ON credentials(org_id, project_id, env_name);

CREATE TABLE credential_rotations (
	seq         INTEGER PRIMARY KEY AUTOINCREMENT,
	org_id      TEXT NOT NULL,
	project_id  TEXT NOT NULL DEFAULT '',
	env_name    TEXT NOT NULL DEFAULT '',
	name        TEXT NOT NULL,
	kind        TEXT NOT NULL CHECK (kind IN ('put','delete','rotate')),
	at          INTEGER NOT NULL
) STRICT;
CREATE INDEX credential_rotations_org ON credential_rotations(org_id, seq);

CREATE TABLE credential_streams (
	id            TEXT PRIMARY KEY,
	org_id        TEXT NOT NULL,
	session_id    TEXT NOT NULL,
	project_id    TEXT NOT NULL,
	env_name      TEXT NOT NULL,
	opened_at     INTEGER NOT NULL,
	last_seen_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX credential_streams_org ON credential_streams(org_id);
