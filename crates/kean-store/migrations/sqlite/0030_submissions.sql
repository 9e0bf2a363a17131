-- kean schema v30: reporting with review (填报 → 审核, issue 16). What an institution's
-- liaison enters is a submission, not yet a record: the proposed values (one record's
-- input texts, or an import's rows), the record it changes and the version it was
-- read at, the organization it belongs to and the highest level it holds. A bureau
-- reviewer approves it (the change is then written to the registry in the same
-- transaction) or returns it with reasons; the liaison corrects and resubmits or
-- withdraws it. At most one open (pending or returned) submission per record. Every
-- step is an audit record and a row of submission_events (the history the
-- submitter and the reviewer read; the audit log is the auditor's).
CREATE TABLE submissions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    operation TEXT NOT NULL,
    record_id BIGINT,
    base_version BIGINT,
    org_id BIGINT NOT NULL,
    classification TEXT NOT NULL DEFAULT 'public',
    payload TEXT NOT NULL,
    before_values TEXT,
    changed TEXT NOT NULL,
    label TEXT NOT NULL,
    file_name TEXT,
    content_hash TEXT,
    row_count BIGINT NOT NULL DEFAULT 1,
    status TEXT NOT NULL,
    round BIGINT NOT NULL DEFAULT 1,
    submitted_by BIGINT NOT NULL,
    submitter TEXT NOT NULL,
    submitted_at TEXT NOT NULL,
    decided_by BIGINT,
    decider TEXT,
    decided_at TEXT,
    reasons TEXT,
    result_ids TEXT,
    version BIGINT NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX submissions_one_open_idx ON submissions (kind, record_id) WHERE status IN ('pending', 'returned') AND record_id IS NOT NULL;
CREATE INDEX submissions_queue_idx ON submissions (status, org_id, kind, id);
CREATE INDEX submissions_org_idx ON submissions (org_id, id);
CREATE TABLE submission_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    submission_id BIGINT NOT NULL,
    step TEXT NOT NULL,
    actor_id BIGINT NOT NULL,
    actor TEXT NOT NULL,
    at TEXT NOT NULL,
    note TEXT,
    changed TEXT
);
CREATE INDEX submission_events_idx ON submission_events (submission_id, id);
