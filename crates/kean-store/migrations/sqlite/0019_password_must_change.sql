-- kean schema v19: a password an administrator set (a new account, a reset) is the
-- holder's to replace at the first login (等保 2.0: the initial password is changed by
-- its user). Passwords set at the machine (`kean user create`) and the holders' own
-- changes leave it unset.
ALTER TABLE users ADD COLUMN password_must_change BIGINT NOT NULL DEFAULT 0;
