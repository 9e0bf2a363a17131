//! Users and the audit log over JSON.

use std::collections::HashMap;

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use kean_app::AppError;
use kean_core::{ErrorCode, Role};
use serde_json::{Value as J, json};

use crate::auth::ApiUser;
use crate::respond::{ApiError, ApiResult};

pub(super) fn user_json(x: &kean_app::User) -> J {
    json!({ "id": x.id, "username": x.username, "display_name": x.display_name, "role": x.role.code(),
            "org_id": x.org_id, "clearance": x.clearance.code(), "disabled": x.disabled, "locked_until": x.locked_until, "created_at": x.created_at,
            "second_factor_enabled": x.totp_enabled })
}

fn parse_user_id(id: &str) -> Result<i64, ApiError> {
    id.parse::<i64>().ok().filter(|i| *i > 0).ok_or_else(|| {
        ApiError(AppError::field(
            ErrorCode::BadRequest,
            kean_core::FieldError::new(
                "id",
                format!("“{id}”不是有效的用户编号"),
                format!("'{id}' is not a user id"),
            ),
        ))
    })
}

/// The user id of a `/users/{id}/…` path.
pub(super) fn user_id_of(path: Result<Path<String>, PathRejection>) -> Result<i64, ApiError> {
    let Ok(Path(id)) = path else {
        return Err(ApiError::no_endpoint());
    };
    parse_user_id(&id)
}

pub async fn users(u: ApiUser) -> ApiResult {
    let list = u.access.users().await?;
    Ok(Json(json!({ "items": list.iter().map(user_json).collect::<Vec<_>>() })).into_response())
}

#[derive(serde::Deserialize)]
pub struct NewUserBody {
    username: String,
    display_name: String,
    role: String,
    org_id: Option<i64>,
    password: String,
}

pub async fn create_user(u: ApiUser, body: Result<Json<NewUserBody>, JsonRejection>) -> ApiResult {
    let Json(b) = body?;
    let Some(role) = Role::parse(&b.role) else {
        let codes: Vec<&str> = Role::ALL.iter().map(|r| r.code()).collect();
        return Err(ApiError(AppError::validation(vec![kean_core::FieldError::new(
            "role",
            format!("角色应为以下之一：{}", codes.join("、")),
            format!("role must be one of {}", codes.join(", ")),
        )])));
    };
    let x = u
        .access
        .create_user(&b.username, &b.display_name, role, b.org_id, &b.password)
        .await?;
    Ok((StatusCode::CREATED, Json(user_json(&x))).into_response())
}

/// POST /users/{id}/unlock | disable | enable | password (body {"password"}).
pub async fn change_user(
    u: ApiUser,
    path: Result<Path<(String, String)>, PathRejection>,
    body: Result<Json<J>, JsonRejection>,
) -> ApiResult {
    let Ok(Path((id, action))) = path else {
        return Err(ApiError::no_endpoint());
    };
    let id = parse_user_id(&id)?;
    let change = match action.as_str() {
        "unlock" => kean_app::UserAction::Unlock,
        "disable" => kean_app::UserAction::SetDisabled(true),
        "enable" => kean_app::UserAction::SetDisabled(false),
        "reset-2fa" => kean_app::UserAction::ResetSecondFactor,
        "password" => {
            let pw = body
                .ok()
                .and_then(|Json(b)| b.get("password").and_then(|p| p.as_str()).map(String::from));
            kean_app::UserAction::Password(pw.unwrap_or_default())
        }
        _ => return Err(ApiError::no_endpoint()),
    };
    let x = u.access.change_user(id, change).await?;
    Ok(Json(user_json(&x)).into_response())
}

/// An audit record as the API answers it: the stored fields (values
/// withheld as on the page) and its outcome.
fn audit_json(e: &kean_core::audit::AuditEntry) -> J {
    json!({ "seq": e.seq, "at": e.draft.at, "actor_id": e.draft.actor_id, "actor": e.draft.actor,
            "action": e.draft.action, "outcome": kean_core::audit::Outcome::of(&e.draft.action).code(),
            "target": e.draft.target, "record_id": e.draft.record_id, "before": e.draft.before, "after": e.draft.after,
            "prev_hash": e.prev_hash, "hash": e.hash })
}

/// GET /audit?actor=&action=&kind=&record=&from=&to=&outcome=&page=&page_size=:
/// the audit search (recorded), as far as the caller's role reaches.
pub async fn audit(u: ApiUser, Query(q): Query<HashMap<String, String>>) -> ApiResult {
    let page = q.get("page").and_then(|p| p.parse().ok()).unwrap_or(1);
    let size = q.get("page_size").and_then(|p| p.parse().ok()).unwrap_or(50);
    // The policy first: a caller refused the log learns nothing of its fields.
    u.access.check(kean_core::Action::ReadAudit, None)?;
    let query = kean_app::audit_query(&q)?;
    let p = u.access.audit_search(&query, page, size).await?;
    Ok(Json(
        json!({ "items": p.items.iter().map(audit_json).collect::<Vec<_>>(), "total": p.total,
        "page": p.page, "page_size": p.page_size }),
    )
    .into_response())
}

/// GET /audit/export?format=csv|xlsx&(the search's fields): what the search
/// finds, as a file (recorded as an export of the audit log).
pub async fn audit_export(u: ApiUser, Query(q): Query<HashMap<String, String>>) -> ApiResult {
    u.access.check(kean_core::Action::ReadAudit, None)?;
    let xlsx = match q.get("format").map(|s| s.trim()).unwrap_or("csv") {
        "csv" | "" => false,
        "xlsx" => true,
        other => {
            return Err(ApiError(AppError::validation(vec![kean_core::FieldError::new(
                "format",
                format!("格式应为 csv 或 xlsx（给出的是“{other}”）"),
                format!("format must be csv or xlsx (given: '{other}')"),
            )])));
        }
    };
    let query = kean_app::audit_query(&q)?;
    let (entries, _) = u
        .access
        .audit_export_records(&query, if xlsx { "xlsx" } else { "csv" })
        .await?;
    // Chinese first, English on request (`lang=en`).
    let lang = crate::i18n::Lang::from_cookie(q.get("lang").map(String::as_str));
    let (headers, rows) = crate::pages::system::audit_table(lang, &entries);
    Ok(crate::pages::exchange::audit_download(lang, headers, rows, xlsx)?)
}

/// GET /audit/status: the chain head, the last signed checkpoint, the last
/// recorded verification.
pub async fn audit_status(u: ApiUser) -> ApiResult {
    let st = u.access.audit_chain_status().await?;
    Ok(Json(json!({ "head_seq": st.head_seq, "head_hash": st.head_hash,
        "last_checkpoint": st.last_checkpoint.map(|(seq, at)| json!({ "seq": seq, "at": at })),
        "last_verify": st.last_verify.as_ref().map(audit_json) }))
    .into_response())
}

/// POST /audit/verify: re-walks the chain (the security auditor's; recorded).
pub async fn audit_verify(u: ApiUser) -> ApiResult {
    let outcome = u.access.verify_audit_recorded().await?;
    Ok(Json(match outcome {
        Ok((last_seq, last_hash)) => {
            json!({ "intact": true, "last_seq": last_seq, "last_hash": last_hash, "fault": null })
        }
        Err(b) => json!({ "intact": false, "last_seq": null, "last_hash": null, "fault": b.to_string() }),
    })
    .into_response())
}

#[derive(serde::Deserialize)]
pub struct OrganizationBody {
    /// The organization's id, or null for none.
    org_id: Option<i64>,
}

/// PUT /users/{id}/organization {"org_id": ID | null}
pub async fn set_organization(
    u: ApiUser,
    path: Result<Path<String>, PathRejection>,
    body: Result<Json<OrganizationBody>, JsonRejection>,
) -> ApiResult {
    let id = user_id_of(path)?;
    let Json(b) = body?;
    let x = u.access.set_organization(id, b.org_id).await?;
    Ok(Json(user_json(&x)).into_response())
}
