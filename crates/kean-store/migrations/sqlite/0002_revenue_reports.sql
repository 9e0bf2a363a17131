-- kean schema v2: yearly revenue reports of enterprises (technology-service statistics).

CREATE TABLE revenue_reports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id BIGINT,
    year TEXT,
    revenue BIGINT,
    tech_service BIGINT,
    note TEXT,
    owner_org_id BIGINT,
    archived BIGINT NOT NULL DEFAULT 0,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by BIGINT NOT NULL,
    updated_by BIGINT NOT NULL
);
CREATE UNIQUE INDEX revenue_reports_org_year_key ON revenue_reports (org_id, year);
CREATE INDEX revenue_reports_year_idx ON revenue_reports (year);
CREATE INDEX revenue_reports_owner_org_id_idx ON revenue_reports (owner_org_id);
