-- kean schema v20: the auditor's search of the audit log (issue 12, item 8),
-- newest first, by recorded username, by action, and by time; the search by
-- record uses audit_log_target_idx (target, record_id), the security
-- administrator's view of the auditor's acts audit_log_actor_idx (actor_id, …).
CREATE INDEX audit_log_actor_name_idx ON audit_log (actor, seq);
CREATE INDEX audit_log_action_idx ON audit_log (action, seq);
CREATE INDEX audit_log_at_idx ON audit_log (at)
