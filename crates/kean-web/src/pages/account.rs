//! The account's own pages: the steps of a login after the password (the
//! second factor, a forced password change, a mandatory enrolment),
//! re-authentication before sensitive acts, and 我的账号 (settings and the
//! account's own login history).

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kean_app::{AppError, Stage};
use kean_core::ErrorCode;

use super::auth::safe_next;
use crate::auth::{PendingForm, PendingUser, Source, WebForm, WebUser};
use crate::i18n::Lang;
use crate::respond::{OrPage, PageResult, render};
use crate::views::{Chrome, last_login_text};

#[derive(Template)]
#[template(path = "step.html")]
struct StepPage {
    lang: Lang,
    csrf: String,
    title: String,
    intro: String,
    errors: Vec<String>,
    /// `code`, `password`, `enrol`, `codes` or `reauth`.
    mode: &'static str,
    action: &'static str,
    next: String,
    secret: String,
    uri: String,
    codes: Vec<String>,
    totp_field: bool,
}

fn tr(lang: Lang, zh: &str, en: &str) -> String {
    if lang.zh() { zh.to_string() } else { en.to_string() }
}

/// An error's message and each field's, in the reader's language.
fn messages(lang: Lang, e: &AppError) -> Vec<String> {
    let pick = |zh: &str, en: &str| tr(lang, zh, en);
    if e.fields.is_empty() {
        vec![pick(&e.message_zh, &e.message_en)]
    } else {
        e.fields.iter().map(|f| pick(&f.message_zh, &f.message_en)).collect()
    }
}

fn status(e: &AppError) -> StatusCode {
    StatusCode::from_u16(e.code.http_status()).unwrap_or(StatusCode::BAD_REQUEST)
}

fn step(lang: Lang, csrf: &str, mode: &'static str, action: &'static str) -> StepPage {
    let (title, intro) = match mode {
        "code" => (
            tr(lang, "双因素认证", "Second factor"),
            tr(
                lang,
                "请输入认证器显示的6位动态口令；手机不在身边时可使用一个恢复码。",
                "Type the 6-digit code your authenticator shows; without your phone, use a recovery code.",
            ),
        ),
        "password" => (tr(lang, "修改密码", "Change password"), String::new()),
        "enrol" => (
            tr(lang, "绑定认证器", "Enrol an authenticator"),
            tr(
                lang,
                "在手机认证器（如微信小程序“腾讯身份验证器”、Google Authenticator）中添加以下密钥，然后输入它显示的6位动态口令以确认。",
                "Add this secret to an authenticator app, then type the 6-digit code it shows to confirm.",
            ),
        ),
        "codes" => (
            tr(lang, "恢复码", "Recovery codes"),
            tr(
                lang,
                "双因素认证已启用。以下10个恢复码各可使用一次，仅显示这一次，请打印或抄写后妥善保管。",
                "The second factor is enrolled. Each of these 10 recovery codes works once; they are shown only now: print or copy them and keep them safe.",
            ),
        ),
        _ => (
            tr(lang, "重新验证身份", "Confirm it is you"),
            tr(
                lang,
                "该操作较为敏感，请再次输入密码。",
                "This act is sensitive: give your password again.",
            ),
        ),
    };
    StepPage {
        lang,
        csrf: csrf.to_string(),
        title,
        intro,
        errors: vec![],
        mode,
        action,
        next: "/".into(),
        secret: String::new(),
        uri: String::new(),
        codes: vec![],
        totp_field: false,
    }
}

/// Where a session in `stage` belongs, if not on the page asking.
fn elsewhere(stage: Stage, here: Stage) -> Option<Response> {
    if stage == here {
        return None;
    }
    let to = match stage {
        Stage::SecondFactor => "/login/second-factor",
        Stage::PasswordChange => "/account/password",
        Stage::Enrol => "/account/second-factor",
        Stage::Full => "/",
    };
    Some(Redirect::to(to).into_response())
}

// ---------------- the login's second factor ----------------

pub async fn second_factor_page(p: PendingUser) -> Response {
    if let Some(r) = elsewhere(p.stage, Stage::SecondFactor) {
        return r;
    }
    render(
        &step(p.user.lang, &p.user.csrf, "code", "/login/second-factor"),
        StatusCode::OK,
    )
}

pub async fn second_factor_submit(
    axum::extract::State(st): axum::extract::State<crate::state::AppState>,
    Source(source): Source,
    f: PendingForm,
) -> Response {
    let u = &f.pending.user;
    if let Some(r) = elsewhere(f.pending.stage, Stage::SecondFactor) {
        return r;
    }
    let code = f.form.get("totp").map(String::as_str).unwrap_or("");
    match st.app.give_second_factor(&u.token, code, source).await {
        Ok(()) => Redirect::to("/").into_response(),
        Err(e) => {
            let mut page = step(u.lang, &u.csrf, "code", "/login/second-factor");
            page.errors = messages(u.lang, &e);
            render(&page, status(&e))
        }
    }
}

// ---------------- password ----------------

pub async fn password_page(p: PendingUser) -> Response {
    if p.stage == Stage::SecondFactor {
        return Redirect::to("/login/second-factor").into_response();
    }
    let mut page = step(p.user.lang, &p.user.csrf, "password", "/account/password");
    if p.stage == Stage::PasswordChange {
        page.intro = tr(
            p.user.lang,
            "请先修改密码再继续：密码已过期，或为管理员设置的初始密码（须由本人修改）。",
            "Change your password before anything else: it has expired, or an administrator set it (only you may choose yours).",
        );
    }
    render(&page, StatusCode::OK)
}

pub async fn password_submit(f: PendingForm) -> Response {
    let u = &f.pending.user;
    if f.pending.stage == Stage::SecondFactor {
        return Redirect::to("/login/second-factor").into_response();
    }
    let g = |k: &str| f.form.get(k).map(String::as_str).unwrap_or("");
    match u
        .access
        .change_my_password(g("current_password"), g("new_password"), g("confirm_password"))
        .await
    {
        Ok(()) if f.pending.stage == Stage::Full => Redirect::to("/account?password_changed=1").into_response(),
        Ok(()) => Redirect::to("/").into_response(),
        Err(e) => {
            let mut page = step(u.lang, &u.csrf, "password", "/account/password");
            page.errors = messages(u.lang, &e);
            render(&page, status(&e))
        }
    }
}

// ---------------- enrolment ----------------

pub async fn enrol_page(p: PendingUser) -> Response {
    let u = &p.user;
    if matches!(p.stage, Stage::SecondFactor | Stage::PasswordChange) {
        return elsewhere(p.stage, Stage::Enrol).unwrap_or_else(|| Redirect::to("/").into_response());
    }
    let mut page = step(u.lang, &u.csrf, "enrol", "/account/second-factor");
    match u.access.begin_second_factor().await {
        Ok(en) => {
            if p.stage == Stage::Enrol {
                page.intro = tr(
                    u.lang,
                    "您的角色必须启用双因素认证。",
                    "Your role requires a second factor.",
                ) + &page.intro;
            }
            page.secret = en.secret;
            page.uri = en.uri;
            render(&page, StatusCode::OK)
        }
        Err(e) => {
            page.mode = "codes";
            page.intro = String::new();
            page.errors = messages(u.lang, &e);
            render(&page, status(&e))
        }
    }
}

pub async fn enrol_submit(f: PendingForm) -> Response {
    let u = &f.pending.user;
    if matches!(f.pending.stage, Stage::SecondFactor | Stage::PasswordChange) {
        return elsewhere(f.pending.stage, Stage::Enrol).unwrap_or_else(|| Redirect::to("/").into_response());
    }
    let code = f.form.get("totp").map(String::as_str).unwrap_or("");
    match u.access.confirm_second_factor(code).await {
        Ok(codes) => {
            let mut page = step(u.lang, &u.csrf, "codes", "/");
            page.codes = codes;
            render(&page, StatusCode::OK)
        }
        Err(e) => {
            let mut page = step(u.lang, &u.csrf, "enrol", "/account/second-factor");
            if let Ok(en) = u.access.begin_second_factor().await {
                page.secret = en.secret;
                page.uri = en.uri;
            }
            page.errors = messages(u.lang, &e);
            render(&page, status(&e))
        }
    }
}

// ---------------- re-authentication ----------------

pub async fn reauth_page(u: WebUser, Query(q): Query<HashMap<String, String>>) -> PageResult {
    let view = u.access.my_account().await.or_page(&u)?;
    let mut page = step(u.lang, &u.csrf, "reauth", "/account/reauth");
    page.next = safe_next(q.get("next").map(String::as_str).unwrap_or("/"));
    page.totp_field = view.second_factor_enabled;
    Ok(render(&page, StatusCode::OK))
}

pub async fn reauth_submit(Source(source): Source, f: WebForm) -> PageResult {
    let u = &f.user;
    let g = |k: &str| f.form.get(k).map(String::as_str).unwrap_or("");
    let next = safe_next(g("next"));
    match u.access.reauthenticate(g("password"), Some(g("totp")), source).await {
        Ok(()) => Ok(Redirect::to(&next).into_response()),
        Err(e) if e.code == ErrorCode::Internal => Err(crate::respond::PageError::page(u, e)),
        Err(e) => {
            let view = u.access.my_account().await.or_page(u)?;
            let mut page = step(u.lang, &u.csrf, "reauth", "/account/reauth");
            page.next = next;
            page.totp_field = view.second_factor_enabled;
            page.errors = messages(u.lang, &e);
            Ok(render(&page, status(&e)))
        }
    }
}

// ---------------- 我的账号 ----------------

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    c: Chrome,
    view: kean_app::AccountView,
    last_login: String,
    password_changed: String,
    password_expires: String,
    /// Time, event, address, detail.
    history: Vec<(String, String, String, String)>,
    /// Problems with the profile form, and its values when it was refused.
    profile_errors: Vec<String>,
    profile: (String, String, String),
    /// The account's API tokens: id, created, last used, expires.
    tokens: Vec<(String, String, String, String)>,
}

pub async fn account_page(u: WebUser, Query(q): Query<HashMap<String, String>>) -> PageResult {
    account_view(u, q, None).await
}

/// 保存个人信息: one's own display name, telephone and e-mail.
pub async fn profile_submit(f: WebForm) -> PageResult {
    let g = |k: &str| f.form.get(k).cloned().unwrap_or_default();
    let (name, phone, email) = (g("display_name"), g("phone"), g("email"));
    match f.user.access.update_my_profile(&name, &phone, &email).await {
        Ok(_) => Ok(Redirect::to("/account?profile_saved=1").into_response()),
        Err(e) if e.code == ErrorCode::ValidationFailed => {
            account_view(f.user, HashMap::new(), Some((e, (name, phone, email)))).await
        }
        Err(e) => Err(crate::respond::PageError::page(&f.user, e)),
    }
}

async fn account_view(
    u: WebUser,
    q: HashMap<String, String>,
    refused: Option<(AppError, (String, String, String))>,
) -> PageResult {
    let view = u.access.my_account().await.or_page(&u)?;
    let events = u.access.my_login_history(100).await.or_page(&u)?;
    let lang = u.lang;
    let history = events
        .into_iter()
        .map(|e| {
            let action = match lang.t(&format!("act.{}", e.action)) {
                crate::i18n::MISSING => e.action.clone(),
                t => t.to_string(),
            };
            let detail = e.detail.unwrap_or_default();
            let detail = match (lang.zh(), detail.as_str()) {
                (true, "web") => "网页".to_string(),
                (true, "api") => "接口令牌".to_string(),
                (true, "wrong password") => "密码错误".to_string(),
                (true, "wrong second factor") => "动态口令错误".to_string(),
                (true, "wrong password (re-authentication)") => "重新验证时密码错误".to_string(),
                (true, "disabled account") => "账号已停用".to_string(),
                _ => detail,
            };
            (
                kean_core::display_time(&e.at),
                action,
                e.source.unwrap_or_default(),
                detail,
            )
        })
        .collect();
    let mut c = Chrome::new(&u.access, &u.csrf, lang, lang.t("menu.account"), "/account");
    if q.contains_key("password_changed") {
        c.flash = Some(lang.t("account.password_changed").into());
    }
    if q.contains_key("profile_saved") {
        c.flash = Some(lang.t("account.profile_saved").into());
    }
    if q.contains_key("revoked") {
        c.flash = Some(lang.t("account.token_revoked").into());
    }
    let tokens = u
        .access
        .my_api_tokens()
        .await
        .or_page(&u)?
        .into_iter()
        .map(|t| {
            (
                t.id,
                kean_core::display_time(&t.created_at),
                t.last_used_at
                    .as_deref()
                    .map(kean_core::display_time)
                    .unwrap_or_else(|| lang.t("account.never_used").into()),
                kean_core::display_time(&t.expires_at),
            )
        })
        .collect();
    let page = AccountPage {
        c,
        last_login: u
            .access
            .previous_login()
            .map(|p| last_login_text(lang, p))
            .unwrap_or_else(|| tr(lang, "（首次登录）", "(first login)")),
        password_changed: kean_core::display_time(&view.password_changed_at),
        password_expires: view
            .password_expires_at
            .as_deref()
            .map(kean_core::display_time)
            .unwrap_or_else(|| tr(lang, "永不过期（演示账号）", "never (demo account)")),
        profile_errors: refused
            .as_ref()
            .map(|(e, _)| super::common::messages(e, lang.zh()))
            .unwrap_or_default(),
        profile: refused.as_ref().map(|(_, v)| v.clone()).unwrap_or_else(|| {
            (
                view.display_name.clone(),
                view.phone.clone().unwrap_or_default(),
                view.email.clone().unwrap_or_default(),
            )
        }),
        view,
        history,
        tokens,
    };
    let status = if refused.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok(render(&page, status))
}

/// 撤销 one of one's own API tokens.
pub async fn revoke_token(Path(id): Path<String>, f: WebForm) -> PageResult {
    let u = &f.user;
    u.access.revoke_my_api_token(&id).await.or_page(u)?;
    Ok(Redirect::to("/account?revoked=1").into_response())
}
