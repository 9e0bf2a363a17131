-- kean schema v5: uploaded import files waiting for the user's confirmation
-- (kept in the database, not in one process's memory, so that any kean
-- process behind a load balancer can finish the import).

CREATE TABLE pending_uploads (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL,
    kind TEXT NOT NULL,
    file_name TEXT NOT NULL,
    content BYTEA NOT NULL,
    created_at TEXT NOT NULL
);
