-- kean schema v4: indexes for period statistics (contracts are counted by
-- their registration date).

CREATE INDEX tech_contracts_registered_on_idx ON tech_contracts (registered_on);
CREATE INDEX organizations_high_tech_issued_on_idx ON organizations (high_tech_issued_on);
