//! What page handlers share: the error page for a logged-in user and the
//! registry and record named in the path.

use askama::Template;
use axum::http::StatusCode;
use axum::response::Response;
use kean_app::AppError;
use kean_core::{ErrorCode, Kind};

use crate::auth::WebUser;
use crate::respond::render;
use crate::views::Chrome;

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    c: Chrome,
    status: u16,
    message: String,
}

/// An error page for a logged-in user.
pub fn error_page(u: &WebUser, e: AppError) -> Response {
    if e.code == ErrorCode::Internal {
        tracing::error!("internal error: {}", e.detail.as_deref().unwrap_or(""));
    }
    let mut message = if u.lang.zh() {
        e.message_zh.clone()
    } else {
        e.message_en.clone()
    };
    for f in &e.fields {
        if (if u.lang.zh() { &f.message_zh } else { &f.message_en }) != &message {
            message.push_str(" — ");
            message.push_str(if u.lang.zh() { &f.message_zh } else { &f.message_en });
        }
    }
    let status = StatusCode::from_u16(e.code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let c = Chrome::new(&u.access, &u.csrf, u.lang, u.lang.t("error.title"), "");
    render(
        &ErrorPage {
            c,
            status: status.as_u16(),
            message,
        },
        status,
    )
}

/// The registry and record id from the path, or an error page.
pub fn record_of(u: &WebUser, slug: &str, id_text: &str) -> Result<(Kind, i64), Response> {
    Ok((kind_of(u, slug)?, id_of(u, id_text)?))
}

/// The record id from the path, or an error page saying it is not one.
pub fn id_of(u: &WebUser, text: &str) -> Result<i64, Response> {
    text.parse::<i64>().ok().filter(|i| *i > 0).ok_or_else(|| {
        error_page(
            u,
            AppError::new(
                ErrorCode::BadRequest,
                format!("“{text}”不是有效的记录编号"),
                format!("'{text}' is not a record id"),
            ),
        )
    })
}

pub fn kind_of(u: &WebUser, slug: &str) -> Result<Kind, Response> {
    Kind::from_slug(slug).ok_or_else(|| error_page(u, AppError::not_found()))
}
