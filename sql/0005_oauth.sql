-- 0005_oauth: the per-client rate counter of 05-oauth.md §4 (a row per
-- counted request of /api/oauth/token and /api/oauth/introspect, shared by
-- every responder process; rows older than the 60 s window are deleted as
-- they are read).  Bookkeeping: never audited.
CREATE TABLE oauth_rate (
	client_id  TEXT NOT NULL,              -- m2m_ + 32 hex (as presented)
	route      TEXT NOT NULL CHECK (route IN ('token', 'introspect')),
	at         INTEGER NOT NULL            -- Unix ms
) STRICT;
CREATE INDEX oauth_rate_key ON oauth_rate(client_id, route, at);
