-- kean schema v23: appending audit records in one statement (issue 12: the
-- cost of audited reads). A writer that knows the chain's head (a process
-- keeps the last one it saw, as a hint) seals its records after it and
-- inserts them here, all in one INSERT: for each row, in order, the database
-- refuses the whole statement unless the row continues the head as stored
-- (seq one more, prev_hash its hash), writes it to audit_log and moves the
-- head on. A stale hint (another process appended meanwhile) is refused,
-- never chained twice; the writer then appends the ordinary way, the head
-- locked and read in its transaction. audit_log itself is unchanged: the
-- other writers still lock the head, insert and move it themselves.
CREATE VIEW audit_append AS SELECT seq, at, actor_id, actor, action, target, record_id, before_json, after_json, prev_hash, hash FROM audit_log WHERE 0;
CREATE TRIGGER audit_append_row INSTEAD OF INSERT ON audit_append BEGIN SELECT RAISE(ABORT, 'audit chain head moved') WHERE NOT EXISTS (SELECT 1 FROM audit_head WHERE id = 1 AND seq = NEW.seq - 1 AND hash = NEW.prev_hash); INSERT INTO audit_log (seq, at, actor_id, actor, action, target, record_id, before_json, after_json, prev_hash, hash) VALUES (NEW.seq, NEW.at, NEW.actor_id, NEW.actor, NEW.action, NEW.target, NEW.record_id, NEW.before_json, NEW.after_json, NEW.prev_hash, NEW.hash); UPDATE audit_head SET seq = NEW.seq, hash = NEW.hash WHERE id = 1; END
