-- kean schema v15: confidentiality (issue 12). Every classified kind carries its
-- 密级 (stored as its code, compared by the store through lists of codes) and the
-- control fields of a classified record; existing records are 公开. Accounts carry a
-- clearance (existing accounts 内部, enough for every existing record). A classified
-- record's need-to-know list (知悉范围) is a row per account. Settings hold the
-- deployment's ceiling (absent: 内部).
ALTER TABLE platforms ADD COLUMN classification TEXT NOT NULL DEFAULT 'public';
ALTER TABLE platforms ADD COLUMN classified_by TEXT;
ALTER TABLE platforms ADD COLUMN classification_basis TEXT;
ALTER TABLE platforms ADD COLUMN classified_on TEXT;
ALTER TABLE platforms ADD COLUMN secrecy_term TEXT;
CREATE INDEX platforms_classification_idx ON platforms (classification, id);
ALTER TABLE persons ADD COLUMN classification TEXT NOT NULL DEFAULT 'public';
ALTER TABLE persons ADD COLUMN classified_by TEXT;
ALTER TABLE persons ADD COLUMN classification_basis TEXT;
ALTER TABLE persons ADD COLUMN classified_on TEXT;
ALTER TABLE persons ADD COLUMN secrecy_term TEXT;
CREATE INDEX persons_classification_idx ON persons (classification, id);
ALTER TABLE tech_contracts ADD COLUMN classification TEXT NOT NULL DEFAULT 'public';
ALTER TABLE tech_contracts ADD COLUMN classified_by TEXT;
ALTER TABLE tech_contracts ADD COLUMN classification_basis TEXT;
ALTER TABLE tech_contracts ADD COLUMN classified_on TEXT;
ALTER TABLE tech_contracts ADD COLUMN secrecy_term TEXT;
CREATE INDEX tech_contracts_classification_idx ON tech_contracts (classification, id);
ALTER TABLE achievements ADD COLUMN classification TEXT NOT NULL DEFAULT 'public';
ALTER TABLE achievements ADD COLUMN classified_by TEXT;
ALTER TABLE achievements ADD COLUMN classification_basis TEXT;
ALTER TABLE achievements ADD COLUMN classified_on TEXT;
ALTER TABLE achievements ADD COLUMN secrecy_term TEXT;
CREATE INDEX achievements_classification_idx ON achievements (classification, id);
ALTER TABLE transfers ADD COLUMN classification TEXT NOT NULL DEFAULT 'public';
ALTER TABLE transfers ADD COLUMN classified_by TEXT;
ALTER TABLE transfers ADD COLUMN classification_basis TEXT;
ALTER TABLE transfers ADD COLUMN classified_on TEXT;
ALTER TABLE transfers ADD COLUMN secrecy_term TEXT;
CREATE INDEX transfers_classification_idx ON transfers (classification, id);
ALTER TABLE users ADD COLUMN clearance TEXT NOT NULL DEFAULT 'internal';
CREATE TABLE need_to_know (
    kind TEXT NOT NULL,
    record_id BIGINT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users (id),
    added_by TEXT NOT NULL,
    added_at TEXT NOT NULL,
    PRIMARY KEY (kind, record_id, user_id)
);
CREATE INDEX need_to_know_user_idx ON need_to_know (user_id, kind, record_id);
CREATE TABLE settings (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
-- Changes of level (变更密级 / 解密): proposed with reasons, decided by the
-- security administrator (never the proposer), applied in the deciding
-- transaction; the record's history is the audit log.
CREATE TABLE level_changes (
    id BIGSERIAL PRIMARY KEY,
    kind TEXT NOT NULL,
    record_id BIGINT NOT NULL,
    from_level TEXT NOT NULL,
    to_level TEXT NOT NULL,
    reasons TEXT NOT NULL,
    state TEXT NOT NULL,
    proposed_by BIGINT NOT NULL,
    proposer TEXT NOT NULL,
    proposed_at TEXT NOT NULL,
    decided_by TEXT,
    decided_at TEXT,
    note TEXT
);
CREATE INDEX level_changes_state_idx ON level_changes (state, id);
CREATE INDEX level_changes_record_idx ON level_changes (kind, record_id);
