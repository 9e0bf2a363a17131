//! Passwords, logins, sessions and API tokens.

use std::net::IpAddr;

use chrono::Duration;
use kean_core::audit::{AuditDraft, sm3_hex};
use kean_core::{Actor, ErrorCode};
use kean_store::{SessionRow, User, WriteMeta};

use crate::password::{dummy_hash, random_token, verify_password};
use crate::throttle::Noted;
use crate::{Access, App, AppError, Result};

/// The address failures are counted by: an IPv4 address, or an IPv6
/// address's /64 network (one host commonly holds all of it).
fn throttle_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let mut seg = v6.segments();
                seg[4..].fill(0);
                IpAddr::V6(std::net::Ipv6Addr::from(seg))
            }
        },
    }
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub web_session: Duration,
    pub api_token: Duration,
    /// Mark the session cookie `Secure` (when kean is served over HTTPS,
    /// directly or behind a proxy).
    pub secure_cookies: bool,
    /// Count failed logins by the last address of `X-Forwarded-For` (kean
    /// behind a reverse proxy that sets it) instead of the connection's peer.
    pub trust_forwarded_for: bool,
    /// The most bytes of staged uploads (waiting for their import to be
    /// confirmed) one user may have, and all users together.
    pub upload_quota: kean_store::UploadQuota,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            web_session: Duration::hours(8),
            api_token: Duration::days(30),
            secure_cookies: false,
            trust_forwarded_for: false,
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

    /// Checks a username and password from `source` (the client's
    /// address) and opens a session. An unknown username, a wrong password
    /// and a disabled account get the same answer after the same work (an
    /// unknown name is verified against a dummy hash); only the right
    /// password of a disabled account is told so. Failures back off
    /// exponentially per username and address, per address and per
    /// username (`throttle`), never locking the account; they are audited
    /// per address and window, not per attempt.
    pub async fn login(&self, username: &str, password: &str, kind: SessionKind, source: IpAddr) -> Result<LoginOk> {
        let username = username.trim();
        kean_core::record::check_text("username", username, 128, false).map_err(|e| AppError::validation(vec![e]))?;
        let source = throttle_key(source);
        let now = self.now();
        self.audit_login_floods(now).await?;
        if let Some(wait) = self.login_guard.wait(username, source, now) {
            let secs = wait.num_seconds() + i64::from(wait.subsec_nanos() > 0);
            return Err(AppError::new(
                ErrorCode::TooManyAttempts,
                format!("登录失败次数过多，请 {secs} 秒后再试"),
                format!("too many failed logins; try again in {secs} seconds"),
            ));
        }
        let found = self
            .store()
            .user_by_username(username)
            .await
            .map_err(AppError::from_store)?;
        let (user, verified) = match found {
            Some((user, hash)) => {
                let ok = verify_password(password.to_string(), hash).await;
                (Some(user), ok)
            }
            None => {
                verify_password(password.to_string(), dummy_hash().await).await;
                (None, false)
            }
        };
        let user = match user {
            Some(user) if verified && !user.disabled => user,
            Some(_) if verified => {
                // Only who knows the password learns the account is disabled.
                return Err(AppError::new(
                    ErrorCode::Unauthenticated,
                    "账号已停用",
                    "the account is disabled",
                ));
            }
            user => {
                let reason = match &user {
                    None => "unknown user",
                    Some(u) if u.disabled => "disabled account",
                    Some(_) => "wrong password",
                };
                if self.login_guard.failed(username, source, now) == Noted::First {
                    let (actor_id, actor) = match &user {
                        Some(u) => (u.id, u.username.clone()),
                        None => (0, format!("unknown:{}", username.chars().take(64).collect::<String>())),
                    };
                    let d = AuditDraft {
                        at: self.now_ts(),
                        actor_id,
                        actor,
                        action: "login_failed".into(),
                        target: "users".into(),
                        record_id: user.as_ref().map(|u| u.id),
                        before: None,
                        after: Some(serde_json::json!({ "reason": reason, "source": source.to_string() })),
                    };
                    self.store().append_audit(d).await.map_err(AppError::from_store)?;
                }
                return Err(bad_credentials());
            }
        };
        self.login_guard.succeeded(username, source, now);
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

    /// Records the login-failure windows that have ended (one
    /// `login_failures` record per address and window); called by each
    /// login and periodically by the server.
    pub async fn audit_login_floods(&self, now: chrono::DateTime<chrono::Utc>) -> Result<()> {
        for f in self.login_guard.due(now) {
            let d = AuditDraft {
                at: self.now_ts(),
                actor_id: 0,
                actor: format!("source:{}", f.source),
                action: "login_failures".into(),
                target: "users".into(),
                record_id: None,
                before: None,
                after: Some(serde_json::json!({
                    "source": f.source.to_string(),
                    "from": kean_core::format_ts(f.from),
                    "until": kean_core::format_ts(f.until),
                    "failures": f.failures,
                    "refused": f.refused,
                    "usernames": f.names,
                })),
            };
            self.store().append_audit(d).await.map_err(AppError::from_store)?;
        }
        Ok(())
    }

    /// Forgets the failed logins of `username` (an administrator unlocked it).
    pub(crate) fn forget_login_failures(&self, username: &str) {
        self.login_guard.forget(username);
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
        let actor = Actor::authenticated(
            user.id,
            user.username,
            user.display_name,
            user.role,
            user.org_id,
            user.clearance,
        );
        Ok((self.access(actor), row.csrf_token))
    }

    /// Whether any account exists (a new database has none until the
    /// first administrator is created at the machine). All it tells an
    /// anonymous visitor is that kean is not set up yet.
    pub async fn has_accounts(&self) -> Result<bool> {
        Ok(!self
            .store()
            .list_users()
            .await
            .map_err(AppError::from_store)?
            .is_empty())
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
