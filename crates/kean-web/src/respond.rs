//! How a handler answers: rendering a template, and its errors.
//!
//! Handlers return `Result<Response, PageError>` (pages) or
//! `Result<Response, ApiError>` (the JSON API) and use `?`. Both wrap the
//! application's [`AppError`] and turn into a response with its HTTP
//! status: a [`PageError`] as the error page — inside the menu for a
//! logged-in user ([`OrPage::or_page`], [`PageError::page`]), or a plain page
//! before we know who is asking ([`PageError::bare`]) —, an [`ApiError`] as
//! `{"error": {"code", "message", "message_zh", "fields": [...]}}`.
//! An internal error's detail is logged when the response is made.

use askama::Template;
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use kean_app::AppError;
use kean_core::ErrorCode;
use serde_json::{Value as J, json};

use crate::i18n::Lang;
use crate::views::{Chrome, html_escape};

/// What a page handler returns.
pub type PageResult = Result<Response, PageError>;
/// What an API handler returns.
pub type ApiResult = Result<Response, ApiError>;

pub fn render(t: &impl Template, status: StatusCode) -> Response {
    match t.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!("template: {e}");
            (StatusCode::INTERNAL_SERVER_ERROR, "template error").into_response()
        }
    }
}

fn status_of(e: &AppError) -> StatusCode {
    StatusCode::from_u16(e.code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

fn log_internal(e: &AppError) {
    if e.code == ErrorCode::Internal {
        tracing::error!("internal error: {}", e.detail.as_deref().unwrap_or(""));
    }
}

// ---------------- pages ----------------

/// Whom an error page is drawn for: a logged-in user, whose page keeps the
/// menu around the message (implemented by `auth::WebUser`).
pub trait Viewer {
    /// The chrome of the error page.
    fn error_chrome(&self) -> Chrome;
}

/// An error a page handler answers with: the error page.
pub struct PageError {
    error: AppError,
    lang: Lang,
    /// The menu and user around the message; none before we know who is
    /// asking.
    chrome: Option<Box<Chrome>>,
}

impl PageError {
    /// The error page for a logged-in user.
    pub fn page(viewer: &impl Viewer, error: AppError) -> PageError {
        let chrome = viewer.error_chrome();
        PageError {
            error,
            lang: chrome.lang,
            chrome: Some(Box::new(chrome)),
        }
    }

    /// An error before we know who is asking (plain page, no menu).
    pub fn bare(lang: Lang, error: AppError) -> PageError {
        PageError {
            error,
            lang,
            chrome: None,
        }
    }
}

/// Turns an application error into the error page for a logged-in user,
/// so that a handler can write `access.get(…).await.or_page(&u)?`.
pub trait OrPage<T> {
    fn or_page(self, viewer: &impl Viewer) -> Result<T, PageError>;
}

impl<T> OrPage<T> for Result<T, AppError> {
    fn or_page(self, viewer: &impl Viewer) -> Result<T, PageError> {
        self.map_err(|e| PageError::page(viewer, e))
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    c: Chrome,
    status: u16,
    message: String,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let PageError { error: e, lang, chrome } = self;
        log_internal(&e);
        if e.code == ErrorCode::ReauthenticationRequired {
            // A sensitive act asks for the password again, then comes back
            // (handlers that know their page redirect with `next` themselves).
            return axum::response::Redirect::to("/account/reauth").into_response();
        }
        let status = status_of(&e);
        let Some(c) = chrome else {
            let msg = if lang.zh() { e.message_zh } else { e.message_en };
            let body = format!(
                "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><link rel=\"stylesheet\" href=\"/static/app.css\"><title>{}</title></head><body><div class=\"content\"><div class=\"panel error-page\"><h2>{} ({})</h2><p id=\"error-message\">{}</p><p><a class=\"btn\" href=\"/\">{}</a></p></div></div></body></html>",
                lang.t("error.title"),
                lang.t("error.title"),
                status.as_u16(),
                html_escape(&msg),
                lang.t("error.home")
            );
            return (status, Html(body)).into_response();
        };
        // The message, then each field's message that says something more.
        let mut message = if lang.zh() {
            e.message_zh.clone()
        } else {
            e.message_en.clone()
        };
        for f in &e.fields {
            if (if lang.zh() { &f.message_zh } else { &f.message_en }) != &message {
                message.push_str(" — ");
                message.push_str(if lang.zh() { &f.message_zh } else { &f.message_en });
            }
        }
        render(
            &ErrorPage {
                c: *c,
                status: status.as_u16(),
                message,
            },
            status,
        )
    }
}

// ---------------- the JSON API ----------------

/// An error an API handler answers with. `?` turns an [`AppError`] and a
/// JSON body that would not parse into one.
pub struct ApiError(pub AppError);

impl ApiError {
    /// No such endpoint.
    pub fn no_endpoint() -> ApiError {
        ApiError(AppError::new(ErrorCode::NotFound, "接口不存在", "no such API endpoint"))
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> ApiError {
        ApiError(e)
    }
}

/// The answer to a request body over the limit: 413 `payload_too_large`.
pub fn too_large(limit_bytes: Option<u64>) -> AppError {
    match limit_bytes {
        Some(n) => {
            let mb = n.div_ceil(1024 * 1024);
            AppError::new(
                ErrorCode::PayloadTooLarge,
                format!("提交的内容过大（上限约 {mb} MB）"),
                format!("the request body is too large (the limit is about {mb} MB)"),
            )
        }
        None => AppError::new(
            ErrorCode::PayloadTooLarge,
            "提交的内容过大",
            "the request body is too large",
        ),
    }
}

/// Whether reading a body failed on its size limit (somewhere in the
/// error's chain of sources).
pub fn is_length_limit(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        if err.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        cur = err.source();
    }
    false
}

impl From<JsonRejection> for ApiError {
    fn from(e: JsonRejection) -> ApiError {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            return ApiError(too_large(None));
        }
        ApiError(AppError::new(
            ErrorCode::BadRequest,
            format!("请求体不是有效的JSON：{}", e.body_text()),
            format!("the body is not valid JSON: {}", e.body_text()),
        ))
    }
}

/// Every API error has this shape: a stable code, messages, and the
/// offending fields.
impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let e = self.0;
        log_internal(&e);
        let fields: Vec<J> = e
            .fields
            .iter()
            .map(|f| json!({ "field": f.field, "message": f.message_en, "message_zh": f.message_zh }))
            .collect();
        let body = json!({ "error": { "code": e.code.as_str(), "message": e.message_en, "message_zh": e.message_zh, "fields": fields } });
        (status_of(&e), Json(body)).into_response()
    }
}
