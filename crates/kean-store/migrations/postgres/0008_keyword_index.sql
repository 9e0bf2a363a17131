-- kean schema v8: the keyword index (see kean-store/src/search.rs). Each
-- registry row carries the character bigrams of its searched fields and of
-- its owner's name, computed by the store; a GIN index over the column split
-- into an array finds the candidates.
-- Rows written before this migration are filled in by the store right after it.

ALTER TABLE districts ADD COLUMN search_grams TEXT;
CREATE INDEX districts_search_grams_idx ON districts USING gin (string_to_array(search_grams, ' '));

ALTER TABLE industry_chains ADD COLUMN search_grams TEXT;
CREATE INDEX industry_chains_search_grams_idx ON industry_chains USING gin (string_to_array(search_grams, ' '));

ALTER TABLE organizations ADD COLUMN search_grams TEXT;
CREATE INDEX organizations_search_grams_idx ON organizations USING gin (string_to_array(search_grams, ' '));

ALTER TABLE platforms ADD COLUMN search_grams TEXT;
CREATE INDEX platforms_search_grams_idx ON platforms USING gin (string_to_array(search_grams, ' '));

ALTER TABLE persons ADD COLUMN search_grams TEXT;
CREATE INDEX persons_search_grams_idx ON persons USING gin (string_to_array(search_grams, ' '));

ALTER TABLE tech_contracts ADD COLUMN search_grams TEXT;
CREATE INDEX tech_contracts_search_grams_idx ON tech_contracts USING gin (string_to_array(search_grams, ' '));

ALTER TABLE achievements ADD COLUMN search_grams TEXT;
CREATE INDEX achievements_search_grams_idx ON achievements USING gin (string_to_array(search_grams, ' '));

ALTER TABLE transfers ADD COLUMN search_grams TEXT;
CREATE INDEX transfers_search_grams_idx ON transfers USING gin (string_to_array(search_grams, ' '));

ALTER TABLE revenue_reports ADD COLUMN search_grams TEXT;
CREATE INDEX revenue_reports_search_grams_idx ON revenue_reports USING gin (string_to_array(search_grams, ' '));
