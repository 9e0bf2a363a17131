-- kean schema v13: one name per concept (docs/ARCHITECTURE.md, "Names").
-- A screening result is a result, not a hit: screening_hits becomes
-- screening_results. The registered record screened is a party, not a
-- subject: screening_subjects becomes screening_parties, every subject_*
-- column party_*, rescreen_subjects rescreen_parties. The row counting list
-- versions is the list generation: screening_state becomes list_generation.
-- The kinds' slugs contracts and researchers are now tech-contracts and
-- persons wherever a row stores a slug (results, parties, imports, staged
-- uploads). The audit log is never rewritten: its readers map the old
-- spellings (kean_core::audit::current_name).
--
-- SQLite renames a table's indexes with it but keeps their names: each is
-- dropped and made again under its new name, with the same definition.

ALTER TABLE screening_hits RENAME TO screening_results;
ALTER TABLE screening_results RENAME COLUMN subject_kind TO party_kind;
ALTER TABLE screening_results RENAME COLUMN subject_id TO party_id;
ALTER TABLE screening_results RENAME COLUMN subject_field TO party_field;
ALTER TABLE screening_results RENAME COLUMN subject_name TO party_name;
ALTER TABLE screening_results RENAME COLUMN subject_hash TO party_hash;
DROP INDEX screening_hits_subject_idx;
CREATE INDEX screening_results_party_idx ON screening_results (party_kind, party_id);
DROP INDEX screening_hits_live_idx;
CREATE UNIQUE INDEX screening_results_live_idx ON screening_results (party_kind, party_id, party_field, entry_id)
    WHERE status <> 'lapsed';
DROP INDEX screening_hits_status_idx;
CREATE INDEX screening_results_status_idx ON screening_results (status, id);

ALTER TABLE screening_subjects RENAME TO screening_parties;
ALTER TABLE screening_parties RENAME COLUMN subject_kind TO party_kind;
ALTER TABLE screening_parties RENAME COLUMN subject_id TO party_id;
ALTER TABLE screening_parties RENAME COLUMN subject_field TO party_field;
ALTER TABLE screening_parties RENAME COLUMN subject_name TO party_name;
ALTER TABLE screening_parties RENAME COLUMN subject_hash TO party_hash;

ALTER TABLE restricted_list_versions RENAME COLUMN rescreen_subjects TO rescreen_parties;

ALTER TABLE screening_state RENAME TO list_generation;

UPDATE screening_results SET party_kind = 'tech-contracts' WHERE party_kind = 'contracts';
UPDATE screening_results SET party_kind = 'persons' WHERE party_kind = 'researchers';
UPDATE screening_parties SET party_kind = 'tech-contracts' WHERE party_kind = 'contracts';
UPDATE screening_parties SET party_kind = 'persons' WHERE party_kind = 'researchers';
UPDATE imports SET kind = 'tech-contracts' WHERE kind = 'contracts';
UPDATE imports SET kind = 'persons' WHERE kind = 'researchers';
UPDATE pending_uploads SET kind = 'tech-contracts' WHERE kind = 'contracts';
UPDATE pending_uploads SET kind = 'persons' WHERE kind = 'researchers';
