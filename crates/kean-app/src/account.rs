//! Account security (等保 2.0 level 3, issue 12 item 9): the second factor
//! (TOTP, RFC 6238: SHA-1, 6 digits, 30-second steps, one step either side,
//! each step accepted once) with ten one-time recovery codes (argon2id
//! hashes), the password's age and history, the stages a login passes
//! through, re-authentication before sensitive acts, and the account's own
//! login history.
//!
//! A login's **stage** is computed on every request from the session and
//! the account (nothing to forget to update):
//! 1. `SecondFactor` — the password was right, the enrolled second factor is
//!    still to be given (the session was opened in stage `second_factor`);
//! 2. `PasswordChange` — the password is older than the setting allows
//!    (`Settings::password_max_age`, 90 days) and must be changed first;
//! 3. `Enrol` — the role requires a second factor ([`requires_second_factor`])
//!    and none is enrolled: the account may only enrol one;
//! 4. `Full`.
//!
//! Only a `Full` session gets an [`Access`] through [`App::authenticate`];
//! the pages of the other stages use [`App::authenticate_pending`] and only
//! the methods of this module.

use chrono::{DateTime, Duration, Utc};
use kean_core::audit::{AuditEntry, sm3_hex};
use kean_core::{ErrorCode, FieldError, Role};
use kean_store::{User, UserChange};
use serde::Serialize;

use crate::password::{check_password_policy, hash_password, verify_password};
use crate::{Access, App, AppError, Result};

/// Whether accounts of `role` must have a second factor: the three
/// administrators of 三员分立 (系统管理员, 安全保密管理员, 安全审计员);
/// optional for the business roles.
pub fn requires_second_factor(role: Role) -> bool {
    role.is_one_of_three()
}

/// How many passwords an account may not reuse: the current one and the
/// four before it (the history keeps four).
pub const PASSWORD_HISTORY: usize = 5;

/// How many recovery codes an enrolment hands out.
pub const RECOVERY_CODES: usize = 10;

/// Where a login stands; see the module's documentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    SecondFactor,
    PasswordChange,
    Enrol,
    Full,
}

/// The account's login before the current one, shown after logging in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct PreviousLogin {
    pub at: String,
    pub source: Option<String>,
    /// Failed logins recorded for the account since then.
    pub failed_since: i64,
}

/// What the session behind an [`Access`] knows.
#[derive(Debug, Clone)]
pub(crate) struct SessionInfo {
    pub token_hash: String,
    pub authenticated_at: Option<DateTime<Utc>>,
    pub previous_login: Option<PreviousLogin>,
}

/// A new second factor, not active until a valid code confirms it.
#[derive(Debug, Clone)]
pub struct Enrolment {
    /// The secret, base32 (RFC 4648, no padding), for typing in.
    pub secret: String,
    /// `otpauth://totp/…`, what authenticator apps read (from a QR code or pasted).
    pub uri: String,
}

/// The account's own security settings, for its page.
#[derive(Debug, Clone, Serialize)]
pub struct AccountView {
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub password_changed_at: String,
    /// When the password expires (`None`: never, a demo account).
    pub password_expires_at: Option<String>,
    pub second_factor_enabled: bool,
    pub second_factor_required: bool,
    pub recovery_codes_left: usize,
    /// Contact details the holder keeps (个人中心).
    pub phone: Option<String>,
    pub email: Option<String>,
}

/// One entry of the account's own login history.
#[derive(Debug, Clone, Serialize)]
pub struct LoginEvent {
    pub at: String,
    /// `login`, `login_failed`, `logout`, `second_factor`, `reauthenticate`, `password_change`.
    pub action: String,
    pub source: Option<String>,
    pub detail: Option<String>,
}

fn parse_ts(ts: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(ts).ok().map(|t| t.with_timezone(&Utc))
}

fn totp_of(secret_b32: &str) -> Result<totp_rs::Totp> {
    let secret = totp_rs::Secret::try_from_base32(secret_b32)
        .map_err(|e| AppError::internal(format!("stored TOTP secret: {e:?}")))?;
    totp_rs::Builder::new()
        .with_secret(secret)
        .build()
        .map_err(|e| AppError::internal(format!("TOTP: {e:?}")))
}

fn unix_secs(t: DateTime<Utc>) -> u64 {
    u64::try_from(t.timestamp()).unwrap_or(0)
}

/// The six-digit code of `secret_b32` at `at` (what an authenticator app
/// shows; the tests compute codes with it from the server's clock).
pub fn totp_code(secret_b32: &str, at: DateTime<Utc>) -> Result<String> {
    Ok(totp_of(secret_b32)?.generate(unix_secs(at)).to_string())
}

/// The time step a code matches at `now` (± one step), if any.
fn totp_step(secret_b32: &str, code: &str, now: DateTime<Utc>) -> Result<Option<i64>> {
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(None);
    }
    Ok(totp_of(secret_b32)?
        .check(code, unix_secs(now))
        .and_then(|s| i64::try_from(s).ok()))
}

fn new_secret() -> Result<String> {
    let mut buf = [0u8; 20];
    getrandom::fill(&mut buf).map_err(|e| AppError::internal(format!("random source failed: {e}")))?;
    Ok(totp_rs::Secret::from(buf).to_base32())
}

/// A recovery code as handed out: ten characters of a–z and 2–9 in two groups.
fn new_recovery_code() -> Result<String> {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyz23456789";
    let mut buf = [0u8; 10];
    getrandom::fill(&mut buf).map_err(|e| AppError::internal(format!("random source failed: {e}")))?;
    let s: String = buf
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect();
    Ok(format!("{}-{}", &s[..5], &s[5..]))
}

/// A recovery code as typed: lower case, without spaces or dashes.
fn normalize_recovery(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The hash whose code `code` is, verified off the async threads.
async fn matching_hash(code: String, hashes: Vec<String>) -> Option<String> {
    tokio::task::spawn_blocking(move || {
        use argon2::password_hash::PasswordVerifier;
        hashes.into_iter().find(|h| {
            argon2::password_hash::phc::PasswordHash::new(h)
                .is_ok_and(|p| argon2::Argon2::default().verify_password(code.as_bytes(), &p).is_ok())
        })
    })
    .await
    .ok()
    .flatten()
}

pub(crate) fn second_factor_wrong() -> AppError {
    AppError::field(
        ErrorCode::SecondFactorRequired,
        FieldError::new(
            "totp",
            "动态口令或恢复码错误（动态口令为认证器显示的6位数字，每个只能使用一次）",
            "the one-time code or recovery code is wrong (the code is the 6 digits your authenticator shows, each usable once)",
        ),
    )
}

pub(crate) fn second_factor_missing() -> AppError {
    AppError::field(
        ErrorCode::SecondFactorRequired,
        FieldError::new(
            "totp",
            "该账号已启用双因素认证：请同时提供认证器显示的6位动态口令或一个恢复码",
            "this account uses a second factor: also give the 6-digit code your authenticator shows, or a recovery code",
        ),
    )
}

pub(crate) fn enrolment_required() -> AppError {
    AppError::new(
        ErrorCode::SecondFactorRequired,
        "该角色必须启用双因素认证：请先在网页登录并绑定认证器（我的账号 → 双因素认证）",
        "this role requires a second factor: sign in on the web and enrol an authenticator first (My account → Second factor)",
    )
}

pub(crate) fn password_expired() -> AppError {
    AppError::new(
        ErrorCode::PasswordExpired,
        "请先修改密码：密码已过期，或为管理员设置的初始密码",
        "change the password first: it has expired, or an administrator set it",
    )
}

fn reauthentication_required() -> AppError {
    AppError::new(
        ErrorCode::ReauthenticationRequired,
        "该操作需要重新验证身份：请再次输入密码（已启用双因素认证的还需动态口令）",
        "this act needs a fresh authentication: give your password again (and your one-time code, if enrolled)",
    )
}

impl App {
    /// When `user`'s password expires (`None`: never).
    pub(crate) fn password_expires(&self, user: &User) -> Option<DateTime<Utc>> {
        if user.password_never_expires {
            return None;
        }
        let set = parse_ts(user.password_changed_at.as_deref().unwrap_or(&user.created_at))?;
        Some(set + self.settings.password_max_age)
    }

    /// The stage of a session of `user` whose stored stage is `stored`.
    pub(crate) fn stage_of(&self, user: &User, stored: &str) -> Stage {
        if stored == "second_factor" {
            Stage::SecondFactor
        } else if user.password_must_change || self.password_expires(user).is_some_and(|t| t <= self.now()) {
            Stage::PasswordChange
        } else if self.settings.second_factor_mandatory && requires_second_factor(user.role) && !user.totp_enabled {
            Stage::Enrol
        } else {
            Stage::Full
        }
    }

    /// Checks a one-time code or a recovery code of an enrolled account; a
    /// code is accepted once (its time step, or the recovery code, is used up).
    pub(crate) async fn check_second_factor(&self, user: &User, code: &str) -> Result<bool> {
        let code = code.trim();
        let state = self.store().totp_state(user.id).await.map_err(AppError::from_store)?;
        let Some(secret) = state.secret.filter(|_| state.enabled) else {
            return Ok(false);
        };
        let digits: String = code.chars().filter(|c| !c.is_whitespace()).collect();
        if let Some(step) = totp_step(&secret, &digits, self.now())? {
            return self
                .store()
                .accept_totp_step(user.id, step)
                .await
                .map_err(AppError::from_store);
        }
        let typed = normalize_recovery(code);
        if typed.len() != 10 {
            return Ok(false);
        }
        let hashes = self
            .store()
            .recovery_code_hashes(user.id)
            .await
            .map_err(AppError::from_store)?;
        let Some(hash) = matching_hash(format!("{}-{}", &typed[..5], &typed[5..]), hashes).await else {
            return Ok(false);
        };
        self.store()
            .use_recovery_code(user.id, &hash, &self.meta_for(user.id, &user.username))
            .await
            .map_err(AppError::from_store)
    }

    /// The account's login before now, from the audit log: the last
    /// successful login, and the failed logins recorded since.
    pub(crate) async fn previous_login(&self, user_id: i64) -> Result<Option<PreviousLogin>> {
        let history = self
            .store()
            .login_history(user_id, 200)
            .await
            .map_err(AppError::from_store)?;
        let mut failed = 0;
        for e in &history {
            match e.draft.action.as_str() {
                "login_failed" => failed += 1,
                "login" => {
                    return Ok(Some(PreviousLogin {
                        at: e.draft.at.clone(),
                        source: source_of(e),
                        failed_since: failed,
                    }));
                }
                _ => {}
            }
        }
        Ok(None)
    }

    /// The second step of a web login: the enrolled second factor of the
    /// session `token` (in stage `SecondFactor`). Wrong codes count as failed
    /// logins (the same backoff as passwords).
    pub async fn give_second_factor(&self, token: &str, code: &str, source: std::net::IpAddr) -> Result<()> {
        let (access, _, stage) = self.authenticate_pending(token, crate::SessionKind::Web).await?;
        if stage != Stage::SecondFactor {
            return Ok(());
        }
        let user = self.user_of(&access).await?;
        self.second_factor_or_fail(&user, code, source).await?;
        self.store()
            .session_authenticated(
                &sm3_hex(token.as_bytes()),
                "second_factor",
                &self.meta_for(user.id, &user.username),
            )
            .await
            .map_err(AppError::from_store)
    }

    async fn user_of(&self, access: &Access) -> Result<User> {
        self.store()
            .user_by_id(access.actor().user_id())
            .await
            .map_err(AppError::from_store)?
            .ok_or_else(AppError::not_found)
    }
}

fn source_of(e: &AuditEntry) -> Option<String> {
    e.draft
        .after
        .as_ref()
        .and_then(|a| a.get("source"))
        .and_then(|s| s.as_str())
        .map(String::from)
}

impl Access {
    /// The account's previous login (shown after logging in).
    pub fn previous_login(&self) -> Option<&PreviousLogin> {
        self.session.as_ref().and_then(|s| s.previous_login.as_ref())
    }

    /// The guard of a sensitive act: the holder authenticated (logged in or
    /// re-authenticated) within `within`, or the act is refused with
    /// `reauthentication_required`. An operator at the machine (system
    /// access) is not asked. Called today by user management (creating
    /// accounts, unlocking, disabling, setting passwords, resetting second
    /// factors); declassification, important-data export and clearance
    /// changes call it when they arrive (`Access::require_fresh_auth`).
    pub fn require_recent_auth(&self, within: Duration) -> Result<()> {
        let Some(s) = &self.session else {
            return Ok(());
        };
        match s.authenticated_at {
            Some(t) if self.app.now() - t <= within => Ok(()),
            _ => Err(reauthentication_required()),
        }
    }

    /// [`Access::require_recent_auth`] within the deployment's window
    /// (`Settings::reauth_window`, 10 minutes by default).
    pub fn require_fresh_auth(&self) -> Result<()> {
        self.require_recent_auth(self.app.settings.reauth_window)
    }

    /// Authenticates the holder again (password, and the second factor if
    /// enrolled), renewing the session's authentication time. Wrong answers
    /// count as failed logins.
    pub async fn reauthenticate(&self, password: &str, code: Option<&str>, source: std::net::IpAddr) -> Result<()> {
        let Some(s) = &self.session else {
            return Ok(());
        };
        let user = self.app.user_of(self).await?;
        let name = user.username.clone();
        let source = crate::auth::throttle_key(source);
        self.app.wait_or_refuse(&name, source)?;
        let (_, hash) = self
            .app
            .store()
            .user_by_username(&name)
            .await
            .map_err(AppError::from_store)?
            .ok_or_else(AppError::not_found)?;
        if !verify_password(password.to_string(), hash).await {
            self.app
                .note_failure(&user, "wrong password (re-authentication)", source)
                .await?;
            return Err(AppError::field(
                ErrorCode::Unauthenticated,
                FieldError::new("password", "密码错误", "the password is wrong"),
            ));
        }
        if user.totp_enabled {
            self.app
                .second_factor_or_fail(&user, code.unwrap_or(""), source)
                .await?;
        }
        self.app
            .store()
            .session_authenticated(&s.token_hash, "reauthenticate", &self.meta())
            .await
            .map_err(AppError::from_store)
    }

    fn own_user_id(&self) -> Result<i64> {
        if self.session.is_none() {
            return Err(AppError::new(
                ErrorCode::Forbidden,
                "只有登录的账号才有“我的账号”",
                "only a signed-in account has an account page",
            ));
        }
        Ok(self.actor().user_id())
    }

    /// The holder's own account settings.
    pub async fn my_account(&self) -> Result<AccountView> {
        self.own_user_id()?;
        let user = self.app.user_of(self).await?;
        let left = self
            .app
            .store()
            .recovery_code_hashes(user.id)
            .await
            .map_err(AppError::from_store)?
            .len();
        let (phone, email) = self.app.store().contact(user.id).await.map_err(AppError::from_store)?;
        Ok(AccountView {
            phone,
            email,
            password_changed_at: user.password_changed_at.clone().unwrap_or(user.created_at.clone()),
            password_expires_at: self.app.password_expires(&user).map(kean_core::format_ts),
            second_factor_enabled: user.totp_enabled,
            second_factor_required: requires_second_factor(user.role),
            recovery_codes_left: if user.totp_enabled { left } else { 0 },
            role: user.role.code().to_string(),
            username: user.username,
            display_name: user.display_name,
        })
    }

    /// The holder's own logins, failed logins, logouts, second factors,
    /// re-authentications and password changes, newest first — never
    /// anyone else's.
    pub async fn my_login_history(&self, limit: u32) -> Result<Vec<LoginEvent>> {
        let id = self.own_user_id()?;
        let entries = self
            .app
            .store()
            .login_history(id, limit.clamp(1, 500))
            .await
            .map_err(AppError::from_store)?;
        Ok(entries
            .iter()
            .map(|e| LoginEvent {
                at: e.draft.at.clone(),
                action: e.draft.action.clone(),
                source: source_of(e),
                detail: e
                    .draft
                    .after
                    .as_ref()
                    .and_then(|a| a.get("reason").or_else(|| a.get("kind")))
                    .and_then(|s| s.as_str())
                    .map(String::from),
            })
            .collect())
    }

    /// Changes the holder's own password: the current one must be given;
    /// the new one must meet the policy and differ from the last
    /// [`PASSWORD_HISTORY`] passwords. Nothing changes when any check fails;
    /// after the change the account's other sessions and tokens end.
    pub async fn change_my_password(&self, current: &str, new: &str, confirm: &str) -> Result<()> {
        let id = self.own_user_id()?;
        let user = self.app.user_of(self).await?;
        let (hash, history) = self
            .app
            .store()
            .password_hashes(id)
            .await
            .map_err(AppError::from_store)?;
        if !verify_password(current.to_string(), hash.clone()).await {
            return Err(AppError::validation(vec![FieldError::new(
                "current_password",
                "当前密码：不正确",
                "current password: wrong",
            )]));
        }
        let mut errors = Vec::new();
        if let Err(e) = check_password_policy(new, &user.username) {
            errors.push(e);
        }
        if new != confirm {
            errors.push(FieldError::new(
                "confirm_password",
                "确认密码：与新密码不一致",
                "confirm password: does not match the new password",
            ));
        }
        if errors.is_empty() {
            for old in std::iter::once(hash).chain(history).take(PASSWORD_HISTORY) {
                if verify_password(new.to_string(), old).await {
                    errors.push(FieldError::new(
                        "new_password",
                        format!("新密码：不能与最近 {PASSWORD_HISTORY} 次使用过的密码相同"),
                        format!("new password: must differ from your last {PASSWORD_HISTORY} passwords"),
                    ));
                    break;
                }
            }
        }
        if !errors.is_empty() {
            return Err(AppError::validation(errors));
        }
        let change = UserChange::OwnPassword {
            hash: hash_password(new.to_string()).await?,
            keep: (PASSWORD_HISTORY - 1) as i64,
            session: self.session.as_ref().map(|s| s.token_hash.clone()),
        };
        self.app
            .store()
            .change_user(id, &change, &self.meta())
            .await
            .map_err(AppError::from_store)?;
        Ok(())
    }

    /// Starts (or shows again) the holder's enrolment of a second factor.
    pub async fn begin_second_factor(&self) -> Result<Enrolment> {
        let id = self.own_user_id()?;
        let state = self.app.store().totp_state(id).await.map_err(AppError::from_store)?;
        if state.enabled {
            return Err(AppError::new(
                ErrorCode::Conflict,
                "已启用双因素认证；如需更换认证器，请联系管理员重置",
                "a second factor is already enrolled; ask an administrator to reset it to enrol another",
            ));
        }
        let secret = match state.secret {
            Some(s) => s,
            None => {
                let s = new_secret()?;
                self.app
                    .store()
                    .set_pending_totp(id, &s)
                    .await
                    .map_err(AppError::from_store)?;
                s
            }
        };
        let account = self.actor().username();
        Ok(Enrolment {
            uri: format!("otpauth://totp/kean:{account}?secret={secret}&issuer=kean&algorithm=SHA1&digits=6&period=30"),
            secret,
        })
    }

    /// Confirms the enrolment with a code from the authenticator: the
    /// second factor becomes active and the [`RECOVERY_CODES`] recovery
    /// codes are returned, the only time they are shown.
    pub async fn confirm_second_factor(&self, code: &str) -> Result<Vec<String>> {
        let id = self.own_user_id()?;
        let state = self.app.store().totp_state(id).await.map_err(AppError::from_store)?;
        let secret = match state.secret {
            Some(s) if !state.enabled => s,
            _ => {
                return Err(AppError::new(
                    ErrorCode::Conflict,
                    "没有待确认的认证器：请先打开绑定页面",
                    "there is no enrolment to confirm: open the enrolment page first",
                ));
            }
        };
        let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
        let Some(step) = totp_step(&secret, &code, self.app.now())? else {
            return Err(AppError::field(
                ErrorCode::ValidationFailed,
                FieldError::new(
                    "totp",
                    "动态口令：不正确（请输入认证器当前显示的6位数字，并核对手机时间）",
                    "code: wrong (type the 6 digits the authenticator shows now, and check the phone's clock)",
                ),
            ));
        };
        let mut codes = Vec::with_capacity(RECOVERY_CODES);
        let mut hashes = Vec::with_capacity(RECOVERY_CODES);
        for _ in 0..RECOVERY_CODES {
            let c = new_recovery_code()?;
            hashes.push(hash_password(c.clone()).await?);
            codes.push(c);
        }
        self.app
            .store()
            .enable_totp(id, step, &hashes, &self.meta())
            .await
            .map_err(AppError::from_store)?;
        Ok(codes)
    }
}

impl App {
    /// Refuses while the backoff of `name` from `source` lasts.
    pub(crate) fn wait_or_refuse(&self, name: &str, source: std::net::IpAddr) -> Result<()> {
        if let Some(wait) = self.login_guard.wait(name, source, self.now()) {
            let secs = wait.num_seconds() + i64::from(wait.subsec_nanos() > 0);
            return Err(AppError::new(
                ErrorCode::TooManyAttempts,
                format!("登录失败次数过多，请 {secs} 秒后再试"),
                format!("too many failed logins; try again in {secs} seconds"),
            ));
        }
        Ok(())
    }

    /// Counts a failed login of a known account and audits it as the
    /// password failures are (the first of the address's window).
    pub(crate) async fn note_failure(&self, user: &User, reason: &str, source: std::net::IpAddr) -> Result<()> {
        if self.login_guard.failed(&user.username, source, self.now()) == crate::throttle::Noted::First {
            let d = kean_core::audit::AuditDraft {
                at: self.now_ts(),
                actor_id: user.id,
                actor: user.username.clone(),
                action: "login_failed".into(),
                target: "users".into(),
                record_id: Some(user.id),
                before: None,
                after: Some(serde_json::json!({ "reason": reason, "source": source.to_string() })),
            };
            self.store().append_audit(d).await.map_err(AppError::from_store)?;
        }
        Ok(())
    }

    /// Checks the second factor of an enrolled account, counting a wrong
    /// one as a failed login.
    pub(crate) async fn second_factor_or_fail(&self, user: &User, code: &str, source: std::net::IpAddr) -> Result<()> {
        let source = crate::auth::throttle_key(source);
        self.wait_or_refuse(&user.username, source)?;
        if code.trim().is_empty() {
            return Err(second_factor_missing());
        }
        if !self.check_second_factor(user, code).await? {
            self.note_failure(user, "wrong second factor", source).await?;
            return Err(second_factor_wrong());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_6238_sha1_vectors() {
        // RFC 6238 appendix B, SHA-1, the 20-byte ASCII secret
        // "12345678901234567890", the last six of the eight digits.
        let secret = totp_rs::Secret::from(*b"12345678901234567890").to_base32();
        let at = |s: i64| DateTime::from_timestamp(s, 0).unwrap();
        assert_eq!(totp_code(&secret, at(59)).unwrap(), "287082");
        assert_eq!(totp_code(&secret, at(1_111_111_109)).unwrap(), "081804");
        assert_eq!(totp_code(&secret, at(2_000_000_000)).unwrap(), "279037");
        // One step either side is accepted, two are not.
        let now = at(1_111_111_109);
        let code = totp_code(&secret, now).unwrap();
        assert!(
            totp_step(&secret, &code, now + Duration::seconds(30))
                .unwrap()
                .is_some()
        );
        assert!(
            totp_step(&secret, &code, now - Duration::seconds(30))
                .unwrap()
                .is_some()
        );
        assert!(
            totp_step(&secret, &code, now + Duration::seconds(61))
                .unwrap()
                .is_none()
        );
        assert!(totp_step(&secret, "12345", now).unwrap().is_none());
    }

    #[test]
    fn recovery_codes_read_as_typed() {
        let c = new_recovery_code().unwrap();
        assert_eq!(c.len(), 11);
        assert_eq!(normalize_recovery(&c.to_uppercase().replace('-', " ")).len(), 10);
        for role in [Role::SystemAdmin, Role::SecurityAdmin, Role::Auditor] {
            assert!(requires_second_factor(role), "{role:?}");
        }
        for role in [Role::Admin, Role::Reviewer, Role::Liaison, Role::Researcher] {
            assert!(!requires_second_factor(role), "{role:?}");
        }
    }
}

/// One of the account's API tokens as its holder sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenView {
    /// What names it in a revocation: its SM3 hash (the token itself is
    /// never stored).
    pub id: String,
    pub created_at: String,
    pub last_used_at: Option<String>,
    pub expires_at: String,
    /// The token this request came with.
    pub current: bool,
}

impl Access {
    /// The account's own API tokens not yet expired, newest first.
    pub async fn my_api_tokens(&self) -> Result<Vec<TokenView>> {
        let me = self.actor().user_id();
        let current = self.session.as_ref().map(|s| s.token_hash.clone());
        Ok(self
            .app
            .store()
            .api_tokens(me, &self.app.now_ts())
            .await
            .map_err(AppError::from_store)?
            .into_iter()
            .map(|t| TokenView {
                current: current.as_deref() == Some(t.token_hash.as_str()),
                id: t.token_hash,
                created_at: t.created_at,
                last_used_at: t.last_used_at,
                expires_at: t.expires_at,
            })
            .collect())
    }

    /// Revokes one of the account's own API tokens (audited `token_revoke`);
    /// another account's token, or none, is "not found".
    pub async fn revoke_my_api_token(&self, id: &str) -> Result<()> {
        let valid = id.len() == 64 && id.bytes().all(|b| b.is_ascii_hexdigit());
        if !valid
            || !self
                .app
                .store()
                .revoke_api_token(self.actor().user_id(), id, &self.meta())
                .await
                .map_err(AppError::from_store)?
        {
            return Err(AppError::new(
                ErrorCode::NotFound,
                "没有这个接口令牌（或已过期、已撤销）",
                "no such API token (or it expired or was revoked)",
            ));
        }
        Ok(())
    }
}

impl Access {
    /// The holder's own display name and contact details (audited
    /// `profile_update`). Each field is checked and every problem named.
    pub async fn update_my_profile(&self, display_name: &str, phone: &str, email: &str) -> Result<AccountView> {
        let me = self.own_user_id()?;
        let mut errors = Vec::new();
        let name = display_name.trim();
        if name.is_empty()
            || name.chars().count() > 50
            || kean_core::record::check_text("display_name", name, 50, false).is_err()
        {
            errors.push(FieldError::new(
                "display_name",
                "姓名：必填，最多50个字符，不含控制字符",
                "display name: required, at most 50 characters, no control characters",
            ));
        }
        let phone = phone.trim();
        let digits = phone.chars().filter(|c| c.is_ascii_digit()).count();
        if !phone.is_empty()
            && (!(7..=20).contains(&digits) || !phone.chars().all(|c| c.is_ascii_digit() || " -+()（）转".contains(c)))
        {
            errors.push(FieldError::new(
                "phone",
                "联系电话：7–20位数字，可含 -、空格、括号或分机“转”",
                "telephone: 7–20 digits, with optional -, spaces, brackets or an extension",
            ));
        }
        let email = email.trim();
        let ok_email = email.is_empty()
            || (email.chars().count() <= 100
                && !email.chars().any(|c| c.is_whitespace() || c.is_control())
                && email.split_once('@').is_some_and(|(a, d)| {
                    !a.is_empty() && d.contains('.') && !d.starts_with('.') && !d.ends_with('.')
                }));
        if !ok_email {
            errors.push(FieldError::new(
                "email",
                "电子邮箱：格式应如 name@example.cn，最多100个字符",
                "e-mail: like name@example.cn, at most 100 characters",
            ));
        }
        if !errors.is_empty() {
            return Err(AppError::validation(errors));
        }
        fn opt(s: &str) -> Option<&str> {
            (!s.is_empty()).then_some(s)
        }
        self.app
            .store()
            .update_profile(me, name, opt(phone), opt(email), &self.meta())
            .await
            .map_err(AppError::from_store)?;
        self.my_account().await
    }
}
