//! Who is calling: extractors that authenticate a request and hand the
//! handler an `Access` (the permission gate) — never the store.

use std::collections::BTreeMap;

use axum::extract::{Form, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use kean_app::{Access, SessionKind};
use kean_core::ErrorCode;

use crate::AppState;
use crate::i18n::Lang;

pub const SESSION_COOKIE: &str = "kean_session";
pub const LANG_COOKIE: &str = "kean_lang";
pub const PRE_COOKIE: &str = "kean_pre";

pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

pub fn lang_of(headers: &HeaderMap) -> Lang {
    Lang::from_cookie(cookie(headers, LANG_COOKIE))
}

/// Constant-time comparison for secrets.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A logged-in browser user.
pub struct WebUser {
    pub access: Access,
    pub csrf: String,
    pub lang: Lang,
    pub token: String,
}

impl FromRequestParts<AppState> for WebUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let lang = lang_of(&parts.headers);
        let token = cookie(&parts.headers, SESSION_COOKIE).unwrap_or("").to_string();
        match state.app.authenticate(&token, SessionKind::Web).await {
            Ok((access, csrf)) => Ok(WebUser {
                access,
                csrf,
                lang,
                token,
            }),
            Err(e) if e.code == ErrorCode::Unauthenticated => {
                let next = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
                let target = if parts.method == axum::http::Method::GET && next != "/" {
                    format!("/login?next={}", crate::views::url_encode(next))
                } else {
                    "/login".to_string()
                };
                if parts.headers.contains_key("hx-request") {
                    return Err(([("HX-Redirect", target)], StatusCode::UNAUTHORIZED).into_response());
                }
                Err(Redirect::to(&target).into_response())
            }
            Err(e) => Err(crate::pages::error_page_bare(lang, e)),
        }
    }
}

/// A logged-in browser user posting a form whose CSRF token matched.
pub struct WebForm {
    pub user: WebUser,
    pub form: BTreeMap<String, String>,
}

impl FromRequest<AppState> for WebForm {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let user = WebUser::from_request_parts(&mut parts, state).await?;
        let header_token = parts
            .headers
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok())
            .map(String::from);
        let req = Request::from_parts(parts, body);
        let Form(pairs): Form<Vec<(String, String)>> = Form::from_request(req, state).await.map_err(|e| {
            crate::pages::error_page_bare(
                user.lang,
                kean_app::AppError::new(
                    ErrorCode::BadRequest,
                    format!("表单无法解析：{e}"),
                    format!("unreadable form: {e}"),
                ),
            )
        })?;
        let mut form = BTreeMap::new();
        for (k, v) in pairs {
            // A checkbox sends a hidden "false" then "true": the last wins.
            form.insert(k, v);
        }
        let sent = form.get("_csrf").cloned().or(header_token).unwrap_or_default();
        if !same_secret(&sent, &user.csrf) {
            return Err(crate::pages::error_page_bare(
                user.lang,
                kean_app::AppError::new(
                    ErrorCode::CsrfRejected,
                    "页面已过期或请求来源无法验证，请刷新页面后重试",
                    "the page has expired or the request could not be verified; reload and try again",
                ),
            ));
        }
        Ok(WebForm { user, form })
    }
}

/// A caller of the JSON API with a bearer token.
pub struct ApiUser {
    pub access: Access,
}

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or("")
            .trim();
        match state.app.authenticate(token, SessionKind::Api).await {
            Ok((access, _)) => Ok(ApiUser { access }),
            Err(e) => Err(crate::api::error_json(e)),
        }
    }
}

pub fn session_cookie(token: &str, max_age_secs: i64, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_secs}{secure}")
}
