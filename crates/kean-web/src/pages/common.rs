//! What page handlers share: the registry and record named in the path.

use kean_app::AppError;
use kean_core::{ErrorCode, Kind};

use crate::auth::WebUser;
use crate::respond::PageError;

/// The registry and record id from the path, or an error page.
pub fn record_of(u: &WebUser, slug: &str, id_text: &str) -> Result<(Kind, i64), PageError> {
    Ok((kind_of(u, slug)?, id_of(u, id_text)?))
}

/// The record id from the path, or an error page saying it is not one.
pub fn id_of(u: &WebUser, text: &str) -> Result<i64, PageError> {
    text.parse::<i64>().ok().filter(|i| *i > 0).ok_or_else(|| {
        PageError::page(
            u,
            AppError::new(
                ErrorCode::BadRequest,
                format!("“{text}”不是有效的记录编号"),
                format!("'{text}' is not a record id"),
            ),
        )
    })
}

/// The registry named in the path, or a not-found page.
pub fn kind_of(u: &WebUser, slug: &str) -> Result<Kind, PageError> {
    Kind::from_slug(slug).ok_or_else(|| PageError::page(u, AppError::not_found()))
}

/// What an error says, one line a field (or its message when it names
/// none), in the page's language: the list above a form.
pub fn messages(e: &AppError, zh: bool) -> Vec<String> {
    let pick = |z: &String, en: &String| if zh { z.clone() } else { en.clone() };
    if e.fields.is_empty() {
        vec![pick(&e.message_zh, &e.message_en)]
    } else {
        e.fields.iter().map(|f| pick(&f.message_zh, &f.message_en)).collect()
    }
}
