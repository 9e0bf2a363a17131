//! Tokens: sign in for a bearer token, revoke it, who am I.

use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kean_app::SessionKind;
use serde_json::json;

use crate::auth::{ApiUser, Source};
use crate::respond::ApiResult;
use crate::state::AppState;

#[derive(serde::Deserialize)]
pub struct Credentials {
    username: String,
    password: String,
}

pub async fn token(
    State(st): State<AppState>,
    Source(source): Source,
    body: Result<Json<Credentials>, JsonRejection>,
) -> ApiResult {
    let Json(c) = body?;
    let ok = st.app.login(&c.username, &c.password, SessionKind::Api, source).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "token": ok.token,
            "expires_at": ok.expires_at,
            "user": { "id": ok.user.id, "username": ok.user.username, "role": ok.user.role.code(), "org_id": ok.user.org_id },
        })),
    )
        .into_response())
}

pub async fn revoke(State(st): State<AppState>, headers: axum::http::HeaderMap, u: ApiUser) -> ApiResult {
    let token = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("")
        .trim()
        .to_string();
    st.app.logout(&token, &u.access).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub async fn me(u: ApiUser) -> Response {
    let a = u.access.actor();
    Json(json!({ "id": a.user_id(), "username": a.username(), "display_name": a.display_name(), "role": a.role().code(), "org_id": a.org_id() })).into_response()
}
