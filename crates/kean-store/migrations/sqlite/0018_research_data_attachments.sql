-- kean schema v18: research data (科研数据) and attachments (issue 12).
-- A dataset is a registry kind like the others (classified, owned by an
-- organization) with a data grade (一般/重要/核心, Data Security Law) kept apart from
-- its secrecy level. Export or download of important and core data needs the
-- security administrator's approval: a request per dataset and account, decided by
-- someone other than its requester, valid until a date.
-- Attachments of any record are kept in the database, the content once per SM3 hash
-- (a file attached twice is stored once): a backup, a restore and a transaction hold
-- them with the records they belong to. Removing one keeps its row (and its content)
-- for the audit log's sake.
CREATE TABLE datasets (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT,
    org_id BIGINT,
    data_grade TEXT,
    industry_chain_id BIGINT,
    storage_location TEXT,
    data_size TEXT,
    custodian TEXT,
    produced_on TEXT,
    description TEXT,
    classification TEXT NOT NULL DEFAULT 'public',
    classified_by TEXT,
    classification_basis TEXT,
    classified_on TEXT,
    secrecy_term TEXT,
    owner_org_id BIGINT,
    archived BIGINT NOT NULL DEFAULT 0,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by BIGINT NOT NULL,
    updated_by BIGINT NOT NULL,
    search_grams TEXT
);
CREATE INDEX datasets_org_id_idx ON datasets (org_id);
CREATE INDEX datasets_owner_org_id_idx ON datasets (owner_org_id);
CREATE INDEX datasets_industry_chain_id_idx ON datasets (industry_chain_id);
CREATE INDEX datasets_active_idx ON datasets (id) WHERE archived = 0;
CREATE INDEX datasets_classification_idx ON datasets (classification, id);
CREATE INDEX datasets_grade_idx ON datasets (data_grade, id);
CREATE VIRTUAL TABLE datasets_fts USING fts5(search_grams, content = 'datasets', content_rowid = 'id', tokenize = 'ascii', detail = 'none');
CREATE TRIGGER datasets_fts_insert AFTER INSERT ON datasets WHEN new.search_grams IS NOT NULL BEGIN INSERT INTO datasets_fts (rowid, search_grams) VALUES (new.id, new.search_grams); END;
CREATE TRIGGER datasets_fts_delete AFTER DELETE ON datasets WHEN old.search_grams IS NOT NULL BEGIN INSERT INTO datasets_fts (datasets_fts, rowid, search_grams) VALUES ('delete', old.id, old.search_grams); END;
CREATE TRIGGER datasets_fts_update AFTER UPDATE OF search_grams ON datasets BEGIN INSERT INTO datasets_fts (datasets_fts, rowid, search_grams) SELECT 'delete', old.id, old.search_grams WHERE old.search_grams IS NOT NULL; INSERT INTO datasets_fts (rowid, search_grams) SELECT new.id, new.search_grams WHERE new.search_grams IS NOT NULL; END;
INSERT INTO record_counts (kind, active, archived) VALUES ('datasets', 0, 0);
CREATE TABLE data_exports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    dataset_id BIGINT NOT NULL,
    purpose TEXT NOT NULL,
    recipient TEXT NOT NULL,
    state TEXT NOT NULL,
    requested_by BIGINT NOT NULL,
    requester TEXT NOT NULL,
    requested_at TEXT NOT NULL,
    decided_by TEXT,
    decided_at TEXT,
    note TEXT,
    valid_until TEXT
);
CREATE INDEX data_exports_state_idx ON data_exports (state, id);
CREATE INDEX data_exports_dataset_idx ON data_exports (dataset_id, requested_by);
CREATE TABLE attachment_contents (
    hash TEXT PRIMARY KEY,
    size BIGINT NOT NULL,
    content BLOB NOT NULL
);
CREATE TABLE attachments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    record_id BIGINT NOT NULL,
    file_name TEXT NOT NULL,
    media_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    hash TEXT NOT NULL REFERENCES attachment_contents (hash),
    classification TEXT NOT NULL,
    note TEXT,
    uploaded_by BIGINT NOT NULL,
    uploader TEXT NOT NULL,
    uploaded_at TEXT NOT NULL,
    removed_by TEXT,
    removed_at TEXT
);
CREATE INDEX attachments_record_idx ON attachments (kind, record_id, id);
