-- kean schema v14: the audit log read by account and action — how many
-- conflicts with other organizations' records an account has met lately
-- (the probe budget), and the auditor's search by actor.
CREATE INDEX audit_log_actor_idx ON audit_log (actor_id, action, at);
