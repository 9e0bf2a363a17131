//! Signing in and out, and the language switch.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use kean_app::SessionKind;
use kean_core::ErrorCode;

use crate::auth::{LANG_COOKIE, PRE_COOKIE, PendingForm, Source, cookie, lang_of, same_secret, session_cookie};
use crate::i18n::Lang;
use crate::respond::{OrPage, PageResult, render};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    lang: Lang,
    csrf: String,
    next: String,
    username: String,
    error: Option<String>,
    /// No account exists yet: how to create the first administrator.
    first_start: bool,
}

/// The login form carries a pre-session CSRF token that must equal a
/// cookie set with it (double submit), so another site cannot log a
/// browser into an account of its choosing.
fn login_form(lang: Lang, next: String, username: String, error: Option<String>, status: StatusCode) -> Response {
    // An empty token (random source failed) matches no submitted form: login fails safe.
    let csrf = kean_app::random_token().unwrap_or_default();
    let page = LoginPage {
        lang,
        csrf: csrf.clone(),
        next,
        username,
        error,
        first_start: false,
    };
    let mut res = render(&page, status);
    if let Ok(v) = format!("{PRE_COOKIE}={csrf}; Path=/login; HttpOnly; SameSite=Strict; Max-Age=3600").parse() {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

pub(super) fn safe_next(next: &str) -> String {
    // Only local paths: never redirect to another site after login.
    if next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') {
        next.to_string()
    } else {
        "/".to_string()
    }
}

pub async fn login_page(
    State(st): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let next = safe_next(q.get("next").map(String::as_str).unwrap_or("/"));
    // A database without any account (kean served without the demo): the
    // page says how the first administrator is made, at the machine.
    if matches!(st.app.has_accounts().await, Ok(false)) {
        let lang = lang_of(&headers);
        let csrf = kean_app::random_token().unwrap_or_default();
        let page = LoginPage {
            lang,
            csrf,
            next,
            username: String::new(),
            error: None,
            first_start: true,
        };
        return render(&page, StatusCode::OK);
    }
    login_form(lang_of(&headers), next, String::new(), None, StatusCode::OK)
}

pub async fn login_submit(
    State(st): State<AppState>,
    Source(source): Source,
    headers: HeaderMap,
    axum::extract::Form(form): axum::extract::Form<HashMap<String, String>>,
) -> Response {
    let lang = lang_of(&headers);
    let username = form.get("username").cloned().unwrap_or_default();
    let next = safe_next(form.get("next").map(String::as_str).unwrap_or("/"));
    let sent = form.get("_csrf").map(String::as_str).unwrap_or("");
    let expected = cookie(&headers, PRE_COOKIE).unwrap_or("");
    if expected.is_empty() || !same_secret(sent, expected) {
        let msg = lang.t("error.title").to_string()
            + "："
            + if lang.zh() {
                "页面已过期，请重新登录"
            } else {
                "the page expired; please sign in again"
            };
        return login_form(lang, next, username, Some(msg), StatusCode::FORBIDDEN);
    }
    let password = form.get("password").cloned().unwrap_or_default();
    match st.app.login(&username, &password, SessionKind::Web, source).await {
        Ok(ok) => {
            // A login not yet complete goes on to its next step.
            let to = match ok.stage {
                kean_app::Stage::Full => next,
                kean_app::Stage::PasswordChange => "/account/password".to_string(),
                kean_app::Stage::SecondFactor => "/login/second-factor".to_string(),
                kean_app::Stage::Enrol => "/account/second-factor".to_string(),
            };
            let mut res = Redirect::to(&to).into_response();
            let max_age = st.app.settings().web_session.num_seconds();
            if let Ok(v) = session_cookie(&ok.token, max_age, st.app.settings().secure_cookies).parse() {
                res.headers_mut().append(header::SET_COOKIE, v);
            }
            res
        }
        Err(e) => {
            if e.code == ErrorCode::Internal {
                tracing::error!("login: {}", e.detail.as_deref().unwrap_or(""));
            }
            let msg = if lang.zh() { e.message_zh } else { e.message_en };
            let status = StatusCode::from_u16(e.code.http_status()).unwrap_or(StatusCode::UNAUTHORIZED);
            login_form(lang, next, username, Some(msg), status)
        }
    }
}

/// Signing out works in every stage of a login (also while the second
/// factor, a password change or an enrolment is due).
pub async fn logout(State(st): State<AppState>, f: PendingForm) -> PageResult {
    let u = &f.pending.user;
    st.app.logout(&u.token, &u.access).await.or_page(u)?;
    let mut res = Redirect::to("/login").into_response();
    if let Ok(v) = session_cookie("", 0, st.app.settings().secure_cookies).parse() {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(res)
}

pub async fn set_lang(Path(lang): Path<String>, headers: HeaderMap) -> Response {
    let code = if lang == "en" { "en" } else { "zh" };
    let back = headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| {
            r.find("://")
                .and_then(|i| r[i + 3..].find('/').map(|j| r[i + 3 + j..].to_string()))
        })
        .map(|p| safe_next(&p))
        .unwrap_or_else(|| "/".into());
    let mut res = Redirect::to(&back).into_response();
    if let Ok(v) = format!("{LANG_COOKIE}={code}; Path=/; SameSite=Lax; Max-Age=31536000").parse() {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}
