-- kean schema v23: appending audit records in one statement (issue 12: the
-- cost of audited reads). A writer that knows the chain's head (a process
-- keeps the last one it saw, as a hint) seals its records after it and
-- inserts them here, all in one INSERT: for each row, in order, the database
-- moves the head on only from the head the row continues (seq one more,
-- prev_hash its hash; the head row is locked from there to the commit, and
-- a writer that waited for it sees the moved head) and refuses the whole
-- statement otherwise, then writes the row to audit_log. A stale hint
-- (another process appended meanwhile) is refused, never chained twice; the
-- writer then appends the ordinary way, the head locked and read in its
-- transaction. audit_log itself is unchanged: the other writers still lock
-- the head, insert and move it themselves.
CREATE VIEW audit_append AS SELECT seq, at, actor_id, actor, action, target, record_id, before_json, after_json, prev_hash, hash FROM audit_log WHERE FALSE;
CREATE FUNCTION audit_append_row() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN UPDATE audit_head SET seq = NEW.seq, hash = NEW.hash WHERE id = 1 AND seq = NEW.seq - 1 AND hash = NEW.prev_hash; IF NOT FOUND THEN RAISE EXCEPTION 'audit chain head moved'; END IF; INSERT INTO audit_log (seq, at, actor_id, actor, action, target, record_id, before_json, after_json, prev_hash, hash) VALUES (NEW.seq, NEW.at, NEW.actor_id, NEW.actor, NEW.action, NEW.target, NEW.record_id, NEW.before_json, NEW.after_json, NEW.prev_hash, NEW.hash); RETURN NEW; END $$;
CREATE TRIGGER audit_append_row INSTEAD OF INSERT ON audit_append FOR EACH ROW EXECUTE FUNCTION audit_append_row()
