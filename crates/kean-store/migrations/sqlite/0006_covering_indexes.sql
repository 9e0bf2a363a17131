-- kean schema v6: covering indexes for the statistics, so that period
-- aggregates over a million contracts read the index, not the table.

CREATE INDEX tech_contracts_period_stats_idx ON tech_contracts (registered_on, archived, owner_org_id, industry_chain_id, contract_value, tech_value);
CREATE INDEX transfers_period_stats_idx ON transfers (transferred_on, archived, owner_org_id, amount);
CREATE INDEX platforms_stats_idx ON platforms (archived, level, platform_type, owner_org_id, industry_chain_id);
