-- kean schema v17: account security (等保 2.0 level 3, issue 12 item 9).
-- Passwords age and are not reused; a second factor (TOTP, RFC 6238) with
-- one-time recovery codes; sessions end when idle and carry the time of
-- their last authentication (re-authentication before sensitive acts).
-- When the password was last set (NULL: as old as the account); demo
-- accounts' published passwords never expire.
ALTER TABLE users ADD COLUMN password_changed_at TEXT;
ALTER TABLE users ADD COLUMN password_never_expires BIGINT NOT NULL DEFAULT 0;
-- The TOTP secret (base32), pending until confirmed by a valid code
-- (totp_enabled = 1), and the last time step accepted (a code is accepted once).
ALTER TABLE users ADD COLUMN totp_secret TEXT;
ALTER TABLE users ADD COLUMN totp_enabled BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN totp_last_step BIGINT;
-- The argon2id hashes of an account's previous passwords (the last five are kept).
CREATE TABLE password_history (
    user_id BIGINT NOT NULL,
    password_hash TEXT NOT NULL,
    changed_at TEXT NOT NULL
);
CREATE INDEX password_history_user_idx ON password_history (user_id, changed_at);
-- The argon2id hashes of an account's recovery codes, each usable once.
CREATE TABLE recovery_codes (
    user_id BIGINT NOT NULL,
    code_hash TEXT NOT NULL,
    used_at TEXT
);
CREATE INDEX recovery_codes_user_idx ON recovery_codes (user_id);
-- A session's last request (idle timeout), its last authentication with
-- password (and second factor) — at login or re-authentication —, whether
-- its second factor is still to be given ('second_factor') or not ('full'),
-- and the account's previous login, shown after this one.
ALTER TABLE sessions ADD COLUMN last_seen_at TEXT;
ALTER TABLE sessions ADD COLUMN authenticated_at TEXT;
ALTER TABLE sessions ADD COLUMN stage TEXT NOT NULL DEFAULT 'full';
ALTER TABLE sessions ADD COLUMN previous_login TEXT
