//! Tokens: sign in for a bearer token, revoke it, who am I.

use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use kean_app::SessionKind;
use serde_json::json;

use crate::auth::{ApiUser, Source};
use crate::respond::ApiResult;
use crate::state::AppState;

#[derive(serde::Deserialize)]
pub struct Credentials {
    username: String,
    password: String,
    /// The one-time code (or a recovery code) of an account with a second factor.
    totp: Option<String>,
}

#[derive(serde::Deserialize)]
pub struct Reauth {
    password: String,
    totp: Option<String>,
}

pub async fn token(
    State(st): State<AppState>,
    Source(source): Source,
    body: Result<Json<Credentials>, JsonRejection>,
) -> ApiResult {
    let Json(c) = body?;
    let ok = st
        .app
        .login_with(&c.username, &c.password, c.totp.as_deref(), SessionKind::Api, source)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "token": ok.token,
            "expires_at": ok.expires_at,
            "user": { "id": ok.user.id, "username": ok.user.username, "role": ok.user.role.code(), "org_id": ok.user.org_id },
            "previous_login": ok.previous_login,
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

pub async fn me(u: ApiUser) -> ApiResult {
    let a = u.access.actor();
    let view = u.access.my_account().await?;
    Ok(Json(json!({
        "id": a.user_id(), "username": a.username(), "display_name": view.display_name, "role": a.role().code(),
        "phone": view.phone, "email": view.email,
        "org_id": a.org_id(),
        "previous_login": u.access.previous_login(),
        "password_expires_at": view.password_expires_at,
        "second_factor_enabled": view.second_factor_enabled,
        "second_factor_required": view.second_factor_required,
    }))
    .into_response())
}

/// The caller's own logins, failed logins, logouts, second factors,
/// re-authentications and password changes, newest first.
pub async fn my_logins(u: ApiUser) -> ApiResult {
    let items = u.access.my_login_history(100).await?;
    Ok(Json(json!({ "items": items })).into_response())
}

/// Renews the token's authentication (password, and the code when enrolled)
/// before a sensitive act.
pub async fn reauth(Source(source): Source, u: ApiUser, body: Result<Json<Reauth>, JsonRejection>) -> ApiResult {
    let Json(b) = body?;
    u.access.reauthenticate(&b.password, b.totp.as_deref(), source).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// GET /me/tokens: the caller's own API tokens (not the token strings,
/// which kean does not keep).
pub async fn my_tokens(u: ApiUser) -> ApiResult {
    let items: Vec<_> = u
        .access
        .my_api_tokens()
        .await?
        .into_iter()
        .map(|t| json!({ "id": t.id, "created_at": t.created_at, "last_used_at": t.last_used_at, "expires_at": t.expires_at, "current": t.current }))
        .collect();
    Ok(Json(json!({ "items": items })).into_response())
}

/// DELETE /me/tokens/{id}: revokes one of the caller's own tokens.
pub async fn revoke_my_token(
    u: ApiUser,
    path: Result<axum::extract::Path<String>, axum::extract::rejection::PathRejection>,
) -> ApiResult {
    let id = path.map(|axum::extract::Path(id)| id).unwrap_or_default();
    u.access.revoke_my_api_token(&id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(serde::Deserialize)]
pub struct Profile {
    display_name: String,
    #[serde(default)]
    phone: Option<String>,
    #[serde(default)]
    email: Option<String>,
}

/// PUT /me {"display_name", "phone", "email"}: one's own name and contact details.
pub async fn update_me(u: ApiUser, body: Result<Json<Profile>, JsonRejection>) -> ApiResult {
    let Json(p) = body?;
    let v = u
        .access
        .update_my_profile(
            &p.display_name,
            p.phone.as_deref().unwrap_or(""),
            p.email.as_deref().unwrap_or(""),
        )
        .await?;
    Ok(Json(json!({ "display_name": v.display_name, "phone": v.phone, "email": v.email })).into_response())
}
