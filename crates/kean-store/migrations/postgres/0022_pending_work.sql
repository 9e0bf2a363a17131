-- kean schema v22: what must follow a committed write (screening its parties today;
-- rules and warnings next), recorded in the write's own transaction, one row per
-- record: a process that dies after the commit leaves the row, and whichever process
-- runs next does the work. The writing request does it at once and removes the row
-- only if no later write marked the record again (written_at); a row whose work
-- failed waits until claimed_until and is tried again.
CREATE TABLE pending_work (
    kind TEXT NOT NULL,
    record_id BIGINT NOT NULL,
    written_at TEXT NOT NULL,
    claimed_until TEXT,
    attempts BIGINT NOT NULL DEFAULT 0,
    last_error TEXT,
    PRIMARY KEY (kind, record_id)
);
CREATE INDEX pending_work_written_idx ON pending_work (written_at);
