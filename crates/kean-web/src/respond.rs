//! How a handler answers: rendering a template, and the error responses
//! (a plain page before we know who is asking, the API's JSON).

use askama::Template;
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use kean_app::AppError;
use kean_core::ErrorCode;
use serde_json::{Value as J, json};

use crate::i18n::Lang;
use crate::views::html_escape;

pub fn render(t: &impl Template, status: StatusCode) -> Response {
    match t.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!("template: {e}");
            (StatusCode::INTERNAL_SERVER_ERROR, "template error").into_response()
        }
    }
}

/// An error before we know who is asking (plain page, no menu).
pub fn error_page_bare(lang: Lang, e: AppError) -> Response {
    if e.code == ErrorCode::Internal {
        tracing::error!("internal error: {}", e.detail.as_deref().unwrap_or(""));
    }
    let status = StatusCode::from_u16(e.code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let msg = if lang.zh() { e.message_zh } else { e.message_en };
    let body = format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><link rel=\"stylesheet\" href=\"/static/app.css\"><title>{}</title></head><body><div class=\"content\"><div class=\"panel error-page\"><h2>{} ({})</h2><p id=\"error-message\">{}</p><p><a class=\"btn\" href=\"/\">{}</a></p></div></div></body></html>",
        lang.t("error.title"),
        lang.t("error.title"),
        status.as_u16(),
        html_escape(&msg),
        lang.t("error.home")
    );
    (status, Html(body)).into_response()
}

/// Every API error has this shape: a stable code, messages, and the
/// offending fields.
pub fn error_json(e: AppError) -> Response {
    if e.code == ErrorCode::Internal {
        tracing::error!("internal error: {}", e.detail.as_deref().unwrap_or(""));
    }
    let status = StatusCode::from_u16(e.code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let fields: Vec<J> = e
        .fields
        .iter()
        .map(|f| json!({ "field": f.field, "message": f.message_en, "message_zh": f.message_zh }))
        .collect();
    let body = json!({ "error": { "code": e.code.as_str(), "message": e.message_en, "message_zh": e.message_zh, "fields": fields } });
    (status, Json(body)).into_response()
}

pub fn not_found_json() -> Response {
    error_json(AppError::new(ErrorCode::NotFound, "接口不存在", "no such API endpoint"))
}

pub fn bad_json(e: JsonRejection) -> Response {
    error_json(AppError::new(
        ErrorCode::BadRequest,
        format!("请求体不是有效的JSON：{}", e.body_text()),
        format!("the body is not valid JSON: {}", e.body_text()),
    ))
}
