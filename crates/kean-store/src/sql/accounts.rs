//! Users, sessions and staged uploads.

use async_trait::async_trait;
use kean_core::Kind;
use sqlx::Row;

use crate::error::{Result, StoreError};
use crate::types::{NewUser, SessionRow, TotpState, UploadQuota, User, UserChange, WriteMeta};

use super::SqlStore;
use super::args::{AUDIT_COLS, Arg, USER_COLS, decode_audit, decode_user, q};
use super::write_tx::draft;
use crate::traits::AccountStore;

/// Previous passwords kept after an administrator's reset (kean-app's
/// history: the current password and four before it).
const PASSWORDS_KEPT: i64 = 4;

#[async_trait]
impl AccountStore for SqlStore {
    async fn create_user(&self, user: &NewUser, meta: &WriteMeta) -> Result<User> {
        let mut tx = self.write_tx().await?;
        // A taken username fails the INSERT on its unique index
        // (StoreError::Duplicate naming `username`).
        let id: i64 = q(
            "INSERT INTO users (username, display_name, role, org_id, password_hash, created_at, updated_at, \
             password_changed_at, password_never_expires, password_must_change) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $6, $8, $9) RETURNING id"
                .into(),
            vec![
                Arg::Text(Some(user.username.clone())),
                Arg::Text(Some(user.display_name.clone())),
                Arg::Text(Some(user.role.code().to_string())),
                Arg::Int(user.org_id),
                Arg::Text(Some(user.password_hash.clone())),
                Arg::Text(Some(meta.at.clone())),
                Arg::Text(Some(meta.at.clone())),
                Arg::Int(Some(user.password_never_expires as i64)),
                Arg::Int(Some(user.password_must_change as i64)),
            ],
        )
        .fetch_one(&mut *tx)
        .await?
        .try_get("id")?;
        let row = q(
            format!("SELECT {USER_COLS} FROM users WHERE id = $1"),
            vec![Arg::Int(Some(id))],
        )
        .fetch_one(&mut *tx)
        .await?;
        let created = decode_user(&row)?;
        let mut d = draft(meta, "create", "users", Some(id));
        // The password hash never enters the audit log.
        d.after = Some(serde_json::json!({
            "username": created.username, "display_name": created.display_name,
            "role": created.role.code(), "org_id": created.org_id,
        }));
        tx.audit(d);
        tx.commit().await?;
        Ok(created)
    }

    async fn user_by_username(&self, username: &str) -> Result<Option<(User, String)>> {
        let row = q(
            format!("SELECT {USER_COLS}, password_hash FROM users WHERE username = $1"),
            vec![Arg::Text(Some(username.to_string()))],
        )
        .fetch_optional(&self.pool)
        .await?;
        match row {
            Some(r) => Ok(Some((decode_user(&r)?, r.try_get("password_hash")?))),
            None => Ok(None),
        }
    }

    async fn user_by_id(&self, id: i64) -> Result<Option<User>> {
        let row = q(
            format!("SELECT {USER_COLS} FROM users WHERE id = $1"),
            vec![Arg::Int(Some(id))],
        )
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(decode_user).transpose()
    }

    async fn list_users(&self) -> Result<Vec<User>> {
        q(format!("SELECT {USER_COLS} FROM users ORDER BY id"), vec![])
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(decode_user)
            .collect()
    }

    async fn record_login_failure(&self, user_id: i64, locked_until: Option<&str>, meta: &WriteMeta) -> Result<()> {
        let mut tx = self.write_tx().await?;
        q(
            "UPDATE users SET failed_logins = failed_logins + 1, locked_until = COALESCE($1, locked_until) WHERE id = $2"
                .into(),
            vec![Arg::Text(locked_until.map(String::from)), Arg::Int(Some(user_id))],
        )
        .execute(&mut *tx)
        .await?;
        let mut d = draft(
            meta,
            if locked_until.is_some() { "lock" } else { "login_failed" },
            "users",
            Some(user_id),
        );
        d.after = locked_until.map(|t| serde_json::json!({ "locked_until": t }));
        tx.audit(d);
        tx.commit().await?;
        Ok(())
    }

    async fn create_session(&self, token_hash: &str, row: &SessionRow, meta: &WriteMeta) -> Result<()> {
        let mut tx = self.write_tx().await?;
        q(
            "UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = $1".into(),
            vec![Arg::Int(Some(row.user_id))],
        )
        .execute(&mut *tx)
        .await?;
        q(
            "DELETE FROM sessions WHERE expires_at < $1".into(),
            vec![Arg::Text(Some(meta.at.clone()))],
        )
        .execute(&mut *tx)
        .await?;
        q(
            "INSERT INTO sessions (token_hash, user_id, kind, csrf_token, created_at, expires_at, last_seen_at, \
             authenticated_at, stage, previous_login) VALUES ($1, $2, $3, $4, $5, $6, $5, $7, $8, $9)"
                .into(),
            vec![
                Arg::Text(Some(token_hash.to_string())),
                Arg::Int(Some(row.user_id)),
                Arg::Text(Some(row.kind.clone())),
                Arg::Text(Some(row.csrf_token.clone())),
                Arg::Text(Some(meta.at.clone())),
                Arg::Text(Some(row.expires_at.clone())),
                Arg::Text(row.authenticated_at.clone()),
                Arg::Text(Some(row.stage.clone())),
                Arg::Text(row.previous_login.clone()),
            ],
        )
        .execute(&mut *tx)
        .await?;
        let mut d = draft(meta, "login", "sessions", Some(row.user_id));
        d.after = Some(serde_json::json!({
            "kind": row.kind, "expires_at": row.expires_at, "source": row.source, "stage": row.stage,
        }));
        tx.audit(d);
        tx.commit().await?;
        Ok(())
    }

    async fn session(&self, token_hash: &str) -> Result<Option<(SessionRow, User)>> {
        let cols = USER_COLS
            .split(", ")
            .map(|c| format!("u.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        let row = q(
            format!(
                "SELECT s.user_id, s.kind, s.csrf_token, s.expires_at, s.created_at AS session_created_at, \
                 s.last_seen_at, s.authenticated_at, s.stage, s.previous_login, {cols} \
                 FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1"
            ),
            vec![Arg::Text(Some(token_hash.to_string()))],
        )
        .fetch_optional(&self.pool)
        .await?;
        match row {
            Some(r) => Ok(Some((
                SessionRow {
                    user_id: r.try_get("user_id")?,
                    kind: r.try_get("kind")?,
                    csrf_token: r.try_get("csrf_token")?,
                    expires_at: r.try_get("expires_at")?,
                    created_at: r.try_get("session_created_at")?,
                    last_seen_at: r.try_get("last_seen_at")?,
                    authenticated_at: r.try_get("authenticated_at")?,
                    stage: r.try_get("stage")?,
                    previous_login: r.try_get("previous_login")?,
                    source: None,
                },
                decode_user(&r)?,
            ))),
            None => Ok(None),
        }
    }

    async fn put_upload(
        &self,
        token_hash: &str,
        user_id: i64,
        kind: Kind,
        file_name: &str,
        content: &[u8],
        at: &str,
        expire_before: &str,
        quota: UploadQuota,
    ) -> Result<()> {
        let mut tx = self.write_tx().await?;
        q(
            "DELETE FROM pending_uploads WHERE created_at < $1".into(),
            vec![Arg::Text(Some(expire_before.to_string()))],
        )
        .execute(&mut *tx)
        .await?;
        // A new upload for a kind replaces the user's earlier one (whose
        // check was shown and can no longer be confirmed).
        q(
            "DELETE FROM pending_uploads WHERE user_id = $1 AND kind = $2".into(),
            vec![Arg::Int(Some(user_id)), Arg::Text(Some(kind.slug().to_string()))],
        )
        .execute(&mut *tx)
        .await?;
        // The user's row is locked so that two uploads of one user are
        // counted one after the other (PostgreSQL; SQLite has one writer).
        q(
            "UPDATE users SET id = id WHERE id = $1".into(),
            vec![Arg::Int(Some(user_id))],
        )
        .execute(&mut *tx)
        .await?;
        let row = q(
            "SELECT COALESCE(SUM(CASE WHEN user_id = $1 THEN LENGTH(content) ELSE 0 END), 0) AS mine, \
             COALESCE(SUM(LENGTH(content)), 0) AS total FROM pending_uploads"
                .into(),
            vec![Arg::Int(Some(user_id))],
        )
        .fetch_one(&mut *tx)
        .await?;
        let (mine, total): (i64, i64) = (row.try_get("mine")?, row.try_get("total")?);
        let size = content.len() as u64;
        if mine.max(0) as u64 + size > quota.per_user {
            return Err(StoreError::QuotaExceeded {
                all_users: false,
                limit: quota.per_user,
            });
        }
        if total.max(0) as u64 + size > quota.total {
            return Err(StoreError::QuotaExceeded {
                all_users: true,
                limit: quota.total,
            });
        }
        sqlx::query(
            "INSERT INTO pending_uploads (token_hash, user_id, kind, file_name, content, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(token_hash.to_string())
        .bind(user_id)
        .bind(kind.slug().to_string())
        .bind(file_name.to_string())
        .bind(content.to_vec())
        .bind(at.to_string())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn get_upload(
        &self,
        token_hash: &str,
        user_id: i64,
        not_before: &str,
    ) -> Result<Option<(Kind, String, Vec<u8>)>> {
        let row = q(
            "SELECT kind, file_name, content FROM pending_uploads \
             WHERE token_hash = $1 AND user_id = $2 AND created_at >= $3"
                .into(),
            vec![
                Arg::Text(Some(token_hash.to_string())),
                Arg::Int(Some(user_id)),
                Arg::Text(Some(not_before.to_string())),
            ],
        )
        .fetch_optional(&self.pool)
        .await?;
        match row {
            Some(r) => {
                let slug: String = r.try_get("kind")?;
                let kind = Kind::from_slug(&slug).ok_or_else(|| StoreError::other(format!("unknown kind {slug}")))?;
                Ok(Some((kind, r.try_get("file_name")?, r.try_get("content")?)))
            }
            None => Ok(None),
        }
    }

    async fn delete_upload(&self, token_hash: &str) -> Result<()> {
        let mut tx = self.write_tx().await?;
        q(
            "DELETE FROM pending_uploads WHERE token_hash = $1".into(),
            vec![Arg::Text(Some(token_hash.to_string()))],
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn change_user(&self, user_id: i64, change: &UserChange, meta: &WriteMeta) -> Result<User> {
        let mut tx = self.write_tx().await?;
        let (sql, args, action, after) = match change {
            UserChange::Unlock => (
                "UPDATE users SET failed_logins = 0, locked_until = NULL, updated_at = $1 WHERE id = $2",
                vec![Arg::Text(Some(meta.at.clone())), Arg::Int(Some(user_id))],
                "unlock",
                serde_json::json!({}),
            ),
            UserChange::SetDisabled(d) => (
                "UPDATE users SET disabled = $1, updated_at = $2 WHERE id = $3",
                vec![
                    Arg::Int(Some(*d as i64)),
                    Arg::Text(Some(meta.at.clone())),
                    Arg::Int(Some(user_id)),
                ],
                if *d { "disable" } else { "enable" },
                serde_json::json!({ "disabled": d }),
            ),
            UserChange::Password { hash, must_change } => (
                "UPDATE users SET password_hash = $1, failed_logins = 0, locked_until = NULL, updated_at = $2, \
                 password_must_change = $4 WHERE id = $3",
                vec![
                    Arg::Text(Some(hash.clone())),
                    Arg::Text(Some(meta.at.clone())),
                    Arg::Int(Some(user_id)),
                    Arg::Int(Some(*must_change as i64)),
                ],
                "password_reset",
                serde_json::json!({}),
            ),
            // A role or a clearance: one column, audited with its value before.
            UserChange::Role(_) | UserChange::Clearance(_) => {
                let (column, value, action) = match change {
                    UserChange::Role(r) => ("role", r.code(), "set_role"),
                    UserChange::Clearance(c) => ("clearance", c.code(), "set_clearance"),
                    _ => unreachable!("matched above"),
                };
                let before: Option<String> = q(
                    format!("SELECT {column} AS v FROM users WHERE id = $1"),
                    vec![Arg::Int(Some(user_id))],
                )
                .fetch_optional(&mut *tx)
                .await?
                .map(|r| r.try_get("v"))
                .transpose()?;
                (
                    if column == "role" {
                        "UPDATE users SET role = $1, updated_at = $2 WHERE id = $3"
                    } else {
                        "UPDATE users SET clearance = $1, updated_at = $2 WHERE id = $3"
                    },
                    vec![
                        Arg::Text(Some(value.to_string())),
                        Arg::Text(Some(meta.at.clone())),
                        Arg::Int(Some(user_id)),
                    ],
                    action,
                    serde_json::json!({ column: value, "before": before }),
                )
            }
            UserChange::Organization(org) => {
                let before: Option<Option<i64>> = q(
                    "SELECT org_id AS v FROM users WHERE id = $1".into(),
                    vec![Arg::Int(Some(user_id))],
                )
                .fetch_optional(&mut *tx)
                .await?
                .map(|r| r.try_get("v"))
                .transpose()?;
                (
                    "UPDATE users SET org_id = $1, updated_at = $2 WHERE id = $3",
                    vec![
                        Arg::Int(*org),
                        Arg::Text(Some(meta.at.clone())),
                        Arg::Int(Some(user_id)),
                    ],
                    "set_organization",
                    serde_json::json!({ "org_id": org, "before": before.flatten() }),
                )
            }
            UserChange::OwnPassword { hash, .. } => (
                "UPDATE users SET password_hash = $1, password_changed_at = $2, updated_at = $2, \
                 password_must_change = 0 WHERE id = $3",
                vec![
                    Arg::Text(Some(hash.clone())),
                    Arg::Text(Some(meta.at.clone())),
                    Arg::Int(Some(user_id)),
                ],
                "password_change",
                serde_json::json!({}),
            ),
            UserChange::ResetSecondFactor => (
                "UPDATE users SET totp_secret = NULL, totp_enabled = 0, totp_last_step = NULL, updated_at = $1 WHERE id = $2",
                vec![Arg::Text(Some(meta.at.clone())), Arg::Int(Some(user_id))],
                "second_factor_reset",
                serde_json::json!({}),
            ),
        };
        if let UserChange::Password { .. } | UserChange::OwnPassword { .. } = change {
            // The password being replaced joins the history first.
            q(
                "INSERT INTO password_history (user_id, password_hash, changed_at) \
                 SELECT id, password_hash, $1 FROM users WHERE id = $2"
                    .into(),
                vec![Arg::Text(Some(meta.at.clone())), Arg::Int(Some(user_id))],
            )
            .execute(&mut *tx)
            .await?;
        }
        let n = q(sql.into(), args).execute(&mut *tx).await?.rows_affected();
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        let keep = match change {
            UserChange::OwnPassword { keep, .. } => Some(*keep),
            // An administrator's reset keeps as many as the holder's change.
            UserChange::Password { .. } => Some(PASSWORDS_KEPT),
            _ => None,
        };
        if let Some(keep) = keep {
            // The last `keep` previous passwords are kept, older ones forgotten.
            let old: Vec<String> = q(
                "SELECT changed_at FROM password_history WHERE user_id = $1 ORDER BY changed_at DESC".into(),
                vec![Arg::Int(Some(user_id))],
            )
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|r| r.try_get::<String, _>("changed_at"))
            .collect::<std::result::Result<_, _>>()?;
            if let Some(cut) = old.get(keep.max(0) as usize) {
                q(
                    "DELETE FROM password_history WHERE user_id = $1 AND changed_at <= $2".into(),
                    vec![Arg::Int(Some(user_id)), Arg::Text(Some(cut.clone()))],
                )
                .execute(&mut *tx)
                .await?;
            }
        }
        if let UserChange::Password { .. } = change {
            q(
                "UPDATE users SET password_changed_at = $1 WHERE id = $2".into(),
                vec![Arg::Text(Some(meta.at.clone())), Arg::Int(Some(user_id))],
            )
            .execute(&mut *tx)
            .await?;
        }
        if let UserChange::OwnPassword { session, .. } = change {
            q(
                "DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2".into(),
                vec![
                    Arg::Int(Some(user_id)),
                    Arg::Text(Some(session.clone().unwrap_or_default())),
                ],
            )
            .execute(&mut *tx)
            .await?;
        }
        if let UserChange::ResetSecondFactor = change {
            q(
                "DELETE FROM recovery_codes WHERE user_id = $1".into(),
                vec![Arg::Int(Some(user_id))],
            )
            .execute(&mut *tx)
            .await?;
        }
        if matches!(
            change,
            UserChange::SetDisabled(true) | UserChange::Password { .. } | UserChange::ResetSecondFactor
        ) {
            q(
                "DELETE FROM sessions WHERE user_id = $1".into(),
                vec![Arg::Int(Some(user_id))],
            )
            .execute(&mut *tx)
            .await?;
        }
        let mut d = draft(meta, action, "users", Some(user_id));
        d.after = Some(after);
        tx.audit(d);
        let row = q(
            format!("SELECT {USER_COLS} FROM users WHERE id = $1"),
            vec![Arg::Int(Some(user_id))],
        )
        .fetch_one(&mut *tx)
        .await?;
        let user = decode_user(&row)?;
        tx.commit().await?;
        Ok(user)
    }

    async fn touch_session(&self, token_hash: &str, at: &str) -> Result<()> {
        let mut tx = self.write_tx().await?;
        q(
            "UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2".into(),
            vec![Arg::Text(Some(at.to_string())), Arg::Text(Some(token_hash.to_string()))],
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn session_authenticated(&self, token_hash: &str, action: &str, meta: &WriteMeta) -> Result<()> {
        let mut tx = self.write_tx().await?;
        let n = q(
            "UPDATE sessions SET stage = 'full', authenticated_at = $1, last_seen_at = $1 WHERE token_hash = $2".into(),
            vec![
                Arg::Text(Some(meta.at.clone())),
                Arg::Text(Some(token_hash.to_string())),
            ],
        )
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        tx.audit(draft(meta, action, "sessions", Some(meta.actor_id)));
        tx.commit().await?;
        Ok(())
    }

    async fn password_hashes(&self, user_id: i64) -> Result<(String, Vec<String>)> {
        let current: String = q(
            "SELECT password_hash FROM users WHERE id = $1".into(),
            vec![Arg::Int(Some(user_id))],
        )
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?
        .try_get("password_hash")?;
        let history = q(
            "SELECT password_hash FROM password_history WHERE user_id = $1 ORDER BY changed_at DESC".into(),
            vec![Arg::Int(Some(user_id))],
        )
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| r.try_get::<String, _>("password_hash"))
        .collect::<std::result::Result<_, _>>()?;
        Ok((current, history))
    }

    async fn totp_state(&self, user_id: i64) -> Result<TotpState> {
        let r = q(
            "SELECT totp_secret, totp_enabled, totp_last_step FROM users WHERE id = $1".into(),
            vec![Arg::Int(Some(user_id))],
        )
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        Ok(TotpState {
            secret: r.try_get("totp_secret")?,
            enabled: r.try_get::<i64, _>("totp_enabled")? != 0,
            last_step: r.try_get("totp_last_step")?,
        })
    }

    async fn set_pending_totp(&self, user_id: i64, secret: &str) -> Result<bool> {
        let mut tx = self.write_tx().await?;
        let n = q(
            "UPDATE users SET totp_secret = $1 WHERE id = $2 AND totp_enabled = 0".into(),
            vec![Arg::Text(Some(secret.to_string())), Arg::Int(Some(user_id))],
        )
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        Ok(n > 0)
    }

    async fn enable_totp(&self, user_id: i64, step: i64, code_hashes: &[String], meta: &WriteMeta) -> Result<()> {
        let mut tx = self.write_tx().await?;
        let n = q(
            "UPDATE users SET totp_enabled = 1, totp_last_step = $1, updated_at = $2 \
             WHERE id = $3 AND totp_enabled = 0 AND totp_secret IS NOT NULL"
                .into(),
            vec![
                Arg::Int(Some(step)),
                Arg::Text(Some(meta.at.clone())),
                Arg::Int(Some(user_id)),
            ],
        )
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        q(
            "DELETE FROM recovery_codes WHERE user_id = $1".into(),
            vec![Arg::Int(Some(user_id))],
        )
        .execute(&mut *tx)
        .await?;
        for h in code_hashes {
            q(
                "INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)".into(),
                vec![Arg::Int(Some(user_id)), Arg::Text(Some(h.clone()))],
            )
            .execute(&mut *tx)
            .await?;
        }
        let mut d = draft(meta, "second_factor_enrolled", "users", Some(user_id));
        d.after = Some(serde_json::json!({ "method": "totp", "recovery_codes": code_hashes.len() }));
        tx.audit(d);
        tx.commit().await?;
        Ok(())
    }

    async fn accept_totp_step(&self, user_id: i64, step: i64) -> Result<bool> {
        let mut tx = self.write_tx().await?;
        let n = q(
            "UPDATE users SET totp_last_step = $1 WHERE id = $2 AND totp_enabled = 1 \
             AND (totp_last_step IS NULL OR totp_last_step < $1)"
                .into(),
            vec![Arg::Int(Some(step)), Arg::Int(Some(user_id))],
        )
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        Ok(n > 0)
    }

    async fn recovery_code_hashes(&self, user_id: i64) -> Result<Vec<String>> {
        q(
            "SELECT code_hash FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL".into(),
            vec![Arg::Int(Some(user_id))],
        )
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| Ok(r.try_get::<String, _>("code_hash")?))
        .collect()
    }

    async fn use_recovery_code(&self, user_id: i64, code_hash: &str, meta: &WriteMeta) -> Result<bool> {
        let mut tx = self.write_tx().await?;
        let n = q(
            "UPDATE recovery_codes SET used_at = $1 WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL".into(),
            vec![
                Arg::Text(Some(meta.at.clone())),
                Arg::Int(Some(user_id)),
                Arg::Text(Some(code_hash.to_string())),
            ],
        )
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n > 0 {
            tx.audit(draft(meta, "recovery_code_used", "users", Some(user_id)));
        }
        tx.commit().await?;
        Ok(n > 0)
    }

    async fn login_history(&self, user_id: i64, limit: u32) -> Result<Vec<kean_core::audit::AuditEntry>> {
        q(
            format!(
                "SELECT {AUDIT_COLS} FROM audit_log WHERE actor_id = $1 AND action IN ('login', 'login_failed', \
                 'logout', 'second_factor', 'reauthenticate', 'password_change') ORDER BY seq DESC LIMIT $2"
            ),
            vec![Arg::Int(Some(user_id)), Arg::Int(Some(i64::from(limit)))],
        )
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(decode_audit)
        .collect()
    }

    async fn contact(&self, user_id: i64) -> Result<(Option<String>, Option<String>)> {
        let r = q(
            "SELECT phone, email FROM users WHERE id = $1".into(),
            vec![Arg::Int(Some(user_id))],
        )
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        Ok((r.try_get("phone")?, r.try_get("email")?))
    }

    async fn update_profile(
        &self,
        user_id: i64,
        display_name: &str,
        phone: Option<&str>,
        email: Option<&str>,
        meta: &WriteMeta,
    ) -> Result<()> {
        let mut tx = self.write_tx().await?;
        let before = q(
            "SELECT display_name, phone, email FROM users WHERE id = $1".into(),
            vec![Arg::Int(Some(user_id))],
        )
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound)?;
        let (old_name, old_phone, old_email): (String, Option<String>, Option<String>) = (
            before.try_get("display_name")?,
            before.try_get("phone")?,
            before.try_get("email")?,
        );
        q(
            "UPDATE users SET display_name = $1, phone = $2, email = $3, updated_at = $4 WHERE id = $5".into(),
            vec![
                Arg::Text(Some(display_name.to_string())),
                Arg::Text(phone.map(str::to_string)),
                Arg::Text(email.map(str::to_string)),
                Arg::Text(Some(meta.at.clone())),
                Arg::Int(Some(user_id)),
            ],
        )
        .execute(&mut *tx)
        .await?;
        let mut d = draft(meta, "profile_update", "users", Some(user_id));
        d.before = Some(serde_json::json!({ "display_name": old_name, "phone": old_phone, "email": old_email }));
        d.after = Some(serde_json::json!({ "display_name": display_name, "phone": phone, "email": email }));
        tx.audit(d);
        tx.commit().await?;
        Ok(())
    }

    async fn api_tokens(&self, user_id: i64, now: &str) -> Result<Vec<crate::types::ApiToken>> {
        q(
            "SELECT token_hash, created_at, last_seen_at, expires_at FROM sessions \
             WHERE user_id = $1 AND kind = 'api' AND expires_at > $2 ORDER BY created_at DESC, token_hash"
                .into(),
            vec![Arg::Int(Some(user_id)), Arg::Text(Some(now.to_string()))],
        )
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(crate::types::ApiToken {
                token_hash: r.try_get("token_hash")?,
                created_at: r.try_get("created_at")?,
                last_used_at: r.try_get("last_seen_at")?,
                expires_at: r.try_get("expires_at")?,
            })
        })
        .collect()
    }

    async fn revoke_api_token(&self, user_id: i64, token_hash: &str, meta: &WriteMeta) -> Result<bool> {
        let mut tx = self.write_tx().await?;
        let n = q(
            "DELETE FROM sessions WHERE token_hash = $1 AND user_id = $2 AND kind = 'api'".into(),
            vec![Arg::Text(Some(token_hash.to_string())), Arg::Int(Some(user_id))],
        )
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            tx.rollback().await?;
            return Ok(false);
        }
        let mut d = draft(meta, "token_revoke", "sessions", Some(user_id));
        // The hash's head names the token in the log (the hash is no secret).
        d.after = Some(serde_json::json!({ "token": &token_hash[..token_hash.len().min(12)] }));
        tx.audit(d);
        tx.commit().await?;
        Ok(true)
    }

    async fn delete_session(&self, token_hash: &str, meta: &WriteMeta) -> Result<()> {
        let mut tx = self.write_tx().await?;
        let n = q(
            "DELETE FROM sessions WHERE token_hash = $1".into(),
            vec![Arg::Text(Some(token_hash.to_string()))],
        )
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n > 0 {
            tx.audit(draft(meta, "logout", "sessions", Some(meta.actor_id)));
        }
        tx.commit().await?;
        Ok(())
    }
}
