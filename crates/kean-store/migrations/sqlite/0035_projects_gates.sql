-- kean schema v35: projects (科技项目) and the three security gates (issue 14).
-- A project is a registry kind like the others (classified, owned by its lead
-- organization); its stage is kept by kean and moves only by a transition, each one
-- a row of project_events (who, when, why; from which review) written with it.
-- Participants, foreign partners and team members are links with dates
-- (project_parties), not fields: who is related to whom, since when. Disclosures
-- are dated records of a person. A gate review (立项安全审查, 研发安全管控,
-- 转化安全审核) holds the findings the reviewer saw and the decision, with a
-- second reviewer's for high-risk ones. The chokepoint list and the export-control
-- catalogue are versioned dictionaries: each version's whole content, with what
-- it added, changed and removed. Links between records and dictionary items are
-- the classifier's suggestions until a reviewer confirms or rejects them. The checklists
-- of the gates and of platforms' security assessments are versioned assessment
-- frameworks (sections, requirements, answer types, weights); a review keeps the
-- framework version it was answered on, the answers and the score.
CREATE TABLE projects (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    title TEXT,
    project_no TEXT,
    programme TEXT,
    lead_org_id BIGINT,
    stage TEXT NOT NULL DEFAULT 'application',
    abstract TEXT,
    keywords TEXT,
    industry_chain_id BIGINT,
    budget BIGINT,
    state_funded BIGINT,
    funding_source TEXT,
    data_grade TEXT,
    starts_on TEXT,
    ends_on TEXT,
    applied_on TEXT,
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
CREATE UNIQUE INDEX projects_project_no_key ON projects (project_no);
CREATE INDEX projects_lead_org_id_idx ON projects (lead_org_id);
CREATE INDEX projects_owner_org_id_idx ON projects (owner_org_id);
CREATE INDEX projects_industry_chain_id_idx ON projects (industry_chain_id);
CREATE INDEX projects_active_idx ON projects (id) WHERE archived = 0;
CREATE INDEX projects_classification_idx ON projects (classification, id);
CREATE INDEX projects_stage_idx ON projects (stage, id);
CREATE INDEX projects_programme_idx ON projects (programme, id);
CREATE VIRTUAL TABLE projects_fts USING fts5(search_grams, content = 'projects', content_rowid = 'id', tokenize = 'ascii', detail = 'none');
CREATE TRIGGER projects_fts_insert AFTER INSERT ON projects WHEN new.search_grams IS NOT NULL BEGIN INSERT INTO projects_fts (rowid, search_grams) VALUES (new.id, new.search_grams); END;
CREATE TRIGGER projects_fts_delete AFTER DELETE ON projects WHEN old.search_grams IS NOT NULL BEGIN INSERT INTO projects_fts (projects_fts, rowid, search_grams) VALUES ('delete', old.id, old.search_grams); END;
CREATE TRIGGER projects_fts_update AFTER UPDATE OF search_grams ON projects BEGIN INSERT INTO projects_fts (projects_fts, rowid, search_grams) SELECT 'delete', old.id, old.search_grams WHERE old.search_grams IS NOT NULL; INSERT INTO projects_fts (rowid, search_grams) SELECT new.id, new.search_grams WHERE new.search_grams IS NOT NULL; END;
INSERT INTO record_counts (kind, active, archived) VALUES ('projects', 0, 0);
ALTER TABLE achievements ADD COLUMN project_id BIGINT;
CREATE INDEX achievements_project_id_idx ON achievements (project_id);
CREATE TABLE project_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id BIGINT NOT NULL,
    transition TEXT NOT NULL,
    from_stage TEXT NOT NULL,
    to_stage TEXT NOT NULL,
    reason TEXT NOT NULL,
    review_id BIGINT,
    actor_id BIGINT NOT NULL,
    actor TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX project_events_project_idx ON project_events (project_id, id);
CREATE TABLE project_parties (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id BIGINT NOT NULL,
    role TEXT NOT NULL,
    org_id BIGINT,
    person_id BIGINT,
    name TEXT NOT NULL,
    country TEXT NOT NULL,
    duty TEXT,
    since TEXT NOT NULL,
    until TEXT,
    added_by TEXT NOT NULL,
    removed_by TEXT
);
CREATE INDEX project_parties_project_idx ON project_parties (project_id, id);
CREATE INDEX project_parties_person_idx ON project_parties (person_id);
CREATE INDEX project_parties_org_idx ON project_parties (org_id);
CREATE TABLE disclosures (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    person_id BIGINT NOT NULL,
    declared_on TEXT NOT NULL,
    conflicts TEXT NOT NULL,
    foreign_roles TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX disclosures_person_idx ON disclosures (person_id, declared_on);
CREATE TABLE gate_reviews (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    gate TEXT NOT NULL,
    kind TEXT NOT NULL,
    record_id BIGINT NOT NULL,
    applicant_org_id BIGINT,
    state TEXT NOT NULL,
    opened_at TEXT NOT NULL,
    opened_by TEXT NOT NULL,
    due_on TEXT,
    findings TEXT NOT NULL,
    licence_no TEXT,
    first_decision TEXT,
    first_reasons TEXT,
    first_reviewer_id BIGINT,
    first_reviewer TEXT,
    first_at TEXT,
    decision TEXT,
    reasons TEXT,
    conditions TEXT,
    note TEXT,
    decided_by_id BIGINT,
    decided_by TEXT,
    decided_at TEXT,
    framework_id BIGINT,
    answers TEXT,
    score_permille BIGINT
);
CREATE INDEX gate_reviews_record_idx ON gate_reviews (kind, record_id, id);
CREATE INDEX gate_reviews_state_idx ON gate_reviews (state, gate, id);
CREATE TABLE tech_dictionary_versions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    dictionary TEXT NOT NULL,
    version_no BIGINT NOT NULL,
    label TEXT NOT NULL,
    source_name TEXT NOT NULL,
    content TEXT NOT NULL,
    items BIGINT NOT NULL,
    added TEXT NOT NULL,
    changed TEXT NOT NULL,
    removed TEXT NOT NULL,
    imported_by TEXT NOT NULL,
    imported_at TEXT NOT NULL
);
CREATE UNIQUE INDEX tech_dictionary_versions_key ON tech_dictionary_versions (dictionary, version_no);
CREATE TABLE tech_links (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    record_id BIGINT NOT NULL,
    dictionary TEXT NOT NULL,
    item_code TEXT NOT NULL,
    item_name TEXT NOT NULL,
    score_milli BIGINT NOT NULL,
    matched_terms TEXT NOT NULL,
    state TEXT NOT NULL,
    decided_by TEXT,
    decided_at TEXT,
    suggested_at TEXT NOT NULL
);
CREATE UNIQUE INDEX tech_links_key ON tech_links (kind, record_id, dictionary, item_code);
CREATE INDEX tech_links_item_idx ON tech_links (dictionary, item_code, state);
CREATE TABLE assessment_frameworks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code TEXT NOT NULL,
    version_no BIGINT NOT NULL,
    title TEXT NOT NULL,
    edition TEXT NOT NULL,
    content TEXT NOT NULL,
    imported_by TEXT NOT NULL,
    imported_at TEXT NOT NULL
);
CREATE UNIQUE INDEX assessment_frameworks_key ON assessment_frameworks (code, version_no);
