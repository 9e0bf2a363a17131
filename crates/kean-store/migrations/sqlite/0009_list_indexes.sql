-- kean schema v9: list pages. Pages list active records newest first: a partial
-- index of the active records' ids lets a page skip its offset over index entries
-- instead of rows, and counts read it (partial, so that it is never mistaken for a
-- selective index on 'archived'). Contracts are filtered by type within a
-- registration period (the statistics' drill-down).
CREATE INDEX districts_active_idx ON districts (id) WHERE archived = 0;
CREATE INDEX industry_chains_active_idx ON industry_chains (id) WHERE archived = 0;
CREATE INDEX organizations_active_idx ON organizations (id) WHERE archived = 0;
CREATE INDEX platforms_active_idx ON platforms (id) WHERE archived = 0;
CREATE INDEX persons_active_idx ON persons (id) WHERE archived = 0;
CREATE INDEX tech_contracts_active_idx ON tech_contracts (id) WHERE archived = 0;
CREATE INDEX achievements_active_idx ON achievements (id) WHERE archived = 0;
CREATE INDEX transfers_active_idx ON transfers (id) WHERE archived = 0;
CREATE INDEX revenue_reports_active_idx ON revenue_reports (id) WHERE archived = 0;
-- (The store marks its statistics 'noskipscan' after ANALYZE: with the type, five
-- values, leading, SQLite 3.51 would otherwise skip-scan this index for the
-- dashboard's grouped period aggregates and read every row.)
CREATE INDEX tech_contracts_type_period_idx ON tech_contracts (contract_type, registered_on, archived);
