-- kean schema v8: the keyword index (see kean-store/src/search.rs). Each
-- registry row carries the character bigrams of its searched fields and of
-- its owner's name, computed by the store; an FTS5 table over that column
-- (external content, kept in step by the triggers) finds the candidates.
-- Rows written before this migration are filled in by the store right after it.

ALTER TABLE districts ADD COLUMN search_grams TEXT;
CREATE VIRTUAL TABLE districts_fts USING fts5(search_grams, content = 'districts', content_rowid = 'id', tokenize = 'ascii', detail = 'none');
CREATE TRIGGER districts_fts_insert AFTER INSERT ON districts WHEN new.search_grams IS NOT NULL BEGIN INSERT INTO districts_fts (rowid, search_grams) VALUES (new.id, new.search_grams); END;
CREATE TRIGGER districts_fts_delete AFTER DELETE ON districts WHEN old.search_grams IS NOT NULL BEGIN INSERT INTO districts_fts (districts_fts, rowid, search_grams) VALUES ('delete', old.id, old.search_grams); END;
CREATE TRIGGER districts_fts_update AFTER UPDATE OF search_grams ON districts BEGIN INSERT INTO districts_fts (districts_fts, rowid, search_grams) SELECT 'delete', old.id, old.search_grams WHERE old.search_grams IS NOT NULL; INSERT INTO districts_fts (rowid, search_grams) SELECT new.id, new.search_grams WHERE new.search_grams IS NOT NULL; END;

ALTER TABLE industry_chains ADD COLUMN search_grams TEXT;
CREATE VIRTUAL TABLE industry_chains_fts USING fts5(search_grams, content = 'industry_chains', content_rowid = 'id', tokenize = 'ascii', detail = 'none');
CREATE TRIGGER industry_chains_fts_insert AFTER INSERT ON industry_chains WHEN new.search_grams IS NOT NULL BEGIN INSERT INTO industry_chains_fts (rowid, search_grams) VALUES (new.id, new.search_grams); END;
CREATE TRIGGER industry_chains_fts_delete AFTER DELETE ON industry_chains WHEN old.search_grams IS NOT NULL BEGIN INSERT INTO industry_chains_fts (industry_chains_fts, rowid, search_grams) VALUES ('delete', old.id, old.search_grams); END;
CREATE TRIGGER industry_chains_fts_update AFTER UPDATE OF search_grams ON industry_chains BEGIN INSERT INTO industry_chains_fts (industry_chains_fts, rowid, search_grams) SELECT 'delete', old.id, old.search_grams WHERE old.search_grams IS NOT NULL; INSERT INTO industry_chains_fts (rowid, search_grams) SELECT new.id, new.search_grams WHERE new.search_grams IS NOT NULL; END;

ALTER TABLE organizations ADD COLUMN search_grams TEXT;
CREATE VIRTUAL TABLE organizations_fts USING fts5(search_grams, content = 'organizations', content_rowid = 'id', tokenize = 'ascii', detail = 'none');
CREATE TRIGGER organizations_fts_insert AFTER INSERT ON organizations WHEN new.search_grams IS NOT NULL BEGIN INSERT INTO organizations_fts (rowid, search_grams) VALUES (new.id, new.search_grams); END;
CREATE TRIGGER organizations_fts_delete AFTER DELETE ON organizations WHEN old.search_grams IS NOT NULL BEGIN INSERT INTO organizations_fts (organizations_fts, rowid, search_grams) VALUES ('delete', old.id, old.search_grams); END;
CREATE TRIGGER organizations_fts_update AFTER UPDATE OF search_grams ON organizations BEGIN INSERT INTO organizations_fts (organizations_fts, rowid, search_grams) SELECT 'delete', old.id, old.search_grams WHERE old.search_grams IS NOT NULL; INSERT INTO organizations_fts (rowid, search_grams) SELECT new.id, new.search_grams WHERE new.search_grams IS NOT NULL; END;

ALTER TABLE platforms ADD COLUMN search_grams TEXT;
CREATE VIRTUAL TABLE platforms_fts USING fts5(search_grams, content = 'platforms', content_rowid = 'id', tokenize = 'ascii', detail = 'none');
CREATE TRIGGER platforms_fts_insert AFTER INSERT ON platforms WHEN new.search_grams IS NOT NULL BEGIN INSERT INTO platforms_fts (rowid, search_grams) VALUES (new.id, new.search_grams); END;
CREATE TRIGGER platforms_fts_delete AFTER DELETE ON platforms WHEN old.search_grams IS NOT NULL BEGIN INSERT INTO platforms_fts (platforms_fts, rowid, search_grams) VALUES ('delete', old.id, old.search_grams); END;
CREATE TRIGGER platforms_fts_update AFTER UPDATE OF search_grams ON platforms BEGIN INSERT INTO platforms_fts (platforms_fts, rowid, search_grams) SELECT 'delete', old.id, old.search_grams WHERE old.search_grams IS NOT NULL; INSERT INTO platforms_fts (rowid, search_grams) SELECT new.id, new.search_grams WHERE new.search_grams IS NOT NULL; END;

ALTER TABLE persons ADD COLUMN search_grams TEXT;
CREATE VIRTUAL TABLE persons_fts USING fts5(search_grams, content = 'persons', content_rowid = 'id', tokenize = 'ascii', detail = 'none');
CREATE TRIGGER persons_fts_insert AFTER INSERT ON persons WHEN new.search_grams IS NOT NULL BEGIN INSERT INTO persons_fts (rowid, search_grams) VALUES (new.id, new.search_grams); END;
CREATE TRIGGER persons_fts_delete AFTER DELETE ON persons WHEN old.search_grams IS NOT NULL BEGIN INSERT INTO persons_fts (persons_fts, rowid, search_grams) VALUES ('delete', old.id, old.search_grams); END;
CREATE TRIGGER persons_fts_update AFTER UPDATE OF search_grams ON persons BEGIN INSERT INTO persons_fts (persons_fts, rowid, search_grams) SELECT 'delete', old.id, old.search_grams WHERE old.search_grams IS NOT NULL; INSERT INTO persons_fts (rowid, search_grams) SELECT new.id, new.search_grams WHERE new.search_grams IS NOT NULL; END;

ALTER TABLE tech_contracts ADD COLUMN search_grams TEXT;
CREATE VIRTUAL TABLE tech_contracts_fts USING fts5(search_grams, content = 'tech_contracts', content_rowid = 'id', tokenize = 'ascii', detail = 'none');
CREATE TRIGGER tech_contracts_fts_insert AFTER INSERT ON tech_contracts WHEN new.search_grams IS NOT NULL BEGIN INSERT INTO tech_contracts_fts (rowid, search_grams) VALUES (new.id, new.search_grams); END;
CREATE TRIGGER tech_contracts_fts_delete AFTER DELETE ON tech_contracts WHEN old.search_grams IS NOT NULL BEGIN INSERT INTO tech_contracts_fts (tech_contracts_fts, rowid, search_grams) VALUES ('delete', old.id, old.search_grams); END;
CREATE TRIGGER tech_contracts_fts_update AFTER UPDATE OF search_grams ON tech_contracts BEGIN INSERT INTO tech_contracts_fts (tech_contracts_fts, rowid, search_grams) SELECT 'delete', old.id, old.search_grams WHERE old.search_grams IS NOT NULL; INSERT INTO tech_contracts_fts (rowid, search_grams) SELECT new.id, new.search_grams WHERE new.search_grams IS NOT NULL; END;

ALTER TABLE achievements ADD COLUMN search_grams TEXT;
CREATE VIRTUAL TABLE achievements_fts USING fts5(search_grams, content = 'achievements', content_rowid = 'id', tokenize = 'ascii', detail = 'none');
CREATE TRIGGER achievements_fts_insert AFTER INSERT ON achievements WHEN new.search_grams IS NOT NULL BEGIN INSERT INTO achievements_fts (rowid, search_grams) VALUES (new.id, new.search_grams); END;
CREATE TRIGGER achievements_fts_delete AFTER DELETE ON achievements WHEN old.search_grams IS NOT NULL BEGIN INSERT INTO achievements_fts (achievements_fts, rowid, search_grams) VALUES ('delete', old.id, old.search_grams); END;
CREATE TRIGGER achievements_fts_update AFTER UPDATE OF search_grams ON achievements BEGIN INSERT INTO achievements_fts (achievements_fts, rowid, search_grams) SELECT 'delete', old.id, old.search_grams WHERE old.search_grams IS NOT NULL; INSERT INTO achievements_fts (rowid, search_grams) SELECT new.id, new.search_grams WHERE new.search_grams IS NOT NULL; END;

ALTER TABLE transfers ADD COLUMN search_grams TEXT;
CREATE VIRTUAL TABLE transfers_fts USING fts5(search_grams, content = 'transfers', content_rowid = 'id', tokenize = 'ascii', detail = 'none');
CREATE TRIGGER transfers_fts_insert AFTER INSERT ON transfers WHEN new.search_grams IS NOT NULL BEGIN INSERT INTO transfers_fts (rowid, search_grams) VALUES (new.id, new.search_grams); END;
CREATE TRIGGER transfers_fts_delete AFTER DELETE ON transfers WHEN old.search_grams IS NOT NULL BEGIN INSERT INTO transfers_fts (transfers_fts, rowid, search_grams) VALUES ('delete', old.id, old.search_grams); END;
CREATE TRIGGER transfers_fts_update AFTER UPDATE OF search_grams ON transfers BEGIN INSERT INTO transfers_fts (transfers_fts, rowid, search_grams) SELECT 'delete', old.id, old.search_grams WHERE old.search_grams IS NOT NULL; INSERT INTO transfers_fts (rowid, search_grams) SELECT new.id, new.search_grams WHERE new.search_grams IS NOT NULL; END;

ALTER TABLE revenue_reports ADD COLUMN search_grams TEXT;
CREATE VIRTUAL TABLE revenue_reports_fts USING fts5(search_grams, content = 'revenue_reports', content_rowid = 'id', tokenize = 'ascii', detail = 'none');
CREATE TRIGGER revenue_reports_fts_insert AFTER INSERT ON revenue_reports WHEN new.search_grams IS NOT NULL BEGIN INSERT INTO revenue_reports_fts (rowid, search_grams) VALUES (new.id, new.search_grams); END;
CREATE TRIGGER revenue_reports_fts_delete AFTER DELETE ON revenue_reports WHEN old.search_grams IS NOT NULL BEGIN INSERT INTO revenue_reports_fts (revenue_reports_fts, rowid, search_grams) VALUES ('delete', old.id, old.search_grams); END;
CREATE TRIGGER revenue_reports_fts_update AFTER UPDATE OF search_grams ON revenue_reports BEGIN INSERT INTO revenue_reports_fts (revenue_reports_fts, rowid, search_grams) SELECT 'delete', old.id, old.search_grams WHERE old.search_grams IS NOT NULL; INSERT INTO revenue_reports_fts (rowid, search_grams) SELECT new.id, new.search_grams WHERE new.search_grams IS NOT NULL; END;
