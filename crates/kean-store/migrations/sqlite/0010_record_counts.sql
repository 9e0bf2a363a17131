-- kean schema v10: the number of records of each kind, active and archived, kept by
-- the store's write path in the same transaction as the change (insert, import,
-- archive, restore). Every list page shows its total; for the unfiltered list this
-- row answers instead of counting the index (10,001 entries a request at scale).
-- 'generation' grows with every write of the kind (edits too): a process may keep
-- the count of a filtered list while the generations it depends on are unchanged.
CREATE TABLE record_counts (
    kind TEXT PRIMARY KEY,
    active BIGINT NOT NULL,
    archived BIGINT NOT NULL,
    generation BIGINT NOT NULL DEFAULT 0
);
INSERT INTO record_counts (kind, active, archived) SELECT 'districts', COALESCE(SUM(CASE WHEN archived = 0 THEN 1 ELSE 0 END), 0), COALESCE(SUM(archived), 0) FROM districts;
INSERT INTO record_counts (kind, active, archived) SELECT 'industry_chains', COALESCE(SUM(CASE WHEN archived = 0 THEN 1 ELSE 0 END), 0), COALESCE(SUM(archived), 0) FROM industry_chains;
INSERT INTO record_counts (kind, active, archived) SELECT 'organizations', COALESCE(SUM(CASE WHEN archived = 0 THEN 1 ELSE 0 END), 0), COALESCE(SUM(archived), 0) FROM organizations;
INSERT INTO record_counts (kind, active, archived) SELECT 'platforms', COALESCE(SUM(CASE WHEN archived = 0 THEN 1 ELSE 0 END), 0), COALESCE(SUM(archived), 0) FROM platforms;
INSERT INTO record_counts (kind, active, archived) SELECT 'persons', COALESCE(SUM(CASE WHEN archived = 0 THEN 1 ELSE 0 END), 0), COALESCE(SUM(archived), 0) FROM persons;
INSERT INTO record_counts (kind, active, archived) SELECT 'tech_contracts', COALESCE(SUM(CASE WHEN archived = 0 THEN 1 ELSE 0 END), 0), COALESCE(SUM(archived), 0) FROM tech_contracts;
INSERT INTO record_counts (kind, active, archived) SELECT 'achievements', COALESCE(SUM(CASE WHEN archived = 0 THEN 1 ELSE 0 END), 0), COALESCE(SUM(archived), 0) FROM achievements;
INSERT INTO record_counts (kind, active, archived) SELECT 'transfers', COALESCE(SUM(CASE WHEN archived = 0 THEN 1 ELSE 0 END), 0), COALESCE(SUM(archived), 0) FROM transfers;
INSERT INTO record_counts (kind, active, archived) SELECT 'revenue_reports', COALESCE(SUM(CASE WHEN archived = 0 THEN 1 ELSE 0 END), 0), COALESCE(SUM(archived), 0) FROM revenue_reports;
