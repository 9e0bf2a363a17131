//! Who is calling: extractors that authenticate a request and hand the
//! handler an `Access` (the permission gate) — never the store.

use std::collections::{BTreeMap, HashMap};

use axum::extract::{Form, FromRequest, FromRequestParts, Multipart, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use kean_app::{Access, AppError, SessionKind};
use kean_core::ErrorCode;

use crate::i18n::Lang;
use crate::respond::{ApiError, PageError, Viewer};
use crate::state::AppState;
use crate::views::{Chrome, url_encode};

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

/// A plain error page: a rejection happens before a handler, where no menu
/// is drawn.
fn bare_page(lang: Lang, e: AppError) -> Response {
    PageError::bare(lang, e).into_response()
}

/// The client's address, for counting failed logins: the connection's
/// peer (kean behind a reverse proxy sees the proxy's; see
/// `Settings::trust_forwarded_for`).
pub struct Source(pub std::net::IpAddr);

impl FromRequestParts<AppState> for Source {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0.ip())
            .unwrap_or(std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED));
        if !state.app.settings().trust_forwarded_for {
            return Ok(Source(peer));
        }
        // The address the proxy saw: the last one it appended.
        let forwarded = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|a| a.trim().parse::<std::net::IpAddr>().ok())
            .next_back();
        Ok(Source(forwarded.unwrap_or(peer)))
    }
}

/// A logged-in browser user.
pub struct WebUser {
    pub access: Access,
    pub csrf: String,
    pub lang: Lang,
    pub token: String,
}

/// A page's error for this user shows inside the menu.
impl Viewer for WebUser {
    fn error_chrome(&self) -> Chrome {
        Chrome::new(&self.access, &self.csrf, self.lang, self.lang.t("error.title"), "")
    }
}

impl FromRequestParts<AppState> for WebUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let lang = lang_of(&parts.headers);
        let token = cookie(&parts.headers, SESSION_COOKIE).unwrap_or("").to_string();
        let Ok(Source(source)) = Source::from_request_parts(parts, state).await;
        match state.app.authenticate(&token, SessionKind::Web).await {
            Ok((access, csrf)) => Ok(WebUser {
                access: access.from_source(source),
                csrf,
                lang,
                token,
            }),
            // A login not yet complete: its next step.
            Err(e) if e.code == ErrorCode::SecondFactorRequired || e.code == ErrorCode::PasswordExpired => {
                let target = if e.code == ErrorCode::PasswordExpired {
                    "/account/password"
                } else {
                    "/login/second-factor"
                };
                if parts.headers.contains_key("hx-request") {
                    return Err(([("HX-Redirect", target)], StatusCode::UNAUTHORIZED).into_response());
                }
                Err(Redirect::to(target).into_response())
            }
            Err(e) if e.code == ErrorCode::Unauthenticated => {
                let next = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
                let target = if parts.method == axum::http::Method::GET && next != "/" {
                    format!("/login?next={}", url_encode(next))
                } else {
                    "/login".to_string()
                };
                if parts.headers.contains_key("hx-request") {
                    return Err(([("HX-Redirect", target)], StatusCode::UNAUTHORIZED).into_response());
                }
                Err(Redirect::to(&target).into_response())
            }
            Err(e) => Err(bare_page(lang, e)),
        }
    }
}

/// A browser session in any stage of its login (password accepted; the
/// second factor, a password change or an enrolment may still be due):
/// only the pages of those steps take it, and use only the account's own
/// methods of its `Access`.
pub struct PendingUser {
    pub user: WebUser,
    pub stage: kean_app::Stage,
}

impl FromRequestParts<AppState> for PendingUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let lang = lang_of(&parts.headers);
        let token = cookie(&parts.headers, SESSION_COOKIE).unwrap_or("").to_string();
        match state.app.authenticate_pending(&token, SessionKind::Web).await {
            Ok((access, csrf, stage)) => Ok(PendingUser {
                user: WebUser {
                    access,
                    csrf,
                    lang,
                    token,
                },
                stage,
            }),
            Err(e) if e.code == ErrorCode::Unauthenticated => Err(Redirect::to("/login").into_response()),
            Err(e) => Err(bare_page(lang, e)),
        }
    }
}

/// A [`PendingUser`] posting a form whose CSRF token matched.
pub struct PendingForm {
    pub pending: PendingUser,
    pub form: BTreeMap<String, String>,
}

impl FromRequest<AppState> for PendingForm {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let pending = PendingUser::from_request_parts(&mut parts, state).await?;
        let lang = pending.user.lang;
        let req = Request::from_parts(parts, body);
        let Form(form): Form<BTreeMap<String, String>> = Form::from_request(req, state).await.map_err(|e| {
            bare_page(
                lang,
                AppError::new(
                    ErrorCode::BadRequest,
                    format!("表单无法解析：{e}"),
                    format!("unreadable form: {e}"),
                ),
            )
        })?;
        let sent = form.get("_csrf").map(String::as_str).unwrap_or("");
        if !same_secret(sent, &pending.user.csrf) {
            return Err(bare_page(
                lang,
                AppError::new(
                    ErrorCode::CsrfRejected,
                    "页面已过期或请求来源无法验证，请刷新页面后重试",
                    "the page has expired or the request could not be verified; reload and try again",
                ),
            ));
        }
        Ok(PendingForm { pending, form })
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
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                return bare_page(user.lang, crate::respond::too_large(None));
            }
            bare_page(
                user.lang,
                AppError::new(
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
            return Err(bare_page(
                user.lang,
                AppError::new(
                    ErrorCode::CsrfRejected,
                    "页面已过期或请求来源无法验证，请刷新页面后重试",
                    "the page has expired or the request could not be verified; reload and try again",
                ),
            ));
        }
        Ok(WebForm { user, form })
    }
}

/// A file upload from a logged-in user whose CSRF token matched.
pub struct WebUpload {
    pub user: WebUser,
    pub file_name: String,
    pub bytes: Vec<u8>,
    pub force: bool,
    /// Other short text fields of the form (e.g. a list's name).
    pub text: HashMap<String, String>,
}

impl FromRequest<AppState> for WebUpload {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let user = WebUser::from_request_parts(&mut parts, state).await?;
        let lang = user.lang;
        let bad = |zh: String, en: String| bare_page(lang, AppError::new(ErrorCode::BadRequest, zh, en));
        let limit = kean_exchange::DEFAULT_MAX_BYTES + 1_000_000;
        let too_large = || bare_page(lang, crate::respond::too_large(Some(limit)));
        let mut mp = Multipart::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(|e| {
                if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    return too_large();
                }
                bad(format!("上传内容无法解析：{e}"), format!("unreadable upload: {e}"))
            })?;
        let (mut csrf, mut file_name, mut bytes, mut force) = (String::new(), String::new(), None, false);
        let mut text = HashMap::new();
        while let Some(field) = mp.next_field().await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                return too_large();
            }
            bad(format!("上传中断：{e}"), format!("upload interrupted: {e}"))
        })? {
            match field.name().unwrap_or("") {
                "_csrf" => csrf = field.text().await.unwrap_or_default(),
                "force" => force = field.text().await.is_ok_and(|v| v == "true"),
                "file" => {
                    file_name = field.file_name().unwrap_or("upload").to_string();
                    let data = field.bytes().await.map_err(|e| {
                        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                            return too_large();
                        }
                        bad(
                            format!(
                                "文件过大或上传中断（上限 {} MB）：{e}",
                                kean_exchange::DEFAULT_MAX_BYTES / 1_000_000
                            ),
                            format!(
                                "the file is too large or the upload broke off (limit {} MB): {e}",
                                kean_exchange::DEFAULT_MAX_BYTES / 1_000_000
                            ),
                        )
                    })?;
                    bytes = Some(data.to_vec());
                }
                name if text.len() < 16 => {
                    let name = name.to_string();
                    let value = field.text().await.unwrap_or_default();
                    text.insert(name, value.chars().take(1000).collect());
                }
                _ => {}
            }
        }
        if !same_secret(&csrf, &user.csrf) {
            return Err(bare_page(
                lang,
                AppError::new(
                    ErrorCode::CsrfRejected,
                    "页面已过期或请求来源无法验证，请刷新页面后重试",
                    "the page has expired; reload and try again",
                ),
            ));
        }
        let bytes = match bytes {
            Some(b) if !b.is_empty() => b,
            Some(_) if !file_name.is_empty() => {
                return Err(bad(
                    format!("文件 {file_name} 是空的"),
                    format!("the file {file_name} is empty"),
                ));
            }
            _ => return Err(bad("请选择文件".into(), "choose a file".into())),
        };
        Ok(WebUpload {
            user,
            file_name,
            bytes,
            force,
            text,
        })
    }
}

/// A caller of the JSON API with a bearer token.
pub struct ApiUser {
    pub access: Access,
}

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or("")
            .trim();
        let token = token.to_string();
        let Ok(Source(source)) = Source::from_request_parts(parts, state).await;
        match state.app.authenticate(&token, SessionKind::Api).await {
            Ok((access, _)) => Ok(ApiUser {
                access: access.from_source(source),
            }),
            Err(e) => Err(ApiError(e)),
        }
    }
}

pub fn session_cookie(token: &str, max_age_secs: i64, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_secs}{secure}")
}
