//! Confidentiality over JSON (the security administrator's): the ceiling,
//! accounts' clearances and records' need-to-know lists. The gate decides
//! who may; these handlers only translate.

use axum::Json;
use axum::extract::Path;
use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use kean_app::AppError;
use kean_core::ErrorCode;
use serde_json::json;

use super::registry::record_path;
use super::system::{user_id_of, user_json};
use crate::auth::ApiUser;
use crate::respond::{ApiError, ApiResult};

#[derive(serde::Deserialize)]
pub struct LevelBody {
    level: String,
}

#[derive(serde::Deserialize)]
pub struct MemberBody {
    username: String,
}

/// GET /settings/ceiling
pub async fn ceiling(u: ApiUser) -> ApiResult {
    // Anyone signed in may know the ceiling: forms say what they may hold.
    let c = u.access.ceiling().await?;
    Ok(Json(json!({ "level": c.level().code() })).into_response())
}

/// PUT /settings/ceiling {"level"}
pub async fn set_ceiling(u: ApiUser, body: Result<Json<LevelBody>, JsonRejection>) -> ApiResult {
    let Json(b) = body?;
    let c = u.access.set_ceiling(&b.level).await?;
    Ok(Json(json!({ "level": c.level().code() })).into_response())
}

#[derive(serde::Deserialize)]
pub struct RoleBody {
    role: String,
}

/// PUT /users/{id}/role {"role"}
pub async fn set_role(
    u: ApiUser,
    path: Result<Path<String>, PathRejection>,
    body: Result<Json<RoleBody>, JsonRejection>,
) -> ApiResult {
    let id = user_id_of(path)?;
    let Json(b) = body?;
    let x = u.access.set_role(id, &b.role).await?;
    Ok(Json(user_json(&x)).into_response())
}

/// PUT /users/{id}/clearance {"level"}
pub async fn set_clearance(
    u: ApiUser,
    path: Result<Path<String>, PathRejection>,
    body: Result<Json<LevelBody>, JsonRejection>,
) -> ApiResult {
    let id = user_id_of(path)?;
    let Json(b) = body?;
    let x = u.access.set_clearance(id, &b.level).await?;
    Ok(Json(user_json(&x)).into_response())
}

fn member_json(m: &kean_app::NeedToKnow) -> serde_json::Value {
    json!({ "user_id": m.user_id, "username": m.username, "display_name": m.display_name,
            "added_by": m.added_by, "added_at": m.added_at })
}

/// GET /registry/{slug}/{id}/need-to-know
pub async fn need_to_know(u: ApiUser, path: Result<Path<(String, String)>, PathRejection>) -> ApiResult {
    let (kind, id) = record_path(path)?;
    let list = u.access.need_to_know(kind, id).await?;
    Ok(Json(json!({ "items": list.iter().map(member_json).collect::<Vec<_>>() })).into_response())
}

/// POST /registry/{slug}/{id}/need-to-know {"username"}
pub async fn add_need_to_know(
    u: ApiUser,
    path: Result<Path<(String, String)>, PathRejection>,
    body: Result<Json<MemberBody>, JsonRejection>,
) -> ApiResult {
    let (kind, id) = record_path(path)?;
    let Json(b) = body?;
    let added = u.access.set_need_to_know(kind, id, &b.username, true).await?;
    let list = u.access.need_to_know(kind, id).await?;
    let status = if added { StatusCode::CREATED } else { StatusCode::OK };
    Ok((
        status,
        Json(json!({ "items": list.iter().map(member_json).collect::<Vec<_>>() })),
    )
        .into_response())
}

/// DELETE /registry/{slug}/{id}/need-to-know/{username}
pub async fn remove_need_to_know(u: ApiUser, path: Result<Path<(String, String, String)>, PathRejection>) -> ApiResult {
    let Path((slug, id, username)) = path.map_err(|e| {
        ApiError(AppError::new(
            ErrorCode::BadRequest,
            format!("路径无效：{e}"),
            format!("bad path: {e}"),
        ))
    })?;
    let (kind, id) = super::registry::parse_record(&slug, &id)?;
    u.access.set_need_to_know(kind, id, &username, false).await?;
    let list = u.access.need_to_know(kind, id).await?;
    Ok(Json(json!({ "items": list.iter().map(member_json).collect::<Vec<_>>() })).into_response())
}

fn change_json(c: &kean_app::LevelChange) -> serde_json::Value {
    json!({ "id": c.id, "kind": c.kind.slug(), "record_id": c.record_id, "from": c.from.code(), "to": c.to.code(),
            "reasons": c.reasons, "state": c.state, "proposer": c.proposer, "proposed_at": c.proposed_at,
            "decided_by": c.decided_by, "decided_at": c.decided_at, "note": c.note })
}

#[derive(serde::Deserialize)]
pub struct ProposalBody {
    to: String,
    reasons: String,
}

/// POST /registry/{slug}/{id}/level-changes {"to", "reasons"}
pub async fn propose_level_change(
    u: ApiUser,
    path: Result<Path<(String, String)>, PathRejection>,
    body: Result<Json<ProposalBody>, JsonRejection>,
) -> ApiResult {
    let (kind, id) = record_path(path)?;
    let Json(b) = body?;
    let c = u.access.propose_level_change(kind, id, &b.to, &b.reasons).await?;
    Ok((StatusCode::CREATED, Json(change_json(&c))).into_response())
}

/// GET /level-changes?state=proposed|all
pub async fn level_changes(
    u: ApiUser,
    axum::extract::Query(q): axum::extract::Query<std::collections::HashMap<String, String>>,
) -> ApiResult {
    let pending = pending_only(&q, "proposed")?;
    let list = u.access.level_changes(pending).await?;
    Ok(Json(json!({ "items": list.iter().map(change_json).collect::<Vec<_>>() })).into_response())
}

#[derive(serde::Deserialize)]
pub struct DecisionBody {
    approve: bool,
    #[serde(default)]
    note: String,
}

/// POST /level-changes/{id}/decision {"approve", "note"}
pub async fn decide_level_change(
    u: ApiUser,
    path: Result<Path<String>, PathRejection>,
    body: Result<Json<DecisionBody>, JsonRejection>,
) -> ApiResult {
    let id = user_id_of(path).map_err(|_| ApiError::no_endpoint())?;
    let Json(b) = body?;
    let c = u.access.decide_level_change(id, b.approve, &b.note).await?;
    Ok(Json(change_json(&c)).into_response())
}

/// A list of requests' `state` parameter: `waiting` (the default) for those
/// waiting for a decision, `all` for every one.
pub(super) fn pending_only(q: &std::collections::HashMap<String, String>, waiting: &str) -> Result<bool, ApiError> {
    match q.get("state").map(String::as_str) {
        None => Ok(true),
        Some(s) if s == waiting => Ok(true),
        Some("all") => Ok(false),
        Some(other) => Err(ApiError(AppError::field(
            ErrorCode::BadRequest,
            kean_core::FieldError::new(
                "state",
                format!("“{other}”应为 {waiting} 或 all"),
                format!("'{other}' must be {waiting} or all"),
            ),
        ))),
    }
}
