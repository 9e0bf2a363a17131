//! Passwords, logins, sessions and API tokens.

use std::net::IpAddr;

use chrono::Duration;
use kean_core::audit::{AuditDraft, sm3_hex};
use kean_core::{Actor, ErrorCode};
use kean_store::{SessionRow, User, WriteMeta};

use crate::account::{PreviousLogin, SessionInfo, Stage, enrolment_required, password_expired, second_factor_missing};
use crate::password::{dummy_hash, random_token, verify_password};
use crate::throttle::Noted;
use crate::{Access, App, AppError, Result};

/// The address failures are counted by: an IPv4 address, or an IPv6
/// address's /64 network (one host commonly holds all of it).
pub(crate) fn throttle_key(ip: IpAddr) -> IpAddr {
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
    /// A browser session's absolute lifetime (12 hours).
    pub web_session: Duration,
    /// A browser session ends after this long without a request (30 minutes).
    pub idle_timeout: Duration,
    /// An API token's lifetime (30 days; no idle timeout).
    pub api_token: Duration,
    /// A password's age at which it must be changed (90 days).
    pub password_max_age: Duration,
    /// How recent an authentication a sensitive act needs (10 minutes).
    pub reauth_window: Duration,
    /// Whether the roles of [`crate::requires_second_factor`] must enrol a
    /// second factor before they may do anything (on by default; the
    /// integration tests of other capabilities turn it off).
    pub second_factor_mandatory: bool,
    /// Mark the session cookie `Secure` (when kean is served over HTTPS,
    /// directly or behind a proxy).
    pub secure_cookies: bool,
    /// Count failed logins by the last address of `X-Forwarded-For` (kean
    /// behind a reverse proxy that sets it) instead of the connection's peer.
    pub trust_forwarded_for: bool,
    /// The most bytes of staged uploads (waiting for their import to be
    /// confirmed) one user may have, and all users together.
    pub upload_quota: kean_store::UploadQuota,
    /// The city the bureau serves (晋中市): a technology contract whose
    /// buyer's region does not name it takes the technology out of the
    /// city's chain (the transfer audit flags chokepoint items leaving).
    /// Empty: only a foreign counterparty counts as leaving.
    pub city: String,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            web_session: Duration::hours(12),
            idle_timeout: Duration::minutes(30),
            api_token: Duration::days(30),
            password_max_age: Duration::days(90),
            reauth_window: Duration::minutes(10),
            second_factor_mandatory: true,
            secure_cookies: false,
            trust_forwarded_for: false,
            upload_quota: kean_store::UploadQuota {
                per_user: 100 * 1024 * 1024,
                total: 1024 * 1024 * 1024,
            },
            city: String::new(),
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
    /// What the login still needs (a web login's second factor, an expired
    /// password's change, a mandatory enrolment) before the session is full.
    pub stage: Stage,
    /// The account's login before this one.
    pub previous_login: Option<PreviousLogin>,
}

fn bad_credentials() -> AppError {
    AppError::new(
        ErrorCode::Unauthenticated,
        "用户名或密码错误",
        "wrong username or password",
    )
}

impl App {
    pub(crate) fn meta_for(&self, user_id: i64, name: &str) -> WriteMeta {
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
        self.login_with(username, password, None, kind, source).await
    }

    /// [`App::login`] with the second factor (a one-time code or a recovery
    /// code). An API token is only issued to a login that is complete: the
    /// second factor given when enrolled, the password not expired, a
    /// mandatory second factor enrolled. A web login without the code opens
    /// a session in the stage that asks for it (see `account`).
    pub async fn login_with(
        &self,
        username: &str,
        password: &str,
        second: Option<&str>,
        kind: SessionKind,
        source: IpAddr,
    ) -> Result<LoginOk> {
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
        let mut stored_stage = "full";
        if user.totp_enabled {
            match (kind, second.filter(|c| !c.trim().is_empty())) {
                (_, Some(code)) => self.second_factor_or_fail(&user, code, source).await?,
                (SessionKind::Web, None) => stored_stage = "second_factor",
                (SessionKind::Api, None) => return Err(second_factor_missing()),
            }
        }
        if kind == SessionKind::Api {
            match self.stage_of(&user, stored_stage) {
                Stage::PasswordChange => return Err(password_expired()),
                Stage::Enrol => return Err(enrolment_required()),
                _ => {}
            }
        }
        self.login_guard.succeeded(username, source, now);
        let previous_login = self.previous_login(user.id).await?;
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
            created_at: self.now_ts(),
            last_seen_at: None,
            authenticated_at: (stored_stage == "full").then(|| self.now_ts()),
            stage: stored_stage.into(),
            previous_login: previous_login.as_ref().and_then(|p| serde_json::to_string(p).ok()),
            source: Some(source.to_string()),
        };
        self.store()
            .create_session(
                &sm3_hex(token.as_bytes()),
                &row,
                &self.meta_for(user.id, &user.username),
            )
            .await
            .map_err(AppError::from_store)?;
        let stage = self.stage_of(&user, stored_stage);
        Ok(LoginOk {
            token,
            csrf_token,
            expires_at,
            user,
            stage,
            previous_login,
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
    /// the session's CSRF token — only for a complete login: a session still
    /// waiting for its second factor or the enrolment of one answers
    /// `second_factor_required`, one whose password expired `password_expired`.
    pub async fn authenticate(&self, token: &str, kind: SessionKind) -> Result<(Access, String)> {
        let (access, csrf, stage) = self.authenticate_pending(token, kind).await?;
        match stage {
            Stage::Full => Ok((access, csrf)),
            Stage::SecondFactor => Err(second_factor_missing()),
            Stage::Enrol => Err(enrolment_required()),
            Stage::PasswordChange => Err(password_expired()),
        }
    }

    /// Resolves a session in any stage, with the stage. The one place an
    /// [`Actor`] is made for a person; the pages of the stages before a
    /// complete login (second factor, password change, enrolment) use it
    /// and only the account's own methods. A browser session ends after
    /// `Settings::idle_timeout` without a request and at its absolute end.
    pub async fn authenticate_pending(&self, token: &str, kind: SessionKind) -> Result<(Access, String, Stage)> {
        let unauth = || AppError::new(ErrorCode::Unauthenticated, "请先登录", "please log in");
        if token.is_empty() || token.len() > 128 {
            return Err(unauth());
        }
        let token_hash = sm3_hex(token.as_bytes());
        let (row, user) = self
            .store()
            .session(&token_hash)
            .await
            .map_err(AppError::from_store)?
            .ok_or_else(unauth)?;
        let now = self.now();
        let now_ts = kean_core::format_ts(now);
        if row.kind != kind.code() || row.expires_at.as_str() <= now_ts.as_str() {
            return Err(AppError::new(
                ErrorCode::Unauthenticated,
                "登录已过期，请重新登录",
                "the session has expired; log in again",
            ));
        }
        let parse = |t: &str| {
            chrono::DateTime::parse_from_rfc3339(t)
                .ok()
                .map(|t| t.with_timezone(&chrono::Utc))
        };
        let last_seen = parse(row.last_seen_at.as_deref().unwrap_or(&row.created_at));
        if kind == SessionKind::Web && last_seen.is_none_or(|t| now - t >= self.settings.idle_timeout) {
            let mins = self.settings.idle_timeout.num_minutes();
            return Err(AppError::new(
                ErrorCode::Unauthenticated,
                format!("超过 {mins} 分钟未操作，登录已过期，请重新登录"),
                format!("no activity for {mins} minutes: the session has expired; log in again"),
            ));
        }
        // Noted at most once a minute: a write per request would cost every
        // page a transaction. (An API token's is its "last used", shown to
        // its holder; only a browser session ends when idle.)
        if last_seen.is_some_and(|t| now - t >= Duration::seconds(60))
            || (kind == SessionKind::Api && row.last_seen_at.is_none())
        {
            self.store()
                .touch_session(&token_hash, &now_ts)
                .await
                .map_err(AppError::from_store)?;
        }
        if user.disabled {
            return Err(unauth());
        }
        let stage = self.stage_of(&user, &row.stage);
        let info = SessionInfo {
            token_hash,
            authenticated_at: row.authenticated_at.as_deref().and_then(parse),
            previous_login: row.previous_login.as_deref().and_then(|p| serde_json::from_str(p).ok()),
        };
        #[allow(clippy::disallowed_methods)] // the login is where a person becomes an actor
        let actor = Actor::authenticated(
            user.id,
            user.username,
            user.display_name,
            user.role,
            user.org_id,
            user.clearance,
        );
        let mut access = self.access(actor);
        access.session = Some(info);
        Ok((access, row.csrf_token, stage))
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
