-- kean schema v7: restricted-party lists with versions, and screening results.
--
-- Every version of a list entry is its own row of restricted_entries (an
-- "entry version"): a changed entry ends its old row (removed_version_id)
-- and starts a new one. A reviewer's dismissal belongs to one entry version
-- and one state of the screened party (subject_hash), so it holds until the
-- entry or the party changes.

CREATE TABLE restricted_lists (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code TEXT NOT NULL UNIQUE,
    format TEXT NOT NULL,
    current_version_id BIGINT,
    entry_count BIGINT NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE restricted_list_versions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    list_id BIGINT NOT NULL REFERENCES restricted_lists (id),
    version_no BIGINT NOT NULL,
    file_name TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    entry_count BIGINT NOT NULL,
    added BIGINT NOT NULL,
    changed BIGINT NOT NULL,
    removed BIGINT NOT NULL,
    imported_at TEXT NOT NULL,
    imported_by BIGINT NOT NULL,
    imported_by_name TEXT NOT NULL,
    rescreen_subjects BIGINT,
    rescreen_opened BIGINT,
    rescreen_lapsed BIGINT,
    rescreen_millis BIGINT,
    UNIQUE (list_id, version_no)
);

CREATE TABLE restricted_entries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    list_id BIGINT NOT NULL REFERENCES restricted_lists (id),
    entry_key TEXT NOT NULL,
    entry_hash TEXT NOT NULL,
    name TEXT NOT NULL,
    data TEXT NOT NULL,
    added_version_id BIGINT NOT NULL,
    removed_version_id BIGINT
);
CREATE INDEX restricted_entries_current_idx ON restricted_entries (list_id, removed_version_id);
CREATE INDEX restricted_entries_key_idx ON restricted_entries (list_id, entry_key);

CREATE TABLE restricted_list_changes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    version_id BIGINT NOT NULL REFERENCES restricted_list_versions (id),
    change TEXT NOT NULL,
    entry_key TEXT NOT NULL,
    name TEXT NOT NULL,
    old_entry_id BIGINT,
    new_entry_id BIGINT
);
CREATE INDEX restricted_list_changes_version_idx ON restricted_list_changes (version_id, change);

CREATE TABLE screening_subjects (
    subject_kind TEXT NOT NULL,
    subject_id BIGINT NOT NULL,
    subject_field TEXT NOT NULL,
    subject_name TEXT NOT NULL,
    subject_hash TEXT NOT NULL,
    generation BIGINT NOT NULL,
    screened_at TEXT NOT NULL,
    PRIMARY KEY (subject_kind, subject_id, subject_field)
);

CREATE TABLE screening_hits (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    subject_kind TEXT NOT NULL,
    subject_id BIGINT NOT NULL,
    subject_field TEXT NOT NULL,
    subject_name TEXT NOT NULL,
    subject_hash TEXT NOT NULL,
    owner_org_id BIGINT,
    list_id BIGINT NOT NULL REFERENCES restricted_lists (id),
    entry_id BIGINT NOT NULL REFERENCES restricted_entries (id),
    entry_key TEXT NOT NULL,
    entry_name TEXT NOT NULL,
    matched_name TEXT NOT NULL,
    score_bp BIGINT NOT NULL,
    explanation TEXT NOT NULL,
    status TEXT NOT NULL,
    decision TEXT,
    lapse_reason TEXT,
    reason TEXT,
    decided_by TEXT,
    decided_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX screening_hits_subject_idx ON screening_hits (subject_kind, subject_id);
-- at most one live result per party and entry version
CREATE UNIQUE INDEX screening_hits_live_idx ON screening_hits (subject_kind, subject_id, subject_field, entry_id)
    WHERE status <> 'lapsed';

-- The list generation: counts list versions, raised in the transaction that
-- stores one. Screening results are written holding this row, so runs are
-- serialised and each checks that the lists it screened against are still
-- the current ones.
CREATE TABLE screening_state (
    id BIGINT PRIMARY KEY,
    generation BIGINT NOT NULL
);
INSERT INTO screening_state (id, generation) VALUES (1, 0);
CREATE INDEX screening_hits_status_idx ON screening_hits (status, id);
