//! Passwords, logins, sessions and API tokens.

use chrono::Duration;
use kean_core::audit::{AuditDraft, sm3_hex};
use kean_core::{Actor, ErrorCode};
use kean_store::{SessionRow, User, WriteMeta};

use crate::password::{dummy_hash, random_token, verify_password};
use crate::{Access, App, AppError, Result};

#[derive(Debug, Clone)]
pub struct Settings {
    pub web_session: Duration,
    pub api_token: Duration,
    pub max_failed_logins: i64,
    pub lockout: Duration,
    /// Mark the session cookie `Secure` (when kean is served over HTTPS,
    /// directly or behind a proxy).
    pub secure_cookies: bool,
    /// The most bytes of staged uploads (waiting for their import to be
    /// confirmed) one user may have, and all users together.
    pub upload_quota: kean_store::UploadQuota,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            web_session: Duration::hours(8),
            api_token: Duration::days(30),
            max_failed_logins: 5,
            lockout: Duration::minutes(15),
            secure_cookies: false,
            upload_quota: kean_store::UploadQuota {
                per_user: 100 * 1024 * 1024,
                total: 1024 * 1024 * 1024,
            },
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionKind {
    /// A browser session (cookie), with a CSRF token for its forms.
    Web,
    /// A bearer token for the JSON API.
    Api,
}

impl SessionKind {
    fn code(self) -> &'static str {
        match self {
            SessionKind::Web => "web",
            SessionKind::Api => "api",
        }
    }
}

#[derive(Debug, Clone)]
pub struct LoginOk {
    /// The secret handed to the client; only its SM3 hash is stored.
    pub token: String,
    pub csrf_token: String,
    pub expires_at: String,
    pub user: User,
}

fn bad_credentials() -> AppError {
    AppError::new(
        ErrorCode::Unauthenticated,
        "用户名或密码错误",
        "wrong username or password",
    )
}

impl App {
    fn meta_for(&self, user_id: i64, name: &str) -> WriteMeta {
        WriteMeta {
            at: self.now_ts(),
            actor_id: user_id,
            actor: name.to_string(),
        }
    }

    /// Checks a username and password and opens a session. Failures are
    /// audited; after `max_failed_logins` failures in a row the account is
    /// locked for `lockout`.
    pub async fn login(&self, username: &str, password: &str, kind: SessionKind) -> Result<LoginOk> {
        let username = username.trim();
        let found = self
            .store()
            .user_by_username(username)
            .await
            .map_err(AppError::from_store)?;
        let Some((user, hash)) = found else {
            verify_password(password.to_string(), dummy_hash().await).await;
            let mut d = AuditDraft {
                at: self.now_ts(),
                actor_id: 0,
                actor: username.chars().take(64).collect(),
                action: "login_failed".into(),
                target: "users".into(),
                record_id: None,
                before: None,
                after: Some(serde_json::json!({ "reason": "unknown user" })),
            };
            d.actor = format!("unknown:{}", d.actor);
            self.store().append_audit(d).await.map_err(AppError::from_store)?;
            return Err(bad_credentials());
        };
        let now = self.now();
        if let Some(until) = &user.locked_until
            && until.as_str() > self.now_ts().as_str()
        {
            return Err(AppError::new(
                ErrorCode::AccountLocked,
                format!(
                    "连续登录失败次数过多，账号已锁定至 {}（北京时间），请稍后再试或联系管理员",
                    kean_core::display_time(until)
                ),
                format!("too many failed logins; the account is locked until {until} (UTC)"),
            ));
        }
        if user.disabled {
            return Err(AppError::new(
                ErrorCode::Unauthenticated,
                "账号已停用",
                "the account is disabled",
            ));
        }
        if !verify_password(password.to_string(), hash).await {
            let lock = if user.failed_logins + 1 >= self.settings.max_failed_logins {
                Some(kean_core::format_ts(now + self.settings.lockout))
            } else {
                None
            };
            self.store()
                .record_login_failure(user.id, lock.as_deref(), &self.meta_for(user.id, &user.username))
                .await
                .map_err(AppError::from_store)?;
            return Err(bad_credentials());
        }
        let token = random_token()?;
        let csrf_token = random_token()?;
        let ttl = match kind {
            SessionKind::Web => self.settings.web_session,
            SessionKind::Api => self.settings.api_token,
        };
        let expires_at = kean_core::format_ts(now + ttl);
        let row = SessionRow {
            user_id: user.id,
            kind: kind.code().into(),
            csrf_token: csrf_token.clone(),
            expires_at: expires_at.clone(),
        };
        self.store()
            .create_session(
                &sm3_hex(token.as_bytes()),
                &row,
                &self.meta_for(user.id, &user.username),
            )
            .await
            .map_err(AppError::from_store)?;
        Ok(LoginOk {
            token,
            csrf_token,
            expires_at,
            user,
        })
    }

    /// Resolves a session cookie or API token to the gate for its user and
    /// the session's CSRF token. The one place an [`Actor`] is made for a
    /// person.
    pub async fn authenticate(&self, token: &str, kind: SessionKind) -> Result<(Access, String)> {
        let unauth = || AppError::new(ErrorCode::Unauthenticated, "请先登录", "please log in");
        if token.is_empty() || token.len() > 128 {
            return Err(unauth());
        }
        let (row, user) = self
            .store()
            .session(&sm3_hex(token.as_bytes()))
            .await
            .map_err(AppError::from_store)?
            .ok_or_else(unauth)?;
        if row.kind != kind.code() || row.expires_at.as_str() <= self.now_ts().as_str() {
            return Err(AppError::new(
                ErrorCode::Unauthenticated,
                "登录已过期，请重新登录",
                "the session has expired; log in again",
            ));
        }
        if user.disabled {
            return Err(unauth());
        }
        #[allow(clippy::disallowed_methods)] // the login is where a person becomes an actor
        let actor = Actor::authenticated(user.id, user.username, user.display_name, user.role, user.org_id);
        Ok((self.access(actor), row.csrf_token))
    }

    /// kean's own access for an operator at the machine (the command line,
    /// the demo seeding, maintenance): every change it makes is audited as
    /// `system:NAME`. Not for request handlers, which get their [`Access`]
    /// from [`App::authenticate`] (kean-web's clippy.toml forbids it there).
    pub fn system_access(&self, name: &str) -> Access {
        #[allow(clippy::disallowed_methods)] // the operator's named access
        let actor = Actor::system(name);
        self.access(actor)
    }

    pub async fn logout(&self, token: &str, access: &Access) -> Result<()> {
        let actor = access.actor();
        self.store()
            .delete_session(
                &sm3_hex(token.as_bytes()),
                &self.meta_for(actor.user_id(), actor.username()),
            )
            .await
            .map_err(AppError::from_store)
    }
}
